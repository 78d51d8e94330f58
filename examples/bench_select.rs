//! Picks papers for 100,000 subscribers with 5 topics each over 2,000 papers, on one core,
//! and reports the time and the process's peak memory.
//!
//! `cargo run --release --example bench_select` (the README's Performance section has the
//! figures). The day is made from the bundled sample's own sentences and words, shuffled by
//! a fixed seed, so every run measures the same work.

mod common;

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use chrono::NaiveDate;
use common::{Rng, status_kib};
use paperboy::bench::{Config, Paper, PaperId, Picker, SentPapers};

const PAPERS: usize = 2_000;
const SUBSCRIBERS: usize = 100_000;
const TOPICS: usize = 300;
const TOPICS_PER_SUBSCRIBER: usize = 5;

fn main() {
    let date = NaiveDate::from_ymd_opt(2025, 8, 5).expect("a valid date");
    let sample = common::sample(date);
    let mut rng = Rng(0x5eed);

    let dense = std::env::args().nth(1).as_deref() == Some("dense");
    let (papers, phrases) =
        if dense { dense_day(&sample, date, &mut rng) } else { zipf_day(&sample, date, &mut rng) };
    let hit_share = share_of_papers_hit(&papers, &phrases);

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
    let loading = Instant::now();
    let config = Config::parse(&toml, Path::new("bench.toml")).expect("the generated config loads");
    let loaded_in = loading.elapsed();
    drop(toml);
    let loaded_kib = status_kib("VmRSS:");

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
        "{SUBSCRIBERS} subscribers x {TOPICS_PER_SUBSCRIBER} topics ({TOPICS} distinct, {} distinct keywords) over {PAPERS} papers, {} day",
        config.lexicon.len(),
        if dense { "dense" } else { "Zipf" }
    );
    println!("  a single-word keyword occurs in {hit_share}");
    println!("  loading the config (not timed below): {:.1} ms", loaded_in.as_secs_f64() * 1e3);
    println!("  index and topics: {:.1} ms", indexed.as_secs_f64() * 1e3);
    println!("  picking, total:   {:.1} ms ({picked} picks)", elapsed.as_secs_f64() * 1e3);
    let mb = |kib: u64| kib as f64 / 1024.0;
    println!(
        "  peak memory of the whole run, generating and loading the config included: {:.0} MB ({:.0} MB resident once the config was loaded)",
        mb(peak_rss_kib()),
        mb(loaded_kib)
    );
}

/// The process's peak resident memory, from Linux's /proc.
fn peak_rss_kib() -> u64 {
    status_kib("VmHWM:")
}

/// The bundled sample's sentences and title words shuffled into 2,000 papers, and keywords
/// from its titles: every common keyword occurs in hundreds of papers, a stress test far
/// denser than a real day.
fn dense_day(sample: &[Paper], date: NaiveDate, rng: &mut Rng) -> (Vec<Paper>, Vec<String>) {
    let sentences: Vec<&str> =
        sample.iter().flat_map(|p| p.abstract_text.split(". ")).filter(|s| s.len() > 20).collect();
    let title_words: Vec<&str> =
        sample.iter().flat_map(|p| p.title.split_whitespace()).filter(|w| w.len() > 3).collect();
    let papers = (0..PAPERS)
        .map(|i| {
            let title: Vec<&str> =
                (0..8).map(|_| title_words[rng.below(title_words.len())]).collect();
            let body: Vec<&str> = (0..9).map(|_| sentences[rng.below(sentences.len())]).collect();
            paper(format!("{} {i}", title.join(" ")), body.join(". "), date, rng)
        })
        .collect();
    let phrases = sample
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
    (papers, phrases)
}

/// Papers whose words follow Zipf's law over a 20,000-word vocabulary (the sample's words
/// first, then made-up ones), as real text does, and keywords of middle rank and two-word
/// phrases from the titles: most keywords occur in a few percent of the day.
fn zipf_day(sample: &[Paper], date: NaiveDate, rng: &mut Rng) -> (Vec<Paper>, Vec<String>) {
    let mut vocabulary: Vec<String> = Vec::new();
    for paper in sample {
        for word in
            paper.abstract_text.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 2)
        {
            let word = word.to_lowercase();
            if !vocabulary.contains(&word) {
                vocabulary.push(word);
            }
        }
    }
    while vocabulary.len() < 20_000 {
        vocabulary.push(format!("term{}", vocabulary.len()));
    }
    // Cumulative weights of 1/rank, for drawing words by rank.
    let mut cumulative = Vec::with_capacity(vocabulary.len());
    let mut total = 0.0;
    for rank in 1..=vocabulary.len() {
        total += 1.0 / rank as f64;
        cumulative.push(total);
    }
    let draw = |rng: &mut Rng| {
        let target = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
        vocabulary[cumulative.partition_point(|&c| c < target).min(vocabulary.len() - 1)].as_str()
    };
    let mut titles = Vec::new();
    let papers = (0..PAPERS)
        .map(|i| {
            let title: Vec<&str> = (0..9).map(|_| draw(rng)).collect();
            let body: Vec<&str> = (0..170).map(|_| draw(rng)).collect();
            let title = format!("{} {i}", title.join(" "));
            titles.push(title.clone());
            paper(title, body.join(" "), date, rng)
        })
        .collect();
    let mut phrases: Vec<String> =
        (0..600).map(|_| vocabulary[300 + rng.below(6_000)].clone()).collect();
    for _ in 0..300 {
        let words: Vec<&str> = titles[rng.below(titles.len())].split(' ').collect();
        let at = rng.below(words.len() - 2);
        phrases.push(format!("{} {}", words[at], words[at + 1]));
    }
    (papers, phrases)
}

fn paper(title: String, abstract_text: String, date: NaiveDate, rng: &mut Rng) -> Paper {
    let mut paper = Paper::new(PaperId::from_title(&title), title, abstract_text, "bench", date);
    paper.upvotes = Some(rng.below(200) as u64);
    paper
}

/// The median and the 90th percentile of the share of papers a single-word keyword occurs in.
fn share_of_papers_hit(papers: &[Paper], phrases: &[String]) -> String {
    let words: Vec<std::collections::HashSet<String>> = papers
        .iter()
        .map(|p| {
            format!("{} {}", p.title, p.abstract_text)
                .split(|c: char| !c.is_alphanumeric())
                .map(str::to_lowercase)
                .collect()
        })
        .collect();
    let mut shares: Vec<f64> = phrases
        .iter()
        .filter(|p| !p.contains(' '))
        .take(300)
        .map(|word| {
            words.iter().filter(|set| set.contains(word)).count() as f64 / papers.len() as f64
        })
        .collect();
    shares.sort_by(f64::total_cmp);
    let at = |q: f64| {
        shares.get((q * (shares.len().max(1) - 1) as f64) as usize).copied().unwrap_or(0.0) * 100.0
    };
    format!("{:.1}% of the papers (median), {:.1}% (90th percentile)", at(0.5), at(0.9))
}
