//! The record every source produces and every later stage reads.
//!
//! A `Paper` is plain data: sources fill it, topics match against it, render shows it.
//! Nothing here reads files or talks to the network.

use std::fmt;
use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::text::stable_hash;

/// One paper of a day's listing, as one source gave it or as several were merged into.
///
/// Text fields hold the cleaned text (unwrapped, LaTeX made readable, HTML stripped); what the
/// source said is kept in `original` whenever cleaning changed it. Optional fields stay out of
/// the JSON of `paperboy papers` when a source did not give them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paper {
    /// Stable across runs: the journal and dedupe key on it.
    pub(crate) id: PaperId,
    /// The title as one line of text.
    pub title: String,
    /// The abstract as one paragraph.
    #[serde(rename = "abstract")]
    pub abstract_text: String,
    /// Code repositories and project pages first, then the arXiv, PDF, Hugging Face and DOI
    /// pages, each at most once.
    pub(crate) links: Vec<Link>,
    /// The `name` of the first configured source that listed the paper.
    pub(crate) source: String,
    /// Every source that listed the paper, in config order, when there is more than one.
    #[serde(default, skip_serializing_if = "is_single")]
    pub(crate) sources: Vec<String>,
    /// The day the paper was listed (featured or announced), not the day it was submitted.
    pub(crate) date: NaiveDate,
    /// Author names, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) authors: Vec<String>,
    /// The arXiv identifier without its version, such as `2508.01234` or `cond-mat/0412498`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) arxiv_id: Option<String>,
    /// arXiv categories, the primary one first when the source says which it is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) categories: Vec<String>,
    /// The day the paper was first submitted to arXiv.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) published: Option<NaiveDate>,
    /// Upvotes on the Hugging Face page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upvotes: Option<u64>,
    /// Keywords the source attaches (the Hub's `ai_keywords`); matched as part of the abstract.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) keywords: Vec<String>,
    /// A one-sentence summary the source writes (the Hub's `ai_summary`), cleaned like the
    /// abstract; not matched, only shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) summary: Option<String>,
    /// Comments on the Hugging Face page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) comment_count: Option<u64>,
    /// The authors' arXiv comment, such as `12 pages, accepted at ICML`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) arxiv_comment: Option<String>,
    /// The journal reference, when the paper is published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) journal_ref: Option<String>,
    /// How arXiv's daily listing announced it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) announce_type: Option<AnnounceType>,
    /// The title and abstract as the source gave them, when cleaning changed either.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) original: Option<Original>,
}

/// A paper's title and abstract before cleaning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Original {
    /// The title as the source gave it.
    pub(crate) title: String,
    /// The abstract as the source gave it.
    #[serde(rename = "abstract")]
    pub(crate) abstract_text: String,
}

fn is_single(sources: &[String]) -> bool {
    sources.len() <= 1
}

impl Paper {
    /// A paper with only the fields every source has; sources fill in the rest.
    pub fn new(
        id: PaperId,
        title: String,
        abstract_text: String,
        source: &str,
        date: NaiveDate,
    ) -> Paper {
        Paper {
            id,
            title,
            abstract_text,
            links: Vec::new(),
            source: source.to_owned(),
            sources: vec![source.to_owned()],
            date,
            authors: Vec::new(),
            arxiv_id: None,
            categories: Vec::new(),
            published: None,
            upvotes: None,
            keywords: Vec::new(),
            summary: None,
            comment_count: None,
            arxiv_comment: None,
            journal_ref: None,
            announce_type: None,
            original: None,
        }
    }

    /// A paper with this title and nothing else, for tests.
    #[cfg(test)]
    pub(crate) fn for_test(title: &str) -> Paper {
        let date = NaiveDate::from_ymd_opt(2025, 8, 5).expect("a valid date");
        Paper::new(PaperId::from_title(title), title.to_owned(), String::new(), "test", date)
    }

    /// The first link of a kind.
    pub(crate) fn link(&self, kind: LinkKind) -> Option<&str> {
        self.links.iter().find(|link| link.kind == kind).map(|link| link.url.as_str())
    }
}

/// How arXiv's daily listing announced a paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum AnnounceType {
    /// First appearance, in its primary category.
    New,
    /// Cross-listed from another category.
    Cross,
    /// A new version of a paper announced before.
    Replace,
    /// A new version of a cross-listed paper.
    ReplaceCross,
}

