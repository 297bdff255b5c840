//! The one handler for AWS API requests: read the body, route by the credential scope, authenticate,
//! run the operation, render the reply in the service's protocol, and record the call.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use strongroom_api::{WireError, WireResponse};
use strongroom_service::audit::{Actor, AuditEvent, Outcome};
use strongroom_service::{Transport, authz};
use strongroom_sigv4::{SigV4Error, SignableRequest};

use super::{AppState, Peer};
use crate::errors;
use crate::handlers;
use crate::protocol::{self, Protocol, ServiceSpec};

/// What one request is, once its headers have been read.
pub struct Call<'a> {
    pub spec: ServiceSpec,
    /// The operation's name as AWS spells it (`GetCallerIdentity`), or what the request asked for.
    pub operation: String,
    pub request_id: &'a str,
    pub body: &'a [u8],
    pub query: &'a str,
    /// The HTTP method (`GET`) and the path, which restJson1 routes by.
    pub method: &'a str,
    pub path: &'a str,
    /// The `Host` header (the URI's authority for HTTP/2) and whether the connection is TLS: the origin the
    /// client reached this server at (see [`Call::origin`]).
    pub host: Option<&'a str>,
    pub tls: bool,
}

/// The outcome of an operation: the rendered reply and, for the audit record, the resource acted on.
pub struct Reply {
    pub response: WireResponse,
    pub resource: Option<String>,
    pub read_only: bool,
}

pub async fn aws_request(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let started = Instant::now();
    let request_id = strongroom_crypto::random::uuid_v4();
    let (parts, body) = request.into_parts();
    let peer = parts.extensions.get::<Peer>().copied();

    let Ok(body) = axum::body::to_bytes(body, state.max_body_bytes).await else {
        let spec = guess_spec(&parts.headers, parts.uri.path());
        let error = WireError::new(413, "RequestEntityTooLargeException", "Request body is too large");
        return finish(render_error(spec.protocol, &error, &request_id), &request_id);
    };

    let headers: Vec<(&str, &str)> = parts
        .headers
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
        .collect();
    let signable = SignableRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &headers,
        body: &body,
    };
    // CreateSession is signed with a certificate's key (AWS4-X509-*), not SigV4: it authenticates itself.
    if is_x509_signed(&parts.headers) {
        let spec =
            protocol::by_name("rolesanywhere").unwrap_or_else(|| guess_spec(&parts.headers, "/sessions"));
        let (result, resource) =
            handlers::rolesanywhere::create_session(&state.services, &signable, spec, &request_id).await;
        let (response, outcome) = match result {
            Ok(response) => (response, Outcome::Success),
            Err(error) => (
                render_error(spec.protocol, &error, &request_id),
                Outcome::Failure {
                    code: error.code.clone(),
                    message: error.message.clone(),
                },
            ),
        };
        let outcome_label = match &outcome {
            Outcome::Success => "success".to_owned(),
            Outcome::Failure { code, .. } => code.clone(),
        };
        state
            .services
            .audit
            .record(AuditEvent {
                time: state.services.clock.now(),
                request_id: request_id.clone(),
                service: spec.name.to_owned(),
                operation: "CreateSession".to_owned(),
                region: None,
                source_ip: peer.map(|p| p.addr.ip().to_string()),
                user_agent: header(&parts.headers, "user-agent").map(str::to_owned),
                actor: Actor::Unauthenticated { access_key_id: None },
                resource,
                read_only: false,
                outcome,
                decision: None,
            })
            .await;
        state
            .metrics
            .observe(spec.name, "CreateSession", &outcome_label, started.elapsed());
        return finish(response, &request_id);
    }

    let parsed = strongroom_sigv4::parse_auth(&signable);
    let target = header(&parts.headers, "x-amz-target");
    let spec = match &parsed {
        Ok(auth) => match protocol::by_name(&auth.scope().service) {
            Some(spec) => spec,
            None => {
                let error = errors::unknown_service(&auth.scope().service);
                return finish(json_error(&error), &request_id);
            }
        },
        Err(_) => guess_spec(&parts.headers, parts.uri.path()),
    };
    let call = Call {
        spec,
        operation: operation_name(
            spec,
            target,
            &body,
            signable.query,
            signable.method,
            signable.path,
        ),
        request_id: &request_id,
        body: &body,
        query: signable.query,
        method: signable.method,
        path: signable.path,
        host: header(&parts.headers, "host").or_else(|| parts.uri.authority().map(|a| a.as_str())),
        tls: peer.is_some_and(|p| p.tls),
    };

    // A JSON request's target names the service it is for; a scope for another service is refused.
    let expected_service = match (spec.protocol, target.and_then(protocol::by_target)) {
        (Protocol::Json { .. }, Some(targeted)) => targeted.name,
        _ => spec.name,
    };
    let authenticated = match parsed {
        Ok(auth) => state
            .services
            .auth
            .authenticate(&signable, &auth, expected_service)
            .await
            .map_err(|err| (err, Some(auth.access_key_id().to_string()))),
        Err(err) => Err((err.into(), None)),
    };

    let mut decision = None;
    let (actor, result) = match authenticated {
        Ok(caller) => {
            state.services.key_usage.note(
                caller.access_key_id(),
                state.services.clock.now(),
                spec.name,
                caller.region().as_str(),
            );
            let caller = caller.with_transport(Transport {
                source_ip: peer.map(|p| p.addr.ip()),
                secure: peer.is_some_and(|p| p.tls),
            });
            let (result, decided) = authz::recording(handlers::handle(&state.services, &caller, &call)).await;
            decision = decided;
            (Actor::Caller(Box::new(caller)), result)
        }
        Err((err, access_key_id)) => {
            if !matches!(
                err,
                strongroom_service::auth::AuthError::Signature(SigV4Error::Missing)
            ) {
                tracing::info!(request_id = %request_id, error = %err, "authentication failed");
            }
            (
                Actor::Unauthenticated { access_key_id },
                Err(errors::auth_error(&err, spec.protocol)),
            )
        }
    };

    let (response, outcome, resource, read_only) = match result {
        Ok(reply) => (reply.response, Outcome::Success, reply.resource, reply.read_only),
        Err(error) => {
            let outcome = Outcome::Failure {
                code: error.code.clone(),
                message: error.message.clone(),
            };
            (
                render_error(spec.protocol, &error, &request_id),
                outcome,
                None,
                false,
            )
        }
    };
    let outcome_label = match &outcome {
        Outcome::Success => "success".to_owned(),
        Outcome::Failure { code, .. } => code.clone(),
    };
    state
        .services
        .audit
        .record(AuditEvent {
            time: state.services.clock.now(),
            request_id: request_id.clone(),
            service: spec.name.to_owned(),
            operation: call.operation.clone(),
            region: region_of(&actor),
            source_ip: peer.map(|p| p.addr.ip().to_string()),
            user_agent: header(&parts.headers, "user-agent").map(str::to_owned),
            actor,
            resource,
            read_only,
            outcome,
            decision,
        })
        .await;
    state
        .metrics
        .observe(spec.name, &call.operation, &outcome_label, started.elapsed());
    finish(response, &request_id)
}

