//! Secrets and their versions on sqlite.
//! TEMPORARY(#3): stubs until the secrets backend lands in this same change.

use async_trait::async_trait;
use strongroom_store::StoreError;
use strongroom_store::secrets::{SecretPage, SecretRecord, SecretStore, SecretValueRecord, SecretWrite};
use strongroom_types::{AccountId, OffsetDateTime, Region};

use crate::SqliteStore;

fn unimplemented() -> StoreError {
    StoreError::Unavailable("secrets are not stored yet".into())
}

#[async_trait]
impl SecretStore for SqliteStore {
    async fn write_secrets(&self, _writes: &[SecretWrite]) -> Result<(), StoreError> {
        Err(unimplemented())
    }
    async fn secret_by_arn(&self, _arn: &str) -> Result<Option<SecretRecord>, StoreError> {
        Err(unimplemented())
    }
    async fn secret_by_name(
        &self,
        _a: &AccountId,
        _r: &Region,
        _n: &str,
    ) -> Result<Option<SecretRecord>, StoreError> {
        Err(unimplemented())
    }
    async fn secret_value(&self, _arn: &str, _v: &str) -> Result<Option<SecretValueRecord>, StoreError> {
        Err(unimplemented())
    }
    async fn list_secrets(
        &self,
        _a: &AccountId,
        _r: &Region,
        _p: &SecretPage,
    ) -> Result<Vec<SecretRecord>, StoreError> {
        Err(unimplemented())
    }
    async fn secrets_to_purge(&self, _now: OffsetDateTime, _l: u32) -> Result<Vec<SecretRecord>, StoreError> {
        Err(unimplemented())
    }
    async fn record_secret_access(&self, _arn: &str, _v: &str, _d: OffsetDateTime) -> Result<(), StoreError> {
        Err(unimplemented())
    }
}
