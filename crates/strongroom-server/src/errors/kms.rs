//! KMS errors on the wire: each [`KmsError`] variant is the KMS exception of the same meaning, all `400`
//! but the internal one. Access denied and the like go through the shared mapping.

use strongroom_api::WireError;
use strongroom_service::ServiceError;
use strongroom_service::kms::KmsError;

use crate::protocol::ServiceSpec;

/// The AWS error for a failed KMS operation.
pub fn kms_error(err: &KmsError, spec: ServiceSpec) -> WireError {
    let client = |code: &str, message: &str| WireError::bad_request(code, message);
    match err {
        KmsError::NotFound { message } => client("NotFoundException", message),
        KmsError::Disabled { message } => client("DisabledException", message),
        KmsError::InvalidState { message } => client("KMSInvalidStateException", message),
        KmsError::InvalidCiphertext { message } => client("InvalidCiphertextException", message),
        KmsError::IncorrectKey { message } => client("IncorrectKeyException", message),
        KmsError::AlreadyExists { message } => client("AlreadyExistsException", message),
        KmsError::Validation { message } => client("ValidationException", message),
        KmsError::Unsupported { message } => client("UnsupportedOperationException", message),
        KmsError::ReservedAlias { message } => client("NotAuthorizedException", message),
        KmsError::InvalidAliasName { message } => client("InvalidAliasNameException", message),
        KmsError::InvalidArn { message } => client("InvalidArnException", message),
        KmsError::InvalidMarker { message } => client("InvalidMarkerException", message),
        KmsError::InvalidKeyUsage { message } => client("InvalidKeyUsageException", message),
        KmsError::Tag { message } => client("TagException", message),
        KmsError::MalformedPolicyDocument { message } => client("MalformedPolicyDocumentException", message),
        KmsError::DryRun => client("DryRunOperationException", &err.to_string()),
        KmsError::Service(inner @ (ServiceError::Internal { .. } | ServiceError::WrongRootKey { .. })) => {
            tracing::error!(error = %inner, source = ?std::error::Error::source(inner), "internal error");
            WireError::receiver(
                500,
                "KMSInternalException",
                "An internal error occurred. Try again later.",
            )
        }
        KmsError::Service(inner) => super::service_error(inner, spec),
    }
}
