//! Roles Anywhere errors on the wire (restJson1: the code in `X-Amzn-ErrorType`, `{"message"}` in the
//! body): validation and too-many-tags 400, access denied 403, not found 404. Access denied to a
//! control-plane call and internal failures go through the shared mapping.

use strongroom_api::WireError;
use strongroom_service::rolesanywhere::RolesAnywhereError;

use crate::protocol::ServiceSpec;

/// The AWS error for a failed Roles Anywhere operation.
pub fn rolesanywhere_error(err: &RolesAnywhereError, spec: ServiceSpec) -> WireError {
    match err {
        RolesAnywhereError::Validation { message } => WireError::sender(400, "ValidationException", message),
        RolesAnywhereError::TooManyTags { message } => {
            WireError::sender(400, "TooManyTagsException", message)
        }
        RolesAnywhereError::NotFound { message } => {
            WireError::sender(404, "ResourceNotFoundException", message)
        }
        RolesAnywhereError::AccessDenied { message } => {
            WireError::sender(403, "AccessDeniedException", message)
        }
        RolesAnywhereError::Service(inner) => super::service_error(inner, spec),
    }
}

#[cfg(test)]
mod tests {
    use strongroom_service::ServiceError;

    use super::*;
    use crate::protocol;

    #[test]
    fn each_error_has_its_code_and_status() {
        let spec = protocol::by_name("rolesanywhere").unwrap_or(protocol::SERVICES[0]);
        let m = || "m".to_owned();
        let cases = [
            (
                RolesAnywhereError::Validation { message: m() },
                400,
                "ValidationException",
            ),
            (
                RolesAnywhereError::TooManyTags { message: m() },
                400,
                "TooManyTagsException",
            ),
            (
                RolesAnywhereError::NotFound { message: m() },
                404,
                "ResourceNotFoundException",
            ),
            (
                RolesAnywhereError::AccessDenied { message: m() },
                403,
                "AccessDeniedException",
            ),
            (
                RolesAnywhereError::Service(ServiceError::AccessDenied { message: m() }),
                403,
                "AccessDeniedException",
            ),
            (
                RolesAnywhereError::Service(ServiceError::Internal {
                    context: "x",
                    source: None,
                }),
                500,
                "InternalServerException",
            ),
        ];
        for (err, status, code) in cases {
            let wire = rolesanywhere_error(&err, spec);
            assert_eq!((wire.status, wire.code.as_str()), (status, code), "{err:?}");
        }
    }
}
