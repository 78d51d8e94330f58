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
use chrono::{DateTime, Utc};
use lettre::Address;
use tera::Context;

use crate::clock::Clock;
use crate::config::edit::{ConfigEdit, EditError};
use crate::config::{Config, Subscriber};
use crate::digest::Digest;
use crate::journal::Journal;
use crate::render::Renderer;
use crate::site::{ManageLinks, verify_manage};
use crate::token::{Purpose, Secret, address_field};
use crate::unsubscribe::UnsubscribeLinks;
use form::{Fields, Preferences, Signup};
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
        let (nonce, cookie) = match guard::cookie_nonce(headers) {
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

    // ---- /subscribe

    fn subscribe_page(&self, headers: &HeaderMap) -> Page {
        let config = match self.load() {
            Ok(config) => config,
            Err(page) => return page,
        };
        self.signup_form(&config, self.csrf(headers), &Signup::default(), None, StatusCode::OK)
    }

    fn signup_form(
        &self,
        config: &Config,
        csrf: Csrf,
        signup: &Signup,
        message: Option<&str>,
        status: StatusCode,
    ) -> Page {
        let mut context = self.context(config, &csrf);
        context.insert("topics", &choices(config, &signup.topics));
        context.insert("email", &signup.email);
        context.insert("name", signup.name.as_deref().unwrap_or(""));
        context.insert("keywords", &signup.keywords.join(", "));
        context.insert("message", &message);
        self.page("subscribe.html", status, &context, csrf)
    }

    fn sent(&self, config: &Config, email: &str) -> Page {
        let mut context = Context::new();
        context.insert("title", &config.newsletter.title);
        context.insert("email", email);
        context.insert("hours", &config.newsletter.subscribe_link_hours);
        Page {
            status: StatusCode::OK,
            html: self.views.render("sent.html", &context),
            cookie: None,
        }
    }

    fn subscribe(&self, headers: &HeaderMap, client: IpAddr, fields: &Fields) -> Page {
        let config = match self.load() {
            Ok(config) => config,
            Err(page) => return page,
        };
        let signup = Signup::from_fields(fields);
        if !guard::csrf_ok(&self.secret, headers, fields.one("csrf")) {
            let message = "This form was open too long, or was sent from another site. \
                           Please check it and send it again.";
            return self.signup_form(
                &config,
                self.csrf(headers),
                &signup,
                Some(message),
                StatusCode::FORBIDDEN,
            );
        }
        if !self.per_client.allow(&client.to_string()) {
            return self.message(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many sign-ups",
                "Too many sign-ups came from your network in the last hour. Please try again later.",
                None,
            );
        }
        if !fields.one("website").is_empty() {
            // The hidden field only a robot fills in: the robot is told what everyone is.
            eprintln!("sign-up from {client} dropped: the hidden field was filled in");
            return self.sent(&config, &signup.email);
        }
        let address = match signup.check(&config) {
            Ok(address) => address,
            Err(message) => {
                return self.signup_form(
                    &config,
                    self.csrf(headers),
                    &signup,
                    Some(&message),
                    StatusCode::BAD_REQUEST,
                );
            }
        };
        // The answer is the same whatever happens next, so that the form tells nobody
        // whether an address is on the list or was just mailed.
        if !self.per_address.allow(&address_field(address.as_ref())) {
            eprintln!("sign-up for {address} not mailed: it was mailed within the hour");
            return self.sent(&config, &signup.email);
        }
        let now = Clock::System.now();
        let sent = if config.subscriber(address.as_ref()).is_some() {
            self.mail_known(&config, &address, now)
        } else {
            self.mail_confirmation(&config, &address, &signup, now)
        };
        match sent {
            Ok(()) => self.sent(&config, &signup.email),
            Err(err) => {
                crate::messages::error(format!("cannot mail {address}: {err:#}"));
                self.message(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The mail could not be sent",
                    "Nothing was changed. Please try again later.",
                    None,
                )
            }
        }
    }

    fn mail_confirmation(
        &self,
        config: &Config,
        address: &Address,
        signup: &Signup,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let request = Signup { email: address.to_string(), ..signup.clone() };
        let request = serde_json::to_string(&request).expect("a Signup serializes to JSON");
        let hours = config.newsletter.subscribe_link_hours;
        let expires = now + chrono::Duration::hours(i64::try_from(hours).unwrap_or(48));
        let expires_field = expires.timestamp().to_string();
        let token = self.confirm_token(address.as_ref(), &request, &expires_field);
        let link = format!(
            "{}/confirm?request={}&expires={expires_field}&token={token}",
            self.site_url,
            crate::text::url_component(&request)
        );
        Journal::open(&config.delivery.state)?.record_pending(
            &token,
            address.as_ref(),
            &request,
            now,
            expires,
        )?;
        let mut context = Context::new();
        context.insert("title", &config.newsletter.title);
        context.insert("name", &signup.name);
        context.insert("email", &address.to_string());
        context.insert("hours", &hours);
        context.insert("link", &link);
        let text = self.views.mail("confirm_mail.txt", &context)?;
        let subject = format!("Confirm your subscription to {}", config.newsletter.title);
        mail::deliver(config, address, signup.name.as_deref(), &subject, &text, now)?;
        eprintln!("confirmation mailed to {address}");
        Ok(())
    }

    /// The mail for an address already on the list: its manage link, and no change.
    fn mail_known(
        &self,
        config: &Config,
        address: &Address,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let manage =
            ManageLinks::from_config(config)?.map(|links| links.for_address(address.as_ref()));
        let mut context = Context::new();
        context.insert("title", &config.newsletter.title);
        context.insert("email", &address.to_string());
        context.insert("manage_url", &manage);
        let text = self.views.mail("known_mail.txt", &context)?;
        let subject = format!("You already get {}", config.newsletter.title);
        mail::deliver(config, address, None, &subject, &text, now)?;
        eprintln!("{address} asked to subscribe again; mailed its manage link");
        Ok(())
    }

    fn confirm_token(&self, email: &str, request: &str, expires: &str) -> String {
        self.secret.sign(Purpose::Confirm, &[&address_field(email), request, expires])
    }

    // ---- /confirm

    /// The sign-up a confirmation link carries, when its token covers it and it has not
    /// expired. The token is checked first, so a forged link never says "expired".
    fn open_link(&self, fields: &Fields, now: DateTime<Utc>) -> Result<Signup, LinkProblem> {
        let (request, expires, token) =
            (fields.one("request"), fields.one("expires"), fields.one("token"));
        let signup: Signup = serde_json::from_str(request).map_err(|_| LinkProblem::Invalid)?;
        let covered = self.secret.verify(
            Purpose::Confirm,
            &[&address_field(&signup.email), request, expires],
            token,
        );
        if !covered {
            return Err(LinkProblem::Invalid);
        }
        let expires: i64 = expires.parse().map_err(|_| LinkProblem::Invalid)?;
        if now.timestamp() > expires {
            return Err(LinkProblem::Expired);
        }
        Ok(signup)
    }

    fn link_refused(&self, problem: LinkProblem) -> Page {
        let subscribe = self.subscribe_link();
        match problem {
            LinkProblem::Invalid => self.message(
                StatusCode::FORBIDDEN,
                "This link is not valid",
                "Use the link in the confirmation mail as it is, or subscribe again.",
                Some((&subscribe, "Subscribe")),
            ),
            LinkProblem::Expired => self.message(
                StatusCode::GONE,
                "This link has expired",
                "Nothing was changed. Subscribe again to get a new link.",
                Some((&subscribe, "Subscribe")),
            ),
        }
    }

    fn confirm_page(&self, headers: &HeaderMap, query: &Fields) -> Page {
        let signup = match self.open_link(query, Clock::System.now()) {
            Ok(signup) => signup,
            Err(problem) => return self.link_refused(problem),
        };
        let config = match self.load() {
            Ok(config) => config,
            Err(page) => return page,
        };
        let csrf = self.csrf(headers);
        let mut context = self.context(&config, &csrf);
        context.insert("email", &signup.email);
        context.insert("name", &signup.name);
        context.insert("topics", &signup.topics);
        context.insert("keywords", &signup.keywords);
        for key in ["request", "expires", "token"] {
            context.insert(key, query.one(key));
        }
        self.page("confirm.html", StatusCode::OK, &context, csrf)
    }

    fn confirm(&self, headers: &HeaderMap, fields: &Fields) -> Page {
        let now = Clock::System.now();
        let signup = match self.open_link(fields, now) {
            Ok(signup) => signup,
            Err(problem) => return self.link_refused(problem),
        };
        if !guard::csrf_ok(&self.secret, headers, fields.one("csrf")) {
            return self.message(
                StatusCode::FORBIDDEN,
                "Please confirm from the mail",
                "Open the link in the confirmation mail again and press its button.",
                None,
            );
        }
        let token = fields.one("token");
        let config = match self.add(&signup, token, now) {
            Ok(config) => config,
            Err(page) => return page,
        };
        self.welcome(&config, &signup.email, now)
    }

    /// Adds the reader of a confirmed link, once: a link confirmed before, or an address
    /// on the list already, changes nothing.
    fn add(&self, signup: &Signup, token: &str, now: DateTime<Utc>) -> Result<Arc<Config>, Page> {
        let journal = || -> anyhow::Result<Journal> {
            Ok(Journal::open(&self.config()?.delivery.state)?)
        };
        let journal = journal().map_err(|err| self.broken(&err))?;
        if journal.confirmed(token).map_err(|err| self.broken(&err))? {
            return self.load();
        }
        let edited = ConfigEdit::open(&self.config_path).and_then(|mut edit| {
            edit.add_subscriber(&signup.email, &signup.edit_fields())?;
            edit.save()
        });
        let config = match edited {
            Ok(config) => {
                eprintln!("subscribed {}", signup.email);
                Arc::new(config)
            }
            Err(EditError::Refused(message)) => {
                let config = self.load()?;
                if config.subscriber(&signup.email).is_none() {
                    // The config changed since the mail (a topic was removed, say).
                    crate::messages::error(format!("cannot add {}: {message}", signup.email));
                    return Err(self.message(
                        StatusCode::CONFLICT,
                        "This sign-up cannot be added any more",
                        "The newsletter changed since the mail was sent. Please subscribe again.",
                        Some((&self.subscribe_link(), "Subscribe")),
                    ));
                }
                config
            }
            Err(err) => return Err(self.broken(&err)),
        };
        journal.confirm_pending(token, now).map_err(|err| self.broken(&err))?;
        Ok(config)
    }

    fn welcome(&self, config: &Config, email: &str, now: DateTime<Utc>) -> Page {
        let mut context = Context::new();
        context.insert("title", &config.newsletter.title);
        context.insert("email", email);
        let manage = ManageLinks::from_config(config).ok().flatten();
        context.insert("manage_url", &manage.map(|links| links.for_address(email)));
        let preview = config.subscriber(email).and_then(|subscriber| {
            preview(config, subscriber, now).unwrap_or_else(|err| {
                crate::messages::warning(format!("no preview for {email}: {err:#}"));
                None
            })
        });
        context.insert("preview_date", &preview.as_ref().map(|(date, _)| date.to_string()));
        context.insert("preview", &preview.map(|(_, html)| html));
        Page {
            status: StatusCode::OK,
            html: self.views.render("welcome.html", &context),
            cookie: None,
        }
    }

    // ---- /manage

    /// The address of a manage link or form, when its token opens that address's page.
    fn manage_address(&self, fields: &Fields) -> Result<String, Page> {
        let (email, token) = (fields.one("email"), fields.one("token"));
        if email.is_empty() || !verify_manage(&self.secret, email, token) {
            return Err(self.message(
                StatusCode::FORBIDDEN,
                "This link is not valid",
                "Use the link at the bottom of your digest as it is.",
                None,
            ));
        }
        Ok(email.to_owned())
    }

    fn not_listed(&self, email: &str) -> Page {
        self.message(
            StatusCode::NOT_FOUND,
            "Not subscribed",
            &format!("{email} does not get this newsletter (any more)."),
            Some((&self.subscribe_link(), "Subscribe")),
        )
    }

    fn manage_page(&self, headers: &HeaderMap, query: &Fields) -> Page {
        let email = match self.manage_address(query) {
            Ok(email) => email,
            Err(page) => return page,
        };
        let config = match self.load() {
            Ok(config) => config,
            Err(page) => return page,
        };
        let Some(subscriber) = config.subscriber(&email) else { return self.not_listed(&email) };
        let preferences = preferences_of(&config, subscriber);
        let form =
            ManageForm { email: &email, token: query.one("token"), preferences: &preferences };
        self.manage_form(&config, self.csrf(headers), &form, None, None, StatusCode::OK)
    }

    fn manage_form(
        &self,
        config: &Config,
        csrf: Csrf,
        form: &ManageForm<'_>,
        message: Option<&str>,
        notice: Option<&str>,
        status: StatusCode,
    ) -> Page {
        let preferences = form.preferences;
        let mut context = self.context(config, &csrf);
        context.insert("email", form.email);
        context.insert("token", form.token);
        context.insert("topics", &choices(config, &preferences.topics));
        context.insert("keywords", &preferences.keywords.join(", "));
        context.insert("exclude", &preferences.exclude.join(", "));
        context.insert("max_papers", &preferences.max_papers);
        context.insert("paused", &preferences.paused);
        context.insert("message", &message);
        context.insert("notice", &notice);
        let unsubscribe = UnsubscribeLinks::from_config(config).ok().flatten();
        context.insert("unsubscribe_url", &unsubscribe.map(|links| links.for_address(form.email)));
        self.page("manage.html", status, &context, csrf)
    }

    fn manage(&self, headers: &HeaderMap, fields: &Fields) -> Page {
        let email = match self.manage_address(fields) {
            Ok(email) => email,
            Err(page) => return page,
        };
        let config = match self.load() {
            Ok(config) => config,
            Err(page) => return page,
        };
        let token = fields.one("token");
        let again = |preferences: &Preferences, message: &str, status| {
            let form = ManageForm { email: &email, token, preferences };
            self.manage_form(&config, self.csrf(headers), &form, Some(message), None, status)
        };
        if !guard::csrf_ok(&self.secret, headers, fields.one("csrf")) {
            let Some(subscriber) = config.subscriber(&email) else {
                return self.not_listed(&email);
            };
            let message = "This page was open too long, or the form was sent from another \
                           site. Nothing was changed; please make your changes again.";
            return again(&preferences_of(&config, subscriber), message, StatusCode::FORBIDDEN);
        }
        let preferences = match Preferences::from_fields(fields) {
            Ok(preferences) => preferences,
            Err(message) => {
                let Some(subscriber) = config.subscriber(&email) else {
                    return self.not_listed(&email);
                };
                return again(
                    &preferences_of(&config, subscriber),
                    &message,
                    StatusCode::BAD_REQUEST,
                );
            }
        };
        if let Err(message) = preferences.check(&config) {
            return again(&preferences, &message, StatusCode::BAD_REQUEST);
        }
        let edited = ConfigEdit::open(&self.config_path).and_then(|mut edit| {
            edit.set_subscriber(&email, &preferences.edit_fields())?;
            edit.save()
        });
        let config = match edited {
            Ok(config) => config,
            Err(EditError::NotFound(_)) => return self.not_listed(&email),
            Err(EditError::Refused(message)) => {
                return again(&preferences, &message, StatusCode::BAD_REQUEST);
            }
            Err(EditError::WouldNotLoad(err)) => {
                let message = err.problems.first().map_or_else(String::new, |p| p.message.clone());
                return again(&preferences, &message, StatusCode::BAD_REQUEST);
            }
            Err(err) => return self.broken(&err),
        };
        eprintln!("{email} changed their preferences");
        let Some(subscriber) = config.subscriber(&email) else { return self.not_listed(&email) };
        let saved = preferences_of(&config, subscriber);
        let form = ManageForm { email: &email, token, preferences: &saved };
        let notice = if saved.paused { "Saved. Your digest is paused." } else { "Saved." };
        self.manage_form(&config, self.csrf(headers), &form, None, Some(notice), StatusCode::OK)
    }
}

