//! The one encoding of a [`SecretRecord`]'s nested fields (tags, rotation, replicas, versions) as JSON text,
//! shared by the backends so that both store them alike. Not part of the store's API: only backends use it.
//!
//! Timestamps inside the JSON are integer Unix milliseconds. The versions are stored without their
//! last-accessed days, which live in a separate JSON object `{version_id: day_ms}` that only
//! `record_secret_access` writes (see [`decode_versions`]).

use serde_json::{Map, Value};
use strongroom_types::OffsetDateTime;

use crate::secrets::{ReplicaRecord, RotationRecord, SecretRecord, Tag, VersionRecord};

/// A nested field that could not be encoded or decoded. Names the field (the column), never a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {what}")]
pub struct CodecError {
    /// The column the JSON lives in: `tags`, `rotation`, `replicas`, `versions` or `version_access`.
    pub field: &'static str,
    pub what: String,
}

impl CodecError {
    fn new(field: &'static str, what: impl Into<String>) -> Self {
        Self {
            field,
            what: what.into(),
        }
    }
}

/// The nested fields of one record, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedNested {
    /// `None` when never tagged.
    pub tags: Option<String>,
    pub rotation: Option<String>,
    pub replicas: String,
    /// The versions in order, without their last-accessed days.
    pub versions: String,
    /// The version ids, in order (for the backends to keep only these in the last-accessed map).
    pub version_ids: Vec<String>,
    /// The version ids as a JSON array of strings.
    pub version_ids_json: String,
}

/// The nested fields of one record, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedNested {
    pub tags: Option<Vec<Tag>>,
    pub rotation: Option<RotationRecord>,
    pub replicas: Vec<ReplicaRecord>,
    pub versions: Vec<VersionRecord>,
}

/// Encodes the nested fields of `record` (its versions' last-accessed days are left out).
pub fn encode(record: &SecretRecord) -> Result<EncodedNested, CodecError> {
    let tags = record.tags.as_ref().map(|tags| {
        Value::Array(
            tags.iter()
                .map(|tag| object([("key", str_value(&tag.key)), ("value", str_value(&tag.value))]))
                .collect(),
        )
        .to_string()
    });
    let rotation = record
        .rotation
        .as_ref()
        .map(|r| {
            Ok::<_, CodecError>(
                object([
                    ("enabled", Value::Bool(r.enabled)),
                    ("lambda_arn", opt_str_value(r.lambda_arn.as_deref())),
                    (
                        "automatically_after_days",
                        r.automatically_after_days.map_or(Value::Null, Value::from),
                    ),
                    ("duration", opt_str_value(r.duration.as_deref())),
                    (
                        "schedule_expression",
                        opt_str_value(r.schedule_expression.as_deref()),
                    ),
                    ("last_rotated_at", opt_ms_value("rotation", r.last_rotated_at)?),
                    ("next_rotation_at", opt_ms_value("rotation", r.next_rotation_at)?),
                ])
                .to_string(),
            )
        })
        .transpose()?;
    let replicas = record
        .replicas
        .iter()
        .map(|r| {
            Ok(object([
                ("region", str_value(&r.region)),
                ("kms_key_id", opt_str_value(r.kms_key_id.as_deref())),
                ("status", str_value(&r.status)),
                ("status_message", opt_str_value(r.status_message.as_deref())),
                ("last_accessed_at", opt_ms_value("replicas", r.last_accessed_at)?),
            ]))
        })
        .collect::<Result<Vec<_>, CodecError>>()?;
    let versions = record
        .versions
        .iter()
        .map(|v| {
            Ok(object([
                ("id", str_value(&v.version_id)),
                ("stages", str_array(&v.stages)),
                ("created_at", Value::from(to_ms("versions", v.created_at)?)),
                ("has_value", Value::Bool(v.has_value)),
                ("kms_key_ids", str_array(&v.kms_key_ids)),
            ]))
        })
        .collect::<Result<Vec<_>, CodecError>>()?;
    let version_ids: Vec<String> = record.versions.iter().map(|v| v.version_id.clone()).collect();
    Ok(EncodedNested {
        tags,
        rotation,
        replicas: Value::Array(replicas).to_string(),
        versions: Value::Array(versions).to_string(),
        version_ids_json: str_array(&version_ids).to_string(),
        version_ids,
    })
}

