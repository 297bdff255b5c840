//! IAM roles: a trust policy saying who may assume the role (see `sts`), and the identity policies (inline
//! and attached managed) that its sessions get.
//!
//! Operations on a role authorize `iam:<Operation>` on its ARN `arn:aws:iam::ACCOUNT:role{path}{name}`. A
//! role cannot be deleted while it has inline or attached policies.

use strongroom_policy::{Policy, PolicyKind};
use strongroom_store::StoreError;
use strongroom_store::iam::RoleDeletion;
use strongroom_types::AccountId;

use super::groups::page_by_name;
use super::page_of_names;
use super::policies::{PolicyRecord, not_attachable, parse_policy_arn};
use super::{
    CAS_ATTEMPTS, Iam, IamError, MAX_POLICY_DOCUMENT_CHARS, Page, Tag, check_name, check_path,
    check_path_prefix, check_policy_document, check_tags, max_items, now_millis, page_of_tags,
};
use crate::Caller;
use crate::authz::Authorizer;

pub use strongroom_store::iam::IamRoleRecord as RoleRecord;

/// The shortest session a role may be limited to, and the default (1 hour).
pub const MIN_MAX_SESSION_DURATION: u32 = 3_600;
/// The longest session a role may allow (12 hours).
pub const MAX_MAX_SESSION_DURATION: u32 = 43_200;
/// How many tags one role may have.
pub const TAGS_PER_ROLE: usize = 50;

/// The role ARN `arn:aws:iam::ACCOUNT:role{path}{name}`.
pub fn role_arn(account: &AccountId, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:role{path}{name}")
}

/// What CreateRole takes besides the name.
#[derive(Debug, Clone, Default)]
pub struct NewRole {
    pub path: Option<String>,
    pub assume_role_policy: String,
    pub description: Option<String>,
    pub max_session_duration: Option<i64>,
    pub tags: Vec<Tag>,
    /// The ARN of a managed policy of the account to bound the role's permissions.
    pub permissions_boundary: Option<String>,
}

pub(crate) fn no_such_role(name: &str) -> IamError {
    IamError::NoSuchEntity {
        message: format!("The role with name {name} cannot be found."),
    }
}

/// A trust policy: at most 131072 characters, and a valid policy with a `Principal` and no `Resource`.
fn check_trust_policy(document: &str) -> Result<(), IamError> {
    if document.is_empty() || document.chars().count() > MAX_POLICY_DOCUMENT_CHARS {
        return Err(IamError::constraint(
            "assumeRolePolicyDocument",
            "",
            "have length between 1 and 131072",
        ));
    }
    Policy::parse(document, PolicyKind::Trust).map_err(|err| IamError::MalformedPolicyDocument {
        message: err.to_string(),
    })?;
    Ok(())
}

/// At most 1000 characters.
fn check_role_description(description: Option<&str>) -> Result<(), IamError> {
    match description {
        Some(description) if description.chars().count() > 1000 => Err(IamError::constraint(
            "description",
            description,
            "have length less than or equal to 1000",
        )),
        _ => Ok(()),
    }
}

/// 3600..=43200 seconds.
fn check_max_session_duration(seconds: i64) -> Result<u32, IamError> {
    u32::try_from(seconds)
        .ok()
        .filter(|s| (MIN_MAX_SESSION_DURATION..=MAX_MAX_SESSION_DURATION).contains(s))
        .ok_or_else(|| {
            IamError::constraint(
                "maxSessionDuration",
                &seconds.to_string(),
                "have value between 3600 and 43200",
            )
        })
}

fn tags_per_role_exceeded() -> IamError {
    IamError::LimitExceeded {
        message: format!("Cannot exceed quota for TagsPerRole: {TAGS_PER_ROLE}"),
    }
}

impl Iam {
    /// Re-reads the role and applies `change` by compare-and-set until it lands.
    pub(super) async fn change_role<F>(
        &self,
        account: &AccountId,
        name: &str,
        mut change: F,
    ) -> Result<RoleRecord, IamError>
    where
        F: FnMut(&mut RoleRecord) -> Result<(), IamError>,
    {
        for _ in 0..CAS_ATTEMPTS {
            let current = self
                .store
                .iam_role(account, name)
                .await
                .map_err(IamError::store("reading an IAM role"))?
                .ok_or_else(|| no_such_role(name))?;
            let mut next = current.clone();
            change(&mut next)?;
            if next == current {
                return Ok(current);
            }
            next.revision = current.revision + 1;
            match self.store.update_iam_role(&next, current.revision).await {
                Ok(()) => return Ok(next),
                Err(StoreError::Conflict) => continue,
                Err(StoreError::NotFound) => return Err(no_such_role(name)),
                Err(err) => return Err(IamError::store("updating an IAM role")(err)),
            }
        }
        Err(IamError::internal("an IAM role kept changing under an update"))
    }

