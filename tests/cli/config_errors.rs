//! Config diagnostics: one test per problem, each exit 78 with the exact message, which names
//! the file, the line and the key.
//!
//! `send --dry-run` is the command under test: it loads the config first and would touch
//! nothing even if the config were good.

use crate::harness::{Paperboy, Run};

/// The smallest valid `[newsletter]`: three lines, so a test's own lines start at 4.
const NEWSLETTER: &str = r#"[newsletter]
title = "Digest"
from = "Digest <digest@example.org>"
"#;

fn check(config: &str) -> Run {
    let run = Paperboy::new().config(config).run(&["send", "--dry-run", "--date", "2025-08-05"]);
    run.code(78).stdout_is("");
    run
}

#[test]
fn an_unknown_key_is_named_with_its_table_and_line() {
    check(&format!("{NEWSLETTER}colour = \"blue\"\n")).stderr_is(
        "error: paperboy.toml:4: `newsletter.colour`: unknown field `colour`, expected one of \
         `title`, `from`, `reply_to`, `unsubscribe_url`, `max_papers`, `send_empty`, `templates`, \
         `feedback_url`, `site_url`, `subscribe_link_hours`, `abstract`, \
         `frequency`, `weekday`, `send_at`, `timezone`, `min_similarity`\n",
    );
}

#[test]
fn an_unknown_table_is_named_with_its_line() {
    let run = check(&format!("{NEWSLETTER}\n[smpt]\nhost = \"localhost\"\n"));
    assert_eq!(run.stderr_lines().len(), 1, "{run}");
    run.stderr_has("error: paperboy.toml:5: `smpt`: unknown field `smpt`");
}

#[test]
fn a_value_of_the_wrong_type_names_the_key_path_with_its_index() {
    let config = format!(
        "{NEWSLETTER}\n[[subscribers]]\nemail = \"a@example.com\"\n\n\
         [[subscribers]]\nemail = \"b@example.com\"\nmax_papers = \"ten\"\n"
    );
    check(&config).stderr_is(
        "error: paperboy.toml:10: `subscribers[1].max_papers`: expected a whole number from 1 \
         to 1000, found the string \"ten\"\n",
    );
}

#[test]
fn an_unknown_topic_is_reported_with_its_line_and_the_topics_defined() {
    let config = format!(
        "{NEWSLETTER}\n[topics.kd]\nkeywords = [\"distill*\"]\n\n\
         [[subscribers]]\nemail = \"a@example.com\"\ntopics = [\"kd\", \"mamba\"]\n"
    );
    check(&config).stderr_is(
        "error: paperboy.toml:10: `subscribers[0].topics`: unknown topic `mamba` (defined: kd)\n",
    );
}

#[test]
fn an_invalid_subscriber_address_is_reported_with_its_line() {
    check(&format!("{NEWSLETTER}\n[[subscribers]]\nemail = \"alice at example\"\n")).stderr_is(
        "error: paperboy.toml:6: `subscribers[0].email`: `alice at example` is not a valid \
         address: Missing domain or user\n",
    );
}

#[test]
fn an_invalid_from_mailbox_is_reported_with_its_line() {
    let config = NEWSLETTER.replace("Digest <digest@example.org>", "Digest <digest>");
    let run = check(&config);
    assert_eq!(run.stderr_lines().len(), 1, "{run}");
    run.stderr_has(
        "error: paperboy.toml:3: `newsletter.from`: `Digest <digest>` is not a valid mailbox",
    );
}

#[test]
fn a_subscriber_listed_twice_is_reported_at_the_second_entry_whatever_the_case() {
    let config = format!(
        "{NEWSLETTER}\n[[subscribers]]\nemail = \"alice@example.com\"\n\n\
         [[subscribers]]\nemail = \"Alice@Example.com\"\n"
    );
    check(&config).stderr_is(
        "error: paperboy.toml:9: `subscribers[1].email`: `Alice@Example.com` is listed twice; \
         each address gets one digest\n",
    );
}

