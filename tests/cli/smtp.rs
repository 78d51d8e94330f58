//! A real SMTP server inside the test process, on 127.0.0.1 and a port the OS picks.
//!
//! The protocol is mailin's, not ours: mailin-embedded's `Server` runs it for the plain
//! server, and a test's only say is through the `Handler` (reject a recipient with a given
//! code, check a login). Every accepted message is recorded with its envelope and raw bytes.
//!
//! AUTH is one exception to using `mailin_embedded::Server`: mailin refuses AUTH before
//! STARTTLS unless `SessionBuilder::insecure_enable_plaintext_auth` is called, and `Server`
//! builds its `SessionBuilder` itself without exposing that switch. TLS is no way out either,
//! since paperboy trusts only the webpki roots, so a test certificate would be refused. The
//! login server therefore drives mailin's own `Session` (same handler, same protocol code)
//! with a small accept loop modelled on mailin-embedded's `running.rs`.
//!
//! Fault injection is the other: the same loop, still with mailin deciding every reply, can
//! also do what a failing server does to the connection itself: answer the greeting with 421
//! and hang up, drip its greeting a byte at a time, hang up after refusing a recipient, hang
//! up in the middle of a message, hang up after taking a message but before its `250` (the
//! reply lost after the final dot), stall, or answer slowly. Faults are set per recipient for
//! its first N transactions, so a test can show a retry succeed. It can also offer
//! PIPELINING (RFC 2920), which mailin does not: mailin still answers every command, one
//! line at a time, as the client's single write brings them.

use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use mailin::{Action, AuthMechanism, Handler, Response, SessionBuilder};

use crate::harness::Email;

/// A message the server accepted.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    /// `MAIL FROM`.
    pub(crate) from: String,
    /// The accepted `RCPT TO` addresses.
    pub(crate) to: Vec<String>,
    /// What came after `DATA`, as sent.
    pub(crate) data: Vec<u8>,
    /// When the server took it (before its `250` left).
    pub(crate) at: Instant,
}

impl Received {
    /// The message parsed.
    pub(crate) fn email(&self) -> Email {
        Email::parse(&self.data)
    }
}

/// A login attempt, and whether the server accepted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Login {
    pub(crate) mechanism: &'static str,
    pub(crate) user: String,
    pub(crate) password: String,
    pub(crate) accepted: bool,
}

/// Something a failing server does to one recipient's transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Answer `RCPT TO` with this code (421 also closes the connection, as mailin does).
    Rcpt(u16),
    /// Answer `RCPT TO` with this code, then hang up.
    RcptAndHangUp(u16),
    /// Wait this long, then answer `RCPT TO` with this code: a slow, refusing relay.
    SlowRcpt(u16, Duration),
    /// Take the whole message, then answer the final dot with this code and drop it.
    AfterDot(u16),
    /// Hang up after the first line of the message.
    DropMidData,
    /// Take the message, then hang up before the `250`: the client never hears it went.
    DropAfterDot,
    /// Say nothing for this long after `RCPT TO`, then go on.
    Stall(Duration),
}

