//! The first phase of loading: serde reads the TOML into raw types that keep the spans of
//! cross-references, and every unknown key or type error becomes a [`Problem`] rather than
//! the end of the read.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::DeTable;

use super::range::Num;
use super::{AbstractLength, Problem, Security, TransportKind, dkim, span};
use crate::lines::Lines;
use crate::paper::AnnounceType;
use crate::source::SourceFormat;

/// Reads `part` as `T`, reporting every unknown key and type error in it, not only the first:
/// each one's key is taken out and the rest read again. `None` when what is left still cannot
/// be read (a syntax error, a required key missing). `part` is as in [`syntax_problem`].
pub(super) fn read_part<T: DeserializeOwned>(
    lines: &Lines<'_>,
    part: &str,
    offset: usize,
    first_subscriber: usize,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    let mut err = match toml::from_str::<T>(part) {
        Ok(raw) => return Some(raw),
        Err(err) => err,
    };
    // Only a file with mistakes pays for this second parse.
    let mut tree = DeTable::parse(part).ok();
    let mut taken_out = Vec::new();
    for _ in 0..MAX_TYPE_ERRORS {
        let problem = syntax_problem(lines, part, offset, first_subscriber, tree.as_ref(), &err);
        let missing = missing_field(err.message()).is_some();
        // A required key taken out for its type is missing now: no second problem.
        if missing && taken_out.contains(&problem.key) {
            return None;
        }
        taken_out.push(problem.key.clone());
        problems.push(problem);
        let (Some(tree), Some(span), false) = (tree.as_mut(), err.span(), missing) else {
            return None;
        };
        if !span::remove_at(tree.get_mut(), span.start) {
            return None;
        }
        match T::deserialize(toml::de::Deserializer::from(tree.clone())) {
            Ok(raw) => return Some(raw),
            Err(next) => err = next,
        }
    }
    None
}

/// How many `[[subscribers]]` tables `part` holds, when it is TOML.
pub(super) fn subscriber_count(part: &str) -> Option<usize> {
    let tree = DeTable::parse(part).ok()?;
    Some(
        tree.get_ref()
            .get("subscribers")
            .and_then(|s| s.get_ref().as_array())
            .map_or(0, |a| a.len()),
    )
}

/// Enough to fix in one go; a file with more is likely not a paperboy config at all.
const MAX_TYPE_ERRORS: usize = 100;

/// `host` of serde's "missing field `host`".
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.strip_suffix('`')
}

/// A TOML syntax or type error in `part`, the piece of the file (`lines`) that was parsed:
/// it starts at byte `offset` and its first `[[subscribers]]` table is the file's
/// `first_subscriber`-th. Only `part` is parsed again to name the key.
fn syntax_problem(
    lines: &Lines<'_>,
    part: &str,
    offset: usize,
    first_subscriber: usize,
    tree: Option<&Spanned<DeTable<'_>>>,
    err: &toml::de::Error,
) -> Problem {
    let mut at = err.span().map(|span| span.start);
    let (key, message) = match (missing_field(err.message()), err.span(), tree) {
        // serde names the field and toml points at its table: the key is both.
        (Some(field), Some(span), Some(tree)) => {
            let key = match span::table_path_at(tree, span) {
                Some(table) => format!("{table}.{field}"),
                None => {
                    // The whole file has no line of its own.
                    at = None;
                    field.to_owned()
                }
            };
            (Some(key), "is missing; it has no default".to_owned())
        }
        _ => {
            let key = at.and_then(|at| span::key_path_at(part, at));
            let message = plain_words(err.message(), key.as_deref());
            (key, message)
        }
    };
    Problem {
        line: at.map(|at| lines.line(offset + at)),
        key: key.map(|key| span::shift_subscriber_index(&key, first_subscriber)),
        message,
    }
}

