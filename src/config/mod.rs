//! The TOML config: parsed strictly, then validated as a whole.
//!
//! Loading happens in two phases: serde reads the file into raw types that keep the spans of
//! cross-references, then `validate` checks everything at once and builds the types the
//! pipeline uses. An unknown key or a value of the wrong type does not stop the first phase:
//! it is reported, taken out and the rest read again, so that one run lists every problem;
//! numbers are read as written and checked against their range ([`range`]) in the second.
//! Every problem names the file, the line and the key. Nothing here sends, reads sources or
//! renders.

mod dkim;
pub mod edit;
pub(crate) mod range;
mod span;
mod split;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use lettre::Address;
use lettre::message::Mailbox;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::DeTable;

use crate::lines::Lines;
use crate::paper::AnnounceType;
use crate::source::{FetchSettings, Location, Source, SourceFormat, default_announce};
use crate::topic::{Interest, Keyword, Lexicon, Rules, Topic};
pub use dkim::{Dkim, DkimAlgorithm};
use range::{Limit, Num};

/// The config file name looked for when neither `--config` nor `PAPERBOY_CONFIG` names one.
pub const DEFAULT_PATH: &str = "paperboy.toml";

/// A loaded and validated config.
#[derive(Debug)]
pub struct Config {
    /// The file it came from; relative paths inside it are resolved against its folder.
    pub path: PathBuf,
    /// What every digest shares.
    pub newsletter: Newsletter,
    /// Where the day's papers come from, in order.
    pub sources: Vec<Source>,
    /// How sources with a `url` are fetched, and where responses are cached.
    pub fetch: FetchSettings,
    /// How digests leave.
    pub delivery: Delivery,
    /// The mail server, when `delivery.transport = "smtp"`.
    pub smtp: Option<Smtp>,
    /// DKIM signing, when `[dkim]` is set.
    pub dkim: Option<Dkim>,
    /// Named keyword sets, in name order.
    pub topics: Vec<Topic>,
    /// Every distinct keyword of the topics and subscribers, numbered.
    pub lexicon: Lexicon,
    /// Everyone who gets a digest, in file order.
    pub subscribers: Vec<Subscriber>,
}

/// `[newsletter]`: what every digest shares.
#[derive(Debug)]
pub struct Newsletter {
    /// Starts every subject line.
    pub title: String,
    /// The `From:` mailbox.
    pub from: Mailbox,
    /// The `Reply-To:` mailbox, if any.
    pub reply_to: Option<Mailbox>,
    /// A URL with `{email}` where the subscriber's address goes.
    pub unsubscribe_url: Option<String>,
    /// The cap for subscribers who set none.
    pub max_papers: usize,
    /// Whether subscribers with no matching paper still get a (short) digest.
    pub send_empty: bool,
    /// A folder whose templates override the built-in ones.
    pub templates: Option<PathBuf>,
}

/// `[delivery]`: how digests leave.
#[derive(Debug)]
pub struct Delivery {
    /// SMTP or files.
    pub transport: TransportKind,
    /// The file transport's folder.
    pub dir: PathBuf,
    /// The run journal.
    pub state: PathBuf,
}

/// The two ways a digest leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TransportKind {
    /// One `.eml` file per digest: works on any machine, sends nothing.
    #[default]
    File,
    /// A mail server.
    Smtp,
}

