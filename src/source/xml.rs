//! A small element tree over quick-xml, for the arXiv feeds.
//!
//! Part of stage 1. feed-rs was the first choice, but it exposes none of the `arxiv:`
//! elements (announce type, primary category, comment, DOI, journal reference) and gives
//! nothing back from a feed cut off mid-entry, so the two arXiv parsers read this tree
//! instead. It resolves namespaces (the legacy API declares `xmlns:arxiv` on every element),
//! decodes each entity reference exactly once, and, when the text ends inside an element,
//! returns what it read with the place it stopped, so a truncated feed keeps its complete
//! entries. It never recurses on input: the depth is capped and the tree is built with an
//! explicit stack.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use super::{Input, SourceError, clean};

/// Deeper than any feed: a cap that keeps hostile input from building a tree whose drop
/// would recurse past the stack.
const MAX_DEPTH: usize = 64;

/// The namespaces the arXiv feeds use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ns {
    /// `http://www.w3.org/2005/Atom`.
    Atom,
    /// `http://arxiv.org/schemas/atom`.
    Arxiv,
    /// Dublin Core, for `dc:creator`.
    Dc,
    /// No namespace (RSS 2.0) or RSS 1.0's.
    Rss,
    /// Anything else.
    Other,
}

impl Ns {
    fn of(uri: &[u8]) -> Ns {
        match uri {
            b"http://www.w3.org/2005/Atom" => Ns::Atom,
            b"http://arxiv.org/schemas/atom" => Ns::Arxiv,
            b"http://purl.org/dc/elements/1.1/" => Ns::Dc,
            b"http://purl.org/rss/1.0/" => Ns::Rss,
            _ => Ns::Other,
        }
    }
}

/// One element with its text and children.
#[derive(Debug, Clone)]
pub(super) struct Element {
    pub(super) ns: Ns,
    /// The local name, without a prefix.
    pub(super) name: String,
    /// Attributes by local name, values decoded.
    pub(super) attrs: Vec<(String, String)>,
    /// The element's own text (and CDATA), entity references decoded once.
    pub(super) text: String,
    pub(super) children: Vec<Element>,
    /// Byte offset of its `<`, for messages.
    pub(super) offset: usize,
    /// Whether its end tag was read: false for the elements open where a truncated text
    /// ended.
    pub(super) complete: bool,
}

impl Element {
    /// The first child with this namespace and name.
    pub(super) fn child(&self, ns: Ns, name: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.ns == ns && child.name == name)
    }

    /// Every child with this namespace and name.
    pub(super) fn children<'a>(
        &'a self,
        ns: Ns,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |child| child.ns == ns && child.name == name)
    }

    /// The text of the first such child, if it has any that is not blank.
    pub(super) fn text_of(&self, ns: Ns, name: &str) -> Option<&str> {
        self.child(ns, name).map(|child| child.text.as_str()).filter(|text| !text.trim().is_empty())
    }

    /// An attribute's value.
    pub(super) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// Its text and all its descendants' text, in document order (for Atom `type="xhtml"`).
    pub(super) fn deep_text(&self) -> String {
        let mut out = String::new();
        let mut stack = vec![self];
        while let Some(element) = stack.pop() {
            out.push_str(&element.text);
            out.push(' ');
            stack.extend(element.children.iter().rev());
        }
        out
    }
}

/// The local calendar day of a feed timestamp, RFC 3339 (Atom) or RFC 2822 (RSS): an
/// announcement at `2025-08-20T00:00:00-04:00` is for the 20th, wherever the reader is.
pub(super) fn local_date(text: &str) -> Option<chrono::NaiveDate> {
    let text = text.trim();
    chrono::DateTime::parse_from_rfc3339(text)
        .or_else(|_| chrono::DateTime::parse_from_rfc2822(text))
        .map(|at| at.date_naive())
        .ok()
        .or_else(|| chrono::NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok())
}

