//! The journal's schema and its forward migrations, and opening a journal file.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::{Journal, JournalError, sqlite};

/// The migrations, in order: applying the first N gives schema version N.
const MIGRATIONS: [&str; 5] = [
    r#"
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
"#,
    // 2: the papers each run read, for weekly digests and for naming voted papers.
    r#"
CREATE TABLE listings (
    date        TEXT NOT NULL,
    paper       TEXT NOT NULL,
    -- The Paper as JSON.
    record      TEXT NOT NULL,
    PRIMARY KEY (date, paper)
) WITHOUT ROWID;
CREATE INDEX listings_by_paper ON listings (paper, date);
"#,
    // 3: readers' votes on papers ("more like this", "fewer like this"), one per paper.
    r#"
CREATE TABLE votes (
    subscriber  TEXT NOT NULL,
    paper       TEXT NOT NULL,
    vote        TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    -- The day the vote was cast (UTC), and the instant.
    date        TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (subscriber, paper)
) WITHOUT ROWID;
"#,
    // 4: sign-ups waiting for the reader to confirm from the mail.
    r#"
CREATE TABLE pending (
    -- The confirmation link's token: one row per mail sent.
    token         TEXT PRIMARY KEY,
    address       TEXT NOT NULL,
    -- The settings asked for, as signed into the link (JSON).
    request       TEXT NOT NULL,
    requested_at  TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    confirmed_at  TEXT
) WITHOUT ROWID;
CREATE INDEX pending_by_address ON pending (address);
"#,
    // 5: a weekly digest names its week (the Monday, ISO) and the listing dates it covers;
    // a daily one leaves both empty.
    r#"
ALTER TABLE digests ADD COLUMN week TEXT;
ALTER TABLE digests ADD COLUMN covers TEXT;
"#,
];

/// The schema version this build writes.
pub(crate) const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

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
    pub(crate) fn open_existing(path: &Path) -> Result<Option<Journal>, JournalError> {
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

    #[cfg(test)]
    /// The schema version on disk.
    pub(crate) fn schema_version(&self) -> Result<u32, JournalError> {
        self.version()
    }
}
