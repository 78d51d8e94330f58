//! Similarity: how much each of the day's papers is like each reader's profile (library and
//! votes), and which liked document it is most like, with the terms they share.
//!
//! Papers and profile documents are bags of the keywords' terms ([`Profile`]), weighted by
//! TF-IDF over the day's papers plus every profile's documents, and compared by cosine. A
//! paper's similarity to a profile is the mean of its `TOP_K` best cosines with the liked
//! documents, less its best cosine with a disliked one: one library entry on a subject is
//! not enough to pull a paper in, two or three are (docs/src/library.md has the measurements
//! behind the choice). Everything is computed once per run, for every profile at once,
//! walking postings of the day's papers, so picking only reads a row: each profile's
//! documents first rank the day by their few heaviest terms, and only the `CANDIDATES`
//! papers ranked first are compared with all their terms. Nothing here reads files.

mod profile;

use std::sync::{Mutex, PoisonError};

use rustc_hash::FxHashMap;

pub(crate) use profile::{Profile, ProfileBuilder};
use profile::{Terms, Vocabulary};

use crate::paper::Paper;

/// How many of a paper's best matches among the liked documents are averaged.
pub(crate) const TOP_K: usize = 3;

/// A profile document keeps only its this many heaviest terms: they carry nearly all of its
/// cosine with a paper, and the light ones (common words, with long postings) would cost most
/// of the time of comparing it with the day.
pub(crate) const DOC_TERMS: usize = 64;

/// A profile is compared with all its documents' terms only for the day's this many papers
/// that its documents' heaviest terms rank first; the other papers are taken as unlike it.
/// Comparing every term of every library entry with every paper was most of a run's time,
/// and a reader gets far fewer papers than this a day.
pub(crate) const CANDIDATES: usize = 100;

/// The heaviest terms of each document that rank the candidates: the rarest, whose
/// postings are short. Four keep 96% of the benchmark's picks (docs/src/performance.md).
pub(crate) const HEAD_TERMS: usize = 4;

/// The similarity at or above which a paper is picked by similarity alone, where neither the
/// subscriber, its topic nor the newsletter sets `min_similarity`.
pub(crate) const DEFAULT_MIN_SIMILARITY: f32 = 0.08;

/// A document as unit-length TF-IDF weights, sorted by term number.
#[derive(Debug, Clone, Copy)]
struct Vector<'v> {
    terms: &'v [u32],
    weights: &'v [f32],
}

impl Vector<'_> {
    fn dot(&self, other: &Vector<'_>) -> f32 {
        let (mut i, mut j, mut sum) = (0, 0, 0.0);
        while i < self.terms.len() && j < other.terms.len() {
            match self.terms[i].cmp(&other.terms[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    sum += self.weights[i] * other.weights[j];
                    i += 1;
                    j += 1;
                }
            }
        }
        sum
    }
}

/// Vectors one after another in two buffers: a profile's hundred documents cost a few
/// allocations, not two each.
#[derive(Debug, Default)]
struct Vectors {
    terms: Vec<u32>,
    weights: Vec<f32>,
    /// Where each vector ends in `terms` and `weights`.
    ends: Vec<u32>,
}

impl Vectors {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn get(&self, n: usize) -> Vector<'_> {
        let start = if n == 0 { 0 } else { self.ends[n - 1] as usize };
        let end = self.ends[n] as usize;
        Vector { terms: &self.terms[start..end], weights: &self.weights[start..end] }
    }

    fn iter(&self) -> impl Iterator<Item = Vector<'_>> {
        (0..self.len()).map(|n| self.get(n))
    }

    /// Room for `vectors` of `terms` terms in all: a run keeps a profile's vectors to its
    /// end, and growing by doubling would leave a quarter of them unused.
    fn with_capacity(vectors: usize, terms: usize) -> Vectors {
        Vectors {
            terms: Vec::with_capacity(terms),
            weights: Vec::with_capacity(terms),
            ends: Vec::with_capacity(vectors),
        }
    }

    /// Adds a vector of `(term, weight)` pairs sorted by term, its weights divided by `norm`.
    fn push(&mut self, pairs: &[(u32, f32)], norm: f32) {
        self.terms.extend(pairs.iter().map(|&(t, _)| t));
        self.weights.extend(pairs.iter().map(|&(_, w)| w / norm));
        // A profile's documents keep at most `DOC_TERMS` terms each, and a day's papers are
        // far fewer than 4 billion words.
        self.ends.push(u32::try_from(self.terms.len()).expect("vectors stay under 4 G terms"));
    }
}