/// What the manage form shows.
struct ManageForm<'a> {
    email: &'a str,
    token: &'a str,
    preferences: &'a Preferences,
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

fn preferences_of(config: &Config, subscriber: &Subscriber) -> Preferences {
    let texts = |ids| config.keyword_texts(ids).into_iter().map(str::to_owned).collect();
    Preferences {
        topics: config.topic_names(subscriber).into_iter().map(str::to_owned).collect(),
        keywords: texts(&subscriber.interest.own.keywords),
        exclude: texts(&subscriber.interest.own.exclude),
        max_papers: subscriber.max_papers,
        paused: subscriber.paused,
    }
}

/// The newest listing of the last week that `send` recorded in the journal, rendered as the
/// reader's digest: no source is fetched for it, so it works as well with URL sources.
fn preview(
    config: &Config,
    subscriber: &Subscriber,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<(chrono::NaiveDate, String)>> {
    let Some(journal) = Journal::open_existing(&config.delivery.state)? else { return Ok(None) };
    let today = now.date_naive();
    let Some(&date) = journal.listing_dates(today - chrono::Duration::days(7), today)?.last()
    else {
        return Ok(None);
    };
    let papers: Vec<_> =
        journal.listed_between(date, date)?.into_iter().map(|(_, paper)| paper).collect();
    let renderer = Renderer::new(
        config.newsletter.templates.as_deref(),
        UnsubscribeLinks::from_config(config)?,
    )?
    .with_manage_links(ManageLinks::from_config(config)?);
    let digest = Digest::for_each_subscriber(config, [subscriber], &papers, date).remove(0);
    Ok(Some((date, renderer.render_within(&digest, &config.newsletter, None)?.html)))
}
