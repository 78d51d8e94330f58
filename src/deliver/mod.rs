//! Stage 4: hand finished messages (see [`crate::compose`]) to a courier.
//!
//! Two couriers: SMTP (a relay or mail server, never a server of our own; [`smtp`] is the
//! client) and the outbox, which writes one `.eml` file per digest. [`dispatch`] runs several
//! couriers at once with retries and the journal. Nothing here picks papers or renders;
//! couriers get finished bytes, and errors say whether a retry may help.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use lettre::Address;
use lettre::transport::smtp::authentication::Credentials;

use crate::config::{Config, ConfigError, Smtp, TransportKind};
use crate::text::file_safe;

pub(crate) mod dispatch;
pub(crate) mod smtp;

pub(crate) use smtp::{Connector, SmtpError};

/// A digest that did not leave.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DeliveryError {
    /// The mail server refused the message, or could not be reached or understood.
    #[error("smtp {server}: {source}")]
    Smtp {
        /// `host:port`.
        server: String,
        /// What happened, and at which step.
        source: SmtpError,
    },
    /// The outbox file could not be written.
    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The digest could not be made into a message (rendering or building it): the whole
    /// explanation, its causes included.
    #[error("{0}")]
    Compose(String),
}

impl DeliveryError {
    /// Whether trying again later may succeed: a 4xx reply, a timeout, or a connection that
    /// failed, dropped or stalled. A 5xx reply, a TLS failure, or something paperboy itself
    /// refuses (no common AUTH mechanism, an address the server cannot take) needs a person,
    /// not a rerun.
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            DeliveryError::Smtp { source, .. } => source.is_transient(),
            DeliveryError::Write { .. } | DeliveryError::Compose(_) => false,
        }
    }

    /// A 5xx reply about the recipient (to `RCPT TO` or to the message): the address is kept
    /// from later runs until an operator lifts it. A refused login or sender is not the
    /// recipient's doing and suppresses nobody.
    pub(crate) fn suppresses_recipient(&self) -> bool {
        matches!(self, DeliveryError::Smtp { source, .. } if source.is_recipient_refusal())
    }
}

/// One digest on its way: the envelope, the bytes, what the outbox needs to name it, and
/// the papers it carries for the journal.
#[derive(Debug, Clone)]
pub(crate) struct Letter {
    /// `MAIL FROM`.
    pub(crate) from: Address,
    /// `RCPT TO`: one recipient per message.
    pub(crate) to: Address,
    /// The digest date (the outbox folder).
    pub(crate) date: NaiveDate,
    /// The whole formatted (and signed) message.
    pub(crate) bytes: Vec<u8>,
    /// The ids of the papers it carries.
    pub(crate) papers: Vec<String>,
}

/// Carries letters to one destination, one at a time: an SMTP connection kept open across
/// letters, or the outbox. Each worker of a run owns one.
pub(crate) trait Courier {
    /// Delivers one letter; the server's reply (or the file written) on success.
    fn deliver(&mut self, letter: &Letter) -> Result<String, DeliveryError>;

    /// Ends the session politely, if there is one.
    fn finish(self: Box<Self>) {}
}

/// An SMTP connection, opened on first use and again after any error that broke it.
pub(crate) struct SmtpCourier<'c> {
    connector: &'c Connector,
    connection: Option<smtp::Connection>,
}

impl<'c> SmtpCourier<'c> {
    /// Not connected until the first letter.
    pub(crate) fn new(connector: &'c Connector) -> SmtpCourier<'c> {
        SmtpCourier { connector, connection: None }
    }
}

impl Courier for SmtpCourier<'_> {
    fn deliver(&mut self, letter: &Letter) -> Result<String, DeliveryError> {
        let fail = |source| DeliveryError::Smtp { server: self.connector.server(), source };
        let mut connection = match self.connection.take() {
            Some(connection) if connection.reusable() => connection,
            _ => self.connector.connect().map_err(fail)?,
        };
        let result = connection.send(&letter.from, &letter.to, &letter.bytes);
        if let Err(err) = &result {
            connection.after_error(err);
        }
        if connection.reusable() {
            self.connection = Some(connection);
        }
        result.map(|reply| reply.to_string()).map_err(fail)
    }

    fn finish(self: Box<Self>) {
        if let Some(connection) = self.connection {
            connection.quit();
        }
    }
}

/// Writes `outbox/<date>/<address>.eml`.
pub(crate) struct OutboxCourier<'d> {
    dir: &'d Path,
}

impl Courier for OutboxCourier<'_> {
    fn deliver(&mut self, letter: &Letter) -> Result<String, DeliveryError> {
        let path = outbox_path(self.dir, letter.date, &letter.to);
        crate::atomic::write(&path, &letter.bytes)
            .map_err(|source| DeliveryError::Write { path: path.clone(), source })?;
        Ok(format!("written to {}", path.display()))
    }
}

/// Where a run's digests go, and how many couriers may carry them at once.
pub(crate) enum Mailer {
    /// A mail server or relay.
    Smtp(Connector),
    /// One `.eml` file per digest under this folder.
    Outbox(PathBuf),
}

impl Mailer {
    /// The transport the config asks for; SMTP reads its password from the environment now.
    pub(crate) fn from_config(config: &Config) -> Result<Mailer, ConfigError> {
        match (config.delivery.transport, &config.smtp) {
            (TransportKind::Smtp, Some(smtp)) => smtp_connector(smtp)
                .map(Mailer::Smtp)
                .map_err(|(key, message)| ConfigError::one(&config.path, None, Some(key), message)),
            _ => Ok(Mailer::Outbox(config.delivery.dir.clone())),
        }
    }

