//! A small client for `strongroom` subcommands that call a running server's awsJson1_1 and awsQuery APIs.
//!
//! It reads the same environment the AWS CLI reads (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`/`AWS_DEFAULT_REGION`, `AWS_CA_BUNDLE`), signs
//! each request with SigV4 and turns an AWS error body into [`ClientError::Aws`]. One request per
//! connection: a CLI command makes a handful of calls, so pooling would buy nothing.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use secrecy::{ExposeSecret as _, SecretString};
use strongroom_sigv4::{SignableRequest, sign_headers};
use time::OffsetDateTime;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// The largest response body the client reads; CA certificates and chains are far smaller.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// What can go wrong before, during or after a call.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("no endpoint: pass --endpoint-url or set AWS_ENDPOINT_URL")]
    MissingEndpoint,
    #[error("no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")]
    MissingCredentials,
    #[error("no region: set AWS_REGION or AWS_DEFAULT_REGION")]
    MissingRegion,
    #[error("the endpoint URL {url:?} is not usable: {reason}")]
    InvalidEndpoint { url: String, reason: &'static str },
    #[error("cannot read the CA bundle {path}: {reason}")]
    CaBundle { path: PathBuf, reason: String },
    #[error("cannot connect to {authority}: {source}")]
    Connect {
        authority: String,
        #[source]
        source: std::io::Error,
    },
    #[error("HTTP exchange failed: {0}")]
    Http(String),
    /// The server answered with an AWS error.
    #[error("{code} (HTTP {status}): {message}")]
    Aws {
        status: u16,
        code: String,
        message: String,
    },
    #[error("the server's response is not what the protocol promises: {0}")]
    InvalidResponse(String),
}

