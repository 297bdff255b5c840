//! IAM users, their access keys, inline policies and managed policies on sqlite.
//!
//! Every write is one `BEGIN IMMEDIATE` transaction on the writer connection, so counting a user's keys and
//! adding one, or checking that a user has none left and deleting it, cannot interleave with another write.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{Sqlite, Transaction};
use strongroom_store::iam::{
    AccessKeyUse, GroupDeletion, IamGroupRecord, IamRoleRecord, IamUserRecord, KeyCreation,
    ManagedPolicyRecord, PolicyDeletion, PolicyVersionRecord, RoleDeletion, UserDeletion, VersionCreation,
    VersionDeletion, name_key,
};
use strongroom_store::kms::{decode_tags, encode_tags};
use strongroom_store::{AccessKeyRecord, AccessKeyStatus, IamStore, StoreError};
use strongroom_types::{AccessKeyId, AccountId, OffsetDateTime};

use crate::error::{corrupt, map_sqlx};
use crate::{SqliteStore, access_key_from_row, from_millis, get, to_millis};

const USERS: &str = "iam_users";
const USER_COLUMNS: &str =
    "user_id, account_id, name, path, created_at_ms, tags, revision, permissions_boundary";
const KEY_COLUMNS: &str = "access_key_id, account_id, owner_user, status, sealed_secret, created_at_ms";

fn revision_to_db(revision: u64) -> Result<i64, StoreError> {
    i64::try_from(revision).map_err(|_| corrupt(USERS, "revision", "revision out of range"))
}

fn user_from_row(row: &SqliteRow) -> Result<IamUserRecord, StoreError> {
    let account_id: String = get(row, "account_id")?;
    let tags: String = get(row, "tags")?;
    let revision: i64 = get(row, "revision")?;
    Ok(IamUserRecord {
        account_id: account_id
            .parse::<AccountId>()
            .map_err(|_| corrupt(USERS, "account_id", "not an account id"))?,
        user_id: get(row, "user_id")?,
        name: get(row, "name")?,
        path: get(row, "path")?,
        created_at: from_millis(USERS, "created_at_ms", get(row, "created_at_ms")?)?,
        tags: decode_tags(&tags).ok_or_else(|| corrupt(USERS, "tags", "not in the tag encoding"))?,
        revision: u64::try_from(revision).map_err(|_| corrupt(USERS, "revision", "negative"))?,
        permissions_boundary: get(row, "permissions_boundary")?,
    })
}

/// The user's id and stored name, inside a write transaction.
async fn find_user(
    tx: &mut Transaction<'_, Sqlite>,
    account: &AccountId,
    name: &str,
) -> Result<Option<(String, String)>, StoreError> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT user_id, name FROM iam_users WHERE account_id = ?1 AND name_key = ?2")
            .bind(account.as_str())
            .bind(name_key(name))
            .fetch_optional(&mut **tx)
            .await
            .map_err(map_sqlx)?;
    Ok(row)
}

const POLICIES: &str = "iam_policies";
const POLICY_COLUMNS: &str = "p.policy_id, p.account_id, p.name, p.path, p.description, p.created_at_ms, \
     p.updated_at_ms, p.default_version, p.tags, \
     (SELECT COUNT(*) FROM iam_user_policy_attachments c WHERE c.policy_id = p.policy_id) \
     + (SELECT COUNT(*) FROM iam_group_policy_attachments c WHERE c.policy_id = p.policy_id) \
     + (SELECT COUNT(*) FROM iam_role_policy_attachments c WHERE c.policy_id = p.policy_id) AS attachment_count";

fn to_u32(table: &str, column: &str, value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| corrupt(table, column, "out of range"))
}

fn policy_from_row(row: &SqliteRow) -> Result<ManagedPolicyRecord, StoreError> {
    let account_id: String = get(row, "account_id")?;
    let tags: String = get(row, "tags")?;
    Ok(ManagedPolicyRecord {
        account_id: account_id
            .parse::<AccountId>()
            .map_err(|_| corrupt(POLICIES, "account_id", "not an account id"))?,
        policy_id: get(row, "policy_id")?,
        name: get(row, "name")?,
        path: get(row, "path")?,
        description: get(row, "description")?,
        created_at: from_millis(POLICIES, "created_at_ms", get(row, "created_at_ms")?)?,
        updated_at: from_millis(POLICIES, "updated_at_ms", get(row, "updated_at_ms")?)?,
        default_version: to_u32(POLICIES, "default_version", get(row, "default_version")?)?,
        tags: decode_tags(&tags).ok_or_else(|| corrupt(POLICIES, "tags", "not in the tag encoding"))?,
        attachment_count: to_u32(POLICIES, "attachment_count", get(row, "attachment_count")?)?,
    })
}

fn version_from_row(row: &SqliteRow) -> Result<PolicyVersionRecord, StoreError> {
    Ok(PolicyVersionRecord {
        version: to_u32("iam_policy_versions", "version", get(row, "version")?)?,
        document: get(row, "document")?,
        created_at: from_millis("iam_policy_versions", "created_at_ms", get(row, "created_at_ms")?)?,
    })
}

/// The policy's id, default version and next version number, inside a write transaction.
async fn find_policy(
    tx: &mut Transaction<'_, Sqlite>,
    account: &AccountId,
    name: &str,
) -> Result<Option<(String, i64, i64)>, StoreError> {
    sqlx::query_as(
        "SELECT policy_id, default_version, next_version FROM iam_policies \
         WHERE account_id = ?1 AND name_key = ?2",
    )
    .bind(account.as_str())
    .bind(name_key(name))
    .fetch_optional(&mut **tx)
    .await
    .map_err(map_sqlx)
}

async fn count_in(tx: &mut Transaction<'_, Sqlite>, sql: &'static str, id: &str) -> Result<i64, StoreError> {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(&mut **tx)
        .await
        .map_err(map_sqlx)
}

const GROUPS: &str = "iam_groups";
const GROUP_COLUMNS: &str = "g.group_id, g.account_id, g.name, g.path, g.created_at_ms";

fn group_from_row(row: &SqliteRow) -> Result<IamGroupRecord, StoreError> {
    let account_id: String = get(row, "account_id")?;
    Ok(IamGroupRecord {
        account_id: account_id
            .parse::<AccountId>()
            .map_err(|_| corrupt(GROUPS, "account_id", "not an account id"))?,
        group_id: get(row, "group_id")?,
        name: get(row, "name")?,
        path: get(row, "path")?,
        created_at: from_millis(GROUPS, "created_at_ms", get(row, "created_at_ms")?)?,
    })
}

/// The group's id, inside a write transaction.
async fn find_group(
    tx: &mut Transaction<'_, Sqlite>,
    account: &AccountId,
    name: &str,
) -> Result<Option<String>, StoreError> {
    sqlx::query_scalar(
        "SELECT group_id FROM iam_groups \
         WHERE account_id = ?1 AND name_key = ?2",
    )
    .bind(account.as_str())
    .bind(name_key(name))
    .fetch_optional(&mut **tx)
    .await
    .map_err(map_sqlx)
}

