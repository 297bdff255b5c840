//! ListSecrets (and BatchGetSecretValue) filters, as AWS applies them.
//!
//! Filters combine with AND (a key may repeat); the values of one filter combine with OR; a value starting
//! with `!` matches when the plain value does not. `name`, `tag-key`, `tag-value`, `primary-region` and
//! `owning-service` are case-sensitive prefixes. `description` and `all` are word-wise: the value is split
//! into words and each must be a case-insensitive prefix of some word of the attribute (for `all`, of the
//! name, description, tag keys or tag values), where attributes split at `/ - _ + = . @`, spaces and
//! lower-to-upper case changes.

use strongroom_store::secrets::SecretRecord;

/// A filter key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKey {
    Description,
    Name,
    TagKey,
    TagValue,
    PrimaryRegion,
    OwningService,
    All,
}

impl FilterKey {
    pub fn parse(key: &str) -> Option<Self> {
        Some(match key {
            "description" => Self::Description,
            "name" => Self::Name,
            "tag-key" => Self::TagKey,
            "tag-value" => Self::TagValue,
            "primary-region" => Self::PrimaryRegion,
            "owning-service" => Self::OwningService,
            "all" => Self::All,
            _ => return None,
        })
    }
}

/// One filter: a key and its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub key: FilterKey,
    pub values: Vec<String>,
}

/// Whether `secret` passes every filter.
pub(crate) fn matches_all(filters: &[Filter], secret: &SecretRecord) -> bool {
    filters.iter().all(|filter| {
        filter
            .values
            .iter()
            .any(|value| matches_value(filter.key, value, secret))
    })
}

fn matches_value(key: FilterKey, value: &str, secret: &SecretRecord) -> bool {
    match value.strip_prefix('!') {
        Some(plain) => !matches_plain(key, plain, secret),
        None => matches_plain(key, value, secret),
    }
}

fn matches_plain(key: FilterKey, value: &str, secret: &SecretRecord) -> bool {
    let tags = secret.tags.as_deref().unwrap_or_default();
    match key {
        FilterKey::Name => secret.name.starts_with(value),
        FilterKey::TagKey => tags.iter().any(|t| t.key.starts_with(value)),
        FilterKey::TagValue => tags.iter().any(|t| t.value.starts_with(value)),
        FilterKey::PrimaryRegion => secret
            .primary_region
            .as_deref()
            .unwrap_or(secret.region.as_str())
            .starts_with(value),
        FilterKey::OwningService => secret
            .owning_service
            .as_deref()
            .is_some_and(|s| s.starts_with(value)),
        FilterKey::Description => {
            let words = words(secret.description.as_deref().unwrap_or(""));
            query_words(value).all(|q| words.iter().any(|w| w.starts_with(&q)))
        }
        FilterKey::All => {
            let mut words = words(&secret.name);
            words.extend(self::words(secret.description.as_deref().unwrap_or("")));
            for tag in tags {
                words.extend(self::words(&tag.key));
                words.extend(self::words(&tag.value));
            }
            query_words(value).all(|q| words.iter().any(|w| w.starts_with(&q)))
        }
    }
}

fn query_words(value: &str) -> impl Iterator<Item = String> + '_ {
    value.split_whitespace().map(str::to_lowercase)
}

/// The lowercase words of an attribute.
fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous: Option<char> = None;
    for c in text.chars() {
        let separator = c.is_whitespace() || "/-_+=.@".contains(c);
        let case_change = previous.is_some_and(char::is_lowercase) && c.is_uppercase();
        if (separator || case_change) && !word.is_empty() {
            words.push(std::mem::take(&mut word).to_lowercase());
        }
        if !separator {
            word.push(c);
        }
        previous = Some(c);
    }
    if !word.is_empty() {
        words.push(word.to_lowercase());
    }
    words
}

#[cfg(test)]
mod tests {
    use strongroom_store::secrets::Tag;
    use strongroom_types::OffsetDateTime;

    use super::*;

