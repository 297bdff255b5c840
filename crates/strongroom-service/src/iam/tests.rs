//! Service-level tests of IAM on an in-memory SQLite store: users, access keys and their quota, inline
//! policies, managed policies, deletion conflicts, authorization and the authorizer's read API.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::sync::Arc;

use strongroom_crypto::RootKey;
use strongroom_store_sqlite::SqliteStore;
use strongroom_types::{Clock, ManualClock};

use super::*;
use crate::ServiceError;

const ACCOUNT: &str = "123456789012";
const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

struct Env {
    iam: Iam,
    authz: Authorizer,
    root: Caller,
    store: Arc<dyn Store>,
}

fn caller(principal: Principal) -> Caller {
    Caller::new(
        ACCOUNT.parse().unwrap(),
        principal,
        "AKIAIOSFODNN7EXAMPLE".parse::<AccessKeyId>().unwrap(),
        "us-east-1".parse().unwrap(),
        None,
        crate::caller::Identity::default(),
    )
}

async fn env() -> Env {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::memory().await.unwrap());
    let clock = Arc::new(ManualClock::new(
        OffsetDateTime::from_unix_timestamp(1_750_000_000).unwrap(),
    ));
    let keyring = Arc::new(
        Keyring::load(store.as_ref(), RootKey::generate(), clock.now())
            .await
            .unwrap(),
    );
    crate::bootstrap::bootstrap_account(store.as_ref(), &keyring, &ACCOUNT.parse().unwrap(), clock.now())
        .await
        .unwrap();
    Env {
        iam: Iam::new(Arc::clone(&store), keyring, clock as Arc<dyn Clock>),
        authz: Authorizer::new(Arc::new(strongroom_types::SystemClock)),
        root: caller(Principal::Root),
        store,
    }
}

