//! The PostgreSQL backend of Strongroom's store, with its own migrations.
//!
//! Every method is one transaction (a single statement where one suffices, which PostgreSQL runs
//! atomically), at the default `READ COMMITTED` isolation: the methods only insert rows or read single
//! rows and ordered lists, so unique constraints are all the arbitration they need.
//!
//! # Schema
//!
//! See `migrations/`. Timestamps are `TIMESTAMPTZ` holding whole milliseconds (sub-millisecond parts are
//! truncated on the way in, as the SQLite backend does), `u64` seqs are `BIGINT` (at most `i64::MAX`),
//! sealed bytes `BYTEA`, an access key's owner a nullable user name (`NULL` for the root user). Listed
//! identifiers use the `"C"` collation so that they sort bytewise.

mod error;
mod iam;
mod kms;
mod pca;
mod rolesanywhere;
mod rotation;
mod secrets;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Connection, PgConnection, Row};
use strongroom_store::{
    AccessKeyOwner, AccessKeyRecord, AccessKeyStatus, AccountRecord, AccountStore, AuditRecord, AuditStore,
    KeyStore, Sealed, Store, StoreError, SystemKeyRecord,
};
use strongroom_types::{AccessKeyId, AccountId, OffsetDateTime};

use crate::error::{InvalidInput, corrupt, map_migrate, map_sqlx};

/// Most connections a store holds open.
const MAX_CONNECTIONS: u32 = 10;
/// How long to wait for a connection (including connecting, retried while the server refuses) before
/// failing with `Unavailable`.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
/// PostgreSQL's longest identifier, in bytes (longer ones are silently truncated).
const MAX_IDENTIFIER_LEN: usize = 63;

/// A Strongroom store in a PostgreSQL database. Cloning is cheap: clones share the pool.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user@host:port/db?...`) and brings its schema up to
    /// date. Tables live in the first schema of the server's `search_path` for that user (normally `public`).
    #[tracing::instrument(skip_all)]
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(map_sqlx)?;
        let pool = pool_options().connect_with(options).await.map_err(map_sqlx)?;
        Self::migrated(pool).await
    }

    /// Connects to the database at `url` and keeps every table in `schema`: creates the schema when it is
    /// missing, sets `search_path` to it on every pooled connection, and brings its tables up to date.
    /// Several stores can so share one database (tests isolate themselves this way).
    #[tracing::instrument(skip_all)]
    pub async fn connect_in_schema(url: &str, schema: &str) -> Result<Self, StoreError> {
        let quoted = quote_identifier(schema)?;
        let options = PgConnectOptions::from_str(url).map_err(map_sqlx)?;

        let mut conn = PgConnection::connect_with(&options).await.map_err(map_sqlx)?;
        let created = sqlx::raw_sql(&format!("CREATE SCHEMA IF NOT EXISTS {quoted}"))
            .execute(&mut conn)
            .await;
        // `IF NOT EXISTS` does not cover a concurrent creation, which fails as a unique violation.
        match created.map_err(map_sqlx) {
            Ok(_) | Err(StoreError::AlreadyExists) => {}
            Err(err) => return Err(err),
        }
        conn.close().await.map_err(map_sqlx)?;

        let pool = pool_options()
            .after_connect(move |conn, _meta| {
                let search_path = quoted.clone();
                Box::pin(async move {
                    sqlx::query("SELECT set_config('search_path', $1, false)")
                        .bind(search_path)
                        .execute(conn)
                        .await
                        .map(|_| ())
                })
            })
            .connect_with(options)
            .await
            .map_err(map_sqlx)?;
        Self::migrated(pool).await
    }

    async fn migrated(pool: PgPool) -> Result<Self, StoreError> {
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(map_migrate)?;
        Ok(Self { pool })
    }

    /// Closes every connection, waiting for the ones in use. Later calls fail with `Unavailable`.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn pool_options() -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .min_connections(0)
        .acquire_timeout(ACQUIRE_TIMEOUT)
}

