//! Customer managed policies: their versions (at most [`VERSIONS_PER_POLICY`], one of them the default) and
//! their attachments to users.
//!
//! A policy is named by its ARN `arn:aws:iam::ACCOUNT:policy{path}{name}`; operations on a policy authorize
//! `iam:<Operation>` on that ARN, operations on an attachment (and ListAttachedUserPolicies) on the user's.
//! A policy ARN of another account (or AWS's own, `arn:aws:iam::aws:policy/…`) names no policy here.

use strongroom_store::StoreError;
use strongroom_store::iam::{PolicyDeletion, VersionCreation, VersionDeletion};
use strongroom_types::AccountId;

use super::{
    Iam, IamError, Page, Tag, UserRecord, check_name, check_path, check_path_prefix, check_policy_document,
    check_tags, max_items, now_millis,
};
use crate::Caller;
use crate::authz::Authorizer;

pub use strongroom_store::iam::{ManagedPolicyRecord as PolicyRecord, PolicyVersionRecord};

/// How many versions one managed policy may have.
pub const VERSIONS_PER_POLICY: u32 = 5;
/// How many tags one managed policy may have.
pub const TAGS_PER_POLICY: usize = 50;
const MAX_DESCRIPTION_CHARS: usize = 1000;

/// The policy ARN `arn:aws:iam::ACCOUNT:policy{path}{name}`.
pub fn policy_arn(account: &AccountId, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:policy{path}{name}")
}

/// The version id `vN` of version number `n`.
pub fn version_id(n: u32) -> String {
    format!("v{n}")
}

/// CreatePolicy's input.
#[derive(Debug, Clone)]
pub struct NewPolicy<'a> {
    pub name: &'a str,
    pub path: Option<&'a str>,
    pub description: Option<&'a str>,
    pub document: &'a str,
    pub tags: Vec<Tag>,
}

/// ListPolicies' input.
#[derive(Debug, Clone, Copy, Default)]
pub struct PolicyListing<'a> {
    /// `All` (the default), `AWS` or `Local`.
    pub scope: Option<&'a str>,
    pub only_attached: bool,
    pub path_prefix: Option<&'a str>,
    pub marker: Option<&'a str>,
    pub max_items: Option<i64>,
}

/// A version of a policy, and whether it is the default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersion {
    pub record: PolicyVersionRecord,
    pub is_default: bool,
}

/// The account, path and name an ARN names, or `InvalidInput` when it is not a policy ARN.
pub(super) fn parse_policy_arn(arn: &str) -> Result<(&str, &str, &str), IamError> {
    if arn.len() < 20 || arn.len() > 2048 {
        return Err(IamError::constraint(
            "policyArn",
            arn,
            "have length between 20 and 2048",
        ));
    }
    let invalid = || IamError::InvalidInput {
        message: format!("ARN {arn} is not valid."),
    };
    let rest = arn.strip_prefix("arn:aws:iam::").ok_or_else(invalid)?;
    let (account, resource) = rest.split_once(':').ok_or_else(invalid)?;
    // `policy{path}{name}`: the path runs from the first `/` to the last.
    let resource = resource.strip_prefix("policy").ok_or_else(invalid)?;
    let last = resource.rfind('/').ok_or_else(invalid)?;
    let (path, name) = resource.split_at(last + 1);
    if !path.starts_with('/') {
        return Err(invalid());
    }
    if name.is_empty() {
        return Err(invalid());
    }
    Ok((account, path, name))
}

/// The version number of `vN`: `ValidationError` when malformed.
fn parse_version_id(id: &str) -> Result<Option<u32>, IamError> {
    let invalid = || {
        IamError::constraint(
            "versionId",
            id,
            r"satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?",
        )
    };
    let digits = id.strip_prefix('v').ok_or_else(invalid)?;
    let (number, suffix) = match digits.split_once('.') {
        Some((number, suffix)) => (number, Some(suffix)),
        None => (digits, None),
    };
    if number.is_empty() || number.starts_with('0') || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    if suffix.is_some_and(|s| !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')) {
        return Err(invalid());
    }
    // A well-formed id with a suffix, or too large a number, names no version Strongroom makes.
    Ok(if suffix.is_some() {
        None
    } else {
        number.parse().ok()
    })
}

fn no_such_policy(arn: &str) -> IamError {
    IamError::NoSuchEntity {
        message: format!("Policy {arn} was not found."),
    }
}

fn no_such_version(arn: &str, id: &str) -> IamError {
    IamError::NoSuchEntity {
        message: format!("Policy {arn} version {id} does not exist."),
    }
}

