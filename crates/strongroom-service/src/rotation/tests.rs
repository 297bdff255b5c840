//! The rotation engine on an in-memory SQLite store with a manual clock: due jobs run their four steps and
//! move AWSCURRENT; a failing rotation retries with backoff, reports RotationFailed and never touches
//! AWSCURRENT; cancelling abandons the pending version; a schedule makes a job due at its window; two
//! engines on one store never run the same step twice.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::sync::Arc;

use strongroom_crypto::{ExposeSecret as _, RootKey, SecretString};
use strongroom_store::secrets::SecretRecord;
use strongroom_store_sqlite::SqliteStore;
use strongroom_types::{AccessKeyId, Clock, ManualClock};
use time::macros::datetime;

use super::registry::FunctionInput;
use super::*;
use crate::caller::Principal;
use crate::iam::NewRole;
use crate::secrets::{CreateSecret, SecretPayload};
use crate::{Keyring, Store};

const ACCOUNT: &str = "123456789012";
const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:passwords";

struct Env {
    services: Services,
    clock: Arc<ManualClock>,
    root: Caller,
}

fn root() -> Caller {
    Caller::new(
        ACCOUNT.parse().unwrap(),
        Principal::Root,
        "AKIAIOSFODNN7EXAMPLE".parse::<AccessKeyId>().unwrap(),
        "us-east-1".parse().unwrap(),
        None,
        crate::caller::Identity::default(),
    )
}

async fn env_on(store: Arc<dyn Store>, clock: Arc<ManualClock>, bootstrap: bool) -> Env {
    let root_key = RootKey::from_base64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").unwrap();
    let keyring = Keyring::load(store.as_ref(), root_key, clock.now())
        .await
        .unwrap();
    if bootstrap {
        crate::bootstrap::bootstrap_account(store.as_ref(), &keyring, &ACCOUNT.parse().unwrap(), clock.now())
            .await
            .unwrap();
    }
    let (services, _audit) = Services::start(store, keyring, Arc::clone(&clock) as Arc<dyn Clock>);
    services.rotation.configure(RotationSettings {
        first_retry: Duration::seconds(30),
        max_attempts: 3,
        // Tests count steps, not seconds: no pacing (`pacing_is_a_budget_per_job` covers it).
        max_rotations_per_second: None,
        ..RotationSettings::default()
    });
    Env {
        services,
        clock,
        root: root(),
    }
}

async fn env() -> Env {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::memory().await.unwrap());
    let clock = Arc::new(ManualClock::new(datetime!(2026-03-01 10:00 UTC)));
    let env = env_on(store, clock, true).await;
    register(&env, "passwords", r#"{"rotator":"random-password"}"#).await;
    env
}

async fn register(env: &Env, name: &str, config: &str) {
    let s = &env.services;
    if s.iam.get_role(&s.authz, &env.root, "rotator").await.is_err() {
        s.iam
            .create_role(
                &s.authz,
                &env.root,
                "rotator",
                NewRole {
                    path: None,
                    assume_role_policy: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"secretsmanager.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#.to_owned(),
                    description: None,
                    max_session_duration: None,
                    tags: Vec::new(),
                    permissions_boundary: None,
                },
            )
            .await
            .unwrap();
        s.iam
            .put_role_policy(&s.authz, &env.root, "rotator", "all", ALLOW_ALL)
            .await
            .unwrap();
    }
    s.rotation
        .create_function(
            s,
            &env.root,
            FunctionInput {
                name: name.to_owned(),
                kind: "builtin".to_owned(),
                config: config.to_owned(),
                role_arn: format!("arn:aws:iam::{ACCOUNT}:role/rotator"),
            },
        )
        .await
        .unwrap();
}

async fn create(env: &Env, name: &str, value: SecretPayload) -> String {
    let s = &env.services;
    s.secrets
        .create_secret(
            &s.authz,
            &env.root,
            CreateSecret {
                name: name.to_owned(),
                client_request_token: Some(format!("{name}-initial-version-token-000000000000")),
                value: Some(value),
                ..CreateSecret::default()
            },
        )
        .await
        .unwrap()
        .arn
}

fn text(value: &str) -> SecretPayload {
    SecretPayload::String(SecretString::from(value))
}

async fn rotate(env: &Env, arn: &str, token: &str) -> Result<(SecretRecord, Option<String>), SecretsError> {
    env.services
        .rotation
        .rotate_secret(
            &env.services,
            &env.root,
            RotateRequest {
                secret_id: arn.to_owned(),
                client_request_token: Some(token.to_owned()),
                lambda_arn: Some(FUNCTION.to_owned()),
                schedule_expression: Some("rate(4 hours)".to_owned()),
                ..RotateRequest::default()
            },
        )
        .await
}

async fn current(env: &Env, arn: &str) -> (String, String) {
    let s = &env.services;
    let value = s
        .secrets
        .get_secret_value(&s.authz, &env.root, arn, None, Some("AWSCURRENT"))
        .await
        .unwrap();
    let SecretPayload::String(text) = value.payload else {
        panic!("binary")
    };
    (value.version_id, text.expose_secret().to_owned())
}

