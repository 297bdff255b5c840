//! The policy simulator: SimulatePrincipalPolicy and SimulateCustomPolicy answer "would this principal be
//! allowed this action on this resource?", with the statement that decided, without making the request.
//!
//! It evaluates with [`strongroom_policy::evaluate`], the function the authorizer uses, over the principal's
//! stored policies (a user's own, its groups' and attached managed policies; a role's) plus any
//! `PolicyInputList` documents, the stored permissions boundary or the `PermissionsBoundaryPolicyInputList`
//! that replaces it, and a `ResourcePolicy`. Each (action, resource) pair gets one result; the deciding
//! statement is reported as AWS does, by its policy and its start and end position in the document.

use base64::Engine as _;
use strongroom_policy::{
    ContextValue, DecisionEffect, Policy, PolicyKind, PolicySet, PolicySource, Principal as PolicyPrincipal,
    Reason, Request, RequestContext, StatementRef, evaluate,
};
use strongroom_store::StoreError;
use strongroom_types::AccountId;

use super::roles::no_such_role;
use super::{Iam, IamError, Page, max_items, user_arn};
use crate::Caller;
use crate::authz::Authorizer;

/// How many policies one `PolicyInputList` may hold (as the IAM model's list has no limit, a sane one).
const MAX_INPUT_POLICIES: usize = 100;

/// A `ContextEntries` member: a key, its values and their type (`string`, `stringList`, `numeric`, …).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContextEntry {
    pub key: String,
    pub values: Vec<String>,
    pub kind: Option<String>,
}

/// What both simulations take besides the principal.
#[derive(Debug, Clone, Default)]
pub struct Simulation {
    pub action_names: Vec<String>,
    /// `*` when empty.
    pub resource_arns: Vec<String>,
    /// Identity policies to evaluate besides (or, for SimulateCustomPolicy, instead of) stored ones.
    pub policy_input_list: Vec<String>,
    /// Replaces the principal's stored permissions boundary when not empty.
    pub permissions_boundary_policy_input_list: Vec<String>,
    pub resource_policy: Option<String>,
    /// The caller to simulate (a user ARN); by default the policy source for SimulatePrincipalPolicy.
    pub caller_arn: Option<String>,
    pub context_entries: Vec<ContextEntry>,
    pub marker: Option<String>,
    pub max_items: Option<i64>,
}

/// `EvalDecision`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvalDecision {
    Allowed,
    ExplicitDeny,
    ImplicitDeny,
}

impl EvalDecision {
    /// The wire value: `allowed`, `explicitDeny` or `implicitDeny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::ExplicitDeny => "explicitDeny",
            Self::ImplicitDeny => "implicitDeny",
        }
    }
}

/// A line and column in a policy document, both counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// A statement that decided a result (`Statement` shape).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedStatement {
    /// The policy's name, `PolicyInputList.N`, `PermissionsBoundaryPolicyInputList.N` or `ResourcePolicy`.
    pub source_policy_id: String,
    /// `user`, `group`, `role`, `user-managed`, `resource` or `none` (an input policy).
    pub source_policy_type: &'static str,
    /// Where the statement starts and ends in its policy document.
    pub start: Option<Position>,
    pub end: Option<Position>,
    /// The statement's index in its policy (from 0) and its `Sid`, for people reading the result.
    pub index: usize,
    pub sid: Option<String>,
}

/// One `EvaluationResult`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationResult {
    pub action: String,
    pub resource: String,
    pub decision: EvalDecision,
    pub matched_statements: Vec<MatchedStatement>,
    /// Whether the permissions boundary allows the request; `None` without a boundary.
    pub allowed_by_permissions_boundary: Option<bool>,
    /// One sentence saying why (not on the wire; for the CLI and logs).
    pub explanation: String,
}

/// A policy taking part in a simulation, with what is needed to report its statements.
struct Source {
    policy: Policy,
    document: String,
    id: String,
    kind: &'static str,
}

/// The policies and principal of one simulation.
struct Subject {
    principal: PolicyPrincipal,
    identity: Vec<Source>,
    boundary: Option<Source>,
}

fn invalid(message: impl Into<String>) -> IamError {
    IamError::InvalidInput {
        message: message.into(),
    }
}

