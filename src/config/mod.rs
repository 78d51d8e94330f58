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
pub(crate) mod edit;
mod error;
pub(crate) mod range;
mod raw;
mod span;
mod split;
mod validate;

use std::borrow::Cow;
use std::ops::Range;
use std::path::{Path, PathBuf};

use lettre::Address;
use lettre::message::Mailbox;
use serde::Deserialize;

use crate::cadence::Cadence;
use crate::lines::Lines;
use crate::source::{FetchSettings, Source};
use crate::topic::{Interest, Keyword, Lexicon, Topic};
pub(crate) use dkim::{Dkim, DkimAlgorithm};
pub(crate) use error::cannot_read;
pub(crate) use error::{ConfigError, Problem};
use raw::{RawConfig, read_part};
use validate::Validator;
pub(crate) use validate::subscriber_address;

/// The config file name looked for when neither `--config` nor `PAPERBOY_CONFIG` names one.
pub(crate) const DEFAULT_PATH: &str = "paperboy.toml";

/// A loaded and validated config.
#[derive(Debug)]
pub struct Config {
    /// The file it came from; relative paths inside it are resolved against its folder.
    pub(crate) path: PathBuf,
    /// What every digest shares.
    pub(crate) newsletter: Newsletter,
    /// Where the day's papers come from, in order.
    pub(crate) sources: Vec<Source>,
    /// How sources with a `url` are fetched, and where responses are cached.
    pub(crate) fetch: FetchSettings,
    /// How digests leave.
    pub(crate) delivery: Delivery,
    /// The mail server, when `delivery.transport = "smtp"`.
    pub(crate) smtp: Option<Smtp>,
    /// DKIM signing, when `[dkim]` is set.
    pub(crate) dkim: Option<Dkim>,
    /// How readers' libraries are read.
    pub(crate) library: LibrarySettings,
    /// Named keyword sets, in name order.
    pub(crate) topics: Vec<Topic>,
    /// Every distinct keyword of the topics and subscribers, numbered.
    pub lexicon: Lexicon,
    /// Everyone who gets a digest, in file order.
    pub subscribers: Vec<Subscriber>,
    /// `[serve]`: the limits of the self-service pages.
    pub(crate) serve: ServeSettings,
}

/// `[newsletter]`: what every digest shares.
#[derive(Debug)]
pub(crate) struct Newsletter {
    /// Starts every subject line.
    pub(crate) title: String,
    /// The `From:` mailbox.
    pub(crate) from: Mailbox,
    /// The `Reply-To:` mailbox, if any.
    pub(crate) reply_to: Option<Mailbox>,
    /// A URL with `{email}` where the subscriber's address goes.
    pub(crate) unsubscribe_url: Option<String>,
    /// The cap for subscribers who set none.
    pub(crate) max_papers: usize,
    /// Whether subscribers with no matching paper still get a (short) digest.
    pub(crate) send_empty: bool,
    /// A folder whose templates override the built-in ones.
    pub(crate) templates: Option<PathBuf>,
    /// The vote link of every paper, with `{email}`, `{paper}`, `{vote}` and `{token}`.
    pub(crate) feedback_url: Option<String>,
    /// The public base of the self-service pages, without a trailing `/`.
    pub(crate) site_url: Option<String>,
    /// How long a confirmation link works.
    pub(crate) subscribe_link_hours: u64,
    /// `abstract`: about three sentences of each abstract, or all of it.
    pub(crate) abstract_length: AbstractLength,
    /// The subscribers' default `frequency`, `weekday`, `send_at` and `timezone`.
    pub(crate) cadence: Cadence,
    /// The `min_similarity` of subscribers and topics that set none.
    pub(crate) min_similarity: f32,
}

/// `newsletter.abstract`: how much of each abstract a digest shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum AbstractLength {
    /// About three sentences, then a link to the paper.
    #[default]
    Short,
    /// The whole abstract (unless the message would be too large).
    Full,
}

impl Newsletter {
    /// `<site_url>/<page>`, when the pages have a site.
    pub(crate) fn page_url(&self, page: &str) -> Option<String> {
        self.site_url.as_ref().map(|site| format!("{site}/{page}"))
    }
}

/// `[serve]`: what keeps the sign-up form from being used against anyone.
#[derive(Debug, Clone)]
pub(crate) struct ServeSettings {
    /// Sign-ups one client address may send an hour.
    pub(crate) subscribe_per_client_hour: u32,
    /// Confirmation mails one address may be sent an hour.
    pub(crate) confirmations_per_address_hour: u32,
    /// The reverse proxy whose `X-Forwarded-For` is believed; no other's is.
    pub(crate) trusted_proxy: Option<std::net::IpAddr>,
}

