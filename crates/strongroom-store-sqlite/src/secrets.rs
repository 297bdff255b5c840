//! Secrets and their versions on SQLite (schema and its reasons in `migrations/0003_secrets.sql`).
//!
//! A secret is one row holding its whole record, so `secret_by_arn`/`secret_by_name` and `secret_value` are
//! one indexed lookup each. `write_secrets` is one `BEGIN IMMEDIATE` transaction on the writer connection;
//! each update is a compare-and-set (`UPDATE … WHERE arn = ? AND revision = ?`) whose row count tells a lost
//! race from success. Listings are keyset pages over the indexes of their order.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use sqlx::QueryBuilder;
use sqlx::sqlite::{Sqlite, SqliteArguments, SqliteRow};
use strongroom_store::StoreError;
use strongroom_store::secrets::{
    SecretOrder, SecretPage, SecretRecord, SecretStore, SecretValueRecord, SecretWrite,
};
use strongroom_store::secrets_codec::{self, CodecError, EncodedNested};
use strongroom_types::{AccountId, OffsetDateTime, Region, Sealed};
use tokio::sync::oneshot;

use crate::error::{corrupt, map_sqlx};
use crate::{SqliteStore, from_millis, get, to_millis};

const TABLE: &str = "secrets";

/// Every column of `secrets`, in the order [`secret_from_row`] reads them.
const COLUMNS: &str = "arn, account_id, region, name, revision, created_at_ms, last_changed_at_ms, \
     last_accessed_at_ms, deleted_at_ms, purge_at_ms, description, kms_key_id, secret_type, owning_service, \
     tags, resource_policy, rotation, primary_region, replicas, versions, version_access";

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
    created_at: i64,
    last_changed_at: i64,
    deleted_at: Option<i64>,
    purge_at: Option<i64>,
    nested: EncodedNested,
}

impl<'a> Columns<'a> {
    fn new(record: &'a SecretRecord) -> Result<Self, StoreError> {
        Ok(Self {
            record,
            revision: revision_to_db(record.revision)?,
            created_at: to_millis(record.created_at)?,
            last_changed_at: to_millis(record.last_changed_at)?,
            deleted_at: record.deleted_at.map(to_millis).transpose()?,
            purge_at: record.purge_at.map(to_millis).transpose()?,
            nested: secrets_codec::encode(record).map_err(WriteError::from)?,
        })
    }

