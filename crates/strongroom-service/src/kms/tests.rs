//! Service-level tests of KMS on an in-memory SQLite store: references, states, contexts, rotation,
//! purging, aliases and the internal API of Secrets Manager (with its cache).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::sync::Arc;

use strongroom_crypto::{EncryptionContext, RootKey};
use strongroom_store_sqlite::SqliteStore;
use strongroom_types::{AccessKeyId, AccountId, Clock, ManualClock, OffsetDateTime, Region};
use time::Duration;

use super::*;
use crate::Principal;

pub(super) const ACCOUNT: &str = "123456789012";

pub(super) struct Env {
    pub(super) kms: Kms,
    pub(super) authz: Authorizer,
    pub(super) caller: Caller,
    pub(super) clock: Arc<ManualClock>,
    sqlite: SqliteStore,
    pub(super) store: Arc<dyn Store>,
    pub(super) keyring: Arc<Keyring>,
}

pub(super) fn caller_in(account: &str, region: &str, principal: Principal) -> Caller {
    Caller::new(
        account.parse().unwrap(),
        principal,
        "AKIAIOSFODNN7EXAMPLE".parse::<AccessKeyId>().unwrap(),
        region.parse().unwrap(),
        None,
        crate::caller::Identity::default(),
    )
}

pub(super) async fn env() -> Env {
    let sqlite = SqliteStore::memory().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(sqlite.clone());
    let clock = Arc::new(ManualClock::new(
        OffsetDateTime::from_unix_timestamp(1_750_000_000).unwrap(),
    ));
    let keyring = Arc::new(
        Keyring::load(store.as_ref(), RootKey::generate(), clock.now())
            .await
            .unwrap(),
    );
    let kms = Kms::new(
        Arc::clone(&store),
        Arc::clone(&keyring),
        Arc::clone(&clock) as Arc<dyn Clock>,
    );
    Env {
        kms,
        authz: Authorizer::new(Arc::new(strongroom_types::SystemClock)),
        caller: caller_in(ACCOUNT, "us-east-1", Principal::Root),
        clock,
        sqlite,
        store,
        keyring,
    }
}

impl Env {
    async fn key(&self) -> KeyRecord {
        self.kms
            .create_key(&self.authz, &self.caller, CreateKeyInput::default())
            .await
            .unwrap()
    }

    pub(super) fn account_ref(&self) -> AccountId {
        self.caller.account().clone()
    }

    pub(super) fn region_ref(&self) -> Region {
        self.caller.region().clone()
    }

    fn account(&self) -> AccountId {
        self.caller.account().clone()
    }

    fn region(&self) -> Region {
        self.caller.region().clone()
    }

    async fn encrypt(
        &self,
        key_ref: &str,
        plaintext: &[u8],
        ctx: &EncryptionContext,
    ) -> Result<Encrypted, KmsError> {
        self.kms
            .encrypt(&self.authz, &self.caller, key_ref, plaintext, ctx, None, false)
            .await
    }

    async fn decrypt(&self, blob: &[u8], ctx: &EncryptionContext) -> Result<Decrypted, KmsError> {
        self.kms
            .decrypt(&self.authz, &self.caller, blob, ctx, None, None, false)
            .await
    }
}

pub(super) fn ctx(pairs: &[(&str, &str)]) -> EncryptionContext {
    EncryptionContext::from_pairs(pairs.iter().copied())
}

#[track_caller]
pub(super) fn assert_kind<T: std::fmt::Debug>(result: Result<T, KmsError>, expected: &str) {
    let name = match &result {
        Err(KmsError::NotFound { .. }) => "NotFound",
        Err(KmsError::Disabled { .. }) => "Disabled",
        Err(KmsError::InvalidState { .. }) => "InvalidState",
        Err(KmsError::InvalidCiphertext { .. }) => "InvalidCiphertext",
        Err(KmsError::IncorrectKey { .. }) => "IncorrectKey",
        Err(KmsError::AlreadyExists { .. }) => "AlreadyExists",
        Err(KmsError::Validation { .. }) => "Validation",
        Err(KmsError::Unsupported { .. }) => "Unsupported",
        Err(KmsError::ReservedAlias { .. }) => "ReservedAlias",
        Err(KmsError::InvalidAliasName { .. }) => "InvalidAliasName",
        Err(KmsError::InvalidArn { .. }) => "InvalidArn",
        Err(KmsError::InvalidMarker { .. }) => "InvalidMarker",
        Err(KmsError::InvalidKeyUsage { .. }) => "InvalidKeyUsage",
        Err(KmsError::Tag { .. }) => "Tag",
        Err(KmsError::MalformedPolicyDocument { .. }) => "MalformedPolicyDocument",
        Err(KmsError::DryRun) => "DryRun",
        Err(KmsError::Service(crate::ServiceError::AccessDenied { .. })) => "AccessDenied",
        Err(KmsError::Service(_)) => "Service",
        Ok(_) => "Ok",
    };
    assert_eq!(name, expected, "{result:?}");
}

