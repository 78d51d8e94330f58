//! Between render and deliver: one digest as one message that mail clients show whole.
//!
//! Gmail clips a message over about 102 KB and hides the rest behind a link, the footer with
//! the unsubscribe link included. When a digest would be larger, abstracts are cut at a
//! sentence, each with a link to the full text; when even the shortest cut is too large, the
//! abstracts go, and then the lowest-ranked papers, the digest ending with how many more
//! matched and a link to the listing.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, NaiveDate, Utc};

use crate::config::Newsletter;
use crate::digest::Digest;
use crate::paper::Paper;
use crate::render::{Fit, More, RenderError, RenderedDigest, Renderer};
use crate::source::Location;
use crate::text::plural::count;

mod dkim;
mod encode;
mod message;
mod notice;

pub(crate) use dkim::Signer;
pub(crate) use message::{build_message, message_id};
pub(crate) use notice::notice;

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
    /// How many of the digest's picks, best first, the message shows; the journal records
    /// only these, so the others can come another day.
    pub(crate) shown: usize,
}

impl Composed {
    /// The picks left out to stay under the size limit.
    pub(crate) fn left_out(&self, digest: &Digest<'_>) -> usize {
        digest.picks.len() - self.shown
    }

    fn fits(&self) -> bool {
        self.bytes.len() <= MAX_MESSAGE_BYTES
    }
}

/// The digests of a run that left papers out, for the one warning at its end.
#[derive(Default)]
pub(crate) struct Shortened {
    /// Papers left out, by job: a digest tried again is counted once.
    by_job: Mutex<HashMap<usize, usize>>,
}

impl Shortened {
    /// Notes how many papers digest `job` left out; none is nothing to note.
    pub(crate) fn note(&self, job: usize, left_out: usize) {
        if left_out > 0 {
            self.by_job.lock().unwrap_or_else(PoisonError::into_inner).insert(job, left_out);
        }
    }

    /// `2 digests were shortened to stay under 100,000 bytes: 276 papers left out, …`, or
    /// `None` when every digest was whole.
    pub(crate) fn warning(&self) -> Option<String> {
        let by_job = self.by_job.lock().unwrap_or_else(PoisonError::into_inner);
        let papers: usize = by_job.values().sum();
        (papers > 0).then(|| {
            let digests = count(by_job.len(), "digest");
            let was = if by_job.len() == 1 { "was" } else { "were" };
            format!(
                "{digests} {was} shortened to stay under 100,000 bytes: {} left out, \
                 the lowest-ranked, each digest ending with a link to the listing",
                count(papers, "paper")
            )
        })
    }
}

/// Renders, builds, signs and formats the message, making it as much smaller as needed to
/// stay under [`MAX_MESSAGE_BYTES`]: abstracts cut, then none, then fewer papers.
pub(crate) fn compose(
    renderer: &Renderer,
    newsletter: &Newsletter,
    digest: &Digest<'_>,
    now: DateTime<Utc>,
    signer: Option<&Signer>,
) -> Result<Composed, ComposeError> {
    let attempt = Attempt { renderer, newsletter, digest, now, signer };
    let all = digest.picks.len();
    let whole = attempt.shown(&Fit::default(), all)?;
    if whole.fits() {
        return Ok(whole);
    }
    // Every cut abstract is larger than none: when no abstracts are still too many, no cap
    // can help, and papers must go.
    let bare = attempt.bare(all)?;
    if bare.fits() {
        for cap in ABSTRACT_CAPS {
            let composed =
                attempt.shown(&Fit { abstract_chars: Some(cap), ..Fit::default() }, all)?;
            if composed.fits() {
                return Ok(composed);
            }
        }
        return Ok(bare);
    }
    // The size grows with the papers shown, so the largest count that fits is found by
    // bisection, in about log2(papers) renders rather than one per paper left out.
    let mut fitting = attempt.bare(0)?;
    if !fitting.fits() {
        // Not even an empty digest fits (a template of its own may be that large): it goes
        // out as small as it gets.
        return Ok(fitting);
    }
    let (mut low, mut over) = (0, all);
    while over - low > 1 {
        let shown = low + (over - low) / 2;
        let composed = attempt.bare(shown)?;
        if composed.fits() {
            low = shown;
            fitting = composed;
        } else {
            over = shown;
        }
    }
    Ok(fitting)
}

/// One digest, made into messages of different sizes until one fits.
struct Attempt<'a> {
    renderer: &'a Renderer,
    newsletter: &'a Newsletter,
    digest: &'a Digest<'a>,
    now: DateTime<Utc>,
    signer: Option<&'a Signer>,
}

