//! The one mapping from service and authentication errors to AWS wire errors, per protocol.
//!
//! JSON services answer client errors with HTTP 400 and their `…Exception` codes; the query services
//! (STS, IAM) use their own codes and 403 for authentication failures. Internal errors become a generic
//! message; the detail goes to the log only.

mod acm_pca;
mod iam;
mod kms;
mod rolesanywhere;
mod secretsmanager;

pub use acm_pca::pca_error;
pub use iam::iam_error;
pub use kms::kms_error;
pub use rolesanywhere::rolesanywhere_error;
pub use secretsmanager::secrets_error;
use strongroom_api::WireError;
use strongroom_service::ServiceError;
use strongroom_service::auth::AuthError;
use strongroom_sigv4::SigV4Error;

use crate::protocol::{Protocol, ServiceSpec};

const SIGNATURE_MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const INVALID_TOKEN: &str = "The security token included in the request is invalid.";
const EXPIRED_TOKEN: &str = "The security token included in the request is expired";

/// Which family of codes a protocol uses.
fn is_query(protocol: Protocol) -> bool {
    matches!(protocol, Protocol::Query { .. })
}

fn pick(
    protocol: Protocol,
    json: (u16, &str),
    query: (u16, &str),
    rest: (u16, &str),
    message: String,
) -> WireError {
    let (status, code) = match protocol {
        Protocol::Json { .. } => json,
        Protocol::Query { .. } => query,
        Protocol::RestJson => rest,
    };
    WireError::new(status, code, message)
}

/// The AWS error for a request that failed authentication.
pub fn auth_error(err: &AuthError, protocol: Protocol) -> WireError {
    let invalid_signature = |message: String| {
        pick(
            protocol,
            (400, "InvalidSignatureException"),
            (403, "SignatureDoesNotMatch"),
            (403, "InvalidSignatureException"),
            message,
        )
    };
    match err {
        AuthError::Signature(sig) => match sig {
            SigV4Error::Missing => {
                let message = if is_query(protocol) {
                    "Request is missing Authentication Token"
                } else {
                    "Missing Authentication Token"
                };
                pick(
                    protocol,
                    (400, "MissingAuthenticationTokenException"),
                    (403, "MissingAuthenticationToken"),
                    (403, "MissingAuthenticationTokenException"),
                    message.to_owned(),
                )
            }
            SigV4Error::SignatureMismatch => invalid_signature(SIGNATURE_MISMATCH.to_owned()),
            SigV4Error::InvalidAccessKeyId => pick(
                protocol,
                (400, "UnrecognizedClientException"),
                (403, "InvalidClientTokenId"),
                (403, "UnrecognizedClientException"),
                INVALID_TOKEN.to_owned(),
            ),
            SigV4Error::Expired { .. }
            | SigV4Error::NotYetValid { .. }
            | SigV4Error::ScopeDateMismatch { .. } => invalid_signature(sig.aws_message()),
            SigV4Error::PresignedExpired { .. } => invalid_signature(sig.aws_message()),
            // AWS reports a scope it cannot use as a signature error, with the reason as the message.
            SigV4Error::Malformed { reason } if reason.starts_with("Credential should be scoped") => {
                invalid_signature(reason.to_string())
            }
            SigV4Error::Malformed { reason } | SigV4Error::MalformedQuery { reason } => pick(
                protocol,
                (400, "IncompleteSignatureException"),
                (400, "IncompleteSignature"),
                (403, "IncompleteSignatureException"),
                reason.to_string(),
            ),
            SigV4Error::PayloadHashMismatch => invalid_signature(
                "The provided 'x-amz-content-sha256' header does not match what was computed.".to_owned(),
            ),
            other => pick(
                protocol,
                (400, "IncompleteSignatureException"),
                (400, "IncompleteSignature"),
                (403, "IncompleteSignatureException"),
                other.to_string(),
            ),
        },
        AuthError::UnknownAccessKey | AuthError::InvalidSessionToken => pick(
            protocol,
            (400, "UnrecognizedClientException"),
            (403, "InvalidClientTokenId"),
            (403, "UnrecognizedClientException"),
            INVALID_TOKEN.to_owned(),
        ),
        AuthError::ExpiredSessionToken => pick(
            protocol,
            (400, "ExpiredTokenException"),
            (403, "ExpiredToken"),
            (403, "ExpiredTokenException"),
            EXPIRED_TOKEN.to_owned(),
        ),
        AuthError::WrongRegion => {
            invalid_signature("Credential should be scoped to a valid region.".to_owned())
        }
        AuthError::WrongService { expected } => invalid_signature(format!(
            "Credential should be scoped to correct service: '{expected}'."
        )),
        AuthError::WrongTerminator => invalid_signature(
            "Credential should be scoped with a valid terminator: 'aws4_request'.".to_owned(),
        ),
        AuthError::Unavailable => internal(protocol),
    }
}

