//! The dispatcher with a scripted courier and a real journal in a temporary folder: each test
//! states what the server answers each recipient and checks what the run and the journal
//! make of it.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{TimeZone, Utc};

use super::*;
use crate::deliver::smtp::{Reply, SmtpError, Stage};
use crate::journal::{HistoryFilter, Status};

const DAY: (i32, u32, u32) = (2025, 8, 5);

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(DAY.0, DAY.1, DAY.2).unwrap()
}

fn reader(job: usize) -> Address {
    format!("reader{job}@example.com").parse().unwrap()
}

/// Jobs `0..n`; those in `skip` have nothing to send. Counts parcels made and not yet
/// delivered, to show that a run holds a bounded number.
struct FakeWork {
    skip: Vec<usize>,
    /// A job whose making panics, as a bug would.
    panics: Option<usize>,
    outstanding: AtomicUsize,
    most_outstanding: AtomicUsize,
}

impl FakeWork {
    fn new(skip: &[usize]) -> FakeWork {
        FakeWork {
            skip: skip.to_vec(),
            panics: None,
            outstanding: AtomicUsize::new(0),
            most_outstanding: AtomicUsize::new(0),
        }
    }
}

impl Work for FakeWork {
    fn prepare(&self, job: usize) -> Prepared {
        assert_ne!(self.panics, Some(job), "a bug in making job {job}");
        if self.skip.contains(&job) {
            return Prepared::Skip { to: reader(job) };
        }
        let now = self.outstanding.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_outstanding.fetch_max(now, Ordering::SeqCst);
        Prepared::Ready(Letter {
            from: "digest@example.org".parse().unwrap(),
            to: reader(job),
            date: day(),
            bytes: format!("Subject: {job}\r\n\r\nhello\r\n").into_bytes(),
            papers: vec![format!("paper-{job}-a"), format!("paper-{job}-b")],
        })
    }

    fn recipient(&self, job: usize) -> Recipient {
        Recipient {
            to: reader(job),
            message_id: format!("<m{job}@example.org>"),
            wanted: !self.skip.contains(&job),
        }
    }
}

type Answer = Result<&'static str, (Stage, u16)>;

/// What the "server" answers each recipient, try by try (then 250), and what it saw.
#[derive(Default)]
struct Server {
    answers: Mutex<HashMap<String, VecDeque<Answer>>>,
    always: Mutex<Option<(Stage, u16)>>,
    log: Mutex<Vec<(String, Instant)>>,
    busy: AtomicUsize,
    most_busy: AtomicUsize,
    delay: Duration,
}

impl Server {
    fn answer(self, job: usize, answers: &[Answer]) -> Server {
        self.answers
            .lock()
            .unwrap()
            .insert(reader(job).to_string(), answers.iter().copied().collect());
        self
    }

    fn refuse_everything(self, stage: Stage, code: u16) -> Server {
        *self.always.lock().unwrap() = Some((stage, code));
        self
    }

    fn deliveries_to(&self, job: usize) -> usize {
        let to = reader(job).to_string();
        self.log.lock().unwrap().iter().filter(|(who, _)| *who == to).count()
    }
}

struct FakeCourier<'s> {
    server: &'s Server,
    work: &'s FakeWork,
}

fn refusal(stage: Stage, code: u16) -> DeliveryError {
    let source = SmtpError::Rejected { stage, reply: Reply::new(code, "scripted") };
    DeliveryError::Smtp { server: "test".into(), source }
}

impl Courier for FakeCourier<'_> {
    fn deliver(&mut self, letter: &Letter) -> Result<String, DeliveryError> {
        self.work.outstanding.fetch_sub(1, Ordering::SeqCst);
        let busy = self.server.busy.fetch_add(1, Ordering::SeqCst) + 1;
        self.server.most_busy.fetch_max(busy, Ordering::SeqCst);
        std::thread::sleep(self.server.delay);
        let to = letter.to.to_string();
        self.server.log.lock().unwrap().push((to.clone(), Instant::now()));
        self.server.busy.fetch_sub(1, Ordering::SeqCst);
        if let Some((stage, code)) = *self.server.always.lock().unwrap() {
            return Err(refusal(stage, code));
        }
        let answer = self.server.answers.lock().unwrap().get_mut(&to).and_then(VecDeque::pop_front);
        match answer.unwrap_or(Ok("250 ok")) {
            Ok(reply) => Ok(reply.to_owned()),
            Err((stage, code)) => Err(refusal(stage, code)),
        }
    }
}

