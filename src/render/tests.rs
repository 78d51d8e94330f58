use std::path::Path;

use chrono::NaiveDate;

use super::*;
use crate::config::{AbstractLength, Config};
use crate::paper::LinkKind;
use crate::paper::Paper;
use crate::source::{self, Source};
use crate::unsubscribe::UnsubscribeLinks;

fn sample_papers() -> Vec<Paper> {
    let text = include_str!("../../examples/hf-daily-papers-aug5.txt");
    source::parse(text, &Source::file("hf", "hf-daily-papers-aug5.txt"), date()).unwrap().papers
}

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 8, 5).unwrap()
}

fn config(subscriber: &str) -> Config {
    let text = format!(
        "[newsletter]\ntitle = \"Daily Papers Digest\"\nfrom = \"Digest <d@example.org>\"\n\
         unsubscribe_url = \"https://example.org/u?email={{email}}\"\n\
         [topics.distillation]\nkeywords = [\"knowledge distillation\"]\n\
         [[subscribers]]\n{subscriber}\n"
    );
    Config::parse(&text, Path::new("paperboy.toml")).unwrap()
}

fn renderer(config: &Config, overrides: Option<&Path>) -> Renderer {
    let links = UnsubscribeLinks::from_config(config).unwrap();
    Renderer::new(overrides, links).unwrap()
}

/// The first subscriber's digest of `papers`.
fn digest_of<'a>(config: &'a Config, papers: &'a [Paper]) -> Digest<'a> {
    Digest::for_each_subscriber(config, &config.subscribers, papers, date()).remove(0)
}

/// Renders with the template folder `overrides`, or the built-in templates.
fn render_with(overrides: Option<&Path>, subscriber: &str, papers: &[Paper]) -> RenderedDigest {
    let config = config(subscriber);
    let digest = digest_of(&config, papers);
    renderer(&config, overrides).render(&digest, &config.newsletter).unwrap()
}

fn render_for(subscriber: &str, papers: &[Paper]) -> RenderedDigest {
    render_with(None, subscriber, papers)
}

const ALICE: &str =
    "email = \"alice@example.com\"\nname = \"Alice\"\ntopics = [\"distillation\"]\nmax_papers = 3";

#[test]
fn text_digest_snapshot() {
    let rendered = render_for(ALICE, &sample_papers());
    assert_eq!(rendered.subject, "Daily Papers Digest — 2025-08-05 — 3 papers for you");
    insta::assert_snapshot!(rendered.text);
}

#[test]
fn html_digest_snapshot() {
    insta::assert_snapshot!(render_for(ALICE, &sample_papers()).html);
}

#[test]
fn an_empty_digest_says_so() {
    let rendered =
        render_for("email = \"c@example.com\"\nkeywords = [\"protein folding\"]", &sample_papers());
    assert_eq!(rendered.subject, "Daily Papers Digest — 2025-08-05 — no new papers for you");
    assert!(rendered.text.contains("No paper matched your topics today."));
    assert!(rendered.html.contains("No paper matched your topics today."));
}

#[test]
fn text_lines_fit_78_columns_except_lone_urls() {
    let subscriber = "email = \"a@example.com\"\nkeywords = [\"model\"]\nmax_papers = 74";
    let text = render_for(subscriber, &sample_papers()).text;
    for line in text.lines() {
        // `Code: URL`, `More: URL`: a label and an unbreakable URL.
        let words: Vec<&str> = line.split_whitespace().collect();
        let lone_url = words.last().is_some_and(|w| w.contains("://"))
            && words[..words.len() - 1].iter().all(|w| !w.contains("://"))
            && words[..words.len() - 1].join(" ").chars().count() < 20;
        assert!(line.chars().count() <= 78 || lone_url, "too long: {line}");
    }
}

#[test]
fn markup_in_papers_is_escaped_in_html_and_kept_in_text() {
    let mut papers = sample_papers();
    papers[0].title = "Knowledge distillation <script>alert(1)</script>".into();
    let rendered = render_for(ALICE, &papers);
    assert!(!rendered.html.contains("<script>"));
    assert!(rendered.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(rendered.text.contains("<script>alert(1)</script>"));
}

#[test]
fn a_template_folder_overrides_only_what_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("digest.txt"), "{{ count }} for {{ subscriber.email }}")
        .unwrap();
    std::fs::write(dir.path().join("notes.md"), "not a template").unwrap();
    let rendered = render_with(Some(dir.path()), ALICE, &sample_papers());
    assert_eq!(rendered.text, "3 for alice@example.com");
    assert!(rendered.html.contains("<!DOCTYPE html>"));
}

