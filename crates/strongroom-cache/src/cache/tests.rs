//! The cache's rules, driven by a fake upstream and a manual clock.

use std::sync::Arc;
use std::time::Duration;

use strongroom_types::{ManualClock, OffsetDateTime};

use super::*;
use crate::testing::{Call, FakeUpstream};

const ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf";

struct Fixture {
    upstream: Arc<FakeUpstream>,
    clock: Arc<ManualClock>,
    cache: SecretCache,
}

fn fixture(config: CacheConfig) -> Fixture {
    let upstream = Arc::new(FakeUpstream::new());
    let clock = Arc::new(ManualClock::new(
        OffsetDateTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
    ));
    let cache = SecretCache::new(
        Arc::clone(&upstream) as Arc<dyn Upstream>,
        Arc::clone(&clock) as Arc<dyn Clock>,
        config,
    );
    Fixture {
        upstream,
        clock,
        cache,
    }
}

fn default_fixture() -> Fixture {
    fixture(CacheConfig::default())
}

fn gsv(secret_id: &str) -> Call {
    Call::GetSecretValue {
        secret_id: secret_id.into(),
        version_id: None,
        version_stage: None,
    }
}

fn describe() -> Call {
    Call::DescribeSecret {
        secret_id: ARN.into(),
    }
}

fn string_of(lookup: &Lookup) -> String {
    lookup
        .secret
        .value()
        .secret_string()
        .unwrap_or_default()
        .to_owned()
}

fn down() -> UpstreamError {
    UpstreamError::Connection("connection refused".into())
}

#[tokio::test]
async fn a_miss_fetches_and_a_hit_does_not() {
    let f = default_fixture();
    f.upstream.put("db", "one");

    let first = f.cache.get(&SecretRequest::current("db")).await.unwrap();
    assert_eq!(first.freshness, Freshness::Fetched);
    assert_eq!(string_of(&first), "one");
    assert_eq!(f.upstream.take_calls(), [gsv("db")]);

    f.clock.advance(time::Duration::seconds(299));
    let second = f.cache.get(&SecretRequest::current("db")).await.unwrap();
    assert_eq!(second.freshness, Freshness::Hit);
    assert!(Arc::ptr_eq(&first.secret, &second.secret));
    assert_eq!(f.upstream.take_calls(), []);

    let stats = f.cache.stats();
    assert_eq!((stats.hits, stats.misses, stats.entries), (1, 1, 1));
}

#[tokio::test]
async fn an_expired_unchanged_entry_is_revalidated_without_get_secret_value() {
    let f = default_fixture();
    f.upstream.put("db", "one");
    f.cache.get(&SecretRequest::current("db")).await.unwrap();
    f.upstream.take_calls();

    f.clock.advance(time::Duration::seconds(300));
    let lookup = f.cache.get(&SecretRequest::current("db")).await.unwrap();
    assert_eq!(lookup.freshness, Freshness::Revalidated);
    assert_eq!(f.upstream.take_calls(), [describe()]);

    // Re-stamped: fresh for another TTL.
    f.clock.advance(time::Duration::seconds(299));
    assert_eq!(
        f.cache
            .get(&SecretRequest::current("db"))
            .await
            .unwrap()
            .freshness,
        Freshness::Hit
    );
    assert_eq!(f.upstream.take_calls(), []);
}

#[tokio::test]
async fn a_rotated_secret_is_refetched_after_expiry() {
    let f = default_fixture();
    f.upstream.put("db", "one");
    f.cache.get(&SecretRequest::current("db")).await.unwrap();
    f.upstream.put("db", "two");
    f.upstream.take_calls();

    // Within the TTL the old value is served: the cache never invalidates on its own.
    assert_eq!(
        string_of(&f.cache.get(&SecretRequest::current("db")).await.unwrap()),
        "one"
    );

    f.clock.advance(time::Duration::seconds(301));
    let lookup = f.cache.get(&SecretRequest::current("db")).await.unwrap();
    assert_eq!(lookup.freshness, Freshness::Fetched);
    assert_eq!(string_of(&lookup), "two");
    assert_eq!(f.upstream.take_calls(), [describe(), gsv("db")]);
}

