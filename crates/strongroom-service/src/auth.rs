//! Authentication: from a SigV4-signed request to a [`Caller`].
//!
//! Long-term keys are looked up in the store and their secrets opened once; the derived signing keys are
//! cached per (access key, date, region, service), so the hot path costs one HMAC over the string to sign.
//! A cached key's record is re-read every [`RECHECK`] so that a deactivated key stops working on every node
//! within that time (and at once on the node that deactivated it, through [`Authenticator::forget`]).
//! Temporary keys carry everything in their session token, which is opened and checked on each request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use strongroom_crypto::ExposeSecret;
use strongroom_policy::{Policy, PolicyKind};
use strongroom_sigv4::{AuthInfo, SigV4Error, SignableRequest, SigningKey};
use strongroom_store::{AccessKeyOwner, AccessKeyStatus};
use strongroom_types::{AccessKeyId, AccessKeyKind, AccountId, Clock, OffsetDateTime, Region};
use time::Duration;

use crate::caller::{Caller, Identity, Principal};
use crate::keyring::{Keyring, Purpose};
use crate::{Store, bootstrap, session};

/// How long a cached long-term key is trusted before its record is read again.
pub const RECHECK: Duration = Duration::seconds(10);
/// How many derived signing keys one access key keeps (dates × regions × services in use).
const SIGNING_KEYS_PER_ACCESS_KEY: usize = 16;

/// Why a request was not authenticated. The server renders each as the AWS error of its protocol.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The signature itself is missing, malformed, stale or wrong.
    #[error(transparent)]
    Signature(#[from] SigV4Error),
    /// No such access key, or it is not active.
    #[error("the security token included in the request is invalid")]
    UnknownAccessKey,
    /// A temporary key came without its session token, or the token does not open or belong to the key.
    #[error("the security token included in the request is invalid")]
    InvalidSessionToken,
    /// The session token has expired.
    #[error("the security token included in the request is expired")]
    ExpiredSessionToken,
    /// The credential scope names a region that is not well formed.
    #[error("credential should be scoped to a valid region")]
    WrongRegion,
    /// The credential scope names another service than the one the request is for.
    #[error("credential should be scoped to correct service: '{expected}'")]
    WrongService { expected: String },
    /// The scope's terminator is not `aws4_request`.
    #[error("credential should be scoped with a valid terminator: 'aws4_request'")]
    WrongTerminator,
    /// The store could not be read.
    #[error("the credential store is unavailable")]
    Unavailable,
}

/// A principal's parsed identity policies, boundary and tags, and when they were read.
struct CachedIdentity {
    checked_at: OffsetDateTime,
    identity: Identity,
}

/// A managed policy (`None`: there is no such policy) and when it was read.
type CachedPolicy = (OffsetDateTime, Option<Policy>);

struct CachedKey {
    account: AccountId,
    principal: Principal,
    checked_at: OffsetDateTime,
    secret: strongroom_crypto::SecretString,
    signing_keys: Vec<(String, Arc<SigningKey>)>,
}

/// Turns signed requests into callers.
pub struct Authenticator {
    store: Arc<dyn Store>,
    keyring: Arc<Keyring>,
    clock: Arc<dyn Clock>,
    keys: Mutex<HashMap<AccessKeyId, CachedKey>>,
    /// Identities per (account, user name) — or `role:NAME` for a role's, which no user name can spell —
    /// re-read every [`RECHECK`] like the keys.
    policies: Mutex<HashMap<(AccountId, String), CachedIdentity>>,
    /// Managed session policies (AssumeRole's `PolicyArns`) per (account, policy name), re-read likewise.
    session_policies: Mutex<HashMap<(AccountId, String), CachedPolicy>>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator").finish_non_exhaustive()
    }
}

