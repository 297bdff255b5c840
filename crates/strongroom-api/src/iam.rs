//! IAM outputs as awsQuery XML: users, access keys and inline user policies.
//!
//! Plain structs of borrowed strings with a `write` method for the `{Action}Result` element; render them
//! with [`crate::query::render_success`] and [`IAM_NAMESPACE`] (operations without output use
//! [`crate::query::render_success_without_result`]). The server passes a new key's secret already exposed;
//! `Debug` never shows it.

use std::fmt;

use crate::Timestamp;
use crate::query::XmlWriter;

pub use crate::query::IAM_NAMESPACE;

/// The `Version` parameter IAM requests carry.
pub const VERSION: &str = "2010-05-08";

/// A tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag<'a> {
    pub key: &'a str,
    pub value: &'a str,
}

fn write_tags(w: &mut XmlWriter, tags: &[Tag<'_>]) {
    w.members("Tags", tags, |w, tag| {
        w.element("Key", tag.key);
        w.element("Value", tag.value);
    });
}

fn write_page_end(w: &mut XmlWriter, marker: Option<&str>) {
    w.boolean("IsTruncated", marker.is_some());
    w.optional("Marker", marker);
}

/// An IAM user (`User` shape). The root user has no `UserName`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User<'a> {
    pub path: &'a str,
    pub user_name: Option<&'a str>,
    pub user_id: &'a str,
    pub arn: &'a str,
    pub create_date: Timestamp,
    /// Written only when not empty (as AWS does in GetUser and CreateUser; ListUsers never shows tags).
    pub tags: Vec<Tag<'a>>,
}

impl User<'_> {
    /// Writes the members of a `User` structure.
    pub fn write_members(&self, w: &mut XmlWriter) {
        w.element("Path", self.path);
        w.optional("UserName", self.user_name);
        w.element("UserId", self.user_id);
        w.element("Arn", self.arn);
        w.timestamp("CreateDate", self.create_date);
        if !self.tags.is_empty() {
            write_tags(w, &self.tags);
        }
    }
}

/// The result of `CreateUser` or `GetUser`: `<User>…</User>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserResult<'a> {
    pub user: User<'a>,
}

impl UserResult<'_> {
    pub fn write(&self, w: &mut XmlWriter) {
        w.structure("User", |w| self.user.write_members(w));
    }
}

/// The result of `ListUsers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListUsersResult<'a> {
    pub users: Vec<User<'a>>,
    /// Set when there are more users.
    pub marker: Option<&'a str>,
}

impl ListUsersResult<'_> {
    pub const ACTION: &'static str = "ListUsers";

    pub fn write(&self, w: &mut XmlWriter) {
        w.members("Users", &self.users, |w, user| user.write_members(w));
        write_page_end(w, self.marker);
    }
}

/// The result of `ListUserTags`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListUserTagsResult<'a> {
    pub tags: Vec<Tag<'a>>,
    pub marker: Option<&'a str>,
}

impl ListUserTagsResult<'_> {
    pub const ACTION: &'static str = "ListUserTags";

    pub fn write(&self, w: &mut XmlWriter) {
        write_tags(w, &self.tags);
        write_page_end(w, self.marker);
    }
}

/// The result of `CreateAccessKey`, secret included.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CreateAccessKeyResult<'a> {
    pub user_name: &'a str,
    pub access_key_id: &'a str,
    pub status: &'a str,
    /// The secret access key, exposed for the wire.
    pub secret_access_key: &'a str,
    pub create_date: Timestamp,
}

/// Redacts the secret access key.
impl fmt::Debug for CreateAccessKeyResult<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateAccessKeyResult")
            .field("user_name", &self.user_name)
            .field("access_key_id", &self.access_key_id)
            .field("status", &self.status)
            .field("secret_access_key", &"<redacted>")
            .field("create_date", &self.create_date)
            .finish()
    }
}

