//! The conventions every command keeps, as cargo, ripgrep and just keep them: completions
//! and a man page, `--quiet`/`--verbose`/`--color`, `--help` with an example and every exit
//! status, `--format text|json`, counts that agree with their nouns, and a starter config
//! that works as written.

use std::collections::BTreeSet;
use std::process::Command;

use crate::harness::{Paperboy, SAMPLE, SAMPLE_DATE, fixture_path};
use crate::http::{HttpServer, Reply};

/// The sample, one topic and two subscribers, delivered to files.
fn sample_setup() -> Paperboy {
    Paperboy::new().sample().config(&format!(
        "[newsletter]\ntitle = \"Digest\"\nfrom = \"digest@example.org\"\n\n\
         [[sources]]\nname = \"hf\"\npath = \"{SAMPLE}\"\n\n\
         [delivery]\ntransport = \"file\"\ndir = \"outbox\"\n\n\
         [topics.ssm]\nkeywords = [\"mamba\"]\n\n\
         [[subscribers]]\nemail = \"a@example.com\"\ntopics = [\"ssm\"]\n"
    ))
}

const SUBCOMMANDS: [&str; 15] = [
    "init",
    "subscriber",
    "topic",
    "preview",
    "send",
    "history",
    "check",
    "explain",
    "papers",
    "suppress",
    "feedback",
    "unsubscribe",
    "serve",
    "completions",
    "man",
];

#[test]
fn completions_are_printed_for_every_shell() {
    let paperboy = Paperboy::new();
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef paperboy"),
        ("fish", "complete -c paperboy"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let run = paperboy.run(&["completions", shell]);
        run.success().stdout_has(marker);
        for subcommand in ["subscriber", "topic", "send", "history"] {
            assert!(run.stdout.contains(subcommand), "{shell} misses {subcommand}\n{run}");
        }
    }
    paperboy.run(&["completions", "tcsh"]).code(2);
}

#[test]
fn the_man_page_is_roff_naming_every_command() {
    let run = Paperboy::new().run(&["man"]);
    run.success().stdout_has(".TH paperboy 1");
    for subcommand in SUBCOMMANDS {
        assert!(run.stdout.contains(subcommand), "the man page misses {subcommand}\n{run}");
    }
    assert!(run.stdout.contains("Exit status"), "{run}");
}

#[test]
fn help_lists_the_commands_in_workflow_order() {
    let run = Paperboy::new().run(&["--help"]);
    let listed: Vec<&str> = run
        .success()
        .stdout
        .lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        // A long description wraps onto lines indented further.
        .filter(|line| !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .collect();
    assert_eq!(listed, SUBCOMMANDS, "{run}");
}

/// The `N  meaning` lines under `Exit status:` in a `--help` text.
fn help_statuses(help: &str) -> Vec<(u8, String)> {
    help.lines()
        .skip_while(|line| line.trim() != "Exit status:")
        .skip(1)
        .map_while(|line| {
            let (code, meaning) = line.trim().split_once("  ")?;
            Some((code.parse().ok()?, meaning.trim().to_owned()))
        })
        .collect()
}

/// The `| N | meaning |` rows of the README's exit statuses section (any heading level).
fn readme_statuses() -> BTreeSet<u8> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("the README");
    let is_heading = |line: &str| line.starts_with('#');
    let section = readme
        .lines()
        .skip_while(|line| {
            !(is_heading(line) && line.trim_start_matches('#').trim() == "Exit statuses")
        })
        .skip(1)
        .take_while(|line| !is_heading(line));
    let mut codes = BTreeSet::new();
    for line in section {
        let Some(cell) = line.strip_prefix('|').and_then(|rest| rest.split('|').next()) else {
            continue;
        };
        if let Ok(code) = cell.trim().parse::<u8>() {
            codes.insert(code);
        }
    }
    assert!(!codes.is_empty(), "no `## Exit statuses` table with `| N | ... |` rows in the README");
    codes
}

/// The discriminants of `enum Exit` in src/error.rs: `Name = N,`.
fn code_statuses() -> BTreeSet<u8> {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/error.rs"))
        .expect("src/error.rs");
    let body = source.split("pub enum Exit {").nth(1).expect("`pub enum Exit` in src/error.rs");
    let body = &body[..body.find("\n}").expect("the end of `enum Exit`")];
    body.lines()
        .filter_map(|line| line.trim().strip_suffix(',')?.split_once(" = ")?.1.parse().ok())
        .collect()
}

