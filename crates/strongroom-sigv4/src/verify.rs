//! Verifying a parsed SigV4 request against its signing key at a given time.

use strongroom_crypto::ct;
use strongroom_crypto::hash::{Sha256, sha256_hex};
use strongroom_types::AccessKeyId;
use time::{Duration, OffsetDateTime};

use crate::canonical::{UNSIGNED_PAYLOAD, canonical_request_prefix, string_to_sign_from_hash};
use crate::error::{MAX_SKEW_SECS, SigV4Error};
use crate::key::SigningKey;
use crate::parse::{AuthInfo, AuthLocation};
use crate::request::{SignableRequest, trim_ows, unique_header};
use crate::time_fmt::AmzDate;

/// Proof that a request's signature verified. Only [`verify`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    access_key_id: AccessKeyId,
}

impl Verified {
    /// The key the request was signed with.
    pub fn access_key_id(&self) -> &AccessKeyId {
        &self.access_key_id
    }
}

/// Checks `req` against what `auth` claims, with `key` derived for `auth.scope()`, at time `now`.
///
/// In order: scope date, time window, `host` signed, payload hash, signature (compared in constant time).
pub fn verify(
    req: &SignableRequest<'_>,
    auth: &AuthInfo,
    key: &SigningKey,
    now: OffsetDateTime,
) -> Result<Verified, SigV4Error> {
    let amz_date = AmzDate::new(auth.request_time());
    if auth.scope().date != amz_date.date() {
        return Err(SigV4Error::ScopeDateMismatch {
            scope_date: auth.scope().date.clone(),
            request_date: amz_date.date().to_owned(),
        });
    }
    check_time(auth, now)?;
    if !auth.signed_headers().any(|h| h == "host") {
        return Err(SigV4Error::HostNotSigned);
    }

    let content_sha256 = unique_header(req.headers, "x-amz-content-sha256")
        .map_err(|()| SigV4Error::malformed("X-Amz-Content-SHA256 header must occur only once."))?
        .map(trim_ows);
    let body_hash;
    let candidates: [Option<&str>; 2] = match content_sha256 {
        Some(UNSIGNED_PAYLOAD) => [Some(UNSIGNED_PAYLOAD), None],
        Some(claimed) => {
            body_hash = sha256_hex(req.body);
            if claimed != body_hash {
                return Err(SigV4Error::PayloadHashMismatch);
            }
            [Some(claimed), None]
        }
        None => {
            body_hash = sha256_hex(req.body);
            match auth.location() {
                AuthLocation::Header => [Some(&body_hash), None],
                // Presigned URLs are signed before the body exists, so signers may leave it unsigned.
                AuthLocation::Query => [Some(&body_hash), Some(UNSIGNED_PAYLOAD)],
            }
        }
    };

    let prefix = canonical_request_prefix(req, auth.location(), auth.signed_headers_str());
    let mut matched = false;
    for payload_hash in candidates.into_iter().flatten() {
        let mut hasher = Sha256::new();
        hasher.update(prefix.as_bytes());
        hasher.update(payload_hash.as_bytes());
        let sts = string_to_sign_from_hash(amz_date, auth.scope(), &hasher.finish());
        let expected = key.sign_hex(sts.as_bytes());
        // Not short-circuited: both candidates cost the same whichever matches.
        matched |= ct::eq(expected.as_bytes(), auth.signature().as_bytes());
    }
    if matched {
        Ok(Verified {
            access_key_id: auth.access_key_id().clone(),
        })
    } else {
        Err(SigV4Error::SignatureMismatch)
    }
}

fn check_time(auth: &AuthInfo, now: OffsetDateTime) -> Result<(), SigV4Error> {
    let request_time = auth.request_time();
    let skew = Duration::seconds(MAX_SKEW_SECS);
    // checked_* keep this total for any `now`; an overflow can only mean "far outside the window".
    let latest_valid_start = now.checked_add(skew);
    if latest_valid_start.is_none_or(|latest| request_time > latest) {
        return Err(SigV4Error::NotYetValid { request_time, now });
    }
    match auth.expires_secs() {
        None => {
            if now
                .checked_sub(skew)
                .is_none_or(|earliest| request_time < earliest)
            {
                return Err(SigV4Error::Expired { request_time, now });
            }
        }
        Some(expires_secs) => {
            let end = request_time.checked_add(Duration::seconds(i64::from(expires_secs)));
            if end.is_none_or(|end| now > end) {
                return Err(SigV4Error::PresignedExpired {
                    request_time,
                    expires_secs,
                    now,
                });
            }
        }
    }
    Ok(())
}
