//! STS: who am I, temporary credentials for the caller, and sessions of IAM roles (AssumeRole).
//!
//! AssumeRole decides with the role's trust policy as the resource policy of `sts:AssumeRole` on the role:
//! a trust policy naming the caller's own ARN, or matching it through `*`, is enough; one naming only the
//! caller's account delegates to the caller's identity policies, which must then allow `sts:AssumeRole` on
//! the role (the account's root user needs none). Unknown roles are denied alike, so that a caller cannot
//! learn which roles exist. Only roles of the caller's own account can be assumed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use strongroom_crypto::SecretString;
use strongroom_policy::{
    ContextValue, DecisionEffect, Policy, PolicyKind, PolicySet, Reason, RequestContext, evaluate,
};
use strongroom_store::iam::IamRoleRecord;
use strongroom_types::{AccountId, Clock, OffsetDateTime};
use time::Duration;

use crate::authz::{self, Authorizer};
use crate::caller::{Caller, Principal};
use crate::iam::{IamError, role_arn};
use crate::keyring::{Keyring, Purpose};
use crate::session::{self, SessionClaims, SessionExtras};
use crate::{ServiceError, Store};

/// The shortest session GetSessionToken issues, in seconds.
pub const MIN_SESSION_SECONDS: i64 = 900;
/// The longest session an IAM user may ask GetSessionToken for (36 hours).
pub const MAX_USER_SESSION_SECONDS: i64 = 129_600;
/// The longest (and default) session of the root user (1 hour).
pub const MAX_ROOT_SESSION_SECONDS: i64 = 3_600;
/// The default session length of an IAM user (12 hours).
pub const DEFAULT_USER_SESSION_SECONDS: i64 = 43_200;

/// GetCallerIdentity's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    pub user_id: String,
    pub account: String,
    pub arn: String,
}

/// Temporary credentials. The secret and the token are secrets; the server exposes them for the wire only.
pub struct SessionCredentials {
    pub access_key_id: String,
    pub secret_access_key: SecretString,
    pub session_token: SecretString,
    pub expiration: OffsetDateTime,
}

impl std::fmt::Debug for SessionCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

/// The default length of a role session (1 hour), and the longest of a session made by a role session.
pub const DEFAULT_ROLE_SESSION_SECONDS: i64 = 3_600;
/// The longest role session the API model allows (a role's own maximum may be lower).
pub const MAX_ROLE_SESSION_SECONDS: i64 = 43_200;
/// The longest session policy AssumeRole accepts, in characters.
pub const MAX_SESSION_POLICY_CHARS: usize = 2_048;

