//! Vote links: the "more like this" and "fewer like this" link of each paper in a digest.
//!
//! `newsletter.feedback_url` holds `{email}`, `{paper}`, `{vote}` and `{token}`; the token
//! is signed for voting over the lowercased address, the paper id and the vote (see
//! [`crate::token`]), so a link works only for the reader, paper and vote it was made for.
//! `serve` answers the links (`crate::serve::feedback`); nothing here records a vote.
//!
//! Cards (`paper.html`) are rendered once per paper and shared by every digest that shows
//! the paper, so they carry a stand-in for each link, which [`FeedbackLinks::markers`] names
//! and the renderer replaces with the reader's own link. The stand-ins are derived from the
//! secret: nobody who writes a listing can plant one in a title.

use crate::config::{Config, ConfigError};
use crate::paper::PaperId;
use crate::paper::VoteKind;
use crate::text::url_component;
use crate::token::{LEGACY_SECRET_ENV, Purpose, SECRET_ENV, Secret, address_field};

/// Makes each reader's vote links.
#[derive(Clone)]
pub(crate) struct FeedbackLinks {
    template: String,
    secret: Secret,
    /// The stand-ins for the up and the down link in a card.
    markers: [String; 2],
}

impl std::fmt::Debug for FeedbackLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.debug_struct("FeedbackLinks").field("template", &self.template).finish_non_exhaustive()
    }
}

impl FeedbackLinks {
    /// The links the config asks for; the secret must be set when it asks for any.
    pub(crate) fn from_config(config: &Config) -> Result<Option<FeedbackLinks>, ConfigError> {
        let Some(template) = &config.newsletter.feedback_url else { return Ok(None) };
        let secret = Secret::from_env().ok_or_else(|| {
            let message = format!(
                "uses {{token}}, so the environment variable {SECRET_ENV} (or \
                 {LEGACY_SECRET_ENV}) must hold the signing secret, and it is not set"
            );
            ConfigError::one(&config.path, None, Some("newsletter.feedback_url"), message)
        })?;
        Ok(Some(FeedbackLinks::new(template, secret)))
    }

    /// Links for a template and secret given directly.
    pub(crate) fn new(template: &str, secret: Secret) -> FeedbackLinks {
        let marker = |vote: VoteKind| {
            // Lowercase hex and `-`: HTML escaping leaves it as it is.
            format!("paperboy-vote-{}-{}", secret.sign(Purpose::Vote, &["\0marker"]), vote.as_str())
        };
        let markers = [marker(VoteKind::Up), marker(VoteKind::Down)];
        FeedbackLinks { template: template.to_owned(), secret, markers }
    }

    /// The stand-ins a card carries for its up and its down link.
    pub(crate) fn markers(&self) -> &[String; 2] {
        &self.markers
    }

    /// The link by which `email` casts `vote` on `paper`.
    pub(crate) fn url(&self, email: &str, paper: &PaperId, vote: VoteKind) -> String {
        self.template
            .replace("{email}", &url_component(email))
            .replace("{paper}", &url_component(paper.as_str()))
            .replace("{vote}", vote.as_str())
            .replace("{token}", &token(&self.secret, email, paper.as_str(), vote))
    }
}

/// The token for a vote.
pub(crate) fn token(secret: &Secret, email: &str, paper: &str, vote: VoteKind) -> String {
    secret.sign(Purpose::Vote, &[&address_field(email), paper, vote.as_str()])
}

/// Whether `token` lets `email` cast `vote` on `paper`.
pub(crate) fn verify(
    secret: &Secret,
    email: &str,
    paper: &str,
    vote: VoteKind,
    token: &str,
) -> bool {
    secret.verify(Purpose::Vote, &[&address_field(email), paper, vote.as_str()], token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unsubscribe::LinkPattern;

    const TEMPLATE: &str = "https://x.org/vote/{paper}/{vote}?email={email}&t={token}";

    #[test]
    fn a_token_covers_the_address_the_paper_and_the_vote() {
        let secret = Secret::new(b"k");
        let token = token(&secret, "Ana@X.org", "arxiv:2407.12345", VoteKind::Up);
        assert!(verify(&secret, "ana@x.org", "arxiv:2407.12345", VoteKind::Up, &token));
        assert!(!verify(&secret, "bob@x.org", "arxiv:2407.12345", VoteKind::Up, &token));
        assert!(!verify(&secret, "ana@x.org", "arxiv:2407.12346", VoteKind::Up, &token));
        assert!(!verify(&secret, "ana@x.org", "arxiv:2407.12345", VoteKind::Down, &token));
        assert!(!secret.verify(Purpose::Unsubscribe, &["ana@x.org"], &token));
    }

    #[test]
    fn the_pattern_reads_back_what_a_link_carries() {
        let links = FeedbackLinks::new(TEMPLATE, Secret::new(b"k"));
        let paper = PaperId::parse("title:00ff00ff00ff00ff");
        let url = links.url("a+b@x.org", &paper, VoteKind::Down);
        assert!(url.starts_with(
            "https://x.org/vote/title%3A00ff00ff00ff00ff/down?email=a%2Bb%40x.org&t="
        ));
        let parts =
            LinkPattern::any(TEMPLATE).unwrap().parse(&url["https://x.org".len()..]).unwrap();
        assert_eq!(parts.email, "a+b@x.org");
        assert_eq!(parts.paper.as_deref(), Some("title:00ff00ff00ff00ff"));
        assert_eq!(parts.vote.as_deref(), Some("down"));
        let token = parts.token.unwrap();
        assert!(verify(&Secret::new(b"k"), &parts.email, paper.as_str(), VoteKind::Down, &token));
    }

    #[test]
    fn markers_differ_by_vote_and_by_secret() {
        let one = FeedbackLinks::new(TEMPLATE, Secret::new(b"k"));
        let other = FeedbackLinks::new(TEMPLATE, Secret::new(b"j"));
        assert_ne!(one.markers()[0], one.markers()[1]);
        assert_ne!(one.markers()[0], other.markers()[0]);
        let plain = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        assert!(one.markers().iter().all(|marker| marker.chars().all(plain)), "escaping keeps it");
    }
}
