//! The record every source produces and every later stage reads.
//!
//! A `Paper` is plain data: sources fill it, topics match against it, render shows it.
//! Nothing here reads files or talks to the network.

use std::fmt;

use chrono::NaiveDate;
use regex::Regex;
use serde::Serialize;

/// One paper of a day's listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Paper {
    /// Stable across runs: the journal and dedupe key on it.
    pub id: PaperId,
    /// The title as one line of text.
    pub title: String,
    /// The abstract as one paragraph.
    #[serde(rename = "abstract")]
    pub abstract_text: String,
    /// Code repositories and project pages named in the text, in order of appearance.
    pub links: Vec<Link>,
    /// The `name` of the configured source the paper came from.
    pub source: String,
    /// The day the paper was listed (featured), not the day it was submitted.
    pub date: NaiveDate,
    /// Author names, where the source gives them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    /// arXiv categories such as `cs.LG`, where the source gives them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// Keywords the source attaches (the Hub's `ai_keywords`); matched as part of the abstract.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// Community upvotes, where the source counts them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upvotes: Option<u32>,
}

#[cfg(test)]
impl Paper {
    /// A paper with this title and nothing else, for tests.
    pub(crate) fn for_test(title: &str) -> Paper {
        Paper {
            id: PaperId::from_title(title),
            title: title.to_owned(),
            abstract_text: String::new(),
            links: Vec::new(),
            source: "test".to_owned(),
            date: NaiveDate::from_ymd_opt(2025, 8, 5).expect("a valid date"),
            authors: Vec::new(),
            categories: Vec::new(),
            keywords: Vec::new(),
            upvotes: None,
        }
    }
}

/// A paper's stable identity.
///
/// Derived from the normalised title when the source carries no id of its own, so the
/// same paper listed again on a later day keeps its id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct PaperId(String);

impl PaperId {
    /// The id of a paper known only by its title.
    pub fn from_title(title: &str) -> PaperId {
        PaperId(format!("title:{:016x}", stable_hash(normalise_title(title).as_bytes())))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
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
pub fn normalise_title(title: &str) -> String {
    title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// FNV-1a, 64 bits: fixed by its definition, so ids and Message-IDs never change between
/// builds the way `std`'s randomly keyed hasher would.
pub(crate) fn stable_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A link found in a paper's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    /// What the link points at.
    pub kind: LinkKind,
    /// An absolute `https://` or `http://` URL.
    pub url: String,
}

/// What a link points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkKind {
    /// A source repository (GitHub, GitLab, Bitbucket, Codeberg).
    Code,
    /// A project page or anything else.
    Project,
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

    pub(crate) fn find(&self, text: &str) -> Vec<Link> {
        let mut links: Vec<Link> = Vec::new();
        for found in self.pattern.find_iter(text) {
            let Some(url) = clean_url(found.as_str()) else { continue };
            if links.iter().any(|link| link.url.eq_ignore_ascii_case(&url)) {
                continue;
            }
            links.push(Link { kind: link_kind(&url), url });
        }
        links
    }
}

fn clean_url(raw: &str) -> Option<String> {
    let trimmed = raw.trim_end_matches(|c: char| ".,;:!?'*".contains(c));
    let trimmed = trim_unbalanced(trimmed);
    let url =
        if trimmed.contains("://") { trimmed.to_owned() } else { format!("https://{trimmed}") };
    let host = url.split("://").nth(1)?.split('/').next()?;
    (host.contains('.') && url.len() > host.len() + 8).then_some(url)
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
    let host = url.split("://").nth(1).and_then(|rest| rest.split('/').next()).unwrap_or("");
    let host = host.trim_start_matches("www.").to_ascii_lowercase();
    if CODE_HOSTS.contains(&host.as_str()) { LinkKind::Code } else { LinkKind::Project }
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
    fn title_ids_ignore_case_and_punctuation() {
        assert_eq!(
            PaperId::from_title("ACAM-KD: Adaptive  Masking"),
            PaperId::from_title("acam kd adaptive masking")
        );
        assert_ne!(PaperId::from_title("a b"), PaperId::from_title("a c"));
    }
}
