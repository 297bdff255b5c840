//! Authorization end to end through the AWS SDK for Rust: session tags, transitive tags and source identity
//! from AssumeRole (and the trust-policy permissions they need), managed session policies, secret resource
//! policies, context keys (`aws:ResourceTag`, `aws:PrincipalTag`, `secretsmanager:VersionStage`,
//! `aws:TokenIssueTime` for revoking older sessions), and the deciding statement in the audit record.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_sdk_sts::types::{PolicyDescriptorType, Tag};
use common::{ACCOUNT, TestServer};

fn iam(server: &TestServer) -> aws_sdk_iam::Client {
    let credentials = aws_sdk_iam::config::Credentials::new(
        &server.access_key_id,
        &server.secret_access_key,
        None,
        None,
        "t",
    );
    aws_sdk_iam::Client::from_conf(
        aws_sdk_iam::Config::builder()
            .endpoint_url(&server.endpoint)
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .credentials_provider(credentials)
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .build(),
    )
}

fn secrets(
    server: &TestServer,
    id: &str,
    secret: &str,
    token: Option<&str>,
) -> aws_sdk_secretsmanager::Client {
    let credentials =
        aws_sdk_secretsmanager::config::Credentials::new(id, secret, token.map(str::to_owned), None, "t");
    aws_sdk_secretsmanager::Client::from_conf(
        aws_sdk_secretsmanager::Config::builder()
            .endpoint_url(&server.endpoint)
            .region(aws_sdk_secretsmanager::config::Region::new("us-east-1"))
            .credentials_provider(credentials)
            .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
            .build(),
    )
}

fn root_secrets(server: &TestServer) -> aws_sdk_secretsmanager::Client {
    secrets(server, &server.access_key_id, &server.secret_access_key, None)
}

async fn user_with_key(client: &aws_sdk_iam::Client, name: &str) -> (String, String) {
    client.create_user().user_name(name).send().await.unwrap();
    let key = client.create_access_key().user_name(name).send().await.unwrap();
    let key = key.access_key().unwrap();
    (key.access_key_id().to_owned(), key.secret_access_key().to_owned())
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

/// A role `name` trusted by `trust` (a JSON policy), allowed `permissions` (a JSON policy).
async fn role(client: &aws_sdk_iam::Client, name: &str, trust: &str, permissions: &str) -> String {
    client
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    client
        .put_role_policy()
        .role_name(name)
        .policy_name("permissions")
        .policy_document(permissions)
        .send()
        .await
        .unwrap();
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

const TRUST_BOB_ASSUME_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/bob"},"Action":"sts:AssumeRole"}]}"#;

const TRUST_BOB_ALL: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/bob"},
   "Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}]}"#;

/// Secrets whose `Project` tag equals the caller's `Project` principal tag.
const SAME_PROJECT: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["secretsmanager:GetSecretValue","sts:AssumeRole","sts:TagSession"],"Resource":"*",
   "Condition":{"StringEquals":{"aws:ResourceTag/Project":"${aws:PrincipalTag/Project}"}}},
  {"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession","sts:GetCallerIdentity"],"Resource":"*"}]}"#;