/// Parses an input document of `kind`, labelled `id`; a bad one is `InvalidInput`, naming it.
fn input_source(
    document: &str,
    kind: PolicyKind,
    id: String,
    source_kind: &'static str,
) -> Result<Source, IamError> {
    if document.is_empty() || document.chars().count() > super::MAX_POLICY_DOCUMENT_CHARS {
        return Err(IamError::constraint(
            "policyInputList.member",
            "",
            "have length between 1 and 131072",
        ));
    }
    let policy = Policy::parse(document, kind)
        .map_err(|err| invalid(format!("{id} is not a valid policy: {err}")))?
        .with_label(id.clone());
    Ok(Source {
        policy,
        document: document.to_owned(),
        id,
        kind: source_kind,
    })
}

/// A stored identity policy labelled as the store labels them (`user/U/inline/P`, `group/G/inline/P`,
/// `role/R/inline/P`, `policy/P/vN`): the simulator's policy id and type for it.
fn stored_source(label: String, document: String) -> Option<Source> {
    let parts: Vec<&str> = label.split('/').collect();
    let (id, kind) = match parts.as_slice() {
        ["user", _, "inline", name] => ((*name).to_owned(), "user"),
        ["group", _, "inline", name] => ((*name).to_owned(), "group"),
        ["role", _, "inline", name] => ((*name).to_owned(), "role"),
        ["policy", name, _] => ((*name).to_owned(), "user-managed"),
        _ => (label.clone(), "none"),
    };
    // Stored policies were validated when they were put; one that no longer parses grants nothing, as in
    // the authorizer.
    let policy = Policy::parse(&document, PolicyKind::Identity)
        .ok()?
        .with_label(label);
    Some(Source {
        policy,
        document,
        id,
        kind,
    })
}

/// The value of a `ContextEntries` member as the policy engine types it.
fn context_value(entry: &ContextEntry) -> Result<ContextValue, IamError> {
    let bad = |value: &str| {
        invalid(format!(
            "The value {value} of context key {} is not of type {}.",
            entry.key,
            entry.kind.as_deref().unwrap_or("string")
        ))
    };
    let single = |values: &[String]| -> Result<String, IamError> {
        match values {
            [one] => Ok(one.clone()),
            _ => Err(invalid(format!(
                "Context key {} of a single-valued type takes exactly one value.",
                entry.key
            ))),
        }
    };
    Ok(match entry.kind.as_deref() {
        None if entry.values.len() == 1 => ContextValue::String(entry.values[0].clone()),
        None | Some("stringList" | "numericList" | "booleanList" | "ipList" | "dateList" | "binaryList") => {
            ContextValue::StringList(entry.values.clone())
        }
        Some("string" | "ip") => ContextValue::String(single(&entry.values)?),
        Some("numeric") => {
            let value = single(&entry.values)?;
            ContextValue::Number(value.trim().parse::<f64>().map_err(|_| bad(&value))?)
        }
        Some("boolean") => {
            let value = single(&entry.values)?;
            match value.to_ascii_lowercase().as_str() {
                "true" => ContextValue::Bool(true),
                "false" => ContextValue::Bool(false),
                _ => return Err(bad(&value)),
            }
        }
        Some("date") => {
            let value = single(&entry.values)?;
            let parsed = strongroom_types::OffsetDateTime::parse(
                &value,
                &time::format_description::well_known::Rfc3339,
            )
            .map_err(|_| bad(&value))?;
            ContextValue::Date(parsed)
        }
        Some("binary") => {
            let value = single(&entry.values)?;
            ContextValue::Binary(
                base64::engine::general_purpose::STANDARD
                    .decode(value.as_bytes())
                    .map_err(|_| bad(&value))?,
            )
        }
        Some(other) => {
            return Err(IamError::constraint(
                "contextEntries.member.contextKeyType",
                other,
                "satisfy enum value set: [string, stringList, numeric, numericList, boolean, booleanList, \
                 ip, ipList, binary, binaryList, date, dateList]",
            ));
        }
    })
}

/// The start and end (inclusive) byte offsets of each statement of a policy document's top-level
/// `Statement` member (one span when it is an object); empty when the text is not shaped as expected.
pub(crate) fn statement_spans(document: &str) -> Vec<(usize, usize)> {
    let bytes = document.as_bytes();
    let mut scanner = Scanner { bytes, at: 0 };
    scanner.spans_of_statement().unwrap_or_default()
}

