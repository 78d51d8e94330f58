//! `paperboy serve`: the unsubscribe link over real HTTP on loopback.

use crate::harness::{Background, Email, Paperboy, SAMPLE_DATE, http_agent as agent};

const SECRET: &str = "test-secret-not-for-production";

fn config() -> String {
    format!(
        "[newsletter]\ntitle = \"Digest\"\nfrom = \"d@example.org\"\n\
         unsubscribe_url = \"https://example.org/list/unsubscribe?email={{email}}&token={{token}}\"\n\
         [[sources]]\nname = \"hf\"\npath = \"{}\"\n\
         [[subscribers]]\nemail = \"alice@example.com\"\nkeywords = [\"knowledge distillation\"]\n\
         # Bob stays whatever happens to Alice.\n\
         [[subscribers]]\nemail = \"bob+news@example.com\"\nkeywords = [\"knowledge distillation\"]\n",
        crate::harness::SAMPLE
    )
}

fn serve(paperboy: &Paperboy) -> Background {
    paperboy.server(&["serve", "--listen", "127.0.0.1:0"])
}

/// The path and query of a subscriber's List-Unsubscribe link, from a previewed message.
fn link_for(paperboy: &Paperboy, email: &str) -> String {
    let raw = paperboy.read_bytes(&format!("preview/{email}.eml"));
    let header = Email::parse(&raw).header("List-Unsubscribe").expect("a List-Unsubscribe header");
    let url = header.trim_start_matches('<').trim_end_matches('>');
    url.strip_prefix("https://example.org").expect("the configured host").to_owned()
}

fn previewed() -> Paperboy {
    let paperboy =
        Paperboy::new().config(&config()).sample().env("PAPERBOY_UNSUBSCRIBE_SECRET", SECRET);
    paperboy.run(&["preview", "--date", SAMPLE_DATE]).success();
    paperboy
}

#[test]
fn get_confirms_and_post_unsubscribes_only_that_address() {
    let paperboy = previewed();
    let before = paperboy.read("paperboy.toml");
    let server = serve(&paperboy);
    let link = format!("{}{}", server.base, link_for(&paperboy, "alice@example.com"));

    let mut page = agent().get(&link).call().unwrap();
    assert_eq!(page.status(), 200);
    let body = page.body_mut().read_to_string().unwrap();
    assert!(body.contains("alice@example.com") && body.contains("<form method=\"post\""), "{body}");
    assert_eq!(paperboy.read("paperboy.toml"), before, "GET must change nothing");

    let done = agent()
        .post(&link)
        .content_type("application/x-www-form-urlencoded")
        .send("List-Unsubscribe=One-Click")
        .unwrap();
    assert_eq!(done.status(), 200);
    let after = paperboy.read("paperboy.toml");
    assert!(!after.contains("alice@example.com"));
    assert!(after.contains(
        "# Bob stays whatever happens to Alice.\n[[subscribers]]\nemail = \"bob+news@example.com\""
    ));
    assert_eq!(paperboy.read("paperboy.toml.bak"), before);

    // One-click clients may POST twice; the second is as harmless as the first.
    let again = agent().post(&link).send("List-Unsubscribe=One-Click").unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(paperboy.read("paperboy.toml"), after);
}

