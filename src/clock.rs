//! The only place that reads the system time, so that "today" can be pinned in tests and
//! every stage agrees on which day a run is for.

use chrono::{DateTime, NaiveDate, Utc};

/// Where the current time comes from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Clock {
    /// The machine's clock.
    System,
    #[cfg(test)]
    /// A fixed instant, for reproducible output.
    Fixed(DateTime<Utc>),
}

impl Clock {
    /// The current instant.
    #[allow(clippy::disallowed_methods, reason = "this is the one place allowed to read it")]
    pub(crate) fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            #[cfg(test)]
            Clock::Fixed(instant) => *instant,
        }
    }

    /// Today's date in UTC: listings are published on a UTC schedule.
    pub(crate) fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }
}