#[test]
fn a_star_inside_a_keyword_is_refused_with_its_line() {
    let config = format!(
        "{NEWSLETTER}\n[[subscribers]]\nemail = \"a@example.com\"\nkeywords = [\"dis*till\"]\n"
    );
    check(&config).stderr_is(
        "error: paperboy.toml:7: `subscribers[0].keywords`: `*` may only end a word, as in \
         `distill*`\n",
    );
}

#[test]
fn a_keyword_without_letters_is_refused_with_its_line() {
    let config = format!("{NEWSLETTER}\n[topics.empty]\nkeywords = [\"--\"]\n");
    check(&config).stderr_is(
        "error: paperboy.toml:6: `topics.empty.keywords`: keyword `--` has no letters or digits \
         to match\n",
    );
}

#[test]
fn a_missing_config_file_is_named() {
    Paperboy::new().run(&["send", "--date", "2025-08-05"]).code(78).stdout_is("").stderr_is(
        "error: paperboy.toml: no config here; run `paperboy init` to write a starter one\n",
    );
}

#[test]
fn a_missing_config_given_with_the_option_is_named_as_given() {
    Paperboy::new().run(&["--config", "conf/newsletter.toml", "preview"]).code(78).stderr_is(
        "error: conf/newsletter.toml: no config here; run `paperboy init` to write a starter \
         one\n",
    );
}

#[test]
fn the_config_path_can_come_from_the_environment() {
    Paperboy::new().env("PAPERBOY_CONFIG", "elsewhere.toml").run(&["send"]).code(78).stderr_is(
        "error: elsewhere.toml: no config here; run `paperboy init` to write a starter one\n",
    );
}

#[test]
fn several_problems_are_all_reported_in_one_run() {
    let config = format!(
        "{NEWSLETTER}max_papers = 0\n\n\
         [[subscribers]]\nemail = \"bad\"\ntopics = [\"nope\"]\nkeywords = [\"a*b\"]\n\n\
         [[subscribers]]\nemail = \"c@example.com\"\nmax_papers = 0\n"
    );
    check(&config).stderr_is(
        "error: paperboy.toml:4: `newsletter.max_papers`: expected a whole number from 1 to \
         1000, found 0\n\
         error: paperboy.toml:7: `subscribers[0].email`: `bad` is not a valid address: Missing \
         domain or user\n\
         error: paperboy.toml:8: `subscribers[0].topics`: unknown topic `nope` (defined: none)\n\
         error: paperboy.toml:9: `subscribers[0].keywords`: `*` may only end a word, as in \
         `distill*`\n\
         error: paperboy.toml:13: `subscribers[1].max_papers`: expected a whole number from 1 \
         to 1000, found 0\n",
    );
}

#[test]
fn the_smtp_transport_without_an_smtp_table_is_refused() {
    check(&format!("{NEWSLETTER}\n[delivery]\ntransport = \"smtp\"\n")).stderr_is(
        "error: paperboy.toml:6: `delivery.transport`: is \"smtp\" but the config has no [smtp] \
         table\n",
    );
}

#[test]
fn an_unknown_transport_is_named_with_its_line() {
    let run = check(&format!("{NEWSLETTER}\n[delivery]\ntransport = \"carrier-pigeon\"\n"));
    assert_eq!(run.stderr_lines().len(), 1, "{run}");
    run.stderr_has(
        "error: paperboy.toml:6: `delivery.transport`: unknown variant `carrier-pigeon`",
    );
}

#[test]
fn an_unsubscribe_url_that_would_break_the_header_is_refused() {
    let config = format!("{NEWSLETTER}unsubscribe_url = \"https://example.org/u?e={{email}}>x\"\n");
    check(&config).stderr_is(
        "error: paperboy.toml:4: `newsletter.unsubscribe_url`: `https://example.org/u?e={email}>x` \
         must not contain '>'\n",
    );
}

