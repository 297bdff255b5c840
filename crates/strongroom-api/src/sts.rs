//! STS outputs as awsQuery XML: `GetCallerIdentity`, `GetSessionToken`, `AssumeRole`.
//!
//! Plain structs of borrowed strings with a `write` method for the `{Action}Result` element; render them
//! with [`crate::query::render_success`] and [`STS_NAMESPACE`]. The caller passes secrets already exposed:
//! the server is the one place that exposes them for the wire. `Debug` never shows them.
//!
//! ```
//! use strongroom_api::query::render_success;
//! use strongroom_api::sts::{GetCallerIdentityResult, STS_NAMESPACE};
//!
//! let result = GetCallerIdentityResult {
//!     user_id: "AIDACKCEVSQ6C2EXAMPLE",
//!     account: "123456789012",
//!     arn: "arn:aws:iam::123456789012:user/Alice",
//! };
//! let response = render_success(GetCallerIdentityResult::ACTION, STS_NAMESPACE, "req-1", |w| result.write(w));
//! assert_eq!(response.status, 200);
//! ```

use std::fmt;

use crate::Timestamp;
use crate::query::XmlWriter;

pub use crate::query::STS_NAMESPACE;

/// The `Version` parameter STS requests carry.
pub const VERSION: &str = "2011-06-15";

/// The result of `GetCallerIdentity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetCallerIdentityResult<'a> {
    /// Unique id of the caller (`AIDA…`, or `AROA…:session` for an assumed role).
    pub user_id: &'a str,
    /// The 12-digit account id.
    pub account: &'a str,
    /// ARN of the caller.
    pub arn: &'a str,
}

impl GetCallerIdentityResult<'_> {
    /// The action whose result this is.
    pub const ACTION: &'static str = "GetCallerIdentity";

    /// Writes the members of `<GetCallerIdentityResult>`.
    pub fn write(&self, w: &mut XmlWriter) {
        w.element("UserId", self.user_id);
        w.element("Account", self.account);
        w.element("Arn", self.arn);
    }
}

/// Temporary credentials, secrets included.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Credentials<'a> {
    /// Access key id (`ASIA…`).
    pub access_key_id: &'a str,
    /// The secret access key, exposed for the wire.
    pub secret_access_key: &'a str,
    /// The session token, exposed for the wire.
    pub session_token: &'a str,
    /// When the credentials stop working.
    pub expiration: Timestamp,
}

/// Redacts the secret access key and the session token.
impl fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &"<redacted>")
            .field("expiration", &self.expiration)
            .finish()
    }
}

impl Credentials<'_> {
    /// Writes `<Credentials>…</Credentials>`.
    pub fn write(&self, w: &mut XmlWriter) {
        w.structure("Credentials", |w| {
            w.element("AccessKeyId", self.access_key_id);
            w.element("SecretAccessKey", self.secret_access_key);
            w.element("SessionToken", self.session_token);
            w.timestamp("Expiration", self.expiration);
        });
    }
}

/// The result of `GetSessionToken`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetSessionTokenResult<'a> {
    /// The temporary credentials.
    pub credentials: Credentials<'a>,
}

impl GetSessionTokenResult<'_> {
    /// The action whose result this is.
    pub const ACTION: &'static str = "GetSessionToken";

    /// Writes the members of `<GetSessionTokenResult>`.
    pub fn write(&self, w: &mut XmlWriter) {
        self.credentials.write(w);
    }
}

/// The role session an `AssumeRole` created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssumedRoleUser<'a> {
    /// `AROA…:session-name`.
    pub assumed_role_id: &'a str,
    /// `arn:aws:sts::123456789012:assumed-role/role-name/session-name`.
    pub arn: &'a str,
}

impl AssumedRoleUser<'_> {
    /// Writes `<AssumedRoleUser>…</AssumedRoleUser>`.
    pub fn write(&self, w: &mut XmlWriter) {
        w.structure("AssumedRoleUser", |w| {
            w.element("AssumedRoleId", self.assumed_role_id);
            w.element("Arn", self.arn);
        });
    }
}

/// The result of `AssumeRole`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssumeRoleResult<'a> {
    /// The temporary credentials.
    pub credentials: Credentials<'a>,
    /// The session they belong to.
    pub assumed_role_user: AssumedRoleUser<'a>,
    /// Percentage of the packed size limit used by session policies and tags, when any were passed.
    pub packed_policy_size: Option<u32>,
    /// The source identity set on the session, if any.
    pub source_identity: Option<&'a str>,
}

