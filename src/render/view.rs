//! What templates see: plain serializable views built from a `Digest`, never domain types,
//! so a template can be edited without knowing the pipeline's internals.

use serde::Serialize;

use crate::config::Newsletter;
use crate::digest::Digest;
use crate::paper::{LinkKind, Paper};

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
    pub(crate) papers: Vec<PaperView<'a>>,
    pub(crate) unsubscribe_url: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct SubscriberView<'a> {
    pub(crate) email: String,
    pub(crate) name: Option<&'a str>,
    pub(crate) topics: &'a [String],
    /// Every keyword the subscriber follows, topics' and own.
    pub(crate) keywords: Vec<&'a str>,
    /// `the topics distillation, mamba and the keywords ViT`: for the footer's "why".
    pub(crate) follows: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct PaperView<'a> {
    pub(crate) id: &'a str,
    pub(crate) title: &'a str,
    #[serde(rename = "abstract")]
    pub(crate) abstract_text: &'a str,
    pub(crate) links: Vec<LinkView<'a>>,
    /// The subscriber's keywords that picked this paper.
    pub(crate) matched: &'a [String],
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

#[derive(Debug, Serialize)]
pub(crate) struct LinkView<'a> {
    /// `code` or `project`.
    pub(crate) kind: LinkKind,
    /// `Code` or `Project page`, for a label.
    pub(crate) label: &'static str,
    pub(crate) url: &'a str,
}

impl<'a> DigestView<'a> {
    pub(crate) fn new(
        digest: &'a Digest<'a>,
        newsletter: &'a Newsletter,
        unsubscribe_url: Option<String>,
    ) -> DigestView<'a> {
        let subscriber = digest.subscriber;
        let email = subscriber.email.to_string();
        let count = digest.picks.len();
        let papers: Vec<PaperView<'a>> = digest
            .picks
            .iter()
            .map(|pick| PaperView {
                id: pick.paper.id.as_str(),
                title: &pick.paper.title,
                abstract_text: &pick.paper.abstract_text,
                links: pick
                    .paper
                    .links
                    .iter()
                    .map(|link| LinkView {
                        kind: link.kind,
                        label: link.kind.label(),
                        url: &link.url,
                    })
                    .collect(),
                matched: &pick.matched,
                source: &pick.paper.source,
                sources: &pick.paper.sources,
                authors: &pick.paper.authors,
                byline: byline(&pick.paper.authors),
                arxiv_id: pick.paper.arxiv_id.as_deref(),
                categories: &pick.paper.categories,
                published: pick.paper.published.map(|date| date.format("%Y-%m-%d").to_string()),
                upvotes: pick.paper.upvotes,
                comment_count: pick.paper.comment_count,
                arxiv_comment: pick.paper.arxiv_comment.as_deref(),
                journal_ref: pick.paper.journal_ref.as_deref(),
                details: details(pick.paper),
            })
            .collect();
        let preheader = match papers.first() {
            Some(first) if count > 1 => format!("{} and {} more", first.title, count - 1),
            Some(first) => first.title.to_owned(),
            None => "No paper matched your topics today.".to_owned(),
        };
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
                topics: &subscriber.topics,
                keywords: subscriber.interest.keywords().iter().map(|k| k.as_str()).collect(),
                follows: follows(&subscriber.topics, &subscriber.keywords),
            },
            papers,
            unsubscribe_url,
        }
    }
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

fn follows(topics: &[String], own: &[crate::topic::Keyword]) -> String {
    let list = |kind: &str, items: Vec<&str>| match items.len() {
        0 => None,
        1 => Some(format!("the {kind} {}", items[0])),
        _ => Some(format!("the {kind}s {}", items.join(", "))),
    };
    let parts: Vec<String> = [
        list("topic", topics.iter().map(String::as_str).collect()),
        list("keyword", own.iter().map(|k| k.as_str()).collect()),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() { "no topics yet".to_owned() } else { parts.join(" and ") }
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
