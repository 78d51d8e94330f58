//! What the forms send, read and checked against the config before anything is edited.
//!
//! Every field is named as the issue promises scripts (`email`, `name`, `topics`,
//! `keywords`, ...), and each kind of form is one struct: a new field is one more struct
//! field, one more line in `from_fields`, `check` and `edit_fields`, and one more block in
//! the template, as `frequency` and `weekday` ([`Often`]) were.

use chrono::Weekday;
use lettre::Address;
use serde::{Deserialize, Serialize};

use crate::cadence::{Cadence, Frequency, parse_weekday, weekday_name};
use crate::config::edit::SubscriberFields;
use crate::config::{Config, subscriber_address};
use crate::topic::Keyword;

/// The longest value a text field may hold; a form is not where essays go.
const MAX_FIELD_CHARS: usize = 200;
/// The most keywords one field may list.
const MAX_KEYWORDS: usize = 50;

/// A submitted form's fields, in order, repeated names kept (one per checked box).
pub(super) struct Fields(Vec<(String, String)>);

impl Fields {
    /// An `application/x-www-form-urlencoded` body or query.
    pub(super) fn parse(bytes: &[u8]) -> Fields {
        Fields(form_urlencoded::parse(bytes).into_owned().collect())
    }

    /// The first value of `key`, trimmed; empty when absent.
    pub(super) fn one(&self, key: &str) -> &str {
        self.0.iter().find(|(k, _)| k == key).map_or("", |(_, value)| value.trim())
    }

    /// Every non-empty value of `key`, trimmed.
    pub(super) fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, value)| k == key && !value.trim().is_empty())
            .map(|(_, value)| value.trim().to_owned())
            .collect()
    }
}

/// A sign-up as the form asked for it: what the confirmation link signs, as JSON.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(super) struct Signup {
    pub(super) email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) name: Option<String>,
    #[serde(default)]
    pub(super) topics: Vec<String>,
    #[serde(default)]
    pub(super) keywords: Vec<String>,
    /// `daily` or `weekly`; absent in links mailed before the form asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) frequency: Option<String>,
    /// The day of a weekly digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) weekday: Option<String>,
}

impl Signup {
    pub(super) fn from_fields(fields: &Fields) -> Signup {
        let name = fields.one("name");
        Signup {
            email: fields.one("email").to_owned(),
            name: (!name.is_empty()).then(|| name.to_owned()),
            topics: fields.all("topics"),
            keywords: keyword_list(fields.one("keywords")),
            frequency: given(fields.one("frequency")),
            weekday: given(fields.one("weekday")),
        }
    }

    /// The address, or what is wrong, in words for the reader; the config would take it.
    pub(super) fn check(&self, config: &Config) -> Result<Address, String> {
        if self.email.chars().count() > MAX_FIELD_CHARS {
            return Err("That address is too long.".into());
        }
        let address = subscriber_address(&self.email)
            .map_err(|_| format!("“{}” is not an email address we can send to.", self.email))?;
        if self.name.as_ref().is_some_and(|name| name.chars().count() > MAX_FIELD_CHARS) {
            return Err("That name is too long.".into());
        }
        check_topics(&self.topics, config)?;
        check_keywords(&self.keywords)?;
        Often::read(self.frequency.as_deref(), self.weekday.as_deref())?;
        if self.topics.is_empty() && self.keywords.is_empty() {
            return Err("Choose at least one topic, or give a keyword of your own.".into());
        }
        Ok(address)
    }

    /// The edit that adds this reader; a frequency the newsletter's default gives anyway is
    /// not written, so the reader follows that default.
    pub(super) fn edit_fields(&self, config: &Config) -> SubscriberFields {
        let often =
            Often::read(self.frequency.as_deref(), self.weekday.as_deref()).unwrap_or_default();
        SubscriberFields {
            name: self.name.clone(),
            topics: (!self.topics.is_empty()).then(|| self.topics.clone()),
            keywords: (!self.keywords.is_empty()).then(|| self.keywords.clone()),
            cadence: often.change_from(&config.newsletter.cadence),
            ..SubscriberFields::default()
        }
    }
}

/// What the preferences page saves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Preferences {
    pub(super) topics: Vec<String>,
    pub(super) keywords: Vec<String>,
    pub(super) exclude: Vec<String>,
    /// Empty on the form: the newsletter's default.
    pub(super) max_papers: Option<usize>,
    pub(super) paused: bool,
    /// How often: the form's `frequency` and `weekday`.
    pub(super) often: Often,
}

impl Preferences {
    pub(super) fn from_fields(fields: &Fields) -> Result<Preferences, String> {
        let max = fields.one("max_papers");
        let max_papers = if max.is_empty() {
            None
        } else {
            let limit = crate::config::range::MAX_PAPERS;
            let parsed =
                max.parse::<usize>().ok().filter(|n| limit.whole_range().contains(&(*n as i64)));
            Some(parsed.ok_or_else(|| {
                format!("“At most” must be a whole number from 1 to {}.", limit.max)
            })?)
        };
        Ok(Preferences {
            topics: fields.all("topics"),
            keywords: keyword_lines(fields.one("keywords")),
            exclude: keyword_lines(fields.one("exclude")),
            max_papers,
            paused: fields.one("paused") == "on",
            often: Often::read(
                given(fields.one("frequency")).as_deref(),
                given(fields.one("weekday")).as_deref(),
            )?,
        })
    }

