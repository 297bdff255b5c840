//! IAM: users, their access keys, their inline policies, customer managed policies (see `policies`),
//! groups (see `groups`) and roles (see `roles`), per account (IAM is global: no region).
//!
//! Every public operation authorizes `iam:<Operation>` on the user's ARN
//! (`arn:aws:iam::ACCOUNT:user{path}{name}`) through the [`Authorizer`] the server passes in. A user's access
//! keys live in the store's `access_keys` table, so authentication finds them; their secrets are sealed as
//! the root user's are (see `bootstrap`). [`Iam::policies_for_user`] is the read API the authorizer will use
//! to evaluate a user's policies.

mod boundaries;
mod context;
mod error;
mod groups;
mod policies;
mod roles;
mod simulate;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use strongroom_crypto::{ExposeSecret, SecretString};
use strongroom_policy::{Policy, PolicyKind};
use strongroom_store::iam::{KeyCreation, UserDeletion};
use strongroom_store::{AccessKeyOwner, AccessKeyRecord, AccessKeyStatus, StoreError};
use strongroom_types::{AccessKeyId, AccountId, Clock, OffsetDateTime};

use crate::authz::{self, Authorizer};
use crate::bootstrap::access_key_context;
use crate::key_usage::KeyUsage;
use crate::keyring::Purpose;
use crate::{Caller, Keyring, Principal, Store};

pub use error::IamError;
pub use groups::{GroupRecord, group_arn};
pub use policies::{
    NewPolicy, PolicyListing, PolicyRecord, PolicyVersion, PolicyVersionRecord, TAGS_PER_POLICY,
    VERSIONS_PER_POLICY, policy_arn, version_id,
};
pub use roles::{
    MAX_MAX_SESSION_DURATION, MIN_MAX_SESSION_DURATION, NewRole, RoleRecord, TAGS_PER_ROLE, role_arn,
};
pub use simulate::{ContextEntry, EvalDecision, EvaluationResult, MatchedStatement, Position, Simulation};
pub use strongroom_store::iam::{IamUserRecord as UserRecord, Tag};

/// How many access keys one user may have.
pub const ACCESS_KEYS_PER_USER: u32 = 2;
/// How many tags one user may have.
pub const TAGS_PER_USER: usize = 50;
const DEFAULT_MAX_ITEMS: i64 = 100;
const MAX_ITEMS: i64 = 1000;
pub(crate) const MAX_POLICY_DOCUMENT_CHARS: usize = 131_072;
/// How many times a change is re-applied after losing a race with another writer.
const CAS_ATTEMPTS: usize = 8;

/// A page of a listing; `marker` is set when there is more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub marker: Option<String>,
}

/// What GetUser reports: an IAM user, or the account's root user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserView {
    User(UserRecord),
    /// The root user: its id is the account id.
    Root {
        account_id: AccountId,
        created_at: OffsetDateTime,
    },
}

/// A new access key, with its secret (shown once).
pub struct NewAccessKey {
    pub user_name: String,
    pub record: AccessKeyRecord,
    pub secret_access_key: SecretString,
}

impl std::fmt::Debug for NewAccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccessKey")
            .field("user_name", &self.user_name)
            .field("access_key_id", &self.record.access_key_id)
            .field("secret_access_key", &"[redacted]")
            .finish()
    }
}

/// GetAccessKeyLastUsed's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeyLastUsed {
    pub user_name: String,
    /// `None` when the key was never used.
    pub last_used_at: Option<OffsetDateTime>,
    /// The signing name of the service last called (`N/A` for a key never used, as AWS reports it).
    pub service_name: String,
    /// The region last called (`N/A` for a key never used).
    pub region: String,
}

/// The policies that apply to a user, for the authorizer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserPolicies {
    /// `(label, document)`: a label names the policy for a decision's explanation
    /// (`user/NAME/inline/POLICY`, `group/NAME/inline/POLICY`, or `policy/NAME/vN` for a managed policy's
    /// default version).
    pub identity: Vec<(String, String)>,
    /// The permissions boundary's document, if the user has one.
    pub boundary: Option<String>,
}

