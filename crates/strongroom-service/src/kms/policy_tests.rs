//! Key-policy decisions, table-driven: delegation to IAM by the default policy, grants to a role that need
//! no IAM policy, explicit denies, lock-outs, encryption-context conditions; the lockout safety check; and
//! `kms:Decrypt`/`kms:GenerateDataKey` through Secrets Manager for secrets under a customer managed key.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::sync::Arc;

use strongroom_crypto::SecretString;
use strongroom_policy::{Policy, PolicyKind};
use strongroom_types::Clock;

use super::tests::{ACCOUNT, assert_kind, caller_in, ctx, env};
use super::*;
use crate::Principal;
use crate::caller::Identity;
use crate::secrets::{CreateSecret, SecretPayload, Secrets};

const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/app";

/// An IAM user with these identity policies (JSON texts).
fn user(name: &str, policies: &[&str]) -> Caller {
    let policies = policies
        .iter()
        .map(|text| Policy::parse(text, PolicyKind::Identity).unwrap())
        .collect();
    Caller::new(
        ACCOUNT.parse().unwrap(),
        Principal::User {
            name: name.to_owned(),
            user_id: format!("AIDA{}", name.to_uppercase()),
        },
        "AKIAIOSFODNN7EXAMPLE".parse().unwrap(),
        "us-east-1".parse().unwrap(),
        None,
        Identity {
            policies: Arc::new(policies),
            ..Identity::default()
        },
    )
}

/// A session of role `app` without any identity policy.
fn role_session() -> Caller {
    caller_in(
        ACCOUNT,
        "us-east-1",
        Principal::AssumedRole {
            role_name: "app".into(),
            role_id: "AROAEXAMPLEAPP".into(),
            session_name: "s1".into(),
        },
    )
}

fn root() -> Caller {
    caller_in(ACCOUNT, "us-east-1", Principal::Root)
}

fn allow(action: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#
    )
}

fn key_policy(statements: &[String]) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

fn account_statement() -> String {
    format!(
        r#"{{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"kms:*","Resource":"*"}}"#
    )
}

fn role_statement(condition: &str) -> String {
    format!(
        r#"{{"Sid":"App","Effect":"Allow","Principal":{{"AWS":"{ROLE_ARN}"}},"Action":["kms:Decrypt","kms:Encrypt"],"Resource":"*"{condition}}}"#
    )
}

fn deny_decrypt() -> String {
    r#"{"Sid":"NoDecrypt","Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*"}"#.to_owned()
}

#[derive(Clone, Copy, Debug)]
enum Who {
    Root,
    UserAllowedDecrypt,
    UserWithoutPolicies,
    Role,
}

impl Who {
    fn caller(self) -> Caller {
        match self {
            Self::Root => root(),
            Self::UserAllowedDecrypt => user("alice", &[&allow("kms:Decrypt")]),
            Self::UserWithoutPolicies => user("bob", &[]),
            Self::Role => role_session(),
        }
    }
}

/// (case, key policy (None: the default), who, encryption context, expected outcome)
type Case = (
    &'static str,
    Option<String>,
    Who,
    &'static [(&'static str, &'static str)],
    &'static str,
);

