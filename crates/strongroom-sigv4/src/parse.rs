//! Reading a request's SigV4 claims (who, when, what was signed) before any secret is looked up.

use std::borrow::Cow;
use std::fmt;

use percent_encoding::percent_decode_str;
use strongroom_types::AccessKeyId;
use time::OffsetDateTime;

use crate::canonical::ALGORITHM;
use crate::error::SigV4Error;
use crate::request::{SignableRequest, trim_ows, unique_header};
use crate::time_fmt::{parse_amz_date, parse_http_date};

/// The longest `X-Amz-Expires` AWS accepts: seven days.
pub const MAX_PRESIGNED_EXPIRES_SECS: u32 = 604_800;

/// Where the signature travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthLocation {
    /// The `Authorization` header.
    Header,
    /// A presigned URL's `X-Amz-*` query parameters.
    Query,
}

/// The scope a signing key is derived for: `date/region/service/aws4_request`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CredentialScope {
    /// `yyyymmdd`.
    pub date: String,
    pub region: String,
    pub service: String,
}

impl fmt::Display for CredentialScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}/aws4_request", self.date, self.region, self.service)
    }
}

/// What a request claims about its signature, parsed without the secret.
///
/// Only [`parse_auth`] creates one, so every field is known to be well formed. The caller still has to
/// check that the scope's region and service are its own before deriving the key for [`crate::verify`].
#[derive(Clone, PartialEq, Eq)]
pub struct AuthInfo {
    access_key_id: AccessKeyId,
    scope: CredentialScope,
    signed_headers: String,
    signature: String,
    request_time: OffsetDateTime,
    session_token: Option<String>,
    location: AuthLocation,
    expires_secs: Option<u32>,
}

impl AuthInfo {
    pub fn access_key_id(&self) -> &AccessKeyId {
        &self.access_key_id
    }

    pub fn scope(&self) -> &CredentialScope {
        &self.scope
    }

    /// The signed header names: lowercase, sorted, unique.
    pub fn signed_headers(&self) -> impl Iterator<Item = &str> {
        self.signed_headers.split(';')
    }

    /// The signed header names as sent: `host;x-amz-date`.
    pub fn signed_headers_str(&self) -> &str {
        &self.signed_headers
    }

    /// The presented signature: 64 lowercase hex digits.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// From `X-Amz-Date` (header or query), or the `Date` header for header auth.
    pub fn request_time(&self) -> OffsetDateTime {
        self.request_time
    }

    /// `X-Amz-Security-Token` from the header (header auth) or the query (presigned).
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }

    pub fn location(&self) -> AuthLocation {
        self.location
    }

    /// `X-Amz-Expires` for presigned requests, within 1..=604800.
    pub fn expires_secs(&self) -> Option<u32> {
        self.expires_secs
    }
}

impl fmt::Debug for AuthInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthInfo")
            .field("access_key_id", &self.access_key_id)
            .field("scope", &self.scope)
            .field("signed_headers", &self.signed_headers)
            .field("signature", &"<redacted>")
            .field("request_time", &self.request_time)
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("location", &self.location)
            .field("expires_secs", &self.expires_secs)
            .finish()
    }
}

/// Finds and parses the request's SigV4 authentication: the `Authorization` header or a presigned query.
///
/// Strict and total: any duplicate, missing or malformed part is an error naming it; nothing panics.
pub fn parse_auth(req: &SignableRequest<'_>) -> Result<AuthInfo, SigV4Error> {
    let authorization = unique_header(req.headers, "authorization")
        .map_err(|()| SigV4Error::malformed("Authorization header must occur only once."))?;
    let presigned = query_has_auth(req.query);
    match (authorization, presigned) {
        (Some(_), true) => Err(SigV4Error::ConflictingAuth),
        (Some(value), false) => parse_header_auth(req, value),
        (None, true) => parse_query_auth(req),
        (None, false) => Err(SigV4Error::Missing),
    }
}

/// The parameters whose presence makes a request a presigned one.
fn query_has_auth(query: &str) -> bool {
    query_pairs(query).any(|(name, _)| {
        matches!(
            &*name,
            b"X-Amz-Algorithm" | b"X-Amz-Credential" | b"X-Amz-Signature"
        )
    })
}

/// Raw query pairs with decoded names; values are left encoded.
fn query_pairs(query: &str) -> impl Iterator<Item = (Cow<'_, [u8]>, &str)> {
    query.split('&').filter(|p| !p.is_empty()).map(|piece| {
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        (percent_decode_str(name).into(), value)
    })
}

fn unsupported(algorithm: &str) -> SigV4Error {
    let mut end = algorithm.len().min(32);
    while !algorithm.is_char_boundary(end) {
        end -= 1;
    }
    SigV4Error::UnsupportedAlgorithm {
        algorithm: algorithm.get(..end).unwrap_or("").to_owned(),
    }
}