#[tokio::test]
async fn every_reference_form_names_the_key() {
    let env = env().await;
    let key = env.key().await;
    assert_eq!(
        key.arn,
        format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{}", key.key_id)
    );
    env.kms
        .create_alias(&env.authz, &env.caller, "alias/app", &key.key_id)
        .await
        .unwrap();
    let alias_arn = format!("arn:aws:kms:us-east-1:{ACCOUNT}:alias/app");
    for reference in [key.key_id.as_str(), &key.arn, "alias/app", &alias_arn] {
        let found = env
            .kms
            .describe_key(&env.authz, &env.caller, reference)
            .await
            .unwrap();
        assert_eq!(found.key_id, key.key_id, "{reference}");
        let sealed = env
            .encrypt(reference, b"x", &EncryptionContext::new())
            .await
            .unwrap();
        assert_eq!(sealed.key_arn, key.arn);
    }
    // Key-only operations refuse aliases.
    assert_kind(
        env.kms.enable_key(&env.authz, &env.caller, "alias/app").await,
        "NotFound",
    );
    // Another region or account is another namespace.
    let other_region = key.arn.replace("us-east-1", "eu-west-1");
    assert_kind(
        env.kms.describe_key(&env.authz, &env.caller, &other_region).await,
        "NotFound",
    );
    let elsewhere = caller_in(ACCOUNT, "eu-west-1", Principal::Root);
    assert_kind(
        env.kms.describe_key(&env.authz, &elsewhere, &key.key_id).await,
        "NotFound",
    );
    assert_kind(
        env.kms
            .describe_key(&env.authz, &env.caller, "arn:aws:s3:::bucket")
            .await,
        "InvalidArn",
    );
    assert_kind(
        env.kms.describe_key(&env.authz, &env.caller, "alias/none").await,
        "NotFound",
    );
    assert_kind(
        env.kms
            .describe_key(&env.authz, &env.caller, "00000000-0000-4000-8000-000000000000")
            .await,
        "NotFound",
    );
}

#[tokio::test]
async fn other_principals_are_denied() {
    let env = env().await;
    let key = env.key().await;
    let user = caller_in(
        ACCOUNT,
        "us-east-1",
        Principal::User {
            name: "alice".into(),
            user_id: "AIDAEXAMPLE".into(),
        },
    );
    assert_kind(
        env.kms.describe_key(&env.authz, &user, &key.key_id).await,
        "AccessDenied",
    );
    assert_kind(
        env.kms
            .create_key(&env.authz, &user, CreateKeyInput::default())
            .await,
        "AccessDenied",
    );
}

