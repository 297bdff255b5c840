//! Secrets Manager over awsJson1_1: parse the operation, call the service, render the reply.
//!
//! This is the one place where secret values are exposed for the wire (GetSecretValue, BatchGetSecretValue,
//! GetRandomPassword) and where wire shapes meet the service's domain types.

use secrecy::ExposeSecret as _;
use strongroom_api::Timestamp;
use strongroom_api::json;
use strongroom_api::secretsmanager::{self as sm, Blob, Operation};
use strongroom_crypto::random::PasswordRules;
use strongroom_crypto::{SecretBytes, SecretString};
use strongroom_service::rotation::RotateRequest;
use strongroom_service::rotation::events::EventName;
use strongroom_service::secrets::{
    BatchEntry, CreateSecret, Filter, FilterKey, ListQuery, SecretPayload, SecretValue, SecretsError,
    StageUpdate, UpdateSecret,
};
use strongroom_service::{Caller, Services};
use strongroom_store::secrets::{ReplicaRecord, SecretRecord, Tag};
use strongroom_types::OffsetDateTime;

use crate::errors::secrets_error;
use crate::http::dispatch::{Call, HandlerResult, Reply};

pub async fn handle(services: &Services, caller: &Caller, call: &Call<'_>) -> HandlerResult {
    let operation = Operation::parse(&call.operation, call.body)?;
    let read_only = matches!(
        operation,
        Operation::GetSecretValue(_)
            | Operation::BatchGetSecretValue(_)
            | Operation::DescribeSecret(_)
            | Operation::ListSecrets(_)
            | Operation::ListSecretVersionIds(_)
            | Operation::GetResourcePolicy(_)
            | Operation::ListResourcePolicies(_)
            | Operation::ValidateResourcePolicy(_)
            | Operation::GetRandomPassword(_)
    );
    let (response, resource) = run(services, caller, operation)
        .await
        .map_err(|err| secrets_error(&err))?;
    Ok(Reply {
        response,
        resource,
        read_only,
    })
}

type Outcome = Result<(strongroom_api::WireResponse, Option<String>), SecretsError>;

fn reply<T: serde::Serialize>(output: &T, resource: Option<String>) -> Outcome {
    Ok((json::render(output), resource))
}

