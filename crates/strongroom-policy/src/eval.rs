//! Evaluation: combine identity policies, a resource policy, a permissions boundary and session policies into
//! one decision, following AWS's documented logic for requests within a single account.

use std::fmt;
use std::sync::Arc;

use crate::context::RequestContext;
use crate::policy::{Effect, Policy};
use crate::principal::PrincipalMatch;

/// Where in the request's policy set a policy sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicySource {
    Identity,
    Resource,
    Boundary,
    Session,
}

impl PolicySource {
    fn describe(self) -> &'static str {
        match self {
            Self::Identity => "identity policy",
            Self::Resource => "resource policy",
            Self::Boundary => "permissions boundary",
            Self::Session => "session policy",
        }
    }
}

/// The statement that decided a request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatementRef {
    /// The policy's label (see [`Policy::with_label`]).
    pub label: Arc<str>,
    pub source: PolicySource,
    /// Zero-based index of the statement in its policy.
    pub index: usize,
    pub sid: Option<Arc<str>>,
}

impl fmt::Display for StatementRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "statement {}", self.index)?;
        if let Some(sid) = &self.sid {
            write!(f, " (Sid \"{sid}\")")?;
        }
        write!(f, " of {} \"{}\"", self.source.describe(), self.label)
    }
}

/// The outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecisionEffect {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

/// Why the decision came out as it did; [`Decision::explain`] renders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// A `Deny` statement matched (`deciding`).
    ExplicitDeny,
    /// An identity-policy statement allowed, and boundary and session policies (if any) allowed too.
    IdentityAllow,
    /// A resource-policy statement allowed without naming the caller itself (`*`, the session's role); the
    /// boundary and session policies (if any) allowed too.
    ResourceAllow,
    /// A resource-policy statement named the caller's own ARN: boundaries and session policies do not limit it.
    ResourceAllowDirect,
    /// Nothing allowed the request.
    NoAllow,
    /// `granted_by` allowed it, but the permissions boundary did not.
    BoundaryDoesNotAllow { granted_by: StatementRef },
    /// `granted_by` allowed it, but no session policy did.
    SessionDoesNotAllow { granted_by: StatementRef },
    /// The account's root user, which needs no policy in its own account (decided by the caller of the
    /// engine, which knows whose account the resource is in).
    RootUser,
}

/// An authorization decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub effect: DecisionEffect,
    /// The deny that matched, or the allow that granted; `None` for an implicit deny.
    pub deciding: Option<StatementRef>,
    pub reason: Reason,
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        self.effect == DecisionEffect::Allow
    }

    /// One sentence saying why, for simulators and audit logs.
    pub fn explain(&self) -> String {
        let by = |d: &Option<StatementRef>| {
            d.as_ref()
                .map_or_else(|| "a statement".to_owned(), |s| s.to_string())
        };
        match &self.reason {
            Reason::ExplicitDeny => format!("Explicitly denied by {}.", by(&self.deciding)),
            Reason::IdentityAllow | Reason::ResourceAllow => format!("Allowed by {}.", by(&self.deciding)),
            Reason::ResourceAllowDirect => format!(
                "Allowed by {}, which names the caller directly, so permissions boundaries and session policies do not limit it.",
                by(&self.deciding)
            ),
            Reason::NoAllow => {
                "Implicitly denied: no statement in any applicable policy allows the request.".to_owned()
            }
            Reason::BoundaryDoesNotAllow { granted_by } => format!(
                "Implicitly denied: {granted_by} allows the request, but the permissions boundary does not."
            ),
            Reason::SessionDoesNotAllow { granted_by } => {
                format!("Implicitly denied: {granted_by} allows the request, but no session policy does.")
            }
            Reason::RootUser => {
                "Allowed: the account's root user may do everything in its own account.".to_owned()
            }
        }
    }
}

/// The policies that apply to one request.
///
/// * `identity`: the principal's inline and attached policies, and its groups' (for a role session, the
///   role's).
/// * `resource`: the resource's policy, or for `sts:AssumeRole` the role's trust policy.
/// * `boundary`: the principal's permissions boundary.
/// * `session`: the session policies passed when the session was made; empty means none.
#[derive(Debug, Clone, Copy, Default)]
pub struct PolicySet<'a> {
    pub identity: &'a [Policy],
    pub resource: Option<&'a Policy>,
    pub boundary: Option<&'a Policy>,
    pub session: &'a [Policy],
}

/// One request to authorize.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub context: &'a RequestContext,
    pub policies: PolicySet<'a>,
}

fn statement_ref(policy: &Policy, source: PolicySource, index: usize) -> StatementRef {
    let sid = policy.statements().get(index).and_then(|s| s.sid_arc());
    StatementRef {
        label: policy.label_arc(),
        source,
        index,
        sid,
    }
}

