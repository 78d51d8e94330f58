//! `paperboy topic ...`: edits go through `ConfigEdit`, views through the loader.

use serde::Serialize;

use crate::cli::{Format, TopicCommand};
use crate::cmd::output::print_json;
use crate::cmd::{Ctx, write_table};
use crate::config::Config;
use crate::config::edit::{ConfigEdit, TopicChanges, TopicFields};
use crate::error::{Exit, UsageError};

/// Runs one `topic` subcommand.
pub(crate) fn run(command: &TopicCommand, ctx: &Ctx<'_>) -> anyhow::Result<Exit> {
    match command {
        TopicCommand::Add { name, keywords, require, exclude } => {
            let mut edit = ConfigEdit::open(ctx.config_path)?;
            let fields = TopicFields {
                keywords: keywords.clone(),
                require: require.clone(),
                exclude: exclude.clone(),
            };
            edit.add_topic(name, &fields)?;
            edit.save()?;
            status!("added topic {name} to {}", ctx.config_path.display())?;
        }
        TopicCommand::Set { name, keywords, require, exclude, no_require, no_exclude } => {
            // A list replaces the topic's only when given; `--no-require` gives an empty one.
            let given = |items: &Vec<String>, drop: bool| {
                if drop { Some(Vec::new()) } else { (!items.is_empty()).then(|| items.clone()) }
            };
            let changes = TopicChanges {
                keywords: given(keywords, false),
                require: given(require, *no_require),
                exclude: given(exclude, *no_exclude),
            };
            let mut edit = ConfigEdit::open(ctx.config_path)?;
            edit.set_topic(name, &changes)?;
            edit.save()?;
            status!("updated topic {name} in {}", ctx.config_path.display())?;
        }
        TopicCommand::Remove { name, force } => {
            let mut edit = ConfigEdit::open(ctx.config_path)?;
            let followers = edit.remove_topic(name, *force)?;
            edit.save()?;
            status!("removed topic {name} from {}", ctx.config_path.display())?;
            if !followers.is_empty() {
                status!("and from its followers: {}", followers.join(", "))?;
            }
        }
        TopicCommand::List { format } => list(&Config::load(ctx.config_path)?, *format)?,
        TopicCommand::Show { name, format } => {
            show(&Config::load(ctx.config_path)?, name, *format)?
        }
    }
    Ok(Exit::Ok)
}

#[derive(Serialize)]
struct TopicRow<'a> {
    name: &'a str,
    keywords: Vec<&'a str>,
    require: Vec<&'a str>,
    exclude: Vec<&'a str>,
    followers: Vec<String>,
}

fn rows(config: &Config) -> Vec<TopicRow<'_>> {
    let rules = |index: usize| &config.topics[index].rules;
    (0..config.topics.len())
        .map(|index| TopicRow {
            name: &config.topics[index].name,
            keywords: config.keyword_texts(&rules(index).keywords),
            require: config.keyword_texts(&rules(index).require),
            exclude: config.keyword_texts(&rules(index).exclude),
            followers: config
                .subscribers
                .iter()
                .filter(|s| s.interest.topics.contains(&index))
                .map(|s| s.email.to_string())
                .collect(),
        })
        .collect()
}

fn list(config: &Config, format: Format) -> anyhow::Result<()> {
    let rows = rows(config);
    if format == Format::Json {
        return Ok(print_json(&rows)?);
    }
    let header = ["NAME", "FOLLOWERS", "KEYWORDS", "REQUIRE", "EXCLUDE"];
    let cells = rows.iter().map(|row| {
        vec![
            row.name.to_owned(),
            row.followers.len().to_string(),
            row.keywords.join(", "),
            row.require.join(", "),
            row.exclude.join(", "),
        ]
    });
    write_table(&header, cells)
}

fn show(config: &Config, name: &str, format: Format) -> anyhow::Result<()> {
    let Some(row) = rows(config).into_iter().find(|row| row.name == name) else {
        anyhow::bail!(UsageError::new(format!("no topic `{name}` in {}", config.path.display())));
    };
    if format == Format::Json {
        return Ok(print_json(&row)?);
    }
    let or_none = |items: &[&str]| if items.is_empty() { "-".to_owned() } else { items.join(", ") };
    say!("topic {}", row.name)?;
    say!("  keywords:  {}", or_none(&row.keywords))?;
    say!("  require:   {}", or_none(&row.require))?;
    say!("  exclude:   {}", or_none(&row.exclude))?;
    let followers: Vec<&str> = row.followers.iter().map(String::as_str).collect();
    say!("  followers: {}", or_none(&followers))?;
    Ok(())
}
