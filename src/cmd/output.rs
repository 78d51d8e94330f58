//! How commands print what they found: JSON in one piece, and the text of papers (titles,
//! authors, links, matched words, all written by whoever wrote the listing) made harmless for
//! a terminal. Every command that prints paper data goes through here; nothing here reads a
//! config or a listing.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};

/// Pretty JSON and a newline on standard output.
///
/// serde_json wraps an I/O error in its own type, whose `source()` skips the `io::Error`, so
/// a closed pipe (`... --format json | head`) would not be recognised as the reader being
/// done and would end in `error: Broken pipe`. Turning it back into the `io::Error` it was
/// lets `main` treat it as the text formats are treated.
pub(crate) fn print_json(value: &impl serde::Serialize) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value).map_err(std::io::Error::from)?;
    writeln!(out)
}

/// Shows text from a listing on standard output.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PaperText {
    terminal: bool,
}

impl PaperText {
    /// For standard output as it is now: a terminal, or a pipe or file.
    pub(crate) fn for_stdout() -> PaperText {
        PaperText { terminal: std::io::stdout().is_terminal() }
    }

    /// The text as it may reach the screen. On a terminal every control character (ESC, BEL,
    /// a C1 `CSI`, a line break) is written as an escape such as `\u{1b}`, so a title cannot
    /// retitle or clear the terminal or plant an OSC 8 link; into a pipe or a file the text
    /// goes as the listing said it.
    pub(crate) fn show<'a>(self, text: &'a str) -> Cow<'a, str> {
        if self.terminal && text.chars().any(char::is_control) {
            Cow::Owned(crate::text::one_line(text))
        } else {
            Cow::Borrowed(text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_terminal_sees_control_characters_as_escapes_and_a_pipe_sees_them_as_written() {
        let title = "Mamba\u{1b}]0;owned\u{7}\u{9b}2J \u{1b}]8;;https://x.org\u{1b}\\link";
        let terminal = PaperText { terminal: true }.show(title);
        assert!(!terminal.chars().any(char::is_control), "{terminal:?}");
        assert_eq!(
            terminal,
            "Mamba\\u{1b}]0;owned\\u{7}\\u{9b}2J \\u{1b}]8;;https://x.org\\u{1b}\\link"
        );
        assert_eq!(PaperText { terminal: false }.show(title), title);
        assert!(matches!(PaperText { terminal: true }.show("plain é"), Cow::Borrowed(_)));
    }
}
