//! Issue 3's formats through the binary: every real sample read by `papers`, merging several
//! sources, what a digest shows of the new fields, and bad input of each kind.

use serde_json::Value;

use crate::harness::{Email, Paperboy, Run, squash};

/// `papers --input` on a fixture, as JSON, for `date`.
fn papers_json(fixture: &str, date: &str) -> (Run, Vec<Value>) {
    let name = fixture.rsplit('/').next().expect("a file name");
    let run = Paperboy::new()
        .fixture(fixture, name)
        .run(&["papers", "--input", name, "--format", "json", "--date", date]);
    let papers = match serde_json::from_str(&run.stdout) {
        Ok(Value::Array(papers)) => papers,
        _ => Vec::new(),
    };
    (run, papers)
}

fn link<'a>(paper: &'a Value, kind: &str) -> Option<&'a str> {
    paper["links"].as_array()?.iter().find(|l| l["kind"] == kind)?["url"].as_str()
}

fn has_authors(paper: &Value) -> bool {
    paper["authors"].as_array().is_some_and(|a| !a.is_empty() && a.iter().all(|n| n.is_string()))
}

#[test]
fn each_real_sample_gives_its_number_of_papers_each_with_authors_and_arxiv_links() {
    let samples = [
        ("real/hf_daily_papers_2024-10-25_first8.json", "2024-10-25", 8),
        ("real/arxiv_api_search_all-testing_10results_2026-04-12.xml", "2026-04-12", 10),
        ("real/arxiv_api_legacy_format_search_au-del_maestro_2016-10.xml", "2016-10-09", 10),
        ("real/arxiv_api_idlist_one_found_one_missing_2026-04-12.xml", "2026-04-12", 1),
        ("real/arxiv_rss_atom_cs.AI_2025-08-20.closed.xml", "2025-08-20", 41),
        ("sources/arxiv-rss2-cs.AI-2025-08-20-first5.xml", "2025-08-20", 3),
    ];
    for (fixture, date, count) in samples {
        let (run, papers) = papers_json(fixture, date);
        run.success().stderr_is("");
        assert_eq!(papers.len(), count, "{fixture}");
        for paper in &papers {
            assert!(has_authors(paper), "{fixture}: {paper}");
            let id = paper["arxiv_id"].as_str().expect("an arXiv id");
            assert_eq!(paper["id"], format!("arxiv:{id}"));
            assert_eq!(
                link(paper, "abstract"),
                Some(format!("https://arxiv.org/abs/{id}").as_str())
            );
            assert_eq!(link(paper, "pdf"), Some(format!("https://arxiv.org/pdf/{id}").as_str()));
        }
    }
}

#[test]
fn the_hub_json_gives_the_featured_day_upvotes_comments_and_the_hugging_face_page() {
    let (run, papers) = papers_json("real/hf_daily_papers_2024-10-25_first8.json", "2024-10-25");
    run.success();
    let first = &papers[0];
    assert_eq!(first["date"], "2024-10-25", "the listing date: the day it was featured");
    assert_eq!(first["published"], "2024-10-22", "the arXiv date");
    assert_eq!(first["upvotes"], 64);
    assert_eq!(first["comment_count"], 3);
    assert_eq!(link(first, "huggingface"), Some("https://huggingface.co/papers/2410.17243"));
    assert_eq!(
        first["title"],
        "Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss"
    );
    assert!(first["original"]["title"].as_str().is_some_and(|t| t.contains("for\n  Contrastive")));
}

#[test]
fn the_closed_cs_ai_feed_gives_41_new_and_45_cross_listed_when_the_source_asks_for_both() {
    let config = "[newsletter]\ntitle = \"D\"\nfrom = \"d@example.org\"\n\
                  [[sources]]\nname = \"cs.AI\"\npath = \"cs.AI.xml\"\nannounce = [\"new\", \"cross\"]\n";
    let run = Paperboy::new()
        .config(config)
        .fixture("real/arxiv_rss_atom_cs.AI_2025-08-20.closed.xml", "cs.AI.xml")
        .run(&["papers", "--format", "json", "--date", "2025-08-20"]);
    run.success().stderr_is("");
    let papers: Vec<Value> = serde_json::from_str(&run.stdout).expect("a JSON array");
    let count = |kind: &str| papers.iter().filter(|p| p["announce_type"] == kind).count();
    assert_eq!((count("new"), count("cross"), papers.len()), (41, 45, 86));
    assert!(papers.iter().all(has_authors));
}

