//! Merging: one record per paper, whichever sources listed it.
//!
//! Part of stage 1, after every source is parsed. Two records are the same paper when they
//! share an arXiv id, or, when either lacks one, when their normalised titles match (a copied
//! page has no ids). The merged record keeps the richest of each field and names every source.

use std::collections::HashMap;

use crate::paper::{Original, Paper, PaperId, normalise_title, push_link};

/// The papers of every source, first source first, each paper once.
pub(crate) fn merge(lists: Vec<Vec<Paper>>) -> Vec<Paper> {
    let mut merged: Vec<Paper> = Vec::new();
    let mut by_arxiv: HashMap<String, usize> = HashMap::new();
    let mut by_title: HashMap<String, usize> = HashMap::new();
    for paper in lists.into_iter().flatten() {
        let title = normalise_title(&paper.title);
        let found = match &paper.arxiv_id {
            Some(id) => by_arxiv.get(id).copied().or_else(|| {
                // Only a record without an id of its own may be the same paper by title.
                by_title.get(&title).copied().filter(|&at| merged[at].arxiv_id.is_none())
            }),
            None => by_title.get(&title).copied(),
        };
        let at = match found {
            Some(at) => {
                absorb(&mut merged[at], paper);
                at
            }
            None => {
                merged.push(paper);
                merged.len() - 1
            }
        };
        if let Some(id) = &merged[at].arxiv_id {
            by_arxiv.insert(id.clone(), at);
        }
        by_title.entry(title).or_insert(at);
        by_title.entry(normalise_title(&merged[at].title)).or_insert(at);
    }
    merged
}

/// Folds `other` into `kept`: the first source's title and listing date stay; every other
/// field takes whichever record has more.
fn absorb(kept: &mut Paper, other: Paper) {
    for source in &other.sources {
        if !kept.sources.contains(source) {
            kept.sources.push(source.clone());
        }
    }
    if kept.arxiv_id.is_none() {
        if let Some(id) = &other.arxiv_id {
            kept.id = PaperId::from_arxiv(id);
        }
        kept.arxiv_id = other.arxiv_id;
    }
    if other.abstract_text.chars().count() > kept.abstract_text.chars().count() {
        // The original travels with the text it is the original of.
        let title = kept.original.as_ref().map_or_else(|| kept.title.clone(), |o| o.title.clone());
        let abstract_text =
            other.original.map_or_else(|| other.abstract_text.clone(), |o| o.abstract_text);
        kept.abstract_text = other.abstract_text;
        kept.original = (title != kept.title || abstract_text != kept.abstract_text)
            .then_some(Original { title, abstract_text });
    }
    if other.authors.len() > kept.authors.len() {
        kept.authors = other.authors;
    }
    for link in other.links {
        push_link(&mut kept.links, link);
    }
    for category in other.categories {
        if !kept.categories.contains(&category) {
            kept.categories.push(category);
        }
    }
    kept.upvotes = kept.upvotes.max(other.upvotes);
    for keyword in &other.keywords {
        if !kept.keywords.contains(keyword) {
            kept.keywords.push(keyword.clone());
        }
    }
    kept.comment_count = kept.comment_count.max(other.comment_count);
    kept.published = kept.published.or(other.published);
    kept.arxiv_comment = kept.arxiv_comment.take().or(other.arxiv_comment);
    kept.journal_ref = kept.journal_ref.take().or(other.journal_ref);
    kept.announce_type = kept.announce_type.or(other.announce_type);
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::paper::{Link, LinkKind};

    fn paper(source: &str, title: &str, arxiv: Option<&str>) -> Paper {
        let id = arxiv.map_or_else(|| PaperId::from_title(title), PaperId::from_arxiv);
        let date = NaiveDate::from_ymd_opt(2025, 8, 5).unwrap();
        let mut paper =
            Paper::new(id, title.to_owned(), format!("{source} abstract"), source, date);
        paper.arxiv_id = arxiv.map(str::to_owned);
        paper
    }

    #[test]
    fn the_same_arxiv_id_from_two_sources_is_one_record_naming_both() {
        let mut hub = paper("hf", "Mamba Everywhere", Some("2508.00001"));
        hub.upvotes = Some(12);
        hub.links.push(Link::new(LinkKind::Code, "https://github.com/a/b"));
        let mut feed = paper("arxiv", "Mamba everywhere", Some("2508.00001"));
        feed.authors = vec!["A. Author".into(), "B. Author".into()];
        feed.categories = vec!["cs.LG".into()];
        feed.abstract_text = "a longer abstract from the feed".into();
        let merged =
            merge(vec![vec![hub], vec![feed, paper("arxiv", "Other", Some("2508.00002"))]]);
        assert_eq!(merged.len(), 2);
        let one = &merged[0];
        assert_eq!(one.sources, ["hf", "arxiv"]);
        assert_eq!(one.source, "hf");
        assert_eq!(one.title, "Mamba Everywhere", "the first source's title");
        assert_eq!(one.abstract_text, "a longer abstract from the feed");
        assert_eq!(one.upvotes, Some(12));
        assert_eq!(one.authors.len(), 2);
        assert_eq!(one.categories, ["cs.LG"]);
        assert_eq!(one.link(LinkKind::Code), Some("https://github.com/a/b"));
    }

    #[test]
    fn a_paper_without_an_id_merges_by_title_and_takes_the_arxiv_id() {
        let page = paper("page", "ACAM-KD: Adaptive and Cooperative Attention Masking", None);
        let feed = paper(
            "arxiv",
            "ACAM-KD -- adaptive and cooperative attention masking",
            Some("2503.06307"),
        );
        let merged = merge(vec![vec![page], vec![feed]]);
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].id.as_str(), "arxiv:2503.06307");
        assert_eq!(merged[0].sources, ["page", "arxiv"]);
    }

    #[test]
    fn two_different_arxiv_ids_with_one_title_stay_two_papers() {
        let merged = merge(vec![
            vec![paper("a", "Introduction", Some("2508.00001"))],
            vec![paper("b", "Introduction", Some("2508.00002"))],
        ]);
        assert_eq!(merged.len(), 2);
    }

    #[test]
    fn a_paper_listed_twice_by_one_source_is_kept_once() {
        let merged = merge(vec![vec![paper("a", "Same", None), paper("a", "Same", None)]]);
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].sources, ["a"]);
    }
}
