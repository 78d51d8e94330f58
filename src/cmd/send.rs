//! `paperboy send`: the daily cron job.
//!
//! It reads the day, asks the journal which digests are still due (not sent yet for this
//! date unless `--force`, not suppressed, in this `--shard`), and hands them to the delivery
//! dispatcher, which picks, renders and sends each one in a worker and records every step. Only
//! one `send` runs on a journal at a time: a second one exits at once with status 75.
//!
//! Each subscriber's cadence decides whether their digest is due in this run at all: a weekly
//! reader gets one on their weekday only, made of the week's recorded listings ranked
//! together; a reader with `send_at` only once their local hour has passed. What is not due
//! yet is left alone, for a later run: cron runs `send` every 15 minutes.
//!
//! One subscriber's failure never stops the others: it is reported on stderr, counted, and
//! decides the exit status at the end.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::cadence::{Due, Frequency};
use crate::cli::SendArgs;
use crate::clock::Clock;
use crate::cmd::{
    Ctx, chosen_subscribers, history_of, read_day, renderer_for, sent_before, week_listing,
};
use crate::compose::{Composed, Shortened, Signer, compose, message_id};
use crate::config::{Config, Subscriber};
use crate::deliver::dispatch::{self, JournalWriter, Policy, Prepared, Recipient, Work};
use crate::deliver::{DeliveryError, Letter, Mailer};
use crate::digest::{Digest, Picker, Week};
use crate::error::Exit;
use crate::journal::{Journal, JournalError, RunCounts, RunLock, RunOutcome, Status, address_key};
use crate::messages;
use crate::outcome;
use crate::paper::Paper;
use crate::profiles::Profiles;
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
    /// Not due yet: the reader's `send_at` has not come in their timezone.
    pub(crate) later: usize,
    /// Weekly readers whose weekday this is not.
    pub(crate) other_day: usize,
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
            (self.later, "due later"),
            (self.other_day, "weekly on another day"),
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
    // A paused reader stays on the list and in the journal's history, and gets nothing.
    subscribers.retain(|subscriber| !subscriber.paused);
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
    let schedule = Schedule::new(&subscribers, day.date, ctx.clock.now());
    let subscribers = schedule.now.clone();
    // The week's listings are read only when a weekly reader is due.
    let week = match subscribers.iter().any(|s| s.cadence.frequency == Frequency::Weekly) {
        true => Some(week_listing(&config, day.date, &day.papers)?),
        false => None,
    };
    let history = |papers: &[Paper]| -> anyhow::Result<_> {
        if args.resend { Ok(HashMap::new()) } else { sent_before(&config, papers, day.date) }
    };
    let profiles = Profiles::load(&config)?;
    // A reader's unreadable library fails the run, but only after everyone's digest went.
    let libraries_exit = match report_libraries(&config, &subscribers, &profiles) {
        true => Exit::Failure,
        false => Exit::Ok,
    };
    let mut digests = Digests::new(
        &config,
        &subscribers,
        &day.papers,
        day.date,
        &renderer,
        ctx.clock,
        profiles.clone(),
    )
    .signed_by(signer.as_ref())
    .with_history(history(&day.papers)?);
    if let Some((week, papers)) = &week {
        digests = digests.with_week(week, papers, history(papers)?, profiles);
    }
    let sources_exit = outcome::sources_exit(&day.reports, day.papers.len());
    let Some(mailer) = mailer else {
        let mut tally = dry_run(&digests, args.force)?;
        digests.warn_shortened();
        schedule.say_later()?;
        schedule.count(&mut tally);
        status!("{} ({scope})", tally.summary("dry run: would send"))?;
        let exit = outcome::combine(tally.exit(), libraries_exit);
        return Ok(outcome::combine(exit, sources_exit));
    };
    let mut tally = deliver_due(args, ctx, &digests, &mailer, &day.papers)?;
    digests.warn_shortened();
    schedule.count(&mut tally);
    status!("{} ({scope} to {})", tally.summary("sent"), mailer.destination())?;
    if let Some(line) = outcome::sources_line(&day.reports) {
        status!("{line}")?;
    }
    Ok(outcome::combine(outcome::combine(tally.exit(), libraries_exit), sources_exit))
}

