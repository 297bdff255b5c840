//! STS over the query protocol: parse the form, call the service, write the XML.

use secrecy::ExposeSecret as _;
use strongroom_api::query::{self, QueryRequest};
use strongroom_api::sts::{
    AssumeRoleResult, AssumedRoleUser, Credentials, GetCallerIdentityResult, GetSessionTokenResult,
};
use strongroom_api::{Timestamp, WireError};
use strongroom_service::sts::AssumeRoleInput;
use strongroom_service::{Caller, Services};

use crate::errors;
use crate::http::dispatch::{Call, HandlerResult, Reply};
use crate::protocol::Protocol;

/// Every STS operation Strongroom serves.
enum Operation {
    GetCallerIdentity,
    GetSessionToken {
        duration_seconds: Option<i64>,
    },
    AssumeRole {
        role_arn: String,
        session_name: String,
        duration_seconds: Option<i64>,
        policy: Option<String>,
        policy_arns: Vec<String>,
        tags: Vec<(String, String)>,
        transitive_tag_keys: Vec<String>,
        source_identity: Option<String>,
    },
}

/// The operation a request names, or `InvalidAction`/`MissingAction`.
fn parse(request: &QueryRequest) -> Result<Operation, WireError> {
    Ok(match request.action()? {
        "GetCallerIdentity" => Operation::GetCallerIdentity,
        "GetSessionToken" => Operation::GetSessionToken {
            duration_seconds: integer(request, "DurationSeconds")?,
        },
        "AssumeRole" => Operation::AssumeRole {
            role_arn: request.require("RoleArn")?.to_owned(),
            session_name: request.require("RoleSessionName")?.to_owned(),
            duration_seconds: integer(request, "DurationSeconds")?,
            policy: request.get("Policy").map(str::to_owned),
            policy_arns: request
                .structs("PolicyArns")
                .into_iter()
                .filter_map(|item| item.get("arn").map(|arn| (*arn).to_owned()))
                .collect(),
            tags: request
                .structs("Tags")
                .into_iter()
                .map(|tag| {
                    let field = |name: &str| tag.get(name).map_or_else(String::new, |v| (*v).to_owned());
                    (field("Key"), field("Value"))
                })
                .collect(),
            transitive_tag_keys: request
                .list("TransitiveTagKeys")
                .into_iter()
                .map(str::to_owned)
                .collect(),
            source_identity: request.get("SourceIdentity").map(str::to_owned),
        },
        _ => return Err(request.invalid_action()),
    })
}

fn integer(request: &QueryRequest, name: &str) -> Result<Option<i64>, WireError> {
    request
        .get(name)
        .map(|text| {
            text.parse().map_err(|_| {
                WireError::new(
                    400,
                    "ValidationError",
                    format!("Value '{text}' for {name} is not a number"),
                )
            })
        })
        .transpose()
}

pub async fn handle(services: &Services, caller: &Caller, call: &Call<'_>) -> HandlerResult {
    let Protocol::Query { namespace } = call.spec.protocol else {
        return Err(call.unknown_operation());
    };
    let request = QueryRequest::parse_with_url_query(call.query, call.body);
    let operation = parse(&request)?;
    let action = call.operation.as_str();
    let response = match operation {
        Operation::GetCallerIdentity => {
            let identity = services.sts.get_caller_identity(caller);
            let result = GetCallerIdentityResult {
                user_id: &identity.user_id,
                account: &identity.account,
                arn: &identity.arn,
            };
            query::render_success(action, namespace, call.request_id, |w| result.write(w))
        }
        Operation::GetSessionToken { duration_seconds } => {
            let credentials = services
                .sts
                .get_session_token(caller, duration_seconds)
                .map_err(|err| errors::service_error(&err, call.spec))?;
            let expiration = Timestamp::from_unix_millis(
                (credentials.expiration.unix_timestamp_nanos() / 1_000_000) as i64,
            );
            // The one place these secrets are exposed: to write them to the caller.
            let result = GetSessionTokenResult {
                credentials: Credentials {
                    access_key_id: &credentials.access_key_id,
                    secret_access_key: credentials.secret_access_key.expose_secret(),
                    session_token: credentials.session_token.expose_secret(),
                    expiration,
                },
            };
            query::render_success(action, namespace, call.request_id, |w| result.write(w))
        }
        Operation::AssumeRole {
            role_arn,
            session_name,
            duration_seconds,
            policy,
            policy_arns,
            tags,
            transitive_tag_keys,
            source_identity,
        } => {
            let input = AssumeRoleInput {
                role_arn: &role_arn,
                session_name: &session_name,
                duration_seconds,
                policy: policy.as_deref(),
                policy_arns: &policy_arns,
                tags: &tags,
                transitive_tag_keys: &transitive_tag_keys,
                source_identity: source_identity.as_deref(),
            };
            let assumed = services
                .sts
                .assume_role(&services.authz, caller, &input)
                .await
                .map_err(|err| errors::iam_error(&err, call.spec))?;
            let credentials = &assumed.credentials;
            let expiration = Timestamp::from_unix_millis(
                (credentials.expiration.unix_timestamp_nanos() / 1_000_000) as i64,
            );
            // The one place these secrets are exposed: to write them to the caller.
            let result = AssumeRoleResult {
                credentials: Credentials {
                    access_key_id: &credentials.access_key_id,
                    secret_access_key: credentials.secret_access_key.expose_secret(),
                    session_token: credentials.session_token.expose_secret(),
                    expiration,
                },
                assumed_role_user: AssumedRoleUser {
                    assumed_role_id: &assumed.assumed_role_id,
                    arn: &assumed.arn,
                },
                packed_policy_size: assumed.packed_policy_size,
                source_identity: assumed.source_identity.as_deref(),
            };
            query::render_success(action, namespace, call.request_id, |w| result.write(w))
        }
    };
    Ok(Reply {
        response,
        resource: None,
        read_only: true,
    })
}
