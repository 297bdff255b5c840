//! KMS: customer-managed keys, aliases, data keys, and the keys that encrypt secret versions.

use std::sync::Arc;

use strongroom_types::Clock;

use crate::{Keyring, Store};

/// The KMS operations.
pub struct Kms {
    #[allow(dead_code)]
    store: Arc<dyn Store>,
    #[allow(dead_code)]
    keyring: Arc<Keyring>,
    #[allow(dead_code)]
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Kms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kms").finish_non_exhaustive()
    }
}

impl Kms {
    pub fn new(store: Arc<dyn Store>, keyring: Arc<Keyring>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            keyring,
            clock,
        }
    }
}