struct Events(Mutex<Vec<String>>);

impl Observer for Events {
    fn event(&self, event: Event<'_>) {
        let line = match event {
            Event::Sent { to, attempt, .. } => format!("sent {to} #{attempt}"),
            Event::Retrying { to, attempt, .. } => format!("retry {to} #{attempt}"),
            Event::Deferred { to, attempts, .. } => format!("deferred {to} after {attempts}"),
            Event::Failed { to, suppressed, .. } => format!("failed {to} suppressed={suppressed}"),
            Event::Skipped => "skipped".to_owned(),
            Event::Stopped { failures } => format!("stopped after {failures}"),
        };
        self.0.lock().unwrap().push(line);
    }
}

fn policy() -> Policy {
    Policy {
        workers: 3,
        rate_per_second: None,
        max_attempts: 3,
        backoff: Duration::from_millis(20),
        retry_budget: Duration::from_secs(10),
        max_failures_in_a_row: 10,
    }
}

struct Ran {
    outcome: Dispatched,
    events: Vec<String>,
    journal: Journal,
    _dir: tempfile::TempDir,
}

fn run(jobs: usize, work: &FakeWork, server: &Server, policy: &Policy) -> Ran {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(&dir.path().join("paperboy.db")).unwrap();
    let clock = Clock::Fixed(Utc.with_ymd_and_hms(2025, 8, 5, 7, 30, 0).unwrap());
    let run = journal.begin_run(day(), None, false, clock.now()).unwrap();
    let plan: Vec<(String, String)> = (0..jobs)
        .map(|job| work.recipient(job))
        .map(|recipient| (recipient.to.to_string(), recipient.message_id))
        .collect();
    journal.plan(run, day(), &plan, clock.now()).unwrap();
    let ledger = JournalWriter::new(journal, run, day(), clock);
    let events = Events(Mutex::new(Vec::new()));
    let jobs: Vec<usize> = (0..jobs).collect();
    let couriers = || -> Box<dyn Courier + '_> { Box::new(FakeCourier { server, work }) };
    let outcome = deliver(&jobs, work, &couriers, &ledger, policy, &events).unwrap();
    Ran {
        outcome,
        events: events.0.into_inner().unwrap(),
        journal: ledger.into_journal(),
        _dir: dir,
    }
}

fn status(ran: &Ran, job: usize) -> (Status, u32) {
    let known = ran.journal.digests_on(day()).unwrap();
    let entry = &known[&reader(job).to_string()];
    (entry.status, entry.attempts)
}

#[test]
fn every_digest_is_delivered_once_and_journaled_sent_with_its_papers() {
    let (work, server) = (FakeWork::new(&[3]), Server::default());
    let ran = run(6, &work, &server, &policy());
    assert_eq!(
        ran.outcome,
        Dispatched {
            counts: RunCounts { sent: 5, skipped: 1, deferred: 0, failed: 0 },
            stopped: false
        }
    );
    for job in [0, 1, 2, 4, 5] {
        assert_eq!(server.deliveries_to(job), 1);
        assert_eq!(status(&ran, job), (Status::Sent, 1));
    }
    assert_eq!(server.deliveries_to(3), 0);
    assert!(
        !ran.journal.digests_on(day()).unwrap().contains_key(&reader(3).to_string()),
        "nothing to send, no digest"
    );
    let papers = ran.journal.papers_sent_to(reader(4).as_ref()).unwrap();
    assert_eq!(papers, [("paper-4-a".to_owned(), day()), ("paper-4-b".to_owned(), day())]);
}

