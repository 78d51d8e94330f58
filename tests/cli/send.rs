//! `paperboy send`: digests delivered to a real SMTP server on loopback, or written to the
//! outbox, checked by parsing what arrived.

use mailin::AuthMechanism;

use crate::harness::{
    Email, Mailbox, Paperboy, SAMPLE, SAMPLE_DATE, assert_titles_exactly, sample_titles_mentioning,
    unescape_html,
};
use crate::smtp::SmtpServer;

const ALICE: &str = "alice@example.com";
/// A `+` and the `@` show whether the unsubscribe link encodes the address.
const BOB: &str = "bob+papers@example.com";
const CAROL: &str = "carol@example.com";

/// Three subscribers on the sample. Their keywords were chosen so that a plain whole-word,
/// case-insensitive search finds the same papers as paperboy's matcher (no plurals, hyphen
/// or possessive forms of them occur in the sample): Alice's 8, Bob's 3, Carol's none.
const SUBSCRIBERS: &str = r#"
[[subscribers]]
email = "alice@example.com"
name = "Alice Liddell"
keywords = ["knowledge distillation"]

[[subscribers]]
email = "bob+papers@example.com"
name = "Bob"
keywords = ["Mamba"]

[[subscribers]]
email = "carol@example.com"
name = "Carol"
keywords = ["protein folding"]
"#;

/// `[newsletter]` with `send_empty` as given, the sample as the source.
fn newsletter(send_empty: bool) -> String {
    format!(
        r#"[newsletter]
title = "Daily Papers Digest"
from = "Paper Digest <digest@example.org>"
reply_to = "Editor <editor@example.org>"
unsubscribe_url = "https://example.org/unsubscribe?email={{email}}"
send_empty = {send_empty}

[[sources]]
name = "hf"
path = "{SAMPLE}"
"#
    )
}

