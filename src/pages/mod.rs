//! The self-service pages `serve` answers under `newsletter.site_url`: `/subscribe` (a form
//! that mails a confirmation link), `/confirm` (the link's page, whose button adds the
//! reader) and `/manage` (a reader's own topics, keywords and pause switch).
//!
//! The config file stays the one list of who gets what: the pages change it only through
//! the same locked, atomic, comment-keeping edit as `subscriber add` and `set`, and only
//! after a POST that carries a CSRF token and a signed link (see [`crate::token`]). A GET
//! never changes anything, since mail scanners follow every link. Sign-ups waiting for
//! confirmation are kept in the journal, not in the config. This module builds on config
//! editing, composing and delivering; it knows nothing of how `serve` listens.

mod form;
mod guard;
mod mail;
mod manage;
mod signup;
mod view;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tera::Context;

use crate::config::Config;
use crate::token::Secret;
use form::Fields;
use view::{TopicChoice, Views};

/// What every request of the pages shares.
struct Site {
    config_path: PathBuf,
    /// `newsletter.site_url`, as links in mails start.
    site_url: String,
    secret: Secret,
    views: Views,
    per_client: guard::RateLimit,
    per_address: guard::RateLimit,
    trusted_proxy: Option<IpAddr>,
    /// Cookies marked `Secure` when the site is HTTPS.
    secure: bool,
    /// The config as last loaded, with the size and time of the file it was read from.
    loaded: std::sync::Mutex<Option<Loaded>>,
}

/// A loaded config and what its file looked like: at 100,000 subscribers a load takes a
/// while, and most requests (every GET) find the file as the last one did.
struct Loaded {
    stamp: (std::time::SystemTime, u64),
    config: Arc<Config>,
}

/// The pages' routes, and the paths they answer (for `serve` to print), when the config
/// has a `site_url`. Templates are parsed here, once.
pub(crate) fn router(
    config: &Config,
    secret: Secret,
) -> anyhow::Result<Option<(Router, Vec<String>)>> {
    let Some(site_url) = config.newsletter.site_url.clone() else { return Ok(None) };
    let parsed = url::Url::parse(&site_url)?;
    let prefix = parsed.path().trim_end_matches('/').to_owned();
    let site = Arc::new(Site {
        config_path: config.path.clone(),
        secure: parsed.scheme() == "https",
        site_url,
        secret,
        views: Views::new(config.newsletter.templates.as_deref())?,
        per_client: guard::RateLimit::new(config.serve.subscribe_per_client_hour),
        per_address: guard::RateLimit::new(config.serve.confirmations_per_address_hour),
        trusted_proxy: config.serve.trusted_proxy,
        loaded: std::sync::Mutex::new(None),
    });
    let paths: Vec<String> =
        ["subscribe", "confirm", "manage"].iter().map(|page| format!("{prefix}/{page}")).collect();
    let router = Router::new()
        .route(&paths[0], get(subscribe_page).post(subscribe))
        .route(&paths[1], get(confirm_page).post(confirm))
        .route(&paths[2], get(manage_page).post(manage))
        .with_state(site);
    Ok(Some((router, paths)))
}

async fn subscribe_page(State(site): State<Arc<Site>>, headers: HeaderMap) -> Response {
    answer(site, move |site| site.subscribe_page(&headers)).await
}

async fn subscribe(
    State(site): State<Arc<Site>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer(site, move |site| {
        let client = guard::client_address(peer, &headers, site.trusted_proxy);
        site.subscribe(&headers, client, &Fields::parse(&body))
    })
    .await
}

async fn confirm_page(State(site): State<Arc<Site>>, headers: HeaderMap, uri: Uri) -> Response {
    let query = Fields::parse(uri.query().unwrap_or("").as_bytes());
    answer(site, move |site| site.confirm_page(&headers, &query)).await
}

async fn confirm(State(site): State<Arc<Site>>, headers: HeaderMap, body: Bytes) -> Response {
    answer(site, move |site| site.confirm(&headers, &Fields::parse(&body))).await
}

async fn manage_page(State(site): State<Arc<Site>>, headers: HeaderMap, uri: Uri) -> Response {
    let query = Fields::parse(uri.query().unwrap_or("").as_bytes());
    answer(site, move |site| site.manage_page(&headers, &query)).await
}

async fn manage(State(site): State<Arc<Site>>, headers: HeaderMap, body: Bytes) -> Response {
    answer(site, move |site| site.manage(&headers, &Fields::parse(&body))).await
}

