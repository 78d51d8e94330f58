//! The day's papers, tokenized once into postings, and every keyword looked up once and
//! scored with BM25F.
//!
//! Picking for a subscriber then only combines precomputed hits: nothing here scans
//! subscriber × paper × keyword.

use rustc_hash::FxHashMap;
use std::borrow::Cow;

use super::keyword::{Keyword, Scope, Term};
use super::tokens::{each_folded, singular};
use crate::paper::Paper;

/// The parts of a paper a keyword can look in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub(crate) enum Field {
    Title = 0,
    /// The abstract, followed by the keywords a source attaches.
    Abstract = 1,
    Author = 2,
    Category = 3,
}

const FIELDS: usize = 4;

/// BM25F weights: a title match counts three times an abstract match.
const WEIGHT: [f64; FIELDS] = [3.0, 1.0, 2.0, 2.0];
/// Length normalisation per field; names and categories are not prose, so none there.
const B: [f64; FIELDS] = [0.75, 0.75, 0.0, 0.0];
const K1: f64 = 1.2;

impl Scope {
    fn fields(self) -> &'static [Field] {
        match self {
            Scope::TitleOrAbstract => &[Field::Title, Field::Abstract],
            Scope::Title => &[Field::Title],
            Scope::Author => &[Field::Author],
            Scope::Category => &[Field::Category],
        }
    }
}

/// One occurrence of a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Posting {
    paper: u32,
    field: Field,
    position: u32,
}

/// Postings by a word's singular form.
type BySingular = FxHashMap<String, Vec<Posting>>;
/// Postings by folded word, sorted by the word.
type InOrder = Vec<(String, Vec<Posting>)>;

/// The day's papers as postings.
pub(crate) struct DayIndex<'p> {
    pub(crate) papers: &'p [Paper],
    /// By singular base form, for whole-word terms.
    words: BySingular,
    /// By folded form, in order, for `prefix*` terms.
    by_folded: InOrder,
    /// Tokens per paper and field.
    lengths: Vec<[u32; FIELDS]>,
    average: [f64; FIELDS],
}

impl<'p> DayIndex<'p> {
    /// Tokenizes every paper once.
    pub(crate) fn new(papers: &'p [Paper]) -> DayIndex<'p> {
        let mut folded = FoldedPostings::default();
        let mut lengths = Vec::with_capacity(papers.len());
        for (number, paper) in papers.iter().enumerate() {
            let number = u32::try_from(number).expect("fewer than 4 billion papers a day");
            let mut paper_lengths = [0; FIELDS];
            paper_lengths[Field::Title as usize] =
                folded.add(number, Field::Title, [paper.title.as_str()]);
            let abstract_parts = std::iter::once(paper.abstract_text.as_str())
                .chain(paper.keywords.iter().map(String::as_str));
            paper_lengths[Field::Abstract as usize] =
                folded.add(number, Field::Abstract, abstract_parts);
            paper_lengths[Field::Author as usize] =
                folded.add(number, Field::Author, paper.authors.iter().map(String::as_str));
            paper_lengths[Field::Category as usize] =
                folded.add(number, Field::Category, paper.categories.iter().map(String::as_str));
            lengths.push(paper_lengths);
        }
        let (words, by_folded) = folded.finish();
        let count = papers.len().max(1) as f64;
        let mut average = [0.0; FIELDS];
        for (field, average) in average.iter_mut().enumerate() {
            let total: u64 = lengths.iter().map(|l: &[u32; FIELDS]| u64::from(l[field])).sum();
            *average = (total as f64 / count).max(1.0);
        }
        DayIndex { papers, words, by_folded, lengths, average }
    }

    /// The postings of one term, borrowed for a whole word and gathered for a prefix; in
    /// order when `sorted` is asked for (the postings of one word always are).
    fn postings(&self, term: &Term, sorted: bool) -> Cow<'_, [Posting]> {
        match term {
            Term::Word(word) => Cow::Borrowed(self.words.get(word).map_or(&[][..], Vec::as_slice)),
            Term::Prefix(prefix) => {
                let start =
                    self.by_folded.partition_point(|(word, _)| word.as_str() < prefix.as_str());
                let mut all: Vec<Posting> = self.by_folded[start..]
                    .iter()
                    .take_while(|(word, _)| word.starts_with(prefix.as_str()))
                    .flat_map(|(_, postings)| postings.iter().copied())
                    .collect();
                if sorted {
                    all.sort_unstable();
                }
                Cow::Owned(all)
            }
        }
    }

