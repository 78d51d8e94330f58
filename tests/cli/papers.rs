//! `paperboy papers`: what the sources give, with or without a config.

use serde_json::Value;

use crate::harness::{Paperboy, SAMPLE, SAMPLE_DATE, sample_papers};

fn json_papers(stdout: &str) -> Vec<Value> {
    match serde_json::from_str(stdout) {
        Ok(Value::Array(papers)) => papers,
        other => panic!("not a JSON array: {other:?}\n{stdout}"),
    }
}

#[test]
fn papers_reads_an_input_file_without_any_config_and_prints_a_json_array() {
    let setup = Paperboy::new().sample();
    assert!(!setup.path("paperboy.toml").exists());
    let run = setup.run(&["papers", "--input", SAMPLE, "--format", "json", "--date", SAMPLE_DATE]);

    run.success().stderr_is("");
    let papers = json_papers(&run.stdout);
    assert_eq!(papers.len(), 74);
    for paper in &papers {
        let object = paper.as_object().expect("each paper is an object");
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        // `original` appears only where cleaning changed the text (issue 3).
        keys.retain(|key| *key != "original");
        assert_eq!(keys, ["abstract", "date", "id", "links", "source", "title"], "{paper}");
        assert_eq!(object["date"], SAMPLE_DATE);
        assert_eq!(object["source"], "hf-daily-papers-aug5", "named after the file");
        assert!(object["id"].as_str().is_some_and(|id| !id.is_empty()), "{paper}");
        assert!(object["links"].is_array(), "{paper}");
    }
    let expected = sample_papers();
    for (paper, want) in papers.iter().zip(&expected) {
        // What the page said, word for word: the cleaned text when cleaning left it alone,
        // else the kept original.
        let said = paper.get("original").unwrap_or(paper);
        assert_eq!(said["title"], want.title.as_str());
        assert_eq!(said["abstract"], want.abstract_text.as_str());
    }
    let cleaned: Vec<&Value> = papers.iter().filter(|p| p.get("original").is_some()).collect();
    assert!((1..=20).contains(&cleaned.len()), "{} of 74 papers cleaned", cleaned.len());
    let vq = papers
        .iter()
        .find(|p| p["abstract"].as_str().is_some_and(|a| a.contains("LR²VQ")))
        .expect("LR^2VQ is made readable");
    assert!(vq["abstract"].as_str().unwrap().contains("2.8%/1.0%"), "{vq}");
    assert!(vq["original"]["abstract"].as_str().unwrap().contains("LR^2VQ"), "{vq}");
}

#[test]
fn papers_gives_each_paper_a_distinct_id_and_finds_its_code_links() {
    let run = Paperboy::new().sample().run(&[
        "papers",
        "--input",
        SAMPLE,
        "--format",
        "json",
        "--date",
        SAMPLE_DATE,
    ]);
    let papers = json_papers(&run.success().stdout);

    let mut ids: Vec<&str> = papers.iter().filter_map(|p| p["id"].as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 74, "ids are unique");
    let teen = papers
        .iter()
        .find(|p| {
            p["title"]
                == "Few-Shot Class-Incremental Learning via Training-Free Prototype Calibration"
        })
        .expect("the TEEN paper is listed");
    assert_eq!(
        teen["links"],
        serde_json::json!([{ "kind": "code", "url": "https://github.com/wangkiw/TEEN" }])
    );
}

#[test]
fn papers_text_format_prints_one_block_per_paper_and_a_count() {
    let run = Paperboy::new().sample().run(&["papers", "--input", SAMPLE, "--date", SAMPLE_DATE]);

    run.success().stderr_is("");
    let blocks: Vec<&str> = run.stdout.trim_end().split("\n\n").collect();
    assert_eq!(blocks.len(), 74, "{}", run.stdout);
    assert!(run.stdout.ends_with("\n74 papers\n"), "{}", run.stdout);
    let first: Vec<&str> = blocks[0].lines().collect();
    assert!(first[0].starts_with(&format!("{SAMPLE_DATE}  title:")), "{first:?}");
    assert!(first[0].ends_with("  hf-daily-papers-aug5"), "{first:?}");
    assert_eq!(
        first[1],
        "  ACAM-KD: Adaptive and Cooperative Attention Masking for Knowledge Distillation"
    );
    let titles = sample_papers();
    for (block, paper) in blocks.iter().zip(&titles) {
        assert_eq!(block.lines().nth(1), Some(format!("  {}", paper.title).as_str()));
    }
}

#[test]
fn papers_with_a_config_reads_its_sources_relative_to_the_config_file() {
    let config = r#"[newsletter]
title = "Digest"
from = "digest@example.org"

[[sources]]
name = "daily"
path = "../listings/day.txt"
"#;
    let setup = Paperboy::new()
        .file("conf/newsletter.toml", config)
        .file("listings/day.txt", crate::harness::sample_text());
    let run = setup.run(&[
        "--config",
        "conf/newsletter.toml",
        "papers",
        "--format",
        "json",
        "--date",
        SAMPLE_DATE,
    ]);

    run.success().stderr_is("");
    let papers = json_papers(&run.stdout);
    assert_eq!(papers.len(), 74);
    assert!(papers.iter().all(|p| p["source"] == "daily"), "the configured source's name");
}

#[test]
fn papers_keeps_a_paper_two_sources_list_once() {
    let config = format!(
        r#"[newsletter]
title = "Digest"
from = "digest@example.org"

[[sources]]
name = "first"
path = "{SAMPLE}"

[[sources]]
name = "second"
path = "again.txt"
"#
    );
    let run = Paperboy::new()
        .config(&config)
        .sample()
        .file("again.txt", crate::harness::sample_text())
        .run(&["papers", "--format", "json", "--date", SAMPLE_DATE]);

    let papers = json_papers(&run.success().stdout);
    assert_eq!(papers.len(), 74);
    assert!(papers.iter().all(|p| p["source"] == "first"));
}

#[test]
fn papers_without_input_or_sources_says_what_is_missing() {
    let config = "[newsletter]\ntitle = \"Digest\"\nfrom = \"digest@example.org\"\n";
    let run = Paperboy::new().config(config).run(&["papers", "--date", SAMPLE_DATE]);

    run.code(2)
        .stdout_is("")
        .stderr_is("error: paperboy.toml: no [[sources]] configured and no --input given\n");
}

#[test]
fn papers_text_format_counts_a_single_paper_in_the_singular() {
    let run = Paperboy::new().fixture("sources/dangling-title.txt", "day.txt").run(&[
        "papers",
        "--input",
        "day.txt",
        "--date",
        SAMPLE_DATE,
    ]);
    assert!(run.success().stdout.ends_with("\n1 paper\n"), "{run}");
}

/// `paperboy papers | head` and the like: a reader that stops early is done, not failed.
#[test]
fn a_reader_closing_the_pipe_early_is_not_an_error() {
    let setup =
        Paperboy::new().config("[newsletter]\ntitle = \"T\"\nfrom = \"d@example.org\"\n").sample();
    setup.run_into_closed_pipe(&["papers", "--input", SAMPLE, "--date", SAMPLE_DATE]).success();
    setup.run_into_closed_pipe(&["history"]).success().stderr_is("");
    setup.run_into_closed_pipe(&["suppress", "list"]).success().stderr_is("");
}
