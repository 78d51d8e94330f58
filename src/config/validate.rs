//! The second phase of loading: the raw types checked as a whole, every problem collected,
//! and the types the pipeline uses built.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use lettre::Address;
use lettre::message::Mailbox;
use toml::Spanned;
use url::Url;

use super::range::{self, Limit, Num};
use super::raw::{
    RawConfig, RawFetch, RawLibrary, RawNewsletter, RawServe, RawSmtp, RawSource, RawSubscriber,
    RawSubscriberBatch, read_part, subscriber_count,
};
use super::{
    Config, Delivery, LibrarySettings, Newsletter, Problem, ServeSettings, Smtp, Subscriber,
    TransportKind, dkim,
};
use crate::cadence::{self, Cadence};
use crate::lines::Lines;
use crate::source::{FetchSettings, Location, Source, SourceFormat, default_announce};
use crate::topic::similar::DEFAULT_MIN_SIMILARITY;
use crate::topic::{AuthorName, Interest, Keyword, Lexicon, Rules, Topic};

/// Collects every problem before giving up, so one run shows them all.
pub(super) struct Validator<'t> {
    pub(super) text: &'t str,
    pub(super) lines: Lines<'t>,
    /// Where the part being checked starts in `text`: spans are relative to it.
    pub(super) offset: usize,
    pub(super) base: PathBuf,
    pub(super) problems: Vec<Problem>,
    pub(super) lexicon: Lexicon,
}

