//! The message itself: headers (a stable Message-ID, List-Unsubscribe with one-click) and
//! the multipart/alternative body of a rendered digest.

use std::time::SystemTime;

use chrono::{DateTime, NaiveDate, Utc};
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
