//! A Secrets Manager caching client with the semantics of the official caching libraries and agent: a
//! TTL, a bounded LRU, version id and stage selectors, revalidation through DescribeSecret, a forced
//! refresh, and stale values served through transient upstream failures up to a bound ([`cache`]).
//!
//! The cache reads time from a [`strongroom_types::Clock`] and secrets from an [`Upstream`], so tests drive
//! it with a `ManualClock` and [`testing::FakeUpstream`]; [`client::SecretsManagerClient`] is the real
//! upstream, signing awsJson1_1 requests with SigV4 over hyper (HTTP, or HTTPS with rustls) with
//! credentials from the standard chain ([`credentials`], [`profile`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use strongroom_cache::{CacheConfig, SecretCache, SecretRequest};
//! use strongroom_cache::client::{ClientSettings, Environment, SecretsManagerClient};
//!
//! let settings = ClientSettings::resolve(&Environment::from_process(), &Default::default())?;
//! let client = SecretsManagerClient::new(settings)?;
//! let cache = SecretCache::new(Arc::new(client), Arc::new(strongroom_types::SystemClock), CacheConfig::default());
//! let lookup = cache.get(&SecretRequest::current("prod/db")).await?;
//! println!("version {}", lookup.secret.value().version_id);
//! # Ok(()) }
//! ```

pub mod cache;
pub mod client;
pub mod credentials;
mod env;
mod lru;
pub mod profile;
pub mod testing;
pub mod upstream;
pub mod value;

pub use cache::{CacheConfig, CacheStats, CachedSecret, Freshness, Lookup, SecretCache};
pub use upstream::{Upstream, UpstreamError};
pub use value::{AWSCURRENT, SecretDescription, SecretRequest, SecretValue};
