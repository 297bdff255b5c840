//! Secrets Manager request and response shapes (awsJson1_1, target prefix `secretsmanager`).
//!
//! The wire contract is botocore's service model (`secretsmanager/2017-10-17/service-2.json`, botocore
//! 1.44.8): every one of its 26 operations has an input shape here (`…Input`, `Deserialize`) and an output
//! shape (`…Output`, `Serialize`), with the model's PascalCase member names. [`Operation::parse`] turns the
//! operation name from `X-Amz-Target` (see [`crate::json::operation`]) and the body into a closed
//! [`Operation`], checking the model's constraints on the way; render outputs with [`crate::json::render`].
//!
//! ```
//! use strongroom_api::secretsmanager::{Operation, TARGET_PREFIX};
//! use strongroom_api::json;
//!
//! let name = json::operation(Some("secretsmanager.GetSecretValue"), TARGET_PREFIX).unwrap();
//! let Operation::GetSecretValue(input) = Operation::parse(name, br#"{"SecretId":"prod/db"}"#).unwrap() else {
//!     unreachable!()
//! };
//! assert_eq!(input.secret_id, "prod/db");
//! ```
//!
//! How the model maps onto these types:
//!
//! - A member the model marks required is a plain field: leaving it out is AWS's `ValidationException`
//!   ("Value null at 'secretId' failed to satisfy constraint: Member must not be null", from
//!   [`crate::json::parse_body`]). Every other member is an `Option`, and `null` is the same as absent.
//!   Unknown members are ignored.
//! - Inputs keep enum members as the string sent, so that an unknown value is a `ValidationException` naming
//!   the allowed set (as AWS answers) rather than a `SerializationException`; each has a typed accessor
//!   (e.g. [`ListSecretsInput::sort_order`]).
//! - `validate` on every input checks the model's length, range, pattern and enum constraints and
//!   reports every violation in one message, in AWS's wording. Values of sensitive members (`SecretString`,
//!   `SecretBinary`, `RotationToken`) are never echoed. Patterns are matched against the whole value.
//!   Lengths of strings count Unicode scalar values; lengths of blobs count bytes.
//! - Blobs (`SecretBinary`) are base64 strings on the wire and bytes here ([`Blob`]).
//! - Timestamps are [`Timestamp`]s: epoch seconds with millisecond fractions on the wire.
//! - Output members AWS leaves out when they have no value are `Option`s and are skipped when `None`; a list
//!   AWS always sends (even empty) is a plain `Vec`. `ARN` and `Name` are plain strings where AWS always
//!   returns them, although the model marks no output member required.
//! - Every type holding a secret value (`SecretString`, `SecretBinary`, `RotationToken`, `RandomPassword`)
//!   has a `Debug` that redacts it and does not implement `Clone`.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::{Timestamp, WireError, json};

/// The `X-Amz-Target` prefix of Secrets Manager: `secretsmanager.GetSecretValue`.
pub const TARGET_PREFIX: &str = "secretsmanager";

// ---------------------------------------------------------------------------------------------------------
// Blob and redaction
// ---------------------------------------------------------------------------------------------------------

/// Binary data (the model's `blob`), base64-encoded on the wire in both directions.
///
/// Deserializing decodes standard base64 (RFC 4648 §4 alphabet, padding optional); anything else is a
/// `SerializationException` that does not echo the text. `Debug` shows only the length. The bytes are
/// overwritten with zeros when the blob is dropped (best effort: copies made before it was built, such as
/// the request body, are not).
#[derive(Default, PartialEq, Eq)]
pub struct Blob(Vec<u8>);

impl Blob {
    /// Wraps `bytes`.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Takes the bytes out, leaving nothing to wipe.
    pub fn into_bytes(mut self) -> Vec<u8> {
        std::mem::take(&mut self.0)
    }

    /// Number of bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The standard base64 encoding of the bytes, with padding, as sent on the wire.
    pub fn to_base64(&self) -> String {
        base64_encode(&self.0)
    }

    /// Decodes standard base64 (padding optional); `None` when `text` is not base64.
    pub fn from_base64(text: &str) -> Option<Self> {
        base64_decode(text).map(Self)
    }
}

impl From<Vec<u8>> for Blob {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl Drop for Blob {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

/// Shows the length, never the bytes.
impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Blob(<redacted {} bytes>)", self.0.len())
    }
}

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let encoded = base64_encode(&self.0);
        let result = serializer.serialize_str(&encoded);
        wipe(&mut encoded.into_bytes());
        result
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(BlobVisitor)
    }
}

/// Reads a base64 string into a [`Blob`].
struct BlobVisitor;

impl Visitor<'_> for BlobVisitor {
    type Value = Blob;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a base64-encoded string")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Blob, E> {
        Blob::from_base64(text).ok_or_else(|| E::invalid_value(de::Unexpected::Other("text"), &self))
    }
}

/// Overwrites `bytes` with zeros; `black_box` keeps the writes from being optimised away as dead.
fn wipe(bytes: &mut [u8]) {
    bytes.fill(0);
    std::hint::black_box(bytes);
}

/// The standard base64 alphabet (RFC 4648 §4).
const BASE64_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with `=` padding.
fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sextet = |shift: u32| char::from(BASE64_ALPHABET[((n >> shift) & 0x3f) as usize]);
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if chunk.len() > 1 { sextet(6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(0) } else { '=' });
    }
    out
}

/// The value of one base64 character, `None` for anything outside the alphabet (padding included).
fn base64_value(c: u8) -> Option<u32> {
    let value = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    Some(u32::from(value))
}

/// Decodes standard base64. Padding is optional, but when present it must complete the last group of
/// four; whitespace, the URL-safe alphabet and `=` anywhere else are refused. Bits left over in the last
/// character are ignored, as Python's `base64.b64decode` ignores them.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut digits = text.as_bytes();
    if digits.len().is_multiple_of(4) {
        for _ in 0..2 {
            if let Some(rest) = digits.strip_suffix(b"=") {
                digits = rest;
            }
        }
    }
    if digits.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(digits.len() / 4 * 3 + 2);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &c in digits {
        buffer = (buffer << 6) | base64_value(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            // Truncation intended: the byte is the low 8 bits above the `bits` still pending.
            #[allow(clippy::cast_possible_truncation)]
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Shows as `<redacted>`: what `Debug` prints in place of a secret value.
struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// `Some(<redacted>)` when there is a value, `None` when there is not.
fn redact<T>(value: &Option<T>) -> Option<Redacted> {
    value.as_ref().map(|_| Redacted)
}

// ---------------------------------------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------------------------------------

/// A string enum of the model: its wire values, in the model's order.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $(
                #[doc = concat!("`", $wire, "`")]
                $variant,
            )+
        }

        impl $name {
            /// The wire values, in the model's order.
            pub const WIRE_VALUES: &'static [&'static str] = &[$($wire),+];

            /// The value on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire,)+
                }
            }

            /// The variant whose wire value is exactly `value`.
            pub fn from_wire(value: &str) -> Option<Self> {
                match value {
                    $($wire => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// The key of a [`Filter`] (`FilterNameStringType`).
    FilterNameStringType {
        Description = "description",
        Name = "name",
        TagKey = "tag-key",
        TagValue = "tag-value",
        PrimaryRegion = "primary-region",
        OwningService = "owning-service",
        All = "all",
    }
}

wire_enum! {
    /// `ListSecrets` order (`SortOrderType`).
    SortOrderType {
        Asc = "asc",
        Desc = "desc",
    }
}

wire_enum! {
    /// `ListSecrets` sort key (`SortByType`).
    SortByType {
        CreatedDate = "created-date",
        LastAccessedDate = "last-accessed-date",
        LastChangedDate = "last-changed-date",
        Name = "name",
    }
}

wire_enum! {
    /// Who may hold a cross-account replica (`ReplicaRestrictionType`).
    ReplicaRestrictionType {
        SameOrg = "SameOrg",
        NoRestriction = "NoRestriction",
    }
}

wire_enum! {
    /// The state of a replica (`StatusType`).
    StatusType {
        InSync = "InSync",
        Failed = "Failed",
        InProgress = "InProgress",
        Pending = "Pending",
        Detached = "Detached",
    }
}

// ---------------------------------------------------------------------------------------------------------
// Structures shared by several operations
// ---------------------------------------------------------------------------------------------------------

/// A tag (`Tag`), in inputs and outputs. The model requires neither member.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// 1..128 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// 0..256 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl Tag {
    /// A tag with both members.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: Some(key.into()),
            value: Some(value.into()),
        }
    }
}

/// A `ListSecrets` / `BatchGetSecretValue` filter (`Filter`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Filter {
    /// One of [`FilterNameStringType::WIRE_VALUES`] (checked by `validate`).
    pub key: Option<String>,
    /// 1..10 values, each ≤512 characters of `[a-zA-Z0-9 :_@/+=.\-!]`, optionally starting with `!`.
    pub values: Option<Vec<String>>,
}

impl Filter {
    /// The key as an enum; `None` when absent (an unknown key never passes `validate`).
    pub fn filter_key(&self) -> Option<FilterNameStringType> {
        self.key.as_deref().and_then(FilterNameStringType::from_wire)
    }
}

/// A region to replicate to (`ReplicaRegionType`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReplicaRegionType {
    /// A region name such as `eu-west-1`.
    pub region: Option<String>,
    /// The key for the replica, ≤2048 characters.
    pub kms_key_id: Option<String>,
}

/// A rotation schedule (`RotationRulesType`), in inputs and outputs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RotationRulesType {
    /// Days between rotations, 1..1000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automatically_after_days: Option<i64>,
    /// Length of the rotation window in hours, `[0-9]+h`, 2..3 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    /// A `rate()` or `cron()` expression, 1..256 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_expression: Option<String>,
}

/// One key/value pair of external-secret rotation metadata (`ExternalSecretRotationMetadataItem`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExternalSecretRotationMetadataItem {
    /// 1..256 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// 1..2048 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// The replication state of one region (`ReplicationStatusType`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReplicationStatusType {
    /// The replica's region.
    pub region: String,
    /// The replica's key, when not the default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// The state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusType>,
    /// Why, for `Failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// Last read of the replica (a date at 00:00 UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_accessed_date: Option<Timestamp>,
}

/// The primary of a cross-account replica (`CrossAccountPrimaryType`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CrossAccountPrimaryType {
    /// ARN of the primary secret.
    #[serde(rename = "PrimarySecretARN", skip_serializing_if = "Option::is_none")]
    pub primary_secret_arn: Option<String>,
    /// The state of the replication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replication_status: Option<StatusType>,
    /// Why, for `Failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
}

/// A cross-account replica of a primary secret (`CrossAccountReplicaEntry`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CrossAccountReplicaEntry {
    /// ARN of the replica secret.
    #[serde(rename = "ReplicaSecretARN", skip_serializing_if = "Option::is_none")]
    pub replica_secret_arn: Option<String>,
    /// The role replication uses.
    #[serde(rename = "ReplicationRoleARN", skip_serializing_if = "Option::is_none")]
    pub replication_role_arn: Option<String>,
    /// The state of the replication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replication_status: Option<StatusType>,
    /// Why, for `Failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
}

/// Version id → staging labels (`SecretVersionsToStagesMapType`); only versions with at least one label.
pub type VersionsToStages = BTreeMap<String, Vec<String>>;

// ---------------------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------------------

/// `AssociateCrossAccountReplica` input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssociateCrossAccountReplicaInput {
    /// The primary secret.
    pub secret_id: String,
    /// ARN of the replica secret in the other account.
    #[serde(rename = "CrossAccountReplicaARN")]
    pub cross_account_replica_arn: String,
    /// `SameOrg` (the default) or `NoRestriction`.
    pub replica_restriction: Option<String>,
    /// The role replication assumes.
    #[serde(rename = "ReplicationRoleARN")]
    pub replication_role_arn: Option<String>,
}

impl AssociateCrossAccountReplicaInput {
    /// `ReplicaRestriction` as an enum; `None` when absent.
    pub fn restriction(&self) -> Option<ReplicaRestrictionType> {
        self.replica_restriction
            .as_deref()
            .and_then(ReplicaRestrictionType::from_wire)
    }

    fn check(&self, v: &mut Violations) {
        v.text("secretId", Some(&self.secret_id), &SECRET_ID);
        v.text(
            "crossAccountReplicaARN",
            Some(&self.cross_account_replica_arn),
            &SECRET_ARN,
        );
        v.one_of(
            "replicaRestriction",
            self.replica_restriction.as_deref(),
            ReplicaRestrictionType::WIRE_VALUES,
        );
        v.text(
            "replicationRoleARN",
            self.replication_role_arn.as_deref(),
            &ROLE_ARN,
        );
    }
}

/// `BatchGetSecretValue` input: `SecretIdList` or `Filters` (the service checks that exactly one is given).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchGetSecretValueInput {
    /// 1..20 secret ids.
    pub secret_id_list: Option<Vec<String>>,
    /// ≤10 filters.
    pub filters: Option<Vec<Filter>>,
    /// 1..20; only with `Filters`.
    pub max_results: Option<i32>,
    /// From the previous page.
    pub next_token: Option<String>,
}

impl BatchGetSecretValueInput {
    fn check(&self, v: &mut Violations) {
        v.strings(
            "secretIdList",
            self.secret_id_list.as_deref(),
            (1, Some(20)),
            &SECRET_ID,
        );
        v.filters("filters", self.filters.as_deref());
        v.number("maxResults", self.max_results.map(i64::from), (1, 20));
        v.text("nextToken", self.next_token.as_deref(), &NEXT_TOKEN);
    }
}

/// `CancelRotateSecret` input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CancelRotateSecretInput {
    /// The secret.
    pub secret_id: String,
}

impl CancelRotateSecretInput {
    fn check(&self, v: &mut Violations) {
        v.text("secretId", Some(&self.secret_id), &SECRET_ID);
    }
}

/// `CreateSecret` input. `Debug` redacts `SecretString` and `SecretBinary`.
#[derive(Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateSecretInput {
    /// The name, 1..512 characters.
    pub name: String,
    /// Idempotency token, and the first version's id; 32..64 characters.
    pub client_request_token: Option<String>,
    /// ≤2048 characters.
    pub description: Option<String>,
    /// The key to seal the secret under; ≤2048 characters (empty or absent: the default key).
    pub kms_key_id: Option<String>,
    /// A binary value, 1..65536 bytes.
    pub secret_binary: Option<Blob>,
    /// A text value, 1..65536 characters.
    pub secret_string: Option<String>,
    /// Tags.
    pub tags: Option<Vec<Tag>>,
    /// Regions to replicate to; at least one when present.
    pub add_replica_regions: Option<Vec<ReplicaRegionType>>,
    /// Overwrite a same-named secret in a replica region.
    pub force_overwrite_replica_secret: Option<bool>,
    /// The external-secret type, ≤256 characters.
    #[serde(rename = "Type")]
    pub secret_type: Option<String>,
    /// Makes this secret a cross-account replica of the given primary.
    #[serde(rename = "CrossAccountPrimaryARN")]
    pub cross_account_primary_arn: Option<String>,
}

impl fmt::Debug for CreateSecretInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateSecretInput")
            .field("name", &self.name)
            .field("client_request_token", &self.client_request_token)
            .field("description", &self.description)
            .field("kms_key_id", &self.kms_key_id)
            .field("secret_binary", &redact(&self.secret_binary))
            .field("secret_string", &redact(&self.secret_string))
            .field("tags", &self.tags)
            .field("add_replica_regions", &self.add_replica_regions)
            .field(
                "force_overwrite_replica_secret",
                &self.force_overwrite_replica_secret,
            )
            .field("secret_type", &self.secret_type)
            .field("cross_account_primary_arn", &self.cross_account_primary_arn)
            .finish()
    }
}

impl CreateSecretInput {
    fn check(&self, v: &mut Violations) {
        v.text("name", Some(&self.name), &NAME);
        v.text(
            "clientRequestToken",
            self.client_request_token.as_deref(),
            &CLIENT_REQUEST_TOKEN,
        );
        v.text("description", self.description.as_deref(), &DESCRIPTION);
        v.text("kmsKeyId", self.kms_key_id.as_deref(), &KMS_KEY_ID);
        v.blob("secretBinary", self.secret_binary.as_ref(), SECRET_BINARY);
        v.text("secretString", self.secret_string.as_deref(), &SECRET_STRING);
        v.tags("tags", self.tags.as_deref());
        v.replica_regions("addReplicaRegions", self.add_replica_regions.as_deref());
        v.text("type", self.secret_type.as_deref(), &SECRET_TYPE);
        v.text(
            "crossAccountPrimaryARN",
            self.cross_account_primary_arn.as_deref(),
            &SECRET_ARN,
        );
    }
}

/// `DeleteResourcePolicy` input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteResourcePolicyInput {
    /// The secret.
    pub secret_id: String,
    /// Which policy (default `default`); 1..64 of `[0-9A-Za-z\-\_]`.
    pub policy_name: Option<String>,
}

impl DeleteResourcePolicyInput {
    fn check(&self, v: &mut Violations) {
        v.text("secretId", Some(&self.secret_id), &SECRET_ID);
        v.text("policyName", self.policy_name.as_deref(), &POLICY_NAME);
    }
}

/// `DeleteSecret` input. The recovery window's 7..30 range is the service's check, not the model's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteSecretInput {
    /// The secret.
    pub secret_id: String,
    /// Days before the secret is purged.
    pub recovery_window_in_days: Option<i64>,
    /// Purge now.
    pub force_delete_without_recovery: Option<bool>,
}

impl DeleteSecretInput {
    fn check(&self, v: &mut Violations) {
        v.text("secretId", Some(&self.secret_id), &SECRET_ID);
    }
}

/// `DescribeSecret` input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeSecretInput {
    /// The secret.
    pub secret_id: String,
}

impl DescribeSecretInput {
    fn check(&self, v: &mut Violations) {
        v.text("secretId", Some(&self.secret_id), &SECRET_ID);
    }
}

/// `DisassociateCrossAccountReplica` input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DisassociateCrossAccountReplicaInput {
    /// The primary secret.
    pub secret_id: String,
    /// ARN of the replica secret.
    #[serde(rename = "CrossAccountReplicaARN")]
    pub cross_account_replica_arn: String,
}

impl DisassociateCrossAccountReplicaInput {
    fn check(&self, v: &mut Violations) {
        v.text("secretId", Some(&self.secret_id), &SECRET_ID);
        v.text(
            "crossAccountReplicaARN",
            Some(&self.cross_account_replica_arn),
            &SECRET_ARN,
        );
    }
}

/// `GetRandomPassword` input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetRandomPasswordInput {
    /// 1..4096 (default 32).
    pub password_length: Option<i64>,
    /// Characters to leave out, ≤4096.
    pub exclude_characters: Option<String>,
    /// Leave out digits.
    pub exclude_numbers: Option<bool>,
    /// Leave out punctuation.
    pub exclude_punctuation: Option<bool>,
    /// Leave out upper-case letters.
    pub exclude_uppercase: Option<bool>,
    /// Leave out lower-case letters.
    pub exclude_lowercase: Option<bool>,
    /// Allow the space character.
    pub include_space: Option<bool>,
    /// At least one character of every included type.
    pub require_each_included_type: Option<bool>,
}

impl GetRandomPasswordInput {
    fn check(&self, v: &mut Violations) {
        v.number("passwordLength", self.password_length, (1, 4096));
        v.text(
            "excludeCharacters",
            self.exclude_characters.as_deref(),
            &EXCLUDE_CHARACTERS,
        );
    }
}

