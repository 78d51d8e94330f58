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