#[tokio::test]
async fn a_version_id_request_is_valid_while_the_version_exists() {
    let f = default_fixture();
    let v1 = f.upstream.put("db", "one");
    let by_id = SecretRequest {
        secret_id: "db",
        version_id: Some(&v1),
        version_stage: None,
    };
    f.cache.get(&by_id).await.unwrap();
    f.upstream.put("db", "two"); // v1 becomes AWSPREVIOUS but still exists
    f.clock.advance(time::Duration::seconds(400));
    f.upstream.take_calls();
    let lookup = f.cache.get(&by_id).await.unwrap();
    assert_eq!(lookup.freshness, Freshness::Revalidated);
    assert_eq!(string_of(&lookup), "one");
}

#[tokio::test]
async fn a_stage_request_is_refetched_when_the_label_moves() {
    let f = default_fixture();
    f.upstream.put("db", "one");
    f.upstream.put("db", "two");
    let previous = SecretRequest {
        secret_id: "db",
        version_id: None,
        version_stage: Some("AWSPREVIOUS"),
    };
    assert_eq!(string_of(&f.cache.get(&previous).await.unwrap()), "one");
    f.upstream.put("db", "three");
    f.clock.advance(time::Duration::seconds(400));
    assert_eq!(string_of(&f.cache.get(&previous).await.unwrap()), "two");
}

#[tokio::test]
async fn refresh_now_always_fetches_and_keeps_the_entry_on_failure() {
    let f = default_fixture();
    f.upstream.put("db", "one");
    f.cache.get(&SecretRequest::current("db")).await.unwrap();
    f.upstream.put("db", "two");
    f.upstream.take_calls();

    let refreshed = f.cache.refresh_now(&SecretRequest::current("db")).await.unwrap();
    assert_eq!(refreshed.freshness, Freshness::Fetched);
    assert_eq!(string_of(&refreshed), "two");
    assert_eq!(f.upstream.take_calls(), [gsv("db")]);

    f.upstream.fail_with(Some(down()));
    assert_eq!(
        f.cache
            .refresh_now(&SecretRequest::current("db"))
            .await
            .unwrap_err(),
        down()
    );
    f.upstream.fail_with(None);
    let hit = f.cache.get(&SecretRequest::current("db")).await.unwrap();
    assert_eq!(string_of(&hit), "two");
    assert_eq!(hit.freshness, Freshness::Hit);
}

#[tokio::test]
async fn lru_eviction_drops_the_least_recently_read() {
    let f = fixture(CacheConfig {
        max_entries: 2,
        ..CacheConfig::default()
    });
    for name in ["a", "b", "c"] {
        f.upstream.put(name, name);
    }
    f.cache.get(&SecretRequest::current("a")).await.unwrap();
    f.cache.get(&SecretRequest::current("b")).await.unwrap();
    f.cache.get(&SecretRequest::current("a")).await.unwrap(); // `b` is now the oldest
    f.cache.get(&SecretRequest::current("c")).await.unwrap(); // evicts `b`
    f.upstream.take_calls();

    assert_eq!(
        f.cache.get(&SecretRequest::current("a")).await.unwrap().freshness,
        Freshness::Hit
    );
    assert_eq!(
        f.cache.get(&SecretRequest::current("c")).await.unwrap().freshness,
        Freshness::Hit
    );
    assert_eq!(
        f.cache.get(&SecretRequest::current("b")).await.unwrap().freshness,
        Freshness::Fetched
    );
    assert_eq!(f.upstream.take_calls(), [gsv("b")]);
    assert_eq!(f.cache.stats().entries, 2);
}

