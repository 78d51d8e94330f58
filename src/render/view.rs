//! What templates see: plain serializable views built from a `Digest`, never domain types,
//! so a template can be edited without knowing the pipeline's internals.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;

use super::Card;
use super::tldr::excerpt;
use crate::config::{AbstractLength, Newsletter};
use crate::digest::{Digest, Week};
use crate::paper::{LinkKind, Paper, url_spans};
use crate::text::sentences::sentences;
use crate::text::url_component;
use crate::topic::{Highlight, Pick};

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
    /// The papers left out to keep the message under the size limit; `None` when none was.
    pub(crate) more: Option<MoreView>,
    /// The reader's own preferences page, when the newsletter has a `site_url`.
    pub(crate) manage_url: Option<String>,
    /// For a weekly digest, its week; `null` for a daily one.
    pub(crate) week: Option<WeekView>,
}

/// `140 more papers matched today`, for the end of a digest that had to leave papers out.
#[derive(Debug, Serialize)]
pub(crate) struct MoreView {
    pub(crate) count: usize,
    /// `140 more papers matched today`.
    pub(crate) line: String,
    /// The listing's page, where the left-out papers are.
    pub(crate) url: String,
}

impl MoreView {
    /// `weekly`: the digest ranks a week's listings, so what was left out matched this week.
    pub(crate) fn new(more: &super::More, weekly: bool) -> MoreView {
        let papers = crate::text::plural::count(more.count, "more paper");
        let when = if weekly { "this week" } else { "today" };
        MoreView {
            count: more.count,
            line: format!("{papers} matched {when}"),
            url: more.url.clone(),
        }
    }
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
    /// What the title links to: the arXiv abstract page, else the Hub's page, else the
    /// source's own, else a Hub search for the exact title.
    pub(crate) url: String,
    /// One sentence on what the paper does: the source's summary, else one of the abstract's.
    pub(crate) tldr: Option<&'a str>,
    /// Whether `tldr` is a sentence of the abstract rather than the source's summary.
    pub(crate) tldr_excerpt: bool,
    /// The abstract as shown: about three sentences (all of it with `abstract = "full"`), cut
    /// further when the message would be too large.
    #[serde(rename = "abstract")]
    pub(crate) abstract_text: Cow<'a, str>,
    /// Whether `abstract` is less than the whole; templates then link to `url` ("more").
    pub(crate) trimmed: bool,
    /// Code, project, PDF and the paper's other pages, less the one the title links to.
    pub(crate) links: Vec<LinkView<'a>>,
    /// The words that matched, as the paper writes them, in order of first appearance.
    pub(crate) matched: Vec<String>,
    /// The subscriber's keywords (patterns such as `distill*`) that picked this paper.
    pub(crate) matched_keywords: Vec<&'a str>,
    /// Why it was picked, beyond its keywords, in a short line: "By an author you follow:
    /// Juntao Li"; `None` when its keywords say it all.
    pub(crate) reason: Option<String>,
    /// The title in pieces, the matched words marked.
    pub(crate) title_parts: Vec<Segment<'a>>,
    /// `abstract` in pieces: the matched words marked, URLs with an `href`.
    pub(crate) abstract_parts: Vec<Segment<'a>>,
    pub(crate) source: &'a str,
    /// Every source that listed it.
    pub(crate) sources: &'a [String],
    pub(crate) authors: &'a [String],
    /// `Ana Lee, Bo Li, Cy Wu, …, Zoe Xu`: all of up to four, else the first three and the
    /// last; empty without authors.
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
    /// The reader's vote links, when `newsletter.feedback_url` is set.
    pub(crate) feedback: Option<FeedbackView>,
}

/// A paper's "more like this" and "fewer like this" links.
#[derive(Debug, Serialize)]
pub(crate) struct FeedbackView {
    /// "More like this".
    pub(crate) more: String,
    /// "Fewer like this".
    pub(crate) fewer: String,
}

