//! The private CA's domain types, their AWS spellings, and the CA document the store keeps as text.

use serde_json::{Map, Value, json};
use strongroom_crypto::pki::{KeyAlgorithm, NameAttribute, RevocationReason, SigningAlgorithm, SubjectName};
use strongroom_types::OffsetDateTime;

/// `CertificateAuthorityType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaType {
    Root,
    Subordinate,
}

impl CaType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Root => "ROOT",
            Self::Subordinate => "SUBORDINATE",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "ROOT" => Some(Self::Root),
            "SUBORDINATE" => Some(Self::Subordinate),
            _ => None,
        }
    }
}

/// `CertificateAuthorityStatus` as Strongroom keeps it (`CREATING` and `FAILED` never happen: creation is
/// synchronous; `EXPIRED` is computed from the certificate's end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaStatus {
    PendingCertificate,
    Active,
    Disabled,
    Deleted,
    Expired,
}

impl CaStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingCertificate => "PENDING_CERTIFICATE",
            Self::Active => "ACTIVE",
            Self::Disabled => "DISABLED",
            Self::Deleted => "DELETED",
            Self::Expired => "EXPIRED",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "PENDING_CERTIFICATE" => Some(Self::PendingCertificate),
            "ACTIVE" => Some(Self::Active),
            "DISABLED" => Some(Self::Disabled),
            "DELETED" => Some(Self::Deleted),
            "EXPIRED" => Some(Self::Expired),
            _ => None,
        }
    }
}

/// The AWS spelling of a key algorithm Strongroom can generate.
pub fn key_algorithm(text: &str) -> Option<KeyAlgorithm> {
    match text {
        "RSA_2048" => Some(KeyAlgorithm::Rsa2048),
        "RSA_4096" => Some(KeyAlgorithm::Rsa4096),
        "EC_prime256v1" => Some(KeyAlgorithm::EcP256),
        "EC_secp384r1" => Some(KeyAlgorithm::EcP384),
        _ => None,
    }
}

pub fn key_algorithm_name(algorithm: KeyAlgorithm) -> &'static str {
    match algorithm {
        KeyAlgorithm::Rsa2048 => "RSA_2048",
        KeyAlgorithm::Rsa4096 => "RSA_4096",
        KeyAlgorithm::EcP256 => "EC_prime256v1",
        KeyAlgorithm::EcP384 => "EC_secp384r1",
    }
}

/// The AWS spelling of a signing algorithm Strongroom can sign with.
pub fn signing_algorithm(text: &str) -> Option<SigningAlgorithm> {
    match text {
        "SHA256WITHRSA" => Some(SigningAlgorithm::Sha256WithRsa),
        "SHA384WITHRSA" => Some(SigningAlgorithm::Sha384WithRsa),
        "SHA512WITHRSA" => Some(SigningAlgorithm::Sha512WithRsa),
        "SHA256WITHECDSA" => Some(SigningAlgorithm::Sha256WithEcdsa),
        "SHA384WITHECDSA" => Some(SigningAlgorithm::Sha384WithEcdsa),
        _ => None,
    }
}

pub fn signing_algorithm_name(algorithm: SigningAlgorithm) -> &'static str {
    match algorithm {
        SigningAlgorithm::Sha256WithRsa => "SHA256WITHRSA",
        SigningAlgorithm::Sha384WithRsa => "SHA384WITHRSA",
        SigningAlgorithm::Sha512WithRsa => "SHA512WITHRSA",
        SigningAlgorithm::Sha256WithEcdsa => "SHA256WITHECDSA",
        SigningAlgorithm::Sha384WithEcdsa => "SHA384WITHECDSA",
    }
}

/// The AWS spelling (`RevocationReason`) of a reason.
pub fn revocation_reason(text: &str) -> Option<RevocationReason> {
    Some(match text {
        "UNSPECIFIED" => RevocationReason::Unspecified,
        "KEY_COMPROMISE" => RevocationReason::KeyCompromise,
        "CERTIFICATE_AUTHORITY_COMPROMISE" => RevocationReason::CaCompromise,
        "AFFILIATION_CHANGED" => RevocationReason::AffiliationChanged,
        "SUPERSEDED" => RevocationReason::Superseded,
        "CESSATION_OF_OPERATION" => RevocationReason::CessationOfOperation,
        "PRIVILEGE_WITHDRAWN" => RevocationReason::PrivilegeWithdrawn,
        "A_A_COMPROMISE" => RevocationReason::AaCompromise,
        _ => return None,
    })
}

