//! The matching rules on real listings: each rule, checked against an independent reading
//! of the same file, through `send` (file transport) and `explain`.

use crate::harness::{Email, Paperboy, SAMPLE, SAMPLE_DATE, mentions, sample_papers};

const FEED: &str = "real/arxiv_rss_atom_cs.AI_2025-08-20.closed.xml";
const FEED_DATE: &str = "2025-08-20";
const HUB: &str = "real/hf_daily_papers_2024-10-25_first8.json";
const HUB_DATE: &str = "2024-10-25";

fn config(source: &str, subscriber: &str) -> String {
    format!(
        "[newsletter]\ntitle = \"Digest\"\nfrom = \"d@example.org\"\nmax_papers = 50\n\
         [[sources]]\nname = \"s\"\npath = \"{source}\"\n\
         [[subscribers]]\nemail = \"a@example.com\"\n{subscriber}\n"
    )
}

/// The titles in the digest `send` wrote for a@example.com, in order; none if no digest.
fn digest_titles(paperboy: &Paperboy, date: &str, candidates: &[String]) -> Vec<String> {
    let path = format!("outbox/{date}/a@example.com.eml");
    if !paperboy.path(&path).exists() {
        return Vec::new();
    }
    let text = crate::harness::squash(&Email::parse(&paperboy.read_bytes(&path)).text);
    let mut found: Vec<(usize, String)> = candidates
        .iter()
        .filter_map(|title| text.find(&crate::harness::squash(title)).map(|at| (at, title.clone())))
        .collect();
    found.sort();
    found.into_iter().map(|(_, title)| title).collect()
}

/// The `<entry>` blocks of an Atom feed that arXiv announced as new.
fn new_entries(feed: &str) -> Vec<&str> {
    feed.split("<entry>")
        .skip(1)
        .filter(|entry| entry.contains("<arxiv:announce_type>new</arxiv:announce_type>"))
        .collect()
}

fn tag<'e>(entry: &'e str, name: &str) -> &'e str {
    let open = format!("<{name}>");
    let start = entry.find(&open).map(|at| at + open.len()).unwrap_or(0);
    let end = entry[start..].find(&format!("</{name}>")).map_or(entry.len(), |at| start + at);
    &entry[start..end]
}

/// The arXiv ids (without version) of the feed's new entries that `keep` accepts.
fn feed_ids(keep: impl Fn(&str) -> bool) -> Vec<String> {
    let feed = std::fs::read_to_string(crate::harness::fixture_path(FEED)).unwrap();
    new_entries(&feed)
        .into_iter()
        .filter(|entry| keep(entry))
        .map(|entry| {
            let id = tag(entry, "id").rsplit(':').next().unwrap();
            id.rsplit_once('v').map_or(id, |(bare, _)| bare).to_owned()
        })
        .collect()
}

/// The arXiv ids whose abstract page the digest for a@example.com links, in order.
fn digest_ids(paperboy: &Paperboy, date: &str) -> Vec<String> {
    let path = format!("outbox/{date}/a@example.com.eml");
    if !paperboy.path(&path).exists() {
        return Vec::new();
    }
    let text = Email::parse(&paperboy.read_bytes(&path)).text;
    // Each paper's page stands on its own line under its title (and after `More:` again).
    text.split("\n   https://arxiv.org/abs/")
        .skip(1)
        .map(|rest| rest.split(|c: char| c.is_whitespace()).next().unwrap().to_owned())
        .collect()
}

fn sorted(mut titles: Vec<String>) -> Vec<String> {
    titles.sort();
    titles
}

#[test]
fn require_keeps_only_papers_that_also_mention_the_required_keyword() {
    let subscriber = "keywords = [\"knowledge distillation\"]\nrequire = [\"segmentation\"]";
    let paperboy = Paperboy::new().config(&config(SAMPLE, subscriber)).sample();
    paperboy.run(&["send", "--date", SAMPLE_DATE]).success();
    let titles: Vec<String> = sample_papers().into_iter().map(|p| p.title).collect();
    let expected: Vec<String> = sample_papers()
        .into_iter()
        .filter(|p| p.mentions("knowledge distillation") && p.mentions("segmentation"))
        .map(|p| p.title)
        .collect();
    assert!(!expected.is_empty() && expected.len() < 8, "{expected:?}");
    assert_eq!(sorted(digest_titles(&paperboy, SAMPLE_DATE, &titles)), sorted(expected));
}

#[test]
fn a_title_prefix_looks_in_titles_only() {
    let paperboy = Paperboy::new().config(&config(SAMPLE, "keywords = [\"title:Mamba\"]")).sample();
    paperboy.run(&["send", "--date", SAMPLE_DATE]).success();
    let titles: Vec<String> = sample_papers().into_iter().map(|p| p.title).collect();
    let in_title: Vec<String> = titles.iter().filter(|t| mentions(t, "Mamba")).cloned().collect();
    let anywhere = sample_papers().iter().filter(|p| p.mentions("Mamba")).count();
    assert!(in_title.len() < anywhere, "the sample must tell the two apart");
    assert_eq!(sorted(digest_titles(&paperboy, SAMPLE_DATE, &titles)), sorted(in_title));
}

#[test]
fn a_category_prefix_matches_arxiv_categories() {
    let paperboy = Paperboy::new()
        .config(&config("feed.xml", "keywords = [\"category:cs.LG\"]"))
        .fixture(FEED, "feed.xml");
    paperboy.run(&["send", "--date", FEED_DATE]).success();
    let expected = feed_ids(|entry| entry.contains("term=\"cs.LG\""));
    assert_eq!(expected.len(), 5);
    assert_eq!(sorted(digest_ids(&paperboy, FEED_DATE)), sorted(expected));
}

