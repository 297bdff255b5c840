//! Secrets Manager: secrets, versions and staging labels, deletion, replication and resource policies.
//!
//! Every write is read → compute → one atomic store write guarded by the record's revision, retried when a
//! concurrent writer got there first. The computing part is pure (`stages`, `filters`, `names`); values are
//! sealed under a fresh KMS data key bound to the secret's ARN and version id, so a value row moved to another
//! secret or version does not open.

mod access;
mod cache;
mod error;
pub mod filters;
mod names;
mod rotation_steps;
mod stages;
mod values;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use strongroom_crypto::SecretString;
use strongroom_crypto::random::PasswordRules;
use strongroom_policy::ContextValue;
use strongroom_store::StoreError;
use strongroom_store::secrets::{
    ReplicaRecord, SecretCursor, SecretOrder, SecretPage, SecretRecord, SecretValueRecord, SecretWrite, Tag,
    VersionRecord,
};
use strongroom_types::{AccountId, Clock, OffsetDateTime, Region};
use time::Duration;

pub(crate) use access::request_tags as request_tag_keys;
pub use error::SecretsError;
pub use filters::{Filter, FilterKey};
use names::{SecretRef, SecretRefError};
pub use rotation_steps::PendingState;
pub use values::SecretPayload;

use crate::Store;
use crate::authz::{self, Authorizer};
use crate::caller::Caller;
use crate::kms::{Kms, ViaKey};
use crate::rotation::schedule::{Schedule, Window};

/// How often a write is retried after losing a race with another writer of the same secret.
const WRITE_ATTEMPTS: usize = 8;
/// At most this many tags on one secret.
const MAX_TAGS: usize = 50;
/// The page size of store reads behind a filtered listing.
const SCAN_PAGE: u32 = 200;
/// A filtered listing reads at most this many store pages before answering with what it found.
const SCAN_PAGES: usize = 20;

type Result<T, E = SecretsError> = std::result::Result<T, E>;

/// The Secrets Manager operations.
pub struct Secrets {
    store: Arc<dyn Store>,
    kms: Arc<Kms>,
    clock: Arc<dyn Clock>,
    /// The day each (secret, version) read was last recorded, so a read writes at most once a day.
    accessed: Mutex<HashMap<(String, String), OffsetDateTime>>,
    /// Records and sealed values for the read path.
    cache: cache::ReadCache,
    /// Parsed resource policies.
    policies: access::PolicyCache,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets").finish_non_exhaustive()
    }
}

/// CreateSecret's input.
#[derive(Debug, Default)]
pub struct CreateSecret {
    pub name: String,
    pub client_request_token: Option<String>,
    pub description: Option<String>,
    pub kms_key_id: Option<String>,
    pub value: Option<SecretPayload>,
    pub tags: Option<Vec<Tag>>,
    pub add_replica_regions: Vec<(String, Option<String>)>,
    pub force_overwrite_replica_secret: bool,
    pub secret_type: Option<String>,
}

/// UpdateSecret's input.
#[derive(Debug, Default)]
pub struct UpdateSecret {
    pub client_request_token: Option<String>,
    pub description: Option<String>,
    pub kms_key_id: Option<String>,
    pub value: Option<SecretPayload>,
}

/// What a write returns: the secret, and the version it made (if any) with that version's labels.
#[derive(Debug, Clone)]
pub struct Written {
    pub arn: String,
    pub name: String,
    pub version_id: Option<String>,
    pub version_stages: Vec<String>,
    pub replicas: Vec<ReplicaRecord>,
    /// The versions this write deprecated: they had a staging label and have none now.
    pub deprecated_versions: Vec<String>,
}

/// What UpdateSecretVersionStage returns: the secret as it is now, and the versions the change deprecated.
#[derive(Debug, Clone)]
pub struct StageUpdate {
    pub record: SecretRecord,
    pub deprecated_versions: Vec<String>,
}

/// What RotateSecret and CancelRotateSecret did to a secret: the record as it is now, the version of the
/// rotation they started or interrupted, and the versions they deprecated (AWSPENDING was their last label).
#[derive(Debug, Clone)]
pub struct RotationChange {
    pub record: SecretRecord,
    pub pending: Option<String>,
    pub deprecated_versions: Vec<String>,
}

impl RotationChange {
    /// The change a rotation write committed: `outcome` holds what its last attempt found (the write closure runs
    /// once per attempt).
    fn of(record: SecretRecord, outcome: Mutex<(Option<String>, Vec<String>)>) -> Self {
        let (pending, deprecated_versions) = outcome
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Self {
            record,
            pending,
            deprecated_versions,
        }
    }
}

/// A secret's value as GetSecretValue returns it.
#[derive(Debug)]
pub struct SecretValue {
    pub arn: String,
    pub name: String,
    pub version_id: String,
    pub payload: SecretPayload,
    pub version_stages: Vec<String>,
    pub created_at: OffsetDateTime,
}

/// ListSecrets' input.
#[derive(Debug, Default, Clone)]
pub struct ListQuery {
    pub filters: Vec<Filter>,
    pub include_planned_deletion: bool,
    pub max_results: Option<u32>,
    pub next_token: Option<String>,
    pub descending: bool,
    pub by_name: bool,
}

/// One page of secrets.
#[derive(Debug)]
pub struct SecretList {
    pub secrets: Vec<SecretRecord>,
    pub next_token: Option<String>,
}

/// A deletion's outcome.
#[derive(Debug)]
pub struct Deleted {
    pub arn: String,
    pub name: String,
    pub deletion_date: OffsetDateTime,
}

/// RotateSecret's input.
#[derive(Debug, Default)]
pub struct RotationConfig {
    pub lambda_arn: Option<String>,
    pub automatically_after_days: Option<i64>,
    pub duration: Option<String>,
    pub schedule_expression: Option<String>,
    /// The pending version's id; a fresh UUID when not given.
    pub client_request_token: Option<String>,
    /// Start a rotation now (AWS's default), rather than only storing the schedule.
    pub rotate_immediately: bool,
}

/// One entry of BatchGetSecretValue's answer.
#[derive(Debug)]
pub enum BatchEntry {
    Value(SecretValue),
    Error {
        secret_id: String,
        code: &'static str,
        message: String,
    },
}

/// ValidateResourcePolicy's answer.
#[derive(Debug)]
pub struct PolicyValidation {
    pub passed: bool,
    pub errors: Vec<(String, String)>,
}

