//! Stage 2: topics pick the papers each subscriber gets, best first.
//!
//! Keywords are compiled once when the config loads, papers are tokenized once per run, and
//! picking only compares tokens. Nothing here reads files, renders or sends.

mod tokens;

use std::fmt;

use tokens::{Token, keyword_words, singular, tokenize};

use crate::paper::Paper;

/// A keyword or phrase, as a subscriber or topic wrote it and as it is matched.
#[derive(Debug, Clone)]
pub struct Keyword {
    text: String,
    terms: Vec<Term>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    /// A whole word, in the singular.
    Word(String),
    /// `distill*`: any word that starts with this.
    Prefix(String),
}

impl Term {
    fn matches(&self, token: &Token) -> bool {
        match self {
            Term::Word(word) => token.singular == *word,
            Term::Prefix(prefix) => token.folded.starts_with(prefix.as_str()),
        }
    }
}

impl Keyword {
    /// Compiles a keyword; an error says what is wrong with it, without the location.
    pub fn parse(text: &str) -> Result<Keyword, String> {
        let words = keyword_words(text).map_err(str::to_owned)?;
        if words.is_empty() {
            return Err(format!("keyword `{text}` has no letters or digits to match"));
        }
        let terms = words
            .into_iter()
            .map(|word| match word.ends_with_star {
                true => Term::Prefix(word.folded),
                false => Term::Word(singular(&word.folded)),
            })
            .collect();
        Ok(Keyword { text: text.trim().to_owned(), terms })
    }

    /// The keyword as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the keyword's words stand in a row somewhere in `tokens`.
    fn occurs_in(&self, tokens: &[Token]) -> bool {
        tokens
            .windows(self.terms.len())
            .any(|window| self.terms.iter().zip(window).all(|(term, token)| term.matches(token)))
    }
}

impl fmt::Display for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Two keywords are the same when they match the same words.
impl PartialEq for Keyword {
    fn eq(&self, other: &Keyword) -> bool {
        self.terms == other.terms
    }
}

/// A named set of keywords that subscribers share.
#[derive(Debug, Clone)]
pub struct Topic {
    /// The name subscribers refer to it by.
    pub name: String,
    /// Any of these in a title or abstract picks the paper.
    pub keywords: Vec<Keyword>,
    /// A paper this topic picks must contain every one of these as well.
    pub require: Vec<Keyword>,
    /// Any of these in a title or abstract rules the paper out.
    pub exclude: Vec<Keyword>,
}

/// A day's papers, tokenized once for every subscriber.
pub struct DayIndex<'p> {
    papers: Vec<IndexedPaper<'p>>,
}

struct IndexedPaper<'p> {
    paper: &'p Paper,
    title: Vec<Token>,
    abstract_text: Vec<Token>,
}

impl<'p> DayIndex<'p> {
    /// Tokenizes every paper's title and abstract.
    pub fn new(papers: &'p [Paper]) -> DayIndex<'p> {
        let papers = papers
            .iter()
            .map(|paper| IndexedPaper {
                paper,
                title: tokenize(&paper.title),
                abstract_text: tokenize(&paper.abstract_text),
            })
            .collect();
        DayIndex { papers }
    }
}

/// What one subscriber wants: the keywords of its topics and its own, compiled together.
#[derive(Debug, Clone)]
pub struct Interest {
    /// One per followed topic, then the subscriber's own keywords.
    rules: Vec<Rule>,
    /// The subscriber's own `require`: every picked paper must contain all of these.
    require: Vec<Keyword>,
    /// Topics' and own: any of these rules a paper out.
    exclude: Vec<Keyword>,
    max_papers: usize,
}

/// Keywords that pick a paper only when every one of `require` occurs too.
#[derive(Debug, Clone)]
struct Rule {
    keywords: Vec<Keyword>,
    require: Vec<Keyword>,
}

/// A paper picked for a subscriber, and why.
#[derive(Debug, Clone)]
pub struct Pick<'p> {
    /// The paper.
    pub paper: &'p Paper,
    /// The subscriber's keywords that occur in it, in the subscriber's order.
    pub matched: Vec<String>,
    /// Whether any of them occurs in the title.
    pub in_title: bool,
}

/// A subscriber's own rules, beyond its topics'.
#[derive(Debug, Clone, Copy, Default)]
pub struct OwnRules<'k> {
    /// Any of these picks a paper.
    pub keywords: &'k [Keyword],
    /// Every picked paper must contain all of these.
    pub require: &'k [Keyword],
    /// Any of these rules a paper out.
    pub exclude: &'k [Keyword],
}

