//! A timing check for the hot path (ignored by default; run with `--release -- --ignored --nocapture`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Test code: failing loudly is the point.

use std::time::Instant;

use serde_json::json;
use strongroom_policy::{
    DecisionEffect, Policy, PolicyKind, PolicySet, Principal, Request, RequestContext, evaluate,
};
use time::macros::datetime;

/// Ten identity policies of ten statements each, none of which allows the request, so every statement is
/// examined: the worst case for a user with that many policies.
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

#[test]
#[ignore = "timing; run in release"]
fn ten_by_ten_is_a_few_microseconds() {
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
    if !cfg!(debug_assertions) {
        assert!(
            each.as_micros() < 20 && allowed.as_micros() < 20,
            "{each:?} / {allowed:?}"
        );
    }
}