#[tokio::test]
async fn create_get_and_duplicate_user() {
    let e = env().await;
    let user = e
        .iam
        .create_user(&e.authz, &e.root, "Alice", Some("/eng/"), Vec::new())
        .await
        .unwrap();
    assert!(
        user.user_id.starts_with("AIDA") && user.user_id.len() == 21,
        "{}",
        user.user_id
    );
    assert!(
        user.user_id[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    );
    let got = e.iam.get_user(&e.authz, &e.root, Some("alice")).await.unwrap();
    assert_eq!(got, UserView::User(user));
    let err = e
        .iam
        .create_user(&e.authz, &e.root, "ALICE", None, Vec::new())
        .await
        .unwrap_err();
    assert!(matches!(err, IamError::EntityAlreadyExists { .. }), "{err:?}");
    let err = e
        .iam
        .create_user(&e.authz, &e.root, "bad name", None, Vec::new())
        .await
        .unwrap_err();
    assert!(matches!(err, IamError::Validation { .. }), "{err:?}");
    let err = e
        .iam
        .create_user(&e.authz, &e.root, "bob", Some("eng"), Vec::new())
        .await
        .unwrap_err();
    assert!(matches!(err, IamError::Validation { .. }), "{err:?}");
    match e.iam.get_user(&e.authz, &e.root, None).await.unwrap() {
        UserView::Root { account_id, .. } => assert_eq!(account_id.as_str(), ACCOUNT),
        other => panic!("expected the root user, got {other:?}"),
    }
}

#[tokio::test]
async fn non_root_callers_are_denied() {
    let e = env().await;
    let user = caller(Principal::User {
        name: "alice".into(),
        user_id: "AIDAEXAMPLE".into(),
    });
    let err = e
        .iam
        .create_user(&e.authz, &user, "bob", None, Vec::new())
        .await
        .unwrap_err();
    assert!(
        matches!(err, IamError::Service(ServiceError::AccessDenied { .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn access_keys_are_limited_and_sealed() {
    let e = env().await;
    e.iam
        .create_user(&e.authz, &e.root, "alice", None, Vec::new())
        .await
        .unwrap();
    let first = e
        .iam
        .create_access_key(&e.authz, &e.root, Some("alice"))
        .await
        .unwrap();
    e.iam
        .create_access_key(&e.authz, &e.root, Some("ALICE"))
        .await
        .unwrap();
    let err = e
        .iam
        .create_access_key(&e.authz, &e.root, Some("alice"))
        .await
        .unwrap_err();
    match err {
        IamError::LimitExceeded { message } => {
            assert_eq!(message, "Cannot exceed quota for AccessKeysPerUser: 2")
        }
        other => panic!("expected LimitExceeded, got {other:?}"),
    }
    // The stored secret is sealed, not the plaintext, and opens to what the caller was given.
    let stored = e
        .store
        .access_key(&first.record.access_key_id)
        .await
        .unwrap()
        .unwrap();
    let secret = first.secret_access_key.expose_secret();
    assert!(
        !stored
            .sealed_secret
            .as_bytes()
            .windows(secret.len())
            .any(|w| w == secret.as_bytes())
    );
    assert_eq!(stored.owner, AccessKeyOwner::User("alice".into()));

    let (name, keys) = e
        .iam
        .list_access_keys(&e.authz, &e.root, Some("alice"))
        .await
        .unwrap();
    assert_eq!((name.as_str(), keys.len()), ("alice", 2));
    e.iam
        .update_access_key(
            &e.authz,
            &e.root,
            Some("alice"),
            first.record.access_key_id.as_str(),
            "Inactive",
        )
        .await
        .unwrap();
    let stored = e
        .store
        .access_key(&first.record.access_key_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, AccessKeyStatus::Inactive);
    let err = e
        .iam
        .update_access_key(
            &e.authz,
            &e.root,
            Some("alice"),
            first.record.access_key_id.as_str(),
            "Off",
        )
        .await
        .unwrap_err();
    assert!(matches!(err, IamError::Validation { .. }), "{err:?}");

    // A key is reachable only through its own user.
    e.iam
        .create_user(&e.authz, &e.root, "bob", None, Vec::new())
        .await
        .unwrap();
    let err = e
        .iam
        .delete_access_key(
            &e.authz,
            &e.root,
            Some("bob"),
            first.record.access_key_id.as_str(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, IamError::NoSuchEntity { .. }), "{err:?}");
    let err = e.iam.delete_user(&e.authz, &e.root, "alice").await.unwrap_err();
    assert!(matches!(err, IamError::DeleteConflict { .. }), "{err:?}");
}

#[tokio::test]
async fn inline_policies_are_validated_and_feed_the_authorizer() {
    let e = env().await;
    e.iam
        .create_user(&e.authz, &e.root, "alice", None, Vec::new())
        .await
        .unwrap();
    let err = e
        .iam
        .put_user_policy(&e.authz, &e.root, "alice", "p", r#"{"Version":"2012-10-17"}"#)
        .await
        .unwrap_err();
    assert!(matches!(err, IamError::MalformedPolicyDocument { .. }), "{err:?}");
    e.iam
        .put_user_policy(&e.authz, &e.root, "alice", "all", ALLOW_ALL)
        .await
        .unwrap();
    let policies = e.iam.policies_for_user(e.root.account(), "ALICE").await.unwrap();
    assert_eq!(
        policies,
        UserPolicies {
            identity: vec![("user/alice/inline/all".to_owned(), ALLOW_ALL.to_owned())],
            boundary: None,
        }
    );
    let err = e.iam.delete_user(&e.authz, &e.root, "alice").await.unwrap_err();
    assert!(matches!(err, IamError::DeleteConflict { .. }), "{err:?}");
    e.iam
        .delete_user_policy(&e.authz, &e.root, "alice", "all")
        .await
        .unwrap();
    e.iam.delete_user(&e.authz, &e.root, "alice").await.unwrap();
    let err = e
        .iam
        .policies_for_user(e.root.account(), "alice")
        .await
        .unwrap_err();
    assert!(matches!(err, IamError::NoSuchEntity { .. }), "{err:?}");
}

#[tokio::test]
async fn rename_tags_and_list_pages() {
    let e = env().await;
    for name in ["carol", "alice", "bob"] {
        e.iam
            .create_user(&e.authz, &e.root, name, None, Vec::new())
            .await
            .unwrap();
    }
    let page = e
        .iam
        .list_users(&e.authz, &e.root, None, None, Some(2))
        .await
        .unwrap();
    let names: Vec<_> = page.items.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["alice", "bob"]);
    let rest = e
        .iam
        .list_users(&e.authz, &e.root, None, page.marker.as_deref(), Some(2))
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.marker, None);

    let tag = |k: &str, v: &str| Tag {
        key: k.into(),
        value: v.into(),
    };
    e.iam
        .tag_user(&e.authz, &e.root, "bob", vec![tag("a", "1"), tag("b", "2")])
        .await
        .unwrap();
    e.iam
        .tag_user(&e.authz, &e.root, "bob", vec![tag("a", "3")])
        .await
        .unwrap();
    let user = e
        .iam
        .untag_user(&e.authz, &e.root, "bob", &["b".to_owned()])
        .await
        .unwrap();
    assert_eq!(user.tags, [tag("a", "3")]);
    let renamed = e
        .iam
        .update_user(&e.authz, &e.root, "bob", Some("robert"), Some("/ops/"))
        .await
        .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.path.as_str()),
        ("robert", "/ops/")
    );
    let err = e
        .iam
        .update_user(&e.authz, &e.root, "robert", Some("Alice"), None)
        .await
        .unwrap_err();
    assert!(matches!(err, IamError::EntityAlreadyExists { .. }), "{err:?}");
    let err = e.iam.get_user(&e.authz, &e.root, Some("bob")).await.unwrap_err();
    assert!(matches!(err, IamError::NoSuchEntity { .. }), "{err:?}");
}

#[tokio::test]
async fn attached_managed_policies_feed_the_authorizer_with_their_default_version() {
    let e = env().await;
    e.iam
        .create_user(&e.authz, &e.root, "alice", None, Vec::new())
        .await
        .unwrap();
    e.iam
        .put_user_policy(&e.authz, &e.root, "alice", "all", ALLOW_ALL)
        .await
        .unwrap();
    let policy = e
        .iam
        .create_policy(
            &e.authz,
            &e.root,
            NewPolicy {
                name: "Managed",
                path: Some("/x/"),
                description: None,
                document: ALLOW_ALL,
                tags: Vec::new(),
            },
        )
        .await
        .unwrap();
    let arn = policy_arn(e.root.account(), "/x/", "Managed");
    assert_eq!(policy_arn(&policy.account_id, &policy.path, &policy.name), arn);
    // A policy ARN whose path differs names no policy.
    let err = e
        .iam
        .attach_user_policy(
            &e.authz,
            &e.root,
            "alice",
            &policy_arn(e.root.account(), "/", "Managed"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, IamError::NoSuchEntity { .. }), "{err:?}");
    e.iam
        .attach_user_policy(&e.authz, &e.root, "alice", &arn)
        .await
        .unwrap();
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#;
    e.iam
        .create_policy_version(&e.authz, &e.root, &arn, deny, true)
        .await
        .unwrap();
    let policies = e.iam.policies_for_user(e.root.account(), "alice").await.unwrap();
    assert_eq!(
        policies.identity,
        [
            ("user/alice/inline/all".to_owned(), ALLOW_ALL.to_owned()),
            ("policy/Managed/v2".to_owned(), deny.to_owned()),
        ]
    );
    // Only the root user or an allowed user may attach policies.
    let alice = caller(Principal::User {
        name: "alice".to_owned(),
        user_id: "AIDAEXAMPLE".to_owned(),
    });
    let err = e
        .iam
        .detach_user_policy(&e.authz, &alice, "alice", &arn)
        .await
        .unwrap_err();
    assert!(
        matches!(err, IamError::Service(ServiceError::AccessDenied { .. })),
        "{err:?}"
    );
}