/// `[delivery]`: how digests leave.
#[derive(Debug)]
pub(crate) struct Delivery {
    /// SMTP or files.
    pub(crate) transport: TransportKind,
    /// The file transport's folder.
    pub(crate) dir: PathBuf,
    /// The run journal.
    pub(crate) state: PathBuf,
}

/// `[library]`: how readers' libraries are read.
#[derive(Debug, Clone)]
pub(crate) struct LibrarySettings {
    /// The arXiv API's query URL, which a list of arXiv ids asks for titles and abstracts.
    pub(crate) arxiv_api: String,
    /// The pause between two requests to it.
    pub(crate) arxiv_delay: std::time::Duration,
    /// What it answered for each id, so a rerun asks nothing.
    pub(crate) cache_dir: PathBuf,
    /// Timeouts and retries, as `[fetch]` sets them.
    pub(crate) fetch: FetchSettings,
}

/// The two ways a digest leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum TransportKind {
    /// One `.eml` file per digest: works on any machine, sends nothing.
    #[default]
    File,
    /// A mail server.
    Smtp,
}

/// `[smtp]`: the mail server or relay.
#[derive(Debug, Clone)]
pub(crate) struct Smtp {
    /// Host name or address.
    pub(crate) host: String,
    /// Port; the default follows `security`.
    pub(crate) port: u16,
    /// How the connection is encrypted.
    pub(crate) security: Security,
    /// Log in as this user, when set.
    pub(crate) username: Option<String>,
    /// The environment variable that holds the password.
    pub(crate) password_env: String,
    /// How long to wait for the server at each step.
    pub(crate) timeout_secs: u64,
    /// Extra trusted root certificates (PEM), for a relay with a private CA.
    pub(crate) ca_file: Option<PathBuf>,
    /// Parallel connections, each reused for many messages.
    pub(crate) max_connections: usize,
    /// At most this many messages a second, evenly spaced; no limit when unset.
    pub(crate) rate_per_second: Option<f64>,
    /// Tries per digest within one run before it is left for the next run.
    pub(crate) max_attempts: u32,
    /// The wait before the first retry; it doubles for each further one (with jitter).
    pub(crate) retry_backoff_ms: u64,
    /// How long after its first try a digest may still be retried within one run.
    pub(crate) retry_budget_secs: u64,
    /// This many failed deliveries in a row (the server is clearly broken) stop the run.
    pub(crate) max_failures_in_a_row: u32,
}

/// How the SMTP connection is encrypted. There is no "TLS if offered": STARTTLS is required
/// whenever it is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Security {
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
    pub(crate) email: Address,
    /// Shown in `To:` and the greeting.
    pub(crate) name: Option<String>,
    /// This subscriber's cap, when it differs from the newsletter's.
    pub(crate) max_papers: Option<usize>,
    /// Its topics and own rules, compiled: `interest.own` holds its own keywords.
    pub(crate) interest: Interest,
    /// The reader's own papers.
    pub(crate) library: Option<PathBuf>,
    /// `paused = true`: kept in the list, skipped by `send`.
    pub(crate) paused: bool,
    /// When its digest goes: daily or weekly, from which local hour.
    pub(crate) cadence: Cadence,
}

impl Config {
    /// Every keyword that picks papers for `subscriber`, its topics' first.
    pub(crate) fn keywords_of(&self, subscriber: &Subscriber) -> Vec<&Keyword> {
        let ids = subscriber.interest.keyword_ids(&self.topics);
        ids.into_iter().map(|id| self.lexicon.get(id)).collect()
    }

    /// The subscriber with this address, whatever its case.
    pub(crate) fn subscriber(&self, email: &str) -> Option<&Subscriber> {
        self.subscribers.iter().find(|s| s.email.to_string().eq_ignore_ascii_case(email.trim()))
    }

    /// The names of the topics a subscriber follows.
    pub(crate) fn topic_names(&self, subscriber: &Subscriber) -> Vec<&str> {
        subscriber.interest.topics.iter().map(|&t| self.topics[t].name.as_str()).collect()
    }

    /// The keywords with these ids, as written.
    pub(crate) fn keyword_texts(&self, ids: &[crate::topic::KeywordId]) -> Vec<&str> {
        ids.iter().map(|&id| self.lexicon.get(id).as_str()).collect()
    }

    /// Reads and validates the config at `path`.
    ///
    /// A missing file is the first-run case: the message says how to get one.
    pub(crate) fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|err| ConfigError::one(path, None, None, cannot_read(&err)))?;
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

#[cfg(test)]
mod tests;
