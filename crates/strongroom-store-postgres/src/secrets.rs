//! Secrets and their versions on PostgreSQL (schema and its reasons in `migrations/0003_secrets.sql`).
//!
//! A secret is one row holding its whole record, so `secret_by_arn`/`secret_by_name` and `secret_value` are
//! one indexed lookup (and one round trip) each. `write_secrets` is one transaction at `READ COMMITTED`; each
//! update or purge is a compare-and-set (`… WHERE arn = $1 AND revision = $n`): a concurrent writer of the
//! same row waits for the row lock and then re-checks the revision against the committed row, so of two
//! racing writers exactly one matches, and the other sees zero rows and fails with `Conflict`. Listings are
//! keyset pages over the indexes of their order.

use async_trait::async_trait;
use sqlx::QueryBuilder;
use sqlx::postgres::{PgArguments, PgRow, Postgres};
use strongroom_store::StoreError;
use strongroom_store::secrets::{
    SecretOrder, SecretPage, SecretRecord, SecretStore, SecretValueRecord, SecretWrite,
};
use strongroom_store::secrets_codec::{self, CodecError, EncodedNested};
use strongroom_types::{AccountId, OffsetDateTime, Region, Sealed};

use crate::error::{corrupt, map_sqlx};
use crate::{PostgresStore, get, to_millis_precision};

const TABLE: &str = "secrets";

/// Every column of `secrets`, in the order [`secret_from_row`] reads them.
const COLUMNS: &str = "arn, account_id, region, name, revision, created_at, last_changed_at, \
     last_accessed_at, deleted_at, purge_at, description, kms_key_id, secret_type, owning_service, \
     tags, resource_policy, rotation, primary_region, replicas, versions, version_access::text AS version_access";

/// A write that breaks the trait's contract; reported inside [`StoreError::Unavailable`] before anything is
/// written.
#[derive(Debug, thiserror::Error)]
enum WriteError {
    #[error("an update's record must have revision expected_revision + 1")]
    RevisionNotNext,
    #[error("revision is larger than the largest storable revision (i64::MAX)")]
    RevisionOutOfRange,
    #[error("a value row names a different secret than the write it belongs to")]
    ValueOfOtherSecret,
    #[error("an update both writes and removes the value of one version")]
    ValueWrittenAndRemoved,
    #[error("cannot encode the record: {0}")]
    Encode(#[from] CodecError),
}

impl From<WriteError> for StoreError {
    fn from(err: WriteError) -> Self {
        StoreError::Unavailable(Box::new(err))
    }
}

fn revision_to_db(revision: u64) -> Result<i64, StoreError> {
    i64::try_from(revision).map_err(|_| WriteError::RevisionOutOfRange.into())
}

/// A record converted to its column values, before any statement runs.
struct Columns<'a> {
    record: &'a SecretRecord,
    revision: i64,
    created_at: OffsetDateTime,
    last_changed_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
    purge_at: Option<OffsetDateTime>,
    nested: EncodedNested,
}

impl<'a> Columns<'a> {
    fn new(record: &'a SecretRecord) -> Result<Self, StoreError> {
        Ok(Self {
            record,
            revision: revision_to_db(record.revision)?,
            created_at: to_millis_precision(record.created_at),
            last_changed_at: to_millis_precision(record.last_changed_at),
            deleted_at: record.deleted_at.map(to_millis_precision),
            purge_at: record.purge_at.map(to_millis_precision),
            nested: secrets_codec::encode(record).map_err(WriteError::from)?,
        })
    }

    /// Binds `$1` (the ARN) to `$19`, in the order of the `INSERT` and `UPDATE` statements below.
    fn bind<'q>(
        &'q self,
        query: sqlx::query::Query<'q, Postgres, PgArguments>,
    ) -> sqlx::query::Query<'q, Postgres, PgArguments> {
        let r = self.record;
        query
            .bind(r.arn.as_str())
            .bind(r.account_id.as_str())
            .bind(r.region.as_str())
            .bind(r.name.as_str())
            .bind(self.revision)
            .bind(self.created_at)
            .bind(self.last_changed_at)
            .bind(self.deleted_at)
            .bind(self.purge_at)
            .bind(r.description.as_deref())
            .bind(r.kms_key_id.as_deref())
            .bind(r.secret_type.as_deref())
            .bind(r.owning_service.as_deref())
            .bind(self.nested.tags.as_deref())
            .bind(r.resource_policy.as_deref())
            .bind(self.nested.rotation.as_deref())
            .bind(r.primary_region.as_deref())
            .bind(self.nested.replicas.as_str())
            .bind(self.nested.versions.as_str())
    }
}

