//! Identifiers with a fixed shape: account ids, regions and access key ids.

use std::fmt;
use std::str::FromStr;

/// Why a string is not a valid identifier of the kind asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("account id must be exactly 12 digits")]
    AccountId,
    #[error("region must be 1 to 32 lowercase letters, digits and hyphens, starting with a letter")]
    Region,
    #[error("access key id must be 16 to 128 uppercase letters and digits")]
    AccessKeyId,
}

/// A 12-digit AWS account id.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(String);

impl AccountId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for AccountId {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdError::AccountId)
        }
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountId({})", self.0)
    }
}

/// A region name such as `us-east-1`. Regions are namespaces of one deployment, so any well-formed name is
/// accepted; what matters is that it is the one in the request's credential scope.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region(String);

impl Region {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Region {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let well_formed = (1..=32).contains(&s.len())
            && s.as_bytes()[0].is_ascii_lowercase()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if well_formed {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdError::Region)
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Region({})", self.0)
    }
}

/// What an access key id's prefix says about the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessKeyKind {
    /// `AKIA…`: a long-term key of a user (or of the account's root user).
    LongTerm,
    /// `ASIA…`: temporary credentials from STS or Roles Anywhere, valid only with their session token.
    Temporary,
    /// Any other prefix: never issued by Strongroom, so never known.
    Unknown,
}

/// An access key id (`AKIA…` or `ASIA…`). It is an identifier, not a secret, and may be logged.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccessKeyId(String);

impl AccessKeyId {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn kind(&self) -> AccessKeyKind {
        if self.0.starts_with("AKIA") {
            AccessKeyKind::LongTerm
        } else if self.0.starts_with("ASIA") {
            AccessKeyKind::Temporary
        } else {
            AccessKeyKind::Unknown
        }
    }
}

impl FromStr for AccessKeyId {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let well_formed =
            (16..=128).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if well_formed {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdError::AccessKeyId)
        }
    }
}

impl fmt::Display for AccessKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for AccessKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccessKeyId({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids() {
        assert!("123456789012".parse::<AccountId>().is_ok());
        for bad in ["", "12345678901", "1234567890123", "12345678901a", " 23456789012"] {
            assert_eq!(bad.parse::<AccountId>(), Err(IdError::AccountId), "{bad:?}");
        }
    }

    #[test]
    fn regions() {
        for good in ["us-east-1", "eu-central-2", "a", "local"] {
            assert!(good.parse::<Region>().is_ok(), "{good}");
        }
        for bad in ["", "US-EAST-1", "1us", "us_east_1", "us-east-1/", &"a".repeat(33)] {
            assert_eq!(bad.parse::<Region>(), Err(IdError::Region), "{bad:?}");
        }
    }

    #[test]
    fn access_key_ids() {
        let long: AccessKeyId = "AKIAIOSFODNN7EXAMPLE".parse().unwrap();
        assert_eq!(long.kind(), AccessKeyKind::LongTerm);
        let temp: AccessKeyId = "ASIAIOSFODNN7EXAMPLE".parse().unwrap();
        assert_eq!(temp.kind(), AccessKeyKind::Temporary);
        let other: AccessKeyId = "AGPAIOSFODNN7EXAMPLE".parse().unwrap();
        assert_eq!(other.kind(), AccessKeyKind::Unknown);
        for bad in ["", "AKIA", "akiaiosfodnn7example", "AKIAIOSFODNN7EXAMPL/"] {
            assert_eq!(bad.parse::<AccessKeyId>(), Err(IdError::AccessKeyId), "{bad:?}");
        }
    }
}
