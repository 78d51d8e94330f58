//! Stage 1: sources turn the day's listings into `Paper` records.
//!
//! A source is a file or a URL in one of four formats (`hf-text`, `hf-json`, `arxiv-atom`,
//! `arxiv-rss`), told by the config or recognised from the content. Reading one goes: fetch
//! (or read the file, or the cache), decode, parse into drafts, clean the text, then merge the
//! sources' papers into one record per paper. A source only reads and parses; it never
//! filters by topic or ranks. Every problem it reports names the source and, where there is
//! one, the line or the JSON path.

mod arxiv_atom;
mod arxiv_rss;
pub(crate) mod clean;
mod draft;
mod error;
pub(crate) mod fetch;
mod freshness;
#[cfg(test)]
mod fuzz;
mod harvest;
mod hf_json;
mod hf_text;
mod merge;
mod xml;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::clock::Clock;
use crate::lines::Lines;
use crate::paper::{AnnounceType, Paper};
pub(crate) use draft::Draft;
pub(crate) use error::Input;
pub(crate) use error::{Position, SourceError, SourceWarning};
pub(crate) use fetch::FetchSettings;
pub(crate) use harvest::{Expectations, Harvest, SourceReport, SourceStatus, read_all};

/// The most bytes a listing may have, on disk or over the network. The largest real daily
/// listing is well under a megabyte; this only keeps a runaway response from filling memory.
pub(crate) const MAX_LISTING_BYTES: u64 = 32 * 1024 * 1024;

/// How a listing is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub(crate) enum SourceFormat {
    /// The Hugging Face Daily Papers page as a browser copies it to text.
    #[serde(rename = "hf-text")]
    HfText,
    /// The Hub's `GET /api/daily_papers` JSON.
    #[serde(rename = "hf-json")]
    HfJson,
    /// An arXiv API (`export.arxiv.org/api/query`) Atom response.
    #[serde(rename = "arxiv-atom")]
    ArxivAtom,
    /// arXiv's daily listing of a category, RSS 2.0 (`/rss/CAT`) or Atom (`/atom/CAT`).
    #[serde(rename = "arxiv-rss")]
    ArxivRss,
}

impl SourceFormat {
    /// The name the config uses.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SourceFormat::HfText => "hf-text",
            SourceFormat::HfJson => "hf-json",
            SourceFormat::ArxivAtom => "arxiv-atom",
            SourceFormat::ArxivRss => "arxiv-rss",
        }
    }

    /// Recognises the format from the content, never from the file name: JSON is the Hub's;
    /// XML is arXiv's daily listing when it is RSS or an Atom feed from `rss.arxiv.org` (or
    /// one whose entries carry an announce type), else an arXiv API response; anything else
    /// is a copied page.
    fn detect(text: &str) -> Result<SourceFormat, String> {
        match text.trim_start().chars().next() {
            Some('{' | '[') => Ok(SourceFormat::HfJson),
            Some('<') => match xml::root_name(text) {
                Some(root) if root == "rss" || root == "RDF" => Ok(SourceFormat::ArxivRss),
                Some(root) if root == "feed" => {
                    let mut end = text.len().min(64 * 1024);
                    while !text.is_char_boundary(end) {
                        end -= 1;
                    }
                    let head = &text[..end];
                    if head.contains("rss.arxiv.org") || head.contains("announce_type>") {
                        Ok(SourceFormat::ArxivRss)
                    } else {
                        Ok(SourceFormat::ArxivAtom)
                    }
                }
                Some(root) => Err(format!(
                    "looks like XML with a `{root}` root, neither an Atom feed nor RSS; set `format` if it is one"
                )),
                None => Err("looks like XML, but no element could be read".to_owned()),
            },
            _ => Ok(SourceFormat::HfText),
        }
    }
}

impl fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a source's listing is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    /// A file, already resolved against the config file's folder.
    Path(PathBuf),
    /// An `http(s)://` URL; `{date}` stands for the run date, `YYYY-MM-DD`, and `{week}`
    /// for its ISO week, `2025-W32` (the Hub's `?week=` listing).
    Url(String),
}

/// A configured input: where the day's listing is and how to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Shown in `papers`, recorded on every paper it yields, and naming its cache folder.
    pub(crate) name: String,
    /// The file or URL.
    pub(crate) location: Location,
    /// `None` detects the format from the content.
    pub(crate) format: Option<SourceFormat>,
    /// Which of arXiv's announce types an `arxiv-rss` listing contributes.
    pub(crate) announce: Vec<AnnounceType>,
}

impl Source {
    /// A file source with a detected format and the default announce types.
    pub fn file(name: &str, path: impl Into<PathBuf>) -> Source {
        Source {
            name: name.to_owned(),
            location: Location::Path(path.into()),
            format: None,
            announce: default_announce(),
        }
    }

