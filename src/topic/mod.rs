//! Stage 2: topics pick and rank the papers each subscriber gets.
//!
//! Keywords are compiled once when the config loads and numbered in a [`Lexicon`]. Each day
//! the papers are indexed once ([`DayIndex`]), every keyword is looked up and scored once
//! (BM25F, a title match weighing more), and every topic is evaluated once ([`Matcher`]).
//! Picking for one subscriber then only merges its topics' precomputed results with its own
//! rules. Nothing here reads files, renders or sends.

mod authors;
mod explain;
mod highlight;
mod index;
mod keyword;
pub(crate) mod similar;
mod singular;
mod tokens;

use std::cell::RefCell;
use std::collections::HashMap;

use chrono::NaiveDate;

pub(crate) use authors::AuthorName;
pub(crate) use explain::{Outcome, Verdict};
pub(crate) use highlight::{Highlight, highlight_one, merged};
pub(crate) use index::DayIndex;
use index::KeywordHits;
pub(crate) use keyword::{Keyword, KeywordId, Lexicon};
use similar::Similarity;

use crate::paper::{Paper, PaperId};

/// Rules that pick papers: a topic's, or a subscriber's own.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rules {
    /// Any of these picks a paper.
    pub(crate) keywords: Vec<KeywordId>,
    /// All of these must occur as well.
    pub(crate) require: Vec<KeywordId>,
    /// Any of these rules a paper out.
    pub(crate) exclude: Vec<KeywordId>,
    /// Papers scoring below this are left out.
    pub(crate) min_score: Option<f64>,
    /// Papers with fewer community upvotes are left out, where the source gives upvotes.
    pub(crate) min_upvotes: Option<u64>,
    /// Any paper by one of these is picked and shown first; `require` and `exclude` still
    /// apply, `min_score` does not (the paper was picked for its author, not its words).
    pub(crate) authors: Vec<AuthorName>,
}

/// A named set of rules that subscribers share.
#[derive(Debug, Clone)]
pub(crate) struct Topic {
    /// The name subscribers refer to it by.
    pub(crate) name: String,
    /// What it picks. Its `require`, `min_score` and `min_upvotes` narrow only what this
    /// topic picks; its `exclude` rules a paper out for every follower.
    pub(crate) rules: Rules,
    /// A reading list its followers share.
    pub(crate) library: Option<std::path::PathBuf>,
    /// What the sign-up and preferences pages say about it.
    pub(crate) description: Option<String>,
    /// The similarity to `library` that picks a paper; the newsletter's when unset.
    pub(crate) min_similarity: Option<f32>,
}

/// What one subscriber wants, compiled.
#[derive(Debug, Clone, Default)]
pub(crate) struct Interest {
    /// Indexes into the config's topics.
    pub(crate) topics: Vec<usize>,
    /// The subscriber's own rules: its keywords pick like a topic's; its `require`,
    /// `exclude`, `min_score` and `min_upvotes` apply to every paper it gets.
    pub(crate) own: Rules,
    /// The most papers per digest.
    pub(crate) max_papers: usize,
    /// The similarity to the subscriber's library that picks a paper; the newsletter's
    /// when unset.
    pub(crate) min_similarity: Option<f32>,
}

impl Interest {
    /// Every keyword that can pick a paper, its topics' first, without repeats.
    pub(crate) fn keyword_ids(&self, topics: &[Topic]) -> Vec<KeywordId> {
        let mut ids: Vec<KeywordId> = Vec::new();
        let topic_keywords = self.topics.iter().flat_map(|&t| &topics[t].rules.keywords);
        for &id in topic_keywords.chain(&self.own.keywords) {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }
}

/// Papers already sent to a subscriber, and when.
pub type SentPapers = HashMap<PaperId, NaiveDate>;

/// One reading list a subscriber's papers are compared with (its own library, a followed
/// topic's), as numbered in the run's [`Similarity`], and the similarity that picks a paper.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Liking {
    pub(crate) profile: usize,
    pub(crate) min_similarity: f32,
}

