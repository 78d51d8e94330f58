//! The `arxiv-rss` format: arXiv's daily listing of a category, in either flavour.
//!
//! RSS 2.0 (`rss.arxiv.org/rss/CAT`) has `item`s with `guid`, `description`, `category`,
//! `pubDate`; the Atom flavour (`rss.arxiv.org/atom/CAT`) has `entry`s with `id`, `summary`,
//! `category term`, `published`. Both carry `arxiv:announce_type` and the authors as one
//! comma-joined `dc:creator`, sometimes with LaTeX accents. The description starts
//! `arXiv:ID Announce Type: TYPE Abstract:`, which is stripped. Only the announce types the
//! source asks for are kept (`new` by default). An empty listing (a weekend or holiday, named
//! in `skipDays` or not) is a normal day without papers; a feed cut off mid-entry keeps its
//! complete entries and warns.

use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use regex::Regex;

use super::xml::{self, Element, Ns};
use super::{Draft, Input, Listing, SourceError};
use crate::paper::{AnnounceType, Link, LinkFinder, LinkKind, arxiv_id};

static PREAMBLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s)^\s*arXiv:\s*(\S+)\s+Announce Type:\s*(\S+)\s*(?:Abstract:\s*)?")
        .expect("the description preamble pattern is a valid regex")
});

pub(super) fn parse(input: &Input<'_>) -> Result<Listing, SourceError> {
    let document = xml::parse(input)?;
    let root = &document.root;
    let (items, channel_date, skip_days, what): (
        Vec<&Element>,
        Option<NaiveDate>,
        Vec<String>,
        &str,
    ) = match (root.ns, root.name.as_str()) {
        (Ns::Atom, "feed") => (
            root.children(Ns::Atom, "entry").collect(),
            root.text_of(Ns::Atom, "updated").and_then(xml::local_date),
            Vec::new(),
            "entry",
        ),
        (_, "rss") => {
            let Some(channel) = root.child(Ns::Rss, "channel") else {
                return Err(input.error_at(root.offset, "an RSS feed without a `channel`"));
            };
            let date = channel
                .text_of(Ns::Rss, "pubDate")
                .or_else(|| channel.text_of(Ns::Rss, "lastBuildDate"))
                .and_then(xml::local_date);
            let skip = channel
                .child(Ns::Rss, "skipDays")
                .map(|days| {
                    days.children(Ns::Rss, "day").map(|d| d.text.trim().to_owned()).collect()
                })
                .unwrap_or_default();
            (channel.children(Ns::Rss, "item").collect(), date, skip, "item")
        }
        // RSS 1.0, which arXiv served before 2024: items beside the channel.
        (_, "RDF") => (root.children(Ns::Rss, "item").collect(), None, Vec::new(), "item"),
        (_, other) => {
            return Err(input
                .error_at(root.offset, format!("expected an RSS or Atom feed, found `{other}`")));
        }
    };

    let finder = LinkFinder::new();
    let mut warnings = Vec::new();
    let complete: Vec<&Element> = items.iter().copied().filter(|item| item.complete).collect();
    if let Some(cut_at) = document.cut_at {
        if complete.is_empty() && !items.is_empty() {
            return Err(input.error_at(
                items[0].offset,
                format!("the feed is cut off inside its first {what}"),
            ));
        }
        warnings.push(xml::truncation_warning(input, &items, cut_at, what));
    }
    let mut papers = Vec::new();
    let mut listed_on = None;
    for item in complete {
        let Some(draft) = draft(item) else {
            warnings.push(
                input.warning_at(item.offset, format!("an {what} without a title; left out")),
            );
            continue;
        };
        if let Some(date) = draft.date {
            listed_on = Some(listed_on.map_or(date, |seen: NaiveDate| seen.max(date)));
        }
        let wanted =
            input.source.announce.contains(&draft.announce_type.unwrap_or(AnnounceType::New));
        if wanted {
            papers.push(draft.finish(&input.source.name, input.date, &finder));
        }
    }
    let listed_on = listed_on.or(channel_date);
    let empty_note = (items.is_empty()).then(|| {
        let day = listed_on.unwrap_or(input.date);
        let weekday = weekday_name(day);
        if skip_days.iter().any(|skip| skip.eq_ignore_ascii_case(weekday)) {
            format!("arXiv announces nothing on {weekday}s")
        } else {
            format!("arXiv announced nothing on {day} (a holiday?)")
        }
    });
    Ok(Listing { papers, warnings, listed_on, empty_note })
}

