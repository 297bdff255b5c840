//! Rotation schedules, pure: `AutomaticallyAfterDays`, `rate(N hours|days)` and AWS's six-field `cron(…)`,
//! with the optional `Duration` window, parsed once and asked for the next window after a moment.
//!
//! All times are UTC. A rotation may run at any moment inside its window; the engine runs it at the window's
//! start, so `NextRotationDate` (the window's start) is "on or before" the rotation as AWS documents it.

use time::{Date, Duration, OffsetDateTime, Time};

/// `rate()` may not be shorter than this many hours.
const MIN_RATE_HOURS: u32 = 4;
/// `rate()` may not be longer than this many days.
const MAX_RATE_DAYS: u32 = 999;
/// The search for a cron match gives up after this many days (a date like 30 February never comes).
const CRON_SEARCH_DAYS: i64 = 366 * 5;

/// Why a rotation schedule is refused; the message is AWS's kind of wording, sent as InvalidParameterException.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ScheduleError(pub String);

fn invalid(message: impl Into<String>) -> ScheduleError {
    ScheduleError(message.into())
}

/// When rotations happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cadence {
    /// `AutomaticallyAfterDays`: this many days after the last rotation.
    AfterDays(u32),
    /// `rate(N hours)`.
    EveryHours(u32),
    /// `rate(N days)`: windows open at midnight UTC.
    EveryDays(u32),
    /// `cron(…)`.
    Cron(Cron),
}

/// A validated schedule: its cadence and the window length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub cadence: Cadence,
    /// The `Duration` given, in hours; `None` for the default.
    pub window_hours: Option<u32>,
}

/// A rotation window: the rotation may run from `start` until `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: OffsetDateTime,
    pub end: OffsetDateTime,
}

impl Schedule {
    /// Parses RotationRules: exactly one of `AutomaticallyAfterDays` and `ScheduleExpression`, and an optional
    /// `Duration` such as `"3h"`.
    pub fn parse(
        automatically_after_days: Option<i64>,
        expression: Option<&str>,
        duration: Option<&str>,
    ) -> Result<Self, ScheduleError> {
        let cadence = match (automatically_after_days, expression) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "You can't specify both AutomaticallyAfterDays and ScheduleExpression.",
                ));
            }
            (Some(days), None) => {
                let days = u32::try_from(days)
                    .ok()
                    .filter(|d| (1..=1000).contains(d))
                    .ok_or_else(|| invalid("AutomaticallyAfterDays must be between 1 and 1000."))?;
                Cadence::AfterDays(days)
            }
            (None, Some(expression)) => parse_expression(expression)?,
            (None, None) => {
                return Err(invalid(
                    "You must specify either AutomaticallyAfterDays or ScheduleExpression.",
                ));
            }
        };
        let window_hours = duration.map(parse_duration).transpose()?;
        let schedule = Self {
            cadence,
            window_hours,
        };
        schedule.check_window()?;
        Ok(schedule)
    }

    /// The window length in hours that applies when a window opens at `start_hour`.
    fn window_hours_at(&self, start_hour: u32) -> u32 {
        if let Some(hours) = self.window_hours {
            return hours;
        }
        match &self.cadence {
            Cadence::EveryHours(_) => 1,
            Cadence::Cron(cron) if cron.hours.count_ones() > 1 => 1,
            _ => 24 - start_hour,
        }
    }

    /// A window must end by the end of its UTC day and before the next window opens.
    fn check_window(&self) -> Result<(), ScheduleError> {
        let Some(hours) = self.window_hours else {
            return Ok(());
        };
        let overlaps = match &self.cadence {
            Cadence::EveryHours(every) => hours > *every,
            Cadence::Cron(cron) => {
                let starts: Vec<u32> = (0..24).filter(|h| cron.hours & (1 << h) != 0).collect();
                let past_midnight = starts.iter().any(|h| h + hours > 24);
                let into_next = starts.windows(2).any(|pair| pair[0] + hours > pair[1]);
                past_midnight || into_next
            }
            Cadence::AfterDays(_) | Cadence::EveryDays(_) => false,
        };
        if overlaps {
            return Err(invalid(
                "The schedule expression's window (Duration) overlaps the next rotation window or the next UTC day.",
            ));
        }
        Ok(())
    }

    /// The first window that opens strictly after `after`. `last_rotated` is when the secret last rotated
    /// (for `AutomaticallyAfterDays`); `None` counts from `after`. `None` when a cron never fires again.
    pub fn next_window(&self, after: OffsetDateTime, last_rotated: Option<OffsetDateTime>) -> Option<Window> {
        let after = after.to_offset(time::UtcOffset::UTC);
        let start = match &self.cadence {
            Cadence::AfterDays(days) => {
                let base = last_rotated.unwrap_or(after).to_offset(time::UtcOffset::UTC);
                let day = base.date().checked_add(Duration::days(i64::from(*days)))?;
                let start = midnight(day);
                if start > after {
                    start
                } else {
                    midnight(after.date().next_day()?)
                }
            }
            Cadence::EveryHours(hours) => {
                let hour_start = after.replace_time(Time::from_hms(after.hour(), 0, 0).ok()?);
                hour_start + Duration::hours(i64::from(*hours))
            }
            Cadence::EveryDays(days) => midnight(after.date().checked_add(Duration::days(i64::from(*days)))?),
            Cadence::Cron(cron) => cron.next_after(after)?,
        };
        Some(self.window_opening_at(start))
    }

    /// The window that opens at `start` (a start this schedule gave): how long it stays open depends on the
    /// cadence, the `Duration` and the hour it opens at.
    pub fn window_opening_at(&self, start: OffsetDateTime) -> Window {
        let start = start.to_offset(time::UtcOffset::UTC);
        let hours = self.window_hours_at(u32::from(start.hour()));
        Window {
            start,
            end: start + Duration::hours(i64::from(hours)),
        }
    }
}