/// A minimal JSON scanner that finds where values start and end without building them.
struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Scanner<'_> {
    fn skip_whitespace(&mut self) {
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.skip_whitespace();
        (self.bytes.get(self.at) == Some(&byte)).then(|| self.at += 1)
    }

    /// A string starting at the cursor; returns its raw content (escapes left as they are).
    fn string(&mut self) -> Option<&[u8]> {
        self.eat(b'"')?;
        let start = self.at;
        loop {
            match self.bytes.get(self.at)? {
                b'\\' => self.at += 2,
                b'"' => {
                    self.at += 1;
                    return self.bytes.get(start..self.at - 1);
                }
                _ => self.at += 1,
            }
        }
    }

    /// Skips one value; returns the offsets of its first and last byte.
    fn value(&mut self) -> Option<(usize, usize)> {
        self.skip_whitespace();
        let start = self.at;
        match self.bytes.get(self.at)? {
            b'"' => {
                self.string()?;
            }
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.bytes.get(self.at)? {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.at += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    self.at += 1;
                }
            }
            _ => {
                while self
                    .bytes
                    .get(self.at)
                    .is_some_and(|b| !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace())
                {
                    self.at += 1;
                }
            }
        }
        (self.at > start).then(|| (start, self.at - 1))
    }

    fn spans_of_statement(&mut self) -> Option<Vec<(usize, usize)>> {
        self.eat(b'{')?;
        loop {
            let key = self.string()?.to_vec();
            self.eat(b':')?;
            if key == b"Statement" {
                self.skip_whitespace();
                if self.bytes.get(self.at) == Some(&b'[') {
                    self.at += 1;
                    let mut spans = Vec::new();
                    if self.eat(b']').is_some() {
                        return Some(spans);
                    }
                    loop {
                        spans.push(self.value()?);
                        if self.eat(b',').is_none() {
                            self.eat(b']')?;
                            return Some(spans);
                        }
                    }
                }
                return Some(vec![self.value()?]);
            }
            self.value()?;
            self.eat(b',')?;
        }
    }
}

/// The line and column (from 1, in characters) of byte `offset` of `text`.
fn position(text: &str, offset: usize) -> Position {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    Position {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column).unwrap_or(u32::MAX),
    }
}

fn matched(sources: &[&Source], statement: &StatementRef) -> MatchedStatement {
    let source = sources.iter().find(|s| s.policy.label() == &*statement.label);
    let span = source.and_then(|s| {
        statement_spans(&s.document)
            .get(statement.index)
            .map(|&(start, end)| (position(&s.document, start), position(&s.document, end)))
    });
    MatchedStatement {
        source_policy_id: source.map_or_else(|| statement.label.to_string(), |s| s.id.clone()),
        source_policy_type: source.map_or("none", |s| s.kind),
        start: span.map(|(start, _)| start),
        end: span.map(|(_, end)| end),
        index: statement.index,
        sid: statement.sid.as_deref().map(str::to_owned),
    }
}

/// The principal a user ARN names: `arn:aws:iam::ACCOUNT:user{path}{name}`.
fn user_principal_from_arn(arn: &str) -> Option<PolicyPrincipal> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let resource = resource.strip_prefix("user")?;
    let name = &resource[resource.rfind('/')? + 1..];
    if name.is_empty() || account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut principal = PolicyPrincipal::user(account, name);
    principal.arn = arn.to_owned();
    Some(principal)
}

