//! The only place that reads the system time, so that "today" can be pinned in tests and
//! every stage agrees on which day a run is for.
//!
//! `PAPERBOY_NOW` (an RFC 3339 instant such as `2025-08-05T06:00:00Z`) pins the clock of the
//! real binary: a testing aid, so that a week of cron runs, readers' hours and clock changes
//! can be tried in seconds. Nothing else reads it.

use chrono::{DateTime, NaiveDate, Utc};

/// The variable that pins the clock.
pub(crate) const NOW_VAR: &str = "PAPERBOY_NOW";

/// Where the current time comes from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Clock {
    /// The machine's clock.
    System,
    /// A fixed instant, for reproducible output.
    Fixed(DateTime<Utc>),
}

impl Clock {
    /// The machine's clock, or the instant `PAPERBOY_NOW` names.
    pub(crate) fn from_env() -> Result<Clock, String> {
        match std::env::var(NOW_VAR) {
            Ok(text) if !text.trim().is_empty() => DateTime::parse_from_rfc3339(text.trim())
                .map(|at| Clock::Fixed(at.with_timezone(&Utc)))
                .map_err(|err| {
                    format!("{NOW_VAR}=`{text}` is not an instant like 2025-08-05T06:00:00Z: {err}")
                }),
            _ => Ok(Clock::System),
        }
    }

    /// The current instant.
    #[allow(clippy::disallowed_methods, reason = "this is the one place allowed to read it")]
    pub(crate) fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(instant) => *instant,
        }
    }

    /// Today's date in UTC: listings are published on a UTC schedule.
    pub(crate) fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }
}
