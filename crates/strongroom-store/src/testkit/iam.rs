//! Conformance cases for the IAM store, run by every backend through
//! [`iam_conformance_suite!`](crate::iam_conformance_suite), which works like
//! [`conformance_suite!`](crate::conformance_suite):
//!
//! ```ignore
//! strongroom_store::iam_conformance_suite!(fixture = my_fixture());
//! ```

use strongroom_types::AccessKeyId;

use super::{BoxFuture, account, account_id, boxed, join_all, root_key, sealed, ts};
use crate::iam::{
    AccessKeyUse, GroupDeletion, IamGroupRecord, IamRoleRecord, IamUserRecord, KeyCreation,
    ManagedPolicyRecord, PolicyDeletion, RoleDeletion, Tag, UserDeletion, VersionCreation, VersionDeletion,
};
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
            iam_managed_policy_versions_round_trip,
            iam_at_most_five_policy_versions_under_concurrency,
            iam_policy_attachments_and_identity_documents,
            iam_groups_members_policies_and_identity_documents,
            iam_roles_policies_and_identity_documents,
            iam_update_role_is_compare_and_set,
            iam_permissions_boundaries_round_trip_and_block_policy_deletion,
            iam_access_key_use_only_moves_forward,
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
        permissions_boundary: None,
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

pub fn managed_policy(account_n: u64, name: &str, path: &str, n: u32) -> ManagedPolicyRecord {
    ManagedPolicyRecord {
        account_id: account_id(account_n),
        policy_id: format!("ANPA{n:017}"),
        name: name.to_owned(),
        path: path.to_owned(),
        description: (n % 2 == 1).then(|| format!("döc {n}")),
        created_at: ts(1_700_000_300_000 + i64::from(n)),
        updated_at: ts(1_700_000_300_000 + i64::from(n)),
        default_version: 1,
        tags: vec![Tag {
            key: "k".into(),
            value: "ü".into(),
        }],
        attachment_count: 0,
    }
}

fn policy_names(policies: &[ManagedPolicyRecord]) -> Vec<&str> {
    policies.iter().map(|p| p.name.as_str()).collect()
}

