//! The `paperboy` binary: parses the command line, runs it, maps the outcome to an exit status.

use std::process::ExitCode;

use clap::Parser;
use paperboy::cli::Cli;
use paperboy::error::Exit;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match paperboy::run(&cli) {
        Ok(exit) => exit.into(),
        // A closed pipe (`paperboy papers | head`) is the reader being done, not a failure.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            // Each cause on its own line; a config error carries one line per problem.
            let mut causes = err.chain();
            if let Some(first) = causes.next() {
                for line in first.to_string().lines() {
                    eprintln!("error: {line}");
                }
            }
            for cause in causes {
                eprintln!("  caused by: {cause}");
            }
            Exit::for_error(&err).into()
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
