//! KMS keys, their key material versions (sealed under the root key) and aliases.

use async_trait::async_trait;

/// KMS keys and aliases. (Filled in with the KMS service.)
#[async_trait]
pub trait KmsStore: Send + Sync {}
