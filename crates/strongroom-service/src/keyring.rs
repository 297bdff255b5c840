//! Strongroom's own keys: loaded from the store, opened with the root key, created on first start.

use std::fmt;

use strongroom_crypto::{CryptoError, EncryptionContext, KeyMaterial, RootKey};
use strongroom_store::{StoreError, SystemKeyRecord};
use strongroom_types::{OffsetDateTime, Sealed};

use crate::{ServiceError, Store};

/// What each system key is for. Each purpose has its own key so that a leak of one capability (say, a
/// forged audit MAC) says nothing about another (opening session tokens).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// MACs that chain audit records.
    Audit,
    /// Seals the long-term secret access keys kept in the store.
    Credentials,
    /// Seals self-contained session tokens of temporary credentials.
    Sessions,
    /// Seals the private keys of the private CA's certificate authorities.
    CaKeys,
}

impl Purpose {
    fn name(self) -> &'static str {
        match self {
            Self::Audit => "audit-chain",
            Self::Credentials => "access-key-secrets",
            Self::Sessions => "session-tokens",
            Self::CaKeys => "pca-ca-keys",
        }
    }
}

/// The root key and the system keys opened with it.
pub struct Keyring {
    root: RootKey,
    audit: KeyMaterial,
    credentials: KeyMaterial,
    sessions: KeyMaterial,
    ca_keys: KeyMaterial,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("root", &self.root.fingerprint())
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// Opens every system key, creating the ones this store does not have yet. Two nodes starting at once
    /// agree on one key per purpose: the store refuses the second insert and the loser reads the winner's.
    pub async fn load(store: &dyn Store, root: RootKey, now: OffsetDateTime) -> Result<Self, ServiceError> {
        let audit = system_key(store, &root, Purpose::Audit, now).await?;
        let credentials = system_key(store, &root, Purpose::Credentials, now).await?;
        let sessions = system_key(store, &root, Purpose::Sessions, now).await?;
        let ca_keys = system_key(store, &root, Purpose::CaKeys, now).await?;
        Ok(Self {
            root,
            audit,
            credentials,
            sessions,
            ca_keys,
        })
    }

    pub(crate) fn key(&self, purpose: Purpose) -> &KeyMaterial {
        match purpose {
            Purpose::Audit => &self.audit,
            Purpose::Credentials => &self.credentials,
            Purpose::Sessions => &self.sessions,
            Purpose::CaKeys => &self.ca_keys,
        }
    }

    /// Seals one version of a KMS key's material under the root key, bound to the key id and version.
    pub(crate) fn seal_kms_material(&self, material: &KeyMaterial, key_id: &str, version: u32) -> Sealed {
        self.root.seal_key(material, &kms_context(key_id, version))
    }

    /// Opens what [`seal_kms_material`](Self::seal_kms_material) sealed for the same key id and version.
    pub(crate) fn open_kms_material(
        &self,
        sealed: &Sealed,
        key_id: &str,
        version: u32,
    ) -> Result<KeyMaterial, CryptoError> {
        self.root.open_key(sealed, &kms_context(key_id, version))
    }

    /// A non-secret identifier of the root key, for messages that must tell two keys apart.
    pub fn root_fingerprint(&self) -> String {
        self.root.fingerprint()
    }
}

fn context(purpose: Purpose) -> EncryptionContext {
    EncryptionContext::from_pairs([("purpose", "system-key"), ("name", purpose.name())])
}

fn kms_context(key_id: &str, version: u32) -> EncryptionContext {
    EncryptionContext::from_pairs([
        ("purpose", "kms-key-material"),
        ("key-id", key_id),
        ("version", &version.to_string()),
    ])
}

async fn system_key(
    store: &dyn Store,
    root: &RootKey,
    purpose: Purpose,
    now: OffsetDateTime,
) -> Result<KeyMaterial, ServiceError> {
    let ctx = context(purpose);
    let existing = store
        .system_key(purpose.name())
        .await
        .map_err(ServiceError::store("reading a system key"))?;
    let record = match existing {
        Some(record) => record,
        None => {
            let fresh = SystemKeyRecord {
                name: purpose.name().to_owned(),
                sealed_material: root.seal_key(&KeyMaterial::generate(), &ctx),
                created_at: crate::truncate_to_millis(now),
            };
            match store.create_system_key(&fresh).await {
                Ok(()) => fresh,
                Err(StoreError::AlreadyExists) => store
                    .system_key(purpose.name())
                    .await
                    .map_err(ServiceError::store("re-reading a system key"))?
                    .ok_or_else(|| {
                        ServiceError::internal("a system key vanished after a conflicting insert")
                    })?,
                Err(err) => return Err(ServiceError::store("creating a system key")(err)),
            }
        }
    };
    root.open_key(&record.sealed_material, &ctx)
        .map_err(|_| ServiceError::WrongRootKey {
            fingerprint: root.fingerprint(),
        })
}
