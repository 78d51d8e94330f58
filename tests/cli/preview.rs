//! `paperboy preview`: every digest as files, and an index; nothing is ever delivered.

use crate::harness::{
    Email, Paperboy, SAMPLE, SAMPLE_DATE, assert_titles_exactly, sample_titles_mentioning, squash,
};
use crate::smtp::{SmtpServer, closed_port};

/// RFC 5322's recommended line length.
const MAX_COLUMNS: usize = 78;

/// The sample, four subscribers, and the SMTP transport pointed at `port`. Dave's keyword
/// picks nearly every paper, so the width checks see almost the whole listing.
fn config(port: u16) -> String {
    format!(
        r#"[newsletter]
title = "Daily Papers Digest"
from = "Paper Digest <digest@example.org>"
unsubscribe_url = "https://example.org/unsubscribe?email={{email}}"

[[sources]]
name = "hf"
path = "{SAMPLE}"

[delivery]
transport = "smtp"

[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
timeout_secs = 2

[[subscribers]]
email = "alice@example.com"
name = "Alice"
keywords = ["knowledge distillation"]

[[subscribers]]
email = "bob+papers@example.com"
keywords = ["Mamba"]

[[subscribers]]
email = "carol@example.com"
keywords = ["protein folding"]

[[subscribers]]
email = "dave@example.com"
keywords = ["the"]
# As many as fit whole under the 100,000-byte cap, so that no run warns.
max_papers = 40
"#
    )
}

const EMAILS: [&str; 4] =
    ["alice@example.com", "bob+papers@example.com", "carol@example.com", "dave@example.com"];

/// The config with SMTP pointed at a port nothing listens on: any delivery attempt would fail.
fn setup() -> Paperboy {
    Paperboy::new().config(&config(closed_port())).sample()
}

fn preview_args(out: &str) -> Vec<&str> {
    vec!["preview", "--date", SAMPLE_DATE, "--out", out]
}

#[test]
fn preview_writes_html_text_and_eml_for_every_subscriber_and_an_index_linking_them() {
    let setup = setup();
    let run = setup.run(&preview_args("out"));

    run.success()
        .stderr_is("")
        .stdout_is(&format!("previewed 4 digests for {SAMPLE_DATE} in out; open out/index.html\n"));
    let mut expected: Vec<String> = EMAILS
        .iter()
        .flat_map(|email| ["eml", "html", "txt"].map(|ext| format!("{email}.{ext}")))
        .collect();
    expected.push("index.html".to_owned());
    expected.sort();
    assert_eq!(setup.list("out"), expected);

    let index = setup.read("out/index.html");
    assert!(index.starts_with("<!DOCTYPE html>"), "{index}");
    for email in EMAILS {
        for ext in ["html", "txt", "eml"] {
            let href = format!("href=\"{email}.{ext}\"");
            assert!(index.contains(&href), "index lacks {href}:\n{index}");
        }
    }
}

/// `send` sends nothing on a day no source lists papers for, and the index says so of
/// every reader.
#[test]
fn on_a_day_with_no_papers_the_index_says_no_digest_would_be_sent() {
    let setup = setup().file("empty.json", "[]");
    let run = setup.run(&["preview", "--date", SAMPLE_DATE, "--input", "empty.json"]);
    run.code(3);
    let index = setup.read("preview/index.html");
    assert_eq!(index.matches("(not sent: no papers today)").count(), EMAILS.len(), "{index}");
    let send = setup.run(&["send", "--date", SAMPLE_DATE, "--input", "empty.json", "--dry-run"]);
    send.code(3).stdout_has("nothing sent");
}

#[test]
fn preview_writes_to_the_preview_folder_by_default() {
    let setup = setup();
    setup.run(&["preview", "--date", SAMPLE_DATE]).success();
    assert!(setup.path("preview/index.html").is_file());
    assert!(setup.path("preview/alice@example.com.html").is_file());
}

#[test]
fn preview_with_the_subscriber_option_writes_that_subscriber_alone() {
    let setup = setup();
    let mut args = preview_args("out");
    args.extend(["--subscriber", "bob+papers@example.com"]);
    setup.run(&args).success();

    assert_eq!(
        setup.list("out"),
        [
            "bob+papers@example.com.eml",
            "bob+papers@example.com.html",
            "bob+papers@example.com.txt",
            "index.html"
        ]
    );
    let index = setup.read("out/index.html");
    assert!(!index.contains("alice@example.com"), "{index}");
}

#[test]
fn preview_never_delivers_even_with_the_smtp_transport_and_a_live_server() {
    let server = SmtpServer::start();
    let setup = Paperboy::new().config(&config(server.port())).sample();
    setup.run(&preview_args("out")).success().stderr_is("");

    assert_eq!(server.sessions(), 0, "preview opened an SMTP session");
    assert!(server.received().is_empty());
    assert!(!setup.path("outbox").exists(), "preview wrote to the outbox");
}

#[test]
fn preview_files_hold_the_same_digest_as_the_message() {
    let setup = setup();
    setup.run(&preview_args("out")).success();

    let html = setup.read("out/alice@example.com.html");
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..html.len().min(200)]);
    assert!(html.trim_end().ends_with("</html>"));
    let text = setup.read("out/alice@example.com.txt");
    let email = Email::parse(&setup.read_bytes("out/alice@example.com.eml"));
    assert_eq!(email.to[0].address, "alice@example.com");
    assert_eq!(squash(&email.text), squash(&text), "the .txt is the message's text part");
    assert_eq!(squash(&email.html), squash(&html), "the .html is the message's HTML part");
    assert_titles_exactly(&text, &sample_titles_mentioning("knowledge distillation"), "text");
}

