//! The README's examples, and those of the book's Commands chapter, run as written: every
//! `paperboy ...` line of their `sh` blocks, in order, in one scratch folder holding a copy of `config.example.toml` and `examples/`, with
//! `PAPERBOY_CONFIG=config.example.toml` as the README tells a reader to set it. `init` writes
//! a config of its own, so it runs in an empty folder. Servers are started on a free port,
//! asked once, and stopped. A line's comment `# exits N` is the status it must end with;
//! every other line must exit 0.

use std::path::Path;

use crate::harness::{Email, Paperboy, http_agent};

/// Commands that need a mail server or the network, which the test does not have.
const NEEDS_A_MAIL_SERVER_OR_NETWORK: &[&str] = &["check --smtp"];

/// What the README's step 5 adds to the unsubscribe link before `serve`.
const SERVE_NEEDS: &str = "{token}";

/// One `paperboy` command line of the README.
#[derive(Debug)]
struct Example {
    /// The file and line it starts on, for messages.
    file: String,
    line: usize,
    /// `VAR=value` words before `paperboy`.
    env: Vec<(String, String)>,
    /// The words after `paperboy`.
    args: Vec<String>,
    /// `> FILE`: where its stdout goes.
    stdout_to: Option<String>,
    /// What `# exits N` says, else 0.
    code: i32,
}

impl Example {
    fn is(&self, prefix: &str) -> bool {
        let words: Vec<&str> = prefix.split(' ').collect();
        self.args.len() >= words.len() && self.args.iter().zip(&words).all(|(a, w)| a == w)
    }

    fn text(&self) -> String {
        format!("{}:{}: paperboy {}", self.file, self.line, self.args.join(" "))
    }
}

