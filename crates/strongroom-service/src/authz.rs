//! Authorization: the one place that decides whether a caller may do an action on a resource.
//!
//! Holding an [`Allowed`] proves that the decision was made: services that read or change a protected
//! resource take one, and only [`Authorizer::authorize`] (or [`Authorizer::authorize_with`]) makes them.
//!
//! The evaluation is AWS's for requests within one account: an explicit deny in any policy wins; otherwise
//! an allow from the caller's identity policies or from the resource's policy is needed, and the caller's
//! permissions boundary and session policies must allow it too (a resource policy naming the caller itself
//! is enough on its own). The account's root user may do everything in its own account unless a resource
//! policy denies it. A request for another account's resource needs both that resource's policy and the
//! caller's own policies to allow it.
//!
//! The request context carries what AWS derives from the caller and the transport (`aws:PrincipalTag/…`,
//! `aws:SourceIdentity`, `aws:TokenIssueTime`, `aws:MultiFactorAuthPresent`, `aws:SecureTransport`,
//! `aws:SourceIp`, `aws:RequestedRegion`, …) plus the keys the operation supplies through [`Extra`]
//! (`aws:ResourceTag/…`, `secretsmanager:…`, `kms:…`). Revoking a role's older sessions is AWS's way: an
//! inline policy denying everything when `aws:TokenIssueTime` is before the cut-off.
//!
//! Each decision names the statement that made it; inside [`recording`] the last one is kept for the audit
//! record.

use std::cell::RefCell;
use std::future::Future;
use std::sync::Arc;

use strongroom_policy::{
    ContextValue, Decision, DecisionEffect, Policy, PolicySet, Reason, RequestContext, SharedKeys, evaluate,
};
use strongroom_types::Clock;

use crate::ServiceError;
use crate::caller::{Caller, Principal};

/// Proof that `authorize` allowed an action. Deliberately not `Clone`: one decision, one use.
#[derive(Debug)]
pub struct Allowed {
    _private: (),
}

/// What is being asked.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `service:Operation`, e.g. `secretsmanager:GetSecretValue`.
    pub action: &'a str,
    /// The resource's ARN, or `*` for actions on no particular resource.
    pub resource: &'a str,
    /// The account that owns the resource.
    pub resource_account: &'a str,
}

/// What the operation adds to a request: the resource's own policy and the context keys it supplies.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extra<'a> {
    /// The resource-based policy of the resource (a secret's resource policy, a key policy).
    pub resource_policy: Option<&'a Policy>,
    /// Set for a KMS key policy, which is authoritative: nothing is allowed unless the key policy allows
    /// it, either itself or by delegating to the account's IAM policies. This is the key policy with every
    /// principal entry naming the key's account widened to `*` (see [`account_as_anyone`]): where it allows
    /// a request, the key policy delegates it to IAM.
    pub delegation: Option<&'a Policy>,
    /// The resource's own context keys, which every request on it has (a secret's ARN and tags): the
    /// service keeps them with the resource instead of making them per request. They must not repeat
    /// the keys authorization derives or `context` sets, which win over them.
    pub resource_context: Option<&'a Arc<SharedKeys>>,
    /// The request's context keys such as `aws:ResourceTag/Project` or `secretsmanager:VersionStage`.
    pub context: &'a [(String, ContextValue)],
}

tokio::task_local! {
    /// The last decision made while serving one request, for its audit record. Kept as the decision (a
    /// few reference-count increments) and explained once at the end: a request may be decided several
    /// times (GetSecretValue, then its KMS key), and only the last explanation is recorded.
    static DECISIONS: RefCell<Option<Decision>>;
}

/// Runs `work`, keeping the explanation of the last authorization decision made inside it.
pub async fn recording<F: Future>(work: F) -> (F::Output, Option<String>) {
    let (output, decision) = DECISIONS
        .scope(RefCell::new(None), async {
            let output = work.await;
            let decision = DECISIONS.with(|d| d.borrow_mut().take());
            (output, decision)
        })
        .await;
    (output, decision.map(|d| d.explain()))
}

fn remember(decision: &Decision) {
    let _ = DECISIONS.try_with(|slot| *slot.borrow_mut() = Some(decision.clone()));
}

/// Decides requests.
#[derive(Debug)]
pub struct Authorizer {
    clock: Arc<dyn Clock>,
}

