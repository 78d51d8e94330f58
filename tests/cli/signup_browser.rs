//! The self-service pages end to end in a real browser: headless Chromium driven through
//! WebDriver (Debian's `chromium-driver`) fills the sign-up form, the test reads the
//! confirmation mail from the outbox and follows its link, confirms, opens the manage link of
//! the next digest, changes topics and pauses, and checks the config file at each step.
//!
//! The WebDriver client is the few W3C WebDriver calls the test needs, over the HTTP client
//! the other tests use already: a client crate (fantoccini) would add its own HTTP stack to
//! build, and Python's selenium a second language and `pip` to CI, for the same dozen calls.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::harness::{Email, Paperboy, required_tool};

/// A running chromedriver and one browser session; both end when dropped.
struct Browser {
    driver: Child,
    session: String,
    base: String,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

impl Browser {
    fn start() -> Browser {
        let chromedriver = required_tool("chromedriver", "chromium-driver");
        let chromium = required_tool("chromium", "chromium");
        let port = free_port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while agent().get(format!("{base}/status")).call().is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().unwrap();
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--no-first-run", "--disable-background-networking", "--disable-sync",
                    format!("--user-data-dir={}", profile.path().display()),
                    // A phone's width: the pages must work at 390 px.
                    "--window-size=390,844",
                ],
            },
        }}});
        let mut browser = Browser { driver, session: String::new(), base, _profile: profile };
        let created = browser.call("POST", "/session", capabilities);
        browser.session = created["sessionId"].as_str().expect("a session id").to_owned();
        browser
    }

    fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.base);
        let mut response = match method {
            "GET" => agent().get(&url).call(),
            "DELETE" => agent().delete(&url).call(),
            _ => {
                agent().post(&url).header("Content-Type", "application/json").send(body.to_string())
            }
        }
        .unwrap_or_else(|err| panic!("WebDriver {method} {path}: {err}"));
        let status = response.status().as_u16();
        let answer: Value =
            serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
        assert_eq!(status, 200, "WebDriver {method} {path}: {answer}");
        answer["value"].clone()
    }

    fn session_call(&self, method: &str, path: &str, body: Value) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    fn open(&self, url: &str) {
        self.session_call("POST", "/url", json!({"url": url}));
    }

    fn find(&self, css: &str) -> String {
        let found =
            self.session_call("POST", "/element", json!({"using": "css selector", "value": css}));
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap()
            .to_owned()
    }

    fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.session_call("POST", &format!("/element/{element}/clear"), json!({}));
        self.session_call("POST", &format!("/element/{element}/value"), json!({"text": text}));
    }

    fn click(&self, css: &str) {
        let element = self.find(css);
        self.session_call("POST", &format!("/element/{element}/click"), json!({}));
    }

    fn run(&self, script: &str) -> Value {
        self.session_call("POST", "/execute/sync", json!({"script": script, "args": []}))
    }

    fn text(&self) -> String {
        self.run("return document.body.innerText").as_str().unwrap().to_owned()
    }

    /// The page's text, or nothing while a page is being replaced (a script then fails).
    fn text_during_navigation(&self) -> String {
        let url = format!("{}/session/{}/execute/sync", self.base, self.session);
        let body = json!({"script": "return document.body.innerText", "args": []});
        let Ok(mut response) =
            agent().post(&url).header("Content-Type", "application/json").send(body.to_string())
        else {
            return String::new();
        };
        let answer: Value =
            serde_json::from_str(&response.body_mut().read_to_string().unwrap_or_default())
                .unwrap_or_default();
        answer["value"].as_str().unwrap_or("").to_owned()
    }

    /// Waits for the page after a click: chromedriver may answer the click of a submit
    /// button before the next page has loaded.
    fn wait_for_text(&self, needle: &str) {
        let started = Instant::now();
        while !self.text_during_navigation().contains(needle) {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "no {needle:?} in {}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The page fits 390 px without sideways scrolling, and every visible field has a label.
    fn assert_accessible(&self, page: &str) {
        let width = self.run("return document.documentElement.scrollWidth").as_u64().unwrap();
        let view = self.run("return window.innerWidth").as_u64().unwrap();
        assert!(width <= view, "{page} scrolls sideways: {width} px in {view}");
        let unlabelled = self.run(
            "return [...document.querySelectorAll('input:not([type=hidden]), button')]\
             .filter(e => !e.closest('[aria-hidden=true]'))\
             .filter(e => e.tagName === 'BUTTON' ? !e.innerText.trim() : !e.labels.length)\
             .map(e => e.name || e.outerHTML)",
        );
        assert_eq!(unlabelled, json!([]), "{page} has fields without a label");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = agent().delete(format!("{}/session/{}", self.base, self.session)).call();
        }
        self.driver.kill().ok();
        self.driver.wait().ok();
    }
}

