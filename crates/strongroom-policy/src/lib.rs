//! The IAM policy language: parse, validate and evaluate policies, sans-IO.
//!
//! ```text
//! let policy = Policy::parse(json, PolicyKind::Identity)?.with_label("user/Alice/inline/keys");
//! let ctx = RequestContext::new(Principal::user("111122223333", "Alice"), "iam:ListAccessKeys",
//!                               "arn:aws:iam::111122223333:user/Alice", now);
//! let decision = evaluate(&Request { context: &ctx, policies: PolicySet { identity: &[policy], ..Default::default() } });
//! ```
//!
//! Semantics follow AWS IAM as documented:
//!
//! * Actions match case-insensitively, resources and ARNs case-sensitively; `*` matches any run of
//!   characters (including `:` and `/`), `?` one character.
//! * With `"Version": "2012-10-17"`, `${key}` in `Resource` and in condition values is replaced by the context
//!   key's value (a literal: wildcards in it are not wildcards); `${key, 'default'}` supplies a default;
//!   `${*}`, `${?}`, `${$}` are literal `*`, `?`, `$`. A variable whose key is absent (and has no default)
//!   makes that resource or value match nothing. Without a `Version`, or with `2008-10-17`, the text is literal.
//!   Variables in `Action` are never substituted.
//! * Conditions: keys are case-insensitive; operators, `…IfExists`, `ForAnyValue:`/`ForAllValues:` as AWS
//!   documents (see the `condition` module for the corner cases).
//! * Evaluation: see [`evaluate`]. The caller short-circuits the account root user.
//!
//! Everything is compiled at parse time; evaluating statements without variables allocates nothing.

mod condition;
mod context;
mod error;
mod eval;
mod glob;
mod policy;
mod principal;
mod template;
mod values;

pub use context::{ContextValue, Principal, PrincipalType, RequestContext, SharedKeys};
pub use error::PolicyError;
pub use eval::{Decision, DecisionEffect, PolicySet, PolicySource, Reason, Request, StatementRef, evaluate};
pub use policy::{Effect, Policy, PolicyKind, Statement, Version};
