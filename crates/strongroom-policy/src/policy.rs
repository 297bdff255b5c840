//! Policy documents: the grammar, its validation, and the pre-compiled form the evaluator walks.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::{Map, Value as Json};

use crate::condition::{Condition, parse_conditions};
use crate::context::RequestContext;
use crate::error::PolicyError;
use crate::glob::{Case, Pattern};
use crate::principal::{PrincipalMatch, PrincipalSet};
use crate::template::Template;

/// Where a policy is attached, which decides what it may and must contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// Attached to a user, group or role (inline or managed). No `Principal`; `Resource` required.
    Identity,
    /// Attached to a resource (a secret, a key). `Principal` and `Resource` required.
    Resource,
    /// A role's trust policy. `Principal` required; `Resource` prohibited (the resource is the role).
    Trust,
    /// Passed when a session is created. Like `Identity`.
    Session,
    /// A permissions boundary. Like `Identity`.
    Boundary,
}

impl PolicyKind {
    fn has_principal(self) -> bool {
        matches!(self, Self::Resource | Self::Trust)
    }
}

/// The policy language version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// `2008-10-17`, also what an absent `Version` means: policy variables are literal text.
    V2008_10_17,
    /// `2012-10-17`: policy variables are substituted.
    V2012_10_17,
}

/// A statement's effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq)]
struct PrincipalClause {
    set: PrincipalSet,
    negated: bool,
}

/// One parsed, compiled statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    sid: Option<Arc<str>>,
    effect: Effect,
    principal: Option<PrincipalClause>,
    /// Lowercased, matched ignoring ASCII case.
    actions: Vec<Pattern>,
    not_action: bool,
    /// `None` only in trust policies: the statement applies to the role it is attached to.
    resources: Option<Vec<Template>>,
    not_resource: bool,
    conditions: Vec<Condition>,
}

impl Statement {
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }

    pub(crate) fn sid_arc(&self) -> Option<Arc<str>> {
        self.sid.as_ref().map(Arc::clone)
    }

    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// Whether the statement allows something to every principal, anonymous callers included, with no
    /// condition to narrow it: what Secrets Manager's `BlockPublicPolicy` refuses.
    pub fn grants_public_access(&self) -> bool {
        if self.effect != Effect::Allow || !self.conditions.is_empty() {
            return false;
        }
        match &self.principal {
            Some(PrincipalClause { set, negated: false }) => set.includes_anyone(),
            // Allow with NotPrincipal grants everyone but the few it names.
            Some(PrincipalClause { negated: true, .. }) => true,
            None => false,
        }
    }

    /// Whether the statement applies to the request and, if so, how its principal element matched
    /// (`Direct` when it has none).
    pub(crate) fn applies(&self, ctx: &RequestContext) -> Option<PrincipalMatch> {
        let action = self.actions.iter().any(|p| p.matches(&ctx.action));
        if action == self.not_action {
            return None;
        }
        if let Some(resources) = &self.resources {
            let resource = resources.iter().any(|t| t.matches(&ctx.resource, ctx));
            if resource == self.not_resource {
                return None;
            }
        }
        let matched = match &self.principal {
            None => PrincipalMatch::Direct,
            Some(PrincipalClause { set, negated: false }) => set.matches(&ctx.principal)?,
            Some(PrincipalClause { set, negated: true }) => match set.matches(&ctx.principal) {
                Some(_) => return None,
                None => PrincipalMatch::Indirect,
            },
        };
        self.conditions.iter().all(|c| c.holds(ctx)).then_some(matched)
    }
}

/// A parsed and validated policy document, compiled for evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    label: Arc<str>,
    kind: PolicyKind,
    version: Version,
    id: Option<String>,
    statements: Vec<Statement>,
}

impl Policy {
    /// Parses and validates a policy document. Its label (reported in decisions) is its `Id`, or empty;
    /// set one with [`Policy::with_label`].
    pub fn parse(text: &str, kind: PolicyKind) -> Result<Self, PolicyError> {
        let json: Json = serde_json::from_str(text).map_err(|e| PolicyError::syntax(e.to_string()))?;
        Self::from_json(&json, kind)
    }

