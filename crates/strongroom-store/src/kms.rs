//! KMS keys, their key material versions (sealed under the root key) and aliases.
//!
//! A key's record changes only as a whole, by compare-and-set on its `revision`, together with the material
//! version a rotation adds: so a state change, a rotation and a tag change are each one atomic unit, and of
//! two writers racing on one key the loser gets [`StoreError::Conflict`], re-reads and retries. Material
//! versions are never changed once written; they go when their key is purged. Aliases are single rows,
//! unique per (account, region, name), and go with their target key.

use async_trait::async_trait;
use strongroom_types::{AccountId, OffsetDateTime, Region, Sealed};

use crate::StoreError;
pub use crate::secrets::Tag;

/// A KMS key's lifecycle state, as far as Strongroom models it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KmsKeyState {
    Enabled,
    Disabled,
    PendingDeletion,
}

impl KmsKeyState {
    /// AWS's spelling (`KeyState` on the wire), which is also the stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "Enabled",
            Self::Disabled => "Disabled",
            Self::PendingDeletion => "PendingDeletion",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "Enabled" => Some(Self::Enabled),
            "Disabled" => Some(Self::Disabled),
            "PendingDeletion" => Some(Self::PendingDeletion),
            _ => None,
        }
    }
}

/// Who manages a key: the account (`CUSTOMER`) or AWS on its behalf (`AWS`, e.g. `alias/aws/secretsmanager`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyManager {
    Customer,
    Aws,
}

impl KeyManager {
    /// AWS's spelling (`KeyManager` on the wire), which is also the stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "CUSTOMER",
            Self::Aws => "AWS",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "CUSTOMER" => Some(Self::Customer),
            "AWS" => Some(Self::Aws),
            _ => None,
        }
    }
}

/// A KMS key's metadata. Its material versions are separate rows ([`KmsKeyVersionRecord`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsKeyRecord {
    /// A UUID, unique across the store.
    pub key_id: String,
    /// `arn:aws:kms:REGION:ACCOUNT:key/KEY_ID`, unique.
    pub arn: String,
    pub account_id: AccountId,
    pub region: Region,
    /// Starts at 1 and grows by one with every committed change.
    pub revision: u64,
    pub created_at: OffsetDateTime,
    pub description: String,
    /// `ENCRYPT_DECRYPT`.
    pub key_usage: String,
    /// `SYMMETRIC_DEFAULT`.
    pub key_spec: String,
    pub key_manager: KeyManager,
    pub state: KmsKeyState,
    /// Set while the key is pending deletion: when the purge may remove it.
    pub deletion_date: Option<OffsetDateTime>,
    /// Set while the key is pending deletion: the window it was scheduled with.
    pub pending_window_days: Option<u32>,
    /// The key policy document as given, if any.
    pub policy: Option<String>,
    /// In insertion order; keys unique.
    pub tags: Vec<Tag>,
    pub rotation_enabled: bool,
    /// The automatic rotation period, when rotation is (or was) enabled.
    pub rotation_period_days: Option<u32>,
    /// When automatic rotation is next due; `None` when rotation is disabled.
    pub next_rotation_at: Option<OffsetDateTime>,
    /// The material version new encryptions use; versions `1..=current_version` exist.
    pub current_version: u32,
}

/// One version of a key's material, sealed under the root key. Written once, never changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsKeyVersionRecord {
    pub key_id: String,
    /// Starts at 1.
    pub version: u32,
    pub sealed_material: Sealed,
    pub created_at: OffsetDateTime,
}

/// An alias: a name for a key within (account, region).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsAliasRecord {
    pub account_id: AccountId,
    pub region: Region,
    /// `alias/…`, unique within (account, region).
    pub name: String,
    /// The key id (not the ARN) of a key in the same account and region.
    pub target_key_id: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// KMS keys and aliases. Each method is one atomic unit.
#[async_trait]
pub trait KmsStore: Send + Sync {
    /// Creates a key with its first material version and, optionally, an alias pointing at it, all or
    /// nothing. `AlreadyExists` when the key id or ARN, the version, or the alias name in its
    /// (account, region) is taken. `version.key_id` and `alias.target_key_id` must be `key.key_id`.
    async fn create_kms_key(
        &self,
        key: &KmsKeyRecord,
        version: &KmsKeyVersionRecord,
        alias: Option<&KmsAliasRecord>,
    ) -> Result<(), StoreError>;

    async fn kms_key(&self, key_id: &str) -> Result<Option<KmsKeyRecord>, StoreError>;

