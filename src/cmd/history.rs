//! `paperboy history`: what `send` did, read from the journal: the runs, then each digest
//! with its status, attempts and the server's last reply. It reads the same journal `send`
//! writes, and never changes it.

use crate::cli::{Format, HistoryArgs};
use crate::cmd::Ctx;
use crate::cmd::output::print_json;
use crate::config::Config;
use crate::error::Exit;
use crate::journal::{DigestRecord, HistoryFilter, Journal, RunRecord};
use crate::text::plural::{count, count_as};

/// Prints the runs and digests the filters select.
pub(crate) fn run(args: &HistoryArgs, ctx: &Ctx<'_>) -> anyhow::Result<Exit> {
    let config = Config::load(ctx.config_path)?;
    let (runs, digests) = match Journal::open_existing(&config.delivery.state)? {
        Some(journal) => {
            let filter = HistoryFilter { date: args.date, subscriber: args.subscriber.clone() };
            // A run is about every subscriber, so `--subscriber` shows digests alone.
            let runs =
                if args.subscriber.is_some() { Vec::new() } else { journal.runs(args.date)? };
            (runs, journal.digests(&filter)?)
        }
        None => (Vec::new(), Vec::new()),
    };
    match args.format {
        Format::Json => {
            let json = serde_json::json!({ "runs": runs, "digests": digests });
            print_json(&json)?;
        }
        Format::Text => print_text(&runs, &digests)?,
    }
    Ok(Exit::Ok)
}

fn print_text(runs: &[RunRecord], digests: &[DigestRecord]) -> std::io::Result<()> {
    if runs.is_empty() && digests.is_empty() {
        return say!("nothing in the journal yet");
    }
    for run in runs {
        let ended = run.ended_at.as_deref().unwrap_or("-");
        let mut line = format!(
            "run {} for {}: {} (started {}, ended {ended}): sent {}, deferred {}, failed {}, \
             skipped {}",
            run.id,
            run.date,
            run.outcome,
            run.started_at,
            run.counts.sent,
            run.counts.deferred,
            run.counts.failed,
            run.counts.skipped
        );
        if let Some(shard) = &run.shard {
            line.push_str(&format!(", shard {shard}"));
        }
        if run.forced {
            line.push_str(", forced");
        }
        say!("{line}")?;
    }
    let width = digests.iter().map(|d| d.subscriber.len()).max().unwrap_or(0);
    for digest in digests {
        let status = serde_json::to_value(digest.status)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default();
        let reply = digest.last_reply.as_deref().unwrap_or("-");
        let mut papers = count(digest.papers.len(), "paper");
        if let Some(week) = &digest.week {
            papers.push_str(&format!(" (weekly, week of {week})"));
        }
        say!(
            "{}  {:<width$}  {status:<8}  {}  {}  {}  {reply}",
            digest.date,
            digest.subscriber,
            count_as(digest.attempts as usize, "try", "tries"),
            digest.message_id,
            papers,
        )?;
    }
    Ok(())
}