/// `[smtp]`: the mail server or relay.
#[derive(Debug, Clone)]
pub struct Smtp {
    /// Host name or address.
    pub host: String,
    /// Port; the default follows `security`.
    pub port: u16,
    /// How the connection is encrypted.
    pub security: Security,
    /// Log in as this user, when set.
    pub username: Option<String>,
    /// The environment variable that holds the password.
    pub password_env: String,
    /// How long to wait for the server at each step.
    pub timeout_secs: u64,
    /// Extra trusted root certificates (PEM), for a relay with a private CA.
    pub ca_file: Option<PathBuf>,
    /// Parallel connections, each reused for many messages.
    pub max_connections: usize,
    /// At most this many messages a second, evenly spaced; no limit when unset.
    pub rate_per_second: Option<f64>,
    /// Tries per digest within one run before it is left for the next run.
    pub max_attempts: u32,
    /// The wait before the first retry; it doubles for each further one (with jitter).
    pub retry_backoff_ms: u64,
    /// How long after its first try a digest may still be retried within one run.
    pub retry_budget_secs: u64,
    /// This many failed deliveries in a row (the server is clearly broken) stop the run.
    pub max_failures_in_a_row: u32,
}

/// How the SMTP connection is encrypted. There is no "TLS if offered": STARTTLS is required
/// whenever it is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain text: only for a relay on the same host or a test server.
    None,
    /// Upgrade with STARTTLS, and fail if the server cannot.
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS).
    Tls,
}

impl Security {
    fn default_port(self) -> u16 {
        match self {
            Security::None => 25,
            Security::Starttls => 587,
            Security::Tls => 465,
        }
    }
}

/// A person who gets a digest.
#[derive(Debug, Clone)]
pub struct Subscriber {
    /// Where the digest goes.
    pub email: Address,
    /// Shown in `To:` and the greeting.
    pub name: Option<String>,
    /// This subscriber's cap, when it differs from the newsletter's.
    pub max_papers: Option<usize>,
    /// Its topics and own rules, compiled: `interest.own` holds its own keywords.
    pub interest: Interest,
}

impl Subscriber {
    /// The `To:` mailbox.
    pub fn mailbox(&self) -> Mailbox {
        Mailbox::new(self.name.as_deref().map(crate::text::header_safe), self.email.clone())
    }
}

/// A config that cannot be used, with every problem found in it.
#[derive(Debug, thiserror::Error)]
pub struct ConfigError {
    /// The config file.
    pub path: PathBuf,
    /// At least one.
    pub problems: Vec<Problem>,
}

/// One thing wrong with a config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// The key's dotted path, such as `subscribers[1].email`, when known.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, problem) in self.problems.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{}", self.path.display())?;
            if let Some(line) = problem.line {
                write!(f, ":{line}")?;
            }
            let message = crate::text::one_line(&problem.message);
            match &problem.key {
                Some(key) => write!(f, ": `{key}`: {message}")?,
                None => write!(f, ": {message}")?,
            }
        }
        Ok(())
    }
}

impl Config {
    /// Every keyword that picks papers for `subscriber`, its topics' first.
    pub fn keywords_of(&self, subscriber: &Subscriber) -> Vec<&Keyword> {
        let ids = subscriber.interest.keyword_ids(&self.topics);
        ids.into_iter().map(|id| self.lexicon.get(id)).collect()
    }

    /// The subscriber with this address, whatever its case.
    pub fn subscriber(&self, email: &str) -> Option<&Subscriber> {
        self.subscribers.iter().find(|s| s.email.to_string().eq_ignore_ascii_case(email.trim()))
    }

    /// The names of the topics a subscriber follows.
    pub fn topic_names(&self, subscriber: &Subscriber) -> Vec<&str> {
        subscriber.interest.topics.iter().map(|&t| self.topics[t].name.as_str()).collect()
    }

    /// The keywords with these ids, as written.
    pub fn keyword_texts(&self, ids: &[crate::topic::KeywordId]) -> Vec<&str> {
        ids.iter().map(|&id| self.lexicon.get(id).as_str()).collect()
    }

