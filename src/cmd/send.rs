//! `paperboy send`: the daily cron job.
//!
//! It reads the day, asks the journal which digests are still due (not sent yet for this
//! date unless `--force`, not suppressed, in this `--shard`), and hands them to the delivery
//! pool, which picks, renders and sends each one in a worker and records every step. Only
//! one `send` runs on a journal at a time: a second one exits at once with status 75.
//!
//! One subscriber's failure never stops the others: it is reported on stderr, counted, and
//! decides the exit status at the end.

use crate::cli::SendArgs;
use crate::clock::Clock;
use crate::cmd::{Ctx, chosen_subscribers, read_day, renderer_for};
use crate::config::{Config, Subscriber};
use crate::deliver::pool::{self, Ledger, Outcome, Parcel, Policy, Prepared, Recipient, Work};
use crate::deliver::{DeliveryError, Mailer, Signer, build_message, message_id};
use crate::digest::Digest;
use crate::error::Exit;
use crate::journal::{Journal, JournalError, RunCounts, RunLock, RunOutcome, Status, address_key};
use crate::paper::Paper;
use crate::render::Renderer;
use crate::report::{Report, init_verbose_logging};
use crate::topic::{DayIndex, Pick};
use lettre::Message;
use std::collections::HashMap;
use std::sync::OnceLock;

/// What became of each digest of a run.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Delivered (or, in a dry run, would be).
    pub sent: usize,
    /// Not sent because nothing matched and `send_empty` is off.
    pub skipped: usize,
    /// Failed for good.
    pub failed: usize,
    /// Failed in a way a rerun may fix, or not tried because the run stopped early.
    pub deferred: usize,
    /// Sent by an earlier run for this date (and not `--force`d).
    pub already_sent: usize,
    /// Not sent because the address is suppressed.
    pub suppressed: usize,
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

    fn add(&mut self, outcome: &Outcome) {
        self.sent += outcome.sent;
        self.skipped += outcome.skipped;
        self.failed += outcome.failed;
        self.deferred += outcome.deferred;
    }

    /// `sent 2, skipped 1 with no matching papers, failed 0[, deferred N][, already sent N]
    /// [, suppressed N]`.
    fn summary(&self, verb: &str) -> String {
        let mut line = format!(
            "{verb} {}, skipped {} with no matching papers, failed {}",
            self.sent, self.skipped, self.failed
        );
        for (count, what) in [
            (self.deferred, "deferred"),
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
pub fn run(args: &SendArgs, ctx: &Ctx<'_>) -> anyhow::Result<Exit> {
    let config = Config::load(ctx.config_path)?;
    let mut subscribers = chosen_subscribers(&config, args.subscriber.as_deref())?;
    if let Some(shard) = args.shard {
        subscribers.retain(|subscriber| shard.contains(subscriber.email.as_ref()));
    }
    let day = read_day(&config, &args.day, ctx.clock)?;
    let renderer = renderer_for(&config)?;
    if args.verbose {
        init_verbose_logging();
    }
    if config.subscribers.is_empty() {
        eprintln!("warning: {} lists no [[subscribers]]", config.path.display());
    }
    let scope = match args.shard {
        Some(shard) => format!("digests for {}, shard {shard}", day.date),
        None => format!("digests for {}", day.date),
    };
    let signer = Signer::from_config(&config)?;
    let digests = Digests::new(&config, &subscribers, &day.papers, day.date, &renderer, ctx.clock)
        .signed_by(signer.as_ref());
    if args.dry_run {
        let tally = dry_run(&digests, args.force)?;
        println!("{} ({scope})", tally.summary("dry run: would send"));
        return Ok(tally.exit());
    }
    let mailer = Mailer::from_config(&config)?;
    let _lock = match RunLock::acquire(&config.delivery.state) {
        Ok(lock) => lock,
        Err(busy @ JournalError::Busy { .. }) => {
            eprintln!("error: {busy}");
            return Ok(Exit::TempFail);
        }
        Err(err) => return Err(err.into()),
    };
    let tally = deliver_due(args, ctx, &digests, &mailer)?;
    println!("{} ({scope} to {})", tally.summary("sent"), mailer.destination());
    Ok(tally.exit())
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
            tally.skipped += 1;
            continue;
        }
        match digests.build(&digest) {
            Ok((subject, _)) => {
                println!("would send to {email}: {subject}");
                tally.sent += 1;
            }
            Err(error) => {
                eprintln!("error: {email}: {error}");
                tally.failed += 1;
            }
        }
    }
    Ok(tally)
}

