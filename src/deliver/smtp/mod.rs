//! A small SMTP client for delivery at volume, built from lettre's protocol pieces (its
//! commands, reply parser, EHLO reading and AUTH encoding) around a socket of our own.
//!
//! Why not lettre's `SmtpTransport`: measured on lettre 0.11.23, it sets no `TCP_NODELAY`
//! and writes the final `.` of a message separately, so Nagle's algorithm and the server's
//! delayed ACK hold every message about 40 ms (23 messages a second per connection); its
//! pool sends a NOOP before every message and does not cap connections; and a server that
//! answers a message with a refusal and hangs up surfaces as "broken pipe" instead of the
//! reply. `SmtpConnection` cannot be given a socket of ours, so the stall cannot be fixed
//! from outside. Here the socket has `TCP_NODELAY`, the body and its final dot leave in one
//! write, `timeout_secs` is a deadline for each step (the greeting, each reply, writing a
//! command or the message), not for each read, so a server dripping a byte at a time cannot
//! hold a connection for longer, and after a failed write or a hang-up the replies the
//! server sent before are still read, so a 5xx is reported as a 5xx.
//!
//! One `Connection` carries one message at a time: at most one message per connection is
//! ever in flight. This module talks SMTP and nothing else: no journal, no retries.

use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lettre::Address;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::commands::{Auth, Data, Ehlo, Mail, Quit, Rcpt, Rset, Starttls};
use lettre::transport::smtp::extension::{ClientId, Extension, MailParameter, ServerInfo};
use lettre::transport::smtp::response::Response;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::config::{Security, Smtp};

/// The most a reply may hold; more is a broken or hostile server (Postfix's own limits).
const MAX_REPLY_BYTES: usize = 100_000;

/// The step of the conversation something happened at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Opening the TCP connection (or the TLS handshake of SMTPS).
    Connect,
    /// The server's `220` greeting.
    Greeting,
    /// `EHLO`.
    Hello,
    /// `STARTTLS` and the handshake after it.
    StartTls,
    /// `AUTH`.
    Auth,
    /// `MAIL FROM`.
    Mail,
    /// `RCPT TO`: a refusal here is about the recipient.
    Rcpt,
    /// The `DATA` command.
    Data,
    /// Writing the message.
    Body,
    /// Waiting for the reply to the final dot: the message may or may not have been taken.
    AfterDot,
}

impl Stage {
    /// Whether a 5xx at this stage is about the recipient (so the address should be kept
    /// from later runs) rather than about the sender, the login or the connection.
    pub(crate) fn is_about_recipient(self) -> bool {
        matches!(self, Stage::Rcpt | Stage::Body | Stage::AfterDot)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Connect => "connect",
            Stage::Greeting => "greeting",
            Stage::Hello => "EHLO",
            Stage::StartTls => "STARTTLS",
            Stage::Auth => "AUTH",
            Stage::Mail => "MAIL FROM",
            Stage::Rcpt => "RCPT TO",
            Stage::Data => "DATA",
            Stage::Body => "message",
            Stage::AfterDot => "end of message",
        })
    }
}

/// A server reply: its code and its text, lines joined by spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    /// `250`, `451`, `550`...
    pub(crate) code: u16,
    /// The text after the code.
    pub(crate) text: String,
    raw: String,
}

impl Reply {
    #[cfg(test)]
    /// A reply with one line of text, as a server would send it.
    pub(crate) fn new(code: u16, text: &str) -> Reply {
        Reply { code, text: text.to_owned(), raw: format!("{code} {text}\r\n") }
    }

    /// 2xx and 3xx.
    pub(crate) fn is_positive(&self) -> bool {
        (200..400).contains(&self.code)
    }

    /// 4xx: try again later.
    pub(crate) fn is_transient(&self) -> bool {
        (400..500).contains(&self.code)
    }

    fn lettre(&self) -> Result<Response, SmtpError> {
        self.raw.parse::<Response>().map_err(|err| SmtpError::Protocol {
            stage: Stage::Hello,
            message: format!("cannot read reply {:?}: {err}", self.raw.trim_end()),
        })
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.text.is_empty() {
            write!(f, "{}", self.code)
        } else {
            write!(f, "{} {}", self.code, self.text)
        }
    }
}