#[test]
fn the_exit_statuses_in_help_the_readme_and_the_code_agree() {
    let run = Paperboy::new().run(&["--help"]);
    let help: BTreeSet<u8> =
        help_statuses(&run.success().stdout).into_iter().map(|(c, _)| c).collect();
    let code = code_statuses();
    assert_eq!(code.len(), 8, "{code:?}");
    assert_eq!(help, code, "`paperboy --help` and src/error.rs");
    assert_eq!(readme_statuses(), code, "the README's `## Exit statuses` table and src/error.rs");
}

#[test]
fn every_command_s_help_has_an_example_and_its_exit_statuses() {
    let paperboy = Paperboy::new();
    let top = help_statuses(&paperboy.run(&["--help"]).stdout);
    for subcommand in SUBCOMMANDS {
        let run = paperboy.run(&[subcommand, "--help"]);
        let help = &run.success().stdout;
        assert!(help.contains("\nExample"), "`{subcommand} --help` has no example\n{run}");
        let statuses = help_statuses(help);
        assert!(statuses.iter().any(|(code, _)| *code == 0), "{run}");
        for status in &statuses {
            assert!(top.contains(status), "`{subcommand} --help` says {status:?}\n{run}");
        }
    }
    // Issue 13: `send --help` left out 3 and 4, which a send returns on a day without
    // papers and with a stale source.
    let send: Vec<u8> = help_statuses(&paperboy.run(&["send", "--help"]).stdout)
        .into_iter()
        .map(|(code, _)| code)
        .collect();
    assert_eq!(send, [0, 1, 2, 3, 4, 65, 75, 78]);
}

#[test]
fn quiet_silences_summaries_and_warnings_but_not_errors_or_data() {
    let setup = sample_setup();
    setup.run(&["-q", "send", "--date", SAMPLE_DATE]).success().stdout_is("").stderr_is("");
    assert_eq!(setup.list("outbox").len(), 1);
    setup.run(&["send", "--date", SAMPLE_DATE, "--quiet"]).success().stdout_is("");
    setup.run(&["-q", "topic", "add", "vit", "--keyword", "ViT"]).success().stdout_is("");
    setup.run(&["-q", "check"]).success().stdout_is("").stderr_is("");
    // Data a command was asked for still prints.
    setup.run(&["-q", "topic", "list", "--format", "json"]).success().stdout_has("\"vit\"");
    // Errors still print.
    setup
        .run(&["-q", "topic", "show", "nope"])
        .code(2)
        .stderr_is("error: no topic `nope` in paperboy.toml\n");

    let dangling = Paperboy::new().fixture("sources/dangling-title.txt", "day.txt");
    let args = ["papers", "--input", "day.txt", "--date", SAMPLE_DATE];
    dangling.run(&args).success().stderr_has("warning: day.txt:7:");
    let quiet = dangling.run(&[&["--quiet"], &args[..]].concat());
    quiet.success().stderr_is("").stdout_has("  Mamba for Everything\n");
}

#[test]
fn quiet_and_verbose_together_are_a_usage_error() {
    let setup = sample_setup();
    for args in
        [&["-q", "send", "-v"][..], &["-q", "-v", "check"], &["send", "--verbose", "--quiet"]]
    {
        setup.run(args).code(2).stderr_is("error: --quiet and --verbose cannot be used together\n");
    }
    assert!(setup.list("outbox").is_empty());
}

#[test]
fn verbose_is_global_and_still_accepted_after_send() {
    let setup = sample_setup();
    for args in [
        &["send", "--dry-run", "--verbose", "--date", SAMPLE_DATE][..],
        &["--verbose", "send", "--dry-run", "--date", SAMPLE_DATE],
        &["send", "-v", "--dry-run", "--date", SAMPLE_DATE],
    ] {
        setup.run(args).success().stdout_has("would send to a@example.com");
    }
}

const BOLD_RED_ERROR: &str = "\u{1b}[1m\u{1b}[31merror\u{1b}[0m: ";

