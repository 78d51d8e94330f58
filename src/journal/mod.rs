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
//! - `suppressions`: addresses a server refused for good, skipped until an operator lifts them.
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

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;

/// The migrations, in order: applying the first N gives schema version N.
const MIGRATIONS: [&str; 1] = [r#"
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    date        TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    ended_at    TEXT,
    -- running | ok | deferred | failed | stopped | interrupted
    outcome     TEXT NOT NULL,
    shard       TEXT,
    forced      INTEGER NOT NULL DEFAULT 0,
    sent        INTEGER NOT NULL DEFAULT 0,
    deferred    INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    skipped     INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE digests (
    date        TEXT NOT NULL,
    subscriber  TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'deferred', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_reply  TEXT,
    run_id      INTEGER REFERENCES runs(id),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    sent_at     TEXT,
    -- The ids of the papers the digest carried, a JSON array, set when it is sent.
    papers      TEXT,
    PRIMARY KEY (date, subscriber)
) WITHOUT ROWID;
CREATE INDEX digests_by_subscriber ON digests (subscriber, date);
-- One row per paper a subscriber was sent: "which papers has this reader had?" is
-- `SELECT paper_id FROM deliveries WHERE subscriber = ?`, through the index above.
CREATE VIEW deliveries (subscriber, paper_id, date, sent_at) AS
    SELECT d.subscriber, p.value, d.date, d.sent_at
    FROM digests d, json_each(d.papers) p
    WHERE d.status = 'sent';
CREATE TABLE suppressions (
    address     TEXT PRIMARY KEY,
    reply       TEXT NOT NULL,
    date        TEXT NOT NULL,
    since       TEXT NOT NULL
);
"#];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// What can go wrong with the journal.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// Another `send` holds the journal.
    #[error(
        "another `paperboy send` is running on the journal `{}`; this run sends nothing \
         (it exits at once so that two runs never deliver the same digests)",
        path.display()
    )]
    Busy {
        /// The journal file.
        path: PathBuf,
    },
    /// The journal was written by a newer paperboy.
    #[error(
        "the journal `{}` has schema version {found}, newer than this paperboy knows ({known}); \
         use a newer paperboy",
        path.display()
    )]
    TooNew {
        /// The journal file.
        path: PathBuf,
        /// Its version.
        found: u32,
        /// Ours.
        known: u32,
    },
    /// SQLite failed.
    #[error("journal `{}`: {source}", path.display())]
    Sqlite {
        /// The journal file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// The journal's folder or lock file could not be made or opened.
    #[error("cannot open `{}`: {source}", path.display())]
    Io {
        /// The folder or file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Where a digest stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
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
pub enum RunOutcome {
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunCounts {
    /// Digests delivered.
    pub sent: usize,
    /// Digests left for the next run.
    pub deferred: usize,
    /// Digests refused for good.
    pub failed: usize,
    /// Digests not sent because nothing matched.
    pub skipped: usize,
}

/// A run's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunId(i64);

/// What the journal knows of one digest before a run starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    /// Its status.
    pub status: Status,
    /// Attempts over every run.
    pub attempts: u32,
}

/// One digest, as `history` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DigestRecord {
    /// The listing date.
    pub date: String,
    /// The subscriber's address, lowercased.
    pub subscriber: String,
    /// Its Message-ID.
    pub message_id: String,
    /// Where it stands.
    pub status: Status,
    /// Attempts over every run.
    pub attempts: u32,
    /// The last reply from the server, or what went wrong.
    pub last_reply: Option<String>,
    /// When it was last changed (RFC 3339, UTC).
    pub updated_at: String,
    /// When the server accepted it.
    pub sent_at: Option<String>,
    /// The ids of the papers it carried (when sent).
    pub papers: Vec<String>,
}

/// One run, as `history` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunRecord {
    /// The run's number.
    pub id: i64,
    /// The listing date.
    pub date: String,
    /// RFC 3339, UTC.
    pub started_at: String,
    /// RFC 3339, UTC; none while running or when the run was killed.
    pub ended_at: Option<String>,
    /// `running`, `ok`, `deferred`, `failed`, `stopped`, or `interrupted` (killed).
    pub outcome: String,
    /// `K/N` when sharded.
    pub shard: Option<String>,
    /// Whether `--force` was given.
    pub forced: bool,
    /// Digests delivered.
    pub sent: i64,
    /// Digests left for the next run.
    pub deferred: i64,
    /// Digests refused for good.
    pub failed: i64,
    /// Subscribers with nothing to send.
    pub skipped: i64,
}