#[tokio::test]
async fn key_policy_decisions() {
    let context_condition = r#","Condition":{"StringEquals":{"kms:EncryptionContext:SecretARN":"arn:good"}}"#;
    let cases: Vec<Case> = vec![
        ("default: IAM allow", None, Who::UserAllowedDecrypt, &[], "Ok"),
        (
            "default: no IAM allow",
            None,
            Who::UserWithoutPolicies,
            &[],
            "AccessDenied",
        ),
        ("default: root", None, Who::Root, &[], "Ok"),
        ("default: role without IAM", None, Who::Role, &[], "AccessDenied"),
        (
            "role grant: role without IAM",
            Some(key_policy(&[role_statement("")])),
            Who::Role,
            &[],
            "Ok",
        ),
        (
            "role grant: user with IAM allow",
            Some(key_policy(&[role_statement("")])),
            Who::UserAllowedDecrypt,
            &[],
            "AccessDenied",
        ),
        (
            "role grant only: root locked out",
            Some(key_policy(&[role_statement("")])),
            Who::Root,
            &[],
            "AccessDenied",
        ),
        (
            "explicit deny beats IAM allow",
            Some(key_policy(&[account_statement(), deny_decrypt()])),
            Who::UserAllowedDecrypt,
            &[],
            "AccessDenied",
        ),
        (
            "explicit deny beats root",
            Some(key_policy(&[account_statement(), deny_decrypt()])),
            Who::Root,
            &[],
            "AccessDenied",
        ),
        (
            "explicit deny beats a role grant",
            Some(key_policy(&[role_statement(""), deny_decrypt()])),
            Who::Role,
            &[],
            "AccessDenied",
        ),
        (
            "context condition met",
            Some(key_policy(&[role_statement(context_condition)])),
            Who::Role,
            &[("SecretARN", "arn:good")],
            "Ok",
        ),
        (
            "context condition not met",
            Some(key_policy(&[role_statement(context_condition)])),
            Who::Role,
            &[("SecretARN", "arn:other")],
            "AccessDenied",
        ),
        (
            "context condition without context",
            Some(key_policy(&[role_statement(context_condition)])),
            Who::Role,
            &[],
            "AccessDenied",
        ),
    ];
    for (name, policy, who, context, expected) in cases {
        let env = env().await;
        let key = env
            .kms
            .create_key(
                &env.authz,
                &root(),
                CreateKeyInput {
                    policy,
                    bypass_policy_lockout_safety_check: true,
                    ..CreateKeyInput::default()
                },
            )
            .await
            .unwrap();
        let context = ctx(context);
        let (_, blob, _) = env
            .kms
            .generate_data_key(&env.account_ref(), &env.region_ref(), Some(&key.key_id), &context)
            .await
            .unwrap();
        let result = env
            .kms
            .decrypt(&env.authz, &who.caller(), &blob, &context, None, None, false)
            .await;
        eprintln!("case: {name}");
        assert_kind(result.map(|_| ()), expected);
    }
}

