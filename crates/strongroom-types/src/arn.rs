//! Amazon Resource Names: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.

use std::fmt;
use std::str::FromStr;

/// Why a string is not an ARN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArnError {
    #[error("an ARN has the form arn:partition:service:region:account:resource")]
    Shape,
    #[error("the ARN's partition and service must not be empty")]
    EmptyPart,
}

/// A parsed ARN. Region and account may be empty (IAM ARNs have no region, S3 ARNs no account); the resource
/// keeps any further colons (`secret:name-AbCdEf`, `role/path/name`). ARNs compare case-sensitively.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Arn {
    partition: String,
    service: String,
    region: String,
    account: String,
    resource: String,
}

impl Arn {
    /// Builds an ARN in the `aws` partition from parts that are already known to be well formed.
    pub fn new(service: &str, region: &str, account: &str, resource: &str) -> Self {
        Self {
            partition: "aws".to_owned(),
            service: service.to_owned(),
            region: region.to_owned(),
            account: account.to_owned(),
            resource: resource.to_owned(),
        }
    }

    pub fn partition(&self) -> &str {
        &self.partition
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    pub fn account(&self) -> &str {
        &self.account
    }

    pub fn resource(&self) -> &str {
        &self.resource
    }
}

impl FromStr for Arn {
    type Err = ArnError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.splitn(6, ':');
        let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(resource)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(ArnError::Shape);
        };
        if partition.is_empty() || service.is_empty() {
            return Err(ArnError::EmptyPart);
        }
        Ok(Self {
            partition: partition.to_owned(),
            service: service.to_owned(),
            region: region.to_owned(),
            account: account.to_owned(),
            resource: resource.to_owned(),
        })
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

impl fmt::Debug for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Arn({self})")
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn parses_the_common_shapes() {
        let secret: Arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db/main-AbCdEf"
            .parse()
            .unwrap();
        assert_eq!(secret.service(), "secretsmanager");
        assert_eq!(secret.region(), "us-east-1");
        assert_eq!(secret.account(), "123456789012");
        assert_eq!(secret.resource(), "secret:db/main-AbCdEf");

        let root: Arn = "arn:aws:iam::123456789012:root".parse().unwrap();
        assert_eq!(root.region(), "");
        assert_eq!(root.resource(), "root");
    }

    #[test]
    fn rejects_what_is_not_an_arn() {
        for bad in [
            "",
            "arn",
            "arn:aws:iam::123456789012",
            "urn:aws:iam::1:root",
            "arn::iam::1:root",
        ] {
            assert!(bad.parse::<Arn>().is_err(), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn display_inverts_parse(
            service in "[a-z0-9-]{1,20}",
            region in "[a-z0-9-]{0,15}",
            account in "[0-9]{0,12}",
            resource in "[ -~]{0,40}",
        ) {
            let arn = Arn::new(&service, &region, &account, &resource);
            let parsed: Arn = arn.to_string().parse().unwrap();
            prop_assert_eq!(parsed, arn);
        }
    }
}
