//! The harness every CLI test goes through: a scratch folder with a config and input files, the
//! real `paperboy` binary run in it with a scrubbed environment, and what it printed.
//!
//! It also holds what several subcommands' tests share: an independent reading of the bundled
//! sample listing (so expected picks never come from paperboy's own parser) and an owned view
//! of a parsed message. It must not know paperboy's internals: everything goes through the
//! binary, the files it writes and the messages it sends.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mail_parser::{MessageParser, MimeHeaders, PartType};

/// The bundled Daily Papers page, copied into the scratch folder under this name.
pub(crate) const SAMPLE: &str = "hf-daily-papers-aug5.txt";

/// The listing date of the sample.
pub(crate) const SAMPLE_DATE: &str = "2025-08-05";

/// No run of the binary should take anywhere near this; a hung run fails instead of
/// stalling the suite.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A scratch folder to run `paperboy` in, built up fluently.
///
/// The binary runs with the folder as its working directory, so `paperboy.toml` (the
/// default config path) and every relative path in a test mean files in the folder.
pub(crate) struct Paperboy {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Paperboy {
    /// An empty scratch folder: no config, no input.
    pub(crate) fn new() -> Paperboy {
        let dir = tempfile::Builder::new()
            .prefix("paperboy-test-")
            .tempdir()
            .expect("cannot make a scratch folder");
        Paperboy { dir, env: Vec::new() }
    }

    /// Writes `paperboy.toml`, the config the binary finds without `--config`.
    pub(crate) fn config(self, toml: &str) -> Paperboy {
        self.file("paperboy.toml", toml)
    }

    /// Writes a file (creating folders) relative to the scratch folder.
    pub(crate) fn file(self, path: &str, contents: impl AsRef<[u8]>) -> Paperboy {
        let path = self.path(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("cannot make a folder in the scratch folder");
        }
        std::fs::write(&path, contents)
            .unwrap_or_else(|err| panic!("cannot write {}: {err}", path.display()));
        self
    }

    /// Copies `tests/fixtures/<fixture>` into the scratch folder as `as_path`.
    pub(crate) fn fixture(self, fixture: &str, as_path: &str) -> Paperboy {
        let contents = std::fs::read(fixture_path(fixture))
            .unwrap_or_else(|err| panic!("cannot read fixture {fixture}: {err}"));
        self.file(as_path, contents)
    }

    /// Copies the bundled sample listing in as [`SAMPLE`].
    pub(crate) fn sample(self) -> Paperboy {
        self.file(SAMPLE, sample_text())
    }

    /// Copies the bundled sample listing in under another name.
    pub(crate) fn sample_as(self, path: &str) -> Paperboy {
        self.file(path, sample_text())
    }

    /// Sets `PAPERBOY_SMTP_PASSWORD` for every run; otherwise the variable is never set.
    pub(crate) fn smtp_password(self, password: &str) -> Paperboy {
        self.env("PAPERBOY_SMTP_PASSWORD", password)
    }

