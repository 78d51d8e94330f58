//! The client against a scripted server: each test's server says exactly what a real one
//! might at that step, so each protocol corner is pinned down. (The integration tests talk
//! to a real SMTP implementation, mailin; these cover what mailin cannot be made to do, such
//! as PIPELINING.)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::thread::JoinHandle;
use std::time::Instant;

use super::*;

/// One step of a scripted server.
#[derive(Debug, Clone)]
enum Step {
    /// Write this.
    Say(&'static str),
    /// Read one line, which must start with this (case-insensitively).
    Hear(&'static str),
    /// Read a message up to and including its final dot line.
    Message,
    /// Read this many bytes of whatever comes.
    Swallow(usize),
    /// Close the connection.
    Hangup,
    /// Say nothing for a while.
    Stall(Duration),
    /// Write this a byte at a time, waiting this long before each byte.
    Drip(&'static str, Duration),
    /// Repeat the steps after this one this many times.
    Repeat(usize),
}

use Step::{Drip, Hangup, Hear, Message, Repeat, Say, Stall, Swallow};

const EHLO: &str = "250-test.example\r\n250-8BITMIME\r\n250 SIZE 1000000\r\n";

/// Serves one connection with `script`; the thread returns every line and message it heard.
fn serve(script: Vec<Step>) -> (u16, JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        run_script(stream, &script)
    });
    (port, handle)
}

fn run_script<S: Read + Write>(stream: S, script: &[Step]) -> Vec<String> {
    let mut reader = BufReader::new(stream);
    let mut heard = Vec::new();
    let steps: Vec<Step> = match script.iter().position(|s| matches!(s, Repeat(_))) {
        Some(at) => {
            let Repeat(times) = script[at] else { unreachable!() };
            let mut steps = script[..at].to_vec();
            for _ in 0..times {
                steps.extend_from_slice(&script[at + 1..]);
            }
            steps
        }
        None => script.to_vec(),
    };
    for step in steps {
        match step {
            Say(text) => {
                reader.get_mut().write_all(text.as_bytes()).unwrap();
                reader.get_mut().flush().unwrap();
            }
            Hear(prefix) => {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                assert!(
                    line.to_ascii_uppercase().starts_with(&prefix.to_ascii_uppercase()),
                    "expected {prefix:?}, heard {line:?}"
                );
                heard.push(line);
            }
            Message => {
                let mut message = String::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap() == 0 || line == ".\r\n" {
                        break;
                    }
                    message.push_str(&line);
                }
                heard.push(message);
            }
            Swallow(bytes) => {
                let mut buffer = vec![0; bytes];
                reader.read_exact(&mut buffer).unwrap();
            }
            Hangup => return heard,
            Stall(time) => std::thread::sleep(time),
            Drip(text, pause) => {
                for byte in text.bytes() {
                    std::thread::sleep(pause);
                    // The client may have given up and closed: the test checks its side.
                    if reader.get_mut().write_all(&[byte]).is_err() {
                        return heard;
                    }
                }
            }
            Repeat(_) => unreachable!("only one Repeat per script"),
        }
    }
    heard
}

fn smtp(port: u16, security: Security, timeout_secs: u64) -> Smtp {
    Smtp {
        host: "127.0.0.1".into(),
        port,
        security,
        username: None,
        password_env: "UNUSED".into(),
        timeout_secs,
        ca_file: None,
        max_connections: 1,
        rate_per_second: None,
        max_attempts: 1,
        retry_backoff_ms: 0,
        retry_budget_secs: 0,
        max_failures_in_a_row: 10,
    }
}

fn connector(port: u16) -> Connector {
    Connector::new(&smtp(port, Security::None, 5), None, Vec::new())
}

fn address(text: &str) -> Address {
    text.parse().unwrap()
}

fn greeting_and_hello() -> Vec<Step> {
    vec![Say("220 test.example ESMTP\r\n"), Hear("EHLO "), Say(EHLO)]
}

