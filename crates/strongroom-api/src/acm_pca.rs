//! ACM Private CA request and response shapes (awsJson1_1, target prefix `ACMPrivateCA`), as in botocore's
//! model `acm-pca/2017-08-22`, for the operations Strongroom serves.
//!
//! [`Operation::parse`] turns the operation name and body into a closed [`Operation`], checking the model's
//! constraints (lengths, ranges, enums) with AWS's `ValidationException` wording. Enum members stay the
//! string sent; blobs (`Csr`, `Certificate`, `CertificateChain`) are base64 on the wire and [`Blob`] here;
//! timestamps are epoch seconds ([`Timestamp`]).

use serde::{Deserialize, Serialize};

pub use crate::secretsmanager::Blob;
use crate::{Timestamp, WireError, json};

/// The `X-Amz-Target` prefix of ACM PCA.
pub const TARGET_PREFIX: &str = "ACMPrivateCA";

pub const CA_TYPES: &[&str] = &["ROOT", "SUBORDINATE"];
pub const KEY_ALGORITHMS: &[&str] = &[
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "EC_prime256v1",
    "EC_secp384r1",
    "EC_secp521r1",
    "ML_DSA_44",
    "ML_DSA_65",
    "ML_DSA_87",
    "SM2",
];
pub const SIGNING_ALGORITHMS: &[&str] = &[
    "SHA256WITHECDSA",
    "SHA384WITHECDSA",
    "SHA512WITHECDSA",
    "SHA256WITHRSA",
    "SHA384WITHRSA",
    "SHA512WITHRSA",
    "SM3WITHSM2",
    "ML_DSA_44",
    "ML_DSA_65",
    "ML_DSA_87",
];
pub const STATUSES: &[&str] = &[
    "CREATING",
    "PENDING_CERTIFICATE",
    "ACTIVE",
    "DELETED",
    "DISABLED",
    "EXPIRED",
    "FAILED",
];
pub const REVOCATION_REASONS: &[&str] = &[
    "UNSPECIFIED",
    "KEY_COMPROMISE",
    "CERTIFICATE_AUTHORITY_COMPROMISE",
    "AFFILIATION_CHANGED",
    "SUPERSEDED",
    "CESSATION_OF_OPERATION",
    "PRIVILEGE_WITHDRAWN",
    "A_A_COMPROMISE",
];
pub const VALIDITY_TYPES: &[&str] = &["END_DATE", "ABSOLUTE", "DAYS", "MONTHS", "YEARS"];
const KEY_STORAGE: &[&str] = &[
    "FIPS_140_2_LEVEL_2_OR_HIGHER",
    "FIPS_140_2_LEVEL_3_OR_HIGHER",
    "CCPC_LEVEL_1_OR_HIGHER",
];
const USAGE_MODES: &[&str] = &["GENERAL_PURPOSE", "SHORT_LIVED_CERTIFICATE"];
const RESOURCE_OWNERS: &[&str] = &["SELF", "OTHER_ACCOUNTS"];
const S3_ACLS: &[&str] = &["PUBLIC_READ", "BUCKET_OWNER_FULL_CONTROL"];
const CRL_TYPES: &[&str] = &["COMPLETE", "PARTITIONED"];

// ---------------------------------------------------------------------------------------------------------
// Shared shapes (both directions).

/// `Tag`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `CustomAttribute`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomAttribute {
    pub object_identifier: String,
    pub value: String,
}

/// `ASN1Subject`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Asn1Subject {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organizational_unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distinguished_name_qualifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub common_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initials: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pseudonym: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generation_qualifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_attributes: Option<Vec<CustomAttribute>>,
}

/// `CertificateAuthorityConfiguration`. `CsrExtensions` is accepted and ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CertificateAuthorityConfiguration {
    pub key_algorithm: String,
    pub signing_algorithm: String,
    pub subject: Asn1Subject,
}

/// `CrlDistributionPointExtensionConfiguration`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CrlDistributionPointExtensionConfiguration {
    pub omit_extension: bool,
}

/// `CrlConfiguration`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CrlConfiguration {
    pub enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_in_days: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_cname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_bucket_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_object_acl: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crl_distribution_point_extension_configuration: Option<CrlDistributionPointExtensionConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crl_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_path: Option<String>,
}

/// `OcspConfiguration`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OcspConfiguration {
    pub enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ocsp_custom_cname: Option<String>,
}

