//! The command line: what each subcommand takes. Parsing only; `cmd/` does the work.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, ColorChoice, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::error::Exit;

/// paperboy: a personal email digest of the day's papers for every subscriber.
#[derive(Debug, Parser)]
#[command(name = "paperboy", version, after_help = exit_help(&[], &Exit::ALL))]
pub struct Cli {
    /// The config file.
    #[arg(long, global = true, env = "PAPERBOY_CONFIG", default_value = crate::config::DEFAULT_PATH)]
    pub(crate) config: PathBuf,

    /// No status output (summary lines, warnings); errors and asked-for data still print.
    #[arg(long, short, global = true)]
    pub(crate) quiet: bool,

    /// Say more: `send` logs every delivery, retry and failure (and draws no progress bar).
    #[arg(long, short, global = true)]
    pub(crate) verbose: bool,

    /// Colour `error:` and `warning:`: on a terminal only (auto, unless NO_COLOR is set),
    /// always or never.
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    pub(crate) color: ColorChoice,

    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

impl Cli {
    /// Parses the process's arguments, with clap's own help and errors coloured as `--color`
    /// says (clap decides its colours before it has parsed anything, so it is looked up
    /// first).
    pub fn from_env() -> Cli {
        let command = Cli::command().color(color_asked(std::env::args_os()));
        let mut matches = command.get_matches();
        Cli::from_arg_matches_mut(&mut matches).unwrap_or_else(|err| err.exit())
    }
}

/// The `--color` value among raw arguments, `auto` when none is given (or it is misspelt,
/// which clap then reports).
fn color_asked(args: impl IntoIterator<Item = std::ffi::OsString>) -> ColorChoice {
    let mut choice = ColorChoice::Auto;
    let mut args = args.into_iter().map(|arg| arg.to_string_lossy().into_owned());
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "--" => break,
            "--color" => args.next(),
            _ => arg.strip_prefix("--color=").map(str::to_owned),
        };
        if let Some(value) = value {
            choice = <ColorChoice as ValueEnum>::from_str(&value, true).unwrap_or(choice);
        }
    }
    choice
}

/// A command's `--help` epilogue: its examples, then every exit status it can return.
fn exit_help(examples: &[&str], exits: &[Exit]) -> String {
    let mut text = String::new();
    if !examples.is_empty() {
        text.push_str(if examples.len() == 1 { "Example:\n" } else { "Examples:\n" });
        for example in examples {
            text.push_str(&format!("  {example}\n"));
        }
        text.push('\n');
    }
    text.push_str("Exit status:\n");
    for exit in exits {
        text.push_str(&format!("  {:>2}  {}\n", exit.code(), exit.meaning()));
    }
    text
}

/// What an edit of the config (`subscriber`, `topic`, `unsubscribe`) can end in.
const EDIT_EXITS: [Exit; 4] = [Exit::Ok, Exit::Failure, Exit::Usage, Exit::Config];
/// What a run over the day's sources can end in, before any delivery.
const DAY_EXITS: [Exit; 7] = [
    Exit::Ok,
    Exit::Failure,
    Exit::Usage,
    Exit::NoPapers,
    Exit::Stale,
    Exit::DataError,
    Exit::Config,
];

