//! One file per subcommand; what they share lives here.

/// `println!` that hands back the error instead of panicking, so `paperboy ... | head`
/// ends quietly when the reader stops reading.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($arg)*)
    }};
}

/// [`say!`] for status output (summaries, confirmations): silent under `--quiet`.
macro_rules! status {
    ($($arg:tt)*) => {{
        if crate::messages::is_quiet() { Ok(()) } else { say!($($arg)*) }
    }};
}

pub(crate) mod check;
pub(crate) mod explain;
pub(crate) mod feedback;
pub(crate) mod help;
pub(crate) mod history;
pub(crate) mod init;
pub(crate) mod output;
pub(crate) mod papers;
pub(crate) mod preview;
pub(crate) mod send;
pub(crate) mod serve;
pub(crate) mod subscriber;
pub(crate) mod suppress;
pub(crate) mod topic;
pub(crate) mod unsubscribe;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Write as _;
use std::path::Path;

use chrono::{NaiveDate, TimeDelta};

use crate::cadence::week_of_digest;
use crate::cli::DayArgs;
use crate::clock::Clock;
use crate::config::{Config, Subscriber};
use crate::digest::Week;
use crate::error::UsageError;
use crate::feedback::FeedbackLinks;
use crate::journal::{Journal, address_key};
use crate::messages;
use crate::outcome;
use crate::paper::Paper;
use crate::render::Renderer;
use crate::site::ManageLinks;
use crate::source::{self, Expectations, Harvest, Reading, Source, SourceReport, SourceStatus};
use crate::topic::SentPapers;
use crate::unsubscribe::UnsubscribeLinks;

/// What every subcommand gets besides its own arguments.
pub(crate) struct Ctx<'a> {
    /// The `--config` path.
    pub(crate) config_path: &'a Path,
    /// The only source of "now".
    pub(crate) clock: Clock,
    /// `--verbose`: say more where a command has more to say.
    pub(crate) verbose: bool,
}

/// A day's papers, the date the digests are for, and how each source fared.
pub(crate) struct Day {
    pub(crate) papers: Vec<Paper>,
    pub(crate) date: NaiveDate,
    pub(crate) reports: Vec<SourceReport>,
}

/// Reads the day's papers from `--input` or the configured sources, printing warnings and,
/// as `error:` lines, each source that failed or is stale.
///
/// Configured sources are expected to list the run date (`--date`, else today); `--input`
/// is read as given: a failure stops the command, and nothing is cached or compared. `record`
/// makes this run the one later runs compare their listings with (`send` does, once it sends
/// for real). The digest date is `--date` when given, else the listing's own date.
pub(crate) fn read_day(
    config: &Config,
    day: &DayArgs,
    clock: Clock,
    record: bool,
) -> anyhow::Result<Day> {
    let run_date = day.date.unwrap_or_else(|| clock.today());
    let reading = Reading { date: run_date, fetch: &config.fetch, clock };
    let harvest = match &day.input {
        Some(path) => {
            let source = input_source(path);
            let listing = source::read(&source, &reading)?.listing;
            let status = if listing.papers.is_empty() {
                SourceStatus::Empty { note: listing.empty_note }
            } else {
                SourceStatus::Fresh { papers: listing.papers.len() }
            };
            Harvest {
                papers: listing.papers,
                warnings: listing.warnings,
                reports: vec![SourceReport { name: source.name, status }],
            }
        }
        None if config.sources.is_empty() => {
            anyhow::bail!(UsageError::new(format!(
                "{}: no [[sources]] configured and no --input given",
                config.path.display()
            )));
        }
        None => {
            let expect = Expectations { date: Some(run_date), check_history: true, record };
            source::read_all(&config.sources, &reading, expect)
        }
    };
    for warning in &harvest.warnings {
        messages::warning(warning);
    }
    for problem in outcome::source_problems(&harvest.reports) {
        messages::error(problem);
    }
    let listed_on = harvest.papers.iter().map(|paper| paper.date).max();
    let date = match (day.date, listed_on) {
        (Some(asked), Some(listed)) if asked != listed => {
            messages::warning(format!(
                "the sources list papers of {listed}, not of --date {asked}"
            ));
            asked
        }
        (Some(asked), _) => asked,
        (None, listed) => listed.unwrap_or(run_date),
    };
    Ok(Day { papers: harvest.papers, date, reports: harvest.reports })
}

