//! The canonical request and string to sign (non-S3 rules: normalised, doubly encoded path).

use std::borrow::Cow;
use std::fmt;
use std::fmt::Write as _;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, percent_encode};
use strongroom_crypto::hash::{Sha256, to_hex};
use time::OffsetDateTime;

use crate::parse::{AuthLocation, CredentialScope};
use crate::request::{SignableRequest, trim_ows};
use crate::time_fmt::AmzDate;

/// The algorithm name, first line of the string to sign and first word of the `Authorization` header.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The payload hash of a request whose body is not signed.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - _ . ~`) is percent-encoded.
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Appends `bytes` URI-encoded the SigV4 way (uppercase hex, unreserved characters bare).
pub(crate) fn push_encoded(out: &mut String, bytes: &[u8]) {
    out.extend(percent_encode(bytes, ENCODE));
}

/// The canonical URI: dot-segments removed, repeated slashes merged, each segment encoded again.
///
/// The wire path is already encoded once, so encoding it again turns `%20` into `%2520`; this is what
/// botocore and the AWS SDKs sign for every service but S3.
pub(crate) fn write_canonical_uri(out: &mut String, path: &str) {
    let base = out.len();
    let mut trailing_slash = false;
    for segment in path.split('/') {
        match segment {
            // An empty segment comes from a leading, repeated or trailing slash.
            "" | "." => trailing_slash = true,
            ".." => {
                // Encoded segments never contain '/', so the last '/' written starts the last segment.
                let cut = out
                    .get(base..)
                    .and_then(|s| s.rfind('/'))
                    .map_or(base, |i| base + i);
                out.truncate(cut);
                trailing_slash = true;
            }
            _ => {
                out.push('/');
                push_encoded(out, segment.as_bytes());
                trailing_slash = false;
            }
        }
    }
    if out.len() == base || trailing_slash {
        out.push('/');
    }
}

/// The canonical query: pairs decoded, re-encoded and sorted; for presigned requests without
/// `X-Amz-Signature`.
pub(crate) fn write_canonical_query(out: &mut String, query: &str, drop_signature: bool) {
    if query.is_empty() {
        return;
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    for piece in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        // '+' is not decoded to a space: SigV4 treats it as a literal plus (encoded as %2B).
        let name: Cow<'_, [u8]> = percent_decode(name.as_bytes()).into();
        if drop_signature && *name == *b"X-Amz-Signature" {
            continue;
        }
        let value: Cow<'_, [u8]> = percent_decode(value.as_bytes()).into();
        let mut enc_name = String::with_capacity(name.len());
        push_encoded(&mut enc_name, &name);
        let mut enc_value = String::with_capacity(value.len());
        push_encoded(&mut enc_value, &value);
        pairs.push((enc_name, enc_value));
    }
    pairs.sort_unstable();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
}

/// Appends `value` trimmed, with inner runs of spaces collapsed to one.
fn push_header_value(out: &mut String, value: &str) {
    let mut previous_space = false;
    for c in trim_ows(value).chars() {
        if c == ' ' {
            if !previous_space {
                out.push(' ');
            }
            previous_space = true;
        } else {
            out.push(c);
            previous_space = false;
        }
    }
}

/// One `name:value\n` line per signed header; repeated headers are joined with ',' in wire order.
/// A signed header the request lacks gets an empty value, which only a signer that saw none can match.
pub(crate) fn write_canonical_headers(out: &mut String, headers: &[(&str, &str)], signed_headers: &str) {
    for name in signed_headers.split(';') {
        out.push_str(name);
        out.push(':');
        let mut first = true;
        for (n, v) in headers {
            if n.eq_ignore_ascii_case(name) {
                if !first {
                    out.push(',');
                }
                push_header_value(out, v);
                first = false;
            }
        }
        out.push('\n');
    }
}

