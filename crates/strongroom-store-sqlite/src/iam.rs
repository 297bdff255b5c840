//! IAM users, their access keys and inline policies on sqlite.
//!
//! Every write is one `BEGIN IMMEDIATE` transaction on the writer connection, so counting a user's keys and
//! adding one, or checking that a user has none left and deleting it, cannot interleave with another write.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{Sqlite, Transaction};
use strongroom_store::iam::{IamUserRecord, KeyCreation, UserDeletion, name_key};
use strongroom_store::kms::{decode_tags, encode_tags};
use strongroom_store::{AccessKeyRecord, AccessKeyStatus, IamStore, StoreError};
use strongroom_types::{AccessKeyId, AccountId};

use crate::error::{corrupt, map_sqlx};
use crate::{SqliteStore, access_key_from_row, from_millis, get, to_millis};

const USERS: &str = "iam_users";
const USER_COLUMNS: &str = "user_id, account_id, name, path, created_at_ms, tags, revision";
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
            "INSERT INTO iam_users ({USER_COLUMNS}, name_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        ))
        .bind(user.user_id.as_str())
        .bind(user.account_id.as_str())
        .bind(user.name.as_str())
        .bind(user.path.as_str())
        .bind(to_millis(user.created_at)?)
        .bind(encode_tags(&user.tags))
        .bind(revision_to_db(user.revision)?)
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
             revision = ?7 WHERE user_id = ?1",
        )
        .bind(user.user_id.as_str())
        .bind(user.name.as_str())
        .bind(name_key(&user.name))
        .bind(user.path.as_str())
        .bind(to_millis(user.created_at)?)
        .bind(encode_tags(&user.tags))
        .bind(revision_to_db(user.revision)?)
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
}