/// `[delivery]` and `[smtp]` for a plain-text server on 127.0.0.1, retrying a temporary
/// failure once, 10 ms later, so that a deferral takes milliseconds.
pub(crate) fn smtp(port: u16) -> String {
    format!(
        r#"
[delivery]
transport = "smtp"

[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
timeout_secs = 5
max_attempts = 2
retry_backoff_ms = 10
"#
    )
}

/// The three subscribers over SMTP to `server`.
fn smtp_config(server: &SmtpServer) -> String {
    format!("{}{}{SUBSCRIBERS}", newsletter(false), smtp(server.port()))
}

/// The sample and the three subscribers, ready to send over SMTP to `server`.
fn smtp_setup(server: &SmtpServer) -> Paperboy {
    Paperboy::new().config(&smtp_config(server)).sample()
}

fn send_args() -> [&'static str; 3] {
    ["send", "--date", SAMPLE_DATE]
}

fn summary(sent: usize, skipped: usize, failed: usize, to: &str) -> String {
    format!(
        "sent {sent}, skipped {skipped} with no matching papers, failed {failed} \
         (digests for {SAMPLE_DATE} to {to})\n"
    )
}

fn mailbox(name: &str, address: &str) -> Mailbox {
    Mailbox { name: Some(name.to_owned()), address: address.to_owned() }
}

#[test]
fn each_subscriber_with_matching_papers_gets_exactly_one_message_and_the_others_none() {
    let server = SmtpServer::start();
    let run = smtp_setup(&server).run(&send_args());

    run.success()
        .stdout_is(&summary(2, 1, 0, &format!("smtp://127.0.0.1:{}", server.port())))
        .stderr_is("");
    let received = server.received();
    assert_eq!(received.len(), 2, "{received:?}");
    let mut envelopes: Vec<(&str, Vec<&str>)> = received
        .iter()
        .map(|m| (m.from.as_str(), m.to.iter().map(String::as_str).collect()))
        .collect();
    // Digests go out over several connections at once, so in no fixed order.
    envelopes.sort();
    assert_eq!(
        envelopes,
        [("digest@example.org", vec![ALICE]), ("digest@example.org", vec![BOB])],
        "one envelope per subscriber, Carol's left out"
    );
}

#[test]
fn the_headers_name_the_newsletter_the_subscriber_and_how_many_papers_they_get() {
    let server = SmtpServer::start();
    smtp_setup(&server).run(&send_args()).success();

    for (address, name, count) in [(ALICE, "Alice Liddell", 8), (BOB, "Bob", 3)] {
        let email = server.received_for(address).email();
        assert_eq!(email.from, [mailbox("Paper Digest", "digest@example.org")]);
        assert_eq!(email.to, [mailbox(name, address)]);
        assert_eq!(email.reply_to, [mailbox("Editor", "editor@example.org")]);
        assert_eq!(
            email.subject.as_deref(),
            Some(format!("Daily Papers Digest — {SAMPLE_DATE} — {count} papers for you").as_str())
        );
        assert!(email.has_date, "no parseable Date: {:?}", email.header_names);
        let id = email.message_id.as_deref().expect("a Message-ID");
        assert!(id.ends_with("@example.org"), "{id}");
        assert_eq!(email.count_headers("Bcc"), 0);
        assert_eq!(email.count_headers("Cc"), 0);
    }
}

#[test]
fn the_message_id_is_the_same_when_the_same_day_is_forced_out_again_and_differs_between_people() {
    let server = SmtpServer::start();
    let setup = smtp_setup(&server);
    setup.run(&send_args()).success();
    setup.run(&["send", "--date", SAMPLE_DATE, "--force"]).success();

    let ids = |address: &str| -> Vec<String> {
        let received = server.received();
        received
            .iter()
            .filter(|m| m.to == [address])
            .map(|m| m.email().message_id.expect("a Message-ID"))
            .collect()
    };
    let (alice, bob) = (ids(ALICE), ids(BOB));
    assert_eq!(alice.len(), 2);
    assert_eq!(alice[0], alice[1], "Alice's digest keeps its Message-ID on a rerun");
    assert_eq!(bob[0], bob[1], "Bob's digest keeps its Message-ID on a rerun");
    assert_ne!(alice[0], bob[0], "two subscribers never share a Message-ID");
}

#[test]
fn list_unsubscribe_carries_the_encoded_address_and_asks_for_one_click() {
    let server = SmtpServer::start();
    smtp_setup(&server).run(&send_args()).success();

    let email = server.received_for(BOB).email();
    assert_eq!(
        email.header("List-Unsubscribe").as_deref(),
        Some("<https://example.org/unsubscribe?email=bob%2Bpapers%40example.com>")
    );
    assert_eq!(
        email.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
}

/// Filters sort on List-Id; vacation responders and auto-repliers stay quiet for
/// Auto-Submitted and Precedence (RFC 2919, RFC 3834).
#[test]
fn every_digest_names_its_list_and_says_it_is_automatic_bulk_mail() {
    let server = SmtpServer::start();
    let setup = smtp_setup(&server);
    setup.run(&send_args()).success();
    setup.run(&["preview", "--date", SAMPLE_DATE]).success();

    let sent = [ALICE, BOB].map(|address| server.received_for(address).email());
    let previewed = Email::parse(&setup.read_bytes(&format!("preview/{ALICE}.eml")));
    for email in sent.iter().chain([&previewed]) {
        assert_eq!(
            email.header("List-Id").as_deref(),
            Some("\"Daily Papers Digest\" <daily-papers-digest.example.org>")
        );
        assert_eq!(email.header("Auto-Submitted").as_deref(), Some("auto-generated"));
        assert_eq!(email.header("Precedence").as_deref(), Some("bulk"));
        assert!(email.header("List-Unsubscribe").is_some());
        assert_eq!(
            email.header("List-Unsubscribe-Post").as_deref(),
            Some("List-Unsubscribe=One-Click")
        );
    }
}

#[test]
fn the_message_is_multipart_alternative_with_a_text_and_an_html_part() {
    let server = SmtpServer::start();
    smtp_setup(&server).run(&send_args()).success();

    let email = server.received_for(ALICE).email();
    assert_eq!(email.content_type, "multipart/alternative");
    assert_eq!(email.leaf_types, ["text/plain", "text/html"]);
}

#[test]
fn both_parts_list_exactly_the_papers_the_keywords_pick() {
    let server = SmtpServer::start();
    smtp_setup(&server).run(&send_args()).success();

    for (address, keyword, count) in [(ALICE, "knowledge distillation", 8), (BOB, "Mamba", 3)] {
        let expected = sample_titles_mentioning(keyword);
        assert_eq!(expected.len(), count, "papers mentioning {keyword:?} in the sample");
        let email = server.received_for(address).email();
        assert_titles_exactly(&email.text, &expected, "text/plain");
        assert_titles_exactly(&unescape_html(&email.html), &expected, "text/html");
        assert!(
            email
                .subject
                .as_deref()
                .is_some_and(|s| s.ends_with(&format!("{count} papers for you"))),
            "{:?}",
            email.subject
        );
    }
}

#[test]
fn send_empty_sends_a_digest_to_a_subscriber_with_no_matching_paper_too() {
    let server = SmtpServer::start();
    let config = format!("{}{}{SUBSCRIBERS}", newsletter(true), smtp(server.port()));
    let run = Paperboy::new().config(&config).sample().run(&send_args());

    run.success().stdout_is(&summary(3, 0, 0, &format!("smtp://127.0.0.1:{}", server.port())));
    let email = server.received_for(CAROL).email();
    assert_eq!(email.to, [mailbox("Carol", CAROL)]);
    assert_eq!(
        email.subject.as_deref(),
        Some(format!("Daily Papers Digest — {SAMPLE_DATE} — no new papers for you").as_str())
    );
    assert_titles_exactly(&email.text, &[], "text/plain");
    assert_titles_exactly(&unescape_html(&email.html), &[], "text/html");
}

#[test]
fn the_subscriber_option_sends_to_that_subscriber_alone() {
    let server = SmtpServer::start();
    let run = smtp_setup(&server).run(&["send", "--date", SAMPLE_DATE, "--subscriber", BOB]);

    run.success().stdout_is(&summary(1, 0, 0, &format!("smtp://127.0.0.1:{}", server.port())));
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, [BOB]);
}

#[test]
fn an_unknown_subscriber_is_a_usage_error_on_one_line_and_sends_nothing() {
    let server = SmtpServer::start();
    let run = smtp_setup(&server).run(&[
        "send",
        "--date",
        SAMPLE_DATE,
        "--subscriber",
        "zed@example.com",
    ]);

    run.code(2)
        .stdout_is("")
        .stderr_is("error: no subscriber `zed@example.com` in paperboy.toml\n");
    assert_eq!(server.sessions(), 0, "no SMTP session for a usage error");
}

#[test]
fn a_dry_run_prints_what_it_would_send_and_never_talks_to_the_server() {
    let server = SmtpServer::start();
    let setup = smtp_setup(&server);
    let run = setup.run(&["send", "--date", SAMPLE_DATE, "--dry-run"]);

    run.success().stderr_is("").stdout_is(&format!(
        "would send to {ALICE}: Daily Papers Digest — {SAMPLE_DATE} — 8 papers for you\n\
         would send to {BOB}: Daily Papers Digest — {SAMPLE_DATE} — 3 papers for you\n\
         dry run: would send 2, skipped 1 with no matching papers, failed 0 \
         (digests for {SAMPLE_DATE})\n"
    ));
    assert_eq!(server.sessions(), 0, "a dry run opens no SMTP session");
    assert!(server.received().is_empty());
    assert!(!setup.path("paperboy.db").exists() && !setup.path("paperboy.db.lock").exists());
}

/// The file transport is the default: no `[delivery]` at all.
fn outbox_setup() -> Paperboy {
    Paperboy::new().config(&format!("{}{SUBSCRIBERS}", newsletter(false))).sample()
}

#[test]
fn the_file_transport_writes_one_eml_per_digest_under_the_date() {
    let setup = outbox_setup();
    let run = setup.run(&send_args());

    run.success().stderr_is("").stdout_is(&summary(2, 1, 0, "outbox"));
    assert_eq!(setup.list("outbox"), [SAMPLE_DATE]);
    let day = format!("outbox/{SAMPLE_DATE}");
    assert_eq!(setup.list(&day), [format!("{ALICE}.eml"), format!("{BOB}.eml")]);
    for (address, name, keyword) in
        [(ALICE, "Alice Liddell", "knowledge distillation"), (BOB, "Bob", "Mamba")]
    {
        let email = Email::parse(&setup.read_bytes(&format!("{day}/{address}.eml")));
        assert_eq!(email.to, [mailbox(name, address)]);
        assert_eq!(email.leaf_types, ["text/plain", "text/html"]);
        assert_titles_exactly(&email.text, &sample_titles_mentioning(keyword), "text/plain");
    }
}

#[test]
fn a_forced_rerun_replaces_the_outbox_files_rather_than_adding_more() {
    let setup = outbox_setup();
    setup.run(&send_args()).success();
    let day = format!("outbox/{SAMPLE_DATE}");
    let alice = format!("{day}/{ALICE}.eml");
    let first_id = Email::parse(&setup.read_bytes(&alice)).message_id;
    std::fs::write(setup.path(&alice), "stale").unwrap();

    setup
        .run(&["send", "--date", SAMPLE_DATE, "--force"])
        .success()
        .stdout_is(&summary(2, 1, 0, "outbox"));

    assert_eq!(setup.list(&day), [format!("{ALICE}.eml"), format!("{BOB}.eml")]);
    let again = Email::parse(&setup.read_bytes(&alice));
    assert_eq!(again.message_id, first_id, "the stale file was replaced by the digest");
    assert_eq!(again.to, [mailbox("Alice Liddell", ALICE)]);
}

/// Only `header` names are allowed at the top of a message: the ones paperboy writes.
fn assert_no_injected_headers(email: &Email) {
    let mut names: Vec<String> =
        email.header_names.iter().map(|n| n.to_ascii_lowercase()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "auto-submitted",
            "content-type",
            "date",
            "from",
            "list-id",
            "list-unsubscribe",
            "list-unsubscribe-post",
            "message-id",
            "mime-version",
            "precedence",
            "reply-to",
            "subject",
            "to"
        ],
        "headers of the message"
    );
}