impl AnnounceType {
    /// The type as arXiv's `arxiv:announce_type` writes it.
    pub(crate) fn parse(text: &str) -> Option<AnnounceType> {
        match text.trim().to_ascii_lowercase().as_str() {
            "new" => Some(AnnounceType::New),
            "cross" => Some(AnnounceType::Cross),
            "replace" => Some(AnnounceType::Replace),
            "replace-cross" => Some(AnnounceType::ReplaceCross),
            _ => None,
        }
    }
}

/// A paper's stable identity.
///
/// Derived from the normalised title when the source carries no id of its own, so the
/// same paper listed again on a later day keeps its id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PaperId(String);

impl PaperId {
    /// The id of a paper known only by its title.
    pub fn from_title(title: &str) -> PaperId {
        PaperId(format!("title:{:016x}", stable_hash(normalise_title(title).as_bytes())))
    }

    /// The id of a paper on arXiv: `arxiv:` and the identifier without its version, so every
    /// source that knows the identifier gives the same id.
    pub(crate) fn from_arxiv(arxiv_id: &str) -> PaperId {
        PaperId(format!("arxiv:{arxiv_id}"))
    }

    /// An id as `as_str` wrote it, read back (from the journal).
    pub(crate) fn parse(text: &str) -> PaperId {
        PaperId(text.to_owned())
    }

    /// The id as text.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PaperId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Lowercase alphanumeric words joined by single spaces: two copies of a title that differ
/// only in case, punctuation or spacing normalise alike.
pub(crate) fn normalise_title(title: &str) -> String {
    title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The arXiv identifier, without its version, that ends `text`: a bare `2508.13167`, an
/// `arXiv:2508.13167v1`, an `oai:arXiv.org:2508.13167v1`, or an abstract URL such as
/// `http://arxiv.org/abs/cond-mat/0412498v1` (the old scheme, with its archive).
pub(crate) fn arxiv_id(text: &str) -> Option<String> {
    static ID: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)(?:^|[^0-9a-z.\-])(\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[a-z]{2})?/\d{7})(?:v\d+)?$",
        )
        .expect("the arXiv id pattern is a valid regex")
    });
    let text = text.trim().trim_end_matches('/');
    let text = text.strip_suffix(".pdf").unwrap_or(text);
    ID.captures(text).map(|captures| captures[1].to_owned())
}

/// A link found in a paper's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Link {
    /// What the link points at.
    pub(crate) kind: LinkKind,
    /// An absolute `https://` or `http://` URL.
    pub(crate) url: String,
}

/// What a link points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum LinkKind {
    /// A source repository (GitHub, GitLab, Bitbucket, Codeberg).
    Code,
    /// A project page or anything else.
    Project,
    /// The arXiv abstract page.
    Abstract,
    Pdf,
    /// The paper's page on Hugging Face.
    HuggingFace,
    /// The publisher's version, through its DOI.
    Doi,
}

impl LinkKind {
    /// How a reader sees the link named.
    pub(crate) fn label(self) -> &'static str {
        match self {
            LinkKind::Code => "Code",
            LinkKind::Project => "Project page",
            LinkKind::Abstract => "arXiv",
            LinkKind::Pdf => "PDF",
            LinkKind::HuggingFace => "Hugging Face",
            LinkKind::Doi => "DOI",
        }
    }

    /// Code and project pages come from the paper's text and can be many; the others are
    /// the paper's own pages, one of each.
    pub(crate) fn is_page(self) -> bool {
        !matches!(self, LinkKind::Code | LinkKind::Project)
    }
}

impl Link {
    /// A link of a known kind.
    pub(crate) fn new(kind: LinkKind, url: impl Into<String>) -> Link {
        Link { kind, url: url.into() }
    }

    #[cfg(test)]
    /// A code or project link, by its host.
    pub(crate) fn found(url: impl Into<String>) -> Link {
        let url = url.into();
        Link { kind: link_kind(&url), url }
    }
}

/// The most links a paper keeps: more than any digest shows, and few enough that an
/// abstract made of URLs costs nothing to check each new one against the rest.
pub(crate) const MAX_LINKS: usize = 16;

