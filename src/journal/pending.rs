//! Sign-ups waiting for confirmation: one row per confirmation mail, so that
//! `subscriber list --pending` can show them and a link confirms at most once.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Journal, JournalError, address_key, stamp};

/// A confirmation mail sent and not yet followed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct PendingSignup {
    pub(crate) address: String,
    /// The settings asked for, as JSON.
    pub(crate) request: String,
    pub(crate) requested_at: String,
    pub(crate) expires_at: String,
}

/// Rows this long past their expiry are dropped when the next sign-up is recorded.
const KEPT_AFTER_EXPIRY_DAYS: i64 = 7;

impl Journal {
    /// Records a confirmation mail about to be sent.
    pub(crate) fn record_pending(
        &self,
        token: &str,
        address: &str,
        request: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        let stale = now - chrono::Duration::days(KEPT_AFTER_EXPIRY_DAYS);
        self.conn
            .execute("DELETE FROM pending WHERE expires_at < ?1", [stamp(stale)])
            .map_err(|e| self.err(e))?;
        self.conn
            .execute(
                "INSERT OR REPLACE INTO pending \
                 (token, address, request, requested_at, expires_at, confirmed_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, NULL)",
                params![token, address_key(address), request, stamp(now), stamp(expires)],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Marks the sign-up of `token` confirmed; false when it was confirmed before, so that a
    /// second click on the same link changes nothing.
    pub(crate) fn confirm_pending(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, JournalError> {
        if self.confirmed(token)? {
            return Ok(false);
        }
        // A link whose row was dropped (or a journal replaced) still confirms once: the
        // token alone proves the reader asked.
        self.conn
            .execute(
                "INSERT INTO pending (token, address, request, requested_at, expires_at, \
                 confirmed_at) VALUES (?1, '', '', ?2, ?2, ?2) \
                 ON CONFLICT (token) DO UPDATE SET confirmed_at = ?2",
                params![token, stamp(now)],
            )
            .map_err(|e| self.err(e))?;
        Ok(true)
    }

    /// Whether the sign-up of `token` was confirmed already.
    pub(crate) fn confirmed(&self, token: &str) -> Result<bool, JournalError> {
        let confirmed: Option<Option<String>> = self
            .conn
            .query_row("SELECT confirmed_at FROM pending WHERE token = ?1", [token], |row| {
                row.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(matches!(confirmed, Some(Some(_))))
    }

    /// The sign-ups not confirmed and not expired at `now`, oldest first.
    pub(crate) fn pending(&self, now: DateTime<Utc>) -> Result<Vec<PendingSignup>, JournalError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT address, request, requested_at, expires_at FROM pending \
                 WHERE confirmed_at IS NULL AND expires_at >= ?1 ORDER BY requested_at, address",
            )
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map([stamp(now)], |row| {
                Ok(PendingSignup {
                    address: row.get(0)?,
                    request: row.get(1)?,
                    requested_at: row.get(2)?,
                    expires_at: row.get(3)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_link_confirms_once_and_leaves_the_pending_list() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(&dir.path().join("paperboy.db")).unwrap();
        let now = Utc.with_ymd_and_hms(2025, 8, 5, 6, 0, 0).unwrap();
        let later = now + chrono::Duration::hours(48);
        journal.record_pending("t1", "Ana@Example.com", "{}", now, later).unwrap();
        journal.record_pending("t2", "bo@example.com", "{}", now, now).unwrap();
        let listed = journal.pending(now + chrono::Duration::hours(1)).unwrap();
        assert_eq!(listed.len(), 1, "the expired one is not waiting any more: {listed:?}");
        assert_eq!(listed[0].address, "ana@example.com");
        assert!(journal.confirm_pending("t1", now).unwrap());
        assert!(!journal.confirm_pending("t1", now).unwrap());
        assert!(journal.pending(now).unwrap().iter().all(|p| p.address != "ana@example.com"));
        assert!(journal.confirm_pending("never-recorded", now).unwrap());
        assert!(!journal.confirm_pending("never-recorded", now).unwrap());
    }
}
