//! Stage 4 at volume: a run's digests delivered by a few workers at once, each with its own
//! courier (for SMTP, one connection reused for many messages), retried when the trouble is
//! temporary, and every step recorded in the journal.
//!
//! The rules this module keeps:
//!
//! - Fresh digests are picked and rendered by makers, one thread per core, into a queue of
//!   `MADE_AHEAD` messages a connection: a connection seldom waits for a render, and a run
//!   holds a bounded number of messages whatever the number of subscribers. A retry is made
//!   again by the connection that takes it, ahead of that queue, so it starts when due.
//! - Every due digest is `pending` in the journal before the run starts (the caller records
//!   the plan); a worker records `sent` only after the server accepted the message, so no
//!   record runs ahead of the server, and each outcome is its own transaction. A digest
//!   that turns out to have nothing to send is taken back out of the plan.
//! - Temporary failures (4xx, timeouts, refused or dropped connections) are retried with
//!   exponential backoff and jitter, up to `max_attempts` and within `retry_budget` of the
//!   first try; then the digest is left `deferred` for the next run.
//! - A permanent failure is recorded with the reply and not retried; a 5xx about the
//!   recipient also suppresses the address.
//! - `max_failures_in_a_row` failures in a row (the server is clearly broken) stop the run;
//!   everything not yet sent is left `deferred`. The stop counts failures as they arrive
//!   from every worker; from then on no message leaves, and a refusal still in flight when
//!   the stop came is left `deferred`, not taken as final: a broken relay suppresses at most
//!   `max_failures_in_a_row` addresses, however many connections it has.
//! - With `rate_per_second`, message starts are evenly spaced across all workers.
//!
//! It decides nothing about who gets what: the [`Work`] it is given does the picking.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, mpsc};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use lettre::Address;

use crate::clock::Clock;
use crate::config::{Config, TransportKind};
#[cfg(doc)]
use crate::deliver::Mailer;
use crate::deliver::{Courier, DeliveryError, Letter};
use crate::journal::{Journal, JournalError, RunCounts, RunId};

/// How a run delivers: how many at once, how fast, how persistently.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Policy {
    /// Workers, each with its own connection.
    pub(crate) workers: usize,
    /// At most this many message starts a second, evenly spaced.
    pub(crate) rate_per_second: Option<f64>,
    /// Tries per digest in this run.
    pub(crate) max_attempts: u32,
    /// The wait before the first retry; doubled for each further one.
    pub(crate) backoff: Duration,
    /// No retry starts later than this after the digest's first try.
    pub(crate) retry_budget: Duration,
    /// This many failures in a row stop the run.
    pub(crate) max_failures_in_a_row: u32,
}

impl Policy {
    /// `[smtp]`'s settings; for the outbox, one try each and a worker per core.
    pub(crate) fn for_config(config: &Config) -> Policy {
        match (&config.smtp, config.delivery.transport) {
            (Some(smtp), TransportKind::Smtp) => Policy {
                workers: smtp.max_connections.max(1),
                rate_per_second: smtp.rate_per_second,
                max_attempts: smtp.max_attempts.max(1),
                backoff: Duration::from_millis(smtp.retry_backoff_ms),
                retry_budget: Duration::from_secs(smtp.retry_budget_secs),
                max_failures_in_a_row: smtp.max_failures_in_a_row.max(1),
            },
            _ => Policy {
                workers: std::thread::available_parallelism().map_or(2, |n| n.get()).min(4),
                rate_per_second: None,
                max_attempts: 1,
                backoff: Duration::ZERO,
                retry_budget: Duration::ZERO,
                max_failures_in_a_row: 10,
            },
        }
    }
}

/// What a worker gets when it asks for a digest.
#[derive(Debug)]
pub(crate) enum Prepared {
    /// Nothing to send: no paper matched and `send_empty` is off.
    Skip {
        /// The subscriber, whose planned digest is taken back.
        to: Address,
    },
    /// A message to deliver.
    Ready(Letter),
    /// The message could not be made; that fails for good.
    Broken {
        /// The recipient.
        to: Address,
        /// Why.
        error: DeliveryError,
    },
}

/// Who a job is for.
#[derive(Debug, Clone)]
pub(crate) struct Recipient {
    /// The address.
    pub(crate) to: Address,
    /// The digest's Message-ID.
    pub(crate) message_id: String,
    /// Whether there is a digest to send (some paper matched, or `send_empty`).
    pub(crate) wanted: bool,
}

