//! The day's papers, tokenized once into postings, and every keyword looked up once and
//! scored with BM25F.
//!
//! Picking for a subscriber then only combines precomputed hits: nothing here scans
//! subscriber × paper × keyword.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use super::keyword::{Keyword, Scope, Term};
use super::tokens::tokenize;
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

/// The day's papers as postings.
pub struct DayIndex<'p> {
    pub(crate) papers: &'p [Paper],
    /// By singular base form, for whole-word terms.
    words: HashMap<String, Vec<Posting>>,
    /// By folded form while indexing; sorted into `by_folded` when done.
    folded: HashMap<String, Vec<Posting>>,
    /// By folded form, in order, for `prefix*` terms.
    by_folded: Vec<(String, Vec<Posting>)>,
    /// Tokens per paper and field.
    lengths: Vec<[u32; FIELDS]>,
    average: [f64; FIELDS],
}

impl<'p> DayIndex<'p> {
    /// Tokenizes every paper once.
    pub fn new(papers: &'p [Paper]) -> DayIndex<'p> {
        let mut index = DayIndex {
            papers,
            words: HashMap::new(),
            folded: HashMap::new(),
            by_folded: Vec::new(),
            lengths: Vec::with_capacity(papers.len()),
            average: [0.0; FIELDS],
        };
        for (number, paper) in papers.iter().enumerate() {
            let number = u32::try_from(number).expect("fewer than 4 billion papers a day");
            let mut lengths = [0; FIELDS];
            lengths[Field::Title as usize] =
                index.add(number, Field::Title, [paper.title.as_str()]);
            let abstract_parts = std::iter::once(paper.abstract_text.as_str())
                .chain(paper.keywords.iter().map(String::as_str));
            lengths[Field::Abstract as usize] = index.add(number, Field::Abstract, abstract_parts);
            lengths[Field::Author as usize] =
                index.add(number, Field::Author, paper.authors.iter().map(String::as_str));
            lengths[Field::Category as usize] =
                index.add(number, Field::Category, paper.categories.iter().map(String::as_str));
            index.lengths.push(lengths);
        }
        // Sorted once at the end: a sorted map grown token by token costs a dozen string
        // comparisons per token.
        index.by_folded = std::mem::take(&mut index.folded).into_iter().collect();
        index.by_folded.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let count = papers.len().max(1) as f64;
        for field in 0..FIELDS {
            let total: u64 = index.lengths.iter().map(|l| u64::from(l[field])).sum();
            index.average[field] = (total as f64 / count).max(1.0);
        }
        index
    }

    /// Adds the parts of one field; a gap between parts keeps a phrase from spanning two
    /// authors or two categories. Returns the field's length in tokens.
    fn add<'t>(
        &mut self,
        paper: u32,
        field: Field,
        parts: impl IntoIterator<Item = &'t str>,
    ) -> u32 {
        let mut position = 0;
        let mut length = 0;
        for part in parts {
            for token in tokenize(part) {
                let posting = Posting { paper, field, position };
                self.words.entry(token.singular).or_default().push(posting);
                self.folded.entry(token.folded).or_default().push(posting);
                position += 1;
                length += 1;
            }
            position += 1;
        }
        length
    }

    /// How many papers the index holds.
    pub fn len(&self) -> usize {
        self.papers.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.papers.is_empty()
    }

    /// The postings of one term, sorted; borrowed for a whole word, gathered for a prefix.
    fn postings(&self, term: &Term) -> Cow<'_, [Posting]> {
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
                all.sort_unstable();
                Cow::Owned(all)
            }
        }
    }

    /// Every paper where `keyword` occurs, with its BM25F score there.
    pub(crate) fn hits(&self, keyword: &Keyword) -> KeywordHits {
        let fields = keyword.scope.fields();
        let lists: Vec<Cow<'_, [Posting]>> =
            keyword.terms.iter().map(|term| self.postings(term)).collect();
        let mut counts: BTreeMap<u32, [u32; FIELDS]> = BTreeMap::new();
        for first in lists[0].iter().filter(|p| fields.contains(&p.field)) {
            let continues = lists[1..].iter().zip(1u32..).all(|(list, offset)| {
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
        let papers = counts
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
        KeywordHits { papers }
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
