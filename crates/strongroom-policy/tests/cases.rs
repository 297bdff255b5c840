//! Table-driven policy cases: every `tests/cases/*.json` file is a list of cases run by [`check`].
//!
//! A case is `{name, policies, request, expect}`:
//!
//! * `policies`: a list of `{kind, label, document | statement}`. `kind` is `identity` (default), `resource`,
//!   `trust`, `boundary` or `session`; `label` defaults to `p`. `document` is the policy as a JSON value, or as
//!   a string holding the raw text (for malformed JSON); `statement` is shorthand for
//!   `{"Version": "2012-10-17", "Statement": statement}`.
//! * `request` (every field optional): `principal` (`{type, account, name, role, session, arn, source_arn,
//!   user_id, tags}`; default the user Alice of account 111122223333 with user id `AIDAALICE`), `action`
//!   (default `secretsmanager:GetSecretValue`), `resource` (default a secret of that account), `now` (RFC 3339,
//!   default `2024-06-01T12:00:00Z`) and `context` (key → string, list of strings, bool, number,
//!   `{"date": …}` or `{"binary": base64}`).
//! * `expect`: `{decision, label?, sid?, index?, reason?}` where `decision` is `Allow`, `ExplicitDeny` or
//!   `ImplicitDeny` (which requires no deciding statement); or `{error}` with the exact message of the
//!   parse error the (single) policy must fail with.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Test code: failing loudly is the point.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use strongroom_policy::{
    ContextValue, Decision, DecisionEffect, Policy, PolicyKind, PolicySet, Principal, PrincipalType, Reason,
    Request, RequestContext, evaluate,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default)]
    policies: Vec<CasePolicy>,
    #[serde(default)]
    request: CaseRequest,
    expect: Expect,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CasePolicy {
    #[serde(default = "default_kind")]
    kind: String,
    #[serde(default = "default_label")]
    label: String,
    document: Option<Value>,
    statement: Option<Value>,
}

fn default_kind() -> String {
    "identity".to_owned()
}

