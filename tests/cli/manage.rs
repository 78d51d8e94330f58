//! `init`, `subscriber ...`, `topic ...` and `unsubscribe` on a config full of comments:
//! each edit is compared byte for byte with tests/fixtures/edit/, each refusal leaves the
//! file as it was.

use crate::harness::Paperboy;

fn commented() -> Paperboy {
    Paperboy::new().fixture("edit/in.toml", "paperboy.toml")
}

fn expected(name: &str) -> String {
    std::fs::read_to_string(crate::harness::fixture_path(&format!("edit/{name}"))).unwrap()
}

#[test]
fn every_edit_command_touches_only_its_own_lines() {
    let cases: [(&str, &[&str]); 7] = [
        (
            "subscriber_add.toml",
            &[
                "subscriber",
                "add",
                "carol@example.com",
                "--name",
                "Carol",
                "--topic",
                "distillation",
                "--keyword",
                "protein folding",
                "--max-papers",
                "3",
            ],
        ),
        (
            "subscriber_set.toml",
            &[
                "subscriber",
                "set",
                "bob@example.com",
                "--name",
                "Bob",
                "--add-topic",
                "distillation",
                "--keyword",
                "ViT",
                "--keyword",
                "vision transformer",
                "--max-papers",
                "4",
            ],
        ),
        (
            "subscriber_remove_topic.toml",
            &["subscriber", "set", "alice@example.com", "--remove-topic", "ssm"],
        ),
        ("subscriber_remove.toml", &["subscriber", "remove", "bob@example.com"]),
        (
            "topic_add.toml",
            &[
                "topic",
                "add",
                "diffusion",
                "--keyword",
                "diffusion model",
                "--require",
                "image",
                "--exclude",
                "video",
            ],
        ),
        ("topic_remove_force.toml", &["topic", "remove", "ssm", "--force"]),
        ("unsubscribe.toml", &["unsubscribe", "alice@example.com"]),
    ];
    for (want, args) in cases {
        let paperboy = commented();
        paperboy.run(args).success();
        assert_eq!(paperboy.read("paperboy.toml"), expected(want), "paperboy {}", args.join(" "));
        assert_eq!(paperboy.read("paperboy.toml.bak"), expected("in.toml"));
    }
}

#[test]
fn refused_edits_exit_2_and_leave_the_file_alone() {
    let cases: [(&[&str], &str); 7] = [
        (
            &["subscriber", "add", "not-an-address"],
            "error: `not-an-address` is not a valid address",
        ),
        (
            &["subscriber", "add", "ALICE@example.com"],
            "error: `ALICE@example.com` is already a subscriber",
        ),
        (
            &["subscriber", "add", "c@example.com", "--topic", "nope"],
            "error: unknown topic `nope` (defined: distillation, ssm)",
        ),
        (
            &["subscriber", "set", "zoe@example.com", "--name", "Zoe"],
            "error: no subscriber `zoe@example.com`",
        ),
        (&["subscriber", "set", "bob@example.com"], "error: nothing to change"),
        (
            &["topic", "remove", "ssm"],
            "error: topic `ssm` is followed by alice@example.com, bob@example.com",
        ),
        (&["unsubscribe", "zoe@example.com"], "error: no subscriber `zoe@example.com`"),
    ];
    for (args, message) in cases {
        let paperboy = commented();
        let run = paperboy.run(args);
        run.code(2);
        assert!(run.stderr.starts_with(message), "paperboy {}\n{run}", args.join(" "));
        assert_eq!(run.stderr.lines().count(), 1, "{run}");
        assert_eq!(paperboy.read_bytes("paperboy.toml"), expected("in.toml").into_bytes());
        assert!(!paperboy.list("").contains(&"paperboy.toml.bak".to_owned()));
    }
}

#[test]
fn a_bad_max_papers_value_is_a_usage_error() {
    let paperboy = commented();
    paperboy.run(&["subscriber", "add", "c@example.com", "--max-papers", "lots"]).code(2);
    paperboy.run(&["subscriber", "add", "c@example.com", "--max-papers", "0"]).code(2);
    assert_eq!(paperboy.read("paperboy.toml"), expected("in.toml"));
}

#[test]
fn list_shows_every_subscriber_as_a_table_or_json() {
    let paperboy = commented();
    paperboy.run(&["subscriber", "list"]).success().stdout_is(
        "EMAIL              NAME   TOPICS             KEYWORDS  MAX\n\
         alice@example.com  Alice  distillation, ssm            5\n\
         bob@example.com           ssm                ViT       8\n",
    );
    let run = paperboy.run(&["subscriber", "list", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&run.success().stdout).unwrap();
    assert_eq!(json[1]["email"], "bob@example.com");
    assert_eq!(json[1]["topics"][0], "ssm");
    assert_eq!(json[1]["max_papers"], 8);
}

#[test]
fn show_resolves_topics_into_keywords() {
    commented().run(&["subscriber", "show", "alice@example.com"]).success().stdout_is(
        "alice@example.com (Alice)\n\
         max papers: 5\n\
         topic distillation:\n  keywords: knowledge distillation, distill*\n  exclude:  dataset distillation\n\
         topic ssm:\n  keywords: Mamba, state space model\n\
         matches on: knowledge distillation, distill*, Mamba, state space model\n",
    );
    commented().run(&["subscriber", "show", "zoe@example.com"]).code(2);
}

#[test]
fn topic_list_is_aligned_with_followers_require_and_exclude() {
    commented().run(&["topic", "list"]).success().stdout_is(
        "NAME          FOLLOWERS  KEYWORDS                          REQUIRE  EXCLUDE\n\
         distillation  1          knowledge distillation, distill*           dataset distillation\n\
         ssm           2          Mamba, state space model\n",
    );
    let run = commented().run(&["topic", "list", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&run.success().stdout).unwrap();
    assert_eq!(json[0]["exclude"][0], "dataset distillation");
    assert_eq!(json[1]["followers"][1], "bob@example.com");
}

#[test]
fn init_writes_a_starter_and_never_replaces_a_file() {
    let paperboy = Paperboy::new();
    paperboy.run(&["init"]).success();
    let starter = paperboy.read("paperboy.toml");
    assert!(starter.starts_with("# paperboy config."));
    paperboy.run(&["init"]).code(2).stderr_has("already exists");
    assert_eq!(paperboy.read("paperboy.toml"), starter);

    let other = Paperboy::new();
    other.run(&["init", "elsewhere.toml"]).success();
    assert_eq!(other.read("elsewhere.toml"), starter);
}
