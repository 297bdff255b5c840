//! Secrets Manager: secrets, versions and staging labels, deletion, replication and resource policies.

use std::sync::Arc;

use strongroom_types::Clock;

use crate::Store;
use crate::kms::Kms;

/// The Secrets Manager operations.
pub struct Secrets {
    #[allow(dead_code)]
    store: Arc<dyn Store>,
    #[allow(dead_code)]
    kms: Arc<Kms>,
    #[allow(dead_code)]
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets").finish_non_exhaustive()
    }
}

impl Secrets {
    pub fn new(store: Arc<dyn Store>, kms: Arc<Kms>, clock: Arc<dyn Clock>) -> Self {
        Self { store, kms, clock }
    }
}