#[test]
fn a_temporary_failure_is_retried_after_a_backoff_and_then_delivered() {
    let work = FakeWork::new(&[]);
    let server =
        Server::default().answer(1, &[Err((Stage::Rcpt, 451)), Err((Stage::Connect, 421))]);
    let ran = run(3, &work, &server, &policy());
    assert_eq!(ran.outcome.counts.sent, 3);
    assert_eq!(server.deliveries_to(1), 3);
    assert_eq!(status(&ran, 1), (Status::Sent, 3));
    let log = server.log.lock().unwrap();
    let times: Vec<Instant> =
        log.iter().filter(|(to, _)| *to == reader(1).to_string()).map(|(_, at)| *at).collect();
    // Equal jitter: the first wait is 10-20 ms, the second 20-40 ms.
    assert!(times[1] - times[0] >= Duration::from_millis(10), "{:?}", times[1] - times[0]);
    assert!(times[2] - times[1] >= Duration::from_millis(20), "{:?}", times[2] - times[1]);
    assert!(ran.events.contains(&format!("retry {} #1", reader(1))), "{:?}", ran.events);
}

#[test]
fn a_digest_that_keeps_failing_temporarily_is_deferred_after_max_attempts() {
    let work = FakeWork::new(&[]);
    let server = Server::default().answer(0, &[Err((Stage::Rcpt, 452)); 5]);
    let ran = run(2, &work, &server, &policy());
    assert_eq!(
        ran.outcome,
        Dispatched {
            counts: RunCounts { sent: 1, skipped: 0, deferred: 1, failed: 0 },
            stopped: false
        }
    );
    assert_eq!(server.deliveries_to(0), 3, "max_attempts = 3");
    assert_eq!(status(&ran, 0), (Status::Deferred, 3));
    let record = ran.journal.digests(&HistoryFilter::default()).unwrap();
    assert!(record[0].last_reply.as_deref().unwrap_or("").contains("452"), "{record:?}");
}

#[test]
fn no_retry_starts_after_the_retry_budget() {
    let work = FakeWork::new(&[]);
    let server = Server::default().answer(0, &[Err((Stage::Rcpt, 451)); 5]);
    let tight = Policy {
        backoff: Duration::from_millis(400),
        retry_budget: Duration::from_millis(100),
        ..policy()
    };
    let ran = run(1, &work, &server, &tight);
    assert_eq!(server.deliveries_to(0), 1, "the first retry would start past the budget");
    assert_eq!(ran.outcome.counts.deferred, 1);
}

#[test]
fn a_due_retry_goes_before_the_letters_already_made() {
    let work = FakeWork::new(&[]);
    let server = Server { delay: Duration::from_millis(30), ..Server::default() }
        .answer(0, &[Err((Stage::Rcpt, 451))]);
    let one = Policy { workers: 1, retry_budget: Duration::from_millis(200), ..policy() };
    let ran = run(20, &work, &server, &one);
    assert_eq!(ran.outcome.counts.sent, 20);
    let log = server.log.lock().unwrap();
    let again = log.iter().skip(1).position(|(to, _)| *to == reader(0).to_string()).unwrap();
    // Due 10-20 ms after its first try, while the next digest is being sent: it goes next.
    assert!(again <= 2, "the retry was delivery {} of the run", again + 2);
}

#[test]
fn a_stopped_run_records_the_letters_made_without_waiting_for_their_slots() {
    let work = FakeWork::new(&[]);
    let server = Server::default().refuse_everything(Stage::Connect, 421);
    let paced = Policy {
        workers: 1,
        rate_per_second: Some(4.0),
        max_failures_in_a_row: 1,
        max_attempts: 1,
        ..policy()
    };
    let started = Instant::now();
    let ran = run(40, &work, &server, &paced);
    assert_eq!(ran.outcome.counts.deferred, 40);
    // The eight letters made ahead, each waiting 250 ms for a slot, would take 2 s.
    let took = started.elapsed();
    assert!(took < Duration::from_secs(1), "the stopped run took {took:?}");
}

#[test]
fn a_panic_while_making_a_digest_ends_the_run_with_that_panic() {
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let result = std::panic::catch_unwind(|| {
            let work = FakeWork { panics: Some(5), ..FakeWork::new(&[]) };
            run(20, &work, &Server::default(), &policy());
        });
        let _ = done.send(result.is_err());
    });
    let panicked = finished.recv_timeout(Duration::from_secs(20)).expect("the run ends");
    assert!(panicked, "the panic reaches the caller");
}

