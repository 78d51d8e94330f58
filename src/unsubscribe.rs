//! Unsubscribe links: building them for a digest, and recognising them when `serve` is asked.
//!
//! `newsletter.unsubscribe_url` may hold `{email}` and `{token}`. The token is an HMAC-SHA256
//! of the lowercased address, keyed by the secret in `PAPERBOY_UNSUBSCRIBE_SECRET`, so a link
//! works only for the address it was made for. Nothing here edits the config.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::config::{Config, ConfigError};

/// The environment variable that holds the signing secret.
pub(crate) const SECRET_ENV: &str = "PAPERBOY_UNSUBSCRIBE_SECRET";

/// Tokens are the first 16 bytes of the MAC, in hex: 128 bits cannot be guessed.
const TOKEN_BYTES: usize = 16;

/// Makes each subscriber's unsubscribe URL.
#[derive(Clone)]
pub(crate) struct UnsubscribeLinks {
    template: String,
    secret: Option<Vec<u8>>,
}

impl std::fmt::Debug for UnsubscribeLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.debug_struct("UnsubscribeLinks").field("template", &self.template).finish_non_exhaustive()
    }
}

impl UnsubscribeLinks {
    /// The links the config asks for, reading the secret when the URL has `{token}`.
    pub(crate) fn from_config(config: &Config) -> Result<Option<UnsubscribeLinks>, ConfigError> {
        let Some(template) = &config.newsletter.unsubscribe_url else { return Ok(None) };
        let secret = if template.contains("{token}") {
            Some(secret_from_env().ok_or_else(|| {
                let message = format!(
                    "uses {{token}}, so the environment variable {SECRET_ENV} must hold the \
                     signing secret, and it is not set"
                );
                ConfigError::one(&config.path, None, Some("newsletter.unsubscribe_url"), message)
            })?)
        } else {
            None
        };
        Ok(Some(UnsubscribeLinks { template: template.clone(), secret }))
    }

    #[cfg(test)]
    /// Links for a template and secret given directly.
    pub(crate) fn new(template: &str, secret: Option<&[u8]>) -> UnsubscribeLinks {
        UnsubscribeLinks { template: template.to_owned(), secret: secret.map(<[u8]>::to_vec) }
    }

    /// The URL for one address: `{email}` percent-encoded, `{token}` its signature.
    pub(crate) fn for_address(&self, email: &str) -> String {
        let url = self.template.replace("{email}", &percent_encode(email));
        match &self.secret {
            Some(secret) => url.replace("{token}", &token(secret, email)),
            None => url,
        }
    }
}

/// The secret, when the variable is set and not empty.
pub(crate) fn secret_from_env() -> Option<Vec<u8>> {
    std::env::var(SECRET_ENV).ok().filter(|s| !s.is_empty()).map(String::into_bytes)
}

fn mac(secret: &[u8], email: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(email.trim().to_lowercase().as_bytes());
    mac
}

/// The token for an address.
pub(crate) fn token(secret: &[u8], email: &str) -> String {
    let tag = mac(secret, email).finalize().into_bytes();
    tag[..TOKEN_BYTES].iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Whether `token` was made for `email` with `secret`, compared in constant time.
pub(crate) fn verify(secret: &[u8], email: &str, token: &str) -> bool {
    let Some(bytes) = hex_decode(token) else { return false };
    bytes.len() == TOKEN_BYTES && mac(secret, email).verify_truncated_left(&bytes).is_ok()
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok())
        .collect()
}

/// Encodes everything but RFC 3986's unreserved characters, so an address with `+` or `&`
/// stays one query value.
pub(crate) fn percent_encode(text: &str) -> String {
    percent_encode_keeping(text, b"-._~")
}

/// `%XX` for every byte but ASCII letters, digits and `keep`.
pub(crate) fn percent_encode_keeping(text: &str, keep: &[u8]) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || keep.contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// Decodes `%XX` escapes (and `+` as a space, as forms send it); `None` for bad escapes or
/// bytes that are not UTF-8.
pub(crate) fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'%' => {
                let hex = text.get(at + 1..at + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                at += 3;
            }
            b'+' => {
                out.push(b' ');
                at += 1;
            }
            byte => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Recognises requests for the unsubscribe URL: the template's path and query with
/// `{email}` and `{token}` as holes.
#[derive(Debug)]
pub(crate) struct LinkPattern {
    pattern: regex::Regex,
}

/// What an unsubscribe request carried.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct LinkParts {
    /// The decoded address.
    pub(crate) email: String,
    /// The token, if the template has one.
    pub(crate) token: Option<String>,
}

