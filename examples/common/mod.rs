//! What the benchmark examples share: the bundled sample, a fixed random sequence and the
//! process's own figures.

use chrono::NaiveDate;
use paperboy::bench::Paper;
use paperboy::bench::source::{self, Source};

/// The papers of the bundled Daily Papers page of 2025-08-05, listed on `date`.
pub(crate) fn sample(date: NaiveDate) -> Vec<Paper> {
    let text = include_str!("../hf-daily-papers-aug5.txt");
    source::parse(text, &Source::file("hf", "hf-daily-papers-aug5.txt"), date)
        .expect("the bundled sample parses")
        .papers
}

/// xorshift64*: a fixed, dependency-free sequence.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A memory figure of Linux's /proc/self/status, in KiB; 0 elsewhere.
pub(crate) fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
