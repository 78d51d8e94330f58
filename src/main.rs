//! The `paperboy` binary: parses the command line, runs it, maps the outcome to an exit status.

use std::process::ExitCode;

use paperboy::Cli;

fn main() -> ExitCode {
    let cli = Cli::from_env();
    match paperboy::run(&cli) {
        Ok(exit) => exit.into(),
        Err(err) => paperboy::report(&err).into(),
    }
}