impl Authorizer {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock }
    }

    /// Allows the request or returns `AccessDenied` in AWS's words.
    pub fn authorize(&self, caller: &Caller, request: &Request<'_>) -> Result<Allowed, ServiceError> {
        self.authorize_with(caller, request, &Extra::default())
    }

    /// [`Self::authorize`] with the resource's policy and the operation's context keys.
    pub fn authorize_with(
        &self,
        caller: &Caller,
        request: &Request<'_>,
        extra: &Extra<'_>,
    ) -> Result<Allowed, ServiceError> {
        let decision = self.decide(caller, request, extra);
        remember(&decision);
        match decision.effect {
            DecisionEffect::Allow => Ok(Allowed { _private: () }),
            DecisionEffect::ExplicitDeny => {
                let where_ = match decision.deciding.as_ref().map(|s| s.source) {
                    Some(strongroom_policy::PolicySource::Resource) => "a resource-based policy",
                    Some(strongroom_policy::PolicySource::Boundary) => "a permissions boundary",
                    Some(strongroom_policy::PolicySource::Session) => "a session policy",
                    _ => "an identity-based policy",
                };
                Err(denied(
                    caller,
                    request,
                    &format!("with an explicit deny in {where_}"),
                ))
            }
            DecisionEffect::ImplicitDeny => Err(denied(
                caller,
                request,
                match decision.reason {
                    Reason::SessionDoesNotAllow { .. } => "because no session policy allows the",
                    Reason::BoundaryDoesNotAllow { .. } => "because no permissions boundary allows the",
                    _ if request_is_cross_account(caller, request) => {
                        "because no resource-based policy allows the"
                    }
                    _ => "because no identity-based policy allows the",
                },
            )),
        }
    }

    /// The decision, with the statement that made it.
    pub fn decide(&self, caller: &Caller, request: &Request<'_>, extra: &Extra<'_>) -> Decision {
        let cross_account = request_is_cross_account(caller, request);
        let root = matches!(caller.principal(), Principal::Root);
        if root && !cross_account && extra.resource_policy.is_none() && extra.delegation.is_none() {
            // Nothing could deny the root user here: no context is needed to say so.
            return root_allowed();
        }
        let context = self.context(caller, request, extra);
        if let Some(delegation) = extra.delegation {
            return self.decide_authoritative(caller, request, extra, &context, delegation);
        }
        if root {
            // The root user needs no identity policy; only a resource policy's explicit deny stops it, and
            // another account's resource needs that resource's policy to allow it.
            let decision = evaluate(&strongroom_policy::Request {
                context: &context,
                policies: PolicySet {
                    resource: extra.resource_policy,
                    ..PolicySet::default()
                },
            });
            if decision.effect == DecisionEffect::ExplicitDeny || cross_account {
                return decision;
            }
            return root_allowed();
        }
        let identity = PolicySet {
            identity: caller.policies(),
            resource: extra.resource_policy,
            boundary: caller.boundary(),
            session: caller.session_policies(),
        };
        if !cross_account {
            return evaluate(&strongroom_policy::Request {
                context: &context,
                policies: identity,
            });
        }
        // Across accounts both sides must allow: the caller's own policies (with its boundary and session
        // policies) and the resource's policy.
        let own = evaluate(&strongroom_policy::Request {
            context: &context,
            policies: PolicySet {
                resource: None,
                ..identity
            },
        });
        if own.effect != DecisionEffect::Allow {
            return own;
        }
        let theirs = evaluate(&strongroom_policy::Request {
            context: &context,
            policies: PolicySet {
                resource: extra.resource_policy,
                ..PolicySet::default()
            },
        });
        match theirs.effect {
            DecisionEffect::Allow => own,
            _ => theirs,
        }
    }

    /// The decision under an authoritative resource policy (a KMS key policy).
    fn decide_authoritative(
        &self,
        caller: &Caller,
        request: &Request<'_>,
        extra: &Extra<'_>,
        context: &RequestContext,
        delegation: &Policy,
    ) -> Decision {
        let no_allow = Decision {
            effect: DecisionEffect::ImplicitDeny,
            deciding: None,
            reason: Reason::NoAllow,
        };
        let root = matches!(caller.principal(), Principal::Root);
        let everything = PolicySet {
            identity: if root { &[] } else { caller.policies() },
            resource: extra.resource_policy,
            boundary: if root { None } else { caller.boundary() },
            session: caller.session_policies(),
        };
        let full = evaluate(&strongroom_policy::Request {
            context,
            policies: everything,
        });
        if full.effect == DecisionEffect::ExplicitDeny {
            return full;
        }
        let resource_only = |policy: &Policy| {
            evaluate(&strongroom_policy::Request {
                context,
                policies: PolicySet {
                    resource: Some(policy),
                    ..PolicySet::default()
                },
            })
        };
        // The key policy grants the request itself (it names the caller, its role or everyone).
        if let Some(policy) = extra.resource_policy
            && resource_only(policy).effect == DecisionEffect::Allow
        {
            return full;
        }
        // The key policy delegates to the account: then its IAM policies decide, as for any resource.
        let delegated = resource_only(delegation);
        if delegated.effect != DecisionEffect::Allow {
            return no_allow;
        }
        if root {
            return Decision {
                effect: DecisionEffect::Allow,
                deciding: delegated.deciding,
                reason: Reason::RootUser,
            };
        }
        if request_is_cross_account(caller, request) {
            return no_allow;
        }
        evaluate(&strongroom_policy::Request {
            context,
            policies: PolicySet {
                resource: None,
                ..everything
            },
        })
    }

    /// The request context: the principal, the derived keys and the operation's own.
    pub(crate) fn context(
        &self,
        caller: &Caller,
        request: &Request<'_>,
        extra: &Extra<'_>,
    ) -> RequestContext {
        let account = caller.account().as_str();
        let mut principal = match caller.principal() {
            Principal::Root => {
                let mut principal = strongroom_policy::Principal::account_root(account);
                principal.user_id = Some(account.to_owned());
                principal
            }
            Principal::User { name, user_id } => {
                let mut principal = strongroom_policy::Principal::user(account, name);
                principal.user_id = Some(user_id.clone());
                principal
            }
            Principal::AssumedRole {
                role_name,
                session_name,
                ..
            } => {
                let mut principal =
                    strongroom_policy::Principal::assumed_role(account, role_name, session_name);
                principal.user_id = Some(caller.user_id());
                principal
            }
        };
        principal.tags = caller.principal_tags();
        let mut context = RequestContext::new(principal, request.action, request.resource, self.clock.now())
            .with("aws:RequestedRegion", caller.region().as_str())
            .with("aws:SecureTransport", caller.transport().secure);
        if let Some(ip) = caller.transport().source_ip {
            context.set("aws:SourceIp", ip.to_string());
        }
        if let Some(issued_at) = caller.token_issued_at() {
            context.set("aws:TokenIssueTime", issued_at);
            // Temporary credentials made without MFA say so; long-term keys carry no such key at all.
            context.set("aws:MultiFactorAuthPresent", false);
        }
        if let Some(source_identity) = caller.session_extras().and_then(|e| e.source_identity.as_deref()) {
            context.set("aws:SourceIdentity", source_identity);
        }
        if let Some(shared) = extra.resource_context {
            context = context.with_shared(Arc::clone(shared));
        }
        for (key, value) in extra.context {
            context.set(key, value.clone());
        }
        context
    }
}

