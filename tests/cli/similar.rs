//! Picking by similarity to a reader's library on the real sample: a subscriber with only a
//! library, one with keywords and a library, `explain`'s reasons, and the profile kept in the
//! state folder between runs.

use std::time::{Duration, SystemTime};

use crate::harness::{Email, Paperboy, SAMPLE, SAMPLE_DATE, mentions};

fn config(subscriber: &str) -> String {
    format!(
        "[newsletter]\ntitle = \"Digest\"\nfrom = \"d@example.org\"\n\
         [[sources]]\nname = \"hf\"\npath = \"{SAMPLE}\"\n\
         [[subscribers]]\nemail = \"a@example.com\"\n{subscriber}\n"
    )
}

fn reader(subscriber: &str) -> Paperboy {
    Paperboy::new()
        .config(&config(subscriber))
        .sample()
        .fixture("similar/distillation.json", "libraries/kd.json")
        .fixture("similar/medicine.json", "libraries/medicine.json")
}

/// The plain-text cards of the digest `send` wrote, in order.
fn cards(paperboy: &Paperboy) -> Vec<String> {
    let path = format!("outbox/{SAMPLE_DATE}/a@example.com.eml");
    let text = Email::parse(&paperboy.read_bytes(&path)).text;
    // Each card starts with its number: ` 1. Title`.
    let mut cards: Vec<String> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        let numbered = trimmed.split_once(". ").is_some_and(|(n, _)| {
            !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) && line.len() - trimmed.len() < 3
        });
        if numbered {
            cards.push(String::new());
        }
        if let Some(card) = cards.last_mut() {
            card.push_str(line);
            card.push('\n');
        }
    }
    cards
}

#[test]
fn a_subscriber_with_only_a_library_gets_the_papers_most_like_it_with_the_reason() {
    let paperboy = reader("library = \"libraries/kd.json\"\nmax_papers = 5");
    paperboy.run(&["send", "--date", SAMPLE_DATE]).success();
    let cards = cards(&paperboy);
    assert_eq!(cards.len(), 5, "{cards:#?}");
    let on_subject = cards.iter().filter(|c| mentions(c, "distillation")).count();
    assert!(on_subject >= 4, "{cards:#?}");
    for card in &cards {
        assert!(card.contains("Why: like your '"), "{card}");
        assert!(!card.contains("Matched:"), "{card}");
    }
}

#[test]
fn a_library_on_another_subject_pulls_in_no_distillation_paper() {
    let paperboy = reader("library = \"libraries/medicine.json\"\nmax_papers = 20");
    paperboy.run(&["send", "--date", SAMPLE_DATE]).success();
    for card in cards(&paperboy) {
        assert!(!mentions(&card, "distillation"), "{card}");
    }
}

#[test]
fn papers_keywords_and_the_library_both_pick_come_before_papers_one_way_picks() {
    let paperboy =
        reader("keywords = [\"segmentation\"]\nlibrary = \"libraries/kd.json\"\nmax_papers = 30");
    paperboy.run(&["send", "--date", SAMPLE_DATE]).success();
    let both: Vec<bool> =
        cards(&paperboy).iter().map(|c| c.contains("Matched:") && c.contains("Why:")).collect();
    assert!(both.iter().filter(|&&b| b).count() >= 2, "{both:?}");
    assert!(both.iter().filter(|&&b| !b).count() >= 2, "{both:?}");
    let first_one_way = both.iter().position(|&b| !b).unwrap();
    assert!(both[first_one_way..].iter().all(|&b| !b), "{both:?}");
}

#[test]
fn exclude_still_applies_to_papers_similarity_picks() {
    let paperboy =
        reader("library = \"libraries/kd.json\"\nexclude = [\"teacher\"]\nmax_papers = 30");
    paperboy.run(&["send", "--date", SAMPLE_DATE]).success();
    let cards = cards(&paperboy);
    assert!(!cards.is_empty());
    for card in &cards {
        assert!(!mentions(card, "teacher"), "{card}");
    }
}

