//! Key policies: the default policies AWS gives keys, their validation, and what authorization needs of a
//! key (its policy, parsed, with the delegation form, and the context keys the key itself supplies), made
//! once per key revision and kept in the key cache.

use std::sync::Arc;

use strongroom_crypto::EncryptionContext;
use strongroom_policy::{ContextValue, Policy, PolicyKind};

use super::{KeyManager, KeyRecord, KmsError};
use crate::authz;

/// The only policy name KMS knows.
pub const POLICY_NAME: &str = "default";

/// AWS's default key policy: the account's root user may do everything, which delegates the key to the
/// account's IAM policies.
pub fn default_policy(account: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Id":"key-default-1","Statement":[{{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"kms:*","Resource":"*"}}]}}"#
    )
}

/// AWS's policy for the AWS managed key of Secrets Manager: use through Secrets Manager by any principal of
/// the account, and read access to the key's metadata for the account. (AWS repeats one `Sid` for the
/// two use statements; Sids must be unique here, so the data-key statement's carries a suffix.)
pub fn secrets_manager_policy(account: &str, region: &str) -> String {
    let sid = "Allow access through AWS Secrets Manager for all principals in the account that are authorized to use AWS Secrets Manager";
    format!(
        r#"{{"Version":"2012-10-17","Id":"auto-secretsmanager-2","Statement":[{{"Sid":"{sid}","Effect":"Allow","Principal":{{"AWS":"*"}},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:CreateGrant","kms:DescribeKey"],"Resource":"*","Condition":{{"StringEquals":{{"kms:CallerAccount":"{account}","kms:ViaService":"secretsmanager.{region}.amazonaws.com"}}}}}},{{"Sid":"{sid} (data keys)","Effect":"Allow","Principal":{{"AWS":"*"}},"Action":"kms:GenerateDataKey*","Resource":"*","Condition":{{"StringEquals":{{"kms:CallerAccount":"{account}"}},"StringLike":{{"kms:ViaService":"secretsmanager.{region}.amazonaws.com"}}}}}},{{"Sid":"Allow direct access to key metadata to the account","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":["kms:Describe*","kms:Get*","kms:List*","kms:RevokeGrant"],"Resource":"*"}}]}}"#
    )
}

/// The policy text of `key`: its own, or (for a key stored before keys had policies) AWS's default for it.
pub fn policy_text(key: &KeyRecord) -> String {
    match (&key.policy, key.key_manager) {
        (Some(text), _) => text.clone(),
        (None, KeyManager::Customer) => default_policy(key.account_id.as_str()),
        (None, KeyManager::Aws) => secrets_manager_policy(key.account_id.as_str(), key.region.as_str()),
    }
}

/// A key policy and its delegation form, parsed.
#[derive(Debug)]
pub(crate) struct ParsedKeyPolicy {
    pub policy: Policy,
    pub delegation: Policy,
}

/// Parses `text` as the key policy of a key in `account`: MalformedPolicyDocumentException when it is not
/// a valid resource policy.
pub(crate) fn parse(text: &str, account: &str, label: &str) -> Result<ParsedKeyPolicy, KmsError> {
    let malformed = |detail: String| KmsError::MalformedPolicyDocument {
        message: format!("The new key policy is not a valid policy document: {detail}"),
    };
    let policy = Policy::parse(text, PolicyKind::Resource).map_err(|err| malformed(err.to_string()))?;
    let widened = authz::account_as_anyone(text, account)
        .ok_or_else(|| malformed("the policy is not a JSON object".to_owned()))?;
    let delegation =
        Policy::parse(&widened, PolicyKind::Resource).map_err(|err| malformed(err.to_string()))?;
    Ok(ParsedKeyPolicy {
        policy: policy.with_label(format!("{label} key policy")),
        delegation: delegation.with_label(format!("{label} key policy (delegated to the account)")),
    })
}

/// What authorization needs of one revision of a key.
#[derive(Debug)]
pub(crate) struct KeyAuth {
    pub arn: String,
    pub aws_managed: bool,
    /// `None` when the stored policy does not parse (it was validated when it was put): nothing is allowed.
    pub policy: Option<ParsedKeyPolicy>,
    /// `aws:ResourceTag/…`, `kms:KeySpec`, `kms:KeyUsage`, `kms:KeyOrigin`.
    pub context: Vec<(String, ContextValue)>,
}

impl KeyAuth {
    pub(crate) fn of(key: &KeyRecord) -> Arc<Self> {
        let policy = match parse(&policy_text(key), key.account_id.as_str(), &key.key_id) {
            Ok(parsed) => Some(parsed),
            Err(err) => {
                tracing::error!(error = %err, key = %key.arn, "a stored key policy does not parse");
                None
            }
        };
        let mut context = Vec::with_capacity(3 + key.tags.len());
        context.push(pair("kms:KeySpec", key.key_spec.as_str()));
        context.push(pair("kms:KeyUsage", key.key_usage.as_str()));
        context.push(pair("kms:KeyOrigin", "AWS_KMS"));
        for tag in &key.tags {
            context.push((
                format!("aws:ResourceTag/{}", tag.key),
                ContextValue::from(tag.value.as_str()),
            ));
        }
        Arc::new(Self {
            arn: key.arn.clone(),
            aws_managed: key.key_manager == KeyManager::Aws,
            policy,
            context,
        })
    }
}

/// One context key.
pub(crate) fn pair(name: &str, value: impl Into<ContextValue>) -> (String, ContextValue) {
    (name.to_owned(), value.into())
}

/// `kms:EncryptionContext:KEY` for each pair and `kms:EncryptionContextKeys`.
pub(crate) fn encryption_context_keys(context: &EncryptionContext, into: &mut Vec<(String, ContextValue)>) {
    let mut keys = Vec::with_capacity(context.len());
    for (key, value) in context.iter() {
        into.push((format!("kms:EncryptionContext:{key}"), ContextValue::from(value)));
        keys.push(key.to_owned());
    }
    if !keys.is_empty() {
        into.push((
            "kms:EncryptionContextKeys".to_owned(),
            ContextValue::StringList(keys),
        ));
    }
}

/// `aws:RequestTag/…` and `aws:TagKeys` for tags a request sets.
pub(crate) fn request_tags(tags: &[super::Tag], into: &mut Vec<(String, ContextValue)>) {
    for tag in tags {
        into.push((
            format!("aws:RequestTag/{}", tag.key),
            ContextValue::from(tag.value.as_str()),
        ));
    }
    if !tags.is_empty() {
        into.push((
            "aws:TagKeys".to_owned(),
            ContextValue::StringList(tags.iter().map(|t| t.key.clone()).collect()),
        ));
    }
}
