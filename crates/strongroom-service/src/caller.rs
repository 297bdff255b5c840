//! Who is making a request: the result of authentication.

use std::sync::Arc;

use strongroom_policy::Policy;
use strongroom_types::{AccessKeyId, AccountId, OffsetDateTime, Region};

/// The kind of principal behind a request, with what identifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The account's root user.
    Root,
    /// An IAM user.
    User { name: String, user_id: String },
    /// A session of an IAM role, made by AssumeRole.
    AssumedRole {
        role_name: String,
        /// `AROA…`.
        role_id: String,
        session_name: String,
    },
}

/// An authenticated caller. The fields are private and the only constructor is in `auth`, so holding a
/// `Caller` proves that the request's signature was verified.
#[derive(Debug, Clone)]
pub struct Caller {
    account: AccountId,
    principal: Principal,
    access_key_id: AccessKeyId,
    region: Region,
    session_expires_at: Option<OffsetDateTime>,
    /// The principal's identity-based policies, parsed (empty for the root user, who needs none).
    policies: Arc<Vec<Policy>>,
    /// The session policies the session was made with (empty: none), which narrow `policies`.
    session_policies: Arc<Vec<Policy>>,
}

impl Caller {
    pub(crate) fn new(
        account: AccountId,
        principal: Principal,
        access_key_id: AccessKeyId,
        region: Region,
        session_expires_at: Option<OffsetDateTime>,
        policies: Arc<Vec<Policy>>,
    ) -> Self {
        Self {
            account,
            principal,
            access_key_id,
            region,
            session_expires_at,
            policies,
            session_policies: Arc::new(Vec::new()),
        }
    }

    /// The caller with the session policies its session was made with.
    pub(crate) fn with_session_policies(mut self, session_policies: Arc<Vec<Policy>>) -> Self {
        self.session_policies = session_policies;
        self
    }

    /// The session policies that narrow [`Self::policies`] (empty: none).
    pub(crate) fn session_policies(&self) -> &[Policy] {
        &self.session_policies
    }

    /// The identity-based policies that authorization evaluates for this caller.
    pub(crate) fn policies(&self) -> &[Policy] {
        &self.policies
    }

    pub fn account(&self) -> &AccountId {
        &self.account
    }

    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    pub fn access_key_id(&self) -> &AccessKeyId {
        &self.access_key_id
    }

    /// The region named in the request's credential scope: the namespace regional resources live in.
    pub fn region(&self) -> &Region {
        &self.region
    }

    /// When the caller uses temporary credentials, when they expire.
    pub fn session_expires_at(&self) -> Option<OffsetDateTime> {
        self.session_expires_at
    }

    pub fn is_temporary(&self) -> bool {
        self.session_expires_at.is_some()
    }

    /// The principal's ARN as GetCallerIdentity reports it.
    pub fn arn(&self) -> String {
        match &self.principal {
            Principal::Root => format!("arn:aws:iam::{}:root", self.account),
            Principal::User { name, .. } => format!("arn:aws:iam::{}:user/{name}", self.account),
            Principal::AssumedRole {
                role_name,
                session_name,
                ..
            } => format!(
                "arn:aws:sts::{}:assumed-role/{role_name}/{session_name}",
                self.account
            ),
        }
    }

    /// The principal's unique id as GetCallerIdentity reports it: the account id for the root user.
    pub fn user_id(&self) -> String {
        match &self.principal {
            Principal::Root => self.account.to_string(),
            Principal::User { user_id, .. } => user_id.clone(),
            Principal::AssumedRole {
                role_id,
                session_name,
                ..
            } => format!("{role_id}:{session_name}"),
        }
    }

    /// CloudTrail's `userIdentity.type`.
    pub fn identity_type(&self) -> &'static str {
        match self.principal {
            Principal::Root => "Root",
            Principal::User { .. } => "IAMUser",
            Principal::AssumedRole { .. } => "AssumedRole",
        }
    }
}