impl Secrets {
    pub fn new(store: Arc<dyn Store>, kms: Arc<Kms>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            kms,
            clock,
            accessed: Mutex::new(HashMap::new()),
            cache: cache::ReadCache::default(),
            policies: access::PolicyCache::default(),
        }
    }

    fn now(&self) -> OffsetDateTime {
        crate::truncate_to_millis(self.clock.now())
    }

    fn authorize(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        action: &str,
        resource: &str,
    ) -> Result<authz::Allowed> {
        let account = resource.split(':').nth(4).unwrap_or("");
        Ok(authz.authorize(
            caller,
            &authz::Request {
                action,
                resource,
                resource_account: account,
            },
        )?)
    }

    /// Authorizes `action` on the secret `record` with its resource policy, its tags and the request's own
    /// context keys.
    fn authorize_secret(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        action: &str,
        record: &SecretRecord,
        request: Vec<(String, ContextValue)>,
    ) -> Result<authz::Allowed> {
        let resource = self.policies.resource_of(record);
        Ok(authz.authorize_with(
            caller,
            &authz::Request {
                action,
                resource: &record.arn,
                resource_account: record.account_id.as_str(),
            },
            &authz::Extra {
                resource_policy: resource.policy.as_deref(),
                resource_context: Some(&resource.keys),
                context: &request,
                delegation: None,
            },
        )?)
    }

    /// Applies `writes` atomically and drops what this node had cached about the secrets they touch.
    async fn write(&self, writes: &[SecretWrite]) -> Result<(), StoreError> {
        let result = self.store.write_secrets(writes).await;
        for write in writes {
            let arn = match write {
                SecretWrite::Create { secret, .. } | SecretWrite::Update { secret, .. } => &secret.arn,
                SecretWrite::Purge { arn, .. } => arn,
            };
            self.cache.forget(arn);
        }
        result
    }

    /// Commits `writes`: `true` when they applied, `false` when another writer changed one of the secrets
    /// first (the caller reads again and retries).
    async fn commit(&self, writes: &[SecretWrite]) -> Result<bool> {
        match self.write(writes).await {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict | StoreError::NotFound) => Ok(false),
            Err(err) => Err(store_err(err)),
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Lookup

    /// Like `find`, through the read cache: for reads only, never for a read-modify-write.
    async fn find_cached(&self, caller: &Caller, secret_id: &str) -> Result<Arc<SecretRecord>> {
        let cached = match SecretRef::parse(secret_id) {
            Ok(SecretRef::Name(name)) => {
                self.cache
                    .record_by_name(caller.account().as_str(), caller.region().as_str(), &name)
            }
            Ok(SecretRef::Arn { arn, .. }) => self.cache.record_by_arn(&arn),
            _ => None,
        };
        if let Some(record) = cached {
            return Ok(record);
        }
        let record = Arc::new(self.find(caller, secret_id).await?);
        self.cache.put_record(Arc::clone(&record));
        Ok(record)
    }

    /// The secret `secret_id` names for `caller`, deleted or not.
    async fn find(&self, caller: &Caller, secret_id: &str) -> Result<SecretRecord> {
        let reference = SecretRef::parse(secret_id).map_err(|err| match err {
            SecretRefError::InvalidName => SecretsError::Validation(names::INVALID_NAME.to_owned()),
            SecretRefError::NotASecretArn => SecretsError::not_found(),
        })?;
        let found = match reference {
            SecretRef::Name(name) => {
                self.store
                    .secret_by_name(caller.account(), caller.region(), &name)
                    .await
            }
            SecretRef::Arn { arn, .. } => self.store.secret_by_arn(&arn).await,
            SecretRef::PartialArn {
                account,
                region,
                name,
            } => {
                let (Ok(account), Ok(region)) = (account.parse::<AccountId>(), region.parse::<Region>())
                else {
                    return Err(SecretsError::not_found());
                };
                self.store.secret_by_name(&account, &region, &name).await
            }
        };
        found
            .map_err(|err| SecretsError::internal("reading a secret", err))?
            .ok_or_else(SecretsError::not_found)
    }

    /// Finds the secret and authorizes `action` on it.
    async fn find_authorized(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_id: &str,
        action: &str,
    ) -> Result<SecretRecord> {
        self.find_authorized_with(authz, caller, secret_id, action, Vec::new)
            .await
    }

    /// Finds the secret and authorizes `action` on it with the request's own context keys.
    async fn find_authorized_with(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_id: &str,
        action: &str,
        request: impl Fn() -> Vec<(String, ContextValue)>,
    ) -> Result<SecretRecord> {
        let record = self.find(caller, secret_id).await?;
        self.authorize_secret(authz, caller, action, &record, request())?;
        Ok(record)
    }

    // ---------------------------------------------------------------------------------------------------
    // Writes

    pub async fn create_secret(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        input: CreateSecret,
    ) -> Result<Written> {
        if !names::is_valid_name(&input.name) {
            return Err(SecretsError::Validation(names::INVALID_NAME.to_owned()));
        }
        if input.value.is_some() && input.client_request_token.is_none() {
            return Err(missing_token());
        }
        let tags = input
            .tags
            .clone()
            .map(|tags| merge_tags(None, tags))
            .transpose()?;
        for (region, _) in &input.add_replica_regions {
            if region == caller.region().as_str() {
                return Err(SecretsError::InvalidParameter(
                    "Invalid replica region: the secret's own region cannot be a replica.".to_owned(),
                ));
            }
        }
        if let Some(existing) = self
            .store
            .secret_by_name(caller.account(), caller.region(), &input.name)
            .await
            .map_err(store_err)?
        {
            return self.create_again(authz, caller, &existing, &input).await;
        }
        let suffix = strongroom_crypto::random::alnum_suffix(6);
        let arn = names::secret_arn(caller.region(), caller.account(), &input.name, &suffix);
        let mut request = vec![access::key("secretsmanager:Name", input.name.as_str())];
        if let Some(description) = &input.description {
            request.push(access::key("secretsmanager:Description", description.as_str()));
        }
        if let Some(kms_key_id) = &input.kms_key_id {
            request.push(access::key("secretsmanager:KmsKeyId", kms_key_id.as_str()));
        }
        request.extend(access::request_tags(input.tags.as_deref().unwrap_or(&[])));
        if !input.add_replica_regions.is_empty() {
            let regions: Vec<String> = input.add_replica_regions.iter().map(|(r, _)| r.clone()).collect();
            request.push(access::key("secretsmanager:AddReplicaRegions", regions));
            request.push(access::key(
                "secretsmanager:ForceOverwriteReplicaSecret",
                input.force_overwrite_replica_secret,
            ));
        }
        let context = [
            vec![access::key("secretsmanager:SecretId", arn.as_str())],
            request,
        ]
        .concat();
        authz.authorize_with(
            caller,
            &authz::Request {
                action: "secretsmanager:CreateSecret",
                resource: &arn,
                resource_account: caller.account().as_str(),
            },
            &authz::Extra {
                context: &context,
                ..authz::Extra::default()
            },
        )?;
        let now = self.now();
        let mut record = SecretRecord {
            arn: arn.clone(),
            account_id: caller.account().clone(),
            region: caller.region().clone(),
            name: input.name.clone(),
            revision: 1,
            created_at: now,
            last_changed_at: now,
            last_accessed_at: None,
            deleted_at: None,
            purge_at: None,
            description: input.description.clone(),
            kms_key_id: input.kms_key_id.clone().filter(|k| !k.is_empty()),
            secret_type: input.secret_type.clone(),
            owning_service: None,
            tags,
            resource_policy: None,
            rotation: None,
            primary_region: None,
            replicas: Vec::new(),
            versions: Vec::new(),
        };
        let mut values = Vec::new();
        let mut version_id = None;
        if let (Some(payload), Some(token)) = (&input.value, &input.client_request_token) {
            self.kms
                .authorize_via_service(
                    authz,
                    caller,
                    ViaKey::Ref(record.kms_key_id.as_deref()),
                    "kms:GenerateDataKey",
                    &values::context(&record.arn, token),
                )
                .await
                .map_err(SecretsError::encryption)?;
            let (version, value) = self.seal_version(&record, token, payload, now).await?;
            stages::add_version(&mut record.versions, version, None).map_err(stage_error)?;
            values.push(value);
            version_id = Some(token.clone());
        }
        let mut replica_writes = Vec::new();
        for (region, kms_key_id) in &input.add_replica_regions {
            let (replica, replica_values) = self
                .replica_of(&record, region, kms_key_id.clone(), input.value.as_ref(), now)
                .await?;
            replica_writes.push(SecretWrite::Create {
                secret: replica,
                values: replica_values,
            });
            record.replicas.push(ReplicaRecord {
                region: region.clone(),
                kms_key_id: kms_key_id.clone(),
                status: "InSync".to_owned(),
                status_message: Some("Replication succeeded".to_owned()),
                last_accessed_at: None,
            });
        }
        let mut writes = vec![SecretWrite::Create {
            secret: record.clone(),
            values,
        }];
        writes.extend(replica_writes);
        match self.write(&writes).await {
            Ok(()) => {}
            Err(StoreError::AlreadyExists) => {
                return Err(SecretsError::ResourceExists(format!(
                    "The operation failed because the secret {} already exists.",
                    input.name
                )));
            }
            Err(err) => return Err(store_err(err)),
        }
        let version_stages = version_id
            .as_ref()
            .and_then(|id| record.versions.iter().find(|v| &v.version_id == id))
            .map(|v| v.stages.clone())
            .unwrap_or_default();
        Ok(Written {
            arn,
            name: record.name,
            version_id,
            version_stages,
            replicas: record.replicas,
            deprecated_versions: Vec::new(),
        })
    }

    /// CreateSecret for a name that exists: an idempotent retry succeeds, anything else is refused.
    async fn create_again(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        existing: &SecretRecord,
        input: &CreateSecret,
    ) -> Result<Written> {
        self.authorize_secret(authz, caller, "secretsmanager:CreateSecret", existing, Vec::new())?;
        if existing.deleted_at.is_some() {
            return Err(SecretsError::InvalidRequest(
                "You can't create this secret because a secret with this name is already scheduled for deletion."
                    .to_owned(),
            ));
        }
        if let (Some(token), Some(payload)) = (&input.client_request_token, &input.value)
            && let Some(version) = existing.versions.iter().find(|v| &v.version_id == token)
        {
            return if self.same_value(existing, version, payload).await? {
                Ok(Written {
                    arn: existing.arn.clone(),
                    name: existing.name.clone(),
                    version_id: Some(token.clone()),
                    version_stages: version.stages.clone(),
                    replicas: existing.replicas.clone(),
                    deprecated_versions: Vec::new(),
                })
            } else {
                Err(token_in_use(token, &existing.arn))
            };
        }
        Err(SecretsError::ResourceExists(format!(
            "The operation failed because the secret {} already exists.",
            input.name
        )))
    }

    pub async fn put_secret_value(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_id: &str,
        token: Option<String>,
        payload: Option<SecretPayload>,
        version_stages: Option<Vec<String>>,
    ) -> Result<Written> {
        let Some(payload) = payload else {
            return Err(SecretsError::InvalidRequest(
                "You must provide either SecretString or SecretBinary.".to_owned(),
            ));
        };
        let token = token.ok_or_else(missing_token)?;
        self.write_version(
            authz,
            caller,
            secret_id,
            "secretsmanager:PutSecretValue",
            &token,
            &payload,
            version_stages,
            None,
        )
        .await
    }

    pub async fn update_secret(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_id: &str,
        input: UpdateSecret,
    ) -> Result<Written> {
        let UpdateSecret {
            client_request_token: token,
            description,
            kms_key_id,
            value: payload,
        } = input;
        let metadata = MetadataChange {
            description,
            kms_key_id,
        };
        match payload {
            Some(payload) => {
                let token = token.ok_or_else(missing_token)?;
                self.write_version(
                    authz,
                    caller,
                    secret_id,
                    "secretsmanager:UpdateSecret",
                    &token,
                    &payload,
                    None,
                    Some(metadata),
                )
                .await
            }
            None => {
                for _ in 0..WRITE_ATTEMPTS {
                    let record = self
                        .find_authorized_with(authz, caller, secret_id, "secretsmanager:UpdateSecret", || {
                            let mut request = Vec::new();
                            if let Some(description) = &metadata.description {
                                request.push(access::key("secretsmanager:Description", description.as_str()));
                            }
                            if let Some(kms_key_id) = &metadata.kms_key_id {
                                request.push(access::key("secretsmanager:KmsKeyId", kms_key_id.as_str()));
                            }
                            request
                        })
                        .await?;
                    ensure_writable(&record)?;
                    let now = self.now();
                    let old_key = record.kms_key_id.clone();
                    let mut next = record.clone();
                    metadata.apply(&mut next);
                    next.last_changed_at = now;
                    let values = self.reencrypt_labelled(old_key.as_deref(), &mut next).await?;
                    let mut writes = vec![update(record.revision, next.clone(), values, Vec::new())];
                    writes.extend(self.replica_writes(&next, None, &[], now).await?);
                    if self.commit(&writes).await? {
                        return Ok(Written {
                            arn: next.arn,
                            name: next.name,
                            version_id: None,
                            version_stages: Vec::new(),
                            replicas: next.replicas,
                            deprecated_versions: Vec::new(),
                        });
                    }
                }
                Err(busy())
            }
        }
    }

    /// When `next` names another KMS key than `current`, the versions labelled AWSCURRENT, AWSPENDING and
    /// AWSPREVIOUS are sealed again under it (as AWS does); returns their new value rows.
    async fn reencrypt_labelled(
        &self,
        old_key: Option<&str>,
        next: &mut SecretRecord,
    ) -> Result<Vec<SecretValueRecord>> {
        if next.kms_key_id.as_deref() == old_key {
            return Ok(Vec::new());
        }
        let now = self.now();
        let labelled: Vec<String> = next
            .versions
            .iter()
            .filter(|v| {
                v.has_value
                    && v.stages.iter().any(|s| {
                        [stages::AWSCURRENT, stages::AWSPENDING, stages::AWSPREVIOUS].contains(&s.as_str())
                    })
            })
            .map(|v| v.version_id.clone())
            .collect();
        let mut values = Vec::new();
        for version_id in labelled {
            let Some(stored) = self
                .store
                .secret_value(&next.arn, &version_id)
                .await
                .map_err(store_err)?
            else {
                continue;
            };
            // The data key blob names the key that sealed it, so the old key need not be known here.
            let payload = values::open(&self.kms, next, &version_id, &stored.sealed).await?;
            let (sealed_version, value) = self.seal_version(next, &version_id, &payload, now).await?;
            if let Some(slot) = next.versions.iter_mut().find(|v| v.version_id == version_id) {
                slot.kms_key_ids = sealed_version.kms_key_ids;
            }
            values.push(value);
        }
        Ok(values)
    }

    /// PutSecretValue and UpdateSecret with a value: a new version (or a value for a placeholder version).
    #[allow(clippy::too_many_arguments)]
    async fn write_version(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_id: &str,
        action: &str,
        token: &str,
        payload: &SecretPayload,
        labels: Option<Vec<String>>,
        metadata: Option<MetadataChange>,
    ) -> Result<Written> {
        for _ in 0..WRITE_ATTEMPTS {
            let record = self.find_authorized(authz, caller, secret_id, action).await?;
            ensure_writable(&record)?;
            if let Some(version) = record
                .versions
                .iter()
                .find(|v| v.version_id == token && v.has_value)
            {
                // A retry of a write that happened: the same value succeeds again, another one is refused.
                return if self.same_value(&record, version, payload).await? {
                    Ok(Written {
                        arn: record.arn.clone(),
                        name: record.name.clone(),
                        version_id: Some(token.to_owned()),
                        version_stages: version.stages.clone(),
                        replicas: record.replicas.clone(),
                        deprecated_versions: Vec::new(),
                    })
                } else {
                    Err(token_in_use(token, &record.arn))
                };
            }
            // The record is moved, not copied: with up to 100 versions, copies were this path's main cost.
            let expected_revision = record.revision;
            let old_key = record.kms_key_id.clone();
            // Only the labels are kept, to tell which versions this write deprecates.
            let labelled_before: Vec<VersionRecord> = record
                .versions
                .iter()
                .filter(|v| !v.stages.is_empty())
                .cloned()
                .collect();
            let mut next = record;
            if let Some(metadata) = &metadata {
                metadata.apply(&mut next);
            }
            let now = self.now();
            self.kms
                .authorize_via_service(
                    authz,
                    caller,
                    ViaKey::Ref(next.kms_key_id.as_deref()),
                    "kms:GenerateDataKey",
                    &values::context(&next.arn, token),
                )
                .await
                .map_err(SecretsError::encryption)?;
            let mut values = self.reencrypt_labelled(old_key.as_deref(), &mut next).await?;
            let placeholder = next.versions.iter().any(|v| v.version_id == token);
            let version_value = if placeholder {
                // A rotation's AWSPENDING placeholder: the value is attached to it.
                let (sealed_version, value) = self.seal_version(&next, token, payload, now).await?;
                let wanted = labels.clone().unwrap_or_default();
                if let Some(slot) = next.versions.iter_mut().find(|v| v.version_id == token) {
                    slot.has_value = true;
                    slot.kms_key_ids = sealed_version.kms_key_ids;
                }
                stages::attach_labels(&mut next.versions, token, &wanted).map_err(stage_error)?;
                value
            } else {
                let (version, value) = self.seal_version(&next, token, payload, now).await?;
                // UpdateSecret always makes the new value current.
                let labels = if metadata.is_some() { None } else { labels.clone() };
                stages::add_version(&mut next.versions, version, labels.as_deref()).map_err(stage_error)?;
                value
            };
            let removed = stages::prune(&mut next.versions, now).map_err(stage_error)?;
            next.last_changed_at = now;
            let version_stages = next
                .versions
                .iter()
                .find(|v| v.version_id == token)
                .map(|v| v.stages.clone())
                .unwrap_or_default();
            values.push(version_value);
            let replica_writes = self
                .replica_writes(&next, Some((token, payload)), &removed, now)
                .await?;
            let written = Written {
                arn: next.arn.clone(),
                name: next.name.clone(),
                version_id: Some(token.to_owned()),
                version_stages,
                replicas: next.replicas.clone(),
                deprecated_versions: stages::newly_deprecated(&labelled_before, &next.versions),
            };
            let mut writes = vec![update(expected_revision, next, values, removed)];
            writes.extend(replica_writes);
            if self.commit(&writes).await? {
                return Ok(written);
            }
        }
        Err(busy())
    }

    /// Applies a metadata-only change with compare-and-set, retrying on conflicts; replicas follow.
    async fn mutate(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_id: &str,
        action: &str,
        change: impl Fn(&mut SecretRecord, OffsetDateTime) -> Result<()>,
    ) -> Result<SecretRecord> {
        self.mutate_with(authz, caller, secret_id, action, Vec::new, change)
            .await
    }

    /// [`Self::mutate`] with the request's own context keys.
    async fn mutate_with(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_id: &str,
        action: &str,
        request: impl Fn() -> Vec<(String, ContextValue)>,
        change: impl Fn(&mut SecretRecord, OffsetDateTime) -> Result<()>,
    ) -> Result<SecretRecord> {
        for _ in 0..WRITE_ATTEMPTS {
            let record = self
                .find_authorized_with(authz, caller, secret_id, action, &request)
                .await?;
            ensure_writable(&record)?;
            let now = self.now();
            let mut next = record.clone();
            change(&mut next, now)?;
            next.last_changed_at = now;
            let mut writes = vec![update(record.revision, next.clone(), Vec::new(), Vec::new())];
            writes.extend(self.replica_writes(&next, None, &[], now).await?);
            if self.commit(&writes).await? {
                return Ok(next);
            }
        }
        Err(busy())
    }

    pub async fn update_secret_version_stage(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_id: &str,
        stage: &str,
        remove_from: Option<&str>,
        move_to: Option<&str>,
    ) -> Result<StageUpdate> {
        // The change runs once per write attempt; the last attempt's deprecations are the committed ones.
        let deprecated = Mutex::new(Vec::new());
        let record = self
            .mutate_with(
                authz,
                caller,
                secret_id,
                "secretsmanager:UpdateSecretVersionStage",
                || vec![access::key("secretsmanager:VersionStage", stage)],
                |record, _| {
                    let before = record.versions.clone();
                    stages::update_stage(&mut record.versions, stage, remove_from, move_to)
                        .map_err(stage_error)?;
                    let newly = stages::newly_deprecated(&before, &record.versions);
                    *deprecated
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) = newly;
                    Ok(())
                },
            )
            .await?;
        let deprecated_versions = deprecated
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(StageUpdate {
            record,
            deprecated_versions,
        })
    }

    pub async fn tag_resource(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_id: &str,
        tags: Vec<Tag>,
    ) -> Result<()> {
        self.mutate_with(
            authz,
            caller,
            secret_id,
            "secretsmanager:TagResource",
            || access::request_tags(&tags),
            |record, _| {
                record.tags = Some(merge_tags(record.tags.take(), tags.clone())?);
                Ok(())
            },
        )
        .await
        .map(drop)
    }

    pub async fn untag_resource(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_id: &str,
        keys: Vec<String>,
    ) -> Result<()> {
        self.mutate_with(
            authz,
            caller,
            secret_id,
            "secretsmanager:UntagResource",
            || vec![access::key("aws:TagKeys", keys.clone())],
            |record, _| {
                if let Some(tags) = record.tags.as_mut() {
                    tags.retain(|t| !keys.contains(&t.key));
                }
                Ok(())
            },
        )
        .await
        .map(drop)
    }

    /// RotateSecret's part in the secret: stores the configuration (the schedule validated), and, when a
    /// rotation starts, creates its label-only AWSPENDING version. Returns the record and the pending
    /// version's id. The rotation engine (`crate::rotation`) checks the function and runs the steps.
    pub async fn rotate_secret(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_id: &str,
        config: RotationConfig,
    ) -> Result<RotationChange> {
        if let Some(arn) = &config.lambda_arn
            && !arn.is_empty()
            && !arn.starts_with("arn:aws:lambda:")
        {
            return Err(SecretsError::InvalidParameter(format!(
                "Invalid RotationLambdaARN: {arn}"
            )));
        }
        let new_rules = config.automatically_after_days.is_some() || config.schedule_expression.is_some();
        if new_rules || config.duration.is_some() {
            Schedule::parse(
                config.automatically_after_days,
                config.schedule_expression.as_deref(),
                config.duration.as_deref(),
            )
            .map_err(|err| SecretsError::InvalidParameter(err.0))?;
        }
        let token = config
            .client_request_token
            .clone()
            .unwrap_or_else(strongroom_crypto::random::uuid_v4);
        // The change runs once per write attempt; the last attempt's outcome is the committed one.
        let started = Mutex::new((None, Vec::new()));
        let record = self
            .mutate_with(
                authz,
                caller,
                secret_id,
                "secretsmanager:RotateSecret",
                || {
                    config
                        .lambda_arn
                        .iter()
                        .map(|arn| access::key("secretsmanager:RotationLambdaARN", arn.as_str()))
                        .collect()
                },
                |record, now| {
                    let mut rotation = record.rotation.clone().unwrap_or_default();
                    if config.lambda_arn.is_some() {
                        rotation.lambda_arn.clone_from(&config.lambda_arn);
                    }
                    if new_rules {
                        rotation.automatically_after_days = config.automatically_after_days;
                        rotation
                            .schedule_expression
                            .clone_from(&config.schedule_expression);
                        rotation.duration.clone_from(&config.duration);
                    }
                    if rotation.lambda_arn.is_none() {
                        return Err(SecretsError::InvalidRequest(
                            "No Lambda rotation function ARN is associated with this secret.".to_owned(),
                        ));
                    }
                    // A pending version left by a rotation that is off (cancelled, or never on) is no
                    // rotation in progress: a new token replaces it rather than being refused.
                    let abandoned = !rotation.enabled;
                    rotation.enabled = true;
                    rotation.next_rotation_at = next_rotation(&rotation, now);
                    record.rotation = Some(rotation);
                    let before = record.versions.clone();
                    let pending = if config.rotate_immediately {
                        Some(start_pending(
                            &mut record.versions,
                            &token,
                            config.client_request_token.is_some(),
                            abandoned,
                            now,
                        )?)
                    } else {
                        None
                    };
                    let deprecated = stages::newly_deprecated(&before, &record.versions);
                    *started.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
                        (pending, deprecated);
                    Ok(())
                },
            )
            .await?;
        Ok(RotationChange::of(record, started))
    }

    /// CancelRotateSecret: turns automatic rotation off and abandons the pending version (which loses
    /// AWSPENDING). Returns the record and the id of the version that was pending.
    pub async fn cancel_rotate_secret(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_id: &str,
    ) -> Result<RotationChange> {
        // The change runs once per write attempt; the last attempt's outcome is the committed one.
        let interrupted = Mutex::new((None, Vec::new()));
        let record = self
            .mutate(
                authz,
                caller,
                secret_id,
                "secretsmanager:CancelRotateSecret",
                |record, _| {
                    let mut rotation = record.rotation.clone().unwrap_or_default();
                    rotation.enabled = false;
                    rotation.next_rotation_at = None;
                    record.rotation = Some(rotation);
                    let pending = stages::version_with(&record.versions, stages::AWSPENDING)
                        .filter(|v| !v.stages.iter().any(|s| s == stages::AWSCURRENT))
                        .map(|v| v.version_id.clone());
                    let before = record.versions.clone();
                    // A pending rotation is abandoned: its placeholder loses AWSPENDING.
                    for version in &mut record.versions {
                        if !version.has_value {
                            version.stages.retain(|s| s != stages::AWSPENDING);
                        }
                    }
                    let deprecated = stages::newly_deprecated(&before, &record.versions);
                    *interrupted
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) = (pending, deprecated);
                    Ok(())
                },
            )
            .await?;
        Ok(RotationChange::of(record, interrupted))
    }

    // ---------------------------------------------------------------------------------------------------
    // Deletion

    pub async fn delete_secret(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_id: &str,
        recovery_window_days: Option<i64>,
        force: Option<bool>,
    ) -> Result<Deleted> {
        let force = force.unwrap_or(false);
        if force && recovery_window_days.is_some() {
            return Err(SecretsError::InvalidParameter(
                "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays."
                    .to_owned(),
            ));
        }
        let days = recovery_window_days.unwrap_or(30);
        if !(7..=30).contains(&days) {
            return Err(SecretsError::InvalidParameter(
                "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).".to_owned(),
            ));
        }
        for _ in 0..WRITE_ATTEMPTS {
            let record = match self.find(caller, secret_id).await {
                Err(SecretsError::NotFound(_)) if force => {
                    // AWS answers a forced deletion of an unknown secret with success.
                    self.authorize(authz, caller, "secretsmanager:DeleteSecret", "*")?;
                    let arn = format!(
                        "arn:aws:secretsmanager:{}:{}:secret:{secret_id}",
                        caller.region(),
                        caller.account()
                    );
                    return Ok(Deleted {
                        arn,
                        name: secret_id.to_owned(),
                        deletion_date: self.now(),
                    });
                }
                other => other?,
            };
            let mut request = vec![access::key("secretsmanager:ForceDeleteWithoutRecovery", force)];
            if let Some(days) = recovery_window_days {
                request.push(access::key("secretsmanager:RecoveryWindowInDays", days));
            }
            self.authorize_secret(authz, caller, "secretsmanager:DeleteSecret", &record, request)?;
            ensure_not_replica(&record)?;
            if !record.replicas.is_empty() {
                let regions: Vec<&str> = record.replicas.iter().map(|r| r.region.as_str()).collect();
                return Err(SecretsError::InvalidParameter(format!(
                    "You can't delete secret {} that still has replica regions [{}]",
                    record.name,
                    regions.join(", ")
                )));
            }
            let now = self.now();
            let write = if force {
                SecretWrite::Purge {
                    arn: record.arn.clone(),
                    expected_revision: record.revision,
                }
            } else {
                if record.deleted_at.is_some() {
                    return Err(SecretsError::marked_for_deletion());
                }
                let mut next = record.clone();
                next.deleted_at = Some(now);
                next.purge_at = Some(now + Duration::days(days));
                next.last_changed_at = now;
                update(record.revision, next, Vec::new(), Vec::new())
            };
            match self.write(&[write]).await {
                Ok(()) => {
                    let deletion_date = if force { now } else { now + Duration::days(days) };
                    return Ok(Deleted {
                        arn: record.arn,
                        name: record.name,
                        deletion_date,
                    });
                }
                Err(StoreError::Conflict | StoreError::NotFound) => continue,
                Err(err) => return Err(store_err(err)),
            }
        }
        Err(busy())
    }

    pub async fn restore_secret(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_id: &str,
    ) -> Result<SecretRecord> {
        for _ in 0..WRITE_ATTEMPTS {
            let record = self
                .find_authorized(authz, caller, secret_id, "secretsmanager:RestoreSecret")
                .await?;
            if record.deleted_at.is_none() {
                return Ok(record);
            }
            let mut next = record.clone();
            next.deleted_at = None;
            next.purge_at = None;
            next.last_changed_at = self.now();
            match self
                .write(&[update(record.revision, next.clone(), Vec::new(), Vec::new())])
                .await
            {
                Ok(()) => return Ok(next),
                Err(StoreError::Conflict | StoreError::NotFound) => continue,
                Err(err) => return Err(store_err(err)),
            }
        }
        Err(busy())
    }

    /// Removes for good the secrets whose recovery window has passed; returns how many.
    pub async fn purge_due(&self) -> Result<usize> {
        let due = self
            .store
            .secrets_to_purge(self.now(), 100)
            .await
            .map_err(store_err)?;
        let mut purged = 0;
        for record in due {
            let write = SecretWrite::Purge {
                arn: record.arn.clone(),
                expected_revision: record.revision,
            };
            match self.write(&[write]).await {
                Ok(()) => purged += 1,
                // Restored or changed meanwhile: it is no longer due as it was.
                Err(StoreError::Conflict | StoreError::NotFound) => {}
                Err(err) => return Err(store_err(err)),
            }
        }
        Ok(purged)
    }

    // ---------------------------------------------------------------------------------------------------
    // Reads

    pub async fn get_secret_value(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_id: &str,
        version_id: Option<&str>,
        version_stage: Option<&str>,
    ) -> Result<SecretValue> {
        let record = self.find_cached(caller, secret_id).await?;
        self.authorize_get_secret_value(authz, caller, &record, version_id, version_stage)?;
        self.read_value(authz, caller, &record, version_id, version_stage)
            .await
    }

    /// The authorization step of GetSecretValue on `record` (its resource policy, tags and the request's
    /// version keys), before any KMS check. Public so that `examples/authz_bench.rs` times exactly this.
    pub fn authorize_get_secret_value(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        record: &SecretRecord,
        version_id: Option<&str>,
        version_stage: Option<&str>,
    ) -> Result<authz::Allowed> {
        let mut request = Vec::new();
        if let Some(version_id) = version_id {
            request.push(access::key("secretsmanager:VersionId", version_id));
        }
        if let Some(stage) = version_stage {
            request.push(access::key("secretsmanager:VersionStage", stage));
        }
        self.authorize_secret(authz, caller, "secretsmanager:GetSecretValue", record, request)
    }

    async fn read_value(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        record: &SecretRecord,
        version_id: Option<&str>,
        version_stage: Option<&str>,
    ) -> Result<SecretValue> {
        if record.deleted_at.is_some() {
            return Err(SecretsError::marked_for_deletion());
        }
        let version = match (version_id, version_stage) {
            (Some(id), stage) => {
                let version = record
                    .versions
                    .iter()
                    .find(|v| v.version_id == id)
                    .ok_or_else(|| {
                        SecretsError::NotFound(format!(
                            "Secrets Manager can't find the specified secret value for VersionId: {id}"
                        ))
                    })?;
                if let Some(stage) = stage
                    && !version.stages.iter().any(|s| s == stage)
                {
                    return Err(SecretsError::InvalidRequest(
                        "You provided a VersionStage that is not associated to the provided VersionId."
                            .to_owned(),
                    ));
                }
                version
            }
            (None, stage) => {
                let stage = stage.unwrap_or(stages::AWSCURRENT);
                stages::version_with(&record.versions, stage).ok_or_else(|| {
                    SecretsError::NotFound(format!(
                        "Secrets Manager can't find the specified secret value for staging label: {stage}"
                    ))
                })?
            }
        };
        if !version.has_value {
            return Err(SecretsError::NotFound(format!(
                "Secrets Manager can't find the specified secret value for VersionId: {}",
                version.version_id
            )));
        }
        let sealed = match self
            .cache
            .value(&record.arn, &version.version_id, record.revision)
        {
            Some(sealed) => sealed,
            None => {
                let stored = self
                    .store
                    .secret_value(&record.arn, &version.version_id)
                    .await
                    .map_err(store_err)?
                    .ok_or_else(|| {
                        SecretsError::internal("a version's value row is missing", MissingValue)
                    })?;
                self.cache.put_value(
                    &record.arn,
                    &version.version_id,
                    record.revision,
                    stored.sealed.clone(),
                );
                stored.sealed
            }
        };
        let payload = values::open_as(
            &self.kms,
            record,
            &version.version_id,
            &sealed,
            Some((authz, caller)),
        )
        .await?;
        self.record_access(record, &version.version_id).await;
        Ok(SecretValue {
            arn: record.arn.clone(),
            name: record.name.clone(),
            version_id: version.version_id.clone(),
            payload,
            version_stages: version.stages.clone(),
            created_at: version.created_at,
        })
    }

    /// Records today's read once per (secret, version) and day; a failure only costs the date.
    async fn record_access(&self, record: &SecretRecord, version_id: &str) {
        let now = self.clock.now();
        let day = now.replace_time(time::Time::MIDNIGHT);
        let key = (record.arn.clone(), version_id.to_owned());
        {
            let mut accessed = self.accessed.lock().unwrap_or_else(|p| p.into_inner());
            if accessed.get(&key).is_some_and(|d| *d >= day) {
                return;
            }
            if accessed.len() > 100_000 {
                accessed.clear();
            }
            accessed.insert(key, day);
        }
        if let Err(err) = self
            .store
            .record_secret_access(&record.arn, version_id, day)
            .await
        {
            tracing::warn!(error = %err, "recording a secret's last access failed");
        }
    }

    pub async fn describe_secret(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_id: &str,
    ) -> Result<SecretRecord> {
        self.find_authorized(authz, caller, secret_id, "secretsmanager:DescribeSecret")
            .await
    }

    pub async fn list_secret_version_ids(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_id: &str,
        include_deprecated: bool,
        max_results: Option<u32>,
        next_token: Option<&str>,
    ) -> Result<(SecretRecord, Vec<VersionRecord>, Option<String>)> {
        let record = self
            .find_authorized(authz, caller, secret_id, "secretsmanager:ListSecretVersionIds")
            .await?;
        let mut versions: Vec<VersionRecord> = record
            .versions
            .iter()
            .filter(|v| include_deprecated || !v.stages.is_empty())
            .cloned()
            .collect();
        versions.reverse();
        let start = match next_token {
            None => 0,
            Some(token) => decode_offset(token)?,
        };
        let limit = max_results.unwrap_or(100) as usize;
        let page: Vec<VersionRecord> = versions.iter().skip(start).take(limit).cloned().collect();
        let next = (start + limit < versions.len()).then(|| encode_offset(start + limit));
        Ok((record, page, next))
    }

    pub async fn list_secrets(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        query: &ListQuery,
    ) -> Result<SecretList> {
        self.authorize(authz, caller, "secretsmanager:ListSecrets", "*")?;
        self.list(caller, query).await
    }

    async fn list(&self, caller: &Caller, query: &ListQuery) -> Result<SecretList> {
        let order = match (query.by_name, query.descending) {
            (false, false) => SecretOrder::CreatedAsc,
            (false, true) => SecretOrder::CreatedDesc,
            (true, false) => SecretOrder::NameAsc,
            (true, true) => SecretOrder::NameDesc,
        };
        let wanted = query.max_results.unwrap_or(100).clamp(1, 100) as usize;
        let mut after = query
            .next_token
            .as_deref()
            .map(|t| decode_cursor(t, order))
            .transpose()?;
        // A lone positive name filter is a prefix the store can use.
        let name_prefix = match query.filters.as_slice() {
            [
                Filter {
                    key: FilterKey::Name,
                    values,
                },
            ] if values.len() == 1 && !values[0].starts_with('!') => Some(values[0].clone()),
            _ => None,
        };
        let mut found = Vec::new();
        let mut exhausted = false;
        for _ in 0..SCAN_PAGES {
            let limit = if query.filters.is_empty() {
                wanted as u32 + 1
            } else {
                SCAN_PAGE
            };
            let page = SecretPage {
                order,
                after: after.clone(),
                limit,
                include_deleted: query.include_planned_deletion,
                name_prefix: name_prefix.clone(),
            };
            let batch = self
                .store
                .list_secrets(caller.account(), caller.region(), &page)
                .await
                .map_err(store_err)?;
            let short = batch.len() < limit as usize;
            for record in batch {
                if found.len() == wanted {
                    // One more exists: the next page starts after the last one returned.
                    let last: &SecretRecord = &found[found.len() - 1];
                    return Ok(SecretList {
                        next_token: Some(encode_cursor(last, order)),
                        secrets: found,
                    });
                }
                after = Some(cursor_of(&record));
                if filters::matches_all(&query.filters, &record) {
                    found.push(record);
                }
            }
            if short {
                exhausted = true;
                break;
            }
        }
        let next_token = (!exhausted)
            .then(|| after.as_ref().map(|c| encode_cursor_parts(c, order)))
            .flatten();
        Ok(SecretList {
            secrets: found,
            next_token,
        })
    }

    pub async fn batch_get_secret_value(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_ids: Option<Vec<String>>,
        filters: Option<Vec<Filter>>,
        max_results: Option<u32>,
        next_token: Option<String>,
    ) -> Result<(Vec<BatchEntry>, Option<String>)> {
        match (&secret_ids, &filters) {
            (Some(_), Some(_)) | (None, None) => {
                return Err(SecretsError::InvalidParameter(
                    "Either 'SecretIdList' or 'Filters' must be provided, but not both.".to_owned(),
                ));
            }
            _ => {}
        }
        if max_results.is_some() && filters.is_none() {
            return Err(SecretsError::InvalidParameter(
                "'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided."
                    .to_owned(),
            ));
        }
        self.authorize(authz, caller, "secretsmanager:BatchGetSecretValue", "*")?;
        let (ids, next) = match (secret_ids, filters) {
            (Some(ids), _) => (ids, None),
            (None, Some(filters)) => {
                let query = ListQuery {
                    filters,
                    max_results: Some(max_results.unwrap_or(20).min(20)),
                    next_token,
                    ..ListQuery::default()
                };
                let list = self.list(caller, &query).await?;
                (list.secrets.into_iter().map(|s| s.arn).collect(), list.next_token)
            }
            (None, None) => (Vec::new(), None),
        };
        let mut entries = Vec::with_capacity(ids.len());
        for id in ids {
            let result = self.get_secret_value(authz, caller, &id, None, None).await;
            entries.push(match result {
                Ok(value) => BatchEntry::Value(value),
                Err(err) => {
                    let (code, message) = batch_error(&err);
                    BatchEntry::Error {
                        secret_id: id,
                        code,
                        message,
                    }
                }
            });
        }
        Ok((entries, next))
    }

    // ---------------------------------------------------------------------------------------------------
    // Resource policies

    pub async fn put_resource_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_id: &str,
        policy: &str,
        block_public_policy: bool,
        policy_name: Option<&str>,
    ) -> Result<SecretRecord> {
        check_policy_name(policy_name)?;
        let parsed = strongroom_policy::Policy::parse(policy, strongroom_policy::PolicyKind::Resource)
            .map_err(|err| SecretsError::MalformedPolicyDocument(err.to_string()))?;
        if block_public_policy && is_public(&parsed) {
            return Err(SecretsError::PublicPolicy(
                "BlockPublicPolicy parameter is set to true and the resource policy grants public access to the secret."
                    .to_owned(),
            ));
        }
        self.mutate_with(
            authz,
            caller,
            secret_id,
            "secretsmanager:PutResourcePolicy",
            || {
                vec![access::key(
                    "secretsmanager:BlockPublicPolicy",
                    block_public_policy,
                )]
            },
            |record, _| {
                record.resource_policy = Some(policy.to_owned());
                Ok(())
            },
        )
        .await
    }

    pub async fn get_resource_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_id: &str,
        policy_name: Option<&str>,
    ) -> Result<SecretRecord> {
        let record = self
            .find_authorized(authz, caller, secret_id, "secretsmanager:GetResourcePolicy")
            .await?;
        if policy_name.is_some_and(|n| n != "default") {
            return Err(SecretsError::NotFound(
                "Secrets Manager can't find the specified resource policy.".to_owned(),
            ));
        }
        Ok(record)
    }

    pub async fn delete_resource_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_id: &str,
        policy_name: Option<&str>,
    ) -> Result<SecretRecord> {
        check_policy_name(policy_name)?;
        self.mutate(
            authz,
            caller,
            secret_id,
            "secretsmanager:DeleteResourcePolicy",
            |record, _| {
                record.resource_policy = None;
                Ok(())
            },
        )
        .await
    }

    pub async fn validate_resource_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_id: Option<&str>,
        policy: &str,
    ) -> Result<PolicyValidation> {
        match secret_id {
            Some(id) => {
                self.find_authorized(authz, caller, id, "secretsmanager:ValidateResourcePolicy")
                    .await?;
            }
            None => {
                self.authorize(authz, caller, "secretsmanager:ValidateResourcePolicy", "*")?;
            }
        }
        let parsed = strongroom_policy::Policy::parse(policy, strongroom_policy::PolicyKind::Resource)
            .map_err(|err| SecretsError::MalformedPolicyDocument(err.to_string()))?;
        let mut errors = Vec::new();
        if is_public(&parsed) {
            errors.push((
                "BROAD_ACCESS_CHECK".to_owned(),
                "The resource policy grants access to every principal (\"Principal\": \"*\") without limiting conditions."
                    .to_owned(),
            ));
        }
        Ok(PolicyValidation {
            passed: errors.is_empty(),
            errors,
        })
    }

    // ---------------------------------------------------------------------------------------------------
    // Replication

    pub async fn replicate_secret_to_regions(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_id: &str,
        regions: Vec<(String, Option<String>)>,
        force_overwrite: bool,
    ) -> Result<SecretRecord> {
        for _ in 0..WRITE_ATTEMPTS {
            let record = self
                .find_authorized(
                    authz,
                    caller,
                    secret_id,
                    "secretsmanager:ReplicateSecretToRegions",
                )
                .await?;
            ensure_writable(&record)?;
            let now = self.now();
            let mut next = record.clone();
            let mut writes = Vec::new();
            for (region, kms_key_id) in &regions {
                if region == record.region.as_str() {
                    return Err(SecretsError::InvalidParameter(
                        "Invalid replica region: the secret's own region cannot be a replica.".to_owned(),
                    ));
                }
                if next.replicas.iter().any(|r| &r.region == region) {
                    continue;
                }
                let region_parsed: Region = region.parse().map_err(|_| {
                    SecretsError::InvalidParameter(format!("Invalid replica region: {region}"))
                })?;
                let existing = self
                    .store
                    .secret_by_name(&record.account_id, &region_parsed, &record.name)
                    .await
                    .map_err(store_err)?;
                let mut replica_status = ReplicaRecord {
                    region: region.clone(),
                    kms_key_id: kms_key_id.clone(),
                    status: "InSync".to_owned(),
                    status_message: Some("Replication succeeded".to_owned()),
                    last_accessed_at: None,
                };
                if let Some(existing) = &existing {
                    if !force_overwrite {
                        replica_status.status = "Failed".to_owned();
                        replica_status.status_message = Some(format!(
                            "Replication failed: Secret name {} already exists in the destination Region.",
                            record.name
                        ));
                        next.replicas.push(replica_status);
                        continue;
                    }
                    writes.push(SecretWrite::Purge {
                        arn: existing.arn.clone(),
                        expected_revision: existing.revision,
                    });
                }
                let (replica, values) = self
                    .copy_to_replica(&record, region, kms_key_id.clone(), now)
                    .await?;
                writes.push(SecretWrite::Create {
                    secret: replica,
                    values,
                });
                next.replicas.push(replica_status);
            }
            next.last_changed_at = now;
            writes.insert(0, update(record.revision, next.clone(), Vec::new(), Vec::new()));
            // A replica's name taken meanwhile in its region is a race too: read again and decide again.
            match self.write(&writes).await {
                Ok(()) => return Ok(next),
                Err(StoreError::Conflict | StoreError::NotFound | StoreError::AlreadyExists) => continue,
                Err(err) => return Err(store_err(err)),
            }
        }
        Err(busy())
    }

    pub async fn remove_regions_from_replication(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_id: &str,
        regions: Vec<String>,
    ) -> Result<SecretRecord> {
        for _ in 0..WRITE_ATTEMPTS {
            let record = self
                .find_authorized(
                    authz,
                    caller,
                    secret_id,
                    "secretsmanager:RemoveRegionsFromReplication",
                )
                .await?;
            ensure_not_replica(&record)?;
            let mut next = record.clone();
            let mut writes = Vec::new();
            for region in &regions {
                if !next.replicas.iter().any(|r| &r.region == region) {
                    return Err(SecretsError::InvalidParameter(format!(
                        "Region {region} is not a replica of this secret."
                    )));
                }
                next.replicas.retain(|r| &r.region != region);
                if let Some(replica_arn) = names::arn_in_region(&record.arn, region)
                    && let Some(replica) = self.store.secret_by_arn(&replica_arn).await.map_err(store_err)?
                {
                    writes.push(SecretWrite::Purge {
                        arn: replica.arn,
                        expected_revision: replica.revision,
                    });
                }
            }
            next.last_changed_at = self.now();
            writes.insert(0, update(record.revision, next.clone(), Vec::new(), Vec::new()));
            if self.commit(&writes).await? {
                return Ok(next);
            }
        }
        Err(busy())
    }

    /// Called on a replica: makes it a standalone secret in its region.
    pub async fn stop_replication_to_replica(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        secret_id: &str,
    ) -> Result<SecretRecord> {
        for _ in 0..WRITE_ATTEMPTS {
            let replica = self
                .find_authorized(
                    authz,
                    caller,
                    secret_id,
                    "secretsmanager:StopReplicationToReplica",
                )
                .await?;
            let Some(primary_region) = replica.primary_region.clone() else {
                return Err(SecretsError::InvalidRequest(
                    "The secret is not a replica.".to_owned(),
                ));
            };
            let mut standalone = replica.clone();
            standalone.primary_region = None;
            standalone.last_changed_at = self.now();
            let mut writes = vec![update(
                replica.revision,
                standalone.clone(),
                Vec::new(),
                Vec::new(),
            )];
            if let Some(primary_arn) = names::arn_in_region(&replica.arn, &primary_region)
                && let Some(primary) = self.store.secret_by_arn(&primary_arn).await.map_err(store_err)?
            {
                let mut next = primary.clone();
                next.replicas.retain(|r| r.region != replica.region.as_str());
                writes.push(update(primary.revision, next, Vec::new(), Vec::new()));
            }
            if self.commit(&writes).await? {
                return Ok(standalone);
            }
        }
        Err(busy())
    }

    /// The writes that bring every replica of `primary` in line with it. `new_value` is the version written
    /// with this change (its plaintext is sealed again under each replica's key); `removed` are pruned
    /// versions.
    async fn replica_writes(
        &self,
        primary: &SecretRecord,
        new_value: Option<(&str, &SecretPayload)>,
        removed: &[String],
        now: OffsetDateTime,
    ) -> Result<Vec<SecretWrite>> {
        let mut writes = Vec::new();
        for replica_status in primary.replicas.iter().filter(|r| r.status == "InSync") {
            let Some(replica_arn) = names::arn_in_region(&primary.arn, &replica_status.region) else {
                continue;
            };
            let Some(replica) = self.store.secret_by_arn(&replica_arn).await.map_err(store_err)? else {
                continue;
            };
            let mut next = mirror(primary, &replica, replica_status);
            let mut values = Vec::new();
            if let Some((version_id, payload)) = new_value {
                let (version, value) = self.seal_version(&next, version_id, payload, now).await?;
                if let Some(slot) = next.versions.iter_mut().find(|v| v.version_id == version_id) {
                    slot.kms_key_ids = version.kms_key_ids;
                }
                values.push(value);
            }
            next.last_changed_at = now;
            writes.push(update(replica.revision, next, values, removed.to_vec()));
        }
        Ok(writes)
    }

    /// A new replica of `primary` in `region` with a copy of every version's value.
    async fn copy_to_replica(
        &self,
        primary: &SecretRecord,
        region: &str,
        kms_key_id: Option<String>,
        now: OffsetDateTime,
    ) -> Result<(SecretRecord, Vec<SecretValueRecord>)> {
        let (mut replica, _) = self.replica_of(primary, region, kms_key_id, None, now).await?;
        let mut values = Vec::new();
        for version in primary.versions.iter().filter(|v| v.has_value) {
            let Some(stored) = self
                .store
                .secret_value(&primary.arn, &version.version_id)
                .await
                .map_err(store_err)?
            else {
                continue;
            };
            let payload = values::open(&self.kms, primary, &version.version_id, &stored.sealed).await?;
            let (sealed_version, value) = self
                .seal_version(&replica, &version.version_id, &payload, now)
                .await?;
            if let Some(slot) = replica
                .versions
                .iter_mut()
                .find(|v| v.version_id == version.version_id)
            {
                slot.kms_key_ids = sealed_version.kms_key_ids;
            }
            values.push(value);
        }
        Ok((replica, values))
    }

    /// The record (and the value of the first version, when `payload` is given) of a new replica.
    async fn replica_of(
        &self,
        primary: &SecretRecord,
        region: &str,
        kms_key_id: Option<String>,
        payload: Option<&SecretPayload>,
        now: OffsetDateTime,
    ) -> Result<(SecretRecord, Vec<SecretValueRecord>)> {
        let replica_region: Region = region
            .parse()
            .map_err(|_| SecretsError::InvalidParameter(format!("Invalid replica region: {region}")))?;
        let arn = names::arn_in_region(&primary.arn, region).ok_or_else(SecretsError::not_found)?;
        let mut replica = primary.clone();
        replica.arn = arn;
        replica.region = replica_region;
        replica.kms_key_id = kms_key_id;
        replica.primary_region = Some(primary.region.to_string());
        replica.replicas = Vec::new();
        replica.revision = 1;
        replica.created_at = now;
        let mut values = Vec::new();
        if let (Some(payload), Some(version)) = (payload, primary.versions.last()) {
            let (sealed_version, value) = self
                .seal_version(&replica, &version.version_id, payload, now)
                .await?;
            if let Some(slot) = replica
                .versions
                .iter_mut()
                .find(|v| v.version_id == version.version_id)
            {
                slot.kms_key_ids = sealed_version.kms_key_ids;
            }
            values.push(value);
        }
        Ok((replica, values))
    }

    // ---------------------------------------------------------------------------------------------------
    // Values

    /// A new version record and its sealed value for `record`.
    async fn seal_version(
        &self,
        record: &SecretRecord,
        version_id: &str,
        payload: &SecretPayload,
        now: OffsetDateTime,
    ) -> Result<(VersionRecord, SecretValueRecord)> {
        let (sealed, key) = values::seal(&self.kms, record, version_id, payload).await?;
        let kms_key_ids = vec![if key.aws_managed {
            "DefaultEncryptionKey".to_owned()
        } else {
            key.arn
        }];
        let version = VersionRecord {
            version_id: version_id.to_owned(),
            stages: Vec::new(),
            created_at: now,
            last_accessed_at: None,
            has_value: true,
            kms_key_ids,
        };
        let value = SecretValueRecord {
            secret_arn: record.arn.clone(),
            version_id: version_id.to_owned(),
            sealed,
        };
        Ok((version, value))
    }

    /// Whether the stored value of `version` equals `payload` (for idempotent retries), compared in
    /// constant time.
    async fn same_value(
        &self,
        record: &SecretRecord,
        version: &VersionRecord,
        payload: &SecretPayload,
    ) -> Result<bool> {
        let Some(stored) = self
            .store
            .secret_value(&record.arn, &version.version_id)
            .await
            .map_err(store_err)?
        else {
            return Ok(false);
        };
        let existing = values::open(&self.kms, record, &version.version_id, &stored.sealed).await?;
        Ok(existing.same_as(payload))
    }

    pub fn get_random_password(&self, rules: &PasswordRules) -> Result<SecretString> {
        strongroom_crypto::random::password(rules)
            .map_err(|err| SecretsError::InvalidParameter(err.to_string()))
    }
}

