//! Staleness: a source that serves an old listing instead of today's.
//!
//! Part of stage 1. A listing is stale when it says it is for a day before the one the run
//! expects, or when it is the very listing the previous run of another date used (a feed
//! that stopped updating, a copied page nobody refreshed). The second check needs memory
//! across runs: `send` records a fingerprint of each source's listing per date in the cache
//! folder, `<cache>/<source>/<date>.listing`. Nothing here reads the clock.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::{Listing, Source};
use crate::atomic::write as write_atomically;
use crate::deliver::file_safe;
use crate::paper::{Paper, stable_hash};
use crate::plural::count;

/// The recorded fingerprints of earlier runs.
pub(crate) struct Ledger {
    dir: PathBuf,
}

impl Ledger {
    pub(crate) fn new(cache_dir: &Path) -> Ledger {
        Ledger { dir: cache_dir.to_owned() }
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
    ledger: &Ledger,
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
    let (day, previous) = ledger.previous(&source.name, run_date)?;
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
        let ledger = Ledger::new(dir.path());
        let source = Source::file("s", "s.json");
        let old = listing(&["a"], Some(day(4)));
        let reason = stale(&ledger, &source, &old, day(5), Some(day(5)), true).unwrap();
        assert_eq!(reason, "it serves the listing of 2025-08-04, not of 2025-08-05");
        assert!(stale(&ledger, &source, &old, day(5), None, true).is_none(), "no expectation");
        assert!(
            stale(&ledger, &source, &listing(&["a"], Some(day(6))), day(5), Some(day(5)), true)
                .is_none()
        );
    }

    #[test]
    fn the_same_listing_as_the_previous_run_of_another_date_is_stale() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::new(dir.path());
        let source = Source::file("s", "s.txt");
        let monday = listing(&["a", "b"], None);
        assert!(stale(&ledger, &source, &monday, day(4), None, true).is_none());
        ledger.record("s", day(4), &monday.papers).unwrap();
        // The same date again is a rerun, not staleness.
        assert!(stale(&ledger, &source, &monday, day(4), None, true).is_none());
        let same_again = listing(&["b", "a"], None);
        assert_eq!(
            stale(&ledger, &source, &same_again, day(5), None, true).as_deref(),
            Some("it serves the same 2 papers as on 2025-08-04")
        );
        assert!(stale(&ledger, &source, &same_again, day(5), None, false).is_none());
        assert!(stale(&ledger, &source, &listing(&["c"], None), day(5), None, true).is_none());
    }
}
