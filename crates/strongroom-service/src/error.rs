//! The service layer's errors, grouped by who is at fault. The server maps each to one AWS wire error.

use strongroom_store::StoreError;

use crate::auth::AuthError;

/// Why a service operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The request could not be authenticated.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The caller is authenticated but may not do this.
    #[error("{message}")]
    AccessDenied { message: String },
    /// A parameter has a value the operation does not accept.
    #[error("{message}")]
    InvalidParameter { message: String },
    /// The input violates a constraint of the API model.
    #[error("{message}")]
    Validation { message: String },
    /// The named resource does not exist.
    #[error("{message}")]
    NotFound { message: String },
    /// A resource with that identity exists already.
    #[error("{message}")]
    AlreadyExists { message: String },
    /// The root key cannot open Strongroom's own keys: the key file belongs to another data directory.
    #[error("the root key does not match this data store (fingerprint {fingerprint})")]
    WrongRootKey { fingerprint: String },
    /// Our bug or a failed dependency. The client sees a generic message; the log sees this.
    #[error("internal error: {context}")]
    Internal {
        context: &'static str,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl ServiceError {
    pub(crate) fn internal(context: &'static str) -> Self {
        Self::Internal {
            context,
            source: None,
        }
    }

    pub(crate) fn store(context: &'static str) -> impl FnOnce(StoreError) -> Self {
        move |err| Self::Internal {
            context,
            source: Some(Box::new(err)),
        }
    }
}
