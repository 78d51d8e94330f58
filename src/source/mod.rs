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
mod clean;
pub mod fetch;
mod freshness;
#[cfg(test)]
mod fuzz;
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
use crate::paper::{AnnounceType, Link, LinkFinder, LinkKind, Original, Paper, PaperId, push_link};
use crate::text::one_line;
pub use fetch::FetchSettings;

/// The most bytes a listing may have, on disk or over the network. The largest real daily
/// listing is well under a megabyte; this only keeps a runaway response from filling memory.
pub const MAX_LISTING_BYTES: u64 = 32 * 1024 * 1024;

/// How a listing is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum SourceFormat {
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
    pub fn as_str(self) -> &'static str {
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
pub enum Location {
    /// A file, already resolved against the config file's folder.
    Path(PathBuf),
    /// An `http(s)://` URL; `{date}` stands for the run date, `YYYY-MM-DD`.
    Url(String),
}

/// A configured input: where the day's listing is and how to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Shown in `papers`, recorded on every paper it yields, and naming its cache folder.
    pub name: String,
    /// The file or URL.
    pub location: Location,
    /// `None` detects the format from the content.
    pub format: Option<SourceFormat>,
    /// Which of arXiv's announce types an `arxiv-rss` listing contributes.
    pub announce: Vec<AnnounceType>,
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

    /// The URL to fetch for `date`, with `{date}` filled in; `None` for a file source.
    pub fn url_for(&self, date: NaiveDate) -> Option<String> {
        match &self.location {
            Location::Url(url) => Some(url.replace("{date}", &date.format("%Y-%m-%d").to_string())),
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
pub fn default_announce() -> Vec<AnnounceType> {
    vec![AnnounceType::New]
}

/// What reading needs besides the source.
#[derive(Debug, Clone)]
pub struct Reading<'a> {
    /// The run date: it fills `{date}`, keys the cache, and gives the year a copied page's
    /// `Aug 5` leaves out.
    pub date: NaiveDate,
    /// Timeouts, retries and the cache folder.
    pub fetch: &'a FetchSettings,
    /// For `Retry-After` dates.
    pub clock: Clock,
}

/// The papers of one source, with what was odd but not fatal about them.
#[derive(Debug, Default)]
pub struct Listing {
    /// In listing order, without duplicates.
    pub papers: Vec<Paper>,
    /// Problems that left something out but did not stop the read.
    pub warnings: Vec<SourceWarning>,
    /// The day the listing says it is for, when it says so in full (`hf-text`'s `Aug 5`
    /// does not count: its year is guessed).
    pub listed_on: Option<NaiveDate>,
    /// Why an empty listing is empty, when the listing says (arXiv's `skipDays`).
    pub empty_note: Option<String>,
}

/// Where in a listing a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
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
    pub origin: String,
    /// Where in it, when the problem has a place.
    pub position: Option<Position>,
    /// What is wrong, lowercase, without the location.
    pub message: String,
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

    /// The 1-based line, when the problem has one.
    pub fn line(&self) -> Option<usize> {
        match self.position {
            Some(Position::Line { line, .. }) => Some(line),
            _ => None,
        }
    }
}

/// Something a source left out, with where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceWarning {
    /// The file or URL the warning is about.
    pub origin: String,
    /// 1-based line, when there is one.
    pub line: Option<usize>,
    /// What was left out and why.
    pub message: String,
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
    /// The configured source.
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

