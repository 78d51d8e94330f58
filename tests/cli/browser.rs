//! `paperboy preview --serve` in a real browser: headless Chromium opens the index and a
//! digest, a screenshot is saved under target/, and the page must carry the papers' titles.

use std::path::PathBuf;
use std::process::Command;

use crate::harness::{
    Paperboy, SAMPLE, SAMPLE_DATE, http_agent, required_tool, sample_titles_mentioning,
    without_marks,
};

fn config() -> String {
    format!(
        "[newsletter]\ntitle = \"Reading Group Papers\"\nfrom = \"d@example.org\"\n\
         [[sources]]\nname = \"hf\"\npath = \"{SAMPLE}\"\n\
         [[subscribers]]\nemail = \"alice@example.com\"\nkeywords = [\"knowledge distillation\"]\n\
         [[subscribers]]\nemail = \"bob@example.com\"\nkeywords = [\"Mamba\"]\n"
    )
}

/// Runs headless Chromium on `url` with a throwaway profile; returns the DOM it printed.
fn chromium(url: &str, screenshot: Option<&PathBuf>) -> String {
    let chromium = required_tool("chromium", "chromium");
    let profile = tempfile::tempdir().unwrap();
    let mut command = Command::new(chromium);
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=900,1400",
    ]);
    command.arg(format!("--user-data-dir={}", profile.path().display()));
    match screenshot {
        Some(path) => command.arg(format!("--screenshot={}", path.display())),
        None => command.arg("--dump-dom"),
    };
    let output = command.arg(url).output().expect("cannot run chromium");
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn screenshot_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn the_preview_server_shows_every_digest_in_a_browser() {
    let paperboy = Paperboy::new().config(&config()).sample();
    let server =
        paperboy.server(&["preview", "--serve", "--listen", "127.0.0.1:0", "--date", SAMPLE_DATE]);

    let index = chromium(&format!("{}/", server.base), None);
    assert!(index.contains("alice@example.com") && index.contains("bob@example.com"), "{index}");
    let mamba = sample_titles_mentioning("Mamba");
    assert!(index.contains(&format!("<td align=\"right\">{}</td>", mamba.len())), "{index}");

    let digest_url = format!("{}/bob@example.com.html", server.base);
    let dom = without_marks(&chromium(&digest_url, None));
    for title in &mamba {
        assert!(dom.contains(&title.replace('&', "&amp;")), "{title} is not on the page");
    }
    let shot = screenshot_path("digest.png");
    chromium(&digest_url, Some(&shot));
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "no real screenshot");
    chromium(&format!("{}/", server.base), Some(&screenshot_path("index.png")));
}

#[test]
fn a_template_edit_shows_on_reload() {
    let paperboy = Paperboy::new()
        .config(&config().replace("[[sources]]", "templates = \"mine\"\n[[sources]]"))
        .sample()
        .file("mine/digest.txt", "first version");
    let server =
        paperboy.server(&["preview", "--serve", "--listen", "127.0.0.1:0", "--date", SAMPLE_DATE]);
    let fetch = |path: &str| {
        let mut response = http_agent().get(&format!("{}{path}", server.base)).call().unwrap();
        (response.status(), response.body_mut().read_to_string().unwrap())
    };
    assert_eq!(fetch("/alice@example.com.txt").1, "first version");
    let _paperboy = paperboy.file("mine/digest.txt", "second version, {{ count }} papers");
    assert!(fetch("/alice@example.com.txt").1.starts_with("second version, "));

    let (_, eml) = fetch("/alice@example.com.eml");
    assert!(eml.contains("Subject: Reading Group Papers"), "{eml}");
    assert_eq!(fetch("/zoe@example.com.html").0, 404);
}

#[test]
fn an_address_with_unusual_characters_has_working_preview_links() {
    let config = config().replace("bob@example.com", "a/b@example.com");
    let paperboy = Paperboy::new().config(&config).sample();
    let server =
        paperboy.server(&["preview", "--serve", "--listen", "127.0.0.1:0", "--date", SAMPLE_DATE]);
    let mut index = http_agent().get(&format!("{}/", server.base)).call().unwrap();
    let index = index.body_mut().read_to_string().unwrap();
    let href = "a%252Fb@example.com.html";
    assert!(index.contains(&format!("href=\"{href}\"")), "{index}");
    let digest = http_agent().get(&format!("{}/{href}", server.base)).call().unwrap();
    assert_eq!(digest.status(), 200);
}
