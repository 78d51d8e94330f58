//! Every edit against a config full of comments, compared byte for byte with the expected
//! file in tests/fixtures/edit/.

use std::path::{Path, PathBuf};

use super::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/edit").join(name)
}

/// A copy of `in.toml` in a fresh folder.
fn copy_of_input() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("paperboy.toml");
    std::fs::copy(fixture("in.toml"), &path).unwrap();
    (dir, path)
}

fn assert_edit(expected: &str, edit: impl FnOnce(&mut ConfigEdit)) {
    let (_dir, path) = copy_of_input();
    let mut config = ConfigEdit::open(&path).unwrap();
    edit(&mut config);
    config.save().unwrap();
    let written = std::fs::read_to_string(&path).unwrap();
    let want = std::fs::read_to_string(fixture(expected)).unwrap();
    assert_eq!(written, want, "{expected}");
    let backup = std::fs::read_to_string(backup_path(&path)).unwrap();
    assert_eq!(backup, std::fs::read_to_string(fixture("in.toml")).unwrap());
}

fn assert_refused(edit: impl FnOnce(&mut ConfigEdit) -> Result<(), EditError>) -> String {
    let (_dir, path) = copy_of_input();
    let mut config = ConfigEdit::open(&path).unwrap();
    let err = match edit(&mut config) {
        Err(err) => err,
        Ok(()) => config.save().expect_err("the edit should be refused"),
    };
    assert_eq!(std::fs::read(&path).unwrap(), std::fs::read(fixture("in.toml")).unwrap());
    assert!(!backup_path(&path).exists());
    err.to_string()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn subscriber_add_appends_a_table_after_the_last_one() {
    assert_edit("subscriber_add.toml", |edit| {
        let fields = SubscriberFields {
            name: Some("Carol".into()),
            topics: Some(strings(&["distillation"])),
            keywords: Some(strings(&["protein folding"])),
            max_papers: Some(3),
            ..SubscriberFields::default()
        };
        edit.add_subscriber("carol@example.com", &fields).unwrap();
    });
}

#[test]
fn subscriber_set_changes_only_the_keys_given_and_keeps_their_comments() {
    assert_edit("subscriber_set.toml", |edit| {
        let fields = SubscriberFields {
            name: Some("Bob".into()),
            add_topics: strings(&["distillation"]),
            keywords: Some(strings(&["ViT", "vision transformer"])),
            max_papers: Some(4),
            ..SubscriberFields::default()
        };
        edit.set_subscriber("BOB@example.com", &fields).unwrap();
    });
}

#[test]
fn removing_a_topic_from_a_subscriber_keeps_the_array_style() {
    assert_edit("subscriber_remove_topic.toml", |edit| {
        let fields =
            SubscriberFields { remove_topics: strings(&["ssm"]), ..SubscriberFields::default() };
        edit.set_subscriber("alice@example.com", &fields).unwrap();
    });
}

#[test]
fn subscriber_remove_takes_its_own_comment_along() {
    assert_edit("subscriber_remove.toml", |edit| {
        edit.remove_subscriber("bob@example.com").unwrap()
    });
}

#[test]
fn removing_the_first_subscriber_keeps_the_section_heading() {
    assert_edit("unsubscribe.toml", |edit| edit.remove_subscriber("alice@example.com").unwrap());
}

#[test]
fn topic_add_lands_after_the_other_topics() {
    assert_edit("topic_add.toml", |edit| {
        let fields = TopicFields {
            keywords: strings(&["diffusion model"]),
            require: strings(&["image"]),
            exclude: strings(&["video"]),
        };
        edit.add_topic("diffusion", &fields).unwrap();
    });
}

#[test]
fn topic_remove_with_force_also_unfollows_it() {
    assert_edit("topic_remove_force.toml", |edit| {
        let followers = edit.remove_topic("ssm", true).unwrap();
        assert_eq!(followers, ["alice@example.com", "bob@example.com"]);
    });
}

#[test]
fn refusals_leave_the_file_byte_for_byte() {
    let add = |email: &str, fields: SubscriberFields| {
        let email = email.to_owned();
        move |edit: &mut ConfigEdit| edit.add_subscriber(&email, &fields)
    };
    let plain = SubscriberFields::default();
    assert!(
        assert_refused(add("not-an-address", plain.clone())).contains("is not a valid address")
    );
    assert!(assert_refused(add("a@b@c", plain.clone())).contains("is not a valid address"));
    assert!(
        assert_refused(add("Alice@Example.com", plain.clone())).contains("already a subscriber")
    );
    let unknown = SubscriberFields { topics: Some(strings(&["nope"])), ..plain.clone() };
    assert_eq!(
        assert_refused(add("c@example.com", unknown)),
        "unknown topic `nope` (defined: distillation, ssm)"
    );
    let bad_keyword = SubscriberFields { keywords: Some(strings(&["dis*till"])), ..plain.clone() };
    assert!(assert_refused(add("c@example.com", bad_keyword)).contains("`*` may only end a word"));
    let zero = SubscriberFields { max_papers: Some(0), ..plain.clone() };
    assert!(assert_refused(add("c@example.com", zero)).contains("at least 1"));

    assert!(
        assert_refused(|edit| edit.remove_subscriber("zoe@example.com"))
            .starts_with("no subscriber `zoe@example.com`")
    );
    let followed = assert_refused(|edit| edit.remove_topic("ssm", false).map(drop));
    assert_eq!(
        followed,
        "topic `ssm` is followed by alice@example.com, bob@example.com; take it out of their topics first, or pass --force"
    );
    assert!(
        assert_refused(|edit| edit.remove_topic("nope", true).map(drop))
            .starts_with("no topic `nope`")
    );
    let topic = |name: &str, keywords: &[&str]| {
        let (name, fields) = (
            name.to_owned(),
            TopicFields { keywords: strings(keywords), ..TopicFields::default() },
        );
        move |edit: &mut ConfigEdit| edit.add_topic(&name, &fields)
    };
    assert_eq!(assert_refused(topic("ssm", &["x"])), "topic `ssm` already exists");
    assert!(assert_refused(topic("bad name", &["x"])).contains("must be letters, digits"));
    assert_eq!(assert_refused(topic("empty", &[])), "a topic needs at least one --keyword");
    let not_following = SubscriberFields { remove_topics: strings(&["distillation"]), ..plain };
    assert!(
        assert_refused(|edit| edit.set_subscriber("bob@example.com", &not_following))
            .contains("does not follow")
    );
}

#[test]
fn a_result_that_would_not_load_is_not_written() {
    let (_dir, path) = copy_of_input();
    let original = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, original.replace("max_papers = 8", "max_papers = 0")).unwrap();
    let before = std::fs::read(&path).unwrap();
    let mut edit = ConfigEdit::open(&path).unwrap();
    edit.remove_subscriber("bob@example.com").unwrap();
    let err = edit.save().unwrap_err();
    assert!(matches!(err, EditError::WouldNotLoad(_)), "{err}");
    assert!(
        err.to_string()
            .contains("`newsletter.max_papers`: expected a whole number from 1 to 1000, found 0"),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_config_that_is_not_toml_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("paperboy.toml");
    std::fs::write(&path, "[newsletter]\ntitle = \n").unwrap();
    let err = ConfigEdit::open(&path).err().unwrap().to_string();
    assert!(err.starts_with(&format!("{}:2:", path.display())), "{err}");
}

#[test]
fn edits_at_the_same_time_take_turns_and_lose_nothing() {
    let (_dir, path) = copy_of_input();
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut edit = ConfigEdit::open(&path).unwrap();
                edit.add_subscriber(
                    &format!("reader{i}@example.com"),
                    &SubscriberFields::default(),
                )
                .unwrap();
                // Widen the window between reading and writing.
                std::thread::sleep(std::time::Duration::from_millis(5));
                edit.save().unwrap();
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let config = Config::load(&path).unwrap();
    for i in 0..8 {
        assert!(
            config.subscriber(&format!("reader{i}@example.com")).is_some(),
            "reader{i} was lost"
        );
    }
}

/// A config of subscribers written the ways people write them: `style`'s bits ask for a
/// comment above, a section heading, a name, a one-per-line `topics`, a trailing comment, a
/// blank line after, a subtable, and a topic table right after the subscriber.
fn generated(styles: &[u8], crlf: bool) -> String {
    let mut text = String::from(
        "# a generated config\n\n[newsletter]\ntitle = \"T\"\nfrom = \"t@example.org\"\n\n\
         [[sources]]\nname = \"s\"\npath = \"daily.txt\"\n\n[topics.distillation]\n\
         keywords = [\"distill*\"]\n\n[topics.ssm]\nkeywords = [\"Mamba\"]  # one\n",
    );
    for (i, style) in styles.iter().enumerate() {
        if style & 2 != 0 {
            text.push_str(&format!("\n# ---- section {i} ----\n"));
        }
        text.push('\n');
        if style & 1 != 0 {
            text.push_str(&format!("# reader {i}\n# joined in May\n"));
        }
        text.push_str(&format!("[[subscribers]]\nemail = \"reader{i}@example.com\"\n"));
        if style & 4 != 0 {
            text.push_str(&format!("name = \"Reader {i}\"\n"));
        }
        if style & 8 != 0 {
            text.push_str("topics = [\n  \"ssm\",\n  \"distillation\",\n]\n");
        } else {
            text.push_str("topics = [ \"ssm\" ]\n");
        }
        text.push_str(if style & 16 != 0 { "max_papers = 3   # on the train\n" } else { "" });
        text.push_str(if style & 32 != 0 { "\n" } else { "" });
        text.push_str(if style & 64 != 0 { "[subscribers.extra]\nnote = 1\n" } else { "" });
        if style & 128 != 0 {
            text.push_str(&format!("\n[topics.after{i}]\nkeywords = [\"t{i}\"]\n"));
        }
    }
    text.push_str("\n# end of file\n");
    if crlf { text.replace('\n', "\r\n") } else { text }
}

/// An edit as the commands make them, by number: add, remove, set or unfollow `target`.
fn edit_by_number(edit: &mut ConfigEdit, op: u8, target: usize) -> Result<(), EditError> {
    let email = format!("reader{target}@example.com");
    match op % 4 {
        0 => {
            let fields = SubscriberFields {
                name: Some("New".into()),
                topics: Some(strings(&["ssm"])),
                max_papers: Some(2),
                ..SubscriberFields::default()
            };
            edit.add_subscriber("new@example.com", &fields)
        }
        1 => edit.remove_subscriber(&email),
        2 => {
            let fields = SubscriberFields {
                name: Some(String::new()),
                add_topics: strings(&["distillation"]),
                keywords: Some(strings(&["ViT"])),
                ..SubscriberFields::default()
            };
            edit.set_subscriber(&email, &fields)
        }
        _ => {
            let fields = SubscriberFields {
                remove_topics: strings(&["ssm"]),
                ..SubscriberFields::default()
            };
            edit.set_subscriber(&email, &fields)
        }
    }
}

/// The text an edit gives on `text` a part at a time and on the whole document, with
/// whether the part-at-a-time edit stayed so.
fn both_ways(text: &str, op: u8, target: usize) -> ((Result<(), String>, String), bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("paperboy.toml");
    std::fs::write(&path, text).unwrap();
    let mut parts = ConfigEdit::open(&path).unwrap();
    let parts_result = edit_by_number(&mut parts, op, target).map_err(|e| e.to_string());
    let stayed = parts.parts.is_some();
    let parts_text = parts.text();
    drop(parts);
    let mut whole = ConfigEdit::open_whole(&path).unwrap();
    let whole_result = edit_by_number(&mut whole, op, target).map_err(|e| e.to_string());
    assert_eq!(parts_result, whole_result);
    ((whole_result, whole.text()), stayed, parts_text)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 200,
        ..proptest::prelude::ProptestConfig::default()
    })]

    #[test]
    fn an_edit_of_a_part_gives_the_bytes_of_an_edit_of_the_whole(
        styles in proptest::collection::vec(0u8..=255, 1..12),
        crlf: bool,
        op in 0u8..4,
        target in 0usize..14,
    ) {
        let text = generated(&styles, crlf);
        let ((result, whole), stayed, parts) = both_ways(&text, op, target);
        proptest::prop_assert_eq!(&parts, &whole);
        // Only a CRLF file is edited whole: toml_edit gives it back with `\n` line endings.
        proptest::prop_assert_eq!(stayed, !crlf);
        if result.is_ok() {
            proptest::prop_assert_ne!(&parts, &text);
        }
    }
}