impl Interest {
    /// Compiles the subscriber's topics and own rules into one filter.
    pub fn new<'t>(
        topics: impl IntoIterator<Item = &'t Topic>,
        own: OwnRules<'_>,
        max_papers: usize,
    ) -> Interest {
        let mut interest = Interest {
            rules: Vec::new(),
            require: own.require.to_vec(),
            exclude: Vec::new(),
            max_papers,
        };
        for topic in topics {
            interest
                .rules
                .push(Rule { keywords: topic.keywords.clone(), require: topic.require.clone() });
            push_new(&mut interest.exclude, &topic.exclude);
        }
        if !own.keywords.is_empty() {
            interest.rules.push(Rule { keywords: own.keywords.to_vec(), require: Vec::new() });
        }
        push_new(&mut interest.exclude, own.exclude);
        interest
    }

    /// Every keyword that can pick a paper, topics' first, without repeats.
    pub fn keywords(&self) -> Vec<&Keyword> {
        let mut all: Vec<&Keyword> = Vec::new();
        for keyword in self.rules.iter().flat_map(|rule| &rule.keywords) {
            if !all.contains(&keyword) {
                all.push(keyword);
            }
        }
        all
    }

    /// Picks the day's papers: title matches first, then more keywords matched, then
    /// listing order, capped at `max_papers`.
    pub fn select<'p>(&self, day: &DayIndex<'p>) -> Vec<Pick<'p>> {
        let mut picks: Vec<Pick<'p>> = day.papers.iter().filter_map(|p| self.judge(p)).collect();
        // A stable sort keeps listing order among equals.
        picks.sort_by_key(|pick| (!pick.in_title, std::cmp::Reverse(pick.matched.len())));
        picks.truncate(self.max_papers);
        picks
    }

    fn judge<'p>(&self, indexed: &IndexedPaper<'p>) -> Option<Pick<'p>> {
        let occurs = |keyword: &Keyword| {
            keyword.occurs_in(&indexed.title) || keyword.occurs_in(&indexed.abstract_text)
        };
        if self.exclude.iter().any(occurs) || !self.require.iter().all(occurs) {
            return None;
        }
        let mut in_title = false;
        let mut matched: Vec<String> = Vec::new();
        for rule in self.rules.iter().filter(|rule| rule.require.iter().all(occurs)) {
            for keyword in &rule.keywords {
                let title_hit = keyword.occurs_in(&indexed.title);
                if title_hit || keyword.occurs_in(&indexed.abstract_text) {
                    in_title |= title_hit;
                    if !matched.contains(&keyword.text) {
                        matched.push(keyword.text.clone());
                    }
                }
            }
        }
        (!matched.is_empty()).then_some(Pick { paper: indexed.paper, matched, in_title })
    }
}

