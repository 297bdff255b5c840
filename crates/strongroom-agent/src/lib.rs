//! `strongroom-agent`: a local caching agent for Secrets Manager that programs written for the AWS Secrets
//! Manager Agent use unchanged. It listens on 127.0.0.1 only, answers `GET /secretsmanager/get?secretId=…`
//! and `GET /v1/{secretId}` with GetSecretValue-shaped JSON from a [`strongroom_cache::SecretCache`],
//! demands the SSRF token, refuses `X-Forwarded-For`, and exposes `/ping` and Prometheus `/metrics`.
//!
//! It links no storage or policy code: only the caching client, SigV4 (through it) and the crypto crate's
//! constant-time comparison.

pub mod config;
pub mod metrics;
pub mod render;
pub mod request;
pub mod server;
pub mod token;

pub use config::AgentConfig;
pub use server::{RunningAgent, STALE_HEADER, ServerSettings, StartError, start};
pub use token::SsrfToken;

use std::sync::Arc;

use strongroom_cache::{CacheConfig, SecretCache, Upstream};
use strongroom_types::Clock;

/// The cache the configuration describes, over `upstream`.
pub fn cache_for(config: &AgentConfig, upstream: Arc<dyn Upstream>, clock: Arc<dyn Clock>) -> SecretCache {
    SecretCache::new(
        upstream,
        clock,
        CacheConfig {
            ttl: config.ttl,
            max_entries: config.cache_size,
            serve_stale_on_transient_errors: config.ignore_transient_errors,
            max_stale: config.max_stale,
        },
    )
}

/// The listener settings the configuration describes.
pub fn server_settings(config: &AgentConfig) -> ServerSettings {
    ServerSettings {
        port: config.http_port,
        ssrf_headers: config.ssrf_headers.clone(),
        path_prefix: config.path_prefix.clone(),
        max_conn: config.max_conn,
    }
}
