//! Fuzzes SigV4 parsing and verification with arbitrary requests: neither may panic, whatever arrives.
//!
//! Input layout (lossy UTF-8): line 1 is the path, line 2 the query, then `name:value` header lines up to
//! an empty line; the remaining bytes are the body.

#![no_main]

use libfuzzer_sys::fuzz_target;
use strongroom_sigv4::{
    AuthLocation, RedactedCanonicalRequest, SignableRequest, canonical_request, derive_signing_key, parse_auth,
    string_to_sign, verify,
};
use time::OffsetDateTime;

fuzz_target!(|data: &[u8]| {
    // The head ends at the first blank line; everything after it is the body, byte for byte.
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => (data, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.split('\n');
    let path = lines.next().unwrap_or("");
    let query = lines.next().unwrap_or("");
    let headers: Vec<(&str, &str)> = lines.map(|l| l.split_once(':').unwrap_or((l, ""))).collect();
    let req = SignableRequest { method: "POST", path, query, headers: &headers, body };

    let Ok(auth) = parse_auth(&req) else {
        return;
    };
    let key = derive_signing_key(b"fuzz-secret", &auth.scope().date, &auth.scope().region, &auth.scope().service);
    // At the claimed time (so the window check passes and the signature check is reached) and far from it.
    let _ = verify(&req, &auth, &key, auth.request_time());
    let _ = verify(&req, &auth, &key, OffsetDateTime::UNIX_EPOCH);
    let creq = canonical_request(&req, auth.location(), auth.signed_headers_str(), "UNSIGNED-PAYLOAD");
    let _ = string_to_sign(auth.request_time(), auth.scope(), &creq);
    let _ = RedactedCanonicalRequest(&creq).to_string();
    let _ = canonical_request(&req, AuthLocation::Query, "host", "");
});
