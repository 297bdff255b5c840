//! KMS errors on the wire.

use strongroom_api::WireError;

/// Placeholder until the KMS service defines its errors.
pub fn kms_error(message: &str) -> WireError {
    WireError::new(500, "KMSInternalException", message)
}