/// The resource or trust policy `text` with every `AWS` principal entry that names `account` (`ACCOUNT` or
/// its root ARN) replaced by `*`: evaluated for a caller of that account, its allows then show whether the
/// policy delegates to the account's own IAM policies. `None` when the text is not JSON.
pub(crate) fn account_as_anyone(text: &str, account: &str) -> Option<String> {
    use serde_json::Value;
    let mut doc: Value = serde_json::from_str(text).ok()?;
    let root = format!("arn:aws:iam::{account}:root");
    let names_account = |v: &Value| v.as_str().is_some_and(|s| s == account || s == root);
    let rewrite = |statement: &mut Value| {
        let Some(aws) = statement
            .get_mut("Principal")
            .and_then(|p| p.as_object_mut())
            .and_then(|p| p.get_mut("AWS"))
        else {
            return;
        };
        match aws {
            Value::Array(entries) => {
                for entry in entries.iter_mut() {
                    if names_account(entry) {
                        *entry = Value::String("*".to_owned());
                    }
                }
            }
            entry if names_account(entry) => *entry = Value::String("*".to_owned()),
            _ => {}
        }
    };
    match doc.get_mut("Statement")? {
        Value::Array(statements) => statements.iter_mut().for_each(rewrite),
        statement => rewrite(statement),
    }
    serde_json::to_string(&doc).ok()
}

/// The root user's allow in its own account.
fn root_allowed() -> Decision {
    Decision {
        effect: DecisionEffect::Allow,
        deciding: None,
        reason: Reason::RootUser,
    }
}

fn request_is_cross_account(caller: &Caller, request: &Request<'_>) -> bool {
    !request.resource_account.is_empty() && request.resource_account != caller.account().as_str()
}

/// AWS's AccessDenied message: who, what, on which resource, and why.
fn denied(caller: &Caller, request: &Request<'_>, why: &str) -> ServiceError {
    let message = if why.ends_with(" the") {
        format!(
            "User: {} is not authorized to perform: {} on resource: {} {why} {} action",
            caller.arn(),
            request.action,
            request.resource,
            request.action
        )
    } else {
        format!(
            "User: {} is not authorized to perform: {} on resource: {} {why}",
            caller.arn(),
            request.action,
            request.resource
        )
    };
    ServiceError::AccessDenied { message }
}
