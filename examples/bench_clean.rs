//! Cleaning titles and abstracts (`paperboy::bench::clean::plain`): nanoseconds per text over
//! the bundled sample and the arXiv and Hub fixtures, as the sources send them and as a
//! library file holds them once cleaned (what `bench_similar` reads 100,100 of).
//!
//! `cargo run --release --example bench_clean` (docs/src/performance.md has the figures).

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use paperboy::bench::clean;
use paperboy::bench::source::{self, Source};

/// Listings whose papers are cleaned: `(source name, path)`.
const LISTINGS: [(&str, &str); 4] = [
    ("hf", "examples/hf-daily-papers-aug5.txt"),
    ("arxiv", "tests/fixtures/real/arxiv_rss_atom_cs.AI_2025-08-20.xml"),
    ("arxiv", "tests/fixtures/real/arxiv_api_search_all-testing_10results_2026-04-12.xml"),
    ("hf", "tests/fixtures/real/hf_daily_papers_2024-10-25_first8.json"),
];

/// Each paper's title and abstract, as the source gave them and as they were cleaned.
fn texts() -> (Vec<String>, Vec<String>) {
    let date = NaiveDate::from_ymd_opt(2025, 8, 20).expect("a valid date");
    let (mut raw, mut cleaned) = (Vec::new(), Vec::new());
    for (name, path) in LISTINGS {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        let text = std::fs::read_to_string(&path).expect("the bundled listing reads");
        let listing = source::parse(&text, &Source::file(name, &path), date)
            .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        for paper in listing.papers {
            // A paper keeps what its source said only when cleaning changed it.
            let json = serde_json::to_value(&paper).expect("a paper serializes");
            let original = |field: &str| json["original"][field].as_str().map(str::to_owned);
            raw.push(original("title").unwrap_or_else(|| paper.title.clone()));
            raw.push(original("abstract").unwrap_or_else(|| paper.abstract_text.clone()));
            cleaned.push(paper.title);
            cleaned.push(paper.abstract_text);
        }
    }
    (raw, cleaned)
}

/// Nanoseconds per text, the best of five rounds of at least 200 ms each.
fn ns_per_text(texts: &[String]) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let started = Instant::now();
        let mut done = 0usize;
        while started.elapsed() < Duration::from_millis(200) {
            for text in texts {
                black_box(clean::plain(black_box(text)));
            }
            done += texts.len();
        }
        best = best.min(started.elapsed().as_nanos() as f64 / done as f64);
    }
    best
}

fn main() {
    let (raw, cleaned) = texts();
    for (what, texts) in [("as the sources send them", &raw), ("as a library holds them", &cleaned)]
    {
        let bytes: usize = texts.iter().map(String::len).sum();
        println!(
            "plain(), {} titles and abstracts {what} ({} bytes each on average): {:.0} ns a text",
            texts.len(),
            bytes / texts.len(),
            ns_per_text(texts)
        );
    }
}
