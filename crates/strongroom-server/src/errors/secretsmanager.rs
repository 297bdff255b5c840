//! Secrets Manager errors on the wire: every client error is HTTP 400 with its `…Exception` code.

use strongroom_api::WireError;
use strongroom_service::secrets::SecretsError;

use super::service_error;
use crate::protocol::{Protocol, ServiceSpec};

const SPEC: ServiceSpec = ServiceSpec {
    name: "secretsmanager",
    protocol: Protocol::Json {
        target_prefix: "secretsmanager",
    },
};

pub fn secrets_error(err: &SecretsError) -> WireError {
    let code = match err {
        SecretsError::NotFound(_) => "ResourceNotFoundException",
        SecretsError::InvalidParameter(_) => "InvalidParameterException",
        SecretsError::InvalidRequest(_) => "InvalidRequestException",
        SecretsError::ResourceExists(_) => "ResourceExistsException",
        SecretsError::LimitExceeded(_) => "LimitExceededException",
        SecretsError::MalformedPolicyDocument(_) => "MalformedPolicyDocumentException",
        SecretsError::PublicPolicy(_) => "PublicPolicyException",
        SecretsError::EncryptionFailure(_) => "EncryptionFailure",
        SecretsError::DecryptionFailure(_) => "DecryptionFailure",
        SecretsError::InvalidNextToken(_) => "InvalidNextTokenException",
        SecretsError::Validation(_) => "ValidationException",
        SecretsError::Service(service) => return service_error(service, SPEC),
    };
    WireError::new(400, code, err.to_string())
}