/// Turns term counts into unit-length TF-IDF vectors, through one buffer for all of them.
struct Weigher<'i> {
    idf: &'i [f32],
    /// `1 + ln(count)` for the counts nearly every term has.
    tf: [f32; 64],
    pairs: Vec<(u32, f32)>,
}

impl<'i> Weigher<'i> {
    fn new(idf: &'i [f32]) -> Weigher<'i> {
        let tf = std::array::from_fn(|count| 1.0 + (count as f32).ln());
        Weigher { idf, tf, pairs: Vec::new() }
    }

    /// Adds to `out` the vector of `(term, count)` pairs, of its `keep` heaviest terms.
    fn vector(&mut self, counts: impl Iterator<Item = (u32, u32)>, keep: usize, out: &mut Vectors) {
        let Weigher { idf, tf, pairs } = self;
        pairs.clear();
        let weight = |(term, count): (u32, u32)| {
            let tf = tf.get(count as usize).copied().unwrap_or_else(|| 1.0 + (count as f32).ln());
            (term, tf * idf[term as usize])
        };
        pairs.extend(counts.map(weight).filter(|&(_, w)| w > 0.0));
        keep_heaviest(pairs, keep);
        let norm = pairs.iter().map(|(_, w)| w * w).sum::<f32>().sqrt().max(f32::EPSILON);
        out.push(pairs, norm);
    }
}

/// One profile, compared with every paper of the day.
struct Scored {
    /// The titles of the liked and the disliked documents; their counts are vectors now.
    liked_titles: Vec<String>,
    disliked_titles: Vec<String>,
    liked: Vectors,
    disliked: Vectors,
    /// By paper: the similarity (mean of the best `TOP_K` liked cosines).
    liked_score: Vec<f32>,
    /// By paper: the liked document it is most like.
    best_liked: Vec<u32>,
    /// The papers with a similarity above 0, in order: the only ones it can pick while
    /// `min_similarity` is above 0.
    liked_papers: Vec<u32>,
    /// By paper: the best cosine with a disliked document; empty when nothing is disliked.
    disliked_score: Vec<f32>,
    best_disliked: Vec<u32>,
}

/// How a paper stands to one profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Standing {
    /// Liked minus disliked: what picking compares with `min_similarity`.
    pub(crate) similarity: f32,
    /// The part from the liked documents.
    pub(crate) liked: f32,
    /// The best cosine with a disliked document (0 when none).
    pub(crate) disliked: f32,
}

/// A document of a profile that a paper is like, and why.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Likeness<'a> {
    pub(crate) title: &'a str,
    /// The cosine of the two.
    pub(crate) similarity: f32,
    /// The shared terms that weigh most, heaviest first.
    pub(crate) terms: Vec<&'a str>,
    /// Whether the document is one the reader disliked.
    pub(crate) disliked: bool,
}

/// The day's papers compared with every profile of the run.
pub(crate) struct Similarity {
    terms: Terms,
    papers: Vectors,
    scored: Vec<Scored>,
    /// The reason lines made so far, by profile and paper: readers who share a library
    /// share them. At most `CANDIDATES` a profile, the papers it can pick.
    reasons: Mutex<FxHashMap<(u32, u32), String>>,
}

