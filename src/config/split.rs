//! Finds where a config's `[[subscribers]]` tables stand, by lexing alone, so that a list of
//! a hundred thousand subscribers is parsed a batch at a time instead of as one tree many
//! times the size of the file.

use std::ops::Range;

use toml_parser::Source;
use toml_parser::lexer::{Token, TokenKind};

/// Subscribers parsed together: enough that each parse is worth its setup, few enough that
/// its tokens and tree stay small.
pub(super) const SUBSCRIBERS_PER_BATCH: usize = 1000;

/// A table header: `[name]` or `[[name]]`.
struct Header {
    /// Where its first `[` stands.
    start: usize,
    /// `[[...]]`.
    array: bool,
    /// The dotted key, unquoted; `None` when it is not plain enough to tell.
    key: Option<String>,
}

impl Header {
    fn starts_subscriber(&self) -> bool {
        self.array && self.key.as_deref() == Some("subscribers")
    }

    fn inside_subscriber(&self) -> bool {
        self.key.as_deref().is_some_and(|key| key.starts_with("subscribers."))
    }
}

/// Where a config's tables stand.
pub(super) struct Layout {
    /// Where every table header starts, in file order.
    pub(super) headers: Vec<usize>,
    /// Each `[[subscribers]]` table with any subtables of its own, in file order.
    pub(super) subscribers: Vec<Range<usize>>,
}

/// The tables of `text`; `None` when a header is too unusual to tell what it names (an
/// escape), since splitting could then put tables out of order.
pub(super) fn layout(text: &str) -> Option<Layout> {
    let headers = headers(text);
    if headers.iter().any(|header| header.key.is_none()) {
        return None;
    }
    let mut subscribers = Vec::new();
    let mut open: Option<usize> = None;
    for header in &headers {
        if header.starts_subscriber() {
            if let Some(start) = open {
                subscribers.push(start..header.start);
            }
            open = Some(header.start);
        } else if !header.inside_subscriber()
            && let Some(start) = open.take()
        {
            subscribers.push(start..header.start);
        }
    }
    if let Some(start) = open {
        subscribers.push(start..text.len());
    }
    Some(Layout { headers: headers.iter().map(|header| header.start).collect(), subscribers })
}

/// The byte ranges of `text` that hold runs of `[[subscribers]]` tables (with any subtables
/// of theirs), at most `per_batch` subscribers each, in file order. Everything else, and
/// anything too unusual to split safely, is left to the parse of the whole.
pub(super) fn subscriber_batches(text: &str, per_batch: usize) -> Vec<Range<usize>> {
    let Some(layout) = layout(text) else { return Vec::new() };
    batches_of(&layout.subscribers, per_batch).into_iter().map(|(range, _)| range).collect()
}

/// Runs of adjacent tables, at most `per_batch` each: the range and the number of tables.
pub(super) fn batches_of(tables: &[Range<usize>], per_batch: usize) -> Vec<(Range<usize>, usize)> {
    let mut batches: Vec<(Range<usize>, usize)> = Vec::new();
    for table in tables {
        match batches.last_mut() {
            Some((batch, count)) if batch.end == table.start && *count < per_batch => {
                batch.end = table.end;
                *count += 1;
            }
            _ => batches.push((table.clone(), 1)),
        }
    }
    batches
}

/// The table headers of `text`: a `[` that starts a line outside any value.
fn headers(text: &str) -> Vec<Header> {
    let mut tokens = Source::new(text).lex().peekable();
    let mut headers = Vec::new();
    let mut depth = 0usize;
    let mut line_start = true;
    while let Some(token) = tokens.next() {
        match token.kind() {
            TokenKind::Newline => line_start = true,
            TokenKind::Whitespace | TokenKind::Comment => {}
            TokenKind::LeftSquareBracket if depth == 0 && line_start => {
                let array = tokens.next_if(|t| t.kind() == TokenKind::LeftSquareBracket).is_some();
                let key = header_key(text, &mut tokens);
                headers.push(Header { start: token.span().start(), array, key });
                line_start = false;
            }
            TokenKind::LeftSquareBracket | TokenKind::LeftCurlyBracket => {
                depth += 1;
                line_start = false;
            }
            TokenKind::RightSquareBracket | TokenKind::RightCurlyBracket => {
                depth = depth.saturating_sub(1);
                line_start = false;
            }
            _ => line_start = false,
        }
    }
    headers
}