/// `GetResourcePolicy` input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetResourcePolicyInput {
    /// The secret.
    pub secret_id: String,
    /// Which policy (default `default`).
    pub policy_name: Option<String>,
}

impl GetResourcePolicyInput {
    fn check(&self, v: &mut Violations) {
        v.text("secretId", Some(&self.secret_id), &SECRET_ID);
        v.text("policyName", self.policy_name.as_deref(), &POLICY_NAME);
    }
}

/// `GetSecretValue` input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetSecretValueInput {
    /// The secret.
    pub secret_id: String,
    /// The version, 32..64 characters.
    pub version_id: Option<String>,
    /// A staging label, 1..256 characters (default `AWSCURRENT`).
    pub version_stage: Option<String>,
}

impl GetSecretValueInput {
    fn check(&self, v: &mut Violations) {
        v.text("secretId", Some(&self.secret_id), &SECRET_ID);
        v.text("versionId", self.version_id.as_deref(), &VERSION_ID);
        v.text("versionStage", self.version_stage.as_deref(), &VERSION_STAGE);
    }
}

/// `ListResourcePolicies` input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListResourcePoliciesInput {
    /// The secret.
    pub secret_id: String,
    /// 1..100.
    pub max_results: Option<i32>,
    /// From the previous page.
    pub next_token: Option<String>,
}

impl ListResourcePoliciesInput {
    fn check(&self, v: &mut Violations) {
        v.text("secretId", Some(&self.secret_id), &SECRET_ID);
        v.number("maxResults", self.max_results.map(i64::from), (1, 100));
        v.text("nextToken", self.next_token.as_deref(), &NEXT_TOKEN);
    }
}

/// `ListSecretVersionIds` input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListSecretVersionIdsInput {
    /// The secret.
    pub secret_id: String,
    /// 1..100.
    pub max_results: Option<i32>,
    /// From the previous page.
    pub next_token: Option<String>,
    /// List versions without labels too.
    pub include_deprecated: Option<bool>,
}

impl ListSecretVersionIdsInput {
    fn check(&self, v: &mut Violations) {
        v.text("secretId", Some(&self.secret_id), &SECRET_ID);
        v.number("maxResults", self.max_results.map(i64::from), (1, 100));
        v.text("nextToken", self.next_token.as_deref(), &NEXT_TOKEN);
    }
}

/// `ListSecrets` input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListSecretsInput {
    /// List secrets scheduled for deletion too.
    pub include_planned_deletion: Option<bool>,
    /// 1..100.
    pub max_results: Option<i32>,
    /// From the previous page.
    pub next_token: Option<String>,
    /// ≤10 filters, all of which must match.
    pub filters: Option<Vec<Filter>>,
    /// `asc` or `desc`.
    pub sort_order: Option<String>,
    /// `created-date`, `last-accessed-date`, `last-changed-date` or `name`.
    pub sort_by: Option<String>,
}

impl ListSecretsInput {
    /// `SortOrder` as an enum; `None` when absent.
    pub fn sort_order(&self) -> Option<SortOrderType> {
        self.sort_order.as_deref().and_then(SortOrderType::from_wire)
    }

    /// `SortBy` as an enum; `None` when absent.
    pub fn sort_by(&self) -> Option<SortByType> {
        self.sort_by.as_deref().and_then(SortByType::from_wire)
    }

    fn check(&self, v: &mut Violations) {
        v.number("maxResults", self.max_results.map(i64::from), (1, 100));
        v.text("nextToken", self.next_token.as_deref(), &NEXT_TOKEN);
        v.filters("filters", self.filters.as_deref());
        v.one_of(
            "sortOrder",
            self.sort_order.as_deref(),
            SortOrderType::WIRE_VALUES,
        );
        v.one_of("sortBy", self.sort_by.as_deref(), SortByType::WIRE_VALUES);
    }
}

/// `PutResourcePolicy` input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutResourcePolicyInput {
    /// The secret.
    pub secret_id: String,
    /// The policy document (JSON), 1..20480 characters.
    pub resource_policy: String,
    /// Which policy (default `default`).
    pub policy_name: Option<String>,
    /// Refuse policies that grant broad access.
    pub block_public_policy: Option<bool>,
}

impl PutResourcePolicyInput {
    fn check(&self, v: &mut Violations) {
        v.text("secretId", Some(&self.secret_id), &SECRET_ID);
        v.text("resourcePolicy", Some(&self.resource_policy), &RESOURCE_POLICY);
        v.text("policyName", self.policy_name.as_deref(), &POLICY_NAME);
    }
}

/// `PutSecretValue` input. `Debug` redacts `SecretString`, `SecretBinary` and `RotationToken`.
#[derive(Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutSecretValueInput {
    /// The secret.
    pub secret_id: String,
    /// Idempotency token, and the new version's id; 32..64 characters.
    pub client_request_token: Option<String>,
    /// A binary value, 1..65536 bytes.
    pub secret_binary: Option<Blob>,
    /// A text value, 1..65536 characters.
    pub secret_string: Option<String>,
    /// 1..20 labels for the new version (default `AWSCURRENT`).
    pub version_stages: Option<Vec<String>>,
    /// The token a rotation function was given, 36..256 of `[a-zA-Z0-9\-]`.
    pub rotation_token: Option<String>,
}

impl fmt::Debug for PutSecretValueInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PutSecretValueInput")
            .field("secret_id", &self.secret_id)
            .field("client_request_token", &self.client_request_token)
            .field("secret_binary", &redact(&self.secret_binary))
            .field("secret_string", &redact(&self.secret_string))
            .field("version_stages", &self.version_stages)
            .field("rotation_token", &redact(&self.rotation_token))
            .finish()
    }
}

impl PutSecretValueInput {
    fn check(&self, v: &mut Violations) {
        v.text("secretId", Some(&self.secret_id), &SECRET_ID);
        v.text(
            "clientRequestToken",
            self.client_request_token.as_deref(),
            &CLIENT_REQUEST_TOKEN,
        );
        v.blob("secretBinary", self.secret_binary.as_ref(), SECRET_BINARY);
        v.text("secretString", self.secret_string.as_deref(), &SECRET_STRING);
        v.strings(
            "versionStages",
            self.version_stages.as_deref(),
            (1, Some(20)),
            &VERSION_STAGE,
        );
        v.text("rotationToken", self.rotation_token.as_deref(), &ROTATION_TOKEN);
    }
}

/// `RemoveRegionsFromReplication` input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RemoveRegionsFromReplicationInput {
    /// The primary secret.
    pub secret_id: String,
    /// At least one region.
    pub remove_replica_regions: Vec<String>,
}

impl RemoveRegionsFromReplicationInput {
    fn check(&self, v: &mut Violations) {
        v.text("secretId", Some(&self.secret_id), &SECRET_ID);
        v.strings(
            "removeReplicaRegions",
            Some(&self.remove_replica_regions),
            (1, None),
            &REGION,
        );
    }
}

/// `ReplicateSecretToRegions` input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReplicateSecretToRegionsInput {
    /// The primary secret.
    pub secret_id: String,
    /// At least one region.
    pub add_replica_regions: Vec<ReplicaRegionType>,
    /// Overwrite a same-named secret in a replica region.
    pub force_overwrite_replica_secret: Option<bool>,
}

impl ReplicateSecretToRegionsInput {
    fn check(&self, v: &mut Violations) {
        v.text("secretId", Some(&self.secret_id), &SECRET_ID);
        v.replica_regions("addReplicaRegions", Some(&self.add_replica_regions));
    }
}

/// `RestoreSecret` input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RestoreSecretInput {
    /// The secret.
    pub secret_id: String,
}

impl RestoreSecretInput {
    fn check(&self, v: &mut Violations) {
        v.text("secretId", Some(&self.secret_id), &SECRET_ID);
    }
}

/// `RotateSecret` input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RotateSecretInput {
    /// The secret.
    pub secret_id: String,
    /// Idempotency token, and the pending version's id; 32..64 characters.
    pub client_request_token: Option<String>,
    /// The rotation function, ≤2048 characters.
    #[serde(rename = "RotationLambdaARN")]
    pub rotation_lambda_arn: Option<String>,
    /// The schedule.
    pub rotation_rules: Option<RotationRulesType>,
    /// For external secrets: what the partner's rotation needs.
    pub external_secret_rotation_metadata: Option<Vec<ExternalSecretRotationMetadataItem>>,
    /// For external secrets: the role rotation assumes.
    pub external_secret_rotation_role_arn: Option<String>,
    /// Rotate now (default true) rather than at the next scheduled time.
    pub rotate_immediately: Option<bool>,
}

impl RotateSecretInput {
    fn check(&self, v: &mut Violations) {
        v.text("secretId", Some(&self.secret_id), &SECRET_ID);
        v.text(
            "clientRequestToken",
            self.client_request_token.as_deref(),
            &CLIENT_REQUEST_TOKEN,
        );
        v.text(
            "rotationLambdaARN",
            self.rotation_lambda_arn.as_deref(),
            &ROTATION_LAMBDA_ARN,
        );
        if let Some(rules) = &self.rotation_rules {
            v.number(
                "rotationRules.automaticallyAfterDays",
                rules.automatically_after_days,
                (1, 1000),
            );
            v.text("rotationRules.duration", rules.duration.as_deref(), &DURATION);
            v.text(
                "rotationRules.scheduleExpression",
                rules.schedule_expression.as_deref(),
                &SCHEDULE_EXPRESSION,
            );
        }
        for (i, item) in self
            .external_secret_rotation_metadata
            .iter()
            .flatten()
            .enumerate()
        {
            let at = format!("externalSecretRotationMetadata.{}.member", i + 1);
            v.text(&format!("{at}.key"), item.key.as_deref(), &METADATA_KEY);
            v.text(&format!("{at}.value"), item.value.as_deref(), &METADATA_VALUE);
        }
        v.text(
            "externalSecretRotationRoleArn",
            self.external_secret_rotation_role_arn.as_deref(),
            &ROLE_ARN,
        );
    }
}

/// `StopReplicationToReplica` input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StopReplicationToReplicaInput {
    /// The replica secret.
    pub secret_id: String,
}

impl StopReplicationToReplicaInput {
    fn check(&self, v: &mut Violations) {
        v.text("secretId", Some(&self.secret_id), &SECRET_ID);
    }
}

/// `TagResource` input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagResourceInput {
    /// The secret.
    pub secret_id: String,
    /// Tags to add or overwrite.
    pub tags: Vec<Tag>,
}

impl TagResourceInput {
    fn check(&self, v: &mut Violations) {
        v.text("secretId", Some(&self.secret_id), &SECRET_ID);
        v.tags("tags", Some(&self.tags));
    }
}

/// `UntagResource` input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UntagResourceInput {
    /// The secret.
    pub secret_id: String,
    /// Keys of the tags to remove.
    pub tag_keys: Vec<String>,
}

impl UntagResourceInput {
    fn check(&self, v: &mut Violations) {
        v.text("secretId", Some(&self.secret_id), &SECRET_ID);
        v.strings("tagKeys", Some(&self.tag_keys), (0, None), &TAG_KEY);
    }
}

/// `UpdateSecret` input. `Debug` redacts `SecretString` and `SecretBinary`.
#[derive(Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateSecretInput {
    /// The secret.
    pub secret_id: String,
    /// Idempotency token, and the new version's id when a value is given; 32..64 characters.
    pub client_request_token: Option<String>,
    /// ≤2048 characters.
    pub description: Option<String>,
    /// ≤2048 characters; empty switches back to the default key.
    pub kms_key_id: Option<String>,
    /// A new binary value, 1..65536 bytes.
    pub secret_binary: Option<Blob>,
    /// A new text value, 1..65536 characters.
    pub secret_string: Option<String>,
    /// The external-secret type, ≤256 characters.
    #[serde(rename = "Type")]
    pub secret_type: Option<String>,
}

impl fmt::Debug for UpdateSecretInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpdateSecretInput")
            .field("secret_id", &self.secret_id)
            .field("client_request_token", &self.client_request_token)
            .field("description", &self.description)
            .field("kms_key_id", &self.kms_key_id)
            .field("secret_binary", &redact(&self.secret_binary))
            .field("secret_string", &redact(&self.secret_string))
            .field("secret_type", &self.secret_type)
            .finish()
    }
}

impl UpdateSecretInput {
    fn check(&self, v: &mut Violations) {
        v.text("secretId", Some(&self.secret_id), &SECRET_ID);
        v.text(
            "clientRequestToken",
            self.client_request_token.as_deref(),
            &CLIENT_REQUEST_TOKEN,
        );
        v.text("description", self.description.as_deref(), &DESCRIPTION);
        v.text("kmsKeyId", self.kms_key_id.as_deref(), &KMS_KEY_ID);
        v.blob("secretBinary", self.secret_binary.as_ref(), SECRET_BINARY);
        v.text("secretString", self.secret_string.as_deref(), &SECRET_STRING);
        v.text("type", self.secret_type.as_deref(), &SECRET_TYPE);
    }
}

/// `UpdateSecretVersionStage` input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateSecretVersionStageInput {
    /// The secret.
    pub secret_id: String,
    /// The label to move, 1..256 characters.
    pub version_stage: String,
    /// The version that has the label now.
    pub remove_from_version_id: Option<String>,
    /// The version to give it to.
    pub move_to_version_id: Option<String>,
}

impl UpdateSecretVersionStageInput {
    fn check(&self, v: &mut Violations) {
        v.text("secretId", Some(&self.secret_id), &SECRET_ID);
        v.text("versionStage", Some(&self.version_stage), &VERSION_STAGE);
        v.text(
            "removeFromVersionId",
            self.remove_from_version_id.as_deref(),
            &VERSION_ID,
        );
        v.text("moveToVersionId", self.move_to_version_id.as_deref(), &VERSION_ID);
    }
}

/// `ValidateResourcePolicy` input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ValidateResourcePolicyInput {
    /// The secret the policy would be attached to, if any.
    pub secret_id: Option<String>,
    /// The policy document (JSON), 1..20480 characters.
    pub resource_policy: String,
}

impl ValidateResourcePolicyInput {
    fn check(&self, v: &mut Violations) {
        v.text("secretId", self.secret_id.as_deref(), &SECRET_ID);
        v.text("resourcePolicy", Some(&self.resource_policy), &RESOURCE_POLICY);
    }
}

// ---------------------------------------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------------------------------------

/// `AssociateCrossAccountReplica` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssociateCrossAccountReplicaOutput {
    /// ARN of the primary secret.
    #[serde(rename = "ARN")]
    pub arn: String,
    /// ARN of the replica secret.
    #[serde(rename = "CrossAccountReplicaARN")]
    pub cross_account_replica_arn: String,
    /// The state of the replication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replication_status: Option<StatusType>,
}

/// One secret's value in a `BatchGetSecretValue` answer (`SecretValueEntry`). `Debug` redacts the value.
#[derive(PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecretValueEntry {
    /// ARN of the secret.
    #[serde(rename = "ARN")]
    pub arn: String,
    /// Name of the secret.
    pub name: String,
    /// The version returned.
    pub version_id: String,
    /// The binary value, if the version holds one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_binary: Option<Blob>,
    /// The text value, if the version holds one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_string: Option<String>,
    /// The version's labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_stages: Option<Vec<String>>,
    /// When the version was created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_date: Option<Timestamp>,
}

impl fmt::Debug for SecretValueEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretValueEntry")
            .field("arn", &self.arn)
            .field("name", &self.name)
            .field("version_id", &self.version_id)
            .field("secret_binary", &redact(&self.secret_binary))
            .field("secret_string", &redact(&self.secret_string))
            .field("version_stages", &self.version_stages)
            .field("created_date", &self.created_date)
            .finish()
    }
}

/// A per-secret failure in a `BatchGetSecretValue` answer (`APIErrorType`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApiErrorType {
    /// The id as the caller gave it.
    pub secret_id: String,
    /// The error code, e.g. `ResourceNotFoundException`.
    pub error_code: String,
    /// The message.
    pub message: String,
}

/// `BatchGetSecretValue` output. Its `Debug` shows the entries' own, which redact the values.
#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchGetSecretValueOutput {
    /// The values found.
    pub secret_values: Vec<SecretValueEntry>,
    /// More results to come.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// The secrets that could not be read.
    pub errors: Vec<ApiErrorType>,
}

/// `CancelRotateSecret` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CancelRotateSecretOutput {
    /// ARN of the secret.
    #[serde(rename = "ARN")]
    pub arn: String,
    /// Name of the secret.
    pub name: String,
    /// The pending version of the cancelled rotation, if there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

/// `CreateSecret` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateSecretOutput {
    /// ARN of the new secret.
    #[serde(rename = "ARN")]
    pub arn: String,
    /// Name of the new secret.
    pub name: String,
    /// The first version, when a value was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// The replicas, when regions were requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replication_status: Option<Vec<ReplicationStatusType>>,
}

/// `DeleteResourcePolicy` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteResourcePolicyOutput {
    /// ARN of the secret.
    #[serde(rename = "ARN")]
    pub arn: String,
    /// Name of the secret.
    pub name: String,
    /// The policy deleted, when a name was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
}

/// `DeleteSecret` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteSecretOutput {
    /// ARN of the secret.
    #[serde(rename = "ARN")]
    pub arn: String,
    /// Name of the secret.
    pub name: String,
    /// When the secret will be (or was) purged.
    pub deletion_date: Timestamp,
}

/// `DescribeSecret` output: every member but `ARN` and `Name` is left out when it has no value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeSecretOutput {
    /// ARN of the secret.
    #[serde(rename = "ARN")]
    pub arn: String,
    /// Name of the secret.
    pub name: String,
    /// The external-secret type.
    #[serde(rename = "Type", skip_serializing_if = "Option::is_none")]
    pub secret_type: Option<String>,
    /// The description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The key, unless it is the default one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// Absent until rotation was ever configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_enabled: Option<bool>,
    /// The rotation function.
    #[serde(rename = "RotationLambdaARN", skip_serializing_if = "Option::is_none")]
    pub rotation_lambda_arn: Option<String>,
    /// The rotation schedule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_rules: Option<RotationRulesType>,
    /// External-secret rotation metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_secret_rotation_metadata: Option<Vec<ExternalSecretRotationMetadataItem>>,
    /// External-secret rotation role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_secret_rotation_role_arn: Option<String>,
    /// Last successful rotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_rotated_date: Option<Timestamp>,
    /// Last change of any kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_changed_date: Option<Timestamp>,
    /// Last read (a date at 00:00 UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_accessed_date: Option<Timestamp>,
    /// When the secret will be purged, while it is scheduled for deletion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_date: Option<Timestamp>,
    /// When the next rotation is due.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_rotation_date: Option<Timestamp>,
    /// Absent if the secret was never tagged; `[]` once every tag was removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
    /// Versions with at least one label; absent for a secret without versions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_ids_to_stages: Option<VersionsToStages>,
    /// The service that manages the secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owning_service: Option<String>,
    /// When the secret was created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_date: Option<Timestamp>,
    /// The primary's region, for replicated secrets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_region: Option<String>,
    /// The replicas.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replication_status: Option<Vec<ReplicationStatusType>>,
    /// For a cross-account replica: its primary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cross_account_primary: Option<CrossAccountPrimaryType>,
    /// For a primary: its cross-account replicas.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cross_account_replicas: Option<Vec<CrossAccountReplicaEntry>>,
}

/// `DisassociateCrossAccountReplica` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DisassociateCrossAccountReplicaOutput {
    /// ARN of the primary secret.
    #[serde(rename = "ARN")]
    pub arn: String,
    /// ARN of the replica secret.
    #[serde(rename = "CrossAccountReplicaARN")]
    pub cross_account_replica_arn: String,
}