    /// The URL to fetch for `date`, with `{date}` and `{week}` filled in; `None` for a file
    /// source.
    pub(crate) fn url_for(&self, date: NaiveDate) -> Option<String> {
        match &self.location {
            Location::Url(url) => Some(
                url.replace("{date}", &date.format("%Y-%m-%d").to_string())
                    .replace("{week}", &date.format("%G-W%V").to_string()),
            ),
            Location::Path(_) => None,
        }
    }

    /// The file's path or the URL, as messages show it.
    fn origin(&self, date: NaiveDate) -> String {
        match &self.location {
            Location::Path(path) => path.display().to_string(),
            Location::Url(_) => self.url_for(date).unwrap_or_default(),
        }
    }
}

/// arXiv's new submissions only: cross-lists and replacements are opt-in.
pub(crate) fn default_announce() -> Vec<AnnounceType> {
    vec![AnnounceType::New]
}

/// What reading needs besides the source.
#[derive(Debug, Clone)]
pub(crate) struct Reading<'a> {
    /// The run date: it fills `{date}`, keys the cache, and gives the year a copied page's
    /// `Aug 5` leaves out.
    pub(crate) date: NaiveDate,
    /// Timeouts, retries and the cache folder.
    pub(crate) fetch: &'a FetchSettings,
    /// For `Retry-After` dates.
    pub(crate) clock: Clock,
}

/// The papers of one source, with what was odd but not fatal about them.
#[derive(Debug, Default)]
pub struct Listing {
    /// In listing order, without duplicates.
    pub papers: Vec<Paper>,
    /// Problems that left something out but did not stop the read.
    pub(crate) warnings: Vec<SourceWarning>,
    /// The day the listing says it is for, when it says so in full (`hf-text`'s `Aug 5`
    /// does not count: its year is guessed).
    pub(crate) listed_on: Option<NaiveDate>,
    /// Why an empty listing is empty, when the listing says (arXiv's `skipDays`).
    pub(crate) empty_note: Option<String>,
}

/// What `read` got: the listing, and the raw response to keep in the cache once the caller
/// has found the listing fresh.
#[derive(Debug)]
pub(crate) struct SourceRead {
    pub(crate) listing: Listing,
    /// A response fetched over the network, not yet in the cache.
    pub(crate) fetched: Option<fetch::Fetched>,
}

/// Reads and parses one source: the file, or the URL (from the cache when this date's
/// response is there). Nothing is written to the cache here.
pub(crate) fn read(source: &Source, reading: &Reading<'_>) -> Result<SourceRead, SourceError> {
    let origin = source.origin(reading.date);
    let (bytes, fetched) = match &source.location {
        Location::Path(path) => (read_file(path, &origin)?, None),
        Location::Url(_) => {
            let url = source.url_for(reading.date).unwrap_or_default();
            match fetch::cached(reading.fetch, &source.name, &url, reading.date) {
                Some(bytes) => (bytes, None),
                None => {
                    let fetched = fetch::fetch(
                        reading.fetch,
                        &source.name,
                        &url,
                        reading.date,
                        reading.clock,
                    )?;
                    (fetched.bytes.clone(), Some(fetched))
                }
            }
        }
    };
    let text =
        decode(&bytes).map_err(|(line, message)| SourceError::at_line(&origin, line, message))?;
    let mut listing = parse_as(text, source, &origin, reading.date)?;
    if let Some(warning) = freshness::far_from_run(source, &listing, &origin, reading.date) {
        listing.warnings.push(warning);
    }
    Ok(SourceRead { listing, fetched })
}

