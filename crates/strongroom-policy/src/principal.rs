//! The `Principal` and `NotPrincipal` elements and how a request's principal matches them.

use serde_json::Value as Json;

use crate::context::{Principal, PrincipalType};
use crate::error::PolicyError;

/// How a principal element matched the request's principal; it decides what a resource-policy grant means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum PrincipalMatch {
    /// Names the whole account (`123456789012`, `arn:aws:iam::123456789012:root`): in the same account this
    /// delegates to the account's identity policies and grants nothing on its own.
    Account,
    /// Matches without naming the caller itself: `*`, the role of a role session, a `NotPrincipal`. Grants,
    /// but boundaries and session policies still apply.
    Indirect,
    /// Names the caller's own ARN (user, role session, federated user session) or service/provider: grants
    /// regardless of permission boundaries and session policies, as AWS documents for same-account grants.
    Direct,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    /// `"*"` or `{"AWS": "*"}`: anyone, including anonymous callers.
    Anyone,
    /// An account id.
    Account(String),
    /// Any other IAM ARN.
    Arn(String),
    Service(String),
    Federated(String),
    CanonicalUser(String),
}

/// A parsed `Principal`/`NotPrincipal` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PrincipalSet {
    entries: Vec<Entry>,
}

fn strings(json: &Json) -> Option<Vec<&str>> {
    match json {
        Json::String(s) => Some(vec![s.as_str()]),
        Json::Array(items) => items.iter().map(Json::as_str).collect(),
        _ => None,
    }
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

fn aws_entry(text: &str) -> Result<Entry, PolicyError> {
    let invalid = || PolicyError::InvalidPrincipal(format!("\"AWS\" : \"{text}\""));
    if text == "*" {
        return Ok(Entry::Anyone);
    }
    if is_account_id(text) {
        return Ok(Entry::Account(text.to_owned()));
    }
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, "iam", "", account, "root"] if !partition.is_empty() && is_account_id(account) => {
            Ok(Entry::Account((*account).to_owned()))
        }
        ["arn", partition, service, _, account, resource]
            if !partition.is_empty()
                && !service.is_empty()
                && is_account_id(account)
                && !resource.is_empty()
                && !text.contains(['*', '?']) =>
        {
            Ok(Entry::Arn(text.to_owned()))
        }
        _ => Err(invalid()),
    }
}

impl PrincipalSet {
    /// Whether the set names everyone (`"*"` or `{"AWS": "*"}`).
    pub(crate) fn includes_anyone(&self) -> bool {
        self.entries.contains(&Entry::Anyone)
    }

    pub(crate) fn parse(json: &Json) -> Result<Self, PolicyError> {
        let mut entries = Vec::new();
        match json {
            Json::String(s) if s == "*" => entries.push(Entry::Anyone),
            Json::Object(map) if !map.is_empty() => {
                for (kind, values) in map {
                    let values = strings(values)
                        .ok_or_else(|| PolicyError::syntax(format!("Principal {kind} must be strings")))?;
                    if values.is_empty() {
                        return Err(PolicyError::InvalidPrincipal(format!("\"{kind}\" : []")));
                    }
                    for value in values {
                        let invalid = || PolicyError::InvalidPrincipal(format!("\"{kind}\" : \"{value}\""));
                        if value.is_empty() {
                            return Err(invalid());
                        }
                        entries.push(match kind.as_str() {
                            "AWS" => aws_entry(value)?,
                            "Service" => Entry::Service(value.to_owned()),
                            "Federated" => Entry::Federated(value.to_owned()),
                            "CanonicalUser" => Entry::CanonicalUser(value.to_owned()),
                            _ => return Err(PolicyError::InvalidPrincipal(format!("\"{kind}\""))),
                        });
                    }
                }
            }
            other => return Err(PolicyError::InvalidPrincipal(other.to_string())),
        }
        Ok(Self { entries })
    }

    /// The strongest way any entry matches `principal`, if any does.
    pub(crate) fn matches(&self, principal: &Principal) -> Option<PrincipalMatch> {
        self.entries
            .iter()
            .filter_map(|entry| entry_matches(entry, principal))
            .max()
    }
}

fn entry_matches(entry: &Entry, p: &Principal) -> Option<PrincipalMatch> {
    let iam = p.kind.is_iam();
    match entry {
        Entry::Anyone => Some(PrincipalMatch::Indirect),
        Entry::Account(account) if iam && p.account == *account => Some(PrincipalMatch::Account),
        Entry::Arn(arn) if iam && p.arn == *arn => Some(PrincipalMatch::Direct),
        Entry::Arn(arn) if iam && p.source_arn.as_deref() == Some(arn.as_str()) => {
            Some(PrincipalMatch::Indirect)
        }
        Entry::Service(name) if p.kind == PrincipalType::Service && p.arn.eq_ignore_ascii_case(name) => {
            Some(PrincipalMatch::Direct)
        }
        Entry::Federated(provider) if p.kind == PrincipalType::WebIdentity && p.arn == *provider => {
            Some(PrincipalMatch::Direct)
        }
        Entry::CanonicalUser(id) if p.kind == PrincipalType::CanonicalUser && p.arn == *id => {
            Some(PrincipalMatch::Direct)
        }
        _ => None,
    }
}