impl Iam {
    /// Authorizes `action` on the policy ARN `arn` and returns the policy, or `NoSuchEntity`.
    async fn authorized_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        action: &str,
        arn: &str,
    ) -> Result<PolicyRecord, IamError> {
        let (account, path, name) = parse_policy_arn(arn)?;
        Self::authorize(authz, caller, action, arn)?;
        if account != caller.account().as_str() {
            return Err(no_such_policy(arn));
        }
        let policy = self
            .store
            .managed_policy(caller.account(), name)
            .await
            .map_err(IamError::store("reading a managed policy"))?;
        policy
            .filter(|p| p.path == path && p.name == name)
            .ok_or_else(|| no_such_policy(arn))
    }

    pub async fn create_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        new: NewPolicy<'_>,
    ) -> Result<PolicyRecord, IamError> {
        let NewPolicy {
            name,
            path,
            description,
            document,
            tags,
        } = new;
        check_name("policyName", name, 128)?;
        let path = path.unwrap_or("/");
        check_path("path", path)?;
        if let Some(description) = description
            && description.chars().count() > MAX_DESCRIPTION_CHARS
        {
            return Err(IamError::constraint(
                "description",
                description,
                "have length less than or equal to 1000",
            ));
        }
        check_tags(&tags)?;
        if tags.len() > TAGS_PER_POLICY {
            return Err(IamError::LimitExceeded {
                message: format!("Cannot exceed quota for TagsPerPolicy: {TAGS_PER_POLICY}"),
            });
        }
        let account = caller.account();
        Self::authorize(
            authz,
            caller,
            "iam:CreatePolicy",
            &policy_arn(account, path, name),
        )?;
        check_policy_document(document)?;
        let now = now_millis(self.clock.as_ref());
        let policy = PolicyRecord {
            account_id: account.clone(),
            policy_id: format!(
                "ANPA{}",
                strongroom_crypto::random::alnum_suffix(17).to_ascii_uppercase()
            ),
            name: name.to_owned(),
            path: path.to_owned(),
            description: description.map(str::to_owned),
            created_at: now,
            updated_at: now,
            default_version: 1,
            tags,
            attachment_count: 0,
        };
        match self.store.create_managed_policy(&policy, document).await {
            Ok(()) => Ok(policy),
            Err(StoreError::AlreadyExists) => Err(IamError::EntityAlreadyExists {
                message: format!("A policy called {name} already exists. Duplicate names are not allowed."),
            }),
            Err(err) => Err(IamError::store("creating a managed policy")(err)),
        }
    }

    pub async fn get_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        arn: &str,
    ) -> Result<PolicyRecord, IamError> {
        self.authorized_policy(authz, caller, "iam:GetPolicy", arn).await
    }

    /// The account's managed policies. `scope` `AWS` lists nothing: Strongroom has no AWS managed policies.
    pub async fn list_policies(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        listing: PolicyListing<'_>,
    ) -> Result<Page<PolicyRecord>, IamError> {
        let PolicyListing {
            scope,
            only_attached,
            path_prefix,
            marker,
            max_items: max,
        } = listing;
        let scope = scope.unwrap_or("All");
        if !["All", "AWS", "Local"].contains(&scope) {
            return Err(IamError::constraint(
                "scope",
                scope,
                "satisfy enum value set: [All, AWS, Local]",
            ));
        }
        let prefix = path_prefix.unwrap_or("/");
        check_path_prefix(prefix)?;
        let limit = max_items(max)?;
        let account = caller.account();
        Self::authorize(
            authz,
            caller,
            "iam:ListPolicies",
            &policy_arn(account, prefix, ""),
        )?;
        if scope == "AWS" {
            return Ok(Page {
                items: Vec::new(),
                marker: None,
            });
        }
        let mut items = self
            .store
            .managed_policies(account, prefix, only_attached, marker, limit + 1)
            .await
            .map_err(IamError::store("listing managed policies"))?;
        let marker = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|p| p.name.clone())
        } else {
            None
        };
        Ok(Page { items, marker })
    }

    pub async fn create_policy_version(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        arn: &str,
        document: &str,
        set_as_default: bool,
    ) -> Result<PolicyVersion, IamError> {
        let policy = self
            .authorized_policy(authz, caller, "iam:CreatePolicyVersion", arn)
            .await?;
        check_policy_document(document)?;
        let now = now_millis(self.clock.as_ref());
        match self
            .store
            .create_policy_version(
                caller.account(),
                &policy.name,
                document,
                set_as_default,
                now,
                VERSIONS_PER_POLICY,
            )
            .await
        {
            Ok(VersionCreation::Created(version)) => Ok(PolicyVersion {
                record: PolicyVersionRecord {
                    version,
                    document: document.to_owned(),
                    created_at: now,
                },
                is_default: set_as_default,
            }),
            Ok(VersionCreation::LimitExceeded) => Err(IamError::LimitExceeded {
                message: format!(
                    "A managed policy can have up to {VERSIONS_PER_POLICY} versions. Before you create a new \
                     version, you must delete an existing version."
                ),
            }),
            Err(StoreError::NotFound) => Err(no_such_policy(arn)),
            Err(err) => Err(IamError::store("creating a policy version")(err)),
        }
    }

    pub async fn get_policy_version(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        arn: &str,
        version_id: &str,
    ) -> Result<PolicyVersion, IamError> {
        let number = parse_version_id(version_id)?;
        let policy = self
            .authorized_policy(authz, caller, "iam:GetPolicyVersion", arn)
            .await?;
        let Some(number) = number else {
            return Err(no_such_version(arn, version_id));
        };
        let record = self
            .store
            .policy_version(caller.account(), &policy.name, number)
            .await
            .map_err(IamError::store("reading a policy version"))?
            .ok_or_else(|| no_such_version(arn, version_id))?;
        Ok(PolicyVersion {
            is_default: record.version == policy.default_version,
            record,
        })
    }

    pub async fn list_policy_versions(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        arn: &str,
    ) -> Result<Vec<PolicyVersion>, IamError> {
        let policy = self
            .authorized_policy(authz, caller, "iam:ListPolicyVersions", arn)
            .await?;
        match self.store.policy_versions(caller.account(), &policy.name).await {
            // Newest first, as AWS lists them.
            Ok(versions) => Ok(versions
                .into_iter()
                .rev()
                .map(|record| PolicyVersion {
                    is_default: record.version == policy.default_version,
                    record,
                })
                .collect()),
            Err(StoreError::NotFound) => Err(no_such_policy(arn)),
            Err(err) => Err(IamError::store("listing policy versions")(err)),
        }
    }

    pub async fn set_default_policy_version(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        arn: &str,
        version_id: &str,
    ) -> Result<(), IamError> {
        let number = parse_version_id(version_id)?;
        let policy = self
            .authorized_policy(authz, caller, "iam:SetDefaultPolicyVersion", arn)
            .await?;
        let Some(number) = number else {
            return Err(no_such_version(arn, version_id));
        };
        let now = now_millis(self.clock.as_ref());
        match self
            .store
            .set_default_policy_version(caller.account(), &policy.name, number, now)
            .await
        {
            Ok(()) => Ok(()),
            Err(StoreError::NotFound) => Err(no_such_version(arn, version_id)),
            Err(err) => Err(IamError::store("setting a default policy version")(err)),
        }
    }

    pub async fn delete_policy_version(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        arn: &str,
        version_id: &str,
    ) -> Result<(), IamError> {
        let number = parse_version_id(version_id)?;
        let policy = self
            .authorized_policy(authz, caller, "iam:DeletePolicyVersion", arn)
            .await?;
        let Some(number) = number else {
            return Err(no_such_version(arn, version_id));
        };
        match self
            .store
            .delete_policy_version(caller.account(), &policy.name, number)
            .await
        {
            Ok(VersionDeletion::Deleted) => Ok(()),
            Ok(VersionDeletion::IsDefault) => Err(IamError::DeleteConflict {
                message: "Cannot delete the default version of a policy.".to_owned(),
            }),
            Err(StoreError::NotFound) => Err(no_such_version(arn, version_id)),
            Err(err) => Err(IamError::store("deleting a policy version")(err)),
        }
    }

    pub async fn delete_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        arn: &str,
    ) -> Result<(), IamError> {
        let policy = self
            .authorized_policy(authz, caller, "iam:DeletePolicy", arn)
            .await?;
        match self
            .store
            .delete_managed_policy(caller.account(), &policy.name)
            .await
        {
            Ok(PolicyDeletion::Deleted) => Ok(()),
            Ok(PolicyDeletion::Attached | PolicyDeletion::UsedAsBoundary) => Err(IamError::DeleteConflict {
                message: "Cannot delete a policy attached to entities.".to_owned(),
            }),
            Ok(PolicyDeletion::HasVersions) => Err(IamError::DeleteConflict {
                message:
                    "This policy has more than one version. Before you delete a policy, you must delete \
                          the policy's versions. The default version is deleted with the policy."
                        .to_owned(),
            }),
            Err(StoreError::NotFound) => Err(no_such_policy(arn)),
            Err(err) => Err(IamError::store("deleting a managed policy")(err)),
        }
    }

    /// The customer managed policy that an attachment names by ARN (already parsed, so that a malformed
    /// ARN is refused before authorization), if it exists in the caller's account.
    pub(super) async fn attachable_policy(
        &self,
        caller: &Caller,
        arn: &str,
        (account, path, name): (&str, &str, &str),
    ) -> Result<PolicyRecord, IamError> {
        if account != caller.account().as_str() {
            return Err(not_attachable(arn));
        }
        self.store
            .managed_policy(caller.account(), name)
            .await
            .map_err(IamError::store("reading a managed policy"))?
            .filter(|p| p.path == path && p.name == name)
            .ok_or_else(|| not_attachable(arn))
    }

    /// The user and the policy an attachment request names, authorized on the user.
    async fn attachment(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        action: &str,
        user_name: &str,
        arn: &str,
    ) -> Result<(UserRecord, PolicyRecord), IamError> {
        check_name("userName", user_name, 128)?;
        let (account, path, name) = parse_policy_arn(arn)?;
        let user = self
            .authorized_user_with(authz, caller, action, user_name, super::context::policy_arn(arn))
            .await?;
        let policy = self.attachable_policy(caller, arn, (account, path, name)).await?;
        Ok((user, policy))
    }

    /// Attaches the policy to the user (again: no change). Returns the user.
    pub async fn attach_user_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        user_name: &str,
        arn: &str,
    ) -> Result<UserRecord, IamError> {
        let (user, policy) = self
            .attachment(authz, caller, "iam:AttachUserPolicy", user_name, arn)
            .await?;
        match self
            .store
            .attach_user_policy(caller.account(), &user.name, &policy.name)
            .await
        {
            Ok(()) => Ok(user),
            Err(StoreError::NotFound) => Err(not_attachable(arn)),
            Err(err) => Err(IamError::store("attaching a policy")(err)),
        }
    }

    /// Detaches the policy from the user. Returns the user.
    pub async fn detach_user_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        user_name: &str,
        arn: &str,
    ) -> Result<UserRecord, IamError> {
        let (user, policy) = self
            .attachment(authz, caller, "iam:DetachUserPolicy", user_name, arn)
            .await?;
        match self
            .store
            .detach_user_policy(caller.account(), &user.name, &policy.name)
            .await
        {
            Ok(()) => Ok(user),
            Err(StoreError::NotFound) => Err(no_such_policy(arn)),
            Err(err) => Err(IamError::store("detaching a policy")(err)),
        }
    }

    pub async fn list_attached_user_policies(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        user_name: &str,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max: Option<i64>,
    ) -> Result<(UserRecord, Page<PolicyRecord>), IamError> {
        check_name("userName", user_name, 128)?;
        let prefix = path_prefix.unwrap_or("/");
        check_path_prefix(prefix)?;
        let limit = max_items(max)? as usize;
        let user = self
            .authorized_user(authz, caller, "iam:ListAttachedUserPolicies", user_name)
            .await?;
        let policies = match self
            .store
            .attached_user_policies(caller.account(), &user.name)
            .await
        {
            Ok(policies) => policies,
            Err(StoreError::NotFound) => return Err(IamError::no_such_user(user_name)),
            Err(err) => return Err(IamError::store("listing attached policies")(err)),
        };
        let after = marker.map(strongroom_store::iam::name_key);
        let mut matching = policies.into_iter().filter(|p| {
            p.path.starts_with(prefix)
                && after
                    .as_deref()
                    .is_none_or(|m| strongroom_store::iam::name_key(&p.name).as_str() > m)
        });
        let items: Vec<PolicyRecord> = matching.by_ref().take(limit).collect();
        let marker = match matching.next() {
            Some(_) => items.last().map(|p| p.name.clone()),
            None => None,
        };
        Ok((user, Page { items, marker }))
    }
}

