//! What Secrets Manager tells authorization about a secret: its resource policy and the context keys AWS
//! documents for the service (`secretsmanager:SecretId`, `secretsmanager:ResourceTag/…`,
//! `aws:ResourceTag/…`, and the request's own keys such as `secretsmanager:VersionStage`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use strongroom_policy::{ContextValue, Policy, PolicyKind, SharedKeys};
use strongroom_store::secrets::{SecretRecord, Tag};

/// What authorization needs of a secret, by ARN, valid for the record revision it was made from: parsing
/// a policy, or formatting its tag keys, on every GetSecretValue would cost more than the rest of
/// authorization.
#[derive(Debug, Default)]
pub(super) struct PolicyCache {
    parsed: Mutex<HashMap<String, Resource>>,
}

/// A secret as authorization sees it at one revision.
#[derive(Debug, Clone)]
pub(super) struct Resource {
    revision: u64,
    /// The resource policy (`None`: none, or unreadable).
    pub(super) policy: Option<Arc<Policy>>,
    /// The context keys every request on the secret has.
    pub(super) keys: Arc<SharedKeys>,
}

/// Bounds the cache; past it, the cache starts over (policies are re-parsed on the next read).
const MAX_CACHED_POLICIES: usize = 10_000;

impl PolicyCache {
    /// The secret's resource policy, parsed (`None` when it has none; a stored policy that no longer
    /// parses, though it was validated when it was put, counts as none), and its context keys.
    pub(super) fn resource_of(&self, record: &SecretRecord) -> Resource {
        let mut parsed = self.parsed.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(resource) = parsed.get(&record.arn)
            && resource.revision == record.revision
        {
            return resource.clone();
        }
        let resource = Resource {
            revision: record.revision,
            policy: record
                .resource_policy
                .as_deref()
                .and_then(|text| parse_policy(record, text)),
            keys: Arc::new(SharedKeys::new(resource_keys(record))),
        };
        if parsed.len() >= MAX_CACHED_POLICIES {
            parsed.clear();
        }
        parsed.insert(record.arn.clone(), resource.clone());
        resource
    }
}

fn parse_policy(record: &SecretRecord, text: &str) -> Option<Arc<Policy>> {
    match Policy::parse(text, PolicyKind::Resource) {
        Ok(policy) => Some(Arc::new(
            policy.with_label(format!("{} resource policy", record.name)),
        )),
        Err(err) => {
            tracing::error!(error = %err, secret = %record.arn, "a stored resource policy does not parse");
            None
        }
    }
}

/// The context keys every request on `record` has: its ARN and tags.
pub(super) fn resource_keys(record: &SecretRecord) -> Vec<(String, ContextValue)> {
    let tags = record.tags.as_deref().unwrap_or(&[]);
    let mut context = Vec::with_capacity(1 + 2 * tags.len());
    context.push((
        "secretsmanager:SecretId".to_owned(),
        ContextValue::from(record.arn.as_str()),
    ));
    for tag in tags {
        let value = ContextValue::from(tag.value.as_str());
        context.push((format!("aws:ResourceTag/{}", tag.key), value.clone()));
        context.push((format!("secretsmanager:ResourceTag/{}", tag.key), value));
    }
    context
}

/// `aws:RequestTag/…` and `aws:TagKeys` for tags a request sets.
pub(crate) fn request_tags(tags: &[Tag]) -> Vec<(String, ContextValue)> {
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
        let first = cache.resource_of(&record(Some(allow), 1));
        let again = cache.resource_of(&record(Some(allow), 1));
        assert!(Arc::ptr_eq(
            first.policy.as_ref().unwrap(),
            again.policy.as_ref().unwrap()
        ));
        assert!(Arc::ptr_eq(&first.keys, &again.keys));
        let next = cache.resource_of(&record(Some(allow), 2));
        assert!(!Arc::ptr_eq(
            first.policy.as_ref().unwrap(),
            next.policy.as_ref().unwrap()
        ));
        assert!(cache.resource_of(&record(None, 3)).policy.is_none());
    }

    #[test]
    fn tags_become_resource_and_request_keys() {
        let mut r = record(None, 1);
        r.tags = Some(vec![Tag {
            key: "Project".into(),
            value: "blue".into(),
        }]);
        let context = resource_keys(&r);
        let names: Vec<&str> = context.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "secretsmanager:SecretId",
                "aws:ResourceTag/Project",
                "secretsmanager:ResourceTag/Project",
            ]
        );
        // A new revision (say, after TagResource) gets its keys anew.
        let cache = PolicyCache::default();
        assert_eq!(cache.resource_of(&record(None, 1)).keys.len(), 1);
        assert_eq!(cache.resource_of(&r).keys.len(), 1);
        r.revision = 2;
        assert_eq!(cache.resource_of(&r).keys.len(), 3);
        let tags = request_tags(&[Tag {
            key: "a".into(),
            value: "1".into(),
        }]);
        assert_eq!(tags.len(), 2);
        assert_eq!(tags[1].1, ContextValue::StringList(vec!["a".into()]));
    }
}
