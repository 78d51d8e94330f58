//! A library given as arXiv identifiers, one a line, their titles and abstracts asked of the
//! arXiv API.
//!
//! A line is `2407.12345`, `arXiv:2407.12345v2` or an abstract URL; `#` starts a comment.
//! Ids not yet in the cache are asked for in `id_list` queries of [`BATCH`] ids, with the
//! configured pause between two requests (arXiv asks for 3 s), through the fetch layer the
//! sources use (its timeouts, retries and `User-Agent`), and the answers are read by the
//! `arxiv-atom` source reader. What the API says of each id, the ids it does not know
//! included, is kept in `<cache>/arxiv/<id>.json`, so a rerun asks nothing and works
//! offline. Deleting the folder asks again.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Entry, Read};
use crate::clock::Clock;
use crate::config::LibrarySettings;
use crate::paper::arxiv_id;
use crate::source::{Location, Source, SourceFormat, default_announce, fetch};
use crate::text::file_safe;

/// Ids per request; the API answers up to 2,000 but asks for modest pages.
const BATCH: usize = 100;

/// What the API said of one id.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cached {
    /// `None` when the API does not know the id.
    found: Option<Found>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Found {
    title: String,
    #[serde(rename = "abstract")]
    abstract_text: String,
    authors: Vec<String>,
    published: Option<chrono::NaiveDate>,
}

/// The id a line names, without comment or version; `None` for a line that names none.
pub(super) fn id_of_line(line: &str) -> Option<String> {
    let line = line.split_once('#').map_or(line, |(before, _)| before).trim();
    // A bare word, an `arXiv:` id or a URL: nothing else on the line.
    if line.is_empty() || line.contains(char::is_whitespace) {
        return None;
    }
    arxiv_id(line)
}

pub(super) fn read(
    text: &str,
    settings: &LibrarySettings,
) -> Result<Read, (Option<usize>, String)> {
    let mut read = Read::default();
    // Each id once, at its first line.
    let mut ids: Vec<(String, usize)> = Vec::new();
    for (at, line) in text.lines().enumerate() {
        let content = line.split_once('#').map_or(line, |(before, _)| before).trim();
        if content.is_empty() {
            continue;
        }
        match id_of_line(line) {
            Some(id) if ids.iter().any(|(seen, _)| *seen == id) => {}
            Some(id) => ids.push((id, at + 1)),
            None => read.warnings.push((
                Some(at + 1),
                format!("`{content}` is not an arXiv id (like 2407.12345); left out"),
            )),
        }
    }
    let mut known: HashMap<String, Cached> = HashMap::new();
    let mut missing: Vec<&str> = Vec::new();
    for (id, _) in &ids {
        match cached(settings, id) {
            Some(answer) => {
                known.insert(id.clone(), answer);
            }
            None => missing.push(id),
        }
    }
    for (at, batch) in missing.chunks(BATCH).enumerate() {
        if at > 0 {
            std::thread::sleep(settings.arxiv_delay);
        }
        for (id, answer) in ask(settings, batch).map_err(|message| (None, message))? {
            keep(settings, &id, &answer).map_err(|err| {
                let path = cache_path(settings, &id);
                (None, format!("cannot write the arXiv cache {}: {err}", path.display()))
            })?;
            known.insert(id, answer);
        }
    }
    for (id, line) in ids {
        match known.get(&id).and_then(|answer| answer.found.clone()) {
            Some(found) => read.entries.push(Entry {
                title: found.title,
                abstract_text: found.abstract_text,
                authors: found.authors,
                added: found.published,
                line,
            }),
            None => read
                .warnings
                .push((Some(line), format!("arXiv does not know the id `{id}`; left out"))),
        }
    }
    Ok(read)
}

fn cache_path(settings: &LibrarySettings, id: &str) -> PathBuf {
    settings.cache_dir.join("arxiv").join(format!("{}.json", file_safe(id)))
}

fn cached(settings: &LibrarySettings, id: &str) -> Option<Cached> {
    let bytes = std::fs::read(cache_path(settings, id)).ok()?;
    // A damaged cache file is asked for again.
    serde_json::from_slice(&bytes).ok()
}

fn keep(settings: &LibrarySettings, id: &str, answer: &Cached) -> std::io::Result<()> {
    let path = cache_path(settings, id);
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)?;
    }
    let bytes = serde_json::to_vec(answer).expect("a cache entry is plain data");
    crate::atomic::write(&path, &bytes)
}

/// One `id_list` query: every id of `batch` with what the API said of it.
fn ask(settings: &LibrarySettings, batch: &[&str]) -> Result<Vec<(String, Cached)>, String> {
    let base = &settings.arxiv_api;
    let joiner = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{joiner}id_list={}&max_results={}", batch.join(","), batch.len());
    // The date only names a cache file of the sources', which this never keeps.
    let date = chrono::NaiveDate::default();
    let fetched = fetch::fetch(&settings.fetch, "library", &url, date, Clock::System)
        .map_err(|err| format!("cannot ask the arXiv API for titles and abstracts: {err}"))?;
    let text = String::from_utf8_lossy(&fetched.bytes);
    let source = Source {
        name: "arxiv-api".to_owned(),
        location: Location::Url(url.clone()),
        format: Some(SourceFormat::ArxivAtom),
        announce: default_announce(),
    };
    let listing = crate::source::parse(&text, &source, date)
        .map_err(|err| format!("cannot read the arXiv API's answer: {err}"))?;
    let mut by_id: HashMap<String, Found> = HashMap::new();
    for paper in listing.papers {
        let Some(id) = paper.arxiv_id.clone() else { continue };
        by_id.insert(
            id,
            Found {
                title: paper.title,
                abstract_text: paper.abstract_text,
                authors: paper.authors,
                published: paper.published,
            },
        );
    }
    // An answer with no entry at all may be a passing fault of the API: "not found" is kept
    // only when the answer did name some of the batch, so a later run asks again otherwise.
    let answered = !by_id.is_empty();
    Ok(batch
        .iter()
        .filter_map(|&id| match by_id.remove(id) {
            Some(found) => Some((id.to_owned(), Cached { found: Some(found) })),
            None => answered.then(|| (id.to_owned(), Cached { found: None })),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_an_id_a_versioned_id_or_an_abstract_url() {
        assert_eq!(id_of_line("2407.12345").as_deref(), Some("2407.12345"));
        assert_eq!(id_of_line("arXiv:2407.12345v2").as_deref(), Some("2407.12345"));
        assert_eq!(id_of_line("https://arxiv.org/abs/2407.12345v1").as_deref(), Some("2407.12345"));
        assert_eq!(id_of_line("2407.12345  # the distillation one").as_deref(), Some("2407.12345"));
        assert_eq!(id_of_line("hep-th/9901001").as_deref(), Some("hep-th/9901001"));
        assert_eq!(id_of_line("see 2407.12345"), None);
        assert_eq!(id_of_line("Attention is all you need"), None);
    }
}
