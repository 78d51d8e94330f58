//! Readers' votes on papers: "more like this" and "fewer like this" from the links in a
//! digest, one vote per (subscriber, paper), a later vote replacing an earlier one.
//!
//! Each statement here is its own short transaction, so `serve` recording a vote never holds
//! up a `send` writing to the same journal (WAL lets them take turns in milliseconds).

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Journal, JournalError, address_key, stamp};
use crate::paper::{Paper, PaperId};

pub(crate) use crate::paper::VoteKind;

/// One reader's vote on one paper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Vote {
    /// The reader's address, lowercased.
    pub(crate) subscriber: String,
    pub(crate) paper: PaperId,
    pub(crate) vote: VoteKind,
    /// The day it was cast (UTC).
    pub(crate) date: NaiveDate,
    /// When it was cast, RFC 3339.
    pub(crate) at: String,
}

/// A reader's votes as papers: what ranking takes as liked and disliked documents.
#[derive(Debug, Default)]
pub(crate) struct VotedPapers {
    /// Papers voted "more like this", newest vote first.
    pub(crate) liked: Vec<(Vote, Paper)>,
    /// Papers voted "fewer like this", newest vote first.
    pub(crate) disliked: Vec<(Vote, Paper)>,
}

/// What recording a vote did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recorded {
    /// The first vote of this reader on this paper.
    New,
    /// It replaced the other vote.
    Changed,
    /// The same vote was already there (a repeated POST); nothing changed.
    Same,
}