    /// Sets an environment variable for every run, on top of the scrubbed environment.
    pub(crate) fn env(mut self, key: &str, value: &str) -> Paperboy {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// A path inside the scratch folder.
    pub(crate) fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// A file the run wrote, as text.
    pub(crate) fn read(&self, relative: &str) -> String {
        let path = self.path(relative);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
    }

    /// A file the run wrote, as bytes.
    pub(crate) fn read_bytes(&self, relative: &str) -> Vec<u8> {
        let path = self.path(relative);
        std::fs::read(&path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
    }

    /// The names in a folder of the scratch folder, sorted; empty if it does not exist.
    pub(crate) fn list(&self, relative: &str) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.path(relative)) else { return Vec::new() };
        let mut names: Vec<String> = entries
            .map(|entry| entry.expect("cannot list a folder").file_name())
            .map(|name| name.to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Runs `paperboy ARGS` in the scratch folder and waits for it.
    ///
    /// The environment holds `PATH` and what the test set, nothing else, so a developer's
    /// `PAPERBOY_CONFIG` or `PAPERBOY_SMTP_PASSWORD` never leaks in. A panic of the binary
    /// fails the test here, whatever the test goes on to check.
    pub(crate) fn run(&self, args: &[&str]) -> Run {
        self.spawn(args).wait()
    }

    /// Starts `paperboy ARGS` like [`Paperboy::run`], without waiting: for a run to be
    /// killed, or raced by another.
    pub(crate) fn spawn(&self, args: &[&str]) -> Running {
        self.spawn_reading_stdout(args, true)
    }

    /// Runs `paperboy ARGS` with nobody reading its standard output, as `paperboy ... | head`
    /// leaves it once `head` has read enough: writes fail with a broken pipe.
    pub(crate) fn run_into_closed_pipe(&self, args: &[&str]) -> Run {
        self.spawn_reading_stdout(args, false).wait()
    }

    fn spawn_reading_stdout(&self, args: &[&str], read_stdout: bool) -> Running {
        let mut child = self
            .command(args)
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start the paperboy binary");
        // Drain both pipes on threads so a chatty run cannot block on a full pipe.
        let stdout = child.stdout.take().expect("stdout is piped");
        let stdout = if read_stdout { drain(stdout) } else { std::thread::spawn(String::new) };
        let stderr = drain(child.stderr.take().expect("stderr is piped"));
        let args = args.iter().map(|arg| (*arg).to_owned()).collect();
        Running { child, stdout, stderr, args }
    }
}

/// A run of the binary under way.
pub(crate) struct Running {
    child: std::process::Child,
    stdout: std::thread::JoinHandle<String>,
    stderr: std::thread::JoinHandle<String>,
    args: Vec<String>,
}

impl Running {
    /// Ends it with SIGKILL, as `kill -9` does: no cleanup of any kind runs.
    pub(crate) fn kill(mut self) -> Run {
        self.child.kill().expect("cannot kill paperboy");
        self.wait()
    }

    /// Waits for it to end (at most the harness's timeout).
    pub(crate) fn wait(mut self) -> Run {
        let (child, args) = (&mut self.child, &self.args);
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("cannot wait for paperboy") {
                break status;
            }
            if started.elapsed() > TIMEOUT {
                child.kill().ok();
                panic!("`paperboy {}` ran longer than {TIMEOUT:?}", args.join(" "));
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let run = Run {
            args: self.args.iter().map(OsString::from).collect(),
            code: status.code(),
            stdout: self.stdout.join().expect("the stdout reader panicked"),
            stderr: self.stderr.join().expect("the stderr reader panicked"),
        };
        assert!(
            !run.stderr.contains("panicked") && run.code != Some(101),
            "paperboy panicked\n{run}"
        );
        run
    }
}

impl Paperboy {
    /// `paperboy ARGS` in the scratch folder with the scrubbed environment and stdout piped.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_paperboy"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        if let Some(path) = std::env::var_os("PATH") {
            command.env("PATH", path);
        }
        for (key, value) in &self.env {
            command.env(key, value);
        }
        command
    }

    /// Starts a long-running `paperboy ARGS` (a server) in the scratch folder and waits for
    /// the first line it prints, which names the `http://` address it listens on.
    pub(crate) fn server(&self, args: &[&str]) -> Background {
        // Outside the scratch folder, so that listing it shows only what paperboy wrote.
        let stderr = tempfile::NamedTempFile::new().expect("a file for the server's stderr");
        let mut child = self
            .command(args)
            .stderr(stderr.reopen().expect("the stderr file"))
            .spawn()
            .expect("cannot start the paperboy binary");
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().expect("stdout is piped")),
            &mut line,
        )
        .expect("cannot read the server's first line");
        let base = line
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap_or_else(|| panic!("`paperboy {}` printed no address: {line:?}", args.join(" ")))
            .trim_end_matches('/')
            .to_owned();
        assert!(base.starts_with("http://127.0.0.1:"), "servers bind to loopback: {line}");
        Background { child, base, stderr }
    }
}

/// A `paperboy` server running in the background; killed when dropped.
pub(crate) struct Background {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub(crate) base: String,
    stderr: tempfile::NamedTempFile,
}

impl Background {
    /// The server's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the server printed on stderr so far.
    pub(crate) fn stderr(&self) -> String {
        std::fs::read_to_string(self.stderr.path()).expect("the server's stderr")
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// An HTTP client that returns 4xx and 5xx answers instead of failing on them.
pub(crate) fn http_agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

/// The path of a program the test needs, or a panic that says how to get it: a missing
/// tool fails the test rather than skipping it, so CI can never pass without checking.
pub(crate) fn required_tool(name: &str, package: &str) -> PathBuf {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!("`{name}` is not installed: run `bash .ci/run`, or `apt-get install {package}`")
        })
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        pipe.read_to_end(&mut bytes).expect("cannot read paperboy's output");
        String::from_utf8(bytes).expect("paperboy printed text that is not UTF-8")
    })
}

/// What one run of the binary did.
pub(crate) struct Run {
    args: Vec<OsString>,
    /// The exit status; `None` if a signal ended the process.
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let args: Vec<String> =
            self.args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
        writeln!(f, "--- paperboy {} ---", args.join(" "))?;
        writeln!(f, "exit status: {:?}", self.code)?;
        writeln!(f, "--- stdout ---\n{}", self.stdout)?;
        write!(f, "--- stderr ---\n{}", self.stderr)
    }
}

impl Run {
    /// Asserts the exit status.
    #[track_caller]
    pub(crate) fn code(&self, expected: i32) -> &Run {
        assert_eq!(self.code, Some(expected), "unexpected exit status\n{self}");
        self
    }

