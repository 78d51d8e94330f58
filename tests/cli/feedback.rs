//! Votes: the "more like this" / "fewer like this" links of a digest, answered by the real
//! `paperboy serve` over HTTP on loopback, recorded in the journal, and listed and forgotten
//! by `paperboy feedback`.

use crate::harness::{
    Email, Paperboy, SAMPLE, SAMPLE_DATE, http_agent as agent, squash, unescape_html,
};

const SECRET: &str = "test-secret-not-for-production";
const ALICE: &str = "alice@example.com";
const BOB: &str = "bob+news@example.com";

/// Votes only (no unsubscribe link), the sample, the file transport.
fn config() -> String {
    format!(
        "[newsletter]\ntitle = \"Digest\"\nfrom = \"d@example.org\"\n\
         feedback_url = \"https://example.org/vote/{{paper}}/{{vote}}?email={{email}}&token={{token}}\"\n\
         [[sources]]\nname = \"hf\"\npath = \"{SAMPLE}\"\n\
         [delivery]\ntransport = \"file\"\ndir = \"outbox\"\nstate = \"paperboy.db\"\n\
         [[subscribers]]\nemail = \"{ALICE}\"\nkeywords = [\"knowledge distillation\"]\nmax_papers = 3\n\
         [[subscribers]]\nemail = \"{BOB}\"\nkeywords = [\"knowledge distillation\"]\nmax_papers = 3\n"
    )
}

/// A paper's two links, as paths on the server.
#[derive(Debug, Clone)]
struct Links {
    up: String,
    down: String,
}

impl Links {
    fn token(link: &str) -> &str {
        link.rsplit("token=").next().unwrap()
    }
}

/// Every paper's links in a subscriber's previewed digest, in digest order.
fn links_for(paperboy: &Paperboy, email: &str) -> Vec<Links> {
    let html = unescape_html(&paperboy.read(&format!("preview/{email}.html")));
    let mut hrefs = html
        .split("href=\"https://example.org")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
        .filter(|href| href.starts_with("/vote/"));
    let mut links = Vec::new();
    while let (Some(up), Some(down)) = (hrefs.next(), hrefs.next()) {
        assert!(up.contains("/up?") && down.contains("/down?"), "{up} {down}");
        links.push(Links { up, down });
    }
    links
}

/// The sample sent (so the journal lists its papers) and previewed (for the links).
fn sent() -> Paperboy {
    sent_with(&config())
}

/// The sample sent and previewed with `config`, the secret set.
fn sent_with(config: &str) -> Paperboy {
    let paperboy = Paperboy::new().config(config).sample().env("PAPERBOY_SECRET", SECRET);
    paperboy.run(&["send", "--date", SAMPLE_DATE]).success();
    paperboy.run(&["preview", "--date", SAMPLE_DATE]).success();
    paperboy
}

fn serve(paperboy: &Paperboy) -> crate::harness::Background {
    paperboy.server(&["serve", "--listen", "127.0.0.1:0"])
}

/// `feedback list --format json` as values.
fn votes(paperboy: &Paperboy) -> Vec<serde_json::Value> {
    let run = paperboy.run(&["feedback", "list", "--format", "json"]);
    run.success();
    serde_json::from_str(&run.stdout).unwrap()
}

fn post(url: &str) -> (u16, String) {
    let mut answer = agent().post(url).send("").unwrap();
    (answer.status().as_u16(), answer.body_mut().read_to_string().unwrap())
}

fn get(url: &str) -> (u16, String) {
    let mut answer = agent().get(url).call().unwrap();
    (answer.status().as_u16(), answer.body_mut().read_to_string().unwrap())
}

