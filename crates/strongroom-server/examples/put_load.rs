//! A lean PutSecretValue load generator for `bench/put.sh`: boto3 costs ~0.8 ms of client CPU per call,
//! so on a 2-core machine it cannot load a server past ~1,000 writes a second. This signs each request
//! with our SigV4 signer and keeps CONNS requests in flight.
//!   put_load ENDPOINT ACCESS_KEY_ID SECRET_ACCESS_KEY SECRET_PREFIX SECRETS CONNS SECONDS
//! The secrets `PREFIX-0` … `PREFIX-(SECRETS-1)` must exist. Prints one JSON line.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use strongroom_sigv4::SignableRequest;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [endpoint, key_id, secret, prefix, secrets, conns, seconds] = args.as_slice() else {
        anyhow::bail!(
            "usage: put_load ENDPOINT ACCESS_KEY_ID SECRET_ACCESS_KEY SECRET_PREFIX SECRETS CONNS SECONDS"
        );
    };
    let secrets: u64 = secrets.parse().context("SECRETS")?;
    let conns: usize = conns.parse().context("CONNS")?;
    let duration = Duration::from_secs(seconds.parse().context("SECONDS")?);
    let host = endpoint.trim_start_matches("http://").to_owned();
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..conns {
        let (client, endpoint, host, key_id, secret, prefix) = (
            client.clone(),
            endpoint.clone(),
            host.clone(),
            key_id.clone(),
            secret.clone(),
            prefix.clone(),
        );
        let (done, failed) = (Arc::clone(&done), Arc::clone(&failed));
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut n = worker as u64;
            while started.elapsed() < duration {
                let token = strongroom_crypto::random::uuid_v4();
                let body = format!(
                    r#"{{"SecretId":"{prefix}-{}","SecretString":"value-{n}","ClientRequestToken":"{token}"}}"#,
                    n % secrets
                );
                n += conns as u64;
                let headers = [
                    ("host", host.as_str()),
                    ("content-type", "application/x-amz-json-1.1"),
                    ("x-amz-target", "secretsmanager.PutSecretValue"),
                ];
                let signable =
                    SignableRequest { method: "POST", path: "/", query: "", headers: &headers, body: body.as_bytes() };
                let signed = strongroom_sigv4::sign_headers(
                    &signable,
                    &key_id,
                    secret.as_bytes(),
                    "us-east-1",
                    "secretsmanager",
                    time::OffsetDateTime::now_utc(),
                    None,
                );
                let mut request = http::Request::builder().method("POST").uri(format!("{endpoint}/"));
                for (name, value) in headers.iter().skip(1) {
                    request = request.header(*name, *value);
                }
                for (name, value) in signed.headers() {
                    request = request.header(*name, value.as_str());
                }
                let sent = Instant::now();
                let ok = match request.body(Full::new(Bytes::from(body))) {
                    Ok(request) => match client.request(request).await {
                        Ok(response) => {
                            let status = response.status();
                            let _ = response.into_body().collect().await;
                            status.is_success()
                        }
                        Err(_) => false,
                    },
                    Err(_) => false,
                };
                latencies.push(sent.elapsed());
                if ok { &done } else { &failed }.fetch_add(1, Ordering::Relaxed);
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await?);
    }
    let wall = started.elapsed().as_secs_f64();
    latencies.sort();
    let pick = |q: f64| {
        latencies
            .get(((latencies.len() as f64) * q) as usize)
            .map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    println!(
        r#"{{"tool":"put_load","conns":{conns},"ops":{},"errors":{},"ops_per_s":{:.1},"p50_ms":{:.2},"p99_ms":{:.2}}}"#,
        done.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
        done.load(Ordering::Relaxed) as f64 / wall,
        pick(0.5),
        pick(0.99),
    );
    Ok(())
}
