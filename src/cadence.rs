//! When a subscriber's digest is due: every day or on one weekday, and from which hour of
//! the reader's own day. A leaf of the domain: it reads no config and no clock; it is given
//! the date of the digest and the instant of the run.
//!
//! The rule that lets one crontab line every 15 minutes serve every time zone: the digest of
//! date D is due once the run's instant has passed `send_at` on the local date D in the
//! reader's zone. A reader east of UTC whose hour falls before the day's first run gets it
//! at that first run; nobody gets it twice, because the journal keeps one row per (date,
//! subscriber).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono::{LocalResult, Weekday};
use chrono_tz::Tz;

/// How often a subscriber gets a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Frequency {
    /// Each day's new papers.
    #[default]
    Daily,
    /// The best of the last seven days' listings, on one weekday.
    Weekly,
}

impl Frequency {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
        }
    }
}

impl FromStr for Frequency {
    type Err = String;

    fn from_str(text: &str) -> Result<Frequency, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "daily" => Ok(Frequency::Daily),
            "weekly" => Ok(Frequency::Weekly),
            _ => Err(format!("`{text}` is not a frequency; write \"daily\" or \"weekly\"")),
        }
    }
}

/// A subscriber's rhythm, with the newsletter's defaults already filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cadence {
    pub(crate) frequency: Frequency,
    /// The day a weekly digest goes out; Monday unless set.
    pub(crate) weekday: Weekday,
    /// The local hour from which the day's digest is due; with neither this nor `timezone`
    /// it is due at any run.
    pub(crate) send_at: Option<NaiveTime>,
    /// The reader's zone; UTC when only `send_at` is set.
    pub(crate) timezone: Option<Tz>,
}

impl Default for Cadence {
    fn default() -> Cadence {
        Cadence {
            frequency: Frequency::Daily,
            weekday: Weekday::Mon,
            send_at: None,
            timezone: None,
        }
    }
}

/// The latest a digest of a date falls due, in UTC on that date.
const LAST_HOUR: NaiveTime = NaiveTime::from_hms_opt(23, 0, 0).expect("23:00 is a time of day");

/// Whether a digest goes in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Due {
    /// Now.
    Now,
    /// Not before this instant: a later run sends it.
    Later(DateTime<Utc>),
    /// A weekly reader whose weekday this date is not.
    OtherDay,
}

impl Cadence {
    /// Whether the digest of `date` is due at `now`.
    pub(crate) fn due(&self, date: NaiveDate, now: DateTime<Utc>) -> Due {
        if !self.has_digest_on(date) {
            return Due::OtherDay;
        }
        match self.due_at(date) {
            Some(at) if now < at => Due::Later(at),
            _ => Due::Now,
        }
    }

    /// Whether a digest goes on `date` at all: every day, or a weekly reader's weekday.
    pub(crate) fn has_digest_on(&self, date: NaiveDate) -> bool {
        self.frequency == Frequency::Daily || date.weekday() == self.weekday
    }

    /// The instant the digest of `date` falls due, when the reader set an hour or a zone.
    ///
    /// Runs read the listing of their UTC date, so an hour that falls on the next UTC day
    /// (an evening west of UTC) would never come for this date's digest: it is brought
    /// forward to [`LAST_HOUR`] UTC of `date`, which an hourly cron line reaches too.
    pub(crate) fn due_at(&self, date: NaiveDate) -> Option<DateTime<Utc>> {
        if self.send_at.is_none() && self.timezone.is_none() {
            return None;
        }
        let local = date.and_time(self.send_at.unwrap_or(NaiveTime::MIN));
        let at = resolve(self.timezone.unwrap_or(Tz::UTC), local);
        Some(at.min(date.and_time(LAST_HOUR).and_utc()))
    }

    /// `07:30 Asia/Tokyo`, as `send --dry-run` names a reader's hour.
    pub(crate) fn hour(&self) -> String {
        let at = self.send_at.unwrap_or(NaiveTime::MIN).format("%H:%M");
        format!("{at} {}", self.timezone.unwrap_or(Tz::UTC).name())
    }
}

