//! Readers' libraries and followed authors through the real binary: each format read from a
//! real export by `check`, a list of arXiv ids answered by a loopback server with the real
//! API's answers and then read offline from the cache, every kind of bad library, and
//! followed authors in `explain` and in the digest.

use crate::harness::{Email, Paperboy, fixture_path};
use crate::http::{HttpServer, Reply};

/// The real sample with authors: the Hub's eight papers of 2024-10-25.
const FEED: &str = "real/hf_daily_papers_2024-10-25_first8.json";
const FEED_DATE: &str = "2024-10-25";

/// A config with one subscriber and no source, so that `check` reads only the library.
fn config(extra: &str, subscriber: &str) -> String {
    format!(
        "[newsletter]\ntitle = \"Digest\"\nfrom = \"d@example.org\"\n{extra}\n\
         [[subscribers]]\nemail = \"a@example.com\"\nkeywords = [\"context\"]\n{subscriber}\n"
    )
}

/// The same with the day's listing as its source.
fn config_with_source(subscriber: &str) -> String {
    config("[[sources]]\nname = \"arxiv\"\npath = \"day.json\"\n", subscriber)
}

fn with_library(file: &str, contents: impl AsRef<[u8]>) -> Paperboy {
    Paperboy::new()
        .config(&config("", &format!("library = \"libraries/{file}\"")))
        .file(&format!("libraries/{file}"), contents)
}

fn library_fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(&format!("library/{name}"))).unwrap()
}

fn check_ok(libraries: &str) -> String {
    format!("ok: 1 subscriber, 0 topics, 0 sources, {libraries}, templates render\n")
}

#[test]
fn check_reads_each_format_of_a_real_export() {
    for (file, papers) in [("zotero.bib", 8), ("zotero-csl.json", 8), ("scholar-mendeley.bib", 5)] {
        let setup = with_library(file, library_fixture(file));
        setup
            .run(&["check"])
            .success()
            .stderr_is("")
            .stdout_is(&check_ok(&format!("1 library of {papers} papers")));
    }
}

#[test]
fn a_topics_shared_reading_list_is_read_once_for_check() {
    let setup = Paperboy::new()
        .config(&format!(
            "{}[topics.lab]\nlibrary = \"libraries/lab.json\"\n",
            config("", "topics = [\"lab\"]\nlibrary = \"libraries/lab.json\"")
        ))
        .fixture("library/zotero-csl.json", "libraries/lab.json");
    setup.run(&["check"]).success().stderr_is("").stdout_is(
        "ok: 1 subscriber, 1 topic, 0 sources, 1 library of 8 papers, templates render\n",
    );
}

#[test]
fn the_format_comes_from_the_content_not_the_name() {
    let setup = with_library("mine.txt", library_fixture("zotero-csl.json"));
    setup.run(&["check"]).success().stdout_is(&check_ok("1 library of 8 papers"));
}

/// The real API's answer to `id_list=0808.05394,1707.08567`: one found, one not.
fn idlist_answer() -> Vec<u8> {
    std::fs::read(fixture_path("real/arxiv_api_idlist_one_found_one_missing_2026-04-12.xml"))
        .unwrap()
}

fn arxiv_config(api: &str) -> String {
    config(
        &format!("[library]\narxiv_api = \"{api}\"\narxiv_delay_secs = 0\n"),
        "library = \"libraries/ids.txt\"",
    )
}

#[test]
fn arxiv_ids_are_asked_of_the_api_once_and_then_read_offline_from_the_cache() {
    let server = HttpServer::start(|_, _| Reply::Body(idlist_answer()));
    let setup = Paperboy::new()
        .config(&arxiv_config(&server.url("/api/query")))
        .fixture("library/arxiv-ids.txt", "libraries/ids.txt");
    let warning = "warning: libraries/ids.txt:3: arXiv does not know the id `0808.05394`; \
                   left out\n";

    setup.run(&["check"]).success().stderr_is(warning).stdout_is(&check_ok("1 library of 1 paper"));
    let seen = server.seen();
    assert_eq!(seen.len(), 1, "one batch: {seen:?}");
    assert_eq!(seen[0].path, "/api/query?id_list=1707.08567,0808.05394&max_results=2");
    assert_eq!(
        seen[0].user_agent.as_deref(),
        Some(concat!("paperboy/", env!("CARGO_PKG_VERSION")))
    );
    let cached = setup.read("library-cache/arxiv/1707.08567.json");
    assert!(cached.contains("Proceedings of Workshop AEW10"), "{cached}");
    assert!(cached.contains("Dirk Wübben"), "the API's mojibake repaired: {cached}");

    // The server is gone: only the cache can answer, the unknown id included.
    drop(server);
    setup.run(&["check"]).success().stderr_is(warning).stdout_is(&check_ok("1 library of 1 paper"));
}