#[test]
fn every_paper_of_the_html_digest_has_both_links_and_the_text_part_none() {
    let paperboy = sent();
    let html = paperboy.read(&format!("preview/{ALICE}.html"));
    assert_eq!(html.matches("class=\"paper\"").count(), 3);
    assert_eq!(html.matches(">More like this</a>").count(), 3);
    assert_eq!(html.matches(">Fewer like this</a>").count(), 3);
    assert_eq!(links_for(&paperboy, ALICE).len(), 3);
    assert!(!paperboy.read(&format!("preview/{ALICE}.txt")).contains("/vote/"));
    // Bob's links are his own, though his digest has the same papers.
    let (alice, bob) = (links_for(&paperboy, ALICE), links_for(&paperboy, BOB));
    assert_eq!(alice[0].up.split('?').next(), bob[0].up.split('?').next());
    assert!(bob[0].up.contains("email=bob%2Bnews%40example.com&token="), "{}", bob[0].up);
    assert_ne!(Links::token(&alice[0].up), Links::token(&bob[0].up));
}

#[test]
fn a_get_names_the_paper_and_records_nothing_and_a_post_records_the_vote_once() {
    let paperboy = sent();
    let server = serve(&paperboy);
    let links = links_for(&paperboy, ALICE);
    let up = format!("{}{}", server.base, links[0].up);

    let (status, page) = get(&up);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("More papers like <strong>") && page.contains("<form method=\"post\">"));
    let html = paperboy.read(&format!("preview/{ALICE}.html"));
    let title = page.split("<strong>").nth(1).unwrap().split("</strong>").next().unwrap();
    assert!(html.contains(title), "the page names a paper of the digest: {title}");
    assert_eq!(votes(&paperboy), Vec::<serde_json::Value>::new(), "a GET records nothing");

    let (status, page) = post(&up);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Noted: more papers like"), "{page}");
    let first = votes(&paperboy);
    assert_eq!(first.len(), 1);
    assert_eq!(first[0]["subscriber"], ALICE);
    assert_eq!(first[0]["vote"], "up");
    assert_eq!(first[0]["title"].as_str(), Some(unescape_html(title).as_str()));

    // A second POST (a double click, a client retrying) changes nothing, not even the time.
    assert_eq!(post(&up).0, 200);
    assert_eq!(votes(&paperboy), first);
    assert_eq!(server.stderr().matches("vote up on").count(), 1, "{}", server.stderr());

    // The other link replaces the vote.
    assert_eq!(post(&format!("{}{}", server.base, links[0].down)).0, 200);
    let now = votes(&paperboy);
    assert_eq!((now.len(), now[0]["vote"].as_str()), (1, Some("down")));
}

#[test]
fn forged_misused_or_missing_tokens_are_refused_and_record_nothing() {
    let paperboy = sent();
    let server = serve(&paperboy);
    let links = links_for(&paperboy, ALICE);
    let (first, second) = (&links[0], &links[1]);
    let mut forged_token = Links::token(&first.up).to_owned();
    let flipped = if forged_token.starts_with('0') { "1" } else { "0" };
    forged_token.replace_range(0..1, flipped);
    let with_token = |link: &str, token: &str| {
        format!("{}token={token}", &link[..link.rfind("token=").unwrap()])
    };
    let refused = [
        // A token of the right shape that nobody made.
        with_token(&first.up, &forged_token),
        // The first paper's token on the second paper's link.
        with_token(&second.up, Links::token(&first.up)),
        // The down vote's token on the up link.
        with_token(&first.up, Links::token(&first.down)),
        // No token at all.
        first.up[..first.up.rfind("&token=").unwrap()].to_owned(),
        with_token(&first.up, ""),
        // Alice's token for Bob.
        first.up.replace("alice%40example.com", "bob%2Bnews%40example.com"),
    ];
    for link in &refused {
        let url = format!("{}{link}", server.base);
        for (status, page) in [post(&url), get(&url)] {
            assert_eq!(status, 403, "{link}: {page}");
            assert!(page.contains("not valid"), "{page}");
        }
    }
    assert_eq!(votes(&paperboy), Vec::<serde_json::Value>::new());
}

