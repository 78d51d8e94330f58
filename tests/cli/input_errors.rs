//! Source files paperboy cannot use: each is exit 65 (EX_DATAERR) with one error line that
//! names the file and, where there is one, the line. The harness fails any run that panics.

use crate::harness::{Paperboy, Run};

/// `paperboy papers --input <fixture>` with no config, the fixture copied in as `name`.
fn papers(fixture: &str, name: &str) -> Run {
    Paperboy::new().fixture(&format!("sources/{fixture}"), name).run(&[
        "papers",
        "--input",
        name,
        "--date",
        "2025-08-05",
    ])
}

#[test]
fn an_empty_file_is_a_data_error_at_line_1() {
    papers("empty.txt", "empty.txt")
        .code(65)
        .stdout_is("")
        .stderr_is("error: empty.txt:1: file is empty\n");
}

#[test]
fn a_file_of_blank_lines_is_a_data_error_at_line_1() {
    papers("blank-lines.txt", "blank.txt")
        .code(65)
        .stdout_is("")
        .stderr_is("error: blank.txt:1: no text: the file holds only blank lines\n");
}

#[test]
fn a_binary_file_is_a_data_error_at_the_line_of_its_first_nul_byte() {
    papers("nul-byte.txt", "listing.bin")
        .code(65)
        .stdout_is("")
        .stderr_is("error: listing.bin:5: binary data (a NUL byte), not a text listing\n");
}

#[test]
fn a_file_that_is_not_utf8_is_a_data_error_at_the_line_of_the_bad_byte() {
    papers("latin1.txt", "latin1.txt")
        .code(65)
        .stdout_is("")
        .stderr_is("error: latin1.txt:5: not UTF-8 text (invalid byte at offset 19)\n");
}

#[test]
fn a_file_with_only_page_chrome_is_a_data_error_at_the_last_line_it_read() {
    papers("chrome-only.txt", "chrome.txt").code(65).stdout_is("").stderr_is(
        "error: chrome.txt:11: no papers found: expected a title line, then its abstract\n",
    );
}

#[test]
fn a_missing_input_file_is_a_data_error_naming_it() {
    Paperboy::new()
        .run(&["papers", "--input", "nowhere.txt"])
        .code(65)
        .stdout_is("")
        .stderr_is("error: nowhere.txt: cannot read: No such file or directory (os error 2)\n");
}

