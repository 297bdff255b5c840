//! CreateSession: verifies an AWS4-X509 request and mints a role session for its certificate.
//!
//! Until the X.509 layer lands this module only holds the input checks the control plane shares.

use super::RolesAnywhereError;

/// A CERTIFICATE_BUNDLE source must hold at least one PEM certificate.
pub(crate) fn check_certificate_bundle(pem: &str) -> Result<(), RolesAnywhereError> {
    if pem.contains("-----BEGIN CERTIFICATE-----") {
        Ok(())
    } else {
        Err(RolesAnywhereError::validation(
            "x509CertificateData must hold PEM certificates",
        ))
    }
}

/// An imported CRL must be a CRL (PEM or DER).
pub(crate) fn check_crl(data: &[u8]) -> Result<(), RolesAnywhereError> {
    if data.is_empty() {
        return Err(RolesAnywhereError::validation("crlData must be a CRL"));
    }
    Ok(())
}
