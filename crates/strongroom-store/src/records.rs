//! The records the store keeps. Secrets appear only as `Sealed` ciphertext.

use strongroom_types::{AccessKeyId, AccountId, OffsetDateTime, Sealed};

/// An account: the namespace that owns every other resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    pub account_id: AccountId,
    pub created_at: OffsetDateTime,
}

/// Who an access key belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessKeyOwner {
    /// The account's root user.
    Root,
    /// An IAM user, by name.
    User(String),
}

/// Whether an access key may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessKeyStatus {
    Active,
    Inactive,
}

impl AccessKeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Inactive => "Inactive",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Active" => Some(Self::Active),
            "Inactive" => Some(Self::Inactive),
            _ => None,
        }
    }
}

/// A long-term access key. The secret access key is kept only sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeyRecord {
    pub access_key_id: AccessKeyId,
    pub account_id: AccountId,
    pub owner: AccessKeyOwner,
    pub status: AccessKeyStatus,
    pub sealed_secret: Sealed,
    pub created_at: OffsetDateTime,
}

/// Key material Strongroom keeps for itself, sealed under the root key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemKeyRecord {
    pub name: String,
    pub sealed_material: Sealed,
    pub created_at: OffsetDateTime,
}

/// One audit record. `body` is the event as JSON (never holding a secret); `mac` chains it to the record
/// before it in the same chain, so an edited or removed record is detected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub chain_id: String,
    pub seq: u64,
    pub recorded_at: OffsetDateTime,
    pub body: String,
    pub mac: Vec<u8>,
}