async fn secret_tagged(server: &TestServer, name: &str, project: &str) {
    root_secrets(server)
        .create_secret()
        .name(name)
        .secret_string(format!("value of {name}"))
        .tags(
            aws_sdk_secretsmanager::types::Tag::builder()
                .key("Project")
                .value(project)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn session_tags_need_tag_session_and_become_principal_tags() {
    let server = TestServer::sqlite().await;
    let root = iam(&server);
    let (bob_id, bob_secret) = user_with_key(&root, "bob").await;
    let plain = role(&root, "plain", TRUST_BOB_ASSUME_ONLY, SAME_PROJECT).await;
    let tagged = role(&root, "tagged", TRUST_BOB_ALL, SAME_PROJECT).await;
    secret_tagged(&server, "blue-db", "blue").await;
    secret_tagged(&server, "red-db", "red").await;
    let bob = server.sts_with(&bob_id, &bob_secret, None);

    // Tags without sts:TagSession in the trust policy: denied, naming the action.
    let err = bob
        .assume_role()
        .role_arn(&plain)
        .role_session_name("s1")
        .tags(tag("Project", "blue"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"), "{err:?}");
    assert!(err.message().unwrap().contains("sts:TagSession"), "{err:?}");

    let session = bob
        .assume_role()
        .role_arn(&tagged)
        .role_session_name("s1")
        .tags(tag("Project", "blue"))
        .transitive_tag_keys("Project")
        .send()
        .await
        .unwrap();
    #[allow(
        deprecated,
        reason = "AWS still sends PackedPolicySize; the SDK reads it under the old name"
    )]
    let packed = session.packed_policy_size();
    assert!(packed.is_some());
    let creds = session.credentials().unwrap();
    let sm = secrets(
        &server,
        creds.access_key_id(),
        creds.secret_access_key(),
        Some(creds.session_token()),
    );
    let value = sm.get_secret_value().secret_id("blue-db").send().await.unwrap();
    assert_eq!(value.secret_string(), Some("value of blue-db"));
    let err = sm
        .get_secret_value()
        .secret_id("red-db")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"), "{err:?}");

    // A chained session keeps the transitive tag, and may not override it.
    let chained_sts = server.sts_with(
        creds.access_key_id(),
        creds.secret_access_key(),
        Some(creds.session_token()),
    );
    let self_trust = r#"{"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/tagged"},
       "Action":["sts:AssumeRole","sts:TagSession"]}]}"#;
    let next = role(&root, "next", self_trust, SAME_PROJECT).await;
    let err = chained_sts
        .assume_role()
        .role_arn(&next)
        .role_session_name("s2")
        .tags(tag("Project", "red"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidInput"), "{err:?}");
    let chained = chained_sts
        .assume_role()
        .role_arn(&next)
        .role_session_name("s2")
        .send()
        .await
        .unwrap();
    let creds = chained.credentials().unwrap();
    let sm = secrets(
        &server,
        creds.access_key_id(),
        creds.secret_access_key(),
        Some(creds.session_token()),
    );
    sm.get_secret_value().secret_id("blue-db").send().await.unwrap();
    let err = sm
        .get_secret_value()
        .secret_id("red-db")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"), "{err:?}");

    // Malformed tag input: a transitive key that names no tag, duplicate keys.
    let err = bob
        .assume_role()
        .role_arn(&tagged)
        .role_session_name("s3")
        .tags(tag("Project", "blue"))
        .transitive_tag_keys("Team")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidInput"), "{err:?}");
    let err = bob
        .assume_role()
        .role_arn(&tagged)
        .role_session_name("s3")
        .tags(tag("Project", "blue"))
        .tags(tag("project", "red"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidInput"), "{err:?}");
}

#[tokio::test]
async fn source_identity_needs_set_source_identity_and_sticks_through_chains() {
    let server = TestServer::sqlite().await;
    let root = iam(&server);
    let (bob_id, bob_secret) = user_with_key(&root, "bob").await;
    let only_own = r#"{"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"},
      {"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*",
       "Condition":{"StringEquals":{"aws:SourceIdentity":"bob@example.com"}}}]}"#;
    let plain = role(&root, "plain", TRUST_BOB_ASSUME_ONLY, only_own).await;
    let audited = role(&root, "audited", TRUST_BOB_ALL, only_own).await;
    root_secrets(&server)
        .create_secret()
        .name("db")
        .secret_string("v")
        .send()
        .await
        .unwrap();
    let bob = server.sts_with(&bob_id, &bob_secret, None);

    let err = bob
        .assume_role()
        .role_arn(&plain)
        .role_session_name("sess")
        .source_identity("bob@example.com")
        .send()
        .await
        .unwrap_err();
    assert!(
        err.message().unwrap().contains("sts:SetSourceIdentity"),
        "{err:?}"
    );
    let err = bob
        .assume_role()
        .role_arn(&audited)
        .role_session_name("sess")
        .source_identity("aws:bob")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationError"), "{err:?}");

    let with = bob
        .assume_role()
        .role_arn(&audited)
        .role_session_name("sess")
        .source_identity("bob@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(with.source_identity(), Some("bob@example.com"));
    let creds = with.credentials().unwrap();
    secrets(
        &server,
        creds.access_key_id(),
        creds.secret_access_key(),
        Some(creds.session_token()),
    )
    .get_secret_value()
    .secret_id("db")
    .send()
    .await
    .unwrap();

    let without = bob
        .assume_role()
        .role_arn(&audited)
        .role_session_name("sess")
        .send()
        .await
        .unwrap();
    let creds = without.credentials().unwrap();
    let err = secrets(
        &server,
        creds.access_key_id(),
        creds.secret_access_key(),
        Some(creds.session_token()),
    )
    .get_secret_value()
    .secret_id("db")
    .send()
    .await
    .unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"), "{err:?}");
}

#[tokio::test]
async fn managed_session_policies_narrow_the_session() {
    let server = TestServer::sqlite().await;
    let root = iam(&server);
    let (bob_id, bob_secret) = user_with_key(&root, "bob").await;
    let everything =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let admin = role(&root, "admin", TRUST_BOB_ASSUME_ONLY, everything).await;
    root.create_policy()
        .policy_name("list-users-only")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    let policy_arn = format!("arn:aws:iam::{ACCOUNT}:policy/list-users-only");
    let session = server
        .sts_with(&bob_id, &bob_secret, None)
        .assume_role()
        .role_arn(&admin)
        .role_session_name("narrow")
        .policy_arns(PolicyDescriptorType::builder().arn(&policy_arn).build())
        .send()
        .await
        .unwrap();
    let creds = session.credentials().unwrap();
    let credentials = aws_sdk_iam::config::Credentials::new(
        creds.access_key_id(),
        creds.secret_access_key(),
        Some(creds.session_token().to_owned()),
        None,
        "t",
    );
    let narrowed = aws_sdk_iam::Client::from_conf(
        aws_sdk_iam::Config::builder()
            .endpoint_url(&server.endpoint)
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .credentials_provider(credentials)
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .build(),
    );
    narrowed.list_users().send().await.unwrap();
    let err = narrowed.list_roles().send().await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"), "{err:?}");
    assert!(err.message().unwrap().contains("no session policy"), "{err:?}");
}

#[tokio::test]
async fn secret_resource_policies_grant_and_deny() {
    let server = TestServer::sqlite().await;
    let root = iam(&server);
    let (bob_id, bob_secret) = user_with_key(&root, "bob").await;
    let (carol_id, carol_secret) = user_with_key(&root, "carol").await;
    let sm = root_secrets(&server);
    sm.create_secret()
        .name("shared")
        .secret_string("v")
        .send()
        .await
        .unwrap();
    // Bob has no identity policy at all: the secret's policy names him.
    sm.put_resource_policy()
        .secret_id("shared")
        .resource_policy(
            r#"{"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/bob"},
               "Action":"secretsmanager:GetSecretValue","Resource":"*",
               "Condition":{"StringEquals":{"secretsmanager:VersionStage":"AWSCURRENT"}}},
              {"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:user/carol"},
               "Action":"secretsmanager:*","Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    let bob = secrets(&server, &bob_id, &bob_secret, None);
    let value = bob
        .get_secret_value()
        .secret_id("shared")
        .version_stage("AWSCURRENT")
        .send()
        .await
        .unwrap();
    assert_eq!(value.secret_string(), Some("v"));
    let err = bob
        .get_secret_value()
        .secret_id("shared")
        .version_stage("AWSPREVIOUS")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"), "{err:?}");
    let err = bob
        .describe_secret()
        .secret_id("shared")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"), "{err:?}");

    // Carol's identity policy allows everything; the resource policy's deny wins.
    root.put_user_policy()
        .user_name("carol")
        .policy_name("all")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    let carol = secrets(&server, &carol_id, &carol_secret, None);
    let err = carol
        .get_secret_value()
        .secret_id("shared")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"), "{err:?}");
    assert!(
        err.message().unwrap().contains("resource-based policy"),
        "{err:?}"
    );
    sm.create_secret()
        .name("other")
        .secret_string("o")
        .send()
        .await
        .unwrap();
    carol.get_secret_value().secret_id("other").send().await.unwrap();
}

#[tokio::test]
async fn an_aws_revoke_older_sessions_policy_cuts_off_earlier_sessions() {
    let server = TestServer::sqlite().await;
    let root = iam(&server);
    let (bob_id, bob_secret) = user_with_key(&root, "bob").await;
    let everything =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let admin = role(&root, "admin", TRUST_BOB_ASSUME_ONLY, everything).await;
    let bob = server.sts_with(&bob_id, &bob_secret, None);
    let old = bob
        .assume_role()
        .role_arn(&admin)
        .role_session_name("old")
        .send()
        .await
        .unwrap();
    let old = old.credentials().unwrap();
    let old_sm = secrets(
        &server,
        old.access_key_id(),
        old.secret_access_key(),
        Some(old.session_token()),
    );
    old_sm.list_secrets().send().await.unwrap();

    // What the console's "Revoke active sessions" writes: deny everything to tokens issued before now.
    let cutoff = time::OffsetDateTime::now_utc() + time::Duration::seconds(1);
    let cutoff = cutoff
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    root.put_role_policy()
        .role_name("admin")
        .policy_name("AWSRevokeOlderSessions")
        .policy_document(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"*","Resource":"*",
               "Condition":{{"DateLessThan":{{"aws:TokenIssueTime":"{cutoff}"}}}}}}]}}"#
        ))
        .send()
        .await
        .unwrap();
    let err = old_sm.list_secrets().send().await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"), "{err:?}");

    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let new = bob
        .assume_role()
        .role_arn(&admin)
        .role_session_name("new")
        .send()
        .await
        .unwrap();
    let new = new.credentials().unwrap();
    secrets(
        &server,
        new.access_key_id(),
        new.secret_access_key(),
        Some(new.session_token()),
    )
    .list_secrets()
    .send()
    .await
    .unwrap();
}

#[tokio::test]
async fn transport_keys_reach_conditions() {
    let server = TestServer::sqlite().await;
    let root = iam(&server);
    let (bob_id, bob_secret) = user_with_key(&root, "bob").await;
    root.put_user_policy()
        .user_name("bob")
        .policy_name("loopback-only")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":"secretsmanager:ListSecrets","Resource":"*",
               "Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}},
              {"Effect":"Allow","Action":"secretsmanager:CreateSecret","Resource":"*",
               "Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#,
        )
        .send()
        .await
        .unwrap();
    let bob = secrets(&server, &bob_id, &bob_secret, None);
    bob.list_secrets().send().await.unwrap();
    // The test server listens in plain HTTP.
    let err = bob
        .create_secret()
        .name("x")
        .secret_string("v")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"), "{err:?}");
}