    /// UpdateRole: sets the description and/or the maximum session duration (absent: unchanged).
    pub async fn update_role(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        name: &str,
        description: Option<&str>,
        max_session_duration: Option<i64>,
    ) -> Result<RoleRecord, IamError> {
        check_role_description(description)?;
        let max_session_duration = max_session_duration.map(check_max_session_duration).transpose()?;
        let role = self
            .authorized_role(authz, caller, "iam:UpdateRole", name)
            .await?;
        self.change_role(caller.account(), &role.name, |role| {
            if let Some(description) = description {
                role.description = Some(description.to_owned());
            }
            if let Some(seconds) = max_session_duration {
                role.max_session_duration = seconds;
            }
            Ok(())
        })
        .await
    }

    /// UpdateRoleDescription: sets the description and returns the role.
    pub async fn update_role_description(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        name: &str,
        description: &str,
    ) -> Result<RoleRecord, IamError> {
        check_role_description(Some(description))?;
        let role = self
            .authorized_role(authz, caller, "iam:UpdateRoleDescription", name)
            .await?;
        self.change_role(caller.account(), &role.name, |role| {
            role.description = Some(description.to_owned());
            Ok(())
        })
        .await
    }

    /// TagRole: adds tags, replacing the values of keys the role has already.
    pub async fn tag_role(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        name: &str,
        tags: Vec<Tag>,
    ) -> Result<RoleRecord, IamError> {
        check_tags(&tags)?;
        if tags.len() > TAGS_PER_ROLE {
            return Err(tags_per_role_exceeded());
        }
        let role = self
            .authorized_role_with(
                authz,
                caller,
                "iam:TagRole",
                name,
                super::context::request_tags(&tags),
            )
            .await?;
        self.change_role(caller.account(), &role.name, |role| {
            for tag in &tags {
                match role.tags.iter_mut().find(|t| t.key == tag.key) {
                    Some(existing) => existing.value = tag.value.clone(),
                    None => role.tags.push(tag.clone()),
                }
            }
            if role.tags.len() > TAGS_PER_ROLE {
                return Err(tags_per_role_exceeded());
            }
            Ok(())
        })
        .await
    }

    /// UntagRole: removes the tags with these keys (keys the role does not have are ignored).
    pub async fn untag_role(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        name: &str,
        keys: &[String],
    ) -> Result<RoleRecord, IamError> {
        for key in keys {
            if key.is_empty() || key.chars().count() > 128 {
                return Err(IamError::constraint(
                    "tagKeys",
                    key,
                    "have length between 1 and 128",
                ));
            }
        }
        let role = self
            .authorized_role_with(
                authz,
                caller,
                "iam:UntagRole",
                name,
                super::context::removed_tag_keys(keys),
            )
            .await?;
        self.change_role(caller.account(), &role.name, |role| {
            role.tags.retain(|t| !keys.contains(&t.key));
            Ok(())
        })
        .await
    }

    /// ListRoleTags: the role's tags in insertion order, a page at a time.
    pub async fn list_role_tags(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        name: &str,
        marker: Option<&str>,
        max: Option<i64>,
    ) -> Result<(RoleRecord, Page<Tag>), IamError> {
        let limit = max_items(max)? as usize;
        let role = self
            .authorized_role(authz, caller, "iam:ListRoleTags", name)
            .await?;
        let page = page_of_tags(&role.tags, marker, limit)?;
        Ok((role, page))
    }

    /// Authorizes `action` on the role `name` and returns it, or `NoSuchEntity`.
    pub(super) async fn authorized_role(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        action: &str,
        name: &str,
    ) -> Result<RoleRecord, IamError> {
        self.authorized_role_with(authz, caller, action, name, Vec::new())
            .await
    }

    /// [`Self::authorized_role`], the request adding `request` to the role's tags as condition keys.
    pub(super) async fn authorized_role_with(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        action: &str,
        name: &str,
        request: super::context::ContextKeys,
    ) -> Result<RoleRecord, IamError> {
        check_name("roleName", name, 64)?;
        let account = caller.account();
        let role = self
            .store
            .iam_role(account, name)
            .await
            .map_err(IamError::store("reading an IAM role"))?;
        let (arn, mut keys) = match &role {
            Some(role) => (
                role_arn(account, &role.path, &role.name),
                super::context::resource_tags(&role.tags),
            ),
            None => (role_arn(account, "/", name), Vec::new()),
        };
        keys.extend(request);
        Self::authorize_in(authz, caller, action, &arn, &keys)?;
        role.ok_or_else(|| no_such_role(name))
    }

