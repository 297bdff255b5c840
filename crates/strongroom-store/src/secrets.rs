//! Secrets: their metadata with the version-to-labels map, and the sealed value of each version.
//!
//! A secret's record changes only as a whole, by compare-and-set on its `revision`, together with any value
//! rows the change adds or drops. So every Secrets Manager write (a new version moving AWSCURRENT and
//! AWSPREVIOUS, a label move, a deletion) is one atomic unit, and two writers racing on one secret cannot both
//! win: the loser gets `StoreError::Conflict`, re-reads and retries.
//! Last-accessed dates are the one exception: reads record them outside the revision, at most once a day.

use async_trait::async_trait;
use strongroom_types::{AccountId, OffsetDateTime, Region, Sealed};

use crate::StoreError;

/// A tag on a resource. Order is insertion order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// The metadata of one version (its value, if any, is a separate row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRecord {
    pub version_id: String,
    /// Staging labels; empty means deprecated.
    pub stages: Vec<String>,
    pub created_at: OffsetDateTime,
    /// The day of the last read, midnight UTC; kept outside the revision (see `record_secret_access`).
    pub last_accessed_at: Option<OffsetDateTime>,
    /// False for a label-only placeholder (the AWSPENDING version a rotation creates before its value).
    pub has_value: bool,
    /// The KMS key ids that encrypted this version's value, as DescribeSecret/ListSecretVersionIds report them.
    pub kms_key_ids: Vec<String>,
}

/// Rotation configuration and state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RotationRecord {
    pub enabled: bool,
    pub lambda_arn: Option<String>,
    pub automatically_after_days: Option<i64>,
    pub duration: Option<String>,
    pub schedule_expression: Option<String>,
    pub last_rotated_at: Option<OffsetDateTime>,
    pub next_rotation_at: Option<OffsetDateTime>,
}

/// One replica of a primary secret, as the primary reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaRecord {
    pub region: String,
    pub kms_key_id: Option<String>,
    /// `InSync`, `Failed`, `InProgress`, …
    pub status: String,
    pub status_message: Option<String>,
    pub last_accessed_at: Option<OffsetDateTime>,
}

/// A secret's metadata and version map. Everything but the values and the last-accessed dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRecord {
    /// `arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX`, unique.
    pub arn: String,
    pub account_id: AccountId,
    pub region: Region,
    /// Unique within (account, region) among secrets that have not been purged.
    pub name: String,
    /// Starts at 1 and grows by one with every committed change.
    pub revision: u64,
    pub created_at: OffsetDateTime,
    pub last_changed_at: OffsetDateTime,
    /// Kept outside the revision (see `record_secret_access`); ignored on write.
    pub last_accessed_at: Option<OffsetDateTime>,
    /// When DeleteSecret scheduled the deletion (DescribeSecret's `DeletedDate`).
    pub deleted_at: Option<OffsetDateTime>,
    /// When the background purge may remove it for good.
    pub purge_at: Option<OffsetDateTime>,
    pub description: Option<String>,
    /// As the caller gave it (id, ARN or alias); `None` for the default `aws/secretsmanager` key.
    pub kms_key_id: Option<String>,
    pub secret_type: Option<String>,
    pub owning_service: Option<String>,
    /// `None` when never tagged; `Some(empty)` after every tag was removed.
    pub tags: Option<Vec<Tag>>,
    pub resource_policy: Option<String>,
    pub rotation: Option<RotationRecord>,
    /// For a replica: the region of its primary.
    pub primary_region: Option<String>,
    /// For a primary: its replicas.
    pub replicas: Vec<ReplicaRecord>,
    /// Every version, deprecated ones included, oldest first.
    pub versions: Vec<VersionRecord>,
}

/// The sealed value of one version: the wrapped data key and the ciphertext, in whatever layout the service
/// chose. The store keeps it as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretValueRecord {
    pub secret_arn: String,
    pub version_id: String,
    pub sealed: Sealed,
}

/// One change to one secret, applied with others in one transaction by [`SecretStore::write_secrets`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretWrite {
    /// A new secret with the value rows of its versions. `AlreadyExists` when its ARN or its name in
    /// (account, region) is taken.
    Create {
        secret: SecretRecord,
        values: Vec<SecretValueRecord>,
    },
    /// Replaces the record whose stored revision is `expected_revision` (`Conflict` otherwise, `NotFound`
    /// when there is none); `secret.revision` is `expected_revision + 1`. `values` are inserted or replace
    /// the row of the same version; `removed_versions` lose their value rows.
    Update {
        secret: SecretRecord,
        expected_revision: u64,
        values: Vec<SecretValueRecord>,
        removed_versions: Vec<String>,
    },
    /// Removes the secret and all its values, if its revision is still `expected_revision`.
    Purge { arn: String, expected_revision: u64 },
}

/// The order of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretOrder {
    CreatedAsc,
    CreatedDesc,
    NameAsc,
    NameDesc,
}

/// Where a listing page starts: strictly after this secret in the listing's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretCursor {
    pub created_at: OffsetDateTime,
    pub name: String,
    pub arn: String,
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretPage {
    pub order: SecretOrder,
    pub after: Option<SecretCursor>,
    pub limit: u32,
    /// Whether secrets scheduled for deletion are listed.
    pub include_deleted: bool,
    /// Only secrets whose name starts with this (case-sensitive).
    pub name_prefix: Option<String>,
}

/// Secrets and their versions.
#[async_trait]
pub trait SecretStore: Send + Sync {
    /// Applies every write in one transaction: all of them or none.
    async fn write_secrets(&self, writes: &[SecretWrite]) -> Result<(), StoreError>;

    async fn secret_by_arn(&self, arn: &str) -> Result<Option<SecretRecord>, StoreError>;

    async fn secret_by_name(
        &self,
        account: &AccountId,
        region: &Region,
        name: &str,
    ) -> Result<Option<SecretRecord>, StoreError>;

    async fn secret_value(
        &self,
        arn: &str,
        version_id: &str,
    ) -> Result<Option<SecretValueRecord>, StoreError>;

    /// A page of (account, region)'s secrets in the page's order. Ties on the creation time are broken by
    /// ARN, ties on the name cannot happen. Must stay fast at a million secrets (keyset pagination on an
    /// index).
    async fn list_secrets(
        &self,
        account: &AccountId,
        region: &Region,
        page: &SecretPage,
    ) -> Result<Vec<SecretRecord>, StoreError>;

    /// Secrets whose `purge_at` is at or before `now`, oldest first, at most `limit`.
    async fn secrets_to_purge(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<SecretRecord>, StoreError>;

    /// Records a read of `version_id` on `day` (midnight UTC) for the secret and the version, unless a
    /// later day is recorded already. Does not change the revision.
    async fn record_secret_access(
        &self,
        arn: &str,
        version_id: &str,
        day: OffsetDateTime,
    ) -> Result<(), StoreError>;
}
