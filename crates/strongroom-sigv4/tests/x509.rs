//! AWS4-X509 against the project's Roles Anywhere vectors (all 18) and round trips through our signer.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::OnceLock;

use serde_json::Value;
use strongroom_crypto::hash::sha256_hex;
use strongroom_crypto::x509::testpki::TestPki;
use strongroom_crypto::x509::{Certificate, PrivateKey, TrustStore, X509Error};
use strongroom_sigv4::x509::{
    X509Algorithm, X509AuthError, X509SigningParams, is_x509_request, parse_x509_auth, sign_x509,
    verify_x509, x509_string_to_sign,
};
use strongroom_sigv4::{AuthLocation, SignableRequest, canonical_request};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const VECTORS: &str = include_str!("x509-vectors/vectors.json");
const PKI: &str = include_str!("x509-vectors/pki.json");
const VECTOR_TIME: OffsetDateTime = datetime!(2025-01-02 03:04:05 UTC);

struct Owned {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Owned {
    fn from_vector(v: &Value) -> Self {
        let r = &v["request"];
        Self {
            method: r["method"].as_str().unwrap().to_owned(),
            path: r["path"].as_str().unwrap().to_owned(),
            query: r["query"].as_str().unwrap().to_owned(),
            headers: r["headers"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect(),
            body: r["body"].as_str().unwrap().as_bytes().to_vec(),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&SignableRequest<'_>) -> R) -> R {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        f(&SignableRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &headers,
            body: &self.body,
        })
    }

    fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
    }
}

fn vectors() -> Vec<Value> {
    let all: Value = serde_json::from_str(VECTORS).unwrap();
    all["vectors"].as_array().unwrap().clone()
}

fn pki_json() -> Value {
    serde_json::from_str(PKI).unwrap()
}

fn test_pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| TestPki::generate().unwrap())
}

#[test]
fn all_eighteen_vectors_behave_as_expected() {
    let vectors = vectors();
    assert_eq!(vectors.len(), 18);
    let pki = pki_json();
    let root = Certificate::from_pem(pki["root"]["cert"].as_str().unwrap().as_bytes()).unwrap();
    let store = TrustStore::new(vec![root]).unwrap();
    let mut accepted = 0;
    let mut rejected = 0;
    for v in &vectors {
        let id = v["id"].as_str().unwrap();
        let request = Owned::from_vector(v);
        let outcome = request.with(|req| {
            assert!(is_x509_request(req), "{id}");
            let auth = parse_x509_auth(req)?;
            if v["expected"] == "accept-signature" {
                // Our canonical request and string to sign are the vector's, byte for byte.
                let creq = canonical_request(
                    req,
                    AuthLocation::Header,
                    auth.signed_headers_str(),
                    &sha256_hex(req.body),
                );
                assert_eq!(creq, v["canonical_request"].as_str().unwrap(), "{id}");
                let sts = x509_string_to_sign(auth.label(), auth.request_time(), auth.scope(), &creq);
                assert_eq!(sts, v["string_to_sign"].as_str().unwrap(), "{id}");
                assert_eq!(
                    auth.serial_decimal(),
                    v["serial_decimal"].as_str().unwrap(),
                    "{id}"
                );
            }
            verify_x509(req, &auth, VECTOR_TIME)
        });
        match (v["expected"].as_str().unwrap(), outcome) {
            ("accept-signature", Ok(verified)) => {
                accepted += 1;
                // And the leaf with the chain it came with (or none) validates to the vectors' root.
                let mut pool = verified.chain().to_vec();
                pool.push(
                    Certificate::from_pem(pki["intermediate"]["cert"].as_str().unwrap().as_bytes()).unwrap(),
                );
                store.validate(verified.leaf(), &pool, VECTOR_TIME).unwrap();
                assert_eq!(
                    verified.leaf().serial_decimal(),
                    v["serial_decimal"].as_str().unwrap()
                );
            }
            ("reject", Err(error)) => {
                rejected += 1;
                let want_ok = match v["reason"].as_str().unwrap() {
                    "body-tampered" | "date-header-changed" | "scope-region-changed" => {
                        error == X509AuthError::SignatureMismatch
                    }
                    "credential-serial-mismatch" | "x509-header-replaced" => {
                        error == X509AuthError::SerialMismatch
                    }
                    "credential-serial-in-hex" => matches!(error, X509AuthError::Malformed { .. }),
                    other => panic!("unknown negative vector reason {other}"),
                };
                assert!(want_ok, "{id}: unexpected error {error:?}");
            }
            (expected, outcome) => panic!("{id}: expected {expected}, got {outcome:?}"),
        }
    }
    assert_eq!((accepted, rejected), (12, 6));
}