fn parse_header_auth(req: &SignableRequest<'_>, value: &str) -> Result<AuthInfo, SigV4Error> {
    let value = trim_ows(value);
    let (algorithm, params) = value.split_once([' ', '\t']).unwrap_or((value, ""));
    if algorithm != ALGORITHM {
        return Err(unsupported(algorithm));
    }

    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    let params = trim_ows(params);
    if !params.is_empty() {
        // AWS accepts "a=1, b=2" and "a=1,b=2"; whitespace around each component is insignificant.
        for component in params.split(',').map(trim_ows) {
            let Some((key, val)) = component.split_once('=') else {
                return Err(SigV4Error::malformed(
                    "Authorization header components must have the form key=value.",
                ));
            };
            let (slot, name) = match key {
                "Credential" => (&mut credential, "Credential"),
                "SignedHeaders" => (&mut signed_headers, "SignedHeaders"),
                "Signature" => (&mut signature, "Signature"),
                _ => {
                    return Err(SigV4Error::malformed(
                        "Authorization header has an unknown component; expected Credential, SignedHeaders \
                         and Signature.",
                    ));
                }
            };
            if slot.replace(val).is_some() {
                return Err(SigV4Error::Malformed {
                    reason: format!("Authorization header has duplicate '{name}' parameter.").into(),
                });
            }
        }
    }

    let date_header = unique_header(req.headers, "x-amz-date")
        .map_err(|()| SigV4Error::malformed("X-Amz-Date header must occur only once."))?;
    let fallback_date = match date_header {
        Some(_) => None,
        None => unique_header(req.headers, "date")
            .map_err(|()| SigV4Error::malformed("Date header must occur only once."))?,
    };

    // AWS names every missing part at once, in this order.
    let mut missing = String::new();
    if credential.is_none() {
        missing.push_str("Authorization header requires 'Credential' parameter. ");
    }
    if signature.is_none() {
        missing.push_str("Authorization header requires 'Signature' parameter. ");
    }
    if signed_headers.is_none() {
        missing.push_str("Authorization header requires 'SignedHeaders' parameter. ");
    }
    if date_header.is_none() && fallback_date.is_none() {
        missing.push_str(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
        );
    }
    if !missing.is_empty() {
        missing.truncate(missing.trim_end().len());
        return Err(SigV4Error::Malformed {
            reason: missing.into(),
        });
    }
    let (Some(credential), Some(signature), Some(signed_headers)) = (credential, signature, signed_headers)
    else {
        return Err(SigV4Error::malformed("Authorization header is incomplete."));
    };

    let (access_key_id, scope) = parse_credential(credential).map_err(SigV4Error::malformed)?;
    check_signed_headers(signed_headers).map_err(SigV4Error::malformed)?;
    check_signature(signature).map_err(SigV4Error::malformed)?;

    let request_time = match (date_header, fallback_date) {
        (Some(d), _) => parse_amz_date(trim_ows(d)).ok_or_else(|| {
            SigV4Error::malformed("X-Amz-Date must be in ISO 8601 basic format (yyyyMMdd'T'HHmmss'Z').")
        })?,
        (None, Some(d)) => parse_http_date(trim_ows(d))
            .ok_or_else(|| SigV4Error::malformed("Date must be in RFC 1123 format."))?,
        (None, None) => return Err(SigV4Error::malformed("Authorization header requires a date.")),
    };
    let session_token = unique_header(req.headers, "x-amz-security-token")
        .map_err(|()| SigV4Error::malformed("X-Amz-Security-Token header must occur only once."))?
        .map(|t| trim_ows(t).to_owned());

    Ok(AuthInfo {
        access_key_id: access_key_id
            .parse()
            .map_err(|_| SigV4Error::InvalidAccessKeyId)?,
        scope,
        signed_headers: signed_headers.to_owned(),
        signature: signature.to_owned(),
        request_time,
        session_token,
        location: AuthLocation::Header,
        expires_secs: None,
    })
}

const QUERY_MISSING: &str = "Query-string authentication version 4 requires the X-Amz-Algorithm, \
     X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.";

#[derive(Default)]
struct QueryAuth {
    algorithm: Option<String>,
    credential: Option<String>,
    date: Option<String>,
    expires: Option<String>,
    signed_headers: Option<String>,
    signature: Option<String>,
    token: Option<String>,
}

