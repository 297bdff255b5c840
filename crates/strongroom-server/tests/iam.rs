//! IAM through the AWS SDK for Rust (and raw signed requests for the wire snapshots), against a real server:
//! users, access keys (which then authenticate, and stop when deactivated), inline user policies, customer
//! managed policies with their versions and attachments, and groups (whose policies authorize their members).
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
    // The key signed the calls above (IAM last): its last use is known before any flush to the store.
    let used = last_used.access_key_last_used().unwrap();
    assert_eq!(used.service_name(), "iam");
    assert_eq!(used.region(), "us-east-1");
    assert!(used.last_used_date().is_some());

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
        ("<RoleId>", "</RoleId>", "[ROLE_ID]"),
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

/// Undoes the URL encoding AWS applies to policy documents.
fn url_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn version_doc(n: u32) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"V{n}","Effect":"Allow","Action":"iam:GetUser","Resource":"*"}}]}}"#
    )
}

#[tokio::test]
async fn managed_policies_and_their_versions() {
    let server = TestServer::sqlite().await;
    let client = iam(&server);

    let created = client
        .create_policy()
        .policy_name("Reader")
        .path("/team/")
        .description("reads things")
        .policy_document(version_doc(1))
        .tags(tag("team", "blue"))
        .send()
        .await
        .unwrap();
    let policy = created.policy().unwrap();
    let arn = format!("arn:aws:iam::{ACCOUNT}:policy/team/Reader");
    assert_eq!(policy.arn(), Some(arn.as_str()));
    assert_eq!(policy.path(), Some("/team/"));
    assert_eq!(policy.default_version_id(), Some("v1"));
    assert_eq!(policy.attachment_count(), Some(0));
    assert!(policy.is_attachable());
    let id = policy.policy_id().unwrap();
    assert!(id.starts_with("ANPA") && id.len() == 21, "{id}");

    let err = client
        .create_policy()
        .policy_name("reader")
        .policy_document(version_doc(1))
        .send()
        .await
        .unwrap_err();
    assert_error(err, "EntityAlreadyExists", 409);
    let err = client
        .create_policy()
        .policy_name("bad")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}"#)
        .send()
        .await
        .unwrap_err();
    let message = err.message().unwrap_or_default().to_owned();
    assert_error(err, "MalformedPolicyDocument", 400);
    assert!(!message.is_empty());
    let err = client
        .create_policy()
        .policy_name("bad/name")
        .policy_document(version_doc(1))
        .send()
        .await
        .unwrap_err();
    assert_error(err, "ValidationError", 400);

    let got = client.get_policy().policy_arn(&arn).send().await.unwrap();
    let got = got.policy().unwrap();
    assert_eq!(got.description(), Some("reads things"));
    assert_eq!(got.tags(), [tag("team", "blue")]);
    for missing in [
        format!("arn:aws:iam::{ACCOUNT}:policy/Reader"),
        format!("arn:aws:iam::{ACCOUNT}:policy/team/nope"),
        "arn:aws:iam::aws:policy/ReadOnlyAccess".to_owned(),
    ] {
        let err = client.get_policy().policy_arn(missing).send().await.unwrap_err();
        assert_error(err, "NoSuchEntity", 404);
    }

    for name in ["alpha", "omega"] {
        client
            .create_policy()
            .policy_name(name)
            .policy_document(version_doc(1))
            .send()
            .await
            .unwrap();
    }
    let local = client
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Local)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = local
        .policies()
        .iter()
        .map(|p| p.policy_name().unwrap())
        .collect();
    assert_eq!(names, ["alpha", "omega", "Reader"]);
    let team = client.list_policies().path_prefix("/team/").send().await.unwrap();
    assert_eq!(team.policies().len(), 1);
    let first = client.list_policies().max_items(2).send().await.unwrap();
    assert!(first.is_truncated());
    let rest = client
        .list_policies()
        .max_items(2)
        .marker(first.marker().unwrap())
        .send()
        .await
        .unwrap();
    assert!(!rest.is_truncated());
    assert_eq!(rest.policies()[0].policy_name(), Some("Reader"));
    let aws = client
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Aws)
        .send()
        .await
        .unwrap();
    assert!(aws.policies().is_empty());

    // Versions: at most five; SetAsDefault moves the default.
    for n in 2..=5 {
        let version = client
            .create_policy_version()
            .policy_arn(&arn)
            .policy_document(version_doc(n))
            .set_as_default(n == 3)
            .send()
            .await
            .unwrap();
        let version = version.policy_version().unwrap();
        assert_eq!(version.version_id(), Some(format!("v{n}").as_str()));
        assert_eq!(version.is_default_version(), n == 3);
    }
    let err = client
        .create_policy_version()
        .policy_arn(&arn)
        .policy_document(version_doc(6))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some(
            "A managed policy can have up to 5 versions. Before you create a new version, you must delete an \
             existing version."
        )
    );
    assert_error(err, "LimitExceeded", 409);
    let err = client
        .create_policy_version()
        .policy_arn(&arn)
        .policy_document("{}")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "MalformedPolicyDocument", 400);

    let got = client
        .get_policy_version()
        .policy_arn(&arn)
        .version_id("v3")
        .send()
        .await
        .unwrap();
    let got = got.policy_version().unwrap();
    assert!(got.is_default_version());
    // AWS returns the document URL-encoded.
    let document = got.document().unwrap();
    assert!(document.starts_with("%7B%22Version%22"), "{document}");
    assert_eq!(url_decode(document), version_doc(3));
    let policy = client.get_policy().policy_arn(&arn).send().await.unwrap();
    assert_eq!(policy.policy().unwrap().default_version_id(), Some("v3"));

    let versions = client
        .list_policy_versions()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let ids: Vec<_> = versions
        .versions()
        .iter()
        .map(|v| v.version_id().unwrap())
        .collect();
    assert_eq!(ids, ["v5", "v4", "v3", "v2", "v1"]);
    let defaults: Vec<_> = versions
        .versions()
        .iter()
        .map(|v| v.is_default_version())
        .collect();
    assert_eq!(defaults, [false, false, true, false, false]);

    client
        .set_default_policy_version()
        .policy_arn(&arn)
        .version_id("v5")
        .send()
        .await
        .unwrap();
    let err = client
        .delete_policy_version()
        .policy_arn(&arn)
        .version_id("v5")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "DeleteConflict", 409);
    client
        .delete_policy_version()
        .policy_arn(&arn)
        .version_id("v2")
        .send()
        .await
        .unwrap();
    let err = client
        .get_policy_version()
        .policy_arn(&arn)
        .version_id("v2")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
    let err = client
        .set_default_policy_version()
        .policy_arn(&arn)
        .version_id("v2")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
    let err = client
        .get_policy_version()
        .policy_arn(&arn)
        .version_id("2")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "ValidationError", 400);
    // Version numbers are not reused.
    let next = client
        .create_policy_version()
        .policy_arn(&arn)
        .policy_document(version_doc(6))
        .send()
        .await
        .unwrap();
    assert_eq!(next.policy_version().unwrap().version_id(), Some("v6"));

    // A policy with non-default versions cannot be deleted.
    let err = client.delete_policy().policy_arn(&arn).send().await.unwrap_err();
    assert_error(err, "DeleteConflict", 409);
    for v in ["v1", "v3", "v4", "v6"] {
        client
            .delete_policy_version()
            .policy_arn(&arn)
            .version_id(v)
            .send()
            .await
            .unwrap();
    }
    client.delete_policy().policy_arn(&arn).send().await.unwrap();
    let err = client.get_policy().policy_arn(&arn).send().await.unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
    let err = client.delete_policy().policy_arn(&arn).send().await.unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
}