/// Every `paperboy` command of the README's `sh` blocks, with `\` continuations joined.
fn examples(markdown: &str, file: &str) -> Vec<Example> {
    let mut examples = Vec::new();
    let mut in_sh = false;
    let mut pending: Option<(usize, String)> = None;
    for (index, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_end();
        if trimmed.starts_with("```") {
            in_sh = trimmed == "```sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        let (start, mut text) = pending.take().unwrap_or((index + 1, String::new()));
        match trimmed.strip_suffix('\\') {
            Some(head) => {
                text.push_str(head);
                pending = Some((start, text));
            }
            None => {
                text.push_str(trimmed);
                if let Some(example) = parse(file, start, &text) {
                    examples.push(example);
                }
            }
        }
    }
    examples
}

/// One shell line as `sh` reads it, if it runs `paperboy`.
fn parse(file: &str, line: usize, text: &str) -> Option<Example> {
    let code = text
        .split_once('#')
        .and_then(|(_, comment)| comment.trim().strip_prefix("exits "))
        .map(|n| n.trim().parse().unwrap_or_else(|_| panic!("{file}:{line}: `exits {n}`")))
        .unwrap_or(0);
    let words = shlex::split(text).unwrap_or_else(|| panic!("{file}:{line}: unbalanced quotes"));
    let at = words.iter().position(|w| w == "paperboy")?;
    let env = words[..at]
        .iter()
        .map(|w| {
            let (key, value) = w.split_once('=')?;
            Some((key.to_owned(), value.to_owned()))
        })
        .collect::<Option<Vec<_>>>()?;
    let mut args = words[at + 1..].to_vec();
    let mut stdout_to = None;
    if let Some(redirect) = args.iter().position(|w| w == ">") {
        stdout_to = Some(args.get(redirect + 1).expect("a file after `>`").clone());
        args.truncate(redirect);
    }
    Some(Example { file: file.to_owned(), line, env, args, stdout_to, code })
}

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A scratch folder with `config.example.toml` and the files of `examples/` as in the
/// repository.
fn sample_folder() -> Paperboy {
    let mut paperboy = Paperboy::new()
        .file("config.example.toml", std::fs::read(repo("config.example.toml")).unwrap())
        .env("PAPERBOY_CONFIG", "config.example.toml");
    for entry in std::fs::read_dir(repo("examples")).unwrap() {
        let entry = entry.unwrap();
        // The files the examples name; `examples/common/` is code the benchmarks share.
        if !entry.file_type().unwrap().is_file() {
            continue;
        }
        let name = format!("examples/{}", entry.file_name().to_string_lossy());
        paperboy = paperboy.file(&name, std::fs::read(entry.path()).unwrap());
    }
    paperboy
}

fn with_env(mut paperboy: Paperboy, example: &Example) -> Paperboy {
    for (key, value) in &example.env {
        paperboy = paperboy.env(key, value);
    }
    paperboy
}

/// `preview --serve`: its index page lists the sample's subscribers.
fn run_preview_server(folder: &Paperboy, example: &Example) {
    let mut args: Vec<&str> = example.args.iter().map(String::as_str).collect();
    args.extend(["--listen", "127.0.0.1:0"]);
    let server = folder.server(&args);
    let mut response = http_agent().get(&format!("{}/", server.base)).call().unwrap();
    let body = response.body_mut().read_to_string().unwrap();
    assert_eq!(response.status(), 200, "{}: {body}", example.text());
    assert!(body.contains("alice@example.com"), "{}: {body}", example.text());
}

/// `serve`: with the README's step 5 done (a `{token}` in the link), the link of a previewed
/// digest gets the confirmation page. Its own folder, so the sample's link stays as it is.
fn run_unsubscribe_server(example: &Example) {
    let folder = with_env(sample_folder(), example);
    let config = folder.read("config.example.toml");
    let url = "unsubscribe_url = \"https://example.org/unsubscribe?subscriber={email}";
    assert!(config.contains(url), "config.example.toml has no {url}");
    let folder = folder
        .file("config.example.toml", config.replace(url, &format!("{url}&token={SERVE_NEEDS}")));
    folder.run(&["preview", "--subscriber", "alice@example.com"]).success();
    let eml = folder.read_bytes("preview/alice@example.com.eml");
    let header = Email::parse(&eml).header("List-Unsubscribe").expect("a List-Unsubscribe link");
    let link = header.trim_matches(['<', '>']).strip_prefix("https://example.org").unwrap();

    let mut args: Vec<&str> = example.args.iter().map(String::as_str).collect();
    args.extend(["--listen", "127.0.0.1:0"]);
    let server = folder.server(&args);
    let mut response = http_agent().get(&format!("{}{link}", server.base)).call().unwrap();
    let body = response.body_mut().read_to_string().unwrap();
    assert_eq!(response.status(), 200, "{}: {body}", example.text());
    assert!(body.contains("alice@example.com"), "{}: {body}", example.text());
}

/// Runs every example of `file` (relative to the repository) in order; returns what ran and
/// which [`NEEDS_A_MAIL_SERVER_OR_NETWORK`] entries were skipped.
fn run_examples(file: &str) -> (Vec<Example>, Vec<String>, Vec<&'static str>) {
    let text = std::fs::read_to_string(repo(file)).unwrap();
    let examples = examples(&text, file);
    let mut folder = sample_folder();
    let mut ran = Vec::new();
    let mut skipped = Vec::new();
    for example in &examples {
        if let Some(reason) = NEEDS_A_MAIL_SERVER_OR_NETWORK.iter().find(|c| example.is(c)) {
            skipped.push(*reason);
            continue;
        }
        let args: Vec<&str> = example.args.iter().map(String::as_str).collect();
        if example.is("serve") {
            run_unsubscribe_server(example);
        } else if example.is("preview --serve") {
            run_preview_server(&with_env(sample_folder(), example), example);
        } else if example.is("init") {
            let empty = with_env(Paperboy::new(), example);
            let run = empty.run(&args);
            assert_eq!(run.code, Some(example.code), "{}\n{run}", example.text());
            assert!(empty.path("paperboy.toml").is_file(), "{}: no paperboy.toml", example.text());
        } else {
            folder = with_env(folder, example);
            let run = folder.run(&args);
            assert_eq!(run.code, Some(example.code), "{}\n{run}", example.text());
            if let Some(file) = &example.stdout_to {
                folder = folder.file(file, &run.stdout);
            }
        }
        ran.push(example.text());
    }
    (examples, ran, skipped)
}

/// The README once showed `subscriber add carol@example.com` (carol is in the sample already)
/// and `topic remove ssm` (no such topic), which both failed against the sample config.
#[test]
fn every_example_in_the_readme_runs_as_written() {
    let (examples, ran, skipped) = run_examples("README.md");
    for listed in NEEDS_A_MAIL_SERVER_OR_NETWORK {
        assert!(skipped.contains(listed), "`{listed}` is skipped but the README no longer has it");
    }
    for needed in ["init", "topic add", "subscriber add", "preview --serve", "send", "history"] {
        let found = examples.iter().any(|e| e.is(needed));
        assert!(found, "the README's guide lost its `paperboy {needed}` example");
    }
    assert!(ran.len() >= 10, "only {} README examples ran: {ran:#?}", ran.len());
}

#[test]
fn every_example_of_the_commands_chapter_runs_as_written() {
    let (_, ran, _) = run_examples("docs/src/commands.md");
    assert!(ran.len() >= 8, "only {} examples ran: {ran:#?}", ran.len());
}

#[test]
fn readme_examples_are_read_as_sh_reads_them() {
    let readme = "```sh\nFOO=1 paperboy subscriber add a@b.org --name \"A B\" \\\n    --max-papers 3  # exits 2\npaperboy man > paperboy.1\necho not paperboy\n```\n```text\npaperboy send\n```\n";
    let examples = examples(readme, "README.md");
    assert_eq!(examples.len(), 2, "{examples:?}");
    assert_eq!(examples[0].line, 2);
    assert_eq!(examples[0].env, [("FOO".to_owned(), "1".to_owned())]);
    assert_eq!(
        examples[0].args,
        ["subscriber", "add", "a@b.org", "--name", "A B", "--max-papers", "3"]
    );
    assert_eq!(examples[0].code, 2);
    assert_eq!(examples[1].args, ["man"]);
    assert_eq!(examples[1].stdout_to.as_deref(), Some("paperboy.1"));
}
