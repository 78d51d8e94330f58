//! Where every `error:` and `warning:` line goes, so that `--quiet` and `--color` apply to
//! all of them, from whichever stage they come.
//!
//! Like ripgrep's `messages.rs`, the settings are process-wide, set once from the command line
//! before a command runs, so a deep stage can warn without being handed a printer. It prints
//! to stderr only; what a command was asked to print goes to stdout through `cmd/`.
//!
//! `--quiet` works as cargo's does: no status output (summary lines such as `sent 3, ...`, and
//! warnings), while errors and the data a command was asked for (`papers`, `history`, lists)
//! are always printed, so a cron job hears only of what went wrong.

use std::fmt::Display;
use std::io::IsTerminal as _;
use std::sync::atomic::{AtomicBool, Ordering};

use anstyle::{AnsiColor, Style};
use clap::ColorChoice;

static QUIET: AtomicBool = AtomicBool::new(false);
static COLOR: AtomicBool = AtomicBool::new(false);

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();

/// Takes the global flags; called once, before the command runs.
pub(crate) fn configure(quiet: bool, color: ColorChoice) {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    QUIET.store(quiet, Ordering::Relaxed);
    COLOR.store(wants_color(color, no_color, std::io::stderr().is_terminal()), Ordering::Relaxed);
}

/// `--color always` wins over everything; `auto` colours a terminal unless `NO_COLOR` is set
/// (no-color.org), so a pipe or a cron log never gets escape codes.
pub(crate) fn wants_color(choice: ColorChoice, no_color: bool, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && !no_color,
    }
}

/// Whether status output is silenced (`--quiet`).
pub(crate) fn is_quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// `warning: ...` on stderr, one prefix per line; nothing under `--quiet`.
pub(crate) fn warning(message: impl Display) {
    if !is_quiet() {
        print_lines(WARNING, "warning", &message.to_string());
    }
}

/// `error: ...` on stderr, one prefix per line; printed even under `--quiet`.
pub(crate) fn error(message: impl Display) {
    print_lines(ERROR, "error", &message.to_string());
}

/// A failed run: its first cause as `error:` lines (a config error carries one line per
/// problem), then each further cause on its own `  caused by:` line.
pub(crate) fn error_chain(err: &anyhow::Error) {
    let mut causes = err.chain();
    if let Some(first) = causes.next() {
        error(first);
    }
    for cause in causes {
        eprintln!("  caused by: {cause}");
    }
}

/// `label` in `style` when colour is on, bare otherwise.
pub(crate) fn styled(style: Style, label: &str) -> String {
    if COLOR.load(Ordering::Relaxed) {
        format!("{style}{label}{style:#}")
    } else {
        label.to_owned()
    }
}

fn print_lines(style: Style, label: &str, message: &str) {
    let label = styled(style, label);
    // One write per message, so lines from worker threads do not interleave mid-line.
    let mut text = String::new();
    for line in message.lines() {
        text.push_str(&format!("{label}: {line}\n"));
    }
    eprint!("{text}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_colours_a_terminal_only_and_no_color_turns_it_off() {
        assert!(wants_color(ColorChoice::Auto, false, true));
        assert!(!wants_color(ColorChoice::Auto, false, false));
        assert!(!wants_color(ColorChoice::Auto, true, true));
        assert!(wants_color(ColorChoice::Always, true, false));
        assert!(!wants_color(ColorChoice::Never, false, true));
    }
}