/// AssumeRole's answer.
#[derive(Debug)]
pub struct AssumedRole {
    pub credentials: SessionCredentials,
    /// `ROLEID:SESSIONNAME`.
    pub assumed_role_id: String,
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLENAME/SESSIONNAME`.
    pub arn: String,
    /// How much of the packed allowance session policies and tags use, in percent, when any were given.
    pub packed_policy_size: Option<u32>,
    /// The source identity the session carries, if any.
    pub source_identity: Option<String>,
}

/// The STS operations.
pub struct Sts {
    store: Arc<dyn Store>,
    keyring: Arc<Keyring>,
    clock: Arc<dyn Clock>,
    /// Roles read for service principals, with their parsed trust policies (see [`SERVICE_ROLE_RECHECK`]).
    service_roles: Mutex<HashMap<(AccountId, String), CachedRole>>,
}

/// How long a role read for a service principal is reused. CreateSession (Roles Anywhere) mints a session per
/// request and must not read and parse the role each time; like cached identities, a role changed on this
/// node is forgotten at once ([`Sts::forget_role`]), other nodes see the change within this time.
pub const SERVICE_ROLE_RECHECK: Duration = crate::auth::RECHECK;

/// A role as read from the store, with its trust policy parsed once (`None`: the stored document no longer
/// parses, which denies).
struct CachedRole {
    role: Arc<IamRoleRecord>,
    trust: Option<Arc<Policy>>,
    read_at: OffsetDateTime,
}

impl std::fmt::Debug for Sts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sts").finish_non_exhaustive()
    }
}

impl Sts {
    pub fn new(store: Arc<dyn Store>, keyring: Arc<Keyring>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            keyring,
            clock,
            service_roles: Mutex::new(HashMap::new()),
        }
    }

    /// Drops a cached role after it changed on this node (its trust policy, maximum session, policies, tags).
    pub fn forget_role(&self, account: &AccountId, role_name: &str) {
        self.lock_service_roles()
            .remove(&(account.clone(), role_name.to_owned()));
    }

    fn lock_service_roles(&self) -> std::sync::MutexGuard<'_, HashMap<(AccountId, String), CachedRole>> {
        self.service_roles
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The role `name` and its parsed trust policy, from the cache while fresh. A missing role is not cached,
    /// so a role created a moment ago is found at once.
    async fn service_role(
        &self,
        account: &AccountId,
        name: &str,
    ) -> Result<Option<(Arc<IamRoleRecord>, Option<Arc<Policy>>)>, IamError> {
        let now = self.clock.now();
        let key = (account.clone(), name.to_owned());
        if let Some(cached) = self
            .lock_service_roles()
            .get(&key)
            .filter(|cached| now - cached.read_at < SERVICE_ROLE_RECHECK)
        {
            return Ok(Some((Arc::clone(&cached.role), cached.trust.clone())));
        }
        let Some(role) = self
            .store
            .iam_role(account, name)
            .await
            .map_err(IamError::store("reading an IAM role"))?
        else {
            self.lock_service_roles().remove(&key);
            return Ok(None);
        };
        let trust = Policy::parse(&role.assume_role_policy, PolicyKind::Trust)
            .ok()
            .map(Arc::new);
        let role = Arc::new(role);
        self.lock_service_roles().insert(
            key,
            CachedRole {
                role: Arc::clone(&role),
                trust: trust.clone(),
                read_at: now,
            },
        );
        Ok(Some((role, trust)))
    }

    /// Needs no permission, as in AWS: any authenticated caller may ask who it is.
    pub fn get_caller_identity(&self, caller: &Caller) -> CallerIdentity {
        CallerIdentity {
            user_id: caller.user_id(),
            account: caller.account().to_string(),
            arn: caller.arn(),
        }
    }

    /// Temporary credentials with the caller's own identity. Needs no permission, as in AWS; callers that
    /// already hold temporary credentials may not chain another session.
    pub fn get_session_token(
        &self,
        caller: &Caller,
        duration_seconds: Option<i64>,
    ) -> Result<SessionCredentials, ServiceError> {
        if caller.is_temporary() {
            return Err(ServiceError::AccessDenied {
                message: "Cannot call GetSessionToken with session credentials".to_owned(),
            });
        }
        let (default, max) = match caller.principal() {
            Principal::Root => (MAX_ROOT_SESSION_SECONDS, MAX_ROOT_SESSION_SECONDS),
            Principal::User { .. } | Principal::AssumedRole { .. } => {
                (DEFAULT_USER_SESSION_SECONDS, MAX_USER_SESSION_SECONDS)
            }
        };
        let seconds = match duration_seconds {
            None => default,
            Some(s) if s < MIN_SESSION_SECONDS => {
                return Err(ServiceError::Validation {
                    message: format!(
                        "1 validation error detected: Value '{s}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to {MIN_SESSION_SECONDS}"
                    ),
                });
            }
            Some(s) if s > MAX_USER_SESSION_SECONDS => {
                return Err(ServiceError::Validation {
                    message: format!(
                        "1 validation error detected: Value '{s}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to {MAX_USER_SESSION_SECONDS}"
                    ),
                });
            }
            // AWS caps a root session at one hour rather than refusing a longer request.
            Some(s) => s.min(max),
        };
        Ok(self.issue(
            caller.account(),
            caller.principal().clone(),
            seconds,
            None,
            SessionExtras::default(),
        ))
    }

    /// Seals new temporary credentials for `principal`, valid for `seconds`.
    fn issue(
        &self,
        account: &AccountId,
        principal: Principal,
        seconds: i64,
        session_policy: Option<String>,
        extras: SessionExtras,
    ) -> SessionCredentials {
        let now = crate::truncate_to_millis(self.clock.now())
            .replace_millisecond(0)
            .unwrap_or(self.clock.now());
        let access_key_id = strongroom_crypto::random::access_key_id_temporary();
        let secret_access_key = strongroom_crypto::random::secret_access_key();
        let claims = SessionClaims {
            access_key_id: access_key_id.clone(),
            secret_access_key,
            account: account.clone(),
            principal,
            issued_at: now,
            expires_at: now + Duration::seconds(seconds),
            session_policy,
            extras,
        };
        let token = session::seal(self.keyring.key(Purpose::Sessions), &claims);
        SessionCredentials {
            access_key_id: access_key_id.to_string(),
            secret_access_key: claims.secret_access_key,
            session_token: SecretString::from(token),
            expiration: claims.expires_at,
        }
    }

    /// A session of the role `input.role_arn`, if its trust policy (and, where it delegates, the caller's
    /// identity policies) allow the caller `sts:AssumeRole`, plus `sts:TagSession` when tags are passed and
    /// `sts:SetSourceIdentity` when a source identity is set. Session policies narrow the session; transitive
    /// tags and the source identity of the caller's own session carry over (role chaining).
    pub async fn assume_role(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        input: &AssumeRoleInput<'_>,
    ) -> Result<AssumedRole, IamError> {
        let role_arn_text = input.role_arn;
        if role_arn_text.len() < 20 || role_arn_text.len() > 2048 {
            return Err(IamError::constraint(
                "roleArn",
                role_arn_text,
                "have length between 20 and 2048",
            ));
        }
        check_session_name(input.session_name)?;
        if let Some(s) = input.duration_seconds {
            if s < MIN_SESSION_SECONDS {
                return Err(IamError::constraint(
                    "durationSeconds",
                    &s.to_string(),
                    &format!("have value greater than or equal to {MIN_SESSION_SECONDS}"),
                ));
            }
            if s > MAX_ROLE_SESSION_SECONDS {
                return Err(IamError::constraint(
                    "durationSeconds",
                    &s.to_string(),
                    &format!("have value less than or equal to {MAX_ROLE_SESSION_SECONDS}"),
                ));
            }
        }
        let session_policy = check_session_policy(input.policy)?;
        check_policy_arns(input.policy_arns)?;
        let inherited = caller.session_extras().cloned().unwrap_or_default();
        let (tags, transitive_tag_keys) = merge_tags(&inherited, input.tags, input.transitive_tag_keys)?;
        let source_identity = match (input.source_identity, inherited.source_identity.as_deref()) {
            (Some(requested), _) => {
                check_source_identity(requested)?;
                if inherited
                    .source_identity
                    .as_deref()
                    .is_some_and(|had| had != requested)
                {
                    return Err(IamError::Validation {
                        message: "The source identity of a role chain cannot be changed.".to_owned(),
                    });
                }
                Some(requested.to_owned())
            }
            (None, had) => had.map(str::to_owned),
        };

        let denied = || {
            IamError::Service(ServiceError::AccessDenied {
                message: format!(
                    "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn_text}",
                    caller.arn()
                ),
            })
        };
        let account = caller.account();
        let Some((arn_account, path, name)) = parse_role_arn(role_arn_text) else {
            return Err(IamError::Validation {
                message: format!("{role_arn_text} is invalid"),
            });
        };
        if arn_account != account.as_str() {
            return Err(denied());
        }
        let role = self
            .store
            .iam_role(account, name)
            .await
            .map_err(IamError::store("reading an IAM role"))?
            .filter(|role| role.path == path && role.name == name)
            .ok_or_else(denied)?;
        let role_arn = role_arn(account, &role.path, &role.name);

        // What the trust policy sees: the tags being passed and the session's name and source identity.
        let mut context: Vec<(String, ContextValue)> = vec![(
            "sts:RoleSessionName".to_owned(),
            ContextValue::from(input.session_name),
        )];
        for (key, value) in input.tags {
            context.push((
                format!("aws:RequestTag/{key}"),
                ContextValue::from(value.as_str()),
            ));
        }
        if !input.tags.is_empty() {
            context.push((
                "aws:TagKeys".to_owned(),
                ContextValue::from(input.tags.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>()),
            ));
        }
        if !input.transitive_tag_keys.is_empty() {
            context.push((
                "sts:TransitiveTagKeys".to_owned(),
                ContextValue::from(input.transitive_tag_keys.to_vec()),
            ));
        }
        if let Some(requested) = input.source_identity {
            context.push(("sts:SourceIdentity".to_owned(), ContextValue::from(requested)));
        }
        let mut actions = vec!["sts:AssumeRole"];
        if !input.tags.is_empty() {
            actions.push("sts:TagSession");
        }
        if input.source_identity.is_some() {
            actions.push("sts:SetSourceIdentity");
        }
        for action in actions {
            if !self.trusts(
                authz,
                caller,
                &role.assume_role_policy,
                &role_arn,
                action,
                &context,
            ) {
                return Err(IamError::Service(ServiceError::AccessDenied {
                    message: format!(
                        "User: {} is not authorized to perform: {action} on resource: {role_arn_text}",
                        caller.arn()
                    ),
                }));
            }
        }

        let max = i64::from(role.max_session_duration);
        let chained = matches!(caller.principal(), Principal::AssumedRole { .. });
        let seconds = input.duration_seconds.unwrap_or(DEFAULT_ROLE_SESSION_SECONDS);
        if seconds > max {
            return Err(IamError::Validation {
                message: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                    .to_owned(),
            });
        }
        if chained && seconds > DEFAULT_ROLE_SESSION_SECONDS {
            return Err(IamError::Validation {
                message: "The requested DurationSeconds exceeds the 1 hour session limit for roles \
                          assumed by role chaining."
                    .to_owned(),
            });
        }
        let extras = SessionExtras {
            source_identity,
            tags,
            transitive_tag_keys,
            policy_arns: input.policy_arns.to_vec(),
        };
        Ok(self.start_role_session(
            account,
            &role,
            input.session_name,
            seconds,
            session_policy,
            extras,
        ))
    }

    /// A role session for a service principal (Roles Anywhere's `rolesanywhere.amazonaws.com`): the role's
    /// trust policy must allow the service `sts:AssumeRole`, plus `sts:TagSession` when session tags are
    /// given and `sts:SetSourceIdentity` when a source identity is; its conditions see `aws:SourceArn`,
    /// `aws:SourceAccount` and the principal tags of the request. `grant.duration_seconds` above the role's
    /// maximum is refused.
    pub async fn assume_role_as_service(
        &self,
        account: &AccountId,
        principal: ServicePrincipalRequest<'_>,
        grant: RoleSessionGrant<'_>,
    ) -> Result<AssumedRole, IamError> {
        let denied = |action: &str| {
            IamError::Service(ServiceError::AccessDenied {
                message: format!(
                    "{} is not authorized to perform: {action} on resource: {}",
                    principal.service, grant.role_arn
                ),
            })
        };
        check_session_name(grant.session_name)?;
        let session_policy = check_session_policy(grant.session_policy)?;
        check_policy_arns(grant.managed_policy_arns)?;
        if let Some(source_identity) = grant.source_identity {
            check_source_identity(source_identity)?;
        }
        let (tags, _) = merge_tags(&SessionExtras::default(), grant.session_tags, &[])?;
        let Some((arn_account, path, name)) = parse_role_arn(grant.role_arn) else {
            return Err(denied("sts:AssumeRole"));
        };
        if arn_account != account.as_str() {
            return Err(denied("sts:AssumeRole"));
        }
        let (role, trust) = self
            .service_role(account, name)
            .await?
            .filter(|(role, _)| role.path == path && role.name == name)
            .ok_or_else(|| denied("sts:AssumeRole"))?;
        let role_arn = role_arn(account, &role.path, &role.name);
        let Some(trust) = trust else {
            return Err(denied("sts:AssumeRole"));
        };
        let mut service = strongroom_policy::Principal::service(principal.service);
        service.tags = principal.principal_tags.to_vec();
        let mut actions = vec!["sts:AssumeRole"];
        if !grant.session_tags.is_empty() {
            actions.push("sts:TagSession");
        }
        if grant.source_identity.is_some() {
            actions.push("sts:SetSourceIdentity");
        }
        for action in actions {
            let mut context =
                RequestContext::new(service.clone(), action, role_arn.as_str(), self.clock.now())
                    .with("aws:SourceArn", principal.source_arn)
                    .with("aws:SourceAccount", account.as_str())
                    .with("sts:RoleSessionName", grant.session_name);
            for (key, value) in grant.session_tags {
                context.set(&format!("aws:RequestTag/{key}"), value.as_str());
            }
            if !grant.session_tags.is_empty() {
                context.set(
                    "aws:TagKeys",
                    grant
                        .session_tags
                        .iter()
                        .map(|(k, _)| k.clone())
                        .collect::<Vec<_>>(),
                );
            }
            if let Some(source_identity) = grant.source_identity {
                context.set("sts:SourceIdentity", source_identity);
            }
            let decision = evaluate(&strongroom_policy::Request {
                context: &context,
                policies: PolicySet {
                    resource: Some(trust.as_ref()),
                    ..PolicySet::default()
                },
            });
            if decision.effect != DecisionEffect::Allow {
                return Err(denied(action));
            }
        }
        if grant.duration_seconds < MIN_SESSION_SECONDS {
            return Err(IamError::constraint(
                "durationSeconds",
                &grant.duration_seconds.to_string(),
                &format!("have value greater than or equal to {MIN_SESSION_SECONDS}"),
            ));
        }
        if grant.duration_seconds > i64::from(role.max_session_duration) {
            return Err(IamError::Validation {
                message: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                    .to_owned(),
            });
        }
        let extras = SessionExtras {
            source_identity: grant.source_identity.map(str::to_owned),
            tags,
            transitive_tag_keys: Vec::new(),
            policy_arns: grant.managed_policy_arns.to_vec(),
        };
        Ok(self.start_role_session(
            account,
            &role,
            grant.session_name,
            grant.duration_seconds,
            session_policy,
            extras,
        ))
    }

    /// Seals the credentials of a session of `role` that its trust policy allowed.
    fn start_role_session(
        &self,
        account: &AccountId,
        role: &IamRoleRecord,
        session_name: &str,
        seconds: i64,
        session_policy: Option<String>,
        extras: SessionExtras,
    ) -> AssumedRole {
        let packed_policy_size =
            (session_policy.is_some() || !extras.tags.is_empty() || !extras.policy_arns.is_empty())
                .then(|| packed_size(session_policy.as_deref(), &extras));
        let source_identity = extras.source_identity.clone();
        let principal = Principal::AssumedRole {
            role_name: role.name.clone(),
            role_id: role.role_id.clone(),
            session_name: session_name.to_owned(),
        };
        let credentials = self.issue(account, principal, seconds, session_policy, extras);
        AssumedRole {
            credentials,
            assumed_role_id: format!("{}:{session_name}", role.role_id),
            arn: format!("arn:aws:sts::{account}:assumed-role/{}/{session_name}", role.name),
            packed_policy_size,
            source_identity,
        }
    }

    /// Whether the trust policy `trust` lets `caller` do `action` on the role `role_arn` (see the module
    /// docs), with `context` added to the request context.
    fn trusts(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        trust: &str,
        role_arn: &str,
        action: &str,
        context: &[(String, ContextValue)],
    ) -> bool {
        let account = caller.account().as_str();
        let Ok(policy) = Policy::parse(trust, PolicyKind::Trust) else {
            return false;
        };
        let request = authz::Request {
            action,
            resource: role_arn,
            resource_account: account,
        };
        let extra = authz::Extra {
            context,
            ..authz::Extra::default()
        };
        let request_context = authz.context(caller, &request, &extra);
        let decide = |policy: &Policy| {
            evaluate(&strongroom_policy::Request {
                context: &request_context,
                policies: PolicySet {
                    resource: Some(policy),
                    ..PolicySet::default()
                },
            })
        };
        let direct = decide(&policy);
        match direct.effect {
            DecisionEffect::ExplicitDeny => return false,
            // The trust policy names the caller itself, or matches it through `*`.
            DecisionEffect::Allow => return true,
            DecisionEffect::ImplicitDeny => {}
        }
        // Does it allow the caller's account? Then the account's own policies decide.
        let Some(delegating) = authz::account_as_anyone(trust, account)
            .and_then(|text| Policy::parse(&text, PolicyKind::Trust).ok())
        else {
            return false;
        };
        let delegated = decide(&delegating);
        if delegated.effect != DecisionEffect::Allow
            || !matches!(
                delegated.reason,
                Reason::ResourceAllow | Reason::ResourceAllowDirect
            )
        {
            return false;
        }
        match caller.principal() {
            Principal::Root => true,
            Principal::User { .. } | Principal::AssumedRole { .. } => {
                authz.authorize_with(caller, &request, &extra).is_ok()
            }
        }
    }
}

/// What AssumeRole is asked.
#[derive(Debug, Clone, Copy, Default)]
pub struct AssumeRoleInput<'a> {
    pub role_arn: &'a str,
    pub session_name: &'a str,
    pub duration_seconds: Option<i64>,
    /// An inline session policy.
    pub policy: Option<&'a str>,
    /// Managed session policies.
    pub policy_arns: &'a [String],
    /// Session tags.
    pub tags: &'a [(String, String)],
    /// Keys of `tags` that pass on to sessions this session makes.
    pub transitive_tag_keys: &'a [String],
    pub source_identity: Option<&'a str>,
}

/// The service principal asking for a role session, and what the trust policy's conditions see of it.
#[derive(Debug, Clone, Copy)]
pub struct ServicePrincipalRequest<'a> {
    /// `rolesanywhere.amazonaws.com`.
    pub service: &'a str,
    /// `aws:SourceArn`: for Roles Anywhere, the trust anchor's ARN.
    pub source_arn: &'a str,
    /// `aws:PrincipalTag/…` in the trust policy's conditions, e.g. `("x509Subject/CN", "workload-1")`.
    pub principal_tags: &'a [(String, String)],
}

/// The session a service asks for.
#[derive(Debug, Clone, Copy)]
pub struct RoleSessionGrant<'a> {
    pub role_arn: &'a str,
    pub session_name: &'a str,
    /// Already capped by the service's own limit; above the role's maximum it is refused.
    pub duration_seconds: i64,
    pub source_identity: Option<&'a str>,
    /// Become the session's `aws:PrincipalTag/…`.
    pub session_tags: &'a [(String, String)],
    /// An inline session policy.
    pub session_policy: Option<&'a str>,
    /// Managed policies that narrow the session.
    pub managed_policy_arns: &'a [String],
}

/// The most session tags a session may carry (passed and inherited).
pub const MAX_SESSION_TAGS: usize = 50;
/// The most managed session policies AssumeRole accepts.
pub const MAX_POLICY_ARNS: usize = 10;

fn check_session_name(session_name: &str) -> Result<(), IamError> {
    if session_name.len() < 2 || session_name.len() > 64 {
        return Err(IamError::constraint(
            "roleSessionName",
            session_name,
            "have length between 2 and 64",
        ));
    }
    if !session_name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
    {
        return Err(IamError::constraint(
            "roleSessionName",
            session_name,
            r"satisfy regular expression pattern: [\w+=,.@-]*",
        ));
    }
    Ok(())
}

fn check_session_policy(policy: Option<&str>) -> Result<Option<String>, IamError> {
    let Some(document) = policy else {
        return Ok(None);
    };
    if document.is_empty() || document.chars().count() > MAX_SESSION_POLICY_CHARS {
        return Err(IamError::constraint(
            "policy",
            "",
            &format!("have length between 1 and {MAX_SESSION_POLICY_CHARS}"),
        ));
    }
    Policy::parse(document, PolicyKind::Session).map_err(|err| IamError::MalformedPolicyDocument {
        message: err.to_string(),
    })?;
    Ok(Some(document.to_owned()))
}

fn check_policy_arns(arns: &[String]) -> Result<(), IamError> {
    if arns.len() > MAX_POLICY_ARNS {
        return Err(IamError::constraint(
            "policyArns",
            &arns.len().to_string(),
            &format!("have length less than or equal to {MAX_POLICY_ARNS}"),
        ));
    }
    for arn in arns {
        if arn.len() < 20
            || arn.len() > 2048
            || !arn.starts_with("arn:aws:iam::")
            || !arn.contains(":policy/")
        {
            return Err(IamError::InvalidInput {
                message: format!("ARN {arn} is not valid."),
            });
        }
    }
    Ok(())
}

fn check_source_identity(source_identity: &str) -> Result<(), IamError> {
    if source_identity.len() < 2 || source_identity.len() > 64 {
        return Err(IamError::constraint(
            "sourceIdentity",
            source_identity,
            "have length between 2 and 64",
        ));
    }
    if !source_identity
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
    {
        return Err(IamError::constraint(
            "sourceIdentity",
            source_identity,
            r"satisfy regular expression pattern: [\w+=,.@-]*",
        ));
    }
    if source_identity.to_ascii_lowercase().starts_with("aws:") {
        return Err(IamError::Validation {
            message: "Source identity cannot begin with the prefix 'aws:'.".to_owned(),
        });
    }
    Ok(())
}

/// Session tags, key and value.
type Tags = Vec<(String, String)>;

/// The session's tags: the inherited transitive ones and the passed ones, which may not collide with an
/// inherited transitive key; and the transitive keys, which must name passed (or inherited) tags.
fn merge_tags(
    inherited: &SessionExtras,
    passed: &[(String, String)],
    transitive: &[String],
) -> Result<(Tags, Vec<String>), IamError> {
    for (index, (key, value)) in passed.iter().enumerate() {
        let key_ok = !key.is_empty()
            && key.chars().count() <= 128
            && key
                .chars()
                .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c));
        if !key_ok {
            return Err(IamError::constraint(
                &format!("tags.{}.member.key", index + 1),
                key,
                r"satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+",
            ));
        }
        if value.chars().count() > 256 {
            return Err(IamError::constraint(
                &format!("tags.{}.member.value", index + 1),
                value,
                "have length less than or equal to 256",
            ));
        }
        if passed[..index].iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
            return Err(IamError::InvalidInput {
                message: "Duplicate tag keys found. Please note that Tag keys are case insensitive."
                    .to_owned(),
            });
        }
    }
    let inherited_transitive: Vec<&(String, String)> = inherited
        .tags
        .iter()
        .filter(|(k, _)| {
            inherited
                .transitive_tag_keys
                .iter()
                .any(|t| t.eq_ignore_ascii_case(k))
        })
        .collect();
    if passed.iter().any(|(k, _)| {
        inherited_transitive
            .iter()
            .any(|(t, _)| t.eq_ignore_ascii_case(k))
    }) {
        return Err(IamError::InvalidInput {
            message: "One or more of the specified transitive tag keys can't be set because it conflicts \
                      with a transitive tag key inherited from a prior session."
                .to_owned(),
        });
    }
    for key in transitive {
        if !passed.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
            return Err(IamError::InvalidInput {
                message: "The specified transitive tag key must be included in the requested tags."
                    .to_owned(),
            });
        }
    }
    let mut tags: Vec<(String, String)> = inherited_transitive.into_iter().cloned().collect();
    tags.extend(passed.iter().cloned());
    if tags.len() > MAX_SESSION_TAGS {
        return Err(IamError::constraint(
            "tags",
            &tags.len().to_string(),
            &format!("have length less than or equal to {MAX_SESSION_TAGS}"),
        ));
    }
    let mut keys: Vec<String> = inherited
        .transitive_tag_keys
        .iter()
        .chain(transitive.iter())
        .map(|k| k.to_ascii_lowercase())
        .collect();
    keys.sort();
    keys.dedup();
    Ok((tags, keys))
}

/// How much of the packed allowance the session policies and tags use, in percent (AWS packs them into a
/// binary form; the character count against its limit tells the same story).
fn packed_size(session_policy: Option<&str>, extras: &SessionExtras) -> u32 {
    let policy = session_policy.map_or(0, |d| d.chars().count());
    let arns: usize = extras.policy_arns.iter().map(String::len).sum();
    let tags: usize = extras.tags.iter().map(|(k, v)| k.len() + v.len()).sum();
    let used = policy + arns + tags * 4;
    (used * 100 / MAX_SESSION_POLICY_CHARS).min(100) as u32
}

/// `arn:aws:iam::ACCOUNT:role{path}{name}` split into account, path and name.
fn parse_role_arn(arn: &str) -> Option<(&str, &str, &str)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let path_and_name = resource.strip_prefix("role")?;
    if !path_and_name.starts_with('/') {
        return None;
    }
    let cut = path_and_name.rfind('/')? + 1;
    let (path, name) = path_and_name.split_at(cut);
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) || name.is_empty() {
        return None;
    }
    Some((account, path, name))
}

/// Sessions that Strongroom opens for itself: the rotation engine acting as a rotation function's execution
/// role. Registering a function required `iam:PassRole` on the role, so no trust policy is consulted here.
impl Sts {
    /// A session of the role `role_arn` named `session_name`, lasting `seconds`.
    pub async fn service_role_session(
        &self,
        role_arn_text: &str,
        session_name: &str,
        seconds: i64,
    ) -> Result<SessionCredentials, IamError> {
        let no_such_role = || IamError::NoSuchEntity {
            message: format!("The role {role_arn_text} cannot be found."),
        };
        let (account, path, name) = parse_role_arn(role_arn_text).ok_or_else(no_such_role)?;
        let account: AccountId = account.parse().map_err(|_| no_such_role())?;
        let role = self
            .store
            .iam_role(&account, name)
            .await
            .map_err(IamError::store("reading an IAM role"))?
            .filter(|role| role.path == path && role.name == name)
            .ok_or_else(no_such_role)?;
        let principal = Principal::AssumedRole {
            role_name: role.name,
            role_id: role.role_id,
            session_name: session_name.to_owned(),
        };
        Ok(self.issue(&account, principal, seconds, None, SessionExtras::default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_split_into_account_path_and_name() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/a/b/deploy"),
            Some(("123456789012", "/a/b/", "deploy"))
        );
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/deploy"),
            Some(("123456789012", "/", "deploy"))
        );
        assert_eq!(parse_role_arn("arn:aws:iam::123456789012:user/deploy"), None);
        assert_eq!(parse_role_arn("arn:aws:iam::1234:role/deploy"), None);
        assert_eq!(parse_role_arn("arn:aws:iam::123456789012:role/"), None);
    }

    #[test]
    fn account_entries_become_anyone() {
        let trust = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["123456789012","arn:aws:iam::123456789012:user/x","arn:aws:iam::123456789012:root"]},"Action":"sts:AssumeRole"}]}"#;
        let rewritten = authz::account_as_anyone(trust, "123456789012").unwrap();
        assert!(rewritten.contains(r#"["*","arn:aws:iam::123456789012:user/x","*"]"#));
        let other = authz::account_as_anyone(trust, "210987654321").unwrap();
        assert!(!other.contains(r#""*""#));
    }
}