pub async fn iam_managed_policy_versions_round_trip(store: &dyn Store) {
    with_account(store, 1).await;
    with_account(store, 2).await;
    let account = account_id(1);
    let read = managed_policy(1, "Read", "/team/", 1);
    store.create_managed_policy(&read, "{\"v\":1}").await.unwrap();
    store
        .create_managed_policy(&managed_policy(1, "write", "/", 2), "{}")
        .await
        .unwrap();
    store
        .create_managed_policy(&managed_policy(1, "admin", "/team/x/", 3), "{}")
        .await
        .unwrap();
    // Another account may use the same name.
    store
        .create_managed_policy(&managed_policy(2, "read", "/", 4), "{}")
        .await
        .unwrap();
    match store
        .create_managed_policy(&managed_policy(1, "READ", "/", 5), "{}")
        .await
    {
        Err(StoreError::AlreadyExists) => {}
        other => panic!("duplicate name: expected AlreadyExists, got {other:?}"),
    }
    assert_eq!(
        store.managed_policy(&account, "rEaD").await.unwrap(),
        Some(read.clone())
    );
    assert_eq!(store.managed_policy(&account, "nope").await.unwrap(), None);
    let all = store
        .managed_policies(&account, "/", false, None, 10)
        .await
        .unwrap();
    assert_eq!(policy_names(&all), ["admin", "Read", "write"]);
    let team = store
        .managed_policies(&account, "/team/", false, None, 10)
        .await
        .unwrap();
    assert_eq!(policy_names(&team), ["admin", "Read"]);
    let page = store
        .managed_policies(&account, "/", false, Some("ADMIN"), 1)
        .await
        .unwrap();
    assert_eq!(policy_names(&page), ["Read"]);

    // Versions: numbers grow and are never reused; at most five.
    for n in 2..=5 {
        assert_eq!(
            store
                .create_policy_version(
                    &account,
                    "read",
                    &format!("{{\"v\":{n}}}"),
                    n == 3,
                    ts(2_000 + i64::from(n)),
                    5
                )
                .await
                .unwrap(),
            VersionCreation::Created(n)
        );
    }
    assert_eq!(
        store
            .create_policy_version(&account, "read", "{}", false, ts(3_000), 5)
            .await
            .unwrap(),
        VersionCreation::LimitExceeded
    );
    let stored = store.managed_policy(&account, "read").await.unwrap().unwrap();
    assert_eq!((stored.default_version, stored.updated_at), (3, ts(2_003)));
    let version = store.policy_version(&account, "read", 4).await.unwrap().unwrap();
    assert_eq!(
        (version.version, version.document.as_str(), version.created_at),
        (4, "{\"v\":4}", ts(2_004))
    );
    assert_eq!(store.policy_version(&account, "read", 9).await.unwrap(), None);
    assert_eq!(
        store.delete_policy_version(&account, "read", 3).await.unwrap(),
        VersionDeletion::IsDefault
    );
    assert_eq!(
        store.delete_policy_version(&account, "read", 2).await.unwrap(),
        VersionDeletion::Deleted
    );
    match store.delete_policy_version(&account, "read", 2).await {
        Err(StoreError::NotFound) => {}
        other => panic!("deleted version: expected NotFound, got {other:?}"),
    }
    assert_eq!(
        store
            .create_policy_version(&account, "read", "{}", false, ts(3_000), 5)
            .await
            .unwrap(),
        VersionCreation::Created(6)
    );
    let numbers: Vec<u32> = store
        .policy_versions(&account, "read")
        .await
        .unwrap()
        .iter()
        .map(|v| v.version)
        .collect();
    assert_eq!(numbers, [1, 3, 4, 5, 6]);
    store
        .set_default_policy_version(&account, "read", 1, ts(4_000))
        .await
        .unwrap();
    let stored = store.managed_policy(&account, "read").await.unwrap().unwrap();
    assert_eq!((stored.default_version, stored.updated_at), (1, ts(4_000)));
    match store
        .set_default_policy_version(&account, "read", 2, ts(4_000))
        .await
    {
        Err(StoreError::NotFound) => {}
        other => panic!("missing version: expected NotFound, got {other:?}"),
    }
    match store.policy_versions(&account, "nope").await {
        Err(StoreError::NotFound) => {}
        other => panic!("missing policy: expected NotFound, got {other:?}"),
    }
    match store
        .create_policy_version(&account, "nope", "{}", true, ts(1), 5)
        .await
    {
        Err(StoreError::NotFound) => {}
        other => panic!("missing policy: expected NotFound, got {other:?}"),
    }

    // A policy with versions besides its default is not deleted.
    assert_eq!(
        store.delete_managed_policy(&account, "read").await.unwrap(),
        PolicyDeletion::HasVersions
    );
    for n in [3, 4, 5, 6] {
        store.delete_policy_version(&account, "read", n).await.unwrap();
    }
    assert_eq!(
        store.delete_managed_policy(&account, "READ").await.unwrap(),
        PolicyDeletion::Deleted
    );
    assert_eq!(store.managed_policy(&account, "read").await.unwrap(), None);
    match store.delete_managed_policy(&account, "read").await {
        Err(StoreError::NotFound) => {}
        other => panic!("deleted policy: expected NotFound, got {other:?}"),
    }
    assert!(
        store
            .managed_policy(&account_id(2), "read")
            .await
            .unwrap()
            .is_some()
    );
    // The name is free again.
    store
        .create_managed_policy(&managed_policy(1, "read", "/", 6), "{}")
        .await
        .unwrap();
}

pub async fn iam_at_most_five_policy_versions_under_concurrency(store: &dyn Store) {
    with_account(store, 1).await;
    let account = account_id(1);
    store
        .create_managed_policy(&managed_policy(1, "p", "/", 1), "{}")
        .await
        .unwrap();
    let documents: Vec<String> = (0..8).map(|n| format!("{{\"n\":{n}}}")).collect();
    let futures: Vec<BoxFuture<'_, Result<VersionCreation, StoreError>>> = documents
        .iter()
        .map(|doc| boxed(store.create_policy_version(&account, "p", doc, true, ts(5), 5)))
        .collect();
    let outcomes = join_all(futures).await;
    let mut created: Vec<u32> = outcomes
        .iter()
        .filter_map(|o| match o {
            Ok(VersionCreation::Created(n)) => Some(*n),
            _ => None,
        })
        .collect();
    created.sort_unstable();
    let refused = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(VersionCreation::LimitExceeded)))
        .count();
    assert_eq!((created, refused), (vec![2, 3, 4, 5], 4), "{outcomes:?}");
    assert_eq!(store.policy_versions(&account, "p").await.unwrap().len(), 5);
}

