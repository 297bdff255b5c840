//! The agent's HTTP interface in-process, over a fake upstream and a manual clock: the SSRF checks, the
//! routes, the AWS agent's error mapping, caching as seen through HTTP, the stale header and metrics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use secrecy::SecretString;
use strongroom_agent::{
    AgentConfig, RunningAgent, STALE_HEADER, SsrfToken, cache_for, server_settings, start,
};
use strongroom_cache::testing::FakeUpstream;
use strongroom_cache::{SecretDescription, SecretRequest, SecretValue, Upstream, UpstreamError};
use strongroom_types::{Clock, ManualClock, OffsetDateTime};
use support::{TOKEN, TOKEN_HEADER, get, send};

struct Fixture {
    agent: RunningAgent,
    upstream: Arc<FakeUpstream>,
    clock: Arc<ManualClock>,
}

async fn start_agent(
    config: AgentConfig,
    upstream: Arc<dyn Upstream>,
    clock: Arc<ManualClock>,
) -> RunningAgent {
    let cache = Arc::new(cache_for(&config, upstream, clock as Arc<dyn Clock>));
    start(
        server_settings(&config),
        cache,
        SsrfToken::new(SecretString::from(TOKEN)),
    )
    .await
    .unwrap()
}

fn test_config() -> AgentConfig {
    AgentConfig {
        http_port: 0,
        max_stale: Duration::from_secs(600),
        ..AgentConfig::default()
    }
}

fn manual_clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        OffsetDateTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
    ))
}

async fn fixture() -> Fixture {
    let upstream = Arc::new(FakeUpstream::new());
    upstream.put("MyTest", "hunter2");
    let clock = manual_clock();
    let agent = start_agent(
        test_config(),
        Arc::clone(&upstream) as Arc<dyn Upstream>,
        Arc::clone(&clock),
    )
    .await;
    Fixture {
        agent,
        upstream,
        clock,
    }
}

#[tokio::test]
async fn ping_needs_no_token() {
    let f = fixture().await;
    let reply = send(f.agent.address(), "GET", "/ping", &[]).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "healthy"));
}

/// Headers sent, status expected, body expected.
type TokenCase<'a> = (&'a [(&'a str, &'a str)], u16, &'a str);

#[tokio::test]
async fn the_token_is_required_and_must_match() {
    let f = fixture().await;
    let address = f.agent.address();
    let target = "/secretsmanager/get?secretId=MyTest";
    let cases: [TokenCase<'_>; 7] = [
        (&[], 403, "Bad Token"),
        (&[(TOKEN_HEADER, "wrong")], 403, "Bad Token"),
        (&[(TOKEN_HEADER, "test-ssrf-token-012345678")], 403, "Bad Token"),
        (&[(TOKEN_HEADER, "test-ssrf-token-01234567890")], 403, "Bad Token"),
        (&[("X-Other-Header", TOKEN)], 403, "Bad Token"),
        (&[(TOKEN_HEADER, TOKEN)], 200, ""),
        (&[("X-Vault-Token", TOKEN)], 200, ""),
    ];
    for (headers, status, body) in cases {
        let reply = send(address, "GET", target, headers).await;
        assert_eq!(reply.status, status, "{headers:?}: {}", reply.body);
        if status != 200 {
            assert_eq!(reply.body, body);
        }
    }
    assert_eq!(
        f.upstream.take_calls().len(),
        1,
        "refused requests never reach upstream"
    );
}

#[tokio::test]
async fn x_forwarded_for_is_refused_even_with_the_token() {
    let f = fixture().await;
    for target in ["/secretsmanager/get?secretId=MyTest", "/ping", "/v1/MyTest"] {
        let reply = send(
            f.agent.address(),
            "GET",
            target,
            &[(TOKEN_HEADER, TOKEN), ("X-Forwarded-For", "10.0.0.1")],
        )
        .await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (400, "Forwarded"),
            "{target}"
        );
    }
    assert!(f.upstream.take_calls().is_empty());
}

