//! Cadence: `send` run by cron every day (and every 15 minutes) over a week of listings made
//! from the real samples, with the clock pinned through `PAPERBOY_NOW`. Daily readers get each
//! day's new papers once, weekly readers one digest on their weekday with the week's best, a
//! missed run's day is left out and the digest says which days it covers, and a reader's
//! `send_at` in their own zone holds across a change of the clocks.

use crate::harness::{Email, Paperboy, SamplePaper, mentions, sample_papers, squash};

/// Monday 4 August 2025 to Sunday 10 August 2025.
const WEEK: [&str; 7] = [
    "2025-08-04",
    "2025-08-05",
    "2025-08-06",
    "2025-08-07",
    "2025-08-08",
    "2025-08-09",
    "2025-08-10",
];

/// The Hub's real response, eight papers.
const HUB: &str = "real/hf_daily_papers_2024-10-25_first8.json";

const DANA: &str = "dana@example.com";
const WES: &str = "wes@example.com";
const WALT: &str = "walt@example.com";

/// Every reader follows the same keywords; none of the sample papers in the week's windows
/// has a plural or hyphenated form of them, so a plain whole-word search finds what
/// paperboy's matcher finds.
const KEYWORDS: [&str; 2] = ["knowledge distillation", "contrastive loss"];

fn config() -> String {
    format!(
        r#"[newsletter]
title = "Daily Papers Digest"
from = "Paper Digest <digest@example.org>"

[[sources]]
name = "page"
path = "page.txt"
format = "hf-text"

[[sources]]
name = "hub"
path = "hub.json"
format = "hf-json"

[[subscribers]]
email = "{DANA}"
keywords = {KEYWORDS:?}

[[subscribers]]
email = "{WES}"
keywords = {KEYWORDS:?}
frequency = "weekly"
weekday = "sunday"

[[subscribers]]
email = "{WALT}"
keywords = {KEYWORDS:?}
frequency = "weekly"
weekday = "sunday"
max_papers = 3
"#
    )
}

/// Day `k`'s listing: twelve papers of the sample page from paper `6k` (so each day shares
/// six with the day before), and three of the Hub's from entry `k`, all dated that day.
fn day(k: usize) -> (String, String, Vec<SamplePaper>) {
    let date = chrono::NaiveDate::parse_from_str(WEEK[k], "%Y-%m-%d").unwrap();
    let sample = sample_papers();
    let page: Vec<SamplePaper> = sample[6 * k..6 * k + 12].to_vec();
    let mut text = format!(
        "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n\
         byAK and the research community\n\n{}\n\n",
        date.format("%b %-d")
    );
    for paper in &page {
        text.push_str(&format!("{}\n\n{}\n\n", paper.title, paper.abstract_text));
    }
    let hub: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(crate::harness::fixture_path(HUB)).unwrap())
            .unwrap();
    let mut entries = Vec::new();
    let mut listed = page;
    for at in [k % 8, (k + 1) % 8, (k + 2) % 8] {
        let mut entry = hub[at].clone();
        entry["publishedAt"] = format!("{date}T06:00:00.000Z").into();
        listed.push(SamplePaper {
            title: squash(entry["paper"]["title"].as_str().unwrap()),
            abstract_text: entry["paper"]["summary"].as_str().unwrap().to_owned(),
        });
        entries.push(entry);
    }
    (text, serde_json::to_string(&entries).unwrap(), listed)
}

fn matching(papers: &[SamplePaper]) -> Vec<String> {
    papers
        .iter()
        .filter(|p| KEYWORDS.iter().any(|k| mentions(&p.title, k) || mentions(&p.abstract_text, k)))
        .map(|p| squash(&p.title))
        .collect()
}

/// The sample and Hub titles in a digest's text part, in the order shown.
fn titles_in(email: &Email, every: &[String]) -> Vec<String> {
    let body = squash(&email.text);
    let mut found: Vec<(usize, String)> =
        every.iter().filter_map(|t| body.find(t.as_str()).map(|at| (at, t.clone()))).collect();
    found.sort();
    found.dedup();
    found.into_iter().map(|(_, title)| title).collect()
}

fn digest(setup: &Paperboy, date: &str, address: &str) -> Option<Email> {
    let path = format!("outbox/{date}/{address}.eml");
    setup.path(&path).exists().then(|| Email::parse(&setup.read_bytes(&path)))
}