#[test]
fn a_5xx_about_the_recipient_fails_at_once_and_suppresses_the_address() {
    let work = FakeWork::new(&[]);
    let server = Server::default()
        .answer(0, &[Err((Stage::Rcpt, 550))])
        .answer(1, &[Err((Stage::AfterDot, 552))]);
    let ran = run(3, &work, &server, &policy());
    assert_eq!(
        ran.outcome,
        Dispatched {
            counts: RunCounts { sent: 1, skipped: 0, deferred: 0, failed: 2 },
            stopped: false
        }
    );
    assert_eq!(server.deliveries_to(0), 1, "not retried");
    assert_eq!(status(&ran, 0), (Status::Failed, 1));
    let suppressed = ran.journal.suppressed().unwrap();
    assert!(
        suppressed.contains(&reader(0).to_string()) && suppressed.contains(&reader(1).to_string())
    );
    assert!(ran.events.contains(&format!("failed {} suppressed=true", reader(0))));
}

#[test]
fn a_refused_login_fails_the_digest_but_suppresses_nobody() {
    let work = FakeWork::new(&[]);
    let server = Server::default().answer(0, &[Err((Stage::Auth, 535))]);
    let ran = run(2, &work, &server, &policy());
    assert_eq!(ran.outcome.counts.failed, 1);
    assert!(ran.journal.suppressed().unwrap().is_empty());
}

#[test]
fn many_failures_in_a_row_stop_the_run_and_leave_the_rest_deferred() {
    let work = FakeWork::new(&[7]);
    let server = Server::default().refuse_everything(Stage::Connect, 421);
    let stopper = Policy { workers: 1, max_failures_in_a_row: 4, max_attempts: 1, ..policy() };
    let ran = run(10, &work, &server, &stopper);
    assert!(ran.outcome.stopped);
    assert_eq!(server.log.lock().unwrap().len(), 4, "nothing is tried after the fourth failure");
    assert_eq!(
        ran.outcome.counts.deferred, 9,
        "4 tried + 5 never tried; job 7 has nothing to send"
    );
    assert_eq!(ran.outcome.counts.skipped, 1);
    assert_eq!(status(&ran, 9), (Status::Deferred, 0), "recorded for the next run, untried");
    assert!(ran.events.contains(&"stopped after 4".to_owned()), "{:?}", ran.events);
}

#[test]
fn a_success_resets_the_count_of_failures_in_a_row() {
    let work = FakeWork::new(&[]);
    let mut server = Server::default();
    for job in (0..12).filter(|job| job % 3 != 2) {
        server = server.answer(job, &[Err((Stage::Rcpt, 550))]);
    }
    let stopper = Policy { workers: 1, max_failures_in_a_row: 3, ..policy() };
    let ran = run(12, &work, &server, &stopper);
    assert!(!ran.outcome.stopped, "never three in a row");
    assert_eq!((ran.outcome.counts.failed, ran.outcome.counts.sent), (8, 4));
}

#[test]
fn the_rate_limit_spaces_every_message_evenly_across_workers() {
    let work = FakeWork::new(&[]);
    let server = Server::default();
    let paced = Policy { workers: 4, rate_per_second: Some(50.0), ..policy() };
    let started = Instant::now();
    run(11, &work, &server, &paced);
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(195), "11 messages at 50/s need 200 ms, took {took:?}");
    let mut times: Vec<Instant> = server.log.lock().unwrap().iter().map(|(_, at)| *at).collect();
    times.sort();
    // Message i may not start before i intervals have passed: no burst at any point, however
    // late the machine schedules a worker.
    for (i, at) in times.iter().enumerate() {
        let earliest = Duration::from_millis(20) * i as u32;
        assert!(*at - started >= earliest, "message {i} at {:?}", *at - started);
    }
}

#[test]
fn workers_deliver_in_parallel_up_to_the_connection_count_and_no_further() {
    let work = FakeWork::new(&[]);
    let server = Server { delay: Duration::from_millis(20), ..Server::default() };
    let ran = run(20, &work, &server, &Policy { workers: 4, ..policy() });
    assert_eq!(ran.outcome.counts.sent, 20);
    assert_eq!(server.most_busy.load(Ordering::SeqCst), 4);
}

