//! `paperboy send`: the daily cron job.
//!
//! One subscriber's failure never stops the others: it is reported on stderr, counted, and
//! decides the exit status at the end.

use crate::cli::SendArgs;
use crate::cmd::{Ctx, chosen_subscribers, read_day, renderer_for};
use crate::compose::compose;
use crate::config::Config;
use crate::deliver::Mailer;
use crate::digest::Digest;
use crate::error::Exit;
use crate::outcome;

/// What became of each digest of a run.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Delivered (or, in a dry run, would be).
    pub sent: usize,
    /// Not sent because nothing matched and `send_empty` is off.
    pub skipped: usize,
    /// Failed for good.
    pub failed: usize,
    /// Failed in a way a rerun may fix.
    pub deferred: usize,
}

impl Tally {
    fn exit(&self) -> Exit {
        if self.failed > 0 {
            Exit::Failure
        } else if self.deferred > 0 {
            Exit::TempFail
        } else {
            Exit::Ok
        }
    }
}

/// Reads, picks, renders and delivers; prints one summary line.
pub fn run(args: &SendArgs, ctx: &Ctx<'_>) -> anyhow::Result<Exit> {
    let config = Config::load(ctx.config_path)?;
    let subscribers = chosen_subscribers(&config, args.subscriber.as_deref())?;
    // Everything that can be checked without the network is checked first: a broken
    // template or a missing secret must not fetch and record a listing nothing is sent for.
    let renderer = renderer_for(&config)?;
    let mailer = if args.dry_run { None } else { Some(Mailer::from_config(&config)?) };
    let day = read_day(&config, &args.day, ctx.clock, !args.dry_run)?;
    if let Some((line, exit)) = outcome::nothing_to_send(&day.reports, day.papers.len(), day.date) {
        say!("{line}")?;
        return Ok(exit);
    }
    if subscribers.is_empty() {
        eprintln!("warning: {} lists no [[subscribers]]", config.path.display());
    }

    let mut tally = Tally::default();
    for digest in Digest::for_each_subscriber(&config, subscribers, &day.papers, day.date) {
        let email = digest.subscriber.email.to_string();
        if digest.is_empty() && !config.newsletter.send_empty {
            tally.skipped += 1;
            continue;
        }
        let (subject, message) =
            match compose(&renderer, &config.newsletter, &digest, ctx.clock.now()) {
                Ok(composed) => (composed.rendered.subject, composed.message),
                Err(err) => {
                    eprintln!("error: {email}: {err:#}");
                    tally.failed += 1;
                    continue;
                }
            };
        let Some(mailer) = &mailer else {
            say!("would send to {email}: {subject}")?;
            tally.sent += 1;
            continue;
        };
        match mailer.deliver(&message, &digest) {
            Ok(_) => tally.sent += 1,
            Err(err) if err.is_transient() => {
                eprintln!("error: {email}: {err} (temporary; a rerun will try again)");
                tally.deferred += 1;
            }
            Err(err) => {
                eprintln!("error: {email}: {err}");
                tally.failed += 1;
            }
        }
    }

    let verb = if args.dry_run { "dry run: would send" } else { "sent" };
    let destination =
        mailer.as_ref().map(|m| format!(" to {}", m.destination())).unwrap_or_default();
    let mut summary = format!(
        "{verb} {}, skipped {} with no matching papers, failed {}",
        tally.sent, tally.skipped, tally.failed
    );
    if tally.deferred > 0 {
        summary.push_str(&format!(", deferred {}", tally.deferred));
    }
    say!("{summary} (digests for {}{destination})", day.date)?;
    if let Some(line) = outcome::sources_line(&day.reports) {
        say!("{line}")?;
    }
    Ok(outcome::combine(tally.exit(), outcome::sources_exit(&day.reports, day.papers.len())))
}