/// What UpdateSecret changes besides the value.
#[derive(Debug)]
struct MetadataChange {
    description: Option<String>,
    kms_key_id: Option<String>,
}

impl MetadataChange {
    fn apply(&self, record: &mut SecretRecord) {
        if let Some(description) = &self.description {
            record.description = Some(description.clone());
        }
        if let Some(key) = &self.kms_key_id {
            record.kms_key_id = (!key.is_empty()).then(|| key.clone());
        }
    }
}

/// A replica's record after its primary changed: the primary's content in the replica's region and key.
fn mirror(primary: &SecretRecord, replica: &SecretRecord, status: &ReplicaRecord) -> SecretRecord {
    let mut next = primary.clone();
    next.arn.clone_from(&replica.arn);
    next.region = replica.region.clone();
    next.revision = replica.revision;
    next.created_at = replica.created_at;
    next.kms_key_id.clone_from(&status.kms_key_id);
    next.primary_region = Some(primary.region.to_string());
    next.replicas = Vec::new();
    // Keep the replica's own record of which key sealed each version it has.
    for version in &mut next.versions {
        if let Some(own) = replica
            .versions
            .iter()
            .find(|v| v.version_id == version.version_id)
        {
            version.kms_key_ids.clone_from(&own.kms_key_ids);
        }
    }
    next
}

