//! The HTTP front: a loopback-only listener (each socket gets IP TTL 1, so no request crosses a network
//! hop), hyper HTTP/1, and the AWS agent's request pipeline.
//!
//! Checks, in the AWS agent's order: the concurrent-request limit (429; `/ping` gets two extra), a
//! `X-Forwarded-For` header (400 `Forwarded`, on every path), the SSRF token in one of the configured
//! headers, compared in constant time (403 `Bad Token`; not asked of `/ping` and `/metrics`), and the
//! method (405 unless GET). Then `/ping`, `/metrics`, `/secretsmanager/get`, `<path_prefix><id>`, else 404.
//!
//! A cache hit takes the map lock once, clones an `Arc`, and answers with the entry's body rendered once
//! when it was cached, so the hot path allocates little beyond what hyper needs.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use strongroom_cache::{Freshness, SecretCache};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::metrics::{AgentMetrics, Refusal};
use crate::render::{self, HttpError};
use crate::request;
use crate::token::SsrfToken;

/// The whole connection must finish within this, as in the AWS agent; an open keep-alive connection is
/// then closed gracefully.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(61);
/// The request buffer limit: (65 + 256) KiB.
const MAX_BUF_BYTES: usize = (65 + 256) * 1024;

/// The header that marks an answer served stale.
pub const STALE_HEADER: &str = "x-strongroom-stale";

/// What the listener needs besides the cache.
#[derive(Debug)]
pub struct ServerSettings {
    /// 0 picks a free port.
    pub port: u16,
    pub ssrf_headers: Vec<String>,
    pub path_prefix: String,
    pub max_conn: usize,
}

#[derive(Debug)]
struct Agent {
    cache: Arc<SecretCache>,
    token: SsrfToken,
    ssrf_headers: Vec<HeaderName>,
    path_prefix: String,
    max_conn: usize,
    in_flight: AtomicUsize,
    metrics: AgentMetrics,
}

/// Decrements the in-flight count when a request is done.
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A started agent.
#[derive(Debug)]
pub struct RunningAgent {
    address: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningAgent {
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Stops accepting, lets open connections finish their current request, and waits for the accept loop.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }

    /// Waits until the accept loop ends (it ends only through [`RunningAgent::stop`] or a fatal error).
    pub async fn wait(&mut self) {
        let _ = (&mut self.task).await;
    }
}

/// Why the agent could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("invalid SSRF header name {0:?}")]
    HeaderName(String),
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
}