pub async fn iam_policy_attachments_and_identity_documents(store: &dyn Store) {
    with_account(store, 1).await;
    let account = account_id(1);
    for (n, name) in [(1, "alice"), (2, "bob")] {
        store.create_iam_user(&iam_user(1, name, "/", n)).await.unwrap();
    }
    store
        .create_managed_policy(&managed_policy(1, "Zed", "/", 1), "{\"zed\":1}")
        .await
        .unwrap();
    store
        .create_managed_policy(&managed_policy(1, "amp", "/", 2), "{\"amp\":1}")
        .await
        .unwrap();
    store
        .create_managed_policy(&managed_policy(1, "idle", "/", 3), "{}")
        .await
        .unwrap();
    store
        .put_user_policy(&account, "alice", "inline", "{\"inline\":1}")
        .await
        .unwrap();
    assert_eq!(
        store
            .user_identity_policy_documents(&account, "alice")
            .await
            .unwrap(),
        [("user/alice/inline/inline".to_owned(), "{\"inline\":1}".to_owned())]
    );
    assert_eq!(
        store
            .user_identity_policy_documents(&account, "bob")
            .await
            .unwrap(),
        Vec::<(String, String)>::new()
    );

    store.attach_user_policy(&account, "ALICE", "zed").await.unwrap();
    store.attach_user_policy(&account, "alice", "Zed").await.unwrap();
    store.attach_user_policy(&account, "alice", "amp").await.unwrap();
    store.attach_user_policy(&account, "bob", "zed").await.unwrap();
    let zed = store.managed_policy(&account, "zed").await.unwrap().unwrap();
    assert_eq!(zed.attachment_count, 2);
    let attached = store.attached_user_policies(&account, "alice").await.unwrap();
    assert_eq!(policy_names(&attached), ["amp", "Zed"]);
    assert_eq!(attached[1].attachment_count, 2);
    let only_attached = store
        .managed_policies(&account, "/", true, None, 10)
        .await
        .unwrap();
    assert_eq!(policy_names(&only_attached), ["amp", "Zed"]);

    store
        .create_policy_version(&account, "zed", "{\"zed\":2}", true, ts(9), 5)
        .await
        .unwrap();
    store
        .create_policy_version(&account, "amp", "{\"amp\":2}", false, ts(9), 5)
        .await
        .unwrap();
    assert_eq!(
        store
            .user_identity_policy_documents(&account, "Alice")
            .await
            .unwrap(),
        [
            ("user/alice/inline/inline".to_owned(), "{\"inline\":1}".to_owned()),
            ("policy/Zed/v2".to_owned(), "{\"zed\":2}".to_owned()),
            ("policy/amp/v1".to_owned(), "{\"amp\":1}".to_owned()),
        ]
    );

    // Refusals while attached.
    assert_eq!(
        store.delete_managed_policy(&account, "idle").await.unwrap(),
        PolicyDeletion::Deleted
    );
    store.delete_policy_version(&account, "amp", 2).await.unwrap();
    assert_eq!(
        store.delete_managed_policy(&account, "amp").await.unwrap(),
        PolicyDeletion::Attached
    );
    assert_eq!(
        store.delete_iam_user(&account, "bob").await.unwrap(),
        UserDeletion::HasAttachedPolicies
    );

    // Detaching.
    store.detach_user_policy(&account, "bob", "ZED").await.unwrap();
    match store.detach_user_policy(&account, "bob", "zed").await {
        Err(StoreError::NotFound) => {}
        other => panic!("not attached: expected NotFound, got {other:?}"),
    }
    assert_eq!(
        store.delete_iam_user(&account, "bob").await.unwrap(),
        UserDeletion::Deleted
    );
    assert_eq!(
        store
            .managed_policy(&account, "zed")
            .await
            .unwrap()
            .unwrap()
            .attachment_count,
        1
    );
    store.detach_user_policy(&account, "alice", "amp").await.unwrap();
    assert_eq!(
        store.delete_managed_policy(&account, "amp").await.unwrap(),
        PolicyDeletion::Deleted
    );
    assert_eq!(
        store
            .user_identity_policy_documents(&account, "alice")
            .await
            .unwrap(),
        [
            ("user/alice/inline/inline".to_owned(), "{\"inline\":1}".to_owned()),
            ("policy/Zed/v2".to_owned(), "{\"zed\":2}".to_owned()),
        ]
    );

    // Missing user or policy.
    for outcome in [
        store.attach_user_policy(&account, "nobody", "zed").await,
        store.attach_user_policy(&account, "alice", "nope").await,
        store.detach_user_policy(&account, "nobody", "zed").await,
    ] {
        match outcome {
            Err(StoreError::NotFound) => {}
            other => panic!("expected NotFound, got {other:?}"),
        }
    }
    match store.attached_user_policies(&account, "nobody").await {
        Err(StoreError::NotFound) => {}
        other => panic!("missing user: expected NotFound, got {other:?}"),
    }
    match store.user_identity_policy_documents(&account, "nobody").await {
        Err(StoreError::NotFound) => {}
        other => panic!("missing user: expected NotFound, got {other:?}"),
    }
}

pub fn iam_group(account_n: u64, name: &str, path: &str, n: u32) -> IamGroupRecord {
    IamGroupRecord {
        account_id: account_id(account_n),
        group_id: format!("AGPA{n:017}"),
        name: name.to_owned(),
        path: path.to_owned(),
        created_at: ts(1_700_000_400_000 + i64::from(n)),
    }
}

