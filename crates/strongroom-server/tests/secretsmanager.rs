//! Secrets Manager through the AWS SDK for Rust: every operation's happy path and its errors, as AWS answers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed step should fail the test loudly"
)]

mod common;

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::ProvideErrorMetadata as _;
use aws_sdk_secretsmanager::primitives::Blob;
use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType, Tag};
use common::TestServer;

fn client(server: &TestServer) -> Client {
    client_in(server, "us-east-1")
}

fn client_in(server: &TestServer, region: &str) -> Client {
    let credentials = aws_sdk_secretsmanager::config::Credentials::new(
        &server.access_key_id,
        &server.secret_access_key,
        None,
        None,
        "test",
    );
    let config = aws_sdk_secretsmanager::Config::builder()
        .endpoint_url(&server.endpoint)
        .region(aws_sdk_secretsmanager::config::Region::new(region.to_owned()))
        .credentials_provider(credentials)
        .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
        .build();
    Client::from_conf(config)
}

/// The error code and HTTP status of a failed call.
macro_rules! code {
    ($result:expr) => {{
        let err = $result.expect_err("the call should fail");
        let status = err.raw_response().map(|r| r.status().as_u16());
        (
            err.code().map(str::to_owned),
            status,
            err.message().map(str::to_owned),
        )
    }};
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", strongroom_crypto::random::alnum_suffix(8))
}

