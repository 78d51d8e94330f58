//! The self-service pages of `paperboy serve` over real HTTP on loopback: sign-up, the
//! confirmation mail (file transport), confirm, the manage page, and every refusal.

use std::collections::BTreeMap;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::harness::{Background, Email, Paperboy, http_agent};

const SECRET: &str = "pages-test-secret";
const SITE: &str = "https://papers.example.org/lab";

/// A newsletter with two topics (one described), one reader, comments to keep, and the
/// `[serve]` keys given in `serve`.
fn config(serve: &str) -> String {
    format!(
        "# The lab's digest.\n[newsletter]\ntitle = \"Lab Papers\"\nfrom = \"Lab <papers@example.org>\"\n\
         site_url = \"{SITE}\"\n\n\
         [[sources]]\nname = \"hf\"\npath = \"today.txt\"\n\n\
         # Topics readers can pick.\n[topics.distillation]\nkeywords = [\"knowledge distillation\"]\n\
         description = \"Smaller models taught by larger ones\"\n\n\
         [topics.agents]\nkeywords = [\"language model\"]\n\n\
         # Alice was first.\n[[subscribers]]\nemail = \"alice@example.com\"\ntopics = [\"agents\"]\n\
         {serve}"
    )
}

fn newsletter(serve: &str) -> Paperboy {
    let (today, _) = crate::harness::sample_dated_days_ago(0);
    Paperboy::new().config(&config(serve)).file("today.txt", today).env("PAPERBOY_SECRET", SECRET)
}

fn serve(paperboy: &Paperboy) -> Background {
    paperboy.server(&["serve", "--listen", "127.0.0.1:0"])
}

/// A client that keeps the CSRF cookie, as a browser does.
struct Client {
    base: String,
    cookie: Option<String>,
    forwarded_for: Option<String>,
}

struct Answer {
    status: u16,
    body: String,
}

impl Client {
    fn new(server: &Background) -> Client {
        Client { base: server.base.clone(), cookie: None, forwarded_for: None }
    }

    fn url(&self, target: &str) -> String {
        // Links in mails name the public site; the server behind it sees the same paths.
        let target = target.strip_prefix("https://papers.example.org").unwrap_or(target);
        format!("{}{target}", self.base)
    }

    fn keep(&mut self, response: &ureq::http::Response<ureq::Body>) {
        if let Some(cookie) = response.headers().get("set-cookie") {
            let pair = cookie.to_str().unwrap().split(';').next().unwrap().to_owned();
            self.cookie = Some(pair);
        }
    }

    fn get(&mut self, target: &str) -> Answer {
        let mut request = http_agent().get(self.url(target));
        if let Some(cookie) = &self.cookie {
            request = request.header("Cookie", cookie);
        }
        let mut response = request.call().unwrap();
        self.keep(&response);
        Answer {
            status: response.status().as_u16(),
            body: response.body_mut().read_to_string().unwrap(),
        }
    }

    fn post(&mut self, target: &str, fields: &[(&str, &str)]) -> Answer {
        let body: String =
            form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        self.post_raw(target, &body)
    }

    fn post_raw(&mut self, target: &str, body: &str) -> Answer {
        let mut request = http_agent()
            .post(self.url(target))
            .header("Content-Type", "application/x-www-form-urlencoded");
        if let Some(cookie) = &self.cookie {
            request = request.header("Cookie", cookie);
        }
        if let Some(forwarded) = &self.forwarded_for {
            request = request.header("X-Forwarded-For", forwarded);
        }
        let mut response = request.send(body).unwrap();
        self.keep(&response);
        Answer {
            status: response.status().as_u16(),
            body: response.body_mut().read_to_string().unwrap(),
        }
    }

    /// Opens the sign-up form and sends it with `fields` and the form's CSRF field.
    fn subscribe(&mut self, fields: &[(&str, &str)]) -> Answer {
        let form = self.get("/lab/subscribe");
        assert_eq!(form.status, 200, "{}", form.body);
        let csrf = hidden(&form.body, "csrf");
        let mut all = fields.to_vec();
        all.push(("csrf", &csrf));
        self.post("/lab/subscribe", &all)
    }