#[test]
fn the_truncated_feed_keeps_its_86_complete_entries_and_warns_with_the_line() {
    let (run, papers) = papers_json("real/arxiv_rss_atom_cs.AI_2025-08-20.xml", "2025-08-20");
    run.success().stderr_is(
        "warning: arxiv_rss_atom_cs.AI_2025-08-20.xml:1229: the feed ends inside this entry \
         (a truncated download?); kept the 86 complete entries before it\n",
    );
    assert_eq!(papers.len(), 41, "the new ones of the 86");
}

#[test]
fn an_empty_listing_prints_no_papers_and_exits_3() {
    for (fixture, date) in [
        ("real/arxiv_rss2_physics_empty_holiday_2025-12-31.xml", "2025-12-31"),
        ("real/arxiv_api_idlist_no_results_2026-04-12.xml", "2026-04-12"),
    ] {
        let (run, papers) = papers_json(fixture, date);
        run.code(3).stderr_is("");
        assert!(papers.is_empty(), "{fixture}");
    }
}

#[test]
fn the_text_format_shows_authors_and_every_source() {
    let config = "[newsletter]\ntitle = \"D\"\nfrom = \"d@example.org\"\n\
                  [[sources]]\nname = \"hub\"\npath = \"hub.json\"\n\
                  [[sources]]\nname = \"arxiv\"\npath = \"arxiv.xml\"\nannounce = [\"new\", \"cross\"]\n";
    let run = Paperboy::new()
        .config(config)
        .fixture("real/hf_daily_papers_2024-10-25_first8.json", "hub.json")
        .fixture("sources/arxiv-rss-2024-10-25-same-papers.xml", "arxiv.xml")
        .run(&["papers", "--date", "2024-10-25"]);
    run.success().stderr_is("");
    let first: Vec<&str> = run.stdout.split("\n\n").next().expect("a block").lines().collect();
    assert_eq!(first[0], "2024-10-25  arxiv:2410.17243  hub, arxiv");
    assert!(first[2].starts_with("  by Zesen Cheng, Hang Zhang, Kehan Li"), "{first:?}");
    assert!(run.stdout.ends_with("\n8 papers\n"), "{run}");
}

#[test]
fn the_hub_json_an_arxiv_feed_and_the_copied_page_of_the_same_papers_merge_into_one_each() {
    let config = "[newsletter]\ntitle = \"D\"\nfrom = \"d@example.org\"\n\
                  [[sources]]\nname = \"page\"\npath = \"page.txt\"\n\
                  [[sources]]\nname = \"hub\"\nurl = \"URL\"\n\
                  [[sources]]\nname = \"arxiv\"\npath = \"arxiv.xml\"\nannounce = [\"new\", \"cross\"]\n";
    let hub =
        std::fs::read(crate::harness::fixture_path("real/hf_daily_papers_2024-10-25_first8.json"))
            .expect("the hub sample");
    let server = crate::http::HttpServer::start(move |_, _| crate::http::Reply::Body(hub.clone()));
    let run = Paperboy::new()
        .config(&config.replace("URL", &server.url("/api/daily_papers?date={date}")))
        .fixture("sources/hf-text-2024-10-25-same-papers.txt", "page.txt")
        .fixture("sources/arxiv-rss-2024-10-25-same-papers.xml", "arxiv.xml")
        .run(&["papers", "--format", "json", "--date", "2024-10-25"]);
    run.success().stderr_is("");
    let papers: Vec<Value> = serde_json::from_str(&run.stdout).expect("a JSON array");
    assert_eq!(papers.len(), 8, "none twice");
    let mut ids: Vec<&str> = papers.iter().filter_map(|p| p["id"].as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 8);
    for paper in &papers {
        assert_eq!(paper["sources"], serde_json::json!(["page", "hub", "arxiv"]), "{paper}");
        assert!(paper["id"].as_str().is_some_and(|id| id.starts_with("arxiv:")), "{paper}");
        assert!(paper["upvotes"].is_u64(), "the hub's fields are kept: {paper}");
        assert_eq!(paper["categories"], serde_json::json!(["cs.CL"]), "the feed's: {paper}");
        assert!(has_authors(paper));
    }
}

