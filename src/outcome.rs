//! How a run ends: which of the documented outcomes it is, its exit status, and the summary
//! line that says so.
//!
//! A run that sends nothing must never look like one that worked, so each outcome has its
//! own status: papers delivered (0), no papers today (3), a source is stale (4), a source
//! failed (65), delivery failed (1, or 75 when a rerun may succeed). One failing or stale
//! source does not stop the others; the statuses combine so that the most urgent one wins.
//! This module only decides and words; `cmd/` prints.

use chrono::NaiveDate;

use crate::error::Exit;
use crate::source::{SourceReport, SourceStatus};

/// The most urgent first: a reader who did not get mail, a source that broke, a source that
/// is behind, a day without papers.
const PRECEDENCE: [Exit; 6] =
    [Exit::Failure, Exit::TempFail, Exit::DataError, Exit::Stale, Exit::NoPapers, Exit::Ok];

/// The more urgent of two statuses.
pub(crate) fn combine(a: Exit, b: Exit) -> Exit {
    let rank = |exit: Exit| PRECEDENCE.iter().position(|e| *e == exit).unwrap_or(0);
    if rank(a) <= rank(b) { a } else { b }
}

/// The status the sources alone give a run that has `papers` papers to work with.
pub(crate) fn sources_exit(reports: &[SourceReport], papers: usize) -> Exit {
    let any = |test: fn(&SourceStatus) -> bool| reports.iter().any(|r| test(&r.status));
    if any(|s| matches!(s, SourceStatus::Failed(_))) {
        Exit::DataError
    } else if any(|s| matches!(s, SourceStatus::Stale { .. })) {
        Exit::Stale
    } else if papers == 0 {
        Exit::NoPapers
    } else {
        Exit::Ok
    }
}

/// A line for each source that failed or is stale, for stderr as `error: ...`.
pub(crate) fn source_problems(reports: &[SourceReport]) -> Vec<String> {
    reports
        .iter()
        .filter_map(|report| match &report.status {
            SourceStatus::Failed(err) => Some(format!("source `{}` failed: {err}", report.name)),
            SourceStatus::Stale { reason } => Some(format!(
                "source `{}` is stale: {reason}; its papers are left out",
                report.name
            )),
            _ => None,
        })
        .collect()
}

/// When there is nothing to send: the one summary line and the status.
pub(crate) fn nothing_to_send(
    reports: &[SourceReport],
    papers: usize,
    date: NaiveDate,
) -> Option<(String, Exit)> {
    if papers > 0 {
        return None;
    }
    let exit = sources_exit(reports, papers);
    let line = match exit {
        Exit::NoPapers => {
            let notes: Vec<String> = reports
                .iter()
                .filter_map(|r| match &r.status {
                    SourceStatus::Empty { note: Some(note) } => Some(format!("{}: {note}", r.name)),
                    _ => None,
                })
                .collect();
            let notes =
                if notes.is_empty() { String::new() } else { format!(" ({})", notes.join("; ")) };
            format!("no papers today: no source lists papers for {date}{notes}; nothing sent")
        }
        _ if reports.iter().all(|r| matches!(r.status, SourceStatus::Failed(_))) => {
            format!("nothing sent: every source failed ({})", names(reports, is_failed))
        }
        _ => format!(
            "nothing sent: no papers for {date} from the sources that could be used; left out: {}",
            left_out(reports)
        ),
    };
    Some((line, exit))
}

/// After a run that went on without some sources: which, for the summary.
pub(crate) fn sources_line(reports: &[SourceReport]) -> Option<String> {
    let left_out = left_out(reports);
    (!left_out.is_empty())
        .then(|| format!("left out: {left_out}; the digests carry the other sources' papers"))
}

