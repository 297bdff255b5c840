//! IAM users, their access keys and their inline policies, and customer managed policies with their versions
//! and attachments to users, per account (IAM is global: no region).
//!
//! A user's record changes only as a whole, by compare-and-set on its `revision` (UpdateUser, TagUser,
//! UntagUser); a rename carries the user's access keys with it in the same unit. User names are unique per
//! account without regard to ASCII case, as in AWS, and every method that takes a user name matches it that
//! way. A user's access keys are rows of the shared `access_keys` table (owner = the user's name), so that
//! authentication finds them; creating one counts the user's keys in the same unit, so the per-user quota
//! holds under concurrency. Deleting a user is refused while it has access keys, inline policies or attached
//! managed policies; creating a policy version counts the policy's versions in the same unit, so the
//! per-policy quota holds under concurrency too.

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
    /// The ARN of the managed policy that bounds the user's permissions (`arn:aws:iam::ACCOUNT:policy{path}{name}`).
    pub permissions_boundary: Option<String>,
}

/// What [`IamStore::delete_iam_user`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserDeletion {
    Deleted,
    /// Refused: the user still has access keys.
    HasAccessKeys,
    /// Refused: the user still has inline policies.
    HasPolicies,
    /// Refused: managed policies are still attached to the user.
    HasAttachedPolicies,
    /// Refused: the user is still a member of groups.
    InGroups,
}

/// An IAM group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamGroupRecord {
    pub account_id: AccountId,
    /// `AGPA…`, unique across the store.
    pub group_id: String,
    /// Unique within the account, ignoring ASCII case.
    pub name: String,
    /// `/` or `/…/`.
    pub path: String,
    pub created_at: OffsetDateTime,
}

/// What [`IamStore::delete_iam_group`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupDeletion {
    Deleted,
    /// Refused: the group still has members.
    HasMembers,
    /// Refused: the group still has inline policies.
    HasPolicies,
    /// Refused: managed policies are still attached to the group.
    HasAttachedPolicies,
}

/// What [`IamStore::create_user_access_key`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyCreation {
    Created,
    /// Refused: the user has the most keys it may have.
    LimitExceeded,
}

/// A customer managed policy. Names are unique per account without regard to ASCII case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedPolicyRecord {
    pub account_id: AccountId,
    /// `ANPA…`, unique across the store.
    pub policy_id: String,
    pub name: String,
    /// `/` or `/…/`.
    pub path: String,
    pub description: Option<String>,
    pub created_at: OffsetDateTime,
    /// When the default version last changed (the creation time until then).
    pub updated_at: OffsetDateTime,
    /// The number `N` of the default version `vN`.
    pub default_version: u32,
    /// In insertion order; keys unique.
    pub tags: Vec<Tag>,
    /// How many users, groups and roles the policy is attached to; computed on read (ignored on create).
    pub attachment_count: u32,
}

/// One version `vN` of a managed policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersionRecord {
    pub version: u32,
    pub document: String,
    pub created_at: OffsetDateTime,
}

/// What [`IamStore::create_policy_version`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionCreation {
    /// The new version's number (numbers are never reused within a policy).
    Created(u32),
    /// Refused: the policy has the most versions it may have.
    LimitExceeded,
}

/// What [`IamStore::delete_policy_version`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionDeletion {
    Deleted,
    /// Refused: the version is the policy's default.
    IsDefault,
}

/// What [`IamStore::delete_managed_policy`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyDeletion {
    Deleted,
    /// Refused: the policy is attached to a user or group.
    Attached,
    /// Refused: the policy has versions besides its default one.
    HasVersions,
    /// Refused: the policy is the permissions boundary of a user or role.
    UsedAsBoundary,
}

/// One use of an access key: when, and for which service in which region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeyUse {
    pub access_key_id: AccessKeyId,
    pub used_at: OffsetDateTime,
    /// The signing name of the service, e.g. `secretsmanager`.
    pub service: String,
    pub region: String,
}

