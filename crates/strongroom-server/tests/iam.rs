//! IAM through the AWS SDK for Rust (and raw signed requests for the wire snapshots), against a real server:
//! users, access keys (which then authenticate, and stop when deactivated) and inline user policies.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::fmt::Debug;

use aws_sdk_iam::config::http::HttpResponse;
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_iam::types::{StatusType, Tag};
use common::{ACCOUNT, TestServer};

const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

fn iam_with(server: &TestServer, id: &str, secret: &str) -> aws_sdk_iam::Client {
    let credentials = aws_sdk_iam::config::Credentials::new(id, secret, None, None, "test");
    let config = aws_sdk_iam::Config::builder()
        .endpoint_url(&server.endpoint)
        .region(aws_sdk_iam::config::Region::new("us-east-1"))
        .credentials_provider(credentials)
        .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
        .build();
    aws_sdk_iam::Client::from_conf(config)
}

fn iam(server: &TestServer) -> aws_sdk_iam::Client {
    iam_with(server, &server.access_key_id, &server.secret_access_key)
}

/// Asserts an SDK error's code and HTTP status.
fn assert_error<E>(err: SdkError<E, HttpResponse>, code: &str, status: u16)
where
    E: ProvideErrorMetadata + Debug,
{
    assert_eq!(err.code(), Some(code), "{err:?}");
    assert_eq!(
        err.raw_response().map(|r| r.status().as_u16()),
        Some(status),
        "{err:?}"
    );
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

#[tokio::test]
async fn user_lifecycle() {
    let server = TestServer::sqlite().await;
    let client = iam(&server);

    let created = client
        .create_user()
        .user_name("alice")
        .path("/eng/")
        .tags(tag("team", "blue"))
        .send()
        .await
        .unwrap();
    let user = created.user().unwrap();
    assert_eq!(user.user_name(), "alice");
    assert_eq!(user.path(), "/eng/");
    assert_eq!(user.arn(), format!("arn:aws:iam::{ACCOUNT}:user/eng/alice"));
    assert!(user.user_id().starts_with("AIDA") && user.user_id().len() == 21);
    assert_eq!(user.tags().len(), 1);

    let err = client.create_user().user_name("ALICE").send().await.unwrap_err();
    assert_error(err, "EntityAlreadyExists", 409);
    let err = client
        .create_user()
        .user_name("bad/name")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "ValidationError", 400);

    let got = client.get_user().user_name("alice").send().await.unwrap();
    assert_eq!(got.user().unwrap().user_id(), user.user_id());
    let root = client.get_user().send().await.unwrap();
    assert_eq!(root.user().unwrap().arn(), format!("arn:aws:iam::{ACCOUNT}:root"));
    assert_eq!(root.user().unwrap().user_id(), ACCOUNT);
    let err = client.get_user().user_name("nobody").send().await.unwrap_err();
    assert_error(err, "NoSuchEntity", 404);

    for name in ["bob", "carol"] {
        client.create_user().user_name(name).send().await.unwrap();
    }
    let eng = client.list_users().path_prefix("/eng/").send().await.unwrap();
    assert_eq!(eng.users().len(), 1);
    let first = client.list_users().max_items(2).send().await.unwrap();
    assert!(first.is_truncated());
    let names: Vec<_> = first.users().iter().map(|u| u.user_name()).collect();
    assert_eq!(names, ["alice", "bob"]);
    let rest = client
        .list_users()
        .max_items(2)
        .marker(first.marker().unwrap())
        .send()
        .await
        .unwrap();
    assert!(!rest.is_truncated());
    assert_eq!(rest.users()[0].user_name(), "carol");

    client
        .tag_user()
        .user_name("bob")
        .tags(tag("a", "1"))
        .tags(tag("b", "2"))
        .send()
        .await
        .unwrap();
    client
        .untag_user()
        .user_name("bob")
        .tag_keys("a")
        .send()
        .await
        .unwrap();
    let tags = client.list_user_tags().user_name("bob").send().await.unwrap();
    assert_eq!(tags.tags(), [tag("b", "2")]);

    client
        .update_user()
        .user_name("bob")
        .new_user_name("robert")
        .new_path("/ops/")
        .send()
        .await
        .unwrap();
    let robert = client.get_user().user_name("robert").send().await.unwrap();
    assert_eq!(robert.user().unwrap().path(), "/ops/");
    let err = client
        .update_user()
        .user_name("robert")
        .new_user_name("Carol")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "EntityAlreadyExists", 409);

    client.delete_user().user_name("robert").send().await.unwrap();
    let err = client.delete_user().user_name("robert").send().await.unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
}

