//! A reader's profile: the documents they like and dislike, tokenized once into term counts.
//!
//! Term counts do not depend on the day, so a profile can be kept on disk and loaded on the
//! next run; the weights (TF-IDF over the day's papers plus the libraries) are computed per
//! run in [`super::Similarity`]. Nothing here reads or writes files: [`Profile::to_bytes`]
//! and [`Profile::from_bytes`] give the caller something to store.

use chrono::{Datelike, NaiveDate};
use rustc_hash::FxHashMap;

use crate::topic::tokens::{each_folded, singular};

/// Title words count this many times an abstract word: a title says what a paper is about.
const TITLE_WEIGHT: u32 = 2;

/// One document as a bag of terms: a library entry, a voted paper, or one of the day's papers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Document {
    /// Shown in explanations.
    pub(crate) title: String,
    /// When it entered the library, where the library says.
    pub(crate) added: Option<NaiveDate>,
    /// Each distinct term and how often it occurs, in first-seen order.
    pub(crate) counts: Vec<(String, u32)>,
}

impl Document {
    /// Tokenizes a title and an abstract (which may be empty: the title alone then counts).
    pub(crate) fn new(title: &str, abstract_text: &str, added: Option<NaiveDate>) -> Document {
        let mut at: FxHashMap<u32, usize> = FxHashMap::default();
        let mut counts: Vec<(String, u32)> = Vec::new();
        TERMS.with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.words.len() > TERM_CACHE {
                *cache = TermCache::default();
            }
            let mut add = |text: &str, weight: u32| {
                each_folded(text, |word| {
                    let Some(number) = cache.number(word) else { return };
                    match at.get(&number) {
                        Some(&i) => counts[i].1 += weight,
                        None => {
                            at.insert(number, counts.len());
                            counts.push((cache.terms[number as usize].clone(), weight));
                        }
                    }
                });
            };
            add(title, TITLE_WEIGHT);
            add(abstract_text, 1);
        });
        Document { title: title.trim().to_owned(), added, counts }
    }
}

// Folded words and their terms, remembered per thread up to `TERM_CACHE` words: a library's
// words repeat from entry to entry, so each is put in the singular once, and a word seen
// before costs a lookup and no allocation.
thread_local! {
    static TERMS: std::cell::RefCell<TermCache> = std::cell::RefCell::new(TermCache::default());
}

const TERM_CACHE: usize = 200_000;

#[derive(Default)]
struct TermCache {
    /// A folded word's term number, `None` for a word that is no term.
    words: FxHashMap<String, Option<u32>>,
    numbers: FxHashMap<String, u32>,
    terms: Vec<String>,
}

impl TermCache {
    fn number(&mut self, word: &str) -> Option<u32> {
        if let Some(&number) = self.words.get(word) {
            return number;
        }
        let number = term(word).map(|term| match self.numbers.get(&term) {
            Some(&n) => n,
            None => {
                let n = self.terms.len() as u32;
                self.numbers.insert(term.clone(), n);
                self.terms.push(term);
                n
            }
        });
        self.words.insert(word.to_owned(), number);
        number
    }
}

/// The term a folded word stands for in similarity: its singular, as keywords match it;
/// `None` for words that say nothing of a subject (numbers, single letters, function words).
pub(crate) fn term(folded: &str) -> Option<String> {
    if folded.len() < 2 || folded.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if STOPWORDS.binary_search(&folded).is_ok() {
        return None;
    }
    Some(singular(folded))
}

/// English function words and the words every abstract uses; sorted for binary search.
/// IDF would weigh them down anyway, but left in they make every pair of texts a little alike.
const STOPWORDS: &[&str] = &[
    "about", "above", "across", "after", "again", "against", "all", "also", "although", "am",
    "among", "an", "and", "any", "approach", "are", "as", "at", "be", "been", "before", "being",
    "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "during", "each",
    "either", "et", "etc", "few", "for", "from", "further", "had", "has", "have", "having", "he",
    "her", "here", "hers", "him", "his", "how", "however", "if", "in", "into", "is", "it", "its",
    "itself", "just", "may", "me", "method", "might", "more", "most", "much", "must", "my", "new",
    "no", "nor", "not", "novel", "of", "off", "on", "once", "only", "or", "other", "our", "ours",
    "out", "over", "paper", "propose", "proposed", "result", "results", "same", "she", "should",
    "show", "so", "some", "such", "than", "that", "the", "their", "them", "then", "there", "these",
    "they", "this", "those", "through", "thus", "to", "too", "under", "until", "up", "us", "use",
    "used", "using", "very", "via", "was", "we", "were", "what", "when", "where", "whether",
    "which", "while", "who", "whom", "why", "will", "with", "within", "without", "work", "would",
    "yet", "you", "your",
];

/// A document of a profile, its terms numbered in the profile's own term list.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ProfileDoc {
    pub(crate) title: String,
    pub(crate) added: Option<NaiveDate>,
    /// (term number in [`Profile::terms`], count).
    pub(crate) counts: Vec<(u32, u32)>,
}

