//! A digest: the papers picked for one subscriber on one listing date.
//!
//! This is where the topic stage's output meets a subscriber; rendering and delivery take a
//! `Digest` and nothing else from earlier stages.

use chrono::NaiveDate;

use crate::config::Subscriber;
use crate::paper::Paper;
use crate::topic::{DayIndex, Pick};

/// The papers one subscriber gets for one date, best first.
#[derive(Debug, Clone)]
pub struct Digest<'a> {
    /// Who it is for.
    pub subscriber: &'a Subscriber,
    /// The listing date it covers.
    pub date: NaiveDate,
    /// The picked papers, in the order they are shown.
    pub picks: Vec<Pick<'a>>,
}

impl<'a> Digest<'a> {
    /// Picks the day's papers for every subscriber, in config order.
    pub fn for_each_subscriber(
        subscribers: impl IntoIterator<Item = &'a Subscriber>,
        papers: &'a [Paper],
        date: NaiveDate,
    ) -> Vec<Digest<'a>> {
        let day = DayIndex::new(papers);
        subscribers
            .into_iter()
            .map(|subscriber| Digest { subscriber, date, picks: subscriber.interest.select(&day) })
            .collect()
    }

    /// Whether no paper matched.
    pub fn is_empty(&self) -> bool {
        self.picks.is_empty()
    }
}
