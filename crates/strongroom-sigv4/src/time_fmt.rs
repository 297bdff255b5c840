//! The SigV4 timestamp forms: ISO 8601 basic (`20150830T123600Z`) and the RFC 1123 `Date` header.

use std::fmt;

use time::macros::format_description;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// A time rendered as `yyyymmddThhmmssZ` (UTC, seconds truncated), on the stack.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct AmzDate([u8; 16]);

impl AmzDate {
    pub(crate) fn new(t: OffsetDateTime) -> Self {
        let t = t.to_offset(UtcOffset::UTC);
        let mut out = *b"00000000T000000Z";
        // Years outside 0..=9999 cannot be written in this form; they wrap rather than panic.
        put_digits(&mut out[0..4], t.year().rem_euclid(10_000).unsigned_abs());
        put_digits(&mut out[4..6], u32::from(u8::from(t.month())));
        put_digits(&mut out[6..8], u32::from(t.day()));
        put_digits(&mut out[9..11], u32::from(t.hour()));
        put_digits(&mut out[11..13], u32::from(t.minute()));
        put_digits(&mut out[13..15], u32::from(t.second()));
        Self(out)
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits, 'T' and 'Z' are ever written.
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The `yyyymmdd` part, as used in the credential scope.
    pub(crate) fn date(&self) -> &str {
        self.as_str().get(..8).unwrap_or("")
    }
}

impl fmt::Display for AmzDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for AmzDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AmzDate({})", self.as_str())
    }
}

fn put_digits(out: &mut [u8], mut value: u32) {
    for slot in out.iter_mut().rev() {
        // `value % 10` is below 10, so the cast cannot truncate.
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

/// Parses `yyyymmddThhmmssZ` strictly: exactly 16 bytes, a real calendar date and time.
pub(crate) fn parse_amz_date(s: &str) -> Option<OffsetDateTime> {
    let b = s.as_bytes();
    if b.len() != 16 || b.get(8) != Some(&b'T') || b.get(15) != Some(&b'Z') {
        return None;
    }
    let year = i32::try_from(digits(b.get(0..4)?)?).ok()?;
    let month = Month::try_from(u8::try_from(digits(b.get(4..6)?)?).ok()?).ok()?;
    let day = u8::try_from(digits(b.get(6..8)?)?).ok()?;
    let hour = u8::try_from(digits(b.get(9..11)?)?).ok()?;
    let minute = u8::try_from(digits(b.get(11..13)?)?).ok()?;
    let second = u8::try_from(digits(b.get(13..15)?)?).ok()?;
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms(hour, minute, second).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

/// Parses an RFC 1123 `Date` header such as `Sun, 30 Aug 2015 12:36:00 GMT`.
pub(crate) fn parse_http_date(s: &str) -> Option<OffsetDateTime> {
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    PrimitiveDateTime::parse(s, format)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_and_parses_basic_form() {
        let t = datetime!(2015-08-30 12:36:00 UTC);
        assert_eq!(AmzDate::new(t).as_str(), "20150830T123600Z");
        assert_eq!(AmzDate::new(t).date(), "20150830");
        assert_eq!(parse_amz_date("20150830T123600Z"), Some(t));
        // Another offset is converted to UTC first.
        assert_eq!(
            AmzDate::new(datetime!(2015-08-30 14:36:00 +02:00)).as_str(),
            "20150830T123600Z"
        );
    }

    #[test]
    fn rejects_loose_basic_forms() {
        for bad in [
            "",
            "20150830T123600",
            "20150830T123600z",
            "20150830 123600Z",
            "2015-08-30T12:36:00Z",
            "20150832T123600Z",
            "20150830T246000Z",
            "+0150830T123600Z",
            "20150830T12360aZ",
            "20150830T123600ZZ",
        ] {
            assert_eq!(parse_amz_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn parses_rfc1123() {
        assert_eq!(
            parse_http_date("Sun, 30 Aug 2015 12:36:00 GMT"),
            Some(datetime!(2015-08-30 12:36:00 UTC))
        );
        assert_eq!(parse_http_date("Sun, 30 Aug 2015 12:36:00 +0000"), None);
        assert_eq!(parse_http_date("30 Aug 2015 12:36:00 GMT"), None);
    }
}