fn push_new(into: &mut Vec<Keyword>, keywords: &[Keyword]) {
    for keyword in keywords {
        if !into.contains(keyword) {
            into.push(keyword.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::paper::PaperId;

    fn paper(title: &str, abstract_text: &str) -> Paper {
        let date = NaiveDate::from_ymd_opt(2025, 8, 5).unwrap();
        Paper::new(
            PaperId::from_title(title),
            title.to_owned(),
            abstract_text.to_owned(),
            "test",
            date,
        )
    }

    fn keywords(words: &[&str]) -> Vec<Keyword> {
        words.iter().map(|w| Keyword::parse(w).unwrap()).collect()
    }

    fn picked_titles(keys: &[&str], exclude: &[&str], papers: &[Paper]) -> Vec<String> {
        let (keys, exclude) = (keywords(keys), keywords(exclude));
        let own = OwnRules { keywords: &keys, exclude: &exclude, ..OwnRules::default() };
        let interest = Interest::new([], own, 10);
        interest.select(&DayIndex::new(papers)).iter().map(|p| p.paper.title.clone()).collect()
    }

    fn matches(keyword: &str, text: &str) -> bool {
        !picked_titles(&[keyword], &[], &[paper("t", text)]).is_empty()
    }

    #[test]
    fn case_does_not_matter() {
        assert!(matches("mamba", "The MAMBA architecture"));
    }

    #[test]
    fn keywords_match_whole_words_only() {
        assert!(!matches("mamba", "Mambaout is not it"));
        assert!(!matches("kd", "skd methods"));
    }

    #[test]
    fn phrases_match_across_punctuation_and_hyphens() {
        assert!(matches("click-through rate", "predicting Click-Through Rate well"));
        assert!(matches("click-through rate", "the click through rate"));
        assert!(matches("click through rate", "click-through-rate"));
        assert!(!matches("click through rate", "click rate through"));
    }

    #[test]
    fn plurals_and_possessives_match() {
        assert!(matches("vision transformer", "Vision Transformers are"));
        assert!(matches("transformer", "the transformer's attention"));
        assert!(matches("vision transformers", "a vision transformer"));
    }

    #[test]
    fn derived_words_do_not_match() {
        assert!(!matches("transformer", "a transformation"));
        assert!(!matches("transformer", "it transformed"));
    }

    #[test]
    fn a_trailing_star_matches_every_word_that_starts_so() {
        assert!(matches("distill*", "we distilled it"));
        assert!(matches("distill*", "Distillation helps"));
        assert!(!matches("distill*", "undistilled"));
    }

    #[test]
    fn the_title_counts_as_well_as_the_abstract() {
        let papers = [paper("Mamba in the title", "nothing here")];
        assert_eq!(picked_titles(&["mamba"], &[], &papers).len(), 1);
    }

    #[test]
    fn any_exclude_keyword_removes_the_paper() {
        let papers = [
            paper("Dataset distillation", "knowledge distillation too"),
            paper("Plain", "knowledge distillation"),
        ];
        assert_eq!(
            picked_titles(&["knowledge distillation"], &["dataset distillation"], &papers),
            ["Plain"]
        );
    }

    #[test]
    fn title_matches_come_first_then_more_keywords_then_listing_order() {
        let papers = [
            paper("a", "mamba"),
            paper("b", "mamba and diffusion"),
            paper("c mamba", "nothing"),
            paper("d", "diffusion"),
        ];
        assert_eq!(
            picked_titles(&["mamba", "diffusion"], &[], &papers),
            ["c mamba", "b", "a", "d"]
        );
    }

    #[test]
    fn the_cap_keeps_the_best() {
        let papers: Vec<Paper> = (0..5).map(|i| paper(&format!("p{i}"), "mamba")).collect();
        let keys = keywords(&["mamba"]);
        let interest = Interest::new([], OwnRules { keywords: &keys, ..OwnRules::default() }, 2);
        let picks = interest.select(&DayIndex::new(&papers));
        assert_eq!(picks.iter().map(|p| p.paper.title.as_str()).collect::<Vec<_>>(), ["p0", "p1"]);
    }

    #[test]
    fn topics_and_own_keywords_combine_without_repeats() {
        let topic = Topic {
            name: "kd".into(),
            keywords: keywords(&["distill*", "Mamba"]),
            require: Vec::new(),
            exclude: keywords(&["dataset distillation"]),
        };
        let own = keywords(&["mamba", "ssm"]);
        let interest =
            Interest::new([&topic], OwnRules { keywords: &own, ..OwnRules::default() }, 5);
        let texts: Vec<&str> = interest.keywords().iter().map(|k| k.as_str()).collect();
        assert_eq!(texts, ["distill*", "Mamba", "ssm"]);
        assert!(picked_titles(&[], &[], &[paper("x", "mamba")]).is_empty());
    }

    #[test]
    fn a_topic_require_narrows_only_that_topic() {
        let topic = Topic {
            name: "kd".into(),
            keywords: keywords(&["knowledge distillation"]),
            require: keywords(&["segmentation"]),
            exclude: Vec::new(),
        };
        let own = keywords(&["mamba"]);
        let interest =
            Interest::new([&topic], OwnRules { keywords: &own, ..OwnRules::default() }, 10);
        let papers = [
            paper("KD for segmentation", "knowledge distillation"),
            paper("KD alone", "knowledge distillation"),
            paper("Mamba alone", "mamba"),
        ];
        let picks = interest.select(&DayIndex::new(&papers));
        let titles: Vec<&str> = picks.iter().map(|p| p.paper.title.as_str()).collect();
        assert_eq!(titles, ["Mamba alone", "KD for segmentation"]);
    }

    #[test]
    fn a_subscriber_require_narrows_everything() {
        let (keys, require) = (keywords(&["mamba", "diffusion"]), keywords(&["vision"]));
        let own = OwnRules { keywords: &keys, require: &require, ..OwnRules::default() };
        let papers = [paper("a", "mamba for vision"), paper("b", "diffusion for text")];
        let picks = Interest::new([], own, 10).select(&DayIndex::new(&papers));
        assert_eq!(picks.len(), 1);
        assert_eq!(picks[0].paper.title, "a");
    }

    #[test]
    fn a_keyword_without_letters_is_refused() {
        assert!(Keyword::parse("--").is_err());
        assert!(Keyword::parse("").is_err());
    }
}