fn send(connection: &mut Connection, body: &str) -> Result<Reply, SmtpError> {
    connection.send(&address("digest@example.org"), &address("alice@example.com"), body.as_bytes())
}

#[test]
fn a_message_goes_mail_rcpt_data_and_the_reply_to_the_dot_is_returned() {
    let mut script = greeting_and_hello();
    script.extend([
        Hear("MAIL FROM:<digest@example.org>"),
        Say("250 ok\r\n"),
        Hear("RCPT TO:<alice@example.com>"),
        Say("250 ok\r\n"),
        Hear("DATA"),
        Say("354 go on\r\n"),
        Message,
        Say("250 2.0.0 queued as ABC\r\n"),
        Hear("QUIT"),
        Say("221 bye\r\n"),
    ]);
    let (port, server) = serve(script);
    let mut connection = connector(port).connect().unwrap();
    let reply = send(&mut connection, "Subject: hi\r\n\r\nhello\r\n").unwrap();
    assert_eq!(reply.to_string(), "250 2.0.0 queued as ABC");
    connection.quit();
    let heard = server.join().unwrap();
    assert_eq!(heard[4], "Subject: hi\r\n\r\nhello\r\n");
}

#[test]
fn the_socket_sends_without_delay_so_messages_do_not_wait_for_acks() {
    let (port, _server) = serve(greeting_and_hello());
    let connection = connector(port).connect().unwrap();
    let Stream::Plain(socket) = connection.reader.get_ref() else { panic!("plain expected") };
    assert!(socket.tcp.nodelay().unwrap(), "TCP_NODELAY must be set (Nagle + delayed ACK stall)");
}

#[test]
fn many_messages_on_one_connection_take_milliseconds_not_forty_each() {
    // Nagle's algorithm with the server's delayed ACK held each message ~40 ms in lettre
    // 0.11.23: 50 messages would take two seconds. Without the stall they take a few ms.
    let mut script = greeting_and_hello();
    script.extend([
        Repeat(50),
        Hear("MAIL"),
        Say("250 ok\r\n"),
        Hear("RCPT"),
        Say("250 ok\r\n"),
        Hear("DATA"),
        Say("354 go on\r\n"),
        Message,
        Say("250 ok\r\n"),
    ]);
    let (port, server) = serve(script);
    let mut connection = connector(port).connect().unwrap();
    let body = format!("Subject: x\r\n\r\n{}\r\n", "y".repeat(20_000));
    let started = Instant::now();
    for _ in 0..50 {
        send(&mut connection, &body).unwrap();
    }
    let took = started.elapsed();
    assert!(took < Duration::from_millis(1000), "50 messages took {took:?}");
    drop(connection);
    assert_eq!(server.join().unwrap().len(), 1 + 50 * 4);
}

#[test]
fn with_pipelining_mail_rcpt_and_data_leave_together_and_a_refused_rcpt_is_reported() {
    let mut script = vec![
        Say("220 test.example ESMTP\r\n"),
        Hear("EHLO "),
        Say("250-test.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n"),
    ];
    script.extend([
        Hear("MAIL"),
        Hear("RCPT"),
        Hear("DATA"),
        Say("250 ok\r\n550 5.1.1 no such user\r\n554 no valid recipients\r\n"),
        Hear("RSET"),
        Say("250 ok\r\n"),
        Hear("MAIL"),
        Hear("RCPT"),
        Hear("DATA"),
        Say("250 ok\r\n250 ok\r\n354 go on\r\n"),
        Message,
        Say("250 queued\r\n"),
    ]);
    let (port, server) = serve(script);
    let mut connection = connector(port).connect().unwrap();
    let err = send(&mut connection, "Subject: a\r\n\r\na\r\n").unwrap_err();
    assert!(
        matches!(&err, SmtpError::Rejected { stage: Stage::Rcpt, reply } if reply.code == 550),
        "{err}"
    );
    assert!(err.is_recipient_refusal() && !err.is_transient());
    connection.after_error(&err);
    assert!(connection.reusable(), "a refused recipient leaves the connection usable");
    send(&mut connection, "Subject: b\r\n\r\nb\r\n").unwrap();
    drop(connection);
    server.join().unwrap();
}

