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

#[test]
fn a_sound_setup_passes() {
    // `check` reads the sources for today: a page of today's date, or it warns.
    let (page, _) = crate::harness::sample_dated_days_ago(0);
    Paperboy::new().config(&config("")).file(SAMPLE, page).run(&["check"]).success().stderr_is("");
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