/// Reads a header's key up to its first `]`; `None` for a key with escapes, an unclosed
/// quote or anything else odd.
fn header_key(text: &str, tokens: &mut impl Iterator<Item = Token>) -> Option<String> {
    let mut key = String::new();
    let mut plain = true;
    for token in tokens {
        let span = token.span();
        let raw = &text[span.start()..span.end()];
        match token.kind() {
            TokenKind::RightSquareBracket => return plain.then_some(key),
            TokenKind::Whitespace => {}
            TokenKind::Atom | TokenKind::Dot => key.push_str(raw),
            TokenKind::BasicString | TokenKind::LiteralString => {
                let quote = &raw[..1];
                match raw[1..].strip_suffix(quote) {
                    Some(inner) if !inner.contains('\\') => key.push_str(inner),
                    _ => plain = false,
                }
            }
            TokenKind::Newline | TokenKind::Eof => return None,
            _ => plain = false,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batches(text: &str, per_batch: usize) -> Vec<&str> {
        subscriber_batches(text, per_batch).into_iter().map(|range| &text[range]).collect()
    }

    #[test]
    fn runs_of_subscribers_are_cut_into_batches() {
        let text = "[newsletter]\ntitle = 'x'\n\n[[subscribers]]\nemail = 'a@x.org'\n\
                    [[subscribers]]\nemail = 'b@x.org'\n[[subscribers]]\nemail = 'c@x.org'\n";
        assert_eq!(
            batches(text, 2),
            [
                "[[subscribers]]\nemail = 'a@x.org'\n[[subscribers]]\nemail = 'b@x.org'\n",
                "[[subscribers]]\nemail = 'c@x.org'\n",
            ]
        );
    }

    #[test]
    fn another_table_ends_a_batch_and_subtables_stay_in_it() {
        let text = "[[subscribers]]\nemail = 'a@x.org'\n[subscribers.extra]\nx = 1\n\
                    [smtp]\nhost = 'h'\n[[ \"subscribers\" ]]\nemail = 'b@x.org'\n";
        assert_eq!(
            batches(text, 10),
            [
                "[[subscribers]]\nemail = 'a@x.org'\n[subscribers.extra]\nx = 1\n",
                "[[ \"subscribers\" ]]\nemail = 'b@x.org'\n",
            ]
        );
    }

    #[test]
    fn windows_line_endings_split_the_same() {
        let text = "[newsletter]\r\ntitle = 'x'\r\n[[subscribers]]\r\nemail = 'a@x.org'\r\n\
                    [[subscribers]]\r\nemail = 'b@x.org'\r\n";
        assert_eq!(
            batches(text, 1),
            [
                "[[subscribers]]\r\nemail = 'a@x.org'\r\n",
                "[[subscribers]]\r\nemail = 'b@x.org'\r\n"
            ]
        );
    }

    #[test]
    fn brackets_inside_values_and_strings_are_not_headers() {
        let text = "[newsletter]\ntitle = '''\n[[subscribers]]\n'''\nx = [\n[[subscribers]]\n]\n\
                    # [[subscribers]]\n";
        assert!(batches(text, 10).is_empty());
    }

    #[test]
    fn an_odd_header_anywhere_leaves_everything_to_the_whole_parse() {
        let escaped =
            "[[subscribers]]\nemail = 'a@x.org'\n[[\"sub\\u0073cribers\"]]\nemail = 'b@x.org'\n";
        assert!(batches(escaped, 10).is_empty());
        for unclosed in ["[\"\u{e9}\n", "['\u{e9}\n", "[\"\n", "[[subscribers\n"] {
            assert!(
                batches(&format!("[[subscribers]]\nemail = 'a@x.org'\n{unclosed}"), 10).is_empty()
            );
        }
    }

    #[test]
    fn an_unclosed_value_leaves_everything_to_the_whole_parse() {
        let text = "[newsletter]\nx = [\n[[subscribers]]\nemail = 'a@x.org'\n";
        assert!(batches(text, 10).is_empty());
    }
}
