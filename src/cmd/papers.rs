//! `paperboy papers`: the records the sources give, for checking a source before a run.

use std::io::Write;

use crate::cli::{DayArgs, PapersArgs, PapersFormat};
use crate::cmd::{Ctx, input_source, read_day};
use crate::config::Config;
use crate::error::Exit;
use crate::paper::Paper;
use crate::source;

/// Prints the parsed papers; `--input` needs no config.
pub fn run(args: &PapersArgs, ctx: &Ctx<'_>) -> anyhow::Result<Exit> {
    let papers = match &args.input {
        Some(path) => {
            let listing =
                source::read(&input_source(path), args.date.unwrap_or(ctx.clock.today()))?;
            for warning in &listing.warnings {
                eprintln!("warning: {warning}");
            }
            listing.papers
        }
        None => {
            let config = Config::load(ctx.config_path)?;
            read_day(&config, &DayArgs { date: args.date, input: None }, ctx.clock)?.papers
        }
    };
    let mut out = std::io::stdout().lock();
    match args.format {
        PapersFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &papers)?;
            writeln!(out)?;
        }
        PapersFormat::Text => write_text(&mut out, &papers)?,
    }
    Ok(Exit::Ok)
}

fn write_text(out: &mut impl Write, papers: &[Paper]) -> std::io::Result<()> {
    for (index, paper) in papers.iter().enumerate() {
        if index > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{}  {}  {}", paper.date, paper.id, paper.source)?;
        writeln!(out, "  {}", paper.title)?;
        for link in &paper.links {
            writeln!(out, "  {}", link.url)?;
        }
    }
    match papers.len() {
        1 => writeln!(out, "1 paper"),
        n => writeln!(out, "{n} papers"),
    }
}