    /// Asserts exit status 0.
    #[track_caller]
    pub(crate) fn success(&self) -> &Run {
        self.code(0)
    }

    /// Asserts the whole of stdout.
    #[track_caller]
    pub(crate) fn stdout_is(&self, expected: &str) -> &Run {
        assert_eq!(self.stdout, expected, "unexpected stdout\n{self}");
        self
    }

    /// Asserts the whole of stderr.
    #[track_caller]
    pub(crate) fn stderr_is(&self, expected: &str) -> &Run {
        assert_eq!(self.stderr, expected, "unexpected stderr\n{self}");
        self
    }

    /// Asserts that stdout contains `needle`.
    #[track_caller]
    pub(crate) fn stdout_has(&self, needle: &str) -> &Run {
        assert!(self.stdout.contains(needle), "stdout lacks {needle:?}\n{self}");
        self
    }

    /// Asserts that stderr contains `needle`.
    #[track_caller]
    pub(crate) fn stderr_has(&self, needle: &str) -> &Run {
        assert!(self.stderr.contains(needle), "stderr lacks {needle:?}\n{self}");
        self
    }

    /// The lines of stderr.
    pub(crate) fn stderr_lines(&self) -> Vec<&str> {
        self.stderr.lines().collect()
    }
}

/// `tests/fixtures/<relative>`.
pub(crate) fn fixture_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(relative)
}

/// The bundled sample listing.
pub(crate) fn sample_text() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(SAMPLE);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

/// The sample with its `Aug 5` line moved to `days` before the real today, as `Mon D`, and
/// that date: for runs without `--date`, which read the real clock (and warn of a listing
/// far from it).
pub(crate) fn sample_dated_days_ago(days: i64) -> (String, chrono::NaiveDate) {
    #[allow(clippy::disallowed_methods, reason = "the binary reads the real clock too")]
    let today = chrono::Utc::now().date_naive();
    let day = today - chrono::Duration::days(days);
    let text = sample_text().replacen("\nAug 5\n", &format!("\n{}\n", day.format("%b %-d")), 1);
    (text, day)
}

/// A paper of the sample as the test reads it, independently of paperboy's parser.
#[derive(Debug, Clone)]
pub(crate) struct SamplePaper {
    pub(crate) title: String,
    pub(crate) abstract_text: String,
}

impl SamplePaper {
    /// Whether `phrase` occurs in the title or abstract as whole words, ignoring ASCII case.
    pub(crate) fn mentions(&self, phrase: &str) -> bool {
        mentions(&self.title, phrase) || mentions(&self.abstract_text, phrase)
    }
}

/// The papers of the sample: after the six paragraphs of page chrome and the date line, the
/// paragraphs alternate title and abstract. Deliberately simpler than paperboy's parser.
pub(crate) fn sample_papers() -> Vec<SamplePaper> {
    let text = sample_text();
    let paragraphs: Vec<&str> =
        text.split("\n\n").map(str::trim).filter(|paragraph| !paragraph.is_empty()).collect();
    assert_eq!(
        &paragraphs[..6],
        [
            "new",
            "Get trending papers in your email inbox!",
            "Subscribe",
            "Daily Papers",
            "byAK and the research community",
            "Aug 5"
        ]
    );
    let body = &paragraphs[6..];
    assert_eq!(body.len() % 2, 0, "the sample alternates title and abstract");
    body.chunks(2)
        .map(|pair| SamplePaper { title: pair[0].to_owned(), abstract_text: pair[1].to_owned() })
        .collect()
}

/// The titles of the sample papers that mention `phrase`, in listing order.
pub(crate) fn sample_titles_mentioning(phrase: &str) -> Vec<String> {
    sample_papers().into_iter().filter(|p| p.mentions(phrase)).map(|p| p.title).collect()
}

/// A case-insensitive substring check where the match must not touch a letter or digit on
/// either side: `\bphrase\b` without a regex.
pub(crate) fn mentions(text: &str, phrase: &str) -> bool {
    let haystack = text.to_ascii_lowercase();
    let needle = phrase.to_ascii_lowercase();
    let word_char = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    haystack.match_indices(&needle).any(|(at, _)| {
        !word_char(haystack[..at].chars().next_back())
            && !word_char(haystack[at + needle.len()..].chars().next())
    })
}

/// Runs of whitespace become one space, so a title wrapped over lines can be found whole.
pub(crate) fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Undoes the entity escapes tera's HTML autoescape writes, and drops the `<mark>` tags
/// that highlight matched words, so a title reads as the listing wrote it.
pub(crate) fn unescape_html(html: &str) -> String {
    without_marks(html)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&#x2F;", "/")
        .replace("&#47;", "/")
        .replace("&amp;", "&")
}

