//! The command line: what each subcommand takes. Parsing only; `cmd/` does the work.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// paperboy: a personal email digest of the day's papers for every subscriber.
#[derive(Debug, Parser)]
#[command(
    name = "paperboy",
    version,
    after_help = "Exit status: 0 ok, every digest delivered · 1 a run-time failure (e.g. a digest \
                  refused for good with a 5xx, or a journal that cannot be written) · 2 bad usage · \
                  3 no papers today (the sources list none; nothing sent) · 4 a source is stale \
                  (its old listing left out) · 65 a source failed (cannot be fetched, read or \
                  parsed; the others were used, nothing sent when all failed) · 75 some digest \
                  deferred by temporary trouble (a rerun retries it), or another send is running \
                  on the same journal · \
                  78 a missing or invalid config"
)]
pub struct Cli {
    /// The config file.
    #[arg(long, global = true, env = "PAPERBOY_CONFIG", default_value = crate::config::DEFAULT_PATH)]
    pub config: PathBuf,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the papers the sources give, as text or JSON.
    Papers(PapersArgs),
    /// Write every digest as HTML, text and .eml files, and an index page; send nothing.
    Preview(PreviewArgs),
    /// The daily job: read, pick, render and deliver every subscriber's digest.
    #[command(after_help = "Exit status: 0 every due digest delivered (or none was due) · 1 a \
                            digest failed for good (a 5xx, a refused login, an unusable \
                            certificate) or the journal cannot be written · 2 bad usage · 65 a \
                            source that cannot be parsed · 75 something was deferred and \
                            nothing failed for good (the next run retries it), or another \
                            send is running on the same journal · 78 a config, template, \
                            password or DKIM key problem")]
    Send(SendArgs),
    /// Show every paper of the day with its score for a subscriber, and why it was picked
    /// or left out.
    Explain(ExplainArgs),
    /// Write a commented starter config.
    Init(InitArgs),
    /// Add, change, remove, list or show subscribers.
    #[command(subcommand)]
    Subscriber(SubscriberCommand),
    /// Add, remove or list topics.
    #[command(subcommand)]
    Topic(TopicCommand),
    /// Remove a subscriber, as the unsubscribe link does.
    Unsubscribe(UnsubscribeArgs),
    /// Check the config, templates and sources (and the SMTP server with --smtp).
    Check(CheckArgs),
    /// Answer the unsubscribe link over HTTP.
    Serve(ServeArgs),
    /// What `send` did: runs and digests from the journal, with the SMTP replies.
    History(HistoryArgs),
    /// List or lift the addresses a server refused for good.
    #[command(subcommand)]
    Suppress(SuppressCommand),
}

/// `paperboy history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only this listing date.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<NaiveDate>,
    /// Only this subscriber.
    #[arg(long, value_name = "EMAIL")]
    pub subscriber: Option<String>,
    /// How to print it.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

/// How `history` and `suppress list` print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Aligned lines for a person.
    Text,
    /// JSON for a program.
    Json,
}

/// `paperboy suppress ...`.
#[derive(Debug, Subcommand)]
pub enum SuppressCommand {
    /// The suppressed addresses, with the reply that suppressed each.
    List {
        /// How to print them.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
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

/// `paperboy explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The subscriber whose digest to explain.
    #[arg(long, value_name = "EMAIL")]
    pub subscriber: String,

    /// Only this paper (its id, as `paperboy papers` prints it).
    #[arg(long, value_name = "ID")]
    pub paper: Option<String>,

    /// The day to work on.
    #[command(flatten)]
    pub day: DayArgs,
}

/// `paperboy init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write it [default: the --config path].
    pub path: Option<PathBuf>,
}

/// `paperboy subscriber ...`.
#[derive(Debug, Subcommand)]
pub enum SubscriberCommand {
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
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Show one subscriber: topics, keywords, and what they resolve to.
    Show {
        /// The subscriber's address.
        email: String,
    },
}