/// Whether the request is signed with an X.509 certificate's key (`AWS4-X509-…` in `Authorization`).
/// Only such requests skip SigV4 authentication, and only to reach CreateSession, which verifies them.
fn is_x509_signed(headers: &HeaderMap) -> bool {
    headers
        .get_all("authorization")
        .iter()
        .any(|value| value.as_bytes().starts_with(b"AWS4-X509-"))
}

fn region_of(actor: &Actor) -> Option<String> {
    match actor {
        Actor::Caller(caller) => Some(caller.region().to_string()),
        Actor::Unauthenticated { .. } | Actor::Service => None,
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn guess_spec(headers: &HeaderMap, path: &str) -> ServiceSpec {
    protocol::guess(
        header(headers, "x-amz-target"),
        header(headers, "content-type"),
        path,
    )
}

/// The operation a request names, for routing, metrics and the audit record.
fn operation_name(
    spec: ServiceSpec,
    target: Option<&str>,
    body: &[u8],
    query: &str,
    method: &str,
    path: &str,
) -> String {
    match spec.protocol {
        Protocol::Json { .. } => target
            .and_then(|t| t.split_once('.'))
            .map(|(_, op)| op)
            .unwrap_or("")
            .to_owned(),
        Protocol::Query { .. } => strongroom_api::query::QueryRequest::parse_with_url_query(query, body)
            .action()
            .map(str::to_owned)
            .unwrap_or_default(),
        Protocol::RestJson => strongroom_api::rolesanywhere::route(method, path)
            .map(|(name, _)| name.to_owned())
            .unwrap_or_else(|| format!("{method} {path}")),
    }
}

pub fn render_error(protocol: Protocol, error: &WireError, request_id: &str) -> WireResponse {
    match protocol {
        Protocol::Json { .. } => json_error(error),
        Protocol::Query { namespace } => strongroom_api::query::render_error(error, namespace, request_id),
        Protocol::RestJson => strongroom_api::rest_json::render_error(error),
    }
}

fn json_error(error: &WireError) -> WireResponse {
    strongroom_api::json::render_error(error)
}

/// Copies a rendered reply into an HTTP response with the request id every AWS response carries.
fn finish(wire: WireResponse, request_id: &str) -> Response {
    let status = StatusCode::from_u16(wire.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, Body::from(wire.body)).into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static(wire.content_type));
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", value);
    }
    for (name, value) in wire.headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.append(name, value);
        }
    }
    response
}

impl Call<'_> {
    /// The caller-facing "unknown operation" error of this call's protocol.
    pub fn unknown_operation(&self) -> WireError {
        errors::unknown_operation(self.spec, &self.operation)
    }

    /// `scheme://host[:port]` as the client reached this server (its signed `Host` header), for URLs the
    /// server hands out: the private CA's CRL distribution points. `localhost` when the header is not a
    /// plain `host[:port]`.
    pub fn origin(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        // Only host-name, IP literal and port characters: the value ends up inside certificates.
        let plain = |host: &&str| {
            !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        };
        let host = self.host.filter(plain).unwrap_or("localhost");
        format!("{scheme}://{host}")
    }
}

/// What a handler returns.
pub type HandlerResult = Result<Reply, WireError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_is_the_signed_host_or_localhost() {
        let call = |host: Option<&'static str>, tls: bool| Call {
            spec: protocol::SERVICES[0],
            operation: String::new(),
            request_id: "r",
            body: b"",
            query: "",
            method: "POST",
            path: "/",
            host,
            tls,
        };
        assert_eq!(
            call(Some("127.0.0.1:4566"), false).origin(),
            "http://127.0.0.1:4566"
        );
        assert_eq!(call(Some("[::1]:8443"), true).origin(), "https://[::1]:8443");
        assert_eq!(
            call(Some("pki.example.com"), true).origin(),
            "https://pki.example.com"
        );
        for odd in [
            None,
            Some(""),
            Some("evil.example/x?"),
            Some("a b"),
            Some("user@host"),
        ] {
            assert_eq!(call(odd, false).origin(), "http://localhost", "{odd:?}");
        }
    }
}