#[test]
fn explain_names_the_library_entries_a_paper_is_like_and_why_one_is_left_out() {
    let paperboy = reader("library = \"libraries/kd.json\"\nmax_papers = 5");
    let run = paperboy.run(&["explain", "--subscriber", "a@example.com", "--date", SAMPLE_DATE]);
    let out = &run.success().stdout;
    let bd_kd = out.split("\n\n").find(|block| block.starts_with("BD-KD")).unwrap();
    assert!(bd_kd.contains("like your '"), "{bd_kd}");
    assert!(bd_kd.contains(": student, kd, teacher"), "{bd_kd}");
    // Picked by similarity alone: no keyword score to show.
    assert!(bd_kd.contains("\n  picked, #5\n  similarity 0.14\n"), "{bd_kd}");
    assert!(out.contains("left out: no keyword matched and similarity"), "{out}");
}

#[test]
fn the_profile_is_kept_and_the_library_not_read_again_while_size_and_time_stay() {
    let paperboy = reader("library = \"libraries/kd.json\"\nmax_papers = 5");
    paperboy.run(&["send", "--date", SAMPLE_DATE, "--dry-run"]).success();
    assert_eq!(paperboy.list("profiles").len(), 1, "{:?}", paperboy.list("."));
    // Same size, same time, other bytes: only a kept profile makes this run succeed.
    let path = paperboy.path("libraries/kd.json");
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    let size = std::fs::metadata(&path).unwrap().len() as usize;
    std::fs::write(&path, "x".repeat(size)).unwrap();
    let set_time = |time: SystemTime| {
        std::fs::File::options().write(true).open(&path).unwrap().set_modified(time).unwrap();
    };
    set_time(modified);
    paperboy.run(&["send", "--date", SAMPLE_DATE, "--dry-run"]).success();
    // A new time makes paperboy hash the file, see it changed, and read it: a clear error.
    set_time(modified + Duration::from_secs(60));
    paperboy.run(&["send", "--date", SAMPLE_DATE, "--dry-run"]).code(1).stderr_has("kd.json:1:");
}

#[test]
fn a_torn_kept_profile_is_not_loaded_but_made_again_from_the_library() {
    let paperboy = reader("library = \"libraries/kd.json\"\nmax_papers = 5");
    paperboy.run(&["send", "--date", SAMPLE_DATE, "--dry-run"]).success();
    let kept = paperboy.path(&format!("profiles/{}", paperboy.list("profiles")[0]));
    // A byte changed where a crash could leave one: inside a title, so the profile still
    // parses.
    let mut bytes = std::fs::read(&kept).unwrap();
    let at = bytes.windows(7).position(|w| w == b"ACAM-KD").unwrap();
    bytes[at] = b'X';
    std::fs::write(&kept, bytes).unwrap();
    // The library, same size and time, is now unreadable: only a kept profile that was
    // trusted would let this run succeed.
    let path = paperboy.path("libraries/kd.json");
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    let size = std::fs::metadata(&path).unwrap().len() as usize;
    std::fs::write(&path, "x".repeat(size)).unwrap();
    std::fs::File::options().write(true).open(&path).unwrap().set_modified(modified).unwrap();
    paperboy.run(&["send", "--date", SAMPLE_DATE, "--dry-run"]).code(1).stderr_has("kd.json:1:");
}

#[test]
fn min_similarity_of_the_subscriber_or_the_newsletter_decides_what_similarity_alone_picks() {
    let strict = reader("library = \"libraries/kd.json\"\nmin_similarity = 0.9");
    strict.run(&["send", "--date", SAMPLE_DATE]).success();
    assert!(!strict.path(&format!("outbox/{SAMPLE_DATE}/a@example.com.eml")).exists());
    let text = config("library = \"libraries/kd.json\"")
        .replace("[[sources]]", "min_similarity = 0.3\n[[sources]]");
    let newsletter = reader("").config(&text);
    newsletter.run(&["send", "--date", SAMPLE_DATE]).success();
    // Only the library's own three papers, listed today, are that similar.
    assert_eq!(cards(&newsletter).len(), 3);
}

#[test]
fn a_library_that_is_not_csl_json_is_an_error_naming_the_file_and_line() {
    let paperboy = reader("library = \"libraries/bad.json\"")
        .file("libraries/bad.json", "[\n{\"title\": \"A\"},\n{\"title\": 3\n]");
    paperboy
        .run(&["send", "--date", SAMPLE_DATE])
        .code(1)
        .stderr_has("bad.json:4: not valid CSL-JSON");
}
