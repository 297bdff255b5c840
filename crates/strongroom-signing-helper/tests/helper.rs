//! The helper binary end to end against a tiny in-test CreateSession server that verifies every request
//! with our own AWS4-X509 verifier and path validation (until the real server's CreateSession lands).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use strongroom_crypto::x509::testpki::{LeafSpec, TestEku, TestKeyType, TestPki};
use strongroom_crypto::x509::{Certificate, TrustStore};
use strongroom_sigv4::SignableRequest;
use strongroom_sigv4::x509::{parse_x509_auth, verify_x509};
use time::OffsetDateTime;

const ANCHOR: &str =
    "arn:aws:rolesanywhere:us-east-1:111122223333:trust-anchor/0a1b2c3d-0000-4000-8000-000000000002";
const PROFILE: &str =
    "arn:aws:rolesanywhere:us-east-1:111122223333:profile/0a1b2c3d-0000-4000-8000-000000000001";
const ROLE: &str = "arn:aws:iam::111122223333:role/WorkloadRole";

fn pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| TestPki::generate().unwrap())
}

/// What the fake server saw, for assertions.
#[derive(Debug, Default, Clone)]
struct Seen {
    queries: Vec<String>,
    bodies: Vec<String>,
    subjects: Vec<String>,
}

/// The fake CreateSession: 201 with credentials when the request verifies, AWS errors otherwise.
async fn create_session(
    store: Arc<TrustStore>,
    seen: Arc<Mutex<Seen>>,
    req: hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let header_refs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let signable = SignableRequest {
        method: &method,
        path: &path,
        query: &query,
        headers: &header_refs,
        body: &body,
    };
    let error = |status: u16, code: &str, message: &str| {
        let mut response =
            hyper::Response::new(Full::new(Bytes::from(format!("{{\"message\":\"{message}\"}}"))));
        *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
        response
            .headers_mut()
            .insert("x-amzn-errortype", code.parse().unwrap());
        response
            .headers_mut()
            .insert("x-amzn-requestid", "req-1".parse().unwrap());
        response
    };
    if method != "POST" || path != "/sessions" {
        return error(404, "ResourceNotFoundException", "no such operation");
    }
    let now = OffsetDateTime::now_utc();
    let verified = match parse_x509_auth(&signable).and_then(|auth| verify_x509(&signable, &auth, now)) {
        Ok(v) => v,
        Err(e) if e.is_client_input() => return error(400, "ValidationException", &e.to_string()),
        Err(e) => return error(403, "AccessDeniedException", &e.to_string()),
    };
    if store.validate(verified.leaf(), verified.chain(), now).is_err() {
        return error(403, "AccessDeniedException", "Untrusted Signing Certificate");
    }
    {
        let mut seen = seen.lock().unwrap();
        seen.queries.push(query.clone());
        seen.bodies.push(String::from_utf8_lossy(&body).into_owned());
        seen.subjects.push(verified.leaf().subject().to_string());
    }
    let expiration = (now + time::Duration::hours(1))
        .replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let json = format!(
        "{{\"credentialSet\":[{{\"assumedRoleUser\":{{\"arn\":\"arn:aws:sts::111122223333:assumed-role/WorkloadRole/{serial}\",\"assumedRoleId\":\"AROAX:{serial}\"}},\"credentials\":{{\"accessKeyId\":\"ASIATESTTESTTEST\",\"secretAccessKey\":\"secret/{serial}\",\"sessionToken\":\"token-{serial}\",\"expiration\":\"{expiration}\"}},\"packedPolicySize\":10,\"roleArn\":\"{ROLE}\",\"sourceIdentity\":\"cn\"}}],\"subjectArn\":\"arn:aws:rolesanywhere:us-east-1:111122223333:subject/x\"}}",
        serial = verified.leaf().serial_hex(),
    );
    let mut response = hyper::Response::new(Full::new(Bytes::from(json)));
    *response.status_mut() = hyper::StatusCode::CREATED;
    response
}

struct FakeServer {
    addr: SocketAddr,
    seen: Arc<Mutex<Seen>>,
    _runtime: tokio::runtime::Runtime,
}

