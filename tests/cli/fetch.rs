//! Sources with a `url`: fetched from a real HTTP server on 127.0.0.1 (never the internet),
//! through every way a server misbehaves, and the cache that makes a rerun repeat itself.

use std::time::Duration;

use crate::harness::{Paperboy, fixture_path};
use crate::http::{HttpServer, Reply, TruncatingServer};

const DATE: &str = "2024-10-25";
const PATH: &str = "/api/daily_papers?date=2024-10-25";

fn hub_json() -> Vec<u8> {
    std::fs::read(fixture_path("real/hf_daily_papers_2024-10-25_first8.json"))
        .expect("the hub sample")
}

/// One hub source at `url` (with `{date}`), `fetch` settings, and a subscriber to whom the
/// sample's first paper goes.
fn config(url: &str, fetch: &str) -> String {
    format!(
        "[newsletter]\ntitle = \"D\"\nfrom = \"d@example.org\"\n\
         [[sources]]\nname = \"hub\"\nurl = \"{url}\"\n\
         [fetch]\n{fetch}\n\
         [[subscribers]]\nemail = \"a@example.com\"\nkeywords = [\"contrastive loss\"]\n"
    )
}

fn url(server_url: String) -> String {
    server_url.replace("2024-10-25", "{date}")
}

const SENT: &str =
    "sent 1, skipped 0 with no matching papers, failed 0 (digests for 2024-10-25 to outbox)\n";

#[test]
fn a_url_is_fetched_once_with_paperboys_user_agent_and_a_rerun_of_the_date_works_offline() {
    let server = HttpServer::start(|_, _| Reply::Body(hub_json()));
    let setup = Paperboy::new().config(&config(&url(server.url(PATH)), ""));

    setup.run(&["send", "--date", DATE]).success().stderr_is("").stdout_is(SENT);
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, PATH, "{{date}} is the run date");
    assert_eq!(
        seen[0].user_agent.as_deref(),
        Some(concat!("paperboy/", env!("CARGO_PKG_VERSION")))
    );
    let first = setup.read("outbox/2024-10-25/a@example.com.eml");
    assert!(setup.path("cache/hub/2024-10-25.raw").exists());

    // --force: the journal would otherwise (rightly) send nothing new for the date.
    setup.run(&["send", "--date", DATE, "--force"]).success().stderr_is("").stdout_is(SENT);
    assert_eq!(server.seen().len(), 1, "the rerun read the cache");

    drop(server);
    setup.run(&["send", "--date", DATE, "--force"]).success().stderr_is("").stdout_is(SENT);
    let again = setup.read("outbox/2024-10-25/a@example.com.eml");
    let body = |eml: &str| eml.split("\r\n\r\n").skip(1).collect::<String>();
    assert_eq!(body(&again).len(), body(&first).len(), "the same digest, offline");
}

#[test]
fn another_date_is_fetched_anew() {
    let server = HttpServer::start(|_, _| Reply::Body(hub_json()));
    let setup = Paperboy::new().config(&config(&url(server.url(PATH)), ""));
    setup.run(&["papers", "--date", DATE]).success();
    setup.run(&["papers", "--date", "2024-10-26"]).code(4);
    let paths: Vec<String> = server.seen().into_iter().map(|s| s.path).collect();
    assert_eq!(paths, [PATH, "/api/daily_papers?date=2024-10-26"]);
}

#[test]
fn a_slow_server_within_the_timeout_is_waited_for() {
    let server = HttpServer::start(|_, _| Reply::Slow {
        delay: Duration::from_millis(700),
        body: hub_json(),
    });
    let setup = Paperboy::new().config(&config(&url(server.url(PATH)), "timeout_secs = 5"));
    setup.run(&["send", "--date", DATE]).success().stdout_is(SENT);
}

#[test]
fn a_server_slower_than_the_timeout_fails_the_source_after_its_retries() {
    let server =
        HttpServer::start(|_, _| Reply::Slow { delay: Duration::from_secs(3), body: hub_json() });
    let setup =
        Paperboy::new().config(&config(&url(server.url(PATH)), "timeout_secs = 1\nretries = 1"));
    let run = setup.run(&["send", "--date", DATE]);
    run.code(65).stdout_is("nothing sent: every source failed (hub)\n").stderr_is(&format!(
        "error: source `hub` failed: {}: no complete response within 1 s (2 tries)\n",
        server.url(PATH)
    ));
    assert!(setup.list("outbox").is_empty());
    assert!(!setup.path("cache/hub/2024-10-25.raw").exists(), "a failure is not cached");
}