impl Validator<'_> {
    pub(super) fn problem<T>(&mut self, at: &Spanned<T>, key: String, message: String) {
        let line = (at.span() != (0..0)).then(|| self.lines.line(self.offset + at.span().start));
        self.problems.push(Problem { line, key: Some(key), message });
    }

    pub(super) fn validate(
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
        let library = self.library(raw.library, &fetch, &delivery.state);
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
                    authors: self.authors(&topic.authors, &key("authors")),
                };
                let library = self.library_path(topic.library.as_ref(), &key("library"));
                let description = topic.description.map(|d| d.trim().to_owned());
                let description = description.filter(|d| !d.is_empty());
                let min_similarity = topic.min_similarity.map(|raw| {
                    self.number(&raw, &key("min_similarity"), range::MIN_SIMILARITY) as f32
                });
                Topic { name, rules, library, description, min_similarity }
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
        let serve = self.serve(raw.serve);

        match (newsletter, self.problems.is_empty()) {
            (Some(newsletter), true) => Ok(Config {
                path: path.to_owned(),
                newsletter,
                sources,
                fetch,
                delivery,
                smtp,
                dkim,
                library,
                topics,
                subscribers,
                lexicon: self.lexicon,
                serve,
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
        if let Some(url) = &raw.feedback_url
            && let Err(message) = check_feedback_url(url.get_ref())
        {
            self.problem(url, "newsletter.feedback_url".into(), message);
        }
        let (site_url, subscribe_link_hours) = self.site(&raw);
        let unsubscribe_url = raw.unsubscribe_url.map(Spanned::into_inner).or_else(|| {
            // Links mailed before `site_url` was set keep the URL they were made with.
            site_url
                .as_ref()
                .map(|site| format!("{site}/unsubscribe?email={{email}}&token={{token}}"))
        });
        let feedback_url = raw.feedback_url.as_ref().map(|url| url.get_ref().clone()).or_else(|| {
            site_url.as_ref().map(|site| {
                format!("{site}/feedback?email={{email}}&paper={{paper}}&vote={{vote}}&token={{token}}")
            })
        });
        let keys = [raw.frequency, raw.weekday, raw.send_at, raw.timezone];
        let cadence =
            self.cadence(Cadence::default(), keys, &|field| format!("newsletter.{field}"));
        let min_similarity = raw.min_similarity.map_or(DEFAULT_MIN_SIMILARITY, |raw| {
            self.number(&raw, "newsletter.min_similarity", range::MIN_SIMILARITY) as f32
        });
        Some(Newsletter {
            title: raw.title.into_inner().trim().to_owned(),
            from: from?,
            reply_to: match reply_to {
                Some(None) => return None,
                checked => checked.flatten(),
            },
            unsubscribe_url,
            max_papers,
            send_empty: raw.send_empty,
            templates: raw.templates.map(|dir| self.base.join(dir)),
            feedback_url,
            site_url,
            subscribe_link_hours,
            abstract_length: raw.abstract_length,
            cadence,
            min_similarity,
        })
    }

    /// `site_url`, checked and without its trailing `/`, and `subscribe_link_hours`.
    fn site(&mut self, raw: &RawNewsletter) -> (Option<String>, u64) {
        let hours = self.whole(
            &raw.subscribe_link_hours,
            "newsletter.subscribe_link_hours",
            range::SUBSCRIBE_LINK_HOURS,
        );
        let Some(url) = &raw.site_url else { return (None, hours) };
        let text = url.get_ref().trim().trim_end_matches('/');
        let parsed = Url::parse(text);
        let fine = parsed.as_ref().is_ok_and(|parsed| {
            ["http", "https"].contains(&parsed.scheme())
                && parsed.host_str().is_some()
                && parsed.query().is_none()
                && parsed.fragment().is_none()
                // The pages are routes under its path, where `:x` and `*x` would be captures.
                && parsed.path_segments().is_none_or(|mut segments| {
                    segments.all(|segment| !segment.starts_with([':', '*']))
                })
        });
        if !fine || text.contains(['{', '}', '"', '<', '>', ' ']) {
            let message = format!(
                "`{}` must be an http:// or https:// URL without a query, such as \
                 https://example.org/papers",
                url.get_ref()
            );
            self.problem(url, "newsletter.site_url".into(), message);
            return (None, hours);
        }
        (Some(text.to_owned()), hours)
    }

    fn serve(&mut self, raw: RawServe) -> ServeSettings {
        let trusted_proxy = raw.trusted_proxy.and_then(|proxy| {
            let parsed = proxy.get_ref().trim().parse::<std::net::IpAddr>();
            parsed
                .map_err(|_| {
                    let message =
                        format!("`{}` must be an IP address, such as 127.0.0.1", proxy.get_ref());
                    self.problem(&proxy, "serve.trusted_proxy".into(), message);
                })
                .ok()
        });
        ServeSettings {
            subscribe_per_client_hour: self.whole(
                &raw.subscribe_per_client_hour,
                "serve.subscribe_per_client_hour",
                range::SUBSCRIBE_PER_CLIENT_HOUR,
            ),
            confirmations_per_address_hour: self.whole(
                &raw.confirmations_per_address_hour,
                "serve.confirmations_per_address_hour",
                range::CONFIRMATIONS_PER_ADDRESS_HOUR,
            ),
            trusted_proxy,
        }
    }

    /// `frequency`, `weekday`, `send_at` and `timezone`, in that order; each one unset is
    /// `base`'s.
    fn cadence(
        &mut self,
        base: Cadence,
        [frequency, weekday, send_at, timezone]: [Option<Spanned<String>>; 4],
        key: &dyn Fn(&str) -> String,
    ) -> Cadence {
        fn read<T>(
            validator: &mut Validator<'_>,
            raw: Option<Spanned<String>>,
            key: String,
            parse: impl Fn(&str) -> Result<T, String>,
        ) -> Option<T> {
            let raw = raw?;
            parse(raw.get_ref()).map_err(|message| validator.problem(&raw, key, message)).ok()
        }
        Cadence {
            frequency: read(self, frequency, key("frequency"), str::parse)
                .unwrap_or(base.frequency),
            weekday: read(self, weekday, key("weekday"), cadence::parse_weekday)
                .unwrap_or(base.weekday),
            send_at: read(self, send_at, key("send_at"), cadence::parse_send_at).or(base.send_at),
            timezone: read(self, timezone, key("timezone"), cadence::parse_timezone)
                .or(base.timezone),
        }
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

    fn library(&mut self, raw: RawLibrary, fetch: &FetchSettings, state: &Path) -> LibrarySettings {
        if let Err(message) =
            check_scheme(raw.arxiv_api.get_ref(), raw.arxiv_api.get_ref(), &["https", "http"])
                .map_err(|err| {
                    err.unwrap_or_else(|| {
                        format!("`{}` must start with https:// or http://", raw.arxiv_api.get_ref())
                    })
                })
        {
            self.problem(&raw.arxiv_api, "library.arxiv_api".into(), message);
        }
        let delay =
            self.whole(&raw.arxiv_delay_secs, "library.arxiv_delay_secs", range::ARXIV_DELAY_SECS);
        let cache_dir = match raw.cache_dir {
            Some(dir) => self.base.join(dir),
            None => state.parent().unwrap_or(Path::new("")).join("library-cache"),
        };
        LibrarySettings {
            arxiv_api: raw.arxiv_api.into_inner(),
            arxiv_delay: std::time::Duration::from_secs(delay),
            cache_dir,
            fetch: fetch.clone(),
        }
    }

    /// A `library` path, resolved against the config file's folder.
    fn library_path(&mut self, raw: Option<&Spanned<String>>, key: &str) -> Option<PathBuf> {
        let raw = raw?;
        if raw.get_ref().trim().is_empty() {
            self.problem(raw, key.to_owned(), "must name a file".into());
            return None;
        }
        Some(self.base.join(raw.get_ref()))
    }

    /// Followed author names; one without a given name would follow every namesake.
    fn authors(&mut self, raw: &[Spanned<String>], key: &str) -> Vec<AuthorName> {
        let mut names: Vec<AuthorName> = Vec::new();
        for text in raw {
            match AuthorName::parse(text.get_ref()) {
                Some(name) if name.has_given_name() => {
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
                Some(_) => {
                    let message = format!(
                        "`{}` has no given name or initial; a surname alone would follow \
                         everyone who bears it (write \"F. Li\" or \"Fei-Fei Li\")",
                        text.get_ref()
                    );
                    self.problem(text, key.to_owned(), message);
                }
                None => self.problem(text, key.to_owned(), "must be a name".into()),
            }
        }
        names
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

    /// A subscriber's name, trimmed; one with a control character is refused, since it is
    /// printed in `To:` and on the operator's terminal.
    fn subscriber_name(&mut self, raw: Option<Spanned<String>>, key: &str) -> Option<String> {
        let raw = raw?;
        if raw.get_ref().chars().any(char::is_control) {
            let message = format!("{:?} holds a control character", raw.get_ref());
            self.problem(&raw, key.to_owned(), message);
            return None;
        }
        Some(raw.into_inner().trim().to_owned()).filter(|name| !name.is_empty())
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
            let keys = [raw.frequency, raw.weekday, raw.send_at, raw.timezone];
            let cadence = self.cadence(list.default_cadence, keys, &key);
            let own = Rules {
                keywords: self.ids(&raw.keywords, &key("keywords")),
                require: self.ids(&raw.require, &key("require")),
                exclude: self.ids(&raw.exclude, &key("exclude")),
                min_score,
                min_upvotes,
                authors: self.authors(&raw.authors, &key("authors")),
            };
            let library = self.library_path(raw.library.as_ref(), &key("library"));
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
                min_similarity: raw.min_similarity.map(|raw| {
                    self.number(&raw, &key("min_similarity"), range::MIN_SIMILARITY) as f32
                }),
            };
            let Some(email) = email else { continue };
            list.subscribers.push(Subscriber {
                email,
                name: self.subscriber_name(raw.name, &key("name")),
                max_papers,
                interest,
                library,
                paused: raw.paused,
                cadence,
            });
        }
    }
}

/// The subscribers checked so far, and what checking the next ones needs.
struct SubscriberList<'c> {
    topics: &'c [Topic],
    by_name: HashMap<&'c str, usize>,
    default_max: usize,
    /// The newsletter's `frequency`, `weekday`, `send_at` and `timezone`.
    default_cadence: Cadence,
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
            default_cadence: newsletter.map(|n| n.cadence).unwrap_or_default(),
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

/// A source URL is fetched as it stands but for `{date}` and `{week}`, the placeholders.
fn check_source_url(url: &str) -> Result<(), String> {
    // Before parsing: `Url` drops tabs and line breaks and encodes spaces without a word.
    if let Some(bad) = url.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("`{url}` must not contain {bad:?}"));
    }
    let sample = url.replace("{date}", "2025-08-05").replace("{week}", "2025-W32");
    check_scheme(url, &sample, &["https", "http"]).map_err(|err| {
        err.unwrap_or_else(|| format!("`{url}` must start with https:// or http://"))
    })?;
    let without = url.replace("{date}", "").replace("{week}", "");
    if without.contains('{') || without.contains('}') {
        return Err(format!("`{url}`: `{{date}}` and `{{week}}` are the only placeholders"));
    }
    Ok(())
}

