//! `paperboy check`: the same loader, renderer and readers as `send`, every problem at once.

use crate::harness::{Paperboy, SAMPLE};
use crate::smtp::{SmtpServer, closed_port};

fn config(extra: &str) -> String {
    format!(
        "[newsletter]\ntitle = \"Digest\"\nfrom = \"d@example.org\"\n{extra}\n\
         [[sources]]\nname = \"hf\"\npath = \"{SAMPLE}\"\n\
         [topics.kd]\nkeywords = [\"knowledge distillation\"]\n\
         [[subscribers]]\nemail = \"alice@example.com\"\ntopics = [\"kd\"]\n"
    )
}

fn smtp(port: u16) -> String {
    format!("[smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\n")
}

/// `check` reads the sources for today: a page of today's date, or it warns.
fn todays_page() -> String {
    crate::harness::sample_dated_days_ago(0).0
}

#[test]
fn a_sound_setup_passes() {
    Paperboy::new()
        .config(&config(""))
        .file(SAMPLE, todays_page())
        .run(&["check"])
        .success()
        .stderr_is("");
}

#[test]
fn every_config_mistake_is_listed_with_its_line() {
    let text = "[newsletter]\ntitle = \"Digest\"\nfrom = \"nobody\"\n\
                [topics.kd]\nkeywords = [\"dis*till\"]\n\
                [[subscribers]]\nemail = \"alice@example.com\"\ntopics = [\"kd\", \"ssm\"]\n\
                [[subscribers]]\nemail = \"alice@example.com\"\n";
    let run = Paperboy::new().config(text).run(&["check"]);
    run.code(78);
    let lines = run.stderr_lines();
    assert_eq!(lines.len(), 4, "{run}");
    assert!(lines[0].starts_with("error: paperboy.toml:3: `newsletter.from`"), "{run}");
    assert!(lines[1].starts_with("error: paperboy.toml:5: `topics.kd.keywords`"), "{run}");
    assert!(
        lines[2]
            .starts_with("error: paperboy.toml:8: `subscribers[0].topics`: unknown topic `ssm`"),
        "{run}"
    );
    assert!(lines[3].starts_with("error: paperboy.toml:10: `subscribers[1].email`"), "{run}");
}

#[test]
fn a_template_that_fails_to_render_is_found_before_any_send() {
    let paperboy = Paperboy::new()
        .config(&config("templates = \"mine\""))
        .sample()
        .file("mine/digest.txt", "{{ papers | nonsense_filter }}");
    let run = paperboy.run(&["check"]);
    run.code(78).stderr_has("nonsense_filter");
}

#[test]
fn a_source_that_cannot_be_read_is_named() {
    let paperboy = Paperboy::new().config(&config("")).file(SAMPLE, "new\n\nSubscribe\n\nAug 5\n");
    paperboy.run(&["check"]).code(65).stderr_has(&format!("error: {SAMPLE}:5: no papers found"));
}

#[test]
fn smtp_is_checked_only_when_asked() {
    let server = SmtpServer::start();
    let paperboy =
        Paperboy::new().config(&format!("{}{}", config(""), smtp(server.port()))).sample();
    paperboy.run(&["check", "--smtp"]).success().stdout_has("the SMTP server answers");
    assert!(server.received().is_empty(), "check must send nothing");

    let paperboy =
        Paperboy::new().config(&format!("{}{}", config(""), smtp(closed_port()))).sample();
    paperboy.run(&["check"]).success();
    paperboy.run(&["check", "--smtp"]).code(75).stderr_has("smtp 127.0.0.1:");
}

/// What the config gets wrong is a config error (78) to `check --smtp` as it is to `send`.
#[test]
fn an_unreadable_ca_file_is_a_config_error_to_check_as_to_send() {
    let server = SmtpServer::start();
    let smtp = format!("{}ca_file = \"missing.pem\"\n", smtp(server.port()));
    let paperboy = Paperboy::new().config(&format!("{}{smtp}", config(""))).sample();
    paperboy.run(&["check", "--smtp"]).code(78).stderr_has("missing.pem");
    assert_eq!(server.sessions(), 0);
}