#[test]
fn a_500_then_a_200_is_retried_and_succeeds() {
    let server = HttpServer::start(|_, n| match n {
        0 => Reply::Status { code: 500, headers: Vec::new(), body: b"oops".to_vec() },
        _ => Reply::Body(hub_json()),
    });
    let setup = Paperboy::new().config(&config(&url(server.url(PATH)), ""));
    setup.run(&["send", "--date", DATE]).success().stderr_is("").stdout_is(SENT);
    assert_eq!(server.seen().len(), 2);
}

#[test]
fn a_429_is_retried_after_the_wait_retry_after_asks_for() {
    let server = HttpServer::start(|_, n| match n {
        0 => Reply::Status {
            code: 429,
            headers: vec![("Retry-After", "2".into())],
            body: Vec::new(),
        },
        _ => Reply::Body(hub_json()),
    });
    let setup = Paperboy::new().config(&config(&url(server.url(PATH)), ""));
    setup.run(&["send", "--date", DATE]).success().stdout_is(SENT);
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    let waited = seen[1].at.duration_since(seen[0].at);
    assert!(waited >= Duration::from_millis(1900), "waited only {waited:?}, not Retry-After's 2 s");
}

#[test]
fn a_retry_after_longer_than_paperboy_waits_fails_at_once() {
    let server = HttpServer::start(|_, _| Reply::Status {
        code: 503,
        headers: vec![("Retry-After", "3600".into())],
        body: Vec::new(),
    });
    let setup = Paperboy::new().config(&config(&url(server.url(PATH)), ""));
    setup.run(&["papers", "--date", DATE]).code(65).stderr_is(&format!(
        "error: source `hub` failed: {}: HTTP 503 Service Unavailable, asking to wait 3600 s, \
         longer than paperboy waits (120 s)\n",
        server.url(PATH)
    ));
    assert_eq!(server.seen().len(), 1);
}

#[test]
fn a_404_fails_the_source_without_retrying() {
    let server = HttpServer::start(|_, _| Reply::Status {
        code: 404,
        headers: Vec::new(),
        body: b"no".to_vec(),
    });
    let setup = Paperboy::new().config(&config(&url(server.url(PATH)), ""));
    setup
        .run(&["send", "--date", DATE])
        .code(65)
        .stdout_is("nothing sent: every source failed (hub)\n")
        .stderr_is(&format!(
            "error: source `hub` failed: {}: HTTP 404 Not Found\n",
            server.url(PATH)
        ));
    assert_eq!(server.seen().len(), 1);
}

#[test]
fn a_truncated_body_is_retried_then_fails_and_nothing_is_cached() {
    let body = hub_json();
    let server = TruncatingServer::start(body.clone(), body.len() / 2);
    let setup = Paperboy::new().config(&config(&url(server.url(PATH)), "retries = 1"));
    setup.run(&["send", "--date", DATE]).code(65).stderr_is(&format!(
        "error: source `hub` failed: {}: the response ended early (a truncated download) (2 tries)\n",
        server.url(PATH)
    ));
    assert_eq!(server.requests(), 2);
    assert!(!setup.path("cache/hub/2024-10-25.raw").exists());
}

#[test]
fn a_response_that_is_not_a_listing_names_the_url_and_the_place() {
    let server = HttpServer::start(|_, _| Reply::Body(b"[{\"paper\": {\"id\": 7}}]".to_vec()));
    let setup = Paperboy::new().config(&config(&url(server.url(PATH)), ""));
    setup.run(&["papers", "--date", DATE]).code(65).stderr_is(&format!(
        "error: source `hub` failed: {}: at `[0].paper.id`: expected a string, found a number\n",
        server.url(PATH)
    ));
}

#[test]
fn one_failing_source_does_not_stop_the_others() {
    let server = HttpServer::start(|_, _| Reply::Status {
        code: 404,
        headers: Vec::new(),
        body: Vec::new(),
    });
    let config = format!(
        "{}[[sources]]\nname = \"arxiv\"\npath = \"arxiv.xml\"\n",
        config(&url(server.url(PATH)), "")
    );
    let setup = Paperboy::new()
        .config(&config)
        .fixture("sources/arxiv-rss-2024-10-25-same-papers.xml", "arxiv.xml");
    let run = setup.run(&["send", "--date", DATE]);
    run.code(65)
        .stdout_is(&format!(
            "{SENT}left out: hub (failed); the digests carry the other sources' papers\n"
        ))
        .stderr_is(&format!(
            "error: source `hub` failed: {}: HTTP 404 Not Found\n",
            server.url(PATH)
        ));
    assert_eq!(setup.list("outbox/2024-10-25"), ["a@example.com.eml"]);
}
