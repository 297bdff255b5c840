//! Property laws of evaluation over randomly generated policy sets and requests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Test code: failing loudly is the point.

use proptest::prelude::*;
use serde_json::{Value, json};
use strongroom_policy::{
    Decision, DecisionEffect, Policy, PolicyKind, PolicySet, Principal, Request, RequestContext, evaluate,
};
use time::macros::datetime;

const ALICE: &str = "arn:aws:iam::111122223333:user/Alice";
const SECRET: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf";

fn action() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("secretsmanager:GetSecretValue")),
        Just(json!("secretsmanager:Get*")),
        Just(json!("SecretsManager:getsecretvalue")),
        Just(json!("secretsmanager:?etSecretValue")),
        Just(json!("secretsmanager:*")),
        Just(json!("*")),
        Just(json!("secretsmanager:ListSecrets")),
        Just(json!("kms:Decrypt")),
        Just(json!(["kms:*", "secretsmanager:DescribeSecret"])),
    ]
}

fn resource() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("*")),
        Just(json!(SECRET)),
        Just(json!("arn:aws:secretsmanager:*:*:secret:db-*")),
        Just(json!("arn:aws:secretsmanager:*:*:secret:app-*")),
        Just(json!("arn:aws:secretsmanager:*:*:secret:${aws:username}-*")),
        Just(json!([
            "arn:aws:kms:*",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:d?-*"
        ])),
    ]
}

fn condition() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        3 => Just(None),
        1 => Just(Some(json!({"StringEquals": {"aws:ResourceTag/env": "prod"}}))),
        1 => Just(Some(json!({"StringNotEqualsIfExists": {"aws:ResourceTag/env": "dev"}}))),
        1 => Just(Some(json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))),
        1 => Just(Some(json!({"Bool": {"aws:SecureTransport": "true"}}))),
        1 => Just(Some(json!({"ForAllValues:StringLike": {"aws:TagKeys": ["e*"]}}))),
        1 => Just(Some(json!({"DateLessThan": {"aws:CurrentTime": "2024-06-01T12:00:00Z"}}))),
        1 => Just(Some(json!({"Null": {"aws:PrincipalTag/team": "true"}}))),
    ]
}

fn principal() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("*")),
        Just(json!({"AWS": ALICE})),
        Just(json!({"AWS": "111122223333"})),
        Just(json!({"AWS": "arn:aws:iam::111122223333:user/Bob"})),
        Just(json!({"AWS": "arn:aws:iam::111122223333:role/Reader"})),
        Just(json!({"AWS": "arn:aws:sts::111122223333:assumed-role/Reader/s1"})),
    ]
}

/// A statement; `with_principal` for resource policies.
fn statement(with_principal: bool) -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        action(),
        any::<bool>(),
        resource(),
        any::<bool>(),
        condition(),
        principal(),
        any::<bool>(),
    )
        .prop_map(
            move |(
                allow,
                action,
                not_action,
                resource,
                not_resource,
                condition,
                principal,
                not_principal,
            )| {
                let mut s = json!({"Effect": if allow { "Allow" } else { "Deny" }});
                s[if not_action { "NotAction" } else { "Action" }] = action;
                s[if not_resource { "NotResource" } else { "Resource" }] = resource;
                if let Some(c) = condition {
                    s["Condition"] = c;
                }
                if with_principal {
                    s[if not_principal {
                        "NotPrincipal"
                    } else {
                        "Principal"
                    }] = principal;
                }
                s
            },
        )
}

fn statements(with_principal: bool) -> impl Strategy<Value = Vec<Value>> {
    prop::collection::vec(statement(with_principal), 0..5)
}

#[derive(Debug, Clone)]
struct Docs {
    identity: Vec<Vec<Value>>,
    resource: Option<Vec<Value>>,
    boundary: Option<Vec<Value>>,
    session: Vec<Vec<Value>>,
}

fn docs() -> impl Strategy<Value = Docs> {
    (
        prop::collection::vec(statements(false), 0..4),
        prop::option::of(statements(true)),
        prop::option::of(statements(false)),
        prop::collection::vec(statements(false), 0..3),
    )
        .prop_map(|(identity, resource, boundary, session)| Docs {
            identity,
            resource,
            boundary,
            session,
        })
}