/// What `subscriber add` and `set` can give.
#[derive(Debug, Args)]
pub struct SubscriberFieldArgs {
    /// The name shown in To:.
    #[arg(long)]
    pub name: Option<String>,
    /// A topic to follow (repeatable; with `set`, replaces the list).
    #[arg(long = "topic", value_name = "TOPIC")]
    pub topics: Vec<String>,
    /// An own keyword (repeatable; with `set`, replaces the list).
    #[arg(long = "keyword", value_name = "KEYWORD")]
    pub keywords: Vec<String>,
    /// An own exclude keyword (repeatable; with `set`, replaces the list).
    #[arg(long = "exclude", value_name = "KEYWORD")]
    pub exclude: Vec<String>,
    /// The most papers per digest.
    #[arg(long, value_name = "N")]
    pub max_papers: Option<usize>,
}

/// `paperboy topic ...`.
#[derive(Debug, Subcommand)]
pub enum TopicCommand {
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
    /// List topics with their keywords and followers.
    List,
}

/// How lists print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned columns.
    Table,
    /// A JSON array.
    Json,
}

/// `paperboy unsubscribe`.
#[derive(Debug, Args)]
pub struct UnsubscribeArgs {
    /// The address to remove.
    pub email: String,
}

/// `paperboy check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Also connect and log in to the SMTP server (sends nothing).
    #[arg(long)]
    pub smtp: bool,
}

/// `paperboy serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on; loopback unless you say otherwise.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
}

/// Where the day's papers come from, and for which date.
#[derive(Debug, Clone, Args)]
pub struct DayArgs {
    /// The run date, YYYY-MM-DD [default: today, UTC]. Without it, digests are for the
    /// date the listing itself gives.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<NaiveDate>,

    /// Read this file instead of the configured sources.
    #[arg(long, value_name = "PATH")]
    pub input: Option<PathBuf>,
}

/// `paperboy papers`.
#[derive(Debug, Args)]
pub struct PapersArgs {
    /// Read this file alone instead of the configured sources (no config needed).
    #[arg(long, value_name = "PATH")]
    pub input: Option<PathBuf>,

    /// The listing date that completes a listing's "Aug 5", YYYY-MM-DD [default: today].
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<NaiveDate>,

    /// How to print the records.
    #[arg(long, value_enum, default_value_t = PapersFormat::Text)]
    pub format: PapersFormat,
}

/// How `papers` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PapersFormat {
    /// One block per paper.
    Text,
    /// A JSON array of objects.
    Json,
}

/// `paperboy preview`.
#[derive(Debug, Args)]
pub struct PreviewArgs {
    /// Only this subscriber's digest.
    #[arg(long, value_name = "EMAIL")]
    pub subscriber: Option<String>,

    /// The folder to write into.
    #[arg(long, value_name = "DIR", default_value = "preview", conflicts_with = "serve")]
    pub out: PathBuf,

    /// Serve the previews over HTTP instead, rendered afresh on every request.
    #[arg(long)]
    pub serve: bool,

    /// Where `--serve` listens; loopback unless you say otherwise.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8025", requires = "serve")]
    pub listen: std::net::SocketAddr,

    /// The day to work on.
    #[command(flatten)]
    pub day: DayArgs,
}

/// `paperboy send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// Only this subscriber.
    #[arg(long, value_name = "EMAIL")]
    pub subscriber: Option<String>,

    /// Do everything but deliver: print what would be sent.
    #[arg(long)]
    pub dry_run: bool,

    /// Send again the digests the journal says were already sent for this date.
    #[arg(long)]
    pub force: bool,

    /// Ignore which papers each subscriber already got on earlier days, for this run.
    #[arg(long)]
    pub resend: bool,

    /// Only the subscribers of shard K of N (by a stable hash of the address), so N hosts
    /// can share one list, each with its own journal.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::shard::Shard>,

    /// Log every delivery, retry and failure to stderr (no progress bar).
    #[arg(long, short)]
    pub verbose: bool,

    /// The day to work on.
    #[command(flatten)]
    pub day: DayArgs,
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
    fn a_bad_date_is_a_usage_error() {
        let err = Cli::try_parse_from(["paperboy", "send", "--date", "2025-13-01"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}