/// What a reader likes (their library, their up votes) and dislikes (their down votes).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Profile {
    /// Every distinct term of the documents, once: loading a profile interns each once.
    pub(crate) terms: Vec<String>,
    pub(crate) liked: Vec<ProfileDoc>,
    pub(crate) disliked: Vec<ProfileDoc>,
}

impl Profile {
    /// A profile of documents liked (papers like these rank higher) and disliked (papers like
    /// these rank lower, and out when they are more like these than like the liked ones).
    pub(crate) fn build<'d>(liked: &'d [Document], disliked: &'d [Document]) -> Profile {
        let mut numbers: FxHashMap<&str, u32> = FxHashMap::default();
        let mut terms: Vec<String> = Vec::new();
        let mut number = |doc: &'d Document| ProfileDoc {
            title: doc.title.clone(),
            added: doc.added,
            counts: doc
                .counts
                .iter()
                .map(|(term, count)| {
                    let n = match numbers.get(term.as_str()) {
                        Some(&n) => n,
                        None => {
                            let n = terms.len() as u32;
                            numbers.insert(term, n);
                            terms.push(term.clone());
                            n
                        }
                    };
                    (n, *count)
                })
                .collect(),
        };
        let liked = liked.iter().map(&mut number).collect();
        let disliked = disliked.iter().map(&mut number).collect();
        Profile { terms, liked, disliked }
    }
    /// The profile in a compact binary form, for [`Profile::from_bytes`].
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        put_u32(&mut out, self.terms.len() as u32);
        for term in &self.terms {
            put_str(&mut out, term);
        }
        for docs in [&self.liked, &self.disliked] {
            put_u32(&mut out, docs.len() as u32);
            for doc in docs {
                put_str(&mut out, &doc.title);
                let days = doc.added.map_or(i32::MIN, |d| d.num_days_from_ce());
                out.extend_from_slice(&days.to_le_bytes());
                put_u32(&mut out, doc.counts.len() as u32);
                for &(term, count) in &doc.counts {
                    put_u32(&mut out, term);
                    put_u32(&mut out, count);
                }
            }
        }
        out
    }

    /// Reads what [`Profile::to_bytes`] wrote; `None` for anything else (an older format, a
    /// truncated file), which the caller treats as no profile kept.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<Profile> {
        let mut r = Reader { bytes: bytes.strip_prefix(MAGIC)? };
        let term_count = r.u32()? as usize;
        let mut terms = Vec::with_capacity(term_count.min(bytes.len()));
        for _ in 0..term_count {
            terms.push(r.str()?.to_owned());
        }
        let mut docs = || -> Option<Vec<ProfileDoc>> {
            let count = r.u32()? as usize;
            let mut docs = Vec::with_capacity(count.min(bytes.len()));
            for _ in 0..count {
                let title = r.str()?.to_owned();
                let days = i32::from_le_bytes(r.take(4)?.try_into().ok()?);
                let added = if days == i32::MIN {
                    None
                } else {
                    NaiveDate::from_num_days_from_ce_opt(days)
                };
                let pairs = r.u32()? as usize;
                let mut counts = Vec::with_capacity(pairs.min(bytes.len()));
                for _ in 0..pairs {
                    let term = r.u32()?;
                    if term as usize >= term_count {
                        return None;
                    }
                    counts.push((term, r.u32()?));
                }
                docs.push(ProfileDoc { title, added, counts });
            }
            Some(docs)
        };
        let liked = docs()?;
        let disliked = docs()?;
        r.bytes.is_empty().then_some(Profile { terms, liked, disliked })
    }
}

/// Names the format and its version: a change of layout changes it.
const MAGIC: &[u8] = b"paperboy-profile-1\n";

fn put_u32(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len() as u32);
    out.extend_from_slice(s.as_bytes());
}

struct Reader<'b> {
    bytes: &'b [u8],
}

impl<'b> Reader<'b> {
    fn take(&mut self, n: usize) -> Option<&'b [u8]> {
        if self.bytes.len() < n {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn str(&mut self) -> Option<&'b str> {
        let n = self.u32()? as usize;
        std::str::from_utf8(self.take(n)?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopwords_are_sorted_for_binary_search() {
        assert!(STOPWORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn terms_are_singular_and_function_words_drop_out() {
        let doc =
            Document::new("Students of Teachers", "The students learn from 3 teachers.", None);
        let terms: Vec<(&str, u32)> = doc.counts.iter().map(|(t, c)| (t.as_str(), *c)).collect();
        assert_eq!(terms, [("student", 3), ("teacher", 3), ("learn", 1)]);
    }

    #[test]
    fn a_profile_survives_its_bytes() {
        let added = NaiveDate::from_ymd_opt(2024, 3, 1);
        let liked = [Document::new("Knowledge distillation", "teacher student", added)];
        let disliked = [Document::new("Protein folding", "", None)];
        let profile = Profile::build(&liked, &disliked);
        let bytes = profile.to_bytes();
        assert_eq!(Profile::from_bytes(&bytes), Some(profile));
        assert_eq!(Profile::from_bytes(&bytes[..bytes.len() - 1]), None);
        assert_eq!(Profile::from_bytes(b"something else"), None);
    }
}