/// An address no run sends to until an operator lifts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// The address, lowercased.
    pub address: String,
    /// The server's refusal.
    pub reply: String,
    /// The digest date it was refused on.
    pub date: String,
    /// When (RFC 3339, UTC).
    pub since: String,
}

/// Which digests `history` shows.
#[derive(Debug, Clone, Default)]
pub struct HistoryFilter {
    /// Only this date.
    pub date: Option<NaiveDate>,
    /// Only this address (any case).
    pub subscriber: Option<String>,
}

/// Held for a whole `send`: an exclusive file lock (`File::try_lock`) on `paperboy.db.lock`,
/// which the OS releases when the process ends, however it ends, so a killed run never blocks
/// the next one. (A lock of its own rather than the journal's: the journal must stay writable
/// by the run's workers and readable by `history` meanwhile.)
pub struct RunLock {
    _holder: std::fs::File,
}

impl std::fmt::Debug for RunLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RunLock")
    }
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
pub fn address_key(address: &str) -> String {
    address.trim().to_lowercase()
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl RunLock {
    /// Takes the run lock beside the journal (`paperboy.db.lock`) without waiting: a second
    /// run gets [`JournalError::Busy`] at once.
    pub fn acquire(journal: &Path) -> Result<RunLock, JournalError> {
        let mut name = journal.as_os_str().to_owned();
        name.push(".lock");
        let path = PathBuf::from(name);
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|source| JournalError::Io { path: dir.to_owned(), source })?;
        }
        let holder = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|source| JournalError::Io { path: path.clone(), source })?;
        // No waiting: held means another run holds it.
        match holder.try_lock() {
            Ok(()) => Ok(RunLock { _holder: holder }),
            Err(std::fs::TryLockError::WouldBlock) => {
                Err(JournalError::Busy { path: journal.to_owned() })
            }
            Err(std::fs::TryLockError::Error(source)) => Err(JournalError::Io { path, source }),
        }
    }
}

