//! Prometheus metrics at `/metrics`: the cache's hits, misses, revalidations, re-fetches, refresh errors
//! and stale answers, its size, and the requests the agent refused, in the text exposition format.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use strongroom_cache::CacheStats;

/// Why a request was refused before reaching the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    ConnectionLimit,
    Forwarded,
    BadToken,
    Method,
}

/// The agent's own counters (the cache keeps its own).
#[derive(Debug, Default)]
pub struct AgentMetrics {
    connection_limit: AtomicU64,
    forwarded: AtomicU64,
    bad_token: AtomicU64,
    method: AtomicU64,
    upstream_errors: AtomicU64,
}

impl AgentMetrics {
    pub fn refused(&self, why: Refusal) {
        let counter = match why {
            Refusal::ConnectionLimit => &self.connection_limit,
            Refusal::Forwarded => &self.forwarded,
            Refusal::BadToken => &self.bad_token,
            Refusal::Method => &self.method,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// A request answered with an upstream error.
    pub fn upstream_error(&self) {
        self.upstream_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// The exposition text.
    pub fn render(&self, cache: &CacheStats) -> String {
        let mut out = String::with_capacity(2048);
        let counters = [
            (
                "strongroom_agent_cache_hits_total",
                "Requests served from the cache within the TTL.",
                cache.hits,
            ),
            (
                "strongroom_agent_cache_misses_total",
                "Requests not in the cache, fetched with GetSecretValue.",
                cache.misses,
            ),
            (
                "strongroom_agent_cache_revalidations_total",
                "Expired entries confirmed unchanged by DescribeSecret.",
                cache.revalidations,
            ),
            (
                "strongroom_agent_cache_refetches_total",
                "Expired or refreshNow entries fetched again with GetSecretValue.",
                cache.refetches,
            ),
            (
                "strongroom_agent_cache_refresh_errors_total",
                "Refreshes of expired entries that failed upstream.",
                cache.refresh_errors,
            ),
            (
                "strongroom_agent_cache_stale_served_total",
                "Answers served stale because upstream could not confirm them.",
                cache.stale_served,
            ),
            (
                "strongroom_agent_upstream_errors_total",
                "Requests answered with an upstream error.",
                self.upstream_errors.load(Ordering::Relaxed),
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
        }
        let _ = writeln!(
            out,
            "# HELP strongroom_agent_cache_entries Entries in the cache.\n# TYPE strongroom_agent_cache_entries gauge\nstrongroom_agent_cache_entries {}",
            cache.entries
        );
        let name = "strongroom_agent_requests_refused_total";
        let _ = writeln!(
            out,
            "# HELP {name} Requests refused before the cache, by reason.\n# TYPE {name} counter"
        );
        for (reason, counter) in [
            ("connection_limit", &self.connection_limit),
            ("forwarded", &self.forwarded),
            ("bad_token", &self.bad_token),
            ("method", &self.method),
        ] {
            let _ = writeln!(
                out,
                "{name}{{reason=\"{reason}\"}} {}",
                counter.load(Ordering::Relaxed)
            );
        }
        out.push_str("# EOF\n");
        out
    }
}