    /// Like [`Policy::parse`], from an already-decoded JSON value.
    pub fn from_json(json: &Json, kind: PolicyKind) -> Result<Self, PolicyError> {
        let Json::Object(doc) = json else {
            return Err(PolicyError::syntax("a policy must be a JSON object"));
        };
        if let Some(key) = doc
            .keys()
            .find(|k| !matches!(k.as_str(), "Version" | "Id" | "Statement"))
        {
            return Err(PolicyError::syntax(format!("unknown policy element {key}")));
        }
        let version = match doc.get("Version") {
            None => Version::V2008_10_17,
            Some(Json::String(v)) if v == "2012-10-17" => Version::V2012_10_17,
            Some(Json::String(v)) if v == "2008-10-17" => Version::V2008_10_17,
            Some(Json::String(_)) => return Err(PolicyError::InvalidVersion),
            Some(_) => return Err(PolicyError::syntax("Version must be a string")),
        };
        let id = match doc.get("Id") {
            None => None,
            Some(Json::String(id)) => Some(id.clone()),
            Some(_) => return Err(PolicyError::syntax("Id must be a string")),
        };
        let items: Vec<&Map<String, Json>> = match doc.get("Statement") {
            Some(Json::Object(one)) => vec![one],
            Some(Json::Array(list)) => list
                .iter()
                .map(Json::as_object)
                .collect::<Option<_>>()
                .ok_or_else(|| PolicyError::syntax("each statement must be an object"))?,
            Some(_) => return Err(PolicyError::syntax("Statement must be an object or a list")),
            None => return Err(PolicyError::syntax("missing Statement")),
        };
        let substitute = version == Version::V2012_10_17;
        let mut statements = Vec::with_capacity(items.len());
        let mut sids = HashSet::new();
        for item in items {
            let statement = parse_statement(item, kind, substitute)?;
            if let Some(sid) = statement.sid()
                && !sid.is_empty()
                && !sids.insert(sid.to_owned())
            {
                return Err(PolicyError::DuplicateSid(sid.to_owned()));
            }
            statements.push(statement);
        }
        let label: Arc<str> = id.as_deref().unwrap_or("").into();
        Ok(Self {
            label,
            kind,
            version,
            id,
            statements,
        })
    }

    /// Names the policy in decisions (e.g. `user/Alice/inline/keys` or a managed policy ARN).
    #[must_use]
    pub fn with_label(mut self, label: impl Into<Arc<str>>) -> Self {
        self.label = label.into();
        self
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    pub(crate) fn label_arc(&self) -> Arc<str> {
        Arc::clone(&self.label)
    }

    pub fn kind(&self) -> PolicyKind {
        self.kind
    }

    pub fn version(&self) -> Version {
        self.version
    }

    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }
}

const STATEMENT_KEYS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

fn string_list<'a>(json: &'a Json, what: &str) -> Result<Vec<&'a str>, PolicyError> {
    match json {
        Json::String(s) => Ok(vec![s.as_str()]),
        Json::Array(items) => items
            .iter()
            .map(Json::as_str)
            .collect::<Option<_>>()
            .ok_or_else(|| PolicyError::syntax(format!("{what} must be strings"))),
        _ => Err(PolicyError::syntax(format!(
            "{what} must be a string or a list of strings"
        ))),
    }
}

/// The one of `positive`/`negative` present in the statement, and whether it is the negative one.
fn one_of<'a>(
    stmt: &'a Map<String, Json>,
    positive: &str,
    negative: &str,
) -> Result<Option<(&'a Json, bool)>, PolicyError> {
    match (stmt.get(positive), stmt.get(negative)) {
        (Some(_), Some(_)) => Err(PolicyError::syntax(format!("both {positive} and {negative}"))),
        (Some(json), None) => Ok(Some((json, false))),
        (None, Some(json)) => Ok(Some((json, true))),
        (None, None) => Ok(None),
    }
}

/// `arn:partition:service:region:account:resource`, or fewer parts when a wildcard covers the rest
/// (`arn:aws:kms:*`).
fn is_arn_shaped(text: &str) -> bool {
    text.starts_with("arn:") && (text.matches(':').count() >= 5 || text.contains('*'))
}

