//! A reader's library: the papers a subscriber (or a topic's followers) already read, as a
//! reference manager exports them.
//!
//! Three formats, told apart by their content, never by the file's name: BibTeX or
//! BibLaTeX (Zotero, Mendeley, JabRef, Google Scholar), CSL-JSON (Zotero's "CSL JSON"), and a
//! plain list of arXiv identifiers whose titles and abstracts come from the arXiv API, cached
//! on disk. Titles and abstracts are cleaned as the sources clean theirs. What cannot be read
//! at all is a [`LibraryError`] naming the file and line; what can be left out (an entry
//! without a title, an id arXiv does not know, an empty file) is a [`LibraryWarning`]. This
//! module only reads: it ranks nothing.

mod arxiv;
mod bibtex;
mod csl_json;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::config::{Config, LibrarySettings, Subscriber};
use crate::lines::Lines;

/// A library file larger than this is not a reading list.
const MAX_LIBRARY_BYTES: u64 = 64 * 1024 * 1024;

/// One paper of a library.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub(crate) title: String,
    /// Empty when the library gives none: the entry still counts by its title.
    pub(crate) abstract_text: String,
    /// As the library writes them, given name first.
    pub(crate) authors: Vec<String>,
    /// When the reader added it, else the item's date.
    pub(crate) added: Option<NaiveDate>,
    /// Where it starts in the file, 1-based.
    pub(crate) line: usize,
}

/// A library as read.
#[derive(Debug)]
pub(crate) struct Library {
    #[allow(dead_code, reason = "for the ranking, which names its libraries by path")]
    pub(crate) path: PathBuf,
    pub(crate) entries: Vec<Entry>,
    /// What was left out, and an empty library.
    pub(crate) warnings: Vec<LibraryWarning>,
}

/// The formats a library may be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LibraryFormat {
    Bibtex,
    CslJson,
    ArxivIds,
}

/// A library paperboy cannot use at all.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", place(path, *line))]
pub(crate) struct LibraryError {
    pub(crate) path: PathBuf,
    pub(crate) line: Option<usize>,
    pub(crate) message: String,
}

/// Something in a library left out, or a library with nothing in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LibraryWarning {
    pub(crate) path: PathBuf,
    pub(crate) line: Option<usize>,
    pub(crate) message: String,
}

impl fmt::Display for LibraryWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", place(&self.path, self.line), self.message)
    }
}

fn place(path: &Path, line: Option<usize>) -> String {
    match line {
        Some(line) => format!("{}:{line}", path.display()),
        None => path.display().to_string(),
    }
}

/// What a format reader hands back: entries, and problems by line.
#[derive(Debug, Default)]
struct Read {
    entries: Vec<Entry>,
    warnings: Vec<(Option<usize>, String)>,
}

/// Reads the library at `path`, in whichever format it is.
pub(crate) fn load(path: &Path, settings: &LibrarySettings) -> Result<Library, LibraryError> {
    let fail = |line, message: String| LibraryError { path: path.to_owned(), line, message };
    let text = read_text(path).map_err(|(line, message)| fail(line, message))?;
    let read = match detect(&text).map_err(|(line, message)| fail(Some(line), message))? {
        LibraryFormat::Bibtex => bibtex::read(&text),
        LibraryFormat::CslJson => csl_json::read(&text),
        LibraryFormat::ArxivIds => arxiv::read(&text, settings),
    }
    .map_err(|(line, message)| fail(line, message))?;
    let mut warnings: Vec<LibraryWarning> = read
        .warnings
        .into_iter()
        .map(|(line, message)| LibraryWarning { path: path.to_owned(), line, message })
        .collect();
    if read.entries.is_empty() {
        let message = "the library has no papers paperboy can use; it picks nothing".to_owned();
        warnings.push(LibraryWarning { path: path.to_owned(), line: None, message });
    }
    Ok(Library { path: path.to_owned(), entries: read.entries, warnings })
}

/// The libraries a run needs, each file read once however many readers share it.
#[derive(Debug, Default)]
pub(crate) struct Libraries {
    /// In the order they were first named.
    pub(crate) read: Vec<(PathBuf, Result<Library, LibraryError>)>,
}