async fn run(services: &Services, caller: &Caller, operation: Operation) -> Outcome {
    let secrets = &services.secrets;
    let authz = &services.authz;
    match operation {
        Operation::CreateSecret(input) => {
            if input.cross_account_primary_arn.is_some() {
                return Err(unsupported("Cross-account replicas"));
            }
            let value = payload(input.secret_string, input.secret_binary)?;
            let add_replica_regions = input
                .add_replica_regions
                .unwrap_or_default()
                .into_iter()
                .filter_map(|r| Some((r.region?, r.kms_key_id)))
                .collect();
            let created = secrets
                .create_secret(
                    authz,
                    caller,
                    CreateSecret {
                        name: input.name,
                        client_request_token: input.client_request_token,
                        description: input.description,
                        kms_key_id: input.kms_key_id,
                        value,
                        tags: input.tags.map(tags_in),
                        add_replica_regions,
                        force_overwrite_replica_secret: input.force_overwrite_replica_secret.unwrap_or(false),
                        secret_type: input.secret_type,
                    },
                )
                .await?;
            let replication_status = (!created.replicas.is_empty()).then(|| replicas_out(&created.replicas));
            changed(
                services,
                caller,
                EventName::SecretCreated,
                &created.arn,
                created.version_id.as_deref(),
            )
            .await;
            let output = sm::CreateSecretOutput {
                arn: created.arn.clone(),
                name: created.name,
                version_id: created.version_id,
                replication_status,
            };
            reply(&output, Some(created.arn))
        }
        Operation::GetSecretValue(input) => {
            let value = secrets
                .get_secret_value(
                    authz,
                    caller,
                    &input.secret_id,
                    input.version_id.as_deref(),
                    input.version_stage.as_deref(),
                )
                .await?;
            let arn = value.arn.clone();
            reply(&value_out(value), Some(arn))
        }
        Operation::BatchGetSecretValue(input) => {
            let filters = input.filters.map(filters_in).transpose()?;
            let max_results = input.max_results.map(|n| n.max(1) as u32);
            let (entries, next_token) = secrets
                .batch_get_secret_value(
                    authz,
                    caller,
                    input.secret_id_list,
                    filters,
                    max_results,
                    input.next_token,
                )
                .await?;
            let mut output = sm::BatchGetSecretValueOutput {
                secret_values: Vec::new(),
                next_token,
                errors: Vec::new(),
            };
            for entry in entries {
                match entry {
                    BatchEntry::Value(value) => {
                        let value = value_out(value);
                        output.secret_values.push(sm::SecretValueEntry {
                            arn: value.arn,
                            name: value.name,
                            version_id: value.version_id,
                            secret_binary: value.secret_binary,
                            secret_string: value.secret_string,
                            version_stages: value.version_stages,
                            created_date: value.created_date,
                        });
                    }
                    BatchEntry::Error {
                        secret_id,
                        code,
                        message,
                    } => {
                        output.errors.push(sm::ApiErrorType {
                            secret_id,
                            error_code: code.to_owned(),
                            message,
                        });
                    }
                }
            }
            reply(&output, None)
        }
        Operation::PutSecretValue(input) => {
            let value = payload(input.secret_string, input.secret_binary)?;
            let written = secrets
                .put_secret_value(
                    authz,
                    caller,
                    &input.secret_id,
                    input.client_request_token,
                    value,
                    input.version_stages,
                )
                .await?;
            changed(
                services,
                caller,
                EventName::SecretValueChanged,
                &written.arn,
                written.version_id.as_deref(),
            )
            .await;
            deprecated(services, caller, &written.arn, &written.deprecated_versions).await;
            let output = sm::PutSecretValueOutput {
                arn: written.arn.clone(),
                name: written.name,
                version_id: written.version_id.unwrap_or_default(),
                version_stages: written.version_stages,
            };
            reply(&output, Some(written.arn))
        }
        Operation::UpdateSecret(input) => {
            let value = payload(input.secret_string, input.secret_binary)?;
            let written = secrets
                .update_secret(
                    authz,
                    caller,
                    &input.secret_id,
                    UpdateSecret {
                        client_request_token: input.client_request_token,
                        description: input.description,
                        kms_key_id: input.kms_key_id,
                        value,
                    },
                )
                .await?;
            if written.version_id.is_some() {
                changed(
                    services,
                    caller,
                    EventName::SecretValueChanged,
                    &written.arn,
                    written.version_id.as_deref(),
                )
                .await;
                deprecated(services, caller, &written.arn, &written.deprecated_versions).await;
            }
            let output = sm::UpdateSecretOutput {
                arn: written.arn.clone(),
                name: written.name,
                version_id: written.version_id,
            };
            reply(&output, Some(written.arn))
        }
        Operation::DescribeSecret(input) => {
            let record = secrets.describe_secret(authz, caller, &input.secret_id).await?;
            let arn = record.arn.clone();
            reply(&describe_out(record), Some(arn))
        }
        Operation::ListSecrets(input) => {
            let filters = input
                .filters
                .clone()
                .map(filters_in)
                .transpose()?
                .unwrap_or_default();
            let query = ListQuery {
                filters,
                include_planned_deletion: input.include_planned_deletion.unwrap_or(false),
                max_results: input.max_results.map(|n| n.max(1) as u32),
                next_token: input.next_token.clone(),
                descending: matches!(input.sort_order(), Some(sm::SortOrderType::Desc)),
                by_name: matches!(input.sort_by(), Some(sm::SortByType::Name)),
            };
            let list = secrets.list_secrets(authz, caller, &query).await?;
            let output = sm::ListSecretsOutput {
                secret_list: list.secrets.into_iter().map(list_entry_out).collect(),
                next_token: list.next_token,
            };
            reply(&output, None)
        }
        Operation::ListSecretVersionIds(input) => {
            let (record, versions, next_token) = secrets
                .list_secret_version_ids(
                    authz,
                    caller,
                    &input.secret_id,
                    input.include_deprecated.unwrap_or(false),
                    input.max_results.map(|n| n.max(1) as u32),
                    input.next_token.as_deref(),
                )
                .await?;
            let output = sm::ListSecretVersionIdsOutput {
                versions: versions
                    .into_iter()
                    .map(|v| sm::SecretVersionsListEntry {
                        version_id: v.version_id,
                        version_stages: (!v.stages.is_empty()).then_some(v.stages),
                        last_accessed_date: v.last_accessed_at.map(timestamp),
                        created_date: Some(timestamp(v.created_at)),
                        kms_key_ids: (!v.kms_key_ids.is_empty()).then_some(v.kms_key_ids),
                    })
                    .collect(),
                next_token,
                arn: record.arn.clone(),
                name: record.name,
            };
            reply(&output, Some(record.arn))
        }
        Operation::UpdateSecretVersionStage(input) => {
            let StageUpdate {
                record,
                deprecated_versions,
            } = secrets
                .update_secret_version_stage(
                    authz,
                    caller,
                    &input.secret_id,
                    &input.version_stage,
                    input.remove_from_version_id.as_deref(),
                    input.move_to_version_id.as_deref(),
                )
                .await?;
            deprecated(services, caller, &record.arn, &deprecated_versions).await;
            reply(
                &sm::UpdateSecretVersionStageOutput {
                    arn: record.arn.clone(),
                    name: record.name,
                },
                Some(record.arn),
            )
        }
        Operation::DeleteSecret(input) => {
            let deleted = secrets
                .delete_secret(
                    authz,
                    caller,
                    &input.secret_id,
                    input.recovery_window_in_days,
                    input.force_delete_without_recovery,
                )
                .await?;
            changed(services, caller, EventName::SecretDeleted, &deleted.arn, None).await;
            let output = sm::DeleteSecretOutput {
                arn: deleted.arn.clone(),
                name: deleted.name,
                deletion_date: timestamp(deleted.deletion_date),
            };
            reply(&output, Some(deleted.arn))
        }
        Operation::RestoreSecret(input) => {
            let record = secrets.restore_secret(authz, caller, &input.secret_id).await?;
            changed(services, caller, EventName::SecretRestored, &record.arn, None).await;
            reply(
                &sm::RestoreSecretOutput {
                    arn: record.arn.clone(),
                    name: record.name,
                },
                Some(record.arn),
            )
        }
        Operation::TagResource(input) => {
            secrets
                .tag_resource(authz, caller, &input.secret_id, tags_in(input.tags))
                .await?;
            reply(&sm::TagResourceOutput {}, None)
        }
        Operation::UntagResource(input) => {
            secrets
                .untag_resource(authz, caller, &input.secret_id, input.tag_keys)
                .await?;
            reply(&sm::UntagResourceOutput {}, None)
        }
        Operation::GetRandomPassword(input) => {
            let defaults = PasswordRules::default();
            let rules = PasswordRules {
                length: input
                    .password_length
                    .map_or(defaults.length, |n| n.max(0) as usize),
                exclude_characters: input.exclude_characters.unwrap_or_default(),
                exclude_numbers: input.exclude_numbers.unwrap_or(false),
                exclude_punctuation: input.exclude_punctuation.unwrap_or(false),
                exclude_uppercase: input.exclude_uppercase.unwrap_or(false),
                exclude_lowercase: input.exclude_lowercase.unwrap_or(false),
                include_space: input.include_space.unwrap_or(false),
                require_each_included_type: input.require_each_included_type.unwrap_or(true),
            };
            let password = secrets.get_random_password(&rules)?;
            reply(
                &sm::GetRandomPasswordOutput {
                    random_password: password.expose_secret().to_owned(),
                },
                None,
            )
        }
        Operation::PutResourcePolicy(input) => {
            let record = secrets
                .put_resource_policy(
                    authz,
                    caller,
                    &input.secret_id,
                    &input.resource_policy,
                    input.block_public_policy.unwrap_or(false),
                    input.policy_name.as_deref(),
                )
                .await?;
            let output = sm::PutResourcePolicyOutput {
                arn: record.arn.clone(),
                name: record.name,
                policy_name: input.policy_name,
            };
            reply(&output, Some(record.arn))
        }
        Operation::GetResourcePolicy(input) => {
            let record = secrets
                .get_resource_policy(authz, caller, &input.secret_id, input.policy_name.as_deref())
                .await?;
            let output = sm::GetResourcePolicyOutput {
                arn: record.arn.clone(),
                name: record.name,
                resource_policy: record.resource_policy,
                policy_name: input.policy_name,
            };
            reply(&output, Some(record.arn))
        }
        Operation::DeleteResourcePolicy(input) => {
            let record = secrets
                .delete_resource_policy(authz, caller, &input.secret_id, input.policy_name.as_deref())
                .await?;
            let output = sm::DeleteResourcePolicyOutput {
                arn: record.arn.clone(),
                name: record.name,
                policy_name: input.policy_name,
            };
            reply(&output, Some(record.arn))
        }
        Operation::ListResourcePolicies(input) => {
            let record = secrets
                .get_resource_policy(authz, caller, &input.secret_id, None)
                .await?;
            let resource_policies = record
                .resource_policy
                .iter()
                .map(|_| sm::ResourcePolicySummary {
                    policy_name: "default".to_owned(),
                })
                .collect();
            reply(
                &sm::ListResourcePoliciesOutput {
                    resource_policies,
                    next_token: None,
                },
                Some(record.arn),
            )
        }
        Operation::ValidateResourcePolicy(input) => {
            let validation = secrets
                .validate_resource_policy(authz, caller, input.secret_id.as_deref(), &input.resource_policy)
                .await?;
            let output = sm::ValidateResourcePolicyOutput {
                policy_validation_passed: validation.passed,
                validation_errors: validation
                    .errors
                    .into_iter()
                    .map(|(check_name, error_message)| sm::ValidationErrorsEntry {
                        check_name,
                        error_message,
                    })
                    .collect(),
            };
            reply(&output, None)
        }
        Operation::RotateSecret(input) => {
            if input.external_secret_rotation_metadata.is_some()
                || input.external_secret_rotation_role_arn.is_some()
            {
                return Err(unsupported("External secret rotation"));
            }
            let rules = input.rotation_rules.unwrap_or_default();
            let (record, version_id) = services
                .rotation
                .rotate_secret(
                    services,
                    caller,
                    RotateRequest {
                        secret_id: input.secret_id,
                        client_request_token: input.client_request_token,
                        lambda_arn: input.rotation_lambda_arn,
                        automatically_after_days: rules.automatically_after_days,
                        schedule_expression: rules.schedule_expression,
                        duration: rules.duration,
                        rotate_immediately: input.rotate_immediately,
                    },
                )
                .await?;
            let output = sm::RotateSecretOutput {
                arn: record.arn.clone(),
                name: record.name,
                version_id,
            };
            reply(&output, Some(record.arn))
        }
        Operation::CancelRotateSecret(input) => {
            let (record, version_id) = services
                .rotation
                .cancel_rotate_secret(services, caller, &input.secret_id)
                .await?;
            let output = sm::CancelRotateSecretOutput {
                arn: record.arn.clone(),
                name: record.name,
                version_id,
            };
            reply(&output, Some(record.arn))
        }
        Operation::ReplicateSecretToRegions(input) => {
            let regions = input
                .add_replica_regions
                .into_iter()
                .filter_map(|r| Some((r.region?, r.kms_key_id)))
                .collect();
            let record = secrets
                .replicate_secret_to_regions(
                    authz,
                    caller,
                    &input.secret_id,
                    regions,
                    input.force_overwrite_replica_secret.unwrap_or(false),
                )
                .await?;
            let output = sm::ReplicateSecretToRegionsOutput {
                arn: record.arn.clone(),
                replication_status: replicas_out(&record.replicas),
            };
            reply(&output, Some(record.arn))
        }
        Operation::RemoveRegionsFromReplication(input) => {
            let record = secrets
                .remove_regions_from_replication(
                    authz,
                    caller,
                    &input.secret_id,
                    input.remove_replica_regions,
                )
                .await?;
            let output = sm::RemoveRegionsFromReplicationOutput {
                arn: record.arn.clone(),
                replication_status: replicas_out(&record.replicas),
            };
            reply(&output, Some(record.arn))
        }
        Operation::StopReplicationToReplica(input) => {
            let record = secrets
                .stop_replication_to_replica(authz, caller, &input.secret_id)
                .await?;
            reply(
                &sm::StopReplicationToReplicaOutput {
                    arn: record.arn.clone(),
                },
                Some(record.arn),
            )
        }
        Operation::AssociateCrossAccountReplica(_) | Operation::DisassociateCrossAccountReplica(_) => {
            Err(unsupported("Cross-account replicas"))
        }
    }
}

