//! The range of every number in the config, and of the command-line options that set one: a
//! single table, so that the loader, `subscriber add` and the docs cannot disagree.
//!
//! A number is read as written ([`Num`], any size and even of the wrong type) and only then
//! checked against its [`Limit`], so that `port = 99999` or `max_papers = "ten"` is one problem
//! among the others of the file, in plain words, instead of a type error that stops the load.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The values one number may take.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Limit {
    /// What it is, for messages: "a port number", "a whole number of seconds".
    what: &'static str,
    /// The smallest value allowed.
    pub(crate) min: f64,
    /// The largest value allowed.
    pub(crate) max: f64,
    /// Whether a fraction is refused.
    whole: bool,
    /// Said after the range, as "leave it out for no limit".
    hint: &'static str,
}

impl Limit {
    const fn whole(what: &'static str, min: u32, max: u32) -> Limit {
        Limit { what, min: min as f64, max: max as f64, whole: true, hint: "" }
    }

    const fn fraction(min: f64, max: f64) -> Limit {
        Limit { what: "a number", min, max, whole: false, hint: "" }
    }

    const fn hint(self, hint: &'static str) -> Limit {
        Limit { hint, ..self }
    }

    /// The range as `clap` takes it, for a whole-number option.
    pub(crate) fn whole_range(&self) -> std::ops::RangeInclusive<i64> {
        debug_assert!(self.whole);
        self.min as i64..=self.max as i64
    }

    /// The number, or what is wrong with it.
    pub(super) fn check(&self, num: &Num) -> Result<f64, String> {
        let value = match num {
            Num::Int(value) => *value as f64,
            Num::Float(value) => *value,
            Num::Other(found) => return Err(self.expected(found)),
        };
        let fits = value.is_finite()
            && (!self.whole || value.fract() == 0.0)
            && (self.min..=self.max).contains(&value);
        if fits { Ok(value) } else { Err(self.expected(&num.to_string())) }
    }

    fn expected(&self, found: &str) -> String {
        let mut message = format!("expected {self}, found {found}");
        if !self.hint.is_empty() {
            message.push_str(&format!(" ({})", self.hint));
        }
        message
    }
}

impl fmt::Display for Limit {
    /// `a port number from 1 to 65535`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} from {} to {}", self.what, Plain(self.min), Plain(self.max))
    }
}

/// A number as a person writes it: `10`, `0.01`, `1e-300`.
struct Plain(f64);

impl fmt::Display for Plain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_nan() {
            f.write_str("nan")
        } else if self.0.is_infinite() {
            f.write_str(if self.0 > 0.0 { "inf" } else { "-inf" })
        } else if self.0.fract() == 0.0 && self.0.abs() < 1e15 {
            write!(f, "{}", self.0 as i64)
        } else {
            write!(f, "{:?}", self.0)
        }
    }
}

/// `newsletter.max_papers`, `subscribers[i].max_papers` and `--max-papers`.
pub(crate) const MAX_PAPERS: Limit = Limit::whole("a whole number", 1, 1000);
/// `fetch.timeout_secs`, `fetch.connect_timeout_secs` and `smtp.timeout_secs`: 0 would fail
/// every step, and a huge one overflows the clock arithmetic underneath.
pub(crate) const TIMEOUT_SECS: Limit = Limit::whole("a whole number of seconds", 1, 3600);
/// `fetch.retries`: more would keep a cron job waiting for many minutes on a dead server.
pub(crate) const FETCH_RETRIES: Limit = Limit::whole("a whole number", 0, 10);
/// `smtp.port`.
pub(crate) const PORT: Limit = Limit::whole("a port number", 1, 65535);
/// `smtp.max_connections`.
pub(crate) const MAX_CONNECTIONS: Limit = Limit::whole("a whole number", 1, 100);
/// `smtp.rate_per_second`: below one message in 100 s a run of a few digests takes hours.
pub(crate) const RATE_PER_SECOND: Limit =
    Limit::fraction(0.01, 10_000.0).hint("leave it out for no limit");
/// `smtp.max_attempts`.
pub(crate) const MAX_ATTEMPTS: Limit = Limit::whole("a whole number", 1, 10);
/// `smtp.retry_backoff_ms`: the first wait, doubled for each further try.
pub(crate) const RETRY_BACKOFF_MS: Limit =
    Limit::whole("a whole number of milliseconds", 0, 60_000);
/// `smtp.retry_budget_secs`.
pub(crate) const RETRY_BUDGET_SECS: Limit = Limit::whole("a whole number of seconds", 0, 3600);
/// `smtp.max_failures_in_a_row`.
pub(crate) const MAX_FAILURES_IN_A_ROW: Limit = Limit::whole("a whole number", 1, 100_000);
/// `min_score` of a topic or a subscriber; scores of a good match are about 1 to 30.
pub(crate) const MIN_SCORE: Limit = Limit::fraction(0.0, 1000.0);
/// `min_upvotes` of a topic or a subscriber.
pub(crate) const MIN_UPVOTES: Limit = Limit::whole("a whole number", 0, 1_000_000);
/// `newsletter.subscribe_link_hours`: a confirmation link works up to a month.
pub(crate) const SUBSCRIBE_LINK_HOURS: Limit = Limit::whole("a whole number of hours", 1, 720);
/// `serve.subscribe_per_client_hour`.
pub(crate) const SUBSCRIBE_PER_CLIENT_HOUR: Limit = Limit::whole("a whole number", 1, 10_000);
/// `serve.confirmations_per_address_hour`: a few, so the form cannot flood an inbox.
pub(crate) const CONFIRMATIONS_PER_ADDRESS_HOUR: Limit = Limit::whole("a whole number", 1, 10);

