//! A test harness: a real Strongroom listening on a loopback port, and a client that signs raw requests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use secrecy::ExposeSecret as _;
use strongroom_server::Running;
use strongroom_server::config::{Config, RawConfig};
use strongroom_server::startup::{self, Opened};
use strongroom_service::Keyring;
use strongroom_sigv4::{SignableRequest, SigningParams, SigningSettings};
use strongroom_types::{Clock, OffsetDateTime, SystemClock};

pub const ACCOUNT: &str = "123456789012";

/// A running server with its root credentials.
pub struct TestServer {
    pub running: Option<Running>,
    pub endpoint: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub config: Config,
    pub clock: Arc<dyn Clock>,
    pub dir: tempfile::TempDir,
}

impl TestServer {
    /// A server on SQLite in a fresh directory.
    pub async fn sqlite() -> Self {
        Self::sqlite_with_clock(Arc::new(SystemClock)).await
    }

    pub async fn sqlite_with_clock(clock: Arc<dyn Clock>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path().to_owned());
        let opened = startup::open(&config, clock.as_ref(), true).await.unwrap();
        Self::start(config, opened, clock, dir).await
    }

    /// A server on the given store (for PostgreSQL), with a fresh root key.
    pub async fn on_store(store: Arc<dyn strongroom_service::Store>) -> Self {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path().to_owned());
        let root = startup::root_key(&config, true).unwrap();
        let keyring = Keyring::load(store.as_ref(), root, clock.now()).await.unwrap();
        Self::start(config, Opened { store, keyring }, clock, dir).await
    }

    async fn start(config: Config, opened: Opened, clock: Arc<dyn Clock>, dir: tempfile::TempDir) -> Self {
        let credentials = startup::init(&config, &opened, clock.as_ref()).await.unwrap();
        let running = strongroom_server::start(&config, opened, Arc::clone(&clock))
            .await
            .unwrap();
        Self {
            endpoint: running.endpoint(),
            running: Some(running),
            access_key_id: credentials.access_key_id.to_string(),
            secret_access_key: credentials.secret_access_key.expose_secret().to_owned(),
            config,
            clock,
            dir,
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().to_owned()
    }

    /// Stops the server, waiting for every audit record to be written.
    pub async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await;
        }
    }

    pub fn host(&self) -> String {
        self.endpoint.trim_start_matches("http://").to_owned()
    }

    /// An AWS SDK STS client for these credentials.
    pub fn sts(&self) -> aws_sdk_sts::Client {
        self.sts_with(&self.access_key_id, &self.secret_access_key, None)
    }

    pub fn sts_with(&self, id: &str, secret: &str, token: Option<&str>) -> aws_sdk_sts::Client {
        let credentials =
            aws_sdk_sts::config::Credentials::new(id, secret, token.map(str::to_owned), None, "test");
        let config = aws_sdk_sts::Config::builder()
            .endpoint_url(&self.endpoint)
            .region(aws_sdk_sts::config::Region::new("us-east-1"))
            .credentials_provider(credentials)
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .build();
        aws_sdk_sts::Client::from_conf(config)
    }

    /// A raw request builder signed with the root credentials.
    pub fn request(&self, service: &str) -> RawRequest {
        RawRequest {
            endpoint: self.endpoint.clone(),
            host: self.host(),
            method: "POST".into(),
            path: "/".into(),
            query: String::new(),
            headers: Vec::new(),
            body: Vec::new(),
            service: service.into(),
            region: "us-east-1".into(),
            access_key_id: self.access_key_id.clone(),
            secret: self.secret_access_key.clone(),
            session_token: None,
            time: OffsetDateTime::now_utc(),
            settings: SigningSettings::default(),
        }
    }
}

pub fn config(data_dir: PathBuf) -> Config {
    let raw = RawConfig {
        listen: Some("127.0.0.1:0".into()),
        ..RawConfig::default()
    };
    Config::from_raw(raw, &data_dir).unwrap()
}

/// A request to sign and send, with every part open to change.
#[derive(Clone)]
pub struct RawRequest {
    pub endpoint: String,
    pub host: String,
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub service: String,
    pub region: String,
    pub access_key_id: String,
    pub secret: String,
    pub session_token: Option<String>,
    pub time: OffsetDateTime,
    pub settings: SigningSettings,
}