    pub async fn create_role(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        name: &str,
        new: NewRole,
    ) -> Result<RoleRecord, IamError> {
        check_name("roleName", name, 64)?;
        let path = new.path.as_deref().unwrap_or("/");
        check_path("path", path)?;
        check_role_description(new.description.as_deref())?;
        let max_session_duration = match new.max_session_duration {
            None => MIN_MAX_SESSION_DURATION,
            Some(s) => check_max_session_duration(s)?,
        };
        check_tags(&new.tags)?;
        if new.tags.len() > TAGS_PER_ROLE {
            return Err(IamError::LimitExceeded {
                message: format!("Cannot exceed quota for TagsPerRole: {TAGS_PER_ROLE}"),
            });
        }
        check_trust_policy(&new.assume_role_policy)?;
        let account = caller.account();
        let mut request = super::context::request_tags(&new.tags);
        request.extend(super::context::permissions_boundary(
            new.permissions_boundary.as_deref(),
        ));
        Self::authorize_in(
            authz,
            caller,
            "iam:CreateRole",
            &role_arn(account, path, name),
            &request,
        )?;
        let permissions_boundary = match &new.permissions_boundary {
            Some(arn) => Some(self.boundary_policy_arn(caller, arn).await?),
            None => None,
        };
        let role = RoleRecord {
            account_id: account.clone(),
            role_id: format!(
                "AROA{}",
                strongroom_crypto::random::alnum_suffix(17).to_ascii_uppercase()
            ),
            name: name.to_owned(),
            path: path.to_owned(),
            description: new.description,
            assume_role_policy: new.assume_role_policy,
            max_session_duration,
            created_at: now_millis(self.clock.as_ref()),
            tags: new.tags,
            permissions_boundary,
            revision: 1,
        };
        match self.store.create_iam_role(&role).await {
            Ok(()) => Ok(role),
            Err(StoreError::AlreadyExists) => Err(IamError::EntityAlreadyExists {
                message: format!("Role with name {name} already exists."),
            }),
            Err(err) => Err(IamError::store("creating an IAM role")(err)),
        }
    }

    pub async fn get_role(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        name: &str,
    ) -> Result<RoleRecord, IamError> {
        self.authorized_role(authz, caller, "iam:GetRole", name).await
    }

