//! AWS's own Rust caching client (`aws_secretsmanager_caching`, the library inside the AWS Secrets Manager Agent)
//! against a real server: reads by name, ARN, stage and version id, the TTL refresh through DescribeSecret, and the
//! errors it hands to its callers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed step should fail the test loudly"
)]

mod common;

use std::error::Error;
use std::num::NonZeroUsize;
use std::time::{Duration, SystemTime};

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::{ProvideErrorMetadata as _, SdkError};
use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretError;
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;
use aws_sdk_secretsmanager::primitives::Blob;
use aws_secretsmanager_caching::SecretsManagerCachingClient;
use aws_secretsmanager_caching::output::GetSecretValueOutputDef;
use common::TestServer;

/// The SDK configuration the caching client is built from: the server's endpoint and root credentials.
fn builder(server: &TestServer) -> aws_sdk_secretsmanager::config::Builder {
    let credentials = aws_sdk_secretsmanager::config::Credentials::new(
        &server.access_key_id,
        &server.secret_access_key,
        None,
        None,
        "test",
    );
    aws_sdk_secretsmanager::Config::builder()
        .endpoint_url(&server.endpoint)
        .region(aws_sdk_secretsmanager::config::Region::new("us-east-1"))
        .credentials_provider(credentials)
        .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
}

/// A plain SDK client, for writing secrets behind the cache's back.
fn client(server: &TestServer) -> Client {
    Client::from_conf(builder(server).build())
}

/// The caching client as the AWS agent builds it (`from_builder` adds the caching library's user-agent interceptor).
async fn caching(server: &TestServer, ttl: Duration) -> SecretsManagerCachingClient {
    SecretsManagerCachingClient::from_builder(builder(server), NonZeroUsize::new(100).unwrap(), ttl, false)
        .await
        .unwrap()
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", strongroom_crypto::random::alnum_suffix(8))
}

async fn get(
    cache: &SecretsManagerCachingClient,
    id: &str,
    version_id: Option<&str>,
    stage: Option<&str>,
) -> GetSecretValueOutputDef {
    cache
        .get_secret_value(id, version_id, stage, false)
        .await
        .unwrap_or_else(|e| panic!("get_secret_value({id}, {version_id:?}, {stage:?}): {e:?}"))
}