/// `GetRandomPassword` output. `Debug` redacts the password.
#[derive(PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetRandomPasswordOutput {
    /// The password.
    pub random_password: String,
}

impl fmt::Debug for GetRandomPasswordOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetRandomPasswordOutput")
            .field("random_password", &Redacted)
            .finish()
    }
}

/// `GetResourcePolicy` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetResourcePolicyOutput {
    /// ARN of the secret.
    #[serde(rename = "ARN")]
    pub arn: String,
    /// Name of the secret.
    pub name: String,
    /// The policy document; absent when none is attached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_policy: Option<String>,
    /// The policy's name, when a name was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
}

/// `GetSecretValue` output. `Debug` redacts the value.
#[derive(PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetSecretValueOutput {
    /// ARN of the secret.
    #[serde(rename = "ARN")]
    pub arn: String,
    /// Name of the secret.
    pub name: String,
    /// The version returned.
    pub version_id: String,
    /// The binary value, if the version holds one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_binary: Option<Blob>,
    /// The text value, if the version holds one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_string: Option<String>,
    /// The version's labels; absent for a version without any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_stages: Option<Vec<String>>,
    /// When the version was created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_date: Option<Timestamp>,
}

impl fmt::Debug for GetSecretValueOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetSecretValueOutput")
            .field("arn", &self.arn)
            .field("name", &self.name)
            .field("version_id", &self.version_id)
            .field("secret_binary", &redact(&self.secret_binary))
            .field("secret_string", &redact(&self.secret_string))
            .field("version_stages", &self.version_stages)
            .field("created_date", &self.created_date)
            .finish()
    }
}

/// A policy's name in a `ListResourcePolicies` answer (`ResourcePolicySummary`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourcePolicySummary {
    /// The policy's name.
    pub policy_name: String,
}

/// `ListResourcePolicies` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListResourcePoliciesOutput {
    /// The policies (required by the model, so always sent).
    pub resource_policies: Vec<ResourcePolicySummary>,
    /// More results to come.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// One version in a `ListSecretVersionIds` answer (`SecretVersionsListEntry`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecretVersionsListEntry {
    /// The version.
    pub version_id: String,
    /// Its labels; absent for a deprecated version (one without labels).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_stages: Option<Vec<String>>,
    /// Last read (a date at 00:00 UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_accessed_date: Option<Timestamp>,
    /// When the version was created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_date: Option<Timestamp>,
    /// The keys the version is sealed under (`DefaultEncryptionKey` for the default one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_ids: Option<Vec<String>>,
}

/// `ListSecretVersionIds` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListSecretVersionIdsOutput {
    /// The versions on this page.
    pub versions: Vec<SecretVersionsListEntry>,
    /// More results to come.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// ARN of the secret.
    #[serde(rename = "ARN")]
    pub arn: String,
    /// Name of the secret.
    pub name: String,
}

/// One secret in a `ListSecrets` answer (`SecretListEntry`): `DescribeSecret`'s members without the
/// cross-account ones, and with the version map called `SecretVersionsToStages`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecretListEntry {
    /// ARN of the secret.
    #[serde(rename = "ARN")]
    pub arn: String,
    /// Name of the secret.
    pub name: String,
    /// The external-secret type.
    #[serde(rename = "Type", skip_serializing_if = "Option::is_none")]
    pub secret_type: Option<String>,
    /// The description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The key, unless it is the default one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// Absent until rotation was ever configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_enabled: Option<bool>,
    /// The rotation function.
    #[serde(rename = "RotationLambdaARN", skip_serializing_if = "Option::is_none")]
    pub rotation_lambda_arn: Option<String>,
    /// The rotation schedule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_rules: Option<RotationRulesType>,
    /// External-secret rotation metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_secret_rotation_metadata: Option<Vec<ExternalSecretRotationMetadataItem>>,
    /// External-secret rotation role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_secret_rotation_role_arn: Option<String>,
    /// Last successful rotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_rotated_date: Option<Timestamp>,
    /// Last change of any kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_changed_date: Option<Timestamp>,
    /// Last read (a date at 00:00 UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_accessed_date: Option<Timestamp>,
    /// When the secret will be purged, while it is scheduled for deletion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_date: Option<Timestamp>,
    /// When the next rotation is due.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_rotation_date: Option<Timestamp>,
    /// Absent if the secret was never tagged; `[]` once every tag was removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
    /// Versions with at least one label; absent for a secret without versions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_versions_to_stages: Option<VersionsToStages>,
    /// The service that manages the secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owning_service: Option<String>,
    /// When the secret was created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_date: Option<Timestamp>,
    /// The primary's region, for replicated secrets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_region: Option<String>,
}

/// `ListSecrets` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListSecretsOutput {
    /// The secrets on this page.
    pub secret_list: Vec<SecretListEntry>,
    /// More results to come.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `PutResourcePolicy` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutResourcePolicyOutput {
    /// ARN of the secret.
    #[serde(rename = "ARN")]
    pub arn: String,
    /// Name of the secret.
    pub name: String,
    /// The policy's name, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
}

/// `PutSecretValue` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutSecretValueOutput {
    /// ARN of the secret.
    #[serde(rename = "ARN")]
    pub arn: String,
    /// Name of the secret.
    pub name: String,
    /// The new (or matched) version.
    pub version_id: String,
    /// The labels now on that version.
    pub version_stages: Vec<String>,
}

/// `RemoveRegionsFromReplication` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RemoveRegionsFromReplicationOutput {
    /// ARN of the primary secret.
    #[serde(rename = "ARN")]
    pub arn: String,
    /// The replicas that remain.
    pub replication_status: Vec<ReplicationStatusType>,
}

/// `ReplicateSecretToRegions` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReplicateSecretToRegionsOutput {
    /// ARN of the primary secret.
    #[serde(rename = "ARN")]
    pub arn: String,
    /// The replicas.
    pub replication_status: Vec<ReplicationStatusType>,
}

/// `RestoreSecret` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RestoreSecretOutput {
    /// ARN of the secret.
    #[serde(rename = "ARN")]
    pub arn: String,
    /// Name of the secret.
    pub name: String,
}

/// `RotateSecret` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RotateSecretOutput {
    /// ARN of the secret.
    #[serde(rename = "ARN")]
    pub arn: String,
    /// Name of the secret.
    pub name: String,
    /// The pending version, when a rotation started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

/// `StopReplicationToReplica` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StopReplicationToReplicaOutput {
    /// ARN of the promoted replica.
    #[serde(rename = "ARN")]
    pub arn: String,
}

/// `TagResource` has no output shape; this renders as `{}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TagResourceOutput {}

/// `UntagResource` has no output shape; this renders as `{}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct UntagResourceOutput {}

/// `UpdateSecret` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateSecretOutput {
    /// ARN of the secret.
    #[serde(rename = "ARN")]
    pub arn: String,
    /// Name of the secret.
    pub name: String,
    /// The new version, only when a value was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

/// `UpdateSecretVersionStage` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateSecretVersionStageOutput {
    /// ARN of the secret.
    #[serde(rename = "ARN")]
    pub arn: String,
    /// Name of the secret.
    pub name: String,
}

/// One finding in a `ValidateResourcePolicy` answer (`ValidationErrorsEntry`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ValidationErrorsEntry {
    /// The check that failed.
    pub check_name: String,
    /// What it found.
    pub error_message: String,
}

/// `ValidateResourcePolicy` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ValidateResourcePolicyOutput {
    /// Whether the policy passed every check.
    pub policy_validation_passed: bool,
    /// The findings; `[]` when it passed.
    pub validation_errors: Vec<ValidationErrorsEntry>,
}

// ---------------------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------------------

/// The closed set of operations, each with its input shape, and the `validate` of every input.
macro_rules! operations {
    ($($name:ident($input:ident)),+ $(,)?) => {
        /// A parsed and validated Secrets Manager request.
        #[derive(Debug, PartialEq, Eq)]
        pub enum Operation {
            $(
                #[doc = concat!("`", stringify!($name), "`.")]
                $name($input),
            )+
        }

        impl Operation {
            /// Every operation name, in alphabetical order.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($name)),+];

            /// Parses `body` as the input of the operation called `operation_name` (from
            /// [`json::operation`]) and checks it against the model's constraints.
            ///
            /// # Errors
            ///
            /// `UnknownOperationException` for a name that is not an operation; `SerializationException`
            /// for a body that is not the JSON the operation takes; `ValidationException` for a missing
            /// required member or a violated constraint.
            pub fn parse(operation_name: &str, body: &[u8]) -> Result<Self, WireError> {
                match operation_name {
                    $(
                        stringify!($name) => {
                            let input: $input = json::parse_body(body)?;
                            input.validate()?;
                            Ok(Self::$name(input))
                        }
                    )+
                    _ => Err(WireError::unknown_operation()),
                }
            }

            /// The operation's name, as in `X-Amz-Target`.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Self::$name(_) => stringify!($name),)+
                }
            }
        }

        $(
            impl $input {
                /// Checks the model's constraints on every member, reporting all violations at once.
                ///
                /// # Errors
                ///
                /// `400 ValidationException`, "N validation error(s) detected: …", in AWS's wording.
                pub fn validate(&self) -> Result<(), WireError> {
                    let mut violations = Violations::default();
                    self.check(&mut violations);
                    violations.finish()
                }
            }
        )+
    };
}

operations! {
    AssociateCrossAccountReplica(AssociateCrossAccountReplicaInput),
    BatchGetSecretValue(BatchGetSecretValueInput),
    CancelRotateSecret(CancelRotateSecretInput),
    CreateSecret(CreateSecretInput),
    DeleteResourcePolicy(DeleteResourcePolicyInput),
    DeleteSecret(DeleteSecretInput),
    DescribeSecret(DescribeSecretInput),
    DisassociateCrossAccountReplica(DisassociateCrossAccountReplicaInput),
    GetRandomPassword(GetRandomPasswordInput),
    GetResourcePolicy(GetResourcePolicyInput),
    GetSecretValue(GetSecretValueInput),
    ListResourcePolicies(ListResourcePoliciesInput),
    ListSecretVersionIds(ListSecretVersionIdsInput),
    ListSecrets(ListSecretsInput),
    PutResourcePolicy(PutResourcePolicyInput),
    PutSecretValue(PutSecretValueInput),
    RemoveRegionsFromReplication(RemoveRegionsFromReplicationInput),
    ReplicateSecretToRegions(ReplicateSecretToRegionsInput),
    RestoreSecret(RestoreSecretInput),
    RotateSecret(RotateSecretInput),
    StopReplicationToReplica(StopReplicationToReplicaInput),
    TagResource(TagResourceInput),
    UntagResource(UntagResourceInput),
    UpdateSecret(UpdateSecretInput),
    UpdateSecretVersionStage(UpdateSecretVersionStageInput),
    ValidateResourcePolicy(ValidateResourcePolicyInput),
}

// ---------------------------------------------------------------------------------------------------------
// Constraint checking
// ---------------------------------------------------------------------------------------------------------

/// A model `pattern`, as the model writes it (for the message) and as a matcher of the whole value.
struct Pattern {
    text: &'static str,
    matches: fn(&str) -> bool,
}

/// The constraints on a string member.
struct Text {
    min: usize,
    max: usize,
    pattern: Option<Pattern>,
    /// The model marks it `sensitive`: messages never echo the value.
    sensitive: bool,
}

impl Text {
    const fn length(min: usize, max: usize) -> Self {
        Self {
            min,
            max,
            pattern: None,
            sensitive: false,
        }
    }

    const fn pattern(self, text: &'static str, matches: fn(&str) -> bool) -> Self {
        Self {
            pattern: Some(Pattern { text, matches }),
            ..self
        }
    }

    const fn sensitive(self) -> Self {
        Self {
            sensitive: true,
            ..self
        }
    }
}

const SECRET_ID: Text = Text::length(1, 2048);
const NAME: Text = Text::length(1, 512);
const SECRET_ARN: Text = Text::length(20, 2048);
const ROLE_ARN: Text = Text::length(20, 2048);
const CLIENT_REQUEST_TOKEN: Text = Text::length(32, 64);
const DESCRIPTION: Text = Text::length(0, 2048);
const KMS_KEY_ID: Text = Text::length(0, 2048);
const SECRET_STRING: Text = Text::length(1, 65_536).sensitive();
/// `SecretBinary`: 1..65536 bytes.
const SECRET_BINARY: (usize, usize) = (1, 65_536);
const SECRET_TYPE: Text = Text::length(0, 256);
const VERSION_ID: Text = Text::length(32, 64);
const VERSION_STAGE: Text = Text::length(1, 256);
const NEXT_TOKEN: Text = Text::length(1, 4096);
const TAG_KEY: Text = Text::length(1, 128);
const TAG_VALUE: Text = Text::length(0, 256);
const FILTER_VALUE: Text =
    Text::length(0, 512).pattern(r"^\!?[a-zA-Z0-9 :_@\/\+\=\.\-\!]*$", is_filter_value);
const REGION: Text = Text::length(1, 128).pattern(r"^([a-z]+-)+\d+$", is_region);
const POLICY_NAME: Text = Text::length(1, 64).pattern(r"[0-9A-Za-z\-\_]+", is_policy_name);
const RESOURCE_POLICY: Text = Text::length(1, 20_480);
const EXCLUDE_CHARACTERS: Text = Text::length(0, 4096);
const ROTATION_LAMBDA_ARN: Text = Text::length(0, 2048);
const DURATION: Text = Text::length(2, 3).pattern("[0-9]+h", is_duration);
const SCHEDULE_EXPRESSION: Text =
    Text::length(1, 256).pattern(r"[0-9A-Za-z\(\)#\?\*\-\/, ]+", is_schedule_expression);
const ROTATION_TOKEN: Text = Text::length(36, 256)
    .pattern(r"^[a-zA-Z0-9\-]+$", is_rotation_token)
    .sensitive();
const METADATA_KEY: Text = Text::length(1, 256);
const METADATA_VALUE: Text = Text::length(1, 2048);

/// `^\!?[a-zA-Z0-9 :_@\/\+\=\.\-\!]*$` (the optional leading `!` is in the class anyway).
fn is_filter_value(value: &str) -> bool {
    value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " :_@/+=.-!".contains(c))
}

/// `^([a-z]+-)+\d+$`: `us-east-1`, `eu-west-2`, `us-gov-west-1`.
fn is_region(value: &str) -> bool {
    match value.rsplit_once('-') {
        Some((words, number)) => {
            !number.is_empty()
                && number.bytes().all(|b| b.is_ascii_digit())
                && words
                    .split('-')
                    .all(|word| !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase()))
        }
        None => false,
    }
}

/// `[0-9A-Za-z\-\_]+`.
fn is_policy_name(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `[0-9]+h`.
fn is_duration(value: &str) -> bool {
    value
        .strip_suffix('h')
        .is_some_and(|hours| !hours.is_empty() && hours.bytes().all(|b| b.is_ascii_digit()))
}

/// `[0-9A-Za-z\(\)#\?\*\-\/, ]+`.
fn is_schedule_expression(value: &str) -> bool {
    !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "()#?*-/, ".contains(c))
}

