//! IAM groups: their members, inline policies and attached managed policies, which apply to every member.
//!
//! Operations on a group authorize `iam:<Operation>` on its ARN `arn:aws:iam::ACCOUNT:group{path}{name}`
//! (ListGroupsForUser on the user's). A user in groups cannot be deleted, nor a group that still has
//! members or policies.

use strongroom_store::StoreError;
use strongroom_store::iam::GroupDeletion;

use super::page_of_names;
use super::policies::{PolicyRecord, not_attachable, parse_policy_arn};
use super::{
    Iam, IamError, Page, UserRecord, check_name, check_path, check_path_prefix, check_policy_document,
    max_items, now_millis,
};
use crate::Caller;
use crate::authz::Authorizer;

pub use strongroom_store::iam::IamGroupRecord as GroupRecord;

/// The group ARN `arn:aws:iam::ACCOUNT:group{path}{name}`.
pub fn group_arn(account: &strongroom_types::AccountId, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:group{path}{name}")
}

fn no_such_group(name: &str) -> IamError {
    IamError::NoSuchEntity {
        message: format!("The group with name {name} cannot be found."),
    }
}

/// Pages an ordered list by a name marker.
pub(super) fn page_by_name<T>(
    items: Vec<T>,
    name: impl Fn(&T) -> &str,
    marker: Option<&str>,
    limit: usize,
) -> Page<T> {
    let after = marker.map(strongroom_store::iam::name_key);
    let mut matching = items.into_iter().filter(|item| {
        after
            .as_deref()
            .is_none_or(|m| strongroom_store::iam::name_key(name(item)).as_str() > m)
    });
    let items: Vec<T> = matching.by_ref().take(limit).collect();
    let marker = match matching.next() {
        Some(_) => items.last().map(|item| name(item).to_owned()),
        None => None,
    };
    Page { items, marker }
}

impl Iam {
    /// Authorizes `action` on the group `name` and returns it, or `NoSuchEntity`.
    async fn authorized_group(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        action: &str,
        name: &str,
    ) -> Result<GroupRecord, IamError> {
        check_name("groupName", name, 128)?;
        let account = caller.account();
        let group = self
            .store
            .iam_group(account, name)
            .await
            .map_err(IamError::store("reading an IAM group"))?;
        let arn = match &group {
            Some(group) => group_arn(account, &group.path, &group.name),
            None => group_arn(account, "/", name),
        };
        Self::authorize(authz, caller, action, &arn)?;
        group.ok_or_else(|| no_such_group(name))
    }

    pub async fn create_group(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        name: &str,
        path: Option<&str>,
    ) -> Result<GroupRecord, IamError> {
        check_name("groupName", name, 128)?;
        let path = path.unwrap_or("/");
        check_path("path", path)?;
        let account = caller.account();
        Self::authorize(authz, caller, "iam:CreateGroup", &group_arn(account, path, name))?;
        let group = GroupRecord {
            account_id: account.clone(),
            group_id: format!(
                "AGPA{}",
                strongroom_crypto::random::alnum_suffix(17).to_ascii_uppercase()
            ),
            name: name.to_owned(),
            path: path.to_owned(),
            created_at: now_millis(self.clock.as_ref()),
        };
        match self.store.create_iam_group(&group).await {
            Ok(()) => Ok(group),
            Err(StoreError::AlreadyExists) => Err(IamError::EntityAlreadyExists {
                message: format!("Group with name {name} already exists."),
            }),
            Err(err) => Err(IamError::store("creating an IAM group")(err)),
        }
    }

    /// The group and a page of its members.
    pub async fn get_group(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        name: &str,
        marker: Option<&str>,
        max: Option<i64>,
    ) -> Result<(GroupRecord, Page<UserRecord>), IamError> {
        let limit = max_items(max)? as usize;
        let group = self.authorized_group(authz, caller, "iam:GetGroup", name).await?;
        let members = match self.store.group_members(caller.account(), &group.name).await {
            Ok(members) => members,
            Err(StoreError::NotFound) => return Err(no_such_group(name)),
            Err(err) => return Err(IamError::store("listing group members")(err)),
        };
        Ok((group, page_by_name(members, |u| &u.name, marker, limit)))
    }

