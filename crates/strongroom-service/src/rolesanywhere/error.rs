//! Roles Anywhere's errors: one variant per exception of the `rolesanywhere` model Strongroom raises. No
//! variant carries a certificate's key, a signature or a credential.

use strongroom_store::StoreError;

use crate::ServiceError;

/// Why a Roles Anywhere operation failed. The server maps each variant to the exception of the same name.
#[derive(Debug, thiserror::Error)]
pub enum RolesAnywhereError {
    /// `ValidationException` (400): input the model allows but the operation does not.
    #[error("{message}")]
    Validation { message: String },
    /// `ResourceNotFoundException` (404).
    #[error("{message}")]
    NotFound { message: String },
    /// `AccessDeniedException` (403): a refused identity in CreateSession (untrusted certificate, disabled
    /// anchor or profile, a role the profile does not name, a trust policy that does not allow it).
    #[error("{message}")]
    AccessDenied { message: String },
    /// `TooManyTagsException` (400).
    #[error("{message}")]
    TooManyTags { message: String },
    /// Access denied to a control-plane call, or an internal failure.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl RolesAnywhereError {
    pub(crate) fn store(context: &'static str) -> impl FnOnce(StoreError) -> Self {
        move |err| Self::Service(ServiceError::store(context)(err))
    }

    pub(crate) fn validation(message: impl Into<String>) -> Self {
        Self::Validation {
            message: message.into(),
        }
    }

    pub(crate) fn not_found() -> Self {
        Self::NotFound {
            message: "Resource not found".to_owned(),
        }
    }

    /// `AccessDeniedException` with `message`.
    pub fn denied(message: impl Into<String>) -> Self {
        Self::AccessDenied {
            message: message.into(),
        }
    }
}
