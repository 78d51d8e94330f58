//! Picking by similarity for 10,000 subscribers over 2,000 papers, with 1,000 distinct
//! library files of 100 entries each (one subscriber each) and one lab list of 100 entries
//! the other 9,000 share: a cold run (every library parsed and profiled) and a warm one (every
//! profile loaded from the state folder), with the process's peak memory.
//!
//! `cargo build --release --example bench_similar`, then `taskset -c 0
//! target/release/examples/bench_similar` for one core, as the targets are set; unpinned it
//! uses every core (docs/src/performance.md has the figures).
//! Papers and library entries are the bundled sample's real titles and abstracts, repeated and
//! mixed by a fixed seed (each abstract gets two sentences of another), so every run measures
//! the same work.

mod common;

use std::fmt::Write as _;
use std::hash::{Hash as _, Hasher as _};
use std::time::Instant;

use chrono::NaiveDate;
use common::{Rng, status_kib};
use paperboy::bench::{Config, Paper, PaperId, Picker, Profiles, SentPapers};

const PAPERS: usize = 2_000;
const SUBSCRIBERS: usize = 10_000;
const LIBRARIES: usize = 1_000;
const ENTRIES: usize = 100;

/// A sample paper's title and abstract, with two sentences of another paper mixed in.
fn mixed(sample: &[Paper], rng: &mut Rng) -> (String, String) {
    let paper = &sample[rng.below(sample.len())];
    let other = &sample[rng.below(sample.len())];
    let mut sentences: Vec<&str> = paper.abstract_text.split(". ").collect();
    let borrowed: Vec<&str> = other.abstract_text.split(". ").collect();
    for _ in 0..2 {
        let at = rng.below(sentences.len() + 1);
        sentences.insert(at, borrowed[rng.below(borrowed.len())]);
    }
    (paper.title.clone(), sentences.join(". "))
}

/// A library file in Zotero's CSL-JSON.
fn csl_json(sample: &[Paper], rng: &mut Rng) -> String {
    let items: Vec<serde_json::Value> = (0..ENTRIES)
        .map(|i| {
            let (title, abstract_text) = mixed(sample, rng);
            serde_json::json!({
                "id": format!("item-{i}"), "type": "article-journal", "title": title,
                "abstract": abstract_text, "issued": {"date-parts": [[2020 + i % 5, 1 + i % 12, 1]]}
            })
        })
        .collect();
    serde_json::to_string_pretty(&items).expect("JSON values serialize")
}

fn main() {
    let date = NaiveDate::from_ymd_opt(2025, 8, 5).expect("a valid date");
    let sample = common::sample(date);
    let mut rng = Rng(0x5eed);
    let papers: Vec<Paper> = (0..PAPERS)
        .map(|i| {
            let (title, abstract_text) = mixed(&sample, &mut rng);
            let title = format!("{title} ({i})");
            Paper::new(PaperId::from_title(&title), title, abstract_text, "bench", date)
        })
        .collect();

    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::create_dir_all(dir.path().join("libraries")).expect("a libraries folder");
    for library in 0..=LIBRARIES {
        let path = dir.path().join(format!("libraries/{library}.json"));
        std::fs::write(path, csl_json(&sample, &mut rng)).expect("a library file");
    }
    let mut toml = String::from(
        "[newsletter]\ntitle = \"Bench\"\nfrom = \"d@example.org\"\nmax_papers = 10\n",
    );
    for subscriber in 0..SUBSCRIBERS {
        // The first 1,000 have a library of their own; the rest share the lab's (number 1000).
        let library = if subscriber < LIBRARIES { subscriber } else { LIBRARIES };
        writeln!(
            toml,
            "[[subscribers]]\nemail = \"s{subscriber}@example.org\"\nlibrary = \"libraries/{library}.json\"\nmax_papers = {}",
            5 + subscriber % 10
        )
        .expect("writing to a String");
    }
    let config = Config::parse(&toml, &dir.path().join("bench.toml")).expect("the config loads");
    drop(toml);

    println!(
        "{SUBSCRIBERS} subscribers over {PAPERS} papers: {LIBRARIES} libraries of {ENTRIES} entries, one subscriber each, and one lab list the other {} share",
        SUBSCRIBERS - LIBRARIES
    );
    for run in ["cold", "warm"] {
        let started = Instant::now();
        let cpu_started = cpu_seconds();
        let profiles = Profiles::load(&config).expect("the libraries load");
        let loaded = started.elapsed();
        let cpu_loaded = cpu_seconds();
        let picker = Picker::with_libraries(&config, &papers, date, profiles);
        let compared = started.elapsed();
        let cpu_compared = cpu_seconds();
        let none = SentPapers::new();
        let mut picked = 0usize;
        // Which papers, in which order: a change that should pick the same must print the
        // same fingerprint.
        let mut fingerprint = std::hash::DefaultHasher::new();
        for subscriber in &config.subscribers {
            let picks = picker.digest(subscriber, &none).picks;
            picked += picks.len();
            picks.iter().for_each(|pick| pick.paper().title.hash(&mut fingerprint));
        }
        let total = started.elapsed();
        let cpu_total = cpu_seconds();
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
        println!(
            "  {run}: libraries {:.0} ms, index and similarity {:.0} ms, picking {:.0} ms; total {:.0} ms ({picked} picks, fingerprint {:016x})",
            ms(loaded),
            ms(compared - loaded),
            ms(total - compared),
            ms(total),
            fingerprint.finish()
        );
        println!(
            "  {run}, CPU time: libraries {:.2} s, index and similarity {:.2} s, picking {:.2} s; total {:.2} s",
            cpu_loaded - cpu_started,
            cpu_compared - cpu_loaded,
            cpu_total - cpu_compared,
            cpu_total - cpu_started
        );
    }
    println!("  peak memory of the whole run: {:.0} MB", status_kib("VmHWM:") as f64 / 1024.0);
}

/// The CPU time of the process so far (user and system), from Linux's /proc/self/stat; 0
/// elsewhere. On a shared machine it says what the work costs where wall time cannot.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split(' ').collect();
    let ticks = |at: usize| fields.get(at).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime, fields 14 and 15 of the line, in clock ticks of 1/100 s on Linux.
    (ticks(12) + ticks(13)) / 100.0
}