    pub async fn list_groups(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max: Option<i64>,
    ) -> Result<Page<GroupRecord>, IamError> {
        let prefix = path_prefix.unwrap_or("/");
        check_path_prefix(prefix)?;
        let limit = max_items(max)?;
        let account = caller.account();
        Self::authorize(authz, caller, "iam:ListGroups", &group_arn(account, prefix, ""))?;
        let mut items = self
            .store
            .iam_groups(account, prefix, marker, limit + 1)
            .await
            .map_err(IamError::store("listing IAM groups"))?;
        let marker = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|g| g.name.clone())
        } else {
            None
        };
        Ok(Page { items, marker })
    }

    pub async fn delete_group(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        name: &str,
    ) -> Result<GroupRecord, IamError> {
        let group = self
            .authorized_group(authz, caller, "iam:DeleteGroup", name)
            .await?;
        let conflict = |message: &str| IamError::DeleteConflict {
            message: message.to_owned(),
        };
        match self.store.delete_iam_group(caller.account(), &group.name).await {
            Ok(GroupDeletion::Deleted) => Ok(group),
            Ok(GroupDeletion::HasMembers) => Err(conflict(
                "Cannot delete entity, must remove users from group first.",
            )),
            Ok(GroupDeletion::HasPolicies) => {
                Err(conflict("Cannot delete entity, must delete policies first."))
            }
            Ok(GroupDeletion::HasAttachedPolicies) => {
                Err(conflict("Cannot delete entity, must detach all policies first."))
            }
            Err(StoreError::NotFound) => Err(no_such_group(name)),
            Err(err) => Err(IamError::store("deleting an IAM group")(err)),
        }
    }

    /// Adds the user to the group (again: no change). Returns the group and the user's stored name.
    pub async fn add_user_to_group(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        group_name: &str,
        user_name: &str,
    ) -> Result<(GroupRecord, String), IamError> {
        check_name("userName", user_name, 128)?;
        let group = self
            .authorized_group(authz, caller, "iam:AddUserToGroup", group_name)
            .await?;
        let user = self
            .load_user(caller.account(), user_name)
            .await?
            .ok_or_else(|| IamError::no_such_user(user_name))?;
        match self
            .store
            .add_user_to_group(caller.account(), &group.name, &user.name)
            .await
        {
            Ok(()) => Ok((group, user.name)),
            Err(StoreError::NotFound) => Err(IamError::no_such_user(user_name)),
            Err(err) => Err(IamError::store("adding a user to a group")(err)),
        }
    }

    /// Removes the user from the group. Returns the group and the user's stored name.
    pub async fn remove_user_from_group(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        group_name: &str,
        user_name: &str,
    ) -> Result<(GroupRecord, String), IamError> {
        check_name("userName", user_name, 128)?;
        let group = self
            .authorized_group(authz, caller, "iam:RemoveUserFromGroup", group_name)
            .await?;
        let user = self
            .load_user(caller.account(), user_name)
            .await?
            .ok_or_else(|| IamError::no_such_user(user_name))?;
        match self
            .store
            .remove_user_from_group(caller.account(), &group.name, &user.name)
            .await
        {
            Ok(()) => Ok((group, user.name)),
            Err(StoreError::NotFound) => Err(IamError::NoSuchEntity {
                message: format!("User {user_name} is not in group {group_name}."),
            }),
            Err(err) => Err(IamError::store("removing a user from a group")(err)),
        }
    }

    pub async fn list_groups_for_user(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        user_name: &str,
        marker: Option<&str>,
        max: Option<i64>,
    ) -> Result<(UserRecord, Page<GroupRecord>), IamError> {
        check_name("userName", user_name, 128)?;
        let limit = max_items(max)? as usize;
        let user = self
            .authorized_user(authz, caller, "iam:ListGroupsForUser", user_name)
            .await?;
        let groups = match self.store.groups_for_user(caller.account(), &user.name).await {
            Ok(groups) => groups,
            Err(StoreError::NotFound) => return Err(IamError::no_such_user(user_name)),
            Err(err) => return Err(IamError::store("listing a user's groups")(err)),
        };
        Ok((user, page_by_name(groups, |g| &g.name, marker, limit)))
    }

    // -----------------------------------------------------------------------------------------------------
    // Group policies.

    pub async fn put_group_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        group_name: &str,
        policy_name: &str,
        document: &str,
    ) -> Result<GroupRecord, IamError> {
        check_name("policyName", policy_name, 128)?;
        check_policy_document(document)?;
        let group = self
            .authorized_group(authz, caller, "iam:PutGroupPolicy", group_name)
            .await?;
        match self
            .store
            .put_group_policy(caller.account(), &group.name, policy_name, document)
            .await
        {
            Ok(()) => Ok(group),
            Err(StoreError::NotFound) => Err(no_such_group(group_name)),
            Err(err) => Err(IamError::store("storing a group policy")(err)),
        }
    }

    pub async fn get_group_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        group_name: &str,
        policy_name: &str,
    ) -> Result<(GroupRecord, String), IamError> {
        check_name("policyName", policy_name, 128)?;
        let group = self
            .authorized_group(authz, caller, "iam:GetGroupPolicy", group_name)
            .await?;
        let document = self
            .store
            .group_policy(caller.account(), &group.name, policy_name)
            .await
            .map_err(IamError::store("reading a group policy"))?
            .ok_or_else(|| IamError::NoSuchEntity {
                message: format!("The group policy with name {policy_name} cannot be found."),
            })?;
        Ok((group, document))
    }

    pub async fn list_group_policies(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        group_name: &str,
        marker: Option<&str>,
        max: Option<i64>,
    ) -> Result<(GroupRecord, Page<String>), IamError> {
        let limit = max_items(max)? as usize;
        let group = self
            .authorized_group(authz, caller, "iam:ListGroupPolicies", group_name)
            .await?;
        let names: Vec<String> = match self.store.group_policies(caller.account(), &group.name).await {
            Ok(policies) => policies.into_iter().map(|(name, _)| name).collect(),
            Err(StoreError::NotFound) => return Err(no_such_group(group_name)),
            Err(err) => return Err(IamError::store("listing group policies")(err)),
        };
        Ok((group, page_of_names(&names, marker, limit)))
    }

    pub async fn delete_group_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        group_name: &str,
        policy_name: &str,
    ) -> Result<GroupRecord, IamError> {
        check_name("policyName", policy_name, 128)?;
        let group = self
            .authorized_group(authz, caller, "iam:DeleteGroupPolicy", group_name)
            .await?;
        match self
            .store
            .delete_group_policy(caller.account(), &group.name, policy_name)
            .await
        {
            Ok(()) => Ok(group),
            Err(StoreError::NotFound) => Err(IamError::NoSuchEntity {
                message: format!("The group policy with name {policy_name} cannot be found."),
            }),
            Err(err) => Err(IamError::store("deleting a group policy")(err)),
        }
    }

    /// The group and the managed policy an attachment request names, authorized on the group.
    async fn group_attachment(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        action: &str,
        group_name: &str,
        arn: &str,
    ) -> Result<(GroupRecord, PolicyRecord), IamError> {
        let (account, path, name) = parse_policy_arn(arn)?;
        let group = self.authorized_group(authz, caller, action, group_name).await?;
        let policy = self.attachable_policy(caller, arn, (account, path, name)).await?;
        Ok((group, policy))
    }

    pub async fn attach_group_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        group_name: &str,
        arn: &str,
    ) -> Result<GroupRecord, IamError> {
        let (group, policy) = self
            .group_attachment(authz, caller, "iam:AttachGroupPolicy", group_name, arn)
            .await?;
        match self
            .store
            .attach_group_policy(caller.account(), &group.name, &policy.name)
            .await
        {
            Ok(()) => Ok(group),
            Err(StoreError::NotFound) => Err(not_attachable(arn)),
            Err(err) => Err(IamError::store("attaching a policy to a group")(err)),
        }
    }

    pub async fn detach_group_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        group_name: &str,
        arn: &str,
    ) -> Result<GroupRecord, IamError> {
        let (group, policy) = self
            .group_attachment(authz, caller, "iam:DetachGroupPolicy", group_name, arn)
            .await?;
        match self
            .store
            .detach_group_policy(caller.account(), &group.name, &policy.name)
            .await
        {
            Ok(()) => Ok(group),
            Err(StoreError::NotFound) => Err(IamError::NoSuchEntity {
                message: format!("Policy {arn} was not found."),
            }),
            Err(err) => Err(IamError::store("detaching a policy from a group")(err)),
        }
    }

    pub async fn list_attached_group_policies(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        group_name: &str,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max: Option<i64>,
    ) -> Result<(GroupRecord, Page<PolicyRecord>), IamError> {
        let prefix = path_prefix.unwrap_or("/");
        check_path_prefix(prefix)?;
        let limit = max_items(max)? as usize;
        let group = self
            .authorized_group(authz, caller, "iam:ListAttachedGroupPolicies", group_name)
            .await?;
        let policies = match self
            .store
            .attached_group_policies(caller.account(), &group.name)
            .await
        {
            Ok(policies) => policies,
            Err(StoreError::NotFound) => return Err(no_such_group(group_name)),
            Err(err) => return Err(IamError::store("listing attached policies")(err)),
        };
        let policies: Vec<PolicyRecord> = policies
            .into_iter()
            .filter(|p| p.path.starts_with(prefix))
            .collect();
        Ok((group, page_by_name(policies, |p| &p.name, marker, limit)))
    }
}
