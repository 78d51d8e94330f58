//! Picks papers for 100,000 subscribers with 5 topics each over 2,000 papers, on one core,
//! and reports the time and the process's peak memory.
//!
//! `cargo run --release --example bench_select` (the README's Performance section has the
//! figures). The day is made from the bundled sample's own sentences and words, shuffled by
//! a fixed seed, so every run measures the same work.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use chrono::NaiveDate;
use paperboy::config::Config;
use paperboy::digest::Picker;
use paperboy::paper::{Paper, PaperId};
use paperboy::source::{self, Source};
use paperboy::topic::SentPapers;

const PAPERS: usize = 2_000;
const SUBSCRIBERS: usize = 100_000;
const TOPICS: usize = 300;
const TOPICS_PER_SUBSCRIBER: usize = 5;

/// xorshift64*: a fixed, dependency-free sequence.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn main() {
    let date = NaiveDate::from_ymd_opt(2025, 8, 5).expect("a valid date");
    let text = include_str!("hf-daily-papers-aug5.txt");
    let sample = source::parse(text, &Source::file("hf", "hf-daily-papers-aug5.txt"), date)
        .expect("the bundled sample parses")
        .papers;
    let mut rng = Rng(0x5eed);

    let sentences: Vec<&str> =
        sample.iter().flat_map(|p| p.abstract_text.split(". ")).filter(|s| s.len() > 20).collect();
    let title_words: Vec<&str> =
        sample.iter().flat_map(|p| p.title.split_whitespace()).filter(|w| w.len() > 3).collect();
    let papers: Vec<Paper> = (0..PAPERS)
        .map(|i| {
            let title: Vec<&str> =
                (0..8).map(|_| title_words[rng.below(title_words.len())]).collect();
            let body: Vec<&str> = (0..9).map(|_| sentences[rng.below(sentences.len())]).collect();
            let title = format!("{} {i}", title.join(" "));
            let mut paper =
                Paper::new(PaperId::from_title(&title), title, body.join(". "), "bench", date);
            paper.upvotes = Some(rng.below(200) as u64);
            paper
        })
        .collect();

    // Keywords: words and two-word phrases of the sample's titles, some with a trailing `*`.
    let phrases: Vec<String> = sample
        .iter()
        .flat_map(|p| {
            let words: Vec<String> = p
                .title
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.len() > 4)
                .map(str::to_lowercase)
                .collect();
            let pairs: Vec<String> = words.windows(2).map(|w| w.join(" ")).collect();
            words.into_iter().chain(pairs)
        })
        .collect();
    let mut toml = String::from(
        "[newsletter]\ntitle = \"Bench\"\nfrom = \"d@example.org\"\nmax_papers = 10\n",
    );
    for topic in 0..TOPICS {
        let keyword = |rng: &mut Rng| {
            let phrase = &phrases[rng.below(phrases.len())];
            let first = phrase.split(' ').next().unwrap_or(phrase);
            if rng.below(5) == 0 {
                format!("\"{}*\"", &first[..first.len().min(6)])
            } else {
                format!("\"{phrase}\"")
            }
        };
        let keywords: Vec<String> = (0..4).map(|_| keyword(&mut rng)).collect();
        let exclude = keyword(&mut rng);
        writeln!(
            toml,
            "[topics.t{topic}]\nkeywords = [{}]\nexclude = [{exclude}]",
            keywords.join(", ")
        )
        .unwrap();
    }
    for subscriber in 0..SUBSCRIBERS {
        let topics: Vec<String> =
            (0..TOPICS_PER_SUBSCRIBER).map(|_| format!("\"t{}\"", rng.below(TOPICS))).collect();
        let own = &phrases[rng.below(phrases.len())];
        writeln!(
            toml,
            "[[subscribers]]\nemail = \"s{subscriber}@example.org\"\ntopics = [{}]\nkeywords = [\"{own}\"]",
            topics.join(", ")
        )
        .unwrap();
    }
    let config = Config::parse(&toml, Path::new("bench.toml")).expect("the generated config loads");
    drop(toml);
    let loading_peak = peak_rss_kib();
    // Linux: writing 5 to clear_refs resets the peak to what is resident now, so the next
    // reading is the peak of picking alone (with the loaded config and papers resident).
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();

    let started = Instant::now();
    let picker = Picker::new(&config, &papers, date);
    let indexed = started.elapsed();
    let none = SentPapers::new();
    let mut picked = 0usize;
    for subscriber in &config.subscribers {
        picked += picker.digest(subscriber, &none).picks.len();
    }
    let elapsed = started.elapsed();

    println!(
        "{SUBSCRIBERS} subscribers x {TOPICS_PER_SUBSCRIBER} topics ({TOPICS} distinct, {} distinct keywords) over {PAPERS} papers",
        config.lexicon.len()
    );
    println!("  index and topics: {:.1} ms", indexed.as_secs_f64() * 1e3);
    println!("  picking, total:   {:.1} ms ({picked} picks)", elapsed.as_secs_f64() * 1e3);
    let mb = |kib: u64| kib as f64 / 1024.0;
    println!("  peak memory while loading the generated config: {:.0} MB", mb(loading_peak));
    if reset {
        println!(
            "  peak memory while picking (config and papers resident): {:.0} MB",
            mb(peak_rss_kib())
        );
    }
}

/// The process's peak resident memory, from Linux's /proc.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