/// Turns a job number into a message. Implemented by `send`, which knows the day, the
/// subscribers and the templates.
pub(crate) trait Work: Sync {
    /// Picks, renders and builds job `job`'s digest.
    fn prepare(&self, job: usize) -> Prepared;

    /// Who job `job` is for, without rendering: what a stopped run records as left for the
    /// next run.
    fn recipient(&self, job: usize) -> Recipient;
}

/// Something that happened to a digest, for the operator's view.
#[derive(Debug)]
pub(crate) enum Event<'a> {
    /// Delivered; the server's reply.
    Sent {
        /// The recipient.
        to: &'a Address,
        /// What the server said.
        reply: &'a str,
        /// Which try of this run.
        attempt: u32,
    },
    /// A temporary failure; another try follows after `wait`.
    Retrying {
        /// The recipient.
        to: &'a Address,
        /// What went wrong.
        error: &'a DeliveryError,
        /// Which try failed.
        attempt: u32,
        /// The backoff before the next.
        wait: Duration,
    },
    /// Left for the next run.
    Deferred {
        /// The recipient.
        to: &'a Address,
        /// What went wrong last.
        error: &'a DeliveryError,
        /// Tries in this run.
        attempts: u32,
    },
    /// Failed for good.
    Failed {
        /// The recipient.
        to: &'a Address,
        /// What went wrong.
        error: &'a DeliveryError,
        /// Whether the address is now suppressed.
        suppressed: bool,
    },
    /// Nothing matched; nothing sent.
    Skipped,
    /// Too many failures in a row: the run stops.
    Stopped {
        /// How many.
        failures: u32,
    },
}

/// Receives every [`Event`], from any worker.
pub(crate) trait Observer: Sync {
    /// Called once per event, as it happens.
    fn event(&self, event: Event<'_>);
}

/// What the run did: its counts, as the journal records them, and whether it stopped.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dispatched {
    /// Sent, skipped, deferred and failed digests.
    pub(crate) counts: RunCounts,
    /// Whether too many failures in a row stopped the run early.
    pub(crate) stopped: bool,
}

/// The journal as a run's workers write it, one at a time: every call is one committed
/// transaction.
pub(crate) struct JournalWriter {
    journal: Mutex<Journal>,
    run: RunId,
    date: NaiveDate,
    clock: Clock,
}

impl JournalWriter {
    /// Records into `journal` for run `run` of `date`.
    pub(crate) fn new(
        journal: Journal,
        run: RunId,
        date: NaiveDate,
        clock: Clock,
    ) -> JournalWriter {
        JournalWriter { journal: Mutex::new(journal), run, date, clock }
    }

    /// The journal back, for what the run does after delivering.
    pub(crate) fn into_journal(self) -> Journal {
        self.journal.into_inner().unwrap_or_else(PoisonError::into_inner)
    }

    fn journal(&self) -> MutexGuard<'_, Journal> {
        self.journal.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn sent(&self, letter: &Letter, reply: &str) -> Result<(), JournalError> {
        let papers: Vec<&str> = letter.papers.iter().map(String::as_str).collect();
        let now = self.clock.now();
        self.journal().mark_sent(self.run, self.date, letter.to.as_ref(), reply, &papers, now)
    }

    fn deferred(&self, to: &Address, reply: &str) -> Result<(), JournalError> {
        self.journal().mark_deferred(self.run, self.date, to.as_ref(), reply, self.clock.now())
    }

    fn failed(&self, to: &Address, reply: &str, suppress: bool) -> Result<(), JournalError> {
        let now = self.clock.now();
        self.journal().mark_failed(self.run, self.date, to.as_ref(), reply, suppress, now)
    }

    fn unplan(&self, to: &Address) -> Result<(), JournalError> {
        self.journal().unplan(self.date, to.as_ref())
    }

    fn untried(&self, to: &Address, message_id: &str, reason: &str) -> Result<(), JournalError> {
        let now = self.clock.now();
        self.journal().mark_untried(self.run, self.date, to.as_ref(), message_id, reason, now)
    }
}

/// Messages made and waiting for their connection, per connection: enough that a connection
/// finds one ready after every reply, few enough to hold little memory.
const MADE_AHEAD: usize = 8;

