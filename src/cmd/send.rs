//! `paperboy send`: the daily cron job.
//!
//! It reads the day, asks the journal which digests are still due (not sent yet for this
//! date unless `--force`, not suppressed, in this `--shard`), and hands them to the delivery
//! dispatcher, which picks, renders and sends each one in a worker and records every step. Only
//! one `send` runs on a journal at a time: a second one exits at once with status 75.
//!
//! One subscriber's failure never stops the others: it is reported on stderr, counted, and
//! decides the exit status at the end.

use std::collections::HashMap;

use crate::cli::SendArgs;
use crate::clock::Clock;
use crate::cmd::{Ctx, chosen_subscribers, history_of, read_day, renderer_for, sent_before};
use crate::compose::{Composed, Signer, compose, message_id};
use crate::config::{Config, Subscriber};
use crate::deliver::dispatch::{self, JournalWriter, Policy, Prepared, Recipient, Work};
use crate::deliver::{DeliveryError, Letter, Mailer};
use crate::digest::{Digest, Picker};
use crate::error::Exit;
use crate::journal::{Journal, JournalError, RunCounts, RunLock, RunOutcome, Status, address_key};
use crate::messages;
use crate::outcome;
use crate::paper::Paper;
use crate::render::Renderer;
use crate::report::{Report, init_verbose_logging};
use crate::topic::SentPapers;

/// What became of each digest of a run.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    /// Delivered (or, in a dry run, would be), skipped because nothing matched and
    /// `send_empty` is off, failed for good, and deferred (failed in a way a rerun may fix,
    /// or not tried because the run stopped early): what the journal records of the run.
    pub(crate) run: RunCounts,
    /// Sent by an earlier run for this date (and not `--force`d).
    pub(crate) already_sent: usize,
    /// Not sent because the address is suppressed.
    pub(crate) suppressed: usize,
}

impl Tally {
    fn exit(&self) -> Exit {
        if self.run.failed > 0 {
            Exit::Failure
        } else if self.run.deferred > 0 {
            Exit::TempFail
        } else {
            Exit::Ok
        }
    }

    fn add(&mut self, counts: &RunCounts) {
        self.run.sent += counts.sent;
        self.run.skipped += counts.skipped;
        self.run.failed += counts.failed;
        self.run.deferred += counts.deferred;
    }

    /// `sent 2, skipped 1 with no matching papers, failed 0[, deferred N][, already sent N]
    /// [, suppressed N]`.
    fn summary(&self, verb: &str) -> String {
        let mut line = format!(
            "{verb} {}, skipped {} with no matching papers, failed {}",
            self.run.sent, self.run.skipped, self.run.failed
        );
        for (count, what) in [
            (self.run.deferred, "deferred"),
            (self.already_sent, "already sent"),
            (self.suppressed, "suppressed"),
        ] {
            if count > 0 {
                line.push_str(&format!(", {what} {count}"));
            }
        }
        line
    }
}

/// Reads, picks, renders and delivers; prints one summary line.
pub(crate) fn run(args: &SendArgs, ctx: &Ctx<'_>) -> anyhow::Result<Exit> {
    let config = Config::load(ctx.config_path)?;
    let mut subscribers = chosen_subscribers(&config, args.subscriber.as_deref())?;
    if let Some(shard) = args.shard {
        subscribers.retain(|subscriber| shard.contains(subscriber.email.as_ref()));
    }
    // Everything that can be checked without the network is checked first: a broken
    // template or a missing secret must not fetch and record a listing nothing is sent for.
    let renderer = renderer_for(&config)?;
    let signer = Signer::from_config(&config)?;
    let mailer = if args.dry_run { None } else { Some(Mailer::from_config(&config)?) };
    // A second send on the same journal stops before it reads or sends anything.
    // A dry run neither takes nor waits for the lock: it writes nothing.
    let _lock = match mailer.as_ref().map(|_| RunLock::acquire(&config.delivery.state)) {
        None => None,
        Some(Ok(lock)) => Some(lock),
        Some(Err(busy @ JournalError::Busy { .. })) => {
            messages::error(busy);
            return Ok(Exit::TempFail);
        }
        Some(Err(err)) => return Err(err.into()),
    };
    if ctx.verbose {
        init_verbose_logging();
    }
    let day = read_day(&config, &args.day, ctx.clock, !args.dry_run)?;
    if let Some((line, exit)) = outcome::nothing_to_send(&day.reports, day.papers.len(), day.date) {
        status!("{line}")?;
        return Ok(exit);
    }
    if config.subscribers.is_empty() {
        messages::warning(format!("{} lists no [[subscribers]]", config.path.display()));
    }
    let scope = match args.shard {
        Some(shard) => format!("digests for {}, shard {shard}", day.date),
        None => format!("digests for {}", day.date),
    };
    let history =
        if args.resend { HashMap::new() } else { sent_before(&config, &day.papers, day.date)? };
    let profiles = crate::profiles::Profiles::load(&config)?;
    let digests =
        Digests::new(&config, &subscribers, &day.papers, day.date, &renderer, ctx.clock, profiles)
            .signed_by(signer.as_ref())
            .with_history(history);
    let sources_exit = outcome::sources_exit(&day.reports, day.papers.len());
    let Some(mailer) = mailer else {
        let tally = dry_run(&digests, args.force)?;
        status!("{} ({scope})", tally.summary("dry run: would send"))?;
        return Ok(outcome::combine(tally.exit(), sources_exit));
    };
    let tally = deliver_due(args, ctx, &digests, &mailer, &day.papers)?;
    status!("{} ({scope} to {})", tally.summary("sent"), mailer.destination())?;
    if let Some(line) = outcome::sources_line(&day.reports) {
        status!("{line}")?;
    }
    Ok(outcome::combine(tally.exit(), sources_exit))
}

