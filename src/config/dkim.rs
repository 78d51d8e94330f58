//! `[dkim]`: optional DKIM signing of every digest. Only where the key is and how to use it
//! are checked here; the key itself is read when `send` starts (see `compose::Signer`), so
//! commands that never sign do not need it.

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use super::Validator;

/// `[dkim]`: sign each message with this key, as `selector._domainkey.domain` publishes it.
#[derive(Debug, Clone)]
pub(crate) struct Dkim {
    /// The selector of the DNS record.
    pub(crate) selector: String,
    /// The signing domain (`d=`); `newsletter.from`'s domain when unset.
    pub(crate) domain: Option<String>,
    /// The private key file.
    pub(crate) key_file: PathBuf,
    /// What kind of key it is.
    pub(crate) algorithm: DkimAlgorithm,
}

/// The key kinds lettre signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum DkimAlgorithm {
    /// RSA-SHA256; the key file is PKCS#1 PEM (`-----BEGIN RSA PRIVATE KEY-----`).
    #[default]
    Rsa,
    /// Ed25519-SHA256 (RFC 8463); the key file holds the 32-byte secret in base64.
    Ed25519,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDkim {
    /// `selector._domainkey.<domain>` holds the public key.
    selector: Spanned<String>,
    domain: Option<String>,
    /// Relative to the config file.
    key_file: String,
    #[serde(default)]
    algorithm: DkimAlgorithm,
}

pub(super) fn validate(validator: &mut Validator<'_>, raw: RawDkim) -> Dkim {
    let selector = raw.selector.get_ref().trim();
    let bad = selector.is_empty()
        || !selector.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if bad {
        let message = format!("`{selector}` is not a DNS label (letters, digits, `-`, `.`)");
        validator.problem(&raw.selector, "dkim.selector".into(), message);
    }
    Dkim {
        selector: selector.to_owned(),
        domain: raw.domain.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()),
        key_file: validator.base.join(raw.key_file),
        algorithm: raw.algorithm,
    }
}