    /// Reads and validates the config at `path`.
    ///
    /// A missing file is the first-run case: the message says how to get one.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|err| ConfigError {
            path: path.to_owned(),
            problems: vec![Problem { line: None, key: None, message: cannot_read(&err) }],
        })?;
        Config::parse(&text, path)
    }

    /// Validates config text as if it were read from `path`.
    ///
    /// The `[[subscribers]]` tables are parsed a batch at a time, and the rest of the file on
    /// its own with those tables blanked out, so every offset still points into `text`.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        Config::parse_in_batches(text, path, split::SUBSCRIBERS_PER_BATCH)
    }

    fn parse_in_batches(text: &str, path: &Path, per_batch: usize) -> Result<Config, ConfigError> {
        let fail = |problems| ConfigError { path: path.to_owned(), problems };
        let batches = split::subscriber_batches(text, per_batch);
        let lines = Lines::new(text.as_bytes());
        let rest = blanked(text, &batches);
        let mut problems = Vec::new();
        let raw: Option<RawConfig> = read_part(&lines, &rest, 0, 0, &mut problems);
        drop(rest);
        let Some(raw) = raw else { return Err(fail(problems)) };
        let base = path.parent().unwrap_or(Path::new("")).to_owned();
        let validator =
            Validator { text, lines, offset: 0, base, problems, lexicon: Lexicon::default() };
        validator.validate(raw, &batches, path).map_err(|mut problems| {
            // Type errors are found before the checks of meaning: file order puts them back
            // among the others.
            problems.sort_by_key(|problem| problem.line.unwrap_or(usize::MAX));
            fail(problems)
        })
    }
}

/// `text` with the `ranges` turned to spaces: same length, same offsets.
fn blanked<'t>(text: &'t str, ranges: &[Range<usize>]) -> Cow<'t, str> {
    if ranges.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut bytes = text.as_bytes().to_vec();
    for range in ranges {
        bytes[range.clone()].fill(b' ');
    }
    // Whole UTF-8 sequences became ASCII spaces, so the text is still UTF-8.
    Cow::Owned(String::from_utf8(bytes).expect("blanking keeps UTF-8"))
}