impl Similarity {
    /// Weighs the papers and the profiles' documents and scores every paper against every
    /// profile. Profiles are referred to by their place in `profiles` from then on.
    pub(crate) fn new(papers: &[Paper], profiles: Vec<Profile>) -> Similarity {
        // The day's papers as one profile: its term numbers are the run's.
        let mut day = ProfileBuilder::default();
        for paper in papers {
            day.like(&paper.title, &paper.abstract_text, None);
        }
        let day = day.finish();
        let mut vocabulary = Vocabulary::default();
        for term in day.terms.iter() {
            vocabulary.intern(term);
        }
        let paper_counts: Vec<Vec<(u32, u32)>> = day.liked.into_iter().map(|d| d.counts).collect();
        // Each profile's own term numbers, as the run's.
        let local: Vec<Vec<u32>> = profiles
            .iter()
            .map(|p| p.terms.iter().map(|term| vocabulary.intern(term)).collect())
            .collect();
        let mut df = vec![0u32; vocabulary.terms.len()];
        let mut documents = paper_counts.len();
        for counts in &paper_counts {
            for &(term, _) in counts {
                df[term as usize] += 1;
            }
        }
        for (profile, local) in profiles.iter().zip(&local) {
            for doc in profile.liked.iter().chain(&profile.disliked) {
                documents += 1;
                for &(term, _) in &doc.counts {
                    df[local[term as usize] as usize] += 1;
                }
            }
        }
        let n = documents as f32;
        let idf: Vec<f32> = df.iter().map(|&df| ((1.0 + n) / (1.0 + df as f32)).ln()).collect();
        let mut paper_vectors = Vectors::default();
        let mut weigher = Weigher::new(&idf);
        for counts in &paper_counts {
            weigher.vector(counts.iter().copied(), usize::MAX, &mut paper_vectors);
        }
        let terms = vocabulary.terms.len();
        let postings = Postings::new(&paper_vectors, terms);
        let mut profiles: Vec<(Profile, Vec<u32>)> = profiles.into_iter().zip(local).collect();
        // Each profile is compared on its own, so profiles are shared out over the cores.
        let workspace = || Workspace {
            weigher: Weigher::new(&idf),
            by_paper: vec![0.0; papers.len()],
            doc_ranges: vec![(0, 0); terms],
        };
        let scored = crate::parallel::map_in_order(&mut profiles, workspace, |space, item| {
            let (profile, local) = std::mem::take(item);
            let mut docs = |docs: &[profile::ProfileDoc]| -> Vectors {
                let terms = docs.iter().map(|d| d.counts.len().min(DOC_TERMS)).sum();
                let mut vectors = Vectors::with_capacity(docs.len(), terms);
                for doc in docs {
                    let counts = doc.counts.iter().map(|&(t, c)| (local[t as usize], c));
                    space.weigher.vector(counts, DOC_TERMS, &mut vectors);
                }
                vectors
            };
            let liked = docs(&profile.liked);
            let disliked = docs(&profile.disliked);
            let (liked_score, best_liked) =
                postings.top_mean_likeliest(&liked, TOP_K, &paper_vectors, space);
            let (disliked_score, best_disliked) = if disliked.is_empty() {
                (Vec::new(), Vec::new())
            } else {
                postings.top_mean(&disliked, 1, papers.len(), &mut space.by_paper)
            };
            let titles =
                |docs: Vec<profile::ProfileDoc>| docs.into_iter().map(|d| d.title).collect();
            let liked_papers = (0..liked_score.len() as u32)
                .filter(|&paper| liked_score[paper as usize] > 0.0)
                .collect();
            Scored {
                liked_titles: titles(profile.liked),
                disliked_titles: titles(profile.disliked),
                liked,
                disliked,
                liked_score,
                best_liked,
                liked_papers,
                disliked_score,
                best_disliked,
            }
        });
        Similarity {
            terms: vocabulary.terms,
            papers: paper_vectors,
            scored,
            reasons: Mutex::default(),
        }
    }

    /// How `paper` stands to the `profile`-th profile.
    pub(crate) fn standing(&self, profile: usize, paper: u32) -> Standing {
        let scored = &self.scored[profile];
        let liked = scored.liked_score[paper as usize];
        let disliked = scored.disliked_score.get(paper as usize).copied().unwrap_or(0.0);
        Standing { similarity: liked - disliked, liked, disliked }
    }