/// `hf (failed), arxiv (stale)`.
fn left_out(reports: &[SourceReport]) -> String {
    reports
        .iter()
        .filter_map(|r| match r.status {
            SourceStatus::Failed(_) => Some(format!("{} (failed)", r.name)),
            SourceStatus::Stale { .. } => Some(format!("{} (stale)", r.name)),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn is_failed(status: &SourceStatus) -> bool {
    matches!(status, SourceStatus::Failed(_))
}

fn names(reports: &[SourceReport], test: fn(&SourceStatus) -> bool) -> String {
    reports
        .iter()
        .filter(|r| test(&r.status))
        .map(|r| r.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceError;

    fn report(name: &str, status: SourceStatus) -> SourceReport {
        SourceReport { name: name.into(), status }
    }

    fn fresh(name: &str) -> SourceReport {
        report(name, SourceStatus::Fresh { papers: 3 })
    }

    fn failed(name: &str) -> SourceReport {
        report(
            name,
            SourceStatus::Failed(SourceError::whole("https://x.org/a", "HTTP 404 Not Found")),
        )
    }

    fn stale(name: &str) -> SourceReport {
        report(name, SourceStatus::Stale { reason: "old".into() })
    }

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()
    }

    #[test]
    fn each_outcome_has_its_own_status() {
        assert_eq!(sources_exit(&[fresh("a")], 3), Exit::Ok);
        assert_eq!(
            sources_exit(&[report("a", SourceStatus::Empty { note: None })], 0),
            Exit::NoPapers
        );
        assert_eq!(sources_exit(&[fresh("a"), stale("b")], 3), Exit::Stale);
        assert_eq!(sources_exit(&[fresh("a"), failed("b"), stale("c")], 3), Exit::DataError);
        let codes =
            [Exit::Ok, Exit::NoPapers, Exit::Stale, Exit::DataError, Exit::TempFail, Exit::Failure];
        let mut numbers: Vec<u8> = codes.iter().map(|e| *e as u8).collect();
        numbers.dedup();
        assert_eq!(numbers.len(), codes.len());
    }

    #[test]
    fn a_failed_delivery_outranks_a_failed_source() {
        assert_eq!(combine(Exit::Failure, Exit::DataError), Exit::Failure);
        assert_eq!(combine(Exit::Ok, Exit::Stale), Exit::Stale);
        assert_eq!(combine(Exit::TempFail, Exit::Stale), Exit::TempFail);
        assert_eq!(combine(Exit::NoPapers, Exit::Ok), Exit::NoPapers);
    }

    #[test]
    fn an_empty_day_says_no_papers_today_with_the_reason() {
        let empty = report(
            "physics",
            SourceStatus::Empty { note: Some("arXiv announces nothing on Saturdays".into()) },
        );
        let (line, exit) = nothing_to_send(&[empty], 0, date()).unwrap();
        assert_eq!(exit, Exit::NoPapers);
        assert_eq!(
            line,
            "no papers today: no source lists papers for 2025-12-31 (physics: arXiv announces nothing on Saturdays); nothing sent"
        );
    }

    #[test]
    fn every_source_failing_sends_nothing_and_says_which() {
        let (line, exit) = nothing_to_send(&[failed("hf"), failed("arxiv")], 0, date()).unwrap();
        assert_eq!(exit, Exit::DataError);
        assert_eq!(line, "nothing sent: every source failed (hf, arxiv)");
        let (line, exit) = nothing_to_send(&[stale("hf")], 0, date()).unwrap();
        assert_eq!(exit, Exit::Stale);
        assert_eq!(
            line,
            "nothing sent: no papers for 2025-12-31 from the sources that could be used; left out: hf (stale)"
        );
        assert!(nothing_to_send(&[fresh("hf")], 3, date()).is_none());
    }

    #[test]
    fn a_run_without_some_sources_names_them() {
        assert_eq!(sources_line(&[fresh("a")]), None);
        assert_eq!(
            sources_line(&[fresh("a"), failed("hf"), stale("arxiv")]).as_deref(),
            Some(
                "left out: hf (failed), arxiv (stale); the digests carry the other sources' papers"
            )
        );
        assert_eq!(
            source_problems(&[failed("hf")]),
            ["source `hf` failed: https://x.org/a: HTTP 404 Not Found"]
        );
    }
}
