//! The private CA's errors: one variant per ACM PCA exception Strongroom raises, with a message in AWS's
//! manner. No variant carries key material.

use strongroom_store::StoreError;

use crate::ServiceError;

/// Why a private CA operation failed. The server maps each variant to the exception of the same name.
#[derive(Debug, thiserror::Error)]
pub enum PcaError {
    /// `ResourceNotFoundException`.
    #[error("{0}")]
    ResourceNotFound(String),
    /// `InvalidStateException`: the CA's status does not allow the operation.
    #[error("{0}")]
    InvalidState(String),
    /// `InvalidArgsException`.
    #[error("{0}")]
    InvalidArgs(String),
    /// `InvalidArnException`.
    #[error("{0}")]
    InvalidArn(String),
    /// `MalformedCSRException`.
    #[error("{0}")]
    MalformedCsr(String),
    /// `MalformedCertificateException`.
    #[error("{0}")]
    MalformedCertificate(String),
    /// `CertificateMismatchException`: the imported certificate is not for the CA's key or not signed by
    /// its chain.
    #[error("{0}")]
    CertificateMismatch(String),
    /// `InvalidRequestException`.
    #[error("{0}")]
    InvalidRequest(String),
    /// `RequestAlreadyProcessedException`: the certificate is revoked already.
    #[error("{0}")]
    RequestAlreadyProcessed(String),
    /// `InvalidNextTokenException`.
    #[error("{0}")]
    InvalidNextToken(String),
    /// `InvalidTagException`.
    #[error("{0}")]
    InvalidTag(String),
    /// `TooManyTagsException`.
    #[error("{0}")]
    TooManyTags(String),
    /// `ConcurrentModificationException`: lost too many races on one CA.
    #[error("{0}")]
    ConcurrentModification(String),
    /// Access denied, or an internal failure.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl PcaError {
    pub(crate) fn store(context: &'static str) -> impl FnOnce(StoreError) -> Self {
        move |err| Self::Service(ServiceError::store(context)(err))
    }

    pub(crate) fn internal(context: &'static str) -> Self {
        Self::Service(ServiceError::internal(context))
    }
}
