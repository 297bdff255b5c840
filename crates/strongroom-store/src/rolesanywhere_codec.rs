//! The one encoding of Roles Anywhere records as rows ([`RaRow`]): indexed columns plus a JSON document,
//! shared by the backends so that both store alike. Timestamps inside the JSON are integer Unix
//! milliseconds. Errors name the field, never a value.

use serde_json::{Map, Value, json};
use strongroom_types::{AccountId, OffsetDateTime, Region};

use crate::StoreError;
use crate::rolesanywhere::{
    RaAttributeMapping, RaCrlRecord, RaInstanceProperties, RaKind, RaNotificationSetting, RaProfileRecord,
    RaRow, RaSource, RaSubjectCredential, RaSubjectRecord, RaTrustAnchorRecord, Tag,
};

fn corrupt(kind: RaKind, field: &str) -> StoreError {
    StoreError::Corrupt(format!("rolesanywhere {}: {field}", kind.as_str()))
}

fn millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos().div_euclid(1_000_000)).unwrap_or(i64::MAX)
}

/// Reads one document's fields, reporting the first bad one.
struct Reader<'a> {
    kind: RaKind,
    object: &'a Map<String, Value>,
}

impl<'a> Reader<'a> {
    fn parse(kind: RaKind, document: &str) -> Result<Map<String, Value>, StoreError> {
        match serde_json::from_str::<Value>(document) {
            Ok(Value::Object(object)) => Ok(object),
            _ => Err(corrupt(kind, "document")),
        }
    }

    fn new(kind: RaKind, object: &'a Map<String, Value>) -> Self {
        Self { kind, object }
    }

    fn value(&self, field: &str) -> Result<&'a Value, StoreError> {
        self.object.get(field).ok_or_else(|| corrupt(self.kind, field))
    }

    fn string(&self, field: &str) -> Result<String, StoreError> {
        self.value(field)?
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| corrupt(self.kind, field))
    }

    fn opt_string(&self, field: &str) -> Result<Option<String>, StoreError> {
        match self.object.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(corrupt(self.kind, field)),
        }
    }

    fn boolean(&self, field: &str) -> Result<bool, StoreError> {
        self.value(field)?
            .as_bool()
            .ok_or_else(|| corrupt(self.kind, field))
    }

    fn u32(&self, field: &str) -> Result<u32, StoreError> {
        self.value(field)?
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| corrupt(self.kind, field))
    }

    fn time(&self, field: &str) -> Result<OffsetDateTime, StoreError> {
        self.value(field)?
            .as_i64()
            .and_then(|ms| OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok())
            .ok_or_else(|| corrupt(self.kind, field))
    }

    fn array(&self, field: &str) -> Result<&'a Vec<Value>, StoreError> {
        self.value(field)?
            .as_array()
            .ok_or_else(|| corrupt(self.kind, field))
    }

    fn strings(&self, field: &str) -> Result<Vec<String>, StoreError> {
        self.array(field)?
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| corrupt(self.kind, field))
            })
            .collect()
    }

    fn objects(&self, field: &str) -> Result<Vec<Reader<'a>>, StoreError> {
        self.array(field)?
            .iter()
            .map(|v| {
                v.as_object()
                    .map(|object| Reader::new(self.kind, object))
                    .ok_or_else(|| corrupt(self.kind, field))
            })
            .collect()
    }

    fn tags(&self) -> Result<Vec<Tag>, StoreError> {
        self.objects("tags")?
            .iter()
            .map(|t| {
                Ok(Tag {
                    key: t.string("key")?,
                    value: t.string("value")?,
                })
            })
            .collect()
    }
}

fn tags_value(tags: &[Tag]) -> Value {
    Value::Array(
        tags.iter()
            .map(|t| json!({"key": t.key, "value": t.value}))
            .collect(),
    )
}

/// A row of `kind` for a record with these identifying fields.
fn row(kind: RaKind, id: &str, arn: &str, account_id: &AccountId, region: &Region, revision: u64) -> RaRow {
    RaRow {
        kind,
        id: id.to_owned(),
        arn: arn.to_owned(),
        account_id: account_id.clone(),
        region: region.clone(),
        revision,
        lookup: None,
        document: String::new(),
        data: None,
    }
}

fn expect_kind(row: &RaRow, kind: RaKind) -> Result<(), StoreError> {
    if row.kind == kind {
        Ok(())
    } else {
        Err(corrupt(kind, "kind"))
    }
}