/// Reads `part` as `T`, reporting every unknown key and type error in it, not only the first:
/// each one's key is taken out and the rest read again. `None` when what is left still cannot
/// be read (a syntax error, a required key missing). `part` is as in [`syntax_problem`].
fn read_part<T: DeserializeOwned>(
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
fn subscriber_count(part: &str) -> Option<usize> {
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
struct RawConfig {
    newsletter: RawNewsletter,
    #[serde(default)]
    sources: Vec<RawSource>,
    #[serde(default)]
    fetch: RawFetch,
    #[serde(default)]
    delivery: RawDelivery,
    smtp: Option<RawSmtp>,
    dkim: Option<dkim::RawDkim>,
    #[serde(default)]
    topics: BTreeMap<String, RawTopic>,
    /// Absent when every subscriber is in `[[subscribers]]` tables parsed in batches.
    subscribers: Option<Vec<RawSubscriber>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNewsletter {
    /// Starts every subject line.
    title: Spanned<String>,
    /// `Name <address>` or a bare address.
    from: Spanned<String>,
    reply_to: Option<Spanned<String>>,
    /// `{email}` is replaced by the subscriber's address, URL-encoded.
    unsubscribe_url: Option<Spanned<String>>,
    #[serde(default = "default_max_papers")]
    max_papers: Spanned<Num>,
    #[serde(default)]
    send_empty: bool,
    /// Folder of templates that override the built-in ones.
    templates: Option<String>,
}

fn default_max_papers() -> Spanned<Num> {
    Spanned::new(0..0, Num::Int(10))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    /// Names the source in messages, on papers, and in the cache folder; unique.
    name: Spanned<String>,
    /// A file, relative to the config file. Exactly one of `path` and `url`.
    path: Option<String>,
    /// An `http(s)://` URL; `{date}` is replaced by the run date.
    url: Option<Spanned<String>>,
    format: Option<Spanned<SourceFormat>>,
    /// For `arxiv-rss`: which announce types to take.
    announce: Option<Spanned<Vec<AnnounceType>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFetch {
    /// Raw responses per source and date, and the listing fingerprints of earlier runs.
    #[serde(default = "default_cache_dir")]
    cache_dir: String,
    /// The whole of one request, body included.
    #[serde(default = "default_fetch_timeout")]
    timeout_secs: Spanned<Num>,
    #[serde(default = "default_connect_timeout")]
    connect_timeout_secs: Spanned<Num>,
    /// Tries after the first, on timeouts, 429 and 5xx.
    #[serde(default = "default_retries")]
    retries: Spanned<Num>,
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
struct RawDelivery {
    #[serde(default = "default_transport")]
    transport: Spanned<TransportKind>,
    #[serde(default = "default_outbox")]
    dir: String,
    #[serde(default = "default_state")]
    state: String,
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
struct RawSmtp {
    host: String,
    port: Option<Spanned<Num>>,
    #[serde(default)]
    security: Security,
    username: Option<String>,
    /// Never the password itself: the variable that holds it.
    #[serde(default = "default_password_env")]
    password_env: String,
    #[serde(default = "default_timeout_secs")]
    timeout_secs: Spanned<Num>,
    /// Relative to the config file.
    ca_file: Option<String>,
    #[serde(default = "default_max_connections")]
    max_connections: Spanned<Num>,
    rate_per_second: Option<Spanned<Num>>,
    #[serde(default = "default_max_attempts")]
    max_attempts: Spanned<Num>,
    #[serde(default = "default_retry_backoff_ms")]
    retry_backoff_ms: Spanned<Num>,
    #[serde(default = "default_retry_budget_secs")]
    retry_budget_secs: Spanned<Num>,
    #[serde(default = "default_max_failures_in_a_row")]
    max_failures_in_a_row: Spanned<Num>,
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
struct RawTopic {
    #[serde(default)]
    keywords: Vec<Spanned<String>>,
    #[serde(default)]
    require: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    min_score: Option<Spanned<Num>>,
    min_upvotes: Option<Spanned<Num>>,
}

/// One batch of `[[subscribers]]` tables, parsed on its own.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSubscriberBatch {
    /// In file order.
    subscribers: Vec<RawSubscriber>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSubscriber {
    email: Spanned<String>,
    name: Option<String>,
    #[serde(default)]
    topics: Vec<Spanned<String>>,
    #[serde(default)]
    keywords: Vec<Spanned<String>>,
    #[serde(default)]
    require: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    max_papers: Option<Spanned<Num>>,
    min_score: Option<Spanned<Num>>,
    min_upvotes: Option<Spanned<Num>>,
}

/// Collects every problem before giving up, so one run shows them all.
struct Validator<'t> {
    text: &'t str,
    lines: Lines<'t>,
    /// Where the part being checked starts in `text`: spans are relative to it.
    offset: usize,
    base: PathBuf,
    problems: Vec<Problem>,
    lexicon: Lexicon,
}

impl Validator<'_> {
    fn problem<T>(&mut self, at: &Spanned<T>, key: String, message: String) {
        let line = (at.span() != (0..0)).then(|| self.lines.line(self.offset + at.span().start));
        self.problems.push(Problem { line, key: Some(key), message });
    }

    fn validate(
        mut self,
        raw: RawConfig,
        batches: &[Range<usize>],
        path: &Path,
    ) -> Result<Config, Vec<Problem>> {
        let newsletter = self.newsletter(raw.newsletter);
        let sources = self.sources(raw.sources);
        let fetch = self.fetch(raw.fetch);
        let smtp = raw.smtp.map(|smtp| self.smtp(smtp));
        let dkim = raw.dkim.map(|dkim| dkim::validate(&mut self, dkim));
        if *raw.delivery.transport.get_ref() == TransportKind::Smtp && smtp.is_none() {
            let message = "is \"smtp\" but the config has no [smtp] table".to_owned();
            self.problem(&raw.delivery.transport, "delivery.transport".into(), message);
        }
        let delivery = Delivery {
            transport: raw.delivery.transport.into_inner(),
            dir: self.base.join(raw.delivery.dir),
            state: self.base.join(raw.delivery.state),
        };
        let topics: Vec<Topic> = raw
            .topics
            .into_iter()
            .map(|(name, topic)| {
                let key = |field: &str| format!("topics.{name}.{field}");
                let (min_score, min_upvotes) =
                    self.minimums(topic.min_score, topic.min_upvotes, &key);
                let rules = Rules {
                    keywords: self.ids(&topic.keywords, &key("keywords")),
                    require: self.ids(&topic.require, &key("require")),
                    exclude: self.ids(&topic.exclude, &key("exclude")),
                    min_score,
                    min_upvotes,
                };
                Topic { name, rules }
            })
            .collect();
        let mut list = SubscriberList::new(&topics, newsletter.as_ref());
        if let Some(first) = batches.first()
            && raw.subscribers.is_some()
        {
            let line = Some(self.lines.line(first.start));
            let message = "is written both as `subscribers = [...]` and as `[[subscribers]]` \
                           tables; keep one"
                .to_owned();
            self.problems.push(Problem { line, key: Some("subscribers".into()), message });
        }
        self.subscribers(&mut list, raw.subscribers.unwrap_or_default());
        for batch in batches {
            let part = &self.text[batch.clone()];
            let read = read_part(&self.lines, part, batch.start, list.count, &mut self.problems);
            let Some(RawSubscriberBatch { subscribers }) = read else {
                // The batch's problems are listed; the next batch's indexes must still be
                // the file's, and a batch that is not even TOML ends the checking.
                match subscriber_count(part) {
                    Some(count) => list.count += count,
                    None => return Err(self.problems),
                }
                continue;
            };
            self.offset = batch.start;
            self.subscribers(&mut list, subscribers);
            self.offset = 0;
        }
        let subscribers = list.subscribers;

        match (newsletter, self.problems.is_empty()) {
            (Some(newsletter), true) => Ok(Config {
                path: path.to_owned(),
                newsletter,
                sources,
                fetch,
                delivery,
                smtp,
                dkim,
                topics,
                subscribers,
                lexicon: self.lexicon,
            }),
            _ => Err(self.problems),
        }
    }

    fn smtp(&mut self, raw: RawSmtp) -> Smtp {
        let port = match &raw.port {
            Some(port) => self.whole(port, "smtp.port", range::PORT),
            None => raw.security.default_port(),
        };
        let rate_per_second = raw
            .rate_per_second
            .map(|rate| self.number(&rate, "smtp.rate_per_second", range::RATE_PER_SECOND));
        Smtp {
            port,
            host: raw.host,
            security: raw.security,
            username: raw.username,
            password_env: raw.password_env,
            timeout_secs: self.whole(&raw.timeout_secs, "smtp.timeout_secs", range::TIMEOUT_SECS),
            ca_file: raw.ca_file.map(|file| self.base.join(file)),
            max_connections: self.whole(
                &raw.max_connections,
                "smtp.max_connections",
                range::MAX_CONNECTIONS,
            ),
            rate_per_second,
            max_attempts: self.whole(&raw.max_attempts, "smtp.max_attempts", range::MAX_ATTEMPTS),
            retry_backoff_ms: self.whole(
                &raw.retry_backoff_ms,
                "smtp.retry_backoff_ms",
                range::RETRY_BACKOFF_MS,
            ),
            retry_budget_secs: self.whole(
                &raw.retry_budget_secs,
                "smtp.retry_budget_secs",
                range::RETRY_BUDGET_SECS,
            ),
            max_failures_in_a_row: self.whole(
                &raw.max_failures_in_a_row,
                "smtp.max_failures_in_a_row",
                range::MAX_FAILURES_IN_A_ROW,
            ),
        }
    }

    fn newsletter(&mut self, raw: RawNewsletter) -> Option<Newsletter> {
        if raw.title.get_ref().trim().is_empty() {
            self.problem(&raw.title, "newsletter.title".into(), "must not be empty".into());
        }
        let from = self.mailbox(&raw.from, "newsletter.from");
        let reply_to = raw.reply_to.as_ref().map(|r| self.mailbox(r, "newsletter.reply_to"));
        if let Some(url) = &raw.unsubscribe_url
            && let Err(message) = check_unsubscribe_url(url.get_ref())
        {
            self.problem(url, "newsletter.unsubscribe_url".into(), message);
        }
        let max_papers = self.whole(&raw.max_papers, "newsletter.max_papers", range::MAX_PAPERS);
        Some(Newsletter {
            title: raw.title.into_inner().trim().to_owned(),
            from: from?,
            reply_to: match reply_to {
                Some(None) => return None,
                checked => checked.flatten(),
            },
            unsubscribe_url: raw.unsubscribe_url.map(Spanned::into_inner),
            max_papers,
            send_empty: raw.send_empty,
            templates: raw.templates.map(|dir| self.base.join(dir)),
        })
    }

    fn sources(&mut self, raw: Vec<RawSource>) -> Vec<Source> {
        let mut seen = HashSet::new();
        let mut sources = Vec::new();
        for (index, raw) in raw.into_iter().enumerate() {
            let key = |field: &str| format!("sources[{index}].{field}");
            let name = raw.name.get_ref().trim().to_owned();
            let plain = |c: char| c.is_alphanumeric() || "-_.".contains(c);
            if name.is_empty() {
                self.problem(&raw.name, key("name"), "must not be empty".into());
            } else if name.starts_with('.') || !name.chars().all(plain) {
                // It names files in the cache folder, so it must stay inside it.
                let message = format!(
                    "`{name}` must be letters, digits, `-`, `_` or `.`, not starting with `.`"
                );
                self.problem(&raw.name, key("name"), message);
            } else if !seen.insert(name.to_lowercase()) {
                let message = format!(
                    "`{name}` names two sources; each needs its own name (it keys the cache)"
                );
                self.problem(&raw.name, key("name"), message);
            }
            let location = match (raw.path, raw.url) {
                (Some(path), None) => Some(Location::Path(self.base.join(path))),
                (None, Some(url)) => match check_source_url(url.get_ref()) {
                    Ok(()) => Some(Location::Url(url.into_inner())),
                    Err(message) => {
                        self.problem(&url, key("url"), message);
                        None
                    }
                },
                (Some(_), Some(url)) => {
                    self.problem(&url, key("url"), "give `path` or `url`, not both".into());
                    None
                }
                (None, None) => {
                    self.problem(
                        &raw.name,
                        format!("sources[{index}]"),
                        "needs a `path` or a `url`".into(),
                    );
                    None
                }
            };
            let format = raw.format.map(Spanned::into_inner);
            let announce = match raw.announce {
                None => default_announce(),
                Some(announce) => {
                    if announce.get_ref().is_empty() {
                        self.problem(
                            &announce,
                            key("announce"),
                            "must name at least one announce type".into(),
                        );
                    }
                    if let Some(other) = format.filter(|f| *f != SourceFormat::ArxivRss) {
                        let message = format!(
                            "applies to `arxiv-rss` sources only, and this one is `{other}`"
                        );
                        self.problem(&announce, key("announce"), message);
                    }
                    announce.into_inner()
                }
            };
            if let Some(location) = location {
                sources.push(Source { name, location, format, announce });
            }
        }
        sources
    }

    fn fetch(&mut self, raw: RawFetch) -> FetchSettings {
        let timeout = self.whole(&raw.timeout_secs, "fetch.timeout_secs", range::TIMEOUT_SECS);
        let connect_timeout = self.whole(
            &raw.connect_timeout_secs,
            "fetch.connect_timeout_secs",
            range::TIMEOUT_SECS,
        );
        FetchSettings {
            cache_dir: self.base.join(raw.cache_dir),
            connect_timeout: std::time::Duration::from_secs(connect_timeout),
            timeout: std::time::Duration::from_secs(timeout),
            retries: self.whole(&raw.retries, "fetch.retries", range::FETCH_RETRIES),
            ..FetchSettings::default()
        }
    }

    fn mailbox(&mut self, raw: &Spanned<String>, key: &str) -> Option<Mailbox> {
        match Mailbox::from_str(raw.get_ref()) {
            Ok(mailbox) => Some(mailbox),
            Err(err) => {
                let message = format!("`{}` is not a valid mailbox: {err}", raw.get_ref());
                self.problem(raw, key.to_owned(), message);
                None
            }
        }
    }

    /// Compiles keywords into the lexicon.
    fn ids(&mut self, raw: &[Spanned<String>], key: &str) -> Vec<crate::topic::KeywordId> {
        let mut ids = Vec::new();
        for keyword in self.keywords(raw, key) {
            let id = self.lexicon.intern(keyword);
            // The same keyword twice in one list counts once.
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }

    /// The number at `raw` if it is in its range; else a problem, and the range's least
    /// value stands in so that checking goes on.
    fn number(&mut self, raw: &Spanned<Num>, key: &str, limit: Limit) -> f64 {
        limit.check(raw.get_ref()).unwrap_or_else(|message| {
            self.problem(raw, key.to_owned(), message);
            limit.min
        })
    }

    /// [`Validator::number`] for a whole number.
    fn whole<T: TryFrom<u64>>(&mut self, raw: &Spanned<Num>, key: &str, limit: Limit) -> T {
        let value = self.number(raw, key, limit) as u64;
        T::try_from(value).ok().expect("every whole range fits the type of its key")
    }

    /// A topic's or subscriber's `min_score` and `min_upvotes`.
    fn minimums(
        &mut self,
        min_score: Option<Spanned<Num>>,
        min_upvotes: Option<Spanned<Num>>,
        key: &dyn Fn(&str) -> String,
    ) -> (Option<f64>, Option<u64>) {
        (
            min_score.map(|raw| self.number(&raw, &key("min_score"), range::MIN_SCORE)),
            min_upvotes.map(|raw| self.whole(&raw, &key("min_upvotes"), range::MIN_UPVOTES)),
        )
    }

    fn keywords(&mut self, raw: &[Spanned<String>], key: &str) -> Vec<Keyword> {
        raw.iter()
            .filter_map(|text| {
                Keyword::parse(text.get_ref())
                    .map_err(|message| self.problem(text, key.to_owned(), message))
                    .ok()
            })
            .collect()
    }

    fn subscribers(&mut self, list: &mut SubscriberList<'_>, raw: Vec<RawSubscriber>) {
        for raw in raw {
            let index = list.count;
            list.count += 1;
            let key = |field: &str| format!("subscribers[{index}].{field}");
            let email = match subscriber_address(raw.email.get_ref()) {
                Ok(email) => Some(email),
                Err(message) => {
                    self.problem(&raw.email, key("email"), message);
                    None
                }
            };
            if let Some(email) = &email
                && !list.seen.insert(email.to_string().to_lowercase())
            {
                let message = format!("`{email}` is listed twice; each address gets one digest");
                self.problem(&raw.email, key("email"), message);
            }
            let mut followed = Vec::new();
            for name in &raw.topics {
                match list.by_name.get(name.get_ref().as_str()) {
                    Some(&topic) => followed.push(topic),
                    None => {
                        let known: Vec<&str> =
                            list.topics.iter().map(|t| t.name.as_str()).collect();
                        let message = format!(
                            "unknown topic `{}` (defined: {})",
                            name.get_ref(),
                            if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                        );
                        self.problem(name, key("topics"), message);
                    }
                }
            }
            let max_papers: Option<usize> =
                raw.max_papers.map(|max| self.whole(&max, &key("max_papers"), range::MAX_PAPERS));
            let (min_score, min_upvotes) = self.minimums(raw.min_score, raw.min_upvotes, &key);
            let own = Rules {
                keywords: self.ids(&raw.keywords, &key("keywords")),
                require: self.ids(&raw.require, &key("require")),
                exclude: self.ids(&raw.exclude, &key("exclude")),
                min_score,
                min_upvotes,
            };
            // A topic listed twice is followed once; it must not count twice in the score.
            let mut unique = Vec::with_capacity(followed.len());
            for topic in followed {
                if !unique.contains(&topic) {
                    unique.push(topic);
                }
            }
            let followed = unique;
            let interest = Interest {
                topics: followed,
                own,
                max_papers: max_papers.unwrap_or(list.default_max),
            };
            let Some(email) = email else { continue };
            list.subscribers.push(Subscriber {
                email,
                name: raw.name.map(|name| name.trim().to_owned()).filter(|n| !n.is_empty()),
                max_papers,
                interest,
            });
        }
    }
}

/// The subscribers checked so far, and what checking the next ones needs.
struct SubscriberList<'c> {
    topics: &'c [Topic],
    by_name: HashMap<&'c str, usize>,
    default_max: usize,
    /// Addresses in lowercase, to catch one listed twice.
    seen: HashSet<String>,
    /// Subscribers read, valid or not: the next one's index in `subscribers[i]`.
    count: usize,
    subscribers: Vec<Subscriber>,
}

impl<'c> SubscriberList<'c> {
    fn new(topics: &'c [Topic], newsletter: Option<&Newsletter>) -> SubscriberList<'c> {
        SubscriberList {
            topics,
            by_name: topics.iter().enumerate().map(|(at, t)| (t.name.as_str(), at)).collect(),
            default_max: newsletter.map_or(10, |n| n.max_papers),
            seen: HashSet::new(),
            count: 0,
            subscribers: Vec::new(),
        }
    }
}

/// A subscriber's address, as the loader and `subscriber add` accept it: what lettre parses,
/// less a quoted local part (`"john doe"@example.com`), which lettre parses but cannot put in
/// a `To:` header, so every message to it would fail to build.
pub(crate) fn subscriber_address(text: &str) -> Result<Address, String> {
    let email = Address::from_str(text.trim())
        .map_err(|err| format!("`{text}` is not a valid address: {err}"))?;
    if email.user().starts_with('"') {
        return Err(format!(
            "`{text}` has a quoted local part, which paperboy cannot deliver to; use an \
             address without quotes"
        ));
    }
    Ok(email)
}

/// A source URL is fetched as it stands but for `{date}`, the one placeholder.
fn check_source_url(url: &str) -> Result<(), String> {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(format!("`{url}` must start with https:// or http://"));
    }
    if let Some(bad) = url.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("`{url}` must not contain {bad:?}"));
    }
    let without = url.replace("{date}", "");
    if without.contains('{') || without.contains('}') {
        return Err(format!("`{url}`: `{{date}}` is the only placeholder"));
    }
    Ok(())
}

/// An unsubscribe URL goes into a header between `<` and `>`, so it must be one clean token.
fn check_unsubscribe_url(url: &str) -> Result<(), String> {
    let scheme_ok = ["https://", "http://", "mailto:"].iter().any(|s| url.starts_with(s));
    if !scheme_ok {
        return Err(format!("`{url}` must start with https://, http:// or mailto:"));
    }
    if let Some(bad) =
        url.chars().find(|c| c.is_whitespace() || c.is_control() || "<>\"".contains(*c))
    {
        return Err(format!("`{url}` must not contain {bad:?}"));
    }
    Ok(())
}

/// Why the config cannot be read; a missing one points at `paperboy init`.
pub(crate) fn cannot_read(err: &std::io::Error) -> String {
    if err.kind() == std::io::ErrorKind::NotFound {
        "no config here; run `paperboy init` to write a starter one".to_owned()
    } else {
        format!("cannot read the config: {err}")
    }
}

#[cfg(test)]
mod tests;