/// Adds `link` unless the list has it already (the same URL, whatever its scheme, case,
/// trailing slash or `.git`) or, for the paper's own pages, a link of that kind, or holds
/// [`MAX_LINKS`]. A link that is not a plain `http(s)://` URL (a `javascript:` repository
/// field, a URL with a line break) is dropped: it would become a live `href` and a line of
/// the text part.
pub(crate) fn push_link(links: &mut Vec<Link>, link: Link) {
    if links.len() >= MAX_LINKS || !is_plain_web_url(&link.url) {
        return;
    }
    let key = link_key(&link.url);
    let known = links
        .iter()
        .any(|have| link_key(&have.url) == key || (link.kind.is_page() && have.kind == link.kind));
    if !known {
        // Code and project links stay ahead of the paper's own pages.
        let at = if link.kind.is_page() {
            links.len()
        } else {
            links.iter().position(|have| have.kind.is_page()).unwrap_or(links.len())
        };
        links.insert(at, link);
    }
}

fn is_plain_web_url(url: &str) -> bool {
    // `Url` would percent-encode these, or drop a line break, where the digest keeps the text.
    !url.chars().any(|c| c.is_whitespace() || c.is_control() || "<>\"\\{}|^`".contains(c))
        && web_url(url).is_some()
}

/// `text` as an `http(s)` URL with a host, written out with its `//` as readers see it
/// (`Url` would also take `https:x.org`).
fn web_url(text: &str) -> Option<Url> {
    let url = Url::parse(text).ok()?;
    let written = text.get(url.scheme().len()..)?.starts_with("://");
    (matches!(url.scheme(), "https" | "http") && written && url.host_str().is_some()).then_some(url)
}

/// What two links to the same page share: host without `www.` and any port it names,
/// path, query and fragment, in lower case, less a trailing slash or `.git`; scheme and
/// user name differ freely.
fn link_key(text: &str) -> String {
    let Some(url) = web_url(text) else { return text.to_lowercase() };
    let host = url.host_str().unwrap_or_default();
    let host = host.strip_prefix("www.").unwrap_or(host);
    let port = url.port().map(|port| format!(":{port}")).unwrap_or_default();
    let rest = &url[url::Position::BeforePath..];
    let key = format!("{host}{port}{rest}");
    let key = key.trim_end_matches('/');
    key.strip_suffix(".git").unwrap_or(key).to_lowercase()
}

const CODE_HOSTS: [&str; 4] = ["github.com", "gitlab.com", "bitbucket.org", "codeberg.org"];

/// Finds the links in running text, with the punctuation that ends a sentence left off.
pub(crate) struct LinkFinder {
    pattern: Regex,
}

impl LinkFinder {
    pub(crate) fn new() -> LinkFinder {
        // `{` ends a URL too: LaTeX abstracts write `\url{...}`-style `link{link}` pairs.
        let pattern = Regex::new(
            r"(?i)\b(?:https?://[^\s<>{}\x22|\\^`]+|(?:www\.)?(?:github\.com|gitlab\.com)/[^\s<>{}\x22|\\^`]+)",
        )
        .expect("the link pattern is a valid regex");
        LinkFinder { pattern }
    }

    /// The first [`MAX_LINKS`] distinct links of `text`.
    pub(crate) fn find(&self, text: &str) -> Vec<Link> {
        let mut links: Vec<Link> = Vec::new();
        for found in self.pattern.find_iter(text) {
            if links.len() == MAX_LINKS {
                break;
            }
            let Some((_, url)) = clean_url(found.as_str()) else { continue };
            if links.iter().any(|link| link.url.eq_ignore_ascii_case(&url)) {
                continue;
            }
            links.push(Link { kind: link_kind(&url), url });
        }
        links
    }
}

/// Where something that looks like a URL stands in `text`, with the link it makes when it
/// is one (`href`): what the digest neither highlights inside nor leaves unlinked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UrlSpan {
    /// Bytes of `text`: the link's own text, less the punctuation that ends a sentence; the
    /// whole look-alike when it makes no link.
    pub(crate) range: std::ops::Range<usize>,
    /// The link, `https://` added to a bare `github.com/...`.
    pub(crate) href: Option<String>,
}

/// Every URL-like run of `text`, in order, however many.
pub(crate) fn url_spans(text: &str) -> Vec<UrlSpan> {
    static FINDER: LazyLock<LinkFinder> = LazyLock::new(LinkFinder::new);
    FINDER
        .pattern
        .find_iter(text)
        .map(|found| match clean_url(found.as_str()) {
            Some((len, url)) => {
                UrlSpan { range: found.start()..found.start() + len, href: Some(url) }
            }
            None => UrlSpan { range: found.range(), href: None },
        })
        .collect()
}

