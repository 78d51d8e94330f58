//! paperboy sends researchers a personal digest of the day's papers.
//!
//! The pipeline, one module per stage, each handing plain data to the next:
//!
//! 1. `source` reads the day's listing into `paper::Paper` records.
//! 2. `topic` picks and orders each subscriber's papers into a `digest::Digest`.
//! 3. `render` turns a digest into a subject, HTML and plain text with tera templates.
//! 4. `compose` fits a rendered digest into one message; `deliver` hands it to SMTP or
//!    writes it to the outbox, several at once, retrying temporary trouble; `journal`
//!    records every step, so a rerun sends only what is missing.
//!
//! `config` loads and checks the TOML that drives all of it; `cmd` holds one module per
//! subcommand; `outcome` decides how a run ends and says so; `clock` is the only reader
//! of the system time; `cadence` says when a subscriber's digest is due; `text` holds the
//! helpers every layer may use.
//!
//! Lower layers (`paper`, `source`, `topic`, `text`, `cadence`) never name the higher ones, and
//! `deliver` knows nothing of rendering: `tests/cli/layers.rs` checks both, and that the
//! modules name each other without a circle.

mod atomic;
mod cadence;
mod cli;
mod clock;
mod cmd;
mod compose;
mod config;
mod deliver;
mod digest;
mod error;
mod feedback;
mod http;
mod journal;
mod library;
mod lines;
mod messages;
mod outcome;
mod pages;
mod paper;
mod parallel;
mod profiles;
mod render;
mod report;
mod serve;
mod shard;
mod site;
mod source;
mod text;
mod token;
mod topic;
mod unsubscribe;
mod voted;

pub use cli::Cli;
pub use error::Exit;

use cli::Command;
use clock::Clock;
use cmd::Ctx;

/// What the benchmarks in `examples/` drive directly; not an API.
#[doc(hidden)]
pub mod bench {
    pub use crate::config::Config;
    pub use crate::digest::Picker;
    pub use crate::journal::Journal;
    pub use crate::paper::{Paper, PaperId};
    pub use crate::profiles::Profiles;
    pub use crate::topic::SentPapers;

    /// Reading a listing.
    pub mod source {
        pub use crate::source::{Source, parse};
    }

    /// Cleaning a source's text.
    pub mod clean {
        pub use crate::source::clean::plain;
    }
}

/// Runs one command line to its exit status.
pub fn run(cli: &Cli) -> anyhow::Result<Exit> {
    messages::configure(cli.quiet && !cli.verbose, cli.color);
    // clap does not enforce a conflict between global flags given at different levels.
    if cli.quiet && cli.verbose {
        anyhow::bail!(error::UsageError::new("--quiet and --verbose cannot be used together"));
    }
    let clock = Clock::from_env().map_err(error::UsageError::new)?;
    let ctx = Ctx { config_path: &cli.config, clock, verbose: cli.verbose };
    match &cli.command {
        Command::Init(args) => cmd::init::run(args, &ctx),
        Command::Subscriber(command) => cmd::subscriber::run(command, &ctx),
        Command::Topic(command) => cmd::topic::run(command, &ctx),
        Command::Preview(args) => cmd::preview::run(args, &ctx),
        Command::Send(args) => cmd::send::run(args, &ctx),
        Command::History(args) => cmd::history::run(args, &ctx),
        Command::Check(args) => cmd::check::run(args, &ctx),
        Command::Explain(args) => cmd::explain::run(args, &ctx),
        Command::Papers(args) => cmd::papers::run(args, &ctx),
        Command::Suppress(command) => cmd::suppress::run(command, &ctx),
        Command::Feedback(command) => cmd::feedback::run(command, &ctx),
        Command::Unsubscribe(args) => cmd::unsubscribe::run(args, &ctx),
        Command::Serve(args) => cmd::serve::run(args, &ctx),
        Command::Completions(args) => cmd::help::completions(args),
        Command::Man => cmd::help::man(),
    }
}

/// Prints a failed run's error chain on stderr (coloured as `--color` says) and gives its
/// exit status; a closed pipe (`paperboy papers | head`) is the reader being done, not a
/// failure.
pub fn report(err: &anyhow::Error) -> Exit {
    let broken_pipe = err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    });
    if broken_pipe {
        return Exit::Ok;
    }
    messages::error_chain(err);
    Exit::for_error(err)
}
