//! Typed condition values: numbers, dates, base64 and IP networks, parsed by hand from their text.

use std::net::IpAddr;

use time::format_description::well_known::{Iso8601, Rfc3339};
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

/// A decimal number such as `10`, `-2.5` or `1e3` (not `NaN`, `inf` or hex).
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let text = text.trim();
    let plausible = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
        && text.bytes().any(|b| b.is_ascii_digit());
    let n: f64 = if plausible {
        text.parse().ok()?
    } else {
        return None;
    };
    n.is_finite().then_some(n)
}

/// An ISO 8601 date-time (`2024-01-01T00:00:00Z`, with or without fraction, offset or time of day) or
/// seconds since the Unix epoch.
pub(crate) fn parse_date(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    if !text.is_empty()
        && text
            .bytes()
            .enumerate()
            .all(|(i, b)| b.is_ascii_digit() || (i == 0 && b == b'-'))
    {
        return OffsetDateTime::from_unix_timestamp(text.parse().ok()?).ok();
    }
    if let Ok(d) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(d);
    }
    if let Ok(d) = OffsetDateTime::parse(text, &Iso8601::DEFAULT) {
        return Some(d);
    }
    if let Ok(d) = PrimitiveDateTime::parse(text, &Iso8601::DEFAULT) {
        return Some(d.assume_utc());
    }
    let date = Date::parse(text, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    Some(PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_utc())
}

/// A date from a number of epoch seconds.
pub(crate) fn date_from_epoch(seconds: f64) -> Option<OffsetDateTime> {
    if !seconds.is_finite() || seconds.abs() > 1e14 {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    OffsetDateTime::from_unix_timestamp(seconds.floor() as i64).ok()
}

/// Standard base64 (RFC 4648 §4), padding optional, no whitespace.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let body = text.trim_end_matches('=');
    if text.len() - body.len() > 2 || body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for b in body.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xFF) as u8);
        }
    }
    // Leftover bits must be zero (canonical encoding), so one byte string has one spelling.
    (acc & ((1 << bits) - 1) == 0).then_some(out)
}

/// An IPv4 or IPv6 network in CIDR notation; a bare address is a /32 or /128.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cidr {
    V4 { net: u32, prefix: u32 },
    V6 { net: u128, prefix: u32 },
}

impl Cidr {
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => {
                if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) || prefix.len() > 3 {
                    return None;
                }
                (addr, Some(prefix.parse::<u32>().ok()?))
            }
            None => (text, None),
        };
        match addr.parse::<IpAddr>().ok()? {
            IpAddr::V4(a) => {
                let prefix = prefix.unwrap_or(32);
                (prefix <= 32).then(|| Self::V4 {
                    net: u32::from(a) & mask32(prefix),
                    prefix,
                })
            }
            IpAddr::V6(a) => {
                let prefix = prefix.unwrap_or(128);
                (prefix <= 128).then(|| Self::V6 {
                    net: u128::from(a) & mask128(prefix),
                    prefix,
                })
            }
        }
    }

    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address it maps.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self, ip) {
            (Self::V4 { net, prefix }, IpAddr::V4(a)) => u32::from(a) & mask32(*prefix) == *net,
            (Self::V6 { net, prefix }, IpAddr::V6(a)) => u128::from(a) & mask128(*prefix) == *net,
            _ => false,
        }
    }
}

fn mask32(prefix: u32) -> u32 {
    u32::MAX.checked_shl(32 - prefix).unwrap_or(0)
}

fn mask128(prefix: u32) -> u128 {
    u128::MAX.checked_shl(128 - prefix).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_number("10"), Some(10.0));
        assert_eq!(parse_number("-2.5"), Some(-2.5));
        assert_eq!(parse_number("1e3"), Some(1000.0));
        for bad in ["", "NaN", "inf", "abc", "0x10", "-"] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates() {
        let d = parse_date("2024-01-02T03:04:05Z").unwrap();
        assert_eq!(d.unix_timestamp(), 1_704_164_645);
        assert_eq!(parse_date("1704164645"), Some(d));
        assert_eq!(parse_date("2024-01-02T03:04:05.000Z"), Some(d));
        assert_eq!(parse_date("2024-01-02T04:04:05+01:00"), Some(d));
        assert_eq!(parse_date("2024-01-02T03:04:05"), Some(d));
        assert_eq!(parse_date("2024-01-02").unwrap().unix_timestamp(), 1_704_153_600);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(date_from_epoch(1_704_164_645.0), Some(d));
    }

    #[test]
    fn base64() {
        assert_eq!(decode_base64("aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(decode_base64("aGVsbG8"), Some(b"hello".to_vec()));
        assert_eq!(decode_base64(""), Some(Vec::new()));
        assert_eq!(decode_base64("a"), None);
        assert_eq!(decode_base64("a*=="), None);
        assert_eq!(decode_base64("YQ==="), None);
        assert_eq!(decode_base64("aGVsbG9="), None);
    }

    #[test]
    fn cidrs() {
        let net = Cidr::parse("203.0.113.0/24").unwrap();
        assert!(net.contains("203.0.113.77".parse().unwrap()));
        assert!(!net.contains("203.0.114.1".parse().unwrap()));
        assert!(net.contains("::ffff:203.0.113.1".parse().unwrap()));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        let host = Cidr::parse("10.0.0.1").unwrap();
        assert!(host.contains("10.0.0.1".parse().unwrap()));
        assert!(!host.contains("10.0.0.2".parse().unwrap()));
        let v6 = Cidr::parse("2001:DB8:1234::/48").unwrap();
        assert!(v6.contains("2001:db8:1234:ffff::1".parse().unwrap()));
        assert!(!v6.contains("2001:db8:1235::1".parse().unwrap()));
        assert!(!v6.contains("10.0.0.1".parse().unwrap()));
        for bad in [
            "",
            "10.0.0.0/33",
            "10.0.0/8",
            "::/129",
            "10.0.0.0/",
            "10.0.0.0/-1",
            "x",
        ] {
            assert_eq!(Cidr::parse(bad), None, "{bad}");
        }
    }
}