/// The link `raw` makes, and how many of its bytes it keeps; `None` when it makes none.
fn clean_url(raw: &str) -> Option<(usize, String)> {
    let trimmed = raw.trim_end_matches(|c: char| ".,;:!?'*".contains(c));
    let trimmed = trim_unbalanced(trimmed);
    let url =
        if trimmed.contains("://") { trimmed.to_owned() } else { format!("https://{trimmed}") };
    let parsed = web_url(&url)?;
    // A bare host (`https://x.org`) is taken for a name in the text, `https://x.org/` for a link.
    let more_than_host = parsed.path() != "/"
        || parsed.query().is_some()
        || parsed.fragment().is_some()
        || url.ends_with('/');
    (parsed.host_str()?.contains('.') && more_than_host).then_some((trimmed.len(), url))
}

/// Drops a closing bracket the URL did not open: `(see https://x.org/a)` ends before `)`.
fn trim_unbalanced(url: &str) -> &str {
    let mut url = url;
    for (open, close) in [('(', ')'), ('[', ']')] {
        while url.ends_with(close) && url.matches(close).count() > url.matches(open).count() {
            url = &url[..url.len() - 1];
        }
    }
    url
}

fn link_kind(url: &str) -> LinkKind {
    let url = web_url(url);
    let host = url.as_ref().and_then(Url::host_str).unwrap_or_default();
    let host = host.strip_prefix("www.").unwrap_or(host);
    if CODE_HOSTS.contains(&host) { LinkKind::Code } else { LinkKind::Project }
}

/// Which way a reader voted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum VoteKind {
    /// "More like this".
    Up,
    /// "Fewer like this".
    Down,
}

