//! Who is making a request: the result of authentication.

use std::net::IpAddr;
use std::sync::Arc;

use strongroom_policy::Policy;
use strongroom_types::{AccessKeyId, AccountId, OffsetDateTime, Region};

pub use crate::session::SessionExtras;

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
    /// The principal's permissions boundary, when it has one.
    boundary: Option<Arc<Policy>>,
    /// The principal's own tags: an IAM user's, or an assumed role's (session tags take precedence).
    tags: Arc<Vec<(String, String)>>,
    /// For temporary credentials: when the session was made, and what it was made with.
    session: Option<(OffsetDateTime, Arc<SessionExtras>)>,
    /// Where the request came from, and whether it came over TLS.
    transport: Transport,
}

/// The network facts of a request that policies can test (`aws:SourceIp`, `aws:SecureTransport`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Transport {
    pub source_ip: Option<IpAddr>,
    pub secure: bool,
}

/// What authentication loads with a principal's credentials: its identity policies, permissions boundary
/// and tags.
#[derive(Debug, Clone, Default)]
pub(crate) struct Identity {
    pub policies: Arc<Vec<Policy>>,
    pub boundary: Option<Arc<Policy>>,
    pub tags: Arc<Vec<(String, String)>>,
}

impl Caller {
    pub(crate) fn new(
        account: AccountId,
        principal: Principal,
        access_key_id: AccessKeyId,
        region: Region,
        session_expires_at: Option<OffsetDateTime>,
        identity: Identity,
    ) -> Self {
        Self {
            account,
            principal,
            access_key_id,
            region,
            session_expires_at,
            policies: identity.policies,
            session_policies: Arc::new(Vec::new()),
            boundary: identity.boundary,
            tags: identity.tags,
            session: None,
            transport: Transport::default(),
        }
    }

    /// The caller of a temporary session made at `issued_at` with `extras`.
    pub(crate) fn with_session(mut self, issued_at: OffsetDateTime, extras: Arc<SessionExtras>) -> Self {
        self.session = Some((issued_at, extras));
        self
    }

    /// The caller as seen on the network: the server states where the request came from.
    #[must_use]
    pub fn with_transport(mut self, transport: Transport) -> Self {
        self.transport = transport;
        self
    }

    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// The permissions boundary, if any.
    pub(crate) fn boundary(&self) -> Option<&Policy> {
        self.boundary.as_deref()
    }

    /// When the session was issued (temporary credentials only).
    pub fn token_issued_at(&self) -> Option<OffsetDateTime> {
        self.session.as_ref().map(|(issued_at, _)| *issued_at)
    }

    /// The session's source identity, tags and managed session policies (temporary credentials only).
    pub fn session_extras(&self) -> Option<&SessionExtras> {
        self.session.as_ref().map(|(_, extras)| extras.as_ref())
    }

    /// `aws:PrincipalTag/…`: the principal's tags, where session tags replace tags of the same key.
    pub fn principal_tags(&self) -> Vec<(String, String)> {
        let session_tags = self.session_extras().map(|e| e.tags.as_slice()).unwrap_or(&[]);
        let mut tags: Vec<(String, String)> = self
            .tags
            .iter()
            .filter(|(key, _)| !session_tags.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)))
            .cloned()
            .collect();
        tags.extend(session_tags.iter().cloned());
        tags
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
