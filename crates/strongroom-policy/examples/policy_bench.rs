//! Times policy evaluation on the hot path: `cargo run --release -p strongroom-policy --example policy_bench`.
//! A benchmark, not a test: it prints numbers for BENCHMARKS.md and judges nothing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark: a broken setup should stop it loudly"
)]

use std::time::Instant;

use serde_json::json;
use strongroom_policy::{
    DecisionEffect, Policy, PolicyKind, PolicySet, Principal, Request, RequestContext, evaluate,
};
use time::macros::datetime;

/// Ten identity policies of ten statements each, every one naming the request's action but (mostly) not
/// its resource, so every statement's resources are matched: the worst case for that many policies.
fn policies() -> Vec<Policy> {
    (0..10)
        .map(|p| {
            let statements: Vec<_> = (0..10)
                .map(|s| {
                    let mut st = json!({
                        "Sid": format!("P{p}S{s}"),
                        "Effect": "Allow",
                        "Action": [format!("secretsmanager:Describe{s}*"), "kms:Decrypt", "secretsmanager:GetSecretValue"],
                        "Resource": [
                            format!("arn:aws:secretsmanager:*:111122223333:secret:team{p}/*"),
                            "arn:aws:secretsmanager:us-east-1:111122223333:secret:home/${aws:username}/*",
                        ],
                    });
                    if s % 3 == 0 {
                        st["Condition"] = json!({"StringEquals": {"aws:ResourceTag/env": "prod"}, "Bool": {"aws:SecureTransport": "true"}});
                    }
                    st
                })
                .collect();
            let doc = json!({"Version": "2012-10-17", "Statement": statements});
            Policy::parse(&doc.to_string(), PolicyKind::Identity).unwrap().with_label(format!("policy{p}"))
        })
        .collect()
}

/// Ten policies of ten statements over varied services, as real users have: few statements name the action.
fn varied_policies() -> Vec<Policy> {
    let services = [
        "s3",
        "ec2",
        "kms",
        "iam",
        "sqs",
        "sns",
        "dynamodb",
        "lambda",
        "logs",
        "secretsmanager",
    ];
    (0..10)
        .map(|p| {
            let statements: Vec<_> = (0..10)
                .map(|s| {
                    json!({
                        "Sid": format!("P{p}S{s}"),
                        "Effect": if s == 9 { "Deny" } else { "Allow" },
                        "Action": [format!("{}:Get*", services[s]), format!("{}:List*", services[(s + p) % 10])],
                        "Resource": format!("arn:aws:{}:*:111122223333:team{p}/*", services[s]),
                        "Condition": {"StringEquals": {"aws:ResourceTag/env": "prod"}},
                    })
                })
                .collect();
            let doc = json!({"Version": "2012-10-17", "Statement": statements});
            Policy::parse(&doc.to_string(), PolicyKind::Identity).unwrap().with_label(format!("policy{p}"))
        })
        .collect()
}

fn varied_ten_by_ten() {
    let policies = varied_policies();
    let ctx = RequestContext::new(
        Principal::user("111122223333", "Alice"),
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:other/db-AbCdEf",
        datetime!(2024-06-01 12:00 UTC),
    )
    .with("aws:ResourceTag/env", "prod");
    let request = Request {
        context: &ctx,
        policies: PolicySet {
            identity: &policies,
            ..PolicySet::default()
        },
    };
    assert_eq!(evaluate(&request).effect, DecisionEffect::ImplicitDeny);
    let rounds = 50_000;
    let start = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(evaluate(std::hint::black_box(&request)));
    }
    let each = start.elapsed() / rounds;
    eprintln!("10 policies x 10 statements over varied services: {each:?} per evaluation");
}

fn worst_case_ten_by_ten() {
    let policies = policies();
    let ctx = RequestContext::new(
        Principal::user("111122223333", "Alice"),
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:other/db-AbCdEf",
        datetime!(2024-06-01 12:00 UTC),
    )
    .with("aws:ResourceTag/env", "prod")
    .with("aws:SecureTransport", true);
    let request = Request {
        context: &ctx,
        policies: PolicySet {
            identity: &policies,
            ..PolicySet::default()
        },
    };
    assert_eq!(evaluate(&request).effect, DecisionEffect::ImplicitDeny);
    let rounds = 20_000;
    let start = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(evaluate(std::hint::black_box(&request)));
    }
    let each = start.elapsed() / rounds;
    eprintln!("10 policies x 10 statements, no match: {each:?} per evaluation");

    let allowed_ctx = RequestContext::new(
        Principal::user("111122223333", "Alice"),
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:team9/db-AbCdEf",
        datetime!(2024-06-01 12:00 UTC),
    );
    let request = Request {
        context: &allowed_ctx,
        policies: PolicySet {
            identity: &policies,
            ..PolicySet::default()
        },
    };
    assert_eq!(evaluate(&request).effect, DecisionEffect::Allow);
    let start = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(evaluate(std::hint::black_box(&request)));
    }
    let allowed = start.elapsed() / rounds;
    eprintln!("10 policies x 10 statements, allow in the last policy: {allowed:?} per evaluation");
}

fn main() {
    varied_ten_by_ten();
    worst_case_ten_by_ten();
}