/// Binds 127.0.0.1 and serves until stopped.
pub async fn start(
    settings: ServerSettings,
    cache: Arc<SecretCache>,
    token: SsrfToken,
) -> Result<RunningAgent, StartError> {
    let ssrf_headers = settings
        .ssrf_headers
        .iter()
        .map(|name| HeaderName::try_from(name.as_str()).map_err(|_| StartError::HeaderName(name.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, settings.port))
        .await
        .map_err(|source| StartError::Bind {
            port: settings.port,
            source,
        })?;
    let address = listener.local_addr().map_err(|source| StartError::Bind {
        port: settings.port,
        source,
    })?;
    let agent = Arc::new(Agent {
        cache,
        token,
        ssrf_headers,
        path_prefix: settings.path_prefix,
        max_conn: settings.max_conn,
        in_flight: AtomicUsize::new(0),
        metrics: AgentMetrics::default(),
    });
    let (shutdown, stopped) = watch::channel(false);
    let task = tokio::spawn(accept_loop(listener, agent, stopped));
    Ok(RunningAgent {
        address,
        shutdown,
        task,
    })
}

async fn accept_loop(listener: TcpListener, agent: Arc<Agent>, mut stopped: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped.changed() => return,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(error) => {
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        // No network hops: a packet from this socket dies at the first router.
        if let Err(error) = stream.set_ttl(1) {
            tracing::warn!(%error, "cannot set the socket's TTL; closing it");
            continue;
        }
        let _ = stream.set_nodelay(true);
        let agent = Arc::clone(&agent);
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let service = service_fn(|request: Request<Incoming>| {
                let agent = Arc::clone(&agent);
                async move { Ok::<_, std::convert::Infallible>(agent.handle(request).await) }
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.max_buf_size(MAX_BUF_BYTES);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            let deadline = tokio::time::sleep(CONNECTION_TIMEOUT);
            tokio::pin!(deadline);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                () = &mut deadline => {
                    connection.as_mut().graceful_shutdown();
                    connection.as_mut().await
                }
                _ = stopped.changed() => {
                    connection.as_mut().graceful_shutdown();
                    connection.as_mut().await
                }
            };
            if let Err(error) = result {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
}

fn response(status: u16, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
}

fn error_response(error: HttpError) -> Response<Full<Bytes>> {
    response(error.status, error.body)
}

impl Agent {
    async fn handle(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        let path = request.uri().path();
        let is_ping = path == "/ping";
        let is_metrics = path == "/metrics";

        let count = self.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        let _in_flight = InFlight(&self.in_flight);
        let limit = if is_ping { self.max_conn + 2 } else { self.max_conn };
        if count > limit {
            self.metrics.refused(Refusal::ConnectionLimit);
            return error_response(HttpError::plain(429, "Connection limit exceeded"));
        }
        let headers = request.headers();
        if headers.contains_key("x-forwarded-for") {
            self.metrics.refused(Refusal::Forwarded);
            tracing::warn!("refused a request carrying X-Forwarded-For");
            return error_response(HttpError::plain(400, "Forwarded"));
        }
        if !is_ping && !is_metrics && !self.token_ok(headers) {
            self.metrics.refused(Refusal::BadToken);
            tracing::warn!("refused a request without the right SSRF token");
            return error_response(HttpError::plain(403, "Bad Token"));
        }
        if request.method() != Method::GET {
            self.metrics.refused(Refusal::Method);
            return error_response(HttpError::plain(405, "Not allowed"));
        }

        let query = request.uri().query().unwrap_or("");
        let parsed = if is_ping {
            return response(200, Bytes::from_static(b"healthy"));
        } else if is_metrics {
            return response(200, Bytes::from(self.metrics.render(&self.cache.stats())));
        } else if path == "/secretsmanager/get" {
            request::from_query(query)
        } else if path.starts_with(&self.path_prefix) {
            request::from_path(path, &self.path_prefix, query)
        } else {
            return error_response(HttpError::plain(404, "Not found"));
        };
        let parsed = match parsed {
            Ok(parsed) => parsed,
            Err(error) => return error_response(error),
        };

        let secret_request = parsed.as_request();
        let result = if parsed.refresh_now {
            self.cache.refresh_now(&secret_request).await
        } else {
            self.cache.get(&secret_request).await
        };
        match result {
            Ok(lookup) => {
                let body = lookup.secret.rendered(render::secret_body);
                let mut answer = response(200, body);
                if let Freshness::Stale { age, error } = &lookup.freshness {
                    if let Some(error) = error {
                        tracing::warn!(error = %render::describe(error), age_secs = age.as_secs(), "serving a stale value");
                    }
                    answer
                        .headers_mut()
                        .insert(STALE_HEADER, HeaderValue::from(age.as_secs()));
                    answer.headers_mut().insert(
                        http::header::WARNING,
                        HeaderValue::from_static("110 strongroom-agent \"Response is Stale\""),
                    );
                }
                answer
            }
            Err(error) => {
                self.metrics.upstream_error();
                tracing::info!(error = %render::describe(&error), "upstream error");
                error_response(render::upstream_error(&error))
            }
        }
    }

    fn token_ok(&self, headers: &http::HeaderMap) -> bool {
        // Every configured header is checked, with no early exit, so timing does not say which one matched.
        let mut ok = false;
        for name in &self.ssrf_headers {
            for value in headers.get_all(name) {
                ok |= self.token.matches(value.as_bytes());
            }
        }
        ok
    }
}