/// Makes one courier per worker (see [`Mailer::courier`]).
pub(crate) type Couriers<'m> = dyn Fn() -> Box<dyn Courier + 'm> + Sync + 'm;

/// Delivers `jobs` (numbers [`Work::prepare`] understands), in order, with `policy.workers`
/// couriers from `couriers` (e.g. `&|| mailer.courier()`). Returns when every job is sent,
/// skipped, failed or deferred, or the run was stopped; a journal that cannot be written
/// stops the run with its error.
pub(crate) fn deliver(
    jobs: &[usize],
    work: &dyn Work,
    couriers: &Couriers<'_>,
    ledger: &JournalWriter,
    policy: &Policy,
    observer: &dyn Observer,
) -> Result<Dispatched, JournalError> {
    let run = Run {
        work,
        ledger,
        policy,
        observer,
        queue: Queue::new(jobs),
        pacer: Pacer::new(policy.rate_per_second),
        outcome: Mutex::new(Dispatched::default()),
        streak: Mutex::new(Streak::default()),
        jitter: Jitter,
    };
    let workers = policy.workers.clamp(1, jobs.len().max(1));
    let makers = std::thread::available_parallelism().map_or(2, |n| n.get()).min(workers);
    let (made, letters) = mpsc::sync_channel::<(Task, Letter)>(MADE_AHEAD * workers);
    // Held by the senders alone: when the last one stops, a maker blocked on a full channel
    // gets an error instead of waiting forever.
    let letters = Arc::new(Mutex::new(letters));
    let results: Vec<Result<(), JournalError>> = std::thread::scope(|scope| {
        let run = &run;
        let mut handles: Vec<_> = (0..makers)
            .map(|_| {
                let made = made.clone();
                scope.spawn(move || run.make_loop(&made))
            })
            .collect();
        drop(made);
        handles.extend((0..workers).map(|_| {
            let letters = Arc::clone(&letters);
            scope.spawn(move || {
                let mut courier = couriers();
                let result = run.send_loop(&letters, courier.as_mut());
                courier.finish();
                result
            })
        }));
        drop(letters);
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    });
    results.into_iter().collect::<Result<(), _>>()?;
    run.leave_the_rest()?;
    Ok(run.outcome.into_inner().unwrap_or_else(PoisonError::into_inner))
}

/// Everything the workers share.
struct Run<'a> {
    work: &'a dyn Work,
    ledger: &'a JournalWriter,
    policy: &'a Policy,
    observer: &'a dyn Observer,
    queue: Queue<'a>,
    pacer: Pacer,
    outcome: Mutex<Dispatched>,
    streak: Mutex<Streak>,
    jitter: Jitter,
}

/// The failures in a row so far, and whether they stopped the run.
#[derive(Default)]
struct Streak {
    failures: u32,
    stopped: bool,
}

