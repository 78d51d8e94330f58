//! The `hf-text` format: the Daily Papers page as a browser copies it.
//!
//! Page chrome and the listing date come first, then paragraphs that alternate title and
//! abstract. The parser is forgiving about whitespace and line ends, and says which line it
//! skipped and why rather than guessing silently.

use std::sync::LazyLock;

use chrono::{Datelike, Days, NaiveDate};
use regex::Regex;

use super::{Draft, Input, Listing, SourceError, SourceWarning};
use crate::paper::LinkFinder;

/// Lines of the page around the listing that are not papers, compared case-insensitively.
const CHROME: [&str; 6] = [
    "new",
    "get trending papers in your email inbox!",
    "subscribe",
    "daily papers",
    "byak and the research community",
    "papers",
];

/// A title is one line, or a few if the copy wrapped it; longer text is an abstract.
const MAX_TITLE_CHARS: usize = 400;
const MAX_TITLE_LINES: usize = 3;

static LISTING_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:,?\s+(\d{4}))?$")
        .expect("the listing date pattern is a valid regex")
});

/// A run of non-blank lines.
struct Paragraph<'a> {
    /// 1-based line of its first line.
    line: usize,
    lines: Vec<&'a str>,
}

impl Paragraph<'_> {
    fn joined(&self) -> String {
        self.lines.join(" ")
    }

    fn looks_like_title(&self) -> bool {
        self.lines.len() <= MAX_TITLE_LINES && self.joined().chars().count() <= MAX_TITLE_CHARS
    }
}

pub(super) fn parse(input: &Input<'_>) -> Result<Listing, SourceError> {
    let (text, today) = (input.text, input.date);
    let fail = |line, message: &str| SourceError::at_line(input.origin, line, message);
    let warn =
        |line, message: String| SourceWarning { origin: input.origin.to_owned(), line, message };

    let paragraphs = paragraphs(text);
    if paragraphs.is_empty() {
        return Err(fail(1, "no text: the file holds only blank lines"));
    }

    let mut warnings = Vec::new();
    let mut listed_on = None;
    let mut body = paragraphs.as_slice();
    while let Some((first, rest)) = body.split_first() {
        let line = first.joined();
        if let Some(date) = listing_date(&line, today) {
            listed_on = Some(date);
        } else if !CHROME.contains(&line.to_lowercase().as_str()) {
            break;
        }
        body = rest;
    }
    let date = listed_on.unwrap_or_else(|| {
        warnings.push(warn(None, format!("no listing date line such as `Aug 5`; using {today}")));
        today
    });

    let links = LinkFinder::new();
    let mut papers = Vec::new();
    let mut rest = body;
    while let Some((title, after)) = rest.split_first() {
        if !title.looks_like_title() {
            warnings.push(warn(
                Some(title.line),
                "a paragraph with no title before it; left out".into(),
            ));
            rest = after;
            continue;
        }
        let abstract_paragraph = match after {
            [] => None,
            // Two title-like paragraphs before a long one: the first lost its abstract.
            [next, following, ..] if next.looks_like_title() && !following.looks_like_title() => {
                None
            }
            [next, ..] => Some(next),
        };
        let Some(abstract_paragraph) = abstract_paragraph else {
            let message = format!("title `{}` has no abstract; left out", title.joined());
            warnings.push(warn(Some(title.line), message));
            rest = after;
            continue;
        };
        let draft = Draft {
            title: title.joined(),
            abstract_text: abstract_paragraph.joined(),
            date: Some(date),
            ..Draft::default()
        };
        papers.push(draft.finish(&input.source.name, today, &links));
        rest = &after[1..];
    }

    if papers.is_empty() {
        let line = body.first().map_or(paragraphs[paragraphs.len() - 1].line, |p| p.line);
        return Err(fail(line, "no papers found: expected a title line, then its abstract"));
    }
    // The page's date has no year, so it says nothing certain about staleness.
    Ok(Listing { papers, warnings, listed_on: None, empty_note: None })
}

/// Splits text into paragraphs, whatever its line ends, trailing spaces or blank-line runs.
fn paragraphs(text: &str) -> Vec<Paragraph<'_>> {
    let mut paragraphs: Vec<Paragraph<'_>> = Vec::new();
    let mut open = false;
    // `lines()` leaves a `\r` from CRLF; a lone `\r` (old Mac) ends a line as well.
    for (index, line) in text.split(['\n', '\r']).enumerate() {
        let line = line.trim();
        if line.is_empty() {
            open = false;
            continue;
        }
        if open {
            paragraphs.last_mut().expect("an open paragraph exists").lines.push(line);
        } else {
            paragraphs.push(Paragraph { line: index + 1, lines: vec![line] });
            open = true;
        }
    }
    // Line numbers above count `\r\n` as two ends; recount them as one.
    if text.contains("\r\n") {
        renumber_crlf(text, &mut paragraphs);
    }
    paragraphs
}

fn renumber_crlf(text: &str, paragraphs: &mut [Paragraph<'_>]) {
    let mut numbers = Vec::new();
    let mut line = 1;
    let mut chars = text.chars().peekable();
    let mut split_index = 1;
    numbers.push(line);
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {
                chars.next();
                split_index += 2;
                line += 1;
                numbers.push(line);
                numbers.push(line);
            }
            '\r' | '\n' => {
                split_index += 1;
                line += 1;
                numbers.push(line);
            }
            _ => {}
        }
    }
    debug_assert_eq!(numbers.len(), split_index);
    for paragraph in paragraphs {
        paragraph.line = numbers[paragraph.line - 1];
    }
}

