//! `paperboy suppress list|lift`: the addresses a server refused for good (a 5xx about the
//! recipient). `send` skips them on every later run until an operator lifts them here.

use crate::cli::{Format, SuppressCommand};
use crate::cmd::Ctx;
use crate::cmd::output::print_json;
use crate::config::Config;
use crate::error::{Exit, UsageError};
use crate::journal::{Journal, address_key};
use crate::text::plural::count;

/// Lists or lifts suppressions.
pub(crate) fn run(command: &SuppressCommand, ctx: &Ctx<'_>) -> anyhow::Result<Exit> {
    let config = Config::load(ctx.config_path)?;
    match command {
        SuppressCommand::List { format } => {
            let list = match Journal::open_existing(&config.delivery.state)? {
                Some(journal) => journal.suppressions()?,
                None => Vec::new(),
            };
            match format {
                Format::Json => print_json(&list)?,
                Format::Text if list.is_empty() => say!("no address is suppressed")?,
                Format::Text => {
                    let width = list.iter().map(|s| s.address.len()).max().unwrap_or(0);
                    for entry in &list {
                        say!(
                            "{:<width$}  since {} (digest of {}): {}",
                            entry.address,
                            entry.since,
                            entry.date,
                            entry.reply
                        )?;
                    }
                }
            }
        }
        SuppressCommand::Lift { emails, all } => {
            let journal = Journal::open(&config.delivery.state)?;
            if *all {
                let lifted = journal.lift_all()?;
                status!("lifted {}", count(lifted, "suppression"))?;
                return Ok(Exit::Ok);
            }
            let mut unknown = Vec::new();
            for email in emails {
                if journal.lift(email)? {
                    status!("lifted {}: the next send delivers to it again", address_key(email))?;
                } else {
                    unknown.push(address_key(email));
                }
            }
            if !unknown.is_empty() {
                anyhow::bail!(UsageError::new(format!("not suppressed: {}", unknown.join(", "))));
            }
        }
    }
    Ok(Exit::Ok)
}