#[test]
fn an_author_prefix_matches_names_ignoring_case() {
    let feed = std::fs::read_to_string(crate::harness::fixture_path(FEED)).unwrap();
    let entry = new_entries(&feed)[1];
    let creators = tag(entry, "dc:creator");
    let first_author = creators.split(',').next().unwrap().trim().to_owned();
    let keyword = format!("keywords = [\"author:{}\"]", first_author.to_uppercase());
    let paperboy = Paperboy::new().config(&config("feed.xml", &keyword)).fixture(FEED, "feed.xml");
    paperboy.run(&["send", "--date", FEED_DATE]).success();
    let expected = feed_ids(|entry| {
        tag(entry, "dc:creator")
            .split(',')
            .any(|name| name.trim().eq_ignore_ascii_case(&first_author))
    });
    assert!(!expected.is_empty());
    assert_eq!(sorted(digest_ids(&paperboy, FEED_DATE)), sorted(expected));
}

#[test]
fn min_upvotes_leaves_out_papers_the_community_did_not_upvote() {
    let hub = std::fs::read_to_string(crate::harness::fixture_path(HUB)).unwrap();
    let entries: Vec<serde_json::Value> = serde_json::from_str(&hub).unwrap();
    let ids = |keep: &dyn Fn(u64) -> bool| -> Vec<String> {
        entries
            .iter()
            .filter(|e| keep(e["paper"]["upvotes"].as_u64().unwrap_or(0)))
            .map(|e| e["paper"]["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let expected = ids(&|upvotes| upvotes >= 30);
    assert!(expected.len() > 1 && expected.len() < entries.len());
    // "the" occurs in every abstract, so only min_upvotes decides.
    let paperboy = Paperboy::new()
        .config(&config("hub.json", "keywords = [\"the\"]\nmin_upvotes = 30"))
        .fixture(HUB, "hub.json");
    paperboy.run(&["send", "--date", HUB_DATE]).success();
    assert_eq!(sorted(digest_ids(&paperboy, HUB_DATE)), sorted(expected));
}

#[test]
fn explain_accounts_for_every_paper_of_the_day() {
    let subscriber = "keywords = [\"knowledge distillation\", \"Mamba\"]\nexclude = [\"semantic segmentation\"]\nmax_papers = 3";
    let paperboy = Paperboy::new().config(&config(SAMPLE, subscriber)).sample();
    let run = paperboy.run(&["explain", "--subscriber", "a@example.com", "--date", SAMPLE_DATE]);
    run.success();
    let outcomes: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| line.starts_with("  picked") || line.starts_with("  left out"))
        .collect();
    assert_eq!(outcomes.len(), 74, "{}", run.stdout);
    assert_eq!(outcomes.iter().filter(|l| l.starts_with("  picked")).count(), 3);
    assert!(outcomes.iter().any(|l| l.contains("cut by max_papers 3")));
    assert!(
        outcomes.iter().any(|l| l.contains("excluded by `semantic segmentation` (subscriber)"))
    );
    assert!(outcomes.iter().any(|l| l.contains("no keyword matched")));
    assert!(run.stdout.contains("matched `knowledge distillation` (own keywords"));

    // The picked papers are the ones send delivers, in the same order.
    paperboy.run(&["send", "--date", SAMPLE_DATE]).success();
    let titles: Vec<String> = sample_papers().into_iter().map(|p| p.title).collect();
    let sent = digest_titles(&paperboy, SAMPLE_DATE, &titles);
    let explained: Vec<&str> = run
        .stdout
        .split("\n\n")
        .filter(|block| block.contains("\n  picked"))
        .map(|block| block.lines().next().unwrap().rsplit_once("  [").unwrap().0)
        .collect();
    assert_eq!(sent, explained);
}

#[test]
fn explain_shows_min_score_at_work_and_one_paper_alone() {
    let paperboy = Paperboy::new()
        .config(&config(SAMPLE, "keywords = [\"distill*\"]\nmin_score = 3.3"))
        .sample();
    let run = paperboy.run(&["explain", "--subscriber", "a@example.com", "--date", SAMPLE_DATE]);
    assert!(run.success().stdout.contains("under min_score 3.3 (subscriber)"), "{}", run.stdout);
    let id = run
        .stdout
        .lines()
        .nth(2)
        .unwrap()
        .rsplit_once("  [")
        .unwrap()
        .1
        .trim_end_matches(']')
        .to_owned();
    let one = paperboy.run(&[
        "explain",
        "--subscriber",
        "a@example.com",
        "--date",
        SAMPLE_DATE,
        "--paper",
        &id,
    ]);
    assert_eq!(one.success().stdout.split("\n\n").count(), 2, "{}", one.stdout);
    paperboy
        .run(&[
            "explain",
            "--subscriber",
            "a@example.com",
            "--date",
            SAMPLE_DATE,
            "--paper",
            "title:0",
        ])
        .code(2);
    paperboy.run(&["explain", "--subscriber", "zoe@example.com", "--date", SAMPLE_DATE]).code(2);
}

#[test]
fn matched_words_are_marked_in_the_html() {
    let paperboy = Paperboy::new()
        .config(&config(SAMPLE, "keywords = [\"click-through rate\", \"Mamba\"]"))
        .sample();
    paperboy.run(&["send", "--date", SAMPLE_DATE]).success();
    let email =
        Email::parse(&paperboy.read_bytes(&format!("outbox/{SAMPLE_DATE}/a@example.com.eml")));
    assert!(email.html.contains(">Mamba</mark>"), "no highlight");
    assert!(
        email.text.contains("Matched: Mamba")
            || email.text.contains("Matched: click-through rate, Mamba")
    );
    assert!(!email.text.contains("<mark"));
}