#[test]
fn edits_across_batches_of_a_big_config_give_the_bytes_of_the_whole() {
    let styles: Vec<u8> = (0..2500u32).map(|i| (i * 37 % 256) as u8 & !64).collect();
    let text = generated(&styles, false);
    for target in [0, 999, 1000, 2499] {
        for op in 0..4 {
            let ((_, whole), stayed, parts) = both_ways(&text, op, target);
            assert!(stayed, "op {op} on {target} fell back to the whole document");
            assert!(parts == whole, "op {op} on {target} differs from the edit of the whole");
        }
    }
}

#[test]
fn an_edit_of_a_big_config_is_saved_and_loads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("paperboy.toml");
    let styles: Vec<u8> = (0..1500u32).map(|i| (i * 37 % 256) as u8 & !64).collect();
    std::fs::write(&path, generated(&styles, false)).unwrap();
    std::fs::write(dir.path().join("daily.txt"), "").unwrap();
    let mut edit = ConfigEdit::open(&path).unwrap();
    edit.remove_subscriber("reader1200@example.com").unwrap();
    let config = edit.save().unwrap();
    assert!(config.subscriber("reader1200@example.com").is_none());
    assert!(config.subscriber("reader1201@example.com").is_some());
    assert!(std::fs::read_to_string(&path).unwrap().contains("reader1199@example.com\"\n"));
}

