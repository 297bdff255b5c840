//! KMS over awsJson1_1: parse the operation, call the service, render the reply.

use strongroom_api::json;
use strongroom_api::kms::{
    AliasListEntry, AliasRequest, Blob, CreateKeyRequest, DecryptRequest, DecryptResponse,
    DeleteAliasRequest, Empty, EnableKeyRotationRequest, EncryptRequest, EncryptResponse,
    GenerateDataKeyRequest, GenerateDataKeyResponse, GetKeyPolicyRequest, GetKeyPolicyResponse,
    GetKeyRotationStatusResponse, KeyIdRequest, KeyIdResponse, KeyListEntry, KeyMetadata,
    KeyMetadataResponse, ListAliasesRequest, ListAliasesResponse, ListKeyPoliciesRequest,
    ListKeyPoliciesResponse, ListKeysRequest, ListKeysResponse, ListResourceTagsRequest,
    ListResourceTagsResponse, PutKeyPolicyRequest, ReEncryptRequest, ReEncryptResponse,
    ScheduleKeyDeletionRequest, ScheduleKeyDeletionResponse, TagResourceRequest, UntagResourceRequest,
};
use strongroom_api::{Timestamp, WireError, WireResponse};
use strongroom_crypto::EncryptionContext;
use strongroom_service::kms::{self, CreateKeyInput, DataKeySize, KeyRecord, KmsError, Tag};
use strongroom_service::{Caller, Services};
use strongroom_types::OffsetDateTime;

use crate::errors;
use crate::http::dispatch::{Call, HandlerResult, Reply};

/// Every KMS operation Strongroom serves.
enum Operation {
    CreateKey(CreateKeyRequest),
    DescribeKey(KeyIdRequest),
    ListKeys(ListKeysRequest),
    EnableKey(KeyIdRequest),
    DisableKey(KeyIdRequest),
    ScheduleKeyDeletion(ScheduleKeyDeletionRequest),
    CancelKeyDeletion(KeyIdRequest),
    CreateAlias(AliasRequest),
    UpdateAlias(AliasRequest),
    DeleteAlias(DeleteAliasRequest),
    ListAliases(ListAliasesRequest),
    Encrypt(EncryptRequest),
    Decrypt(DecryptRequest),
    ReEncrypt(ReEncryptRequest),
    GenerateDataKey(GenerateDataKeyRequest),
    GenerateDataKeyWithoutPlaintext(GenerateDataKeyRequest),
    EnableKeyRotation(EnableKeyRotationRequest),
    DisableKeyRotation(KeyIdRequest),
    GetKeyRotationStatus(KeyIdRequest),
    RotateKeyOnDemand(KeyIdRequest),
    TagResource(TagResourceRequest),
    UntagResource(UntagResourceRequest),
    ListResourceTags(ListResourceTagsRequest),
    GetKeyPolicy(GetKeyPolicyRequest),
    PutKeyPolicy(PutKeyPolicyRequest),
    ListKeyPolicies(ListKeyPoliciesRequest),
}

