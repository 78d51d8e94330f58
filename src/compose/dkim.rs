//! DKIM signing with the key of `[dkim]`.

use lettre::Message;
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
    DkimSigningKey,
};
use lettre::message::header::HeaderName;

use crate::config::{Config, ConfigError, DkimAlgorithm};

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
        // The headers a reader trusts, those filters sort and auto-responders obey, and the
        // unsubscribe pair mailbox providers require to be signed for one-click unsubscribe.
        let mut headers = vec!["From", "To", "Subject", "Date", "Message-ID"];
        if config.newsletter.reply_to.is_some() {
            headers.push("Reply-To");
        }
        headers.extend(super::message::LIST_HEADERS);
        if let Some(url) = &config.newsletter.unsubscribe_url {
            headers.push("List-Unsubscribe");
            if super::message::allows_one_click(url) {
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
