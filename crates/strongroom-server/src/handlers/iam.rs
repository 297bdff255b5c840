//! IAM over the query protocol: parse the form into the closed [`Operation`], call the service, write the
//! XML. A new access key's secret is exposed here only, to write it to the caller.

use secrecy::ExposeSecret as _;
use strongroom_api::iam::{
    AccessKeyMetadata, AttachedPolicy, CreateAccessKeyResult, EvaluationResult as WireEvaluationResult,
    GetAccessKeyLastUsedResult, GetGroupPolicyResult, GetGroupResult, GetRolePolicyResult,
    GetUserPolicyResult, Group, GroupResult, ListAccessKeysResult, ListAttachedPoliciesResult,
    ListGroupsResult, ListPoliciesResult, ListPolicyVersionsResult, ListRoleTagsResult, ListRolesResult,
    ListUserPoliciesResult, ListUserTagsResult, ListUsersResult, MatchedStatement as WireMatchedStatement,
    Policy as WirePolicy, PolicyResult, PolicyVersion as WirePolicyVersion, PolicyVersionResult,
    Position as WirePosition, Role, RoleResult, SimulatePolicyResult, Tag as WireTag, User, UserResult,
};
use strongroom_api::query::{self, QueryRequest};
use strongroom_api::{Timestamp, WireError, WireResponse};
use strongroom_service::iam::{
    ContextEntry, EvaluationResult, GroupRecord, IamError, NewPolicy, NewRole, Page, PolicyListing,
    PolicyRecord, PolicyVersion, Position, RoleRecord, Simulation, Tag, UserRecord, UserView, group_arn,
    policy_arn, role_arn, user_arn, version_id,
};
use strongroom_service::{Caller, Services};
use strongroom_types::OffsetDateTime;

use crate::errors;
use crate::http::dispatch::{Call, HandlerResult, Reply};
use crate::protocol::Protocol;

/// Every IAM operation Strongroom serves.
enum Operation {
    CreateUser {
        name: String,
        path: Option<String>,
        tags: Vec<Tag>,
        permissions_boundary: Option<String>,
    },
    GetUser {
        name: Option<String>,
    },
    ListUsers {
        path_prefix: Option<String>,
        marker: Option<String>,
        max_items: Option<i64>,
    },
    UpdateUser {
        name: String,
        new_name: Option<String>,
        new_path: Option<String>,
    },
    DeleteUser {
        name: String,
    },
    TagUser {
        name: String,
        tags: Vec<Tag>,
    },
    UntagUser {
        name: String,
        keys: Vec<String>,
    },
    ListUserTags {
        name: String,
        marker: Option<String>,
        max_items: Option<i64>,
    },
    CreateAccessKey {
        user: Option<String>,
    },
    ListAccessKeys {
        user: Option<String>,
    },
    UpdateAccessKey {
        user: Option<String>,
        id: String,
        status: String,
    },
    DeleteAccessKey {
        user: Option<String>,
        id: String,
    },
    GetAccessKeyLastUsed {
        id: String,
    },
    PutUserPolicy {
        user: String,
        policy: String,
        document: String,
    },
    GetUserPolicy {
        user: String,
        policy: String,
    },
    ListUserPolicies {
        user: String,
        marker: Option<String>,
        max_items: Option<i64>,
    },
    DeleteUserPolicy {
        user: String,
        policy: String,
    },
    CreatePolicy {
        name: String,
        path: Option<String>,
        description: Option<String>,
        document: String,
        tags: Vec<Tag>,
    },
    GetPolicy {
        arn: String,
    },
    ListPolicies {
        scope: Option<String>,
        only_attached: bool,
        path_prefix: Option<String>,
        marker: Option<String>,
        max_items: Option<i64>,
    },
    CreatePolicyVersion {
        arn: String,
        document: String,
        set_as_default: bool,
    },
    GetPolicyVersion {
        arn: String,
        version: String,
    },
    ListPolicyVersions {
        arn: String,
    },
    SetDefaultPolicyVersion {
        arn: String,
        version: String,
    },
    DeletePolicyVersion {
        arn: String,
        version: String,
    },
    DeletePolicy {
        arn: String,
    },
    AttachUserPolicy {
        user: String,
        arn: String,
    },
    DetachUserPolicy {
        user: String,
        arn: String,
    },
    ListAttachedUserPolicies {
        user: String,
        path_prefix: Option<String>,
        marker: Option<String>,
        max_items: Option<i64>,
    },
    CreateGroup {
        name: String,
        path: Option<String>,
    },
    GetGroup {
        name: String,
        marker: Option<String>,
        max_items: Option<i64>,
    },
    ListGroups {
        path_prefix: Option<String>,
        marker: Option<String>,
        max_items: Option<i64>,
    },
    DeleteGroup {
        name: String,
    },
    AddUserToGroup {
        group: String,
        user: String,
    },
    RemoveUserFromGroup {
        group: String,
        user: String,
    },
    ListGroupsForUser {
        user: String,
        marker: Option<String>,
        max_items: Option<i64>,
    },
    PutGroupPolicy {
        group: String,
        policy: String,
        document: String,
    },
    GetGroupPolicy {
        group: String,
        policy: String,
    },
    ListGroupPolicies {
        group: String,
        marker: Option<String>,
        max_items: Option<i64>,
    },
    DeleteGroupPolicy {
        group: String,
        policy: String,
    },
    AttachGroupPolicy {
        group: String,
        arn: String,
    },
    DetachGroupPolicy {
        group: String,
        arn: String,
    },
    ListAttachedGroupPolicies {
        group: String,
        path_prefix: Option<String>,
        marker: Option<String>,
        max_items: Option<i64>,
    },
    CreateRole {
        name: String,
        new: NewRole,
    },
    GetRole {
        name: String,
    },
    ListRoles {
        path_prefix: Option<String>,
        marker: Option<String>,
        max_items: Option<i64>,
    },
    DeleteRole {
        name: String,
    },
    UpdateAssumeRolePolicy {
        role: String,
        document: String,
    },
    PutRolePolicy {
        role: String,
        policy: String,
        document: String,
    },
    GetRolePolicy {
        role: String,
        policy: String,
    },
    ListRolePolicies {
        role: String,
        marker: Option<String>,
        max_items: Option<i64>,
    },
    DeleteRolePolicy {
        role: String,
        policy: String,
    },
    AttachRolePolicy {
        role: String,
        arn: String,
    },
    DetachRolePolicy {
        role: String,
        arn: String,
    },
    ListAttachedRolePolicies {
        role: String,
        path_prefix: Option<String>,
        marker: Option<String>,
        max_items: Option<i64>,
    },
    UpdateRole {
        role: String,
        description: Option<String>,
        max_session_duration: Option<i64>,
    },
    UpdateRoleDescription {
        role: String,
        description: String,
    },
    TagRole {
        role: String,
        tags: Vec<Tag>,
    },
    UntagRole {
        role: String,
        keys: Vec<String>,
    },
    ListRoleTags {
        role: String,
        marker: Option<String>,
        max_items: Option<i64>,
    },
    PutUserPermissionsBoundary {
        user: String,
        arn: String,
    },
    DeleteUserPermissionsBoundary {
        user: String,
    },
    PutRolePermissionsBoundary {
        role: String,
        arn: String,
    },
    DeleteRolePermissionsBoundary {
        role: String,
    },
    SimulatePrincipalPolicy {
        policy_source_arn: String,
        simulation: Simulation,
    },
    SimulateCustomPolicy {
        simulation: Simulation,
    },
}