#[tokio::test]
async fn stale_is_served_through_transient_failures_within_the_bound_then_errors() {
    let f = fixture(CacheConfig {
        max_stale: Duration::from_secs(600),
        ..CacheConfig::default()
    });
    f.upstream.put("db", "one");
    f.cache.get(&SecretRequest::current("db")).await.unwrap();
    f.upstream.fail_with(Some(down()));
    f.upstream.take_calls();

    f.clock.advance(time::Duration::seconds(301));
    let stale = f.cache.get(&SecretRequest::current("db")).await.unwrap();
    assert_eq!(string_of(&stale), "one");
    assert_eq!(
        stale.freshness,
        Freshness::Stale {
            age: Duration::from_secs(301),
            error: Some(down())
        }
    );
    assert_eq!(f.upstream.take_calls(), [describe()]);

    // In back-off: served stale without calling upstream.
    let again = f.cache.get(&SecretRequest::current("db")).await.unwrap();
    assert!(matches!(again.freshness, Freshness::Stale { error: None, .. }));
    assert_eq!(f.upstream.take_calls(), []);

    // Past the back-off, upstream is tried again.
    f.clock.advance(time::Duration::seconds(2));
    let retried = f.cache.get(&SecretRequest::current("db")).await.unwrap();
    assert!(matches!(
        retried.freshness,
        Freshness::Stale { error: Some(_), .. }
    ));
    assert_eq!(f.upstream.take_calls(), [describe()]);

    // At exactly ttl + max_stale it is still served; one second later it is an error.
    f.clock.advance(time::Duration::seconds(300 + 600 - 303));
    assert!(matches!(
        f.cache
            .get(&SecretRequest::current("db"))
            .await
            .unwrap()
            .freshness,
        Freshness::Stale { .. }
    ));
    f.clock.advance(time::Duration::seconds(1));
    assert_eq!(
        f.cache.get(&SecretRequest::current("db")).await.unwrap_err(),
        down()
    );

    // Healed: revalidated and fresh again.
    f.upstream.fail_with(None);
    let healed = f.cache.get(&SecretRequest::current("db")).await.unwrap();
    assert_eq!(healed.freshness, Freshness::Revalidated);
    let stats = f.cache.stats();
    assert_eq!(stats.refresh_errors, 4);
    assert_eq!(stats.stale_served, 4);
}

#[tokio::test]
async fn client_errors_and_disabled_stale_are_never_served_stale() {
    let denied = UpstreamError::Service {
        status: 400,
        code: "AccessDeniedException".into(),
        message: Some("no".into()),
    };
    let server_error = UpstreamError::Service {
        status: 500,
        code: "InternalServiceError".into(),
        message: Some("oops".into()),
    };
    let cases = [
        (true, denied.clone(), false),
        (true, server_error.clone(), true),
        (false, server_error, false),
        (false, down(), false),
    ];
    for (serve_stale, error, expect_stale) in cases {
        let f = fixture(CacheConfig {
            serve_stale_on_transient_errors: serve_stale,
            ..CacheConfig::default()
        });
        f.upstream.put("db", "one");
        f.cache.get(&SecretRequest::current("db")).await.unwrap();
        f.upstream.fail_with(Some(error.clone()));
        f.clock.advance(time::Duration::seconds(301));
        let result = f.cache.get(&SecretRequest::current("db")).await;
        match result {
            Ok(lookup) => assert!(expect_stale && matches!(lookup.freshness, Freshness::Stale { .. })),
            Err(got) => assert!(!expect_stale && got == error, "{got:?}"),
        }
    }
}

#[tokio::test]
async fn a_miss_during_an_outage_is_an_error() {
    let f = default_fixture();
    f.upstream.fail_with(Some(down()));
    assert_eq!(
        f.cache.get(&SecretRequest::current("db")).await.unwrap_err(),
        down()
    );
    f.upstream.fail_with(None);
    let missing = f.cache.get(&SecretRequest::current("nope")).await.unwrap_err();
    assert!(
        matches!(missing, UpstreamError::Service { ref code, .. } if code == "ResourceNotFoundException")
    );
}

#[tokio::test]
async fn ttl_zero_disables_caching() {
    let f = fixture(CacheConfig {
        ttl: Duration::ZERO,
        ..CacheConfig::default()
    });
    f.upstream.put("db", "one");
    for _ in 0..3 {
        assert_eq!(
            f.cache
                .get(&SecretRequest::current("db"))
                .await
                .unwrap()
                .freshness,
            Freshness::Fetched
        );
    }
    assert_eq!(f.upstream.take_calls().len(), 3);
    assert_eq!(f.cache.stats().entries, 0);
}

#[tokio::test]
async fn the_rendering_is_computed_once_per_entry() {
    let f = default_fixture();
    f.upstream.put("db", "one");
    let mut renders = 0;
    for _ in 0..3 {
        let lookup = f.cache.get(&SecretRequest::current("db")).await.unwrap();
        let body = lookup.secret.rendered(|value| {
            renders += 1;
            Bytes::from(value.version_id.clone())
        });
        assert_eq!(body, "v1");
    }
    assert_eq!(renders, 1);
}

#[tokio::test]
async fn get_secret_string_reads_the_current_value() {
    let f = default_fixture();
    f.upstream.put("db", "one");
    let value = f.cache.get_secret_string("db").await.unwrap().unwrap();
    assert_eq!(secrecy::ExposeSecret::expose_secret(&value), "one");
}
