//! The helper's errors. None carries a key, a signature or a credential.

use std::path::PathBuf;

use strongroom_crypto::x509::X509Error;
use strongroom_sigv4::x509::X509AuthError;

#[derive(Debug, thiserror::Error)]
pub enum HelperError {
    #[error("cannot read {path}: {source}")]
    ReadFile { path: PathBuf, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    WriteFile { path: PathBuf, source: std::io::Error },
    #[error("{what} in {path}: {source}")]
    BadFile {
        what: &'static str,
        path: PathBuf,
        source: X509Error,
    },
    #[error("{0}")]
    Usage(String),
    #[error("cannot sign the request: {0}")]
    Signing(#[from] X509AuthError),
    #[error("cannot reach {endpoint}: {reason}")]
    Connect { endpoint: String, reason: String },
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// The service answered with an AWS error.
    #[error(
        "operation error RolesAnywhere: CreateSession, https response error StatusCode: {status}, RequestID: {request_id}, {code}: {message}"
    )]
    Service {
        status: u16,
        request_id: String,
        code: String,
        message: String,
    },
    #[error("unexpected CreateSession response: {0}")]
    BadResponse(&'static str),
    #[error("serve: {0}")]
    Serve(String),
}