#[test]
fn the_index_says_which_digests_would_not_be_sent() {
    let setup = setup();
    setup.run(&preview_args("out")).success();
    let index = setup.read("out/index.html");
    let carol = index.lines().skip_while(|line| !line.contains("carol@example.com")).nth(1);
    assert!(
        carol.is_some_and(|line| line.contains("not sent: nothing matched")),
        "Carol's row:\n{index}"
    );
    let alice = index.lines().skip_while(|line| !line.contains("alice@example.com")).nth(1);
    assert!(alice.is_some_and(|line| !line.contains("not sent")), "Alice's row:\n{index}");
}

/// A line that may run past the limit: a URL alone, or after a one-word label such as
/// `Code:`, since breaking a URL breaks the link.
fn is_unbreakable_url_line(line: &str) -> bool {
    let is_url = |word: &str| word.starts_with("https://") || word.starts_with("http://");
    // A URL alone, or after a label such as `Code:` or `Full abstract:`.
    match line.split_whitespace().collect::<Vec<_>>().as_slice() {
        [url] => is_url(url),
        [label @ .., last_label_word, url] => {
            label.len() < 3 && last_label_word.ends_with(':') && is_url(url)
        }
        _ => false,
    }
}

#[test]
fn text_lines_fit_78_columns_except_lines_that_hold_one_long_url() {
    let setup = setup();
    setup.run(&preview_args("out")).success();

    let mut checked = 0;
    for email in EMAILS {
        let text = setup.read(&format!("out/{email}.txt"));
        for (number, line) in text.lines().enumerate() {
            checked += 1;
            let columns = line.chars().count();
            assert!(
                columns <= MAX_COLUMNS || is_unbreakable_url_line(line),
                "{email}.txt:{}: {columns} columns: {line:?}",
                number + 1
            );
        }
    }
    assert!(checked > 600, "Dave's 40 papers should take many lines ({checked} lines)");
}

/// Sends one GET for `path` with this `Host:` header and returns the status line.
fn status_with_host(base: &str, path: &str, host: &str) -> String {
    use std::io::{BufRead as _, Write as _};
    let mut stream = std::net::TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut line = String::new();
    std::io::BufReader::new(stream).read_line(&mut line).unwrap();
    line.trim_end().to_owned()
}

#[test]
fn the_preview_server_answers_421_to_a_host_that_is_not_this_machine() {
    // A page in the operator's browser whose own name rebinds to 127.0.0.1 sends its own
    // name as Host: it must not read the subscribers' addresses.
    let setup = setup();
    let server =
        setup.server(&["preview", "--serve", "--listen", "127.0.0.1:0", "--date", SAMPLE_DATE]);
    for host in ["rebind.attacker.example", "rebind.attacker.example:8025", "10.1.2.3"] {
        for path in ["/", "/alice@example.com.html"] {
            let status = status_with_host(&server.base, path, host);
            assert!(status.starts_with("HTTP/1.1 421"), "{host} {path}: {status}");
        }
    }
    for host in ["localhost", "localhost:8025", "127.0.0.1:1", "[::1]:8025", "[::1]"] {
        let status = status_with_host(&server.base, "/", host);
        assert!(status.starts_with("HTTP/1.1 200"), "{host}: {status}");
    }
}

#[test]
fn a_plus_in_a_preview_path_is_a_plus_not_a_space() {
    let setup = setup();
    let server =
        setup.server(&["preview", "--serve", "--listen", "127.0.0.1:0", "--date", SAMPLE_DATE]);
    let agent = crate::harness::http_agent();
    let mut page =
        agent.get(&format!("{}/bob+papers@example.com.html", server.base)).call().unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.body_mut().read_to_string().unwrap().contains("Mamba"));
    let text = agent.get(&format!("{}/bob%2Bpapers@example.com.txt", server.base)).call().unwrap();
    assert_eq!(text.status(), 200);
}

#[test]
fn the_preview_index_counts_each_subscribers_papers_and_links_every_digest() {
    let setup = setup();
    setup.run(&preview_args("out")).success();
    let written = setup.read("out/index.html");
    let server =
        setup.server(&["preview", "--serve", "--listen", "127.0.0.1:0", "--date", SAMPLE_DATE]);
    let mut index = crate::harness::http_agent().get(&format!("{}/", server.base)).call().unwrap();
    let served = index.body_mut().read_to_string().unwrap();
    assert_eq!(served, written, "the served index is the one --out writes");
}
