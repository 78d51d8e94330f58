//! Stage 4: turn a rendered digest into a message (DKIM-signed when configured) and hand it
//! to a courier.
//!
//! Two couriers: SMTP (a relay or mail server, never a server of our own; [`smtp`] is the
//! client) and the outbox, which writes one `.eml` file per digest. [`pool`] runs several
//! couriers at once with retries and the journal. Nothing here picks papers or renders;
//! couriers get finished bytes, and errors say whether a retry may help.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use chrono::{DateTime, NaiveDate, Utc};
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
    DkimSigningKey,
};
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Address, Message};

use crate::config::{Config, ConfigError, DkimAlgorithm, Newsletter, Smtp, TransportKind};
use crate::digest::Digest;
use crate::paper::stable_hash;
use crate::render::RenderedDigest;

mod encode;
pub(crate) mod pool;
pub(crate) mod smtp;

pub(crate) use smtp::{Connector, SmtpError};

/// A digest that did not leave.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DeliveryError {
    /// The mail server refused the message, or could not be reached or understood.
    #[error("smtp {server}: {source}")]
    Smtp {
        /// `host:port`.
        server: String,
        /// What happened, and at which step.
        source: SmtpError,
    },
    /// The outbox file could not be written.
    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The message could not be assembled.
    #[error("cannot build the message: {0}")]
    Build(#[from] lettre::error::Error),
    /// The digest could not be rendered.
    #[error("{0}")]
    Render(#[from] crate::render::RenderError),
    /// The digest could not be made into a message (rendering or building it).
    #[error("{0}")]
    Compose(String),
}

impl DeliveryError {
    /// Whether trying again later may succeed: a 4xx reply, a timeout, or a connection that
    /// failed, dropped or stalled. A 5xx reply, a TLS failure, or something paperboy itself
    /// refuses (no common AUTH mechanism, an address the server cannot take) needs a person,
    /// not a rerun.
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            DeliveryError::Smtp { source, .. } => source.is_transient(),
            DeliveryError::Write { .. }
            | DeliveryError::Build(_)
            | DeliveryError::Render(_)
            | DeliveryError::Compose(_) => false,
        }
    }

    /// A 5xx reply about the recipient (to `RCPT TO` or to the message): the address is kept
    /// from later runs until an operator lifts it. A refused login or sender is not the
    /// recipient's doing and suppresses nobody.
    pub(crate) fn suppresses_recipient(&self) -> bool {
        matches!(self, DeliveryError::Smtp { source, .. } if source.is_recipient_refusal())
    }
}

/// `List-Unsubscribe: <url>` (RFC 2369).
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.trim().trim_start_matches('<').trim_end_matches('>').to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Debug, Clone)]
struct OneClickUnsubscribe;

impl Header for OneClickUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(OneClickUnsubscribe)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

/// Text for a header: control characters (CR and LF above all) become spaces, so no name or
/// title from a config or a paper can start a header of its own.
pub(crate) fn header_safe(text: &str) -> String {
    let spaced: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The same subscriber and date always give the same Message-ID, so a digest sent twice can
/// be recognised as one by mail clients and by the journal.
pub(crate) fn message_id(email: &Address, date: NaiveDate, from: &Mailbox) -> String {
    let key = format!("{}|{date}", email.to_string().to_lowercase());
    format!("<digest.{date}.{:016x}@{}>", stable_hash(key.as_bytes()), from.email.domain())
}

/// Assembles the multipart/alternative message for one digest.
pub(crate) fn build_message(
    newsletter: &Newsletter,
    digest: &Digest<'_>,
    rendered: &RenderedDigest,
    now: DateTime<Utc>,
) -> Result<Message, DeliveryError> {
    let subscriber = digest.subscriber;
    let mut builder = Message::builder()
        .from(newsletter.from.clone())
        .to(subscriber.mailbox())
        .subject(header_safe(&rendered.subject))
        .date(SystemTime::from(now))
        .message_id(Some(message_id(&subscriber.email, digest.date, &newsletter.from)));
    if let Some(reply_to) = &newsletter.reply_to {
        builder = builder.reply_to(reply_to.clone());
    }
    if let Some(url) = rendered.unsubscribe_url.clone() {
        // One-click (RFC 8058) is defined for HTTPS only.
        let one_click = url.starts_with("https://");
        builder = builder.header(ListUnsubscribe(url));
        if one_click {
            builder = builder.header(OneClickUnsubscribe);
        }
    }
    let body = MultiPart::alternative()
        .singlepart(
            lettre::message::SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(encode::body(&rendered.text)),
        )
        .singlepart(
            lettre::message::SinglePart::builder()
                .header(ContentType::TEXT_HTML)
                .body(encode::body(&rendered.html)),
        );
    Ok(builder.multipart(body)?)
}

/// One message on its way: the envelope, the bytes, and what the outbox needs to name it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Letter<'a> {
    /// `MAIL FROM`.
    pub(crate) from: &'a Address,
    /// `RCPT TO`: one recipient per message.
    pub(crate) to: &'a Address,
    /// The digest date (the outbox folder).
    pub(crate) date: NaiveDate,
    /// The whole formatted message.
    pub(crate) bytes: &'a [u8],
}

