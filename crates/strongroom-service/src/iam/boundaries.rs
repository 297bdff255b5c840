//! Permissions boundaries of users and roles: a managed policy of the account that caps what the
//! principal's identity policies can grant (the authorizer intersects them).
//!
//! A boundary is stored on the user's or role's record as the policy's ARN, spelled as the policy is stored,
//! so that the store can refuse to delete a policy that is some principal's boundary (`DeleteConflict`, as
//! AWS). Setting one authorizes `iam:Put{User,Role}PermissionsBoundary` on the principal and needs the policy
//! to exist (`NoSuchEntity` else); the change is a compare-and-set on the principal's record.

use strongroom_store::StoreError;
use strongroom_types::AccountId;

use super::RoleRecord;
use super::policies::{parse_policy_arn, policy_arn};
use super::roles::no_such_role;
use super::{Iam, IamError, UserPolicies, UserRecord, check_name};
use crate::Caller;
use crate::authz::Authorizer;

impl Iam {
    /// The ARN of the managed policy `arn` names, as stored: `NoSuchEntity` unless it is a policy of the
    /// caller's account.
    pub(super) async fn boundary_policy_arn(&self, caller: &Caller, arn: &str) -> Result<String, IamError> {
        let (account, path, name) = parse_policy_arn(arn).map_err(|err| match err {
            IamError::Validation { message } => IamError::Validation {
                message: message.replace("'policyArn'", "'permissionsBoundary'"),
            },
            other => other,
        })?;
        let policy = self.attachable_policy(caller, arn, (account, path, name)).await?;
        Ok(policy_arn(&policy.account_id, &policy.path, &policy.name))
    }

    /// PutUserPermissionsBoundary.
    pub async fn put_user_permissions_boundary(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        user_name: &str,
        arn: &str,
    ) -> Result<UserRecord, IamError> {
        check_name("userName", user_name, 128)?;
        let user = self
            .authorized_user_with(
                authz,
                caller,
                "iam:PutUserPermissionsBoundary",
                user_name,
                super::context::permissions_boundary(Some(arn)),
            )
            .await?;
        let boundary = self.boundary_policy_arn(caller, arn).await?;
        self.change_user(caller.account(), &user.name, |user| {
            user.permissions_boundary = Some(boundary.clone());
            Ok(())
        })
        .await
    }

    /// DeleteUserPermissionsBoundary (a user without one is left as it is).
    pub async fn delete_user_permissions_boundary(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        user_name: &str,
    ) -> Result<UserRecord, IamError> {
        check_name("userName", user_name, 128)?;
        let user = self
            .authorized_user(authz, caller, "iam:DeleteUserPermissionsBoundary", user_name)
            .await?;
        self.change_user(caller.account(), &user.name, |user| {
            user.permissions_boundary = None;
            Ok(())
        })
        .await
    }

    /// PutRolePermissionsBoundary.
    pub async fn put_role_permissions_boundary(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        role_name: &str,
        arn: &str,
    ) -> Result<RoleRecord, IamError> {
        let role = self
            .authorized_role_with(
                authz,
                caller,
                "iam:PutRolePermissionsBoundary",
                role_name,
                super::context::permissions_boundary(Some(arn)),
            )
            .await?;
        let boundary = self.boundary_policy_arn(caller, arn).await?;
        self.change_role(caller.account(), &role.name, |role| {
            role.permissions_boundary = Some(boundary.clone());
            Ok(())
        })
        .await
    }

    /// DeleteRolePermissionsBoundary (a role without one is left as it is).
    pub async fn delete_role_permissions_boundary(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        role_name: &str,
    ) -> Result<RoleRecord, IamError> {
        let role = self
            .authorized_role(authz, caller, "iam:DeleteRolePermissionsBoundary", role_name)
            .await?;
        self.change_role(caller.account(), &role.name, |role| {
            role.permissions_boundary = None;
            Ok(())
        })
        .await
    }

    /// The default version of the boundary policy `arn` of `account`, labelled `policy/NAME/vN` (the label
    /// identity documents use); `None` when the ARN names no policy of the account (it was checked when set,
    /// and the store keeps a boundary's policy from being deleted).
    pub(crate) async fn boundary_document(
        &self,
        account: &AccountId,
        arn: &str,
    ) -> Result<Option<(String, String)>, IamError> {
        let Ok((arn_account, path, name)) = parse_policy_arn(arn) else {
            return Ok(None);
        };
        if arn_account != account.as_str() {
            return Ok(None);
        }
        let Some(policy) = self
            .store
            .managed_policy(account, name)
            .await
            .map_err(IamError::store("reading a managed policy"))?
            .filter(|p| p.path == path && p.name == name)
        else {
            return Ok(None);
        };
        let version = self
            .store
            .policy_version(account, &policy.name, policy.default_version)
            .await
            .map_err(IamError::store("reading a policy version"))?;
        Ok(version.map(|v| {
            (
                format!("policy/{}/v{}", policy.name, policy.default_version),
                v.document,
            )
        }))
    }

    /// The policies that apply to the role `role_name` of `account`: its inline policies and the default
    /// version of each attached managed policy, and its permissions boundary's document. `NoSuchEntity` when
    /// there is no such role. Not authorized: for the authorizer and the policy simulator.
    pub async fn policies_for_role(
        &self,
        account: &AccountId,
        role_name: &str,
    ) -> Result<UserPolicies, IamError> {
        let role = self
            .store
            .iam_role(account, role_name)
            .await
            .map_err(IamError::store("reading an IAM role"))?
            .ok_or_else(|| no_such_role(role_name))?;
        let identity = match self
            .store
            .role_identity_policy_documents(account, &role.name)
            .await
        {
            Ok(identity) => identity,
            Err(StoreError::NotFound) => return Err(no_such_role(role_name)),
            Err(err) => return Err(IamError::store("reading role policies")(err)),
        };
        let boundary = match &role.permissions_boundary {
            Some(arn) => self
                .boundary_document(account, arn)
                .await?
                .map(|(_, document)| document),
            None => None,
        };
        Ok(UserPolicies { identity, boundary })
    }
}