/// The canonical request up to and including the signed-headers line and its newline: everything but
/// the payload hash, so that a verifier can try two payload hashes without rebuilding it.
pub(crate) fn canonical_request_prefix(
    req: &SignableRequest<'_>,
    location: AuthLocation,
    signed_headers: &str,
) -> String {
    let mut out = String::with_capacity(
        req.method.len() + req.path.len() + req.query.len() + signed_headers.len() * 2 + 256,
    );
    out.push_str(req.method);
    out.push('\n');
    write_canonical_uri(&mut out, req.path);
    out.push('\n');
    write_canonical_query(&mut out, req.query, location == AuthLocation::Query);
    out.push('\n');
    write_canonical_headers(&mut out, req.headers, signed_headers);
    out.push('\n');
    out.push_str(signed_headers);
    out.push('\n');
    out
}

/// The SigV4 canonical request (non-S3 rules), as the signer hashes it.
///
/// `signed_headers` is the lowercase, sorted, `;`-joined list (`host;x-amz-date`); `payload_hash` is the
/// hex SHA-256 of the body or `UNSIGNED-PAYLOAD`. With [`AuthLocation::Query`] the `X-Amz-Signature`
/// parameter is left out of the canonical query.
pub fn canonical_request(
    req: &SignableRequest<'_>,
    location: AuthLocation,
    signed_headers: &str,
    payload_hash: &str,
) -> String {
    let mut out = canonical_request_prefix(req, location, signed_headers);
    out.push_str(payload_hash);
    out
}

/// The SigV4 string to sign for a canonical request.
pub fn string_to_sign(
    request_time: OffsetDateTime,
    scope: &CredentialScope,
    canonical_request: &str,
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(canonical_request.as_bytes());
    string_to_sign_from_hash(AmzDate::new(request_time), scope, &hasher.finish())
}

pub(crate) fn string_to_sign_from_hash(
    amz_date: AmzDate,
    scope: &CredentialScope,
    canonical_request_hash: &[u8; 32],
) -> String {
    string_to_sign_for_algorithm(ALGORITHM, amz_date, scope, canonical_request_hash)
}

/// The string to sign with `algorithm` on its first line (AWS4-X509 uses the same four lines).
pub(crate) fn string_to_sign_for_algorithm(
    algorithm: &str,
    amz_date: AmzDate,
    scope: &CredentialScope,
    canonical_request_hash: &[u8; 32],
) -> String {
    let mut out = String::with_capacity(160);
    out.push_str(algorithm);
    out.push('\n');
    out.push_str(amz_date.as_str());
    out.push('\n');
    // Writing to a String cannot fail.
    let _ = write!(out, "{scope}");
    out.push('\n');
    out.push_str(&to_hex(canonical_request_hash));
    out
}

/// A canonical request shown for trace logs with the values of secrets (`authorization` and
/// `x-amz-security-token` headers, `X-Amz-Security-Token` and `X-Amz-Signature` parameters) hidden.
#[derive(Clone, Copy)]
pub struct RedactedCanonicalRequest<'a>(pub &'a str);

const SECRET_HEADERS: [&str; 2] = ["authorization", "x-amz-security-token"];
const SECRET_PARAMS: [&str; 2] = ["X-Amz-Security-Token", "X-Amz-Signature"];

impl fmt::Display for RedactedCanonicalRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut in_headers = false;
        for (i, line) in self.0.split('\n').enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            match i {
                2 => {
                    for (j, pair) in line.split('&').enumerate() {
                        if j > 0 {
                            f.write_str("&")?;
                        }
                        match pair.split_once('=') {
                            Some((name, _)) if SECRET_PARAMS.contains(&name) => {
                                write!(f, "{name}=<redacted>")?
                            }
                            _ => f.write_str(pair)?,
                        }
                    }
                    in_headers = true;
                }
                _ if in_headers && line.is_empty() => {
                    in_headers = false;
                }
                _ if in_headers => match line.split_once(':') {
                    Some((name, _)) if SECRET_HEADERS.contains(&name) => write!(f, "{name}:<redacted>")?,
                    _ => f.write_str(line)?,
                },
                _ => f.write_str(line)?,
            }
        }
        Ok(())
    }
}