/// A local time as an instant: of a time the clocks pass twice (autumn), the first; of one
/// they skip (spring), the first instant after the gap, so the digest is never lost.
fn resolve(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at.with_timezone(&Utc),
        LocalResult::None => {
            // No zone skips more than an hour at once; the minutes are walked to be exact.
            let mut later = local;
            for _ in 0..=120 {
                later += TimeDelta::minutes(1);
                if let Some(at) = zone.from_local_datetime(&later).earliest() {
                    return at.with_timezone(&Utc);
                }
            }
            zone.from_utc_datetime(&local).with_timezone(&Utc)
        }
    }
}

/// The Monday of `date`'s ISO week.
pub(crate) fn monday_of(date: NaiveDate) -> NaiveDate {
    date - TimeDelta::days(i64::from(date.weekday().num_days_from_monday()))
}

/// What "week of 2025-08-04" names for a weekly digest sent on `date`: the Monday of the ISO
/// week that holds most of its seven days (the middle one's), so that a Monday reader's
/// digest is named after the week just ended, not the one that starts that day.
pub(crate) fn week_of_digest(date: NaiveDate) -> NaiveDate {
    monday_of(date - TimeDelta::days(3))
}

/// `monday` … `sunday`, in any case.
pub(crate) fn parse_weekday(text: &str) -> Result<Weekday, String> {
    const DAYS: [(&str, Weekday); 7] = [
        ("monday", Weekday::Mon),
        ("tuesday", Weekday::Tue),
        ("wednesday", Weekday::Wed),
        ("thursday", Weekday::Thu),
        ("friday", Weekday::Fri),
        ("saturday", Weekday::Sat),
        ("sunday", Weekday::Sun),
    ];
    let wanted = text.trim().to_ascii_lowercase();
    DAYS.iter().find(|(name, _)| *name == wanted).map(|&(_, day)| day).ok_or_else(|| {
        format!("`{text}` is not a weekday; write \"monday\", \"tuesday\", … or \"sunday\"")
    })
}

/// The lowercase English name, as the config writes it.
pub(crate) fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    }
}

/// `HH:MM` on a 24-hour clock, `00:00` to `23:59`.
pub(crate) fn parse_send_at(text: &str) -> Result<NaiveTime, String> {
    let bad = || format!("`{text}` is not a time of day; write HH:MM, from \"00:00\" to \"23:59\"");
    let (hour, minute) = text.trim().split_once(':').ok_or_else(bad)?;
    let two_digits = |part: &str| part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit());
    if !(two_digits(hour) || hour.len() == 1 && two_digits(&format!("0{hour}"))) {
        return Err(bad());
    }
    if !two_digits(minute) {
        return Err(bad());
    }
    let (hour, minute) = (hour.parse().map_err(|_| bad())?, minute.parse().map_err(|_| bad())?);
    NaiveTime::from_hms_opt(hour, minute, 0).ok_or_else(bad)
}

/// An IANA zone name (`Europe/Berlin`, `Asia/Tokyo`, `UTC`); a misspelt one is answered with
/// the closest name.
pub(crate) fn parse_timezone(text: &str) -> Result<Tz, String> {
    let name = text.trim();
    if let Ok(zone) = Tz::from_str(name) {
        return Ok(zone);
    }
    // A name in the wrong case is still the zone meant.
    if let Some(zone) = chrono_tz::TZ_VARIANTS.iter().find(|z| z.name().eq_ignore_ascii_case(name))
    {
        return Ok(*zone);
    }
    let closest = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|zone| (strsim::levenshtein(&name.to_lowercase(), &zone.name().to_lowercase()), zone))
        .min_by_key(|(distance, _)| *distance)
        .filter(|(distance, _)| *distance <= 3);
    Err(match closest {
        Some((_, zone)) => {
            format!("`{text}` is not a time zone; did you mean \"{}\"?", zone.name())
        }
        None => format!(
            "`{text}` is not a time zone; write an IANA name such as \"Europe/Berlin\" or \"UTC\""
        ),
    })
}