/// One paper as a parser found it, before cleaning; `finish` makes it a `Paper`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Draft {
    /// As the source wrote it.
    pub(crate) title: String,
    /// As the source wrote it.
    pub(crate) abstract_text: String,
    /// Whether title and abstract are HTML (an RSS description, an Atom `type="html"`).
    pub(crate) html: bool,
    /// As the source wrote them, one name each.
    pub(crate) authors: Vec<String>,
    pub(crate) arxiv_id: Option<String>,
    /// Links the source states outright (a repository field, a DOI); the arXiv abstract and
    /// PDF links are derived from the arXiv id when missing.
    pub(crate) links: Vec<Link>,
    pub(crate) categories: Vec<String>,
    pub(crate) published: Option<NaiveDate>,
    pub(crate) upvotes: Option<u64>,
    /// Keywords the source attaches, such as the Hub's `ai_keywords`.
    pub(crate) keywords: Vec<String>,
    pub(crate) comment_count: Option<u64>,
    pub(crate) arxiv_comment: Option<String>,
    pub(crate) journal_ref: Option<String>,
    pub(crate) announce_type: Option<AnnounceType>,
    /// The listing date; `None` takes the run date.
    pub(crate) date: Option<NaiveDate>,
}

impl Draft {
    /// Cleans the text, finds the links, and gives the paper its id.
    pub(crate) fn finish(self, source: &str, run_date: NaiveDate, finder: &LinkFinder) -> Paper {
        let clean = if self.html { clean::html } else { clean::plain };
        let title = clean(&self.title);
        let abstract_text = clean(&self.abstract_text);
        let original = (title != self.title || abstract_text != self.abstract_text).then(|| {
            Original { title: self.title.clone(), abstract_text: self.abstract_text.clone() }
        });
        let id = match &self.arxiv_id {
            Some(arxiv_id) => PaperId::from_arxiv(arxiv_id),
            None => PaperId::from_title(&title),
        };
        let arxiv_comment =
            self.arxiv_comment.as_deref().map(clean::plain).filter(|c| !c.is_empty());
        // Stated links first, so a repository field wins over a URL in the abstract.
        let mut links = Vec::new();
        for link in self.links {
            push_link(&mut links, link);
        }
        for text in [Some(abstract_text.as_str()), arxiv_comment.as_deref()].into_iter().flatten() {
            for link in finder.find(text) {
                push_link(&mut links, link);
            }
        }
        if let Some(arxiv_id) = &self.arxiv_id {
            push_link(
                &mut links,
                Link::new(LinkKind::Abstract, format!("https://arxiv.org/abs/{arxiv_id}")),
            );
            push_link(
                &mut links,
                Link::new(LinkKind::Pdf, format!("https://arxiv.org/pdf/{arxiv_id}")),
            );
        }
        let mut categories: Vec<String> = Vec::new();
        for category in self.categories {
            let category = category.trim().to_owned();
            if !category.is_empty() && !categories.contains(&category) {
                categories.push(category);
            }
        }
        let mut paper = Paper::new(id, title, abstract_text, source, self.date.unwrap_or(run_date));
        paper.links = links;
        paper.authors =
            self.authors.iter().map(|name| clean::plain(name)).filter(|n| !n.is_empty()).collect();
        paper.arxiv_id = self.arxiv_id;
        paper.categories = categories;
        paper.published = self.published;
        paper.upvotes = self.upvotes;
        paper.keywords =
            self.keywords.iter().map(|k| clean::plain(k)).filter(|k| !k.is_empty()).collect();
        paper.comment_count = self.comment_count;
        paper.arxiv_comment = arxiv_comment;
        paper.journal_ref = self.journal_ref.as_deref().map(clean::plain).filter(|j| !j.is_empty());
        paper.announce_type = self.announce_type;
        paper.original = original;
        paper
    }
}

/// What `read` got: the listing, and the raw response to keep in the cache once the caller
/// has found the listing fresh.
#[derive(Debug)]
pub struct SourceRead {
    /// The parsed listing.
    pub listing: Listing,
    /// A response fetched over the network, not yet in the cache.
    pub fetched: Option<fetch::Fetched>,
}

