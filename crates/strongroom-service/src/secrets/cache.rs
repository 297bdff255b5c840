//! A short-lived read cache for the GetSecretValue hot path: records by name or ARN, and sealed values.
//!
//! Only ciphertext is cached: opening a value still goes through KMS on every read. A record is trusted for
//! at most [`RECORD_TTL`], so a write made on another node is seen within that time; a write made on this
//! node drops the entries it changed at once. Writes never read through the cache: their compare-and-set
//! must see the stored revision.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use strongroom_store::secrets::SecretRecord;
use strongroom_types::Sealed;

/// How long a cached record is trusted.
pub(crate) const RECORD_TTL: Duration = Duration::from_secs(1);
/// The most entries each map holds; past it the map is emptied (simple, and rare at this size).
const MAX_ENTRIES: usize = 100_000;

#[derive(Clone)]
struct Entry {
    record: Arc<SecretRecord>,
    fetched: Instant,
}

/// The cache. Lookups take a read lock; fills and invalidations a write lock held for one map operation.
#[derive(Default)]
pub(crate) struct ReadCache {
    by_arn: RwLock<HashMap<String, Entry>>,
    /// (account, region, name) → ARN.
    by_name: RwLock<HashMap<(String, String, String), String>>,
    /// (ARN, version id, record revision) → the sealed value.
    values: RwLock<HashMap<(String, String, u64), Sealed>>,
}

impl ReadCache {
    pub(crate) fn record_by_arn(&self, arn: &str) -> Option<Arc<SecretRecord>> {
        let map = self.by_arn.read().unwrap_or_else(|p| p.into_inner());
        map.get(arn)
            .filter(|e| e.fetched.elapsed() < RECORD_TTL)
            .map(|e| Arc::clone(&e.record))
    }

    pub(crate) fn record_by_name(
        &self,
        account: &str,
        region: &str,
        name: &str,
    ) -> Option<Arc<SecretRecord>> {
        let arn = {
            let names = self.by_name.read().unwrap_or_else(|p| p.into_inner());
            names
                .get(&(account.to_owned(), region.to_owned(), name.to_owned()))
                .cloned()?
        };
        self.record_by_arn(&arn).filter(|r| r.name == name)
    }

    pub(crate) fn put_record(&self, record: Arc<SecretRecord>) {
        {
            let mut names = self.by_name.write().unwrap_or_else(|p| p.into_inner());
            if names.len() >= MAX_ENTRIES {
                names.clear();
            }
            names.insert(
                (
                    record.account_id.to_string(),
                    record.region.to_string(),
                    record.name.clone(),
                ),
                record.arn.clone(),
            );
        }
        let mut map = self.by_arn.write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(
            record.arn.clone(),
            Entry {
                record,
                fetched: Instant::now(),
            },
        );
    }

    pub(crate) fn value(&self, arn: &str, version_id: &str, revision: u64) -> Option<Sealed> {
        let map = self.values.read().unwrap_or_else(|p| p.into_inner());
        map.get(&(arn.to_owned(), version_id.to_owned(), revision))
            .cloned()
    }

    pub(crate) fn put_value(&self, arn: &str, version_id: &str, revision: u64, sealed: Sealed) {
        let mut map = self.values.write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert((arn.to_owned(), version_id.to_owned(), revision), sealed);
    }

    /// Drops the cached record of `arn` (after this node changed it). Cached values need no dropping:
    /// they are keyed by the record's revision, which the change moved on.
    pub(crate) fn forget(&self, arn: &str) {
        self.by_arn.write().unwrap_or_else(|p| p.into_inner()).remove(arn);
    }
}
