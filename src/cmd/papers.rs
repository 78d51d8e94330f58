//! `paperboy papers`: the records the sources give, for checking a source before a run.

use std::io::Write;

use crate::cli::{DayArgs, Format, PapersArgs};
use crate::cmd::output::{PaperText, print_json};
use crate::cmd::{Ctx, input_source, read_day};
use crate::config::Config;
use crate::error::Exit;
use crate::messages;
use crate::outcome;
use crate::paper::Paper;
use crate::source::{self, FetchSettings, Reading, SourceReport, SourceStatus};
use crate::text::plural::count;

/// Prints the merged records with the source(s) each came from; `--input` needs no config.
///
/// The status is the sources' outcome: 0, 3 (no papers), 4 (stale), 65 (a source failed).
pub(crate) fn run(args: &PapersArgs, ctx: &Ctx<'_>) -> anyhow::Result<Exit> {
    let day = match &args.input {
        Some(path) => {
            // No config: a file needs no fetch settings, and nothing is cached.
            let fetch = FetchSettings::default();
            let reading = Reading {
                date: args.date.unwrap_or(ctx.clock.today()),
                fetch: &fetch,
                clock: ctx.clock,
            };
            let source = input_source(path);
            let listing = source::read(&source, &reading)?.listing;
            for warning in &listing.warnings {
                messages::warning(warning);
            }
            let status = if listing.papers.is_empty() {
                SourceStatus::Empty { note: listing.empty_note }
            } else {
                SourceStatus::Fresh { papers: listing.papers.len() }
            };
            (listing.papers, vec![SourceReport { name: source.name, status }])
        }
        None => {
            let config = Config::load(ctx.config_path)?;
            let day =
                read_day(&config, &DayArgs { date: args.date, input: None }, ctx.clock, false)?;
            (day.papers, day.reports)
        }
    };
    let (papers, reports) = day;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => print_json(&papers)?,
        Format::Text => write_text(&mut out, &papers, PaperText::for_stdout())?,
    }
    Ok(outcome::sources_exit(&reports, papers.len()))
}

fn write_text(out: &mut impl Write, papers: &[Paper], shown: PaperText) -> std::io::Result<()> {
    for (index, paper) in papers.iter().enumerate() {
        if index > 0 {
            writeln!(out)?;
        }
        let sources = paper.sources.join(", ");
        writeln!(
            out,
            "{}  {}  {}",
            paper.date,
            shown.show(paper.id.as_str()),
            shown.show(&sources)
        )?;
        writeln!(out, "  {}", shown.show(&paper.title))?;
        if !paper.authors.is_empty() {
            writeln!(out, "  by {}", shown.show(&paper.authors.join(", ")))?;
        }
        for link in &paper.links {
            writeln!(out, "  {}", shown.show(&link.url))?;
        }
    }
    writeln!(out, "{}", count(papers.len(), "paper"))
}
