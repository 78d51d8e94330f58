//! What goes wrong reading a source, and where: errors, warnings and their positions.

use std::fmt;

use chrono::NaiveDate;

use super::Source;
use crate::lines::Lines;
use crate::text::one_line;

/// Where in a listing a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Position {
    /// 1-based line, and column when known.
    Line {
        /// 1-based.
        line: usize,
        /// 1-based, in characters.
        column: Option<usize>,
    },
    /// A JSON path such as `[3].paper.id`.
    JsonPath(String),
}

/// A source that could not be read at all.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}: {}", location(origin, position.as_ref()), one_line(message))]
pub struct SourceError {
    /// The file or URL that failed.
    pub(crate) origin: String,
    /// Where in it, when the problem has a place.
    pub(crate) position: Option<Position>,
    /// What is wrong, lowercase, without the location.
    pub(crate) message: String,
}

impl SourceError {
    /// A problem at a line of `origin`.
    pub(crate) fn at_line(origin: &str, line: usize, message: impl Into<String>) -> SourceError {
        SourceError {
            origin: origin.to_owned(),
            position: Some(Position::Line { line, column: None }),
            message: message.into(),
        }
    }

    /// A problem with `origin` as a whole.
    pub(crate) fn whole(origin: &str, message: impl Into<String>) -> SourceError {
        SourceError { origin: origin.to_owned(), position: None, message: message.into() }
    }

    #[cfg(test)]
    /// The 1-based line, when the problem has one.
    pub(crate) fn line(&self) -> Option<usize> {
        match self.position {
            Some(Position::Line { line, .. }) => Some(line),
            _ => None,
        }
    }
}

/// Something a source left out, with where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceWarning {
    /// The file or URL the warning is about.
    pub(crate) origin: String,
    /// 1-based line, when there is one.
    pub(crate) line: Option<usize>,
    /// What was left out and why.
    pub(crate) message: String,
}

impl fmt::Display for SourceWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let position = self.line.map(|line| Position::Line { line, column: None });
        write!(f, "{}: {}", location(&self.origin, position.as_ref()), one_line(&self.message))
    }
}

/// `file:12:5` for a file; a URL is followed by words, since `:12` after it reads as a port.
fn location(origin: &str, position: Option<&Position>) -> String {
    let is_url = origin.starts_with("http://") || origin.starts_with("https://");
    match position {
        None => origin.to_owned(),
        Some(Position::Line { line, column }) if is_url => match column {
            Some(column) => format!("{origin} (line {line}, column {column})"),
            None => format!("{origin} (line {line})"),
        },
        Some(Position::Line { line, column }) => match column {
            Some(column) => format!("{origin}:{line}:{column}"),
            None => format!("{origin}:{line}"),
        },
        Some(Position::JsonPath(path)) => format!("{origin}: at `{path}`"),
    }
}

/// What a parser knows about the text it is reading, for its messages.
pub(crate) struct Input<'a> {
    /// The whole listing, decoded.
    pub(crate) text: &'a str,
    /// The file or URL, as messages show it.
    pub(crate) origin: &'a str,
    pub(crate) source: &'a Source,
    /// The run date.
    pub(crate) date: NaiveDate,
    /// Where its lines start, for positions in messages.
    pub(crate) lines: Lines<'a>,
}

impl<'a> Input<'a> {
    pub(crate) fn new(
        text: &'a str,
        origin: &'a str,
        source: &'a Source,
        date: NaiveDate,
    ) -> Input<'a> {
        Input { text, origin, source, date, lines: Lines::new(text.as_bytes()) }
    }

    /// An error at a byte offset of the text.
    pub(crate) fn error_at(&self, offset: usize, message: impl Into<String>) -> SourceError {
        let (line, column) = self.lines.line_column(offset);
        SourceError {
            origin: self.origin.to_owned(),
            position: Some(Position::Line { line, column: Some(column) }),
            message: message.into(),
        }
    }

    /// A warning at a byte offset of the text.
    pub(crate) fn warning_at(&self, offset: usize, message: impl Into<String>) -> SourceWarning {
        SourceWarning {
            origin: self.origin.to_owned(),
            line: Some(self.lines.line(offset)),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_read_as_file_positions_or_url_words() {
        let at = |origin: &str, position| location(origin, Some(&position));
        assert_eq!(at("day.xml", Position::Line { line: 3, column: Some(7) }), "day.xml:3:7");
        assert_eq!(at("day.txt", Position::Line { line: 3, column: None }), "day.txt:3");
        assert_eq!(
            at("https://x.org/a", Position::Line { line: 3, column: Some(7) }),
            "https://x.org/a (line 3, column 7)"
        );
        assert_eq!(
            at("day.json", Position::JsonPath("[2].paper.id".into())),
            "day.json: at `[2].paper.id`"
        );
    }
}
