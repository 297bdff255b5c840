//! The SQLite backend of Strongroom's store: one database file in WAL mode, with its own migrations.
//!
//! # Write discipline
//!
//! SQLite allows one writer at a time. Rather than letting many pooled connections race for the write lock
//! (and fail with `SQLITE_BUSY` when the busy handler cannot help, e.g. a deferred transaction upgrading
//! from read to write), a store keeps two pools on the file:
//!
//! - a **writer** pool of exactly one connection, through which every write goes, so writers of this
//!   process queue in the pool instead of inside SQLite; each multi-statement write is a
//!   `BEGIN IMMEDIATE` transaction, which takes the write lock up front (waiting up to the busy timeout),
//!   so even another process on the same file cannot make it fail half way;
//! - a **reader** pool of a few `query_only` connections. In WAL mode readers never block the writer and
//!   are never blocked by it.
//!
//! Every connection runs with `foreign_keys = ON` and a 5 s busy timeout; the writer also with
//! `synchronous = FULL`, so that a write is on disk (the WAL is synced) when it is acknowledged.
//!
//! # Schema
//!
//! See `migrations/`. Timestamps are integer Unix milliseconds, `u64` seqs are `INTEGER` (at most
//! `i64::MAX`), an access key's owner is a nullable user name (`NULL` for the root user).

mod audit;
mod error;
mod iam;
mod kms;
mod pca;
mod rolesanywhere;
mod rotation;
mod secrets;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use strongroom_store::{
    AccessKeyOwner, AccessKeyRecord, AccessKeyStatus, AccountRecord, AccountStore, AuditRecord, AuditStore,
    KeyStore, Sealed, Store, StoreError, SystemKeyRecord,
};
use strongroom_types::{AccessKeyId, AccountId, OffsetDateTime};

use crate::error::{InvalidInput, corrupt, map_migrate, map_sqlx};

/// How long a connection waits for a lock held by another connection (or process) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections of the reader pool of a file store.
const READERS: u32 = 4;

/// A Strongroom store in one SQLite database. Cloning is cheap: clones share the pools.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// Exactly one connection; every write goes through it.
    writer: SqlitePool,
    /// `query_only` connections for reads. For an in-memory store, the writer pool itself.
    reader: SqlitePool,
    /// Secret writes waiting to be committed together (group commit).
    secret_writes: std::sync::Arc<secrets::WriteQueue>,
}

/// The settings in effect on the writer connection, as SQLite reports them (see [`SqliteStore::pragmas`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlitePragmas {
    /// `wal` for a file store, `memory` for an in-memory one.
    pub journal_mode: String,
    /// 0 = OFF, 1 = NORMAL, 2 = FULL, 3 = EXTRA.
    pub synchronous: i64,
    pub foreign_keys: bool,
    /// In milliseconds.
    pub busy_timeout: i64,
}

impl SqliteStore {
    /// Opens the database file at `path`, creating it (with mode 0600 on Unix) when it is missing, switching
    /// it to WAL mode and bringing its schema up to date.
    #[tracing::instrument(skip_all)]
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        create_private_file(path)?;

        let base = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(false)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .synchronous(SqliteSynchronous::Full);

        // The writer switches the file to WAL mode (a persistent setting) before any reader connects.
        let writer = single_connection_pool()
            .connect_with(base.clone().journal_mode(SqliteJournalMode::Wal))
            .await
            .map_err(map_sqlx)?;
        sqlx::migrate!("./migrations")
            .run(&writer)
            .await
            .map_err(map_migrate)?;

        let reader = SqlitePoolOptions::new()
            .max_connections(READERS)
            .min_connections(0)
            .connect_with(base.pragma("query_only", "ON"))
            .await
            .map_err(map_sqlx)?;

