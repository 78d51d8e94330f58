//! How a `send` run ends when the sources are not simply fine: no papers today, a stale
//! source, a source that failed. Each has its own exit status and summary line, and a run
//! never looks like success while sending nothing.

use crate::harness::Paperboy;

/// `sources` (TOML) and one subscriber who would take any paper about models.
fn config(sources: &str) -> String {
    format!(
        "[newsletter]\ntitle = \"D\"\nfrom = \"d@example.org\"\n{sources}\n\
         [[subscribers]]\nemail = \"a@example.com\"\nkeywords = [\"model\", \"models\"]\n"
    )
}

const HUB: &str = "[[sources]]\nname = \"hub\"\npath = \"hub.json\"\n";
const ARXIV: &str = "[[sources]]\nname = \"arxiv\"\npath = \"arxiv.xml\"\n";

fn with_hub_and_arxiv(sources: &str) -> Paperboy {
    Paperboy::new()
        .config(&config(sources))
        .fixture("real/hf_daily_papers_2024-10-25_first8.json", "hub.json")
        .fixture("real/arxiv_rss_atom_cs.AI_2025-08-20.closed.xml", "arxiv.xml")
}

#[test]
fn an_empty_holiday_listing_is_no_papers_today_with_exit_3_and_nothing_sent() {
    let setup = Paperboy::new()
        .config(&config("[[sources]]\nname = \"physics\"\npath = \"physics.xml\"\n"))
        .fixture("real/arxiv_rss2_physics_empty_holiday_2025-12-31.xml", "physics.xml");
    setup.run(&["send", "--date", "2025-12-31"]).code(3).stderr_is("").stdout_is(
        "no papers today: no source lists papers for 2025-12-31 \
         (physics: arXiv announced nothing on 2025-12-31 (a holiday?)); nothing sent\n",
    );
    assert!(setup.list("outbox").is_empty());
}

#[test]
fn a_listing_dated_before_the_run_date_is_stale_with_exit_4_and_nothing_sent() {
    let setup = with_hub_and_arxiv(HUB);
    setup
        .run(&["send", "--date", "2024-10-26"])
        .code(4)
        .stderr_is(
            "error: source `hub` is stale: it serves the listing of 2024-10-25, not of 2024-10-26; \
             its papers are left out\n",
        )
        .stdout_is(
            "nothing sent: no papers for 2024-10-26 from the sources that could be used; \
             left out: hub (stale)\n",
        );
    assert!(setup.list("outbox").is_empty());
}

#[test]
fn a_stale_source_is_left_out_and_the_fresh_one_is_delivered_with_exit_4() {
    let setup = with_hub_and_arxiv(&format!("{HUB}{ARXIV}"));
    let run = setup.run(&["send", "--date", "2025-08-20"]);
    run.code(4)
        .stderr_is(
            "error: source `hub` is stale: it serves the listing of 2024-10-25, not of 2025-08-20; \
             its papers are left out\n",
        )
        .stdout_is(
            "sent 1, skipped 0 with no matching papers, failed 0 (digests for 2025-08-20 to outbox)\n\
             left out: hub (stale); the digests carry the other sources' papers\n",
        );
    let digest = setup.read("outbox/2025-08-20/a@example.com.eml");
    assert!(!digest.contains("huggingface.co/papers"), "no paper of the stale source");
}

#[test]
fn the_same_listing_served_again_for_another_date_is_stale() {
    // A copied page nobody refreshed: its "Aug 5" says nothing of the year, but the
    // previous run recorded which papers it listed.
    let setup = Paperboy::new()
        .config(&config("[[sources]]\nname = \"page\"\npath = \"page.txt\"\n"))
        .sample_as("page.txt");
    setup.run(&["send", "--date", "2025-08-05"]).success();
    assert!(setup.path("cache/page/2025-08-05.listing").exists());

    setup.run(&["send", "--dry-run", "--date", "2025-08-05"]).success();
    let run = setup.run(&["send", "--date", "2025-08-06"]);
    run.code(4).stdout_is(
        "nothing sent: no papers for 2025-08-06 from the sources that could be used; \
         left out: page (stale)\n",
    );
    assert_eq!(
        run.stderr_lines(),
        [
            "error: source `page` is stale: it serves the same 74 papers as on 2025-08-05; its papers are left out"
        ]
    );
    assert_eq!(setup.list("outbox"), ["2025-08-05"]);
}

#[test]
fn a_dry_run_does_not_count_as_the_previous_run() {
    let setup = Paperboy::new()
        .config(&config("[[sources]]\nname = \"page\"\npath = \"page.txt\"\n"))
        .sample_as("page.txt");
    setup.run(&["send", "--dry-run", "--date", "2025-08-05"]).success();
    assert!(!setup.path("cache/page/2025-08-05.listing").exists());
}

#[test]
fn papers_and_preview_end_with_the_sources_status_too() {
    let setup = with_hub_and_arxiv(&format!("{HUB}{ARXIV}"));
    setup.run(&["papers", "--date", "2025-08-20"]).code(4).stdout_has("\n41 papers\n");
    setup
        .run(&["preview", "--date", "2025-08-20"])
        .code(4)
        .stdout_has("left out: hub (stale); the digests carry the other sources' papers\n");
}
