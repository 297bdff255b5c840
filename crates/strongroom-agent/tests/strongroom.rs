//! The agent and the caching client against a real in-process Strongroom server: a secret rotated
//! upstream with PutSecretValue is seen after the TTL (through DescribeSecret) or at once with
//! `refreshNow`, an unchanged one is revalidated without GetSecretValue, and a stopped server leaves the
//! agent serving the stale value with its header.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret as _, SecretString};
use strongroom_agent::{AgentConfig, STALE_HEADER, SsrfToken, cache_for, server_settings, start};
use strongroom_cache::client::{ClientSettings, Environment, Overrides, SecretsManagerClient};
use strongroom_cache::credentials::{CredentialSource, Credentials};
use strongroom_cache::{Upstream, UpstreamError};
use strongroom_server::config::{Config, RawConfig};
use strongroom_server::startup;
use strongroom_types::{Clock, ManualClock, OffsetDateTime, SystemClock};
use support::{TOKEN, get, send};

struct Server {
    running: Option<strongroom_server::Running>,
    endpoint: String,
    access_key_id: String,
    secret_access_key: String,
    _dir: tempfile::TempDir,
}

async fn start_server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let raw = RawConfig {
        listen: Some("127.0.0.1:0".into()),
        ..RawConfig::default()
    };
    let config = Config::from_raw(raw, dir.path()).unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let opened = startup::open(&config, clock.as_ref(), true).await.unwrap();
    let credentials = startup::init(&config, &opened, clock.as_ref()).await.unwrap();
    let running = strongroom_server::start(&config, opened, clock).await.unwrap();
    Server {
        endpoint: running.endpoint(),
        running: Some(running),
        access_key_id: credentials.access_key_id.to_string(),
        secret_access_key: credentials.secret_access_key.expose_secret().to_owned(),
        _dir: dir,
    }
}

impl Server {
    fn sdk(&self) -> aws_sdk_secretsmanager::Client {
        let credentials = aws_sdk_secretsmanager::config::Credentials::new(
            &self.access_key_id,
            &self.secret_access_key,
            None,
            None,
            "test",
        );
        let config = aws_sdk_secretsmanager::Config::builder()
            .endpoint_url(&self.endpoint)
            .region(aws_sdk_secretsmanager::config::Region::new("us-east-1"))
            .credentials_provider(credentials)
            .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
            .build();
        aws_sdk_secretsmanager::Client::from_conf(config)
    }

    fn client(&self) -> SecretsManagerClient {
        let overrides = Overrides {
            region: Some("us-east-1".into()),
            endpoint_url: Some(self.endpoint.clone()),
            sts_endpoint_url: Some(self.endpoint.clone()),
            credentials: Some(CredentialSource::Static(Arc::new(Credentials::new(
                self.access_key_id.clone(),
                SecretString::from(self.secret_access_key.clone()),
                None,
                None,
            )))),
            timeout: Some(Duration::from_secs(2)),
            ..Overrides::default()
        };
        let env = Environment::from_pairs([("HOME", "/nonexistent-home-for-tests")]);
        SecretsManagerClient::new(ClientSettings::resolve(&env, &overrides).unwrap()).unwrap()
    }
}

#[tokio::test]
async fn a_rotated_secret_is_seen_after_refresh_and_stale_is_served_when_the_server_stops() {
    let mut server = start_server().await;
    let sdk = server.sdk();
    sdk.create_secret()
        .name("app/db")
        .secret_string("first")
        .send()
        .await
        .unwrap();

    let client = server.client();
    assert_eq!(
        client.get_caller_identity().await.unwrap(),
        "arn:aws:iam::123456789012:root"
    );
    // The clock signs with real time; the cache runs on a manual one.
    let cache_clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
    let config = AgentConfig {
        http_port: 0,
        ..AgentConfig::default()
    };
    let cache = Arc::new(cache_for(
        &config,
        Arc::new(client) as Arc<dyn Upstream>,
        Arc::clone(&cache_clock) as Arc<dyn Clock>,
    ));
    let agent = start(
        server_settings(&config),
        Arc::clone(&cache),
        SsrfToken::new(SecretString::from(TOKEN)),
    )
    .await
    .unwrap();
    let address = agent.address();
    let target = "/secretsmanager/get?secretId=app/db";

    let first = get(address, target).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let first = first.json();
    assert_eq!(first["SecretString"], "first");
    assert_eq!(first["Name"], "app/db");
    assert!(first["CreatedDate"].is_string());

    // Rotated upstream.
    let put = sdk
        .put_secret_value()
        .secret_id("app/db")
        .secret_string("second")
        .send()
        .await
        .unwrap();
    assert_eq!(
        get(address, target).await.json()["SecretString"],
        "first",
        "within the TTL: cached"
    );

    cache_clock.advance(time::Duration::seconds(301));
    let after = get(address, target).await.json();
    assert_eq!(after["SecretString"], "second");
    assert_eq!(after["VersionId"].as_str(), put.version_id());

    // Unchanged after another TTL: revalidated with DescribeSecret only.
    cache_clock.advance(time::Duration::seconds(301));
    assert_eq!(get(address, "/v1/app%2Fdb").await.status, 200);
    assert_eq!(get(address, target).await.json()["SecretString"], "second");
    assert_eq!(cache.stats().revalidations, 1);

    // refreshNow sees a rotation at once.
    sdk.put_secret_value()
        .secret_id("app/db")
        .secret_string("third")
        .send()
        .await
        .unwrap();
    let refreshed = get(address, &format!("{target}&refreshNow=true")).await.json();
    assert_eq!(refreshed["SecretString"], "third");

    // The previous version by stage, and a missing secret's error passed through.
    let previous = get(address, &format!("{target}&versionStage=AWSPREVIOUS"))
        .await
        .json();
    assert_eq!(previous["SecretString"], "second");
    let missing = get(address, "/secretsmanager/get?secretId=nope").await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.json()["__type"], "ResourceNotFoundException");

    // The server goes away: stale within the bound, with the header.
    server.running.take().unwrap().stop().await;
    cache_clock.advance(time::Duration::seconds(301));
    let stale = get(address, target).await;
    assert_eq!(stale.status, 200);
    assert_eq!(stale.json()["SecretString"], "third");
    assert!(stale.header(STALE_HEADER).is_some());
    cache_clock.advance(time::Duration::seconds(3600));
    let failed = get(address, target).await;
    assert_eq!(failed.status, 502, "{}", failed.body);

    let metrics = send(address, "GET", "/metrics", &[]).await.body;
    assert!(
        metrics.contains("strongroom_agent_cache_refresh_errors_total 2"),
        "{metrics}"
    );
    agent.stop().await;
}

#[tokio::test]
async fn wrong_credentials_are_an_access_error_not_a_stale_value() {
    let server = start_server().await;
    server
        .sdk()
        .create_secret()
        .name("s")
        .secret_string("v")
        .send()
        .await
        .unwrap();
    let mut bad = Server {
        running: None,
        endpoint: server.endpoint.clone(),
        access_key_id: server.access_key_id.clone(),
        secret_access_key: "not-the-secret".into(),
        _dir: tempfile::tempdir().unwrap(),
    };
    let error = bad
        .client()
        .get_secret_value(&strongroom_cache::SecretRequest::current("s"))
        .await
        .unwrap_err();
    match &error {
        UpstreamError::Service { status, code, .. } => {
            assert!((400..500).contains(status), "{error:?}");
            assert!(!code.is_empty());
        }
        other => panic!("expected a service error, got {other:?}"),
    }
    assert!(!error.is_transient());
    bad.running = None;
}
