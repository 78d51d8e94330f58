//! Where a paper's matching words stand, for `<mark>` in the digest and for `explain`.

use std::ops::Range;

use super::keyword::{Keyword, Scope};
use super::tokens::tokenize;
use crate::paper::Paper;

/// Byte ranges to mark in a paper's title and abstract, sorted, not overlapping, and the
/// words that matched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Highlight {
    pub(crate) title: Vec<Range<usize>>,
    pub(crate) abstract_text: Vec<Range<usize>>,
    /// Each word that matched, as the paper writes it, in order of first appearance (title,
    /// abstract, the source's keywords, authors, categories), each once whatever its case.
    pub(crate) words: Vec<String>,
    /// Where each of `words` first stands: (field, byte), to order several keywords' words.
    at: Vec<(usize, usize)>,
}

/// A keyword is marked at most this often per field: enough to find it, not a wall of
/// yellow when an abstract repeats its subject fifteen times.
pub(crate) const MARKS_PER_FIELD: usize = 2;

#[cfg(test)]
/// Where `keywords` occur in the paper's title and abstract.
pub(crate) fn highlights(paper: &Paper, keywords: &[&Keyword]) -> Highlight {
    merged(keywords.iter().map(|keyword| highlight_one(paper, keyword)))
}

/// Where one keyword is marked in the paper's title and abstract, and the words it matched:
/// the piece a cache can keep, since many digests show the same paper for the same keyword.
///
/// Marks go on the first [`MARKS_PER_FIELD`] occurrences outside URLs: a mark inside a URL
/// would break the link that mail clients make of it.
pub(crate) fn highlight_one(paper: &Paper, keyword: &Keyword) -> Highlight {
    let in_title = matches!(keyword.scope, Scope::TitleOrAbstract | Scope::Title);
    let in_abstract = keyword.scope == Scope::TitleOrAbstract;
    let mut found = Highlight::default();
    let mut fields: Vec<&str> = Vec::new();
    // Fields are numbered across scopes (title, abstract, the source's keywords, authors,
    // categories), so words of several keywords sort in the order a reader meets them.
    let base = match keyword.scope {
        Scope::TitleOrAbstract | Scope::Title => 0,
        Scope::Author => 2 + paper.keywords.len(),
        Scope::Category => 2 + paper.keywords.len() + paper.authors.len(),
    };
    match keyword.scope {
        Scope::TitleOrAbstract | Scope::Title => {
            fields.push(&paper.title);
            if in_abstract {
                fields.push(&paper.abstract_text);
                fields.extend(paper.keywords.iter().map(String::as_str));
            }
        }
        Scope::Author => fields.extend(paper.authors.iter().map(String::as_str)),
        Scope::Category => fields.extend(paper.categories.iter().map(String::as_str)),
    }
    for (field, text) in fields.into_iter().enumerate() {
        let all = spans(text, &[keyword]);
        for range in &all {
            found.push_word(&text[range.clone()], (base + field, range.start));
        }
        // The title is field 0 and the abstract field 1 for the keywords that look there.
        if in_title && base + field <= 1 {
            let marks = outside_urls(text, all);
            if field == 0 { found.title = marks } else { found.abstract_text = marks }
        }
    }
    if found.words.is_empty() {
        // Matched where no word of it stands as written (a category's code, say): the
        // keyword itself says why.
        found.push_word(keyword.as_str(), (usize::MAX, 0));
    }
    found
}

/// The first [`MARKS_PER_FIELD`] of `ranges` that touch no URL of `text`.
fn outside_urls(text: &str, ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    let urls = crate::paper::url_spans(text);
    ranges
        .into_iter()
        .filter(|range| {
            !urls.iter().any(|url| range.start < url.range.end && url.range.start < range.end)
        })
        .take(MARKS_PER_FIELD)
        .collect()
}

impl Highlight {
    fn push_word(&mut self, word: &str, at: (usize, usize)) {
        let word = word.split_whitespace().collect::<Vec<_>>().join(" ");
        let lower = word.to_lowercase();
        match self.words.iter().position(|have| have.to_lowercase() == lower) {
            Some(seen) if self.at[seen] <= at => {}
            Some(seen) => {
                self.words[seen] = word;
                self.at[seen] = at;
            }
            None => {
                self.words.push(word);
                self.at.push(at);
            }
        }
    }
}

/// Several keywords' highlights as one, overlapping ranges merged and words in order of
/// first appearance.
pub(crate) fn merged(parts: impl IntoIterator<Item = Highlight>) -> Highlight {
    let mut all = Highlight::default();
    let mut words: Vec<((usize, usize), String)> = Vec::new();
    for part in parts {
        all.title.extend(part.title);
        all.abstract_text.extend(part.abstract_text);
        words.extend(part.at.into_iter().zip(part.words));
    }
    // Stable: two keywords' words at the same place keep the keywords' order.
    words.sort_by_key(|(at, _)| *at);
    let mut merged = Highlight {
        title: merge_ranges(all.title),
        abstract_text: merge_ranges(all.abstract_text),
        ..Highlight::default()
    };
    for (at, word) in words {
        merged.push_word(&word, at);
    }
    merged
}

