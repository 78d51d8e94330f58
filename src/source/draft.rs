//! The draft record: one paper as a parser found it, cleaned into a [`Paper`] at the end.

use chrono::NaiveDate;

use super::clean;
use crate::paper::{AnnounceType, Link, LinkFinder, LinkKind, Original, Paper, PaperId, push_link};

/// One paper as a parser found it, before cleaning; `finish` makes it a `Paper`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Draft {
    /// As the source wrote it.
    pub(crate) title: String,
    /// As the source wrote it.
    pub(crate) abstract_text: String,
    /// Whether title and abstract are HTML (an RSS description, an Atom `type="html"`).
    pub(crate) html: bool,
    /// As the source wrote them, one name each.
    pub(crate) authors: Vec<String>,
    pub(crate) arxiv_id: Option<String>,
    /// Links the source states outright (a repository field, a DOI); the arXiv abstract and
    /// PDF links are derived from the arXiv id when missing.
    pub(crate) links: Vec<Link>,
    pub(crate) categories: Vec<String>,
    pub(crate) published: Option<NaiveDate>,
    pub(crate) upvotes: Option<u64>,
    /// Keywords the source attaches, such as the Hub's `ai_keywords`.
    pub(crate) keywords: Vec<String>,
    /// A summary the source writes, such as the Hub's `ai_summary`, as it wrote it.
    pub(crate) summary: Option<String>,
    pub(crate) comment_count: Option<u64>,
    pub(crate) arxiv_comment: Option<String>,
    pub(crate) journal_ref: Option<String>,
    pub(crate) announce_type: Option<AnnounceType>,
    /// The listing date; `None` takes the run date.
    pub(crate) date: Option<NaiveDate>,
}

impl Draft {
    /// Cleans the text, finds the links, and gives the paper its id.
    pub(crate) fn finish(self, source: &str, run_date: NaiveDate, finder: &LinkFinder) -> Paper {
        let clean = if self.html { clean::html } else { clean::plain };
        let title = clean(&self.title);
        let abstract_text = clean(&self.abstract_text);
        let original = (title != self.title || abstract_text != self.abstract_text).then(|| {
            Original { title: self.title.clone(), abstract_text: self.abstract_text.clone() }
        });
        let id = match &self.arxiv_id {
            Some(arxiv_id) => PaperId::from_arxiv(arxiv_id),
            None => PaperId::from_title(&title),
        };
        let arxiv_comment =
            self.arxiv_comment.as_deref().map(clean::plain).filter(|c| !c.is_empty());
        // Stated links first, so a repository field wins over a URL in the abstract.
        let mut links = Vec::new();
        for link in self.links {
            push_link(&mut links, link);
        }
        for text in [Some(abstract_text.as_str()), arxiv_comment.as_deref()].into_iter().flatten() {
            for link in finder.find(text) {
                push_link(&mut links, link);
            }
        }
        if let Some(arxiv_id) = &self.arxiv_id {
            push_link(
                &mut links,
                Link::new(LinkKind::Abstract, format!("https://arxiv.org/abs/{arxiv_id}")),
            );
            push_link(
                &mut links,
                Link::new(LinkKind::Pdf, format!("https://arxiv.org/pdf/{arxiv_id}")),
            );
        }
        let mut categories: Vec<String> = Vec::new();
        for category in self.categories {
            let category = category.trim().to_owned();
            if !category.is_empty() && !categories.contains(&category) {
                categories.push(category);
            }
        }
        let mut paper = Paper::new(id, title, abstract_text, source, self.date.unwrap_or(run_date));
        paper.links = links;
        paper.authors =
            self.authors.iter().map(|name| clean::plain(name)).filter(|n| !n.is_empty()).collect();
        paper.arxiv_id = self.arxiv_id;
        paper.categories = categories;
        paper.published = self.published;
        paper.upvotes = self.upvotes;
        paper.keywords =
            self.keywords.iter().map(|k| clean::plain(k)).filter(|k| !k.is_empty()).collect();
        paper.summary = self.summary.as_deref().map(clean::plain).filter(|s| !s.is_empty());
        paper.comment_count = self.comment_count;
        paper.arxiv_comment = arxiv_comment;
        paper.journal_ref = self.journal_ref.as_deref().map(clean::plain).filter(|j| !j.is_empty());
        paper.announce_type = self.announce_type;
        paper.original = original;
        paper
    }
}