/// One write, checked and converted.
enum Prepared<'a> {
    Create {
        columns: Columns<'a>,
        values: &'a [SecretValueRecord],
    },
    Update {
        columns: Columns<'a>,
        expected: i64,
        values: &'a [SecretValueRecord],
        removed: &'a [String],
    },
    Purge {
        arn: &'a str,
        expected: i64,
    },
}

fn check_values(arn: &str, values: &[SecretValueRecord]) -> Result<(), StoreError> {
    if values.iter().any(|v| v.secret_arn != arn) {
        return Err(WriteError::ValueOfOtherSecret.into());
    }
    Ok(())
}

fn prepare(write: &SecretWrite) -> Result<Prepared<'_>, StoreError> {
    Ok(match write {
        SecretWrite::Create { secret, values } => {
            check_values(&secret.arn, values)?;
            Prepared::Create {
                columns: Columns::new(secret)?,
                values,
            }
        }
        SecretWrite::Update {
            secret,
            expected_revision,
            values,
            removed_versions,
        } => {
            if expected_revision.checked_add(1) != Some(secret.revision) {
                return Err(WriteError::RevisionNotNext.into());
            }
            check_values(&secret.arn, values)?;
            if values.iter().any(|v| removed_versions.contains(&v.version_id)) {
                return Err(WriteError::ValueWrittenAndRemoved.into());
            }
            Prepared::Update {
                columns: Columns::new(secret)?,
                expected: revision_to_db(*expected_revision)?,
                values,
                removed: removed_versions,
            }
        }
        SecretWrite::Purge {
            arn,
            expected_revision,
        } => Prepared::Purge {
            arn,
            expected: revision_to_db(*expected_revision)?,
        },
    })
}

const INSERT_SECRET: &str = "INSERT INTO secrets (arn, account_id, region, name, revision, created_at, \
     last_changed_at, deleted_at, purge_at, description, kms_key_id, secret_type, owning_service, \
     tags, resource_policy, rotation, primary_region, replicas, versions) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)";

/// Replaces the record but its last-accessed days, keeping only the days of versions it still has.
const UPDATE_SECRET: &str = "UPDATE secrets SET account_id = $2, region = $3, name = $4, revision = $5, \
     created_at = $6, last_changed_at = $7, deleted_at = $8, purge_at = $9, description = $10, \
     kms_key_id = $11, secret_type = $12, owning_service = $13, tags = $14, resource_policy = $15, \
     rotation = $16, primary_region = $17, replicas = $18, versions = $19, \
     version_access = (SELECT COALESCE(jsonb_object_agg(a.key, a.value), '{}'::jsonb) \
                       FROM jsonb_each(secrets.version_access) AS a WHERE a.key = ANY($20::text[])) \
     WHERE arn = $1 AND revision = $21";

const INSERT_VALUE: &str = "INSERT INTO secret_values (secret_arn, version_id, sealed) VALUES ($1, $2, $3)";

const UPSERT_VALUE: &str = "INSERT INTO secret_values (secret_arn, version_id, sealed) VALUES ($1, $2, $3) \
     ON CONFLICT (secret_arn, version_id) DO UPDATE SET sealed = excluded.sealed";

/// Why a compare-and-set matched no row: the secret is gone, or its revision moved on.
async fn cas_failure(conn: &mut sqlx::PgConnection, arn: &str) -> StoreError {
    let found = sqlx::query_scalar::<_, i64>("SELECT revision FROM secrets WHERE arn = $1")
        .bind(arn)
        .fetch_optional(conn)
        .await;
    match found {
        Ok(Some(_)) => StoreError::Conflict,
        Ok(None) => StoreError::NotFound,
        Err(err) => map_sqlx(err),
    }
}

