//! Secrets Manager errors on the wire.

use strongroom_api::WireError;

/// Placeholder until the Secrets Manager service defines its errors.
pub fn secrets_error(message: &str) -> WireError {
    WireError::new(500, "InternalServiceError", message)
}
