//! Opened key material and a recent view of each key's state, in memory, so that unwrapping a data key on
//! the GetSecretValue path is one AES-GCM operation: no database read, no root-key unwrap.
//!
//! The material of a (key, version) never changes, so it is kept until its key is purged (or the cache is
//! full). The state is trusted for [`STATE_TTL`]: writes in this process refresh it at once; a change made
//! by another node is seen within that time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use strongroom_crypto::KeyMaterial;

use super::policy::KeyAuth;
use strongroom_store::kms::{KmsKeyRecord, KmsKeyState};
use strongroom_types::{AccountId, OffsetDateTime, Region};
use time::Duration;

/// How long a key's state read from the store is trusted.
pub(crate) const STATE_TTL: Duration = Duration::seconds(2);
/// More keys than this and the cache starts over (it is a cache: everything in it can be read again).
const MAX_KEYS: usize = 10_000;

struct Entry {
    account: AccountId,
    region: Region,
    state: KmsKeyState,
    /// The revision of the key record the state was read from.
    revision: u64,
    checked_at: OffsetDateTime,
    materials: HashMap<u32, Arc<KeyMaterial>>,
    /// The key's policy and context keys, with the revision they were made from.
    auth: Option<(u64, Arc<KeyAuth>)>,
}

/// What the cache knows of a key for a hot-path lookup.
pub(crate) enum Hot {
    /// The key's state is fresh, it belongs to the caller's account and region, and the material is here.
    Ready(Arc<KeyMaterial>),
    /// Fresh, in the caller's account and region, but not enabled.
    NotEnabled(KmsKeyState),
    /// Unknown, stale, elsewhere or without that material: ask the store.
    Miss,
}

#[derive(Default)]
pub(crate) struct Cache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").finish_non_exhaustive()
    }
}

impl Cache {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // The map is consistent after every statement, so a panic elsewhere leaves nothing half done.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn hot(
        &self,
        key_id: &str,
        version: u32,
        account: &AccountId,
        region: &Region,
        now: OffsetDateTime,
    ) -> Hot {
        let entries = self.lock();
        let Some(entry) = entries.get(key_id) else {
            return Hot::Miss;
        };
        if now - entry.checked_at > STATE_TTL
            || now < entry.checked_at
            || entry.account != *account
            || entry.region != *region
        {
            return Hot::Miss;
        }
        if entry.state != KmsKeyState::Enabled {
            return Hot::NotEnabled(entry.state);
        }
        match entry.materials.get(&version) {
            Some(material) => Hot::Ready(Arc::clone(material)),
            None => Hot::Miss,
        }
    }

    /// The cached material of (key, version), whatever the state's age.
    pub(crate) fn material(&self, key_id: &str, version: u32) -> Option<Arc<KeyMaterial>> {
        self.lock()
            .get(key_id)
            .and_then(|entry| entry.materials.get(&version))
            .map(Arc::clone)
    }

    /// Records the state of `key` as read (or just written) at `now`, keeping its materials.
    pub(crate) fn refresh(&self, key: &KmsKeyRecord, now: OffsetDateTime) {
        let mut entries = self.lock();
        if let Some(entry) = entries.get_mut(&key.key_id) {
            entry.account = key.account_id.clone();
            entry.region = key.region.clone();
            entry.state = key.state;
            entry.revision = key.revision;
            entry.checked_at = now;
            return;
        }
        if entries.len() >= MAX_KEYS {
            entries.clear();
        }
        entries.insert(
            key.key_id.clone(),
            Entry {
                account: key.account_id.clone(),
                region: key.region.clone(),
                state: key.state,
                revision: key.revision,
                checked_at: now,
                materials: HashMap::new(),
                auth: None,
            },
        );
    }

    /// What authorization needs of `key` (whose state was just refreshed), made once per revision.
    pub(crate) fn auth(&self, key: &KmsKeyRecord) -> Arc<KeyAuth> {
        let mut entries = self.lock();
        let entry = entries.get_mut(&key.key_id);
        if let Some(Some((revision, auth))) = entry.as_ref().map(|e| &e.auth)
            && *revision == key.revision
        {
            return Arc::clone(auth);
        }
        let auth = KeyAuth::of(key);
        if let Some(entry) = entry {
            entry.auth = Some((key.revision, Arc::clone(&auth)));
        }
        auth
    }

    /// The authorization view of a key whose state is fresh and in (account, region), without a store read.
    pub(crate) fn fresh_auth(
        &self,
        key_id: &str,
        account: &AccountId,
        region: &Region,
        now: OffsetDateTime,
    ) -> Option<Arc<KeyAuth>> {
        let entries = self.lock();
        let entry = entries.get(key_id)?;
        if now - entry.checked_at > STATE_TTL
            || now < entry.checked_at
            || entry.account != *account
            || entry.region != *region
        {
            return None;
        }
        match &entry.auth {
            Some((revision, auth)) if *revision == entry.revision => Some(Arc::clone(auth)),
            _ => None,
        }
    }

    /// Keeps opened material of a key whose state was refreshed just before.
    pub(crate) fn insert_material(&self, key_id: &str, version: u32, material: Arc<KeyMaterial>) {
        if let Some(entry) = self.lock().get_mut(key_id) {
            entry.materials.insert(version, material);
        }
    }

    /// Forgets a key (it was purged).
    pub(crate) fn remove(&self, key_id: &str) {
        self.lock().remove(key_id);
    }
}