    /// Every paper where `keyword` occurs, with its BM25F score there.
    pub(crate) fn hits(&self, keyword: &Keyword) -> KeywordHits {
        let fields = keyword.scope.fields();
        let first = self.postings(&keyword.terms[0], false);
        let rest: Vec<Cow<'_, [Posting]>> =
            keyword.terms[1..].iter().map(|term| self.postings(term, true)).collect();
        // Occurrences by paper and field; most keywords occur in few papers.
        let mut counts: FxHashMap<u32, [u32; FIELDS]> = FxHashMap::default();
        for first in first.iter().filter(|p| fields.contains(&p.field)) {
            let continues = rest.iter().zip(1u32..).all(|(list, offset)| {
                let next = Posting { position: first.position + offset, ..*first };
                list.binary_search(&next).is_ok()
            });
            if continues {
                counts.entry(first.paper).or_default()[first.field as usize] += 1;
            }
        }
        let n = self.papers.len() as f64;
        let df = counts.len() as f64;
        let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
        let mut papers: Vec<PaperHit> = counts
            .into_iter()
            .map(|(paper, tf)| {
                let lengths = &self.lengths[paper as usize];
                let weighted: f64 = (0..FIELDS)
                    .map(|f| {
                        let norm = 1.0 - B[f] + B[f] * f64::from(lengths[f]) / self.average[f];
                        WEIGHT[f] * f64::from(tf[f]) / norm
                    })
                    .sum();
                let score = idf * weighted * (K1 + 1.0) / (weighted + K1);
                PaperHit { paper, score: score as f32 }
            })
            .collect();
        papers.sort_unstable_by_key(|hit| hit.paper);
        KeywordHits { papers }
    }
}

/// Postings by folded word while the day is indexed: each distinct word is stored once, and
/// put in the singular once.
#[derive(Default)]
struct FoldedPostings {
    numbers: FxHashMap<String, u32>,
    words: Vec<(String, Vec<Posting>)>,
}

impl FoldedPostings {
    /// Adds the parts of one field; a gap between parts keeps a phrase from spanning two
    /// authors or two categories. Returns the field's length in tokens.
    fn add<'t>(
        &mut self,
        paper: u32,
        field: Field,
        parts: impl IntoIterator<Item = &'t str>,
    ) -> u32 {
        let mut length = 0;
        for (gap, part) in (0u32..).zip(parts) {
            each_folded(part, |word| {
                let number = match self.numbers.get(word) {
                    Some(&number) => number,
                    None => {
                        let number = self.words.len() as u32;
                        self.numbers.insert(word.to_owned(), number);
                        self.words.push((word.to_owned(), Vec::new()));
                        number
                    }
                };
                let position = length + gap;
                self.words[number as usize].1.push(Posting { paper, field, position });
                length += 1;
            });
        }
        length
    }

    /// The postings by singular form, and by folded form in order.
    fn finish(self) -> (BySingular, InOrder) {
        let mut by_singular = BySingular::default();
        for (word, postings) in &self.words {
            by_singular.entry(singular(word)).or_default().extend_from_slice(postings);
        }
        // Several folded forms of one word (`model`, `models`) interleave.
        for postings in by_singular.values_mut() {
            postings.sort_unstable();
        }
        let mut by_folded = self.words;
        by_folded.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        (by_singular, by_folded)
    }
}

/// Where one keyword occurs in the day's papers.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeywordHits {
    /// Sorted by paper.
    pub(crate) papers: Vec<PaperHit>,
}

/// One keyword in one paper.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PaperHit {
    pub(crate) paper: u32,
    /// Single precision: enough to rank by, and half the memory to add up per subscriber.
    pub(crate) score: f32,
}

impl KeywordHits {
    pub(crate) fn get(&self, paper: u32) -> Option<&PaperHit> {
        self.papers.binary_search_by_key(&paper, |hit| hit.paper).ok().map(|at| &self.papers[at])
    }
}
