//! `paperboy serve`: answers the List-Unsubscribe URL.
//!
//! GET shows a confirmation page; POST (RFC 8058 one-click, or the page's button) removes the
//! subscriber through the same atomic edit as `paperboy unsubscribe`. A link without a valid
//! token changes nothing. One request at a time, so edits never race each other.

use std::path::Path;

use tiny_http::{Header, Method, Request, Response};

use crate::cli::ServeArgs;
use crate::cmd::{Ctx, listen};
use crate::config::edit::{ConfigEdit, EditError};
use crate::config::{Config, ConfigError};
use crate::error::Exit;
use crate::render::escape_html;
use crate::unsubscribe::{LinkPattern, SECRET_ENV, secret_from_env, verify};

/// Serves until killed.
pub(crate) fn run(args: &ServeArgs, ctx: &Ctx<'_>) -> anyhow::Result<Exit> {
    let config = Config::load(ctx.config_path)?;
    let problem = |message: String| {
        ConfigError::one(&config.path, None, Some("newsletter.unsubscribe_url"), message)
    };
    let template = config
        .newsletter
        .unsubscribe_url
        .clone()
        .ok_or_else(|| problem("is not set, so there is nothing to serve".into()))?;
    if !template.contains("{token}") {
        return Err(problem(
            "needs {token} for serve, so that nobody can unsubscribe someone else".into(),
        )
        .into());
    }
    let secret = secret_from_env()
        .ok_or_else(|| problem(format!("uses {{token}}, and {SECRET_ENV} is not set")))?;
    let pattern = LinkPattern::new(&template).map_err(problem)?;

    let server = listen(args.listen, "unsubscribe links")?;

    for request in server.incoming_requests() {
        let (status, body) = answer(&request, &pattern, &secret, ctx.config_path);
        let content_type =
            Header::from_bytes("Content-Type", "text/html; charset=utf-8").expect("a valid header");
        let response =
            Response::from_string(page(&body)).with_status_code(status).with_header(content_type);
        if let Err(err) = request.respond(response) {
            crate::messages::warning(format!("could not answer a request: {err}"));
        }
    }
    Ok(Exit::Ok)
}

/// The status and the page's message for one request.
fn answer(
    request: &Request,
    pattern: &LinkPattern,
    secret: &[u8],
    config_path: &Path,
) -> (u16, String) {
    let Some(parts) = pattern.parse(request.url()) else {
        return (404, "There is no page here.".into());
    };
    let valid = parts.token.as_deref().is_some_and(|token| verify(secret, &parts.email, token));
    if !valid {
        return (403, "This unsubscribe link is not valid. Use the link in your digest.".into());
    }
    let email = escape_html(&parts.email);
    match request.method() {
        Method::Get | Method::Head => (
            200,
            format!(
                "Stop sending the digest to <strong>{email}</strong>?\n\
                 <form method=\"post\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\
                 <button type=\"submit\">Unsubscribe</button></form>"
            ),
        ),
        Method::Post => match unsubscribe(config_path, &parts.email) {
            Ok(()) => {
                eprintln!("unsubscribed {}", parts.email);
                (200, format!("<strong>{email}</strong> will get no more digests."))
            }
            Err(err) => {
                crate::messages::error(format!("unsubscribing {}: {err:#}", parts.email));
                (500, "Something went wrong; nothing was changed. Please try again later.".into())
            }
        },
        _ => (405, "Use the link in your digest.".into()),
    }
}

/// Removes the subscriber; an address already gone is not an error, so a repeated
/// one-click POST stays harmless. Success is only claimed once the config, loaded afresh,
/// no longer lists the address.
fn unsubscribe(config_path: &Path, email: &str) -> anyhow::Result<()> {
    let mut edit = ConfigEdit::open(config_path)?;
    match edit.remove_subscriber(email) {
        Ok(()) => {
            edit.save()?;
        }
        Err(EditError::NotFound(_)) => {}
        Err(err) => return Err(err.into()),
    }
    if Config::load(config_path)?.subscriber(email).is_some() {
        anyhow::bail!("{email} is still listed after the edit");
    }
    Ok(())
}

fn page(body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Unsubscribe</title></head>\n\
         <body style=\"font-family:sans-serif; max-width:32em; margin:3em auto;\">\n<p>{body}</p>\n</body></html>\n"
    )
}