fn unsupported(feature: &str) -> SecretsError {
    SecretsError::InvalidRequest(format!(
        "{feature} are not supported by this Secrets Manager endpoint."
    ))
}

/// The value given as `SecretString` or `SecretBinary`; both at once is refused.
fn payload(string: Option<String>, binary: Option<Blob>) -> Result<Option<SecretPayload>, SecretsError> {
    match (string, binary) {
        (Some(_), Some(_)) => Err(SecretsError::InvalidParameter(
            "You can't specify both a binary secret value and a string secret value in the same secret."
                .to_owned(),
        )),
        (Some(text), None) => Ok(Some(SecretPayload::String(SecretString::from(text)))),
        (None, Some(blob)) => Ok(Some(SecretPayload::Binary(SecretBytes::from_vec(
            blob.into_bytes(),
        )))),
        (None, None) => Ok(None),
    }
}

fn value_out(value: SecretValue) -> sm::GetSecretValueOutput {
    // The one place a stored value is exposed: to write it to its authorized caller.
    let (secret_string, secret_binary) = match &value.payload {
        SecretPayload::String(text) => (Some(text.expose_secret().to_owned()), None),
        SecretPayload::Binary(bytes) => (None, Some(Blob::new(bytes.expose_secret().to_vec()))),
    };
    sm::GetSecretValueOutput {
        arn: value.arn,
        name: value.name,
        version_id: value.version_id,
        secret_binary,
        secret_string,
        version_stages: Some(value.version_stages),
        created_date: Some(timestamp(value.created_at)),
    }
}

