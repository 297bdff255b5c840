//! KMS keys and aliases on postgres.

use async_trait::async_trait;
use strongroom_store::KmsStore;

use crate::PostgresStore;

#[async_trait]
impl KmsStore for PostgresStore {}