impl AssumeRoleResult<'_> {
    /// The action whose result this is.
    pub const ACTION: &'static str = "AssumeRole";

    /// Writes the members of `<AssumeRoleResult>`.
    pub fn write(&self, w: &mut XmlWriter) {
        self.credentials.write(w);
        self.assumed_role_user.write(w);
        if let Some(size) = self.packed_policy_size {
            w.integer("PackedPolicySize", i64::from(size));
        }
        w.optional("SourceIdentity", self.source_identity);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::render_success;
    use crate::test_support::{wire_text, xml_text};

    const REQUEST_ID: &str = "c6104cbe-af31-11e0-8154-cbc7ccf896c7";

    fn credentials() -> Credentials<'static> {
        Credentials {
            access_key_id: "ASIAIOSFODNN7EXAMPLE",
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
            session_token: "IQoJb3JpZ2luX2VjEXAMPLE+/=&<>",
            expiration: Timestamp::from_unix_millis(1_795_881_600_000),
        }
    }

    #[test]
    fn get_caller_identity() {
        let result = GetCallerIdentityResult {
            user_id: "AIDACKCEVSQ6C2EXAMPLE",
            account: "123456789012",
            arn: "arn:aws:iam::123456789012:user/Alice",
        };
        let r = render_success(GetCallerIdentityResult::ACTION, STS_NAMESPACE, REQUEST_ID, |w| {
            result.write(w)
        });
        let xml = String::from_utf8(r.body.clone()).unwrap();
        assert_eq!(
            xml_text(&xml, "GetCallerIdentityResponse/GetCallerIdentityResult/Account"),
            "123456789012"
        );
        insta::assert_snapshot!(wire_text(&r));
    }

    #[test]
    fn get_session_token() {
        let result = GetSessionTokenResult {
            credentials: credentials(),
        };
        let r = render_success(GetSessionTokenResult::ACTION, STS_NAMESPACE, REQUEST_ID, |w| {
            result.write(w)
        });
        let xml = String::from_utf8(r.body.clone()).unwrap();
        assert_eq!(
            xml_text(
                &xml,
                "GetSessionTokenResponse/GetSessionTokenResult/Credentials/SessionToken"
            ),
            "IQoJb3JpZ2luX2VjEXAMPLE+/=&<>"
        );
        assert_eq!(
            xml_text(
                &xml,
                "GetSessionTokenResponse/GetSessionTokenResult/Credentials/Expiration"
            ),
            "2026-11-28T16:00:00Z"
        );
        insta::assert_snapshot!(wire_text(&r));
    }

    #[test]
    fn assume_role_full() {
        let result = AssumeRoleResult {
            credentials: Credentials {
                expiration: Timestamp::from_unix_millis(1_795_881_600_359),
                ..credentials()
            },
            assumed_role_user: AssumedRoleUser {
                assumed_role_id: "AROA3XFRBF535PLBIFPI4:s3-access-example",
                arn: "arn:aws:sts::123456789012:assumed-role/xaccounts3access/s3-access-example",
            },
            packed_policy_size: Some(6),
            source_identity: Some("Alice <admin> & co"),
        };
        let r = render_success(AssumeRoleResult::ACTION, STS_NAMESPACE, REQUEST_ID, |w| {
            result.write(w)
        });
        let xml = String::from_utf8(r.body.clone()).unwrap();
        assert_eq!(
            xml_text(&xml, "AssumeRoleResponse/AssumeRoleResult/SourceIdentity"),
            "Alice <admin> & co"
        );
        insta::assert_snapshot!(wire_text(&r));
    }

    #[test]
    fn assume_role_minimal_omits_optionals() {
        let result = AssumeRoleResult {
            credentials: credentials(),
            assumed_role_user: AssumedRoleUser {
                assumed_role_id: "AROAEXAMPLE:s",
                arn: "arn:aws:sts::123456789012:assumed-role/r/s",
            },
            packed_policy_size: None,
            source_identity: None,
        };
        let mut w = XmlWriter::new();
        result.write(&mut w);
        assert!(!w.as_str().contains("PackedPolicySize"));
        assert!(!w.as_str().contains("SourceIdentity"));
        insta::assert_snapshot!(w.as_str());
    }

    #[test]
    fn debug_redacts_secrets() {
        let result = AssumeRoleResult {
            credentials: credentials(),
            assumed_role_user: AssumedRoleUser {
                assumed_role_id: "id",
                arn: "arn",
            },
            packed_policy_size: None,
            source_identity: None,
        };
        let shown = format!("{result:?}");
        assert!(shown.contains("ASIAIOSFODNN7EXAMPLE"));
        assert!(!shown.contains("wJalrXUtnFEMI") && !shown.contains("IQoJb3JpZ2lu"));
    }
}
