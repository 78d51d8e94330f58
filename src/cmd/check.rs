//! `paperboy check`: everything `send` would trip over, found before the cron job does.
//!
//! It uses the same loader, renderer and source readers as `send`; there is no second
//! validator to drift out of step.

use chrono::NaiveDate;

use crate::cli::CheckArgs;
use crate::cmd::{Ctx, renderer_for};
use crate::compose::compose;
use crate::config::Config;
use crate::deliver::{SmtpCheckError, check_smtp};
use crate::digest::Digest;
use crate::error::Exit;
use crate::messages;
use crate::plural::count;
use crate::source::{self, Reading, Source};

const SAMPLE: &str = include_str!("../../examples/hf-daily-papers-aug5.txt");

/// Checks config, templates, sources and, when asked, the SMTP server; prints every problem.
pub fn run(args: &CheckArgs, ctx: &Ctx<'_>) -> anyhow::Result<Exit> {
    // A config that does not load stops here, with all its problems listed.
    let config = Config::load(ctx.config_path)?;
    let mut problems: Vec<(Exit, String)> = Vec::new();

    match renderer_for(&config) {
        Err(err) => problems.push((Exit::Config, format!("{err:#}"))),
        Ok(renderer) => {
            let sample = Source::file("sample", "(bundled sample)");
            let date = NaiveDate::from_ymd_opt(2025, 8, 5).expect("a valid date");
            let papers = source::parse(SAMPLE, &sample, date)?.papers;
            for digest in Digest::for_each_subscriber(&config, &config.subscribers, &papers, date) {
                if let Err(err) =
                    compose(&renderer, &config.newsletter, &digest, ctx.clock.now(), None)
                {
                    problems.push((Exit::Config, format!("{err:#}")));
                }
            }
        }
    }

    let reading = Reading { date: ctx.clock.today(), fetch: &config.fetch, clock: ctx.clock };
    for source in &config.sources {
        match source::read(source, &reading) {
            Ok(read) => {
                for warning in &read.listing.warnings {
                    messages::warning(warning);
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
                // A missing password is the setup's fault (78), as `send` says; a server
                // that does not answer may answer later (75).
                let failed = match check_smtp(smtp) {
                    Ok(()) => None,
                    Err(SmtpCheckError::Setup(message)) => Some((Exit::Config, message)),
                    Err(SmtpCheckError::Server(message)) => Some((Exit::TempFail, message)),
                };
                if let Some((exit, message)) = failed {
                    problems.push((exit, format!("smtp {server}: {message}")));
                }
            }
        }
    }

    for (_, problem) in &problems {
        messages::error(problem);
    }
    let Some(worst) = [Exit::Config, Exit::DataError, Exit::TempFail]
        .into_iter()
        .find(|exit| problems.iter().any(|(e, _)| e == exit))
    else {
        status!(
            "ok: {}, {}, {}, templates render{}",
            count(config.subscribers.len(), "subscriber"),
            count(config.topics.len(), "topic"),
            count(config.sources.len(), "source"),
            if args.smtp { ", the SMTP server answers" } else { "" }
        )?;
        return Ok(Exit::Ok);
    };
    status!("{} found", count(problems.len(), "problem"))?;
    Ok(worst)
}