fn parse_query_auth(req: &SignableRequest<'_>) -> Result<AuthInfo, SigV4Error> {
    let mut q = QueryAuth::default();
    for (name, raw_value) in query_pairs(req.query) {
        let slot = match &*name {
            b"X-Amz-Algorithm" => &mut q.algorithm,
            b"X-Amz-Credential" => &mut q.credential,
            b"X-Amz-Date" => &mut q.date,
            b"X-Amz-Expires" => &mut q.expires,
            b"X-Amz-SignedHeaders" => &mut q.signed_headers,
            b"X-Amz-Signature" => &mut q.signature,
            b"X-Amz-Security-Token" => &mut q.token,
            _ => continue,
        };
        let value = percent_decode_str(raw_value).decode_utf8().map_err(|_| {
            SigV4Error::malformed_query("X-Amz-* query parameters must be UTF-8 once percent-decoded.")
        })?;
        if slot.replace(value.into_owned()).is_some() {
            return Err(SigV4Error::malformed_query(
                "X-Amz-* query parameters must occur only once.",
            ));
        }
    }

    let QueryAuth {
        algorithm: Some(algorithm),
        credential: Some(credential),
        date: Some(date),
        expires: Some(expires),
        signed_headers: Some(signed_headers),
        signature: Some(signature),
        token,
    } = q
    else {
        return Err(SigV4Error::malformed_query(QUERY_MISSING));
    };
    if algorithm != ALGORITHM {
        return Err(unsupported(&algorithm));
    }
    let (access_key_id, scope) = parse_credential(&credential).map_err(SigV4Error::malformed_query)?;
    check_signed_headers(&signed_headers).map_err(SigV4Error::malformed_query)?;
    check_signature(&signature).map_err(SigV4Error::malformed_query)?;
    let request_time = parse_amz_date(&date).ok_or_else(|| {
        SigV4Error::malformed_query("X-Amz-Date must be in ISO 8601 basic format (yyyyMMdd'T'HHmmss'Z').")
    })?;
    if expires.is_empty() || !expires.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SigV4Error::malformed_query("X-Amz-Expires should be a number"));
    }
    // Digits only; anything too long for u64 is certainly too large.
    let seconds = expires.parse::<u64>().unwrap_or(u64::MAX);
    let expires_secs = u32::try_from(seconds)
        .ok()
        .filter(|s| (1..=MAX_PRESIGNED_EXPIRES_SECS).contains(s))
        .ok_or(SigV4Error::InvalidExpires { seconds })?;

    Ok(AuthInfo {
        access_key_id: access_key_id
            .parse()
            .map_err(|_| SigV4Error::InvalidAccessKeyId)?,
        scope,
        signed_headers,
        signature,
        request_time,
        session_token: token,
        location: AuthLocation::Query,
        expires_secs: Some(expires_secs),
    })
}

/// Splits `AKID/yyyymmdd/region/service/aws4_request`.
pub(crate) fn parse_credential(credential: &str) -> Result<(&str, CredentialScope), &'static str> {
    let mut parts = credential.split('/');
    let (Some(akid), Some(date), Some(region), Some(service), Some(terminator), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(
            "Credential should have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term",
        );
    };
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err("Credential should be scoped to a valid date (yyyyMMdd).");
    }
    if !is_scope_name(region) {
        return Err("Credential should be scoped to a valid region.");
    }
    if !is_scope_name(service) {
        return Err("Credential should be scoped to a valid service.");
    }
    if terminator != "aws4_request" {
        return Err("Credential should be scoped with a valid terminator: 'aws4_request'.");
    }
    let scope = CredentialScope {
        date: date.to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
    };
    Ok((akid, scope))
}

/// Region and service names: lowercase letters, digits and hyphens.
fn is_scope_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Signed header names must be lowercase HTTP tokens, sorted and unique, as every signer emits them; a
/// list in any other form could never have produced a valid signature.
pub(crate) fn check_signed_headers(list: &str) -> Result<(), &'static str> {
    let mut previous: Option<&str> = None;
    for name in list.split(';') {
        let token = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !token {
            return Err("SignedHeaders must be a ';'-separated list of lowercase header names.");
        }
        if previous.is_some_and(|p| p >= name) {
            return Err("SignedHeaders must be sorted and must not repeat a header name.");
        }
        previous = Some(name);
    }
    Ok(())
}

fn check_signature(signature: &str) -> Result<(), &'static str> {
    if signature.len() == 64
        && signature
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(())
    } else {
        Err("Signature must be 64 lowercase hexadecimal digits.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials() {
        let (akid, scope) = parse_credential("AKIAIOSFODNN7EXAMPLE/20150830/us-east-1/iam/aws4_request")
            .map_err(|_| ())
            .unwrap();
        assert_eq!(akid, "AKIAIOSFODNN7EXAMPLE");
        assert_eq!(scope.to_string(), "20150830/us-east-1/iam/aws4_request");
        for bad in [
            "",
            "AKID",
            "AKID/20150830/us-east-1/iam",
            "AKID/20150830/us-east-1/iam/aws4_request/",
            "AKID/2015083/us-east-1/iam/aws4_request",
            "AKID/2015083x/us-east-1/iam/aws4_request",
            "AKID/20150830//iam/aws4_request",
            "AKID/20150830/US-EAST-1/iam/aws4_request",
            "AKID/20150830/us-east-1//aws4_request",
            "AKID/20150830/us-east-1/iam/aws4_requesT",
        ] {
            assert!(parse_credential(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn signed_header_lists() {
        assert!(check_signed_headers("host").is_ok());
        assert!(check_signed_headers("content-type;host;x-amz-date").is_ok());
        for bad in [
            "",
            ";",
            "host;",
            ";host",
            "Host",
            "x-amz-date;host",
            "host;host",
            "ho st",
            "host;;x",
        ] {
            assert!(check_signed_headers(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn signatures() {
        assert!(check_signature(&"a".repeat(64)).is_ok());
        assert!(check_signature(&"A".repeat(64)).is_err());
        assert!(check_signature(&"a".repeat(63)).is_err());
        assert!(check_signature(&"g".repeat(64)).is_err());
    }
}