#[test]
fn a_paper_no_listing_holds_is_404_even_with_a_good_token() {
    // Previewed only: no send, so no journal and no listing.
    let paperboy = Paperboy::new().config(&config()).sample().env("PAPERBOY_SECRET", SECRET);
    paperboy.run(&["preview", "--date", SAMPLE_DATE]).success();
    let server = serve(&paperboy);
    let up = format!("{}{}", server.base, links_for(&paperboy, ALICE)[0].up);
    assert_eq!(get(&up).0, 404);
    assert_eq!(post(&up).0, 404);
    assert!(!paperboy.path("paperboy.db").exists(), "a refused vote creates no journal");
    // And with a journal that lists other papers, and a token rightly made for the paper.
    paperboy.run(&["send", "--date", SAMPLE_DATE]).success();
    let token = vote_token(ALICE, "arxiv:1503.02531", "up");
    let unknown = format!(
        "{}/vote/arxiv%3A1503.02531/up?email=alice%40example.com&token={token}",
        server.base
    );
    let (status, page) = post(&unknown);
    assert_eq!(status, 404, "{page}");
    assert_eq!(get(&unknown).0, 404);
    let tampered = up.replacen("/vote/title%3A", "/vote/title%3A0", 1);
    assert_eq!(post(&tampered).0, 403, "the token covers the paper id");
    assert_eq!(votes(&paperboy), Vec::<serde_json::Value>::new());
}

/// A vote token as paperboy makes it: HMAC-SHA256 over `paperboy\0vote` and the
/// length-prefixed address, paper and vote, its first 16 bytes in hex.
fn vote_token(email: &str, paper: &str, vote: &str) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(b"paperboy\0vote");
    for field in [email, paper, vote] {
        mac.update(&(field.len() as u64).to_be_bytes());
        mac.update(field.as_bytes());
    }
    mac.finalize().into_bytes()[..16].iter().map(|byte| format!("{byte:02x}")).collect()
}

#[test]
fn a_vote_link_with_a_body_past_the_limit_is_refused_and_records_nothing() {
    let paperboy = sent();
    let server = serve(&paperboy);
    let up = format!("{}{}", server.base, links_for(&paperboy, ALICE)[0].up);
    let body = vec![b'x'; 65 * 1024];
    let answer = agent().post(&up).send(&body[..]).unwrap();
    assert_eq!(answer.status().as_u16(), 413);
    assert_eq!(votes(&paperboy), Vec::<serde_json::Value>::new());
}

#[test]
fn feedback_list_and_forget_show_and_remove_votes() {
    let paperboy = sent();
    let server = serve(&paperboy);
    let (alice, bob) = (links_for(&paperboy, ALICE), links_for(&paperboy, BOB));
    for link in [&alice[0].up, &alice[1].down, &bob[0].down] {
        assert_eq!(post(&format!("{}{link}", server.base)).0, 200);
    }
    drop(server);

    let list = paperboy.run(&["feedback", "list"]);
    list.success();
    let lines: Vec<&str> = list.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", list.stdout);
    assert!(lines[0].starts_with("SUBSCRIBER") && lines[0].contains("TITLE"), "{}", lines[0]);
    assert!(lines[1].starts_with(ALICE) && lines[3].starts_with(BOB), "{}", list.stdout);
    let bobs = paperboy.run(&["feedback", "list", "--subscriber", "Bob+News@Example.com"]);
    assert_eq!(bobs.success().stdout.lines().count(), 2, "{}", bobs.stdout);

    let paper = votes(&paperboy)
        .iter()
        .find(|vote| vote["subscriber"] == ALICE && vote["vote"] == "down")
        .map(|vote| vote["paper"].as_str().unwrap().to_owned())
        .unwrap();
    paperboy
        .run(&["feedback", "forget", ALICE, "--paper", &paper])
        .stdout_is("forgot 1 vote of alice@example.com\n");
    paperboy.run(&["feedback", "forget", ALICE]).stdout_is("forgot 1 vote of alice@example.com\n");
    paperboy.run(&["feedback", "forget", ALICE]).stdout_is("forgot 0 votes of alice@example.com\n");
    let left = votes(&paperboy);
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["subscriber"], BOB);
}