    /// Sends the form a page shows, its hidden fields included, with `extra` added.
    fn send_form(&mut self, page: &str, action: &str, extra: &[(&str, &str)]) -> Answer {
        let mut fields: Vec<(String, String)> = hidden_fields(page);
        fields.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let pairs: Vec<(&str, &str)> =
            fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.post(action, &pairs)
    }
}

/// The value of the hidden input `name`, unescaped.
fn hidden(html: &str, name: &str) -> String {
    hidden_fields(html)
        .into_iter()
        .find(|(key, _)| key == name)
        .unwrap_or_else(|| panic!("no hidden `{name}` in {html}"))
        .1
}

fn hidden_fields(html: &str) -> Vec<(String, String)> {
    html.lines()
        .filter(|line| line.contains("type=\"hidden\""))
        .map(|line| {
            let attr = |name: &str| {
                let start = line.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                let rest = &line[start..];
                crate::harness::unescape_html(&rest[..rest.find('"').unwrap()])
            };
            (attr("name"), attr("value"))
        })
        .collect()
}

/// The mails the pages sent, by address.
fn notices(paperboy: &Paperboy) -> BTreeMap<String, Email> {
    let mut mails = BTreeMap::new();
    for day in paperboy.list("outbox/notices") {
        for file in paperboy.list(&format!("outbox/notices/{day}")) {
            let raw = paperboy.read_bytes(&format!("outbox/notices/{day}/{file}"));
            mails.insert(file.trim_end_matches(".eml").to_owned(), Email::parse(&raw));
        }
    }
    mails
}

/// The link in the mail to `email` that starts with `<site>/<page>`.
fn link_in_mail(paperboy: &Paperboy, email: &str, page: &str) -> String {
    let mails = notices(paperboy);
    let mail = mails
        .get(email)
        .unwrap_or_else(|| panic!("no mail to {email}: {mails:?}", mails = mails.keys()));
    let start = format!("{SITE}/{page}?");
    mail.text
        .split_whitespace()
        .find(|word| word.starts_with(&start))
        .unwrap_or_else(|| panic!("no {page} link in {}", mail.text))
        .to_owned()
}

fn pending(paperboy: &Paperboy) -> Vec<serde_json::Value> {
    let run = paperboy.run(&["subscriber", "list", "--pending", "--format", "json"]);
    run.success();
    serde_json::from_str(&run.stdout).unwrap()
}

/// A confirmation token made as paperboy makes it, for links the server never mailed.
fn confirm_token(email: &str, request: &str, expires: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(b"paperboy\0");
    mac.update(b"confirm");
    for field in [email, request, expires] {
        mac.update(&(field.len() as u64).to_be_bytes());
        mac.update(field.as_bytes());
    }
    mac.finalize().into_bytes()[..16].iter().map(|b| format!("{b:02x}")).collect()
}

fn query(link: &str) -> BTreeMap<String, String> {
    let (_, query) = link.split_once('?').unwrap();
    form_urlencoded::parse(query.as_bytes()).into_owned().collect()
}

fn confirm_link(request: &str, expires: &str, token: &str) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("request", request), ("expires", expires), ("token", token)])
        .finish();
    format!("/lab/confirm?{query}")
}

#[test]
fn serve_prints_the_urls_it_answers() {
    let paperboy = newsletter("");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_paperboy"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .current_dir(paperboy.path("."))
        .env_clear()
        .env("PAPERBOY_SECRET", SECRET)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    let first = lines.next().unwrap().unwrap();
    let base = first.split_whitespace().last().unwrap().trim_end_matches('/').to_owned();
    let urls: Vec<String> = (0..4).map(|_| lines.next().unwrap().unwrap()).collect();
    child.kill().ok();
    child.wait().ok();
    let expected: Vec<String> = ["subscribe", "confirm", "manage", "unsubscribe"]
        .iter()
        .map(|page| format!("  {base}/lab/{page}"))
        .collect();
    assert_eq!(urls, expected, "{first}");
}

