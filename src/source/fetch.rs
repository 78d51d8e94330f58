//! Fetching a source's URL, and the cache that makes a rerun of a date repeat it exactly.
//!
//! Part of stage 1. A GET with connect and total timeouts and a `User-Agent` naming paperboy
//! and its version; timeouts, dropped connections, truncated bodies, 429 and 5xx are retried
//! with exponential backoff, honouring `Retry-After`. A response is kept in
//! `<cache>/<source>/<date>.raw` (with the URL it came from in `<date>.url`) only once the
//! caller has found the listing fresh and not empty, so a rerun of the same date reads the
//! cache, makes no request, works offline and sends the same digest, while a listing that was
//! not out yet is fetched again. Nothing here parses.

use std::io::ErrorKind;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, NaiveDate};

use super::{MAX_LISTING_BYTES, SourceError};
use crate::atomic::write as write_atomically;
use crate::clock::Clock;
use crate::text::file_safe;

/// What every request sends as `User-Agent`.
pub(crate) const USER_AGENT: &str = concat!("paperboy/", env!("CARGO_PKG_VERSION"));

/// The longest `Retry-After` paperboy waits out; a server asking for more fails the source.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// The longest pause between two tries without a `Retry-After`.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// `[fetch]`: how sources with a `url` are fetched and cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FetchSettings {
    /// Raw responses and the listing fingerprints of earlier runs.
    pub(crate) cache_dir: PathBuf,
    /// How long to wait for the connection.
    pub(crate) connect_timeout: Duration,
    /// How long one request may take in all, body included.
    pub(crate) timeout: Duration,
    /// Tries after the first, for failures a retry may fix.
    pub(crate) retries: u32,
    /// The pause before the first retry; it doubles for each further one.
    pub(crate) backoff: Duration,
}

impl Default for FetchSettings {
    fn default() -> FetchSettings {
        FetchSettings {
            cache_dir: PathBuf::from("cache"),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            retries: 3,
            backoff: Duration::from_secs(1),
        }
    }
}

/// A response fetched over the network, not yet kept.
#[derive(Debug)]
pub(crate) struct Fetched {
    pub(crate) bytes: Vec<u8>,
    /// The URL it came from.
    pub(crate) url: String,
    raw: PathBuf,
}

impl Fetched {
    /// Keeps the response in the cache, so a rerun of the date reads it from there.
    pub(crate) fn keep(&self) -> std::io::Result<()> {
        write_atomically(&self.raw, &self.bytes)?;
        write_atomically(&self.raw.with_extension("url"), self.url.as_bytes())
    }
}

fn raw_path(settings: &FetchSettings, source: &str, date: NaiveDate) -> PathBuf {
    settings.cache_dir.join(file_safe(source)).join(format!("{date}.raw"))
}

/// This date's kept response of `source`, if it came from `url` (a changed URL is fetched
/// anew).
pub(crate) fn cached(
    settings: &FetchSettings,
    source: &str,
    url: &str,
    date: NaiveDate,
) -> Option<Vec<u8>> {
    let raw = raw_path(settings, source, date);
    let kept_url = std::fs::read_to_string(raw.with_extension("url")).ok()?;
    (kept_url == url).then(|| std::fs::read(&raw).ok()).flatten()
}

/// Why one try failed.
enum Failure {
    /// A later try may succeed: wait `wait` (or the backoff) and go again.
    Again { message: String, wait: Option<Duration> },
    /// No try will: a 404, a bad URL, a body too large.
    Final(String),
}

