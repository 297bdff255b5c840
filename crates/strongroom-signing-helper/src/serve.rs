//! `serve`: the EC2 instance-metadata credential endpoints with IMDSv2 session tokens, on 127.0.0.1
//! only, so SDKs pointed at it with `AWS_EC2_METADATA_SERVICE_ENDPOINT` get refreshed credentials.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use secrecy::{ExposeSecret as _, SecretString};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::net::TcpListener;

use crate::cli::ServeArgs;
use crate::error::HelperError;
use crate::session::{Credentials, SessionTarget, create_session, json_string};

const TOKEN_PATH: &str = "/latest/api/token";
const CREDENTIALS_PATH: &str = "/latest/meta-data/iam/security-credentials";
const TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";
const MAX_TOKENS: usize = 256;
const MAX_TTL_SECS: u64 = 21_600;
const TOKEN_CHARS: usize = 100;
/// Credentials are refreshed when fewer than this many seconds remain.
const REFRESH_WINDOW_SECS: i64 = 600;

struct Tokens {
    live: VecDeque<(SecretString, Instant)>,
}

impl Tokens {
    fn issue(&mut self, ttl: StdDuration) -> SecretString {
        let now = Instant::now();
        self.live.retain(|(_, expiry)| *expiry > now);
        while self.live.len() >= MAX_TOKENS {
            self.live.pop_front();
        }
        let token = strongroom_crypto::random::token_urlsafe(TOKEN_CHARS);
        self.live
            .push_back((SecretString::from(token.expose_secret().to_owned()), now + ttl));
        token
    }

    fn is_valid(&self, presented: &str) -> bool {
        let now = Instant::now();
        self.live.iter().fold(false, |found, (token, expiry)| {
            // Every live token is compared, in constant time each.
            found
                | (strongroom_crypto::ct::eq(token.expose_secret().as_bytes(), presented.as_bytes())
                    && *expiry > now)
        })
    }
}

struct Cached {
    credentials: Credentials,
    fetched_at: OffsetDateTime,
}

struct State {
    args: ServeArgs,
    target: SessionTarget,
    role_name: String,
    tokens: Mutex<Tokens>,
    credentials: tokio::sync::Mutex<Option<Cached>>,
}

impl State {
    /// The credentials JSON, refreshing first when they are about to expire.
    async fn credentials_json(&self) -> Result<String, HelperError> {
        let mut cached = self.credentials.lock().await;
        let fresh_enough = cached.as_ref().is_some_and(|c| {
            c.credentials.expires_at - OffsetDateTime::now_utc()
                > time::Duration::seconds(REFRESH_WINDOW_SECS)
        });
        if !fresh_enough {
            let credentials = create_session(&self.args.credentials, &self.target).await?;
            *cached = Some(Cached {
                credentials,
                fetched_at: OffsetDateTime::now_utc(),
            });
        }
        let Some(c) = cached.as_ref() else {
            return Err(HelperError::Serve("no credentials".to_owned()));
        };
        let updated = c.fetched_at.format(&Rfc3339).unwrap_or_default();
        Ok(format!(
            "{{\"AccessKeyId\":{},\"SecretAccessKey\":{},\"Token\":{},\"Code\":\"Success\",\"Type\":\"AWS-HMAC\",\"Expiration\":{},\"LastUpdated\":{}}}",
            json_string(&c.credentials.access_key_id),
            json_string(c.credentials.secret_access_key.expose_secret()),
            json_string(c.credentials.session_token.expose_secret()),
            json_string(&c.credentials.expiration),
            json_string(&updated),
        ))
    }
}