#[test]
fn a_reader_signs_up_confirms_once_and_the_config_keeps_its_comments() {
    let paperboy = newsletter("");
    // A run of the day, so that the welcome page can show today's listing.
    paperboy.run(&["send"]).success();
    let before = paperboy.read("paperboy.toml");
    let server = serve(&paperboy);
    let mut client = Client::new(&server);

    let form = client.get("/lab/subscribe");
    assert!(
        form.body.contains("value=\"distillation\"")
            && form.body.contains("Smaller models taught by larger ones")
    );
    for field in ["name=\"email\"", "name=\"name\"", "name=\"topics\"", "name=\"keywords\""] {
        assert!(form.body.contains(field), "{field} missing from the form");
    }
    let sent = client.subscribe(&[
        ("email", "bob@example.com"),
        ("name", "Bob"),
        ("topics", "distillation"),
        ("keywords", "mamba, state space"),
    ]);
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(sent.body.contains("Check your inbox"));
    assert_eq!(paperboy.read("paperboy.toml"), before, "nothing is added before the confirmation");
    let waiting = pending(&paperboy);
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0]["address"], "bob@example.com");

    let mail = &notices(&paperboy)["bob@example.com"];
    assert_eq!(mail.to[0].address, "bob@example.com");
    // What anyone types into the form is never mailed back: the address is anyone's.
    assert!(!mail.text.contains("Bob,"), "{}", mail.text);
    assert!(mail.subject.as_deref().unwrap().contains("Confirm"));
    let link = link_in_mail(&paperboy, "bob@example.com", "confirm");

    // A mail scanner following the link changes nothing.
    let page = client.get(&link);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("bob@example.com") && page.body.contains("distillation"));
    assert_eq!(paperboy.read("paperboy.toml"), before);

    let welcome = client.send_form(&page.body, "/lab/confirm", &[]);
    assert_eq!(welcome.status, 200, "{}", welcome.body);
    assert!(welcome.body.contains("Welcome"));
    assert!(welcome.body.contains("<iframe"), "a preview of today's listing: {}", welcome.body);
    assert!(welcome.body.contains("distillation") || welcome.body.contains("Distillation"));
    let after = paperboy.read("paperboy.toml");
    assert_eq!(
        after,
        format!(
            "{before}\n[[subscribers]]\nemail = \"bob@example.com\"\nname = \"Bob\"\n\
             topics = [\"distillation\"]\nkeywords = [\"mamba\", \"state space\"]\n"
        )
    );
    assert!(pending(&paperboy).is_empty());

    // The same link again, even after Bob left: nothing changes.
    let again = client.send_form(&page.body, "/lab/confirm", &[]);
    assert_eq!(again.status, 200);
    assert_eq!(paperboy.read("paperboy.toml"), after);
    paperboy.run(&["subscriber", "remove", "bob@example.com"]).success();
    let removed = paperboy.read("paperboy.toml");
    client.send_form(&page.body, "/lab/confirm", &[]);
    assert_eq!(paperboy.read("paperboy.toml"), removed, "a link confirms once");
}

#[test]
fn the_form_answers_the_same_whether_or_not_the_address_is_subscribed() {
    let paperboy = newsletter("");
    let before = paperboy.read("paperboy.toml");
    let server = serve(&paperboy);
    let mut client = Client::new(&server);
    let known = client.subscribe(&[("email", "alice@example.com"), ("topics", "agents")]);
    let new = client.subscribe(&[("email", "carol@example.com"), ("topics", "agents")]);
    assert_eq!((known.status, new.status), (200, 200));
    assert_eq!(known.body.replace("alice", "carol"), new.body);
    assert_eq!(paperboy.read("paperboy.toml"), before);
    // Alice is mailed her own manage link, and nothing is pending for her.
    let manage = link_in_mail(&paperboy, "alice@example.com", "manage");
    assert!(manage.contains("email=alice%40example.com"), "{manage}");
    let waiting: Vec<_> = pending(&paperboy).iter().map(|p| p["address"].to_string()).collect();
    assert_eq!(waiting, ["\"carol@example.com\""]);
}