#[test]
fn a_server_that_accepts_data_after_a_refused_rcpt_gets_an_empty_message_to_stay_in_step() {
    let script = vec![
        Say("220 t\r\n"),
        Hear("EHLO"),
        Say("250-t\r\n250 PIPELINING\r\n"),
        Hear("MAIL"),
        Hear("RCPT"),
        Hear("DATA"),
        Say("250 ok\r\n450 mailbox busy\r\n354 go on\r\n"),
        Hear("."),
        Say("554 no valid recipients\r\n"),
        Hear("RSET"),
        Say("250 ok\r\n"),
    ];
    let (port, server) = serve(script);
    let mut connection = connector(port).connect().unwrap();
    let err = send(&mut connection, "Subject: a\r\n\r\na\r\n").unwrap_err();
    assert!(
        matches!(&err, SmtpError::Rejected { stage: Stage::Rcpt, reply } if reply.code == 450),
        "{err}"
    );
    assert!(err.is_transient());
    drop(connection);
    server.join().unwrap();
}

#[test]
fn lines_starting_with_a_dot_are_doubled_and_the_message_ends_with_crlf_dot() {
    let mut out = Vec::new();
    dot_stuff(b".hidden\r\nok\r\n..two\r\nend", &mut out);
    assert_eq!(out, b"..hidden\r\nok\r\n...two\r\nend\r\n.\r\n");
    out.clear();
    dot_stuff(b"a\r\n", &mut out);
    assert_eq!(out, b"a\r\n.\r\n");
    out.clear();
    // 8-bit bodies, and a dot line at the very end.
    dot_stuff(b"caf\xe9\r\n.\r\n.", &mut out);
    assert_eq!(out, b"caf\xe9\r\n..\r\n..\r\n.\r\n");
}

#[test]
fn a_421_greeting_is_temporary_and_leaves_no_connection() {
    let (port, _server) = serve(vec![Say("421 4.3.2 too busy, try later\r\n"), Hangup]);
    let err = connector(port).connect().unwrap_err();
    assert!(
        matches!(&err, SmtpError::Rejected { stage: Stage::Greeting, reply } if reply.code == 421)
    );
    assert!(err.is_transient() && !err.is_recipient_refusal());
}

#[test]
fn a_reply_lost_after_the_final_dot_is_an_in_flight_error_not_a_success() {
    let mut script = greeting_and_hello();
    script.extend([Hear("MAIL"), Say("250 ok\r\n"), Hear("RCPT"), Say("250 ok\r\n")]);
    script.extend([Hear("DATA"), Say("354 go\r\n"), Message, Hangup]);
    let (port, _server) = serve(script);
    let mut connection = connector(port).connect().unwrap();
    let err = send(&mut connection, "Subject: a\r\n\r\na\r\n").unwrap_err();
    assert!(matches!(err, SmtpError::Io { stage: Stage::AfterDot, .. }), "{err}");
    assert!(err.is_transient(), "retried (it may arrive twice), never counted as sent");
    assert!(!connection.reusable());
}

#[test]
fn a_stalled_server_times_out_as_a_temporary_failure() {
    let mut script = greeting_and_hello();
    script.extend([Hear("MAIL"), Stall(Duration::from_secs(3))]);
    let (port, _server) = serve(script);
    let mut connection =
        Connector::new(&smtp(port, Security::None, 1), None, Vec::new()).connect().unwrap();
    let started = Instant::now();
    let err = send(&mut connection, "Subject: a\r\n\r\na\r\n").unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(matches!(err, SmtpError::Io { stage: Stage::Mail, .. }), "{err}");
    assert!(err.is_transient());
}

