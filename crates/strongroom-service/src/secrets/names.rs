//! Secret names, ARNs, and how a `SecretId` (name, full ARN or partial ARN) is read.

use strongroom_types::{AccountId, Arn, Region};

/// The characters AWS allows in a secret's name.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "/_+=.@-".contains(c)
}

/// The message AWS gives for a name outside its character set.
pub(crate) const INVALID_NAME: &str = "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!";

/// Whether `name` is a valid name for a new secret.
pub(crate) fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(is_name_char)
}

/// Whether `id` (not an ARN) is acceptable as a `SecretId`: secrets owned by other services may have `!`.
fn is_valid_id_name(id: &str) -> bool {
    !id.is_empty() && id.chars().all(|c| is_name_char(c) || c == '!')
}

/// The ARN of a secret named `name`, with its random six-character suffix.
pub(crate) fn secret_arn(region: &Region, account: &AccountId, name: &str, suffix: &str) -> String {
    format!("arn:aws:secretsmanager:{region}:{account}:secret:{name}-{suffix}")
}

/// The same secret's ARN in another region (replicas keep the name and the suffix).
pub(crate) fn arn_in_region(arn: &str, region: &str) -> Option<String> {
    let parsed: Arn = arn.parse().ok()?;
    Some(Arn::new(parsed.service(), region, parsed.account(), parsed.resource()).to_string())
}

/// What a `SecretId` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SecretRef {
    /// A full ARN (its name ends in a six-character suffix): matched exactly.
    Arn {
        arn: String,
        account: String,
        region: String,
    },
    /// An ARN without the suffix: matched by name in its account and region.
    PartialArn {
        account: String,
        region: String,
        name: String,
    },
    /// A friendly name in the caller's account and region.
    Name(String),
}

/// Why a `SecretId` cannot name a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SecretRefError {
    /// A name outside AWS's character set (ValidationException).
    InvalidName,
    /// An ARN that is not a Secrets Manager secret ARN: nothing can match it.
    NotASecretArn,
}

impl SecretRef {
    pub(crate) fn parse(id: &str) -> Result<Self, SecretRefError> {
        if !id.starts_with("arn:") {
            return if is_valid_id_name(id) {
                Ok(Self::Name(id.to_owned()))
            } else {
                Err(SecretRefError::InvalidName)
            };
        }
        let arn: Arn = id.parse().map_err(|_| SecretRefError::NotASecretArn)?;
        let Some(name) = arn.resource().strip_prefix("secret:") else {
            return Err(SecretRefError::NotASecretArn);
        };
        if arn.service() != "secretsmanager" || name.is_empty() {
            return Err(SecretRefError::NotASecretArn);
        }
        let (account, region) = (arn.account().to_owned(), arn.region().to_owned());
        // AWS's rule: a last segment ending in `-` and six characters is taken to be a full ARN.
        if has_suffix(name) {
            Ok(Self::Arn {
                arn: id.to_owned(),
                account,
                region,
            })
        } else {
            Ok(Self::PartialArn {
                account,
                region,
                name: name.to_owned(),
            })
        }
    }
}

fn has_suffix(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() > 7
        && bytes[bytes.len() - 7] == b'-'
        && bytes[bytes.len() - 6..].iter().all(u8::is_ascii_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for good in ["a", "db/prod-main", "x+y=z.w@host_1", &"n".repeat(512)] {
            assert!(is_valid_name(good), "{good}");
        }
        for bad in ["", "has space", "star*", "q?", "bang!", "back\\slash", "brack]"] {
            assert!(!is_valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn secret_ids() {
        let full = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db/main-AbC123";
        assert_eq!(
            SecretRef::parse(full),
            Ok(SecretRef::Arn {
                arn: full.into(),
                account: "123456789012".into(),
                region: "us-east-1".into()
            })
        );
        assert_eq!(
            SecretRef::parse("arn:aws:secretsmanager:us-east-1:123456789012:secret:db/main"),
            Ok(SecretRef::PartialArn {
                account: "123456789012".into(),
                region: "us-east-1".into(),
                name: "db/main".into()
            })
        );
        // Ends in -a1b2: not a suffix, so a partial ARN.
        assert!(matches!(
            SecretRef::parse("arn:aws:secretsmanager:us-east-1:123456789012:secret:x-a1b2"),
            Ok(SecretRef::PartialArn { .. })
        ));
        assert_eq!(
            SecretRef::parse("rds!cluster-1"),
            Ok(SecretRef::Name("rds!cluster-1".into()))
        );
        assert_eq!(SecretRef::parse("bad name"), Err(SecretRefError::InvalidName));
        assert_eq!(
            SecretRef::parse("arn:aws:kms:us-east-1:1:key/x"),
            Err(SecretRefError::NotASecretArn)
        );
    }

    #[test]
    fn arns() {
        let arn = secret_arn(
            &"eu-west-1".parse().unwrap(),
            &"123456789012".parse().unwrap(),
            "a/b",
            "Xy12Zq",
        );
        assert_eq!(
            arn,
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:a/b-Xy12Zq"
        );
        assert_eq!(
            arn_in_region(&arn, "us-west-2").unwrap(),
            "arn:aws:secretsmanager:us-west-2:123456789012:secret:a/b-Xy12Zq"
        );
    }
}