#[tokio::test]
async fn create_get_and_describe() {
    let mut server = TestServer::sqlite().await;
    let sm = client(&server);
    let name = unique("db/main");
    let created = sm
        .create_secret()
        .name(&name)
        .secret_string(r#"{"username":"app","password":"pw"}"#)
        .description("the main database")
        .tags(Tag::builder().key("env").value("prod").build())
        .send()
        .await
        .unwrap();
    let arn = created.arn().unwrap().to_owned();
    assert!(arn.starts_with(&format!(
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-"
    )));
    assert_eq!(
        arn.len(),
        format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-").len() + 6
    );
    let version = created.version_id().unwrap().to_owned();

    for id in [
        name.clone(),
        arn.clone(),
        format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}"),
    ] {
        let value = sm.get_secret_value().secret_id(&id).send().await.unwrap();
        assert_eq!(
            value.secret_string(),
            Some(r#"{"username":"app","password":"pw"}"#),
            "{id}"
        );
        assert_eq!(value.version_id(), Some(version.as_str()));
        assert_eq!(value.version_stages(), ["AWSCURRENT"]);
        assert_eq!(value.arn(), Some(arn.as_str()));
        assert!(value.created_date().is_some());
    }
    // A friendly name with the suffix appended is not found.
    let suffixed = arn.rsplit(':').next().unwrap().to_owned();
    let (code_, status, _) = code!(sm.get_secret_value().secret_id(&suffixed).send().await);
    assert_eq!(
        (code_.as_deref(), status),
        (Some("ResourceNotFoundException"), Some(400))
    );

    let described = sm.describe_secret().secret_id(&name).send().await.unwrap();
    assert_eq!(described.name(), Some(name.as_str()));
    assert_eq!(described.description(), Some("the main database"));
    assert!(
        described.kms_key_id().is_none(),
        "the default key is not reported"
    );
    assert_eq!(described.tags()[0].key(), Some("env"));
    let stages = described.version_ids_to_stages().unwrap();
    assert_eq!(stages.get(&version).unwrap(), &vec!["AWSCURRENT".to_owned()]);
    assert!(described.last_accessed_date().is_some(), "a read happened today");
    assert!(described.rotation_enabled().is_none());
    assert!(described.deleted_date().is_none());
    server.stop().await;
}

#[tokio::test]
async fn binary_values_round_trip() {
    let mut server = TestServer::sqlite().await;
    let sm = client(&server);
    let bytes: Vec<u8> = (0..=255).collect();
    sm.create_secret()
        .name("bin")
        .secret_binary(Blob::new(bytes.clone()))
        .send()
        .await
        .unwrap();
    let value = sm.get_secret_value().secret_id("bin").send().await.unwrap();
    assert_eq!(value.secret_binary().unwrap().as_ref(), bytes.as_slice());
    assert!(value.secret_string().is_none());
    server.stop().await;
}

#[tokio::test]
async fn versions_and_labels() {
    let mut server = TestServer::sqlite().await;
    let sm = client(&server);
    let v1 = sm
        .create_secret()
        .name("s")
        .secret_string("one")
        .send()
        .await
        .unwrap()
        .version_id()
        .unwrap()
        .to_owned();
    let v2 = sm
        .put_secret_value()
        .secret_id("s")
        .secret_string("two")
        .send()
        .await
        .unwrap();
    assert_eq!(v2.version_stages(), ["AWSCURRENT"]);
    let v2 = v2.version_id().unwrap().to_owned();
    let previous = sm
        .get_secret_value()
        .secret_id("s")
        .version_stage("AWSPREVIOUS")
        .send()
        .await
        .unwrap();
    assert_eq!(previous.secret_string(), Some("one"));
    assert_eq!(previous.version_id(), Some(v1.as_str()));

    // A custom label does not move AWSCURRENT.
    let v3 = sm
        .put_secret_value()
        .secret_id("s")
        .secret_string("three")
        .version_stages("CANARY")
        .send()
        .await
        .unwrap();
    assert_eq!(v3.version_stages(), ["CANARY"]);
    assert_eq!(
        sm.get_secret_value()
            .secret_id("s")
            .send()
            .await
            .unwrap()
            .secret_string(),
        Some("two")
    );

    // Moving AWSCURRENT needs RemoveFromVersionId.
    let (code_, _, message) = code!(
        sm.update_secret_version_stage()
            .secret_id("s")
            .version_stage("AWSCURRENT")
            .move_to_version_id(v1.clone())
            .send()
            .await
    );
    assert_eq!(code_.as_deref(), Some("InvalidParameterException"));
    assert!(message.unwrap().contains(&v2));
    sm.update_secret_version_stage()
        .secret_id("s")
        .version_stage("AWSCURRENT")
        .move_to_version_id(&v1)
        .remove_from_version_id(&v2)
        .send()
        .await
        .unwrap();
    assert_eq!(
        sm.get_secret_value()
            .secret_id("s")
            .send()
            .await
            .unwrap()
            .secret_string(),
        Some("one")
    );
    let previous = sm
        .get_secret_value()
        .secret_id("s")
        .version_stage("AWSPREVIOUS")
        .send()
        .await
        .unwrap();
    assert_eq!(previous.version_id(), Some(v2.as_str()));

    // Both a version id and a stage that are not the same version.
    let (code_, _, _) = code!(
        sm.get_secret_value()
            .secret_id("s")
            .version_id(&v1)
            .version_stage("AWSPREVIOUS")
            .send()
            .await
    );
    assert_eq!(code_.as_deref(), Some("InvalidRequestException"));
    let (code_, _, message) = code!(
        sm.get_secret_value()
            .secret_id("s")
            .version_stage("NOPE")
            .send()
            .await
    );
    assert_eq!(code_.as_deref(), Some("ResourceNotFoundException"));
    assert_eq!(
        message.as_deref(),
        Some("Secrets Manager can't find the specified secret value for staging label: NOPE")
    );

    let listed = sm.list_secret_version_ids().secret_id("s").send().await.unwrap();
    assert_eq!(listed.versions().len(), 3);
    // Remove CANARY: v3 becomes deprecated and is listed only on request.
    let v3 = v3.version_id().unwrap();
    sm.update_secret_version_stage()
        .secret_id("s")
        .version_stage("CANARY")
        .remove_from_version_id(v3)
        .send()
        .await
        .unwrap();
    let listed = sm.list_secret_version_ids().secret_id("s").send().await.unwrap();
    assert_eq!(listed.versions().len(), 2);
    let all = sm
        .list_secret_version_ids()
        .secret_id("s")
        .include_deprecated(true)
        .send()
        .await
        .unwrap();
    let deprecated = all
        .versions()
        .iter()
        .find(|v| v.version_id() == Some(v3))
        .unwrap();
    assert!(deprecated.version_stages().is_empty());
    assert_eq!(all.versions()[0].kms_key_ids(), ["DefaultEncryptionKey"]);
    server.stop().await;
}

#[tokio::test]
async fn idempotent_tokens() {
    let mut server = TestServer::sqlite().await;
    let sm = client(&server);
    let token = "11111111-2222-3333-4444-555555555555";
    let first = sm
        .create_secret()
        .name("t")
        .secret_string("v")
        .client_request_token(token)
        .send()
        .await
        .unwrap();
    let again = sm
        .create_secret()
        .name("t")
        .secret_string("v")
        .client_request_token(token)
        .send()
        .await
        .unwrap();
    assert_eq!(first.arn(), again.arn());
    assert_eq!(again.version_id(), Some(token));
    let (code_, _, message) = code!(
        sm.create_secret()
            .name("t")
            .secret_string("other")
            .client_request_token(token)
            .send()
            .await
    );
    assert_eq!(code_.as_deref(), Some("ResourceExistsException"));
    assert!(
        message
            .unwrap()
            .starts_with(&format!("You can't use ClientRequestToken {token}"))
    );
    let (code_, _, _) = code!(sm.create_secret().name("t").secret_string("v").send().await);
    assert_eq!(code_.as_deref(), Some("ResourceExistsException"));

    let put_token = "99999999-2222-3333-4444-555555555555";
    sm.put_secret_value()
        .secret_id("t")
        .secret_string("w")
        .client_request_token(put_token)
        .send()
        .await
        .unwrap();
    let repeat = sm
        .put_secret_value()
        .secret_id("t")
        .secret_string("w")
        .client_request_token(put_token)
        .send()
        .await
        .unwrap();
    assert_eq!(repeat.version_stages(), ["AWSCURRENT"]);
    let (code_, _, _) = code!(
        sm.put_secret_value()
            .secret_id("t")
            .secret_string("x")
            .client_request_token(put_token)
            .send()
            .await
    );
    assert_eq!(code_.as_deref(), Some("ResourceExistsException"));
    assert_eq!(
        sm.list_secret_version_ids()
            .secret_id("t")
            .send()
            .await
            .unwrap()
            .versions()
            .len(),
        2
    );
    server.stop().await;
}

#[tokio::test]
async fn update_secret_metadata_and_value() {
    let mut server = TestServer::sqlite().await;
    let sm = client(&server);
    sm.create_secret()
        .name("u")
        .secret_string("one")
        .send()
        .await
        .unwrap();
    let out = sm
        .update_secret()
        .secret_id("u")
        .description("new words")
        .send()
        .await
        .unwrap();
    assert!(out.version_id().is_none());
    let out = sm
        .update_secret()
        .secret_id("u")
        .secret_string("two")
        .send()
        .await
        .unwrap();
    assert!(out.version_id().is_some());
    assert_eq!(
        sm.get_secret_value()
            .secret_id("u")
            .send()
            .await
            .unwrap()
            .secret_string(),
        Some("two")
    );
    let described = sm.describe_secret().secret_id("u").send().await.unwrap();
    assert_eq!(described.description(), Some("new words"));
    assert!(described.last_changed_date().unwrap() >= described.created_date().unwrap());
    server.stop().await;
}

#[tokio::test]
async fn tags() {
    let mut server = TestServer::sqlite().await;
    let sm = client(&server);
    sm.create_secret()
        .name("tagged")
        .secret_string("v")
        .send()
        .await
        .unwrap();
    assert!(
        sm.describe_secret()
            .secret_id("tagged")
            .send()
            .await
            .unwrap()
            .tags()
            .is_empty()
    );
    sm.tag_resource()
        .secret_id("tagged")
        .tags(Tag::builder().key("a").value("1").build())
        .tags(Tag::builder().key("b").value("2").build())
        .send()
        .await
        .unwrap();
    sm.tag_resource()
        .secret_id("tagged")
        .tags(Tag::builder().key("a").value("3").build())
        .send()
        .await
        .unwrap();
    let tags = sm
        .describe_secret()
        .secret_id("tagged")
        .send()
        .await
        .unwrap()
        .tags()
        .to_vec();
    let pairs: Vec<(&str, &str)> = tags
        .iter()
        .map(|t| (t.key().unwrap(), t.value().unwrap()))
        .collect();
    assert_eq!(pairs, [("a", "3"), ("b", "2")]);
    sm.untag_resource()
        .secret_id("tagged")
        .tag_keys("a")
        .tag_keys("missing")
        .send()
        .await
        .unwrap();
    let tags = sm
        .describe_secret()
        .secret_id("tagged")
        .send()
        .await
        .unwrap()
        .tags()
        .to_vec();
    assert_eq!(tags.len(), 1);
    let (code_, _, _) = code!(
        sm.tag_resource()
            .secret_id("tagged")
            .tags(Tag::builder().key("aws:x").value("1").build())
            .send()
            .await
    );
    assert_eq!(code_.as_deref(), Some("InvalidParameterException"));
    server.stop().await;
}

#[tokio::test]
async fn delete_restore_and_force() {
    let mut server = TestServer::sqlite().await;
    let sm = client(&server);
    let first_arn = sm
        .create_secret()
        .name("d")
        .secret_string("v")
        .send()
        .await
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();
    let (code_, _, _) = code!(
        sm.delete_secret()
            .secret_id("d")
            .recovery_window_in_days(6)
            .send()
            .await
    );
    assert_eq!(code_.as_deref(), Some("InvalidParameterException"));
    let deleted = sm
        .delete_secret()
        .secret_id("d")
        .recovery_window_in_days(7)
        .send()
        .await
        .unwrap();
    assert!(deleted.deletion_date().is_some());
    let (code_, _, message) = code!(sm.get_secret_value().secret_id("d").send().await);
    assert_eq!(code_.as_deref(), Some("InvalidRequestException"));
    assert!(message.unwrap().contains("marked for deletion"));
    assert!(
        sm.describe_secret()
            .secret_id("d")
            .send()
            .await
            .unwrap()
            .deleted_date()
            .is_some()
    );
    let (code_, _, _) = code!(sm.create_secret().name("d").secret_string("v").send().await);
    assert_eq!(code_.as_deref(), Some("InvalidRequestException"));
    assert!(sm.list_secrets().send().await.unwrap().secret_list().is_empty());
    assert_eq!(
        sm.list_secrets()
            .include_planned_deletion(true)
            .send()
            .await
            .unwrap()
            .secret_list()
            .len(),
        1
    );

    sm.restore_secret().secret_id("d").send().await.unwrap();
    assert_eq!(
        sm.get_secret_value()
            .secret_id("d")
            .send()
            .await
            .unwrap()
            .secret_string(),
        Some("v")
    );

    sm.delete_secret()
        .secret_id("d")
        .force_delete_without_recovery(true)
        .send()
        .await
        .unwrap();
    let (code_, _, _) = code!(sm.describe_secret().secret_id("d").send().await);
    assert_eq!(code_.as_deref(), Some("ResourceNotFoundException"));
    let second_arn = sm
        .create_secret()
        .name("d")
        .secret_string("w")
        .send()
        .await
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();
    assert_ne!(first_arn, second_arn, "a re-created secret gets a new ARN suffix");
    // Forcing the deletion of an unknown secret succeeds.
    sm.delete_secret()
        .secret_id("never-was")
        .force_delete_without_recovery(true)
        .send()
        .await
        .unwrap();
    let (code_, _, _) = code!(
        sm.delete_secret()
            .secret_id("d")
            .force_delete_without_recovery(true)
            .recovery_window_in_days(7)
            .send()
            .await
    );
    assert_eq!(code_.as_deref(), Some("InvalidParameterException"));
    server.stop().await;
}

#[tokio::test]
async fn list_secrets_filters_order_and_pages() {
    let mut server = TestServer::sqlite().await;
    let sm = client(&server);
    for (name, description, tag) in [
        ("/testing1/one", "a secret", "prod"),
        ("/testing2/two", "an secret", "dev"),
        ("other", "thesecret", "prod"),
    ] {
        sm.create_secret()
            .name(name)
            .secret_string("v")
            .description(description)
            .tags(Tag::builder().key("env").value(tag).build())
            .send()
            .await
            .unwrap();
    }
    let names = |list: &[aws_sdk_secretsmanager::types::SecretListEntry]| -> Vec<String> {
        list.iter().map(|s| s.name().unwrap().to_owned()).collect()
    };
    let all = sm.list_secrets().send().await.unwrap();
    assert_eq!(
        names(all.secret_list()),
        ["/testing1/one", "/testing2/two", "other"],
        "oldest first"
    );
    let desc = sm.list_secrets().sort_order("desc".into()).send().await.unwrap();
    assert_eq!(
        names(desc.secret_list()),
        ["other", "/testing2/two", "/testing1/one"]
    );

    let filter = |key: FilterNameStringType, values: &[&str]| {
        let mut b = Filter::builder().key(key);
        for v in values {
            b = b.values(*v);
        }
        b.build()
    };
    let by_prefix = sm
        .list_secrets()
        .filters(filter(FilterNameStringType::Name, &["/test"]))
        .send()
        .await
        .unwrap();
    assert_eq!(by_prefix.secret_list().len(), 2);
    let negated = sm
        .list_secrets()
        .filters(filter(FilterNameStringType::Name, &["!/"]))
        .send()
        .await
        .unwrap();
    assert_eq!(names(negated.secret_list()), ["other"]);
    let described = sm
        .list_secrets()
        .filters(filter(FilterNameStringType::Description, &["a"]))
        .send()
        .await
        .unwrap();
    assert_eq!(described.secret_list().len(), 2);
    let anded = sm
        .list_secrets()
        .filters(filter(FilterNameStringType::TagValue, &["prod"]))
        .filters(filter(FilterNameStringType::Name, &["/"]))
        .send()
        .await
        .unwrap();
    assert_eq!(names(anded.secret_list()), ["/testing1/one"]);

    let page1 = sm.list_secrets().max_results(2).send().await.unwrap();
    assert_eq!(page1.secret_list().len(), 2);
    let token = page1.next_token().unwrap();
    let page2 = sm
        .list_secrets()
        .max_results(2)
        .next_token(token)
        .send()
        .await
        .unwrap();
    assert_eq!(names(page2.secret_list()), ["other"]);
    assert!(page2.next_token().is_none());
    let (code_, _, _) = code!(sm.list_secrets().next_token("garbage!!").send().await);
    assert_eq!(code_.as_deref(), Some("InvalidNextTokenException"));
    let entry = &all.secret_list()[0];
    assert!(entry.secret_versions_to_stages().is_some());
    server.stop().await;
}

#[tokio::test]
async fn validation_errors() {
    let mut server = TestServer::sqlite().await;
    let sm = client(&server);
    let (code_, status, message) = code!(
        sm.create_secret()
            .name("has space")
            .secret_string("v")
            .send()
            .await
    );
    assert_eq!(
        (code_.as_deref(), status),
        (Some("ValidationException"), Some(400))
    );
    assert!(message.unwrap().starts_with("Invalid name."));
    let (code_, _, _) = code!(
        sm.create_secret()
            .name("both")
            .secret_string("v")
            .secret_binary(Blob::new(vec![1]))
            .send()
            .await
    );
    assert_eq!(code_.as_deref(), Some("InvalidParameterException"));
    let (code_, status, message) = code!(sm.get_secret_value().secret_id("missing").send().await);
    assert_eq!(
        (code_.as_deref(), status),
        (Some("ResourceNotFoundException"), Some(400))
    );
    assert_eq!(
        message.as_deref(),
        Some("Secrets Manager can't find the specified secret.")
    );
    let (code_, _, _) = code!(
        sm.create_secret()
            .name("n".repeat(513))
            .secret_string("v")
            .send()
            .await
    );
    assert_eq!(code_.as_deref(), Some("ValidationException"));
    server.stop().await;
}

#[tokio::test]
async fn random_passwords() {
    let mut server = TestServer::sqlite().await;
    let sm = client(&server);
    let out = sm
        .get_random_password()
        .password_length(40)
        .exclude_characters("abc")
        .exclude_punctuation(true)
        .send()
        .await
        .unwrap();
    let password = out.random_password().unwrap();
    assert_eq!(password.len(), 40);
    assert!(
        password
            .chars()
            .all(|c| c.is_ascii_alphanumeric() && !"abc".contains(c))
    );
    let (code_, _, _) = code!(sm.get_random_password().password_length(2).send().await);
    assert_eq!(code_.as_deref(), Some("InvalidParameterException"));
    server.stop().await;
}

#[tokio::test]
async fn resource_policies() {
    let mut server = TestServer::sqlite().await;
    let sm = client(&server);
    sm.create_secret()
        .name("p")
        .secret_string("v")
        .send()
        .await
        .unwrap();
    assert!(
        sm.get_resource_policy()
            .secret_id("p")
            .send()
            .await
            .unwrap()
            .resource_policy()
            .is_none()
    );
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
    sm.put_resource_policy()
        .secret_id("p")
        .resource_policy(policy)
        .send()
        .await
        .unwrap();
    assert_eq!(
        sm.get_resource_policy()
            .secret_id("p")
            .send()
            .await
            .unwrap()
            .resource_policy(),
        Some(policy)
    );
    let (code_, _, _) = code!(
        sm.put_resource_policy()
            .secret_id("p")
            .resource_policy("{not json")
            .send()
            .await
    );
    assert_eq!(code_.as_deref(), Some("MalformedPolicyDocumentException"));
    let public = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
    let (code_, _, _) = code!(
        sm.put_resource_policy()
            .secret_id("p")
            .resource_policy(public)
            .block_public_policy(true)
            .send()
            .await
    );
    assert_eq!(code_.as_deref(), Some("PublicPolicyException"));
    let validated = sm
        .validate_resource_policy()
        .resource_policy(policy)
        .send()
        .await
        .unwrap();
    assert!(validated.policy_validation_passed());
    let validated = sm
        .validate_resource_policy()
        .resource_policy(public)
        .send()
        .await
        .unwrap();
    assert!(!validated.policy_validation_passed());
    sm.delete_resource_policy().secret_id("p").send().await.unwrap();
    assert!(
        sm.get_resource_policy()
            .secret_id("p")
            .send()
            .await
            .unwrap()
            .resource_policy()
            .is_none()
    );
    server.stop().await;
}

#[tokio::test]
async fn batch_get_secret_value() {
    let mut server = TestServer::sqlite().await;
    let sm = client(&server);
    sm.create_secret()
        .name("b1")
        .secret_string("one")
        .send()
        .await
        .unwrap();
    sm.create_secret()
        .name("b2")
        .secret_string("two")
        .send()
        .await
        .unwrap();
    let out = sm
        .batch_get_secret_value()
        .secret_id_list("b1")
        .secret_id_list("b2")
        .secret_id_list("nope")
        .send()
        .await
        .unwrap();
    let mut values: Vec<&str> = out
        .secret_values()
        .iter()
        .map(|v| v.secret_string().unwrap())
        .collect();
    values.sort_unstable();
    assert_eq!(values, ["one", "two"]);
    assert_eq!(out.errors().len(), 1);
    assert_eq!(out.errors()[0].error_code(), Some("ResourceNotFoundException"));
    let by_filter = sm
        .batch_get_secret_value()
        .filters(
            Filter::builder()
                .key(FilterNameStringType::Name)
                .values("b")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(by_filter.secret_values().len(), 2);
    let (code_, _, _) = code!(sm.batch_get_secret_value().send().await);
    assert_eq!(code_.as_deref(), Some("InvalidParameterException"));
    server.stop().await;
}

#[tokio::test]
async fn rotation_with_an_unregistered_function_is_refused_and_changes_nothing() {
    // Storing and running a rotation configuration is tested with registered functions in `rotation.rs`.
    let mut server = TestServer::sqlite().await;
    let sm = client(&server);
    sm.create_secret()
        .name("r")
        .secret_string("v")
        .send()
        .await
        .unwrap();
    let err = sm
        .rotate_secret()
        .secret_id("r")
        .rotation_lambda_arn("arn:aws:lambda:us-east-1:123456789012:function:rotate")
        .rotation_rules(
            aws_sdk_secretsmanager::types::RotationRulesType::builder()
                .automatically_after_days(30)
                .build(),
        )
        .rotate_immediately(false)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"), "{err:?}");
    let described = sm.describe_secret().secret_id("r").send().await.unwrap();
    assert_ne!(described.rotation_enabled(), Some(true));
    assert_eq!(described.rotation_lambda_arn(), None);
    assert!(described.next_rotation_date().is_none());
    server.stop().await;
}

#[tokio::test]
async fn replication_follows_the_primary() {
    let mut server = TestServer::sqlite().await;
    let east = client(&server);
    let west = client_in(&server, "us-west-2");
    east.create_secret()
        .name("rep")
        .secret_string("v1")
        .add_replica_regions(
            aws_sdk_secretsmanager::types::ReplicaRegionType::builder()
                .region("us-west-2")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        west.get_secret_value()
            .secret_id("rep")
            .send()
            .await
            .unwrap()
            .secret_string(),
        Some("v1")
    );
    east.put_secret_value()
        .secret_id("rep")
        .secret_string("v2")
        .send()
        .await
        .unwrap();
    assert_eq!(
        west.get_secret_value()
            .secret_id("rep")
            .send()
            .await
            .unwrap()
            .secret_string(),
        Some("v2")
    );
    let replica = west.describe_secret().secret_id("rep").send().await.unwrap();
    assert_eq!(replica.primary_region(), Some("us-east-1"));
    let primary = east.describe_secret().secret_id("rep").send().await.unwrap();
    assert_eq!(primary.replication_status()[0].region(), Some("us-west-2"));
    let (code_, _, _) = code!(
        west.put_secret_value()
            .secret_id("rep")
            .secret_string("no")
            .send()
            .await
    );
    assert_eq!(code_.as_deref(), Some("InvalidRequestException"));
    let (code_, _, _) = code!(east.delete_secret().secret_id("rep").send().await);
    assert_eq!(code_.as_deref(), Some("InvalidParameterException"));

    west.stop_replication_to_replica()
        .secret_id("rep")
        .send()
        .await
        .unwrap();
    west.put_secret_value()
        .secret_id("rep")
        .secret_string("mine now")
        .send()
        .await
        .unwrap();
    assert_eq!(
        east.get_secret_value()
            .secret_id("rep")
            .send()
            .await
            .unwrap()
            .secret_string(),
        Some("v2")
    );
    assert!(
        east.describe_secret()
            .secret_id("rep")
            .send()
            .await
            .unwrap()
            .replication_status()
            .is_empty()
    );

    east.replicate_secret_to_regions()
        .secret_id("rep")
        .add_replica_regions(
            aws_sdk_secretsmanager::types::ReplicaRegionType::builder()
                .region("eu-west-1")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let eu = client_in(&server, "eu-west-1");
    assert_eq!(
        eu.get_secret_value()
            .secret_id("rep")
            .send()
            .await
            .unwrap()
            .secret_string(),
        Some("v2")
    );
    east.remove_regions_from_replication()
        .secret_id("rep")
        .remove_replica_regions("eu-west-1")
        .send()
        .await
        .unwrap();
    let (code_, _, _) = code!(eu.get_secret_value().secret_id("rep").send().await);
    assert_eq!(code_.as_deref(), Some("ResourceNotFoundException"));
    server.stop().await;
}

#[tokio::test]
async fn regions_are_namespaces() {
    let mut server = TestServer::sqlite().await;
    let east = client(&server);
    let west = client_in(&server, "us-west-2");
    east.create_secret()
        .name("same")
        .secret_string("east")
        .send()
        .await
        .unwrap();
    west.create_secret()
        .name("same")
        .secret_string("west")
        .send()
        .await
        .unwrap();
    assert_eq!(
        east.get_secret_value()
            .secret_id("same")
            .send()
            .await
            .unwrap()
            .secret_string(),
        Some("east")
    );
    assert_eq!(
        west.get_secret_value()
            .secret_id("same")
            .send()
            .await
            .unwrap()
            .secret_string(),
        Some("west")
    );
    server.stop().await;
}

/// A raw, signed Secrets Manager request.
async fn send(server: &TestServer, target: &str, body: &str) -> common::Reply {
    server
        .request("secretsmanager")
        .json_target(target, body)
        .send()
        .await
}

fn kms(server: &TestServer) -> aws_sdk_kms::Client {
    let credentials = aws_sdk_kms::config::Credentials::new(
        &server.access_key_id,
        &server.secret_access_key,
        None,
        None,
        "test",
    );
    let config = aws_sdk_kms::Config::builder()
        .endpoint_url(&server.endpoint)
        .region(aws_sdk_kms::config::Region::new("us-east-1"))
        .credentials_provider(credentials)
        .behavior_version(aws_sdk_kms::config::BehaviorVersion::latest())
        .build();
    aws_sdk_kms::Client::from_conf(config)
}

#[tokio::test]
async fn customer_keys_guard_the_secret() {
    let mut server = TestServer::sqlite().await;
    let sm = client(&server);
    let kms = kms(&server);
    let key = kms.create_key().send().await.unwrap();
    let key_id = key.key_metadata().unwrap().key_id().to_owned();
    let key_arn = key.key_metadata().unwrap().arn().unwrap().to_owned();
    kms.create_alias()
        .alias_name("alias/app")
        .target_key_id(&key_id)
        .send()
        .await
        .unwrap();

    for (name, reference) in [
        ("by-id", key_id.clone()),
        ("by-arn", key_arn.clone()),
        ("by-alias", "alias/app".to_owned()),
    ] {
        sm.create_secret()
            .name(name)
            .secret_string("guarded")
            .kms_key_id(&reference)
            .send()
            .await
            .unwrap();
        let described = sm.describe_secret().secret_id(name).send().await.unwrap();
        assert_eq!(
            described.kms_key_id(),
            Some(reference.as_str()),
            "DescribeSecret shows the key as given"
        );
        let versions = sm.list_secret_version_ids().secret_id(name).send().await.unwrap();
        assert_eq!(
            versions.versions()[0].kms_key_ids(),
            std::slice::from_ref(&key_arn)
        );
    }

    kms.disable_key().key_id(&key_id).send().await.unwrap();
    let (code_, status, _) = code!(sm.get_secret_value().secret_id("by-alias").send().await);
    assert_eq!((code_.as_deref(), status), (Some("DecryptionFailure"), Some(400)));
    let (code_, _, _) = code!(
        sm.put_secret_value()
            .secret_id("by-id")
            .secret_string("new")
            .send()
            .await
    );
    assert_eq!(code_.as_deref(), Some("EncryptionFailure"));
    kms.enable_key().key_id(&key_id).send().await.unwrap();
    assert_eq!(
        sm.get_secret_value()
            .secret_id("by-alias")
            .send()
            .await
            .unwrap()
            .secret_string(),
        Some("guarded")
    );

    // Rotating the key never breaks old versions.
    kms.rotate_key_on_demand().key_id(&key_id).send().await.unwrap();
    sm.put_secret_value()
        .secret_id("by-id")
        .secret_string("after rotation")
        .send()
        .await
        .unwrap();
    assert_eq!(
        sm.get_secret_value()
            .secret_id("by-id")
            .send()
            .await
            .unwrap()
            .secret_string(),
        Some("after rotation")
    );
    let old = sm
        .get_secret_value()
        .secret_id("by-id")
        .version_stage("AWSPREVIOUS")
        .send()
        .await
        .unwrap();
    assert_eq!(old.secret_string(), Some("guarded"));

    // A key scheduled for deletion refuses too.
    kms.schedule_key_deletion()
        .key_id(&key_id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    let (code_, _, _) = code!(sm.get_secret_value().secret_id("by-arn").send().await);
    assert_eq!(code_.as_deref(), Some("DecryptionFailure"));
    kms.cancel_key_deletion().key_id(&key_id).send().await.unwrap();
    kms.enable_key().key_id(&key_id).send().await.unwrap();
    assert_eq!(
        sm.get_secret_value()
            .secret_id("by-arn")
            .send()
            .await
            .unwrap()
            .secret_string(),
        Some("guarded")
    );

    // The default key is created on first use and is the AWS-managed alias.
    let aliases = kms.list_aliases().send().await.unwrap();
    assert!(
        aliases
            .aliases()
            .iter()
            .any(|a| a.alias_name() == Some("alias/aws/secretsmanager"))
    );
    server.stop().await;
}

#[tokio::test]
async fn changing_the_key_re_encrypts_the_labelled_versions() {
    let mut server = TestServer::sqlite().await;
    let sm = client(&server);
    let kms = kms(&server);
    let key_id = kms
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_owned();
    sm.create_secret()
        .name("moving")
        .secret_string("one")
        .send()
        .await
        .unwrap();
    sm.put_secret_value()
        .secret_id("moving")
        .secret_string("two")
        .send()
        .await
        .unwrap();
    sm.update_secret()
        .secret_id("moving")
        .kms_key_id(&key_id)
        .send()
        .await
        .unwrap();
    // Both labelled versions now depend on the new key.
    kms.disable_key().key_id(&key_id).send().await.unwrap();
    let (code_, _, _) = code!(sm.get_secret_value().secret_id("moving").send().await);
    assert_eq!(code_.as_deref(), Some("DecryptionFailure"));
    let (code_, _, _) = code!(
        sm.get_secret_value()
            .secret_id("moving")
            .version_stage("AWSPREVIOUS")
            .send()
            .await
    );
    assert_eq!(code_.as_deref(), Some("DecryptionFailure"));
    kms.enable_key().key_id(&key_id).send().await.unwrap();
    assert_eq!(
        sm.get_secret_value()
            .secret_id("moving")
            .send()
            .await
            .unwrap()
            .secret_string(),
        Some("two")
    );
    server.stop().await;
}

#[tokio::test]
async fn raw_requests_get_the_aws_answers() {
    let mut server = TestServer::sqlite().await;

    let reply = send(
        &server,
        "secretsmanager.CreateSecret",
        r#"{"Name":"raw","SecretString":"v"}"#,
    )
    .await;
    assert_eq!(reply.status, 400);
    let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body["__type"], "InvalidRequestException");
    assert_eq!(
        body["Message"],
        "You must provide a ClientRequestToken value. We recommend a UUID-type value."
    );

    let reply = send(&server, "secretsmanager.CreateSecret", r#"{"Name": "raw", "#).await;
    let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(
        (reply.status, body["__type"].as_str()),
        (400, Some("SerializationException"))
    );

    let reply = send(&server,
        "secretsmanager.CreateSecret",
        r#"{"Name":"raw","SecretString":"v","ClientRequestToken":"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee","Unknown":1}"#,
    )
    .await;
    assert_eq!(reply.status, 200, "unknown members are ignored: {}", reply.body);

    let big = "x".repeat(65_537);
    let reply = send(&server,
        "secretsmanager.PutSecretValue",
        &format!(r#"{{"SecretId":"raw","SecretString":"{big}","ClientRequestToken":"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeef"}}"#),
    )
    .await;
    let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(
        (reply.status, body["__type"].as_str()),
        (400, Some("ValidationException"))
    );
    assert!(!reply.body.contains("xxxxxxxx"), "a secret value is never echoed");
    let reply = send(&server, "secretsmanager.GetSecretValue", r#"{"SecretId":"raw"}"#).await;
    let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body["SecretString"], "v", "the failed put changed nothing");

    let reply = send(&server, "secretsmanager.GetSecretValue", "{}").await;
    let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body["__type"], "ValidationException");
    server.stop().await;
}

#[tokio::test]
async fn wire_snapshots() {
    let mut server = TestServer::sqlite().await;
    let created = send(&server,
        "secretsmanager.CreateSecret",
        r#"{"Name":"snap","SecretString":"{\"a\":1}","Description":"d","Tags":[{"Key":"k","Value":"v"}],"ClientRequestToken":"00000000-0000-0000-0000-000000000001"}"#,
    )
    .await;
    let arn = serde_json::from_str::<serde_json::Value>(&created.body).unwrap()["ARN"]
        .as_str()
        .unwrap()
        .to_owned();
    let redact = |text: &str| {
        let suffix = &arn[arn.len() - 6..];
        let mut value: serde_json::Value = serde_json::from_str(&text.replace(suffix, "XXXXXX")).unwrap();
        for field in [
            "CreatedDate",
            "LastChangedDate",
            "LastAccessedDate",
            "DeletionDate",
            "DeletedDate",
        ] {
            if value.get(field).is_some() {
                value[field] = "[time]".into();
            }
        }
        serde_json::to_string_pretty(&value).unwrap()
    };
    insta::assert_snapshot!("sm_create_secret", redact(&created.body));
    let got = send(&server, "secretsmanager.GetSecretValue", r#"{"SecretId":"snap"}"#).await;
    insta::assert_snapshot!("sm_get_secret_value", redact(&got.body));
    let described = send(&server, "secretsmanager.DescribeSecret", r#"{"SecretId":"snap"}"#).await;
    insta::assert_snapshot!("sm_describe_secret", redact(&described.body));
    let missing = send(&server, "secretsmanager.GetSecretValue", r#"{"SecretId":"nope"}"#).await;
    insta::assert_snapshot!("sm_not_found", missing.body);
    let deleted = send(
        &server,
        "secretsmanager.DeleteSecret",
        r#"{"SecretId":"snap","RecoveryWindowInDays":7}"#,
    )
    .await;
    insta::assert_snapshot!("sm_delete_secret", redact(&deleted.body));
    server.stop().await;
}

#[tokio::test]
async fn the_same_flows_on_postgres() {
    let url = std::env::var("STRONGROOM_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!(
        "sm_{}_{}",
        std::process::id(),
        strongroom_crypto::random::alnum_suffix(8).to_lowercase()
    );
    let store = match strongroom_store_postgres::PostgresStore::connect_in_schema(&url, &schema).await {
        Ok(store) => store,
        Err(err) => {
            assert!(
                std::env::var("STRONGROOM_REQUIRE_PG").is_err(),
                "PostgreSQL is required: {err}"
            );
            eprintln!("skipped: PostgreSQL not reachable at {url}: {err}");
            return;
        }
    };
    let mut server = TestServer::on_store(std::sync::Arc::new(store)).await;
    let sm = client(&server);
    sm.create_secret()
        .name("pg")
        .secret_string("one")
        .send()
        .await
        .unwrap();
    sm.put_secret_value()
        .secret_id("pg")
        .secret_string("two")
        .send()
        .await
        .unwrap();
    assert_eq!(
        sm.get_secret_value()
            .secret_id("pg")
            .send()
            .await
            .unwrap()
            .secret_string(),
        Some("two")
    );
    let previous = sm
        .get_secret_value()
        .secret_id("pg")
        .version_stage("AWSPREVIOUS")
        .send()
        .await
        .unwrap();
    assert_eq!(previous.secret_string(), Some("one"));
    assert_eq!(sm.list_secrets().send().await.unwrap().secret_list().len(), 1);
    sm.delete_secret()
        .secret_id("pg")
        .force_delete_without_recovery(true)
        .send()
        .await
        .unwrap();
    assert!(
        sm.list_secrets()
            .include_planned_deletion(true)
            .send()
            .await
            .unwrap()
            .secret_list()
            .is_empty()
    );
    server.stop().await;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let _ = sqlx::query(&format!(r#"DROP SCHEMA "{schema}" CASCADE"#))
        .execute(&pool)
        .await;
}
