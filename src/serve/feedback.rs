//! The vote links ("more like this", "fewer like this") as `serve` answers them.
//!
//! A GET shows a page naming the paper with one button, and records nothing: mail scanners
//! follow every link they see. The button POSTs to the link's own URL, as an RFC 8058
//! one-click client POSTs to the unsubscribe link, and the POST records the vote in the
//! journal, once however often it comes. A link whose token does not cover its address,
//! paper and vote is refused (403) before anything is read; a paper no listing holds is 404.
//!
//! The journal is opened per request, for one short read or one short write, so a `send`
//! running on the same journal (WAL) and a vote never wait on each other for long.

use std::path::PathBuf;
use std::sync::Arc;

use axum::http::{Method, StatusCode};

use crate::clock::Clock;
use crate::config::{Config, ConfigError};
use crate::feedback::verify;
use crate::http;
use crate::journal::{Journal, JournalError, Recorded, VoteKind};
use crate::paper::{Paper, PaperId};
use crate::render::escape_html;
use crate::token::{LEGACY_SECRET_ENV, SECRET_ENV, Secret};
use crate::unsubscribe::{Hole, LinkPattern};

/// What every vote request needs; shared by all of them.
pub(crate) struct Votes {
    pattern: LinkPattern,
    secret: Secret,
    journal: PathBuf,
    clock: Clock,
}

/// A page: its status, its title and its body (HTML).
pub(crate) type Page = (StatusCode, &'static str, String);

impl Votes {
    /// The vote links the config has, if any; a config error when they cannot be answered.
    pub(crate) fn from_config(config: &Config, clock: Clock) -> Result<Option<Votes>, ConfigError> {
        let Some(template) = &config.newsletter.feedback_url else { return Ok(None) };
        let problem = |message: String| {
            ConfigError::one(&config.path, None, Some("newsletter.feedback_url"), message)
        };
        let secret = Secret::from_env().ok_or_else(|| {
            problem(format!("uses {{token}}, and {SECRET_ENV} (or {LEGACY_SECRET_ENV}) is not set"))
        })?;
        let pattern = LinkPattern::any(template).map_err(problem)?.with_optional(Hole::Token);
        Ok(Some(Votes { pattern, secret, journal: config.delivery.state.clone(), clock }))
    }

    /// The answer to `target` when it is a vote link; `None` when it is not one.
    pub(crate) async fn answer(self: &Arc<Self>, method: &Method, target: &str) -> Option<Page> {
        let parts = self.pattern.parse(target)?;
        let (Some(paper), Some(vote)) = (parts.paper, parts.vote) else { return None };
        let Some(vote) = VoteKind::parse(&vote) else {
            return Some((StatusCode::NOT_FOUND, TITLE, "There is no page here.".into()));
        };
        let valid = parts
            .token
            .as_deref()
            .is_some_and(|token| verify(&self.secret, &parts.email, &paper, vote, token));
        if !valid {
            return Some((
                StatusCode::FORBIDDEN,
                TITLE,
                "This link is not valid; nothing was recorded. Use the link in your digest.".into(),
            ));
        }
        let ballot = Ballot { email: parts.email, paper: PaperId::parse(&paper), vote };
        Some(match *method {
            Method::GET | Method::HEAD => self.confirm(ballot).await,
            Method::POST => self.record(ballot).await,
            _ => (StatusCode::METHOD_NOT_ALLOWED, TITLE, "Use the link in your digest.".into()),
        })
    }

    /// The page with the button; reads the journal, writes nothing.
    async fn confirm(self: &Arc<Self>, ballot: Ballot) -> Page {
        let votes = Arc::clone(self);
        let paper = ballot.paper.clone();
        let found = http::blocking(move || votes.listed(&paper)).await;
        let paper = match found.and_then(|found| Ok(found?)) {
            Ok(Some(paper)) => paper,
            Ok(None) => return unknown_paper(),
            Err(err) => return failure(&ballot, &err),
        };
        let (question, button) = match ballot.vote {
            VoteKind::Up => ("More papers like", "More like this"),
            VoteKind::Down => ("Fewer papers like", "Fewer like this"),
        };
        let body = format!(
            "{question} <strong>{}</strong> in the digest of {}?\n\
             <form method=\"post\"><button type=\"submit\">{button}</button></form>",
            escape_html(&paper.title),
            escape_html(&ballot.email),
        );
        (StatusCode::OK, TITLE, body)
    }

    /// Records the vote; the same vote again changes nothing and says the same.
    async fn record(self: &Arc<Self>, ballot: Ballot) -> Page {
        let votes = Arc::clone(self);
        let (email, paper, vote) = (ballot.email.clone(), ballot.paper.clone(), ballot.vote);
        let done = http::blocking(move || -> Result<Option<(Paper, Recorded)>, JournalError> {
            let Some(paper) = votes.listed(&paper)? else { return Ok(None) };
            let journal = Journal::open(&votes.journal)?;
            let recorded = journal.record_vote(&email, &paper.id, vote, votes.clock.now())?;
            Ok(Some((paper, recorded)))
        })
        .await;
        let (paper, recorded) = match done.and_then(|done| Ok(done?)) {
            Ok(Some(done)) => done,
            Ok(None) => return unknown_paper(),
            Err(err) => return failure(&ballot, &err),
        };
        if recorded != Recorded::Same {
            eprintln!("vote {} on {} by {}", vote.as_str(), paper.id, ballot.email);
        }
        let what = match vote {
            VoteKind::Up => "more",
            VoteKind::Down => "fewer",
        };
        let body =
            format!("Noted: {what} papers like <strong>{}</strong>.", escape_html(&paper.title));
        (StatusCode::OK, TITLE, body)
    }

    /// The paper as a listing last gave it; `None` when no listing (or no journal) has it.
    fn listed(&self, paper: &PaperId) -> Result<Option<Paper>, JournalError> {
        match Journal::open_existing(&self.journal)? {
            Some(journal) => journal.listed_paper(paper),
            None => Ok(None),
        }
    }
}

const TITLE: &str = "Your vote";

/// A vote as a link casts it.
struct Ballot {
    email: String,
    paper: PaperId,
    vote: VoteKind,
}

fn unknown_paper() -> Page {
    (StatusCode::NOT_FOUND, TITLE, "paperboy knows no such paper; nothing was recorded.".into())
}

fn failure(ballot: &Ballot, err: &anyhow::Error) -> Page {
    crate::messages::error(format!("vote on {} by {}: {err:#}", ballot.paper, ballot.email));
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        TITLE,
        "Something went wrong; nothing was recorded. Please try again later.".into(),
    )
}