fn draft(item: &Element) -> Option<Draft> {
    let atom = item.ns == Ns::Atom;
    let title = item.text_of(if atom { Ns::Atom } else { Ns::Rss }, "title")?;
    let (description, html) = if atom {
        let summary = item.child(Ns::Atom, "summary");
        let kind = summary.and_then(|s| s.attr("type")).unwrap_or("text");
        let text = match kind {
            "xhtml" => summary.map(Element::deep_text).unwrap_or_default(),
            _ => summary.map(|s| s.text.clone()).unwrap_or_default(),
        };
        (text, kind == "html")
    } else {
        (item.text_of(Ns::Rss, "description").unwrap_or_default().to_owned(), true)
    };
    let preamble = PREAMBLE.captures(&description);
    let (abstract_text, said_id, said_type) = match &preamble {
        Some(found) => (
            description[found.get(0).map_or(0, |m| m.end())..].to_owned(),
            arxiv_id(&found[1]),
            AnnounceType::parse(&found[2]),
        ),
        None => (description.clone(), None, None),
    };
    let id_text = if atom { item.text_of(Ns::Atom, "id") } else { item.text_of(Ns::Rss, "guid") };
    let link = if atom {
        item.children(Ns::Atom, "link")
            .find(|l| l.attr("rel").unwrap_or("alternate") == "alternate")
            .and_then(|l| l.attr("href"))
    } else {
        item.text_of(Ns::Rss, "link").map(str::trim)
    };
    let id = id_text.and_then(arxiv_id).or(said_id).or_else(|| link.and_then(arxiv_id));
    let announce_type =
        item.text_of(Ns::Arxiv, "announce_type").and_then(AnnounceType::parse).or(said_type);
    let mut authors: Vec<String> =
        item.children(Ns::Dc, "creator").flat_map(|c| split_authors(&c.text)).collect();
    if authors.is_empty() && atom {
        authors = item
            .children(Ns::Atom, "author")
            .filter_map(|a| a.text_of(Ns::Atom, "name"))
            .map(str::to_owned)
            .collect();
    }
    let categories = if atom {
        item.children(Ns::Atom, "category")
            .filter_map(|c| c.attr("term"))
            .map(str::to_owned)
            .collect()
    } else {
        item.children(Ns::Rss, "category").map(|c| c.text.trim().to_owned()).collect()
    };
    let mut links = Vec::new();
    let doi = item.text_of(Ns::Arxiv, "DOI").or_else(|| item.text_of(Ns::Arxiv, "doi"));
    if let Some(doi) = doi {
        links.push(Link::new(LinkKind::Doi, format!("https://doi.org/{}", doi.trim())));
    }
    if let (None, Some(link)) = (&id, link) {
        links.push(Link::new(LinkKind::Abstract, link));
    }
    let date =
        if atom { item.text_of(Ns::Atom, "published") } else { item.text_of(Ns::Rss, "pubDate") };
    Some(Draft {
        title: title.to_owned(),
        abstract_text,
        html,
        authors,
        arxiv_id: id,
        links,
        categories,
        arxiv_comment: item.text_of(Ns::Arxiv, "comment").map(str::to_owned),
        journal_ref: item
            .text_of(Ns::Arxiv, "journal_reference")
            .or_else(|| item.text_of(Ns::Arxiv, "journal_ref"))
            .map(str::to_owned),
        announce_type,
        date: date.and_then(xml::local_date),
        ..Draft::default()
    })
}

/// `A, B and C` or `A, B, C` as three names.
fn split_authors(text: &str) -> Vec<String> {
    text.split(',')
        .flat_map(|part| part.split(" and "))
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .collect()
}