fn opt(request: &QueryRequest, name: &str) -> Option<String> {
    request.get(name).map(str::to_owned)
}

fn req(request: &QueryRequest, name: &str) -> Result<String, WireError> {
    request.require(name).map(str::to_owned)
}

fn integer(request: &QueryRequest, name: &str) -> Result<Option<i64>, WireError> {
    request
        .get(name)
        .map(|text| {
            text.parse().map_err(|_| {
                WireError::bad_request(
                    "ValidationError",
                    format!("Value '{text}' for {name} is not a number"),
                )
            })
        })
        .transpose()
}

fn boolean(request: &QueryRequest, name: &str) -> Result<bool, WireError> {
    match request.get(name) {
        None => Ok(false),
        Some(text) if text.eq_ignore_ascii_case("true") => Ok(true),
        Some(text) if text.eq_ignore_ascii_case("false") => Ok(false),
        Some(text) => Err(WireError::bad_request(
            "ValidationError",
            format!("Value '{text}' for {name} is not a boolean"),
        )),
    }
}

fn tags(request: &QueryRequest) -> Result<Vec<Tag>, WireError> {
    request
        .structs("Tags")
        .into_iter()
        .map(|fields| {
            let key = fields.get("Key").copied().ok_or_else(|| {
                WireError::bad_request(
                    "ValidationError",
                    "1 validation error detected: Value null at 'tags.member.key' failed to satisfy \
                     constraint: Member must not be null",
                )
            })?;
            Ok(Tag {
                key: key.to_owned(),
                value: fields.get("Value").copied().unwrap_or("").to_owned(),
            })
        })
        .collect()
}

