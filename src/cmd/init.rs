//! `paperboy init`: writes a commented starter config.

use std::io::Write;

use anyhow::Context as _;

use crate::cli::InitArgs;
use crate::cmd::Ctx;
use crate::error::{Exit, UsageError};

/// The starter config; a unit test keeps it loadable.
pub(crate) const STARTER: &str = include_str!("../config/starter.toml");

/// Writes the starter config, refusing to replace any file.
pub(crate) fn run(args: &InitArgs, ctx: &Ctx<'_>) -> anyhow::Result<Exit> {
    let path = args.path.as_deref().unwrap_or(ctx.config_path);
    // `create_new` refuses atomically, even if another process creates the file meanwhile.
    let mut file = match std::fs::OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(UsageError::new(format!(
                "{} already exists; init leaves it alone",
                path.display()
            ))
            .into());
        }
        Err(err) => return Err(err).with_context(|| format!("cannot create {}", path.display())),
    };
    file.write_all(STARTER.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    status!("wrote {}; edit it, then run `paperboy check`", path.display())?;
    Ok(Exit::Ok)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::Config;

    #[test]
    fn the_starter_config_loads() {
        let config = Config::parse(super::STARTER, Path::new("paperboy.toml")).unwrap();
        assert_eq!(config.subscribers.len(), 1);
        assert_eq!(config.topics[0].name, "distillation");
    }
}
