//! What one journal commit costs: plans 10,000 digests in one transaction, then marks each
//! sent in its own, as `send` does, and prints the time per digest of each.
//!
//! `cargo run --release --example bench_journal` (the README's Performance section has the
//! figures).

use std::time::Instant;

use chrono::{NaiveDate, TimeZone, Utc};
use paperboy::bench::Journal;

const DIGESTS: u32 = 10_000;

fn main() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let journal = Journal::open(&dir.path().join("paperboy.db")).expect("a new journal");
    let day = NaiveDate::from_ymd_opt(2025, 8, 5).expect("a valid date");
    let at = |second| Utc.with_ymd_and_hms(2025, 8, 5, 7, 30, second).unwrap();
    let reader = |i: u32| format!("reader{i}@lab{}.example.com", i % 97);
    let run = journal.begin_run(day, None, false, at(0)).expect("a run begins");
    let plan: Vec<(String, String)> = (0..DIGESTS)
        .map(|i| (reader(i), "<digest.2025-08-05.0123456789abcdef@example.org>".to_owned()))
        .collect();
    let papers = ["title:0001", "title:0002", "title:0003", "title:0004", "title:0005"];

    let started = Instant::now();
    journal.plan(run, day, &plan, at(1)).expect("the plan is recorded");
    let planned = started.elapsed();
    let started = Instant::now();
    for i in 0..DIGESTS {
        journal
            .mark_sent(run, day, &reader(i), "250 2.0.0 Ok: queued as 4bLq3r0zZz", &papers, at(2))
            .expect("a sent digest is recorded");
    }
    let sent = started.elapsed();
    println!("{DIGESTS} digests: planned in one transaction, then each marked sent in its own");
    println!("  plan: {:?} per digest", planned / DIGESTS);
    println!("  sent: {:?} per commit", sent / DIGESTS);
}