/// `name` as a quoted SQL identifier.
fn quote_identifier(name: &str) -> Result<String, StoreError> {
    if name.is_empty() || name.len() > MAX_IDENTIFIER_LEN || name.contains('\0') {
        return Err(InvalidInput::SchemaName.into());
    }
    Ok(format!("\"{}\"", name.replace('"', "\"\"")))
}

// -----------------------------------------------------------------------------------------------------------
// Conversions between records and columns.

/// `at` truncated to whole milliseconds, as stored.
fn to_millis_precision(at: OffsetDateTime) -> OffsetDateTime {
    // Truncating the time of day's nanoseconds rounds towards the past, also before 1970.
    let nanos = at.nanosecond();
    at.replace_nanosecond(nanos - nanos % 1_000_000).unwrap_or(at)
}

fn seq_to_db(seq: u64) -> Result<i64, StoreError> {
    i64::try_from(seq).map_err(|_| InvalidInput::SeqOutOfRange.into())
}

fn seq_from_db(seq: i64) -> Result<u64, StoreError> {
    u64::try_from(seq).map_err(|_| corrupt("audit_records", "seq", "negative seq"))
}

fn get<'r, T>(row: &'r PgRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(column).map_err(map_sqlx)
}

fn account_from_row(row: &PgRow) -> Result<AccountRecord, StoreError> {
    let account_id: String = get(row, "account_id")?;
    Ok(AccountRecord {
        account_id: account_id
            .parse()
            .map_err(|_| corrupt("accounts", "account_id", "not an account id"))?,
        created_at: get(row, "created_at")?,
    })
}

fn access_key_from_row(row: &PgRow) -> Result<AccessKeyRecord, StoreError> {
    const TABLE: &str = "access_keys";
    let access_key_id: String = get(row, "access_key_id")?;
    let account_id: String = get(row, "account_id")?;
    let owner_user: Option<String> = get(row, "owner_user")?;
    let status: String = get(row, "status")?;
    Ok(AccessKeyRecord {
        access_key_id: access_key_id
            .parse::<AccessKeyId>()
            .map_err(|_| corrupt(TABLE, "access_key_id", "not an access key id"))?,
        account_id: account_id
            .parse::<AccountId>()
            .map_err(|_| corrupt(TABLE, "account_id", "not an account id"))?,
        owner: owner_user.map_or(AccessKeyOwner::Root, AccessKeyOwner::User),
        status: AccessKeyStatus::parse(&status).ok_or_else(|| corrupt(TABLE, "status", "unknown status"))?,
        sealed_secret: Sealed::from_bytes(get(row, "sealed_secret")?),
        created_at: get(row, "created_at")?,
    })
}

fn system_key_from_row(row: &PgRow) -> Result<SystemKeyRecord, StoreError> {
    Ok(SystemKeyRecord {
        name: get(row, "name")?,
        sealed_material: Sealed::from_bytes(get(row, "sealed_material")?),
        created_at: get(row, "created_at")?,
    })
}

fn audit_from_row(row: &PgRow) -> Result<AuditRecord, StoreError> {
    Ok(AuditRecord {
        chain_id: get(row, "chain_id")?,
        seq: seq_from_db(get(row, "seq")?)?,
        recorded_at: get(row, "recorded_at")?,
        body: get(row, "body")?,
        mac: get(row, "mac")?,
    })
}

fn owner_user(owner: &AccessKeyOwner) -> Option<&str> {
    match owner {
        AccessKeyOwner::Root => None,
        AccessKeyOwner::User(name) => Some(name),
    }
}

// -----------------------------------------------------------------------------------------------------------
// The traits.

