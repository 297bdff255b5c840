//! Tests of the X.509 module against the shared vectors' PKI and a freshly generated test PKI.

use std::sync::OnceLock;

use time::Duration;

use super::testpki::{LeafSpec, TestCa, TestKeyType, TestPki, serials};
use super::*;

const PKI_JSON: &str = include_str!("../../../strongroom-sigv4/tests/x509-vectors/pki.json");

fn vectors_pki() -> serde_json::Value {
    serde_json::from_str(PKI_JSON).unwrap()
}

fn pem_of(v: &serde_json::Value, path: &[&str]) -> String {
    let mut node = v;
    for p in path {
        node = &node[*p];
    }
    node.as_str().unwrap().to_owned()
}

/// One PKI for the whole test binary: RSA key generation is slow.
fn pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| TestPki::generate().unwrap())
}

#[test]
fn reads_the_vector_leaves() {
    let v = vectors_pki();
    for (label, key_type, decimal, hex) in [
        (
            "rsa2048",
            KeyType::Rsa { bits: 2048 },
            "214933908099603316458134831733103562640",
            "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        ),
        ("p256", KeyType::EcP256, "12345", "3039"),
        (
            "p384",
            KeyType::EcP384,
            "41796794418840706582093025104159514797",
            "1f71c5114a119fc0cc5a5a52fb3720ad",
        ),
    ] {
        let cert = Certificate::from_pem(pem_of(&v, &["leaves", label, "cert"]).as_bytes()).unwrap();
        assert_eq!(cert.key_type().unwrap(), key_type, "{label}");
        assert_eq!(cert.serial_decimal(), decimal, "{label}");
        assert_eq!(cert.serial_hex(), hex, "{label}");
        assert!(cert.is_v3() && !cert.is_ca());
        assert_eq!(cert.issuer().common_name(), Some("Anchors Test Issuing CA"));
        // DER, PEM and the header form agree.
        assert_eq!(Certificate::from_der(cert.der()).unwrap(), cert);
        assert_eq!(Certificate::from_base64_der(&cert.to_base64_der()).unwrap(), cert);
        assert_eq!(Certificate::from_pem(cert.to_pem().as_bytes()).unwrap(), cert);
        // The key in pki.json belongs to the certificate and signs what the certificate verifies.
        let key = PrivateKey::from_pem(pem_of(&v, &["leaves", label, "key"]).as_bytes()).unwrap();
        assert_eq!(key.key_type(), key_type);
        key.matches(&cert).unwrap();
        let sig = key.sign_sha256(b"string to sign").unwrap();
        cert.verify_sha256_signature(b"string to sign", &sig).unwrap();
        assert_eq!(
            cert.verify_sha256_signature(b"string to sign!", &sig),
            Err(X509Error::BadSignature)
        );
    }
}

#[test]
fn rsa_leaf_tags_and_names() {
    let v = vectors_pki();
    let cert = Certificate::from_pem(pem_of(&v, &["leaves", "rsa2048", "cert"]).as_bytes()).unwrap();
    assert_eq!(
        cert.subject().to_string(),
        "CN=workload-rsa2048,OU=Workloads,O=Anchors Test,C=US"
    );
    assert_eq!(cert.subject_alt_names().dns, ["workload-1.example.internal"]);
    let tags = cert.principal_tags();
    let get = |k: &str| tags.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    assert_eq!(get("x509Subject/CN"), Some("workload-rsa2048"));
    assert_eq!(get("x509Subject/OU"), Some("Workloads"));
    assert_eq!(get("x509Subject/O"), Some("Anchors Test"));
    assert_eq!(get("x509Subject/C"), Some("US"));
    assert_eq!(get("x509Issuer/CN"), Some("Anchors Test Issuing CA"));
    assert_eq!(get("x509SAN/DNS"), Some("workload-1.example.internal"));
    assert_eq!(
        get("x509SAN/URI"),
        Some("spiffe://example.internal/ns/prod/sa/api")
    );
    assert_eq!(get("x509SAN/Name/CN"), None);
    assert_eq!(cert.signature_hash_name(), Some("SHA256"));
}

#[test]
fn vector_pki_validates_at_its_time() {
    let v = vectors_pki();
    let root = Certificate::from_pem(pem_of(&v, &["root", "cert"]).as_bytes()).unwrap();
    let intermediate = Certificate::from_pem(pem_of(&v, &["intermediate", "cert"]).as_bytes()).unwrap();
    let store = TrustStore::new(vec![root.clone()]).unwrap();
    let at = time::macros::datetime!(2025-01-02 03:04:05 UTC);
    for label in ["rsa2048", "p256", "p384"] {
        let leaf = Certificate::from_pem(pem_of(&v, &["leaves", label, "cert"]).as_bytes()).unwrap();
        let path = store
            .validate(&leaf, std::slice::from_ref(&intermediate), at)
            .unwrap();
        assert_eq!(path.intermediate_count(), 1);
        // The chain may hold the leaf and the root too, in any order.
        store
            .validate(&leaf, &[root.clone(), leaf.clone(), intermediate.clone()], at)
            .unwrap();
        // Without the intermediate there is no path.
        assert_eq!(store.validate(&leaf, &[], at), Err(X509Error::UntrustedIssuer));
        // The intermediate itself can be the anchor.
        TrustStore::new(vec![intermediate.clone()])
            .unwrap()
            .validate(&leaf, &[], at)
            .unwrap();
    }
}

#[test]
fn generated_pki_good_leaves_validate() {
    let pki = pki();
    let store = pki.trust_store().unwrap();
    for leaf in [&pki.leaf_rsa, &pki.leaf_p256, &pki.leaf_p384, &pki.leaf_no_eku] {
        store.validate(&leaf.cert, &pki.chain(), pki.now).unwrap();
        let key = leaf.private_key().unwrap();
        key.matches(&leaf.cert).unwrap();
        let sig = key.sign_sha256(b"hello").unwrap();
        leaf.cert.verify_sha256_signature(b"hello", &sig).unwrap();
        // The traditional PEM forms (PKCS#1, SEC1) load the same key.
        let traditional = PrivateKey::from_pem(leaf.key_pem_traditional().unwrap().as_bytes()).unwrap();
        traditional.matches(&leaf.cert).unwrap();
    }
    assert_eq!(pki.leaf_p256.cert.subject().common_name(), Some("workload-p256"));
    let tags = pki.leaf_p256.cert.principal_tags();
    assert!(tags.contains(&(
        "x509SAN/URI".to_owned(),
        "spiffe://example.internal/ns/test/sa/workload-p256".to_owned()
    )));
}

#[test]
fn generated_pki_bad_leaves_are_refused_with_their_reason() {
    let pki = pki();
    let store = pki.trust_store().unwrap();
    let chain = pki.chain();
    let cases: [(&str, &Certificate, &[Certificate], X509Error); 8] = [
        ("expired", &pki.expired.cert, &chain, X509Error::Expired),
        (
            "not yet valid",
            &pki.not_yet_valid.cert,
            &chain,
            X509Error::NotYetValid,
        ),
        (
            "CA as leaf",
            &pki.ca_as_leaf.cert,
            &chain,
            X509Error::CaUsedAsLeaf,
        ),
        (
            "wrong EKU",
            &pki.wrong_eku.cert,
            &chain,
            X509Error::KeyUsage("extended key usage does not include client authentication"),
        ),
        ("revoked", &pki.revoked.cert, &chain, X509Error::Revoked),
        (
            "no digitalSignature",
            &pki.no_digital_signature.cert,
            &chain,
            X509Error::KeyUsage("the signing certificate's keyUsage lacks digitalSignature"),
        ),
        (
            "untrusted root",
            &pki.untrusted_leaf.cert,
            &chain,
            X509Error::UntrustedIssuer,
        ),
        (
            "missing intermediate",
            &pki.leaf_p256.cert,
            &[],
            X509Error::UntrustedIssuer,
        ),
    ];
    for (name, leaf, chain, want) in cases {
        assert_eq!(store.validate(leaf, chain, pki.now), Err(want), "{name}");
    }
    // The revoked leaf is fine without the CRL, and the good leaves are fine with it.
    let no_crl = TrustStore::new(vec![pki.root.cert().clone()]).unwrap();
    no_crl.validate(&pki.revoked.cert, &chain, pki.now).unwrap();
    // Time moves: the good leaf expires after 30 days.
    assert_eq!(
        store.validate(&pki.leaf_p256.cert, &chain, pki.now + Duration::days(31)),
        Err(X509Error::Expired)
    );
}

#[test]
fn crls_only_count_when_signed_by_the_issuer() {
    let pki = pki();
    // A CRL naming the good leaf's serial, but signed by an unrelated CA, revokes nothing.
    let foreign = pki.untrusted_root.crl(&[serials::LEAF_P256], pki.now).unwrap();
    let foreign = Crl::from_der(&foreign).unwrap();
    assert!(foreign.lists_serial(pki.leaf_p256.cert.serial_bytes()));
    let store = TrustStore::new(vec![pki.root.cert().clone()])
        .unwrap()
        .with_crls(vec![foreign]);
    store
        .validate(&pki.leaf_p256.cert, &pki.chain(), pki.now)
        .unwrap();
    // A root CRL revoking the intermediate revokes every leaf under it.
    let root_crl = Crl::from_der(&pki.root.crl(&[2], pki.now).unwrap()).unwrap();
    let store = TrustStore::new(vec![pki.root.cert().clone()])
        .unwrap()
        .with_crls(vec![root_crl]);
    assert_eq!(
        store.validate(&pki.leaf_p256.cert, &pki.chain(), pki.now),
        Err(X509Error::Revoked)
    );
    // PEM CRLs parse too; garbage does not.
    let pem = pem::encode("X509 CRL", &pki.crl_der().unwrap());
    assert!(
        Crl::from_pem_or_der(pem.as_bytes())
            .unwrap()
            .lists_serial(pki.revoked.cert.serial_bytes())
    );
    let crl_der = pki.crl_der().unwrap();
    let from_der = Crl::from_pem_or_der(&crl_der).unwrap();
    assert!(from_der.lists_serial(pki.revoked.cert.serial_bytes()));
    assert!(!from_der.lists_serial(pki.leaf_p256.cert.serial_bytes()));
    assert!(Crl::from_der(b"nope").is_err());
    assert!(Crl::from_pem(b"-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n").is_err());
}

#[test]
fn trust_anchors_must_be_cas_in_their_validity() {
    let pki = pki();
    assert_eq!(
        TrustStore::new(vec![pki.leaf_p256.cert.clone()]).unwrap_err(),
        X509Error::LeafUsedAsCa
    );
    assert!(TrustStore::new(Vec::new()).is_err());
    // A root that expired before `now` anchors nothing.
    let old_now = pki.now - Duration::days(4000);
    let old_root = TestCa::root("Old Root", TestKeyType::EcP256, old_now).unwrap();
    let leaf = old_root
        .issue(&LeafSpec {
            not_after: pki.now + Duration::days(1),
            ..LeafSpec::client("long-lived", TestKeyType::EcP256, 7, pki.now)
        })
        .unwrap();
    let store = TrustStore::new(vec![old_root.cert().clone()]).unwrap();
    assert_eq!(store.validate(&leaf.cert, &[], pki.now), Err(X509Error::Expired));
    store.validate(&leaf.cert, &[], old_now).unwrap_err();
}

#[test]
fn bundles_and_chain_headers() {
    let pki = pki();
    let bundle = format!("{}{}", pki.intermediate.cert().to_pem(), pki.root.cert().to_pem());
    let store = TrustStore::from_pem_bundle(bundle.as_bytes()).unwrap();
    assert_eq!(store.anchors().len(), 2);
    // With the intermediate as an anchor no chain is needed.
    store.validate(&pki.leaf_rsa.cert, &[], pki.now).unwrap();
    let header = chain_header_value(&[pki.root.cert().clone(), pki.intermediate.cert().clone()]);
    let parsed = parse_chain_header(&header).unwrap();
    assert_eq!(parsed.len(), 2);
    assert_eq!(&parsed[1], pki.intermediate.cert());
}

#[test]
fn private_keys_refuse_what_they_cannot_use() {
    assert!(matches!(
        PrivateKey::from_pem(
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"
        ),
        Err(X509Error::UnsupportedPrivateKey(_))
    ));
    assert!(PrivateKey::from_pem(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").is_err());
    assert!(PrivateKey::from_pem(b"no key").is_err());
    let pki = pki();
    let key = pki.leaf_p256.private_key().unwrap();
    assert_eq!(key.matches(&pki.leaf_p384.cert), Err(X509Error::KeyMismatch));
    assert!(!format!("{key:?}").contains("BEGIN"));
}

#[test]
fn remembered_signatures_change_nothing_but_cost() {
    let pki = pki();
    let store = pki.trust_store().unwrap();
    assert_eq!(store.remembered_signatures(), 0);
    store
        .validate(&pki.leaf_p256.cert, &pki.chain(), pki.now)
        .unwrap();
    // The leaf's and the intermediate's signatures, and the CRL's.
    let after_first = store.remembered_signatures();
    assert!(after_first >= 2, "{after_first}");
    store
        .validate(&pki.leaf_p256.cert, &pki.chain(), pki.now)
        .unwrap();
    assert_eq!(store.remembered_signatures(), after_first);
    // Every other check still runs on a remembered path: time, revocation, usage.
    assert_eq!(
        store.validate(&pki.leaf_p256.cert, &pki.chain(), pki.now + Duration::days(31)),
        Err(X509Error::Expired)
    );
    assert_eq!(
        store.validate(&pki.revoked.cert, &pki.chain(), pki.now),
        Err(X509Error::Revoked)
    );
    // A certificate whose signature bytes were altered is not mistaken for a remembered one.
    let mut der = pki.leaf_rsa.cert.der().to_vec();
    store.validate(&pki.leaf_rsa.cert, &pki.chain(), pki.now).unwrap();
    let last = der.len() - 1;
    der[last] ^= 0x01;
    let tampered = Certificate::from_der(&der).unwrap();
    assert_eq!(
        store.validate(&tampered, &pki.chain(), pki.now),
        Err(X509Error::UntrustedIssuer)
    );
}

#[test]
fn trust_stores_are_shareable() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<TrustStore>();
    assert_send_sync::<Certificate>();
    assert_send_sync::<PrivateKey>();
}