    /// Binds `?1` (the ARN) to `?19`, in the order of the `INSERT` and `UPDATE` statements below.
    fn bind<'q>(
        &'q self,
        query: sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>>,
    ) -> sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>> {
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

const INSERT_SECRET: &str = "INSERT INTO secrets (arn, account_id, region, name, revision, created_at_ms, \
     last_changed_at_ms, deleted_at_ms, purge_at_ms, description, kms_key_id, secret_type, owning_service, \
     tags, resource_policy, rotation, primary_region, replicas, versions) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)";

/// Replaces the record but its last-accessed days, keeping only the days of versions it still has.
const UPDATE_SECRET: &str = "UPDATE secrets SET account_id = ?2, region = ?3, name = ?4, revision = ?5, \
     created_at_ms = ?6, last_changed_at_ms = ?7, deleted_at_ms = ?8, purge_at_ms = ?9, description = ?10, \
     kms_key_id = ?11, secret_type = ?12, owning_service = ?13, tags = ?14, resource_policy = ?15, \
     rotation = ?16, primary_region = ?17, replicas = ?18, versions = ?19, \
     version_access = (SELECT json_group_object(a.key, a.value) FROM json_each(secrets.version_access) AS a \
                       WHERE a.key IN (SELECT value FROM json_each(?20))) \
     WHERE arn = ?1 AND revision = ?21";

const INSERT_VALUE: &str = "INSERT INTO secret_values (secret_arn, version_id, sealed) VALUES (?1, ?2, ?3)";

const UPSERT_VALUE: &str = "INSERT INTO secret_values (secret_arn, version_id, sealed) VALUES (?1, ?2, ?3) \
     ON CONFLICT (secret_arn, version_id) DO UPDATE SET sealed = excluded.sealed";

/// Why a compare-and-set matched no row: the secret is gone, or its revision moved on.
async fn cas_failure(conn: &mut sqlx::SqliteConnection, arn: &str) -> StoreError {
    let found = sqlx::query_scalar::<_, i64>("SELECT revision FROM secrets WHERE arn = ?1")
        .bind(arn)
        .fetch_optional(conn)
        .await;
    match found {
        Ok(Some(_)) => StoreError::Conflict,
        Ok(None) => StoreError::NotFound,
        Err(err) => map_sqlx(err),
    }
}

async fn apply(conn: &mut sqlx::SqliteConnection, write: &Prepared<'_>) -> Result<(), StoreError> {
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
                .bind(columns.nested.version_ids_json.as_str())
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
                sqlx::query("DELETE FROM secret_values WHERE secret_arn = ?1 AND version_id = ?2")
                    .bind(columns.record.arn.as_str())
                    .bind(version_id.as_str())
                    .execute(&mut *conn)
                    .await
                    .map_err(map_sqlx)?;
            }
        }
        Prepared::Purge { arn, expected } => {
            // The value rows go with the secret (ON DELETE CASCADE).
            let done = sqlx::query("DELETE FROM secrets WHERE arn = ?1 AND revision = ?2")
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

fn opt_millis(row: &SqliteRow, column: &str) -> Result<Option<OffsetDateTime>, StoreError> {
    get::<Option<i64>>(row, column)?
        .map(|ms| from_millis(TABLE, column, ms))
        .transpose()
}

fn secret_from_row(row: &SqliteRow) -> Result<SecretRecord, StoreError> {
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
        created_at: from_millis(TABLE, "created_at_ms", get(row, "created_at_ms")?)?,
        last_changed_at: from_millis(TABLE, "last_changed_at_ms", get(row, "last_changed_at_ms")?)?,
        last_accessed_at: opt_millis(row, "last_accessed_at_ms")?,
        deleted_at: opt_millis(row, "deleted_at_ms")?,
        purge_at: opt_millis(row, "purge_at_ms")?,
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

/// Below this many secrets matching a name prefix, a listing in creation-time order sorts the matches
/// instead of walking the creation-time index.
const PREFIX_SORT_CAP: i64 = 5_000;

/// ` WHERE` and the conditions every listing has: the account and region, the deletion state (literally
/// `deleted_at_ms IS NULL`, so that the planner may use the partial indexes) and the name prefix (an empty
/// one is none) as a range on `name_column` (`name`, or `+name` to keep the name index out): case-sensitive,
/// with no LIKE wildcards to escape.
fn push_filters<'a>(
    query: &mut QueryBuilder<'a, Sqlite>,
    account: &AccountId,
    region: &Region,
    include_deleted: bool,
    prefix: &str,
    bound: Option<&str>,
    name_column: &str,
) {
    query.push(" WHERE account_id = ");
    query.push_bind(account.as_str().to_owned());
    query.push(" AND region = ");
    query.push_bind(region.as_str().to_owned());
    if !include_deleted {
        query.push(" AND deleted_at_ms IS NULL");
    }
    if !prefix.is_empty() {
        query.push(format!(" AND {name_column} >= "));
        query.push_bind(prefix.to_owned());
        if let Some(bound) = bound {
            query.push(format!(" AND {name_column} < "));
            query.push_bind(bound.to_owned());
        }
    }
}

#[async_trait]
impl SecretStore for SqliteStore {
    #[tracing::instrument(skip_all, fields(writes = writes.len()))]
    async fn write_secrets(&self, writes: &[SecretWrite]) -> Result<(), StoreError> {
        if writes.is_empty() {
            return Ok(());
        }
        // Check everything first, so that an unstorable write fails before it joins a group.
        writes.iter().map(prepare).collect::<Result<Vec<_>, _>>()?;
        let (done, result) = oneshot::channel();
        self.secret_writes.lock_pending().push(Job {
            writes: writes.to_vec(),
            done,
        });
        // Whoever holds the leader lock commits everything queued by then. The work runs in its own task so
        // that a caller that goes away (a closed connection) cannot abort a transaction carrying others' writes.
        let queue = Arc::clone(&self.secret_writes);
        let writer = self.writer.clone();
        tokio::spawn(async move {
            let _leader = queue.leader.lock().await;
            let jobs = std::mem::take(&mut *queue.lock_pending());
            if !jobs.is_empty() {
                commit_group(&writer, jobs).await;
            }
        });
        result.await.unwrap_or_else(|_| {
            Err(StoreError::Unavailable(
                "the group commit ended without an answer".into(),
            ))
        })
    }

    #[tracing::instrument(skip_all)]
    async fn secret_by_arn(&self, arn: &str) -> Result<Option<SecretRecord>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM secrets WHERE arn = ?1"))
            .bind(arn)
            .fetch_optional(&self.reader)
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
            "SELECT {COLUMNS} FROM secrets WHERE account_id = ?1 AND region = ?2 AND name = ?3"
        ))
        .bind(account.as_str())
        .bind(region.as_str())
        .bind(name)
        .fetch_optional(&self.reader)
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
             WHERE secret_arn = ?1 AND version_id = ?2",
        )
        .bind(arn)
        .bind(version_id)
        .fetch_optional(&self.reader)
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
        let prefix = page.name_prefix.as_deref().filter(|p| !p.is_empty());
        let bound = prefix.and_then(secrets_codec::prefix_upper_bound);
        // A name prefix in a creation-time order has two plans: walk the creation-time index and skip the
        // names outside the prefix (fast when many names match, a long walk when few do), or take the
        // matching names from the name index and sort them (fast when few match, a big sort when many do).
        // SQLite has no statistics to choose well, so count the matches, up to a cap, and choose.
        let created_order = matches!(page.order, SecretOrder::CreatedAsc | SecretOrder::CreatedDesc);
        let sort_the_matches = match prefix {
            Some(prefix) if created_order => {
                let mut count = QueryBuilder::<Sqlite>::new("SELECT count(*) FROM (SELECT 1 FROM secrets");
                push_filters(
                    &mut count,
                    account,
                    region,
                    page.include_deleted,
                    prefix,
                    bound.as_deref(),
                    "name",
                );
                count.push(" LIMIT ");
                count.push_bind(PREFIX_SORT_CAP);
                count.push(")");
                let matches: i64 = count
                    .build_query_scalar()
                    .fetch_one(&self.reader)
                    .await
                    .map_err(map_sqlx)?;
                matches < PREFIX_SORT_CAP
            }
            _ => false,
        };
        // The unary `+` keeps a term from being served by an index, which steers the planner to the plan
        // chosen above: `+name` to the creation-time index, `+created_at_ms` to the name index.
        let (name, created_at, arn) = match (created_order, sort_the_matches) {
            (true, false) => ("+name", "created_at_ms", "arn"),
            (true, true) => ("name", "+created_at_ms", "+arn"),
            (false, _) => ("name", "created_at_ms", "arn"),
        };

        let mut query = QueryBuilder::<Sqlite>::new(format!("SELECT {COLUMNS} FROM secrets"));
        push_filters(
            &mut query,
            account,
            region,
            page.include_deleted,
            prefix.unwrap_or(""),
            bound.as_deref(),
            name,
        );
        let (after, order) = match page.order {
            SecretOrder::CreatedAsc => (
                format!("({created_at}, {arn}) > ("),
                format!(" ORDER BY {created_at} ASC, {arn} ASC"),
            ),
            SecretOrder::CreatedDesc => (
                format!("({created_at}, {arn}) < ("),
                format!(" ORDER BY {created_at} DESC, {arn} DESC"),
            ),
            SecretOrder::NameAsc => ("name > ".to_owned(), " ORDER BY name ASC".to_owned()),
            SecretOrder::NameDesc => ("name < ".to_owned(), " ORDER BY name DESC".to_owned()),
        };
        if let Some(cursor) = &page.after {
            query.push(" AND ");
            query.push(after);
            match page.order {
                SecretOrder::CreatedAsc | SecretOrder::CreatedDesc => {
                    query.push_bind(to_millis(cursor.created_at)?);
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

        let rows = query.build().fetch_all(&self.reader).await.map_err(map_sqlx)?;
        rows.iter().map(secret_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn secrets_to_purge(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<SecretRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM secrets WHERE purge_at_ms IS NOT NULL AND purge_at_ms <= ?1 \
             ORDER BY purge_at_ms, arn LIMIT ?2"
        ))
        .bind(to_millis(now)?)
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
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
        const VERSION_IS_BEHIND: &str = "(EXISTS (SELECT 1 FROM json_each(secrets.versions) AS v \
                     WHERE json_extract(v.value, '$.id') = ?3) \
             AND COALESCE((SELECT a.value FROM json_each(secrets.version_access) AS a WHERE a.key = ?3) < ?2, 1))";
        let sql = format!(
            "UPDATE secrets SET \
               last_accessed_at_ms = CASE WHEN last_accessed_at_ms IS NULL OR last_accessed_at_ms < ?2 \
                                          THEN ?2 ELSE last_accessed_at_ms END, \
               version_access = CASE WHEN {VERSION_IS_BEHIND} \
                                     THEN json_patch(version_access, json_object(?3, ?2)) \
                                     ELSE version_access END \
             WHERE arn = ?1 AND (last_accessed_at_ms IS NULL OR last_accessed_at_ms < ?2 OR {VERSION_IS_BEHIND})"
        );
        sqlx::query(&sql)
            .bind(arn)
            .bind(to_millis(day)?)
            .bind(version_id)
            .execute(&self.writer)
            .await
            .map_err(map_sqlx)?;
        Ok(())
    }
}

/// Secret writes waiting for the writer connection. Writes that arrive while a transaction commits are
/// committed together in the next one: one fsync for many acknowledged writes (group commit).
#[derive(Default)]
pub(crate) struct WriteQueue {
    pending: Mutex<Vec<Job>>,
    leader: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for WriteQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteQueue").finish_non_exhaustive()
    }
}

