//! Staleness: a source that serves an old listing instead of today's.
//!
//! Part of stage 1. A listing is stale when it says it is for a day before the one the run
//! expects, or when it is the very listing the previous run of another date used (a feed
//! that stopped updating, a copied page nobody refreshed). The second check needs memory
//! across runs: `send` records a fingerprint of each source's listing per date in the cache
//! folder, `<cache>/<source>/<date>.listing`. Nothing here reads the clock.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::{Listing, Source, SourceWarning};
use crate::atomic::write as write_atomically;
use crate::paper::Paper;
use crate::text::file_safe;
use crate::text::plural::count;
use crate::text::stable_hash;

/// The recorded fingerprints of earlier runs.
pub(crate) struct ListingHistory {
    dir: PathBuf,
}

impl ListingHistory {
    pub(crate) fn new(cache_dir: &Path) -> ListingHistory {
        ListingHistory { dir: cache_dir.to_owned() }
    }

    fn file(&self, source: &str, date: NaiveDate) -> PathBuf {
        self.dir.join(file_safe(source)).join(format!("{date}.listing"))
    }

    /// Remembers which papers `source` listed for `date`.
    pub(crate) fn record(
        &self,
        source: &str,
        date: NaiveDate,
        papers: &[Paper],
    ) -> std::io::Result<()> {
        let line = format!("{} {}\n", fingerprint(papers), papers.len());
        write_atomically(&self.file(source, date), line.as_bytes())
    }

    /// The latest date before `date` with a recorded listing, and its fingerprint.
    fn previous(&self, source: &str, date: NaiveDate) -> Option<(NaiveDate, String)> {
        let entries = std::fs::read_dir(self.dir.join(file_safe(source))).ok()?;
        let latest = entries
            .filter_map(|entry| {
                let name = entry.ok()?.file_name();
                let day = name.to_str()?.strip_suffix(".listing")?.parse::<NaiveDate>().ok()?;
                (day < date).then_some(day)
            })
            .max()?;
        let text = std::fs::read_to_string(self.file(source, latest)).ok()?;
        Some((latest, text.split_whitespace().next()?.to_owned()))
    }
}

/// How many days a listing's date may lie from the run date, either way, before the run says
/// so: a weekend, a holiday and arXiv's year-end break stay within it; a copied `Aug 5` page
/// read in December, which takes the run's year, does not.
pub(crate) const FAR_DAYS: i64 = 7;

/// A warning naming the source when its listing is dated more than [`FAR_DAYS`] from the run
/// date: without `--date`, its papers would go out as the day's news with no word.
pub(crate) fn far_from_run(
    source: &Source,
    listing: &Listing,
    origin: &str,
    run_date: NaiveDate,
) -> Option<SourceWarning> {
    let listed = listing.listed_on.or_else(|| listing.papers.iter().map(|p| p.date).max())?;
    let days = (listed - run_date).num_days();
    if days.abs() <= FAR_DAYS {
        return None;
    }
    let (count, way) = if days < 0 { (-days, "before") } else { (days, "after") };
    let unit = if count == 1 { "day" } else { "days" };
    Some(SourceWarning {
        origin: origin.to_owned(),
        line: None,
        message: format!(
            "source `{}` lists papers of {listed}, {count} {unit} {way} the run date {run_date}; \
             give --date YYYY-MM-DD if that is not the day you mean",
            source.name
        ),
    })
}

/// A fingerprint of the set of papers, whatever their order.
fn fingerprint(papers: &[Paper]) -> String {
    let mut ids: Vec<&str> = papers.iter().map(|paper| paper.id.as_str()).collect();
    ids.sort_unstable();
    format!("{:016x}", stable_hash(ids.join("\n").as_bytes()))
}

