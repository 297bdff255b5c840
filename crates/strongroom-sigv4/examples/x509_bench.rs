//! Micro benchmark of the per-request X.509 work of CreateSession: parse the AWS4-X509 `Authorization`,
//! parse `X-Amz-X509` and `X-Amz-X509-Chain`, verify the request signature, and validate the path to
//! the trust anchor (with a CRL). Two chains: all P-256 (leaf under one intermediate under a root) and
//! all RSA-2048. Prints the thread CPU time per request (from `/proc/thread-self/stat`, so that other
//! load on the machine does not inflate it), its parts, and the wall-clock rate with one thread per core.
//!
//! Run with `cargo run --release -p strongroom-sigv4 --example x509_bench`.

use std::hint::black_box;
use std::time::Instant;

use strongroom_crypto::x509::testpki::{TestKeyType, TestPki};
use strongroom_crypto::x509::{Crl, TrustStore};
use strongroom_sigv4::SignableRequest;
use strongroom_sigv4::x509::{X509SigningParams, parse_x509_auth, sign_x509, verify_x509};
use time::OffsetDateTime;

const ITERATIONS: u32 = 20_000;

/// This thread's CPU time (user + system) in seconds, at the kernel's 10 ms tick resolution.
fn thread_cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based).
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// CPU µs per call of `f` over `iterations` calls.
fn cpu_micros(iterations: u32, mut f: impl FnMut()) -> f64 {
    let started = thread_cpu_secs();
    for _ in 0..iterations {
        f();
    }
    (thread_cpu_secs() - started) * 1e6 / f64::from(iterations)
}

struct Case {
    name: &'static str,
    store: TrustStore,
    headers: Vec<(String, String)>,
    query: String,
    body: Vec<u8>,
    now: OffsetDateTime,
    rsa_key: strongroom_crypto::x509::PrivateKey,
    ec_key: strongroom_crypto::x509::PrivateKey,
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
        rsa_key: pki.leaf_rsa.private_key()?,
        ec_key: pki.leaf_p256.private_key()?,
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

fn request<'a>(case: &'a Case, headers: &'a [(&'a str, &'a str)]) -> SignableRequest<'a> {
    SignableRequest {
        method: "POST",
        path: "/sessions",
        query: &case.query,
        headers,
        body: &case.body,
    }
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
        let headers: Vec<(&str, &str)> = case
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let req = request(&case, &headers);
        let auth = parse_x509_auth(&req)?;
        let verified = verify_x509(&req, &auth, case.now)?;

        let total = cpu_micros(ITERATIONS, || {
            black_box(one_request(black_box(&case)));
        });
        let signature = cpu_micros(ITERATIONS, || {
            let auth = parse_x509_auth(black_box(&req));
            black_box(auth.map(|auth| verify_x509(&req, &auth, case.now).is_ok()).ok());
        });
        let leaf_header = verified.leaf().to_base64_der();
        let parse = cpu_micros(ITERATIONS, || {
            black_box(strongroom_crypto::x509::Certificate::from_base64_der(black_box(&leaf_header)).is_ok());
        });
        let key = match verified.leaf().key_type()? {
            strongroom_crypto::x509::KeyType::Rsa { .. } => &case.rsa_key,
            _ => &case.ec_key,
        };
        let sig = key.sign_sha256(b"message")?;
        let verify_only = cpu_micros(ITERATIONS, || {
            black_box(
                verified
                    .leaf()
                    .verify_sha256_signature(b"message", black_box(&sig))
                    .is_ok(),
            );
        });
        let path = cpu_micros(ITERATIONS, || {
            black_box(
                case.store
                    .validate(verified.leaf(), verified.chain(), case.now)
                    .is_ok(),
            );
        });
        // The same path with nothing remembered: a fresh store per request (what caching saves).
        let anchors = case.store.anchors().to_vec();
        let cold = cpu_micros(ITERATIONS / 10, || {
            if let Ok(store) = TrustStore::new(anchors.clone()) {
                black_box(
                    store
                        .validate(verified.leaf(), verified.chain(), case.now)
                        .is_ok(),
                );
            }
        });

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
        let wall_rate = f64::from(ITERATIONS) * cores as f64 / started.elapsed().as_secs_f64();
        println!("{}:", case.name);
        println!(
            "  whole request      {total:>7.1} µs CPU  → {:>7.0} req/s per core, {:>7.0} on {cores} cores",
            1e6 / total,
            1e6 / total * cores as f64
        );
        println!("  parse + signature  {signature:>7.1} µs CPU");
        println!("  of which one certificate parse {parse:>7.1} µs CPU");
        println!("  of which the signature check {verify_only:>7.1} µs CPU");
        println!("  path (remembered)  {path:>7.1} µs CPU");
        println!("  path (cold store)  {cold:>7.1} µs CPU, store construction included");
        println!(
            "  wall clock on {cores} threads: {wall_rate:.0} req/s (depends on other load on the machine)"
        );
    }
    Ok(())
}
