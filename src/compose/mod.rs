//! Between render and deliver: one digest as one message that mail clients show whole.
//!
//! Gmail clips a message over about 102 KB and hides the rest behind a link, the footer with
//! the unsubscribe link included. When a digest would be larger, abstracts are cut at a
//! sentence, each with a link to the full text, until the message fits.

use chrono::{DateTime, Utc};

use crate::config::Newsletter;
use crate::digest::Digest;
use crate::render::{RenderError, RenderedDigest, Renderer};

mod dkim;
mod encode;
mod message;

pub(crate) use dkim::Signer;
pub(crate) use message::{build_message, message_id};

/// The largest message paperboy sends, headers and both parts included; under Gmail's
/// 102 KB with room for the headers a relay adds.
pub(crate) const MAX_MESSAGE_BYTES: usize = 100 * 1000;

/// Caps tried in turn, in bytes per abstract, when whole abstracts do not fit.
const ABSTRACT_CAPS: [usize; 7] = [1200, 900, 700, 500, 350, 220, 120];

/// Why a digest could not be made into a message.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ComposeError {
    /// A template failed.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// lettre refused to assemble the message.
    #[error("cannot build the message: {0}")]
    Build(#[from] lettre::error::Error),
}

/// A digest ready to deliver.
pub(crate) struct Composed {
    /// The rendered parts, as they are in the message.
    pub(crate) rendered: RenderedDigest,
    /// The whole message as it goes on the wire, signed when a signer was given.
    pub(crate) bytes: Vec<u8>,
}

/// Renders, builds, signs and formats the message, cutting abstracts as far as needed to
/// stay under [`MAX_MESSAGE_BYTES`].
pub(crate) fn compose(
    renderer: &Renderer,
    newsletter: &Newsletter,
    digest: &Digest<'_>,
    now: DateTime<Utc>,
    signer: Option<&Signer>,
) -> Result<Composed, ComposeError> {
    let mut caps = std::iter::once(None).chain(ABSTRACT_CAPS.map(Some)).peekable();
    loop {
        let cap = caps.next().expect("the first try is always there");
        let rendered = renderer.render_within(digest, newsletter, cap)?;
        let mut message = build_message(newsletter, digest, &rendered, now)?;
        // Signed before it is measured: the signature is part of the size.
        if let Some(signer) = signer {
            signer.sign(&mut message);
        }
        // Measured, not estimated: quoted-printable can triple a non-ASCII byte.
        let bytes = message.formatted();
        if bytes.len() <= MAX_MESSAGE_BYTES || caps.peek().is_none() {
            return Ok(Composed { rendered, bytes });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::{NaiveDate, TimeZone};

    use super::*;
    use crate::config::Config;
    use crate::paper::Paper;
    use crate::source::{self, Source};

    fn config(keywords: &str, max_papers: usize) -> Config {
        let text = format!(
            "[newsletter]\ntitle = \"Digest\"\nfrom = \"d@example.org\"\nmax_papers = {max_papers}\n\
             unsubscribe_url = \"https://example.org/u?email={{email}}\"\n\
             [[subscribers]]\nemail = \"a@example.com\"\nkeywords = [{keywords}]\n"
        );
        Config::parse(&text, Path::new("paperboy.toml")).unwrap()
    }

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 8, 5).unwrap()
    }

    fn composed(config: &Config, papers: &[Paper]) -> Composed {
        let digest =
            Digest::for_each_subscriber(config, &config.subscribers, papers, date()).remove(0);
        let renderer = Renderer::new(None, None).unwrap();
        let now = Utc.with_ymd_and_hms(2025, 8, 5, 6, 0, 0).unwrap();
        compose(&renderer, &config.newsletter, &digest, now, None).unwrap()
    }

    fn sample() -> Vec<Paper> {
        let text = include_str!("../../examples/hf-daily-papers-aug5.txt");
        source::parse(text, &Source::file("hf", "hf-daily-papers-aug5.txt"), date()).unwrap().papers
    }

    #[test]
    fn a_small_digest_keeps_whole_abstracts_when_asked_for_full_ones() {
        let papers = sample();
        let mut config = config("\"knowledge distillation\"", 3);
        config.newsletter.abstract_length = crate::config::AbstractLength::Full;
        let done = composed(&config, &papers);
        assert!(!done.rendered.html.contains(">more</a>"));
        assert!(!done.rendered.text.contains("More: "));
        assert!(
            done.rendered
                .html
                .contains("Our codes are available at <a href=\"https://github.com/yzd-v/cls_KD\"")
        );
    }

    #[test]
    fn forty_papers_of_the_real_sample_fit_under_the_clipping_limit() {
        let papers = sample();
        let done = composed(&config("\"model\", \"learning\", \"data\"", 40), &papers);
        assert_eq!(done.rendered.html.matches("class=\"paper\"").count(), 40);
        assert!(done.bytes.len() <= MAX_MESSAGE_BYTES, "{} bytes", done.bytes.len());
        for line in done.rendered.text.lines() {
            let url_only = line.split_whitespace().last().is_some_and(|word| word.contains("://"))
                && line.split_whitespace().count() <= 3;
            assert!(line.chars().count() <= 78 || url_only, "too long: {line}");
        }
    }

    #[test]
    fn fifty_huge_non_ascii_abstracts_are_cut_at_sentences_to_fit() {
        let sentence = "Ein Modell für Übersetzungen — schnell, genau und günstig. ";
        let papers: Vec<Paper> = (0..50)
            .map(|i| Paper {
                abstract_text: sentence.repeat(60),
                ..Paper::for_test(&format!("Modell {i}"))
            })
            .collect();
        let done = composed(&config("\"modell\"", 50), &papers);
        let size = done.bytes.len();
        assert!(size <= MAX_MESSAGE_BYTES, "{size} bytes");
        assert_eq!(done.rendered.html.matches(">more</a>").count(), 50);
        assert!(done.rendered.text.contains("günstig.\n   More: https://huggingface.co/papers?q="));
    }
}