/// (code, HTTP status) of a failed GetSecretValue, the way the AWS agent downcasts it.
fn get_error(error: &(dyn Error + 'static)) -> (String, u16) {
    let sdk = error
        .downcast_ref::<SdkError<GetSecretValueError>>()
        .unwrap_or_else(|| panic!("not a GetSecretValue SDK error: {error:?}"));
    let status = sdk
        .raw_response()
        .map(|r| r.status().as_u16())
        .expect("an HTTP answer");
    (sdk.code().expect("an error code").to_owned(), status)
}

#[tokio::test]
async fn by_name_arn_stage_and_version_id() {
    let mut server = TestServer::sqlite().await;
    let sm = client(&server);
    let name = unique("app/db");
    let first = sm
        .create_secret()
        .name(&name)
        .secret_string(r#"{"password":"one"}"#)
        .send()
        .await
        .unwrap();
    let second = sm
        .put_secret_value()
        .secret_id(&name)
        .secret_string(r#"{"password":"two"}"#)
        .send()
        .await
        .unwrap();
    let arn = first.arn().unwrap();
    let (v1, v2) = (first.version_id().unwrap(), second.version_id().unwrap());
    assert_ne!(v1, v2);
    let cache = caching(&server, Duration::from_secs(300)).await;

    let by_name = get(&cache, &name, None, None).await;
    assert_eq!(by_name.arn.as_deref(), Some(arn));
    assert_eq!(by_name.name.as_deref(), Some(name.as_str()));
    assert_eq!(by_name.version_id.as_deref(), Some(v2));
    assert_eq!(by_name.secret_string.as_deref(), Some(r#"{"password":"two"}"#));
    assert_eq!(by_name.secret_binary, None);
    assert_eq!(by_name.version_stages, Some(vec!["AWSCURRENT".to_owned()]));
    let created = by_name.created_date.expect("CreatedDate");
    let age = SystemTime::now().duration_since(created).unwrap();
    assert!(age < Duration::from_secs(300), "CreatedDate is {age:?} old");

    // The JSON the AWS agent sends its callers.
    let json = serde_json::to_value(&by_name).unwrap();
    let mut keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "ARN",
            "CreatedDate",
            "Name",
            "SecretString",
            "VersionId",
            "VersionStages"
        ]
    );
    assert!(json["CreatedDate"].as_str().unwrap().parse::<f64>().unwrap() > 1.6e9);

    let by_arn = get(&cache, arn, None, None).await;
    assert_eq!(by_arn.name.as_deref(), Some(name.as_str()));
    assert_eq!(by_arn.version_id.as_deref(), Some(v2));

    let previous = get(&cache, &name, None, Some("AWSPREVIOUS")).await;
    assert_eq!(previous.version_id.as_deref(), Some(v1));
    assert_eq!(previous.secret_string.as_deref(), Some(r#"{"password":"one"}"#));
    assert_eq!(previous.version_stages, Some(vec!["AWSPREVIOUS".to_owned()]));

    let current = get(&cache, &name, None, Some("AWSCURRENT")).await;
    assert_eq!(current.version_id.as_deref(), Some(v2));

    let by_version = get(&cache, &name, Some(v1), None).await;
    assert_eq!(by_version.secret_string.as_deref(), Some(r#"{"password":"one"}"#));
    assert_eq!(by_version.version_stages, Some(vec!["AWSPREVIOUS".to_owned()]));

    let both = get(&cache, arn, Some(v2), Some("AWSCURRENT")).await;
    assert_eq!(both.secret_string.as_deref(), Some(r#"{"password":"two"}"#));

    // A version id with a stage it does not carry is an error, not a silent wrong answer.
    let mismatch = cache
        .get_secret_value(&name, Some(v1), Some("AWSCURRENT"), false)
        .await
        .expect_err("v1 is not AWSCURRENT");
    assert_eq!(
        get_error(mismatch.as_ref()),
        ("InvalidRequestException".to_owned(), 400)
    );
    server.stop().await;
}

#[tokio::test]
async fn binary_secrets_come_back_as_bytes() {
    let mut server = TestServer::sqlite().await;
    let sm = client(&server);
    let name = unique("bin");
    let bytes = vec![0_u8, 1, 2, 254, 255];
    sm.create_secret()
        .name(&name)
        .secret_binary(Blob::new(bytes.clone()))
        .send()
        .await
        .unwrap();
    let cache = caching(&server, Duration::from_secs(300)).await;
    let value = get(&cache, &name, None, None).await;
    assert_eq!(value.secret_string, None);
    assert_eq!(value.secret_binary.unwrap().into_inner(), bytes);
    server.stop().await;
}

#[tokio::test]
async fn serves_from_memory_within_the_ttl_and_refreshes_on_demand() {
    let mut server = TestServer::sqlite().await;
    let sm = client(&server);
    let name = unique("cached");
    sm.create_secret()
        .name(&name)
        .secret_string("one")
        .send()
        .await
        .unwrap();
    let cache = SecretsManagerCachingClient::new(
        sm.clone(),
        NonZeroUsize::new(10).unwrap(),
        Duration::from_secs(300),
        false,
    )
    .unwrap();
    assert_eq!(
        get(&cache, &name, None, None).await.secret_string.as_deref(),
        Some("one")
    );

    sm.put_secret_value()
        .secret_id(&name)
        .secret_string("two")
        .send()
        .await
        .unwrap();
    assert_eq!(
        get(&cache, &name, None, None).await.secret_string.as_deref(),
        Some("one")
    );

    let refreshed = cache.get_secret_value(&name, None, None, true).await.unwrap();
    assert_eq!(refreshed.secret_string.as_deref(), Some("two"));
    assert_eq!(
        get(&cache, &name, None, None).await.secret_string.as_deref(),
        Some("two")
    );
    server.stop().await;
}

#[tokio::test]
async fn sees_a_put_secret_value_after_the_ttl() {
    let mut server = TestServer::sqlite().await;
    let sm = client(&server);
    let name = unique("rotating");
    let created = sm
        .create_secret()
        .name(&name)
        .secret_string("one")
        .send()
        .await
        .unwrap();
    let v1 = created.version_id().unwrap();
    let ttl = Duration::from_secs(1);
    let cache = caching(&server, ttl).await;
    assert_eq!(
        get(&cache, &name, None, None).await.secret_string.as_deref(),
        Some("one")
    );
    assert_eq!(
        get(&cache, &name, Some(v1), None).await.secret_string.as_deref(),
        Some("one")
    );

    // Expired but unchanged: the client checks DescribeSecret's VersionIdsToStages (by the cached ARN) and keeps it.
    tokio::time::sleep(ttl + Duration::from_millis(300)).await;
    let same = get(&cache, &name, None, None).await;
    assert_eq!(same.version_id.as_deref(), Some(v1));
    assert_eq!(same.secret_string.as_deref(), Some("one"));

    let put = sm
        .put_secret_value()
        .secret_id(&name)
        .secret_string("two")
        .send()
        .await
        .unwrap();
    let v2 = put.version_id().unwrap();
    tokio::time::sleep(ttl + Duration::from_millis(300)).await;
    let fresh = get(&cache, &name, None, None).await;
    assert_eq!(fresh.version_id.as_deref(), Some(v2));
    assert_eq!(fresh.secret_string.as_deref(), Some("two"));
    assert_eq!(fresh.version_stages, Some(vec!["AWSCURRENT".to_owned()]));

    // The version-id entry only needs its version to still exist: it is kept (now AWSPREVIOUS, same bytes).
    let old = get(&cache, &name, Some(v1), None).await;
    assert_eq!(old.secret_string.as_deref(), Some("one"));
    let previous = get(&cache, &name, None, Some("AWSPREVIOUS")).await;
    assert_eq!(previous.version_id.as_deref(), Some(v1));
    server.stop().await;
}

#[tokio::test]
async fn errors_reach_the_caller_with_their_aws_codes() {
    let mut server = TestServer::sqlite().await;
    let sm = client(&server);
    let cache = caching(&server, Duration::from_secs(1)).await;

    let missing = cache
        .get_secret_value("no/such/secret", None, None, false)
        .await
        .expect_err("a missing secret");
    assert_eq!(
        get_error(missing.as_ref()),
        ("ResourceNotFoundException".to_owned(), 400)
    );
    let sdk = missing.downcast_ref::<SdkError<GetSecretValueError>>().unwrap();
    assert!(sdk.as_service_error().unwrap().is_resource_not_found_exception());
    assert!(!aws_secretsmanager_caching::error::is_transient_error(sdk));

    let name = unique("errors");
    sm.create_secret()
        .name(&name)
        .secret_string("x")
        .send()
        .await
        .unwrap();
    let bad_version = cache
        .get_secret_value(&name, Some("00000000-0000-4000-8000-000000000000"), None, false)
        .await
        .expect_err("a missing version");
    assert_eq!(
        get_error(bad_version.as_ref()),
        ("ResourceNotFoundException".to_owned(), 400)
    );
    let bad_stage = cache
        .get_secret_value(&name, None, Some("NOSUCHSTAGE"), false)
        .await
        .expect_err("a missing stage");
    assert_eq!(
        get_error(bad_stage.as_ref()),
        ("ResourceNotFoundException".to_owned(), 400)
    );

    // Cached, then deleted for good: after the TTL the DescribeSecret check fails, and its error comes through
    // (the AWS agent maps both GetSecretValue and DescribeSecret errors).
    assert_eq!(
        get(&cache, &name, None, None).await.secret_string.as_deref(),
        Some("x")
    );
    sm.delete_secret()
        .secret_id(&name)
        .force_delete_without_recovery(true)
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let gone = cache
        .get_secret_value(&name, None, None, false)
        .await
        .expect_err("a deleted secret");
    let sdk = gone
        .downcast_ref::<SdkError<DescribeSecretError>>()
        .unwrap_or_else(|| panic!("not a DescribeSecret SDK error: {gone:?}"));
    assert!(sdk.as_service_error().unwrap().is_resource_not_found_exception());
    assert_eq!(sdk.raw_response().unwrap().status().as_u16(), 400);

    // Scheduled for deletion (recoverable): GetSecretValue says InvalidRequestException, as AWS does.
    let pending = unique("pending");
    sm.create_secret()
        .name(&pending)
        .secret_string("y")
        .send()
        .await
        .unwrap();
    sm.delete_secret().secret_id(&pending).send().await.unwrap();
    let scheduled = cache
        .get_secret_value(&pending, None, None, false)
        .await
        .expect_err("a secret scheduled for deletion");
    assert_eq!(
        get_error(scheduled.as_ref()),
        ("InvalidRequestException".to_owned(), 400)
    );
    server.stop().await;
}

#[tokio::test]
async fn a_wrong_signature_is_an_error_even_when_transient_errors_are_ignored() {
    let mut server = TestServer::sqlite().await;
    let credentials = aws_sdk_secretsmanager::config::Credentials::new(
        &server.access_key_id,
        "not-the-secret-key",
        None,
        None,
        "test",
    );
    let cache = SecretsManagerCachingClient::from_builder(
        builder(&server).credentials_provider(credentials),
        NonZeroUsize::new(10).unwrap(),
        Duration::from_secs(300),
        true,
    )
    .await
    .unwrap();
    let denied = cache
        .get_secret_value("anything", None, None, false)
        .await
        .expect_err("a bad signature");
    assert_eq!(
        get_error(denied.as_ref()),
        ("InvalidSignatureException".to_owned(), 400)
    );
    server.stop().await;
}
