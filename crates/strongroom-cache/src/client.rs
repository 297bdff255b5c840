//! The real upstream: a Secrets Manager client that signs awsJson1_1 requests with SigV4 and sends them
//! over hyper, on HTTP or on HTTPS with rustls (trusting `AWS_CA_BUNDLE` or a configured CA file, else the
//! platform's roots); plus STS GetCallerIdentity, which the AWS agent calls at start-up.
//!
//! Settings resolve like the AWS SDKs': region from the caller, then `AWS_REGION`, `AWS_DEFAULT_REGION`,
//! the profile's `region`; endpoint from the caller, then `AWS_ENDPOINT_URL_SECRETS_MANAGER` (or
//! `AWS_ENDPOINT_URL_STS`), `AWS_ENDPOINT_URL`, the profile's `endpoint_url`, else the public AWS endpoint;
//! credentials from [`CredentialSource::resolve`] unless a credentials file is given.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use secrecy::{ExposeSecret as _, SecretSlice, SecretString};
use strongroom_sigv4::{SignableRequest, sign_headers};
use strongroom_types::{Clock, SystemClock};
use zeroize::Zeroize as _;

use crate::credentials::{CredentialSource, CredentialsProvider, secret_bytes};
pub use crate::env::Environment;
use crate::profile::{self, ProfileError};
use crate::upstream::{Upstream, UpstreamError};
use crate::value::{SecretDescription, SecretRequest, SecretValue};

/// The largest response body read (a secret is at most 64 KiB; base64 and JSON add a third).
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_USER_AGENT: &str = concat!("strongroom-cache/", env!("CARGO_PKG_VERSION"));

/// What a program may set ahead of the environment and the shared files.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub sts_endpoint_url: Option<String>,
    pub ca_bundle: Option<PathBuf>,
    /// Read credentials from this file (profile `AWS_PROFILE` or `default`), re-reading it on change.
    pub credentials_file: Option<PathBuf>,
    pub credentials: Option<CredentialSource>,
    pub timeout: Option<Duration>,
    pub user_agent: Option<String>,
}

/// Why a client could not be configured.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("no region: set AWS_REGION, AWS_DEFAULT_REGION or the profile's region")]
    NoRegion,
    #[error("endpoint {url:?}: {reason}")]
    Endpoint { url: String, reason: &'static str },
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    Credentials(#[from] crate::credentials::CredentialsError),
    #[error("CA bundle {path}: {reason}")]
    CaBundle { path: PathBuf, reason: String },
    #[error("TLS configuration: {0}")]
    Tls(String),
}

/// An endpoint, split into what a request needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    url: String,
    authority: String,
    path: String,
}