    fn secret(name: &str, description: Option<&str>, tags: &[(&str, &str)]) -> SecretRecord {
        SecretRecord {
            arn: format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-AbCdEf"),
            account_id: "123456789012".parse().unwrap(),
            region: "us-east-1".parse().unwrap(),
            name: name.to_owned(),
            revision: 1,
            created_at: OffsetDateTime::UNIX_EPOCH,
            last_changed_at: OffsetDateTime::UNIX_EPOCH,
            last_accessed_at: None,
            deleted_at: None,
            purge_at: None,
            description: description.map(str::to_owned),
            kms_key_id: None,
            secret_type: None,
            owning_service: None,
            tags: Some(
                tags.iter()
                    .map(|(k, v)| Tag {
                        key: (*k).into(),
                        value: (*v).into(),
                    })
                    .collect(),
            ),
            resource_policy: None,
            rotation: None,
            primary_region: None,
            replicas: Vec::new(),
            versions: Vec::new(),
        }
    }

    fn filter(key: &str, values: &[&str]) -> Filter {
        Filter {
            key: FilterKey::parse(key).unwrap(),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
        }
    }

    #[test]
    fn table() {
        type Case<'a> = (&'a str, &'a [(&'a str, &'a [&'a str])], SecretRecord, bool);
        let cases: &[Case<'_>] = &[
            (
                "name prefix",
                &[("name", &["/test"])],
                secret("/testing2/x", None, &[]),
                true,
            ),
            (
                "name is case-sensitive",
                &[("name", &["/Test"])],
                secret("/testing2/x", None, &[]),
                false,
            ),
            (
                "name negated",
                &[("name", &["!/"])],
                secret("plain", None, &[]),
                true,
            ),
            (
                "name values OR",
                &[("name", &["foo", "bar"])],
                secret("bar1", None, &[]),
                true,
            ),
            (
                "filters AND",
                &[("name", &["bar"]), ("tag-key", &["env"])],
                secret("bar1", None, &[]),
                false,
            ),
            (
                "tag key prefix",
                &[("tag-key", &["en"])],
                secret("s", None, &[("env", "prod")]),
                true,
            ),
            (
                "tag value prefix",
                &[("tag-value", &["pro"])],
                secret("s", None, &[("env", "prod")]),
                true,
            ),
            (
                "description word prefix",
                &[("description", &["a"])],
                secret("s", Some("an secret"), &[]),
                true,
            ),
            (
                "description mid-word",
                &[("description", &["a"])],
                secret("s", Some("thesecret"), &[]),
                false,
            ),
            (
                "description words all",
                &[("description", &["a secret"])],
                secret("s", Some("asecret"), &[]),
                false,
            ),
            (
                "description two words",
                &[("description", &["o t"])],
                secret("s", Some("one and two"), &[]),
                true,
            ),
            (
                "description negated",
                &[("description", &["!a"])],
                secret("s", Some("the secret"), &[]),
                true,
            ),
            (
                "description case",
                &[("description", &["SEC"])],
                secret("s", Some("a secret"), &[]),
                true,
            ),
            (
                "all camel case",
                &[("all", &["sec"])],
                secret("SecretOne", None, &[]),
                true,
            ),
            (
                "all mid word",
                &[("all", &["ret"])],
                secret("SecretOne", None, &[]),
                false,
            ),
            (
                "all across attributes",
                &[("all", &["d t"])],
                secret("x", Some("DescTwo"), &[]),
                true,
            ),
            (
                "all tags",
                &[("all", &["prod"])],
                secret("x", None, &[("env", "production")]),
                true,
            ),
            (
                "primary region",
                &[("primary-region", &["us-"])],
                secret("x", None, &[]),
                true,
            ),
            (
                "owning service absent",
                &[("owning-service", &["rds"])],
                secret("x", None, &[]),
                false,
            ),
        ];
        for (name, filters, secret, expected) in cases {
            let filters: Vec<Filter> = filters.iter().map(|(k, v)| filter(k, v)).collect();
            assert_eq!(matches_all(&filters, secret), *expected, "{name}");
        }
    }

    #[test]
    fn splits_words() {
        assert_eq!(words("MyTestPhrase"), ["my", "test", "phrase"]);
        assert_eq!(
            words("a/b-c_d+e=f.g@h i"),
            ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        );
        assert_eq!(words("ABC"), ["abc"]);
    }
}
