//! Prometheus metrics: requests by service, operation and outcome, and a latency histogram per service.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    service: String,
    operation: String,
    /// `success`, or the AWS error code returned.
    outcome: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ServiceLabels {
    service: String,
}

/// The server's metrics and the registry that renders them.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<ServiceLabels, Histogram>,
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("strongroom");
        let requests = Family::<RequestLabels, Counter>::default();
        // 50 µs to ~1.6 s in doublings: the hot path sits at the bottom, slow database calls at the top.
        let latency = Family::<ServiceLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
        });
        registry.register(
            "requests",
            "API requests by service, operation and outcome",
            requests.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "API request latency by service",
            latency.clone(),
        );
        Self {
            registry,
            requests,
            latency,
        }
    }

    pub fn observe(&self, service: &str, operation: &str, outcome: &str, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                service: service.to_owned(),
                operation: operation.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
        self.latency
            .get_or_create(&ServiceLabels {
                service: service.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// The metrics in Prometheus' text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            tracing::error!("encoding metrics failed");
        }
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_requests_by_outcome() {
        let metrics = super::Metrics::new();
        metrics.observe(
            "sts",
            "GetCallerIdentity",
            "success",
            std::time::Duration::from_micros(80),
        );
        metrics.observe(
            "sts",
            "GetCallerIdentity",
            "SignatureDoesNotMatch",
            std::time::Duration::from_micros(80),
        );
        let text = metrics.render();
        assert!(text.contains(r#"strongroom_requests_total{service="sts",operation="GetCallerIdentity",outcome="success"} 1"#), "{text}");
        assert!(
            text.contains("strongroom_request_duration_seconds_count{service=\"sts\"} 2"),
            "{text}"
        );
    }
}