fn parse(call: &Call<'_>) -> Result<Operation, WireError> {
    let body = call.body;
    Ok(match call.operation.as_str() {
        "CreateKey" => Operation::CreateKey(json::parse_body(body)?),
        "DescribeKey" => Operation::DescribeKey(json::parse_body(body)?),
        "ListKeys" => Operation::ListKeys(json::parse_body(body)?),
        "EnableKey" => Operation::EnableKey(json::parse_body(body)?),
        "DisableKey" => Operation::DisableKey(json::parse_body(body)?),
        "ScheduleKeyDeletion" => Operation::ScheduleKeyDeletion(json::parse_body(body)?),
        "CancelKeyDeletion" => Operation::CancelKeyDeletion(json::parse_body(body)?),
        "CreateAlias" => Operation::CreateAlias(json::parse_body(body)?),
        "UpdateAlias" => Operation::UpdateAlias(json::parse_body(body)?),
        "DeleteAlias" => Operation::DeleteAlias(json::parse_body(body)?),
        "ListAliases" => Operation::ListAliases(json::parse_body(body)?),
        "Encrypt" => Operation::Encrypt(json::parse_body(body)?),
        "Decrypt" => Operation::Decrypt(json::parse_body(body)?),
        "ReEncrypt" => Operation::ReEncrypt(json::parse_body(body)?),
        "GenerateDataKey" => Operation::GenerateDataKey(json::parse_body(body)?),
        "GenerateDataKeyWithoutPlaintext" => {
            Operation::GenerateDataKeyWithoutPlaintext(json::parse_body(body)?)
        }
        "EnableKeyRotation" => Operation::EnableKeyRotation(json::parse_body(body)?),
        "DisableKeyRotation" => Operation::DisableKeyRotation(json::parse_body(body)?),
        "GetKeyRotationStatus" => Operation::GetKeyRotationStatus(json::parse_body(body)?),
        "RotateKeyOnDemand" => Operation::RotateKeyOnDemand(json::parse_body(body)?),
        "TagResource" => Operation::TagResource(json::parse_body(body)?),
        "UntagResource" => Operation::UntagResource(json::parse_body(body)?),
        "ListResourceTags" => Operation::ListResourceTags(json::parse_body(body)?),
        "GetKeyPolicy" => Operation::GetKeyPolicy(json::parse_body(body)?),
        "PutKeyPolicy" => Operation::PutKeyPolicy(json::parse_body(body)?),
        "ListKeyPolicies" => Operation::ListKeyPolicies(json::parse_body(body)?),
        _ => return Err(call.unknown_operation()),
    })
}

fn timestamp(at: OffsetDateTime) -> Timestamp {
    Timestamp::from_unix_millis((at.unix_timestamp_nanos() / 1_000_000) as i64)
}

fn metadata(key: &KeyRecord) -> KeyMetadata {
    KeyMetadata {
        aws_account_id: key.account_id.to_string(),
        key_id: key.key_id.clone(),
        arn: key.arn.clone(),
        creation_date: timestamp(key.created_at),
        enabled: key.state == kms::KeyState::Enabled,
        description: key.description.clone(),
        key_usage: key.key_usage.clone(),
        key_state: key.state.as_str().to_owned(),
        deletion_date: key.deletion_date.map(timestamp),
        origin: "AWS_KMS".to_owned(),
        key_manager: key.key_manager.as_str().to_owned(),
        customer_master_key_spec: key.key_spec.clone(),
        key_spec: key.key_spec.clone(),
        encryption_algorithms: vec![kms::SYMMETRIC_DEFAULT.to_owned()],
        multi_region: false,
        pending_deletion_window_in_days: key.pending_window_days,
    }
}

fn context(pairs: Option<strongroom_api::kms::EncryptionContext>) -> EncryptionContext {
    pairs.map(EncryptionContext::from_pairs).unwrap_or_default()
}

fn tags(tags: Vec<strongroom_api::kms::Tag>) -> Vec<Tag> {
    tags.into_iter()
        .map(|t| Tag {
            key: t.tag_key,
            value: t.tag_value,
        })
        .collect()
}

/// A successful reply about `resource`.
fn reply(response: WireResponse, resource: Option<String>, read_only: bool) -> HandlerResult {
    Ok(Reply {
        response,
        resource,
        read_only,
    })
}