impl Run<'_> {
    fn count(&self, change: impl FnOnce(&mut RunCounts)) {
        change(&mut self.outcome.lock().unwrap_or_else(PoisonError::into_inner).counts);
    }

    /// Makes the letters of the fresh jobs in turn, until there are none or the run stops.
    /// Retries are the senders' own, so that a due one never waits behind letters made.
    fn make_loop(&self, made: &mpsc::SyncSender<(Task, Letter)>) -> Result<(), JournalError> {
        let _stop = StopOnPanic(&self.queue);
        yield_to_connections();
        while let Some(task) = self.queue.take_fresh() {
            match self.make(&task) {
                Ok(Some(letter)) => {
                    if made.send((task, letter)).is_err() {
                        // Every sender has stopped, on an error it reports.
                        self.queue.done(None);
                        return Ok(());
                    }
                }
                nothing_or_error => self.settle(nothing_or_error.map(|_| None))?,
            }
        }
        Ok(())
    }

    /// Sends the letters made, and any retry that falls due first; once the makers are done,
    /// the retries still to come.
    fn send_loop(
        &self,
        letters: &Mutex<mpsc::Receiver<(Task, Letter)>>,
        courier: &mut (dyn Courier + '_),
    ) -> Result<(), JournalError> {
        let _stop = StopOnPanic(&self.queue);
        loop {
            if let Some(task) = self.queue.take_due() {
                self.make_and_send(task, courier)?;
                continue;
            }
            let next = letters.lock().unwrap_or_else(PoisonError::into_inner).recv();
            let Ok((task, letter)) = next else { break };
            let outcome = self.attempt(&task, letter, courier);
            self.settle(outcome)?;
        }
        while let Some(task) = self.queue.take() {
            self.make_and_send(task, courier)?;
        }
        Ok(())
    }

    /// A retry, made again and tried by the sender that took it.
    fn make_and_send(
        &self,
        task: Task,
        courier: &mut (dyn Courier + '_),
    ) -> Result<(), JournalError> {
        let outcome = match self.make(&task) {
            Ok(Some(letter)) => self.attempt(&task, letter, courier),
            Ok(None) => Ok(None),
            Err(err) => Err(err),
        };
        self.settle(outcome)
    }

    /// Hands a task back to the queue: done, or to try again; a journal error stops the run.
    fn settle(&self, outcome: Result<Option<Task>, JournalError>) -> Result<(), JournalError> {
        match outcome {
            Ok(retry) => {
                self.queue.done(retry);
                Ok(())
            }
            Err(err) => {
                self.queue.done(None);
                self.queue.stop();
                Err(err)
            }
        }
    }

    /// Task `task`'s letter, or `None` when there is nothing to send (recorded here).
    fn make(&self, task: &Task) -> Result<Option<Letter>, JournalError> {
        match self.work.prepare(task.job) {
            Prepared::Skip { to } => {
                self.ledger.unplan(&to)?;
                self.count(|o| o.skipped += 1);
                self.observer.event(Event::Skipped);
                Ok(None)
            }
            Prepared::Broken { to, error } => {
                self.ledger.failed(&to, &error.to_string(), false)?;
                self.count(|o| o.failed += 1);
                self.failure();
                self.observer.event(Event::Failed { to: &to, error: &error, suppressed: false });
                Ok(None)
            }
            Prepared::Ready(letter) => Ok(Some(letter)),
        }
    }

    /// One try of one digest; a retry to schedule, if any.
    fn attempt(
        &self,
        task: &Task,
        letter: Letter,
        courier: &mut (dyn Courier + '_),
    ) -> Result<Option<Task>, JournalError> {
        // Stopped while the letter waited: no wait for a slot just to record it untried.
        if !self.queue.is_stopped() {
            self.pacer.wait();
        }
        if self.queue.is_stopped() {
            // Taken before the stop: it goes back to the next run instead of to the server.
            if task.attempt == 1 {
                let recipient = self.work.recipient(task.job);
                self.ledger.untried(&recipient.to, &recipient.message_id, NOT_TRIED)?;
            }
            self.count(|o| o.deferred += 1);
            return Ok(None);
        }
        let first = task.first.unwrap_or_else(Instant::now);
        let error = match courier.deliver(&letter) {
            Ok(reply) => {
                self.ledger.sent(&letter, &reply)?;
                self.success();
                self.count(|o| o.sent += 1);
                self.observer.event(Event::Sent {
                    to: &letter.to,
                    reply: &reply,
                    attempt: task.attempt,
                });
                return Ok(None);
            }
            Err(error) => error,
        };
        let counted = self.failure();
        let mut reply = error.to_string();
        if !counted {
            // The stop was decided before this answer came: the server is broken, not
            // (necessarily) the address, so nothing is final and nobody is suppressed.
            reply.push_str(
                " (left for the next run: this run had stopped after too many failures in a row)",
            );
        } else if !error.is_transient() {
            let suppress = error.suppresses_recipient();
            self.ledger.failed(&letter.to, &reply, suppress)?;
            self.count(|o| o.failed += 1);
            self.observer.event(Event::Failed {
                to: &letter.to,
                error: &error,
                suppressed: suppress,
            });
            return Ok(None);
        }
        // Deferred at once: a run killed while this digest waits leaves it for the next run.
        self.ledger.deferred(&letter.to, &reply)?;
        let wait = self.jitter.backoff(self.policy.backoff, task.attempt);
        let due = Instant::now() + wait;
        let may_retry = task.attempt < self.policy.max_attempts
            && due.duration_since(first) <= self.policy.retry_budget
            && !self.queue.is_stopped();
        if may_retry {
            self.observer.event(Event::Retrying {
                to: &letter.to,
                error: &error,
                attempt: task.attempt,
                wait,
            });
            return Ok(Some(Task {
                job: task.job,
                attempt: task.attempt + 1,
                first: Some(first),
                due,
            }));
        }
        self.count(|o| o.deferred += 1);
        self.observer.event(Event::Deferred {
            to: &letter.to,
            error: &error,
            attempts: task.attempt,
        });
        Ok(None)
    }

    /// Counts a failure; enough in a row stop the run. Whether it counted: a failure that
    /// arrives after the stop (from a message already in flight) does not.
    fn failure(&self) -> bool {
        let failures = {
            let mut streak = self.streak.lock().unwrap_or_else(PoisonError::into_inner);
            if streak.stopped {
                return false;
            }
            streak.failures += 1;
            streak.stopped = streak.failures >= self.policy.max_failures_in_a_row;
            if !streak.stopped {
                return true;
            }
            streak.failures
        };
        self.queue.stop();
        self.outcome.lock().unwrap_or_else(PoisonError::into_inner).stopped = true;
        self.observer.event(Event::Stopped { failures });
        true
    }

    /// A delivery: the failures in a row start again from zero (unless the run stopped).
    fn success(&self) {
        let mut streak = self.streak.lock().unwrap_or_else(PoisonError::into_inner);
        if !streak.stopped {
            streak.failures = 0;
        }
    }

    /// After a stop: what never got its turn is recorded `deferred` for the next run, and
    /// what was waiting for a retry (already `deferred`) is counted.
    fn leave_the_rest(&self) -> Result<(), JournalError> {
        let (untried, waiting) = self.queue.leftovers();
        self.count(|o| o.deferred += waiting.len());
        for job in untried {
            let recipient = self.work.recipient(job);
            if recipient.wanted {
                self.ledger.untried(&recipient.to, &recipient.message_id, NOT_TRIED)?;
                self.count(|o| o.deferred += 1);
            } else {
                self.ledger.unplan(&recipient.to)?;
                self.count(|o| o.skipped += 1);
            }
        }
        Ok(())
    }
}

/// What a digest the stopped run never sent records as its reason.
const NOT_TRIED: &str = "not tried: the run stopped after too many failures in a row";

/// A digest's turn: which try, since when, not before when.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Task {
    job: usize,
    attempt: u32,
    first: Option<Instant>,
    due: Instant,
}

impl Ord for Task {
    fn cmp(&self, other: &Task) -> std::cmp::Ordering {
        (self.due, self.job).cmp(&(other.due, other.job))
    }
}

impl PartialOrd for Task {
    fn partial_cmp(&self, other: &Task) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Fresh jobs in order (for the makers), and retries by due time (for the senders, before
/// any letter made).
struct Queue<'a> {
    state: Mutex<QueueState<'a>>,
    wake: Condvar,
}

struct QueueState<'a> {
    fresh: std::slice::Iter<'a, usize>,
    retries: BinaryHeap<Reverse<Task>>,
    /// Tasks a worker holds: they may come back as retries.
    busy: usize,
    /// Workers waiting for a retry to fall due or for the others to finish; only then is
    /// there anyone to wake (a wake-up is a system call, once per message otherwise).
    waiting: usize,
    stopped: bool,
}

impl<'a> Queue<'a> {
    fn new(jobs: &'a [usize]) -> Queue<'a> {
        let state = QueueState {
            fresh: jobs.iter(),
            retries: BinaryHeap::new(),
            busy: 0,
            waiting: 0,
            stopped: false,
        };
        Queue { state: Mutex::new(state), wake: Condvar::new() }
    }

    fn lock(&self) -> MutexGuard<'_, QueueState<'a>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next task, waiting for a retry to fall due if that is all there is; `None` when
    /// the run is over or stopped.
    fn take(&self) -> Option<Task> {
        let mut state = self.lock();
        loop {
            if state.stopped {
                return None;
            }
            let now = Instant::now();
            if state.retries.peek().is_some_and(|Reverse(task)| task.due <= now) {
                let Reverse(task) = state.retries.pop().expect("peeked just now");
                state.busy += 1;
                return Some(task);
            }
            if let Some(&job) = state.fresh.next() {
                state.busy += 1;
                return Some(Task { job, attempt: 1, first: None, due: now });
            }
            let next_due = state.retries.peek().map(|Reverse(task)| task.due);
            if next_due.is_none() && state.busy == 0 {
                return None;
            }
            state.waiting += 1;
            state = match next_due {
                Some(due) => {
                    self.wake
                        .wait_timeout(state, due - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                None => self.wake.wait(state).unwrap_or_else(PoisonError::into_inner),
            };
            state.waiting -= 1;
        }
    }

    /// The next fresh job, if any is left and the run goes on.
    fn take_fresh(&self) -> Option<Task> {
        let mut state = self.lock();
        if state.stopped {
            return None;
        }
        let &job = state.fresh.next()?;
        state.busy += 1;
        Some(Task { job, attempt: 1, first: None, due: Instant::now() })
    }

    /// A retry that is due now, if there is one and the run goes on.
    fn take_due(&self) -> Option<Task> {
        let mut state = self.lock();
        let due = state.retries.peek().is_some_and(|Reverse(task)| task.due <= Instant::now());
        if state.stopped || !due {
            return None;
        }
        let Reverse(task) = state.retries.pop().expect("peeked just now");
        state.busy += 1;
        Some(task)
    }

    fn done(&self, retry: Option<Task>) {
        let mut state = self.lock();
        state.busy -= 1;
        if let Some(task) = retry {
            state.retries.push(Reverse(task));
        }
        if state.waiting > 0 {
            self.wake.notify_all();
        }
    }

    fn stop(&self) {
        self.lock().stopped = true;
        self.wake.notify_all();
    }

    fn is_stopped(&self) -> bool {
        self.lock().stopped
    }

    /// The jobs never started, and those waiting for a retry.
    fn leftovers(&self) -> (Vec<usize>, Vec<usize>) {
        let mut state = self.lock();
        let untried = state.fresh.by_ref().copied().collect();
        let waiting = state.retries.drain().map(|Reverse(task)| task.job).collect();
        (untried, waiting)
    }
}

/// How much nicer than the run a maker thread is.
const MAKER_NICENESS: i32 = 5;

/// Lowers this thread's priority below the connections': a connection's thread, and a relay
/// on the same machine, should run the moment a reply or a message arrives, while rendering,
/// ahead anyway, can wait. Linux keeps a nice value per thread; elsewhere it would slow the
/// whole process, so there it does nothing. Failing to change it changes nothing else.
fn yield_to_connections() {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{getpriority_process, setpriority_process};
        let thread = Some(rustix::thread::gettid());
        if let Ok(nice) = getpriority_process(thread) {
            let _ = setpriority_process(thread, (nice + MAKER_NICENESS).min(19));
        }
    }
}

/// Stops the run when its thread unwinds from a panic, so the other threads finish (and the
/// panic reaches the caller) instead of waiting for a task that will never be done.
struct StopOnPanic<'q, 'a>(&'q Queue<'a>);

impl Drop for StopOnPanic<'_, '_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.stop();
        }
    }
}

