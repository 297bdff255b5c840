//! KMS keys and aliases on postgres.
//!
//! A compare-and-set on a key's revision is one `UPDATE … WHERE revision = $expected`: a concurrent writer
//! waits on the row lock and then re-checks the condition against the committed row, so exactly one wins.
//! Writes that point an alias at a key lock that key's row `FOR SHARE` first, so that a purge cannot slip in
//! between the check and the insert.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Transaction};
use strongroom_store::kms::{
    KeyManager, KmsAliasRecord, KmsKeyRecord, KmsKeyState, KmsKeyVersionRecord, decode_tags, encode_tags,
};
use strongroom_store::{KmsStore, Sealed, StoreError};
use strongroom_types::{AccountId, OffsetDateTime, Region};

use crate::error::{corrupt, map_sqlx};
use crate::{PostgresStore, get, to_millis_precision};

const KEYS: &str = "kms_keys";
const KEY_COLUMNS: &str = "key_id, arn, account_id, region, revision, created_at, description, key_usage, \
     key_spec, key_manager, state, deletion_at, pending_window_days, policy, tags, rotation_enabled, \
     rotation_period_days, next_rotation_at, current_version";

fn revision_to_db(revision: u64) -> Result<i64, StoreError> {
    i64::try_from(revision).map_err(|_| corrupt(KEYS, "revision", "revision out of range"))
}

fn version_to_db(version: u32) -> Result<i32, StoreError> {
    i32::try_from(version).map_err(|_| corrupt("kms_key_versions", "version", "version out of range"))
}

fn days_to_db(days: Option<u32>) -> Result<Option<i32>, StoreError> {
    days.map(|d| i32::try_from(d).map_err(|_| corrupt(KEYS, "days", "out of range")))
        .transpose()
}

fn key_from_row(row: &PgRow) -> Result<KmsKeyRecord, StoreError> {
    let account_id: String = get(row, "account_id")?;
    let region: String = get(row, "region")?;
    let revision: i64 = get(row, "revision")?;
    let key_manager: String = get(row, "key_manager")?;
    let state: String = get(row, "state")?;
    let tags: String = get(row, "tags")?;
    let window: Option<i32> = get(row, "pending_window_days")?;
    let period: Option<i32> = get(row, "rotation_period_days")?;
    let current_version: i32 = get(row, "current_version")?;
    let days = |column: &'static str, value: Option<i32>| {
        value
            .map(|v| u32::try_from(v).map_err(|_| corrupt(KEYS, column, "out of range")))
            .transpose()
    };
    Ok(KmsKeyRecord {
        key_id: get(row, "key_id")?,
        arn: get(row, "arn")?,
        account_id: account_id
            .parse::<AccountId>()
            .map_err(|_| corrupt(KEYS, "account_id", "not an account id"))?,
        region: region
            .parse::<Region>()
            .map_err(|_| corrupt(KEYS, "region", "not a region"))?,
        revision: u64::try_from(revision).map_err(|_| corrupt(KEYS, "revision", "negative"))?,
        created_at: get(row, "created_at")?,
        description: get(row, "description")?,
        key_usage: get(row, "key_usage")?,
        key_spec: get(row, "key_spec")?,
        key_manager: KeyManager::parse(&key_manager)
            .ok_or_else(|| corrupt(KEYS, "key_manager", "unknown key manager"))?,
        state: KmsKeyState::parse(&state).ok_or_else(|| corrupt(KEYS, "state", "unknown state"))?,
        deletion_date: get(row, "deletion_at")?,
        pending_window_days: days("pending_window_days", window)?,
        policy: get(row, "policy")?,
        tags: decode_tags(&tags).ok_or_else(|| corrupt(KEYS, "tags", "not in the tag encoding"))?,
        rotation_enabled: get(row, "rotation_enabled")?,
        rotation_period_days: days("rotation_period_days", period)?,
        next_rotation_at: get(row, "next_rotation_at")?,
        current_version: u32::try_from(current_version)
            .map_err(|_| corrupt(KEYS, "current_version", "out of range"))?,
    })
}

fn version_from_row(row: &PgRow) -> Result<KmsKeyVersionRecord, StoreError> {
    let version: i32 = get(row, "version")?;
    Ok(KmsKeyVersionRecord {
        key_id: get(row, "key_id")?,
        version: u32::try_from(version)
            .map_err(|_| corrupt("kms_key_versions", "version", "out of range"))?,
        sealed_material: Sealed::from_bytes(get(row, "sealed_material")?),
        created_at: get(row, "created_at")?,
    })
}