#[tokio::test]
async fn attaching_managed_policies_to_users() {
    let server = TestServer::sqlite().await;
    let client = iam(&server);
    client.create_user().user_name("alice").send().await.unwrap();
    let arn = client
        .create_policy()
        .policy_name("p")
        .policy_document(version_doc(1))
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();
    client
        .create_policy()
        .policy_name("unused")
        .policy_document(version_doc(1))
        .send()
        .await
        .unwrap();

    // Attaching twice is no error and no second attachment.
    for _ in 0..2 {
        client
            .attach_user_policy()
            .user_name("alice")
            .policy_arn(&arn)
            .send()
            .await
            .unwrap();
    }
    let policy = client.get_policy().policy_arn(&arn).send().await.unwrap();
    assert_eq!(policy.policy().unwrap().attachment_count(), Some(1));
    let attached = client
        .list_attached_user_policies()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(attached.attached_policies().len(), 1);
    assert_eq!(attached.attached_policies()[0].policy_name(), Some("p"));
    assert_eq!(attached.attached_policies()[0].policy_arn(), Some(arn.as_str()));
    assert!(!attached.is_truncated());
    let only = client.list_policies().only_attached(true).send().await.unwrap();
    let names: Vec<_> = only.policies().iter().map(|p| p.policy_name().unwrap()).collect();
    assert_eq!(names, ["p"]);

    let err = client
        .attach_user_policy()
        .user_name("alice")
        .policy_arn(format!("arn:aws:iam::{ACCOUNT}:policy/nope"))
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
    let err = client
        .attach_user_policy()
        .user_name("nobody")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
    let err = client
        .list_attached_user_policies()
        .user_name("nobody")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);

    // Attached: neither the policy nor the user can be deleted.
    let err = client.delete_policy().policy_arn(&arn).send().await.unwrap_err();
    assert_error(err, "DeleteConflict", 409);
    let err = client.delete_user().user_name("alice").send().await.unwrap_err();
    assert_error(err, "DeleteConflict", 409);

    client
        .detach_user_policy()
        .user_name("alice")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let err = client
        .detach_user_policy()
        .user_name("alice")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
    let attached = client
        .list_attached_user_policies()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    assert!(attached.attached_policies().is_empty());
    client.delete_policy().policy_arn(&arn).send().await.unwrap();
    client.delete_user().user_name("alice").send().await.unwrap();
}

/// The own-key policy of the managed-policy flow, exactly as the issue gives it.
const OWN_KEYS_MANAGED: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"ManageOwnAccessKeys","Effect":"Allow","Action":["iam:CreateAccessKey","iam:DeleteAccessKey","iam:GetAccessKeyLastUsed","iam:GetUser","iam:ListAccessKeys","iam:UpdateAccessKey","iam:TagUser"],"Resource":"arn:aws:iam::*:user/${aws:username}"}]}"#;

