//! Stage 1: sources turn input files into `Paper` records.
//!
//! A source only reads and parses; it never filters or ranks. Every problem it reports names
//! the file and, where there is one, the line.

mod hf_text;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::paper::Paper;

/// How a source file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum SourceFormat {
    /// The Hugging Face Daily Papers page as a browser copies it to text.
    #[serde(rename = "hf-text")]
    HfText,
}

impl SourceFormat {
    /// Recognises the format from the content, never from the file name.
    fn detect(text: &str) -> Result<SourceFormat, &'static str> {
        match text.trim_start().chars().next() {
            Some('<') => Err("looks like XML, and paperboy reads only `hf-text` sources so far"),
            Some('{' | '[') => {
                Err("looks like JSON, and paperboy reads only `hf-text` sources so far")
            }
            _ => Ok(SourceFormat::HfText),
        }
    }
}

/// A configured input: where the day's listing is and how to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Shown in `papers` and recorded on every paper it yields.
    pub name: String,
    /// The file to read, already resolved against the config file's folder.
    pub path: PathBuf,
    /// `None` detects the format from the content.
    pub format: Option<SourceFormat>,
}

/// The papers of one or more sources, with what was odd but not fatal about them.
#[derive(Debug, Default)]
pub struct Listing {
    /// In listing order, without duplicates.
    pub papers: Vec<Paper>,
    /// Problems that left something out but did not stop the read.
    pub warnings: Vec<SourceWarning>,
}

/// A source that could not be read at all.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", location(path, *line))]
pub struct SourceError {
    /// The file that failed.
    pub path: PathBuf,
    /// 1-based line of the problem, when it has one.
    pub line: Option<usize>,
    /// What is wrong, lowercase, without the location.
    pub message: String,
}

/// Something a source left out, with where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceWarning {
    /// The file the warning is about.
    pub path: PathBuf,
    /// 1-based line, when there is one.
    pub line: Option<usize>,
    /// What was left out and why.
    pub message: String,
}

impl fmt::Display for SourceWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", location(&self.path, self.line), self.message)
    }
}

fn location(path: &Path, line: Option<usize>) -> String {
    match line {
        Some(line) => format!("{}:{line}", path.display()),
        None => path.display().to_string(),
    }
}

/// Reads every source in order; a paper listed by two sources is kept once, as the first
/// source gave it.
///
/// `today` is the run date: it supplies the year that a listing's "Aug 5" leaves out.
pub fn read_all(sources: &[Source], today: NaiveDate) -> Result<Listing, SourceError> {
    let mut listing = Listing::default();
    let mut seen = std::collections::HashSet::new();
    for source in sources {
        let one = read(source, today)?;
        listing.warnings.extend(one.warnings);
        listing.papers.extend(one.papers.into_iter().filter(|paper| seen.insert(paper.id.clone())));
    }
    Ok(listing)
}

/// Reads and parses one source file.
pub fn read(source: &Source, today: NaiveDate) -> Result<Listing, SourceError> {
    let fail = |line, message: String| SourceError { path: source.path.clone(), line, message };
    let bytes =
        std::fs::read(&source.path).map_err(|err| fail(None, format!("cannot read: {err}")))?;
    let text = decode(&bytes).map_err(|(line, message)| fail(Some(line), message))?;
    parse(text, source, today)
}

/// Parses a listing already in memory, as if read from `source.path`.
pub fn parse(text: &str, source: &Source, today: NaiveDate) -> Result<Listing, SourceError> {
    let format = match source.format {
        Some(format) => format,
        None => SourceFormat::detect(text).map_err(|message| SourceError {
            path: source.path.clone(),
            line: None,
            message: message.to_owned(),
        })?,
    };
    match format {
        SourceFormat::HfText => hf_text::parse(text, &source.path, &source.name, today),
    }
}

/// UTF-8 text without its byte order mark, or the line where the bytes stop being text.
fn decode(bytes: &[u8]) -> Result<&str, (usize, String)> {
    let line_of = |offset: usize| 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count();
    if bytes.is_empty() {
        return Err((1, "file is empty".to_owned()));
    }
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        return Err((line_of(nul), "binary data (a NUL byte), not a text listing".to_owned()));
    }
    let text = std::str::from_utf8(bytes).map_err(|err| {
        let offset = err.valid_up_to();
        (line_of(offset), format!("not UTF-8 text (invalid byte at offset {offset})"))
    })?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_names_the_line_of_the_first_bad_byte() {
        assert_eq!(decode(b"a\nb\n\xff").unwrap_err().0, 3);
        assert_eq!(decode(b"a\n\0").unwrap_err().0, 2);
        assert!(decode(b"").is_err());
    }

    #[test]
    fn decode_drops_the_byte_order_mark() {
        assert_eq!(decode("\u{feff}new".as_bytes()).unwrap(), "new");
    }

    #[test]
    fn detection_refuses_structured_formats_it_cannot_read_yet() {
        assert_eq!(SourceFormat::detect("new\n\nAug 5\n"), Ok(SourceFormat::HfText));
        assert!(SourceFormat::detect("  <?xml version").is_err());
        assert!(SourceFormat::detect("[{\"paper\":{}}]").is_err());
    }
}