fn default_label() -> String {
    "p".to_owned()
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseRequest {
    principal: Option<CasePrincipal>,
    action: Option<String>,
    resource: Option<String>,
    now: Option<String>,
    #[serde(default)]
    context: BTreeMap<String, Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CasePrincipal {
    #[serde(rename = "type")]
    kind: Option<String>,
    account: Option<String>,
    name: Option<String>,
    role: Option<String>,
    session: Option<String>,
    arn: Option<String>,
    source_arn: Option<String>,
    user_id: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    decision: Option<String>,
    label: Option<String>,
    sid: Option<String>,
    index: Option<usize>,
    reason: Option<String>,
    error: Option<String>,
}

const ACCOUNT: &str = "111122223333";

fn kind(name: &str) -> Result<PolicyKind, String> {
    Ok(match name {
        "identity" => PolicyKind::Identity,
        "resource" => PolicyKind::Resource,
        "trust" => PolicyKind::Trust,
        "boundary" => PolicyKind::Boundary,
        "session" => PolicyKind::Session,
        other => return Err(format!("unknown policy kind {other}")),
    })
}

fn document_text(policy: &CasePolicy) -> Result<String, String> {
    match (&policy.document, &policy.statement) {
        (Some(Value::String(raw)), None) => Ok(raw.clone()),
        (Some(doc), None) => Ok(doc.to_string()),
        (None, Some(statement)) => {
            Ok(serde_json::json!({"Version": "2012-10-17", "Statement": statement}).to_string())
        }
        _ => Err("a policy needs exactly one of document and statement".to_owned()),
    }
}

fn principal(p: Option<&CasePrincipal>) -> Result<Principal, String> {
    let default = CasePrincipal::default();
    let p = p.unwrap_or(&default);
    let account = p.account.as_deref().unwrap_or(ACCOUNT);
    let mut principal = match p.kind.as_deref().unwrap_or("User") {
        "User" => {
            let mut user = Principal::user(account, p.name.as_deref().unwrap_or("Alice"));
            user.user_id = Some("AIDAALICE".to_owned());
            user
        }
        "AssumedRole" => Principal::assumed_role(
            account,
            p.role.as_deref().unwrap_or("Reader"),
            p.session.as_deref().unwrap_or("session"),
        ),
        "FederatedUser" => Principal {
            kind: PrincipalType::FederatedUser,
            arn: format!(
                "arn:aws:sts::{account}:federated-user/{}",
                p.name.as_deref().unwrap_or("fed")
            ),
            account: account.to_owned(),
            ..Principal::anonymous()
        },
        "Account" => Principal {
            kind: PrincipalType::Account,
            arn: format!("arn:aws:iam::{account}:root"),
            account: account.to_owned(),
            ..Principal::anonymous()
        },
        "Service" => Principal::service(p.name.as_deref().unwrap_or("secretsmanager.amazonaws.com")),
        "WebIdentity" => Principal {
            kind: PrincipalType::WebIdentity,
            arn: p.name.clone().unwrap_or_default(),
            ..Principal::anonymous()
        },
        "CanonicalUser" => Principal {
            kind: PrincipalType::CanonicalUser,
            arn: p.name.clone().unwrap_or_default(),
            ..Principal::anonymous()
        },
        "Anonymous" => Principal::anonymous(),
        other => return Err(format!("unknown principal type {other}")),
    };
    if let Some(arn) = &p.arn {
        principal.arn = arn.clone();
    }
    if let Some(source) = &p.source_arn {
        principal.source_arn = Some(source.clone());
    }
    if let Some(id) = &p.user_id {
        principal.user_id = Some(id.clone());
    }
    principal.tags = p.tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    Ok(principal)
}

fn context_value(value: &Value) -> Result<ContextValue, String> {
    Ok(match value {
        Value::String(s) => ContextValue::String(s.clone()),
        Value::Bool(b) => ContextValue::Bool(*b),
        Value::Number(n) => ContextValue::Number(n.as_f64().ok_or("number out of range")?),
        Value::Array(items) => ContextValue::StringList(
            items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<_>>()
                .ok_or("list of strings")?,
        ),
        Value::Object(map) => match (map.get("date"), map.get("binary")) {
            (Some(Value::String(d)), None) => {
                ContextValue::Date(OffsetDateTime::parse(d, &Rfc3339).map_err(|e| e.to_string())?)
            }
            (None, Some(Value::String(b))) => ContextValue::Binary(decode(b)?),
            _ => return Err(format!("bad typed context value {value}")),
        },
        Value::Null => return Err("null context value".to_owned()),
    })
}

/// A small base64 decoder for the test harness (independent of the crate's).
fn decode(text: &str) -> Result<Vec<u8>, String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = String::new();
    for c in text.trim_end_matches('=').bytes() {
        let v = ALPHABET.iter().position(|a| *a == c).ok_or("bad base64")?;
        bits.push_str(&format!("{v:06b}"));
    }
    Ok(bits
        .as_bytes()
        .chunks_exact(8)
        .map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap(), 2).unwrap())
        .collect())
}

fn reason_name(reason: &Reason) -> &'static str {
    match reason {
        Reason::ExplicitDeny => "ExplicitDeny",
        Reason::IdentityAllow => "IdentityAllow",
        Reason::ResourceAllow => "ResourceAllow",
        Reason::ResourceAllowDirect => "ResourceAllowDirect",
        Reason::NoAllow => "NoAllow",
        Reason::BoundaryDoesNotAllow { .. } => "BoundaryDoesNotAllow",
        Reason::SessionDoesNotAllow { .. } => "SessionDoesNotAllow",
        Reason::RootUser => "RootUser",
    }
}