#[test]
fn feedback_list_without_a_journal_says_no_votes() {
    let paperboy = Paperboy::new().config(&config()).sample();
    paperboy.run(&["feedback", "list"]).stdout_is("no votes\n");
    assert!(!paperboy.path("paperboy.db").exists());
}

#[test]
fn serve_with_neither_link_says_so_and_feedback_needs_the_secret() {
    let neither = config().replace(
        "feedback_url = \"https://example.org/vote/{paper}/{vote}?email={email}&token={token}\"\n",
        "",
    );
    Paperboy::new()
        .config(&neither)
        .sample()
        .env("PAPERBOY_SECRET", SECRET)
        .run(&["serve", "--listen", "127.0.0.1:0"])
        .code(78)
        .stderr_has("nor is newsletter.feedback_url");
    Paperboy::new()
        .config(&config())
        .sample()
        .run(&["serve", "--listen", "127.0.0.1:0"])
        .code(78)
        .stderr_has("`newsletter.feedback_url`");
    Paperboy::new()
        .config(&config())
        .sample()
        .run(&["preview", "--date", SAMPLE_DATE])
        .code(78)
        .stderr_has("PAPERBOY_SECRET");
}

#[test]
fn one_server_answers_both_unsubscribe_and_vote_links() {
    let both = config().replace(
        "feedback_url",
        "unsubscribe_url = \"https://example.org/vote/unsubscribe?email={email}&token={token}\"\nfeedback_url",
    );
    let paperboy = sent_with(&both);
    let server = serve(&paperboy);
    let up = format!("{}{}", server.base, links_for(&paperboy, ALICE)[0].up);
    assert_eq!(post(&up).0, 200);
    assert_eq!(votes(&paperboy).len(), 1);
    let (status, page) =
        get(&format!("{}/vote/unsubscribe?email=alice%40example.com&token=00", server.base));
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("unsubscribe link is not valid"), "{page}");
}

#[test]
fn a_vote_is_recorded_while_another_process_reads_the_journal_mid_transaction() {
    let paperboy = sent();
    let server = serve(&paperboy);
    let up = format!("{}{}", server.base, links_for(&paperboy, ALICE)[0].up);
    // A reader in the middle of a transaction, as `send` or `history` may be.
    let reader = rusqlite::Connection::open(paperboy.path("paperboy.db")).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let listed: i64 = reader.query_row("SELECT count(*) FROM listings", [], |r| r.get(0)).unwrap();
    assert!(listed > 0);
    let (status, page) = post(&up);
    assert_eq!(status, 200, "{page}");
    let seen: i64 = reader.query_row("SELECT count(*) FROM votes", [], |r| r.get(0)).unwrap();
    assert_eq!(seen, 0, "the reader keeps its snapshot");
    reader.execute_batch("COMMIT").unwrap();
    assert_eq!(votes(&paperboy).len(), 1);
}

#[test]
fn an_unsubscribe_link_serve_cannot_answer_does_not_stop_the_vote_links() {
    let mailto = config().replace(
        "feedback_url",
        "unsubscribe_url = \"mailto:leave@example.org?subject={email}\"\nfeedback_url",
    );
    let paperboy = sent_with(&mailto);
    let server = serve(&paperboy);
    assert!(server.stderr().contains("serving the vote links only"), "{}", server.stderr());
    let up = format!("{}{}", server.base, links_for(&paperboy, ALICE)[0].up);
    assert_eq!(post(&up).0, 200);
    assert_eq!(votes(&paperboy).len(), 1);
}

const NEXT_DATE: &str = "2025-08-06";

