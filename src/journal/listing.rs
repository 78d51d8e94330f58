//! The listings: every paper each run read, by date, so that a weekly digest can rank a week
//! of papers together and `serve` can name a paper a reader votes on.

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};

use super::{Journal, JournalError};
use crate::paper::{Paper, PaperId};

impl Journal {
    /// Records the papers listed on `date`, replacing what an earlier run of the day recorded
    /// of the same papers (a rerun may see more upvotes). One transaction.
    pub(crate) fn record_listing(
        &self,
        date: NaiveDate,
        papers: &[Paper],
    ) -> Result<(), JournalError> {
        let transaction = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        {
            let mut insert = transaction
                .prepare_cached(
                    "INSERT OR REPLACE INTO listings (date, paper, record) VALUES (?1, ?2, ?3)",
                )
                .map_err(|e| self.err(e))?;
            for paper in papers {
                let record = serde_json::to_string(paper).expect("a Paper serializes to JSON");
                insert
                    .execute(params![date.to_string(), paper.id.as_str(), record])
                    .map_err(|e| self.err(e))?;
            }
        }
        transaction.commit().map_err(|e| self.err(e))
    }

    /// The papers listed from `first` to `last` (both included), by date then in the order
    /// of their ids; a paper listed on several of those days comes once per day.
    pub(crate) fn listed_between(
        &self,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<(NaiveDate, Paper)>, JournalError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT date, record FROM listings WHERE date BETWEEN ?1 AND ?2 \
                 ORDER BY date, paper",
            )
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map(params![first.to_string(), last.to_string()], |row| {
                Ok((row.get::<_, NaiveDate>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(|e| self.err(e))?;
        let mut listed = Vec::new();
        for row in rows {
            let (date, record) = row.map_err(|e| self.err(e))?;
            listed.push((date, self.paper_from(&record)?));
        }
        Ok(listed)
    }

    /// The dates from `first` to `last` that have a recorded listing.
    pub(crate) fn listing_dates(
        &self,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<NaiveDate>, JournalError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT date FROM listings WHERE date BETWEEN ?1 AND ?2 ORDER BY date",
            )
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map(params![first.to_string(), last.to_string()], |row| row.get(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Marks the digests of `date` planned for weekly readers (address, Monday of the week,
    /// the listing dates covered) as weekly, for `history`. One transaction, right after the
    /// plan.
    pub(crate) fn label_weeks(
        &self,
        date: NaiveDate,
        weekly: &[(String, NaiveDate, Vec<NaiveDate>)],
    ) -> Result<(), JournalError> {
        if weekly.is_empty() {
            return Ok(());
        }
        let transaction = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        {
            let mut update = transaction
                .prepare_cached(
                    "UPDATE digests SET week = ?3, covers = ?4 WHERE date = ?1 AND subscriber = ?2",
                )
                .map_err(|e| self.err(e))?;
            for (address, monday, covers) in weekly {
                let covers: Vec<String> = covers.iter().map(NaiveDate::to_string).collect();
                let covers = serde_json::to_string(&covers).expect("strings serialize to JSON");
                update
                    .execute(params![
                        date.to_string(),
                        super::address_key(address),
                        monday.to_string(),
                        covers
                    ])
                    .map_err(|e| self.err(e))?;
            }
        }
        transaction.commit().map_err(|e| self.err(e))
    }

    /// The paper with this id as it was last listed, if any run recorded it.
    pub(crate) fn listed_paper(&self, id: &PaperId) -> Result<Option<Paper>, JournalError> {
        let record: Option<String> = self
            .conn
            .query_row(
                "SELECT record FROM listings WHERE paper = ?1 ORDER BY date DESC LIMIT 1",
                params![id.as_str()],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        record.map(|record| self.paper_from(&record)).transpose()
    }

    fn paper_from(&self, record: &str) -> Result<Paper, JournalError> {
        let mut paper: Paper = serde_json::from_str(record).map_err(|err| {
            self.err(rusqlite::Error::FromSqlConversionFailure(
                0,
                rusqlite::types::Type::Text,
                Box::new(err),
            ))
        })?;
        if paper.sources.is_empty() {
            // A paper from one source is recorded without the list of one.
            paper.sources = vec![paper.source.clone()];
        }
        Ok(paper)
    }
}
