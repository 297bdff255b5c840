//! The cache's view of Secrets Manager: two calls behind a trait, so that the cache is tested without a
//! network, and the error they fail with, classified the way the AWS agent classifies SDK errors.

use async_trait::async_trait;

use crate::value::{SecretDescription, SecretRequest, SecretValue};

/// Where cached secrets come from.
#[async_trait]
pub trait Upstream: Send + Sync + std::fmt::Debug {
    /// GetSecretValue with the request's selectors.
    async fn get_secret_value(&self, request: &SecretRequest<'_>) -> Result<SecretValue, UpstreamError>;

    /// DescribeSecret of `secret_id` (a name or an ARN).
    async fn describe_secret(&self, secret_id: &str) -> Result<SecretDescription, UpstreamError>;
}

/// Why an upstream call failed. Messages never carry a secret value, a key or a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    /// The service answered with an AWS error.
    #[error("{code} (HTTP {status}): {}", message.as_deref().unwrap_or("no message"))]
    Service {
        status: u16,
        code: String,
        message: Option<String>,
    },
    /// No answer in time.
    #[error("the request timed out")]
    Timeout,
    /// Connecting, sending or reading failed.
    #[error("connection error: {0}")]
    Connection(String),
    /// An answer came that could not be understood.
    #[error("unreadable response: {0}")]
    Response(String),
    /// No usable credentials.
    #[error("credentials: {0}")]
    Credentials(String),
}

impl UpstreamError {
    /// Whether serving a stale value through this failure is reasonable: timeouts, I/O failures, unreadable
    /// answers and 5xx service errors. A 4xx (not found, access denied, bad signature) never is.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Timeout | Self::Connection(_) | Self::Response(_) => true,
            Self::Service { status, .. } => *status >= 500,
            Self::Credentials(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_errors_are_network_and_5xx_only() {
        let service = |status: u16| UpstreamError::Service {
            status,
            code: "X".into(),
            message: None,
        };
        let cases = [
            (UpstreamError::Timeout, true),
            (UpstreamError::Connection("refused".into()), true),
            (UpstreamError::Response("bad json".into()), true),
            (service(500), true),
            (service(503), true),
            (service(400), false),
            (service(403), false),
            (UpstreamError::Credentials("none".into()), false),
        ];
        for (error, transient) in cases {
            assert_eq!(error.is_transient(), transient, "{error:?}");
        }
    }
}
