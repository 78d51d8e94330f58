//! Reading every configured source at once: each read, checked for staleness and merged,
//! one failing or stale source reported while the others go on.

use chrono::NaiveDate;

use super::{Reading, Source, SourceError, SourceWarning, freshness, merge, read};
use crate::paper::Paper;

/// Every configured source read, checked for staleness, and merged.
#[derive(Debug, Default)]
pub(crate) struct Harvest {
    /// The merged papers of the fresh sources, in listing order.
    pub(crate) papers: Vec<Paper>,
    /// What the sources left out, each with where it stands.
    pub(crate) warnings: Vec<SourceWarning>,
    /// One per source, in config order.
    pub(crate) reports: Vec<SourceReport>,
}

/// How one source fared in a run.
#[derive(Debug, Clone)]
pub(crate) struct SourceReport {
    pub(crate) name: String,
    /// What came of it.
    pub(crate) status: SourceStatus,
}

/// What came of reading one source.
#[derive(Debug, Clone)]
pub(crate) enum SourceStatus {
    /// Read, current, and listing papers.
    Fresh {
        /// How many papers it listed.
        #[expect(dead_code, reason = "no report shows the count yet")]
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
pub(crate) struct Expectations {
    /// The listing date the run expects; a listing dated earlier is stale. `None` trusts the
    /// listing's own date.
    pub(crate) date: Option<NaiveDate>,
    /// Whether to compare each listing with the one recorded for an earlier date.
    pub(crate) check_history: bool,
    /// Whether this run counts as "the previous run" for later ones: `send` records the
    /// listing it used, so a source serving the same listing for another date is stale.
    pub(crate) record: bool,
}

/// Reads every source; one that fails or is stale is reported and the others go on.
///
/// A fresh response fetched over the network is kept in the cache; papers the sources share
/// (the same arXiv id, else the same title) become one record listing every source.
pub(crate) fn read_all(sources: &[Source], reading: &Reading<'_>, expect: Expectations) -> Harvest {
    let history = freshness::ListingHistory::new(&reading.fetch.cache_dir);
    let mut harvest = Harvest::default();
    let mut lists = Vec::new();
    for source in sources {
        let status = match read(source, reading) {
            Err(err) => SourceStatus::Failed(err),
            Ok(read) => {
                let mut listing = read.listing;
                let stale = freshness::stale(
                    &history,
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
                                history.record(&source.name, reading.date, &listing.papers)
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
