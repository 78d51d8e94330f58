//! What templates see: plain serializable views built from a `Digest`, never domain types,
//! so a template can be edited without knowing the pipeline's internals.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;

use crate::config::Newsletter;
use crate::digest::Digest;
use crate::paper::{LinkKind, Paper};
use crate::text::url_component;
use crate::topic::{Highlight, Pick};

use super::Card;

/// The whole digest, as `digest.html` and `digest.txt` see it.
#[derive(Debug, Serialize)]
pub(crate) struct DigestView<'a> {
    /// `newsletter.title`.
    pub(crate) title: &'a str,
    pub(crate) subject: String,
    /// `2025-08-05`.
    pub(crate) date: String,
    /// `Tuesday, 5 August 2025`.
    pub(crate) date_long: String,
    pub(crate) count: usize,
    /// The first line an inbox shows after the subject.
    pub(crate) preheader: String,
    pub(crate) subscriber: SubscriberView<'a>,
    pub(crate) papers: Vec<CardView<'a>>,
    pub(crate) unsubscribe_url: Option<String>,
}

/// A paper as `digest.html` and `digest.txt` see it: rendered already, by `paper.html` and
/// `paper.txt`, which see all of it.
#[derive(Debug, Serialize)]
pub(crate) struct CardView<'a> {
    pub(crate) id: &'a str,
    pub(crate) title: &'a str,
    /// Where the full text can be read.
    pub(crate) url: &'a str,
    /// The card of `paper.html`.
    pub(crate) html: &'a str,
    /// The card of `paper.txt`.
    pub(crate) text: &'a str,
}

#[derive(Debug, Serialize)]
pub(crate) struct SubscriberView<'a> {
    pub(crate) email: String,
    pub(crate) name: Option<&'a str>,
    pub(crate) topics: Vec<&'a str>,
    /// Every keyword the subscriber follows, topics' and own.
    pub(crate) keywords: Vec<&'a str>,
    /// `the topics distillation, mamba and the keywords ViT`: for the footer's "why".
    pub(crate) follows: String,
}

/// A paper as `paper.html` and `paper.txt` see it.
#[derive(Debug, Serialize)]
pub(crate) struct PaperView<'a> {
    pub(crate) id: &'a str,
    pub(crate) title: &'a str,
    /// The abstract, cut at a sentence when the message would be too large.
    #[serde(rename = "abstract")]
    pub(crate) abstract_text: Cow<'a, str>,
    /// Whether `abstract` was cut; templates then link to `url`.
    pub(crate) trimmed: bool,
    /// Where the full text can be read.
    pub(crate) url: String,
    pub(crate) links: Vec<LinkView<'a>>,
    /// The subscriber's keywords that picked this paper, best first.
    pub(crate) matched: Vec<&'a str>,
    /// Why it was picked beyond keywords: "like your 'Title' (0.41): a, b, c".
    pub(crate) reason: Option<String>,
    /// The title in pieces, the matched words marked.
    pub(crate) title_parts: Vec<Segment<'a>>,
    /// `abstract` in pieces, the matched words marked.
    pub(crate) abstract_parts: Vec<Segment<'a>>,
    pub(crate) source: &'a str,
    /// Every source that listed it.
    pub(crate) sources: &'a [String],
    pub(crate) authors: &'a [String],
    /// `Ana Lee, Bo Li and Cy Wu`, or the first six and `et al.`; empty without authors.
    pub(crate) byline: String,
    pub(crate) arxiv_id: Option<&'a str>,
    pub(crate) categories: &'a [String],
    /// `2024-10-22`: the day it was submitted to arXiv.
    pub(crate) published: Option<String>,
    pub(crate) upvotes: Option<u64>,
    pub(crate) comment_count: Option<u64>,
    pub(crate) arxiv_comment: Option<&'a str>,
    pub(crate) journal_ref: Option<&'a str>,
    /// `arXiv:2410.17243 · cs.CL, cs.AI · submitted 2024-10-22 · 64 upvotes · 3 comments`:
    /// whichever of these the paper has; empty when none.
    pub(crate) details: String,
}

/// A piece of text, marked when a keyword matched it.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub(crate) struct Segment<'a> {
    pub(crate) text: &'a str,
    pub(crate) mark: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct LinkView<'a> {
    /// `code` or `project`.
    pub(crate) kind: LinkKind,
    /// `Code` or `Project page`, for a label.
    pub(crate) label: &'static str,
    pub(crate) url: &'a str,
}