pub async fn handle(services: &Services, caller: &Caller, call: &Call<'_>) -> HandlerResult {
    let operation = parse(call)?;
    let (kms, authz) = (&services.kms, &services.authz);
    let fail = |err: KmsError| errors::kms_error(&err, call.spec);
    let empty = || json::render(&Empty {});
    match operation {
        Operation::CreateKey(request) => {
            let input = CreateKeyInput {
                description: request.description,
                key_usage: request.key_usage,
                key_spec: request.key_spec,
                customer_master_key_spec: request.customer_master_key_spec,
                origin: request.origin,
                custom_key_store_id: request.custom_key_store_id,
                xks_key_id: request.xks_key_id,
                multi_region: request.multi_region,
                policy: request.policy,
                tags: tags(request.tags.unwrap_or_default()),
                bypass_policy_lockout_safety_check: request
                    .bypass_policy_lockout_safety_check
                    .unwrap_or(false),
            };
            let key = kms.create_key(authz, caller, input).await.map_err(fail)?;
            let response = json::render(&KeyMetadataResponse {
                key_metadata: metadata(&key),
            });
            reply(response, Some(key.arn), false)
        }
        Operation::DescribeKey(request) => {
            let key = kms
                .describe_key(authz, caller, &request.key_id)
                .await
                .map_err(fail)?;
            let response = json::render(&KeyMetadataResponse {
                key_metadata: metadata(&key),
            });
            reply(response, Some(key.arn), true)
        }
        Operation::ListKeys(request) => {
            let page = kms
                .list_keys(authz, caller, request.limit, request.marker.as_deref())
                .await
                .map_err(fail)?;
            let response = json::render(&ListKeysResponse {
                keys: page
                    .items
                    .into_iter()
                    .map(|k| KeyListEntry {
                        key_id: k.key_id,
                        key_arn: k.arn,
                    })
                    .collect(),
                truncated: page.next_marker.is_some(),
                next_marker: page.next_marker,
            });
            reply(response, None, true)
        }
        Operation::EnableKey(request) => {
            let key = kms
                .enable_key(authz, caller, &request.key_id)
                .await
                .map_err(fail)?;
            reply(empty(), Some(key.arn), false)
        }
        Operation::DisableKey(request) => {
            let key = kms
                .disable_key(authz, caller, &request.key_id)
                .await
                .map_err(fail)?;
            reply(empty(), Some(key.arn), false)
        }
        Operation::ScheduleKeyDeletion(request) => {
            let key = kms
                .schedule_key_deletion(authz, caller, &request.key_id, request.pending_window_in_days)
                .await
                .map_err(fail)?;
            let (Some(deletion_date), Some(window)) = (key.deletion_date, key.pending_window_days) else {
                return Err(fail(KmsError::Service(
                    strongroom_service::ServiceError::Internal {
                        context: "a key scheduled for deletion has no deletion date",
                        source: None,
                    },
                )));
            };
            let response = json::render(&ScheduleKeyDeletionResponse {
                key_id: key.arn.clone(),
                deletion_date: timestamp(deletion_date),
                key_state: key.state.as_str().to_owned(),
                pending_window_in_days: window,
            });
            reply(response, Some(key.arn), false)
        }
        Operation::CancelKeyDeletion(request) => {
            let key = kms
                .cancel_key_deletion(authz, caller, &request.key_id)
                .await
                .map_err(fail)?;
            let response = json::render(&KeyIdResponse {
                key_id: key.arn.clone(),
            });
            reply(response, Some(key.arn), false)
        }
        Operation::CreateAlias(request) => {
            let alias = kms
                .create_alias(authz, caller, &request.alias_name, &request.target_key_id)
                .await
                .map_err(fail)?;
            reply(empty(), Some(alias_arn(caller, &alias.name)), false)
        }
        Operation::UpdateAlias(request) => {
            let alias = kms
                .update_alias(authz, caller, &request.alias_name, &request.target_key_id)
                .await
                .map_err(fail)?;
            reply(empty(), Some(alias_arn(caller, &alias.name)), false)
        }
        Operation::DeleteAlias(request) => {
            let arn = kms
                .delete_alias(authz, caller, &request.alias_name)
                .await
                .map_err(fail)?;
            reply(empty(), Some(arn), false)
        }
        Operation::ListAliases(request) => {
            let page = kms
                .list_aliases(
                    authz,
                    caller,
                    request.key_id.as_deref(),
                    request.limit,
                    request.marker.as_deref(),
                )
                .await
                .map_err(fail)?;
            let response = json::render(&ListAliasesResponse {
                aliases: page
                    .items
                    .into_iter()
                    .map(|a| AliasListEntry {
                        alias_name: a.name,
                        alias_arn: a.arn,
                        target_key_id: a.target_key_id,
                        creation_date: a.created_at.map(timestamp),
                        last_updated_date: a.updated_at.map(timestamp),
                    })
                    .collect(),
                truncated: page.next_marker.is_some(),
                next_marker: page.next_marker,
            });
            reply(response, None, true)
        }
        Operation::Encrypt(request) => {
            let sealed = kms
                .encrypt(
                    authz,
                    caller,
                    &request.key_id,
                    request.plaintext.as_bytes(),
                    &context(request.encryption_context),
                    request.encryption_algorithm.as_deref(),
                    request.dry_run.unwrap_or(false),
                )
                .await
                .map_err(fail)?;
            let response = json::render(&EncryptResponse {
                ciphertext_blob: Blob::new(sealed.blob),
                key_id: sealed.key_arn.clone(),
                encryption_algorithm: kms::SYMMETRIC_DEFAULT.to_owned(),
            });
            reply(response, Some(sealed.key_arn), true)
        }
        Operation::Decrypt(request) => {
            let blob = request.ciphertext_blob.map(Blob::into_bytes).unwrap_or_default();
            let opened = kms
                .decrypt(
                    authz,
                    caller,
                    &blob,
                    &context(request.encryption_context),
                    request.key_id.as_deref(),
                    request.encryption_algorithm.as_deref(),
                    request.dry_run.unwrap_or(false),
                )
                .await
                .map_err(fail)?;
            // The one place a decrypted plaintext is exposed: to write it to the caller.
            let response = json::render(&DecryptResponse {
                key_id: opened.key_arn.clone(),
                plaintext: Blob::new(opened.plaintext.expose_secret().to_vec()),
                encryption_algorithm: kms::SYMMETRIC_DEFAULT.to_owned(),
            });
            reply(response, Some(opened.key_arn), true)
        }
        Operation::ReEncrypt(request) => {
            let blob = request.ciphertext_blob.map(Blob::into_bytes).unwrap_or_default();
            let moved = kms
                .re_encrypt(
                    authz,
                    caller,
                    &blob,
                    &context(request.source_encryption_context),
                    request.source_key_id.as_deref(),
                    &request.destination_key_id,
                    &context(request.destination_encryption_context),
                    (
                        request.source_encryption_algorithm.as_deref(),
                        request.destination_encryption_algorithm.as_deref(),
                    ),
                    request.dry_run.unwrap_or(false),
                )
                .await
                .map_err(fail)?;
            let response = json::render(&ReEncryptResponse {
                ciphertext_blob: Blob::new(moved.blob),
                source_key_id: moved.source_key_arn,
                key_id: moved.key_arn.clone(),
                source_encryption_algorithm: kms::SYMMETRIC_DEFAULT.to_owned(),
                destination_encryption_algorithm: kms::SYMMETRIC_DEFAULT.to_owned(),
            });
            reply(response, Some(moved.key_arn), true)
        }
        Operation::GenerateDataKey(request) => generate(services, caller, call, request, true).await,
        Operation::GenerateDataKeyWithoutPlaintext(request) => {
            generate(services, caller, call, request, false).await
        }
        Operation::EnableKeyRotation(request) => {
            let key = kms
                .enable_key_rotation(authz, caller, &request.key_id, request.rotation_period_in_days)
                .await
                .map_err(fail)?;
            reply(empty(), Some(key.arn), false)
        }
        Operation::DisableKeyRotation(request) => {
            let key = kms
                .disable_key_rotation(authz, caller, &request.key_id)
                .await
                .map_err(fail)?;
            reply(empty(), Some(key.arn), false)
        }
        Operation::GetKeyRotationStatus(request) => {
            let status = kms
                .get_key_rotation_status(authz, caller, &request.key_id)
                .await
                .map_err(fail)?;
            let response = json::render(&GetKeyRotationStatusResponse {
                key_rotation_enabled: status.enabled,
                key_id: status.key_arn.clone(),
                rotation_period_in_days: status.period_days,
                next_rotation_date: status.next_rotation_at.map(timestamp),
            });
            reply(response, Some(status.key_arn), true)
        }
        Operation::RotateKeyOnDemand(request) => {
            let key = kms
                .rotate_key_on_demand(authz, caller, &request.key_id)
                .await
                .map_err(fail)?;
            let response = json::render(&KeyIdResponse {
                key_id: key.arn.clone(),
            });
            reply(response, Some(key.arn), false)
        }
        Operation::TagResource(request) => {
            let key = kms
                .tag_resource(authz, caller, &request.key_id, tags(request.tags))
                .await
                .map_err(fail)?;
            reply(empty(), Some(key.arn), false)
        }
        Operation::UntagResource(request) => {
            let key = kms
                .untag_resource(authz, caller, &request.key_id, request.tag_keys)
                .await
                .map_err(fail)?;
            reply(empty(), Some(key.arn), false)
        }
        Operation::ListResourceTags(request) => {
            let (arn, page) = kms
                .list_resource_tags(
                    authz,
                    caller,
                    &request.key_id,
                    request.limit,
                    request.marker.as_deref(),
                )
                .await
                .map_err(fail)?;
            let response = json::render(&ListResourceTagsResponse {
                tags: page
                    .items
                    .into_iter()
                    .map(|t| strongroom_api::kms::Tag {
                        tag_key: t.key,
                        tag_value: t.value,
                    })
                    .collect(),
                truncated: page.next_marker.is_some(),
                next_marker: page.next_marker,
            });
            reply(response, Some(arn), true)
        }
        Operation::GetKeyPolicy(request) => {
            let (key, policy) = kms
                .get_key_policy(authz, caller, &request.key_id, request.policy_name.as_deref())
                .await
                .map_err(fail)?;
            let response = json::render(&GetKeyPolicyResponse {
                policy,
                policy_name: kms::POLICY_NAME.to_owned(),
            });
            reply(response, Some(key.arn), true)
        }
        Operation::PutKeyPolicy(request) => {
            let key = kms
                .put_key_policy(
                    authz,
                    caller,
                    &request.key_id,
                    request.policy_name.as_deref(),
                    &request.policy,
                    request.bypass_policy_lockout_safety_check.unwrap_or(false),
                )
                .await
                .map_err(fail)?;
            reply(empty(), Some(key.arn), false)
        }
        Operation::ListKeyPolicies(request) => {
            let page = kms
                .list_key_policies(
                    authz,
                    caller,
                    &request.key_id,
                    request.limit,
                    request.marker.as_deref(),
                )
                .await
                .map_err(fail)?;
            let response = json::render(&ListKeyPoliciesResponse {
                policy_names: page.items,
                truncated: page.next_marker.is_some(),
                next_marker: page.next_marker,
            });
            reply(response, None, true)
        }
    }
}

fn alias_arn(caller: &Caller, name: &str) -> String {
    format!("arn:aws:kms:{}:{}:{name}", caller.region(), caller.account())
}

async fn generate(
    services: &Services,
    caller: &Caller,
    call: &Call<'_>,
    request: GenerateDataKeyRequest,
    with_plaintext: bool,
) -> HandlerResult {
    let size = DataKeySize {
        key_spec: request.key_spec,
        number_of_bytes: request.number_of_bytes,
    };
    let generated = services
        .kms
        .generate_data_key_for_client(
            &services.authz,
            caller,
            &request.key_id,
            &size,
            &context(request.encryption_context),
            with_plaintext,
            request.dry_run.unwrap_or(false),
        )
        .await
        .map_err(|err| errors::kms_error(&err, call.spec))?;
    // The one place a data key's plaintext is exposed: to write it to the caller.
    let response = json::render(&GenerateDataKeyResponse {
        ciphertext_blob: Blob::new(generated.blob),
        plaintext: generated
            .plaintext
            .as_ref()
            .map(|p| Blob::new(p.expose_secret().to_vec())),
        key_id: generated.key_arn.clone(),
    });
    reply(response, Some(generated.key_arn), true)
}