/// `ASN1Subject` member names, in the order the document keeps them.
pub fn attribute_name(attribute: NameAttribute) -> &'static str {
    match attribute {
        NameAttribute::Country => "Country",
        NameAttribute::Organization => "Organization",
        NameAttribute::OrganizationalUnit => "OrganizationalUnit",
        NameAttribute::DistinguishedNameQualifier => "DistinguishedNameQualifier",
        NameAttribute::State => "State",
        NameAttribute::CommonName => "CommonName",
        NameAttribute::SerialNumber => "SerialNumber",
        NameAttribute::Locality => "Locality",
        NameAttribute::Title => "Title",
        NameAttribute::Surname => "Surname",
        NameAttribute::GivenName => "GivenName",
        NameAttribute::Initials => "Initials",
        NameAttribute::Pseudonym => "Pseudonym",
        NameAttribute::GenerationQualifier => "GenerationQualifier",
    }
}

fn attribute_from_name(name: &str) -> Option<NameAttribute> {
    NameAttribute::ALL
        .into_iter()
        .find(|a| attribute_name(*a) == name)
}

/// `CrlConfiguration`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrlSettings {
    pub enabled: bool,
    pub expiration_in_days: Option<u32>,
    pub custom_cname: Option<String>,
    pub s3_bucket_name: Option<String>,
    pub s3_object_acl: Option<String>,
    /// `CrlDistributionPointExtensionConfiguration.OmitExtension`.
    pub omit_extension: Option<bool>,
    pub crl_type: Option<String>,
    pub custom_path: Option<String>,
}

impl CrlSettings {
    /// How long a CRL is valid: `ExpirationInDays`, 7 by default as in AWS.
    pub fn validity_days(&self) -> u32 {
        self.expiration_in_days.unwrap_or(7)
    }
}

/// `OcspConfiguration`: kept and described; Strongroom runs no OCSP responder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OcspSettings {
    pub enabled: bool,
    pub custom_cname: Option<String>,
}

/// `RevocationConfiguration`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RevocationSettings {
    pub crl: Option<CrlSettings>,
    pub ocsp: Option<OcspSettings>,
}

impl RevocationSettings {
    /// The CRL settings when CRLs are enabled.
    pub fn enabled_crl(&self) -> Option<&CrlSettings> {
        self.crl.as_ref().filter(|crl| crl.enabled)
    }
}

/// A tag; AWS allows a tag without a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaTag {
    pub key: String,
    pub value: Option<String>,
}

/// A certificate authority, as the service sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateAuthority {
    pub arn: String,
    pub owner_account: String,
    pub ca_type: CaType,
    pub status: CaStatus,
    pub created_at: OffsetDateTime,
    pub last_state_change_at: OffsetDateTime,
    pub key_algorithm: KeyAlgorithm,
    pub signing_algorithm: SigningAlgorithm,
    pub subject: SubjectName,
    pub revocation: RevocationSettings,
    pub tags: Vec<CaTag>,
    /// The CA certificate's serial (hex with colons, as AWS shows it), once imported.
    pub serial: Option<String>,
    pub not_before: Option<OffsetDateTime>,
    pub not_after: Option<OffsetDateTime>,
    pub restorable_until: Option<OffsetDateTime>,
    pub key_storage_security_standard: String,
    pub usage_mode: String,
    /// The last CRL's number (0: none made yet) and when it stops being valid.
    pub crl_number: u64,
    pub crl_next_update: Option<OffsetDateTime>,
}

impl CertificateAuthority {
    /// The last part of the ARN.
    pub fn id(&self) -> &str {
        self.arn.rsplit('/').next().unwrap_or_default()
    }

    /// The status a caller sees: an active or disabled CA whose certificate has ended is `EXPIRED`.
    pub fn effective_status(&self, now: OffsetDateTime) -> CaStatus {
        match (self.status, self.not_after) {
            (CaStatus::Active | CaStatus::Disabled, Some(end)) if end <= now => CaStatus::Expired,
            (status, _) => status,
        }
    }
}

