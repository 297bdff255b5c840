//! STS: who am I, and temporary credentials for the caller.

use std::sync::Arc;

use strongroom_crypto::SecretString;
use strongroom_types::{Clock, OffsetDateTime};
use time::Duration;

use crate::ServiceError;
use crate::caller::{Caller, Principal};
use crate::keyring::{Keyring, Purpose};
use crate::session::{self, SessionClaims};

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

/// The STS operations.
pub struct Sts {
    keyring: Arc<Keyring>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Sts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sts").finish_non_exhaustive()
    }
}

impl Sts {
    pub fn new(keyring: Arc<Keyring>, clock: Arc<dyn Clock>) -> Self {
        Self { keyring, clock }
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
            Principal::User { .. } => (DEFAULT_USER_SESSION_SECONDS, MAX_USER_SESSION_SECONDS),
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
        let now = crate::truncate_to_millis(self.clock.now())
            .replace_millisecond(0)
            .unwrap_or(self.clock.now());
        let access_key_id = strongroom_crypto::random::access_key_id_temporary();
        let secret_access_key = strongroom_crypto::random::secret_access_key();
        let claims = SessionClaims {
            access_key_id: access_key_id.clone(),
            secret_access_key,
            account: caller.account().clone(),
            principal: caller.principal().clone(),
            issued_at: now,
            expires_at: now + Duration::seconds(seconds),
        };
        let token = session::seal(self.keyring.key(Purpose::Sessions), &claims);
        Ok(SessionCredentials {
            access_key_id: access_key_id.to_string(),
            secret_access_key: claims.secret_access_key,
            session_token: SecretString::from(token),
            expiration: claims.expires_at,
        })
    }
}