/// A paper picked for a subscriber.
#[derive(Debug, Clone)]
pub struct Pick<'a> {
    pub(crate) paper: &'a Paper,
    /// Its score: each followed topic's BM25F score for it, plus the subscriber's own
    /// keywords'. Picking orders by it; only the tests read it back.
    #[cfg_attr(not(test), expect(dead_code, reason = "read by the ranking tests only"))]
    pub(crate) score: f64,
    /// The subscriber's keywords that occur in it, its topics' first.
    pub(crate) matched: Vec<&'a Keyword>,
    /// Its authors, as the paper writes them, whom the subscriber follows: such a paper
    /// comes before every other.
    pub(crate) followed: Vec<&'a str>,
    /// Why it was picked when keywords alone do not say: "like your 'Title' (0.41): a, b".
    pub(crate) reason: Option<String>,
}

impl<'a> Pick<'a> {
    /// The paper picked, for the benchmarks that check a change picks the same.
    pub fn paper(&self) -> &'a Paper {
        self.paper
    }
}

/// Rows of equal width in one allocation, so reading a cell is one load.
#[derive(Debug, Default)]
struct Rows<T> {
    width: usize,
    cells: Vec<T>,
}

impl<T: Copy + Default> Rows<T> {
    fn new(width: usize, rows: usize) -> Rows<T> {
        Rows { width, cells: vec![T::default(); width * rows] }
    }

    fn row(&self, row: usize) -> &[T] {
        &self.cells[row * self.width..][..self.width]
    }

    fn row_mut(&mut self, row: usize) -> &mut [T] {
        &mut self.cells[row * self.width..][..self.width]
    }
}

/// The day's papers with every keyword and topic of the config evaluated once.
pub(crate) struct Matcher<'a> {
    papers: &'a [Paper],
    lexicon: &'a Lexicon,
    topics: &'a [Topic],
    /// By keyword id.
    hits: Vec<KeywordHits>,
    /// By keyword id, a bit per paper it occurs in: membership without a search.
    present: Rows<u64>,
    /// By topic index, the topic's score by paper; 0 where it picks nothing (every real
    /// score is above 0).
    topic_scores: Rows<f32>,
    /// By topic index, a bit per paper that its `exclude` rules out.
    excluded: Rows<u64>,
    /// By paper: its place among papers of equal score.
    tie_order: Vec<u32>,
    /// The day's authors by surname as compared, with their paper; read the first time a
    /// subscriber follows someone, so a config that follows nobody never pays for it.
    authors: std::sync::OnceLock<HashMap<String, Vec<(u32, AuthorName)>>>,
    /// The papers compared with every reading list of the run, when there are any.
    similarity: Option<Similarity>,
}

/// Per-thread scratch space, reused across subscribers so picking allocates little.
#[derive(Default)]
struct Scratch {
    /// The subscriber's score by paper; 0 for the papers nothing picks or something rules out.
    scores: Vec<f32>,
    /// The subscriber's own keywords' score by paper; all 0 between subscribers.
    own_scores: Vec<f32>,
    /// A bit per paper the subscriber may not get.
    blocked: Vec<u64>,
    /// How many of the subscriber's `require` keywords each paper has.
    required: Vec<u16>,
    /// The best score in each block of papers.
    block_best: Vec<f32>,
    /// The same, reordered to find the best blocks.
    ranked: Vec<f32>,
}

/// Papers are looked at in blocks of this many; blocks whose best cannot make the top are
/// skipped.
const BLOCK: usize = 64;

/// The keyword score that counts as half way to the best, when keyword scores are squashed
/// under 1 to rank beside similarities: a good single-keyword match scores about 5.
const KEYWORD_HALF: f32 = 5.0;

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

fn bit(bits: &[u64], paper: u32) -> bool {
    bits[paper as usize / 64] & (1 << (paper % 64)) != 0
}