#[test]
fn a_broken_template_is_refused_before_any_render() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("digest.html"), "{% if %}").unwrap();
    let err = Renderer::new(Some(dir.path()), None).err().unwrap().to_string();
    assert!(err.starts_with(&format!("template `{}`", dir.path().display())), "{err}");
    assert!(err.contains("digest.html"), "{err}");
}

#[test]
fn an_undefined_variable_is_an_error_naming_template_and_subscriber() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("digest.txt"), "{{ nonsense }}").unwrap();
    let config = config(ALICE);
    let papers = sample_papers();
    let digest = digest_of(&config, &papers);
    let err = renderer(&config, Some(dir.path())).render(&digest, &config.newsletter).unwrap_err();
    let err = err.to_string();
    assert!(err.starts_with("template `digest.txt` failed for alice@example.com"), "{err}");
    assert!(err.contains("nonsense"), "{err}");
}

#[test]
fn wrap_never_breaks_a_long_word() {
    let url = format!("https://example.org/{}", "a".repeat(90));
    assert_eq!(wrap(&format!("see {url} now"), 20, "  "), format!("  see\n  {url}\n  now"));
    assert_eq!(wrap("one two three", 9, ""), "one two\nthree");
}

/// Every `style` attribute of some HTML, in order.
fn style_attributes(html: &str) -> Vec<&str> {
    html.split(" style=\"").skip(1).map(|rest| &rest[..rest.find('"').unwrap()]).collect()
}

/// The built-in templates carry their styles inline so that no digest pays for a CSS
/// inliner; the inliner finding nothing to add proves the two never drift apart.
#[test]
fn the_built_in_html_needs_no_inlining() {
    let subscriber =
        "email = \"a@example.com\"\nkeywords = [\"model\", \"distill*\"]\nmax_papers = 74";
    let html = render_for(subscriber, &sample_papers()).html;
    let inlined = css_inliner().inline(&html).unwrap();
    assert!(style_attributes(&html).len() > 300);
    assert_eq!(style_attributes(&inlined), style_attributes(&html));
}

#[test]
fn html_templates_of_a_folder_get_their_style_block_inlined() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("digest.html"),
        "<html><head><style>h1 { color: #123456; }</style></head><body><h1>{{ title }}</h1></body></html>",
    )
    .unwrap();
    let rendered = render_with(Some(dir.path()), ALICE, &sample_papers());
    assert!(
        rendered.html.contains("<h1 style=\"color:#123456\">Daily Papers Digest</h1>"),
        "{}",
        rendered.html
    );
}

#[test]
fn readers_with_the_same_matched_keywords_share_a_paper_card() {
    let config = config(ALICE);
    let papers = sample_papers();
    let digest = digest_of(&config, &papers);
    let renderer = renderer(&config, None);
    let pick = &digest.picks[0];
    let whole = Fit::default();
    let first = renderer.card(&digest, pick, AbstractLength::Short, &whole).unwrap();
    assert!(Arc::ptr_eq(
        &first,
        &renderer.card(&digest, pick, AbstractLength::Short, &whole).unwrap()
    ));
    let cut = Fit { abstract_chars: Some(200), ..Fit::default() };
    assert!(!Arc::ptr_eq(
        &first,
        &renderer.card(&digest, pick, AbstractLength::Short, &cut).unwrap()
    ));
    let bare = Fit { no_abstracts: true, ..Fit::default() };
    assert!(!Arc::ptr_eq(
        &first,
        &renderer.card(&digest, pick, AbstractLength::Short, &bare).unwrap()
    ));
    let mut other = pick.clone();
    other.matched.clear();
    let unmarked = renderer.card(&digest, &other, AbstractLength::Short, &whole).unwrap();
    assert!(first.html.contains("<mark"));
    assert!(!unmarked.html.contains("<mark"), "a card is never shown with another's marks");
}