/// The config's spelling of a frequency, for `subscriber add/set --frequency`.
impl Frequency {
    pub(crate) fn canonical(text: &str) -> Result<String, String> {
        text.parse::<Frequency>().map(|frequency| frequency.as_str().to_owned())
    }
}

/// The config's spelling of a weekday, for `--weekday`.
pub(crate) fn canonical_weekday(text: &str) -> Result<String, String> {
    parse_weekday(text).map(|day| weekday_name(day).to_owned())
}

/// The config's spelling of an hour, for `--send-at`.
pub(crate) fn canonical_send_at(text: &str) -> Result<String, String> {
    parse_send_at(text).map(|at| at.format("%H:%M").to_string())
}

/// The zone's IANA name, for `--timezone`.
pub(crate) fn canonical_timezone(text: &str) -> Result<String, String> {
    parse_timezone(text).map(|zone| zone.name().to_owned())
}

impl Cadence {
    /// `weekly on monday, from 07:30 Europe/Berlin`; `None` for a daily digest at any hour.
    pub(crate) fn describe(&self) -> Option<String> {
        let mut text = match self.frequency {
            Frequency::Daily => "daily".to_owned(),
            Frequency::Weekly => format!("weekly on {}", weekday_name(self.weekday)),
        };
        if self.send_at.is_some() || self.timezone.is_some() {
            text.push_str(&format!(", from {}", self.hour()));
        } else if self.frequency == Frequency::Daily {
            return None;
        }
        Some(text)
    }
}