fn set_bit(bits: &mut [u64], paper: u32) {
    bits[paper as usize / 64] |= 1 << (paper % 64);
}

/// Each paper's place among equal scores: more upvotes first, then the smaller id, so the
/// same input always gives the same digest.
fn tie_order(papers: &[Paper]) -> Vec<u32> {
    let mut by_preference: Vec<usize> = (0..papers.len()).collect();
    by_preference.sort_by(|&a, &b| {
        let (pa, pb) = (&papers[a], &papers[b]);
        pb.upvotes.unwrap_or(0).cmp(&pa.upvotes.unwrap_or(0)).then_with(|| pa.id.cmp(&pb.id))
    });
    let mut order = vec![0; papers.len()];
    for (place, paper) in by_preference.into_iter().enumerate() {
        order[paper] = place as u32;
    }
    order
}

/// The day's authors by surname, read once so that a followed name is a look-up.
fn author_index(papers: &[Paper]) -> HashMap<String, Vec<(u32, AuthorName)>> {
    let mut index: HashMap<String, Vec<(u32, AuthorName)>> = HashMap::new();
    for (paper, listed) in papers.iter().enumerate() {
        for written in &listed.authors {
            if let Some(name) = AuthorName::parse(written) {
                index.entry(name.surname().to_owned()).or_default().push((paper as u32, name));
            }
        }
    }
    index
}

/// The best of some scores, 0 for none.
fn best_of(scores: &[f32]) -> f32 {
    // Eight running maxima rather than one, so the comparisons need not wait on each other.
    let mut lanes = [0.0f32; 8];
    let mut chunks = scores.chunks_exact(8);
    for chunk in &mut chunks {
        for (lane, &score) in lanes.iter_mut().zip(chunk) {
            *lane = if score > *lane { score } else { *lane };
        }
    }
    let rest = chunks.remainder().iter();
    lanes.iter().chain(rest).fold(0.0, |best, &score| if score > best { score } else { best })
}

/// The `want`-th best of the blocks' best scores (0 when fewer blocks score at all).
fn top_bound(block_best: &mut [f32], want: usize) -> f32 {
    if want == 0 || want > block_best.len() {
        return 0.0;
    }
    let (_, &mut bound, _) = block_best.select_nth_unstable_by(want - 1, |a, b| b.total_cmp(a));
    bound
}