/// Decodes the nested fields as [`encode`] wrote them, giving each version its day from `version_access`
/// (a JSON object of version id → day in Unix milliseconds; versions it does not name were never read).
pub fn decode(
    tags: Option<&str>,
    rotation: Option<&str>,
    replicas: &str,
    versions: &str,
    version_access: &str,
) -> Result<DecodedNested, CodecError> {
    Ok(DecodedNested {
        tags: tags.map(decode_tags).transpose()?,
        rotation: rotation.map(decode_rotation).transpose()?,
        replicas: decode_replicas(replicas)?,
        versions: decode_versions(versions, version_access)?,
    })
}

/// `at` as Unix milliseconds, rounded towards the past.
pub fn to_ms(field: &'static str, at: OffsetDateTime) -> Result<i64, CodecError> {
    i64::try_from(at.unix_timestamp_nanos().div_euclid(1_000_000))
        .map_err(|_| CodecError::new(field, "timestamp cannot be stored as i64 milliseconds"))
}

/// The instant `ms` Unix milliseconds.
pub fn from_ms(field: &'static str, ms: i64) -> Result<OffsetDateTime, CodecError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(|_| CodecError::new(field, "timestamp out of range"))
}

/// The least string greater than every string that starts with `prefix` (in code point order, which is the
/// byte order of UTF-8), or `None` when there is none (`prefix` is empty or all `char::MAX`). A listing by
/// name prefix is then the range `prefix <= name < bound`, with no pattern and so nothing to escape.
pub fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last {
            '\u{D7FF}' => Some('\u{E000}'),
            other => char::from_u32(u32::from(other) + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

// -----------------------------------------------------------------------------------------------------------
// Decoding.

fn parse(field: &'static str, text: &str) -> Result<Value, CodecError> {
    serde_json::from_str(text).map_err(|err| CodecError::new(field, format!("not JSON: {err}")))
}

fn decode_tags(text: &str) -> Result<Vec<Tag>, CodecError> {
    const F: &str = "tags";
    as_array(F, parse(F, text)?)?
        .into_iter()
        .map(|item| {
            let mut obj = as_object(F, item)?;
            Ok(Tag {
                key: take_str(F, &mut obj, "key")?,
                value: take_str(F, &mut obj, "value")?,
            })
        })
        .collect()
}

fn decode_rotation(text: &str) -> Result<RotationRecord, CodecError> {
    const F: &str = "rotation";
    let mut obj = as_object(F, parse(F, text)?)?;
    Ok(RotationRecord {
        enabled: take_bool(F, &mut obj, "enabled")?,
        lambda_arn: take_opt_str(F, &mut obj, "lambda_arn")?,
        automatically_after_days: take_opt_i64(F, &mut obj, "automatically_after_days")?,
        duration: take_opt_str(F, &mut obj, "duration")?,
        schedule_expression: take_opt_str(F, &mut obj, "schedule_expression")?,
        last_rotated_at: take_opt_ms(F, &mut obj, "last_rotated_at")?,
        next_rotation_at: take_opt_ms(F, &mut obj, "next_rotation_at")?,
    })
}

fn decode_replicas(text: &str) -> Result<Vec<ReplicaRecord>, CodecError> {
    const F: &str = "replicas";
    as_array(F, parse(F, text)?)?
        .into_iter()
        .map(|item| {
            let mut obj = as_object(F, item)?;
            Ok(ReplicaRecord {
                region: take_str(F, &mut obj, "region")?,
                kms_key_id: take_opt_str(F, &mut obj, "kms_key_id")?,
                status: take_str(F, &mut obj, "status")?,
                status_message: take_opt_str(F, &mut obj, "status_message")?,
                last_accessed_at: take_opt_ms(F, &mut obj, "last_accessed_at")?,
            })
        })
        .collect()
}

fn decode_versions(text: &str, version_access: &str) -> Result<Vec<VersionRecord>, CodecError> {
    const F: &str = "versions";
    const A: &str = "version_access";
    let access = as_object(A, parse(A, version_access)?)?;
    as_array(F, parse(F, text)?)?
        .into_iter()
        .map(|item| {
            let mut obj = as_object(F, item)?;
            let version_id = take_str(F, &mut obj, "id")?;
            let last_accessed_at = match access.get(&version_id) {
                None | Some(Value::Null) => None,
                Some(day) => {
                    let ms = day
                        .as_i64()
                        .ok_or_else(|| CodecError::new(A, "day is not an integer"))?;
                    Some(from_ms(A, ms)?)
                }
            };
            Ok(VersionRecord {
                stages: take_str_array(F, &mut obj, "stages")?,
                created_at: from_ms(F, take_i64(F, &mut obj, "created_at")?)?,
                last_accessed_at,
                has_value: take_bool(F, &mut obj, "has_value")?,
                kms_key_ids: take_str_array(F, &mut obj, "kms_key_ids")?,
                version_id,
            })
        })
        .collect()
}

fn as_array(field: &'static str, value: Value) -> Result<Vec<Value>, CodecError> {
    match value {
        Value::Array(items) => Ok(items),
        _ => Err(CodecError::new(field, "not an array")),
    }
}

fn as_object(field: &'static str, value: Value) -> Result<Map<String, Value>, CodecError> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(CodecError::new(field, "not an object")),
    }
}

fn missing(field: &'static str, key: &str, what: &str) -> CodecError {
    CodecError::new(field, format!("member `{key}` missing or not {what}"))
}

fn take_str(field: &'static str, obj: &mut Map<String, Value>, key: &str) -> Result<String, CodecError> {
    match obj.remove(key) {
        Some(Value::String(s)) => Ok(s),
        _ => Err(missing(field, key, "a string")),
    }
}

fn take_opt_str(
    field: &'static str,
    obj: &mut Map<String, Value>,
    key: &str,
) -> Result<Option<String>, CodecError> {
    match obj.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(missing(field, key, "a string")),
    }
}