impl Libraries {
    /// Reads every library the config names, followed or not, as `check` does.
    pub(crate) fn load_every(config: &Config) -> Libraries {
        let mut paths: Vec<&Path> = Vec::new();
        let topics = config.topics.iter().filter_map(|topic| topic.library.as_deref());
        let own = config.subscribers.iter().filter_map(|s| s.library.as_deref());
        for path in own.chain(topics) {
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
        Libraries::read_all(config, paths)
    }

    fn read_all(config: &Config, paths: Vec<&Path>) -> Libraries {
        let read =
            paths.into_iter().map(|path| (path.to_owned(), load(path, &config.library))).collect();
        Libraries { read }
    }
}

/// A subscriber's own library, then those of the topics it follows.
pub(crate) fn paths_of<'c>(config: &'c Config, subscriber: &'c Subscriber) -> Vec<&'c Path> {
    let topics =
        subscriber.interest.topics.iter().filter_map(|&t| config.topics[t].library.as_deref());
    subscriber.library.as_deref().into_iter().chain(topics).collect()
}

/// The file as UTF-8 text, or why not (with the line where the text stops being text).
fn read_text(path: &Path) -> Result<String, (Option<usize>, String)> {
    use std::io::Read as _;

    let cannot_read = |err: std::io::Error| {
        let message = match err.kind() {
            std::io::ErrorKind::NotFound => "no such file; export the library there, or fix \
                                             `library` in the config"
                .to_owned(),
            _ => format!("cannot read the library: {err}"),
        };
        (None, message)
    };
    let file = std::fs::File::open(path).map_err(cannot_read)?;
    let mut bytes = Vec::new();
    file.take(MAX_LIBRARY_BYTES + 1).read_to_end(&mut bytes).map_err(cannot_read)?;
    if bytes.len() as u64 > MAX_LIBRARY_BYTES {
        return Err((None, format!("larger than {} MiB; not a library", MAX_LIBRARY_BYTES >> 20)));
    }
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        let line = Lines::new(&bytes).line(nul);
        return Err((Some(line), "binary data (a NUL byte), not a library".to_owned()));
    }
    let text = String::from_utf8(bytes).map_err(|err| {
        let offset = err.utf8_error().valid_up_to();
        let line = Lines::new(err.as_bytes()).line(offset);
        (Some(line), format!("not UTF-8 text (invalid byte at offset {offset})"))
    })?;
    Ok(text.strip_prefix('\u{feff}').map(str::to_owned).unwrap_or(text))
}

/// The format, from the first line that says something.
fn detect(text: &str) -> Result<LibraryFormat, (usize, String)> {
    // BibTeX exports may open with `%` comments (JabRef's `% Encoding: UTF-8`).
    let first = text.lines().enumerate().find(|(_, line)| {
        let line = line.trim();
        !line.is_empty() && !line.starts_with('%') && !line.starts_with('#')
    });
    let Some((at, line)) = first else {
        // Blank or only comments: an empty library of the kind the comments belong to.
        let bibtex = text.lines().any(|line| line.trim_start().starts_with('%'));
        return Ok(if bibtex { LibraryFormat::Bibtex } else { LibraryFormat::ArxivIds });
    };
    let line = line.trim();
    if line.starts_with('@') {
        Ok(LibraryFormat::Bibtex)
    } else if line.starts_with('[') || line.starts_with('{') {
        Ok(LibraryFormat::CslJson)
    } else if arxiv::id_of_line(line).is_some() {
        Ok(LibraryFormat::ArxivIds)
    } else {
        let shown: String = line.chars().take(40).collect();
        Err((
            at + 1,
            format!(
                "`{shown}` starts no library paperboy reads: BibTeX (`@article{{...`), \
                 CSL-JSON (`[{{...`) or one arXiv id a line"
            ),
        ))
    }
}