pub async fn iam_groups_members_policies_and_identity_documents(store: &dyn Store) {
    with_account(store, 1).await;
    let account = account_id(1);
    for (n, name) in [(1, "alice"), (2, "bob")] {
        store.create_iam_user(&iam_user(1, name, "/", n)).await.unwrap();
    }
    let devs = iam_group(1, "Devs", "/eng/", 1);
    store.create_iam_group(&devs).await.unwrap();
    store
        .create_iam_group(&iam_group(1, "ops", "/", 2))
        .await
        .unwrap();
    match store.create_iam_group(&iam_group(1, "DEVS", "/", 3)).await {
        Err(StoreError::AlreadyExists) => {}
        other => panic!("duplicate group: expected AlreadyExists, got {other:?}"),
    }
    assert_eq!(
        store.iam_group(&account, "devs").await.unwrap(),
        Some(devs.clone())
    );
    let names = |groups: &[IamGroupRecord]| groups.iter().map(|g| g.name.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&store.iam_groups(&account, "/", None, 10).await.unwrap()),
        ["Devs", "ops"]
    );
    assert_eq!(
        names(&store.iam_groups(&account, "/eng/", None, 10).await.unwrap()),
        ["Devs"]
    );
    assert_eq!(
        names(&store.iam_groups(&account, "/", Some("devs"), 10).await.unwrap()),
        ["ops"]
    );

    // Membership: idempotent, case-insensitive names, listed both ways.
    store.add_user_to_group(&account, "devs", "ALICE").await.unwrap();
    store.add_user_to_group(&account, "Devs", "alice").await.unwrap();
    store.add_user_to_group(&account, "devs", "bob").await.unwrap();
    store.add_user_to_group(&account, "ops", "alice").await.unwrap();
    let members: Vec<String> = store
        .group_members(&account, "devs")
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(members, ["alice", "bob"]);
    assert!(store.group_members(&account, "ops").await.unwrap().len() == 1);
    assert_eq!(
        names(&store.groups_for_user(&account, "alice").await.unwrap()),
        ["Devs", "ops"]
    );
    assert_eq!(
        names(&store.groups_for_user(&account, "bob").await.unwrap()),
        ["Devs"]
    );

    // Group policies join the members' identity policies; a managed policy attached twice counts once.
    store
        .put_group_policy(&account, "devs", "g", "{\"g\":1}")
        .await
        .unwrap();
    store
        .put_group_policy(&account, "devs", "g", "{\"g\":2}")
        .await
        .unwrap();
    assert_eq!(
        store
            .group_policy(&account, "DEVS", "g")
            .await
            .unwrap()
            .as_deref(),
        Some("{\"g\":2}")
    );
    assert_eq!(store.group_policy(&account, "devs", "nope").await.unwrap(), None);
    assert_eq!(
        store.group_policies(&account, "devs").await.unwrap(),
        [("g".to_owned(), "{\"g\":2}".to_owned())]
    );
    assert!(store.group_policies(&account, "ops").await.unwrap().is_empty());
    store
        .create_managed_policy(&managed_policy(1, "shared", "/", 1), "{\"m\":1}")
        .await
        .unwrap();
    store
        .attach_group_policy(&account, "devs", "shared")
        .await
        .unwrap();
    store
        .attach_group_policy(&account, "devs", "SHARED")
        .await
        .unwrap();
    store
        .attach_group_policy(&account, "ops", "shared")
        .await
        .unwrap();
    store
        .attach_user_policy(&account, "alice", "shared")
        .await
        .unwrap();
    assert_eq!(
        store
            .managed_policy(&account, "shared")
            .await
            .unwrap()
            .unwrap()
            .attachment_count,
        3
    );
    assert_eq!(
        policy_names(&store.attached_group_policies(&account, "devs").await.unwrap()),
        ["shared"]
    );
    store
        .put_user_policy(&account, "alice", "own", "{\"u\":1}")
        .await
        .unwrap();
    assert_eq!(
        store
            .user_identity_policy_documents(&account, "alice")
            .await
            .unwrap(),
        [
            ("user/alice/inline/own".to_owned(), "{\"u\":1}".to_owned()),
            ("group/Devs/inline/g".to_owned(), "{\"g\":2}".to_owned()),
            ("policy/shared/v1".to_owned(), "{\"m\":1}".to_owned()),
        ]
    );
    assert_eq!(
        store
            .user_identity_policy_documents(&account, "bob")
            .await
            .unwrap(),
        [
            ("group/Devs/inline/g".to_owned(), "{\"g\":2}".to_owned()),
            ("policy/shared/v1".to_owned(), "{\"m\":1}".to_owned()),
        ]
    );

    // Refusals.
    assert_eq!(
        store.delete_iam_group(&account, "devs").await.unwrap(),
        GroupDeletion::HasMembers
    );
    store
        .detach_user_policy(&account, "alice", "shared")
        .await
        .unwrap();
    store.delete_user_policy(&account, "alice", "own").await.unwrap();
    assert_eq!(
        store.delete_iam_user(&account, "bob").await.unwrap(),
        UserDeletion::InGroups
    );
    assert_eq!(
        store.delete_managed_policy(&account, "shared").await.unwrap(),
        PolicyDeletion::Attached
    );
    store
        .remove_user_from_group(&account, "devs", "bob")
        .await
        .unwrap();
    match store.remove_user_from_group(&account, "devs", "bob").await {
        Err(StoreError::NotFound) => {}
        other => panic!("no member: expected NotFound, got {other:?}"),
    }
    store
        .remove_user_from_group(&account, "devs", "alice")
        .await
        .unwrap();
    assert_eq!(
        store.delete_iam_group(&account, "devs").await.unwrap(),
        GroupDeletion::HasPolicies
    );
    store.delete_group_policy(&account, "devs", "g").await.unwrap();
    match store.delete_group_policy(&account, "devs", "g").await {
        Err(StoreError::NotFound) => {}
        other => panic!("deleted policy: expected NotFound, got {other:?}"),
    }
    assert_eq!(
        store.delete_iam_group(&account, "devs").await.unwrap(),
        GroupDeletion::HasAttachedPolicies
    );
    store
        .detach_group_policy(&account, "devs", "shared")
        .await
        .unwrap();
    match store.detach_group_policy(&account, "devs", "shared").await {
        Err(StoreError::NotFound) => {}
        other => panic!("not attached: expected NotFound, got {other:?}"),
    }
    assert_eq!(
        store.delete_iam_group(&account, "devs").await.unwrap(),
        GroupDeletion::Deleted
    );
    assert_eq!(store.iam_group(&account, "devs").await.unwrap(), None);
    assert_eq!(
        store.delete_iam_user(&account, "bob").await.unwrap(),
        UserDeletion::Deleted
    );
    // Alice still gets the managed policy through ops.
    assert_eq!(
        store
            .user_identity_policy_documents(&account, "alice")
            .await
            .unwrap(),
        [("policy/shared/v1".to_owned(), "{\"m\":1}".to_owned())]
    );

    // Missing group or user.
    for outcome in [
        store.delete_iam_group(&account, "devs").await.map(|_| ()),
        store.add_user_to_group(&account, "nope", "alice").await,
        store.add_user_to_group(&account, "ops", "nobody").await,
        store.put_group_policy(&account, "nope", "p", "{}").await,
        store.attach_group_policy(&account, "nope", "shared").await,
        store.attach_group_policy(&account, "ops", "nope").await,
        store.group_members(&account, "nope").await.map(|_| ()),
        store.groups_for_user(&account, "nobody").await.map(|_| ()),
        store.group_policies(&account, "nope").await.map(|_| ()),
        store.attached_group_policies(&account, "nope").await.map(|_| ()),
    ] {
        match outcome {
            Err(StoreError::NotFound) => {}
            other => panic!("expected NotFound, got {other:?}"),
        }
    }
}