/// `library.arxiv_delay_secs`: arXiv asks for 3 s between requests.
pub(crate) const ARXIV_DELAY_SECS: Limit = Limit::whole("a whole number of seconds", 0, 60);
/// `min_similarity` of the newsletter, a topic or a subscriber: a cosine similarity.
pub(crate) const MIN_SIMILARITY: Limit = Limit::fraction(0.0, 1.0);

/// Every number of the config with its range, in the order the docs list them.
#[cfg(test)]
pub(crate) const LIMITS: &[(&str, Limit)] = &[
    ("newsletter.max_papers", MAX_PAPERS),
    ("newsletter.subscribe_link_hours", SUBSCRIBE_LINK_HOURS),
    ("newsletter.min_similarity", MIN_SIMILARITY),
    ("fetch.timeout_secs", TIMEOUT_SECS),
    ("fetch.connect_timeout_secs", TIMEOUT_SECS),
    ("fetch.retries", FETCH_RETRIES),
    ("library.arxiv_delay_secs", ARXIV_DELAY_SECS),
    ("smtp.port", PORT),
    ("smtp.timeout_secs", TIMEOUT_SECS),
    ("smtp.max_connections", MAX_CONNECTIONS),
    ("smtp.rate_per_second", RATE_PER_SECOND),
    ("smtp.max_attempts", MAX_ATTEMPTS),
    ("smtp.retry_backoff_ms", RETRY_BACKOFF_MS),
    ("smtp.retry_budget_secs", RETRY_BUDGET_SECS),
    ("smtp.max_failures_in_a_row", MAX_FAILURES_IN_A_ROW),
    ("topics.NAME.min_score", MIN_SCORE),
    ("topics.NAME.min_upvotes", MIN_UPVOTES),
    ("topics.NAME.min_similarity", MIN_SIMILARITY),
    ("subscribers[i].max_papers", MAX_PAPERS),
    ("subscribers[i].min_score", MIN_SCORE),
    ("subscribers[i].min_upvotes", MIN_UPVOTES),
    ("subscribers[i].min_similarity", MIN_SIMILARITY),
    ("serve.subscribe_per_client_hour", SUBSCRIBE_PER_CLIENT_HOUR),
    ("serve.confirmations_per_address_hour", CONFIRMATIONS_PER_ADDRESS_HOUR),
];

/// A number as written, of any size, or what was written instead.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Num {
    Int(i64),
    Float(f64),
    /// Not a number: "the string \"ten\"", "true", "a list".
    Other(String),
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Num::Int(value) => write!(f, "{value}"),
            Num::Float(value) => write!(f, "{}", Plain(*value)),
            Num::Other(found) => f.write_str(found),
        }
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Num, D::Error> {
        deserializer.deserialize_any(NumVisitor)
    }
}

struct NumVisitor;

impl<'de> Visitor<'de> for NumVisitor {
    type Value = Num;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }

    fn visit_i64<E>(self, value: i64) -> Result<Num, E> {
        Ok(Num::Int(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Num, E> {
        Ok(i64::try_from(value).map_or(Num::Float(value as f64), Num::Int))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Num, E> {
        Ok(Num::Float(value))
    }

    fn visit_bool<E>(self, value: bool) -> Result<Num, E> {
        Ok(Num::Other(value.to_string()))
    }

    fn visit_str<E>(self, value: &str) -> Result<Num, E> {
        Ok(Num::Other(format!("the string {value:?}")))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Num, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Num::Other("a list".to_owned()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Num, A::Error> {
        // A date is a map to serde; either way it is not a number.
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Num::Other("a table or a date".to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_range_pass_and_others_say_the_range() {
        assert_eq!(PORT.check(&Num::Int(2525)), Ok(2525.0));
        assert_eq!(
            PORT.check(&Num::Int(99999)).unwrap_err(),
            "expected a port number from 1 to 65535, found 99999"
        );
        assert_eq!(
            RATE_PER_SECOND.check(&Num::Float(1e-300)).unwrap_err(),
            "expected a number from 0.01 to 10000, found 1e-300 (leave it out for no limit)"
        );
        assert_eq!(
            MAX_PAPERS.check(&Num::Float(2.5)).unwrap_err(),
            "expected a whole number from 1 to 1000, found 2.5"
        );
        assert_eq!(MAX_PAPERS.check(&Num::Float(3.0)), Ok(3.0));
        assert!(MIN_SCORE.check(&Num::Float(f64::NAN)).is_err());
        assert_eq!(
            MAX_PAPERS.check(&Num::Other("the string \"ten\"".into())).unwrap_err(),
            "expected a whole number from 1 to 1000, found the string \"ten\""
        );
    }
}
