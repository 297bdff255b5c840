//! AWS4-X509 signatures (IAM Roles Anywhere `CreateSession`): `AWS4-X509-RSA-SHA256` and
//! `AWS4-X509-ECDSA-SHA256`. Same canonical request as SigV4 (this module reuses it); the key is the
//! private key of an X.509 certificate sent in `X-Amz-X509`, and the credential is its decimal serial.
//!
//! # For the CreateSession handler
//!
//! ```text
//! let auth = x509::parse_x509_auth(&req)?;             // no certificate work yet
//! // check auth.scope().region against the server / ARNs
//! let verified = x509::verify_x509(&req, &auth, now)?; // date, skew, headers, body, serial, signature
//! let path = trust_store.validate(verified.leaf(), verified.chain(), now)?; // strongroom_crypto::x509
//! ```
//!
//! Only [`verify_x509`] makes an [`X509Verified`], and it owns the leaf that the signature was checked
//! with, so the certificate that is path-validated and mapped to tags is the one that signed.
//! Helpers and tests sign with [`sign_x509`].

use std::borrow::Cow;
use std::fmt;

use strongroom_crypto::hash::{Sha256, sha256_hex};
use strongroom_crypto::x509::{
    Certificate, CertificateCache, KeyType, PrivateKey, X509Error, chain_header_value, parse_chain_header,
};
use time::{Duration, OffsetDateTime};

use crate::canonical::{canonical_request_prefix, string_to_sign_for_algorithm};
use crate::error::MAX_SKEW_SECS;
use crate::parse::{AuthLocation, CredentialScope, check_signed_headers, parse_credential};
use crate::request::{SignableRequest, trim_ows, unique_header};
use crate::time_fmt::{AmzDate, parse_amz_date};

/// The algorithm name for RSA certificates.
pub const RSA_ALGORITHM: &str = "AWS4-X509-RSA-SHA256";
/// The algorithm name for EC (P-256, P-384) certificates.
pub const ECDSA_ALGORITHM: &str = "AWS4-X509-ECDSA-SHA256";
/// The service name in the credential scope.
pub const SERVICE: &str = "rolesanywhere";
/// The longest signature accepted, in bytes (RSA-8192).
const MAX_SIGNATURE_BYTES: usize = 1024;

/// The key family an AWS4-X509 signature claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum X509Algorithm {
    /// `AWS4-X509-RSA-*`: RSASSA-PKCS1-v1_5 over SHA-256.
    Rsa,
    /// `AWS4-X509-ECDSA-*`: ECDSA over SHA-256, DER signature.
    Ecdsa,
}

impl X509Algorithm {
    /// The algorithm our signer uses for a key type.
    pub fn for_key(key_type: KeyType) -> Self {
        match key_type {
            KeyType::Rsa { .. } => Self::Rsa,
            KeyType::EcP256 | KeyType::EcP384 => Self::Ecdsa,
        }
    }

    /// The algorithm name our signer writes.
    pub fn name(self) -> &'static str {
        match self {
            Self::Rsa => RSA_ALGORITHM,
            Self::Ecdsa => ECDSA_ALGORITHM,
        }
    }
}