/// Half the sample's papers (every other one, from the `first`) as the listing of `day`, so
/// that each day has papers the other has not.
fn half_listing(day: &str, first: usize) -> String {
    let papers = crate::harness::sample_papers();
    let mut text = format!("Daily Papers\n\n{day}\n\n");
    for paper in papers.iter().skip(first).step_by(2) {
        text.push_str(&format!("{}\n\n{}\n\n", paper.title, paper.abstract_text));
    }
    text
}

/// The first half sent on the sample's day and previewed (for the links), the second half
/// in place as the next day's listing.
fn sent_before_next_day() -> Paperboy {
    let paperboy = Paperboy::new()
        .config(&config())
        .file(SAMPLE, half_listing("Aug 5", 0))
        .env("PAPERBOY_SECRET", SECRET)
        // The day the votes are cast on.
        .env("PAPERBOY_NOW", "2025-08-05T18:00:00Z");
    paperboy.run(&["send", "--date", SAMPLE_DATE]).success();
    paperboy.run(&["preview", "--date", SAMPLE_DATE]).success();
    std::fs::write(paperboy.path(SAMPLE), half_listing("Aug 6", 1)).unwrap();
    paperboy
}

fn explain_next_day(paperboy: &Paperboy, email: &str) -> String {
    let run = paperboy.run(&["explain", "--subscriber", email, "--date", NEXT_DATE]);
    run.success().stdout.clone()
}

/// The title a vote page names, as the listing writes it.
fn voted_title(server: &crate::harness::Background, link: &str) -> String {
    let (status, page) = get(&format!("{}{link}", server.base));
    assert_eq!(status, 200, "{page}");
    unescape_html(page.split("<strong>").nth(1).unwrap().split("</strong>").next().unwrap())
}

/// The blocks of an `explain`, each one paper's, by title.
fn verdicts(explain: &str) -> Vec<(String, String)> {
    explain
        .split("\n\n")
        .skip(1)
        .map(|block| (block[..block.find("  [").unwrap()].to_owned(), block.to_owned()))
        .collect()
}

fn picked(explain: &str) -> Vec<String> {
    let picked = verdicts(explain).into_iter().filter(|(_, b)| b.contains("\n  picked, #"));
    picked.map(|(title, _)| title).collect()
}

/// A vote cast through the real `serve`, by POST to the link of the digest.
fn vote(paperboy: &Paperboy, link: &str) -> String {
    let server = serve(paperboy);
    let title = voted_title(&server, link);
    let (status, page) = post(&format!("{}{link}", server.base));
    assert_eq!(status, 200, "{page}");
    title
}

/// The plain-text part of the digest `send` wrote for the next day, if it wrote one, its
/// lines joined.
fn next_days_digest(paperboy: &Paperboy, email: &str) -> Option<String> {
    let path = format!("outbox/{NEXT_DATE}/{email}.eml");
    let text = |path: &str| squash(&Email::parse(&paperboy.read_bytes(path)).text);
    paperboy.path(&path).exists().then(|| text(&path))
}

#[test]
fn an_up_vote_through_serve_brings_papers_like_it_into_the_next_days_digest() {
    let paperboy = sent_before_next_day();
    let before = explain_next_day(&paperboy, ALICE);
    assert!(!before.contains("like your"), "{before}");
    let title = vote(&paperboy, &links_for(&paperboy, ALICE)[0].up);
    let reason = format!("like your vote on 2025-08-05 for '{title}'");

    let after = explain_next_day(&paperboy, ALICE);
    // Alice has keywords and no library: the up vote alone picks a paper no keyword matches.
    let by_vote: Vec<(String, String)> = verdicts(&after)
        .into_iter()
        .filter(|(_, b)| b.contains("\n  picked, #") && !b.contains("matched `"))
        .collect();
    assert!(!by_vote.is_empty(), "{after}");
    for (paper, block) in &by_vote {
        assert!(block.contains(&reason), "{block}");
        let was = &verdicts(&before).into_iter().find(|(t, _)| t == paper).unwrap().1;
        assert!(was.contains("left out: no keyword matched"), "{was}");
    }
    assert!(after.contains("under min_similarity 0.08\n"), "{after}");

    paperboy.run(&["send", "--date", NEXT_DATE]).success();
    let digest = next_days_digest(&paperboy, ALICE).unwrap();
    for (paper, _) in &by_vote {
        assert!(digest.contains(paper.as_str()), "{digest}");
    }
    assert!(digest.contains(&format!("Why: {reason}")), "{digest}");
    // Bob, who did not vote, gets his keywords' papers as before.
    assert!(!next_days_digest(&paperboy, BOB).unwrap().contains("Why:"));
}

