//! Unsubscribe links: building them for a digest, and recognising them (and the other links
//! paperboy mails, such as votes) when `serve` is asked.
//!
//! `newsletter.unsubscribe_url` may hold `{email}` and `{token}`. The token is signed for
//! unsubscribing and the lowercased address (see [`crate::token`]), so a link works only for
//! the address it was made for. Nothing here edits the config.

use percent_encoding::percent_decode_str;
use url::Url;

use crate::config::{Config, ConfigError};
use crate::token::{LEGACY_SECRET_ENV, Purpose, SECRET_ENV, Secret, address_field};

/// Makes each subscriber's unsubscribe URL.
#[derive(Clone)]
pub(crate) struct UnsubscribeLinks {
    template: String,
    secret: Option<Secret>,
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
            Some(Secret::from_env().ok_or_else(|| {
                let message = format!(
                    "uses {{token}}, so the environment variable {SECRET_ENV} (or \
                     {LEGACY_SECRET_ENV}) must hold the signing secret, and it is not set"
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
        UnsubscribeLinks { template: template.to_owned(), secret: secret.map(Secret::new) }
    }

    /// The URL for one address: `{email}` percent-encoded, `{token}` its signature.
    pub(crate) fn for_address(&self, email: &str) -> String {
        let url = self.template.replace("{email}", &crate::text::url_component(email));
        match &self.secret {
            Some(secret) => url.replace("{token}", &token(secret, email)),
            None => url,
        }
    }
}

/// The unsubscribe token for an address.
pub(crate) fn token(secret: &Secret, email: &str) -> String {
    secret.sign(Purpose::Unsubscribe, &[&address_field(email)])
}

/// Whether `token` unsubscribes `email`.
pub(crate) fn verify(secret: &Secret, email: &str, token: &str) -> bool {
    secret.verify(Purpose::Unsubscribe, &[&address_field(email)], token)
}

/// Recognises requests for a link template (the unsubscribe or the feedback URL): the
/// template's path, with its holes (`{email}`, `{token}`, `{paper}`, `{vote}`) standing for a
/// path segment or a query value (or part of one). Other query parameters, such as a mail
/// client's `utm_source`, are let through.
#[derive(Debug)]
pub(crate) struct LinkPattern {
    base: Url,
    segments: Vec<Piece>,
    query: Vec<(String, Piece)>,
    /// A hole whose query parameter may be missing from a request, which then still matches.
    optional: Option<Hole>,
}

/// One path segment or query value of the template, decoded.
#[derive(Debug)]
enum Piece {
    Fixed(String),
    Hole { before: String, hole: Hole, after: String },
}

/// A placeholder a link template may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hole {
    Email,
    Token,
    Paper,
    Vote,
}

impl Hole {
    const ALL: [Hole; 4] = [Hole::Email, Hole::Token, Hole::Paper, Hole::Vote];

    /// `{email}`, as the template writes it.
    pub(crate) fn placeholder(self) -> &'static str {
        match self {
            Hole::Email => "{email}",
            Hole::Token => "{token}",
            Hole::Paper => "{paper}",
            Hole::Vote => "{vote}",
        }
    }
}

impl Piece {
    fn new(text: &str) -> Piece {
        for hole in Hole::ALL {
            if let Some((before, after)) = text.split_once(hole.placeholder()) {
                return Piece::Hole { before: before.into(), hole, after: after.into() };
            }
        }
        Piece::Fixed(text.to_owned())
    }

    /// Fills `parts` from `text` if it fits; false if it does not.
    fn fill(&self, text: &str, parts: &mut [Option<String>; 4]) -> bool {
        match self {
            Piece::Fixed(fixed) => fixed == text,
            Piece::Hole { before, hole, after } => {
                let Some(value) =
                    text.strip_prefix(before.as_str()).and_then(|t| t.strip_suffix(after.as_str()))
                else {
                    return false;
                };
                parts[*hole as usize] = Some(value.to_owned());
                !value.is_empty()
            }
        }
    }

    fn holds(&self, wanted: Hole) -> bool {
        matches!(self, Piece::Hole { hole, .. } if *hole == wanted)
    }
}

/// What a request for a link carried.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct LinkParts {
    /// The decoded address.
    pub(crate) email: String,
    /// The token, if the template has one.
    pub(crate) token: Option<String>,
    /// The decoded paper id, if the template has one.
    pub(crate) paper: Option<String>,
    /// The vote, if the template has one.
    pub(crate) vote: Option<String>,
}

impl LinkPattern {
    /// The pattern for a template such as `https://x.org/u?email={email}&token={token}`.
    pub(crate) fn new(template: &str) -> Result<LinkPattern, String> {
        let pattern = LinkPattern::any(template)?;
        if !pattern.holds(Hole::Email) {
            return Err(format!(
                "`{template}` has no {{email}}, so a request cannot say who leaves"
            ));
        }
        Ok(pattern)
    }

    /// The pattern for a template, whichever holes it has.
    pub(crate) fn any(template: &str) -> Result<LinkPattern, String> {
        let base =
            Url::parse(template).map_err(|err| format!("`{template}` is not a URL: {err}"))?;
        let segments: Vec<Piece> = base
            .path_segments()
            .ok_or_else(|| format!("`{template}` has no path"))?
            .map(|segment| Piece::new(&decode(segment)))
            .collect();
        let query: Vec<(String, Piece)> =
            base.query_pairs().map(|(key, value)| (key.into_owned(), Piece::new(&value))).collect();
        Ok(LinkPattern { base, segments, query, optional: None })
    }