        tracing::debug!(path = %path.display(), "opened sqlite store");
        Ok(Self {
            writer,
            reader,
            secret_writes: Default::default(),
        })
    }

    /// A fresh, empty in-memory database that lives as long as this store (and its clones): for tests.
    ///
    /// It is served by a single connection that never expires, as an in-memory database disappears with
    /// its last connection; reads and writes share it.
    pub async fn memory() -> Result<Self, StoreError> {
        // `sqlite::memory:` names a new database (`file:sqlx-in-memory-<n>`) each time it is parsed.
        let options = SqliteConnectOptions::from_str("sqlite::memory:")
            .map_err(map_sqlx)?
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = single_connection_pool()
            .connect_with(options)
            .await
            .map_err(map_sqlx)?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(map_migrate)?;
        Ok(Self {
            writer: pool.clone(),
            reader: pool,
            secret_writes: Default::default(),
        })
    }

    /// The settings in effect on the writer connection.
    pub async fn pragmas(&self) -> Result<SqlitePragmas, StoreError> {
        let mut conn = self.writer.acquire().await.map_err(map_sqlx)?;
        let journal_mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut *conn)
            .await
            .map_err(map_sqlx)?;
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await
            .map_err(map_sqlx)?;
        let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&mut *conn)
            .await
            .map_err(map_sqlx)?;
        let busy_timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(&mut *conn)
            .await
            .map_err(map_sqlx)?;
        Ok(SqlitePragmas {
            journal_mode,
            synchronous,
            foreign_keys: foreign_keys != 0,
            busy_timeout,
        })
    }

    /// Closes every connection, waiting for the ones in use. Later calls fail with `Unavailable`.
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}

/// A pool holding exactly one connection that is never closed for idleness or age.
fn single_connection_pool() -> SqlitePoolOptions {
    SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
}

/// Creates the database file, readable and writable by its owner only, unless it exists already. SQLite
/// gives the `-wal` and `-shm` files it creates next to it the same permissions.
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(file) => {
            #[cfg(unix)]
            {
                // The umask can only have cleared bits of 0600; setting them again makes the mode exact.
                use std::os::unix::fs::PermissionsExt;
                file.set_permissions(std::fs::Permissions::from_mode(0o600))
                    .map_err(|err| StoreError::Unavailable(Box::new(err)))?;
            }
            file.sync_all()
                .map_err(|err| StoreError::Unavailable(Box::new(err)))?;
            drop(file);
            tracing::info!(path = %path.display(), "created sqlite database file");
            Ok(())
        }
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(StoreError::Unavailable(Box::new(err))),
    }
}

// -----------------------------------------------------------------------------------------------------------
// Conversions between records and columns.

fn to_millis(at: OffsetDateTime) -> Result<i64, StoreError> {
    // Floor division, so that an instant before 1970 with a fraction of a millisecond rounds down, as
    // truncating its time of day does.
    i64::try_from(at.unix_timestamp_nanos().div_euclid(1_000_000))
        .map_err(|_| InvalidInput::TimestampOutOfRange.into())
}

fn from_millis(table: &str, column: &str, millis: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .map_err(|_| corrupt(table, column, "timestamp out of range"))
}

fn seq_to_db(seq: u64) -> Result<i64, StoreError> {
    i64::try_from(seq).map_err(|_| InvalidInput::SeqOutOfRange.into())
}

fn seq_from_db(seq: i64) -> Result<u64, StoreError> {
    u64::try_from(seq).map_err(|_| corrupt("audit_records", "seq", "negative seq"))
}

fn get<'r, T>(row: &'r SqliteRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    row.try_get(column).map_err(map_sqlx)
}

fn account_from_row(row: &SqliteRow) -> Result<AccountRecord, StoreError> {
    let account_id: String = get(row, "account_id")?;
    Ok(AccountRecord {
        account_id: account_id
            .parse()
            .map_err(|_| corrupt("accounts", "account_id", "not an account id"))?,
        created_at: from_millis("accounts", "created_at_ms", get(row, "created_at_ms")?)?,
    })
}

fn access_key_from_row(row: &SqliteRow) -> Result<AccessKeyRecord, StoreError> {
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
        created_at: from_millis(TABLE, "created_at_ms", get(row, "created_at_ms")?)?,
    })
}