/// Carries letters to one destination, one at a time: an SMTP connection kept open across
/// letters, or the outbox. Each worker of a run owns one.
pub(crate) trait Courier {
    /// Delivers one letter; the server's reply (or the file written) on success.
    fn deliver(&mut self, letter: &Letter<'_>) -> Result<String, DeliveryError>;

    /// Ends the session politely, if there is one.
    fn finish(self: Box<Self>) {}
}

/// An SMTP connection, opened on first use and again after any error that broke it.
pub(crate) struct SmtpCourier<'c> {
    connector: &'c Connector,
    connection: Option<smtp::Connection>,
}

impl<'c> SmtpCourier<'c> {
    /// Not connected until the first letter.
    pub(crate) fn new(connector: &'c Connector) -> SmtpCourier<'c> {
        SmtpCourier { connector, connection: None }
    }
}

impl Courier for SmtpCourier<'_> {
    fn deliver(&mut self, letter: &Letter<'_>) -> Result<String, DeliveryError> {
        let fail = |source| DeliveryError::Smtp { server: self.connector.server(), source };
        let mut connection = match self.connection.take() {
            Some(connection) if connection.reusable() => connection,
            _ => self.connector.connect().map_err(fail)?,
        };
        let result = connection.send(letter.from, letter.to, letter.bytes);
        if let Err(err) = &result {
            connection.after_error(err);
        }
        if connection.reusable() {
            self.connection = Some(connection);
        }
        result.map(|reply| reply.to_string()).map_err(fail)
    }

    fn finish(self: Box<Self>) {
        if let Some(connection) = self.connection {
            connection.quit();
        }
    }
}

/// Writes `outbox/<date>/<address>.eml`.
pub(crate) struct OutboxCourier<'d> {
    dir: &'d Path,
}

impl Courier for OutboxCourier<'_> {
    fn deliver(&mut self, letter: &Letter<'_>) -> Result<String, DeliveryError> {
        let path = outbox_path(self.dir, letter.date, letter.to);
        crate::atomic::write(&path, letter.bytes)
            .map_err(|source| DeliveryError::Write { path: path.clone(), source })?;
        Ok(format!("written to {}", path.display()))
    }
}

/// Where a run's digests go, and how many couriers may carry them at once.
pub(crate) enum Mailer {
    /// A mail server or relay.
    Smtp(Connector),
    /// One `.eml` file per digest under this folder.
    Outbox(PathBuf),
}

impl Mailer {
    /// The transport the config asks for; SMTP reads its password from the environment now.
    pub(crate) fn from_config(config: &Config) -> Result<Mailer, ConfigError> {
        match (config.delivery.transport, &config.smtp) {
            (TransportKind::Smtp, Some(smtp)) => smtp_connector(smtp)
                .map(Mailer::Smtp)
                .map_err(|(key, message)| ConfigError::one(&config.path, None, Some(key), message)),
            _ => Ok(Mailer::Outbox(config.delivery.dir.clone())),
        }
    }