impl Endpoint {
    pub fn parse(url: &str) -> Result<Self, ClientError> {
        let bad = |reason| ClientError::Endpoint {
            url: url.to_owned(),
            reason,
        };
        let uri: http::Uri = url.parse().map_err(|_| bad("not a URL"))?;
        match uri.scheme_str() {
            Some("http" | "https") => {}
            _ => return Err(bad("the scheme must be http or https")),
        }
        let authority = uri.authority().ok_or_else(|| bad("no host"))?.as_str().to_owned();
        if authority.contains('@') {
            return Err(bad("user information is not allowed"));
        }
        let path = match uri.path() {
            "" => "/".to_owned(),
            path => path.to_owned(),
        };
        Ok(Self {
            url: format!("{}://{authority}{path}", uri.scheme_str().unwrap_or("https")),
            authority,
            path,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn is_https(&self) -> bool {
        self.url.starts_with("https://")
    }
}

/// Everything a client needs, resolved.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub region: String,
    pub endpoint: Endpoint,
    pub sts_endpoint: Endpoint,
    pub ca_bundle: Option<PathBuf>,
    pub credentials: CredentialSource,
    pub timeout: Duration,
    pub user_agent: String,
}

impl ClientSettings {
    /// Resolves the settings from `overrides`, the environment and the shared files.
    pub fn resolve(env: &Environment, overrides: &Overrides) -> Result<Self, ClientError> {
        let profile_name = profile::profile_name(env);
        let profile = profile::load(env, &profile_name)?;
        let region = overrides
            .region
            .clone()
            .or_else(|| env.get("AWS_REGION").map(str::to_owned))
            .or_else(|| env.get("AWS_DEFAULT_REGION").map(str::to_owned))
            .or_else(|| profile.get("region").map(str::to_owned))
            .ok_or(ClientError::NoRegion)?;
        let endpoint_for = |explicit: &Option<String>, service_variable: &str, service_host: &str| {
            let url = explicit
                .clone()
                .or_else(|| env.get(service_variable).map(str::to_owned))
                .or_else(|| env.get("AWS_ENDPOINT_URL").map(str::to_owned))
                .or_else(|| profile.get("endpoint_url").map(str::to_owned))
                .unwrap_or_else(|| format!("https://{service_host}.{region}.amazonaws.com"));
            Endpoint::parse(&url)
        };
        let endpoint = endpoint_for(
            &overrides.endpoint_url,
            "AWS_ENDPOINT_URL_SECRETS_MANAGER",
            "secretsmanager",
        )?;
        let sts_endpoint = endpoint_for(&overrides.sts_endpoint_url, "AWS_ENDPOINT_URL_STS", "sts")?;
        let ca_bundle = overrides
            .ca_bundle
            .clone()
            .or_else(|| env.get("AWS_CA_BUNDLE").map(|p| env.expand(p)))
            .or_else(|| profile.get("ca_bundle").map(|p| env.expand(p)));
        let credentials = match (&overrides.credentials, &overrides.credentials_file) {
            (Some(source), _) => source.clone(),
            (None, Some(path)) => CredentialSource::WatchedFile {
                path: path.clone(),
                profile: profile_name,
            },
            (None, None) => CredentialSource::resolve(env, &profile)?,
        };
        Ok(Self {
            region,
            endpoint,
            sts_endpoint,
            ca_bundle,
            credentials,
            timeout: overrides.timeout.unwrap_or(DEFAULT_TIMEOUT),
            user_agent: overrides
                .user_agent
                .clone()
                .unwrap_or_else(|| DEFAULT_USER_AGENT.to_owned()),
        })
    }
}

/// Which certificates a client trusts.
#[derive(Debug, Clone, Copy)]
enum Roots<'a> {
    /// Those in a PEM file.
    Bundle(&'a Path),
    /// The platform's.
    Platform,
    /// None (plain-HTTP endpoints: loading the platform's would be wasted work).
    Empty,
}

/// The TLS client configuration trusting `roots`.
fn tls_config(which: Roots<'_>) -> Result<rustls::ClientConfig, ClientError> {
    let mut roots = rustls::RootCertStore::empty();
    match which {
        Roots::Empty => {}
        Roots::Bundle(path) => {
            let bad = |reason: String| ClientError::CaBundle {
                path: path.to_owned(),
                reason,
            };
            let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
            let mut reader = pem.as_slice();
            for cert in rustls_pemfile::certs(&mut reader) {
                let cert = cert.map_err(|e| bad(e.to_string()))?;
                roots.add(cert).map_err(|e| bad(e.to_string()))?;
            }
            if roots.is_empty() {
                return Err(bad("no certificates".into()));
            }
        }
        Roots::Platform => {
            let native = rustls_native_certs::load_native_certs();
            for error in &native.errors {
                tracing::warn!(%error, "a platform root certificate could not be loaded");
            }
            let (added, ignored) = roots.add_parsable_certificates(native.certs);
            tracing::debug!(added, ignored, "platform root certificates");
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// A Secrets Manager (and STS GetCallerIdentity) client.
#[derive(Debug)]
pub struct SecretsManagerClient {
    settings: ClientSettings,
    http: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    credentials: CredentialsProvider,
    clock: Arc<dyn Clock>,
}

impl SecretsManagerClient {
    pub fn new(settings: ClientSettings) -> Result<Self, ClientError> {
        Self::with_clock(settings, Arc::new(SystemClock))
    }

    /// A client whose signatures and credential expiry read `clock`.
    pub fn with_clock(settings: ClientSettings, clock: Arc<dyn Clock>) -> Result<Self, ClientError> {
        let needs_tls = settings.endpoint.is_https() || settings.sts_endpoint.is_https();
        let roots = match (&settings.ca_bundle, needs_tls) {
            (_, false) => Roots::Empty,
            (Some(path), true) => Roots::Bundle(path),
            (None, true) => Roots::Platform,
        };
        let tls = tls_config(roots)?;
        let mut connector = HttpConnector::new();
        connector.enforce_http(false);
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(settings.timeout));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        let http = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(https);
        Ok(Self {
            credentials: CredentialsProvider::new(settings.credentials.clone(), Arc::clone(&clock)),
            settings,
            http,
            clock,
        })
    }

    pub fn settings(&self) -> &ClientSettings {
        &self.settings
    }

    /// Sends one signed POST and returns the 200 body; other statuses become [`UpstreamError::Service`]
    /// through `parse_error`.
    async fn send(
        &self,
        endpoint: &Endpoint,
        service: &str,
        extra_headers: &[(&str, &str)],
        body: Vec<u8>,
        parse_error: fn(u16, &[u8]) -> UpstreamError,
    ) -> Result<Vec<u8>, UpstreamError> {
        let credentials = self
            .credentials
            .credentials()
            .await
            .map_err(|e| UpstreamError::Credentials(e.to_string()))?;
        let mut headers: Vec<(&str, &str)> = vec![("host", endpoint.authority.as_str())];
        headers.extend_from_slice(extra_headers);
        let signable = SignableRequest {
            method: "POST",
            path: &endpoint.path,
            query: "",
            headers: &headers,
            body: &body,
        };
        let signed = sign_headers(
            &signable,
            credentials.access_key_id(),
            secret_bytes(&credentials),
            &self.settings.region,
            service,
            self.clock.now(),
            credentials.session_token().map(|t| t.expose_secret()),
        );
        let mut request =
            http::Request::post(endpoint.url.as_str()).header("user-agent", &self.settings.user_agent);
        for (name, value) in headers.iter().skip(1).copied() {
            request = request.header(name, value);
        }
        for (name, value) in signed.headers() {
            request = request.header(*name, value.as_str());
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| UpstreamError::Connection(format!("cannot build the request: {e}")))?;

        let exchange = async {
            let response = self.http.request(request).await.map_err(|e| {
                UpstreamError::Connection(if e.is_connect() {
                    format!("cannot connect to {}", endpoint.url)
                } else {
                    "the request failed".to_owned()
                })
            })?;
            let status = response.status().as_u16();
            let collected = Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
                .collect()
                .await
                .map_err(|_| UpstreamError::Response("the body could not be read".into()))?;
            Ok::<_, UpstreamError>((status, collected.to_bytes()))
        };
        let (status, bytes) = tokio::time::timeout(self.settings.timeout, exchange)
            .await
            .map_err(|_| UpstreamError::Timeout)??;
        if status == 200 {
            Ok(bytes.to_vec())
        } else {
            Err(parse_error(status, &bytes))
        }
    }

    async fn json_call(
        &self,
        operation: &str,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, UpstreamError> {
        let target = format!("secretsmanager.{operation}");
        let body = serde_json::to_vec(&body)
            .map_err(|_| UpstreamError::Connection("cannot encode the request".into()))?;
        let mut bytes = self
            .send(
                &self.settings.endpoint,
                "secretsmanager",
                &[
                    ("content-type", "application/x-amz-json-1.1"),
                    ("x-amz-target", target.as_str()),
                ],
                body,
                json_error,
            )
            .await?;
        let parsed = serde_json::from_slice(&bytes);
        bytes.zeroize();
        parsed.map_err(|_| UpstreamError::Response(format!("{operation} returned a body that is not JSON")))
    }

    /// STS GetCallerIdentity: the caller's ARN.
    pub async fn get_caller_identity(&self) -> Result<String, UpstreamError> {
        let body = b"Action=GetCallerIdentity&Version=2011-06-15".to_vec();
        let bytes = self
            .send(
                &self.settings.sts_endpoint,
                "sts",
                &[("content-type", "application/x-www-form-urlencoded; charset=utf-8")],
                body,
                xml_error,
            )
            .await?;
        let text = String::from_utf8_lossy(&bytes);
        xml_element(&text, "Arn")
            .map(str::to_owned)
            .ok_or_else(|| UpstreamError::Response("GetCallerIdentity returned no Arn".into()))
    }
}

/// An awsJson1_1 error: `__type` (after any `#` namespace), and `message` or `Message`.
fn json_error(status: u16, body: &[u8]) -> UpstreamError {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let code = json.get("__type").and_then(serde_json::Value::as_str).map(|t| {
        t.rsplit('#')
            .next()
            .unwrap_or(t)
            .split(':')
            .next()
            .unwrap_or(t)
            .to_owned()
    });
    let message = ["message", "Message"]
        .iter()
        .find_map(|key| json.get(*key).and_then(serde_json::Value::as_str))
        .map(str::to_owned);
    match code {
        Some(code) => UpstreamError::Service {
            status,
            code,
            message,
        },
        None if status >= 500 => UpstreamError::Service {
            status,
            code: "InternalFailure".into(),
            message,
        },
        None => UpstreamError::Response(format!("HTTP {status} without an error code")),
    }
}

/// An awsQuery error: `<Code>` and `<Message>`.
fn xml_error(status: u16, body: &[u8]) -> UpstreamError {
    let text = String::from_utf8_lossy(body);
    match xml_element(&text, "Code") {
        Some(code) => UpstreamError::Service {
            status,
            code: code.to_owned(),
            message: xml_element(&text, "Message").map(str::to_owned),
        },
        None => UpstreamError::Response(format!("HTTP {status} without an error code")),
    }
}

/// The text of the first `<name>…</name>` (no entity decoding: ARNs and codes have none).
fn xml_element<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = text.find(&open)? + open.len();
    let end = text[start..].find(&format!("</{name}>"))? + start;
    Some(text[start..end].trim())
}

fn take_string(json: &mut serde_json::Value, key: &str) -> Option<String> {
    match json.get_mut(key).map(serde_json::Value::take) {
        Some(serde_json::Value::String(s)) => Some(s),
        _ => None,
    }
}

/// Reads a GetSecretValue result, moving the value into secret types.
pub fn parse_get_secret_value(mut json: serde_json::Value) -> Result<SecretValue, UpstreamError> {
    let missing = |key: &str| UpstreamError::Response(format!("GetSecretValue returned no {key}"));
    let secret_binary = match take_string(&mut json, "SecretBinary") {
        Some(mut encoded) => {
            let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.as_bytes());
            encoded.zeroize();
            Some(SecretSlice::from(decoded.map_err(|_| {
                UpstreamError::Response("SecretBinary is not base64".into())
            })?))
        }
        None => None,
    };
    let version_stages = json
        .get("VersionStages")
        .and_then(serde_json::Value::as_array)
        .map(|stages| {
            stages
                .iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let created_date_millis = json
        .get("CreatedDate")
        .and_then(serde_json::Value::as_f64)
        .map(|seconds| (seconds * 1000.0).round() as i64);
    Ok(SecretValue {
        arn: take_string(&mut json, "ARN").ok_or_else(|| missing("ARN"))?,
        name: take_string(&mut json, "Name").ok_or_else(|| missing("Name"))?,
        version_id: take_string(&mut json, "VersionId").ok_or_else(|| missing("VersionId"))?,
        secret_string: take_string(&mut json, "SecretString").map(SecretString::from),
        secret_binary,
        version_stages,
        created_date_millis,
    })
}

/// Reads the parts of a DescribeSecret result that revalidation needs.
pub fn parse_describe_secret(json: &serde_json::Value) -> Result<SecretDescription, UpstreamError> {
    let text = |key: &str| {
        json.get(key)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| UpstreamError::Response(format!("DescribeSecret returned no {key}")))
    };
    let version_ids_to_stages = json
        .get("VersionIdsToStages")
        .and_then(serde_json::Value::as_object)
        .map(|map| {
            map.iter()
                .map(|(id, stages)| {
                    let stages = stages
                        .as_array()
                        .map(|list| {
                            list.iter()
                                .filter_map(|s| s.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default();
                    (id.clone(), stages)
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(SecretDescription {
        arn: text("ARN")?,
        name: text("Name")?,
        version_ids_to_stages,
    })
}

#[async_trait]
impl Upstream for SecretsManagerClient {
    async fn get_secret_value(&self, request: &SecretRequest<'_>) -> Result<SecretValue, UpstreamError> {
        let mut body = serde_json::Map::new();
        body.insert("SecretId".into(), request.secret_id.into());
        if let Some(version_id) = request.version_id {
            body.insert("VersionId".into(), version_id.into());
        }
        if let Some(stage) = request.version_stage {
            body.insert("VersionStage".into(), stage.into());
        }
        let json = self.json_call("GetSecretValue", body.into()).await?;
        parse_get_secret_value(json)
    }

    async fn describe_secret(&self, secret_id: &str) -> Result<SecretDescription, UpstreamError> {
        let json = self
            .json_call("DescribeSecret", serde_json::json!({ "SecretId": secret_id }))
            .await?;
        parse_describe_secret(&json)
    }
}

#[cfg(test)]
mod tests;