fn context() -> impl Strategy<Value = RequestContext> {
    (
        any::<bool>(),
        prop_oneof![
            Just("secretsmanager:GetSecretValue"),
            Just("secretsmanager:ListSecrets"),
            Just("SECRETSMANAGER:GetSecretValue")
        ],
        prop_oneof![
            Just(SECRET),
            Just("arn:aws:secretsmanager:us-east-1:111122223333:secret:Alice-x")
        ],
        prop::option::of(prop_oneof![Just("prod"), Just("dev")]),
        prop::option::of(prop_oneof![Just("10.1.1.1"), Just("192.0.2.1")]),
        prop::option::of(any::<bool>()),
        prop::option::of(prop::collection::vec(
            prop_oneof![Just("env"), Just("team")],
            0..3,
        )),
    )
        .prop_map(|(role, action, resource, env, ip, tls, tag_keys)| {
            let principal = if role {
                Principal::assumed_role("111122223333", "Reader", "s1")
            } else {
                Principal::user("111122223333", "Alice")
            };
            let mut ctx = RequestContext::new(principal, action, resource, datetime!(2024-06-01 12:00 UTC));
            if let Some(env) = env {
                ctx.set("aws:ResourceTag/env", env);
            }
            if let Some(ip) = ip {
                ctx.set("aws:SourceIp", ip);
            }
            if let Some(tls) = tls {
                ctx.set("aws:SecureTransport", tls);
            }
            if let Some(keys) = tag_keys {
                ctx.set(
                    "aws:TagKeys",
                    keys.into_iter().map(str::to_owned).collect::<Vec<_>>(),
                );
            }
            ctx
        })
}

fn parse(statements: &[Value], kind: PolicyKind, label: String) -> Policy {
    let mut statements = statements.to_vec();
    for (i, s) in statements.iter_mut().enumerate() {
        if s.get("Sid").is_none() {
            s["Sid"] = json!(format!("S{i}"));
        }
    }
    let doc = json!({"Version": "2012-10-17", "Statement": statements});
    Policy::parse(&doc.to_string(), kind)
        .unwrap_or_else(|e| panic!("{doc}: {e:?}"))
        .with_label(label)
}

struct Parsed {
    identity: Vec<Policy>,
    resource: Option<Policy>,
    boundary: Option<Policy>,
    session: Vec<Policy>,
}

fn compile(d: &Docs) -> Parsed {
    Parsed {
        identity: d
            .identity
            .iter()
            .enumerate()
            .map(|(i, s)| parse(s, PolicyKind::Identity, format!("id{i}")))
            .collect(),
        resource: d
            .resource
            .as_ref()
            .map(|s| parse(s, PolicyKind::Resource, "res".to_owned())),
        boundary: d
            .boundary
            .as_ref()
            .map(|s| parse(s, PolicyKind::Boundary, "bound".to_owned())),
        session: d
            .session
            .iter()
            .enumerate()
            .map(|(i, s)| parse(s, PolicyKind::Session, format!("sess{i}")))
            .collect(),
    }
}

fn decide(p: &Parsed, ctx: &RequestContext) -> Decision {
    evaluate(&Request {
        context: ctx,
        policies: PolicySet {
            identity: &p.identity,
            resource: p.resource.as_ref(),
            boundary: p.boundary.as_ref(),
            session: &p.session,
        },
    })
}

/// Where to put an extra statement.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Identity(usize),
    NewIdentity,
    Resource,
    Boundary,
    Session(usize),
}

fn slot() -> impl Strategy<Value = Slot> {
    prop_oneof![
        (0usize..4).prop_map(Slot::Identity),
        Just(Slot::NewIdentity),
        Just(Slot::Resource),
        Just(Slot::Boundary),
        (0usize..3).prop_map(Slot::Session),
    ]
}

