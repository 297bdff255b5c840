//! Parsing and verification failures, one test per way a request can be wrong, plus the cases that must
//! still pass (time-window edges, unsigned payloads, whitespace AWS tolerates).

// Helpers outside #[test] functions fail loudly on bad fixtures, as tests should.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::borrow::Cow;

use strongroom_crypto::hash::sha256_hex;
use strongroom_sigv4::{
    AuthLocation, CredentialScope, PayloadSigning, SigV4Error, SignableRequest, SigningParams,
    SigningSettings, canonical_request, derive_signing_key, parse_auth, presign, sign_headers,
    sign_headers_with, string_to_sign, verify,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &[u8] = b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "FwoGZXIvYXdzEXAMPLETOKEN";
const SIG: &str = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

fn t0() -> OffsetDateTime {
    datetime!(2015-08-30 12:36:00 UTC)
}

/// An owned request that tests can sign, then tamper with.
#[derive(Clone)]
struct Req {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Req {
    fn new() -> Self {
        Req {
            method: "POST".into(),
            path: "/".into(),
            query: "Action=GetSecretValue&Version=2017-10-17".into(),
            headers: vec![
                ("Host".into(), "secrets.example.com".into()),
                ("Content-Type".into(), "application/x-amz-json-1.1".into()),
                ("X-Amz-Target".into(), "secretsmanager.GetSecretValue".into()),
                ("User-Agent".into(), "test/1.0".into()),
            ],
            body: br#"{"SecretId":"db"}"#.to_vec(),
        }
    }

    fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    fn without(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    fn set(mut self, name: &str, value: &str) -> Self {
        self = self.without(name);
        self.header(name, value)
    }

    /// Runs `f` on the borrowed view.
    fn with<T>(&self, f: impl FnOnce(&SignableRequest<'_>) -> T) -> T {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        f(&SignableRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &headers,
            body: &self.body,
        })
    }

    fn signed_with(self, settings: SigningSettings, token: Option<&str>, at: OffsetDateTime) -> Self {
        let params = SigningParams {
            access_key_id: AKID,
            secret_access_key: SECRET,
            session_token: token,
            region: "us-east-1",
            service: "secretsmanager",
            time: at,
            settings,
        };
        let added = self.with(|r| sign_headers_with(r, &params));
        let mut out = self;
        for (n, v) in added.headers() {
            out = out.header(n, v);
        }
        out
    }

    fn signed(self) -> Self {
        self.signed_with(SigningSettings::default(), None, t0())
    }

    fn presigned_with(self, settings: SigningSettings, token: Option<&str>, expires: u32) -> Self {
        let params = SigningParams {
            access_key_id: AKID,
            secret_access_key: SECRET,
            session_token: token,
            region: "us-east-1",
            service: "secretsmanager",
            time: t0(),
            settings,
        };
        let added = self.with(|r| presign(r, &params, expires)).unwrap();
        let mut out = self;
        out.query = if out.query.is_empty() {
            added
        } else {
            format!("{}&{added}", out.query)
        };
        out
    }

    fn presigned(self, expires: u32) -> Self {
        self.presigned_with(SigningSettings::default(), None, expires)
    }

    fn parse(&self) -> Result<strongroom_sigv4::AuthInfo, SigV4Error> {
        self.with(parse_auth)
    }

    fn verify_at(&self, now: OffsetDateTime) -> Result<(), SigV4Error> {
        self.verify_with_secret(SECRET, now)
    }

    fn verify_with_secret(&self, secret: &[u8], now: OffsetDateTime) -> Result<(), SigV4Error> {
        let auth = self.parse()?;
        let scope = auth.scope();
        let key = derive_signing_key(secret, &scope.date, &scope.region, &scope.service);
        self.with(|r| verify(r, &auth, &key, now))
            .map(|v| assert_eq!(v.access_key_id().as_str(), AKID))
    }

    fn verify(&self) -> Result<(), SigV4Error> {
        self.verify_at(t0())
    }
}

fn malformed(reason: &str) -> SigV4Error {
    SigV4Error::Malformed {
        reason: Cow::Owned(reason.to_owned()),
    }
}

fn with_authorization(value: &str) -> Req {
    Req::new()
        .header("X-Amz-Date", "20150830T123600Z")
        .header("Authorization", value)
}

fn authorization(credential: &str, signed_headers: &str, signature: &str) -> String {
    format!("AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders={signed_headers}, Signature={signature}")
}

const CRED: &str = "AKIAIOSFODNN7EXAMPLE/20150830/us-east-1/secretsmanager/aws4_request";

// --- Round trips that must pass ---

#[test]
fn header_signed_request_verifies() {
    let req = Req::new().signed();
    let auth = req.parse().unwrap();
    assert_eq!(auth.location(), AuthLocation::Header);
    assert_eq!(auth.access_key_id().as_str(), AKID);
    assert_eq!(
        auth.scope().to_string(),
        "20150830/us-east-1/secretsmanager/aws4_request"
    );
    // user-agent is left unsigned, as botocore does.
    assert_eq!(
        auth.signed_headers_str(),
        "content-type;host;x-amz-date;x-amz-target"
    );
    assert_eq!(auth.request_time(), t0());
    assert_eq!(auth.expires_secs(), None);
    req.verify().unwrap();
}

#[test]
fn sign_headers_shorthand_matches_explicit_settings() {
    let req = Req::new();
    let short = req.with(|r| sign_headers(r, AKID, SECRET, "us-east-1", "secretsmanager", t0(), Some(TOKEN)));
    let long = req.signed_with(SigningSettings::default(), Some(TOKEN), t0());
    assert_eq!(
        short.get("authorization"),
        long.headers
            .iter()
            .find(|(n, _)| n == "authorization")
            .map(|(_, v)| v.as_str())
    );
    assert_eq!(short.get("x-amz-security-token"), Some(TOKEN));
}

#[test]
fn session_token_is_reported_and_signed() {
    let req = Req::new().signed_with(SigningSettings::default(), Some(TOKEN), t0());
    let auth = req.parse().unwrap();
    assert_eq!(auth.session_token(), Some(TOKEN));
    assert!(auth.signed_headers().any(|h| h == "x-amz-security-token"));
    req.verify().unwrap();
    // Swapping the signed token breaks the signature.
    let swapped = req.set("X-Amz-Security-Token", "another-token");
    assert_eq!(swapped.verify(), Err(SigV4Error::SignatureMismatch));
}

#[test]
fn presigned_request_verifies_and_reports_its_parts() {
    let req = Req::new().presigned_with(SigningSettings::default(), Some(TOKEN), 900);
    let auth = req.parse().unwrap();
    assert_eq!(auth.location(), AuthLocation::Query);
    assert_eq!(auth.expires_secs(), Some(900));
    assert_eq!(auth.session_token(), Some(TOKEN));
    assert_eq!(auth.request_time(), t0());
    req.verify().unwrap();
}

#[test]
fn presigned_accepts_body_hash_or_unsigned_payload() {
    Req::new().presigned(60).verify().unwrap();
    let unsigned = SigningSettings {
        payload: PayloadSigning::Unsigned,
        ..Default::default()
    };
    let req = Req::new().presigned_with(unsigned, None, 60);
    req.verify().unwrap();
    // Unsigned payload: any body goes.
    let mut other_body = req;
    other_body.body = b"something else".to_vec();
    other_body.verify().unwrap();
    // Body hash: the body is covered.
    let mut tampered = Req::new().presigned(60);
    tampered.body.push(b' ');
    assert_eq!(tampered.verify(), Err(SigV4Error::SignatureMismatch));
}

#[test]
fn header_auth_with_unsigned_payload_header() {
    let settings = SigningSettings {
        payload: PayloadSigning::Unsigned,
        content_sha256_header: true,
        ..Default::default()
    };
    let mut req = Req::new().signed_with(settings, None, t0());
    req.verify().unwrap();
    req.body = b"anything".to_vec();
    req.verify().unwrap();
}

#[test]
fn content_sha256_header_is_checked_against_the_body() {
    let settings = SigningSettings {
        content_sha256_header: true,
        ..Default::default()
    };
    let req = Req::new().signed_with(settings, None, t0());
    assert!(
        req.parse()
            .unwrap()
            .signed_headers()
            .any(|h| h == "x-amz-content-sha256")
    );
    req.verify().unwrap();
    let mut tampered = req.clone();
    tampered.body[0] ^= 1;
    assert_eq!(tampered.verify(), Err(SigV4Error::PayloadHashMismatch));
    let duplicated = req.header("x-amz-content-sha256", "UNSIGNED-PAYLOAD");
    assert_eq!(
        duplicated.verify(),
        Err(malformed("X-Amz-Content-SHA256 header must occur only once."))
    );
}

#[test]
fn date_header_is_the_fallback_for_header_auth() {
    // Signed by hand, as an old client would: the Date header stands in for X-Amz-Date.
    let req = Req::new().header("Date", "Sun, 30 Aug 2015 12:36:00 GMT");
    let signed_headers = "content-type;date;host;x-amz-target";
    let scope = CredentialScope {
        date: "20150830".into(),
        region: "us-east-1".into(),
        service: "secretsmanager".into(),
    };
    let creq = req.with(|r| canonical_request(r, AuthLocation::Header, signed_headers, &sha256_hex(r.body)));
    let sts = string_to_sign(t0(), &scope, &creq);
    let signature = derive_signing_key(SECRET, "20150830", "us-east-1", "secretsmanager").sign(&sts);
    let cred = format!("{AKID}/{scope}");
    let req = req.header("Authorization", &authorization(&cred, signed_headers, &signature));
    assert_eq!(req.parse().unwrap().request_time(), t0());
    req.verify().unwrap();
    // An X-Amz-Date header takes precedence over Date.
    let later = req.header("X-Amz-Date", "20150830T123700Z");
    assert_eq!(later.parse().unwrap().request_time(), t0() + Duration::minutes(1));
    assert_eq!(later.verify(), Err(SigV4Error::SignatureMismatch));
}

#[test]
fn authorization_whitespace_is_tolerated_as_aws_does() {
    let req = Req::new().signed();
    let value = req
        .headers
        .iter()
        .find(|(n, _)| n == "authorization")
        .unwrap()
        .1
        .clone();
    for variant in [
        value.replace(", ", ","),
        value.replace(", ", " ,  "),
        format!("  {value}\t"),
        value.replacen(' ', "   ", 1),
    ] {
        let r = req.clone().set("authorization", &variant);
        r.verify().unwrap_or_else(|e| panic!("{variant:?}: {e}"));
    }
    // Components may come in any order.
    let (alg, rest) = value.split_once(' ').unwrap();
    let mut parts: Vec<&str> = rest.split(", ").collect();
    parts.reverse();
    let reordered = format!("{alg} {}", parts.join(", "));
    req.set("authorization", &reordered).verify().unwrap();
}

// --- Missing, malformed, unsupported ---

#[test]
fn missing_auth() {
    assert_eq!(Req::new().parse().unwrap_err(), SigV4Error::Missing);
    // Other X-Amz-* query parameters alone do not make a presigned request.
    let mut req = Req::new();
    req.query = "X-Amz-Date=20150830T123600Z".into();
    assert_eq!(req.parse().unwrap_err(), SigV4Error::Missing);
}

#[test]
fn missing_components_are_all_named() {
    let err = Req::new()
        .header("Authorization", "AWS4-HMAC-SHA256")
        .parse()
        .unwrap_err();
    assert_eq!(
        err,
        malformed(
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' \
             parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires \
             existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    );
    let no_signature = with_authorization(&format!("AWS4-HMAC-SHA256 Credential={CRED}, SignedHeaders=host"));
    assert_eq!(
        no_signature.parse().unwrap_err(),
        malformed("Authorization header requires 'Signature' parameter.")
    );
    let no_credential = with_authorization(&format!("AWS4-HMAC-SHA256 SignedHeaders=host, Signature={SIG}"));
    assert_eq!(
        no_credential.parse().unwrap_err(),
        malformed("Authorization header requires 'Credential' parameter.")
    );
    let no_signed_headers =
        with_authorization(&format!("AWS4-HMAC-SHA256 Credential={CRED}, Signature={SIG}"));
    assert_eq!(
        no_signed_headers.parse().unwrap_err(),
        malformed("Authorization header requires 'SignedHeaders' parameter.")
    );
    let no_date = Req::new().header("Authorization", &authorization(CRED, "host", SIG));
    assert_eq!(
        no_date.parse().unwrap_err(),
        malformed("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    );
}

#[test]
fn malformed_components() {
    let cases: Vec<(String, &str)> = vec![
        (
            format!(
                "AWS4-HMAC-SHA256 Credential={CRED}, Credential={CRED}, SignedHeaders=host, Signature={SIG}"
            ),
            "Authorization header has duplicate 'Credential' parameter.",
        ),
        (
            format!(
                "AWS4-HMAC-SHA256 Credential={CRED}, SignedHeaders=host, Signature={SIG}, Signature={SIG}"
            ),
            "Authorization header has duplicate 'Signature' parameter.",
        ),
        (
            format!("AWS4-HMAC-SHA256 Credential={CRED}, SignedHeaders=host, Signature"),
            "Authorization header components must have the form key=value.",
        ),
        (
            format!("AWS4-HMAC-SHA256 Credential={CRED}, SignedHeaders=host, Signature={SIG},"),
            "Authorization header components must have the form key=value.",
        ),
        (
            format!("AWS4-HMAC-SHA256 Credential={CRED}, SignedHeaders=host, Signature={SIG}, Extra=1"),
            "Authorization header has an unknown component; expected Credential, SignedHeaders and Signature.",
        ),
        (
            format!("AWS4-HMAC-SHA256 credential={CRED}, SignedHeaders=host, Signature={SIG}"),
            "Authorization header has an unknown component; expected Credential, SignedHeaders and Signature.",
        ),
        (
            authorization(
                "AKIAIOSFODNN7EXAMPLE/20150830/us-east-1/secretsmanager",
                "host",
                SIG,
            ),
            "Credential should have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term",
        ),
        (
            authorization(
                "AKIAIOSFODNN7EXAMPLE/20150830/us-east-1/secretsmanager/aws5_request",
                "host",
                SIG,
            ),
            "Credential should be scoped with a valid terminator: 'aws4_request'.",
        ),
        (
            authorization(
                "AKIAIOSFODNN7EXAMPLE/2015-08-30/us-east-1/secretsmanager/aws4_request",
                "host",
                SIG,
            ),
            "Credential should be scoped to a valid date (yyyyMMdd).",
        ),
        (
            authorization(
                "AKIAIOSFODNN7EXAMPLE/20150830//secretsmanager/aws4_request",
                "host",
                SIG,
            ),
            "Credential should be scoped to a valid region.",
        ),
        (
            authorization(
                "AKIAIOSFODNN7EXAMPLE/20150830/us-east-1//aws4_request",
                "host",
                SIG,
            ),
            "Credential should be scoped to a valid service.",
        ),
        (
            authorization(CRED, "x-amz-date;host", SIG),
            "SignedHeaders must be sorted and must not repeat a header name.",
        ),
        (
            authorization(CRED, "Host;x-amz-date", SIG),
            "SignedHeaders must be a ';'-separated list of lowercase header names.",
        ),
        (
            authorization(CRED, "", SIG),
            "SignedHeaders must be a ';'-separated list of lowercase header names.",
        ),
        (
            authorization(CRED, "host", &SIG.to_uppercase()),
            "Signature must be 64 lowercase hexadecimal digits.",
        ),
        (
            authorization(CRED, "host", &SIG[1..]),
            "Signature must be 64 lowercase hexadecimal digits.",
        ),
    ];
    for (value, reason) in cases {
        assert_eq!(
            with_authorization(&value).parse().unwrap_err(),
            malformed(reason),
            "{value}"
        );
    }
}

#[test]
fn malformed_dates_and_duplicated_headers() {
    let value = authorization(CRED, "host;x-amz-date", SIG);
    let bad_date = Req::new()
        .header("X-Amz-Date", "2015-08-30T12:36:00Z")
        .header("Authorization", &value);
    assert_eq!(
        bad_date.parse().unwrap_err(),
        malformed("X-Amz-Date must be in ISO 8601 basic format (yyyyMMdd'T'HHmmss'Z').")
    );
    let bad_http_date = Req::new()
        .header("Date", "yesterday")
        .header("Authorization", &value);
    assert_eq!(
        bad_http_date.parse().unwrap_err(),
        malformed("Date must be in RFC 1123 format.")
    );
    let two_dates = with_authorization(&value).header("x-amz-date", "20150830T123600Z");
    assert_eq!(
        two_dates.parse().unwrap_err(),
        malformed("X-Amz-Date header must occur only once.")
    );
    let two_auths = with_authorization(&value).header("authorization", &value);
    assert_eq!(
        two_auths.parse().unwrap_err(),
        malformed("Authorization header must occur only once.")
    );
    let two_tokens = with_authorization(&value)
        .header("X-Amz-Security-Token", "a")
        .header("x-amz-security-token", "b");
    assert_eq!(
        two_tokens.parse().unwrap_err(),
        malformed("X-Amz-Security-Token header must occur only once.")
    );
}

#[test]
fn wrong_algorithm() {
    let value = authorization(CRED, "host", SIG).replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512");
    assert_eq!(
        with_authorization(&value).parse().unwrap_err(),
        SigV4Error::UnsupportedAlgorithm {
            algorithm: "AWS4-HMAC-SHA512".into()
        }
    );
    let v2 = with_authorization("AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=");
    assert_eq!(
        v2.parse().unwrap_err(),
        SigV4Error::UnsupportedAlgorithm {
            algorithm: "AWS".into()
        }
    );
    let mut presigned = Req::new().presigned(60);
    presigned.query = presigned.query.replace(
        "X-Amz-Algorithm=AWS4-HMAC-SHA256",
        "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256",
    );
    assert_eq!(
        presigned.parse().unwrap_err(),
        SigV4Error::UnsupportedAlgorithm {
            algorithm: "AWS4-ECDSA-P256-SHA256".into()
        }
    );
    // A long attacker-chosen name is cut, on a character boundary.
    let long = with_authorization(&format!("{}é{} x=y", "A".repeat(31), "B".repeat(100)));
    assert_eq!(
        long.parse().unwrap_err(),
        SigV4Error::UnsupportedAlgorithm {
            algorithm: "A".repeat(31)
        }
    );
}

#[test]
fn invalid_access_key_id() {
    for akid in ["AKIDEXAMPLE", "akiaiosfodnn7example", "AKIA-IOSFODNN7EXAMPLE"] {
        let cred = CRED.replace(AKID, akid);
        let req = with_authorization(&authorization(&cred, "host;x-amz-date", SIG));
        assert_eq!(req.parse().unwrap_err(), SigV4Error::InvalidAccessKeyId, "{akid}");
    }
}

#[test]
fn conflicting_auth_mechanisms() {
    let presigned = Req::new().presigned(60);
    let both = presigned.header("Authorization", &authorization(CRED, "host", SIG));
    assert_eq!(both.parse().unwrap_err(), SigV4Error::ConflictingAuth);
}

#[test]
fn malformed_presigned_queries() {
    let missing = "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, \
                   X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.";
    let good = Req::new().presigned(60);
    for drop in [
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
    ] {
        let mut req = good.clone();
        req.query = req
            .query
            .split('&')
            .filter(|p| !p.starts_with(drop))
            .collect::<Vec<_>>()
            .join("&");
        assert_eq!(
            req.parse().unwrap_err(),
            SigV4Error::MalformedQuery {
                reason: missing.into()
            },
            "without {drop}"
        );
    }
    let mut duplicated = good.clone();
    duplicated.query.push_str("&X-Amz-Date=20150830T123600Z");
    assert_eq!(
        duplicated.parse().unwrap_err(),
        SigV4Error::MalformedQuery {
            reason: "X-Amz-* query parameters must occur only once.".into()
        }
    );
    let mut not_utf8 = good.clone();
    not_utf8.query = not_utf8.query.replace("X-Amz-Date=", "X-Amz-Date=%FF");
    assert_eq!(
        not_utf8.parse().unwrap_err(),
        SigV4Error::MalformedQuery {
            reason: "X-Amz-* query parameters must be UTF-8 once percent-decoded.".into()
        }
    );
    let mut not_a_number = good.clone();
    not_a_number.query = not_a_number
        .query
        .replace("X-Amz-Expires=60", "X-Amz-Expires=-60");
    assert_eq!(
        not_a_number.parse().unwrap_err(),
        SigV4Error::MalformedQuery {
            reason: "X-Amz-Expires should be a number".into()
        }
    );
    for (expires, seconds) in [
        ("0", 0),
        ("604801", 604_801),
        ("99999999999999999999999", u64::MAX),
    ] {
        let mut req = good.clone();
        req.query = req
            .query
            .replace("X-Amz-Expires=60", &format!("X-Amz-Expires={expires}"));
        assert_eq!(
            req.parse().unwrap_err(),
            SigV4Error::InvalidExpires { seconds },
            "{expires}"
        );
    }
    // The signer refuses the same range.
    let params = SigningParams {
        access_key_id: AKID,
        secret_access_key: SECRET,
        session_token: None,
        region: "us-east-1",
        service: "secretsmanager",
        time: t0(),
        settings: SigningSettings::default(),
    };
    for expires in [0, 604_801] {
        let err = Req::new().with(|r| presign(r, &params, expires)).unwrap_err();
        assert_eq!(
            err,
            SigV4Error::InvalidExpires {
                seconds: u64::from(expires)
            }
        );
    }
    Req::new().presigned(604_800).verify().unwrap();
    Req::new().presigned(1).verify().unwrap();
}

// --- Verification failures ---

#[test]
fn scope_date_mismatch() {
    // Signed at 00:01 on the 31st, but the credential claims the 30th.
    let at = datetime!(2015-08-31 00:01:00 UTC);
    let req = Req::new().signed_with(SigningSettings::default(), None, at);
    let value = req
        .headers
        .iter()
        .find(|(n, _)| n == "authorization")
        .unwrap()
        .1
        .replace("/20150831/", "/20150830/");
    let req = req.set("authorization", &value);
    assert_eq!(
        req.verify_at(at),
        Err(SigV4Error::ScopeDateMismatch {
            scope_date: "20150830".into(),
            request_date: "20150831".into()
        })
    );
}

#[test]
fn header_auth_skew_is_five_minutes_both_ways() {
    let req = Req::new().signed();
    let five = Duration::minutes(5);
    let second = Duration::seconds(1);
    req.verify_at(t0() + five).unwrap();
    req.verify_at(t0() - five).unwrap();
    assert_eq!(
        req.verify_at(t0() + five + second),
        Err(SigV4Error::Expired {
            request_time: t0(),
            now: t0() + five + second
        })
    );
    assert_eq!(
        req.verify_at(t0() - five - second),
        Err(SigV4Error::NotYetValid {
            request_time: t0(),
            now: t0() - five - second
        })
    );
}

#[test]
fn skew_messages_are_aws_texts() {
    let expired = SigV4Error::Expired {
        request_time: datetime!(2015-08-30 12:36:00 UTC),
        now: datetime!(2015-08-30 12:46:00 UTC),
    };
    assert_eq!(
        expired.aws_message(),
        "Signature expired: 20150830T123600Z is now earlier than 20150830T124100Z (20150830T124600Z - 5 min.)"
    );
    let early = SigV4Error::NotYetValid {
        request_time: datetime!(2015-08-30 12:46:00 UTC),
        now: datetime!(2015-08-30 12:36:00 UTC),
    };
    assert_eq!(
        early.aws_message(),
        "Signature not yet current: 20150830T124600Z is still later than 20150830T124100Z (20150830T123600Z + 5 min.)"
    );
}

#[test]
fn presigned_expiry() {
    let req = Req::new().presigned(60);
    req.verify_at(t0() + Duration::seconds(60)).unwrap();
    assert_eq!(
        req.verify_at(t0() + Duration::seconds(61)),
        Err(SigV4Error::PresignedExpired {
            request_time: t0(),
            expires_secs: 60,
            now: t0() + Duration::seconds(61)
        })
    );
    // Presigned URLs may be used up to 5 minutes before their time, not earlier.
    req.verify_at(t0() - Duration::minutes(5)).unwrap();
    let early = t0() - Duration::minutes(5) - Duration::seconds(1);
    assert_eq!(
        req.verify_at(early),
        Err(SigV4Error::NotYetValid {
            request_time: t0(),
            now: early
        })
    );
}

#[test]
fn host_must_be_signed() {
    let req = Req::new()
        .without("host")
        .signed()
        .header("Host", "secrets.example.com");
    assert_eq!(req.verify(), Err(SigV4Error::HostNotSigned));
    let presigned = Req::new()
        .without("host")
        .presigned(60)
        .header("Host", "secrets.example.com");
    assert_eq!(presigned.verify(), Err(SigV4Error::HostNotSigned));
}

#[test]
fn tampered_body() {
    let mut req = Req::new().signed();
    req.body.push(b'\n');
    assert_eq!(req.verify(), Err(SigV4Error::SignatureMismatch));
}

#[test]
fn tampered_signed_header() {
    let req = Req::new().signed();
    let tampered = req.clone().set("X-Amz-Target", "secretsmanager.DeleteSecret");
    assert_eq!(tampered.verify(), Err(SigV4Error::SignatureMismatch));
    let other_host = req.clone().set("Host", "evil.example.com");
    assert_eq!(other_host.verify(), Err(SigV4Error::SignatureMismatch));
    // A repeated signed header is part of what was signed.
    let repeated = req.clone().header("x-amz-target", "secretsmanager.DeleteSecret");
    assert_eq!(repeated.verify(), Err(SigV4Error::SignatureMismatch));
    // Unsigned headers may change freely...
    req.clone().set("User-Agent", "other/2.0").verify().unwrap();
    // ...and canonicalisation makes whitespace and name case insignificant.
    req.set("x-amz-target", "  secretsmanager.GetSecretValue ")
        .verify()
        .unwrap();
}

#[test]
fn tampered_query_path_or_method() {
    let req = Req::new().signed();
    let mut query = req.clone();
    query.query = query.query.replace("GetSecretValue", "DeleteSecret");
    assert_eq!(query.verify(), Err(SigV4Error::SignatureMismatch));
    let mut extra = req.clone();
    extra.query.push_str("&Force=true");
    assert_eq!(extra.verify(), Err(SigV4Error::SignatureMismatch));
    let mut path = req.clone();
    path.path = "/admin".into();
    assert_eq!(path.verify(), Err(SigV4Error::SignatureMismatch));
    let mut method = req.clone();
    method.method = "PUT".into();
    assert_eq!(method.verify(), Err(SigV4Error::SignatureMismatch));
    // Reordering query pairs is not tampering.
    let mut reordered = req;
    reordered.query = "Version=2017-10-17&Action=GetSecretValue".into();
    reordered.verify().unwrap();

    let mut presigned = Req::new().presigned(60);
    presigned.query = presigned.query.replace("X-Amz-Expires=60", "X-Amz-Expires=600");
    assert_eq!(presigned.verify(), Err(SigV4Error::SignatureMismatch));
}

#[test]
fn wrong_key() {
    let req = Req::new().signed();
    assert_eq!(
        req.verify_with_secret(b"not the secret", t0()),
        Err(SigV4Error::SignatureMismatch)
    );
    // The right secret derived for another region is a wrong key too.
    let auth = req.parse().unwrap();
    let key = derive_signing_key(SECRET, "20150830", "eu-west-1", "secretsmanager");
    assert_eq!(
        req.with(|r| verify(r, &auth, &key, t0())),
        Err(SigV4Error::SignatureMismatch)
    );
    // So is a signature moved to another request.
    let mut other = Req::new();
    other.body = b"{}".to_vec();
    let moved = other.header("X-Amz-Date", "20150830T123600Z").header(
        "Authorization",
        &req.headers.iter().find(|(n, _)| n == "authorization").unwrap().1,
    );
    assert_eq!(moved.verify(), Err(SigV4Error::SignatureMismatch));
}

// --- Nothing secret leaks through formatting ---

#[test]
fn secrets_stay_out_of_debug_and_display() {
    let req = Req::new().signed_with(SigningSettings::default(), Some(TOKEN), t0());
    let auth = req.parse().unwrap();
    let debug = format!("{auth:?}");
    assert!(
        !debug.contains(auth.signature()) && !debug.contains(TOKEN),
        "{debug}"
    );

    let signed = Req::new().with(|r| sign_headers(r, AKID, SECRET, "us-east-1", "s", t0(), Some(TOKEN)));
    let debug = format!("{signed:?}");
    assert!(
        !debug.contains(signed.signature()) && !debug.contains(TOKEN),
        "{debug}"
    );

    let params = SigningParams {
        access_key_id: AKID,
        secret_access_key: SECRET,
        session_token: Some(TOKEN),
        region: "us-east-1",
        service: "s",
        time: t0(),
        settings: SigningSettings::default(),
    };
    let debug = format!("{params:?}");
    assert!(!debug.contains("wJalr") && !debug.contains(TOKEN), "{debug}");

    let mut tampered = req;
    tampered.body.push(b'!');
    let err = tampered.verify().unwrap_err();
    for text in [err.to_string(), format!("{err:?}"), err.aws_message()] {
        assert!(
            !text.contains(auth.signature()) && !text.contains(TOKEN),
            "{text}"
        );
    }
}