/// Starts the fake server on a background runtime; with `tls`, over HTTPS with a certificate for
/// `localhost` issued by the test PKI's intermediate.
fn start_server(tls: bool) -> FakeServer {
    let pki = pki();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let store = Arc::new(pki.trust_store().unwrap());
    let seen = Arc::new(Mutex::new(Seen::default()));
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = tls.then(|| {
        let mut spec = LeafSpec::client("localhost", TestKeyType::EcP256, 0x5000, pki.now);
        spec.eku = TestEku::ServerAuthOnly;
        spec.dns_names = vec!["localhost".to_owned()];
        spec.uris = Vec::new();
        let server = pki.intermediate.issue(&spec).unwrap();
        use rustls::pki_types::pem::PemObject as _;
        let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(server.key_pem.as_bytes()).unwrap();
        let chain = vec![
            rustls::pki_types::CertificateDer::from(server.cert.der().to_vec()),
            rustls::pki_types::CertificateDer::from(pki.intermediate.cert().der().to_vec()),
        ];
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
        tokio_rustls::TlsAcceptor::from(Arc::new(config))
    });
    let seen_for_server = Arc::clone(&seen);
    runtime.spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let store = Arc::clone(&store);
            let seen = Arc::clone(&seen_for_server);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| {
                    let store = Arc::clone(&store);
                    let seen = Arc::clone(&seen);
                    async move { Ok::<_, std::convert::Infallible>(create_session(store, seen, req).await) }
                });
                let builder = hyper::server::conn::http1::Builder::new();
                match acceptor {
                    Some(acceptor) => {
                        if let Ok(tls) = acceptor.accept(stream).await {
                            let _ = builder.serve_connection(TokioIo::new(tls), service).await;
                        }
                    }
                    None => {
                        let _ = builder.serve_connection(TokioIo::new(stream), service).await;
                    }
                }
            });
        }
    });
    FakeServer {
        addr,
        seen,
        _runtime: runtime,
    }
}

/// Files of one identity in a temporary directory.
struct Files {
    dir: tempfile::TempDir,
    cert: PathBuf,
    key: PathBuf,
    chain: PathBuf,
}

fn files(identity: &strongroom_crypto::x509::testpki::TestIdentity, traditional_key: bool) -> Files {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    let chain = dir.path().join("chain.pem");
    std::fs::write(&cert, &identity.cert_pem).unwrap();
    let key_pem = if traditional_key {
        identity.key_pem_traditional().unwrap()
    } else {
        identity.key_pem.clone()
    };
    std::fs::write(&key, key_pem).unwrap();
    std::fs::write(&chain, pki().intermediate.cert().to_pem()).unwrap();
    Files {
        dir,
        cert,
        key,
        chain,
    }
}

fn helper() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_strongroom-signing-helper"));
    command
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_ROLESANYWHERE")
        .env_remove("AWS_CA_BUNDLE");
    command
}

fn credential_args(files: &Files, endpoint: &str) -> Vec<String> {
    [
        "--certificate",
        files.cert.to_str().unwrap(),
        "--private-key",
        files.key.to_str().unwrap(),
        "--intermediates",
        files.chain.to_str().unwrap(),
        "--trust-anchor-arn",
        ANCHOR,
        "--profile-arn",
        PROFILE,
        "--role-arn",
        ROLE,
        "--endpoint",
        endpoint,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

fn run(mut command: Command) -> Output {
    command.stdin(Stdio::null()).output().unwrap()
}

#[test]
fn credential_process_for_every_key_type_and_format() {
    let server = start_server(false);
    let endpoint = format!("http://{}", server.addr);
    let pki = pki();
    for (identity, traditional) in [
        (&pki.leaf_rsa, false),
        (&pki.leaf_rsa, true),
        (&pki.leaf_p256, false),
        (&pki.leaf_p256, true),
        (&pki.leaf_p384, false),
        (&pki.leaf_p384, true),
    ] {
        let files = files(identity, traditional);
        let mut command = helper();
        command
            .arg("credential-process")
            .args(credential_args(&files, &endpoint));
        let output = run(command);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(!stdout.ends_with('\n'));
        let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(json["Version"], 1);
        assert_eq!(json["AccessKeyId"], "ASIATESTTESTTEST");
        assert_eq!(
            json["SecretAccessKey"],
            format!("secret/{}", identity.cert.serial_hex())
        );
        assert_eq!(
            json["SessionToken"],
            format!("token-{}", identity.cert.serial_hex())
        );
        assert!(json["Expiration"].as_str().unwrap().ends_with('Z'));
        assert!(stdout.starts_with("{\"Version\":1,\"AccessKeyId\":"));
    }
    let seen = server.seen.lock().unwrap().clone();
    assert!(
        seen.queries[0]
            .starts_with("profileArn=arn%3Aaws%3Arolesanywhere%3Aus-east-1%3A111122223333%3Aprofile%2F")
    );
    assert_eq!(seen.bodies[0], "{\"durationSeconds\":3600}");
    assert_eq!(seen.subjects[0], pki.leaf_rsa.cert.subject().to_string());
    assert!(seen.subjects[0].contains("CN=workload-rsa"));
}

#[test]
fn refused_certificates_print_the_aws_error() {
    let server = start_server(false);
    let endpoint = format!("http://{}", server.addr);
    let pki = pki();
    for identity in [&pki.expired, &pki.revoked, &pki.untrusted_leaf, &pki.ca_as_leaf] {
        let files = files(identity, false);
        let mut command = helper();
        command
            .arg("credential-process")
            .args(credential_args(&files, &endpoint));
        let output = run(command);
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("StatusCode: 403")
                && stderr.contains("AccessDeniedException: Untrusted Signing Certificate"),
            "{stderr}"
        );
        assert!(output.stdout.is_empty());
    }
    // A key that is not the certificate's is refused before anything is sent.
    let files = files(&pki.leaf_p256, false);
    std::fs::write(&files.key, &pki.leaf_p384.key_pem).unwrap();
    let mut command = helper();
    command
        .arg("credential-process")
        .args(credential_args(&files, &endpoint));
    let output = run(command);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("does not match"));
}