impl CreateAccessKeyResult<'_> {
    pub const ACTION: &'static str = "CreateAccessKey";

    pub fn write(&self, w: &mut XmlWriter) {
        w.structure("AccessKey", |w| {
            w.element("UserName", self.user_name);
            w.element("AccessKeyId", self.access_key_id);
            w.element("Status", self.status);
            w.element("SecretAccessKey", self.secret_access_key);
            w.timestamp("CreateDate", self.create_date);
        });
    }
}

/// One key of `ListAccessKeys` (`AccessKeyMetadata`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessKeyMetadata<'a> {
    pub user_name: &'a str,
    pub access_key_id: &'a str,
    pub status: &'a str,
    pub create_date: Timestamp,
}

/// The result of `ListAccessKeys`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListAccessKeysResult<'a> {
    pub keys: Vec<AccessKeyMetadata<'a>>,
}

impl ListAccessKeysResult<'_> {
    pub const ACTION: &'static str = "ListAccessKeys";

    pub fn write(&self, w: &mut XmlWriter) {
        w.members("AccessKeyMetadata", &self.keys, |w, key| {
            w.element("UserName", key.user_name);
            w.element("AccessKeyId", key.access_key_id);
            w.element("Status", key.status);
            w.timestamp("CreateDate", key.create_date);
        });
        w.boolean("IsTruncated", false);
    }
}

/// The result of `GetAccessKeyLastUsed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetAccessKeyLastUsedResult<'a> {
    pub user_name: &'a str,
    pub last_used_date: Option<Timestamp>,
    pub service_name: &'a str,
    pub region: &'a str,
}

impl GetAccessKeyLastUsedResult<'_> {
    pub const ACTION: &'static str = "GetAccessKeyLastUsed";

    pub fn write(&self, w: &mut XmlWriter) {
        w.element("UserName", self.user_name);
        w.structure("AccessKeyLastUsed", |w| {
            if let Some(date) = self.last_used_date {
                w.timestamp("LastUsedDate", date);
            }
            w.element("ServiceName", self.service_name);
            w.element("Region", self.region);
        });
    }
}

/// The result of `GetUserPolicy`. The document is written URL-encoded, as AWS returns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetUserPolicyResult<'a> {
    pub user_name: &'a str,
    pub policy_name: &'a str,
    pub policy_document: &'a str,
}

impl GetUserPolicyResult<'_> {
    pub const ACTION: &'static str = "GetUserPolicy";

    pub fn write(&self, w: &mut XmlWriter) {
        w.element("UserName", self.user_name);
        w.element("PolicyName", self.policy_name);
        w.element("PolicyDocument", &url_encode(self.policy_document));
    }
}

/// The result of `ListUserPolicies`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListUserPoliciesResult<'a> {
    pub policy_names: Vec<&'a str>,
    pub marker: Option<&'a str>,
}

impl ListUserPoliciesResult<'_> {
    pub const ACTION: &'static str = "ListUserPolicies";

    pub fn write(&self, w: &mut XmlWriter) {
        w.member_list("PolicyNames", &self.policy_names);
        write_page_end(w, self.marker);
    }
}

/// Percent-encodes every byte but the RFC 3986 unreserved characters, as IAM encodes policy documents.
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::render_success;
    use crate::test_support::xml_text;

    #[test]
    fn url_encoding_is_rfc3986() {
        assert_eq!(url_encode(r#"{"A": "b/c~"}"#), "%7B%22A%22%3A%20%22b%2Fc~%22%7D");
        assert_eq!(url_encode("ü"), "%C3%BC");
    }

    #[test]
    fn root_user_has_no_name_and_tags_only_when_present() {
        let result = UserResult {
            user: User {
                path: "/",
                user_name: None,
                user_id: "123456789012",
                arn: "arn:aws:iam::123456789012:root",
                create_date: Timestamp::from_unix_millis(1_700_000_000_000),
                tags: Vec::new(),
            },
        };
        let r = render_success("GetUser", IAM_NAMESPACE, "req", |w| result.write(w));
        let xml = String::from_utf8(r.body).unwrap();
        assert!(!xml.contains("UserName") && !xml.contains("Tags"), "{xml}");
        assert_eq!(
            xml_text(&xml, "GetUserResponse/GetUserResult/User/UserId"),
            "123456789012"
        );
    }
}
