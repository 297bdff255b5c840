//! Conformance cases for the IAM store, run by every backend through
//! [`iam_conformance_suite!`](crate::iam_conformance_suite), which works like
//! [`conformance_suite!`](crate::conformance_suite):
//!
//! ```ignore
//! strongroom_store::iam_conformance_suite!(fixture = my_fixture());
//! ```

use strongroom_types::AccessKeyId;

use super::{BoxFuture, account, account_id, boxed, join_all, root_key, sealed, ts};
use crate::iam::{IamUserRecord, KeyCreation, Tag, UserDeletion};
use crate::{AccessKeyOwner, AccessKeyRecord, AccessKeyStatus, Store, StoreError};

/// Expands to one `#[tokio::test]` per IAM conformance case; the arguments are those of
/// [`conformance_suite!`](crate::conformance_suite).
#[macro_export]
macro_rules! iam_conformance_suite {
    (fixture = $make:expr $(,)?) => {
        $crate::__iam_conformance_cases! {
            $make;
            iam_user_round_trips_and_names_ignore_case,
            iam_users_list_by_path_in_pages,
            iam_update_user_is_compare_and_set_and_carries_keys,
            iam_at_most_two_keys_per_user_under_concurrency,
            iam_delete_user_is_refused_while_it_has_keys_or_policies,
            iam_key_status_and_delete_touch_only_user_keys,
            iam_user_policies_round_trip,
        }
    };
    ($make:expr $(,)?) => {
        $crate::iam_conformance_suite!(
            fixture = async { ::core::option::Option::Some($crate::testkit::Plain($make.await)) }
        );
    };
}

/// Implementation detail of [`iam_conformance_suite!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __iam_conformance_cases {
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
                    $crate::testkit::iam::$case($crate::testkit::Fixture::store(&*shared)).await;
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

/// Creates account `n` (with a root key numbered `900 + n`).
pub async fn with_account(store: &dyn Store, n: u64) {
    store
        .bootstrap_account(&account(n), &root_key(n, 900 + n))
        .await
        .expect("bootstrap");
}

pub fn iam_user(account_n: u64, name: &str, path: &str, n: u32) -> IamUserRecord {
    IamUserRecord {
        account_id: account_id(account_n),
        user_id: format!("AIDA{n:017}"),
        name: name.to_owned(),
        path: path.to_owned(),
        created_at: ts(1_700_000_100_000 + i64::from(n)),
        tags: vec![
            Tag {
                key: "team".into(),
                value: "ünï".into(),
            },
            Tag {
                key: "a:b".into(),
                value: String::new(),
            },
        ],
        revision: 1,
    }
}

pub fn user_key(account_n: u64, user: &str, n: u64) -> AccessKeyRecord {
    AccessKeyRecord {
        access_key_id: format!("AKIA{:016}", 5_000 + n).parse().expect("key id"),
        account_id: account_id(account_n),
        owner: AccessKeyOwner::User(user.to_owned()),
        status: AccessKeyStatus::Active,
        sealed_secret: sealed(n as u8),
        created_at: ts(1_700_000_200_000 + n as i64),
    }
}

fn key_ids(keys: &[AccessKeyRecord]) -> Vec<AccessKeyId> {
    keys.iter().map(|k| k.access_key_id.clone()).collect()
}

// ---------------------------------------------------------------------------------------------------------
// Cases.

pub async fn iam_user_round_trips_and_names_ignore_case(store: &dyn Store) {
    with_account(store, 1).await;
    with_account(store, 2).await;
    let alice = iam_user(1, "Alice", "/eng/", 1);
    store.create_iam_user(&alice).await.unwrap();
    assert_eq!(
        store.iam_user(&account_id(1), "Alice").await.unwrap(),
        Some(alice.clone())
    );
    assert_eq!(
        store.iam_user(&account_id(1), "aLICE").await.unwrap(),
        Some(alice.clone())
    );
    assert_eq!(store.iam_user(&account_id(2), "Alice").await.unwrap(), None);
    assert_eq!(store.iam_user(&account_id(1), "Bob").await.unwrap(), None);

    // The name is taken whatever its case; the user id is unique across the store.
    let mut clash = iam_user(1, "ALICE", "/", 2);
    match store.create_iam_user(&clash).await {
        Err(StoreError::AlreadyExists) => {}
        other => panic!("same name: expected AlreadyExists, got {other:?}"),
    }
    clash.account_id = account_id(2);
    clash.user_id = alice.user_id.clone();
    match store.create_iam_user(&clash).await {
        Err(StoreError::AlreadyExists) => {}
        other => panic!("same id: expected AlreadyExists, got {other:?}"),
    }
    // Another account may have the same name.
    store
        .create_iam_user(&iam_user(2, "alice", "/", 3))
        .await
        .unwrap();
    assert_eq!(
        store.iam_user(&account_id(1), "alice").await.unwrap(),
        Some(alice)
    );
}