/// What came back.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl RawRequest {
    pub fn query_action(mut self, body: &str) -> Self {
        self.headers.push((
            "content-type".into(),
            "application/x-www-form-urlencoded; charset=utf-8".into(),
        ));
        self.body = body.as_bytes().to_vec();
        self
    }

    pub fn json_target(mut self, target: &str, body: &str) -> Self {
        self.headers
            .push(("content-type".into(), "application/x-amz-json-1.1".into()));
        self.headers.push(("x-amz-target".into(), target.into()));
        self.body = body.as_bytes().to_vec();
        self
    }

    fn all_headers(&self) -> Vec<(String, String)> {
        let mut headers = vec![("host".to_owned(), self.host.clone())];
        headers.extend(self.headers.iter().cloned());
        headers
    }

    fn params(&self) -> SigningParams<'_> {
        SigningParams {
            access_key_id: &self.access_key_id,
            secret_access_key: self.secret.as_bytes(),
            session_token: self.session_token.as_deref(),
            region: &self.region,
            service: &self.service,
            time: self.time,
            settings: self.settings,
        }
    }

    /// The headers to send once signed with the `Authorization` header.
    pub fn signed_headers(&self) -> Vec<(String, String)> {
        let headers = self.all_headers();
        let view: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let req = SignableRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &view,
            body: &self.body,
        };
        let signed = strongroom_sigv4::sign_headers_with(&req, &self.params());
        let mut out = headers.clone();
        for (name, value) in signed.headers() {
            out.retain(|(n, _)| n != name);
            out.push(((*name).to_owned(), value.clone()));
        }
        out
    }

    /// Signs with the `Authorization` header and sends.
    pub async fn send(&self) -> Reply {
        let headers = self.signed_headers();
        send_raw(
            &self.endpoint,
            &self.method,
            &self.path,
            &self.query,
            &headers,
            self.body.clone(),
        )
        .await
    }

    /// Presigns for `expires` seconds and sends.
    pub async fn send_presigned(&self, expires: u32) -> Reply {
        let headers = self.all_headers();
        let view: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let req = SignableRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &view,
            body: &self.body,
        };
        let added = strongroom_sigv4::presign(&req, &self.params(), expires).unwrap();
        let query = if self.query.is_empty() {
            added
        } else {
            format!("{}&{added}", self.query)
        };
        send_raw(
            &self.endpoint,
            &self.method,
            &self.path,
            &query,
            &headers,
            self.body.clone(),
        )
        .await
    }

    /// Sends without any signature.
    pub async fn send_unsigned(&self) -> Reply {
        send_raw(
            &self.endpoint,
            &self.method,
            &self.path,
            &self.query,
            &self.all_headers(),
            self.body.clone(),
        )
        .await
    }
}

pub async fn send_raw(
    endpoint: &str,
    method: &str,
    path: &str,
    query: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> Reply {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let uri = if query.is_empty() {
        format!("{endpoint}{path}")
    } else {
        format!("{endpoint}{path}?{query}")
    };
    let mut builder = http::Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        if name != "host" {
            builder = builder.header(name.as_str(), value.as_str());
        }
    }
    let response = client
        .request(builder.body(Full::new(Bytes::from(body))).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// Replaces every id, key, token and time in a wire body so that it can be snapshotted.
pub fn redact(text: &str, server: &TestServer) -> String {
    let mut out = text.replace(&server.access_key_id, "[ROOT_ACCESS_KEY_ID]");
    for (open, close, label) in [
        ("<RequestId>", "</RequestId>", "[REQUEST_ID]"),
        ("<AccessKeyId>", "</AccessKeyId>", "[ACCESS_KEY_ID]"),
        ("<SecretAccessKey>", "</SecretAccessKey>", "[SECRET]"),
        ("<SessionToken>", "</SessionToken>", "[TOKEN]"),
        ("<Expiration>", "</Expiration>", "[TIME]"),
    ] {
        while let Some(start) = out.find(open) {
            let Some(end) = out[start..].find(close) else {
                break;
            };
            let inner = &out[start + open.len()..start + end];
            if inner == label {
                break;
            }
            out = format!("{}{open}{label}{}", &out[..start], &out[start + end..]);
        }
    }
    out
}