    /// A courier for one worker.
    pub(crate) fn courier(&self) -> Box<dyn Courier + '_> {
        match self {
            Mailer::Smtp(connector) => Box::new(SmtpCourier::new(connector)),
            Mailer::Outbox(dir) => Box::new(OutboxCourier { dir }),
        }
    }

    /// Removes what a killed run left in the outbox folders of `dates`: temporary files of
    /// digests it was writing when it died (see [`crate::atomic::abandoned_temp`]), which
    /// nothing else would ever remove. Only files of that pattern go; the caller holds the
    /// run lock, so no run on this journal is writing. Best effort: what cannot be read or
    /// removed stays for the next run. How many went.
    pub(crate) fn remove_abandoned(&self, dates: &[NaiveDate]) -> usize {
        let Mailer::Outbox(dir) = self else { return 0 };
        let mut removed = 0;
        for date in dates {
            let Ok(entries) = std::fs::read_dir(dir.join(date.to_string())) else { continue };
            for entry in entries.flatten() {
                let name = entry.file_name();
                let abandoned = name
                    .to_str()
                    .and_then(crate::atomic::abandoned_temp)
                    .is_some_and(|target| target.ends_with(".eml"));
                if abandoned && std::fs::remove_file(entry.path()).is_ok() {
                    removed += 1;
                }
            }
        }
        removed
    }

    /// Where digests are going, for the summary line.
    pub(crate) fn destination(&self) -> String {
        match self {
            Mailer::Smtp(connector) => format!("smtp://{}", connector.server()),
            Mailer::Outbox(dir) => dir.display().to_string(),
        }
    }
}

/// The login for `[smtp]`, with the password from the environment variable it names.
pub(crate) fn smtp_credentials(smtp: &Smtp) -> Result<Option<Credentials>, String> {
    let Some(username) = &smtp.username else { return Ok(None) };
    let password = std::env::var(&smtp.password_env).map_err(|_| {
        format!(
            "`username` is set, so the password must be in the environment variable `{}`, \
             which is not set",
            smtp.password_env
        )
    })?;
    Ok(Some(Credentials::new(username.clone(), password)))
}

/// DKIM signing with the key of `[dkim]`, read once when a run starts.
pub(crate) struct Signer {
    config: DkimConfig,
}

impl Signer {
    /// `None` without `[dkim]`; a config error when the key cannot be read or used.
    pub(crate) fn from_config(config: &Config) -> Result<Option<Signer>, ConfigError> {
        let Some(dkim) = &config.dkim else { return Ok(None) };
        let fail =
            |message: String| ConfigError::one(&config.path, None, Some("dkim.key_file"), message);
        let key = std::fs::read_to_string(&dkim.key_file).map_err(|err| {
            fail(format!("cannot read the DKIM key `{}`: {err}", dkim.key_file.display()))
        })?;
        let algorithm = match dkim.algorithm {
            DkimAlgorithm::Rsa => DkimSigningAlgorithm::Rsa,
            DkimAlgorithm::Ed25519 => DkimSigningAlgorithm::Ed25519,
        };
        let key = DkimSigningKey::new(key.trim(), algorithm).map_err(|err| {
            fail(format!(
                "`{}` is not a {} key ({err}): rsa wants PKCS#1 PEM, ed25519 the base64 secret",
                dkim.key_file.display(),
                algorithm
            ))
        })?;
        let domain =
            dkim.domain.clone().unwrap_or_else(|| config.newsletter.from.email.domain().to_owned());
        // The headers a reader trusts, and the unsubscribe pair mailbox providers require
        // to be signed for one-click unsubscribe.
        let mut headers = vec!["From", "To", "Subject", "Date", "Message-ID"];
        if config.newsletter.reply_to.is_some() {
            headers.push("Reply-To");
        }
        if let Some(url) = &config.newsletter.unsubscribe_url {
            headers.push("List-Unsubscribe");
            if url.starts_with("https://") {
                headers.push("List-Unsubscribe-Post");
            }
        }
        let headers = headers.into_iter().map(HeaderName::new_from_ascii_str).collect();
        // Relaxed canonicalization survives the re-folding relays do.
        let canonicalization = DkimCanonicalization {
            header: DkimCanonicalizationType::Relaxed,
            body: DkimCanonicalizationType::Relaxed,
        };
        Ok(Some(Signer {
            config: DkimConfig::new(dkim.selector.clone(), domain, key, headers, canonicalization),
        }))
    }

    /// Adds the `DKIM-Signature` header.
    pub(crate) fn sign(&self, message: &mut Message) {
        message.sign(&self.config);
    }
}