/// Why an AWS4-X509 request was refused. No variant carries a signature or key; `Display` is safe to log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum X509AuthError {
    /// No `Authorization` header.
    #[error("request is not signed")]
    Missing,
    /// The `Authorization` header or a header it depends on is malformed.
    #[error("malformed authorization: {reason}")]
    Malformed { reason: Cow<'static, str> },
    /// The algorithm is not an AWS4-X509 one (e.g. `AWS4-HMAC-SHA256`).
    #[error("unsupported signing algorithm")]
    UnsupportedAlgorithm,
    /// The scope's service is not `rolesanywhere`.
    #[error("credential scope service must be rolesanywhere")]
    WrongService,
    /// The scope date is not the date of `X-Amz-Date`.
    #[error("credential scope date does not match X-Amz-Date")]
    ScopeDateMismatch,
    /// `X-Amz-Date` is more than 5 minutes after `now`.
    #[error("signature not yet current")]
    NotYetValid {
        request_time: OffsetDateTime,
        now: OffsetDateTime,
    },
    /// `X-Amz-Date` is more than 5 minutes before `now`.
    #[error("signature expired")]
    Expired {
        request_time: OffsetDateTime,
        now: OffsetDateTime,
    },
    /// A header that must be signed (`host`, `x-amz-date`, `x-amz-x509`, `x-amz-x509-chain` when sent) is
    /// not in SignedHeaders.
    #[error("header {header} must be signed")]
    RequiredHeaderNotSigned { header: &'static str },
    /// A header named in SignedHeaders is not in the request.
    #[error("signed header {header} is missing from the request")]
    SignedHeaderMissing { header: String },
    /// `X-Amz-X509` or `X-Amz-X509-Chain` does not hold certificates.
    #[error("certificate header: {0}")]
    Certificate(X509Error),
    /// The decimal serial in `Credential` is not the certificate's serial.
    #[error("credential serial does not match the certificate")]
    SerialMismatch,
    /// RSA algorithm with an EC certificate or the reverse, or an unsupported key.
    #[error("signing algorithm does not match the certificate's key type")]
    KeyTypeMismatch,
    /// `x-amz-content-sha256` does not match the body.
    #[error("x-amz-content-sha256 does not match the request body")]
    PayloadHashMismatch,
    /// The signature does not verify under the certificate's key.
    #[error("signature does not match")]
    SignatureMismatch,
    /// Signing failed (helper side).
    #[error("signing failed: {0}")]
    Signing(X509Error),
}

impl X509AuthError {
    fn malformed(reason: &'static str) -> Self {
        Self::Malformed {
            reason: Cow::Borrowed(reason),
        }
    }

    /// True when the request is malformed (a `ValidationException` in AWS's terms) rather than carrying
    /// a signature that was checked and refused (`AccessDeniedException`).
    pub fn is_client_input(&self) -> bool {
        match self {
            Self::Malformed { .. } | Self::Missing => true,
            Self::Certificate(e) => e.is_client_input(),
            _ => false,
        }
    }
}

/// What an AWS4-X509 request claims, parsed without touching the certificate.
#[derive(Clone, PartialEq, Eq)]
pub struct X509AuthInfo {
    label: String,
    algorithm: X509Algorithm,
    serial: String,
    scope: CredentialScope,
    signed_headers: String,
    signature: Vec<u8>,
    request_time: OffsetDateTime,
}

impl fmt::Debug for X509AuthInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("X509AuthInfo")
            .field("label", &self.label)
            .field("serial", &self.serial)
            .field("scope", &self.scope)
            .field("signed_headers", &self.signed_headers)
            .field("request_time", &self.request_time)
            .finish_non_exhaustive()
    }
}

impl X509AuthInfo {
    /// The algorithm label as sent (`AWS4-X509-ECDSA-SHA256`, or a `-SHA384`/`-SHA512` variant).
    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn algorithm(&self) -> X509Algorithm {
        self.algorithm
    }

    /// The certificate serial from `Credential`, in decimal without leading zeros.
    pub fn serial_decimal(&self) -> &str {
        &self.serial
    }

    pub fn scope(&self) -> &CredentialScope {
        &self.scope
    }

    /// The signed header names as sent: lowercase, sorted, `;`-joined.
    pub fn signed_headers_str(&self) -> &str {
        &self.signed_headers
    }

    /// `X-Amz-Date`.
    pub fn request_time(&self) -> OffsetDateTime {
        self.request_time
    }
}

/// True when the `Authorization` header names an AWS4-X509 algorithm: the dispatcher's test for
/// routing a request to CreateSession instead of SigV4.
pub fn is_x509_request(req: &SignableRequest<'_>) -> bool {
    matches!(unique_header(req.headers, "authorization"), Ok(Some(v)) if trim_ows(v).starts_with("AWS4-X509-"))
}