impl fmt::Display for Frequency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn reader(send_at: &str, zone: &str) -> Cadence {
        Cadence {
            send_at: Some(parse_send_at(send_at).unwrap()),
            timezone: Some(parse_timezone(zone).unwrap()),
            ..Cadence::default()
        }
    }

    #[test]
    fn without_an_hour_or_a_zone_a_digest_is_due_at_any_run() {
        assert_eq!(Cadence::default().due(day(2025, 8, 5), at("2025-08-05T00:00:00Z")), Due::Now);
    }

    #[test]
    fn a_berlin_reader_is_due_once_their_clock_passed_send_at() {
        let berlin = reader("07:30", "Europe/Berlin");
        // Summer time: 07:30 in Berlin is 05:30 UTC.
        assert_eq!(
            berlin.due(day(2025, 8, 5), at("2025-08-05T05:15:00Z")),
            Due::Later(at("2025-08-05T05:30:00Z"))
        );
        assert_eq!(berlin.due(day(2025, 8, 5), at("2025-08-05T05:30:00Z")), Due::Now);
    }

    #[test]
    fn the_hour_follows_the_clock_change_at_the_end_of_october() {
        let berlin = reader("07:30", "Europe/Berlin");
        // Sunday 26 October 2025 the clocks go back: 07:30 is 06:30 UTC from that day on.
        assert_eq!(berlin.due_at(day(2025, 10, 25)), Some(at("2025-10-25T05:30:00Z")));
        assert_eq!(berlin.due_at(day(2025, 10, 26)), Some(at("2025-10-26T06:30:00Z")));
        assert_eq!(berlin.due_at(day(2025, 3, 30)), Some(at("2025-03-30T05:30:00Z")));
        assert_eq!(berlin.due_at(day(2025, 3, 29)), Some(at("2025-03-29T06:30:00Z")));
    }

    #[test]
    fn an_hour_the_clocks_skip_or_pass_twice_still_falls_due_once() {
        // 02:30 does not exist in Berlin on 30 March 2025: due at 03:00 CEST, 01:00 UTC.
        assert_eq!(
            reader("02:30", "Europe/Berlin").due_at(day(2025, 3, 30)),
            Some(at("2025-03-30T01:00:00Z"))
        );
        // 02:30 happens twice on 26 October 2025: the first, in summer time.
        assert_eq!(
            reader("02:30", "Europe/Berlin").due_at(day(2025, 10, 26)),
            Some(at("2025-10-26T00:30:00Z"))
        );
    }

    #[test]
    fn a_tokyo_reader_is_due_at_the_first_run_of_the_utc_day() {
        // 07:30 in Tokyo on 5 August is 22:30 UTC on 4 August, before any run for the 5th.
        let tokyo = reader("07:30", "Asia/Tokyo");
        assert_eq!(tokyo.due(day(2025, 8, 5), at("2025-08-05T00:00:00Z")), Due::Now);
        assert_eq!(tokyo.hour(), "07:30 Asia/Tokyo");
    }

    #[test]
    fn an_evening_west_of_utc_is_brought_forward_into_the_listings_utc_day() {
        // 20:00 in Los Angeles on 5 August is 03:00 UTC on the 6th, when runs read the 6th.
        let evening = reader("20:00", "America/Los_Angeles");
        assert_eq!(evening.due_at(day(2025, 8, 5)), Some(at("2025-08-05T23:00:00Z")));
        let morning = reader("07:00", "America/Los_Angeles");
        assert_eq!(morning.due_at(day(2025, 8, 5)), Some(at("2025-08-05T14:00:00Z")));
    }

    #[test]
    fn a_weekly_reader_is_due_only_on_their_weekday() {
        let weekly = Cadence { frequency: Frequency::Weekly, ..Cadence::default() };
        assert_eq!(weekly.due(day(2025, 8, 4), at("2025-08-04T06:00:00Z")), Due::Now);
        assert_eq!(weekly.due(day(2025, 8, 5), at("2025-08-05T06:00:00Z")), Due::OtherDay);
        assert_eq!(monday_of(day(2025, 8, 10)), day(2025, 8, 4));
        assert_eq!(monday_of(day(2025, 8, 4)), day(2025, 8, 4));
    }

    #[test]
    fn a_weekly_digest_is_named_after_the_week_most_of_its_days_are_in() {
        // Sunday: Monday 4 to Sunday 10 August, the ISO week itself.
        assert_eq!(week_of_digest(day(2025, 8, 10)), day(2025, 8, 4));
        // Monday 11 August: six of its seven days are the week of the 4th.
        assert_eq!(week_of_digest(day(2025, 8, 11)), day(2025, 8, 4));
        // Thursday 7 August: Friday 1 to Thursday 7, four days of them in the week of the 4th.
        assert_eq!(week_of_digest(day(2025, 8, 7)), day(2025, 8, 4));
        assert_eq!(week_of_digest(day(2025, 8, 6)), day(2025, 7, 28));
    }

    #[test]
    fn bad_values_are_named_with_what_to_write() {
        assert_eq!(parse_send_at("7:05"), Ok(NaiveTime::from_hms_opt(7, 5, 0).unwrap()));
        assert!(parse_send_at("25:00").unwrap_err().contains("`25:00` is not a time of day"));
        assert!(parse_send_at("07:5").is_err());
        assert!(parse_send_at("0730").is_err());
        assert!(parse_send_at("07:60").is_err());
        assert!(parse_weekday("funday").unwrap_err().contains("`funday` is not a weekday"));
        assert_eq!(parse_weekday("Friday"), Ok(Weekday::Fri));
        assert_eq!(
            parse_timezone("Europe/Berln").unwrap_err(),
            "`Europe/Berln` is not a time zone; did you mean \"Europe/Berlin\"?"
        );
        assert!(parse_timezone("Mars/Olympus_Mons").unwrap_err().contains("an IANA name"));
        assert_eq!(parse_timezone("asia/tokyo"), Ok(Tz::Asia__Tokyo));
        assert!("hourly".parse::<Frequency>().unwrap_err().contains("\"daily\" or \"weekly\""));
    }
}