#[async_trait]
impl AccountStore for PostgresStore {
    #[tracing::instrument(skip_all)]
    async fn bootstrap_account(
        &self,
        account: &AccountRecord,
        root_key: &AccessKeyRecord,
    ) -> Result<(), StoreError> {
        if root_key.account_id != account.account_id {
            return Err(InvalidInput::RootKeyAccountMismatch.into());
        }
        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        sqlx::query("INSERT INTO accounts (account_id, created_at) VALUES ($1, $2)")
            .bind(account.account_id.as_str())
            .bind(to_millis_precision(account.created_at))
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        sqlx::query(
            "INSERT INTO access_keys \
             (access_key_id, account_id, owner_user, status, sealed_secret, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(root_key.access_key_id.as_str())
        .bind(root_key.account_id.as_str())
        .bind(owner_user(&root_key.owner))
        .bind(root_key.status.as_str())
        .bind(root_key.sealed_secret.as_bytes())
        .bind(to_millis_precision(root_key.created_at))
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn account(&self, id: &AccountId) -> Result<Option<AccountRecord>, StoreError> {
        let row = sqlx::query("SELECT account_id, created_at FROM accounts WHERE account_id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)?;
        row.as_ref().map(account_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn accounts(&self) -> Result<Vec<AccountRecord>, StoreError> {
        let rows = sqlx::query("SELECT account_id, created_at FROM accounts ORDER BY account_id")
            .fetch_all(&self.pool)
            .await
            .map_err(map_sqlx)?;
        rows.iter().map(account_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn access_key(&self, id: &AccessKeyId) -> Result<Option<AccessKeyRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT access_key_id, account_id, owner_user, status, sealed_secret, created_at \
             FROM access_keys WHERE access_key_id = $1",
        )
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(map_sqlx)?;
        row.as_ref().map(access_key_from_row).transpose()
    }
}

#[async_trait]
impl KeyStore for PostgresStore {
    #[tracing::instrument(skip_all)]
    async fn system_key(&self, name: &str) -> Result<Option<SystemKeyRecord>, StoreError> {
        let row = sqlx::query("SELECT name, sealed_material, created_at FROM system_keys WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)?;
        row.as_ref().map(system_key_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn create_system_key(&self, record: &SystemKeyRecord) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO system_keys (name, sealed_material, created_at) VALUES ($1, $2, $3)")
            .bind(record.name.as_str())
            .bind(record.sealed_material.as_bytes())
            .bind(to_millis_precision(record.created_at))
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(())
    }
}

#[async_trait]
impl AuditStore for PostgresStore {
    #[tracing::instrument(skip_all)]
    async fn append_audit(&self, records: &[AuditRecord]) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        let mut chain_ids = Vec::with_capacity(records.len());
        let mut seqs = Vec::with_capacity(records.len());
        let mut recorded_ats = Vec::with_capacity(records.len());
        let mut bodies = Vec::with_capacity(records.len());
        let mut macs = Vec::with_capacity(records.len());
        for record in records {
            chain_ids.push(record.chain_id.as_str());
            seqs.push(seq_to_db(record.seq)?);
            recorded_ats.push(to_millis_precision(record.recorded_at));
            bodies.push(record.body.as_str());
            macs.push(record.mac.as_slice());
        }
        // One statement, so the batch is appended whole or (on any taken `(chain_id, seq)`) not at all.
        sqlx::query(
            "INSERT INTO audit_records (chain_id, seq, recorded_at, body, mac) \
             SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::timestamptz[], $4::text[], $5::bytea[])",
        )
        .bind(chain_ids)
        .bind(seqs)
        .bind(recorded_ats)
        .bind(bodies)
        .bind(macs)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn audit_chains(&self) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar("SELECT DISTINCT chain_id FROM audit_records ORDER BY chain_id")
            .fetch_all(&self.pool)
            .await
            .map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn audit_records(
        &self,
        chain_id: &str,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        // No stored seq exceeds i64::MAX, so nothing follows a larger `after_seq`.
        let Ok(after_seq) = i64::try_from(after_seq) else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(
            "SELECT chain_id, seq, recorded_at, body, mac FROM audit_records \
             WHERE chain_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(chain_id)
        .bind(after_seq)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        rows.iter().map(audit_from_row).collect()
    }
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    #[tracing::instrument(skip_all)]
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(())
    }
}