async fn apply(conn: &mut sqlx::PgConnection, write: &Prepared<'_>) -> Result<(), StoreError> {
    match write {
        Prepared::Create { columns, values } => {
            columns
                .bind(sqlx::query(INSERT_SECRET))
                .execute(&mut *conn)
                .await
                .map_err(map_sqlx)?;
            for value in *values {
                sqlx::query(INSERT_VALUE)
                    .bind(value.secret_arn.as_str())
                    .bind(value.version_id.as_str())
                    .bind(value.sealed.as_bytes())
                    .execute(&mut *conn)
                    .await
                    .map_err(map_sqlx)?;
            }
        }
        Prepared::Update {
            columns,
            expected,
            values,
            removed,
        } => {
            let done = columns
                .bind(sqlx::query(UPDATE_SECRET))
                .bind(columns.nested.version_ids.as_slice())
                .bind(*expected)
                .execute(&mut *conn)
                .await
                .map_err(map_sqlx)?;
            if done.rows_affected() == 0 {
                return Err(cas_failure(conn, &columns.record.arn).await);
            }
            for value in *values {
                sqlx::query(UPSERT_VALUE)
                    .bind(value.secret_arn.as_str())
                    .bind(value.version_id.as_str())
                    .bind(value.sealed.as_bytes())
                    .execute(&mut *conn)
                    .await
                    .map_err(map_sqlx)?;
            }
            for version_id in *removed {
                sqlx::query("DELETE FROM secret_values WHERE secret_arn = $1 AND version_id = $2")
                    .bind(columns.record.arn.as_str())
                    .bind(version_id.as_str())
                    .execute(&mut *conn)
                    .await
                    .map_err(map_sqlx)?;
            }
        }
        Prepared::Purge { arn, expected } => {
            // The value rows go with the secret (ON DELETE CASCADE).
            let done = sqlx::query("DELETE FROM secrets WHERE arn = $1 AND revision = $2")
                .bind(*arn)
                .bind(*expected)
                .execute(&mut *conn)
                .await
                .map_err(map_sqlx)?;
            if done.rows_affected() == 0 {
                return Err(cas_failure(conn, arn).await);
            }
        }
    }
    Ok(())
}

fn decode_err(err: CodecError) -> StoreError {
    corrupt(TABLE, err.field, err.what)
}

fn secret_from_row(row: &PgRow) -> Result<SecretRecord, StoreError> {
    let account_id: String = get(row, "account_id")?;
    let region: String = get(row, "region")?;
    let revision: i64 = get(row, "revision")?;
    let tags: Option<String> = get(row, "tags")?;
    let rotation: Option<String> = get(row, "rotation")?;
    let replicas: String = get(row, "replicas")?;
    let versions: String = get(row, "versions")?;
    let version_access: String = get(row, "version_access")?;
    let nested = secrets_codec::decode(
        tags.as_deref(),
        rotation.as_deref(),
        &replicas,
        &versions,
        &version_access,
    )
    .map_err(decode_err)?;
    Ok(SecretRecord {
        arn: get(row, "arn")?,
        account_id: account_id
            .parse::<AccountId>()
            .map_err(|_| corrupt(TABLE, "account_id", "not an account id"))?,
        region: region
            .parse::<Region>()
            .map_err(|_| corrupt(TABLE, "region", "not a region"))?,
        name: get(row, "name")?,
        revision: u64::try_from(revision).map_err(|_| corrupt(TABLE, "revision", "negative revision"))?,
        created_at: get(row, "created_at")?,
        last_changed_at: get(row, "last_changed_at")?,
        last_accessed_at: get(row, "last_accessed_at")?,
        deleted_at: get(row, "deleted_at")?,
        purge_at: get(row, "purge_at")?,
        description: get(row, "description")?,
        kms_key_id: get(row, "kms_key_id")?,
        secret_type: get(row, "secret_type")?,
        owning_service: get(row, "owning_service")?,
        tags: nested.tags,
        resource_policy: get(row, "resource_policy")?,
        rotation: nested.rotation,
        primary_region: get(row, "primary_region")?,
        replicas: nested.replicas,
        versions: nested.versions,
    })
}

