//! Why each paper of the day was picked for a subscriber, or not.
//!
//! This walks every paper and every rule the slow, obvious way, using the same keyword hits
//! as [`Matcher::select`]; a test holds the two to the same answers.

use chrono::NaiveDate;

use super::highlight::spans;
use super::keyword::{Keyword, KeywordId, Scope};
use super::{Interest, Liking, Matcher, Rules, SentPapers};
use crate::paper::Paper;

/// One paper's fate for one subscriber.
#[derive(Debug, Clone)]
pub(crate) struct Verdict<'a> {
    pub(crate) paper: &'a Paper,
    /// Its score for this subscriber, as `select` ranks by.
    pub(crate) score: f64,
    /// Each keyword that occurs in it, and where.
    pub(crate) matches: Vec<Match<'a>>,
    /// Its authors whom the subscriber follows, as the paper writes them.
    pub(crate) followed: Vec<&'a str>,
    /// Its similarity to the subscriber's reading lists (the best), when it has any.
    pub(crate) similarity: Option<f64>,
    /// The documents of those lists it is most like, best first: "like your 'Title'
    /// (0.41): distillation, teacher, student".
    pub(crate) likes: Vec<String>,
    /// Picked, or why not.
    pub(crate) outcome: Outcome,
}

/// A keyword found in a paper.
#[derive(Debug, Clone)]
pub(crate) struct Match<'a> {
    pub(crate) keyword: &'a Keyword,
    /// `topic NAME` or `own keywords`.
    pub(crate) from: String,
    /// Its BM25F score in this paper.
    pub(crate) score: f64,
    /// The words it matched, as the paper writes them, by field: `title "Mamba"`.
    pub(crate) words: Vec<String>,
}

/// What became of a paper.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    /// In the digest, at this 1-based rank.
    Picked {
        /// Its place in the digest.
        rank: usize,
    },
    /// None of the subscriber's keywords occurs in it.
    NoMatch,
    /// No keyword picks it, and it is not similar enough to the subscriber's reading lists.
    NotSimilar { similarity: f64, min: f64 },
    /// It is more like a paper the subscriber voted down than like their reading list.
    Disliked { title: String },
    /// An exclude keyword occurs in it.
    Excluded {
        keyword: String,
        /// `topic NAME` or `subscriber`.
        by: String,
    },
    /// A required keyword does not occur in it.
    RequireMissing {
        keyword: String,
        /// `topic NAME` or `subscriber`.
        by: String,
    },
    /// Its score is under a `min_score`.
    BelowMinScore {
        score: f64,
        min: f64,
        /// `topic NAME` or `subscriber`.
        by: String,
    },
    /// It has fewer upvotes than a `min_upvotes`.
    TooFewUpvotes {
        upvotes: u64,
        min: u64,
        /// `topic NAME` or `subscriber`.
        by: String,
    },
    /// It matched, but `max_papers` better papers came first.
    CutByMaxPapers { rank: usize, max: usize },
    /// The subscriber got it in an earlier digest.
    AlreadySent {
        /// The date of that digest.
        on: NaiveDate,
    },
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Picked { rank } => write!(f, "picked, #{rank}"),
            Outcome::NoMatch => write!(f, "left out: no keyword matched"),
            Outcome::NotSimilar { similarity, min } => write!(
                f,
                "left out: no keyword matched and similarity {similarity:.2} is under \
                 min_similarity {}",
                // As the config writes it: 0.08, not the f32's 0.0799999982.
                *min as f32
            ),
            Outcome::Disliked { title } => {
                write!(f, "left out: fewer like your {}", super::similar::document_name(title))
            }
            Outcome::Excluded { keyword, by } => {
                write!(f, "left out: excluded by `{keyword}` ({by})")
            }
            Outcome::RequireMissing { keyword, by } => {
                write!(f, "left out: required `{keyword}` missing ({by})")
            }
            Outcome::BelowMinScore { score, min, by } => {
                write!(f, "left out: score {score:.2} under min_score {min} ({by})")
            }
            Outcome::TooFewUpvotes { upvotes, min, by } => {
                let upvotes = crate::text::plural::count(
                    usize::try_from(*upvotes).unwrap_or(usize::MAX),
                    "upvote",
                );
                write!(f, "left out: {upvotes}, under min_upvotes {min} ({by})")
            }
            Outcome::CutByMaxPapers { rank, max } => {
                write!(f, "left out: ranked #{rank}, cut by max_papers {max}")
            }
            Outcome::AlreadySent { on } => write!(f, "left out: already sent on {on}"),
        }
    }
}