#[test]
fn our_signer_reproduces_the_deterministic_rsa_vectors() {
    let pki = pki_json();
    let cert = Certificate::from_pem(pki["leaves"]["rsa2048"]["cert"].as_str().unwrap().as_bytes()).unwrap();
    let key = PrivateKey::from_pem(pki["leaves"]["rsa2048"]["key"].as_str().unwrap().as_bytes()).unwrap();
    let mut checked = 0;
    for v in vectors()
        .iter()
        .filter(|v| v["key_label"] == "rsa2048" && v["expected"] == "accept-signature")
    {
        let vector = Owned::from_vector(v);
        let chain = match vector.headers.iter().find(|(n, _)| n == "x-amz-x509-chain") {
            Some((_, value)) => strongroom_crypto::x509::parse_chain_header(value).unwrap(),
            None => Vec::new(),
        };
        let mut unsigned = Owned::from_vector(v);
        unsigned
            .headers
            .retain(|(n, _)| n == "content-type" || n == "host");
        let signed = unsigned.with(|req| {
            sign_x509(
                req,
                &X509SigningParams {
                    certificate: &cert,
                    chain: &chain,
                    key: &key,
                    region: "us-east-1",
                    time: VECTOR_TIME,
                },
            )
            .unwrap()
        });
        let want = vector.headers.iter().find(|(n, _)| n == "authorization").unwrap();
        assert_eq!(signed.get("authorization"), Some(want.1.as_str()), "{}", v["id"]);
        checked += 1;
    }
    assert_eq!(checked, 4);
}

/// A CreateSession request as the Go helper sends it, signed by our signer.
fn signed_request(
    leaf: &strongroom_crypto::x509::testpki::TestIdentity,
    chain: &[Certificate],
    at: OffsetDateTime,
) -> Owned {
    let mut request = Owned {
        method: "POST".to_owned(),
        path: "/sessions".to_owned(),
        query: "profileArn=arn%3Aaws%3Arolesanywhere%3Aus-east-1%3A111122223333%3Aprofile%2Fp&roleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2FR&trustAnchorArn=arn%3Aaws%3Arolesanywhere%3Aus-east-1%3A111122223333%3Atrust-anchor%2Ft".to_owned(),
        headers: vec![
            ("Host".to_owned(), "127.0.0.1:8443".to_owned()),
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("User-Agent".to_owned(), "CredHelper/1.8.0".to_owned()),
        ],
        body: br#"{"durationSeconds":3600}"#.to_vec(),
    };
    let key = leaf.private_key().unwrap();
    let signed = request.with(|req| {
        sign_x509(
            req,
            &X509SigningParams {
                certificate: &leaf.cert,
                chain,
                key: &key,
                region: "us-east-1",
                time: at,
            },
        )
        .unwrap()
    });
    for (name, value) in signed.headers() {
        request.set_header(name, value);
    }
    request
}

fn verify_owned(
    request: &Owned,
    now: OffsetDateTime,
) -> Result<strongroom_sigv4::x509::X509Verified, X509AuthError> {
    request.with(|req| {
        let auth = parse_x509_auth(req)?;
        verify_x509(req, &auth, now)
    })
}