/// The reason line of a picked paper.
pub(crate) fn reason(pick: &Pick<'_>) -> Option<String> {
    if !pick.followed.is_empty() {
        return Some(format!("By an author you follow: {}", pick.followed.join(", ")));
    }
    pick.reason.as_ref().map(|like| format!("Why: {like}"))
}

/// A piece of text: marked when a keyword matched it, a link when it is a URL (never both).
#[derive(Debug, Serialize, PartialEq, Eq)]
pub(crate) struct Segment<'a> {
    pub(crate) text: &'a str,
    pub(crate) mark: bool,
    pub(crate) href: Option<String>,
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
            None if digest.week.is_some() => "No paper matched your topics this week.".to_owned(),
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
            more: None,
            manage_url: None,
            week: digest.week.map(WeekView::new),
        }
    }
}

/// A weekly digest's week, as the templates see it.
#[derive(Debug, Serialize)]
pub(crate) struct WeekView {
    /// `2025-08-04`: the Monday of the week, as in "week of 2025-08-04".
    pub(crate) monday: String,
    /// The listing dates it ranks, `2025-07-29`, oldest first.
    pub(crate) days: Vec<String>,
    /// `Tue 29 Jul, Wed 30 Jul and Mon 4 Aug`: the same, for a sentence.
    pub(crate) covers: String,
}

