use std::collections::HashSet;

use chrono::{NaiveDate, TimeZone};

use super::schema::SCHEMA_VERSION;
use super::*;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 8, 5).unwrap()
}

fn at(second: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 8, 5, 7, 30, second).unwrap()
}

/// Plans one digest, as a run does before sending.
fn plan(journal: &Journal, run: RunId, date: NaiveDate, who: &str, id: &str) {
    journal.plan(run, date, &[(who.to_owned(), id.to_owned())], at(1)).unwrap();
}

fn open() -> (tempfile::TempDir, Journal) {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(&dir.path().join("state/paperboy.db")).unwrap();
    (dir, journal)
}

#[test]
fn a_new_journal_is_at_the_current_schema_version_in_wal_mode() {
    let (_dir, journal) = open();
    assert_eq!(journal.schema_version().unwrap(), SCHEMA_VERSION);
    let mode: String = journal.conn.query_row("PRAGMA journal_mode", [], |row| row.get(0)).unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn reopening_keeps_what_was_written() {
    let (dir, journal) = open();
    let run = journal.begin_run(day(), None, false, at(0)).unwrap();
    plan(&journal, run, day(), "Alice@Example.com", "<id>");
    journal.mark_sent(run, day(), "alice@example.com", "250 ok", &["p1"], at(2)).unwrap();
    drop(journal);
    let again = Journal::open(&dir.path().join("state/paperboy.db")).unwrap();
    let known = again.digests_on(day()).unwrap();
    assert_eq!(known["alice@example.com"], Known { status: Status::Sent, attempts: 1 });
}

#[test]
fn a_journal_from_a_newer_paperboy_is_refused_not_downgraded() {
    let (dir, journal) = open();
    journal.conn.execute_batch("PRAGMA user_version = 99").unwrap();
    drop(journal);
    let err = Journal::open(&dir.path().join("state/paperboy.db")).unwrap_err();
    assert!(matches!(err, JournalError::TooNew { found: 99, .. }), "{err}");
}

#[test]
fn an_empty_file_of_version_zero_is_migrated_forward() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    Connection::open(&path).unwrap().execute_batch("CREATE TABLE unrelated (x)").unwrap();
    let journal = Journal::open(&path).unwrap();
    assert_eq!(journal.schema_version().unwrap(), SCHEMA_VERSION);
    assert!(journal.runs(None).unwrap().is_empty());
}

#[test]
fn a_digest_goes_pending_then_sent_counting_attempts_and_recording_papers() {
    let (_dir, journal) = open();
    let run = journal.begin_run(day(), None, false, at(0)).unwrap();
    plan(&journal, run, day(), "bob@example.com", "<b>");
    assert_eq!(journal.status(day(), "bob@example.com").unwrap(), Some(Status::Pending));
    journal.mark_deferred(run, day(), "bob@example.com", "451 later", at(2)).unwrap();
    journal.mark_sent(run, day(), "bob@example.com", "250 queued", &["p2", "p1"], at(4)).unwrap();

    let records = journal.digests(&HistoryFilter::default()).unwrap();
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(record.status, Status::Sent);
    assert_eq!(record.attempts, 2);
    assert_eq!(record.last_reply.as_deref(), Some("250 queued"));
    assert_eq!(record.papers, ["p1", "p2"]);
    assert_eq!(record.sent_at.as_deref(), Some("2025-08-05T07:30:04.000Z"));
    assert_eq!(
        journal.papers_sent_to("BOB@example.com").unwrap(),
        [("p1".to_owned(), day()), ("p2".to_owned(), day())]
    );
}