#[test]
fn a_json_file_is_read_as_the_hub_s_format_and_a_missing_id_is_named_by_its_json_path() {
    Paperboy::new()
        .file("papers.json", r#"[{"paper": {"title": "x"}}]"#)
        .run(&["papers", "--input", "papers.json"])
        .code(65)
        .stdout_is("")
        .stderr_is("error: papers.json: at `[0].paper.id`: missing, and every paper needs it\n");
}

#[test]
fn a_title_left_dangling_at_the_end_is_a_warning_with_its_line_and_the_rest_is_kept() {
    let run = papers("dangling-title.txt", "day.txt");

    run.success().stderr_is(
        "warning: day.txt:7: title `A Title That Lost Its Abstract` has no abstract; left out\n",
    );
    assert!(run.stdout.contains("  Mamba for Everything\n"), "{run}");
    assert!(!run.stdout.contains("Lost Its Abstract"), "{run}");
}

/// Issue 3 made a failing source one outcome among others: the run names it, says that
/// nothing was sent, and exits 65 as before.
#[test]
fn a_broken_configured_source_fails_send_with_exit_65_and_nothing_is_written() {
    let config = r#"[newsletter]
title = "Digest"
from = "digest@example.org"

[[sources]]
name = "hf"
path = "listings/today.txt"

[[subscribers]]
email = "alice@example.com"
keywords = ["mamba"]
"#;
    let setup =
        Paperboy::new().config(config).fixture("sources/nul-byte.txt", "listings/today.txt");
    setup
        .run(&["send", "--date", "2025-08-05"])
        .code(65)
        .stdout_is("nothing sent: every source failed (hf)\n")
        .stderr_is(
            "error: source `hf` failed: listings/today.txt:5: binary data (a NUL byte), not a text listing\n",
        );
    assert!(setup.list("outbox").is_empty(), "nothing was delivered");
}

#[test]
fn a_dangling_title_in_a_configured_source_warns_and_send_still_delivers() {
    let config = r#"[newsletter]
title = "Digest"
from = "digest@example.org"

[[sources]]
name = "hf"
path = "today.txt"

[[subscribers]]
email = "alice@example.com"
keywords = ["mamba"]
"#;
    let setup = Paperboy::new().config(config).fixture("sources/dangling-title.txt", "today.txt");
    setup.run(&["send", "--date", "2025-08-05"]).success().stderr_is(
        "warning: today.txt:7: title `A Title That Lost Its Abstract` has no abstract; left out\n",
    );
    assert_eq!(setup.list("outbox/2025-08-05"), ["alice@example.com.eml"]);
}

/// Issue 12: `--max-papers 18446744073709551615` was stored silently as 9223372036854775807.
/// The option takes the range of the config key it sets.
#[test]
fn a_max_papers_of_18446744073709551615_is_refused_and_the_config_is_left_alone() {
    let config = "[newsletter]\ntitle = \"Digest\"\nfrom = \"digest@example.org\"\n";
    let paperboy = Paperboy::new().config(config);
    for value in ["18446744073709551615", "1001", "0"] {
        let run = paperboy.run(&["subscriber", "add", "a@example.com", "--max-papers", value]);
        run.code(2).stdout_is("").stderr_has("for '--max-papers <N>'");
    }
    assert_eq!(std::fs::read_to_string(paperboy.path("paperboy.toml")).unwrap(), config);
    paperboy.run(&["subscriber", "add", "a@example.com", "--max-papers", "1000"]).success();
}

/// Issue 12: one subscriber whose digest cannot be built stopped the preview for everyone.
/// Here a template of the user's fails for a subscriber without a name.
#[test]
fn one_digest_that_cannot_be_built_leaves_the_other_previews_written() {
    let config = format!(
        "[newsletter]\ntitle = \"Digest\"\nfrom = \"digest@example.org\"\ntemplates = \"mine\"\n\n\
         [[sources]]\nname = \"hf\"\npath = \"{}\"\n\n\
         [[subscribers]]\nemail = \"alice@example.com\"\nname = \"Alice\"\nkeywords = [\"mamba\"]\n\n\
         [[subscribers]]\nemail = \"bob@example.com\"\nkeywords = [\"mamba\"]\n",
        crate::harness::SAMPLE
    );
    let paperboy = Paperboy::new()
        .config(&config)
        .sample()
        .file("mine/digest.txt", "Hello {{ subscriber.name | upper }}\n");
    let run = paperboy.run(&["preview", "--date", "2025-08-05"]);
    run.success().stderr_has("warning: cannot compose the digest for bob@example.com, left out: ");
    assert_eq!(run.stderr_lines().len(), 1, "{run}");
    assert!(paperboy.path("preview/alice@example.com.txt").exists(), "{run}");
    assert!(!paperboy.path("preview/bob@example.com.txt").exists(), "{run}");
}

/// Issue 12: `"john doe"@example.com` was accepted by `subscriber add` and the loader, and
/// then every send to it failed for good.
#[test]
fn a_quoted_local_part_is_refused_by_subscriber_add_and_by_the_loader() {
    let config = "[newsletter]\ntitle = \"Digest\"\nfrom = \"digest@example.org\"\n";
    let paperboy = Paperboy::new().config(config);
    paperboy.run(&["subscriber", "add", "\"john doe\"@example.com"]).code(2).stderr_has(
        "`\"john doe\"@example.com` has a quoted local part, which paperboy cannot deliver to",
    );
    assert_eq!(std::fs::read_to_string(paperboy.path("paperboy.toml")).unwrap(), config);

    let quoted = format!("{config}\n[[subscribers]]\nemail = '\"john doe\"@example.com'\n");
    Paperboy::new()
        .config(&quoted)
        .run(&["send", "--dry-run", "--date", "2025-08-05"])
        .code(78)
        .stderr_is(
            "error: paperboy.toml:6: `subscribers[0].email`: `\"john doe\"@example.com` has a \
             quoted local part, which paperboy cannot deliver to; use an address without \
             quotes\n",
        );
}