#[tokio::test]
async fn methods_routes_and_parameters() {
    let f = fixture().await;
    let address = f.agent.address();
    let cases: [(&str, &str, u16, &str); 7] = [
        ("POST", "/secretsmanager/get?secretId=MyTest", 405, "Not allowed"),
        ("GET", "/nothing/here", 404, "Not found"),
        ("GET", "/secretsmanager/get", 400, "missing parameter secretId"),
        (
            "GET",
            "/secretsmanager/get?secretId=MyTest&abc=1",
            400,
            "unknown parameter: abc",
        ),
        (
            "GET",
            "/secretsmanager/get?secretId=MyTest&refreshNow=maybe",
            400,
            "invalid refreshNow value",
        ),
        ("GET", "/v1/", 400, "missing secret ID"),
        ("GET", "/v1/MyTest?secretId=x", 400, "unknown parameter: secretId"),
    ];
    for (method, target, status, body) in cases {
        let reply = send(address, method, target, &[(TOKEN_HEADER, TOKEN)]).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (status, body),
            "{method} {target}"
        );
    }
}

#[tokio::test]
async fn a_secret_is_returned_in_the_agent_shape_by_query_and_by_path() {
    let f = fixture().await;
    for target in ["/secretsmanager/get?secretId=MyTest", "/v1/MyTest"] {
        let reply = get(f.agent.address(), target).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(
            reply.header("content-type"),
            None,
            "the AWS agent sets no content type"
        );
        assert_eq!(reply.header(STALE_HEADER), None);
        let json = reply.json();
        assert_eq!(json["Name"], "MyTest");
        assert_eq!(json["SecretString"], "hunter2");
        assert_eq!(json["VersionId"], "v1");
        assert_eq!(json["VersionStages"], serde_json::json!(["AWSCURRENT"]));
        assert_eq!(json["CreatedDate"], "1569534789.046");
        assert!(
            json["ARN"]
                .as_str()
                .unwrap()
                .starts_with("arn:aws:secretsmanager:")
        );
    }
    // The ARN works as an id too, and is a separate cache entry.
    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:MyTest-AbCdEf";
    let reply = get(f.agent.address(), &format!("/secretsmanager/get?secretId={arn}")).await;
    assert_eq!(reply.json()["Name"], "MyTest");
}

#[tokio::test]
async fn upstream_errors_keep_their_status_code_and_message() {
    let f = fixture().await;
    let reply = get(f.agent.address(), "/secretsmanager/get?secretId=Missing").await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.json(),
        serde_json::json!({"__type": "ResourceNotFoundException", "message": "Secrets Manager can't find the specified secret."})
    );

    f.upstream.fail_with(Some(UpstreamError::Timeout));
    let reply = get(f.agent.address(), "/secretsmanager/get?secretId=Other").await;
    assert_eq!(
        (reply.status, reply.json()["__type"].as_str()),
        (504, Some("TimeoutError"))
    );
}

#[tokio::test]
async fn hits_misses_refresh_now_and_rotation_through_http() {
    let f = fixture().await;
    let address = f.agent.address();
    let target = "/secretsmanager/get?secretId=MyTest";
    assert_eq!(get(address, target).await.json()["SecretString"], "hunter2");
    f.upstream.put("MyTest", "rotated");
    // A hit: still the cached value.
    assert_eq!(get(address, target).await.json()["SecretString"], "hunter2");
    // refreshNow fetches at once.
    let refreshed = get(address, &format!("{target}&refreshNow=true")).await;
    assert_eq!(refreshed.json()["SecretString"], "rotated");
    assert_eq!(get(address, target).await.json()["SecretString"], "rotated");

    f.upstream.put("MyTest", "rotated-again");
    f.clock.advance(time::Duration::seconds(301));
    assert_eq!(get(address, target).await.json()["SecretString"], "rotated-again");

    // A version stage request.
    let previous = get(address, "/v1/MyTest?versionStage=AWSPREVIOUS").await;
    assert_eq!(previous.json()["SecretString"], "rotated");

    let metrics = send(address, "GET", "/metrics", &[]).await;
    assert_eq!(metrics.status, 200);
    for line in [
        "strongroom_agent_cache_hits_total 2",
        "strongroom_agent_cache_misses_total 2",
        "strongroom_agent_cache_refetches_total 2",
        "strongroom_agent_cache_refresh_errors_total 0",
        "strongroom_agent_cache_entries 2",
    ] {
        assert!(
            metrics.body.lines().any(|l| l == line),
            "missing {line:?} in\n{}",
            metrics.body
        );
    }
}