/// Says which libraries could not be read, for each of their readers, whose digests still go
/// out by their keywords and followed authors; the others are not held up. True when any was
/// reported.
fn report_libraries(config: &Config, subscribers: &[&Subscriber], profiles: &Profiles) -> bool {
    let mut reported = false;
    for subscriber in subscribers {
        for path in crate::library::paths_of(config, subscriber) {
            if let Some((_, why)) = profiles.failed.iter().find(|(failed, _)| failed == path) {
                messages::error(format!("{}: {why}", subscriber.email));
                reported = true;
            }
        }
    }
    reported
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
        match digests.build(job, &digest) {
            Ok((subject, _, _)) => {
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
    let weeks: Vec<(String, NaiveDate, Vec<NaiveDate>)> = due
        .iter()
        .filter_map(|&job| {
            let week = digests.week_of(job)?;
            Some((digests.subscribers[job].email.to_string(), week.monday, week.covers.clone()))
        })
        .collect();
    journal.label_weeks(date, &weeks)?;
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
    /// The digests that left papers out to stay under the size limit.
    shortened: Shortened,
    /// What weekly readers' digests are made of.
    weekly: Option<Weekly<'a>>,
}

/// The week's listings, picked from together, and what weekly readers already got of them.
struct Weekly<'a> {
    week: &'a Week,
    picker: Picker<'a>,
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
        profiles: Profiles,
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
            shortened: Shortened::default(),
            weekly: None,
        }
    }

    fn with_week(
        self,
        week: &'a Week,
        papers: &'a [Paper],
        history: HashMap<String, SentPapers>,
        profiles: Profiles,
    ) -> Digests<'a> {
        let picker = Picker::with_libraries(self.config, papers, self.date, profiles);
        Digests { weekly: Some(Weekly { week, picker, history }), ..self }
    }

    /// The week a job's digest sums up, when its reader is weekly.
    fn week_of(&self, job: usize) -> Option<&'a Week> {
        let weekly = self.weekly.as_ref()?;
        (self.subscribers[job].cadence.frequency == Frequency::Weekly).then_some(weekly.week)
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
        if let (Some(week), Some(weekly)) = (self.week_of(job), &self.weekly) {
            let sent = history_of(&weekly.history, subscriber).unwrap_or(&none);
            return Digest { week: Some(week), ..weekly.picker.digest(subscriber, sent) };
        }
        self.picker.digest(subscriber, history_of(&self.history, subscriber).unwrap_or(&none))
    }

    fn wanted(&self, digest: &Digest<'_>) -> bool {
        !digest.is_empty() || self.config.newsletter.send_empty
    }

    /// The subject, the whole (signed) message, under the size limit, and how many of the
    /// picks, best first, it shows.
    fn build(
        &self,
        job: usize,
        digest: &Digest<'_>,
    ) -> Result<(String, Vec<u8>, usize), DeliveryError> {
        let newsletter = &self.config.newsletter;
        let composed = compose(self.renderer, newsletter, digest, self.clock.now(), self.signer)
            .map_err(|err| DeliveryError::Compose(format!("{:#}", anyhow::Error::new(err))))?;
        self.shortened.note(job, composed.left_out(digest));
        let Composed { rendered, bytes, shown } = composed;
        Ok((rendered.subject, bytes, shown))
    }

    /// One `warning:` line for the whole run when any digest left papers out.
    fn warn_shortened(&self) {
        if let Some(line) = self.shortened.warning() {
            messages::warning(line);
        }
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
        match self.build(job, &digest) {
            // Only the papers the message shows are recorded: the others may come another day.
            Ok((_, bytes, shown)) => Prepared::Ready(Letter {
                from: self.config.newsletter.from.email.clone(),
                to,
                date: self.date,
                bytes,
                papers: digest.picks[..shown]
                    .iter()
                    .map(|pick| pick.paper.id.to_string())
                    .collect(),
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

/// Who of the chosen subscribers is due in this run, by their cadence, and who is not.
struct Schedule<'c> {
    now: Vec<&'c Subscriber>,
    /// Not yet, and from when.
    later: Vec<(&'c Subscriber, DateTime<Utc>)>,
    other_day: usize,
}

impl<'c> Schedule<'c> {
    fn new(subscribers: &[&'c Subscriber], date: NaiveDate, now: DateTime<Utc>) -> Schedule<'c> {
        let mut schedule = Schedule { now: Vec::new(), later: Vec::new(), other_day: 0 };
        for &subscriber in subscribers {
            match subscriber.cadence.due(date, now) {
                Due::Now => schedule.now.push(subscriber),
                Due::Later(at) => schedule.later.push((subscriber, at)),
                Due::OtherDay => schedule.other_day += 1,
            }
        }
        schedule.later.sort_by_key(|&(_, at)| at);
        schedule
    }

    fn count(&self, tally: &mut Tally) {
        tally.later = self.later.len();
        tally.other_day = self.other_day;
    }

    /// `later: bob@example.com at 07:30 Asia/Tokyo (2025-08-04 22:30 UTC)`, one line each, or
    /// a count and the first when there are many.
    fn say_later(&self) -> anyhow::Result<()> {
        let line = |subscriber: &Subscriber, at: &DateTime<Utc>| {
            let utc = at.format("%Y-%m-%d %H:%M UTC");
            format!("{} at {} ({utc})", subscriber.email, subscriber.cadence.hour())
        };
        match self.later.as_slice() {
            [] => {}
            many @ [(first, at), ..] if many.len() > MAX_LATER_LINES => {
                say!("later: {} digests, the first to {}", many.len(), line(first, at))?;
            }
            few => {
                for (subscriber, at) in few {
                    say!("later: {}", line(subscriber, at))?;
                }
            }
        }
        Ok(())
    }
}

/// Beyond this many readers not due yet, `--dry-run` counts them instead of naming each.
const MAX_LATER_LINES: usize = 20;
