//! When each long-term access key was last used, without a database write per request.
//!
//! Authentication calls [`KeyUsage::note`] for every request signed with an access key: it keeps the latest
//! use per key in memory (one short lock, and no allocation once a key's service and region stay the same).
//! The server calls [`KeyUsage::flush`] every few seconds and at shutdown, which writes the batch with one
//! store call ([`strongroom_store::IamStore::record_access_key_use`], where time only moves forward).
//! GetAccessKeyLastUsed reads the stored use and [`KeyUsage::pending`] and reports the later one, so it is
//! exact on this node and at most one flush interval behind for uses seen by other nodes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use strongroom_store::StoreError;
use strongroom_store::iam::AccessKeyUse;
use strongroom_types::{AccessKeyId, AccessKeyKind, OffsetDateTime};

use crate::Store;

/// One key's latest unflushed use.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LastUse {
    at: OffsetDateTime,
    service: String,
    region: String,
}

/// The last use of every access key seen since the last flush.
pub struct KeyUsage {
    store: Arc<dyn Store>,
    pending: Mutex<HashMap<AccessKeyId, LastUse>>,
}

impl std::fmt::Debug for KeyUsage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyUsage")
            .field("pending", &self.lock().len())
            .finish_non_exhaustive()
    }
}

/// Overwrites `into` with `from`, reusing its buffer.
fn assign(into: &mut String, from: &str) {
    if into != from {
        into.clear();
        into.push_str(from);
    }
}

impl KeyUsage {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            pending: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<AccessKeyId, LastUse>> {
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Notes that the long-term key `id` signed a request to `service` in `region` at `at`. Temporary
    /// (`ASIA…`) keys are not tracked, as in AWS. An earlier use than the one noted already changes nothing.
    pub fn note(&self, id: &AccessKeyId, at: OffsetDateTime, service: &str, region: &str) {
        if id.kind() != AccessKeyKind::LongTerm {
            return;
        }
        let at = crate::truncate_to_millis(at);
        let mut pending = self.lock();
        match pending.get_mut(id) {
            Some(last) => {
                if at > last.at {
                    last.at = at;
                    assign(&mut last.service, service);
                    assign(&mut last.region, region);
                }
            }
            None => {
                pending.insert(
                    id.clone(),
                    LastUse {
                        at,
                        service: service.to_owned(),
                        region: region.to_owned(),
                    },
                );
            }
        }
    }

    /// The key's latest use noted here and not yet flushed.
    pub fn pending(&self, id: &AccessKeyId) -> Option<AccessKeyUse> {
        self.lock().get(id).map(|last| AccessKeyUse {
            access_key_id: id.clone(),
            used_at: last.at,
            service: last.service.clone(),
            region: last.region.clone(),
        })
    }

    /// Writes the noted uses to the store in one batch and returns how many keys it wrote. A use stays
    /// pending (and so visible to [`Self::pending`]) until it is stored; when the write fails, everything
    /// stays pending for the next flush.
    pub async fn flush(&self) -> Result<usize, StoreError> {
        let batch: Vec<AccessKeyUse> = self
            .lock()
            .iter()
            .map(|(id, last)| AccessKeyUse {
                access_key_id: id.clone(),
                used_at: last.at,
                service: last.service.clone(),
                region: last.region.clone(),
            })
            .collect();
        if batch.is_empty() {
            return Ok(0);
        }
        self.store.record_access_key_use(&batch).await?;
        let mut pending = self.lock();
        for used in &batch {
            // A use noted while the batch was being written is newer: it waits for the next flush.
            if pending
                .get(&used.access_key_id)
                .is_some_and(|last| last.at == used.used_at)
            {
                pending.remove(&used.access_key_id);
            }
        }
        Ok(batch.len())
    }

