//! Sentences of running text, for the digest's short abstracts and TL;DR excerpts.
//!
//! Unicode's sentence boundaries (UAX #29, through `unicode-segmentation`) already keep
//! decimals (`3.5`), versions (`v1.2`), URLs and an abbreviation before a lowercase word
//! (`e.g. the`) in one sentence. What they cannot know is an abbreviation before a capital or
//! a digit (`et al. In`, `Fig. 2`, `e.g. GPT-4`): those boundaries are joined again here.

use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;

/// Abbreviations, lowercase, that do not end a sentence however the next word begins.
const ABBREVIATIONS: [&str; 22] = [
    "e.g.", "i.e.", "al.", "fig.", "figs.", "eq.", "eqs.", "sec.", "secs.", "tab.", "vs.", "cf.",
    "resp.", "approx.", "no.", "nos.", "ref.", "refs.", "dr.", "prof.", "ch.", "vol.",
];

/// The byte ranges of the sentences of `text`, in order, each without the spaces around it.
pub(crate) fn sentences(text: &str) -> Vec<Range<usize>> {
    let mut found: Vec<Range<usize>> = Vec::new();
    let mut join_next = false;
    for (at, piece) in text.split_sentence_bound_indices() {
        let start = at + (piece.len() - piece.trim_start().len());
        let end = at + piece.trim_end().len();
        if start >= end {
            continue;
        }
        match found.last_mut() {
            Some(last) if join_next => last.end = end,
            _ => found.push(start..end),
        }
        join_next = ends_in_abbreviation(&text[start..end]);
    }
    found
}

/// Whether the sentence's last word is an abbreviation or an initial (`J.`), after which a
/// boundary is a false one.
fn ends_in_abbreviation(sentence: &str) -> bool {
    let last = sentence.rsplit(char::is_whitespace).next().unwrap_or(sentence);
    let last = last.trim_start_matches(['(', '[', '"', '\'']);
    let lower = last.to_lowercase();
    if ABBREVIATIONS.contains(&lower.as_str()) {
        return true;
    }
    let mut chars = last.chars();
    matches!((chars.next(), chars.next(), chars.next()), (Some(c), Some('.'), None) if c.is_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        sentences(text).into_iter().map(|range| &text[range]).collect()
    }

    #[test]
    fn abbreviations_decimals_and_versions_do_not_end_a_sentence() {
        let text = "Models, e.g. GPT-4 and Llama 3.1, fail (Smith et al. In press). \
                    As Fig. 2 shows, v1.2 gains 3.5 points over J. Doe's baseline. Done!";
        assert_eq!(
            split(text),
            [
                "Models, e.g. GPT-4 and Llama 3.1, fail (Smith et al. In press).",
                "As Fig. 2 shows, v1.2 gains 3.5 points over J. Doe's baseline.",
                "Done!",
            ]
        );
    }

    #[test]
    fn urls_and_questions_split_where_they_should() {
        let text = "Code is at https://github.com/a/b.c. Does it work? Yes.";
        assert_eq!(split(text), ["Code is at https://github.com/a/b.c.", "Does it work?", "Yes."]);
    }

    #[test]
    fn a_real_abstract_splits_into_its_sentences() {
        // The first sentences of arXiv 2410.17243, as the Hub gives them.
        let text = "Contrastive loss is a powerful approach for representation learning, where \
                    larger batch sizes enhance performance by providing more negative samples to \
                    better distinguish between similar and dissimilar data. However, scaling \
                    batch sizes is constrained by the quadratic growth in GPU memory consumption, \
                    primarily due to the full instantiation of the similarity matrix. To address \
                    this, we propose a tile-based computation strategy.";
        let found = split(text);
        assert_eq!(found.len(), 3);
        assert!(found[2].starts_with("To address this, we propose"));
    }
}