fn update(
    expected_revision: u64,
    mut next: SecretRecord,
    values: Vec<SecretValueRecord>,
    removed_versions: Vec<String>,
) -> SecretWrite {
    next.revision = expected_revision + 1;
    SecretWrite::Update {
        secret: next,
        expected_revision,
        values,
        removed_versions,
    }
}

fn ensure_writable(record: &SecretRecord) -> Result<()> {
    if record.deleted_at.is_some() {
        return Err(SecretsError::marked_for_deletion());
    }
    ensure_not_replica(record)
}

fn ensure_not_replica(record: &SecretRecord) -> Result<()> {
    if record.primary_region.is_some() {
        return Err(SecretsError::InvalidRequest(
            "Operation not permitted on a replica secret. Call must be made in primary secret's region."
                .to_owned(),
        ));
    }
    Ok(())
}

fn merge_tags(existing: Option<Vec<Tag>>, new: Vec<Tag>) -> Result<Vec<Tag>> {
    let mut tags = existing.unwrap_or_default();
    for tag in new {
        if tag.key.starts_with("aws:") {
            return Err(SecretsError::InvalidParameter(
                "Invalid tag key. Tag keys can't start with the reserved prefix aws:.".to_owned(),
            ));
        }
        match tags.iter_mut().find(|t| t.key == tag.key) {
            Some(slot) => slot.value = tag.value,
            None => tags.push(tag),
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(SecretsError::InvalidParameter(format!(
            "A secret can have at most {MAX_TAGS} tags."
        )));
    }
    Ok(tags)
}

fn check_policy_name(name: Option<&str>) -> Result<()> {
    match name {
        None | Some("default") => Ok(()),
        Some(other) => Err(SecretsError::InvalidParameter(format!(
            "Invalid PolicyName {other}: only the policy named default can be set or deleted."
        ))),
    }
}

/// Whether a resource policy grants something to everyone without a condition.
fn is_public(policy: &strongroom_policy::Policy) -> bool {
    policy
        .statements()
        .iter()
        .any(|statement| statement.grants_public_access())
}

fn missing_token() -> SecretsError {
    SecretsError::InvalidRequest(
        "You must provide a ClientRequestToken value. We recommend a UUID-type value.".to_owned(),
    )
}

fn token_in_use(token: &str, arn: &str) -> SecretsError {
    SecretsError::ResourceExists(format!(
        "You can't use ClientRequestToken {token} because that value is already in use for a version of secret {arn}."
    ))
}

/// When the stored schedule next opens a window after `now`; `None` without a schedule.
pub(crate) fn next_rotation(
    rotation: &strongroom_store::secrets::RotationRecord,
    now: OffsetDateTime,
) -> Option<OffsetDateTime> {
    next_rotation_window(rotation, now).map(|window| window.start)
}

/// The stored schedule's next window after `now`; `None` without a schedule.
pub(crate) fn next_rotation_window(
    rotation: &strongroom_store::secrets::RotationRecord,
    now: OffsetDateTime,
) -> Option<Window> {
    stored_schedule(rotation)?.next_window(now, rotation.last_rotated_at)
}

/// The stored schedule, parsed; `None` without one (it was validated when it was stored).
pub(crate) fn stored_schedule(rotation: &strongroom_store::secrets::RotationRecord) -> Option<Schedule> {
    Schedule::parse(
        rotation.automatically_after_days,
        rotation.schedule_expression.as_deref(),
        rotation.duration.as_deref(),
    )
    .ok()
}

/// Puts AWSPENDING on a new label-only version `token` for a rotation that starts, or finds the rotation in
/// progress: a pending version without AWSCURRENT is re-used when no other token was asked for. Another
/// token is refused while that rotation is in progress, and takes AWSPENDING over when it was `abandoned`.
fn start_pending(
    versions: &mut Vec<VersionRecord>,
    token: &str,
    token_given: bool,
    abandoned: bool,
    now: OffsetDateTime,
) -> Result<String> {
    if let Some(pending) = stages::version_with(versions, stages::AWSPENDING)
        && !pending.stages.iter().any(|s| s == stages::AWSCURRENT)
    {
        if pending.version_id == token || !token_given {
            return Ok(pending.version_id.clone());
        }
        if !abandoned {
            return Err(SecretsError::InvalidRequest(
                "A previous rotation isn't complete. That rotation will be reattempted.".to_owned(),
            ));
        }
    }
    if let Some(existing) = versions.iter().find(|v| v.version_id == token) {
        return Err(SecretsError::ResourceExists(format!(
            "A version with this ClientRequestToken ({}) already exists.",
            existing.version_id
        )));
    }
    versions.push(VersionRecord {
        version_id: token.to_owned(),
        stages: Vec::new(),
        created_at: now,
        last_accessed_at: None,
        has_value: false,
        kms_key_ids: Vec::new(),
    });
    stages::attach_labels(versions, token, &[stages::AWSPENDING.to_owned()]).map_err(stage_error)?;
    Ok(token.to_owned())
}

fn busy() -> SecretsError {
    SecretsError::InvalidRequest(
        "The secret was changed by another request at the same time. Try the operation again.".to_owned(),
    )
}

fn store_err(err: StoreError) -> SecretsError {
    SecretsError::internal("the secrets store failed", err)
}

fn stage_error(err: stages::StageError) -> SecretsError {
    use stages::StageError;
    match err {
        StageError::MustRemoveFrom { label, holder } => SecretsError::InvalidParameter(format!(
            "The parameter RemoveFromVersionId can't be empty. Staging label {label} is currently attached to version {holder}, so you must explicitly reference that version in RemoveFromVersionId."
        )),
        StageError::NotOnVersion { label, version_id } => {
            SecretsError::InvalidParameter(format!("Version stage {label} not found in version {version_id}"))
        }
        StageError::UnknownVersion(id) => SecretsError::InvalidParameter(format!("Not a valid version: {id}")),
        StageError::TooManyLabels => SecretsError::LimitExceeded(
            "A version can have at most 20 staging labels.".to_owned(),
        ),
        StageError::TooManyVersions => SecretsError::LimitExceeded(
            "You have exceeded the maximum number of versions for this secret. Versions created in the last 24 hours are not removed."
                .to_owned(),
        ),
    }
}

fn batch_error(err: &SecretsError) -> (&'static str, String) {
    let code = match err {
        SecretsError::NotFound(_) => "ResourceNotFoundException",
        SecretsError::InvalidRequest(_) => "InvalidRequestException",
        SecretsError::InvalidParameter(_) => "InvalidParameterException",
        SecretsError::DecryptionFailure(_) => "DecryptionFailure",
        SecretsError::Validation(_) => "ValidationException",
        SecretsError::Service(crate::ServiceError::AccessDenied { .. }) => "AccessDeniedException",
        _ => "InternalServiceError",
    };
    let message = match err {
        SecretsError::Service(crate::ServiceError::Internal { .. }) => {
            "An internal error occurred.".to_owned()
        }
        other => other.to_string(),
    };
    (code, message)
}

fn cursor_of(record: &SecretRecord) -> SecretCursor {
    SecretCursor {
        created_at: record.created_at,
        name: record.name.clone(),
        arn: record.arn.clone(),
    }
}

fn encode_cursor(record: &SecretRecord, order: SecretOrder) -> String {
    encode_cursor_parts(&cursor_of(record), order)
}

fn order_tag(order: SecretOrder) -> &'static str {
    match order {
        SecretOrder::CreatedAsc => "ca",
        SecretOrder::CreatedDesc => "cd",
        SecretOrder::NameAsc => "na",
        SecretOrder::NameDesc => "nd",
    }
}