/// Why a conversation failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SmtpError {
    /// The server said no.
    #[error("{stage}: {reply}")]
    Rejected { stage: Stage, reply: Reply },
    /// The connection failed, dropped or timed out.
    #[error("{stage}: {source}")]
    Io {
        stage: Stage,
        /// What the OS said.
        source: io::Error,
    },
    /// The server sent something that is not SMTP.
    #[error("{stage}: {message}")]
    Protocol { stage: Stage, message: String },
    /// Something no rerun fixes by itself: no STARTTLS offered, no common AUTH mechanism, an
    /// address the server cannot take.
    #[error("{0}")]
    Client(String),
    /// The TLS handshake or certificate failed.
    #[error("TLS: {0}")]
    Tls(String),
}

impl SmtpError {
    /// Whether a later attempt may succeed: a 4xx, or a connection that failed, dropped,
    /// stalled or said something garbled.
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            SmtpError::Rejected { reply, .. } => reply.is_transient(),
            SmtpError::Io { .. } | SmtpError::Protocol { .. } => true,
            SmtpError::Client(_) | SmtpError::Tls(_) => false,
        }
    }

    /// A 5xx about the recipient: the address should get no more mail until a person looks.
    pub(crate) fn is_recipient_refusal(&self) -> bool {
        matches!(self, SmtpError::Rejected { stage, reply } if reply.code >= 500 && stage.is_about_recipient())
    }

    /// Whether the connection can carry another message after this error.
    fn keeps_connection(&self) -> bool {
        match self {
            // 421 means the server is closing the connection.
            SmtpError::Rejected { stage, reply } => {
                reply.code != 421
                    && matches!(stage, Stage::Mail | Stage::Rcpt | Stage::Data | Stage::AfterDot)
            }
            SmtpError::Client(_) => true,
            _ => false,
        }
    }
}

/// How to reach the server; shared by every connection of a run.
#[derive(Clone)]
pub(crate) struct Connector {
    host: String,
    port: u16,
    security: Security,
    timeout: Duration,
    credentials: Option<Credentials>,
    tls: Option<Arc<rustls::ClientConfig>>,
    hello: ClientId,
}

impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connector")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .finish_non_exhaustive()
    }
}

impl Connector {
    /// From `[smtp]`, with the password already read from the environment and the roots of
    /// `ca_file` (see [`read_roots`]) trusted besides the public ones.
    pub(crate) fn new(
        smtp: &Smtp,
        credentials: Option<Credentials>,
        extra_roots: Vec<CertificateDer<'static>>,
    ) -> Connector {
        let tls = (smtp.security != Security::None).then(|| tls_config(extra_roots));
        Connector {
            host: smtp.host.clone(),
            port: smtp.port,
            security: smtp.security,
            timeout: Duration::from_secs(smtp.timeout_secs.max(1)),
            credentials,
            tls,
            hello: ClientId::default(),
        }
    }

