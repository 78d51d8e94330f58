//! The read side: what `history`, `explain` and picking read back, and the operator's edits
//! of the suppression list.

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::params;
use serde::Serialize;

use super::{FAILED, Journal, JournalError, LEFT, RunCounts, SENT, Status, address_key};

/// One digest, as `history` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct DigestRecord {
    /// The listing date.
    pub(crate) date: String,
    /// The subscriber's address, lowercased.
    pub(crate) subscriber: String,
    pub(crate) message_id: String,
    pub(crate) status: Status,
    /// Attempts over every run.
    pub(crate) attempts: u32,
    /// The last reply from the server, or what went wrong.
    pub(crate) last_reply: Option<String>,
    /// When it was last changed (RFC 3339, UTC).
    pub(crate) updated_at: String,
    /// When the server accepted it.
    pub(crate) sent_at: Option<String>,
    /// The ids of the papers it carried (when sent).
    pub(crate) papers: Vec<String>,
    /// A weekly digest's week, its Monday (`2025-08-04`); none for a daily one.
    pub(crate) week: Option<String>,
    /// The listing dates a weekly digest covers, oldest first; empty for a daily one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) covers: Vec<String>,
}

/// One run, as `history` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct RunRecord {
    pub(crate) id: i64,
    /// The listing date.
    pub(crate) date: String,
    /// RFC 3339, UTC.
    pub(crate) started_at: String,
    /// RFC 3339, UTC; none while running or when the run was killed.
    pub(crate) ended_at: Option<String>,
    /// `running`, `ok`, `deferred`, `failed`, `stopped`, or `interrupted` (killed).
    pub(crate) outcome: String,
    /// `K/N` when sharded.
    pub(crate) shard: Option<String>,
    /// Whether `--force` was given.
    pub(crate) forced: bool,
    /// What the run did, as `send` counted it (or, for a run still running or killed, as its
    /// digests show).
    #[serde(flatten)]
    pub(crate) counts: RunCounts,
}

/// An address no run sends to until an operator lifts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Suppression {
    /// The address, lowercased.
    pub(crate) address: String,
    /// The server's refusal.
    pub(crate) reply: String,
    /// The digest date it was refused on.
    pub(crate) date: String,
    /// When (RFC 3339, UTC).
    pub(crate) since: String,
}

/// Which digests `history` shows.
#[derive(Debug, Clone, Default)]
pub(crate) struct HistoryFilter {
    /// Only this date.
    pub(crate) date: Option<NaiveDate>,
    /// Only this address (any case).
    pub(crate) subscriber: Option<String>,
}

impl Journal {
    /// Of the papers `ids`, those each subscriber got in a digest dated before `date`, with
    /// that digest's date, keyed by address key: what picking leaves out so that nobody gets
    /// the same paper twice. Only today's papers are asked for and SQLite leaves out the
    /// rest, so the answer stays small however long the history (the `deliveries` view still
    /// unpacks every sent digest to find them).
    pub(crate) fn sent_before(
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

    #[cfg(test)]
    /// The papers ever sent to `subscriber`, with the date of the digest that carried each,
    /// oldest first: what a later stage reads to never send a paper twice.
    pub(crate) fn papers_sent_to(
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
    pub(crate) fn digests(
        &self,
        filter: &HistoryFilter,
    ) -> Result<Vec<DigestRecord>, JournalError> {
        let date = filter.date.map(|d| d.to_string());
        let subscriber = filter.subscriber.as_deref().map(address_key);
        let mut statement = self
            .conn
            .prepare(
                "SELECT d.date, d.subscriber, d.message_id, d.status, d.attempts, d.last_reply, \
                 d.updated_at, d.sent_at, CASE d.status WHEN 'sent' THEN d.papers END, \
                 d.week, d.covers FROM digests d WHERE (?1 IS NULL OR d.date = ?1) \
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
                    week: row.get(9)?,
                    covers: row
                        .get::<_, Option<String>>(10)?
                        .and_then(|days| serde_json::from_str(&days).ok())
                        .unwrap_or_default(),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The runs of `date` (or all), oldest first.
    pub(crate) fn runs(&self, date: Option<NaiveDate>) -> Result<Vec<RunRecord>, JournalError> {
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
                    counts: RunCounts {
                        sent: count(row, 7)?,
                        deferred: count(row, 8)?,
                        failed: count(row, 9)?,
                        skipped: count(row, 10)?,
                    },
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Every suppressed address, in address order.
    pub(crate) fn suppressions(&self) -> Result<Vec<Suppression>, JournalError> {
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
    pub(crate) fn lift(&self, address: &str) -> Result<bool, JournalError> {
        let removed = self
            .conn
            .execute("DELETE FROM suppressions WHERE address = ?1", [address_key(address)])
            .map_err(|e| self.err(e))?;
        Ok(removed > 0)
    }

    /// Lets every suppressed address receive digests again; how many there were.
    pub(crate) fn lift_all(&self) -> Result<usize, JournalError> {
        self.conn.execute("DELETE FROM suppressions", []).map_err(|e| self.err(e))
    }

    #[cfg(test)]
    /// The status of one digest, if the journal has it.
    pub(crate) fn status(
        &self,
        date: NaiveDate,
        subscriber: &str,
    ) -> Result<Option<Status>, JournalError> {
        use rusqlite::OptionalExtension;
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

/// A count the journal stores as an SQLite integer; only `send` writes them, never below 0.
fn count(row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<usize> {
    let stored: i64 = row.get(at)?;
    usize::try_from(stored).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(at, stored))
}