/// The first statement of `effect` in `policies` that applies, with how its principal matched. For an
/// allow, the strongest principal match wins (a direct grant over an indirect one).
fn find<'p>(
    policies: impl IntoIterator<Item = &'p Policy>,
    source: PolicySource,
    effect: Effect,
    ctx: &RequestContext,
) -> Option<(StatementRef, PrincipalMatch)> {
    let mut best: Option<(StatementRef, PrincipalMatch)> = None;
    for policy in policies {
        for (index, statement) in policy.statements().iter().enumerate() {
            if statement.effect() != effect {
                continue;
            }
            let Some(matched) = statement.applies(ctx) else {
                continue;
            };
            if effect == Effect::Deny || matched == PrincipalMatch::Direct {
                return Some((statement_ref(policy, source, index), matched));
            }
            if best.as_ref().is_none_or(|(_, m)| matched > *m) {
                best = Some((statement_ref(policy, source, index), matched));
            }
        }
    }
    best
}

fn allows<'p>(
    policies: impl IntoIterator<Item = &'p Policy>,
    source: PolicySource,
    ctx: &RequestContext,
) -> bool {
    find(policies, source, Effect::Allow, ctx).is_some()
}

/// Decides one request.
///
/// 1. A `Deny` statement that applies in any of the policies (a resource policy's only if its principal
///    element matches the caller) → `ExplicitDeny`.
/// 2. A resource-policy `Allow` naming the caller's own ARN (user, role session or federated user session
///    ARN) → `Allow`: within one account neither boundary nor session policies limit it.
/// 3. Otherwise an identity-policy `Allow`, or a resource-policy `Allow` matching the caller through `*`,
///    the session's role ARN or a `NotPrincipal`, is needed; then, if there is a boundary, a boundary
///    `Allow`, and if there are session policies, a session-policy `Allow`. A resource-policy statement
///    naming only the caller's account grants nothing by itself: it delegates to identity policies.
///
/// The engine evaluates within one account. The caller must short-circuit the account's root user (allowed
/// unless a resource policy denies it), and must not use it alone for cross-account requests (which need
/// both an identity and a resource allow). Organization SCPs/RCPs are not modelled.
pub fn evaluate(request: &Request<'_>) -> Decision {
    let ctx = request.context;
    let set = &request.policies;

    let deny = find(set.identity, PolicySource::Identity, Effect::Deny, ctx)
        .or_else(|| find(set.resource, PolicySource::Resource, Effect::Deny, ctx))
        .or_else(|| find(set.boundary, PolicySource::Boundary, Effect::Deny, ctx))
        .or_else(|| find(set.session, PolicySource::Session, Effect::Deny, ctx));
    if let Some((deny, _)) = deny {
        return Decision {
            effect: DecisionEffect::ExplicitDeny,
            deciding: Some(deny),
            reason: Reason::ExplicitDeny,
        };
    }

    let resource_allow = find(set.resource, PolicySource::Resource, Effect::Allow, ctx);
    let granted = match resource_allow {
        Some((statement, PrincipalMatch::Direct)) => {
            return Decision {
                effect: DecisionEffect::Allow,
                deciding: Some(statement),
                reason: Reason::ResourceAllowDirect,
            };
        }
        Some((statement, PrincipalMatch::Indirect)) => {
            // An identity allow is reported in preference, being the more usual grant.
            match find(set.identity, PolicySource::Identity, Effect::Allow, ctx) {
                Some((id_statement, _)) => Some((id_statement, Reason::IdentityAllow)),
                None => Some((statement, Reason::ResourceAllow)),
            }
        }
        Some((_, PrincipalMatch::Account)) | None => {
            find(set.identity, PolicySource::Identity, Effect::Allow, ctx)
                .map(|(s, _)| (s, Reason::IdentityAllow))
        }
    };
    let Some((granted_by, reason)) = granted else {
        return Decision {
            effect: DecisionEffect::ImplicitDeny,
            deciding: None,
            reason: Reason::NoAllow,
        };
    };
    if set.boundary.is_some() && !allows(set.boundary, PolicySource::Boundary, ctx) {
        return Decision {
            effect: DecisionEffect::ImplicitDeny,
            deciding: None,
            reason: Reason::BoundaryDoesNotAllow { granted_by },
        };
    }
    if !set.session.is_empty() && !allows(set.session, PolicySource::Session, ctx) {
        return Decision {
            effect: DecisionEffect::ImplicitDeny,
            deciding: None,
            reason: Reason::SessionDoesNotAllow { granted_by },
        };
    }
    Decision {
        effect: DecisionEffect::Allow,
        deciding: Some(granted_by),
        reason,
    }
}