#[tokio::test]
async fn an_attached_managed_policy_authorizes_its_user() {
    let mut server = TestServer::sqlite().await;
    let root = iam(&server);
    for name in ["Alice", "Bob"] {
        root.create_user().user_name(name).send().await.unwrap();
    }
    let arn = root
        .create_policy()
        .policy_name("ManageOwnAccessKeys")
        .policy_document(OWN_KEYS_MANAGED)
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();
    let alice_key = root.create_access_key().user_name("Alice").send().await.unwrap();
    let alice_key = alice_key.access_key().unwrap();
    root.create_access_key().user_name("Bob").send().await.unwrap();
    let alice = iam_with(&server, alice_key.access_key_id(), alice_key.secret_access_key());

    // Nothing attached yet: denied.
    let err = alice
        .list_access_keys()
        .user_name("Alice")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "AccessDenied", 403);

    root.attach_user_policy()
        .user_name("Alice")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let listed = alice.list_access_keys().user_name("Alice").send().await.unwrap();
    assert_eq!(listed.access_key_metadata().len(), 1);
    let err = alice
        .list_access_keys()
        .user_name("Bob")
        .send()
        .await
        .unwrap_err();
    let message = err.message().unwrap_or_default().to_owned();
    assert_error(err, "AccessDenied", 403);
    assert!(message.contains("iam:ListAccessKeys"), "{message}");
    assert!(message.contains("user/Bob"), "{message}");

    // A new default version that allows nothing takes effect at once on this node…
    root.create_policy_version()
        .policy_arn(&arn)
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/nobody"}]}"#,
        )
        .set_as_default(true)
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
    // …and so does going back to the first.
    root.set_default_policy_version()
        .policy_arn(&arn)
        .version_id("v1")
        .send()
        .await
        .unwrap();
    alice.list_access_keys().user_name("Alice").send().await.unwrap();

    // Detached: denied her own keys too.
    root.detach_user_policy()
        .user_name("Alice")
        .policy_arn(&arn)
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
async fn groups_members_and_policies() {
    let server = TestServer::sqlite().await;
    let client = iam(&server);
    for name in ["alice", "bob"] {
        client.create_user().user_name(name).send().await.unwrap();
    }
    let created = client
        .create_group()
        .group_name("Devs")
        .path("/eng/")
        .send()
        .await
        .unwrap();
    let group = created.group().unwrap();
    assert_eq!(group.arn(), format!("arn:aws:iam::{ACCOUNT}:group/eng/Devs"));
    assert!(group.group_id().starts_with("AGPA") && group.group_id().len() == 21);
    let err = client.create_group().group_name("devs").send().await.unwrap_err();
    assert_error(err, "EntityAlreadyExists", 409);
    let err = client
        .create_group()
        .group_name("bad/name")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "ValidationError", 400);
    for name in ["ops", "qa"] {
        client.create_group().group_name(name).send().await.unwrap();
    }
    let eng = client.list_groups().path_prefix("/eng/").send().await.unwrap();
    assert_eq!(eng.groups().len(), 1);
    let first = client.list_groups().max_items(2).send().await.unwrap();
    let names: Vec<_> = first.groups().iter().map(|g| g.group_name()).collect();
    assert_eq!(names, ["Devs", "ops"]);
    assert!(first.is_truncated());
    let rest = client
        .list_groups()
        .marker(first.marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.groups()[0].group_name(), "qa");

    // Members: adding twice is no error.
    for user in ["alice", "alice", "bob"] {
        client
            .add_user_to_group()
            .group_name("devs")
            .user_name(user)
            .send()
            .await
            .unwrap();
    }
    client
        .add_user_to_group()
        .group_name("ops")
        .user_name("alice")
        .send()
        .await
        .unwrap();
    let got = client.get_group().group_name("Devs").send().await.unwrap();
    assert_eq!(got.group().unwrap().group_name(), "Devs");
    let members: Vec<_> = got.users().iter().map(|u| u.user_name()).collect();
    assert_eq!(members, ["alice", "bob"]);
    let paged = client
        .get_group()
        .group_name("Devs")
        .max_items(1)
        .send()
        .await
        .unwrap();
    assert!(paged.is_truncated());
    let groups = client
        .list_groups_for_user()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    let names: Vec<_> = groups.groups().iter().map(|g| g.group_name()).collect();
    assert_eq!(names, ["Devs", "ops"]);
    let err = client
        .add_user_to_group()
        .group_name("devs")
        .user_name("nobody")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
    let err = client
        .add_user_to_group()
        .group_name("nope")
        .user_name("alice")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
    let err = client.get_group().group_name("nope").send().await.unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
    let err = client
        .list_groups_for_user()
        .user_name("nobody")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);

    // Inline group policies.
    let err = client
        .put_group_policy()
        .group_name("devs")
        .policy_name("bad")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}"#)
        .send()
        .await
        .unwrap_err();
    assert_error(err, "MalformedPolicyDocument", 400);
    client
        .put_group_policy()
        .group_name("devs")
        .policy_name("all")
        .policy_document(ALLOW_ALL)
        .send()
        .await
        .unwrap();
    let got = client
        .get_group_policy()
        .group_name("devs")
        .policy_name("all")
        .send()
        .await
        .unwrap();
    assert_eq!(got.group_name(), "Devs");
    assert_eq!(url_decode(got.policy_document()), ALLOW_ALL);
    let names = client
        .list_group_policies()
        .group_name("devs")
        .send()
        .await
        .unwrap();
    assert_eq!(names.policy_names(), ["all"]);
    let err = client
        .get_group_policy()
        .group_name("devs")
        .policy_name("none")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);

    // Attached managed policies.
    let arn = client
        .create_policy()
        .policy_name("p")
        .policy_document(version_doc(1))
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();
    for _ in 0..2 {
        client
            .attach_group_policy()
            .group_name("devs")
            .policy_arn(&arn)
            .send()
            .await
            .unwrap();
    }
    let attached = client
        .list_attached_group_policies()
        .group_name("devs")
        .send()
        .await
        .unwrap();
    assert_eq!(attached.attached_policies().len(), 1);
    assert_eq!(attached.attached_policies()[0].policy_arn(), Some(arn.as_str()));
    let policy = client.get_policy().policy_arn(&arn).send().await.unwrap();
    assert_eq!(policy.policy().unwrap().attachment_count(), Some(1));
    let err = client
        .attach_group_policy()
        .group_name("devs")
        .policy_arn(format!("arn:aws:iam::{ACCOUNT}:policy/nope"))
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
    let err = client.delete_policy().policy_arn(&arn).send().await.unwrap_err();
    assert_error(err, "DeleteConflict", 409);

    // Deletion conflicts, in AWS's order: members, inline policies, attached policies.
    let err = client.delete_user().user_name("bob").send().await.unwrap_err();
    assert_error(err, "DeleteConflict", 409);
    let err = client.delete_group().group_name("devs").send().await.unwrap_err();
    assert_error(err, "DeleteConflict", 409);
    for user in ["alice", "bob"] {
        client
            .remove_user_from_group()
            .group_name("devs")
            .user_name(user)
            .send()
            .await
            .unwrap();
    }
    let err = client
        .remove_user_from_group()
        .group_name("devs")
        .user_name("bob")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
    client.delete_user().user_name("bob").send().await.unwrap();
    let err = client.delete_group().group_name("devs").send().await.unwrap_err();
    assert_error(err, "DeleteConflict", 409);
    client
        .delete_group_policy()
        .group_name("devs")
        .policy_name("all")
        .send()
        .await
        .unwrap();
    let err = client.delete_group().group_name("devs").send().await.unwrap_err();
    assert_error(err, "DeleteConflict", 409);
    client
        .detach_group_policy()
        .group_name("devs")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let err = client
        .detach_group_policy()
        .group_name("devs")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
    client.delete_group().group_name("devs").send().await.unwrap();
    let err = client.get_group().group_name("devs").send().await.unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
    client.delete_policy().policy_arn(&arn).send().await.unwrap();
}

