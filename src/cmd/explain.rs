//! `paperboy explain`: the day's papers through one subscriber's rules, with every score and
//! every reason, so a surprising digest can be understood.

use std::io::Write;

use crate::cadence::Frequency;
use crate::cli::ExplainArgs;
use crate::cmd::output::PaperText;
use crate::cmd::{Ctx, chosen_subscribers, history_of, read_day, sent_before, week_listing};
use crate::config::Config;
use crate::digest::Picker;
use crate::error::{Exit, UsageError};
use crate::topic::{Outcome, SentPapers, Verdict};

/// Prints the picked papers by rank, then every other paper in listing order.
pub(crate) fn run(args: &ExplainArgs, ctx: &Ctx<'_>) -> anyhow::Result<Exit> {
    let config = Config::load(ctx.config_path)?;
    let subscriber = chosen_subscribers(&config, Some(&args.subscriber))?[0];
    let day = read_day(&config, &args.day, ctx.clock, false)?;
    // A weekly reader's digest is picked from the week's listings, as `send` picks it.
    let week = match subscriber.cadence.frequency {
        Frequency::Weekly => Some(week_listing(&config, day.date, &day.papers)?),
        Frequency::Daily => None,
    };
    let papers = week.as_ref().map_or(&day.papers, |(_, papers)| papers);
    let history = sent_before(&config, papers, day.date)?;
    let none = SentPapers::new();
    let sent = history_of(&history, subscriber).unwrap_or(&none);
    let profiles = crate::profiles::Profiles::load(&config)?;
    let picker = Picker::with_libraries(&config, papers, day.date, profiles);
    let likings = picker.likings(subscriber);
    let mut verdicts = picker.matcher().explain_liking(&subscriber.interest, &likings, sent);
    let listing = if week.is_some() { "week's listings" } else { "listing" };
    // Counted over the whole listing: `--paper` narrows what is shown, not the digest.
    let picked = verdicts.iter().filter(|v| matches!(v.outcome, Outcome::Picked { .. })).count();
    if let Some(id) = &args.paper {
        verdicts.retain(|v| v.paper.id.as_str() == id);
        if verdicts.is_empty() {
            return Err(UsageError::new(format!(
                "no paper `{id}` in the {listing} of {}",
                day.date
            ))
            .into());
        }
    }
    let mut out = std::io::stdout().lock();
    let on = match &week {
        Some((week, _)) => format!("{}, week of {}", day.date, week.monday),
        None => day.date.to_string(),
    };
    writeln!(
        out,
        "{} on {on}: {} in the {listing}, {picked} picked (max_papers {})",
        subscriber.email,
        crate::text::plural::count(papers.len(), "paper"),
        subscriber.interest.max_papers
    )?;
    if week.is_some() && day.papers.is_empty() {
        writeln!(out, "no source lists papers for {}: `send` sends no digest that day", day.date)?;
    }
    verdicts.sort_by_key(|v| match v.outcome {
        Outcome::Picked { rank } => rank,
        _ => usize::MAX,
    });
    let shown = PaperText::for_stdout();
    for verdict in &verdicts {
        write_verdict(&mut out, verdict, shown)?;
    }
    Ok(Exit::Ok)
}

fn write_verdict(
    out: &mut impl Write,
    verdict: &Verdict<'_>,
    shown: PaperText,
) -> std::io::Result<()> {
    writeln!(out)?;
    let (title, id) = (shown.show(&verdict.paper.title), shown.show(verdict.paper.id.as_str()));
    writeln!(out, "{title}  [{id}]")?;
    match verdict.outcome {
        _ if verdict.matches.is_empty() => writeln!(out, "  {}", verdict.outcome)?,
        _ => writeln!(out, "  {} · score {:.2}", verdict.outcome, verdict.score)?,
    }
    if !verdict.followed.is_empty() {
        let names = verdict.followed.join(", ");
        writeln!(out, "  by an author you follow: {}", shown.show(&names))?;
    }
    for found in &verdict.matches {
        let words = if found.words.is_empty() {
            String::new()
        } else {
            format!(": {}", shown.show(&found.words.join("; ")))
        };
        writeln!(out, "  matched `{}` ({}, {:.2}){words}", found.keyword, found.from, found.score)?;
    }
    if let Some(similarity) = verdict.similarity {
        writeln!(out, "  similarity {similarity:.2}")?;
    }
    for like in &verdict.likes {
        writeln!(out, "  {}", shown.show(like))?;
    }
    Ok(())
}
