//! The write side: what a `send` run records, each change of a digest its own transaction,
//! and the few reads the run makes before it starts.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::params;

use super::{
    FAILED, Journal, JournalError, Known, LEFT, RunCounts, RunId, RunOutcome, SENT, Status,
    address_key, stamp,
};

impl Journal {
    /// The dates of the runs that never ended (killed), before [`Journal::begin_run`] marks
    /// them `interrupted`: where a killed run may have left half-written files.
    pub(crate) fn unfinished_dates(&self) -> Result<Vec<NaiveDate>, JournalError> {
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
    pub(crate) fn end_run(
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
    pub(crate) fn digests_on(
        &self,
        date: NaiveDate,
    ) -> Result<HashMap<String, Known>, JournalError> {
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
    pub(crate) fn suppressed(&self) -> Result<HashSet<String>, JournalError> {
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
    pub(crate) fn unplan(&self, date: NaiveDate, subscriber: &str) -> Result<(), JournalError> {
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
    pub(crate) fn mark_deferred(
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
    pub(crate) fn mark_untried(
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
    pub(crate) fn mark_failed(
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
}

/// One failed try of a digest (`?1` date, `?2` subscriber, `?3` the new status, `?4` reply,
/// `?5` now, `?6` the run): a digest once accepted keeps `sent` and its run.
const FAILED_TRY: &str = "UPDATE digests SET \
     status = CASE status WHEN 'sent' THEN 'sent' ELSE ?3 END, attempts = attempts + 1, \
     last_reply = ?4, updated_at = ?5, run_id = CASE status WHEN 'sent' THEN run_id ELSE ?6 END \
     WHERE date = ?1 AND subscriber = ?2";

/// An outcome must land on a digest the run planned; anything else is a bug worth an error.
fn planned(changed: usize) -> rusqlite::Result<usize> {
    if changed == 0 { Err(rusqlite::Error::QueryReturnedNoRows) } else { Ok(changed) }
}
