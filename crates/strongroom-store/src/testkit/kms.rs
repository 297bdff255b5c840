//! Conformance cases for the KMS store, run by every backend through
//! [`kms_conformance_suite!`](crate::kms_conformance_suite), which works like
//! [`conformance_suite!`](crate::conformance_suite):
//!
//! ```ignore
//! strongroom_store::kms_conformance_suite!(fixture = my_fixture());
//! ```

use strongroom_types::{AccountId, OffsetDateTime, Region, Sealed};

use super::{BoxFuture, account_id, boxed, join_all, sealed, ts};
use crate::kms::{KeyManager, KmsAliasRecord, KmsKeyRecord, KmsKeyState, KmsKeyVersionRecord, Tag};
use crate::{Store, StoreError};

/// Expands to one `#[tokio::test]` per KMS conformance case; the arguments are those of
/// [`conformance_suite!`](crate::conformance_suite).
#[macro_export]
macro_rules! kms_conformance_suite {
    (fixture = $make:expr $(,)?) => {
        $crate::__kms_conformance_cases! {
            $make;
            kms_key_round_trips_every_field,
            kms_duplicate_key_changes_nothing,
            kms_key_with_taken_alias_creates_nothing,
            kms_update_is_compare_and_set,
            kms_rotation_adds_a_version_atomically,
            kms_concurrent_updates_have_one_winner,
            kms_aliases_are_unique_per_account_and_region,
            kms_concurrent_alias_creation_has_one_winner,
            kms_alias_update_delete_and_missing_targets,
            kms_aliases_list_in_name_order_with_filter,
            kms_keys_list_in_pages_per_account_and_region,
            kms_due_for_deletion_and_rotation,
            kms_delete_removes_versions_and_aliases,
            kms_unknown_records_are_none,
        }
    };
    ($make:expr $(,)?) => {
        $crate::kms_conformance_suite!(
            fixture = async { ::core::option::Option::Some($crate::testkit::Plain($make.await)) }
        );
    };
}

/// Implementation detail of [`kms_conformance_suite!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __kms_conformance_cases {
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
                    $crate::testkit::kms::$case($crate::testkit::Fixture::store(&*shared)).await;
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

pub fn region(name: &str) -> Region {
    name.parse().expect("valid region")
}

/// A key id that sorts by `n`.
pub fn kms_key_id(n: u32) -> String {
    format!("{n:08x}-0000-4000-8000-000000000000")
}

/// An enabled customer key `n` of account `account_n` in `region_name`, with no tags.
pub fn kms_key(n: u32, account_n: u64, region_name: &str) -> KmsKeyRecord {
    let key_id = kms_key_id(n);
    let account = account_id(account_n);
    KmsKeyRecord {
        arn: format!("arn:aws:kms:{region_name}:{account}:key/{key_id}"),
        key_id,
        account_id: account,
        region: region(region_name),
        revision: 1,
        created_at: ts(1_700_000_000_000 + i64::from(n)),
        description: String::new(),
        key_usage: "ENCRYPT_DECRYPT".to_owned(),
        key_spec: "SYMMETRIC_DEFAULT".to_owned(),
        key_manager: KeyManager::Customer,
        state: KmsKeyState::Enabled,
        deletion_date: None,
        pending_window_days: None,
        policy: None,
        tags: Vec::new(),
        rotation_enabled: false,
        rotation_period_days: None,
        next_rotation_at: None,
        current_version: 1,
    }
}

pub fn kms_version(key: &KmsKeyRecord, version: u32) -> KmsKeyVersionRecord {
    KmsKeyVersionRecord {
        key_id: key.key_id.clone(),
        version,
        sealed_material: sealed(version as u8),
        created_at: ts(1_700_000_100_000 + i64::from(version)),
    }
}

pub fn kms_alias(key: &KmsKeyRecord, name: &str) -> KmsAliasRecord {
    KmsAliasRecord {
        account_id: key.account_id.clone(),
        region: key.region.clone(),
        name: name.to_owned(),
        target_key_id: key.key_id.clone(),
        created_at: ts(1_700_000_200_000),
        updated_at: ts(1_700_000_200_001),
    }
}

async fn create(store: &dyn Store, key: &KmsKeyRecord) {
    store
        .create_kms_key(key, &kms_version(key, 1), None)
        .await
        .expect("create_kms_key");
}

async fn read(store: &dyn Store, key_id: &str) -> Option<KmsKeyRecord> {
    store.kms_key(key_id).await.expect("kms_key")
}