/// The run's templates, with unsubscribe links signed when the URL asks for a token, and
/// vote links and each reader's preferences link when the config has them.
pub(crate) fn renderer_for(config: &Config) -> anyhow::Result<Renderer> {
    let links = UnsubscribeLinks::from_config(config)?;
    let feedback = FeedbackLinks::from_config(config)?;
    let manage = ManageLinks::from_config(config)?;
    Ok(Renderer::new(config.newsletter.templates.as_deref(), links)?
        .with_feedback(feedback)
        .with_manage_links(manage))
}

/// Which of the day's papers each subscriber already got on an earlier day, by address key,
/// from the journal when there is one: `send`, `preview` and `explain` all leave them out.
pub(crate) fn sent_before(
    config: &Config,
    papers: &[Paper],
    date: NaiveDate,
) -> anyhow::Result<HashMap<String, SentPapers>> {
    let Some(journal) = Journal::open_existing(&config.delivery.state)? else {
        return Ok(HashMap::new());
    };
    let ids: Vec<&str> = papers.iter().map(|paper| paper.id.as_str()).collect();
    Ok(journal.sent_before(date, &ids)?)
}

/// The listings of the seven days up to `date` (today's is `today`, the others as earlier
/// runs recorded them in the journal), each paper once as it was last listed, and the week
/// they make. A day no run recorded is simply not covered.
pub(crate) fn week_listing(
    config: &Config,
    date: NaiveDate,
    today: &[Paper],
) -> anyhow::Result<(Week, Vec<Paper>)> {
    let first = date - TimeDelta::days(6);
    let earlier = match (Journal::open_existing(&config.delivery.state)?, date.pred_opt()) {
        (Some(journal), Some(yesterday)) => journal.listed_between(first, yesterday)?,
        _ => Vec::new(),
    };
    let mut covers: BTreeSet<NaiveDate> = earlier.iter().map(|(day, _)| *day).collect();
    if !today.is_empty() {
        covers.insert(date);
    }
    let mut seen = HashSet::new();
    let mut papers: Vec<Paper> = Vec::new();
    let newest_first = today.iter().cloned().chain(earlier.into_iter().rev().map(|(_, p)| p));
    for paper in newest_first {
        if seen.insert(paper.id.clone()) {
            papers.push(paper);
        }
    }
    Ok((Week { monday: week_of_digest(date), covers: covers.into_iter().collect() }, papers))
}

/// The papers in `history` for one subscriber.
pub(crate) fn history_of<'h>(
    history: &'h HashMap<String, SentPapers>,
    subscriber: &Subscriber,
) -> Option<&'h SentPapers> {
    history.get(&address_key(subscriber.email.as_ref()))
}

/// A source for a file named on the command line: its format is detected.
pub(crate) fn input_source(path: &Path) -> Source {
    let name =
        path.file_stem().map_or_else(|| "input".to_owned(), |s| s.to_string_lossy().into_owned());
    Source::file(&name, path)
}

/// Every subscriber, or only the one `--subscriber` names.
pub(crate) fn chosen_subscribers<'c>(
    config: &'c Config,
    only: Option<&str>,
) -> anyhow::Result<Vec<&'c Subscriber>> {
    let Some(wanted) = only else { return Ok(config.subscribers.iter().collect()) };
    Ok(vec![find_subscriber(config, wanted)?])
}

/// The subscriber with this address, or a usage error naming the config.
pub(crate) fn find_subscriber<'c>(
    config: &'c Config,
    email: &str,
) -> anyhow::Result<&'c Subscriber> {
    let found = config.subscriber(email).ok_or_else(|| {
        UsageError::new(format!("no subscriber `{email}` in {}", config.path.display()))
    })?;
    Ok(found)
}

/// Prints `rows` under `header` in columns padded to the widest cell, two spaces apart.
pub(crate) fn write_table(
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> anyhow::Result<()> {
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    let rows: Vec<Vec<String>> = std::iter::once(header).chain(rows).collect();
    let mut widths = vec![0; rows[0].len()];
    for cells in &rows {
        for (width, cell) in widths.iter_mut().zip(cells) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = std::io::stdout().lock();
    for cells in &rows {
        let line: Vec<String> =
            cells.iter().zip(&widths).map(|(cell, &width)| format!("{cell:<width$}")).collect();
        writeln!(out, "{}", line.join("  ").trim_end())?;
    }
    Ok(())
}
