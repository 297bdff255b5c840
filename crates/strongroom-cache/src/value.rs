//! What the cache asks for and holds: a request for one version of a secret, the GetSecretValue result
//! (with the value in `secrecy` types) and the part of DescribeSecret that revalidation reads.

use std::collections::BTreeMap;
use std::fmt;

use secrecy::{ExposeSecret as _, SecretSlice, SecretString};

/// The staging label a request means when it names neither a version id nor a stage.
pub const AWSCURRENT: &str = "AWSCURRENT";

/// Which version of which secret: the three GetSecretValue selectors, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecretRequest<'a> {
    /// A name or an ARN.
    pub secret_id: &'a str,
    pub version_id: Option<&'a str>,
    pub version_stage: Option<&'a str>,
}

impl<'a> SecretRequest<'a> {
    /// The current version (`AWSCURRENT`) of `secret_id`.
    pub fn current(secret_id: &'a str) -> Self {
        Self {
            secret_id,
            version_id: None,
            version_stage: None,
        }
    }

    /// The staging label this request must find on a cached version to be still valid: the requested one,
    /// `AWSCURRENT` when neither selector is given, none when only a version id is asked for.
    pub fn stage_to_check(&self) -> Option<&'a str> {
        match (self.version_id, self.version_stage) {
            (_, Some(stage)) => Some(stage),
            (None, None) => Some(AWSCURRENT),
            (Some(_), None) => None,
        }
    }
}

/// One version of a secret as GetSecretValue returned it.
pub struct SecretValue {
    pub arn: String,
    pub name: String,
    pub version_id: String,
    pub secret_string: Option<SecretString>,
    pub secret_binary: Option<SecretSlice<u8>>,
    pub version_stages: Vec<String>,
    /// `CreatedDate` in milliseconds since the Unix epoch.
    pub created_date_millis: Option<i64>,
}

impl SecretValue {
    /// The string value, if the version holds one.
    pub fn secret_string(&self) -> Option<&str> {
        self.secret_string.as_ref().map(|s| s.expose_secret())
    }

    /// The binary value, if the version holds one.
    pub fn secret_binary(&self) -> Option<&[u8]> {
        self.secret_binary.as_ref().map(|s| s.expose_secret())
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretValue")
            .field("arn", &self.arn)
            .field("name", &self.name)
            .field("version_id", &self.version_id)
            .field(
                "secret_string",
                &self.secret_string.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "secret_binary",
                &self.secret_binary.as_ref().map(|_| "<redacted>"),
            )
            .field("version_stages", &self.version_stages)
            .field("created_date_millis", &self.created_date_millis)
            .finish()
    }
}

/// The part of a DescribeSecret result that tells whether a cached version is still the one asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretDescription {
    pub arn: String,
    pub name: String,
    /// Every labelled version and its labels.
    pub version_ids_to_stages: BTreeMap<String, Vec<String>>,
}

impl SecretDescription {
    /// True when `version_id` still exists and, if `stage` is given, still carries it.
    pub fn still_valid(&self, version_id: &str, stage: Option<&str>) -> bool {
        match self.version_ids_to_stages.get(version_id) {
            None => false,
            Some(stages) => stage.is_none_or(|wanted| stages.iter().any(|s| s == wanted)),
        }
    }

    /// The version id carrying `stage`, if any.
    pub fn version_with_stage(&self, stage: &str) -> Option<&str> {
        self.version_ids_to_stages
            .iter()
            .find(|(_, stages)| stages.iter().any(|s| s == stage))
            .map(|(id, _)| id.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_to_check_follows_the_selectors() {
        let cases = [
            (None, None, Some(AWSCURRENT)),
            (Some("v1"), None, None),
            (None, Some("AWSPREVIOUS"), Some("AWSPREVIOUS")),
            (Some("v1"), Some("AWSPENDING"), Some("AWSPENDING")),
        ];
        for (version_id, version_stage, expected) in cases {
            let request = SecretRequest {
                secret_id: "s",
                version_id,
                version_stage,
            };
            assert_eq!(request.stage_to_check(), expected, "{request:?}");
        }
    }

    #[test]
    fn still_valid_checks_version_and_stage() {
        let description = SecretDescription {
            arn: "arn".into(),
            name: "n".into(),
            version_ids_to_stages: BTreeMap::from([
                ("v1".to_owned(), vec!["AWSPREVIOUS".to_owned()]),
                ("v2".to_owned(), vec!["AWSCURRENT".to_owned()]),
            ]),
        };
        assert!(description.still_valid("v2", Some(AWSCURRENT)));
        assert!(!description.still_valid("v1", Some(AWSCURRENT)));
        assert!(description.still_valid("v1", None));
        assert!(!description.still_valid("v3", None));
        assert_eq!(description.version_with_stage("AWSPREVIOUS"), Some("v1"));
    }

    #[test]
    fn debug_redacts_the_value() {
        let value = SecretValue {
            arn: "arn".into(),
            name: "n".into(),
            version_id: "v".into(),
            secret_string: Some(SecretString::from("hunter2")),
            secret_binary: Some(SecretSlice::from(b"bin-canary".to_vec())),
            version_stages: vec![],
            created_date_millis: None,
        };
        let shown = format!("{value:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("bin-canary"),
            "{shown}"
        );
        assert!(shown.contains("<redacted>"));
    }
}