/// The subcommands, in the order a new user meets them.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Write a commented starter config.
    #[command(after_help = exit_help(&["paperboy init && paperboy check"], &[Exit::Ok, Exit::Failure, Exit::Usage]))]
    Init(InitArgs),
    /// Add, change, remove, list or show subscribers.
    #[command(subcommand, after_help = exit_help(
        &["paperboy subscriber add ana@example.org --name Ana --topic distillation"],
        &EDIT_EXITS,
    ))]
    Subscriber(SubscriberCommand),
    /// Add, change, remove, list or show topics.
    #[command(subcommand, after_help = exit_help(
        &["paperboy topic add ssm --keyword \"state space model\" --keyword Mamba"],
        &EDIT_EXITS,
    ))]
    Topic(TopicCommand),
    /// Write every digest as HTML, text and .eml files, and an index page; send nothing.
    #[command(after_help = exit_help(
        &["paperboy preview --out preview", "paperboy preview --serve --subscriber ana@example.org"],
        &DAY_EXITS,
    ))]
    Preview(PreviewArgs),
    /// The daily job: read, pick, render and deliver every subscriber's digest.
    #[command(after_help = exit_help(
        &["paperboy send --dry-run", "paperboy send --quiet   # from cron: only errors"],
        &[Exit::Ok, Exit::Failure, Exit::Usage, Exit::NoPapers, Exit::Stale, Exit::DataError, Exit::TempFail, Exit::Config],
    ))]
    Send(SendArgs),
    /// What `send` did: runs and digests from the journal, with the SMTP replies.
    #[command(after_help = exit_help(
        &["paperboy history --date 2025-08-05 --format json"],
        &[Exit::Ok, Exit::Failure, Exit::Usage, Exit::Config],
    ))]
    History(HistoryArgs),
    /// Check the config, templates and sources (and the SMTP server with --smtp).
    #[command(after_help = exit_help(
        &["paperboy check --smtp"],
        &[Exit::Ok, Exit::Failure, Exit::Usage, Exit::DataError, Exit::TempFail, Exit::Config],
    ))]
    Check(CheckArgs),
    /// Show every paper of the day with its score for a subscriber, and why it was picked
    /// or left out.
    #[command(after_help = exit_help(&["paperboy explain --subscriber ana@example.org"], &DAY_EXITS))]
    Explain(ExplainArgs),
    /// Print the papers the sources give, as text or JSON.
    #[command(after_help = exit_help(
        &["paperboy papers --input daily-papers.txt --format json"],
        &DAY_EXITS,
    ))]
    Papers(PapersArgs),
    /// List or lift the addresses a server refused for good.
    #[command(subcommand, after_help = exit_help(
        &["paperboy suppress lift ana@example.org"],
        &[Exit::Ok, Exit::Failure, Exit::Usage, Exit::Config],
    ))]
    Suppress(SuppressCommand),
    /// List or forget readers' votes ("more like this", "fewer like this").
    #[command(subcommand, after_help = exit_help(
        &["paperboy feedback list --subscriber ana@example.org"],
        &[Exit::Ok, Exit::Failure, Exit::Usage, Exit::Config],
    ))]
    Feedback(FeedbackCommand),
    /// Remove a subscriber, as the unsubscribe link does.
    #[command(after_help = exit_help(&["paperboy unsubscribe ana@example.org"], &EDIT_EXITS))]
    Unsubscribe(UnsubscribeArgs),
    /// Answer the unsubscribe link over HTTP.
    #[command(after_help = exit_help(
        &["paperboy serve --listen 127.0.0.1:8080"],
        &[Exit::Ok, Exit::Failure, Exit::Usage, Exit::Config],
    ))]
    Serve(ServeArgs),
    /// Print a shell completion script.
    #[command(after_help = exit_help(
        &["paperboy completions bash > ~/.local/share/bash-completion/completions/paperboy"],
        &[Exit::Ok, Exit::Failure, Exit::Usage],
    ))]
    Completions(CompletionsArgs),
    /// Print the man page (roff).
    #[command(after_help = exit_help(
        &["paperboy man > ~/.local/share/man/man1/paperboy.1"],
        &[Exit::Ok, Exit::Failure, Exit::Usage],
    ))]
    Man,
}

/// `paperboy completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete for.
    pub(crate) shell: clap_complete::Shell,
}

/// `paperboy history`.
#[derive(Debug, Args)]
pub(crate) struct HistoryArgs {
    /// Only this listing date.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub(crate) date: Option<NaiveDate>,
    /// Only this subscriber.
    #[arg(long, value_name = "EMAIL")]
    pub(crate) subscriber: Option<String>,
    /// How to print it.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

/// How a command prints its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Aligned lines for a person (`table`, the old name for lists, still works).
    #[value(alias = "table")]
    Text,
    /// JSON for a program.
    Json,
}

/// `paperboy suppress ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum SuppressCommand {
    /// The suppressed addresses, with the reply that suppressed each.
    List {
        /// How to print them.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Let addresses receive digests again.
    Lift {
        /// The addresses.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        emails: Vec<String>,
        /// Lift every suppression (after a misconfigured server refused everyone).
        #[arg(long)]
        all: bool,
    },
}