    /// The key's last use: the later of the stored one and the one pending here.
    pub async fn last_used(&self, id: &AccessKeyId) -> Result<Option<AccessKeyUse>, StoreError> {
        let stored = self.store.access_key_last_used(id).await?;
        let pending = self.pending(id);
        Ok(match (stored, pending) {
            (Some(stored), Some(pending)) if pending.used_at > stored.used_at => Some(pending),
            (Some(stored), _) => Some(stored),
            (None, pending) => pending,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use strongroom_store::iam::IamUserRecord;
    use strongroom_store::{AccessKeyOwner, AccessKeyRecord, AccessKeyStatus, AccountRecord};
    use strongroom_store_sqlite::SqliteStore;
    use strongroom_types::{AccountId, Sealed};

    use super::*;

    fn at(seconds: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_700_000_000 + seconds).unwrap()
    }

    fn key_record(account: &AccountId, n: u32, owner: AccessKeyOwner) -> AccessKeyRecord {
        AccessKeyRecord {
            access_key_id: format!("AKIA{n:016}").parse().unwrap(),
            account_id: account.clone(),
            owner,
            status: AccessKeyStatus::Active,
            sealed_secret: Sealed::from_bytes(vec![0; 8]),
            created_at: at(0),
        }
    }

    /// A store with user `alice` and her two access keys.
    async fn usage_with_keys() -> (KeyUsage, Vec<AccessKeyId>) {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::memory().await.unwrap());
        let account: AccountId = "123456789012".parse().unwrap();
        store
            .bootstrap_account(
                &AccountRecord {
                    account_id: account.clone(),
                    created_at: at(0),
                },
                &key_record(&account, 1, AccessKeyOwner::Root),
            )
            .await
            .unwrap();
        store
            .create_iam_user(&IamUserRecord {
                account_id: account.clone(),
                user_id: "AIDA00000000000000001".to_owned(),
                name: "alice".to_owned(),
                path: "/".to_owned(),
                created_at: at(0),
                tags: Vec::new(),
                revision: 1,
                permissions_boundary: None,
            })
            .await
            .unwrap();
        let mut keys = Vec::new();
        for n in [2, 3] {
            let key = key_record(&account, n, AccessKeyOwner::User("alice".to_owned()));
            store.create_user_access_key("alice", &key, 2).await.unwrap();
            keys.push(key.access_key_id);
        }
        (KeyUsage::new(store), keys)
    }

    #[tokio::test]
    async fn notes_keep_the_latest_use_per_key_until_flushed() {
        let (usage, keys) = usage_with_keys().await;
        usage.note(&keys[0], at(10), "iam", "us-east-1");
        usage.note(&keys[0], at(5), "kms", "eu-west-1");
        usage.note(&keys[1], at(7), "sts", "eu-west-1");
        usage.note(&keys[1], at(8), "secretsmanager", "us-west-2");
        let pending = usage.pending(&keys[0]).unwrap();
        assert_eq!((pending.used_at, pending.service.as_str()), (at(10), "iam"));
        assert_eq!(
            usage.last_used(&keys[1]).await.unwrap().unwrap().service,
            "secretsmanager"
        );

        assert_eq!(usage.flush().await.unwrap(), 2);
        assert_eq!(usage.pending(&keys[0]), None);
        assert_eq!(usage.flush().await.unwrap(), 0);
        let stored = usage.last_used(&keys[0]).await.unwrap().unwrap();
        assert_eq!(
            (stored.used_at, stored.service.as_str(), stored.region.as_str()),
            (at(10), "iam", "us-east-1")
        );

        // A later unflushed use wins over the stored one; an earlier one never shows.
        usage.note(&keys[0], at(20), "kms", "eu-west-1");
        assert_eq!(usage.last_used(&keys[0]).await.unwrap().unwrap().used_at, at(20));
        usage.note(&keys[1], at(1), "kms", "eu-west-1");
        assert_eq!(usage.last_used(&keys[1]).await.unwrap().unwrap().used_at, at(8));
        usage.flush().await.unwrap();
        assert_eq!(usage.last_used(&keys[0]).await.unwrap().unwrap().service, "kms");
        assert_eq!(
            usage.last_used(&keys[1]).await.unwrap().unwrap().service,
            "secretsmanager"
        );
    }

    #[tokio::test]
    async fn temporary_and_unknown_keys_are_not_tracked() {
        let (usage, _) = usage_with_keys().await;
        let temporary: AccessKeyId = "ASIA0000000000000001".parse().unwrap();
        usage.note(&temporary, at(1), "sts", "us-east-1");
        assert_eq!(usage.pending(&temporary), None);
        // A noted key that does not exist in the store is written as nothing.
        let unknown: AccessKeyId = "AKIA0000000000000099".parse().unwrap();
        usage.note(&unknown, at(1), "iam", "us-east-1");
        assert_eq!(usage.flush().await.unwrap(), 1);
        assert_eq!(usage.last_used(&unknown).await.unwrap(), None);
    }
}