impl fmt::Debug for RedactedCanonicalRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedactedCanonicalRequest({:?})", self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(path: &str) -> String {
        let mut out = String::new();
        write_canonical_uri(&mut out, path);
        out
    }

    fn query(q: &str, presigned: bool) -> String {
        let mut out = String::new();
        write_canonical_query(&mut out, q, presigned);
        out
    }

    #[test]
    fn canonical_uri_normalises_and_encodes_again() {
        for (path, want) in [
            ("", "/"),
            ("/", "/"),
            ("//", "/"),
            ("/./", "/"),
            ("/./example", "/example"),
            ("/example/..", "/"),
            ("/example1/example2/../..", "/"),
            ("/a/b/..", "/a/"),
            ("/a/.", "/a/"),
            ("/../../a", "/a"),
            ("//example//", "/example/"),
            ("/a//b", "/a/b"),
            ("/example%20space/", "/example%2520space/"),
            ("/example space/", "/example%20space/"),
            ("/ሴ", "/%E1%88%B4"),
            ("/a%2Fb", "/a%252Fb"),
            ("relative/path", "/relative/path"),
            ("/-._~AZaz09", "/-._~AZaz09"),
        ] {
            assert_eq!(uri(path), want, "{path:?}");
        }
    }

    #[test]
    fn canonical_query_decodes_reencodes_and_sorts() {
        assert_eq!(query("", false), "");
        assert_eq!(query("b=2&a=1&a=0", false), "a=0&a=1&b=2");
        assert_eq!(query("c+d", false), "c%2Bd=");
        assert_eq!(query("a=%7e&b=%2f&c=%41", false), "a=~&b=%2F&c=A");
        assert_eq!(query("a=b=c", false), "a=b%3Dc");
        assert_eq!(query("a&&b=", false), "a=&b=");
        assert_eq!(query("x=%zz", false), "x=%25zz");
        assert_eq!(query("X-Amz-Signature=abc&a=1", false), "X-Amz-Signature=abc&a=1");
        assert_eq!(query("X-Amz-Signature=abc&a=1", true), "a=1");
        // Sorting is by encoded name first, then by encoded value.
        assert_eq!(query("a=b&a%20=a", false), "a=b&a%20=a");
    }

    #[test]
    fn canonical_headers_trim_collapse_and_join() {
        let headers = [
            ("Host", "h"),
            ("X-A", "  a   b  "),
            ("x-a", "c"),
            ("X-B", "\tq\t"),
        ];
        let mut out = String::new();
        write_canonical_headers(&mut out, &headers, "host;x-a;x-b;x-missing");
        assert_eq!(out, "host:h\nx-a:a b,c\nx-b:q\nx-missing:\n");
    }

    #[test]
    fn redaction_hides_secrets_only() {
        let creq = "GET\n/\nX-Amz-Security-Token=SECRETTOKEN&X-Amz-Signature=sig&a=1\nauthorization:AWS4 SECRETSIG\n\
                    host:h\nx-amz-security-token:SECRETTOKEN\n\nauthorization;host;x-amz-security-token\nUNSIGNED-PAYLOAD";
        let shown = RedactedCanonicalRequest(creq).to_string();
        assert_eq!(
            shown,
            "GET\n/\nX-Amz-Security-Token=<redacted>&X-Amz-Signature=<redacted>&a=1\n\
             authorization:<redacted>\nhost:h\nx-amz-security-token:<redacted>\n\n\
             authorization;host;x-amz-security-token\nUNSIGNED-PAYLOAD"
        );
        let debug = format!("{:?}", RedactedCanonicalRequest(creq));
        assert!(!debug.contains("SECRET"), "{debug}");
    }
}
