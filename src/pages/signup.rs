//! `/subscribe` and `/confirm`: the form, the confirmation mail, and the button that adds
//! the reader once.

use std::net::IpAddr;
use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use lettre::Address;
use tera::Context;

use super::form::{Fields, Often, Signup};
use super::{Csrf, LinkProblem, Page, Site, choices, guard, mail};
use crate::clock::Clock;
use crate::config::edit::{ConfigEdit, EditError};
use crate::config::{Config, Subscriber};
use crate::digest::Digest;
use crate::journal::Journal;
use crate::render::Renderer;
use crate::site::ManageLinks;
use crate::token::{Purpose, address_field};
use crate::unsubscribe::UnsubscribeLinks;

impl Site {
    pub(super) fn subscribe_page(&self, headers: &HeaderMap) -> Page {
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
        let asked = Often::read(signup.frequency.as_deref(), signup.weekday.as_deref());
        let default = Often::of(&config.newsletter.cadence);
        let often = asked.map_or(default.clone(), |asked| Often {
            frequency: asked.frequency.or(default.frequency),
            weekday: asked.weekday.or(default.weekday),
        });
        super::insert_often(&mut context, &often);
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

    pub(super) fn subscribe(&self, headers: &HeaderMap, client: IpAddr, fields: &Fields) -> Page {
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
        if !self.per_client.allow(&guard::client_key(client)) {
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
        if !self.per_address.allow(&guard::mailbox_key(address.as_ref())) {
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

    pub(super) fn confirm_page(&self, headers: &HeaderMap, query: &Fields) -> Page {
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
        if let Ok(often) = Often::read(signup.frequency.as_deref(), signup.weekday.as_deref()) {
            super::insert_often(&mut context, &often);
        }
        for key in ["request", "expires", "token"] {
            context.insert(key, query.one(key));
        }
        self.page("confirm.html", StatusCode::OK, &context, csrf)
    }

    pub(super) fn confirm(&self, headers: &HeaderMap, fields: &Fields) -> Page {
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
        let journal =
            || -> anyhow::Result<Journal> { Ok(Journal::open(&self.config()?.delivery.state)?) };
        let journal = journal().map_err(|err| self.broken(&err))?;
        if journal.confirmed(token).map_err(|err| self.broken(&err))? {
            return self.load();
        }
        let fields = signup.edit_fields(&*self.load()?);
        let edited = ConfigEdit::open(&self.config_path).and_then(|mut edit| {
            edit.add_subscriber(&signup.email, &fields)?;
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
    Ok(Some((
        date,
        renderer.render_within(&digest, &config.newsletter, &crate::render::Fit::default())?.html,
    )))
}