fn take_bool(field: &'static str, obj: &mut Map<String, Value>, key: &str) -> Result<bool, CodecError> {
    match obj.remove(key) {
        Some(Value::Bool(b)) => Ok(b),
        _ => Err(missing(field, key, "a boolean")),
    }
}

fn take_i64(field: &'static str, obj: &mut Map<String, Value>, key: &str) -> Result<i64, CodecError> {
    obj.remove(key)
        .and_then(|v| v.as_i64())
        .ok_or_else(|| missing(field, key, "an integer"))
}

fn take_opt_i64(
    field: &'static str,
    obj: &mut Map<String, Value>,
    key: &str,
) -> Result<Option<i64>, CodecError> {
    match obj.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| missing(field, key, "an integer")),
    }
}

fn take_opt_ms(
    field: &'static str,
    obj: &mut Map<String, Value>,
    key: &str,
) -> Result<Option<OffsetDateTime>, CodecError> {
    take_opt_i64(field, obj, key)?
        .map(|ms| from_ms(field, ms))
        .transpose()
}

fn take_str_array(
    field: &'static str,
    obj: &mut Map<String, Value>,
    key: &str,
) -> Result<Vec<String>, CodecError> {
    match obj.remove(key) {
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => Ok(s),
                _ => Err(missing(field, key, "an array of strings")),
            })
            .collect(),
        _ => Err(missing(field, key, "an array of strings")),
    }
}

// -----------------------------------------------------------------------------------------------------------
// Encoding.