#[tokio::test]
async fn states_gate_cryptography() {
    let env = env().await;
    let key = env.key().await;
    let none = EncryptionContext::new();
    let sealed = env.encrypt(&key.key_id, b"secret", &none).await.unwrap();

    let disabled = env
        .kms
        .disable_key(&env.authz, &env.caller, &key.key_id)
        .await
        .unwrap();
    assert_eq!(disabled.state, KeyState::Disabled);
    assert_eq!(disabled.revision, 2);
    assert_kind(env.encrypt(&key.key_id, b"x", &none).await, "Disabled");
    assert_kind(env.decrypt(&sealed.blob, &none).await, "Disabled");
    assert_kind(
        env.kms
            .generate_data_key_for_client(
                &env.authz,
                &env.caller,
                &key.key_id,
                &DataKeySize {
                    key_spec: Some("AES_256".into()),
                    number_of_bytes: None,
                },
                &none,
                true,
                false,
            )
            .await,
        "Disabled",
    );
    // Describe still works.
    env.kms
        .describe_key(&env.authz, &env.caller, &key.key_id)
        .await
        .unwrap();

    env.kms
        .enable_key(&env.authz, &env.caller, &key.key_id)
        .await
        .unwrap();
    let opened = env.decrypt(&sealed.blob, &none).await.unwrap();
    assert_eq!(opened.plaintext.expose_secret(), b"secret");

    let scheduled = env
        .kms
        .schedule_key_deletion(&env.authz, &env.caller, &key.key_id, Some(7))
        .await
        .unwrap();
    assert_eq!(scheduled.state, KeyState::PendingDeletion);
    assert_eq!(scheduled.pending_window_days, Some(7));
    assert_eq!(
        scheduled.deletion_date,
        Some(crate::truncate_to_millis(env.clock.now()) + Duration::days(7))
    );
    assert_kind(env.encrypt(&key.key_id, b"x", &none).await, "InvalidState");
    assert_kind(env.decrypt(&sealed.blob, &none).await, "InvalidState");
    assert_kind(
        env.kms.enable_key(&env.authz, &env.caller, &key.key_id).await,
        "InvalidState",
    );
    assert_kind(
        env.kms
            .schedule_key_deletion(&env.authz, &env.caller, &key.key_id, None)
            .await,
        "InvalidState",
    );

    let cancelled = env
        .kms
        .cancel_key_deletion(&env.authz, &env.caller, &key.key_id)
        .await
        .unwrap();
    assert_eq!(cancelled.state, KeyState::Disabled);
    assert_eq!(cancelled.deletion_date, None);
    assert_kind(
        env.kms
            .cancel_key_deletion(&env.authz, &env.caller, &key.key_id)
            .await,
        "InvalidState",
    );
    env.kms
        .enable_key(&env.authz, &env.caller, &key.key_id)
        .await
        .unwrap();
    env.decrypt(&sealed.blob, &none).await.unwrap();

    for window in [6, 31] {
        assert_kind(
            env.kms
                .schedule_key_deletion(&env.authz, &env.caller, &key.key_id, Some(window))
                .await,
            "Validation",
        );
    }
}

#[tokio::test]
async fn contexts_and_tampering() {
    let env = env().await;
    let key = env.key().await;
    let context = ctx(&[("purpose", "test"), ("tenant", "a")]);
    let sealed = env.encrypt(&key.key_id, b"payload", &context).await.unwrap();
    assert_eq!(
        env.decrypt(&sealed.blob, &context)
            .await
            .unwrap()
            .plaintext
            .expose_secret(),
        b"payload"
    );
    for wrong in [
        EncryptionContext::new(),
        ctx(&[("purpose", "test")]),
        ctx(&[("purpose", "test"), ("tenant", "b")]),
    ] {
        assert_kind(env.decrypt(&sealed.blob, &wrong).await, "InvalidCiphertext");
    }
    // Every flipped byte after the key id is refused; a changed key id names no key.
    let header = 5 + key.key_id.len();
    for index in header..sealed.blob.len() {
        let mut bad = sealed.blob.clone();
        bad[index] ^= 0x01;
        let result = env.decrypt(&bad, &context).await;
        assert!(
            matches!(result, Err(KmsError::InvalidCiphertext { .. })),
            "byte {index}: {result:?}"
        );
    }
    assert_kind(env.decrypt(b"not a blob", &context).await, "InvalidCiphertext");
    assert_kind(
        env.decrypt(&sealed.blob[..sealed.blob.len() - 1], &context).await,
        "InvalidCiphertext",
    );

    // Decrypt with the wrong KeyId is IncorrectKey.
    let other = env.key().await;
    assert_kind(
        env.kms
            .decrypt(
                &env.authz,
                &env.caller,
                &sealed.blob,
                &context,
                Some(&other.key_id),
                None,
                false,
            )
            .await,
        "IncorrectKey",
    );
    // A blob of one key does not open with another's material even when the header is rewritten.
    let mut forged = sealed.blob.clone();
    forged[5..5 + other.key_id.len()].copy_from_slice(other.key_id.as_bytes());
    assert_kind(env.decrypt(&forged, &context).await, "InvalidCiphertext");
}