/// The operation a request names, or `InvalidAction`/`MissingAction`/`ValidationError`.
fn parse(r: &QueryRequest) -> Result<Operation, WireError> {
    Ok(match r.action()? {
        "CreateUser" => Operation::CreateUser {
            name: req(r, "UserName")?,
            path: opt(r, "Path"),
            tags: tags(r)?,
            permissions_boundary: opt(r, "PermissionsBoundary"),
        },
        "GetUser" => Operation::GetUser {
            name: opt(r, "UserName"),
        },
        "ListUsers" => Operation::ListUsers {
            path_prefix: opt(r, "PathPrefix"),
            marker: opt(r, "Marker"),
            max_items: integer(r, "MaxItems")?,
        },
        "UpdateUser" => Operation::UpdateUser {
            name: req(r, "UserName")?,
            new_name: opt(r, "NewUserName"),
            new_path: opt(r, "NewPath"),
        },
        "DeleteUser" => Operation::DeleteUser {
            name: req(r, "UserName")?,
        },
        "TagUser" => Operation::TagUser {
            name: req(r, "UserName")?,
            tags: tags(r)?,
        },
        "UntagUser" => Operation::UntagUser {
            name: req(r, "UserName")?,
            keys: r.list("TagKeys").into_iter().map(str::to_owned).collect(),
        },
        "ListUserTags" => Operation::ListUserTags {
            name: req(r, "UserName")?,
            marker: opt(r, "Marker"),
            max_items: integer(r, "MaxItems")?,
        },
        "CreateAccessKey" => Operation::CreateAccessKey {
            user: opt(r, "UserName"),
        },
        "ListAccessKeys" => Operation::ListAccessKeys {
            user: opt(r, "UserName"),
        },
        "UpdateAccessKey" => Operation::UpdateAccessKey {
            user: opt(r, "UserName"),
            id: req(r, "AccessKeyId")?,
            status: req(r, "Status")?,
        },
        "DeleteAccessKey" => Operation::DeleteAccessKey {
            user: opt(r, "UserName"),
            id: req(r, "AccessKeyId")?,
        },
        "GetAccessKeyLastUsed" => Operation::GetAccessKeyLastUsed {
            id: req(r, "AccessKeyId")?,
        },
        "PutUserPolicy" => Operation::PutUserPolicy {
            user: req(r, "UserName")?,
            policy: req(r, "PolicyName")?,
            document: req(r, "PolicyDocument")?,
        },
        "GetUserPolicy" => Operation::GetUserPolicy {
            user: req(r, "UserName")?,
            policy: req(r, "PolicyName")?,
        },
        "ListUserPolicies" => Operation::ListUserPolicies {
            user: req(r, "UserName")?,
            marker: opt(r, "Marker"),
            max_items: integer(r, "MaxItems")?,
        },
        "DeleteUserPolicy" => Operation::DeleteUserPolicy {
            user: req(r, "UserName")?,
            policy: req(r, "PolicyName")?,
        },
        "CreatePolicy" => Operation::CreatePolicy {
            name: req(r, "PolicyName")?,
            path: opt(r, "Path"),
            description: opt(r, "Description"),
            document: req(r, "PolicyDocument")?,
            tags: tags(r)?,
        },
        "GetPolicy" => Operation::GetPolicy {
            arn: req(r, "PolicyArn")?,
        },
        "ListPolicies" => Operation::ListPolicies {
            scope: opt(r, "Scope"),
            only_attached: boolean(r, "OnlyAttached")?,
            path_prefix: opt(r, "PathPrefix"),
            marker: opt(r, "Marker"),
            max_items: integer(r, "MaxItems")?,
        },
        "CreatePolicyVersion" => Operation::CreatePolicyVersion {
            arn: req(r, "PolicyArn")?,
            document: req(r, "PolicyDocument")?,
            set_as_default: boolean(r, "SetAsDefault")?,
        },
        "GetPolicyVersion" => Operation::GetPolicyVersion {
            arn: req(r, "PolicyArn")?,
            version: req(r, "VersionId")?,
        },
        "ListPolicyVersions" => Operation::ListPolicyVersions {
            arn: req(r, "PolicyArn")?,
        },
        "SetDefaultPolicyVersion" => Operation::SetDefaultPolicyVersion {
            arn: req(r, "PolicyArn")?,
            version: req(r, "VersionId")?,
        },
        "DeletePolicyVersion" => Operation::DeletePolicyVersion {
            arn: req(r, "PolicyArn")?,
            version: req(r, "VersionId")?,
        },
        "DeletePolicy" => Operation::DeletePolicy {
            arn: req(r, "PolicyArn")?,
        },
        "AttachUserPolicy" => Operation::AttachUserPolicy {
            user: req(r, "UserName")?,
            arn: req(r, "PolicyArn")?,
        },
        "DetachUserPolicy" => Operation::DetachUserPolicy {
            user: req(r, "UserName")?,
            arn: req(r, "PolicyArn")?,
        },
        "ListAttachedUserPolicies" => Operation::ListAttachedUserPolicies {
            user: req(r, "UserName")?,
            path_prefix: opt(r, "PathPrefix"),
            marker: opt(r, "Marker"),
            max_items: integer(r, "MaxItems")?,
        },
        "CreateGroup" => Operation::CreateGroup {
            name: req(r, "GroupName")?,
            path: opt(r, "Path"),
        },
        "GetGroup" => Operation::GetGroup {
            name: req(r, "GroupName")?,
            marker: opt(r, "Marker"),
            max_items: integer(r, "MaxItems")?,
        },
        "ListGroups" => Operation::ListGroups {
            path_prefix: opt(r, "PathPrefix"),
            marker: opt(r, "Marker"),
            max_items: integer(r, "MaxItems")?,
        },
        "DeleteGroup" => Operation::DeleteGroup {
            name: req(r, "GroupName")?,
        },
        "AddUserToGroup" => Operation::AddUserToGroup {
            group: req(r, "GroupName")?,
            user: req(r, "UserName")?,
        },
        "RemoveUserFromGroup" => Operation::RemoveUserFromGroup {
            group: req(r, "GroupName")?,
            user: req(r, "UserName")?,
        },
        "ListGroupsForUser" => Operation::ListGroupsForUser {
            user: req(r, "UserName")?,
            marker: opt(r, "Marker"),
            max_items: integer(r, "MaxItems")?,
        },
        "PutGroupPolicy" => Operation::PutGroupPolicy {
            group: req(r, "GroupName")?,
            policy: req(r, "PolicyName")?,
            document: req(r, "PolicyDocument")?,
        },
        "GetGroupPolicy" => Operation::GetGroupPolicy {
            group: req(r, "GroupName")?,
            policy: req(r, "PolicyName")?,
        },
        "ListGroupPolicies" => Operation::ListGroupPolicies {
            group: req(r, "GroupName")?,
            marker: opt(r, "Marker"),
            max_items: integer(r, "MaxItems")?,
        },
        "DeleteGroupPolicy" => Operation::DeleteGroupPolicy {
            group: req(r, "GroupName")?,
            policy: req(r, "PolicyName")?,
        },
        "AttachGroupPolicy" => Operation::AttachGroupPolicy {
            group: req(r, "GroupName")?,
            arn: req(r, "PolicyArn")?,
        },
        "DetachGroupPolicy" => Operation::DetachGroupPolicy {
            group: req(r, "GroupName")?,
            arn: req(r, "PolicyArn")?,
        },
        "ListAttachedGroupPolicies" => Operation::ListAttachedGroupPolicies {
            group: req(r, "GroupName")?,
            path_prefix: opt(r, "PathPrefix"),
            marker: opt(r, "Marker"),
            max_items: integer(r, "MaxItems")?,
        },
        "CreateRole" => Operation::CreateRole {
            name: req(r, "RoleName")?,
            new: NewRole {
                path: opt(r, "Path"),
                assume_role_policy: req(r, "AssumeRolePolicyDocument")?,
                description: opt(r, "Description"),
                max_session_duration: integer(r, "MaxSessionDuration")?,
                tags: tags(r)?,
                permissions_boundary: opt(r, "PermissionsBoundary"),
            },
        },
        "GetRole" => Operation::GetRole {
            name: req(r, "RoleName")?,
        },
        "ListRoles" => Operation::ListRoles {
            path_prefix: opt(r, "PathPrefix"),
            marker: opt(r, "Marker"),
            max_items: integer(r, "MaxItems")?,
        },
        "DeleteRole" => Operation::DeleteRole {
            name: req(r, "RoleName")?,
        },
        "UpdateAssumeRolePolicy" => Operation::UpdateAssumeRolePolicy {
            role: req(r, "RoleName")?,
            document: req(r, "PolicyDocument")?,
        },
        "PutRolePolicy" => Operation::PutRolePolicy {
            role: req(r, "RoleName")?,
            policy: req(r, "PolicyName")?,
            document: req(r, "PolicyDocument")?,
        },
        "GetRolePolicy" => Operation::GetRolePolicy {
            role: req(r, "RoleName")?,
            policy: req(r, "PolicyName")?,
        },
        "ListRolePolicies" => Operation::ListRolePolicies {
            role: req(r, "RoleName")?,
            marker: opt(r, "Marker"),
            max_items: integer(r, "MaxItems")?,
        },
        "DeleteRolePolicy" => Operation::DeleteRolePolicy {
            role: req(r, "RoleName")?,
            policy: req(r, "PolicyName")?,
        },
        "AttachRolePolicy" => Operation::AttachRolePolicy {
            role: req(r, "RoleName")?,
            arn: req(r, "PolicyArn")?,
        },
        "DetachRolePolicy" => Operation::DetachRolePolicy {
            role: req(r, "RoleName")?,
            arn: req(r, "PolicyArn")?,
        },
        "ListAttachedRolePolicies" => Operation::ListAttachedRolePolicies {
            role: req(r, "RoleName")?,
            path_prefix: opt(r, "PathPrefix"),
            marker: opt(r, "Marker"),
            max_items: integer(r, "MaxItems")?,
        },
        "UpdateRole" => Operation::UpdateRole {
            role: req(r, "RoleName")?,
            description: opt(r, "Description"),
            max_session_duration: integer(r, "MaxSessionDuration")?,
        },
        "UpdateRoleDescription" => Operation::UpdateRoleDescription {
            role: req(r, "RoleName")?,
            description: req(r, "Description")?,
        },
        "TagRole" => Operation::TagRole {
            role: req(r, "RoleName")?,
            tags: tags(r)?,
        },
        "UntagRole" => Operation::UntagRole {
            role: req(r, "RoleName")?,
            keys: r.list("TagKeys").into_iter().map(str::to_owned).collect(),
        },
        "ListRoleTags" => Operation::ListRoleTags {
            role: req(r, "RoleName")?,
            marker: opt(r, "Marker"),
            max_items: integer(r, "MaxItems")?,
        },
        "PutUserPermissionsBoundary" => Operation::PutUserPermissionsBoundary {
            user: req(r, "UserName")?,
            arn: req(r, "PermissionsBoundary")?,
        },
        "DeleteUserPermissionsBoundary" => Operation::DeleteUserPermissionsBoundary {
            user: req(r, "UserName")?,
        },
        "PutRolePermissionsBoundary" => Operation::PutRolePermissionsBoundary {
            role: req(r, "RoleName")?,
            arn: req(r, "PermissionsBoundary")?,
        },
        "DeleteRolePermissionsBoundary" => Operation::DeleteRolePermissionsBoundary {
            role: req(r, "RoleName")?,
        },
        "SimulatePrincipalPolicy" => Operation::SimulatePrincipalPolicy {
            policy_source_arn: req(r, "PolicySourceArn")?,
            simulation: simulation(r)?,
        },
        "SimulateCustomPolicy" => Operation::SimulateCustomPolicy {
            simulation: simulation(r)?,
        },
        _ => return Err(r.invalid_action()),
    })
}

