//! A real SMTP server inside the test process, on 127.0.0.1 and a port the OS picks.
//!
//! The protocol is mailin's, not ours: mailin-embedded's `Server` runs it for the plain
//! server, and a test's only say is through the `Handler` (reject a recipient with a given
//! code, check a login). Every accepted message is recorded with its envelope and raw bytes.
//!
//! AUTH is the one exception to using `mailin_embedded::Server`: mailin refuses AUTH before
//! STARTTLS unless `SessionBuilder::insecure_enable_plaintext_auth` is called, and `Server`
//! builds its `SessionBuilder` itself without exposing that switch. TLS is no way out either,
//! since paperboy's lettre trusts only the webpki roots, so a test certificate would be
//! refused. The login server therefore drives mailin's own `Session` (same handler, same
//! protocol code) with a small accept loop modelled on mailin-embedded's `running.rs`.

use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};

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

/// What every connection's handler shares with the test.
#[derive(Default)]
struct Shared {
    /// `(address, code)`: answer `RCPT TO:<address>` with `code`.
    rejections: Vec<(String, u16)>,
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
}

impl Handler for Recorder {
    fn helo(&mut self, _ip: IpAddr, domain: &str) -> Response {
        lock(&self.shared.greetings).push(domain.to_owned());
        mailin::response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        let rejection = self.shared.rejections.iter().find(|(address, _)| address == to);
        match rejection {
            Some((_, code)) => {
                let text = if *code >= 500 { "Mailbox unavailable" } else { "Try again later" };
                Response::custom(*code, format!("{text} (test rule for {to})"))
            }
            None => mailin::response::OK,
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Some(Received { from: from.to_owned(), to: to.to_vec(), data: Vec::new() });
        mailin::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(current) = &mut self.current {
            current.data.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        // Recorded before the 250 goes out, so the client's exit means it is here.
        if let Some(done) = self.current.take() {
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
}

impl SmtpServerBuilder {
    /// Answers `RCPT TO:<address>` with `code` (say 550 or 451).
    pub(crate) fn reject_recipient(mut self, address: &str, code: u16) -> SmtpServerBuilder {
        self.rejections.push((address.to_owned(), code));
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
        let shared = Arc::new(Shared {
            rejections: self.rejections,
            account: self
                .login
                .as_ref()
                .map(|(user, password, _)| (user.clone(), password.clone())),
            ..Shared::default()
        });
        let handler = Recorder { shared: Arc::clone(&shared), current: None };
        match self.login {
            None => {
                std::thread::spawn(move || {
                    let mut server = mailin_embedded::Server::new(handler);
                    server.with_name("smtp.test").with_num_threads(2).with_tcp_listener(listener);
                    server.serve().expect("the test SMTP server stopped");
                });
            }
            Some((_, _, mechanism)) => {
                let mut session = SessionBuilder::new("smtp.test");
                session.enable_auth(mechanism).insecure_enable_plaintext_auth();
                std::thread::spawn(move || serve_with_login(&listener, &session, &handler));
            }
        }
        SmtpServer { port, shared }
    }
}

fn serve_with_login(listener: &TcpListener, session: &SessionBuilder, handler: &Recorder) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let (session, handler) = (session.clone(), handler.clone());
        std::thread::spawn(move || {
            // A client that hangs up mid-session is not the test's concern.
            let _ = converse(stream, &session, handler);
        });
    }
}

/// One SMTP session: mailin decides every reply; this only moves lines.
fn converse(stream: TcpStream, builder: &SessionBuilder, handler: Recorder) -> std::io::Result<()> {
    let peer = stream.peer_addr()?.ip();
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    let mut session = builder.build(peer, handler);
    session.greeting().write_to(&mut writer)?;
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let response = session.process(&line);
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
}

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
pub(crate) fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("cannot bind 127.0.0.1:0");
    listener.local_addr().expect("a bound listener has an address").port()
}
