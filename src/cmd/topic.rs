//! `paperboy topic ...`.

use crate::cli::TopicCommand;
use crate::cmd::Ctx;
use crate::config::Config;
use crate::config::edit::{ConfigEdit, TopicFields};
use crate::error::Exit;

/// Runs one `topic` subcommand.
pub fn run(command: &TopicCommand, ctx: &Ctx<'_>) -> anyhow::Result<Exit> {
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
            say!("added topic {name} to {}", ctx.config_path.display())?;
        }
        TopicCommand::Remove { name, force } => {
            let mut edit = ConfigEdit::open(ctx.config_path)?;
            let followers = edit.remove_topic(name, *force)?;
            edit.save()?;
            say!("removed topic {name} from {}", ctx.config_path.display())?;
            if !followers.is_empty() {
                say!("and from its followers: {}", followers.join(", "))?;
            }
        }
        TopicCommand::List => {
            let config = Config::load(ctx.config_path)?;
            for (index, topic) in config.topics.iter().enumerate() {
                let followers = config
                    .subscribers
                    .iter()
                    .filter(|s| s.interest.topics.contains(&index))
                    .count();
                let keywords = config.keyword_texts(&topic.rules.keywords);
                let noun = if followers == 1 { "subscriber" } else { "subscribers" };
                say!("{}  ({followers} {noun})  {}", topic.name, keywords.join(", "))?;
            }
        }
    }
    Ok(Exit::Ok)
}