/// The members SimulatePrincipalPolicy and SimulateCustomPolicy share.
fn simulation(r: &QueryRequest) -> Result<Simulation, WireError> {
    let owned = |items: Vec<&str>| items.into_iter().map(str::to_owned).collect::<Vec<_>>();
    let context_entries = r
        .structs("ContextEntries")
        .into_iter()
        .map(|fields| {
            let mut values: Vec<(usize, String)> = fields
                .iter()
                .filter_map(|(name, value)| {
                    let n = name.strip_prefix("ContextKeyValues.member.")?.parse().ok()?;
                    Some((n, (*value).to_owned()))
                })
                .collect();
            values.sort_by_key(|(n, _)| *n);
            ContextEntry {
                key: fields.get("ContextKeyName").copied().unwrap_or("").to_owned(),
                values: values.into_iter().map(|(_, v)| v).collect(),
                kind: fields.get("ContextKeyType").map(|t| (*t).to_owned()),
            }
        })
        .collect();
    Ok(Simulation {
        action_names: owned(r.list("ActionNames")),
        resource_arns: owned(r.list("ResourceArns")),
        policy_input_list: owned(r.list("PolicyInputList")),
        permissions_boundary_policy_input_list: owned(r.list("PermissionsBoundaryPolicyInputList")),
        resource_policy: opt(r, "ResourcePolicy"),
        caller_arn: opt(r, "CallerArn"),
        context_entries,
        marker: opt(r, "Marker"),
        max_items: integer(r, "MaxItems")?,
    })
}

fn timestamp(at: OffsetDateTime) -> Timestamp {
    Timestamp::from_unix_millis((at.unix_timestamp_nanos() / 1_000_000) as i64)
}

fn wire_tags(tags: &[Tag]) -> Vec<WireTag<'_>> {
    tags.iter()
        .map(|t| WireTag {
            key: &t.key,
            value: &t.value,
        })
        .collect()
}

fn wire_user<'a>(user: &'a UserRecord, arn: &'a str, with_tags: bool) -> User<'a> {
    User {
        path: &user.path,
        user_name: Some(&user.name),
        user_id: &user.user_id,
        arn,
        create_date: timestamp(user.created_at),
        permissions_boundary: user.permissions_boundary.as_deref(),
        tags: if with_tags {
            wire_tags(&user.tags)
        } else {
            Vec::new()
        },
    }
}

fn arn_of(user: &UserRecord) -> String {
    user_arn(&user.account_id, &user.path, &user.name)
}

fn group_arn_of(group: &GroupRecord) -> String {
    group_arn(&group.account_id, &group.path, &group.name)
}

fn wire_group<'a>(group: &'a GroupRecord, arn: &'a str) -> Group<'a> {
    Group {
        path: &group.path,
        group_name: &group.name,
        group_id: &group.group_id,
        arn,
        create_date: timestamp(group.created_at),
    }
}

fn role_arn_of(role: &RoleRecord) -> String {
    role_arn(&role.account_id, &role.path, &role.name)
}

/// A role's wire form; `with_tags` adds its tags (CreateRole, GetRole: ListRoles never shows them).
fn wire_role<'a>(role: &'a RoleRecord, arn: &'a str, with_tags: bool) -> Role<'a> {
    Role {
        path: &role.path,
        role_name: &role.name,
        role_id: &role.role_id,
        arn,
        create_date: timestamp(role.created_at),
        assume_role_policy_document: &role.assume_role_policy,
        description: role.description.as_deref(),
        max_session_duration: role.max_session_duration,
        permissions_boundary: role.permissions_boundary.as_deref(),
        tags: if with_tags {
            wire_tags(&role.tags)
        } else {
            Vec::new()
        },
    }
}

fn wire_attached<'a>(policies: &'a [PolicyRecord], arns: &'a [String]) -> Vec<AttachedPolicy<'a>> {
    policies
        .iter()
        .zip(arns)
        .map(|(policy, arn)| AttachedPolicy {
            policy_name: &policy.name,
            policy_arn: arn,
        })
        .collect()
}

fn policy_arn_of(policy: &PolicyRecord) -> String {
    policy_arn(&policy.account_id, &policy.path, &policy.name)
}

/// A policy's wire form; `full` adds the description and tags (GetPolicy, CreatePolicy).
fn wire_policy<'a>(
    policy: &'a PolicyRecord,
    arn: &'a str,
    default_version: &'a str,
    full: bool,
) -> WirePolicy<'a> {
    WirePolicy {
        policy_name: &policy.name,
        policy_id: &policy.policy_id,
        arn,
        path: &policy.path,
        default_version_id: default_version,
        attachment_count: policy.attachment_count,
        description: if full { policy.description.as_deref() } else { None },
        create_date: timestamp(policy.created_at),
        update_date: timestamp(policy.updated_at),
        tags: if full { wire_tags(&policy.tags) } else { Vec::new() },
    }
}

fn wire_version<'a>(version: &'a PolicyVersion, id: &'a str, with_document: bool) -> WirePolicyVersion<'a> {
    WirePolicyVersion {
        document: with_document.then_some(version.record.document.as_str()),
        version_id: id,
        is_default_version: version.is_default,
        create_date: timestamp(version.record.created_at),
    }
}