/// GETs `url`, retrying what a retry may fix.
pub(crate) fn fetch(
    settings: &FetchSettings,
    source: &str,
    url: &str,
    date: NaiveDate,
    clock: Clock,
) -> Result<Fetched, SourceError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(settings.connect_timeout))
        .timeout_global(Some(settings.timeout))
        .http_status_as_error(false)
        .user_agent(USER_AGENT)
        .build()
        .into();
    let tries = settings.retries.saturating_add(1);
    let mut backoff = settings.backoff;
    for attempt in 1..=tries {
        let failure = match get(&agent, url, settings, clock) {
            Ok(bytes) => {
                return Ok(Fetched {
                    bytes,
                    url: url.to_owned(),
                    raw: raw_path(settings, source, date),
                });
            }
            Err(failure) => failure,
        };
        match failure {
            Failure::Final(message) => return Err(SourceError::whole(url, message)),
            Failure::Again { message, .. } if attempt == tries => {
                let tries = crate::text::plural::count_as(tries as usize, "try", "tries");
                return Err(SourceError::whole(url, format!("{message} ({tries})")));
            }
            Failure::Again { wait, .. } => {
                std::thread::sleep(wait.unwrap_or(backoff));
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
    Err(SourceError::whole(url, "no request was made: `retries` allows none"))
}

/// One try.
fn get(
    agent: &ureq::Agent,
    url: &str,
    settings: &FetchSettings,
    clock: Clock,
) -> Result<Vec<u8>, Failure> {
    let mut response = agent.get(url).call().map_err(|err| failure(err, settings))?;
    let status = response.status();
    if status.is_success() {
        return response
            .body_mut()
            .with_config()
            .limit(MAX_LISTING_BYTES)
            .read_to_vec()
            .map_err(|err| failure(err, settings));
    }
    let reason = status.canonical_reason().unwrap_or("");
    let message = format!("HTTP {} {reason}", status.as_u16()).trim_end().to_owned();
    if status.as_u16() == 429 || status.is_server_error() {
        let header = response.headers().get("retry-after").and_then(|value| value.to_str().ok());
        let wait = header.and_then(|value| retry_after(value, clock));
        if let Some(wait) = wait.filter(|wait| *wait > MAX_RETRY_AFTER) {
            return Err(Failure::Final(format!(
                "{message}, asking to wait {} s, longer than paperboy waits ({} s)",
                wait.as_secs(),
                MAX_RETRY_AFTER.as_secs()
            )));
        }
        return Err(Failure::Again { message, wait });
    }
    Err(Failure::Final(message))
}

fn failure(err: ureq::Error, settings: &FetchSettings) -> Failure {
    let again = |message: String| Failure::Again { message, wait: None };
    match err {
        ureq::Error::Timeout(ureq::Timeout::Connect) => {
            again(format!("no connection within {} s", settings.connect_timeout.as_secs_f32()))
        }
        ureq::Error::Timeout(_) => {
            again(format!("no complete response within {} s", settings.timeout.as_secs_f32()))
        }
        ureq::Error::Io(io) if io.kind() == ErrorKind::UnexpectedEof => {
            again("the response ended early (a truncated download)".to_owned())
        }
        ureq::Error::Io(io) => again(format!("connection failed: {io}")),
        ureq::Error::ConnectionFailed => again("connection failed".to_owned()),
        ureq::Error::HostNotFound => again("host not found".to_owned()),
        ureq::Error::Protocol(err) => again(format!("the server broke HTTP: {err}")),
        ureq::Error::BodyExceedsLimit(limit) => Failure::Final(format!(
            "the response is larger than {} MiB; not a daily listing",
            limit >> 20
        )),
        other => Failure::Final(other.to_string()),
    }
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_after(value: &str, clock: Clock) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.signed_duration_since(clock.now()).to_std().unwrap_or(Duration::ZERO);
    Some(wait)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        let now = chrono::Utc.with_ymd_and_hms(2025, 8, 5, 7, 30, 0).unwrap();
        let clock = Clock::Fixed(now);
        assert_eq!(retry_after("3", clock), Some(Duration::from_secs(3)));
        assert_eq!(
            retry_after("Tue, 05 Aug 2025 07:30:10 GMT", clock),
            Some(Duration::from_secs(10))
        );
        assert_eq!(retry_after("Tue, 05 Aug 2025 07:00:00 GMT", clock), Some(Duration::ZERO));
        assert_eq!(retry_after("soon", clock), None);
    }

    #[test]
    fn the_user_agent_names_paperboy_and_its_version() {
        assert_eq!(USER_AGENT, format!("paperboy/{}", env!("CARGO_PKG_VERSION")));
    }

    #[test]
    fn a_response_from_another_url_is_not_this_dates_cache() {
        let dir = tempfile::tempdir().unwrap();
        let settings =
            FetchSettings { cache_dir: dir.path().to_owned(), ..FetchSettings::default() };
        let date = NaiveDate::from_ymd_opt(2025, 8, 5).unwrap();
        let fetched = Fetched {
            bytes: b"[]".to_vec(),
            url: "https://a/x".into(),
            raw: raw_path(&settings, "hf", date),
        };
        fetched.keep().unwrap();
        assert_eq!(cached(&settings, "hf", "https://a/x", date).as_deref(), Some(&b"[]"[..]));
        assert_eq!(cached(&settings, "hf", "https://a/y", date), None);
        assert_eq!(cached(&settings, "hf", "https://a/x", date.succ_opt().unwrap()), None);
    }
}