fn alias_from_row(row: &PgRow) -> Result<KmsAliasRecord, StoreError> {
    const TABLE: &str = "kms_aliases";
    let account_id: String = get(row, "account_id")?;
    let region: String = get(row, "region")?;
    Ok(KmsAliasRecord {
        account_id: account_id
            .parse()
            .map_err(|_| corrupt(TABLE, "account_id", "not an account id"))?,
        region: region
            .parse()
            .map_err(|_| corrupt(TABLE, "region", "not a region"))?,
        name: get(row, "name")?,
        target_key_id: get(row, "target_key_id")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

async fn insert_version(
    tx: &mut Transaction<'_, Postgres>,
    version: &KmsKeyVersionRecord,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO kms_key_versions (key_id, version, sealed_material, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(version.key_id.as_str())
    .bind(version_to_db(version.version)?)
    .bind(version.sealed_material.as_bytes())
    .bind(to_millis_precision(version.created_at))
    .execute(&mut **tx)
    .await
    .map_err(map_sqlx)?;
    Ok(())
}

/// Whether the key exists, holding a share lock on its row until the transaction ends.
async fn lock_key(tx: &mut Transaction<'_, Postgres>, key_id: &str) -> Result<bool, StoreError> {
    let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM kms_keys WHERE key_id = $1 FOR SHARE")
        .bind(key_id)
        .fetch_optional(&mut **tx)
        .await
        .map_err(map_sqlx)?;
    Ok(found.is_some())
}

async fn insert_alias(tx: &mut Transaction<'_, Postgres>, alias: &KmsAliasRecord) -> Result<(), StoreError> {
    if !lock_key(tx, &alias.target_key_id).await? {
        return Err(StoreError::NotFound);
    }
    sqlx::query(
        "INSERT INTO kms_aliases (account_id, region, name, target_key_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(alias.account_id.as_str())
    .bind(alias.region.as_str())
    .bind(alias.name.as_str())
    .bind(alias.target_key_id.as_str())
    .bind(to_millis_precision(alias.created_at))
    .bind(to_millis_precision(alias.updated_at))
    .execute(&mut **tx)
    .await
    .map_err(map_sqlx)?;
    Ok(())
}

/// After a compare-and-set touched no row: `NotFound` when the key is missing, `Conflict` otherwise.
async fn missed(pool: &sqlx::PgPool, key_id: &str) -> StoreError {
    let found: Result<Option<i32>, _> = sqlx::query_scalar("SELECT 1 FROM kms_keys WHERE key_id = $1")
        .bind(key_id)
        .fetch_optional(pool)
        .await;
    match found {
        Ok(Some(_)) => StoreError::Conflict,
        Ok(None) => StoreError::NotFound,
        Err(err) => map_sqlx(err),
    }
}

#[async_trait]
impl KmsStore for PostgresStore {
    #[tracing::instrument(skip_all)]
    async fn create_kms_key(
        &self,
        key: &KmsKeyRecord,
        version: &KmsKeyVersionRecord,
        alias: Option<&KmsAliasRecord>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        sqlx::query(&format!(
            "INSERT INTO kms_keys ({KEY_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
        ))
        .bind(key.key_id.as_str())
        .bind(key.arn.as_str())
        .bind(key.account_id.as_str())
        .bind(key.region.as_str())
        .bind(revision_to_db(key.revision)?)
        .bind(to_millis_precision(key.created_at))
        .bind(key.description.as_str())
        .bind(key.key_usage.as_str())
        .bind(key.key_spec.as_str())
        .bind(key.key_manager.as_str())
        .bind(key.state.as_str())
        .bind(key.deletion_date.map(to_millis_precision))
        .bind(days_to_db(key.pending_window_days)?)
        .bind(key.policy.as_deref())
        .bind(encode_tags(&key.tags))
        .bind(key.rotation_enabled)
        .bind(days_to_db(key.rotation_period_days)?)
        .bind(key.next_rotation_at.map(to_millis_precision))
        .bind(version_to_db(key.current_version)?)
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        insert_version(&mut tx, version).await?;
        if let Some(alias) = alias {
            insert_alias(&mut tx, alias).await?;
        }
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn kms_key(&self, key_id: &str) -> Result<Option<KmsKeyRecord>, StoreError> {
        let row = sqlx::query(&format!("SELECT {KEY_COLUMNS} FROM kms_keys WHERE key_id = $1"))
            .bind(key_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)?;
        row.as_ref().map(key_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn update_kms_key(
        &self,
        key: &KmsKeyRecord,
        expected_revision: u64,
        new_version: Option<&KmsKeyVersionRecord>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        let done = sqlx::query(
            "UPDATE kms_keys SET arn = $2, account_id = $3, region = $4, revision = $5, created_at = $6, \
             description = $7, key_usage = $8, key_spec = $9, key_manager = $10, state = $11, \
             deletion_at = $12, pending_window_days = $13, policy = $14, tags = $15, \
             rotation_enabled = $16, rotation_period_days = $17, next_rotation_at = $18, \
             current_version = $19 WHERE key_id = $1 AND revision = $20",
        )
        .bind(key.key_id.as_str())
        .bind(key.arn.as_str())
        .bind(key.account_id.as_str())
        .bind(key.region.as_str())
        .bind(revision_to_db(key.revision)?)
        .bind(to_millis_precision(key.created_at))
        .bind(key.description.as_str())
        .bind(key.key_usage.as_str())
        .bind(key.key_spec.as_str())
        .bind(key.key_manager.as_str())
        .bind(key.state.as_str())
        .bind(key.deletion_date.map(to_millis_precision))
        .bind(days_to_db(key.pending_window_days)?)
        .bind(key.policy.as_deref())
        .bind(encode_tags(&key.tags))
        .bind(key.rotation_enabled)
        .bind(days_to_db(key.rotation_period_days)?)
        .bind(key.next_rotation_at.map(to_millis_precision))
        .bind(version_to_db(key.current_version)?)
        .bind(revision_to_db(expected_revision)?)
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        if done.rows_affected() == 0 {
            drop(tx);
            return Err(missed(&self.pool, &key.key_id).await);
        }
        if let Some(version) = new_version {
            insert_version(&mut tx, version).await?;
        }
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn delete_kms_key(&self, key_id: &str, expected_revision: u64) -> Result<(), StoreError> {
        // Versions and aliases go by `ON DELETE CASCADE`, in the same statement.
        let done = sqlx::query("DELETE FROM kms_keys WHERE key_id = $1 AND revision = $2")
            .bind(key_id)
            .bind(revision_to_db(expected_revision)?)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(missed(&self.pool, key_id).await);
        }
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn kms_key_version(
        &self,
        key_id: &str,
        version: u32,
    ) -> Result<Option<KmsKeyVersionRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT key_id, version, sealed_material, created_at FROM kms_key_versions \
             WHERE key_id = $1 AND version = $2",
        )
        .bind(key_id)
        .bind(version_to_db(version)?)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_sqlx)?;
        row.as_ref().map(version_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn list_kms_keys(
        &self,
        account: &AccountId,
        region: &Region,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<KmsKeyRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {KEY_COLUMNS} FROM kms_keys WHERE account_id = $1 AND region = $2 AND key_id > $3 \
             ORDER BY key_id LIMIT $4"
        ))
        .bind(account.as_str())
        .bind(region.as_str())
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        rows.iter().map(key_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn kms_keys_due_for_deletion(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<KmsKeyRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {KEY_COLUMNS} FROM kms_keys WHERE state = 'PendingDeletion' AND deletion_at <= $1 \
             ORDER BY deletion_at, key_id LIMIT $2"
        ))
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        rows.iter().map(key_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn kms_keys_due_for_rotation(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<KmsKeyRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {KEY_COLUMNS} FROM kms_keys WHERE rotation_enabled AND state = 'Enabled' \
             AND next_rotation_at <= $1 ORDER BY next_rotation_at, key_id LIMIT $2"
        ))
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        rows.iter().map(key_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn create_kms_alias(&self, alias: &KmsAliasRecord) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        insert_alias(&mut tx, alias).await?;
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn kms_alias(
        &self,
        account: &AccountId,
        region: &Region,
        name: &str,
    ) -> Result<Option<KmsAliasRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT account_id, region, name, target_key_id, created_at, updated_at FROM kms_aliases \
             WHERE account_id = $1 AND region = $2 AND name = $3",
        )
        .bind(account.as_str())
        .bind(region.as_str())
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_sqlx)?;
        row.as_ref().map(alias_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn update_kms_alias(
        &self,
        account: &AccountId,
        region: &Region,
        name: &str,
        target_key_id: &str,
        updated_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        if !lock_key(&mut tx, target_key_id).await? {
            return Err(StoreError::NotFound);
        }
        let done = sqlx::query(
            "UPDATE kms_aliases SET target_key_id = $4, updated_at = $5 \
             WHERE account_id = $1 AND region = $2 AND name = $3",
        )
        .bind(account.as_str())
        .bind(region.as_str())
        .bind(name)
        .bind(target_key_id)
        .bind(to_millis_precision(updated_at))
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn delete_kms_alias(
        &self,
        account: &AccountId,
        region: &Region,
        name: &str,
    ) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM kms_aliases WHERE account_id = $1 AND region = $2 AND name = $3")
            .bind(account.as_str())
            .bind(region.as_str())
            .bind(name)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn list_kms_aliases(
        &self,
        account: &AccountId,
        region: &Region,
        target_key_id: Option<&str>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<KmsAliasRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT account_id, region, name, target_key_id, created_at, updated_at FROM kms_aliases \
             WHERE account_id = $1 AND region = $2 AND name > $3 \
             AND ($4::text IS NULL OR target_key_id = $4) ORDER BY name LIMIT $5",
        )
        .bind(account.as_str())
        .bind(region.as_str())
        .bind(after.unwrap_or(""))
        .bind(target_key_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        rows.iter().map(alias_from_row).collect()
    }
}
