//! The `arxiv-atom` format: a response of the arXiv API (`export.arxiv.org/api/query`).
//!
//! Each entry carries its id with a version, a title and summary that may be hard-wrapped
//! (the legacy, pre-2025 layout indents and wraps them), authors, published and updated
//! times, abstract, PDF and DOI links, categories with the primary one, and the `arxiv:`
//! comment, DOI and journal reference. Both the current and the legacy layout read alike
//! here. An API error comes back as a feed whose single entry is titled `Error`: that is an
//! error with the API's message. An API answer is a query, not a day's listing, so its papers
//! carry the run date as their listing date and say nothing about staleness.

use super::xml::{self, Element, Ns};
use super::{Draft, Input, Listing, SourceError, SourceWarning};
use crate::paper::{Link, LinkFinder, LinkKind, arxiv_id};

pub(super) fn parse(input: &Input<'_>) -> Result<Listing, SourceError> {
    let document = xml::parse(input)?;
    let feed = &document.root;
    if feed.ns != Ns::Atom || feed.name != "feed" {
        return Err(
            input.error_at(feed.offset, format!("expected an Atom `feed`, found `{}`", feed.name))
        );
    }
    let entries: Vec<&Element> = feed.children(Ns::Atom, "entry").collect();
    if let [only] = entries.as_slice()
        && only.text_of(Ns::Atom, "title").map(str::trim) == Some("Error")
    {
        let message = only
            .text_of(Ns::Atom, "summary")
            .map_or("no message".to_owned(), super::clean::collapse_whitespace);
        return Err(
            input.error_at(only.offset, format!("the arXiv API answered with an error: {message}"))
        );
    }

    let finder = LinkFinder::new();
    let mut papers = Vec::new();
    let mut warnings: Vec<SourceWarning> = Vec::new();
    let complete: Vec<&Element> = entries.iter().copied().filter(|entry| entry.complete).collect();
    if let Some(cut_at) = document.cut_at {
        if complete.is_empty() && !entries.is_empty() {
            return Err(
                input.error_at(entries[0].offset, "the feed is cut off inside its first entry")
            );
        }
        warnings.push(xml::truncation_warning(input, &entries, cut_at, "entry"));
    }
    for entry in complete {
        match draft(entry) {
            Some(draft) => papers.push(draft.finish(&input.source.name, input.date, &finder)),
            None => {
                warnings.push(input.warning_at(entry.offset, "an entry without a title; left out"))
            }
        }
    }
    Ok(Listing { papers, warnings, listed_on: None, empty_note: None })
}