/// Reads the AWS4-X509 `Authorization` header and `X-Amz-Date`.
///
/// Accepts `AWS4-X509-RSA-SHA256` and `AWS4-X509-ECDSA-SHA256`, and the `-SHA384`/`-SHA512` labels the
/// PyPI client derives from its certificate's own signature hash (always verified with SHA-256: the
/// label is only part of the string to sign).
pub fn parse_x509_auth(req: &SignableRequest<'_>) -> Result<X509AuthInfo, X509AuthError> {
    let value = unique_header(req.headers, "authorization")
        .map_err(|()| X509AuthError::malformed("Authorization header must occur only once."))?
        .ok_or(X509AuthError::Missing)?;
    let value = trim_ows(value);
    let (label, params) = value.split_once([' ', '\t']).unwrap_or((value, ""));
    let algorithm = parse_label(label)?;

    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for component in params.split(',').map(trim_ows).filter(|c| !c.is_empty()) {
        let (key, val) = component.split_once('=').ok_or(X509AuthError::malformed(
            "Authorization components must have the form key=value.",
        ))?;
        let slot = match key {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => {
                return Err(X509AuthError::malformed(
                    "Authorization header has an unknown component.",
                ));
            }
        };
        if slot.replace(val).is_some() {
            return Err(X509AuthError::malformed(
                "Authorization header repeats a component.",
            ));
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) = (credential, signed_headers, signature)
    else {
        return Err(X509AuthError::malformed(
            "Authorization header requires Credential, SignedHeaders and Signature.",
        ));
    };
    let (serial, scope) = parse_credential(credential).map_err(X509AuthError::malformed)?;
    let serial = normalise_decimal(serial)?;
    check_signed_headers(signed_headers).map_err(X509AuthError::malformed)?;
    let signature = decode_hex(signature)?;
    let date = unique_header(req.headers, "x-amz-date")
        .map_err(|()| X509AuthError::malformed("X-Amz-Date header must occur only once."))?
        .ok_or(X509AuthError::malformed("X-Amz-Date header is required."))?;
    let request_time = parse_amz_date(trim_ows(date)).ok_or(X509AuthError::malformed(
        "X-Amz-Date must be in ISO 8601 basic format (yyyyMMdd'T'HHmmss'Z').",
    ))?;
    Ok(X509AuthInfo {
        label: label.to_owned(),
        algorithm,
        serial,
        scope,
        signed_headers: signed_headers.to_owned(),
        signature,
        request_time,
    })
}

fn parse_label(label: &str) -> Result<X509Algorithm, X509AuthError> {
    let rest = label
        .strip_prefix("AWS4-X509-")
        .ok_or(X509AuthError::UnsupportedAlgorithm)?;
    let (family, hash) = rest.split_once('-').ok_or(X509AuthError::UnsupportedAlgorithm)?;
    if !matches!(hash, "SHA256" | "SHA384" | "SHA512") {
        return Err(X509AuthError::UnsupportedAlgorithm);
    }
    match family {
        "RSA" => Ok(X509Algorithm::Rsa),
        "ECDSA" => Ok(X509Algorithm::Ecdsa),
        _ => Err(X509AuthError::UnsupportedAlgorithm),
    }
}

/// A decimal serial (optionally negative) without leading zeros; at most 50 digits (20 octets need 49).
fn normalise_decimal(serial: &str) -> Result<String, X509AuthError> {
    let (sign, digits) = match serial.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", serial),
    };
    if digits.is_empty() || digits.len() > 50 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(X509AuthError::malformed(
            "Credential must start with the certificate's serial number in decimal.",
        ));
    }
    let trimmed = digits.trim_start_matches('0');
    Ok(if trimmed.is_empty() {
        "0".to_owned()
    } else {
        format!("{sign}{trimmed}")
    })
}

