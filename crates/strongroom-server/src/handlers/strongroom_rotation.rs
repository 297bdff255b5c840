//! Strongroom's rotation API over awsJson1_1 (`StrongroomRotation.*`): rotation functions and notification
//! subscriptions. Parse the operation, call `strongroom_service::rotation`, render the reply.

use secrecy::ExposeSecret as _;
use strongroom_api::strongroom_rotation::{
    CreateSubscriptionRequest, DeadLetter, Empty, EmptyResponse, FunctionInfo, FunctionNameRequest,
    FunctionRequest, FunctionResponse, ListDeadLettersRequest, ListDeadLettersResponse,
    ListFunctionsResponse, ListSubscriptionsResponse, SigningKey, SubscriptionIdRequest, SubscriptionInfo,
    SubscriptionResponse,
};
use strongroom_api::{Timestamp, WireError, json};
use strongroom_service::rotation::registry::FunctionInput;
use strongroom_service::{Caller, ServiceError, Services};
use strongroom_store::rotation::{RotationFunctionRecord, SubscriptionRecord};
use strongroom_types::OffsetDateTime;

use crate::errors;
use crate::http::dispatch::{Call, HandlerResult, Reply};

/// Most dead letters one ListDeadLetters call returns.
const MAX_DEAD_LETTERS: u32 = 100;

/// Every operation of the rotation API.
enum Operation {
    CreateRotationFunction(FunctionRequest),
    GetRotationFunction(FunctionNameRequest),
    ListRotationFunctions(Empty),
    UpdateRotationFunction(FunctionRequest),
    DeleteRotationFunction(FunctionNameRequest),
    CreateSubscription(CreateSubscriptionRequest),
    ListSubscriptions(Empty),
    DeleteSubscription(SubscriptionIdRequest),
    ListDeadLetters(ListDeadLettersRequest),
}

fn parse(call: &Call<'_>) -> Result<Operation, WireError> {
    let body = call.body;
    Ok(match call.operation.as_str() {
        "CreateRotationFunction" => Operation::CreateRotationFunction(json::parse_body(body)?),
        "GetRotationFunction" => Operation::GetRotationFunction(json::parse_body(body)?),
        "ListRotationFunctions" => Operation::ListRotationFunctions(json::parse_body(body)?),
        "UpdateRotationFunction" => Operation::UpdateRotationFunction(json::parse_body(body)?),
        "DeleteRotationFunction" => Operation::DeleteRotationFunction(json::parse_body(body)?),
        "CreateSubscription" => Operation::CreateSubscription(json::parse_body(body)?),
        "ListSubscriptions" => Operation::ListSubscriptions(json::parse_body(body)?),
        "DeleteSubscription" => Operation::DeleteSubscription(json::parse_body(body)?),
        "ListDeadLetters" => Operation::ListDeadLetters(json::parse_body(body)?),
        _ => return Err(call.unknown_operation()),
    })
}

fn timestamp(at: OffsetDateTime) -> Timestamp {
    Timestamp::from_unix_millis((at.unix_timestamp_nanos() / 1_000_000) as i64)
}

fn function_info(function: RotationFunctionRecord) -> FunctionInfo {
    FunctionInfo {
        function_arn: function.arn,
        function_name: function.name,
        kind: function.kind,
        configuration: function.config,
        role: function.role_arn,
        created_date: timestamp(function.created_at),
        last_modified: timestamp(function.updated_at),
    }
}

fn subscription_info(subscription: SubscriptionRecord) -> SubscriptionInfo {
    SubscriptionInfo {
        subscription_id: subscription.id,
        url: subscription.url,
        event_names: subscription.event_names,
        secret_id: subscription.secret_arn,
        created_date: timestamp(subscription.created_at),
    }
}

fn input(request: FunctionRequest) -> FunctionInput {
    FunctionInput {
        name: request.function_name,
        kind: request.kind,
        config: request.configuration,
        role_arn: request.role,
    }
}