pub fn iam_role(account_n: u64, name: &str, path: &str, n: u32) -> IamRoleRecord {
    IamRoleRecord {
        account_id: account_id(account_n),
        role_id: format!("AROA{n:017}"),
        name: name.to_owned(),
        path: path.to_owned(),
        description: (n % 2 == 1).then(|| "ünï role".to_owned()),
        assume_role_policy: format!("{{\"trust\":{n}}}"),
        max_session_duration: 3600 * n,
        created_at: ts(1_700_000_500_000 + i64::from(n)),
        tags: vec![Tag {
            key: "team".into(),
            value: "x".into(),
        }],
        permissions_boundary: None,
        revision: 1,
    }
}

pub async fn iam_roles_policies_and_identity_documents(store: &dyn Store) {
    with_account(store, 1).await;
    with_account(store, 2).await;
    let account = account_id(1);
    let deploy = iam_role(1, "Deploy", "/ci/", 1);
    store.create_iam_role(&deploy).await.unwrap();
    store
        .create_iam_role(&iam_role(1, "reader", "/", 2))
        .await
        .unwrap();
    store
        .create_iam_role(&iam_role(2, "deploy", "/", 3))
        .await
        .unwrap();
    for dup in [iam_role(1, "DEPLOY", "/", 4), iam_role(2, "other", "/", 1)] {
        match store.create_iam_role(&dup).await {
            Err(StoreError::AlreadyExists) => {}
            other => panic!("duplicate role: expected AlreadyExists, got {other:?}"),
        }
    }
    assert_eq!(
        store.iam_role(&account, "deploy").await.unwrap(),
        Some(deploy.clone())
    );
    assert_eq!(store.iam_role(&account, "nope").await.unwrap(), None);
    let names = |roles: &[IamRoleRecord]| roles.iter().map(|r| r.name.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&store.iam_roles(&account, "/", None, 10).await.unwrap()),
        ["Deploy", "reader"]
    );
    assert_eq!(
        names(&store.iam_roles(&account, "/ci/", None, 10).await.unwrap()),
        ["Deploy"]
    );
    assert_eq!(
        names(&store.iam_roles(&account, "/", None, 1).await.unwrap()),
        ["Deploy"]
    );
    assert_eq!(
        names(&store.iam_roles(&account, "/", Some("deploy"), 10).await.unwrap()),
        ["reader"]
    );

    store
        .update_role_trust_policy(&account, "DEPLOY", "{\"t\":2}")
        .await
        .unwrap();
    assert_eq!(
        store
            .iam_role(&account, "deploy")
            .await
            .unwrap()
            .unwrap()
            .assume_role_policy,
        "{\"t\":2}"
    );

    // Inline and attached policies, and the role's identity documents.
    store
        .put_role_policy(&account, "deploy", "b", "{\"b\":1}")
        .await
        .unwrap();
    store
        .put_role_policy(&account, "deploy", "a", "{\"a\":1}")
        .await
        .unwrap();
    store
        .put_role_policy(&account, "deploy", "a", "{\"a\":2}")
        .await
        .unwrap();
    assert_eq!(
        store
            .role_policy(&account, "Deploy", "a")
            .await
            .unwrap()
            .as_deref(),
        Some("{\"a\":2}")
    );
    assert_eq!(store.role_policy(&account, "deploy", "nope").await.unwrap(), None);
    assert_eq!(
        store.role_policies(&account, "deploy").await.unwrap(),
        [
            ("a".to_owned(), "{\"a\":2}".to_owned()),
            ("b".to_owned(), "{\"b\":1}".to_owned())
        ]
    );
    assert!(store.role_policies(&account, "reader").await.unwrap().is_empty());
    store
        .create_managed_policy(&managed_policy(1, "shared", "/", 1), "{\"m\":1}")
        .await
        .unwrap();
    store
        .attach_role_policy(&account, "deploy", "shared")
        .await
        .unwrap();
    store
        .attach_role_policy(&account, "DEPLOY", "SHARED")
        .await
        .unwrap();
    store
        .attach_role_policy(&account, "reader", "shared")
        .await
        .unwrap();
    assert_eq!(
        store
            .managed_policy(&account, "shared")
            .await
            .unwrap()
            .unwrap()
            .attachment_count,
        2
    );
    assert_eq!(
        policy_names(
            &store
                .managed_policies(&account, "/", true, None, 10)
                .await
                .unwrap()
        ),
        ["shared"]
    );
    assert_eq!(
        policy_names(&store.attached_role_policies(&account, "deploy").await.unwrap()),
        ["shared"]
    );
    assert_eq!(
        store
            .role_identity_policy_documents(&account, "deploy")
            .await
            .unwrap(),
        [
            ("role/Deploy/inline/a".to_owned(), "{\"a\":2}".to_owned()),
            ("role/Deploy/inline/b".to_owned(), "{\"b\":1}".to_owned()),
            ("policy/shared/v1".to_owned(), "{\"m\":1}".to_owned()),
        ]
    );
    assert_eq!(
        store
            .role_identity_policy_documents(&account, "reader")
            .await
            .unwrap(),
        [("policy/shared/v1".to_owned(), "{\"m\":1}".to_owned())]
    );
    assert_eq!(
        store.delete_managed_policy(&account, "shared").await.unwrap(),
        PolicyDeletion::Attached
    );

    // Refusals, then deletion.
    assert_eq!(
        store.delete_iam_role(&account, "deploy").await.unwrap(),
        RoleDeletion::HasPolicies
    );
    store.delete_role_policy(&account, "deploy", "a").await.unwrap();
    store.delete_role_policy(&account, "deploy", "b").await.unwrap();
    match store.delete_role_policy(&account, "deploy", "b").await {
        Err(StoreError::NotFound) => {}
        other => panic!("deleted policy: expected NotFound, got {other:?}"),
    }
    assert_eq!(
        store.delete_iam_role(&account, "deploy").await.unwrap(),
        RoleDeletion::HasAttachedPolicies
    );
    store
        .detach_role_policy(&account, "deploy", "shared")
        .await
        .unwrap();
    match store.detach_role_policy(&account, "deploy", "shared").await {
        Err(StoreError::NotFound) => {}
        other => panic!("not attached: expected NotFound, got {other:?}"),
    }
    assert!(
        store
            .attached_role_policies(&account, "deploy")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .role_identity_policy_documents(&account, "deploy")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.delete_iam_role(&account, "deploy").await.unwrap(),
        RoleDeletion::Deleted
    );
    assert_eq!(store.iam_role(&account, "deploy").await.unwrap(), None);
    // The other account's role of the same name is untouched.
    assert!(store.iam_role(&account_id(2), "deploy").await.unwrap().is_some());

    for outcome in [
        store.delete_iam_role(&account, "deploy").await.map(|_| ()),
        store.update_role_trust_policy(&account, "deploy", "{}").await,
        store.put_role_policy(&account, "nope", "p", "{}").await,
        store.delete_role_policy(&account, "nope", "p").await,
        store.attach_role_policy(&account, "nope", "shared").await,
        store.attach_role_policy(&account, "reader", "nope").await,
        store.detach_role_policy(&account, "nope", "shared").await,
        store.role_policies(&account, "nope").await.map(|_| ()),
        store.attached_role_policies(&account, "nope").await.map(|_| ()),
        store
            .role_identity_policy_documents(&account, "nope")
            .await
            .map(|_| ()),
    ] {
        match outcome {
            Err(StoreError::NotFound) => {}
            other => panic!("expected NotFound, got {other:?}"),
        }
    }
}

