//! The IAM service's errors: one variant per IAM error code Strongroom raises, each with AWS's message.

use strongroom_store::StoreError;

use crate::ServiceError;

/// Why an IAM operation failed. The server maps each variant to the IAM error code of the same name.
#[derive(Debug, thiserror::Error)]
pub enum IamError {
    /// `NoSuchEntity` (404): no such user, access key or policy in the caller's account.
    #[error("{message}")]
    NoSuchEntity { message: String },
    /// `EntityAlreadyExists` (409).
    #[error("{message}")]
    EntityAlreadyExists { message: String },
    /// `LimitExceeded` (409): a quota (access keys per user, tags per user) would be exceeded.
    #[error("{message}")]
    LimitExceeded { message: String },
    /// `MalformedPolicyDocument` (400), with the policy parser's message.
    #[error("{message}")]
    MalformedPolicyDocument { message: String },
    /// `DeleteConflict` (409): the entity still has subordinate entities.
    #[error("{message}")]
    DeleteConflict { message: String },
    /// `ValidationError` (400): the input violates a constraint of the API model.
    #[error("{message}")]
    Validation { message: String },
    /// `InvalidInput` (400): a value the operation does not accept.
    #[error("{message}")]
    InvalidInput { message: String },
    /// Access denied, or an internal failure (store, root key).
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl IamError {
    pub(crate) fn store(context: &'static str) -> impl FnOnce(StoreError) -> Self {
        move |err| Self::Service(ServiceError::store(context)(err))
    }

    pub(crate) fn internal(context: &'static str) -> Self {
        Self::Service(ServiceError::internal(context))
    }

    pub(crate) fn no_such_user(name: &str) -> Self {
        Self::NoSuchEntity {
            message: format!("The user with name {name} cannot be found."),
        }
    }

    /// `1 validation error detected: Value 'v' at 'member' failed to satisfy constraint: …`, as AWS words it.
    pub(crate) fn constraint(member: &str, value: &str, constraint: &str) -> Self {
        Self::Validation {
            message: format!(
                "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: \
                 Member must {constraint}"
            ),
        }
    }
}
