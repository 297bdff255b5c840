//! The cache: entries keyed by (secret id, version id, version stage), fresh for a TTL, bounded in number
//! with least-recently-used eviction, revalidated through DescribeSecret when they expire, and served stale
//! through transient upstream failures up to a bound.
//!
//! The rules follow the AWS Secrets Manager Agent's caching crate:
//!
//! - A miss calls GetSecretValue with the request's selectors and stores the result.
//! - A hit within the TTL is served from memory: one mutex-guarded map probe, no upstream call.
//! - An expired entry is revalidated with DescribeSecret of the cached ARN: if the cached version still
//!   exists and still carries the stage the request means (see [`SecretRequest::stage_to_check`]), the
//!   entry is re-stamped and served without GetSecretValue; otherwise GetSecretValue is called again.
//! - [`SecretCache::refresh_now`] always calls GetSecretValue; on failure it returns the error and keeps the
//!   old entry.
//! - When a refresh fails transiently (see [`UpstreamError::is_transient`]) and serving stale values is on,
//!   the old value is served until `ttl + max_stale` after it was last confirmed, and the upstream is
//!   retried after an exponential back-off (1 s doubling to 60 s) rather than on every request. Past the
//!   bound, or on a 4xx, the error is returned.
//!
//! No lock is held across an await: the map is locked to look up or store, never while calling upstream.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use strongroom_types::{Clock, OffsetDateTime};

use crate::lru::Lru;
use crate::upstream::{Upstream, UpstreamError};
use crate::value::{SecretRequest, SecretValue};

/// The longest pause between upstream retries while a stale value is being served.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(60);

/// How the cache behaves. The defaults are the AWS agent's (TTL 300 s, 1000 entries, serve stale on
/// transient errors) plus a one-hour bound on staleness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheConfig {
    /// How long an entry is served without asking upstream. Zero disables caching.
    pub ttl: Duration,
    /// The most entries kept; the least recently used is evicted past it.
    pub max_entries: usize,
    /// Serve the last good value when a refresh fails transiently (the AWS agent's
    /// `ignore_transient_errors`).
    pub serve_stale_on_transient_errors: bool,
    /// How long past its TTL a value may still be served through upstream failures.
    pub max_stale: Duration,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(300),
            max_entries: 1000,
            serve_stale_on_transient_errors: true,
            max_stale: Duration::from_secs(3600),
        }
    }
}

/// A cached version of a secret, shared by every reader. It can carry one rendering of itself (the agent's
/// response body), computed on first use and reused by every later hit.
#[derive(Debug)]
pub struct CachedSecret {
    value: SecretValue,
    rendered: OnceLock<Bytes>,
}

impl CachedSecret {
    fn new(value: SecretValue) -> Self {
        Self {
            value,
            rendered: OnceLock::new(),
        }
    }

    pub fn value(&self) -> &SecretValue {
        &self.value
    }

    /// The rendering made by `render` the first time this is called for this entry; later calls return it
    /// without calling `render` (a `Bytes` clone is a reference-count increment). One cache serves one
    /// renderer: the first wins.
    pub fn rendered(&self, render: impl FnOnce(&SecretValue) -> Bytes) -> Bytes {
        self.rendered.get_or_init(|| render(&self.value)).clone()
    }
}

/// Where an answer came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    /// Served from memory within the TTL.
    Hit,
    /// Fetched with GetSecretValue (a miss, a changed version, `refresh_now`, or caching disabled).
    Fetched,
    /// Expired, confirmed unchanged by DescribeSecret, and re-stamped.
    Revalidated,
    /// Expired and not confirmed: upstream failed transiently (`error`), or is in back-off after failing
    /// (`error` is `None`). `age` is how long ago upstream last confirmed the value.
    Stale {
        age: Duration,
        error: Option<UpstreamError>,
    },
}