pub async fn handle(services: &Services, caller: &Caller, call: &Call<'_>) -> HandlerResult {
    let Protocol::Query { namespace } = call.spec.protocol else {
        return Err(call.unknown_operation());
    };
    let request = QueryRequest::parse_with_url_query(call.query, call.body);
    let operation = parse(&request)?;
    let action = call.operation.as_str();
    let iam = &services.iam;
    let authz = &services.authz;
    let fail = |err: IamError| errors::iam_error(&err, call.spec);
    let success = |write: &dyn Fn(&mut query::XmlWriter)| -> WireResponse {
        query::render_success(action, namespace, call.request_id, |w| write(w))
    };
    let empty = || query::render_success_without_result(action, namespace, call.request_id);
    let reply = |response: WireResponse, resource: String, read_only: bool| Reply {
        response,
        resource: Some(resource),
        read_only,
    };

    Ok(match operation {
        Operation::CreateUser {
            name,
            path,
            tags,
            permissions_boundary,
        } => {
            let user = iam
                .create_user_with_boundary(
                    authz,
                    caller,
                    &name,
                    path.as_deref(),
                    tags,
                    permissions_boundary.as_deref(),
                )
                .await
                .map_err(fail)?;
            let arn = arn_of(&user);
            let result = UserResult {
                user: wire_user(&user, &arn, true),
            };
            reply(success(&|w| result.write(w)), arn.clone(), false)
        }
        Operation::GetUser { name } => {
            match iam.get_user(authz, caller, name.as_deref()).await.map_err(fail)? {
                UserView::User(user) => {
                    let arn = arn_of(&user);
                    let result = UserResult {
                        user: wire_user(&user, &arn, true),
                    };
                    reply(success(&|w| result.write(w)), arn.clone(), true)
                }
                UserView::Root {
                    account_id,
                    created_at,
                } => {
                    let arn = caller.arn();
                    let result = UserResult {
                        user: User {
                            path: "/",
                            user_name: None,
                            user_id: account_id.as_str(),
                            arn: &arn,
                            create_date: timestamp(created_at),
                            permissions_boundary: None,
                            tags: Vec::new(),
                        },
                    };
                    reply(success(&|w| result.write(w)), arn.clone(), true)
                }
            }
        }
        Operation::ListUsers {
            path_prefix,
            marker,
            max_items,
        } => {
            let page = iam
                .list_users(
                    authz,
                    caller,
                    path_prefix.as_deref(),
                    marker.as_deref(),
                    max_items,
                )
                .await
                .map_err(fail)?;
            let arns: Vec<String> = page.items.iter().map(arn_of).collect();
            let result = ListUsersResult {
                users: page
                    .items
                    .iter()
                    .zip(&arns)
                    .map(|(user, arn)| wire_user(user, arn, false))
                    .collect(),
                marker: page.marker.as_deref(),
            };
            reply(success(&|w| result.write(w)), "*".to_owned(), true)
        }
        Operation::UpdateUser {
            name,
            new_name,
            new_path,
        } => {
            let user = iam
                .update_user(authz, caller, &name, new_name.as_deref(), new_path.as_deref())
                .await
                .map_err(fail)?;
            reply(empty(), arn_of(&user), false)
        }
        Operation::DeleteUser { name } => {
            let user = iam.delete_user(authz, caller, &name).await.map_err(fail)?;
            services.auth.forget_user(caller.account(), &name);
            reply(empty(), arn_of(&user), false)
        }
        Operation::TagUser { name, tags } => {
            let user = iam.tag_user(authz, caller, &name, tags).await.map_err(fail)?;
            services.auth.forget_user(caller.account(), &user.name);
            reply(empty(), arn_of(&user), false)
        }
        Operation::UntagUser { name, keys } => {
            let user = iam.untag_user(authz, caller, &name, &keys).await.map_err(fail)?;
            services.auth.forget_user(caller.account(), &user.name);
            reply(empty(), arn_of(&user), false)
        }
        Operation::ListUserTags {
            name,
            marker,
            max_items,
        } => {
            let (user, page) = iam
                .list_user_tags(authz, caller, &name, marker.as_deref(), max_items)
                .await
                .map_err(fail)?;
            let result = ListUserTagsResult {
                tags: wire_tags(&page.items),
                marker: page.marker.as_deref(),
            };
            reply(success(&|w| result.write(w)), arn_of(&user), true)
        }
        Operation::CreateAccessKey { user } => {
            let key = iam
                .create_access_key(authz, caller, user.as_deref())
                .await
                .map_err(fail)?;
            // The one place this secret is exposed: to write it to the caller.
            let result = CreateAccessKeyResult {
                user_name: &key.user_name,
                access_key_id: key.record.access_key_id.as_str(),
                status: key.record.status.as_str(),
                secret_access_key: key.secret_access_key.expose_secret(),
                create_date: timestamp(key.record.created_at),
            };
            let resource = user_arn(caller.account(), "/", &key.user_name);
            reply(success(&|w| result.write(w)), resource, false)
        }
        Operation::ListAccessKeys { user } => {
            let (user_name, keys) = iam
                .list_access_keys(authz, caller, user.as_deref())
                .await
                .map_err(fail)?;
            let result = ListAccessKeysResult {
                keys: keys
                    .iter()
                    .map(|k| AccessKeyMetadata {
                        user_name: &user_name,
                        access_key_id: k.access_key_id.as_str(),
                        status: k.status.as_str(),
                        create_date: timestamp(k.created_at),
                    })
                    .collect(),
            };
            let resource = user_arn(caller.account(), "/", &user_name);
            reply(success(&|w| result.write(w)), resource, true)
        }
        Operation::UpdateAccessKey { user, id, status } => {
            let arn = iam
                .update_access_key(authz, caller, user.as_deref(), &id, &status)
                .await
                .map_err(fail)?;
            forget(services, &id);
            reply(empty(), arn, false)
        }
        Operation::DeleteAccessKey { user, id } => {
            let arn = iam
                .delete_access_key(authz, caller, user.as_deref(), &id)
                .await
                .map_err(fail)?;
            forget(services, &id);
            reply(empty(), arn, false)
        }
        Operation::GetAccessKeyLastUsed { id } => {
            let used = iam
                .get_access_key_last_used(authz, &services.key_usage, caller, &id)
                .await
                .map_err(fail)?;
            let result = GetAccessKeyLastUsedResult {
                user_name: &used.user_name,
                last_used_date: used.last_used_at.map(timestamp),
                service_name: &used.service_name,
                region: &used.region,
            };
            let resource = user_arn(caller.account(), "/", &used.user_name);
            reply(success(&|w| result.write(w)), resource, true)
        }
        Operation::PutUserPolicy {
            user,
            policy,
            document,
        } => {
            let arn = iam
                .put_user_policy(authz, caller, &user, &policy, &document)
                .await
                .map_err(fail)?;
            // The user's next request on this node is decided by the new policy at once.
            services.auth.forget_user(caller.account(), &user);
            reply(empty(), arn, false)
        }
        Operation::GetUserPolicy { user, policy } => {
            let (user_name, document) = iam
                .get_user_policy(authz, caller, &user, &policy)
                .await
                .map_err(fail)?;
            let result = GetUserPolicyResult {
                user_name: &user_name,
                policy_name: &policy,
                policy_document: &document,
            };
            let resource = user_arn(caller.account(), "/", &user_name);
            reply(success(&|w| result.write(w)), resource, true)
        }
        Operation::ListUserPolicies {
            user,
            marker,
            max_items,
        } => {
            let page = iam
                .list_user_policies(authz, caller, &user, marker.as_deref(), max_items)
                .await
                .map_err(fail)?;
            let result = ListUserPoliciesResult {
                policy_names: page.items.iter().map(String::as_str).collect(),
                marker: page.marker.as_deref(),
            };
            let resource = user_arn(caller.account(), "/", &user);
            reply(success(&|w| result.write(w)), resource, true)
        }
        Operation::DeleteUserPolicy { user, policy } => {
            let arn = iam
                .delete_user_policy(authz, caller, &user, &policy)
                .await
                .map_err(fail)?;
            services.auth.forget_user(caller.account(), &user);
            reply(empty(), arn, false)
        }
        Operation::CreatePolicy {
            name,
            path,
            description,
            document,
            tags,
        } => {
            let policy = iam
                .create_policy(
                    authz,
                    caller,
                    NewPolicy {
                        name: &name,
                        path: path.as_deref(),
                        description: description.as_deref(),
                        document: &document,
                        tags,
                    },
                )
                .await
                .map_err(fail)?;
            let arn = policy_arn_of(&policy);
            let default_version = version_id(policy.default_version);
            let result = PolicyResult {
                policy: wire_policy(&policy, &arn, &default_version, true),
            };
            reply(success(&|w| result.write(w)), arn.clone(), false)
        }
        Operation::GetPolicy { arn } => {
            let policy = iam.get_policy(authz, caller, &arn).await.map_err(fail)?;
            let default_version = version_id(policy.default_version);
            let result = PolicyResult {
                policy: wire_policy(&policy, &arn, &default_version, true),
            };
            reply(success(&|w| result.write(w)), arn.clone(), true)
        }
        Operation::ListPolicies {
            scope,
            only_attached,
            path_prefix,
            marker,
            max_items,
        } => {
            let page = iam
                .list_policies(
                    authz,
                    caller,
                    PolicyListing {
                        scope: scope.as_deref(),
                        only_attached,
                        path_prefix: path_prefix.as_deref(),
                        marker: marker.as_deref(),
                        max_items,
                    },
                )
                .await
                .map_err(fail)?;
            let arns: Vec<(String, String)> = page
                .items
                .iter()
                .map(|p| (policy_arn_of(p), version_id(p.default_version)))
                .collect();
            let result = ListPoliciesResult {
                policies: page
                    .items
                    .iter()
                    .zip(&arns)
                    .map(|(policy, (arn, default_version))| wire_policy(policy, arn, default_version, false))
                    .collect(),
                marker: page.marker.as_deref(),
            };
            reply(success(&|w| result.write(w)), "*".to_owned(), true)
        }
        Operation::CreatePolicyVersion {
            arn,
            document,
            set_as_default,
        } => {
            let version = iam
                .create_policy_version(authz, caller, &arn, &document, set_as_default)
                .await
                .map_err(fail)?;
            if set_as_default {
                // The policy may be attached to any number of users: none keeps the old default here.
                services.auth.forget_all_policies();
            }
            let id = version_id(version.record.version);
            let result = PolicyVersionResult {
                version: wire_version(&version, &id, true),
            };
            reply(success(&|w| result.write(w)), arn.clone(), false)
        }
        Operation::GetPolicyVersion { arn, version } => {
            let found = iam
                .get_policy_version(authz, caller, &arn, &version)
                .await
                .map_err(fail)?;
            let id = version_id(found.record.version);
            let result = PolicyVersionResult {
                version: wire_version(&found, &id, true),
            };
            reply(success(&|w| result.write(w)), arn.clone(), true)
        }
        Operation::ListPolicyVersions { arn } => {
            let versions = iam
                .list_policy_versions(authz, caller, &arn)
                .await
                .map_err(fail)?;
            let ids: Vec<String> = versions.iter().map(|v| version_id(v.record.version)).collect();
            let result = ListPolicyVersionsResult {
                versions: versions
                    .iter()
                    .zip(&ids)
                    .map(|(version, id)| wire_version(version, id, false))
                    .collect(),
            };
            reply(success(&|w| result.write(w)), arn.clone(), true)
        }
        Operation::SetDefaultPolicyVersion { arn, version } => {
            iam.set_default_policy_version(authz, caller, &arn, &version)
                .await
                .map_err(fail)?;
            services.auth.forget_all_policies();
            reply(empty(), arn, false)
        }
        Operation::DeletePolicyVersion { arn, version } => {
            iam.delete_policy_version(authz, caller, &arn, &version)
                .await
                .map_err(fail)?;
            reply(empty(), arn, false)
        }
        Operation::DeletePolicy { arn } => {
            iam.delete_policy(authz, caller, &arn).await.map_err(fail)?;
            reply(empty(), arn, false)
        }
        Operation::AttachUserPolicy { user, arn } => {
            let user = iam
                .attach_user_policy(authz, caller, &user, &arn)
                .await
                .map_err(fail)?;
            services.auth.forget_user(caller.account(), &user.name);
            reply(empty(), arn_of(&user), false)
        }
        Operation::DetachUserPolicy { user, arn } => {
            let user = iam
                .detach_user_policy(authz, caller, &user, &arn)
                .await
                .map_err(fail)?;
            services.auth.forget_user(caller.account(), &user.name);
            reply(empty(), arn_of(&user), false)
        }
        Operation::ListAttachedUserPolicies {
            user,
            path_prefix,
            marker,
            max_items,
        } => {
            let (user, page) = iam
                .list_attached_user_policies(
                    authz,
                    caller,
                    &user,
                    path_prefix.as_deref(),
                    marker.as_deref(),
                    max_items,
                )
                .await
                .map_err(fail)?;
            let arns: Vec<String> = page.items.iter().map(policy_arn_of).collect();
            let result = ListAttachedPoliciesResult {
                policies: wire_attached(&page.items, &arns),
                marker: page.marker.as_deref(),
            };
            reply(success(&|w| result.write(w)), arn_of(&user), true)
        }
        Operation::CreateGroup { name, path } => {
            let group = iam
                .create_group(authz, caller, &name, path.as_deref())
                .await
                .map_err(fail)?;
            let arn = group_arn_of(&group);
            let result = GroupResult {
                group: wire_group(&group, &arn),
            };
            reply(success(&|w| result.write(w)), arn.clone(), false)
        }
        Operation::GetGroup {
            name,
            marker,
            max_items,
        } => {
            let (group, page) = iam
                .get_group(authz, caller, &name, marker.as_deref(), max_items)
                .await
                .map_err(fail)?;
            let arn = group_arn_of(&group);
            let user_arns: Vec<String> = page.items.iter().map(arn_of).collect();
            let result = GetGroupResult {
                group: wire_group(&group, &arn),
                users: page
                    .items
                    .iter()
                    .zip(&user_arns)
                    .map(|(user, arn)| wire_user(user, arn, false))
                    .collect(),
                marker: page.marker.as_deref(),
            };
            reply(success(&|w| result.write(w)), arn.clone(), true)
        }
        Operation::ListGroups {
            path_prefix,
            marker,
            max_items,
        } => {
            let page = iam
                .list_groups(
                    authz,
                    caller,
                    path_prefix.as_deref(),
                    marker.as_deref(),
                    max_items,
                )
                .await
                .map_err(fail)?;
            let arns: Vec<String> = page.items.iter().map(group_arn_of).collect();
            let result = ListGroupsResult {
                groups: page
                    .items
                    .iter()
                    .zip(&arns)
                    .map(|(group, arn)| wire_group(group, arn))
                    .collect(),
                marker: page.marker.as_deref(),
            };
            reply(success(&|w| result.write(w)), "*".to_owned(), true)
        }
        Operation::DeleteGroup { name } => {
            let group = iam.delete_group(authz, caller, &name).await.map_err(fail)?;
            reply(empty(), group_arn_of(&group), false)
        }
        Operation::AddUserToGroup { group, user } => {
            let (group, user) = iam
                .add_user_to_group(authz, caller, &group, &user)
                .await
                .map_err(fail)?;
            services.auth.forget_user(caller.account(), &user);
            reply(empty(), group_arn_of(&group), false)
        }
        Operation::RemoveUserFromGroup { group, user } => {
            let (group, user) = iam
                .remove_user_from_group(authz, caller, &group, &user)
                .await
                .map_err(fail)?;
            services.auth.forget_user(caller.account(), &user);
            reply(empty(), group_arn_of(&group), false)
        }
        Operation::ListGroupsForUser {
            user,
            marker,
            max_items,
        } => {
            let (user, page) = iam
                .list_groups_for_user(authz, caller, &user, marker.as_deref(), max_items)
                .await
                .map_err(fail)?;
            let arns: Vec<String> = page.items.iter().map(group_arn_of).collect();
            let result = ListGroupsResult {
                groups: page
                    .items
                    .iter()
                    .zip(&arns)
                    .map(|(group, arn)| wire_group(group, arn))
                    .collect(),
                marker: page.marker.as_deref(),
            };
            reply(success(&|w| result.write(w)), arn_of(&user), true)
        }
        Operation::PutGroupPolicy {
            group,
            policy,
            document,
        } => {
            let group = iam
                .put_group_policy(authz, caller, &group, &policy, &document)
                .await
                .map_err(fail)?;
            // Every member's policies changed: none keeps the old ones here.
            services.auth.forget_all_policies();
            reply(empty(), group_arn_of(&group), false)
        }
        Operation::GetGroupPolicy { group, policy } => {
            let (group, document) = iam
                .get_group_policy(authz, caller, &group, &policy)
                .await
                .map_err(fail)?;
            let result = GetGroupPolicyResult {
                group_name: &group.name,
                policy_name: &policy,
                policy_document: &document,
            };
            reply(success(&|w| result.write(w)), group_arn_of(&group), true)
        }
        Operation::ListGroupPolicies {
            group,
            marker,
            max_items,
        } => {
            let (group, page) = iam
                .list_group_policies(authz, caller, &group, marker.as_deref(), max_items)
                .await
                .map_err(fail)?;
            let result = ListUserPoliciesResult {
                policy_names: page.items.iter().map(String::as_str).collect(),
                marker: page.marker.as_deref(),
            };
            reply(success(&|w| result.write(w)), group_arn_of(&group), true)
        }
        Operation::DeleteGroupPolicy { group, policy } => {
            let group = iam
                .delete_group_policy(authz, caller, &group, &policy)
                .await
                .map_err(fail)?;
            services.auth.forget_all_policies();
            reply(empty(), group_arn_of(&group), false)
        }
        Operation::AttachGroupPolicy { group, arn } => {
            let group = iam
                .attach_group_policy(authz, caller, &group, &arn)
                .await
                .map_err(fail)?;
            services.auth.forget_all_policies();
            reply(empty(), group_arn_of(&group), false)
        }
        Operation::DetachGroupPolicy { group, arn } => {
            let group = iam
                .detach_group_policy(authz, caller, &group, &arn)
                .await
                .map_err(fail)?;
            services.auth.forget_all_policies();
            reply(empty(), group_arn_of(&group), false)
        }
        Operation::ListAttachedGroupPolicies {
            group,
            path_prefix,
            marker,
            max_items,
        } => {
            let (group, page) = iam
                .list_attached_group_policies(
                    authz,
                    caller,
                    &group,
                    path_prefix.as_deref(),
                    marker.as_deref(),
                    max_items,
                )
                .await
                .map_err(fail)?;
            let arns: Vec<String> = page.items.iter().map(policy_arn_of).collect();
            let result = ListAttachedPoliciesResult {
                policies: wire_attached(&page.items, &arns),
                marker: page.marker.as_deref(),
            };
            reply(success(&|w| result.write(w)), group_arn_of(&group), true)
        }
        Operation::CreateRole { name, new } => {
            let role = iam.create_role(authz, caller, &name, new).await.map_err(fail)?;
            let arn = role_arn_of(&role);
            let result = RoleResult {
                role: wire_role(&role, &arn, true),
            };
            reply(success(&|w| result.write(w)), arn.clone(), false)
        }
        Operation::GetRole { name } => {
            let role = iam.get_role(authz, caller, &name).await.map_err(fail)?;
            let arn = role_arn_of(&role);
            let result = RoleResult {
                role: wire_role(&role, &arn, true),
            };
            reply(success(&|w| result.write(w)), arn.clone(), true)
        }
        Operation::ListRoles {
            path_prefix,
            marker,
            max_items,
        } => {
            let page = iam
                .list_roles(
                    authz,
                    caller,
                    path_prefix.as_deref(),
                    marker.as_deref(),
                    max_items,
                )
                .await
                .map_err(fail)?;
            let arns: Vec<String> = page.items.iter().map(role_arn_of).collect();
            let result = ListRolesResult {
                roles: page
                    .items
                    .iter()
                    .zip(&arns)
                    .map(|(role, arn)| wire_role(role, arn, false))
                    .collect(),
                marker: page.marker.as_deref(),
            };
            reply(success(&|w| result.write(w)), "*".to_owned(), true)
        }
        Operation::DeleteRole { name } => {
            let role = iam.delete_role(authz, caller, &name).await.map_err(fail)?;
            services.forget_role(caller.account(), &role.name);
            reply(empty(), role_arn_of(&role), false)
        }
        Operation::UpdateAssumeRolePolicy { role, document } => {
            let role = iam
                .update_assume_role_policy(authz, caller, &role, &document)
                .await
                .map_err(fail)?;
            services.forget_role(caller.account(), &role.name);
            reply(empty(), role_arn_of(&role), false)
        }
        Operation::PutRolePolicy {
            role,
            policy,
            document,
        } => {
            let role = iam
                .put_role_policy(authz, caller, &role, &policy, &document)
                .await
                .map_err(fail)?;
            services.forget_role(caller.account(), &role.name);
            reply(empty(), role_arn_of(&role), false)
        }
        Operation::GetRolePolicy { role, policy } => {
            let (role, document) = iam
                .get_role_policy(authz, caller, &role, &policy)
                .await
                .map_err(fail)?;
            let result = GetRolePolicyResult {
                role_name: &role.name,
                policy_name: &policy,
                policy_document: &document,
            };
            reply(success(&|w| result.write(w)), role_arn_of(&role), true)
        }
        Operation::ListRolePolicies {
            role,
            marker,
            max_items,
        } => {
            let (role, page) = iam
                .list_role_policies(authz, caller, &role, marker.as_deref(), max_items)
                .await
                .map_err(fail)?;
            let result = ListUserPoliciesResult {
                policy_names: page.items.iter().map(String::as_str).collect(),
                marker: page.marker.as_deref(),
            };
            reply(success(&|w| result.write(w)), role_arn_of(&role), true)
        }
        Operation::DeleteRolePolicy { role, policy } => {
            let role = iam
                .delete_role_policy(authz, caller, &role, &policy)
                .await
                .map_err(fail)?;
            services.forget_role(caller.account(), &role.name);
            reply(empty(), role_arn_of(&role), false)
        }
        Operation::AttachRolePolicy { role, arn } => {
            let role = iam
                .attach_role_policy(authz, caller, &role, &arn)
                .await
                .map_err(fail)?;
            services.forget_role(caller.account(), &role.name);
            reply(empty(), role_arn_of(&role), false)
        }
        Operation::DetachRolePolicy { role, arn } => {
            let role = iam
                .detach_role_policy(authz, caller, &role, &arn)
                .await
                .map_err(fail)?;
            services.forget_role(caller.account(), &role.name);
            reply(empty(), role_arn_of(&role), false)
        }
        Operation::ListAttachedRolePolicies {
            role,
            path_prefix,
            marker,
            max_items,
        } => {
            let (role, page) = iam
                .list_attached_role_policies(
                    authz,
                    caller,
                    &role,
                    path_prefix.as_deref(),
                    marker.as_deref(),
                    max_items,
                )
                .await
                .map_err(fail)?;
            let arns: Vec<String> = page.items.iter().map(policy_arn_of).collect();
            let result = ListAttachedPoliciesResult {
                policies: wire_attached(&page.items, &arns),
                marker: page.marker.as_deref(),
            };
            reply(success(&|w| result.write(w)), role_arn_of(&role), true)
        }
        Operation::UpdateRole {
            role,
            description,
            max_session_duration,
        } => {
            let role = iam
                .update_role(authz, caller, &role, description.as_deref(), max_session_duration)
                .await
                .map_err(fail)?;
            services.forget_role(caller.account(), &role.name);
            // UpdateRole answers with an empty `UpdateRoleResult` element.
            reply(success(&|_| {}), role_arn_of(&role), false)
        }
        Operation::UpdateRoleDescription { role, description } => {
            let role = iam
                .update_role_description(authz, caller, &role, &description)
                .await
                .map_err(fail)?;
            services.forget_role(caller.account(), &role.name);
            let arn = role_arn_of(&role);
            let result = RoleResult {
                role: wire_role(&role, &arn, true),
            };
            reply(success(&|w| result.write(w)), arn.clone(), false)
        }
        Operation::TagRole { role, tags } => {
            let role = iam.tag_role(authz, caller, &role, tags).await.map_err(fail)?;
            services.forget_role(caller.account(), &role.name);
            reply(empty(), role_arn_of(&role), false)
        }
        Operation::UntagRole { role, keys } => {
            let role = iam.untag_role(authz, caller, &role, &keys).await.map_err(fail)?;
            services.forget_role(caller.account(), &role.name);
            reply(empty(), role_arn_of(&role), false)
        }
        Operation::ListRoleTags {
            role,
            marker,
            max_items,
        } => {
            let (role, page) = iam
                .list_role_tags(authz, caller, &role, marker.as_deref(), max_items)
                .await
                .map_err(fail)?;
            let result = ListRoleTagsResult {
                tags: wire_tags(&page.items),
                marker: page.marker.as_deref(),
            };
            reply(success(&|w| result.write(w)), role_arn_of(&role), true)
        }
        Operation::PutUserPermissionsBoundary { user, arn } => {
            let user = iam
                .put_user_permissions_boundary(authz, caller, &user, &arn)
                .await
                .map_err(fail)?;
            services.auth.forget_user(caller.account(), &user.name);
            reply(empty(), arn_of(&user), false)
        }
        Operation::DeleteUserPermissionsBoundary { user } => {
            let user = iam
                .delete_user_permissions_boundary(authz, caller, &user)
                .await
                .map_err(fail)?;
            services.auth.forget_user(caller.account(), &user.name);
            reply(empty(), arn_of(&user), false)
        }
        Operation::PutRolePermissionsBoundary { role, arn } => {
            let role = iam
                .put_role_permissions_boundary(authz, caller, &role, &arn)
                .await
                .map_err(fail)?;
            services.forget_role(caller.account(), &role.name);
            reply(empty(), role_arn_of(&role), false)
        }
        Operation::DeleteRolePermissionsBoundary { role } => {
            let role = iam
                .delete_role_permissions_boundary(authz, caller, &role)
                .await
                .map_err(fail)?;
            services.forget_role(caller.account(), &role.name);
            reply(empty(), role_arn_of(&role), false)
        }
        Operation::SimulatePrincipalPolicy {
            policy_source_arn,
            simulation,
        } => {
            let page = iam
                .simulate_principal_policy(authz, caller, &policy_source_arn, simulation)
                .await
                .map_err(fail)?;
            let result = wire_simulation(&page);
            reply(success(&|w| result.write(w)), policy_source_arn, true)
        }
        Operation::SimulateCustomPolicy { simulation } => {
            let page = iam
                .simulate_custom_policy(authz, caller, simulation)
                .await
                .map_err(fail)?;
            let result = wire_simulation(&page);
            reply(success(&|w| result.write(w)), "*".to_owned(), true)
        }
    })
}

fn wire_position(position: Option<Position>) -> Option<WirePosition> {
    position.map(|p| WirePosition {
        line: p.line,
        column: p.column,
    })
}

fn wire_simulation(page: &Page<EvaluationResult>) -> SimulatePolicyResult<'_> {
    SimulatePolicyResult {
        evaluation_results: page
            .items
            .iter()
            .map(|result| WireEvaluationResult {
                eval_action_name: &result.action,
                eval_resource_name: &result.resource,
                eval_decision: result.decision.as_str(),
                matched_statements: result
                    .matched_statements
                    .iter()
                    .map(|m| WireMatchedStatement {
                        source_policy_id: &m.source_policy_id,
                        source_policy_type: m.source_policy_type,
                        start_position: wire_position(m.start),
                        end_position: wire_position(m.end),
                    })
                    .collect(),
                allowed_by_permissions_boundary: result.allowed_by_permissions_boundary,
            })
            .collect(),
        marker: page.marker.as_deref(),
    }
}

/// Makes this node stop accepting a key at once after it was deactivated or deleted.
fn forget(services: &Services, id: &str) {
    if let Ok(id) = id.parse() {
        services.auth.forget(&id);
    }
}
