//! The message itself: headers (a stable Message-ID, List-Id, List-Unsubscribe with
//! one-click, and the marks of automatic bulk mail) and the multipart/alternative body of a
//! rendered digest.

use std::fmt::Write as _;
use std::time::SystemTime;

use chrono::{DateTime, NaiveDate, Utc};
use email_encoding::headers::writer::EmailWriter;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};

use super::{ComposeError, encode};
use crate::config::{Newsletter, Subscriber};
use crate::digest::Digest;
use crate::render::RenderedDigest;
use crate::text::{header_safe, stable_hash};

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

/// `List-Id: "Reading Group Papers" <reading-group-papers.example.org>` (RFC 2919): the
/// phrase is the newsletter's title, quoted or RFC 2047-encoded as it needs; the id is a
/// dot-atom made of the title and the From domain, so filters can sort on it.
#[derive(Debug, Clone)]
struct ListId {
    title: String,
    id: String,
}

impl ListId {
    fn new(title: &str, from: &Mailbox) -> ListId {
        let title = header_safe(title);
        let name = label(&title);
        let name = if name.is_empty() { "digest".to_owned() } else { name };
        let domain: Vec<String> =
            from.email.domain().split('.').map(label).filter(|part| !part.is_empty()).collect();
        let domain = if domain.is_empty() { "localhost".to_owned() } else { domain.join(".") };
        ListId { title, id: format!("{name}.{domain}") }
    }
}

/// Lowercase letters, digits and single hyphens, at most 63 bytes: a DNS label, and so
/// valid in a dot-atom whatever the title held.
fn label(text: &str) -> String {
    let mut label = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            label.push(c.to_ascii_lowercase());
        } else if !label.is_empty() && !label.ends_with('-') {
            label.push('-');
        }
    }
    label.truncate(63);
    label.trim_end_matches('-').to_owned()
}

impl Header for ListId {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Id")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let (title, id) = s.rsplit_once('<').ok_or("a List-Id needs `<id>`")?;
        Ok(ListId {
            title: title.trim().trim_matches('"').to_owned(),
            id: id.trim_end_matches('>').to_owned(),
        })
    }

    fn display(&self) -> HeaderValue {
        let name = Self::name();
        let mut encoded = String::new();
        {
            let mut writer = EmailWriter::new(&mut encoded, name.len() + 2, 0, false);
            email_encoding::headers::quoted_string::encode(&self.title, &mut writer)
                .and_then(|()| {
                    writer.space();
                    write!(writer, "<{}>", self.id)
                })
                .expect("writing into a String cannot fail");
        }
        let raw = format!("{} <{}>", self.title, self.id);
        HeaderValue::dangerous_new_pre_encoded(name, raw, encoded)
    }
}

/// A fixed header value: `Auto-Submitted: auto-generated` (RFC 3834) and `Precedence: bulk`
/// keep vacation responders and auto-replies quiet.
macro_rules! fixed_header {
    ($type:ident, $name:literal, $value:literal) => {
        #[derive(Debug, Clone)]
        struct $type;

        impl Header for $type {
            fn name() -> HeaderName {
                HeaderName::new_from_ascii_str($name)
            }

            fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
                Ok($type)
            }

            fn display(&self) -> HeaderValue {
                HeaderValue::new(Self::name(), $value.to_owned())
            }
        }
    };
}

fixed_header!(AutoSubmitted, "Auto-Submitted", "auto-generated");
fixed_header!(Precedence, "Precedence", "bulk");

/// The headers every digest carries besides From, To and the rest, in the order they are
/// written; DKIM signs them.
pub(crate) const LIST_HEADERS: [&str; 3] = ["List-Id", "Auto-Submitted", "Precedence"];

/// One-click (RFC 8058) is defined for HTTPS only; the scheme is read as a URL reads it, so
/// `HTTPS://` counts too.
pub(crate) fn allows_one_click(unsubscribe_url: &str) -> bool {
    url::Url::parse(unsubscribe_url).is_ok_and(|url| url.scheme() == "https")
}

/// The same subscriber and date always give the same Message-ID, so a digest sent twice can
/// be recognised as one by mail clients and by the journal.
pub(crate) fn message_id(email: &Address, date: NaiveDate, from: &Mailbox) -> String {
    let key = format!("{}|{date}", email.to_string().to_lowercase());
    format!("<digest.{date}.{:016x}@{}>", stable_hash(key.as_bytes()), from.email.domain())
}

/// The subscriber's `To:` mailbox, its name made safe for a header.
pub(crate) fn mailbox(subscriber: &Subscriber) -> Mailbox {
    Mailbox::new(subscriber.name.as_deref().map(header_safe), subscriber.email.clone())
}