pub async fn iam_users_list_by_path_in_pages(store: &dyn Store) {
    with_account(store, 1).await;
    with_account(store, 2).await;
    for (i, (name, path)) in [
        ("carol", "/eng/"),
        ("Bob", "/"),
        ("dave", "/eng/ops/"),
        ("alice", "/eng/"),
        ("erin", "/sales/"),
    ]
    .iter()
    .enumerate()
    {
        store
            .create_iam_user(&iam_user(1, name, path, i as u32 + 1))
            .await
            .unwrap();
    }
    store
        .create_iam_user(&iam_user(2, "aaron", "/eng/", 10))
        .await
        .unwrap();
    let names = |users: Vec<IamUserRecord>| users.into_iter().map(|u| u.name).collect::<Vec<_>>();

    let all = store.iam_users(&account_id(1), "/", None, 100).await.unwrap();
    assert_eq!(names(all), ["alice", "Bob", "carol", "dave", "erin"]);
    let eng = store.iam_users(&account_id(1), "/eng/", None, 100).await.unwrap();
    assert_eq!(names(eng), ["alice", "carol", "dave"]);
    let first = store.iam_users(&account_id(1), "/", None, 2).await.unwrap();
    assert_eq!(names(first), ["alice", "Bob"]);
    let next = store
        .iam_users(&account_id(1), "/", Some("BOB"), 2)
        .await
        .unwrap();
    assert_eq!(names(next), ["carol", "dave"]);
    let last = store
        .iam_users(&account_id(1), "/", Some("dave"), 2)
        .await
        .unwrap();
    assert_eq!(names(last), ["erin"]);
    // `%` and `_` are plain characters in a prefix.
    let none = store.iam_users(&account_id(1), "/e%", None, 100).await.unwrap();
    assert!(none.is_empty());
}

pub async fn iam_update_user_is_compare_and_set_and_carries_keys(store: &dyn Store) {
    with_account(store, 1).await;
    store
        .create_iam_user(&iam_user(1, "alice", "/", 1))
        .await
        .unwrap();
    store.create_iam_user(&iam_user(1, "bob", "/", 2)).await.unwrap();
    let key = user_key(1, "alice", 1);
    assert_eq!(
        store.create_user_access_key("alice", &key, 2).await.unwrap(),
        KeyCreation::Created
    );

    let mut renamed = iam_user(1, "Alicia", "/new/", 1);
    renamed.tags = vec![Tag {
        key: "k".into(),
        value: "v".into(),
    }];
    renamed.revision = 2;
    store.update_iam_user(&renamed, 1).await.unwrap();
    assert_eq!(
        store.iam_user(&account_id(1), "alicia").await.unwrap(),
        Some(renamed.clone())
    );
    assert_eq!(store.iam_user(&account_id(1), "alice").await.unwrap(), None);
    let stored_key = store.access_key(&key.access_key_id).await.unwrap().unwrap();
    assert_eq!(stored_key.owner, AccessKeyOwner::User("Alicia".into()));
    assert_eq!(
        key_ids(&store.user_access_keys(&account_id(1), "ALICIA").await.unwrap()),
        std::slice::from_ref(&key.access_key_id)
    );

    // A stale revision changes nothing.
    let mut stale = renamed.clone();
    stale.path = "/stale/".into();
    stale.revision = 3;
    match store.update_iam_user(&stale, 1).await {
        Err(StoreError::Conflict) => {}
        other => panic!("stale revision: expected Conflict, got {other:?}"),
    }
    // Another user's name is taken.
    let mut taken = renamed.clone();
    taken.name = "BOB".into();
    taken.revision = 3;
    match store.update_iam_user(&taken, 2).await {
        Err(StoreError::AlreadyExists) => {}
        other => panic!("taken name: expected AlreadyExists, got {other:?}"),
    }
    let mut missing = iam_user(1, "zed", "/", 99);
    missing.revision = 2;
    match store.update_iam_user(&missing, 1).await {
        Err(StoreError::NotFound) => {}
        other => panic!("missing user: expected NotFound, got {other:?}"),
    }
    assert_eq!(
        store.iam_user(&account_id(1), "alicia").await.unwrap(),
        Some(renamed)
    );
}