/// A cache answer: the secret and how fresh it is.
#[derive(Debug, Clone)]
pub struct Lookup {
    pub secret: Arc<CachedSecret>,
    pub freshness: Freshness,
}

/// Counters since the cache was made, for metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub revalidations: u64,
    pub refetches: u64,
    pub refresh_errors: u64,
    pub stale_served: u64,
    pub entries: u64,
}

#[derive(Debug, Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    revalidations: AtomicU64,
    refetches: AtomicU64,
    refresh_errors: AtomicU64,
    stale_served: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

#[derive(Debug, Clone)]
struct Slot {
    secret: Arc<CachedSecret>,
    /// When upstream last confirmed this value.
    checked_at: OffsetDateTime,
    /// Refreshes failed in a row since then.
    failures: u32,
    /// No upstream call before this while serving stale.
    retry_at: Option<OffsetDateTime>,
}

/// The caching client: use one per process and share it (`Arc`).
#[derive(Debug)]
pub struct SecretCache {
    upstream: Arc<dyn Upstream>,
    clock: Arc<dyn Clock>,
    config: CacheConfig,
    entries: Mutex<Lru<Slot>>,
    counters: Counters,
}

impl SecretCache {
    pub fn new(upstream: Arc<dyn Upstream>, clock: Arc<dyn Clock>, config: CacheConfig) -> Self {
        Self {
            entries: Mutex::new(Lru::new(config.max_entries)),
            upstream,
            clock,
            config,
            counters: Counters::default(),
        }
    }

    pub fn config(&self) -> &CacheConfig {
        &self.config
    }

    /// The secret version `request` names, from memory when fresh.
    pub async fn get(&self, request: &SecretRequest<'_>) -> Result<Lookup, UpstreamError> {
        self.lookup(request, false).await
    }

    /// The secret version `request` names, always fetched with GetSecretValue (the agent's
    /// `refreshNow=true`, the Python library's `refresh_secret_now`). A failure leaves the cached entry.
    pub async fn refresh_now(&self, request: &SecretRequest<'_>) -> Result<Lookup, UpstreamError> {
        self.lookup(request, true).await
    }

    /// The current `SecretString` of `secret_id` (`None` for a binary secret), like the caching libraries'
    /// `get_secret_string`.
    pub async fn get_secret_string(
        &self,
        secret_id: &str,
    ) -> Result<Option<secrecy::SecretString>, UpstreamError> {
        let lookup = self.get(&SecretRequest::current(secret_id)).await?;
        Ok(lookup
            .secret
            .value()
            .secret_string()
            .map(secrecy::SecretString::from))
    }