#[test]
fn a_pipelining_server_that_stalls_costs_one_timeout_not_three() {
    let mut script = vec![
        Say("220 test.example ESMTP\r\n"),
        Hear("EHLO "),
        Say("250-test.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n"),
    ];
    script.extend([Hear("MAIL"), Hear("RCPT"), Hear("DATA"), Stall(Duration::from_secs(5))]);
    let (port, _server) = serve(script);
    let mut connection =
        Connector::new(&smtp(port, Security::None, 1), None, Vec::new()).connect().unwrap();
    let started = Instant::now();
    let err = send(&mut connection, "Subject: a\r\n\r\na\r\n").unwrap_err();
    assert!(matches!(err, SmtpError::Io { stage: Stage::Mail, .. }), "{err}");
    // Reading on after the first timeout would wait once per pipelined command: 3 s.
    assert!(started.elapsed() < Duration::from_millis(2500), "{:?}", started.elapsed());
}

#[test]
fn a_refusal_sent_before_hanging_up_mid_message_is_read_not_reported_as_a_broken_pipe() {
    let mut script = greeting_and_hello();
    script.extend([Hear("MAIL"), Say("250 ok\r\n"), Hear("RCPT"), Say("250 ok\r\n")]);
    script.extend([Hear("DATA"), Say("354 go\r\n"), Swallow(1000)]);
    script.extend([Say("552 5.3.4 message too big for this mailbox\r\n"), Hangup]);
    let (port, _server) = serve(script);
    let mut connection = connector(port).connect().unwrap();
    let big = format!("Subject: big\r\n\r\n{}\r\n", "z".repeat(20_000_000));
    let err = send(&mut connection, &big).unwrap_err();
    assert!(
        matches!(&err, SmtpError::Rejected { reply, .. } if reply.code == 552),
        "the 552 must surface, not the write error: {err}"
    );
    assert!(err.is_recipient_refusal());
}

#[test]
fn starttls_required_but_not_offered_is_a_lasting_failure() {
    let (port, _server) = serve(greeting_and_hello());
    let err =
        Connector::new(&smtp(port, Security::Starttls, 5), None, Vec::new()).connect().unwrap_err();
    assert!(matches!(err, SmtpError::Client(_)), "{err}");
    assert!(!err.is_transient());
    assert!(err.to_string().contains("does not offer STARTTLS"), "{err}");
}

#[test]
fn auth_login_answers_both_challenges() {
    let script = vec![
        Say("220 t\r\n"),
        Hear("EHLO"),
        Say("250-t\r\n250 AUTH LOGIN\r\n"),
        Hear("AUTH LOGIN"),
        Say("334 VXNlcm5hbWU6\r\n"),
        Hear("ZGlnZXN0"),
        Say("334 UGFzc3dvcmQ6\r\n"),
        Hear("czNjcmV0"),
        Say("235 ok\r\n"),
    ];
    let (port, server) = serve(script);
    let credentials = Credentials::new("digest".into(), "s3cret".into());
    Connector::new(&smtp(port, Security::None, 5), Some(credentials), Vec::new())
        .connect()
        .unwrap();
    assert_eq!(server.join().unwrap().len(), 4);
}

#[test]
fn a_refused_login_is_a_lasting_failure_that_suppresses_nobody() {
    let script = vec![
        Say("220 t\r\n"),
        Hear("EHLO"),
        Say("250-t\r\n250 AUTH PLAIN\r\n"),
        Hear("AUTH PLAIN"),
        Say("535 5.7.8 bad credentials\r\n"),
    ];
    let (port, _server) = serve(script);
    let credentials = Credentials::new("digest".into(), "wrong".into());
    let err = Connector::new(&smtp(port, Security::None, 5), Some(credentials), Vec::new())
        .connect()
        .unwrap_err();
    assert!(!err.is_transient() && !err.is_recipient_refusal(), "{err}");
}