#[test]
fn a_digest_shows_authors_upvotes_and_the_paper_pages() {
    let config = "[newsletter]\ntitle = \"D\"\nfrom = \"d@example.org\"\n\
                  [[sources]]\nname = \"hub\"\npath = \"hub.json\"\n\
                  [[subscribers]]\nemail = \"a@example.com\"\nkeywords = [\"contrastive loss\"]\n";
    let setup = Paperboy::new()
        .config(config)
        .fixture("real/hf_daily_papers_2024-10-25_first8.json", "hub.json");
    setup.run(&["send", "--date", "2024-10-25"]).success();
    let email = Email::parse(&setup.read_bytes("outbox/2024-10-25/a@example.com.eml"));
    for part in [squash(&email.text), squash(&email.html)] {
        assert!(part.contains("Zesen Cheng, Hang Zhang, Kehan Li, …, Lidong Bing"), "{part}");
        assert!(
            part.contains("arXiv:2410.17243 · submitted 2024-10-22 · 64 upvotes · 3 comments"),
            "{part}"
        );
        assert!(part.contains("https://huggingface.co/papers/2410.17243"), "{part}");
        assert!(part.contains("https://arxiv.org/pdf/2410.17243"), "{part}");
    }
    assert!(
        email.text.contains("   Hugging Face: https://huggingface.co/papers/2410.17243"),
        "{}",
        email.text
    );
}

#[test]
fn the_tldr_is_the_hub_s_ai_summary_when_it_has_one_else_a_marked_excerpt() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/real/hf_daily_papers_2024-10-25_first8.json"
    );
    let mut listing: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // Newer answers carry `ai_summary` beside `ai_keywords`; this one predates it.
    listing[0]["paper"]["ai_summary"] =
        "Inf-CL scales contrastive loss to batches of  millions\nwithout running out of memory."
            .into();
    let config = "[newsletter]\ntitle = \"D\"\nfrom = \"d@example.org\"\n\
                  [[sources]]\nname = \"hub\"\npath = \"hub.json\"\n\
                  [[subscribers]]\nemail = \"a@example.com\"\nkeywords = [\"contrastive\", \"hallucination*\"]\n";
    let setup = Paperboy::new().config(config).file("hub.json", listing.to_string());
    setup.run(&["send", "--date", "2024-10-25"]).success();
    let email = Email::parse(&setup.read_bytes("outbox/2024-10-25/a@example.com.eml"));
    let summary =
        "Inf-CL scales contrastive loss to batches of millions without running out of memory.";
    assert!(squash(&email.text).contains(&format!("TL;DR: {summary}")), "{}", email.text);
    assert!(email.html.contains("<strong>TL;DR:</strong> Inf-CL scales"), "{}", email.html);
    // The other papers that match have no summary: a sentence of their abstract, marked so.
    assert!(email.text.contains("TL;DR (from the abstract):"), "{}", email.text);
}

/// `papers --input NAME` on `contents`.
fn papers_on(name: &str, contents: &str) -> Run {
    Paperboy::new().file(name, contents).run(&["papers", "--input", name, "--date", "2025-08-20"])
}