    pub fn stats(&self) -> CacheStats {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        CacheStats {
            hits: read(&self.counters.hits),
            misses: read(&self.counters.misses),
            revalidations: read(&self.counters.revalidations),
            refetches: read(&self.counters.refetches),
            refresh_errors: read(&self.counters.refresh_errors),
            stale_served: read(&self.counters.stale_served),
            entries: self.lock().len() as u64,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Lru<Slot>> {
        // A panic while holding the lock cannot leave the map half-updated in a way that matters here.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn lookup(&self, request: &SecretRequest<'_>, force: bool) -> Result<Lookup, UpstreamError> {
        let now = self.clock.now();
        if self.config.ttl.is_zero() {
            bump(&self.counters.misses);
            let value = self.upstream.get_secret_value(request).await?;
            return Ok(Lookup {
                secret: Arc::new(CachedSecret::new(value)),
                freshness: Freshness::Fetched,
            });
        }

        let expired = if force {
            None
        } else {
            let mut entries = self.lock();
            match entries.get_mut(request) {
                Some(slot) if now < slot.checked_at + self.config.ttl => {
                    bump(&self.counters.hits);
                    return Ok(Lookup {
                        secret: Arc::clone(&slot.secret),
                        freshness: Freshness::Hit,
                    });
                }
                Some(slot) => {
                    let backing_off = slot.retry_at.is_some_and(|retry_at| now < retry_at);
                    if backing_off && self.within_stale_bound(slot, now) {
                        bump(&self.counters.stale_served);
                        return Ok(Lookup {
                            secret: Arc::clone(&slot.secret),
                            freshness: Freshness::Stale {
                                age: age(slot.checked_at, now),
                                error: None,
                            },
                        });
                    }
                    Some(slot.clone())
                }
                None => None,
            }
        };

        match expired {
            Some(slot) => self.refresh(request, slot, now).await,
            None => {
                if force {
                    bump(&self.counters.refetches);
                } else {
                    bump(&self.counters.misses);
                }
                let value = self.upstream.get_secret_value(request).await?;
                Ok(self.store(request, value, now))
            }
        }
    }

    fn within_stale_bound(&self, slot: &Slot, now: OffsetDateTime) -> bool {
        now <= slot.checked_at + self.config.ttl + self.config.max_stale
    }

    fn store(&self, request: &SecretRequest<'_>, value: SecretValue, now: OffsetDateTime) -> Lookup {
        let secret = Arc::new(CachedSecret::new(value));
        let slot = Slot {
            secret: Arc::clone(&secret),
            checked_at: now,
            failures: 0,
            retry_at: None,
        };
        // The evicted entry is dropped after the lock is released.
        let evicted = self.lock().insert(request, slot);
        drop(evicted);
        Lookup {
            secret,
            freshness: Freshness::Fetched,
        }
    }

    async fn refresh(
        &self,
        request: &SecretRequest<'_>,
        slot: Slot,
        now: OffsetDateTime,
    ) -> Result<Lookup, UpstreamError> {
        let cached = slot.secret.value();
        let outcome = match self.upstream.describe_secret(&cached.arn).await {
            Ok(description) if description.still_valid(&cached.version_id, request.stage_to_check()) => {
                Ok(None)
            }
            Ok(_) => self.upstream.get_secret_value(request).await.map(Some),
            Err(error) => Err(error),
        };
        match outcome {
            Ok(None) => {
                bump(&self.counters.revalidations);
                let mut entries = self.lock();
                if let Some(current) = entries.get_mut(request)
                    && Arc::ptr_eq(&current.secret, &slot.secret)
                {
                    current.checked_at = now;
                    current.failures = 0;
                    current.retry_at = None;
                }
                Ok(Lookup {
                    secret: slot.secret,
                    freshness: Freshness::Revalidated,
                })
            }
            Ok(Some(value)) => {
                bump(&self.counters.refetches);
                Ok(self.store(request, value, now))
            }
            Err(error) => {
                bump(&self.counters.refresh_errors);
                if !(self.config.serve_stale_on_transient_errors
                    && error.is_transient()
                    && self.within_stale_bound(&slot, now))
                {
                    return Err(error);
                }
                {
                    let mut entries = self.lock();
                    if let Some(current) = entries.get_mut(request)
                        && Arc::ptr_eq(&current.secret, &slot.secret)
                    {
                        current.failures = current.failures.saturating_add(1);
                        current.retry_at = Some(now + retry_delay(current.failures));
                    }
                }
                bump(&self.counters.stale_served);
                Ok(Lookup {
                    freshness: Freshness::Stale {
                        age: age(slot.checked_at, now),
                        error: Some(error),
                    },
                    secret: slot.secret,
                })
            }
        }
    }
}

/// 1 s after the first failure, doubling, at most [`MAX_RETRY_DELAY`].
fn retry_delay(failures: u32) -> Duration {
    let exponent = failures.saturating_sub(1).min(16);
    Duration::from_secs(1u64 << exponent).min(MAX_RETRY_DELAY)
}

fn age(checked_at: OffsetDateTime, now: OffsetDateTime) -> Duration {
    Duration::try_from(now - checked_at).unwrap_or_default()
}

#[cfg(test)]
mod tests;