    /// `host:port`.
    pub(crate) fn server(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// Connects, greets, upgrades and logs in as configured.
    pub(crate) fn connect(&self) -> Result<Connection, SmtpError> {
        let io = |source| SmtpError::Io { stage: Stage::Connect, source };
        let mut last = None;
        let mut tcp = None;
        for addr in (self.host.as_str(), self.port).to_socket_addrs().map_err(io)? {
            match TcpStream::connect_timeout(&addr, self.timeout) {
                Ok(stream) => {
                    tcp = Some(stream);
                    break;
                }
                Err(err) => last = Some(err),
            }
        }
        let tcp = tcp.ok_or_else(|| {
            io(last.unwrap_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address")))
        })?;
        // The point of this module: every write leaves at once (see the module docs).
        tcp.set_nodelay(true).map_err(io)?;
        let socket = Socket { tcp, timeout: self.timeout, deadline: Instant::now() };
        let stream = match self.security {
            Security::Tls => self.wrap(socket, Stage::Connect)?,
            Security::None | Security::Starttls => Stream::Plain(socket),
        };
        let mut connection = Connection {
            reader: BufReader::new(stream),
            info: None,
            pipelining: false,
            out: Vec::new(),
            timeout: self.timeout,
        };
        connection.expect(Stage::Greeting, &[220])?;
        connection.hello(&self.hello)?;
        if self.security == Security::Starttls {
            if !connection.supports(Extension::StartTls) {
                return Err(SmtpError::Client(format!(
                    "{} does not offer STARTTLS, and `security = \"starttls\"` requires it",
                    self.server()
                )));
            }
            connection.command(Stage::StartTls, &Starttls, &[220])?;
            if !connection.reader.buffer().is_empty() {
                // Anything sent before the handshake could be an injection (CVE-2011-0411).
                return Err(SmtpError::Protocol {
                    stage: Stage::StartTls,
                    message: "the server sent data before the TLS handshake".into(),
                });
            }
            let Stream::Plain(socket) = connection.reader.into_inner() else {
                return Err(SmtpError::Protocol {
                    stage: Stage::StartTls,
                    message: "STARTTLS on a connection already encrypted".into(),
                });
            };
            connection = Connection {
                reader: BufReader::new(self.wrap(socket, Stage::StartTls)?),
                info: None,
                pipelining: false,
                out: Vec::new(),
                timeout: self.timeout,
            };
            connection.hello(&self.hello)?;
        }
        if let Some(credentials) = &self.credentials {
            connection.login(credentials)?;
        }
        Ok(connection)
    }

    fn wrap(&self, mut socket: Socket, stage: Stage) -> Result<Stream, SmtpError> {
        let config =
            self.tls.clone().ok_or_else(|| SmtpError::Tls("no TLS configuration".into()))?;
        let name = rustls::pki_types::ServerName::try_from(self.host.clone()).map_err(|err| {
            SmtpError::Tls(format!("`{}` as a TLS server name: {err}", self.host))
        })?;
        let client = rustls::ClientConnection::new(config, name)
            .map_err(|err| SmtpError::Tls(err.to_string()))?;
        // The handshake is a step of its own, with its own deadline.
        socket.start_step();
        let mut stream = rustls::StreamOwned::new(client, socket);
        // Complete the handshake now, so a bad certificate is a TLS error, not a read error.
        while stream.conn.is_handshaking() {
            stream.conn.complete_io(&mut stream.sock).map_err(|err| {
                match err.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
                    Some(tls) => SmtpError::Tls(tls.to_string()),
                    None => SmtpError::Io { stage, source: err },
                }
            })?;
        }
        Ok(Stream::Tls(Box::new(stream)))
    }
}

/// The certificates of a PEM file, to trust as roots besides the public ones.
pub(crate) fn read_roots(path: &std::path::Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let fail = |err: &dyn fmt::Display| format!("cannot read `{}`: {err}", path.display());
    let roots = CertificateDer::pem_file_iter(path)
        .map_err(|err| fail(&err))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| fail(&err))?;
    if roots.is_empty() {
        return Err(fail(&"no PEM certificate in it"));
    }
    Ok(roots)
}

/// The public web PKI roots, as lettre's `rustls-tls` trusts, and any extra ones.
fn tls_config(extra_roots: Vec<CertificateDer<'static>>) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    // A certificate that is not a usable root is left out (and the handshake then says so).
    roots.add_parsable_certificates(extra_roots);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

/// The TCP socket with the deadline of the step under way: before every read and write it is
/// given only the time left, so the whole step, not each system call, is what
/// `timeout_secs` bounds. TLS runs on top of it, so the handshake and every record obey the
/// same deadline.
struct Socket {
    tcp: TcpStream,
    timeout: Duration,
    deadline: Instant,
}

impl Socket {
    /// A step of the conversation begins: it has `timeout` from now.
    fn start_step(&mut self) {
        self.deadline = Instant::now() + self.timeout;
    }

    /// The time left in this step, or a timeout once there is none.
    fn left(&self) -> io::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(io::Error::new(io::ErrorKind::TimedOut, "deadline passed"))
        } else {
            Ok(left)
        }
    }
}

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.tcp.set_read_timeout(Some(self.left()?))?;
        self.tcp.read(buf)
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tcp.set_write_timeout(Some(self.left()?))?;
        self.tcp.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

enum Stream {
    Plain(Socket),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, Socket>>),
}

