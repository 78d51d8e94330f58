//! Readers' votes as reading lists: a reader who voted is compared with their own library
//! plus the papers they voted "more like this", and against the papers they voted "fewer
//! like this". Read from the journal once per run, and only for readers who voted; this is
//! the stage between config and picking, beside [`crate::profiles`].

use anyhow::Context;

use crate::config::Config;
use crate::journal::{Journal, address_key};
use crate::library;
use crate::topic::similar::{Profile, ProfileBuilder, vote_title};

/// Each voting subscriber's profile, by lowercased address, in config order. A reader whose
/// votes name no paper any listing still holds gets none.
pub(crate) fn voter_profiles(config: &Config) -> anyhow::Result<Vec<(String, Profile)>> {
    let state = &config.delivery.state;
    let journal = Journal::open_existing(state)
        .with_context(|| format!("cannot read the votes in {}", state.display()))?;
    let Some(journal) = journal else { return Ok(Vec::new()) };
    let votes = journal.all_votes()?;
    if votes.is_empty() {
        return Ok(Vec::new());
    }
    let mut profiles = Vec::new();
    for subscriber in &config.subscribers {
        let key = address_key(subscriber.email.as_ref());
        if !votes.iter().any(|vote| vote.subscriber == key) {
            continue;
        }
        let voted = journal.voted_papers(&key)?;
        if voted.liked.is_empty() && voted.disliked.is_empty() {
            continue;
        }
        // A paper voted down counts no longer as liked, though the library holds it; a paper
        // voted up that the library holds already counts once.
        let same = |title: &str, list: &[(crate::journal::Vote, crate::paper::Paper)]| {
            list.iter().any(|(_, paper)| paper.title.trim().eq_ignore_ascii_case(title.trim()))
        };
        let mut builder = ProfileBuilder::default();
        // The library's own failure is reported with the profiles; the votes still count.
        let library = subscriber
            .library
            .as_deref()
            .and_then(|path| library::load(path, &config.library).ok());
        for entry in library.iter().flat_map(|library| &library.entries) {
            if !same(&entry.title, &voted.disliked) && !same(&entry.title, &voted.liked) {
                builder.like(&entry.title, &entry.abstract_text, entry.added);
            }
        }
        // Tokenized as the paper, named as the vote.
        for (vote, paper) in &voted.liked {
            let doc = builder.like(&paper.title, &paper.abstract_text, Some(vote.date));
            doc.title = vote_title(vote.date, &doc.title);
        }
        for (vote, paper) in &voted.disliked {
            let doc = builder.dislike(&paper.title, &paper.abstract_text, Some(vote.date));
            doc.title = vote_title(vote.date, &doc.title);
        }
        profiles.push((key, builder.finish()));
    }
    Ok(profiles)
}