#[tokio::test]
async fn group_policies_authorize_the_members() {
    let mut server = TestServer::sqlite().await;
    let root = iam(&server);
    for name in ["Alice", "Bob"] {
        root.create_user().user_name(name).send().await.unwrap();
    }
    root.create_group()
        .group_name("self-service")
        .send()
        .await
        .unwrap();
    let arn = root
        .create_policy()
        .policy_name("ManageOwnAccessKeys")
        .policy_document(OWN_KEYS_MANAGED)
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();
    root.attach_group_policy()
        .group_name("self-service")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let key = root.create_access_key().user_name("Alice").send().await.unwrap();
    let key = key.access_key().unwrap();
    let alice = iam_with(&server, key.access_key_id(), key.secret_access_key());
    let err = alice
        .list_access_keys()
        .user_name("Alice")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "AccessDenied", 403);

    // A member gets the group's attached policy at once…
    root.add_user_to_group()
        .group_name("self-service")
        .user_name("Alice")
        .send()
        .await
        .unwrap();
    alice.list_access_keys().user_name("Alice").send().await.unwrap();
    let err = alice
        .list_access_keys()
        .user_name("Bob")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "AccessDenied", 403);
    // …loses it when it is detached from the group…
    root.detach_group_policy()
        .group_name("self-service")
        .policy_arn(&arn)
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
    // …gets the group's inline policies…
    root.put_group_policy()
        .group_name("self-service")
        .policy_name("own-keys")
        .policy_document(OWN_KEYS_MANAGED)
        .send()
        .await
        .unwrap();
    alice.list_access_keys().user_name("Alice").send().await.unwrap();
    // …and loses everything when she leaves the group.
    root.remove_user_from_group()
        .group_name("self-service")
        .user_name("Alice")
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

// -------------------------------------------------------------------------------------------------------------
// Roles and AssumeRole.

fn iam_session(server: &TestServer, id: &str, secret: &str, token: &str) -> aws_sdk_iam::Client {
    let credentials = aws_sdk_iam::config::Credentials::new(id, secret, Some(token.to_owned()), None, "test");
    let config = aws_sdk_iam::Config::builder()
        .endpoint_url(&server.endpoint)
        .region(aws_sdk_iam::config::Region::new("us-east-1"))
        .credentials_provider(credentials)
        .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
        .build();
    aws_sdk_iam::Client::from_conf(config)
}

fn trust_of(principal: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"sts:AssumeRole"}}]}}"#
    )
}

fn allow(action: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#
    )
}

/// Creates user `name` with an access key; returns (id, secret).
async fn user_with_key(client: &aws_sdk_iam::Client, name: &str) -> (String, String) {
    client.create_user().user_name(name).send().await.unwrap();
    let key = client.create_access_key().user_name(name).send().await.unwrap();
    let key = key.access_key().unwrap();
    (key.access_key_id().to_owned(), key.secret_access_key().to_owned())
}