#[test]
fn an_api_error_names_the_library() {
    let body =
        std::fs::read(fixture_path("real/arxiv_api_error_http400_bad_id_2026-04-12.xml")).unwrap();
    let server = HttpServer::start(move |_, _| Reply::Status {
        code: 400,
        headers: Vec::new(),
        body: body.clone(),
    });
    let api = server.url("/api/query");
    let setup =
        Paperboy::new().config(&arxiv_config(&api)).file("libraries/ids.txt", "2410.17243\n");
    setup.run(&["check"]).code(65).stderr_is(&format!(
        "error: libraries/ids.txt: cannot ask the arXiv API for titles and abstracts: \
         {api}?id_list=2410.17243&max_results=1: HTTP 400 Bad Request\n"
    ));
}

#[test]
fn an_answer_with_no_entries_leaves_every_id_out_by_its_line() {
    let body =
        std::fs::read(fixture_path("real/arxiv_api_idlist_no_results_2026-04-12.xml")).unwrap();
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&asked);
    let server = HttpServer::start(move |_, _| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Reply::Body(body.clone())
    });
    let setup = Paperboy::new()
        .config(&arxiv_config(&server.url("/api/query")))
        .file("libraries/ids.txt", "# nothing arXiv knows\n\n0000.00000\nsee 2410.16251\n");
    // An empty answer may be a passing fault: it is not kept, so the next run asks again.
    setup.run(&["check"]).success();
    assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 1);
    setup
        .run(&["check"])
        .success()
        .stderr_is(
            "warning: libraries/ids.txt:4: `see 2410.16251` is not an arXiv id (like 2407.12345); \
             left out\n\
             warning: libraries/ids.txt:3: arXiv does not know the id `0000.00000`; left out\n\
             warning: libraries/ids.txt: the library has no papers paperboy can use; it picks \
             nothing\n",
        )
        .stdout_is(&check_ok("1 library of 0 papers"));
    assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[test]
fn each_bad_library_gives_its_error_or_warning() {
    let cases: [(&str, &[u8], i32, &str); 6] = [
        (
            "notes.txt",
            b"Papers to read\n2410.17243\n",
            65,
            "error: libraries/notes.txt:1: `Papers to read` starts no library paperboy reads: \
             BibTeX (`@article{...`), CSL-JSON (`[{...`) or one arXiv id a line\n",
        ),
        (
            "broken.json",
            b"[\n  {\"title\": \"A\"},\n  {\"title\": }\n]\n",
            65,
            "error: libraries/broken.json:3: not valid CSL-JSON: expected value at line 3 \
             column 13\n",
        ),
        (
            "binary.bib",
            b"@misc{a,\n title={A}}\n\0\0",
            65,
            "error: libraries/binary.bib:3: binary data (a NUL byte), not a library\n",
        ),
        (
            "untitled.bib",
            b"@misc{a,\n title={Attention Is All You Need}}\n\n@misc{b,\n author={Li, Fei-Fei}}\n",
            0,
            "warning: libraries/untitled.bib:4: entry `b` has no title; left out\n",
        ),
        (
            "empty.json",
            b"[]\n",
            0,
            "warning: libraries/empty.json: the library has no papers paperboy can use; it \
             picks nothing\n",
        ),
        (
            "ids.txt",
            b"2410.17243 and 2410.16251\n",
            65,
            "error: libraries/ids.txt:1: `2410.17243 and 2410.16251` starts no library paperboy \
             reads: BibTeX (`@article{...`), CSL-JSON (`[{...`) or one arXiv id a line\n",
        ),
    ];
    for (file, contents, code, stderr) in cases {
        with_library(file, contents).run(&["check"]).code(code).stderr_is(stderr);
    }
}

#[test]
fn a_library_that_is_not_there_is_an_error_naming_it() {
    let setup = Paperboy::new().config(&config("", "library = \"libraries/gone.bib\""));
    setup.run(&["check"]).code(65).stderr_is(
        "error: libraries/gone.bib: no such file; export the library there, or fix `library` \
         in the config\n",
    );
}

