//! STS: who am I, temporary credentials for the caller, and sessions of IAM roles (AssumeRole).
//!
//! AssumeRole decides with the role's trust policy as the resource policy of `sts:AssumeRole` on the role:
//! a trust policy naming the caller's own ARN, or matching it through `*`, is enough; one naming only the
//! caller's account delegates to the caller's identity policies, which must then allow `sts:AssumeRole` on
//! the role (the account's root user needs none). Unknown roles are denied alike, so that a caller cannot
//! learn which roles exist. Only roles of the caller's own account can be assumed.

use std::sync::Arc;

use strongroom_crypto::SecretString;
use strongroom_policy::{DecisionEffect, Policy, PolicyKind, PolicySet, Reason, RequestContext, evaluate};
use strongroom_types::{AccountId, Clock, OffsetDateTime};
use time::Duration;

use crate::authz::{self, Authorizer};
use crate::caller::{Caller, Principal};
use crate::iam::{IamError, role_arn};
use crate::keyring::{Keyring, Purpose};
use crate::session::{self, SessionClaims};
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
    /// How much of the session policy allowance the session policy uses, in percent, when one was given.
    pub packed_policy_size: Option<u32>,
}

/// The STS operations.
pub struct Sts {
    store: Arc<dyn Store>,
    keyring: Arc<Keyring>,
    clock: Arc<dyn Clock>,
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
        }
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
        Ok(self.issue(caller.account(), caller.principal().clone(), seconds, None))
    }

    /// Seals new temporary credentials for `principal`, valid for `seconds`.
    fn issue(
        &self,
        account: &AccountId,
        principal: Principal,
        seconds: i64,
        session_policy: Option<String>,
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
        };
        let token = session::seal(self.keyring.key(Purpose::Sessions), &claims);
        SessionCredentials {
            access_key_id: access_key_id.to_string(),
            secret_access_key: claims.secret_access_key,
            session_token: SecretString::from(token),
            expiration: claims.expires_at,
        }
    }

    /// A session of the role `role_arn` named `session_name`, if its trust policy (and, where it delegates,
    /// the caller's identity policies) allow the caller; `policy` narrows the session's permissions.
    pub async fn assume_role(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        role_arn_text: &str,
        session_name: &str,
        duration_seconds: Option<i64>,
        policy: Option<&str>,
    ) -> Result<AssumedRole, IamError> {
        if role_arn_text.len() < 20 || role_arn_text.len() > 2048 {
            return Err(IamError::constraint(
                "roleArn",
                role_arn_text,
                "have length between 20 and 2048",
            ));
        }
        let name_ok = session_name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b));
        if session_name.len() < 2 || session_name.len() > 64 {
            return Err(IamError::constraint(
                "roleSessionName",
                session_name,
                "have length between 2 and 64",
            ));
        }
        if !name_ok {
            return Err(IamError::constraint(
                "roleSessionName",
                session_name,
                r"satisfy regular expression pattern: [\w+=,.@-]*",
            ));
        }
        if let Some(s) = duration_seconds {
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
        let session_policy = match policy {
            None => None,
            Some(document) => {
                if document.is_empty() || document.chars().count() > MAX_SESSION_POLICY_CHARS {
                    return Err(IamError::constraint(
                        "policy",
                        "",
                        &format!("have length between 1 and {MAX_SESSION_POLICY_CHARS}"),
                    ));
                }
                Policy::parse(document, PolicyKind::Session).map_err(|err| {
                    IamError::MalformedPolicyDocument {
                        message: err.to_string(),
                    }
                })?;
                Some(document.to_owned())
            }
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
        if !self.trusts(authz, caller, &role.assume_role_policy, &role_arn) {
            return Err(denied());
        }

        let max = i64::from(role.max_session_duration);
        let chained = matches!(caller.principal(), Principal::AssumedRole { .. });
        let seconds = duration_seconds.unwrap_or(DEFAULT_ROLE_SESSION_SECONDS);
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
        let packed_policy_size = session_policy.as_ref().map(|document| {
            let chars = document.chars().count().min(MAX_SESSION_POLICY_CHARS);
            (chars * 100 / MAX_SESSION_POLICY_CHARS) as u32
        });
        let principal = Principal::AssumedRole {
            role_name: role.name.clone(),
            role_id: role.role_id.clone(),
            session_name: session_name.to_owned(),
        };
        let credentials = self.issue(account, principal, seconds, session_policy);
        Ok(AssumedRole {
            credentials,
            assumed_role_id: format!("{}:{session_name}", role.role_id),
            arn: format!("arn:aws:sts::{account}:assumed-role/{}/{session_name}", role.name),
            packed_policy_size,
        })
    }

    /// Whether the trust policy `trust` lets `caller` assume the role `role_arn` (see the module docs).
    fn trusts(&self, authz: &Authorizer, caller: &Caller, trust: &str, role_arn: &str) -> bool {
        let account = caller.account().as_str();
        let Ok(policy) = Policy::parse(trust, PolicyKind::Trust) else {
            return false;
        };
        let principal = match caller.principal() {
            Principal::Root => strongroom_policy::Principal {
                kind: strongroom_policy::PrincipalType::Account,
                arn: format!("arn:aws:iam::{account}:root"),
                source_arn: None,
                account: account.to_owned(),
                user_name: None,
                user_id: Some(account.to_owned()),
                tags: Vec::new(),
            },
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
        let context = RequestContext::new(principal, "sts:AssumeRole", role_arn, self.clock.now())
            .with("aws:RequestedRegion", caller.region().as_str());
        let decide = |policy: &Policy| {
            evaluate(&strongroom_policy::Request {
                context: &context,
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
        let Some(delegating) =
            account_as_anyone(trust, account).and_then(|text| Policy::parse(&text, PolicyKind::Trust).ok())
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
            Principal::User { .. } | Principal::AssumedRole { .. } => authz
                .authorize(
                    caller,
                    &authz::Request {
                        action: "sts:AssumeRole",
                        resource: role_arn,
                        resource_account: account,
                    },
                )
                .is_ok(),
        }
    }
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

/// The trust policy with every `AWS` principal entry that names `account` (`ACCOUNT` or its root ARN)
/// replaced by `*`: evaluated for a caller of that account, its allows then show whether the trust policy
/// allows the account. `None` when the text is not JSON.
fn account_as_anyone(trust: &str, account: &str) -> Option<String> {
    use serde_json::Value;
    let mut doc: Value = serde_json::from_str(trust).ok()?;
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
        Ok(self.issue(&account, principal, seconds, None))
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
        let rewritten = account_as_anyone(trust, "123456789012").unwrap();
        assert!(rewritten.contains(r#"["*","arn:aws:iam::123456789012:user/x","*"]"#));
        let other = account_as_anyone(trust, "210987654321").unwrap();
        assert!(!other.contains(r#""*""#));
    }
}