    /// The papers the `profile`-th profile's liked documents make similar at all (above 0),
    /// in order: every other paper stands at 0 or below to it.
    pub(crate) fn liked_papers(&self, profile: usize) -> &[u32] {
        &self.scored[profile].liked_papers
    }

    /// The liked document `paper` is most like, or the disliked one when that is what rules
    /// it out; cheap, for the reason line of every pick.
    pub(crate) fn best(&self, profile: usize, paper: u32, disliked: bool) -> Option<Likeness<'_>> {
        let scored = &self.scored[profile];
        let (best, vectors, titles) = if disliked {
            (&scored.best_disliked, &scored.disliked, &scored.disliked_titles)
        } else {
            (&scored.best_liked, &scored.liked, &scored.liked_titles)
        };
        let doc = *best.get(paper as usize)? as usize;
        (doc < titles.len()).then(|| self.likeness(vectors.get(doc), &titles[doc], paper, disliked))
    }

    /// The reason line of a paper the `profile`-th profile picks: its [`Similarity::best`]
    /// liked document, as text.
    pub(crate) fn reason(&self, profile: usize, paper: u32) -> Option<String> {
        let key = (profile as u32, paper);
        let reasons = || self.reasons.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(reason) = reasons().get(&key) {
            return Some(reason.clone());
        }
        let reason = self.best(profile, paper, false)?.to_string();
        reasons().insert(key, reason.clone());
        Some(reason)
    }

    /// The `n` documents of a profile that `paper` is most like, liked and disliked, best
    /// first: what `explain` shows.
    pub(crate) fn most_like(&self, profile: usize, paper: u32, n: usize) -> Vec<Likeness<'_>> {
        let scored = &self.scored[profile];
        let paper_vector = self.papers.get(paper as usize);
        let liked = scored.liked.iter().zip(&scored.liked_titles).map(|(v, d)| (v, d, false));
        let disliked =
            scored.disliked.iter().zip(&scored.disliked_titles).map(|(v, d)| (v, d, true));
        let mut all: Vec<(f32, Vector<'_>, &String, bool)> = liked
            .chain(disliked)
            .map(|(v, d, bad)| (paper_vector.dot(&v), v, d, bad))
            .filter(|&(s, ..)| s > 0.0)
            .collect();
        all.sort_by(|a, b| b.0.total_cmp(&a.0));
        all.into_iter().take(n).map(|(_, v, d, bad)| self.likeness(v, d, paper, bad)).collect()
    }

    fn likeness<'s>(
        &'s self,
        doc: Vector<'_>,
        title: &'s str,
        paper: u32,
        disliked: bool,
    ) -> Likeness<'s> {
        let paper_vector = self.papers.get(paper as usize);
        let mut shared: Vec<(f32, u32)> = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < doc.terms.len() && j < paper_vector.terms.len() {
            match doc.terms[i].cmp(&paper_vector.terms[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    shared.push((doc.weights[i] * paper_vector.weights[j], doc.terms[i]));
                    i += 1;
                    j += 1;
                }
            }
        }
        let similarity = shared.iter().map(|(w, _)| w).sum();
        shared.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let terms = shared.iter().take(3).map(|&(_, t)| self.terms.get(t)).collect();
        Likeness { title, similarity, terms, disliked }
    }
}

/// `like your 'Title' (0.41): distillation, teacher, student`, the reason line of a pick.
impl std::fmt::Display for Likeness<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let like = if self.disliked { "fewer like your" } else { "like your" };
        write!(f, "{like} {} ({:.2})", document_name(self.title), self.similarity)?;
        if !self.terms.is_empty() {
            write!(f, ": {}", self.terms.join(", "))?;
        }
        Ok(())
    }
}

/// Starts the title of a voted paper as a profile document; no library title holds it.
const VOTED: char = '\u{1e}';