/// What every connection's handler shares with the test.
#[derive(Default)]
struct Shared {
    /// `(address, code)`: answer `RCPT TO:<address>` with `code`.
    rejections: Vec<(String, u16)>,
    /// `(address, fault, times)`: the first `times` transactions to `address` meet `fault`.
    faults: Mutex<Vec<(String, Fault, usize)>>,
    /// Connections still to be greeted with `421` and closed.
    busy_greetings: Mutex<usize>,
    /// Connections still to be greeted a byte at a time, this long before each byte.
    dripped_greetings: Mutex<(usize, Duration)>,
    /// Whether EHLO offers PIPELINING.
    pipelining: bool,
    /// Wait this long before the `250` to each message (after taking it).
    message_delay: Duration,
    /// Connections open now, and the most at once.
    open: AtomicUsize,
    most_open: AtomicUsize,
    /// The only user and password accepted, when logins are on.
    account: Option<(String, String)>,
    received: Mutex<Vec<Received>>,
    logins: Mutex<Vec<Login>>,
    /// One entry per `EHLO`/`HELO`: the sessions clients opened.
    greetings: Mutex<Vec<String>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A test thread that panicked while holding the lock leaves valid data behind.
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The per-connection handler: records envelopes and data, applies the test's rules.
#[derive(Clone)]
struct Recorder {
    shared: Arc<Shared>,
    current: Option<Received>,
    /// The fault the current transaction meets, shared with the connection's loop.
    fault: Arc<Mutex<Option<Fault>>>,
}

impl Handler for Recorder {
    fn helo(&mut self, _ip: IpAddr, domain: &str) -> Response {
        lock(&self.shared.greetings).push(domain.to_owned());
        mailin::response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        let rejection = self.shared.rejections.iter().find(|(address, _)| address == to);
        if let Some((_, code)) = rejection {
            return refusal(*code, to);
        }
        let fault = {
            let mut faults = lock(&self.shared.faults);
            let found = faults.iter_mut().find(|(address, _, times)| address == to && *times > 0);
            found.map(|(_, fault, times)| {
                *times -= 1;
                *fault
            })
        };
        match fault {
            Some(Fault::Rcpt(code)) => return refusal(code, to),
            Some(Fault::SlowRcpt(code, time)) => {
                std::thread::sleep(time);
                return refusal(code, to);
            }
            Some(Fault::RcptAndHangUp(code)) => {
                *lock(&self.fault) = Some(Fault::RcptAndHangUp(code));
                return refusal(code, to);
            }
            Some(Fault::Stall(time)) => std::thread::sleep(time),
            Some(other) => *lock(&self.fault) = Some(other),
            None => {}
        }
        mailin::response::OK
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        let data = Vec::new();
        let (from, to, at) = (from.to_owned(), to.to_vec(), Instant::now());
        self.current = Some(Received { from, to, data, at });
        mailin::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(current) = &mut self.current {
            current.data.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let taken = self.current.take();
        // A message to refuse is not recorded; the loop answers it with the refusal. (mailin
        // itself stays in its DATA state after refusing at the final dot, so the refusal
        // cannot come from here without wedging the session.)
        let fault = *lock(&self.fault);
        if let Some(Fault::AfterDot(_)) = fault {
            return mailin::response::OK;
        }
        // Recorded before the 250 goes out, so the client's exit means it is here.
        if let Some(mut done) = taken {
            done.at = Instant::now();
            lock(&self.shared.received).push(done);
        }
        mailin::response::OK
    }

    fn auth_plain(&mut self, _authz: &str, user: &str, password: &str) -> Response {
        self.login("PLAIN", user, password)
    }

    fn auth_login(&mut self, user: &str, password: &str) -> Response {
        self.login("LOGIN", user, password)
    }
}

/// A refusal as a server words it.
fn refusal(code: u16, to: &str) -> Response {
    let text = if code >= 500 { "Mailbox unavailable" } else { "Try again later" };
    Response::custom(code, format!("{text} (test rule for {to})"))
}

impl Recorder {
    fn login(&mut self, mechanism: &'static str, user: &str, password: &str) -> Response {
        let accepted = self
            .shared
            .account
            .as_ref()
            .is_some_and(|(u, p)| u.as_str() == user && p.as_str() == password);
        lock(&self.shared.logins).push(Login {
            mechanism,
            user: user.to_owned(),
            password: password.to_owned(),
            accepted,
        });
        if accepted { mailin::response::AUTH_OK } else { mailin::response::INVALID_CREDENTIALS }
    }
}

/// How to set up a server before starting it.
#[derive(Default)]
pub(crate) struct SmtpServerBuilder {
    rejections: Vec<(String, u16)>,
    login: Option<(String, String, AuthMechanism)>,
    faults: Vec<(String, Fault, usize)>,
    busy_greetings: usize,
    dripped_greetings: (usize, Duration),
    pipelining: bool,
    message_delay: Duration,
}

impl SmtpServerBuilder {
    /// Answers `RCPT TO:<address>` with `code` (say 550 or 451).
    pub(crate) fn reject_recipient(mut self, address: &str, code: u16) -> SmtpServerBuilder {
        self.rejections.push((address.to_owned(), code));
        self
    }

    /// The first `times` transactions to `address` meet `fault`; later ones go through.
    pub(crate) fn fault(mut self, address: &str, fault: Fault, times: usize) -> SmtpServerBuilder {
        self.faults.push((address.to_owned(), fault, times));
        self
    }