impl<'a> Matcher<'a> {
    /// Looks up every keyword of the lexicon and evaluates every topic.
    pub(crate) fn new(
        index: &DayIndex<'a>,
        lexicon: &'a Lexicon,
        topics: &'a [Topic],
    ) -> Matcher<'a> {
        let hits: Vec<KeywordHits> =
            (0..lexicon.len()).map(|id| index.hits(lexicon.get(KeywordId(id as u32)))).collect();
        let n = index.papers.len();
        let mut present = Rows::new(n.div_ceil(64), hits.len());
        for (keyword, hits) in hits.iter().enumerate() {
            let bits = present.row_mut(keyword);
            for hit in &hits.papers {
                set_bit(bits, hit.paper);
            }
        }
        let mut matcher = Matcher {
            papers: index.papers,
            lexicon,
            topics,
            hits,
            present,
            topic_scores: Rows::new(n, topics.len()),
            excluded: Rows::new(n.div_ceil(64), topics.len()),
            tie_order: tie_order(index.papers),
            authors: std::sync::OnceLock::new(),
            similarity: None,
        };
        for (at, topic) in topics.iter().enumerate() {
            let (scores, excluded) = matcher.evaluate_topic(&topic.rules);
            matcher.topic_scores.row_mut(at).copy_from_slice(&scores);
            matcher.excluded.row_mut(at).copy_from_slice(&excluded);
        }
        matcher
    }

    /// The same, with the papers compared with the run's reading lists, for
    /// [`Matcher::select_liking`].
    pub(crate) fn with_similarity(self, similarity: Similarity) -> Matcher<'a> {
        Matcher { similarity: Some(similarity), ..self }
    }

    /// How a paper stands to the lists a subscriber likes: the best similarity, whether it
    /// reaches that list's `min_similarity`, and whether a disliked document rules it out
    /// (it is more like that than like the liked ones, and that much).
    fn standing(&self, likings: &[Liking], paper: u32) -> Option<(f32, Option<usize>, bool)> {
        let similarity = self.similarity.as_ref()?;
        let (mut best, mut picking, mut disliked) = (f32::MIN, None, false);
        for (at, liking) in likings.iter().enumerate() {
            let standing = similarity.standing(liking.profile, paper);
            if standing.disliked >= liking.min_similarity && standing.disliked > standing.liked {
                disliked = true;
            }
            if standing.similarity > best {
                best = standing.similarity;
                if standing.similarity >= liking.min_similarity {
                    picking = Some(at);
                }
            }
        }
        (!likings.is_empty()).then_some((best, picking, disliked))
    }

    fn hit(&self, keyword: KeywordId, paper: u32) -> Option<f32> {
        self.hits[keyword.0 as usize].get(paper).map(|hit| hit.score)
    }

    fn upvotes_ok(&self, paper: u32, min: Option<u64>) -> bool {
        match (min, self.papers[paper as usize].upvotes) {
            (Some(min), Some(upvotes)) => upvotes >= min,
            _ => true,
        }
    }

    /// The sum of a rule's keyword scores in a paper, in keyword order; 0 when none occurs.
    fn rule_score(&self, rules: &Rules, paper: u32) -> f32 {
        rules.keywords.iter().filter_map(|&k| self.hit(k, paper)).fold(0.0, |sum, s| sum + s)
    }

    /// Whether a topic's own narrowing rules let a paper through.
    fn topic_passes(&self, rules: &Rules, paper: u32, score: f32) -> bool {
        rules.require.iter().all(|&r| self.hit(r, paper).is_some())
            && rules.min_score.is_none_or(|min| f64::from(score) >= min)
            && self.upvotes_ok(paper, rules.min_upvotes)
    }

    /// A topic's score by paper, and a bit per paper its `exclude` rules out.
    fn evaluate_topic(&self, rules: &Rules) -> (Vec<f32>, Vec<u64>) {
        let n = self.papers.len();
        let mut scores = vec![0.0; n];
        for &keyword in &rules.keywords {
            for hit in &self.hits[keyword.0 as usize].papers {
                scores[hit.paper as usize] += hit.score;
            }
        }
        for (paper, score) in scores.iter_mut().enumerate() {
            if *score > 0.0 && !self.topic_passes(rules, paper as u32, *score) {
                *score = 0.0;
            }
        }
        let mut excluded = vec![0u64; n.div_ceil(64)];
        for &keyword in &rules.exclude {
            for hit in &self.hits[keyword.0 as usize].papers {
                set_bit(&mut excluded, hit.paper);
            }
        }
        (scores, excluded)
    }

    /// A subscriber's score for a paper: each followed topic's score, then its own
    /// keywords', added in the order `select` adds them.
    fn score(&self, interest: &Interest, paper: u32) -> f32 {
        let mut topics = 0.0;
        for &topic in &interest.topics {
            topics += self.topic_scores.row(topic)[paper as usize];
        }
        topics + self.rule_score(&interest.own, paper)
    }

    /// Picks a subscriber's papers: best score first, ties by upvotes then id, capped at
    /// `max_papers`, leaving out papers in `sent`.
    ///
    /// Topics were scored once for the day, so a subscriber costs a few vector additions
    /// over the day's papers, then a look at the few papers that can make its top.
    #[cfg(test)]
    pub(crate) fn select(&self, interest: &Interest, sent: &SentPapers) -> Vec<Pick<'a>> {
        self.select_liking(interest, &[], sent)
    }

    /// [`Matcher::select`] for a subscriber who also likes some reading lists: a paper
    /// similar enough to one is picked without keywords, and a paper both ways ranks above
    /// every paper only one way picks.
    pub(crate) fn select_liking(
        &self,
        interest: &Interest,
        likings: &[Liking],
        sent: &SentPapers,
    ) -> Vec<Pick<'a>> {
        let likings = if self.similarity.is_some() { likings } else { &[] };
        let mut kept: Vec<(u32, f32)> = Vec::with_capacity(interest.max_papers.min(64));
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let Scratch { scores, own_scores, blocked, required, block_best, ranked } =
                &mut *scratch;
            self.add_up(interest, scores, own_scores, blocked, required);
            let own = &interest.own;
            let mut min_score = own.min_score.unwrap_or(0.0);
            if !likings.is_empty() {
                self.combine(interest, likings, scores, blocked);
                // Applied to the keyword part in `combine`: a paper similarity picks has none.
                min_score = 0.0;
            }
            let floor = (min_score as f32).max(f32::MIN_POSITIVE);
            let eligible = |paper: u32| {
                (own.require.is_empty()
                    || usize::from(required[paper as usize]) >= own.require.len())
                    && self.upvotes_ok(paper, own.min_upvotes)
                    && (sent.is_empty() || !sent.contains_key(&self.papers[paper as usize].id))
            };
            let passes = |paper: u32, score: f32| f64::from(score) >= min_score && eligible(paper);
            let mut first: Vec<(u32, f32)> = self
                .by_followed_authors(interest)
                .into_iter()
                .filter(|&paper| !bit(blocked, paper) && eligible(paper))
                .map(|paper| (paper, scores[paper as usize]))
                .collect();
            // Every block whose best score is among the `max_papers` best of
            // all blocks holds a paper at least that good, so the top lies at or above the
            // lowest of those. Only if rules turn too many of them away is the rest looked at.
            block_best.clear();
            block_best.extend(scores.chunks(BLOCK).map(best_of));
            ranked.clone_from(block_best);
            let bound = top_bound(ranked, interest.max_papers).max(floor);
            let consider = |kept: &mut Vec<(u32, f32)>, range: std::ops::RangeInclusive<f32>| {
                let mut lower = *range.start();
                for (block, &best) in block_best.iter().enumerate() {
                    if best < lower {
                        continue;
                    }
                    let start = block * BLOCK;
                    for (at, &score) in (start..).zip(scores[start..].iter().take(BLOCK)) {
                        if score < lower || !range.contains(&score) || !passes(at as u32, score) {
                            continue;
                        }
                        self.keep(kept, (at as u32, score), interest.max_papers);
                        if kept.len() == interest.max_papers {
                            lower = kept.last().map_or(lower, |&(_, last)| last.max(lower));
                        }
                    }
                }
            };
            consider(&mut kept, bound..=f32::MAX);
            if kept.len() < interest.max_papers && bound > floor {
                consider(&mut kept, floor..=bound.next_down());
            }
            for &keyword in &own.keywords {
                for hit in &self.hits[keyword.0 as usize].papers {
                    own_scores[hit.paper as usize] = 0.0;
                }
            }
            if !first.is_empty() {
                // Papers by followed authors come first, best first among them.
                let mut ordered = Vec::with_capacity(first.len());
                for entry in first.drain(..) {
                    self.keep(&mut ordered, entry, usize::MAX);
                }
                kept.retain(|(paper, _)| !ordered.iter().any(|(p, _)| p == paper));
                ordered.append(&mut kept);
                ordered.truncate(interest.max_papers);
                kept = ordered;
            }
        });
        kept.into_iter().map(|(paper, score)| self.pick(interest, likings, paper, score)).collect()
    }

    /// Turns keyword scores into the ranking of a subscriber with reading lists: papers both
    /// keywords and similarity pick score 2 and more, papers one way picks under 1
    /// (keyword scores squashed into that range, similarities as they are), so the order
    /// within each way stays the same.
    fn combine(
        &self,
        interest: &Interest,
        likings: &[Liking],
        scores: &mut [f32],
        blocked: &[u64],
    ) {
        let Some(similarity) = &self.similarity else { return };
        let combine_all = |scores: &mut [f32], only_scored: bool| {
            for (paper, score) in scores.iter_mut().enumerate() {
                if only_scored && *score == 0.0 {
                    continue;
                }
                if let Some(new) = self.combined(interest, likings, blocked, paper as u32, *score) {
                    *score = new;
                }
            }
        };
        if likings.iter().any(|liking| liking.min_similarity <= 0.0) {
            // Then a paper similar to nothing can still reach `min_similarity`.
            combine_all(scores, false);
            return;
        }
        // A paper with no keyword score that no list finds similar stays at 0, so of those
        // only the lists' similar papers are looked at: a hundred or so of the whole day.
        let similar_only: Vec<(u32, f32)> = likings
            .iter()
            .flat_map(|liking| similarity.liked_papers(liking.profile))
            .filter(|&&paper| scores[paper as usize] == 0.0)
            .filter_map(|&paper| {
                Some((paper, self.combined(interest, likings, blocked, paper, 0.0)?))
            })
            .collect();
        combine_all(scores, true);
        for (paper, score) in similar_only {
            scores[paper as usize] = score;
        }
    }

    /// What [`Matcher::combine`] makes of one paper's keyword score; `None` for a paper
    /// blocked or with no lists to compare.
    fn combined(
        &self,
        interest: &Interest,
        likings: &[Liking],
        blocked: &[u64],
        paper: u32,
        score: f32,
    ) -> Option<f32> {
        if bit(blocked, paper) {
            return None;
        }
        let (similarity, picking, disliked) = self.standing(likings, paper)?;
        let min_score = interest.own.min_score.unwrap_or(0.0);
        let keywords = score > 0.0 && f64::from(score) >= min_score;
        let squashed = score / (score + KEYWORD_HALF);
        Some(match (disliked, keywords, picking.is_some()) {
            (true, ..) => 0.0,
            (false, true, true) => 2.0 + squashed + similarity.min(1.0),
            (false, true, false) => squashed,
            (false, false, true) => similarity.clamp(f32::MIN_POSITIVE, 1.0),
            (false, false, false) => 0.0,
        })
    }

    /// Fills `scores` with the subscriber's score of every paper, 0 for the papers it may
    /// not get, and `required` with how many of its `require` keywords each paper has.
    fn add_up(
        &self,
        interest: &Interest,
        scores: &mut Vec<f32>,
        own_scores: &mut Vec<f32>,
        blocked: &mut Vec<u64>,
        required: &mut Vec<u16>,
    ) {
        let n = self.papers.len();
        let own = &interest.own;
        scores.clear();
        scores.resize(n, 0.0);
        if own_scores.len() != n {
            *own_scores = vec![0.0; n];
        }
        blocked.clear();
        blocked.resize(n.div_ceil(64), 0);
        for &topic in &interest.topics {
            for (score, &topic_score) in scores.iter_mut().zip(self.topic_scores.row(topic)) {
                *score += topic_score;
            }
            for (block, excluded) in blocked.iter_mut().zip(self.excluded.row(topic)) {
                *block |= excluded;
            }
        }
        for &keyword in &own.keywords {
            for hit in &self.hits[keyword.0 as usize].papers {
                own_scores[hit.paper as usize] += hit.score;
            }
        }
        // Added as `score` adds, so explain reports exactly this number.
        for (score, &own_score) in scores.iter_mut().zip(own_scores.iter()) {
            *score += own_score;
        }
        for &keyword in &own.exclude {
            for (block, present) in blocked.iter_mut().zip(self.present.row(keyword.0 as usize)) {
                *block |= present;
            }
        }
        for (word, &block) in blocked.iter().enumerate() {
            let mut bits = block;
            while bits != 0 {
                scores[word * 64 + bits.trailing_zeros() as usize] = 0.0;
                bits &= bits - 1;
            }
        }
        if !own.require.is_empty() {
            required.clear();
            required.resize(n, 0);
            for &keyword in &own.require {
                for hit in &self.hits[keyword.0 as usize].papers {
                    required[hit.paper as usize] += 1;
                }
            }
        }
    }

    /// Inserts into a best-first list of at most `want`.
    fn keep(&self, kept: &mut Vec<(u32, f32)>, entry: (u32, f32), want: usize) {
        let better = |(a, a_score): (u32, f32), (b, b_score): (u32, f32)| {
            b_score
                .total_cmp(&a_score)
                .then(self.tie_order[a as usize].cmp(&self.tie_order[b as usize]))
        };
        let at = kept.partition_point(|&other| better(other, entry).is_lt());
        if at < want {
            kept.insert(at, entry);
            kept.truncate(want);
        }
    }

    fn pick(&self, interest: &Interest, likings: &[Liking], paper: u32, score: f32) -> Pick<'a> {
        let reason = self.standing(likings, paper).and_then(|(_, picking, _)| {
            let liking = likings[picking?];
            self.similarity.as_ref()?.reason(liking.profile, paper)
        });
        let picking_topics =
            interest.topics.iter().filter(|&&t| self.topic_scores.row(t)[paper as usize] > 0.0);
        let keywords = picking_topics
            .flat_map(|&t| self.topics[t].rules.keywords.iter())
            .chain(&interest.own.keywords);
        let mut matched: Vec<&'a Keyword> = Vec::new();
        for &keyword in keywords {
            let keyword_here = bit(self.present.row(keyword.0 as usize), paper);
            let keyword = self.lexicon.get(keyword);
            if keyword_here && !matched.iter().any(|k| std::ptr::eq(*k, keyword)) {
                matched.push(keyword);
            }
        }
        let this = &self.papers[paper as usize];
        let mut followed: Vec<&'a str> = Vec::new();
        if self.follows_anyone(interest) {
            for written in &this.authors {
                let Some(author) = AuthorName::parse(written) else { continue };
                if self.followed_names(interest).any(|name| name.follows(&author)) {
                    followed.push(written);
                }
            }
        }
        Pick { paper: this, score: f64::from(score), matched, followed, reason }
    }

    /// Whether the subscriber or one of its topics follows an author.
    fn follows_anyone(&self, interest: &Interest) -> bool {
        self.followed_names(interest).next().is_some()
    }

    /// The authors the subscriber follows, its topics' first.
    fn followed_names<'i>(
        &'i self,
        interest: &'i Interest,
    ) -> impl Iterator<Item = &'i AuthorName> + 'i {
        let topics = interest.topics.iter().flat_map(|&t| &self.topics[t].rules.authors);
        topics.chain(&interest.own.authors)
    }

    /// The papers by an author the subscriber follows, in paper order; a topic's authors
    /// count where the topic's own `require` lets the paper through.
    fn by_followed_authors(&self, interest: &Interest) -> Vec<u32> {
        let mut papers = Vec::new();
        let own = interest.own.authors.iter().map(|name| (name, None));
        let from_topics = interest.topics.iter().flat_map(|&t| {
            let rules = &self.topics[t].rules;
            rules.authors.iter().map(move |name| (name, Some(rules)))
        });
        for (name, topic) in from_topics.chain(own) {
            let index = self.authors.get_or_init(|| author_index(self.papers));
            let Some(listed) = index.get(name.surname()) else { continue };
            for (paper, author) in listed {
                let narrowed = topic.is_some_and(|rules| {
                    rules.require.iter().any(|&r| self.hit(r, *paper).is_none())
                });
                if !narrowed && name.follows(author) {
                    papers.push(*paper);
                }
            }
        }
        papers.sort_unstable();
        papers.dedup();
        papers
    }
}

#[cfg(test)]
mod tests;