#[test]
fn a_forged_or_missing_token_is_refused_and_changes_nothing() {
    let paperboy = previewed();
    let before = paperboy.read("paperboy.toml");
    let server = serve(&paperboy);
    let bobs = link_for(&paperboy, "bob+news@example.com");
    let bobs_token = bobs.rsplit('=').next().unwrap().to_owned();
    let forged = [
        // Bob's valid token on Alice's address.
        format!("/list/unsubscribe?email=alice%40example.com&token={bobs_token}"),
        // A token of the right shape that nobody made.
        format!("/list/unsubscribe?email=alice%40example.com&token={}", "0".repeat(32)),
        // Bob's token cut short.
        format!("/list/unsubscribe?email=bob%2Bnews%40example.com&token={}", &bobs_token[..20]),
    ];
    for target in &forged {
        let response = agent()
            .post(&format!("{}{target}", server.base))
            .send("List-Unsubscribe=One-Click")
            .unwrap();
        assert_eq!(response.status(), 403, "{target}");
    }
    let missing = agent()
        .post(&format!("{}/list/unsubscribe?email=alice%40example.com", server.base))
        .send("")
        .unwrap();
    assert_eq!(missing.status(), 404);
    let elsewhere = agent().get(&format!("{}/admin", server.base)).call().unwrap();
    assert_eq!(elsewhere.status(), 404);
    assert_eq!(paperboy.read("paperboy.toml"), before);
    assert!(paperboy.list("").iter().all(|name| name != "paperboy.toml.bak"));
}

#[test]
fn serve_refuses_to_start_without_a_token_in_the_link_or_a_secret() {
    let without_token = config().replace("&token={token}", "");
    let paperboy =
        Paperboy::new().config(&without_token).sample().env("PAPERBOY_UNSUBSCRIBE_SECRET", SECRET);
    paperboy.run(&["serve", "--listen", "127.0.0.1:0"]).code(78).stderr_has("needs {token}");

    let paperboy = Paperboy::new().config(&config()).sample();
    paperboy
        .run(&["serve", "--listen", "127.0.0.1:0"])
        .code(78)
        .stderr_has("PAPERBOY_UNSUBSCRIBE_SECRET");
}

#[test]
fn a_token_link_without_the_secret_stops_preview_and_send_before_anything_goes_out() {
    let paperboy = Paperboy::new().config(&config()).sample();
    paperboy
        .run(&["send", "--date", SAMPLE_DATE])
        .code(78)
        .stderr_has("PAPERBOY_UNSUBSCRIBE_SECRET");
    assert!(paperboy.list("outbox").is_empty());
}

#[test]
fn a_subscriber_list_paperboy_cannot_edit_is_never_reported_as_unsubscribed() {
    // The loader reads an inline array of subscribers; the editor edits tables only. The
    // page must not tell the reader they are gone while they are still listed.
    let config = format!(
        "subscribers = [{{ email = \"alice@example.com\", keywords = [\"knowledge distillation\"] }}]\n\
         [newsletter]\ntitle = \"Digest\"\nfrom = \"d@example.org\"\n\
         unsubscribe_url = \"https://example.org/list/unsubscribe?email={{email}}&token={{token}}\"\n\
         [[sources]]\nname = \"hf\"\npath = \"{}\"\n",
        crate::harness::SAMPLE
    );
    let paperboy =
        Paperboy::new().config(&config).sample().env("PAPERBOY_UNSUBSCRIBE_SECRET", SECRET);
    paperboy.run(&["preview", "--date", SAMPLE_DATE]).success();
    let before = paperboy.read("paperboy.toml");
    let server = serve(&paperboy);
    let link = format!("{}{}", server.base, link_for(&paperboy, "alice@example.com"));
    let response = agent().post(&link).send("List-Unsubscribe=One-Click").unwrap();
    assert_eq!(response.status(), 500);
    assert_eq!(paperboy.read("paperboy.toml"), before);
    paperboy.run(&["unsubscribe", "alice@example.com"]).code(2).stderr_has("inline array");
}

// The HTTP face under abuse (issue 11): each case broke the tiny_http server paperboy ran
// on before. Raw sockets, so that the requests can be what no client library would send.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

/// The client side of one connection to `base` (`http://127.0.0.1:PORT`).
fn connect(base: &str) -> TcpStream {
    let stream = TcpStream::connect(base.trim_start_matches("http://")).expect("cannot connect");
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    stream
}

