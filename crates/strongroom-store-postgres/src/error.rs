//! Mapping of driver errors (and of records this backend cannot store) to [`StoreError`].

use std::borrow::Cow;

use strongroom_store::StoreError;

/// SQLSTATE `serialization_failure`.
const SERIALIZATION_FAILURE: &str = "40001";
/// SQLSTATE `deadlock_detected`.
const DEADLOCK_DETECTED: &str = "40P01";

/// A record this backend cannot represent, or a call that breaks the trait's contract. Reported inside
/// [`StoreError::Unavailable`], as the store's error has no variant for invalid input.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InvalidInput {
    #[error("audit seq is larger than the largest storable seq (i64::MAX)")]
    SeqOutOfRange,
    #[error("the root key belongs to a different account than the one being bootstrapped")]
    RootKeyAccountMismatch,
    #[error("schema name must be 1 to 63 bytes without NUL")]
    SchemaName,
}

impl From<InvalidInput> for StoreError {
    fn from(err: InvalidInput) -> Self {
        StoreError::Unavailable(Box::new(err))
    }
}

/// Maps a driver error at the boundary: unique violations → `AlreadyExists`, serialization failures and
/// deadlocks → `Conflict` (the transaction was rolled back, so it may be retried), decode problems →
/// `Corrupt`, anything else → `Unavailable`.
pub(crate) fn map_sqlx(err: sqlx::Error) -> StoreError {
    match err {
        sqlx::Error::Database(db) => {
            if db.is_unique_violation() {
                return StoreError::AlreadyExists;
            }
            match db.code().as_deref() {
                Some(SERIALIZATION_FAILURE | DEADLOCK_DETECTED) => StoreError::Conflict,
                _ => StoreError::Unavailable(Box::new(sqlx::Error::Database(db))),
            }
        }
        sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::Decode(_)
        | sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::ColumnIndexOutOfBounds { .. }
        | sqlx::Error::TypeNotFound { .. } => StoreError::Corrupt(err.to_string()),
        other => StoreError::Unavailable(Box::new(other)),
    }
}

/// Migration failures (including a schema written by a newer Strongroom) make the store unusable.
pub(crate) fn map_migrate(err: sqlx::migrate::MigrateError) -> StoreError {
    StoreError::Unavailable(Box::new(err))
}

/// A row whose value is out of the domain: names the table and column, never the value.
pub(crate) fn corrupt(table: &str, column: &str, what: impl Into<Cow<'static, str>>) -> StoreError {
    StoreError::Corrupt(format!("{table}.{column}: {}", what.into()))
}