fn system_key_from_row(row: &SqliteRow) -> Result<SystemKeyRecord, StoreError> {
    Ok(SystemKeyRecord {
        name: get(row, "name")?,
        sealed_material: Sealed::from_bytes(get(row, "sealed_material")?),
        created_at: from_millis("system_keys", "created_at_ms", get(row, "created_at_ms")?)?,
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
impl AccountStore for SqliteStore {
    #[tracing::instrument(skip_all)]
    async fn bootstrap_account(
        &self,
        account: &AccountRecord,
        root_key: &AccessKeyRecord,
    ) -> Result<(), StoreError> {
        if root_key.account_id != account.account_id {
            return Err(InvalidInput::RootKeyAccountMismatch.into());
        }
        let account_created = to_millis(account.created_at)?;
        let key_created = to_millis(root_key.created_at)?;

        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(map_sqlx)?;
        sqlx::query("INSERT INTO accounts (account_id, created_at_ms) VALUES (?1, ?2)")
            .bind(account.account_id.as_str())
            .bind(account_created)
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        sqlx::query(
            "INSERT INTO access_keys \
             (access_key_id, account_id, owner_user, status, sealed_secret, created_at_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .bind(root_key.access_key_id.as_str())
        .bind(root_key.account_id.as_str())
        .bind(owner_user(&root_key.owner))
        .bind(root_key.status.as_str())
        .bind(root_key.sealed_secret.as_bytes())
        .bind(key_created)
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn account(&self, id: &AccountId) -> Result<Option<AccountRecord>, StoreError> {
        let row = sqlx::query("SELECT account_id, created_at_ms FROM accounts WHERE account_id = ?1")
            .bind(id.as_str())
            .fetch_optional(&self.reader)
            .await
            .map_err(map_sqlx)?;
        row.as_ref().map(account_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn accounts(&self) -> Result<Vec<AccountRecord>, StoreError> {
        let rows = sqlx::query("SELECT account_id, created_at_ms FROM accounts ORDER BY account_id")
            .fetch_all(&self.reader)
            .await
            .map_err(map_sqlx)?;
        rows.iter().map(account_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn access_key(&self, id: &AccessKeyId) -> Result<Option<AccessKeyRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT access_key_id, account_id, owner_user, status, sealed_secret, created_at_ms \
             FROM access_keys WHERE access_key_id = ?1",
        )
        .bind(id.as_str())
        .fetch_optional(&self.reader)
        .await
        .map_err(map_sqlx)?;
        row.as_ref().map(access_key_from_row).transpose()
    }
}

#[async_trait]
impl KeyStore for SqliteStore {
    #[tracing::instrument(skip_all)]
    async fn system_key(&self, name: &str) -> Result<Option<SystemKeyRecord>, StoreError> {
        let row = sqlx::query("SELECT name, sealed_material, created_at_ms FROM system_keys WHERE name = ?1")
            .bind(name)
            .fetch_optional(&self.reader)
            .await
            .map_err(map_sqlx)?;
        row.as_ref().map(system_key_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn create_system_key(&self, record: &SystemKeyRecord) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO system_keys (name, sealed_material, created_at_ms) VALUES (?1, ?2, ?3)")
            .bind(record.name.as_str())
            .bind(record.sealed_material.as_bytes())
            .bind(to_millis(record.created_at)?)
            .execute(&self.writer)
            .await
            .map_err(map_sqlx)?;
        Ok(())
    }
}

#[async_trait]
impl AuditStore for SqliteStore {
    #[tracing::instrument(skip_all)]
    async fn append_audit(&self, records: &[AuditRecord]) -> Result<(), StoreError> {
        self.append_audit_batch(records).await
    }

    #[tracing::instrument(skip_all)]
    async fn audit_chains(&self) -> Result<Vec<String>, StoreError> {
        self.audit_chain_ids().await
    }

    #[tracing::instrument(skip_all)]
    async fn audit_records(
        &self,
        chain_id: &str,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        self.audit_page(chain_id, after_seq, limit).await
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    #[tracing::instrument(skip_all)]
    async fn ping(&self) -> Result<(), StoreError> {
        // A read through each pool: the writer's may wait behind a write in progress, which is brief.
        sqlx::query("SELECT 1")
            .execute(&self.reader)
            .await
            .map_err(map_sqlx)?;
        sqlx::query("SELECT 1")
            .execute(&self.writer)
            .await
            .map_err(map_sqlx)?;
        Ok(())
    }
}
