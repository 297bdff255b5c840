//! Conformance cases for the rotation store (jobs and their leases, functions, subscriptions, deliveries),
//! run by every backend through [`rotation_conformance_suite!`](crate::rotation_conformance_suite), which
//! works like [`conformance_suite!`](crate::conformance_suite).

use std::collections::HashSet;

use strongroom_types::Region;

use super::{account_id, boxed, join_all, sealed, ts};
use crate::rotation::{
    Claim, DeliveryRecord, DeliveryState, InFlight, RotationFunctionRecord, RotationJobRecord, RotationStep,
    SubscriptionRecord,
};
use crate::{Store, StoreError};

/// Expands to one `#[tokio::test]` per rotation conformance case.
#[macro_export]
macro_rules! rotation_conformance_suite {
    (fixture = $make:expr $(,)?) => {
        $crate::__rotation_conformance_cases! {
            $make;
            rotation_job_round_trips_and_is_compare_and_set,
            rotation_claims_take_due_free_rows_only,
            rotation_concurrent_claims_never_share_a_job,
            rotation_expired_lease_is_claimed_again_and_the_old_owner_loses,
            rotation_functions_register_list_update_delete,
            rotation_subscriptions_and_deliveries,
        }
    };
    ($make:expr $(,)?) => {
        $crate::rotation_conformance_suite!(
            fixture = async { ::core::option::Option::Some($crate::testkit::Plain($make.await)) }
        );
    };
}

/// Implementation detail of [`rotation_conformance_suite!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __rotation_conformance_cases {
    ($make:expr; $($case:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let ::core::option::Option::Some(fixture) = $make.await else {
                    return;
                };
                let fixture = ::std::sync::Arc::new(fixture);
                let shared = ::std::sync::Arc::clone(&fixture);
                let outcome = ::tokio::spawn(async move {
                    $crate::testkit::rotation::$case($crate::testkit::Fixture::store(&*shared)).await;
                })
                .await;
                $crate::testkit::Fixture::teardown(&*fixture).await;
                if let ::core::result::Result::Err(err) = outcome {
                    match err.try_into_panic() {
                        ::core::result::Result::Ok(payload) => ::std::panic::resume_unwind(payload),
                        ::core::result::Result::Err(err) => panic!("conformance case did not finish: {err}"),
                    }
                }
            }
        )*
    };
}

fn region() -> Region {
    "us-east-1".parse().expect("region")
}

fn job(n: u32, due_ms: Option<i64>) -> RotationJobRecord {
    RotationJobRecord {
        secret_arn: format!("arn:aws:secretsmanager:us-east-1:000000000001:secret:s{n:05}-AbCdEf"),
        account_id: account_id(1),
        region: region(),
        revision: 1,
        due_at: due_ms.map(ts),
        window_end: due_ms.map(|ms| ts(ms + 3_600_000)),
        in_flight: None,
        last_error: None,
        lease_owner: None,
        lease_expires_at: None,
    }
}

fn claim(owner: &str, now_ms: i64, limit: u32) -> Claim<'_> {
    Claim {
        owner,
        now: ts(now_ms),
        lease_until: ts(now_ms + 60_000),
        limit,
    }
}