/// The AWS error for a failed operation.
pub fn service_error(err: &ServiceError, spec: ServiceSpec) -> WireError {
    let protocol = spec.protocol;
    match err {
        ServiceError::Auth(auth) => auth_error(auth, protocol),
        ServiceError::AccessDenied { message } => pick(
            protocol,
            (400, "AccessDeniedException"),
            (403, "AccessDenied"),
            (403, "AccessDeniedException"),
            message.clone(),
        ),
        ServiceError::Validation { message } => pick(
            protocol,
            (400, "ValidationException"),
            (400, "ValidationError"),
            (400, "ValidationException"),
            message.clone(),
        ),
        ServiceError::InvalidParameter { message } => pick(
            protocol,
            (400, "InvalidParameterException"),
            (400, "InvalidParameterValue"),
            (400, "ValidationException"),
            message.clone(),
        ),
        ServiceError::NotFound { message } => pick(
            protocol,
            (400, "ResourceNotFoundException"),
            (404, "NoSuchEntity"),
            (404, "ResourceNotFoundException"),
            message.clone(),
        ),
        ServiceError::AlreadyExists { message } => pick(
            protocol,
            (400, "ResourceExistsException"),
            (409, "EntityAlreadyExists"),
            (409, "ConflictException"),
            message.clone(),
        ),
        ServiceError::WrongRootKey { .. } | ServiceError::Internal { .. } => {
            tracing::error!(error = %err, source = ?std::error::Error::source(err), "internal error");
            internal(protocol)
        }
    }
}

fn internal(protocol: Protocol) -> WireError {
    pick(
        protocol,
        (500, "InternalServiceError"),
        (500, "InternalFailure"),
        (500, "InternalServerException"),
        "An internal error occurred. Try again later.".to_owned(),
    )
}

/// The error for an operation this service does not have.
pub fn unknown_operation(spec: ServiceSpec, operation: &str) -> WireError {
    match spec.protocol {
        Protocol::Json { .. } => WireError::new(
            400,
            "UnknownOperationException",
            format!("Unknown operation {operation}"),
        ),
        Protocol::Query { .. } if operation.is_empty() => {
            WireError::new(400, "MissingAction", "Missing Action".to_owned())
        }
        Protocol::Query { .. } => WireError::new(
            400,
            "InvalidAction",
            format!(
                "Could not find operation {operation} for version {}",
                query_version(spec.name)
            ),
        ),
        Protocol::RestJson => WireError::new(
            404,
            "UnknownOperationException",
            format!("Unknown operation {operation}"),
        ),
    }
}

fn query_version(service: &str) -> &'static str {
    match service {
        "iam" => "2010-05-08",
        _ => "2011-06-15",
    }
}

/// The error for a credential scope naming a service Strongroom does not serve.
pub fn unknown_service(service: &str) -> WireError {
    WireError::new(
        400,
        "UnrecognizedServiceException",
        format!("Strongroom does not serve the service '{service}'"),
    )
}