#[tokio::test]
async fn role_lifecycle() {
    let server = TestServer::sqlite().await;
    let client = iam(&server);
    let trust = trust_of(&format!("arn:aws:iam::{ACCOUNT}:root"));

    let created = client
        .create_role()
        .role_name("deploy")
        .path("/ci/")
        .description("deploys things")
        .max_session_duration(7200)
        .assume_role_policy_document(&trust)
        .tags(tag("team", "blue"))
        .send()
        .await
        .unwrap();
    let role = created.role().unwrap();
    assert_eq!(role.role_name(), "deploy");
    assert_eq!(role.path(), "/ci/");
    assert_eq!(role.arn(), format!("arn:aws:iam::{ACCOUNT}:role/ci/deploy"));
    assert!(role.role_id().starts_with("AROA") && role.role_id().len() == 21);
    assert_eq!(role.description(), Some("deploys things"));
    assert_eq!(role.max_session_duration(), Some(7200));
    assert_eq!(role.tags().len(), 1);
    assert_eq!(url_decode(role.assume_role_policy_document().unwrap()), trust);

    let got = client.get_role().role_name("DEPLOY").send().await.unwrap();
    assert_eq!(got.role().unwrap().role_id(), role.role_id());
    client
        .create_role()
        .role_name("reader")
        .assume_role_policy_document(&trust)
        .send()
        .await
        .unwrap();
    let reader = client.get_role().role_name("reader").send().await.unwrap();
    assert_eq!(reader.role().unwrap().max_session_duration(), Some(3600));
    assert_eq!(reader.role().unwrap().path(), "/");

    let listed = client.list_roles().send().await.unwrap();
    let names: Vec<&str> = listed.roles().iter().map(|r| r.role_name()).collect();
    assert_eq!(names, ["deploy", "reader"]);
    let page = client.list_roles().max_items(1).send().await.unwrap();
    assert!(page.is_truncated());
    let rest = client
        .list_roles()
        .marker(page.marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.roles()[0].role_name(), "reader");
    let prefixed = client.list_roles().path_prefix("/ci/").send().await.unwrap();
    assert_eq!(prefixed.roles().len(), 1);

    // Errors.
    let err = client
        .create_role()
        .role_name("Deploy")
        .assume_role_policy_document(&trust)
        .send()
        .await
        .unwrap_err();
    assert_error(err, "EntityAlreadyExists", 409);
    let err = client
        .create_role()
        .role_name("bad")
        .assume_role_policy_document(ALLOW_ALL)
        .send()
        .await
        .unwrap_err();
    assert_error(err, "MalformedPolicyDocument", 400);
    let err = client
        .create_role()
        .role_name("short")
        .max_session_duration(600)
        .assume_role_policy_document(&trust)
        .send()
        .await
        .unwrap_err();
    assert_error(err, "ValidationError", 400);
    let err = client.get_role().role_name("nope").send().await.unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
    let err = client
        .update_assume_role_policy()
        .role_name("deploy")
        .policy_document("{")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "MalformedPolicyDocument", 400);

    // Trust policy update.
    let new_trust = trust_of(ACCOUNT);
    client
        .update_assume_role_policy()
        .role_name("deploy")
        .policy_document(&new_trust)
        .send()
        .await
        .unwrap();
    let got = client.get_role().role_name("deploy").send().await.unwrap();
    assert_eq!(
        url_decode(got.role().unwrap().assume_role_policy_document().unwrap()),
        new_trust
    );

    // Inline policies.
    client
        .put_role_policy()
        .role_name("deploy")
        .policy_name("list")
        .policy_document(allow("iam:List*"))
        .send()
        .await
        .unwrap();
    let policy = client
        .get_role_policy()
        .role_name("deploy")
        .policy_name("list")
        .send()
        .await
        .unwrap();
    assert_eq!(policy.role_name(), "deploy");
    assert_eq!(url_decode(policy.policy_document()), allow("iam:List*"));
    let names = client
        .list_role_policies()
        .role_name("deploy")
        .send()
        .await
        .unwrap();
    assert_eq!(names.policy_names(), ["list"]);
    let err = client
        .get_role_policy()
        .role_name("deploy")
        .policy_name("nope")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
    let err = client
        .put_role_policy()
        .role_name("deploy")
        .policy_name("bad")
        .policy_document(trust_of(ACCOUNT))
        .send()
        .await
        .unwrap_err();
    assert_error(err, "MalformedPolicyDocument", 400);

    // Managed policies.
    let managed = client
        .create_policy()
        .policy_name("shared")
        .policy_document(allow("iam:Get*"))
        .send()
        .await
        .unwrap();
    let arn = managed.policy().unwrap().arn().unwrap().to_owned();
    client
        .attach_role_policy()
        .role_name("deploy")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let attached = client
        .list_attached_role_policies()
        .role_name("deploy")
        .send()
        .await
        .unwrap();
    assert_eq!(attached.attached_policies().len(), 1);
    assert_eq!(attached.attached_policies()[0].policy_arn(), Some(arn.as_str()));
    let policy = client.get_policy().policy_arn(&arn).send().await.unwrap();
    assert_eq!(policy.policy().unwrap().attachment_count(), Some(1));
    let err = client
        .attach_role_policy()
        .role_name("deploy")
        .policy_arn(format!("arn:aws:iam::{ACCOUNT}:policy/nope"))
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);

    // Deletion is refused while policies remain.
    let err = client.delete_role().role_name("deploy").send().await.unwrap_err();
    assert_error(err, "DeleteConflict", 409);
    client
        .delete_role_policy()
        .role_name("deploy")
        .policy_name("list")
        .send()
        .await
        .unwrap();
    let err = client.delete_role().role_name("deploy").send().await.unwrap_err();
    assert_error(err, "DeleteConflict", 409);
    client
        .detach_role_policy()
        .role_name("deploy")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let err = client
        .detach_role_policy()
        .role_name("deploy")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
    client.delete_role().role_name("deploy").send().await.unwrap();
    let err = client.get_role().role_name("deploy").send().await.unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
    let err = client.delete_role().role_name("deploy").send().await.unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
}

#[tokio::test]
async fn assume_role_gives_the_role_s_permissions() {
    let server = TestServer::sqlite().await;
    let root = iam(&server);
    let (bob_id, bob_secret) = user_with_key(&root, "bob").await;
    let bob_arn = format!("arn:aws:iam::{ACCOUNT}:user/bob");
    let created = root
        .create_role()
        .role_name("reader")
        .assume_role_policy_document(trust_of(&bob_arn))
        .send()
        .await
        .unwrap();
    let role_id = created.role().unwrap().role_id().to_owned();
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/reader");
    root.put_role_policy()
        .role_name("reader")
        .policy_name("list")
        .policy_document(allow("iam:List*"))
        .send()
        .await
        .unwrap();

    // Bob is named by the trust policy: no identity policy needed.
    let bob_sts = server.sts_with(&bob_id, &bob_secret, None);
    let assumed = bob_sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("bob@ci")
        .send()
        .await
        .unwrap();
    let user = assumed.assumed_role_user().unwrap();
    let session_arn = format!("arn:aws:sts::{ACCOUNT}:assumed-role/reader/bob@ci");
    assert_eq!(user.arn(), session_arn);
    assert_eq!(user.assumed_role_id(), format!("{role_id}:bob@ci"));
    let creds = assumed.credentials().unwrap();
    assert!(creds.access_key_id().starts_with("ASIA"));

    let session_sts = server.sts_with(
        creds.access_key_id(),
        creds.secret_access_key(),
        Some(creds.session_token()),
    );
    let identity = session_sts.get_caller_identity().send().await.unwrap();
    assert_eq!(identity.arn(), Some(session_arn.as_str()));
    assert_eq!(identity.user_id(), Some(format!("{role_id}:bob@ci").as_str()));
    assert_eq!(identity.account(), Some(ACCOUNT));

    let session = iam_session(
        &server,
        creds.access_key_id(),
        creds.secret_access_key(),
        creds.session_token(),
    );
    session.list_users().send().await.unwrap();
    let err = session.create_user().user_name("eve").send().await.unwrap_err();
    assert_error(err, "AccessDenied", 403);
    assert!(
        err_message_contains(
            session.create_user().user_name("eve").send().await.unwrap_err(),
            &session_arn
        ),
        "the denial names the session"
    );

    // A session policy narrows the role's permissions.
    let narrowed = bob_sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("narrow")
        .policy(allow("iam:ListRoles"))
        .send()
        .await
        .unwrap();
    let creds = narrowed.credentials().unwrap();
    let narrow = iam_session(
        &server,
        creds.access_key_id(),
        creds.secret_access_key(),
        creds.session_token(),
    );
    narrow.list_roles().send().await.unwrap();
    let err = narrow.list_users().send().await.unwrap_err();
    assert_error(err, "AccessDenied", 403);

    // Role policy changes apply to live sessions.
    root.delete_role_policy()
        .role_name("reader")
        .policy_name("list")
        .send()
        .await
        .unwrap();
    let err = session.list_users().send().await.unwrap_err();
    assert_error(err, "AccessDenied", 403);

    // Errors.
    let err = bob_sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("long")
        .duration_seconds(7200)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationError"), "{err:?}");
    let err = bob_sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationError"), "{err:?}");
    let err = bob_sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("bad")
        .policy("{")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("MalformedPolicyDocument"), "{err:?}");
    let err = bob_sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/nope"))
        .role_session_name("s1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"), "{err:?}");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(403));
}

