//! Bad input that used to get through (issue 12), each test named after what broke, and
//! output that stays safe whatever a listing says.

use std::process::{Command, Stdio};

use crate::harness::{Email, Paperboy, SAMPLE, SAMPLE_DATE, fixture_path, required_tool};

const HUB: &str = "real/hf_daily_papers_2024-10-25_first8.json";
const HUB_DATE: &str = "2024-10-25";

fn config(source: &str, subscriber: &str) -> String {
    format!(
        "[newsletter]\ntitle = \"Digest\"\nfrom = \"d@example.org\"\nmax_papers = 50\n\
         [[sources]]\nname = \"hf\"\npath = \"{source}\"\n\
         [[subscribers]]\nemail = \"a@example.com\"\n{subscriber}\n"
    )
}

#[test]
fn a_64_character_local_part_of_escaped_characters_still_gets_its_outbox_file() {
    // 64 `&` percent-encode to 192 bytes; with the domain and `.eml` the name passed the
    // 255 bytes a file name may have, and that digest failed on every run.
    let email = format!("{}@{}.example.com", "&".repeat(64), "d".repeat(55));
    let toml = config(SAMPLE, "keywords = [\"Mamba\"]").replace("a@example.com", &email);
    let paperboy = Paperboy::new().config(&toml).sample();
    paperboy.run(&["send", "--date", SAMPLE_DATE]).success();
    let files = paperboy.list(&format!("outbox/{SAMPLE_DATE}"));
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].len() <= 255, "{} bytes", files[0].len());
    assert!(files[0].starts_with("%26%26%26") && files[0].ends_with(".eml"), "{}", files[0]);
    // The same address gives the same name: a forced rerun replaces the file.
    paperboy.run(&["send", "--date", SAMPLE_DATE, "--force"]).success();
    assert_eq!(paperboy.list(&format!("outbox/{SAMPLE_DATE}")), files);
    // Previews are named the same way.
    paperboy.run(&["preview", "--out", "preview", "--date", SAMPLE_DATE]).success();
    let stem = files[0].trim_end_matches(".eml");
    let previews = paperboy.list("preview");
    for kind in ["eml", "html", "txt"] {
        assert!(previews.contains(&format!("{stem}.{kind}")), "{previews:?}");
    }
}

#[test]
fn a_hub_answer_listing_every_paper_twice_gives_each_paper_once() {
    // It gave "16 papers for you", every paper twice.
    let hub = std::fs::read_to_string(fixture_path(HUB)).unwrap();
    let entries = hub.trim().strip_prefix('[').and_then(|s| s.strip_suffix(']')).unwrap();
    let subscriber = "keywords = [\"the\", \"a\", \"model\", \"language\"]";
    let subject = |file: &str| {
        let paperboy = Paperboy::new()
            .config(&config("unused.json", subscriber))
            .fixture(HUB, "once.json")
            .file("twice.json", format!("[{entries},{entries}]"));
        let listed = paperboy.run(&["papers", "--input", file, "--date", HUB_DATE]);
        assert!(listed.success().stdout.ends_with("\n8 papers\n"), "{listed}");
        paperboy.run(&["send", "--input", file, "--date", HUB_DATE]).success();
        let eml = paperboy.read_bytes(&format!("outbox/{HUB_DATE}/a@example.com.eml"));
        Email::parse(&eml).header("Subject").unwrap()
    };
    let once = subject("once.json");
    assert!(once.contains("papers for you") && !once.contains("16 papers"), "{once}");
    assert_eq!(subject("twice.json"), once);
}

#[test]
fn dates_with_a_sign_or_more_than_four_year_digits_are_refused_and_file_nothing() {
    // `--date=-262143-01-01` filed digests under `outbox/-262143-01-01/`.
    let paperboy = Paperboy::new().config(&config(SAMPLE, "keywords = [\"Mamba\"]")).sample();
    for date in ["--date=-0001-01-01", "--date=-262143-01-01", "--date=+262143-01-01"] {
        for command in ["send", "preview", "papers"] {
            paperboy.run(&[command, date]).code(2).stderr_has("YYYY-MM-DD");
        }
    }
    paperboy.run(&["history", "--date=20250-08-05"]).code(2).stderr_has("YYYY-MM-DD");
    assert!(paperboy.list("outbox").is_empty());
    assert!(paperboy.list("preview").is_empty());
}

fn page_dated_days_ago(days: i64) -> String {
    crate::harness::sample_dated_days_ago(days).0
}

