//! A short plain-text message to one address that is not a digest: the confirmation of a
//! sign-up from `serve`'s form. The same header rules as digests: names and subjects are
//! made safe for a header, so nothing a reader typed can add one.

use std::time::SystemTime;

use chrono::{DateTime, Utc};
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, SinglePart};

use super::{ComposeError, Signer, encode};
use crate::config::Newsletter;
use crate::text::{header_safe, stable_hash};

/// The whole formatted message, signed when a signer is given.
pub(crate) fn notice(
    newsletter: &Newsletter,
    to: &Mailbox,
    subject: &str,
    text: &str,
    now: DateTime<Utc>,
    signer: Option<&Signer>,
) -> Result<Vec<u8>, ComposeError> {
    let key = format!("{}|{}", to.email.to_string().to_lowercase(), now.timestamp_millis());
    let id = format!(
        "<notice.{}.{:016x}@{}>",
        now.format("%Y-%m-%d"),
        stable_hash(key.as_bytes()),
        newsletter.from.email.domain()
    );
    let to = Mailbox::new(to.name.as_deref().map(header_safe), to.email.clone());
    let mut builder = Message::builder()
        .from(newsletter.from.clone())
        .to(to)
        .subject(header_safe(subject))
        .date(SystemTime::from(now))
        .message_id(Some(id));
    if let Some(reply_to) = &newsletter.reply_to {
        builder = builder.reply_to(reply_to.clone());
    }
    let mut message = builder.singlepart(
        SinglePart::builder().header(ContentType::TEXT_PLAIN).body(encode::body(text)),
    )?;
    if let Some(signer) = signer {
        signer.sign(&mut message);
    }
    Ok(message.formatted())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::TimeZone;

    use super::*;
    use crate::config::Config;

    #[test]
    fn a_name_or_subject_typed_into_the_form_adds_no_header() {
        let config = Config::parse(
            "[newsletter]\ntitle = \"T\"\nfrom = \"d@example.org\"\n",
            Path::new("paperboy.toml"),
        )
        .unwrap();
        let to =
            Mailbox::new(Some("Eve\r\nBcc: evil@example.com".into()), "e@x.org".parse().unwrap());
        let now = Utc.with_ymd_and_hms(2025, 8, 5, 6, 0, 0).unwrap();
        let bytes =
            notice(&config.newsletter, &to, "Confirm\nX-Evil: 1", "body", now, None).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let headers = text.split("\r\n\r\n").next().unwrap();
        assert!(!headers.lines().any(|l| l.starts_with("Bcc:") || l.starts_with("X-Evil:")));
        assert!(headers.contains("Message-ID: <notice.2025-08-05."), "{headers}");
    }
}
