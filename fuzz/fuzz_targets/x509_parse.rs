//! Fuzzes the AWS4-X509 request parsing and verification, the `X-Amz-X509*` header forms, and the
//! certificate, CRL and private-key readers: none may panic, whatever arrives.
//!
//! Input layout (lossy UTF-8 for the header lines): line 1 is the `Authorization` value, line 2
//! `X-Amz-X509`, line 3 `X-Amz-X509-Chain`; the raw bytes are also fed to the DER and PEM readers.

#![no_main]

use libfuzzer_sys::fuzz_target;
use strongroom_crypto::x509::{Certificate, Crl, PrivateKey, parse_chain_header};
use strongroom_sigv4::SignableRequest;
use strongroom_sigv4::x509::{is_x509_request, parse_x509_auth, verify_x509};
use time::OffsetDateTime;

fuzz_target!(|data: &[u8]| {
    let _ = Certificate::from_der(data);
    let _ = Certificate::all_from_pem(data);
    let _ = Crl::from_pem_or_der(data);
    let _ = PrivateKey::from_pem(data);

    let text = String::from_utf8_lossy(data);
    let _ = parse_chain_header(&text);
    let mut lines = text.splitn(3, '\n');
    let authorization = lines.next().unwrap_or("");
    let leaf = lines.next().unwrap_or("");
    let chain = lines.next().unwrap_or("");
    let _ = Certificate::from_base64_der(leaf);
    let headers = [
        ("host", "rolesanywhere.us-east-1.amazonaws.com"),
        ("content-type", "application/json"),
        ("x-amz-date", "20250102T030405Z"),
        ("authorization", authorization),
        ("x-amz-x509", leaf),
        ("x-amz-x509-chain", chain),
    ];
    let req = SignableRequest {
        method: "POST",
        path: "/sessions",
        query: "",
        headers: &headers,
        body: b"{\"durationSeconds\":3600}",
    };
    let _ = is_x509_request(&req);
    if let Ok(auth) = parse_x509_auth(&req) {
        // The vectors' time, so that the skew check passes and the certificate checks are reached.
        let now = OffsetDateTime::from_unix_timestamp(1_735_787_045).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let _ = verify_x509(&req, &auth, now);
    }
});
