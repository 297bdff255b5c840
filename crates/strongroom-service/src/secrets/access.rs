//! What Secrets Manager tells authorization about a secret: its resource policy and the context keys AWS
//! documents for the service (`secretsmanager:SecretId`, `secretsmanager:ResourceTag/…`,
//! `aws:ResourceTag/…`, and the request's own keys such as `secretsmanager:VersionStage`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use strongroom_policy::{ContextValue, Policy, PolicyKind};
use strongroom_store::secrets::{SecretRecord, Tag};

/// Parsed resource policies by secret ARN, valid for the record revision they were parsed from: parsing
/// a policy on every GetSecretValue would cost more than the rest of authorization.
#[derive(Debug, Default)]
pub(super) struct PolicyCache {
    parsed: Mutex<HashMap<String, ParsedPolicy>>,
}

/// The revision a policy was parsed at, and the policy (`None`: none, or unreadable).
type ParsedPolicy = (u64, Option<Arc<Policy>>);

/// Bounds the cache; past it, the cache starts over (policies are re-parsed on the next read).
const MAX_CACHED_POLICIES: usize = 10_000;

impl PolicyCache {
    /// The secret's resource policy, parsed; `None` when it has none. A stored policy that no longer parses
    /// (it was validated when it was put) counts as none.
    pub(super) fn policy_of(&self, record: &SecretRecord) -> Option<Arc<Policy>> {
        let text = record.resource_policy.as_deref()?;
        let mut parsed = self.parsed.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((revision, policy)) = parsed.get(&record.arn)
            && *revision == record.revision
        {
            return policy.clone();
        }
        let policy = match Policy::parse(text, PolicyKind::Resource) {
            Ok(policy) => Some(Arc::new(
                policy.with_label(format!("{} resource policy", record.name)),
            )),
            Err(err) => {
                tracing::error!(error = %err, secret = %record.arn, "a stored resource policy does not parse");
                None
            }
        };
        if parsed.len() >= MAX_CACHED_POLICIES {
            parsed.clear();
        }
        parsed.insert(record.arn.clone(), (record.revision, policy.clone()));
        policy
    }
}

/// The context keys of a request on `record`: its ARN and tags, then `request`'s own keys.
pub(super) fn context_of(
    record: &SecretRecord,
    request: Vec<(String, ContextValue)>,
) -> Vec<(String, ContextValue)> {
    let tags = record.tags.as_deref().unwrap_or(&[]);
    let mut context = Vec::with_capacity(1 + 2 * tags.len() + request.len());
    context.push((
        "secretsmanager:SecretId".to_owned(),
        ContextValue::from(record.arn.as_str()),
    ));
    for tag in tags {
        let value = ContextValue::from(tag.value.as_str());
        context.push((format!("aws:ResourceTag/{}", tag.key), value.clone()));
        context.push((format!("secretsmanager:ResourceTag/{}", tag.key), value));
    }
    context.extend(request);
    context
}

/// `aws:RequestTag/…` and `aws:TagKeys` for tags a request sets.
pub(super) fn request_tags(tags: &[Tag]) -> Vec<(String, ContextValue)> {
    let mut context: Vec<(String, ContextValue)> = tags
        .iter()
        .map(|tag| {
            (
                format!("aws:RequestTag/{}", tag.key),
                ContextValue::from(tag.value.as_str()),
            )
        })
        .collect();
    if !tags.is_empty() {
        context.push((
            "aws:TagKeys".to_owned(),
            ContextValue::from(tags.iter().map(|t| t.key.clone()).collect::<Vec<_>>()),
        ));
    }
    context
}

/// One request context key.
pub(super) fn key(name: &str, value: impl Into<ContextValue>) -> (String, ContextValue) {
    (name.to_owned(), value.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(policy: Option<&str>, revision: u64) -> SecretRecord {
        let now = strongroom_types::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        SecretRecord {
            arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf".into(),
            account_id: "123456789012".parse().unwrap(),
            region: "us-east-1".parse().unwrap(),
            name: "db".into(),
            revision,
            created_at: now,
            last_changed_at: now,
            last_accessed_at: None,
            deleted_at: None,
            purge_at: None,
            description: None,
            kms_key_id: None,
            secret_type: None,
            owning_service: None,
            tags: None,
            resource_policy: policy.map(str::to_owned),
            rotation: None,
            primary_region: None,
            replicas: Vec::new(),
            versions: Vec::new(),
        }
    }

    #[test]
    fn a_policy_is_parsed_once_per_revision() {
        let cache = PolicyCache::default();
        let allow = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
        let first = cache.policy_of(&record(Some(allow), 1)).unwrap();
        let again = cache.policy_of(&record(Some(allow), 1)).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        let next = cache.policy_of(&record(Some(allow), 2)).unwrap();
        assert!(!Arc::ptr_eq(&first, &next));
        assert!(cache.policy_of(&record(None, 3)).is_none());
    }

    #[test]
    fn tags_become_resource_and_request_keys() {
        let mut r = record(None, 1);
        r.tags = Some(vec![Tag {
            key: "Project".into(),
            value: "blue".into(),
        }]);
        let context = context_of(&r, vec![key("secretsmanager:VersionStage", "AWSCURRENT")]);
        let names: Vec<&str> = context.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "secretsmanager:SecretId",
                "aws:ResourceTag/Project",
                "secretsmanager:ResourceTag/Project",
                "secretsmanager:VersionStage"
            ]
        );
        let tags = request_tags(&[Tag {
            key: "a".into(),
            value: "1".into(),
        }]);
        assert_eq!(tags.len(), 2);
        assert_eq!(tags[1].1, ContextValue::StringList(vec!["a".into()]));
    }
}