impl Iam {
    /// SimulatePrincipalPolicy: simulates the user or role `policy_source_arn` of the caller's account.
    /// Authorizes `iam:SimulatePrincipalPolicy` on that ARN.
    pub async fn simulate_principal_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        policy_source_arn: &str,
        simulation: Simulation,
    ) -> Result<Page<EvaluationResult>, IamError> {
        if policy_source_arn.len() < 20 || policy_source_arn.len() > 2048 {
            return Err(IamError::constraint(
                "policySourceArn",
                policy_source_arn,
                "have length between 20 and 2048",
            ));
        }
        Self::authorize(authz, caller, "iam:SimulatePrincipalPolicy", policy_source_arn)?;
        let account = caller.account();
        let subject = self.subject(account, policy_source_arn).await?;
        self.simulate(subject, simulation)
    }

    /// SimulateCustomPolicy: simulates only the given policies, for `CallerArn` (a user ARN) if given.
    /// Authorizes `iam:SimulateCustomPolicy` on `*`.
    pub async fn simulate_custom_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        simulation: Simulation,
    ) -> Result<Page<EvaluationResult>, IamError> {
        if simulation.policy_input_list.is_empty() {
            return Err(IamError::constraint("policyInputList", "[]", "not be null"));
        }
        Self::authorize(authz, caller, "iam:SimulateCustomPolicy", "*")?;
        let account = caller.account();
        let principal = match simulation.caller_arn.as_deref() {
            Some(arn) => user_principal_from_arn(arn).ok_or_else(|| {
                invalid(format!(
                    "Invalid CallerArn {arn}: it must be the ARN of an IAM user."
                ))
            })?,
            None => {
                let mut principal = PolicyPrincipal::anonymous();
                principal.account = account.as_str().to_owned();
                principal
            }
        };
        let subject = Subject {
            principal,
            identity: Vec::new(),
            boundary: None,
        };
        self.simulate(subject, simulation)
    }

    /// The principal `arn` names and its stored policies.
    async fn subject(&self, account: &AccountId, arn: &str) -> Result<Subject, IamError> {
        let no_such = || IamError::NoSuchEntity {
            message: format!("The principal {arn} cannot be found."),
        };
        let rest = arn
            .strip_prefix("arn:aws:iam::")
            .ok_or_else(|| invalid(format!("ARN {arn} is not valid.")))?;
        let (arn_account, resource) = rest
            .split_once(':')
            .ok_or_else(|| invalid(format!("ARN {arn} is not valid.")))?;
        let name = resource.rsplit('/').next().unwrap_or_default();
        if arn_account != account.as_str() {
            return Err(no_such());
        }
        if resource.starts_with("user/") {
            let user = self.load_user(account, name).await?.ok_or_else(no_such)?;
            if user_arn(account, &user.path, &user.name) != arn {
                return Err(no_such());
            }
            let documents = match self
                .store
                .user_identity_policy_documents(account, &user.name)
                .await
            {
                Ok(documents) => documents,
                Err(StoreError::NotFound) => return Err(no_such()),
                Err(err) => return Err(IamError::store("reading user policies")(err)),
            };
            let mut principal = PolicyPrincipal::user(account.as_str(), &user.name);
            principal.arn = arn.to_owned();
            principal.user_id = Some(user.user_id.clone());
            principal.tags = user
                .tags
                .iter()
                .map(|t| (t.key.clone(), t.value.clone()))
                .collect();
            let boundary = self
                .stored_boundary(account, user.permissions_boundary.as_deref())
                .await?;
            Ok(Subject {
                principal,
                identity: documents
                    .into_iter()
                    .filter_map(|(label, document)| stored_source(label, document))
                    .collect(),
                boundary,
            })
        } else if resource.starts_with("role/") {
            let role = self
                .store
                .iam_role(account, name)
                .await
                .map_err(IamError::store("reading an IAM role"))?
                .filter(|r| super::role_arn(account, &r.path, &r.name) == arn)
                .ok_or_else(no_such)?;
            let documents = match self
                .store
                .role_identity_policy_documents(account, &role.name)
                .await
            {
                Ok(documents) => documents,
                Err(StoreError::NotFound) => return Err(no_such_role(name)),
                Err(err) => return Err(IamError::store("reading role policies")(err)),
            };
            let mut principal = PolicyPrincipal::assumed_role(account.as_str(), &role.name, "simulation");
            principal.source_arn = Some(arn.to_owned());
            principal.tags = role
                .tags
                .iter()
                .map(|t| (t.key.clone(), t.value.clone()))
                .collect();
            let boundary = self
                .stored_boundary(account, role.permissions_boundary.as_deref())
                .await?;
            Ok(Subject {
                principal,
                identity: documents
                    .into_iter()
                    .filter_map(|(label, document)| stored_source(label, document))
                    .collect(),
                boundary,
            })
        } else {
            Err(invalid(format!(
                "ARN {arn} is not valid: the policy source must be an IAM user or role."
            )))
        }
    }

    async fn stored_boundary(
        &self,
        account: &AccountId,
        arn: Option<&str>,
    ) -> Result<Option<Source>, IamError> {
        let Some(arn) = arn else {
            return Ok(None);
        };
        Ok(self
            .boundary_document(account, arn)
            .await?
            .and_then(|(label, document)| {
                let mut source = stored_source(label, document)?;
                source.id = arn.rsplit('/').next().unwrap_or(arn).to_owned();
                Some(source)
            }))
    }

    fn simulate(
        &self,
        mut subject: Subject,
        simulation: Simulation,
    ) -> Result<Page<EvaluationResult>, IamError> {
        let limit = max_items(simulation.max_items)? as usize;
        if simulation.action_names.is_empty() {
            return Err(IamError::constraint("actionNames", "[]", "not be null"));
        }
        for action in &simulation.action_names {
            if action.len() < 3 || action.len() > 128 {
                return Err(IamError::constraint(
                    "actionNames.member",
                    action,
                    "have length between 3 and 128",
                ));
            }
        }
        if simulation.policy_input_list.len() > MAX_INPUT_POLICIES {
            return Err(invalid(format!(
                "PolicyInputList may hold at most {MAX_INPUT_POLICIES} policies."
            )));
        }
        for (i, document) in simulation.policy_input_list.iter().enumerate() {
            subject.identity.push(input_source(
                document,
                PolicyKind::Identity,
                format!("PolicyInputList.{}", i + 1),
                "none",
            )?);
        }
        match simulation.permissions_boundary_policy_input_list.as_slice() {
            [] => {}
            [document] => {
                subject.boundary = Some(input_source(
                    document,
                    PolicyKind::Identity,
                    "PermissionsBoundaryPolicyInputList.1".to_owned(),
                    "none",
                )?);
            }
            _ => {
                return Err(invalid(
                    "PermissionsBoundaryPolicyInputList takes at most one policy.",
                ));
            }
        }
        let resource_policy = simulation
            .resource_policy
            .as_deref()
            .map(|document| {
                input_source(
                    document,
                    PolicyKind::Resource,
                    "ResourcePolicy".to_owned(),
                    "resource",
                )
            })
            .transpose()?;
        let mut context_values = Vec::with_capacity(simulation.context_entries.len());
        for entry in &simulation.context_entries {
            if entry.key.is_empty() || entry.key.len() > 256 {
                return Err(IamError::constraint(
                    "contextEntries.member.contextKeyName",
                    &entry.key,
                    "have length between 5 and 256",
                ));
            }
            context_values.push((entry.key.as_str(), context_value(entry)?));
        }
        let resources = if simulation.resource_arns.is_empty() {
            vec!["*".to_owned()]
        } else {
            simulation.resource_arns.clone()
        };

        let identity: Vec<Policy> = subject.identity.iter().map(|s| s.policy.clone()).collect();
        let boundary = subject.boundary.as_ref().map(|s| &s.policy);
        let mut sources: Vec<&Source> = subject.identity.iter().collect();
        sources.extend(subject.boundary.as_ref());
        sources.extend(resource_policy.as_ref());
        let now = self.clock.now();

        let mut results = Vec::new();
        for action in &simulation.action_names {
            for resource in &resources {
                let mut context =
                    RequestContext::new(subject.principal.clone(), action.as_str(), resource.as_str(), now);
                for (key, value) in &context_values {
                    context.set(key, value.clone());
                }
                let decision = evaluate(&Request {
                    context: &context,
                    policies: PolicySet {
                        identity: &identity,
                        resource: resource_policy.as_ref().map(|s| &s.policy),
                        boundary,
                        session: &[],
                    },
                });
                let effect = match decision.effect {
                    DecisionEffect::Allow => EvalDecision::Allowed,
                    DecisionEffect::ExplicitDeny => EvalDecision::ExplicitDeny,
                    DecisionEffect::ImplicitDeny => EvalDecision::ImplicitDeny,
                };
                let allowed_by_permissions_boundary = boundary.map(|boundary| match &decision.reason {
                    Reason::BoundaryDoesNotAllow { .. } => false,
                    Reason::ExplicitDeny => decision
                        .deciding
                        .as_ref()
                        .is_none_or(|d| d.source != PolicySource::Boundary),
                    Reason::NoAllow => {
                        // Nothing granted, so the boundary was not consulted: ask it on its own.
                        evaluate(&Request {
                            context: &context,
                            policies: PolicySet {
                                identity: std::slice::from_ref(boundary),
                                ..PolicySet::default()
                            },
                        })
                        .is_allowed()
                    }
                    _ => true,
                });
                results.push(EvaluationResult {
                    action: action.clone(),
                    resource: resource.clone(),
                    decision: effect,
                    matched_statements: decision
                        .deciding
                        .iter()
                        .map(|statement| matched(&sources, statement))
                        .collect(),
                    allowed_by_permissions_boundary,
                    explanation: decision.explain(),
                });
            }
        }
        let start = match simulation.marker.as_deref() {
            None => 0,
            Some(marker) => marker
                .parse::<usize>()
                .ok()
                .filter(|&m| m <= results.len())
                .ok_or_else(|| invalid("Invalid Marker."))?,
        };
        let items: Vec<EvaluationResult> = results.iter().skip(start).take(limit).cloned().collect();
        let end = start + items.len();
        let marker = (end < results.len()).then(|| end.to_string());
        Ok(Page { items, marker })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_spans_cover_each_statement() {
        let document = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Sid\": \"a\", \"Effect\": \"Allow\"},\n    {\"Sid\": \"b]\", \"Effect\": \"Deny\"}\n  ]\n}";
        let spans = statement_spans(document);
        assert_eq!(spans.len(), 2);
        assert_eq!(
            &document[spans[0].0..=spans[0].1],
            "{\"Sid\": \"a\", \"Effect\": \"Allow\"}"
        );
        assert_eq!(
            &document[spans[1].0..=spans[1].1],
            "{\"Sid\": \"b]\", \"Effect\": \"Deny\"}"
        );
        assert_eq!(position(document, spans[1].0), Position { line: 5, column: 5 });
        assert_eq!(position(document, spans[1].1), Position { line: 5, column: 35 });

        let single = r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"},"Version":"2012-10-17"}"#;
        let spans = statement_spans(single);
        assert_eq!(spans.len(), 1);
        assert_eq!(
            &single[spans[0].0..=spans[0].1],
            r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#
        );
        for broken in [
            "",
            "[]",
            "{\"Statement\":",
            "{\"a\":1}",
            "{\"Statement\":[{\"x\":\"\\\"}",
        ] {
            assert!(statement_spans(broken).is_empty(), "{broken}");
        }
    }

    #[test]
    fn context_entries_take_the_engine_types() {
        let entry = |kind: Option<&str>, values: &[&str]| ContextEntry {
            key: "aws:x".to_owned(),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
            kind: kind.map(str::to_owned),
        };
        let cases: Vec<(ContextEntry, Option<ContextValue>)> = vec![
            (entry(None, &["a"]), Some(ContextValue::String("a".into()))),
            (
                entry(None, &["a", "b"]),
                Some(ContextValue::StringList(vec!["a".into(), "b".into()])),
            ),
            (
                entry(Some("string"), &["a"]),
                Some(ContextValue::String("a".into())),
            ),
            (entry(Some("string"), &["a", "b"]), None),
            (
                entry(Some("stringList"), &["a"]),
                Some(ContextValue::StringList(vec!["a".into()])),
            ),
            (entry(Some("numeric"), &["1.5"]), Some(ContextValue::Number(1.5))),
            (entry(Some("numeric"), &["x"]), None),
            (entry(Some("boolean"), &["TRUE"]), Some(ContextValue::Bool(true))),
            (entry(Some("boolean"), &["yes"]), None),
            (
                entry(Some("binary"), &["AQI="]),
                Some(ContextValue::Binary(vec![1, 2])),
            ),
            (
                entry(Some("ip"), &["10.0.0.1"]),
                Some(ContextValue::String("10.0.0.1".into())),
            ),
            (entry(Some("date"), &["not a date"]), None),
            (entry(Some("colour"), &["red"]), None),
        ];
        for (entry, expected) in cases {
            assert_eq!(context_value(&entry).ok(), expected, "{entry:?}");
        }
        assert!(matches!(
            context_value(&entry(Some("date"), &["2026-01-02T03:04:05Z"])),
            Ok(ContextValue::Date(_))
        ));
    }

    #[test]
    fn stored_labels_name_the_policy_and_its_type() {
        let allow = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
        for (label, id, kind) in [
            ("user/alice/inline/keys", "keys", "user"),
            ("group/devs/inline/read", "read", "group"),
            ("role/deploy/inline/ship", "ship", "role"),
            ("policy/Shared/v3", "Shared", "user-managed"),
        ] {
            let source = stored_source(label.to_owned(), allow.to_owned()).unwrap();
            assert_eq!((source.id.as_str(), source.kind), (id, kind));
        }
        assert!(stored_source("user/a/inline/b".to_owned(), "{".to_owned()).is_none());
    }
}