#[test]
fn forged_swapped_and_expired_confirmation_links_are_refused() {
    let paperboy = newsletter("");
    let server = serve(&paperboy);
    let mut client = Client::new(&server);
    client.subscribe(&[("email", "bob@example.com"), ("topics", "agents")]);
    client.subscribe(&[("email", "alice@example.com"), ("topics", "agents")]);
    let before = paperboy.read("paperboy.toml");
    let link = query(&link_in_mail(&paperboy, "bob@example.com", "confirm"));
    let (request, expires, token) = (&link["request"], &link["expires"], &link["token"]);
    let manage_token = query(&link_in_mail(&paperboy, "alice@example.com", "manage"))
        .get("token")
        .cloned()
        .unwrap_or_default();
    let swapped = request.replace("bob@", "mallory@");
    let more = request.replace("[\"agents\"]", "[\"agents\",\"distillation\"]");
    let past = "1000000000".to_owned();
    let cases = [
        ("a swapped address", confirm_link(&swapped, expires, token), 403),
        ("more topics than asked", confirm_link(&more, expires, token), 403),
        (
            "a later expiry",
            confirm_link(request, &(expires.parse::<i64>().unwrap() + 3600).to_string(), token),
            403,
        ),
        ("a token of another purpose", confirm_link(request, expires, &manage_token), 403),
        ("a token nobody made", confirm_link(request, expires, &"0".repeat(32)), 403),
        ("no token", confirm_link(request, expires, "").replace("&token=", ""), 403),
        (
            "an expired link",
            confirm_link(request, &past, &confirm_token("bob@example.com", request, &past)),
            410,
        ),
    ];
    for (case, target, status) in cases {
        let page = client.get(&target);
        assert_eq!(page.status, status, "GET with {case}: {}", page.body);
        let fields = query(&target);
        let csrf = hidden(&client.get("/lab/subscribe").body, "csrf");
        let mut form: Vec<(&str, &str)> =
            fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        form.push(("csrf", &csrf));
        let posted = client.post("/lab/confirm", &form);
        assert_eq!(posted.status, status, "POST with {case}: {}", posted.body);
        assert_eq!(paperboy.read("paperboy.toml"), before, "{case} changed the config");
    }
}

