//! `paperboy completions` and `paperboy man`: the command line described for shells and
//! `man`, generated from the same clap definition that parses it, so they cannot drift.

use clap::CommandFactory as _;

use crate::cli::{Cli, CompletionsArgs};
use crate::error::Exit;

/// Prints the completion script for one shell.
pub(crate) fn completions(args: &CompletionsArgs) -> anyhow::Result<Exit> {
    let mut command = Cli::command();
    // Into a buffer first: clap_complete panics on a failed write, a closed pipe included.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "paperboy", &mut script);
    std::io::Write::write_all(&mut std::io::stdout().lock(), &script)?;
    Ok(Exit::Ok)
}

/// Prints the man page, `paperboy(1)`, as roff.
pub(crate) fn man() -> anyhow::Result<Exit> {
    let mut out = std::io::stdout().lock();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    Ok(Exit::Ok)
}
