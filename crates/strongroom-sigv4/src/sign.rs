//! Signing requests (header auth) and presigning URLs (query auth), for clients and tests.

use std::fmt;

use strongroom_crypto::hash::sha256_hex;
use time::OffsetDateTime;

use crate::canonical::{ALGORITHM, UNSIGNED_PAYLOAD, canonical_request_prefix, push_encoded, string_to_sign};
use crate::error::SigV4Error;
use crate::key::derive_signing_key;
use crate::parse::{AuthLocation, CredentialScope, MAX_PRESIGNED_EXPIRES_SECS};
use crate::request::{SignableRequest, trim_ows, unique_header};
use crate::time_fmt::AmzDate;

/// Headers the signer sets itself, so the request's own copies are neither signed nor kept.
const SIGNER_HEADERS: [&str; 3] = ["authorization", "x-amz-date", "x-amz-security-token"];
/// Headers proxies rewrite or add, left unsigned as botocore does.
const UNSIGNED_HEADERS: [&str; 3] = ["user-agent", "expect", "x-amzn-trace-id"];

/// How the payload enters the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PayloadSigning {
    /// The hex SHA-256 of the body.
    #[default]
    BodyHash,
    /// The literal `UNSIGNED-PAYLOAD`.
    Unsigned,
}

/// Choices a signer may make; the defaults match botocore for non-S3 services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningSettings {
    pub payload: PayloadSigning,
    /// Header auth: add (and sign) `x-amz-content-sha256` carrying the payload hash.
    pub content_sha256_header: bool,
    /// Header auth: sign `x-amz-security-token`. When false it is added after signing (some services
    /// expect that); presigned URLs always sign the token.
    pub sign_session_token: bool,
}

impl Default for SigningSettings {
    fn default() -> Self {
        Self {
            payload: PayloadSigning::BodyHash,
            content_sha256_header: false,
            sign_session_token: true,
        }
    }
}

/// Who signs, for which scope, when.
#[derive(Clone, Copy)]
pub struct SigningParams<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a [u8],
    pub session_token: Option<&'a str>,
    pub region: &'a str,
    pub service: &'a str,
    pub time: OffsetDateTime,
    pub settings: SigningSettings,
}

impl fmt::Debug for SigningParams<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningParams")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &self.session_token.map(|_| "<redacted>"))
            .field("region", &self.region)
            .field("service", &self.service)
            .field("time", &self.time)
            .field("settings", &self.settings)
            .finish()
    }
}

/// The headers a signer adds to a request. Replace any of the request's own headers of the same names.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    headers: Vec<(&'static str, String)>,
    signature: String,
}

impl SignedHeaders {
    /// `(lowercase name, value)` pairs: `x-amz-date`, optionally `x-amz-security-token` and
    /// `x-amz-content-sha256`, then `authorization`.
    pub fn headers(&self) -> &[(&'static str, String)] {
        &self.headers
    }

    /// The hex signature inside `authorization`.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The value of one added header.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for SignedHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for (name, value) in &self.headers {
            match *name {
                "authorization" | "x-amz-security-token" => list.entry(&(name, "<redacted>")),
                _ => list.entry(&(name, value)),
            };
        }
        list.finish()
    }
}

/// Signs `req` with the `Authorization` header, signing every header present (except `user-agent`,
/// `expect` and `x-amzn-trace-id`) plus `x-amz-date`. `req.headers` must include `host`.
pub fn sign_headers(
    req: &SignableRequest<'_>,
    access_key_id: &str,
    secret: &[u8],
    region: &str,
    service: &str,
    now: OffsetDateTime,
    session_token: Option<&str>,
) -> SignedHeaders {
    let params = SigningParams {
        access_key_id,
        secret_access_key: secret,
        session_token,
        region,
        service,
        time: now,
        settings: SigningSettings::default(),
    };
    sign_headers_with(req, &params)
}

