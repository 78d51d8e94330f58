//! `paperboy serve`: answers the List-Unsubscribe URL, the vote links of
//! [`crate::serve::feedback`] when the config has `feedback_url`, and mounts the self-service
//! pages ([`crate::pages`]) when it has a `site_url`.
//!
//! GET shows a confirmation page; POST (RFC 8058 one-click, or the page's button) removes the
//! subscriber through the same atomic edit as `paperboy unsubscribe`. A link without a valid
//! token changes nothing. Requests are served concurrently on the stack in [`crate::http`];
//! the edits themselves take turns under the config's edit lock.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::cli::ServeArgs;
use crate::cmd::Ctx;
use crate::config::edit::{ConfigEdit, EditError};
use crate::config::{Config, ConfigError};
use crate::error::Exit;
use crate::http;
use crate::render::escape_html;
use crate::serve::feedback::Votes;
use crate::token::{LEGACY_SECRET_ENV, SECRET_ENV, Secret};
use crate::unsubscribe::{LinkPattern, verify};

/// What every request needs; shared by all of them.
struct Endpoint {
    /// The unsubscribe link, when the config has one.
    unsubscribe: Option<Unsubscribe>,
    /// The vote links, when the config has them.
    votes: Option<Arc<Votes>>,
}

struct Unsubscribe {
    pattern: LinkPattern,
    secret: Secret,
    config_path: PathBuf,
}

/// Serves until killed; returns only on a fatal server error.
pub(crate) fn run(args: &ServeArgs, ctx: &Ctx<'_>) -> anyhow::Result<Exit> {
    let config = Config::load(ctx.config_path)?;
    let votes = Votes::from_config(&config, ctx.clock)?.map(Arc::new);
    let unsubscribe = match (&config.newsletter.unsubscribe_url, &votes) {
        (None, Some(_)) => None,
        // A link serve cannot answer safely is left to whatever answers it now.
        (Some(url), Some(_)) if !url.contains("{token}") || url.starts_with("mailto:") => {
            crate::messages::warning(format!(
                "{}: `newsletter.unsubscribe_url` is not answered by serve (it needs an \
                 http(s) link with {{token}}); serving the vote links only",
                config.path.display()
            ));
            None
        }
        _ => Some(unsubscribe_endpoint(&config, ctx.config_path)?),
    };
    let pages = match config.newsletter.site_url {
        Some(_) => {
            let secret = Secret::from_env().ok_or_else(|| {
                let message = format!(
                    "is set, so the pages need {SECRET_ENV} (or {LEGACY_SECRET_ENV}) to sign \
                     their links, and it is not set"
                );
                ConfigError::one(&config.path, None, Some("newsletter.site_url"), message)
            })?;
            crate::pages::router(&config, secret)?
        }
        None => None,
    };
    let mut paths = Vec::new();
    for (answered, template) in [
        (unsubscribe.is_some(), &config.newsletter.unsubscribe_url),
        (votes.is_some(), &config.newsletter.feedback_url),
    ] {
        if answered && let Some(url) = template.as_deref().and_then(|t| url::Url::parse(t).ok()) {
            // The placeholders as written, not percent-encoded.
            paths.push(url.path().replace("%7B", "{").replace("%7D", "}"));
        }
    }
    // The 100,000 subscribers are not needed while serving: each edit reads the file afresh.
    drop(config);

    let what = match (&pages, &unsubscribe, &votes) {
        (Some(_), _, Some(_)) => "the pages, unsubscribe and vote links",
        (Some(_), _, None) => "the pages and unsubscribe links",
        (None, Some(_), Some(_)) => "unsubscribe and vote links",
        (None, None, Some(_)) => "vote links",
        _ => "unsubscribe links",
    };
    let endpoint = Arc::new(Endpoint { unsubscribe, votes });
    let mut app = Router::new().fallback(answer).with_state(endpoint);
    if let Some((router, page_paths)) = pages {
        app = app.merge(router);
        paths.splice(0..0, page_paths);
    }
    http::serve(args.listen, what, &paths, app)?;
    Ok(Exit::Ok)
}

fn unsubscribe_endpoint(config: &Config, config_path: &Path) -> anyhow::Result<Unsubscribe> {
    let problem = |message: String| {
        ConfigError::one(&config.path, None, Some("newsletter.unsubscribe_url"), message)
    };
    let template = config.newsletter.unsubscribe_url.clone().ok_or_else(|| {
        problem("is not set (nor is newsletter.feedback_url), so there is nothing to serve".into())
    })?;
    if !template.contains("{token}") {
        return Err(problem(
            "needs {token} for serve, so that nobody can unsubscribe someone else".into(),
        )
        .into());
    }
    let secret = Secret::from_env().ok_or_else(|| {
        problem(format!("uses {{token}}, and {SECRET_ENV} (or {LEGACY_SECRET_ENV}) is not set"))
    })?;
    let pattern = LinkPattern::new(&template).map_err(problem)?;
    Ok(Unsubscribe { pattern, secret, config_path: config_path.to_owned() })
}