impl Journal {
    /// Records `subscriber`'s vote on `paper` at `at`, replacing another vote on the same
    /// paper; the same vote again keeps the first one's time. One statement, one transaction.
    pub(crate) fn record_vote(
        &self,
        subscriber: &str,
        paper: &PaperId,
        vote: VoteKind,
        at: DateTime<Utc>,
    ) -> Result<Recorded, JournalError> {
        let subscriber = address_key(subscriber);
        let before: Option<String> = self
            .conn
            .query_row(
                "SELECT vote FROM votes WHERE subscriber = ?1 AND paper = ?2",
                params![subscriber, paper.as_str()],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        if before.as_deref() == Some(vote.as_str()) {
            return Ok(Recorded::Same);
        }
        // The upsert keeps the row whatever happened between the read and here: a second
        // POST racing this one writes the same vote.
        self.conn
            .execute(
                "INSERT INTO votes (subscriber, paper, vote, date, at) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (subscriber, paper) DO UPDATE SET vote = excluded.vote, \
                 date = excluded.date, at = excluded.at WHERE vote <> excluded.vote",
                params![
                    subscriber,
                    paper.as_str(),
                    vote.as_str(),
                    at.date_naive().to_string(),
                    stamp(at)
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(if before.is_some() { Recorded::Changed } else { Recorded::New })
    }

    /// One reader's votes, newest first.
    pub(crate) fn votes_of(&self, subscriber: &str) -> Result<Vec<Vote>, JournalError> {
        self.select_votes(
            "SELECT subscriber, paper, vote, date, at FROM votes WHERE subscriber = ?1 \
             ORDER BY at DESC, paper",
            &[&address_key(subscriber)],
        )
    }

    /// Every reader's votes, by reader, newest first.
    pub(crate) fn all_votes(&self) -> Result<Vec<Vote>, JournalError> {
        self.select_votes(
            "SELECT subscriber, paper, vote, date, at FROM votes ORDER BY subscriber, at DESC, paper",
            &[],
        )
    }

    /// Removes a reader's votes, or only the one on `paper`; how many went.
    pub(crate) fn forget_votes(
        &self,
        subscriber: &str,
        paper: Option<&PaperId>,
    ) -> Result<usize, JournalError> {
        let subscriber = address_key(subscriber);
        match paper {
            Some(paper) => self.conn.execute(
                "DELETE FROM votes WHERE subscriber = ?1 AND paper = ?2",
                params![subscriber, paper.as_str()],
            ),
            None => self.conn.execute("DELETE FROM votes WHERE subscriber = ?1", [subscriber]),
        }
        .map_err(|e| self.err(e))
    }

    /// A reader's votes as the papers they were cast on, named through the listings; a vote
    /// on a paper no listing holds any more is left out.
    pub(crate) fn voted_papers(&self, subscriber: &str) -> Result<VotedPapers, JournalError> {
        let mut voted = VotedPapers::default();
        for vote in self.votes_of(subscriber)? {
            let Some(paper) = self.listed_paper(&vote.paper)? else { continue };
            match vote.vote {
                VoteKind::Up => voted.liked.push((vote, paper)),
                VoteKind::Down => voted.disliked.push((vote, paper)),
            }
        }
        Ok(voted)
    }

    fn select_votes(
        &self,
        sql: &str,
        values: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<Vote>, JournalError> {
        let mut statement = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        let rows = statement
            .query_map(values, |row| {
                let vote: String = row.get(2)?;
                Ok(Vote {
                    subscriber: row.get(0)?,
                    paper: PaperId::parse(&row.get::<_, String>(1)?),
                    // The CHECK constraint allows nothing else.
                    vote: VoteKind::parse(&vote).unwrap_or(VoteKind::Down),
                    date: row.get(3)?,
                    at: row.get(4)?,
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

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 8, 5, hour, 0, 0).unwrap()
    }

    #[test]
    fn a_later_vote_replaces_the_earlier_and_the_same_vote_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(&dir.path().join("j.db")).unwrap();
        let paper = PaperId::parse("arxiv:2407.12345");
        assert_eq!(
            journal.record_vote("A@x.org", &paper, VoteKind::Up, at(1)).unwrap(),
            Recorded::New
        );
        assert_eq!(
            journal.record_vote("a@x.org", &paper, VoteKind::Up, at(2)).unwrap(),
            Recorded::Same
        );
        let votes = journal.votes_of("a@x.org").unwrap();
        assert_eq!(votes.len(), 1);
        assert_eq!(votes[0].at, "2025-08-05T01:00:00.000Z", "the repeat keeps the first time");
        assert_eq!(
            journal.record_vote("a@x.org", &paper, VoteKind::Down, at(3)).unwrap(),
            Recorded::Changed
        );
        let votes = journal.votes_of("a@x.org").unwrap();
        assert_eq!((votes.len(), votes[0].vote), (1, VoteKind::Down));
        assert_eq!(journal.forget_votes("a@x.org", None).unwrap(), 1);
        assert!(journal.all_votes().unwrap().is_empty());
    }

    #[test]
    fn voted_papers_are_named_by_their_listing_and_split_by_vote() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(&dir.path().join("j.db")).unwrap();
        let (liked, disliked) = (Paper::for_test("Liked one"), Paper::for_test("Disliked one"));
        let day = at(0).date_naive();
        journal.record_listing(day, &[liked.clone(), disliked.clone()]).unwrap();
        journal.record_vote("a@x.org", &liked.id, VoteKind::Up, at(1)).unwrap();
        journal.record_vote("a@x.org", &disliked.id, VoteKind::Down, at(2)).unwrap();
        journal.record_vote("a@x.org", &PaperId::parse("arxiv:gone"), VoteKind::Up, at(3)).unwrap();
        journal.record_vote("b@x.org", &liked.id, VoteKind::Down, at(3)).unwrap();
        let voted = journal.voted_papers("a@x.org").unwrap();
        let titles = |list: &[(Vote, Paper)]| -> Vec<String> {
            list.iter().map(|(_, paper)| paper.title.clone()).collect()
        };
        assert_eq!(titles(&voted.liked), ["Liked one"]);
        assert_eq!(titles(&voted.disliked), ["Disliked one"]);
        assert_eq!(journal.forget_votes("b@x.org", Some(&liked.id)).unwrap(), 1);
        assert_eq!(journal.forget_votes("b@x.org", Some(&liked.id)).unwrap(), 0);
    }
}
