//! Why a policy document is rejected. `Display` gives the message IAM puts in `MalformedPolicyDocument`.

/// A malformed policy document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Not JSON, a wrong JSON type, an unknown or duplicated element, or a bad value. `detail` says which,
    /// for logs; the message is IAM's.
    #[error("Syntax errors in policy.")]
    Syntax { detail: String },
    /// A `Version` other than `2012-10-17` or `2008-10-17`.
    #[error("The policy failed legacy parsing")]
    InvalidVersion,
    /// `Effect` (or `Principal`, for resource and trust policies) is missing.
    #[error("Missing required field {0}")]
    MissingField(&'static str),
    #[error("Invalid effect: {0}")]
    InvalidEffect(String),
    /// An identity, session or boundary policy names a principal.
    /// A trust policy names a resource.
    #[error("Has prohibited field {0}")]
    ProhibitedField(&'static str),
    #[error("Policy document should not specify a principal.")]
    UnexpectedPrincipal,
    #[error("Policy statement must contain actions.")]
    MissingActions,
    #[error("Policy statement must contain resources.")]
    MissingResources,
    /// An action or condition key without a `vendor:` prefix.
    #[error("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")]
    MissingVendor(String),
    #[error("Resource {0} must be in ARN format or \"*\".")]
    InvalidResource(String),
    #[error("Invalid principal in policy: {0}")]
    InvalidPrincipal(String),
    #[error("Invalid Condition type : {0}")]
    UnknownConditionOperator(String),
    #[error("Statement IDs (SID) in a single policy must be unique.")]
    DuplicateSid(String),
    #[error(
        "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
    )]
    InvalidSid(String),
}

impl PolicyError {
    pub(crate) fn syntax(detail: impl Into<String>) -> Self {
        Self::Syntax {
            detail: detail.into(),
        }
    }
}
