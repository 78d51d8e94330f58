//! A digest: the papers picked for one subscriber on one listing date.
//!
//! This is where the topic stage's output meets a subscriber; rendering and delivery take a
//! `Digest` and nothing else from earlier stages.

use chrono::NaiveDate;

use crate::config::{Config, Subscriber};
use crate::journal::address_key;
use crate::paper::Paper;
use std::collections::HashMap;
use std::path::PathBuf;

use crate::profiles::Profiles;
use crate::topic::similar::Similarity;
use crate::topic::{DayIndex, Keyword, Liking, Matcher, Pick, SentPapers};

/// The papers one subscriber gets for one date, best first.
#[derive(Debug, Clone)]
pub struct Digest<'a> {
    /// Who it is for.
    pub(crate) subscriber: &'a Subscriber,
    /// The listing date it covers.
    pub(crate) date: NaiveDate,
    /// The picked papers, in the order they are shown.
    pub picks: Vec<Pick<'a>>,
    /// The config the subscriber and its keywords belong to.
    pub(crate) config: &'a Config,
    /// For a weekly digest, the week it sums up; `None` for a daily one.
    pub(crate) week: Option<&'a Week>,
}

/// What a weekly digest sums up: the listings recorded over the seven days up to its date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Week {
    /// "week of 2025-08-04": the Monday of the ISO week most of its seven days are in.
    pub(crate) monday: NaiveDate,
    /// The dates whose listings it ranks, oldest first; a day whose run was missed is absent.
    pub(crate) covers: Vec<NaiveDate>,
}

impl<'a> Digest<'a> {
    /// Picks the day's papers for every subscriber, in config order, with no history of
    /// papers sent before.
    pub(crate) fn for_each_subscriber(
        config: &'a Config,
        subscribers: impl IntoIterator<Item = &'a Subscriber>,
        papers: &'a [Paper],
        date: NaiveDate,
    ) -> Vec<Digest<'a>> {
        let picker = Picker::new(config, papers, date);
        let none = SentPapers::new();
        subscribers.into_iter().map(|subscriber| picker.digest(subscriber, &none)).collect()
    }

    /// Every keyword the subscriber follows, its topics' first.
    pub(crate) fn keywords(&self) -> Vec<&'a Keyword> {
        self.config.keywords_of(self.subscriber)
    }

    /// Whether no paper matched.
    pub(crate) fn is_empty(&self) -> bool {
        self.picks.is_empty()
    }
}

/// The day's papers indexed and every topic evaluated, ready to pick for each subscriber.
pub struct Picker<'a> {
    config: &'a Config,
    matcher: Matcher<'a>,
    date: NaiveDate,
    /// Each reading list's number in the matcher's similarity, by path.
    lists: HashMap<PathBuf, usize>,
    /// Each voting subscriber's own list's number, by lowercased address.
    voters: HashMap<String, usize>,
}

impl<'a> Picker<'a> {
    /// Indexes the papers and evaluates the config's topics once.
    pub fn new(config: &'a Config, papers: &'a [Paper], date: NaiveDate) -> Picker<'a> {
        let index = DayIndex::new(papers);
        let matcher = Matcher::new(&index, &config.lexicon, &config.topics);
        Picker { config, matcher, date, lists: HashMap::new(), voters: HashMap::new() }
    }

    /// [`Picker::new`], with the day's papers compared once with every reading list.
    pub fn with_libraries(
        config: &'a Config,
        papers: &'a [Paper],
        date: NaiveDate,
        profiles: Profiles,
    ) -> Picker<'a> {
        let picker = Picker::new(config, papers, date);
        if profiles.lists.is_empty() && profiles.voters.is_empty() {
            return picker;
        }
        let (paths, mut all): (Vec<PathBuf>, Vec<_>) = profiles.lists.into_iter().unzip();
        let lists = paths.into_iter().enumerate().map(|(at, path)| (path, at)).collect();
        let mut voters = HashMap::new();
        for (address, profile) in profiles.voters {
            voters.insert(address, all.len());
            all.push(profile);
        }
        let matcher = picker.matcher.with_similarity(Similarity::new(papers, all));
        Picker { matcher, lists, voters, ..picker }
    }

    /// The reading lists a subscriber's papers are compared with: its own, its topics'.
    pub(crate) fn likings(&self, subscriber: &Subscriber) -> Vec<Liking> {
        if self.lists.is_empty() && self.voters.is_empty() {
            return Vec::new();
        }
        let default = self.config.newsletter.min_similarity;
        let own_min = subscriber.interest.min_similarity.unwrap_or(default);
        // A reader who voted has their library and votes in one list of their own.
        let voted = (!self.voters.is_empty())
            .then(|| self.voters.get(&address_key(subscriber.email.as_ref())))
            .flatten()
            .map(|&profile| Liking { profile, min_similarity: own_min });
        let own = match voted {
            Some(_) => None,
            None => subscriber.library.as_ref().map(|path| (path, own_min)),
        };
        let topics = subscriber.interest.topics.iter().filter_map(|&t| {
            let topic = &self.config.topics[t];
            Some((topic.library.as_ref()?, topic.min_similarity.unwrap_or(default)))
        });
        let lists = own.into_iter().chain(topics).filter_map(|(path, min_similarity)| {
            Some(Liking { profile: *self.lists.get(path)?, min_similarity })
        });
        voted.into_iter().chain(lists).collect()
    }

    /// One subscriber's digest, leaving out the papers in `sent`.
    pub fn digest(&self, subscriber: &'a Subscriber, sent: &SentPapers) -> Digest<'a> {
        Digest {
            subscriber,
            date: self.date,
            picks: self.matcher.select_liking(
                &subscriber.interest,
                &self.likings(subscriber),
                sent,
            ),
            config: self.config,
            week: None,
        }
    }

    /// The evaluated day, for explanations.
    pub(crate) fn matcher(&self) -> &Matcher<'a> {
        &self.matcher
    }
}
