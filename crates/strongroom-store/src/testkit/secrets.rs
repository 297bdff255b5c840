//! Conformance cases for the secrets store ([`SecretStore`](crate::SecretStore)).
//!
//! Backends run them through [`secrets_conformance_suite!`](crate::secrets_conformance_suite), which takes
//! the same arguments as [`conformance_suite!`](crate::conformance_suite) and expands to one
//! `#[tokio::test]` per case:
//!
//! ```ignore
//! strongroom_store::secrets_conformance_suite!(fixture = my_fixture());
//! ```

use std::collections::BTreeSet;

use strongroom_types::{Region, Sealed};

use super::{BoxFuture, account_id, boxed, join_all, sealed, ts};
use crate::secrets::{
    ReplicaRecord, RotationRecord, SecretCursor, SecretOrder, SecretPage, SecretRecord, SecretValueRecord,
    SecretWrite, Tag, VersionRecord,
};
use crate::{Store, StoreError};

/// Expands to one `#[tokio::test]` per secrets conformance case; arguments as for
/// [`conformance_suite!`](crate::conformance_suite).
#[macro_export]
macro_rules! secrets_conformance_suite {
    (fixture = $make:expr $(,)?) => {
        $crate::__secrets_conformance_cases! {
            $make;
            secret_round_trips_every_field,
            secret_unknown_is_none,
            secret_duplicate_is_rejected_and_writes_nothing,
            secret_name_is_reusable_after_purge,
            secret_update_is_compare_and_set,
            secret_update_upserts_and_removes_values,
            secret_purge_removes_secret_and_values,
            secret_batch_of_primary_and_replica_is_atomic,
            secret_access_days_survive_updates_and_only_move_forward,
            secret_list_in_every_order,
            secret_list_pages_cover_everything_once,
            secret_list_include_deleted,
            secret_list_name_prefix_is_literal_and_case_sensitive,
            secret_to_purge_oldest_first,
            secret_concurrent_updates_have_one_winner_per_revision,
        }
    };
    ($make:expr $(,)?) => {
        $crate::secrets_conformance_suite!(
            fixture = async { ::core::option::Option::Some($crate::testkit::Plain($make.await)) }
        );
    };
}