pub async fn rotation_job_round_trips_and_is_compare_and_set(store: &dyn Store) {
    let mut first = job(1, Some(1_000));
    first.in_flight = Some(InFlight {
        token: "0b1c2d3e-0000-4000-8000-000000000001".to_owned(),
        step: RotationStep::TestSecret,
        attempts: 2,
        started_at: ts(900),
    });
    first.last_error = Some("step failed: exit status 3".to_owned());
    store.write_rotation_job(&first, None).await.unwrap();
    assert_eq!(
        store.rotation_job(&first.secret_arn).await.unwrap(),
        Some(first.clone())
    );
    assert!(matches!(
        store.write_rotation_job(&job(1, None), None).await,
        Err(StoreError::AlreadyExists)
    ));

    let mut next = first.clone();
    next.revision = 2;
    next.in_flight = None;
    next.due_at = None;
    next.window_end = None;
    store.write_rotation_job(&next, Some(1)).await.unwrap();
    // A writer that read revision 1 loses and changes nothing.
    let mut stale = first.clone();
    stale.revision = 2;
    assert!(matches!(
        store.write_rotation_job(&stale, Some(1)).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(store.rotation_job(&first.secret_arn).await.unwrap(), Some(next));
    assert!(matches!(
        store.write_rotation_job(&job(2, None), Some(1)).await,
        Err(StoreError::NotFound)
    ));

    assert!(store.delete_rotation_job(&first.secret_arn).await.unwrap());
    assert!(!store.delete_rotation_job(&first.secret_arn).await.unwrap());
    assert_eq!(store.rotation_job(&first.secret_arn).await.unwrap(), None);
}

pub async fn rotation_claims_take_due_free_rows_only(store: &dyn Store) {
    store
        .write_rotation_job(&job(1, Some(5_000)), None)
        .await
        .unwrap();
    store
        .write_rotation_job(&job(2, Some(1_000)), None)
        .await
        .unwrap();
    store
        .write_rotation_job(&job(3, Some(9_000)), None)
        .await
        .unwrap();
    store.write_rotation_job(&job(4, None), None).await.unwrap();

    let claimed = store.claim_rotation_jobs(claim("a", 6_000, 10)).await.unwrap();
    let arns: Vec<&str> = claimed.iter().map(|j| j.secret_arn.as_str()).collect();
    assert_eq!(
        arns,
        [job(2, None).secret_arn, job(1, None).secret_arn],
        "soonest first"
    );
    for claimed in &claimed {
        assert_eq!(claimed.lease_owner.as_deref(), Some("a"));
        assert_eq!(claimed.lease_expires_at, Some(ts(66_000)));
        assert_eq!(claimed.revision, 2);
        assert_eq!(
            store.rotation_job(&claimed.secret_arn).await.unwrap().as_ref(),
            Some(claimed)
        );
    }
    // Leased rows are not claimed again while the lease runs.
    assert!(
        store
            .claim_rotation_jobs(claim("b", 7_000, 10))
            .await
            .unwrap()
            .is_empty()
    );
    // The limit holds.
    let later = store.claim_rotation_jobs(claim("b", 100_000, 1)).await.unwrap();
    assert_eq!(later.len(), 1);
}

pub async fn rotation_concurrent_claims_never_share_a_job(store: &dyn Store) {
    for n in 0..40 {
        store
            .write_rotation_job(&job(n, Some(1_000 + i64::from(n))), None)
            .await
            .unwrap();
    }
    let owners = ["w1", "w2", "w3", "w4"];
    let claims = join_all(
        owners
            .iter()
            .map(|owner| {
                boxed(async move {
                    let mut mine = Vec::new();
                    loop {
                        let batch = store.claim_rotation_jobs(claim(owner, 5_000, 3)).await.unwrap();
                        if batch.is_empty() {
                            return mine;
                        }
                        mine.extend(batch.into_iter().map(|j| j.secret_arn));
                    }
                })
            })
            .collect(),
    )
    .await;
    let mut seen = HashSet::new();
    for arn in claims.iter().flatten() {
        assert!(seen.insert(arn.clone()), "{arn} was claimed twice");
    }
    assert_eq!(seen.len(), 40);
}

pub async fn rotation_expired_lease_is_claimed_again_and_the_old_owner_loses(store: &dyn Store) {
    store
        .write_rotation_job(&job(1, Some(1_000)), None)
        .await
        .unwrap();
    let held = store.claim_rotation_jobs(claim("dead", 2_000, 1)).await.unwrap();
    assert_eq!(held.len(), 1);
    // The lease (until 62 000) expires; another worker takes the job over.
    let taken = store
        .claim_rotation_jobs(claim("alive", 62_000, 1))
        .await
        .unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].lease_owner.as_deref(), Some("alive"));
    // The first owner's advance is a compare-and-set on the revision it claimed: it fails.
    let mut advance = held[0].clone();
    advance.revision += 1;
    advance.due_at = None;
    assert!(matches!(
        store.write_rotation_job(&advance, Some(held[0].revision)).await,
        Err(StoreError::Conflict)
    ));
    let mut advance = taken[0].clone();
    advance.revision += 1;
    advance.lease_owner = None;
    advance.lease_expires_at = None;
    store
        .write_rotation_job(&advance, Some(taken[0].revision))
        .await
        .unwrap();
}

fn function(name: &str, account: u64) -> RotationFunctionRecord {
    RotationFunctionRecord {
        arn: format!("arn:aws:lambda:us-east-1:{:012}:function:{name}", account),
        account_id: account_id(account),
        region: region(),
        name: name.to_owned(),
        kind: "webhook".to_owned(),
        config: r#"{"url":"https://example.test/rotate","timeoutSeconds":30}"#.to_owned(),
        role_arn: format!("arn:aws:iam::{:012}:role/rotator", account),
        signing_key: Some(sealed(7)),
        created_at: ts(1_000),
        updated_at: ts(1_000),
    }
}

