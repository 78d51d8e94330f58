//! `paperboy check`: everything `send` would trip over, found before the cron job does.
//!
//! It uses the same loader, renderer and source readers as `send`; there is no second
//! validator to drift out of step.

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::cli::CheckArgs;
use crate::cmd::{Ctx, renderer_for};
use crate::config::Config;
use crate::deliver::{build_message, check_smtp};
use crate::digest::Digest;
use crate::error::Exit;
use crate::source::{self, Source};

const SAMPLE: &str = include_str!("../../examples/hf-daily-papers-aug5.txt");

/// Checks config, templates, sources and, when asked, the SMTP server; prints every problem.
pub fn run(args: &CheckArgs, ctx: &Ctx<'_>) -> anyhow::Result<Exit> {
    // A config that does not load stops here, with all its problems listed.
    let config = Config::load(ctx.config_path)?;
    let mut problems: Vec<(Exit, String)> = Vec::new();

    match renderer_for(&config) {
        Err(err) => problems.push((Exit::Config, format!("{err:#}"))),
        Ok(renderer) => {
            let sample = Source {
                name: "sample".into(),
                path: PathBuf::from("(bundled sample)"),
                format: None,
            };
            let date = NaiveDate::from_ymd_opt(2025, 8, 5).expect("a valid date");
            let papers = source::parse(SAMPLE, &sample, date)?.papers;
            for digest in Digest::for_each_subscriber(&config.subscribers, &papers, date) {
                let built = renderer
                    .render(&digest, &config.newsletter)
                    .map_err(anyhow::Error::from)
                    .and_then(|rendered| {
                        Ok(build_message(&config.newsletter, &digest, &rendered, ctx.clock.now())?)
                    });
                if let Err(err) = built {
                    problems.push((Exit::Config, format!("{err:#}")));
                }
            }
        }
    }

    let today = ctx.clock.today();
    for source in &config.sources {
        match source::read(source, today) {
            Ok(listing) => {
                for warning in &listing.warnings {
                    eprintln!("warning: {warning}");
                }
            }
            Err(err) => problems.push((Exit::DataError, err.to_string())),
        }
    }

    if args.smtp {
        match &config.smtp {
            None => problems.push((
                Exit::Config,
                format!(
                    "{}: --smtp asks to check [smtp], and there is none",
                    config.path.display()
                ),
            )),
            Some(smtp) => {
                let server = format!("{}:{}", smtp.host, smtp.port);
                if let Err(message) = check_smtp(smtp) {
                    problems.push((Exit::TempFail, format!("smtp {server}: {message}")));
                }
            }
        }
    }

    for (_, problem) in &problems {
        for line in problem.lines() {
            eprintln!("error: {line}");
        }
    }
    let Some(worst) = [Exit::Config, Exit::DataError, Exit::TempFail]
        .into_iter()
        .find(|exit| problems.iter().any(|(e, _)| e == exit))
    else {
        println!(
            "ok: {} subscribers, {} topics, {} sources, templates render{}",
            config.subscribers.len(),
            config.topics.len(),
            config.sources.len(),
            if args.smtp { ", the SMTP server answers" } else { "" }
        );
        return Ok(Exit::Ok);
    };
    println!("{} problems found", problems.len());
    Ok(worst)
}
