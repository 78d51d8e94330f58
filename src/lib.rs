//! paperboy sends researchers a personal digest of the day's papers.
//!
//! The pipeline, one module per stage, each handing plain data to the next:
//!
//! 1. [`source`] reads the day's listing into [`paper::Paper`] records.
//! 2. [`topic`] picks and orders each subscriber's papers into a [`digest::Digest`].
//! 3. [`render`] turns a digest into a subject, HTML and plain text with tera templates.
//! 4. [`compose`] fits a rendered digest into one message; [`deliver`] hands it to SMTP or
//!    writes it to the outbox, several at once, retrying temporary trouble; [`journal`]
//!    records every step, so a rerun sends only what is missing.
//!
//! [`config`] loads and checks the TOML that drives all of it; [`cmd`] holds one module per
//! subcommand; [`outcome`] decides how a run ends and says so; [`clock`] is the only reader
//! of the system time.

mod atomic;
pub mod cli;
pub mod clock;
pub mod cmd;
pub mod compose;
pub mod config;
pub mod deliver;
pub mod digest;
pub mod error;
mod http;
pub mod journal;
mod lines;
pub mod outcome;
pub mod paper;
pub mod render;
pub mod report;
pub mod shard;
pub mod source;
pub mod topic;
pub mod unsubscribe;

use cli::{Cli, Command};
use clock::Clock;
use cmd::Ctx;
use error::Exit;

/// Runs one command line to its exit status.
pub fn run(cli: &Cli) -> anyhow::Result<Exit> {
    let ctx = Ctx { config_path: &cli.config, clock: Clock::System };
    match &cli.command {
        Command::Papers(args) => cmd::papers::run(args, &ctx),
        Command::Preview(args) => cmd::preview::run(args, &ctx),
        Command::Send(args) => cmd::send::run(args, &ctx),
        Command::Explain(args) => cmd::explain::run(args, &ctx),
        Command::Init(args) => cmd::init::run(args, &ctx),
        Command::Subscriber(command) => cmd::subscriber::run(command, &ctx),
        Command::Topic(command) => cmd::topic::run(command, &ctx),
        Command::Unsubscribe(args) => cmd::unsubscribe::run(args, &ctx),
        Command::Check(args) => cmd::check::run(args, &ctx),
        Command::Serve(args) => cmd::serve::run(args, &ctx),
        Command::History(args) => cmd::history::run(args, &ctx),
        Command::Suppress(command) => cmd::suppress::run(command, &ctx),
    }
}
