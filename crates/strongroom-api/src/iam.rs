//! IAM outputs as awsQuery XML: users, access keys, inline user policies, managed policies, groups and roles.
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
    /// The ARN of the user's permissions boundary policy.
    pub permissions_boundary: Option<&'a str>,
    /// Written only when not empty (as AWS does in GetUser and CreateUser; ListUsers never shows tags).
    pub tags: Vec<Tag<'a>>,
}

/// `PermissionsBoundary` (`AttachedPermissionsBoundary`): always a managed policy.
fn write_permissions_boundary(w: &mut XmlWriter, arn: Option<&str>) {
    if let Some(arn) = arn {
        w.structure("PermissionsBoundary", |w| {
            w.element("PermissionsBoundaryType", "PermissionsBoundaryPolicy");
            w.element("PermissionsBoundaryArn", arn);
        });
    }
}

impl User<'_> {
    /// Writes the members of a `User` structure.
    pub fn write_members(&self, w: &mut XmlWriter) {
        w.element("Path", self.path);
        w.optional("UserName", self.user_name);
        w.element("UserId", self.user_id);
        w.element("Arn", self.arn);
        w.timestamp("CreateDate", self.create_date);
        write_permissions_boundary(w, self.permissions_boundary);
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

/// The result of `ListRoleTags`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRoleTagsResult<'a> {
    pub tags: Vec<Tag<'a>>,
    pub marker: Option<&'a str>,
}

impl ListRoleTagsResult<'_> {
    pub const ACTION: &'static str = "ListRoleTags";

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

/// The result of `ListUserPolicies` (and `ListGroupPolicies`, of the same shape).
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

/// A managed policy (`Policy` shape).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy<'a> {
    pub policy_name: &'a str,
    pub policy_id: &'a str,
    pub arn: &'a str,
    pub path: &'a str,
    pub default_version_id: &'a str,
    pub attachment_count: u32,
    /// Written only when set (GetPolicy and CreatePolicy; ListPolicies leaves it out, as AWS does).
    pub description: Option<&'a str>,
    pub create_date: Timestamp,
    pub update_date: Timestamp,
    /// Written only when not empty.
    pub tags: Vec<Tag<'a>>,
}

impl Policy<'_> {
    /// Writes the members of a `Policy` structure.
    pub fn write_members(&self, w: &mut XmlWriter) {
        w.element("PolicyName", self.policy_name);
        w.element("PolicyId", self.policy_id);
        w.element("Arn", self.arn);
        w.element("Path", self.path);
        w.element("DefaultVersionId", self.default_version_id);
        w.integer("AttachmentCount", i64::from(self.attachment_count));
        w.integer("PermissionsBoundaryUsageCount", 0);
        w.boolean("IsAttachable", true);
        w.optional("Description", self.description);
        w.timestamp("CreateDate", self.create_date);
        w.timestamp("UpdateDate", self.update_date);
        if !self.tags.is_empty() {
            write_tags(w, &self.tags);
        }
    }
}

/// The result of `CreatePolicy` or `GetPolicy`: `<Policy>…</Policy>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyResult<'a> {
    pub policy: Policy<'a>,
}

impl PolicyResult<'_> {
    pub fn write(&self, w: &mut XmlWriter) {
        w.structure("Policy", |w| self.policy.write_members(w));
    }
}

/// The result of `ListPolicies`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPoliciesResult<'a> {
    pub policies: Vec<Policy<'a>>,
    pub marker: Option<&'a str>,
}

impl ListPoliciesResult<'_> {
    pub const ACTION: &'static str = "ListPolicies";

    pub fn write(&self, w: &mut XmlWriter) {
        w.members("Policies", &self.policies, |w, p| p.write_members(w));
        write_page_end(w, self.marker);
    }
}

/// A policy version (`PolicyVersion` shape). The document, when present, is written URL-encoded, as AWS
/// returns it; ListPolicyVersions leaves it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersion<'a> {
    pub document: Option<&'a str>,
    pub version_id: &'a str,
    pub is_default_version: bool,
    pub create_date: Timestamp,
}

impl PolicyVersion<'_> {
    pub fn write_members(&self, w: &mut XmlWriter) {
        if let Some(document) = self.document {
            w.element("Document", &url_encode(document));
        }
        w.element("VersionId", self.version_id);
        w.boolean("IsDefaultVersion", self.is_default_version);
        w.timestamp("CreateDate", self.create_date);
    }
}

