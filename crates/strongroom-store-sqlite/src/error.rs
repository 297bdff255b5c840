//! Mapping of driver errors (and of records this backend cannot store) to [`StoreError`].

use std::borrow::Cow;

use strongroom_store::StoreError;

/// SQLite's primary result codes for "another connection holds a lock" (`SQLITE_BUSY`, `SQLITE_LOCKED`);
/// extended codes (`SQLITE_BUSY_SNAPSHOT`, …) carry them in their low byte.
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;

/// A record this backend cannot represent, or a call that breaks the trait's contract. Reported inside
/// [`StoreError::Unavailable`], as the store's error has no variant for invalid input.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InvalidInput {
    #[error("audit seq is larger than the largest storable seq (i64::MAX)")]
    SeqOutOfRange,
    #[error("timestamp cannot be stored as i64 milliseconds")]
    TimestampOutOfRange,
    #[error("an audit record's MAC or body is too long to store")]
    AuditFieldTooLong,
    #[error("an audit run holds no records")]
    EmptyAuditRun,
    #[error("the root key belongs to a different account than the one being bootstrapped")]
    RootKeyAccountMismatch,
}

impl From<InvalidInput> for StoreError {
    fn from(err: InvalidInput) -> Self {
        StoreError::Unavailable(Box::new(err))
    }
}

/// Maps a driver error at the boundary: unique violations → `AlreadyExists`, lock contention that outlived
/// the busy timeout → `Conflict` (the transaction was rolled back, so it may be retried), decode problems
/// → `Corrupt`, anything else → `Unavailable`.
pub(crate) fn map_sqlx(err: sqlx::Error) -> StoreError {
    match err {
        sqlx::Error::Database(db) => {
            if db.is_unique_violation() {
                return StoreError::AlreadyExists;
            }
            let primary = db
                .code()
                .as_deref()
                .and_then(|code| code.parse::<i32>().ok())
                .map(|code| code & 0xff);
            match primary {
                Some(SQLITE_BUSY | SQLITE_LOCKED) => StoreError::Conflict,
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

/// Migration failures (including a database written by a newer Strongroom) make the store unusable.
pub(crate) fn map_migrate(err: sqlx::migrate::MigrateError) -> StoreError {
    StoreError::Unavailable(Box::new(err))
}

/// A row whose value is out of the domain: names the table and column, never the value.
pub(crate) fn corrupt(table: &str, column: &str, what: impl Into<Cow<'static, str>>) -> StoreError {
    StoreError::Corrupt(format!("{table}.{column}: {}", what.into()))
}
