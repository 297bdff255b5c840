//! Secrets Manager's errors, one variant per AWS error code the service answers with.

use crate::ServiceError;
use crate::kms::KmsError;

/// Why a Secrets Manager operation failed. Messages never contain a secret value.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    InvalidParameter(String),
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    ResourceExists(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    MalformedPolicyDocument(String),
    #[error("{0}")]
    PublicPolicy(String),
    #[error("{0}")]
    EncryptionFailure(String),
    #[error("{0}")]
    DecryptionFailure(String),
    #[error("{0}")]
    InvalidNextToken(String),
    #[error("{0}")]
    Validation(String),
    /// Authorization and internal failures, shared with the other services.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl SecretsError {
    pub(crate) fn not_found() -> Self {
        Self::NotFound("Secrets Manager can't find the specified secret.".to_owned())
    }

    pub(crate) fn marked_for_deletion() -> Self {
        Self::InvalidRequest(
            "You can't perform this operation on the secret because it was marked for deletion.".to_owned(),
        )
    }

    pub(crate) fn internal(
        context: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Service(ServiceError::Internal {
            context,
            source: Some(Box::new(source)),
        })
    }

    /// A KMS failure while sealing a new value.
    pub(crate) fn encryption(err: KmsError) -> Self {
        match err.into_service_error() {
            Ok(service) => Self::Service(service),
            Err(message) => Self::EncryptionFailure(message),
        }
    }

    /// A KMS failure while opening a stored value.
    pub(crate) fn decryption(err: KmsError) -> Self {
        match err.into_service_error() {
            Ok(service) => Self::Service(service),
            Err(message) => Self::DecryptionFailure(message),
        }
    }
}
