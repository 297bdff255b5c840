//! ACM PCA errors on the wire: each [`PcaError`] variant is the exception of the same meaning, all `400`
//! but the internal one. Access denied and the like go through the shared mapping.

use strongroom_api::WireError;
use strongroom_service::ServiceError;
use strongroom_service::pca::PcaError;

use crate::protocol::ServiceSpec;

/// The AWS error for a failed ACM PCA operation.
pub fn pca_error(err: &PcaError, spec: ServiceSpec) -> WireError {
    let client = |code: &str, message: &str| WireError::bad_request(code, message);
    match err {
        PcaError::ResourceNotFound(message) => client("ResourceNotFoundException", message),
        PcaError::InvalidState(message) => client("InvalidStateException", message),
        PcaError::InvalidArgs(message) => client("InvalidArgsException", message),
        PcaError::InvalidArn(message) => client("InvalidArnException", message),
        PcaError::MalformedCsr(message) => client("MalformedCSRException", message),
        PcaError::MalformedCertificate(message) => client("MalformedCertificateException", message),
        PcaError::CertificateMismatch(message) => client("CertificateMismatchException", message),
        PcaError::InvalidRequest(message) => client("InvalidRequestException", message),
        PcaError::RequestAlreadyProcessed(message) => client("RequestAlreadyProcessedException", message),
        PcaError::InvalidNextToken(message) => client("InvalidNextTokenException", message),
        PcaError::InvalidTag(message) => client("InvalidTagException", message),
        PcaError::TooManyTags(message) => client("TooManyTagsException", message),
        PcaError::ConcurrentModification(message) => client("ConcurrentModificationException", message),
        PcaError::Service(inner @ (ServiceError::Internal { .. } | ServiceError::WrongRootKey { .. })) => {
            tracing::error!(error = %inner, source = ?std::error::Error::source(inner), "internal error");
            WireError::receiver(
                500,
                "RequestFailedException",
                "An internal error occurred. Try again later.",
            )
        }
        PcaError::Service(inner) => super::service_error(inner, spec),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol;

    #[test]
    fn each_error_has_its_code_and_status() {
        let spec = protocol::by_name("acm-pca").unwrap_or(protocol::SERVICES[0]);
        let m = || "m".to_owned();
        let cases = [
            (PcaError::ResourceNotFound(m()), 400, "ResourceNotFoundException"),
            (PcaError::InvalidState(m()), 400, "InvalidStateException"),
            (PcaError::InvalidArgs(m()), 400, "InvalidArgsException"),
            (PcaError::InvalidArn(m()), 400, "InvalidArnException"),
            (PcaError::MalformedCsr(m()), 400, "MalformedCSRException"),
            (
                PcaError::MalformedCertificate(m()),
                400,
                "MalformedCertificateException",
            ),
            (
                PcaError::CertificateMismatch(m()),
                400,
                "CertificateMismatchException",
            ),
            (PcaError::InvalidRequest(m()), 400, "InvalidRequestException"),
            (
                PcaError::RequestAlreadyProcessed(m()),
                400,
                "RequestAlreadyProcessedException",
            ),
            (PcaError::InvalidNextToken(m()), 400, "InvalidNextTokenException"),
            (PcaError::InvalidTag(m()), 400, "InvalidTagException"),
            (PcaError::TooManyTags(m()), 400, "TooManyTagsException"),
            (
                PcaError::ConcurrentModification(m()),
                400,
                "ConcurrentModificationException",
            ),
            (
                PcaError::Service(ServiceError::AccessDenied { message: m() }),
                400,
                "AccessDeniedException",
            ),
            (
                PcaError::Service(ServiceError::Internal {
                    context: "x",
                    source: None,
                }),
                500,
                "RequestFailedException",
            ),
        ];
        for (err, status, code) in cases {
            let wire = pca_error(&err, spec);
            assert_eq!((wire.status, wire.code.as_str()), (status, code), "{err:?}");
        }
    }
}
