//! The I/O of rotation functions and notifications, which the service layer leaves to the server: running
//! `command` functions (only those the configuration allows) and POSTing signed webhooks.
//!
//! A command gets the event on stdin and a clean environment holding only its execution role's session
//! credentials, `AWS_ENDPOINT_URL`, `AWS_REGION` and `PATH`; its output is discarded (it may print
//! secrets), a non-zero exit or the timeout fails the step, and a timed-out process is killed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret as _;
use strongroom_service::rotation::events::WebhookSender;
use strongroom_service::rotation::{CommandCall, FunctionIo};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// How long a notification webhook may take.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);
/// The `PATH` a command runs with.
const COMMAND_PATH: &str = "/usr/local/bin:/usr/bin:/bin";
/// The most of a webhook's answer read (its status line is all that matters).
const MAX_ANSWER_BYTES: usize = 16 * 1024;

/// Commands and webhooks, as this server runs them.
#[derive(Debug)]
pub struct ServerFunctionIo {
    /// Programs, or directories whose programs, `command` functions may run.
    allowed_commands: Vec<PathBuf>,
    tls: Arc<rustls::ClientConfig>,
}

impl ServerFunctionIo {
    pub fn new(allowed_commands: Vec<PathBuf>) -> Self {
        Self {
            allowed_commands,
            tls: Arc::new(client_tls_config()),
        }
    }

    /// Whether `program` (an absolute path) is allowed: it is, or lies under, an allowed path.
    fn allows(&self, program: &Path) -> bool {
        let Ok(program) = program.canonicalize() else {
            return false;
        };
        self.allowed_commands.iter().any(|allowed| {
            let allowed = allowed.canonicalize().unwrap_or_else(|_| allowed.clone());
            program == allowed || (allowed.is_dir() && program.starts_with(&allowed))
        })
    }
}

/// A rustls client configuration trusting the system's CA bundle (when there is one).
fn client_tls_config() -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    for bundle in [
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
    ] {
        if let Ok(pem) = std::fs::read(bundle) {
            for cert in rustls_pemfile::certs(&mut pem.as_slice()).flatten() {
                let _ = roots.add(cert);
            }
            break;
        }
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .map(|builder| builder.with_root_certificates(roots).with_no_client_auth())
        .unwrap_or_else(|_| {
            rustls::ClientConfig::builder()
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth()
        })
}

#[async_trait::async_trait]
impl FunctionIo for ServerFunctionIo {
    async fn run_command(&self, call: CommandCall<'_>) -> Result<(), String> {
        let program = call.argv.first().ok_or("the command is empty")?;
        if !self.allows(Path::new(program)) {
            return Err(format!(
                "the command {program} is not allowed by this server's rotation.allowed_commands"
            ));
        }
        let mut command = tokio::process::Command::new(program);
        command
            .args(&call.argv[1..])
            .env_clear()
            .env("PATH", COMMAND_PATH)
            .env("AWS_ACCESS_KEY_ID", &call.credentials.access_key_id)
            .env(
                "AWS_SECRET_ACCESS_KEY",
                call.credentials.secret_access_key.expose_secret(),
            )
            .env(
                "AWS_SESSION_TOKEN",
                call.credentials.session_token.expose_secret(),
            )
            .env("AWS_REGION", call.region)
            .env("AWS_DEFAULT_REGION", call.region)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true);
        if let Some(endpoint) = call.endpoint_url {
            command.env("AWS_ENDPOINT_URL", endpoint);
        }
        let mut child = command
            .spawn()
            .map_err(|err| format!("the command {program} could not start: {err}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(call.event.as_bytes()).await;
            drop(stdin);
        }
        match tokio::time::timeout(call.timeout, child.wait()).await {
            Ok(Ok(status)) if status.success() => Ok(()),
            Ok(Ok(status)) => Err(format!("the command {program} failed: {status}")),
            Ok(Err(err)) => Err(format!("waiting for the command {program} failed: {err}")),
            Err(_) => {
                let _ = child.kill().await;
                Err(format!(
                    "the command {program} timed out after {} s",
                    call.timeout.as_secs()
                ))
            }
        }
    }
}

#[async_trait::async_trait]
impl WebhookSender for ServerFunctionIo {
    async fn post(&self, url: &str, headers: &[(&str, String)], body: &str) -> Result<u16, String> {
        tokio::time::timeout(WEBHOOK_TIMEOUT, post(&self.tls, url, headers, body))
            .await
            .map_err(|_| format!("no answer within {} s", WEBHOOK_TIMEOUT.as_secs()))?
    }
}

/// An `http(s)://host[:port]/path` URL, split.
#[derive(Debug, PartialEq, Eq)]
struct Target<'a> {
    tls: bool,
    host: &'a str,
    port: u16,
    path: &'a str,
}