impl Stream {
    fn socket(&mut self) -> &mut Socket {
        match self {
            Stream::Plain(socket) => socket,
            Stream::Tls(tls) => &mut tls.sock,
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(socket) => socket.read(buf),
            Stream::Tls(tls) => tls.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(socket) => socket.write(buf),
            Stream::Tls(tls) => tls.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(socket) => socket.flush(),
            Stream::Tls(tls) => tls.flush(),
        }
    }
}

/// An open, greeted (and, as configured, encrypted and logged-in) SMTP connection.
pub(crate) struct Connection {
    reader: BufReader<Stream>,
    info: Option<ServerInfo>,
    /// Whether the server takes MAIL, RCPT and DATA in one write.
    pipelining: bool,
    /// Reused for every message, so a connection's memory is one message, not a run's.
    out: Vec<u8>,
    /// The deadline of each step, for messages.
    timeout: Duration,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("encrypted", &matches!(self.reader.get_ref(), Stream::Tls(_)))
            .field("pipelining", &self.pipelining)
            .field("reusable", &self.reusable())
            .finish()
    }
}

impl Connection {
    fn supports(&self, extension: Extension) -> bool {
        self.info.as_ref().is_some_and(|info| info.supports_feature(extension))
    }

    fn hello(&mut self, name: &ClientId) -> Result<(), SmtpError> {
        let reply = self.command(Stage::Hello, &Ehlo::new(name.clone()), &[250])?;
        let info = ServerInfo::from_response(&reply.lettre()?)
            .map_err(|err| SmtpError::Protocol { stage: Stage::Hello, message: err.to_string() })?;
        self.info = Some(info);
        // lettre's `ServerInfo` does not keep PIPELINING (RFC 2920); read it here.
        self.pipelining = reply.raw.lines().skip(1).any(|line| {
            line.get(4..).is_some_and(|keyword| keyword.trim().eq_ignore_ascii_case("PIPELINING"))
        });
        Ok(())
    }

    fn login(&mut self, credentials: &Credentials) -> Result<(), SmtpError> {
        let mechanism = self
            .info
            .as_ref()
            .and_then(|info| info.get_auth_mechanism(&[Mechanism::Plain, Mechanism::Login]))
            .ok_or_else(|| {
                SmtpError::Client(
                    "the server offers no login mechanism paperboy knows (PLAIN, LOGIN)".into(),
                )
            })?;
        let client = |err: lettre::transport::smtp::Error| SmtpError::Client(err.to_string());
        let mut reply = self.command(
            Stage::Auth,
            &Auth::new(mechanism, credentials.clone(), None).map_err(client)?,
            &[235, 334],
        )?;
        // LOGIN asks for the user and then the password; a server asking more is broken.
        for _ in 0..3 {
            if reply.code != 334 {
                return Ok(());
            }
            let next = Auth::new_from_response(mechanism, credentials.clone(), &reply.lettre()?)
                .map_err(client)?;
            reply = self.command(Stage::Auth, &next, &[235, 334])?;
        }
        if reply.code == 235 {
            Ok(())
        } else {
            Err(SmtpError::Protocol {
                stage: Stage::Auth,
                message: "too many AUTH challenges".into(),
            })
        }
    }

    /// Sends one message to one recipient; the server's reply to the final dot on success.
    ///
    /// After an error, [`Connection::reusable`] says whether the connection may carry the
    /// next message.
    pub(crate) fn send(
        &mut self,
        from: &Address,
        to: &Address,
        message: &[u8],
    ) -> Result<Reply, SmtpError> {
        let mut parameters = Vec::new();
        let ascii = |address: &Address| AsRef::<str>::as_ref(address).is_ascii();
        if !(ascii(from) && ascii(to)) {
            if !self.supports(Extension::SmtpUtfEight) {
                return Err(SmtpError::Client(format!(
                    "the server does not offer SMTPUTF8, so it cannot take the address `{to}`"
                )));
            }
            parameters.push(MailParameter::SmtpUtfEight);
        }
        if !message.is_ascii() {
            if !self.supports(Extension::EightBitMime) {
                return Err(SmtpError::Client(
                    "the message is not ASCII and the server does not offer 8BITMIME".into(),
                ));
            }
            parameters.push(MailParameter::Body(
                lettre::transport::smtp::extension::MailBodyParameter::EightBitMime,
            ));
        }
        let result = self.transaction(from, to, parameters, message);
        if let Err(err) = &result
            && err.keeps_connection()
            && self.reusable()
            && !matches!(err, SmtpError::Rejected { stage: Stage::AfterDot, .. })
        {
            // Back to a clean state for the next message; if that fails, the
            // connection is dropped by `reusable`.
            if self.command(Stage::Mail, &Rset, &[250]).is_err() {
                self.info = None;
            }
        }
        result
    }