/// Reads and parses one source: the file, or the URL (from the cache when this date's
/// response is there). Nothing is written to the cache here.
pub fn read(source: &Source, reading: &Reading<'_>) -> Result<SourceRead, SourceError> {
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

/// Every configured source read, checked for staleness, and merged.
#[derive(Debug, Default)]
pub struct Harvest {
    /// The merged papers of the fresh sources, in listing order.
    pub papers: Vec<Paper>,
    /// What the sources left out, each with where it stands.
    pub warnings: Vec<SourceWarning>,
    /// One per source, in config order.
    pub reports: Vec<SourceReport>,
}

/// How one source fared in a run.
#[derive(Debug, Clone)]
pub struct SourceReport {
    /// The source's name.
    pub name: String,
    /// What came of it.
    pub status: SourceStatus,
}

/// What came of reading one source.
#[derive(Debug, Clone)]
pub enum SourceStatus {
    /// Read, current, and listing papers.
    Fresh {
        /// How many papers it listed.
        papers: usize,
    },
    /// Read and current, and listing no papers: a weekend, a holiday.
    Empty {
        /// Why, when the listing says.
        note: Option<String>,
    },
    /// Read, but it serves an old listing; its papers were left out.
    Stale {
        /// What is old about it.
        reason: String,
    },
    /// Could not be fetched, read or parsed.
    Failed(SourceError),
}

/// How `read_all` treats a run.
#[derive(Debug, Clone, Copy)]
pub struct Expectations {
    /// The listing date the run expects; a listing dated earlier is stale. `None` trusts the
    /// listing's own date.
    pub date: Option<NaiveDate>,
    /// Whether to compare each listing with the one recorded for an earlier date.
    pub check_history: bool,
    /// Whether this run counts as "the previous run" for later ones: `send` records the
    /// listing it used, so a source serving the same listing for another date is stale.
    pub record: bool,
}

/// Reads every source; one that fails or is stale is reported and the others go on.
///
/// A fresh response fetched over the network is kept in the cache; papers the sources share
/// (the same arXiv id, else the same title) become one record listing every source.
pub fn read_all(sources: &[Source], reading: &Reading<'_>, expect: Expectations) -> Harvest {
    let ledger = freshness::Ledger::new(&reading.fetch.cache_dir);
    let mut harvest = Harvest::default();
    let mut lists = Vec::new();
    for source in sources {
        let status = match read(source, reading) {
            Err(err) => SourceStatus::Failed(err),
            Ok(read) => {
                let mut listing = read.listing;
                let stale = freshness::stale(
                    &ledger,
                    source,
                    &listing,
                    reading.date,
                    expect.date,
                    expect.check_history,
                );
                if stale.is_some() {
                    // The staleness error says the listing's date already.
                    let origin = source.origin(reading.date);
                    let far = freshness::far_from_run(source, &listing, &origin, reading.date);
                    listing.warnings.retain(|warning| Some(warning) != far.as_ref());
                }
                harvest.warnings.append(&mut listing.warnings);
                match stale {
                    Some(reason) => SourceStatus::Stale { reason },
                    None if listing.papers.is_empty() => {
                        SourceStatus::Empty { note: listing.empty_note }
                    }
                    None => {
                        if let Some(fetched) = read.fetched
                            && let Err(err) = fetched.keep()
                        {
                            harvest.warnings.push(SourceWarning {
                                origin: fetched.url.clone(),
                                line: None,
                                message: format!("cannot keep the response in the cache: {err}"),
                            });
                        }
                        if expect.record
                            && let Err(err) =
                                ledger.record(&source.name, reading.date, &listing.papers)
                        {
                            harvest.warnings.push(SourceWarning {
                                origin: source.name.clone(),
                                line: None,
                                message: format!(
                                    "cannot record the listing for the staleness check: {err}"
                                ),
                            });
                        }
                        let count = listing.papers.len();
                        lists.push(listing.papers);
                        SourceStatus::Fresh { papers: count }
                    }
                }
            }
        };
        harvest.reports.push(SourceReport { name: source.name.clone(), status });
    }
    harvest.papers = merge::merge(lists);
    harvest
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
}