fn millis(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

fn from_millis(value: &Value) -> Option<OffsetDateTime> {
    let ms = value.as_i64()?;
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

fn opt_text(value: &Option<String>) -> Value {
    value.as_ref().map_or(Value::Null, |v| Value::String(v.clone()))
}

fn get_text(object: &Value, key: &str) -> Option<String> {
    object.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The document: everything about a CA the store does not index.
pub fn encode(ca: &CertificateAuthority) -> String {
    let subject: Vec<Value> = ca
        .subject
        .attributes
        .iter()
        .map(|(attribute, value)| json!([attribute_name(*attribute), value]))
        .collect();
    let crl = ca.revocation.crl.as_ref().map_or(Value::Null, |crl| {
        json!({
            "Enabled": crl.enabled,
            "ExpirationInDays": crl.expiration_in_days,
            "CustomCname": opt_text(&crl.custom_cname),
            "S3BucketName": opt_text(&crl.s3_bucket_name),
            "S3ObjectAcl": opt_text(&crl.s3_object_acl),
            "OmitExtension": crl.omit_extension,
            "CrlType": opt_text(&crl.crl_type),
            "CustomPath": opt_text(&crl.custom_path),
        })
    });
    let ocsp = ca.revocation.ocsp.as_ref().map_or(
        Value::Null,
        |ocsp| json!({"Enabled": ocsp.enabled, "OcspCustomCname": opt_text(&ocsp.custom_cname)}),
    );
    let tags: Vec<Value> = ca.tags.iter().map(|t| json!([t.key, t.value])).collect();
    json!({
        "v": 1,
        "Type": ca.ca_type.as_str(),
        "KeyAlgorithm": key_algorithm_name(ca.key_algorithm),
        "SigningAlgorithm": signing_algorithm_name(ca.signing_algorithm),
        "Subject": subject,
        "Crl": crl,
        "Ocsp": ocsp,
        "Tags": tags,
        "LastStateChangeAt": millis(ca.last_state_change_at),
        "Serial": opt_text(&ca.serial),
        "NotBefore": ca.not_before.map(millis),
        "NotAfter": ca.not_after.map(millis),
        "RestorableUntil": ca.restorable_until.map(millis),
        "KeyStorageSecurityStandard": ca.key_storage_security_standard,
        "UsageMode": ca.usage_mode,
        "CrlNumber": ca.crl_number,
        "CrlNextUpdate": ca.crl_next_update.map(millis),
    })
    .to_string()
}

/// Reads a document written by [`encode`] back, with the columns the store keeps itself.
pub fn decode(
    document: &str,
    arn: &str,
    owner_account: &str,
    status: &str,
    created_at: OffsetDateTime,
) -> Option<CertificateAuthority> {
    let doc: Value = serde_json::from_str(document).ok()?;
    let subject = doc
        .get("Subject")?
        .as_array()?
        .iter()
        .map(|pair| {
            let name = pair.get(0)?.as_str()?;
            let value = pair.get(1)?.as_str()?;
            Some((attribute_from_name(name)?, value.to_owned()))
        })
        .collect::<Option<Vec<_>>>()?;
    let crl = match doc.get("Crl") {
        Some(Value::Object(crl)) => Some(decode_crl(crl)?),
        _ => None,
    };
    let ocsp = match doc.get("Ocsp") {
        Some(ocsp @ Value::Object(_)) => Some(OcspSettings {
            enabled: ocsp.get("Enabled")?.as_bool()?,
            custom_cname: get_text(ocsp, "OcspCustomCname"),
        }),
        _ => None,
    };
    let tags = doc
        .get("Tags")?
        .as_array()?
        .iter()
        .map(|pair| {
            Some(CaTag {
                key: pair.get(0)?.as_str()?.to_owned(),
                value: pair.get(1).and_then(Value::as_str).map(str::to_owned),
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let time = |key: &str| doc.get(key).and_then(from_millis);
    Some(CertificateAuthority {
        arn: arn.to_owned(),
        owner_account: owner_account.to_owned(),
        ca_type: CaType::parse(doc.get("Type")?.as_str()?)?,
        status: CaStatus::parse(status)?,
        created_at,
        last_state_change_at: time("LastStateChangeAt")?,
        key_algorithm: key_algorithm(doc.get("KeyAlgorithm")?.as_str()?)?,
        signing_algorithm: signing_algorithm(doc.get("SigningAlgorithm")?.as_str()?)?,
        subject: SubjectName { attributes: subject },
        revocation: RevocationSettings { crl, ocsp },
        tags,
        serial: get_text(&doc, "Serial"),
        not_before: time("NotBefore"),
        not_after: time("NotAfter"),
        restorable_until: time("RestorableUntil"),
        key_storage_security_standard: get_text(&doc, "KeyStorageSecurityStandard")?,
        usage_mode: get_text(&doc, "UsageMode")?,
        crl_number: doc.get("CrlNumber")?.as_u64()?,
        crl_next_update: time("CrlNextUpdate"),
    })
}

fn decode_crl(crl: &Map<String, Value>) -> Option<CrlSettings> {
    let text = |key: &str| crl.get(key).and_then(Value::as_str).map(str::to_owned);
    Some(CrlSettings {
        enabled: crl.get("Enabled")?.as_bool()?,
        expiration_in_days: crl
            .get("ExpirationInDays")
            .and_then(Value::as_u64)
            .and_then(|d| u32::try_from(d).ok()),
        custom_cname: text("CustomCname"),
        s3_bucket_name: text("S3BucketName"),
        s3_object_acl: text("S3ObjectAcl"),
        omit_extension: crl.get("OmitExtension").and_then(Value::as_bool),
        crl_type: text("CrlType"),
        custom_path: text("CustomPath"),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    fn sample() -> CertificateAuthority {
        let at = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        CertificateAuthority {
            arn: "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/abc".into(),
            owner_account: "123456789012".into(),
            ca_type: CaType::Subordinate,
            status: CaStatus::Active,
            created_at: at,
            last_state_change_at: at,
            key_algorithm: KeyAlgorithm::EcP384,
            signing_algorithm: SigningAlgorithm::Sha384WithEcdsa,
            subject: SubjectName {
                attributes: vec![
                    (NameAttribute::Country, "DE".into()),
                    (NameAttribute::CommonName, "Ünïcødé CA".into()),
                ],
            },
            revocation: RevocationSettings {
                crl: Some(CrlSettings {
                    enabled: true,
                    expiration_in_days: Some(3),
                    custom_cname: Some("crl.example.com".into()),
                    omit_extension: Some(false),
                    ..CrlSettings::default()
                }),
                ocsp: Some(OcspSettings {
                    enabled: false,
                    custom_cname: None,
                }),
            },
            tags: vec![
                CaTag {
                    key: "team".into(),
                    value: Some("a".into()),
                },
                CaTag {
                    key: "bare".into(),
                    value: None,
                },
            ],
            serial: Some("7f:01".into()),
            not_before: Some(at),
            not_after: Some(at + time::Duration::days(365)),
            restorable_until: None,
            key_storage_security_standard: "FIPS_140_2_LEVEL_3_OR_HIGHER".into(),
            usage_mode: "GENERAL_PURPOSE".into(),
            crl_number: 4,
            crl_next_update: Some(at),
        }
    }

    #[test]
    fn documents_round_trip() {
        let ca = sample();
        let text = encode(&ca);
        let back = decode(&text, &ca.arn, &ca.owner_account, "ACTIVE", ca.created_at).unwrap();
        assert_eq!(back, ca);
        assert!(decode("{}", &ca.arn, "1", "ACTIVE", ca.created_at).is_none());
        assert!(decode(&text, &ca.arn, "1", "SLEEPING", ca.created_at).is_none());
    }

    #[test]
    fn an_ended_certificate_makes_the_ca_expired() {
        let ca = sample();
        let end = ca.not_after.unwrap();
        assert_eq!(
            ca.effective_status(end - time::Duration::SECOND),
            CaStatus::Active
        );
        assert_eq!(ca.effective_status(end), CaStatus::Expired);
        let mut pending = ca;
        pending.status = CaStatus::PendingCertificate;
        assert_eq!(pending.effective_status(end), CaStatus::PendingCertificate);
    }

    #[test]
    fn spellings_round_trip() {
        for name in ["RSA_2048", "RSA_4096", "EC_prime256v1", "EC_secp384r1"] {
            assert_eq!(key_algorithm_name(key_algorithm(name).unwrap()), name);
        }
        for name in [
            "SHA256WITHRSA",
            "SHA384WITHRSA",
            "SHA512WITHRSA",
            "SHA256WITHECDSA",
            "SHA384WITHECDSA",
        ] {
            assert_eq!(signing_algorithm_name(signing_algorithm(name).unwrap()), name);
        }
        assert!(key_algorithm("SM2").is_none());
        assert!(signing_algorithm("SHA512WITHECDSA").is_none());
        for attribute in NameAttribute::ALL {
            assert_eq!(attribute_from_name(attribute_name(attribute)), Some(attribute));
        }
    }
}