fn parse_statement(
    stmt: &Map<String, Json>,
    kind: PolicyKind,
    substitute: bool,
) -> Result<Statement, PolicyError> {
    if let Some(key) = stmt.keys().find(|k| !STATEMENT_KEYS.contains(&k.as_str())) {
        return Err(PolicyError::syntax(format!("unknown statement element {key}")));
    }
    let sid = match stmt.get("Sid") {
        None => None,
        Some(Json::String(sid)) => {
            let identity_like = !kind.has_principal();
            if identity_like && !sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(PolicyError::InvalidSid(sid.clone()));
            }
            Some(Arc::from(sid.as_str()))
        }
        Some(_) => return Err(PolicyError::syntax("Sid must be a string")),
    };
    let effect = match stmt.get("Effect") {
        None => return Err(PolicyError::MissingField("Effect")),
        Some(Json::String(e)) if e == "Allow" => Effect::Allow,
        Some(Json::String(e)) if e == "Deny" => Effect::Deny,
        Some(Json::String(e)) => return Err(PolicyError::InvalidEffect(e.clone())),
        Some(_) => return Err(PolicyError::syntax("Effect must be a string")),
    };
    let principal = match one_of(stmt, "Principal", "NotPrincipal")? {
        Some(_) if !kind.has_principal() => return Err(PolicyError::UnexpectedPrincipal),
        Some((json, negated)) => Some(PrincipalClause {
            set: PrincipalSet::parse(json)?,
            negated,
        }),
        None if kind.has_principal() => return Err(PolicyError::MissingField("Principal")),
        None => None,
    };
    let (actions, not_action) = match one_of(stmt, "Action", "NotAction")? {
        Some((json, negated)) => {
            let list = string_list(json, "Action")?;
            if list.is_empty() {
                return Err(PolicyError::MissingActions);
            }
            let mut patterns = Vec::with_capacity(list.len());
            for action in list {
                let vendor_ok = action == "*" || action.split_once(':').is_some_and(|(v, _)| !v.is_empty());
                if !vendor_ok {
                    return Err(PolicyError::MissingVendor(action.to_owned()));
                }
                // Variables in actions are not substituted: the text is literal (with its wildcards).
                patterns.push(Pattern::parse(action, Case::AsciiInsensitive));
            }
            (patterns, negated)
        }
        None => return Err(PolicyError::MissingActions),
    };
    let (resources, not_resource) = match one_of(stmt, "Resource", "NotResource")? {
        Some(_) if kind == PolicyKind::Trust => {
            let field = if stmt.contains_key("Resource") {
                "Resource"
            } else {
                "NotResource"
            };
            return Err(PolicyError::ProhibitedField(field));
        }
        Some((json, negated)) => {
            let list = string_list(json, "Resource")?;
            if list.is_empty() {
                return Err(PolicyError::MissingResources);
            }
            let mut templates = Vec::with_capacity(list.len());
            for resource in list {
                if resource != "*" && !is_arn_shaped(resource) {
                    return Err(PolicyError::InvalidResource(resource.to_owned()));
                }
                templates.push(Template::parse(resource, substitute));
            }
            (Some(templates), negated)
        }
        None if kind == PolicyKind::Trust => (None, false),
        None => return Err(PolicyError::MissingResources),
    };
    let conditions = match stmt.get("Condition") {
        Some(json) => parse_conditions(json, substitute)?,
        None => Vec::new(),
    };
    Ok(Statement {
        sid,
        effect,
        principal,
        actions,
        not_action,
        resources,
        not_resource,
        conditions,
    })
}

#[cfg(test)]
mod public_access_tests {
    use crate::{Policy, PolicyKind};

    fn public(statement: &str) -> bool {
        let doc = format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#);
        let policy = Policy::parse(&doc, PolicyKind::Resource).unwrap();
        policy.statements().iter().any(|s| s.grants_public_access())
    }

    #[test]
    fn finds_unconditioned_grants_to_everyone() {
        assert!(public(
            r#"{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}"#
        ));
        assert!(public(
            r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Resource":"*"}"#
        ));
        assert!(public(
            r#"{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"*","Resource":"*"}"#
        ));
        assert!(!public(
            r#"{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}"#
        ));
        assert!(!public(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"*","Resource":"*"}"#
        ));
        assert!(!public(
            r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}}"#
        ));
    }
}