impl Journal {
    /// Opens (creating if needed) the journal and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|source| JournalError::Io { path: dir.to_owned(), source })?;
        }
        let conn = Connection::open(path).map_err(|source| sqlite(path, source))?;
        let journal = Journal { conn, path: path.to_owned() };
        journal.configure()?;
        journal.migrate()?;
        Ok(journal)
    }

    /// Opens an existing journal for reading only; `None` when there is none yet.
    pub fn open_existing(path: &Path) -> Result<Option<Journal>, JournalError> {
        if !path.exists() {
            return Ok(None);
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| sqlite(path, source))?;
        let journal = Journal { conn, path: path.to_owned() };
        journal.conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(|e| journal.err(e))?;
        let version = journal.version()?;
        if version > SCHEMA_VERSION {
            return Err(JournalError::TooNew {
                path: path.to_owned(),
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        if version < SCHEMA_VERSION {
            // An older journal read by a newer paperboy: migrating needs a writer. Opening it
            // for writing only to migrate is what `send` does; a reader sees it as it is
            // after that, so do it here too.
            drop(journal);
            return Journal::open(path).map(Some);
        }
        Ok(Some(journal))
    }

    fn err(&self, source: rusqlite::Error) -> JournalError {
        sqlite(&self.path, source)
    }

    fn configure(&self) -> Result<(), JournalError> {
        // WAL: readers (`history`) never block the writer, and a commit is one append.
        // synchronous = NORMAL: a commit survives the process being killed at any moment
        // (the OS has the write); only a power cut can lose the last commits, and then a
        // digest is sent again, never skipped.
        self.conn
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                 PRAGMA foreign_keys = ON;",
            )
            .map_err(|e| self.err(e))?;
        self.conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(|e| self.err(e))
    }

    fn version(&self) -> Result<u32, JournalError> {
        self.conn
            .query_row("PRAGMA user_version", [], |row| row.get::<_, u32>(0))
            .map_err(|e| self.err(e))
    }

    fn migrate(&self) -> Result<(), JournalError> {
        let found = self.version()?;
        if found > SCHEMA_VERSION {
            return Err(JournalError::TooNew {
                path: self.path.clone(),
                found,
                known: SCHEMA_VERSION,
            });
        }
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            // Each step and its version bump commit together: a crash mid-migration leaves
            // the previous version, which the next open migrates again.
            let sql = format!(
                "BEGIN IMMEDIATE; {migration} PRAGMA user_version = {}; COMMIT;",
                index + 1
            );
            if let Err(source) = self.conn.execute_batch(&sql) {
                let _ = self.conn.execute_batch("ROLLBACK");
                return Err(self.err(source));
            }
        }
        Ok(())
    }

    /// The schema version on disk.
    pub fn schema_version(&self) -> Result<u32, JournalError> {
        self.version()
    }

    /// The dates of the runs that never ended (killed), before [`Journal::begin_run`] marks
    /// them `interrupted`: where a killed run may have left half-written files.
    pub fn unfinished_dates(&self) -> Result<Vec<NaiveDate>, JournalError> {
        let mut statement = self
            .conn
            .prepare("SELECT DISTINCT date FROM runs WHERE outcome = 'running' ORDER BY date")
            .map_err(|e| self.err(e))?;
        let rows = statement.query_map([], |row| row.get(0)).map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Records the start of a run. Runs that never ended (killed) are marked `interrupted`
    /// first, with the counts their digests show (a killed run never wrote its own): the
    /// caller holds the run lock, so none of them is still running.
    pub fn begin_run(
        &self,
        date: NaiveDate,
        shard: Option<&str>,
        forced: bool,
        now: DateTime<Utc>,
    ) -> Result<RunId, JournalError> {
        self.conn
            .execute(
                &format!(
                    "UPDATE runs SET outcome = 'interrupted', sent = {SENT}, deferred = {LEFT}, \
                     failed = {FAILED} WHERE outcome = 'running'"
                ),
                [],
            )
            .map_err(|e| self.err(e))?;
        self.conn
            .execute(
                "INSERT INTO runs (date, started_at, outcome, shard, forced) \
                 VALUES (?1, ?2, 'running', ?3, ?4)",
                params![date.to_string(), stamp(now), shard, forced],
            )
            .map_err(|e| self.err(e))?;
        Ok(RunId(self.conn.last_insert_rowid()))
    }

    /// Records how a run ended.
    pub fn end_run(
        &self,
        run: RunId,
        outcome: RunOutcome,
        counts: RunCounts,
        now: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        self.conn
            .execute(
                "UPDATE runs SET ended_at = ?2, outcome = ?3, sent = ?4, deferred = ?5, \
                 failed = ?6, skipped = ?7 WHERE id = ?1",
                params![
                    run.0,
                    stamp(now),
                    outcome.as_str(),
                    counts.sent as i64,
                    counts.deferred as i64,
                    counts.failed as i64,
                    counts.skipped as i64
                ],
            )
            .map_err(|e| self.err(e))?;
        // Fold the WAL back now and then, so it does not grow without bound between runs.
        let _ = self.conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE);");
        Ok(())
    }

    /// Every digest of `date` the journal knows, by lowercased address.
    pub fn digests_on(&self, date: NaiveDate) -> Result<HashMap<String, Known>, JournalError> {
        let mut statement = self
            .conn
            .prepare("SELECT subscriber, status, attempts FROM digests WHERE date = ?1")
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map([date.to_string()], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    Known {
                        status: Status::parse(&row.get::<_, String>(1)?),
                        attempts: row.get(2)?,
                    },
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The suppressed addresses, lowercased.
    pub fn suppressed(&self) -> Result<HashSet<String>, JournalError> {
        let mut statement =
            self.conn.prepare("SELECT address FROM suppressions").map_err(|e| self.err(e))?;
        let rows = statement.query_map([], |row| row.get(0)).map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// A run's plan: every digest it is about to deliver becomes `pending` (due, and not
    /// yet accepted by the server), in one transaction before the first message leaves. A
    /// digest already `sent` (a `--force` run) stays `sent` until the server takes it again,
    /// so a forced run cut short leaves nothing for the next plain run to repeat.
    ///
    /// From here on every change of a digest is its own transaction, and a digest leaves
    /// `pending` only with the server's answer: after a crash, whatever is still `pending`
    /// (in flight, or waiting its turn) is what the next run sends.
    pub fn plan(
        &self,
        run: RunId,
        date: NaiveDate,
        digests: &[(String, String)],
        now: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        let (date, now) = (date.to_string(), stamp(now));
        let commit = || -> rusqlite::Result<()> {
            let tx = self.conn.unchecked_transaction()?;
            {
                let mut upsert = tx.prepare_cached(
                    "INSERT INTO digests (date, subscriber, message_id, status, attempts, run_id, \
                     created_at, updated_at) VALUES (?1, ?2, ?3, 'pending', 0, ?4, ?5, ?5) \
                     ON CONFLICT (date, subscriber) DO UPDATE SET status = 'pending', \
                     message_id = ?3, run_id = ?4, updated_at = ?5 WHERE status <> 'sent'",
                )?;
                for (subscriber, message_id) in digests {
                    upsert.execute(params![
                        date,
                        address_key(subscriber),
                        message_id,
                        run.0,
                        now
                    ])?;
                }
            }
            tx.commit()
        };
        commit().map_err(|e| self.err(e))
    }

    /// A planned digest had nothing to send after all (no paper matched): its fresh
    /// `pending` row goes again. A row with a history (an earlier try) is left as it is.
    pub fn unplan(&self, date: NaiveDate, subscriber: &str) -> Result<(), JournalError> {
        self.conn
            .prepare_cached(
                "DELETE FROM digests WHERE date = ?1 AND subscriber = ?2 AND status = 'pending' \
                 AND attempts = 0 AND last_reply IS NULL",
            )
            .and_then(|mut statement| {
                statement.execute(params![date.to_string(), address_key(subscriber)])
            })
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The server accepted the digest in run `run`: `sent`, with its reply, one more attempt
    /// counted, and the papers it carried, in one transaction.
    pub fn mark_sent(
        &self,
        run: RunId,
        date: NaiveDate,
        subscriber: &str,
        reply: &str,
        papers: &[&str],
        now: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        let papers = serde_json::to_string(papers).unwrap_or_else(|_| "[]".to_owned());
        self.conn
            .prepare_cached(
                "UPDATE digests SET status = 'sent', attempts = attempts + 1, last_reply = ?3, \
                 updated_at = ?4, sent_at = ?4, papers = ?5, run_id = ?6 \
                 WHERE date = ?1 AND subscriber = ?2",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    date.to_string(),
                    address_key(subscriber),
                    reply,
                    stamp(now),
                    papers,
                    run.0
                ])
            })
            .and_then(planned)
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Temporary trouble in run `run`: `deferred` with what went wrong and one more attempt
    /// counted; the next run (or a retry in this one) sends it again. A digest a server
    /// accepted before (a `--force` run) keeps `sent`: see [`Journal::mark_failed`].
    pub fn mark_deferred(
        &self,
        run: RunId,
        date: NaiveDate,
        subscriber: &str,
        reply: &str,
        now: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        self.attempt_failed(run, date, subscriber, Status::Deferred, reply, now)
    }

    /// Records a digest that a stopped run never tried: `deferred`, no attempt counted.
    pub fn mark_untried(
        &self,
        run: RunId,
        date: NaiveDate,
        subscriber: &str,
        message_id: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        self.conn
            .prepare_cached(
                "INSERT INTO digests (date, subscriber, message_id, status, attempts, last_reply, \
                 run_id, created_at, updated_at) VALUES (?1, ?2, ?3, 'deferred', 0, ?4, ?5, ?6, ?6) \
                 ON CONFLICT (date, subscriber) DO UPDATE SET status = 'deferred', \
                 last_reply = ?4, run_id = ?5, updated_at = ?6 WHERE status <> 'sent'",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    date.to_string(),
                    address_key(subscriber),
                    message_id,
                    reason,
                    run.0,
                    stamp(now)
                ])
            })
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Refused for good in run `run`: `failed` with the reply and one more attempt counted;
    /// with `suppress`, the address is also kept from every later run until
    /// [`Journal::lift`], in the same transaction.
    ///
    /// A digest a server accepted before (a `--force` run trying it again) stays `sent`, and
    /// stays with the run that sent it: the failed try shows in its attempts and last reply
    /// only, so the next plain run does not deliver it a second time.
    pub fn mark_failed(
        &self,
        run: RunId,
        date: NaiveDate,
        subscriber: &str,
        reply: &str,
        suppress: bool,
        now: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        let key = address_key(subscriber);
        let commit = || -> rusqlite::Result<()> {
            let tx = self.conn.unchecked_transaction()?;
            tx.prepare_cached(FAILED_TRY)?
                .execute(params![date.to_string(), key, "failed", reply, stamp(now), run.0])
                .and_then(planned)?;
            if suppress {
                tx.prepare_cached(
                    "INSERT INTO suppressions (address, reply, date, since) VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT (address) DO UPDATE SET reply = ?2, date = ?3, since = ?4",
                )?
                .execute(params![key, reply, date.to_string(), stamp(now)])?;
            }
            tx.commit()
        };
        commit().map_err(|e| self.err(e))
    }

    fn attempt_failed(
        &self,
        run: RunId,
        date: NaiveDate,
        subscriber: &str,
        status: Status,
        reply: &str,
        now: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        self.conn
            .prepare_cached(FAILED_TRY)
            .and_then(|mut statement| {
                statement.execute(params![
                    date.to_string(),
                    address_key(subscriber),
                    status.as_str(),
                    reply,
                    stamp(now),
                    run.0
                ])
            })
            .and_then(planned)
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Of the papers `ids`, those each subscriber got in a digest dated before `date`, with
    /// that digest's date, keyed by address key: what picking leaves out so that nobody gets
    /// the same paper twice. Only today's papers are asked for and SQLite leaves out the
    /// rest, so the answer stays small however long the history (the `deliveries` view still
    /// unpacks every sent digest to find them).
    pub fn sent_before(
        &self,
        date: NaiveDate,
        ids: &[&str],
    ) -> Result<HashMap<String, crate::topic::SentPapers>, JournalError> {
        let wanted = serde_json::to_string(ids).unwrap_or_else(|_| "[]".to_owned());
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT subscriber, paper_id, MIN(date) FROM deliveries WHERE date < ?1 \
                 AND paper_id IN (SELECT value FROM json_each(?2)) GROUP BY subscriber, paper_id",
            )
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map(params![date.to_string(), wanted], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, NaiveDate>(2)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut history: HashMap<String, crate::topic::SentPapers> = HashMap::new();
        for row in rows {
            let (subscriber, paper, on) = row.map_err(|e| self.err(e))?;
            history.entry(subscriber).or_default().insert(crate::paper::PaperId::parse(&paper), on);
        }
        Ok(history)
    }

    /// The papers ever sent to `subscriber`, with the date of the digest that carried each,
    /// oldest first: what a later stage reads to never send a paper twice.
    pub fn papers_sent_to(
        &self,
        subscriber: &str,
    ) -> Result<Vec<(String, NaiveDate)>, JournalError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT paper_id, date FROM deliveries WHERE subscriber = ?1 ORDER BY date, paper_id",
            )
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map([address_key(subscriber)], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, NaiveDate>(1)?))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The digests `filter` selects, by date then address.
    pub fn digests(&self, filter: &HistoryFilter) -> Result<Vec<DigestRecord>, JournalError> {
        let date = filter.date.map(|d| d.to_string());
        let subscriber = filter.subscriber.as_deref().map(address_key);
        let mut statement = self
            .conn
            .prepare(
                "SELECT d.date, d.subscriber, d.message_id, d.status, d.attempts, d.last_reply, \
                 d.updated_at, d.sent_at, CASE d.status WHEN 'sent' THEN d.papers END \
                 FROM digests d WHERE (?1 IS NULL OR d.date = ?1) \
                 AND (?2 IS NULL OR d.subscriber = ?2) ORDER BY d.date, d.subscriber",
            )
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map(params![date, subscriber], |row| {
                let papers: Option<String> = row.get(8)?;
                let mut papers: Vec<String> =
                    papers.and_then(|ids| serde_json::from_str(&ids).ok()).unwrap_or_default();
                papers.sort();
                Ok(DigestRecord {
                    date: row.get(0)?,
                    subscriber: row.get(1)?,
                    message_id: row.get(2)?,
                    status: Status::parse(&row.get::<_, String>(3)?),
                    attempts: row.get(4)?,
                    last_reply: row.get(5)?,
                    updated_at: row.get(6)?,
                    sent_at: row.get(7)?,
                    papers,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The runs of `date` (or all), oldest first.
    pub fn runs(&self, date: Option<NaiveDate>) -> Result<Vec<RunRecord>, JournalError> {
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT id, date, started_at, ended_at, outcome, shard, forced, \
                     CASE outcome WHEN 'running' THEN {SENT} ELSE sent END, \
                     CASE outcome WHEN 'running' THEN {LEFT} ELSE deferred END, \
                     CASE outcome WHEN 'running' THEN {FAILED} ELSE failed END, \
                     skipped FROM runs WHERE (?1 IS NULL OR date = ?1) ORDER BY id"
            ))
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map([date.map(|d| d.to_string())], |row| {
                Ok(RunRecord {
                    id: row.get(0)?,
                    date: row.get(1)?,
                    started_at: row.get(2)?,
                    ended_at: row.get(3)?,
                    outcome: row.get(4)?,
                    shard: row.get(5)?,
                    forced: row.get(6)?,
                    sent: row.get(7)?,
                    deferred: row.get(8)?,
                    failed: row.get(9)?,
                    skipped: row.get(10)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Every suppressed address, in address order.
    pub fn suppressions(&self) -> Result<Vec<Suppression>, JournalError> {
        let mut statement = self
            .conn
            .prepare("SELECT address, reply, date, since FROM suppressions ORDER BY address")
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map([], |row| {
                Ok(Suppression {
                    address: row.get(0)?,
                    reply: row.get(1)?,
                    date: row.get(2)?,
                    since: row.get(3)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Lets `address` receive digests again; whether it was suppressed.
    pub fn lift(&self, address: &str) -> Result<bool, JournalError> {
        let removed = self
            .conn
            .execute("DELETE FROM suppressions WHERE address = ?1", [address_key(address)])
            .map_err(|e| self.err(e))?;
        Ok(removed > 0)
    }

    /// Lets every suppressed address receive digests again; how many there were.
    pub fn lift_all(&self) -> Result<usize, JournalError> {
        self.conn.execute("DELETE FROM suppressions", []).map_err(|e| self.err(e))
    }

    /// The status of one digest, if the journal has it.
    pub fn status(
        &self,
        date: NaiveDate,
        subscriber: &str,
    ) -> Result<Option<Status>, JournalError> {
        self.conn
            .query_row(
                "SELECT status FROM digests WHERE date = ?1 AND subscriber = ?2",
                params![date.to_string(), address_key(subscriber)],
                |row| row.get::<_, String>(0),
            )
            .optional()
            .map(|status| status.as_deref().map(Status::parse))
            .map_err(|e| self.err(e))
    }
}

/// One failed try of a digest (`?1` date, `?2` subscriber, `?3` the new status, `?4` reply,
/// `?5` now, `?6` the run): a digest once accepted keeps `sent` and its run.
const FAILED_TRY: &str = "UPDATE digests SET \
     status = CASE status WHEN 'sent' THEN 'sent' ELSE ?3 END, attempts = attempts + 1, \
     last_reply = ?4, updated_at = ?5, run_id = CASE status WHEN 'sent' THEN run_id ELSE ?6 END \
     WHERE date = ?1 AND subscriber = ?2";

/// The counts of a run that never wrote its own (killed, or still running), from the digests
/// it last touched; in a query on `runs`. Skipped digests leave no row, so they cannot be
/// counted, and a digest still `pending` is left for the next run like a deferred one.
const SENT: &str = "(SELECT count(*) FROM digests d WHERE d.date = runs.date \
     AND d.run_id = runs.id AND d.status = 'sent')";
const LEFT: &str = "(SELECT count(*) FROM digests d WHERE d.date = runs.date \
     AND d.run_id = runs.id AND d.status IN ('pending', 'deferred'))";
const FAILED: &str = "(SELECT count(*) FROM digests d WHERE d.date = runs.date \
     AND d.run_id = runs.id AND d.status = 'failed')";

/// An outcome must land on a digest the run planned; anything else is a bug worth an error.
fn planned(changed: usize) -> rusqlite::Result<usize> {
    if changed == 0 { Err(rusqlite::Error::QueryReturnedNoRows) } else { Ok(changed) }
}

fn sqlite(path: &Path, source: rusqlite::Error) -> JournalError {
    JournalError::Sqlite { path: path.to_owned(), source }
}

#[cfg(test)]
mod tests;