fn reply<T: serde::Serialize>(output: &T, resource: Option<String>, read_only: bool) -> HandlerResult {
    Ok(Reply {
        response: json::render(output),
        resource,
        read_only,
    })
}

pub async fn handle(services: &Services, caller: &Caller, call: &Call<'_>) -> HandlerResult {
    let operation = parse(call)?;
    let rotation = &services.rotation;
    let fail = |err: ServiceError| errors::service_error(&err, call.spec);
    match operation {
        Operation::CreateRotationFunction(request) => {
            let created = rotation
                .create_function(services, caller, input(request))
                .await
                .map_err(fail)?;
            let arn = created.record.arn.clone();
            let output = FunctionResponse {
                function: function_info(created.record),
                signing_key: created
                    .signing_key
                    .map(|key| SigningKey(key.expose_secret().to_owned())),
            };
            reply(&output, Some(arn), false)
        }
        Operation::GetRotationFunction(request) => {
            let function = rotation
                .get_function(services, caller, &request.function_name)
                .await
                .map_err(fail)?;
            let arn = function.arn.clone();
            let output = FunctionResponse {
                function: function_info(function),
                signing_key: None,
            };
            reply(&output, Some(arn), true)
        }
        Operation::ListRotationFunctions(Empty {}) => {
            let functions = rotation.list_functions(services, caller).await.map_err(fail)?;
            let output = ListFunctionsResponse {
                functions: functions.into_iter().map(function_info).collect(),
            };
            reply(&output, None, true)
        }
        Operation::UpdateRotationFunction(request) => {
            // A function that became a webhook has a new signing key: shown in this answer only.
            let updated = rotation
                .update_function(services, caller, input(request))
                .await
                .map_err(fail)?;
            let arn = updated.record.arn.clone();
            let output = FunctionResponse {
                function: function_info(updated.record),
                signing_key: updated
                    .signing_key
                    .map(|key| SigningKey(key.expose_secret().to_owned())),
            };
            reply(&output, Some(arn), false)
        }
        Operation::DeleteRotationFunction(request) => {
            rotation
                .delete_function(services, caller, &request.function_name)
                .await
                .map_err(fail)?;
            reply(&EmptyResponse {}, None, false)
        }
        Operation::CreateSubscription(request) => {
            let created = rotation
                .create_subscription(
                    services,
                    caller,
                    &request.url,
                    request.event_names.unwrap_or_default(),
                    request.secret_id,
                )
                .await
                .map_err(fail)?;
            let output = SubscriptionResponse {
                subscription: subscription_info(created.record),
                signing_key: created
                    .signing_key
                    .map(|key| SigningKey(key.expose_secret().to_owned())),
            };
            reply(&output, None, false)
        }
        Operation::ListSubscriptions(Empty {}) => {
            let subscriptions = rotation
                .list_subscriptions(services, caller)
                .await
                .map_err(fail)?;
            let output = ListSubscriptionsResponse {
                subscriptions: subscriptions.into_iter().map(subscription_info).collect(),
            };
            reply(&output, None, true)
        }
        Operation::DeleteSubscription(request) => {
            rotation
                .delete_subscription(services, caller, &request.subscription_id)
                .await
                .map_err(fail)?;
            reply(&EmptyResponse {}, None, false)
        }
        Operation::ListDeadLetters(request) => {
            let limit = request
                .max_results
                .unwrap_or(MAX_DEAD_LETTERS)
                .clamp(1, MAX_DEAD_LETTERS);
            let dead = rotation
                .dead_letters(services, caller, limit)
                .await
                .map_err(fail)?;
            let output = ListDeadLettersResponse {
                dead_letters: dead
                    .into_iter()
                    .map(|d| DeadLetter {
                        delivery_id: d.id,
                        subscription_id: d.subscription_id,
                        event: d.event,
                        attempts: d.attempts,
                        last_error: d.last_error,
                        created_date: timestamp(d.created_at),
                    })
                    .collect(),
            };
            reply(&output, None, true)
        }
    }
}