/// Why the listing is stale, or `None` when it is current.
///
/// `expected` is the listing date the run asks for; listings that carry no full date of
/// their own (a copied page, an API query) are checked only against earlier runs.
pub(crate) fn stale(
    history: &ListingHistory,
    source: &Source,
    listing: &Listing,
    run_date: NaiveDate,
    expected: Option<NaiveDate>,
    check_history: bool,
) -> Option<String> {
    if let (Some(expected), Some(listed)) = (expected, listing.listed_on)
        && listed < expected
    {
        return Some(format!("it serves the listing of {listed}, not of {expected}"));
    }
    if !check_history || listing.papers.is_empty() {
        return None;
    }
    let (day, previous) = history.previous(&source.name, run_date)?;
    (previous == fingerprint(&listing.papers))
        .then(|| format!("it serves the same {} as on {day}", count(listing.papers.len(), "paper")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paper::PaperId;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 8, d).unwrap()
    }

    fn listing(titles: &[&str], listed_on: Option<NaiveDate>) -> Listing {
        let papers = titles
            .iter()
            .map(|t| Paper::new(PaperId::from_title(t), (*t).into(), String::new(), "s", day(5)))
            .collect();
        Listing { papers, listed_on, ..Listing::default() }
    }

    #[test]
    fn a_listing_dated_before_the_expected_day_is_stale() {
        let dir = tempfile::tempdir().unwrap();
        let history = ListingHistory::new(dir.path());
        let source = Source::file("s", "s.json");
        let old = listing(&["a"], Some(day(4)));
        let reason = stale(&history, &source, &old, day(5), Some(day(5)), true).unwrap();
        assert_eq!(reason, "it serves the listing of 2025-08-04, not of 2025-08-05");
        assert!(stale(&history, &source, &old, day(5), None, true).is_none(), "no expectation");
        assert!(
            stale(&history, &source, &listing(&["a"], Some(day(6))), day(5), Some(day(5)), true)
                .is_none()
        );
    }

    #[test]
    fn a_listing_far_from_the_run_date_is_named_in_a_warning() {
        // Regression (issue 12): an `Aug 5` page read in December took the run's year, and its
        // four-month-old papers went out as the day's with no word.
        let source = Source::file("hf", "hf.txt");
        let august = listing(&["a"], None);
        let december = NaiveDate::from_ymd_opt(2025, 12, 3).unwrap();
        let warning = far_from_run(&source, &august, "hf.txt", december).unwrap();
        assert_eq!(
            warning.to_string(),
            "hf.txt: source `hf` lists papers of 2025-08-05, 120 days before the run date \
             2025-12-03; give --date YYYY-MM-DD if that is not the day you mean"
        );
        let dated = listing(&["a"], Some(day(20)));
        assert!(
            far_from_run(&source, &dated, "hf.txt", day(5))
                .unwrap()
                .message
                .contains("15 days after")
        );
        // A weekend and a holiday are ordinary.
        assert!(far_from_run(&source, &august, "hf.txt", day(12)).is_none());
        assert!(far_from_run(&source, &august, "hf.txt", day(5)).is_none());
        assert!(far_from_run(&source, &listing(&[], None), "hf.txt", december).is_none());
    }

    #[test]
    fn the_same_listing_as_the_previous_run_of_another_date_is_stale() {
        let dir = tempfile::tempdir().unwrap();
        let history = ListingHistory::new(dir.path());
        let source = Source::file("s", "s.txt");
        let monday = listing(&["a", "b"], None);
        assert!(stale(&history, &source, &monday, day(4), None, true).is_none());
        history.record("s", day(4), &monday.papers).unwrap();
        // The same date again is a rerun, not staleness.
        assert!(stale(&history, &source, &monday, day(4), None, true).is_none());
        let same_again = listing(&["b", "a"], None);
        assert_eq!(
            stale(&history, &source, &same_again, day(5), None, true).as_deref(),
            Some("it serves the same 2 papers as on 2025-08-04")
        );
        assert!(stale(&history, &source, &same_again, day(5), None, false).is_none());
        assert!(stale(&history, &source, &listing(&["c"], None), day(5), None, true).is_none());
    }
}