#[test]
fn the_card_cache_starts_over_past_its_budget() {
    let card = |text: &str| {
        Arc::new(Card { url: String::new(), html: text.to_owned(), text: text.to_owned() })
    };
    let mut cards = Cards::default();
    cards.keep("a".into(), card("0123456789"), 50);
    cards.keep("b".into(), card("0123456789"), 50);
    assert_eq!((cards.by_key.len(), cards.bytes), (2, 42));
    cards.keep("b".into(), card("0123456789"), 50);
    assert_eq!((cards.by_key.len(), cards.bytes), (2, 42), "a card kept twice counts once");
    cards.keep("c".into(), card("0123456789"), 50);
    assert_eq!((cards.by_key.len(), cards.bytes), (1, 21));
    assert!(cards.by_key.contains_key("c"));
}

#[test]
fn a_template_folder_can_restyle_each_paper() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("paper.txt"), "[{{ paper.title }}] {{ paper.id }}").unwrap();
    std::fs::write(dir.path().join("paper.html"), "<p>{{ paper.title }}</p>").unwrap();
    let papers = sample_papers();
    let rendered = render_with(Some(dir.path()), ALICE, &papers);
    let config = config(ALICE);
    let first = digest_of(&config, &papers).picks[0].paper;
    let line = format!("1. [{}] {}", first.title, first.id);
    assert!(rendered.text.contains(&line), "{}", rendered.text);
    assert!(rendered.html.contains(&format!("<p>{}</p>", escape_html(&first.title))));
}

#[test]
fn a_shortened_digest_shows_no_abstracts_and_ends_with_the_papers_left_out() {
    let config = config(ALICE);
    let papers = sample_papers();
    let digest = digest_of(&config, &papers);
    let more = More { count: 7, url: "https://huggingface.co/papers/date/2025-08-05".into() };
    let fit = Fit { no_abstracts: true, more: Some(more), ..Fit::default() };
    let rendered =
        renderer(&config, None).render_within(&digest, &config.newsletter, &fit).unwrap();
    let first = digest.picks[0].paper;
    let opening = &first.abstract_text[..60];
    assert!(!rendered.text.contains(opening) && !rendered.html.contains(opening));
    assert!(rendered.html.contains("7 more papers matched today, all in <a href=\"https://huggingface.co/papers/date/2025-08-05\""));
    assert_eq!(rendered.html.matches("class=\"paper\"").count(), 3);
    insta::assert_snapshot!(rendered.text);
}

#[test]
fn one_paper_left_out_is_one_more_paper() {
    let config = config(ALICE);
    let papers = sample_papers();
    let digest = digest_of(&config, &papers);
    let fit = Fit { more: Some(More { count: 1, url: "https://x.org/".into() }), ..Fit::default() };
    let rendered =
        renderer(&config, None).render_within(&digest, &config.newsletter, &fit).unwrap();
    assert!(
        rendered
            .text
            .contains("\n1 more paper matched today, all in the listing:\nhttps://x.org/\n")
    );
}

#[test]
fn a_weekly_digest_says_this_week_where_a_daily_one_says_today() {
    let config = config(ALICE);
    let papers = sample_papers();
    let monday = NaiveDate::from_ymd_opt(2025, 8, 4).unwrap();
    let week = crate::digest::Week { monday, covers: vec![monday, date()] };
    let digest = crate::digest::Digest { week: Some(&week), ..digest_of(&config, &papers) };
    let fit = Fit { more: Some(More { count: 2, url: "https://x.org/".into() }), ..Fit::default() };
    let rendered =
        renderer(&config, None).render_within(&digest, &config.newsletter, &fit).unwrap();
    assert!(rendered.text.contains("\n2 more papers matched this week, all in the listing:\n"));
    let empty = crate::digest::Digest { picks: Vec::new(), ..digest };
    let rendered = renderer(&config, None).render(&empty, &config.newsletter).unwrap();
    assert!(rendered.text.contains("No paper matched your topics this week."), "{}", rendered.text);
    assert!(rendered.html.contains("No paper matched your topics this week."));
}

/// A template folder's `paper.html` written before the switch calls the macro without it.
#[test]
fn a_paper_template_that_does_not_pass_abstracts_still_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("paper.html"),
        "{% import \"macros.html\" as macros %}{{ macros::paper_card(paper=paper) }}",
    )
    .unwrap();
    let papers = sample_papers();
    let rendered = render_with(Some(dir.path()), ALICE, &papers);
    let config = config(ALICE);
    let first = digest_of(&config, &papers).picks[0].paper;
    assert!(rendered.html.contains(&escape_html(&first.abstract_text[..40])));
}