async fn count_keys(
    tx: &mut Transaction<'_, Sqlite>,
    account: &AccountId,
    owner: &str,
) -> Result<i64, StoreError> {
    sqlx::query_scalar("SELECT COUNT(*) FROM access_keys WHERE account_id = ?1 AND owner_user = ?2")
        .bind(account.as_str())
        .bind(owner)
        .fetch_one(&mut **tx)
        .await
        .map_err(map_sqlx)
}

const ROLES: &str = "iam_roles";
const ROLE_COLUMNS: &str = "r.role_id, r.account_id, r.name, r.path, r.description, r.assume_role_policy, \
     r.max_session_duration, r.created_at_ms, r.tags, r.permissions_boundary, r.revision";

fn role_from_row(row: &SqliteRow) -> Result<IamRoleRecord, StoreError> {
    let account_id: String = get(row, "account_id")?;
    let tags: String = get(row, "tags")?;
    let revision: i64 = get(row, "revision")?;
    Ok(IamRoleRecord {
        account_id: account_id
            .parse::<AccountId>()
            .map_err(|_| corrupt(ROLES, "account_id", "not an account id"))?,
        role_id: get(row, "role_id")?,
        name: get(row, "name")?,
        path: get(row, "path")?,
        description: get(row, "description")?,
        assume_role_policy: get(row, "assume_role_policy")?,
        max_session_duration: to_u32(ROLES, "max_session_duration", get(row, "max_session_duration")?)?,
        created_at: from_millis(ROLES, "created_at_ms", get(row, "created_at_ms")?)?,
        tags: decode_tags(&tags).ok_or_else(|| corrupt(ROLES, "tags", "not in the tag encoding"))?,
        permissions_boundary: get(row, "permissions_boundary")?,
        revision: u64::try_from(revision).map_err(|_| corrupt(ROLES, "revision", "negative"))?,
    })
}

/// The role's id, inside a write transaction.
async fn find_role(
    tx: &mut Transaction<'_, Sqlite>,
    account: &AccountId,
    name: &str,
) -> Result<Option<String>, StoreError> {
    sqlx::query_scalar("SELECT role_id FROM iam_roles WHERE account_id = ?1 AND name_key = ?2")
        .bind(account.as_str())
        .bind(name_key(name))
        .fetch_optional(&mut **tx)
        .await
        .map_err(map_sqlx)
}

impl SqliteStore {
    async fn begin(&self) -> Result<Transaction<'_, Sqlite>, StoreError> {
        self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(map_sqlx)
    }

    async fn user_id_of(&self, account: &AccountId, name: &str) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT user_id FROM iam_users WHERE account_id = ?1 AND name_key = ?2")
            .bind(account.as_str())
            .bind(name_key(name))
            .fetch_optional(&self.reader)
            .await
            .map_err(map_sqlx)
    }
}