impl<'a> DigestView<'a> {
    /// `cards` holds each pick's rendered card, in order.
    pub(crate) fn new(
        digest: &'a Digest<'a>,
        newsletter: &'a Newsletter,
        unsubscribe_url: Option<String>,
        cards: &'a [Arc<Card>],
    ) -> DigestView<'a> {
        let subscriber = digest.subscriber;
        let email = subscriber.email.to_string();
        let count = digest.picks.len();
        let papers: Vec<CardView<'a>> = digest
            .picks
            .iter()
            .zip(cards)
            .map(|(pick, card)| CardView {
                id: pick.paper.id.as_str(),
                title: &pick.paper.title,
                url: &card.url,
                html: &card.html,
                text: &card.text,
            })
            .collect();
        let preheader = match papers.first() {
            Some(first) if count > 1 => format!("{} and {} more", first.title, count - 1),
            Some(first) => first.title.to_owned(),
            None => "No paper matched your topics today.".to_owned(),
        };
        let topics = digest.config.topic_names(subscriber);
        let follows =
            follows(&topics, &digest.config.keyword_texts(&subscriber.interest.own.keywords));
        DigestView {
            title: &newsletter.title,
            subject: subject(&newsletter.title, digest),
            date: digest.date.format("%Y-%m-%d").to_string(),
            date_long: digest.date.format("%A, %-d %B %Y").to_string(),
            count,
            preheader,
            subscriber: SubscriberView {
                email: email.clone(),
                name: subscriber.name.as_deref(),
                topics,
                keywords: digest.keywords().iter().map(|k| k.as_str()).collect(),
                follows,
            },
            papers,
            unsubscribe_url,
        }
    }
}

/// The longest run of whole sentences within `limit` bytes, or, when even the first sentence
/// is longer, its words up to `limit` and an ellipsis.
pub(crate) fn trim_at_sentence(text: &str, limit: usize) -> Cow<'_, str> {
    if text.len() <= limit {
        return Cow::Borrowed(text);
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[..end];
    let sentence_end = head
        .match_indices(". ")
        .chain(head.match_indices("? "))
        .chain(head.match_indices("! "))
        .map(|(at, _)| at + 1)
        .max();
    match sentence_end {
        Some(end) => Cow::Borrowed(&text[..end]),
        None => {
            let cut = head.rfind(char::is_whitespace).unwrap_or(head.len());
            Cow::Owned(format!("{}{ELLIPSIS}", head[..cut].trim_end_matches([',', ';', ':'])))
        }
    }
}

/// A page with the paper's full abstract: its own page where the source gave one, else a
/// title search on arXiv.
fn full_text_url(paper: &Paper) -> String {
    [LinkKind::Abstract, LinkKind::HuggingFace, LinkKind::Doi]
        .into_iter()
        .find_map(|kind| paper.link(kind))
        .map_or_else(
            || {
                format!(
                    "https://arxiv.org/search/?searchtype=title&query={}",
                    url_component(&paper.title)
                )
            },
            str::to_owned,
        )
}

/// Authors for a line under the title: all of up to six, else the first six and `et al.`.
fn byline(authors: &[String]) -> String {
    match authors {
        [] => String::new(),
        [one] => one.clone(),
        [first @ .., last] if authors.len() <= 6 => format!("{} and {last}", first.join(", ")),
        _ => format!("{} et al.", authors[..6].join(", ")),
    }
}

