//! One file per subcommand; what they share lives here.

pub mod check;
pub mod history;
pub mod init;
pub mod papers;
pub mod preview;
pub mod send;
pub mod serve;
pub mod subscriber;
pub mod suppress;
pub mod topic;
pub mod unsubscribe;

use std::path::Path;

use chrono::NaiveDate;

use crate::cli::DayArgs;
use crate::clock::Clock;
use crate::config::{Config, Subscriber};
use crate::error::UsageError;
use crate::paper::Paper;
use crate::render::Renderer;
use crate::source::{self, Source};
use crate::unsubscribe::UnsubscribeLinks;

/// What every subcommand gets besides its own arguments.
pub struct Ctx<'a> {
    /// The `--config` path.
    pub config_path: &'a Path,
    /// The only source of "now".
    pub clock: Clock,
}

/// A day's papers and the date the digests are for.
pub(crate) struct Day {
    pub(crate) papers: Vec<Paper>,
    pub(crate) date: NaiveDate,
}

/// Reads the day's papers from `--input` or the configured sources, printing warnings.
///
/// The digest date is `--date` when given, else the listing's own date.
pub(crate) fn read_day(config: &Config, day: &DayArgs, clock: Clock) -> anyhow::Result<Day> {
    let run_date = day.date.unwrap_or_else(|| clock.today());
    let sources = match &day.input {
        Some(path) => vec![input_source(path)],
        None => config.sources.clone(),
    };
    if sources.is_empty() {
        anyhow::bail!(UsageError::new(format!(
            "{}: no [[sources]] configured and no --input given",
            config.path.display()
        )));
    }
    let listing = source::read_all(&sources, run_date)?;
    for warning in &listing.warnings {
        eprintln!("warning: {warning}");
    }
    let listed_on = listing.papers.iter().map(|paper| paper.date).max();
    let date = match (day.date, listed_on) {
        (Some(asked), Some(listed)) if asked != listed => {
            eprintln!("warning: the sources list papers of {listed}, not of --date {asked}");
            asked
        }
        (Some(asked), _) => asked,
        (None, listed) => listed.unwrap_or(run_date),
    };
    Ok(Day { papers: listing.papers, date })
}

/// The run's templates, with unsubscribe links signed when the URL asks for a token.
pub(crate) fn renderer_for(config: &Config) -> anyhow::Result<Renderer> {
    let links = UnsubscribeLinks::from_config(config)?;
    Ok(Renderer::new(config.newsletter.templates.as_deref(), links)?)
}

/// A source for a file named on the command line: its format is detected.
pub(crate) fn input_source(path: &Path) -> Source {
    let name =
        path.file_stem().map_or_else(|| "input".to_owned(), |s| s.to_string_lossy().into_owned());
    Source { name, path: path.to_owned(), format: None }
}

/// Every subscriber, or only the one `--subscriber` names.
pub(crate) fn chosen_subscribers<'c>(
    config: &'c Config,
    only: Option<&str>,
) -> anyhow::Result<Vec<&'c Subscriber>> {
    let Some(wanted) = only else { return Ok(config.subscribers.iter().collect()) };
    let found = config
        .subscribers
        .iter()
        .find(|s| s.email.to_string().eq_ignore_ascii_case(wanted.trim()))
        .ok_or_else(|| {
            UsageError::new(format!("no subscriber `{wanted}` in {}", config.path.display()))
        })?;
    Ok(vec![found])
}
