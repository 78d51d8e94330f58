//! Signed tokens for the links paperboy mails and the pages `serve` answers.
//!
//! A token is an HMAC-SHA256, keyed by the secret in `PAPERBOY_SECRET` (or, as before, in
//! `PAPERBOY_UNSUBSCRIBE_SECRET`), over its purpose and the fields it covers. A token made for
//! one purpose, address or paper is worth nothing for another.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The environment variable that holds the signing secret.
pub(crate) const SECRET_ENV: &str = "PAPERBOY_SECRET";

/// The variable's earlier name, still read so that existing crontabs keep working.
pub(crate) const LEGACY_SECRET_ENV: &str = "PAPERBOY_UNSUBSCRIBE_SECRET";

/// Tokens are the first 16 bytes of the MAC, in hex: 128 bits cannot be guessed.
const TOKEN_BYTES: usize = 16;

/// What a token allows.
#[allow(dead_code, reason = "sign-up, preferences and votes are being built")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// Leaving the list; covers the address.
    Unsubscribe,
    /// Confirming a sign-up; covers the address, the requested settings and the expiry.
    Confirm,
    /// Opening one reader's preferences page; covers the address.
    Manage,
    /// Voting on a paper; covers the address, the paper and the vote.
    Vote,
    /// A form's CSRF field; covers the nonce in the browser's cookie.
    Form,
}

impl Purpose {
    fn label(self) -> &'static str {
        match self {
            Purpose::Unsubscribe => "unsubscribe",
            Purpose::Confirm => "confirm",
            Purpose::Manage => "manage",
            Purpose::Vote => "vote",
            Purpose::Form => "form",
        }
    }
}

/// The signing secret.
#[derive(Clone)]
pub(crate) struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// The secret from the environment, when either variable is set and not empty.
    pub(crate) fn from_env() -> Option<Secret> {
        [SECRET_ENV, LEGACY_SECRET_ENV]
            .into_iter()
            .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
            .map(|value| Secret(value.into_bytes()))
    }

    /// A secret given directly.
    #[cfg(test)]
    pub(crate) fn new(bytes: &[u8]) -> Secret {
        Secret(bytes.to_vec())
    }

    /// The token for `purpose` over `fields`. Addresses among the fields are compared as
    /// lowercase; normalise them with [`address_field`] first.
    pub(crate) fn sign(&self, purpose: Purpose, fields: &[&str]) -> String {
        let tag = self.mac(purpose, fields).finalize().into_bytes();
        tag[..TOKEN_BYTES].iter().map(|byte| format!("{byte:02x}")).collect()
    }

    /// Whether `token` was made for `purpose` over `fields`, compared in constant time.
    pub(crate) fn verify(&self, purpose: Purpose, fields: &[&str], token: &str) -> bool {
        let Some(bytes) = hex_decode(token) else { return false };
        bytes.len() == TOKEN_BYTES
            && self.mac(purpose, fields).verify_truncated_left(&bytes).is_ok()
    }

    fn mac(&self, purpose: Purpose, fields: &[&str]) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        if purpose == Purpose::Unsubscribe {
            // The MAC of the bare address, as links mailed before purposes existed carry.
            // Addresses hold no NUL, so this never equals a purpose-labelled input below.
            mac.update(fields.concat().as_bytes());
            return mac;
        }
        mac.update(b"paperboy\0");
        mac.update(purpose.label().as_bytes());
        for field in fields {
            // Length-prefixed, so that ("ab", "c") and ("a", "bc") sign differently.
            mac.update(&(field.len() as u64).to_be_bytes());
            mac.update(field.as_bytes());
        }
        mac
    }
}

/// An address as tokens cover it: trimmed and lowercased.
pub(crate) fn address_field(email: &str) -> String {
    email.trim().to_lowercase()
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    // Digits only: `u8::from_str_radix` would also take a sign, so `+f` would pass for `0f`.
    if !text.len().is_multiple_of(2) || !text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len()).step_by(2).map(|at| u8::from_str_radix(&text[at..at + 2], 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"secret";

    #[test]
    fn unsubscribe_tokens_are_the_mac_of_the_bare_address_as_mailed_before() {
        let mut mac = Hmac::<Sha256>::new_from_slice(KEY).unwrap();
        mac.update(b"alice@example.com");
        let old: String =
            mac.finalize().into_bytes()[..16].iter().map(|b| format!("{b:02x}")).collect();
        let secret = Secret::new(KEY);
        assert_eq!(secret.sign(Purpose::Unsubscribe, &[&address_field("Alice@Example.com ")]), old);
    }

    #[test]
    fn a_token_is_worth_nothing_for_another_purpose_field_or_secret() {
        let secret = Secret::new(KEY);
        let token = secret.sign(Purpose::Vote, &["a@b.c", "2508.01234", "up"]);
        assert_eq!(token.len(), 32);
        assert!(secret.verify(Purpose::Vote, &["a@b.c", "2508.01234", "up"], &token));
        assert!(!secret.verify(Purpose::Vote, &["a@b.c", "2508.01234", "down"], &token));
        assert!(!secret.verify(Purpose::Vote, &["a@b.c", "2508.01235", "up"], &token));
        assert!(!secret.verify(Purpose::Vote, &["x@b.c", "2508.01234", "up"], &token));
        assert!(!secret.verify(
            Purpose::Manage,
            &["a@b.c"],
            &secret.sign(Purpose::Unsubscribe, &["a@b.c"])
        ));
        assert!(!secret.verify(
            Purpose::Confirm,
            &["a@b.c"],
            &secret.sign(Purpose::Manage, &["a@b.c"])
        ));
        assert!(!Secret::new(b"other").verify(
            Purpose::Vote,
            &["a@b.c", "2508.01234", "up"],
            &token
        ));
        assert!(!secret.verify(Purpose::Vote, &["a@b.cu", "2508.01234", "p"], &token));
    }

    #[test]
    fn malformed_tokens_never_verify() {
        let secret = Secret::new(KEY);
        let token = secret.sign(Purpose::Manage, &["a@b.c"]);
        assert!(secret.verify(Purpose::Manage, &["a@b.c"], &token));
        assert!(!secret.verify(Purpose::Manage, &["a@b.c"], &token[..30]));
        assert!(!secret.verify(Purpose::Manage, &["a@b.c"], "zz"));
        assert!(!secret.verify(Purpose::Manage, &["a@b.c"], ""));
    }

    #[test]
    fn a_token_with_a_sign_is_not_the_token_with_a_zero() {
        // `u8::from_str_radix("+f", 16)` is 0x0f, so `+f...` used to pass for `0f...`.
        let secret = Secret::new(b"k");
        let (email, token) = (0..)
            .map(|n| format!("user{n}@example.com"))
            .map(|email| (secret.sign(Purpose::Unsubscribe, &[&email]), email))
            .find(|(token, _)| token.starts_with('0'))
            .map(|(token, email)| (email, token))
            .unwrap();
        assert!(secret.verify(Purpose::Unsubscribe, &[&email], &token));
        assert!(!secret.verify(Purpose::Unsubscribe, &[&email], &format!("+{}", &token[1..])));
    }
}
