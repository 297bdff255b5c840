//! What the rotation engine does to a secret on its own account, as Secrets Manager itself does in AWS
//! (no caller: the engine is the service): open a scheduled rotation's pending version, close a finished
//! rotation, and report a secret's rotation state. A rotation function's own reads and writes go through
//! the public, authorized operations with its execution role's credentials.

use strongroom_store::secrets::SecretRecord;
use strongroom_types::OffsetDateTime;

use super::{
    Result, Secrets, SecretsError, WRITE_ATTEMPTS, Window, busy, stages, start_pending, store_err, update,
};

/// How a secret stands towards the rotation `token`, as the engine checks before each step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PendingState {
    /// `token` holds AWSPENDING (and not AWSCURRENT): the rotation goes on.
    Pending,
    /// `token` holds AWSCURRENT: finishSecret happened.
    Current,
    /// The secret is gone, deleted, rotation is off, or `token` lost AWSPENDING: the rotation is abandoned.
    Abandoned,
}

impl PendingState {
    /// Where the rotation `token` stands on `record` (as read by the caller).
    pub fn of(record: &SecretRecord, token: &str) -> Self {
        let enabled = record.rotation.as_ref().is_some_and(|r| r.enabled);
        let Some(version) = record.versions.iter().find(|v| v.version_id == token) else {
            return Self::Abandoned;
        };
        let has = |label: &str| version.stages.iter().any(|s| s == label);
        if has(stages::AWSCURRENT) {
            Self::Current
        } else if has(stages::AWSPENDING) && enabled && record.deleted_at.is_none() {
            Self::Pending
        } else {
            Self::Abandoned
        }
    }
}

impl Secrets {
    /// Applies `change` to the secret `arn` by compare-and-set, retrying on conflicts; `Ok(None)` when the
    /// secret does not exist (any more).
    async fn mutate_by_arn<T>(
        &self,
        arn: &str,
        change: impl Fn(&mut SecretRecord, OffsetDateTime) -> Result<T>,
    ) -> Result<Option<(SecretRecord, T)>> {
        for _ in 0..WRITE_ATTEMPTS {
            let Some(record) = self.store.secret_by_arn(arn).await.map_err(store_err)? else {
                return Ok(None);
            };
            let now = self.now();
            let mut next = record.clone();
            let outcome = change(&mut next, now)?;
            next.last_changed_at = now;
            let mut writes = vec![update(record.revision, next.clone(), Vec::new(), Vec::new())];
            writes.extend(self.replica_writes(&next, None, &[], now).await?);
            if self.commit(&writes).await? {
                return Ok(Some((next, outcome)));
            }
        }
        Err(busy())
    }

    /// The secret's record as stored (not cached), for the engine.
    pub async fn rotation_record(&self, arn: &str) -> Result<Option<SecretRecord>> {
        self.store.secret_by_arn(arn).await.map_err(store_err)
    }

    /// Opens a scheduled rotation: a new label-only AWSPENDING version `token`, or the pending version of an
    /// unfinished rotation (whose id is returned instead). `Ok(None)` when rotation is off or the secret is
    /// gone or deleted.
    pub async fn open_scheduled_rotation(&self, arn: &str, token: &str) -> Result<Option<String>> {
        let opened = self
            .mutate_by_arn(arn, |record, now| {
                let enabled = record.rotation.as_ref().is_some_and(|r| r.enabled);
                if !enabled || record.deleted_at.is_some() || record.primary_region.is_some() {
                    return Ok(None);
                }
                start_pending(&mut record.versions, token, false, false, now).map(Some)
            })
            .await?;
        Ok(opened.and_then(|(_, pending)| pending))
    }

    /// Closes a rotation whose finishSecret moved AWSCURRENT to `token`: AWSPENDING leaves it, the secret
    /// records the rotation and its next date. Fails (changing nothing) when `token` is not AWSCURRENT.
    /// Returns the next rotation date.
    pub async fn close_rotation(&self, arn: &str, token: &str) -> Result<Option<OffsetDateTime>> {
        let closed = self
            .mutate_by_arn(arn, |record, now| {
                let Some(version) = record.versions.iter_mut().find(|v| v.version_id == token) else {
                    return Err(not_current(token));
                };
                if !version.stages.iter().any(|s| s == stages::AWSCURRENT) {
                    return Err(not_current(token));
                }
                version.stages.retain(|s| s != stages::AWSPENDING);
                let mut rotation = record.rotation.clone().unwrap_or_default();
                rotation.last_rotated_at = Some(now);
                rotation.next_rotation_at = if rotation.enabled {
                    super::next_rotation(&rotation, now)
                } else {
                    None
                };
                let next = rotation.next_rotation_at;
                record.rotation = Some(rotation);
                Ok(next)
            })
            .await?;
        Ok(closed.and_then(|(_, next)| next))
    }

    /// Records when the next rotation is due, after a rotation failed for good or could not start within
    /// its window (the secret keeps any pending version, so the next attempt re-uses it). Returns the next
    /// window; `None` when rotation is off or the secret is gone.
    pub async fn reschedule_rotation(&self, arn: &str) -> Result<Option<Window>> {
        let changed = self
            .mutate_by_arn(arn, |record, now| {
                let mut rotation = record.rotation.clone().unwrap_or_default();
                let window = if rotation.enabled {
                    super::next_rotation_window(&rotation, now)
                } else {
                    None
                };
                rotation.next_rotation_at = window.map(|w| w.start);
                record.rotation = Some(rotation);
                Ok(window)
            })
            .await?;
        Ok(changed.and_then(|(_, window)| window))
    }
}

fn not_current(token: &str) -> SecretsError {
    SecretsError::InvalidRequest(format!(
        "finishSecret did not move AWSCURRENT to the pending version {token}."
    ))
}