impl LinkPattern {
    /// The pattern for a template such as `https://x.org/u?email={email}&token={token}`.
    pub(crate) fn new(template: &str) -> Result<LinkPattern, String> {
        let after_scheme = template.split_once("://").map_or(template, |(_, rest)| rest);
        let target = after_scheme.find('/').map_or("/", |at| &after_scheme[at..]);
        if !target.contains("{email}") {
            return Err(format!(
                "`{template}` has no {{email}}, so a request cannot say who leaves"
            ));
        }
        let mut pattern = String::from("^");
        let mut rest = target;
        while let Some(at) = rest.find('{') {
            pattern.push_str(&regex::escape(&rest[..at]));
            let hole = &rest[at..];
            if let Some(tail) = hole.strip_prefix("{email}") {
                pattern.push_str("(?P<email>[^/?&#]+)");
                rest = tail;
            } else if let Some(tail) = hole.strip_prefix("{token}") {
                pattern.push_str("(?P<token>[0-9a-fA-F]+)");
                rest = tail;
            } else {
                pattern.push_str(&regex::escape("{"));
                rest = &hole[1..];
            }
        }
        pattern.push_str(&regex::escape(rest));
        pattern.push('$');
        let pattern = regex::Regex::new(&pattern).map_err(|err| err.to_string())?;
        Ok(LinkPattern { pattern })
    }

    /// The address and token in a request target (path and query), if it is an
    /// unsubscribe link.
    pub(crate) fn parse(&self, target: &str) -> Option<LinkParts> {
        let captures = self.pattern.captures(target)?;
        Some(LinkParts {
            email: percent_decode(captures.name("email")?.as_str())?,
            token: captures.name("token").map(|t| t.as_str().to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_for_their_address_and_secret() {
        let token = token(b"secret", "Alice@Example.com");
        assert_eq!(token.len(), 32);
        assert!(verify(b"secret", "alice@example.com", &token));
        assert!(!verify(b"secret", "bob@example.com", &token));
        assert!(!verify(b"other", "alice@example.com", &token));
        assert!(!verify(b"secret", "alice@example.com", &token[..30]));
        assert!(!verify(b"secret", "alice@example.com", "zz"));
        assert!(!verify(b"secret", "alice@example.com", ""));
    }

    #[test]
    fn links_fill_in_the_encoded_address_and_token() {
        let links = UnsubscribeLinks::new("https://x.org/u?email={email}&t={token}", Some(b"k"));
        let url = links.for_address("a+b@example.com");
        assert_eq!(
            url,
            format!(
                "https://x.org/u?email=a%2Bb%40example.com&t={}",
                token(b"k", "a+b@example.com")
            )
        );
    }

    #[test]
    fn patterns_recover_what_links_carry() {
        let template = "https://x.org/list/unsubscribe?email={email}&token={token}";
        let pattern = LinkPattern::new(template).unwrap();
        let url = UnsubscribeLinks::new(template, Some(b"k")).for_address("a+b@example.com");
        let target = &url["https://x.org".len()..];
        let parts = pattern.parse(target).unwrap();
        assert_eq!(parts.email, "a+b@example.com");
        assert!(verify(b"k", &parts.email, parts.token.as_deref().unwrap()));
        assert_eq!(pattern.parse("/list/unsubscribe?email=a%40b.c"), None);
        assert_eq!(pattern.parse("/other?email=a%40b.c&token=00"), None);
    }

    #[test]
    fn path_templates_work_too() {
        let pattern = LinkPattern::new("https://x.org/u/{email}/{token}").unwrap();
        let parts = pattern.parse("/u/a%40b.c/0a1b").unwrap();
        assert_eq!(parts, LinkParts { email: "a@b.c".into(), token: Some("0a1b".into()) });
        assert!(LinkPattern::new("https://x.org/u").is_err());
    }

    #[test]
    fn bad_escapes_are_refused() {
        assert_eq!(percent_decode("a%4"), None);
        assert_eq!(percent_decode("%ff"), None);
        assert_eq!(percent_decode("a%40b"), Some("a@b".into()));
    }
}