/// serde's "invalid type: integer `5`, expected a string" as "expected a string, found 5",
/// in words a person uses for TOML rather than Rust's (numbers are [`range`]'s to word).
fn plain_words(message: &str, key: Option<&str>) -> String {
    let Some((found, expected)) =
        message.strip_prefix("invalid type: ").and_then(|rest| rest.split_once(", expected "))
    else {
        return message.to_owned();
    };
    let field = key.and_then(|key| key.rsplit('.').next()).unwrap_or("");
    let expected = match expected {
        "a boolean" => "true or false",
        "a sequence" if field == "sources" || field == "subscribers" => "a list of tables",
        "a sequence" if field == "announce" => "a list of announce types",
        "a sequence" => "a list of strings",
        "a map" => "a table",
        other if other.starts_with("struct ") || other.starts_with("map") => "a table",
        other => other,
    };
    let unquoted = |text: &str| text.trim_matches('`').to_owned();
    let found = match found.split_once(' ') {
        Some(("string", text)) => format!("the string {text}"),
        Some(("integer" | "boolean", value)) => unquoted(value),
        Some(("floating", value)) => unquoted(value.trim_start_matches("point ")),
        None if found == "sequence" => "a list".to_owned(),
        None if found == "map" => "a table".to_owned(),
        _ => found.to_owned(),
    };
    format!("expected {expected}, found {found}")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub(super) newsletter: RawNewsletter,
    #[serde(default)]
    pub(super) sources: Vec<RawSource>,
    #[serde(default)]
    pub(super) fetch: RawFetch,
    #[serde(default)]
    pub(super) delivery: RawDelivery,
    pub(super) smtp: Option<RawSmtp>,
    pub(super) dkim: Option<dkim::RawDkim>,
    #[serde(default)]
    pub(super) library: RawLibrary,
    #[serde(default)]
    pub(super) topics: BTreeMap<String, RawTopic>,
    /// Absent when every subscriber is in `[[subscribers]]` tables parsed in batches.
    pub(super) subscribers: Option<Vec<RawSubscriber>>,
    /// The self-service pages' limits.
    #[serde(default)]
    pub(super) serve: RawServe,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNewsletter {
    /// Starts every subject line.
    pub(super) title: Spanned<String>,
    /// `Name <address>` or a bare address.
    pub(super) from: Spanned<String>,
    pub(super) reply_to: Option<Spanned<String>>,
    /// `{email}` is replaced by the subscriber's address, URL-encoded.
    pub(super) unsubscribe_url: Option<Spanned<String>>,
    #[serde(default = "default_max_papers")]
    pub(super) max_papers: Spanned<Num>,
    #[serde(default)]
    pub(super) send_empty: bool,
    /// Folder of templates that override the built-in ones.
    pub(super) templates: Option<String>,
    /// The "more like this" / "fewer like this" link: `{email}`, `{paper}`, `{vote}` and
    /// `{token}` are filled in for each paper of each digest.
    pub(super) feedback_url: Option<Spanned<String>>,
    // Self-service pages (`serve`).
    /// The public base of the pages; links in mails are built from it.
    pub(super) site_url: Option<Spanned<String>>,
    /// How long a confirmation link works.
    #[serde(default = "default_subscribe_link_hours")]
    pub(super) subscribe_link_hours: Spanned<Num>,
    /// How much of each abstract a digest shows.
    #[serde(default, rename = "abstract")]
    pub(super) abstract_length: AbstractLength,
    // The subscribers' defaults for when their digest goes (cadence).
    /// `daily` or `weekly`.
    pub(super) frequency: Option<Spanned<String>>,
    /// `monday` … `sunday`: a weekly digest's day.
    pub(super) weekday: Option<Spanned<String>>,
    /// `HH:MM`, local time.
    pub(super) send_at: Option<Spanned<String>>,
    /// An IANA zone name.
    pub(super) timezone: Option<Spanned<String>>,
    /// Similarity to a reader's library at or above which a paper is picked without keywords.
    pub(super) min_similarity: Option<Spanned<Num>>,
}

fn default_subscribe_link_hours() -> Spanned<Num> {
    Spanned::new(0..0, Num::Int(48))
}

/// `[serve]`: limits of the sign-up form.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawServe {
    /// Sign-ups one client address may send an hour.
    #[serde(default = "default_subscribe_per_client_hour")]
    pub(super) subscribe_per_client_hour: Spanned<Num>,
    /// Confirmation mails one address may be sent an hour.
    #[serde(default = "default_confirmations_per_address_hour")]
    pub(super) confirmations_per_address_hour: Spanned<Num>,
    /// The reverse proxy whose `X-Forwarded-For` is believed.
    pub(super) trusted_proxy: Option<Spanned<String>>,
}