/// The result of `CreatePolicyVersion` or `GetPolicyVersion`: `<PolicyVersion>…</PolicyVersion>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersionResult<'a> {
    pub version: PolicyVersion<'a>,
}

impl PolicyVersionResult<'_> {
    pub fn write(&self, w: &mut XmlWriter) {
        w.structure("PolicyVersion", |w| self.version.write_members(w));
    }
}

/// The result of `ListPolicyVersions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPolicyVersionsResult<'a> {
    pub versions: Vec<PolicyVersion<'a>>,
}

impl ListPolicyVersionsResult<'_> {
    pub const ACTION: &'static str = "ListPolicyVersions";

    pub fn write(&self, w: &mut XmlWriter) {
        w.members("Versions", &self.versions, |w, v| v.write_members(w));
        w.boolean("IsTruncated", false);
    }
}

/// One policy of `ListAttachedUserPolicies` (`AttachedPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachedPolicy<'a> {
    pub policy_name: &'a str,
    pub policy_arn: &'a str,
}

/// The result of `ListAttachedUserPolicies`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListAttachedPoliciesResult<'a> {
    pub policies: Vec<AttachedPolicy<'a>>,
    pub marker: Option<&'a str>,
}

impl ListAttachedPoliciesResult<'_> {
    pub fn write(&self, w: &mut XmlWriter) {
        w.members("AttachedPolicies", &self.policies, |w, p| {
            w.element("PolicyName", p.policy_name);
            w.element("PolicyArn", p.policy_arn);
        });
        write_page_end(w, self.marker);
    }
}

/// An IAM group (`Group` shape).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group<'a> {
    pub path: &'a str,
    pub group_name: &'a str,
    pub group_id: &'a str,
    pub arn: &'a str,
    pub create_date: Timestamp,
}

impl Group<'_> {
    pub fn write_members(&self, w: &mut XmlWriter) {
        w.element("Path", self.path);
        w.element("GroupName", self.group_name);
        w.element("GroupId", self.group_id);
        w.element("Arn", self.arn);
        w.timestamp("CreateDate", self.create_date);
    }
}

/// The result of `CreateGroup`: `<Group>…</Group>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupResult<'a> {
    pub group: Group<'a>,
}

impl GroupResult<'_> {
    pub fn write(&self, w: &mut XmlWriter) {
        w.structure("Group", |w| self.group.write_members(w));
    }
}

/// The result of `GetGroup`: the group and a page of its users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetGroupResult<'a> {
    pub group: Group<'a>,
    pub users: Vec<User<'a>>,
    pub marker: Option<&'a str>,
}

impl GetGroupResult<'_> {
    pub fn write(&self, w: &mut XmlWriter) {
        w.structure("Group", |w| self.group.write_members(w));
        w.members("Users", &self.users, |w, user| user.write_members(w));
        write_page_end(w, self.marker);
    }
}

/// The result of `ListGroups` or `ListGroupsForUser`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListGroupsResult<'a> {
    pub groups: Vec<Group<'a>>,
    pub marker: Option<&'a str>,
}

impl ListGroupsResult<'_> {
    pub fn write(&self, w: &mut XmlWriter) {
        w.members("Groups", &self.groups, |w, group| group.write_members(w));
        write_page_end(w, self.marker);
    }
}

/// The result of `GetGroupPolicy`. The document is written URL-encoded, as AWS returns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetGroupPolicyResult<'a> {
    pub group_name: &'a str,
    pub policy_name: &'a str,
    pub policy_document: &'a str,
}

impl GetGroupPolicyResult<'_> {
    pub fn write(&self, w: &mut XmlWriter) {
        w.element("GroupName", self.group_name);
        w.element("PolicyName", self.policy_name);
        w.element("PolicyDocument", &url_encode(self.policy_document));
    }
}

/// An IAM role (`Role` shape). The trust policy is written URL-encoded, as AWS returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role<'a> {
    pub path: &'a str,
    pub role_name: &'a str,
    pub role_id: &'a str,
    pub arn: &'a str,
    pub create_date: Timestamp,
    pub assume_role_policy_document: &'a str,
    pub description: Option<&'a str>,
    pub max_session_duration: u32,
    /// The ARN of the role's permissions boundary policy.
    pub permissions_boundary: Option<&'a str>,
    /// Written only when not empty.
    pub tags: Vec<Tag<'a>>,
}