#[async_trait]
impl SecretStore for PostgresStore {
    #[tracing::instrument(skip_all, fields(writes = writes.len()))]
    async fn write_secrets(&self, writes: &[SecretWrite]) -> Result<(), StoreError> {
        if writes.is_empty() {
            return Ok(());
        }
        // Check and convert everything first, so that an unstorable write fails the batch before it starts.
        let prepared = writes.iter().map(prepare).collect::<Result<Vec<_>, _>>()?;

        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        for write in &prepared {
            if let Err(err) = apply(&mut tx, write).await {
                // Roll back now rather than when the connection is next used.
                let _ = tx.rollback().await;
                return Err(err);
            }
        }
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn secret_by_arn(&self, arn: &str) -> Result<Option<SecretRecord>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM secrets WHERE arn = $1"))
            .bind(arn)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)?;
        row.as_ref().map(secret_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn secret_by_name(
        &self,
        account: &AccountId,
        region: &Region,
        name: &str,
    ) -> Result<Option<SecretRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM secrets WHERE account_id = $1 AND region = $2 AND name = $3"
        ))
        .bind(account.as_str())
        .bind(region.as_str())
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_sqlx)?;
        row.as_ref().map(secret_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn secret_value(
        &self,
        arn: &str,
        version_id: &str,
    ) -> Result<Option<SecretValueRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT secret_arn, version_id, sealed FROM secret_values \
             WHERE secret_arn = $1 AND version_id = $2",
        )
        .bind(arn)
        .bind(version_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_sqlx)?;
        row.map(|row| {
            Ok(SecretValueRecord {
                secret_arn: get(&row, "secret_arn")?,
                version_id: get(&row, "version_id")?,
                sealed: Sealed::from_bytes(get(&row, "sealed")?),
            })
        })
        .transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn list_secrets(
        &self,
        account: &AccountId,
        region: &Region,
        page: &SecretPage,
    ) -> Result<Vec<SecretRecord>, StoreError> {
        if page.limit == 0 {
            return Ok(Vec::new());
        }
        let mut query =
            QueryBuilder::<Postgres>::new(format!("SELECT {COLUMNS} FROM secrets WHERE account_id = "));
        query.push_bind(account.as_str());
        query.push(" AND region = ");
        query.push_bind(region.as_str());
        if !page.include_deleted {
            // Literally this condition, so that the planner may use the partial indexes.
            query.push(" AND deleted_at IS NULL");
        }
        if let Some(prefix) = page.name_prefix.as_deref().filter(|p| !p.is_empty()) {
            // A range on the name: case-sensitive, and no LIKE wildcards to escape.
            query.push(" AND name >= ");
            query.push_bind(prefix.to_owned());
            if let Some(bound) = secrets_codec::prefix_upper_bound(prefix) {
                query.push(" AND name < ");
                query.push_bind(bound);
            }
        }
        let (after, order) = match page.order {
            SecretOrder::CreatedAsc => ("(created_at, arn) > (", " ORDER BY created_at ASC, arn ASC"),
            SecretOrder::CreatedDesc => ("(created_at, arn) < (", " ORDER BY created_at DESC, arn DESC"),
            SecretOrder::NameAsc => ("name > ", " ORDER BY name ASC"),
            SecretOrder::NameDesc => ("name < ", " ORDER BY name DESC"),
        };
        if let Some(cursor) = &page.after {
            query.push(" AND ");
            query.push(after);
            match page.order {
                SecretOrder::CreatedAsc | SecretOrder::CreatedDesc => {
                    query.push_bind(to_millis_precision(cursor.created_at));
                    query.push(", ");
                    query.push_bind(cursor.arn.clone());
                    query.push(")");
                }
                SecretOrder::NameAsc | SecretOrder::NameDesc => {
                    query.push_bind(cursor.name.clone());
                }
            }
        }
        query.push(order);
        query.push(" LIMIT ");
        query.push_bind(i64::from(page.limit));

        // With a name prefix the best plan depends on how many names match (walk the creation-time index
        // and skip, or take the name range and sort), which the planner can only judge from the values: an
        // unnamed statement is planned for its values every time, where a cached one may settle on a
        // generic plan.
        let has_prefix = page.name_prefix.as_deref().is_some_and(|p| !p.is_empty());
        let rows = query
            .build()
            .persistent(!has_prefix)
            .fetch_all(&self.pool)
            .await
            .map_err(map_sqlx)?;
        rows.iter().map(secret_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn secrets_to_purge(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<SecretRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM secrets WHERE purge_at IS NOT NULL AND purge_at <= $1 \
             ORDER BY purge_at, arn LIMIT $2"
        ))
        .bind(to_millis_precision(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        rows.iter().map(secret_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn record_secret_access(
        &self,
        arn: &str,
        version_id: &str,
        day: OffsetDateTime,
    ) -> Result<(), StoreError> {
        // One statement (atomic on its own): the secret's day and the version's (if the record still has
        // that version) move forward only, and a row that needs neither is not written at all.
        const VERSION_IS_BEHIND: &str = "(versions::jsonb @> jsonb_build_array(jsonb_build_object('id', $3::text)) \
             AND COALESCE((version_access ->> $3::text)::bigint < $4, true))";
        let sql = format!(
            "UPDATE secrets SET \
               last_accessed_at = GREATEST(last_accessed_at, $2), \
               version_access = CASE WHEN {VERSION_IS_BEHIND} \
                                     THEN version_access || jsonb_build_object($3::text, $4) \
                                     ELSE version_access END \
             WHERE arn = $1 AND (last_accessed_at IS NULL OR last_accessed_at < $2 OR {VERSION_IS_BEHIND})"
        );
        let day = to_millis_precision(day);
        let day_ms = secrets_codec::to_ms("version_access", day).map_err(WriteError::from)?;
        sqlx::query(&sql)
            .bind(arn)
            .bind(day)
            .bind(version_id)
            .bind(day_ms)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(())
    }
}