#[tokio::test]
async fn access_keys_authenticate_until_deactivated() {
    let server = TestServer::sqlite().await;
    let client = iam(&server);
    let user_id = client
        .create_user()
        .user_name("alice")
        .send()
        .await
        .unwrap()
        .user()
        .unwrap()
        .user_id()
        .to_owned();

    let key = client
        .create_access_key()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    assert_eq!(key.user_name(), "alice");
    assert_eq!(key.status(), &StatusType::Active);
    assert_eq!(key.secret_access_key().len(), 40);

    // The new key authenticates as the user.
    let sts = server.sts_with(key.access_key_id(), key.secret_access_key(), None);
    let identity = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(
        identity.arn(),
        Some(format!("arn:aws:iam::{ACCOUNT}:user/alice").as_str())
    );
    assert_eq!(identity.user_id(), Some(user_id.as_str()));

    // Until policies are evaluated, a user may not call IAM.
    let as_alice = iam_with(&server, key.access_key_id(), key.secret_access_key());
    let err = as_alice.list_users().send().await.unwrap_err();
    assert_error(err, "AccessDenied", 403);

    let second = client
        .create_access_key()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    let err = client
        .create_access_key()
        .user_name("alice")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some("Cannot exceed quota for AccessKeysPerUser: 2")
    );
    assert_error(err, "LimitExceeded", 409);
    let err = client
        .create_access_key()
        .user_name("nobody")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);

    let listed = client.list_access_keys().user_name("alice").send().await.unwrap();
    assert_eq!(listed.access_key_metadata().len(), 2);
    assert!(!listed.is_truncated());

    let last_used = client
        .get_access_key_last_used()
        .access_key_id(key.access_key_id())
        .send()
        .await
        .unwrap();
    assert_eq!(last_used.user_name(), Some("alice"));
    assert_eq!(last_used.access_key_last_used().unwrap().service_name(), "N/A");

    let err = client.delete_user().user_name("alice").send().await.unwrap_err();
    assert_error(err, "DeleteConflict", 409);

    // A deactivated key is refused at once.
    client
        .update_access_key()
        .user_name("alice")
        .access_key_id(key.access_key_id())
        .status(StatusType::Inactive)
        .send()
        .await
        .unwrap();
    let err = sts.get_caller_identity().send().await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidClientTokenId"), "{err:?}");
    let listed = client.list_access_keys().user_name("alice").send().await.unwrap();
    let inactive = listed
        .access_key_metadata()
        .iter()
        .find(|k| k.access_key_id() == Some(key.access_key_id()))
        .unwrap();
    assert_eq!(inactive.status(), Some(&StatusType::Inactive));

    for id in [key.access_key_id(), second.access_key().unwrap().access_key_id()] {
        client
            .delete_access_key()
            .user_name("alice")
            .access_key_id(id)
            .send()
            .await
            .unwrap();
    }
    let err = client
        .delete_access_key()
        .user_name("alice")
        .access_key_id(key.access_key_id())
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
    client.delete_user().user_name("alice").send().await.unwrap();
}

#[tokio::test]
async fn inline_user_policies() {
    let server = TestServer::sqlite().await;
    let client = iam(&server);
    client.create_user().user_name("alice").send().await.unwrap();

    let err = client
        .put_user_policy()
        .user_name("alice")
        .policy_name("bad")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}"#)
        .send()
        .await
        .unwrap_err();
    assert_error(err, "MalformedPolicyDocument", 400);

    client
        .put_user_policy()
        .user_name("alice")
        .policy_name("all")
        .policy_document(ALLOW_ALL)
        .send()
        .await
        .unwrap();
    let got = client
        .get_user_policy()
        .user_name("alice")
        .policy_name("all")
        .send()
        .await
        .unwrap();
    assert_eq!(got.policy_name(), "all");
    // AWS returns the document URL-encoded.
    assert!(
        got.policy_document()
            .starts_with("%7B%22Version%22%3A%222012-10-17%22"),
        "{}",
        got.policy_document()
    );
    let names = client
        .list_user_policies()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(names.policy_names(), ["all"]);

    let err = client.delete_user().user_name("alice").send().await.unwrap_err();
    assert_error(err, "DeleteConflict", 409);
    let err = client
        .get_user_policy()
        .user_name("alice")
        .policy_name("none")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
    client
        .delete_user_policy()
        .user_name("alice")
        .policy_name("all")
        .send()
        .await
        .unwrap();
    client.delete_user().user_name("alice").send().await.unwrap();
}

/// Replaces the user id and dates of an IAM body as well as what [`common::redact`] replaces.
fn redact(text: &str, server: &TestServer) -> String {
    let mut out = common::redact(text, server);
    for (open, close, label) in [
        ("<UserId>", "</UserId>", "[USER_ID]"),
        ("<CreateDate>", "</CreateDate>", "[TIME]"),
    ] {
        let mut from = 0;
        while let Some(start) = out[from..].find(open).map(|i| i + from) {
            let Some(end) = out[start..].find(close) else {
                break;
            };
            out = format!("{}{open}{label}{}", &out[..start], &out[start + end..]);
            from = start + open.len() + label.len();
        }
    }
    out
}