/// A week sent daily, the Wednesday run missed, every run repeated a quarter of an hour later.
#[test]
fn a_week_of_daily_runs_sends_daily_and_weekly_readers_each_digest_once() {
    let mut setup = Paperboy::new().config(&config());
    let mut dana_got: Vec<String> = Vec::new();
    let mut week_matches: Vec<String> = Vec::new();
    let mut every_title: Vec<String> = Vec::new();
    for (k, date) in WEEK.iter().enumerate() {
        let (text, json, listed) = day(k);
        every_title.extend(listed.iter().map(|p| squash(&p.title)));
        if k == 2 {
            // The Wednesday run never happened.
            continue;
        }
        setup = setup.file("page.txt", text).file("hub.json", json);
        let first = setup.env("PAPERBOY_NOW", &format!("{date}T06:00:00Z"));
        let run = first.run(&["send"]);
        run.success();
        setup = first;
        let matches = matching(&listed);
        week_matches.extend(matches.iter().cloned());
        // Dana (daily): the day's matching papers she has not had yet, once.
        let new: Vec<String> = matches.iter().filter(|t| !dana_got.contains(t)).cloned().collect();
        match digest(&setup, date, DANA) {
            Some(email) => {
                let mut shown = titles_in(&email, &every_title);
                let mut expected = new.clone();
                shown.sort();
                expected.sort();
                expected.dedup();
                assert_eq!(shown, expected, "Dana's digest of {date}");
                assert!(email.subject.as_deref().unwrap().contains(date), "{:?}", email.subject);
            }
            None => assert!(new.is_empty(), "Dana got no digest on {date}, but {new:?} were new"),
        }
        dana_got.extend(new);
        // Wes and Walt (weekly, Sunday): nothing before Sunday.
        if k < 6 {
            assert!(digest(&setup, date, WES).is_none(), "Wes got mail on {date}");
            assert!(digest(&setup, date, WALT).is_none(), "Walt got mail on {date}");
            run.stdout_has("weekly on another day 2");
        }
        // The rerun a quarter of an hour later sends nothing again.
        let before = setup.list(&format!("outbox/{date}"));
        setup = setup.env("PAPERBOY_NOW", &format!("{date}T06:15:00Z"));
        let rerun = setup.run(&["send"]);
        rerun.success().stdout_has("sent 0,");
        assert_eq!(setup.list(&format!("outbox/{date}")), before, "the rerun of {date}");
    }
    week_matches.sort();
    week_matches.dedup();
    assert!(week_matches.len() > 3, "the week must offer more than Walt's cap: {week_matches:?}");
    // Wes: one digest on Sunday of every matching paper of the six recorded days, each once.
    let wes = digest(&setup, "2025-08-10", WES).expect("Wes's weekly digest");
    let ranked = titles_in(&wes, &every_title);
    let mut shown = ranked.clone();
    shown.sort();
    assert_eq!(shown, week_matches);
    assert_eq!(
        wes.subject.as_deref(),
        Some(format!("Daily Papers Digest — week of 2025-08-04 — {} papers for you", shown.len()))
            .as_deref()
    );
    let covers = "From the listings of Mon 4 Aug, Tue 5 Aug, Thu 7 Aug, Fri 8 Aug, Sat 9 Aug \
                  and Sun 10 Aug.";
    assert!(squash(&wes.text).contains(covers), "{}", wes.text);
    assert!(squash(&wes.html).contains(covers), "{}", wes.html);
    assert!(squash(&wes.html).contains("Week of 2025-08-04"));
    // Walt: the same week capped at three, all of them among the week's matches.
    let walt = digest(&setup, "2025-08-10", WALT).expect("Walt's weekly digest");
    let walt_titles = titles_in(&walt, &every_title);
    assert_eq!(walt_titles.len(), 3, "{walt_titles:?}");
    assert!(walt_titles.iter().all(|t| week_matches.contains(t)));
    // Ranked together: Walt's three are the top three of Wes's week, in the same order.
    assert_eq!(walt_titles, ranked[..3]);
    // The journal shows the weekly digests as such.
    let history = setup.run(&["history", "--date", "2025-08-10", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
    let digests = json["digests"].as_array().unwrap();
    let weekly: Vec<&str> = digests
        .iter()
        .filter(|d| d["week"] == "2025-08-04")
        .map(|d| d["subscriber"].as_str().unwrap())
        .collect();
    assert_eq!(weekly, [WALT, WES]);
    let covered = &digests.iter().find(|d| d["subscriber"] == WES).unwrap()["covers"];
    assert_eq!(covered.as_array().unwrap().len(), 6, "{covered}");
    setup
        .run(&["history", "--date", "2025-08-10", "--subscriber", WES])
        .success()
        .stdout_has("(weekly, week of 2025-08-04)");
}

/// `preview` and `explain` show a weekly reader the digest `send` makes on their weekday: the
/// week's listings ranked together, not the day's alone.
#[test]
fn preview_and_explain_show_a_weekly_reader_the_week_that_send_sends() {
    let mut setup = Paperboy::new().config(&config());
    let mut every_title: Vec<String> = Vec::new();
    for (k, date) in WEEK.iter().enumerate() {
        let (text, json, listed) = day(k);
        every_title.extend(listed.iter().map(|p| squash(&p.title)));
        setup = setup
            .file("page.txt", text)
            .file("hub.json", json)
            .env("PAPERBOY_NOW", &format!("{date}T06:00:00Z"));
        if k == 5 {
            // Saturday: not Wes's day, and the preview's index says so.
            setup.run(&["preview", "--out", "saturday"]).success();
            let index = setup.read("saturday/index.html");
            assert!(index.contains("(not sent: weekly on sunday)"), "{index}");
        }
        if k < 6 {
            setup.run(&["send"]).success();
        }
    }
    // Sunday: the preview first, then the digest sent.
    setup.run(&["preview", "--out", "sunday"]).success();
    let previewed = Email::parse(&setup.read_bytes(&format!("sunday/{WES}.eml")));
    let mut week_papers = every_title.clone();
    week_papers.sort();
    week_papers.dedup();
    setup.run(&["explain", "--subscriber", WES]).success().stdout_has(&format!(
        "{WES} on 2025-08-10, week of 2025-08-04: {} papers in the week's listings",
        week_papers.len()
    ));
    setup.run(&["send"]).success();
    let sent = digest(&setup, "2025-08-10", WES).expect("Wes's weekly digest");
    assert!(
        previewed.subject.as_deref().is_some_and(|s| s.contains("week of 2025-08-04")),
        "{:?}",
        previewed.subject
    );
    assert_eq!(previewed.subject, sent.subject);
    let shown = titles_in(&previewed, &every_title);
    assert!(shown.len() > 3, "{shown:?}");
    assert_eq!(shown, titles_in(&sent, &every_title));
    let index = setup.read("sunday/index.html");
    assert!(!index.contains("weekly on sunday"), "{index}");
    // A Sunday with no papers: `send` would send nothing, and `explain` says so.
    let setup = setup.file("empty.json", "[]");
    setup
        .run(&["explain", "--subscriber", WES, "--input", "empty.json"])
        .success()
        .stdout_has("no source lists papers for 2025-08-10: `send` sends no digest that day");
}

/// A page dated `date` (`Oct 26`) of the sample's first half (`half` 0) or second half
/// (1): each half has papers on knowledge distillation, the second none of the first's.
fn page_of(date: &str, half: usize) -> String {
    let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    let mut text = format!(
        "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n\
         byAK and the research community\n\n{}\n\n",
        date.format("%b %-d")
    );
    let papers = sample_papers();
    let middle = papers.len() / 2;
    let chosen = if half == 0 { &papers[..middle] } else { &papers[middle..] };
    for paper in chosen {
        text.push_str(&format!("{}\n\n{}\n\n", paper.title, paper.abstract_text));
    }
    text
}

const BERLIN: &str = "berlin@example.com";
const TOKYO: &str = "tokyo@example.com";

fn hours_config() -> String {
    format!(
        r#"[newsletter]
title = "Daily Papers Digest"
from = "Paper Digest <digest@example.org>"
send_at = "07:30"
timezone = "Europe/Berlin"

[[sources]]
name = "page"
path = "page.txt"

[[subscribers]]
email = "{BERLIN}"
keywords = ["knowledge distillation"]

[[subscribers]]
email = "{TOKYO}"
keywords = ["knowledge distillation"]
timezone = "Asia/Tokyo"
"#
    )
}

/// 07:30 in Berlin is 05:30 UTC in summer time and 06:30 UTC from Sunday 26 October 2025;
/// 07:30 in Tokyo is 22:30 UTC the day before, so Tokyo's digest goes at the day's first run.
#[test]
fn send_at_follows_the_readers_clock_across_the_october_change() {
    let setup = Paperboy::new().config(&hours_config()).file("page.txt", page_of("2025-10-25", 0));
    // Saturday, summer time: at 05:45 UTC it is 07:45 in Berlin.
    let early = setup.env("PAPERBOY_NOW", "2025-10-25T00:00:00Z");
    early
        .run(&["send", "--dry-run"])
        .success()
        .stdout_has(&format!("would send to {TOKYO}:"))
        .stdout_has(&format!("later: {BERLIN} at 07:30 Europe/Berlin (2025-10-25 05:30 UTC)"));
    early.run(&["send"]).success().stdout_has("sent 1,").stdout_has("due later 1");
    assert_eq!(early.list("outbox/2025-10-25"), [format!("{TOKYO}.eml")]);
    let setup = early.env("PAPERBOY_NOW", "2025-10-25T05:45:00Z");
    setup.run(&["send"]).success().stdout_has("sent 1,").stdout_has("already sent 1");
    assert_eq!(setup.list("outbox/2025-10-25"), [format!("{BERLIN}.eml"), format!("{TOKYO}.eml")]);

    // Sunday, the clocks went back at 01:00 UTC: 05:45 UTC is 06:45 in Berlin, not yet.
    let setup = setup.file("page.txt", page_of("2025-10-26", 1));
    let sunday = setup.env("PAPERBOY_NOW", "2025-10-26T05:45:00Z");
    sunday
        .run(&["send", "--dry-run"])
        .success()
        .stdout_has(&format!("later: {BERLIN} at 07:30 Europe/Berlin (2025-10-26 06:30 UTC)"));
    sunday.run(&["send"]).success().stdout_has("due later 1");
    assert_eq!(sunday.list("outbox/2025-10-26"), [format!("{TOKYO}.eml")]);
    let sunday = sunday.env("PAPERBOY_NOW", "2025-10-26T06:30:00Z");
    sunday.run(&["send"]).success().stdout_has("sent 1,").stdout_has("already sent 1");
    let sunday = sunday.env("PAPERBOY_NOW", "2025-10-26T06:45:00Z");
    sunday.run(&["send"]).success().stdout_has("sent 0,").stdout_has("already sent 2");
    assert_eq!(sunday.list("outbox/2025-10-26"), [format!("{BERLIN}.eml"), format!("{TOKYO}.eml")]);
}

/// The March change the other way: on Sunday 30 March 2025, 07:30 in Berlin is 05:30 UTC
/// already, an hour earlier than on Saturday.
#[test]
fn send_at_follows_the_readers_clock_across_the_march_change() {
    let setup = Paperboy::new().config(&hours_config()).file("page.txt", page_of("2025-03-29", 0));
    let saturday = setup.env("PAPERBOY_NOW", "2025-03-29T05:45:00Z");
    saturday.run(&["send"]).success().stdout_has("sent 1,").stdout_has("due later 1");
    let setup = saturday.file("page.txt", page_of("2025-03-30", 1));
    let sunday = setup.env("PAPERBOY_NOW", "2025-03-30T05:45:00Z");
    sunday.run(&["send"]).success().stdout_has("sent 2,");
    assert_eq!(sunday.list("outbox/2025-03-30"), [format!("{BERLIN}.eml"), format!("{TOKYO}.eml")]);
}

#[test]
fn a_bad_pinned_clock_is_a_usage_error() {
    Paperboy::new()
        .config(&hours_config())
        .env("PAPERBOY_NOW", "tomorrow")
        .run(&["send", "--dry-run"])
        .code(2)
        .stderr_has("PAPERBOY_NOW=`tomorrow` is not an instant like 2025-08-05T06:00:00Z");
}

#[test]
fn cadence_keys_with_bad_values_are_named() {
    let config = hours_config()
        .replace("send_at = \"07:30\"", "send_at = \"25:00\"")
        .replace("timezone = \"Asia/Tokyo\"", "timezone = \"Europe/Berln\"\nweekday = \"funday\"");
    let run = Paperboy::new().config(&config).run(&["check"]);
    run.code(78)
        .stderr_has(
            "paperboy.toml:4: `newsletter.send_at`: `25:00` is not a time of day; write HH:MM",
        )
        .stderr_has(
            "paperboy.toml:18: `subscribers[1].timezone`: `Europe/Berln` is not a time zone; \
             did you mean \"Europe/Berlin\"?",
        )
        .stderr_has("paperboy.toml:19: `subscribers[1].weekday`: `funday` is not a weekday");
}

#[test]
fn subscriber_set_writes_the_cadence_keys() {
    let setup = Paperboy::new().config(&hours_config());
    setup
        .run(&[
            "subscriber",
            "set",
            BERLIN,
            "--frequency",
            "Weekly",
            "--weekday",
            "friday",
            "--send-at",
            "6:00",
            "--timezone",
            "america/new_york",
        ])
        .success();
    let config = setup.read("paperboy.toml");
    for line in [
        "frequency = \"weekly\"",
        "weekday = \"friday\"",
        "send_at = \"06:00\"",
        "timezone = \"America/New_York\"",
    ] {
        assert!(config.contains(line), "{line} in\n{config}");
    }
    setup
        .run(&["subscriber", "show", BERLIN])
        .success()
        .stdout_has("digest: weekly on friday, from 06:00 America/New_York");
    setup
        .run(&["subscriber", "set", BERLIN, "--send-at", "25:00"])
        .code(2)
        .stderr_has("`25:00` is not a time of day");
}