fn midnight(day: Date) -> OffsetDateTime {
    day.midnight().assume_utc()
}

/// `"<n>h"` with 1 ≤ n ≤ 24.
fn parse_duration(text: &str) -> Result<u32, ScheduleError> {
    text.strip_suffix('h')
        .and_then(|n| n.parse::<u32>().ok())
        .filter(|n| (1..=24).contains(n))
        .ok_or_else(|| {
            invalid(format!(
                "Invalid Duration: {text}. The duration must be between 1h and 24h."
            ))
        })
}

fn parse_expression(expression: &str) -> Result<Cadence, ScheduleError> {
    let expression = expression.trim();
    if let Some(inner) = expression.strip_prefix("rate(").and_then(|r| r.strip_suffix(')')) {
        return parse_rate(inner)
            .map_err(|reason| invalid(format!("Invalid ScheduleExpression rate({inner}): {reason}")));
    }
    if let Some(inner) = expression.strip_prefix("cron(").and_then(|r| r.strip_suffix(')')) {
        return Cron::parse(inner)
            .map(Cadence::Cron)
            .map_err(|reason| invalid(format!("Invalid ScheduleExpression cron({inner}): {reason}")));
    }
    Err(invalid(format!(
        "Invalid ScheduleExpression: {expression}. Use rate(...) or cron(...)."
    )))
}

fn parse_rate(inner: &str) -> Result<Cadence, String> {
    let mut parts = inner.split_whitespace();
    let (Some(count), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err("expected rate(<number> <unit>)".to_owned());
    };
    let count: u32 = count
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or("the value must be a positive integer")?;
    match unit {
        "hour" | "hours" => {
            if count < MIN_RATE_HOURS {
                return Err(format!("the rate must be at least {MIN_RATE_HOURS} hours"));
            }
            if count > MAX_RATE_DAYS * 24 {
                return Err(format!("the rate must be at most {MAX_RATE_DAYS} days"));
            }
            Ok(Cadence::EveryHours(count))
        }
        "day" | "days" => {
            if count > MAX_RATE_DAYS {
                return Err(format!("the rate must be at most {MAX_RATE_DAYS} days"));
            }
            Ok(Cadence::EveryDays(count))
        }
        _ => Err("the unit must be hours or days".to_owned()),
    }
}