fn split_url(url: &str) -> Result<Target<'_>, String> {
    let (tls, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err("the URL is not http(s)".to_owned());
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => (
            host,
            port.parse::<u16>()
                .map_err(|_| "the URL's port is not a number".to_owned())?,
        ),
        _ => (authority, if tls { 443 } else { 80 }),
    };
    if host.is_empty() || path.contains(['\r', '\n', ' ']) {
        return Err("the URL is malformed".to_owned());
    }
    Ok(Target {
        tls,
        host: host.trim_start_matches('[').trim_end_matches(']'),
        port,
        path,
    })
}

/// One HTTP/1.1 POST; returns the answer's status code.
async fn post(
    tls: &Arc<rustls::ClientConfig>,
    url: &str,
    headers: &[(&str, String)],
    body: &str,
) -> Result<u16, String> {
    let target = split_url(url)?;
    let mut request = format!(
        "POST {} HTTP/1.1\r\nhost: {}\r\ncontent-length: {}\r\nconnection: close\r\nuser-agent: strongroom\r\n",
        target.path,
        target.host,
        body.len()
    );
    for (name, value) in headers {
        if value.contains(['\r', '\n']) {
            return Err("a header value holds a line break".to_owned());
        }
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    let stream = tokio::net::TcpStream::connect((target.host, target.port))
        .await
        .map_err(|err| format!("connecting to {}:{} failed: {err}", target.host, target.port))?;
    if target.tls {
        let name = rustls::pki_types::ServerName::try_from(target.host.to_owned())
            .map_err(|_| "the URL's host is not a valid TLS name".to_owned())?;
        let connector = tokio_rustls::TlsConnector::from(Arc::clone(tls));
        let stream = connector
            .connect(name, stream)
            .await
            .map_err(|err| format!("the TLS handshake failed: {err}"))?;
        exchange(stream, request.as_bytes()).await
    } else {
        exchange(stream, request.as_bytes()).await
    }
}

async fn exchange<S>(mut stream: S, request: &[u8]) -> Result<u16, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    stream
        .write_all(request)
        .await
        .map_err(|err| format!("sending failed: {err}"))?;
    let mut answer = Vec::with_capacity(256);
    let mut buffer = [0u8; 1024];
    while !answer.windows(2).any(|w| w == b"\r\n") && answer.len() < MAX_ANSWER_BYTES {
        let read = stream
            .read(&mut buffer)
            .await
            .map_err(|err| format!("reading the answer failed: {err}"))?;
        if read == 0 {
            break;
        }
        answer.extend_from_slice(&buffer[..read]);
    }
    status_code(&answer).ok_or_else(|| "the answer is not HTTP".to_owned())
}

/// The status code of an HTTP/1.x answer's status line.
fn status_code(answer: &[u8]) -> Option<u16> {
    let line = answer.split(|b| *b == b'\r').next()?;
    let text = std::str::from_utf8(line).ok()?;
    let mut parts = text.split(' ');
    let version = parts.next()?;
    if !version.starts_with("HTTP/1.") {
        return None;
    }
    parts.next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_their_parts() {
        let cases = [
            (
                "http://127.0.0.1:8080/hook?a=1",
                Ok((false, "127.0.0.1", 8080, "/hook?a=1")),
            ),
            ("https://hooks.example", Ok((true, "hooks.example", 443, "/"))),
            ("http://[::1]:9000/x", Ok((false, "::1", 9000, "/x"))),
            ("ftp://x", Err(())),
            ("http://host:port/", Err(())),
            ("http:///x", Err(())),
        ];
        for (url, wanted) in cases {
            let got = split_url(url)
                .map(|t| (t.tls, t.host, t.port, t.path))
                .map_err(|_| ());
            assert_eq!(got, wanted, "{url}");
        }
    }

    #[test]
    fn status_lines_parse() {
        assert_eq!(status_code(b"HTTP/1.1 204 No Content\r\n"), Some(204));
        assert_eq!(status_code(b"HTTP/1.0 500 Oops\r\n\r\n"), Some(500));
        assert_eq!(status_code(b"SSH-2.0\r\n"), None);
    }

    #[test]
    fn only_allowed_programs_run() {
        let dir = tempfile::tempdir().unwrap();
        let allowed = dir.path().join("rotators");
        std::fs::create_dir(&allowed).unwrap();
        let inside = allowed.join("rotate.sh");
        std::fs::write(&inside, "#!/bin/sh\n").unwrap();
        let outside = dir.path().join("other.sh");
        std::fs::write(&outside, "#!/bin/sh\n").unwrap();
        let io = ServerFunctionIo::new(vec![allowed.clone()]);
        assert!(io.allows(&inside));
        assert!(!io.allows(&outside));
        // A path that walks out of the directory is judged by where it lands.
        assert!(!io.allows(&allowed.join("../other.sh")));
        assert!(!ServerFunctionIo::new(Vec::new()).allows(&inside));
    }
}
