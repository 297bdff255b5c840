//! KMS through the AWS SDK for Rust (and raw signed requests for the wire snapshots), against a real server.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::fmt::Debug;

use aws_sdk_kms::Client;
use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{DataKeySpec, KeyManagerType, KeySpec, KeyState, Tag};
use common::{ACCOUNT, TestServer};

fn kms(server: &TestServer) -> Client {
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
    Client::from_conf(config)
}

/// The error code of a failed call.
#[track_caller]
fn code<T: Debug, E: ProvideErrorMetadata + Debug, R: Debug>(result: Result<T, SdkError<E, R>>) -> String {
    match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(err) => err.code().unwrap_or("<no code>").to_owned(),
    }
}

async fn new_key(client: &Client) -> (String, String) {
    let metadata = client.create_key().send().await.unwrap().key_metadata.unwrap();
    (metadata.key_id, metadata.arn.unwrap())
}

fn ctx(pairs: &[(&str, &str)]) -> std::collections::HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

async fn encrypt(client: &Client, key: &str, plaintext: &[u8]) -> Blob {
    client
        .encrypt()
        .key_id(key)
        .plaintext(Blob::new(plaintext))
        .send()
        .await
        .unwrap()
        .ciphertext_blob
        .unwrap()
}

/// Replaces ids and dates in a JSON body so that it can be snapshotted.
fn redact(body: &str, key_ids: &[&str]) -> serde_json::Value {
    fn walk(value: &mut serde_json::Value, key_ids: &[&str]) {
        match value {
            serde_json::Value::Object(map) => {
                for (name, member) in map.iter_mut() {
                    if name.ends_with("Date") && member.is_number() {
                        *member = serde_json::Value::String("[DATE]".into());
                    } else {
                        walk(member, key_ids);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| walk(v, key_ids)),
            serde_json::Value::String(text) => {
                for (n, id) in key_ids.iter().enumerate() {
                    *text = text.replace(id, &format!("[KEY_ID_{n}]"));
                }
            }
            _ => {}
        }
    }
    let mut value: serde_json::Value = serde_json::from_str(body).unwrap();
    walk(&mut value, key_ids);
    value
}

#[tokio::test]
async fn create_describe_and_list_keys() {
    let server = TestServer::sqlite().await;
    let client = kms(&server);
    let created = client
        .create_key()
        .description("app data")
        .key_usage(aws_sdk_kms::types::KeyUsageType::EncryptDecrypt)
        .key_spec(KeySpec::SymmetricDefault)
        .tags(Tag::builder().tag_key("team").tag_value("ops").build().unwrap())
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    assert_eq!(created.aws_account_id.as_deref(), Some(ACCOUNT));
    assert_eq!(
        created.arn.as_deref(),
        Some(format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{}", created.key_id).as_str())
    );
    assert_eq!(created.key_state, Some(KeyState::Enabled));
    assert!(created.enabled);
    assert_eq!(created.key_manager, Some(KeyManagerType::Customer));
    assert_eq!(created.key_spec, Some(KeySpec::SymmetricDefault));
    assert_eq!(created.multi_region, Some(false));
    assert_eq!(created.description.as_deref(), Some("app data"));

    let described = client
        .describe_key()
        .key_id(created.arn.as_deref().unwrap())
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    assert_eq!(described.key_id, created.key_id);
    assert_eq!(described.creation_date, created.creation_date);

    // The raw wire body, snapshotted.
    let reply = server
        .request("kms")
        .json_target(
            "TrentService.DescribeKey",
            &format!(r#"{{"KeyId":"{}"}}"#, created.key_id),
        )
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    insta::assert_json_snapshot!("describe_key", redact(&reply.body, &[&created.key_id]));

    let mut ids = vec![created.key_id.clone()];
    for _ in 0..2 {
        ids.push(new_key(&client).await.0);
    }
    ids.sort();
    let mut listed = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = client
            .list_keys()
            .limit(2)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        listed.extend(page.keys().iter().map(|k| k.key_id.clone().unwrap()));
        if !page.truncated {
            assert_eq!(page.next_marker, None);
            break;
        }
        marker = page.next_marker;
    }
    assert_eq!(listed, ids);
    assert_eq!(
        code(client.list_keys().marker("!!").send().await),
        "InvalidMarkerException"
    );
    assert_eq!(
        code(
            client
                .describe_key()
                .key_id("11111111-2222-4333-8444-555555555555")
                .send()
                .await
        ),
        "NotFoundException"
    );
    assert_eq!(
        code(client.create_key().key_spec(KeySpec::Rsa2048).send().await),
        "UnsupportedOperationException"
    );
    assert_eq!(
        code(
            client
                .create_key()
                .key_usage(aws_sdk_kms::types::KeyUsageType::SignVerify)
                .send()
                .await
        ),
        "ValidationException"
    );
}

#[tokio::test]
async fn encrypt_and_decrypt() {
    let server = TestServer::sqlite().await;
    let client = kms(&server);
    let (key_id, arn) = new_key(&client).await;

    // Without a context; Decrypt finds the key in the blob.
    let blob = encrypt(&client, &key_id, b"attack at dawn").await;
    let opened = client
        .decrypt()
        .ciphertext_blob(blob.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(opened.plaintext.unwrap().as_ref(), b"attack at dawn");
    assert_eq!(opened.key_id.as_deref(), Some(arn.as_str()));
    assert_eq!(
        opened.encryption_algorithm,
        Some(aws_sdk_kms::types::EncryptionAlgorithmSpec::SymmetricDefault)
    );

    // With a context.
    let context = ctx(&[("tenant", "a"), ("purpose", "test")]);
    let sealed = client
        .encrypt()
        .key_id(&arn)
        .plaintext(Blob::new("ünïcødé"))
        .set_encryption_context(Some(context.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(sealed.key_id.as_deref(), Some(arn.as_str()));
    let sealed = sealed.ciphertext_blob.unwrap();
    let opened = client
        .decrypt()
        .ciphertext_blob(sealed.clone())
        .set_encryption_context(Some(context.clone()))
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(opened.plaintext.unwrap().as_ref(), "ünïcødé".as_bytes());
    for wrong in [ctx(&[]), ctx(&[("tenant", "b"), ("purpose", "test")])] {
        assert_eq!(
            code(
                client
                    .decrypt()
                    .ciphertext_blob(sealed.clone())
                    .set_encryption_context(Some(wrong))
                    .send()
                    .await
            ),
            "InvalidCiphertextException"
        );
    }
    let mut tampered = sealed.clone().into_inner();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert_eq!(
        code(
            client
                .decrypt()
                .ciphertext_blob(Blob::new(tampered))
                .set_encryption_context(Some(context.clone()))
                .send()
                .await
        ),
        "InvalidCiphertextException"
    );
    assert_eq!(
        code(client.decrypt().ciphertext_blob(Blob::new("junk")).send().await),
        "InvalidCiphertextException"
    );
    let (other, _) = new_key(&client).await;
    assert_eq!(
        code(
            client
                .decrypt()
                .ciphertext_blob(sealed)
                .set_encryption_context(Some(context))
                .key_id(other)
                .send()
                .await
        ),
        "IncorrectKeyException"
    );
    assert_eq!(
        code(
            client
                .encrypt()
                .key_id(&key_id)
                .plaintext(Blob::new(vec![0; 4097]))
                .send()
                .await
        ),
        "ValidationException"
    );
    assert_eq!(
        code(
            client
                .encrypt()
                .key_id("alias/missing")
                .plaintext(Blob::new("x"))
                .send()
                .await
        ),
        "NotFoundException"
    );
}

#[tokio::test]
async fn re_encrypt_between_keys() {
    let server = TestServer::sqlite().await;
    let client = kms(&server);
    let (a, a_arn) = new_key(&client).await;
    let (b, b_arn) = new_key(&client).await;
    let sealed = client
        .encrypt()
        .key_id(&a)
        .plaintext(Blob::new("moving"))
        .encryption_context("from", "a")
        .send()
        .await
        .unwrap()
        .ciphertext_blob
        .unwrap();
    let moved = client
        .re_encrypt()
        .ciphertext_blob(sealed)
        .source_encryption_context("from", "a")
        .destination_key_id(&b)
        .destination_encryption_context("to", "b")
        .send()
        .await
        .unwrap();
    assert_eq!(moved.source_key_id.as_deref(), Some(a_arn.as_str()));
    assert_eq!(moved.key_id.as_deref(), Some(b_arn.as_str()));
    let opened = client
        .decrypt()
        .ciphertext_blob(moved.ciphertext_blob.unwrap())
        .encryption_context("to", "b")
        .send()
        .await
        .unwrap();
    assert_eq!(opened.key_id.as_deref(), Some(b_arn.as_str()));
    assert_eq!(opened.plaintext.unwrap().as_ref(), b"moving");
}

#[tokio::test]
async fn generated_data_keys_decrypt_to_their_plaintext() {
    let server = TestServer::sqlite().await;
    let client = kms(&server);
    let (key_id, arn) = new_key(&client).await;
    for (spec, bytes, len) in [
        (Some(DataKeySpec::Aes256), None, 32),
        (Some(DataKeySpec::Aes128), None, 16),
        (None, Some(64), 64),
    ] {
        let generated = client
            .generate_data_key()
            .key_id(&key_id)
            .set_key_spec(spec)
            .set_number_of_bytes(bytes)
            .encryption_context("purpose", "envelope")
            .send()
            .await
            .unwrap();
        assert_eq!(generated.key_id.as_deref(), Some(arn.as_str()));
        let plaintext = generated.plaintext.unwrap();
        assert_eq!(plaintext.as_ref().len(), len);
        let opened = client
            .decrypt()
            .ciphertext_blob(generated.ciphertext_blob.unwrap())
            .encryption_context("purpose", "envelope")
            .send()
            .await
            .unwrap();
        assert_eq!(opened.plaintext.unwrap(), plaintext);
    }
    let without = client
        .generate_data_key_without_plaintext()
        .key_id(&key_id)
        .key_spec(DataKeySpec::Aes256)
        .send()
        .await
        .unwrap();
    let opened = client
        .decrypt()
        .ciphertext_blob(without.ciphertext_blob.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(opened.plaintext.unwrap().as_ref().len(), 32);
    assert_eq!(
        code(client.generate_data_key().key_id(&key_id).send().await),
        "ValidationException"
    );
    assert_eq!(
        code(
            client
                .generate_data_key()
                .key_id(&key_id)
                .number_of_bytes(1025)
                .send()
                .await
        ),
        "ValidationException"
    );
}

#[tokio::test]
async fn disabled_key_refuses_and_reenabled_key_works() {
    let server = TestServer::sqlite().await;
    let client = kms(&server);
    let (key_id, _) = new_key(&client).await;
    let blob = encrypt(&client, &key_id, b"x").await;
    client.disable_key().key_id(&key_id).send().await.unwrap();
    let described = client.describe_key().key_id(&key_id).send().await.unwrap();
    assert_eq!(
        described.key_metadata.unwrap().key_state,
        Some(KeyState::Disabled)
    );
    assert_eq!(
        code(
            client
                .encrypt()
                .key_id(&key_id)
                .plaintext(Blob::new("y"))
                .send()
                .await
        ),
        "DisabledException"
    );
    assert_eq!(
        code(client.decrypt().ciphertext_blob(blob.clone()).send().await),
        "DisabledException"
    );
    assert_eq!(
        code(
            client
                .generate_data_key()
                .key_id(&key_id)
                .key_spec(DataKeySpec::Aes256)
                .send()
                .await
        ),
        "DisabledException"
    );
    client.enable_key().key_id(&key_id).send().await.unwrap();
    let opened = client.decrypt().ciphertext_blob(blob).send().await.unwrap();
    assert_eq!(opened.plaintext.unwrap().as_ref(), b"x");
}

#[tokio::test]
async fn key_deletion_schedule_and_cancel() {
    let server = TestServer::sqlite().await;
    let client = kms(&server);
    let (key_id, arn) = new_key(&client).await;
    let blob = encrypt(&client, &key_id, b"x").await;
    for bad in [6, 31] {
        assert_eq!(
            code(
                client
                    .schedule_key_deletion()
                    .key_id(&key_id)
                    .pending_window_in_days(bad)
                    .send()
                    .await
            ),
            "ValidationException"
        );
    }
    let scheduled = client
        .schedule_key_deletion()
        .key_id(&key_id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    assert_eq!(scheduled.key_id.as_deref(), Some(arn.as_str()));
    assert_eq!(scheduled.key_state, Some(KeyState::PendingDeletion));
    assert_eq!(scheduled.pending_window_in_days, Some(7));
    let metadata = client
        .describe_key()
        .key_id(&key_id)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    assert_eq!(metadata.key_state, Some(KeyState::PendingDeletion));
    assert_eq!(metadata.pending_deletion_window_in_days, Some(7));
    assert_eq!(metadata.deletion_date, scheduled.deletion_date);
    assert!(!metadata.enabled);
    assert_eq!(
        code(client.decrypt().ciphertext_blob(blob.clone()).send().await),
        "KMSInvalidStateException"
    );
    assert_eq!(
        code(client.enable_key().key_id(&key_id).send().await),
        "KMSInvalidStateException"
    );
    let cancelled = client.cancel_key_deletion().key_id(&key_id).send().await.unwrap();
    assert_eq!(cancelled.key_id.as_deref(), Some(arn.as_str()));
    let metadata = client
        .describe_key()
        .key_id(&key_id)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    assert_eq!(metadata.key_state, Some(KeyState::Disabled));
    assert_eq!(metadata.deletion_date, None);
    assert_eq!(
        code(client.cancel_key_deletion().key_id(&key_id).send().await),
        "KMSInvalidStateException"
    );
    client.enable_key().key_id(&key_id).send().await.unwrap();
    client.decrypt().ciphertext_blob(blob).send().await.unwrap();
}

#[tokio::test]
async fn rotation_keeps_old_ciphertexts_readable() {
    let server = TestServer::sqlite().await;
    let client = kms(&server);
    let (key_id, arn) = new_key(&client).await;
    let old = encrypt(&client, &key_id, b"old").await;

    let status = client
        .get_key_rotation_status()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert!(!status.key_rotation_enabled);
    assert_eq!(
        code(
            client
                .enable_key_rotation()
                .key_id(&key_id)
                .rotation_period_in_days(89)
                .send()
                .await
        ),
        "ValidationException"
    );
    client
        .enable_key_rotation()
        .key_id(&key_id)
        .rotation_period_in_days(180)
        .send()
        .await
        .unwrap();
    let status = client
        .get_key_rotation_status()
        .key_id(&arn)
        .send()
        .await
        .unwrap();
    assert!(status.key_rotation_enabled);
    assert_eq!(status.rotation_period_in_days, Some(180));
    assert!(status.next_rotation_date.is_some());
    assert_eq!(status.key_id.as_deref(), Some(arn.as_str()));

    let rotated = client
        .rotate_key_on_demand()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(rotated.key_id.as_deref(), Some(arn.as_str()));
    let new = encrypt(&client, &key_id, b"new").await;
    assert_ne!(
        old.as_ref()[..48],
        new.as_ref()[..48],
        "the blob names another version"
    );
    for (blob, expected) in [(old, &b"old"[..]), (new, &b"new"[..])] {
        let opened = client.decrypt().ciphertext_blob(blob).send().await.unwrap();
        assert_eq!(opened.plaintext.unwrap().as_ref(), expected);
    }
    client
        .disable_key_rotation()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    let status = client
        .get_key_rotation_status()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert!(!status.key_rotation_enabled);
    client.disable_key().key_id(&key_id).send().await.unwrap();
    assert_eq!(
        code(client.rotate_key_on_demand().key_id(&key_id).send().await),
        "DisabledException"
    );
}

#[tokio::test]
async fn aliases_resolve_everywhere() {
    let server = TestServer::sqlite().await;
    let client = kms(&server);
    let (a, a_arn) = new_key(&client).await;
    let (b, _) = new_key(&client).await;
    client
        .create_alias()
        .alias_name("alias/app")
        .target_key_id(&a)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            client
                .create_alias()
                .alias_name("alias/app")
                .target_key_id(&b)
                .send()
                .await
        ),
        "AlreadyExistsException"
    );
    assert_eq!(
        code(
            client
                .create_alias()
                .alias_name("alias/aws/mine")
                .target_key_id(&b)
                .send()
                .await
        ),
        "NotAuthorizedException"
    );
    assert_eq!(
        code(
            client
                .create_alias()
                .alias_name("alias/x")
                .target_key_id("11111111-2222-4333-8444-555555555555")
                .send()
                .await
        ),
        "NotFoundException"
    );

    let alias_arn = format!("arn:aws:kms:us-east-1:{ACCOUNT}:alias/app");
    for reference in ["alias/app", alias_arn.as_str(), a.as_str(), a_arn.as_str()] {
        let described = client.describe_key().key_id(reference).send().await.unwrap();
        assert_eq!(described.key_metadata.unwrap().key_id, a, "{reference}");
        let blob = encrypt(&client, reference, b"via alias").await;
        let opened = client
            .decrypt()
            .ciphertext_blob(blob)
            .key_id(reference)
            .send()
            .await
            .unwrap();
        assert_eq!(opened.key_id.as_deref(), Some(a_arn.as_str()));
        let generated = client
            .generate_data_key()
            .key_id(reference)
            .key_spec(DataKeySpec::Aes256)
            .send()
            .await
            .unwrap();
        assert_eq!(generated.key_id.as_deref(), Some(a_arn.as_str()));
    }

    let listed = client.list_aliases().send().await.unwrap();
    let names: Vec<&str> = listed.aliases().iter().filter_map(|a| a.alias_name()).collect();
    assert_eq!(names, ["alias/app", "alias/aws/secretsmanager"]);
    let managed = &listed.aliases()[1];
    assert_eq!(managed.target_key_id, None);

    // Using the AWS managed alias creates its key.
    let managed_key = client
        .describe_key()
        .key_id("alias/aws/secretsmanager")
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    assert_eq!(managed_key.key_manager, Some(KeyManagerType::Aws));
    let listed = client.list_aliases().send().await.unwrap();
    assert_eq!(
        listed.aliases()[1].target_key_id.as_deref(),
        Some(managed_key.key_id.as_str())
    );

    client
        .update_alias()
        .alias_name("alias/app")
        .target_key_id(&b)
        .send()
        .await
        .unwrap();
    let of_b = client.list_aliases().key_id(&b).send().await.unwrap();
    assert_eq!(of_b.aliases().len(), 1);
    assert_eq!(of_b.aliases()[0].alias_arn.as_deref(), Some(alias_arn.as_str()));
    assert!(
        client
            .list_aliases()
            .key_id(&a)
            .send()
            .await
            .unwrap()
            .aliases()
            .is_empty()
    );
    let described = client.describe_key().key_id("alias/app").send().await.unwrap();
    assert_eq!(described.key_metadata.unwrap().key_id, b);

    client
        .delete_alias()
        .alias_name("alias/app")
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(client.delete_alias().alias_name("alias/app").send().await),
        "NotFoundException"
    );
    assert_eq!(
        code(client.describe_key().key_id("alias/app").send().await),
        "NotFoundException"
    );
}

#[tokio::test]
async fn tags_on_keys() {
    let server = TestServer::sqlite().await;
    let client = kms(&server);
    let (key_id, _) = new_key(&client).await;
    let tag = |k: &str, v: &str| Tag::builder().tag_key(k).tag_value(v).build().unwrap();
    client
        .tag_resource()
        .key_id(&key_id)
        .tags(tag("a", "1"))
        .tags(tag("b", "2"))
        .send()
        .await
        .unwrap();
    client
        .tag_resource()
        .key_id(&key_id)
        .tags(tag("a", "3"))
        .send()
        .await
        .unwrap();
    client
        .untag_resource()
        .key_id(&key_id)
        .tag_keys("b")
        .send()
        .await
        .unwrap();
    let listed = client.list_resource_tags().key_id(&key_id).send().await.unwrap();
    assert_eq!(listed.tags(), [tag("a", "3")]);
    assert!(!listed.truncated);
    assert_eq!(
        code(
            client
                .tag_resource()
                .key_id(&key_id)
                .tags(tag("aws:x", "1"))
                .send()
                .await
        ),
        "TagException"
    );
    assert_eq!(
        code(client.list_resource_tags().key_id("alias/app").send().await),
        "NotFoundException"
    );
}

#[tokio::test]
async fn wire_errors_and_raw_requests() {
    let server = TestServer::sqlite().await;
    let reply = server
        .request("kms")
        .json_target(
            "TrentService.DescribeKey",
            r#"{"KeyId":"11111111-2222-4333-8444-555555555555"}"#,
        )
        .send()
        .await;
    assert_eq!(reply.status, 400);
    insta::assert_json_snapshot!("describe_key_not_found", redact(&reply.body, &[]));

    let reply = server
        .request("kms")
        .json_target("TrentService.Encrypt", r#"{"Plaintext":"eA=="}"#)
        .send()
        .await;
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("ValidationException"), "{}", reply.body);

    let reply = server
        .request("kms")
        .json_target("TrentService.Sign", "{}")
        .send()
        .await;
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("UnknownOperationException"), "{}", reply.body);

    // ListAliases on a fresh account: the predefined alias only.
    let reply = server
        .request("kms")
        .json_target("TrentService.ListAliases", "{}")
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    insta::assert_json_snapshot!("list_aliases_fresh", redact(&reply.body, &[]));
}

#[tokio::test]
async fn key_policies_get_put_list_and_the_lockout_check() {
    let server = TestServer::sqlite().await;
    let client = kms(&server);
    let (key_id, _) = new_key(&client).await;

    let policy = client.get_key_policy().key_id(&key_id).send().await.unwrap();
    assert_eq!(policy.policy_name(), Some("default"));
    let text = policy.policy().unwrap();
    assert!(text.contains("\"Id\":\"key-default-1\""), "{text}");
    assert!(text.contains(&format!("arn:aws:iam::{ACCOUNT}:root")), "{text}");
    let names = client.list_key_policies().key_id(&key_id).send().await.unwrap();
    assert_eq!(names.policy_names(), ["default"]);
    assert!(!names.truncated());
    assert_eq!(
        code(
            client
                .get_key_policy()
                .key_id(&key_id)
                .policy_name("other")
                .send()
                .await
        ),
        "NotFoundException"
    );

    // A policy that does not parse, and one that would lock the caller out.
    assert_eq!(
        code(client.put_key_policy().key_id(&key_id).policy("{").send().await),
        "MalformedPolicyDocumentException"
    );
    let role_only = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:role/app"}},"Action":"kms:*","Resource":"*"}}]}}"#
    );
    let locked = client
        .put_key_policy()
        .key_id(&key_id)
        .policy(&role_only)
        .send()
        .await
        .unwrap_err();
    assert_eq!(locked.code(), Some("MalformedPolicyDocumentException"));
    assert_eq!(
        locked.message(),
        Some("The new key policy will not allow you to update the key policy in the future.")
    );
    // An explicit deny in the key policy binds even the root user.
    let deny_encrypt = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"kms:*","Resource":"*"}},{{"Sid":"NoEncrypt","Effect":"Deny","Principal":"*","Action":"kms:Encrypt","Resource":"*"}}]}}"#
    );
    client
        .put_key_policy()
        .key_id(&key_id)
        .policy_name("default")
        .policy(&deny_encrypt)
        .send()
        .await
        .unwrap();
    assert_eq!(
        client
            .get_key_policy()
            .key_id(&key_id)
            .send()
            .await
            .unwrap()
            .policy(),
        Some(deny_encrypt.as_str())
    );
    assert_eq!(
        code(
            client
                .encrypt()
                .key_id(&key_id)
                .plaintext(Blob::new(b"x"))
                .send()
                .await
        ),
        "AccessDeniedException"
    );
    // Bypassing the check locks the account (root included) out of the key.
    client
        .put_key_policy()
        .key_id(&key_id)
        .policy(&role_only)
        .bypass_policy_lockout_safety_check(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(client.get_key_policy().key_id(&key_id).send().await),
        "AccessDeniedException"
    );
    assert_eq!(
        code(client.describe_key().key_id(&key_id).send().await),
        "AccessDeniedException"
    );

    // CreateKey takes a policy and the same check.
    assert_eq!(
        code(client.create_key().policy(&role_only).send().await),
        "MalformedPolicyDocumentException"
    );
    let created = client
        .create_key()
        .policy(&deny_encrypt)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    assert_eq!(
        client
            .get_key_policy()
            .key_id(created.key_id())
            .send()
            .await
            .unwrap()
            .policy(),
        Some(deny_encrypt.as_str())
    );
}