#[test]
fn errors_are_coloured_only_when_asked_or_on_a_terminal() {
    let paperboy = Paperboy::new();
    let missing = ["check"];
    // stderr is a pipe here: auto means no colour.
    paperboy.run(&missing).code(78).stderr_has("error: paperboy.toml: no config here");
    assert!(!paperboy.run(&missing).stderr.contains('\u{1b}'));
    paperboy.run(&["--color", "never", "check"]).code(78);
    let always = paperboy.run(&["--color", "always", "check"]);
    always.code(78);
    assert!(always.stderr.starts_with(BOLD_RED_ERROR), "{always}");
    let forced = Paperboy::new().env("NO_COLOR", "1").run(&["check", "--color=always"]);
    assert!(forced.stderr.starts_with(BOLD_RED_ERROR), "an explicit --color beats NO_COLOR");
    paperboy.run(&["--color", "pink", "check"]).code(2);
}

/// Runs `paperboy ARGS` with stderr on a pseudo-terminal (util-linux `script`), in an empty
/// folder, and gives what the terminal showed.
fn on_a_terminal(no_color: bool, args: &str) -> String {
    let script = crate::harness::required_tool("script", "bsdutils");
    let dir = tempfile::tempdir().expect("a scratch folder");
    let binary = env!("CARGO_BIN_EXE_paperboy");
    let mut command = Command::new(script);
    command
        .args(["-qec", &format!("{binary} {args}"), "/dev/null"])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TERM", "xterm");
    if no_color {
        command.env("NO_COLOR", "1");
    }
    let output = command.output().expect("cannot run script");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_terminal_gets_colour_unless_no_color_is_set() {
    assert!(on_a_terminal(false, "check").contains(BOLD_RED_ERROR));
    let plain = on_a_terminal(true, "check");
    assert!(plain.contains("error: paperboy.toml: no config here"), "{plain}");
    assert!(!plain.contains('\u{1b}'), "{plain:?}");
    assert!(!on_a_terminal(false, "--color never check").contains('\u{1b}'));
}

#[test]
fn subscriber_list_text_is_the_table_and_table_still_works() {
    let setup = sample_setup();
    let text = setup.run(&["subscriber", "list", "--format", "text"]).success().stdout.clone();
    assert_eq!(
        text,
        "EMAIL          NAME  TOPICS  KEYWORDS  MAX\na@example.com        ssm               10\n"
    );
    setup.run(&["subscriber", "list", "--format", "table"]).success().stdout_is(&text);
    setup.run(&["subscriber", "list"]).success().stdout_is(&text);
    let json = setup.run(&["subscriber", "show", "a@example.com", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json.success().stdout).unwrap();
    assert_eq!(json["topics"][0], "ssm");
}

#[test]
fn counts_agree_with_their_nouns() {
    let setup = sample_setup();
    setup
        .run(&["check"])
        .success()
        .stdout_is("ok: 1 subscriber, 1 topic, 1 source, templates render\n");
    setup.run(&["preview", "--date", SAMPLE_DATE]).success().stdout_has("previewed 1 digest for");
    let index = setup.read("preview/index.html");
    assert!(index.contains("<p>1 subscriber, 74 papers in the listing."), "{index}");
    let broken = Paperboy::new().config(
        "[newsletter]\ntitle = \"D\"\nfrom = \"d@example.org\"\n\n\
         [[sources]]\nname = \"hf\"\npath = \"missing.txt\"\n",
    );
    broken.run(&["check"]).code(65).stdout_is("1 problem found\n");
    let two = Paperboy::new().config(
        "[newsletter]\ntitle = \"D\"\nfrom = \"d@example.org\"\n\n\
         [[sources]]\nname = \"a\"\npath = \"a.txt\"\n\n[[sources]]\nname = \"b\"\npath = \"b.txt\"\n",
    );
    two.run(&["check"]).code(65).stdout_is("2 problems found\n");
}

#[test]
fn a_missing_config_says_to_run_init() {
    for args in [&["send"][..], &["subscriber", "add", "a@example.com"], &["topic", "list"]] {
        Paperboy::new().run(args).code(78).stdout_is("").stderr_is(
            "error: paperboy.toml: no config here; run `paperboy init` to write a starter one\n",
        );
    }
}

/// The real Hub answer of 2024-10-25, redated to the day the request asks for.
fn hub_answer_for(path: &str) -> Reply {
    let fixture =
        std::fs::read_to_string(fixture_path("real/hf_daily_papers_2024-10-25_first8.json"))
            .expect("the Hub fixture");
    let Some(date) = path.split("date=").nth(1).map(|d| d.chars().take(10).collect::<String>())
    else {
        return Reply::Status { code: 400, headers: Vec::new(), body: b"no date".to_vec() };
    };
    Reply::Body(fixture.replace("2024-10-25", &date).into_bytes())
}

#[test]
fn the_starter_config_passes_check_wherever_its_source_answers() {
    let server = HttpServer::start(|path, _| hub_answer_for(path));
    let paperboy = Paperboy::new();
    paperboy.run(&["init"]).success();
    let starter = paperboy.read("paperboy.toml");
    assert!(
        starter.contains(
            "url = \"https://huggingface.co/api/daily_papers?date={date}\"\nformat = \"hf-json\"\n"
        ),
        "{starter}"
    );
    let local = starter.replace("https://huggingface.co", &server.url(""));
    let paperboy = paperboy.config(&local);
    paperboy
        .run(&["check"])
        .success()
        .stdout_is("ok: 1 subscriber, 1 topic, 1 source, templates render\n")
        .stderr_is("");
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].path.starts_with("/api/daily_papers?date="), "{seen:?}");
    // And it is a source `send` can use as written: the redated answer is today's listing.
    paperboy.run(&["send", "--dry-run"]).success();
}