impl Default for RawServe {
    fn default() -> RawServe {
        RawServe {
            subscribe_per_client_hour: default_subscribe_per_client_hour(),
            confirmations_per_address_hour: default_confirmations_per_address_hour(),
            trusted_proxy: None,
        }
    }
}

fn default_subscribe_per_client_hour() -> Spanned<Num> {
    Spanned::new(0..0, Num::Int(20))
}

fn default_confirmations_per_address_hour() -> Spanned<Num> {
    Spanned::new(0..0, Num::Int(1))
}

fn default_max_papers() -> Spanned<Num> {
    Spanned::new(0..0, Num::Int(10))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSource {
    /// Names the source in messages, on papers, and in the cache folder; unique.
    pub(super) name: Spanned<String>,
    /// A file, relative to the config file. Exactly one of `path` and `url`.
    pub(super) path: Option<String>,
    /// An `http(s)://` URL; `{date}` is replaced by the run date.
    pub(super) url: Option<Spanned<String>>,
    pub(super) format: Option<Spanned<SourceFormat>>,
    /// For `arxiv-rss`: which announce types to take.
    pub(super) announce: Option<Spanned<Vec<AnnounceType>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFetch {
    /// Raw responses per source and date, and the listing fingerprints of earlier runs.
    #[serde(default = "default_cache_dir")]
    pub(super) cache_dir: String,
    /// The whole of one request, body included.
    #[serde(default = "default_fetch_timeout")]
    pub(super) timeout_secs: Spanned<Num>,
    #[serde(default = "default_connect_timeout")]
    pub(super) connect_timeout_secs: Spanned<Num>,
    /// Tries after the first, on timeouts, 429 and 5xx.
    #[serde(default = "default_retries")]
    pub(super) retries: Spanned<Num>,
}

impl Default for RawFetch {
    fn default() -> RawFetch {
        RawFetch {
            cache_dir: default_cache_dir(),
            timeout_secs: default_fetch_timeout(),
            connect_timeout_secs: default_connect_timeout(),
            retries: default_retries(),
        }
    }
}

fn default_cache_dir() -> String {
    "cache".to_owned()
}

fn default_fetch_timeout() -> Spanned<Num> {
    Spanned::new(0..0, Num::Int(60))
}

fn default_connect_timeout() -> Spanned<Num> {
    Spanned::new(0..0, Num::Int(10))
}

fn default_retries() -> Spanned<Num> {
    Spanned::new(0..0, Num::Int(3))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDelivery {
    #[serde(default = "default_transport")]
    pub(super) transport: Spanned<TransportKind>,
    #[serde(default = "default_outbox")]
    pub(super) dir: String,
    #[serde(default = "default_state")]
    pub(super) state: String,
}

impl Default for RawDelivery {
    fn default() -> RawDelivery {
        RawDelivery {
            transport: default_transport(),
            dir: default_outbox(),
            state: default_state(),
        }
    }
}

fn default_transport() -> Spanned<TransportKind> {
    Spanned::new(0..0, TransportKind::File)
}

fn default_outbox() -> String {
    "outbox".to_owned()
}

fn default_state() -> String {
    "paperboy.db".to_owned()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSmtp {
    pub(super) host: String,
    pub(super) port: Option<Spanned<Num>>,
    #[serde(default)]
    pub(super) security: Security,
    pub(super) username: Option<String>,
    /// Never the password itself: the variable that holds it.
    #[serde(default = "default_password_env")]
    pub(super) password_env: String,
    #[serde(default = "default_timeout_secs")]
    pub(super) timeout_secs: Spanned<Num>,
    /// Relative to the config file.
    pub(super) ca_file: Option<String>,
    #[serde(default = "default_max_connections")]
    pub(super) max_connections: Spanned<Num>,
    pub(super) rate_per_second: Option<Spanned<Num>>,
    #[serde(default = "default_max_attempts")]
    pub(super) max_attempts: Spanned<Num>,
    #[serde(default = "default_retry_backoff_ms")]
    pub(super) retry_backoff_ms: Spanned<Num>,
    #[serde(default = "default_retry_budget_secs")]
    pub(super) retry_budget_secs: Spanned<Num>,
    #[serde(default = "default_max_failures_in_a_row")]
    pub(super) max_failures_in_a_row: Spanned<Num>,
}

fn default_password_env() -> String {
    "PAPERBOY_SMTP_PASSWORD".to_owned()
}

fn default_timeout_secs() -> Spanned<Num> {
    Spanned::new(0..0, Num::Int(30))
}

fn default_max_connections() -> Spanned<Num> {
    Spanned::new(0..0, Num::Int(4))
}

fn default_max_attempts() -> Spanned<Num> {
    Spanned::new(0..0, Num::Int(4))
}

fn default_retry_backoff_ms() -> Spanned<Num> {
    Spanned::new(0..0, Num::Int(1000))
}

fn default_retry_budget_secs() -> Spanned<Num> {
    Spanned::new(0..0, Num::Int(120))
}

fn default_max_failures_in_a_row() -> Spanned<Num> {
    Spanned::new(0..0, Num::Int(10))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTopic {
    #[serde(default)]
    pub(super) keywords: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) require: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) exclude: Vec<Spanned<String>>,
    pub(super) min_score: Option<Spanned<Num>>,
    pub(super) min_upvotes: Option<Spanned<Num>>,
    /// A reading list the topic's followers share, relative to the config file.
    pub(super) library: Option<Spanned<String>>,
    /// Papers by these are picked for every follower and shown first.
    #[serde(default)]
    pub(super) authors: Vec<Spanned<String>>,
    /// Shown beside the topic's checkbox on the sign-up and preferences pages.
    pub(super) description: Option<String>,
    pub(super) min_similarity: Option<Spanned<Num>>,
}

/// One batch of `[[subscribers]]` tables, parsed on its own.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSubscriberBatch {
    /// In file order.
    pub(super) subscribers: Vec<RawSubscriber>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSubscriber {
    pub(super) email: Spanned<String>,
    pub(super) name: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) topics: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) keywords: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) require: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) exclude: Vec<Spanned<String>>,
    pub(super) max_papers: Option<Spanned<Num>>,
    pub(super) min_score: Option<Spanned<Num>>,
    pub(super) min_upvotes: Option<Spanned<Num>>,
    /// The reader's own papers, relative to the config file.
    pub(super) library: Option<Spanned<String>>,
    /// Papers by these are picked and shown first.
    #[serde(default)]
    pub(super) authors: Vec<Spanned<String>>,
    /// Skipped by `send`, kept in the list.
    #[serde(default)]
    pub(super) paused: bool,
    // When this subscriber's digest goes; unset keys take the newsletter's (cadence).
    /// `daily` or `weekly`.
    pub(super) frequency: Option<Spanned<String>>,
    /// `monday` … `sunday`: a weekly digest's day.
    pub(super) weekday: Option<Spanned<String>>,
    /// `HH:MM`, local time.
    pub(super) send_at: Option<Spanned<String>>,
    /// An IANA zone name.
    pub(super) timezone: Option<Spanned<String>>,
    /// Similarity to a reader's library at or above which a paper is picked without keywords.
    pub(super) min_similarity: Option<Spanned<Num>>,
}

/// `[library]`: how readers' libraries are read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLibrary {
    /// Where a list of arXiv ids gets its titles and abstracts.
    #[serde(default = "default_arxiv_api")]
    pub(super) arxiv_api: Spanned<String>,
    /// The pause between two requests to the arXiv API, which asks for 3 s.
    #[serde(default = "default_arxiv_delay")]
    pub(super) arxiv_delay_secs: Spanned<Num>,
    /// What the arXiv API said of each id; by default beside `delivery.state`.
    pub(super) cache_dir: Option<String>,
}

impl Default for RawLibrary {
    fn default() -> RawLibrary {
        RawLibrary {
            arxiv_api: default_arxiv_api(),
            arxiv_delay_secs: default_arxiv_delay(),
            cache_dir: None,
        }
    }
}

fn default_arxiv_api() -> Spanned<String> {
    Spanned::new(0..0, "https://export.arxiv.org/api/query".to_owned())
}

fn default_arxiv_delay() -> Spanned<Num> {
    Spanned::new(0..0, Num::Int(3))
}