/// `^[a-zA-Z0-9\-]+$`.
fn is_rotation_token(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The constraint violations found so far, as AWS words them.
#[derive(Default)]
struct Violations(Vec<String>);

impl Violations {
    /// Records that the member at `path` (AWS's camelCase path, `tags.1.member.key`) broke `constraint`;
    /// `shown` is the value as the message echoes it, or `None` to leave it out.
    fn push(&mut self, path: &str, shown: Option<&str>, constraint: &str) {
        self.0.push(match shown {
            Some(value) => {
                format!("Value '{value}' at '{path}' failed to satisfy constraint: {constraint}")
            }
            None => format!("Value at '{path}' failed to satisfy constraint: {constraint}"),
        });
    }

    /// Length checks on anything with a length: characters, bytes or list items.
    fn length(&mut self, path: &str, shown: Option<&str>, length: usize, min: usize, max: Option<usize>) {
        if length < min {
            self.push(
                path,
                shown,
                &format!("Member must have length greater than or equal to {min}"),
            );
        }
        if let Some(max) = max
            && length > max
        {
            self.push(
                path,
                shown,
                &format!("Member must have length less than or equal to {max}"),
            );
        }
    }

    /// A string member, if present.
    fn text(&mut self, path: &str, value: Option<&str>, rule: &Text) {
        let Some(value) = value else { return };
        let shown = if rule.sensitive { None } else { Some(value) };
        self.length(path, shown, value.chars().count(), rule.min, Some(rule.max));
        if let Some(pattern) = &rule.pattern
            && !(pattern.matches)(value)
        {
            self.push(
                path,
                shown,
                &format!("Member must satisfy regular expression pattern: {}", pattern.text),
            );
        }
    }

    /// A blob member, if present; blobs are sensitive here, so never echoed.
    fn blob(&mut self, path: &str, value: Option<&Blob>, (min, max): (usize, usize)) {
        if let Some(value) = value {
            self.length(path, None, value.len(), min, Some(max));
        }
    }

    /// An integer or long member, if present.
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

    /// A string enum member, if present.
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

    /// A list of strings, if present: its length, then each item at `path.N.member`. The list is echoed as
    /// Java writes one, `[a, b]`.
    fn strings(
        &mut self,
        path: &str,
        list: Option<&[String]>,
        (min, max): (usize, Option<usize>),
        item: &Text,
    ) {
        let Some(list) = list else { return };
        let shown = format!("[{}]", list.join(", "));
        self.length(path, Some(&shown), list.len(), min, max);
        for (i, value) in list.iter().enumerate() {
            self.text(&format!("{path}.{}.member", i + 1), Some(value), item);
        }
    }

    /// The length of a list of structures; echoed only when empty (`[]`), as their text form is Java's.
    fn structures<T>(&mut self, path: &str, list: &[T], min: usize, max: Option<usize>) {
        let shown = if list.is_empty() { Some("[]") } else { None };
        self.length(path, shown, list.len(), min, max);
    }

    /// A `TagListType`, if present.
    fn tags(&mut self, path: &str, tags: Option<&[Tag]>) {
        for (i, tag) in tags.into_iter().flatten().enumerate() {
            let at = format!("{path}.{}.member", i + 1);
            self.text(&format!("{at}.key"), tag.key.as_deref(), &TAG_KEY);
            self.text(&format!("{at}.value"), tag.value.as_deref(), &TAG_VALUE);
        }
    }

    /// A `FiltersListType` (≤10 filters), if present.
    fn filters(&mut self, path: &str, filters: Option<&[Filter]>) {
        let Some(filters) = filters else { return };
        self.structures(path, filters, 0, Some(10));
        for (i, filter) in filters.iter().enumerate() {
            let at = format!("{path}.{}.member", i + 1);
            self.one_of(
                &format!("{at}.key"),
                filter.key.as_deref(),
                FilterNameStringType::WIRE_VALUES,
            );
            self.strings(
                &format!("{at}.values"),
                filter.values.as_deref(),
                (1, Some(10)),
                &FILTER_VALUE,
            );
        }
    }

    /// An `AddReplicaRegionListType` (at least one region), if present.
    fn replica_regions(&mut self, path: &str, regions: Option<&[ReplicaRegionType]>) {
        let Some(regions) = regions else { return };
        self.structures(path, regions, 1, None);
        for (i, region) in regions.iter().enumerate() {
            let at = format!("{path}.{}.member", i + 1);
            self.text(&format!("{at}.region"), region.region.as_deref(), &REGION);
            self.text(
                &format!("{at}.kmsKeyId"),
                region.kms_key_id.as_deref(),
                &KMS_KEY_ID,
            );
        }
    }

    /// `Ok` when nothing was recorded, else AWS's `ValidationException`.
    fn finish(self) -> Result<(), WireError> {
        let count = self.0.len();
        if count == 0 {
            return Ok(());
        }
        let plural = if count == 1 { "" } else { "s" };
        Err(WireError::bad_request(
            "ValidationException",
            format!("{count} validation error{plural} detected: {}", self.0.join("; ")),
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde::de::DeserializeOwned;
    use serde_json::{Value, json};

    use super::*;
    use crate::test_support::wire_text;

    /// Operation, input members and output members, in the order of botocore 1.44.8's
    /// `secretsmanager/2017-10-17/service-2.json`.
    const MODEL: &[(&str, &[&str], &[&str])] = &[
        (
            "AssociateCrossAccountReplica",
            &[
                "SecretId",
                "CrossAccountReplicaARN",
                "ReplicaRestriction",
                "ReplicationRoleARN",
            ],
            &["ARN", "CrossAccountReplicaARN", "ReplicationStatus"],
        ),
        (
            "BatchGetSecretValue",
            &["SecretIdList", "Filters", "MaxResults", "NextToken"],
            &["SecretValues", "NextToken", "Errors"],
        ),
        ("CancelRotateSecret", &["SecretId"], &["ARN", "Name", "VersionId"]),
        (
            "CreateSecret",
            &[
                "Name",
                "ClientRequestToken",
                "Description",
                "KmsKeyId",
                "SecretBinary",
                "SecretString",
                "Tags",
                "AddReplicaRegions",
                "ForceOverwriteReplicaSecret",
                "Type",
                "CrossAccountPrimaryARN",
            ],
            &["ARN", "Name", "VersionId", "ReplicationStatus"],
        ),
        (
            "DeleteResourcePolicy",
            &["SecretId", "PolicyName"],
            &["ARN", "Name", "PolicyName"],
        ),
        (
            "DeleteSecret",
            &["SecretId", "RecoveryWindowInDays", "ForceDeleteWithoutRecovery"],
            &["ARN", "Name", "DeletionDate"],
        ),
        (
            "DescribeSecret",
            &["SecretId"],
            &[
                "ARN",
                "Name",
                "Type",
                "Description",
                "KmsKeyId",
                "RotationEnabled",
                "RotationLambdaARN",
                "RotationRules",
                "ExternalSecretRotationMetadata",
                "ExternalSecretRotationRoleArn",
                "LastRotatedDate",
                "LastChangedDate",
                "LastAccessedDate",
                "DeletedDate",
                "NextRotationDate",
                "Tags",
                "VersionIdsToStages",
                "OwningService",
                "CreatedDate",
                "PrimaryRegion",
                "ReplicationStatus",
                "CrossAccountPrimary",
                "CrossAccountReplicas",
            ],
        ),
        (
            "DisassociateCrossAccountReplica",
            &["SecretId", "CrossAccountReplicaARN"],
            &["ARN", "CrossAccountReplicaARN"],
        ),
        (
            "GetRandomPassword",
            &[
                "PasswordLength",
                "ExcludeCharacters",
                "ExcludeNumbers",
                "ExcludePunctuation",
                "ExcludeUppercase",
                "ExcludeLowercase",
                "IncludeSpace",
                "RequireEachIncludedType",
            ],
            &["RandomPassword"],
        ),
        (
            "GetResourcePolicy",
            &["SecretId", "PolicyName"],
            &["ARN", "Name", "ResourcePolicy", "PolicyName"],
        ),
        (
            "GetSecretValue",
            &["SecretId", "VersionId", "VersionStage"],
            &[
                "ARN",
                "Name",
                "VersionId",
                "SecretBinary",
                "SecretString",
                "VersionStages",
                "CreatedDate",
            ],
        ),
        (
            "ListResourcePolicies",
            &["SecretId", "MaxResults", "NextToken"],
            &["ResourcePolicies", "NextToken"],
        ),
        (
            "ListSecretVersionIds",
            &["SecretId", "MaxResults", "NextToken", "IncludeDeprecated"],
            &["Versions", "NextToken", "ARN", "Name"],
        ),
        (
            "ListSecrets",
            &[
                "IncludePlannedDeletion",
                "MaxResults",
                "NextToken",
                "Filters",
                "SortOrder",
                "SortBy",
            ],
            &["SecretList", "NextToken"],
        ),
        (
            "PutResourcePolicy",
            &["SecretId", "ResourcePolicy", "PolicyName", "BlockPublicPolicy"],
            &["ARN", "Name", "PolicyName"],
        ),
        (
            "PutSecretValue",
            &[
                "SecretId",
                "ClientRequestToken",
                "SecretBinary",
                "SecretString",
                "VersionStages",
                "RotationToken",
            ],
            &["ARN", "Name", "VersionId", "VersionStages"],
        ),
        (
            "RemoveRegionsFromReplication",
            &["SecretId", "RemoveReplicaRegions"],
            &["ARN", "ReplicationStatus"],
        ),
        (
            "ReplicateSecretToRegions",
            &["SecretId", "AddReplicaRegions", "ForceOverwriteReplicaSecret"],
            &["ARN", "ReplicationStatus"],
        ),
        ("RestoreSecret", &["SecretId"], &["ARN", "Name"]),
        (
            "RotateSecret",
            &[
                "SecretId",
                "ClientRequestToken",
                "RotationLambdaARN",
                "RotationRules",
                "ExternalSecretRotationMetadata",
                "ExternalSecretRotationRoleArn",
                "RotateImmediately",
            ],
            &["ARN", "Name", "VersionId"],
        ),
        ("StopReplicationToReplica", &["SecretId"], &["ARN"]),
        ("TagResource", &["SecretId", "Tags"], &[]),
        ("UntagResource", &["SecretId", "TagKeys"], &[]),
        (
            "UpdateSecret",
            &[
                "SecretId",
                "ClientRequestToken",
                "Description",
                "KmsKeyId",
                "SecretBinary",
                "SecretString",
                "Type",
            ],
            &["ARN", "Name", "VersionId"],
        ),
        (
            "UpdateSecretVersionStage",
            &[
                "SecretId",
                "VersionStage",
                "RemoveFromVersionId",
                "MoveToVersionId",
            ],
            &["ARN", "Name"],
        ),
        (
            "ValidateResourcePolicy",
            &["SecretId", "ResourcePolicy"],
            &["PolicyValidationPassed", "ValidationErrors"],
        ),
    ];

    /// Nested structures and their members, from the same model.
    const MODEL_STRUCTURES: &[(&str, &[&str])] = &[
        ("Tag", &["Key", "Value"]),
        ("Filter", &["Key", "Values"]),
        ("ReplicaRegionType", &["Region", "KmsKeyId"]),
        (
            "RotationRulesType",
            &["AutomaticallyAfterDays", "Duration", "ScheduleExpression"],
        ),
        ("ExternalSecretRotationMetadataItem", &["Key", "Value"]),
        (
            "ReplicationStatusType",
            &[
                "Region",
                "KmsKeyId",
                "Status",
                "StatusMessage",
                "LastAccessedDate",
            ],
        ),
        (
            "SecretValueEntry",
            &[
                "ARN",
                "Name",
                "VersionId",
                "SecretBinary",
                "SecretString",
                "VersionStages",
                "CreatedDate",
            ],
        ),
        ("APIErrorType", &["SecretId", "ErrorCode", "Message"]),
        (
            "SecretListEntry",
            &[
                "ARN",
                "Name",
                "Type",
                "Description",
                "KmsKeyId",
                "RotationEnabled",
                "RotationLambdaARN",
                "RotationRules",
                "ExternalSecretRotationMetadata",
                "ExternalSecretRotationRoleArn",
                "LastRotatedDate",
                "LastChangedDate",
                "LastAccessedDate",
                "DeletedDate",
                "NextRotationDate",
                "Tags",
                "SecretVersionsToStages",
                "OwningService",
                "CreatedDate",
                "PrimaryRegion",
            ],
        ),
        (
            "SecretVersionsListEntry",
            &[
                "VersionId",
                "VersionStages",
                "LastAccessedDate",
                "CreatedDate",
                "KmsKeyIds",
            ],
        ),
        (
            "CrossAccountPrimaryType",
            &["PrimarySecretARN", "ReplicationStatus", "StatusMessage"],
        ),
        (
            "CrossAccountReplicaEntry",
            &[
                "ReplicaSecretARN",
                "ReplicationRoleARN",
                "ReplicationStatus",
                "StatusMessage",
            ],
        ),
        ("ResourcePolicySummary", &["PolicyName"]),
        ("ValidationErrorsEntry", &["CheckName", "ErrorMessage"]),
    ];

    const ARN: &str = "arn:aws:secretsmanager:us-west-2:123456789012:secret:MyTestSecret-a1b2c3";
    const NAME: &str = "MyTestSecret";
    const V1: &str = "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE";
    const V2: &str = "EXAMPLE2-90ab-cdef-fedc-ba987EXAMPLE";
    const V3: &str = "EXAMPLE3-90ab-cdef-fedc-ba987EXAMPLE";
    const TOKEN: &str = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111";
    const SECRET_TEXT: &str = r#"{"username":"admin","password":"hunter2-EXAMPLE"}"#;
    const LAMBDA_ARN: &str = "arn:aws:lambda:us-west-2:123456789012:function:MyTestRotationLambda";
    const ROLE: &str = "arn:aws:iam::123456789012:role/ReplicationRole";
    const REPLICA_ARN: &str = "arn:aws:secretsmanager:us-west-2:210987654321:secret:MyReplica-d4e5f6";
    const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;

    fn ts(millis: i64) -> Timestamp {
        Timestamp::from_unix_millis(millis)
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn parse(operation: &str, body: &str) -> Operation {
        match Operation::parse(operation, body.as_bytes()) {
            Ok(parsed) => parsed,
            Err(e) => panic!("{operation} {body}: {e}"),
        }
    }

    fn parse_value(operation: &str, body: &Value) -> Result<Operation, WireError> {
        Operation::parse(operation, &serde_json::to_vec(body).unwrap())
    }

    /// The message of the `ValidationException` that `body` gives.
    fn invalid(operation: &str, body: &Value) -> String {
        let e = parse_value(operation, body).unwrap_err();
        assert_eq!(
            (e.status, e.code.as_str(), e.sender_fault),
            (400, "ValidationException", true),
            "{e}"
        );
        e.message
    }

    fn one(violation: &str) -> String {
        format!("1 validation error detected: {violation}")
    }

    // --- the operation set --------------------------------------------------------------------------------

    #[test]
    fn every_model_operation_is_an_operation() {
        let model: Vec<&str> = MODEL.iter().map(|(name, _, _)| *name).collect();
        assert_eq!(Operation::NAMES, model.as_slice());
        assert_eq!(Operation::NAMES.len(), 26);
        for name in Operation::NAMES {
            // Operations without required members parse `{}`; the others name what is missing.
            match Operation::parse(name, b"{}") {
                Ok(op) => assert_eq!(op.name(), *name),
                Err(e) => assert_eq!(e.code, "ValidationException", "{name}: {e}"),
            }
        }
    }

    #[test]
    fn unknown_operations() {
        for name in [
            "",
            "GetSecret",
            "getSecretValue",
            "Encrypt",
            "GetSecretValue ",
            "NAMES",
        ] {
            let e = Operation::parse(name, b"{}").unwrap_err();
            assert_eq!(e, WireError::unknown_operation(), "{name}");
        }
    }

    #[test]
    fn name_round_trips() {
        let op = parse("ListSecrets", "");
        assert_eq!(op.name(), "ListSecrets");
        assert_eq!(op, Operation::ListSecrets(ListSecretsInput::default()));
        assert_eq!(parse("GetRandomPassword", "{}").name(), "GetRandomPassword");
    }

    // --- member names against the model -------------------------------------------------------------------

    /// Records the field names a `Deserialize` impl asks `deserialize_struct` for.
    struct FieldsProbe<'a>(&'a mut Vec<&'static str>);

    impl<'de> Deserializer<'de> for FieldsProbe<'_> {
        type Error = de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0.extend(fields);
            Err(de::Error::custom("probed"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
            unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }

    fn fields<T: DeserializeOwned>() -> Vec<&'static str> {
        let mut fields = Vec::new();
        assert!(T::deserialize(FieldsProbe(&mut fields)).is_err());
        fields
    }

    #[test]
    fn input_members_are_the_models() {
        let inputs: Vec<(&str, Vec<&str>)> = vec![
            (
                "AssociateCrossAccountReplica",
                fields::<AssociateCrossAccountReplicaInput>(),
            ),
            ("BatchGetSecretValue", fields::<BatchGetSecretValueInput>()),
            ("CancelRotateSecret", fields::<CancelRotateSecretInput>()),
            ("CreateSecret", fields::<CreateSecretInput>()),
            ("DeleteResourcePolicy", fields::<DeleteResourcePolicyInput>()),
            ("DeleteSecret", fields::<DeleteSecretInput>()),
            ("DescribeSecret", fields::<DescribeSecretInput>()),
            (
                "DisassociateCrossAccountReplica",
                fields::<DisassociateCrossAccountReplicaInput>(),
            ),
            ("GetRandomPassword", fields::<GetRandomPasswordInput>()),
            ("GetResourcePolicy", fields::<GetResourcePolicyInput>()),
            ("GetSecretValue", fields::<GetSecretValueInput>()),
            ("ListResourcePolicies", fields::<ListResourcePoliciesInput>()),
            ("ListSecretVersionIds", fields::<ListSecretVersionIdsInput>()),
            ("ListSecrets", fields::<ListSecretsInput>()),
            ("PutResourcePolicy", fields::<PutResourcePolicyInput>()),
            ("PutSecretValue", fields::<PutSecretValueInput>()),
            (
                "RemoveRegionsFromReplication",
                fields::<RemoveRegionsFromReplicationInput>(),
            ),
            (
                "ReplicateSecretToRegions",
                fields::<ReplicateSecretToRegionsInput>(),
            ),
            ("RestoreSecret", fields::<RestoreSecretInput>()),
            ("RotateSecret", fields::<RotateSecretInput>()),
            (
                "StopReplicationToReplica",
                fields::<StopReplicationToReplicaInput>(),
            ),
            ("TagResource", fields::<TagResourceInput>()),
            ("UntagResource", fields::<UntagResourceInput>()),
            ("UpdateSecret", fields::<UpdateSecretInput>()),
            (
                "UpdateSecretVersionStage",
                fields::<UpdateSecretVersionStageInput>(),
            ),
            ("ValidateResourcePolicy", fields::<ValidateResourcePolicyInput>()),
        ];
        assert_eq!(inputs.len(), MODEL.len());
        for ((name, members), (model_name, model_members, _)) in inputs.iter().zip(MODEL) {
            assert_eq!(name, model_name);
            assert_eq!(members.as_slice(), *model_members, "{name}");
        }
        let nested: Vec<(&str, Vec<&str>)> = vec![
            ("Tag", fields::<Tag>()),
            ("Filter", fields::<Filter>()),
            ("ReplicaRegionType", fields::<ReplicaRegionType>()),
            ("RotationRulesType", fields::<RotationRulesType>()),
            (
                "ExternalSecretRotationMetadataItem",
                fields::<ExternalSecretRotationMetadataItem>(),
            ),
        ];
        for (name, members) in nested {
            let (_, model_members) = MODEL_STRUCTURES.iter().find(|(n, _)| *n == name).unwrap();
            assert_eq!(members.as_slice(), *model_members, "{name}");
        }
    }

    fn keys(value: &Value) -> BTreeSet<String> {
        value.as_object().unwrap().keys().cloned().collect()
    }

    fn model_keys(members: &[&str]) -> BTreeSet<String> {
        members.iter().map(|m| (*m).to_owned()).collect()
    }

    fn structure_keys(name: &str) -> BTreeSet<String> {
        model_keys(MODEL_STRUCTURES.iter().find(|(n, _)| *n == name).unwrap().1)
    }

    fn full_rules() -> RotationRulesType {
        RotationRulesType {
            automatically_after_days: Some(30),
            duration: Some("2h".into()),
            schedule_expression: Some("rate(30 days)".into()),
        }
    }

    fn full_metadata() -> Vec<ExternalSecretRotationMetadataItem> {
        vec![ExternalSecretRotationMetadataItem {
            key: Some("AdminSecretArn".into()),
            value: Some("arn:aws:secretsmanager:us-west-2:123456789012:secret:admin-AbCdEf".into()),
        }]
    }

    fn full_replication() -> Vec<ReplicationStatusType> {
        vec![ReplicationStatusType {
            region: "eu-west-1".into(),
            kms_key_id: Some("alias/eu-key".into()),
            status: Some(StatusType::Failed),
            status_message: Some("Replication failed: a secret with this name already exists.".into()),
            last_accessed_date: Some(ts(1_700_006_400_000)),
        }]
    }

    fn full_describe() -> DescribeSecretOutput {
        DescribeSecretOutput {
            arn: ARN.into(),
            name: NAME.into(),
            secret_type: Some("SalesforceClientSecret".into()),
            description: Some("My test secret".into()),
            kms_key_id: Some(
                "arn:aws:kms:us-west-2:123456789012:key/EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE".into(),
            ),
            rotation_enabled: Some(true),
            rotation_lambda_arn: Some(LAMBDA_ARN.into()),
            rotation_rules: Some(full_rules()),
            external_secret_rotation_metadata: Some(full_metadata()),
            external_secret_rotation_role_arn: Some("arn:aws:iam::123456789012:role/ExternalRotation".into()),
            last_rotated_date: Some(ts(1_700_000_000_123)),
            last_changed_date: Some(ts(1_700_000_001_713)),
            last_accessed_date: Some(ts(1_700_006_400_000)),
            deleted_date: Some(ts(1_702_592_001_713)),
            next_rotation_date: Some(ts(1_702_598_400_000)),
            tags: Some(vec![
                Tag::new("SecondTag", "AnotherValue"),
                Tag::new("FirstTag", "SomeValue"),
            ]),
            version_ids_to_stages: Some(BTreeMap::from([
                (V1.to_owned(), strings(&["AWSPREVIOUS"])),
                (V2.to_owned(), strings(&["AWSCURRENT", "AWSPENDING"])),
            ])),
            owning_service: Some("appflow".into()),
            created_date: Some(ts(1_699_990_000_500)),
            primary_region: Some("us-west-2".into()),
            replication_status: Some(full_replication()),
            cross_account_primary: Some(CrossAccountPrimaryType {
                primary_secret_arn: Some(ARN.into()),
                replication_status: Some(StatusType::InSync),
                status_message: Some("Replication succeeded".into()),
            }),
            cross_account_replicas: Some(vec![CrossAccountReplicaEntry {
                replica_secret_arn: Some(REPLICA_ARN.into()),
                replication_role_arn: Some(ROLE.into()),
                replication_status: Some(StatusType::InProgress),
                status_message: Some("Replicating".into()),
            }]),
        }
    }

    fn full_list_entry() -> SecretListEntry {
        let d = full_describe();
        SecretListEntry {
            arn: d.arn,
            name: d.name,
            secret_type: d.secret_type,
            description: d.description,
            kms_key_id: d.kms_key_id,
            rotation_enabled: d.rotation_enabled,
            rotation_lambda_arn: d.rotation_lambda_arn,
            rotation_rules: d.rotation_rules,
            external_secret_rotation_metadata: d.external_secret_rotation_metadata,
            external_secret_rotation_role_arn: d.external_secret_rotation_role_arn,
            last_rotated_date: d.last_rotated_date,
            last_changed_date: d.last_changed_date,
            last_accessed_date: d.last_accessed_date,
            deleted_date: d.deleted_date,
            next_rotation_date: d.next_rotation_date,
            tags: d.tags,
            secret_versions_to_stages: d.version_ids_to_stages,
            owning_service: d.owning_service,
            created_date: d.created_date,
            primary_region: d.primary_region,
        }
    }

    fn string_value() -> GetSecretValueOutput {
        GetSecretValueOutput {
            arn: ARN.into(),
            name: NAME.into(),
            version_id: V2.into(),
            secret_binary: None,
            secret_string: Some(SECRET_TEXT.into()),
            version_stages: Some(strings(&["AWSCURRENT"])),
            created_date: Some(ts(1_523_477_145_713)),
        }
    }

    fn full_value_entry() -> SecretValueEntry {
        SecretValueEntry {
            arn: ARN.into(),
            name: NAME.into(),
            version_id: V2.into(),
            secret_binary: Some(Blob::new(b"footest".to_vec())),
            secret_string: Some(SECRET_TEXT.into()),
            version_stages: Some(strings(&["AWSCURRENT"])),
            created_date: Some(ts(1_523_477_145_713)),
        }
    }

    /// Every output with every member set, as JSON.
    fn full_outputs() -> Vec<(&'static str, Value)> {
        fn v<T: Serialize>(output: &T) -> Value {
            serde_json::to_value(output).unwrap()
        }
        let secret = || (ARN.to_owned(), NAME.to_owned());
        vec![
            (
                "AssociateCrossAccountReplica",
                v(&AssociateCrossAccountReplicaOutput {
                    arn: ARN.into(),
                    cross_account_replica_arn: REPLICA_ARN.into(),
                    replication_status: Some(StatusType::Pending),
                }),
            ),
            (
                "BatchGetSecretValue",
                v(&BatchGetSecretValueOutput {
                    secret_values: vec![full_value_entry()],
                    next_token: Some("next".into()),
                    errors: vec![ApiErrorType {
                        secret_id: "missing".into(),
                        error_code: "ResourceNotFoundException".into(),
                        message: "Secrets Manager can't find the specified secret.".into(),
                    }],
                }),
            ),
            (
                "CancelRotateSecret",
                v(&CancelRotateSecretOutput {
                    arn: secret().0,
                    name: secret().1,
                    version_id: Some(V3.into()),
                }),
            ),
            (
                "CreateSecret",
                v(&CreateSecretOutput {
                    arn: secret().0,
                    name: secret().1,
                    version_id: Some(V1.into()),
                    replication_status: Some(full_replication()),
                }),
            ),
            (
                "DeleteResourcePolicy",
                v(&DeleteResourcePolicyOutput {
                    arn: secret().0,
                    name: secret().1,
                    policy_name: Some("default".into()),
                }),
            ),
            (
                "DeleteSecret",
                v(&DeleteSecretOutput {
                    arn: secret().0,
                    name: secret().1,
                    deletion_date: ts(1_702_592_001_713),
                }),
            ),
            ("DescribeSecret", v(&full_describe())),
            (
                "DisassociateCrossAccountReplica",
                v(&DisassociateCrossAccountReplicaOutput {
                    arn: ARN.into(),
                    cross_account_replica_arn: REPLICA_ARN.into(),
                }),
            ),
            (
                "GetRandomPassword",
                v(&GetRandomPasswordOutput {
                    random_password: "EXAMPLE-PASSWORD".into(),
                }),
            ),
            (
                "GetResourcePolicy",
                v(&GetResourcePolicyOutput {
                    arn: secret().0,
                    name: secret().1,
                    resource_policy: Some(POLICY.into()),
                    policy_name: Some("default".into()),
                }),
            ),
            (
                "GetSecretValue",
                v(&GetSecretValueOutput {
                    secret_binary: Some(Blob::new(b"footest".to_vec())),
                    ..string_value()
                }),
            ),
            (
                "ListResourcePolicies",
                v(&ListResourcePoliciesOutput {
                    resource_policies: vec![ResourcePolicySummary {
                        policy_name: "default".into(),
                    }],
                    next_token: Some("next".into()),
                }),
            ),
            (
                "ListSecretVersionIds",
                v(&ListSecretVersionIdsOutput {
                    versions: vec![SecretVersionsListEntry {
                        version_id: V1.into(),
                        version_stages: Some(strings(&["AWSCURRENT"])),
                        last_accessed_date: Some(ts(1_700_006_400_000)),
                        created_date: Some(ts(1_523_477_145_713)),
                        kms_key_ids: Some(strings(&["DefaultEncryptionKey"])),
                    }],
                    next_token: Some("next".into()),
                    arn: ARN.into(),
                    name: NAME.into(),
                }),
            ),
            (
                "ListSecrets",
                v(&ListSecretsOutput {
                    secret_list: vec![full_list_entry()],
                    next_token: Some("next".into()),
                }),
            ),
            (
                "PutResourcePolicy",
                v(&PutResourcePolicyOutput {
                    arn: secret().0,
                    name: secret().1,
                    policy_name: Some("default".into()),
                }),
            ),
            (
                "PutSecretValue",
                v(&PutSecretValueOutput {
                    arn: secret().0,
                    name: secret().1,
                    version_id: V3.into(),
                    version_stages: strings(&["AWSCURRENT"]),
                }),
            ),
            (
                "RemoveRegionsFromReplication",
                v(&RemoveRegionsFromReplicationOutput {
                    arn: ARN.into(),
                    replication_status: full_replication(),
                }),
            ),
            (
                "ReplicateSecretToRegions",
                v(&ReplicateSecretToRegionsOutput {
                    arn: ARN.into(),
                    replication_status: full_replication(),
                }),
            ),
            (
                "RestoreSecret",
                v(&RestoreSecretOutput {
                    arn: secret().0,
                    name: secret().1,
                }),
            ),
            (
                "RotateSecret",
                v(&RotateSecretOutput {
                    arn: secret().0,
                    name: secret().1,
                    version_id: Some(V3.into()),
                }),
            ),
            (
                "StopReplicationToReplica",
                v(&StopReplicationToReplicaOutput { arn: ARN.into() }),
            ),
            ("TagResource", v(&TagResourceOutput {})),
            ("UntagResource", v(&UntagResourceOutput {})),
            (
                "UpdateSecret",
                v(&UpdateSecretOutput {
                    arn: secret().0,
                    name: secret().1,
                    version_id: Some(V3.into()),
                }),
            ),
            (
                "UpdateSecretVersionStage",
                v(&UpdateSecretVersionStageOutput {
                    arn: secret().0,
                    name: secret().1,
                }),
            ),
            (
                "ValidateResourcePolicy",
                v(&ValidateResourcePolicyOutput {
                    policy_validation_passed: false,
                    validation_errors: vec![ValidationErrorsEntry {
                        check_name: "PUBLIC_ACCESS".into(),
                        error_message: "The policy grants access to everyone.".into(),
                    }],
                }),
            ),
        ]
    }

    #[test]
    fn output_members_are_the_models() {
        let outputs = full_outputs();
        assert_eq!(outputs.len(), MODEL.len());
        for ((name, value), (model_name, _, model_members)) in outputs.iter().zip(MODEL) {
            assert_eq!(name, model_name);
            assert_eq!(keys(value), model_keys(model_members), "{name}");
        }
        let output = |name: &str| outputs.iter().find(|(n, _)| *n == name).unwrap().1.clone();
        let describe = output("DescribeSecret");
        let batch = output("BatchGetSecretValue");
        let nested = [
            ("Tag", &describe["Tags"][0]),
            ("RotationRulesType", &describe["RotationRules"]),
            (
                "ExternalSecretRotationMetadataItem",
                &describe["ExternalSecretRotationMetadata"][0],
            ),
            ("ReplicationStatusType", &describe["ReplicationStatus"][0]),
            ("CrossAccountPrimaryType", &describe["CrossAccountPrimary"]),
            ("CrossAccountReplicaEntry", &describe["CrossAccountReplicas"][0]),
            ("SecretValueEntry", &batch["SecretValues"][0]),
            ("APIErrorType", &batch["Errors"][0]),
        ];
        for (name, value) in nested {
            assert_eq!(keys(value), structure_keys(name), "{name}");
        }
        let list = output("ListSecrets");
        assert_eq!(keys(&list["SecretList"][0]), structure_keys("SecretListEntry"));
        let versions = output("ListSecretVersionIds");
        assert_eq!(
            keys(&versions["Versions"][0]),
            structure_keys("SecretVersionsListEntry")
        );
        let policies = output("ListResourcePolicies");
        assert_eq!(
            keys(&policies["ResourcePolicies"][0]),
            structure_keys("ResourcePolicySummary")
        );
        let validated = output("ValidateResourcePolicy");
        assert_eq!(
            keys(&validated["ValidationErrors"][0]),
            structure_keys("ValidationErrorsEntry")
        );
    }

    #[test]
    fn enums_use_the_models_values() {
        assert_eq!(
            FilterNameStringType::WIRE_VALUES,
            [
                "description",
                "name",
                "tag-key",
                "tag-value",
                "primary-region",
                "owning-service",
                "all"
            ]
        );
        assert_eq!(SortOrderType::WIRE_VALUES, ["asc", "desc"]);
        assert_eq!(
            SortByType::WIRE_VALUES,
            ["created-date", "last-accessed-date", "last-changed-date", "name"]
        );
        assert_eq!(ReplicaRestrictionType::WIRE_VALUES, ["SameOrg", "NoRestriction"]);
        assert_eq!(
            StatusType::WIRE_VALUES,
            ["InSync", "Failed", "InProgress", "Pending", "Detached"]
        );
        for value in FilterNameStringType::WIRE_VALUES {
            let key = FilterNameStringType::from_wire(value).unwrap();
            assert_eq!(key.as_str(), *value);
            assert_eq!(serde_json::to_value(key).unwrap(), json!(value));
        }
        assert_eq!(SortByType::from_wire("Name"), None);
        assert_eq!(StatusType::from_wire("InSync"), Some(StatusType::InSync));
    }

    // --- realistic requests, one per operation ------------------------------------------------------------

    #[test]
    fn associate_cross_account_replica() {
        let op = parse(
            "AssociateCrossAccountReplica",
            &format!(
                r#"{{"SecretId": "MyTestSecret", "CrossAccountReplicaARN": "{REPLICA_ARN}", "ReplicaRestriction": "NoRestriction", "ReplicationRoleARN": "{ROLE}"}}"#
            ),
        );
        let Operation::AssociateCrossAccountReplica(input) = op else {
            panic!("{op:?}")
        };
        assert_eq!(
            input,
            AssociateCrossAccountReplicaInput {
                secret_id: NAME.into(),
                cross_account_replica_arn: REPLICA_ARN.into(),
                replica_restriction: Some("NoRestriction".into()),
                replication_role_arn: Some(ROLE.into()),
            }
        );
        assert_eq!(input.restriction(), Some(ReplicaRestrictionType::NoRestriction));
    }

    #[test]
    fn batch_get_secret_value() {
        let op = parse(
            "BatchGetSecretValue",
            r#"{"SecretIdList": ["MySecret1", "arn:aws:secretsmanager:us-west-2:123456789012:secret:MySecret2-a1b2c3"]}"#,
        );
        assert_eq!(
            op,
            Operation::BatchGetSecretValue(BatchGetSecretValueInput {
                secret_id_list: Some(strings(&[
                    "MySecret1",
                    "arn:aws:secretsmanager:us-west-2:123456789012:secret:MySecret2-a1b2c3"
                ])),
                ..Default::default()
            })
        );
        let op = parse(
            "BatchGetSecretValue",
            r#"{"Filters": [{"Key": "tag-key", "Values": ["!Test"]}, {"Key": "name", "Values": ["prod/", "dev/"]}], "MaxResults": 20, "NextToken": "eyJ0b2tlbiI6MX0="}"#,
        );
        let Operation::BatchGetSecretValue(input) = op else {
            panic!("{op:?}")
        };
        let filters = input.filters.as_deref().unwrap();
        assert_eq!(filters.len(), 2);
        assert_eq!(filters[0].filter_key(), Some(FilterNameStringType::TagKey));
        assert_eq!(filters[0].values, Some(strings(&["!Test"])));
        assert_eq!(filters[1].filter_key(), Some(FilterNameStringType::Name));
        assert_eq!(filters[1].values, Some(strings(&["prod/", "dev/"])));
        assert_eq!(input.max_results, Some(20));
        assert_eq!(input.next_token.as_deref(), Some("eyJ0b2tlbiI6MX0="));
        assert_eq!(input.secret_id_list, None);
    }

    #[test]
    fn cancel_rotate_secret() {
        assert_eq!(
            parse("CancelRotateSecret", r#"{"SecretId": "MyTestSecret"}"#),
            Operation::CancelRotateSecret(CancelRotateSecretInput {
                secret_id: NAME.into()
            })
        );
    }

    #[test]
    fn create_secret() {
        let body = json!({
            "Name": "MyTestSecret",
            "ClientRequestToken": V1,
            "Description": "My test secret created with the CLI.",
            "KmsKeyId": "alias/my-key",
            "SecretString": SECRET_TEXT,
            "Tags": [{"Key": "FirstTag", "Value": "FirstValue"}, {"Key": "SecondTag", "Value": ""}],
            "AddReplicaRegions": [{"Region": "eu-west-1", "KmsKeyId": "alias/eu-key"}, {"Region": "us-gov-west-1"}],
            "ForceOverwriteReplicaSecret": true,
            "Type": "SalesforceClientSecret",
            "CrossAccountPrimaryARN": REPLICA_ARN,
        });
        let Operation::CreateSecret(input) = parse_value("CreateSecret", &body).unwrap() else {
            panic!()
        };
        assert!(
            input
                == CreateSecretInput {
                    name: NAME.into(),
                    client_request_token: Some(V1.into()),
                    description: Some("My test secret created with the CLI.".into()),
                    kms_key_id: Some("alias/my-key".into()),
                    secret_binary: None,
                    secret_string: Some(SECRET_TEXT.into()),
                    tags: Some(vec![
                        Tag::new("FirstTag", "FirstValue"),
                        Tag::new("SecondTag", "")
                    ]),
                    add_replica_regions: Some(vec![
                        ReplicaRegionType {
                            region: Some("eu-west-1".into()),
                            kms_key_id: Some("alias/eu-key".into()),
                        },
                        ReplicaRegionType {
                            region: Some("us-gov-west-1".into()),
                            kms_key_id: None,
                        },
                    ]),
                    force_overwrite_replica_secret: Some(true),
                    secret_type: Some("SalesforceClientSecret".into()),
                    cross_account_primary_arn: Some(REPLICA_ARN.into()),
                }
        );
        // A binary secret, as `aws secretsmanager create-secret --secret-binary fileb://…` sends it.
        let Operation::CreateSecret(input) = parse(
            "CreateSecret",
            r#"{"Name": "bin", "ClientRequestToken": "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE", "SecretBinary": "Zm9vdGVzdA=="}"#,
        ) else {
            panic!()
        };
        assert_eq!(
            input.secret_binary.as_ref().map(Blob::as_bytes),
            Some(&b"footest"[..])
        );
        assert_eq!(input.secret_string, None);
    }

    #[test]
    fn delete_resource_policy() {
        assert_eq!(
            parse(
                "DeleteResourcePolicy",
                r#"{"SecretId": "MyTestSecret", "PolicyName": "default"}"#
            ),
            Operation::DeleteResourcePolicy(DeleteResourcePolicyInput {
                secret_id: NAME.into(),
                policy_name: Some("default".into()),
            })
        );
    }

    #[test]
    fn delete_secret() {
        assert_eq!(
            parse(
                "DeleteSecret",
                r#"{"SecretId": "MyTestSecret", "RecoveryWindowInDays": 7}"#
            ),
            Operation::DeleteSecret(DeleteSecretInput {
                secret_id: NAME.into(),
                recovery_window_in_days: Some(7),
                force_delete_without_recovery: None,
            })
        );
        assert_eq!(
            parse(
                "DeleteSecret",
                r#"{"SecretId": "MyTestSecret", "ForceDeleteWithoutRecovery": true}"#
            ),
            Operation::DeleteSecret(DeleteSecretInput {
                secret_id: NAME.into(),
                recovery_window_in_days: None,
                force_delete_without_recovery: Some(true),
            })
        );
        // The 7..30 range is the service's to check: the model only says `long`.
        assert!(
            parse_value(
                "DeleteSecret",
                &json!({"SecretId": "s", "RecoveryWindowInDays": 0})
            )
            .is_ok()
        );
        assert!(
            parse_value(
                "DeleteSecret",
                &json!({"SecretId": "s", "RecoveryWindowInDays": 365})
            )
            .is_ok()
        );
    }

    #[test]
    fn describe_secret() {
        assert_eq!(
            parse("DescribeSecret", &format!(r#"{{"SecretId": "{ARN}"}}"#)),
            Operation::DescribeSecret(DescribeSecretInput {
                secret_id: ARN.into()
            })
        );
    }

    #[test]
    fn disassociate_cross_account_replica() {
        assert_eq!(
            parse(
                "DisassociateCrossAccountReplica",
                &format!(r#"{{"SecretId": "MyTestSecret", "CrossAccountReplicaARN": "{REPLICA_ARN}"}}"#)
            ),
            Operation::DisassociateCrossAccountReplica(DisassociateCrossAccountReplicaInput {
                secret_id: NAME.into(),
                cross_account_replica_arn: REPLICA_ARN.into(),
            })
        );
    }

    #[test]
    fn get_random_password() {
        assert_eq!(
            parse(
                "GetRandomPassword",
                r#"{"PasswordLength": 20, "ExcludeCharacters": ":/@\"'\\", "ExcludeNumbers": false, "ExcludePunctuation": true, "ExcludeUppercase": false, "ExcludeLowercase": false, "IncludeSpace": true, "RequireEachIncludedType": true}"#
            ),
            Operation::GetRandomPassword(GetRandomPasswordInput {
                password_length: Some(20),
                exclude_characters: Some(":/@\"'\\".into()),
                exclude_numbers: Some(false),
                exclude_punctuation: Some(true),
                exclude_uppercase: Some(false),
                exclude_lowercase: Some(false),
                include_space: Some(true),
                require_each_included_type: Some(true),
            })
        );
    }

    #[test]
    fn get_resource_policy() {
        assert_eq!(
            parse("GetResourcePolicy", r#"{"SecretId": "MyTestSecret"}"#),
            Operation::GetResourcePolicy(GetResourcePolicyInput {
                secret_id: NAME.into(),
                policy_name: None,
            })
        );
        assert_eq!(
            parse(
                "GetResourcePolicy",
                r#"{"SecretId": "MyTestSecret", "PolicyName": "cross_account-1"}"#
            ),
            Operation::GetResourcePolicy(GetResourcePolicyInput {
                secret_id: NAME.into(),
                policy_name: Some("cross_account-1".into()),
            })
        );
    }

    #[test]
    fn get_secret_value() {
        assert_eq!(
            parse(
                "GetSecretValue",
                &format!(
                    r#"{{"SecretId": "MyTestSecret", "VersionId": "{V1}", "VersionStage": "AWSPREVIOUS"}}"#
                )
            ),
            Operation::GetSecretValue(GetSecretValueInput {
                secret_id: NAME.into(),
                version_id: Some(V1.into()),
                version_stage: Some("AWSPREVIOUS".into()),
            })
        );
    }

    #[test]
    fn list_resource_policies() {
        assert_eq!(
            parse(
                "ListResourcePolicies",
                r#"{"SecretId": "MyTestSecret", "MaxResults": 100, "NextToken": "t"}"#
            ),
            Operation::ListResourcePolicies(ListResourcePoliciesInput {
                secret_id: NAME.into(),
                max_results: Some(100),
                next_token: Some("t".into()),
            })
        );
    }

    #[test]
    fn list_secret_version_ids() {
        assert_eq!(
            parse(
                "ListSecretVersionIds",
                r#"{"SecretId": "MyTestSecret", "MaxResults": 1, "NextToken": "abc", "IncludeDeprecated": true}"#
            ),
            Operation::ListSecretVersionIds(ListSecretVersionIdsInput {
                secret_id: NAME.into(),
                max_results: Some(1),
                next_token: Some("abc".into()),
                include_deprecated: Some(true),
            })
        );
    }

    #[test]
    fn list_secrets() {
        let op = parse(
            "ListSecrets",
            r#"{"IncludePlannedDeletion": true, "MaxResults": 100, "NextToken": "n", "Filters": [{"Key": "description", "Values": ["a secret", "!test"]}, {"Key": "all", "Values": ["prod"]}], "SortOrder": "desc", "SortBy": "last-changed-date"}"#,
        );
        let Operation::ListSecrets(input) = op else {
            panic!("{op:?}")
        };
        assert_eq!(
            input,
            ListSecretsInput {
                include_planned_deletion: Some(true),
                max_results: Some(100),
                next_token: Some("n".into()),
                filters: Some(vec![
                    Filter {
                        key: Some("description".into()),
                        values: Some(strings(&["a secret", "!test"])),
                    },
                    Filter {
                        key: Some("all".into()),
                        values: Some(strings(&["prod"])),
                    },
                ]),
                sort_order: Some("desc".into()),
                sort_by: Some("last-changed-date".into()),
            }
        );
        assert_eq!(input.sort_order(), Some(SortOrderType::Desc));
        assert_eq!(input.sort_by(), Some(SortByType::LastChangedDate));
        assert_eq!(
            input.filters.as_deref().unwrap()[0].filter_key(),
            Some(FilterNameStringType::Description)
        );
        // The CLI's paginator sends `{}` or just a page size.
        assert_eq!(
            parse("ListSecrets", "{}"),
            Operation::ListSecrets(ListSecretsInput::default())
        );
    }

    #[test]
    fn put_resource_policy() {
        let body = json!({"SecretId": "MyTestSecret", "ResourcePolicy": POLICY, "PolicyName": "default", "BlockPublicPolicy": true});
        assert_eq!(
            parse_value("PutResourcePolicy", &body).unwrap(),
            Operation::PutResourcePolicy(PutResourcePolicyInput {
                secret_id: NAME.into(),
                resource_policy: POLICY.into(),
                policy_name: Some("default".into()),
                block_public_policy: Some(true),
            })
        );
    }

    #[test]
    fn put_secret_value() {
        let body = json!({
            "SecretId": "MyTestSecret",
            "ClientRequestToken": V2,
            "SecretBinary": "AAEC/f7/",
            "VersionStages": ["AWSPENDING", "Custom"],
            "RotationToken": TOKEN,
        });
        let Operation::PutSecretValue(input) = parse_value("PutSecretValue", &body).unwrap() else {
            panic!()
        };
        assert!(
            input
                == PutSecretValueInput {
                    secret_id: NAME.into(),
                    client_request_token: Some(V2.into()),
                    secret_binary: Some(Blob::new(vec![0, 1, 2, 0xfd, 0xfe, 0xff])),
                    secret_string: None,
                    version_stages: Some(strings(&["AWSPENDING", "Custom"])),
                    rotation_token: Some(TOKEN.into()),
                }
        );
        let body = json!({"SecretId": "MyTestSecret", "ClientRequestToken": V3, "SecretString": SECRET_TEXT});
        let Operation::PutSecretValue(input) = parse_value("PutSecretValue", &body).unwrap() else {
            panic!()
        };
        assert_eq!(input.secret_string.as_deref(), Some(SECRET_TEXT));
        assert_eq!(input.version_stages, None);
    }

    #[test]
    fn remove_regions_from_replication() {
        assert_eq!(
            parse(
                "RemoveRegionsFromReplication",
                r#"{"SecretId": "MyTestSecret", "RemoveReplicaRegions": ["eu-west-3", "ap-southeast-2"]}"#
            ),
            Operation::RemoveRegionsFromReplication(RemoveRegionsFromReplicationInput {
                secret_id: NAME.into(),
                remove_replica_regions: strings(&["eu-west-3", "ap-southeast-2"]),
            })
        );
    }

    #[test]
    fn replicate_secret_to_regions() {
        assert_eq!(
            parse(
                "ReplicateSecretToRegions",
                r#"{"SecretId": "MyTestSecret", "AddReplicaRegions": [{"Region": "eu-west-3", "KmsKeyId": "alias/k"}], "ForceOverwriteReplicaSecret": true}"#
            ),
            Operation::ReplicateSecretToRegions(ReplicateSecretToRegionsInput {
                secret_id: NAME.into(),
                add_replica_regions: vec![ReplicaRegionType {
                    region: Some("eu-west-3".into()),
                    kms_key_id: Some("alias/k".into()),
                }],
                force_overwrite_replica_secret: Some(true),
            })
        );
    }

    #[test]
    fn restore_secret() {
        assert_eq!(
            parse("RestoreSecret", r#"{"SecretId": "MyTestSecret"}"#),
            Operation::RestoreSecret(RestoreSecretInput {
                secret_id: NAME.into()
            })
        );
    }

    #[test]
    fn rotate_secret() {
        let body = json!({
            "SecretId": "MyTestSecret",
            "ClientRequestToken": V3,
            "RotationLambdaARN": LAMBDA_ARN,
            "RotationRules": {"ScheduleExpression": "cron(0 16 1,15 * ? *)", "Duration": "2h", "AutomaticallyAfterDays": 15},
            "ExternalSecretRotationMetadata": [{"Key": "k", "Value": "v"}],
            "ExternalSecretRotationRoleArn": ROLE,
            "RotateImmediately": false,
        });
        assert_eq!(
            parse_value("RotateSecret", &body).unwrap(),
            Operation::RotateSecret(RotateSecretInput {
                secret_id: NAME.into(),
                client_request_token: Some(V3.into()),
                rotation_lambda_arn: Some(LAMBDA_ARN.into()),
                rotation_rules: Some(RotationRulesType {
                    automatically_after_days: Some(15),
                    duration: Some("2h".into()),
                    schedule_expression: Some("cron(0 16 1,15 * ? *)".into()),
                }),
                external_secret_rotation_metadata: Some(vec![ExternalSecretRotationMetadataItem {
                    key: Some("k".into()),
                    value: Some("v".into()),
                }]),
                external_secret_rotation_role_arn: Some(ROLE.into()),
                rotate_immediately: Some(false),
            })
        );
        // `aws secretsmanager rotate-secret --secret-id s` sends only the id and a token.
        let op = parse_value(
            "RotateSecret",
            &json!({"SecretId": "s", "ClientRequestToken": V1}),
        )
        .unwrap();
        assert_eq!(op.name(), "RotateSecret");
    }

    #[test]
    fn stop_replication_to_replica() {
        assert_eq!(
            parse("StopReplicationToReplica", r#"{"SecretId": "MyTestSecret"}"#),
            Operation::StopReplicationToReplica(StopReplicationToReplicaInput {
                secret_id: NAME.into()
            })
        );
    }

    #[test]
    fn tag_resource() {
        assert_eq!(
            parse(
                "TagResource",
                r#"{"SecretId": "MyTestSecret", "Tags": [{"Key": "FirstTag", "Value": "FirstValue"}, {"Key": "Only"}]}"#
            ),
            Operation::TagResource(TagResourceInput {
                secret_id: NAME.into(),
                tags: vec![
                    Tag::new("FirstTag", "FirstValue"),
                    Tag {
                        key: Some("Only".into()),
                        value: None
                    }
                ],
            })
        );
        // An empty list satisfies the model (TagListType has no length constraint).
        assert!(parse_value("TagResource", &json!({"SecretId": "s", "Tags": []})).is_ok());
    }

    #[test]
    fn untag_resource() {
        assert_eq!(
            parse(
                "UntagResource",
                r#"{"SecretId": "MyTestSecret", "TagKeys": ["FirstTag", "SecondTag"]}"#
            ),
            Operation::UntagResource(UntagResourceInput {
                secret_id: NAME.into(),
                tag_keys: strings(&["FirstTag", "SecondTag"]),
            })
        );
    }

    #[test]
    fn update_secret() {
        let body = json!({
            "SecretId": "MyTestSecret",
            "ClientRequestToken": V3,
            "Description": "",
            "KmsKeyId": "",
            "SecretString": "new value",
            "Type": "SalesforceClientSecret",
        });
        let Operation::UpdateSecret(input) = parse_value("UpdateSecret", &body).unwrap() else {
            panic!()
        };
        assert!(
            input
                == UpdateSecretInput {
                    secret_id: NAME.into(),
                    client_request_token: Some(V3.into()),
                    description: Some(String::new()),
                    kms_key_id: Some(String::new()),
                    secret_binary: None,
                    secret_string: Some("new value".into()),
                    secret_type: Some("SalesforceClientSecret".into()),
                }
        );
        let body = json!({"SecretId": "MyTestSecret", "ClientRequestToken": V3, "SecretBinary": "/w=="});
        let Operation::UpdateSecret(input) = parse_value("UpdateSecret", &body).unwrap() else {
            panic!()
        };
        assert_eq!(input.secret_binary.map(Blob::into_bytes), Some(vec![0xff]));
    }

    #[test]
    fn update_secret_version_stage() {
        assert_eq!(
            parse(
                "UpdateSecretVersionStage",
                &format!(
                    r#"{{"SecretId": "MyTestSecret", "VersionStage": "AWSCURRENT", "RemoveFromVersionId": "{V1}", "MoveToVersionId": "{V2}"}}"#
                )
            ),
            Operation::UpdateSecretVersionStage(UpdateSecretVersionStageInput {
                secret_id: NAME.into(),
                version_stage: "AWSCURRENT".into(),
                remove_from_version_id: Some(V1.into()),
                move_to_version_id: Some(V2.into()),
            })
        );
    }

    #[test]
    fn validate_resource_policy() {
        let body = json!({"ResourcePolicy": POLICY});
        assert_eq!(
            parse_value("ValidateResourcePolicy", &body).unwrap(),
            Operation::ValidateResourcePolicy(ValidateResourcePolicyInput {
                secret_id: None,
                resource_policy: POLICY.into(),
            })
        );
        let body = json!({"SecretId": "MyTestSecret", "ResourcePolicy": POLICY});
        let Operation::ValidateResourcePolicy(input) = parse_value("ValidateResourcePolicy", &body).unwrap()
        else {
            panic!()
        };
        assert_eq!(input.secret_id.as_deref(), Some(NAME));
    }

    #[test]
    fn unknown_members_and_nulls_are_ignored() {
        let op = parse(
            "GetSecretValue",
            r#"{"SecretId": "s", "VersionId": null, "VersionStage": null, "FutureMember": {"x": [1]}}"#,
        );
        assert_eq!(
            op,
            Operation::GetSecretValue(GetSecretValueInput {
                secret_id: "s".into(),
                ..Default::default()
            })
        );
        let op = parse(
            "ListSecrets",
            r#"{"Filters": [{"Key": "name", "Values": ["a"], "Extra": true}], "MaxResults": null}"#,
        );
        assert_eq!(op.name(), "ListSecrets");
    }

    // --- required members ---------------------------------------------------------------------------------

    #[test]
    fn missing_required_members_are_named() {
        let cases = [
            ("AssociateCrossAccountReplica", json!({}), "secretId"),
            (
                "AssociateCrossAccountReplica",
                json!({"SecretId": "s"}),
                "crossAccountReplicaARN",
            ),
            ("CancelRotateSecret", json!({}), "secretId"),
            ("CreateSecret", json!({"SecretString": "x"}), "name"),
            ("DeleteResourcePolicy", json!({}), "secretId"),
            ("DeleteSecret", json!({"RecoveryWindowInDays": 7}), "secretId"),
            (
                "DescribeSecret",
                json!({"secretId": "lower-case is another member"}),
                "secretId",
            ),
            (
                "DisassociateCrossAccountReplica",
                json!({"SecretId": "s"}),
                "crossAccountReplicaARN",
            ),
            ("GetResourcePolicy", json!({}), "secretId"),
            (
                "GetSecretValue",
                json!({"VersionStage": "AWSCURRENT"}),
                "secretId",
            ),
            ("ListResourcePolicies", json!({}), "secretId"),
            ("ListSecretVersionIds", json!({}), "secretId"),
            ("PutResourcePolicy", json!({"SecretId": "s"}), "resourcePolicy"),
            ("PutResourcePolicy", json!({"ResourcePolicy": "{}"}), "secretId"),
            ("PutSecretValue", json!({"SecretString": "x"}), "secretId"),
            (
                "RemoveRegionsFromReplication",
                json!({"SecretId": "s"}),
                "removeReplicaRegions",
            ),
            (
                "ReplicateSecretToRegions",
                json!({"SecretId": "s"}),
                "addReplicaRegions",
            ),
            ("RestoreSecret", json!({}), "secretId"),
            ("RotateSecret", json!({}), "secretId"),
            ("StopReplicationToReplica", json!({}), "secretId"),
            ("TagResource", json!({"SecretId": "s"}), "tags"),
            ("TagResource", json!({"Tags": []}), "secretId"),
            ("UntagResource", json!({"SecretId": "s"}), "tagKeys"),
            ("UpdateSecret", json!({"Description": "d"}), "secretId"),
            (
                "UpdateSecretVersionStage",
                json!({"SecretId": "s"}),
                "versionStage",
            ),
            (
                "ValidateResourcePolicy",
                json!({"SecretId": "s"}),
                "resourcePolicy",
            ),
        ];
        for (operation, body, member) in cases {
            assert_eq!(
                invalid(operation, &body),
                one(&format!(
                    "Value null at '{member}' failed to satisfy constraint: Member must not be null"
                )),
                "{operation} {body}"
            );
        }
        // An empty body is `{}`.
        let e = Operation::parse("DescribeSecret", b"").unwrap_err();
        assert!(e.message.contains("Value null at 'secretId'"), "{e}");
    }

    #[test]
    fn wrong_types_are_serialization_exceptions() {
        let e = parse_value("ListSecrets", &json!({"MaxResults": "ten"})).unwrap_err();
        assert_eq!(e.code, "SerializationException");
        let e = parse_value("CreateSecret", &json!({"Name": "n", "SecretString": 12345})).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            (
                "SerializationException",
                "Invalid value for member 'SecretString': expected a string"
            )
        );
        let e = parse_value("ListSecrets", &json!({"MaxResults": 3_000_000_000_i64})).unwrap_err();
        assert_eq!(e.code, "SerializationException");
        let e = parse_value("TagResource", &json!({"SecretId": "s", "Tags": [{"Key": 1}]})).unwrap_err();
        assert_eq!(
            e.message,
            "Invalid value for member 'Tags[0].Key': expected a string"
        );
    }

    // --- constraint families ------------------------------------------------------------------------------

    #[test]
    fn string_lengths() {
        let long_name = "n".repeat(513);
        assert_eq!(
            invalid("CreateSecret", &json!({"Name": long_name})),
            one(&format!(
                "Value '{long_name}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 512"
            ))
        );
        // Lengths count characters, not bytes.
        assert!(parse_value("CreateSecret", &json!({"Name": "é".repeat(512)})).is_ok());
        assert_eq!(
            invalid("CreateSecret", &json!({"Name": ""})),
            one(
                "Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1"
            )
        );
        assert_eq!(
            invalid("DescribeSecret", &json!({"SecretId": ""})),
            one(
                "Value '' at 'secretId' failed to satisfy constraint: Member must have length greater than or equal to 1"
            )
        );
        let long_id = "i".repeat(2049);
        assert_eq!(
            invalid("GetSecretValue", &json!({"SecretId": long_id})),
            one(&format!(
                "Value '{long_id}' at 'secretId' failed to satisfy constraint: Member must have length less than or equal to 2048"
            ))
        );
        assert!(parse_value("GetSecretValue", &json!({"SecretId": "i".repeat(2048)})).is_ok());
        assert_eq!(
            invalid(
                "PutSecretValue",
                &json!({"SecretId": "s", "ClientRequestToken": "short"})
            ),
            one(
                "Value 'short' at 'clientRequestToken' failed to satisfy constraint: Member must have length greater than or equal to 32"
            )
        );
        let long_token = "t".repeat(65);
        assert_eq!(
            invalid(
                "RotateSecret",
                &json!({"SecretId": "s", "ClientRequestToken": long_token})
            ),
            one(&format!(
                "Value '{long_token}' at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 64"
            ))
        );
        let long = "d".repeat(2049);
        assert_eq!(
            invalid("UpdateSecret", &json!({"SecretId": "s", "Description": long})),
            one(&format!(
                "Value '{long}' at 'description' failed to satisfy constraint: Member must have length less than or equal to 2048"
            ))
        );
        assert_eq!(
            invalid("CreateSecret", &json!({"Name": "n", "KmsKeyId": long})),
            one(&format!(
                "Value '{long}' at 'kmsKeyId' failed to satisfy constraint: Member must have length less than or equal to 2048"
            ))
        );
        assert_eq!(
            invalid(
                "RotateSecret",
                &json!({"SecretId": "s", "RotationLambdaARN": long})
            ),
            one(&format!(
                "Value '{long}' at 'rotationLambdaARN' failed to satisfy constraint: Member must have length less than or equal to 2048"
            ))
        );
        let long_type = "t".repeat(257);
        assert_eq!(
            invalid("CreateSecret", &json!({"Name": "n", "Type": long_type})),
            one(&format!(
                "Value '{long_type}' at 'type' failed to satisfy constraint: Member must have length less than or equal to 256"
            ))
        );
        assert_eq!(
            invalid("GetSecretValue", &json!({"SecretId": "s", "VersionId": "v1"})),
            one(
                "Value 'v1' at 'versionId' failed to satisfy constraint: Member must have length greater than or equal to 32"
            )
        );
        assert_eq!(
            invalid(
                "UpdateSecretVersionStage",
                &json!({"SecretId": "s", "VersionStage": "", "MoveToVersionId": "m"})
            ),
            "2 validation errors detected: Value '' at 'versionStage' failed to satisfy constraint: Member must have length greater than or equal to 1; \
             Value 'm' at 'moveToVersionId' failed to satisfy constraint: Member must have length greater than or equal to 32"
        );
        let long_stage = "S".repeat(257);
        assert_eq!(
            invalid(
                "GetSecretValue",
                &json!({"SecretId": "s", "VersionStage": long_stage})
            ),
            one(&format!(
                "Value '{long_stage}' at 'versionStage' failed to satisfy constraint: Member must have length less than or equal to 256"
            ))
        );
        assert_eq!(
            invalid("ListSecrets", &json!({"NextToken": ""})),
            one(
                "Value '' at 'nextToken' failed to satisfy constraint: Member must have length greater than or equal to 1"
            )
        );
        let long_next = "n".repeat(4097);
        assert_eq!(
            invalid(
                "ListSecretVersionIds",
                &json!({"SecretId": "s", "NextToken": long_next})
            ),
            one(&format!(
                "Value '{long_next}' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 4096"
            ))
        );
        let long_chars = "x".repeat(4097);
        assert_eq!(
            invalid("GetRandomPassword", &json!({"ExcludeCharacters": long_chars})),
            one(&format!(
                "Value '{long_chars}' at 'excludeCharacters' failed to satisfy constraint: Member must have length less than or equal to 4096"
            ))
        );
        assert!(parse_value("GetRandomPassword", &json!({"ExcludeCharacters": ""})).is_ok());
        assert_eq!(
            invalid(
                "AssociateCrossAccountReplica",
                &json!({"SecretId": "s", "CrossAccountReplicaARN": "arn:short", "ReplicationRoleARN": "r"})
            ),
            "2 validation errors detected: Value 'arn:short' at 'crossAccountReplicaARN' failed to satisfy constraint: Member must have length greater than or equal to 20; \
             Value 'r' at 'replicationRoleARN' failed to satisfy constraint: Member must have length greater than or equal to 20"
        );
        assert_eq!(
            invalid(
                "CreateSecret",
                &json!({"Name": "n", "CrossAccountPrimaryARN": "arn"})
            ),
            one(
                "Value 'arn' at 'crossAccountPrimaryARN' failed to satisfy constraint: Member must have length greater than or equal to 20"
            )
        );
        assert_eq!(
            invalid(
                "RotateSecret",
                &json!({"SecretId": "s", "ExternalSecretRotationRoleArn": "arn"})
            ),
            one(
                "Value 'arn' at 'externalSecretRotationRoleArn' failed to satisfy constraint: Member must have length greater than or equal to 20"
            )
        );
    }

    #[test]
    fn resource_policy_lengths() {
        assert_eq!(
            invalid(
                "PutResourcePolicy",
                &json!({"SecretId": "s", "ResourcePolicy": ""})
            ),
            one(
                "Value '' at 'resourcePolicy' failed to satisfy constraint: Member must have length greater than or equal to 1"
            )
        );
        let long = "p".repeat(20_481);
        assert_eq!(
            invalid("ValidateResourcePolicy", &json!({"ResourcePolicy": long})),
            one(&format!(
                "Value '{long}' at 'resourcePolicy' failed to satisfy constraint: Member must have length less than or equal to 20480"
            ))
        );
        assert!(
            parse_value(
                "ValidateResourcePolicy",
                &json!({"ResourcePolicy": "p".repeat(20_480)})
            )
            .is_ok()
        );
        assert_eq!(
            invalid(
                "ValidateResourcePolicy",
                &json!({"SecretId": "", "ResourcePolicy": "{}"})
            ),
            one(
                "Value '' at 'secretId' failed to satisfy constraint: Member must have length greater than or equal to 1"
            )
        );
    }

    #[test]
    fn secret_values_are_never_echoed() {
        assert_eq!(
            invalid("CreateSecret", &json!({"Name": "n", "SecretString": ""})),
            one(
                "Value at 'secretString' failed to satisfy constraint: Member must have length greater than or equal to 1"
            )
        );
        let huge = format!("hunter2{}", "x".repeat(65_530));
        let message = invalid("PutSecretValue", &json!({"SecretId": "s", "SecretString": huge}));
        assert_eq!(
            message,
            one(
                "Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536"
            )
        );
        assert!(
            parse_value(
                "PutSecretValue",
                &json!({"SecretId": "s", "SecretString": "é".repeat(65_536)})
            )
            .is_ok()
        );
        assert_eq!(
            invalid("UpdateSecret", &json!({"SecretId": "s", "SecretBinary": ""})),
            one(
                "Value at 'secretBinary' failed to satisfy constraint: Member must have length greater than or equal to 1"
            )
        );
        let too_big = Blob::new(vec![7; 65_537]).to_base64();
        assert_eq!(
            invalid("CreateSecret", &json!({"Name": "n", "SecretBinary": too_big})),
            one(
                "Value at 'secretBinary' failed to satisfy constraint: Member must have length less than or equal to 65536"
            )
        );
        let just_fits = Blob::new(vec![7; 65_536]).to_base64();
        assert!(parse_value("CreateSecret", &json!({"Name": "n", "SecretBinary": just_fits})).is_ok());
        // RotationToken is sensitive in the model too.
        assert_eq!(
            invalid(
                "PutSecretValue",
                &json!({"SecretId": "s", "RotationToken": "hunter2"})
            ),
            one(
                "Value at 'rotationToken' failed to satisfy constraint: Member must have length greater than or equal to 36"
            )
        );
        let bad_token = format!("{TOKEN}!hunter2");
        assert_eq!(
            invalid(
                "PutSecretValue",
                &json!({"SecretId": "s", "RotationToken": bad_token})
            ),
            one(
                r"Value at 'rotationToken' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9\-]+$"
            )
        );
        let long_token = "t".repeat(257);
        assert_eq!(
            invalid(
                "PutSecretValue",
                &json!({"SecretId": "s", "RotationToken": long_token})
            ),
            one(
                "Value at 'rotationToken' failed to satisfy constraint: Member must have length less than or equal to 256"
            )
        );
    }

    #[test]
    fn number_ranges() {
        for (operation, body, shown, constraint) in [
            (
                "ListSecrets",
                json!({"MaxResults": 0}),
                "0",
                "greater than or equal to 1",
            ),
            (
                "ListSecrets",
                json!({"MaxResults": 101}),
                "101",
                "less than or equal to 100",
            ),
            (
                "ListSecrets",
                json!({"MaxResults": -5}),
                "-5",
                "greater than or equal to 1",
            ),
            (
                "ListSecretVersionIds",
                json!({"SecretId": "s", "MaxResults": 101}),
                "101",
                "less than or equal to 100",
            ),
            (
                "ListResourcePolicies",
                json!({"SecretId": "s", "MaxResults": 0}),
                "0",
                "greater than or equal to 1",
            ),
            (
                "BatchGetSecretValue",
                json!({"MaxResults": 21}),
                "21",
                "less than or equal to 20",
            ),
            (
                "BatchGetSecretValue",
                json!({"MaxResults": 0}),
                "0",
                "greater than or equal to 1",
            ),
            (
                "GetRandomPassword",
                json!({"PasswordLength": 0}),
                "0",
                "greater than or equal to 1",
            ),
            (
                "GetRandomPassword",
                json!({"PasswordLength": 4097}),
                "4097",
                "less than or equal to 4096",
            ),
        ] {
            let member = if operation == "GetRandomPassword" {
                "passwordLength"
            } else {
                "maxResults"
            };
            assert_eq!(
                invalid(operation, &body),
                one(&format!(
                    "Value '{shown}' at '{member}' failed to satisfy constraint: Member must have value {constraint}"
                )),
                "{operation} {body}"
            );
        }
        assert!(parse_value("ListSecrets", &json!({"MaxResults": 100})).is_ok());
        assert!(parse_value("BatchGetSecretValue", &json!({"MaxResults": 20})).is_ok());
        assert!(parse_value("GetRandomPassword", &json!({"PasswordLength": 4096})).is_ok());
        // PasswordLength is a long: a value past i32 is a range violation, not a type error.
        assert_eq!(
            invalid("GetRandomPassword", &json!({"PasswordLength": 5_000_000_000_i64})),
            one(
                "Value '5000000000' at 'passwordLength' failed to satisfy constraint: Member must have value less than or equal to 4096"
            )
        );
    }

    #[test]
    fn version_stage_lists() {
        assert_eq!(
            invalid("PutSecretValue", &json!({"SecretId": "s", "VersionStages": []})),
            one(
                "Value '[]' at 'versionStages' failed to satisfy constraint: Member must have length greater than or equal to 1"
            )
        );
        let stages: Vec<String> = (0..21).map(|i| format!("S{i}")).collect();
        assert_eq!(
            invalid(
                "PutSecretValue",
                &json!({"SecretId": "s", "VersionStages": stages})
            ),
            one(&format!(
                "Value '[{}]' at 'versionStages' failed to satisfy constraint: Member must have length less than or equal to 20",
                stages.join(", ")
            ))
        );
        assert_eq!(
            invalid(
                "PutSecretValue",
                &json!({"SecretId": "s", "VersionStages": ["AWSCURRENT", ""]})
            ),
            one(
                "Value '' at 'versionStages.2.member' failed to satisfy constraint: Member must have length greater than or equal to 1"
            )
        );
    }

    #[test]
    fn secret_id_lists() {
        assert_eq!(
            invalid("BatchGetSecretValue", &json!({"SecretIdList": []})),
            one(
                "Value '[]' at 'secretIdList' failed to satisfy constraint: Member must have length greater than or equal to 1"
            )
        );
        let ids: Vec<String> = (1..=21).map(|i| format!("s{i}")).collect();
        assert_eq!(
            invalid("BatchGetSecretValue", &json!({"SecretIdList": ids})),
            one(&format!(
                "Value '[{}]' at 'secretIdList' failed to satisfy constraint: Member must have length less than or equal to 20",
                ids.join(", ")
            ))
        );
        assert_eq!(
            invalid("BatchGetSecretValue", &json!({"SecretIdList": ["ok", ""]})),
            one(
                "Value '' at 'secretIdList.2.member' failed to satisfy constraint: Member must have length greater than or equal to 1"
            )
        );
    }

    #[test]
    fn filters() {
        let eleven: Vec<Value> = (0..11).map(|_| json!({"Key": "name", "Values": ["a"]})).collect();
        assert_eq!(
            invalid("ListSecrets", &json!({"Filters": eleven})),
            one(
                "Value at 'filters' failed to satisfy constraint: Member must have length less than or equal to 10"
            )
        );
        assert!(parse_value("ListSecrets", &json!({"Filters": []})).is_ok());
        assert_eq!(
            invalid(
                "ListSecrets",
                &json!({"Filters": [{"Key": "name", "Values": ["a"]}, {"Key": "invalid", "Values": ["a"]}]})
            ),
            one(
                "Value 'invalid' at 'filters.2.member.key' failed to satisfy constraint: Member must satisfy enum value set: \
                 [description, name, tag-key, tag-value, primary-region, owning-service, all]"
            )
        );
        assert_eq!(
            invalid(
                "BatchGetSecretValue",
                &json!({"Filters": [{"Key": "name", "Values": []}]})
            ),
            one(
                "Value '[]' at 'filters.1.member.values' failed to satisfy constraint: Member must have length greater than or equal to 1"
            )
        );
        let values: Vec<String> = (0..11).map(|i| format!("v{i}")).collect();
        assert_eq!(
            invalid(
                "ListSecrets",
                &json!({"Filters": [{"Key": "name", "Values": values}]})
            ),
            one(&format!(
                "Value '[{}]' at 'filters.1.member.values' failed to satisfy constraint: Member must have length less than or equal to 10",
                values.join(", ")
            ))
        );
        let long = "v".repeat(513);
        assert_eq!(
            invalid(
                "ListSecrets",
                &json!({"Filters": [{"Key": "name", "Values": ["ok", long]}]})
            ),
            one(&format!(
                "Value '{long}' at 'filters.1.member.values.2.member' failed to satisfy constraint: Member must have length less than or equal to 512"
            ))
        );
        assert_eq!(
            invalid(
                "ListSecrets",
                &json!({"Filters": [{"Key": "description", "Values": ["a*b"]}]})
            ),
            one(
                r"Value 'a*b' at 'filters.1.member.values.1.member' failed to satisfy constraint: Member must satisfy regular expression pattern: ^\!?[a-zA-Z0-9 :_@\/\+\=\.\-\!]*$"
            )
        );
        // Every character the pattern allows, a leading `!`, and the empty string pass.
        for ok in ["", "!", "!prod/db", "a b:c_d@e/f+g=h.i-j!k", "ABCxyz0189"] {
            assert!(
                parse_value(
                    "ListSecrets",
                    &json!({"Filters": [{"Key": "all", "Values": [ok]}]})
                )
                .is_ok(),
                "{ok}"
            );
        }
        for bad in ["a*", "é", "a,b", "tab\t", "(x)", "#"] {
            assert!(
                parse_value(
                    "ListSecrets",
                    &json!({"Filters": [{"Key": "all", "Values": [bad]}]})
                )
                .is_err(),
                "{bad}"
            );
        }
        // Key and Values are optional in the model; the service decides what a filter without them means.
        assert!(parse_value("ListSecrets", &json!({"Filters": [{}]})).is_ok());
    }

    #[test]
    fn sort_enums() {
        assert_eq!(
            invalid("ListSecrets", &json!({"SortOrder": "ascending"})),
            one(
                "Value 'ascending' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: [asc, desc]"
            )
        );
        assert_eq!(
            invalid("ListSecrets", &json!({"SortBy": "Name"})),
            one(
                "Value 'Name' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: \
                 [created-date, last-accessed-date, last-changed-date, name]"
            )
        );
        assert_eq!(
            invalid(
                "AssociateCrossAccountReplica",
                &json!({"SecretId": "s", "CrossAccountReplicaARN": REPLICA_ARN, "ReplicaRestriction": "sameorg"})
            ),
            one(
                "Value 'sameorg' at 'replicaRestriction' failed to satisfy constraint: Member must satisfy enum value set: [SameOrg, NoRestriction]"
            )
        );
    }

    #[test]
    fn tags() {
        let long_key = "k".repeat(129);
        let long_value = "v".repeat(257);
        assert_eq!(
            invalid(
                "TagResource",
                &json!({"SecretId": "s", "Tags": [{"Key": "ok", "Value": "ok"}, {"Key": "", "Value": long_value}]})
            ),
            format!(
                "2 validation errors detected: Value '' at 'tags.2.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1; \
                 Value '{long_value}' at 'tags.2.member.value' failed to satisfy constraint: Member must have length less than or equal to 256"
            )
        );
        assert_eq!(
            invalid(
                "CreateSecret",
                &json!({"Name": "n", "Tags": [{"Key": long_key, "Value": ""}]})
            ),
            one(&format!(
                "Value '{long_key}' at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128"
            ))
        );
        assert_eq!(
            invalid(
                "UntagResource",
                &json!({"SecretId": "s", "TagKeys": ["a", long_key]})
            ),
            one(&format!(
                "Value '{long_key}' at 'tagKeys.2.member' failed to satisfy constraint: Member must have length less than or equal to 128"
            ))
        );
        assert!(parse_value("UntagResource", &json!({"SecretId": "s", "TagKeys": []})).is_ok());
    }

    #[test]
    fn policy_names() {
        assert_eq!(
            invalid(
                "PutResourcePolicy",
                &json!({"SecretId": "s", "ResourcePolicy": "{}", "PolicyName": "my policy"})
            ),
            one(
                r"Value 'my policy' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9A-Za-z\-\_]+"
            )
        );
        assert_eq!(
            invalid("GetResourcePolicy", &json!({"SecretId": "s", "PolicyName": ""})),
            "2 validation errors detected: Value '' at 'policyName' failed to satisfy constraint: Member must have length greater than or equal to 1; \
             Value '' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9A-Za-z\\-\\_]+"
        );
        let long = "p".repeat(65);
        assert_eq!(
            invalid(
                "DeleteResourcePolicy",
                &json!({"SecretId": "s", "PolicyName": long})
            ),
            one(&format!(
                "Value '{long}' at 'policyName' failed to satisfy constraint: Member must have length less than or equal to 64"
            ))
        );
        assert!(
            parse_value(
                "DeleteResourcePolicy",
                &json!({"SecretId": "s", "PolicyName": "a-Z_09"})
            )
            .is_ok()
        );
    }

    #[test]
    fn rotation_rules() {
        let rules = |rules: Value| json!({"SecretId": "s", "RotationRules": rules});
        assert_eq!(
            invalid("RotateSecret", &rules(json!({"AutomaticallyAfterDays": 0}))),
            one(
                "Value '0' at 'rotationRules.automaticallyAfterDays' failed to satisfy constraint: Member must have value greater than or equal to 1"
            )
        );
        assert_eq!(
            invalid("RotateSecret", &rules(json!({"AutomaticallyAfterDays": 1001}))),
            one(
                "Value '1001' at 'rotationRules.automaticallyAfterDays' failed to satisfy constraint: Member must have value less than or equal to 1000"
            )
        );
        assert_eq!(
            invalid("RotateSecret", &rules(json!({"Duration": "2"}))),
            "2 validation errors detected: Value '2' at 'rotationRules.duration' failed to satisfy constraint: Member must have length greater than or equal to 2; \
             Value '2' at 'rotationRules.duration' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]+h"
        );
        assert_eq!(
            invalid("RotateSecret", &rules(json!({"Duration": "24"}))),
            one(
                "Value '24' at 'rotationRules.duration' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]+h"
            )
        );
        assert_eq!(
            invalid("RotateSecret", &rules(json!({"Duration": "100h"}))),
            one(
                "Value '100h' at 'rotationRules.duration' failed to satisfy constraint: Member must have length less than or equal to 3"
            )
        );
        assert_eq!(
            invalid(
                "RotateSecret",
                &rules(json!({"ScheduleExpression": "rate(1 day);"}))
            ),
            one(
                r"Value 'rate(1 day);' at 'rotationRules.scheduleExpression' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9A-Za-z\(\)#\?\*\-\/, ]+"
            )
        );
        let long = format!("rate({} days)", "1".repeat(250));
        assert_eq!(
            invalid("RotateSecret", &rules(json!({"ScheduleExpression": long}))),
            one(&format!(
                "Value '{long}' at 'rotationRules.scheduleExpression' failed to satisfy constraint: Member must have length less than or equal to 256"
            ))
        );
        for ok in [
            json!({"AutomaticallyAfterDays": 1, "Duration": "2h"}),
            json!({"AutomaticallyAfterDays": 1000, "Duration": "24h"}),
            json!({"ScheduleExpression": "rate(10 days)", "Duration": "3h"}),
            json!({"ScheduleExpression": "cron(0 8 ? * MON#1 *)"}),
            json!({"ScheduleExpression": "cron(0 16 1,15 * ? *)", "Duration": "2h"}),
            json!({"ScheduleExpression": "cron(0/30 * L * ? *)"}),
            json!({}),
        ] {
            assert!(parse_value("RotateSecret", &rules(ok.clone())).is_ok(), "{ok}");
        }
        assert_eq!(
            invalid(
                "RotateSecret",
                &json!({"SecretId": "s", "ExternalSecretRotationMetadata": [{"Key": "", "Value": ""}]})
            ),
            "2 validation errors detected: Value '' at 'externalSecretRotationMetadata.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1; \
             Value '' at 'externalSecretRotationMetadata.1.member.value' failed to satisfy constraint: Member must have length greater than or equal to 1"
        );
    }

    #[test]
    fn replica_regions() {
        assert_eq!(
            invalid(
                "ReplicateSecretToRegions",
                &json!({"SecretId": "s", "AddReplicaRegions": []})
            ),
            one(
                "Value '[]' at 'addReplicaRegions' failed to satisfy constraint: Member must have length greater than or equal to 1"
            )
        );
        assert_eq!(
            invalid("CreateSecret", &json!({"Name": "n", "AddReplicaRegions": []})),
            one(
                "Value '[]' at 'addReplicaRegions' failed to satisfy constraint: Member must have length greater than or equal to 1"
            )
        );
        assert_eq!(
            invalid(
                "CreateSecret",
                &json!({"Name": "n", "AddReplicaRegions": [{"Region": "eu-west-1"}, {"Region": "EU-WEST-1"}]})
            ),
            one(
                r"Value 'EU-WEST-1' at 'addReplicaRegions.2.member.region' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([a-z]+-)+\d+$"
            )
        );
        let long_key = "k".repeat(2049);
        assert_eq!(
            invalid(
                "ReplicateSecretToRegions",
                &json!({"SecretId": "s", "AddReplicaRegions": [{"Region": "eu-west-1", "KmsKeyId": long_key}]})
            ),
            one(&format!(
                "Value '{long_key}' at 'addReplicaRegions.1.member.kmsKeyId' failed to satisfy constraint: Member must have length less than or equal to 2048"
            ))
        );
        assert_eq!(
            invalid(
                "RemoveRegionsFromReplication",
                &json!({"SecretId": "s", "RemoveReplicaRegions": []})
            ),
            one(
                "Value '[]' at 'removeReplicaRegions' failed to satisfy constraint: Member must have length greater than or equal to 1"
            )
        );
        assert_eq!(
            invalid(
                "RemoveRegionsFromReplication",
                &json!({"SecretId": "s", "RemoveReplicaRegions": ["us_east_1"]})
            ),
            one(
                r"Value 'us_east_1' at 'removeReplicaRegions.1.member' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([a-z]+-)+\d+$"
            )
        );
        for ok in ["us-east-1", "us-gov-west-1", "ap-southeast-22", "a-0"] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in [
            "",
            "us",
            "us-east",
            "-1",
            "us--1",
            "us-east-1a",
            "us-east-",
            "us-East-1",
            "1-1",
            "us-east-١",
        ] {
            assert!(!is_region(bad), "{bad}");
        }
    }

    #[test]
    fn several_violations_are_reported_together() {
        let body = json!({
            "Name": "",
            "ClientRequestToken": "t",
            "SecretString": "",
            "Tags": [{"Key": ""}],
        });
        assert_eq!(
            invalid("CreateSecret", &body),
            "4 validation errors detected: \
             Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1; \
             Value 't' at 'clientRequestToken' failed to satisfy constraint: Member must have length greater than or equal to 32; \
             Value at 'secretString' failed to satisfy constraint: Member must have length greater than or equal to 1; \
             Value '' at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1"
        );
    }

    #[test]
    fn validate_is_callable_directly() {
        assert_eq!(
            DescribeSecretInput {
                secret_id: "s".into()
            }
            .validate(),
            Ok(())
        );
        let e = DescribeSecretInput::default().validate().unwrap_err();
        assert_eq!(e.code, "ValidationException");
        assert_eq!(ListSecretsInput::default().validate(), Ok(()));
    }

    // --- base64 -------------------------------------------------------------------------------------------

    #[test]
    fn base64_rfc4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
            ("footest", "Zm9vdGVzdA=="),
        ] {
            assert_eq!(base64_encode(plain.as_bytes()), encoded);
            assert_eq!(
                base64_decode(encoded).as_deref(),
                Some(plain.as_bytes()),
                "{encoded}"
            );
            // Padding is optional.
            let bare = encoded.trim_end_matches('=');
            assert_eq!(base64_decode(bare).as_deref(), Some(plain.as_bytes()), "{bare}");
        }
    }

    #[test]
    fn base64_round_trips_every_byte_and_length() {
        let bytes: Vec<u8> = (0..=255).collect();
        for len in 0..bytes.len() {
            let encoded = base64_encode(&bytes[..len]);
            assert_eq!(base64_decode(&encoded).as_deref(), Some(&bytes[..len]));
        }
        assert_eq!(base64_encode(&[0xfb, 0xff, 0xbf]), "+/+/");
    }

    #[test]
    fn base64_rejects_what_is_not_base64() {
        for bad in [
            "Z",
            "Zm9vY",
            "Zg=",
            "Zg===",
            "Z===",
            "====",
            "=",
            "Zm=v",
            "Zm9v\n",
            " Zm9v",
            "Zm9v YmFy",
            "Zm-_",
            "Zm9vé",
            "Zg==Zg==",
        ] {
            assert_eq!(base64_decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn secret_binary_decodes_on_the_wire() {
        let Operation::PutSecretValue(input) = parse(
            "PutSecretValue",
            r#"{"SecretId": "s", "SecretBinary": "AP8Qf4A="}"#,
        ) else {
            panic!()
        };
        assert_eq!(
            input.secret_binary.as_ref().map(Blob::as_bytes),
            Some(&[0x00, 0xff, 0x10, 0x7f, 0x80][..])
        );
        let e = Operation::parse(
            "PutSecretValue",
            br#"{"SecretId": "s", "SecretBinary": "hunter2!!"}"#,
        )
        .unwrap_err();
        assert_eq!(
            (e.status, e.code.as_str(), e.message.as_str()),
            (
                400,
                "SerializationException",
                "Invalid value for member 'SecretBinary': expected a base64-encoded string"
            )
        );
        let e = Operation::parse("CreateSecret", br#"{"Name": "n", "SecretBinary": [1, 2]}"#).unwrap_err();
        assert_eq!(
            e.message,
            "Invalid value for member 'SecretBinary': expected a base64-encoded string"
        );
        assert_eq!(
            Blob::from_base64("Zm9vdGVzdA==").map(Blob::into_bytes),
            Some(b"footest".to_vec())
        );
        assert_eq!(Blob::from(vec![1, 2, 3]).len(), 3);
        assert!(Blob::default().is_empty());
    }

    // --- redaction ----------------------------------------------------------------------------------------

    #[test]
    fn debug_never_shows_secret_values() {
        let secret = "hunter2-EXAMPLE";
        let bytes_b64 = "aHVudGVyMi1FWEFNUExF"; // base64 of the same
        assert_eq!(base64_encode(secret.as_bytes()), bytes_b64);
        let create = parse_value(
            "CreateSecret",
            &json!({"Name": "visible-name", "SecretString": secret, "Description": "d"}),
        )
        .unwrap();
        let create_binary =
            parse_value("CreateSecret", &json!({"Name": "n", "SecretBinary": bytes_b64})).unwrap();
        let put = parse_value(
            "PutSecretValue",
            &json!({"SecretId": "s", "SecretString": secret, "RotationToken": format!("{TOKEN}-{secret}")}),
        )
        .unwrap();
        let put_binary = parse_value(
            "PutSecretValue",
            &json!({"SecretId": "s", "SecretBinary": bytes_b64}),
        )
        .unwrap();
        let update = parse_value("UpdateSecret", &json!({"SecretId": "s", "SecretString": secret})).unwrap();
        let update_binary = parse_value(
            "UpdateSecret",
            &json!({"SecretId": "s", "SecretBinary": bytes_b64}),
        )
        .unwrap();
        let value = GetSecretValueOutput {
            secret_string: Some(secret.into()),
            ..string_value()
        };
        let binary_value = GetSecretValueOutput {
            secret_string: None,
            secret_binary: Some(Blob::new(secret.as_bytes().to_vec())),
            ..string_value()
        };
        let entry = SecretValueEntry {
            secret_string: Some(secret.into()),
            secret_binary: Some(Blob::new(secret.as_bytes().to_vec())),
            ..full_value_entry()
        };
        let batch = BatchGetSecretValueOutput {
            secret_values: vec![SecretValueEntry {
                secret_string: Some(secret.into()),
                ..full_value_entry()
            }],
            next_token: None,
            errors: Vec::new(),
        };
        let password = GetRandomPasswordOutput {
            random_password: secret.into(),
        };
        let blob = Blob::new(secret.as_bytes().to_vec());
        let shown = [
            format!("{create:?}"),
            format!("{create_binary:?}"),
            format!("{put:?}"),
            format!("{put_binary:?}"),
            format!("{update:?}"),
            format!("{update_binary:?}"),
            format!("{value:?}"),
            format!("{binary_value:?}"),
            format!("{entry:?}"),
            format!("{batch:?}"),
            format!("{password:?}"),
            format!("{blob:?}"),
            format!("{blob:#?}"),
            format!("{create:#?}"),
        ];
        for text in &shown {
            assert!(!text.contains("hunter2"), "{text}");
            assert!(!text.contains(bytes_b64), "{text}");
            assert!(!text.contains("104, 117"), "{text}"); // the bytes as a list
            assert!(text.contains("redacted"), "{text}");
        }
        assert!(shown[0].contains("visible-name"), "{}", shown[0]);
        assert!(shown[6].contains(ARN), "{}", shown[6]);
        assert_eq!(format!("{blob:?}"), "Blob(<redacted 15 bytes>)");
        assert!(
            format!(
                "{:?}",
                Operation::parse("CreateSecret", br#"{"Name":"n"}"#).unwrap()
            )
            .contains("secret_string: None")
        );
    }

    // --- output snapshots ---------------------------------------------------------------------------------

    /// Renders `output` and snapshots the whole response; returns the body as JSON for further checks.
    macro_rules! snapshot {
        ($output:expr) => {{
            let response = json::render(&$output);
            assert_eq!(response.status, 200);
            insta::assert_snapshot!(wire_text(&response));
            serde_json::from_slice::<Value>(&response.body).unwrap()
        }};
    }

    #[test]
    fn describe_secret_full() {
        let body = snapshot!(full_describe());
        assert_eq!(body["LastChangedDate"].to_string(), "1700000001.713");
        assert_eq!(body["LastAccessedDate"].to_string(), "1700006400");
        assert_eq!(body["CreatedDate"].to_string(), "1699990000.5");
        assert_eq!(
            body["VersionIdsToStages"][V2],
            json!(["AWSCURRENT", "AWSPENDING"])
        );
        assert_eq!(
            body["Tags"][0],
            json!({"Key": "SecondTag", "Value": "AnotherValue"})
        );
    }

    #[test]
    fn describe_secret_minimal() {
        // A secret created without a value, never tagged, never rotated, never read.
        let body = snapshot!(DescribeSecretOutput {
            arn: ARN.into(),
            name: NAME.into(),
            last_changed_date: Some(ts(1_523_477_145_713)),
            created_date: Some(ts(1_523_477_145_713)),
            ..Default::default()
        });
        assert_eq!(
            keys(&body),
            model_keys(&["ARN", "Name", "LastChangedDate", "CreatedDate"])
        );
    }

    #[test]
    fn describe_secret_after_untagging_everything() {
        let output = DescribeSecretOutput {
            arn: ARN.into(),
            name: NAME.into(),
            tags: Some(Vec::new()),
            ..Default::default()
        };
        let body: Value = serde_json::from_slice(&json::render(&output).body).unwrap();
        assert_eq!(body, json!({"ARN": ARN, "Name": NAME, "Tags": []}));
    }

    #[test]
    fn list_secrets_output() {
        let second = SecretListEntry {
            arn: "arn:aws:secretsmanager:us-west-2:123456789012:secret:empty-d4e5f6".into(),
            name: "empty".into(),
            last_changed_date: Some(ts(1_523_477_146_000)),
            created_date: Some(ts(1_523_477_146_000)),
            ..Default::default()
        };
        let tagged = SecretListEntry {
            arn: ARN.into(),
            name: NAME.into(),
            description: Some("My test secret".into()),
            last_changed_date: Some(ts(1_523_477_145_713)),
            last_accessed_date: Some(ts(1_523_404_800_000)),
            tags: Some(vec![Tag::new("Env", "prod")]),
            secret_versions_to_stages: Some(BTreeMap::from([
                (V1.to_owned(), strings(&["AWSPREVIOUS"])),
                (V2.to_owned(), strings(&["AWSCURRENT"])),
            ])),
            created_date: Some(ts(1_523_477_145_001)),
            ..Default::default()
        };
        let body = snapshot!(ListSecretsOutput {
            secret_list: vec![tagged, second],
            next_token: Some("eyJvZmZzZXQiOjJ9".into()),
        });
        assert!(body["SecretList"][0].get("VersionIdsToStages").is_none());
        assert_eq!(
            body["SecretList"][0]["SecretVersionsToStages"][V2],
            json!(["AWSCURRENT"])
        );
        assert!(body["SecretList"][1].get("SecretVersionsToStages").is_none());
        assert!(body["SecretList"][1].get("Tags").is_none());
    }

    #[test]
    fn list_secrets_empty_page() {
        let body: Value = serde_json::from_slice(
            &json::render(&ListSecretsOutput {
                secret_list: Vec::new(),
                next_token: None,
            })
            .body,
        )
        .unwrap();
        assert_eq!(body, json!({"SecretList": []}));
    }

    #[test]
    fn get_secret_value_string() {
        let body = snapshot!(string_value());
        assert!(body.get("SecretBinary").is_none());
        assert_eq!(body["SecretString"], SECRET_TEXT);
        assert_eq!(body["CreatedDate"].to_string(), "1523477145.713");
    }

    #[test]
    fn get_secret_value_binary() {
        let body = snapshot!(GetSecretValueOutput {
            arn: ARN.into(),
            name: NAME.into(),
            version_id: V1.into(),
            secret_binary: Some(Blob::new(b"footest".to_vec())),
            secret_string: None,
            version_stages: Some(strings(&["AWSCURRENT", "AWSPENDING"])),
            created_date: Some(ts(1_523_477_145_050)),
        });
        assert_eq!(body["SecretBinary"], "Zm9vdGVzdA==");
        assert!(body.get("SecretString").is_none());
        assert_eq!(body["CreatedDate"].to_string(), "1523477145.05");
    }

    #[test]
    fn list_secret_version_ids_with_a_deprecated_version() {
        let body = snapshot!(ListSecretVersionIdsOutput {
            versions: vec![
                SecretVersionsListEntry {
                    version_id: V3.into(),
                    version_stages: Some(strings(&["AWSCURRENT"])),
                    last_accessed_date: Some(ts(1_523_404_800_000)),
                    created_date: Some(ts(1_523_477_147_713)),
                    kms_key_ids: Some(strings(&["DefaultEncryptionKey"])),
                },
                SecretVersionsListEntry {
                    version_id: V2.into(),
                    version_stages: Some(strings(&["AWSPREVIOUS"])),
                    last_accessed_date: None,
                    created_date: Some(ts(1_523_477_146_713)),
                    kms_key_ids: Some(strings(&["DefaultEncryptionKey"])),
                },
                SecretVersionsListEntry {
                    version_id: V1.into(),
                    version_stages: None,
                    last_accessed_date: None,
                    created_date: Some(ts(1_523_477_145_713)),
                    kms_key_ids: Some(strings(&["DefaultEncryptionKey"])),
                },
            ],
            next_token: None,
            arn: ARN.into(),
            name: NAME.into(),
        });
        assert!(body["Versions"][2].get("VersionStages").is_none());
        assert!(body["Versions"][1].get("LastAccessedDate").is_none());
        assert!(body.get("NextToken").is_none());
    }

    #[test]
    fn batch_get_secret_value_with_errors() {
        let body = snapshot!(BatchGetSecretValueOutput {
            secret_values: vec![
                SecretValueEntry {
                    arn: ARN.into(),
                    name: NAME.into(),
                    version_id: V2.into(),
                    secret_binary: None,
                    secret_string: Some(SECRET_TEXT.into()),
                    version_stages: Some(strings(&["AWSCURRENT"])),
                    created_date: Some(ts(1_523_477_145_713)),
                },
                SecretValueEntry {
                    arn: "arn:aws:secretsmanager:us-west-2:123456789012:secret:bin-f6e5d4".into(),
                    name: "bin".into(),
                    version_id: V1.into(),
                    secret_binary: Some(Blob::new(vec![0, 1, 2, 0xfd, 0xfe, 0xff])),
                    secret_string: None,
                    version_stages: Some(strings(&["AWSCURRENT"])),
                    created_date: Some(ts(1_523_477_145_000)),
                },
            ],
            next_token: None,
            errors: vec![
                ApiErrorType {
                    secret_id: "missing".into(),
                    error_code: "ResourceNotFoundException".into(),
                    message: "Secrets Manager can't find the specified secret.".into(),
                },
                ApiErrorType {
                    secret_id: "scheduled".into(),
                    error_code: "InvalidRequestException".into(),
                    message:
                        "You can't perform this operation on the secret because it was marked for deletion."
                            .into(),
                },
            ],
        });
        assert_eq!(body["SecretValues"][1]["SecretBinary"], "AAEC/f7/");
        assert_eq!(body["Errors"][0]["ErrorCode"], "ResourceNotFoundException");
    }

    #[test]
    fn batch_get_secret_value_without_errors_sends_an_empty_list() {
        let output = BatchGetSecretValueOutput {
            secret_values: Vec::new(),
            next_token: None,
            errors: Vec::new(),
        };
        let body: Value = serde_json::from_slice(&json::render(&output).body).unwrap();
        assert_eq!(body, json!({"SecretValues": [], "Errors": []}));
    }

    #[test]
    fn get_random_password_output() {
        let body = snapshot!(GetRandomPasswordOutput {
            random_password: r#"EXAMPLE-PASSWORD"\/<&>'"#.into(),
        });
        assert_eq!(body["RandomPassword"], r#"EXAMPLE-PASSWORD"\/<&>'"#);
    }

    #[test]
    fn validate_resource_policy_passed() {
        let body = snapshot!(ValidateResourcePolicyOutput {
            policy_validation_passed: true,
            validation_errors: Vec::new(),
        });
        assert_eq!(
            body,
            json!({"PolicyValidationPassed": true, "ValidationErrors": []})
        );
    }

    #[test]
    fn validate_resource_policy_failed() {
        snapshot!(ValidateResourcePolicyOutput {
            policy_validation_passed: false,
            validation_errors: vec![ValidationErrorsEntry {
                check_name: "PUBLIC_ACCESS".into(),
                error_message: "The policy grants access to all principals.".into(),
            }],
        });
    }

    #[test]
    fn outputs_without_members_are_empty_objects() {
        assert_eq!(json::render(&TagResourceOutput {}).body, b"{}");
        assert_eq!(json::render(&UntagResourceOutput {}).body, b"{}");
    }

    #[test]
    fn optional_output_members_are_left_out() {
        let cases: Vec<(Value, Value)> = vec![
            (
                serde_json::to_value(CreateSecretOutput {
                    arn: ARN.into(),
                    name: NAME.into(),
                    version_id: None,
                    replication_status: None,
                })
                .unwrap(),
                json!({"ARN": ARN, "Name": NAME}),
            ),
            (
                serde_json::to_value(UpdateSecretOutput {
                    arn: ARN.into(),
                    name: NAME.into(),
                    version_id: None,
                })
                .unwrap(),
                json!({"ARN": ARN, "Name": NAME}),
            ),
            (
                serde_json::to_value(GetResourcePolicyOutput {
                    arn: ARN.into(),
                    name: NAME.into(),
                    resource_policy: None,
                    policy_name: None,
                })
                .unwrap(),
                json!({"ARN": ARN, "Name": NAME}),
            ),
            (
                serde_json::to_value(ReplicationStatusType {
                    region: "eu-west-1".into(),
                    kms_key_id: None,
                    status: Some(StatusType::InSync),
                    status_message: None,
                    last_accessed_date: None,
                })
                .unwrap(),
                json!({"Region": "eu-west-1", "Status": "InSync"}),
            ),
            (
                serde_json::to_value(ListResourcePoliciesOutput {
                    resource_policies: Vec::new(),
                    next_token: None,
                })
                .unwrap(),
                json!({"ResourcePolicies": []}),
            ),
            (
                serde_json::to_value(DeleteSecretOutput {
                    arn: ARN.into(),
                    name: NAME.into(),
                    deletion_date: ts(1_523_477_145_000),
                })
                .unwrap(),
                json!({"ARN": ARN, "Name": NAME, "DeletionDate": 1_523_477_145}),
            ),
        ];
        for (got, expected) in cases {
            assert_eq!(got, expected);
        }
    }
}
