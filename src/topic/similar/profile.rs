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

// Folded words and their terms, remembered per thread up to `TERM_CACHE` words: a library's
// words repeat from entry to entry, so each is put in the singular once, and a word seen
// before costs a lookup and no allocation.
thread_local! {
    static TERMS: std::cell::RefCell<TermCache> = std::cell::RefCell::new(TermCache::default());
}

const TERM_CACHE: usize = 200_000;
/// The cache is emptied past this many bytes of terms too, so that its packed terms never
/// outgrow their `u32` offsets, whatever words a library holds.
const TERM_CACHE_BYTES: usize = 256 << 20;

#[derive(Default)]
struct TermCache {
    /// A folded word's term number, `None` for a word that is no term: words of up to eight
    /// bytes (most of them) by their bytes as a number, which hashes and compares in one step.
    short_words: FxHashMap<u64, Option<u32>>,
    words: FxHashMap<String, Option<u32>>,
    vocabulary: Vocabulary,
    /// How often the cache was emptied: term numbers from an earlier generation mean nothing.
    generation: u32,
}

impl TermCache {
    fn make_room(&mut self) {
        let words = self.short_words.len() + self.words.len();
        if words > TERM_CACHE || self.vocabulary.terms.text.len() > TERM_CACHE_BYTES {
            let generation = self.generation.wrapping_add(1);
            *self = TermCache { generation, ..TermCache::default() };
        }
    }

    fn number(&mut self, word: &str) -> Option<u32> {
        if let Some(key) = short_key(word) {
            if let Some(&number) = self.short_words.get(&key) {
                return number;
            }
            let number = term(word).map(|term| self.vocabulary.intern(&term));
            self.short_words.insert(key, number);
            return number;
        }
        if let Some(&number) = self.words.get(word) {
            return number;
        }
        let number = term(word).map(|term| self.vocabulary.intern(&term));
        self.words.insert(word.to_owned(), number);
        number
    }
}

/// Terms numbered in first-seen order, each once.
#[derive(Default)]
pub(crate) struct Vocabulary {
    numbers: FxHashMap<String, u32>,
    pub(crate) terms: Terms,
}

impl Vocabulary {
    pub(crate) fn intern(&mut self, term: &str) -> u32 {
        if let Some(&n) = self.numbers.get(term) {
            return n;
        }
        let n = self.terms.push(term);
        self.numbers.insert(term.to_owned(), n);
        n
    }
}

/// A word of up to eight bytes as a number: its bytes, zero-padded (no word holds a zero
/// byte, so two words never share one).
fn short_key(word: &str) -> Option<u64> {
    let bytes = word.as_bytes();
    (bytes.len() <= 8).then(|| {
        let mut key = [0u8; 8];
        key[..bytes.len()].copy_from_slice(bytes);
        u64::from_le_bytes(key)
    })
}

/// Distinct terms packed end to end in one string: a profile's thousands of terms cost two
/// allocations, not one each, and a run holds a profile per library.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Terms {
    text: String,
    ends: Vec<u32>,
}

impl Terms {
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(crate) fn get(&self, n: u32) -> &str {
        let n = n as usize;
        let start = if n == 0 { 0 } else { self.ends[n - 1] as usize };
        &self.text[start..self.ends[n] as usize]
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len() as u32).map(|n| self.get(n))
    }

    /// Adds `term` (not checked for being there already) and gives its number.
    fn push(&mut self, term: &str) -> u32 {
        self.text.push_str(term);
        // Distinct terms: a profile's come from one library (at most 64 MiB) and its votes,
        // the term cache is emptied at 256 MiB, and a run's would take gigabytes of distinct
        // words.
        let end = u32::try_from(self.text.len()).expect("terms stay under 4 GiB");
        self.ends.push(end);
        self.ends.len() as u32 - 1
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
    /// Shown in explanations.
    pub(crate) title: String,
    /// When it entered the library, where the library says.
    pub(crate) added: Option<NaiveDate>,
    /// (term number in [`Profile::terms`], how often it occurs), in first-seen order.
    pub(crate) counts: Vec<(u32, u32)>,
}

/// What a reader likes (their library, their up votes) and dislikes (their down votes), as
/// bags of the keywords' terms.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Profile {
    /// Every distinct term of the documents, once.
    pub(crate) terms: Terms,
    pub(crate) liked: Vec<ProfileDoc>,
    pub(crate) disliked: Vec<ProfileDoc>,
}

/// Tokenizes documents into a [`Profile`], numbering each term the first time it appears.
#[derive(Default)]
pub(crate) struct ProfileBuilder {
    profile: Profile,
    /// By the thread's term cache's number, the profile's number plus one (0: not in it yet).
    by_cache_number: Vec<u32>,
    /// The cache generation `by_cache_number` is for.
    generation: Option<u32>,
    /// By the profile's term number, where it stands in the document being read, plus one.
    in_document: Vec<u32>,
}

/// `doc`, added at the end of `docs`.
fn pushed(docs: &mut Vec<ProfileDoc>, doc: ProfileDoc) -> &mut ProfileDoc {
    docs.push(doc);
    docs.last_mut().expect("a document was just added")
}

impl ProfileBuilder {
    /// Adds a liked document (papers like it rank higher); the title alone counts when the
    /// abstract is empty.
    pub(crate) fn like(
        &mut self,
        title: &str,
        abstract_text: &str,
        added: Option<NaiveDate>,
    ) -> &mut ProfileDoc {
        let doc = self.document(title, abstract_text, added);
        pushed(&mut self.profile.liked, doc)
    }

