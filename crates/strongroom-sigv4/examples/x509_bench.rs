//! Micro benchmark of the per-request X.509 work of CreateSession: parse the AWS4-X509 `Authorization`,
//! parse `X-Amz-X509` and `X-Amz-X509-Chain`, verify the request signature, and validate the path to
//! the trust anchor (with a CRL). Two chains: all P-256 (leaf under one intermediate under a root) and
//! all RSA-2048. Prints µs/op on one thread and the rate with one thread per core.
//!
//! Run with `cargo run --release -p strongroom-sigv4 --example x509_bench`.

use std::hint::black_box;
use std::time::Instant;

use strongroom_crypto::x509::testpki::{TestKeyType, TestPki};
use strongroom_crypto::x509::{Crl, TrustStore};
use strongroom_sigv4::SignableRequest;
use strongroom_sigv4::x509::{X509SigningParams, parse_x509_auth, sign_x509, verify_x509};
use time::OffsetDateTime;

const ITERATIONS: u32 = 2_000;

struct Case {
    name: &'static str,
    store: TrustStore,
    headers: Vec<(String, String)>,
    query: String,
    body: Vec<u8>,
    now: OffsetDateTime,
}

fn case(name: &'static str, key: TestKeyType) -> Result<Case, Box<dyn std::error::Error>> {
    let pki = TestPki::generate_with(key, key, OffsetDateTime::now_utc())?;
    let leaf = match key {
        TestKeyType::Rsa2048 => &pki.leaf_rsa,
        TestKeyType::EcP256 => &pki.leaf_p256,
        TestKeyType::EcP384 => &pki.leaf_p384,
    };
    let store =
        TrustStore::new(vec![pki.root.cert().clone()])?.with_crls(vec![Crl::from_der(&pki.crl_der()?)?]);
    let query = "profileArn=arn%3Aaws%3Arolesanywhere%3Aus-east-1%3A111122223333%3Aprofile%2Fp&roleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2FR&trustAnchorArn=arn%3Aaws%3Arolesanywhere%3Aus-east-1%3A111122223333%3Atrust-anchor%2Ft".to_owned();
    let body = br#"{"durationSeconds":3600}"#.to_vec();
    let base = [("host", "127.0.0.1:8443"), ("content-type", "application/json")];
    let key = leaf.private_key()?;
    let chain = pki.chain();
    let signed = sign_x509(
        &SignableRequest {
            method: "POST",
            path: "/sessions",
            query: &query,
            headers: &base,
            body: &body,
        },
        &X509SigningParams {
            certificate: &leaf.cert,
            chain: &chain,
            key: &key,
            region: "us-east-1",
            time: pki.now,
        },
    )?;
    let mut headers: Vec<(String, String)> = base
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    headers.extend(signed.headers().iter().map(|(n, v)| ((*n).to_owned(), v.clone())));
    Ok(Case {
        name,
        store,
        headers,
        query,
        body,
        now: pki.now,
    })
}

/// One CreateSession's X.509 work; returns whether it was accepted.
fn one_request(case: &Case) -> bool {
    let headers: Vec<(&str, &str)> = case
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let req = SignableRequest {
        method: "POST",
        path: "/sessions",
        query: &case.query,
        headers: &headers,
        body: &case.body,
    };
    let Ok(auth) = parse_x509_auth(&req) else {
        return false;
    };
    let Ok(verified) = verify_x509(&req, &auth, case.now) else {
        return false;
    };
    case.store
        .validate(verified.leaf(), verified.chain(), case.now)
        .is_ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    for case in [
        case("P-256 leaf, P-256 intermediate and root", TestKeyType::EcP256)?,
        case("RSA-2048 leaf, intermediate and root", TestKeyType::Rsa2048)?,
    ] {
        if !one_request(&case) {
            return Err(format!("{}: the request does not verify", case.name).into());
        }
        let started = Instant::now();
        for _ in 0..ITERATIONS {
            black_box(one_request(black_box(&case)));
        }
        let per_op = started.elapsed() / ITERATIONS;
        let started = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..cores {
                scope.spawn(|| {
                    for _ in 0..ITERATIONS {
                        black_box(one_request(black_box(&case)));
                    }
                });
            }
        });
        let rate = f64::from(ITERATIONS) * cores as f64 / started.elapsed().as_secs_f64();
        println!(
            "{:<42} {:>8.1} µs/op on 1 thread; {:>8.0} req/s on {cores} threads",
            case.name,
            per_op.as_secs_f64() * 1e6,
            rate
        );
    }
    Ok(())
}
