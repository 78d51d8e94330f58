//! Links to the self-service pages under `newsletter.site_url`: the manage link every digest
//! carries, and the tokens that make it work for one reader only. Nothing here serves or
//! edits; `pages` answers these links.

use crate::config::{Config, ConfigError};
use crate::token::{LEGACY_SECRET_ENV, Purpose, SECRET_ENV, Secret, address_field};

/// Makes each reader's link to their preferences page.
#[derive(Clone)]
pub(crate) struct ManageLinks {
    /// `<site_url>/manage`.
    page: String,
    secret: Secret,
}

impl std::fmt::Debug for ManageLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.debug_struct("ManageLinks").field("page", &self.page).finish_non_exhaustive()
    }
}

impl ManageLinks {
    /// The links, when the config has a `site_url`; its pages need the signing secret.
    pub(crate) fn from_config(config: &Config) -> Result<Option<ManageLinks>, ConfigError> {
        let Some(page) = config.newsletter.page_url("manage") else { return Ok(None) };
        let secret = Secret::from_env().ok_or_else(|| {
            let message = format!(
                "is set, so the environment variable {SECRET_ENV} (or {LEGACY_SECRET_ENV}) must \
                 hold the secret that signs the links to its pages, and it is not set"
            );
            ConfigError::one(&config.path, None, Some("newsletter.site_url"), message)
        })?;
        Ok(Some(ManageLinks { page, secret }))
    }

    #[cfg(test)]
    pub(crate) fn new(page: &str, secret: &[u8]) -> ManageLinks {
        ManageLinks { page: page.to_owned(), secret: Secret::new(secret) }
    }

    /// `<site_url>/manage?email=...&token=...` for one reader.
    pub(crate) fn for_address(&self, email: &str) -> String {
        let encoded = crate::text::url_component(email);
        format!("{}?email={encoded}&token={}", self.page, manage_token(&self.secret, email))
    }
}

/// The token that opens `email`'s preferences page.
pub(crate) fn manage_token(secret: &Secret, email: &str) -> String {
    secret.sign(Purpose::Manage, &[&address_field(email)])
}

/// Whether `token` opens `email`'s preferences page.
pub(crate) fn verify_manage(secret: &Secret, email: &str, token: &str) -> bool {
    secret.verify(Purpose::Manage, &[&address_field(email)], token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manage_link_opens_only_its_own_page() {
        let links = ManageLinks::new("https://x.org/p/manage", b"k");
        let url = links.for_address("A+b@Example.com");
        let token = url.rsplit("token=").next().unwrap();
        assert!(url.starts_with("https://x.org/p/manage?email=A%2Bb%40Example.com&token="));
        assert!(verify_manage(&Secret::new(b"k"), "a+b@example.com", token));
        assert!(!verify_manage(&Secret::new(b"k"), "c@example.com", token));
        let unsubscribe = crate::unsubscribe::token(&Secret::new(b"k"), "a+b@example.com");
        assert!(!verify_manage(&Secret::new(b"k"), "a+b@example.com", &unsubscribe));
    }
}