#[tokio::test]
async fn a_new_key_gets_the_default_policy_and_the_managed_key_its_own() {
    let env = env().await;
    let key = env
        .kms
        .create_key(&env.authz, &root(), CreateKeyInput::default())
        .await
        .unwrap();
    let (_, text) = env
        .kms
        .get_key_policy(&env.authz, &root(), &key.key_id, None)
        .await
        .unwrap();
    assert_eq!(text, default_policy(ACCOUNT));
    assert!(text.contains(r#""Sid":"Enable IAM User Permissions""#));
    let page = env
        .kms
        .list_key_policies(&env.authz, &root(), &key.key_id, None, None)
        .await
        .unwrap();
    assert_eq!(page.items, ["default"]);
    assert_kind(
        env.kms
            .get_key_policy(&env.authz, &root(), &key.key_id, Some("other"))
            .await,
        "NotFound",
    );

    let managed = env
        .kms
        .resolve_secret_key(&env.account_ref(), &env.region_ref(), None)
        .await
        .unwrap();
    let (_, text) = env
        .kms
        .get_key_policy(&env.authz, &root(), &managed.key_id, None)
        .await
        .unwrap();
    assert!(text.contains("secretsmanager.us-east-1.amazonaws.com"));
    assert!(text.contains(r#""kms:CallerAccount":"123456789012""#));
    // Using the managed key directly (not through Secrets Manager) is not in its policy.
    let context = ctx(&[]);
    let (_, blob, _) = env
        .kms
        .generate_data_key(&env.account_ref(), &env.region_ref(), None, &context)
        .await
        .unwrap();
    assert_kind(
        env.kms
            .decrypt(
                &env.authz,
                &user("alice", &[&allow("kms:*")]),
                &blob,
                &context,
                None,
                None,
                false,
            )
            .await
            .map(|_| ()),
        "AccessDenied",
    );
}

#[tokio::test]
async fn put_key_policy_validates_and_checks_for_lockout() {
    let env = env().await;
    let admin = user("admin", &[&allow("kms:*")]);
    let key = env
        .kms
        .create_key(&env.authz, &admin, CreateKeyInput::default())
        .await
        .unwrap();
    let cases: Vec<(&str, String, bool, &str)> =
        vec![
        ("not JSON", "{".to_owned(), false, "MalformedPolicyDocument"),
        (
            "no principal",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#
                .to_owned(),
            false,
            "MalformedPolicyDocument",
        ),
        (
            "locks the caller out",
            key_policy(&[role_statement("")]),
            false,
            "MalformedPolicyDocument",
        ),
        (
            "locks the caller out, bypassed",
            key_policy(&[role_statement("")]),
            true,
            "Ok",
        ),
        // The admin is now locked out: even the default policy cannot be put back by it.
        ("after the lockout", default_policy(ACCOUNT), false, "AccessDenied"),
    ];
    for (name, text, bypass, expected) in cases {
        eprintln!("case: {name}");
        let result = env
            .kms
            .put_key_policy(&env.authz, &admin, &key.key_id, None, &text, bypass)
            .await;
        assert_kind(result.map(|_| ()), expected);
    }
    let message = env
        .kms
        .put_key_policy(
            &env.authz,
            &role_session(),
            &key.key_id,
            Some("default"),
            &key_policy(&[role_statement("")]),
            false,
        )
        .await
        .unwrap_err()
        .to_string();
    // The role may Decrypt/Encrypt only: putting a policy is not among its grants.
    assert!(message.contains("not authorized"), "{message}");

    // CreateKey runs the same check on its Policy.
    assert_kind(
        env.kms
            .create_key(
                &env.authz,
                &admin,
                CreateKeyInput {
                    policy: Some(key_policy(&[role_statement("")])),
                    ..CreateKeyInput::default()
                },
            )
            .await,
        "MalformedPolicyDocument",
    );
}

#[tokio::test]
async fn tags_and_aliases_reach_key_policy_conditions() {
    let env = env().await;
    let policy = key_policy(&[
        account_statement(),
        r#"{"Effect":"Deny","Principal":"*","Action":"kms:Encrypt","Resource":"*","Condition":{"StringNotEquals":{"aws:ResourceTag/Env":"prod"}}}"#.to_owned(),
    ]);
    let key = env
        .kms
        .create_key(
            &env.authz,
            &root(),
            CreateKeyInput {
                policy: Some(policy),
                ..CreateKeyInput::default()
            },
        )
        .await
        .unwrap();
    let encrypt = || async {
        env.kms
            .encrypt(&env.authz, &root(), &key.key_id, b"x", &ctx(&[]), None, false)
            .await
            .map(|_| ())
    };
    assert_kind(encrypt().await, "AccessDenied");
    env.kms
        .tag_resource(
            &env.authz,
            &root(),
            &key.key_id,
            vec![Tag {
                key: "Env".into(),
                value: "prod".into(),
            }],
        )
        .await
        .unwrap();
    assert_kind(encrypt().await, "Ok");

    // kms:RequestAlias: a user allowed only when the request names the key by this alias.
    env.kms
        .create_alias(&env.authz, &root(), "alias/app", &key.key_id)
        .await
        .unwrap();
    let by_alias = user(
        "carol",
        &[
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:DescribeKey","Resource":"*","Condition":{"StringEquals":{"kms:RequestAlias":"alias/app"}}}]}"#,
        ],
    );
    assert_kind(
        env.kms.describe_key(&env.authz, &by_alias, "alias/app").await,
        "Ok",
    );
    assert_kind(
        env.kms.describe_key(&env.authz, &by_alias, &key.key_id).await,
        "AccessDenied",
    );
}

#[tokio::test]
async fn secrets_under_a_customer_key_need_kms_permissions_via_secrets_manager() {
    let env = env().await;
    let kms = Arc::new(Kms::new(
        Arc::clone(&env.store),
        Arc::clone(&env.keyring),
        Arc::clone(&env.clock) as Arc<dyn Clock>,
    ));
    let secrets = Secrets::new(
        Arc::clone(&env.store),
        Arc::clone(&kms),
        Arc::clone(&env.clock) as Arc<dyn Clock>,
    );
    let key = kms
        .create_key(&env.authz, &root(), CreateKeyInput::default())
        .await
        .unwrap();
    let sm_only = allow("secretsmanager:*");
    let via_sm = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Decrypt","kms:GenerateDataKey"],"Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"secretsmanager.us-east-1.amazonaws.com"},"StringLike":{"kms:EncryptionContext:SecretARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-*"}}}]}"#;
    let create = |caller: Caller, name: &'static str| {
        let secrets = &secrets;
        let key_id = key.key_id.clone();
        let authz = &env.authz;
        async move {
            secrets
                .create_secret(
                    authz,
                    &caller,
                    CreateSecret {
                        name: name.to_owned(),
                        client_request_token: Some("00000000-0000-4000-8000-000000000001".into()),
                        kms_key_id: Some(key_id),
                        value: Some(SecretPayload::String(SecretString::from("s3cret".to_owned()))),
                        ..CreateSecret::default()
                    },
                )
                .await
        }
    };
    // Writing needs kms:GenerateDataKey on the customer key.
    let denied = create(user("dave", &[&sm_only]), "db").await.unwrap_err();
    assert!(denied.to_string().contains("kms:GenerateDataKey"), "{denied}");
    create(user("dave", &[&sm_only, via_sm]), "db").await.unwrap();

    let read = |caller: Caller| {
        let secrets = &secrets;
        let authz = &env.authz;
        async move { secrets.get_secret_value(authz, &caller, "db", None, None).await }
    };
    let denied = read(user("erin", &[&sm_only])).await.unwrap_err();
    assert!(denied.to_string().contains("kms:Decrypt"), "{denied}");
    assert!(read(user("erin", &[&sm_only, via_sm])).await.is_ok());
    // kms:ViaService is set only through Secrets Manager: the same grant does not allow direct use.
    let (_, blob, _) = kms
        .generate_data_key(
            &env.account_ref(),
            &env.region_ref(),
            Some(&key.key_id),
            &ctx(&[]),
        )
        .await
        .unwrap();
    assert_kind(
        kms.decrypt(
            &env.authz,
            &user("erin", &[via_sm]),
            &blob,
            &ctx(&[]),
            None,
            None,
            false,
        )
        .await
        .map(|_| ()),
        "AccessDenied",
    );

    // Under the AWS managed key, Secrets Manager permissions are enough.
    secrets
        .create_secret(
            &env.authz,
            &user("frank", &[&sm_only]),
            CreateSecret {
                name: "plain".to_owned(),
                client_request_token: Some("00000000-0000-4000-8000-000000000002".into()),
                value: Some(SecretPayload::String(SecretString::from("v".to_owned()))),
                ..CreateSecret::default()
            },
        )
        .await
        .unwrap();
    secrets
        .get_secret_value(&env.authz, &user("frank", &[&sm_only]), "plain", None, None)
        .await
        .unwrap();
}

