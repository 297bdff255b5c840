//! IAM users, their access keys and their inline policies, per account (IAM is global: no region).
//!
//! A user's record changes only as a whole, by compare-and-set on its `revision` (UpdateUser, TagUser,
//! UntagUser); a rename carries the user's access keys with it in the same unit. User names are unique per
//! account without regard to ASCII case, as in AWS, and every method that takes a user name matches it that
//! way. A user's access keys are rows of the shared `access_keys` table (owner = the user's name), so that
//! authentication finds them; creating one counts the user's keys in the same unit, so the per-user quota
//! holds under concurrency. Deleting a user is refused while it has access keys or inline policies.

use async_trait::async_trait;
use strongroom_types::{AccessKeyId, AccountId, OffsetDateTime};

pub use crate::secrets::Tag;
use crate::{AccessKeyRecord, AccessKeyStatus, StoreError};

/// An IAM user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamUserRecord {
    pub account_id: AccountId,
    /// `AIDA…`, unique across the store; never changes, even when the user is renamed.
    pub user_id: String,
    /// Unique within the account, ignoring ASCII case.
    pub name: String,
    /// `/` or `/…/`.
    pub path: String,
    pub created_at: OffsetDateTime,
    /// In insertion order; keys unique.
    pub tags: Vec<Tag>,
    /// Starts at 1 and grows by one with every committed change.
    pub revision: u64,
}

/// What [`IamStore::delete_iam_user`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserDeletion {
    Deleted,
    /// Refused: the user still has access keys.
    HasAccessKeys,
    /// Refused: the user still has inline policies.
    HasPolicies,
}

/// What [`IamStore::create_user_access_key`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyCreation {
    Created,
    /// Refused: the user has the most keys it may have.
    LimitExceeded,
}

/// IAM users, their access keys and inline policies. Each method is one atomic unit.
#[async_trait]
pub trait IamStore: Send + Sync {
    /// `AlreadyExists` when the user id is taken, or the name in the account (ignoring case).
    async fn create_iam_user(&self, user: &IamUserRecord) -> Result<(), StoreError>;

    /// The user called `name` (ignoring ASCII case) in `account`.
    async fn iam_user(&self, account: &AccountId, name: &str) -> Result<Option<IamUserRecord>, StoreError>;

    /// Users of `account` whose path starts with `path_prefix`, ordered by lower-cased name, starting after
    /// the name `after` (compared lower-cased), at most `limit`.
    async fn iam_users(
        &self,
        account: &AccountId,
        path_prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<IamUserRecord>, StoreError>;

    /// Replaces the user `user.user_id` by `user` when its stored revision is `expected_revision`; a new name
    /// is carried to the user's access keys. `NotFound`, `Conflict` (revision moved), `AlreadyExists` (the
    /// new name is another user's).
    async fn update_iam_user(&self, user: &IamUserRecord, expected_revision: u64) -> Result<(), StoreError>;

    /// Deletes the user unless it still has access keys or inline policies. `NotFound`.
    async fn delete_iam_user(&self, account: &AccountId, name: &str) -> Result<UserDeletion, StoreError>;

    /// Adds `key` to the user `user_name` unless it has `max_per_user` keys already. The key's owner is
    /// stored as the user's name as stored. `NotFound` when there is no such user; `AlreadyExists` when the
    /// key id is taken.
    async fn create_user_access_key(
        &self,
        user_name: &str,
        key: &AccessKeyRecord,
        max_per_user: u32,
    ) -> Result<KeyCreation, StoreError>;

    /// The access keys of the user `user_name`, oldest first (`NotFound` when there is no such user).
    async fn user_access_keys(
        &self,
        account: &AccountId,
        user_name: &str,
    ) -> Result<Vec<AccessKeyRecord>, StoreError>;

    /// Sets the status of an IAM user's key in `account`. `NotFound` for a missing key, another account's
    /// or the root user's.
    async fn set_access_key_status(
        &self,
        account: &AccountId,
        id: &AccessKeyId,
        status: AccessKeyStatus,
    ) -> Result<(), StoreError>;

    /// Deletes an IAM user's key in `account`. `NotFound` as for [`Self::set_access_key_status`].
    async fn delete_access_key(&self, account: &AccountId, id: &AccessKeyId) -> Result<(), StoreError>;

    /// Creates or replaces the user's inline policy `policy_name`. `NotFound` when there is no such user.
    async fn put_user_policy(
        &self,
        account: &AccountId,
        user_name: &str,
        policy_name: &str,
        document: &str,
    ) -> Result<(), StoreError>;

    /// The document of the user's inline policy `policy_name`.
    async fn user_policy(
        &self,
        account: &AccountId,
        user_name: &str,
        policy_name: &str,
    ) -> Result<Option<String>, StoreError>;

    /// The names and documents of the user's inline policies, ordered by name.
    async fn user_policies(
        &self,
        account: &AccountId,
        user_name: &str,
    ) -> Result<Vec<(String, String)>, StoreError>;

    /// Deletes the user's inline policy `policy_name`. `NotFound`.
    async fn delete_user_policy(
        &self,
        account: &AccountId,
        user_name: &str,
        policy_name: &str,
    ) -> Result<(), StoreError>;
}

/// The stored form of a user name for uniqueness and lookups: ASCII lower case (IAM names are ASCII).
pub fn name_key(name: &str) -> String {
    name.to_ascii_lowercase()
}