#[test]
fn removing_the_starter_s_example_subscriber_keeps_the_section_heading() {
    let paperboy = Paperboy::new();
    paperboy.run(&["init"]).success();
    let starter = paperboy.read("paperboy.toml");
    paperboy.run(&["subscriber", "remove", "you@example.org"]).success();
    let example = starter.find("# An example: ").expect("the example subscriber's comment");
    let heading = "# One table per subscriber. Add more with `paperboy subscriber add`.\n\n";
    assert!(starter[..example].ends_with(heading), "{starter}");
    // Only the example's own comment and table go; what is above it stays byte for byte.
    assert_eq!(paperboy.read("paperboy.toml"), &starter[..example - 1]);
}

#[test]
fn topic_show_prints_one_topic_as_text_or_json() {
    let paperboy = Paperboy::new().fixture("edit/in.toml", "paperboy.toml");
    paperboy.run(&["topic", "show", "distillation"]).success().stdout_is(
        "topic distillation\n  keywords:  knowledge distillation, distill*\n  require:   -\n  \
         exclude:   dataset distillation\n  followers: alice@example.com\n",
    );
    let run = paperboy.run(&["topic", "show", "ssm", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&run.success().stdout).unwrap();
    assert_eq!(json["followers"], serde_json::json!(["alice@example.com", "bob@example.com"]));
    assert_eq!(json["require"], serde_json::json!([]));
    paperboy
        .run(&["topic", "show", "nope"])
        .code(2)
        .stderr_is("error: no topic `nope` in paperboy.toml\n");
}

#[test]
fn topic_set_replaces_only_the_lists_given() {
    let paperboy = Paperboy::new().fixture("edit/in.toml", "paperboy.toml");
    paperboy
        .run(&[
            "topic",
            "set",
            "distillation",
            "--keyword",
            "distill",
            "--keyword",
            "knowledge distillation",
            "--require",
            "student",
            "--no-exclude",
        ])
        .success()
        .stdout_is("updated topic distillation in paperboy.toml\n");
    let expected = std::fs::read_to_string(fixture_path("edit/topic_set.toml")).unwrap();
    assert_eq!(paperboy.read("paperboy.toml"), expected);

    let original = std::fs::read_to_string(fixture_path("edit/in.toml")).unwrap();
    for (args, message) in [
        (
            &["topic", "set", "nope", "--keyword", "x"][..],
            "error: no topic `nope` in paperboy.toml\n",
        ),
        (&["topic", "set", "ssm"], "error: nothing to change: give at least one option\n"),
        (
            &["topic", "set", "ssm", "--keyword=--"],
            "error: keyword `--` has no letters or digits to match\n",
        ),
    ] {
        let fresh = Paperboy::new().fixture("edit/in.toml", "paperboy.toml");
        fresh.run(args).code(2).stderr_is(message);
        assert_eq!(fresh.read("paperboy.toml"), original);
    }
}
