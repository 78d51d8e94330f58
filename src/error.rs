//! Exit statuses, and how an error chain maps to one.
//!
//! The codes follow sysexits.h where one fits, so cron wrappers and monitoring can tell a
//! broken config from a bad input file from a failed delivery.

use std::process::ExitCode;

use crate::config::ConfigError;
use crate::config::edit::EditError;
use crate::render::RenderError;
use crate::source::SourceError;

/// Every run ends in one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Everything asked for was done.
    Ok = 0,
    /// Something failed at run time, e.g. a digest could not be delivered.
    Failure = 1,
    /// The command line was wrong (clap's own status).
    Usage = 2,
    /// The sources were read and list no papers for the day (a weekend, a holiday): nothing
    /// was sent.
    NoPapers = 3,
    /// A source serves an old listing; its papers were left out.
    Stale = 4,
    /// EX_DATAERR: a source could not be fetched, read or parsed; the others were used.
    DataError = 65,
    /// EX_TEMPFAIL: only temporary delivery failures; a rerun may succeed.
    TempFail = 75,
    /// EX_CONFIG: the config file is missing or invalid.
    Config = 78,
}

impl Exit {
    /// Every status, in numeric order: `--help` and the README list exactly these.
    pub(crate) const ALL: [Exit; 8] = [
        Exit::Ok,
        Exit::Failure,
        Exit::Usage,
        Exit::NoPapers,
        Exit::Stale,
        Exit::DataError,
        Exit::TempFail,
        Exit::Config,
    ];

    /// The number the process exits with.
    pub(crate) fn code(self) -> u8 {
        self as u8
    }

    /// What the status tells a person reading `--help`: one line, short enough that clap
    /// does not wrap it.
    pub(crate) fn meaning(self) -> &'static str {
        match self {
            Exit::Ok => "ok: everything asked for was done",
            Exit::Failure => "a run-time failure, e.g. a digest refused for good (a 5xx)",
            Exit::Usage => "bad usage: a wrong option, an unknown name, a refused edit",
            Exit::NoPapers => "no papers today: the sources list none; nothing sent",
            Exit::Stale => "a source is stale: its old listing was left out",
            Exit::DataError => "a source cannot be fetched, read or parsed (the others are used)",
            Exit::TempFail => "temporary trouble a rerun retries, or another send is running",
            Exit::Config => "a missing or invalid config, template, password or DKIM key",
        }
    }

    /// The status for a failed run: the first cause in the chain that has one of its own.
    pub(crate) fn for_error(err: &anyhow::Error) -> Exit {
        for cause in err.chain() {
            if let Some(edit) = cause.downcast_ref::<EditError>() {
                return match edit {
                    EditError::Refused(_) | EditError::NotFound(_) => Exit::Usage,
                    EditError::Config(_) | EditError::WouldNotLoad(_) => Exit::Config,
                    EditError::Write { .. } => Exit::Failure,
                };
            }
            if cause.is::<ConfigError>() {
                return Exit::Config;
            }
            if cause.is::<SourceError>() {
                return Exit::DataError;
            }
            if cause.is::<RenderError>() {
                return Exit::Config;
            }
            if cause.is::<UsageError>() {
                return Exit::Usage;
            }
        }
        Exit::Failure
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

/// A command-line value that names something that does not exist, such as an unknown
/// `--subscriber`: the same status as clap's own usage errors.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct UsageError(pub(crate) String);

impl UsageError {
    /// A usage error whose message stays on one line, whatever values it quotes.
    pub(crate) fn new(message: impl AsRef<str>) -> UsageError {
        UsageError(crate::text::one_line(message.as_ref()))
    }
}
