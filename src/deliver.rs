//! Stage 4: turn a rendered digest into a message and hand it to a transport.
//!
//! Two transports: SMTP (a relay or mail server, never a server of our own) and the outbox,
//! which writes one `.eml` file per digest. Neither picks papers nor renders; both get a
//! finished `Message`.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, NaiveDate, Utc};
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::{PoolConfig, SmtpTransport};
use lettre::{Address, Message, Transport};

use crate::config::{Config, ConfigError, Newsletter, Problem, Security, Smtp, TransportKind};
use crate::digest::Digest;
use crate::paper::stable_hash;
use crate::render::RenderedDigest;

/// A digest that did not leave.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The mail server refused the message or could not be reached.
    #[error("smtp: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
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
}

impl DeliveryError {
    /// Whether trying again later may succeed: a 4xx reply, a timeout, or a connection that
    /// failed or dropped. A 5xx reply, a TLS failure, or something lettre itself refuses (no
    /// common AUTH mechanism, an address the server cannot take) needs a person, not a rerun.
    pub fn is_transient(&self) -> bool {
        match self {
            DeliveryError::Smtp(err) => {
                err.is_transient()
                    || err.is_timeout()
                    || !(err.is_permanent() || err.is_client() || err.is_tls() || err.is_response())
            }
            DeliveryError::Write { .. } | DeliveryError::Build(_) => false,
        }
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
pub fn message_id(email: &Address, date: NaiveDate, from: &Mailbox) -> String {
    let key = format!("{}|{date}", email.to_string().to_lowercase());
    format!("<digest.{date}.{:016x}@{}>", stable_hash(key.as_bytes()), from.email.domain())
}

/// Assembles the multipart/alternative message for one digest.
pub fn build_message(
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
                .body(rendered.text.clone()),
        )
        .singlepart(
            lettre::message::SinglePart::builder()
                .header(ContentType::TEXT_HTML)
                .body(rendered.html.clone()),
        );
    Ok(builder.multipart(body)?)
}

/// Where digests go.
pub enum Mailer {
    /// A mail server, one connection reused for the whole run.
    Smtp {
        /// The connected transport.
        transport: Box<SmtpTransport>,
        /// `host:port`, for messages.
        server: String,
    },
    /// One `.eml` file per digest under this folder.
    Outbox(PathBuf),
}

impl Mailer {
    /// The transport the config asks for; SMTP reads its password from the environment now.
    pub fn from_config(config: &Config) -> Result<Mailer, ConfigError> {
        match (config.delivery.transport, &config.smtp) {
            (TransportKind::Smtp, Some(smtp)) => Ok(Mailer::Smtp {
                transport: Box::new(smtp_transport(smtp).map_err(|message| ConfigError {
                    path: config.path.clone(),
                    problems: vec![Problem { line: None, key: Some("smtp".into()), message }],
                })?),
                server: format!("{}:{}", smtp.host, smtp.port),
            }),
            _ => Ok(Mailer::Outbox(config.delivery.dir.clone())),
        }
    }

    /// Sends or writes one message; the returned text says where it went.
    pub fn deliver(&self, message: &Message, digest: &Digest<'_>) -> Result<String, DeliveryError> {
        match self {
            Mailer::Smtp { transport, server } => {
                transport.send(message)?;
                Ok(format!("smtp {server}"))
            }
            Mailer::Outbox(dir) => {
                let path = outbox_path(dir, digest);
                crate::atomic::write(&path, &message.formatted())
                    .map_err(|source| DeliveryError::Write { path: path.clone(), source })?;
                Ok(path.display().to_string())
            }
        }
    }

    /// Where digests are going, for the summary line.
    pub fn destination(&self) -> String {
        match self {
            Mailer::Smtp { server, .. } => format!("smtp://{server}"),
            Mailer::Outbox(dir) => dir.display().to_string(),
        }
    }
}

pub(crate) fn smtp_transport(smtp: &Smtp) -> Result<SmtpTransport, String> {
    let builder = match smtp.security {
        Security::None => SmtpTransport::builder_dangerous(&smtp.host),
        Security::Starttls => {
            SmtpTransport::starttls_relay(&smtp.host).map_err(|e| e.to_string())?
        }
        Security::Tls => SmtpTransport::relay(&smtp.host).map_err(|e| e.to_string())?,
    };
    let mut builder = builder
        .port(smtp.port)
        .timeout(Some(Duration::from_secs(smtp.timeout_secs)))
        .pool_config(PoolConfig::new().max_size(1));
    if let Some(username) = &smtp.username {
        let password = std::env::var(&smtp.password_env).map_err(|_| {
            format!(
                "`username` is set, so the password must be in the environment variable `{}`, \
                 which is not set",
                smtp.password_env
            )
        })?;
        builder = builder.credentials(Credentials::new(username.clone(), password));
    }
    Ok(builder.build())
}

/// `outbox/2025-08-05/alice@example.com.eml`: a rerun of the same day replaces the file
/// rather than adding a second one.
pub fn outbox_path(dir: &Path, digest: &Digest<'_>) -> PathBuf {
    dir.join(digest.date.to_string())
        .join(format!("{}.eml", file_safe(digest.subscriber.email.as_ref())))
}

/// An address as a file name: letters, digits and `@._+-` stay, every other byte becomes
/// `%XX`, so two addresses never share a file and none can leave the folder.
pub(crate) fn file_safe(text: &str) -> String {
    crate::unsubscribe::percent_encode_keeping(text, b"@._+-")
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
}