#[tokio::test]
async fn re_encrypt_and_data_keys() {
    let env = env().await;
    let a = env.key().await;
    let b = env.key().await;
    let from = ctx(&[("k", "from")]);
    let to = ctx(&[("k", "to")]);
    let sealed = env.encrypt(&a.key_id, b"moving", &from).await.unwrap();
    let moved = env
        .kms
        .re_encrypt(
            &env.authz,
            &env.caller,
            &sealed.blob,
            &from,
            None,
            &b.arn,
            &to,
            (None, None),
            false,
        )
        .await
        .unwrap();
    assert_eq!(
        (moved.source_key_arn.as_str(), moved.key_arn.as_str()),
        (a.arn.as_str(), b.arn.as_str())
    );
    let opened = env.decrypt(&moved.blob, &to).await.unwrap();
    assert_eq!(opened.key_arn, b.arn);
    assert_eq!(opened.plaintext.expose_secret(), b"moving");

    for (spec, bytes, len) in [
        (Some("AES_256"), None, 32),
        (Some("AES_128"), None, 16),
        (None, Some(1), 1),
        (None, Some(1024), 1024),
    ] {
        let size = DataKeySize {
            key_spec: spec.map(str::to_owned),
            number_of_bytes: bytes,
        };
        let generated = env
            .kms
            .generate_data_key_for_client(&env.authz, &env.caller, &b.arn, &size, &to, true, false)
            .await
            .unwrap();
        let plaintext = generated.plaintext.unwrap();
        assert_eq!(plaintext.len(), len);
        let opened = env.decrypt(&generated.blob, &to).await.unwrap();
        assert_eq!(opened.plaintext.expose_secret(), plaintext.expose_secret());
        let without = env
            .kms
            .generate_data_key_for_client(&env.authz, &env.caller, &a.key_id, &size, &to, false, false)
            .await
            .unwrap();
        assert!(without.plaintext.is_none());
        assert_eq!(
            env.decrypt(&without.blob, &to).await.unwrap().plaintext.len(),
            len
        );
    }
    for (spec, bytes) in [
        (None, None),
        (Some("AES_256"), Some(32)),
        (Some("AES_512"), None),
        (None, Some(0)),
        (None, Some(1025)),
    ] {
        let size = DataKeySize {
            key_spec: spec.map(str::to_owned),
            number_of_bytes: bytes,
        };
        assert_kind(
            env.kms
                .generate_data_key_for_client(&env.authz, &env.caller, &a.key_id, &size, &to, true, false)
                .await,
            "Validation",
        );
    }
    assert_kind(
        env.kms
            .encrypt(&env.authz, &env.caller, &a.key_id, b"x", &to, None, true)
            .await,
        "DryRun",
    );
    assert_kind(
        env.kms
            .encrypt(
                &env.authz,
                &env.caller,
                &a.key_id,
                b"x",
                &to,
                Some("RSAES_OAEP_SHA_1"),
                false,
            )
            .await,
        "InvalidKeyUsage",
    );
    assert_kind(env.encrypt(&a.key_id, b"", &to).await, "Validation");
    assert_kind(env.encrypt(&a.key_id, &[0; 4097], &to).await, "Validation");
}

#[tokio::test]
async fn rotation_on_demand_and_on_schedule() {
    let env = env().await;
    let key = env.key().await;
    let none = EncryptionContext::new();
    let old = env.encrypt(&key.key_id, b"old", &none).await.unwrap();
    assert_eq!(blob::decode(&old.blob).unwrap().version, 1);

    let rotated = env
        .kms
        .rotate_key_on_demand(&env.authz, &env.caller, &key.key_id)
        .await
        .unwrap();
    assert_eq!(rotated.current_version, 2);
    let new = env.encrypt(&key.key_id, b"new", &none).await.unwrap();
    assert_eq!(blob::decode(&new.blob).unwrap().version, 2);
    // A fresh service (empty cache) opens both versions from the store.
    let fresh = Kms::new(
        Arc::clone(&env.store),
        Arc::clone(&env.keyring),
        Arc::clone(&env.clock) as Arc<dyn Clock>,
    );
    for (blob, expected) in [(&old.blob, b"old"), (&new.blob, b"new")] {
        let opened = fresh
            .decrypt(&env.authz, &env.caller, blob, &none, None, None, false)
            .await
            .unwrap();
        assert_eq!(opened.plaintext.expose_secret(), expected);
    }

    // Scheduled rotation.
    let status = env
        .kms
        .get_key_rotation_status(&env.authz, &env.caller, &key.key_id)
        .await
        .unwrap();
    assert!(!status.enabled);
    assert_eq!(status.next_rotation_at, None);
    for bad in [89, 2561] {
        assert_kind(
            env.kms
                .enable_key_rotation(&env.authz, &env.caller, &key.key_id, Some(bad))
                .await,
            "Validation",
        );
    }
    env.kms
        .enable_key_rotation(&env.authz, &env.caller, &key.key_id, Some(90))
        .await
        .unwrap();
    let status = env
        .kms
        .get_key_rotation_status(&env.authz, &env.caller, &key.key_id)
        .await
        .unwrap();
    assert!(status.enabled);
    assert_eq!(status.period_days, Some(90));
    let due_at = status.next_rotation_at.unwrap();
    assert_eq!(
        due_at,
        crate::truncate_to_millis(env.clock.now()) + Duration::days(90)
    );

    assert_eq!(
        env.kms.rotate_due(due_at - Duration::seconds(1)).await.unwrap(),
        0
    );
    assert_eq!(env.kms.rotate_due(due_at).await.unwrap(), 1);
    let after = env
        .kms
        .describe_key(&env.authz, &env.caller, &key.key_id)
        .await
        .unwrap();
    assert_eq!(after.current_version, 3);
    assert_eq!(after.next_rotation_at, Some(due_at + Duration::days(90)));
    assert_eq!(env.kms.rotate_due(due_at).await.unwrap(), 0);
    env.decrypt(&old.blob, &none).await.unwrap();

    // A disabled key is not rotated; nor may its rotation be changed.
    env.kms
        .disable_key(&env.authz, &env.caller, &key.key_id)
        .await
        .unwrap();
    assert_eq!(
        env.kms.rotate_due(due_at + Duration::days(1000)).await.unwrap(),
        0
    );
    assert_kind(
        env.kms
            .rotate_key_on_demand(&env.authz, &env.caller, &key.key_id)
            .await,
        "Disabled",
    );
    assert_kind(
        env.kms
            .disable_key_rotation(&env.authz, &env.caller, &key.key_id)
            .await,
        "Disabled",
    );
    env.kms
        .enable_key(&env.authz, &env.caller, &key.key_id)
        .await
        .unwrap();
    env.kms
        .disable_key_rotation(&env.authz, &env.caller, &key.key_id)
        .await
        .unwrap();
    assert_eq!(
        env.kms.rotate_due(due_at + Duration::days(1000)).await.unwrap(),
        0
    );
}