/// Sends `request` on a new connection and reads the answer until the server closes it or
/// stops sending.
fn exchange(base: &str, request: &[u8]) -> String {
    let mut stream = connect(base);
    stream.write_all(request).unwrap();
    read_answer(&mut stream)
}

fn read_answer(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while let Ok(read @ 1..) = stream.read(&mut buffer) {
        answer.extend_from_slice(&buffer[..read]);
        if answer.windows(4).any(|w| w == b"\r\n\r\n") && answer.ends_with(b"</html>\n") {
            break;
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// A client that gives up after a while, so that a stalled server fails the test rather
/// than hanging it.
fn patient_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(15)))
        .build()
        .into()
}

/// GET on Bob's link answers 200: the server is up and answering.
fn answers(server: &Background, paperboy: &Paperboy) -> bool {
    let link = format!("{}{}", server.base, link_for(paperboy, "bob+news@example.com"));
    patient_agent().get(&link).call().is_ok_and(|response| response.status() == 200)
}

fn threads_of(pid: u32) -> usize {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|line| line.starts_with("Threads:")).unwrap();
    line["Threads:".len()..].trim().parse().unwrap()
}

/// `paperboy.toml.lock`, held the way a running `subscriber add` holds it.
fn hold_edit_lock(paperboy: &Paperboy) -> std::fs::File {
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(paperboy.path("paperboy.toml.lock"))
        .unwrap();
    lock.lock().unwrap();
    lock
}

#[test]
fn a_content_length_of_999999999999999_is_refused_and_the_server_stays_up() {
    let paperboy = previewed();
    let server = serve(&paperboy);
    let answer = exchange(
        &server.base,
        b"POST /anything HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 999999999999999\r\n\r\nx",
    );
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answers(&server, &paperboy), "the server went down");
}

#[test]
fn a_client_that_announces_a_body_and_sends_nothing_stalls_nobody() {
    let paperboy = previewed();
    let server = serve(&paperboy);
    let alices = link_for(&paperboy, "alice@example.com");
    let mut stalled = connect(&server.base);
    let head = format!(
        "POST {alices} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n\r\n"
    );
    stalled.write_all(head.as_bytes()).unwrap();
    let mut also_stalled = connect(&server.base);
    also_stalled
        .write_all(b"POST /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000\r\n\r\n")
        .unwrap();
    assert!(answers(&server, &paperboy), "a request waited behind a client sending nothing");
    drop((stalled, also_stalled));
}

#[test]
fn a_header_line_without_an_end_is_cut_off_at_the_header_limit() {
    let paperboy = previewed();
    let server = serve(&paperboy);
    let mut stream = connect(&server.base);
    stream.set_write_timeout(Some(Duration::from_secs(20))).unwrap();
    stream.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: ").unwrap();
    let chunk = vec![b'a'; 64 * 1024];
    let mut sent = 0;
    // 64 MB is 4,000 times the limit; a server without one takes it all in.
    while sent < 64 << 20 && stream.write_all(&chunk).is_ok() {
        sent += chunk.len();
    }
    assert!(sent < 64 << 20, "the server took {sent} bytes of one header line");
    assert!(answers(&server, &paperboy), "the server went down");
}

#[test]
fn a_hundred_idle_connections_add_no_threads_and_a_request_is_still_answered() {
    // Under systemd's TasksMax, a thread per connection ran out, the accept thread panicked
    // and the socket closed for good. Idle connections must cost no thread at all.
    let paperboy = previewed();
    let server = serve(&paperboy);
    assert!(answers(&server, &paperboy));
    let before = threads_of(server.pid());
    let idle: Vec<TcpStream> = (0..100)
        .map(|_| {
            let mut stream = connect(&server.base);
            stream.write_all(b"GET / HTTP/1.1\r\n").unwrap();
            stream
        })
        .collect();
    assert!(answers(&server, &paperboy), "a request went unanswered behind idle connections");
    let during = threads_of(server.pid());
    assert!(during <= before, "{before} threads became {during} with 100 idle connections");
    drop(idle);
}