/// The title a voted paper goes by in a profile, so that every reason naming it says it was
/// a vote: "like your vote on 2025-08-05 for 'Title'".
pub(crate) fn vote_title(date: chrono::NaiveDate, title: &str) -> String {
    format!("{VOTED}vote on {date} for '{title}'")
}

/// A profile document as a reason names it: `'Title'`, or `vote on DATE for 'Title'`.
pub(crate) fn document_name(title: &str) -> String {
    match title.strip_prefix(VOTED) {
        Some(vote) => vote.to_owned(),
        None => format!("'{title}'"),
    }
}

/// The day's paper vectors by term: a document is compared with every paper at once by
/// walking the postings of its own terms.
struct Postings {
    by_term: Vec<Vec<(u32, f32)>>,
}

/// The buffers comparing one profile with the day reuses, one set per thread.
struct Workspace<'i> {
    weigher: Weigher<'i>,
    /// By paper, a cosine being summed (0 between documents).
    by_paper: Vec<f32>,
    /// By term, the range of a profile's documents' postings while one is compared (then
    /// emptied again): the postings of the documents, for papers to walk.
    doc_ranges: Vec<(u32, u32)>,
}

impl Postings {
    fn new(papers: &Vectors, terms: usize) -> Postings {
        let mut by_term = vec![Vec::new(); terms];
        for (paper, vector) in papers.iter().enumerate() {
            for (&term, &weight) in vector.terms.iter().zip(vector.weights) {
                by_term[term as usize].push((paper as u32, weight));
            }
        }
        Postings { by_term }
    }

    /// What [`Postings::top_mean`] gives, for the `CANDIDATES` papers the documents' heaviest
    /// terms rank first, with the same numbers; the other papers score 0 and have no best
    /// document. The candidates walk the documents' postings, so each pair of a term of a
    /// candidate and a document is visited once, as `top_mean` visits it.
    fn top_mean_likeliest(
        &self,
        docs: &Vectors,
        k: usize,
        papers: &Vectors,
        space: &mut Workspace<'_>,
    ) -> (Vec<f32>, Vec<u32>) {
        let Workspace { by_paper: scratch, doc_ranges: ranges, .. } = space;
        let candidates = CANDIDATES;
        if papers.len() <= candidates {
            return self.top_mean(docs, k, papers.len(), scratch);
        }
        // First each document by its heaviest terms alone: the rarest, with short postings.
        // Too few heaviest terms can leave papers unranked that the other terms would find:
        // then more, until the candidates are filled or every term ranks.
        let mut keep = HEAD_TERMS;
        let mut ranked: Vec<(f32, u32)> = loop {
            let mut heads = Vectors::default();
            let mut pairs = Vec::new();
            for doc in docs.iter() {
                heaviest(doc, keep, &mut pairs, &mut heads);
            }
            let (rough, _) = self.top_mean(&heads, k, papers.len(), scratch);
            let ranked: Vec<(f32, u32)> = rough
                .iter()
                .enumerate()
                .filter(|&(_, &score)| score > 0.0)
                .map(|(paper, &score)| (score, paper as u32))
                .collect();
            if ranked.len() >= candidates || keep >= DOC_TERMS {
                break ranked;
            }
            keep *= 2;
        };
        if ranked.len() > candidates {
            ranked.select_nth_unstable_by(candidates - 1, |a, b| {
                b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
            });
            ranked.truncate(candidates);
        }

        // The documents' postings, by term, the documents in order within a term: counted
        // by term first, then each put in its term's place.
        let mut doc_terms: Vec<u32> = Vec::new();
        for &term in &docs.terms {
            let range = &mut ranges[term as usize];
            if range.1 == 0 {
                doc_terms.push(term);
            }
            range.1 += 1;
        }
        let mut filled = 0;
        for &term in &doc_terms {
            let range = &mut ranges[term as usize];
            let count = range.1;
            *range = (filled, filled);
            filled += count;
        }
        let mut doc_postings = vec![(0u32, 0.0f32); filled as usize];
        for (number, doc) in docs.iter().enumerate() {
            for (&term, &weight) in doc.terms.iter().zip(doc.weights) {
                let range = &mut ranges[term as usize];
                doc_postings[range.1 as usize] = (number as u32, weight);
                range.1 += 1;
            }
        }
        let k = k.min(docs.len()).max(1);
        let mut means = vec![0.0f32; papers.len()];
        let mut best = vec![u32::MAX; papers.len()];
        let mut cosines = vec![0.0f32; docs.len()];
        let mut row = vec![0.0f32; k];
        for &(_, paper) in &ranked {
            let vector = papers.get(paper as usize);
            for (&term, &weight) in vector.terms.iter().zip(vector.weights) {
                let (from, to) = ranges[term as usize];
                for &(number, doc_weight) in &doc_postings[from as usize..to as usize] {
                    cosines[number as usize] += doc_weight * weight;
                }
            }
            row.fill(0.0);
            for (number, cosine) in cosines.iter_mut().enumerate() {
                if keep_if_among_best(&mut row, std::mem::take(cosine)) {
                    best[paper as usize] = number as u32;
                }
            }
            means[paper as usize] = row.iter().sum::<f32>() / k as f32;
        }
        for &term in &doc_terms {
            ranges[term as usize] = (0, 0);
        }
        (means, best)
    }