#[test]
fn manage_links_open_only_their_own_page_and_a_pause_stops_the_digest() {
    let paperboy = newsletter("");
    paperboy.run(&["subscriber", "add", "bob@example.com", "--topic", "agents"]).success();
    paperboy.run(&["send"]).success();
    // Every digest's footer links to the reader's own page.
    let day = paperboy.list("outbox").into_iter().find(|d| d != "notices").unwrap();
    let digest = Email::parse(&paperboy.read_bytes(&format!("outbox/{day}/alice@example.com.eml")));
    let start = format!("{SITE}/manage?email=alice%40example.com&token=");
    let link = digest
        .text
        .split_whitespace()
        .find(|w| w.starts_with(&start))
        .expect("a manage link")
        .to_owned();
    assert!(
        digest.html.contains("/lab/manage?email=alice%40example.com&amp;token="),
        "{}",
        digest.html
    );
    let bobs = Email::parse(&paperboy.read_bytes(&format!("outbox/{day}/bob@example.com.eml")));
    let bobs_link =
        bobs.text.split_whitespace().find(|w| w.contains("/manage?")).unwrap().to_owned();
    let bobs_token = query(&bobs_link)["token"].clone();
    let unsubscribe = digest.header("List-Unsubscribe").unwrap();
    let unsubscribe_token =
        unsubscribe.trim_end_matches('>').rsplit('=').next().unwrap().to_owned();

    let server = serve(&paperboy);
    let mut client = Client::new(&server);
    let before = paperboy.read("paperboy.toml");
    for (case, token) in [
        ("Bob's token", bobs_token.as_str()),
        ("an unsubscribe token", &unsubscribe_token),
        ("none", ""),
    ] {
        let page = client.get(&format!("/lab/manage?email=alice%40example.com&token={token}"));
        assert_eq!(page.status, 403, "{case}: {}", page.body);
        assert!(!page.body.contains("agents"), "{case} showed Alice's topics");
    }
    let page = client.get(&link);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("value=\"agents\" checked"), "{}", page.body);
    assert!(
        page.body.contains("/lab/unsubscribe?email=alice%40example.com"),
        "links to unsubscribe"
    );
    // Bob's token cannot be used to save Alice's page either.
    let mut forged = hidden_fields(&page.body);
    forged.iter_mut().filter(|(k, _)| k == "token").for_each(|(_, v)| *v = bobs_token.clone());
    let pairs: Vec<(&str, &str)> = forged.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(client.post("/lab/manage", &pairs).status, 403);
    assert_eq!(paperboy.read("paperboy.toml"), before);

    let saved = client.send_form(
        &page.body,
        "/lab/manage",
        &[("topics", "distillation"), ("keywords", "mamba"), ("max_papers", "3"), ("paused", "on")],
    );
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("value=\"distillation\" checked") && saved.body.contains("Saved"));
    let after = paperboy.read("paperboy.toml");
    assert_eq!(
        after,
        before.replace(
            "# Alice was first.\n[[subscribers]]\nemail = \"alice@example.com\"\ntopics = [\"agents\"]\n",
            "# Alice was first.\n[[subscribers]]\nemail = \"alice@example.com\"\ntopics = [\"distillation\"]\n\
             keywords = [\"mamba\"]\nmax_papers = 3\npaused = true\n"
        )
    );
    // Paused: `send` skips her and still sends to Bob.
    std::fs::remove_dir_all(paperboy.path(&format!("outbox/{day}"))).unwrap();
    paperboy.run(&["send", "--force"]).success();
    assert_eq!(paperboy.list(&format!("outbox/{day}")), ["bob@example.com.eml"]);

    // A keyword holding a comma survives a save of the page as it is shown, and an emptied
    // "At most" gives the newsletter's default back.
    let keywords = "author:Hinton, Geoffrey\nmamba";
    let page = client.get(&link);
    let saved = client.send_form(
        &page.body,
        "/lab/manage",
        &[("topics", "distillation"), ("keywords", keywords), ("max_papers", "")],
    );
    assert_eq!(saved.status, 200, "{}", saved.body);
    let resaved = client.send_form(
        &saved.body,
        "/lab/manage",
        &[("topics", "distillation"), ("keywords", &textarea(&saved.body, "keywords"))],
    );
    assert_eq!(resaved.status, 200, "{}", resaved.body);
    let config = paperboy.read("paperboy.toml");
    assert!(config.contains("keywords = [\"author:Hinton, Geoffrey\", \"mamba\"]\n"), "{config}");
    assert!(!config.contains("max_papers"), "{config}");
}

/// The text of a page's `<textarea name="...">`, unescaped as a browser would.
fn textarea(html: &str, name: &str) -> String {
    let start = html.find(&format!("name=\"{name}\"")).expect("the textarea");
    let text = &html[start..];
    let text = &text[text.find('>').unwrap() + 1..text.find("</textarea>").unwrap()];
    text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
}

#[test]
fn a_form_without_its_csrf_token_changes_nothing() {
    let paperboy = newsletter("");
    let server = serve(&paperboy);
    let before = paperboy.read("paperboy.toml");
    // No cookie at all, as a post from another site carries none.
    let mut stranger = Client::new(&server);
    let answer =
        stranger.post("/lab/subscribe", &[("email", "bob@example.com"), ("topics", "agents")]);
    assert_eq!(answer.status, 403, "{}", answer.body);
    // A cookie, but the field of another browser's cookie.
    let mut other = Client::new(&server);
    let csrf = hidden(&other.get("/lab/subscribe").body, "csrf");
    let mut client = Client::new(&server);
    client.get("/lab/subscribe");
    let answer = client.post(
        "/lab/subscribe",
        &[("email", "bob@example.com"), ("topics", "agents"), ("csrf", &csrf)],
    );
    assert_eq!(answer.status, 403);
    assert!(notices(&paperboy).is_empty(), "no mail without a CSRF token");

    client.subscribe(&[("email", "bob@example.com"), ("topics", "agents")]);
    let link = link_in_mail(&paperboy, "bob@example.com", "confirm");
    let page = client.get(&link);
    let mut fields = hidden_fields(&page.body);
    fields.retain(|(k, _)| k != "csrf");
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(client.post("/lab/confirm", &pairs).status, 403);
    assert_eq!(paperboy.read("paperboy.toml"), before);
}