pub async fn rotation_functions_register_list_update_delete(store: &dyn Store) {
    let b = function("b-rotator", 1);
    let a = RotationFunctionRecord {
        kind: "builtin".to_owned(),
        config: r#"{"rotator":"random-password"}"#.to_owned(),
        signing_key: None,
        ..function("a-rotator", 1)
    };
    let other = function("a-rotator", 2);
    for f in [&b, &a, &other] {
        store.create_rotation_function(f).await.unwrap();
    }
    assert!(matches!(
        store.create_rotation_function(&b).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(store.rotation_function(&b.arn).await.unwrap(), Some(b.clone()));
    assert_eq!(
        store.rotation_functions(&account_id(1), &region()).await.unwrap(),
        vec![a.clone(), b.clone()]
    );
    let changed = RotationFunctionRecord {
        config: r#"{"url":"https://example.test/v2"}"#.to_owned(),
        updated_at: ts(2_000),
        ..b.clone()
    };
    store.update_rotation_function(&changed).await.unwrap();
    assert_eq!(store.rotation_function(&b.arn).await.unwrap(), Some(changed));
    assert!(store.delete_rotation_function(&b.arn).await.unwrap());
    assert!(!store.delete_rotation_function(&b.arn).await.unwrap());
    assert!(matches!(
        store.update_rotation_function(&b).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.rotation_function(&b.arn).await.unwrap(), None);
}

fn delivery(id: &str, subscription: &str, at_ms: i64) -> DeliveryRecord {
    DeliveryRecord {
        id: id.to_owned(),
        subscription_id: subscription.to_owned(),
        account_id: account_id(1),
        event: format!(r#"{{"eventName":"RotationSucceeded","id":"{id}"}}"#),
        state: DeliveryState::Pending,
        attempts: 0,
        next_attempt_at: ts(at_ms),
        last_error: None,
        lease_owner: None,
        lease_expires_at: None,
        created_at: ts(at_ms),
    }
}

pub async fn rotation_subscriptions_and_deliveries(store: &dyn Store) {
    let subscription = SubscriptionRecord {
        id: "sub-1".to_owned(),
        account_id: account_id(1),
        region: region(),
        url: "https://hooks.example.test/strongroom".to_owned(),
        event_names: vec!["RotationSucceeded".to_owned(), "RotationFailed".to_owned()],
        secret_arn: Some("arn:aws:secretsmanager:us-east-1:000000000001:secret:db-AbCdEf".to_owned()),
        signing_key: sealed(9),
        created_at: ts(500),
    };
    let everything = SubscriptionRecord {
        id: "sub-2".to_owned(),
        event_names: Vec::new(),
        secret_arn: None,
        ..subscription.clone()
    };
    store.create_subscription(&subscription).await.unwrap();
    store.create_subscription(&everything).await.unwrap();
    assert!(matches!(
        store.create_subscription(&subscription).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(
        store.subscriptions(&account_id(1), &region()).await.unwrap(),
        vec![subscription.clone(), everything.clone()]
    );
    assert!(
        store
            .subscriptions(&account_id(2), &region())
            .await
            .unwrap()
            .is_empty()
    );

    store
        .enqueue_deliveries(&[delivery("d1", "sub-1", 1_000), delivery("d2", "sub-2", 2_000)])
        .await
        .unwrap();
    // A batch naming an unknown subscription queues nothing.
    assert!(
        store
            .enqueue_deliveries(&[delivery("d3", "sub-1", 1_000), delivery("d4", "sub-9", 1_000)])
            .await
            .is_err()
    );

    let claimed = store.claim_deliveries(claim("w", 1_500, 10)).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].id, "d1");
    assert_eq!(claimed[0].lease_owner.as_deref(), Some("w"));
    let retry = DeliveryRecord {
        attempts: 1,
        next_attempt_at: ts(5_000),
        last_error: Some("HTTP 500".to_owned()),
        ..claimed[0].clone()
    };
    assert!(!store.finish_delivery(&retry, "someone-else").await.unwrap());
    assert!(store.finish_delivery(&retry, "w").await.unwrap());

    let claimed = store.claim_deliveries(claim("w", 6_000, 10)).await.unwrap();
    let ids: Vec<&str> = claimed.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["d2", "d1"]);
    let dead = DeliveryRecord {
        state: DeliveryState::Dead,
        attempts: 2,
        ..claimed[1].clone()
    };
    assert!(store.finish_delivery(&dead, "w").await.unwrap());
    let delivered = DeliveryRecord {
        state: DeliveryState::Delivered,
        attempts: 1,
        ..claimed[0].clone()
    };
    assert!(store.finish_delivery(&delivered, "w").await.unwrap());
    assert!(
        store
            .claim_deliveries(claim("w", 100_000, 10))
            .await
            .unwrap()
            .is_empty()
    );

    let dead_letters = store
        .deliveries(&account_id(1), DeliveryState::Dead, 10)
        .await
        .unwrap();
    assert_eq!(dead_letters.len(), 1);
    assert_eq!(dead_letters[0].id, "d1");
    assert_eq!(dead_letters[0].last_error.as_deref(), Some("HTTP 500"));
    assert_eq!(dead_letters[0].lease_owner, None);

    assert!(store.delete_subscription(&account_id(1), "sub-1").await.unwrap());
    assert!(!store.delete_subscription(&account_id(2), "sub-2").await.unwrap());
    assert!(
        store
            .deliveries(&account_id(1), DeliveryState::Dead, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