pub async fn iam_update_role_is_compare_and_set(store: &dyn Store) {
    with_account(store, 1).await;
    with_account(store, 2).await;
    let account = account_id(1);
    let role = iam_role(1, "Deploy", "/ci/", 1);
    store.create_iam_role(&role).await.unwrap();

    let mut next = role.clone();
    next.description = None;
    next.max_session_duration = 7200;
    next.tags = vec![Tag {
        key: "env".into(),
        value: "prod".into(),
    }];
    next.permissions_boundary = Some("arn:aws:iam::000000000001:policy/b".to_owned());
    next.revision = 2;
    // What the update does not change stays as stored even when the record says otherwise.
    let mut sent = next.clone();
    sent.assume_role_policy = "{\"ignored\":true}".to_owned();
    store.update_iam_role(&sent, 1).await.unwrap();
    assert_eq!(
        store.iam_role(&account, "deploy").await.unwrap(),
        Some(next.clone())
    );

    // A stale revision changes nothing.
    let mut stale = next.clone();
    stale.description = Some("lost".to_owned());
    stale.revision = 2;
    match store.update_iam_role(&stale, 1).await {
        Err(StoreError::Conflict) => {}
        other => panic!("stale revision: expected Conflict, got {other:?}"),
    }
    assert_eq!(
        store.iam_role(&account, "deploy").await.unwrap(),
        Some(next.clone())
    );

    // A trust policy change moves the revision too, so an update read before it loses.
    store
        .update_role_trust_policy(&account, "deploy", "{\"t\":3}")
        .await
        .unwrap();
    let after_trust = store.iam_role(&account, "deploy").await.unwrap().unwrap();
    assert_eq!(after_trust.revision, 3);
    assert_eq!(after_trust.assume_role_policy, "{\"t\":3}");
    let mut late = next.clone();
    late.revision = 3;
    match store.update_iam_role(&late, 2).await {
        Err(StoreError::Conflict) => {}
        other => panic!("update after a trust change: expected Conflict, got {other:?}"),
    }
    let mut cleared = after_trust.clone();
    cleared.permissions_boundary = None;
    cleared.revision = 4;
    store.update_iam_role(&cleared, 3).await.unwrap();
    assert_eq!(store.iam_role(&account, "deploy").await.unwrap(), Some(cleared));

    // Missing roles, and a role id of another account.
    let mut missing = iam_role(1, "nope", "/", 7);
    missing.revision = 2;
    let mut foreign = iam_role(2, "Deploy", "/ci/", 1);
    foreign.revision = 5;
    for record in [missing, foreign] {
        match store.update_iam_role(&record, 1).await {
            Err(StoreError::NotFound) => {}
            other => panic!("expected NotFound, got {other:?}"),
        }
    }
}