#[test]
fn a_subscriber_name_with_a_line_break_cannot_add_a_header_or_a_recipient() {
    let server = SmtpServer::start();
    let config = format!(
        "{}{}{}",
        newsletter(false),
        smtp(server.port()),
        r#"
[[subscribers]]
email = "mallory@example.com"
name = "Mallory\r\nBcc: evil@example.com"
keywords = ["Mamba"]
"#
    );
    // The config refuses it (compose would also fold it, as its own tests show).
    Paperboy::new().config(&config).sample().run(&send_args()).code(78).stderr_has(
        "`subscribers[0].name`: \"Mallory\\r\\nBcc: evil@example.com\" holds a control character",
    );
    assert!(server.received().is_empty(), "nothing is sent on a config error");
}

#[test]
fn a_newsletter_title_with_a_line_break_stays_inside_the_subject() {
    let server = SmtpServer::start();
    let config = format!("{}{}{SUBSCRIBERS}", newsletter(false), smtp(server.port())).replace(
        r#"title = "Daily Papers Digest""#,
        r#"title = "Daily Papers\nBcc: evil@example.com""#,
    );
    Paperboy::new().config(&config).sample().run(&send_args()).success();

    let received = server.received();
    assert_eq!(received.len(), 2);
    for message in &received {
        assert_eq!(message.to.len(), 1, "{message:?}");
        let email = message.email();
        assert_no_injected_headers(&email);
        let subject = email.subject.as_deref().unwrap_or_default();
        assert!(
            subject.starts_with(&format!("Daily Papers Bcc: evil@example.com — {SAMPLE_DATE} — ")),
            "{subject:?}"
        );
        // The List-Id phrase is the title too, on its one header.
        let list_id = email.header("List-Id").unwrap_or_default();
        assert!(
            list_id.ends_with(" <daily-papers-bcc-evil-example-com.example.org>"),
            "{list_id:?}"
        );
    }
}