#[test]
fn a_permanent_refusal_can_suppress_the_address_until_lifted() {
    let (_dir, journal) = open();
    let run = journal.begin_run(day(), None, false, at(0)).unwrap();
    plan(&journal, run, day(), "gone@example.com", "<g>");
    journal.mark_failed(run, day(), "gone@example.com", "550 no such user", true, at(2)).unwrap();
    plan(&journal, run, day(), "login@example.com", "<l>");
    journal.mark_failed(run, day(), "login@example.com", "535 bad login", false, at(2)).unwrap();

    assert_eq!(journal.suppressed().unwrap(), HashSet::from(["gone@example.com".to_owned()]));
    let list = journal.suppressions().unwrap();
    assert_eq!(list[0].reply, "550 no such user");
    assert!(journal.lift("Gone@Example.com").unwrap());
    assert!(!journal.lift("gone@example.com").unwrap(), "already lifted");
    assert!(journal.suppressed().unwrap().is_empty());
}

#[test]
fn runs_record_their_outcome_and_a_killed_run_shows_as_interrupted() {
    let (_dir, journal) = open();
    let killed = journal.begin_run(day(), Some("1/2"), false, at(0)).unwrap();
    let _ = killed;
    let next = journal.begin_run(day(), None, true, at(5)).unwrap();
    let counts = RunCounts { sent: 3, deferred: 1, failed: 0, skipped: 2 };
    journal.end_run(next, RunOutcome::Deferred, counts, at(9)).unwrap();

    let runs = journal.runs(Some(day())).unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].outcome, "interrupted");
    assert_eq!(runs[0].shard.as_deref(), Some("1/2"));
    assert_eq!(runs[0].ended_at, None);
    assert_eq!(runs[1].outcome, "deferred");
    assert!(runs[1].forced);
    assert_eq!((runs[1].counts.sent, runs[1].counts.deferred, runs[1].counts.skipped), (3, 1, 2));
}

#[test]
fn an_untried_digest_is_deferred_without_an_attempt_but_a_sent_one_stays_sent() {
    let (_dir, journal) = open();
    let run = journal.begin_run(day(), None, false, at(0)).unwrap();
    journal.mark_untried(run, day(), "a@example.com", "<a>", "stopped", at(1)).unwrap();
    plan(&journal, run, day(), "b@example.com", "<b>");
    journal.mark_sent(run, day(), "b@example.com", "250", &[], at(2)).unwrap();
    journal.mark_untried(run, day(), "b@example.com", "<b>", "stopped", at(3)).unwrap();

    let known = journal.digests_on(day()).unwrap();
    assert_eq!(known["a@example.com"], Known { status: Status::Deferred, attempts: 0 });
    assert_eq!(known["b@example.com"].status, Status::Sent);
}

#[test]
fn history_filters_by_date_and_subscriber() {
    let (_dir, journal) = open();
    let next = day().succ_opt().unwrap();
    let run = journal.begin_run(day(), None, false, at(0)).unwrap();
    for (date, who) in [(day(), "a@x.org"), (day(), "b@x.org"), (next, "a@x.org")] {
        plan(&journal, run, date, who, "<m>");
    }
    let only = |date, subscriber: Option<&str>| {
        let filter = HistoryFilter { date, subscriber: subscriber.map(str::to_owned) };
        journal
            .digests(&filter)
            .unwrap()
            .into_iter()
            .map(|d| format!("{} {}", d.date, d.subscriber))
            .collect::<Vec<_>>()
    };
    assert_eq!(only(None, None).len(), 3);
    assert_eq!(only(Some(next), None), ["2025-08-06 a@x.org"]);
    assert_eq!(only(None, Some("A@X.org")), ["2025-08-05 a@x.org", "2025-08-06 a@x.org"]);
}

#[test]
fn a_second_run_lock_on_the_same_journal_is_refused_at_once_and_freed_on_drop() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("paperboy.db");
    let first = RunLock::acquire(&path).unwrap();
    let second = RunLock::acquire(&path).unwrap_err();
    assert!(matches!(second, JournalError::Busy { .. }), "{second}");
    assert!(second.to_string().contains("another `paperboy send` is running"), "{second}");
    drop(first);
    RunLock::acquire(&path).unwrap();
}

