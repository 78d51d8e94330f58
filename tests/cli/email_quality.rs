//! The rendered digest as mail clients and filters see it: valid HTML (tidy), a low spam score
//! (SpamAssassin with network tests off), and under the size and width limits, on the real
//! sample with 40 papers of long abstracts (each with a TL;DR and a linked title; leaving
//! papers out to fit more is the size cap's business).

use std::process::{Command, Stdio};

use crate::harness::{Paperboy, SAMPLE, SAMPLE_DATE, required_tool};

/// Gmail clips messages over about 102 KB.
const CLIP_BYTES: usize = 102 * 1024;

/// The shipped example config with a subscriber who gets 40 papers, and one who gets none.
fn forty_papers() -> Paperboy {
    let config =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml"))
            .unwrap()
            .replace("examples/hf-daily-papers-aug5.txt", SAMPLE)
            + "\n[[subscribers]]\nemail = \"reader@example.com\"\nname = \"Avid Reader\"\n\
           keywords = [\"model\", \"learning\", \"data\", \"network\"]\nmax_papers = 40\n";
    let paperboy = Paperboy::new().config(&config).sample();
    paperboy.run(&["preview", "--date", SAMPLE_DATE]).success();
    paperboy
}

#[test]
fn forty_long_abstracts_stay_under_the_clipping_limit_and_78_columns() {
    let paperboy = forty_papers();
    let eml = paperboy.read_bytes("preview/reader@example.com.eml");
    assert!(eml.len() < CLIP_BYTES, "{} bytes", eml.len());
    let html = paperboy.read("preview/reader@example.com.html");
    assert_eq!(html.matches("class=\"paper\"").count(), 40);
    for line in paperboy.read("preview/reader@example.com.txt").lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let lone_url = words.last().is_some_and(|w| w.starts_with("http")) && words.len() <= 3;
        assert!(line.chars().count() <= 78 || lone_url, "{line}");
    }
}

#[test]
fn the_html_passes_tidy_without_errors() {
    let tidy = required_tool("tidy", "tidy");
    let paperboy = forty_papers();
    for file in ["reader@example.com.html", "bob@example.com.html", "carol@example.com.html"] {
        let output = Command::new(&tidy)
            .args(["-errors", "-quiet"])
            .arg(paperboy.path(&format!("preview/{file}")))
            .output()
            .unwrap();
        // tidy exits 0 when clean, 1 with warnings only, 2 with errors.
        assert!(
            output.status.code().is_some_and(|code| code < 2),
            "{file}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn spamassassin_scores_a_digest_below_two() {
    let spamassassin = required_tool("spamassassin", "spamassassin");
    let paperboy = forty_papers();
    for file in ["reader@example.com.eml", "alice@example.com.eml"] {
        let message = std::fs::File::open(paperboy.path(&format!("preview/{file}"))).unwrap();
        // -L: local tests only, no DNS or network lookups.
        let output = Command::new(&spamassassin)
            .args(["-L", "-t"])
            .stdin(Stdio::from(message))
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&output.stdout);
        let score: f64 = report
            .lines()
            .find_map(|line| line.strip_prefix("Content analysis details:"))
            .and_then(|rest| rest.trim().trim_start_matches('(').split_whitespace().next())
            .and_then(|points| points.parse().ok())
            .unwrap_or_else(|| panic!("no score in SpamAssassin's report:\n{report}"));
        assert!(score < 2.0, "{file} scores {score}:\n{report}");
    }
}

/// Issue 14: the sample's `https://github.com/xiaojieli0903/Mamba-FSCIL` was shown as
/// `https://github.com/xiaojieli0903/<mark>Mamba</mark>-FSCIL`, and mail clients linked only
/// the part before the mark. It is a whole link now, with no mark inside.
#[test]
fn mamba_fscil_s_repository_url_is_one_link_without_a_mark() {
    let config = format!(
        "[newsletter]\ntitle = \"D\"\nfrom = \"d@example.org\"\nabstract = \"full\"\n\
         [[sources]]\nname = \"hf\"\npath = \"{SAMPLE}\"\n\
         [[subscribers]]\nemail = \"a@example.com\"\nkeywords = [\"Mamba\", \"github\"]\n"
    );
    let paperboy = Paperboy::new().config(&config).sample();
    paperboy.run(&["preview", "--date", SAMPLE_DATE]).success();
    let html = paperboy.read("preview/a@example.com.html");
    let url = "https://github.com/xiaojieli0903/Mamba-FSCIL";
    assert!(html.contains(&format!("<a href=\"{url}\" ")), "{html}");
    assert!(html.contains(&format!(">{url}</a>")), "{html}");
    assert!(!html.contains("xiaojieli0903/<mark"), "{html}");
}