async fn record(env: &Env, arn: &str) -> SecretRecord {
    env.services.secrets.rotation_record(arn).await.unwrap().unwrap()
}

fn stages_of(record: &SecretRecord, version: &str) -> Vec<String> {
    record
        .versions
        .iter()
        .find(|v| v.version_id == version)
        .map(|v| v.stages.clone())
        .unwrap_or_default()
}

const TOKEN: &str = "00000000-0000-4000-8000-000000000001";

#[tokio::test]
async fn a_due_rotation_runs_the_four_steps_and_moves_awscurrent() {
    let env = env().await;
    let arn = create(&env, "db", text("old-password")).await;
    let (record_after_call, pending) = rotate(&env, &arn, TOKEN).await.unwrap();
    assert_eq!(pending.as_deref(), Some(TOKEN));
    // Before any step: the label-only AWSPENDING version exists and rotation is on.
    assert_eq!(stages_of(&record_after_call, TOKEN), ["AWSPENDING"]);
    assert!(record_after_call.rotation.as_ref().unwrap().enabled);

    assert_eq!(env.services.rotation.run_due(&env.services).await.unwrap(), 1);
    let (version, value) = current(&env, &arn).await;
    assert_eq!(version, TOKEN);
    assert_ne!(value, "old-password");
    assert_eq!(value.len(), 32);
    let after = record(&env, &arn).await;
    assert_eq!(stages_of(&after, TOKEN), ["AWSCURRENT"]);
    assert_eq!(
        stages_of(&after, "db-initial-version-token-000000000000"),
        ["AWSPREVIOUS"]
    );
    let rotation = after.rotation.unwrap();
    assert_eq!(rotation.last_rotated_at, Some(datetime!(2026-03-01 10:00 UTC)));
    assert_eq!(rotation.next_rotation_at, Some(datetime!(2026-03-01 14:00 UTC)));
    let job = env.services.store.rotation_job(&arn).await.unwrap().unwrap();
    assert_eq!(job.in_flight, None);
    assert_eq!(job.due_at, Some(datetime!(2026-03-01 14:00 UTC)));
    assert_eq!(job.lease_owner, None);

    // Nothing more to do until the next window; then the schedule rotates again by itself.
    assert_eq!(env.services.rotation.run_due(&env.services).await.unwrap(), 0);
    env.clock.set(datetime!(2026-03-01 14:00 UTC));
    assert_eq!(env.services.rotation.run_due(&env.services).await.unwrap(), 1);
    let (second_version, second_value) = current(&env, &arn).await;
    assert_ne!(second_version, TOKEN);
    assert_ne!(second_value, value);
    let after = record(&env, &arn).await;
    assert_eq!(stages_of(&after, TOKEN), ["AWSPREVIOUS"]);
    assert_eq!(
        after.rotation.unwrap().next_rotation_at,
        Some(datetime!(2026-03-01 18:00 UTC))
    );
}

#[tokio::test]
async fn a_failing_rotation_retries_reports_and_never_touches_awscurrent() {
    let env = env().await;
    // The random-password rotator needs a string; a binary value makes createSecret fail every time.
    let arn = create(
        &env,
        "blob",
        SecretPayload::Binary(strongroom_crypto::SecretBytes::from_vec(vec![1, 2, 3])),
    )
    .await;
    rotate(&env, &arn, TOKEN).await.unwrap();
    env.services.rotation.run_due(&env.services).await.unwrap();
    let job = env.services.store.rotation_job(&arn).await.unwrap().unwrap();
    let flight = job.in_flight.clone().unwrap();
    assert_eq!((flight.step, flight.attempts), (RotationStep::CreateSecret, 1));
    assert!(
        job.last_error.as_deref().unwrap().contains("binary"),
        "{:?}",
        job.last_error
    );
    assert_eq!(job.due_at, Some(datetime!(2026-03-01 10:00:30 UTC)));
    // Not due yet: nothing runs.
    assert_eq!(env.services.rotation.run_due(&env.services).await.unwrap(), 0);
    env.clock.set(datetime!(2026-03-01 10:00:30 UTC));
    env.services.rotation.run_due(&env.services).await.unwrap();
    let job = env.services.store.rotation_job(&arn).await.unwrap().unwrap();
    assert_eq!(job.in_flight.as_ref().unwrap().attempts, 2);
    assert_eq!(
        job.due_at,
        Some(datetime!(2026-03-01 10:01:30 UTC)),
        "the backoff doubles"
    );
    env.clock.set(datetime!(2026-03-01 10:01:30 UTC));
    env.services.rotation.run_due(&env.services).await.unwrap();
    // The third failure is the last: the rotation waits for its next window, keeping its pending version.
    let job = env.services.store.rotation_job(&arn).await.unwrap().unwrap();
    let flight = job.in_flight.clone().unwrap();
    assert_eq!(
        (flight.token.as_str(), flight.step, flight.attempts),
        (TOKEN, RotationStep::CreateSecret, 0)
    );
    assert_eq!(job.due_at, Some(datetime!(2026-03-01 14:00 UTC)));
    let after = record(&env, &arn).await;
    assert_eq!(
        stages_of(&after, "blob-initial-version-token-000000000000"),
        ["AWSCURRENT"]
    );
    assert_eq!(stages_of(&after, TOKEN), ["AWSPENDING"]);
    assert_eq!(after.rotation.unwrap().last_rotated_at, None);
    // A second RotateSecret with another token is refused while that rotation is unfinished.
    let again = rotate(&env, &arn, "00000000-0000-4000-8000-000000000002").await;
    assert!(matches!(again, Err(SecretsError::InvalidRequest(_))), "{again:?}");
    env.services.audit.flush().await;
    let events = audit_events(&env).await;
    assert!(
        events
            .iter()
            .any(|e| e.contains("\"eventName\":\"RotationFailed\"")),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .all(|e| !e.contains("\"eventName\":\"RotationSucceeded\""))
    );
}