#[test]
fn a_down_vote_through_serve_pushes_a_paper_like_it_out_of_the_next_days_digest() {
    let paperboy = sent_before_next_day();
    let before = explain_next_day(&paperboy, BOB);
    let title = vote(&paperboy, &links_for(&paperboy, BOB)[1].down);
    let after = explain_next_day(&paperboy, BOB);
    let reason = format!("left out: fewer like your vote on 2025-08-05 for '{title}'");
    let pushed_out: Vec<String> =
        picked(&before).into_iter().filter(|paper| !picked(&after).contains(paper)).collect();
    assert!(!pushed_out.is_empty(), "{after}");
    for paper in &pushed_out {
        let block = &verdicts(&after).into_iter().find(|(t, _)| t == paper).unwrap().1;
        // It matches Bob's keyword still, and is out for being like the paper he voted down.
        assert!(block.contains("matched `knowledge distillation`"), "{block}");
        assert!(block.contains(&reason), "{block}");
    }
    paperboy.run(&["send", "--date", NEXT_DATE]).success();
    let digest = next_days_digest(&paperboy, BOB).unwrap_or_default();
    for paper in &pushed_out {
        assert!(!digest.contains(paper.as_str()), "{digest}");
    }
    // Alice's digest, with the same keyword and no vote, still has them.
    let alice = next_days_digest(&paperboy, ALICE).unwrap();
    assert!(pushed_out.iter().all(|paper| alice.contains(paper.as_str())), "{alice}");
}

#[test]
fn a_reader_with_a_library_who_votes_is_ranked_against_both() {
    let with_library = config().replace(
        "keywords = [\"knowledge distillation\"]\nmax_papers = 3\n[[subscribers]]",
        "library = \"libraries/kd.json\"\nmax_papers = 3\n[[subscribers]]",
    );
    let paperboy = Paperboy::new()
        .config(&with_library)
        .fixture("similar/distillation.json", "libraries/kd.json")
        .file(SAMPLE, half_listing("Aug 5", 0))
        .env("PAPERBOY_SECRET", SECRET)
        .env("PAPERBOY_NOW", "2025-08-05T18:00:00Z");
    paperboy.run(&["send", "--date", SAMPLE_DATE]).success();
    paperboy.run(&["preview", "--date", SAMPLE_DATE]).success();
    std::fs::write(paperboy.path(SAMPLE), half_listing("Aug 6", 1)).unwrap();
    let before = explain_next_day(&paperboy, ALICE);
    let title = vote(&paperboy, &links_for(&paperboy, ALICE)[0].down);
    let after = explain_next_day(&paperboy, ALICE);
    // The library still picks: its entries are named as before, beside the vote.
    // The library still counts: its other entries are named as before, beside the vote.
    let library = "  like your '";
    assert!(before.contains(library) && after.contains(library), "{after}");
    assert!(
        after.contains(&format!("fewer like your vote on 2025-08-05 for '{title}'")),
        "{after}"
    );
    // The voted-down paper is in the library too: the vote wins, it counts no longer as liked.
    assert!(before.contains(&format!("  like your '{title}'")), "{before}");
    assert!(!after.contains(&format!("  like your '{title}'")), "{after}");
    let pushed_out = picked(&before).into_iter().filter(|p| !picked(&after).contains(p));
    assert!(pushed_out.count() > 0, "{after}");
    assert!(!before.contains("your vote"), "{before}");
}