#[test]
fn signer_round_trips_for_every_key_type() {
    let pki = test_pki();
    let store = pki.trust_store().unwrap();
    for (leaf, algorithm) in [
        (&pki.leaf_rsa, X509Algorithm::Rsa),
        (&pki.leaf_p256, X509Algorithm::Ecdsa),
        (&pki.leaf_p384, X509Algorithm::Ecdsa),
    ] {
        for chain in [pki.chain(), Vec::new()] {
            let request = signed_request(leaf, &chain, pki.now);
            let auth = request.with(parse_x509_auth).unwrap();
            assert_eq!(auth.algorithm(), algorithm);
            assert!(
                auth.signed_headers_str()
                    .contains("content-type;host;x-amz-date;x-amz-x509")
            );
            assert!(!auth.signed_headers_str().contains("user-agent"));
            let verified = verify_owned(&request, pki.now + Duration::seconds(299)).unwrap();
            assert_eq!(verified.leaf(), &leaf.cert);
            assert_eq!(verified.chain(), &chain[..]);
            let validated = store.validate(verified.leaf(), verified.chain(), pki.now);
            if chain.is_empty() {
                assert_eq!(validated, Err(X509Error::UntrustedIssuer));
            } else {
                validated.unwrap();
            }
        }
    }
}

#[test]
fn tampering_and_time_are_refused() {
    let pki = test_pki();
    let good = signed_request(&pki.leaf_p256, &pki.chain(), pki.now);
    verify_owned(&good, pki.now).unwrap();

    let mut cases: Vec<(&str, Owned, OffsetDateTime, X509AuthError)> = Vec::new();
    let mut body = signed_request(&pki.leaf_p256, &pki.chain(), pki.now);
    body.body = br#"{"durationSeconds":43200}"#.to_vec();
    cases.push(("body", body, pki.now, X509AuthError::SignatureMismatch));

    let mut query = signed_request(&pki.leaf_p256, &pki.chain(), pki.now);
    query.query = query.query.replace("role%2FR", "role%2FAdmin");
    cases.push(("query", query, pki.now, X509AuthError::SignatureMismatch));

    let late = signed_request(&pki.leaf_p256, &pki.chain(), pki.now);
    let at = pki.now + Duration::seconds(301);
    cases.push((
        "late",
        late,
        at,
        X509AuthError::Expired {
            request_time: pki.now,
            now: at,
        },
    ));
    let early = signed_request(&pki.leaf_p256, &pki.chain(), pki.now);
    let at = pki.now - Duration::seconds(301);
    cases.push((
        "early",
        early,
        at,
        X509AuthError::NotYetValid {
            request_time: pki.now,
            now: at,
        },
    ));

    // Another certificate of the same key type in X-Amz-X509: the serial no longer matches.
    let mut swapped = signed_request(&pki.leaf_p256, &pki.chain(), pki.now);
    swapped.set_header("x-amz-x509", &pki.leaf_no_eku.cert.to_base64_der());
    cases.push(("swapped cert", swapped, pki.now, X509AuthError::SerialMismatch));

    // The chain header replaced after signing.
    let mut chain = signed_request(&pki.leaf_p256, &pki.chain(), pki.now);
    chain.set_header("x-amz-x509-chain", &pki.root.cert().to_base64_der());
    cases.push(("chain", chain, pki.now, X509AuthError::SignatureMismatch));

    // A chain header added after signing is not covered by the signature.
    let mut added_chain = signed_request(&pki.leaf_p256, &[], pki.now);
    added_chain.set_header("x-amz-x509-chain", &pki.intermediate.cert().to_base64_der());
    cases.push((
        "unsigned chain",
        added_chain,
        pki.now,
        X509AuthError::RequiredHeaderNotSigned {
            header: "x-amz-x509-chain",
        },
    ));

    // A signed header dropped in transit.
    let mut dropped = signed_request(&pki.leaf_p256, &pki.chain(), pki.now);
    dropped
        .headers
        .retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
    cases.push((
        "dropped header",
        dropped,
        pki.now,
        X509AuthError::SignedHeaderMissing {
            header: "content-type".to_owned(),
        },
    ));

    // An RSA label on an EC certificate.
    let mut label = signed_request(&pki.leaf_p256, &pki.chain(), pki.now);
    let auth = label
        .headers
        .iter()
        .find(|(n, _)| n == "authorization")
        .unwrap()
        .1
        .clone();
    label.set_header(
        "authorization",
        &auth.replace("AWS4-X509-ECDSA-SHA256", "AWS4-X509-RSA-SHA256"),
    );
    cases.push(("label", label, pki.now, X509AuthError::KeyTypeMismatch));

    // A content hash header that lies about the body.
    let mut sha = signed_request(&pki.leaf_p256, &pki.chain(), pki.now);
    sha.set_header("x-amz-content-sha256", &sha256_hex(b"other"));
    cases.push(("content sha", sha, pki.now, X509AuthError::PayloadHashMismatch));

    // Another service in the scope.
    let mut service = signed_request(&pki.leaf_p256, &pki.chain(), pki.now);
    let auth = service
        .headers
        .iter()
        .find(|(n, _)| n == "authorization")
        .unwrap()
        .1
        .clone();
    service.set_header("authorization", &auth.replace("/rolesanywhere/", "/sts/"));
    cases.push(("service", service, pki.now, X509AuthError::WrongService));

    for (name, request, now, want) in cases {
        assert_eq!(verify_owned(&request, now).unwrap_err(), want, "{name}");
    }
}