impl VoteKind {
    /// `up` or `down`, as links and the journal spell it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            VoteKind::Up => "up",
            VoteKind::Down => "down",
        }
    }

    /// The vote a link spells, if it spells one.
    pub(crate) fn parse(text: &str) -> Option<VoteKind> {
        match text {
            "up" => Some(VoteKind::Up),
            "down" => Some(VoteKind::Down),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(text: &str) -> Vec<String> {
        LinkFinder::new().find(text).into_iter().map(|link| link.url).collect()
    }

    #[test]
    fn sentence_punctuation_is_not_part_of_a_link() {
        assert_eq!(
            urls("Code is at https://github.com/yzd-v/cls_KD. More (https://x.org/a)."),
            ["https://github.com/yzd-v/cls_KD", "https://x.org/a"]
        );
    }

    #[test]
    fn url_spans_cover_the_link_text_without_its_closing_punctuation() {
        let text = "Code: https://github.com/xiaojieli0903/Mamba-FSCIL. See github.com/a/b, x.";
        let spans = url_spans(text);
        assert_eq!(&text[spans[0].range.clone()], "https://github.com/xiaojieli0903/Mamba-FSCIL");
        assert_eq!(spans[1].href.as_deref(), Some("https://github.com/a/b"));
        assert_eq!(&text[spans[1].range.clone()], "github.com/a/b");
        let bare = url_spans("at https://x.org today");
        assert_eq!(bare, [UrlSpan { range: 3..16, href: None }]);
    }

    #[test]
    fn latex_brace_pairs_give_one_link() {
        let text =
            "available at https://github.com/a/b/tree/master{https://github.com/a/b/tree/master}.";
        assert_eq!(urls(text), ["https://github.com/a/b/tree/master"]);
    }

    #[test]
    fn bare_github_paths_become_https_links() {
        assert_eq!(urls("see github.com/a/b for code"), ["https://github.com/a/b"]);
    }

    #[test]
    fn links_are_classified_by_host() {
        let links = LinkFinder::new().find("https://www.github.com/a/b and https://x.me/KArAt");
        assert_eq!(links[0].kind, LinkKind::Code);
        assert_eq!(links[1].kind, LinkKind::Project);
    }

    #[test]
    fn a_code_host_with_a_user_name_or_a_port_is_still_a_code_host() {
        for url in ["https://user@github.com/a/b", "https://GitHub.com:443/a/b"] {
            assert_eq!(Link::found(url).kind, LinkKind::Code, "{url}");
        }
    }

    #[test]
    fn a_link_with_a_default_port_or_a_user_name_is_the_link_without() {
        let mut links = vec![Link::found("https://github.com/a/b")];
        push_link(&mut links, Link::found("https://github.com:443/a/b"));
        push_link(&mut links, Link::found("https://git@github.com/a/b.git"));
        push_link(&mut links, Link::found("https://github.com:8443/a/b"));
        let urls: Vec<&str> = links.iter().map(|l| l.url.as_str()).collect();
        assert_eq!(urls, ["https://github.com/a/b", "https://github.com:8443/a/b"]);
    }

    #[test]
    fn a_site_root_is_a_link_after_http_as_after_https() {
        // `http://ab.org/` was once dropped for its scheme being shorter than `https`.
        assert_eq!(
            urls("see http://ab.org/ and https://cd.org/"),
            ["http://ab.org/", "https://cd.org/"]
        );
        assert_eq!(urls("https://x.org and http://y.org alone"), Vec::<String>::new());
    }

    #[test]
    fn a_web_url_needs_its_slashes_and_a_host() {
        for url in ["https:x.org/a", "http://", "https://:80/a"] {
            let mut links = Vec::new();
            push_link(&mut links, Link::new(LinkKind::Code, url));
            assert!(links.is_empty(), "{url}");
        }
    }

    #[test]
    fn arxiv_ids_lose_their_version_and_prefix() {
        assert_eq!(arxiv_id("oai:arXiv.org:2508.13167v1").as_deref(), Some("2508.13167"));
        assert_eq!(arxiv_id("http://arxiv.org/abs/1201.4869v1").as_deref(), Some("1201.4869"));
        assert_eq!(
            arxiv_id("http://arxiv.org/abs/cond-mat/0412498v1").as_deref(),
            Some("cond-mat/0412498")
        );
        assert_eq!(arxiv_id("https://arxiv.org/pdf/2508.13167v2").as_deref(), Some("2508.13167"));
        assert_eq!(arxiv_id("2410.17243").as_deref(), Some("2410.17243"));
        assert_eq!(arxiv_id("arXiv:2508.13167v1").as_deref(), Some("2508.13167"));
        assert_eq!(arxiv_id("https://arxiv.org/api/errors#incorrect_id_format_for_abc"), None);
        assert_eq!(arxiv_id("12508.13167"), None);
        assert_eq!(arxiv_id(""), None);
    }

    #[test]
    fn a_link_already_listed_is_not_added_again() {
        let mut links = vec![Link::found("https://github.com/a/b")];
        push_link(&mut links, Link::new(LinkKind::Pdf, "https://arxiv.org/pdf/1"));
        push_link(&mut links, Link::found("http://www.GitHub.com/a/b.git"));
        push_link(&mut links, Link::found("https://x.org/project"));
        push_link(&mut links, Link::new(LinkKind::Pdf, "https://arxiv.org/pdf/2"));
        let urls: Vec<&str> = links.iter().map(|l| l.url.as_str()).collect();
        assert_eq!(
            urls,
            ["https://github.com/a/b", "https://x.org/project", "https://arxiv.org/pdf/1"]
        );
    }

    #[test]
    fn links_that_are_not_plain_web_urls_are_dropped() {
        let mut links = Vec::new();
        for url in [
            "javascript:alert(1)",
            "https://x.org/a\nUnsubscribe: x",
            "ftp://x.org/a",
            "https://x.org/<b>",
        ] {
            push_link(&mut links, Link::new(LinkKind::Code, url));
        }
        assert!(links.is_empty(), "{links:?}");
        push_link(&mut links, Link::new(LinkKind::Code, "HTTPS://github.com/a/b"));
        assert_eq!(links.len(), 1);
    }

    #[test]
    fn a_text_made_of_urls_keeps_only_the_first_few() {
        let text: String = (0..5000).map(|i| format!("https://github.com/a/r{i} ")).collect();
        let found = LinkFinder::new().find(&text);
        assert_eq!(found.len(), MAX_LINKS);
        assert_eq!(found[0].url, "https://github.com/a/r0");
        let mut links = Vec::new();
        for i in 0..5000 {
            push_link(&mut links, Link::found(format!("https://x.org/{i}")));
        }
        assert_eq!(links.len(), MAX_LINKS);
    }

    #[test]
    fn title_ids_ignore_case_and_punctuation() {
        assert_eq!(
            PaperId::from_title("ACAM-KD: Adaptive  Masking"),
            PaperId::from_title("acam kd adaptive masking")
        );
        assert_ne!(PaperId::from_title("a b"), PaperId::from_title("a c"));
    }
}