#[tokio::test]
async fn wire_snapshots() {
    let server = TestServer::sqlite().await;
    let created = server
        .request("iam")
        .query_action("Action=CreateUser&Version=2010-05-08&UserName=alice&Path=%2Feng%2F&Tags.member.1.Key=team&Tags.member.1.Value=blue")
        .send()
        .await;
    assert_eq!(created.status, 200);
    insta::assert_snapshot!("iam_create_user", redact(&created.body, &server));
    let key = server
        .request("iam")
        .query_action("Action=CreateAccessKey&Version=2010-05-08&UserName=alice")
        .send()
        .await;
    assert_eq!(key.status, 200);
    let listed = server
        .request("iam")
        .query_action("Action=ListAccessKeys&Version=2010-05-08&UserName=alice")
        .send()
        .await;
    insta::assert_snapshot!("iam_list_access_keys", redact(&listed.body, &server));
    let missing = server
        .request("iam")
        .query_action("Action=GetUser&Version=2010-05-08&UserName=nobody")
        .send()
        .await;
    assert_eq!(missing.status, 404);
    insta::assert_snapshot!("iam_no_such_entity", redact(&missing.body, &server));
}

/// The seed's own-key policy, exactly as written in the issue.
const OWN_KEYS_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"ManageOwnAccessKeys","Effect":"Allow",
 "Action":["iam:CreateAccessKey","iam:DeleteAccessKey","iam:GetAccessKeyLastUsed","iam:GetUser",
           "iam:ListAccessKeys","iam:UpdateAccessKey","iam:TagUser"],
 "Resource":"arn:aws:iam::*:user/${aws:username}"}]}"#;

#[tokio::test]
async fn alice_manages_her_own_keys_and_not_bobs() {
    let mut server = TestServer::sqlite().await;
    let root = iam(&server);
    for name in ["Alice", "Bob"] {
        root.create_user().user_name(name).send().await.unwrap();
    }
    root.put_user_policy()
        .user_name("Alice")
        .policy_name("ManageOwnAccessKeys")
        .policy_document(OWN_KEYS_POLICY)
        .send()
        .await
        .unwrap();
    let alice_key = root.create_access_key().user_name("Alice").send().await.unwrap();
    let alice_key = alice_key.access_key().unwrap();
    root.create_access_key().user_name("Bob").send().await.unwrap();
    let alice = iam_with(&server, alice_key.access_key_id(), alice_key.secret_access_key());

    // Her own keys: list, create, deactivate, delete.
    let listed = alice.list_access_keys().user_name("Alice").send().await.unwrap();
    assert_eq!(listed.access_key_metadata().len(), 1);
    let second = alice.create_access_key().user_name("Alice").send().await.unwrap();
    let second_id = second.access_key().unwrap().access_key_id().to_owned();
    alice
        .update_access_key()
        .user_name("Alice")
        .access_key_id(&second_id)
        .status(StatusType::Inactive)
        .send()
        .await
        .unwrap();
    alice
        .delete_access_key()
        .user_name("Alice")
        .access_key_id(&second_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        alice
            .get_user()
            .user_name("Alice")
            .send()
            .await
            .unwrap()
            .user()
            .unwrap()
            .user_name(),
        "Alice"
    );

    // Bob's: denied, naming the principal, the action and the resource.
    let err = alice
        .list_access_keys()
        .user_name("Bob")
        .send()
        .await
        .unwrap_err();
    let message = err.message().unwrap_or_default().to_owned();
    assert_error(err, "AccessDenied", 403);
    assert!(
        message.contains("arn:aws:iam::123456789012:user/Alice"),
        "{message}"
    );
    assert!(message.contains("iam:ListAccessKeys"), "{message}");
    assert!(
        message.contains("arn:aws:iam::123456789012:user/Bob"),
        "{message}"
    );
    let err = alice
        .create_access_key()
        .user_name("Bob")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "AccessDenied", 403);
    // Actions the policy does not name: denied even on herself.
    let err = alice.delete_user().user_name("Alice").send().await.unwrap_err();
    assert_error(err, "AccessDenied", 403);
    let err = alice.create_user().user_name("Mallory").send().await.unwrap_err();
    assert_error(err, "AccessDenied", 403);

    // Removing the policy takes effect at once on this node.
    root.delete_user_policy()
        .user_name("Alice")
        .policy_name("ManageOwnAccessKeys")
        .send()
        .await
        .unwrap();
    let err = alice
        .list_access_keys()
        .user_name("Alice")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "AccessDenied", 403);
    server.stop().await;
}

#[tokio::test]
async fn an_explicit_deny_wins() {
    let mut server = TestServer::sqlite().await;
    let root = iam(&server);
    root.create_user().user_name("carol").send().await.unwrap();
    root.put_user_policy()
        .user_name("carol")
        .policy_name("all")
        .policy_document(ALLOW_ALL)
        .send()
        .await
        .unwrap();
    root.put_user_policy()
        .user_name("carol")
        .policy_name("no-users")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:CreateUser","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    let key = root.create_access_key().user_name("carol").send().await.unwrap();
    let key = key.access_key().unwrap();
    let carol = iam_with(&server, key.access_key_id(), key.secret_access_key());
    carol.list_users().send().await.unwrap();
    let err = carol.create_user().user_name("dave").send().await.unwrap_err();
    let message = err.message().unwrap_or_default().to_owned();
    assert_error(err, "AccessDenied", 403);
    assert!(message.contains("explicit deny"), "{message}");
    server.stop().await;
}