    /// Greets the first `connections` connections with `421` and hangs up.
    pub(crate) fn busy_greetings(mut self, connections: usize) -> SmtpServerBuilder {
        self.busy_greetings = connections;
        self
    }

    /// Greets the first `connections` connections a byte at a time, `pause` before each.
    pub(crate) fn drip_greetings(
        mut self,
        connections: usize,
        pause: Duration,
    ) -> SmtpServerBuilder {
        self.dripped_greetings = (connections, pause);
        self
    }

    /// Offers PIPELINING in the reply to EHLO.
    pub(crate) fn pipelining(mut self) -> SmtpServerBuilder {
        self.pipelining = true;
        self
    }

    /// Takes each message, then waits `delay` before its `250`: a slow server.
    pub(crate) fn message_delay(mut self, delay: Duration) -> SmtpServerBuilder {
        self.message_delay = delay;
        self
    }

    /// Offers AUTH with only `mechanism` over plain text, requires it before `MAIL`, and
    /// accepts only this user and password.
    pub(crate) fn require_login(
        mut self,
        user: &str,
        password: &str,
        mechanism: AuthMechanism,
    ) -> SmtpServerBuilder {
        self.login = Some((user.to_owned(), password.to_owned(), mechanism));
        self
    }

    /// Binds 127.0.0.1:0 and serves on a background thread for the rest of the test run.
    pub(crate) fn start(self) -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("cannot bind 127.0.0.1:0");
        let port = listener.local_addr().expect("a bound listener has an address").port();
        let plain = self.faults.is_empty()
            && self.busy_greetings == 0
            && self.dripped_greetings.0 == 0
            && !self.pipelining
            && self.message_delay.is_zero()
            && self.login.is_none();
        let shared = Arc::new(Shared {
            rejections: self.rejections,
            faults: Mutex::new(self.faults),
            busy_greetings: Mutex::new(self.busy_greetings),
            dripped_greetings: Mutex::new(self.dripped_greetings),
            pipelining: self.pipelining,
            message_delay: self.message_delay,
            account: self
                .login
                .as_ref()
                .map(|(user, password, _)| (user.clone(), password.clone())),
            ..Shared::default()
        });
        let handler =
            Recorder { shared: Arc::clone(&shared), current: None, fault: Arc::default() };
        match self.login {
            None if plain => {
                std::thread::spawn(move || {
                    let mut server = mailin_embedded::Server::new(handler);
                    server.with_name("smtp.test").with_num_threads(16).with_tcp_listener(listener);
                    server.serve().expect("the test SMTP server stopped");
                });
            }
            login => {
                let mut session = SessionBuilder::new("smtp.test");
                if let Some((_, _, mechanism)) = login {
                    session.enable_auth(mechanism).insecure_enable_plaintext_auth();
                }
                std::thread::spawn(move || serve_with_session(&listener, &session, &handler));
            }
        }
        SmtpServer { port, shared }
    }
}

fn serve_with_session(listener: &TcpListener, session: &SessionBuilder, handler: &Recorder) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let session = session.clone();
        // Each connection its own fault slot, shared by its handler and its loop.
        let handler = Recorder { fault: Arc::default(), ..handler.clone() };
        std::thread::spawn(move || {
            let shared = Arc::clone(&handler.shared);
            let open = shared.open.fetch_add(1, Ordering::SeqCst) + 1;
            shared.most_open.fetch_max(open, Ordering::SeqCst);
            // A client that hangs up mid-session is not the test's concern.
            let _ = converse(stream, &session, handler);
            shared.open.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

/// One SMTP session: mailin decides every reply; this only moves lines, and carries out
/// the faults that are about the connection rather than a reply.
fn converse(stream: TcpStream, builder: &SessionBuilder, handler: Recorder) -> std::io::Result<()> {
    let peer = stream.peer_addr()?.ip();
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    let (shared, fault) = (Arc::clone(&handler.shared), Arc::clone(&handler.fault));
    {
        let mut busy = lock(&shared.busy_greetings);
        if *busy > 0 {
            *busy -= 1;
            lock(&shared.greetings).push("(greeted with 421)".to_owned());
            writer.write_all(b"421 4.3.2 smtp.test is too busy, try again later\r\n")?;
            return writer.shutdown(Shutdown::Both);
        }
    }
    let mut session = builder.build(peer, handler);
    let drip = {
        let mut dripped = lock(&shared.dripped_greetings);
        let drip = (dripped.0 > 0).then_some(dripped.1);
        dripped.0 = dripped.0.saturating_sub(1);
        drip
    };
    match drip {
        Some(pause) => {
            for byte in session.greeting().buffer()? {
                std::thread::sleep(pause);
                writer.write_all(&[byte])?;
            }
        }
        None => session.greeting().write_to(&mut writer)?,
    }
    let mut line = Vec::new();
    let mut in_data = false;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let final_dot = in_data && line == b".\r\n";
        let ehlo = !in_data && line.len() >= 4 && line[..4].eq_ignore_ascii_case(b"EHLO");
        let mut response = session.process(&line);
        if ehlo && shared.pipelining && response.code == 250 {
            // mailin's EHLO reply always has more than one line: add one after the first.
            let reply = String::from_utf8(response.buffer()?).expect("mailin replies in ASCII");
            let (first, rest) = reply.split_once("\r\n").expect("a multi-line EHLO reply");
            write!(writer, "{first}\r\n250-PIPELINING\r\n{rest}")?;
            writer.flush()?;
            continue;
        }
        let hang_up = matches!(*lock(&fault), Some(Fault::RcptAndHangUp(_)));
        if hang_up {
            *lock(&fault) = None;
            response.write_to(&mut writer)?;
            writer.flush()?;
            return writer.shutdown(Shutdown::Both);
        }
        let drop_now = in_data && !final_dot && *lock(&fault) == Some(Fault::DropMidData);
        if drop_now {
            *lock(&fault) = None;
            return writer.shutdown(Shutdown::Both);
        }
        if final_dot {
            in_data = false;
            let fault = lock(&fault).take();
            match fault {
                Some(Fault::DropAfterDot) => return writer.shutdown(Shutdown::Both),
                Some(Fault::AfterDot(code)) => response = refusal(code, "this message"),
                _ => {}
            }
            std::thread::sleep(shared.message_delay);
        }
        if response.code == 354 {
            in_data = true;
        }
        match response.action {
            Action::Reply => response.write_to(&mut writer)?,
            Action::Close | Action::UpgradeTls => {
                response.write_to(&mut writer)?;
                return writer.flush();
            }
            Action::NoReply => {}
        }
        writer.flush()?;
    }
}

/// A running server; it lives until the test binary exits.
pub(crate) struct SmtpServer {
    port: u16,
    shared: Arc<Shared>,
}

impl SmtpServer {
    /// A server that accepts everything.
    pub(crate) fn start() -> SmtpServer {
        SmtpServer::builder().start()
    }

    /// A server with rules; call `.start()`.
    pub(crate) fn builder() -> SmtpServerBuilder {
        SmtpServerBuilder::default()
    }

    /// The port it listens on, on 127.0.0.1.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Every message accepted so far, in order.
    pub(crate) fn received(&self) -> Vec<Received> {
        lock(&self.shared.received).clone()
    }

    /// The one accepted message whose envelope names `address`.
    #[track_caller]
    pub(crate) fn received_for(&self, address: &str) -> Received {
        let all = self.received();
        let mut matching = all.iter().filter(|m| m.to.iter().any(|to| to == address));
        let found = matching.next().unwrap_or_else(|| panic!("no message to {address}: {all:?}"));
        assert!(matching.next().is_none(), "more than one message to {address}");
        found.clone()
    }

    /// Every login attempt so far.
    pub(crate) fn logins(&self) -> Vec<Login> {
        lock(&self.shared.logins).clone()
    }

    /// How many sessions clients opened (one `EHLO` each).
    pub(crate) fn sessions(&self) -> usize {
        lock(&self.shared.greetings).len()
    }

    /// How many messages to `address` the server took.
    pub(crate) fn count_for(&self, address: &str) -> usize {
        self.received().iter().filter(|m| m.to.iter().any(|to| to == address)).count()
    }

    /// The most connections open at once (fault-injecting and login servers only).
    pub(crate) fn most_open(&self) -> usize {
        self.shared.most_open.load(Ordering::SeqCst)
    }
}

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
pub(crate) fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("cannot bind 127.0.0.1:0");
    listener.local_addr().expect("a bound listener has an address").port()
}
