//! KMS keys and aliases on sqlite.

use async_trait::async_trait;
use strongroom_store::KmsStore;

use crate::SqliteStore;

#[async_trait]
impl KmsStore for SqliteStore {}