    pub async fn list_roles(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max: Option<i64>,
    ) -> Result<Page<RoleRecord>, IamError> {
        let prefix = path_prefix.unwrap_or("/");
        check_path_prefix(prefix)?;
        let limit = max_items(max)?;
        let account = caller.account();
        Self::authorize(authz, caller, "iam:ListRoles", &role_arn(account, prefix, ""))?;
        let mut items = self
            .store
            .iam_roles(account, prefix, marker, limit + 1)
            .await
            .map_err(IamError::store("listing IAM roles"))?;
        let marker = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|r| r.name.clone())
        } else {
            None
        };
        Ok(Page { items, marker })
    }

    pub async fn delete_role(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        name: &str,
    ) -> Result<RoleRecord, IamError> {
        let role = self
            .authorized_role(authz, caller, "iam:DeleteRole", name)
            .await?;
        let conflict = |message: &str| IamError::DeleteConflict {
            message: message.to_owned(),
        };
        match self.store.delete_iam_role(caller.account(), &role.name).await {
            Ok(RoleDeletion::Deleted) => Ok(role),
            Ok(RoleDeletion::HasPolicies) => {
                Err(conflict("Cannot delete entity, must delete policies first."))
            }
            Ok(RoleDeletion::HasAttachedPolicies) => {
                Err(conflict("Cannot delete entity, must detach all policies first."))
            }
            Err(StoreError::NotFound) => Err(no_such_role(name)),
            Err(err) => Err(IamError::store("deleting an IAM role")(err)),
        }
    }

    pub async fn update_assume_role_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        name: &str,
        document: &str,
    ) -> Result<RoleRecord, IamError> {
        check_trust_policy(document)?;
        let role = self
            .authorized_role(authz, caller, "iam:UpdateAssumeRolePolicy", name)
            .await?;
        match self
            .store
            .update_role_trust_policy(caller.account(), &role.name, document)
            .await
        {
            Ok(()) => Ok(role),
            Err(StoreError::NotFound) => Err(no_such_role(name)),
            Err(err) => Err(IamError::store("updating a trust policy")(err)),
        }
    }

    pub async fn put_role_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        role_name: &str,
        policy_name: &str,
        document: &str,
    ) -> Result<RoleRecord, IamError> {
        check_name("policyName", policy_name, 128)?;
        check_policy_document(document)?;
        let role = self
            .authorized_role(authz, caller, "iam:PutRolePolicy", role_name)
            .await?;
        match self
            .store
            .put_role_policy(caller.account(), &role.name, policy_name, document)
            .await
        {
            Ok(()) => Ok(role),
            Err(StoreError::NotFound) => Err(no_such_role(role_name)),
            Err(err) => Err(IamError::store("storing a role policy")(err)),
        }
    }

    pub async fn get_role_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        role_name: &str,
        policy_name: &str,
    ) -> Result<(RoleRecord, String), IamError> {
        check_name("policyName", policy_name, 128)?;
        let role = self
            .authorized_role(authz, caller, "iam:GetRolePolicy", role_name)
            .await?;
        let document = self
            .store
            .role_policy(caller.account(), &role.name, policy_name)
            .await
            .map_err(IamError::store("reading a role policy"))?
            .ok_or_else(|| IamError::NoSuchEntity {
                message: format!("The role policy with name {policy_name} cannot be found."),
            })?;
        Ok((role, document))
    }

    pub async fn list_role_policies(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        role_name: &str,
        marker: Option<&str>,
        max: Option<i64>,
    ) -> Result<(RoleRecord, Page<String>), IamError> {
        let limit = max_items(max)? as usize;
        let role = self
            .authorized_role(authz, caller, "iam:ListRolePolicies", role_name)
            .await?;
        let names: Vec<String> = match self.store.role_policies(caller.account(), &role.name).await {
            Ok(policies) => policies.into_iter().map(|(name, _)| name).collect(),
            Err(StoreError::NotFound) => return Err(no_such_role(role_name)),
            Err(err) => return Err(IamError::store("listing role policies")(err)),
        };
        Ok((role, page_of_names(&names, marker, limit)))
    }

    pub async fn delete_role_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        role_name: &str,
        policy_name: &str,
    ) -> Result<RoleRecord, IamError> {
        check_name("policyName", policy_name, 128)?;
        let role = self
            .authorized_role(authz, caller, "iam:DeleteRolePolicy", role_name)
            .await?;
        match self
            .store
            .delete_role_policy(caller.account(), &role.name, policy_name)
            .await
        {
            Ok(()) => Ok(role),
            Err(StoreError::NotFound) => Err(IamError::NoSuchEntity {
                message: format!("The role policy with name {policy_name} cannot be found."),
            }),
            Err(err) => Err(IamError::store("deleting a role policy")(err)),
        }
    }

    /// The role and the managed policy an attachment request names, authorized on the role.
    async fn role_attachment(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        action: &str,
        role_name: &str,
        arn: &str,
    ) -> Result<(RoleRecord, PolicyRecord), IamError> {
        let (account, path, name) = parse_policy_arn(arn)?;
        let role = self
            .authorized_role_with(authz, caller, action, role_name, super::context::policy_arn(arn))
            .await?;
        let policy = self.attachable_policy(caller, arn, (account, path, name)).await?;
        Ok((role, policy))
    }

    pub async fn attach_role_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        role_name: &str,
        arn: &str,
    ) -> Result<RoleRecord, IamError> {
        let (role, policy) = self
            .role_attachment(authz, caller, "iam:AttachRolePolicy", role_name, arn)
            .await?;
        match self
            .store
            .attach_role_policy(caller.account(), &role.name, &policy.name)
            .await
        {
            Ok(()) => Ok(role),
            Err(StoreError::NotFound) => Err(not_attachable(arn)),
            Err(err) => Err(IamError::store("attaching a policy to a role")(err)),
        }
    }

    pub async fn detach_role_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        role_name: &str,
        arn: &str,
    ) -> Result<RoleRecord, IamError> {
        let (role, policy) = self
            .role_attachment(authz, caller, "iam:DetachRolePolicy", role_name, arn)
            .await?;
        match self
            .store
            .detach_role_policy(caller.account(), &role.name, &policy.name)
            .await
        {
            Ok(()) => Ok(role),
            Err(StoreError::NotFound) => Err(IamError::NoSuchEntity {
                message: format!("Policy {arn} was not found."),
            }),
            Err(err) => Err(IamError::store("detaching a policy from a role")(err)),
        }
    }

    pub async fn list_attached_role_policies(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        role_name: &str,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max: Option<i64>,
    ) -> Result<(RoleRecord, Page<PolicyRecord>), IamError> {
        let prefix = path_prefix.unwrap_or("/");
        check_path_prefix(prefix)?;
        let limit = max_items(max)? as usize;
        let role = self
            .authorized_role(authz, caller, "iam:ListAttachedRolePolicies", role_name)
            .await?;
        let policies = match self
            .store
            .attached_role_policies(caller.account(), &role.name)
            .await
        {
            Ok(policies) => policies,
            Err(StoreError::NotFound) => return Err(no_such_role(role_name)),
            Err(err) => return Err(IamError::store("listing attached policies")(err)),
        };
        let policies: Vec<PolicyRecord> = policies
            .into_iter()
            .filter(|p| p.path.starts_with(prefix))
            .collect();
        Ok((role, page_by_name(policies, |p| &p.name, marker, limit)))
    }
}