    /// Adds a disliked document: papers like it rank lower, and out when they are more like
    /// it than like the liked ones.
    pub(crate) fn dislike(
        &mut self,
        title: &str,
        abstract_text: &str,
        added: Option<NaiveDate>,
    ) -> &mut ProfileDoc {
        let doc = self.document(title, abstract_text, added);
        pushed(&mut self.profile.disliked, doc)
    }

    pub(crate) fn finish(mut self) -> Profile {
        // A run keeps every profile to its end: what growing left unused would add up.
        self.profile.terms.text.shrink_to_fit();
        self.profile.terms.ends.shrink_to_fit();
        self.profile
    }

    fn document(
        &mut self,
        title: &str,
        abstract_text: &str,
        added: Option<NaiveDate>,
    ) -> ProfileDoc {
        let ProfileBuilder { profile, by_cache_number, generation, in_document } = self;
        let mut counts: Vec<(u32, u32)> = Vec::new();
        TERMS.with(|cache| {
            let mut cache = cache.borrow_mut();
            cache.make_room();
            if *generation != Some(cache.generation) {
                // A new builder, or the cache was emptied: number the profile's terms in it.
                by_cache_number.clear();
                for (n, term) in profile.terms.iter().enumerate() {
                    let global = cache.vocabulary.intern(term) as usize;
                    if by_cache_number.len() <= global {
                        by_cache_number.resize(global + 1, 0);
                    }
                    by_cache_number[global] = n as u32 + 1;
                }
                *generation = Some(cache.generation);
            }
            let mut add = |text: &str, weight: u32| {
                each_folded(text, |word| {
                    let Some(global) = cache.number(word) else { return };
                    let global = global as usize;
                    if by_cache_number.len() <= global {
                        by_cache_number.resize(global + 1, 0);
                    }
                    let local = match by_cache_number[global] {
                        0 => {
                            let local =
                                profile.terms.push(cache.vocabulary.terms.get(global as u32));
                            by_cache_number[global] = local + 1;
                            in_document.push(0);
                            local
                        }
                        plus_one => plus_one - 1,
                    };
                    match in_document[local as usize] {
                        0 => {
                            counts.push((local, weight));
                            in_document[local as usize] = counts.len() as u32;
                        }
                        at => counts[at as usize - 1].1 += weight,
                    }
                });
            };
            add(title, TITLE_WEIGHT);
            add(abstract_text, 1);
        });
        for &(term, _) in &counts {
            in_document[term as usize] = 0;
        }
        counts.shrink_to_fit();
        ProfileDoc { title: title.trim().to_owned(), added, counts }
    }
}

impl Profile {
    /// The profile in a compact binary form, for [`Profile::from_bytes`].
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        put_u32(&mut out, self.terms.len() as u32);
        for term in self.terms.iter() {
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
        // The terms' text is a part of the bytes: reserving that much spares regrowing.
        let mut terms = Terms {
            text: String::with_capacity(bytes.len()),
            ends: Vec::with_capacity(term_count.min(bytes.len())),
        };
        for _ in 0..term_count {
            let term = r.str()?;
            // The kept file is at most a few times the library's size: far under 4 GiB.
            if terms.text.len() + term.len() > u32::MAX as usize {
                return None;
            }
            terms.push(term);
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
        terms.text.shrink_to_fit();
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

    fn terms_of<'p>(profile: &'p Profile, doc: &ProfileDoc) -> Vec<(&'p str, u32)> {
        doc.counts.iter().map(|&(t, c)| (profile.terms.get(t), c)).collect()
    }

    #[test]
    fn terms_are_singular_and_function_words_drop_out() {
        let mut builder = ProfileBuilder::default();
        builder.like("Students of Teachers", "The students learn from 3 teachers.", None);
        let profile = builder.finish();
        let terms = terms_of(&profile, &profile.liked[0]);
        assert_eq!(terms, [("student", 3), ("teacher", 3), ("learn", 1)]);
    }

    #[test]
    fn a_term_cache_emptied_between_documents_numbers_each_term_once() {
        let mut builder = ProfileBuilder::default();
        builder.like("Teachers", "students learn", None);
        TERMS.with(|cache| {
            let mut cache = cache.borrow_mut();
            let generation = cache.generation + 1;
            *cache = TermCache { generation, ..TermCache::default() };
        });
        builder.dislike("Students", "teachers forget", None);
        let profile = builder.finish();
        let terms: Vec<&str> = profile.terms.iter().collect();
        assert_eq!(terms, ["teacher", "student", "learn", "forget"]);
        let disliked = terms_of(&profile, &profile.disliked[0]);
        assert_eq!(disliked, [("student", 2), ("teacher", 1), ("forget", 1)]);
    }

    #[test]
    fn a_profile_survives_its_bytes() {
        let added = NaiveDate::from_ymd_opt(2024, 3, 1);
        let mut builder = ProfileBuilder::default();
        builder.like("Knowledge distillation", "teacher student", added);
        builder.dislike("Protein folding", "", None);
        let profile = builder.finish();
        let bytes = profile.to_bytes();
        assert_eq!(Profile::from_bytes(&bytes), Some(profile));
        assert_eq!(Profile::from_bytes(&bytes[..bytes.len() - 1]), None);
        assert_eq!(Profile::from_bytes(b"something else"), None);
    }
}