/// [`sign_headers`] with explicit [`SigningSettings`].
///
/// If the request already carries `x-amz-content-sha256`, that value is the payload hash (a verifier
/// reads it there) and the header is signed as it is.
pub fn sign_headers_with(req: &SignableRequest<'_>, params: &SigningParams<'_>) -> SignedHeaders {
    let amz_date = AmzDate::new(params.time);
    let existing_sha = existing_content_sha256(req);
    let payload_hash = existing_sha.map_or_else(|| payload_hash(req, params.settings.payload), str::to_owned);

    let mut added: Vec<(&'static str, String)> = vec![("x-amz-date", amz_date.as_str().to_owned())];
    let mut unsigned_token = None;
    if let Some(token) = params.session_token {
        if params.settings.sign_session_token {
            added.push(("x-amz-security-token", token.to_owned()));
        } else {
            unsigned_token = Some(("x-amz-security-token", token.to_owned()));
        }
    }
    if params.settings.content_sha256_header && existing_sha.is_none() {
        added.push(("x-amz-content-sha256", payload_hash.clone()));
    }

    let mut headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .copied()
        .filter(|(n, _)| !is_signer_header(n))
        .collect();
    headers.extend(added.iter().map(|(n, v)| (*n, v.as_str())));
    let signed_headers = signed_header_list(&headers);
    let with_added = SignableRequest {
        headers: &headers,
        ..*req
    };
    let scope = scope(params);
    let mut creq = canonical_request_prefix(&with_added, AuthLocation::Header, &signed_headers);
    creq.push_str(&payload_hash);
    let sts = string_to_sign(params.time, &scope, &creq);
    let key = derive_signing_key(
        params.secret_access_key,
        &scope.date,
        &scope.region,
        &scope.service,
    );
    let signature = key.sign_hex(sts.as_bytes());

    added.extend(unsigned_token);
    added.push((
        "authorization",
        format!(
            "{ALGORITHM} Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            params.access_key_id
        ),
    ));
    SignedHeaders {
        headers: added,
        signature,
    }
}

/// Presigns `req` for `expires_secs` (1..=604800): returns the `X-Amz-*` parameters, signature last, to
/// append to the request's query (after `&`, or `?` when it has none).
///
/// Signs every header present except `user-agent`, `expect` and `x-amzn-trace-id`; `req.headers` must
/// include `host`. The payload hash is the request's `x-amz-content-sha256` if it has one, else as
/// `params.settings.payload` says.
pub fn presign(
    req: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    expires_secs: u32,
) -> Result<String, SigV4Error> {
    if !(1..=MAX_PRESIGNED_EXPIRES_SECS).contains(&expires_secs) {
        return Err(SigV4Error::InvalidExpires {
            seconds: u64::from(expires_secs),
        });
    }
    let amz_date = AmzDate::new(params.time);
    let scope = scope(params);
    let payload_hash = existing_content_sha256(req)
        .map_or_else(|| payload_hash(req, params.settings.payload), str::to_owned);
    let headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .copied()
        .filter(|(n, _)| !is_signer_header(n))
        .collect();
    let signed_headers = signed_header_list(&headers);

    let mut added = String::with_capacity(256);
    added.push_str("X-Amz-Algorithm=");
    added.push_str(ALGORITHM);
    added.push_str("&X-Amz-Credential=");
    push_encoded(&mut added, format!("{}/{scope}", params.access_key_id).as_bytes());
    added.push_str("&X-Amz-Date=");
    added.push_str(amz_date.as_str());
    added.push_str("&X-Amz-Expires=");
    added.push_str(&expires_secs.to_string());
    if let Some(token) = params.session_token {
        added.push_str("&X-Amz-Security-Token=");
        push_encoded(&mut added, token.as_bytes());
    }
    added.push_str("&X-Amz-SignedHeaders=");
    push_encoded(&mut added, signed_headers.as_bytes());

    let full_query = if req.query.is_empty() {
        added.clone()
    } else {
        format!("{}&{added}", req.query)
    };
    let presigned = SignableRequest {
        query: &full_query,
        headers: &headers,
        ..*req
    };
    let mut creq = canonical_request_prefix(&presigned, AuthLocation::Query, &signed_headers);
    creq.push_str(&payload_hash);
    let sts = string_to_sign(params.time, &scope, &creq);
    let key = derive_signing_key(
        params.secret_access_key,
        &scope.date,
        &scope.region,
        &scope.service,
    );
    added.push_str("&X-Amz-Signature=");
    added.push_str(&key.sign_hex(sts.as_bytes()));
    Ok(added)
}

fn scope(params: &SigningParams<'_>) -> CredentialScope {
    CredentialScope {
        date: AmzDate::new(params.time).date().to_owned(),
        region: params.region.to_owned(),
        service: params.service.to_owned(),
    }
}

fn is_signer_header(name: &str) -> bool {
    SIGNER_HEADERS
        .iter()
        .chain(&UNSIGNED_HEADERS)
        .any(|h| name.eq_ignore_ascii_case(h))
}

/// A repeated `x-amz-content-sha256` is left to the verifier to reject; the signer takes the first.
fn existing_content_sha256<'a>(req: &SignableRequest<'a>) -> Option<&'a str> {
    match unique_header(req.headers, "x-amz-content-sha256") {
        Ok(value) => value.map(trim_ows),
        Err(()) => req
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("x-amz-content-sha256"))
            .map(|(_, v)| trim_ows(v)),
    }
}

fn payload_hash(req: &SignableRequest<'_>, payload: PayloadSigning) -> String {
    match payload {
        PayloadSigning::BodyHash => sha256_hex(req.body),
        PayloadSigning::Unsigned => UNSIGNED_PAYLOAD.to_owned(),
    }
}

/// Lowercase, sorted, unique header names joined with ';'.
fn signed_header_list(headers: &[(&str, &str)]) -> String {
    let mut names: Vec<String> = headers.iter().map(|(n, _)| n.to_ascii_lowercase()).collect();
    names.sort_unstable();
    names.dedup();
    names.join(";")
}