#[test]
fn a_forced_run_leaves_sent_digests_sent_until_the_server_takes_them_again() {
    let (_dir, journal) = open();
    let run = journal.begin_run(day(), None, false, at(0)).unwrap();
    plan(&journal, run, day(), "a@x.org", "<a>");
    journal.mark_sent(run, day(), "a@x.org", "250", &[], at(2)).unwrap();
    let forced = journal.begin_run(day(), None, true, at(3)).unwrap();
    plan(&journal, forced, day(), "a@x.org", "<a>");
    assert_eq!(journal.status(day(), "a@x.org").unwrap(), Some(Status::Sent));
}

#[test]
fn an_outcome_for_a_digest_no_run_planned_is_an_error_not_lost() {
    let (_dir, journal) = open();
    assert!(journal.mark_sent(RunId(1), day(), "nobody@x.org", "250", &[], at(1)).is_err());
    assert!(journal.mark_deferred(RunId(1), day(), "nobody@x.org", "451", at(1)).is_err());
}

#[test]
fn a_reader_opens_nothing_when_there_is_no_journal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("none.db");
    assert!(Journal::open_existing(&path).unwrap().is_none());
    assert!(!path.exists(), "reading must not create the journal");
}

#[test]
fn a_planned_digest_with_nothing_to_send_leaves_the_plan_unless_it_has_a_history() {
    let (_dir, journal) = open();
    let run = journal.begin_run(day(), None, false, at(0)).unwrap();
    plan(&journal, run, day(), "fresh@x.org", "<f>");
    plan(&journal, run, day(), "tried@x.org", "<t>");
    journal.mark_deferred(run, day(), "tried@x.org", "451", at(2)).unwrap();
    let again = journal.begin_run(day(), None, false, at(3)).unwrap();
    plan(&journal, again, day(), "tried@x.org", "<t>");

    journal.unplan(day(), "fresh@x.org").unwrap();
    journal.unplan(day(), "tried@x.org").unwrap();
    let known = journal.digests_on(day()).unwrap();
    assert!(!known.contains_key("fresh@x.org"));
    assert_eq!(known["tried@x.org"], Known { status: Status::Pending, attempts: 1 });
}

#[test]
fn sent_before_answers_only_for_the_papers_asked_and_earlier_days() {
    let (_dir, journal) = open();
    let before = day().pred_opt().unwrap();
    let run = journal.begin_run(before, None, false, at(0)).unwrap();
    plan(&journal, run, before, "a@x.org", "<a>");
    journal
        .mark_sent(run, before, "a@x.org", "250 ok", &["title:one", "title:two"], at(1))
        .unwrap();
    let run = journal.begin_run(day(), None, false, at(2)).unwrap();
    plan(&journal, run, day(), "a@x.org", "<a2>");
    journal.mark_sent(run, day(), "a@x.org", "250 ok", &["title:three"], at(3)).unwrap();

    let history = journal.sent_before(day(), &["title:two", "title:three", "title:four"]).unwrap();
    let papers: Vec<(String, NaiveDate)> =
        history["a@x.org"].iter().map(|(id, on)| (id.to_string(), *on)).collect();
    assert_eq!(papers, [("title:two".to_owned(), before)]);
}

#[test]
fn a_forced_try_that_fails_keeps_the_digest_sent_and_records_the_try() {
    let (_dir, journal) = open();
    let run = journal.begin_run(day(), None, false, at(0)).unwrap();
    for who in ["a@x.org", "b@x.org"] {
        plan(&journal, run, day(), who, "<m>");
        journal.mark_sent(run, day(), who, "250 ok", &["p1"], at(1)).unwrap();
    }
    let forced = journal.begin_run(day(), None, true, at(2)).unwrap();
    plan(&journal, forced, day(), "a@x.org", "<m>");
    plan(&journal, forced, day(), "b@x.org", "<m>");
    journal.mark_deferred(forced, day(), "a@x.org", "451 try later", at(3)).unwrap();
    journal.mark_failed(forced, day(), "b@x.org", "550 gone", true, at(3)).unwrap();

    let records = journal.digests(&HistoryFilter::default()).unwrap();
    for (record, reply) in records.iter().zip(["451 try later", "550 gone"]) {
        assert_eq!(record.status, Status::Sent, "{record:?}");
        assert_eq!(record.attempts, 2, "{record:?}");
        assert_eq!(record.last_reply.as_deref(), Some(reply));
        assert_eq!(record.papers, ["p1"], "still counted as delivered");
    }
    assert!(journal.suppressed().unwrap().contains("b@x.org"), "the refusal still suppresses");
}