/// The user ARN `arn:aws:iam::ACCOUNT:user{path}{name}`.
pub fn user_arn(account: &AccountId, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:user{path}{name}")
}

fn now_millis(clock: &dyn Clock) -> OffsetDateTime {
    crate::truncate_to_millis(clock.now())
}

/// `[\w+=,.@-]+` with 1..=max characters (IAM names are ASCII).
fn check_name(member: &str, value: &str, max: usize) -> Result<(), IamError> {
    if value.is_empty() || value.len() > max {
        return Err(IamError::constraint(
            member,
            value,
            &format!("have length less than or equal to {max}"),
        ));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
    {
        return Err(IamError::constraint(
            member,
            value,
            r"satisfy regular expression pattern: [\w+=,.@-]+",
        ));
    }
    Ok(())
}

/// `/` or `/…/` of printable ASCII, at most 512 characters.
fn check_path(member: &str, value: &str) -> Result<(), IamError> {
    let printable = value.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if value.is_empty() || value.len() > 512 || !printable || !value.starts_with('/') || !value.ends_with('/')
    {
        return Err(IamError::constraint(
            member,
            value,
            r"satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)",
        ));
    }
    Ok(())
}

fn check_path_prefix(value: &str) -> Result<(), IamError> {
    if value.is_empty()
        || value.len() > 512
        || !value.starts_with('/')
        || !value.bytes().all(|b| (0x21..=0x7f).contains(&b))
    {
        return Err(IamError::constraint(
            "pathPrefix",
            value,
            r"satisfy regular expression pattern: \u002F[\u0021-\u007F]*",
        ));
    }
    Ok(())
}

/// One page of inline policy names: those after `marker`, at most `limit`, and the marker of the next page.
fn page_of_names(names: &[String], marker: Option<&str>, limit: usize) -> Page<String> {
    let items: Vec<String> = names
        .iter()
        .filter(|n| marker.is_none_or(|m| n.as_str() > m))
        .take(limit)
        .cloned()
        .collect();
    let marker = match items.last() {
        Some(last) if names.last() != Some(last) => Some(last.clone()),
        _ => None,
    };
    Page { items, marker }
}

/// One page of tags in insertion order; the marker is the index of the next tag.
fn page_of_tags(tags: &[Tag], marker: Option<&str>, limit: usize) -> Result<Page<Tag>, IamError> {
    let start = match marker {
        None => 0,
        Some(marker) => marker.parse::<usize>().map_err(|_| IamError::InvalidInput {
            message: "Invalid Marker.".to_owned(),
        })?,
    };
    let items: Vec<Tag> = tags.iter().skip(start).take(limit).cloned().collect();
    let end = start + items.len();
    let marker = (end < tags.len()).then(|| end.to_string());
    Ok(Page { items, marker })
}

fn max_items(max_items: Option<i64>) -> Result<u32, IamError> {
    let n = max_items.unwrap_or(DEFAULT_MAX_ITEMS);
    if !(1..=MAX_ITEMS).contains(&n) {
        return Err(IamError::constraint(
            "maxItems",
            &n.to_string(),
            "have value between 1 and 1000",
        ));
    }
    u32::try_from(n).map_err(|_| IamError::internal("maxItems out of range"))
}

fn check_tags(tags: &[Tag]) -> Result<(), IamError> {
    for tag in tags {
        let key_len = tag.key.chars().count();
        if key_len == 0 || key_len > 128 {
            return Err(IamError::constraint(
                "tags.member.key",
                &tag.key,
                "have length between 1 and 128",
            ));
        }
        if tag.value.chars().count() > 256 {
            return Err(IamError::constraint(
                "tags.member.value",
                &tag.value,
                "have length less than or equal to 256",
            ));
        }
    }
    for (i, tag) in tags.iter().enumerate() {
        if tags[..i].iter().any(|t| t.key == tag.key) {
            return Err(IamError::InvalidInput {
                message: format!(
                    "Duplicate tag keys found. Please note that Tag keys are case insensitive: {}",
                    tag.key
                ),
            });
        }
    }
    Ok(())
}

fn check_policy_document(document: &str) -> Result<(), IamError> {
    if document.is_empty() || document.chars().count() > MAX_POLICY_DOCUMENT_CHARS {
        return Err(IamError::constraint(
            "policyDocument",
            "",
            "have length between 1 and 131072",
        ));
    }
    Policy::parse(document, PolicyKind::Identity).map_err(|err| IamError::MalformedPolicyDocument {
        message: err.to_string(),
    })?;
    Ok(())
}

/// The user `UserName` names, or the calling user when it is absent.
fn user_or_caller<'a>(caller: &'a Caller, user_name: Option<&'a str>) -> Result<&'a str, IamError> {
    match (user_name, caller.principal()) {
        (Some(name), _) => {
            check_name("userName", name, 128)?;
            Ok(name)
        }
        (None, Principal::User { name, .. }) => Ok(name),
        (None, Principal::Root) => Err(IamError::Validation {
            message:
                "Must specify userName when calling with the root user's credentials: Strongroom manages \
                      the root user's access keys with `strongroom init`"
                    .to_owned(),
        }),
        (None, Principal::AssumedRole { .. }) => Err(non_user_credentials()),
    }
}

/// A role session's request that names no user.
fn non_user_credentials() -> IamError {
    IamError::Validation {
        message: "Must specify userName when calling with non-User credentials".to_owned(),
    }
}

/// The IAM operations.
pub struct Iam {
    store: Arc<dyn Store>,
    keyring: Arc<Keyring>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Iam {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Iam").finish_non_exhaustive()
    }
}

impl Iam {
    pub fn new(store: Arc<dyn Store>, keyring: Arc<Keyring>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            keyring,
            clock,
        }
    }

    fn authorize(
        authz: &Authorizer,
        caller: &Caller,
        action: &str,
        resource: &str,
    ) -> Result<authz::Allowed, IamError> {
        Self::authorize_in(authz, caller, action, resource, &[])
    }

    /// [`Self::authorize`] with the request's own condition keys (see [`context`]).
    fn authorize_in(
        authz: &Authorizer,
        caller: &Caller,
        action: &str,
        resource: &str,
        context: &[(String, strongroom_policy::ContextValue)],
    ) -> Result<authz::Allowed, IamError> {
        Ok(authz.authorize_with(
            caller,
            &authz::Request {
                action,
                resource,
                resource_account: caller.account().as_str(),
            },
            &authz::Extra {
                context,
                ..authz::Extra::default()
            },
        )?)
    }

    /// The ARN a request about the user `name` is authorized on: the stored user's, or `user/NAME` when
    /// there is no such user (so that a denied caller cannot learn whether it exists).
    async fn load_user(&self, account: &AccountId, name: &str) -> Result<Option<UserRecord>, IamError> {
        self.store
            .iam_user(account, name)
            .await
            .map_err(IamError::store("reading an IAM user"))
    }

    /// Authorizes `action` on the user `name` and returns it, or `NoSuchEntity`.
    async fn authorized_user(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        action: &str,
        name: &str,
    ) -> Result<UserRecord, IamError> {
        self.authorized_user_with(authz, caller, action, name, Vec::new())
            .await
    }

    /// [`Self::authorized_user`], the request adding `request` to the user's tags as condition keys.
    async fn authorized_user_with(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        action: &str,
        name: &str,
        request: context::ContextKeys,
    ) -> Result<UserRecord, IamError> {
        let account = caller.account();
        let user = self.load_user(account, name).await?;
        let (arn, mut keys) = match &user {
            Some(user) => (
                user_arn(account, &user.path, &user.name),
                context::resource_tags(&user.tags),
            ),
            None => (user_arn(account, "/", name), Vec::new()),
        };
        keys.extend(request);
        Self::authorize_in(authz, caller, action, &arn, &keys)?;
        user.ok_or_else(|| IamError::no_such_user(name))
    }

    /// Re-reads the user and applies `change` by compare-and-set until it lands.
    async fn change_user<F>(
        &self,
        account: &AccountId,
        name: &str,
        mut change: F,
    ) -> Result<UserRecord, IamError>
    where
        F: FnMut(&mut UserRecord) -> Result<(), IamError>,
    {
        for _ in 0..CAS_ATTEMPTS {
            let current = self
                .load_user(account, name)
                .await?
                .ok_or_else(|| IamError::no_such_user(name))?;
            let mut next = current.clone();
            change(&mut next)?;
            if next == current {
                return Ok(current);
            }
            next.revision = current.revision + 1;
            match self.store.update_iam_user(&next, current.revision).await {
                Ok(()) => return Ok(next),
                Err(StoreError::Conflict) => continue,
                Err(StoreError::NotFound) => return Err(IamError::no_such_user(name)),
                Err(StoreError::AlreadyExists) => {
                    return Err(IamError::EntityAlreadyExists {
                        message: format!("User with name {} already exists.", next.name),
                    });
                }
                Err(err) => return Err(IamError::store("updating an IAM user")(err)),
            }
        }
        Err(IamError::internal("an IAM user kept changing under an update"))
    }

    // -----------------------------------------------------------------------------------------------------
    // Users.

    pub async fn create_user(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        name: &str,
        path: Option<&str>,
        tags: Vec<Tag>,
    ) -> Result<UserRecord, IamError> {
        self.create_user_with_boundary(authz, caller, name, path, tags, None)
            .await
    }

    /// CreateUser with a `PermissionsBoundary`: the ARN of a managed policy of the account.
    pub async fn create_user_with_boundary(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        name: &str,
        path: Option<&str>,
        tags: Vec<Tag>,
        permissions_boundary: Option<&str>,
    ) -> Result<UserRecord, IamError> {
        check_name("userName", name, 64)?;
        let path = path.unwrap_or("/");
        check_path("path", path)?;
        check_tags(&tags)?;
        if tags.len() > TAGS_PER_USER {
            return Err(IamError::LimitExceeded {
                message: format!("Cannot exceed quota for TagsPerUser: {TAGS_PER_USER}"),
            });
        }
        let account = caller.account();
        let mut request = context::request_tags(&tags);
        request.extend(context::permissions_boundary(permissions_boundary));
        Self::authorize_in(
            authz,
            caller,
            "iam:CreateUser",
            &user_arn(account, path, name),
            &request,
        )?;
        let permissions_boundary = match permissions_boundary {
            Some(arn) => Some(self.boundary_policy_arn(caller, arn).await?),
            None => None,
        };
        let user = UserRecord {
            account_id: account.clone(),
            user_id: format!(
                "AIDA{}",
                strongroom_crypto::random::alnum_suffix(17).to_ascii_uppercase()
            ),
            name: name.to_owned(),
            path: path.to_owned(),
            created_at: now_millis(self.clock.as_ref()),
            tags,
            revision: 1,
            permissions_boundary,
        };
        match self.store.create_iam_user(&user).await {
            Ok(()) => Ok(user),
            Err(StoreError::AlreadyExists) => Err(IamError::EntityAlreadyExists {
                message: format!("User with name {name} already exists."),
            }),
            Err(err) => Err(IamError::store("creating an IAM user")(err)),
        }
    }

    /// The user `name`, or the caller when `name` is absent (for the root user, the root user itself).
    pub async fn get_user(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        name: Option<&str>,
    ) -> Result<UserView, IamError> {
        let account = caller.account();
        let name = match (name, caller.principal()) {
            (Some(name), _) => name,
            (None, Principal::User { name, .. }) => name,
            (None, Principal::AssumedRole { .. }) => return Err(non_user_credentials()),
            (None, Principal::Root) => {
                Self::authorize(authz, caller, "iam:GetUser", &caller.arn())?;
                let record = self
                    .store
                    .account(account)
                    .await
                    .map_err(IamError::store("reading an account"))?
                    .ok_or_else(|| IamError::internal("the caller's account does not exist"))?;
                return Ok(UserView::Root {
                    account_id: account.clone(),
                    created_at: record.created_at,
                });
            }
        };
        check_name("userName", name, 128)?;
        Ok(UserView::User(
            self.authorized_user(authz, caller, "iam:GetUser", name).await?,
        ))
    }

    pub async fn list_users(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max: Option<i64>,
    ) -> Result<Page<UserRecord>, IamError> {
        let prefix = path_prefix.unwrap_or("/");
        check_path_prefix(prefix)?;
        let limit = max_items(max)?;
        let account = caller.account();
        Self::authorize(authz, caller, "iam:ListUsers", &user_arn(account, prefix, ""))?;
        let mut items = self
            .store
            .iam_users(account, prefix, marker, limit + 1)
            .await
            .map_err(IamError::store("listing IAM users"))?;
        let marker = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|u| u.name.clone())
        } else {
            None
        };
        Ok(Page { items, marker })
    }

    pub async fn update_user(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        name: &str,
        new_name: Option<&str>,
        new_path: Option<&str>,
    ) -> Result<UserRecord, IamError> {
        check_name("userName", name, 128)?;
        if let Some(new_name) = new_name {
            check_name("newUserName", new_name, 64)?;
        }
        if let Some(new_path) = new_path {
            check_path("newPath", new_path)?;
        }
        self.authorized_user(authz, caller, "iam:UpdateUser", name)
            .await?;
        self.change_user(caller.account(), name, |user| {
            if let Some(new_name) = new_name {
                user.name = new_name.to_owned();
            }
            if let Some(new_path) = new_path {
                user.path = new_path.to_owned();
            }
            Ok(())
        })
        .await
    }

    pub async fn delete_user(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        name: &str,
    ) -> Result<UserRecord, IamError> {
        check_name("userName", name, 128)?;
        let user = self
            .authorized_user(authz, caller, "iam:DeleteUser", name)
            .await?;
        let conflict = |what: &str| IamError::DeleteConflict {
            message: format!("Cannot delete entity, must delete {what} first."),
        };
        match self.store.delete_iam_user(caller.account(), name).await {
            Ok(UserDeletion::Deleted) => Ok(user),
            Ok(UserDeletion::HasAccessKeys) => Err(conflict("access keys")),
            Ok(UserDeletion::HasPolicies) => Err(conflict("policies")),
            Ok(UserDeletion::HasAttachedPolicies) => Err(IamError::DeleteConflict {
                message: "Cannot delete entity, must detach all policies first.".to_owned(),
            }),
            Ok(UserDeletion::InGroups) => Err(IamError::DeleteConflict {
                message: "Cannot delete entity, must remove the user from all groups first.".to_owned(),
            }),
            Err(StoreError::NotFound) => Err(IamError::no_such_user(name)),
            Err(err) => Err(IamError::store("deleting an IAM user")(err)),
        }
    }

    pub async fn tag_user(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        name: &str,
        tags: Vec<Tag>,
    ) -> Result<UserRecord, IamError> {
        check_name("userName", name, 128)?;
        check_tags(&tags)?;
        self.authorized_user_with(authz, caller, "iam:TagUser", name, context::request_tags(&tags))
            .await?;
        self.change_user(caller.account(), name, |user| {
            for tag in &tags {
                match user.tags.iter_mut().find(|t| t.key == tag.key) {
                    Some(existing) => existing.value = tag.value.clone(),
                    None => user.tags.push(tag.clone()),
                }
            }
            if user.tags.len() > TAGS_PER_USER {
                return Err(IamError::LimitExceeded {
                    message: format!("Cannot exceed quota for TagsPerUser: {TAGS_PER_USER}"),
                });
            }
            Ok(())
        })
        .await
    }

    pub async fn untag_user(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        name: &str,
        keys: &[String],
    ) -> Result<UserRecord, IamError> {
        check_name("userName", name, 128)?;
        self.authorized_user_with(
            authz,
            caller,
            "iam:UntagUser",
            name,
            context::removed_tag_keys(keys),
        )
        .await?;
        self.change_user(caller.account(), name, |user| {
            user.tags.retain(|t| !keys.contains(&t.key));
            Ok(())
        })
        .await
    }

    pub async fn list_user_tags(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        name: &str,
        marker: Option<&str>,
        max: Option<i64>,
    ) -> Result<(UserRecord, Page<Tag>), IamError> {
        check_name("userName", name, 128)?;
        let limit = max_items(max)? as usize;
        let user = self
            .authorized_user(authz, caller, "iam:ListUserTags", name)
            .await?;
        let page = page_of_tags(&user.tags, marker, limit)?;
        Ok((user, page))
    }

    // -----------------------------------------------------------------------------------------------------
    // Access keys.

    pub async fn create_access_key(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        user_name: Option<&str>,
    ) -> Result<NewAccessKey, IamError> {
        let name = user_or_caller(caller, user_name)?;
        let user = self
            .authorized_user(authz, caller, "iam:CreateAccessKey", name)
            .await?;
        let account = caller.account();
        let access_key_id = strongroom_crypto::random::access_key_id_long_term();
        let secret_access_key = strongroom_crypto::random::secret_access_key();
        let sealed_secret = self.keyring.key(Purpose::Credentials).seal(
            secret_access_key.expose_secret().as_bytes(),
            &access_key_context(account, &access_key_id),
        );
        let record = AccessKeyRecord {
            access_key_id,
            account_id: account.clone(),
            owner: AccessKeyOwner::User(user.name.clone()),
            status: AccessKeyStatus::Active,
            sealed_secret,
            created_at: now_millis(self.clock.as_ref()),
        };
        match self
            .store
            .create_user_access_key(&user.name, &record, ACCESS_KEYS_PER_USER)
            .await
        {
            Ok(KeyCreation::Created) => Ok(NewAccessKey {
                user_name: user.name,
                record,
                secret_access_key,
            }),
            Ok(KeyCreation::LimitExceeded) => Err(IamError::LimitExceeded {
                message: format!("Cannot exceed quota for AccessKeysPerUser: {ACCESS_KEYS_PER_USER}"),
            }),
            Err(StoreError::NotFound) => Err(IamError::no_such_user(name)),
            Err(err) => Err(IamError::store("creating an access key")(err)),
        }
    }

    pub async fn list_access_keys(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        user_name: Option<&str>,
    ) -> Result<(String, Vec<AccessKeyRecord>), IamError> {
        let name = user_or_caller(caller, user_name)?;
        let user = self
            .authorized_user(authz, caller, "iam:ListAccessKeys", name)
            .await?;
        match self.store.user_access_keys(caller.account(), &user.name).await {
            Ok(keys) => Ok((user.name, keys)),
            Err(StoreError::NotFound) => Err(IamError::no_such_user(name)),
            Err(err) => Err(IamError::store("listing access keys")(err)),
        }
    }

    /// The key `id` of the user, or `NoSuchEntity`.
    async fn user_key(&self, user: &UserRecord, id: &str) -> Result<AccessKeyId, IamError> {
        let not_found = || IamError::NoSuchEntity {
            message: format!("The Access Key with id {id} cannot be found."),
        };
        let id: AccessKeyId = id.parse().map_err(|_| not_found())?;
        let record = self
            .store
            .access_key(&id)
            .await
            .map_err(IamError::store("reading an access key"))?
            .ok_or_else(not_found)?;
        match &record.owner {
            AccessKeyOwner::User(owner) if record.account_id == user.account_id && *owner == user.name => {
                Ok(id)
            }
            _ => Err(not_found()),
        }
    }

    pub async fn update_access_key(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        user_name: Option<&str>,
        access_key_id: &str,
        status: &str,
    ) -> Result<String, IamError> {
        let status = AccessKeyStatus::parse(status).ok_or_else(|| {
            IamError::constraint("status", status, "satisfy enum value set: [Active, Inactive]")
        })?;
        let name = user_or_caller(caller, user_name)?;
        let user = self
            .authorized_user(authz, caller, "iam:UpdateAccessKey", name)
            .await?;
        let id = self.user_key(&user, access_key_id).await?;
        match self
            .store
            .set_access_key_status(caller.account(), &id, status)
            .await
        {
            Ok(()) => Ok(user_arn(caller.account(), &user.path, &user.name)),
            Err(StoreError::NotFound) => Err(IamError::NoSuchEntity {
                message: format!("The Access Key with id {id} cannot be found."),
            }),
            Err(err) => Err(IamError::store("updating an access key")(err)),
        }
    }

    pub async fn delete_access_key(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        user_name: Option<&str>,
        access_key_id: &str,
    ) -> Result<String, IamError> {
        let name = user_or_caller(caller, user_name)?;
        let user = self
            .authorized_user(authz, caller, "iam:DeleteAccessKey", name)
            .await?;
        let id = self.user_key(&user, access_key_id).await?;
        match self.store.delete_access_key(caller.account(), &id).await {
            Ok(()) => Ok(user_arn(caller.account(), &user.path, &user.name)),
            Err(StoreError::NotFound) => Err(IamError::NoSuchEntity {
                message: format!("The Access Key with id {id} cannot be found."),
            }),
            Err(err) => Err(IamError::store("deleting an access key")(err)),
        }
    }

    /// Which user a key belongs to and when, for which service and in which region it was last used (as
    /// stored, or as noted on this node since the last flush of `usage`, whichever is later).
    pub async fn get_access_key_last_used(
        &self,
        authz: &Authorizer,
        usage: &KeyUsage,
        caller: &Caller,
        access_key_id: &str,
    ) -> Result<AccessKeyLastUsed, IamError> {
        let not_found = || IamError::NoSuchEntity {
            message: format!("The Access Key with id {access_key_id} cannot be found."),
        };
        let id: Option<AccessKeyId> = access_key_id.parse().ok();
        let record = match &id {
            Some(id) => self
                .store
                .access_key(id)
                .await
                .map_err(IamError::store("reading an access key"))?,
            None => None,
        };
        let account = caller.account();
        let record = record.filter(|r| r.account_id == *account);
        let (arn, user_name) = match record.as_ref().map(|r| &r.owner) {
            Some(AccessKeyOwner::User(name)) => {
                let path = self
                    .load_user(account, name)
                    .await?
                    .map_or_else(|| "/".to_owned(), |u| u.path);
                (user_arn(account, &path, name), Some(name.clone()))
            }
            Some(AccessKeyOwner::Root) => (caller.arn(), None),
            None => (user_arn(account, "/", ""), None),
        };
        Self::authorize(authz, caller, "iam:GetAccessKeyLastUsed", &arn)?;
        let Some(record) = record else {
            return Err(not_found());
        };
        let user_name = user_name.unwrap_or_else(|| "root".to_owned());
        let last_used = usage
            .last_used(&record.access_key_id)
            .await
            .map_err(IamError::store("reading when an access key was last used"))?;
        Ok(match last_used {
            Some(used) => AccessKeyLastUsed {
                user_name,
                last_used_at: Some(used.used_at),
                service_name: used.service,
                region: used.region,
            },
            None => AccessKeyLastUsed {
                user_name,
                last_used_at: None,
                service_name: "N/A".to_owned(),
                region: "N/A".to_owned(),
            },
        })
    }

    // -----------------------------------------------------------------------------------------------------
    // Inline user policies.

    pub async fn put_user_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        user_name: &str,
        policy_name: &str,
        document: &str,
    ) -> Result<String, IamError> {
        check_name("userName", user_name, 128)?;
        check_name("policyName", policy_name, 128)?;
        check_policy_document(document)?;
        let user = self
            .authorized_user(authz, caller, "iam:PutUserPolicy", user_name)
            .await?;
        match self
            .store
            .put_user_policy(caller.account(), &user.name, policy_name, document)
            .await
        {
            Ok(()) => Ok(user_arn(caller.account(), &user.path, &user.name)),
            Err(StoreError::NotFound) => Err(IamError::no_such_user(user_name)),
            Err(err) => Err(IamError::store("storing a user policy")(err)),
        }
    }

    pub async fn get_user_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        user_name: &str,
        policy_name: &str,
    ) -> Result<(String, String), IamError> {
        check_name("userName", user_name, 128)?;
        check_name("policyName", policy_name, 128)?;
        let user = self
            .authorized_user(authz, caller, "iam:GetUserPolicy", user_name)
            .await?;
        let document = self
            .store
            .user_policy(caller.account(), &user.name, policy_name)
            .await
            .map_err(IamError::store("reading a user policy"))?
            .ok_or_else(|| IamError::NoSuchEntity {
                message: format!("The user policy with name {policy_name} cannot be found."),
            })?;
        Ok((user.name, document))
    }

    pub async fn list_user_policies(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        user_name: &str,
        marker: Option<&str>,
        max: Option<i64>,
    ) -> Result<Page<String>, IamError> {
        check_name("userName", user_name, 128)?;
        let limit = max_items(max)? as usize;
        let user = self
            .authorized_user(authz, caller, "iam:ListUserPolicies", user_name)
            .await?;
        let names: Vec<String> = match self.store.user_policies(caller.account(), &user.name).await {
            Ok(policies) => policies.into_iter().map(|(name, _)| name).collect(),
            Err(StoreError::NotFound) => return Err(IamError::no_such_user(user_name)),
            Err(err) => return Err(IamError::store("listing user policies")(err)),
        };
        Ok(page_of_names(&names, marker, limit))
    }

    pub async fn delete_user_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        user_name: &str,
        policy_name: &str,
    ) -> Result<String, IamError> {
        check_name("userName", user_name, 128)?;
        check_name("policyName", policy_name, 128)?;
        let user = self
            .authorized_user(authz, caller, "iam:DeleteUserPolicy", user_name)
            .await?;
        match self
            .store
            .delete_user_policy(caller.account(), &user.name, policy_name)
            .await
        {
            Ok(()) => Ok(user_arn(caller.account(), &user.path, &user.name)),
            Err(StoreError::NotFound) => Err(IamError::NoSuchEntity {
                message: format!("The user policy with name {policy_name} cannot be found."),
            }),
            Err(err) => Err(IamError::store("deleting a user policy")(err)),
        }
    }

    // -----------------------------------------------------------------------------------------------------
    // For the authorizer.

    /// The policies that apply to the user `user_name` of `account`: its inline policies, its groups'
    /// inline policies and the default version of each managed policy attached to it or to one of its groups,
    /// and its permissions boundary's document. `NoSuchEntity` when there is no such user. Not authorized:
    /// for the authorizer and the policy simulator.
    pub async fn policies_for_user(
        &self,
        account: &AccountId,
        user_name: &str,
    ) -> Result<UserPolicies, IamError> {
        let identity = match self
            .store
            .user_identity_policy_documents(account, user_name)
            .await
        {
            Ok(identity) => identity,
            Err(StoreError::NotFound) => return Err(IamError::no_such_user(user_name)),
            Err(err) => return Err(IamError::store("reading user policies")(err)),
        };
        let boundary = match self
            .load_user(account, user_name)
            .await?
            .and_then(|user| user.permissions_boundary)
        {
            Some(arn) => self
                .boundary_document(account, &arn)
                .await?
                .map(|(_, document)| document),
            None => None,
        };
        Ok(UserPolicies { identity, boundary })
    }
}
