//! Attribute mapping: which of a certificate's principal tags become session tags, per the profile's rules.
//!
//! A profile has rules per certificate field (`x509Subject`, `x509Issuer`, `x509SAN`), each a list of
//! specifiers: an RDN short name (`CN`), `*` for every RDN of the field, and for SANs `DNS`, `URI`,
//! `Name/<RDN>` or `Name/*`. A tag `x509Subject/CN` is kept when the `x509Subject` rules hold `CN` or `*`.
//! Pure functions; no I/O.

use strongroom_store::rolesanywhere::RaAttributeMapping;

/// STS limits on session tags: key 1..128 and value 0..256 characters of `[\p{L}\p{Z}\p{N}_.:/=+\-@]`, at
/// most 50 tags.
pub const MAX_SESSION_TAGS: usize = 50;
const MAX_TAG_KEY_CHARS: usize = 128;
const MAX_TAG_VALUE_CHARS: usize = 256;

/// The mapping rules a new profile starts with.
pub fn default_mappings() -> Vec<RaAttributeMapping> {
    let rules = |field: &str, specifiers: &[&str]| RaAttributeMapping {
        certificate_field: field.to_owned(),
        specifiers: specifiers.iter().map(|s| (*s).to_owned()).collect(),
    };
    vec![
        rules("x509Subject", &["*"]),
        rules("x509Issuer", &["*"]),
        rules("x509SAN", &["DNS", "URI", "Name/*"]),
    ]
}

/// Replaces the rules of `field` with `specifiers` (deduplicated, in order); no specifiers removes the field.
pub fn put(mappings: &mut Vec<RaAttributeMapping>, field: &str, specifiers: &[String]) {
    let mut unique: Vec<String> = Vec::new();
    for specifier in specifiers {
        if !unique.contains(specifier) {
            unique.push(specifier.clone());
        }
    }
    mappings.retain(|m| m.certificate_field != field);
    if !unique.is_empty() {
        mappings.push(RaAttributeMapping {
            certificate_field: field.to_owned(),
            specifiers: unique,
        });
    }
    sort(mappings);
}

/// Removes `specifiers` from the rules of `field`, or every rule of the field when `specifiers` is empty.
pub fn delete(mappings: &mut Vec<RaAttributeMapping>, field: &str, specifiers: &[String]) {
    if specifiers.is_empty() {
        mappings.retain(|m| m.certificate_field != field);
    } else {
        for mapping in mappings.iter_mut().filter(|m| m.certificate_field == field) {
            mapping.specifiers.retain(|s| !specifiers.contains(s));
        }
        mappings.retain(|m| !m.specifiers.is_empty());
    }
    sort(mappings);
}

fn sort(mappings: &mut [RaAttributeMapping]) {
    let order = |field: &str| match field {
        "x509Subject" => 0,
        "x509Issuer" => 1,
        _ => 2,
    };
    mappings.sort_by_key(|m| order(&m.certificate_field));
}

/// Whether the tag key `x509Subject/CN` (and the like) is selected by `mappings`.
pub fn selects(mappings: &[RaAttributeMapping], key: &str) -> bool {
    let Some((field, rest)) = key.split_once('/') else {
        return false;
    };
    mappings
        .iter()
        .filter(|m| m.certificate_field == field)
        .flat_map(|m| &m.specifiers)
        .any(|specifier| {
            specifier == rest
                || (specifier == "*" && field != "x509SAN")
                || (field == "x509SAN" && specifier == "Name/*" && rest.starts_with("Name/"))
        })
}

/// Whether a value can be a session tag value as STS allows it (letters, digits, spaces and `_.:/=+-@`).
fn tag_safe(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c))
}

/// The session tags of a certificate's principal tags under `mappings`: selected, within STS's limits
/// (tags that are not are dropped), at most [`MAX_SESSION_TAGS`].
pub fn session_tags(
    mappings: &[RaAttributeMapping],
    principal_tags: &[(String, String)],
) -> Vec<(String, String)> {
    principal_tags
        .iter()
        .filter(|(key, value)| {
            selects(mappings, key)
                && key.chars().count() <= MAX_TAG_KEY_CHARS
                && value.chars().count() <= MAX_TAG_VALUE_CHARS
                && tag_safe(key)
                && tag_safe(value)
        })
        .take(MAX_SESSION_TAGS)
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn defaults_select_every_subject_and_issuer_rdn_and_the_first_sans() {
        let defaults = default_mappings();
        let cases = [
            ("x509Subject/CN", true),
            ("x509Subject/emailAddress", true),
            ("x509Issuer/O", true),
            ("x509SAN/DNS", true),
            ("x509SAN/URI", true),
            ("x509SAN/Name/CN", true),
            ("x509SAN/IP", false),
            ("x509Other/CN", false),
            ("CN", false),
        ];
        for (key, expected) in cases {
            assert_eq!(selects(&defaults, key), expected, "{key}");
        }
    }

    #[test]
    fn put_and_delete_change_one_field() {
        let mut mappings = default_mappings();
        put(&mut mappings, "x509Subject", &strings(&["CN", "OU", "CN"]));
        assert!(selects(&mappings, "x509Subject/CN"));
        assert!(!selects(&mappings, "x509Subject/O"));
        assert_eq!(mappings[0].specifiers, strings(&["CN", "OU"]));
        delete(&mut mappings, "x509Subject", &strings(&["CN"]));
        assert!(!selects(&mappings, "x509Subject/CN"));
        assert!(selects(&mappings, "x509Subject/OU"));
        delete(&mut mappings, "x509SAN", &[]);
        assert!(!selects(&mappings, "x509SAN/DNS"));
        delete(&mut mappings, "x509Subject", &strings(&["OU"]));
        assert_eq!(mappings.len(), 1, "{mappings:?}");
        put(&mut mappings, "x509Issuer", &[]);
        assert!(mappings.is_empty());
    }

    #[test]
    fn session_tags_follow_the_rules_and_sts_limits() {
        let mut mappings = default_mappings();
        put(&mut mappings, "x509Subject", &strings(&["CN"]));
        let principal = tags(&[
            ("x509Subject/CN", "workload-1"),
            ("x509Subject/OU", "ops"),
            ("x509Issuer/CN", "Issuing CA"),
            ("x509SAN/URI", "spiffe://example.org/w1"),
            ("x509SAN/DNS", "bad,value"),
        ]);
        assert_eq!(
            session_tags(&mappings, &principal),
            tags(&[
                ("x509Subject/CN", "workload-1"),
                ("x509Issuer/CN", "Issuing CA"),
                ("x509SAN/URI", "spiffe://example.org/w1"),
            ])
        );
        let long = "x".repeat(257);
        assert!(session_tags(&mappings, &tags(&[("x509Subject/CN", &long)])).is_empty());
        let many: Vec<(String, String)> = (0..80)
            .map(|i| (format!("x509Issuer/A{i}"), "v".to_owned()))
            .collect();
        let mut all = default_mappings();
        put(&mut all, "x509Issuer", &strings(&["*"]));
        assert_eq!(session_tags(&all, &many).len(), MAX_SESSION_TAGS);
    }
}
