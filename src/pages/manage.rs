//! `/manage`: one reader's own topics, keywords, cap and pause switch, opened by the signed
//! link at the bottom of every digest.

use axum::http::{HeaderMap, StatusCode};

use super::form::{Fields, Often, Preferences};
use super::{Csrf, Page, Site, choices, guard};
use crate::config::edit::{ConfigEdit, EditError};
use crate::config::{Config, Subscriber};
use crate::site::verify_manage;
use crate::unsubscribe::UnsubscribeLinks;

impl Site {
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

    pub(super) fn manage_page(&self, headers: &HeaderMap, query: &Fields) -> Page {
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
        context.insert("keywords", &preferences.keywords.join("\n"));
        context.insert("exclude", &preferences.exclude.join("\n"));
        context.insert("max_papers", &preferences.max_papers);
        context.insert("paused", &preferences.paused);
        super::insert_often(&mut context, &preferences.often);
        context.insert("message", &message);
        context.insert("notice", &notice);
        let unsubscribe = UnsubscribeLinks::from_config(config).ok().flatten();
        context.insert("unsubscribe_url", &unsubscribe.map(|links| links.for_address(form.email)));
        self.page("manage.html", status, &context, csrf)
    }

    pub(super) fn manage(&self, headers: &HeaderMap, fields: &Fields) -> Page {
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
            let cadence = config.subscriber(&email).map(|s| s.cadence).unwrap_or_default();
            edit.set_subscriber(&email, &preferences.edit_fields(&cadence))?;
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

fn preferences_of(config: &Config, subscriber: &Subscriber) -> Preferences {
    let texts = |ids| config.keyword_texts(ids).into_iter().map(str::to_owned).collect();
    Preferences {
        topics: config.topic_names(subscriber).into_iter().map(str::to_owned).collect(),
        keywords: texts(&subscriber.interest.own.keywords),
        exclude: texts(&subscriber.interest.own.exclude),
        max_papers: subscriber.max_papers,
        paused: subscriber.paused,
        often: Often::of(&subscriber.cadence),
    }
}
