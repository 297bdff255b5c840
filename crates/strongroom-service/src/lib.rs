//! Strongroom's application layer: authenticate → authorize → act → audit.
//!
//! Services speak domain types, never HTTP or wire DTOs, and reach storage only through the
//! `strongroom-store` traits. [`Services`] bundles what one server process needs; the server builds it once
//! and shares it.

pub mod audit;
pub mod auth;
pub mod authz;
pub mod bootstrap;
mod caller;
mod error;
pub mod iam;
pub mod key_usage;
mod keyring;
pub mod kms;
pub mod pca;
pub mod rolesanywhere;
pub mod rotation;
pub mod secrets;
mod session;
pub mod sts;

use std::sync::Arc;

pub use caller::{Caller, Principal, SessionExtras, Transport};
pub use error::ServiceError;
pub use keyring::Keyring;
pub use strongroom_store::Store;
use strongroom_types::{AccountId, Clock, OffsetDateTime};

/// Every service of one process, sharing one store, keyring, clock and audit trail.
pub struct Services {
    pub store: Arc<dyn Store>,
    pub keyring: Arc<Keyring>,
    pub clock: Arc<dyn Clock>,
    pub auth: auth::Authenticator,
    pub audit: audit::AuditTrail,
    pub authz: authz::Authorizer,
    pub iam: iam::Iam,
    /// When each access key was last used; authentication notes, a server task flushes.
    pub key_usage: Arc<key_usage::KeyUsage>,
    pub kms: Arc<kms::Kms>,
    pub pca: pca::Pca,
    pub rolesanywhere: rolesanywhere::RolesAnywhere,
    pub secrets: secrets::Secrets,
    pub sts: sts::Sts,
    pub rotation: rotation::Rotation,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("store", &self.store.backend())
            .finish_non_exhaustive()
    }
}

impl Services {
    /// Builds the services and starts the audit writer. The returned task ends, after writing every
    /// queued event, once the `Services` (and every clone of its audit handle) is dropped.
    pub fn start(
        store: Arc<dyn Store>,
        keyring: Keyring,
        clock: Arc<dyn Clock>,
    ) -> (Self, tokio::task::JoinHandle<()>) {
        let keyring = Arc::new(keyring);
        let (audit, audit_task) = audit::AuditTrail::spawn(Arc::clone(&store), Arc::clone(&keyring));
        let kms = Arc::new(kms::Kms::new(
            Arc::clone(&store),
            Arc::clone(&keyring),
            Arc::clone(&clock),
        ));
        let services = Self {
            auth: auth::Authenticator::new(Arc::clone(&store), Arc::clone(&keyring), Arc::clone(&clock)),
            authz: authz::Authorizer::new(Arc::clone(&clock)),
            iam: iam::Iam::new(Arc::clone(&store), Arc::clone(&keyring), Arc::clone(&clock)),
            key_usage: Arc::new(key_usage::KeyUsage::new(Arc::clone(&store))),
            secrets: secrets::Secrets::new(Arc::clone(&store), Arc::clone(&kms), Arc::clone(&clock)),
            pca: pca::Pca::new(Arc::clone(&store), Arc::clone(&keyring), Arc::clone(&clock)),
            rolesanywhere: rolesanywhere::RolesAnywhere::new(Arc::clone(&store), Arc::clone(&clock)),
            kms,
            sts: sts::Sts::new(Arc::clone(&store), Arc::clone(&keyring), Arc::clone(&clock)),
            rotation: rotation::Rotation::new(),
            store,
            keyring,
            clock,
            audit,
        };
        (services, audit_task)
    }
}

impl Services {
    /// Forgets what this node cached of a role that just changed here: the identity of its sessions and the
    /// record and trust policy that service principals assume it with.
    pub fn forget_role(&self, account: &AccountId, role_name: &str) {
        self.auth.forget_role(account, role_name);
        self.sts.forget_role(account, role_name);
    }
}

/// Stored times keep millisecond precision: what is written is exactly what is read back.
pub(crate) fn truncate_to_millis(t: OffsetDateTime) -> OffsetDateTime {
    let millis = t.nanosecond() / 1_000_000;
    t.replace_nanosecond(millis * 1_000_000).unwrap_or(t)
}