impl WeekView {
    fn new(week: &Week) -> WeekView {
        let short: Vec<String> =
            week.covers.iter().map(|day| day.format("%a %-d %b").to_string()).collect();
        let covers = match short.split_last() {
            None => "no recorded listing".to_owned(),
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        };
        WeekView {
            monday: week.monday.format("%Y-%m-%d").to_string(),
            days: week.covers.iter().map(|day| day.format("%Y-%m-%d").to_string()).collect(),
            covers,
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

/// The paper's own page: arXiv's abstract page, else the Hub's, else what the source
/// links, else a Hub search for the exact title (a pasted page with no id).
fn title_url(paper: &Paper) -> String {
    let arxiv = paper.arxiv_id.as_ref().map(|id| {
        paper
            .link(LinkKind::Abstract)
            .map_or_else(|| format!("https://arxiv.org/abs/{id}"), str::to_owned)
    });
    arxiv
        .or_else(|| {
            [LinkKind::HuggingFace, LinkKind::Abstract, LinkKind::Doi]
                .into_iter()
                .find_map(|kind| paper.link(kind))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| {
            format!("https://huggingface.co/papers?q={}", url_component(&paper.title))
        })
}

/// How many sentences a short abstract keeps.
const SHORT_SENTENCES: usize = 3;

/// The part of the abstract a short one shows: its first [`SHORT_SENTENCES`] sentences, but
/// never the TL;DR `excerpt` again. An excerpt among them ends the short abstract before it,
/// or, when it is the first sentence, the short abstract starts after it; either way the
/// text shown is one run of the abstract.
fn short_abstract(whole: &str, excerpt: Option<Range<usize>>) -> Range<usize> {
    let all = sentences(whole);
    let Some(last) = all.get(SHORT_SENTENCES.min(all.len()).wrapping_sub(1)) else {
        return 0..whole.trim_end().len();
    };
    let mut shown = 0..last.end;
    if let Some(excerpt) = excerpt.filter(|excerpt| excerpt.start < shown.end) {
        let at = all.iter().position(|s| s.start == excerpt.start).unwrap_or(0);
        shown = match (at, all.get(at + 1)) {
            (0, Some(next)) => {
                let end = all.get(at + SHORT_SENTENCES).unwrap_or(&all[all.len() - 1]).end;
                next.start..end
            }
            (0, None) => 0..0,
            _ => 0..all[at - 1].end,
        };
    }
    shown
}

/// The small links under the byline: the PDF first, then code and project pages, then the
/// paper's other pages; not the page the title links to.
fn small_links<'p>(paper: &'p Paper, title_url: &str) -> Vec<LinkView<'p>> {
    let rank = |kind: LinkKind| match kind {
        LinkKind::Pdf => 0,
        LinkKind::Code | LinkKind::Project => 1,
        _ => 2,
    };
    let mut links: Vec<&crate::paper::Link> =
        paper.links.iter().filter(|link| link.url != title_url).collect();
    links.sort_by_key(|link| rank(link.kind));
    links
        .into_iter()
        .map(|link| LinkView { kind: link.kind, label: link.kind.label(), url: &link.url })
        .collect()
}

/// Authors for a line under the title: all of up to four, else the first three, `…` and
/// the last (the senior author, by the custom of most fields).
fn byline(authors: &[String]) -> String {
    match authors {
        [first @ .., last] if authors.len() > 4 => {
            format!("{}, {ELLIPSIS}, {last}", first[..3].join(", "))
        }
        _ => authors.join(", "),
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

/// Where a paper's TL;DR excerpt and short abstract stand in its abstract: the same for every
/// reader, and finding them means splitting the abstract into sentences, so a run finds them
/// once a paper.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AbstractShape {
    /// The sentence shown as the TL;DR, when the source gives no summary.
    excerpt: Option<Range<usize>>,
    /// What a short abstract shows.
    short: Range<usize>,
}

impl AbstractShape {
    pub(crate) fn of(paper: &Paper) -> AbstractShape {
        let whole = paper.abstract_text.as_str();
        let excerpt = match paper.summary {
            Some(_) => None,
            None => excerpt(whole),
        };
        AbstractShape { short: short_abstract(whole, excerpt.clone()), excerpt }
    }
}

impl<'a> PaperView<'a> {
    pub(crate) fn new(
        pick: &Pick<'a>,
        shape: &AbstractShape,
        length: AbstractLength,
        abstract_chars: Option<usize>,
        marks: Highlight,
    ) -> PaperView<'a> {
        let paper = pick.paper;
        let whole = paper.abstract_text.as_str();
        let excerpt = shape.excerpt.clone();
        let shown_range = match length {
            AbstractLength::Short => shape.short.clone(),
            AbstractLength::Full => 0..whole.len(),
        };
        let short = &whole[shown_range.clone()];
        let abstract_text = match abstract_chars {
            Some(limit) => trim_at_sentence(short, limit),
            None => Cow::Borrowed(short),
        };
        // Only a cut inside a sentence adds an ellipsis (and owns its text); an abstract that
        // ends in "…" of its own is shown whole.
        let cut_mid_sentence = matches!(abstract_text, Cow::Owned(_));
        let shown = match &abstract_text {
            Cow::Owned(text) => text.len() - ELLIPSIS.len(),
            Cow::Borrowed(text) => text.len(),
        };
        let start = shown_range.start;
        let words = marks.words;
        let abstract_marks: Vec<Range<usize>> = marks
            .abstract_text
            .iter()
            .filter(|mark| mark.start >= start)
            .map(|mark| mark.start - start..mark.end - start)
            .collect();
        let mut abstract_parts = segments(&short[..shown], &abstract_marks, true);
        if cut_mid_sentence {
            abstract_parts.push(Segment { text: ELLIPSIS, mark: false, href: None });
        }
        let (tldr, tldr_excerpt) = match (&paper.summary, excerpt) {
            (Some(summary), _) => (Some(summary.as_str()), false),
            (None, excerpt) => (excerpt.map(|range| &whole[range]), true),
        };
        let url = title_url(paper);
        PaperView {
            id: paper.id.as_str(),
            title: &paper.title,
            title_parts: segments(&paper.title, &marks.title, false),
            tldr,
            tldr_excerpt,
            // A one-sentence abstract is all in the TL;DR: nothing more to read.
            trimmed: shown > 0 && (start > 0 || start + shown < whole.trim_end().len()),
            abstract_text,
            abstract_parts,
            links: small_links(paper, &url),
            url,
            matched: words,
            matched_keywords: pick.matched.iter().map(|k| k.as_str()).collect(),
            reason: reason(pick),
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
            feedback: None,
        }
    }
}

const ELLIPSIS: &str = "…";

/// `text` cut into marked and unmarked pieces, and with `links` its URLs into linked ones;
/// marks past its end are clipped. Marks never touch a URL (see `highlight_one`), so the
/// two kinds of piece never overlap; a mark that did would be dropped, not nested.
fn segments<'t>(text: &'t str, marks: &[Range<usize>], links: bool) -> Vec<Segment<'t>> {
    let mut pieces: Vec<(Range<usize>, Option<String>)> = Vec::new();
    if links {
        pieces.extend(
            url_spans(text).into_iter().filter_map(|url| Some((url.range, Some(url.href?)))),
        );
    }
    for mark in marks {
        let (start, end) = (mark.start.min(text.len()), mark.end.min(text.len()));
        if start < end && !pieces.iter().any(|(at, _)| start < at.end && at.start < end) {
            pieces.push((start..end, None));
        }
    }
    pieces.sort_by_key(|(range, _)| range.start);
    let mut parts = Vec::new();
    let mut at = 0;
    for (range, href) in pieces {
        if at < range.start {
            parts.push(Segment { text: &text[at..range.start], mark: false, href: None });
        }
        parts.push(Segment { text: &text[range.clone()], mark: href.is_none(), href });
        at = range.end;
    }
    if at < text.len() {
        parts.push(Segment { text: &text[at..], mark: false, href: None });
    }
    parts
}

