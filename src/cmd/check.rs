//! `paperboy check`: everything `send` would trip over, found before the cron job does.
//!
//! It uses the same loader, renderer and source readers as `send`; there is no second
//! validator to drift out of step.

use std::path::Path;

use chrono::NaiveDate;

use crate::cli::CheckArgs;
use crate::cmd::{Ctx, renderer_for};
use crate::compose::{Signer, compose};
use crate::config::{Config, TransportKind};
use crate::deliver::{SmtpCheckError, check_smtp};
use crate::digest::Digest;
use crate::error::Exit;
use crate::journal::Journal;
use crate::library::Libraries;
use crate::messages;
use crate::source::{self, Reading, Source};
use crate::text::plural::count;

const SAMPLE: &str = include_str!("../../examples/hf-daily-papers-aug5.txt");

/// Checks config, templates, sources and, when asked, the SMTP server; prints every problem.
pub(crate) fn run(args: &CheckArgs, ctx: &Ctx<'_>) -> anyhow::Result<Exit> {
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

    // What `send` opens before it delivers anything, opened the way `send` opens it.
    if let Err(err) = Signer::from_config(&config) {
        problems.push((Exit::Config, err.to_string()));
    }
    if config.delivery.transport == TransportKind::File
        && let Err(message) = writable_folder(&config.delivery.dir)
    {
        problems
            .push((Exit::Config, format!("{}: `delivery.dir`: {message}", config.path.display())));
    }
    if let Err(message) = usable_journal(&config.delivery.state) {
        problems.push((
            Exit::Config,
            format!("{}: `delivery.state`: {message}", config.path.display()),
        ));
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

    let libraries = Libraries::load_every(&config);
    let mut library_papers = 0;
    for (_, read) in &libraries.read {
        match read {
            Ok(library) => {
                library.warnings.iter().for_each(messages::warning);
                library_papers += library.entries.len();
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
        let libraries = match libraries.read.len() {
            0 => String::new(),
            n => format!(
                ", {} of {}",
                crate::text::plural::count_as(n, "library", "libraries"),
                count(library_papers, "paper")
            ),
        };
        status!(
            "ok: {}, {}, {}{libraries}, templates render{}",
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

/// The outbox: a folder `send` can write files into, or one it can create.
fn writable_folder(dir: &Path) -> Result<(), String> {
    let shown = dir.display();
    match std::fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => Err(format!("`{shown}` is a file, not a folder")),
        Ok(_) => probe(dir).map_err(|err| format!("cannot write into `{shown}`: {err}")),
        Err(_) => creatable(dir),
    }
}

/// The journal: an SQLite journal `send` can open and write, or a place it can create one.
/// A journal that is there is opened as `history` opens it, which reads its schema.
fn usable_journal(state: &Path) -> Result<(), String> {
    let shown = state.display();
    match std::fs::metadata(state) {
        Ok(meta) if meta.is_dir() => Err(format!("`{shown}` is a folder, not a journal file")),
        Ok(meta) => {
            Journal::open_existing(state).map_err(|err| {
                format!(
                    "`{shown}` cannot be opened as a journal: {}",
                    crate::text::one_line(&err.to_string())
                )
            })?;
            if meta.permissions().readonly() {
                return Err(format!("`{shown}` is read-only, and send records every digest in it"));
            }
            let dir =
                state.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
            // SQLite writes its log and the run lock beside the journal.
            probe(dir).map_err(|err| format!("cannot write beside `{shown}`: {err}"))
        }
        Err(_) => match state.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            Some(dir) => writable_folder(dir)
                .map_err(|message| format!("no journal can be created: {message}")),
            None => probe(Path::new(".")).map_err(|err| format!("cannot create `{shown}`: {err}")),
        },
    }
}

/// A folder that is not there yet: `send` creates it, so the nearest one that is there must
/// be a folder it can write into.
fn creatable(dir: &Path) -> Result<(), String> {
    let mut existing = dir;
    while std::fs::metadata(existing).is_err() {
        match existing.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => existing = parent,
            _ => {
                existing = Path::new(".");
                break;
            }
        }
    }
    let (shown, at) = (dir.display(), existing.display());
    match std::fs::metadata(existing) {
        Ok(meta) if !meta.is_dir() => Err(format!("`{shown}` cannot be created: `{at}` is a file")),
        _ => probe(existing).map_err(|err| format!("`{shown}` cannot be created in `{at}`: {err}")),
    }
}

/// Whether a file can be created in `dir`: the only sure test is to create one (and remove it).
fn probe(dir: &Path) -> std::io::Result<()> {
    let path = dir.join(format!(".paperboy-check.{}.tmp", std::process::id()));
    std::fs::File::create_new(&path)?;
    std::fs::remove_file(&path)
}