/// `key` changed as the service changes it: the next revision.
fn next(key: &KmsKeyRecord) -> KmsKeyRecord {
    KmsKeyRecord {
        revision: key.revision + 1,
        ..key.clone()
    }
}

fn expect_err(result: Result<(), StoreError>, what: &str, expected: &str) {
    let ok = matches!(
        (&result, expected),
        (Err(StoreError::AlreadyExists), "AlreadyExists")
            | (Err(StoreError::NotFound), "NotFound")
            | (Err(StoreError::Conflict), "Conflict")
    );
    assert!(ok, "{what}: expected {expected}, got {result:?}");
}

async fn alias_names(
    store: &dyn Store,
    account: &AccountId,
    region: &Region,
    key: Option<&str>,
    after: Option<&str>,
    limit: u32,
) -> Vec<String> {
    store
        .list_kms_aliases(account, region, key, after, limit)
        .await
        .expect("list_kms_aliases")
        .into_iter()
        .map(|a| a.name)
        .collect()
}

// ---------------------------------------------------------------------------------------------------------
// Cases.

pub async fn kms_key_round_trips_every_field(store: &dyn Store) {
    let mut key = kms_key(1, 111_122_223_333, "eu-west-1");
    key.revision = 7;
    key.description = "ünïcødé ✓ \"quoted\" 'single' \n newline".to_owned();
    key.key_manager = KeyManager::Aws;
    key.state = KmsKeyState::PendingDeletion;
    key.deletion_date = Some(ts(1_800_000_000_123));
    key.pending_window_days = Some(30);
    key.policy = Some(r#"{"Version":"2012-10-17","Statement":[]}"#.to_owned());
    key.tags = vec![
        Tag {
            key: "a:b".to_owned(),
            value: String::new(),
        },
        Tag {
            key: "1:2".to_owned(),
            value: "ü:3:".to_owned(),
        },
    ];
    key.rotation_enabled = true;
    key.rotation_period_days = Some(2560);
    key.next_rotation_at = Some(ts(1_900_000_000_999));
    key.current_version = 1;
    let version = KmsKeyVersionRecord {
        key_id: key.key_id.clone(),
        version: 1,
        sealed_material: Sealed::from_bytes((0..=255u8).rev().collect()),
        created_at: ts(1_700_000_000_321),
    };
    store.create_kms_key(&key, &version, None).await.expect("create");
    assert_eq!(read(store, &key.key_id).await, Some(key.clone()));
    assert_eq!(
        store.kms_key_version(&key.key_id, 1).await.expect("version"),
        Some(version)
    );

    // Optional fields absent round-trip as absent.
    let plain = kms_key(2, 111_122_223_333, "eu-west-1");
    create(store, &plain).await;
    assert_eq!(read(store, &plain.key_id).await, Some(plain));
}

pub async fn kms_duplicate_key_changes_nothing(store: &dyn Store) {
    let key = kms_key(1, 1, "us-east-1");
    create(store, &key).await;
    let mut again = key.clone();
    again.description = "second".to_owned();
    let mut version = kms_version(&again, 1);
    version.sealed_material = sealed(99);
    expect_err(
        store.create_kms_key(&again, &version, None).await,
        "duplicate key",
        "AlreadyExists",
    );
    assert_eq!(read(store, &key.key_id).await, Some(key.clone()));
    assert_eq!(
        store.kms_key_version(&key.key_id, 1).await.expect("version"),
        Some(kms_version(&key, 1))
    );
}

pub async fn kms_key_with_taken_alias_creates_nothing(store: &dyn Store) {
    let first = kms_key(1, 1, "us-east-1");
    store
        .create_kms_key(
            &first,
            &kms_version(&first, 1),
            Some(&kms_alias(&first, "alias/aws/secretsmanager")),
        )
        .await
        .expect("create with alias");
    assert_eq!(
        store
            .kms_alias(&first.account_id, &first.region, "alias/aws/secretsmanager")
            .await
            .expect("alias"),
        Some(kms_alias(&first, "alias/aws/secretsmanager"))
    );

    let second = kms_key(2, 1, "us-east-1");
    expect_err(
        store
            .create_kms_key(
                &second,
                &kms_version(&second, 1),
                Some(&kms_alias(&second, "alias/aws/secretsmanager")),
            )
            .await,
        "key with taken alias",
        "AlreadyExists",
    );
    assert_eq!(read(store, &second.key_id).await, None);
    assert_eq!(
        store.kms_key_version(&second.key_id, 1).await.expect("version"),
        None
    );
    let alias = store
        .kms_alias(&first.account_id, &first.region, "alias/aws/secretsmanager")
        .await
        .expect("alias")
        .expect("still there");
    assert_eq!(alias.target_key_id, first.key_id);
}

pub async fn kms_update_is_compare_and_set(store: &dyn Store) {
    let key = kms_key(1, 1, "us-east-1");
    create(store, &key).await;

    let mut disabled = next(&key);
    disabled.state = KmsKeyState::Disabled;
    disabled.tags = vec![Tag {
        key: "team".to_owned(),
        value: "ops".to_owned(),
    }];
    store
        .update_kms_key(&disabled, 1, None)
        .await
        .expect("update at revision 1");
    assert_eq!(read(store, &key.key_id).await, Some(disabled.clone()));

    // A writer that read revision 1 loses.
    let mut stale = next(&key);
    stale.description = "stale".to_owned();
    expect_err(
        store.update_kms_key(&stale, 1, None).await,
        "stale update",
        "Conflict",
    );
    assert_eq!(read(store, &key.key_id).await, Some(disabled.clone()));

    let missing = kms_key(9, 1, "us-east-1");
    expect_err(
        store.update_kms_key(&next(&missing), 1, None).await,
        "update of a missing key",
        "NotFound",
    );
    assert_eq!(read(store, &missing.key_id).await, None);
}

pub async fn kms_rotation_adds_a_version_atomically(store: &dyn Store) {
    let key = kms_key(1, 1, "us-east-1");
    create(store, &key).await;
    let mut rotated = next(&key);
    rotated.current_version = 2;
    store
        .update_kms_key(&rotated, 1, Some(&kms_version(&key, 2)))
        .await
        .expect("rotate");
    assert_eq!(read(store, &key.key_id).await, Some(rotated.clone()));
    assert_eq!(
        store.kms_key_version(&key.key_id, 2).await.expect("v2"),
        Some(kms_version(&key, 2))
    );
    assert_eq!(
        store.kms_key_version(&key.key_id, 1).await.expect("v1"),
        Some(kms_version(&key, 1))
    );

    // A stale rotation adds no version.
    let mut stale = next(&key);
    stale.current_version = 3;
    expect_err(
        store.update_kms_key(&stale, 1, Some(&kms_version(&key, 3))).await,
        "stale rotation",
        "Conflict",
    );
    assert_eq!(store.kms_key_version(&key.key_id, 3).await.expect("v3"), None);

    // A version that exists already fails the whole update.
    let mut clash = next(&rotated);
    clash.description = "clash".to_owned();
    expect_err(
        store.update_kms_key(&clash, 2, Some(&kms_version(&key, 1))).await,
        "rotation to a taken version",
        "AlreadyExists",
    );
    assert_eq!(read(store, &key.key_id).await, Some(rotated));
}

pub async fn kms_concurrent_updates_have_one_winner(store: &dyn Store) {
    let key = kms_key(1, 1, "us-east-1");
    create(store, &key).await;
    let futures: Vec<BoxFuture<'_, _>> = (0..8u32)
        .map(|i| {
            let mut update = next(&key);
            update.description = format!("writer {i}");
            update.current_version = 2;
            let version = KmsKeyVersionRecord {
                sealed_material: sealed(100 + i as u8),
                ..kms_version(&key, 2)
            };
            boxed(async move {
                let outcome = store.update_kms_key(&update, 1, Some(&version)).await;
                (update, version, outcome)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for (update, version, outcome) in join_all(futures).await {
        match outcome {
            Ok(()) => winners.push((update, version)),
            Err(StoreError::Conflict) => {}
            Err(other) => panic!("concurrent update: unexpected {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one writer wins");
    let (update, version) = winners.remove(0);
    assert_eq!(read(store, &key.key_id).await, Some(update));
    assert_eq!(
        store.kms_key_version(&key.key_id, 2).await.expect("v2"),
        Some(version)
    );
}

pub async fn kms_aliases_are_unique_per_account_and_region(store: &dyn Store) {
    let a = kms_key(1, 1, "us-east-1");
    let b = kms_key(2, 1, "us-east-1");
    let other_region = kms_key(3, 1, "eu-west-1");
    let other_account = kms_key(4, 2, "us-east-1");
    for key in [&a, &b, &other_region, &other_account] {
        create(store, key).await;
    }
    store
        .create_kms_alias(&kms_alias(&a, "alias/app"))
        .await
        .expect("first");
    expect_err(
        store.create_kms_alias(&kms_alias(&b, "alias/app")).await,
        "same name, same account and region",
        "AlreadyExists",
    );
    store
        .create_kms_alias(&kms_alias(&other_region, "alias/app"))
        .await
        .expect("same name in another region");
    store
        .create_kms_alias(&kms_alias(&other_account, "alias/app"))
        .await
        .expect("same name in another account");
    // Names are case-sensitive.
    store
        .create_kms_alias(&kms_alias(&b, "alias/App"))
        .await
        .expect("another case");
    let found = store
        .kms_alias(&a.account_id, &a.region, "alias/app")
        .await
        .expect("alias")
        .expect("exists");
    assert_eq!(found, kms_alias(&a, "alias/app"));
    let found = store
        .kms_alias(&other_region.account_id, &other_region.region, "alias/app")
        .await
        .expect("alias")
        .expect("exists");
    assert_eq!(found.target_key_id, other_region.key_id);
}

pub async fn kms_concurrent_alias_creation_has_one_winner(store: &dyn Store) {
    let keys: Vec<KmsKeyRecord> = (1..=6).map(|n| kms_key(n, 1, "us-east-1")).collect();
    for key in &keys {
        create(store, key).await;
    }
    let futures: Vec<BoxFuture<'_, _>> = keys
        .iter()
        .map(|key| {
            let alias = kms_alias(key, "alias/race");
            boxed(async move { (alias.clone(), store.create_kms_alias(&alias).await) })
        })
        .collect();
    let mut winners = Vec::new();
    for (alias, outcome) in join_all(futures).await {
        match outcome {
            Ok(()) => winners.push(alias),
            Err(StoreError::AlreadyExists) => {}
            Err(other) => panic!("concurrent alias: unexpected {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one alias creation wins");
    let winner = winners.remove(0);
    assert_eq!(
        store
            .kms_alias(&winner.account_id, &winner.region, "alias/race")
            .await
            .expect("alias"),
        Some(winner)
    );
}

pub async fn kms_alias_update_delete_and_missing_targets(store: &dyn Store) {
    let a = kms_key(1, 1, "us-east-1");
    let b = kms_key(2, 1, "us-east-1");
    create(store, &a).await;
    create(store, &b).await;
    let (account, home) = (a.account_id.clone(), a.region.clone());

    let ghost = kms_key(9, 1, "us-east-1");
    expect_err(
        store.create_kms_alias(&kms_alias(&ghost, "alias/ghost")).await,
        "alias to a missing key",
        "NotFound",
    );
    assert_eq!(
        store
            .kms_alias(&account, &home, "alias/ghost")
            .await
            .expect("alias"),
        None
    );

    store
        .create_kms_alias(&kms_alias(&a, "alias/app"))
        .await
        .expect("create");
    store
        .update_kms_alias(&account, &home, "alias/app", &b.key_id, ts(1_700_000_300_000))
        .await
        .expect("update");
    let moved = store
        .kms_alias(&account, &home, "alias/app")
        .await
        .expect("alias")
        .expect("exists");
    assert_eq!(
        moved,
        KmsAliasRecord {
            target_key_id: b.key_id.clone(),
            updated_at: ts(1_700_000_300_000),
            ..kms_alias(&a, "alias/app")
        }
    );
    expect_err(
        store
            .update_kms_alias(&account, &home, "alias/app", &ghost.key_id, ts(1))
            .await,
        "update to a missing key",
        "NotFound",
    );
    expect_err(
        store
            .update_kms_alias(&account, &home, "alias/none", &a.key_id, ts(1))
            .await,
        "update of a missing alias",
        "NotFound",
    );
    assert_eq!(
        store
            .kms_alias(&account, &home, "alias/app")
            .await
            .expect("alias"),
        Some(moved)
    );
    // Another region's alias of the same name is another alias.
    expect_err(
        store
            .delete_kms_alias(&account, &region("eu-west-1"), "alias/app")
            .await,
        "delete in another region",
        "NotFound",
    );
    store
        .delete_kms_alias(&account, &home, "alias/app")
        .await
        .expect("delete");
    assert_eq!(
        store
            .kms_alias(&account, &home, "alias/app")
            .await
            .expect("alias"),
        None
    );
    expect_err(
        store.delete_kms_alias(&account, &home, "alias/app").await,
        "second delete",
        "NotFound",
    );
    assert_eq!(read(store, &b.key_id).await, Some(b));
}

pub async fn kms_aliases_list_in_name_order_with_filter(store: &dyn Store) {
    let a = kms_key(1, 1, "us-east-1");
    let b = kms_key(2, 1, "us-east-1");
    let elsewhere = kms_key(3, 1, "eu-west-1");
    for key in [&a, &b, &elsewhere] {
        create(store, key).await;
    }
    for (key, name) in [
        (&a, "alias/b"),
        (&b, "alias/a"),
        (&a, "alias/C"),
        (&b, "alias/c-2"),
        (&a, "alias/aws/x"),
        (&elsewhere, "alias/a"),
    ] {
        store
            .create_kms_alias(&kms_alias(key, name))
            .await
            .expect("create alias");
    }
    let (account, home) = (a.account_id.clone(), a.region.clone());
    assert_eq!(
        alias_names(store, &account, &home, None, None, 100).await,
        ["alias/C", "alias/a", "alias/aws/x", "alias/b", "alias/c-2"]
    );
    assert_eq!(
        alias_names(store, &account, &home, None, None, 2).await,
        ["alias/C", "alias/a"]
    );
    assert_eq!(
        alias_names(store, &account, &home, None, Some("alias/a"), 2).await,
        ["alias/aws/x", "alias/b"]
    );
    assert_eq!(
        alias_names(store, &account, &home, Some(&a.key_id), None, 100).await,
        ["alias/C", "alias/aws/x", "alias/b"]
    );
    assert_eq!(
        alias_names(store, &account, &home, Some(&a.key_id), Some("alias/aws/x"), 100).await,
        ["alias/b"]
    );
    assert_eq!(
        alias_names(store, &account, &region("eu-west-1"), None, None, 100).await,
        ["alias/a"]
    );
    assert!(
        alias_names(store, &account_id(2), &home, None, None, 100)
            .await
            .is_empty()
    );
}

pub async fn kms_keys_list_in_pages_per_account_and_region(store: &dyn Store) {
    // Created out of order; listed by key id.
    for n in [5, 1, 4, 2, 3] {
        create(store, &kms_key(n, 1, "us-east-1")).await;
    }
    create(store, &kms_key(10, 1, "eu-west-1")).await;
    create(store, &kms_key(11, 2, "us-east-1")).await;
    let account = account_id(1);
    let us = region("us-east-1");
    let page = |after: Option<String>, limit: u32| {
        let (account, us) = (account.clone(), us.clone());
        async move {
            store
                .list_kms_keys(&account, &us, after.as_deref(), limit)
                .await
                .expect("list_kms_keys")
                .into_iter()
                .map(|k| k.key_id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(page(None, 2).await, [kms_key_id(1), kms_key_id(2)]);
    assert_eq!(page(Some(kms_key_id(2)), 2).await, [kms_key_id(3), kms_key_id(4)]);
    assert_eq!(page(Some(kms_key_id(4)), 2).await, [kms_key_id(5)]);
    assert!(page(Some(kms_key_id(5)), 2).await.is_empty());
    let all = store.list_kms_keys(&account, &us, None, 100).await.expect("list");
    assert_eq!(all.len(), 5);
    assert_eq!(all[0], kms_key(1, 1, "us-east-1"));
    assert_eq!(
        store
            .list_kms_keys(&account, &region("eu-west-1"), None, 100)
            .await
            .expect("list")
            .len(),
        1
    );
}

pub async fn kms_due_for_deletion_and_rotation(store: &dyn Store) {
    let now = ts(1_800_000_000_000);
    let at = |offset_ms: i64| -> OffsetDateTime { ts(1_800_000_000_000 + offset_ms) };

    let mut due_later = kms_key(1, 1, "us-east-1");
    due_later.state = KmsKeyState::PendingDeletion;
    due_later.deletion_date = Some(at(0));
    let mut due_sooner = kms_key(2, 1, "eu-west-1");
    due_sooner.state = KmsKeyState::PendingDeletion;
    due_sooner.deletion_date = Some(at(-5_000));
    let mut not_yet = kms_key(3, 2, "us-east-1");
    not_yet.state = KmsKeyState::PendingDeletion;
    not_yet.deletion_date = Some(at(1));

    let mut rotate_due = kms_key(4, 1, "us-east-1");
    rotate_due.rotation_enabled = true;
    rotate_due.rotation_period_days = Some(90);
    rotate_due.next_rotation_at = Some(at(-1));
    let mut rotate_disabled_key = rotate_due.clone();
    rotate_disabled_key.key_id = kms_key_id(5);
    rotate_disabled_key.arn = format!("{}-5", rotate_due.arn);
    rotate_disabled_key.state = KmsKeyState::Disabled;
    let mut rotate_later = kms_key(6, 1, "us-east-1");
    rotate_later.rotation_enabled = true;
    rotate_later.rotation_period_days = Some(90);
    rotate_later.next_rotation_at = Some(at(1));
    let mut rotation_off = kms_key(7, 1, "us-east-1");
    rotation_off.next_rotation_at = Some(at(-10));
    let mut rotate_first = kms_key(8, 1, "us-east-1");
    rotate_first.rotation_enabled = true;
    rotate_first.rotation_period_days = Some(365);
    rotate_first.next_rotation_at = Some(at(-100));

    for key in [
        &due_later,
        &due_sooner,
        &not_yet,
        &rotate_due,
        &rotate_disabled_key,
        &rotate_later,
        &rotation_off,
        &rotate_first,
    ] {
        create(store, key).await;
    }

    let deletions: Vec<String> = store
        .kms_keys_due_for_deletion(now, 10)
        .await
        .expect("due for deletion")
        .into_iter()
        .map(|k| k.key_id)
        .collect();
    assert_eq!(deletions, [due_sooner.key_id.clone(), due_later.key_id.clone()]);
    assert_eq!(
        store
            .kms_keys_due_for_deletion(now, 1)
            .await
            .expect("limited")
            .len(),
        1
    );

    let rotations = store
        .kms_keys_due_for_rotation(now, 10)
        .await
        .expect("due for rotation");
    assert_eq!(rotations, [rotate_first.clone(), rotate_due.clone()]);
    assert_eq!(
        store.kms_keys_due_for_rotation(now, 1).await.expect("limited"),
        [rotate_first]
    );
}

pub async fn kms_delete_removes_versions_and_aliases(store: &dyn Store) {
    let key = kms_key(1, 1, "us-east-1");
    let other = kms_key(2, 1, "us-east-1");
    create(store, &key).await;
    create(store, &other).await;
    let mut rotated = next(&key);
    rotated.current_version = 2;
    store
        .update_kms_key(&rotated, 1, Some(&kms_version(&key, 2)))
        .await
        .expect("rotate");
    store
        .create_kms_alias(&kms_alias(&key, "alias/one"))
        .await
        .expect("alias one");
    store
        .create_kms_alias(&kms_alias(&key, "alias/two"))
        .await
        .expect("alias two");
    store
        .create_kms_alias(&kms_alias(&other, "alias/other"))
        .await
        .expect("alias other");

    expect_err(
        store.delete_kms_key(&key.key_id, 1).await,
        "delete at a stale revision",
        "Conflict",
    );
    assert_eq!(read(store, &key.key_id).await, Some(rotated));

    store.delete_kms_key(&key.key_id, 2).await.expect("delete");
    assert_eq!(read(store, &key.key_id).await, None);
    for version in [1, 2] {
        assert_eq!(
            store
                .kms_key_version(&key.key_id, version)
                .await
                .expect("version"),
            None
        );
    }
    assert_eq!(
        alias_names(store, &key.account_id, &key.region, None, None, 100).await,
        ["alias/other"]
    );
    expect_err(
        store.delete_kms_key(&key.key_id, 2).await,
        "second delete",
        "NotFound",
    );
    assert_eq!(read(store, &other.key_id).await, Some(other.clone()));
    assert!(
        store
            .kms_key_version(&other.key_id, 1)
            .await
            .expect("version")
            .is_some()
    );
    // The key id may be used again once purged (not that the service ever would).
    create(store, &key).await;
}

pub async fn kms_unknown_records_are_none(store: &dyn Store) {
    let account = account_id(1);
    let us = region("us-east-1");
    assert_eq!(read(store, &kms_key_id(1)).await, None);
    assert_eq!(
        store.kms_key_version(&kms_key_id(1), 1).await.expect("version"),
        None
    );
    assert_eq!(
        store.kms_alias(&account, &us, "alias/x").await.expect("alias"),
        None
    );
    assert!(
        store
            .list_kms_keys(&account, &us, None, 10)
            .await
            .expect("list")
            .is_empty()
    );
    assert!(alias_names(store, &account, &us, None, None, 10).await.is_empty());
    assert!(
        store
            .kms_keys_due_for_deletion(ts(i64::from(i32::MAX) * 1000), 10)
            .await
            .expect("due")
            .is_empty()
    );
}