/// The day-of-month field.
#[derive(Debug, Clone, PartialEq, Eq)]
enum MonthDays {
    /// `?`: the day-of-week field decides.
    Unspecified,
    /// Days as a bit set (bit d for day d), `L` (the last day), `LW` and `nW` (the weekday nearest day n).
    Days {
        days: u32,
        last: bool,
        last_weekday: bool,
        nearest_weekday: Vec<u32>,
    },
}

/// The day-of-week field; weekdays numbered 1 (Sunday) to 7 (Saturday).
#[derive(Debug, Clone, PartialEq, Eq)]
enum WeekDays {
    Unspecified,
    /// Weekdays as a bit set.
    Days(u8),
    /// `nL`: the last such weekday of the month.
    Last(u8),
    /// `n#k`: the k-th such weekday of the month.
    Nth(u8, u8),
}

/// A parsed AWS six-field cron expression (minutes fixed at 0, year `*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    /// Bit h for hour h.
    hours: u32,
    month_days: MonthDays,
    /// Bit m for month m (1–12).
    months: u16,
    week_days: WeekDays,
}

const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

impl Cron {
    fn parse(inner: &str) -> Result<Self, String> {
        let fields: Vec<&str> = inner.split_whitespace().collect();
        let [minutes, hours, month_days, months, week_days, year] = fields[..] else {
            return Err(
                "a cron expression has six fields: minutes hours day-of-month month day-of-week year"
                    .to_owned(),
            );
        };
        if minutes != "0" {
            return Err("the minutes field must be 0: rotation windows open on the hour".to_owned());
        }
        if year != "*" {
            return Err("the year field must be *".to_owned());
        }
        let hours = u32::try_from(parse_set(hours, 0, 23, &[])?).map_err(|_| "hours out of range")?;
        let months =
            u16::try_from(parse_set(months, 1, 12, &MONTH_NAMES)?).map_err(|_| "months out of range")?;
        let month_days = parse_month_days(month_days)?;
        let week_days = parse_week_days(week_days)?;
        match (&month_days, &week_days) {
            (MonthDays::Unspecified, WeekDays::Unspecified) => {
                return Err("only one of day-of-month and day-of-week may be ?".to_owned());
            }
            (MonthDays::Days { .. }, WeekDays::Days(_) | WeekDays::Last(_) | WeekDays::Nth(..)) => {
                return Err("one of day-of-month and day-of-week must be ?".to_owned());
            }
            _ => {}
        }
        Ok(Self {
            hours,
            month_days,
            months,
            week_days,
        })
    }

    /// The first firing strictly after `after`.
    fn next_after(&self, after: OffsetDateTime) -> Option<OffsetDateTime> {
        let mut day = after.date();
        for _ in 0..CRON_SEARCH_DAYS {
            if self.matches_day(day) {
                for hour in 0..24u8 {
                    if self.hours & (1 << hour) == 0 {
                        continue;
                    }
                    let at = day.with_hms(hour, 0, 0).ok()?.assume_utc();
                    if at > after {
                        return Some(at);
                    }
                }
            }
            day = day.next_day()?;
        }
        None
    }

    fn matches_day(&self, day: Date) -> bool {
        let month = u8::from(day.month());
        if self.months & (1 << month) == 0 {
            return false;
        }
        let dom = u32::from(day.day());
        let last_dom = u32::from(day.month().length(day.year()));
        let weekday = day.weekday().number_from_sunday();
        match &self.month_days {
            MonthDays::Unspecified => {}
            MonthDays::Days {
                days,
                last,
                last_weekday,
                nearest_weekday,
            } => {
                let hit = days & (1 << dom) != 0
                    || (*last && dom == last_dom)
                    || (*last_weekday && dom == nearest_weekday_to(day, last_dom))
                    || nearest_weekday
                        .iter()
                        .any(|n| *n <= last_dom && dom == nearest_weekday_to(day, *n));
                return hit;
            }
        }
        match self.week_days {
            WeekDays::Unspecified => false,
            WeekDays::Days(set) => set & (1 << weekday) != 0,
            WeekDays::Last(wanted) => weekday == wanted && dom + 7 > last_dom,
            WeekDays::Nth(wanted, n) => weekday == wanted && (dom - 1) / 7 + 1 == u32::from(n),
        }
    }
}