/// Spaces message starts evenly: each takes the next free slot, `1 / rate` after the last.
/// After a pause the next message goes at once, but never two closer than the interval, so
/// the limit holds over any window, not just on average.
struct Pacer {
    interval: Option<Duration>,
    next: Mutex<Option<Instant>>,
}

impl Pacer {
    fn new(rate_per_second: Option<f64>) -> Pacer {
        let interval = rate_per_second
            .filter(|rate| rate.is_finite() && *rate > 0.0)
            .map(|rate| Duration::from_secs_f64(1.0 / rate));
        Pacer { interval, next: Mutex::new(None) }
    }

    fn wait(&self) {
        let Some(interval) = self.interval else { return };
        let now = Instant::now();
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
            let slot = next.map_or(now, |next| next.max(now));
            *next = Some(slot + interval);
            slot
        };
        if slot > now {
            std::thread::sleep(slot - now);
        }
    }
}

/// Backoff with random jitter (fastrand: the spread only has to keep workers, and hosts,
/// from retrying in lockstep).
struct Jitter;

impl Jitter {
    /// `base · 2^(attempt-1)`, capped at five minutes, then a uniformly random point in its
    /// upper half ("equal jitter"): never less than half the backoff, never all at once.
    fn backoff(&self, base: Duration, attempt: u32) -> Duration {
        let full = base
            .saturating_mul(1 << attempt.saturating_sub(1).min(16))
            .min(Duration::from_secs(300));
        full / 2 + full.mul_f64(fastrand::f64() / 2.0)
    }
}

#[cfg(test)]
mod tests;