#[test]
fn every_malformed_input_is_one_clear_error_naming_the_file_and_the_place() {
    let cases = [
        (
            "cut.json",
            "[{\"paper\": {\"id\": \"2410.17243\", \"title\": \"x\"",
            "error: cut.json:1:44: not valid JSON: EOF while parsing an object\n",
        ),
        (
            "types.json",
            "[{\"paper\": {\"id\": 2410.17243}}]",
            "error: types.json: at `[0].paper.id`: expected a string, found a number\n",
        ),
        (
            "object.json",
            "{\"papers\": []}",
            "error: object.json: at `$`: expected an array of daily papers, found an object\n",
        ),
        (
            "tags.xml",
            "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  <entry>\n  </feed>\n",
            "error: tags.xml:3:3: not well-formed XML: ill-formed document: expected `</entry>`, but `</feed>` was found\n",
        ),
        (
            "page.xml",
            "<html><body>Service Unavailable</body></html>",
            "error: page.xml: looks like XML with a `html` root, neither an Atom feed nor RSS; set `format` if it is one\n",
        ),
        (
            "early.xml",
            "<feed xmlns=\"http://www.w3.org/2005/Atom\"><id>http://rss.arxiv.org/atom/cs.AI</id><entry><title>Half",
            "error: early.xml:1:83: the feed is cut off inside its first entry\n",
        ),
        (
            "nothing.xml",
            "<?xml version=\"1.0\"?>\n",
            "error: nothing.xml: looks like XML, but no element could be read\n",
        ),
    ];
    for (name, contents, expected) in cases {
        papers_on(name, contents).code(65).stdout_is("").stderr_is(expected);
    }
}

#[test]
fn an_api_error_feed_is_an_error_with_the_apis_message() {
    let (run, _) = papers_json("real/arxiv_api_error_http400_bad_id_2026-04-12.xml", "2026-04-12");
    run.code(65).stdout_is("").stderr_is(
        "error: arxiv_api_error_http400_bad_id_2026-04-12.xml:9:3: the arXiv API answered with an error: incorrect id format for abc\n",
    );
}

#[test]
fn a_feed_in_latin1_is_refused_at_the_line_of_the_first_bad_byte() {
    let run = Paperboy::new()
        .file("latin1.xml", b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<rss><channel>\n<title>Caf\xe9</title>")
        .run(&["papers", "--input", "latin1.xml"]);
    run.code(65).stderr_is("error: latin1.xml:3: not UTF-8 text (invalid byte at offset 69)\n");
}

#[test]
fn a_config_source_needs_exactly_one_of_path_and_url_and_a_sound_url() {
    let config = "[newsletter]\ntitle = \"D\"\nfrom = \"d@example.org\"\n\
                  [[sources]]\nname = \"a\"\n\
                  [[sources]]\nname = \"b\"\npath = \"b.txt\"\nurl = \"https://x.org/b\"\n\
                  [[sources]]\nname = \"c\"\nurl = \"ftp://x.org/{day}\"\n\
                  [[sources]]\nname = \"a\"\npath = \"a.txt\"\nformat = \"hf-json\"\nannounce = [\"cross\"]\n";
    let run = Paperboy::new().config(config).run(&["check"]);
    run.code(78).stderr_is(
        "error: paperboy.toml:5: `sources[0]`: needs a `path` or a `url`\n\
         error: paperboy.toml:9: `sources[1].url`: give `path` or `url`, not both\n\
         error: paperboy.toml:12: `sources[2].url`: `ftp://x.org/{day}` must start with https:// or http://\n\
         error: paperboy.toml:14: `sources[3].name`: `a` names two sources; each needs its own name (it keys the cache)\n\
         error: paperboy.toml:17: `sources[3].announce`: applies to `arxiv-rss` sources only, and this one is `hf-json`\n",
    );
}

#[test]
fn fetch_settings_are_checked_with_their_lines() {
    let config = "[newsletter]\ntitle = \"D\"\nfrom = \"d@example.org\"\n\
                  [fetch]\ntimeout_secs = 0\nretries = 50\nproxy = \"x\"\n";
    // The unknown key hides neither of the others (issue 12).
    Paperboy::new().config(config).run(&["check"]).code(78).stderr_is(
        "error: paperboy.toml:5: `fetch.timeout_secs`: expected a whole number of seconds from 1 \
         to 3600, found 0\n\
         error: paperboy.toml:6: `fetch.retries`: expected a whole number from 0 to 10, found 50\n\
         error: paperboy.toml:7: `fetch.proxy`: unknown field `proxy`, expected one of \
         `cache_dir`, `timeout_secs`, `connect_timeout_secs`, `retries`\n",
    );
}
