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

// ---------------------------------------------------------------------------------------------------------
// Role updates and tags, permissions boundaries, the policy simulator.

const SEED_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"ManageOwnAccessKeys","Effect":"Allow",
 "Action":["iam:CreateAccessKey","iam:DeleteAccessKey","iam:GetAccessKeyLastUsed","iam:GetUser",
           "iam:ListAccessKeys","iam:UpdateAccessKey","iam:TagUser"],
 "Resource":"arn:aws:iam::*:user/${aws:username}"}]}"#;

const TRUST_ANYONE_HERE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#;

fn tag(key: &str, value: &str) -> Tag {
    Tag {
        key: key.to_owned(),
        value: value.to_owned(),
    }
}

async fn managed(e: &Env, name: &str, document: &str) -> String {
    e.iam
        .create_policy(
            &e.authz,
            &e.root,
            NewPolicy {
                name,
                path: Some("/b/"),
                description: None,
                document,
                tags: Vec::new(),
            },
        )
        .await
        .unwrap();
    policy_arn(e.root.account(), "/b/", name)
}

fn no_such_entity(err: &IamError) -> bool {
    matches!(err, IamError::NoSuchEntity { .. })
}

#[tokio::test]
async fn roles_update_and_tags_by_compare_and_set() {
    let e = env().await;
    let role = e
        .iam
        .create_role(
            &e.authz,
            &e.root,
            "Deploy",
            NewRole {
                assume_role_policy: TRUST_ANYONE_HERE.to_owned(),
                tags: vec![tag("team", "a")],
                ..NewRole::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((role.revision, role.max_session_duration), (1, 3600));

    let updated = e
        .iam
        .update_role(&e.authz, &e.root, "deploy", Some("ships"), Some(7200))
        .await
        .unwrap();
    assert_eq!(
        (
            updated.description.as_deref(),
            updated.max_session_duration,
            updated.revision
        ),
        (Some("ships"), 7200, 2)
    );
    // Absent members are left as they are; a change to nothing moves no revision.
    let same = e
        .iam
        .update_role(&e.authz, &e.root, "Deploy", None, None)
        .await
        .unwrap();
    assert_eq!(same, updated);
    for (description, seconds) in [
        (None, Some(3599)),
        (None, Some(43_201)),
        (Some("x".repeat(1001)), None),
    ] {
        let err = e
            .iam
            .update_role(&e.authz, &e.root, "Deploy", description.as_deref(), seconds)
            .await
            .unwrap_err();
        assert!(matches!(err, IamError::Validation { .. }), "{err:?}");
    }
    let described = e
        .iam
        .update_role_description(&e.authz, &e.root, "Deploy", "")
        .await
        .unwrap();
    assert_eq!(described.description.as_deref(), Some(""));
    assert!(no_such_entity(
        &e.iam
            .update_role(&e.authz, &e.root, "nope", None, Some(3600))
            .await
            .unwrap_err()
    ));

    // Tags: values replaced by key, order kept, pages by index, quota.
    e.iam
        .tag_role(
            &e.authz,
            &e.root,
            "Deploy",
            vec![tag("env", "prod"), tag("team", "b")],
        )
        .await
        .unwrap();
    let (_, page) = e
        .iam
        .list_role_tags(&e.authz, &e.root, "Deploy", None, Some(1))
        .await
        .unwrap();
    assert_eq!(
        (page.items, page.marker.as_deref()),
        (vec![tag("team", "b")], Some("1"))
    );
    let (_, page) = e
        .iam
        .list_role_tags(&e.authz, &e.root, "Deploy", Some("1"), None)
        .await
        .unwrap();
    assert_eq!((page.items, page.marker), (vec![tag("env", "prod")], None));
    let role = e
        .iam
        .untag_role(
            &e.authz,
            &e.root,
            "Deploy",
            &["team".to_owned(), "absent".to_owned()],
        )
        .await
        .unwrap();
    assert_eq!(role.tags, [tag("env", "prod")]);
    let many: Vec<Tag> = (0..50).map(|i| tag(&format!("k{i}"), "v")).collect();
    let err = e
        .iam
        .tag_role(&e.authz, &e.root, "Deploy", many)
        .await
        .unwrap_err();
    assert!(matches!(err, IamError::LimitExceeded { .. }), "{err:?}");
    assert_eq!(
        e.iam.get_role(&e.authz, &e.root, "Deploy").await.unwrap().tags,
        [tag("env", "prod")]
    );
    let err = e
        .iam
        .tag_role(&e.authz, &e.root, "Deploy", vec![tag("a", "1"), tag("a", "2")])
        .await
        .unwrap_err();
    assert!(matches!(err, IamError::InvalidInput { .. }), "{err:?}");

    let alice = caller(Principal::User {
        name: "alice".into(),
        user_id: "AIDAEXAMPLE".into(),
    });
    let err = e
        .iam
        .tag_role(&e.authz, &alice, "Deploy", vec![tag("x", "y")])
        .await
        .unwrap_err();
    assert!(
        matches!(err, IamError::Service(ServiceError::AccessDenied { .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn permissions_boundaries_name_existing_policies_and_block_their_deletion() {
    let e = env().await;
    let arn = managed(&e, "Bound", ALLOW_ALL).await;
    let missing = policy_arn(e.root.account(), "/b/", "Missing");
    let foreign = "arn:aws:iam::210987654321:policy/b/Bound";
    for bad in [missing.as_str(), foreign] {
        let err = e
            .iam
            .create_user_with_boundary(&e.authz, &e.root, "alice", None, Vec::new(), Some(bad))
            .await
            .unwrap_err();
        assert!(no_such_entity(&err), "{bad}: {err:?}");
    }
    let err = e
        .iam
        .create_user_with_boundary(
            &e.authz,
            &e.root,
            "alice",
            None,
            Vec::new(),
            Some("arn:aws:s3:::bucket/x"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, IamError::InvalidInput { .. }), "{err:?}");
    assert!(e.iam.get_user(&e.authz, &e.root, Some("alice")).await.is_err());

    let alice = e
        .iam
        .create_user_with_boundary(&e.authz, &e.root, "alice", None, Vec::new(), Some(&arn))
        .await
        .unwrap();
    assert_eq!(alice.permissions_boundary.as_deref(), Some(arn.as_str()));
    let policies = e.iam.policies_for_user(e.root.account(), "alice").await.unwrap();
    assert_eq!(policies.boundary.as_deref(), Some(ALLOW_ALL));

    e.iam
        .create_role(
            &e.authz,
            &e.root,
            "Deploy",
            NewRole {
                assume_role_policy: TRUST_ANYONE_HERE.to_owned(),
                ..NewRole::default()
            },
        )
        .await
        .unwrap();
    assert!(no_such_entity(
        &e.iam
            .put_role_permissions_boundary(&e.authz, &e.root, "Deploy", &missing)
            .await
            .unwrap_err()
    ));
    let role = e
        .iam
        .put_role_permissions_boundary(&e.authz, &e.root, "deploy", &arn)
        .await
        .unwrap();
    assert_eq!(
        (role.permissions_boundary.as_deref(), role.revision),
        (Some(arn.as_str()), 2)
    );
    assert_eq!(
        e.iam
            .policies_for_role(e.root.account(), "Deploy")
            .await
            .unwrap()
            .boundary
            .as_deref(),
        Some(ALLOW_ALL)
    );

    // A boundary is a use of its policy: DeleteConflict until both are gone.
    let err = e.iam.delete_policy(&e.authz, &e.root, &arn).await.unwrap_err();
    assert!(matches!(err, IamError::DeleteConflict { .. }), "{err:?}");
    let alice = e
        .iam
        .delete_user_permissions_boundary(&e.authz, &e.root, "alice")
        .await
        .unwrap();
    assert_eq!(alice.permissions_boundary, None);
    let err = e.iam.delete_policy(&e.authz, &e.root, &arn).await.unwrap_err();
    assert!(matches!(err, IamError::DeleteConflict { .. }), "{err:?}");
    e.iam
        .delete_role_permissions_boundary(&e.authz, &e.root, "Deploy")
        .await
        .unwrap();
    // Deleting a boundary that is not there changes nothing.
    e.iam
        .delete_role_permissions_boundary(&e.authz, &e.root, "Deploy")
        .await
        .unwrap();
    e.iam.delete_policy(&e.authz, &e.root, &arn).await.unwrap();
    assert!(no_such_entity(
        &e.iam
            .put_user_permissions_boundary(&e.authz, &e.root, "alice", &arn)
            .await
            .unwrap_err()
    ));
    assert!(no_such_entity(
        &e.iam
            .put_user_permissions_boundary(&e.authz, &e.root, "nobody", &arn)
            .await
            .unwrap_err()
    ));
}

/// Simulates `action` on `resource` for `source` with `simulation`'s other members.
async fn simulate_one(
    e: &Env,
    source: &str,
    action: &str,
    resource: &str,
    simulation: Simulation,
) -> EvaluationResult {
    let page = e
        .iam
        .simulate_principal_policy(
            &e.authz,
            &e.root,
            source,
            Simulation {
                action_names: vec![action.to_owned()],
                resource_arns: vec![resource.to_owned()],
                ..simulation
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    page.items.into_iter().next().unwrap()
}

#[tokio::test]
async fn simulation_names_the_deciding_statement() {
    let e = env().await;
    for name in ["Alice", "Bob"] {
        e.iam
            .create_user(&e.authz, &e.root, name, None, Vec::new())
            .await
            .unwrap();
    }
    e.iam
        .put_user_policy(&e.authz, &e.root, "Alice", "keys", SEED_POLICY)
        .await
        .unwrap();
    let account = e.root.account();
    let alice = user_arn(account, "/", "Alice");
    let bob = user_arn(account, "/", "Bob");

    let own = simulate_one(&e, &alice, "iam:ListAccessKeys", &alice, Simulation::default()).await;
    assert_eq!(own.decision, EvalDecision::Allowed);
    let statement = &own.matched_statements[0];
    assert_eq!(
        (statement.source_policy_id.as_str(), statement.source_policy_type),
        ("keys", "user")
    );
    assert_eq!(statement.sid.as_deref(), Some("ManageOwnAccessKeys"));
    assert_eq!(statement.start, Some(Position { line: 1, column: 38 }));
    assert_eq!(statement.end.map(|p| p.line), Some(4));
    assert_eq!(own.allowed_by_permissions_boundary, None);

    let other = simulate_one(&e, &alice, "iam:ListAccessKeys", &bob, Simulation::default()).await;
    assert_eq!(
        (other.decision, other.matched_statements.len()),
        (EvalDecision::ImplicitDeny, 0)
    );

    // An input policy joins the stored ones; its deny wins.
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoKeys","Effect":"Deny","Action":"iam:*AccessKey*","Resource":"*"}]}"#;
    let denied = simulate_one(
        &e,
        &alice,
        "iam:ListAccessKeys",
        &alice,
        Simulation {
            policy_input_list: vec![deny.to_owned()],
            ..Simulation::default()
        },
    )
    .await;
    assert_eq!(denied.decision, EvalDecision::ExplicitDeny);
    assert_eq!(
        (
            denied.matched_statements[0].source_policy_id.as_str(),
            denied.matched_statements[0].source_policy_type
        ),
        ("PolicyInputList.1", "none")
    );

    // A boundary that does not allow the action denies it implicitly, and says so.
    let bounded = simulate_one(
        &e,
        &alice,
        "iam:ListAccessKeys",
        &alice,
        Simulation {
            permissions_boundary_policy_input_list: vec![
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#
                    .to_owned(),
            ],
            ..Simulation::default()
        },
    )
    .await;
    assert_eq!(
        (bounded.decision, bounded.allowed_by_permissions_boundary),
        (EvalDecision::ImplicitDeny, Some(false))
    );

    // Context entries feed conditions.
    let conditional = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/team":"red"}}}}"#;
    for (value, expected) in [
        ("red", EvalDecision::Allowed),
        ("blue", EvalDecision::ImplicitDeny),
    ] {
        let page = e
            .iam
            .simulate_custom_policy(
                &e.authz,
                &e.root,
                Simulation {
                    action_names: vec!["kms:Decrypt".to_owned()],
                    policy_input_list: vec![conditional.to_owned()],
                    context_entries: vec![ContextEntry {
                        key: "aws:RequestTag/team".to_owned(),
                        values: vec![value.to_owned()],
                        kind: Some("string".to_owned()),
                    }],
                    ..Simulation::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (page.items[0].decision, page.items[0].resource.as_str()),
            (expected, "*")
        );
    }

    // Several actions and resources: one result each, in pages.
    let page = e
        .iam
        .simulate_principal_policy(
            &e.authz,
            &e.root,
            &alice,
            Simulation {
                action_names: vec!["iam:GetUser".to_owned(), "iam:DeleteUser".to_owned()],
                resource_arns: vec![alice.clone(), bob.clone()],
                max_items: Some(3),
                ..Simulation::default()
            },
        )
        .await
        .unwrap();
    let decisions: Vec<_> = page.items.iter().map(|r| r.decision).collect();
    assert_eq!(
        decisions,
        [
            EvalDecision::Allowed,
            EvalDecision::ImplicitDeny,
            EvalDecision::ImplicitDeny
        ]
    );
    assert_eq!(page.marker.as_deref(), Some("3"));

    // Errors: unknown principals, bad input policies, callers without the permission.
    for source in [
        user_arn(account, "/", "Nobody"),
        user_arn(account, "/other/", "Alice"),
        "arn:aws:iam::210987654321:user/Alice".to_owned(),
    ] {
        let err = e
            .iam
            .simulate_principal_policy(
                &e.authz,
                &e.root,
                &source,
                Simulation {
                    action_names: vec!["iam:GetUser".to_owned()],
                    ..Simulation::default()
                },
            )
            .await
            .unwrap_err();
        assert!(no_such_entity(&err), "{source}: {err:?}");
    }
    let err = e
        .iam
        .simulate_custom_policy(
            &e.authz,
            &e.root,
            Simulation {
                action_names: vec!["iam:GetUser".to_owned()],
                policy_input_list: vec!["{".to_owned()],
                ..Simulation::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, IamError::InvalidInput { .. }), "{err:?}");
    let as_bob = caller(Principal::User {
        name: "Bob".into(),
        user_id: "AIDAEXAMPLE".into(),
    });
    let err = e
        .iam
        .simulate_principal_policy(
            &e.authz,
            &as_bob,
            &alice,
            Simulation {
                action_names: vec!["iam:GetUser".to_owned()],
                ..Simulation::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, IamError::Service(ServiceError::AccessDenied { .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn simulation_of_a_role_uses_its_policies_and_boundary() {
    let e = env().await;
    e.iam
        .create_role(
            &e.authz,
            &e.root,
            "Deploy",
            NewRole {
                path: Some("/ci/".to_owned()),
                assume_role_policy: TRUST_ANYONE_HERE.to_owned(),
                ..NewRole::default()
            },
        )
        .await
        .unwrap();
    let arn = managed(&e, "Everything", ALLOW_ALL).await;
    e.iam
        .attach_role_policy(&e.authz, &e.root, "Deploy", &arn)
        .await
        .unwrap();
    let role = role_arn(e.root.account(), "/ci/", "Deploy");
    let result = simulate_one(
        &e,
        &role,
        "secretsmanager:GetSecretValue",
        "*",
        Simulation::default(),
    )
    .await;
    assert_eq!(result.decision, EvalDecision::Allowed);
    assert_eq!(
        (
            result.matched_statements[0].source_policy_id.as_str(),
            result.matched_statements[0].source_policy_type
        ),
        ("Everything", "user-managed")
    );

    let boundary = managed(
        &e,
        "OnlyKms",
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*"}}"#,
    )
    .await;
    e.iam
        .put_role_permissions_boundary(&e.authz, &e.root, "Deploy", &boundary)
        .await
        .unwrap();
    let result = simulate_one(
        &e,
        &role,
        "secretsmanager:GetSecretValue",
        "*",
        Simulation::default(),
    )
    .await;
    assert_eq!(
        (result.decision, result.allowed_by_permissions_boundary),
        (EvalDecision::ImplicitDeny, Some(false))
    );
    let result = simulate_one(&e, &role, "kms:Decrypt", "*", Simulation::default()).await;
    assert_eq!(
        (result.decision, result.allowed_by_permissions_boundary),
        (EvalDecision::Allowed, Some(true))
    );
}

/// A user whose only policy is `document`, as authentication would make it.
fn user_with_policy(name: &str, document: &str) -> Caller {
    Caller::new(
        ACCOUNT.parse().unwrap(),
        Principal::User {
            name: name.into(),
            user_id: "AIDAEXAMPLEEXAMPLE1".into(),
        },
        "AKIAIOSFODNN7EXAMPLE".parse::<AccessKeyId>().unwrap(),
        "us-east-1".parse().unwrap(),
        None,
        crate::caller::Identity {
            policies: Arc::new(vec![Policy::parse(document, PolicyKind::Identity).unwrap()]),
            ..crate::caller::Identity::default()
        },
    )
}

#[tokio::test]
async fn iam_operations_supply_their_condition_keys() {
    let e = env().await;
    for (name, team) in [("blue-user", "blue"), ("red-user", "red")] {
        e.iam
            .create_user(&e.authz, &e.root, name, None, vec![tag("team", team)])
            .await
            .unwrap();
    }
    for (name, team) in [("blue-role", "blue"), ("red-role", "red")] {
        e.iam
            .create_role(
                &e.authz,
                &e.root,
                name,
                NewRole {
                    assume_role_policy: TRUST_ANYONE_HERE.to_owned(),
                    tags: vec![tag("team", team)],
                    ..NewRole::default()
                },
            )
            .await
            .unwrap();
    }
    let allowed_policy = managed(&e, "allowed", ALLOW_ALL).await;
    let other_policy = managed(&e, "other", ALLOW_ALL).await;
    let boundary = managed(&e, "boundary", ALLOW_ALL).await;
    let admin = user_with_policy(
        "admin",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[
            {{"Effect":"Allow","Action":["iam:GetUser","iam:GetRole","iam:DeleteUserPolicy"],"Resource":"*",
              "Condition":{{"StringEquals":{{"iam:ResourceTag/team":"blue"}}}}}},
            {{"Effect":"Allow","Action":["iam:TagUser","iam:TagRole"],"Resource":"*",
              "Condition":{{"StringEquals":{{"aws:ResourceTag/team":"blue","aws:RequestTag/env":"dev"}},
                           "ForAllValues:StringEquals":{{"aws:TagKeys":["env"]}}}}}},
            {{"Effect":"Allow","Action":["iam:UntagUser","iam:UntagRole"],"Resource":"*",
              "Condition":{{"ForAllValues:StringEquals":{{"aws:TagKeys":["env"]}}}}}},
            {{"Effect":"Allow","Action":["iam:AttachUserPolicy","iam:AttachRolePolicy"],"Resource":"*",
              "Condition":{{"ArnEquals":{{"iam:PolicyARN":"{allowed_policy}"}}}}}},
            {{"Effect":"Allow","Action":["iam:CreateUser","iam:CreateRole","iam:PutUserPermissionsBoundary",
              "iam:PutRolePermissionsBoundary"],"Resource":"*",
              "Condition":{{"StringEquals":{{"iam:PermissionsBoundary":"{boundary}","aws:RequestTag/team":"blue"}}}}}},
            {{"Effect":"Allow","Action":["iam:PutUserPermissionsBoundary","iam:PutRolePermissionsBoundary"],
              "Resource":"*","Condition":{{"StringEquals":{{"iam:PermissionsBoundary":"{boundary}"}}}}}}]}}"#
        ),
    );
    let a = &admin;
    let z = &e.authz;
    let iam = &e.iam;
    let blue_team = || vec![tag("team", "blue")];
    let role = |tags: Vec<Tag>, boundary: Option<&str>| NewRole {
        assume_role_policy: TRUST_ANYONE_HERE.to_owned(),
        tags,
        permissions_boundary: boundary.map(str::to_owned),
        ..NewRole::default()
    };
    let cases: Vec<(&str, bool, Result<(), IamError>)> = vec![
        (
            "GetUser on a blue user",
            true,
            iam.get_user(z, a, Some("blue-user")).await.map(|_| ()),
        ),
        (
            "GetUser on a red user",
            false,
            iam.get_user(z, a, Some("red-user")).await.map(|_| ()),
        ),
        (
            "GetRole on a blue role",
            true,
            iam.get_role(z, a, "blue-role").await.map(|_| ()),
        ),
        (
            "GetRole on a red role",
            false,
            iam.get_role(z, a, "red-role").await.map(|_| ()),
        ),
        (
            "TagUser env=dev on a blue user",
            true,
            iam.tag_user(z, a, "blue-user", vec![tag("env", "dev")])
                .await
                .map(|_| ()),
        ),
        (
            "TagUser env=prod",
            false,
            iam.tag_user(z, a, "blue-user", vec![tag("env", "prod")])
                .await
                .map(|_| ()),
        ),
        (
            "TagUser with another key too",
            false,
            iam.tag_user(z, a, "blue-user", vec![tag("env", "dev"), tag("team", "red")])
                .await
                .map(|_| ()),
        ),
        (
            "TagUser on a red user",
            false,
            iam.tag_user(z, a, "red-user", vec![tag("env", "dev")])
                .await
                .map(|_| ()),
        ),
        (
            "TagRole env=dev on a blue role",
            true,
            iam.tag_role(z, a, "blue-role", vec![tag("env", "dev")])
                .await
                .map(|_| ()),
        ),
        (
            "UntagUser env",
            true,
            iam.untag_user(z, a, "blue-user", &["env".to_owned()])
                .await
                .map(|_| ()),
        ),
        (
            "UntagRole team",
            false,
            iam.untag_role(z, a, "blue-role", &["team".to_owned()])
                .await
                .map(|_| ()),
        ),
        (
            "AttachUserPolicy of the allowed policy",
            true,
            iam.attach_user_policy(z, a, "red-user", &allowed_policy)
                .await
                .map(|_| ()),
        ),
        (
            "AttachUserPolicy of another policy",
            false,
            iam.attach_user_policy(z, a, "red-user", &other_policy)
                .await
                .map(|_| ()),
        ),
        (
            "AttachRolePolicy of another policy",
            false,
            iam.attach_role_policy(z, a, "red-role", &other_policy)
                .await
                .map(|_| ()),
        ),
        (
            "CreateUser with the boundary and team=blue",
            true,
            iam.create_user_with_boundary(z, a, "new-blue", None, blue_team(), Some(&boundary))
                .await
                .map(|_| ()),
        ),
        (
            "CreateUser without a boundary",
            false,
            iam.create_user(z, a, "new-unbounded", None, blue_team())
                .await
                .map(|_| ()),
        ),
        (
            "CreateRole with the boundary but no tag",
            false,
            iam.create_role(z, a, "new-untagged", role(Vec::new(), Some(&boundary)))
                .await
                .map(|_| ()),
        ),
        (
            "CreateRole with the boundary and team=blue",
            true,
            iam.create_role(z, a, "new-role", role(blue_team(), Some(&boundary)))
                .await
                .map(|_| ()),
        ),
        (
            "PutUserPermissionsBoundary of the boundary",
            true,
            iam.put_user_permissions_boundary(z, a, "red-user", &boundary)
                .await
                .map(|_| ()),
        ),
        (
            "PutRolePermissionsBoundary of another policy",
            false,
            iam.put_role_permissions_boundary(z, a, "red-role", &other_policy)
                .await
                .map(|_| ()),
        ),
    ];
    for (case, allowed, outcome) in cases {
        match (allowed, outcome) {
            (true, Ok(())) => {}
            (false, Err(IamError::Service(ServiceError::AccessDenied { .. }))) => {}
            (want, got) => panic!("{case}: wanted allowed={want}, got {got:?}"),
        }
    }
    // The denied requests changed nothing.
    assert!(
        e.iam
            .get_user(&e.authz, &e.root, Some("new-unbounded"))
            .await
            .is_err()
    );
}