fn object<const N: usize>(members: [(&str, Value); N]) -> Value {
    Value::Object(members.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

fn str_value(s: &str) -> Value {
    Value::String(s.to_owned())
}

fn opt_str_value(s: Option<&str>) -> Value {
    s.map_or(Value::Null, str_value)
}

fn opt_ms_value(field: &'static str, at: Option<OffsetDateTime>) -> Result<Value, CodecError> {
    Ok(at
        .map(|at| to_ms(field, at))
        .transpose()?
        .map_or(Value::Null, Value::from))
}

fn str_array(items: &[String]) -> Value {
    Value::Array(items.iter().map(|s| str_value(s)).collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use strongroom_types::{AccountId, Region};

    fn ts(ms: i64) -> OffsetDateTime {
        from_ms("test", ms).unwrap()
    }

    fn record() -> SecretRecord {
        SecretRecord {
            arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:a-AbCdEf".to_owned(),
            account_id: "123456789012".parse::<AccountId>().unwrap(),
            region: "us-east-1".parse::<Region>().unwrap(),
            name: "a".to_owned(),
            revision: 1,
            created_at: ts(1),
            last_changed_at: ts(2),
            last_accessed_at: None,
            deleted_at: None,
            purge_at: None,
            description: None,
            kms_key_id: None,
            secret_type: None,
            owning_service: None,
            tags: Some(vec![
                Tag {
                    key: "b\"\\\u{0}".to_owned(),
                    value: "ü".to_owned(),
                },
                Tag {
                    key: "a".to_owned(),
                    value: String::new(),
                },
            ]),
            resource_policy: None,
            rotation: Some(RotationRecord {
                enabled: true,
                lambda_arn: Some("arn:l".to_owned()),
                automatically_after_days: Some(-3),
                duration: None,
                schedule_expression: Some("rate(1 day)".to_owned()),
                last_rotated_at: Some(ts(-1_000_001)),
                next_rotation_at: None,
            }),
            primary_region: None,
            replicas: vec![ReplicaRecord {
                region: "eu-west-1".to_owned(),
                kms_key_id: None,
                status: "InSync".to_owned(),
                status_message: Some("ok".to_owned()),
                last_accessed_at: Some(ts(86_400_000)),
            }],
            versions: vec![
                VersionRecord {
                    version_id: "v2".to_owned(),
                    stages: vec!["AWSCURRENT".to_owned(), "x".to_owned()],
                    created_at: ts(5),
                    last_accessed_at: Some(ts(86_400_000)),
                    has_value: true,
                    kms_key_ids: vec!["k".to_owned()],
                },
                VersionRecord {
                    version_id: "v1".to_owned(),
                    stages: vec![],
                    created_at: ts(4),
                    last_accessed_at: None,
                    has_value: false,
                    kms_key_ids: vec![],
                },
            ],
        }
    }

    #[test]
    fn round_trips_with_access_days_apart() {
        let r = record();
        let e = encode(&r).unwrap();
        assert_eq!(e.version_ids, vec!["v2".to_owned(), "v1".to_owned()]);
        assert_eq!(e.version_ids_json, r#"["v2","v1"]"#);
        let d = decode(
            e.tags.as_deref(),
            e.rotation.as_deref(),
            &e.replicas,
            &e.versions,
            r#"{"v2":86400000,"gone":1}"#,
        )
        .unwrap();
        assert_eq!(d.tags, r.tags);
        assert_eq!(d.rotation, r.rotation);
        assert_eq!(d.replicas, r.replicas);
        assert_eq!(d.versions, r.versions);

        // The days are not in the versions' JSON.
        let without = decode(None, None, "[]", &e.versions, "{}").unwrap();
        assert_eq!(without.tags, None);
        assert_eq!(without.rotation, None);
        assert!(without.versions.iter().all(|v| v.last_accessed_at.is_none()));
    }

    #[test]
    fn empty_tags_are_not_none() {
        let mut r = record();
        r.tags = Some(Vec::new());
        let e = encode(&r).unwrap();
        assert_eq!(e.tags.as_deref(), Some("[]"));
        let d = decode(e.tags.as_deref(), None, "[]", "[]", "{}").unwrap();
        assert_eq!(d.tags, Some(Vec::new()));
    }

    #[test]
    fn malformed_json_names_the_field() {
        assert_eq!(
            decode(Some("{"), None, "[]", "[]", "{}").unwrap_err().field,
            "tags"
        );
        assert_eq!(
            decode(None, Some("[]"), "[]", "[]", "{}").unwrap_err().field,
            "rotation"
        );
        assert_eq!(
            decode(None, None, "[{}]", "[]", "{}").unwrap_err().field,
            "replicas"
        );
        assert_eq!(
            decode(None, None, "[]", r#"[{"id":1}]"#, "{}").unwrap_err().field,
            "versions"
        );
        assert_eq!(
            decode(None, None, "[]", "[]", "[]").unwrap_err().field,
            "version_access"
        );
        let versions = r#"[{"id":"a","stages":[],"created_at":1,"has_value":true,"kms_key_ids":[]}]"#;
        assert_eq!(
            decode(None, None, "[]", versions, r#"{"a":"x"}"#)
                .unwrap_err()
                .field,
            "version_access"
        );
    }

    #[test]
    fn prefix_bounds() {
        assert_eq!(prefix_upper_bound(""), None);
        assert_eq!(prefix_upper_bound("ab").as_deref(), Some("ac"));
        assert_eq!(prefix_upper_bound("a%").as_deref(), Some("a&"));
        assert_eq!(prefix_upper_bound("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(prefix_upper_bound("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_upper_bound("\u{10FFFF}\u{10FFFF}"), None);
        for (prefix, name) in [
            ("ab", "ab"),
            ("ab", "abz"),
            ("a\u{10FFFF}", "a\u{10FFFF}\u{10FFFF}x"),
        ] {
            let bound = prefix_upper_bound(prefix).unwrap();
            assert!(
                name >= prefix && name < bound.as_str(),
                "{name:?} under {prefix:?}"
            );
        }
        for (prefix, name) in [("ab", "ac"), ("ab", "b"), ("ab", "ac\u{0}")] {
            let bound = prefix_upper_bound(prefix).unwrap();
            assert!(name >= bound.as_str(), "{name:?} past {prefix:?}");
        }
    }
}
