//! Timestamps on the wire: epoch seconds for the JSON protocols, ISO 8601 for awsQuery XML.
//!
//! AWS's JSON protocols send timestamps as a JSON number of seconds since the Unix epoch with up to
//! millisecond precision (`1523477145.713`); awsQuery sends ISO 8601 date-times in UTC
//! (`2026-11-28T16:00:00Z`, or `2011-07-15T23:28:33.359Z` when there are milliseconds). Both are written
//! here without a date-time crate: the calendar arithmetic is the proleptic Gregorian one.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Milliseconds in a day.
const MILLIS_PER_DAY: i64 = 86_400_000;

/// The largest magnitude accepted when reading epoch seconds: 8.64e15 ms, ±100 million days around 1970
/// (the range of ECMAScript dates). Every millisecond count up to it is exact in an `f64`.
const MAX_ABS_MILLIS: i64 = 8_640_000_000_000_000;

/// An instant with millisecond precision, counted from the Unix epoch.
///
/// Serializes (for the JSON protocols) as epoch seconds and deserializes from epoch seconds, integer or
/// fractional; fractions finer than a millisecond are rounded to the nearest millisecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    unix_millis: i64,
}

impl Timestamp {
    /// The instant `unix_millis` milliseconds after the Unix epoch.
    pub const fn from_unix_millis(unix_millis: i64) -> Self {
        Self { unix_millis }
    }

    /// The instant `unix_seconds` seconds after the Unix epoch (saturating at the ends of `i64` millis).
    pub const fn from_unix_seconds(unix_seconds: i64) -> Self {
        Self {
            unix_millis: unix_seconds.saturating_mul(1000),
        }
    }

    /// Milliseconds since the Unix epoch.
    pub const fn unix_millis(self) -> i64 {
        self.unix_millis
    }

    /// Epoch seconds as a JSON number; see [`epoch_seconds`].
    pub fn to_epoch_seconds(self) -> serde_json::Number {
        epoch_seconds(self.unix_millis)
    }

    /// ISO 8601 in UTC; see [`iso8601`].
    pub fn to_iso8601(self) -> String {
        iso8601(self.unix_millis)
    }
}

/// Epoch seconds as a JSON number: `1523477145713` → `1523477145.713`, `1523477145000` → `1523477145`.
///
/// Whole seconds are written as integers. Otherwise the value is the `f64` nearest to the exact
/// quotient (IEEE division rounds correctly, and every millisecond count below 2^53 is exact), and
/// serde_json writes the shortest decimal that reads back as that `f64`: the three-decimal form itself,
/// with trailing zeros dropped (`.5`, `.05`), never `.71299999`.
pub fn epoch_seconds(unix_millis: i64) -> serde_json::Number {
    if unix_millis % 1000 == 0 {
        return serde_json::Number::from(unix_millis / 1000);
    }
    // A finite quotient always makes a Number; the fallback only keeps the function total.
    #[allow(clippy::cast_precision_loss)] // exact below 2^53 ms, i.e. for the next 285,000 years
    let seconds = unix_millis as f64 / 1000.0;
    serde_json::Number::from_f64(seconds).unwrap_or_else(|| serde_json::Number::from(unix_millis / 1000))
}

/// ISO 8601 in UTC: `2026-11-28T16:00:00Z`, with `.mmm` before the `Z` only when the milliseconds are not
/// zero (`2011-07-15T23:28:33.359Z`), as AWS writes them.
///
/// Years outside 0000–9999 are written with as many digits as they need (and a minus sign before the
/// year 0), which no AWS client will meet from a real clock.
pub fn iso8601(unix_millis: i64) -> String {
    let days = unix_millis.div_euclid(MILLIS_PER_DAY);
    let millis_of_day = unix_millis.rem_euclid(MILLIS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let seconds_of_day = millis_of_day / 1000;
    let (hour, minute, second) = (
        seconds_of_day / 3600,
        seconds_of_day / 60 % 60,
        seconds_of_day % 60,
    );
    let millis = millis_of_day % 1000;
    let year = if year < 0 {
        format!("-{:04}", -year)
    } else {
        format!("{year:04}")
    };
    if millis == 0 {
        format!("{year}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
    } else {
        format!("{year}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{millis:03}Z")
    }
}

/// Year, month (1–12) and day (1–31) of the day `days` after 1970-01-01 in the proleptic Gregorian
/// calendar. Counts in 400-year eras of 146,097 days, with years starting on 1 March so that the leap day
/// is the last day of its year.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468; // days from 0000-03-01 to 1970-01-01
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097); // 0..=146_096
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365; // 0..=399
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // 0..=365
    let month_from_march = (5 * day_of_year + 2) / 153; // 0..=11
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_epoch_seconds().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(EpochSecondsVisitor)
    }
}

/// Reads epoch seconds from any JSON number.
struct EpochSecondsVisitor;