#[test]
fn malformed_headers_are_client_errors() {
    let pki = test_pki();
    let good = signed_request(&pki.leaf_rsa, &pki.chain(), pki.now);
    let auth = good
        .headers
        .iter()
        .find(|(n, _)| n == "authorization")
        .unwrap()
        .1
        .clone();
    for (name, header, value) in [
        (
            "no signature",
            "authorization",
            auth.split(", Signature=").next().unwrap().to_owned(),
        ),
        (
            "hmac",
            "authorization",
            auth.replace("AWS4-X509-RSA-SHA256", "AWS4-HMAC-SHA256"),
        ),
        ("bad date", "x-amz-date", "2025-01-02T03:04:05Z".to_owned()),
        ("bad cert", "x-amz-x509", "bm90IGEgY2VydA==".to_owned()),
        ("bad base64", "x-amz-x509", "***".to_owned()),
    ] {
        let mut request = signed_request(&pki.leaf_rsa, &pki.chain(), pki.now);
        request.set_header(header, &value);
        let error = verify_owned(&request, pki.now).unwrap_err();
        if name == "hmac" {
            assert_eq!(error, X509AuthError::UnsupportedAlgorithm);
        } else {
            assert!(error.is_client_input(), "{name}: {error:?}");
        }
    }
    let mut missing = signed_request(&pki.leaf_rsa, &pki.chain(), pki.now);
    missing.headers.retain(|(n, _)| n != "authorization");
    assert_eq!(
        verify_owned(&missing, pki.now).unwrap_err(),
        X509AuthError::Missing
    );
    missing.with(|req| assert!(!is_x509_request(req)));
}

#[test]
fn pypi_label_quirk_is_verified_with_sha256() {
    // The PyPI client labels a request after its certificate's own signature hash
    // (AWS4-X509-ECDSA-SHA384) yet signs SHA-256 of the string to sign; the label is signed too.
    let pki = test_pki();
    let leaf = &pki.leaf_p384;
    let mut request = signed_request(leaf, &pki.chain(), pki.now);
    let auth = request.with(parse_x509_auth).unwrap();
    let label = "AWS4-X509-ECDSA-SHA384";
    let creq = request.with(|req| {
        canonical_request(
            req,
            AuthLocation::Header,
            auth.signed_headers_str(),
            &sha256_hex(req.body),
        )
    });
    let sts = x509_string_to_sign(label, auth.request_time(), auth.scope(), &creq);
    let signature = leaf.private_key().unwrap().sign_sha256(sts.as_bytes()).unwrap();
    let header = format!(
        "{label} Credential={}/{}, SignedHeaders={}, Signature={}",
        leaf.cert.serial_decimal(),
        auth.scope(),
        auth.signed_headers_str(),
        strongroom_crypto::hash::to_hex(&signature)
    );
    request.set_header("authorization", &header);
    let verified = verify_owned(&request, pki.now).unwrap();
    assert_eq!(verified.leaf(), &leaf.cert);
    // The same signature under the plain label does not verify: the label is part of what was signed.
    request.set_header("authorization", &header.replace(label, "AWS4-X509-ECDSA-SHA256"));
    assert_eq!(
        verify_owned(&request, pki.now).unwrap_err(),
        X509AuthError::SignatureMismatch
    );
}