#[test]
fn every_paper_carries_its_own_readers_vote_links_in_the_html_only() {
    use crate::feedback::FeedbackLinks;
    use crate::token::Secret;

    let links = FeedbackLinks::new(
        "https://example.org/vote/{paper}/{vote}?email={email}&token={token}",
        Secret::new(b"k"),
    );
    let text = "[newsletter]\ntitle = \"T\"\nfrom = \"d@example.org\"\n\
                [[subscribers]]\nemail = \"alice@example.com\"\nkeywords = [\"Mamba\"]\nmax_papers = 2\n\
                [[subscribers]]\nemail = \"bob+x@example.com\"\nkeywords = [\"Mamba\"]\nmax_papers = 2\n";
    let config = Config::parse(text, Path::new("paperboy.toml")).unwrap();
    let papers = sample_papers();
    let digests = Digest::for_each_subscriber(&config, &config.subscribers, &papers, date());
    let renderer = Renderer::new(None, None).unwrap().with_feedback(Some(links.clone()));
    let alice = renderer.render(&digests[0], &config.newsletter).unwrap();
    let bob = renderer.render(&digests[1], &config.newsletter).unwrap();
    let feedback: Vec<&str> =
        alice.html.lines().filter(|line| line.starts_with("<p class=\"feedback\"")).collect();
    assert_eq!(feedback.len(), 2, "{}", alice.html);
    insta::assert_snapshot!(feedback.join("\n"));
    // Bob's digest shares Alice's cards but gets links of his own.
    assert!(bob.html.contains("email=bob%2Bx%40example.com&amp;token="));
    assert!(!bob.html.contains("alice%40example.com"));
    for part in [&alice.html, &bob.html, &alice.text] {
        assert!(!part.contains(links.markers()[0].as_str()), "a stand-in left behind");
    }
    assert!(!alice.text.contains("/vote/"), "the text part has no vote links");
}

#[test]
fn without_feedback_url_the_cards_are_as_before() {
    let rendered = render_for(ALICE, &sample_papers());
    assert!(!rendered.html.contains("class=\"feedback\""));
}

/// Papers of a real fixture, as `source::parse` reads them.
fn real_papers(name: &str) -> Vec<Paper> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    // A fixture that is not UTF-8 (`latin1.txt`) is no listing here.
    let Ok(text) = std::fs::read_to_string(format!("{dir}/{name}")) else { return Vec::new() };
    let day = name
        .as_bytes()
        .windows(10)
        .position(|w| w[4] == b'-' && w[7] == b'-' && w[..4].iter().all(u8::is_ascii_digit))
        .and_then(|at| NaiveDate::parse_from_str(&name[at..at + 10], "%Y-%m-%d").ok())
        .unwrap_or_else(date);
    source::parse(&text, &Source::file("real", name), day).map(|l| l.papers).unwrap_or_default()
}

/// Every listing of `tests/fixtures/real` and `tests/fixtures/sources`, with the sample page.
fn every_real_fixture() -> Vec<(String, Vec<Paper>)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let mut all = vec![("sample".to_owned(), sample_papers())];
    for folder in ["real", "sources"] {
        let mut names: Vec<String> = std::fs::read_dir(format!("{dir}/{folder}"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| !name.ends_with(".md"))
            .collect();
        names.sort();
        for name in names {
            let name = format!("{folder}/{name}");
            all.push((name.clone(), real_papers(&name)));
        }
    }
    all
}

/// The words of every URL in `text`, as keywords that match inside URLs.
fn url_words(text: &str) -> Vec<String> {
    crate::paper::url_spans(text)
        .iter()
        .flat_map(|url| text[url.range.clone()].split(|c: char| !c.is_alphanumeric()))
        .filter(|word| word.len() >= 3 && word.chars().all(char::is_alphabetic))
        .map(str::to_owned)
        .collect()
}