/// Runs a page's work on the blocking pool: it reads and edits files.
async fn answer(site: Arc<Site>, work: impl FnOnce(&Site) -> Page + Send + 'static) -> Response {
    match crate::http::blocking(move || work(&site)).await {
        Ok(page) => page.into_response(),
        Err(err) => {
            crate::messages::error(format!("a page failed: {err:#}"));
            (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong; nothing was changed.\n")
                .into_response()
        }
    }
}

/// One answer: a status, the HTML, and the CSRF cookie when a new one is handed out.
struct Page {
    status: StatusCode,
    html: String,
    cookie: Option<String>,
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.html).into_response();
        let headers = response.headers_mut();
        let fixed = [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // The pages carry tokens: no cache keeps them, no Referer sends them on.
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; \
                 form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        ];
        for (name, value) in fixed {
            headers.insert(name, HeaderValue::from_static(value));
        }
        if let Some(cookie) = self.cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
            headers.insert(header::SET_COOKIE, cookie);
        }
        response
    }
}

/// A form's CSRF state for one answer: the browser's nonce, and the cookie to set when it
/// had none.
struct Csrf {
    field: String,
    cookie: Option<String>,
}

/// Why a confirmation link does not open.
enum LinkProblem {
    Invalid,
    Expired,
}

impl Site {
    fn csrf(&self, headers: &HeaderMap) -> Csrf {
        let (nonce, cookie) = match guard::cookie_nonce(headers, &self.secret) {
            Some(nonce) => (nonce, None),
            None => {
                let nonce = guard::new_nonce(&self.secret);
                let secure = if self.secure { "; Secure" } else { "" };
                let cookie = format!(
                    "{}={nonce}; Path=/; HttpOnly; SameSite=Lax{secure}",
                    guard::CSRF_COOKIE
                );
                (nonce, Some(cookie))
            }
        };
        Csrf { field: guard::csrf_field(&self.secret, &nonce), cookie }
    }

    fn context(&self, config: &Config, csrf: &Csrf) -> Context {
        let mut context = Context::new();
        context.insert("title", &config.newsletter.title);
        context.insert("csrf", &csrf.field);
        context.insert("site_url", &self.site_url);
        context
    }

    fn page(&self, name: &str, status: StatusCode, context: &Context, csrf: Csrf) -> Page {
        Page { status, html: self.views.render(name, context), cookie: csrf.cookie }
    }

    fn message(
        &self,
        status: StatusCode,
        heading: &str,
        text: &str,
        link: Option<(&str, &str)>,
    ) -> Page {
        let mut context = Context::new();
        // A message must show even when the config no longer loads.
        let title = self.config().map(|c| c.newsletter.title.clone()).unwrap_or_default();
        context.insert("title", &title);
        context.insert("heading", heading);
        context.insert("text", text);
        context.insert("link", &link.map(|(url, _)| url));
        context.insert("link_text", &link.map(|(_, text)| text));
        Page { status, html: self.views.render("message.html", &context), cookie: None }
    }

    fn broken(&self, err: &dyn std::fmt::Display) -> Page {
        crate::messages::error(format!("{err:#}"));
        self.message(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "Nothing was changed. Please try again later.",
            None,
        )
    }

    fn load(&self) -> Result<Arc<Config>, Page> {
        self.config().map_err(|err| self.broken(&err))
    }

    /// The config, loaded again only when its file changed (every edit writes a new file,
    /// so its time or size differs). Edits never use this copy: they read the file afresh
    /// under the edit lock.
    fn config(&self) -> anyhow::Result<Arc<Config>> {
        let stamp = std::fs::metadata(&self.config_path)
            .and_then(|meta| Ok((meta.modified()?, meta.len())))
            .ok();
        let mut loaded = self.loaded.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let (Some(stamp), Some(cached)) = (stamp, loaded.as_ref())
            && cached.stamp == stamp
        {
            return Ok(Arc::clone(&cached.config));
        }
        let config = Arc::new(Config::load(&self.config_path)?);
        *loaded = stamp.map(|stamp| Loaded { stamp, config: Arc::clone(&config) });
        Ok(config)
    }

    fn subscribe_link(&self) -> String {
        format!("{}/subscribe", self.site_url)
    }
}

/// `frequency` (`daily`, `weekly`, or empty when unknown), `weekday` and the `weekdays` the
/// form offers, as the config spells them.
fn insert_often(context: &mut Context, often: &form::Often) {
    context.insert("frequency", &often.frequency.map_or("", |f| f.as_str()));
    context.insert("weekday", &often.weekday.map_or("", crate::cadence::weekday_name));
    let days = [
        chrono::Weekday::Mon,
        chrono::Weekday::Tue,
        chrono::Weekday::Wed,
        chrono::Weekday::Thu,
        chrono::Weekday::Fri,
        chrono::Weekday::Sat,
        chrono::Weekday::Sun,
    ];
    context.insert("weekdays", &days.map(crate::cadence::weekday_name));
}

fn choices(config: &Config, checked: &[String]) -> Vec<TopicChoice> {
    config
        .topics
        .iter()
        .map(|topic| TopicChoice {
            name: topic.name.clone(),
            description: topic.description.clone(),
            checked: checked.contains(&topic.name),
        })
        .collect()
}