/// The weekday (Monday–Friday) nearest to day `target` of `day`'s month, staying inside the month.
fn nearest_weekday_to(day: Date, target: u32) -> u32 {
    let last_dom = u32::from(day.month().length(day.year()));
    let Ok(target_u8) = u8::try_from(target) else {
        return 0;
    };
    let Ok(date) = Date::from_calendar_date(day.year(), day.month(), target_u8) else {
        return 0;
    };
    match date.weekday() {
        time::Weekday::Saturday if target == 1 => 3,
        time::Weekday::Saturday => target - 1,
        time::Weekday::Sunday if target == last_dom => target - 2,
        time::Weekday::Sunday => target + 1,
        _ => target,
    }
}

/// A value of a field: a number in `min..=max` or one of `names` (numbered from `min`).
fn parse_value(text: &str, min: u32, max: u32, names: &[&str]) -> Result<u32, String> {
    let upper = text.to_ascii_uppercase();
    if let Some(index) = names.iter().position(|n| *n == upper) {
        return u32::try_from(index).map(|i| i + min).map_err(|e| e.to_string());
    }
    text.parse::<u32>()
        .ok()
        .filter(|v| (min..=max).contains(v))
        .ok_or_else(|| format!("{text} is not a value between {min} and {max}"))
}

/// A list of `*`, `n`, `a-b`, each optionally `/step`, as a bit set (bit v for value v).
fn parse_set(field: &str, min: u32, max: u32, names: &[&str]) -> Result<u64, String> {
    let mut set = 0u64;
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => {
                let step: u32 = step
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("{item}: the increment must be a positive number"))?;
                (range, step)
            }
            None => (item, 1),
        };
        let (low, high) = if range == "*" {
            (min, max)
        } else if let Some((low, high)) = range.split_once('-') {
            (
                parse_value(low, min, max, names)?,
                parse_value(high, min, max, names)?,
            )
        } else {
            let start = parse_value(range, min, max, names)?;
            // `a/step` runs from a to the field's end; a plain value is just itself.
            (start, if item.contains('/') { max } else { start })
        };
        if low > high {
            return Err(format!("{item}: the range is reversed"));
        }
        let mut value = low;
        while value <= high {
            set |= 1 << value;
            value += step;
        }
    }
    Ok(set)
}

fn parse_month_days(field: &str) -> Result<MonthDays, String> {
    if field == "?" {
        return Ok(MonthDays::Unspecified);
    }
    let mut days = 0u32;
    let mut last = false;
    let mut last_weekday = false;
    let mut nearest_weekday = Vec::new();
    for item in field.split(',') {
        match item {
            "L" => last = true,
            "LW" => last_weekday = true,
            _ if item.ends_with('W') => {
                let day = parse_value(&item[..item.len() - 1], 1, 31, &[])?;
                nearest_weekday.push(day);
            }
            _ => {
                let set = parse_set(item, 1, 31, &[])?;
                days |= u32::try_from(set).map_err(|_| "day-of-month out of range")?;
            }
        }
    }
    Ok(MonthDays::Days {
        days,
        last,
        last_weekday,
        nearest_weekday,
    })
}