fn decode_hex(signature: &str) -> Result<Vec<u8>, X509AuthError> {
    const BAD: &str = "Signature must be an even number of lowercase hexadecimal digits.";
    let bytes = signature.as_bytes();
    if bytes.is_empty() || !bytes.len().is_multiple_of(2) || bytes.len() > MAX_SIGNATURE_BYTES * 2 {
        return Err(X509AuthError::malformed(BAD));
    }
    let nibble = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    };
    bytes
        .chunks(2)
        .map(|pair| match pair {
            [hi, lo] => Some((nibble(*hi)? << 4) | nibble(*lo)?),
            _ => None,
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or(X509AuthError::malformed(BAD))
}

/// Proof that an AWS4-X509 request verified, with the certificates it carried. Only [`verify_x509`]
/// makes one.
#[derive(Debug, Clone)]
pub struct X509Verified {
    leaf: Certificate,
    chain: Vec<Certificate>,
    scope: CredentialScope,
    request_time: OffsetDateTime,
}

impl X509Verified {
    /// The certificate whose key signed the request (from `X-Amz-X509`).
    pub fn leaf(&self) -> &Certificate {
        &self.leaf
    }

    /// The certificates of `X-Amz-X509-Chain`, in the order sent (possibly empty, possibly holding the
    /// leaf or the root): pass them to path validation as the intermediate pool.
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    pub fn scope(&self) -> &CredentialScope {
        &self.scope
    }

    pub fn request_time(&self) -> OffsetDateTime {
        self.request_time
    }
}

/// Verifies an AWS4-X509 request at `now`, in this order: scope service and date, ±5 minute skew, the
/// required signed headers (`host`, `x-amz-date`, `x-amz-x509`, and `x-amz-x509-chain` when present)
/// and that every signed header is present, `x-amz-content-sha256` (if sent) against the body, the
/// certificates in `X-Amz-X509`/`X-Amz-X509-Chain`, serial, key type, and the signature.
///
/// It does not validate the certificate path: that is `strongroom_crypto::x509::TrustStore::validate`
/// with [`X509Verified::leaf`] and [`X509Verified::chain`].
pub fn verify_x509(
    req: &SignableRequest<'_>,
    auth: &X509AuthInfo,
    now: OffsetDateTime,
) -> Result<X509Verified, X509AuthError> {
    verify_x509_parsing_with(req, auth, now, None)
}

/// [`verify_x509`], taking the certificates' parsed form from `certificates` when it has seen them (a server
/// keeps one; parsing is a large part of a request's cost). The result is the same as without the cache.
pub fn verify_x509_cached(
    req: &SignableRequest<'_>,
    auth: &X509AuthInfo,
    now: OffsetDateTime,
    certificates: &CertificateCache,
) -> Result<X509Verified, X509AuthError> {
    verify_x509_parsing_with(req, auth, now, Some(certificates))
}

fn verify_x509_parsing_with(
    req: &SignableRequest<'_>,
    auth: &X509AuthInfo,
    now: OffsetDateTime,
    certificates: Option<&CertificateCache>,
) -> Result<X509Verified, X509AuthError> {
    if auth.scope.service != SERVICE {
        return Err(X509AuthError::WrongService);
    }
    let amz_date = AmzDate::new(auth.request_time);
    if auth.scope.date != amz_date.date() {
        return Err(X509AuthError::ScopeDateMismatch);
    }
    check_skew(auth.request_time, now)?;

    let signed = |name: &str| auth.signed_headers.split(';').any(|h| h == name);
    let chain_header = unique_header(req.headers, "x-amz-x509-chain")
        .map_err(|()| X509AuthError::malformed("X-Amz-X509-Chain header must occur only once."))?;
    for required in ["host", "x-amz-date", "x-amz-x509"] {
        if !signed(required) {
            return Err(X509AuthError::RequiredHeaderNotSigned { header: required });
        }
    }
    if chain_header.is_some() && !signed("x-amz-x509-chain") {
        return Err(X509AuthError::RequiredHeaderNotSigned {
            header: "x-amz-x509-chain",
        });
    }
    for name in auth.signed_headers.split(';') {
        if !req.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            return Err(X509AuthError::SignedHeaderMissing {
                header: name.to_owned(),
            });
        }
    }

    let body_hash = sha256_hex(req.body);
    let claimed_hash = unique_header(req.headers, "x-amz-content-sha256")
        .map_err(|()| X509AuthError::malformed("X-Amz-Content-SHA256 header must occur only once."))?;
    if claimed_hash.is_some_and(|claimed| trim_ows(claimed) != body_hash) {
        return Err(X509AuthError::PayloadHashMismatch);
    }

    let leaf_header = unique_header(req.headers, "x-amz-x509")
        .map_err(|()| X509AuthError::malformed("X-Amz-X509 header must occur only once."))?
        .ok_or(X509AuthError::malformed("X-Amz-X509 header is required."))?;
    let leaf = match certificates {
        Some(cache) => cache.from_base64_der(trim_ows(leaf_header)),
        None => Certificate::from_base64_der(trim_ows(leaf_header)),
    }
    .map_err(X509AuthError::Certificate)?;
    let chain = match (chain_header, certificates) {
        (Some(value), Some(cache)) => cache.parse_chain_header(trim_ows(value)),
        (Some(value), None) => parse_chain_header(trim_ows(value)),
        (None, _) => Ok(Vec::new()),
    }
    .map_err(X509AuthError::Certificate)?;
    if leaf.serial_decimal() != auth.serial {
        return Err(X509AuthError::SerialMismatch);
    }
    let key_type = leaf.key_type().map_err(|_| X509AuthError::KeyTypeMismatch)?;
    if X509Algorithm::for_key(key_type) != auth.algorithm {
        return Err(X509AuthError::KeyTypeMismatch);
    }

    let string_to_sign = build_string_to_sign(
        req,
        &auth.label,
        &auth.signed_headers,
        amz_date,
        &auth.scope,
        &body_hash,
    );
    leaf.verify_sha256_signature(string_to_sign.as_bytes(), &auth.signature)
        .map_err(|_| X509AuthError::SignatureMismatch)?;
    Ok(X509Verified {
        leaf,
        chain,
        scope: auth.scope.clone(),
        request_time: auth.request_time,
    })
}