impl WriteQueue {
    fn lock_pending(&self) -> std::sync::MutexGuard<'_, Vec<Job>> {
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One caller's all-or-nothing batch and where its outcome goes.
struct Job {
    writes: Vec<SecretWrite>,
    done: oneshot::Sender<Result<(), StoreError>>,
}

/// Commits `jobs` in one transaction, each inside its own savepoint so that one failing batch (a lost
/// compare-and-set, a taken name) is undone alone. Every caller hears back only after the commit is on disk.
async fn commit_group(writer: &sqlx::SqlitePool, jobs: Vec<Job>) {
    let mut outcomes: Vec<Result<(), StoreError>> = Vec::with_capacity(jobs.len());
    let committed: Result<(), StoreError> = async {
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await.map_err(map_sqlx)?;
        for job in &jobs {
            sqlx::query("SAVEPOINT job")
                .execute(&mut *tx)
                .await
                .map_err(map_sqlx)?;
            let outcome = apply_batch(&mut tx, &job.writes).await;
            if outcome.is_err() {
                sqlx::query("ROLLBACK TO job")
                    .execute(&mut *tx)
                    .await
                    .map_err(map_sqlx)?;
            }
            sqlx::query("RELEASE job")
                .execute(&mut *tx)
                .await
                .map_err(map_sqlx)?;
            outcomes.push(outcome);
        }
        tx.commit().await.map_err(map_sqlx)
    }
    .await;
    match committed {
        Ok(()) => {
            for (job, outcome) in jobs.into_iter().zip(outcomes) {
                let _ = job.done.send(outcome);
            }
        }
        Err(err) => {
            let message = err.to_string();
            for job in jobs {
                let _ = job
                    .done
                    .send(Err(StoreError::Unavailable(message.clone().into())));
            }
        }
    }
}

async fn apply_batch(conn: &mut sqlx::SqliteConnection, writes: &[SecretWrite]) -> Result<(), StoreError> {
    for write in writes {
        apply(conn, &prepare(write)?).await?;
    }
    Ok(())
}