/// `check --smtp`: connects, upgrades and logs in (sending nothing) exactly as `send` would,
/// with the same client, timeouts and trusted roots.
pub(crate) fn check_smtp(smtp: &Smtp) -> Result<(), SmtpCheckError> {
    let connector = smtp_connector(smtp).map_err(|(_, message)| SmtpCheckError::Setup(message))?;
    let connection = connector.connect().map_err(|err| SmtpCheckError::Server(err.to_string()))?;
    connection.quit();
    Ok(())
}

/// Why `check --smtp` failed.
#[derive(Debug)]
pub(crate) enum SmtpCheckError {
    /// The config cannot work as written (no password, an unreadable `ca_file`): as `send`
    /// reports it.
    Setup(String),
    /// The server did not answer or refused: it may do better later.
    Server(String),
}

/// The connector for `[smtp]`: its password read from the environment and its extra roots
/// from `ca_file`; an error names the key at fault.
fn smtp_connector(smtp: &Smtp) -> Result<Connector, (&'static str, String)> {
    let credentials = smtp_credentials(smtp).map_err(|message| ("smtp", message))?;
    let roots = match &smtp.ca_file {
        Some(file) => smtp::read_roots(file).map_err(|message| ("smtp.ca_file", message))?,
        None => Vec::new(),
    };
    Ok(Connector::new(smtp, credentials, roots))
}

/// `outbox/2025-08-05/alice@example.com.eml`: a rerun of the same day replaces the file
/// rather than adding a second one.
pub(crate) fn outbox_path(dir: &Path, date: NaiveDate, to: &Address) -> PathBuf {
    dir.join(date.to_string()).join(format!("{}.eml", file_safe(to.as_ref())))
}

/// The longest name [`file_safe`] gives. File systems take 255 bytes; this leaves room for
/// `.html` and for the temporary name of an atomic write (`.NAME.PID.N.tmp`, 36 bytes more).
pub(crate) const FILE_SAFE_MAX: usize = 200;