impl<'a> Matcher<'a> {
    /// Every paper of the day, in listing order, with the subscriber's verdict on it.
    #[cfg(test)]
    pub(crate) fn explain(&self, interest: &Interest, sent: &SentPapers) -> Vec<Verdict<'a>> {
        self.explain_liking(interest, &[], sent)
    }

    /// [`Matcher::explain`] for a subscriber who also likes some reading lists.
    pub(crate) fn explain_liking(
        &self,
        interest: &Interest,
        likings: &[Liking],
        sent: &SentPapers,
    ) -> Vec<Verdict<'a>> {
        let likings = if self.similarity.is_some() { likings } else { &[] };
        // The digest is the top of the full ranking.
        let everything = Interest { max_papers: usize::MAX, ..interest.clone() };
        let ranked = self.select_liking(&everything, likings, sent);
        (0..self.papers.len() as u32)
            .map(|paper| {
                let matches = self.matches(interest, paper);
                let score = f64::from(self.score(interest, paper));
                let this = &self.papers[paper as usize];
                let rank_in = |list: &[super::Pick<'_>]| {
                    list.iter().position(|p| std::ptr::eq(p.paper, this)).map(|at| at + 1)
                };
                let place = rank_in(&ranked);
                let outcome = match place {
                    Some(rank) if rank <= interest.max_papers => Outcome::Picked { rank },
                    Some(rank) => Outcome::CutByMaxPapers { rank, max: interest.max_papers },
                    None => self.why_not_liking(interest, likings, paper, sent),
                };
                let followed = match place {
                    Some(rank) => ranked[rank - 1].followed.clone(),
                    None => self.pick(interest, likings, paper, 0.0).followed,
                };
                let similarity = self.standing(likings, paper).map(|(s, ..)| f64::from(s));
                let likes = self.likes(likings, paper);
                Verdict { paper: this, score, matches, followed, similarity, likes, outcome }
            })
            .collect()
    }

    /// The three documents of the subscriber's lists the paper is most like.
    fn likes(&self, likings: &[Liking], paper: u32) -> Vec<String> {
        let Some(similarity) = &self.similarity else { return Vec::new() };
        let mut likes: Vec<_> =
            likings.iter().flat_map(|l| similarity.most_like(l.profile, paper, 3)).collect();
        likes.sort_by(|a, b| b.similarity.total_cmp(&a.similarity));
        likes.iter().take(3).map(ToString::to_string).collect()
    }

    /// [`Matcher::why_not`], where reading lists can pick a paper too.
    fn why_not_liking(
        &self,
        interest: &Interest,
        likings: &[Liking],
        paper: u32,
        sent: &SentPapers,
    ) -> Outcome {
        let by_keywords = self.why_not(interest, paper, sent);
        let Some((similarity, picking, disliked)) = self.standing(likings, paper) else {
            return by_keywords;
        };
        if matches!(by_keywords, Outcome::Excluded { .. }) {
            return by_keywords;
        }
        if disliked {
            let title = likings
                .iter()
                .filter_map(|l| self.similarity.as_ref()?.best(l.profile, paper, true))
                .max_by(|a, b| a.similarity.total_cmp(&b.similarity))
                .map_or_else(String::new, |like| like.title.to_owned());
            return Outcome::Disliked { title };
        }
        if picking.is_some() {
            let own = Rules { keywords: Vec::new(), min_score: None, ..interest.own.clone() };
            if let Some(reason) = self.rule_fails(&own, paper, 0.0, None) {
                return reason;
            }
            return match sent.get(&self.papers[paper as usize].id) {
                Some(on) => Outcome::AlreadySent { on: *on },
                None => by_keywords,
            };
        }
        match by_keywords {
            Outcome::NoMatch => {
                let min = likings.iter().map(|l| l.min_similarity).fold(f32::MAX, f32::min);
                Outcome::NotSimilar { similarity: f64::from(similarity), min: f64::from(min) }
            }
            other => other,
        }
    }

    fn source_name(&self, topic: Option<usize>) -> String {
        match topic {
            Some(topic) => format!("topic {}", self.topics[topic].name),
            None => "subscriber".to_owned(),
        }
    }

    fn matches(&self, interest: &Interest, paper: u32) -> Vec<Match<'a>> {
        let rules = interest
            .topics
            .iter()
            .map(|&t| (Some(t), &self.topics[t].rules))
            .chain(std::iter::once((None, &interest.own)));
        let mut matches = Vec::new();
        for (topic, rules) in rules {
            for &keyword in &rules.keywords {
                let Some(score) = self.hit(keyword, paper) else { continue };
                let keyword = self.lexicon.get(keyword);
                let from = match topic {
                    Some(t) => format!("topic {}", self.topics[t].name),
                    None => "own keywords".to_owned(),
                };
                let score = f64::from(score);
                matches.push(Match { keyword, from, score, words: self.words(keyword, paper) });
            }
        }
        matches
    }

    /// The matched words as the paper writes them, with their field.
    fn words(&self, keyword: &Keyword, paper: u32) -> Vec<String> {
        let paper = &self.papers[paper as usize];
        let fields: Vec<(&str, Vec<&str>)> = match keyword.scope {
            Scope::TitleOrAbstract => {
                let mut abstract_parts = vec![paper.abstract_text.as_str()];
                abstract_parts.extend(paper.keywords.iter().map(String::as_str));
                vec![("title", vec![paper.title.as_str()]), ("abstract", abstract_parts)]
            }
            Scope::Title => vec![("title", vec![paper.title.as_str()])],
            Scope::Author => vec![("author", paper.authors.iter().map(String::as_str).collect())],
            Scope::Category => {
                vec![("category", paper.categories.iter().map(String::as_str).collect())]
            }
        };
        let mut words = Vec::new();
        for (field, texts) in fields {
            let mut found: Vec<&str> = Vec::new();
            for text in texts {
                for range in spans(text, &[keyword]) {
                    let word = &text[range];
                    if !found.iter().any(|f| f.eq_ignore_ascii_case(word)) {
                        found.push(word);
                    }
                }
            }
            if !found.is_empty() {
                let quoted: Vec<String> = found.iter().map(|w| format!("\"{w}\"")).collect();
                words.push(format!("{field} {}", quoted.join(", ")));
            }
        }
        words
    }

    /// The first rule, in the order they apply, that keeps an unpicked paper out.
    fn why_not(&self, interest: &Interest, paper: u32, sent: &SentPapers) -> Outcome {
        let excluders = interest
            .topics
            .iter()
            .map(|&t| (Some(t), &self.topics[t].rules.exclude))
            .chain(std::iter::once((None, &interest.own.exclude)));
        for (topic, exclude) in excluders {
            if let Some(&keyword) = exclude.iter().find(|&&k| self.hit(k, paper).is_some()) {
                return Outcome::Excluded {
                    keyword: self.text(keyword),
                    by: self.source_name(topic),
                };
            }
        }
        // Which rules pick the paper: a topic only when its own narrowing rules pass.
        let mut first_failure = None;
        let mut picked = interest.own.keywords.iter().any(|&k| self.hit(k, paper).is_some())
            || self.by_followed_authors(interest).contains(&paper);
        for &topic in &interest.topics {
            let rules = &self.topics[topic].rules;
            let score = self.rule_score(rules, paper);
            if score == 0.0 {
                continue;
            }
            match self.rule_fails(rules, paper, f64::from(score), Some(topic)) {
                Some(failure) => {
                    first_failure.get_or_insert(failure);
                }
                None => picked = true,
            }
        }
        if !picked {
            return first_failure.unwrap_or(Outcome::NoMatch);
        }
        let passing_score = f64::from(self.score(interest, paper));
        let own = Rules { keywords: Vec::new(), ..interest.own.clone() };
        if let Some(reason) = self.rule_fails(&own, paper, passing_score, None) {
            return reason;
        }
        match sent.get(&self.papers[paper as usize].id) {
            Some(on) => Outcome::AlreadySent { on: *on },
            None => Outcome::NoMatch,
        }
    }

    fn rule_fails(
        &self,
        rules: &Rules,
        paper: u32,
        score: f64,
        topic: Option<usize>,
    ) -> Option<Outcome> {
        if let Some(&missing) = rules.require.iter().find(|&&k| self.hit(k, paper).is_none()) {
            return Some(Outcome::RequireMissing {
                keyword: self.text(missing),
                by: self.source_name(topic),
            });
        }
        if let Some(min) = rules.min_score.filter(|&min| score < min) {
            return Some(Outcome::BelowMinScore { score, min, by: self.source_name(topic) });
        }
        let upvotes = self.papers[paper as usize].upvotes;
        if let (Some(min), Some(upvotes)) = (rules.min_upvotes, upvotes)
            && upvotes < min
        {
            return Some(Outcome::TooFewUpvotes { upvotes, min, by: self.source_name(topic) });
        }
        None
    }

    fn text(&self, keyword: KeywordId) -> String {
        self.lexicon.get(keyword).as_str().to_owned()
    }
}