fn draft(entry: &Element) -> Option<Draft> {
    let title = entry.text_of(Ns::Atom, "title")?;
    let id = entry.text_of(Ns::Atom, "id").and_then(arxiv_id);
    let mut links = Vec::new();
    let doi = entry.text_of(Ns::Arxiv, "doi").map(str::trim);
    if let Some(doi) = doi {
        links.push(Link::new(LinkKind::Doi, format!("https://doi.org/{doi}")));
    }
    for link in entry.children(Ns::Atom, "link") {
        let (Some(href), title) = (link.attr("href"), link.attr("title")) else { continue };
        match (link.attr("rel"), title) {
            (_, Some("doi")) => links.push(Link::new(
                LinkKind::Doi,
                href.replace("http://dx.doi.org/", "https://doi.org/"),
            )),
            // Without an arXiv id, the entry's own pages are the only ones there are.
            (_, Some("pdf")) if id.is_none() => links.push(Link::new(LinkKind::Pdf, href)),
            (Some("alternate"), _) if id.is_none() => {
                links.push(Link::new(LinkKind::Abstract, href))
            }
            _ => {}
        }
    }
    let mut categories: Vec<String> = Vec::new();
    if let Some(primary) = entry.child(Ns::Arxiv, "primary_category").and_then(|c| c.attr("term")) {
        categories.push(primary.to_owned());
    }
    categories.extend(
        entry.children(Ns::Atom, "category").filter_map(|c| c.attr("term")).map(str::to_owned),
    );
    let html = entry.child(Ns::Atom, "summary").and_then(|s| s.attr("type")) == Some("html");
    Some(Draft {
        title: title.to_owned(),
        abstract_text: entry.text_of(Ns::Atom, "summary").unwrap_or_default().to_owned(),
        html,
        authors: entry
            .children(Ns::Atom, "author")
            .filter_map(|author| author.text_of(Ns::Atom, "name"))
            .map(str::to_owned)
            .collect(),
        arxiv_id: id,
        links,
        categories,
        published: entry.text_of(Ns::Atom, "published").and_then(xml::local_date),
        arxiv_comment: entry.text_of(Ns::Arxiv, "comment").map(str::to_owned),
        journal_ref: entry.text_of(Ns::Arxiv, "journal_ref").map(str::to_owned),
        ..Draft::default()
    })
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::source::real_sample as real;

    fn parse_str(text: &str) -> Result<Listing, SourceError> {
        crate::source::parse_test(text, "api.xml", (2026, 4, 12), |_| {}, parse)
    }

    #[test]
    fn the_current_layout_gives_ten_papers_with_comments_dois_and_journal_refs() {
        let listing =
            parse_str(&real("arxiv_api_search_all-testing_10results_2026-04-12.xml")).unwrap();
        assert_eq!(listing.papers.len(), 10);
        let first = &listing.papers[0];
        assert_eq!(first.id.as_str(), "arxiv:2202.12139");
        assert_eq!(first.authors, ["Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker"]);
        assert_eq!(first.categories, ["cs.SE", "cs.LG"]);
        assert_eq!(first.published, NaiveDate::from_ymd_opt(2022, 2, 24));
        assert_eq!(first.date, NaiveDate::from_ymd_opt(2026, 4, 12).unwrap(), "the run date");
        assert_eq!(
            first.link(LinkKind::Doi),
            Some("https://doi.org/10.1109/ICSTW55395.2022.00035")
        );
        assert_eq!(first.link(LinkKind::Abstract), Some("https://arxiv.org/abs/2202.12139"));
        assert_eq!(first.link(LinkKind::Pdf), Some("https://arxiv.org/pdf/2202.12139"));
        assert!(
            first
                .arxiv_comment
                .as_deref()
                .unwrap()
                .starts_with("Artificial Intelligence in Software Testing")
        );
        assert!(first.journal_ref.is_some());
        assert_eq!(listing.papers[1].authors[0], "Aurora Ramírez", "mojibake repaired");
        assert!(listing.papers.iter().all(|p| !p.authors.is_empty()));
    }

    #[test]
    fn the_legacy_layout_is_unwrapped_and_keeps_old_style_ids() {
        let listing =
            parse_str(&real("arxiv_api_legacy_format_search_au-del_maestro_2016-10.xml")).unwrap();
        assert_eq!(listing.papers.len(), 10);
        let first = &listing.papers[0];
        assert_eq!(first.id.as_str(), "arxiv:1201.4869");
        assert!(first.abstract_text.starts_with(
            "As helium-4 is cooled below 2.17 K it undergoes a phase transition to a fundamentally"
        ));
        assert!(first.original.is_some(), "the wrapped original is kept");
        assert_eq!(first.categories, ["cond-mat.mes-hall", "cond-mat.other"]);
        assert_eq!(first.link(LinkKind::Doi), Some("https://doi.org/10.1142/S021797921244002X"));
        assert_eq!(first.journal_ref.as_deref(), Some("Int. J. Mod. Phys. B, 26, 1244002 (2012)"));
        assert_eq!(listing.papers[1].arxiv_id.as_deref(), Some("cond-mat/0412498"));
        assert_eq!(listing.papers[1].authors, ["Adrian Del Maestro", "Subir Sachdev"]);
        assert!(
            listing
                .papers
                .iter()
                .all(|p| !p.title.contains('\n') && !p.abstract_text.contains("  "))
        );
    }

    #[test]
    fn an_id_list_with_one_missing_id_gives_the_one_found() {
        let listing =
            parse_str(&real("arxiv_api_idlist_one_found_one_missing_2026-04-12.xml")).unwrap();
        assert_eq!(listing.papers.len(), 1);
        assert_eq!(listing.papers[0].id.as_str(), "arxiv:1707.08567");
        assert!(listing.papers[0].authors.len() > 10);
    }

    #[test]
    fn no_results_is_an_empty_listing() {
        let listing = parse_str(&real("arxiv_api_idlist_no_results_2026-04-12.xml")).unwrap();
        assert!(listing.papers.is_empty());
        assert!(listing.warnings.is_empty());
    }

    #[test]
    fn an_error_feed_is_an_error_with_the_api_message() {
        let err = parse_str(&real("arxiv_api_error_http400_bad_id_2026-04-12.xml")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "api.xml:9:3: the arXiv API answered with an error: incorrect id format for abc"
        );
    }

    #[test]
    fn rss_is_not_an_api_response() {
        let err = parse_str("<rss version=\"2.0\"><channel/></rss>").unwrap_err();
        assert!(err.message.contains("expected an Atom `feed`, found `rss`"), "{err}");
    }
}
