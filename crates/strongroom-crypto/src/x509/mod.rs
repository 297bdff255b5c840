//! X.509 for IAM Roles Anywhere: certificates (DER, PEM, the `X-Amz-X509*` header forms), the fields and
//! principal tags a session is built from, SHA-256 signatures under a certificate's key, path
//! validation with CRLs (rustls-webpki), and private keys for the signing helper. Sans-IO; time is an
//! argument.
//!
//! # For the CreateSession handler
//!
//! 1. Once per trust anchor configuration (cache it; rebuild when the anchor, its CA or its CRLs
//!    change): [`TrustStore::from_pem_bundle`] for a CERTIFICATE_BUNDLE source, or
//!    [`TrustStore::new`]`(vec![Certificate::from_pem(ca_pem)?])` for a Strongroom CA, then
//!    [`TrustStore::with_crls`] with every enabled CRL ([`Crl::from_pem_or_der`]; a CA's own CRL DER).
//! 2. Per request: `strongroom_sigv4::x509::parse_x509_auth` then `strongroom_sigv4::x509::verify_x509`
//!    (which parses `X-Amz-X509` and `X-Amz-X509-Chain` and checks the signature with the leaf), and
//!    then [`TrustStore::validate`]`(verified.leaf(), verified.chain(), now)`.
//! 3. From the leaf ([`Certificate`]): [`Certificate::principal_tags`] (session tags / trust-policy
//!    conditions), [`Certificate::serial_hex`] (default role session name),
//!    `subject().common_name()` (source identity), `subject().to_string()` / `issuer().to_string()`
//!    (the subject record), [`Certificate::to_pem`], [`Certificate::not_after`].
//! 4. Errors: every [`X509Error`] but `Malformed` is a refused identity (`AccessDeniedException`,
//!    e.g. "Untrusted Signing Certificate"); `Malformed` is bad input (`ValidationException`).

mod cache;
mod cert;
mod error;
mod key;
mod path;
pub mod pem;
#[cfg(any(test, feature = "testpki"))]
pub mod testpki;

pub use cache::CertificateCache;
pub use cert::{
    Certificate, DistinguishedName, KeyType, KeyUsageBits, MAX_CHAIN_CERTIFICATES, SubjectAltNames,
    chain_header_value, parse_chain_header, serial_to_decimal,
};
pub use error::X509Error;
pub use key::PrivateKey;
pub use path::{Crl, TrustStore, ValidatedPath};

#[cfg(test)]
mod tests;