/// One request: the status and the page.
async fn answer(State(endpoint): State<Arc<Endpoint>>, method: Method, uri: Uri) -> Response {
    let target = uri.path_and_query().map_or("/", |target| target.as_str());
    // A vote link holds a paper and a vote besides the address, so it is the narrower one.
    if let Some(votes) = &endpoint.votes
        && let Some((status, title, body)) = votes.answer(&method, target).await
    {
        return (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], page(title, &body))
            .into_response();
    }
    let (status, body) = match &endpoint.unsubscribe {
        Some(unsubscribe) => respond(unsubscribe, &method, target).await,
        None => (StatusCode::NOT_FOUND, "There is no page here.".into()),
    };
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], page("Unsubscribe", &body))
        .into_response()
}

async fn respond(endpoint: &Unsubscribe, method: &Method, target: &str) -> (StatusCode, String) {
    let Some(parts) = endpoint.pattern.parse(target) else {
        return (StatusCode::NOT_FOUND, "There is no page here.".into());
    };
    let valid =
        parts.token.as_deref().is_some_and(|token| verify(&endpoint.secret, &parts.email, token));
    if !valid {
        return (
            StatusCode::FORBIDDEN,
            "This unsubscribe link is not valid. Use the link in your digest.".into(),
        );
    }
    let shown = escape_html(&parts.email);
    match *method {
        Method::GET | Method::HEAD => (
            StatusCode::OK,
            format!(
                "Stop sending the digest to <strong>{shown}</strong>?\n\
                 <form method=\"post\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\
                 <button type=\"submit\">Unsubscribe</button></form>"
            ),
        ),
        Method::POST => {
            let (config_path, email) = (endpoint.config_path.clone(), parts.email.clone());
            let done = http::blocking(move || unsubscribe(&config_path, &email)).await;
            match done.and_then(|result| result) {
                Ok(Removal::Removed) => {
                    eprintln!("unsubscribed {}", parts.email);
                    (StatusCode::OK, format!("<strong>{shown}</strong> will get no more digests."))
                }
                Ok(Removal::AlreadyGone) => {
                    (StatusCode::OK, format!("<strong>{shown}</strong> will get no more digests."))
                }
                Err(err) => {
                    crate::messages::error(format!("unsubscribing {}: {err:#}", parts.email));
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Something went wrong; nothing was changed. Please try again later.".into(),
                    )
                }
            }
        }
        _ => (StatusCode::METHOD_NOT_ALLOWED, "Use the link in your digest.".into()),
    }
}

/// What a POST did.
#[derive(Debug, PartialEq, Eq)]
enum Removal {
    Removed,
    /// Nothing to do: a repeated one-click POST, or an address removed by other means.
    AlreadyGone,
}

/// Removes the subscriber; an address already gone is not an error, so a repeated
/// one-click POST stays harmless. Success is only claimed once the config, loaded afresh,
/// no longer lists the address.
fn unsubscribe(config_path: &Path, email: &str) -> anyhow::Result<Removal> {
    if !may_list(config_path, email)? {
        return Ok(Removal::AlreadyGone);
    }
    let removal = {
        let mut edit = ConfigEdit::open(config_path)?;
        match edit.remove_subscriber(email) {
            Ok(()) => {
                edit.save()?;
                Removal::Removed
            }
            Err(EditError::NotFound(_)) => Removal::AlreadyGone,
            Err(err) => return Err(err.into()),
        }
    };
    if Config::load(config_path)?.subscriber(email).is_some() {
        anyhow::bail!("{email} is still listed after the edit");
    }
    Ok(removal)
}

/// Whether the config file could list `email`, from its text alone: a replayed POST for an
/// address already gone costs one read of the file instead of a whole edit. Where TOML
/// could spell the address some other way (a `\u` escape, a non-ASCII address), it says yes.
fn may_list(config_path: &Path, email: &str) -> anyhow::Result<bool> {
    let text = std::fs::read_to_string(config_path)
        .map_err(|err| anyhow::anyhow!("cannot read `{}`: {err}", config_path.display()))?;
    let email = email.trim();
    if !email.is_ascii() || text.contains("\\u") || text.contains("\\U") {
        return Ok(true);
    }
    let wanted = email.as_bytes();
    Ok(text.as_bytes().windows(wanted.len()).any(|window| window.eq_ignore_ascii_case(wanted)))
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\n\
         <body style=\"font-family:sans-serif; max-width:32em; margin:3em auto;\">\n<p>{body}</p>\n</body></html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_spelt_another_way_is_taken_as_maybe_listed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("paperboy.toml");
        std::fs::write(&path, "email = \"Alice@Example.com\"\n").unwrap();
        assert!(may_list(&path, "alice@example.com").unwrap());
        assert!(!may_list(&path, "bob@example.com").unwrap());
        std::fs::write(&path, "email = \"bob\\u0040example.com\"\n").unwrap();
        assert!(may_list(&path, "bob@example.com").unwrap());
    }
}
