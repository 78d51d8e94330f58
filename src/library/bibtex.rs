//! BibTeX and BibLaTeX, as Zotero, Mendeley, JabRef and Google Scholar export them.
//!
//! The `biblatex` crate reads the file: it knows both dialects, `@string` abbreviations and
//! the month macros (`month = oct`), splits `author` into people the BibTeX way ("Cheng,
//! Zesen and Zhang, Hang"), and keeps the span of every field, from which the entry's line is
//! found. A hand-written reader would have to learn each of these again. What the crate leaves
//! of LaTeX (`{\"o}`, `$\mathcal{O}(n)$`, braces that protect case) goes through the same
//! cleaning as the sources' text.

use std::collections::HashMap;

use biblatex::{Bibliography, Chunk, RawBibliography, Spanned};

use super::{Entry, Read, parse_date};
use crate::lines::Lines;
use crate::source::clean;

pub(super) fn read(text: &str) -> Result<Read, (Option<usize>, String)> {
    let lines = Lines::new(text.as_bytes());
    let broken = |err: biblatex::ParseError| {
        (Some(lines.line(err.span.start)), format!("not valid BibTeX: {}", err.kind))
    };
    let raw = RawBibliography::parse(text).map_err(broken)?;
    let starts: HashMap<String, usize> =
        raw.entries.iter().map(|entry| (entry.v.key.v.to_owned(), entry.span.start)).collect();
    let bibliography = Bibliography::from_raw(raw).map_err(broken)?;
    let mut read = Read::default();
    for entry in bibliography.iter() {
        let line = lines.line(starts.get(&entry.key).copied().unwrap_or(0));
        let field = |name: &str| entry.get(name).map(|chunks| clean::plain(&latex_of(chunks)));
        let Some(title) = field("title").filter(|title| !title.is_empty()) else {
            let message = format!("entry `{}` has no title; left out", entry.key);
            read.warnings.push((Some(line), message));
            continue;
        };
        let authors = entry
            .author()
            .unwrap_or_default()
            .into_iter()
            .map(|person| {
                let parts = [&person.given_name, &person.prefix, &person.name, &person.suffix];
                let joined: Vec<&str> =
                    parts.iter().map(|part| part.trim()).filter(|part| !part.is_empty()).collect();
                clean::plain(&joined.join(" "))
            })
            .filter(|name| !name.is_empty())
            .collect();
        read.entries.push(Entry {
            title,
            abstract_text: field("abstract").unwrap_or_default(),
            authors,
            added: added(entry),
            line,
        });
    }
    Ok(read)
}

/// The chunks as LaTeX again, math in its dollars, for the cleaner to read.
fn latex_of(chunks: &[Spanned<Chunk>]) -> String {
    let mut text = String::new();
    for chunk in chunks {
        match &chunk.v {
            Chunk::Normal(part) | Chunk::Verbatim(part) => text.push_str(part),
            Chunk::Math(part) => {
                text.push('$');
                text.push_str(part);
                text.push('$');
            }
        }
    }
    text
}

/// When the reader added it (JabRef's `timestamp`, Zotero's `urldate`, the date it was saved
/// from the web), else the item's `date`, else its `year` and `month`.
fn added(entry: &biblatex::Entry) -> Option<chrono::NaiveDate> {
    let verbatim = |name: &str| entry.get(name).map(latex_of);
    for name in ["timestamp", "urldate", "date"] {
        if let Some(date) = verbatim(name).as_deref().and_then(parse_date) {
            return Some(date);
        }
    }
    let year: i32 = verbatim("year")?.trim().parse().ok()?;
    let month = verbatim("month").and_then(|month| month_number(&month)).unwrap_or(1);
    chrono::NaiveDate::from_ymd_opt(year, month, 1)
}

/// `10`, `oct` or `October` (the crate gives a month macro as its full name).
fn month_number(text: &str) -> Option<u32> {
    let text = text.trim().to_lowercase();
    if let Ok(number) = text.parse() {
        return Some(number);
    }
    const MONTHS: [&str; 12] =
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let at = MONTHS.iter().position(|month| text.starts_with(month))?;
    Some(at as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_braces_and_math_are_cleaned() {
        let text = "@article{a,\n  title={{The Schr{\\\"o}dinger Bridge} in $\\mathcal{O}(n)$},\n  \
                    author={M{\\\"u}ller, J{\\\"o}rg and van der Berg, Anna},\n  year={2021},\n  month=oct\n}\n";
        let read = read(text).unwrap();
        let entry = &read.entries[0];
        assert_eq!(entry.title, "The Schrödinger Bridge in O(n)");
        assert_eq!(entry.authors, ["Jörg Müller", "Anna van der Berg"]);
        assert_eq!(entry.added, chrono::NaiveDate::from_ymd_opt(2021, 10, 1));
        assert_eq!(entry.line, 1);
    }

    #[test]
    fn an_entry_without_a_title_is_left_out_with_its_line() {
        let text = "@misc{a, title={One}}\n\n@misc{b,\n  author={Li, Fei-Fei}}\n";
        let read = read(text).unwrap();
        assert_eq!(read.entries.len(), 1);
        assert_eq!(read.warnings, [(Some(3), "entry `b` has no title; left out".to_owned())]);
    }

    #[test]
    fn broken_bibtex_names_its_line() {
        let text = "@misc{a, title={One}}\n@misc{b,\n title={Two}\n\n@misc{c, title={Three}}\n";
        let (line, message) = read(text).unwrap_err();
        assert!(line >= Some(3), "{line:?}");
        assert!(message.starts_with("not valid BibTeX: "), "{message}");
    }
}