    /// A courier for one worker.
    pub(crate) fn courier(&self) -> Box<dyn Courier + '_> {
        match self {
            Mailer::Smtp(connector) => Box::new(SmtpCourier::new(connector)),
            Mailer::Outbox(dir) => Box::new(OutboxCourier { dir }),
        }
    }

    /// Removes what a killed run left in the outbox folders of `dates`: temporary files of
    /// digests it was writing when it died (see [`crate::atomic::abandoned_temp`]), which
    /// nothing else would ever remove. Only files of that pattern go; the caller holds the
    /// run lock, so no run on this journal is writing. Best effort: what cannot be read or
    /// removed stays for the next run. How many went.
    pub(crate) fn remove_abandoned(&self, dates: &[NaiveDate]) -> usize {
        let Mailer::Outbox(dir) = self else { return 0 };
        let mut removed = 0;
        for date in dates {
            let Ok(entries) = std::fs::read_dir(dir.join(date.to_string())) else { continue };
            for entry in entries.flatten() {
                let name = entry.file_name();
                let abandoned = name
                    .to_str()
                    .and_then(crate::atomic::abandoned_temp)
                    .is_some_and(|target| target.ends_with(".eml"));
                if abandoned && std::fs::remove_file(entry.path()).is_ok() {
                    removed += 1;
                }
            }
        }
        removed
    }

    /// Where digests are going, for the summary line.
    pub(crate) fn destination(&self) -> String {
        match self {
            Mailer::Smtp(connector) => format!("smtp://{}", connector.server()),
            Mailer::Outbox(dir) => dir.display().to_string(),
        }
    }
}

/// The login for `[smtp]`, with the password from the environment variable it names.
pub(crate) fn smtp_credentials(smtp: &Smtp) -> Result<Option<Credentials>, String> {
    let Some(username) = &smtp.username else { return Ok(None) };
    let password = std::env::var(&smtp.password_env).map_err(|_| {
        format!(
            "`username` is set, so the password must be in the environment variable `{}`, \
             which is not set",
            smtp.password_env
        )
    })?;
    Ok(Some(Credentials::new(username.clone(), password)))
}

/// `check --smtp`: connects, upgrades and logs in (sending nothing) exactly as `send` would,
/// with the same client, timeouts and trusted roots.
pub(crate) fn check_smtp(smtp: &Smtp) -> Result<(), SmtpCheckError> {
    let connector = smtp_connector(smtp).map_err(|(_, message)| SmtpCheckError::Setup(message))?;
    let connection = connector.connect().map_err(|err| SmtpCheckError::Server(err.to_string()))?;
    connection.quit();
    Ok(())
}

/// Why `check --smtp` failed.
#[derive(Debug)]
pub(crate) enum SmtpCheckError {
    /// The config cannot work as written (no password, an unreadable `ca_file`): as `send`
    /// reports it.
    Setup(String),
    /// The server did not answer or refused: it may do better later.
    Server(String),
}

/// The connector for `[smtp]`: its password read from the environment and its extra roots
/// from `ca_file`; an error names the key at fault.
fn smtp_connector(smtp: &Smtp) -> Result<Connector, (&'static str, String)> {
    let credentials = smtp_credentials(smtp).map_err(|message| ("smtp", message))?;
    let roots = match &smtp.ca_file {
        Some(file) => smtp::read_roots(file).map_err(|message| ("smtp.ca_file", message))?,
        None => Vec::new(),
    };
    Ok(Connector::new(smtp, credentials, roots))
}

/// `outbox/2025-08-05/alice@example.com.eml`: a rerun of the same day replaces the file
/// rather than adding a second one.
pub(crate) fn outbox_path(dir: &Path, date: NaiveDate, to: &Address) -> PathBuf {
    dir.join(date.to_string()).join(format!("{}.eml", file_safe(to.as_ref())))
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::text::FILE_SAFE_MAX;

    #[test]
    fn a_64_character_local_part_of_escapes_still_fits_a_file_name() {
        // Regression (issue 12): 64 `&` percent-encode to 192 bytes, and with a long domain
        // and `.eml` the outbox name passed 255 bytes, so that digest failed every run.
        let domain = format!("{}.example.com", "d".repeat(60));
        let long = format!("{}@{domain}", "&".repeat(64));
        let name = file_safe(&long);
        assert!(name.len() <= FILE_SAFE_MAX, "{} bytes: {name}", name.len());
        assert!(name.starts_with("%26%26"), "{name}");
        assert_eq!(file_safe(&long), name, "the same address, the same name");
        let other = format!("'{}@{domain}", "&".repeat(63));
        assert_ne!(file_safe(&other), name, "another address, another name");
        assert_ne!(file_safe(&format!("{}@{domain}", "&".repeat(63))), name);
        let cut = name.rsplit_once('~').map(|(kept, _)| kept).unwrap_or_default();
        assert!(
            cut.len().is_multiple_of(3) && cut.split('%').skip(1).all(|e| e.len() == 2),
            "{name}"
        );

        let dir = tempfile::tempdir().unwrap();
        let day = NaiveDate::from_ymd_opt(2025, 8, 5).unwrap();
        let path = outbox_path(dir.path(), day, &long.parse().unwrap());
        crate::atomic::write(&path, b"x").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"x");
    }
}