#[test]
fn a_refused_connection_is_temporary() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err = connector(port).connect().unwrap_err();
    assert!(matches!(err, SmtpError::Io { stage: Stage::Connect, .. }), "{err}");
    assert!(err.is_transient());
}

#[test]
fn garbage_instead_of_a_reply_is_a_temporary_protocol_error() {
    let (port, _server) = serve(vec![Say("HTTP/1.1 400 Bad Request\r\n"), Hangup]);
    let err = connector(port).connect().unwrap_err();
    assert!(matches!(err, SmtpError::Protocol { stage: Stage::Greeting, .. }), "{err}");
    assert!(err.is_transient());
}

/// The test CA and the certificate it signed for 127.0.0.1 (tests/fixtures/tls).
fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls").join(name)
}

fn server_tls() -> Arc<rustls::ServerConfig> {
    let certs = CertificateDer::pem_file_iter(fixture("server.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = rustls::pki_types::PrivateKeyDer::from_pem_file(fixture("server.key")).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    Arc::new(config)
}

/// Serves one connection: `plain` in the clear, then a TLS handshake, then `encrypted`.
fn serve_tls(plain: Vec<Step>, encrypted: Vec<Step>) -> (u16, JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        // The client waits for each reply before going on, so nothing is read ahead here.
        let mut heard = run_script(&mut tcp, &plain);
        let connection = rustls::ServerConnection::new(server_tls()).unwrap();
        let mut tls = rustls::StreamOwned::new(connection, tcp);
        while tls.conn.is_handshaking() {
            if tls.conn.complete_io(&mut tls.sock).is_err() {
                return heard; // the client refused the certificate
            }
        }
        heard.extend(run_script(tls, &encrypted));
        heard
    });
    (port, handle)
}

fn tls_connector(port: u16, security: Security, trust_test_ca: bool) -> Connector {
    let roots = if trust_test_ca { read_roots(&fixture("ca.pem")).unwrap() } else { Vec::new() };
    let credentials = Credentials::new("digest".into(), "s3cret".into());
    Connector::new(&smtp(port, security, 5), Some(credentials), roots)
}

fn login_and_one_message() -> Vec<Step> {
    vec![
        Hear("EHLO"),
        Say("250-t\r\n250 AUTH PLAIN\r\n"),
        Hear("AUTH PLAIN"),
        Say("235 ok\r\n"),
        Hear("MAIL"),
        Say("250 ok\r\n"),
        Hear("RCPT"),
        Say("250 ok\r\n"),
        Hear("DATA"),
        Say("354 go\r\n"),
        Message,
        Say("250 queued over TLS\r\n"),
    ]
}

#[test]
fn starttls_upgrades_then_greets_again_logs_in_and_sends() {
    let plain = vec![
        Say("220 t\r\n"),
        Hear("EHLO"),
        Say("250-t\r\n250 STARTTLS\r\n"),
        Hear("STARTTLS"),
        Say("220 go ahead\r\n"),
    ];
    let (port, server) = serve_tls(plain, login_and_one_message());
    let mut connection = tls_connector(port, Security::Starttls, true).connect().unwrap();
    let reply = send(&mut connection, "Subject: secret\r\n\r\nhi\r\n").unwrap();
    assert_eq!(reply.to_string(), "250 queued over TLS");
    drop(connection);
    let heard = server.join().unwrap();
    assert!(heard.iter().any(|line| line.starts_with("AUTH PLAIN")), "{heard:?}");
}

#[test]
fn smtps_speaks_tls_from_the_first_byte() {
    let mut encrypted = vec![Say("220 t\r\n")];
    encrypted.extend(login_and_one_message());
    let (port, server) = serve_tls(Vec::new(), encrypted);
    let mut connection = tls_connector(port, Security::Tls, true).connect().unwrap();
    send(&mut connection, "Subject: secret\r\n\r\nhi\r\n").unwrap();
    drop(connection);
    server.join().unwrap();
}