impl ClientError {
    /// The AWS error code when the server answered with one.
    pub fn aws_code(&self) -> Option<&str> {
        match self {
            Self::Aws { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// The long-term or temporary credentials a call is signed with.
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: SecretString,
    pub session_token: Option<SecretString>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Where and as whom to call.
#[derive(Debug)]
pub struct ClientSettings {
    pub endpoint: String,
    pub region: String,
    pub credentials: Credentials,
    /// PEM certificates to trust instead of the system's roots.
    pub ca_bundle: Option<PathBuf>,
}

impl ClientSettings {
    /// Settings from the process environment; `endpoint_url` (the `--endpoint-url` flag) wins over
    /// `AWS_ENDPOINT_URL`.
    pub fn from_env(endpoint_url: Option<&str>) -> Result<Self, ClientError> {
        Self::from_lookup(endpoint_url, |name| std::env::var(name).ok())
    }

    /// Settings from `lookup`, a view of the environment (empty values count as unset, as in the AWS CLI).
    pub fn from_lookup(
        endpoint_url: Option<&str>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ClientError> {
        let get = |name: &str| lookup(name).filter(|value| !value.is_empty());
        let endpoint = endpoint_url
            .map(str::to_owned)
            .or_else(|| get("AWS_ENDPOINT_URL"))
            .ok_or(ClientError::MissingEndpoint)?;
        let region = get("AWS_REGION")
            .or_else(|| get("AWS_DEFAULT_REGION"))
            .ok_or(ClientError::MissingRegion)?;
        let (Some(access_key_id), Some(secret)) = (get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY"))
        else {
            return Err(ClientError::MissingCredentials);
        };
        Ok(Self {
            endpoint,
            region,
            credentials: Credentials {
                access_key_id,
                secret_access_key: SecretString::from(secret),
                session_token: get("AWS_SESSION_TOKEN").map(SecretString::from),
            },
            ca_bundle: get("AWS_CA_BUNDLE").map(PathBuf::from),
        })
    }
}

/// The parts of an `http(s)://host[:port][/path]` endpoint a request needs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Endpoint {
    tls: bool,
    /// `host` or `host:port` as written, for the `Host` header.
    authority: String,
    /// The host without brackets, for DNS and the TLS server name.
    host: String,
    port: u16,
    /// The base path, `/` when none.
    path: String,
}

impl Endpoint {
    fn parse(url: &str) -> Result<Self, ClientError> {
        let invalid = |reason| ClientError::InvalidEndpoint {
            url: url.to_owned(),
            reason,
        };
        let (tls, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(invalid("it must start with http:// or https://"));
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.is_empty() || authority.contains('@') || path.contains(['?', '#']) {
            return Err(invalid("it must be scheme://host[:port][/path]"));
        }
        let (host, port) = split_host_port(authority).ok_or_else(|| invalid("the port is not a number"))?;
        let port = port.unwrap_or(if tls { 443 } else { 80 });
        // The Host header leaves out a default port, as SDKs do, so the signed value matches theirs.
        let authority = if (tls && port == 443) || (!tls && port == 80) {
            if host.contains(':') {
                format!("[{host}]")
            } else {
                host.clone()
            }
        } else {
            authority.to_owned()
        };
        Ok(Self {
            tls,
            authority,
            host,
            port,
            path: path.to_owned(),
        })
    }
}

fn split_host_port(authority: &str) -> Option<(String, Option<u16>)> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(port) => Some(port.parse().ok()?),
            None if after.is_empty() => None,
            None => return None,
        };
        return Some((host.to_owned(), port));
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => Some((host.to_owned(), Some(port.parse().ok()?))),
        None => Some((authority.to_owned(), None)),
    }
}

/// A client for one endpoint and one set of credentials.
pub struct Client {
    endpoint: Endpoint,
    region: String,
    credentials: Credentials,
    tls: Option<tokio_rustls::TlsConnector>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(settings: ClientSettings) -> Result<Self, ClientError> {
        let endpoint = Endpoint::parse(&settings.endpoint)?;
        let tls = if endpoint.tls {
            Some(tls_connector(settings.ca_bundle.as_deref())?)
        } else {
            None
        };
        Ok(Self {
            endpoint,
            region: settings.region,
            credentials: settings.credentials,
            tls,
        })
    }

    /// The region requests are signed for.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Calls an awsJson1_1 operation: `service` is the signing name (`acm-pca`), `target` the whole
    /// `X-Amz-Target` value (`ACMPrivateCA.IssueCertificate`). Returns the response body.
    pub async fn call_json(
        &self,
        service: &str,
        target: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, ClientError> {
        let body = serde_json::to_vec(body).map_err(|err| ClientError::Http(err.to_string()))?;
        let (status, error_type, response) = self
            .post(service, "application/x-amz-json-1.1", Some(target), body)
            .await?;
        if (200..300).contains(&status) {
            if response.is_empty() {
                return Ok(serde_json::Value::Object(serde_json::Map::new()));
            }
            return serde_json::from_slice(&response)
                .map_err(|err| ClientError::InvalidResponse(format!("the body is not JSON: {err}")));
        }
        Err(aws_error(status, error_type.as_deref(), &response))
    }

    /// Calls an awsQuery operation: `service` is the signing name (`iam`), `action` and `version` the
    /// `Action` and `Version` members, `params` the other members in order. Returns the XML answer.
    pub async fn call_query(
        &self,
        service: &str,
        action: &str,
        version: &str,
        params: &[(String, String)],
    ) -> Result<String, ClientError> {
        let body = query_body(action, version, params);
        let (status, _, response) = self
            .post(
                service,
                "application/x-www-form-urlencoded; charset=utf-8",
                None,
                body.into_bytes(),
            )
            .await?;
        let text = String::from_utf8(response.to_vec())
            .map_err(|_| ClientError::InvalidResponse("the body is not UTF-8".into()))?;
        if (200..300).contains(&status) {
            return Ok(text);
        }
        Err(query_error(status, &text))
    }

    async fn post(
        &self,
        service: &str,
        content_type: &str,
        target: Option<&str>,
        body: Vec<u8>,
    ) -> Result<(u16, Option<String>, Bytes), ClientError> {
        let mut headers = vec![
            ("host", self.endpoint.authority.as_str()),
            ("content-type", content_type),
        ];
        if let Some(target) = target {
            headers.push(("x-amz-target", target));
        }
        let signable = SignableRequest {
            method: "POST",
            path: &self.endpoint.path,
            query: "",
            headers: &headers,
            body: &body,
        };
        let signed = sign_headers(
            &signable,
            &self.credentials.access_key_id,
            self.credentials.secret_access_key.expose_secret().as_bytes(),
            &self.region,
            service,
            OffsetDateTime::now_utc(),
            self.credentials
                .session_token
                .as_ref()
                .map(|token| token.expose_secret()),
        );
        let mut request = http::Request::builder()
            .method(http::Method::POST)
            .uri(&self.endpoint.path);
        for (name, value) in headers.iter().copied() {
            request = request.header(name, value);
        }
        for (name, value) in signed.headers() {
            request = request.header(*name, value.as_str());
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|err| ClientError::Http(err.to_string()))?;

        let tcp = TcpStream::connect((self.endpoint.host.as_str(), self.endpoint.port))
            .await
            .map_err(|source| ClientError::Connect {
                authority: self.endpoint.authority.clone(),
                source,
            })?;
        let response = match &self.tls {
            Some(connector) => {
                let name = ServerName::try_from(self.endpoint.host.clone()).map_err(|_| {
                    ClientError::InvalidEndpoint {
                        url: self.endpoint.authority.clone(),
                        reason: "the host is not a valid TLS server name",
                    }
                })?;
                let stream = connector
                    .connect(name, tcp)
                    .await
                    .map_err(|source| ClientError::Connect {
                        authority: self.endpoint.authority.clone(),
                        source,
                    })?;
                exchange(stream, request).await?
            }
            None => exchange(tcp, request).await?,
        };
        let status = response.status().as_u16();
        let error_type = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = read_limited(response.into_body()).await?;
        Ok((status, error_type, body))
    }
}

async fn exchange<S>(
    stream: S,
    request: http::Request<Full<Bytes>>,
) -> Result<http::Response<Incoming>, ClientError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|err| ClientError::Http(err.to_string()))?;
    let driver = tokio::spawn(connection);
    let response = sender
        .send_request(request)
        .await
        .map_err(|err| ClientError::Http(err.to_string()));
    if response.is_err() {
        driver.abort();
    }
    response
}

async fn read_limited(mut body: Incoming) -> Result<Bytes, ClientError> {
    let mut collected = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|err| ClientError::Http(err.to_string()))?;
        if let Ok(data) = frame.into_data() {
            if collected.len() + data.len() > MAX_RESPONSE_BYTES {
                return Err(ClientError::InvalidResponse("the body is too large".into()));
            }
            collected.extend_from_slice(&data);
        }
    }
    Ok(Bytes::from(collected))
}