    fn transaction(
        &mut self,
        from: &Address,
        to: &Address,
        parameters: Vec<MailParameter>,
        message: &[u8],
    ) -> Result<Reply, SmtpError> {
        let mail = Mail::new(Some(from.clone()), parameters);
        let rcpt = Rcpt::new(to.clone(), Vec::new());
        if self.pipelining {
            // RFC 2920: MAIL, RCPT and DATA in one write, then their three replies.
            self.out.clear();
            self.out.extend_from_slice(format!("{mail}{rcpt}{Data}").as_bytes());
            self.flush_out(Stage::Mail, &[Stage::Rcpt, Stage::Data])?;
            let expected: [(Stage, &[u16]); 3] =
                [(Stage::Mail, &[250]), (Stage::Rcpt, &[250, 251]), (Stage::Data, &[354])];
            let mut first_refusal = None;
            let mut data_open = false;
            // All three replies are read even after a refusal, to stay in step; a reply
            // that cannot be read (a timeout, garbage, a hang-up) ends the conversation at
            // once, and then a refusal that came before it is the answer: a server that
            // refuses a recipient and hangs up has refused the recipient.
            for (stage, wanted) in expected {
                let reply = match self.read_reply(stage) {
                    Ok(reply) => reply,
                    Err(err) => return Err(first_refusal.unwrap_or(err)),
                };
                if stage == Stage::Data && reply.code == 354 {
                    data_open = true;
                }
                if !wanted.contains(&reply.code) && first_refusal.is_none() {
                    first_refusal = Some(SmtpError::Rejected { stage, reply });
                }
            }
            if let Some(refusal) = first_refusal {
                if data_open {
                    // The server took DATA although a command before it failed: close the
                    // (empty) message so the conversation stays in step; it cannot be
                    // delivered, having no recipient.
                    self.out.clear();
                    self.out.extend_from_slice(b".\r\n");
                    self.flush_out(Stage::Body, &[])?;
                    self.read_reply(Stage::AfterDot)?;
                }
                return Err(refusal);
            }
        } else {
            self.command(Stage::Mail, &mail, &[250])?;
            self.command(Stage::Rcpt, &rcpt, &[250, 251])?;
            self.command(Stage::Data, &Data, &[354])?;
        }
        self.out.clear();
        dot_stuff(message, &mut self.out);
        self.flush_out(Stage::Body, &[])?;
        let reply = self.read_reply(Stage::AfterDot)?;
        if reply.code == 250 {
            Ok(reply)
        } else {
            Err(SmtpError::Rejected { stage: Stage::AfterDot, reply })
        }
    }

    /// Whether the connection can carry another message.
    pub(crate) fn reusable(&self) -> bool {
        self.info.is_some()
    }

    /// Forgets the connection after an error that leaves it unusable.
    pub(crate) fn after_error(&mut self, err: &SmtpError) {
        if !err.keeps_connection() {
            self.info = None;
        }
    }

    /// Says goodbye politely; errors do not matter any more.
    pub(crate) fn quit(mut self) {
        self.out.clear();
        self.out.extend_from_slice(Quit.to_string().as_bytes());
        if self.flush_out(Stage::Hello, &[]).is_ok() {
            let _ = self.read_reply(Stage::Hello);
        }
    }

    fn command(
        &mut self,
        stage: Stage,
        command: &dyn fmt::Display,
        wanted: &[u16],
    ) -> Result<Reply, SmtpError> {
        self.out.clear();
        self.out.extend_from_slice(command.to_string().as_bytes());
        self.flush_out(stage, &[])?;
        let reply = self.read_reply(stage)?;
        if wanted.contains(&reply.code) {
            Ok(reply)
        } else {
            Err(SmtpError::Rejected { stage, reply })
        }
    }