/// `--dry-run`: what a run would send now (the journal is read when there is one, never
/// written), one line each.
fn dry_run(digests: &Digests<'_>, force: bool) -> anyhow::Result<Tally> {
    let journal = Journal::open_existing(&digests.config.delivery.state)?;
    let (due, mut tally) = due(journal.as_ref(), digests, force)?;
    for job in due {
        let digest = digests.digest(job);
        let email = &digest.subscriber.email;
        if !digests.wanted(&digest) {
            tally.run.skipped += 1;
            continue;
        }
        match digests.build(&digest) {
            Ok((subject, _)) => {
                say!("would send to {email}: {subject}")?;
                tally.run.sent += 1;
            }
            Err(error) => {
                messages::error(format!("{email}: {error}"));
                tally.run.failed += 1;
            }
        }
    }
    Ok(tally)
}

/// The run itself, under the run lock: records the run, the day's listing and the plan,
/// delivers what is due through the dispatcher, records how it ended.
fn deliver_due(
    args: &SendArgs,
    ctx: &Ctx<'_>,
    digests: &Digests<'_>,
    mailer: &Mailer,
    papers: &[Paper],
) -> anyhow::Result<Tally> {
    let (config, date) = (digests.config, digests.date);
    let journal = Journal::open(&config.delivery.state)?;
    let (due, mut tally) = due(Some(&journal), digests, args.force)?;
    let shard = args.shard.map(|shard| shard.to_string());
    // A run killed while writing the outbox left temporary files; the folders are those of
    // the killed runs and today's.
    let mut unfinished = journal.unfinished_dates()?;
    let run = journal.begin_run(date, shard.as_deref(), args.force, ctx.clock.now())?;
    journal.record_listing(date, papers)?;
    unfinished.push(date);
    unfinished.sort();
    unfinished.dedup();
    let removed = mailer.remove_abandoned(&unfinished);
    if removed > 0 {
        tracing::info!("removed {removed} temporary files a killed run left in the outbox");
    }
    // The plan names every due digest without picking its papers: picking happens in the
    // workers, in parallel, and a digest with nothing to send leaves the plan there.
    let plan: Vec<(String, String)> = due
        .iter()
        .map(|&job| (digests.subscribers[job].email.to_string(), digests.message_id(job)))
        .collect();
    journal.plan(run, date, &plan, ctx.clock.now())?;
    let ledger = JournalWriter::new(journal, run, date, ctx.clock);
    let report = Report::new(due.len(), ctx.verbose);
    let policy = Policy::for_config(config);
    let couriers = || mailer.courier();
    let delivered = dispatch::deliver(&due, digests, &couriers, &ledger, &policy, &report);
    report.finish();
    let outcome = delivered?;
    tally.add(&outcome.counts);
    let ended = match () {
        () if outcome.stopped => RunOutcome::Stopped,
        () if tally.run.failed > 0 => RunOutcome::Failed,
        () if tally.run.deferred > 0 => RunOutcome::Deferred,
        () => RunOutcome::Ok,
    };
    ledger.into_journal().end_run(run, ended, tally.run, ctx.clock.now())?;
    Ok(tally)
}

