//! Where a paper's matching words stand, for `<mark>` in the digest and for `explain`.

use std::ops::Range;

use super::keyword::{Keyword, Scope};
use super::tokens::tokenize;
use crate::paper::Paper;

/// Byte ranges of matched words in a paper's title and abstract, sorted, not overlapping.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Highlight {
    pub(crate) title: Vec<Range<usize>>,
    pub(crate) abstract_text: Vec<Range<usize>>,
}

#[cfg(test)]
/// Where `keywords` occur in the paper's title and abstract.
pub(crate) fn highlights(paper: &Paper, keywords: &[&Keyword]) -> Highlight {
    merged(keywords.iter().map(|keyword| highlight_one(paper, keyword)))
}

/// Where one keyword occurs in the paper's title and abstract: the piece a cache can keep,
/// since many digests show the same paper for the same keyword.
pub(crate) fn highlight_one(paper: &Paper, keyword: &Keyword) -> Highlight {
    let in_title = matches!(keyword.scope, Scope::TitleOrAbstract | Scope::Title);
    let in_abstract = keyword.scope == Scope::TitleOrAbstract;
    Highlight {
        title: if in_title { spans(&paper.title, &[keyword]) } else { Vec::new() },
        abstract_text: if in_abstract {
            spans(&paper.abstract_text, &[keyword])
        } else {
            Vec::new()
        },
    }
}

/// Several keywords' highlights as one, overlapping ranges merged.
pub(crate) fn merged(parts: impl IntoIterator<Item = Highlight>) -> Highlight {
    let mut all = Highlight::default();
    for part in parts {
        all.title.extend(part.title);
        all.abstract_text.extend(part.abstract_text);
    }
    Highlight { title: merge_ranges(all.title), abstract_text: merge_ranges(all.abstract_text) }
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