    /// Replaces the key whose stored revision is `expected_revision` with `key` (whose revision is
    /// `expected_revision + 1`), inserting `new_version` (a rotation) in the same transaction. `NotFound`
    /// when there is no such key, `Conflict` when its revision differs; `AlreadyExists` when the version is
    /// taken. Nothing changes on failure.
    async fn update_kms_key(
        &self,
        key: &KmsKeyRecord,
        expected_revision: u64,
        new_version: Option<&KmsKeyVersionRecord>,
    ) -> Result<(), StoreError>;

    /// Removes the key, its material versions and its aliases, if its revision is still
    /// `expected_revision` (`Conflict` otherwise, `NotFound` when there is none).
    async fn delete_kms_key(&self, key_id: &str, expected_revision: u64) -> Result<(), StoreError>;

    async fn kms_key_version(
        &self,
        key_id: &str,
        version: u32,
    ) -> Result<Option<KmsKeyVersionRecord>, StoreError>;

    /// (account, region)'s keys with a key id greater than `after`, by key id, at most `limit`.
    async fn list_kms_keys(
        &self,
        account: &AccountId,
        region: &Region,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<KmsKeyRecord>, StoreError>;

    /// Keys pending deletion whose `deletion_date` is at or before `now`, soonest first, at most `limit`.
    async fn kms_keys_due_for_deletion(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<KmsKeyRecord>, StoreError>;

    /// Enabled keys with rotation enabled whose `next_rotation_at` is at or before `now`, soonest first, at
    /// most `limit`.
    async fn kms_keys_due_for_rotation(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<KmsKeyRecord>, StoreError>;

    /// Creates an alias. `AlreadyExists` when its name is taken in its (account, region); `NotFound` when
    /// the target key does not exist.
    async fn create_kms_alias(&self, alias: &KmsAliasRecord) -> Result<(), StoreError>;

    async fn kms_alias(
        &self,
        account: &AccountId,
        region: &Region,
        name: &str,
    ) -> Result<Option<KmsAliasRecord>, StoreError>;

    /// Points an existing alias at another key. `NotFound` when the alias or the target key does not exist.
    async fn update_kms_alias(
        &self,
        account: &AccountId,
        region: &Region,
        name: &str,
        target_key_id: &str,
        updated_at: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// `NotFound` when there is no such alias.
    async fn delete_kms_alias(
        &self,
        account: &AccountId,
        region: &Region,
        name: &str,
    ) -> Result<(), StoreError>;

    /// (account, region)'s aliases (only those of `target_key_id`, when given) with a name greater than
    /// `after`, by name (bytewise), at most `limit`.
    async fn list_kms_aliases(
        &self,
        account: &AccountId,
        region: &Region,
        target_key_id: Option<&str>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<KmsAliasRecord>, StoreError>;
}

/// Tags in one column, for backends: each tag as `<key length>:<key><value length>:<value>`, lengths in
/// bytes. Lossless for any strings.
pub fn encode_tags(tags: &[Tag]) -> String {
    let mut out = String::new();
    for tag in tags {
        for part in [&tag.key, &tag.value] {
            out.push_str(&part.len().to_string());
            out.push(':');
            out.push_str(part);
        }
    }
    out
}

/// Reads what [`encode_tags`] wrote; `None` when the text is not in that form.
pub fn decode_tags(mut text: &str) -> Option<Vec<Tag>> {
    fn part<'t>(text: &mut &'t str) -> Option<&'t str> {
        let (len, rest) = text.split_once(':')?;
        let len: usize = len.parse().ok()?;
        let value = rest.get(..len)?;
        *text = rest.get(len..)?;
        Some(value)
    }
    let mut tags = Vec::new();
    while !text.is_empty() {
        let key = part(&mut text)?.to_owned();
        let value = part(&mut text)?.to_owned();
        tags.push(Tag { key, value });
    }
    Some(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip() {
        let tags = vec![
            Tag {
                key: "a:b".into(),
                value: String::new(),
            },
            Tag {
                key: "ünï 1:2".into(),
                value: "12:x".into(),
            },
        ];
        let text = encode_tags(&tags);
        assert_eq!(decode_tags(&text), Some(tags));
        assert_eq!(decode_tags(""), Some(Vec::new()));
        for bad in ["1", "1:a", "x:a0:", "5:ab0:", "1:a1"] {
            assert_eq!(decode_tags(bad), None, "{bad}");
        }
    }
}