/// The first word of `text` that starts with `start`.
fn link(text: &str, start: &str) -> String {
    text.split_whitespace()
        .find(|word| word.starts_with(start))
        .unwrap_or_else(|| panic!("no {start}... in {text}"))
        .to_owned()
}

#[test]
fn a_reader_signs_up_confirms_and_changes_their_topics_in_a_real_browser() {
    let port = free_port();
    let site = format!("http://127.0.0.1:{port}/lab");
    let (today, date) = crate::harness::sample_dated_days_ago(0);
    let paperboy = Paperboy::new()
        .config(&format!(
            "# The lab's digest.\n[newsletter]\ntitle = \"Lab Papers\"\nfrom = \"papers@example.org\"\n\
             site_url = \"{site}\"\n\n[[sources]]\nname = \"hf\"\npath = \"today.txt\"\n\n\
             # Topics readers can pick.\n[topics.distillation]\nkeywords = [\"knowledge distillation\"]\n\
             description = \"Smaller models taught by larger ones\"\n\n\
             [topics.language]\nkeywords = [\"language model\"]\n\n\
             # Alice was first.\n[[subscribers]]\nemail = \"alice@example.com\"\ntopics = [\"language\"]\n"
        ))
        .file("today.txt", today)
        .env("PAPERBOY_SECRET", "browser-test-secret");
    paperboy.run(&["send"]).success();
    let before = paperboy.read("paperboy.toml");
    let listen = format!("127.0.0.1:{port}");
    let _server = paperboy.server(&["serve", "--listen", &listen]);
    let browser = Browser::start();

    browser.open(&format!("{site}/subscribe"));
    browser.assert_accessible("the sign-up form");
    assert!(browser.text().contains("Smaller models taught by larger ones"));
    browser.type_into("#email", "dana@example.com");
    browser.type_into("#name", "Dana");
    browser.click("input[name=topics][value=distillation]");
    browser.type_into("#keywords", "mamba");
    browser.click("button[type=submit]");
    browser.wait_for_text("Check your inbox");
    assert_eq!(paperboy.read("paperboy.toml"), before, "nothing is added before confirming");

    let mail =
        Email::parse(&paperboy.read_bytes(&format!("outbox/notices/{date}/dana@example.com.eml")));
    browser.open(&link(&mail.text, &format!("{site}/confirm?")));
    browser.assert_accessible("the confirmation page");
    assert!(browser.text().contains("dana@example.com"));
    assert_eq!(paperboy.read("paperboy.toml"), before, "opening the link adds nobody");
    browser.click("button[type=submit]");
    browser.wait_for_text("Welcome");
    let confirmed = paperboy.read("paperboy.toml");
    assert_eq!(
        confirmed,
        format!(
            "{before}\n[[subscribers]]\nemail = \"dana@example.com\"\nname = \"Dana\"\n\
             topics = [\"distillation\"]\nkeywords = [\"mamba\"]\n"
        )
    );

    // The next digest carries the manage link.
    paperboy.run(&["send"]).success();
    let digest = Email::parse(&paperboy.read_bytes(&format!("outbox/{date}/dana@example.com.eml")));
    browser.open(&link(&digest.text, &format!("{site}/manage?")));
    browser.assert_accessible("the manage page");
    browser.click("input[name=topics][value=distillation]");
    browser.click("input[name=topics][value=language]");
    browser.click("#paused");
    browser.click("button[type=submit]");
    browser.wait_for_text("Saved");
    let managed = paperboy.read("paperboy.toml");
    assert_eq!(
        managed,
        confirmed.replace(
            "topics = [\"distillation\"]\nkeywords = [\"mamba\"]\n",
            "topics = [\"language\"]\nkeywords = [\"mamba\"]\npaused = true\n"
        )
    );
}