pub fn trust_anchor_row(r: &RaTrustAnchorRecord) -> Result<RaRow, StoreError> {
    let (source_type, source_data) = match &r.source {
        RaSource::CertificateBundle { pem } => ("CERTIFICATE_BUNDLE", Value::String(pem.clone())),
        RaSource::AcmPca { ca_arn } => ("AWS_ACM_PCA", Value::String(ca_arn.clone())),
        RaSource::SelfSignedRepository => ("SELF_SIGNED_REPOSITORY", Value::Null),
    };
    let notifications: Vec<Value> = r
        .notification_settings
        .iter()
        .map(|n| {
            json!({
                "enabled": n.enabled,
                "event": n.event,
                "threshold": n.threshold,
                "channel": n.channel,
                "configuredBy": n.configured_by,
            })
        })
        .collect();
    let document = json!({
        "name": r.name,
        "enabled": r.enabled,
        "sourceType": source_type,
        "sourceData": source_data,
        "notificationSettings": notifications,
        "tags": tags_value(&r.tags),
        "createdAt": millis(r.created_at),
        "updatedAt": millis(r.updated_at),
    });
    Ok(RaRow {
        lookup: None,
        document: document.to_string(),
        data: None,
        ..row(
            RaKind::TrustAnchor,
            &r.trust_anchor_id,
            &r.arn,
            &r.account_id,
            &r.region,
            r.revision,
        )
    })
}