#[test]
fn a_killed_run_counts_what_its_digests_show_while_running_and_once_interrupted() {
    let (_dir, journal) = open();
    let killed = journal.begin_run(day(), None, false, at(0)).unwrap();
    for who in ["a@x.org", "b@x.org", "c@x.org", "d@x.org", "e@x.org"] {
        plan(&journal, killed, day(), who, "<m>");
    }
    journal.mark_sent(killed, day(), "a@x.org", "250", &[], at(1)).unwrap();
    journal.mark_sent(killed, day(), "b@x.org", "250", &[], at(1)).unwrap();
    journal.mark_failed(killed, day(), "c@x.org", "550", false, at(1)).unwrap();
    journal.mark_deferred(killed, day(), "d@x.org", "451", at(1)).unwrap();
    // e@x.org is still pending when the process dies: no end_run.
    let counts = |run: &RunRecord| {
        (run.outcome.clone(), run.counts.sent, run.counts.deferred, run.counts.failed)
    };
    let runs = journal.runs(None).unwrap();
    assert_eq!(counts(&runs[0]), ("running".to_owned(), 2, 2, 1));

    let next = journal.begin_run(day(), None, false, at(5)).unwrap();
    plan(&journal, next, day(), "d@x.org", "<m>");
    plan(&journal, next, day(), "e@x.org", "<m>");
    journal.mark_sent(next, day(), "d@x.org", "250", &[], at(6)).unwrap();
    let runs = journal.runs(None).unwrap();
    assert_eq!(counts(&runs[0]), ("interrupted".to_owned(), 2, 2, 1), "as it was when killed");
    assert_eq!(counts(&runs[1]), ("running".to_owned(), 1, 1, 0));
}

#[test]
fn the_dates_of_unfinished_runs_are_known_before_the_next_run_begins() {
    let (_dir, journal) = open();
    let before = day().pred_opt().unwrap();
    journal.begin_run(before, None, false, at(0)).unwrap();
    let done = journal.begin_run(day(), None, false, at(1)).unwrap();
    journal.end_run(done, RunOutcome::Ok, RunCounts::default(), at(2)).unwrap();
    assert_eq!(journal.unfinished_dates().unwrap(), Vec::<NaiveDate>::new(), "marked by begin");
    journal.begin_run(day(), None, false, at(3)).unwrap();
    assert_eq!(journal.unfinished_dates().unwrap(), [day()]);
}

#[test]
fn listings_keep_each_days_papers_and_a_rerun_replaces_them() {
    use crate::paper::Paper;
    let (_dir, journal) = open();
    let next = day().succ_opt().unwrap();
    let mut shared = Paper::for_test("Shared Paper");
    shared.authors = vec!["Ada Lovelace".into()];
    journal.record_listing(day(), &[shared.clone(), Paper::for_test("Only Monday")]).unwrap();
    shared.upvotes = Some(7);
    journal.record_listing(next, &[shared.clone()]).unwrap();
    journal.record_listing(next, &[shared.clone()]).unwrap();

    let listed = journal.listed_between(day(), next).unwrap();
    let titles: Vec<(NaiveDate, &str)> =
        listed.iter().map(|(date, paper)| (*date, paper.title.as_str())).collect();
    assert_eq!(titles.len(), 3);
    assert!(titles.contains(&(day(), "Only Monday")) && titles.contains(&(next, "Shared Paper")));
    assert_eq!(journal.listing_dates(day(), next).unwrap(), vec![day(), next]);
    assert_eq!(journal.listing_dates(next, next).unwrap(), vec![next]);

    let found = journal.listed_paper(&shared.id).unwrap().unwrap();
    assert_eq!(found, shared, "the latest listing, read back whole");
    assert_eq!(journal.listed_paper(&Paper::for_test("Never Listed").id).unwrap(), None);
}