/// Tells the notification subscriptions about a change to a secret.
async fn changed(services: &Services, caller: &Caller, name: EventName, arn: &str, version: Option<&str>) {
    strongroom_service::rotation::events::secret_changed(services, caller, name, arn, version).await;
}

/// Tells the notification subscriptions about each version a change deprecated (it lost its last label).
async fn deprecated(services: &Services, caller: &Caller, arn: &str, versions: &[String]) {
    for version in versions {
        changed(
            services,
            caller,
            EventName::SecretVersionDeprecated,
            arn,
            Some(version),
        )
        .await;
    }
}

fn timestamp(t: OffsetDateTime) -> Timestamp {
    Timestamp::from_unix_millis((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

fn tags_in(tags: Vec<sm::Tag>) -> Vec<Tag> {
    tags.into_iter()
        .map(|t| Tag {
            key: t.key.unwrap_or_default(),
            value: t.value.unwrap_or_default(),
        })
        .collect()
}

fn tags_out(tags: Option<Vec<Tag>>) -> Option<Vec<sm::Tag>> {
    tags.map(|tags| tags.into_iter().map(|t| sm::Tag::new(t.key, t.value)).collect())
}

fn filters_in(filters: Vec<sm::Filter>) -> Result<Vec<Filter>, SecretsError> {
    filters
        .into_iter()
        .map(|filter| {
            let key = filter
                .key
                .as_deref()
                .and_then(FilterKey::parse)
                .ok_or_else(|| SecretsError::InvalidParameter("Invalid filter key".to_owned()))?;
            let values = filter.values.filter(|v| !v.is_empty()).ok_or_else(|| {
                SecretsError::InvalidParameter(format!(
                    "Invalid filter values for key: {}",
                    filter.key.unwrap_or_default()
                ))
            })?;
            Ok(Filter { key, values })
        })
        .collect()
}

fn replicas_out(replicas: &[ReplicaRecord]) -> Vec<sm::ReplicationStatusType> {
    replicas
        .iter()
        .map(|r| sm::ReplicationStatusType {
            region: r.region.clone(),
            kms_key_id: r.kms_key_id.clone(),
            status: sm::StatusType::from_wire(&r.status),
            status_message: r.status_message.clone(),
            last_accessed_date: r.last_accessed_at.map(timestamp),
        })
        .collect()
}

fn versions_to_stages(record: &SecretRecord) -> Option<sm::VersionsToStages> {
    let map: sm::VersionsToStages = record
        .versions
        .iter()
        .filter(|v| !v.stages.is_empty())
        .map(|v| (v.version_id.clone(), v.stages.clone()))
        .collect();
    (!map.is_empty()).then_some(map)
}

fn rotation_rules(record: &SecretRecord) -> Option<sm::RotationRulesType> {
    let rotation = record.rotation.as_ref()?;
    if rotation.automatically_after_days.is_none() && rotation.schedule_expression.is_none() {
        return None;
    }
    Some(sm::RotationRulesType {
        automatically_after_days: rotation.automatically_after_days,
        duration: rotation.duration.clone(),
        schedule_expression: rotation.schedule_expression.clone(),
    })
}

fn describe_out(record: SecretRecord) -> sm::DescribeSecretOutput {
    let rotation = record.rotation.clone();
    sm::DescribeSecretOutput {
        version_ids_to_stages: versions_to_stages(&record),
        rotation_rules: rotation_rules(&record),
        replication_status: (!record.replicas.is_empty()).then(|| replicas_out(&record.replicas)),
        arn: record.arn,
        name: record.name,
        secret_type: record.secret_type,
        description: record.description,
        kms_key_id: record.kms_key_id,
        rotation_enabled: rotation.as_ref().map(|r| r.enabled),
        rotation_lambda_arn: rotation.as_ref().and_then(|r| r.lambda_arn.clone()),
        external_secret_rotation_metadata: None,
        external_secret_rotation_role_arn: None,
        last_rotated_date: rotation.as_ref().and_then(|r| r.last_rotated_at).map(timestamp),
        last_changed_date: Some(timestamp(record.last_changed_at)),
        last_accessed_date: record.last_accessed_at.map(timestamp),
        deleted_date: record.deleted_at.map(timestamp),
        next_rotation_date: rotation
            .as_ref()
            .filter(|r| r.enabled)
            .and_then(|r| r.next_rotation_at)
            .map(timestamp),
        tags: tags_out(record.tags),
        owning_service: record.owning_service,
        created_date: Some(timestamp(record.created_at)),
        primary_region: record.primary_region,
        cross_account_primary: None,
        cross_account_replicas: None,
    }
}

fn list_entry_out(record: SecretRecord) -> sm::SecretListEntry {
    let d = describe_out(record);
    sm::SecretListEntry {
        arn: d.arn,
        name: d.name,
        secret_type: d.secret_type,
        description: d.description,
        kms_key_id: d.kms_key_id,
        rotation_enabled: d.rotation_enabled,
        rotation_lambda_arn: d.rotation_lambda_arn,
        rotation_rules: d.rotation_rules,
        external_secret_rotation_metadata: None,
        external_secret_rotation_role_arn: None,
        last_rotated_date: d.last_rotated_date,
        last_changed_date: d.last_changed_date,
        last_accessed_date: d.last_accessed_date,
        deleted_date: d.deleted_date,
        next_rotation_date: d.next_rotation_date,
        tags: d.tags,
        secret_versions_to_stages: d.version_ids_to_stages,
        owning_service: d.owning_service,
        created_date: d.created_date,
        primary_region: d.primary_region,
    }
}