/// The warning for a feed whose text ended inside an entry: at the line where that entry
/// starts, or where the text ends if it ended outside any entry.
pub(super) fn truncation_warning(
    input: &Input<'_>,
    items: &[&Element],
    cut_at: usize,
    what: &str,
) -> super::SourceWarning {
    let kept = items.iter().filter(|item| item.complete).count();
    let plural =
        what.strip_suffix('y').map_or_else(|| format!("{what}s"), |stem| format!("{stem}ies"));
    match items.iter().find(|item| !item.complete) {
        Some(cut) => input.warning_at(
            cut.offset,
            format!(
                "the feed ends inside this {what} (a truncated download?); kept the {kept} complete {plural} before it"
            ),
        ),
        None => input.warning_at(
            cut_at,
            format!("the feed ends early (a truncated download?); kept its {kept} complete {plural}"),
        ),
    }
}

/// A parsed document: its root, and where the text ended if it ended inside an element.
#[derive(Debug)]
pub(super) struct Document {
    pub(super) root: Element,
    /// Byte offset at which a truncated text stopped.
    pub(super) cut_at: Option<usize>,
}

/// The local name of the first element, for telling formats apart.
pub(super) fn root_name(text: &str) -> Option<String> {
    let mut reader = NsReader::from_str(text);
    for _ in 0..10_000 {
        match reader.read_event() {
            Ok(Event::Start(start) | Event::Empty(start)) => {
                return Some(String::from_utf8_lossy(start.local_name().as_ref()).into_owned());
            }
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
    None
}

/// Reads the whole text into a tree. A text that ends inside an element is not an error:
/// the tree holds what was read and `cut_at` says where it stopped. Anything else that is
/// not well-formed XML is an error at its line and column.
pub(super) fn parse(input: &Input<'_>) -> Result<Document, SourceError> {
    let mut reader = NsReader::from_str(input.text);
    reader.config_mut().allow_dangling_amp = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let offset = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = match reader.read_resolved_event() {
            Ok(event) => event,
            Err(quick_xml::Error::Syntax(syntax))
                if syntax != quick_xml::errors::SyntaxError::InvalidBangMarkup =>
            {
                // Every other syntax error means the input ended inside markup.
                let at = usize::try_from(reader.error_position()).unwrap_or(offset);
                return finish_cut(input, stack, root, at, &syntax.to_string());
            }
            Err(err) => {
                let at = usize::try_from(reader.error_position()).unwrap_or(offset);
                return Err(input.error_at(at, format!("not well-formed XML: {err}")));
            }
        };
        match event {
            (ns, Event::Start(start)) => {
                if root.is_some() {
                    break;
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(
                        input.error_at(offset, format!("elements nested deeper than {MAX_DEPTH}"))
                    );
                }
                stack.push(element(input, ns, &start, offset)?);
            }
            (ns, Event::Empty(start)) => {
                let mut element = element(input, ns, &start, offset)?;
                element.complete = true;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None if root.is_none() => root = Some(element),
                    None => break,
                }
            }
            (_, Event::End(_)) => {
                let Some(mut element) = stack.pop() else {
                    return Err(input.error_at(offset, "an end tag with no element open"));
                };
                element.complete = true;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            (_, Event::Text(text)) => {
                if let Some(open) = stack.last_mut() {
                    let text =
                        text.decode().map_err(|err| input.error_at(offset, err.to_string()))?;
                    open.text.push_str(&text);
                }
            }
            (_, Event::CData(data)) => {
                if let Some(open) = stack.last_mut() {
                    let text =
                        data.decode().map_err(|err| input.error_at(offset, err.to_string()))?;
                    open.text.push_str(&text);
                }
            }
            (_, Event::GeneralRef(reference)) => {
                if let Some(open) = stack.last_mut() {
                    let name = reference
                        .decode()
                        .map_err(|err| input.error_at(offset, err.to_string()))?;
                    match clean::entity(&name) {
                        Some(text) => open.text.push_str(&text),
                        // An entity the document's DTD would define: kept as written.
                        None => {
                            open.text.push('&');
                            open.text.push_str(&name);
                            open.text.push(';');
                        }
                    }
                }
            }
            (_, Event::Eof) => {
                if stack.is_empty() {
                    break;
                }
                return finish_cut(input, stack, root, input.text.len(), "the text ended");
            }
            _ => {}
        }
    }
    match root {
        Some(root) => Ok(Document { root, cut_at: None }),
        None => Err(input.error_at(input.text.len(), "no XML element found")),
    }
}

/// Closes the elements left open where the text ended, marking them incomplete.
fn finish_cut(
    input: &Input<'_>,
    mut stack: Vec<Element>,
    root: Option<Element>,
    at: usize,
    why: &str,
) -> Result<Document, SourceError> {
    if let Some(root) = root {
        // The document was complete; what followed it does not matter.
        return Ok(Document { root, cut_at: None });
    }
    while let Some(element) = stack.pop() {
        match stack.last_mut() {
            Some(parent) => parent.children.push(element),
            None => return Ok(Document { root: element, cut_at: Some(at) }),
        }
    }
    Err(input.error_at(at, format!("no complete XML element: {why}")))
}

fn element(
    input: &Input<'_>,
    ns: ResolveResult<'_>,
    start: &quick_xml::events::BytesStart<'_>,
    offset: usize,
) -> Result<Element, SourceError> {
    let ns = match ns {
        ResolveResult::Bound(uri) => Ns::of(uri.as_ref()),
        ResolveResult::Unbound => Ns::Rss,
        ResolveResult::Unknown(_) => Ns::Other,
    };
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr =
            attr.map_err(|err| input.error_at(offset, format!("not well-formed XML: {err}")))?;
        let key = String::from_utf8_lossy(attr.key.local_name().as_ref()).into_owned();
        let raw = String::from_utf8_lossy(&attr.value);
        attrs.push((key, clean::decode_entities(&raw)));
    }
    Ok(Element {
        ns,
        name: String::from_utf8_lossy(start.local_name().as_ref()).into_owned(),
        attrs,
        text: String::new(),
        children: Vec::new(),
        offset,
        complete: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Document, SourceError> {
        crate::source::parse_test(text, "t.xml", (2025, 8, 20), |_| {}, parse)
    }

    #[test]
    fn namespaces_resolve_whatever_the_prefix() {
        let doc = read(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry>\
             <a:comment xmlns:a=\"http://arxiv.org/schemas/atom\">12 pages</a:comment>\
             </entry></feed>",
        )
        .unwrap();
        let entry = doc.root.child(Ns::Atom, "entry").unwrap();
        assert_eq!(entry.text_of(Ns::Arxiv, "comment"), Some("12 pages"));
        assert!(doc.cut_at.is_none());
    }

    #[test]
    fn entities_are_decoded_exactly_once() {
        let doc = read(
            "<r><t>a &amp;lt; b &#233; &amp;amp; &nbsp;x</t><u>AT&amp;T &amp; S&amp;P</u></r>",
        )
        .unwrap();
        // `&nbsp;` is U+00A0, as HTML5's table says; cleaning makes it a plain space later.
        assert_eq!(doc.root.text_of(Ns::Rss, "t"), Some("a &lt; b é &amp; \u{a0}x"));
        assert_eq!(doc.root.text_of(Ns::Rss, "u"), Some("AT&T & S&P"));
    }

    #[test]
    fn a_text_cut_inside_an_element_keeps_what_came_before() {
        let doc = read("<feed><entry><id>1</id></entry><entry><id>2</id><title>cut").unwrap();
        assert!(doc.cut_at.is_some());
        let entries: Vec<bool> = doc.root.children.iter().map(|e| e.complete).collect();
        assert_eq!(entries, [true, false]);
        assert!(
            read("<feed><entry><id>1</id></entry><entry><link href=\"x").unwrap().cut_at.is_some()
        );
    }

    #[test]
    fn a_mismatched_end_tag_is_an_error_at_its_line() {
        let err = read("<feed>\n<entry>\n</feed>").unwrap_err();
        assert_eq!(err.line(), Some(3), "{err}");
        assert!(err.to_string().starts_with("t.xml:3:"), "{err}");
    }

    #[test]
    fn nesting_is_capped() {
        let deep = "<a>".repeat(100);
        assert!(read(&deep).unwrap_err().message.contains("nested deeper"));
    }

    #[test]
    fn no_element_at_all_is_an_error() {
        assert!(read("<?xml version='1.0'?>").is_err());
        assert!(read("<").is_err());
    }
}
