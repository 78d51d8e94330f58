//! HTML in a listing (only where the source declares it): tags stripped, character
//! references decoded exactly once.

use std::borrow::Cow;

/// HTML element names that `strip_tags` removes. Anything else in angle brackets stays, so
/// `p < 0.05`, `Vec<T>` and `<x, y>` in an abstract survive.
const HTML_TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "big",
    "blockquote",
    "br",
    "cite",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
];

/// Elements that break a line: a space stands in for them so words do not run together.
const BLOCK_TAGS: &[&str] = &[
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Removes HTML tags: block elements leave a space, inline ones (`<b>`, `<a>`) nothing.
pub(crate) fn strip_tags(text: &str) -> String {
    replace_after(text, '<', |after| {
        let (length, block) = tag_length(after)?;
        Some((if block { " " } else { "" }.to_owned(), length))
    })
}

/// Each `marker` in `text` whose following text `replace` recognises, with the replacement
/// and the length of what it consumed after the marker, is replaced; every other marker stays.
fn replace_after(
    text: &str,
    marker: char,
    replace: impl Fn(&str) -> Option<(String, usize)>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        out.push_str(&rest[..at]);
        let after = &rest[at + marker.len_utf8()..];
        match replace(after) {
            Some((replacement, length)) => {
                out.push_str(&replacement);
                rest = &after[length..];
            }
            None => {
                out.push(marker);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The length up to and including the `>` of a known tag that starts right after a `<`,
/// and whether it is a block element.
fn tag_length(after: &str) -> Option<(usize, bool)> {
    let name_start = usize::from(after.starts_with('/'));
    let name: String = after[name_start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .take(12)
        .collect::<String>()
        .to_ascii_lowercase();
    if !HTML_TAGS.contains(&name.as_str()) {
        return None;
    }
    let next = after[name_start + name.len()..].chars().next()?;
    if !(next == '>' || next == '/' || next.is_whitespace()) {
        return None;
    }
    // Attributes never span more than a line of markup; a `<b` that opens no tag stays.
    let close = after.char_indices().take(2048).find(|&(_, c)| c == '>' || c == '<')?;
    (close.1 == '>').then_some((close.0 + 1, BLOCK_TAGS.contains(&name.as_str())))
}

/// Decodes HTML character references, each exactly once: `&amp;lt;` becomes `&lt;`, not `<`.
/// Names come from the whole HTML5 table (html-escape's); unknown names, references without
/// their `;`, and numbers that are no character or a control character stay as they are.
pub(crate) fn decode_entities(text: &str) -> String {
    html_escape::decode_html_entities(text).into_owned()
}

/// What one reference (the text between `&` and `;`, a name or `#` and a number) stands
/// for: most names are one character, a few two (`&NotEqualTilde;`).
pub(crate) fn entity(name: &str) -> Option<String> {
    if name.contains(['&', ';']) {
        return None;
    }
    match html_escape::decode_html_entities(&format!("&{name};")) {
        Cow::Owned(decoded) => Some(decoded),
        Cow::Borrowed(_) => None,
    }
}