#[test]
fn a_paper_title_with_markup_is_escaped_in_the_html_part() {
    let setup = outbox_setup().fixture("sources/markup-title.txt", "markup.txt");
    setup.run(&["send", "--date", SAMPLE_DATE, "--input", "markup.txt"]).success();

    let email = Email::parse(&setup.read_bytes(&format!("outbox/{SAMPLE_DATE}/{BOB}.eml")));
    assert!(!email.html.contains("<script"), "raw <script> in the HTML part:\n{}", email.html);
    assert!(!email.html.contains("<b>"), "raw <b> in the HTML part:\n{}", email.html);
    assert!(email.html.contains("&lt;script&gt;"), "{}", email.html);
    assert!(
        unescape_html(&email.html).contains(r#"<script>alert("mamba")</script> Mamba in Markup"#),
        "the title survives escaping:\n{}",
        email.html
    );
    assert!(email.text.contains(r#"<script>alert("mamba")</script> Mamba in Markup"#));
}

#[test]
fn a_permanently_refused_recipient_fails_alone_and_the_run_exits_1() {
    let server = SmtpServer::builder().reject_recipient(ALICE, 550).start();
    let run = smtp_setup(&server).run(&send_args());

    run.code(1).stdout_is(&summary(1, 1, 1, &format!("smtp://127.0.0.1:{}", server.port())));
    let errors = run.stderr_lines();
    assert_eq!(errors.len(), 1, "{run}");
    assert!(errors[0].starts_with(&format!("error: {ALICE}: ")), "{run}");
    assert!(errors[0].contains("550"), "{run}");
    let received = server.received();
    assert_eq!(received.len(), 1, "Bob still gets his digest after Alice's failure");
    assert_eq!(received[0].to, [BOB]);
}

#[test]
fn a_temporarily_refused_recipient_is_deferred_and_the_run_exits_75() {
    let server = SmtpServer::builder().reject_recipient(ALICE, 451).start();
    let run = smtp_setup(&server).run(&send_args());

    run.code(75).stdout_is(&format!(
        "sent 1, skipped 1 with no matching papers, failed 0, deferred 1 \
         (digests for {SAMPLE_DATE} to smtp://127.0.0.1:{})\n",
        server.port()
    ));
    let errors = run.stderr_lines();
    assert_eq!(errors.len(), 1, "{run}");
    assert!(errors[0].starts_with(&format!("error: {ALICE}: ")), "{run}");
    assert!(errors[0].contains("451"), "{run}");
    assert!(errors[0].contains("temporary"), "{run}");
    assert_eq!(server.received_for(BOB).to, [BOB]);
}

/// `[smtp]` with `username = "digest"`, for `server`.
fn login_config(server: &SmtpServer) -> String {
    smtp_config(server).replace("timeout_secs = 5\n", "timeout_secs = 5\nusername = \"digest\"\n")
}

#[test]
fn a_username_without_the_password_variable_is_a_config_error_and_sends_nothing() {
    let server =
        SmtpServer::builder().require_login("digest", "s3cret", AuthMechanism::Plain).start();
    let run = Paperboy::new().config(&login_config(&server)).sample().run(&send_args());

    run.code(78).stdout_is("").stderr_is(
        "error: paperboy.toml: `smtp`: `username` is set, so the password must be in the \
         environment variable `PAPERBOY_SMTP_PASSWORD`, which is not set\n",
    );
    assert_eq!(server.sessions(), 0);
    assert!(server.logins().is_empty());
}

#[test]
fn a_username_and_the_password_variable_log_in_with_auth_plain_before_sending() {
    let server =
        SmtpServer::builder().require_login("digest", "s3cret", AuthMechanism::Plain).start();
    let run = Paperboy::new()
        .config(&login_config(&server))
        .sample()
        .smtp_password("s3cret")
        .run(&send_args());

    run.success().stderr_is("");
    let logins = server.logins();
    assert!(!logins.is_empty());
    assert!(
        logins.iter().all(|l| l.mechanism == "PLAIN" && l.accepted && l.user == "digest"),
        "{logins:?}"
    );
    assert_eq!(server.received().len(), 2, "both digests were accepted after the login");
}

#[test]
fn a_server_offering_only_auth_login_gets_a_login_too() {
    let server =
        SmtpServer::builder().require_login("digest", "s3cret", AuthMechanism::Login).start();
    let run = Paperboy::new()
        .config(&login_config(&server))
        .sample()
        .smtp_password("s3cret")
        .run(&send_args());

    run.success().stderr_is("");
    let logins = server.logins();
    assert!(!logins.is_empty());
    assert!(logins.iter().all(|l| l.mechanism == "LOGIN" && l.accepted), "{logins:?}");
    assert_eq!(server.received().len(), 2);
}

#[test]
fn a_wrong_password_fails_every_digest_and_the_run_exits_1() {
    let server =
        SmtpServer::builder().require_login("digest", "s3cret", AuthMechanism::Plain).start();
    let run = Paperboy::new()
        .config(&login_config(&server))
        .sample()
        .smtp_password("wrong")
        .run(&send_args());

    run.code(1).stdout_is(&summary(0, 1, 2, &format!("smtp://127.0.0.1:{}", server.port())));
    assert_eq!(run.stderr_lines().len(), 2, "{run}");
    assert!(run.stderr.contains("535"), "{run}");
    assert!(server.logins().iter().all(|l| !l.accepted && l.password == "wrong"));
    assert!(server.received().is_empty());
}

#[test]
fn max_papers_caps_the_digest_keeping_the_best_scored_title_matches() {
    let config = format!("{}{SUBSCRIBERS}", newsletter(false)).replace(
        "keywords = [\"knowledge distillation\"]",
        "keywords = [\"knowledge distillation\"]\nmax_papers = 3",
    );
    let setup = Paperboy::new().config(&config).sample();
    setup.run(&send_args()).success();

    let in_title: Vec<String> = crate::harness::sample_papers()
        .into_iter()
        .filter(|paper| crate::harness::mentions(&paper.title, "knowledge distillation"))
        .map(|paper| paper.title)
        .collect();
    assert!(in_title.len() > 3, "the cap must bite: {in_title:?}");
    let email = Email::parse(&setup.read_bytes(&format!("outbox/{SAMPLE_DATE}/{ALICE}.eml")));
    assert_eq!(
        email.subject.as_deref(),
        Some(format!("Daily Papers Digest — {SAMPLE_DATE} — 3 papers for you").as_str())
    );
    // A title match weighs three times an abstract match, so the three kept are title
    // matches; which three is BM25's call, and the same input always gives the same three.
    let text = crate::harness::squash(&email.text);
    let shown: Vec<&String> =
        in_title.iter().filter(|title| text.contains(title.as_str())).collect();
    assert_eq!(shown.len(), 3, "{text}");
    setup.run(&["preview", "--date", SAMPLE_DATE]).success();
    let again = setup.read(&format!("preview/{ALICE}.txt"));
    assert_eq!(crate::harness::squash(&again), text);
}

#[test]
fn an_exclude_keyword_removes_papers_the_other_keywords_would_pick() {
    let config = format!("{}{SUBSCRIBERS}", newsletter(false)).replace(
        "keywords = [\"knowledge distillation\"]",
        "keywords = [\"knowledge distillation\"]\nexclude = [\"semantic segmentation\"]",
    );
    let setup = Paperboy::new().config(&config).sample();
    setup.run(&send_args()).success();

    let expected: Vec<String> = crate::harness::sample_papers()
        .into_iter()
        .filter(|p| p.mentions("knowledge distillation") && !p.mentions("semantic segmentation"))
        .map(|p| p.title)
        .collect();
    assert_eq!(expected.len(), 6, "two of the eight also mention semantic segmentation");
    let email = Email::parse(&setup.read_bytes(&format!("outbox/{SAMPLE_DATE}/{ALICE}.eml")));
    assert_titles_exactly(&email.text, &expected, "text/plain");
    assert_titles_exactly(&unescape_html(&email.html), &expected, "text/html");
}

#[test]
fn a_mailto_unsubscribe_link_gets_no_one_click_header() {
    let config = format!("{}{SUBSCRIBERS}", newsletter(false)).replace(
        "https://example.org/unsubscribe?email={email}",
        "mailto:leave@example.org?subject={email}",
    );
    let setup = Paperboy::new().config(&config).sample();
    setup.run(&send_args()).success();

    let email = Email::parse(&setup.read_bytes(&format!("outbox/{SAMPLE_DATE}/{BOB}.eml")));
    assert_eq!(
        email.header("List-Unsubscribe").as_deref(),
        Some("<mailto:leave@example.org?subject=bob%2Bpapers%40example.com>")
    );
    assert_eq!(
        email.header("List-Unsubscribe-Post").as_deref(),
        None,
        "RFC 8058 one-click is HTTPS only"
    );
}

#[test]
fn an_unreachable_server_defers_every_digest_with_exit_75() {
    let port = crate::smtp::closed_port();
    let config = format!("{}{}{SUBSCRIBERS}", newsletter(false), smtp(port));
    let run = Paperboy::new().config(&config).sample().run(&send_args());

    run.code(75).stdout_is(&format!(
        "sent 0, skipped 1 with no matching papers, failed 0, deferred 2 \
         (digests for {SAMPLE_DATE} to smtp://127.0.0.1:{port})\n"
    ));
    let mut errors = run.stderr_lines();
    errors.sort();
    assert_eq!(errors.len(), 2, "{run}");
    assert!(errors[0].starts_with(&format!("error: {ALICE}: ")), "{run}");
    assert!(errors[1].starts_with(&format!("error: {BOB}: ")), "{run}");
    assert!(errors.iter().all(|line| line.ends_with("(temporary; a rerun will try again)")));
}

// A failure that no rerun can fix must not be reported as temporary (exit 75 tells cron
// wrappers to retry). lettre reports these as "client" errors, which are neither 4xx nor 5xx.

#[test]
fn a_server_that_offers_no_login_method_is_a_lasting_failure_not_a_deferral() {
    let server = SmtpServer::start();
    let run = Paperboy::new()
        .config(&login_config(&server))
        .sample()
        .smtp_password("s3cret")
        .run(&send_args());

    assert!(server.received().is_empty());
    assert!(!run.stderr.contains("temporary"), "a rerun cannot fix this\n{run}");
    run.code(1).stdout_is(&summary(0, 1, 2, &format!("smtp://127.0.0.1:{}", server.port())));
}

#[test]
fn a_non_ascii_address_the_server_cannot_take_is_a_lasting_failure_not_a_deferral() {
    let server = SmtpServer::start();
    let config = format!(
        "{}{}{}",
        newsletter(false),
        smtp(server.port()),
        "\n[[subscribers]]\nemail = \"jörg@example.com\"\nkeywords = [\"Mamba\"]\n"
    );
    let run = Paperboy::new().config(&config).sample().run(&send_args());

    assert!(server.received().is_empty(), "the test server offers no SMTPUTF8");
    assert!(!run.stderr.contains("temporary"), "a rerun cannot fix this\n{run}");
    run.code(1);
}

#[test]
fn two_subscribers_whose_addresses_differ_only_in_punctuation_get_separate_outbox_files() {
    let config = format!(
        "{}{}",
        newsletter(false),
        r#"
[[subscribers]]
email = "a/b@example.com"
keywords = ["Mamba"]

[[subscribers]]
email = "a_b@example.com"
keywords = ["knowledge distillation"]
"#
    );
    let setup = Paperboy::new().config(&config).sample();
    setup.run(&send_args()).success().stdout_is(&summary(2, 0, 0, "outbox"));

    let day = format!("outbox/{SAMPLE_DATE}");
    let files = setup.list(&day);
    let recipients: Vec<String> = files
        .iter()
        .map(|file| Email::parse(&setup.read_bytes(&format!("{day}/{file}"))).to[0].address.clone())
        .collect();
    assert_eq!(
        recipients.len(),
        2,
        "two digests reported sent, but the outbox holds {files:?} for {recipients:?}"
    );
}

#[test]
fn a_listing_dated_other_than_the_date_asked_warns_and_uses_the_date_asked() {
    let run = smtp_setup(&SmtpServer::start()).run(&["send", "--dry-run", "--date", "2025-08-06"]);

    run.success()
        .stderr_is("warning: the sources list papers of 2025-08-05, not of --date 2025-08-06\n")
        .stdout_has("would send to alice@example.com: Daily Papers Digest — 2025-08-06 — 8 papers")
        .stdout_has("(digests for 2025-08-06)\n");
}

#[test]
fn without_a_date_the_digests_are_for_the_listings_own_day() {
    // The listing says only a month and day, three days ago; its year comes from the clock.
    // (A listing much further from the run date is a warning: see `hostile_input`.)
    let (page, listed) = crate::harness::sample_dated_days_ago(3);
    let run = smtp_setup(&SmtpServer::start()).file(SAMPLE, page).run(&["send", "--dry-run"]);

    run.success().stderr_is("");
    let summary = run.stdout.lines().last().unwrap_or_default();
    assert!(summary.starts_with("dry run: would send 2, skipped 1"), "{run}");
    assert!(summary.ends_with(&format!("{listed})")), "{run}");
}