#[test]
fn sign_ups_are_limited_per_client_and_per_address() {
    let paperboy = newsletter("\n[serve]\nsubscribe_per_client_hour = 3\n");
    let server = serve(&paperboy);
    let mut client = Client::new(&server);
    // X-Forwarded-For from a client that is not the trusted proxy changes nothing.
    client.forwarded_for = Some("203.0.113.7".into());
    for n in 0..3 {
        let email = format!("r{n}@example.com");
        assert_eq!(client.subscribe(&[("email", &email), ("topics", "agents")]).status, 200);
    }
    client.forwarded_for = Some("203.0.113.8".into());
    let over = client.subscribe(&[("email", "r9@example.com"), ("topics", "agents")]);
    assert_eq!(over.status, 429, "{}", over.body);
    assert_eq!(notices(&paperboy).len(), 3);
    drop(server);

    // The same address twice within the hour is mailed once, with the same answer.
    let paperboy =
        newsletter("\n[serve]\ntrusted_proxy = \"127.0.0.1\"\nsubscribe_per_client_hour = 1\n");
    let server = serve(&paperboy);
    let mut client = Client::new(&server);
    client.forwarded_for = Some("6.6.6.6, 203.0.113.7".into());
    let first = client.subscribe(&[("email", "bob@example.com"), ("topics", "agents")]);
    // Behind the trusted proxy, each forwarded client has its own limit.
    client.forwarded_for = Some("203.0.113.8".into());
    let second = client.subscribe(&[("email", "Bob@Example.com"), ("topics", "agents")]);
    assert_eq!((first.status, second.status), (200, 200));
    assert_eq!(pending(&paperboy).len(), 1, "the second was not mailed");
    // A tag is the same inbox: it gets no second mail within the hour either.
    client.forwarded_for = Some("203.0.113.9".into());
    let tagged = client.subscribe(&[("email", "bob+again@example.com"), ("topics", "agents")]);
    assert_eq!(tagged.status, 200);
    assert_eq!(pending(&paperboy).len(), 1, "bob+again@ is bob@'s inbox");
    client.forwarded_for = Some("6.6.6.6, 203.0.113.7".into());
    assert_eq!(client.subscribe(&[("email", "c@example.com"), ("topics", "agents")]).status, 429);
}

#[test]
fn bad_input_gets_the_form_again_with_a_message_and_touches_nothing() {
    let paperboy = newsletter("");
    let server = serve(&paperboy);
    let before = paperboy.read("paperboy.toml");
    let mut client = Client::new(&server);
    let cases: [(&[(&str, &str)], &str); 4] = [
        (&[("email", "not an address"), ("topics", "agents")], "not an email address"),
        (&[("email", "bob@example.com"), ("topics", "cooking")], "no topic “cooking”"),
        (&[("email", "bob@example.com"), ("keywords", "!!!")], "Keyword “!!!”"),
        (&[("email", "bob@example.com")], "at least one topic"),
    ];
    for (fields, message) in cases {
        let answer = client.subscribe(fields);
        assert_eq!(answer.status, 400, "{fields:?}: {}", answer.body);
        assert!(answer.body.contains(message), "{fields:?}: {}", answer.body);
        assert!(answer.body.contains("<form"), "the form again");
    }
    // The honeypot: the robot is told what everyone is told, and nothing is sent.
    let trapped =
        client.subscribe(&[("email", "bob@example.com"), ("topics", "agents"), ("website", "x")]);
    assert_eq!(trapped.status, 200);
    assert!(trapped.body.contains("Check your inbox"));
    assert!(notices(&paperboy).is_empty());
    assert!(pending(&paperboy).is_empty());
    assert_eq!(paperboy.read("paperboy.toml"), before);
    // A body over the cap is refused before it is read.
    let huge = format!("email={}", "a".repeat(100 * 1024));
    assert_eq!(client.post_raw("/lab/subscribe", &huge).status, 413);
}