/// Inserts `statement` (given a principal `*` in resource policies) at `position` (modulo length) of the
/// policy in `slot`, creating the policy if needed. Returns false if the slot cannot take it without changing
/// anything else (a new boundary or session policy would change the decision by itself).
fn insert(d: &mut Docs, slot: Slot, position: usize, statement: &Value) -> bool {
    let put = |list: &mut Vec<Value>, s: Value| {
        let at = position % (list.len() + 1);
        list.insert(at, s);
    };
    match slot {
        Slot::Identity(i) if i < d.identity.len() => put(&mut d.identity[i], statement.clone()),
        Slot::Identity(_) | Slot::NewIdentity => d.identity.push(vec![statement.clone()]),
        Slot::Resource => {
            let mut s = statement.clone();
            s["Principal"] = json!("*");
            match &mut d.resource {
                Some(list) => put(list, s),
                None => d.resource = Some(vec![s]),
            }
        }
        Slot::Boundary => match &mut d.boundary {
            Some(list) => put(list, statement.clone()),
            None => return false,
        },
        Slot::Session(i) if i < d.session.len() => put(&mut d.session[i], statement.clone()),
        Slot::Session(_) => return false,
    }
    true
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// A matching explicit Deny wins, wherever it is and whatever else is present.
    #[test]
    fn matching_deny_always_wins(d in docs(), ctx in context(), slot in slot(), position in 0usize..8) {
        let mut d = d;
        let deny = json!({"Sid": "MustDeny", "Effect": "Deny", "Action": "secretsmanager:*", "Resource": "*"});
        match slot {
            Slot::Boundary if d.boundary.is_none() => d.boundary = Some(vec![deny.clone()]),
            Slot::Session(_) if d.session.is_empty() => d.session.push(vec![deny.clone()]),
            _ => {
                if !insert(&mut d, slot, position, &deny) {
                    d.identity.push(vec![deny.clone()]);
                }
            }
        }
        let decision = decide(&compile(&d), &ctx);
        prop_assert_eq!(decision.effect, DecisionEffect::ExplicitDeny, "{}", decision.explain());
        prop_assert!(decision.deciding.is_some());
    }

    /// Without an Allow statement that can match, nothing is allowed; without a Deny either, the decision is
    /// an implicit deny.
    #[test]
    fn no_matching_allow_means_no_allow(d in docs(), ctx in context(), keep_denies in any::<bool>()) {
        let mut d = d;
        let defang = |list: &mut Vec<Value>| {
            list.retain(|s| keep_denies || s["Effect"] != "Allow");
            for s in list.iter_mut() {
                if s["Effect"] == "Allow" {
                    let object = s.as_object_mut().unwrap();
                    object.remove("NotAction");
                    object.insert("Action".to_owned(), json!(["kms:*", "ec2:RunInstances", "s3:Get*"]));
                }
                if !keep_denies && s["Effect"] == "Deny" {
                    s["Effect"] = json!("Allow");
                    let object = s.as_object_mut().unwrap();
                    object.remove("NotAction");
                    object.insert("Action".to_owned(), json!("iam:*"));
                }
            }
        };
        d.identity.iter_mut().for_each(defang);
        d.resource.iter_mut().for_each(defang);
        d.boundary.iter_mut().for_each(defang);
        d.session.iter_mut().for_each(defang);
        let decision = decide(&compile(&d), &ctx);
        prop_assert_ne!(decision.effect, DecisionEffect::Allow, "{}", decision.explain());
        if !keep_denies {
            prop_assert_eq!(decision.effect, DecisionEffect::ImplicitDeny);
            prop_assert!(decision.deciding.is_none());
        }
    }

    /// A statement that matches nothing (an action of a service the request does not use) never changes the
    /// decision, whatever its effect and wherever it goes.
    #[test]
    fn inert_statement_changes_nothing(
        d in docs(),
        ctx in context(),
        allow in any::<bool>(),
        slot in slot(),
        position in 0usize..8,
        condition in condition(),
    ) {
        let before = decide(&compile(&d), &ctx);
        let mut d2 = d;
        let mut inert = json!({
            "Sid": "Inert",
            "Effect": if allow { "Allow" } else { "Deny" },
            "Action": ["unused:*", "kms:Decrypt"],
            "Resource": "*",
        });
        if let Some(c) = condition {
            inert["Condition"] = c;
        }
        prop_assume!(insert(&mut d2, slot, position, &inert));
        let after = decide(&compile(&d2), &ctx);
        prop_assert_eq!(before.effect, after.effect, "{} / {}", before.explain(), after.explain());
        prop_assert_eq!(std::mem::discriminant(&before.reason), std::mem::discriminant(&after.reason));
        // Sids are assigned by position, so compare the label and whether a statement decided.
        let label = |d: &Decision| d.deciding.as_ref().map(|s| s.label.to_string());
        prop_assert_eq!(label(&before), label(&after));
    }
}