#[test]
fn running_out_of_file_descriptors_is_logged_and_the_listener_keeps_going() {
    let paperboy = previewed();
    let server = serve(&paperboy);
    assert!(answers(&server, &paperboy));
    let limit = |nofile: &str| {
        let status = std::process::Command::new("prlimit")
            .args(["--pid", &server.pid().to_string(), &format!("--nofile={nofile}")])
            .status()
            .expect("prlimit (util-linux)");
        assert!(status.success());
    };
    // The soft limit alone: it can be raised again without privileges.
    limit("16:");
    let crowd: Vec<TcpStream> = (0..40).map(|_| connect(&server.base)).collect();
    // The accept loop meets EMFILE within moments; wait for it to say so.
    let logged = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(100));
        server.stderr().contains("cannot accept a connection")
    });
    assert!(logged, "stderr: {}", server.stderr());
    drop(crowd);
    limit("1024:");
    assert!(answers(&server, &paperboy), "the listener did not survive EMFILE");
}

#[test]
fn past_32_requests_in_flight_the_next_is_answered_503_at_once() {
    let paperboy = previewed();
    let server = serve(&paperboy);
    let alices = link_for(&paperboy, "alice@example.com");
    let lock = hold_edit_lock(&paperboy);
    // 32 unsubscribes, each waiting for the edit lock: the server's limit of requests.
    let waiting: Vec<TcpStream> = (0..32)
        .map(|_| {
            let mut stream = connect(&server.base);
            let request = format!(
                "POST {alices} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            stream.write_all(request.as_bytes()).unwrap();
            stream
        })
        .collect();
    let link = format!("{}{}", server.base, link_for(&paperboy, "bob+news@example.com"));
    let shed = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(50));
        patient_agent().get(&link).call().is_ok_and(|response| response.status() == 503)
    });
    assert!(shed, "the 33rd request was never shed");
    drop(lock);
    for mut stream in waiting {
        let answer = read_answer(&mut stream);
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
    assert!(!paperboy.read("paperboy.toml").contains("alice@example.com"));
    assert_eq!(server.stderr().matches("unsubscribed alice@example.com").count(), 1);
}

#[test]
fn a_repeated_unsubscribe_post_is_answered_from_a_cheap_check_and_logged_once() {
    let paperboy = previewed();
    let server = serve(&paperboy);
    let link = format!("{}{}", server.base, link_for(&paperboy, "alice@example.com"));
    let post = || patient_agent().post(&link).send("List-Unsubscribe=One-Click");
    assert_eq!(post().unwrap().status(), 200);
    let after = paperboy.read("paperboy.toml");
    // Another edit holds the config: a replay must not wait for it, nor do one of its own.
    let lock = hold_edit_lock(&paperboy);
    let again = post().expect("the replay waited for the edit lock");
    assert_eq!(again.status(), 200);
    drop(lock);
    assert_eq!(paperboy.read("paperboy.toml"), after);
    let log = server.stderr();
    assert_eq!(log.matches("unsubscribed alice@example.com").count(), 1, "{log}");
}

#[test]
fn an_extra_utm_source_on_the_link_still_unsubscribes() {
    let paperboy = previewed();
    let server = serve(&paperboy);
    let link = format!(
        "{}{}&utm_source=newsletter",
        server.base,
        link_for(&paperboy, "alice@example.com")
    );
    let page = agent().get(&link).call().unwrap();
    assert_eq!(page.status(), 200);
    let done = agent().post(&link).send("List-Unsubscribe=One-Click").unwrap();
    assert_eq!(done.status(), 200);
    assert!(!paperboy.read("paperboy.toml").contains("alice@example.com"));
}

#[test]
fn a_port_already_taken_ends_serve_with_an_error() {
    let paperboy = previewed();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    paperboy.run(&["serve", "--listen", &address]).code(1).stderr_has("cannot listen on");
}