/// The run itself, under the run lock: records the run and its plan, delivers what is due
/// through the pool, records how it ended.
fn deliver_due(
    args: &SendArgs,
    ctx: &Ctx<'_>,
    digests: &Digests<'_>,
    mailer: &Mailer,
) -> anyhow::Result<Tally> {
    let (config, date) = (digests.config, digests.date);
    let journal = Journal::open(&config.delivery.state)?;
    let (due, mut tally) = due(Some(&journal), digests, args.force)?;
    let shard = args.shard.map(|shard| shard.to_string());
    let run = journal.begin_run(date, shard.as_deref(), args.force, ctx.clock.now())?;
    // The plan names every due digest without picking its papers: picking happens in the
    // workers, in parallel, and a digest with nothing to send leaves the plan there.
    let plan: Vec<(String, String)> = due
        .iter()
        .map(|&job| (digests.subscribers[job].email.to_string(), digests.message_id(job)))
        .collect();
    journal.plan(run, date, &plan, ctx.clock.now())?;
    let ledger = Ledger::new(journal, run, date, ctx.clock);
    let report = Report::new(due.len(), args.verbose);
    let policy = Policy::for_config(config);
    let sender = &config.newsletter.from.email;
    let couriers = || mailer.courier();
    let delivered = pool::deliver(&due, digests, &couriers, sender, &ledger, &policy, &report);
    report.finish();
    let outcome = delivered?;
    tally.add(&outcome);
    let ended = match () {
        () if outcome.stopped => RunOutcome::Stopped,
        () if tally.failed > 0 => RunOutcome::Failed,
        () if tally.deferred > 0 => RunOutcome::Deferred,
        () => RunOutcome::Ok,
    };
    let counts = RunCounts {
        sent: tally.sent,
        deferred: tally.deferred,
        failed: tally.failed,
        skipped: tally.skipped,
    };
    ledger.into_journal().end_run(run, ended, counts, ctx.clock.now())?;
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
    index: DayIndex<'a>,
    date: chrono::NaiveDate,
    renderer: &'a Renderer,
    signer: Option<&'a Signer>,
    clock: Clock,
    /// For each subscriber who shares its topics and keywords with another, which of
    /// `picked` holds their papers: such subscribers get the same papers, so each set is
    /// picked once a run. A subscriber of its own is picked when its digest is made, and
    /// nothing is kept, so memory does not grow with such subscribers.
    interest_of: Vec<Option<usize>>,
    picked: Vec<OnceLock<Vec<Pick<'a>>>>,
}

impl<'a> Digests<'a> {
    fn new(
        config: &'a Config,
        subscribers: &'a [&'a Subscriber],
        papers: &'a [Paper],
        date: chrono::NaiveDate,
        renderer: &'a Renderer,
        clock: Clock,
    ) -> Digests<'a> {
        let keys: Vec<String> = subscribers.iter().map(|s| interest_key(s, config)).collect();
        let mut followers: HashMap<&str, usize> = HashMap::new();
        for key in &keys {
            *followers.entry(key).or_default() += 1;
        }
        let mut shared: HashMap<&str, usize> = HashMap::new();
        let interest_of: Vec<Option<usize>> = keys
            .iter()
            .map(|key| {
                (followers[key.as_str()] > 1).then(|| {
                    let next = shared.len();
                    *shared.entry(key).or_insert(next)
                })
            })
            .collect();
        let picked = (0..shared.len()).map(|_| OnceLock::new()).collect();
        let index = DayIndex::new(papers);
        Digests {
            config,
            subscribers,
            index,
            date,
            renderer,
            signer: None,
            clock,
            interest_of,
            picked,
        }
    }

    fn signed_by(self, signer: Option<&'a Signer>) -> Digests<'a> {
        Digests { signer, ..self }
    }

    fn digest(&self, job: usize) -> Digest<'_> {
        let subscriber = self.subscribers[job];
        let picks = match self.interest_of[job] {
            Some(shared) => {
                self.picked[shared].get_or_init(|| subscriber.interest.select(&self.index)).clone()
            }
            None => subscriber.interest.select(&self.index),
        };
        Digest { subscriber, date: self.date, picks }
    }

    fn wanted(&self, digest: &Digest<'_>) -> bool {
        !digest.is_empty() || self.config.newsletter.send_empty
    }

    /// The subject and the whole (signed) message.
    fn build(&self, digest: &Digest<'_>) -> Result<(String, Message), DeliveryError> {
        let newsletter = &self.config.newsletter;
        let rendered = self.renderer.render(digest, newsletter)?;
        let mut message = build_message(newsletter, digest, &rendered, self.clock.now())?;
        if let Some(signer) = self.signer {
            signer.sign(&mut message);
        }
        Ok((rendered.subject, message))
    }

    fn message_id(&self, job: usize) -> String {
        message_id(&self.subscribers[job].email, self.date, &self.config.newsletter.from)
    }
}

/// Everything a subscriber's picks depend on; equal keys, equal papers.
fn interest_key(subscriber: &Subscriber, config: &Config) -> String {
    let words = |keywords: &[crate::topic::Keyword]| {
        keywords.iter().map(|k| k.as_str()).collect::<Vec<_>>().join("\u{1f}")
    };
    let max = subscriber.max_papers.unwrap_or(config.newsletter.max_papers);
    format!(
        "{}\u{1e}{}\u{1e}{}\u{1e}{}\u{1e}{max}",
        subscriber.topics.join("\u{1f}"),
        words(&subscriber.keywords),
        words(&subscriber.require),
        words(&subscriber.exclude)
    )
}

impl Work for Digests<'_> {
    fn prepare(&self, job: usize) -> Prepared {
        let digest = self.digest(job);
        if !self.wanted(&digest) {
            return Prepared::Skip { to: digest.subscriber.email.clone() };
        }
        let to = digest.subscriber.email.clone();
        match self.build(&digest) {
            Ok((_, message)) => Prepared::Ready(Parcel {
                to,
                bytes: message.formatted(),
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