/// An IAM role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamRoleRecord {
    pub account_id: AccountId,
    /// `AROA…`, unique across the store.
    pub role_id: String,
    /// Unique within the account, ignoring ASCII case.
    pub name: String,
    /// `/` or `/…/`.
    pub path: String,
    pub description: Option<String>,
    /// The trust policy: who may assume the role.
    pub assume_role_policy: String,
    /// The longest session AssumeRole may give, in seconds.
    pub max_session_duration: u32,
    pub created_at: OffsetDateTime,
    /// In insertion order; keys unique.
    pub tags: Vec<Tag>,
    /// The ARN of the managed policy that bounds the role's permissions (`arn:aws:iam::ACCOUNT:policy{path}{name}`).
    pub permissions_boundary: Option<String>,
    /// Starts at 1 and grows by one with every committed change (trust policy changes included).
    pub revision: u64,
}

/// What [`IamStore::delete_iam_role`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleDeletion {
    Deleted,
    /// Refused: the role still has inline policies.
    HasPolicies,
    /// Refused: managed policies are still attached to the role.
    HasAttachedPolicies,
}

/// IAM users, their access keys and inline policies, and customer managed policies with their versions and
/// attachments to users. Each method is one atomic unit.
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

    /// Creates the managed policy `policy` with `document` as its version 1, the default
    /// (`policy.default_version` is ignored). `AlreadyExists` when the id or the name (ignoring case) is taken.
    async fn create_managed_policy(
        &self,
        policy: &ManagedPolicyRecord,
        document: &str,
    ) -> Result<(), StoreError>;

    /// The managed policy called `name` (ignoring ASCII case) in `account`.
    async fn managed_policy(
        &self,
        account: &AccountId,
        name: &str,
    ) -> Result<Option<ManagedPolicyRecord>, StoreError>;

    /// Managed policies of `account` whose path starts with `path_prefix` (only those attached to something
    /// when `only_attached`), ordered by lower-cased name, after the name `after`, at most `limit`.
    async fn managed_policies(
        &self,
        account: &AccountId,
        path_prefix: &str,
        only_attached: bool,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ManagedPolicyRecord>, StoreError>;

    /// Adds a version to the policy `name` unless it has `max_versions` already; makes it the default when
    /// `set_default` (then `updated_at` is set to `created_at`). `NotFound` when there is no such policy.
    async fn create_policy_version(
        &self,
        account: &AccountId,
        name: &str,
        document: &str,
        set_default: bool,
        created_at: OffsetDateTime,
        max_versions: u32,
    ) -> Result<VersionCreation, StoreError>;

    /// Version `version` of the policy `name`.
    async fn policy_version(
        &self,
        account: &AccountId,
        name: &str,
        version: u32,
    ) -> Result<Option<PolicyVersionRecord>, StoreError>;

    /// The versions of the policy `name`, oldest first. `NotFound` when there is no such policy.
    async fn policy_versions(
        &self,
        account: &AccountId,
        name: &str,
    ) -> Result<Vec<PolicyVersionRecord>, StoreError>;

    /// Makes `version` the default of the policy `name`. `NotFound` when the policy or version is missing.
    async fn set_default_policy_version(
        &self,
        account: &AccountId,
        name: &str,
        version: u32,
        updated_at: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Deletes a version that is not the default. `NotFound` when the policy or version is missing.
    async fn delete_policy_version(
        &self,
        account: &AccountId,
        name: &str,
        version: u32,
    ) -> Result<VersionDeletion, StoreError>;

    /// Deletes the policy and its (only, default) version unless it is attached, is the permissions boundary
    /// of a user or role of the account (whose stored boundary is the policy's ARN
    /// `arn:aws:iam::ACCOUNT:policy{path}{name}`), or has other versions. `NotFound`.
    async fn delete_managed_policy(
        &self,
        account: &AccountId,
        name: &str,
    ) -> Result<PolicyDeletion, StoreError>;

    /// Attaches the policy `policy_name` to the user `user_name`; attaching twice changes nothing. `NotFound`
    /// when the user or the policy is missing.
    async fn attach_user_policy(
        &self,
        account: &AccountId,
        user_name: &str,
        policy_name: &str,
    ) -> Result<(), StoreError>;

    /// Detaches the policy from the user. `NotFound` when the user or policy is missing or not attached.
    async fn detach_user_policy(
        &self,
        account: &AccountId,
        user_name: &str,
        policy_name: &str,
    ) -> Result<(), StoreError>;

    /// The managed policies attached to the user, ordered by lower-cased name. `NotFound` when there is no
    /// such user.
    async fn attached_user_policies(
        &self,
        account: &AccountId,
        user_name: &str,
    ) -> Result<Vec<ManagedPolicyRecord>, StoreError>;

    /// Every identity policy of the user as `(label, document)`, read in one unit: its inline policies by
    /// name (`user/NAME/inline/POLICY`), then the inline policies of its groups by group and name
    /// (`group/GROUP/inline/POLICY`), then the default version of each managed policy attached to it or to
    /// one of its groups, once, by name (`policy/POLICY/vN`); all ordered bytewise. `NotFound` when there is
    /// no such user.
    async fn user_identity_policy_documents(
        &self,
        account: &AccountId,
        user_name: &str,
    ) -> Result<Vec<(String, String)>, StoreError>;

    /// `AlreadyExists` when the group id is taken, or the name in the account (ignoring case).
    async fn create_iam_group(&self, group: &IamGroupRecord) -> Result<(), StoreError>;

    /// The group called `name` (ignoring ASCII case) in `account`.
    async fn iam_group(&self, account: &AccountId, name: &str) -> Result<Option<IamGroupRecord>, StoreError>;

    /// Groups of `account` whose path starts with `path_prefix`, ordered by lower-cased name, after the name
    /// `after`, at most `limit`.
    async fn iam_groups(
        &self,
        account: &AccountId,
        path_prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<IamGroupRecord>, StoreError>;

    /// Deletes the group unless it has members, inline policies or attached policies. `NotFound`.
    async fn delete_iam_group(&self, account: &AccountId, name: &str) -> Result<GroupDeletion, StoreError>;

    /// Makes the user a member of the group (again: no change). `NotFound` when either is missing.
    async fn add_user_to_group(
        &self,
        account: &AccountId,
        group_name: &str,
        user_name: &str,
    ) -> Result<(), StoreError>;

    /// Removes the user from the group. `NotFound` when either is missing or the user is no member.
    async fn remove_user_from_group(
        &self,
        account: &AccountId,
        group_name: &str,
        user_name: &str,
    ) -> Result<(), StoreError>;

    /// The group's members, ordered by lower-cased name. `NotFound` when there is no such group.
    async fn group_members(
        &self,
        account: &AccountId,
        group_name: &str,
    ) -> Result<Vec<IamUserRecord>, StoreError>;

    /// The groups the user is a member of, ordered by lower-cased name. `NotFound` when there is no such user.
    async fn groups_for_user(
        &self,
        account: &AccountId,
        user_name: &str,
    ) -> Result<Vec<IamGroupRecord>, StoreError>;

    /// Creates or replaces the group's inline policy. `NotFound` when there is no such group.
    async fn put_group_policy(
        &self,
        account: &AccountId,
        group_name: &str,
        policy_name: &str,
        document: &str,
    ) -> Result<(), StoreError>;

    /// The document of the group's inline policy `policy_name`.
    async fn group_policy(
        &self,
        account: &AccountId,
        group_name: &str,
        policy_name: &str,
    ) -> Result<Option<String>, StoreError>;

    /// The names and documents of the group's inline policies, ordered by name. `NotFound`.
    async fn group_policies(
        &self,
        account: &AccountId,
        group_name: &str,
    ) -> Result<Vec<(String, String)>, StoreError>;

    /// Deletes the group's inline policy. `NotFound`.
    async fn delete_group_policy(
        &self,
        account: &AccountId,
        group_name: &str,
        policy_name: &str,
    ) -> Result<(), StoreError>;

    /// Attaches the managed policy to the group (again: no change). `NotFound` when either is missing.
    async fn attach_group_policy(
        &self,
        account: &AccountId,
        group_name: &str,
        policy_name: &str,
    ) -> Result<(), StoreError>;

    /// Detaches the managed policy from the group. `NotFound` when either is missing or not attached.
    async fn detach_group_policy(
        &self,
        account: &AccountId,
        group_name: &str,
        policy_name: &str,
    ) -> Result<(), StoreError>;

    /// The managed policies attached to the group, ordered by lower-cased name. `NotFound`.
    async fn attached_group_policies(
        &self,
        account: &AccountId,
        group_name: &str,
    ) -> Result<Vec<ManagedPolicyRecord>, StoreError>;

    /// `AlreadyExists` when the role id is taken, or the name in the account (ignoring case).
    async fn create_iam_role(&self, role: &IamRoleRecord) -> Result<(), StoreError>;

    /// The role called `name` (ignoring ASCII case) in `account`.
    async fn iam_role(&self, account: &AccountId, name: &str) -> Result<Option<IamRoleRecord>, StoreError>;

    /// Roles of `account` whose path starts with `path_prefix`, ordered by lower-cased name, after the name
    /// `after`, at most `limit`.
    async fn iam_roles(
        &self,
        account: &AccountId,
        path_prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<IamRoleRecord>, StoreError>;

    /// Replaces the role `role.role_id`'s description, maximum session duration, tags and permissions boundary
    /// by `role`'s, and its revision by `role.revision`, when its stored revision is `expected_revision` (name,
    /// path, trust policy and creation time are not changed). `NotFound`, `Conflict` (revision moved).
    async fn update_iam_role(&self, role: &IamRoleRecord, expected_revision: u64) -> Result<(), StoreError>;

    /// Replaces the role's trust policy and moves its revision up by one. `NotFound`.
    async fn update_role_trust_policy(
        &self,
        account: &AccountId,
        name: &str,
        document: &str,
    ) -> Result<(), StoreError>;

    /// Deletes the role unless it has inline or attached policies. `NotFound`.
    async fn delete_iam_role(&self, account: &AccountId, name: &str) -> Result<RoleDeletion, StoreError>;

    /// Creates or replaces the role's inline policy. `NotFound` when there is no such role.
    async fn put_role_policy(
        &self,
        account: &AccountId,
        role_name: &str,
        policy_name: &str,
        document: &str,
    ) -> Result<(), StoreError>;

    /// The document of the role's inline policy `policy_name`.
    async fn role_policy(
        &self,
        account: &AccountId,
        role_name: &str,
        policy_name: &str,
    ) -> Result<Option<String>, StoreError>;

    /// The names and documents of the role's inline policies, ordered by name. `NotFound`.
    async fn role_policies(
        &self,
        account: &AccountId,
        role_name: &str,
    ) -> Result<Vec<(String, String)>, StoreError>;

    /// Deletes the role's inline policy. `NotFound`.
    async fn delete_role_policy(
        &self,
        account: &AccountId,
        role_name: &str,
        policy_name: &str,
    ) -> Result<(), StoreError>;

    /// Attaches the managed policy to the role (again: no change). `NotFound` when either is missing.
    async fn attach_role_policy(
        &self,
        account: &AccountId,
        role_name: &str,
        policy_name: &str,
    ) -> Result<(), StoreError>;

    /// Detaches the managed policy from the role. `NotFound` when either is missing or not attached.
    async fn detach_role_policy(
        &self,
        account: &AccountId,
        role_name: &str,
        policy_name: &str,
    ) -> Result<(), StoreError>;

    /// The managed policies attached to the role, ordered by lower-cased name. `NotFound`.
    async fn attached_role_policies(
        &self,
        account: &AccountId,
        role_name: &str,
    ) -> Result<Vec<ManagedPolicyRecord>, StoreError>;

    /// Every identity policy of the role as `(label, document)`, read in one unit: its inline policies by
    /// name (`role/NAME/inline/POLICY`), then the default version of each attached managed policy by name
    /// (`policy/POLICY/vN`). `NotFound` when there is no such role.
    async fn role_identity_policy_documents(
        &self,
        account: &AccountId,
        role_name: &str,
    ) -> Result<Vec<(String, String)>, StoreError>;

    /// Records a batch of access key uses in one unit: each key's last use becomes the given one when it is
    /// later than the stored one (time only moves forward; a tie keeps the stored one). Keys that do not exist
    /// (any more) are skipped.
    async fn record_access_key_use(&self, uses: &[AccessKeyUse]) -> Result<(), StoreError>;

    /// The key's last recorded use; `None` when the key was never used or does not exist.
    async fn access_key_last_used(&self, id: &AccessKeyId) -> Result<Option<AccessKeyUse>, StoreError>;
}

/// The stored form of a user name for uniqueness and lookups: ASCII lower case (IAM names are ASCII).
pub fn name_key(name: &str) -> String {
    name.to_ascii_lowercase()
}