    /// By paper: the mean of its `k` best cosines with `docs` (fewer when there are fewer
    /// documents), and the document of the best one.
    fn top_mean(
        &self,
        docs: &Vectors,
        k: usize,
        papers: usize,
        scratch: &mut [f32],
    ) -> (Vec<f32>, Vec<u32>) {
        let k = k.min(docs.len()).max(1);
        let mut top = vec![0.0f32; papers * k];
        let mut best = vec![u32::MAX; papers];
        let mut touched: Vec<u32> = Vec::new();
        for (number, doc) in docs.iter().enumerate() {
            for (&term, &weight) in doc.terms.iter().zip(doc.weights) {
                for &(paper, paper_weight) in self.by_term.get(term as usize).map_or(&[][..], |p| p)
                {
                    let cell = &mut scratch[paper as usize];
                    if *cell == 0.0 {
                        touched.push(paper);
                    }
                    *cell += weight * paper_weight;
                }
            }
            for &paper in &touched {
                let cosine = std::mem::take(&mut scratch[paper as usize]);
                if keep_if_among_best(&mut top[paper as usize * k..][..k], cosine) {
                    best[paper as usize] = number as u32;
                }
            }
            touched.clear();
        }
        let means = top.chunks(k).map(|row| row.iter().sum::<f32>() / k as f32).collect();
        (means, best)
    }
}

/// Adds to `out` a document's `keep` heaviest terms, as they weigh in it; `pairs` is a
/// buffer.
fn heaviest(doc: Vector<'_>, keep: usize, pairs: &mut Vec<(u32, f32)>, out: &mut Vectors) {
    pairs.clear();
    pairs.extend(doc.terms.iter().copied().zip(doc.weights.iter().copied()));
    keep_heaviest(pairs, keep);
    out.push(pairs, 1.0);
}

/// Keeps the `keep` heaviest `(term, weight)` pairs (the lower term first among equal
/// weights), sorted by term.
fn keep_heaviest(pairs: &mut Vec<(u32, f32)>, keep: usize) {
    if pairs.len() > keep {
        pairs.select_nth_unstable_by(keep - 1, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        pairs.truncate(keep);
    }
    pairs.sort_unstable_by_key(|&(term, _)| term);
}

/// Puts `cosine` into `row`, kept best first, if it beats the last; true when it is the new
/// best.
fn keep_if_among_best(row: &mut [f32], cosine: f32) -> bool {
    let Some(&last) = row.last() else { return false };
    if cosine <= last {
        return false;
    }
    // Rows are a few cosines long: shifting the worse ones down is the fastest insertion.
    let mut at = row.len() - 1;
    while at > 0 && row[at - 1] < cosine {
        row[at] = row[at - 1];
        at -= 1;
    }
    row[at] = cosine;
    at == 0
}

#[cfg(test)]
mod tests;
