//! The TL;DR line of a paper whose source wrote no summary: one sentence of its own
//! abstract, picked by a fixed rule, offline, so the same abstract always gives the same line.
//!
//! The rule: the first sentence that states the contribution (`we propose`, `this paper
//! introduces`, `we present`, ...); else the sentence whose words recur most in the abstract
//! (term weight: how often each content word occurs in the whole abstract, averaged over the
//! sentence), the earliest on a tie. It never rewrites the sentence.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::text::sentences::sentences;

/// A sentence this short says too little to stand for the paper.
const MIN_WORDS: usize = 6;

/// Where in `abstract_text` the sentence that says what the paper does stands; `None` for
/// an abstract of no sentence worth the name.
pub(crate) fn excerpt(abstract_text: &str) -> Option<Range<usize>> {
    static CONTRIBUTION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)\b(?:we|this (?:paper|work|study|article|letter|thesis|report))(?:\s+[a-z]+,?){0,3}?\s+(?:propos|introduc|present|develop|design|buil[dt]|construct|describe|creat|offer|release|contribut)[a-z]*\b",
        )
        .expect("the contribution pattern is a valid regex")
    });
    let found: Vec<Range<usize>> = sentences(abstract_text)
        .into_iter()
        .filter(|range| abstract_text[range.clone()].split_whitespace().count() >= MIN_WORDS)
        .collect();
    if let Some(stated) =
        found.iter().find(|range| CONTRIBUTION.is_match(&abstract_text[(*range).clone()]))
    {
        return Some(stated.clone());
    }
    let weights = term_weights(abstract_text);
    let score = |sentence: &str| {
        let words = content_words(sentence);
        let total: usize = words.iter().map(|word| weights.get(word).copied().unwrap_or(0)).sum();
        if words.is_empty() { 0.0 } else { total as f64 / words.len() as f64 }
    };
    let mut best: Option<(Range<usize>, f64)> = None;
    for range in found {
        let this = score(&abstract_text[range.clone()]);
        if best.as_ref().is_none_or(|(_, top)| this > *top) {
            best = Some((range, this));
        }
    }
    best.map(|(range, _)| range)
}

/// How often each content word occurs in `text`.
fn term_weights(text: &str) -> HashMap<String, usize> {
    let mut weights = HashMap::new();
    for word in content_words(text) {
        *weights.entry(word).or_insert(0) += 1;
    }
    weights
}

/// Lowercase words of four letters or more that are not function words.
fn content_words(text: &str) -> Vec<String> {
    const STOP: [&str; 24] = [
        "that", "this", "with", "from", "which", "these", "those", "their", "there", "have",
        "been", "were", "also", "such", "than", "into", "both", "more", "most", "over", "while",
        "when", "they", "them",
    ];
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| word.chars().count() >= 4)
        .map(str::to_lowercase)
        .filter(|word| !STOP.contains(&word.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::paper::Paper;

    fn excerpt(text: &str) -> Option<&str> {
        super::excerpt(text).map(|range| &text[range])
    }
    use crate::source::{self, Source};

    fn real(name: &str, date: (i32, u32, u32)) -> Vec<Paper> {
        let path = format!("{}/tests/fixtures/real/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        let date = NaiveDate::from_ymd_opt(date.0, date.1, date.2).unwrap();
        source::parse(&text, &Source::file("real", name), date).unwrap().papers
    }

    fn hub() -> Vec<Paper> {
        real("hf_daily_papers_2024-10-25_first8.json", (2024, 10, 25))
    }

    fn excerpt_of<'p>(papers: &'p [Paper], arxiv_id: &str) -> &'p str {
        let paper = papers.iter().find(|p| p.arxiv_id.as_deref() == Some(arxiv_id)).unwrap();
        excerpt(&paper.abstract_text).unwrap()
    }

    #[test]
    fn the_sentence_that_states_the_contribution_is_taken() {
        let papers = hub();
        assert!(
            excerpt_of(&papers, "2410.17243")
                .starts_with("To address this, we propose a tile-based computation strategy")
        );
        assert!(excerpt_of(&papers, "2410.18978").starts_with("We propose Framer"));
        assert!(excerpt_of(&papers, "2410.18533").starts_with("In this paper, we introduce LOGO"));
    }

    #[test]
    fn a_contribution_in_the_past_tense_counts_and_earlier_framing_is_skipped() {
        let papers = hub();
        assert_eq!(
            excerpt_of(&papers, "2410.16251"),
            "We proposed HalluEditBench to holistically benchmark knowledge editing methods in \
             correcting real-world hallucinations."
        );
        // "In this work, we attribute ..." states no contribution; the next sentence does.
        assert_eq!(
            excerpt_of(&papers, "2410.18745"),
            "To address this challenge, we introduce ShifTed Rotray position embeddING (STRING)."
        );
    }

    #[test]
    fn every_real_abstract_gives_a_whole_sentence_of_itself() {
        for (name, date) in [
            ("hf_daily_papers_2024-10-25_first8.json", (2024, 10, 25)),
            ("arxiv_rss_atom_cs.AI_2025-08-20.closed.xml", (2025, 8, 20)),
            ("arxiv_api_search_all-testing_10results_2026-04-12.xml", (2026, 4, 12)),
            ("arxiv_api_legacy_format_search_au-del_maestro_2016-10.xml", (2016, 10, 9)),
        ] {
            for paper in real(name, date) {
                let line = excerpt(&paper.abstract_text).unwrap();
                assert!(paper.abstract_text.contains(line), "{name}: {line}");
                assert!(line.split_whitespace().count() >= MIN_WORDS, "{name}: {line}");
                assert_eq!(excerpt(&paper.abstract_text), Some(line), "the same every time");
            }
        }
    }

    #[test]
    fn no_real_abstract_is_split_after_an_abbreviation_a_decimal_or_a_version() {
        let mut seen = 0;
        for (name, date) in [
            ("hf_daily_papers_2024-10-25_first8.json", (2024, 10, 25)),
            ("arxiv_rss_atom_cs.AI_2025-08-20.closed.xml", (2025, 8, 20)),
            ("arxiv_api_search_all-testing_10results_2026-04-12.xml", (2026, 4, 12)),
        ] {
            for paper in real(name, date) {
                let text = &paper.abstract_text;
                let found = sentences(text);
                for pair in found.windows(2) {
                    let (before, after) = (&text[pair[0].clone()], &text[pair[1].clone()]);
                    for abbreviation in ["e.g.", "i.e.", "et al.", "Fig.", "Eq.", "vs."] {
                        assert!(!before.ends_with(abbreviation), "{name}: {before} | {after}");
                    }
                    let first = after.chars().next().unwrap();
                    assert!(!first.is_lowercase() && !first.is_ascii_digit(), "{name}: {after}");
                }
                seen += usize::from(["e.g.", "i.e.", "et al."].iter().any(|a| text.contains(a)));
            }
        }
        assert!(seen >= 10, "the fixtures hold abbreviations to split around: {seen}");
    }

    #[test]
    fn without_a_stated_contribution_the_weightiest_sentence_is_taken() {
        let text = "Helium films wet graphene well. The films of helium on graphene are thin \
                    films. It was cold in the laboratory all week.";
        assert_eq!(excerpt(text), Some("The films of helium on graphene are thin films."));
    }
}