#[tokio::test]
async fn upstream_down_serves_stale_with_a_header_within_the_bound_then_errors() {
    let f = fixture().await;
    let address = f.agent.address();
    let target = "/secretsmanager/get?secretId=MyTest";
    get(address, target).await;
    f.upstream
        .fail_with(Some(UpstreamError::Connection("refused".into())));

    f.clock.advance(time::Duration::seconds(400));
    let stale = get(address, target).await;
    assert_eq!(stale.status, 200);
    assert_eq!(stale.json()["SecretString"], "hunter2");
    assert_eq!(stale.header(STALE_HEADER), Some("400"));
    assert!(stale.header("warning").unwrap().contains("Response is Stale"));

    // Past ttl (300) + max_stale (600): the error, as the AWS agent maps it.
    f.clock.advance(time::Duration::seconds(501));
    let failed = get(address, target).await;
    assert_eq!(failed.status, 502);
    assert_eq!(
        failed.json(),
        serde_json::json!({"__type": "ConnectionError", "message": "Read Error"})
    );

    let metrics = send(address, "GET", "/metrics", &[]).await;
    assert!(
        metrics
            .body
            .contains("strongroom_agent_cache_refresh_errors_total 2"),
        "{}",
        metrics.body
    );
    assert!(
        metrics
            .body
            .contains("strongroom_agent_cache_stale_served_total 1"),
        "{}",
        metrics.body
    );
}

/// An upstream whose GetSecretValue waits until released, to hold requests in flight.
#[derive(Debug)]
struct Gate {
    release: tokio::sync::Semaphore,
    entered: tokio::sync::Notify,
    inner: FakeUpstream,
}

#[async_trait]
impl Upstream for Gate {
    async fn get_secret_value(&self, request: &SecretRequest<'_>) -> Result<SecretValue, UpstreamError> {
        self.entered.notify_one();
        let _permit = self.release.acquire().await.unwrap();
        self.inner.get_secret_value(request).await
    }

    async fn describe_secret(&self, secret_id: &str) -> Result<SecretDescription, UpstreamError> {
        self.inner.describe_secret(secret_id).await
    }
}

#[tokio::test]
async fn the_connection_limit_answers_429_but_leaves_room_for_ping() {
    let gate = Arc::new(Gate {
        release: tokio::sync::Semaphore::new(0),
        entered: tokio::sync::Notify::new(),
        inner: FakeUpstream::new(),
    });
    gate.inner.put("MyTest", "v");
    let config = AgentConfig {
        max_conn: 1,
        ..test_config()
    };
    let agent = start_agent(config, Arc::clone(&gate) as Arc<dyn Upstream>, manual_clock()).await;
    let address = agent.address();
    let held = tokio::spawn(async move { get(address, "/secretsmanager/get?secretId=MyTest").await });
    gate.entered.notified().await;

    let refused = get(address, "/secretsmanager/get?secretId=MyTest").await;
    assert_eq!(
        (refused.status, refused.body.as_str()),
        (429, "Connection limit exceeded")
    );
    let ping = send(address, "GET", "/ping", &[]).await;
    assert_eq!(ping.status, 200);

    gate.release.add_permits(1);
    assert_eq!(held.await.unwrap().status, 200);
    assert_eq!(
        get(address, "/secretsmanager/get?secretId=MyTest").await.status,
        200
    );
}
