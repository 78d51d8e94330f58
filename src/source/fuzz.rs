//! Fuzzing every parser: arbitrary bytes and mutated real samples, through the same path a
//! downloaded listing takes (decode, detect, parse, clean, merge). No input may panic, hang
//! or grow memory beyond its own size.
//!
//! cargo-fuzz needs a nightly toolchain, which this project's machines do not have, so this
//! is proptest: a few dozen cases per property in every `cargo test`, and many more in CI's
//! bounded fuzz step (`PROPTEST_CASES`, see `.ci/run`).

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use proptest::prelude::*;

use super::{Source, SourceFormat, clean, decode, merge, parse};

/// Any single parse slower than this is a hang: real listings parse in milliseconds.
const DEADLINE: Duration = Duration::from_secs(5);

const FORMATS: [Option<SourceFormat>; 5] = [
    None,
    Some(SourceFormat::HfText),
    Some(SourceFormat::HfJson),
    Some(SourceFormat::ArxivAtom),
    Some(SourceFormat::ArxivRss),
];

/// Small real samples (the large feed cut to its first 24 KiB, which also exercises the
/// truncated-feed path).
fn samples() -> Vec<Vec<u8>> {
    let real = |name: &str| super::real_sample(name).into_bytes();
    let mut feed = real("arxiv_rss_atom_cs.AI_2025-08-20.closed.xml");
    feed.truncate(24 * 1024);
    let mut page = include_bytes!("../../examples/hf-daily-papers-aug5.txt").to_vec();
    page.truncate(8 * 1024);
    vec![
        real("hf_daily_papers_2024-10-25_first8.json"),
        real("arxiv_api_search_all-testing_10results_2026-04-12.xml"),
        real("arxiv_api_legacy_format_search_au-del_maestro_2016-10.xml"),
        real("arxiv_api_error_http400_bad_id_2026-04-12.xml"),
        real("arxiv_rss2_physics_empty_holiday_2025-12-31.xml"),
        feed,
        page,
    ]
}

/// Decodes and parses `bytes` in every format, failing on a slow parse; a panic fails the
/// test by itself.
fn parse_every_way(bytes: &[u8]) -> Result<(), TestCaseError> {
    let date = NaiveDate::from_ymd_opt(2025, 8, 20).expect("a valid date");
    let Ok(text) = decode(bytes) else { return Ok(()) };
    let mut lists = Vec::new();
    for format in FORMATS {
        let mut source = Source::file("fuzz", "fuzz.dat");
        source.format = format;
        source.announce = vec![
            crate::paper::AnnounceType::New,
            crate::paper::AnnounceType::Cross,
            crate::paper::AnnounceType::Replace,
            crate::paper::AnnounceType::ReplaceCross,
        ];
        let started = Instant::now();
        if let Ok(listing) = parse(text, &source, date) {
            lists.push(listing.papers);
        }
        prop_assert!(started.elapsed() < DEADLINE, "{format:?} took {:?}", started.elapsed());
    }
    let _ = merge::merge(lists);
    Ok(())
}

/// Byte edits: overwrite, insert, delete, or cut the rest.
fn mutate(mut bytes: Vec<u8>, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    for &(at, byte, kind) in edits {
        if bytes.is_empty() {
            bytes.push(byte);
            continue;
        }
        let at = at % bytes.len();
        match kind % 4 {
            0 => bytes[at] = byte,
            1 => bytes.insert(at, byte),
            2 => {
                bytes.remove(at);
            }
            _ => bytes.truncate(at),
        }
    }
    bytes
}

/// Bytes that XML, JSON and LaTeX parsers find interesting, to splice into samples.
const TOKENS: &[&[u8]] = &[
    b"<",
    b">",
    b"</entry>",
    b"<entry>",
    b"&",
    b"&amp;",
    b"&#",
    b"&#x110000;",
    b"]]>",
    b"<![CDATA[",
    b"\"",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\\",
    b"\\v{",
    b"$",
    b"^{",
    b"_{",
    b"\\frac{",
    b"\xc3",
    b"\xff",
    b"null",
    b"1e999",
    b"-1",
    b"Announce Type:",
    b"arXiv:",
    b"\r\n",
    b"\n\n",
    b"<!DOCTYPE x [",
];

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        parse_every_way(&bytes)?;
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,512}") {
        parse_every_way(text.as_bytes())?;
        let _ = clean::plain(&text);
        let _ = clean::html(&text);
    }

    #[test]
    fn mutated_real_samples_never_panic(
        sample in 0usize..7,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 0..12),
        splices in proptest::collection::vec((any::<usize>(), 0usize..TOKENS.len()), 0..6),
    ) {
        let samples = samples();
        let mut bytes = mutate(samples[sample % samples.len()].clone(), &edits);
        for (at, token) in splices {
            let at = if bytes.is_empty() { 0 } else { at % bytes.len() };
            bytes.splice(at..at, TOKENS[token].iter().copied());
        }
        parse_every_way(&bytes)?;
    }

    #[test]
    fn latex_like_text_never_panics(text in "([a-zA-Z0-9 ]|\\\\[a-zA-Z'`^\"~=.]{0,6}|[{}$^_~]|\\{[a-z\\\\]{0,4}\\}){0,64}") {
        let started = Instant::now();
        let _ = clean::plain(&text);
        prop_assert!(started.elapsed() < DEADLINE);
    }
}

#[test]
fn every_real_sample_parses_in_every_format_without_panic() {
    for sample in samples() {
        parse_every_way(&sample).unwrap();
    }
}

#[test]
fn a_huge_nesting_or_a_long_line_is_refused_or_read_quickly() {
    let deep = "<feed>".repeat(100_000);
    parse_every_way(deep.as_bytes()).unwrap();
    let long =
        format!("[{}]", "{\"paper\":{\"id\":\"2508.00001\",\"title\":\"x\"}},".repeat(2000) + "1");
    parse_every_way(long.as_bytes()).unwrap();
    let nested_json = "[".repeat(100_000);
    parse_every_way(nested_json.as_bytes()).unwrap();
    let latex = "\\frac{".repeat(50_000);
    parse_every_way(latex.as_bytes()).unwrap();
}
