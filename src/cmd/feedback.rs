//! `paperboy feedback list|forget`: the votes readers cast with the "more like this" and
//! "fewer like this" links, as `serve` recorded them in the journal.

use serde::Serialize;

use crate::cli::{FeedbackCommand, Format};
use crate::cmd::Ctx;
use crate::cmd::output::{PaperText, print_json};
use crate::config::Config;
use crate::error::Exit;
use crate::journal::{Journal, Vote};
use crate::paper::PaperId;
use crate::text::plural::count;

/// A vote as `feedback list` prints it: with the paper's title when a listing has it.
#[derive(Debug, Serialize)]
struct Row {
    #[serde(flatten)]
    vote: Vote,
    title: Option<String>,
}

/// Lists or forgets votes.
pub(crate) fn run(command: &FeedbackCommand, ctx: &Ctx<'_>) -> anyhow::Result<Exit> {
    let config = Config::load(ctx.config_path)?;
    match command {
        FeedbackCommand::List { subscriber, format } => {
            let rows = match Journal::open_existing(&config.delivery.state)? {
                Some(journal) => {
                    let votes = match subscriber {
                        Some(email) => journal.votes_of(email)?,
                        None => journal.all_votes()?,
                    };
                    let mut rows = Vec::with_capacity(votes.len());
                    for vote in votes {
                        let title = journal.listed_paper(&vote.paper)?.map(|paper| paper.title);
                        rows.push(Row { vote, title });
                    }
                    rows
                }
                None => Vec::new(),
            };
            match format {
                Format::Json => print_json(&rows)?,
                Format::Text if rows.is_empty() => say!("no votes")?,
                Format::Text => {
                    let text = PaperText::for_stdout();
                    super::write_table(
                        &["SUBSCRIBER", "VOTE", "DATE", "PAPER", "TITLE"],
                        rows.iter().map(|row| {
                            vec![
                                row.vote.subscriber.clone(),
                                row.vote.vote.as_str().to_owned(),
                                row.vote.date.to_string(),
                                text.show(row.vote.paper.as_str()).into_owned(),
                                text.show(row.title.as_deref().unwrap_or("-")).into_owned(),
                            ]
                        }),
                    )?;
                }
            }
        }
        FeedbackCommand::Forget { email, paper } => {
            let forgotten = match Journal::open_existing(&config.delivery.state)? {
                // Read-only until there is something to remove.
                Some(_) => {
                    let journal = Journal::open(&config.delivery.state)?;
                    journal.forget_votes(email, paper.as_deref().map(PaperId::parse).as_ref())?
                }
                None => 0,
            };
            status!(
                "forgot {} of {}",
                count(forgotten, "vote"),
                crate::journal::address_key(email)
            )?;
        }
    }
    Ok(Exit::Ok)
}