fn read_file(path: &Path, origin: &str) -> Result<Vec<u8>, SourceError> {
    use std::io::Read as _;
    let file = std::fs::File::open(path)
        .map_err(|err| SourceError::whole(origin, format!("cannot read: {err}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_LISTING_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| SourceError::whole(origin, format!("cannot read: {err}")))?;
    if bytes.len() as u64 > MAX_LISTING_BYTES {
        return Err(SourceError::whole(
            origin,
            format!("larger than {} MiB; not a daily listing", MAX_LISTING_BYTES >> 20),
        ));
    }
    Ok(bytes)
}

/// Parses a listing already in memory, as if read from the source for `date`.
pub fn parse(text: &str, source: &Source, date: NaiveDate) -> Result<Listing, SourceError> {
    parse_as(text, source, &source.origin(date), date)
}

fn parse_as(
    text: &str,
    source: &Source,
    origin: &str,
    date: NaiveDate,
) -> Result<Listing, SourceError> {
    let format = match source.format {
        Some(format) => format,
        None => {
            SourceFormat::detect(text).map_err(|message| SourceError::whole(origin, message))?
        }
    };
    let input = Input::new(text, origin, source, date);
    let mut listing = match format {
        SourceFormat::HfText => hf_text::parse(&input),
        SourceFormat::HfJson => hf_json::parse(&input),
        SourceFormat::ArxivAtom => arxiv_atom::parse(&input),
        SourceFormat::ArxivRss => arxiv_rss::parse(&input),
    }?;
    // A listing may repeat a paper (a Hub answer with every entry twice): one record each,
    // by the same rules that merge sources, before anything counts them.
    listing.papers = merge::merge(vec![std::mem::take(&mut listing.papers)]);
    Ok(listing)
}

/// UTF-8 text without its byte order mark, or the line where the bytes stop being text.
fn decode(bytes: &[u8]) -> Result<&str, (usize, String)> {
    let line_of = |offset: usize| Lines::new(bytes).line(offset);
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

/// A real sample from `tests/fixtures/real/` (see its README for where each came from).
#[cfg(test)]
pub(crate) fn real_sample(name: &str) -> String {
    let path = format!("{}/tests/fixtures/real/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("cannot read {path}: {err}"))
}

/// Runs a parser's `parse` on `text` as if read from `origin` on the given run date, with
/// the source adjusted by `configure`: the one way parser tests build their input.
#[cfg(test)]
pub(crate) fn parse_test<T>(
    text: &str,
    origin: &str,
    (year, month, day): (i32, u32, u32),
    configure: impl FnOnce(&mut Source),
    parse: impl FnOnce(&Input<'_>) -> T,
) -> T {
    let mut source = Source::file("test", origin);
    configure(&mut source);
    let date = NaiveDate::from_ymd_opt(year, month, day).expect("a valid test date");
    parse(&Input::new(text, origin, &source, date))
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
    fn a_large_feed_with_a_character_across_the_sniffing_limit_is_detected() {
        // Regression: the first 64 KiB were cut by bytes, in the middle of an `é`.
        let mut text = String::from("<feed xmlns=\"http://www.w3.org/2005/Atom\">");
        text.push_str(&"a".repeat(64 * 1024 - 1 - text.len()));
        text.push_str("é</feed>");
        assert_eq!(SourceFormat::detect(&text), Ok(SourceFormat::ArxivAtom));
    }

    #[test]
    fn the_format_is_told_by_the_content() {
        assert_eq!(SourceFormat::detect("new\n\nAug 5\n"), Ok(SourceFormat::HfText));
        assert_eq!(SourceFormat::detect("[{\"paper\":{}}]"), Ok(SourceFormat::HfJson));
        assert_eq!(SourceFormat::detect("  {\"error\":\"x\"}"), Ok(SourceFormat::HfJson));
        assert_eq!(
            SourceFormat::detect("<?xml version='1.0'?>\n<rss version=\"2.0\"><channel/></rss>"),
            Ok(SourceFormat::ArxivRss)
        );
        assert_eq!(
            SourceFormat::detect(
                "<feed xmlns=\"http://www.w3.org/2005/Atom\"><id>http://rss.arxiv.org/atom/cs.AI</id></feed>"
            ),
            Ok(SourceFormat::ArxivRss)
        );
        assert_eq!(
            SourceFormat::detect(
                "<feed xmlns=\"http://www.w3.org/2005/Atom\"><id>https://arxiv.org/api/x</id></feed>"
            ),
            Ok(SourceFormat::ArxivAtom)
        );
        assert!(SourceFormat::detect("<html><body/></html>").unwrap_err().contains("`html` root"));
    }

    #[test]
    fn the_date_in_a_url_is_the_run_date() {
        let source = Source {
            name: "hf".into(),
            location: Location::Url("https://x.org/api?date={date}".into()),
            format: None,
            announce: default_announce(),
        };
        let date = NaiveDate::from_ymd_opt(2025, 8, 5).unwrap();
        assert_eq!(source.url_for(date).as_deref(), Some("https://x.org/api?date=2025-08-05"));
    }

    #[test]
    fn the_week_in_a_url_is_the_iso_week_of_the_run_date() {
        let source = Source {
            name: "hf".into(),
            location: Location::Url("https://huggingface.co/api/daily_papers?week={week}".into()),
            format: None,
            announce: default_announce(),
        };
        let url = |y, m, d| source.url_for(NaiveDate::from_ymd_opt(y, m, d).unwrap());
        let week = |w: &str| Some(format!("https://huggingface.co/api/daily_papers?week={w}"));
        assert_eq!(url(2025, 8, 5), week("2025-W32"));
        // The ISO year, not the calendar year, at the turn of the year.
        assert_eq!(url(2024, 12, 30), week("2025-W01"));
        assert_eq!(url(2027, 1, 1), week("2026-W53"));
    }
}
