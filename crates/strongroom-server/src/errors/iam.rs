//! IAM errors on the wire: each [`IamError`] variant is the awsQuery error code of the same meaning, with
//! AWS's status. Access denied and the like go through the shared mapping.

use strongroom_api::WireError;
use strongroom_service::iam::IamError;

use crate::protocol::ServiceSpec;

/// The AWS error for a failed IAM operation.
pub fn iam_error(err: &IamError, spec: ServiceSpec) -> WireError {
    match err {
        IamError::NoSuchEntity { message } => WireError::sender(404, "NoSuchEntity", message),
        IamError::EntityAlreadyExists { message } => WireError::sender(409, "EntityAlreadyExists", message),
        IamError::LimitExceeded { message } => WireError::sender(409, "LimitExceeded", message),
        IamError::MalformedPolicyDocument { message } => {
            WireError::sender(400, "MalformedPolicyDocument", message)
        }
        IamError::DeleteConflict { message } => WireError::sender(409, "DeleteConflict", message),
        IamError::Validation { message } => WireError::sender(400, "ValidationError", message),
        IamError::InvalidInput { message } => WireError::sender(400, "InvalidInput", message),
        IamError::Service(inner) => super::service_error(inner, spec),
    }
}