#[tokio::test]
async fn purge_removes_due_keys_only() {
    let env = env().await;
    let doomed = env.key().await;
    let kept = env.key().await;
    let cancelled = env.key().await;
    env.kms
        .create_alias(&env.authz, &env.caller, "alias/doomed", &doomed.key_id)
        .await
        .unwrap();
    let none = EncryptionContext::new();
    let sealed = env.encrypt(&doomed.key_id, b"bye", &none).await.unwrap();
    for key in [&doomed, &cancelled] {
        env.kms
            .schedule_key_deletion(&env.authz, &env.caller, &key.key_id, Some(7))
            .await
            .unwrap();
    }
    env.kms
        .cancel_key_deletion(&env.authz, &env.caller, &cancelled.key_id)
        .await
        .unwrap();
    let now = env.clock.now();
    assert_eq!(env.kms.purge_due(now + Duration::days(6)).await.unwrap(), 0);
    assert_eq!(env.kms.purge_due(now + Duration::days(8)).await.unwrap(), 1);
    assert_kind(
        env.kms
            .describe_key(&env.authz, &env.caller, &doomed.key_id)
            .await,
        "NotFound",
    );
    assert_kind(env.decrypt(&sealed.blob, &none).await, "NotFound");
    let aliases = env
        .kms
        .list_aliases(&env.authz, &env.caller, None, None, None)
        .await
        .unwrap();
    assert!(aliases.items.iter().all(|a| a.name != "alias/doomed"));
    for key in [&kept, &cancelled] {
        env.kms
            .describe_key(&env.authz, &env.caller, &key.key_id)
            .await
            .unwrap();
    }
    assert_eq!(env.kms.purge_due(now + Duration::days(8)).await.unwrap(), 0);
}

