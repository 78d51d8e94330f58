//! The run journal: what every `send` did, in SQLite, so that a rerun, a crash or a second
//! run at the same time never loses or repeats a digest, and the operator can look back.
//!
//! One file (`delivery.state`, default `paperboy.db`) in WAL mode holds:
//!
//! - `runs`: one row per `send` (date, start, end, outcome, counts);
//! - `digests`: one row per (date, subscriber) with the Message-ID, the status (`pending`
//!   while a delivery is under way, then `sent`, `deferred` or `failed`), the attempts, the
//!   last SMTP reply and the times;
//! - `deliveries`: a view of (subscriber, paper id, date, sent at) for every paper a
//!   subscriber was sent, so a later stage can ask "which papers has this person already
//!   had?" (the ids are stored with their digest, so marking a digest sent writes one row);
//! - `suppressions`: addresses a server refused for good, skipped until an operator lifts them;
//! - `listings`: every paper each run read, by date, as JSON: what a weekly digest ranks and
//!   what `serve` names when a reader votes on a paper;
//! - `votes`: each reader's "more like this" / "fewer like this" on a paper, one per paper.
//! - `pending`: sign-ups from `serve`'s form waiting for the reader to confirm, so the
//!   config lists nobody who did not ask.
//!
//! `digests` is `WITHOUT ROWID`, clustered on (date, subscriber), and its index on the
//! subscriber is written when a run plans its digests, never when one changes status: the
//! commit that records a delivery writes one B-tree page.
//!
//! A run first records its plan, every due digest `pending`, in one transaction; from then
//! on every change of a digest is its own committed transaction, and a digest becomes `sent`
//! only after the server accepted it. After a crash anything not `sent` is sent again (with
//! the same Message-ID). The schema carries a version (`PRAGMA user_version`) and migrates
//! forward on open.
//!
//! This module stores and reads; it never sends, renders or decides what to retry.

mod history;
mod listing;
mod lock;
mod pending;
mod schema;
mod votes;
mod write;

use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::Connection;
use serde::Serialize;

pub(crate) use history::{DigestRecord, HistoryFilter, RunRecord};
pub(crate) use lock::RunLock;
#[allow(unused_imports, reason = "read by similarity ranking, which is being built")]
pub(crate) use votes::VotedPapers;
pub(crate) use votes::{Recorded, Vote, VoteKind};

/// What can go wrong with the journal.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// Another `send` holds the journal.
    #[error(
        "another `paperboy send` is running on the journal `{}`; this run sends nothing \
         (it exits at once so that two runs never deliver the same digests)",
        path.display()
    )]
    Busy { path: PathBuf },
    /// The journal was written by a newer paperboy.
    #[error(
        "the journal `{}` has schema version {found}, newer than this paperboy knows ({known}); \
         use a newer paperboy",
        path.display()
    )]
    TooNew { path: PathBuf, found: u32, known: u32 },
    /// SQLite failed.
    #[error("journal `{}`: {source}", path.display())]
    Sqlite { path: PathBuf, source: rusqlite::Error },
    /// The journal's folder or lock file could not be made or opened.
    #[error("cannot open `{}`: {source}", path.display())]
    Io {
        /// The folder or file.
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Where a digest stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    /// Due in a run and not (yet) accepted by the server: waiting its turn, in flight, or
    /// cut short by a crash. The next run sends it again.
    Pending,
    /// The server accepted it (or the outbox file was written).
    Sent,
    /// Temporary trouble; the next run retries it.
    Deferred,
    /// Refused for good in its run.
    Failed,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Sent => "sent",
            Status::Deferred => "deferred",
            Status::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Status {
        match text {
            "sent" => Status::Sent,
            "deferred" => Status::Deferred,
            "failed" => Status::Failed,
            // The CHECK constraint allows nothing else.
            _ => Status::Pending,
        }
    }
}

/// How a run ended, as `history` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RunOutcome {
    /// Every digest was delivered (or needed no delivery).
    Ok,
    /// Some digest was deferred; nothing failed for good.
    Deferred,
    /// Some digest failed for good.
    Failed,
    /// Too many failures in a row stopped the run early.
    Stopped,
}

impl RunOutcome {
    fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Ok => "ok",
            RunOutcome::Deferred => "deferred",
            RunOutcome::Failed => "failed",
            RunOutcome::Stopped => "stopped",
        }
    }
}

/// What a run reports when it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub(crate) struct RunCounts {
    /// Digests delivered.
    pub(crate) sent: usize,
    /// Digests left for the next run.
    pub(crate) deferred: usize,
    /// Digests refused for good.
    pub(crate) failed: usize,
    /// Digests not sent because nothing matched.
    pub(crate) skipped: usize,
}

/// A run's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunId(i64);

/// What the journal knows of one digest before a run starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Known {
    pub(crate) status: Status,
    /// Attempts over every run.
    pub(crate) attempts: u32,
}

/// An open journal.
pub struct Journal {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").field("path", &self.path).finish_non_exhaustive()
    }
}

/// Addresses are kept lowercased: `Alice@Example.com` and `alice@example.com` are one reader.
pub(crate) fn address_key(address: &str) -> String {
    address.trim().to_lowercase()
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Journal {
    fn err(&self, source: rusqlite::Error) -> JournalError {
        sqlite(&self.path, source)
    }
}

/// The counts of a run that never wrote its own (killed, or still running), from the digests
/// it last touched; in a query on `runs`. Skipped digests leave no row, so they cannot be
/// counted, and a digest still `pending` is left for the next run like a deferred one.
const SENT: &str = "(SELECT count(*) FROM digests d WHERE d.date = runs.date \
     AND d.run_id = runs.id AND d.status = 'sent')";
const LEFT: &str = "(SELECT count(*) FROM digests d WHERE d.date = runs.date \
     AND d.run_id = runs.id AND d.status IN ('pending', 'deferred'))";
const FAILED: &str = "(SELECT count(*) FROM digests d WHERE d.date = runs.date \
     AND d.run_id = runs.id AND d.status = 'failed')";

fn sqlite(path: &Path, source: rusqlite::Error) -> JournalError {
    JournalError::Sqlite { path: path.to_owned(), source }
}

#[cfg(test)]
mod tests;