#[async_trait]
impl IamStore for SqliteStore {
    #[tracing::instrument(skip_all)]
    async fn create_iam_user(&self, user: &IamUserRecord) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO iam_users ({USER_COLUMNS}, name_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        ))
        .bind(user.user_id.as_str())
        .bind(user.account_id.as_str())
        .bind(user.name.as_str())
        .bind(user.path.as_str())
        .bind(to_millis(user.created_at)?)
        .bind(encode_tags(&user.tags))
        .bind(revision_to_db(user.revision)?)
        .bind(user.permissions_boundary.as_deref())
        .bind(name_key(&user.name))
        .execute(&self.writer)
        .await
        .map_err(map_sqlx)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn iam_user(&self, account: &AccountId, name: &str) -> Result<Option<IamUserRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM iam_users WHERE account_id = ?1 AND name_key = ?2"
        ))
        .bind(account.as_str())
        .bind(name_key(name))
        .fetch_optional(&self.reader)
        .await
        .map_err(map_sqlx)?;
        row.as_ref().map(user_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn iam_users(
        &self,
        account: &AccountId,
        path_prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<IamUserRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM iam_users WHERE account_id = ?1 \
             AND substr(path, 1, length(?2)) = ?2 AND (?3 IS NULL OR name_key > ?3) \
             ORDER BY name_key LIMIT ?4"
        ))
        .bind(account.as_str())
        .bind(path_prefix)
        .bind(after.map(name_key))
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(map_sqlx)?;
        rows.iter().map(user_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn update_iam_user(&self, user: &IamUserRecord, expected_revision: u64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let stored: Option<(String, String, i64)> =
            sqlx::query_as("SELECT account_id, name, revision FROM iam_users WHERE user_id = ?1")
                .bind(user.user_id.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_sqlx)?;
        let Some((account, old_name, revision)) = stored else {
            return Err(StoreError::NotFound);
        };
        if account != user.account_id.as_str() {
            return Err(StoreError::NotFound);
        }
        if revision != revision_to_db(expected_revision)? {
            return Err(StoreError::Conflict);
        }
        sqlx::query(
            "UPDATE iam_users SET name = ?2, name_key = ?3, path = ?4, created_at_ms = ?5, tags = ?6, \
             revision = ?7, permissions_boundary = ?8 WHERE user_id = ?1",
        )
        .bind(user.user_id.as_str())
        .bind(user.name.as_str())
        .bind(name_key(&user.name))
        .bind(user.path.as_str())
        .bind(to_millis(user.created_at)?)
        .bind(encode_tags(&user.tags))
        .bind(revision_to_db(user.revision)?)
        .bind(user.permissions_boundary.as_deref())
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        if old_name != user.name {
            sqlx::query("UPDATE access_keys SET owner_user = ?3 WHERE account_id = ?1 AND owner_user = ?2")
                .bind(user.account_id.as_str())
                .bind(old_name.as_str())
                .bind(user.name.as_str())
                .execute(&mut *tx)
                .await
                .map_err(map_sqlx)?;
        }
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn delete_iam_user(&self, account: &AccountId, name: &str) -> Result<UserDeletion, StoreError> {
        let mut tx = self.begin().await?;
        let Some((user_id, stored_name)) = find_user(&mut tx, account, name).await? else {
            return Err(StoreError::NotFound);
        };
        if count_keys(&mut tx, account, &stored_name).await? > 0 {
            return Ok(UserDeletion::HasAccessKeys);
        }
        let policies: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM iam_user_policies WHERE user_id = ?1")
            .bind(user_id.as_str())
            .fetch_one(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        if policies > 0 {
            return Ok(UserDeletion::HasPolicies);
        }
        if count_in(
            &mut tx,
            "SELECT COUNT(*) FROM iam_user_policy_attachments WHERE user_id = ?1",
            &user_id,
        )
        .await?
            > 0
        {
            return Ok(UserDeletion::HasAttachedPolicies);
        }
        if count_in(
            &mut tx,
            "SELECT COUNT(*) FROM iam_group_members WHERE user_id = ?1",
            &user_id,
        )
        .await?
            > 0
        {
            return Ok(UserDeletion::InGroups);
        }
        sqlx::query("DELETE FROM iam_users WHERE user_id = ?1")
            .bind(user_id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)?;
        Ok(UserDeletion::Deleted)
    }

    #[tracing::instrument(skip_all)]
    async fn create_user_access_key(
        &self,
        user_name: &str,
        key: &AccessKeyRecord,
        max_per_user: u32,
    ) -> Result<KeyCreation, StoreError> {
        let mut tx = self.begin().await?;
        let Some((_, stored_name)) = find_user(&mut tx, &key.account_id, user_name).await? else {
            return Err(StoreError::NotFound);
        };
        if count_keys(&mut tx, &key.account_id, &stored_name).await? >= i64::from(max_per_user) {
            return Ok(KeyCreation::LimitExceeded);
        }
        sqlx::query(&format!(
            "INSERT INTO access_keys ({KEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        ))
        .bind(key.access_key_id.as_str())
        .bind(key.account_id.as_str())
        .bind(stored_name.as_str())
        .bind(key.status.as_str())
        .bind(key.sealed_secret.as_bytes())
        .bind(to_millis(key.created_at)?)
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)?;
        Ok(KeyCreation::Created)
    }

    #[tracing::instrument(skip_all)]
    async fn user_access_keys(
        &self,
        account: &AccountId,
        user_name: &str,
    ) -> Result<Vec<AccessKeyRecord>, StoreError> {
        let stored_name: Option<String> =
            sqlx::query_scalar("SELECT name FROM iam_users WHERE account_id = ?1 AND name_key = ?2")
                .bind(account.as_str())
                .bind(name_key(user_name))
                .fetch_optional(&self.reader)
                .await
                .map_err(map_sqlx)?;
        let Some(stored_name) = stored_name else {
            return Err(StoreError::NotFound);
        };
        let rows = sqlx::query(&format!(
            "SELECT {KEY_COLUMNS} FROM access_keys WHERE account_id = ?1 AND owner_user = ?2 \
             ORDER BY created_at_ms, access_key_id"
        ))
        .bind(account.as_str())
        .bind(stored_name.as_str())
        .fetch_all(&self.reader)
        .await
        .map_err(map_sqlx)?;
        rows.iter().map(access_key_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn set_access_key_status(
        &self,
        account: &AccountId,
        id: &AccessKeyId,
        status: AccessKeyStatus,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE access_keys SET status = ?3 \
             WHERE access_key_id = ?1 AND account_id = ?2 AND owner_user IS NOT NULL",
        )
        .bind(id.as_str())
        .bind(account.as_str())
        .bind(status.as_str())
        .execute(&self.writer)
        .await
        .map_err(map_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn delete_access_key(&self, account: &AccountId, id: &AccessKeyId) -> Result<(), StoreError> {
        let done = sqlx::query(
            "DELETE FROM access_keys WHERE access_key_id = ?1 AND account_id = ?2 AND owner_user IS NOT NULL",
        )
        .bind(id.as_str())
        .bind(account.as_str())
        .execute(&self.writer)
        .await
        .map_err(map_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn put_user_policy(
        &self,
        account: &AccountId,
        user_name: &str,
        policy_name: &str,
        document: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let Some((user_id, _)) = find_user(&mut tx, account, user_name).await? else {
            return Err(StoreError::NotFound);
        };
        sqlx::query(
            "INSERT INTO iam_user_policies (user_id, policy_name, document) VALUES (?1, ?2, ?3) \
             ON CONFLICT (user_id, policy_name) DO UPDATE SET document = excluded.document",
        )
        .bind(user_id.as_str())
        .bind(policy_name)
        .bind(document)
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn user_policy(
        &self,
        account: &AccountId,
        user_name: &str,
        policy_name: &str,
    ) -> Result<Option<String>, StoreError> {
        let Some(user_id) = self.user_id_of(account, user_name).await? else {
            return Ok(None);
        };
        sqlx::query_scalar("SELECT document FROM iam_user_policies WHERE user_id = ?1 AND policy_name = ?2")
            .bind(user_id.as_str())
            .bind(policy_name)
            .fetch_optional(&self.reader)
            .await
            .map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn user_policies(
        &self,
        account: &AccountId,
        user_name: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let Some(user_id) = self.user_id_of(account, user_name).await? else {
            return Err(StoreError::NotFound);
        };
        sqlx::query_as(
            "SELECT policy_name, document FROM iam_user_policies WHERE user_id = ?1 ORDER BY policy_name",
        )
        .bind(user_id.as_str())
        .fetch_all(&self.reader)
        .await
        .map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn delete_user_policy(
        &self,
        account: &AccountId,
        user_name: &str,
        policy_name: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let Some((user_id, _)) = find_user(&mut tx, account, user_name).await? else {
            return Err(StoreError::NotFound);
        };
        let done = sqlx::query("DELETE FROM iam_user_policies WHERE user_id = ?1 AND policy_name = ?2")
            .bind(user_id.as_str())
            .bind(policy_name)
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn create_managed_policy(
        &self,
        policy: &ManagedPolicyRecord,
        document: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO iam_policies (policy_id, account_id, name, name_key, path, description, \
             created_at_ms, updated_at_ms, default_version, next_version, tags) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, 2, ?9)",
        )
        .bind(policy.policy_id.as_str())
        .bind(policy.account_id.as_str())
        .bind(policy.name.as_str())
        .bind(name_key(&policy.name))
        .bind(policy.path.as_str())
        .bind(policy.description.as_deref())
        .bind(to_millis(policy.created_at)?)
        .bind(to_millis(policy.updated_at)?)
        .bind(encode_tags(&policy.tags))
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        sqlx::query(
            "INSERT INTO iam_policy_versions (policy_id, version, document, created_at_ms) VALUES (?1, 1, ?2, ?3)",
        )
        .bind(policy.policy_id.as_str())
        .bind(document)
        .bind(to_millis(policy.created_at)?)
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn managed_policy(
        &self,
        account: &AccountId,
        name: &str,
    ) -> Result<Option<ManagedPolicyRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {POLICY_COLUMNS} FROM iam_policies p WHERE p.account_id = ?1 AND p.name_key = ?2"
        ))
        .bind(account.as_str())
        .bind(name_key(name))
        .fetch_optional(&self.reader)
        .await
        .map_err(map_sqlx)?;
        row.as_ref().map(policy_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn managed_policies(
        &self,
        account: &AccountId,
        path_prefix: &str,
        only_attached: bool,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ManagedPolicyRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {POLICY_COLUMNS} FROM iam_policies p WHERE p.account_id = ?1 \
             AND substr(p.path, 1, length(?2)) = ?2 AND (?3 IS NULL OR p.name_key > ?3) \
             AND (NOT ?4 OR EXISTS (SELECT 1 FROM iam_user_policy_attachments a \
                                    WHERE a.policy_id = p.policy_id) \
                  OR EXISTS (SELECT 1 FROM iam_group_policy_attachments ga \
                             WHERE ga.policy_id = p.policy_id) \
                  OR EXISTS (SELECT 1 FROM iam_role_policy_attachments ra \
                             WHERE ra.policy_id = p.policy_id)) \
             ORDER BY p.name_key LIMIT ?5"
        ))
        .bind(account.as_str())
        .bind(path_prefix)
        .bind(after.map(name_key))
        .bind(only_attached)
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(map_sqlx)?;
        rows.iter().map(policy_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn create_policy_version(
        &self,
        account: &AccountId,
        name: &str,
        document: &str,
        set_default: bool,
        created_at: OffsetDateTime,
        max_versions: u32,
    ) -> Result<VersionCreation, StoreError> {
        let mut tx = self.begin().await?;
        let Some((policy_id, default_version, next_version)) = find_policy(&mut tx, account, name).await?
        else {
            return Err(StoreError::NotFound);
        };
        let versions = count_in(
            &mut tx,
            "SELECT COUNT(*) FROM iam_policy_versions WHERE policy_id = ?1",
            &policy_id,
        )
        .await?;
        if versions >= i64::from(max_versions) {
            return Ok(VersionCreation::LimitExceeded);
        }
        let at = to_millis(created_at)?;
        sqlx::query(
            "INSERT INTO iam_policy_versions (policy_id, version, document, created_at_ms) VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(policy_id.as_str())
        .bind(next_version)
        .bind(document)
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        let default_version = if set_default {
            next_version
        } else {
            default_version
        };
        sqlx::query(
            "UPDATE iam_policies SET next_version = ?2, default_version = ?3, \
             updated_at_ms = CASE WHEN ?4 THEN ?5 ELSE updated_at_ms END WHERE policy_id = ?1",
        )
        .bind(policy_id.as_str())
        .bind(next_version + 1)
        .bind(default_version)
        .bind(set_default)
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)?;
        Ok(VersionCreation::Created(to_u32(
            POLICIES,
            "next_version",
            next_version,
        )?))
    }

    #[tracing::instrument(skip_all)]
    async fn policy_version(
        &self,
        account: &AccountId,
        name: &str,
        version: u32,
    ) -> Result<Option<PolicyVersionRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT v.version, v.document, v.created_at_ms FROM iam_policy_versions v \
             JOIN iam_policies p ON p.policy_id = v.policy_id \
             WHERE p.account_id = ?1 AND p.name_key = ?2 AND v.version = ?3",
        )
        .bind(account.as_str())
        .bind(name_key(name))
        .bind(i64::from(version))
        .fetch_optional(&self.reader)
        .await
        .map_err(map_sqlx)?;
        row.as_ref().map(version_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn policy_versions(
        &self,
        account: &AccountId,
        name: &str,
    ) -> Result<Vec<PolicyVersionRecord>, StoreError> {
        // A policy always has its default version, so no rows means no policy.
        let rows = sqlx::query(
            "SELECT v.version, v.document, v.created_at_ms FROM iam_policy_versions v \
             JOIN iam_policies p ON p.policy_id = v.policy_id \
             WHERE p.account_id = ?1 AND p.name_key = ?2 ORDER BY v.version",
        )
        .bind(account.as_str())
        .bind(name_key(name))
        .fetch_all(&self.reader)
        .await
        .map_err(map_sqlx)?;
        if rows.is_empty() {
            return Err(StoreError::NotFound);
        }
        rows.iter().map(version_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn set_default_policy_version(
        &self,
        account: &AccountId,
        name: &str,
        version: u32,
        updated_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let Some((policy_id, _, _)) = find_policy(&mut tx, account, name).await? else {
            return Err(StoreError::NotFound);
        };
        let done = sqlx::query(
            "UPDATE iam_policies SET default_version = ?2, updated_at_ms = ?3 WHERE policy_id = ?1 \
             AND EXISTS (SELECT 1 FROM iam_policy_versions WHERE policy_id = ?1 AND version = ?2)",
        )
        .bind(policy_id.as_str())
        .bind(i64::from(version))
        .bind(to_millis(updated_at)?)
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn delete_policy_version(
        &self,
        account: &AccountId,
        name: &str,
        version: u32,
    ) -> Result<VersionDeletion, StoreError> {
        let mut tx = self.begin().await?;
        let Some((policy_id, default_version, _)) = find_policy(&mut tx, account, name).await? else {
            return Err(StoreError::NotFound);
        };
        if default_version == i64::from(version) {
            return Ok(VersionDeletion::IsDefault);
        }
        let done = sqlx::query("DELETE FROM iam_policy_versions WHERE policy_id = ?1 AND version = ?2")
            .bind(policy_id.as_str())
            .bind(i64::from(version))
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await.map_err(map_sqlx)?;
        Ok(VersionDeletion::Deleted)
    }

    #[tracing::instrument(skip_all)]
    async fn delete_managed_policy(
        &self,
        account: &AccountId,
        name: &str,
    ) -> Result<PolicyDeletion, StoreError> {
        let mut tx = self.begin().await?;
        let Some((policy_id, _, _)) = find_policy(&mut tx, account, name).await? else {
            return Err(StoreError::NotFound);
        };
        let attached = count_in(
            &mut tx,
            "SELECT (SELECT COUNT(*) FROM iam_user_policy_attachments WHERE policy_id = ?1) \
             + (SELECT COUNT(*) FROM iam_group_policy_attachments WHERE policy_id = ?1) \
             + (SELECT COUNT(*) FROM iam_role_policy_attachments WHERE policy_id = ?1)",
            &policy_id,
        )
        .await?;
        if attached > 0 {
            return Ok(PolicyDeletion::Attached);
        }
        let boundary_of = count_in(
            &mut tx,
            "WITH policy AS (SELECT 'arn:aws:iam::' || account_id || ':policy' || path || name AS arn, \
                                    account_id FROM iam_policies WHERE policy_id = ?1) \
             SELECT (SELECT COUNT(*) FROM iam_users u, policy \
                      WHERE u.account_id = policy.account_id AND u.permissions_boundary = policy.arn) \
                  + (SELECT COUNT(*) FROM iam_roles r, policy \
                      WHERE r.account_id = policy.account_id AND r.permissions_boundary = policy.arn)",
            &policy_id,
        )
        .await?;
        if boundary_of > 0 {
            return Ok(PolicyDeletion::UsedAsBoundary);
        }
        let versions = count_in(
            &mut tx,
            "SELECT COUNT(*) FROM iam_policy_versions WHERE policy_id = ?1",
            &policy_id,
        )
        .await?;
        if versions > 1 {
            return Ok(PolicyDeletion::HasVersions);
        }
        for sql in [
            "DELETE FROM iam_policy_versions WHERE policy_id = ?1",
            "DELETE FROM iam_policies WHERE policy_id = ?1",
        ] {
            sqlx::query(sql)
                .bind(policy_id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(map_sqlx)?;
        }
        tx.commit().await.map_err(map_sqlx)?;
        Ok(PolicyDeletion::Deleted)
    }

    #[tracing::instrument(skip_all)]
    async fn attach_user_policy(
        &self,
        account: &AccountId,
        user_name: &str,
        policy_name: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let Some((user_id, _)) = find_user(&mut tx, account, user_name).await? else {
            return Err(StoreError::NotFound);
        };
        let Some((policy_id, _, _)) = find_policy(&mut tx, account, policy_name).await? else {
            return Err(StoreError::NotFound);
        };
        sqlx::query(
            "INSERT INTO iam_user_policy_attachments (user_id, policy_id) VALUES (?1, ?2) \
             ON CONFLICT (user_id, policy_id) DO NOTHING",
        )
        .bind(user_id.as_str())
        .bind(policy_id.as_str())
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn detach_user_policy(
        &self,
        account: &AccountId,
        user_name: &str,
        policy_name: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let Some((user_id, _)) = find_user(&mut tx, account, user_name).await? else {
            return Err(StoreError::NotFound);
        };
        let Some((policy_id, _, _)) = find_policy(&mut tx, account, policy_name).await? else {
            return Err(StoreError::NotFound);
        };
        let done =
            sqlx::query("DELETE FROM iam_user_policy_attachments WHERE user_id = ?1 AND policy_id = ?2")
                .bind(user_id.as_str())
                .bind(policy_id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(map_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn attached_user_policies(
        &self,
        account: &AccountId,
        user_name: &str,
    ) -> Result<Vec<ManagedPolicyRecord>, StoreError> {
        // One statement: the user's row comes back (with NULL policy columns) even when nothing is attached.
        let rows = sqlx::query(&format!(
            "SELECT p.policy_id IS NOT NULL AS attached, {POLICY_COLUMNS} FROM iam_users u \
             LEFT JOIN iam_user_policy_attachments a ON a.user_id = u.user_id \
             LEFT JOIN iam_policies p ON p.policy_id = a.policy_id \
             WHERE u.account_id = ?1 AND u.name_key = ?2 ORDER BY p.name_key"
        ))
        .bind(account.as_str())
        .bind(name_key(user_name))
        .fetch_all(&self.reader)
        .await
        .map_err(map_sqlx)?;
        if rows.is_empty() {
            return Err(StoreError::NotFound);
        }
        let mut policies = Vec::with_capacity(rows.len());
        for row in &rows {
            let attached: bool = get(row, "attached")?;
            if attached {
                policies.push(policy_from_row(row)?);
            }
        }
        Ok(policies)
    }

    #[tracing::instrument(skip_all)]
    async fn user_identity_policy_documents(
        &self,
        account: &AccountId,
        user_name: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        // One statement: the first branch returns the user's row even without inline policies.
        let rows: Vec<IdentityRow> = sqlx::query_as(
            "SELECT 0 AS kind, u.name AS owner, ip.policy_name AS policy, 0 AS version, ip.document AS document \
               FROM iam_users u LEFT JOIN iam_user_policies ip ON ip.user_id = u.user_id \
              WHERE u.account_id = ?1 AND u.name_key = ?2 \
             UNION ALL \
             SELECT 1 AS kind, g.name, gp.policy_name, 0 AS version, gp.document \
               FROM iam_users u JOIN iam_group_members m ON m.user_id = u.user_id \
               JOIN iam_groups g ON g.group_id = m.group_id \
               JOIN iam_group_policies gp ON gp.group_id = g.group_id \
              WHERE u.account_id = ?1 AND u.name_key = ?2 \
             UNION ALL \
             SELECT 2 AS kind, p.name, p.name, v.version, v.document \
               FROM iam_users u JOIN iam_policies p ON p.policy_id IN ( \
                    SELECT a.policy_id FROM iam_user_policy_attachments a WHERE a.user_id = u.user_id \
                    UNION SELECT ga.policy_id FROM iam_group_policy_attachments ga \
                      JOIN iam_group_members gm ON gm.group_id = ga.group_id WHERE gm.user_id = u.user_id) \
               JOIN iam_policy_versions v ON v.policy_id = p.policy_id AND v.version = p.default_version \
              WHERE u.account_id = ?1 AND u.name_key = ?2 \
             ORDER BY kind, owner, policy",
        )
        .bind(account.as_str())
        .bind(name_key(user_name))
        .fetch_all(&self.reader)
        .await
        .map_err(map_sqlx)?;
        identity_documents(rows)
    }
    #[tracing::instrument(skip_all)]
    async fn create_iam_group(&self, group: &IamGroupRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO iam_groups (group_id, account_id, name, name_key, path, created_at_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .bind(group.group_id.as_str())
        .bind(group.account_id.as_str())
        .bind(group.name.as_str())
        .bind(name_key(&group.name))
        .bind(group.path.as_str())
        .bind(to_millis(group.created_at)?)
        .execute(&self.writer)
        .await
        .map_err(map_sqlx)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn iam_group(&self, account: &AccountId, name: &str) -> Result<Option<IamGroupRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {GROUP_COLUMNS} FROM iam_groups g WHERE g.account_id = ?1 AND g.name_key = ?2"
        ))
        .bind(account.as_str())
        .bind(name_key(name))
        .fetch_optional(&self.reader)
        .await
        .map_err(map_sqlx)?;
        row.as_ref().map(group_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn iam_groups(
        &self,
        account: &AccountId,
        path_prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<IamGroupRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {GROUP_COLUMNS} FROM iam_groups g WHERE g.account_id = ?1 \
             AND substr(path, 1, length(?2)) = ?2 AND (?3 IS NULL OR name_key > ?3) \
             ORDER BY g.name_key LIMIT ?4"
        ))
        .bind(account.as_str())
        .bind(path_prefix)
        .bind(after.map(name_key))
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(map_sqlx)?;
        rows.iter().map(group_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn delete_iam_group(&self, account: &AccountId, name: &str) -> Result<GroupDeletion, StoreError> {
        let mut tx = self.begin().await?;
        let Some(group_id) = find_group(&mut tx, account, name).await? else {
            return Err(StoreError::NotFound);
        };
        for (sql, refusal) in [
            (
                "SELECT COUNT(*) FROM iam_group_members WHERE group_id = ?1",
                GroupDeletion::HasMembers,
            ),
            (
                "SELECT COUNT(*) FROM iam_group_policies WHERE group_id = ?1",
                GroupDeletion::HasPolicies,
            ),
            (
                "SELECT COUNT(*) FROM iam_group_policy_attachments WHERE group_id = ?1",
                GroupDeletion::HasAttachedPolicies,
            ),
        ] {
            if count_in(&mut tx, sql, &group_id).await? > 0 {
                return Ok(refusal);
            }
        }
        sqlx::query("DELETE FROM iam_groups WHERE group_id = ?1")
            .bind(group_id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)?;
        Ok(GroupDeletion::Deleted)
    }

    #[tracing::instrument(skip_all)]
    async fn add_user_to_group(
        &self,
        account: &AccountId,
        group_name: &str,
        user_name: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let Some((user_id, _)) = find_user(&mut tx, account, user_name).await? else {
            return Err(StoreError::NotFound);
        };
        let Some(group_id) = find_group(&mut tx, account, group_name).await? else {
            return Err(StoreError::NotFound);
        };
        sqlx::query(
            "INSERT INTO iam_group_members (group_id, user_id) VALUES (?1, ?2) \
             ON CONFLICT (group_id, user_id) DO NOTHING",
        )
        .bind(group_id.as_str())
        .bind(user_id.as_str())
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn remove_user_from_group(
        &self,
        account: &AccountId,
        group_name: &str,
        user_name: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let Some((user_id, _)) = find_user(&mut tx, account, user_name).await? else {
            return Err(StoreError::NotFound);
        };
        let Some(group_id) = find_group(&mut tx, account, group_name).await? else {
            return Err(StoreError::NotFound);
        };
        let done = sqlx::query("DELETE FROM iam_group_members WHERE group_id = ?1 AND user_id = ?2")
            .bind(group_id.as_str())
            .bind(user_id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn group_members(
        &self,
        account: &AccountId,
        group_name: &str,
    ) -> Result<Vec<IamUserRecord>, StoreError> {
        // One statement: the group's row comes back (with NULL user columns) even without members.
        let rows = sqlx::query(
            "SELECT u.user_id IS NOT NULL AS member, u.user_id, u.account_id, u.name, u.path, \
                    u.created_at_ms, u.tags, u.revision, u.permissions_boundary \
               FROM iam_groups g LEFT JOIN iam_group_members m ON m.group_id = g.group_id \
               LEFT JOIN iam_users u ON u.user_id = m.user_id \
              WHERE g.account_id = ?1 AND g.name_key = ?2 ORDER BY u.name_key",
        )
        .bind(account.as_str())
        .bind(name_key(group_name))
        .fetch_all(&self.reader)
        .await
        .map_err(map_sqlx)?;
        if rows.is_empty() {
            return Err(StoreError::NotFound);
        }
        let mut users = Vec::with_capacity(rows.len());
        for row in &rows {
            let member: bool = get(row, "member")?;
            if member {
                users.push(user_from_row(row)?);
            }
        }
        Ok(users)
    }

    #[tracing::instrument(skip_all)]
    async fn groups_for_user(
        &self,
        account: &AccountId,
        user_name: &str,
    ) -> Result<Vec<IamGroupRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT g.group_id IS NOT NULL AS member, {GROUP_COLUMNS} \
               FROM iam_users u LEFT JOIN iam_group_members m ON m.user_id = u.user_id \
               LEFT JOIN iam_groups g ON g.group_id = m.group_id \
              WHERE u.account_id = ?1 AND u.name_key = ?2 ORDER BY g.name_key"
        ))
        .bind(account.as_str())
        .bind(name_key(user_name))
        .fetch_all(&self.reader)
        .await
        .map_err(map_sqlx)?;
        if rows.is_empty() {
            return Err(StoreError::NotFound);
        }
        let mut groups = Vec::with_capacity(rows.len());
        for row in &rows {
            let member: bool = get(row, "member")?;
            if member {
                groups.push(group_from_row(row)?);
            }
        }
        Ok(groups)
    }

    #[tracing::instrument(skip_all)]
    async fn put_group_policy(
        &self,
        account: &AccountId,
        group_name: &str,
        policy_name: &str,
        document: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let Some(group_id) = find_group(&mut tx, account, group_name).await? else {
            return Err(StoreError::NotFound);
        };
        sqlx::query(
            "INSERT INTO iam_group_policies (group_id, policy_name, document) VALUES (?1, ?2, ?3) \
             ON CONFLICT (group_id, policy_name) DO UPDATE SET document = excluded.document",
        )
        .bind(group_id.as_str())
        .bind(policy_name)
        .bind(document)
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn group_policy(
        &self,
        account: &AccountId,
        group_name: &str,
        policy_name: &str,
    ) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT gp.document FROM iam_group_policies gp JOIN iam_groups g ON g.group_id = gp.group_id \
             WHERE g.account_id = ?1 AND g.name_key = ?2 AND gp.policy_name = ?3",
        )
        .bind(account.as_str())
        .bind(name_key(group_name))
        .bind(policy_name)
        .fetch_optional(&self.reader)
        .await
        .map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn group_policies(
        &self,
        account: &AccountId,
        group_name: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let rows: Vec<(Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT gp.policy_name, gp.document FROM iam_groups g \
             LEFT JOIN iam_group_policies gp ON gp.group_id = g.group_id \
             WHERE g.account_id = ?1 AND g.name_key = ?2 ORDER BY gp.policy_name",
        )
        .bind(account.as_str())
        .bind(name_key(group_name))
        .fetch_all(&self.reader)
        .await
        .map_err(map_sqlx)?;
        if rows.is_empty() {
            return Err(StoreError::NotFound);
        }
        Ok(rows
            .into_iter()
            .filter_map(|(name, document)| Some((name?, document?)))
            .collect())
    }

    #[tracing::instrument(skip_all)]
    async fn delete_group_policy(
        &self,
        account: &AccountId,
        group_name: &str,
        policy_name: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let Some(group_id) = find_group(&mut tx, account, group_name).await? else {
            return Err(StoreError::NotFound);
        };
        let done = sqlx::query("DELETE FROM iam_group_policies WHERE group_id = ?1 AND policy_name = ?2")
            .bind(group_id.as_str())
            .bind(policy_name)
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn attach_group_policy(
        &self,
        account: &AccountId,
        group_name: &str,
        policy_name: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let Some(group_id) = find_group(&mut tx, account, group_name).await? else {
            return Err(StoreError::NotFound);
        };
        let Some((policy_id, _, _)) = find_policy(&mut tx, account, policy_name).await? else {
            return Err(StoreError::NotFound);
        };
        sqlx::query(
            "INSERT INTO iam_group_policy_attachments (group_id, policy_id) VALUES (?1, ?2) \
             ON CONFLICT (group_id, policy_id) DO NOTHING",
        )
        .bind(group_id.as_str())
        .bind(policy_id.as_str())
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn detach_group_policy(
        &self,
        account: &AccountId,
        group_name: &str,
        policy_name: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let Some(group_id) = find_group(&mut tx, account, group_name).await? else {
            return Err(StoreError::NotFound);
        };
        let Some((policy_id, _, _)) = find_policy(&mut tx, account, policy_name).await? else {
            return Err(StoreError::NotFound);
        };
        let done =
            sqlx::query("DELETE FROM iam_group_policy_attachments WHERE group_id = ?1 AND policy_id = ?2")
                .bind(group_id.as_str())
                .bind(policy_id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(map_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn attached_group_policies(
        &self,
        account: &AccountId,
        group_name: &str,
    ) -> Result<Vec<ManagedPolicyRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT p.policy_id IS NOT NULL AS attached, {POLICY_COLUMNS} FROM iam_groups g \
             LEFT JOIN iam_group_policy_attachments a ON a.group_id = g.group_id \
             LEFT JOIN iam_policies p ON p.policy_id = a.policy_id \
             WHERE g.account_id = ?1 AND g.name_key = ?2 ORDER BY p.name_key"
        ))
        .bind(account.as_str())
        .bind(name_key(group_name))
        .fetch_all(&self.reader)
        .await
        .map_err(map_sqlx)?;
        if rows.is_empty() {
            return Err(StoreError::NotFound);
        }
        let mut policies = Vec::with_capacity(rows.len());
        for row in &rows {
            let attached: bool = get(row, "attached")?;
            if attached {
                policies.push(policy_from_row(row)?);
            }
        }
        Ok(policies)
    }

    #[tracing::instrument(skip_all)]
    async fn create_iam_role(&self, role: &IamRoleRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO iam_roles (role_id, account_id, name, name_key, path, description, \
             assume_role_policy, max_session_duration, created_at_ms, tags, permissions_boundary, revision) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )
        .bind(role.role_id.as_str())
        .bind(role.account_id.as_str())
        .bind(role.name.as_str())
        .bind(name_key(&role.name))
        .bind(role.path.as_str())
        .bind(role.description.as_deref())
        .bind(role.assume_role_policy.as_str())
        .bind(i64::from(role.max_session_duration))
        .bind(to_millis(role.created_at)?)
        .bind(encode_tags(&role.tags))
        .bind(role.permissions_boundary.as_deref())
        .bind(revision_to_db(role.revision)?)
        .execute(&self.writer)
        .await
        .map_err(map_sqlx)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn iam_role(&self, account: &AccountId, name: &str) -> Result<Option<IamRoleRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {ROLE_COLUMNS} FROM iam_roles r WHERE r.account_id = ?1 AND r.name_key = ?2"
        ))
        .bind(account.as_str())
        .bind(name_key(name))
        .fetch_optional(&self.reader)
        .await
        .map_err(map_sqlx)?;
        row.as_ref().map(role_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn iam_roles(
        &self,
        account: &AccountId,
        path_prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<IamRoleRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ROLE_COLUMNS} FROM iam_roles r WHERE r.account_id = ?1 \
             AND substr(r.path, 1, length(?2)) = ?2 AND (?3 IS NULL OR r.name_key > ?3) \
             ORDER BY r.name_key LIMIT ?4"
        ))
        .bind(account.as_str())
        .bind(path_prefix)
        .bind(after.map(name_key))
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(map_sqlx)?;
        rows.iter().map(role_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn update_role_trust_policy(
        &self,
        account: &AccountId,
        name: &str,
        document: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let Some(role_id) = find_role(&mut tx, account, name).await? else {
            return Err(StoreError::NotFound);
        };
        sqlx::query(
            "UPDATE iam_roles SET assume_role_policy = ?2, revision = revision + 1 WHERE role_id = ?1",
        )
        .bind(role_id.as_str())
        .bind(document)
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn update_iam_role(&self, role: &IamRoleRecord, expected_revision: u64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let stored: Option<(String, i64)> =
            sqlx::query_as("SELECT account_id, revision FROM iam_roles WHERE role_id = ?1")
                .bind(role.role_id.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_sqlx)?;
        let Some((account, revision)) = stored else {
            return Err(StoreError::NotFound);
        };
        if account != role.account_id.as_str() {
            return Err(StoreError::NotFound);
        }
        if revision != revision_to_db(expected_revision)? {
            return Err(StoreError::Conflict);
        }
        sqlx::query(
            "UPDATE iam_roles SET description = ?2, max_session_duration = ?3, tags = ?4, \
             permissions_boundary = ?5, revision = ?6 WHERE role_id = ?1",
        )
        .bind(role.role_id.as_str())
        .bind(role.description.as_deref())
        .bind(i64::from(role.max_session_duration))
        .bind(encode_tags(&role.tags))
        .bind(role.permissions_boundary.as_deref())
        .bind(revision_to_db(role.revision)?)
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn delete_iam_role(&self, account: &AccountId, name: &str) -> Result<RoleDeletion, StoreError> {
        let mut tx = self.begin().await?;
        let Some(role_id) = find_role(&mut tx, account, name).await? else {
            return Err(StoreError::NotFound);
        };
        for (sql, refusal) in [
            (
                "SELECT COUNT(*) FROM iam_role_policies WHERE role_id = ?1",
                RoleDeletion::HasPolicies,
            ),
            (
                "SELECT COUNT(*) FROM iam_role_policy_attachments WHERE role_id = ?1",
                RoleDeletion::HasAttachedPolicies,
            ),
        ] {
            if count_in(&mut tx, sql, &role_id).await? > 0 {
                return Ok(refusal);
            }
        }
        sqlx::query("DELETE FROM iam_roles WHERE role_id = ?1")
            .bind(role_id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)?;
        Ok(RoleDeletion::Deleted)
    }

    #[tracing::instrument(skip_all)]
    async fn put_role_policy(
        &self,
        account: &AccountId,
        role_name: &str,
        policy_name: &str,
        document: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let Some(role_id) = find_role(&mut tx, account, role_name).await? else {
            return Err(StoreError::NotFound);
        };
        sqlx::query(
            "INSERT INTO iam_role_policies (role_id, policy_name, document) VALUES (?1, ?2, ?3) \
             ON CONFLICT (role_id, policy_name) DO UPDATE SET document = excluded.document",
        )
        .bind(role_id.as_str())
        .bind(policy_name)
        .bind(document)
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn role_policy(
        &self,
        account: &AccountId,
        role_name: &str,
        policy_name: &str,
    ) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT rp.document FROM iam_role_policies rp JOIN iam_roles r ON r.role_id = rp.role_id \
             WHERE r.account_id = ?1 AND r.name_key = ?2 AND rp.policy_name = ?3",
        )
        .bind(account.as_str())
        .bind(name_key(role_name))
        .bind(policy_name)
        .fetch_optional(&self.reader)
        .await
        .map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn role_policies(
        &self,
        account: &AccountId,
        role_name: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let rows: Vec<(Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT rp.policy_name, rp.document FROM iam_roles r \
             LEFT JOIN iam_role_policies rp ON rp.role_id = r.role_id \
             WHERE r.account_id = ?1 AND r.name_key = ?2 ORDER BY rp.policy_name",
        )
        .bind(account.as_str())
        .bind(name_key(role_name))
        .fetch_all(&self.reader)
        .await
        .map_err(map_sqlx)?;
        if rows.is_empty() {
            return Err(StoreError::NotFound);
        }
        Ok(rows
            .into_iter()
            .filter_map(|(name, document)| Some((name?, document?)))
            .collect())
    }

    #[tracing::instrument(skip_all)]
    async fn delete_role_policy(
        &self,
        account: &AccountId,
        role_name: &str,
        policy_name: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let Some(role_id) = find_role(&mut tx, account, role_name).await? else {
            return Err(StoreError::NotFound);
        };
        let done = sqlx::query("DELETE FROM iam_role_policies WHERE role_id = ?1 AND policy_name = ?2")
            .bind(role_id.as_str())
            .bind(policy_name)
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn attach_role_policy(
        &self,
        account: &AccountId,
        role_name: &str,
        policy_name: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let Some(role_id) = find_role(&mut tx, account, role_name).await? else {
            return Err(StoreError::NotFound);
        };
        let Some((policy_id, _, _)) = find_policy(&mut tx, account, policy_name).await? else {
            return Err(StoreError::NotFound);
        };
        sqlx::query(
            "INSERT INTO iam_role_policy_attachments (role_id, policy_id) VALUES (?1, ?2) \
             ON CONFLICT (role_id, policy_id) DO NOTHING",
        )
        .bind(role_id.as_str())
        .bind(policy_id.as_str())
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn detach_role_policy(
        &self,
        account: &AccountId,
        role_name: &str,
        policy_name: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let Some(role_id) = find_role(&mut tx, account, role_name).await? else {
            return Err(StoreError::NotFound);
        };
        let Some((policy_id, _, _)) = find_policy(&mut tx, account, policy_name).await? else {
            return Err(StoreError::NotFound);
        };
        let done =
            sqlx::query("DELETE FROM iam_role_policy_attachments WHERE role_id = ?1 AND policy_id = ?2")
                .bind(role_id.as_str())
                .bind(policy_id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(map_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn attached_role_policies(
        &self,
        account: &AccountId,
        role_name: &str,
    ) -> Result<Vec<ManagedPolicyRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT p.policy_id IS NOT NULL AS attached, {POLICY_COLUMNS} FROM iam_roles r \
             LEFT JOIN iam_role_policy_attachments a ON a.role_id = r.role_id \
             LEFT JOIN iam_policies p ON p.policy_id = a.policy_id \
             WHERE r.account_id = ?1 AND r.name_key = ?2 ORDER BY p.name_key"
        ))
        .bind(account.as_str())
        .bind(name_key(role_name))
        .fetch_all(&self.reader)
        .await
        .map_err(map_sqlx)?;
        if rows.is_empty() {
            return Err(StoreError::NotFound);
        }
        let mut policies = Vec::with_capacity(rows.len());
        for row in &rows {
            let attached: bool = get(row, "attached")?;
            if attached {
                policies.push(policy_from_row(row)?);
            }
        }
        Ok(policies)
    }

    #[tracing::instrument(skip_all)]
    async fn role_identity_policy_documents(
        &self,
        account: &AccountId,
        role_name: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        // One statement: the first branch returns the role's row even without inline policies.
        let rows: Vec<IdentityRow> = sqlx::query_as(
            "SELECT 3 AS kind, r.name AS owner, rp.policy_name AS policy, 0 AS version, \
                    rp.document AS document \
               FROM iam_roles r LEFT JOIN iam_role_policies rp ON rp.role_id = r.role_id \
              WHERE r.account_id = ?1 AND r.name_key = ?2 \
             UNION ALL \
             SELECT 4 AS kind, p.name, p.name, v.version, v.document \
               FROM iam_roles r JOIN iam_role_policy_attachments a ON a.role_id = r.role_id \
               JOIN iam_policies p ON p.policy_id = a.policy_id \
               JOIN iam_policy_versions v ON v.policy_id = p.policy_id AND v.version = p.default_version \
              WHERE r.account_id = ?1 AND r.name_key = ?2 \
             ORDER BY kind, owner, policy",
        )
        .bind(account.as_str())
        .bind(name_key(role_name))
        .fetch_all(&self.reader)
        .await
        .map_err(map_sqlx)?;
        identity_documents(rows)
    }

    #[tracing::instrument(skip_all)]
    async fn record_access_key_use(&self, uses: &[AccessKeyUse]) -> Result<(), StoreError> {
        if uses.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        for used in uses {
            sqlx::query(
                "UPDATE access_keys SET last_used_at_ms = ?2, last_used_service = ?3, last_used_region = ?4 \
                 WHERE access_key_id = ?1 AND (last_used_at_ms IS NULL OR last_used_at_ms < ?2)",
            )
            .bind(used.access_key_id.as_str())
            .bind(to_millis(used.used_at)?)
            .bind(used.service.as_str())
            .bind(used.region.as_str())
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        }
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn access_key_last_used(&self, id: &AccessKeyId) -> Result<Option<AccessKeyUse>, StoreError> {
        let row: Option<(Option<i64>, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT last_used_at_ms, last_used_service, last_used_region FROM access_keys \
             WHERE access_key_id = ?1",
        )
        .bind(id.as_str())
        .fetch_optional(&self.reader)
        .await
        .map_err(map_sqlx)?;
        let Some((Some(at), service, region)) = row else {
            return Ok(None);
        };
        Ok(Some(AccessKeyUse {
            access_key_id: id.clone(),
            used_at: from_millis("access_keys", "last_used_at_ms", at)?,
            service: service.unwrap_or_default(),
            region: region.unwrap_or_default(),
        }))
    }
}

/// A row of [`IamStore::user_identity_policy_documents`]'s query: kind (0 the user's inline policy, 1 a
/// group's, 2 a managed policy), owner (user or group name), policy name, version, document.
type IdentityRow = (i64, Option<String>, Option<String>, i64, Option<String>);

/// Labels the rows of [`IamStore::user_identity_policy_documents`]'s query; no rows means no such user.
fn identity_documents(rows: Vec<IdentityRow>) -> Result<Vec<(String, String)>, StoreError> {
    if rows.is_empty() {
        return Err(StoreError::NotFound);
    }
    Ok(rows
        .into_iter()
        .filter_map(|(kind, owner, policy, version, document)| {
            let (policy, document) = (policy?, document?);
            let label = match kind {
                0 => format!("user/{}/inline/{policy}", owner?),
                1 => format!("group/{}/inline/{policy}", owner?),
                3 => format!("role/{}/inline/{policy}", owner?),
                _ => format!("policy/{policy}/v{version}"),
            };
            Some((label, document))
        })
        .collect())
}