impl Attempt<'_> {
    /// The message of the best `shown` papers, each as `fit` allows.
    fn shown(&self, fit: &Fit, shown: usize) -> Result<Composed, ComposeError> {
        let mut kept = self.digest.clone();
        kept.picks.truncate(shown);
        let rendered = self.renderer.render_within(&kept, self.newsletter, fit)?;
        let mut message = build_message(self.newsletter, &kept, &rendered, self.now)?;
        // Signed before it is measured: the signature is part of the size.
        if let Some(signer) = self.signer {
            signer.sign(&mut message);
        }
        // Measured, not estimated: quoted-printable can triple a non-ASCII byte.
        Ok(Composed { rendered, bytes: message.formatted(), shown })
    }

    /// The best `shown` papers without abstracts, ending with how many more matched.
    fn bare(&self, shown: usize) -> Result<Composed, ComposeError> {
        let digest = self.digest;
        let all = digest.picks.len();
        let more = (shown < all).then(|| More {
            count: all - shown,
            url: listing_page(digest, digest.picks[shown].paper),
        });
        self.shown(&Fit { no_abstracts: true, more, ..Fit::default() }, shown)
    }
}

/// Where a reader finds the papers a digest left out: the page the paper's source was
/// fetched from when it is one, else the Hub's daily page for the date.
fn listing_page(digest: &Digest<'_>, paper: &Paper) -> String {
    let fetched = digest.config.sources.iter().find(|source| source.name == paper.source).and_then(
        |source| match &source.location {
            Location::Url(_) => source.url_for(digest.date),
            Location::Path(_) => None,
        },
    );
    match (fetched.as_deref().and_then(page_of_url), digest.week) {
        (Some(page), _) => page,
        (None, Some(week)) => {
            format!("https://huggingface.co/papers/week/{}", week.monday.format("%G-W%V"))
        }
        (None, None) => hub_daily_page(digest.date),
    }
}

/// A listing URL as a reader's page: the Hub's API and arXiv's feeds have pages of their own;
/// an arXiv API query has none.
fn page_of_url(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str()?;
    let path = parsed.path();
    let on = |domain: &str| host == domain || host.ends_with(&format!(".{domain}"));
    if on("huggingface.co") && path.starts_with("/api/") {
        // `?date=2025-08-05` or `?week=2025-W32`: the Hub has a page for each.
        let (key, value) = parsed.query_pairs().find(|(key, _)| key == "date" || key == "week")?;
        return Some(format!("https://huggingface.co/papers/{key}/{value}"));
    }
    if on("arxiv.org") && (path.starts_with("/rss/") || path.starts_with("/atom/")) {
        let category = path.trim_start_matches("/rss/").trim_start_matches("/atom/");
        return Some(format!("https://arxiv.org/list/{category}/new"));
    }
    if on("arxiv.org") && path.starts_with("/api/") {
        return None;
    }
    // Every reader sees the link: a source's login or query (an API key, say) stays private.
    let private = !parsed.username().is_empty() || parsed.password().is_some();
    let public_page = on("huggingface.co") && path.starts_with("/papers");
    (!private && (public_page || parsed.query().is_none())).then(|| url.to_owned())
}