fn merge_ranges(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

/// The byte ranges where any of `keywords` occurs in `text`, merged.
pub(crate) fn spans(text: &str, keywords: &[&Keyword]) -> Vec<Range<usize>> {
    if keywords.is_empty() {
        return Vec::new();
    }
    let tokens = tokenize(text);
    let ranges: Vec<Range<usize>> = keywords
        .iter()
        .flat_map(|keyword| {
            let n = keyword.terms.len();
            keyword
                .occurrences(&tokens)
                .map(|start| tokens[start].span.start..tokens[start + n - 1].span.end)
                .collect::<Vec<_>>()
        })
        .collect();
    merge_ranges(ranges)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(text: &str, keywords: &[&str]) -> Vec<String> {
        let keywords: Vec<Keyword> = keywords.iter().map(|k| Keyword::parse(k).unwrap()).collect();
        let refs: Vec<&Keyword> = keywords.iter().collect();
        spans(text, &refs).into_iter().map(|r| text[r].to_owned()).collect()
    }

    #[test]
    fn phrases_are_marked_whole_across_their_punctuation() {
        assert_eq!(
            marked("Predicting Click-Through Rates, and click rates.", &["click-through rate"]),
            ["Click-Through Rates"]
        );
    }

    #[test]
    fn overlapping_matches_merge() {
        assert_eq!(
            marked("knowledge distillation works", &["knowledge distillation", "distill*"]),
            ["knowledge distillation"]
        );
    }

    fn paper(title: &str, abstract_text: &str) -> Paper {
        Paper { title: title.into(), abstract_text: abstract_text.into(), ..Paper::for_test("x") }
    }

    fn keywords(texts: &[&str]) -> Vec<Keyword> {
        texts.iter().map(|k| Keyword::parse(k).unwrap()).collect()
    }

    #[test]
    fn a_keyword_is_marked_at_its_first_two_occurrences_per_field() {
        let paper = paper("ViT or ViT or ViT", "ViT. ViT, ViT and ViTs.");
        let vit = keywords(&["ViT"]);
        let found = highlights(&paper, &[&vit[0]]);
        assert_eq!(found.title, [0..3, 7..10]);
        assert_eq!(found.abstract_text, [0..3, 5..8]);
    }

    #[test]
    fn mamba_inside_a_url_is_not_marked() {
        // The known case: `https://github.com/xiaojieli0903/<mark>Mamba</mark>-FSCIL`.
        let text =
            "Code: https://github.com/xiaojieli0903/Mamba-FSCIL. Mamba helps; so does Mamba.";
        let paper = paper("Few-shot learning", text);
        let kw = keywords(&["mamba", "github"]);
        let found = highlights(&paper, &[&kw[0], &kw[1]]);
        let marked: Vec<&str> = found.abstract_text.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(marked, ["Mamba", "Mamba"]);
        assert!(found.abstract_text[0].start > text.find("FSCIL").unwrap());
    }

    #[test]
    fn matched_words_are_the_paper_s_words_once_each_in_order_of_appearance() {
        let paper = paper(
            "Distilling Vision Transformers",
            "Knowledge distillation helps. DISTILLATION and distilling, via distillation.",
        );
        let kw = keywords(&["transformer*", "distill*", "knowledge distillation"]);
        let found = highlights(&paper, &[&kw[0], &kw[1], &kw[2]]);
        assert_eq!(
            found.words,
            ["Distilling", "Transformers", "Knowledge distillation", "distillation"]
        );
    }

    #[test]
    fn an_author_s_matched_name_comes_after_the_title_s_words() {
        let paper = Paper { authors: vec!["Ana Mamba".into()], ..paper("Mamba models", "a") };
        let kw = keywords(&["author:ana", "model*"]);
        assert_eq!(highlights(&paper, &[&kw[0], &kw[1]]).words, ["models", "Ana"]);
    }

    #[test]
    fn a_keyword_matched_only_by_its_scope_shows_as_written() {
        let paper = Paper { categories: vec!["cs.LG".into()], ..paper("t", "a") };
        let kw = keywords(&["category:cs.LG", "author:Nobody"]);
        assert_eq!(highlight_one(&paper, &kw[0]).words, ["cs.LG"]);
        assert_eq!(highlight_one(&paper, &kw[1]).words, ["author:Nobody"]);
    }

    #[test]
    fn scoped_keywords_mark_only_their_field() {
        let paper = Paper {
            title: "Mamba in the title".into(),
            abstract_text: "Mamba in the abstract".into(),
            ..Paper::for_test("x")
        };
        let title_only = Keyword::parse("title:mamba").unwrap();
        let found = highlights(&paper, &[&title_only]);
        assert_eq!(found.title, vec![0..5]);
        assert!(found.abstract_text.is_empty());
    }
}