#[test]
fn a_broken_library_at_send_is_reported_for_its_reader_and_the_others_get_their_digests() {
    let text = format!(
        "{}[[subscribers]]\nemail = \"b@example.com\"\nkeywords = [\"context\"]\n\
         library = \"libraries/good.bib\"\n",
        config_with_source("library = \"libraries/gone.bib\"")
    );
    let setup = Paperboy::new()
        .fixture(FEED, "day.json")
        .config(&text)
        .fixture("library/zotero.bib", "libraries/good.bib");
    let run = setup.run(&["send", "--date", FEED_DATE]);
    run.code(1).stdout_has("sent 2, skipped 0 with no matching papers, failed 0");
    let lines = run.stderr_lines();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(lines[0].starts_with("error: a@example.com: libraries/gone.bib: "), "{}", run.stderr);
    assert!(setup.path(&format!("outbox/{FEED_DATE}/a@example.com.eml")).exists());
    assert!(setup.path(&format!("outbox/{FEED_DATE}/b@example.com.eml")).exists());
}

/// Followed across an initial, a comma, capitals and an accent: "Z. Tang" is Zecheng Tang,
/// "AN, Chénxin" is Chenxin An, "Hao Chen" is Framer's Hao Chen (whose paper `exclude` rules
/// out) and not Zhekai Chen, and none of the sample's other Lis, Zhangs or Chens.
const FOLLOWS: &str = "authors = [\"Z. Tang\", \"AN, Chénxin\", \"Hao Chen\"]\n\
                       keywords = [\"hallucinations\"]\nexclude = [\"frame interpolation\"]\n";

fn following() -> Paperboy {
    Paperboy::new().fixture(FEED, "day.json").config(&format!(
        "[newsletter]\ntitle = \"Digest\"\nfrom = \"d@example.org\"\n\
         [[sources]]\nname = \"arxiv\"\npath = \"day.json\"\n\
         [[subscribers]]\nemail = \"a@example.com\"\n{FOLLOWS}"
    ))
}

#[test]
fn papers_by_followed_authors_come_first_in_explain_with_their_reason() {
    let run = following().run(&["explain", "--subscriber", "a@example.com", "--date", FEED_DATE]);
    let out = &run.success().stdout;
    assert!(
        out.starts_with("a@example.com on 2024-10-25: 8 papers in the listing, 3 picked"),
        "{out}"
    );
    // Both followed papers before the keyword's best match, whatever their scores.
    for expected in [
        "LOGO – Long cOntext aliGnment via efficient preference Optimization  [arxiv:2410.18533]\n  \
         picked, #1 · score 1.23\n  by an author you follow: Zecheng Tang\n",
        "Why Does the Effective Context Length of LLMs Fall Short?  [arxiv:2410.18745]\n  \
         picked, #2\n  by an author you follow: Chenxin An\n",
        "Can Knowledge Editing Really Correct Hallucinations?  [arxiv:2410.16251]\n  \
         picked, #3 · score 2.53\n  matched",
        "Framer: Interactive Frame Interpolation  [arxiv:2410.18978]\n  left out: excluded by \
         `frame interpolation` (subscriber)\n  by an author you follow: Hao Chen\n",
    ] {
        assert!(out.contains(expected), "{expected}\nnot in\n{out}");
    }
    // Zhekai Chen, Kehan Li, Jialu Li, Jun Zhang and the others are nobody followed.
    assert_eq!(out.matches("by an author you follow").count(), 3, "{out}");
}

#[test]
fn the_digest_gives_the_reason_in_both_parts() {
    let setup = following();
    setup.run(&["send", "--date", FEED_DATE]).success();
    let email = Email::parse(&setup.read_bytes(&format!("outbox/{FEED_DATE}/a@example.com.eml")));
    let text = crate::harness::squash(&email.text);
    let logo = text.find("LOGO – Long cOntext").unwrap();
    let length = text.find("Why Does the Effective Context Length").unwrap();
    let editing = text.find("Can Knowledge Editing Really").unwrap();
    assert!(logo < length && length < editing, "{text}");
    assert!(text.contains("By an author you follow: Zecheng Tang"), "{text}");
    assert!(text.contains("By an author you follow: Chenxin An"), "{text}");
    assert!(!text.contains("Framer"), "{text}");
    for name in ["Zecheng Tang", "Chenxin An"] {
        let line = format!("By an author you follow: {name}</p>");
        assert!(email.html.contains(&line), "{line} not in {}", email.html);
    }
}

#[test]
fn a_surname_alone_is_refused_with_its_line() {
    let setup = Paperboy::new().fixture(FEED, "day.json").config(
        "[newsletter]\ntitle = \"Digest\"\nfrom = \"d@example.org\"\n\
         [[subscribers]]\nemail = \"a@example.com\"\nauthors = [\"Li\"]\n",
    );
    setup
        .run(&["check"])
        .code(78)
        .stderr_has("paperboy.toml:6: `subscribers[0].authors`: `Li` has no given name or initial");
}
