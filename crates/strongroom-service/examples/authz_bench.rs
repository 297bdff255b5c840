//! Times the authorization of one GetSecretValue through the real path: `cargo run --release -p
//! strongroom-service --example authz_bench`. A benchmark, not a test: it prints numbers for BENCHMARKS.md.
//!
//! The callers are made by `Authenticator::authenticate` from signed requests, after IAM created the users,
//! their managed policies and their attachments in a SQLite store, so each `Caller` carries its policies
//! exactly as a server request's does. What is timed is `Secrets::authorize_get_secret_value` (resource
//! policy lookup, the secret's context keys, the request context, evaluation, the audit explanation), inside
//! `authz::recording` as every server request is. Time is the thread's CPU time where the kernel reports it
//! (`/proc/thread-self/schedstat`), so other processes on the machine inflate it less than wall time.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark: a broken setup should stop it loudly, and it reports on the terminal"
)]

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};
use strongroom_crypto::{ExposeSecret, RootKey, SecretString};
use strongroom_service::iam::{NewPolicy, Tag};
use strongroom_service::secrets::{CreateSecret, SecretPayload};
use strongroom_service::{Caller, Keyring, Services, Store, Transport, authz, bootstrap};
use strongroom_sigv4::SignableRequest;
use strongroom_store::secrets::SecretRecord;
use strongroom_store_sqlite::SqliteStore;
use strongroom_types::{AccountId, Clock, SystemClock};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";
const SECRET_NAME: &str = "prod/payments/db";
/// Measurement batches per scenario; the median batch is reported.
const BATCHES: usize = 31;

fn statement(effect: &str, action: Value, resource: Value, condition: Option<Value>) -> Value {
    let mut st = json!({"Effect": effect, "Action": action, "Resource": resource});
    if let Some(condition) = condition {
        st["Condition"] = condition;
    }
    st
}

fn allow(action: Value, resource: Value) -> Value {
    statement("Allow", action, resource, None)
}

fn allow_if(action: Value, resource: Value, condition: Value) -> Value {
    statement("Allow", action, resource, Some(condition))
}

fn deny_if(action: Value, resource: Value, condition: Value) -> Value {
    statement("Deny", action, resource, Some(condition))
}

fn secret(path: &str) -> String {
    format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{path}")
}