    pub(super) fn check(&self, config: &Config) -> Result<(), String> {
        check_topics(&self.topics, config)?;
        check_keywords(&self.keywords)?;
        check_keywords(&self.exclude)
    }

    /// The edit that saves them: every list replaced, so an unchecked box takes a topic out;
    /// the frequency only when it changes from the reader's `cadence`.
    pub(super) fn edit_fields(&self, cadence: &Cadence) -> SubscriberFields {
        SubscriberFields {
            cadence: self.often.change_from(cadence),
            topics: Some(self.topics.clone()),
            keywords: Some(self.keywords.clone()),
            exclude: Some(self.exclude.clone()),
            max_papers: self.max_papers,
            default_max_papers: self.max_papers.is_none(),
            paused: Some(self.paused),
            ..SubscriberFields::default()
        }
    }
}

/// How often a reader's digest goes: the form's `frequency` and `weekday`, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Often {
    pub(super) frequency: Option<Frequency>,
    /// Kept only for a weekly digest.
    pub(super) weekday: Option<Weekday>,
}

impl Often {
    pub(super) fn read(frequency: Option<&str>, weekday: Option<&str>) -> Result<Often, String> {
        let frequency = frequency
            .map(|text| {
                text.to_ascii_lowercase().parse::<Frequency>().map_err(|_| {
                    format!("“{text}” is not a frequency: choose every day or once a week.")
                })
            })
            .transpose()?;
        let weekday = weekday
            .map(|text| {
                parse_weekday(text).map_err(|_| format!("“{text}” is not a day of the week."))
            })
            .transpose()?;
        let weekly = frequency == Some(Frequency::Weekly);
        Ok(Often { frequency, weekday: weekday.filter(|_| weekly) })
    }

    /// What the form shows: the reader's cadence.
    pub(super) fn of(cadence: &Cadence) -> Often {
        Often { frequency: Some(cadence.frequency), weekday: Some(cadence.weekday) }
    }

    /// The `cadence` of a subscriber edit: the frequency and weekday that differ from `from`.
    fn change_from(&self, from: &Cadence) -> [Option<String>; 4] {
        let frequency = self.frequency.filter(|&f| f != from.frequency);
        let weekly = self.frequency.unwrap_or(from.frequency) == Frequency::Weekly;
        let weekday =
            self.weekday.filter(|&day| weekly && (day != from.weekday || frequency.is_some()));
        [
            frequency.map(|f| f.as_str().to_owned()),
            weekday.map(|day| weekday_name(day).to_owned()),
            None,
            None,
        ]
    }
}

fn given(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

/// `mamba, state space\nvit` as three keywords.
pub(super) fn keyword_list(text: &str) -> Vec<String> {
    let mut list: Vec<String> = Vec::new();
    for keyword in text.split([',', '\n']).map(str::trim).filter(|k| !k.is_empty()) {
        if !list.iter().any(|k| k == keyword) {
            list.push(keyword.to_owned());
        }
    }
    list
}

/// The manage page's keywords, one a line: a keyword may hold a comma
/// (`author:Hinton, Geoffrey`), so saving the page must not split it.
pub(super) fn keyword_lines(text: &str) -> Vec<String> {
    let mut list: Vec<String> = Vec::new();
    for keyword in text.lines().map(str::trim).filter(|k| !k.is_empty()) {
        if !list.iter().any(|k| k == keyword) {
            list.push(keyword.to_owned());
        }
    }
    list
}

fn check_topics(topics: &[String], config: &Config) -> Result<(), String> {
    for topic in topics {
        if !config.topics.iter().any(|t| &t.name == topic) {
            return Err(format!("There is no topic “{topic}” in this newsletter."));
        }
    }
    Ok(())
}

fn check_keywords(keywords: &[String]) -> Result<(), String> {
    if keywords.len() > MAX_KEYWORDS {
        return Err(format!("At most {MAX_KEYWORDS} keywords, please."));
    }
    for keyword in keywords {
        if keyword.chars().count() > MAX_FIELD_CHARS {
            return Err("One of those keywords is too long.".into());
        }
        Keyword::parse(keyword).map_err(|message| format!("Keyword “{keyword}”: {message}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_split_on_commas_and_lines_once_each() {
        assert_eq!(
            keyword_list(" mamba, state space\nmamba\n\n,vit "),
            ["mamba", "state space", "vit"]
        );
    }

    #[test]
    fn repeated_checkboxes_are_all_kept() {
        let fields = Fields::parse(b"email=a%40b.c&topics=llm&topics=vision&topics=&keywords=x");
        let signup = Signup::from_fields(&fields);
        assert_eq!(signup.topics, ["llm", "vision"]);
        assert_eq!(signup.email, "a@b.c");
    }
}