pub async fn iam_permissions_boundaries_round_trip_and_block_policy_deletion(store: &dyn Store) {
    with_account(store, 1).await;
    with_account(store, 2).await;
    let account = account_id(1);
    let policy = managed_policy(1, "Bound", "/b/", 1);
    store.create_managed_policy(&policy, "{\"m\":1}").await.unwrap();
    let arn = format!("arn:aws:iam::{}:policy/b/Bound", account.as_str());

    let mut alice = iam_user(1, "Alice", "/", 1);
    alice.permissions_boundary = Some(arn.clone());
    store.create_iam_user(&alice).await.unwrap();
    assert_eq!(
        store.iam_user(&account, "alice").await.unwrap(),
        Some(alice.clone())
    );
    let mut role = iam_role(1, "Deploy", "/", 2);
    role.permissions_boundary = Some(arn.clone());
    store.create_iam_role(&role).await.unwrap();
    assert_eq!(
        store.iam_role(&account, "deploy").await.unwrap(),
        Some(role.clone())
    );
    assert_eq!(
        store.iam_users(&account, "/", None, 10).await.unwrap()[0].permissions_boundary,
        Some(arn.clone())
    );
    assert_eq!(
        store.iam_roles(&account, "/", None, 10).await.unwrap()[0].permissions_boundary,
        Some(arn.clone())
    );
    // Another account's principal naming this ARN does not use this account's policy.
    let mut stranger = iam_user(2, "Stranger", "/", 3);
    stranger.permissions_boundary = Some(arn.clone());
    store.create_iam_user(&stranger).await.unwrap();

    assert_eq!(
        store.delete_managed_policy(&account, "bound").await.unwrap(),
        PolicyDeletion::UsedAsBoundary
    );
    let mut unbounded = alice.clone();
    unbounded.permissions_boundary = None;
    unbounded.revision = 2;
    store.update_iam_user(&unbounded, 1).await.unwrap();
    assert_eq!(
        store.iam_user(&account, "alice").await.unwrap(),
        Some(unbounded.clone())
    );
    assert_eq!(
        store.delete_managed_policy(&account, "bound").await.unwrap(),
        PolicyDeletion::UsedAsBoundary
    );
    let mut role_unbounded = role.clone();
    role_unbounded.permissions_boundary = None;
    role_unbounded.revision = 2;
    store.update_iam_role(&role_unbounded, 1).await.unwrap();
    assert_eq!(
        store.delete_managed_policy(&account, "bound").await.unwrap(),
        PolicyDeletion::Deleted
    );
    // A boundary is not an attachment.
    assert!(
        store
            .attached_user_policies(&account, "alice")
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn iam_access_key_use_only_moves_forward(store: &dyn Store) {
    with_account(store, 1).await;
    let alice = iam_user(1, "Alice", "/", 1);
    store.create_iam_user(&alice).await.unwrap();
    let first = user_key(1, "Alice", 1);
    let second = user_key(1, "Alice", 2);
    for key in [&first, &second] {
        assert_eq!(
            store.create_user_access_key("Alice", key, 2).await.unwrap(),
            KeyCreation::Created
        );
    }
    let used = |key: &AccessKeyId, ms: i64, service: &str, region: &str| AccessKeyUse {
        access_key_id: key.clone(),
        used_at: ts(ms),
        service: service.to_owned(),
        region: region.to_owned(),
    };
    assert_eq!(
        store.access_key_last_used(&first.access_key_id).await.unwrap(),
        None
    );
    store.record_access_key_use(&[]).await.unwrap();

    let never: AccessKeyId = "AKIA0000000000009999".parse().expect("key id");
    store
        .record_access_key_use(&[
            used(&first.access_key_id, 1_700_000_010_000, "iam", "us-east-1"),
            used(&never, 1_700_000_010_000, "iam", "us-east-1"),
            // The later of two uses of one key in a batch wins, whatever their order.
            used(&second.access_key_id, 1_700_000_020_000, "kms", "eu-west-1"),
            used(&second.access_key_id, 1_700_000_015_000, "sts", "us-east-1"),
        ])
        .await
        .unwrap();
    assert_eq!(
        store.access_key_last_used(&first.access_key_id).await.unwrap(),
        Some(used(&first.access_key_id, 1_700_000_010_000, "iam", "us-east-1"))
    );
    assert_eq!(
        store.access_key_last_used(&second.access_key_id).await.unwrap(),
        Some(used(&second.access_key_id, 1_700_000_020_000, "kms", "eu-west-1"))
    );
    assert_eq!(store.access_key_last_used(&never).await.unwrap(), None);

    // Earlier and equal times change nothing; a later one replaces all three fields.
    store
        .record_access_key_use(&[
            used(
                &first.access_key_id,
                1_700_000_005_000,
                "secretsmanager",
                "eu-west-1",
            ),
            used(
                &second.access_key_id,
                1_700_000_020_000,
                "secretsmanager",
                "eu-west-1",
            ),
        ])
        .await
        .unwrap();
    assert_eq!(
        store.access_key_last_used(&first.access_key_id).await.unwrap(),
        Some(used(&first.access_key_id, 1_700_000_010_000, "iam", "us-east-1"))
    );
    assert_eq!(
        store.access_key_last_used(&second.access_key_id).await.unwrap(),
        Some(used(&second.access_key_id, 1_700_000_020_000, "kms", "eu-west-1"))
    );
    store
        .record_access_key_use(&[used(
            &first.access_key_id,
            1_700_000_030_000,
            "secretsmanager",
            "eu-west-1",
        )])
        .await
        .unwrap();
    assert_eq!(
        store.access_key_last_used(&first.access_key_id).await.unwrap(),
        Some(used(
            &first.access_key_id,
            1_700_000_030_000,
            "secretsmanager",
            "eu-west-1"
        ))
    );

    // Usage does not change the key itself, and goes with it when it is deleted.
    assert_eq!(
        store.user_access_keys(&account_id(1), "alice").await.unwrap(),
        [first.clone(), second.clone()]
    );
    store
        .delete_access_key(&account_id(1), &first.access_key_id)
        .await
        .unwrap();
    assert_eq!(
        store.access_key_last_used(&first.access_key_id).await.unwrap(),
        None
    );
}