#[test]
fn digests_are_made_a_few_ahead_of_each_connection_and_no_more() {
    let work = FakeWork::new(&[]);
    let server = Server { delay: Duration::from_millis(2), ..Server::default() };
    let workers = 3;
    run(200, &work, &server, &Policy { workers, ..policy() });
    // Each connection sends one and has MADE_AHEAD waiting; each maker holds the one it made.
    let makers = std::thread::available_parallelism().map_or(2, |n| n.get()).min(workers);
    let most = work.most_outstanding.load(Ordering::SeqCst);
    assert!(most <= workers * (1 + MADE_AHEAD) + makers, "{most} made and not yet sent");
    assert!(most > workers, "made ahead of sending: {most}");
}

#[test]
fn backoff_doubles_with_jitter_in_its_upper_half() {
    let jitter = Jitter;
    let base = Duration::from_millis(100);
    for attempt in 1..=5 {
        let full = base * (1 << (attempt - 1));
        let waits: Vec<Duration> = (0..50).map(|_| jitter.backoff(base, attempt)).collect();
        assert!(waits.iter().all(|w| *w >= full / 2 && *w <= full), "{attempt}: {waits:?}");
        assert!(waits.iter().any(|w| *w != waits[0]), "jitter varies");
    }
    assert!(jitter.backoff(Duration::from_secs(100), 30) <= Duration::from_secs(300));
}

#[test]
fn four_connections_to_a_relay_refusing_everything_suppress_no_more_than_max_failures_in_a_row() {
    let work = FakeWork::new(&[]);
    // Every answer takes a while, so the other three workers are always mid-message when
    // the tenth refusal stops the run.
    let server = Server { delay: Duration::from_millis(30), ..Server::default() }
        .refuse_everything(Stage::Rcpt, 554);
    let stopper = Policy { workers: 4, max_failures_in_a_row: 10, max_attempts: 1, ..policy() };
    let ran = run(40, &work, &server, &stopper);

    assert!(ran.outcome.stopped);
    assert_eq!(ran.journal.suppressed().unwrap().len(), 10, "{:?}", ran.events);
    assert_eq!((ran.outcome.counts.failed, ran.outcome.counts.deferred), (10, 30));
    let tried = server.log.lock().unwrap().len();
    assert!(tried <= 10 + 3, "only what was in flight goes after the stop: {tried}");
    let late: Vec<_> = ran
        .journal
        .digests(&HistoryFilter::default())
        .unwrap()
        .into_iter()
        .filter(|d| d.attempts == 1 && d.status == Status::Deferred)
        .collect();
    assert_eq!(late.len(), tried - 10, "a refusal that came after the stop is left deferred");
    assert!(late.iter().all(|d| d.last_reply.as_deref().unwrap_or("").contains("554")));
}

#[test]
fn work_taken_before_the_stop_is_handed_back_unsent() {
    let work = FakeWork::new(&[]);
    let server = Server::default().refuse_everything(Stage::Connect, 421);
    // Paced, so the second worker is waiting for its slot when the first failure stops the run.
    let stopper = Policy {
        workers: 2,
        rate_per_second: Some(5.0),
        max_failures_in_a_row: 1,
        max_attempts: 1,
        ..policy()
    };
    let ran = run(4, &work, &server, &stopper);
    assert_eq!(server.log.lock().unwrap().len(), 1, "nothing leaves after the stop");
    assert_eq!(ran.outcome.counts.deferred, 4);
    // Which worker reaches the server first is up to the scheduler; the other's job, and the
    // two nobody took, are recorded untried.
    let mut attempts: Vec<(Status, u32)> = (0..4).map(|job| status(&ran, job)).collect();
    attempts.sort_by_key(|(_, tries)| *tries);
    assert_eq!(
        attempts,
        [
            (Status::Deferred, 0),
            (Status::Deferred, 0),
            (Status::Deferred, 0),
            (Status::Deferred, 1)
        ],
        "recorded untried"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_maker_thread_is_nicer_than_the_run_and_the_run_is_unchanged() {
    fn nice() -> i32 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        // The fields after the command's closing parenthesis; nice is the 19th of the line.
        let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
        fields[16].parse().unwrap()
    }
    let before = nice();
    if before > 19 - MAKER_NICENESS {
        return; // Already as nice as a thread gets: nothing to see.
    }
    let maker = std::thread::spawn(|| {
        yield_to_connections();
        nice()
    })
    .join()
    .unwrap();
    assert_eq!(maker, before + MAKER_NICENESS);
    assert_eq!(nice(), before, "only the maker's own thread changes");
}