impl Role<'_> {
    pub fn write_members(&self, w: &mut XmlWriter) {
        w.element("Path", self.path);
        w.element("RoleName", self.role_name);
        w.element("RoleId", self.role_id);
        w.element("Arn", self.arn);
        w.timestamp("CreateDate", self.create_date);
        w.element(
            "AssumeRolePolicyDocument",
            &url_encode(self.assume_role_policy_document),
        );
        w.optional("Description", self.description);
        w.integer("MaxSessionDuration", i64::from(self.max_session_duration));
        write_permissions_boundary(w, self.permissions_boundary);
        if !self.tags.is_empty() {
            write_tags(w, &self.tags);
        }
    }
}

/// The result of `CreateRole` or `GetRole`: `<Role>…</Role>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleResult<'a> {
    pub role: Role<'a>,
}

impl RoleResult<'_> {
    pub fn write(&self, w: &mut XmlWriter) {
        w.structure("Role", |w| self.role.write_members(w));
    }
}

/// The result of `ListRoles`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRolesResult<'a> {
    pub roles: Vec<Role<'a>>,
    pub marker: Option<&'a str>,
}

impl ListRolesResult<'_> {
    pub fn write(&self, w: &mut XmlWriter) {
        w.members("Roles", &self.roles, |w, role| role.write_members(w));
        write_page_end(w, self.marker);
    }
}

/// The result of `GetRolePolicy`. The document is written URL-encoded, as AWS returns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetRolePolicyResult<'a> {
    pub role_name: &'a str,
    pub policy_name: &'a str,
    pub policy_document: &'a str,
}

impl GetRolePolicyResult<'_> {
    pub fn write(&self, w: &mut XmlWriter) {
        w.element("RoleName", self.role_name);
        w.element("PolicyName", self.policy_name);
        w.element("PolicyDocument", &url_encode(self.policy_document));
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

/// A line and column in a policy document (`Position`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// A statement that decided a simulated request (`Statement`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedStatement<'a> {
    pub source_policy_id: &'a str,
    pub source_policy_type: &'a str,
    pub start_position: Option<Position>,
    pub end_position: Option<Position>,
}

/// One simulated request (`EvaluationResult`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationResult<'a> {
    pub eval_action_name: &'a str,
    pub eval_resource_name: &'a str,
    /// `allowed`, `explicitDeny` or `implicitDeny`.
    pub eval_decision: &'a str,
    pub matched_statements: Vec<MatchedStatement<'a>>,
    /// `PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary`, when the principal has a boundary.
    pub allowed_by_permissions_boundary: Option<bool>,
}

fn write_position(w: &mut XmlWriter, name: &str, position: Option<Position>) {
    if let Some(position) = position {
        w.structure(name, |w| {
            w.integer("Line", i64::from(position.line));
            w.integer("Column", i64::from(position.column));
        });
    }
}

/// The result of `SimulatePrincipalPolicy` and `SimulateCustomPolicy` (`SimulatePolicyResponse`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulatePolicyResult<'a> {
    pub evaluation_results: Vec<EvaluationResult<'a>>,
    pub marker: Option<&'a str>,
}

impl SimulatePolicyResult<'_> {
    pub fn write(&self, w: &mut XmlWriter) {
        w.members("EvaluationResults", &self.evaluation_results, |w, result| {
            w.element("EvalActionName", result.eval_action_name);
            w.element("EvalResourceName", result.eval_resource_name);
            w.element("EvalDecision", result.eval_decision);
            w.members("MatchedStatements", &result.matched_statements, |w, statement| {
                w.element("SourcePolicyId", statement.source_policy_id);
                w.element("SourcePolicyType", statement.source_policy_type);
                write_position(w, "StartPosition", statement.start_position);
                write_position(w, "EndPosition", statement.end_position);
            });
            w.member_list("MissingContextValues", std::iter::empty::<&str>());
            if let Some(allowed) = result.allowed_by_permissions_boundary {
                w.structure("PermissionsBoundaryDecisionDetail", |w| {
                    w.boolean("AllowedByPermissionsBoundary", allowed);
                });
            }
        });
        write_page_end(w, self.marker);
    }
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
                permissions_boundary: None,
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
