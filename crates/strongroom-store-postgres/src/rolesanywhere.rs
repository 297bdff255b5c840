//! Roles Anywhere rows in PostgreSQL: one table, each write a single statement (so atomic without an explicit
//! transaction), compare-and-set on `revision`.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use strongroom_store::rolesanywhere::{RaKind, RaRow};
use strongroom_store::{RolesAnywhereStore, StoreError};
use strongroom_types::{AccountId, Region};

use crate::error::{corrupt, map_sqlx};
use crate::{PostgresStore, get};

const TABLE: &str = "rolesanywhere_resources";
const COLUMNS: &str = "id, kind, arn, account_id, region, revision, lookup, document, data";

fn revision_to_db(revision: u64) -> Result<i64, StoreError> {
    i64::try_from(revision).map_err(|_| corrupt(TABLE, "revision", "revision out of range"))
}

fn row_from_db(row: &PgRow) -> Result<RaRow, StoreError> {
    let kind: String = get(row, "kind")?;
    let account_id: String = get(row, "account_id")?;
    let region: String = get(row, "region")?;
    let revision: i64 = get(row, "revision")?;
    Ok(RaRow {
        kind: RaKind::parse(&kind).ok_or_else(|| corrupt(TABLE, "kind", "unknown kind"))?,
        id: get(row, "id")?,
        arn: get(row, "arn")?,
        account_id: account_id
            .parse()
            .map_err(|_| corrupt(TABLE, "account_id", "not an account id"))?,
        region: region
            .parse()
            .map_err(|_| corrupt(TABLE, "region", "not a region"))?,
        revision: u64::try_from(revision).map_err(|_| corrupt(TABLE, "revision", "negative"))?,
        lookup: get(row, "lookup")?,
        document: get(row, "document")?,
        data: get(row, "data")?,
    })
}

impl PostgresStore {
    /// After a compare-and-set changed no row: `NotFound` when there is none, `Conflict` otherwise.
    async fn ra_missing_or_conflict(&self, kind: RaKind, id: &str) -> StoreError {
        let found: Result<Option<i32>, _> =
            sqlx::query_scalar(&format!("SELECT 1 FROM {TABLE} WHERE id = $1 AND kind = $2"))
                .bind(id)
                .bind(kind.as_str())
                .fetch_optional(&self.pool)
                .await;
        match found {
            Ok(Some(_)) => StoreError::Conflict,
            Ok(None) => StoreError::NotFound,
            Err(err) => map_sqlx(err),
        }
    }
}

#[async_trait]
impl RolesAnywhereStore for PostgresStore {
    #[tracing::instrument(skip_all)]
    async fn insert_ra_row(&self, row: &RaRow) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO {TABLE} ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(row.id.as_str())
        .bind(row.kind.as_str())
        .bind(row.arn.as_str())
        .bind(row.account_id.as_str())
        .bind(row.region.as_str())
        .bind(revision_to_db(row.revision)?)
        .bind(row.lookup.as_deref())
        .bind(row.document.as_str())
        .bind(row.data.as_deref())
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn ra_row(&self, kind: RaKind, id: &str) -> Result<Option<RaRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM {TABLE} WHERE id = $1 AND kind = $2"
        ))
        .bind(id)
        .bind(kind.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(map_sqlx)?;
        row.as_ref().map(row_from_db).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn ra_row_by_lookup(
        &self,
        kind: RaKind,
        account: &AccountId,
        region: &Region,
        lookup: &str,
    ) -> Result<Option<RaRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM {TABLE} WHERE kind = $1 AND account_id = $2 AND region = $3 \
             AND lookup = $4 ORDER BY id LIMIT 1"
        ))
        .bind(kind.as_str())
        .bind(account.as_str())
        .bind(region.as_str())
        .bind(lookup)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_sqlx)?;
        row.as_ref().map(row_from_db).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn ra_rows_with_lookup(&self, kind: RaKind, lookup: &str) -> Result<Vec<RaRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM {TABLE} WHERE kind = $1 AND lookup = $2 ORDER BY id"
        ))
        .bind(kind.as_str())
        .bind(lookup)
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        rows.iter().map(row_from_db).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn update_ra_row(&self, row: &RaRow, expected_revision: u64) -> Result<(), StoreError> {
        let done = sqlx::query(&format!(
            "UPDATE {TABLE} SET arn = $3, account_id = $4, region = $5, revision = $6, lookup = $7, \
             document = $8, data = $9 WHERE id = $1 AND kind = $2 AND revision = $10"
        ))
        .bind(row.id.as_str())
        .bind(row.kind.as_str())
        .bind(row.arn.as_str())
        .bind(row.account_id.as_str())
        .bind(row.region.as_str())
        .bind(revision_to_db(row.revision)?)
        .bind(row.lookup.as_deref())
        .bind(row.document.as_str())
        .bind(row.data.as_deref())
        .bind(revision_to_db(expected_revision)?)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(self.ra_missing_or_conflict(row.kind, &row.id).await)
        }
    }

    #[tracing::instrument(skip_all)]
    async fn delete_ra_row(&self, kind: RaKind, id: &str, expected_revision: u64) -> Result<(), StoreError> {
        let done = sqlx::query(&format!(
            "DELETE FROM {TABLE} WHERE id = $1 AND kind = $2 AND revision = $3"
        ))
        .bind(id)
        .bind(kind.as_str())
        .bind(revision_to_db(expected_revision)?)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(self.ra_missing_or_conflict(kind, id).await)
        }
    }

    #[tracing::instrument(skip_all)]
    async fn list_ra_rows(
        &self,
        kind: RaKind,
        account: &AccountId,
        region: &Region,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<RaRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM {TABLE} WHERE kind = $1 AND account_id = $2 AND region = $3 \
             AND id > $4 ORDER BY id LIMIT $5"
        ))
        .bind(kind.as_str())
        .bind(account.as_str())
        .bind(region.as_str())
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        rows.iter().map(row_from_db).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn scan_ra_rows(
        &self,
        kind: RaKind,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<RaRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM {TABLE} WHERE kind = $1 AND id > $2 ORDER BY id LIMIT $3"
        ))
        .bind(kind.as_str())
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        rows.iter().map(row_from_db).collect()
    }
}