#[test]
fn duration_and_session_name_reach_the_body() {
    let server = start_server(false);
    let endpoint = format!("http://{}", server.addr);
    let files = files(&pki().leaf_p256, false);
    let mut command = helper();
    command
        .arg("credential-process")
        .args(credential_args(&files, &endpoint))
        .args(["--session-duration", "900", "--role-session-name", "job-42"]);
    let output = run(command);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen = server.seen.lock().unwrap().clone();
    assert_eq!(
        seen.bodies,
        ["{\"durationSeconds\":900,\"roleSessionName\":\"job-42\"}"]
    );
    // Out-of-range durations never leave the machine.
    let mut command = helper();
    command
        .arg("credential-process")
        .args(credential_args(&files, &endpoint))
        .args(["--session-duration", "60"]);
    assert!(!run(command).status.success());
}

#[test]
fn https_with_aws_ca_bundle() {
    let server = start_server(true);
    let endpoint = format!("https://localhost:{}", server.addr.port());
    let files = files(&pki().leaf_p256, false);
    let bundle = files.dir.path().join("ca.pem");
    std::fs::write(&bundle, pki().root.cert().to_pem()).unwrap();
    let mut command = helper();
    command
        .arg("credential-process")
        .args(credential_args(&files, &endpoint))
        .env("AWS_CA_BUNDLE", &bundle);
    let output = run(command);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Another CA in the bundle: the handshake fails.
    std::fs::write(&bundle, pki().untrusted_root.cert().to_pem()).unwrap();
    let mut command = helper();
    command
        .arg("credential-process")
        .args(credential_args(&files, &endpoint))
        .env("AWS_CA_BUNDLE", &bundle);
    let output = run(command);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("TLS"));
}

#[test]
fn update_writes_the_profile() {
    let server = start_server(false);
    let endpoint = format!("http://{}", server.addr);
    let files = files(&pki().leaf_rsa, false);
    let credentials = files.dir.path().join("aws").join("credentials");
    std::fs::create_dir_all(credentials.parent().unwrap()).unwrap();
    std::fs::write(&credentials, "[other]\naws_access_key_id = KEEP\n").unwrap();
    let mut command = helper();
    command
        .arg("update")
        .args(credential_args(&files, &endpoint))
        .args(["--profile", "ra", "--once"])
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials);
    let output = run(command);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&credentials).unwrap();
    assert!(text.starts_with("[other]\naws_access_key_id = KEEP\n"), "{text}");
    assert!(
        text.contains("[ra]\naws_access_key_id = ASIATESTTESTTEST\n"),
        "{text}"
    );
    assert!(text.contains(&format!(
        "aws_session_token = token-{}\n",
        pki().leaf_rsa.cert.serial_hex()
    )));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&credentials).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