async fn audit_events(env: &Env) -> Vec<String> {
    let store = &env.services.store;
    let mut bodies = Vec::new();
    for chain in store.audit_chains().await.unwrap() {
        for record in store.audit_records(&chain, 0, 10_000).await.unwrap() {
            bodies.push(record.body);
        }
    }
    bodies
}

#[tokio::test]
async fn cancelling_abandons_the_pending_rotation() {
    let env = env().await;
    let arn = create(&env, "db", text("old")).await;
    rotate(&env, &arn, TOKEN).await.unwrap();
    let (_, interrupted) = env
        .services
        .rotation
        .cancel_rotate_secret(&env.services, &env.root, &arn)
        .await
        .unwrap();
    assert_eq!(interrupted.as_deref(), Some(TOKEN));
    assert_eq!(env.services.rotation.run_due(&env.services).await.unwrap(), 0);
    assert_eq!(current(&env, &arn).await.1, "old");
    let after = record(&env, &arn).await;
    assert!(!after.rotation.as_ref().unwrap().enabled);
    assert!(stages_of(&after, TOKEN).is_empty());
}

#[tokio::test]
async fn bad_configuration_is_refused_and_changes_nothing() {
    let env = env().await;
    let arn = create(&env, "db", text("old")).await;
    let before = record(&env, &arn).await;
    let cases: Vec<(RotateRequest, &str)> = vec![
        (
            RotateRequest {
                lambda_arn: Some("arn:aws:lambda:us-east-1:123456789012:function:unknown".to_owned()),
                ..RotateRequest::default()
            },
            "cannot invoke the specified Lambda function",
        ),
        (
            RotateRequest {
                lambda_arn: Some(FUNCTION.to_owned()),
                schedule_expression: Some("cron(0 10 * * MON *)".to_owned()),
                ..RotateRequest::default()
            },
            "must be ?",
        ),
        (
            RotateRequest {
                lambda_arn: Some(FUNCTION.to_owned()),
                schedule_expression: Some("rate(1 hour)".to_owned()),
                ..RotateRequest::default()
            },
            "at least 4 hours",
        ),
        (RotateRequest::default(), "No Lambda rotation function ARN"),
    ];
    for (mut request, wanted) in cases {
        request.secret_id = arn.clone();
        let err = env
            .services
            .rotation
            .rotate_secret(&env.services, &env.root, request)
            .await
            .unwrap_err();
        assert!(err.to_string().contains(wanted), "{err}");
        assert_eq!(record(&env, &arn).await, before);
        assert_eq!(env.services.store.rotation_job(&arn).await.unwrap(), None);
    }
}

#[tokio::test]
async fn two_engines_on_one_store_run_each_rotation_once() {
    let first = env().await;
    let second = env_on(Arc::clone(&first.services.store), Arc::clone(&first.clock), false).await;
    let mut arns = Vec::new();
    for n in 0..12 {
        let arn = create(&first, &format!("s{n}"), text("old")).await;
        rotate(&first, &arn, &format!("00000000-0000-4000-8000-0000000000{n:02}"))
            .await
            .unwrap();
        arns.push(arn);
    }
    let (a, b) = tokio::join!(
        first.services.rotation.run_due(&first.services),
        second.services.rotation.run_due(&second.services)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 12);
    for (n, arn) in arns.iter().enumerate() {
        let after = record(&first, arn).await;
        // Exactly one new version per rotation: the token's, now current; nothing else was created.
        assert_eq!(after.versions.len(), 2, "{arn}");
        assert_eq!(
            stages_of(&after, &format!("00000000-0000-4000-8000-0000000000{n:02}")),
            ["AWSCURRENT"]
        );
    }
}

/// A database that keeps its users' passwords in a map: a login works with the user's password; only the
/// user itself or `master` may set a password.
#[derive(Default)]
struct FakeDatabase {
    passwords: Mutex<std::collections::HashMap<String, String>>,
    calls: Mutex<Vec<String>>,
}

