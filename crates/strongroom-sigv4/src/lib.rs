//! AWS Signature Version 4 (`AWS4-HMAC-SHA256`): signing and verification, sans-IO. [`x509`] does the same
//! for AWS4-X509 (IAM Roles Anywhere) signatures made with a certificate's private key.
//!
//! The server's flow is [`parse_auth`] (no secret needed) → look up the secret for
//! [`AuthInfo::access_key_id`] and check the scope's region and service → [`derive_signing_key`] →
//! [`verify`]. Time is always a parameter. Canonicalisation follows the non-S3 rules of botocore and the
//! AWS SDKs: the path is normalised and encoded a second time.

mod canonical;
mod error;
mod key;
mod parse;
mod request;
mod sign;
mod time_fmt;
mod verify;
pub mod x509;

pub use canonical::{
    ALGORITHM, RedactedCanonicalRequest, UNSIGNED_PAYLOAD, canonical_request, string_to_sign,
};
pub use error::{MAX_SKEW_SECS, SigV4Error};
pub use key::{SigningKey, derive_signing_key};
pub use parse::{AuthInfo, AuthLocation, CredentialScope, MAX_PRESIGNED_EXPIRES_SECS, parse_auth};
pub use request::SignableRequest;
pub use sign::{
    PayloadSigning, SignedHeaders, SigningParams, SigningSettings, presign, sign_headers, sign_headers_with,
};
pub use verify::{Verified, verify};