fn weekday_name(date: NaiveDate) -> &'static str {
    match date.weekday() {
        chrono::Weekday::Mon => "Monday",
        chrono::Weekday::Tue => "Tuesday",
        chrono::Weekday::Wed => "Wednesday",
        chrono::Weekday::Thu => "Thursday",
        chrono::Weekday::Fri => "Friday",
        chrono::Weekday::Sat => "Saturday",
        chrono::Weekday::Sun => "Sunday",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::real_sample as real;

    fn parse_with(text: &str, announce: &[AnnounceType]) -> Result<Listing, SourceError> {
        let announce = |source: &mut crate::source::Source| source.announce = announce.to_vec();
        crate::source::parse_test(text, "feed.xml", (2025, 8, 20), announce, parse)
    }

    const NEW: &[AnnounceType] = &[AnnounceType::New];
    const NEW_CROSS: &[AnnounceType] = &[AnnounceType::New, AnnounceType::Cross];

    #[test]
    fn the_closed_cs_ai_feed_has_41_new_and_45_cross_listed_papers() {
        let text = real("arxiv_rss_atom_cs.AI_2025-08-20.closed.xml");
        let new = parse_with(&text, NEW).unwrap();
        assert_eq!(new.papers.len(), 41);
        assert!(new.warnings.is_empty(), "{:?}", new.warnings);
        let both = parse_with(&text, NEW_CROSS).unwrap();
        assert_eq!(both.papers.len(), 86);
        let cross =
            both.papers.iter().filter(|p| p.announce_type == Some(AnnounceType::Cross)).count();
        assert_eq!(cross, 45);
        assert_eq!(both.listed_on, NaiveDate::from_ymd_opt(2025, 8, 20));
        for paper in &both.papers {
            assert!(!paper.authors.is_empty(), "{}", paper.title);
            assert!(paper.link(LinkKind::Abstract).is_some(), "{}", paper.title);
            assert!(paper.link(LinkKind::Pdf).is_some(), "{}", paper.title);
            assert!(!paper.abstract_text.starts_with("arXiv:"), "{}", paper.abstract_text);
            assert_eq!(paper.date, NaiveDate::from_ymd_opt(2025, 8, 20).unwrap());
        }
        let first = &new.papers[0];
        assert_eq!(first.id.as_str(), "arxiv:2508.13167");
        assert!(first.abstract_text.starts_with("Recent advances in large language models"));
        assert_eq!(first.authors.len(), 30);
        assert_eq!(first.categories, ["cs.AI", "cs.CL"]);
    }

    #[test]
    fn latex_accents_in_the_creator_line_become_letters() {
        let listing =
            parse_with(&real("arxiv_rss_atom_cs.AI_2025-08-20.closed.xml"), NEW_CROSS).unwrap();
        let authors: Vec<&str> =
            listing.papers.iter().flat_map(|p| p.authors.iter().map(String::as_str)).collect();
        assert!(authors.contains(&"Nikola Pižurica"), "{authors:?}");
        assert!(authors.contains(&"Jörg Hoffmann"));
        assert!(authors.contains(&"Anders Søgaard"));
        assert!(
            authors.iter().all(|name| !name.contains('\\') && !name.contains('{')),
            "{authors:?}"
        );
    }

    #[test]
    fn the_truncated_feed_keeps_its_complete_entries_and_warns() {
        let listing = parse_with(&real("arxiv_rss_atom_cs.AI_2025-08-20.xml"), NEW_CROSS).unwrap();
        assert_eq!(listing.papers.len(), 86);
        assert_eq!(listing.warnings.len(), 1);
        let warning = listing.warnings[0].to_string();
        assert!(warning.starts_with("feed.xml:"), "{warning}");
        assert!(
            warning.ends_with("feed.xml:1229: the feed ends inside this entry (a truncated download?); kept the 86 complete entries before it"),
            "{warning}"
        );
    }

    #[test]
    fn the_empty_holiday_feed_is_a_day_without_papers() {
        let listing =
            parse_with(&real("arxiv_rss2_physics_empty_holiday_2025-12-31.xml"), NEW).unwrap();
        assert!(listing.papers.is_empty());
        assert!(listing.warnings.is_empty());
        assert_eq!(listing.listed_on, NaiveDate::from_ymd_opt(2025, 12, 31));
        assert_eq!(
            listing.empty_note.as_deref(),
            Some("arXiv announced nothing on 2025-12-31 (a holiday?)")
        );
    }

    #[test]
    fn a_weekend_named_in_skip_days_says_so() {
        let text = real("arxiv_rss2_physics_empty_holiday_2025-12-31.xml")
            .replace("Wed, 31 Dec 2025 00:00:00 -0500", "Sat, 03 Jan 2026 00:00:00 -0500");
        let listing = parse_with(&text, NEW).unwrap();
        assert_eq!(listing.empty_note.as_deref(), Some("arXiv announces nothing on Saturdays"));
    }

    #[test]
    fn rss2_items_read_like_atom_entries() {
        let text = r#"<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0">
  <channel>
    <title>cs.AI updates on arXiv.org</title>
    <pubDate>Wed, 20 Aug 2025 00:00:00 -0400</pubDate>
    <item>
      <title>A Title</title>
      <link>https://arxiv.org/abs/2508.13167</link>
      <description>arXiv:2508.13167v1 Announce Type: replace-cross 
Abstract: Some &lt;b&gt;bold&lt;/b&gt; claim at $1.13\times$ speed.</description>
      <guid isPermaLink="false">oai:arXiv.org:2508.13167v1</guid>
      <category>cs.AI</category>
      <category>cs.CL</category>
      <pubDate>Wed, 20 Aug 2025 00:00:00 -0400</pubDate>
      <arxiv:announce_type>replace-cross</arxiv:announce_type>
      <dc:creator>Nikola Pi\v{z}urica, Ana Lee and Bo Li</dc:creator>
    </item>
  </channel>
</rss>"#;
        assert!(parse_with(text, NEW).unwrap().papers.is_empty(), "replace-cross is not asked for");
        let listing = parse_with(text, &[AnnounceType::ReplaceCross]).unwrap();
        let paper = &listing.papers[0];
        assert_eq!(paper.id.as_str(), "arxiv:2508.13167");
        assert_eq!(paper.abstract_text, "Some bold claim at 1.13× speed.");
        assert_eq!(paper.authors, ["Nikola Pižurica", "Ana Lee", "Bo Li"]);
        assert_eq!(paper.categories, ["cs.AI", "cs.CL"]);
        assert_eq!(paper.date, NaiveDate::from_ymd_opt(2025, 8, 20).unwrap());
        assert_eq!(paper.announce_type, Some(AnnounceType::ReplaceCross));
    }

    #[test]
    fn an_html_page_is_not_a_feed() {
        let err = parse_with("<html><body>Service unavailable</body></html>", NEW).unwrap_err();
        assert!(err.message.contains("expected an RSS or Atom feed, found `html`"), "{err}");
    }
}