impl Authenticator {
    pub fn new(store: Arc<dyn Store>, keyring: Arc<Keyring>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            keyring,
            clock,
            keys: Mutex::new(HashMap::new()),
            policies: Mutex::new(HashMap::new()),
            session_policies: Mutex::new(HashMap::new()),
        }
    }

    /// Verifies `request`, whose authorization `auth` was parsed from, for `service`.
    pub async fn authenticate(
        &self,
        request: &SignableRequest<'_>,
        auth: &AuthInfo,
        service: &str,
    ) -> Result<Caller, AuthError> {
        let scope = auth.scope();
        if scope.service != service {
            return Err(AuthError::WrongService {
                expected: service.to_owned(),
            });
        }
        let region: Region = scope.region.parse().map_err(|_| AuthError::WrongRegion)?;
        let now = self.clock.now();
        let access_key_id = auth.access_key_id();
        match access_key_id.kind() {
            AccessKeyKind::LongTerm => {
                let (account, principal, key) = self.long_term_key(access_key_id, auth, now).await?;
                strongroom_sigv4::verify(request, auth, &key, now)?;
                let identity = self.identity_of(&account, &principal, now).await?;
                Ok(Caller::new(
                    account,
                    principal,
                    access_key_id.clone(),
                    region,
                    None,
                    identity,
                ))
            }
            AccessKeyKind::Temporary => {
                let token = auth.session_token().ok_or(AuthError::InvalidSessionToken)?;
                let claims = session::open(self.keyring.key(Purpose::Sessions), token)
                    .map_err(|_| AuthError::InvalidSessionToken)?;
                if claims.access_key_id != *access_key_id {
                    return Err(AuthError::InvalidSessionToken);
                }
                let key = strongroom_sigv4::derive_signing_key(
                    claims.secret_access_key.expose_secret().as_bytes(),
                    &scope.date,
                    &scope.region,
                    &scope.service,
                );
                // The signature is checked before the expiry so that an unsigned probe learns nothing.
                strongroom_sigv4::verify(request, auth, &key, now)?;
                if now >= claims.expires_at {
                    return Err(AuthError::ExpiredSessionToken);
                }
                let identity = self.identity_of(&claims.account, &claims.principal, now).await?;
                // The session policy was validated when the session was made, and sealed with it.
                let mut session_policies = match &claims.session_policy {
                    None => Vec::new(),
                    Some(document) => vec![
                        Policy::parse(document, PolicyKind::Session)
                            .map_err(|_| AuthError::InvalidSessionToken)?
                            .with_label("session"),
                    ],
                };
                for arn in &claims.extras.policy_arns {
                    match self.session_policy(&claims.account, arn, now).await? {
                        Some(policy) => session_policies.push(policy),
                        // A session policy that is gone allows nothing, so the session may do nothing.
                        None => session_policies.push(deny_everything(arn)?),
                    }
                }
                Ok(Caller::new(
                    claims.account,
                    claims.principal,
                    access_key_id.clone(),
                    region,
                    Some(claims.expires_at),
                    identity,
                )
                .with_session_policies(Arc::new(session_policies))
                .with_session(claims.issued_at, Arc::new(claims.extras)))
            }
            AccessKeyKind::Unknown => Err(AuthError::UnknownAccessKey),
        }
    }

    /// Drops the cached policies of a user, after they changed here (other nodes see the change within
    /// [`RECHECK`]).
    pub fn forget_user(&self, account: &AccountId, user_name: &str) {
        self.lock_policies()
            .remove(&(account.clone(), user_name.to_owned()));
    }

    /// Drops every cached user's policies, after a managed policy's default version changed here (it may be
    /// attached to any number of users; other nodes see the change within [`RECHECK`]).
    pub fn forget_all_policies(&self) {
        self.lock_policies().clear();
        self.lock_session_policies().clear();
    }

    fn lock_policies(&self) -> std::sync::MutexGuard<'_, HashMap<(AccountId, String), CachedIdentity>> {
        self.policies
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Drops the cached policies of a role, after they changed here (other nodes see the change within
    /// [`RECHECK`]).
    pub fn forget_role(&self, account: &AccountId, role_name: &str) {
        self.lock_policies()
            .remove(&(account.clone(), role_cache_key(role_name)));
    }

    /// The identity of `principal`, from the cache when fresh: its identity policies (a user's own and its
    /// groups', or a role session's role's), its permissions boundary and its tags. The root user has none.
    async fn identity_of(
        &self,
        account: &AccountId,
        principal: &Principal,
        now: OffsetDateTime,
    ) -> Result<Identity, AuthError> {
        let key = match principal {
            Principal::Root => return Ok(Identity::default()),
            Principal::User { name, .. } => (account.clone(), name.clone()),
            Principal::AssumedRole { role_name, .. } => (account.clone(), role_cache_key(role_name)),
        };
        if let Some(cached) = self
            .lock_policies()
            .get(&key)
            .filter(|c| now - c.checked_at < RECHECK)
        {
            return Ok(cached.identity.clone());
        }
        let unavailable = |err: strongroom_store::StoreError| {
            tracing::error!(error = %err, "reading an identity failed");
            AuthError::Unavailable
        };
        // The inline policies and the default version of each managed policy attached, then the principal's
        // record for its tags and boundary. A deleted role's sessions, or a deleted user's, may do nothing.
        let (documents, tags, boundary_arn) = match principal {
            Principal::AssumedRole { role_name, .. } => {
                let documents = match self
                    .store
                    .role_identity_policy_documents(account, role_name)
                    .await
                {
                    Err(strongroom_store::StoreError::NotFound) => Vec::new(),
                    other => other.map_err(unavailable)?,
                };
                let role = self
                    .store
                    .iam_role(account, role_name)
                    .await
                    .map_err(unavailable)?;
                match role {
                    Some(role) => (documents, role.tags, role.permissions_boundary),
                    None => (Vec::new(), Vec::new(), None),
                }
            }
            _ => {
                let documents = self
                    .store
                    .user_identity_policy_documents(account, &key.1)
                    .await
                    .map_err(unavailable)?;
                let user = self.store.iam_user(account, &key.1).await.map_err(unavailable)?;
                match user {
                    Some(user) => (documents, user.tags, user.permissions_boundary),
                    None => (Vec::new(), Vec::new(), None),
                }
            }
        };
        let mut policies = Vec::with_capacity(documents.len());
        for (label, document) in documents {
            match Policy::parse(&document, PolicyKind::Identity) {
                Ok(policy) => policies.push(policy.with_label(label)),
                // Stored policies were validated when they were put; one that no longer parses grants nothing.
                Err(err) => {
                    tracing::error!(error = %err, policy = %label, "a stored policy does not parse")
                }
            }
        }
        let boundary = match boundary_arn {
            None => None,
            // A boundary that cannot be read allows nothing: failing closed keeps the ceiling in place.
            Some(arn) => Some(Arc::new(
                match self.managed_policy_by_arn(account, &arn).await? {
                    Some(policy) => policy,
                    None => deny_everything(&arn)?,
                },
            )),
        };
        let identity = Identity {
            policies: Arc::new(policies),
            boundary,
            tags: Arc::new(tags.into_iter().map(|tag| (tag.key, tag.value)).collect()),
        };
        self.lock_policies().insert(
            key,
            CachedIdentity {
                checked_at: now,
                identity: identity.clone(),
            },
        );
        Ok(identity)
    }

    /// A managed session policy, from the cache when fresh; `None` when it does not exist (any more).
    async fn session_policy(
        &self,
        account: &AccountId,
        arn: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Policy>, AuthError> {
        let key = (account.clone(), arn.to_owned());
        if let Some((_, policy)) = self
            .lock_session_policies()
            .get(&key)
            .filter(|(checked_at, _)| now - *checked_at < RECHECK)
        {
            return Ok(policy.clone());
        }
        let policy = self.managed_policy_by_arn(account, arn).await?;
        self.lock_session_policies().insert(key, (now, policy.clone()));
        Ok(policy)
    }

    fn lock_session_policies(&self) -> std::sync::MutexGuard<'_, HashMap<(AccountId, String), CachedPolicy>> {
        self.session_policies
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The default version of the managed policy `arn` of `account`, parsed and labelled with its ARN.
    async fn managed_policy_by_arn(
        &self,
        account: &AccountId,
        arn: &str,
    ) -> Result<Option<Policy>, AuthError> {
        let Some(name) = managed_policy_name(account, arn) else {
            return Ok(None);
        };
        let unavailable = |err: strongroom_store::StoreError| {
            tracing::error!(error = %err, "reading a managed policy failed");
            AuthError::Unavailable
        };
        let Some(record) = self
            .store
            .managed_policy(account, name)
            .await
            .map_err(unavailable)?
        else {
            return Ok(None);
        };
        let Some(version) = self
            .store
            .policy_version(account, name, record.default_version)
            .await
            .map_err(unavailable)?
        else {
            return Ok(None);
        };
        Ok(Policy::parse(&version.document, PolicyKind::Identity)
            .ok()
            .map(|policy| policy.with_label(arn.to_owned())))
    }

    /// Drops what is cached about `access_key_id`, after it was deactivated or deleted here.
    pub fn forget(&self, access_key_id: &AccessKeyId) {
        self.lock().remove(access_key_id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<AccessKeyId, CachedKey>> {
        self.keys.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The signing key for a long-term access key and the request's scope, from the cache when fresh.
    async fn long_term_key(
        &self,
        access_key_id: &AccessKeyId,
        auth: &AuthInfo,
        now: OffsetDateTime,
    ) -> Result<(AccountId, Principal, Arc<SigningKey>), AuthError> {
        let scope = auth.scope();
        let scope_id = format!("{}/{}/{}", scope.date, scope.region, scope.service);
        {
            let mut keys = self.lock();
            if let Some(cached) = keys
                .get_mut(access_key_id)
                .filter(|c| now - c.checked_at < RECHECK)
            {
                let key = signing_key_for(cached, &scope_id, auth);
                return Ok((cached.account.clone(), cached.principal.clone(), key));
            }
        }
        let record = self
            .store
            .access_key(access_key_id)
            .await
            .map_err(|err| {
                tracing::error!(error = %err, "reading an access key failed");
                AuthError::Unavailable
            })?
            .filter(|record| record.status == AccessKeyStatus::Active);
        let Some(record) = record else {
            self.forget(access_key_id);
            return Err(AuthError::UnknownAccessKey);
        };
        let secret = bootstrap::open_secret(&self.keyring, &record).map_err(|err| {
            tracing::error!(error = %err, "opening an access key secret failed");
            AuthError::Unavailable
        })?;
        let principal = match &record.owner {
            AccessKeyOwner::Root => Principal::Root,
            AccessKeyOwner::User(name) => {
                // The user's unique id (`AIDA…`) is what GetCallerIdentity reports; a key whose user is gone
                // authenticates nobody.
                let user = self
                    .store
                    .iam_user(&record.account_id, name)
                    .await
                    .map_err(|err| {
                        tracing::error!(error = %err, "reading an IAM user failed");
                        AuthError::Unavailable
                    })?
                    .ok_or(AuthError::UnknownAccessKey)?;
                Principal::User {
                    name: user.name,
                    user_id: user.user_id,
                }
            }
        };
        let mut keys = self.lock();
        let cached = keys.entry(access_key_id.clone()).or_insert_with(|| CachedKey {
            account: record.account_id.clone(),
            principal: principal.clone(),
            checked_at: now,
            secret,
            signing_keys: Vec::new(),
        });
        cached.checked_at = now;
        let key = signing_key_for(cached, &scope_id, auth);
        Ok((record.account_id, principal, key))
    }
}

/// The name in `arn:aws:iam::ACCOUNT:policy/PATH/NAME` when the ARN is of `account`.
fn managed_policy_name<'a>(account: &AccountId, arn: &'a str) -> Option<&'a str> {
    let rest = arn
        .strip_prefix("arn:aws:iam::")?
        .strip_prefix(account.as_str())?;
    let path_and_name = rest.strip_prefix(":policy/")?;
    path_and_name.rsplit('/').next().filter(|name| !name.is_empty())
}

/// A policy that denies everything, standing in for one that should exist but cannot be read.
fn deny_everything(label: &str) -> Result<Policy, AuthError> {
    const DENY_ALL: &str =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#;
    Policy::parse(DENY_ALL, PolicyKind::Identity)
        .map(|policy| policy.with_label(label.to_owned()))
        .map_err(|_| AuthError::Unavailable)
}

/// The policy cache's key for a role: `role:NAME` (`:` cannot occur in an IAM user name).
fn role_cache_key(role_name: &str) -> String {
    format!("role:{}", strongroom_store::iam::name_key(role_name))
}

fn signing_key_for(cached: &mut CachedKey, scope_id: &str, auth: &AuthInfo) -> Arc<SigningKey> {
    if let Some((_, key)) = cached.signing_keys.iter().find(|(id, _)| id == scope_id) {
        return Arc::clone(key);
    }
    let scope = auth.scope();
    let key = Arc::new(strongroom_sigv4::derive_signing_key(
        cached.secret.expose_secret().as_bytes(),
        &scope.date,
        &scope.region,
        &scope.service,
    ));
    if cached.signing_keys.len() >= SIGNING_KEYS_PER_ACCESS_KEY {
        cached.signing_keys.remove(0);
    }
    cached.signing_keys.push((scope_id.to_owned(), Arc::clone(&key)));
    key
}