/// `Daily Papers Digest — 2025-08-05 — 7 papers for you`; a weekly digest's says
/// `week of 2025-08-04` instead of the date.
pub(crate) fn subject(title: &str, digest: &Digest<'_>) -> String {
    let count = match digest.picks.len() {
        0 => "no new papers for you".to_owned(),
        1 => "1 paper for you".to_owned(),
        n => format!("{n} papers for you"),
    };
    match digest.week {
        Some(week) => format!("{title} — week of {} — {count}", week.monday.format("%Y-%m-%d")),
        None => format!("{title} — {} — {count}", digest.date.format("%Y-%m-%d")),
    }
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
        let pick = Pick {
            paper: &paper,
            score: 1.0,
            matched: Vec::new(),
            followed: Vec::new(),
            reason: None,
        };
        let shape = AbstractShape::of(pick.paper);
        let view =
            PaperView::new(&pick, &shape, AbstractLength::Full, Some(1000), Highlight::default());
        assert!(!view.trimmed);
        assert_eq!(view.abstract_parts, [Segment { text: "It goes on…", mark: false, href: None }]);
    }

    #[test]
    fn a_short_abstract_is_three_sentences_without_the_tldr_excerpt() {
        let text = "One a. Two b. Three c. Four d. Five e.";
        let shown = |excerpt: Option<Range<usize>>| &text[short_abstract(text, excerpt)];
        assert_eq!(shown(None), "One a. Two b. Three c.");
        assert_eq!(shown(Some(0..6)), "Two b. Three c. Four d.", "starts after a first excerpt");
        assert_eq!(shown(Some(14..22)), "One a. Two b.", "ends before a later one");
        assert_eq!(shown(Some(23..30)), "One a. Two b. Three c.", "one past them changes nothing");
        assert_eq!(&"Only one."[short_abstract("Only one.", Some(0..9))], "");
    }

    #[test]
    fn a_first_sentence_longer_than_the_cap_is_cut_at_a_word() {
        assert_eq!(trim_at_sentence("alpha beta, gamma delta", 13), "alpha beta…");
        assert_eq!(trim_at_sentence("ééééé ééééé", 12), "ééééé…");
        assert_eq!(trim_at_sentence("éééééééééé", 7), "ééé…");
    }
}