fn err_message_contains<E>(err: SdkError<E, HttpResponse>, text: &str) -> bool
where
    E: ProvideErrorMetadata + Debug,
{
    err.message().is_some_and(|m| m.contains(text))
}

#[tokio::test]
async fn assume_role_needs_the_trust_policy_and_delegated_identity_policies() {
    let server = TestServer::sqlite().await;
    let root = iam(&server);
    let (bob_id, bob_secret) = user_with_key(&root, "bob").await;
    let bob_sts = server.sts_with(&bob_id, &bob_secret, None);

    // A trust policy naming someone else.
    root.create_role()
        .role_name("theirs")
        .assume_role_policy_document(trust_of(&format!("arn:aws:iam::{ACCOUNT}:user/alice")))
        .send()
        .await
        .unwrap();
    let theirs = format!("arn:aws:iam::{ACCOUNT}:role/theirs");
    let err = bob_sts
        .assume_role()
        .role_arn(&theirs)
        .role_session_name("s1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"), "{err:?}");
    assert_eq!(
        err.message(),
        Some(
            format!(
                "User: arn:aws:iam::{ACCOUNT}:user/bob is not authorized to perform: sts:AssumeRole \
                 on resource: {theirs}"
            )
            .as_str()
        )
    );
    // Not even the root user may assume it: the trust policy does not name the account.
    let err = server
        .sts()
        .assume_role()
        .role_arn(&theirs)
        .role_session_name("s1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"), "{err:?}");

    // A trust policy naming the account delegates to identity policies.
    root.create_role()
        .role_name("account")
        .assume_role_policy_document(trust_of(ACCOUNT))
        .send()
        .await
        .unwrap();
    let account_role = format!("arn:aws:iam::{ACCOUNT}:role/account");
    let err = bob_sts
        .assume_role()
        .role_arn(&account_role)
        .role_session_name("s1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"), "{err:?}");
    server
        .sts()
        .assume_role()
        .role_arn(&account_role)
        .role_session_name("root-session")
        .send()
        .await
        .unwrap();
    root.put_user_policy()
        .user_name("bob")
        .policy_name("assume")
        .policy_document(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"{account_role}"}}]}}"#
        ))
        .send()
        .await
        .unwrap();
    let assumed = bob_sts
        .assume_role()
        .role_arn(&account_role)
        .role_session_name("s1")
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    assert_eq!(
        assumed.assumed_role_user().unwrap().arn(),
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/account/s1")
    );
}

// ---------------------------------------------------------------------------------------------------------
// Role updates and tags, permissions boundaries, access key last use, the policy simulator.

/// Creates a managed policy `name` under `/b/` allowing `action`; returns its ARN.
async fn managed_policy(client: &aws_sdk_iam::Client, name: &str, action: &str) -> String {
    let created = client
        .create_policy()
        .policy_name(name)
        .path("/b/")
        .policy_document(allow(action))
        .send()
        .await
        .unwrap();
    created.policy().unwrap().arn().unwrap().to_owned()
}

#[tokio::test]
async fn role_updates_and_tags() {
    let server = TestServer::sqlite().await;
    let client = iam(&server);
    client
        .create_role()
        .role_name("deploy")
        .assume_role_policy_document(trust_of(&format!("arn:aws:iam::{ACCOUNT}:root")))
        .tags(tag("team", "a"))
        .send()
        .await
        .unwrap();

    client
        .update_role()
        .role_name("Deploy")
        .description("ships things")
        .max_session_duration(7200)
        .send()
        .await
        .unwrap();
    let role = client.get_role().role_name("deploy").send().await.unwrap();
    let role = role.role().unwrap();
    assert_eq!(role.description(), Some("ships things"));
    assert_eq!(role.max_session_duration(), Some(7200));
    let described = client
        .update_role_description()
        .role_name("deploy")
        .description("new words")
        .send()
        .await
        .unwrap();
    let described = described.role().unwrap();
    assert_eq!(described.description(), Some("new words"));
    assert_eq!(described.max_session_duration(), Some(7200));
    assert_eq!(described.tags(), [tag("team", "a")]);

    let err = client
        .update_role()
        .role_name("deploy")
        .max_session_duration(60)
        .send()
        .await
        .unwrap_err();
    assert_error(err, "ValidationError", 400);
    let err = client
        .update_role()
        .role_name("nobody")
        .description("x")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);

    client
        .tag_role()
        .role_name("deploy")
        .tags(tag("env", "prod"))
        .tags(tag("team", "b"))
        .send()
        .await
        .unwrap();
    let tags = client
        .list_role_tags()
        .role_name("deploy")
        .max_items(1)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags(), [tag("team", "b")]);
    assert!(tags.is_truncated());
    let rest = client
        .list_role_tags()
        .role_name("deploy")
        .marker(tags.marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.tags(), [tag("env", "prod")]);
    assert!(!rest.is_truncated());
    client
        .untag_role()
        .role_name("deploy")
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    let tags = client.list_role_tags().role_name("deploy").send().await.unwrap();
    assert_eq!(tags.tags(), [tag("env", "prod")]);
    let mut too_many = client.tag_role().role_name("deploy");
    for i in 0..50 {
        too_many = too_many.tags(tag(&format!("k{i}"), "v"));
    }
    assert_error(too_many.send().await.unwrap_err(), "LimitExceeded", 409);
    let err = client
        .tag_role()
        .role_name("nobody")
        .tags(tag("a", "b"))
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
    let err = client
        .list_role_tags()
        .role_name("nobody")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);

    // A user allowed only TagRole on this role may tag it, and nothing else.
    let (id, secret) = user_with_key(&client, "tagger").await;
    client
        .put_user_policy()
        .user_name("tagger")
        .policy_name("tag")
        .policy_document(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"iam:TagRole","Resource":"arn:aws:iam::{ACCOUNT}:role/deploy"}}]}}"#
        ))
        .send()
        .await
        .unwrap();
    let tagger = iam_with(&server, &id, &secret);
    tagger
        .tag_role()
        .role_name("deploy")
        .tags(tag("by", "tagger"))
        .send()
        .await
        .unwrap();
    let err = tagger
        .untag_role()
        .role_name("deploy")
        .tag_keys("by")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "AccessDenied", 403);
}

