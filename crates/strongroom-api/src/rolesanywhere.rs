//! IAM Roles Anywhere over restJson1 (`rolesanywhere/2018-05-10`): the routes (method and path to an
//! operation), request and response shapes, and the model's constraints, plus the data-plane
//! `CreateSession` (`POST /sessions`), whose request may carry its ARNs in the query or the body.
//!
//! [`Operation::parse`] routes, reads the body and checks the model: a request that passes is well formed,
//! so the service only decides what the model cannot (existence, state, permissions). Timestamps are
//! ISO 8601 strings here (the model's `timestampFormat: iso8601`), not epoch seconds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize, Serializer};

use crate::rest_json::parse_body;
pub use crate::secretsmanager::Blob;
use crate::{Timestamp, WireError};

/// An instant written as ISO 8601 (`2026-11-28T16:00:00Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IsoTimestamp(pub Timestamp);

impl Serialize for IsoTimestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.to_iso8601())
    }
}

/// A tag: key 1..128, value 0..256 characters of `[ a-zA-Z0-9_.:/=+@-]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

// ---------------------------------------------------------------------------------------------------------
// Request shapes.

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceData {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x509_certificate_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acm_pca_arn: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_data: Option<SourceData>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationSetting {
    pub enabled: bool,
    pub event: String,
    pub threshold: Option<i64>,
    pub channel: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationSettingKey {
    pub event: String,
    pub channel: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateTrustAnchorRequest {
    pub name: String,
    pub source: Source,
    pub enabled: Option<bool>,
    pub tags: Option<Vec<Tag>>,
    pub notification_settings: Option<Vec<NotificationSetting>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateTrustAnchorRequest {
    #[serde(skip)]
    pub trust_anchor_id: String,
    pub name: Option<String>,
    pub source: Option<Source>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutNotificationSettingsRequest {
    pub trust_anchor_id: String,
    pub notification_settings: Vec<NotificationSetting>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResetNotificationSettingsRequest {
    pub trust_anchor_id: String,
    pub notification_setting_keys: Vec<NotificationSettingKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateProfileRequest {
    pub name: String,
    pub role_arns: Vec<String>,
    pub require_instance_properties: Option<bool>,
    pub session_policy: Option<String>,
    pub managed_policy_arns: Option<Vec<String>>,
    pub duration_seconds: Option<i64>,
    pub enabled: Option<bool>,
    pub tags: Option<Vec<Tag>>,
    pub accept_role_session_name: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateProfileRequest {
    #[serde(skip)]
    pub profile_id: String,
    pub name: Option<String>,
    pub session_policy: Option<String>,
    pub role_arns: Option<Vec<String>>,
    pub managed_policy_arns: Option<Vec<String>>,
    pub duration_seconds: Option<i64>,
    pub accept_role_session_name: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct MappingRule {
    pub specifier: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutAttributeMappingRequest {
    #[serde(skip)]
    pub profile_id: String,
    pub certificate_field: String,
    pub mapping_rules: Vec<MappingRule>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteAttributeMappingRequest {
    pub profile_id: String,
    pub certificate_field: String,
    /// Empty: every specifier of the field.
    pub specifiers: Vec<String>,
}

#[derive(Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportCrlRequest {
    pub name: String,
    pub crl_data: Blob,
    pub trust_anchor_arn: String,
    pub enabled: Option<bool>,
    pub tags: Option<Vec<Tag>>,
}

#[derive(Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateCrlRequest {
    #[serde(skip)]
    pub crl_id: String,
    pub name: Option<String>,
    pub crl_data: Option<Blob>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListRequest {
    pub next_token: Option<String>,
    pub page_size: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagResourceRequest {
    pub resource_arn: String,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UntagResourceRequest {
    pub resource_arn: String,
    pub tag_keys: Vec<String>,
}

/// `CreateSession`, with the ARNs taken from the query or the body (they must agree when in both).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateSessionRequest {
    pub profile_arn: String,
    pub role_arn: String,
    pub trust_anchor_arn: String,
    pub duration_seconds: Option<i64>,
    pub role_session_name: Option<String>,
    pub instance_properties: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateSessionBody {
    profile_arn: Option<String>,
    role_arn: Option<String>,
    trust_anchor_arn: Option<String>,
    duration_seconds: Option<i64>,
    role_session_name: Option<String>,
    instance_properties: Option<BTreeMap<String, String>>,
}

// ---------------------------------------------------------------------------------------------------------
// Response shapes.

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationSettingDetail {
    pub enabled: bool,
    pub event: String,
    pub threshold: u32,
    pub channel: String,
    pub configured_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrustAnchorDetail {
    pub trust_anchor_id: String,
    pub trust_anchor_arn: String,
    pub name: String,
    pub source: Source,
    pub enabled: bool,
    pub created_at: IsoTimestamp,
    pub updated_at: IsoTimestamp,
    pub notification_settings: Vec<NotificationSettingDetail>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrustAnchorResponse {
    pub trust_anchor: TrustAnchorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTrustAnchorsResponse {
    pub trust_anchors: Vec<TrustAnchorDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeMapping {
    pub certificate_field: String,
    pub mapping_rules: Vec<MappingRule>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileDetail {
    pub profile_id: String,
    pub profile_arn: String,
    pub name: String,
    pub require_instance_properties: bool,
    pub enabled: bool,
    pub created_by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_policy: Option<String>,
    pub role_arns: Vec<String>,
    pub managed_policy_arns: Vec<String>,
    pub created_at: IsoTimestamp,
    pub updated_at: IsoTimestamp,
    pub duration_seconds: u32,
    pub accept_role_session_name: bool,
    pub attribute_mappings: Vec<AttributeMapping>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileResponse {
    pub profile: ProfileDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListProfilesResponse {
    pub profiles: Vec<ProfileDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CrlDetail {
    pub crl_id: String,
    pub crl_arn: String,
    pub name: String,
    pub enabled: bool,
    pub crl_data: Blob,
    pub trust_anchor_arn: String,
    pub created_at: IsoTimestamp,
    pub updated_at: IsoTimestamp,
}

#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CrlResponse {
    pub crl: CrlDetail,
}

#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListCrlsResponse {
    pub crls: Vec<CrlDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialSummary {
    pub seen_at: IsoTimestamp,
    pub serial_number: String,
    pub issuer: String,
    pub enabled: bool,
    pub x509_certificate_data: String,
    pub failed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceProperty {
    pub seen_at: IsoTimestamp,
    pub properties: BTreeMap<String, String>,
    pub failed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubjectDetail {
    pub subject_arn: String,
    pub subject_id: String,
    pub enabled: bool,
    pub x509_subject: String,
    pub last_seen_at: IsoTimestamp,
    pub created_at: IsoTimestamp,
    pub updated_at: IsoTimestamp,
    pub credentials: Vec<CredentialSummary>,
    pub instance_properties: Vec<InstanceProperty>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubjectResponse {
    pub subject: SubjectDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubjectSummary {
    pub subject_arn: String,
    pub subject_id: String,
    pub enabled: bool,
    pub x509_subject: String,
    pub last_seen_at: IsoTimestamp,
    pub created_at: IsoTimestamp,
    pub updated_at: IsoTimestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListSubjectsResponse {
    pub subjects: Vec<SubjectSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTagsForResourceResponse {
    pub tags: Vec<Tag>,
}

/// `{}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Empty {}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssumedRoleUser<'a> {
    pub arn: &'a str,
    pub assumed_role_id: &'a str,
}

/// Temporary credentials, secrets exposed for the wire by the caller.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionCredentials<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub session_token: &'a str,
    pub expiration: IsoTimestamp,
}

impl std::fmt::Debug for SessionCredentials<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &"<redacted>")
            .field("expiration", &self.expiration)
            .finish()
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialResponse<'a> {
    pub assumed_role_user: AssumedRoleUser<'a>,
    pub credentials: SessionCredentials<'a>,
    pub packed_policy_size: u32,
    pub role_arn: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_identity: Option<&'a str>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSessionResponse<'a> {
    pub credential_set: Vec<CredentialResponse<'a>>,
    pub subject_arn: &'a str,
}

// ---------------------------------------------------------------------------------------------------------
// Operations.

/// Every Roles Anywhere operation, parsed and checked against the model.
#[derive(Debug, PartialEq, Eq)]
pub enum Operation {
    CreateProfile(CreateProfileRequest),
    CreateTrustAnchor(CreateTrustAnchorRequest),
    DeleteAttributeMapping(DeleteAttributeMappingRequest),
    DeleteCrl(String),
    DeleteProfile(String),
    DeleteTrustAnchor(String),
    DisableCrl(String),
    DisableProfile(String),
    DisableTrustAnchor(String),
    EnableCrl(String),
    EnableProfile(String),
    EnableTrustAnchor(String),
    GetCrl(String),
    GetProfile(String),
    GetSubject(String),
    GetTrustAnchor(String),
    ImportCrl(ImportCrlRequest),
    ListCrls(ListRequest),
    ListProfiles(ListRequest),
    ListSubjects(ListRequest),
    ListTagsForResource(String),
    ListTrustAnchors(ListRequest),
    PutAttributeMapping(PutAttributeMappingRequest),
    PutNotificationSettings(PutNotificationSettingsRequest),
    ResetNotificationSettings(ResetNotificationSettingsRequest),
    TagResource(TagResourceRequest),
    UntagResource(UntagResourceRequest),
    UpdateCrl(UpdateCrlRequest),
    UpdateProfile(UpdateProfileRequest),
    UpdateTrustAnchor(UpdateTrustAnchorRequest),
    CreateSession(CreateSessionRequest),
}

/// A route: method, path pattern (`{}` is one path label), operation name.
const ROUTES: &[(&str, &str, &str)] = &[
    ("POST", "/profiles", "CreateProfile"),
    ("POST", "/trustanchors", "CreateTrustAnchor"),
    ("DELETE", "/profiles/{}/mappings", "DeleteAttributeMapping"),
    ("DELETE", "/crl/{}", "DeleteCrl"),
    ("DELETE", "/profile/{}", "DeleteProfile"),
    ("DELETE", "/trustanchor/{}", "DeleteTrustAnchor"),
    ("POST", "/crl/{}/disable", "DisableCrl"),
    ("POST", "/profile/{}/disable", "DisableProfile"),
    ("POST", "/trustanchor/{}/disable", "DisableTrustAnchor"),
    ("POST", "/crl/{}/enable", "EnableCrl"),
    ("POST", "/profile/{}/enable", "EnableProfile"),
    ("POST", "/trustanchor/{}/enable", "EnableTrustAnchor"),
    ("GET", "/crl/{}", "GetCrl"),
    ("GET", "/profile/{}", "GetProfile"),
    ("GET", "/subject/{}", "GetSubject"),
    ("GET", "/trustanchor/{}", "GetTrustAnchor"),
    ("POST", "/crls", "ImportCrl"),
    ("GET", "/crls", "ListCrls"),
    ("GET", "/profiles", "ListProfiles"),
    ("GET", "/subjects", "ListSubjects"),
    ("GET", "/ListTagsForResource", "ListTagsForResource"),
    ("GET", "/trustanchors", "ListTrustAnchors"),
    ("PUT", "/profiles/{}/mappings", "PutAttributeMapping"),
    ("PATCH", "/put-notifications-settings", "PutNotificationSettings"),
    (
        "PATCH",
        "/reset-notifications-settings",
        "ResetNotificationSettings",
    ),
    ("POST", "/TagResource", "TagResource"),
    ("POST", "/UntagResource", "UntagResource"),
    ("PATCH", "/crl/{}", "UpdateCrl"),
    ("PATCH", "/profile/{}", "UpdateProfile"),
    ("PATCH", "/trustanchor/{}", "UpdateTrustAnchor"),
    ("POST", "/sessions", "CreateSession"),
];

/// The operation `method` and `path` name, with the path label if the route has one.
pub fn route(method: &str, path: &str) -> Option<(&'static str, Option<String>)> {
    let path = path.strip_suffix('/').filter(|p| !p.is_empty()).unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    ROUTES.iter().find_map(|(m, pattern, name)| {
        if *m != method {
            return None;
        }
        let parts: Vec<&str> = pattern.split('/').collect();
        if parts.len() != segments.len() {
            return None;
        }
        let mut label = None;
        for (part, segment) in parts.iter().zip(&segments) {
            if *part == "{}" {
                if segment.is_empty() {
                    return None;
                }
                label = Some(percent_decode(segment));
            } else if part != segment {
                return None;
            }
        }
        Some((*name, label))
    })
}

/// Decodes `%XX` escapes in a path segment (no `+` rule: that is for forms).
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The query string's pairs, decoded.
fn query_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn query_value(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

fn null(member: &str) -> WireError {
    WireError::bad_request(
        "ValidationException",
        format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must \
             not be null"
        ),
    )
}

impl Operation {
    /// Every operation's name, in the order of [`ROUTES`].
    pub fn names() -> impl Iterator<Item = &'static str> {
        ROUTES.iter().map(|(_, _, name)| *name)
    }

    /// Routes and parses a request. Unknown routes are `None`: the server answers those itself.
    pub fn parse(method: &str, path: &str, query: &str, body: &[u8]) -> Option<Result<Self, WireError>> {
        let (name, label) = route(method, path)?;
        Some(Self::parse_named(name, label.unwrap_or_default(), query, body))
    }

    fn parse_named(name: &str, id: String, query: &str, body: &[u8]) -> Result<Self, WireError> {
        let pairs = query_pairs(query);
        let list = || -> Result<ListRequest, WireError> {
            let page_size = match query_value(&pairs, "pageSize") {
                None => None,
                Some(text) => Some(text.parse::<i64>().map_err(|_| {
                    WireError::serialization("Invalid value for member 'pageSize': expected an integer")
                })?),
            };
            Ok(ListRequest {
                next_token: query_value(&pairs, "nextToken"),
                page_size,
            })
        };
        let operation = match name {
            "CreateProfile" => Self::CreateProfile(parse_body(body)?),
            "CreateTrustAnchor" => Self::CreateTrustAnchor(parse_body(body)?),
            "DeleteAttributeMapping" => Self::DeleteAttributeMapping(DeleteAttributeMappingRequest {
                profile_id: id,
                certificate_field: query_value(&pairs, "certificateField")
                    .ok_or_else(|| null("certificateField"))?,
                specifiers: pairs
                    .iter()
                    .filter(|(k, _)| k == "specifiers")
                    .map(|(_, v)| v.clone())
                    .collect(),
            }),
            "DeleteCrl" => Self::DeleteCrl(id),
            "DeleteProfile" => Self::DeleteProfile(id),
            "DeleteTrustAnchor" => Self::DeleteTrustAnchor(id),
            "DisableCrl" => Self::DisableCrl(id),
            "DisableProfile" => Self::DisableProfile(id),
            "DisableTrustAnchor" => Self::DisableTrustAnchor(id),
            "EnableCrl" => Self::EnableCrl(id),
            "EnableProfile" => Self::EnableProfile(id),
            "EnableTrustAnchor" => Self::EnableTrustAnchor(id),
            "GetCrl" => Self::GetCrl(id),
            "GetProfile" => Self::GetProfile(id),
            "GetSubject" => Self::GetSubject(id),
            "GetTrustAnchor" => Self::GetTrustAnchor(id),
            "ImportCrl" => Self::ImportCrl(parse_body(body)?),
            "ListCrls" => Self::ListCrls(list()?),
            "ListProfiles" => Self::ListProfiles(list()?),
            "ListSubjects" => Self::ListSubjects(list()?),
            "ListTagsForResource" => Self::ListTagsForResource(
                query_value(&pairs, "resourceArn").ok_or_else(|| null("resourceArn"))?,
            ),
            "ListTrustAnchors" => Self::ListTrustAnchors(list()?),
            "PutAttributeMapping" => {
                let mut request: PutAttributeMappingRequest = parse_body(body)?;
                request.profile_id = id;
                Self::PutAttributeMapping(request)
            }
            "PutNotificationSettings" => Self::PutNotificationSettings(parse_body(body)?),
            "ResetNotificationSettings" => Self::ResetNotificationSettings(parse_body(body)?),
            "TagResource" => Self::TagResource(parse_body(body)?),
            "UntagResource" => Self::UntagResource(parse_body(body)?),
            "UpdateCrl" => {
                let mut request: UpdateCrlRequest = parse_body(body)?;
                request.crl_id = id;
                Self::UpdateCrl(request)
            }
            "UpdateProfile" => {
                let mut request: UpdateProfileRequest = parse_body(body)?;
                request.profile_id = id;
                Self::UpdateProfile(request)
            }
            "UpdateTrustAnchor" => {
                let mut request: UpdateTrustAnchorRequest = parse_body(body)?;
                request.trust_anchor_id = id;
                Self::UpdateTrustAnchor(request)
            }
            "CreateSession" => Self::CreateSession(create_session(&pairs, body)?),
            _ => return Err(WireError::unknown_operation()),
        };
        let mut violations = Violations::default();
        operation.check(&mut violations);
        violations.finish()?;
        Ok(operation)
    }

    /// The operation's name as AWS spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::CreateProfile(_) => "CreateProfile",
            Self::CreateTrustAnchor(_) => "CreateTrustAnchor",
            Self::DeleteAttributeMapping(_) => "DeleteAttributeMapping",
            Self::DeleteCrl(_) => "DeleteCrl",
            Self::DeleteProfile(_) => "DeleteProfile",
            Self::DeleteTrustAnchor(_) => "DeleteTrustAnchor",
            Self::DisableCrl(_) => "DisableCrl",
            Self::DisableProfile(_) => "DisableProfile",
            Self::DisableTrustAnchor(_) => "DisableTrustAnchor",
            Self::EnableCrl(_) => "EnableCrl",
            Self::EnableProfile(_) => "EnableProfile",
            Self::EnableTrustAnchor(_) => "EnableTrustAnchor",
            Self::GetCrl(_) => "GetCrl",
            Self::GetProfile(_) => "GetProfile",
            Self::GetSubject(_) => "GetSubject",
            Self::GetTrustAnchor(_) => "GetTrustAnchor",
            Self::ImportCrl(_) => "ImportCrl",
            Self::ListCrls(_) => "ListCrls",
            Self::ListProfiles(_) => "ListProfiles",
            Self::ListSubjects(_) => "ListSubjects",
            Self::ListTagsForResource(_) => "ListTagsForResource",
            Self::ListTrustAnchors(_) => "ListTrustAnchors",
            Self::PutAttributeMapping(_) => "PutAttributeMapping",
            Self::PutNotificationSettings(_) => "PutNotificationSettings",
            Self::ResetNotificationSettings(_) => "ResetNotificationSettings",
            Self::TagResource(_) => "TagResource",
            Self::UntagResource(_) => "UntagResource",
            Self::UpdateCrl(_) => "UpdateCrl",
            Self::UpdateProfile(_) => "UpdateProfile",
            Self::UpdateTrustAnchor(_) => "UpdateTrustAnchor",
            Self::CreateSession(_) => "CreateSession",
        }
    }

    fn check(&self, v: &mut Violations) {
        match self {
            Self::CreateProfile(r) => {
                v.name("name", Some(&r.name));
                v.role_arns("roleArns", Some(&r.role_arns));
                v.policy_arns("managedPolicyArns", r.managed_policy_arns.as_deref());
                v.number("durationSeconds", r.duration_seconds, (900, 43_200));
                if let Some(policy) = &r.session_policy {
                    v.length("sessionPolicy", None, policy.chars().count(), 1, 100_000);
                }
                v.tags("tags", r.tags.as_deref());
            }
            Self::CreateTrustAnchor(r) => {
                v.name("name", Some(&r.name));
                v.source("source", &r.source);
                v.tags("tags", r.tags.as_deref());
                v.notifications("notificationSettings", r.notification_settings.as_deref());
            }
            Self::DeleteAttributeMapping(r) => {
                v.uuid("profileId", &r.profile_id);
                v.one_of("certificateField", &r.certificate_field, CERTIFICATE_FIELDS);
            }
            Self::DeleteCrl(id) | Self::DisableCrl(id) | Self::EnableCrl(id) | Self::GetCrl(id) => {
                v.uuid("crlId", id);
            }
            Self::DeleteProfile(id)
            | Self::DisableProfile(id)
            | Self::EnableProfile(id)
            | Self::GetProfile(id) => {
                v.uuid("profileId", id);
            }
            Self::DeleteTrustAnchor(id)
            | Self::DisableTrustAnchor(id)
            | Self::EnableTrustAnchor(id)
            | Self::GetTrustAnchor(id) => v.uuid("trustAnchorId", id),
            Self::GetSubject(id) => v.uuid("subjectId", id),
            Self::ImportCrl(r) => {
                v.name("name", Some(&r.name));
                v.length("crlData", None, r.crl_data.len(), 1, 300_000);
                v.arn(
                    "trustAnchorArn",
                    &r.trust_anchor_arn,
                    ":trust-anchor",
                    "rolesanywhere",
                );
                v.tags("tags", r.tags.as_deref());
            }
            Self::ListCrls(r) | Self::ListProfiles(r) | Self::ListSubjects(r) | Self::ListTrustAnchors(r) => {
                if let Some(token) = &r.next_token {
                    v.length("nextToken", Some(token), token.chars().count(), 1, 10_000);
                }
            }
            Self::ListTagsForResource(arn) => {
                v.length("resourceArn", Some(arn), arn.chars().count(), 1, 1011)
            }
            Self::PutAttributeMapping(r) => {
                v.uuid("profileId", &r.profile_id);
                v.one_of("certificateField", &r.certificate_field, CERTIFICATE_FIELDS);
                for (i, rule) in r.mapping_rules.iter().enumerate() {
                    let path = format!("mappingRules.{}.member.specifier", i + 1);
                    v.length(
                        &path,
                        Some(&rule.specifier),
                        rule.specifier.chars().count(),
                        0,
                        60,
                    );
                }
            }
            Self::PutNotificationSettings(r) => {
                v.uuid("trustAnchorId", &r.trust_anchor_id);
                v.notifications("notificationSettings", Some(&r.notification_settings));
            }
            Self::ResetNotificationSettings(r) => {
                v.uuid("trustAnchorId", &r.trust_anchor_id);
                v.length(
                    "notificationSettingKeys",
                    None,
                    r.notification_setting_keys.len(),
                    0,
                    50,
                );
                for (i, key) in r.notification_setting_keys.iter().enumerate() {
                    let at = format!("notificationSettingKeys.{}.member", i + 1);
                    v.one_of(&format!("{at}.event"), &key.event, NOTIFICATION_EVENTS);
                    if let Some(channel) = &key.channel {
                        v.one_of(&format!("{at}.channel"), channel, &["ALL"]);
                    }
                }
            }
            Self::TagResource(r) => {
                v.length(
                    "resourceArn",
                    Some(&r.resource_arn),
                    r.resource_arn.chars().count(),
                    1,
                    1011,
                );
                v.tags("tags", Some(&r.tags));
            }
            Self::UntagResource(r) => {
                v.length(
                    "resourceArn",
                    Some(&r.resource_arn),
                    r.resource_arn.chars().count(),
                    1,
                    1011,
                );
                v.length("tagKeys", None, r.tag_keys.len(), 0, 200);
                for (i, key) in r.tag_keys.iter().enumerate() {
                    v.tag_text(&format!("tagKeys.{}.member", i + 1), key, 1, 128);
                }
            }
            Self::UpdateCrl(r) => {
                v.uuid("crlId", &r.crl_id);
                v.name("name", r.name.as_deref());
                if let Some(data) = &r.crl_data {
                    v.length("crlData", None, data.len(), 1, 300_000);
                }
            }
            Self::UpdateProfile(r) => {
                v.uuid("profileId", &r.profile_id);
                v.name("name", r.name.as_deref());
                if let Some(policy) = &r.session_policy {
                    v.length("sessionPolicy", None, policy.chars().count(), 1, 100_000);
                }
                v.role_arns("roleArns", r.role_arns.as_deref());
                v.policy_arns("managedPolicyArns", r.managed_policy_arns.as_deref());
                v.number("durationSeconds", r.duration_seconds, (900, 43_200));
            }
            Self::UpdateTrustAnchor(r) => {
                v.uuid("trustAnchorId", &r.trust_anchor_id);
                v.name("name", r.name.as_deref());
                if let Some(source) = &r.source {
                    v.source("source", source);
                }
            }
            Self::CreateSession(r) => {
                v.arn("profileArn", &r.profile_arn, ":profile", "rolesanywhere");
                v.arn("roleArn", &r.role_arn, ":role", "iam");
                v.arn(
                    "trustAnchorArn",
                    &r.trust_anchor_arn,
                    ":trust-anchor",
                    "rolesanywhere",
                );
                v.number("durationSeconds", r.duration_seconds, (900, 43_200));
                if let Some(name) = &r.role_session_name {
                    v.length("roleSessionName", Some(name), name.chars().count(), 2, 64);
                    if !name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
                    {
                        v.push(
                            "roleSessionName",
                            Some(name),
                            r"Member must satisfy regular expression pattern: [\w+=,.@-]*",
                        );
                    }
                }
                if let Some(properties) = &r.instance_properties {
                    v.length("instanceProperties", None, properties.len(), 0, 50);
                    for (key, value) in properties {
                        v.length("instanceProperties.key", None, key.chars().count(), 1, 200);
                        v.length("instanceProperties.value", None, value.chars().count(), 1, 200);
                    }
                }
            }
        }
    }
}

/// `CreateSession`'s input from the query and the body.
fn create_session(pairs: &[(String, String)], body: &[u8]) -> Result<CreateSessionRequest, WireError> {
    let body: CreateSessionBody = if body.iter().all(u8::is_ascii_whitespace) {
        CreateSessionBody::default()
    } else {
        parse_body(body)?
    };
    let pick = |member: &str, from_body: Option<String>| -> Result<String, WireError> {
        match (query_value(pairs, member), from_body) {
            (Some(q), Some(b)) if q != b => Err(WireError::bad_request(
                "ValidationException",
                format!("'{member}' is given in the query and the body with different values"),
            )),
            (Some(value), _) | (None, Some(value)) => Ok(value),
            (None, None) => Err(null(member)),
        }
    };
    Ok(CreateSessionRequest {
        profile_arn: pick("profileArn", body.profile_arn)?,
        role_arn: pick("roleArn", body.role_arn)?,
        trust_anchor_arn: pick("trustAnchorArn", body.trust_anchor_arn)?,
        duration_seconds: body.duration_seconds,
        role_session_name: body.role_session_name,
        instance_properties: body.instance_properties,
    })
}

pub const CERTIFICATE_FIELDS: &[&str] = &["x509Subject", "x509Issuer", "x509SAN"];
pub const NOTIFICATION_EVENTS: &[&str] = &["CA_CERTIFICATE_EXPIRY", "END_ENTITY_CERTIFICATE_EXPIRY"];
pub const SOURCE_TYPES: &[&str] = &["AWS_ACM_PCA", "CERTIFICATE_BUNDLE", "SELF_SIGNED_REPOSITORY"];

/// `[ a-zA-Z0-9-_]*`.
fn is_resource_name(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b' ' || b == b'-' || b == b'_')
}

/// `[ a-zA-Z0-9_.:/=+@-]*`.
fn is_tag_text(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b" _.:/=+@-".contains(&b))
}

/// 36 characters `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lower-case hex (the model's pattern).
pub fn is_uuid(value: &str) -> bool {
    value.len() == 36
        && value.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

/// `arn:aws(-[^:]+)?:SERVICE(:.*){2}(RESOURCE.*)`, 1..1011 characters.
fn is_arn_of(value: &str, resource: &str, service: &str) -> bool {
    let mut parts = value.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(svc), Some(_region), Some(_account), Some(rest)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let partition_ok = partition == "aws" || partition.strip_prefix("aws-").is_some_and(|p| !p.is_empty());
    partition_ok && svc == service && format!(":{rest}").starts_with(resource)
}

/// The constraint violations found so far, in AWS's words.
#[derive(Default)]
struct Violations(Vec<String>);

impl Violations {
    fn push(&mut self, path: &str, shown: Option<&str>, constraint: &str) {
        self.0.push(match shown {
            Some(value) => format!("Value '{value}' at '{path}' failed to satisfy constraint: {constraint}"),
            None => format!("Value at '{path}' failed to satisfy constraint: {constraint}"),
        });
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

    fn length(&mut self, path: &str, shown: Option<&str>, length: usize, min: usize, max: usize) {
        if length < min {
            self.push(
                path,
                shown,
                &format!("Member must have length greater than or equal to {min}"),
            );
        }
        if length > max {
            self.push(
                path,
                shown,
                &format!("Member must have length less than or equal to {max}"),
            );
        }
    }

    fn number(&mut self, path: &str, value: Option<i64>, (min, max): (i64, i64)) {
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

    fn one_of(&mut self, path: &str, value: &str, allowed: &[&str]) {
        if !allowed.contains(&value) {
            self.push(
                path,
                Some(value),
                &format!("Member must satisfy enum value set: [{}]", allowed.join(", ")),
            );
        }
    }

    fn name(&mut self, path: &str, value: Option<&str>) {
        let Some(value) = value else { return };
        self.length(path, Some(value), value.chars().count(), 1, 255);
        if !is_resource_name(value) {
            self.push(
                path,
                Some(value),
                "Member must satisfy regular expression pattern: [ a-zA-Z0-9-_]*",
            );
        }
    }

    fn uuid(&mut self, path: &str, value: &str) {
        if value.chars().count() != 36 {
            self.length(path, Some(value), value.chars().count(), 36, 36);
        } else if !is_uuid(value) {
            self.push(
                path,
                Some(value),
                "Member must satisfy regular expression pattern: [a-f0-9]{8}-([a-z0-9]{4}-){3}[a-z0-9]{12}",
            );
        }
    }

    fn arn(&mut self, path: &str, value: &str, resource: &str, service: &str) {
        self.length(path, Some(value), value.chars().count(), 1, 1011);
        if !is_arn_of(value, resource, service) {
            self.push(
                path,
                Some(value),
                &format!("Member must satisfy regular expression pattern: arn:aws(-[^:]+)?:{service}(:.*){{2}}({resource}.*)"),
            );
        }
    }

    fn role_arns(&mut self, path: &str, arns: Option<&[String]>) {
        let Some(arns) = arns else { return };
        self.length(path, None, arns.len(), 0, 250);
        for (i, arn) in arns.iter().enumerate() {
            self.arn(&format!("{path}.{}.member", i + 1), arn, ":role", "iam");
        }
    }

    fn policy_arns(&mut self, path: &str, arns: Option<&[String]>) {
        let Some(arns) = arns else { return };
        self.length(path, None, arns.len(), 0, 50);
        for (i, arn) in arns.iter().enumerate() {
            self.length(
                &format!("{path}.{}.member", i + 1),
                Some(arn),
                arn.chars().count(),
                1,
                200,
            );
        }
    }

    fn tag_text(&mut self, path: &str, value: &str, min: usize, max: usize) {
        self.length(path, Some(value), value.chars().count(), min, max);
        if !is_tag_text(value) {
            self.push(
                path,
                Some(value),
                "Member must satisfy regular expression pattern: [ a-zA-Z0-9_.:/=+@-]*",
            );
        }
    }

    fn tags(&mut self, path: &str, tags: Option<&[Tag]>) {
        let Some(tags) = tags else { return };
        self.length(path, None, tags.len(), 0, 200);
        for (i, tag) in tags.iter().enumerate() {
            let at = format!("{path}.{}.member", i + 1);
            self.tag_text(&format!("{at}.key"), &tag.key, 1, 128);
            self.tag_text(&format!("{at}.value"), &tag.value, 0, 256);
        }
    }

    fn source(&mut self, path: &str, source: &Source) {
        if let Some(kind) = &source.source_type {
            self.one_of(&format!("{path}.sourceType"), kind, SOURCE_TYPES);
        }
        if let Some(data) = &source.source_data
            && let Some(pem) = &data.x509_certificate_data
        {
            self.length(
                &format!("{path}.sourceData.x509CertificateData"),
                None,
                pem.chars().count(),
                1,
                16_000,
            );
        }
    }

    fn notifications(&mut self, path: &str, settings: Option<&[NotificationSetting]>) {
        let Some(settings) = settings else { return };
        self.length(path, None, settings.len(), 0, 50);
        for (i, setting) in settings.iter().enumerate() {
            let at = format!("{path}.{}.member", i + 1);
            self.one_of(&format!("{at}.event"), &setting.event, NOTIFICATION_EVENTS);
            self.number(&format!("{at}.threshold"), setting.threshold, (1, 360));
            if let Some(channel) = &setting.channel {
                self.one_of(&format!("{at}.channel"), channel, &["ALL"]);
            }
        }
    }
}

#[cfg(test)]
mod tests;