#[test]
fn fifty_concurrent_confirmations_lose_no_change_and_send_never_sees_half_a_config() {
    let paperboy = newsletter("\n[serve]\nsubscribe_per_client_hour = 1000\n");
    let server = serve(&paperboy);
    let mut client = Client::new(&server);
    let emails: Vec<String> = (0..50).map(|n| format!("reader{n}@example.com")).collect();
    for email in &emails {
        assert_eq!(client.subscribe(&[("email", email), ("topics", "agents")]).status, 200);
    }
    let links: Vec<String> = emails.iter().map(|e| link_in_mail(&paperboy, e, "confirm")).collect();
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let sends = scope.spawn(|| {
            let mut runs = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let run = paperboy.run(&["send", "--dry-run"]);
                assert_eq!(run.code, Some(0), "a send during the edits: {run}");
                runs += 1;
            }
            runs
        });
        let workers: Vec<_> = links
            .iter()
            .map(|link| {
                let base = server.base.clone();
                scope.spawn(move || {
                    let mut client = Client { base, cookie: None, forwarded_for: None };
                    loop {
                        let page = client.get(link);
                        // Past 32 requests at once the server sheds load; a browser retries.
                        if page.status == 503 {
                            std::thread::sleep(std::time::Duration::from_millis(50));
                            continue;
                        }
                        let done = client.send_form(&page.body, "/lab/confirm", &[]);
                        if done.status == 503 {
                            continue;
                        }
                        assert_eq!(done.status, 200, "{}", done.body);
                        break;
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(sends.join().unwrap() >= 1);
    });
    let listed = paperboy.run(&["subscriber", "list", "--format", "json"]);
    let listed: Vec<serde_json::Value> = serde_json::from_str(&listed.stdout).unwrap();
    assert_eq!(listed.len(), 51);
    let text = paperboy.read("paperboy.toml");
    assert!(text.starts_with("# The lab's digest.\n") && text.contains("# Alice was first.\n"));
    for email in &emails {
        assert_eq!(text.matches(&format!("email = \"{email}\"")).count(), 1, "{email}");
    }
}

#[test]
fn a_reader_added_paused_is_listed_and_sent_nothing_until_resumed() {
    let paperboy = newsletter("");
    paperboy
        .run(&["subscriber", "add", "erin@example.com", "--topic", "agents", "--paused"])
        .success();
    assert!(
        paperboy
            .read("paperboy.toml")
            .ends_with("email = \"erin@example.com\"\ntopics = [\"agents\"]\npaused = true\n")
    );
    paperboy.run(&["subscriber", "list"]).success().stdout_has("(paused)");
    paperboy.run(&["send"]).success();
    let day = paperboy.list("outbox")[0].clone();
    assert_eq!(paperboy.list(&format!("outbox/{day}")), ["alice@example.com.eml"]);
    paperboy.run(&["subscriber", "set", "erin@example.com", "--resume"]).success();
    assert!(!paperboy.read("paperboy.toml").contains("paused"));
    paperboy.run(&["send"]).success();
    assert_eq!(
        paperboy.list(&format!("outbox/{day}")),
        ["alice@example.com.eml", "erin@example.com.eml"]
    );
}

/// The manage link a page shows, as a path on the server.
fn manage_link_on(page: &str) -> String {
    let at = page.find("/lab/manage?").expect("a manage link");
    let link = &page[at..];
    link[..link.find('"').unwrap()].replace("&amp;", "&")
}

#[test]
fn a_weekly_sign_up_lands_as_frequency_weekly_and_the_manage_page_changes_it() {
    let paperboy = newsletter("");
    let before = paperboy.read("paperboy.toml");
    let server = serve(&paperboy);
    let mut client = Client::new(&server);
    let form = client.get("/lab/subscribe");
    assert!(form.body.contains("name=\"frequency\" value=\"daily\" checked"), "{}", form.body);
    assert!(form.body.contains("<option value=\"friday\">Friday</option>"), "{}", form.body);
    let sent = client.subscribe(&[
        ("email", "bob@example.com"),
        ("topics", "agents"),
        ("frequency", "weekly"),
        ("weekday", "friday"),
    ]);
    assert_eq!(sent.status, 200, "{}", sent.body);
    let page = client.get(&link_in_mail(&paperboy, "bob@example.com", "confirm"));
    assert!(page.body.contains("<li>Once a week, on Friday</li>"), "{}", page.body);
    let welcome = client.send_form(&page.body, "/lab/confirm", &[]);
    assert_eq!(welcome.status, 200, "{}", welcome.body);
    let added = paperboy.read("paperboy.toml");
    assert_eq!(
        added,
        format!(
            "{before}\n[[subscribers]]\nemail = \"bob@example.com\"\ntopics = [\"agents\"]\n\
             frequency = \"weekly\"\nweekday = \"friday\"\n"
        )
    );
    let show = paperboy.run(&["subscriber", "show", "bob@example.com"]);
    show.success().stdout_has("digest: weekly on friday");

    // The manage page shows the frequency, and saving it unchanged writes nothing new.
    let manage = client.get(&manage_link_on(&welcome.body));
    assert_eq!(manage.status, 200, "{}", manage.body);
    assert!(manage.body.contains("name=\"frequency\" value=\"weekly\" checked"), "{}", manage.body);
    assert!(manage.body.contains("<option value=\"friday\" selected>"), "{}", manage.body);
    let same = [("topics", "agents"), ("frequency", "weekly"), ("weekday", "friday")];
    assert_eq!(client.send_form(&manage.body, "/lab/manage", &same).status, 200);
    assert_eq!(paperboy.read("paperboy.toml"), added);
    let tuesday = [("topics", "agents"), ("frequency", "weekly"), ("weekday", "tuesday")];
    let saved = client.send_form(&manage.body, "/lab/manage", &tuesday);
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("<option value=\"tuesday\" selected>"), "{}", saved.body);
    assert!(
        paperboy.read("paperboy.toml").ends_with("frequency = \"weekly\"\nweekday = \"tuesday\"\n")
    );
    let daily = [("topics", "agents"), ("frequency", "daily"), ("weekday", "tuesday")];
    assert_eq!(client.send_form(&manage.body, "/lab/manage", &daily).status, 200);
    let show = paperboy.run(&["subscriber", "show", "bob@example.com"]);
    assert!(!show.success().stdout.contains("weekly"), "{}", show.stdout);
}

#[test]
fn a_bad_frequency_or_weekday_gets_the_form_again_with_a_message_and_touches_nothing() {
    let paperboy = newsletter("");
    let before = paperboy.read("paperboy.toml");
    let server = serve(&paperboy);
    let mut client = Client::new(&server);
    let cases: [(&[(&str, &str)], &str); 2] = [
        (&[("frequency", "fortnightly")], "“fortnightly” is not a frequency"),
        (&[("frequency", "weekly"), ("weekday", "funday")], "“funday” is not a day of the week"),
    ];
    for (often, message) in cases {
        let mut fields = vec![("email", "bob@example.com"), ("topics", "agents")];
        fields.extend_from_slice(often);
        let answer = client.subscribe(&fields);
        assert_eq!(answer.status, 400, "{fields:?}: {}", answer.body);
        assert!(answer.body.contains(message), "{fields:?}: {}", answer.body);
        assert!(answer.body.contains("<form"), "the form again");
    }
    assert!(notices(&paperboy).is_empty());
    assert!(pending(&paperboy).is_empty());
    assert_eq!(paperboy.read("paperboy.toml"), before);

    // The manage page answers the same way.
    paperboy.run(&["send"]).success();
    let day = paperboy.list("outbox").into_iter().find(|d| d != "notices").unwrap();
    let digest = Email::parse(&paperboy.read_bytes(&format!("outbox/{day}/alice@example.com.eml")));
    let link = digest.text.split_whitespace().find(|w| w.contains("/manage?")).unwrap().to_owned();
    let before = paperboy.read("paperboy.toml");
    let page = client.get(&link);
    assert_eq!(page.status, 200, "{}", page.body);
    let answer = client.send_form(&page.body, "/lab/manage", &[("frequency", "hourly")]);
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(answer.body.contains("“hourly” is not a frequency"), "{}", answer.body);
    assert_eq!(paperboy.read("paperboy.toml"), before);
}