pub async fn iam_at_most_two_keys_per_user_under_concurrency(store: &dyn Store) {
    with_account(store, 1).await;
    store
        .create_iam_user(&iam_user(1, "alice", "/", 1))
        .await
        .unwrap();
    let keys: Vec<AccessKeyRecord> = (1..=6).map(|n| user_key(1, "ALICE", n)).collect();
    let futures: Vec<BoxFuture<'_, Result<KeyCreation, StoreError>>> = keys
        .iter()
        .map(|key| boxed(store.create_user_access_key("alice", key, 2)))
        .collect();
    let outcomes = join_all(futures).await;
    let created = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(KeyCreation::Created)))
        .count();
    let refused = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(KeyCreation::LimitExceeded)))
        .count();
    assert_eq!((created, refused), (2, 4), "{outcomes:?}");
    let stored = store.user_access_keys(&account_id(1), "alice").await.unwrap();
    assert_eq!(stored.len(), 2);
    // The owner is the stored spelling of the name, whatever the caller passed.
    assert!(
        stored
            .iter()
            .all(|k| k.owner == AccessKeyOwner::User("alice".into()))
    );
    // No user, no key.
    match store
        .create_user_access_key("nobody", &user_key(1, "nobody", 9), 2)
        .await
    {
        Err(StoreError::NotFound) => {}
        other => panic!("missing user: expected NotFound, got {other:?}"),
    }
}

pub async fn iam_delete_user_is_refused_while_it_has_keys_or_policies(store: &dyn Store) {
    with_account(store, 1).await;
    store
        .create_iam_user(&iam_user(1, "alice", "/", 1))
        .await
        .unwrap();
    let key = user_key(1, "alice", 1);
    store.create_user_access_key("alice", &key, 2).await.unwrap();
    store
        .put_user_policy(&account_id(1), "alice", "p", "{}")
        .await
        .unwrap();

    assert_eq!(
        store.delete_iam_user(&account_id(1), "alice").await.unwrap(),
        UserDeletion::HasAccessKeys
    );
    store
        .delete_access_key(&account_id(1), &key.access_key_id)
        .await
        .unwrap();
    assert_eq!(
        store.delete_iam_user(&account_id(1), "alice").await.unwrap(),
        UserDeletion::HasPolicies
    );
    assert!(store.iam_user(&account_id(1), "alice").await.unwrap().is_some());
    store
        .delete_user_policy(&account_id(1), "alice", "p")
        .await
        .unwrap();
    assert_eq!(
        store.delete_iam_user(&account_id(1), "ALICE").await.unwrap(),
        UserDeletion::Deleted
    );
    assert_eq!(store.iam_user(&account_id(1), "alice").await.unwrap(), None);
    match store.delete_iam_user(&account_id(1), "alice").await {
        Err(StoreError::NotFound) => {}
        other => panic!("deleted user: expected NotFound, got {other:?}"),
    }
    // The name is free again.
    store
        .create_iam_user(&iam_user(1, "alice", "/", 2))
        .await
        .unwrap();
}

