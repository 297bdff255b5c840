//! One HTTP/1.1 request over TCP or rustls: all the helper needs to call CreateSession.
//!
//! HTTPS trusts the CA bundle in `AWS_CA_BUNDLE` when set, else the system's roots; `--no-verify-ssl`
//! (dangerous) trusts anything.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use strongroom_crypto::x509::Certificate;
use tokio::net::TcpStream;

use crate::error::HelperError;

/// The most response body read; CreateSession answers are a few kilobytes.
const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// Where requests go: scheme, host and port of a base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub https: bool,
    /// Host name or IP address, without brackets.
    pub host: String,
    pub port: u16,
}

impl Endpoint {
    /// Parses `https://host[:port][/path]` or `http://...`; a bare `host[:port]` means HTTPS. The path
    /// is ignored: CreateSession is always `/sessions` at the root.
    pub fn parse(url: &str) -> Result<Self, HelperError> {
        let bad = || HelperError::Usage(format!("invalid endpoint URL {url:?}"));
        let (https, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else if url.contains("://") {
            return Err(bad());
        } else {
            (true, url)
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
            let (host, after) = bracketed.split_once(']').ok_or_else(bad)?;
            (host, after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(bad());
        }
        let port = match port {
            Some(p) => p.parse().map_err(|_| bad())?,
            None if https => 443,
            None => 80,
        };
        Ok(Self {
            https,
            host: host.to_owned(),
            port,
        })
    }

    /// The `Host` header value: the port only when it is not the scheme's default.
    pub fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let default = if self.https { 443 } else { 80 };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    pub fn url(&self) -> String {
        format!(
            "{}://{}",
            if self.https { "https" } else { "http" },
            self.authority()
        )
    }
}

/// How to trust the server.
#[derive(Debug, Clone, Copy)]
pub struct TlsOptions {
    pub no_verify: bool,
}

/// A response: status, headers (lowercase names) and body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one request and reads the whole response.
pub async fn send(
    endpoint: &Endpoint,
    method: &str,
    path_and_query: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
    tls: TlsOptions,
) -> Result<Response, HelperError> {
    let connect_error = |reason: String| HelperError::Connect {
        endpoint: endpoint.url(),
        reason,
    };
    let tcp = TcpStream::connect((endpoint.host.as_str(), endpoint.port))
        .await
        .map_err(|e| connect_error(e.to_string()))?;
    let mut builder = http::Request::builder().method(method).uri(path_and_query);
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    let request = builder
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| connect_error(e.to_string()))?;
    if endpoint.https {
        let config = client_config(tls)?;
        let name = ServerName::try_from(endpoint.host.clone())
            .map_err(|_| HelperError::Usage(format!("invalid host name {:?}", endpoint.host)))?;
        let stream = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| connect_error(format!("TLS handshake failed: {e}")))?;
        exchange(stream, request).await.map_err(connect_error)
    } else {
        exchange(tcp, request).await.map_err(connect_error)
    }
}

async fn exchange<S>(stream: S, request: http::Request<Full<Bytes>>) -> Result<Response, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    let driver = tokio::spawn(connection);
    let response = sender.send_request(request).await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let limited = http_body_util::Limited::new(response.into_body(), MAX_RESPONSE_BYTES);
    let body = limited
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes()
        .to_vec();
    driver.abort();
    Ok(Response {
        status,
        headers,
        body,
    })
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn client_config(tls: TlsOptions) -> Result<rustls::ClientConfig, HelperError> {
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| HelperError::Tls(e.to_string()))?;
    if tls.no_verify {
        eprintln!("WARNING: --no-verify-ssl: the endpoint's TLS certificate is NOT verified");
        return Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider())))
            .with_no_client_auth());
    }
    let mut roots = rustls::RootCertStore::empty();
    match std::env::var_os("AWS_CA_BUNDLE").filter(|v| !v.is_empty()) {
        Some(path) => {
            let path = std::path::PathBuf::from(path);
            let text = std::fs::read(&path).map_err(|source| HelperError::ReadFile {
                path: path.clone(),
                source,
            })?;
            let certs = Certificate::all_from_pem(&text).map_err(|source| HelperError::BadFile {
                what: "AWS_CA_BUNDLE",
                path: path.clone(),
                source,
            })?;
            for cert in certs {
                roots
                    .add(CertificateDer::from(cert.der().to_vec()))
                    .map_err(|e| HelperError::Tls(format!("AWS_CA_BUNDLE certificate refused: {e}")))?;
            }
        }
        None => {
            let native = rustls_native_certs::load_native_certs();
            let (added, _) = roots.add_parsable_certificates(native.certs);
            if added == 0 {
                return Err(HelperError::Tls(
                    "no trusted CA certificates found; set AWS_CA_BUNDLE".to_owned(),
                ));
            }
        }
    }
    Ok(builder.with_root_certificates(roots).with_no_client_auth())
}

/// Accepts any server certificate (but still checks handshake signatures): `--no-verify-ssl`.
#[derive(Debug)]
struct NoVerification(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        for (url, https, host, port, authority) in [
            (
                "https://rolesanywhere.us-east-1.amazonaws.com",
                true,
                "rolesanywhere.us-east-1.amazonaws.com",
                443,
                "rolesanywhere.us-east-1.amazonaws.com",
            ),
            (
                "https://127.0.0.1:8443/",
                true,
                "127.0.0.1",
                8443,
                "127.0.0.1:8443",
            ),
            (
                "http://localhost:9000/base",
                false,
                "localhost",
                9000,
                "localhost:9000",
            ),
            ("http://[::1]:80", false, "::1", 80, "[::1]"),
            ("example.com:444", true, "example.com", 444, "example.com:444"),
        ] {
            let e = Endpoint::parse(url).unwrap();
            assert_eq!((e.https, e.host.as_str(), e.port), (https, host, port), "{url}");
            assert_eq!(e.authority(), authority, "{url}");
        }
        for bad in ["ftp://x", "https://", "https://host:port", "http://[::1"] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }
}
