//! The operator's view of a `send`: what a person at a terminal, a cron log, or someone
//! debugging with `--verbose` sees while digests go out.
//!
//! - On a terminal, a progress bar on stderr (indicatif hides it by itself when stderr is
//!   not a terminal, so cron logs get none).
//! - Always, one `error: ...` line on stderr per digest that failed for good or was left
//!   for the next run, and one when the run stops early.
//! - With `--verbose`, a `tracing` line per delivery, retry and failure instead of the bar.
//!
//! It only reports; it decides nothing about delivery.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::deliver::dispatch::{Event, Observer};
use crate::messages;
use crate::text::plural::count_as;

/// Reports a run's events as they happen.
pub(crate) struct Report {
    bar: ProgressBar,
}

impl Report {
    /// A report for `total` digests; `verbose` logs every event with `tracing` instead of
    /// drawing a bar, and `--quiet` draws none.
    pub(crate) fn new(total: usize, verbose: bool) -> Report {
        let target = if verbose || messages::is_quiet() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(Some(total as u64), target);
        let style = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} digests, {per_sec}, eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(200));
        Report { bar }
    }

    /// Removes the bar, leaving the terminal as it was for the summary line.
    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn error_line(&self, line: String) {
        self.bar.suspend(|| messages::error(line));
    }
}

/// Starts `--verbose` logging to stderr: one line per event, at INFO and above.
pub(crate) fn init_verbose_logging() {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_max_level(tracing::Level::INFO)
        .try_init();
}

impl Observer for Report {
    fn event(&self, event: Event<'_>) {
        match event {
            Event::Sent { to, reply, attempt } => {
                tracing::info!(%to, attempt, reply, "sent");
                self.bar.inc(1);
            }
            Event::Retrying { to, error, attempt, wait } => {
                tracing::warn!(%to, attempt, wait_ms = wait.as_millis() as u64, %error, "temporary failure, will retry");
            }
            Event::Deferred { to, error, attempts } => {
                tracing::warn!(%to, attempts, %error, "deferred to the next run");
                self.error_line(format!("{to}: {error} (temporary; a rerun will try again)"));
                self.bar.inc(1);
            }
            Event::Failed { to, error, suppressed } => {
                tracing::error!(%to, suppressed, %error, "failed for good");
                let note = if suppressed {
                    format!(
                        " (refused for good: {to} is suppressed from later runs until \
                         `paperboy suppress lift {to}`)"
                    )
                } else {
                    String::new()
                };
                self.error_line(format!("{to}: {error}{note}"));
                self.bar.inc(1);
            }
            Event::Skipped => self.bar.inc(1),
            Event::Stopped { failures } => {
                tracing::error!(failures, "too many failures in a row; stopping the run");
                self.error_line(format!(
                    "{} in a row failed, so the server looks broken: stopping; every digest \
                     not yet sent is left for the next run",
                    count_as(failures as usize, "delivery", "deliveries")
                ));
            }
        }
    }
}