impl Visitor<'_> for EpochSecondsVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("epoch seconds")
    }

    fn visit_i64<E: de::Error>(self, seconds: i64) -> Result<Timestamp, E> {
        match seconds.checked_mul(1000) {
            Some(millis) if millis.abs() <= MAX_ABS_MILLIS => Ok(Timestamp::from_unix_millis(millis)),
            _ => Err(E::invalid_value(de::Unexpected::Signed(seconds), &self)),
        }
    }

    fn visit_u64<E: de::Error>(self, seconds: u64) -> Result<Timestamp, E> {
        match i64::try_from(seconds) {
            Ok(seconds) => self.visit_i64(seconds),
            Err(_) => Err(E::invalid_value(de::Unexpected::Unsigned(seconds), &self)),
        }
    }

    fn visit_f64<E: de::Error>(self, seconds: f64) -> Result<Timestamp, E> {
        let millis = (seconds * 1000.0).round();
        #[allow(clippy::cast_precision_loss)] // MAX_ABS_MILLIS is exact in f64
        let in_range = millis.is_finite() && millis.abs() <= MAX_ABS_MILLIS as f64;
        if !in_range {
            return Err(E::invalid_value(de::Unexpected::Float(seconds), &self));
        }
        #[allow(clippy::cast_possible_truncation)] // integral and in range, checked above
        Ok(Timestamp::from_unix_millis(millis as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Days since 1970-01-01 of a civil date; the inverse of `civil_from_days`, for the round trip.
    fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
        let year = if month <= 2 { year - 1 } else { year };
        let era = year.div_euclid(400);
        let year_of_era = year.rem_euclid(400);
        let month_from_march = if month > 2 { month - 3 } else { month + 9 };
        let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    #[test]
    fn iso8601_matches_known_instants() {
        // Seconds from GNU `date -u -d ... +%s`.
        let cases = [
            (0, "1970-01-01T00:00:00Z"),
            (1_795_881_600, "2026-11-28T16:00:00Z"),
            (1_523_477_145, "2018-04-11T20:05:45Z"),
            (951_868_799, "2000-02-29T23:59:59Z"),
            (-2_203_891_200, "1900-03-01T00:00:00Z"),
            (4_133_939_696, "2100-12-31T12:34:56Z"),
            (-11_676_096_000, "1600-01-01T00:00:00Z"),
            (253_402_300_799, "9999-12-31T23:59:59Z"),
            (-62_135_596_800, "0001-01-01T00:00:00Z"),
        ];
        for (seconds, expected) in cases {
            assert_eq!(iso8601(seconds * 1000), expected, "{seconds}");
            assert_eq!(Timestamp::from_unix_seconds(seconds).to_iso8601(), expected);
        }
    }

    #[test]
    fn iso8601_writes_milliseconds_only_when_present() {
        assert_eq!(iso8601(1_523_477_145_713), "2018-04-11T20:05:45.713Z");
        assert_eq!(iso8601(1_523_477_145_007), "2018-04-11T20:05:45.007Z");
        assert_eq!(iso8601(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(iso8601(-1000), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn iso8601_outside_four_digit_years_still_formats() {
        assert_eq!(iso8601(-62_167_219_200_000), "0000-01-01T00:00:00Z");
        assert_eq!(iso8601(-62_167_219_200_001), "-0001-12-31T23:59:59.999Z");
        assert!(iso8601(i64::MAX).ends_with(".807Z"));
        assert!(iso8601(i64::MIN).starts_with('-'));
    }

    #[test]
    fn civil_from_days_round_trips() {
        let mut previous = civil_from_days(-800_000);
        for days in -800_000..800_000 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            assert!((1..=12).contains(&m) && (1..=31).contains(&d));
            if days > -800_000 {
                assert!((y, m, d) > previous, "{days}");
            }
            previous = (y, m, d);
        }
    }

    #[test]
    fn epoch_seconds_has_no_float_noise() {
        assert_eq!(epoch_seconds(1_523_477_145_713).to_string(), "1523477145.713");
        assert_eq!(epoch_seconds(1_523_477_145_000).to_string(), "1523477145");
        assert_eq!(epoch_seconds(1_523_477_145_500).to_string(), "1523477145.5");
        assert_eq!(epoch_seconds(1_523_477_145_050).to_string(), "1523477145.05");
        assert_eq!(epoch_seconds(1).to_string(), "0.001");
        assert_eq!(epoch_seconds(-1).to_string(), "-0.001");
        assert_eq!(epoch_seconds(-1_500).to_string(), "-1.5");
        assert_eq!(epoch_seconds(0).to_string(), "0");
    }

    #[test]
    fn epoch_seconds_is_the_exact_decimal_for_many_instants() {
        // A linear congruential walk over the next few centuries of milliseconds.
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..200_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let millis = i64::try_from(state >> 22).unwrap(); // below 2^42 ms, about year 2109
            let exact = format!("{}.{:03}", millis / 1000, millis % 1000);
            let exact = exact.trim_end_matches('0').trim_end_matches('.');
            assert_eq!(epoch_seconds(millis).to_string(), exact, "{millis}");
        }
    }

    #[test]
    fn timestamps_serialize_as_epoch_seconds_and_read_back() {
        let ts = Timestamp::from_unix_millis(1_523_477_145_713);
        assert_eq!(serde_json::to_string(&ts).unwrap(), "1523477145.713");
        let back: Timestamp = serde_json::from_str("1523477145.713").unwrap();
        assert_eq!(back, ts);
        let whole: Timestamp = serde_json::from_str("1523477145").unwrap();
        assert_eq!(whole.unix_millis(), 1_523_477_145_000);
        let rounded: Timestamp = serde_json::from_str("1.0004").unwrap();
        assert_eq!(rounded.unix_millis(), 1000);
        let negative: Timestamp = serde_json::from_str("-1.5").unwrap();
        assert_eq!(negative.unix_millis(), -1500);
    }

    #[test]
    fn timestamps_reject_non_numbers_and_absurd_values() {
        for bad in [
            "\"2018-04-11T20:05:45Z\"",
            "1e300",
            "-1e300",
            "18446744073709551615",
            "true",
            "null",
        ] {
            assert!(serde_json::from_str::<Timestamp>(bad).is_err(), "{bad}");
        }
    }
}