/// Runs one case; `Err` says what went wrong.
fn check(case: &Case) -> Result<(), String> {
    let expect = &case.expect;
    if let Some(error) = &expect.error {
        let [policy] = case.policies.as_slice() else {
            return Err("an error case has exactly one policy".to_owned());
        };
        return match Policy::parse(&document_text(policy)?, kind(&policy.kind)?) {
            Ok(_) => Err(format!("parsed, expected error {error:?}")),
            Err(e) if e.to_string() == *error => Ok(()),
            Err(e) => Err(format!("error {:?} ({e:?}), expected {error:?}", e.to_string())),
        };
    }

    let mut identity = Vec::new();
    let mut resource = None;
    let mut boundary = None;
    let mut session = Vec::new();
    for p in &case.policies {
        let k = kind(&p.kind)?;
        let policy = Policy::parse(&document_text(p)?, k)
            .map_err(|e| format!("policy {} does not parse: {e} ({e:?})", p.label))?
            .with_label(p.label.as_str());
        match k {
            PolicyKind::Identity => identity.push(policy),
            PolicyKind::Resource | PolicyKind::Trust => {
                if resource.replace(policy).is_some() {
                    return Err("at most one resource/trust policy".to_owned());
                }
            }
            PolicyKind::Boundary => {
                if boundary.replace(policy).is_some() {
                    return Err("at most one boundary".to_owned());
                }
            }
            PolicyKind::Session => session.push(policy),
        }
    }

    let r = &case.request;
    let now = OffsetDateTime::parse(r.now.as_deref().unwrap_or("2024-06-01T12:00:00Z"), &Rfc3339)
        .map_err(|e| format!("bad now: {e}"))?;
    let mut ctx = RequestContext::new(
        principal(r.principal.as_ref())?,
        r.action.as_deref().unwrap_or("secretsmanager:GetSecretValue"),
        r.resource
            .as_deref()
            .unwrap_or("arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf"),
        now,
    );
    for (key, value) in &r.context {
        ctx.set(key, context_value(value)?);
    }
    let decision: Decision = evaluate(&Request {
        context: &ctx,
        policies: PolicySet {
            identity: &identity,
            resource: resource.as_ref(),
            boundary: boundary.as_ref(),
            session: &session,
        },
    });

    let effect = match expect.decision.as_deref() {
        Some("Allow") => DecisionEffect::Allow,
        Some("ExplicitDeny") => DecisionEffect::ExplicitDeny,
        Some("ImplicitDeny") => DecisionEffect::ImplicitDeny,
        other => return Err(format!("bad expected decision {other:?}")),
    };
    let got = || format!("got {decision:?}: {}", decision.explain());
    if decision.effect != effect {
        return Err(format!("expected {effect:?}, {}", got()));
    }
    match (&decision.deciding, effect) {
        (Some(_), DecisionEffect::ImplicitDeny) => {
            return Err(format!("implicit deny with a deciding statement, {}", got()));
        }
        (None, DecisionEffect::Allow | DecisionEffect::ExplicitDeny) => {
            return Err(format!("no deciding statement, {}", got()));
        }
        (Some(deciding), _) => {
            if let Some(label) = &expect.label
                && *deciding.label != **label
            {
                return Err(format!("expected label {label}, {}", got()));
            }
            if expect.sid.is_some() && deciding.sid.as_deref() != expect.sid.as_deref() {
                return Err(format!("expected sid {:?}, {}", expect.sid, got()));
            }
            if let Some(index) = expect.index
                && deciding.index != index
            {
                return Err(format!("expected index {index}, {}", got()));
            }
        }
        (None, _) => {
            if expect.sid.is_some() || expect.label.is_some() || expect.index.is_some() {
                return Err("an implicit deny has no deciding statement to expect".to_owned());
            }
        }
    }
    if let Some(reason) = &expect.reason
        && reason_name(&decision.reason) != reason
    {
        return Err(format!("expected reason {reason}, {}", got()));
    }
    Ok(())
}

fn load() -> Vec<(String, Case)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut cases = Vec::new();
    for file in files
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "json"))
    {
        let text = fs::read_to_string(&file).unwrap();
        let list: Vec<Case> =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(!list.is_empty(), "{} has no cases", file.display());
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        cases.extend(list.into_iter().map(|c| (stem.clone(), c)));
    }
    cases
}

#[test]
fn cases() {
    let cases = load();
    let mut names = HashSet::new();
    let mut failures = Vec::new();
    for (file, case) in &cases {
        assert!(
            names.insert(format!("{file}/{}", case.name)),
            "duplicate case name {file}/{}",
            case.name
        );
        if let Err(why) = check(case) {
            failures.push(format!("{file}/{}: {why}", case.name));
        }
    }
    eprintln!("{} policy cases run", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