/// The jobs (indexes into the chosen subscribers) still due, in config order, and the
/// counts of those that are not: already sent for this date, or suppressed.
fn due(
    journal: Option<&Journal>,
    digests: &Digests<'_>,
    force: bool,
) -> Result<(Vec<usize>, Tally), JournalError> {
    let mut tally = Tally::default();
    let (known, suppressed) = match journal {
        Some(journal) => (journal.digests_on(digests.date)?, journal.suppressed()?),
        None => Default::default(),
    };
    let mut due = Vec::with_capacity(digests.subscribers.len());
    for (job, subscriber) in digests.subscribers.iter().enumerate() {
        let key = address_key(subscriber.email.as_ref());
        if suppressed.contains(&key) {
            tally.suppressed += 1;
        } else if !force && known.get(&key).is_some_and(|known| known.status == Status::Sent) {
            tally.already_sent += 1;
        } else {
            due.push(job);
        }
    }
    Ok((due, tally))
}

/// The day's digests, made one at a time by whichever worker sends them.
struct Digests<'a> {
    config: &'a Config,
    subscribers: &'a [&'a Subscriber],
    picker: Picker<'a>,
    date: chrono::NaiveDate,
    renderer: &'a Renderer,
    signer: Option<&'a Signer>,
    clock: Clock,
    /// By address key: the papers of today's listing each subscriber already got, and when.
    history: HashMap<String, SentPapers>,
}

impl<'a> Digests<'a> {
    fn new(
        config: &'a Config,
        subscribers: &'a [&'a Subscriber],
        papers: &'a [Paper],
        date: chrono::NaiveDate,
        renderer: &'a Renderer,
        clock: Clock,
        profiles: crate::profiles::Profiles,
    ) -> Digests<'a> {
        let picker = Picker::with_libraries(config, papers, date, profiles);
        Digests {
            config,
            subscribers,
            picker,
            date,
            renderer,
            signer: None,
            clock,
            history: HashMap::new(),
        }
    }

    fn signed_by(self, signer: Option<&'a Signer>) -> Digests<'a> {
        Digests { signer, ..self }
    }

    fn with_history(self, history: HashMap<String, SentPapers>) -> Digests<'a> {
        Digests { history, ..self }
    }

    fn digest(&self, job: usize) -> Digest<'a> {
        let subscriber = self.subscribers[job];
        let none = SentPapers::new();
        self.picker.digest(subscriber, history_of(&self.history, subscriber).unwrap_or(&none))
    }

    fn wanted(&self, digest: &Digest<'_>) -> bool {
        !digest.is_empty() || self.config.newsletter.send_empty
    }

    /// The subject and the whole (signed) message, under the size limit.
    fn build(&self, digest: &Digest<'_>) -> Result<(String, Vec<u8>), DeliveryError> {
        let newsletter = &self.config.newsletter;
        let Composed { rendered, bytes } =
            compose(self.renderer, newsletter, digest, self.clock.now(), self.signer)
                .map_err(|err| DeliveryError::Compose(format!("{:#}", anyhow::Error::new(err))))?;
        Ok((rendered.subject, bytes))
    }

    fn message_id(&self, job: usize) -> String {
        message_id(&self.subscribers[job].email, self.date, &self.config.newsletter.from)
    }
}

impl Work for Digests<'_> {
    fn prepare(&self, job: usize) -> Prepared {
        let digest = self.digest(job);
        if !self.wanted(&digest) {
            return Prepared::Skip { to: digest.subscriber.email.clone() };
        }
        let to = digest.subscriber.email.clone();
        match self.build(&digest) {
            Ok((_, bytes)) => Prepared::Ready(Letter {
                from: self.config.newsletter.from.email.clone(),
                to,
                date: self.date,
                bytes,
                papers: digest.picks.iter().map(|pick| pick.paper.id.to_string()).collect(),
            }),
            Err(error) => Prepared::Broken { to, error },
        }
    }

    fn recipient(&self, job: usize) -> Recipient {
        let digest = self.digest(job);
        Recipient {
            to: digest.subscriber.email.clone(),
            message_id: self.message_id(job),
            wanted: self.wanted(&digest),
        }
    }
}