fn check_skew(request_time: OffsetDateTime, now: OffsetDateTime) -> Result<(), X509AuthError> {
    let skew = Duration::seconds(MAX_SKEW_SECS);
    if now.checked_add(skew).is_none_or(|latest| request_time > latest) {
        return Err(X509AuthError::NotYetValid { request_time, now });
    }
    if now
        .checked_sub(skew)
        .is_none_or(|earliest| request_time < earliest)
    {
        return Err(X509AuthError::Expired { request_time, now });
    }
    Ok(())
}

fn build_string_to_sign(
    req: &SignableRequest<'_>,
    label: &str,
    signed_headers: &str,
    amz_date: AmzDate,
    scope: &CredentialScope,
    payload_hash: &str,
) -> String {
    let prefix = canonical_request_prefix(req, AuthLocation::Header, signed_headers);
    let mut hasher = Sha256::new();
    hasher.update(prefix.as_bytes());
    hasher.update(payload_hash.as_bytes());
    string_to_sign_for_algorithm(label, amz_date, scope, &hasher.finish())
}

/// The AWS4-X509 string to sign for a canonical request (built with [`crate::canonical_request`] and
/// [`AuthLocation::Header`]): `label`, `X-Amz-Date`, scope, hex SHA-256 of the canonical request.
pub fn x509_string_to_sign(
    label: &str,
    request_time: OffsetDateTime,
    scope: &CredentialScope,
    canonical_request: &str,
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(canonical_request.as_bytes());
    string_to_sign_for_algorithm(label, AmzDate::new(request_time), scope, &hasher.finish())
}

/// Who signs an AWS4-X509 request, for which region, when.
#[derive(Debug, Clone, Copy)]
pub struct X509SigningParams<'a> {
    /// The end-entity certificate (`X-Amz-X509`); its serial is the credential.
    pub certificate: &'a Certificate,
    /// Sent as `X-Amz-X509-Chain` when not empty.
    pub chain: &'a [Certificate],
    pub key: &'a PrivateKey,
    pub region: &'a str,
    pub time: OffsetDateTime,
}

/// Headers the signer sets itself.
const SIGNER_HEADERS: [&str; 4] = ["authorization", "x-amz-date", "x-amz-x509", "x-amz-x509-chain"];
/// Headers left unsigned, as the Go helper and the PyPI client do.
const UNSIGNED_HEADERS: [&str; 5] = [
    "user-agent",
    "expect",
    "x-amzn-trace-id",
    "content-length",
    "connection",
];

