//! Authorization: the one place that decides whether a caller may do an action on a resource.
//!
//! Holding an [`Allowed`] proves that the decision was made: services that read or change a protected
//! resource take one, and only [`Authorizer::authorize`] makes them. The account's root user may do
//! everything in its own account; an IAM user may do what its identity-based policies (loaded with its
//! credentials, see `auth`) allow, and a role session what its role's identity policies allow within the
//! session policy it was made with, as `strongroom-policy` evaluates them. Resource policies and permission
//! boundaries join the evaluation as the IAM work continues; until then they grant nothing, so access is
//! never wider than the identity policies say.

use std::sync::Arc;

use strongroom_policy::{DecisionEffect, PolicySet, Reason, RequestContext, evaluate};
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
        let same_account =
            request.resource_account.is_empty() || request.resource_account == caller.account().as_str();
        if !same_account {
            // Another account's resources need that account's resource policy, which is not evaluated yet.
            return Err(denied(
                caller,
                request,
                "because no resource-based policy allows the",
            ));
        }
        let principal = match caller.principal() {
            Principal::Root => return Ok(Allowed { _private: () }),
            Principal::User { name, user_id } => {
                let mut principal = strongroom_policy::Principal::user(caller.account().as_str(), name);
                principal.user_id = Some(user_id.clone());
                principal
            }
            Principal::AssumedRole {
                role_name,
                session_name,
                ..
            } => {
                let mut principal = strongroom_policy::Principal::assumed_role(
                    caller.account().as_str(),
                    role_name,
                    session_name,
                );
                principal.user_id = Some(caller.user_id());
                principal
            }
        };
        let context = RequestContext::new(principal, request.action, request.resource, self.clock.now())
            .with("aws:RequestedRegion", caller.region().as_str());
        let decision = evaluate(&strongroom_policy::Request {
            context: &context,
            policies: PolicySet {
                identity: caller.policies(),
                session: caller.session_policies(),
                ..PolicySet::default()
            },
        });
        match decision.effect {
            DecisionEffect::Allow => Ok(Allowed { _private: () }),
            DecisionEffect::ImplicitDeny if matches!(decision.reason, Reason::SessionDoesNotAllow { .. }) => {
                Err(denied(caller, request, "because no session policy allows the"))
            }
            DecisionEffect::ExplicitDeny => Err(denied(
                caller,
                request,
                "with an explicit deny in an identity-based policy",
            )),
            DecisionEffect::ImplicitDeny => Err(denied(
                caller,
                request,
                "because no identity-based policy allows the",
            )),
        }
    }
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