/// Assembles the multipart/alternative message for one digest.
pub(crate) fn build_message(
    newsletter: &Newsletter,
    digest: &Digest<'_>,
    rendered: &RenderedDigest,
    now: DateTime<Utc>,
) -> Result<Message, ComposeError> {
    let subscriber = digest.subscriber;
    let mut builder = Message::builder()
        .from(newsletter.from.clone())
        .to(mailbox(subscriber))
        .subject(header_safe(&rendered.subject))
        .date(SystemTime::from(now))
        .message_id(Some(message_id(&subscriber.email, digest.date, &newsletter.from)));
    if let Some(reply_to) = &newsletter.reply_to {
        builder = builder.reply_to(reply_to.clone());
    }
    builder = builder
        .header(ListId::new(&newsletter.title, &newsletter.from))
        .header(AutoSubmitted)
        .header(Precedence);
    if let Some(url) = rendered.unsubscribe_url.clone() {
        let one_click = allows_one_click(&url);
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::TimeZone;

    use super::*;
    use crate::config::Config;

    fn config(name: &str, title: &str) -> Config {
        let text = format!(
            "[newsletter]\ntitle = \"{title}\"\nfrom = \"Digest <d@example.org>\"\nreply_to = \"e@example.org\"\n\
             unsubscribe_url = \"https://example.org/u?email={{email}}\"\n\
             [[subscribers]]\nemail = \"alice@example.com\"\nname = \"placeholder\"\nkeywords = [\"x\"]\n"
        );
        let mut config = Config::parse(&text, Path::new("paperboy.toml")).unwrap();
        // The config refuses control characters in a name; this layer must hold without that.
        config.subscribers[0].name = Some(name.replace("\\r", "\r").replace("\\n", "\n"));
        config
    }

    fn formatted(config: &Config) -> String {
        let digest = Digest {
            subscriber: &config.subscribers[0],
            date: NaiveDate::from_ymd_opt(2025, 8, 5).unwrap(),
            picks: Vec::new(),
            config,
            week: None,
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

    /// The List-Id header as it goes on the wire, unfolded.
    fn list_id(title: &str, from: &str) -> String {
        let message = Message::builder()
            .from(from.parse().unwrap())
            .to("a@example.com".parse().unwrap())
            .header(ListId::new(title, &from.parse().unwrap()))
            .body(String::new())
            .unwrap();
        let formatted = String::from_utf8(message.formatted()).unwrap().replace("\r\n ", " ");
        let line = formatted.lines().find_map(|line| line.strip_prefix("List-Id: "));
        line.unwrap().to_owned()
    }

    #[test]
    fn the_list_id_is_the_title_as_a_phrase_and_a_dot_atom_of_title_and_domain() {
        assert_eq!(
            list_id("Reading Group Papers", "Papers <papers@example.org>"),
            "\"Reading Group Papers\" <reading-group-papers.example.org>"
        );
        assert_eq!(
            list_id("ML@Lab: \"Daily\"", "d@Lab.Example.ORG"),
            "=?utf-8?b?TUxATGFiOiAiRGFpbHki?= <ml-lab-daily.lab.example.org>"
        );
        // Specials and non-ASCII go RFC 2047-encoded; with no letter of the title left for
        // the id, it is named for a digest.
        assert_eq!(
            list_id("Статьи дня", "d@example.org"),
            "=?utf-8?b?0KHRgtCw0YLRjNC4INC00L3Rjw==?= <digest.example.org>"
        );
    }

    #[test]
    fn a_title_with_line_breaks_makes_one_list_id_line() {
        let message = formatted(&config("Alice", "Digest\\r\\nBcc: evil@example.com"));
        let headers = message.split("\r\n\r\n").next().unwrap();
        let unfolded = headers.replace("\r\n ", " ");
        let expected = "List-Id: =?utf-8?b?RGlnZXN0IEJjYzogZXZpbEBleGFtcGxlLmNvbQ==?= \
                        <digest-bcc-evil-example-com.example.org>";
        assert!(unfolded.lines().any(|line| line == expected), "{headers}");
        assert!(!headers.lines().any(|line| line.starts_with("Bcc:")), "{headers}");
    }

    /// The config check reads an upper-case scheme as a URL does, and so must the header.
    #[test]
    fn one_click_is_offered_for_https_in_any_case_and_only_for_https() {
        assert!(allows_one_click("https://x.org/u?e=a%40b.c"));
        assert!(allows_one_click("HTTPS://x.org/u?e=a%40b.c"));
        assert!(!allows_one_click("http://x.org/u"));
        assert!(!allows_one_click("mailto:leave@x.org"));
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
    fn every_address_the_loader_takes_makes_a_message() {
        for email in ["a@example.com", "o'neil+tag@example.com", "x_y.z@sub.example.org"] {
            let text = format!(
                "[newsletter]\ntitle = \"T\"\nfrom = \"d@example.org\"\n[[subscribers]]\nemail = \"{email}\"\n"
            );
            let config = Config::parse(&text, Path::new("paperboy.toml")).unwrap();
            Message::builder()
                .from(config.newsletter.from.clone())
                .to(mailbox(&config.subscribers[0]))
                .body(String::new())
                .unwrap_or_else(|err| panic!("{email}: {err}"));
        }
    }
}