/// (case, key policy (None: the default), carol's identity policy beside `secretsmanager:*`, expected
/// GetSecretValue, expected direct `kms:Decrypt`)
type CalledViaCase = (
    &'static str,
    Option<String>,
    Option<String>,
    &'static str,
    &'static str,
);

/// `aws:CalledVia`, `aws:CalledViaFirst` and `aws:CalledViaLast` are set when Secrets Manager uses a key on
/// the caller's behalf (GetSecretValue) and absent on a direct `kms:Decrypt`.
#[tokio::test]
async fn called_via_keys_tell_secrets_manager_use_from_direct_use() {
    let env = env().await;
    let kms = Arc::new(Kms::new(
        Arc::clone(&env.store),
        Arc::clone(&env.keyring),
        Arc::clone(&env.clock) as Arc<dyn Clock>,
    ));
    let secrets = Secrets::new(
        Arc::clone(&env.store),
        Arc::clone(&kms),
        Arc::clone(&env.clock) as Arc<dyn Clock>,
    );
    let identity = |statements: &str| format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#);
    let decrypt_if = |condition: &str| {
        identity(&format!(
            r#"{{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{condition}}}"#
        ))
    };
    let called_via = r#"{"ForAnyValue:StringEquals":{"aws:CalledVia":["secretsmanager.amazonaws.com"]}}"#;
    // The default key policy delegates to IAM; this one grants carol directly, on the same condition.
    let carol_by_key_policy = key_policy(&[
        account_statement(),
        format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:user/carol"}},"Action":"kms:Decrypt","Resource":"*","Condition":{called_via}}}"#
        ),
    ]);
    let cases: Vec<CalledViaCase> = vec![
        (
            "identity: ForAnyValue:StringEquals aws:CalledVia",
            None,
            Some(decrypt_if(called_via)),
            "Ok",
            "AccessDenied",
        ),
        (
            "key policy: ForAnyValue:StringEquals aws:CalledVia",
            Some(carol_by_key_policy),
            None,
            "Ok",
            "AccessDenied",
        ),
        (
            "identity: CalledViaFirst and CalledViaLast",
            None,
            Some(decrypt_if(
                r#"{"StringEquals":{"aws:CalledViaFirst":"secretsmanager.amazonaws.com","aws:CalledViaLast":"secretsmanager.amazonaws.com"}}"#,
            )),
            "Ok",
            "AccessDenied",
        ),
        (
            "identity: another service in aws:CalledVia",
            None,
            Some(decrypt_if(
                r#"{"ForAnyValue:StringEquals":{"aws:CalledVia":["athena.amazonaws.com"]}}"#,
            )),
            "AccessDenied",
            "AccessDenied",
        ),
        (
            "identity: Null aws:CalledVia false (only through a service)",
            None,
            Some(decrypt_if(r#"{"Null":{"aws:CalledVia":"false"}}"#)),
            "Ok",
            "AccessDenied",
        ),
        (
            "identity: Null aws:CalledViaFirst true (only direct)",
            None,
            Some(decrypt_if(r#"{"Null":{"aws:CalledViaFirst":"true"}}"#)),
            "AccessDenied",
            "Ok",
        ),
        (
            "identity: allow kms:Decrypt, deny it unless called via a service",
            None,
            Some(identity(
                r#"{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"},{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Condition":{"Null":{"aws:CalledVia":"true"}}}"#,
            )),
            "Ok",
            "AccessDenied",
        ),
        (
            "identity: ForAllValues on the key is vacuous on a direct call",
            None,
            Some(decrypt_if(
                r#"{"ForAllValues:StringEquals":{"aws:CalledVia":["secretsmanager.amazonaws.com"]}}"#,
            )),
            "Ok",
            "Ok",
        ),
    ];
    for (index, (name, key_policy, carol_policy, via_expected, direct_expected)) in
        cases.into_iter().enumerate()
    {
        eprintln!("case: {name}");
        let key = kms
            .create_key(
                &env.authz,
                &root(),
                CreateKeyInput {
                    policy: key_policy,
                    ..CreateKeyInput::default()
                },
            )
            .await
            .unwrap();
        let secret_name = format!("called-via-{index}");
        secrets
            .create_secret(
                &env.authz,
                &root(),
                CreateSecret {
                    name: secret_name.clone(),
                    client_request_token: Some(format!("00000000-0000-4000-8000-00000000010{index}")),
                    kms_key_id: Some(key.key_id.clone()),
                    value: Some(SecretPayload::String(SecretString::from("v".to_owned()))),
                    ..CreateSecret::default()
                },
            )
            .await
            .unwrap();
        let sm_only = allow("secretsmanager:*");
        let mut policies = vec![sm_only.as_str()];
        if let Some(policy) = &carol_policy {
            policies.push(policy);
        }
        let carol = user("carol", &policies);
        let via = secrets
            .get_secret_value(&env.authz, &carol, &secret_name, None, None)
            .await;
        match (via_expected, via) {
            ("Ok", Ok(_)) => {}
            ("AccessDenied", Err(err)) => {
                assert!(err.to_string().contains("kms:Decrypt"), "{name}: {err}");
            }
            (expected, other) => panic!("{name}: expected {expected}, got {:?}", other.map(|_| ())),
        }
        let (_, blob, _) = kms
            .generate_data_key(
                &env.account_ref(),
                &env.region_ref(),
                Some(&key.key_id),
                &ctx(&[]),
            )
            .await
            .unwrap();
        assert_kind(
            kms.decrypt(&env.authz, &carol, &blob, &ctx(&[]), None, None, false)
                .await
                .map(|_| ()),
            direct_expected,
        );
    }
}