fn encode_cursor_parts(cursor: &SecretCursor, order: SecretOrder) -> String {
    let millis = cursor.created_at.unix_timestamp_nanos() / 1_000_000;
    URL_SAFE_NO_PAD.encode(format!(
        "1\n{}\n{millis}\n{}\n{}",
        order_tag(order),
        cursor.arn,
        cursor.name
    ))
}

fn decode_cursor(token: &str, order: SecretOrder) -> Result<SecretCursor> {
    let invalid = || SecretsError::InvalidNextToken("The NextToken value is invalid.".to_owned());
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let mut parts = text.splitn(5, '\n');
    let (Some("1"), Some(tag), Some(millis), Some(arn), Some(name)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(invalid());
    };
    if tag != order_tag(order) {
        return Err(invalid());
    }
    let millis: i128 = millis.parse().map_err(|_| invalid())?;
    let created_at = OffsetDateTime::from_unix_timestamp_nanos(millis * 1_000_000).map_err(|_| invalid())?;
    Ok(SecretCursor {
        created_at,
        name: name.to_owned(),
        arn: arn.to_owned(),
    })
}

fn encode_offset(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("v\n{offset}"))
}

fn decode_offset(token: &str) -> Result<usize> {
    let invalid = || SecretsError::InvalidNextToken("The NextToken value is invalid.".to_owned());
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    text.strip_prefix("v\n")
        .and_then(|n| n.parse().ok())
        .ok_or_else(invalid)
}

#[derive(Debug, thiserror::Error)]
#[error("a version's value row is missing")]
struct MissingValue;