/// `YYYY-MM-DD`, `YYYY-MM` or `YYYY` at the start of `text`, the missing parts as 1.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.trim().split(['-', '/', 'T', ' ']);
    let year = parts.next()?.parse().ok()?;
    let month = parts.next().and_then(|m| m.parse().ok()).unwrap_or(1);
    let day = parts.next().and_then(|d| d.parse().ok()).unwrap_or(1);
    NaiveDate::from_ymd_opt(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(cache: &Path) -> LibrarySettings {
        LibrarySettings {
            // Nothing listens there: a test that asks the API fails rather than waits.
            arxiv_api: "http://127.0.0.1:9/api/query".to_owned(),
            arxiv_delay: std::time::Duration::ZERO,
            cache_dir: cache.to_owned(),
            fetch: crate::source::FetchSettings { retries: 0, ..Default::default() },
        }
    }

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/library").join(name)
    }

    fn load_fixture(name: &str) -> Library {
        let cache = tempfile::tempdir().unwrap();
        load(&fixture(name), &settings(cache.path())).unwrap()
    }

    /// The eight papers of the real Hub sample the fixtures were made from: title, abstract.
    fn sample() -> Vec<(String, String)> {
        let text = crate::source::real_sample("hf_daily_papers_2024-10-25_first8.json");
        let items: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
        let collapse = |value: &serde_json::Value| {
            value.as_str().unwrap().split_whitespace().collect::<Vec<_>>().join(" ")
        };
        items
            .iter()
            .map(|item| (collapse(&item["paper"]["title"]), collapse(&item["paper"]["summary"])))
            .collect()
    }

    /// A title's `--` is TeX's en dash, so BibTeX reads it as one; CSL-JSON keeps it.
    fn titles(library: &Library) -> Vec<String> {
        library.entries.iter().map(|e| e.title.replace('–', "--")).collect()
    }

    #[test]
    fn zoteros_bibtex_and_csl_json_give_the_same_papers() {
        let bibtex = load_fixture("zotero.bib");
        let csl = load_fixture("zotero-csl.json");
        let expected = sample();
        for library in [&bibtex, &csl] {
            let want: Vec<&str> = expected.iter().map(|(title, _)| title.as_str()).collect();
            assert_eq!(titles(library), want);
            assert_eq!(library.warnings, []);
        }
        for (b, c) in bibtex.entries.iter().zip(&csl.entries) {
            assert_eq!(
                (&b.abstract_text, &b.authors, b.added),
                (&c.abstract_text, &c.authors, c.added)
            );
        }
        // The one exported without an abstract still counts by its title.
        let without: Vec<&str> = bibtex
            .entries
            .iter()
            .filter(|e| e.abstract_text.is_empty())
            .map(|e| e.title.as_str())
            .collect();
        assert_eq!(without, ["Unbounded: A Generative Infinite Game of Character Life Simulation"]);
        let first = &bibtex.entries[0];
        assert_eq!(first.abstract_text, expected[0].1);
        assert_eq!(first.authors[..3], ["Zesen Cheng", "Hang Zhang", "Kehan Li"]);
        assert_eq!(first.added, NaiveDate::from_ymd_opt(2024, 10, 28));
        assert_eq!((first.line, bibtex.entries[1].line), (2, 17));
        assert_eq!((csl.entries[0].line, csl.entries[1].line), (2, 72));
    }

    #[test]
    fn escaped_latex_in_a_zotero_abstract_reads_as_the_paper_wrote_it() {
        let bibtex = load_fixture("zotero.bib");
        let logo = &bibtex.entries[3].abstract_text;
        assert!(logo.contains("29.2% to 46.4% gains"), "{logo}");
        let length = &bibtex.entries[7].abstract_text;
        // `{\textbackslash}method`, the paper's own unexpanded macro, cleaned as the sources
        // clean it.
        assert!(length.contains("Llama 3.1 70B with method even"), "{length}");
    }

    #[test]
    fn scholar_and_mendeley_bibtex_without_abstracts_and_with_latex_accents() {
        let library = load_fixture("scholar-mendeley.bib");
        let mut want: Vec<String> = sample().into_iter().take(4).map(|(title, _)| title).collect();
        want.push(
            "Towards Explainable Test Case Prioritisation with Learning-to-Rank Models".into(),
        );
        assert_eq!(titles(&library), want);
        assert!(library.entries.iter().all(|e| e.abstract_text.is_empty()));
        assert_eq!(
            library.entries[4].authors,
            ["Aurora Ramírez", "Mario Berrios", "José Raúl Romero", "Robert Feldt"]
        );
        assert_eq!(library.entries[4].added, NaiveDate::from_ymd_opt(2024, 1, 1));
    }

    #[test]
    fn an_empty_library_is_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.bib");
        std::fs::write(&path, "% nothing yet\n").unwrap();
        let library = load(&path, &settings(dir.path())).unwrap();
        assert!(library.entries.is_empty());
        assert_eq!(library.warnings.len(), 1);
        assert!(
            library.warnings[0].to_string().ends_with(
                "empty.bib: the library has no papers paperboy can use; it picks nothing"
            )
        );
    }

    #[test]
    fn the_format_comes_from_the_content() {
        assert_eq!(detect("\n@misc{a,\n title={x}}"), Ok(LibraryFormat::Bibtex));
        assert_eq!(detect("% Encoding: UTF-8\n\n@article{a,}"), Ok(LibraryFormat::Bibtex));
        assert_eq!(detect("[\n\t{\"title\": \"x\"}\n]"), Ok(LibraryFormat::CslJson));
        assert_eq!(detect("# mine\n2407.12345\n"), Ok(LibraryFormat::ArxivIds));
        assert_eq!(detect("https://arxiv.org/abs/2407.12345v2"), Ok(LibraryFormat::ArxivIds));
        let (line, message) = detect("\n\nTitle: a paper\n").unwrap_err();
        assert_eq!(line, 3);
        assert!(message.starts_with("`Title: a paper` starts no library"), "{message}");
    }

    #[test]
    fn dates_may_lack_month_and_day() {
        assert_eq!(parse_date("2024-10-28"), NaiveDate::from_ymd_opt(2024, 10, 28));
        assert_eq!(parse_date("2024-10"), NaiveDate::from_ymd_opt(2024, 10, 1));
        assert_eq!(parse_date("2024"), NaiveDate::from_ymd_opt(2024, 1, 1));
        assert_eq!(parse_date("2024-10-28 12:00:00"), NaiveDate::from_ymd_opt(2024, 10, 28));
        assert_eq!(parse_date("soon"), None);
    }
}
