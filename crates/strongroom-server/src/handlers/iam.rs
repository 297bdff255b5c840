//! IAM over the query protocol: parse the form into the closed [`Operation`], call the service, write the
//! XML. A new access key's secret is exposed here only, to write it to the caller.

use secrecy::ExposeSecret as _;
use strongroom_api::iam::{
    AccessKeyMetadata, CreateAccessKeyResult, GetAccessKeyLastUsedResult, GetUserPolicyResult,
    ListAccessKeysResult, ListUserPoliciesResult, ListUserTagsResult, ListUsersResult, Tag as WireTag, User,
    UserResult,
};
use strongroom_api::query::{self, QueryRequest};
use strongroom_api::{Timestamp, WireError, WireResponse};
use strongroom_service::iam::{IamError, Tag, UserRecord, UserView, user_arn};
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
        _ => return Err(r.invalid_action()),
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
        Operation::CreateUser { name, path, tags } => {
            let user = iam
                .create_user(authz, caller, &name, path.as_deref(), tags)
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
            reply(empty(), arn_of(&user), false)
        }
        Operation::UntagUser { name, keys } => {
            let user = iam.untag_user(authz, caller, &name, &keys).await.map_err(fail)?;
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
                .get_access_key_last_used(authz, caller, &id)
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
    })
}

/// Makes this node stop accepting a key at once after it was deactivated or deleted.
fn forget(services: &Services, id: &str) {
    if let Ok(id) = id.parse() {
        services.auth.forget(&id);
    }
}