/// Implementation detail of [`secrets_conformance_suite!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __secrets_conformance_cases {
    ($make:expr; $($case:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let ::core::option::Option::Some(fixture) = $make.await else {
                    return;
                };
                let fixture = ::std::sync::Arc::new(fixture);
                let shared = ::std::sync::Arc::clone(&fixture);
                // The case runs in its own task so that a failing case still reaches the teardown below.
                let outcome = ::tokio::spawn(async move {
                    $crate::testkit::secrets::$case($crate::testkit::Fixture::store(&*shared)).await;
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

// ---------------------------------------------------------------------------------------------------------
// Helpers.

/// The region most cases use.
pub const REGION: &str = "us-east-1";

pub fn region(name: &str) -> Region {
    name.parse().expect("valid region")
}

/// The ARN of secret `name` with random suffix `suffix` (six characters in AWS; any here).
pub fn secret_arn(account_n: u64, region: &str, name: &str, suffix: &str) -> String {
    format!(
        "arn:aws:secretsmanager:{region}:{}:secret:{name}-{suffix}",
        account_id(account_n)
    )
}

/// A version with a value and the given staging labels.
pub fn version(id: &str, stages: &[&str], created_ms: i64) -> VersionRecord {
    VersionRecord {
        version_id: id.to_owned(),
        stages: stages.iter().map(|s| (*s).to_owned()).collect(),
        created_at: ts(created_ms),
        last_accessed_at: None,
        has_value: true,
        kms_key_ids: vec!["alias/aws/secretsmanager".to_owned()],
    }
}

/// A minimal secret at revision 1: no tags, no rotation, no replicas, one version `v1` labelled AWSCURRENT.
pub fn secret(account_n: u64, region_name: &str, name: &str, suffix: &str, created_ms: i64) -> SecretRecord {
    SecretRecord {
        arn: secret_arn(account_n, region_name, name, suffix),
        account_id: account_id(account_n),
        region: region(region_name),
        name: name.to_owned(),
        revision: 1,
        created_at: ts(created_ms),
        last_changed_at: ts(created_ms),
        last_accessed_at: None,
        deleted_at: None,
        purge_at: None,
        description: None,
        kms_key_id: None,
        secret_type: None,
        owning_service: None,
        tags: None,
        resource_policy: None,
        rotation: None,
        primary_region: None,
        replicas: Vec::new(),
        versions: vec![version("v1", &["AWSCURRENT"], created_ms)],
    }
}

/// A secret with every optional field set and several versions.
pub fn full_secret(account_n: u64, name: &str, suffix: &str) -> SecretRecord {
    SecretRecord {
        revision: 1,
        last_changed_at: ts(1_700_000_123_457),
        last_accessed_at: None,
        deleted_at: Some(ts(1_700_000_200_000)),
        purge_at: Some(ts(1_702_592_200_000)),
        description: Some("Ünïcødé ✓ \"quoted\" \\ back\nslash".to_owned()),
        kms_key_id: Some(
            "arn:aws:kms:us-east-1:000000000001:key/1234abcd-12ab-34cd-56ef-1234567890ab".to_owned(),
        ),
        secret_type: Some("rds".to_owned()),
        owning_service: Some("appflow".to_owned()),
        // Not in key order: insertion order is kept.
        tags: Some(vec![
            Tag {
                key: "team".to_owned(),
                value: "payments".to_owned(),
            },
            Tag {
                key: "Env".to_owned(),
                value: String::new(),
            },
            Tag {
                key: "a:b/c=d".to_owned(),
                value: "{\"json\": [1, 2]}".to_owned(),
            },
        ]),
        resource_policy: Some(r#"{"Version":"2012-10-17","Statement":[]}"#.to_owned()),
        rotation: Some(RotationRecord {
            enabled: true,
            lambda_arn: Some("arn:aws:lambda:us-east-1:000000000001:function:rotate".to_owned()),
            automatically_after_days: Some(30),
            duration: Some("3h".to_owned()),
            schedule_expression: Some("cron(0 16 1,15 * ? *)".to_owned()),
            last_rotated_at: Some(ts(-86_400_001)),
            next_rotation_at: Some(ts(1_702_592_200_001)),
        }),
        primary_region: Some("eu-central-1".to_owned()),
        replicas: vec![
            ReplicaRecord {
                region: "eu-west-1".to_owned(),
                kms_key_id: Some("alias/replica".to_owned()),
                status: "InSync".to_owned(),
                status_message: Some("Replication succeeded".to_owned()),
                last_accessed_at: Some(ts(1_700_006_400_000)),
            },
            ReplicaRecord {
                region: "ap-south-1".to_owned(),
                kms_key_id: None,
                status: "Failed".to_owned(),
                status_message: None,
                last_accessed_at: None,
            },
        ],
        versions: vec![
            VersionRecord {
                version_id: "00000000-0000-4000-8000-000000000001".to_owned(),
                stages: Vec::new(),
                created_at: ts(1_700_000_000_001),
                last_accessed_at: None,
                has_value: true,
                kms_key_ids: vec!["alias/old".to_owned(), "alias/older".to_owned()],
            },
            VersionRecord {
                version_id: "00000000-0000-4000-8000-000000000002".to_owned(),
                stages: vec!["AWSPREVIOUS".to_owned(), "zeta".to_owned(), "alpha".to_owned()],
                created_at: ts(1_700_000_000_002),
                last_accessed_at: None,
                has_value: true,
                kms_key_ids: Vec::new(),
            },
            VersionRecord {
                version_id: "00000000-0000-4000-8000-000000000003".to_owned(),
                stages: vec!["AWSCURRENT".to_owned()],
                created_at: ts(1_700_000_000_003),
                last_accessed_at: None,
                has_value: true,
                kms_key_ids: vec!["alias/new".to_owned()],
            },
            VersionRecord {
                version_id: "00000000-0000-4000-8000-000000000004".to_owned(),
                stages: vec!["AWSPENDING".to_owned()],
                created_at: ts(1_700_000_000_004),
                last_accessed_at: None,
                has_value: false,
                kms_key_ids: Vec::new(),
            },
        ],
        ..secret(account_n, REGION, name, suffix, 1_700_000_123_456)
    }
}

/// The sealed value of `version` of `arn`; `n` makes it distinct.
pub fn value(arn: &str, version: &str, n: u8) -> SecretValueRecord {
    SecretValueRecord {
        secret_arn: arn.to_owned(),
        version_id: version.to_owned(),
        sealed: sealed(n),
    }
}

pub fn create(secret: &SecretRecord, values: Vec<SecretValueRecord>) -> SecretWrite {
    SecretWrite::Create {
        secret: secret.clone(),
        values,
    }
}

/// An update from `expected_revision` to `next` (whose revision must be one more).
pub fn update(next: &SecretRecord, values: Vec<SecretValueRecord>, removed: &[&str]) -> SecretWrite {
    SecretWrite::Update {
        secret: next.clone(),
        expected_revision: next.revision - 1,
        values,
        removed_versions: removed.iter().map(|s| (*s).to_owned()).collect(),
    }
}

/// `record` at its next revision, changed a second later.
pub fn bumped(record: &SecretRecord) -> SecretRecord {
    SecretRecord {
        revision: record.revision + 1,
        last_changed_at: record.last_changed_at + time::Duration::SECOND,
        ..record.clone()
    }
}

fn assert_err(result: Result<(), StoreError>, expected: &str, what: &str) {
    let name = match &result {
        Err(StoreError::AlreadyExists) => "AlreadyExists",
        Err(StoreError::Conflict) => "Conflict",
        Err(StoreError::NotFound) => "NotFound",
        _ => "",
    };
    assert_eq!(name, expected, "{what}: got {result:?}");
}

async fn write(store: &dyn Store, writes: &[SecretWrite]) {
    store.write_secrets(writes).await.expect("write_secrets");
}

async fn by_arn(store: &dyn Store, arn: &str) -> Option<SecretRecord> {
    store.secret_by_arn(arn).await.expect("secret_by_arn")
}

async fn by_name(store: &dyn Store, account_n: u64, region_name: &str, name: &str) -> Option<SecretRecord> {
    store
        .secret_by_name(&account_id(account_n), &region(region_name), name)
        .await
        .expect("secret_by_name")
}

async fn value_of(store: &dyn Store, arn: &str, version: &str) -> Option<Sealed> {
    store
        .secret_value(arn, version)
        .await
        .expect("secret_value")
        .map(|v| {
            assert_eq!((v.secret_arn.as_str(), v.version_id.as_str()), (arn, version));
            v.sealed
        })
}

fn page(order: SecretOrder, limit: u32) -> SecretPage {
    SecretPage {
        order,
        after: None,
        limit,
        include_deleted: false,
        name_prefix: None,
    }
}

fn cursor(record: &SecretRecord) -> SecretCursor {
    SecretCursor {
        created_at: record.created_at,
        name: record.name.clone(),
        arn: record.arn.clone(),
    }
}

const ORDERS: [SecretOrder; 4] = [
    SecretOrder::CreatedAsc,
    SecretOrder::CreatedDesc,
    SecretOrder::NameAsc,
    SecretOrder::NameDesc,
];

/// `records` sorted as a listing in `order` must return them.
fn sorted(records: &[SecretRecord], order: SecretOrder) -> Vec<String> {
    let mut sorted: Vec<&SecretRecord> = records.iter().collect();
    match order {
        SecretOrder::CreatedAsc => sorted.sort_by(|a, b| (a.created_at, &a.arn).cmp(&(b.created_at, &b.arn))),
        SecretOrder::CreatedDesc => {
            sorted.sort_by(|a, b| (b.created_at, &b.arn).cmp(&(a.created_at, &a.arn)))
        }
        SecretOrder::NameAsc => sorted.sort_by(|a, b| a.name.cmp(&b.name)),
        SecretOrder::NameDesc => sorted.sort_by(|a, b| b.name.cmp(&a.name)),
    }
    sorted.into_iter().map(|r| r.arn.clone()).collect()
}

async fn list(store: &dyn Store, account_n: u64, region_name: &str, page: &SecretPage) -> Vec<SecretRecord> {
    store
        .list_secrets(&account_id(account_n), &region(region_name), page)
        .await
        .expect("list_secrets")
}

fn arns(records: &[SecretRecord]) -> Vec<String> {
    records.iter().map(|r| r.arn.clone()).collect()
}

/// Every page of a listing, following the cursor of each page's last secret until an empty page.
async fn all_pages(store: &dyn Store, account_n: u64, first: &SecretPage) -> Vec<Vec<SecretRecord>> {
    let mut pages = Vec::new();
    let mut page = first.clone();
    loop {
        let got = list(store, account_n, REGION, &page).await;
        assert!(got.len() <= page.limit as usize, "a page holds at most `limit`");
        let Some(last) = got.last() else { break };
        page.after = Some(cursor(last));
        pages.push(got);
        assert!(pages.len() <= 1000, "listing does not end");
    }
    pages
}

// ---------------------------------------------------------------------------------------------------------
// Cases.

pub async fn secret_round_trips_every_field(store: &dyn Store) {
    let full = full_secret(1, "prod/db/ünïcødé+=.@-_", "AbCdEf");
    let versions: Vec<String> = full.versions.iter().map(|v| v.version_id.clone()).collect();
    let full_values = vec![
        value(&full.arn, &versions[0], 1),
        SecretValueRecord {
            sealed: Sealed::from_bytes((0..70_000u32).map(|i| (i * 7 % 256) as u8).collect()),
            ..value(&full.arn, &versions[1], 0)
        },
        value(&full.arn, &versions[2], 3),
    ];
    let minimal = secret(1, REGION, "minimal", "Zz9999", 5);
    let untagged = SecretRecord {
        tags: Some(Vec::new()),
        rotation: Some(RotationRecord::default()),
        versions: Vec::new(),
        ..secret(1, REGION, "untagged", "Yy8888", -5)
    };
    let empty_value = SecretValueRecord {
        sealed: Sealed::from_bytes(Vec::new()),
        ..value(&minimal.arn, "v1", 0)
    };
    write(
        store,
        &[
            create(&full, full_values.clone()),
            create(&minimal, vec![empty_value.clone()]),
            create(&untagged, Vec::new()),
        ],
    )
    .await;

    for record in [&full, &minimal, &untagged] {
        assert_eq!(
            by_arn(store, &record.arn).await.as_ref(),
            Some(record),
            "{} by ARN",
            record.name
        );
        assert_eq!(
            by_name(store, 1, REGION, &record.name).await.as_ref(),
            Some(record),
            "{} by name",
            record.name
        );
    }
    let read = by_arn(store, &full.arn).await.expect("stored");
    assert_eq!(read.tags, full.tags, "tags in insertion order");
    assert_eq!(read.versions, full.versions, "versions and their stages in order");

    for expected in &full_values {
        let got = value_of(store, &full.arn, &expected.version_id)
            .await
            .expect("value");
        assert_eq!(
            got.as_bytes(),
            expected.sealed.as_bytes(),
            "value of {}",
            expected.version_id
        );
    }
    assert_eq!(
        value_of(store, &full.arn, &versions[3]).await,
        None,
        "version without a value"
    );
    let empty = value_of(store, &minimal.arn, "v1")
        .await
        .expect("empty value is a value");
    assert!(empty.as_bytes().is_empty());
    assert_eq!(
        value_of(store, &minimal.arn, &versions[0]).await,
        None,
        "other secret's version"
    );

    // Last-accessed days are not written by a create.
    let mut accessed = secret(1, REGION, "accessed", "Xx7777", 7);
    accessed.last_accessed_at = Some(ts(86_400_000));
    accessed.versions[0].last_accessed_at = Some(ts(86_400_000));
    write(store, &[create(&accessed, Vec::new())]).await;
    let read = by_arn(store, &accessed.arn).await.expect("stored");
    assert_eq!(read.last_accessed_at, None);
    assert_eq!(read.versions[0].last_accessed_at, None);
}

pub async fn secret_unknown_is_none(store: &dyn Store) {
    store.write_secrets(&[]).await.expect("empty batch");
    let known = secret(1, REGION, "known", "AAAAAA", 1);
    write(store, &[create(&known, vec![value(&known.arn, "v1", 1)])]).await;

    assert_eq!(
        by_arn(
            store,
            "arn:aws:secretsmanager:us-east-1:000000000001:secret:known"
        )
        .await,
        None
    );
    assert_eq!(by_arn(store, &known.arn.to_uppercase()).await, None);
    assert_eq!(by_name(store, 1, REGION, "Known").await, None);
    assert_eq!(by_name(store, 1, REGION, "kno").await, None);
    assert_eq!(by_name(store, 1, "eu-west-1", "known").await, None);
    assert_eq!(by_name(store, 2, REGION, "known").await, None);
    assert_eq!(value_of(store, &known.arn, "v2").await, None);
    assert_eq!(value_of(store, "arn:nope", "v1").await, None);
    assert_eq!(
        list(store, 2, REGION, &page(SecretOrder::NameAsc, 10)).await,
        Vec::new()
    );
    assert_eq!(
        list(store, 1, "eu-west-1", &page(SecretOrder::NameAsc, 10)).await,
        Vec::new()
    );
    assert_eq!(
        list(store, 1, REGION, &page(SecretOrder::NameAsc, 0)).await,
        Vec::new()
    );
    assert_eq!(
        store
            .secrets_to_purge(ts(i64::from(i32::MAX) * 1000), 10)
            .await
            .expect("to purge"),
        Vec::new()
    );
    store
        .record_secret_access("arn:nope", "v1", ts(86_400_000))
        .await
        .expect("access to a missing secret is no error");
    store
        .record_secret_access(&known.arn, "v9", ts(86_400_000))
        .await
        .expect("access to a missing version is no error");
    let read = by_arn(store, &known.arn).await.expect("stored");
    assert_eq!(read.revision, 1);
    assert_eq!(read.versions, known.versions, "no version appears");
}

pub async fn secret_duplicate_is_rejected_and_writes_nothing(store: &dyn Store) {
    let original = secret(1, REGION, "db/password", "AAAAAA", 1);
    write(store, &[create(&original, vec![value(&original.arn, "v1", 1)])]).await;

    // Same name, another ARN.
    let same_name = secret(1, REGION, "db/password", "BBBBBB", 2);
    assert_err(
        store
            .write_secrets(&[create(&same_name, vec![value(&same_name.arn, "v1", 2)])])
            .await,
        "AlreadyExists",
        "create with a taken name",
    );
    assert_eq!(by_arn(store, &same_name.arn).await, None);
    assert_eq!(value_of(store, &same_name.arn, "v1").await, None);

    // Same ARN, another name.
    let same_arn = SecretRecord {
        name: "other".to_owned(),
        ..secret(1, REGION, "db/password", "AAAAAA", 3)
    };
    assert_err(
        store.write_secrets(&[create(&same_arn, Vec::new())]).await,
        "AlreadyExists",
        "create with a taken ARN",
    );
    assert_eq!(by_name(store, 1, REGION, "other").await, None);
    assert_eq!(by_arn(store, &original.arn).await, Some(original.clone()));
    assert_eq!(value_of(store, &original.arn, "v1").await, Some(sealed(1)));

    // A batch with a fine create and a clashing one creates neither; so does a batch clashing with itself.
    let fine = secret(1, REGION, "fine", "CCCCCC", 4);
    let clash = secret(1, REGION, "db/password", "DDDDDD", 5);
    assert_err(
        store
            .write_secrets(&[
                create(&fine, vec![value(&fine.arn, "v1", 4)]),
                create(&clash, Vec::new()),
            ])
            .await,
        "AlreadyExists",
        "batch with a clash",
    );
    let twin_a = secret(1, REGION, "twin", "EEEEEE", 6);
    let twin_b = secret(1, REGION, "twin", "FFFFFF", 7);
    assert_err(
        store
            .write_secrets(&[create(&twin_a, Vec::new()), create(&twin_b, Vec::new())])
            .await,
        "AlreadyExists",
        "batch clashing with itself",
    );
    for arn in [&fine.arn, &clash.arn, &twin_a.arn, &twin_b.arn] {
        assert_eq!(by_arn(store, arn).await, None, "{arn}");
    }
    assert_eq!(value_of(store, &fine.arn, "v1").await, None);
    assert_eq!(
        arns(&list(store, 1, REGION, &page(SecretOrder::NameAsc, 100)).await),
        vec![original.arn.clone()]
    );

    // The name is only taken within its account and region.
    let other_region = secret(1, "eu-west-1", "db/password", "GGGGGG", 8);
    let other_account = secret(2, REGION, "db/password", "HHHHHH", 9);
    write(
        store,
        &[
            create(&other_region, Vec::new()),
            create(&other_account, Vec::new()),
        ],
    )
    .await;
    assert_eq!(
        by_name(store, 1, "eu-west-1", "db/password").await,
        Some(other_region)
    );
    assert_eq!(
        by_name(store, 2, REGION, "db/password").await,
        Some(other_account)
    );

    // A secret scheduled for deletion still holds its name.
    let mut deleted = bumped(&original);
    deleted.deleted_at = Some(ts(100));
    deleted.purge_at = Some(ts(200));
    write(store, &[update(&deleted, Vec::new(), &[])]).await;
    assert_err(
        store.write_secrets(&[create(&same_name, Vec::new())]).await,
        "AlreadyExists",
        "create with the name of a deleted secret",
    );
    assert_eq!(by_name(store, 1, REGION, "db/password").await, Some(deleted));
}

pub async fn secret_name_is_reusable_after_purge(store: &dyn Store) {
    let first = secret(1, REGION, "reused", "AAAAAA", 1);
    write(store, &[create(&first, vec![value(&first.arn, "v1", 1)])]).await;
    let mut deleted = bumped(&first);
    deleted.deleted_at = Some(ts(10));
    deleted.purge_at = Some(ts(20));
    write(store, &[update(&deleted, Vec::new(), &[])]).await;
    write(
        store,
        &[SecretWrite::Purge {
            arn: first.arn.clone(),
            expected_revision: 2,
        }],
    )
    .await;

    let second = secret(1, REGION, "reused", "BBBBBB", 30);
    write(store, &[create(&second, vec![value(&second.arn, "v1", 2)])]).await;
    assert_eq!(by_name(store, 1, REGION, "reused").await, Some(second.clone()));
    assert_eq!(by_arn(store, &first.arn).await, None);
    assert_eq!(value_of(store, &first.arn, "v1").await, None);
    assert_eq!(value_of(store, &second.arn, "v1").await, Some(sealed(2)));

    // Purge and re-create in one batch.
    let third = secret(1, REGION, "reused", "CCCCCC", 40);
    write(
        store,
        &[
            SecretWrite::Purge {
                arn: second.arn.clone(),
                expected_revision: 1,
            },
            create(&third, Vec::new()),
        ],
    )
    .await;
    assert_eq!(by_name(store, 1, REGION, "reused").await, Some(third));
    assert_eq!(value_of(store, &second.arn, "v1").await, None);
}

pub async fn secret_update_is_compare_and_set(store: &dyn Store) {
    let a = secret(1, REGION, "a", "AAAAAA", 1);
    let b = secret(1, REGION, "b", "BBBBBB", 2);
    write(
        store,
        &[create(&a, vec![value(&a.arn, "v1", 1)]), create(&b, Vec::new())],
    )
    .await;

    // Every field may change (but the ARN, which names the record).
    let a2 = SecretRecord {
        revision: 2,
        ..full_secret(1, "a", "AAAAAA")
    };
    let a2 = SecretRecord {
        deleted_at: None,
        purge_at: None,
        ..a2
    };
    write(store, &[update(&a2, Vec::new(), &[])]).await;
    assert_eq!(by_arn(store, &a.arn).await, Some(a2.clone()));

    // A stale revision, a future one, and the values that came with them: nothing changes.
    let mut stale = bumped(&a);
    stale.description = Some("stale".to_owned());
    assert_err(
        store
            .write_secrets(&[update(&stale, vec![value(&a.arn, "v1", 9)], &[])])
            .await,
        "Conflict",
        "update from revision 1",
    );
    let mut future = a2.clone();
    future.revision = 6;
    assert_err(
        store.write_secrets(&[update(&future, Vec::new(), &[])]).await,
        "Conflict",
        "update from revision 5",
    );
    assert_eq!(by_arn(store, &a.arn).await, Some(a2.clone()));
    assert_eq!(value_of(store, &a.arn, "v1").await, Some(sealed(1)));

    // A secret that does not exist.
    let ghost = bumped(&secret(1, REGION, "ghost", "GGGGGG", 3));
    assert_err(
        store.write_secrets(&[update(&ghost, Vec::new(), &[])]).await,
        "NotFound",
        "update of a missing secret",
    );
    assert_eq!(by_name(store, 1, REGION, "ghost").await, None);

    // A batch whose second write is stale applies neither; the first one, alone, applies.
    let mut b2 = bumped(&b);
    b2.description = Some("b2".to_owned());
    assert_err(
        store
            .write_secrets(&[
                update(&b2, vec![value(&b.arn, "v1", 2)], &[]),
                update(&stale, Vec::new(), &[]),
            ])
            .await,
        "Conflict",
        "batch with a stale update",
    );
    assert_eq!(by_arn(store, &b.arn).await, Some(b.clone()));
    assert_eq!(value_of(store, &b.arn, "v1").await, None);
    assert_eq!(by_arn(store, &a.arn).await, Some(a2.clone()));
    write(store, &[update(&b2, vec![value(&b.arn, "v1", 2)], &[])]).await;
    assert_eq!(by_arn(store, &b.arn).await, Some(b2.clone()));
    assert_eq!(value_of(store, &b.arn, "v1").await, Some(sealed(2)));

    // Two steps on one secret in one batch.
    let a3 = bumped(&a2);
    let a4 = bumped(&a3);
    write(
        store,
        &[update(&a3, Vec::new(), &[]), update(&a4, Vec::new(), &[])],
    )
    .await;
    assert_eq!(by_arn(store, &a.arn).await.map(|r| r.revision), Some(4));

    // A stale purge removes nothing.
    assert_err(
        store
            .write_secrets(&[SecretWrite::Purge {
                arn: b.arn.clone(),
                expected_revision: 1,
            }])
            .await,
        "Conflict",
        "stale purge",
    );
    assert_eq!(by_arn(store, &b.arn).await, Some(b2));
    assert_eq!(value_of(store, &b.arn, "v1").await, Some(sealed(2)));
    assert_err(
        store
            .write_secrets(&[SecretWrite::Purge {
                arn: ghost.arn.clone(),
                expected_revision: 1,
            }])
            .await,
        "NotFound",
        "purge of a missing secret",
    );
}

pub async fn secret_update_upserts_and_removes_values(store: &dyn Store) {
    let mut a = secret(1, REGION, "a", "AAAAAA", 1);
    a.versions = vec![
        version("v1", &["AWSPREVIOUS"], 1),
        version("v2", &["AWSCURRENT"], 2),
    ];
    // Another secret with the same version ids: its values must not be touched.
    let mut b = secret(1, REGION, "b", "BBBBBB", 1);
    b.versions = a.versions.clone();
    write(
        store,
        &[
            create(&a, vec![value(&a.arn, "v1", 1), value(&a.arn, "v2", 2)]),
            create(&b, vec![value(&b.arn, "v1", 101), value(&b.arn, "v2", 102)]),
        ],
    )
    .await;

    let mut a2 = bumped(&a);
    a2.versions = vec![
        version("v2", &["AWSPREVIOUS"], 2),
        version("v3", &["AWSCURRENT"], 3),
    ];
    write(
        store,
        &[update(
            &a2,
            vec![value(&a.arn, "v2", 22), value(&a.arn, "v3", 3)],
            &["v1"],
        )],
    )
    .await;
    assert_eq!(by_arn(store, &a.arn).await, Some(a2.clone()));
    assert_eq!(value_of(store, &a.arn, "v1").await, None, "removed");
    assert_eq!(value_of(store, &a.arn, "v2").await, Some(sealed(22)), "replaced");
    assert_eq!(value_of(store, &a.arn, "v3").await, Some(sealed(3)), "added");
    assert_eq!(value_of(store, &b.arn, "v1").await, Some(sealed(101)));
    assert_eq!(value_of(store, &b.arn, "v2").await, Some(sealed(102)));

    // Removing a version that has no value and writing no values is fine.
    let a3 = bumped(&a2);
    write(store, &[update(&a3, Vec::new(), &["v1", "never"])]).await;
    assert_eq!(value_of(store, &a.arn, "v2").await, Some(sealed(22)));
    assert_eq!(value_of(store, &a.arn, "v3").await, Some(sealed(3)));
    assert_eq!(by_arn(store, &a.arn).await.map(|r| r.revision), Some(3));
}

pub async fn secret_purge_removes_secret_and_values(store: &dyn Store) {
    let mut a = secret(1, REGION, "a", "AAAAAA", 1);
    a.versions.push(version("v2", &[], 2));
    let b = secret(1, REGION, "b", "BBBBBB", 1);
    write(
        store,
        &[
            create(&a, vec![value(&a.arn, "v1", 1), value(&a.arn, "v2", 2)]),
            create(&b, vec![value(&b.arn, "v1", 3)]),
        ],
    )
    .await;
    write(
        store,
        &[SecretWrite::Purge {
            arn: a.arn.clone(),
            expected_revision: 1,
        }],
    )
    .await;
    assert_eq!(by_arn(store, &a.arn).await, None);
    assert_eq!(by_name(store, 1, REGION, "a").await, None);
    assert_eq!(value_of(store, &a.arn, "v1").await, None);
    assert_eq!(value_of(store, &a.arn, "v2").await, None);
    assert_eq!(by_arn(store, &b.arn).await, Some(b.clone()));
    assert_eq!(value_of(store, &b.arn, "v1").await, Some(sealed(3)));
    assert_err(
        store
            .write_secrets(&[SecretWrite::Purge {
                arn: a.arn.clone(),
                expected_revision: 1,
            }])
            .await,
        "NotFound",
        "second purge",
    );
}

pub async fn secret_batch_of_primary_and_replica_is_atomic(store: &dyn Store) {
    let mut primary = secret(1, REGION, "replicated", "AAAAAA", 1);
    primary.replicas = vec![ReplicaRecord {
        region: "eu-west-1".to_owned(),
        kms_key_id: None,
        status: "InProgress".to_owned(),
        status_message: None,
        last_accessed_at: None,
    }];
    let mut replica = secret(1, "eu-west-1", "replicated", "AAAAAA", 1);
    replica.primary_region = Some(REGION.to_owned());
    write(
        store,
        &[
            create(&primary, vec![value(&primary.arn, "v1", 1)]),
            create(&replica, vec![value(&replica.arn, "v1", 1)]),
        ],
    )
    .await;
    // The replica moves on behind the primary's back.
    let mut replica2 = bumped(&replica);
    replica2.description = Some("changed in the replica region".to_owned());
    write(store, &[update(&replica2, Vec::new(), &[])]).await;

    // A new version on both, the replica's from a stale revision: neither is applied.
    let mut primary2 = bumped(&primary);
    primary2.versions = vec![
        version("v1", &["AWSPREVIOUS"], 1),
        version("v2", &["AWSCURRENT"], 2),
    ];
    primary2.replicas[0].status = "InSync".to_owned();
    let mut stale_replica = bumped(&replica);
    stale_replica.versions = primary2.versions.clone();
    let batch = [
        update(&primary2, vec![value(&primary.arn, "v2", 2)], &[]),
        update(&stale_replica, vec![value(&replica.arn, "v2", 2)], &[]),
    ];
    assert_err(
        store.write_secrets(&batch).await,
        "Conflict",
        "batch with a stale replica",
    );
    assert_eq!(by_arn(store, &primary.arn).await, Some(primary.clone()));
    assert_eq!(by_arn(store, &replica.arn).await, Some(replica2.clone()));
    assert_eq!(value_of(store, &primary.arn, "v2").await, None);
    assert_eq!(value_of(store, &replica.arn, "v2").await, None);

    // Re-read, retry: both land.
    let mut replica3 = bumped(&replica2);
    replica3.versions = primary2.versions.clone();
    write(
        store,
        &[
            update(&primary2, vec![value(&primary.arn, "v2", 2)], &[]),
            update(&replica3, vec![value(&replica.arn, "v2", 2)], &[]),
        ],
    )
    .await;
    assert_eq!(by_arn(store, &primary.arn).await, Some(primary2));
    assert_eq!(by_arn(store, &replica.arn).await, Some(replica3));
    assert_eq!(value_of(store, &primary.arn, "v2").await, Some(sealed(2)));
    assert_eq!(value_of(store, &replica.arn, "v2").await, Some(sealed(2)));
}

pub async fn secret_access_days_survive_updates_and_only_move_forward(store: &dyn Store) {
    const DAY: i64 = 86_400_000;
    let mut a = secret(1, REGION, "a", "AAAAAA", 1);
    a.versions = vec![
        version("v1", &["AWSPREVIOUS"], 1),
        version("v2", &["AWSCURRENT"], 2),
    ];
    let b = secret(1, REGION, "b", "BBBBBB", 1);
    write(store, &[create(&a, Vec::new()), create(&b, Vec::new())]).await;

    let days = |r: &SecretRecord| {
        (
            r.last_accessed_at,
            r.versions.iter().map(|v| v.last_accessed_at).collect::<Vec<_>>(),
        )
    };
    let read = |arn: String| async move { by_arn(store, &arn).await.expect("stored") };

    store
        .record_secret_access(&a.arn, "v2", ts(10 * DAY))
        .await
        .expect("access");
    let got = read(a.arn.clone()).await;
    assert_eq!(days(&got), (Some(ts(10 * DAY)), vec![None, Some(ts(10 * DAY))]));
    assert_eq!(got.revision, 1, "an access does not change the revision");
    assert_eq!(
        days(&read(b.arn.clone()).await),
        (None, vec![None]),
        "other secret untouched"
    );

    // Earlier days do not move the dates back; an earlier day of a version never read is recorded.
    store
        .record_secret_access(&a.arn, "v2", ts(9 * DAY))
        .await
        .expect("access");
    store
        .record_secret_access(&a.arn, "v1", ts(8 * DAY))
        .await
        .expect("access");
    assert_eq!(
        days(&read(a.arn.clone()).await),
        (Some(ts(10 * DAY)), vec![Some(ts(8 * DAY)), Some(ts(10 * DAY))])
    );
    store
        .record_secret_access(&a.arn, "v1", ts(10 * DAY))
        .await
        .expect("access");

    // An update (from a record read before the accesses, or carrying other dates) keeps them.
    let mut a2 = bumped(&a);
    a2.description = Some("updated".to_owned());
    a2.last_accessed_at = Some(ts(DAY));
    a2.versions[0].last_accessed_at = Some(ts(50 * DAY));
    a2.versions.push(version("v3", &["AWSPENDING"], 3));
    write(store, &[update(&a2, Vec::new(), &[])]).await;
    let got = read(a.arn.clone()).await;
    assert_eq!(got.revision, 2);
    assert_eq!(got.description.as_deref(), Some("updated"));
    assert_eq!(
        days(&got),
        (
            Some(ts(10 * DAY)),
            vec![Some(ts(10 * DAY)), Some(ts(10 * DAY)), None]
        )
    );

    // Later days move both forward.
    store
        .record_secret_access(&a.arn, "v3", ts(11 * DAY))
        .await
        .expect("access");
    let got = read(a.arn.clone()).await;
    assert_eq!(
        days(&got),
        (
            Some(ts(11 * DAY)),
            vec![Some(ts(10 * DAY)), Some(ts(10 * DAY)), Some(ts(11 * DAY))]
        )
    );
    assert_eq!(got.revision, 2);

    // The days travel with the record through later updates and listings.
    let a3 = bumped(&a2);
    write(store, &[update(&a3, Vec::new(), &[])]).await;
    let listed = list(store, 1, REGION, &page(SecretOrder::NameAsc, 1)).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(days(&listed[0]), days(&got));
    assert_eq!(listed[0].revision, 3);
}

pub async fn secret_list_in_every_order(store: &dyn Store) {
    // Creation order differs from name order and from ARN order; two pairs tie on the creation time.
    let records = vec![
        secret(1, REGION, "mango", "Q00001", 300),
        secret(1, REGION, "apple", "Q00009", 100),
        secret(1, REGION, "zucchini", "Q00005", 200),
        secret(1, REGION, "Banana", "Q00002", 200),
        secret(1, REGION, "banana", "Q00007", 200),
        secret(1, REGION, "cherry", "Q00003", 50),
        secret(1, REGION, "apple/pie", "Q00004", 300),
        secret(1, REGION, "älpler", "Q00006", -1),
    ];
    let writes: Vec<SecretWrite> = records.iter().map(|r| create(r, Vec::new())).collect();
    write(store, &writes).await;
    // Neighbours in other accounts and regions are never listed.
    write(
        store,
        &[
            create(&secret(2, REGION, "apple", "R00001", 100), Vec::new()),
            create(&secret(1, "eu-west-1", "apple", "R00002", 100), Vec::new()),
        ],
    )
    .await;

    for order in ORDERS {
        let got = list(store, 1, REGION, &page(order, 100)).await;
        assert_eq!(arns(&got), sorted(&records, order), "{order:?}");
        for record in &got {
            let original = records
                .iter()
                .find(|r| r.arn == record.arn)
                .expect("listed one of ours");
            assert_eq!(record, original, "listed records are whole");
        }
        let first = list(store, 1, REGION, &page(order, 3)).await;
        assert_eq!(
            arns(&first),
            sorted(&records, order)[..3].to_vec(),
            "{order:?} limit 3"
        );
    }
    assert_eq!(
        list(store, 1, REGION, &page(SecretOrder::NameAsc, 100))
            .await
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>(),
        vec![
            "Banana",
            "apple",
            "apple/pie",
            "banana",
            "cherry",
            "mango",
            "zucchini",
            "älpler"
        ],
        "names sort bytewise"
    );
}

pub async fn secret_list_pages_cover_everything_once(store: &dyn Store) {
    // 29 secrets in runs that tie on the creation time; ARNs in neither creation nor name order.
    let mut records = Vec::new();
    for i in 0..29u32 {
        let created = i64::from(i / 5) * 1000 - 2000;
        let name = format!("svc-{:02}", (i * 11) % 29);
        let suffix = format!("S{:05}", (i * 17) % 29);
        let mut record = secret(1, REGION, &name, &suffix, created);
        if i % 7 == 3 {
            record.deleted_at = Some(ts(5000));
            record.purge_at = Some(ts(9000));
        }
        records.push(record);
    }
    let writes: Vec<SecretWrite> = records.iter().map(|r| create(r, Vec::new())).collect();
    write(store, &writes).await;
    let live: Vec<SecretRecord> = records
        .iter()
        .filter(|r| r.deleted_at.is_none())
        .cloned()
        .collect();

    for include_deleted in [false, true] {
        let expected_set = if include_deleted { &records } else { &live };
        for order in ORDERS {
            let expected = sorted(expected_set, order);
            for limit in [1u32, 2, 3, 5, 7, 28, 29, 100] {
                let first = SecretPage {
                    include_deleted,
                    ..page(order, limit)
                };
                let pages = all_pages(store, 1, &first).await;
                let what = format!("{order:?} limit {limit} include_deleted {include_deleted}");
                for full in &pages[..pages.len().saturating_sub(1)] {
                    assert_eq!(
                        full.len(),
                        limit as usize,
                        "{what}: only the last page may be short"
                    );
                }
                let seen: Vec<String> = pages.iter().flat_map(|p| arns(p)).collect();
                assert_eq!(seen, expected, "{what}");
            }
        }
    }

    // A cursor need not name a stored secret: the page starts strictly after its place in the order.
    let after = SecretCursor {
        created_at: ts(0),
        name: "svc-10".to_owned(),
        arn: secret_arn(1, REGION, "x", "S00010"),
    };
    for order in ORDERS {
        let everything = sorted(&records, order);
        let expected: Vec<String> = everything
            .into_iter()
            .filter(|arn| {
                let r = records.iter().find(|r| &r.arn == arn).expect("ours");
                match order {
                    SecretOrder::CreatedAsc => (r.created_at, &r.arn) > (after.created_at, &after.arn),
                    SecretOrder::CreatedDesc => (r.created_at, &r.arn) < (after.created_at, &after.arn),
                    SecretOrder::NameAsc => r.name > after.name,
                    SecretOrder::NameDesc => r.name < after.name,
                }
            })
            .collect();
        let got = list(
            store,
            1,
            REGION,
            &SecretPage {
                after: Some(after.clone()),
                include_deleted: true,
                ..page(order, 100)
            },
        )
        .await;
        assert_eq!(arns(&got), expected, "{order:?} after a foreign cursor");
    }
}

pub async fn secret_list_include_deleted(store: &dyn Store) {
    let live = secret(1, REGION, "live", "AAAAAA", 1);
    let doomed = secret(1, REGION, "doomed", "BBBBBB", 2);
    write(store, &[create(&live, Vec::new()), create(&doomed, Vec::new())]).await;
    let mut deleted = bumped(&doomed);
    deleted.deleted_at = Some(ts(3));
    deleted.purge_at = Some(ts(4));
    write(store, &[update(&deleted, Vec::new(), &[])]).await;

    for order in ORDERS {
        let without = list(store, 1, REGION, &page(order, 10)).await;
        assert_eq!(without, vec![live.clone()], "{order:?} without deleted");
        let with = list(
            store,
            1,
            REGION,
            &SecretPage {
                include_deleted: true,
                ..page(order, 10)
            },
        )
        .await;
        assert_eq!(
            arns(&with),
            sorted(&[live.clone(), deleted.clone()], order),
            "{order:?} with deleted"
        );
        assert!(with.contains(&deleted));
    }

    // Restoring (clearing the deletion) lists it again.
    let mut restored = bumped(&deleted);
    restored.deleted_at = None;
    restored.purge_at = None;
    write(store, &[update(&restored, Vec::new(), &[])]).await;
    assert_eq!(
        list(store, 1, REGION, &page(SecretOrder::NameAsc, 10)).await,
        vec![restored, live]
    );
}

pub async fn secret_list_name_prefix_is_literal_and_case_sensitive(store: &dyn Store) {
    let names = [
        "a",
        "a%",
        "a%b",
        "a%c",
        "a_b",
        "axb",
        "aXb",
        "ab",
        "A%b",
        "b",
        "a\\b",
        "a%\u{10FFFF}",
        "a\u{10FFFF}x",
        "a[b]",
        "a*",
        "ä",
    ];
    let records: Vec<SecretRecord> = names
        .iter()
        .enumerate()
        .map(|(i, name)| secret(1, REGION, name, &format!("P{i:05}"), 1000 - i as i64))
        .collect();
    let writes: Vec<SecretWrite> = records.iter().map(|r| create(r, Vec::new())).collect();
    write(store, &writes).await;

    let cases: [(&str, &[&str]); 10] = [
        ("a%", &["a%", "a%b", "a%c", "a%\u{10FFFF}"]),
        ("a_", &["a_b"]),
        ("a\\", &["a\\b"]),
        ("a[", &["a[b]"]),
        ("a*", &["a*"]),
        ("A", &["A%b"]),
        ("aX", &["aXb"]),
        ("a\u{10FFFF}", &["a\u{10FFFF}x"]),
        ("zzz", &[]),
        ("ä", &["ä"]),
    ];
    for (prefix, expected_names) in cases {
        let expected: Vec<SecretRecord> = records
            .iter()
            .filter(|r| expected_names.contains(&r.name.as_str()))
            .cloned()
            .collect();
        assert_eq!(expected.len(), expected_names.len());
        for order in ORDERS {
            let got = list(
                store,
                1,
                REGION,
                &SecretPage {
                    name_prefix: Some(prefix.to_owned()),
                    ..page(order, 100)
                },
            )
            .await;
            assert_eq!(
                arns(&got),
                sorted(&expected, order),
                "prefix {prefix:?} {order:?}"
            );
        }
    }

    // The plain prefix `a`, page by page, in every order.
    let expected: Vec<SecretRecord> = records
        .iter()
        .filter(|r| r.name.starts_with('a'))
        .cloned()
        .collect();
    assert_eq!(expected.len(), 13);
    for order in ORDERS {
        let first = SecretPage {
            name_prefix: Some("a".to_owned()),
            ..page(order, 4)
        };
        let seen: Vec<String> = all_pages(store, 1, &first)
            .await
            .iter()
            .flat_map(|p| arns(p))
            .collect();
        assert_eq!(seen, sorted(&expected, order), "prefix \"a\" {order:?} in pages");
    }

    // An empty prefix is no filter.
    let all = list(
        store,
        1,
        REGION,
        &SecretPage {
            name_prefix: Some(String::new()),
            ..page(SecretOrder::NameAsc, 100)
        },
    )
    .await;
    assert_eq!(arns(&all), sorted(&records, SecretOrder::NameAsc));
}

pub async fn secret_to_purge_oldest_first(store: &dyn Store) {
    let schedule = [
        ("p300", Some(300)),
        ("p100", Some(100)),
        ("none", None),
        ("p200", Some(200)),
        ("p500", Some(500)),
        ("p301", Some(301)),
    ];
    let mut records = Vec::new();
    for (i, (name, purge_at)) in schedule.iter().enumerate() {
        let mut record = secret(1 + i as u64 % 2, REGION, name, "AAAAAA", 1);
        record.deleted_at = purge_at.map(|_| ts(50));
        record.purge_at = purge_at.map(ts);
        records.push(record);
    }
    let writes: Vec<SecretWrite> = records.iter().map(|r| create(r, Vec::new())).collect();
    write(store, &writes).await;

    let names = |records: Vec<SecretRecord>| records.into_iter().map(|r| r.name).collect::<Vec<_>>();
    let due = store.secrets_to_purge(ts(300), 10).await.expect("to purge");
    assert_eq!(
        names(due.clone()),
        vec!["p100", "p200", "p300"],
        "due at 300, oldest first"
    );
    assert_eq!(due[0], records[1], "whole records");
    assert_eq!(
        names(store.secrets_to_purge(ts(1000), 2).await.expect("to purge")),
        vec!["p100", "p200"]
    );
    assert_eq!(
        names(store.secrets_to_purge(ts(1000), 10).await.expect("to purge")),
        vec!["p100", "p200", "p300", "p301", "p500"]
    );
    assert_eq!(
        names(store.secrets_to_purge(ts(99), 10).await.expect("to purge")),
        Vec::<String>::new()
    );
    assert_eq!(
        names(store.secrets_to_purge(ts(1000), 0).await.expect("to purge")),
        Vec::<String>::new()
    );
}

pub async fn secret_concurrent_updates_have_one_winner_per_revision(store: &dyn Store) {
    const WRITERS: u64 = 8;
    const WINS: u64 = 20;
    let initial = secret(1, REGION, "contended", "AAAAAA", 1);
    write(store, &[create(&initial, Vec::new())]).await;

    let arn = initial.arn.clone();
    let futures: Vec<BoxFuture<'_, (u64, Vec<u64>, u64)>> = (0..WRITERS)
        .map(|w| {
            let arn = arn.clone();
            boxed(async move {
                let mut won = Vec::new();
                let mut conflicts = 0;
                while (won.len() as u64) < WINS {
                    assert!(conflicts < 100_000, "writer {w} starves");
                    let current = by_arn(store, &arn).await.expect("stored");
                    let mut next = bumped(&current);
                    next.description = Some(format!("writer {w} win {}", won.len()));
                    let version_id = format!("w{w}-{}", won.len());
                    next.versions.push(version(&version_id, &[], 2));
                    let values = vec![value(&arn, &version_id, w as u8)];
                    match store.write_secrets(&[update(&next, values, &[])]).await {
                        Ok(()) => won.push(next.revision),
                        Err(StoreError::Conflict) => conflicts += 1,
                        Err(other) => panic!("writer {w}: unexpected error {other:?}"),
                    }
                }
                (w, won, conflicts)
            })
        })
        .collect();
    let outcomes = join_all(futures).await;

    let mut revisions = BTreeSet::new();
    for (w, won, _) in &outcomes {
        assert_eq!(won.len() as u64, WINS, "writer {w}");
        for revision in won {
            assert!(revisions.insert(*revision), "revision {revision} won twice");
        }
    }
    let expected: BTreeSet<u64> = (2..=WRITERS * WINS + 1).collect();
    assert_eq!(revisions, expected, "every revision won exactly once");

    let last = by_arn(store, &arn).await.expect("stored");
    assert_eq!(
        last.revision,
        WRITERS * WINS + 1,
        "final revision = 1 + successful writes"
    );
    assert_eq!(last.versions.len() as u64, 1 + WRITERS * WINS, "no lost update");
    for v in &last.versions[1..] {
        let writer: u8 = v.version_id[1..v.version_id.find('-').expect("dash")]
            .parse()
            .expect("writer");
        assert_eq!(
            value_of(store, &arn, &v.version_id).await,
            Some(sealed(writer)),
            "{}",
            v.version_id
        );
    }
}