/// `html` without `<mark ...>` and `</mark>` tags.
pub(crate) fn without_marks(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("<mark") {
        out.push_str(&rest[..at]);
        rest = rest[at..].split_once('>').map_or("", |(_, after)| after);
    }
    out.push_str(rest);
    out.replace("</mark>", "")
}

/// One address of an address header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mailbox {
    pub(crate) name: Option<String>,
    pub(crate) address: String,
}

/// A message parsed with mail-parser into owned parts, so tests can compare plain values.
#[derive(Debug, Clone)]
pub(crate) struct Email {
    /// The names of the top-level headers, in order, as written.
    pub(crate) header_names: Vec<String>,
    /// `(name, raw value)` of every top-level header, unfolded and trimmed.
    headers: Vec<(String, String)>,
    pub(crate) from: Vec<Mailbox>,
    pub(crate) to: Vec<Mailbox>,
    pub(crate) reply_to: Vec<Mailbox>,
    pub(crate) subject: Option<String>,
    /// Whether a `Date:` header parsed as a date.
    pub(crate) has_date: bool,
    /// Without the angle brackets.
    pub(crate) message_id: Option<String>,
    /// `multipart/alternative`, say.
    pub(crate) content_type: String,
    /// The content types of the leaf parts, in order.
    pub(crate) leaf_types: Vec<String>,
    /// The decoded text/plain part.
    pub(crate) text: String,
    /// The decoded text/html part.
    pub(crate) html: String,
}

impl Email {
    /// Parses a raw message; panics if mail-parser cannot read it as one.
    #[track_caller]
    pub(crate) fn parse(raw: &[u8]) -> Email {
        let message = MessageParser::default()
            .parse(raw)
            .unwrap_or_else(|| panic!("not a message:\n{}", String::from_utf8_lossy(raw)));
        let headers: Vec<(String, String)> =
            message.headers_raw().map(|(name, value)| (name.to_owned(), squash(value))).collect();
        let mailboxes = |address: Option<&mail_parser::Address<'_>>| -> Vec<Mailbox> {
            address
                .map(|address| {
                    address
                        .iter()
                        .map(|addr| Mailbox {
                            name: addr.name().map(str::to_owned),
                            address: addr.address().unwrap_or_default().to_owned(),
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let content_type = |ct: Option<&mail_parser::ContentType<'_>>| {
            ct.map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")))
                .unwrap_or_default()
                .to_ascii_lowercase()
        };
        let mut leaf_types = Vec::new();
        let (mut text, mut html) = (None, None);
        for part in &message.parts {
            let kind = content_type(part.content_type());
            match &part.body {
                PartType::Multipart(_) => continue,
                PartType::Text(body) if kind == "text/plain" => text = Some(body.to_string()),
                PartType::Html(body) => html = Some(body.to_string()),
                _ => {}
            }
            leaf_types.push(kind);
        }
        Email {
            header_names: headers.iter().map(|(name, _)| name.clone()).collect(),
            from: mailboxes(message.from()),
            to: mailboxes(message.to()),
            reply_to: mailboxes(message.reply_to()),
            subject: message.subject().map(str::to_owned),
            has_date: message.date().is_some(),
            message_id: message.message_id().map(str::to_owned),
            content_type: content_type(message.content_type()),
            leaf_types,
            text: text.unwrap_or_default(),
            html: html.unwrap_or_default(),
            headers,
        }
    }

    /// The raw value of the only top-level header called `name` (case-insensitive).
    #[track_caller]
    pub(crate) fn header(&self, name: &str) -> Option<String> {
        let mut found = self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name));
        let first = found.next().map(|(_, value)| value.clone());
        assert!(found.next().is_none(), "more than one `{name}` header: {:?}", self.headers);
        first
    }

    /// How many top-level headers are called `name` (case-insensitive).
    pub(crate) fn count_headers(&self, name: &str) -> usize {
        self.header_names.iter().filter(|n| n.eq_ignore_ascii_case(name)).count()
    }
}

/// Asserts that each of `expected` appears in `body` and no other sample title does.
/// `body` is compared with whitespace squashed, so wrapped titles count.
#[track_caller]
pub(crate) fn assert_titles_exactly(body: &str, expected: &[String], part: &str) {
    let body = squash(body);
    let papers = sample_papers();
    let present: Vec<&str> = papers
        .iter()
        .map(|paper| paper.title.as_str())
        .filter(|title| body.contains(&squash(title)))
        .collect();
    let mut present_sorted = present.clone();
    present_sorted.sort_unstable();
    let mut expected_sorted: Vec<&str> = expected.iter().map(String::as_str).collect();
    expected_sorted.sort_unstable();
    assert_eq!(present_sorted, expected_sorted, "titles in the {part} part");
}