/// Issue 12: `check` said "ok" for a DKIM key that is missing or not a key, and `send` then
/// stopped with 78. It now reads the key with the code `send` reads it with.
#[test]
fn a_dkim_key_file_that_is_missing_or_garbage_fails_check_as_it_fails_send() {
    let dkim = "[dkim]\nselector = \"pb\"\nkey_file = \"dkim.pem\"\n";
    let paperboy =
        Paperboy::new().config(&format!("{}{dkim}", config(""))).file(SAMPLE, todays_page());
    let run = paperboy.run(&["check"]);
    run.code(78).stdout_is("1 problem found\n").stderr_has(
        "error: paperboy.toml: `dkim.key_file`: cannot read the DKIM key `dkim.pem`: No such file",
    );
    paperboy.run(&["send", "--date", "2025-08-05"]).code(78).stderr_has("cannot read the DKIM key");

    let paperboy = paperboy.file("dkim.pem", "not a key\n");
    paperboy.run(&["check"]).code(78).stderr_has("`dkim.key_file`: `dkim.pem` is not a rsa key");
    paperboy.run(&["send", "--date", "2025-08-05"]).code(78).stderr_has("is not a rsa key");
}

/// Issue 12: an outbox `dir` that is a file passed `check`; every digest then failed.
#[test]
fn an_outbox_dir_that_is_a_file_fails_check() {
    let delivery = "[delivery]\ndir = \"outbox\"\n";
    let paperboy = Paperboy::new()
        .config(&format!("{}{delivery}", config("")))
        .file(SAMPLE, todays_page())
        .file("outbox", "a file where the folder should be\n");
    paperboy
        .run(&["check"])
        .code(78)
        .stderr_is("error: paperboy.toml: `delivery.dir`: `outbox` is a file, not a folder\n");
    let paperboy = Paperboy::new()
        .config(&format!("{}[delivery]\ndir = \"outbox/mail\"\n", config("")))
        .file(SAMPLE, todays_page())
        .file("outbox", "x\n");
    paperboy.run(&["check"]).code(78).stderr_is(
        "error: paperboy.toml: `delivery.dir`: `outbox/mail` cannot be created: `outbox` is a \
         file\n",
    );
}

/// Issue 12: a `state` that cannot be a journal (not SQLite, a folder, a place where no file
/// can be made) passed `check`.
#[test]
fn a_state_that_cannot_be_a_journal_fails_check() {
    let with_state = |state: &str| format!("{}[delivery]\nstate = \"{state}\"\n", config(""));
    let not_sqlite = Paperboy::new()
        .config(&with_state("paperboy.db"))
        .file(SAMPLE, todays_page())
        .file("paperboy.db", "hello\n");
    not_sqlite.run(&["check"]).code(78).stderr_has(
        "error: paperboy.toml: `delivery.state`: `paperboy.db` cannot be opened as a journal: ",
    );
    let folder = Paperboy::new()
        .config(&with_state("journal"))
        .file(SAMPLE, todays_page())
        .file("journal/x", "");
    folder.run(&["check"]).code(78).stderr_is(
        "error: paperboy.toml: `delivery.state`: `journal` is a folder, not a journal file\n",
    );
    let blocked = Paperboy::new()
        .config(&with_state("state/paperboy.db"))
        .file(SAMPLE, todays_page())
        .file("state", "x\n");
    blocked.run(&["check"]).code(78).stderr_is(
        "error: paperboy.toml: `delivery.state`: no journal can be created: `state` is a file, \
         not a folder\n",
    );
    // A journal that send made passes, and so does one not made yet.
    let fresh = Paperboy::new().config(&config("")).file(SAMPLE, todays_page());
    fresh.run(&["check"]).success();
    assert!(!fresh.path("paperboy.db").exists(), "check creates no journal");
    fresh.run(&["send"]).success();
    fresh.run(&["check"]).success().stderr_is("");
}