#[tokio::test]
async fn permissions_boundaries_are_stored_shown_and_protect_their_policy() {
    let server = TestServer::sqlite().await;
    let client = iam(&server);
    let arn = managed_policy(&client, "Boundary", "s3:*").await;
    let missing = format!("arn:aws:iam::{ACCOUNT}:policy/b/Missing");

    let err = client
        .create_user()
        .user_name("alice")
        .permissions_boundary(&missing)
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
    let created = client
        .create_user()
        .user_name("alice")
        .permissions_boundary(&arn)
        .send()
        .await
        .unwrap();
    let boundary = created.user().unwrap().permissions_boundary().unwrap();
    assert_eq!(boundary.permissions_boundary_arn(), Some(arn.as_str()));
    assert_eq!(
        boundary.permissions_boundary_type().map(|t| t.as_str()),
        Some("PermissionsBoundaryPolicy")
    );
    let listed = client.list_users().send().await.unwrap();
    assert_eq!(
        listed.users()[0]
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn()),
        Some(arn.as_str())
    );
    client
        .delete_user_permissions_boundary()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    let got = client.get_user().user_name("alice").send().await.unwrap();
    assert!(got.user().unwrap().permissions_boundary().is_none());
    client
        .put_user_permissions_boundary()
        .user_name("alice")
        .permissions_boundary(&arn)
        .send()
        .await
        .unwrap();
    let got = client.get_user().user_name("alice").send().await.unwrap();
    assert!(got.user().unwrap().permissions_boundary().is_some());
    let err = client
        .put_user_permissions_boundary()
        .user_name("nobody")
        .permissions_boundary(&arn)
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);

    let created = client
        .create_role()
        .role_name("deploy")
        .assume_role_policy_document(trust_of(&format!("arn:aws:iam::{ACCOUNT}:root")))
        .permissions_boundary(&arn)
        .send()
        .await
        .unwrap();
    assert!(created.role().unwrap().permissions_boundary().is_some());
    client
        .delete_role_permissions_boundary()
        .role_name("deploy")
        .send()
        .await
        .unwrap();
    let err = client
        .put_role_permissions_boundary()
        .role_name("deploy")
        .permissions_boundary(&missing)
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
    let err = client
        .put_role_permissions_boundary()
        .role_name("deploy")
        .permissions_boundary("not-an-arn-but-long-enough")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "InvalidInput", 400);
    client
        .put_role_permissions_boundary()
        .role_name("deploy")
        .permissions_boundary(&arn)
        .send()
        .await
        .unwrap();
    let listed = client.list_roles().send().await.unwrap();
    assert_eq!(
        listed.roles()[0]
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn()),
        Some(arn.as_str())
    );

    // The policy is in use while it bounds anyone.
    let err = client.delete_policy().policy_arn(&arn).send().await.unwrap_err();
    assert_error(err, "DeleteConflict", 409);
    client
        .delete_user_permissions_boundary()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    let err = client.delete_policy().policy_arn(&arn).send().await.unwrap_err();
    assert_error(err, "DeleteConflict", 409);
    client
        .delete_role_permissions_boundary()
        .role_name("deploy")
        .send()
        .await
        .unwrap();
    client.delete_policy().policy_arn(&arn).send().await.unwrap();
}

#[tokio::test]
async fn get_access_key_last_used_reports_the_recorded_use() {
    let store: std::sync::Arc<dyn strongroom_service::Store> =
        std::sync::Arc::new(strongroom_store_sqlite::SqliteStore::memory().await.unwrap());
    let server = TestServer::on_store(std::sync::Arc::clone(&store)).await;
    let client = iam(&server);
    let (id, _) = user_with_key(&client, "alice").await;

    let never = client
        .get_access_key_last_used()
        .access_key_id(&id)
        .send()
        .await
        .unwrap();
    let never = never.access_key_last_used().unwrap();
    assert_eq!((never.service_name(), never.region()), ("N/A", "N/A"));
    assert!(never.last_used_date().is_none());

    let used_at = strongroom_types::OffsetDateTime::from_unix_timestamp(1_750_000_000).unwrap();
    store
        .record_access_key_use(&[strongroom_store::iam::AccessKeyUse {
            access_key_id: id.parse().unwrap(),
            used_at,
            service: "secretsmanager".to_owned(),
            region: "eu-west-1".to_owned(),
        }])
        .await
        .unwrap();
    let used = client
        .get_access_key_last_used()
        .access_key_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(used.user_name(), Some("alice"));
    let used = used.access_key_last_used().unwrap();
    assert_eq!(
        (used.service_name(), used.region()),
        ("secretsmanager", "eu-west-1")
    );
    assert_eq!(used.last_used_date().map(|d| d.secs()), Some(1_750_000_000));

    let err = client
        .get_access_key_last_used()
        .access_key_id("AKIA0000000000000000")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
}

