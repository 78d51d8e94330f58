//! `paperboy serve`: the unsubscribe link over real HTTP on loopback.

use crate::harness::{Background, Email, Paperboy, SAMPLE_DATE, http_agent as agent};

const SECRET: &str = "test-secret-not-for-production";

fn config() -> String {
    format!(
        "[newsletter]\ntitle = \"Digest\"\nfrom = \"d@example.org\"\n\
         unsubscribe_url = \"https://example.org/list/unsubscribe?email={{email}}&token={{token}}\"\n\
         [[sources]]\nname = \"hf\"\npath = \"{}\"\n\
         [[subscribers]]\nemail = \"alice@example.com\"\nkeywords = [\"knowledge distillation\"]\n\
         # Bob stays whatever happens to Alice.\n\
         [[subscribers]]\nemail = \"bob+news@example.com\"\nkeywords = [\"knowledge distillation\"]\n",
        crate::harness::SAMPLE
    )
}

fn serve(paperboy: &Paperboy) -> Background {
    paperboy.server(&["serve", "--listen", "127.0.0.1:0"])
}

/// The path and query of a subscriber's List-Unsubscribe link, from a previewed message.
fn link_for(paperboy: &Paperboy, email: &str) -> String {
    let raw = paperboy.read_bytes(&format!("preview/{email}.eml"));
    let header = Email::parse(&raw).header("List-Unsubscribe").expect("a List-Unsubscribe header");
    let url = header.trim_start_matches('<').trim_end_matches('>');
    url.strip_prefix("https://example.org").expect("the configured host").to_owned()
}

fn previewed() -> Paperboy {
    let paperboy =
        Paperboy::new().config(&config()).sample().env("PAPERBOY_UNSUBSCRIBE_SECRET", SECRET);
    paperboy.run(&["preview", "--date", SAMPLE_DATE]).success();
    paperboy
}

#[test]
fn get_confirms_and_post_unsubscribes_only_that_address() {
    let paperboy = previewed();
    let before = paperboy.read("paperboy.toml");
    let server = serve(&paperboy);
    let link = format!("{}{}", server.base, link_for(&paperboy, "alice@example.com"));

    let mut page = agent().get(&link).call().unwrap();
    assert_eq!(page.status(), 200);
    let body = page.body_mut().read_to_string().unwrap();
    assert!(body.contains("alice@example.com") && body.contains("<form method=\"post\""), "{body}");
    assert_eq!(paperboy.read("paperboy.toml"), before, "GET must change nothing");

    let done = agent()
        .post(&link)
        .content_type("application/x-www-form-urlencoded")
        .send("List-Unsubscribe=One-Click")
        .unwrap();
    assert_eq!(done.status(), 200);
    let after = paperboy.read("paperboy.toml");
    assert!(!after.contains("alice@example.com"));
    assert!(after.contains(
        "# Bob stays whatever happens to Alice.\n[[subscribers]]\nemail = \"bob+news@example.com\""
    ));
    assert_eq!(paperboy.read("paperboy.toml.bak"), before);

    // One-click clients may POST twice; the second is as harmless as the first.
    let again = agent().post(&link).send("List-Unsubscribe=One-Click").unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(paperboy.read("paperboy.toml"), after);
}

#[test]
fn a_forged_or_missing_token_is_refused_and_changes_nothing() {
    let paperboy = previewed();
    let before = paperboy.read("paperboy.toml");
    let server = serve(&paperboy);
    let bobs = link_for(&paperboy, "bob+news@example.com");
    let bobs_token = bobs.rsplit('=').next().unwrap().to_owned();
    let forged = [
        // Bob's valid token on Alice's address.
        format!("/list/unsubscribe?email=alice%40example.com&token={bobs_token}"),
        // A token of the right shape that nobody made.
        format!("/list/unsubscribe?email=alice%40example.com&token={}", "0".repeat(32)),
        // Bob's token cut short.
        format!("/list/unsubscribe?email=bob%2Bnews%40example.com&token={}", &bobs_token[..20]),
    ];
    for target in &forged {
        let response = agent()
            .post(&format!("{}{target}", server.base))
            .send("List-Unsubscribe=One-Click")
            .unwrap();
        assert_eq!(response.status(), 403, "{target}");
    }
    let missing = agent()
        .post(&format!("{}/list/unsubscribe?email=alice%40example.com", server.base))
        .send("")
        .unwrap();
    assert_eq!(missing.status(), 404);
    let elsewhere = agent().get(&format!("{}/admin", server.base)).call().unwrap();
    assert_eq!(elsewhere.status(), 404);
    assert_eq!(paperboy.read("paperboy.toml"), before);
    assert!(paperboy.list("").iter().all(|name| name != "paperboy.toml.bak"));
}

#[test]
fn serve_refuses_to_start_without_a_token_in_the_link_or_a_secret() {
    let without_token = config().replace("&token={token}", "");
    let paperboy =
        Paperboy::new().config(&without_token).sample().env("PAPERBOY_UNSUBSCRIBE_SECRET", SECRET);
    paperboy.run(&["serve", "--listen", "127.0.0.1:0"]).code(78).stderr_has("needs {token}");

    let paperboy = Paperboy::new().config(&config()).sample();
    paperboy
        .run(&["serve", "--listen", "127.0.0.1:0"])
        .code(78)
        .stderr_has("PAPERBOY_UNSUBSCRIBE_SECRET");
}

#[test]
fn a_token_link_without_the_secret_stops_preview_and_send_before_anything_goes_out() {
    let paperboy = Paperboy::new().config(&config()).sample();
    paperboy
        .run(&["send", "--date", SAMPLE_DATE])
        .code(78)
        .stderr_has("PAPERBOY_UNSUBSCRIBE_SECRET");
    assert!(paperboy.list("outbox").is_empty());
}

#[test]
fn a_subscriber_list_paperboy_cannot_edit_is_never_reported_as_unsubscribed() {
    // The loader reads an inline array of subscribers; the editor edits tables only. The
    // page must not tell the reader they are gone while they are still listed.
    let config = format!(
        "subscribers = [{{ email = \"alice@example.com\", keywords = [\"knowledge distillation\"] }}]\n\
         [newsletter]\ntitle = \"Digest\"\nfrom = \"d@example.org\"\n\
         unsubscribe_url = \"https://example.org/list/unsubscribe?email={{email}}&token={{token}}\"\n\
         [[sources]]\nname = \"hf\"\npath = \"{}\"\n",
        crate::harness::SAMPLE
    );
    let paperboy =
        Paperboy::new().config(&config).sample().env("PAPERBOY_UNSUBSCRIBE_SECRET", SECRET);
    paperboy.run(&["preview", "--date", SAMPLE_DATE]).success();
    let before = paperboy.read("paperboy.toml");
    let server = serve(&paperboy);
    let link = format!("{}{}", server.base, link_for(&paperboy, "alice@example.com"));
    let response = agent().post(&link).send("List-Unsubscribe=One-Click").unwrap();
    assert_eq!(response.status(), 500);
    assert_eq!(paperboy.read("paperboy.toml"), before);
    paperboy.run(&["unsubscribe", "alice@example.com"]).code(2).stderr_has("inline array");
}