#[test]
fn no_mark_lands_inside_a_url_of_any_real_paper() {
    let mut urls_seen = 0;
    for (name, papers) in every_real_fixture() {
        for paper in &papers {
            let mut keywords: Vec<String> =
                ["Mamba", "github", "https", "com", "model", "learning"].map(String::from).into();
            keywords.extend(url_words(&paper.abstract_text));
            keywords.extend(url_words(&paper.title));
            let list: Vec<String> = keywords.iter().map(|k| format!("{k:?}")).collect();
            let subscriber = format!("email = \"a@example.com\"\nkeywords = [{}]", list.join(", "));
            let config = config(&subscriber);
            let one = std::slice::from_ref(paper);
            let digest = digest_of(&config, one);
            if digest.picks.is_empty() {
                continue;
            }
            for length in [AbstractLength::Short, AbstractLength::Full] {
                let renderer = renderer(&config, None);
                let card =
                    renderer.card(&digest, &digest.picks[0], length, &Fit::default()).unwrap();
                for href in card.html.split("href=\"").skip(1) {
                    let href = &href[..href.find('"').unwrap()];
                    assert!(
                        !href.contains("<mark") && !href.contains("&lt;mark"),
                        "{name}: {href}"
                    );
                }
                // Every link's text, and every URL-like run of the text outside links.
                for inside in card.html.split("<a ").skip(1) {
                    let link = &inside[..inside.find("</a>").unwrap()];
                    let text = &link[link.find('>').unwrap() + 1..];
                    if text.contains("://") {
                        urls_seen += 1;
                        assert!(!text.contains("<mark"), "{name}: {text}");
                    }
                }
                for word in card.html.split_whitespace().filter(|w| w.contains("://")) {
                    assert!(!word.contains("<mark"), "{name}: {word}");
                }
            }
        }
    }
    assert!(urls_seen > 10, "the fixtures have URLs in their abstracts: {urls_seen}");
}

#[test]
fn mamba_fscil_s_repository_link_stays_whole() {
    let mut paper = Paper::for_test("Mamba for few-shot class-incremental learning");
    paper.abstract_text = "We propose Mamba-FSCIL for few-shot class-incremental learning. \
                           Code: https://github.com/xiaojieli0903/Mamba-FSCIL."
        .into();
    let html =
        render_for("email = \"a@example.com\"\nkeywords = [\"Mamba\", \"github\"]", &[paper]).html;
    let link = "<a href=\"https://github.com/xiaojieli0903/Mamba-FSCIL\" \
                style=\"color:#1d4ed8;word-break:break-all\">https://github.com/xiaojieli0903/Mamba-FSCIL</a>";
    assert!(html.contains(link), "{html}");
    assert!(!html.contains("xiaojieli0903/<mark"), "{html}");
}

#[test]
fn urls_in_abstracts_become_links_escaped_as_attributes() {
    let mut paper = Paper::for_test("Knowledge distillation at scale");
    paper.abstract_text =
        "We propose a distillation method. See https://x.org/a?b=1&c=\"2 for more.".into();
    let html = render_for(ALICE, &[paper]).html;
    assert!(html.contains("<a href=\"https://x.org/a?b=1&amp;c=\""), "{html}");
    assert!(!html.contains("c=\"2"), "no quote leaves the attribute: {html}");
}

fn one_paper_card(paper: Paper, newsletter_extra: &str) -> (String, String) {
    let mut text = format!(
        "[newsletter]\ntitle = \"Digest\"\nfrom = \"d@example.org\"\n{newsletter_extra}\n\
         [[subscribers]]\nemail = \"a@example.com\"\nkeywords = [\"distill*\"]\n"
    );
    text.push('\n');
    let config = Config::parse(&text, Path::new("paperboy.toml")).unwrap();
    let papers = [paper];
    let digest = digest_of(&config, &papers);
    let rendered = renderer(&config, None).render(&digest, &config.newsletter).unwrap();
    (rendered.html, rendered.text)
}

