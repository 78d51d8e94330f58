//! The command line: what each subcommand takes. Parsing only; `cmd/` does the work.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// paperboy: a personal email digest of the day's papers for every subscriber.
#[derive(Debug, Parser)]
#[command(
    name = "paperboy",
    version,
    after_help = "Exit status: 0 ok · 1 a run-time failure (e.g. a digest not delivered) · 2 bad usage · \
                  65 a source file that cannot be parsed · 75 only temporary delivery failures, \
                  a rerun may succeed · 78 a missing or invalid config"
)]
pub struct Cli {
    /// The config file.
    #[arg(long, global = true, env = "PAPERBOY_CONFIG", default_value = crate::config::DEFAULT_PATH)]
    pub config: PathBuf,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the papers the sources give, as text or JSON.
    Papers(PapersArgs),
    /// Write every digest as HTML, text and .eml files, and an index page; send nothing.
    Preview(PreviewArgs),
    /// The daily job: read, pick, render and deliver every subscriber's digest.
    Send(SendArgs),
}

/// Where the day's papers come from, and for which date.
#[derive(Debug, Args)]
pub struct DayArgs {
    /// The listing date, YYYY-MM-DD [default: today, UTC].
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<NaiveDate>,

    /// Read this file instead of the configured sources.
    #[arg(long, value_name = "PATH")]
    pub input: Option<PathBuf>,
}

/// `paperboy papers`.
#[derive(Debug, Args)]
pub struct PapersArgs {
    /// Read this file alone instead of the configured sources (no config needed).
    #[arg(long, value_name = "PATH")]
    pub input: Option<PathBuf>,

    /// The listing date that completes a listing's "Aug 5", YYYY-MM-DD [default: today].
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<NaiveDate>,

    /// How to print the records.
    #[arg(long, value_enum, default_value_t = PapersFormat::Text)]
    pub format: PapersFormat,
}

/// How `papers` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PapersFormat {
    /// One block per paper.
    Text,
    /// A JSON array of objects.
    Json,
}

/// `paperboy preview`.
#[derive(Debug, Args)]
pub struct PreviewArgs {
    /// Only this subscriber's digest.
    #[arg(long, value_name = "EMAIL")]
    pub subscriber: Option<String>,

    /// The folder to write into.
    #[arg(long, value_name = "DIR", default_value = "preview")]
    pub out: PathBuf,

    /// The day to work on.
    #[command(flatten)]
    pub day: DayArgs,
}

/// `paperboy send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// Only this subscriber.
    #[arg(long, value_name = "EMAIL")]
    pub subscriber: Option<String>,

    /// Do everything but deliver: print what would be sent.
    #[arg(long)]
    pub dry_run: bool,

    /// The day to work on.
    #[command(flatten)]
    pub day: DayArgs,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_bad_date_is_a_usage_error() {
        let err = Cli::try_parse_from(["paperboy", "send", "--date", "2025-13-01"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}