/// One HTTP/1.1 request with `Connection: close`; returns status and body.
fn http(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 0\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.get(9..12).unwrap().parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn serve_speaks_imdsv2() {
    let server = start_server(false);
    let endpoint = format!("http://{}", server.addr);
    let files = files(&pki().leaf_p256, false);
    let mut command = helper();
    command
        .arg("serve")
        .args(credential_args(&files, &endpoint))
        .args(["--port", "0"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null());
    let mut child = command.spawn().unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let port: u16 = line
        .trim()
        .rsplit(' ')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();

    let results = || {
        // No token: 401. Wrong method: 405. Bad TTL or a proxied request: 400.
        assert_eq!(
            http(addr, "GET", "/latest/meta-data/iam/security-credentials/", &[]).0,
            401
        );
        assert_eq!(http(addr, "GET", "/latest/api/token", &[]).0, 405);
        assert_eq!(
            http(
                addr,
                "PUT",
                "/latest/api/token",
                &[("X-aws-ec2-metadata-token-ttl-seconds", "0")]
            )
            .0,
            400
        );
        assert_eq!(
            http(
                addr,
                "PUT",
                "/latest/api/token",
                &[("X-Forwarded-For", "10.0.0.1")]
            )
            .0,
            400
        );
        let (status, token) = http(
            addr,
            "PUT",
            "/latest/api/token",
            &[("X-aws-ec2-metadata-token-ttl-seconds", "60")],
        );
        assert_eq!(status, 200);
        assert_eq!(token.len(), 100);
        let auth = [("X-aws-ec2-metadata-token", token.as_str())];
        assert_eq!(
            http(addr, "GET", "/latest/meta-data/iam/security-credentials/", &auth),
            (200, "WorkloadRole".to_owned())
        );
        assert_eq!(
            http(
                addr,
                "GET",
                "/latest/meta-data/iam/security-credentials/Other",
                &auth
            )
            .0,
            404
        );
        assert_eq!(
            http(
                addr,
                "GET",
                "/latest/meta-data/iam/security-credentials/WorkloadRole",
                &[("X-aws-ec2-metadata-token", "forged")]
            )
            .0,
            401
        );
        let (status, body) = http(
            addr,
            "GET",
            "/latest/meta-data/iam/security-credentials/WorkloadRole",
            &auth,
        );
        assert_eq!(status, 200);
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["Code"], "Success");
        assert_eq!(json["Type"], "AWS-HMAC");
        assert_eq!(json["AccessKeyId"], "ASIATESTTESTTEST");
        assert_eq!(
            json["Token"],
            format!("token-{}", pki().leaf_p256.cert.serial_hex())
        );
        assert!(json["Expiration"].as_str().unwrap().ends_with('Z'));
        assert!(json["LastUpdated"].as_str().is_some());
    };
    let outcome = std::panic::catch_unwind(results);
    let _ = child.kill();
    let _ = child.wait();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
    // Credentials were fetched once at start and reused (they are an hour from expiry).
    assert_eq!(server.seen.lock().unwrap().queries.len(), 1);
}

#[test]
fn read_certificate_data_and_sign_string() {
    let pki = pki();
    for (identity, key_type) in [(&pki.leaf_rsa, "RSA"), (&pki.leaf_p384, "EC")] {
        let files = files(identity, false);
        let mut command = helper();
        command.args([
            "read-certificate-data",
            "--certificate",
            files.cert.to_str().unwrap(),
        ]);
        let output = run(command);
        assert!(output.status.success());
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(json["keyType"], key_type);
        assert_eq!(json["serialNumber"].to_string(), identity.cert.serial_decimal());
        assert_eq!(
            Certificate::from_base64_der(json["certificateData"].as_str().unwrap()).unwrap(),
            identity.cert
        );
        assert_eq!(json["supportedAlgorithms"][0], format!("{key_type}SHA256"));

        let mut command = helper();
        command.args([
            "sign-string",
            "--private-key",
            files.key.to_str().unwrap(),
            "--format",
            "text",
        ]);
        let output = run(command);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let hex = String::from_utf8(output.stdout).unwrap();
        let signature: Vec<u8> = (0..hex.trim().len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex.trim()[i..i + 2], 16).unwrap())
            .collect();
        let mut keyed = b"IAM RA".to_vec();
        keyed.extend_from_slice(identity.cert.public_key_bytes());
        let mut message = b"AWS Roles Anywhere Credential Helper Signing Test1".to_vec();
        message.extend_from_slice(&strongroom_crypto::hash::sha256(&keyed));
        identity
            .cert
            .verify_sha256_signature(&message, &signature)
            .unwrap();
    }
}