#[test]
fn an_aug_5_page_read_months_later_without_date_is_warned_about_naming_the_source() {
    // Read in December, it took the run's year and sent four-month-old papers as the day's
    // with no word.
    let paperboy = Paperboy::new()
        .config(&config("page.txt", "keywords = [\"Mamba\"]"))
        .file("page.txt", page_dated_days_ago(120));
    let sent = paperboy.run(&["send"]);
    sent.success();
    let warnings: Vec<&str> =
        sent.stderr_lines().into_iter().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warnings.len(), 1, "{sent}");
    assert!(warnings[0].contains("source `hf` lists papers of"), "{sent}");
    assert!(warnings[0].contains("days before the run date"), "{sent}");
    let listed = paperboy.run(&["papers", "--input", "page.txt"]);
    listed.success().stderr_has("source `page` lists papers of");

    // A page of two days ago (a weekend) is ordinary.
    let recent = Paperboy::new()
        .config(&config("page.txt", "keywords = [\"Mamba\"]"))
        .file("page.txt", page_dated_days_ago(2));
    recent.run(&["papers"]).success().stderr_is("");
}

#[test]
fn explain_for_one_paper_counts_every_pick_of_the_day() {
    // `explain --paper ID` said "0 picked" when 5 were.
    let paperboy = Paperboy::new()
        .config(&config(SAMPLE, "keywords = [\"knowledge distillation\"]\nmax_papers = 5"))
        .sample();
    let args = ["explain", "--subscriber", "a@example.com", "--date", SAMPLE_DATE];
    let all = paperboy.run(&args);
    let header = all.success().stdout.lines().next().unwrap().to_owned();
    assert!(header.ends_with(", 5 picked (max_papers 5)"), "{header}");
    let id_of = |block: &str| {
        let first = block.lines().next().unwrap();
        first.rsplit_once("  [").unwrap().1.trim_end_matches(']').to_owned()
    };
    let blocks: Vec<&str> = all.stdout.split("\n\n").skip(1).collect();
    let picked = blocks.iter().find(|b| b.contains("\n  picked")).map(|b| id_of(b)).unwrap();
    let left = blocks.iter().find(|b| b.contains("\n  left out")).map(|b| id_of(b)).unwrap();
    for id in [picked, left] {
        let one = paperboy.run(&[&args[..], &["--paper", &id]].concat());
        assert_eq!(one.success().stdout.lines().next(), Some(header.as_str()), "{id}");
    }
}

#[test]
fn json_into_a_closed_pipe_ends_quietly_as_text_does() {
    // `subscriber list --format json | head -c 10` printed `error: Broken pipe` and exit 1.
    let setup = Paperboy::new().config(&config(SAMPLE, "keywords = [\"Mamba\"]")).sample();
    let papers = ["papers", "--input", SAMPLE, "--format", "json", "--date", SAMPLE_DATE];
    setup.run_into_closed_pipe(&papers).success().stderr_is("");
    setup.run_into_closed_pipe(&["subscriber", "list", "--format", "json"]).success().stderr_is("");
    setup.run_into_closed_pipe(&["history", "--format", "json"]).success().stderr_is("");
    setup.run_into_closed_pipe(&["suppress", "list", "--format", "json"]).success().stderr_is("");
}

/// What `paperboy ARGS` shows on a terminal: run under `script`, which gives it a pty.
fn on_a_terminal(setup: &Paperboy, args: &[&str]) -> String {
    let script = required_tool("script", "bsdutils");
    let quote = |word: &str| format!("'{}'", word.replace('\'', r"'\''"));
    let command: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_paperboy"))
        .chain(args.iter().copied())
        .map(quote)
        .collect();
    let output = Command::new(script)
        .args(["-qec", &command.join(" "), "/dev/null"])
        .current_dir(setup.path(""))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .output()
        .expect("cannot run script");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn escape_sequences_in_titles_reach_a_terminal_escaped() {
    // A listing could retitle or clear the terminal, or plant an OSC 8 link.
    let title =
        "Mamba \u{1b}]0;owned\u{7} \u{1b}[2J \u{9b}2J \u{1b}]8;;https://evil.example/\u{7}click";
    let page = format!("Aug 5\n\n{title}\n\nWe show that Mamba models read listings.\n");
    let setup = Paperboy::new()
        .config(&config("page.txt", "keywords = [\"Mamba\"]"))
        .file("page.txt", page);
    let papers = ["papers", "--input", "page.txt", "--date", SAMPLE_DATE];
    let explain = ["explain", "--subscriber", "a@example.com", "--date", SAMPLE_DATE];
    for args in [&papers[..], &explain[..]] {
        let shown = on_a_terminal(&setup, args);
        assert!(!shown.chars().any(|c| c.is_control() && c != '\r' && c != '\n'), "{shown:?}");
        assert!(shown.contains("Mamba \\u{1b}]0;owned\\u{7} \\u{1b}[2J \\u{9b}2J"), "{shown:?}");
    }
    // Into a pipe the title is as the listing wrote it, for the program reading it.
    let piped = setup.run(&papers);
    assert!(piped.success().stdout.contains("\u{1b}]0;owned\u{7}"), "{piped}");
}