/// The headers [`sign_x509`] adds: `x-amz-date`, `x-amz-x509`, optionally `x-amz-x509-chain`, and
/// `authorization`. Replace any of the request's own headers of the same names.
#[derive(Clone, PartialEq, Eq)]
pub struct X509SignedHeaders {
    headers: Vec<(&'static str, String)>,
}

impl X509SignedHeaders {
    pub fn headers(&self) -> &[(&'static str, String)] {
        &self.headers
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for X509SignedHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| *n).collect();
        write!(f, "X509SignedHeaders({names:?})")
    }
}

/// Signs `req` with AWS4-X509 for service `rolesanywhere`: every header present is signed (except
/// `user-agent`, `expect`, `x-amzn-trace-id`, `content-length`, `connection`) plus the ones added.
/// `req.headers` must include `host`; the key must belong to the certificate.
pub fn sign_x509(
    req: &SignableRequest<'_>,
    params: &X509SigningParams<'_>,
) -> Result<X509SignedHeaders, X509AuthError> {
    params
        .key
        .matches(params.certificate)
        .map_err(X509AuthError::Signing)?;
    let algorithm = X509Algorithm::for_key(params.key.key_type());
    let amz_date = AmzDate::new(params.time);
    let scope = CredentialScope {
        date: amz_date.date().to_owned(),
        region: params.region.to_owned(),
        service: SERVICE.to_owned(),
    };
    let mut added: Vec<(&'static str, String)> = vec![
        ("x-amz-date", amz_date.as_str().to_owned()),
        ("x-amz-x509", params.certificate.to_base64_der()),
    ];
    if !params.chain.is_empty() {
        added.push(("x-amz-x509-chain", chain_header_value(params.chain)));
    }
    let mut headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .copied()
        .filter(|(n, _)| {
            !SIGNER_HEADERS
                .iter()
                .chain(&UNSIGNED_HEADERS)
                .any(|h| n.eq_ignore_ascii_case(h))
        })
        .collect();
    headers.extend(added.iter().map(|(n, v)| (*n, v.as_str())));
    let mut names: Vec<String> = headers.iter().map(|(n, _)| n.to_ascii_lowercase()).collect();
    names.sort_unstable();
    names.dedup();
    let signed_headers = names.join(";");
    let with_added = SignableRequest {
        headers: &headers,
        ..*req
    };
    let string_to_sign = build_string_to_sign(
        &with_added,
        algorithm.name(),
        &signed_headers,
        amz_date,
        &scope,
        &sha256_hex(req.body),
    );
    let signature = params
        .key
        .sign_sha256(string_to_sign.as_bytes())
        .map_err(X509AuthError::Signing)?;
    added.push((
        "authorization",
        format!(
            "{} Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={}",
            algorithm.name(),
            params.certificate.serial_decimal(),
            strongroom_crypto::hash::to_hex(&signature)
        ),
    ));
    Ok(X509SignedHeaders { headers: added })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(parse_label("AWS4-X509-RSA-SHA256"), Ok(X509Algorithm::Rsa));
        assert_eq!(parse_label("AWS4-X509-ECDSA-SHA256"), Ok(X509Algorithm::Ecdsa));
        assert_eq!(parse_label("AWS4-X509-ECDSA-SHA384"), Ok(X509Algorithm::Ecdsa));
        for bad in [
            "AWS4-HMAC-SHA256",
            "AWS4-X509-DSA-SHA256",
            "AWS4-X509-RSA-MD5",
            "AWS4-X509-RSA",
            "",
        ] {
            assert_eq!(
                parse_label(bad),
                Err(X509AuthError::UnsupportedAlgorithm),
                "{bad}"
            );
        }
    }

    #[test]
    fn serials_and_signatures() {
        assert_eq!(normalise_decimal("12345").unwrap(), "12345");
        assert_eq!(normalise_decimal("0012345").unwrap(), "12345");
        assert_eq!(normalise_decimal("000").unwrap(), "0");
        assert_eq!(normalise_decimal("-5").unwrap(), "-5");
        for bad in ["", "-", "3039a", "0x3039", &"9".repeat(51)] {
            assert!(normalise_decimal(bad).is_err(), "{bad}");
        }
        assert_eq!(decode_hex("00ff10").unwrap(), vec![0, 255, 16]);
        for bad in ["", "0", "0G", "AB", &"a".repeat(2050)] {
            assert!(decode_hex(bad).is_err(), "{bad}");
        }
    }
}