#[tokio::test]
async fn simulate_principal_policy_for_alice_and_bob() {
    let server = TestServer::sqlite().await;
    let client = iam(&server);
    for name in ["Alice", "Bob"] {
        client.create_user().user_name(name).send().await.unwrap();
    }
    client
        .put_user_policy()
        .user_name("Alice")
        .policy_name("own-keys")
        .policy_document(OWN_KEYS_POLICY)
        .send()
        .await
        .unwrap();
    let alice = format!("arn:aws:iam::{ACCOUNT}:user/Alice");
    let bob = format!("arn:aws:iam::{ACCOUNT}:user/Bob");
    let simulated = client
        .simulate_principal_policy()
        .policy_source_arn(&alice)
        .action_names("iam:ListAccessKeys")
        .resource_arns(&alice)
        .resource_arns(&bob)
        .send()
        .await
        .unwrap();
    let results = simulated.evaluation_results();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].eval_resource_name(), Some(alice.as_str()));
    assert_eq!(results[0].eval_decision().as_str(), "allowed");
    let statement = &results[0].matched_statements()[0];
    assert_eq!(statement.source_policy_id(), Some("own-keys"));
    assert_eq!(statement.source_policy_type().map(|t| t.as_str()), Some("user"));
    assert_eq!(
        statement.start_position().map(|p| (p.line(), p.column())),
        Some((1, 38))
    );
    assert_eq!(results[1].eval_resource_name(), Some(bob.as_str()));
    assert_eq!(results[1].eval_decision().as_str(), "implicitDeny");
    assert!(results[1].matched_statements().is_empty());

    let denied = client
        .simulate_custom_policy()
        .policy_input_list(OWN_KEYS_POLICY)
        .policy_input_list(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"iam:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}}"#,
        )
        .action_names("iam:GetUser")
        .resource_arns(&alice)
        .caller_arn(&alice)
        .context_entries(
            aws_sdk_iam::types::ContextEntry::builder()
                .context_key_name("aws:MultiFactorAuthPresent")
                .context_key_values("false")
                .context_key_type(aws_sdk_iam::types::ContextKeyTypeEnum::Boolean)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let result = &denied.evaluation_results()[0];
    assert_eq!(result.eval_decision().as_str(), "explicitDeny");
    assert_eq!(
        result.matched_statements()[0].source_policy_id(),
        Some("PolicyInputList.2")
    );

    let err = client
        .simulate_principal_policy()
        .policy_source_arn(format!("arn:aws:iam::{ACCOUNT}:user/Nobody"))
        .action_names("iam:GetUser")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "NoSuchEntity", 404);
    let err = client
        .simulate_custom_policy()
        .policy_input_list("{")
        .action_names("iam:GetUser")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "InvalidInput", 400);

    // Bob may not simulate Alice without iam:SimulatePrincipalPolicy.
    let key = client.create_access_key().user_name("Bob").send().await.unwrap();
    let key = key.access_key().unwrap();
    let as_bob = iam_with(&server, key.access_key_id(), key.secret_access_key());
    let err = as_bob
        .simulate_principal_policy()
        .policy_source_arn(&alice)
        .action_names("iam:GetUser")
        .send()
        .await
        .unwrap_err();
    assert_error(err, "AccessDenied", 403);
}

#[tokio::test]
async fn wire_snapshots_of_roles_boundaries_and_simulation() {
    let server = TestServer::sqlite().await;
    let send = |body: String| {
        let request = server.request("iam").query_action(&body);
        async move { request.send().await }
    };
    let trust = trust_of(&format!("arn:aws:iam::{ACCOUNT}:root"));
    let policy = send(format!(
        "Action=CreatePolicy&Version=2010-05-08&PolicyName=Boundary&PolicyDocument={}",
        form(&allow("s3:*"))
    ))
    .await;
    assert_eq!(policy.status, 200);
    let boundary = format!("arn:aws:iam::{ACCOUNT}:policy/Boundary");
    let created = send(format!(
        "Action=CreateRole&Version=2010-05-08&RoleName=deploy&AssumeRolePolicyDocument={}&PermissionsBoundary={}&Tags.member.1.Key=team&Tags.member.1.Value=blue",
        form(&trust),
        form(&boundary)
    ))
    .await;
    assert_eq!(created.status, 200);
    let updated =
        send("Action=UpdateRole&Version=2010-05-08&RoleName=deploy&MaxSessionDuration=7200".to_owned()).await;
    assert_eq!(updated.status, 200);
    insta::assert_snapshot!("iam_update_role", redact(&updated.body, &server));
    let got = send("Action=GetRole&Version=2010-05-08&RoleName=deploy".to_owned()).await;
    insta::assert_snapshot!("iam_get_role_with_boundary", redact(&got.body, &server));
    let tags = send("Action=ListRoleTags&Version=2010-05-08&RoleName=deploy".to_owned()).await;
    insta::assert_snapshot!("iam_list_role_tags", redact(&tags.body, &server));
    let conflict = send(format!(
        "Action=DeletePolicy&Version=2010-05-08&PolicyArn={}",
        form(&boundary)
    ))
    .await;
    assert_eq!(conflict.status, 409);
    insta::assert_snapshot!(
        "iam_delete_policy_used_as_boundary",
        redact(&conflict.body, &server)
    );
    let simulated = send(format!(
        "Action=SimulateCustomPolicy&Version=2010-05-08&PolicyInputList.member.1={}&ActionNames.member.1=s3%3AGetObject&ActionNames.member.2=kms%3ADecrypt&PermissionsBoundaryPolicyInputList.member.1={}",
        form(&allow("s3:*")),
        form(&allow("s3:Get*"))
    ))
    .await;
    assert_eq!(simulated.status, 200);
    insta::assert_snapshot!("iam_simulate_custom_policy", redact(&simulated.body, &server));
}

/// `text` percent-encoded for a form body.
fn form(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
