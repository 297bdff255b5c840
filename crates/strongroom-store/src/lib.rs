//! Storage traits in domain terms, the records they keep, and a conformance kit every backend runs.
//!
//! Each trait method is one atomic unit: it either happens whole or not at all. Records carry secrets only as
//! [`Sealed`] ciphertext, so a backend never sees plaintext and does not link `strongroom-crypto`.
//! The trait exposes no queries or transactions: backends are free to implement each method as they see fit.

mod error;
pub mod iam;
pub mod kms;
pub mod pca;
mod records;
pub mod rolesanywhere;
#[doc(hidden)]
pub mod rolesanywhere_codec;
pub mod rotation;
pub mod secrets;
#[doc(hidden)]
pub mod secrets_codec;
#[cfg(feature = "testkit")]
pub mod testkit;

use async_trait::async_trait;
use strongroom_types::{AccessKeyId, AccountId};

pub use error::StoreError;
pub use iam::IamStore;
pub use kms::KmsStore;
pub use pca::PcaStore;
pub use records::{
    AccessKeyOwner, AccessKeyRecord, AccessKeyStatus, AccountRecord, AuditRecord, SystemKeyRecord,
};
pub use rolesanywhere::RolesAnywhereStore;
pub use rotation::RotationStore;
pub use secrets::SecretStore;
pub use strongroom_types::Sealed;

/// Accounts and the credentials that act in them.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates an account together with its root user's first access key.
    /// Fails with [`StoreError::AlreadyExists`] when the account exists, changing nothing.
    async fn bootstrap_account(
        &self,
        account: &AccountRecord,
        root_key: &AccessKeyRecord,
    ) -> Result<(), StoreError>;

    async fn account(&self, id: &AccountId) -> Result<Option<AccountRecord>, StoreError>;

    /// Every account, ordered by account id.
    async fn accounts(&self) -> Result<Vec<AccountRecord>, StoreError>;

    async fn access_key(&self, id: &AccessKeyId) -> Result<Option<AccessKeyRecord>, StoreError>;
}

/// Key material that Strongroom uses for itself (audit MACs, session-token sealing, wrapping other keys),
/// each sealed under the root key and known by a fixed name.
#[async_trait]
pub trait KeyStore: Send + Sync {
    async fn system_key(&self, name: &str) -> Result<Option<SystemKeyRecord>, StoreError>;

    /// Stores a new system key. Fails with [`StoreError::AlreadyExists`] when one of that name exists, so
    /// two nodes that start together agree on one key: the loser reads the winner's.
    async fn create_system_key(&self, record: &SystemKeyRecord) -> Result<(), StoreError>;
}

/// The audit trail: append-only chains of records, one chain per writer.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends records in one transaction. Fails with [`StoreError::AlreadyExists`] when any
    /// `(chain_id, seq)` is taken, appending none of them.
    async fn append_audit(&self, records: &[AuditRecord]) -> Result<(), StoreError>;

    /// The ids of every chain, sorted.
    async fn audit_chains(&self) -> Result<Vec<String>, StoreError>;

    /// Records of `chain_id` with `seq > after_seq`, in `seq` order, at most `limit` of them.
    async fn audit_records(
        &self,
        chain_id: &str,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError>;
}

/// Everything Strongroom stores, behind one object.
#[async_trait]
pub trait Store:
    AccountStore
    + KeyStore
    + AuditStore
    + KmsStore
    + SecretStore
    + IamStore
    + RotationStore
    + PcaStore
    + RolesAnywhereStore
{
    /// A short name for logs and metrics: `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Succeeds when the backend can serve requests (for `/ready`).
    async fn ping(&self) -> Result<(), StoreError>;
}