pub fn trust_anchor_from_row(row: &RaRow) -> Result<RaTrustAnchorRecord, StoreError> {
    let kind = RaKind::TrustAnchor;
    expect_kind(row, kind)?;
    let object = Reader::parse(kind, &row.document)?;
    let d = Reader::new(kind, &object);
    let source = match d.string("sourceType")?.as_str() {
        "CERTIFICATE_BUNDLE" => RaSource::CertificateBundle {
            pem: d.string("sourceData")?,
        },
        "AWS_ACM_PCA" => RaSource::AcmPca {
            ca_arn: d.string("sourceData")?,
        },
        "SELF_SIGNED_REPOSITORY" => RaSource::SelfSignedRepository,
        _ => return Err(corrupt(kind, "sourceType")),
    };
    let notification_settings = d
        .objects("notificationSettings")?
        .iter()
        .map(|n| {
            Ok(RaNotificationSetting {
                enabled: n.boolean("enabled")?,
                event: n.string("event")?,
                threshold: n.u32("threshold")?,
                channel: n.string("channel")?,
                configured_by: n.string("configuredBy")?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(RaTrustAnchorRecord {
        trust_anchor_id: row.id.clone(),
        arn: row.arn.clone(),
        account_id: row.account_id.clone(),
        region: row.region.clone(),
        revision: row.revision,
        name: d.string("name")?,
        enabled: d.boolean("enabled")?,
        source,
        notification_settings,
        tags: d.tags()?,
        created_at: d.time("createdAt")?,
        updated_at: d.time("updatedAt")?,
    })
}

pub fn profile_row(r: &RaProfileRecord) -> Result<RaRow, StoreError> {
    let mappings: Vec<Value> = r
        .attribute_mappings
        .iter()
        .map(|m| json!({"certificateField": m.certificate_field, "specifiers": m.specifiers}))
        .collect();
    let document = json!({
        "name": r.name,
        "enabled": r.enabled,
        "roleArns": r.role_arns,
        "managedPolicyArns": r.managed_policy_arns,
        "sessionPolicy": r.session_policy,
        "durationSeconds": r.duration_seconds,
        "requireInstanceProperties": r.require_instance_properties,
        "acceptRoleSessionName": r.accept_role_session_name,
        "attributeMappings": mappings,
        "createdBy": r.created_by,
        "tags": tags_value(&r.tags),
        "createdAt": millis(r.created_at),
        "updatedAt": millis(r.updated_at),
    });
    Ok(RaRow {
        lookup: None,
        document: document.to_string(),
        data: None,
        ..row(
            RaKind::Profile,
            &r.profile_id,
            &r.arn,
            &r.account_id,
            &r.region,
            r.revision,
        )
    })
}

pub fn profile_from_row(row: &RaRow) -> Result<RaProfileRecord, StoreError> {
    let kind = RaKind::Profile;
    expect_kind(row, kind)?;
    let object = Reader::parse(kind, &row.document)?;
    let d = Reader::new(kind, &object);
    let attribute_mappings = d
        .objects("attributeMappings")?
        .iter()
        .map(|m| {
            Ok(RaAttributeMapping {
                certificate_field: m.string("certificateField")?,
                specifiers: m.strings("specifiers")?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(RaProfileRecord {
        profile_id: row.id.clone(),
        arn: row.arn.clone(),
        account_id: row.account_id.clone(),
        region: row.region.clone(),
        revision: row.revision,
        name: d.string("name")?,
        enabled: d.boolean("enabled")?,
        role_arns: d.strings("roleArns")?,
        managed_policy_arns: d.strings("managedPolicyArns")?,
        session_policy: d.opt_string("sessionPolicy")?,
        duration_seconds: d.u32("durationSeconds")?,
        require_instance_properties: d.boolean("requireInstanceProperties")?,
        accept_role_session_name: d.boolean("acceptRoleSessionName")?,
        attribute_mappings,
        created_by: d.string("createdBy")?,
        tags: d.tags()?,
        created_at: d.time("createdAt")?,
        updated_at: d.time("updatedAt")?,
    })
}

pub fn crl_row(r: &RaCrlRecord) -> Result<RaRow, StoreError> {
    let document = json!({
        "name": r.name,
        "enabled": r.enabled,
        "tags": tags_value(&r.tags),
        "createdAt": millis(r.created_at),
        "updatedAt": millis(r.updated_at),
    });
    Ok(RaRow {
        lookup: Some(r.trust_anchor_arn.clone()),
        document: document.to_string(),
        data: Some(r.crl_data.clone()),
        ..row(
            RaKind::Crl,
            &r.crl_id,
            &r.arn,
            &r.account_id,
            &r.region,
            r.revision,
        )
    })
}

pub fn crl_from_row(row: &RaRow) -> Result<RaCrlRecord, StoreError> {
    let kind = RaKind::Crl;
    expect_kind(row, kind)?;
    let object = Reader::parse(kind, &row.document)?;
    let d = Reader::new(kind, &object);
    Ok(RaCrlRecord {
        crl_id: row.id.clone(),
        arn: row.arn.clone(),
        account_id: row.account_id.clone(),
        region: row.region.clone(),
        revision: row.revision,
        name: d.string("name")?,
        enabled: d.boolean("enabled")?,
        trust_anchor_arn: row.lookup.clone().ok_or_else(|| corrupt(kind, "lookup"))?,
        crl_data: row.data.clone().ok_or_else(|| corrupt(kind, "data"))?,
        tags: d.tags()?,
        created_at: d.time("createdAt")?,
        updated_at: d.time("updatedAt")?,
    })
}

pub fn subject_row(r: &RaSubjectRecord) -> Result<RaRow, StoreError> {
    let credentials: Vec<Value> = r
        .credentials
        .iter()
        .map(|c| {
            json!({
                "seenAt": millis(c.seen_at),
                "serialNumber": c.serial_number,
                "issuer": c.issuer,
                "enabled": c.enabled,
                "certificate": c.certificate_pem,
                "failed": c.failed,
                "notAfter": millis(c.not_after),
                "trustAnchorArn": c.trust_anchor_arn,
            })
        })
        .collect();
    let properties: Vec<Value> = r
        .instance_properties
        .iter()
        .map(|p| {
            let pairs: Vec<Value> = p.properties.iter().map(|(k, v)| json!([k, v])).collect();
            json!({"seenAt": millis(p.seen_at), "properties": pairs, "failed": p.failed})
        })
        .collect();
    let document = json!({
        "enabled": r.enabled,
        "createdAt": millis(r.created_at),
        "updatedAt": millis(r.updated_at),
        "lastSeenAt": millis(r.last_seen_at),
        "credentials": credentials,
        "instanceProperties": properties,
    });
    Ok(RaRow {
        lookup: Some(r.x509_subject.clone()),
        document: document.to_string(),
        data: None,
        ..row(
            RaKind::Subject,
            &r.subject_id,
            &r.arn,
            &r.account_id,
            &r.region,
            r.revision,
        )
    })
}

pub fn subject_from_row(row: &RaRow) -> Result<RaSubjectRecord, StoreError> {
    let kind = RaKind::Subject;
    expect_kind(row, kind)?;
    let object = Reader::parse(kind, &row.document)?;
    let d = Reader::new(kind, &object);
    let credentials = d
        .objects("credentials")?
        .iter()
        .map(|c| {
            Ok(RaSubjectCredential {
                seen_at: c.time("seenAt")?,
                serial_number: c.string("serialNumber")?,
                issuer: c.string("issuer")?,
                enabled: c.boolean("enabled")?,
                certificate_pem: c.string("certificate")?,
                failed: c.boolean("failed")?,
                not_after: c.time("notAfter")?,
                trust_anchor_arn: c.string("trustAnchorArn")?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let instance_properties = d
        .objects("instanceProperties")?
        .iter()
        .map(|p| {
            let properties = p
                .array("properties")?
                .iter()
                .map(|pair| match pair.as_array().map(Vec::as_slice) {
                    Some([Value::String(k), Value::String(v)]) => Ok((k.clone(), v.clone())),
                    _ => Err(corrupt(kind, "properties")),
                })
                .collect::<Result<_, StoreError>>()?;
            Ok(RaInstanceProperties {
                seen_at: p.time("seenAt")?,
                properties,
                failed: p.boolean("failed")?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(RaSubjectRecord {
        subject_id: row.id.clone(),
        arn: row.arn.clone(),
        account_id: row.account_id.clone(),
        region: row.region.clone(),
        revision: row.revision,
        x509_subject: row.lookup.clone().ok_or_else(|| corrupt(kind, "lookup"))?,
        enabled: d.boolean("enabled")?,
        created_at: d.time("createdAt")?,
        updated_at: d.time("updatedAt")?,
        last_seen_at: d.time("lastSeenAt")?,
        credentials,
        instance_properties,
    })
}