    fn expect(&mut self, stage: Stage, wanted: &[u16]) -> Result<Reply, SmtpError> {
        let reply = self.read_reply(stage)?;
        if wanted.contains(&reply.code) {
            Ok(reply)
        } else {
            Err(SmtpError::Rejected { stage, reply })
        }
    }

    /// Writes the pending output in one go, within one step's deadline: the commands of
    /// `stage` and, pipelined, of `then`. A server that refuses and hangs up makes the write
    /// fail ("broken pipe", "connection reset"), but its replies may already be here: read
    /// them, so a 552 is reported as a 552 and not as a network error.
    fn flush_out(&mut self, stage: Stage, then: &[Stage]) -> Result<(), SmtpError> {
        let stream = self.reader.get_mut();
        stream.socket().start_step();
        let Err(source) = stream.write_all(&self.out).and_then(|()| stream.flush()) else {
            return Ok(());
        };
        self.info = None;
        let source = self.explain(source);
        for stage in std::iter::once(stage).chain(then.iter().copied()) {
            match self.read_reply(stage) {
                Ok(reply) if reply.is_positive() => {}
                Ok(reply) => return Err(SmtpError::Rejected { stage, reply }),
                Err(_) => break,
            }
        }
        Err(SmtpError::Io { stage, source })
    }

    /// Reads one reply, all its lines within one step's deadline.
    fn read_reply(&mut self, stage: Stage) -> Result<Reply, SmtpError> {
        self.reader.get_mut().socket().start_step();
        let mut raw = String::new();
        let mut text: Vec<String> = Vec::new();
        loop {
            let before = raw.len();
            let read =
                (&mut self.reader).take((MAX_REPLY_BYTES + 1 - before) as u64).read_line(&mut raw);
            let read = match read {
                Ok(read) => read,
                Err(source) => {
                    self.info = None;
                    return Err(SmtpError::Io { stage, source: self.explain(source) });
                }
            };
            if read == 0 {
                self.info = None;
                let source = io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection",
                );
                return Err(SmtpError::Io { stage, source });
            }
            let line = raw[before..].trim_end_matches(['\r', '\n']);
            if raw.len() > MAX_REPLY_BYTES || !raw.ends_with('\n') {
                self.info = None;
                return Err(SmtpError::Protocol { stage, message: "reply too long".into() });
            }
            let code = line
                .get(..3)
                .and_then(|code| code.parse::<u16>().ok())
                .filter(|code| (200..600).contains(code));
            let Some(code) = code else {
                self.info = None;
                return Err(SmtpError::Protocol {
                    stage,
                    message: format!("not an SMTP reply: {line:?}"),
                });
            };
            let rest = line.get(4..).unwrap_or("");
            if !rest.is_empty() {
                text.push(rest.to_owned());
            }
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(Reply { code, text: text.join(" "), raw });
            }
        }
    }
}

impl Connection {
    /// A socket timeout reads "Resource temporarily unavailable"; say what it means.
    fn explain(&self, err: io::Error) -> io::Error {
        match err.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no answer within {} s (timed out)", self.timeout.as_secs()),
            ),
            _ => err,
        }
    }
}

/// The message with every line that starts with `.` given a second one (RFC 5321 4.5.2),
/// ending in CRLF, then the final `.` line: all of it one buffer, for one write.
pub(crate) fn dot_stuff(message: &[u8], out: &mut Vec<u8>) {
    out.reserve(message.len() + 64);
    if message.first() == Some(&b'.') {
        out.push(b'.');
    }
    // The lines after the first that start with a dot. Most messages have none, so this is
    // one vectorized search and one long copy.
    let mut start = 0;
    for line_end in memchr::memmem::find_iter(message, b"\n.") {
        let dot = line_end + 1;
        out.extend_from_slice(&message[start..dot]);
        out.push(b'.');
        start = dot;
    }
    out.extend_from_slice(&message[start..]);
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
}

#[cfg(test)]
mod tests;