    /// The pattern, matching requests that lack the query parameter of `hole` too, so that
    /// a link with its token cut off can be told apart from no link at all.
    pub(crate) fn with_optional(mut self, hole: Hole) -> LinkPattern {
        self.optional = Some(hole);
        self
    }

    /// Whether the template has `hole` in its path or query.
    pub(crate) fn holds(&self, hole: Hole) -> bool {
        self.segments.iter().chain(self.query.iter().map(|(_, piece)| piece)).any(|p| p.holds(hole))
    }

    /// What a request target (path and query) carries, if it is one of these links.
    pub(crate) fn parse(&self, target: &str) -> Option<LinkParts> {
        let url = self.base.join(target).ok()?;
        let mut parts = [None, None, None, None];
        let segments: Vec<&str> = url.path_segments()?.collect();
        if segments.len() != self.segments.len() {
            return None;
        }
        for (piece, segment) in self.segments.iter().zip(segments) {
            if !piece.fill(&decode(segment), &mut parts) {
                return None;
            }
        }
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        for (key, piece) in &self.query {
            let mut values = pairs.iter().filter(|(k, _)| k == key);
            // Exactly one of each: two `email=` would leave it open which one is meant.
            let (value, more) = (values.next(), values.next());
            let absent = value.is_none_or(|(_, value)| value.is_empty());
            if absent && more.is_none() && self.optional.is_some_and(|hole| piece.holds(hole)) {
                continue;
            }
            let (Some((_, value)), None) = (value, more) else { return None };
            if !piece.fill(value, &mut parts) {
                return None;
            }
        }
        let [email, token, paper, vote] = parts;
        Some(LinkParts { email: email?, token, paper, vote })
    }
}

/// A path segment, decoded; `+` stays a `+`.
fn decode(segment: &str) -> String {
    percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_for_their_address_and_secret() {
        let secret = Secret::new(b"secret");
        let token = token(&secret, "Alice@Example.com");
        assert_eq!(token.len(), 32);
        assert!(verify(&secret, "alice@example.com", &token));
        assert!(!verify(&secret, "bob@example.com", &token));
        assert!(!verify(&Secret::new(b"other"), "alice@example.com", &token));
        assert!(!verify(&secret, "alice@example.com", &token[..30]));
    }

    #[test]
    fn links_fill_in_the_encoded_address_and_token() {
        let links = UnsubscribeLinks::new("https://x.org/u?email={email}&t={token}", Some(b"k"));
        let url = links.for_address("a+b@example.com");
        assert_eq!(
            url,
            format!(
                "https://x.org/u?email=a%2Bb%40example.com&t={}",
                token(&Secret::new(b"k"), "a+b@example.com")
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
        assert!(verify(&Secret::new(b"k"), &parts.email, parts.token.as_deref().unwrap()));
        assert_eq!(pattern.parse("/list/unsubscribe?email=a%40b.c"), None);
        assert_eq!(pattern.parse("/other?email=a%40b.c&token=00"), None);
    }

    #[test]
    fn path_templates_work_too() {
        let pattern = LinkPattern::new("https://x.org/u/{email}/{token}").unwrap();
        let parts = pattern.parse("/u/a%40b.c/0a1b").unwrap();
        let expected = LinkParts {
            email: "a@b.c".into(),
            token: Some("0a1b".into()),
            paper: None,
            vote: None,
        };
        assert_eq!(parts, expected);
        assert!(LinkPattern::new("https://x.org/u").is_err());
    }

    #[test]
    fn a_signed_escape_decodes_to_nothing_it_does_not_spell() {
        // `u8::from_str_radix("+5", 16)` is 5, so `%+5` used to become the byte 0x05.
        let pattern = LinkPattern::new("https://x.org/u/{email}/{token}").unwrap();
        let parts = pattern.parse("/u/a%+5b.c/0a1b").unwrap();
        assert_eq!(parts.email, "a%+5b.c");
        let pattern = LinkPattern::new("https://x.org/u?email={email}").unwrap();
        assert!(!pattern.parse("/u?email=a%+5b.c").unwrap().email.contains('\u{5}'));
    }

    #[test]
    fn an_optional_hole_may_be_missing_or_empty_but_not_doubled() {
        let template = "https://x.org/v/{paper}?email={email}&t={token}";
        let strict = LinkPattern::any(template).unwrap();
        assert_eq!(strict.parse("/v/p1?email=a%40b.c"), None);
        let lenient = LinkPattern::any(template).unwrap().with_optional(Hole::Token);
        for target in ["/v/p1?email=a%40b.c", "/v/p1?email=a%40b.c&t="] {
            let parts = lenient.parse(target).unwrap();
            assert_eq!((parts.paper.as_deref(), parts.token), (Some("p1"), None), "{target}");
        }
        assert_eq!(lenient.parse("/v/p1?email=a%40b.c&t=&t=0a"), None);
        assert_eq!(lenient.parse("/v/p1?t=0a"), None, "the address is never optional");
    }

    #[test]
    fn extra_query_parameters_on_the_link_are_let_through() {
        let pattern = LinkPattern::new("https://x.org/u?list=ml&email={email}&t={token}").unwrap();
        let parts = pattern.parse("/u?utm_source=digest&list=ml&email=a%2Bb%40c.d&t=0a").unwrap();
        assert_eq!((parts.email.as_str(), parts.token.as_deref()), ("a+b@c.d", Some("0a")));
        assert_eq!(pattern.parse("/u?list=other&email=a%40c.d&t=0a"), None);
        assert_eq!(pattern.parse("/u?list=ml&email=a%40c.d&email=b%40c.d&t=0a"), None);
    }
}