#[test]
fn a_config_that_is_not_toml_names_the_line() {
    let run = check("[newsletter\ntitle = 1\n");
    assert_eq!(run.stderr_lines().len(), 1, "{run}");
    run.stderr_has("error: paperboy.toml:1: ");
}

#[test]
fn a_value_with_a_line_break_is_quoted_on_its_problems_one_line() {
    // The value is echoed into the message; a raw line break there splits one problem into
    // two `error:` lines, the second without a file or line.
    let config =
        format!("{NEWSLETTER}reply_to = \"Ed\\r\\nBcc: evil@example.com <editor@example.org>\"\n");
    let run = check(&config);
    assert_eq!(run.stderr_lines().len(), 1, "one problem, one line\n{run}");
    run.stderr_has("error: paperboy.toml:4: `newsletter.reply_to`: ");
}

/// Issue 12: `rate_per_second = 1e-300` passed "above 0" and panicked in `send` (exit 101,
/// the run left `running`); now it is a config error like any other number out of range.
#[test]
fn a_rate_per_second_of_1e_300_is_refused_before_anything_runs() {
    let config = format!(
        "{NEWSLETTER}\n[delivery]\ntransport = \"smtp\"\n\n[smtp]\nhost = \"127.0.0.1\"\n\
         rate_per_second = 1e-300\n"
    );
    let paperboy = Paperboy::new().config(&config);
    paperboy.run(&["send", "--date", "2025-08-05"]).code(78).stdout_is("").stderr_is(
        "error: paperboy.toml:10: `smtp.rate_per_second`: expected a number from 0.01 to 10000, \
         found 1e-300 (leave it out for no limit)\n",
    );
    assert!(!paperboy.path("paperboy.db").exists(), "no run was started");
}

/// Issue 12: `port = 99999` was a type error ("expected u16") that hid every other problem,
/// and an unknown key did the same.
#[test]
fn a_port_of_99999_and_an_unknown_key_are_reported_with_the_other_problems() {
    let config = format!(
        "{NEWSLETTER}max_papers = 0\n\n[smtp]\nhost = \"h\"\nport = 99999\nsecurty = \"tls\"\n\n\
         [[subscribers]]\nemail = \"alice at example\"\n"
    );
    check(&config).stderr_is(
        "error: paperboy.toml:4: `newsletter.max_papers`: expected a whole number from 1 to \
         1000, found 0\n\
         error: paperboy.toml:8: `smtp.port`: expected a port number from 1 to 65535, found \
         99999\n\
         error: paperboy.toml:9: `smtp.securty`: unknown field `securty`, expected one of \
         `host`, `port`, `security`, `username`, `password_env`, `timeout_secs`, `ca_file`, \
         `max_connections`, `rate_per_second`, `max_attempts`, `retry_backoff_ms`, \
         `retry_budget_secs`, `max_failures_in_a_row`\n\
         error: paperboy.toml:12: `subscribers[0].email`: `alice at example` is not a valid \
         address: Missing domain or user\n",
    );
}

/// Issue 12: `missing field host` named no table, and Rust's type names reached the user.
#[test]
fn a_missing_smtp_host_names_smtp_host_and_types_are_said_in_plain_words() {
    let config = format!("{NEWSLETTER}send_empty = \"yes\"\n\n[smtp]\nport = 25\n");
    check(&config).stderr_is(
        "error: paperboy.toml:4: `newsletter.send_empty`: expected true or false, found the \
         string \"yes\"\n\
         error: paperboy.toml:6: `smtp.host`: is missing; it has no default\n",
    );
}

#[test]
fn an_abstract_length_other_than_short_or_full_is_named_with_its_line() {
    let run = check(&format!("{NEWSLETTER}abstract = \"medium\"\n"));
    assert_eq!(run.stderr_lines().len(), 1, "{run}");
    run.stderr_has(
        "error: paperboy.toml:4: `newsletter.abstract`: unknown variant `medium`, expected \
         `short` or `full`",
    );
}