/// `RevocationConfiguration`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RevocationConfiguration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crl_configuration: Option<CrlConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ocsp_configuration: Option<OcspConfiguration>,
}

/// `Validity`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Validity {
    pub value: i64,
    #[serde(rename = "Type")]
    pub validity_type: String,
}

// ---------------------------------------------------------------------------------------------------------
// Requests.

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateCertificateAuthorityRequest {
    pub certificate_authority_configuration: CertificateAuthorityConfiguration,
    pub revocation_configuration: Option<RevocationConfiguration>,
    pub certificate_authority_type: String,
    pub idempotency_token: Option<String>,
    pub key_storage_security_standard: Option<String>,
    pub tags: Option<Vec<Tag>>,
    pub usage_mode: Option<String>,
}

/// The input of every operation that takes only a CA (`DescribeCertificateAuthority`,
/// `GetCertificateAuthorityCertificate`, `GetCertificateAuthorityCsr`, `RestoreCertificateAuthority`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CaArnRequest {
    pub certificate_authority_arn: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListCertificateAuthoritiesRequest {
    pub max_results: Option<i64>,
    pub next_token: Option<String>,
    pub resource_owner: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImportCertificateAuthorityCertificateRequest {
    pub certificate_authority_arn: String,
    pub certificate: Blob,
    pub certificate_chain: Option<Blob>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IssueCertificateRequest {
    pub certificate_authority_arn: String,
    pub csr: Blob,
    pub signing_algorithm: String,
    pub template_arn: Option<String>,
    pub validity: Validity,
    pub validity_not_before: Option<Validity>,
    pub idempotency_token: Option<String>,
    /// `ApiPassthrough` is accepted and ignored: the templates Strongroom offers take nothing from it.
    pub api_passthrough: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetCertificateRequest {
    pub certificate_authority_arn: String,
    pub certificate_arn: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RevokeCertificateRequest {
    pub certificate_authority_arn: String,
    pub certificate_serial: String,
    pub revocation_reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateCertificateAuthorityRequest {
    pub certificate_authority_arn: String,
    pub revocation_configuration: Option<RevocationConfiguration>,
    pub status: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteCertificateAuthorityRequest {
    pub certificate_authority_arn: String,
    pub permanent_deletion_time_in_days: Option<i64>,
}

/// `TagCertificateAuthority` and `UntagCertificateAuthority`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagsRequest {
    pub certificate_authority_arn: String,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListTagsRequest {
    pub certificate_authority_arn: String,
    pub max_results: Option<i64>,
    pub next_token: Option<String>,
}

// ---------------------------------------------------------------------------------------------------------
// Responses.

/// The empty response.
#[derive(Debug, Default, Serialize)]
pub struct Empty {}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateCertificateAuthorityResponse {
    pub certificate_authority_arn: String,
}

/// `CertificateAuthority`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CertificateAuthority {
    pub arn: String,
    pub owner_account: String,
    pub created_at: Timestamp,
    pub last_state_change_at: Timestamp,
    #[serde(rename = "Type")]
    pub ca_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_before: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_after: Option<Timestamp>,
    pub certificate_authority_configuration: CertificateAuthorityConfiguration,
    pub revocation_configuration: RevocationConfiguration,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restorable_until: Option<Timestamp>,
    pub key_storage_security_standard: String,
    pub usage_mode: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeCertificateAuthorityResponse {
    pub certificate_authority: CertificateAuthority,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListCertificateAuthoritiesResponse {
    pub certificate_authorities: Vec<CertificateAuthority>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `GetCertificate` and `GetCertificateAuthorityCertificate`: PEM text.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CertificateResponse {
    pub certificate: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_chain: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetCertificateAuthorityCsrResponse {
    pub csr: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IssueCertificateResponse {
    pub certificate_arn: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListTagsResponse {
    pub tags: Vec<Tag>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

// ---------------------------------------------------------------------------------------------------------
// Operations.

/// Every ACM PCA operation Strongroom serves, parsed and checked against the model.
#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "made once per request and moved straight into its handler"
)]
pub enum Operation {
    CreateCertificateAuthority(CreateCertificateAuthorityRequest),
    DescribeCertificateAuthority(CaArnRequest),
    ListCertificateAuthorities(ListCertificateAuthoritiesRequest),
    GetCertificateAuthorityCertificate(CaArnRequest),
    GetCertificateAuthorityCsr(CaArnRequest),
    ImportCertificateAuthorityCertificate(ImportCertificateAuthorityCertificateRequest),
    IssueCertificate(IssueCertificateRequest),
    GetCertificate(GetCertificateRequest),
    RevokeCertificate(RevokeCertificateRequest),
    UpdateCertificateAuthority(UpdateCertificateAuthorityRequest),
    DeleteCertificateAuthority(DeleteCertificateAuthorityRequest),
    RestoreCertificateAuthority(CaArnRequest),
    TagCertificateAuthority(TagsRequest),
    UntagCertificateAuthority(TagsRequest),
    ListTags(ListTagsRequest),
}

impl Operation {
    /// Every operation name.
    pub const NAMES: &'static [&'static str] = &[
        "CreateCertificateAuthority",
        "DeleteCertificateAuthority",
        "DescribeCertificateAuthority",
        "GetCertificate",
        "GetCertificateAuthorityCertificate",
        "GetCertificateAuthorityCsr",
        "ImportCertificateAuthorityCertificate",
        "IssueCertificate",
        "ListCertificateAuthorities",
        "ListTags",
        "RestoreCertificateAuthority",
        "RevokeCertificate",
        "TagCertificateAuthority",
        "UntagCertificateAuthority",
        "UpdateCertificateAuthority",
    ];

    /// Parses `body` as the input of `operation_name` and checks the model's constraints.
    ///
    /// # Errors
    ///
    /// `UnknownOperationException`, `SerializationException`, or `ValidationException` listing every
    /// violated constraint.
    pub fn parse(operation_name: &str, body: &[u8]) -> Result<Self, WireError> {
        let mut v = Violations::default();
        let operation = match operation_name {
            "CreateCertificateAuthority" => {
                let r: CreateCertificateAuthorityRequest = json::parse_body(body)?;
                configuration(
                    &mut v,
                    "certificateAuthorityConfiguration",
                    &r.certificate_authority_configuration,
                );
                if let Some(revocation) = &r.revocation_configuration {
                    revocation_configuration(&mut v, "revocationConfiguration", revocation);
                }
                v.one_of(
                    "certificateAuthorityType",
                    Some(&r.certificate_authority_type),
                    CA_TYPES,
                );
                v.text("idempotencyToken", r.idempotency_token.as_deref(), 1, 36);
                v.one_of(
                    "keyStorageSecurityStandard",
                    r.key_storage_security_standard.as_deref(),
                    KEY_STORAGE,
                );
                v.one_of("usageMode", r.usage_mode.as_deref(), USAGE_MODES);
                if let Some(tags) = &r.tags {
                    tag_list(&mut v, "tags", tags);
                }
                Self::CreateCertificateAuthority(r)
            }
            "DescribeCertificateAuthority" => Self::DescribeCertificateAuthority(ca_arn(&mut v, body)?),
            "ListCertificateAuthorities" => {
                let r: ListCertificateAuthoritiesRequest = json::parse_body(body)?;
                v.number("maxResults", r.max_results, 1, 1000);
                v.text("nextToken", r.next_token.as_deref(), 1, 43_739);
                v.one_of("resourceOwner", r.resource_owner.as_deref(), RESOURCE_OWNERS);
                Self::ListCertificateAuthorities(r)
            }
            "GetCertificateAuthorityCertificate" => {
                Self::GetCertificateAuthorityCertificate(ca_arn(&mut v, body)?)
            }
            "GetCertificateAuthorityCsr" => Self::GetCertificateAuthorityCsr(ca_arn(&mut v, body)?),
            "ImportCertificateAuthorityCertificate" => {
                let r: ImportCertificateAuthorityCertificateRequest = json::parse_body(body)?;
                arn(&mut v, "certificateAuthorityArn", &r.certificate_authority_arn);
                v.bytes("certificate", Some(&r.certificate), 1, 32_768);
                v.bytes("certificateChain", r.certificate_chain.as_ref(), 0, 2_097_152);
                Self::ImportCertificateAuthorityCertificate(r)
            }
            "IssueCertificate" => {
                let r: IssueCertificateRequest = json::parse_body(body)?;
                arn(&mut v, "certificateAuthorityArn", &r.certificate_authority_arn);
                v.bytes("csr", Some(&r.csr), 1, 32_768);
                v.one_of("signingAlgorithm", Some(&r.signing_algorithm), SIGNING_ALGORITHMS);
                if let Some(template) = &r.template_arn {
                    arn(&mut v, "templateArn", template);
                }
                validity(&mut v, "validity", &r.validity);
                if let Some(not_before) = &r.validity_not_before {
                    validity(&mut v, "validityNotBefore", not_before);
                }
                v.text("idempotencyToken", r.idempotency_token.as_deref(), 1, 36);
                Self::IssueCertificate(r)
            }
            "GetCertificate" => {
                let r: GetCertificateRequest = json::parse_body(body)?;
                arn(&mut v, "certificateAuthorityArn", &r.certificate_authority_arn);
                arn(&mut v, "certificateArn", &r.certificate_arn);
                Self::GetCertificate(r)
            }
            "RevokeCertificate" => {
                let r: RevokeCertificateRequest = json::parse_body(body)?;
                arn(&mut v, "certificateAuthorityArn", &r.certificate_authority_arn);
                v.text("certificateSerial", Some(&r.certificate_serial), 0, 128);
                v.one_of("revocationReason", Some(&r.revocation_reason), REVOCATION_REASONS);
                Self::RevokeCertificate(r)
            }
            "UpdateCertificateAuthority" => {
                let r: UpdateCertificateAuthorityRequest = json::parse_body(body)?;
                arn(&mut v, "certificateAuthorityArn", &r.certificate_authority_arn);
                if let Some(revocation) = &r.revocation_configuration {
                    revocation_configuration(&mut v, "revocationConfiguration", revocation);
                }
                v.one_of("status", r.status.as_deref(), STATUSES);
                Self::UpdateCertificateAuthority(r)
            }
            "DeleteCertificateAuthority" => {
                let r: DeleteCertificateAuthorityRequest = json::parse_body(body)?;
                arn(&mut v, "certificateAuthorityArn", &r.certificate_authority_arn);
                v.number(
                    "permanentDeletionTimeInDays",
                    r.permanent_deletion_time_in_days,
                    7,
                    30,
                );
                Self::DeleteCertificateAuthority(r)
            }
            "RestoreCertificateAuthority" => Self::RestoreCertificateAuthority(ca_arn(&mut v, body)?),
            "TagCertificateAuthority" | "UntagCertificateAuthority" => {
                let r: TagsRequest = json::parse_body(body)?;
                arn(&mut v, "certificateAuthorityArn", &r.certificate_authority_arn);
                tag_list(&mut v, "tags", &r.tags);
                if operation_name == "TagCertificateAuthority" {
                    Self::TagCertificateAuthority(r)
                } else {
                    Self::UntagCertificateAuthority(r)
                }
            }
            "ListTags" => {
                let r: ListTagsRequest = json::parse_body(body)?;
                arn(&mut v, "certificateAuthorityArn", &r.certificate_authority_arn);
                v.number("maxResults", r.max_results, 1, 1000);
                v.text("nextToken", r.next_token.as_deref(), 1, 43_739);
                Self::ListTags(r)
            }
            _ => return Err(WireError::unknown_operation()),
        };
        v.finish()?;
        Ok(operation)
    }

    /// The operation's name, as in `X-Amz-Target` (and the IAM action after `acm-pca:`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::CreateCertificateAuthority(_) => "CreateCertificateAuthority",
            Self::DescribeCertificateAuthority(_) => "DescribeCertificateAuthority",
            Self::ListCertificateAuthorities(_) => "ListCertificateAuthorities",
            Self::GetCertificateAuthorityCertificate(_) => "GetCertificateAuthorityCertificate",
            Self::GetCertificateAuthorityCsr(_) => "GetCertificateAuthorityCsr",
            Self::ImportCertificateAuthorityCertificate(_) => "ImportCertificateAuthorityCertificate",
            Self::IssueCertificate(_) => "IssueCertificate",
            Self::GetCertificate(_) => "GetCertificate",
            Self::RevokeCertificate(_) => "RevokeCertificate",
            Self::UpdateCertificateAuthority(_) => "UpdateCertificateAuthority",
            Self::DeleteCertificateAuthority(_) => "DeleteCertificateAuthority",
            Self::RestoreCertificateAuthority(_) => "RestoreCertificateAuthority",
            Self::TagCertificateAuthority(_) => "TagCertificateAuthority",
            Self::UntagCertificateAuthority(_) => "UntagCertificateAuthority",
            Self::ListTags(_) => "ListTags",
        }
    }
}

fn ca_arn(v: &mut Violations, body: &[u8]) -> Result<CaArnRequest, WireError> {
    let r: CaArnRequest = json::parse_body(body)?;
    arn(v, "certificateAuthorityArn", &r.certificate_authority_arn);
    Ok(r)
}

/// The model's `Arn`: 5 to 200 characters, `arn:…:acm-pca:…`.
fn arn(v: &mut Violations, path: &str, value: &str) {
    v.text(path, Some(value), 5, 200);
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    let well_formed = parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && parts[2] == "acm-pca"
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && !parts[5].is_empty();
    if !well_formed {
        v.push(
            path,
            Some(value),
            "Member must satisfy regular expression pattern: arn:[\\w+=/,.@-]+:acm-pca:[\\w+=/,.@-]*:[0-9]*:[\\w+=,.@-]+(/[\\w+=,.@-]+)*",
        );
    }
}

fn configuration(v: &mut Violations, path: &str, c: &CertificateAuthorityConfiguration) {
    v.one_of(
        &format!("{path}.keyAlgorithm"),
        Some(&c.key_algorithm),
        KEY_ALGORITHMS,
    );
    v.one_of(
        &format!("{path}.signingAlgorithm"),
        Some(&c.signing_algorithm),
        SIGNING_ALGORITHMS,
    );
    let s = &c.subject;
    let subject = format!("{path}.subject");
    let fields: [(&str, &Option<String>, usize, usize); 14] = [
        ("country", &s.country, 2, 2),
        ("organization", &s.organization, 0, 64),
        ("organizationalUnit", &s.organizational_unit, 0, 64),
        (
            "distinguishedNameQualifier",
            &s.distinguished_name_qualifier,
            0,
            64,
        ),
        ("state", &s.state, 0, 128),
        ("commonName", &s.common_name, 0, 64),
        ("serialNumber", &s.serial_number, 0, 64),
        ("locality", &s.locality, 0, 128),
        ("title", &s.title, 0, 64),
        ("surname", &s.surname, 0, 40),
        ("givenName", &s.given_name, 0, 16),
        ("initials", &s.initials, 0, 5),
        ("pseudonym", &s.pseudonym, 0, 128),
        ("generationQualifier", &s.generation_qualifier, 0, 3),
    ];
    for (name, value, min, max) in fields {
        v.text(&format!("{subject}.{name}"), value.as_deref(), min, max);
    }
    if let Some(country) = &s.country
        && !country.bytes().all(|b| b.is_ascii_alphabetic())
    {
        v.push(
            &format!("{subject}.country"),
            Some(country),
            "Member must satisfy regular expression pattern: [A-Za-z]{2}",
        );
    }
    for (name, value) in [
        ("distinguishedNameQualifier", &s.distinguished_name_qualifier),
        ("serialNumber", &s.serial_number),
    ] {
        if let Some(value) = value
            && !value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "'()+-.?:/= ".contains(c))
        {
            v.push(
                &format!("{subject}.{name}"),
                Some(value),
                "Member must satisfy regular expression pattern: [a-zA-Z0-9'()+-.?:/= ]*",
            );
        }
    }
}

fn revocation_configuration(v: &mut Violations, path: &str, r: &RevocationConfiguration) {
    if let Some(crl) = &r.crl_configuration {
        let at = format!("{path}.crlConfiguration");
        v.number(&format!("{at}.expirationInDays"), crl.expiration_in_days, 1, 5000);
        v.text(&format!("{at}.customCname"), crl.custom_cname.as_deref(), 0, 253);
        v.text(
            &format!("{at}.s3BucketName"),
            crl.s3_bucket_name.as_deref(),
            3,
            255,
        );
        v.one_of(
            &format!("{at}.s3ObjectAcl"),
            crl.s3_object_acl.as_deref(),
            S3_ACLS,
        );
        v.one_of(&format!("{at}.crlType"), crl.crl_type.as_deref(), CRL_TYPES);
        v.text(&format!("{at}.customPath"), crl.custom_path.as_deref(), 0, 253);
    }
    if let Some(ocsp) = &r.ocsp_configuration {
        v.text(
            &format!("{path}.ocspConfiguration.ocspCustomCname"),
            ocsp.ocsp_custom_cname.as_deref(),
            0,
            253,
        );
    }
}

fn validity(v: &mut Violations, path: &str, validity: &Validity) {
    v.number(&format!("{path}.value"), Some(validity.value), 1, i64::MAX);
    v.one_of(
        &format!("{path}.type"),
        Some(&validity.validity_type),
        VALIDITY_TYPES,
    );
}

fn tag_list(v: &mut Violations, path: &str, tags: &[Tag]) {
    if tags.is_empty() || tags.len() > 50 {
        let constraint = if tags.is_empty() {
            "Member must have length greater than or equal to 1"
        } else {
            "Member must have length less than or equal to 50"
        };
        v.push(path, None, constraint);
    }
    for (i, tag) in tags.iter().enumerate() {
        let at = format!("{path}.{}.member", i + 1);
        v.text(&format!("{at}.key"), Some(&tag.key), 1, 128);
        v.text(&format!("{at}.value"), tag.value.as_deref(), 0, 256);
    }
}

/// The violations found so far, in AWS's words.
#[derive(Default)]
struct Violations(Vec<String>);

impl Violations {
    fn push(&mut self, path: &str, shown: Option<&str>, constraint: &str) {
        self.0.push(match shown {
            Some(value) => format!("Value '{value}' at '{path}' failed to satisfy constraint: {constraint}"),
            None => format!("Value at '{path}' failed to satisfy constraint: {constraint}"),
        });
    }

    fn text(&mut self, path: &str, value: Option<&str>, min: usize, max: usize) {
        let Some(value) = value else { return };
        let length = value.chars().count();
        if length < min {
            self.push(
                path,
                Some(value),
                &format!("Member must have length greater than or equal to {min}"),
            );
        }
        if length > max {
            self.push(
                path,
                None,
                &format!("Member must have length less than or equal to {max}"),
            );
        }
    }

    fn bytes(&mut self, path: &str, value: Option<&Blob>, min: usize, max: usize) {
        let Some(value) = value else { return };
        if value.len() < min {
            self.push(
                path,
                None,
                &format!("Member must have length greater than or equal to {min}"),
            );
        }
        if value.len() > max {
            self.push(
                path,
                None,
                &format!("Member must have length less than or equal to {max}"),
            );
        }
    }

    fn number(&mut self, path: &str, value: Option<i64>, min: i64, max: i64) {
        let Some(value) = value else { return };
        let shown = value.to_string();
        if value < min {
            self.push(
                path,
                Some(&shown),
                &format!("Member must have value greater than or equal to {min}"),
            );
        }
        if value > max {
            self.push(
                path,
                Some(&shown),
                &format!("Member must have value less than or equal to {max}"),
            );
        }
    }

    fn one_of(&mut self, path: &str, value: Option<&str>, allowed: &[&str]) {
        if let Some(value) = value
            && !allowed.contains(&value)
        {
            self.push(
                path,
                Some(value),
                &format!("Member must satisfy enum value set: [{}]", allowed.join(", ")),
            );
        }
    }

    fn finish(self) -> Result<(), WireError> {
        if self.0.is_empty() {
            return Ok(());
        }
        let count = self.0.len();
        let noun = if count == 1 { "error" } else { "errors" };
        Err(WireError::bad_request(
            "ValidationException",
            format!("{count} validation {noun} detected: {}", self.0.join("; ")),
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    const CA: &str =
        "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555";

    #[test]
    fn operations_parse_and_validate() {
        let create = r#"{"CertificateAuthorityType":"ROOT","CertificateAuthorityConfiguration":{"KeyAlgorithm":"EC_prime256v1","SigningAlgorithm":"SHA256WITHECDSA","Subject":{"CommonName":"Root","Country":"DE"}},"RevocationConfiguration":{"CrlConfiguration":{"Enabled":true,"ExpirationInDays":7}},"Tags":[{"Key":"team","Value":"a"}]}"#.to_owned();
        let Operation::CreateCertificateAuthority(r) =
            Operation::parse("CreateCertificateAuthority", create.as_bytes()).unwrap()
        else {
            panic!("wrong operation")
        };
        assert_eq!(
            r.certificate_authority_configuration
                .subject
                .common_name
                .as_deref(),
            Some("Root")
        );

        let cases: [(&str, String, &str); 7] = [
            (
                "DescribeCertificateAuthority",
                r#"{"CertificateAuthorityArn":"nope!"}"#.into(),
                "certificateAuthorityArn",
            ),
            (
                "CreateCertificateAuthority",
                create.replace("ROOT", "LEAF"),
                "certificateAuthorityType",
            ),
            (
                "CreateCertificateAuthority",
                create.replace("\"DE\"", "\"DEU\""),
                "certificateAuthorityConfiguration.subject.country",
            ),
            (
                "DeleteCertificateAuthority",
                format!(r#"{{"CertificateAuthorityArn":"{CA}","PermanentDeletionTimeInDays":3}}"#),
                "permanentDeletionTimeInDays",
            ),
            (
                "RevokeCertificate",
                format!(
                    r#"{{"CertificateAuthorityArn":"{CA}","CertificateSerial":"01","RevocationReason":"BORED"}}"#
                ),
                "revocationReason",
            ),
            (
                "IssueCertificate",
                format!(
                    r#"{{"CertificateAuthorityArn":"{CA}","Csr":"AA==","SigningAlgorithm":"SHA256WITHRSA","Validity":{{"Value":0,"Type":"DAYS"}}}}"#
                ),
                "validity.value",
            ),
            (
                "TagCertificateAuthority",
                format!(r#"{{"CertificateAuthorityArn":"{CA}","Tags":[]}}"#),
                "tags",
            ),
        ];
        for (name, body, path) in cases {
            let err = Operation::parse(name, body.as_bytes()).unwrap_err();
            assert_eq!(err.code, "ValidationException", "{name}");
            assert!(
                err.message.contains(&format!("at '{path}")),
                "{name}: {}",
                err.message
            );
        }
        let missing = Operation::parse(
            "IssueCertificate",
            format!(r#"{{"CertificateAuthorityArn":"{CA}"}}"#).as_bytes(),
        )
        .unwrap_err();
        assert_eq!(missing.code, "ValidationException");
        assert_eq!(
            Operation::parse("MakeCoffee", b"{}").unwrap_err().code,
            "UnknownOperationException"
        );
        let op = Operation::parse(
            "ListTags",
            format!(r#"{{"CertificateAuthorityArn":"{CA}"}}"#).as_bytes(),
        )
        .unwrap();
        assert_eq!(op.name(), "ListTags");
    }

    #[test]
    fn responses_use_aws_member_names() {
        let ca = CertificateAuthority {
            arn: CA.into(),
            owner_account: "123456789012".into(),
            created_at: Timestamp::from_unix_millis(1_700_000_000_000),
            last_state_change_at: Timestamp::from_unix_millis(1_700_000_000_000),
            ca_type: "ROOT".into(),
            serial: None,
            status: "PENDING_CERTIFICATE".into(),
            not_before: None,
            not_after: None,
            certificate_authority_configuration: CertificateAuthorityConfiguration {
                key_algorithm: "EC_prime256v1".into(),
                signing_algorithm: "SHA256WITHECDSA".into(),
                subject: Asn1Subject {
                    common_name: Some("Root".into()),
                    ..Asn1Subject::default()
                },
            },
            revocation_configuration: RevocationConfiguration::default(),
            restorable_until: None,
            key_storage_security_standard: "FIPS_140_2_LEVEL_3_OR_HIGHER".into(),
            usage_mode: "GENERAL_PURPOSE".into(),
        };
        let json = serde_json::to_string(&DescribeCertificateAuthorityResponse {
            certificate_authority: ca,
        })
        .unwrap();
        assert_eq!(
            json,
            format!(
                r#"{{"CertificateAuthority":{{"Arn":"{CA}","OwnerAccount":"123456789012","CreatedAt":1700000000,"LastStateChangeAt":1700000000,"Type":"ROOT","Status":"PENDING_CERTIFICATE","CertificateAuthorityConfiguration":{{"KeyAlgorithm":"EC_prime256v1","SigningAlgorithm":"SHA256WITHECDSA","Subject":{{"CommonName":"Root"}}}},"RevocationConfiguration":{{}},"KeyStorageSecurityStandard":"FIPS_140_2_LEVEL_3_OR_HIGHER","UsageMode":"GENERAL_PURPOSE"}}}}"#
            )
        );
    }
}