/// Ten managed policies of ten statements, as a least-privilege payments engineer might carry: IAM
/// self-service on `${aws:username}`, Secrets Manager reads scoped by path and tags, KMS through Secrets
/// Manager only, S3, DynamoDB, logs, SSM, STS, and a guardrail policy of denies. The statement that allows
/// the benchmark's GetSecretValue sits in the seventh policy; every deny is checked first.
fn realistic_policies() -> Vec<(String, Vec<Value>)> {
    let user_arn = format!("arn:aws:iam::{ACCOUNT}:user/${{aws:username}}");
    let mfa_arn = format!("arn:aws:iam::{ACCOUNT}:mfa/${{aws:username}}");
    let team_tag = json!({"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}});
    let via_sm =
        json!({"StringEquals": {"kms:ViaService": format!("secretsmanager.{REGION}.amazonaws.com")}});
    vec![
        (
            "SelfServiceIam".into(),
            vec![
                allow(json!(["iam:GetUser", "iam:ChangePassword"]), json!(user_arn)),
                allow(json!("iam:*AccessKey*"), json!(user_arn)),
                allow(
                    json!(["iam:ListSigningCertificates", "iam:ListSSHPublicKeys"]),
                    json!(user_arn),
                ),
                allow(
                    json!(["iam:CreateVirtualMFADevice", "iam:DeleteVirtualMFADevice"]),
                    json!(mfa_arn),
                ),
                allow(
                    json!(["iam:EnableMFADevice", "iam:ResyncMFADevice"]),
                    json!(user_arn),
                ),
                allow(json!("iam:ListMFADevices"), json!(user_arn)),
                allow(
                    json!([
                        "iam:ListAttachedUserPolicies",
                        "iam:ListUserPolicies",
                        "iam:ListGroupsForUser"
                    ]),
                    json!(user_arn),
                ),
                allow(json!("iam:GetAccountPasswordPolicy"), json!("*")),
                allow(
                    json!(["iam:ListUserTags", "iam:GetLoginProfile"]),
                    json!(user_arn),
                ),
                deny_if(
                    json!("iam:DeactivateMFADevice"),
                    json!(user_arn),
                    json!({"Bool": {"aws:MultiFactorAuthPresent": "false"}}),
                ),
            ],
        ),
        (
            "SecretsReadShared".into(),
            vec![
                allow(json!("secretsmanager:ListSecrets"), json!("*")),
                allow(json!("secretsmanager:GetRandomPassword"), json!("*")),
                allow_if(
                    json!(["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]),
                    json!(secret("shared/*")),
                    json!({"StringEquals": {"secretsmanager:ResourceTag/env": ["dev", "staging"]}}),
                ),
                allow(
                    json!("secretsmanager:DescribeSecret"),
                    json!(secret("payments/*")),
                ),
                allow(
                    json!("secretsmanager:ListSecretVersionIds"),
                    json!(secret("payments/*")),
                ),
                allow_if(
                    json!("secretsmanager:GetSecretValue"),
                    json!(secret("home/${aws:username}/*")),
                    json!({"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"}}),
                ),
                allow(json!("secretsmanager:BatchGetSecretValue"), json!("*")),
                allow(
                    json!("secretsmanager:GetResourcePolicy"),
                    json!(secret("payments/*")),
                ),
                allow_if(
                    json!("secretsmanager:GetSecretValue"),
                    json!(secret("ci/*")),
                    json!({"StringLike": {"aws:ResourceTag/pipeline": "payments-*"}}),
                ),
                allow(json!("secretsmanager:DescribeSecret"), json!(secret("shared/*"))),
            ],
        ),
        (
            "SecretsWriteDev".into(),
            vec![
                allow(
                    json!(["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret"]),
                    json!(secret("dev/payments/*")),
                ),
                allow_if(
                    json!("secretsmanager:CreateSecret"),
                    json!(secret("dev/payments/*")),
                    json!({"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}),
                ),
                allow(
                    json!(["secretsmanager:TagResource", "secretsmanager:UntagResource"]),
                    json!(secret("dev/payments/*")),
                ),
                allow(
                    json!("secretsmanager:RotateSecret"),
                    json!(secret("dev/payments/*")),
                ),
                allow(
                    json!("secretsmanager:UpdateSecretVersionStage"),
                    json!(secret("dev/payments/*")),
                ),
                allow(
                    json!("secretsmanager:RestoreSecret"),
                    json!(secret("dev/payments/*")),
                ),
                deny_if(
                    json!("secretsmanager:DeleteSecret"),
                    json!(secret("prod/*")),
                    json!({"Bool": {"secretsmanager:ForceDeleteWithoutRecovery": "true"}}),
                ),
                statement(
                    "Deny",
                    json!([
                        "secretsmanager:PutResourcePolicy",
                        "secretsmanager:DeleteResourcePolicy"
                    ]),
                    json!("*"),
                    None,
                ),
                allow(
                    json!("secretsmanager:CancelRotateSecret"),
                    json!(secret("dev/payments/*")),
                ),
                allow(json!("secretsmanager:ValidateResourcePolicy"), json!("*")),
            ],
        ),
        (
            "KmsThroughSecretsManager".into(),
            vec![
                allow_if(
                    json!(["kms:Decrypt", "kms:GenerateDataKey"]),
                    json!(format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/*")),
                    via_sm.clone(),
                ),
                allow(json!(["kms:DescribeKey", "kms:ListAliases"]), json!("*")),
                allow_if(
                    json!("kms:Encrypt"),
                    json!(format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/*")),
                    json!({"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}),
                ),
                allow(json!("kms:ListKeys"), json!("*")),
                allow(
                    json!("kms:GetPublicKey"),
                    json!(format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/*")),
                ),
                statement(
                    "Deny",
                    json!(["kms:ScheduleKeyDeletion", "kms:DisableKey"]),
                    json!("*"),
                    None,
                ),
                statement("Deny", json!("kms:PutKeyPolicy"), json!("*"), None),
                allow_if(
                    json!("kms:CreateGrant"),
                    json!("*"),
                    json!({"Bool": {"kms:GrantIsForAWSResource": "true"}}),
                ),
                allow(json!("kms:ListResourceTags"), json!("*")),
                allow_if(json!("kms:ReEncrypt*"), json!("*"), via_sm),
            ],
        ),
        (
            "S3Artifacts".into(),
            vec![
                allow(json!("s3:ListAllMyBuckets"), json!("*")),
                allow(
                    json!(["s3:ListBucket", "s3:GetBucketLocation"]),
                    json!("arn:aws:s3:::payments-artifacts"),
                ),
                allow(
                    json!(["s3:GetObject", "s3:PutObject"]),
                    json!("arn:aws:s3:::payments-artifacts/*"),
                ),
                allow(
                    json!(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]),
                    json!("arn:aws:s3:::payments-home/${aws:username}/*"),
                ),
                allow_if(
                    json!("s3:ListBucket"),
                    json!("arn:aws:s3:::payments-home"),
                    json!({"StringLike": {"s3:prefix": ["${aws:username}/*"]}}),
                ),
                allow(
                    json!("s3:GetObjectVersion"),
                    json!("arn:aws:s3:::payments-artifacts/*"),
                ),
                deny_if(
                    json!("s3:*"),
                    json!("*"),
                    json!({"Bool": {"aws:SecureTransport": "false"}}),
                ),
                statement("Deny", json!("s3:DeleteBucket"), json!("*"), None),
                allow(
                    json!("s3:GetObjectTagging"),
                    json!("arn:aws:s3:::payments-artifacts/*"),
                ),
                allow(
                    json!("s3:ListBucketVersions"),
                    json!("arn:aws:s3:::payments-artifacts"),
                ),
            ],
        ),
        (
            "DynamoDbLedger".into(),
            vec![
                allow(
                    json!(["dynamodb:GetItem", "dynamodb:Query"]),
                    json!(format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/ledger")),
                ),
                allow_if(
                    json!(["dynamodb:PutItem", "dynamodb:UpdateItem"]),
                    json!(format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/ledger")),
                    json!({"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:userid}"]}}),
                ),
                allow(
                    json!("dynamodb:DescribeTable"),
                    json!(format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/*")),
                ),
                allow(json!("dynamodb:ListTables"), json!("*")),
                allow(
                    json!("dynamodb:Query"),
                    json!(format!(
                        "arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/ledger/index/*"
                    )),
                ),
                statement(
                    "Deny",
                    json!(["dynamodb:DeleteTable", "dynamodb:UpdateTable"]),
                    json!("*"),
                    None,
                ),
                allow(
                    json!("dynamodb:BatchGetItem"),
                    json!(format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/ledger")),
                ),
                allow(
                    json!("dynamodb:DescribeStream"),
                    json!(format!(
                        "arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/ledger/stream/*"
                    )),
                ),
                allow(
                    json!("dynamodb:GetRecords"),
                    json!(format!(
                        "arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/ledger/stream/*"
                    )),
                ),
                allow(json!("dynamodb:ListStreams"), json!("*")),
            ],
        ),
        (
            "SecretsReadByTag".into(),
            vec![
                allow(
                    json!("secretsmanager:DescribeSecret"),
                    json!(secret("prod/payments/*")),
                ),
                allow_if(
                    json!(["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]),
                    json!(secret("prod/payments/*")),
                    json!({"StringEquals": {"secretsmanager:ResourceTag/team": "${aws:PrincipalTag/team}", "aws:ResourceTag/env": "prod"}}),
                ),
                allow(
                    json!("secretsmanager:ListSecretVersionIds"),
                    json!(secret("prod/payments/*")),
                ),
                allow_if(
                    json!("secretsmanager:GetSecretValue"),
                    json!(secret("staging/payments/*")),
                    team_tag.clone(),
                ),
                allow(
                    json!("secretsmanager:DescribeSecret"),
                    json!(secret("staging/payments/*")),
                ),
                allow_if(
                    json!("secretsmanager:GetSecretValue"),
                    json!(secret("dev/payments/*")),
                    team_tag,
                ),
                allow(
                    json!("secretsmanager:DescribeSecret"),
                    json!(secret("dev/payments/*")),
                ),
                allow(
                    json!("secretsmanager:GetResourcePolicy"),
                    json!(secret("prod/payments/*")),
                ),
                allow(
                    json!("secretsmanager:ListSecretVersionIds"),
                    json!(secret("staging/payments/*")),
                ),
                allow(
                    json!("secretsmanager:ListSecretVersionIds"),
                    json!(secret("dev/payments/*")),
                ),
            ],
        ),
        (
            "Guardrails".into(),
            vec![
                deny_if(
                    json!("*"),
                    json!("*"),
                    json!({"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}}),
                ),
                deny_if(
                    json!("secretsmanager:*"),
                    json!("*"),
                    json!({"Bool": {"aws:SecureTransport": "false"}}),
                ),
                deny_if(
                    json!("*"),
                    json!("*"),
                    json!({"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}),
                ),
                statement(
                    "Deny",
                    json!("secretsmanager:GetSecretValue"),
                    json!(secret("prod/admin/*")),
                    None,
                ),
                deny_if(
                    json!("secretsmanager:GetSecretValue"),
                    json!("*"),
                    json!({"StringEquals": {"aws:ResourceTag/classification": "restricted"}}),
                ),
                deny_if(
                    json!(["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"]),
                    json!("*"),
                    json!({"StringNotEqualsIfExists": {"secretsmanager:ResourceTag/team": ["payments", "shared"]}}),
                ),
                deny_if(
                    json!("secretsmanager:GetSecretValue"),
                    json!("*"),
                    json!({"StringEquals": {"secretsmanager:VersionStage": "AWSPREVIOUS"}}),
                ),
                statement(
                    "Deny",
                    json!(["iam:CreateUser", "iam:AttachUserPolicy", "iam:PutUserPolicy"]),
                    json!("*"),
                    None,
                ),
                statement("Deny", json!(["organizations:*", "account:*"]), json!("*"), None),
                deny_if(
                    json!("secretsmanager:*"),
                    json!(secret("prod/*")),
                    json!({"Null": {"aws:ResourceTag/team": "true"}}),
                ),
            ],
        ),
        (
            "LogsAndMetrics".into(),
            vec![
                allow(
                    json!(["logs:CreateLogStream", "logs:PutLogEvents"]),
                    json!(format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/payments/*")),
                ),
                allow(
                    json!(["logs:GetLogEvents", "logs:FilterLogEvents"]),
                    json!(format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/payments/*")),
                ),
                allow(json!("logs:DescribeLogGroups"), json!("*")),
                allow(json!("cloudwatch:PutMetricData"), json!("*")),
                allow(
                    json!(["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"]),
                    json!("*"),
                ),
                allow(
                    json!("cloudwatch:DescribeAlarms"),
                    json!(format!("arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:payments-*")),
                ),
                statement("Deny", json!("logs:DeleteLogGroup"), json!("*"), None),
                allow(json!("xray:PutTraceSegments"), json!("*")),
                allow(
                    json!("logs:StartQuery"),
                    json!(format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/payments/*")),
                ),
                allow(json!("logs:GetQueryResults"), json!("*")),
            ],
        ),
        (
            "RunbookAccess".into(),
            vec![
                allow(
                    json!("sts:AssumeRole"),
                    json!(format!("arn:aws:iam::{ACCOUNT}:role/payments-*")),
                ),
                allow(
                    json!(["ssm:GetParameter", "ssm:GetParameters"]),
                    json!(format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/payments/*")),
                ),
                allow(
                    json!("ssm:GetParametersByPath"),
                    json!(format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/payments")),
                ),
                allow(json!("ec2:Describe*"), json!("*")),
                allow_if(
                    json!(["ec2:StartInstances", "ec2:StopInstances"]),
                    json!(format!("arn:aws:ec2:{REGION}:{ACCOUNT}:instance/*")),
                    json!({"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}),
                ),
                allow(json!("sts:GetCallerIdentity"), json!("*")),
                allow(
                    json!("sqs:SendMessage"),
                    json!(format!("arn:aws:sqs:{REGION}:{ACCOUNT}:payments-*")),
                ),
                allow(
                    json!(["sns:Publish"]),
                    json!(format!("arn:aws:sns:{REGION}:{ACCOUNT}:payments-alerts")),
                ),
                allow(
                    json!("lambda:InvokeFunction"),
                    json!(format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:payments-*")),
                ),
                statement(
                    "Deny",
                    json!("sts:AssumeRole"),
                    json!(format!("arn:aws:iam::{ACCOUNT}:role/admin*")),
                    None,
                ),
            ],
        ),
    ]
}

/// The adversarial case: every statement names GetSecretValue (through wildcards that must be matched),
/// every statement's resources match, so every condition is evaluated (with policy variables), and the only
/// statement whose conditions all hold is the very last allow.
fn adversarial_policies() -> Vec<(String, Vec<Value>)> {
    (0..10)
        .map(|p| {
            let statements = (0..10)
                .map(|s| {
                    let last = p == 9 && s == 9;
                    if s % 4 == 3 {
                        deny_if(
                            json!(["secretsmanager:Get*", "secretsmanager:*Value", "kms:Decrypt"]),
                            json!([secret("*/payments/*"), secret("home/${aws:username}/*")]),
                            json!({"StringEquals": {"aws:ResourceTag/classification": format!("restricted-{p}{s}")},
                                   "ForAnyValue:StringLike": {"aws:PrincipalTag/team": ["audit*", "${aws:username}-x"]}}),
                        )
                    } else {
                        // Every allow's resource matches and its first condition holds; only the last
                        // one's second condition does too.
                        let env = if last {
                            json!(["staging*", "prod"])
                        } else {
                            json!([format!("staging{p}{s}*"), "${aws:username}-*"])
                        };
                        allow_if(
                            json!([format!("secretsmanager:Describe{s}*"), "secretsmanager:Get*Value", "kms:Decrypt"]),
                            json!([secret(&format!("team{p}{s}/*")), secret("*/payments/db-*")]),
                            json!({"StringEquals": {"secretsmanager:ResourceTag/team": "${aws:PrincipalTag/team}"},
                                   "StringLike": {"aws:ResourceTag/env": env}}),
                        )
                    }
                })
                .collect();
            (format!("Adversarial{p}"), statements)
        })
        .collect()
}

fn one_statement_policy() -> Vec<(String, Vec<Value>)> {
    vec![(
        "ReadPaymentsDb".into(),
        vec![allow(
            json!("secretsmanager:GetSecretValue"),
            json!(secret("prod/payments/db-*")),
        )],
    )]
}

/// Authenticates a signed Secrets Manager request with these credentials: the path a server request takes.
async fn authenticate(services: &Services, access_key_id: &str, secret: &SecretString) -> Caller {
    let headers = [
        ("host", "strongroom.bench"),
        ("content-type", "application/x-amz-json-1.1"),
        ("x-amz-target", "secretsmanager.GetSecretValue"),
    ];
    let body = format!(r#"{{"SecretId":"{SECRET_NAME}"}}"#);
    let unsigned = SignableRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        body: body.as_bytes(),
    };
    let signed = strongroom_sigv4::sign_headers(
        &unsigned,
        access_key_id,
        secret.expose_secret().as_bytes(),
        REGION,
        "secretsmanager",
        services.clock.now(),
        None,
    );
    let mut all: Vec<(&str, &str)> = headers.to_vec();
    all.extend(signed.headers().iter().map(|(n, v)| (*n, v.as_str())));
    let request = SignableRequest {
        headers: &all,
        ..unsigned
    };
    let auth = strongroom_sigv4::parse_auth(&request).unwrap();
    services
        .auth
        .authenticate(&request, &auth, "secretsmanager")
        .await
        .unwrap()
        .with_transport(Transport {
            source_ip: Some("10.20.30.40".parse().unwrap()),
            secure: true,
        })
}

/// Creates user `name` tagged `team=payments` with `policies` as managed policies, and authenticates as it.
async fn user_with(
    services: &Services,
    root: &Caller,
    name: &str,
    policies: &[(String, Vec<Value>)],
) -> Caller {
    let tags = vec![Tag {
        key: "team".into(),
        value: "payments".into(),
    }];
    services
        .iam
        .create_user(&services.authz, root, name, None, tags)
        .await
        .unwrap();
    for (policy_name, statements) in policies {
        let policy_name = format!("{name}-{policy_name}");
        let document = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
        services
            .iam
            .create_policy(
                &services.authz,
                root,
                NewPolicy {
                    name: &policy_name,
                    path: None,
                    description: None,
                    document: &document,
                    tags: Vec::new(),
                },
            )
            .await
            .unwrap_or_else(|e| panic!("policy {policy_name}: {e}"));
        let arn = format!("arn:aws:iam::{ACCOUNT}:policy/{policy_name}");
        services
            .iam
            .attach_user_policy(&services.authz, root, name, &arn)
            .await
            .unwrap();
    }
    let key = services
        .iam
        .create_access_key(&services.authz, root, Some(name))
        .await
        .unwrap();
    authenticate(
        services,
        key.record.access_key_id.as_str(),
        &key.secret_access_key,
    )
    .await
}

/// CPU time this thread has run, in nanoseconds, where Linux reports it.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

struct Timing {
    cpu_median: Option<f64>,
    cpu_min: Option<f64>,
    wall_median: f64,
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Runs `decide` in batches of about 20 ms and reports nanoseconds per decision.
fn time(mut decide: impl FnMut() -> bool) -> Timing {
    assert!(decide(), "the scenario must be allowed");
    let start = Instant::now();
    let mut calibration = 0u32;
    while start.elapsed().as_millis() < 20 {
        std::hint::black_box(decide());
        calibration += 1;
    }
    let rounds = calibration.max(100);
    let (mut cpu, mut wall) = (Vec::new(), Vec::new());
    for _ in 0..BATCHES {
        let cpu_start = thread_cpu_ns();
        let wall_start = Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(decide());
        }
        wall.push(wall_start.elapsed().as_nanos() as f64 / f64::from(rounds));
        if let (Some(a), Some(b)) = (cpu_start, thread_cpu_ns()) {
            cpu.push(b.saturating_sub(a) as f64 / f64::from(rounds));
        }
    }
    let cpu_median = (!cpu.is_empty()).then(|| median(&mut cpu));
    Timing {
        cpu_min: cpu.first().copied(),
        cpu_median,
        wall_median: median(&mut wall),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let sqlite = SqliteStore::memory().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(sqlite);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let keyring = Keyring::load(store.as_ref(), RootKey::generate(), clock.now())
        .await
        .unwrap();
    let account: AccountId = ACCOUNT.parse().unwrap();
    let root_key = bootstrap::bootstrap_account(store.as_ref(), &keyring, &account, clock.now())
        .await
        .unwrap();
    let (services, _audit) = Services::start(Arc::clone(&store), keyring, clock);
    let root = authenticate(
        &services,
        root_key.access_key_id.as_str(),
        &root_key.secret_access_key,
    )
    .await;

    let written = services
        .secrets
        .create_secret(
            &services.authz,
            &root,
            CreateSecret {
                name: SECRET_NAME.into(),
                client_request_token: Some("00000000-0000-4000-8000-000000000001".into()),
                value: Some(SecretPayload::String(SecretString::from("bench".to_owned()))),
                tags: Some(
                    [
                        ("team", "payments"),
                        ("env", "prod"),
                        ("owner", "alice"),
                        ("cost-center", "4711"),
                    ]
                    .into_iter()
                    .map(|(key, value)| Tag {
                        key: key.into(),
                        value: value.into(),
                    })
                    .collect(),
                ),
                ..CreateSecret::default()
            },
        )
        .await
        .unwrap();
    let record: SecretRecord = services.store.secret_by_arn(&written.arn).await.unwrap().unwrap();

    let scenarios: Vec<(&str, Caller)> = vec![
        ("account root (no policies)", root.clone()),
        (
            "user, 1 policy x 1 statement",
            user_with(&services, &root, "solo", &one_statement_policy()).await,
        ),
        (
            "user, 10 policies x 10 statements, realistic",
            user_with(&services, &root, "alice", &realistic_policies()).await,
        ),
        (
            "user, 10 policies x 10 statements, adversarial",
            user_with(&services, &root, "mallory", &adversarial_policies()).await,
        ),
    ];

    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "authorization of one GetSecretValue through Secrets::authorize_get_secret_value (load average {})",
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    println!(
        "{:<48} {:>14} {:>12} {:>14}",
        "caller", "CPU median ns", "CPU min ns", "wall median ns"
    );
    for (name, caller) in &scenarios {
        let secrets = &services.secrets;
        let authz = &services.authz;
        let (timing, explanation) = authz::recording(async {
            time(|| {
                secrets
                    .authorize_get_secret_value(authz, caller, &record, None, None)
                    .is_ok()
            })
        })
        .await;
        let fmt = |v: Option<f64>| v.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.0}"));
        println!(
            "{name:<48} {:>14} {:>12} {:>14.0}",
            fmt(timing.cpu_median),
            fmt(timing.cpu_min),
            timing.wall_median
        );
        eprintln!("  decided: {}", explanation.unwrap_or_default());
    }
}