/// The error for a policy ARN that names no policy the caller can attach.
pub(super) fn not_attachable(arn: &str) -> IamError {
    IamError::NoSuchEntity {
        message: format!("Policy {arn} does not exist or is not attachable."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_arns_split_into_account_path_and_name() {
        assert_eq!(
            parse_policy_arn("arn:aws:iam::123456789012:policy/a/b/Name").unwrap(),
            ("123456789012", "/a/b/", "Name")
        );
        assert_eq!(
            parse_policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess").unwrap(),
            ("aws", "/", "ReadOnlyAccess")
        );
        for bad in [
            "arn:aws:iam::123456789012:user/alice",
            "arn:aws:iam::123456789012:policy/",
            "arn:aws:s3:::bucket/policy/x/y",
            "arn:aws:iam::123456789012:policyx",
        ] {
            assert!(
                matches!(parse_policy_arn(bad), Err(IamError::InvalidInput { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_policy_arn("short"),
            Err(IamError::Validation { .. })
        ));
    }

    #[test]
    fn version_ids_are_v_and_a_number() {
        assert_eq!(parse_version_id("v1").unwrap(), Some(1));
        assert_eq!(parse_version_id("v12").unwrap(), Some(12));
        assert_eq!(parse_version_id("v1.x-y").unwrap(), None);
        for bad in ["1", "v", "v0", "v01", "vx", "V1", "v1.!"] {
            assert!(
                matches!(parse_version_id(bad), Err(IamError::Validation { .. })),
                "{bad}"
            );
        }
    }
}