fn parse_week_days(field: &str) -> Result<WeekDays, String> {
    if field == "?" {
        return Ok(WeekDays::Unspecified);
    }
    if field == "L" {
        return Ok(WeekDays::Days(1 << 7));
    }
    if let Some(day) = field.strip_suffix('L') {
        let day = parse_value(day, 1, 7, &DAY_NAMES)?;
        return Ok(WeekDays::Last(u8::try_from(day).map_err(|e| e.to_string())?));
    }
    if let Some((day, nth)) = field.split_once('#') {
        let day = parse_value(day, 1, 7, &DAY_NAMES)?;
        let nth = parse_value(nth, 1, 5, &[])?;
        return Ok(WeekDays::Nth(
            u8::try_from(day).map_err(|e| e.to_string())?,
            u8::try_from(nth).map_err(|e| e.to_string())?,
        ));
    }
    let set = parse_set(field, 1, 7, &DAY_NAMES)?;
    Ok(WeekDays::Days(
        u8::try_from(set).map_err(|_| "day-of-week out of range")?,
    ))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn expression(text: &str, duration: Option<&str>) -> Schedule {
        match Schedule::parse(None, Some(text), duration) {
            Ok(schedule) => schedule,
            Err(err) => panic!("{text}: {err}"),
        }
    }

    #[test]
    fn next_windows_follow_the_table() {
        // (expression, duration, after, window start, window end)
        type Case<'a> = (
            &'a str,
            Option<&'a str>,
            OffsetDateTime,
            OffsetDateTime,
            OffsetDateTime,
        );
        let cases: &[Case<'_>] = &[
            (
                "rate(4 hours)",
                None,
                datetime!(2026-03-01 10:30 UTC),
                datetime!(2026-03-01 14:00 UTC),
                datetime!(2026-03-01 15:00 UTC),
            ),
            (
                "rate(1 day)",
                None,
                datetime!(2026-03-01 10:30 UTC),
                datetime!(2026-03-02 00:00 UTC),
                datetime!(2026-03-03 00:00 UTC),
            ),
            (
                "rate(10 days)",
                Some("3h"),
                datetime!(2026-03-01 10:30 UTC),
                datetime!(2026-03-11 00:00 UTC),
                datetime!(2026-03-11 03:00 UTC),
            ),
            (
                "cron(0 16 1,15 * ? *)",
                Some("2h"),
                datetime!(2026-03-01 16:00 UTC),
                datetime!(2026-03-15 16:00 UTC),
                datetime!(2026-03-15 18:00 UTC),
            ),
            (
                "cron(0 4/12 * * ? *)",
                None,
                datetime!(2026-03-01 05:00 UTC),
                datetime!(2026-03-01 16:00 UTC),
                datetime!(2026-03-01 17:00 UTC),
            ),
            (
                "cron(0 8 L * ? *)",
                None,
                datetime!(2026-02-03 00:00 UTC),
                datetime!(2026-02-28 08:00 UTC),
                datetime!(2026-03-01 00:00 UTC),
            ),
            (
                // The last Friday of the month.
                "cron(0 1 ? * 6L *)",
                None,
                datetime!(2026-03-01 00:00 UTC),
                datetime!(2026-03-27 01:00 UTC),
                datetime!(2026-03-28 00:00 UTC),
            ),
            (
                // The second Tuesday.
                "cron(0 9 ? * TUE#2 *)",
                Some("1h"),
                datetime!(2026-03-01 00:00 UTC),
                datetime!(2026-03-10 09:00 UTC),
                datetime!(2026-03-10 10:00 UTC),
            ),
            (
                // Weekdays only, at 22:00: from Friday night the next is Monday.
                "cron(0 22 ? * MON-FRI *)",
                Some("2h"),
                datetime!(2026-03-06 22:00 UTC),
                datetime!(2026-03-09 22:00 UTC),
                datetime!(2026-03-10 00:00 UTC),
            ),
            (
                // The weekday nearest the 1st: 1 Aug 2026 is a Saturday, so Monday the 3rd.
                "cron(0 0 1W * ? *)",
                None,
                datetime!(2026-07-15 00:00 UTC),
                datetime!(2026-08-03 00:00 UTC),
                datetime!(2026-08-04 00:00 UTC),
            ),
            (
                "cron(0 12 1 JAN,JUL ? *)",
                None,
                datetime!(2026-03-01 00:00 UTC),
                datetime!(2026-07-01 12:00 UTC),
                datetime!(2026-07-02 00:00 UTC),
            ),
            (
                "cron(0 0 29 2 ? *)",
                None,
                datetime!(2026-03-01 00:00 UTC),
                datetime!(2028-02-29 00:00 UTC),
                datetime!(2028-03-01 00:00 UTC),
            ),
        ];
        for (text, duration, after, start, end) in cases {
            let window = expression(text, *duration).next_window(*after, None);
            assert_eq!(
                window,
                Some(Window {
                    start: *start,
                    end: *end
                }),
                "{text} after {after}"
            );
        }
    }

    #[test]
    fn automatically_after_days_counts_from_the_last_rotation() {
        let schedule = Schedule::parse(Some(30), None, None).unwrap();
        let rotated = datetime!(2026-03-01 10:30 UTC);
        let window = schedule
            .next_window(datetime!(2026-03-02 00:00 UTC), Some(rotated))
            .unwrap();
        assert_eq!(window.start, datetime!(2026-03-31 00:00 UTC));
        // Overdue: the next window is the next day's.
        let window = schedule
            .next_window(datetime!(2026-05-02 09:00 UTC), Some(rotated))
            .unwrap();
        assert_eq!(window.start, datetime!(2026-05-03 00:00 UTC));
    }

    #[test]
    fn invalid_rules_are_refused_with_a_reason() {
        type Case<'a> = (Option<i64>, Option<&'a str>, Option<&'a str>, &'a str);
        let cases: &[Case<'_>] = &[
            (Some(0), None, None, "between 1 and 1000"),
            (Some(1001), None, None, "between 1 and 1000"),
            (Some(3), Some("rate(4 hours)"), None, "both"),
            (None, None, None, "either"),
            (None, Some("rate(3 hours)"), None, "at least 4 hours"),
            (None, Some("rate(1000 days)"), None, "at most 999 days"),
            (None, Some("rate(5 minutes)"), None, "hours or days"),
            (None, Some("rate(x hours)"), None, "positive integer"),
            (None, Some("every day"), None, "rate(...) or cron(...)"),
            (None, Some("cron(15 10 * * ? *)"), None, "minutes field must be 0"),
            (None, Some("cron(0 10 * * ? 2027)"), None, "year field must be *"),
            (None, Some("cron(0 10 * * *)"), None, "six fields"),
            (None, Some("cron(0 10 * * MON *)"), None, "must be ?"),
            (None, Some("cron(0 10 ? * ? *)"), None, "only one"),
            (None, Some("cron(0 24 * * ? *)"), None, "between 0 and 23"),
            (None, Some("cron(0 10 32 * ? *)"), None, "between 1 and 31"),
            (None, Some("cron(0 10 ? 13 MON *)"), None, "between 1 and 12"),
            (None, Some("cron(0 10 ? * MON#6 *)"), None, "between 1 and 5"),
            (None, Some("cron(0 10-8 * * ? *)"), None, "reversed"),
            (None, Some("rate(4 hours)"), Some("5h"), "overlaps"),
            (None, Some("cron(0 22 * * ? *)"), Some("3h"), "overlaps"),
            (None, Some("cron(0 4/12 * * ? *)"), Some("13h"), "overlaps"),
            (None, Some("rate(1 day)"), Some("25h"), "between 1h and 24h"),
            (None, Some("rate(1 day)"), Some("2 hours"), "between 1h and 24h"),
        ];
        for (days, text, duration, wanted) in cases {
            match Schedule::parse(*days, *text, *duration) {
                Ok(schedule) => panic!("{text:?} {duration:?} was accepted: {schedule:?}"),
                Err(ScheduleError(message)) => {
                    assert!(message.contains(wanted), "{text:?}: {message}");
                }
            }
        }
    }

    #[test]
    fn names_and_numbers_mean_the_same() {
        assert_eq!(
            expression("cron(0 10 ? JAN-MAR SUN,SAT *)", None),
            expression("cron(0 10 ? 1-3 1,7 *)", None)
        );
    }
}