pub async fn iam_key_status_and_delete_touch_only_user_keys(store: &dyn Store) {
    with_account(store, 1).await;
    with_account(store, 2).await;
    store
        .create_iam_user(&iam_user(1, "alice", "/", 1))
        .await
        .unwrap();
    let a = user_key(1, "alice", 1);
    let b = user_key(1, "alice", 2);
    store.create_user_access_key("alice", &a, 2).await.unwrap();
    store.create_user_access_key("alice", &b, 2).await.unwrap();
    assert_eq!(
        key_ids(&store.user_access_keys(&account_id(1), "alice").await.unwrap()),
        [a.access_key_id.clone(), b.access_key_id.clone()]
    );

    store
        .set_access_key_status(&account_id(1), &a.access_key_id, AccessKeyStatus::Inactive)
        .await
        .unwrap();
    let read = store.access_key(&a.access_key_id).await.unwrap().unwrap();
    assert_eq!(read.status, AccessKeyStatus::Inactive);
    assert_eq!(read.sealed_secret, a.sealed_secret);

    let not_found = |result: Result<(), StoreError>, what: &str| match result {
        Err(StoreError::NotFound) => {}
        other => panic!("{what}: expected NotFound, got {other:?}"),
    };
    // Another account's key, and the root user's key, are not reachable here.
    not_found(
        store
            .set_access_key_status(&account_id(2), &a.access_key_id, AccessKeyStatus::Active)
            .await,
        "other account",
    );
    let root = root_key(1, 901).access_key_id;
    not_found(
        store
            .set_access_key_status(&account_id(1), &root, AccessKeyStatus::Inactive)
            .await,
        "root key",
    );
    not_found(
        store.delete_access_key(&account_id(1), &root).await,
        "delete root key",
    );
    not_found(
        store.delete_access_key(&account_id(2), &b.access_key_id).await,
        "delete other account",
    );
    assert_eq!(
        store.access_key(&root).await.unwrap().unwrap().status,
        AccessKeyStatus::Active
    );

    store
        .delete_access_key(&account_id(1), &a.access_key_id)
        .await
        .unwrap();
    assert_eq!(store.access_key(&a.access_key_id).await.unwrap(), None);
    not_found(
        store.delete_access_key(&account_id(1), &a.access_key_id).await,
        "deleted key",
    );
    assert_eq!(
        key_ids(&store.user_access_keys(&account_id(1), "alice").await.unwrap()),
        [b.access_key_id]
    );
    match store.user_access_keys(&account_id(1), "nobody").await {
        Err(StoreError::NotFound) => {}
        other => panic!("missing user: expected NotFound, got {other:?}"),
    }
}

pub async fn iam_user_policies_round_trip(store: &dyn Store) {
    with_account(store, 1).await;
    store
        .create_iam_user(&iam_user(1, "alice", "/", 1))
        .await
        .unwrap();
    store.create_iam_user(&iam_user(1, "bob", "/", 2)).await.unwrap();
    let account = account_id(1);
    store
        .put_user_policy(&account, "alice", "zeta", "{\"z\":1}")
        .await
        .unwrap();
    store
        .put_user_policy(&account, "ALICE", "alpha", "{\"a\":1}")
        .await
        .unwrap();
    store
        .put_user_policy(&account, "alice", "alpha", "{\"a\":2}")
        .await
        .unwrap();
    store
        .put_user_policy(&account, "bob", "alpha", "{\"b\":1}")
        .await
        .unwrap();
    assert_eq!(
        store
            .user_policy(&account, "alice", "alpha")
            .await
            .unwrap()
            .as_deref(),
        Some("{\"a\":2}")
    );
    assert_eq!(store.user_policy(&account, "alice", "nope").await.unwrap(), None);
    assert_eq!(
        store.user_policies(&account, "alice").await.unwrap(),
        [
            ("alpha".to_owned(), "{\"a\":2}".to_owned()),
            ("zeta".to_owned(), "{\"z\":1}".to_owned())
        ]
    );
    match store.put_user_policy(&account, "nobody", "p", "{}").await {
        Err(StoreError::NotFound) => {}
        other => panic!("missing user: expected NotFound, got {other:?}"),
    }
    match store.delete_user_policy(&account, "alice", "nope").await {
        Err(StoreError::NotFound) => {}
        other => panic!("missing policy: expected NotFound, got {other:?}"),
    }
    store
        .delete_user_policy(&account, "alice", "alpha")
        .await
        .unwrap();
    assert_eq!(store.user_policies(&account, "alice").await.unwrap().len(), 1);
    assert_eq!(store.user_policies(&account, "bob").await.unwrap().len(), 1);
}