/// `paperboy feedback ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum FeedbackCommand {
    /// The votes readers cast through the links in their digests, newest first.
    List {
        /// Only this reader's votes.
        #[arg(long, value_name = "EMAIL")]
        subscriber: Option<String>,
        /// How to print them.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Remove a reader's votes (all of them, or the one on a paper).
    Forget {
        /// The reader's address.
        email: String,
        /// Only the vote on this paper (its id, as `feedback list` prints it).
        #[arg(long, value_name = "ID")]
        paper: Option<String>,
    },
}

/// `paperboy explain`.
#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// The subscriber whose digest to explain.
    #[arg(long, value_name = "EMAIL")]
    pub(crate) subscriber: String,

    /// Only this paper (its id, as `paperboy papers` prints it).
    #[arg(long, value_name = "ID")]
    pub(crate) paper: Option<String>,

    /// The day to work on.
    #[command(flatten)]
    pub(crate) day: DayArgs,
}

/// `paperboy init`.
#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// Where to write it [default: the --config path].
    pub(crate) path: Option<PathBuf>,
}

/// `paperboy subscriber ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum SubscriberCommand {
    /// Add a subscriber.
    Add {
        /// The address.
        email: String,
        #[command(flatten)]
        #[allow(missing_docs)]
        fields: SubscriberFieldArgs,
    },
    /// Change only what is given.
    Set {
        /// The subscriber's address.
        email: String,
        #[command(flatten)]
        #[allow(missing_docs)]
        fields: SubscriberFieldArgs,
        /// Follow this topic too (repeatable).
        #[arg(long = "add-topic", value_name = "TOPIC")]
        add_topics: Vec<String>,
        /// Stop following this topic (repeatable).
        #[arg(long = "remove-topic", value_name = "TOPIC")]
        remove_topics: Vec<String>,
    },
    /// Remove a subscriber.
    Remove {
        /// The subscriber's address.
        email: String,
    },
    /// List subscribers.
    List {
        /// How to print them.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// List the sign-ups waiting for confirmation instead (kept in the journal).
        #[arg(long)]
        pending: bool,
    },
    /// Show one subscriber: topics, keywords, and what they resolve to.
    Show {
        /// The subscriber's address.
        email: String,
        /// How to print it.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

/// What `subscriber add` and `set` can give.
#[derive(Debug, Args)]
pub(crate) struct SubscriberFieldArgs {
    /// The name shown in To:.
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// A topic to follow (repeatable; with `set`, replaces the list).
    #[arg(long = "topic", value_name = "TOPIC")]
    pub(crate) topics: Vec<String>,
    /// An own keyword (repeatable; with `set`, replaces the list).
    #[arg(long = "keyword", value_name = "KEYWORD")]
    pub(crate) keywords: Vec<String>,
    /// An own exclude keyword (repeatable; with `set`, replaces the list).
    #[arg(long = "exclude", value_name = "KEYWORD")]
    pub(crate) exclude: Vec<String>,
    /// The most papers per digest, from 1 to 1000.
    #[arg(long, value_name = "N", value_parser = whole(crate::config::range::MAX_PAPERS))]
    pub(crate) max_papers: Option<usize>,
    /// Keep the subscriber listed but send nothing (`paused = true`).
    #[arg(long, conflicts_with = "resume")]
    pub(crate) paused: bool,
    /// Send again to a paused subscriber (with `set`).
    #[arg(long)]
    pub(crate) resume: bool,
    /// `daily` or `weekly` (one digest of the week's best, on --weekday).
    #[arg(long, value_name = "daily|weekly", value_parser = cadence_value(crate::cadence::Frequency::canonical))]
    pub(crate) frequency: Option<String>,
    /// The day a weekly digest goes: `monday` … `sunday`.
    #[arg(long, value_name = "DAY", value_parser = cadence_value(crate::cadence::canonical_weekday))]
    pub(crate) weekday: Option<String>,
    /// The local hour from which the day's digest is due, `HH:MM`.
    #[arg(long, value_name = "HH:MM", value_parser = cadence_value(crate::cadence::canonical_send_at))]
    pub(crate) send_at: Option<String>,
    /// The subscriber's IANA time zone, such as `Europe/Berlin`.
    #[arg(long, value_name = "ZONE", value_parser = cadence_value(crate::cadence::canonical_timezone))]
    pub(crate) timezone: Option<String>,
}

/// A cadence option checked as its config key is, and written back as the config spells it.
fn cadence_value(
    canonical: fn(&str) -> Result<String, String>,
) -> impl clap::builder::TypedValueParser<Value = String> {
    move |text: &str| canonical(text)
}

/// A whole-number option in the range its config key has, so the two cannot disagree.
fn whole(limit: crate::config::range::Limit) -> clap::builder::RangedI64ValueParser<usize> {
    clap::builder::RangedI64ValueParser::new().range(limit.whole_range())
}

/// `paperboy topic ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum TopicCommand {
    /// Add a topic.
    Add {
        /// The topic's name: letters, digits, `-`, `_`.
        name: String,
        /// A keyword that picks papers (repeatable, at least one).
        #[arg(long = "keyword", value_name = "KEYWORD", required = true)]
        keywords: Vec<String>,
        /// A keyword that must occur as well (repeatable).
        #[arg(long = "require", value_name = "KEYWORD")]
        require: Vec<String>,
        /// A keyword that rules papers out (repeatable).
        #[arg(long = "exclude", value_name = "KEYWORD")]
        exclude: Vec<String>,
    },
    /// Remove a topic.
    Remove {
        /// The topic's name.
        name: String,
        /// Remove it even if subscribers follow it, and from them too.
        #[arg(long)]
        force: bool,
    },
    /// Change only what is given: each list given replaces the topic's.
    Set {
        /// The topic's name.
        name: String,
        /// A keyword that picks papers (repeatable; replaces the list).
        #[arg(long = "keyword", value_name = "KEYWORD")]
        keywords: Vec<String>,
        /// A keyword that must occur as well (repeatable; replaces the list).
        #[arg(long = "require", value_name = "KEYWORD")]
        require: Vec<String>,
        /// A keyword that rules papers out (repeatable; replaces the list).
        #[arg(long = "exclude", value_name = "KEYWORD")]
        exclude: Vec<String>,
        /// Drop the topic's `require` list.
        #[arg(long, conflicts_with = "require")]
        no_require: bool,
        /// Drop the topic's `exclude` list.
        #[arg(long, conflicts_with = "exclude")]
        no_exclude: bool,
    },
    /// List topics with their keywords, require and exclude lists, and followers.
    List {
        /// How to print them.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Show one topic: its keywords, require and exclude lists, and who follows it.
    Show {
        /// The topic's name.
        name: String,
        /// How to print it.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

/// `paperboy unsubscribe`.
#[derive(Debug, Args)]
pub(crate) struct UnsubscribeArgs {
    /// The address to remove.
    pub(crate) email: String,
}

/// `paperboy check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Also connect and log in to the SMTP server (sends nothing).
    #[arg(long)]
    pub(crate) smtp: bool,
}

/// `paperboy serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The address to listen on; loopback unless you say otherwise.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub(crate) listen: std::net::SocketAddr,
}

/// Where the day's papers come from, and for which date.
#[derive(Debug, Clone, Args)]
pub(crate) struct DayArgs {
    /// The run date, YYYY-MM-DD [default: today, UTC]. Without it, digests are for the
    /// date the listing itself gives.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub(crate) date: Option<NaiveDate>,

    /// Read this file instead of the configured sources.
    #[arg(long, value_name = "PATH")]
    pub(crate) input: Option<PathBuf>,
}

/// `paperboy papers`.
#[derive(Debug, Args)]
pub(crate) struct PapersArgs {
    /// Read this file alone instead of the configured sources (no config needed).
    #[arg(long, value_name = "PATH")]
    pub(crate) input: Option<PathBuf>,

    /// The listing date that completes a listing's "Aug 5", YYYY-MM-DD [default: today].
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub(crate) date: Option<NaiveDate>,

    /// How to print the records.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

/// `paperboy preview`.
#[derive(Debug, Args)]
pub(crate) struct PreviewArgs {
    /// Only this subscriber's digest.
    #[arg(long, value_name = "EMAIL")]
    pub(crate) subscriber: Option<String>,

    /// The folder to write into.
    #[arg(long, value_name = "DIR", default_value = "preview", conflicts_with = "serve")]
    pub(crate) out: PathBuf,

    /// Serve the previews over HTTP instead, rendered afresh on every request.
    #[arg(long)]
    pub(crate) serve: bool,

    /// Where `--serve` listens; loopback unless you say otherwise.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8025", requires = "serve")]
    pub(crate) listen: std::net::SocketAddr,

    /// The day to work on.
    #[command(flatten)]
    pub(crate) day: DayArgs,
}

/// `paperboy send`.
#[derive(Debug, Args)]
pub(crate) struct SendArgs {
    /// Only this subscriber.
    #[arg(long, value_name = "EMAIL")]
    pub(crate) subscriber: Option<String>,

    /// Do everything but deliver: print what would be sent.
    #[arg(long)]
    pub(crate) dry_run: bool,

    /// Send again the digests the journal says were already sent for this date.
    #[arg(long)]
    pub(crate) force: bool,

    /// Ignore which papers each subscriber already got on earlier days, for this run.
    #[arg(long)]
    pub(crate) resend: bool,

    /// Only the subscribers of shard K of N (by a stable hash of the address), so N hosts
    /// can share one list, each with its own journal.
    #[arg(long, value_name = "K/N")]
    pub(crate) shard: Option<crate::shard::Shard>,

    /// The day to work on.
    #[command(flatten)]
    pub(crate) day: DayArgs,
}

/// A date as `YYYY-MM-DD` and nothing else: chrono alone takes `-0001-01-01` and
/// `+262143-01-01`, which would file digests under `outbox/-262143-01-01/`.
fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(at, byte)| match at {
            4 | 7 => *byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    let date = shaped.then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()).flatten();
    date.ok_or_else(|| "expected a real date as YYYY-MM-DD, such as 2025-08-05".to_owned())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_color_flag_is_found_before_parsing() {
        let args = |list: &[&str]| list.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert_eq!(
            color_asked(args(&["paperboy", "--color", "never", "send"])),
            ColorChoice::Never
        );
        assert_eq!(color_asked(args(&["paperboy", "send", "--color=always"])), ColorChoice::Always);
        assert_eq!(color_asked(args(&["paperboy", "--", "--color=never"])), ColorChoice::Auto);
        assert_eq!(color_asked(args(&["paperboy", "--color", "pink"])), ColorChoice::Auto);
    }

    #[test]
    fn send_verbose_after_the_subcommand_is_the_global_flag() {
        let cli = Cli::try_parse_from(["paperboy", "send", "--verbose"]).unwrap();
        assert!(cli.verbose);
        let cli = Cli::try_parse_from(["paperboy", "send", "-v", "--dry-run"]).unwrap();
        assert!(cli.verbose);
    }

    #[test]
    fn a_max_papers_option_out_of_its_config_range_is_a_usage_error() {
        for value in ["0", "1001", "18446744073709551615"] {
            let args = ["paperboy", "subscriber", "add", "a@b.org", "--max-papers", value];
            let err = Cli::try_parse_from(args).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{value}");
            assert!(err.to_string().contains("for '--max-papers <N>'"), "{err}");
        }
        let args = ["paperboy", "subscriber", "set", "a@b.org", "--max-papers", "1000"];
        let Command::Subscriber(SubscriberCommand::Set { fields, .. }) =
            Cli::try_parse_from(args).unwrap().command
        else {
            panic!("a subscriber set command")
        };
        assert_eq!(fields.max_papers, Some(1000));
    }

    #[test]
    fn a_bad_date_is_a_usage_error() {
        let err = Cli::try_parse_from(["paperboy", "send", "--date", "2025-13-01"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn dates_outside_four_digit_years_are_refused() {
        // Regression (issue 12): these were taken and filed digests under `outbox/-262143-01-01/`.
        for bad in ["-0001-01-01", "-262143-01-01", "+262143-01-01", "20250-08-05", "2025-8-5"] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
        for bad in ["2025-02-30", "2025-08-05 ", " 2025-08-05", "2025-08-05T00:00"] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_date("2025-08-05"), Ok(NaiveDate::from_ymd_opt(2025, 8, 5).unwrap()));
        assert_eq!(parse_date("2024-02-29"), Ok(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()));
        for command in [
            &["paperboy", "send", "--date=-0001-01-01"][..],
            &["paperboy", "preview", "--date=-262143-01-01"],
            &["paperboy", "papers", "--date=-262143-01-01"],
            &["paperboy", "explain", "--subscriber", "a@b.c", "--date=+262143-01-01"],
            &["paperboy", "history", "--date=-0001-01-01"],
        ] {
            let err = Cli::try_parse_from(command).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{command:?}");
            assert!(err.to_string().contains("YYYY-MM-DD"), "{err}");
        }
    }
}