#[test]
fn a_certificate_no_trusted_root_signed_is_a_lasting_tls_failure() {
    let (port, _server) = serve_tls(Vec::new(), Vec::new());
    let err = tls_connector(port, Security::Tls, false).connect().unwrap_err();
    assert!(matches!(err, SmtpError::Tls(_)), "{err}");
    assert!(!err.is_transient(), "a rerun does not fix a certificate");
}

#[test]
fn a_ca_file_without_certificates_is_refused() {
    let err = read_roots(&fixture("README.md")).unwrap_err();
    assert!(err.contains("no PEM certificate"), "{err}");
}

#[test]
fn with_pipelining_a_550_to_rcpt_and_a_hang_up_is_a_refusal_of_the_recipient() {
    let script = vec![
        Say("220 test.example ESMTP\r\n"),
        Hear("EHLO "),
        Say("250-test.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n"),
        Hear("MAIL"),
        Hear("RCPT"),
        Hear("DATA"),
        Say("250 ok\r\n550 5.1.1 no such user\r\n"),
        Hangup,
    ];
    let (port, server) = serve(script);
    let mut connection = connector(port).connect().unwrap();
    let err = send(&mut connection, "Subject: a\r\n\r\na\r\n").unwrap_err();
    server.join().unwrap();
    assert!(
        matches!(&err, SmtpError::Rejected { stage: Stage::Rcpt, reply } if reply.code == 550),
        "the 550 that came before the hang-up is the answer: {err}"
    );
    assert!(err.is_recipient_refusal() && !err.is_transient());
    connection.after_error(&err);
    assert!(!connection.reusable(), "the server hung up");
}

#[test]
fn without_pipelining_a_550_to_rcpt_and_a_hang_up_is_the_same_refusal() {
    let mut script = greeting_and_hello();
    script.extend([Hear("MAIL"), Say("250 ok\r\n"), Hear("RCPT")]);
    script.extend([Say("550 5.1.1 no such user\r\n"), Hangup]);
    let (port, server) = serve(script);
    let mut connection = connector(port).connect().unwrap();
    let err = send(&mut connection, "Subject: a\r\n\r\na\r\n").unwrap_err();
    server.join().unwrap();
    assert!(
        matches!(&err, SmtpError::Rejected { stage: Stage::Rcpt, reply } if reply.code == 550),
        "{err}"
    );
    assert!(err.is_recipient_refusal());
}

#[test]
fn a_greeting_dripped_a_byte_at_a_time_times_out_at_the_step_deadline() {
    // 30 bytes, 100 ms apart: each read is quick, the greeting takes 3 s, the deadline is 1 s.
    let (port, _server) =
        serve(vec![Drip("220 test.example ESMTP ready\r\n", Duration::from_millis(100))]);
    let err =
        Connector::new(&smtp(port, Security::None, 1), None, Vec::new()).connect().unwrap_err();
    assert!(matches!(err, SmtpError::Io { stage: Stage::Greeting, .. }), "{err}");
    assert!(err.to_string().contains("timed out"), "{err}");
    assert!(err.is_transient());
}

#[test]
fn a_reply_dripped_a_byte_at_a_time_times_out_at_the_step_deadline() {
    let mut script = greeting_and_hello();
    script.extend([Hear("MAIL"), Drip("250 2.1.0 sender ok\r\n", Duration::from_millis(100))]);
    let (port, _server) = serve(script);
    let mut connection =
        Connector::new(&smtp(port, Security::None, 1), None, Vec::new()).connect().unwrap();
    let err = send(&mut connection, "Subject: a\r\n\r\na\r\n").unwrap_err();
    assert!(matches!(err, SmtpError::Io { stage: Stage::Mail, .. }), "{err}");
    assert!(err.to_string().contains("timed out"), "{err}");
}