/// `https://huggingface.co/papers/date/2025-08-05`.
fn hub_daily_page(date: NaiveDate) -> String {
    format!("https://huggingface.co/papers/date/{}", date.format("%Y-%m-%d"))
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

    /// The sample's papers repeated under distinct titles until there are `count`.
    fn many(count: usize) -> Vec<Paper> {
        let sample = sample();
        (0..count)
            .map(|n| {
                let paper = &sample[n % sample.len()];
                let title = format!("{} (copy {})", paper.title, n / sample.len());
                Paper { id: crate::paper::PaperId::from_title(&title), title, ..paper.clone() }
            })
            .collect()
    }

    #[test]
    fn two_hundred_papers_leave_out_the_fewest_lowest_ranked_that_make_it_fit() {
        let config = config("\"model\", \"learning\", \"data\", \"the\", \"a\"", 200);
        let papers = many(200);
        let digest =
            Digest::for_each_subscriber(&config, &config.subscribers, &papers, date()).remove(0);
        assert_eq!(digest.picks.len(), 200);
        let renderer = Renderer::new(None, None).unwrap();
        let now = Utc.with_ymd_and_hms(2025, 8, 5, 6, 0, 0).unwrap();
        let done = compose(&renderer, &config.newsletter, &digest, now, None).unwrap();
        assert!(done.bytes.len() <= MAX_MESSAGE_BYTES, "{} bytes", done.bytes.len());
        assert!(done.shown > 0 && done.shown < 200, "{}", done.shown);
        assert_eq!(done.left_out(&digest), 200 - done.shown);
        let attempt = Attempt {
            renderer: &renderer,
            newsletter: &config.newsletter,
            digest: &digest,
            now,
            signer: None,
        };
        assert!(!attempt.bare(done.shown + 1).unwrap().fits(), "one paper more would have fitted");
        let text = &done.rendered.text;
        assert!(text.contains(&format!(
            "\n{} more papers matched today, all in the listing:\n\
             https://huggingface.co/papers/date/2025-08-05\n",
            200 - done.shown
        )));
        // The best stay: the shown papers are the digest's first, in order.
        let last_shown = &digest.picks[done.shown - 1].paper.title;
        let first_left_out = &digest.picks[done.shown].paper.title;
        let squashed = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(squashed.contains(&format!("{}. {last_shown}", done.shown)), "{squashed}");
        assert!(!squashed.contains(first_left_out.as_str()));
    }

    #[test]
    fn the_listing_page_is_the_page_a_source_was_fetched_from_else_the_hubs_day() {
        assert_eq!(
            page_of_url("https://huggingface.co/api/daily_papers?date=2025-08-05").as_deref(),
            Some("https://huggingface.co/papers/date/2025-08-05")
        );
        assert_eq!(
            page_of_url("https://huggingface.co/api/daily_papers?week=2025-W32").as_deref(),
            Some("https://huggingface.co/papers/week/2025-W32")
        );
        assert_eq!(
            page_of_url("https://rss.arxiv.org/rss/cs.CL").as_deref(),
            Some("https://arxiv.org/list/cs.CL/new")
        );
        assert_eq!(
            page_of_url("https://huggingface.co/papers?date=2025-08-05").as_deref(),
            Some("https://huggingface.co/papers?date=2025-08-05")
        );
        assert_eq!(page_of_url("http://export.arxiv.org/api/query?search_query=cat:cs.CL"), None);
        // Not the Hub's API, and a query that may hold a key: the Hub's day instead.
        assert_eq!(page_of_url("https://nothuggingface.co/api/x?date=1"), None);
        assert_eq!(
            page_of_url("https://nothuggingface.co/api/x").as_deref(),
            Some("https://nothuggingface.co/api/x")
        );
        assert_eq!(hub_daily_page(date()), "https://huggingface.co/papers/date/2025-08-05");
    }

    #[test]
    fn left_out_papers_of_a_fetched_source_link_to_its_page_and_of_a_file_to_the_hubs_day() {
        let text = "[newsletter]\ntitle = \"D\"\nfrom = \"d@example.org\"\n\
             [[sources]]\nname = \"arxiv\"\nurl = \"https://rss.arxiv.org/rss/cs.CL\"\n\
             [[sources]]\nname = \"page\"\nurl = \"https://huggingface.co/papers?date={date}\"\n\
             [[sources]]\nname = \"file\"\npath = \"listing.txt\"\n\
             [[sources]]\nname = \"keyed\"\nurl = \"https://feeds.example.org/d?key=SECRET&d={date}\"\n\
             [[sources]]\nname = \"login\"\nurl = \"https://me:pw@feeds.example.org/daily\"\n\
             [[sources]]\nname = \"plain\"\nurl = \"https://feeds.example.org/daily\"\n\
             [[subscribers]]\nemail = \"a@example.com\"\nkeywords = [\"x\"]\n";
        let config = Config::parse(text, Path::new("paperboy.toml")).unwrap();
        let digest = Digest {
            subscriber: &config.subscribers[0],
            date: date(),
            picks: Vec::new(),
            config: &config,
            week: None,
        };
        let paper = |source: &str| Paper { source: source.to_owned(), ..Paper::for_test("x") };
        let day = "https://huggingface.co/papers/date/2025-08-05";
        assert_eq!(listing_page(&digest, &paper("arxiv")), "https://arxiv.org/list/cs.CL/new");
        let page = "https://huggingface.co/papers?date=2025-08-05";
        assert_eq!(listing_page(&digest, &paper("page")), page);
        assert_eq!(listing_page(&digest, &paper("file")), day);
        assert_eq!(listing_page(&digest, &paper("--input")), day);
        // A source's query or login would be mailed to every reader.
        assert_eq!(listing_page(&digest, &paper("keyed")), day);
        assert_eq!(listing_page(&digest, &paper("login")), day);
        assert_eq!(listing_page(&digest, &paper("plain")), "https://feeds.example.org/daily");
        let monday = NaiveDate::from_ymd_opt(2025, 8, 4).unwrap();
        let week = crate::digest::Week { monday, covers: vec![monday] };
        let weekly = Digest { week: Some(&week), ..digest };
        assert_eq!(
            listing_page(&weekly, &paper("file")),
            "https://huggingface.co/papers/week/2025-W32"
        );
    }
}