fn respond(status: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
}

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path();
    let path = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    if path == TOKEN_PATH {
        if req.method() != Method::PUT {
            return respond(StatusCode::METHOD_NOT_ALLOWED, "");
        }
        if req.headers().contains_key("x-forwarded-for") {
            return respond(StatusCode::BAD_REQUEST, "");
        }
        let ttl = match req.headers().get(TTL_HEADER) {
            None => MAX_TTL_SECS,
            Some(value) => match value.to_str().ok().and_then(|v| v.trim().parse::<u64>().ok()) {
                Some(ttl) if (1..=MAX_TTL_SECS).contains(&ttl) => ttl,
                _ => return respond(StatusCode::BAD_REQUEST, ""),
            },
        };
        let token = match state.tokens.lock() {
            Ok(mut tokens) => tokens.issue(StdDuration::from_secs(ttl)),
            Err(_) => return respond(StatusCode::INTERNAL_SERVER_ERROR, ""),
        };
        let mut response = respond(StatusCode::OK, token.expose_secret().to_owned());
        if let Ok(value) = http::HeaderValue::from_str(&ttl.to_string()) {
            response.headers_mut().insert(TTL_HEADER, value);
        }
        return response;
    }
    let Some(rest) = path.strip_prefix(CREDENTIALS_PATH) else {
        return respond(StatusCode::NOT_FOUND, "");
    };
    if req.method() != Method::GET {
        return respond(StatusCode::METHOD_NOT_ALLOWED, "");
    }
    let authorised = req
        .headers()
        .get(TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|presented| state.tokens.lock().is_ok_and(|tokens| tokens.is_valid(presented)));
    if !authorised {
        return respond(StatusCode::UNAUTHORIZED, "");
    }
    match rest {
        "" => respond(StatusCode::OK, state.role_name.clone()),
        role if role.strip_prefix('/') == Some(state.role_name.as_str()) => {
            match state.credentials_json().await {
                Ok(json) => {
                    let mut response = respond(StatusCode::OK, json);
                    response.headers_mut().insert(
                        http::header::CONTENT_TYPE,
                        http::HeaderValue::from_static("application/json"),
                    );
                    response
                }
                Err(error) => {
                    eprintln!("cannot refresh credentials: {error}");
                    respond(StatusCode::INTERNAL_SERVER_ERROR, "")
                }
            }
        }
        _ => respond(StatusCode::NOT_FOUND, ""),
    }
}

pub async fn run(args: ServeArgs) -> Result<(), HelperError> {
    let target = SessionTarget::resolve(&args.credentials)?;
    let role_name = args
        .credentials
        .role_arn
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    // Fetch once at start so that a misconfiguration fails now, not at the first SDK call.
    let first = create_session(&args.credentials, &target).await?;
    let listener = TcpListener::bind(("127.0.0.1", args.port))
        .await
        .map_err(|e| HelperError::Serve(format!("cannot listen on 127.0.0.1:{}: {e}", args.port)))?;
    let local = listener
        .local_addr()
        .map_err(|e| HelperError::Serve(e.to_string()))?;
    let hop_limit = args.hop_limit;
    let state = Arc::new(State {
        args,
        target,
        role_name,
        tokens: Mutex::new(Tokens {
            live: VecDeque::new(),
        }),
        credentials: tokio::sync::Mutex::new(Some(Cached {
            credentials: first,
            fetched_at: OffsetDateTime::now_utc(),
        })),
    });
    eprintln!("Local server started on port: {}", local.port());
    loop {
        let (stream, _) = listener
            .accept()
            .await
            .map_err(|e| HelperError::Serve(e.to_string()))?;
        // Best effort: a TTL the OS refuses leaves the default.
        let _ = stream.set_ttl(hop_limit);
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let state = Arc::clone(&state);
                async move { Ok::<_, Infallible>(handle(state, req).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_expire_and_are_bounded() {
        let mut tokens = Tokens {
            live: VecDeque::new(),
        };
        let first = tokens.issue(StdDuration::from_secs(60));
        assert_eq!(first.expose_secret().len(), TOKEN_CHARS);
        assert!(tokens.is_valid(first.expose_secret()));
        assert!(!tokens.is_valid("guess"));
        let expired = tokens.issue(StdDuration::ZERO);
        assert!(!tokens.is_valid(expired.expose_secret()));
        for _ in 0..MAX_TOKENS {
            tokens.issue(StdDuration::from_secs(60));
        }
        assert!(tokens.live.len() <= MAX_TOKENS);
        // The oldest token was evicted.
        assert!(!tokens.is_valid(first.expose_secret()));
    }
}
