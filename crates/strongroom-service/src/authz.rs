//! Authorization: the one place that decides whether a caller may do an action on a resource.
//!
//! Holding an [`Allowed`] proves that the decision was made: services that read or change a protected
//! resource take one, and only [`Authorizer::authorize`] makes them. Until IAM policies are evaluated here,
//! the account's root user may do everything in its own account and nobody else may do anything.

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
#[derive(Debug, Default)]
pub struct Authorizer {}

impl Authorizer {
    pub fn new() -> Self {
        Self {}
    }

    /// Allows the request or returns `AccessDenied` in AWS's words.
    pub fn authorize(&self, caller: &Caller, request: &Request<'_>) -> Result<Allowed, ServiceError> {
        let same_account =
            request.resource_account.is_empty() || request.resource_account == caller.account().as_str();
        if same_account && matches!(caller.principal(), Principal::Root) {
            return Ok(Allowed { _private: () });
        }
        Err(ServiceError::AccessDenied {
            message: format!(
                "User: {} is not authorized to perform: {} on resource: {} because no identity-based policy allows the {} action",
                caller.arn(),
                request.action,
                request.resource,
                request.action
            ),
        })
    }
}