/// An address as a file name: letters, digits and `@._+-` stay, every other byte becomes
/// `%XX`, so two addresses never share a file and none can leave the folder.
///
/// A name longer than [`FILE_SAFE_MAX`] (a 64-byte local part of `%XX` escapes is 192 bytes
/// alone) is cut and ends in `~` and a SHA-256 prefix of the whole text: the same text always
/// gives the same name, and no short name can look like it, since `~` is always escaped.
pub(crate) fn file_safe(text: &str) -> String {
    use sha2::Digest as _;

    let encoded = crate::unsubscribe::percent_encode_keeping(text, b"@._+-");
    if encoded.len() <= FILE_SAFE_MAX {
        return encoded;
    }
    let hash = sha2::Sha256::digest(text.as_bytes());
    let suffix: String = hash[..16].iter().map(|byte| format!("{byte:02x}")).collect();
    let mut cut = FILE_SAFE_MAX - 1 - suffix.len();
    // Never end inside an `%XX` escape: the kept part still reads as the address it began.
    if let Some(percent) = encoded[cut.saturating_sub(2)..cut].find('%') {
        cut = cut - 2 + percent;
    }
    format!("{}~{suffix}", &encoded[..cut])
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn config(name: &str, title: &str) -> Config {
        let text = format!(
            "[newsletter]\ntitle = \"{title}\"\nfrom = \"Digest <d@example.org>\"\nreply_to = \"e@example.org\"\n\
             unsubscribe_url = \"https://example.org/u?email={{email}}\"\n\
             [[subscribers]]\nemail = \"alice@example.com\"\nname = \"{name}\"\nkeywords = [\"x\"]\n"
        );
        Config::parse(&text, Path::new("paperboy.toml")).unwrap()
    }

    fn formatted(config: &Config) -> String {
        let digest = Digest {
            subscriber: &config.subscribers[0],
            date: NaiveDate::from_ymd_opt(2025, 8, 5).unwrap(),
            picks: Vec::new(),
            config,
        };
        let rendered = RenderedDigest {
            subject: crate::render::subject_line(&config.newsletter.title, &digest),
            html: "<p>hi</p>".into(),
            text: "hi".into(),
            unsubscribe_url: Some("https://example.org/u?email=alice%40example.com".into()),
        };
        let now = Utc.with_ymd_and_hms(2025, 8, 5, 6, 0, 0).unwrap();
        let message = build_message(&config.newsletter, &digest, &rendered, now).unwrap();
        String::from_utf8(message.formatted()).unwrap()
    }

    #[test]
    fn whole_message_snapshot() {
        insta::with_settings!({ filters => vec![(r"[A-Za-z0-9]{40}", "[boundary]")] }, {
            insta::assert_snapshot!(formatted(&config("Alice Example", "Daily Papers Digest")));
        });
    }

    #[test]
    fn names_and_titles_cannot_inject_headers() {
        let message = formatted(&config("Eve\\r\\nBcc: evil@example.com", "Digest\\nX-Evil: 1"));
        let headers = message.split("\r\n\r\n").next().unwrap();
        assert!(!headers.lines().any(|line| line.starts_with("Bcc:")), "{headers}");
        assert!(!headers.lines().any(|line| line.starts_with("X-Evil:")), "{headers}");
    }

    #[test]
    fn message_ids_are_stable_per_subscriber_and_date() {
        let from: Mailbox = "d@example.org".parse().unwrap();
        let alice: Address = "alice@example.com".parse().unwrap();
        let bob: Address = "bob@example.com".parse().unwrap();
        let day = NaiveDate::from_ymd_opt(2025, 8, 5).unwrap();
        let next = day.succ_opt().unwrap();
        assert_eq!(message_id(&alice, day, &from), message_id(&alice, day, &from));
        assert_eq!(
            message_id(&alice, day, &from),
            message_id(&"ALICE@example.com".parse().unwrap(), day, &from)
        );
        assert_ne!(message_id(&alice, day, &from), message_id(&bob, day, &from));
        assert_ne!(message_id(&alice, day, &from), message_id(&alice, next, &from));
        assert!(message_id(&alice, day, &from).ends_with("@example.org>"));
    }

    #[test]
    fn header_text_loses_control_characters() {
        assert_eq!(header_safe("a\r\nBcc: x\tb"), "a Bcc: x b");
    }

    #[test]
    fn file_names_keep_addresses_readable_and_safe() {
        assert_eq!(file_safe("a.b+c@example.com"), "a.b+c@example.com");
        assert_eq!(file_safe("../x/y@z"), "..%2Fx%2Fy@z");
        assert_ne!(file_safe("a/b@z"), file_safe("a_b@z"));
        assert_ne!(file_safe("a%2Fb@z"), file_safe("a/b@z"));
        assert_eq!(file_safe("jörg@z"), "j%C3%B6rg@z");
    }

    #[test]
    fn a_64_character_local_part_of_escapes_still_fits_a_file_name() {
        // Regression (issue 12): 64 `&` percent-encode to 192 bytes, and with a long domain
        // and `.eml` the outbox name passed 255 bytes, so that digest failed every run.
        let domain = format!("{}.example.com", "d".repeat(60));
        let long = format!("{}@{domain}", "&".repeat(64));
        let name = file_safe(&long);
        assert!(name.len() <= FILE_SAFE_MAX, "{} bytes: {name}", name.len());
        assert!(name.starts_with("%26%26"), "{name}");
        assert_eq!(file_safe(&long), name, "the same address, the same name");
        let other = format!("'{}@{domain}", "&".repeat(63));
        assert_ne!(file_safe(&other), name, "another address, another name");
        assert_ne!(file_safe(&format!("{}@{domain}", "&".repeat(63))), name);
        let cut = name.rsplit_once('~').map(|(kept, _)| kept).unwrap_or_default();
        assert!(
            cut.len().is_multiple_of(3) && cut.split('%').skip(1).all(|e| e.len() == 2),
            "{name}"
        );

        let dir = tempfile::tempdir().unwrap();
        let day = NaiveDate::from_ymd_opt(2025, 8, 5).unwrap();
        let path = outbox_path(dir.path(), day, &long.parse().unwrap());
        crate::atomic::write(&path, b"x").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"x");
    }

    #[test]
    fn short_names_are_kept_exactly_and_long_ones_differ_from_every_short_one() {
        let at_limit = format!("{}@z", "a".repeat(FILE_SAFE_MAX - 2));
        assert_eq!(file_safe(&at_limit), at_limit);
        let over = format!("{}@z", "a".repeat(FILE_SAFE_MAX - 1));
        assert!(file_safe(&over).contains('~') && file_safe(&over).len() <= FILE_SAFE_MAX);
        assert!(!file_safe("a~b@z").contains('~'), "a short name never has a bare `~`");
    }
}
