//! `paperboy subscriber ...`: edits go through `ConfigEdit`, views through the loader.

use std::io::Write;

use serde::Serialize;

use crate::cli::{Format, SubscriberCommand, SubscriberFieldArgs};
use crate::cmd::output::print_json;
use crate::cmd::{Ctx, find_subscriber, write_table};
use crate::config::edit::{ConfigEdit, EditError, SubscriberFields};
use crate::config::{Config, Subscriber};
use crate::error::Exit;
use crate::journal::Journal;

/// Runs one `subscriber` subcommand.
pub(crate) fn run(command: &SubscriberCommand, ctx: &Ctx<'_>) -> anyhow::Result<Exit> {
    match command {
        SubscriberCommand::Add { email, fields } => {
            let mut edit = ConfigEdit::open(ctx.config_path)?;
            edit.add_subscriber(email, &fields_of(fields))?;
            edit.save()?;
            status!("added {} to {}", email.trim(), ctx.config_path.display())?;
        }
        SubscriberCommand::Set { email, fields, add_topics, remove_topics } => {
            let mut changes = fields_of(fields);
            changes.add_topics.clone_from(add_topics);
            changes.remove_topics.clone_from(remove_topics);
            if is_nothing(&changes) {
                return Err(EditError::Refused(
                    "nothing to change: give at least one option".into(),
                )
                .into());
            }
            let mut edit = ConfigEdit::open(ctx.config_path)?;
            edit.set_subscriber(email, &changes)?;
            edit.save()?;
            status!("updated {} in {}", email.trim(), ctx.config_path.display())?;
        }
        SubscriberCommand::Remove { email } => {
            let mut edit = ConfigEdit::open(ctx.config_path)?;
            edit.remove_subscriber(email)?;
            edit.save()?;
            status!("removed {} from {}", email.trim(), ctx.config_path.display())?;
        }
        SubscriberCommand::List { format, pending: true } => {
            list_pending(&Config::load(ctx.config_path)?, ctx, *format)?;
        }
        SubscriberCommand::List { format, pending: false } => {
            list(&Config::load(ctx.config_path)?, *format)?;
        }
        SubscriberCommand::Show { email, format } => {
            show(&Config::load(ctx.config_path)?, email, *format)?;
        }
    }
    Ok(Exit::Ok)
}

/// Repeatable options replace a list only when given at least once.
fn fields_of(args: &SubscriberFieldArgs) -> SubscriberFields {
    let given = |items: &Vec<String>| (!items.is_empty()).then(|| items.clone());
    SubscriberFields {
        name: args.name.clone(),
        topics: given(&args.topics),
        keywords: given(&args.keywords),
        exclude: given(&args.exclude),
        max_papers: args.max_papers,
        paused: match (args.paused, args.resume) {
            (true, _) => Some(true),
            (false, true) => Some(false),
            (false, false) => None,
        },
        cadence: [
            args.frequency.clone(),
            args.weekday.clone(),
            args.send_at.clone(),
            args.timezone.clone(),
        ],
        ..SubscriberFields::default()
    }
}

fn is_nothing(fields: &SubscriberFields) -> bool {
    fields.name.is_none()
        && fields.topics.is_none()
        && fields.add_topics.is_empty()
        && fields.remove_topics.is_empty()
        && fields.keywords.is_none()
        && fields.exclude.is_none()
        && fields.max_papers.is_none()
        && fields.paused.is_none()
        && fields.cadence.iter().all(Option::is_none)
}

#[derive(Serialize)]
struct SubscriberRow<'a> {
    email: String,
    name: Option<&'a str>,
    topics: Vec<&'a str>,
    keywords: Vec<&'a str>,
    exclude: Vec<&'a str>,
    max_papers: usize,
    paused: bool,
}

fn row<'a>(subscriber: &'a Subscriber, config: &'a Config) -> SubscriberRow<'a> {
    SubscriberRow {
        email: subscriber.email.to_string(),
        name: subscriber.name.as_deref(),
        topics: config.topic_names(subscriber),
        keywords: config.keyword_texts(&subscriber.interest.own.keywords),
        exclude: config.keyword_texts(&subscriber.interest.own.exclude),
        max_papers: subscriber.max_papers.unwrap_or(config.newsletter.max_papers),
        paused: subscriber.paused,
    }
}

fn list(config: &Config, format: Format) -> anyhow::Result<()> {
    let rows: Vec<SubscriberRow<'_>> = config.subscribers.iter().map(|s| row(s, config)).collect();
    if format == Format::Json {
        return Ok(print_json(&rows)?);
    }
    let cells = rows.iter().map(|r| {
        vec![
            r.email.clone(),
            r.name.unwrap_or("").to_owned(),
            r.topics.join(", "),
            r.keywords.join(", "),
            if r.paused { format!("{} (paused)", r.max_papers) } else { r.max_papers.to_string() },
        ]
    });
    write_table(&["EMAIL", "NAME", "TOPICS", "KEYWORDS", "MAX"], cells)
}

/// The sign-ups from `serve`'s form that wait for the reader to confirm.
fn list_pending(config: &Config, ctx: &Ctx<'_>, format: Format) -> anyhow::Result<()> {
    let pending = match Journal::open_existing(&config.delivery.state)? {
        Some(journal) => journal.pending(ctx.clock.now())?,
        None => Vec::new(),
    };
    if format == Format::Json {
        return Ok(print_json(&pending)?);
    }
    let cells = pending.iter().map(|p| {
        vec![p.address.clone(), p.requested_at.clone(), p.expires_at.clone(), p.request.clone()]
    });
    write_table(&["EMAIL", "REQUESTED", "EXPIRES", "SETTINGS"], cells)
}

fn show(config: &Config, email: &str, format: Format) -> anyhow::Result<()> {
    let subscriber = find_subscriber(config, email)?;
    if format == Format::Json {
        return Ok(print_json(&row(subscriber, config))?);
    }
    let mut out = std::io::stdout().lock();
    let name = subscriber.name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
    writeln!(out, "{}{name}", subscriber.email)?;
    let max = subscriber.max_papers.unwrap_or(config.newsletter.max_papers);
    writeln!(out, "max papers: {max}")?;
    if subscriber.paused {
        writeln!(out, "paused: gets no digest until resumed")?;
    }
    if let Some(cadence) = subscriber.cadence.describe() {
        writeln!(out, "digest: {cadence}")?;
    }
    for &index in &subscriber.interest.topics {
        let topic = &config.topics[index];
        writeln!(out, "topic {}:", topic.name)?;
        let rules = &topic.rules;
        writeln!(out, "  keywords: {}", config.keyword_texts(&rules.keywords).join(", "))?;
        if !rules.require.is_empty() {
            writeln!(out, "  require:  {}", config.keyword_texts(&rules.require).join(", "))?;
        }
        if !rules.exclude.is_empty() {
            writeln!(out, "  exclude:  {}", config.keyword_texts(&rules.exclude).join(", "))?;
        }
    }
    let own = &subscriber.interest.own;
    for (label, ids) in [
        ("own keywords:", &own.keywords),
        ("own require: ", &own.require),
        ("own exclude: ", &own.exclude),
    ] {
        if !ids.is_empty() {
            writeln!(out, "{label} {}", config.keyword_texts(ids).join(", "))?;
        }
    }
    let all: Vec<&str> = config.keywords_of(subscriber).iter().map(|k| k.as_str()).collect();
    writeln!(
        out,
        "matches on: {}",
        if all.is_empty() { "nothing yet".to_owned() } else { all.join(", ") }
    )?;
    Ok(())
}
