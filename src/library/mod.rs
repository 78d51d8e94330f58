//! A reader's library: the papers they already read, from a reading-list file.
//!
//! This minimal reader takes Zotero's CSL-JSON export only (`title`, `abstract`, `author`,
//! `issued`); the full module reads BibTeX and arXiv id lists too. Nothing here ranks papers.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::config::LibrarySettings;

/// One paper of a library.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub(crate) title: String,
    /// Empty when the library gives none: the title alone then counts.
    pub(crate) abstract_text: String,
    pub(crate) authors: Vec<String>,
    /// When it was published, where the library says.
    pub(crate) added: Option<NaiveDate>,
    /// The line of the file it starts on.
    pub(crate) line: usize,
}

/// A library file, read.
#[derive(Debug, Clone)]
pub(crate) struct Library {
    #[expect(dead_code, reason = "messages name the file from the caller's path")]
    pub(crate) path: PathBuf,
    pub(crate) entries: Vec<Entry>,
}

/// Why a library could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
pub(crate) struct LibraryError {
    pub(crate) path: PathBuf,
    pub(crate) line: Option<usize>,
    pub(crate) message: String,
}

#[derive(Deserialize)]
struct CslItem {
    title: Option<String>,
    #[serde(rename = "abstract")]
    abstract_text: Option<String>,
    #[serde(default)]
    author: Vec<CslName>,
    issued: Option<CslDate>,
}

#[derive(Deserialize)]
struct CslName {
    family: Option<String>,
    given: Option<String>,
    literal: Option<String>,
}

#[derive(Deserialize)]
struct CslDate {
    #[serde(rename = "date-parts", default)]
    date_parts: Vec<Vec<serde_json::Value>>,
}

/// Reads the library at `path`.
pub(crate) fn load(path: &Path, _settings: &LibrarySettings) -> Result<Library, LibraryError> {
    let fail = |line, message: String| LibraryError { path: path.to_owned(), line, message };
    let text =
        std::fs::read_to_string(path).map_err(|err| fail(None, format!("cannot read: {err}")))?;
    // The common case in one pass; only a file with a mistake is read again to say where.
    if let Ok(items) = serde_json::from_str::<Vec<CslItem>>(&text)
        && let Ok(entries) = entries(items, &item_lines(&text), &fail)
    {
        return Ok(Library { path: path.to_owned(), entries });
    }
    let items: Vec<serde_json::Value> = serde_json::from_str(&text)
        .map_err(|err| fail(Some(err.line()), format!("not a CSL-JSON list of items: {err}")))?;
    // serde_json gives no positions for values, so each item's line is found by its start.
    let starts = item_lines(&text);
    let mut items_read = Vec::with_capacity(items.len());
    for (at, value) in items.into_iter().enumerate() {
        let line = starts.get(at).copied().unwrap_or(1);
        let item: CslItem = serde_json::from_value(value)
            .map_err(|err| fail(Some(line), format!("item {}: {err}", at + 1)))?;
        items_read.push(item);
    }
    let entries = entries(items_read, &starts, &fail)?;
    Ok(Library { path: path.to_owned(), entries })
}

/// The entries of CSL-JSON items that start on the lines `starts`.
fn entries(
    items: Vec<CslItem>,
    starts: &[usize],
    fail: &dyn Fn(Option<usize>, String) -> LibraryError,
) -> Result<Vec<Entry>, LibraryError> {
    let mut entries = Vec::with_capacity(items.len());
    for (at, item) in items.into_iter().enumerate() {
        let line = starts.get(at).copied().unwrap_or(1);
        let Some(title) = item.title.filter(|t| !t.trim().is_empty()) else {
            return Err(fail(Some(line), format!("item {} has no `title`", at + 1)));
        };
        let authors = item
            .author
            .into_iter()
            .filter_map(|n| match (n.literal, n.given, n.family) {
                (Some(literal), _, _) => Some(literal),
                (None, Some(given), Some(family)) => Some(format!("{given} {family}")),
                (None, None, Some(family)) => Some(family),
                _ => None,
            })
            .collect();
        let added = item.issued.and_then(|d| {
            let parts: Vec<i64> = d
                .date_parts
                .first()?
                .iter()
                .filter_map(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
                .collect();
            let year = i32::try_from(*parts.first()?).ok()?;
            let month = parts.get(1).map_or(1, |&m| m as u32);
            let day = parts.get(2).map_or(1, |&d| d as u32);
            NaiveDate::from_ymd_opt(year, month, day)
        });
        let abstract_text = item.abstract_text.unwrap_or_default().trim().to_owned();
        entries.push(Entry { title: title.trim().to_owned(), abstract_text, authors, added, line });
    }
    Ok(entries)
}

/// The line each top-level item of a JSON array starts on.
fn item_lines(text: &str) -> Vec<usize> {
    let (mut depth, mut in_string, mut escaped, mut line) = (0usize, false, false, 1);
    let mut starts = Vec::new();
    // Every character that matters is ASCII, and UTF-8 never repeats an ASCII byte inside a
    // longer character.
    for c in text.bytes().map(char::from) {
        if c == '\n' {
            line += 1;
        }
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '[' | '{' => {
                if depth == 1 {
                    starts.push(line);
                }
                depth += 1;
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csl_json_items_give_title_abstract_authors_and_date() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lib.json");
        std::fs::write(
            &path,
            r#"[
  {"id": "a", "type": "article", "title": "Distilling the Knowledge in a Neural Network",
   "abstract": "A very simple way", "author": [{"family": "Hinton", "given": "Geoffrey"}],
   "issued": {"date-parts": [["2015", 3, 9]]}},
  {"id": "b", "title": "No abstract"}
]"#,
        )
        .unwrap();
        let library = load(&path, &LibrarySettings::default()).unwrap();
        assert_eq!(library.entries.len(), 2);
        let first = &library.entries[0];
        assert_eq!(first.authors, ["Geoffrey Hinton"]);
        assert_eq!(first.added, NaiveDate::from_ymd_opt(2015, 3, 9));
        assert_eq!((first.line, library.entries[1].line), (2, 5));
        assert_eq!(library.entries[1].abstract_text, "");
    }

    #[test]
    fn an_item_without_a_title_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lib.json");
        std::fs::write(&path, "[\n{\"title\": \"ok\"},\n{\"abstract\": \"x\"}\n]").unwrap();
        let err = load(&path, &LibrarySettings::default()).unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.to_string().ends_with(":3: item 2 has no `title`"), "{err}");
    }
}