/// The listing date of a line such as `Aug 5`, in the year that puts it on or before
/// `today` (allowing a week for time zones and a run ahead of the listing).
fn listing_date(line: &str, today: NaiveDate) -> Option<NaiveDate> {
    let captures = LISTING_DATE.captures(line)?;
    let month =
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
            .iter()
            .position(|name| captures[1].eq_ignore_ascii_case(name))?;
    let day: u32 = captures[2].parse().ok()?;
    let month = u32::try_from(month + 1).ok()?;
    if let Some(year) = captures.get(3) {
        return NaiveDate::from_ymd_opt(year.as_str().parse().ok()?, month, day);
    }
    let latest = today.checked_add_days(Days::new(7))?;
    [today.year(), today.year() - 1]
        .into_iter()
        .filter_map(|year| NaiveDate::from_ymd_opt(year, month, day))
        .find(|date| *date <= latest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 8, 5).unwrap()
    }

    fn parse_str(text: &str) -> Result<Listing, SourceError> {
        crate::source::parse_test(
            text,
            "day.txt",
            (2025, 8, 5),
            |source| source.name = "hf".into(),
            parse,
        )
    }

    fn titles(listing: &Listing) -> Vec<&str> {
        listing.papers.iter().map(|p| p.title.as_str()).collect()
    }

    const TWO: &str = "new\n\nDaily Papers\n\nAug 5\n\nFirst Title\n\nFirst abstract.\n\nSecond Title\n\nSecond abstract.";

    #[test]
    fn the_real_page_gives_74_papers() {
        let text = include_str!("../../examples/hf-daily-papers-aug5.txt");
        let listing = parse_str(text).unwrap();
        assert_eq!(listing.papers.len(), 74);
        assert!(listing.warnings.is_empty(), "{:?}", listing.warnings);
        let first = &listing.papers[0];
        assert_eq!(
            first.title,
            "ACAM-KD: Adaptive and Cooperative Attention Masking for Knowledge Distillation"
        );
        assert!(first.abstract_text.starts_with("Dense visual prediction tasks"));
        assert_eq!(first.date, today());
        assert_eq!(first.source, "hf");
        assert_eq!(
            listing.papers[73].title,
            "CLIP-ReIdent: Contrastive Training for Player Re-Identification"
        );
    }

    #[test]
    fn chrome_and_date_are_not_papers() {
        let listing = parse_str(TWO).unwrap();
        assert_eq!(titles(&listing), ["First Title", "Second Title"]);
        assert_eq!(listing.papers[1].abstract_text, "Second abstract.");
    }

    #[test]
    fn crlf_bom_trailing_spaces_and_blank_runs_change_nothing() {
        let messy = format!(
            "\u{feff}{}",
            TWO.replace('\n', "  \r\n").replace("\r\n\r\n", "\r\n\r\n\r\n\r\n")
        );
        let messy = messy.trim_start_matches('\u{feff}');
        let clean = parse_str(TWO).unwrap();
        let listing = parse_str(messy).unwrap();
        assert_eq!(listing.papers, clean.papers);
    }

    #[test]
    fn a_wrapped_abstract_is_joined_into_one_paragraph() {
        let listing = parse_str("Aug 5\n\nTitle\n\nline one\nline two\n").unwrap();
        assert_eq!(listing.papers[0].abstract_text, "line one line two");
    }

    #[test]
    fn a_last_title_without_abstract_is_a_warning_with_its_line() {
        let listing = parse_str(&format!("{TWO}\n\nDangling Title\n")).unwrap();
        assert_eq!(listing.papers.len(), 2);
        assert_eq!(listing.warnings.len(), 1);
        assert_eq!(listing.warnings[0].line, Some(15));
        assert!(listing.warnings[0].to_string().starts_with("day.txt:15: title `Dangling Title`"));
    }

    #[test]
    fn a_title_missing_its_abstract_midway_does_not_shift_the_rest() {
        let long = "word ".repeat(100);
        let text = format!("Aug 5\n\nLost Title\n\nKept Title\n\n{long}\n\nLast Title\n\n{long}");
        let listing = parse_str(&text).unwrap();
        assert_eq!(titles(&listing), ["Kept Title", "Last Title"]);
        assert_eq!(listing.warnings[0].line, Some(3));
    }

    #[test]
    fn crlf_files_report_the_line_an_editor_shows() {
        let text = "Aug 5\r\n\r\nTitle\r\n\r\nAbstract.\r\n\r\nOrphan\r\n";
        let listing = parse_str(text).unwrap();
        assert_eq!(listing.warnings[0].line, Some(7));
    }

    #[test]
    fn only_chrome_is_an_error_with_a_line() {
        let err = parse_str("new\n\nSubscribe\n\nAug 5\n").unwrap_err();
        assert!(err.to_string().starts_with("day.txt:5: no papers found"), "{err}");
        assert!(parse_str("\n\n  \n").is_err());
    }

    #[test]
    fn a_missing_date_line_falls_back_to_today_with_a_warning() {
        let listing = parse_str("Title\n\nAbstract.").unwrap();
        assert_eq!(listing.papers[0].date, today());
        assert!(listing.warnings[0].message.contains("no listing date"));
    }

    #[test]
    fn the_listing_year_is_the_one_on_or_before_the_run() {
        let jan = NaiveDate::from_ymd_opt(2026, 1, 2).unwrap();
        assert_eq!(listing_date("Dec 31", jan), NaiveDate::from_ymd_opt(2025, 12, 31));
        assert_eq!(listing_date("Jan 2", jan), Some(jan));
        assert_eq!(listing_date("August 5, 2024", jan), NaiveDate::from_ymd_opt(2024, 8, 5));
        assert_eq!(listing_date("Feb 30", jan), None);
        assert_eq!(listing_date("Augmented reality", jan), None);
    }
}