impl FakeDatabase {
    fn with(users: &[(&str, &str)]) -> Arc<Self> {
        let db = Self::default();
        for (user, password) in users {
            db.passwords
                .lock()
                .unwrap()
                .insert((*user).to_owned(), (*password).to_owned());
        }
        Arc::new(db)
    }

    fn password(&self, user: &str) -> Option<String> {
        self.passwords.lock().unwrap().get(user).cloned()
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl DatabaseAdmin for FakeDatabase {
    async fn check_login(&self, login: &builtin::DatabaseLogin<'_>) -> Result<(), String> {
        match self.password(login.username) {
            Some(password) if password == login.password.expose_secret() => Ok(()),
            _ => Err(format!("login of {} refused", login.username)),
        }
    }

    async fn set_password(
        &self,
        admin: &builtin::DatabaseLogin<'_>,
        user: &str,
        password: &SecretString,
        copy_grants_from: Option<&str>,
    ) -> Result<(), String> {
        self.check_login(admin).await?;
        if admin.username != user && admin.username != "master" {
            return Err(format!("{} may not change {user}", admin.username));
        }
        self.calls.lock().unwrap().push(format!(
            "{} sets {user} copying {copy_grants_from:?}",
            admin.username
        ));
        self.passwords
            .lock()
            .unwrap()
            .insert(user.to_owned(), password.expose_secret().to_owned());
        Ok(())
    }
}

async fn rotate_with(env: &Env, arn: &str, function: &str) {
    env.services
        .rotation
        .rotate_secret(
            &env.services,
            &env.root,
            RotateRequest {
                secret_id: arn.to_owned(),
                lambda_arn: Some(format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{function}")),
                schedule_expression: Some("rate(4 hours)".to_owned()),
                ..RotateRequest::default()
            },
        )
        .await
        .unwrap();
    env.services.rotation.run_due(&env.services).await.unwrap();
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

#[tokio::test]
async fn the_single_user_database_rotator_changes_its_own_password() {
    let env = env().await;
    let db = FakeDatabase::with(&[("app", "old")]);
    env.services
        .rotation
        .install_database(Arc::clone(&db) as Arc<dyn DatabaseAdmin>);
    register(&env, "pg", r#"{"rotator":"postgresql-single-user"}"#).await;
    let arn = create(
        &env,
        "app",
        text(r#"{"engine":"postgres","host":"db","username":"app","password":"old","dbname":"app"}"#),
    )
    .await;
    rotate_with(&env, &arn, "pg").await;
    let (_, value) = current(&env, &arn).await;
    let value = json(&value);
    assert_eq!(value["username"], "app");
    assert_eq!(value["dbname"], "app");
    assert_eq!(db.password("app").as_deref(), value["password"].as_str());
    assert_eq!(db.calls(), ["app sets app copying None"]);
    let job = env.services.store.rotation_job(&arn).await.unwrap().unwrap();
    assert_eq!(job.last_error, None);
}

#[tokio::test]
async fn the_single_user_database_rotator_needs_a_json_secret() {
    let env = env().await;
    let db = FakeDatabase::with(&[("app", "old")]);
    env.services
        .rotation
        .install_database(Arc::clone(&db) as Arc<dyn DatabaseAdmin>);
    register(&env, "pg", r#"{"rotator":"postgresql-single-user"}"#).await;
    let arn = create(&env, "app", text("just-a-password")).await;
    rotate_with(&env, &arn, "pg").await;
    let job = env.services.store.rotation_job(&arn).await.unwrap().unwrap();
    assert!(
        job.last_error.as_deref().unwrap().contains("not a JSON object"),
        "{:?}",
        job.last_error
    );
    assert!(db.calls().is_empty());
    assert_eq!(current(&env, &arn).await.1, "just-a-password");
}

#[tokio::test]
async fn the_alternating_users_rotator_has_the_master_clone_the_user() {
    let env = env().await;
    let db = FakeDatabase::with(&[("app", "old"), ("master", "m")]);
    env.services
        .rotation
        .install_database(Arc::clone(&db) as Arc<dyn DatabaseAdmin>);
    register(&env, "pg", r#"{"rotator":"postgresql-alternating-users"}"#).await;
    let master = create(
        &env,
        "master",
        text(r#"{"engine":"postgres","host":"db","username":"master","password":"m","dbname":"postgres"}"#),
    )
    .await;
    let value = serde_json::json!({
        "engine": "postgres", "host": "db", "username": "app", "password": "old", "dbname": "app",
        "masterarn": master,
    });
    let arn = create(&env, "app", text(&value.to_string())).await;

    rotate_with(&env, &arn, "pg").await;
    let (_, first) = current(&env, &arn).await;
    let first = json(&first);
    assert_eq!(first["username"], "app_clone");
    assert_eq!(first["masterarn"], master.as_str());
    assert_eq!(db.password("app_clone").as_deref(), first["password"].as_str());
    assert_eq!(
        db.password("app").as_deref(),
        Some("old"),
        "AWSPREVIOUS still logs in"
    );

    env.clock.set(datetime!(2026-03-01 14:00 UTC));
    assert_eq!(env.services.rotation.run_due(&env.services).await.unwrap(), 1);
    let (_, second) = current(&env, &arn).await;
    let second = json(&second);
    assert_eq!(second["username"], "app");
    assert_eq!(db.password("app").as_deref(), second["password"].as_str());
    assert_eq!(db.password("app_clone").as_deref(), first["password"].as_str());
    assert_eq!(
        db.calls(),
        [
            "master sets app_clone copying Some(\"app\")",
            "master sets app copying Some(\"app_clone\")"
        ]
    );
}

#[tokio::test]
async fn the_alternating_users_rotator_refuses_a_master_on_another_host() {
    let env = env().await;
    let db = FakeDatabase::with(&[("app", "old"), ("master", "m")]);
    env.services
        .rotation
        .install_database(Arc::clone(&db) as Arc<dyn DatabaseAdmin>);
    register(&env, "my", r#"{"rotator":"mysql-alternating-users"}"#).await;
    let master = create(
        &env,
        "master",
        text(r#"{"engine":"mysql","host":"elsewhere","username":"master","password":"m"}"#),
    )
    .await;
    let value = serde_json::json!({
        "engine": "mysql", "host": "db", "username": "app", "password": "old", "masterarn": master,
    });
    let arn = create(&env, "app", text(&value.to_string())).await;
    rotate_with(&env, &arn, "my").await;
    let job = env.services.store.rotation_job(&arn).await.unwrap().unwrap();
    assert!(
        job.last_error.as_deref().unwrap().contains("host"),
        "{:?}",
        job.last_error
    );
    assert!(db.calls().is_empty());
}

/// The version ids of the queued SecretVersionDeprecated deliveries, oldest first.
async fn deprecation_events(env: &Env) -> Vec<String> {
    env.services
        .store
        .deliveries(
            &ACCOUNT.parse().unwrap(),
            strongroom_store::rotation::DeliveryState::Pending,
            100,
        )
        .await
        .unwrap()
        .iter()
        .map(|d| serde_json::from_str::<serde_json::Value>(&d.event).unwrap())
        .filter(|e| e["detail"]["eventName"] == "SecretVersionDeprecated")
        .map(|e| {
            e["detail"]["additionalEventData"]["VersionId"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn finish_secret_notifies_the_version_it_deprecates_and_writes_say_which_they_deprecate() {
    let env = env().await;
    let s = &env.services;
    let arn = create(&env, "db", text("v1")).await;
    let initial = "db-initial-version-token-000000000000";
    subscribe_to_deprecations(&env).await;
    let put = |token: &'static str| {
        s.secrets.put_secret_value(
            &s.authz,
            &env.root,
            &arn,
            Some(token.to_owned()),
            Some(text(token)),
            None,
        )
    };
    // v2 current, v1 previous: nothing deprecated. v3: v1 loses AWSPREVIOUS.
    let second = put("00000000-0000-4000-8000-000000000002").await.unwrap();
    assert!(second.deprecated_versions.is_empty());
    let third = put("00000000-0000-4000-8000-000000000003").await.unwrap();
    assert_eq!(third.deprecated_versions, [initial]);
    // A label moved onto a labelled version deprecates nothing; taken off AWSPREVIOUS's version, v2 is.
    let moved = s
        .secrets
        .update_secret_version_stage(
            &s.authz,
            &env.root,
            &arn,
            "AWSPREVIOUS",
            Some("00000000-0000-4000-8000-000000000002"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        moved.deprecated_versions,
        ["00000000-0000-4000-8000-000000000002"]
    );
    // The service calls above leave the notifying to the API handler: nothing is queued yet.
    assert!(deprecation_events(&env).await.is_empty());

    // A rotation: finishSecret moves AWSCURRENT from v3 (which becomes AWSPREVIOUS; nothing held it).
    rotate(&env, &arn, TOKEN).await.unwrap();
    assert_eq!(s.rotation.run_due(s).await.unwrap(), 1);
    assert!(deprecation_events(&env).await.is_empty());
    // The next one deprecates v3, and says so.
    env.clock.set(datetime!(2026-03-01 14:00 UTC));
    assert_eq!(s.rotation.run_due(s).await.unwrap(), 1);
    assert_eq!(
        deprecation_events(&env).await,
        ["00000000-0000-4000-8000-000000000003"]
    );
}

#[tokio::test]
async fn an_update_that_makes_a_webhook_returns_its_new_signing_key_once() {
    let env = env().await;
    let s = &env.services;
    let update = |kind: &str, config: &str| FunctionInput {
        name: "passwords".to_owned(),
        kind: kind.to_owned(),
        config: config.to_owned(),
        role_arn: format!("arn:aws:iam::{ACCOUNT}:role/rotator"),
    };
    let hook = r#"{"url":"https://hooks.example/rotate"}"#;
    // builtin → webhook: a key is made, and this answer is the only one that shows it.
    let became = s
        .rotation
        .update_function(s, &env.root, update("webhook", hook))
        .await
        .unwrap();
    let shown = became.signing_key.expect("the new webhook's signing key");
    let stored = registry::open_signing_key(s, &became.record).unwrap();
    assert_eq!(shown.expose_secret().as_bytes(), stored.expose_secret());
    // The calls after it keep that key and show none: webhook → webhook, and a read.
    let again = s
        .rotation
        .update_function(s, &env.root, update("webhook", hook))
        .await
        .unwrap();
    assert!(again.signing_key.is_none());
    assert_eq!(again.record.signing_key, became.record.signing_key);
    // Back to builtin: the key is dropped, none shown.
    let back = s
        .rotation
        .update_function(
            s,
            &env.root,
            update("builtin", r#"{"rotator":"random-password"}"#),
        )
        .await
        .unwrap();
    assert!(back.signing_key.is_none());
    assert!(back.record.signing_key.is_none());
}

async fn subscribe_to_deprecations(env: &Env) {
    let s = &env.services;
    s.rotation
        .create_subscription(
            s,
            &env.root,
            "http://127.0.0.1:9/hook",
            vec!["SecretVersionDeprecated".to_owned()],
            None,
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn cancelling_notifies_the_placeholder_that_lost_awspending() {
    let env = env().await;
    subscribe_to_deprecations(&env).await;
    let arn = create(&env, "db", text("old")).await;
    rotate(&env, &arn, TOKEN).await.unwrap();
    assert!(
        deprecation_events(&env).await.is_empty(),
        "starting deprecates nothing"
    );
    env.services
        .rotation
        .cancel_rotate_secret(&env.services, &env.root, &arn)
        .await
        .unwrap();
    assert!(stages_of(&record(&env, &arn).await, TOKEN).is_empty());
    assert_eq!(deprecation_events(&env).await, [TOKEN]);
    // Cancelling again finds nothing pending and deprecates nothing more.
    env.services
        .rotation
        .cancel_rotate_secret(&env.services, &env.root, &arn)
        .await
        .unwrap();
    assert_eq!(deprecation_events(&env).await, [TOKEN]);
}

#[tokio::test]
async fn a_new_rotation_replaces_an_abandoned_pending_version_and_notifies_it() {
    let env = env().await;
    subscribe_to_deprecations(&env).await;
    let s = &env.services;
    let arn = create(&env, "db", text("old")).await;
    // A rotation that is not on left a pending version with a value (as a function's createSecret does).
    let left = "00000000-0000-4000-8000-00000000000a";
    put_pending(&env, &arn, left, "half-done").await;
    let (after_call, pending) = rotate(&env, &arn, TOKEN).await.unwrap();
    assert_eq!(pending.as_deref(), Some(TOKEN));
    assert_eq!(stages_of(&after_call, TOKEN), ["AWSPENDING"]);
    assert!(stages_of(&after_call, left).is_empty());
    assert_eq!(deprecation_events(&env).await, [left]);
    // The rotation runs with the new token.
    assert_eq!(s.rotation.run_due(s).await.unwrap(), 1);
    assert_eq!(current(&env, &arn).await.0, TOKEN);
}

/// Writes `value` as version `token` labelled AWSPENDING, as a rotation function's createSecret does.
async fn put_pending(env: &Env, arn: &str, token: &str, value: &str) {
    let s = &env.services;
    s.secrets
        .put_secret_value(
            &s.authz,
            &env.root,
            arn,
            Some(token.to_owned()),
            Some(text(value)),
            Some(vec!["AWSPENDING".to_owned()]),
        )
        .await
        .unwrap();
}

async fn rotate_on_schedule(env: &Env, arn: &str, expression: &str, duration: Option<&str>) {
    env.services
        .rotation
        .rotate_secret(
            &env.services,
            &env.root,
            RotateRequest {
                secret_id: arn.to_owned(),
                lambda_arn: Some(FUNCTION.to_owned()),
                schedule_expression: Some(expression.to_owned()),
                duration: duration.map(str::to_owned),
                rotate_immediately: Some(false),
                ..RotateRequest::default()
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_scheduled_rotation_starts_only_within_its_window() {
    // cron(0 8 * * ? *) with Duration 2h, set up on 1 March at 10:00: the window is 2 March 08:00–10:00.
    let cases = [
        (datetime!(2026-03-02 07:59 UTC), None),
        (datetime!(2026-03-02 08:00 UTC), Some(true)),
        (datetime!(2026-03-02 09:59:59 UTC), Some(true)),
        (datetime!(2026-03-02 10:00 UTC), Some(false)),
        (datetime!(2026-03-02 23:00 UTC), Some(false)),
    ];
    for (claimed_at, rotates) in cases {
        let env = env().await;
        let arn = create(&env, "db", text("old")).await;
        rotate_on_schedule(&env, &arn, "cron(0 8 * * ? *)", Some("2h")).await;
        let before = record(&env, &arn).await;
        assert_eq!(
            before.rotation.as_ref().unwrap().next_rotation_at,
            Some(datetime!(2026-03-02 08:00 UTC))
        );
        env.clock.set(claimed_at);
        let claimed = env.services.rotation.run_due(&env.services).await.unwrap();
        let after = record(&env, &arn).await;
        let job = env.services.store.rotation_job(&arn).await.unwrap().unwrap();
        match rotates {
            None => assert_eq!(claimed, 0, "{claimed_at}: not due yet"),
            Some(true) => {
                assert_eq!(claimed, 1);
                assert_ne!(current(&env, &arn).await.1, "old", "{claimed_at}: rotated");
                assert_eq!(after.rotation.unwrap().last_rotated_at, Some(claimed_at));
            }
            Some(false) => {
                assert_eq!(claimed, 1);
                // Nothing happened to the secret but its NextRotationDate: the next window.
                assert_eq!(after.versions, before.versions, "{claimed_at}");
                let rotation = after.rotation.unwrap();
                assert_eq!(rotation.last_rotated_at, None);
                assert_eq!(rotation.next_rotation_at, Some(datetime!(2026-03-03 08:00 UTC)));
                assert_eq!(job.in_flight, None);
                assert_eq!(job.due_at, Some(datetime!(2026-03-03 08:00 UTC)));
                assert_eq!(job.lease_owner, None);
                // In that window it rotates.
                env.clock.set(datetime!(2026-03-03 09:30 UTC));
                assert_eq!(env.services.rotation.run_due(&env.services).await.unwrap(), 1);
                assert_ne!(current(&env, &arn).await.1, "old");
            }
        }
    }
}

#[tokio::test]
async fn a_rotation_past_create_secret_finishes_after_its_window_and_one_before_it_waits() {
    // (the step the job had reached when the window ended, whether it finishes now)
    let cases = [
        (RotationStep::CreateSecret, false),
        (RotationStep::SetSecret, true),
        (RotationStep::FinishSecret, true),
    ];
    for (step, finishes) in cases {
        let env = env().await;
        let s = &env.services;
        let arn = create(&env, "db", text("old")).await;
        s.rotation
            .rotate_secret(
                s,
                &env.root,
                RotateRequest {
                    secret_id: arn.clone(),
                    client_request_token: Some(TOKEN.to_owned()),
                    lambda_arn: Some(FUNCTION.to_owned()),
                    schedule_expression: Some("cron(0 8 * * ? *)".to_owned()),
                    duration: Some("2h".to_owned()),
                    ..RotateRequest::default()
                },
            )
            .await
            .unwrap();
        if step != RotationStep::CreateSecret {
            // createSecret ran: the pending version has its value.
            put_pending(&env, &arn, TOKEN, "new").await;
        }
        // The job had reached `step` in a window that ended at 09:00 (it is 10:00 now).
        let mut job = s.store.rotation_job(&arn).await.unwrap().unwrap();
        let expected = job.revision;
        job.revision += 1;
        job.in_flight.as_mut().unwrap().step = step;
        job.window_end = Some(datetime!(2026-03-01 09:00 UTC));
        s.store.write_rotation_job(&job, Some(expected)).await.unwrap();

        assert_eq!(s.rotation.run_due(s).await.unwrap(), 1);
        let after = record(&env, &arn).await;
        let job = s.store.rotation_job(&arn).await.unwrap().unwrap();
        if finishes {
            assert_eq!(
                current(&env, &arn).await,
                (TOKEN.to_owned(), "new".to_owned()),
                "{step:?}"
            );
            assert_eq!(job.in_flight, None);
        } else {
            assert_eq!(current(&env, &arn).await.1, "old");
            assert_eq!(
                stages_of(&after, TOKEN),
                ["AWSPENDING"],
                "the pending version is kept"
            );
            let flight = job.in_flight.clone().unwrap();
            assert_eq!(
                (flight.token.as_str(), flight.step),
                (TOKEN, RotationStep::CreateSecret)
            );
            assert_eq!(job.due_at, Some(datetime!(2026-03-02 08:00 UTC)));
            assert_eq!(job.window_end, Some(datetime!(2026-03-02 10:00 UTC)));
            assert_eq!(
                after.rotation.unwrap().next_rotation_at,
                Some(datetime!(2026-03-02 08:00 UTC))
            );
            // The next window runs it with the same token.
            env.clock.set(datetime!(2026-03-02 08:15 UTC));
            assert_eq!(s.rotation.run_due(s).await.unwrap(), 1);
            assert_eq!(current(&env, &arn).await.0, TOKEN);
        }
    }
}

#[tokio::test]
async fn a_scheduled_random_password_rotation_writes_its_job_three_times() {
    let env = env().await;
    let s = &env.services;
    let arn = create(&env, "db", text("old")).await;
    rotate_on_schedule(&env, &arn, "rate(4 hours)", None).await;
    let before = s.store.rotation_job(&arn).await.unwrap().unwrap();
    env.clock.set(datetime!(2026-03-01 14:00 UTC));
    assert_eq!(s.rotation.run_due(s).await.unwrap(), 1);
    let after = s.store.rotation_job(&arn).await.unwrap().unwrap();
    assert_eq!(after.in_flight, None);
    assert_ne!(current(&env, &arn).await.1, "old");
    // The claim, the job after createSecret (opening the rotation is redone harmlessly after a crash, and
    // setSecret and testSecret do nothing for this rotator), and the closed job.
    assert_eq!(after.revision - before.revision, 3);
}

#[test]
fn the_steps_a_builtin_rotator_does_nothing_at_are_skipped() {
    use RotationStep::{CreateSecret, FinishSecret, SetSecret, TestSecret};
    let command = FunctionKind::Command {
        argv: vec!["/bin/true".to_owned()],
        timeout: None,
    };
    let builtin = |rotator| FunctionKind::Builtin(rotator);
    let cases = [
        (builtin(Rotator::RandomPassword), CreateSecret, Some(FinishSecret)),
        (builtin(Rotator::RandomPassword), SetSecret, Some(FinishSecret)),
        (builtin(Rotator::IamAccessKeys), CreateSecret, Some(TestSecret)),
        (
            builtin(Rotator::PostgresSingleUser),
            CreateSecret,
            Some(SetSecret),
        ),
        (
            builtin(Rotator::MysqlAlternatingUsers),
            SetSecret,
            Some(TestSecret),
        ),
        (command.clone(), CreateSecret, Some(SetSecret)),
        (command, TestSecret, Some(FinishSecret)),
        (builtin(Rotator::RandomPassword), FinishSecret, None),
    ];
    for (kind, step, wanted) in cases {
        assert_eq!(next_step(Some(&kind), step), wanted, "{kind:?} after {step:?}");
    }
    assert_eq!(next_step(None, CreateSecret), Some(SetSecret));
}

/// Counts the SQL statements sqlx runs (its `sqlx::query` events, from any thread) once installed.
mod statement_count {
    use std::sync::atomic::{AtomicUsize, Ordering};

    static STATEMENTS: AtomicUsize = AtomicUsize::new(0);

    struct Counter;

    impl tracing::Subscriber for Counter {
        fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
            metadata.target() == "sqlx::query"
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, event: &tracing::Event<'_>) {
            if event.metadata().target() == "sqlx::query" {
                STATEMENTS.fetch_add(1, Ordering::Relaxed);
            }
        }
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

    /// Installs the counter as the process's subscriber (once; `false` when another one is installed).
    pub fn install() -> bool {
        tracing::subscriber::set_global_default(Counter).is_ok()
    }

    pub fn now() -> usize {
        STATEMENTS.load(Ordering::Relaxed)
    }
}

/// The process's CPU time (all threads, the SQLite workers included) in clock ticks, from /proc.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    // utime and stime are fields 14 and 15 of the line; 12 and 13 after the name.
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// A measurement, not a check: the store statements and the CPU one scheduled random-password rotation
/// costs, over `ROTATION_COST_N` (200) secrets due at once. Run alone (it installs the process's tracing
/// subscriber): `cargo test -p strongroom-service --lib rotation_cost -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "a measurement; run alone"]
async fn rotation_cost() {
    let count: usize = std::env::var("ROTATION_COST_N")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    assert!(statement_count::install(), "run this test alone");
    let env = env().await;
    let s = &env.services;
    for n in 0..count {
        let arn = create(
            &env,
            &format!("bench/{n:06}"),
            text(r#"{"username":"u","password":"p"}"#),
        )
        .await;
        rotate_on_schedule(&env, &arn, "rate(4 hours)", None).await;
    }
    env.clock.set(datetime!(2026-03-01 14:00 UTC));
    s.audit.flush().await;
    let statements = statement_count::now();
    let ticks = cpu_ticks();
    let started = std::time::Instant::now();
    assert_eq!(s.rotation.run_due(s).await.unwrap(), count);
    s.audit.flush().await;
    let wall = started.elapsed();
    let statements = statement_count::now() - statements;
    let cpu_ms = (cpu_ticks() - ticks) * 10;
    println!(
        "ROTATION_COST rotations={count} statements_per_rotation={:.1} cpu_ms_per_rotation={:.2} wall_ms_per_rotation={:.2}",
        statements as f64 / count as f64,
        cpu_ms as f64 / count as f64,
        wall.as_secs_f64() * 1000.0 / count as f64,
    );
}

#[test]
fn pacing_is_a_budget_per_job() {
    use std::time::Duration as StdDuration;
    let ms = StdDuration::from_millis;
    for (jobs, per_second, took, want) in [
        (8, Some(25), ms(0), Some(ms(320))),
        (8, Some(25), ms(300), Some(ms(20))),
        (8, Some(25), ms(320), None),
        (8, Some(25), ms(900), None),
        (1, Some(1000), ms(0), Some(ms(1))),
        (8, None, ms(0), None),
        (8, Some(0), ms(0), None),
    ] {
        assert_eq!(
            pacing_pause(jobs, per_second, took),
            want,
            "{jobs} jobs at {per_second:?}/s after {took:?}"
        );
    }
}