/// An unsubscribe URL goes into a header between `<` and `>`, so it must be one clean token.
fn check_unsubscribe_url(url: &str) -> Result<(), String> {
    // Sample values in the shape the links give them: `{email}` percent-encoded.
    let sample = url.replace("{email}", "alice%40example.org").replace("{token}", "0f1e2d3c");
    if let Some(bad) =
        url.chars().find(|c| c.is_whitespace() || c.is_control() || "<>\"".contains(*c))
    {
        return Err(format!("`{url}` must not contain {bad:?}"));
    }
    check_scheme(url, &sample, &["https", "http", "mailto"]).map_err(|err| {
        err.unwrap_or_else(|| format!("`{url}` must start with https://, http:// or mailto:"))
    })
}

/// A feedback URL is a web link that says who votes on what, with a token that covers it.
fn check_feedback_url(url: &str) -> Result<(), String> {
    let missing: Vec<&str> = ["{email}", "{paper}", "{vote}", "{token}"]
        .into_iter()
        .filter(|hole| !url.contains(hole))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "`{url}` must hold {{email}}, {{paper}}, {{vote}} and {{token}}; it has no {}",
            missing.join(", ")
        ));
    }
    if let Some(bad) =
        url.chars().find(|c| c.is_whitespace() || c.is_control() || "<>\"".contains(*c))
    {
        return Err(format!("`{url}` must not contain {bad:?}"));
    }
    let sample = url
        .replace("{email}", "alice%40example.org")
        .replace("{paper}", "arxiv%3A2407.12345")
        .replace("{vote}", "up")
        .replace("{token}", "0f1e2d3c");
    check_scheme(url, &sample, &["https", "http"]).map_err(|err| {
        err.unwrap_or_else(|| format!("`{url}` must start with https:// or http://"))
    })
}

/// Whether `sample` (`url` with its placeholders filled) is a URL of one of `schemes`.
/// `Err(None)` is a wrong scheme, for the caller to name the right ones.
fn check_scheme(url: &str, sample: &str, schemes: &[&str]) -> Result<(), Option<String>> {
    let parsed = match Url::parse(sample) {
        Ok(parsed) => parsed,
        Err(url::ParseError::RelativeUrlWithoutBase) => return Err(None),
        Err(err) => return Err(Some(format!("`{url}` is not a valid URL: {err}"))),
    };
    if !schemes.contains(&parsed.scheme()) {
        return Err(None);
    }
    // Sent as written, so `https:x.org`, which `Url` reads as `https://x.org/`, is refused.
    // (`Url` itself refuses an http(s) URL without a host.)
    let web = parsed.scheme() != "mailto";
    if web && !sample.get(parsed.scheme().len()..).is_some_and(|rest| rest.starts_with("://")) {
        return Err(None);
    }
    Ok(())
}