#[test]
fn an_inline_array_of_subscribers_is_edited_whole_and_refused_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("paperboy.toml");
    let text = "subscribers = [{ email = \"a@example.com\" }]\n\
                [newsletter]\ntitle = \"T\"\nfrom = \"t@example.org\"\n";
    std::fs::write(&path, text).unwrap();
    let mut edit = ConfigEdit::open(&path).unwrap();
    assert!(edit.parts.is_none());
    let err = edit.remove_subscriber("a@example.com").unwrap_err().to_string();
    assert!(err.contains("inline array"), "{err}");
}

#[test]
fn an_odd_header_leaves_the_edit_to_the_whole_document() {
    let mut text = generated(&[0, 1, 2], false);
    text.push_str("[\"topics\".\"sub\\u0073\"]\nkeywords = [\"x\"]\n");
    let ((_, whole), stayed, parts) = both_ways(&text, 1, 1);
    assert!(!stayed);
    assert_eq!(parts, whole);
}

#[test]
fn a_pause_is_one_key_and_resuming_takes_it_out_again() {
    let (_dir, path) = copy_of_input();
    let original = std::fs::read_to_string(&path).unwrap();
    let email = Config::load(&path).unwrap().subscribers[0].email.to_string();
    let set = |fields: SubscriberFields| {
        let mut edit = ConfigEdit::open(&path).unwrap();
        edit.set_subscriber(&email, &fields).unwrap();
        edit.save().unwrap()
    };
    let paused = set(SubscriberFields { paused: Some(true), ..SubscriberFields::default() });
    assert!(paused.subscriber(&email).unwrap().paused);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), original.lines().count() + 1, "one line: paused = true");
    assert!(text.contains("paused = true\n"));
    let resumed = set(SubscriberFields { paused: Some(false), ..SubscriberFields::default() });
    assert!(!resumed.subscriber(&email).unwrap().paused);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
}

#[test]
fn an_empty_list_from_the_preferences_page_takes_the_key_out() {
    let (_dir, path) = copy_of_input();
    let email = Config::load(&path).unwrap().subscribers[0].email.to_string();
    let mut edit = ConfigEdit::open(&path).unwrap();
    let fields = SubscriberFields {
        topics: Some(Vec::new()),
        keywords: Some(vec!["mamba".into()]),
        exclude: Some(Vec::new()),
        ..SubscriberFields::default()
    };
    edit.set_subscriber(&email, &fields).unwrap();
    let config = edit.save().unwrap();
    assert!(config.subscriber(&email).unwrap().interest.topics.is_empty());
    assert!(!std::fs::read_to_string(&path).unwrap().contains("[]"));
}
