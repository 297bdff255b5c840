//! The store's error type, shared by every backend.

/// Why a store operation failed. Backends map their driver's errors to these at their boundary, so that no
/// driver type reaches the service layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record to change does not exist.
    #[error("not found")]
    NotFound,
    /// A record with the same identity exists already.
    #[error("already exists")]
    AlreadyExists,
    /// The change lost a race with another writer; nothing was changed and it may be retried.
    #[error("conflicting concurrent change")]
    Conflict,
    /// A stored row could not be decoded into a record.
    #[error("corrupt record: {0}")]
    Corrupt(String),
    /// The backend could not be reached or failed.
    #[error("storage unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}