/// An awsJson1_1 error: the code is `__type` (or `code`), after any `namespace#` prefix and before any
/// `:` suffix, with the `X-Amzn-ErrorType` header as a fallback.
fn aws_error(status: u16, error_type: Option<&str>, body: &[u8]) -> ClientError {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|value| value.get(name))
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    let raw_code = field("__type")
        .or_else(|| field("code"))
        .or_else(|| error_type.map(str::to_owned));
    let code = raw_code.map_or_else(
        || format!("HTTP{status}"),
        |raw| {
            let after_namespace = raw.rsplit_once('#').map_or(raw.as_str(), |(_, code)| code);
            after_namespace
                .split_once(':')
                .map_or(after_namespace, |(code, _)| code)
                .to_owned()
        },
    );
    let message = field("message").or_else(|| field("Message")).unwrap_or_default();
    ClientError::Aws {
        status,
        code,
        message,
    }
}

/// An awsQuery form body: `Action`, `Version`, then `params`, each name and value percent-encoded as
/// RFC 3986 asks (what SigV4 canonicalises to, so nothing is encoded twice).
fn query_body(action: &str, version: &str, params: &[(String, String)]) -> String {
    let mut body = format!("Action={}&Version={}", form_encode(action), form_encode(version));
    for (name, value) in params {
        body.push('&');
        body.push_str(&form_encode(name));
        body.push('=');
        body.push_str(&form_encode(value));
    }
    body
}

fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// An awsQuery error: `ErrorResponse/Error/Code` and `Message`, `HTTP<status>` when the body is not one.
fn query_error(status: u16, body: &str) -> ClientError {
    let parsed = crate::query_xml::parse(body).ok();
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|root| root.text_at(&["Error", name]))
            .map(str::to_owned)
    };
    ClientError::Aws {
        status,
        code: field("Code").unwrap_or_else(|| format!("HTTP{status}")),
        message: field("Message").unwrap_or_default(),
    }
}

fn tls_connector(ca_bundle: Option<&std::path::Path>) -> Result<tokio_rustls::TlsConnector, ClientError> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_bundle {
        Some(path) => {
            let bundle_error = |reason: String| ClientError::CaBundle {
                path: path.to_owned(),
                reason,
            };
            let pem = std::fs::read(path).map_err(|err| bundle_error(err.to_string()))?;
            let mut reader = pem.as_slice();
            for cert in rustls_pemfile::certs(&mut reader) {
                let cert = cert.map_err(|err| bundle_error(err.to_string()))?;
                roots.add(cert).map_err(|err| bundle_error(err.to_string()))?;
            }
            if roots.is_empty() {
                return Err(bundle_error("it holds no PEM certificate".into()));
            }
        }
        None => {
            let native = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(native.certs);
        }
    }
    let config =
        rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|err| ClientError::Http(err.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const FULL: [(&str, &str); 5] = [
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
        ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ];

    #[test]
    fn settings_from_the_environment() {
        let settings = ClientSettings::from_lookup(None, lookup(&FULL)).unwrap();
        assert_eq!(settings.endpoint, "http://127.0.0.1:4566");
        assert_eq!(settings.region, "eu-west-1");
        assert_eq!(settings.credentials.access_key_id, "AKIAEXAMPLE");
        assert!(settings.credentials.session_token.is_none());
        assert!(settings.ca_bundle.is_none());
        let debug = format!("{settings:?}");
        assert!(!debug.contains("secret\""), "{debug}");
    }

    #[test]
    fn the_flag_wins_and_default_region_is_a_fallback() {
        let vars = [
            ("AWS_ENDPOINT_URL", "http://ignored:1"),
            ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_SESSION_TOKEN", "token"),
            ("AWS_CA_BUNDLE", "/tmp/ca.pem"),
        ];
        let settings = ClientSettings::from_lookup(Some("https://localhost:8443"), lookup(&vars)).unwrap();
        assert_eq!(settings.endpoint, "https://localhost:8443");
        assert_eq!(settings.region, "us-east-1");
        assert_eq!(
            settings
                .credentials
                .session_token
                .map(|t| t.expose_secret().to_owned()),
            Some("token".to_owned())
        );
        assert_eq!(settings.ca_bundle, Some(PathBuf::from("/tmp/ca.pem")));
    }

    #[test]
    fn missing_settings_are_named() {
        let cases: [(&[(&str, &str)], &str); 4] = [
            (&FULL[1..], "endpoint"),
            (&FULL[..3], "region"),
            (&[FULL[0], FULL[2], FULL[3]], "credentials"),
            (
                &[FULL[0], FULL[1], ("AWS_SECRET_ACCESS_KEY", ""), FULL[3]],
                "credentials",
            ),
        ];
        for (vars, expected) in cases {
            let err = ClientSettings::from_lookup(None, lookup(vars)).unwrap_err();
            assert!(err.to_string().contains(expected), "{vars:?}: {err}");
        }
    }

    #[test]
    fn endpoints() {
        let ok = [
            (
                "http://127.0.0.1:4566",
                false,
                "127.0.0.1:4566",
                "127.0.0.1",
                4566,
                "/",
            ),
            ("https://localhost", true, "localhost", "localhost", 443, "/"),
            ("https://localhost:443/", true, "localhost", "localhost", 443, "/"),
            (
                "http://[::1]:8080/base",
                false,
                "[::1]:8080",
                "::1",
                8080,
                "/base",
            ),
            ("http://[::1]", false, "[::1]", "::1", 80, "/"),
        ];
        for (url, tls, authority, host, port, path) in ok {
            let endpoint = Endpoint::parse(url).unwrap();
            assert_eq!(
                endpoint,
                Endpoint {
                    tls,
                    authority: authority.into(),
                    host: host.into(),
                    port,
                    path: path.into()
                },
                "{url}"
            );
        }
        for url in [
            "ftp://x",
            "localhost:80",
            "http://",
            "http://host:port",
            "http://u@host",
            "http://h/?q",
            "http://[::1",
        ] {
            assert!(Endpoint::parse(url).is_err(), "{url}");
        }
    }

    #[test]
    fn aws_error_bodies() {
        let cases = [
            (
                400,
                None,
                r#"{"__type":"com.amazonaws.acmpca#ResourceNotFoundException","message":"no such CA"}"#,
                "ResourceNotFoundException",
                "no such CA",
            ),
            (
                400,
                None,
                r#"{"__type":"InvalidStateException:http://internal","Message":"wrong state"}"#,
                "InvalidStateException",
                "wrong state",
            ),
            (
                403,
                Some("AccessDeniedException"),
                "",
                "AccessDeniedException",
                "",
            ),
            (502, None, "<html>", "HTTP502", ""),
        ];
        for (status, header, body, code, message) in cases {
            match aws_error(status, header, body.as_bytes()) {
                ClientError::Aws {
                    status: s,
                    code: c,
                    message: m,
                } => {
                    assert_eq!((s, c.as_str(), m.as_str()), (status, code, message), "{body}");
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn query_bodies_are_percent_encoded_in_order() {
        let params = [
            ("PolicySourceArn".to_owned(), "arn:aws:iam::1:user/a b".to_owned()),
            ("ActionNames.member.1".to_owned(), "s3:Get*~".to_owned()),
        ];
        assert_eq!(
            query_body("SimulatePrincipalPolicy", "2010-05-08", &params),
            "Action=SimulatePrincipalPolicy&Version=2010-05-08\
             &PolicySourceArn=arn%3Aaws%3Aiam%3A%3A1%3Auser%2Fa%20b&ActionNames.member.1=s3%3AGet%2A~"
        );
        assert_eq!(form_encode("é&="), "%C3%A9%26%3D");
    }

    #[test]
    fn query_error_bodies() {
        let cases = [
            (
                404,
                "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type>\
                 <Code>NoSuchEntity</Code><Message>no user &amp; no role</Message></Error>\
                 <RequestId>r</RequestId></ErrorResponse>",
                "NoSuchEntity",
                "no user & no role",
            ),
            (
                403,
                "<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>",
                "AccessDenied",
                "",
            ),
            (502, "<html>", "HTTP502", ""),
        ];
        for (status, body, code, message) in cases {
            match query_error(status, body) {
                ClientError::Aws {
                    status: s,
                    code: c,
                    message: m,
                } => assert_eq!((s, c.as_str(), m.as_str()), (status, code, message), "{body}"),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn a_ca_bundle_without_certificates_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.pem");
        std::fs::write(&path, "not a certificate").unwrap();
        for path in [path, dir.path().join("missing.pem")] {
            match tls_connector(Some(&path)) {
                Err(ClientError::CaBundle { .. }) => {}
                Err(other) => panic!("{other:?}"),
                Ok(_) => panic!("{} was accepted", path.display()),
            }
        }
    }
}