#[tokio::test]
async fn aliases_lifecycle_and_listing() {
    let env = env().await;
    let a = env.key().await;
    let b = env.key().await;
    // Before first use, the predefined alias is listed without a target.
    let page = env
        .kms
        .list_aliases(&env.authz, &env.caller, None, None, None)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].name, SECRETS_MANAGER_ALIAS);
    assert_eq!(page.items[0].target_key_id, None);

    for name in ["alias/zeta", "alias/alpha", "alias/beta"] {
        env.kms
            .create_alias(&env.authz, &env.caller, name, &a.key_id)
            .await
            .unwrap();
    }
    assert_kind(
        env.kms
            .create_alias(&env.authz, &env.caller, "alias/alpha", &b.key_id)
            .await,
        "AlreadyExists",
    );
    assert_kind(
        env.kms
            .create_alias(&env.authz, &env.caller, "alias/aws/mine", &b.key_id)
            .await,
        "ReservedAlias",
    );
    assert_kind(
        env.kms
            .create_alias(&env.authz, &env.caller, "nope", &b.key_id)
            .await,
        "InvalidAliasName",
    );
    assert_kind(
        env.kms
            .create_alias(&env.authz, &env.caller, "alias/bad name", &b.key_id)
            .await,
        "Validation",
    );
    assert_kind(
        env.kms
            .create_alias(&env.authz, &env.caller, "alias/x", "alias/alpha")
            .await,
        "NotFound",
    );
    env.kms
        .update_alias(&env.authz, &env.caller, "alias/beta", &b.arn)
        .await
        .unwrap();
    assert_kind(
        env.kms
            .update_alias(&env.authz, &env.caller, "alias/missing", &b.arn)
            .await,
        "NotFound",
    );

    let names = |page: &Page<AliasEntry>| page.items.iter().map(|a| a.name.clone()).collect::<Vec<_>>();
    let first = env
        .kms
        .list_aliases(&env.authz, &env.caller, None, Some(2), None)
        .await
        .unwrap();
    assert_eq!(names(&first), ["alias/alpha", "alias/aws/secretsmanager"]);
    let second = env
        .kms
        .list_aliases(
            &env.authz,
            &env.caller,
            None,
            Some(2),
            first.next_marker.as_deref(),
        )
        .await
        .unwrap();
    assert_eq!(names(&second), ["alias/beta", "alias/zeta"]);
    assert_eq!(second.next_marker, None);
    let of_b = env
        .kms
        .list_aliases(&env.authz, &env.caller, Some(&b.key_id), None, None)
        .await
        .unwrap();
    assert_eq!(names(&of_b), ["alias/beta"]);
    assert_kind(
        env.kms
            .list_aliases(&env.authz, &env.caller, None, None, Some("garbage"))
            .await,
        "InvalidMarker",
    );

    env.kms
        .delete_alias(&env.authz, &env.caller, "alias/beta")
        .await
        .unwrap();
    assert_kind(
        env.kms.delete_alias(&env.authz, &env.caller, "alias/beta").await,
        "NotFound",
    );
    assert_kind(
        env.kms
            .delete_alias(&env.authz, &env.caller, "alias/aws/secretsmanager")
            .await,
        "ReservedAlias",
    );
}

