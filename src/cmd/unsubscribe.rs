//! `paperboy unsubscribe`: removes a subscriber from the config, as `serve` does for a reader.

use crate::cli::UnsubscribeArgs;
use crate::cmd::Ctx;
use crate::config::edit::ConfigEdit;
use crate::error::Exit;

/// Removes the subscriber; the journal keeps what was sent to them.
pub(crate) fn run(args: &UnsubscribeArgs, ctx: &Ctx<'_>) -> anyhow::Result<Exit> {
    let mut edit = ConfigEdit::open(ctx.config_path)?;
    edit.remove_subscriber(&args.email)?;
    edit.save()?;
    status!("unsubscribed {}: removed from {}", args.email.trim(), ctx.config_path.display())?;
    Ok(Exit::Ok)
}