/// What a reader may want to know besides the title and abstract, in one line.
fn details(paper: &Paper) -> String {
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    [
        paper.arxiv_id.as_ref().map(|id| format!("arXiv:{id}")),
        (!paper.categories.is_empty()).then(|| paper.categories.join(", ")),
        paper.published.map(|date| format!("submitted {}", date.format("%Y-%m-%d"))),
        paper.upvotes.map(|n| plural(n, "upvote", "upvotes")),
        paper.comment_count.filter(|n| *n > 0).map(|n| plural(n, "comment", "comments")),
        paper.journal_ref.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ")
}

fn follows(topics: &[&str], own: &[&str]) -> String {
    let list = |kind: &str, items: Vec<&str>| match items.len() {
        0 => None,
        1 => Some(format!("the {kind} {}", items[0])),
        _ => Some(format!("the {kind}s {}", items.join(", "))),
    };
    let parts: Vec<String> = [list("topic", topics.to_vec()), list("keyword", own.to_vec())]
        .into_iter()
        .flatten()
        .collect();
    if parts.is_empty() { "no topics yet".to_owned() } else { parts.join(" and ") }
}

impl<'a> PaperView<'a> {
    pub(crate) fn new(
        pick: &Pick<'a>,
        abstract_chars: Option<usize>,
        marks: Highlight,
    ) -> PaperView<'a> {
        let paper = pick.paper;
        let abstract_text = match abstract_chars {
            Some(limit) => trim_at_sentence(&paper.abstract_text, limit),
            None => Cow::Borrowed(paper.abstract_text.as_str()),
        };
        // Only a cut inside a sentence adds an ellipsis (and owns its text); an abstract that
        // ends in "…" of its own is shown whole.
        let cut_mid_sentence = matches!(abstract_text, Cow::Owned(_));
        let shown = match &abstract_text {
            Cow::Owned(text) => text.len() - ELLIPSIS.len(),
            Cow::Borrowed(text) => text.len(),
        };
        let mut abstract_parts = segments(&paper.abstract_text[..shown], &marks.abstract_text);
        if cut_mid_sentence {
            abstract_parts.push(Segment { text: ELLIPSIS, mark: false });
        }
        PaperView {
            id: paper.id.as_str(),
            title: &paper.title,
            title_parts: segments(&paper.title, &marks.title),
            trimmed: shown < paper.abstract_text.len(),
            abstract_text,
            abstract_parts,
            url: full_text_url(paper),
            links: paper
                .links
                .iter()
                .map(|link| LinkView { kind: link.kind, label: link.kind.label(), url: &link.url })
                .collect(),
            matched: pick.matched.iter().map(|k| k.as_str()).collect(),
            reason: pick.reason.clone(),
            source: &paper.source,
            sources: &paper.sources,
            authors: &paper.authors,
            byline: byline(&paper.authors),
            arxiv_id: paper.arxiv_id.as_deref(),
            categories: &paper.categories,
            published: paper.published.map(|date| date.format("%Y-%m-%d").to_string()),
            upvotes: paper.upvotes,
            comment_count: paper.comment_count,
            arxiv_comment: paper.arxiv_comment.as_deref(),
            journal_ref: paper.journal_ref.as_deref(),
            details: details(paper),
        }
    }
}

const ELLIPSIS: &str = "…";

/// `text` cut into marked and unmarked pieces; marks past its end are clipped.
fn segments<'t>(text: &'t str, marks: &[Range<usize>]) -> Vec<Segment<'t>> {
    let mut parts = Vec::new();
    let mut at = 0;
    for mark in marks {
        let (start, end) = (mark.start.min(text.len()), mark.end.min(text.len()));
        if start >= end {
            continue;
        }
        if at < start {
            parts.push(Segment { text: &text[at..start], mark: false });
        }
        parts.push(Segment { text: &text[start..end], mark: true });
        at = end;
    }
    if at < text.len() {
        parts.push(Segment { text: &text[at..], mark: false });
    }
    parts
}

/// `Daily Papers Digest — 2025-08-05 — 7 papers for you`.
pub(crate) fn subject(title: &str, digest: &Digest<'_>) -> String {
    let count = match digest.picks.len() {
        0 => "no new papers for you".to_owned(),
        1 => "1 paper for you".to_owned(),
        n => format!("{n} papers for you"),
    };
    format!("{title} — {} — {count}", digest.date.format("%Y-%m-%d"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abstracts_are_cut_after_the_last_whole_sentence_that_fits() {
        let text = "One two. Three four five? Six seven eight nine.";
        assert_eq!(trim_at_sentence(text, 100), text);
        assert_eq!(trim_at_sentence(text, 30), "One two. Three four five?");
        assert_eq!(trim_at_sentence(text, 12), "One two.");
    }

    #[test]
    fn an_abstract_that_ends_in_an_ellipsis_of_its_own_is_not_marked_trimmed() {
        let paper = crate::paper::Paper {
            abstract_text: "It goes on…".into(),
            ..crate::paper::Paper::for_test("x")
        };
        let pick = Pick { paper: &paper, score: 1.0, matched: Vec::new(), reason: None };
        let view = PaperView::new(&pick, Some(1000), Highlight::default());
        assert!(!view.trimmed);
        assert_eq!(view.abstract_parts, [Segment { text: "It goes on…", mark: false }]);
    }

    #[test]
    fn a_first_sentence_longer_than_the_cap_is_cut_at_a_word() {
        assert_eq!(trim_at_sentence("alpha beta, gamma delta", 13), "alpha beta…");
        assert_eq!(trim_at_sentence("ééééé ééééé", 12), "ééééé…");
        assert_eq!(trim_at_sentence("éééééééééé", 7), "ééé…");
    }
}