#[tokio::test]
async fn create_key_validation_and_tags() {
    let env = env().await;
    let unsupported = [
        CreateKeyInput {
            key_spec: Some("RSA_2048".into()),
            ..Default::default()
        },
        CreateKeyInput {
            customer_master_key_spec: Some("HMAC_256".into()),
            ..Default::default()
        },
        CreateKeyInput {
            origin: Some("EXTERNAL".into()),
            ..Default::default()
        },
        CreateKeyInput {
            multi_region: Some(true),
            ..Default::default()
        },
    ];
    for input in unsupported {
        assert_kind(
            env.kms.create_key(&env.authz, &env.caller, input).await,
            "Unsupported",
        );
    }
    let invalid = [
        CreateKeyInput {
            key_spec: Some("AES".into()),
            ..Default::default()
        },
        CreateKeyInput {
            key_usage: Some("SIGN_VERIFY".into()),
            ..Default::default()
        },
        CreateKeyInput {
            key_spec: Some("SYMMETRIC_DEFAULT".into()),
            customer_master_key_spec: Some("SYMMETRIC_DEFAULT".into()),
            ..Default::default()
        },
        CreateKeyInput {
            description: Some("x".repeat(8193)),
            ..Default::default()
        },
    ];
    for input in invalid {
        assert_kind(
            env.kms.create_key(&env.authz, &env.caller, input).await,
            "Validation",
        );
    }
    assert_kind(
        env.kms
            .create_key(
                &env.authz,
                &env.caller,
                CreateKeyInput {
                    tags: vec![Tag {
                        key: "aws:reserved".into(),
                        value: String::new(),
                    }],
                    ..Default::default()
                },
            )
            .await,
        "Tag",
    );

    let tag = |k: &str, v: &str| Tag {
        key: k.into(),
        value: v.into(),
    };
    let key = env
        .kms
        .create_key(
            &env.authz,
            &env.caller,
            CreateKeyInput {
                description: Some("described".into()),
                key_usage: Some("ENCRYPT_DECRYPT".into()),
                customer_master_key_spec: Some("SYMMETRIC_DEFAULT".into()),
                policy: Some(default_policy(ACCOUNT)),
                tags: vec![tag("a", "1"), tag("b", "2")],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(key.description, "described");
    assert_eq!(key.policy.as_deref(), Some(default_policy(ACCOUNT).as_str()));
    assert_eq!(key.key_manager, KeyManager::Customer);
    env.kms
        .tag_resource(
            &env.authz,
            &env.caller,
            &key.key_id,
            vec![tag("b", "3"), tag("c", "4")],
        )
        .await
        .unwrap();
    env.kms
        .untag_resource(&env.authz, &env.caller, &key.key_id, vec!["a".into()])
        .await
        .unwrap();
    let (_, page) = env
        .kms
        .list_resource_tags(&env.authz, &env.caller, &key.key_id, Some(1), None)
        .await
        .unwrap();
    assert_eq!(page.items, [tag("b", "3")]);
    let (_, rest) = env
        .kms
        .list_resource_tags(
            &env.authz,
            &env.caller,
            &key.key_id,
            Some(1),
            page.next_marker.as_deref(),
        )
        .await
        .unwrap();
    assert_eq!(rest.items, [tag("c", "4")]);
    assert_eq!(rest.next_marker, None);

    // ListKeys pages.
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = env
            .kms
            .list_keys(&env.authz, &env.caller, Some(1), marker.as_deref())
            .await
            .unwrap();
        seen.extend(page.items.into_iter().map(|k| k.key_id));
        match page.next_marker {
            Some(next) => marker = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, std::slice::from_ref(&key.key_id));
    assert_kind(
        env.kms.list_keys(&env.authz, &env.caller, Some(0), None).await,
        "Validation",
    );
    assert_kind(
        env.kms
            .list_keys(&env.authz, &env.caller, None, Some("not a marker!"))
            .await,
        "InvalidMarker",
    );
}

#[tokio::test]
async fn secrets_manager_internal_api() {
    let env = env().await;
    let (account, region) = (env.account(), env.region());
    let resolved = env.kms.resolve_secret_key(&account, &region, None).await.unwrap();
    assert!(resolved.aws_managed);
    assert_eq!(
        env.kms
            .resolve_secret_key(&account, &region, Some(""))
            .await
            .unwrap(),
        resolved
    );
    assert_eq!(
        env.kms
            .resolve_secret_key(&account, &region, Some(SECRETS_MANAGER_ALIAS))
            .await
            .unwrap(),
        resolved
    );
    // One AWS managed key per (account, region).
    let elsewhere: Region = "eu-west-1".parse().unwrap();
    let other = env
        .kms
        .resolve_secret_key(&account, &elsewhere, None)
        .await
        .unwrap();
    assert_ne!(other.key_id, resolved.key_id);
    let described = env
        .kms
        .describe_key(&env.authz, &env.caller, SECRETS_MANAGER_ALIAS)
        .await
        .unwrap();
    assert_eq!(described.key_id, resolved.key_id);
    assert_eq!(described.key_manager, KeyManager::Aws);
    assert!(described.rotation_enabled);
    assert_kind(
        env.kms
            .disable_key(&env.authz, &env.caller, &resolved.key_id)
            .await,
        // The AWS managed key's policy does not allow it, even to the root user.
        "AccessDenied",
    );

    let context = ctx(&[(
        "SecretARN",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf",
    )]);
    let (data_key, blob, used) = env
        .kms
        .generate_data_key(&account, &region, None, &context)
        .await
        .unwrap();
    assert_eq!(used, resolved);
    let opened = env
        .kms
        .decrypt_data_key(&account, &region, &blob, &context)
        .await
        .unwrap();
    assert_eq!(opened.expose_secret(), data_key.expose_secret());
    assert_kind(
        env.kms
            .decrypt_data_key(&account, &region, &blob, &EncryptionContext::new())
            .await,
        "InvalidCiphertext",
    );
    assert_kind(
        env.kms
            .decrypt_data_key(&account, &elsewhere, &blob, &context)
            .await,
        "NotFound",
    );
    // A value blob is not a data key blob.
    let customer = env.key().await;
    let value = env.encrypt(&customer.key_id, b"v", &context).await.unwrap();
    assert_kind(
        env.kms
            .decrypt_data_key(&account, &region, &value.blob, &context)
            .await,
        "InvalidCiphertext",
    );

    // A customer key: a state change in this process is seen at once.
    let (_, blob, used) = env
        .kms
        .generate_data_key(&account, &region, Some("alias/aws/secretsmanager"), &context)
        .await
        .unwrap();
    assert!(used.aws_managed);
    let (_, customer_blob, used) = env
        .kms
        .generate_data_key(&account, &region, Some(&customer.arn), &context)
        .await
        .unwrap();
    assert!(!used.aws_managed);
    env.kms
        .decrypt_data_key(&account, &region, &customer_blob, &context)
        .await
        .unwrap();
    env.kms
        .disable_key(&env.authz, &env.caller, &customer.key_id)
        .await
        .unwrap();
    assert_kind(
        env.kms
            .decrypt_data_key(&account, &region, &customer_blob, &context)
            .await,
        "Disabled",
    );
    assert_kind(
        env.kms
            .generate_data_key(&account, &region, Some(&customer.key_id), &context)
            .await,
        "Disabled",
    );
    env.kms
        .decrypt_data_key(&account, &region, &blob, &context)
        .await
        .unwrap();
    env.kms
        .enable_key(&env.authz, &env.caller, &customer.key_id)
        .await
        .unwrap();
    env.kms
        .decrypt_data_key(&account, &region, &customer_blob, &context)
        .await
        .unwrap();

    // A change made by another node is seen once the cached state is older than its TTL.
    let other_node = Kms::new(
        Arc::clone(&env.store),
        Arc::clone(&env.keyring),
        Arc::clone(&env.clock) as Arc<dyn Clock>,
    );
    other_node
        .schedule_key_deletion(&env.authz, &env.caller, &customer.key_id, None)
        .await
        .unwrap();
    env.kms
        .decrypt_data_key(&account, &region, &customer_blob, &context)
        .await
        .unwrap();
    env.clock.advance(cache::STATE_TTL + Duration::milliseconds(1));
    assert_kind(
        env.kms
            .decrypt_data_key(&account, &region, &customer_blob, &context)
            .await,
        "InvalidState",
    );
    // And once purged, the key is gone.
    other_node
        .purge_due(env.clock.now() + Duration::days(31))
        .await
        .unwrap();
    env.clock.advance(cache::STATE_TTL + Duration::milliseconds(1));
    assert_kind(
        env.kms
            .decrypt_data_key(&account, &region, &customer_blob, &context)
            .await,
        "NotFound",
    );
}

/// The hot path reads nothing from the store: with the store closed, a warm decrypt still works until the
/// cached state is older than its TTL. Also reports the cost per call.
#[tokio::test]
async fn decrypt_data_key_is_served_from_memory() {
    let env = env().await;
    let (account, region) = (env.account(), env.region());
    let context = ctx(&[
        (
            "SecretARN",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:bench-AbCdEf",
        ),
        ("SecretVersionId", "00000000-0000-4000-8000-000000000000"),
    ]);
    let (data_key, blob, _) = env
        .kms
        .generate_data_key(&account, &region, None, &context)
        .await
        .unwrap();
    env.kms
        .decrypt_data_key(&account, &region, &blob, &context)
        .await
        .unwrap();

    const ITERATIONS: u32 = 20_000;
    let started = std::time::Instant::now();
    for _ in 0..ITERATIONS {
        let key = env
            .kms
            .decrypt_data_key(&account, &region, &blob, &context)
            .await
            .unwrap();
        std::hint::black_box(key.expose_secret());
    }
    let per_call = started.elapsed() / ITERATIONS;
    println!("decrypt_data_key (warm): {per_call:?} per call");

    env.sqlite.close().await;
    let opened = env
        .kms
        .decrypt_data_key(&account, &region, &blob, &context)
        .await
        .unwrap();
    assert_eq!(opened.expose_secret(), data_key.expose_secret());
    env.clock.advance(cache::STATE_TTL + Duration::milliseconds(1));
    assert_kind(
        env.kms.decrypt_data_key(&account, &region, &blob, &context).await,
        "Service",
    );
}

#[test]
fn no_secret_in_debug_of_results() {
    let generated = GeneratedDataKey {
        key_arn: "arn".into(),
        plaintext: Some(SecretBytes::from_vec(b"hunter2hunter2".to_vec())),
        blob: vec![1, 2, 3],
    };
    let debug = format!("{generated:?}");
    assert!(!debug.contains("hunter2"), "{debug}");
    let decrypted = Decrypted {
        key_arn: "arn".into(),
        plaintext: SecretBytes::from_vec(b"hunter2hunter2".to_vec()),
    };
    assert!(!format!("{decrypted:?}").contains("hunter2"));
}