#[test]
fn the_title_links_to_arxiv_else_the_hub_else_a_hub_search_for_the_title() {
    let hub = real_papers("real/hf_daily_papers_2024-10-25_first8.json");
    let distill = hub.iter().find(|p| p.title.starts_with("Distill Visual")).unwrap().clone();
    let (html, text) = one_paper_card(distill.clone(), "");
    assert!(html.contains("<a href=\"https://arxiv.org/abs/2410.18798\" style=\"color:#1d4ed8;text-decoration:none\">"), "{html}");
    assert!(text.contains("LLMs to MLLMs\n   https://arxiv.org/abs/2410.18798\n"), "{text}");

    let mut hub_only = distill.clone();
    hub_only.arxiv_id = None;
    hub_only.links.retain(|l| !matches!(l.kind, LinkKind::Abstract));
    let (html, _) = one_paper_card(hub_only, "");
    assert!(html.contains("<h2 class=\"paper-title\" style=\"margin:0 0 4px;font-size:17px;line-height:1.35\"><a href=\"https://huggingface.co/papers/2410.18798\""), "{html}");

    let mut pasted = Paper::for_test("Distilling Step-by-Step: Smaller & Faster");
    pasted.abstract_text = "We distill.".into();
    let (html, text) = one_paper_card(pasted, "");
    let search =
        "https://huggingface.co/papers?q=Distilling%20Step-by-Step%3A%20Smaller%20%26%20Faster";
    assert!(html.contains(&format!("<a href=\"{search}\"")), "{html}");
    assert!(text.contains(&format!("\n   {search}\n")), "{text}");
}

#[test]
fn the_tldr_is_the_hub_s_summary_else_a_marked_sentence_of_the_abstract() {
    let hub = real_papers("real/hf_daily_papers_2024-10-25_first8.json");
    let mut distill = hub.iter().find(|p| p.title.starts_with("Distill Visual")).unwrap().clone();
    let (html, text) = one_paper_card(distill.clone(), "");
    assert!(html.contains("<strong>TL;DR (from the abstract):</strong> In this paper, we propose Code-as-Intermediary Translation (CIT)"), "{html}");
    assert!(text.contains("\n   TL;DR (from the abstract): In this paper, we propose"), "{text}");
    distill.summary =
        Some("CIT distills chart reasoning from LLMs into MLLMs through code.".into());
    let (html, text) = one_paper_card(distill, "");
    assert!(html.contains("<strong>TL;DR:</strong> CIT distills chart reasoning"), "{html}");
    assert!(text.contains("\n   TL;DR: CIT distills chart reasoning"), "{text}");
}

#[test]
fn abstracts_are_three_sentences_with_a_more_link_unless_full() {
    let hub = real_papers("real/hf_daily_papers_2024-10-25_first8.json");
    let distill = hub.iter().find(|p| p.title.starts_with("Distill Visual")).unwrap().clone();
    let (html, text) = one_paper_card(distill.clone(), "");
    assert!(html.contains("focusing on the two aspects. <a href=\"https://arxiv.org/abs/2410.18798\" style=\"color:#1d4ed8\">more</a></p>"), "{html}");
    assert!(!html.contains("However, collecting"), "{html}");
    assert!(text.contains("two aspects.\n   More: https://arxiv.org/abs/2410.18798\n"), "{text}");
    let (html, text) = one_paper_card(distill, "abstract = \"full\"");
    assert!(html.contains("https://github.com/hewei2001/ReachQA</a>.</p>"), "{html}");
    assert!(!html.contains(">more</a>") && !text.contains("More: "), "{text}");
}

#[test]
fn bylines_show_three_authors_an_ellipsis_and_the_last() {
    let hub = real_papers("real/hf_daily_papers_2024-10-25_first8.json");
    let (_, text) = one_paper_card(hub[0].clone(), "abstract = \"full\"");
    let _ = text;
    let names = |n: usize| (1..=n).map(|i| format!("A{i}")).collect::<Vec<_>>();
    let mut paper = Paper::for_test("Distillation");
    paper.authors = names(9);
    let (html, text) = one_paper_card(paper.clone(), "");
    assert!(html.contains(">A1, A2, A3, …, A9</p>"), "{html}");
    assert!(text.contains("\n   A1, A2, A3, …, A9\n"), "{text}");
    paper.authors = names(4);
    assert!(one_paper_card(paper, "").0.contains(">A1, A2, A3, A4</p>"));
}

#[test]
fn matched_shows_the_paper_s_words_not_the_patterns() {
    let mut paper = Paper::for_test("Distilling Knowledge");
    paper.abstract_text = "We study distillation. Distillation and distilling again.".into();
    let (html, text) = one_paper_card(paper, "");
    assert!(html.contains("Matched: Distilling, distillation</p>"), "{html}");
    assert!(text.contains("\n   Matched: Distilling, distillation\n"), "{text}");
}
