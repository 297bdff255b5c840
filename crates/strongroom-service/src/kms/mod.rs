//! KMS: customer-managed keys, aliases, data keys, and the keys that encrypt secret versions.
//!
//! Keys live in (account, region). Each key has material versions sealed under the root key (see
//! `Keyring::seal_kms_material`); a ciphertext blob (see `blob.rs`) names its key and material version, so
//! rotation adds a version without re-encrypting anything. Opened material is cached in memory (`cache.rs`).
//!
//! Every public operation authorizes `kms:<Operation>` on the key's ARN (or `*` for CreateKey, ListKeys
//! and ListAliases) through the [`Authorizer`] the server passes in. Operations on a key are decided under
//! its key policy, which is authoritative (see `policy.rs`), with the context keys AWS documents
//! (`kms:CallerAccount`, `kms:EncryptionContext:…`, `kms:RequestAlias`, `aws:ResourceTag/…`, …). The
//! internal API that Secrets Manager calls ([`Kms::resolve_secret_key`], [`Kms::generate_data_key`],
//! [`Kms::decrypt_data_key`]) does not authorize; Secrets Manager authorizes its own action, and for a
//! customer managed key the caller's use of the key, with [`Kms::authorize_via_service`].

mod blob;
mod cache;
mod error;
mod policy;
#[cfg(test)]
mod policy_tests;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use strongroom_crypto::{DataKey, EncryptionContext, KeyMaterial, SecretBytes};
use strongroom_store::StoreError;
use strongroom_types::{AccountId, Clock, OffsetDateTime, Region};
use time::Duration;

use crate::authz::{self, Authorizer};
use crate::{Caller, Keyring, Store};
use blob::Kind;
use cache::{Cache, Hot};
use policy::{KeyAuth, pair};
use strongroom_policy::{ContextValue, DecisionEffect};

pub use error::KmsError;
pub use policy::{POLICY_NAME, default_policy, secrets_manager_policy};
pub use strongroom_store::kms::{
    KeyManager, KmsAliasRecord as AliasRecord, KmsKeyRecord as KeyRecord, KmsKeyState as KeyState, Tag,
};

/// The alias of the AWS managed key that encrypts secrets when no other key is named.
pub const SECRETS_MANAGER_ALIAS: &str = "alias/aws/secretsmanager";
/// The description AWS gives that key.
const SECRETS_MANAGER_DESCRIPTION: &str =
    "Default key that protects my Secrets Manager data when no other key is defined";
/// `KeyUsage` and `KeySpec` of every Strongroom key.
pub const KEY_USAGE: &str = "ENCRYPT_DECRYPT";
pub const KEY_SPEC: &str = "SYMMETRIC_DEFAULT";
/// The only encryption algorithm of a symmetric key.
pub const SYMMETRIC_DEFAULT: &str = "SYMMETRIC_DEFAULT";

const KEY_SPECS: &[&str] = &[
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "ECC_NIST_P256",
    "ECC_NIST_P384",
    "ECC_NIST_P521",
    "ECC_SECG_P256K1",
    "SYMMETRIC_DEFAULT",
    "HMAC_224",
    "HMAC_256",
    "HMAC_384",
    "HMAC_512",
    "SM2",
    "ML_DSA_44",
    "ML_DSA_65",
    "ML_DSA_87",
    "ECC_NIST_EDWARDS25519",
];
const KEY_USAGES: &[&str] = &[
    "SIGN_VERIFY",
    "ENCRYPT_DECRYPT",
    "GENERATE_VERIFY_MAC",
    "KEY_AGREEMENT",
];
const ORIGINS: &[&str] = &["AWS_KMS", "EXTERNAL", "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"];
const ENCRYPTION_ALGORITHMS: &[&str] = &[
    "SYMMETRIC_DEFAULT",
    "RSAES_OAEP_SHA_1",
    "RSAES_OAEP_SHA_256",
    "SM2PKE",
];

pub const MIN_PENDING_WINDOW_DAYS: i64 = 7;
pub const MAX_PENDING_WINDOW_DAYS: i64 = 30;
pub const DEFAULT_PENDING_WINDOW_DAYS: i64 = 30;
pub const MIN_ROTATION_DAYS: i64 = 90;
pub const MAX_ROTATION_DAYS: i64 = 2560;
pub const DEFAULT_ROTATION_DAYS: i64 = 365;
const MAX_PLAINTEXT: usize = 4096;
const MAX_DATA_KEY_BYTES: i64 = 1024;
const MAX_DESCRIPTION_CHARS: usize = 8192;
const MAX_POLICY_CHARS: usize = 131_072;
const DEFAULT_LIST_LIMIT: i64 = 100;
const DEFAULT_ALIAS_LIMIT: i64 = 50;
const DEFAULT_TAG_LIMIT: i64 = 50;
const MAX_LIST_LIMIT: i64 = 1000;
/// How many times a change is re-applied after losing a race with another writer.
const CAS_ATTEMPTS: usize = 8;
/// Keys the background tasks handle per store query.
const BATCH: u32 = 100;
/// The service principal `aws:CalledVia` names when Secrets Manager uses a key on a caller's behalf.
const SECRETS_MANAGER_PRINCIPAL: &str = "secretsmanager.amazonaws.com";

/// The key Secrets Manager uses on a caller's behalf: named by the data key blob of a sealed value (reads),
/// or by the secret's key reference (writes; `None` or empty is the AWS managed key).
#[derive(Debug, Clone, Copy)]
pub enum ViaKey<'a> {
    Blob(&'a [u8]),
    Ref(Option<&'a str>),
}

/// The key a secret version is encrypted under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedKey {
    pub key_id: String,
    pub arn: String,
    pub aws_managed: bool,
}

impl ResolvedKey {
    fn of(key: &KeyRecord) -> Self {
        Self {
            key_id: key.key_id.clone(),
            arn: key.arn.clone(),
            aws_managed: key.key_manager == KeyManager::Aws,
        }
    }
}

/// CreateKey's input.
#[derive(Debug, Clone, Default)]
pub struct CreateKeyInput {
    pub description: Option<String>,
    pub key_usage: Option<String>,
    pub key_spec: Option<String>,
    pub customer_master_key_spec: Option<String>,
    pub origin: Option<String>,
    pub custom_key_store_id: Option<String>,
    pub xks_key_id: Option<String>,
    pub multi_region: Option<bool>,
    pub policy: Option<String>,
    pub tags: Vec<Tag>,
    pub bypass_policy_lockout_safety_check: bool,
}

/// How big a data key GenerateDataKey makes: `KeySpec` or `NumberOfBytes`, exactly one of them.
#[derive(Debug, Clone, Default)]
pub struct DataKeySize {
    pub key_spec: Option<String>,
    pub number_of_bytes: Option<i64>,
}

/// A ciphertext made under a key.
#[derive(Debug, Clone)]
pub struct Encrypted {
    pub key_arn: String,
    pub blob: Vec<u8>,
}

/// A plaintext opened under a key.
#[derive(Debug)]
pub struct Decrypted {
    pub key_arn: String,
    pub plaintext: SecretBytes,
}

/// ReEncrypt's result.
#[derive(Debug, Clone)]
pub struct ReEncrypted {
    pub source_key_arn: String,
    pub key_arn: String,
    pub blob: Vec<u8>,
}

/// A data key for a client: the plaintext (None for GenerateDataKeyWithoutPlaintext) and its blob.
#[derive(Debug)]
pub struct GeneratedDataKey {
    pub key_arn: String,
    pub plaintext: Option<SecretBytes>,
    pub blob: Vec<u8>,
}

/// GetKeyRotationStatus's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationStatus {
    pub key_arn: String,
    pub enabled: bool,
    pub period_days: Option<u32>,
    pub next_rotation_at: Option<OffsetDateTime>,
}

/// One row of ListAliases. A predefined AWS alias whose key was not created yet has no target or dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasEntry {
    pub name: String,
    pub arn: String,
    pub target_key_id: Option<String>,
    pub created_at: Option<OffsetDateTime>,
    pub updated_at: Option<OffsetDateTime>,
}

/// A page of a listing; `next_marker` is set when there is more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_marker: Option<String>,
}

/// The KMS operations.
pub struct Kms {
    store: Arc<dyn Store>,
    keyring: Arc<Keyring>,
    clock: Arc<dyn Clock>,
    cache: Cache,
}

impl std::fmt::Debug for Kms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kms").finish_non_exhaustive()
    }
}

/// How a key reference may name a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refs {
    /// Key id, key ARN, alias name or alias ARN.
    WithAliases,
    /// Key id or key ARN only.
    KeysOnly,
}

enum KeyRef<'a> {
    KeyId(&'a str),
    Alias(&'a str),
}

/// What a change to a key did.
enum Change {
    Unchanged,
    Changed,
    /// Changed, adding this material version.
    Rotated(Box<(strongroom_store::kms::KmsKeyVersionRecord, KeyMaterial)>),
}

fn key_arn(account: &AccountId, region: &Region, key_id: &str) -> String {
    format!("arn:aws:kms:{region}:{account}:key/{key_id}")
}

fn alias_arn(account: &AccountId, region: &Region, name: &str) -> String {
    format!("arn:aws:kms:{region}:{account}:{name}")
}

fn now_millis(clock: &dyn Clock) -> OffsetDateTime {
    crate::truncate_to_millis(clock.now())
}

fn not_found_key(account: &AccountId, region: &Region, key_id: &str) -> KmsError {
    KmsError::NotFound {
        message: format!("Key '{}' does not exist", key_arn(account, region, key_id)),
    }
}

fn not_found_alias(account: &AccountId, region: &Region, name: &str) -> KmsError {
    KmsError::NotFound {
        message: format!("Alias '{}' is not found.", alias_arn(account, region, name)),
    }
}

/// Fails unless the key may encrypt and decrypt now.
fn usable(key: &KeyRecord) -> Result<(), KmsError> {
    match key.state {
        KeyState::Enabled => Ok(()),
        KeyState::Disabled => Err(KmsError::Disabled {
            message: format!("{} is disabled.", key.arn),
        }),
        KeyState::PendingDeletion => Err(pending_deletion(key)),
    }
}

fn pending_deletion(key: &KeyRecord) -> KmsError {
    KmsError::InvalidState {
        message: format!("{} is pending deletion.", key.arn),
    }
}

fn not_pending_deletion(key: &KeyRecord) -> Result<(), KmsError> {
    match key.state {
        KeyState::PendingDeletion => Err(pending_deletion(key)),
        _ => Ok(()),
    }
}

fn customer_managed(key: &KeyRecord) -> Result<(), KmsError> {
    match key.key_manager {
        KeyManager::Customer => Ok(()),
        KeyManager::Aws => Err(KmsError::Unsupported {
            message: format!(
                "{} is an AWS managed key; this operation is not allowed on it.",
                key.arn
            ),
        }),
    }
}

fn enum_value(value: &str, member: &str, allowed: &[&str]) -> Result<(), KmsError> {
    if allowed.contains(&value) {
        return Ok(());
    }
    Err(KmsError::validation(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
        allowed.join(", ")
    )))
}

fn range(value: i64, member: &str, min: i64, max: i64) -> Result<(), KmsError> {
    if value < min {
        return Err(KmsError::validation(format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must have value greater than or equal to {min}"
        )));
    }
    if value > max {
        return Err(KmsError::validation(format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must have value less than or equal to {max}"
        )));
    }
    Ok(())
}

fn limit(value: Option<i64>, default: i64, max: i64) -> Result<u32, KmsError> {
    let value = value.unwrap_or(default);
    range(value, "limit", 1, max)?;
    u32::try_from(value).map_err(|_| KmsError::validation("limit out of range"))
}

fn check_algorithm(algorithm: Option<&str>, member: &str, key: Option<&KeyRecord>) -> Result<(), KmsError> {
    match algorithm {
        None | Some(SYMMETRIC_DEFAULT) => Ok(()),
        Some(other) => {
            enum_value(other, member, ENCRYPTION_ALGORITHMS)?;
            Err(KmsError::InvalidKeyUsage {
                message: format!(
                    "{} key usage is ENCRYPT_DECRYPT and key spec is SYMMETRIC_DEFAULT; {other} is not supported",
                    key.map_or("The", |k| k.arn.as_str())
                ),
            })
        }
    }
}

fn check_plaintext(plaintext: &[u8]) -> Result<(), KmsError> {
    if plaintext.is_empty() || plaintext.len() > MAX_PLAINTEXT {
        return Err(KmsError::validation(format!(
            "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length between 1 and {MAX_PLAINTEXT}"
        )));
    }
    Ok(())
}

fn check_policy_length(policy: &str) -> Result<(), KmsError> {
    let len = policy.chars().count();
    if len == 0 || len > MAX_POLICY_CHARS {
        return Err(KmsError::validation(format!(
            "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length between 1 and {MAX_POLICY_CHARS}"
        )));
    }
    Ok(())
}

fn check_policy_name(name: &str) -> Result<(), KmsError> {
    if name != POLICY_NAME {
        return Err(KmsError::NotFound {
            message: format!("No such policy exists: {name}"),
        });
    }
    Ok(())
}

fn check_tags(tags: &[Tag]) -> Result<(), KmsError> {
    for tag in tags {
        check_tag_key(&tag.key)?;
        if tag.value.chars().count() > 256 {
            return Err(KmsError::Tag {
                message: format!("Tag value for key '{}' is longer than 256 characters", tag.key),
            });
        }
    }
    Ok(())
}

fn check_tag_key(key: &str) -> Result<(), KmsError> {
    let len = key.chars().count();
    if len == 0 || len > 128 {
        return Err(KmsError::Tag {
            message: "Tag keys must be between 1 and 128 characters long".to_owned(),
        });
    }
    if key.starts_with("aws:") {
        return Err(KmsError::Tag {
            message: "Tags beginning with aws: are reserved".to_owned(),
        });
    }
    Ok(())
}

/// Merges `tags` into `into`: an existing key takes the new value, a new key is appended.
fn merge_tags(into: &mut Vec<Tag>, tags: Vec<Tag>) {
    for tag in tags {
        match into.iter_mut().find(|t| t.key == tag.key) {
            Some(existing) => existing.value = tag.value,
            None => into.push(tag),
        }
    }
}

fn check_alias_name(name: &str) -> Result<(), KmsError> {
    let valid_chars = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'/' | b'_' | b'-'));
    if name.is_empty() || name.len() > 256 || !valid_chars {
        return Err(KmsError::validation(format!(
            "1 validation error detected: Value '{name}' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"
        )));
    }
    if !name.starts_with("alias/") || name.len() == "alias/".len() {
        return Err(KmsError::InvalidAliasName {
            message: format!("Alias must start with the prefix \"alias/\" and have a name after it: {name}"),
        });
    }
    if name.starts_with("alias/aws/") {
        return Err(KmsError::ReservedAlias {
            message: "Cannot create, update or delete aliases with the reserved prefix 'alias/aws/'"
                .to_owned(),
        });
    }
    Ok(())
}

/// A data key's size in bytes from GenerateDataKey's `KeySpec`/`NumberOfBytes`.
fn data_key_bytes(size: &DataKeySize) -> Result<usize, KmsError> {
    let bytes = match (&size.key_spec, size.number_of_bytes) {
        (Some(spec), None) => match spec.as_str() {
            "AES_256" => 32,
            "AES_128" => 16,
            other => {
                enum_value(other, "keySpec", &["AES_256", "AES_128"])?;
                0
            }
        },
        (None, Some(n)) => {
            range(n, "numberOfBytes", 1, MAX_DATA_KEY_BYTES)?;
            n
        }
        _ => {
            return Err(KmsError::validation(
                "Please specify either number of bytes or key spec.",
            ));
        }
    };
    usize::try_from(bytes).map_err(|_| KmsError::validation("numberOfBytes out of range"))
}

/// Marker of a listing that continues after `last`.
fn check_marker(marker: Option<&str>, valid: impl Fn(&str) -> bool) -> Result<Option<&str>, KmsError> {
    match marker {
        None => Ok(None),
        Some(m) if valid(m) => Ok(Some(m)),
        Some(_) => Err(KmsError::InvalidMarker {
            message: "Invalid marker".to_owned(),
        }),
    }
}

/// The account of a key ARN (`arn:aws:kms:REGION:ACCOUNT:key/ID`).
fn arn_account(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or_default()
}

/// `kms:RequestAlias` when the request named the key by an alias (name or ARN).
fn request_alias(raw: &str) -> Vec<(String, ContextValue)> {
    let alias = if raw.starts_with("alias/") {
        Some(raw)
    } else if raw.starts_with("arn:") {
        raw.find(":alias/").map(|at| &raw[at + 1..])
    } else {
        None
    };
    alias
        .map(|name| vec![pair("kms:RequestAlias", name)])
        .unwrap_or_default()
}

/// The context keys of a cryptographic request: its encryption context and algorithm.
fn crypto_context(
    into: &mut Vec<(String, ContextValue)>,
    context: &EncryptionContext,
    algorithm: Option<&str>,
) {
    policy::encryption_context_keys(context, into);
    into.push(pair(
        "kms:EncryptionAlgorithm",
        algorithm.unwrap_or(SYMMETRIC_DEFAULT),
    ));
}

fn is_key_id(text: &str) -> bool {
    !text.is_empty() && text.len() <= 64 && text.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

impl Kms {
    pub fn new(store: Arc<dyn Store>, keyring: Arc<Keyring>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            keyring,
            clock,
            cache: Cache::default(),
        }
    }

    // -----------------------------------------------------------------------------------------------------
    // Finding keys.

    /// Parses a key reference in (account, region).
    fn parse_ref<'r>(
        account: &AccountId,
        region: &Region,
        raw: &'r str,
        refs: Refs,
    ) -> Result<KeyRef<'r>, KmsError> {
        if raw.is_empty() {
            return Err(KmsError::validation(
                "1 validation error detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1",
            ));
        }
        let resource = if let Some(rest) = raw.strip_prefix("arn:") {
            let parts: Vec<&str> = rest.splitn(5, ':').collect();
            let [partition, service, arn_region, arn_account, resource] = parts[..] else {
                return Err(KmsError::InvalidArn {
                    message: format!("Invalid arn {raw}"),
                });
            };
            if service != "kms" || partition.is_empty() {
                return Err(KmsError::InvalidArn {
                    message: format!("Invalid arn {raw}"),
                });
            }
            let here = arn_region == region.as_str() && arn_account == account.as_str();
            if !resource.starts_with("key/") && !resource.starts_with("alias/") {
                return Err(KmsError::InvalidArn {
                    message: format!("Invalid arn {raw}"),
                });
            }
            if !here {
                // A key of another account or region does not exist in the caller's namespace.
                return Err(KmsError::NotFound {
                    message: format!("Invalid arn {raw}"),
                });
            }
            resource
        } else {
            raw
        };
        if let Some(id) = resource.strip_prefix("key/") {
            return Ok(KeyRef::KeyId(id));
        }
        if resource.starts_with("alias/") {
            return match refs {
                Refs::WithAliases => Ok(KeyRef::Alias(resource)),
                Refs::KeysOnly => Err(KmsError::NotFound {
                    message: format!("Invalid keyId {raw}"),
                }),
            };
        }
        Ok(KeyRef::KeyId(resource))
    }

    /// The key with this id in (account, region).
    async fn load_key(
        &self,
        account: &AccountId,
        region: &Region,
        key_id: &str,
    ) -> Result<KeyRecord, KmsError> {
        if !is_key_id(key_id) {
            return Err(not_found_key(account, region, key_id));
        }
        let key = self
            .store
            .kms_key(key_id)
            .await
            .map_err(KmsError::store("reading a KMS key"))?;
        match key {
            Some(key) if key.account_id == *account && key.region == *region => {
                self.cache.refresh(&key, self.clock.now());
                Ok(key)
            }
            _ => Err(not_found_key(account, region, key_id)),
        }
    }

    /// The key a reference names in (account, region). The predefined `alias/aws/secretsmanager` creates
    /// its AWS managed key on first use, as AWS does.
    async fn resolve(
        &self,
        account: &AccountId,
        region: &Region,
        raw: &str,
        refs: Refs,
    ) -> Result<KeyRecord, KmsError> {
        match Self::parse_ref(account, region, raw, refs)? {
            KeyRef::KeyId(id) => self.load_key(account, region, id).await,
            KeyRef::Alias(SECRETS_MANAGER_ALIAS) => self.aws_managed_key(account, region).await,
            KeyRef::Alias(name) => {
                let alias = self
                    .store
                    .kms_alias(account, region, name)
                    .await
                    .map_err(KmsError::store("reading a KMS alias"))?
                    .ok_or_else(|| not_found_alias(account, region, name))?;
                self.load_key(account, region, &alias.target_key_id).await
            }
        }
    }

    /// The AWS managed key of Secrets Manager in (account, region), created on first use. Two nodes
    /// creating it at once agree on one: the alias is created with the key, and the loser reads the winner's.
    async fn aws_managed_key(&self, account: &AccountId, region: &Region) -> Result<KeyRecord, KmsError> {
        for _ in 0..CAS_ATTEMPTS {
            let existing = self
                .store
                .kms_alias(account, region, SECRETS_MANAGER_ALIAS)
                .await
                .map_err(KmsError::store("reading a KMS alias"))?;
            if let Some(alias) = existing {
                return self.load_key(account, region, &alias.target_key_id).await;
            }
            let now = now_millis(self.clock.as_ref());
            let (mut key, version, material) = self.new_key(account, region, now);
            key.key_manager = KeyManager::Aws;
            key.description = SECRETS_MANAGER_DESCRIPTION.to_owned();
            key.policy = Some(secrets_manager_policy(account.as_str(), region.as_str()));
            key.rotation_enabled = true;
            key.rotation_period_days = Some(DEFAULT_ROTATION_DAYS as u32);
            key.next_rotation_at = Some(now + Duration::days(DEFAULT_ROTATION_DAYS));
            let alias = AliasRecord {
                account_id: account.clone(),
                region: region.clone(),
                name: SECRETS_MANAGER_ALIAS.to_owned(),
                target_key_id: key.key_id.clone(),
                created_at: now,
                updated_at: now,
            };
            match self.store.create_kms_key(&key, &version, Some(&alias)).await {
                Ok(()) => {
                    self.remember(&key, version.version, material);
                    return Ok(key);
                }
                Err(StoreError::AlreadyExists) => continue,
                Err(err) => return Err(KmsError::store("creating the AWS managed key")(err)),
            }
        }
        Err(KmsError::internal("the AWS managed key could not be created"))
    }

    /// A fresh enabled customer key with its first material version, not yet stored.
    fn new_key(
        &self,
        account: &AccountId,
        region: &Region,
        now: OffsetDateTime,
    ) -> (KeyRecord, strongroom_store::kms::KmsKeyVersionRecord, KeyMaterial) {
        let key_id = strongroom_crypto::random::uuid_v4();
        let material = KeyMaterial::generate();
        let version = strongroom_store::kms::KmsKeyVersionRecord {
            key_id: key_id.clone(),
            version: 1,
            sealed_material: self.keyring.seal_kms_material(&material, &key_id, 1),
            created_at: now,
        };
        let key = KeyRecord {
            arn: key_arn(account, region, &key_id),
            key_id,
            account_id: account.clone(),
            region: region.clone(),
            revision: 1,
            created_at: now,
            description: String::new(),
            key_usage: KEY_USAGE.to_owned(),
            key_spec: KEY_SPEC.to_owned(),
            key_manager: KeyManager::Customer,
            state: KeyState::Enabled,
            deletion_date: None,
            pending_window_days: None,
            policy: None,
            tags: Vec::new(),
            rotation_enabled: false,
            rotation_period_days: None,
            next_rotation_at: None,
            current_version: 1,
        };
        (key, version, material)
    }

    /// Caches a key's state and freshly made material.
    fn remember(&self, key: &KeyRecord, version: u32, material: KeyMaterial) {
        self.cache.refresh(key, self.clock.now());
        self.cache
            .insert_material(&key.key_id, version, Arc::new(material));
    }

    /// The opened material of one version of `key` (whose state was just refreshed in the cache).
    async fn material(&self, key: &KeyRecord, version: u32) -> Result<Arc<KeyMaterial>, KmsError> {
        if let Some(material) = self.cache.material(&key.key_id, version) {
            return Ok(material);
        }
        if version == 0 || version > key.current_version {
            return Err(KmsError::invalid_ciphertext());
        }
        let record = self
            .store
            .kms_key_version(&key.key_id, version)
            .await
            .map_err(KmsError::store("reading KMS key material"))?
            .ok_or_else(|| KmsError::internal("a KMS key version is missing"))?;
        let material = self
            .keyring
            .open_kms_material(&record.sealed_material, &key.key_id, version)
            .map_err(|_| KmsError::internal("KMS key material did not open under the root key"))?;
        let material = Arc::new(material);
        self.cache
            .insert_material(&key.key_id, version, Arc::clone(&material));
        Ok(material)
    }

    /// Authorizes `action` on `key` under its key policy (authoritative) with the key's context keys,
    /// `kms:CallerAccount` and the request's own `context`.
    fn authorize_key(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        action: &str,
        key: &KeyRecord,
        context: Vec<(String, ContextValue)>,
    ) -> Result<authz::Allowed, KmsError> {
        let auth = self.cache.auth(key);
        Self::authorize_with_auth(authz, caller, action, &auth, context)
    }

    fn authorize_with_auth(
        authz: &Authorizer,
        caller: &Caller,
        action: &str,
        auth: &KeyAuth,
        mut context: Vec<(String, ContextValue)>,
    ) -> Result<authz::Allowed, KmsError> {
        context.push(pair("kms:CallerAccount", caller.account().as_str()));
        context.extend(auth.context.iter().cloned());
        let request = authz::Request {
            action,
            resource: &auth.arn,
            resource_account: arn_account(&auth.arn),
        };
        match &auth.policy {
            Some(parsed) => Ok(authz.authorize_with(
                caller,
                &request,
                &authz::Extra {
                    resource_policy: Some(&parsed.policy),
                    delegation: Some(&parsed.delegation),
                    resource_context: None,
                    context: &context,
                },
            )?),
            // A stored policy that does not parse allows nothing: ask with an empty delegation.
            None => Err(KmsError::Service(crate::ServiceError::AccessDenied {
                message: format!(
                    "User: {} is not authorized to perform: {action} on resource: {} because no resource-based policy allows the {action} action",
                    caller.arn(),
                    auth.arn
                ),
            })),
        }
    }

    /// Identity-only authorization, for requests on no key (`*`) or on an alias.
    fn authorize(
        authz: &Authorizer,
        caller: &Caller,
        action: &str,
        resource: &str,
    ) -> Result<authz::Allowed, KmsError> {
        Ok(authz.authorize(
            caller,
            &authz::Request {
                action,
                resource,
                resource_account: caller.account().as_str(),
            },
        )?)
    }

    /// Loads the key `raw` names, authorizes `action` on it, and applies `change` by compare-and-set,
    /// re-reading and re-applying after a lost race. Returns the key as stored afterwards.
    async fn change_key<F>(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        action: &str,
        raw: &str,
        context: Vec<(String, ContextValue)>,
        mut change: F,
    ) -> Result<KeyRecord, KmsError>
    where
        F: FnMut(&Self, &mut KeyRecord, OffsetDateTime) -> Result<Change, KmsError> + Send,
    {
        let (account, region) = (caller.account(), caller.region());
        let mut authorized = false;
        for _ in 0..CAS_ATTEMPTS {
            let current = self.resolve(account, region, raw, Refs::KeysOnly).await?;
            if !authorized {
                self.authorize_key(authz, caller, action, &current, context.clone())?;
                authorized = true;
            }
            match self.apply(current, &mut change).await? {
                Some(key) => return Ok(key),
                None => continue,
            }
        }
        Err(KmsError::internal("a KMS key kept changing under a write"))
    }

    /// One compare-and-set attempt: `Ok(None)` when another writer won and the caller should re-read.
    async fn apply<F>(&self, current: KeyRecord, change: &mut F) -> Result<Option<KeyRecord>, KmsError>
    where
        F: FnMut(&Self, &mut KeyRecord, OffsetDateTime) -> Result<Change, KmsError> + Send,
    {
        let now = now_millis(self.clock.as_ref());
        let mut next = current.clone();
        let rotated = match change(self, &mut next, now)? {
            Change::Unchanged => return Ok(Some(current)),
            Change::Changed => None,
            Change::Rotated(rotation) => Some(*rotation),
        };
        next.revision = current.revision + 1;
        let version = rotated.as_ref().map(|(version, _)| version);
        match self.store.update_kms_key(&next, current.revision, version).await {
            Ok(()) => {
                self.cache.refresh(&next, self.clock.now());
                if let Some((version, material)) = rotated {
                    self.cache
                        .insert_material(&next.key_id, version.version, Arc::new(material));
                }
                Ok(Some(next))
            }
            Err(StoreError::Conflict | StoreError::AlreadyExists) => Ok(None),
            Err(StoreError::NotFound) => Err(not_found_key(
                &current.account_id,
                &current.region,
                &current.key_id,
            )),
            Err(err) => Err(KmsError::store("updating a KMS key")(err)),
        }
    }

    /// A new material version for `key` (not yet stored), made current.
    fn rotate(&self, key: &mut KeyRecord, now: OffsetDateTime) -> Result<Change, KmsError> {
        let version = key
            .current_version
            .checked_add(1)
            .ok_or_else(|| KmsError::internal("KMS key version overflow"))?;
        let material = KeyMaterial::generate();
        let record = strongroom_store::kms::KmsKeyVersionRecord {
            key_id: key.key_id.clone(),
            version,
            sealed_material: self.keyring.seal_kms_material(&material, &key.key_id, version),
            created_at: now,
        };
        key.current_version = version;
        Ok(Change::Rotated(Box::new((record, material))))
    }

    // -----------------------------------------------------------------------------------------------------
    // Key management.

    pub async fn create_key(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        input: CreateKeyInput,
    ) -> Result<KeyRecord, KmsError> {
        let mut request = vec![
            pair(
                "kms:BypassPolicyLockoutSafetyCheck",
                input.bypass_policy_lockout_safety_check,
            ),
            pair(
                "kms:KeySpec",
                input
                    .key_spec
                    .as_deref()
                    .or(input.customer_master_key_spec.as_deref())
                    .unwrap_or(KEY_SPEC),
            ),
            pair("kms:KeyUsage", input.key_usage.as_deref().unwrap_or(KEY_USAGE)),
            pair("kms:KeyOrigin", input.origin.as_deref().unwrap_or("AWS_KMS")),
        ];
        policy::request_tags(&input.tags, &mut request);
        authz.authorize_with(
            caller,
            &authz::Request {
                action: "kms:CreateKey",
                resource: "*",
                resource_account: caller.account().as_str(),
            },
            &authz::Extra {
                context: &request,
                ..authz::Extra::default()
            },
        )?;
        if input.key_spec.is_some() && input.customer_master_key_spec.is_some() {
            return Err(KmsError::validation(
                "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.",
            ));
        }
        let (spec, member) = match (&input.key_spec, &input.customer_master_key_spec) {
            (Some(spec), _) => (spec.as_str(), "keySpec"),
            (None, Some(spec)) => (spec.as_str(), "customerMasterKeySpec"),
            (None, None) => (KEY_SPEC, "keySpec"),
        };
        enum_value(spec, member, KEY_SPECS)?;
        if let Some(usage) = &input.key_usage {
            enum_value(usage, "keyUsage", KEY_USAGES)?;
        }
        if let Some(origin) = &input.origin {
            enum_value(origin, "origin", ORIGINS)?;
        }
        if spec != KEY_SPEC {
            return Err(KmsError::Unsupported {
                message: format!("Strongroom supports only SYMMETRIC_DEFAULT keys; {spec} is not supported."),
            });
        }
        if let Some(usage) = input.key_usage.as_deref().filter(|u| *u != KEY_USAGE) {
            return Err(KmsError::validation(format!(
                "KeyUsage {usage} is not compatible with KeySpec SYMMETRIC_DEFAULT"
            )));
        }
        if let Some(origin) = input.origin.as_deref().filter(|o| *o != "AWS_KMS") {
            return Err(KmsError::Unsupported {
                message: format!(
                    "Strongroom supports only keys with origin AWS_KMS; {origin} is not supported."
                ),
            });
        }
        if input.custom_key_store_id.is_some() || input.xks_key_id.is_some() {
            return Err(KmsError::Unsupported {
                message: "Strongroom does not support custom key stores.".to_owned(),
            });
        }
        if input.multi_region == Some(true) {
            return Err(KmsError::Unsupported {
                message: "Strongroom does not support multi-Region keys.".to_owned(),
            });
        }
        let description = input.description.unwrap_or_default();
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(KmsError::validation(format!(
                "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to {MAX_DESCRIPTION_CHARS}"
            )));
        }
        if let Some(policy) = &input.policy {
            check_policy_length(policy)?;
        }
        check_tags(&input.tags)?;
        let mut tags = Vec::new();
        merge_tags(&mut tags, input.tags);

        let now = now_millis(self.clock.as_ref());
        let (mut key, version, material) = self.new_key(caller.account(), caller.region(), now);
        key.description = description;
        key.policy = Some(
            input
                .policy
                .unwrap_or_else(|| default_policy(caller.account().as_str())),
        );
        key.tags = tags;
        if let Some(text) = &key.policy {
            self.check_new_policy(
                authz,
                caller,
                &key,
                text,
                input.bypass_policy_lockout_safety_check,
            )?;
        }
        self.store
            .create_kms_key(&key, &version, None)
            .await
            .map_err(KmsError::store("creating a KMS key"))?;
        self.remember(&key, version.version, material);
        tracing::info!(key_id = %key.key_id, "created KMS key");
        Ok(key)
    }

    pub async fn describe_key(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        key_ref: &str,
    ) -> Result<KeyRecord, KmsError> {
        let key = self
            .resolve(caller.account(), caller.region(), key_ref, Refs::WithAliases)
            .await?;
        self.authorize_key(authz, caller, "kms:DescribeKey", &key, request_alias(key_ref))?;
        Ok(key)
    }

    pub async fn list_keys(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        limit_in: Option<i64>,
        marker: Option<&str>,
    ) -> Result<Page<KeyRecord>, KmsError> {
        Self::authorize(authz, caller, "kms:ListKeys", "*")?;
        let limit = limit(limit_in, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT)?;
        let after = check_marker(marker, is_key_id)?;
        let mut keys = self
            .store
            .list_kms_keys(caller.account(), caller.region(), after, limit + 1)
            .await
            .map_err(KmsError::store("listing KMS keys"))?;
        let next_marker = if keys.len() > limit as usize {
            keys.truncate(limit as usize);
            keys.last().map(|k| k.key_id.clone())
        } else {
            None
        };
        Ok(Page {
            items: keys,
            next_marker,
        })
    }

    pub async fn enable_key(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        key_ref: &str,
    ) -> Result<KeyRecord, KmsError> {
        self.change_key(
            authz,
            caller,
            "kms:EnableKey",
            key_ref,
            Vec::new(),
            |_, key, _| {
                not_pending_deletion(key)?;
                if key.state == KeyState::Enabled {
                    return Ok(Change::Unchanged);
                }
                key.state = KeyState::Enabled;
                Ok(Change::Changed)
            },
        )
        .await
    }

    pub async fn disable_key(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        key_ref: &str,
    ) -> Result<KeyRecord, KmsError> {
        self.change_key(
            authz,
            caller,
            "kms:DisableKey",
            key_ref,
            Vec::new(),
            |_, key, _| {
                customer_managed(key)?;
                not_pending_deletion(key)?;
                if key.state == KeyState::Disabled {
                    return Ok(Change::Unchanged);
                }
                key.state = KeyState::Disabled;
                Ok(Change::Changed)
            },
        )
        .await
    }

    /// Schedules the key's deletion after `window_days` (7–30, default 30). The key is unusable at once.
    pub async fn schedule_key_deletion(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        key_ref: &str,
        window_days: Option<i64>,
    ) -> Result<KeyRecord, KmsError> {
        let days = window_days.unwrap_or(DEFAULT_PENDING_WINDOW_DAYS);
        range(
            days,
            "pendingWindowInDays",
            MIN_PENDING_WINDOW_DAYS,
            MAX_PENDING_WINDOW_DAYS,
        )?;
        self.change_key(
            authz,
            caller,
            "kms:ScheduleKeyDeletion",
            key_ref,
            vec![pair("kms:ScheduleKeyDeletionPendingWindowInDays", days)],
            |_, key, now| {
                customer_managed(key)?;
                not_pending_deletion(key)?;
                key.state = KeyState::PendingDeletion;
                key.deletion_date = Some(now + Duration::days(days));
                key.pending_window_days = Some(days as u32);
                Ok(Change::Changed)
            },
        )
        .await
    }

    /// Cancels a scheduled deletion; the key is left disabled, as in AWS.
    pub async fn cancel_key_deletion(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        key_ref: &str,
    ) -> Result<KeyRecord, KmsError> {
        self.change_key(
            authz,
            caller,
            "kms:CancelKeyDeletion",
            key_ref,
            Vec::new(),
            |_, key, _| {
                if key.state != KeyState::PendingDeletion {
                    return Err(KmsError::InvalidState {
                        message: format!("{} is not pending deletion.", key.arn),
                    });
                }
                key.state = KeyState::Disabled;
                key.deletion_date = None;
                key.pending_window_days = None;
                Ok(Change::Changed)
            },
        )
        .await
    }

    pub async fn enable_key_rotation(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        key_ref: &str,
        period_days: Option<i64>,
    ) -> Result<KeyRecord, KmsError> {
        if let Some(days) = period_days {
            range(days, "rotationPeriodInDays", MIN_ROTATION_DAYS, MAX_ROTATION_DAYS)?;
        }
        self.change_key(
            authz,
            caller,
            "kms:EnableKeyRotation",
            key_ref,
            Vec::new(),
            |_, key, now| {
                customer_managed(key)?;
                usable(key)?;
                let days = period_days
                    .or(key.rotation_period_days.map(i64::from))
                    .unwrap_or(DEFAULT_ROTATION_DAYS);
                if key.rotation_enabled && key.rotation_period_days == Some(days as u32) {
                    return Ok(Change::Unchanged);
                }
                key.rotation_enabled = true;
                key.rotation_period_days = Some(days as u32);
                key.next_rotation_at = Some(now + Duration::days(days));
                Ok(Change::Changed)
            },
        )
        .await
    }

    pub async fn disable_key_rotation(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        key_ref: &str,
    ) -> Result<KeyRecord, KmsError> {
        self.change_key(
            authz,
            caller,
            "kms:DisableKeyRotation",
            key_ref,
            Vec::new(),
            |_, key, _| {
                customer_managed(key)?;
                usable(key)?;
                if !key.rotation_enabled {
                    return Ok(Change::Unchanged);
                }
                key.rotation_enabled = false;
                key.next_rotation_at = None;
                Ok(Change::Changed)
            },
        )
        .await
    }

    pub async fn get_key_rotation_status(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        key_ref: &str,
    ) -> Result<RotationStatus, KmsError> {
        let key = self
            .resolve(caller.account(), caller.region(), key_ref, Refs::KeysOnly)
            .await?;
        self.authorize_key(authz, caller, "kms:GetKeyRotationStatus", &key, Vec::new())?;
        Ok(RotationStatus {
            key_arn: key.arn,
            enabled: key.rotation_enabled,
            period_days: key.rotation_period_days.filter(|_| key.rotation_enabled),
            next_rotation_at: key.next_rotation_at.filter(|_| key.rotation_enabled),
        })
    }

    /// Adds a material version now: new encryptions use it, old ciphertexts still open.
    pub async fn rotate_key_on_demand(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        key_ref: &str,
    ) -> Result<KeyRecord, KmsError> {
        self.change_key(
            authz,
            caller,
            "kms:RotateKeyOnDemand",
            key_ref,
            Vec::new(),
            |kms, key, now| {
                customer_managed(key)?;
                usable(key)?;
                kms.rotate(key, now)
            },
        )
        .await
    }

    pub async fn tag_resource(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        key_ref: &str,
        tags: Vec<Tag>,
    ) -> Result<KeyRecord, KmsError> {
        check_tags(&tags)?;
        let mut context = Vec::new();
        policy::request_tags(&tags, &mut context);
        self.change_key(authz, caller, "kms:TagResource", key_ref, context, |_, key, _| {
            customer_managed(key)?;
            not_pending_deletion(key)?;
            merge_tags(&mut key.tags, tags.clone());
            Ok(Change::Changed)
        })
        .await
    }

    pub async fn untag_resource(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        key_ref: &str,
        tag_keys: Vec<String>,
    ) -> Result<KeyRecord, KmsError> {
        for key in &tag_keys {
            check_tag_key(key)?;
        }
        let context = if tag_keys.is_empty() {
            Vec::new()
        } else {
            vec![pair("aws:TagKeys", tag_keys.clone())]
        };
        self.change_key(
            authz,
            caller,
            "kms:UntagResource",
            key_ref,
            context,
            |_, key, _| {
                customer_managed(key)?;
                not_pending_deletion(key)?;
                let before = key.tags.len();
                key.tags.retain(|t| !tag_keys.contains(&t.key));
                Ok(if key.tags.len() == before {
                    Change::Unchanged
                } else {
                    Change::Changed
                })
            },
        )
        .await
    }

    pub async fn list_resource_tags(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        key_ref: &str,
        limit_in: Option<i64>,
        marker: Option<&str>,
    ) -> Result<(String, Page<Tag>), KmsError> {
        let key = self
            .resolve(caller.account(), caller.region(), key_ref, Refs::KeysOnly)
            .await?;
        self.authorize_key(authz, caller, "kms:ListResourceTags", &key, Vec::new())?;
        let limit = limit(limit_in, DEFAULT_TAG_LIMIT, DEFAULT_TAG_LIMIT)? as usize;
        let start = match check_marker(marker, |m| m.parse::<usize>().is_ok())? {
            Some(m) => m.parse::<usize>().unwrap_or(usize::MAX),
            None => 0,
        };
        if start > key.tags.len() {
            return Err(KmsError::InvalidMarker {
                message: "Invalid marker".to_owned(),
            });
        }
        let end = start.saturating_add(limit).min(key.tags.len());
        let items = key.tags.get(start..end).unwrap_or_default().to_vec();
        let next_marker = (end < key.tags.len()).then(|| end.to_string());
        Ok((key.arn, Page { items, next_marker }))
    }

    // -----------------------------------------------------------------------------------------------------
    // Key policies.

    /// Validates `text` as the new policy of `key`, and (unless `bypass`) AWS's lockout safety check: the
    /// caller must be allowed kms:PutKeyPolicy on the key under the new policy.
    fn check_new_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        key: &KeyRecord,
        text: &str,
        bypass: bool,
    ) -> Result<(), KmsError> {
        let parsed = policy::parse(text, key.account_id.as_str(), &key.key_id)?;
        if bypass {
            return Ok(());
        }
        let mut context = vec![
            pair("kms:CallerAccount", caller.account().as_str()),
            pair("kms:BypassPolicyLockoutSafetyCheck", false),
        ];
        context.extend(KeyAuth::of(key).context.iter().cloned());
        let decision = authz.decide(
            caller,
            &authz::Request {
                action: "kms:PutKeyPolicy",
                resource: &key.arn,
                resource_account: key.account_id.as_str(),
            },
            &authz::Extra {
                resource_policy: Some(&parsed.policy),
                delegation: Some(&parsed.delegation),
                resource_context: None,
                context: &context,
            },
        );
        if decision.effect != DecisionEffect::Allow {
            return Err(KmsError::MalformedPolicyDocument {
                message: "The new key policy will not allow you to update the key policy in the future."
                    .to_owned(),
            });
        }
        Ok(())
    }

    /// GetKeyPolicy: the key's policy text.
    pub async fn get_key_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        key_ref: &str,
        policy_name: Option<&str>,
    ) -> Result<(KeyRecord, String), KmsError> {
        let key = self
            .resolve(caller.account(), caller.region(), key_ref, Refs::KeysOnly)
            .await?;
        self.authorize_key(authz, caller, "kms:GetKeyPolicy", &key, Vec::new())?;
        check_policy_name(policy_name.unwrap_or(POLICY_NAME))?;
        let text = policy::policy_text(&key);
        Ok((key, text))
    }

    /// PutKeyPolicy: replaces the key's policy, after validation and the lockout safety check.
    pub async fn put_key_policy(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        key_ref: &str,
        policy_name: Option<&str>,
        text: &str,
        bypass_lockout_check: bool,
    ) -> Result<KeyRecord, KmsError> {
        check_policy_length(text)?;
        let context = vec![pair("kms:BypassPolicyLockoutSafetyCheck", bypass_lockout_check)];
        let new_policy = text.to_owned();
        self.change_key(
            authz,
            caller,
            "kms:PutKeyPolicy",
            key_ref,
            context,
            |kms, key, _| {
                check_policy_name(policy_name.unwrap_or(POLICY_NAME))?;
                customer_managed(key)?;
                not_pending_deletion(key)?;
                kms.check_new_policy(authz, caller, key, &new_policy, bypass_lockout_check)?;
                if key.policy.as_deref() == Some(new_policy.as_str()) {
                    return Ok(Change::Unchanged);
                }
                key.policy = Some(new_policy.clone());
                Ok(Change::Changed)
            },
        )
        .await
    }

    /// ListKeyPolicies: always `default`.
    pub async fn list_key_policies(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        key_ref: &str,
        limit_in: Option<i64>,
        marker: Option<&str>,
    ) -> Result<Page<String>, KmsError> {
        let key = self
            .resolve(caller.account(), caller.region(), key_ref, Refs::KeysOnly)
            .await?;
        self.authorize_key(authz, caller, "kms:ListKeyPolicies", &key, Vec::new())?;
        limit(limit_in, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT)?;
        check_marker(marker, |_| false)?;
        Ok(Page {
            items: vec![POLICY_NAME.to_owned()],
            next_marker: None,
        })
    }

    /// Authorizes, for a request Secrets Manager makes on the caller's behalf, `action` (`kms:Decrypt`,
    /// `kms:GenerateDataKey`) on the key of `via`, with `kms:ViaService` and the encryption context. The AWS
    /// managed key needs nothing (its policy allows every principal of the account through Secrets
    /// Manager). With the key's state fresh in the cache this reads nothing from the store.
    pub async fn authorize_via_service(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        via: ViaKey<'_>,
        action: &str,
        encryption_context: &EncryptionContext,
    ) -> Result<(), KmsError> {
        let (account, region) = (caller.account(), caller.region());
        let auth = match via {
            ViaKey::Blob(blob) => {
                let parsed = blob::decode(blob).ok_or_else(KmsError::invalid_ciphertext)?;
                match self
                    .cache
                    .fresh_auth(parsed.key_id, account, region, self.clock.now())
                {
                    Some(auth) => auth,
                    None => {
                        let key = self.load_key(account, region, parsed.key_id).await?;
                        self.cache.auth(&key)
                    }
                }
            }
            ViaKey::Ref(None | Some("")) => return Ok(()),
            ViaKey::Ref(Some(raw)) => {
                let key = self.resolve(account, region, raw, Refs::WithAliases).await?;
                self.cache.auth(&key)
            }
        };
        if auth.aws_managed {
            return Ok(());
        }
        // AWS sets the CalledVia keys only when a service calls on the caller's behalf; a direct call has
        // none of them. The chain here is always the one service.
        let mut context = vec![
            pair("kms:ViaService", format!("secretsmanager.{region}.amazonaws.com")),
            pair("aws:CalledVia", vec![SECRETS_MANAGER_PRINCIPAL.to_owned()]),
            pair("aws:CalledViaFirst", SECRETS_MANAGER_PRINCIPAL),
            pair("aws:CalledViaLast", SECRETS_MANAGER_PRINCIPAL),
        ];
        crypto_context(&mut context, encryption_context, None);
        Self::authorize_with_auth(authz, caller, action, &auth, context)?;
        Ok(())
    }

    // -----------------------------------------------------------------------------------------------------
    // Aliases.

    pub async fn create_alias(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        name: &str,
        target: &str,
    ) -> Result<AliasRecord, KmsError> {
        let (account, region) = (caller.account(), caller.region());
        check_alias_name(name)?;
        let key = self.resolve(account, region, target, Refs::KeysOnly).await?;
        Self::authorize(
            authz,
            caller,
            "kms:CreateAlias",
            &alias_arn(account, region, name),
        )?;
        self.authorize_key(authz, caller, "kms:CreateAlias", &key, Vec::new())?;
        not_pending_deletion(&key)?;
        let now = now_millis(self.clock.as_ref());
        let alias = AliasRecord {
            account_id: account.clone(),
            region: region.clone(),
            name: name.to_owned(),
            target_key_id: key.key_id.clone(),
            created_at: now,
            updated_at: now,
        };
        match self.store.create_kms_alias(&alias).await {
            Ok(()) => Ok(alias),
            Err(StoreError::AlreadyExists) => Err(KmsError::AlreadyExists {
                message: format!(
                    "An alias with the name {} already exists",
                    alias_arn(account, region, name)
                ),
            }),
            Err(StoreError::NotFound) => Err(not_found_key(account, region, &key.key_id)),
            Err(err) => Err(KmsError::store("creating a KMS alias")(err)),
        }
    }

    pub async fn update_alias(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        name: &str,
        target: &str,
    ) -> Result<AliasRecord, KmsError> {
        let (account, region) = (caller.account(), caller.region());
        check_alias_name(name)?;
        let existing = self
            .store
            .kms_alias(account, region, name)
            .await
            .map_err(KmsError::store("reading a KMS alias"))?
            .ok_or_else(|| not_found_alias(account, region, name))?;
        let key = self.resolve(account, region, target, Refs::KeysOnly).await?;
        Self::authorize(
            authz,
            caller,
            "kms:UpdateAlias",
            &alias_arn(account, region, name),
        )?;
        self.authorize_key(authz, caller, "kms:UpdateAlias", &key, Vec::new())?;
        not_pending_deletion(&key)?;
        let now = now_millis(self.clock.as_ref());
        match self
            .store
            .update_kms_alias(account, region, name, &key.key_id, now)
            .await
        {
            Ok(()) => Ok(AliasRecord {
                target_key_id: key.key_id,
                updated_at: now,
                ..existing
            }),
            Err(StoreError::NotFound) => Err(not_found_alias(account, region, name)),
            Err(err) => Err(KmsError::store("updating a KMS alias")(err)),
        }
    }

    /// Deletes an alias; returns its ARN.
    pub async fn delete_alias(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        name: &str,
    ) -> Result<String, KmsError> {
        let (account, region) = (caller.account(), caller.region());
        check_alias_name(name)?;
        let arn = alias_arn(account, region, name);
        Self::authorize(authz, caller, "kms:DeleteAlias", &arn)?;
        match self.store.delete_kms_alias(account, region, name).await {
            Ok(()) => Ok(arn),
            Err(StoreError::NotFound) => Err(not_found_alias(account, region, name)),
            Err(err) => Err(KmsError::store("deleting a KMS alias")(err)),
        }
    }

    /// Aliases in name order; the predefined `alias/aws/secretsmanager` is listed (without a target) before
    /// its key exists, unless the listing is of one key's aliases.
    pub async fn list_aliases(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        key_ref: Option<&str>,
        limit_in: Option<i64>,
        marker: Option<&str>,
    ) -> Result<Page<AliasEntry>, KmsError> {
        let (account, region) = (caller.account(), caller.region());
        let limit = limit(limit_in, DEFAULT_ALIAS_LIMIT, MAX_LIST_LIMIT)?;
        let after = check_marker(marker, |m| m.starts_with("alias/"))?;
        let key = match key_ref {
            Some(raw) => Some(self.resolve(account, region, raw, Refs::KeysOnly).await?),
            None => None,
        };
        Self::authorize(authz, caller, "kms:ListAliases", "*")?;
        let key_id = key.as_ref().map(|k| k.key_id.as_str());
        let stored = self
            .store
            .list_kms_aliases(account, region, key_id, after, limit + 1)
            .await
            .map_err(KmsError::store("listing KMS aliases"))?;
        let mut items: Vec<AliasEntry> = stored
            .into_iter()
            .map(|a| AliasEntry {
                arn: alias_arn(account, region, &a.name),
                name: a.name,
                target_key_id: Some(a.target_key_id),
                created_at: Some(a.created_at),
                updated_at: Some(a.updated_at),
            })
            .collect();
        if key.is_none() && after.is_none_or(|m| m < SECRETS_MANAGER_ALIAS) {
            let exists = self
                .store
                .kms_alias(account, region, SECRETS_MANAGER_ALIAS)
                .await
                .map_err(KmsError::store("reading a KMS alias"))?
                .is_some();
            if !exists {
                let at = items.partition_point(|a| a.name.as_str() < SECRETS_MANAGER_ALIAS);
                items.insert(
                    at,
                    AliasEntry {
                        name: SECRETS_MANAGER_ALIAS.to_owned(),
                        arn: alias_arn(account, region, SECRETS_MANAGER_ALIAS),
                        target_key_id: None,
                        created_at: None,
                        updated_at: None,
                    },
                );
            }
        }
        let next_marker = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|a| a.name.clone())
        } else {
            None
        };
        Ok(Page { items, next_marker })
    }

    // -----------------------------------------------------------------------------------------------------
    // Cryptographic operations.

    async fn seal_value(
        &self,
        key: &KeyRecord,
        plaintext: &[u8],
        context: &EncryptionContext,
    ) -> Result<Vec<u8>, KmsError> {
        let material = self.material(key, key.current_version).await?;
        let sealed = material.seal(plaintext, context);
        Ok(blob::encode(
            Kind::Value,
            &key.key_id,
            key.current_version,
            sealed.as_bytes(),
        ))
    }

    /// Opens a blob in (account, region): the key it names must exist there, be enabled and (when `expected`
    /// names a key) be that key.
    async fn open_blob(
        &self,
        account: &AccountId,
        region: &Region,
        bytes: &[u8],
        context: &EncryptionContext,
        expected: Option<&KeyRecord>,
    ) -> Result<(KeyRecord, SecretBytes), KmsError> {
        let parsed = blob::decode(bytes).ok_or_else(KmsError::invalid_ciphertext)?;
        if let Some(expected) = expected
            && expected.key_id != parsed.key_id
        {
            return Err(KmsError::IncorrectKey {
                message: "The key ID in the request does not identify a CMK that can perform this operation."
                    .to_owned(),
            });
        }
        let key = self.load_key(account, region, parsed.key_id).await?;
        usable(&key)?;
        let material = self.material(&key, parsed.version).await?;
        let sealed = strongroom_types::Sealed::from_bytes(parsed.sealed.to_vec());
        let plaintext = match parsed.kind {
            Kind::Value => material
                .open(&sealed, context)
                .map_err(|_| KmsError::invalid_ciphertext())?,
            Kind::DataKey => {
                let data_key = material
                    .unwrap_data_key(&sealed, context)
                    .map_err(|_| KmsError::invalid_ciphertext())?;
                SecretBytes::from_vec(data_key.expose_secret().to_vec())
            }
        };
        Ok((key, plaintext))
    }

    #[allow(clippy::too_many_arguments, reason = "mirrors the request's members")]
    pub async fn encrypt(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        key_ref: &str,
        plaintext: &[u8],
        context: &EncryptionContext,
        algorithm: Option<&str>,
        dry_run: bool,
    ) -> Result<Encrypted, KmsError> {
        check_plaintext(plaintext)?;
        check_algorithm(algorithm, "encryptionAlgorithm", None)?;
        let key = self
            .resolve(caller.account(), caller.region(), key_ref, Refs::WithAliases)
            .await?;
        let mut request = request_alias(key_ref);
        crypto_context(&mut request, context, algorithm);
        self.authorize_key(authz, caller, "kms:Encrypt", &key, request)?;
        usable(&key)?;
        if dry_run {
            return Err(KmsError::DryRun);
        }
        let blob = self.seal_value(&key, plaintext, context).await?;
        Ok(Encrypted {
            key_arn: key.arn,
            blob,
        })
    }

    #[allow(clippy::too_many_arguments, reason = "mirrors the request's members")]
    pub async fn decrypt(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        blob: &[u8],
        context: &EncryptionContext,
        key_ref: Option<&str>,
        algorithm: Option<&str>,
        dry_run: bool,
    ) -> Result<Decrypted, KmsError> {
        let (account, region) = (caller.account(), caller.region());
        check_algorithm(algorithm, "encryptionAlgorithm", None)?;
        if blob.is_empty() {
            return Err(KmsError::validation(
                "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null",
            ));
        }
        let expected = match key_ref {
            Some(raw) => Some(self.resolve(account, region, raw, Refs::WithAliases).await?),
            None => None,
        };
        let parsed = blob::decode(blob).ok_or_else(KmsError::invalid_ciphertext)?;
        let blob_key = self.load_key(account, region, parsed.key_id).await?;
        let mut request = key_ref.map(request_alias).unwrap_or_default();
        crypto_context(&mut request, context, algorithm);
        self.authorize_key(authz, caller, "kms:Decrypt", &blob_key, request)?;
        let (key, plaintext) = self
            .open_blob(account, region, blob, context, expected.as_ref())
            .await?;
        if dry_run {
            return Err(KmsError::DryRun);
        }
        Ok(Decrypted {
            key_arn: key.arn,
            plaintext,
        })
    }

    #[allow(clippy::too_many_arguments, reason = "mirrors ReEncrypt's request members")]
    pub async fn re_encrypt(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        blob: &[u8],
        source_context: &EncryptionContext,
        source_key_ref: Option<&str>,
        destination_key_ref: &str,
        destination_context: &EncryptionContext,
        algorithms: (Option<&str>, Option<&str>),
        dry_run: bool,
    ) -> Result<ReEncrypted, KmsError> {
        let (account, region) = (caller.account(), caller.region());
        check_algorithm(algorithms.0, "sourceEncryptionAlgorithm", None)?;
        check_algorithm(algorithms.1, "destinationEncryptionAlgorithm", None)?;
        if blob.is_empty() {
            return Err(KmsError::validation(
                "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null",
            ));
        }
        let expected = match source_key_ref {
            Some(raw) => Some(self.resolve(account, region, raw, Refs::WithAliases).await?),
            None => None,
        };
        let parsed = blob::decode(blob).ok_or_else(KmsError::invalid_ciphertext)?;
        let source_key = self.load_key(account, region, parsed.key_id).await?;
        let mut request = source_key_ref.map(request_alias).unwrap_or_default();
        crypto_context(&mut request, source_context, algorithms.0);
        self.authorize_key(authz, caller, "kms:ReEncryptFrom", &source_key, request)?;
        let destination = self
            .resolve(account, region, destination_key_ref, Refs::WithAliases)
            .await?;
        let mut request = request_alias(destination_key_ref);
        crypto_context(&mut request, destination_context, algorithms.1);
        self.authorize_key(authz, caller, "kms:ReEncryptTo", &destination, request)?;
        let (source, plaintext) = self
            .open_blob(account, region, blob, source_context, expected.as_ref())
            .await?;
        usable(&destination)?;
        if dry_run {
            return Err(KmsError::DryRun);
        }
        let blob = self
            .seal_value(&destination, plaintext.expose_secret(), destination_context)
            .await?;
        Ok(ReEncrypted {
            source_key_arn: source.arn,
            key_arn: destination.arn,
            blob,
        })
    }

    /// GenerateDataKey (`with_plaintext`) and GenerateDataKeyWithoutPlaintext.
    #[allow(
        clippy::too_many_arguments,
        reason = "mirrors GenerateDataKey's request members"
    )]
    pub async fn generate_data_key_for_client(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        key_ref: &str,
        size: &DataKeySize,
        context: &EncryptionContext,
        with_plaintext: bool,
        dry_run: bool,
    ) -> Result<GeneratedDataKey, KmsError> {
        let bytes = data_key_bytes(size)?;
        let key = self
            .resolve(caller.account(), caller.region(), key_ref, Refs::WithAliases)
            .await?;
        let action = if with_plaintext {
            "kms:GenerateDataKey"
        } else {
            "kms:GenerateDataKeyWithoutPlaintext"
        };
        let mut request = request_alias(key_ref);
        crypto_context(&mut request, context, None);
        if let Some(spec) = &size.key_spec {
            request.push(pair("kms:DataKeySpec", spec.as_str()));
        }
        self.authorize_key(authz, caller, action, &key, request)?;
        usable(&key)?;
        if dry_run {
            return Err(KmsError::DryRun);
        }
        let material = self.material(&key, key.current_version).await?;
        let (plaintext, blob) = if bytes == 32 {
            let (data_key, wrapped) = material.generate_data_key(context);
            let blob = blob::encode(
                Kind::DataKey,
                &key.key_id,
                key.current_version,
                wrapped.as_bytes(),
            );
            (SecretBytes::from_vec(data_key.expose_secret().to_vec()), blob)
        } else {
            let plaintext = random_secret(&material, bytes);
            let sealed = material.seal(plaintext.expose_secret(), context);
            let blob = blob::encode(Kind::Value, &key.key_id, key.current_version, sealed.as_bytes());
            (plaintext, blob)
        };
        Ok(GeneratedDataKey {
            key_arn: key.arn,
            plaintext: with_plaintext.then_some(plaintext),
            blob,
        })
    }

    // -----------------------------------------------------------------------------------------------------
    // The internal API of Secrets Manager.

    /// The key a secret version is encrypted under. `key_ref` None or Some("") means the AWS-managed key
    /// `alias/aws/secretsmanager`, created on first use in (account, region) with KeyManager AWS.
    pub async fn resolve_secret_key(
        &self,
        account: &AccountId,
        region: &Region,
        key_ref: Option<&str>,
    ) -> Result<ResolvedKey, KmsError> {
        let key = match key_ref.filter(|r| !r.is_empty()) {
            None => self.aws_managed_key(account, region).await?,
            Some(raw) => self.resolve(account, region, raw, Refs::WithAliases).await?,
        };
        Ok(ResolvedKey::of(&key))
    }

    /// A fresh data key under `key_ref` for sealing one secret version, with its ciphertext blob (bound to
    /// `context`). Fails when the key is disabled or pending deletion.
    pub async fn generate_data_key(
        &self,
        account: &AccountId,
        region: &Region,
        key_ref: Option<&str>,
        context: &EncryptionContext,
    ) -> Result<(DataKey, Vec<u8>, ResolvedKey), KmsError> {
        let key = match key_ref.filter(|r| !r.is_empty()) {
            None => self.aws_managed_key(account, region).await?,
            Some(raw) => self.resolve(account, region, raw, Refs::WithAliases).await?,
        };
        usable(&key)?;
        let material = self.material(&key, key.current_version).await?;
        let (data_key, wrapped) = material.generate_data_key(context);
        let blob = blob::encode(
            Kind::DataKey,
            &key.key_id,
            key.current_version,
            wrapped.as_bytes(),
        );
        Ok((data_key, blob, ResolvedKey::of(&key)))
    }

    /// Opens a data key blob made by `generate_data_key` (the blob names its key). Fails when the key is
    /// disabled, pending deletion or gone, or the context differs.
    ///
    /// On the GetSecretValue path: with the key's state fresh in the cache (see `cache.rs`) this is one
    /// AES-GCM unwrap, without a store read.
    pub async fn decrypt_data_key(
        &self,
        account: &AccountId,
        region: &Region,
        blob: &[u8],
        context: &EncryptionContext,
    ) -> Result<DataKey, KmsError> {
        let parsed = blob::decode(blob).ok_or_else(KmsError::invalid_ciphertext)?;
        if parsed.kind != Kind::DataKey {
            return Err(KmsError::invalid_ciphertext());
        }
        let now = self.clock.now();
        let material = match self
            .cache
            .hot(parsed.key_id, parsed.version, account, region, now)
        {
            Hot::Ready(material) => material,
            Hot::NotEnabled(state) => {
                let arn = key_arn(account, region, parsed.key_id);
                return Err(match state {
                    KeyState::PendingDeletion => KmsError::InvalidState {
                        message: format!("{arn} is pending deletion."),
                    },
                    _ => KmsError::Disabled {
                        message: format!("{arn} is disabled."),
                    },
                });
            }
            Hot::Miss => {
                let key = self.load_key(account, region, parsed.key_id).await?;
                usable(&key)?;
                self.material(&key, parsed.version).await?
            }
        };
        let wrapped = strongroom_types::Sealed::from_bytes(parsed.sealed.to_vec());
        material
            .unwrap_data_key(&wrapped, context)
            .map_err(|_| KmsError::invalid_ciphertext())
    }

    // -----------------------------------------------------------------------------------------------------
    // Background work.

    /// Deletes every key whose scheduled deletion date is at or before `now`, with its material and
    /// aliases. Returns how many were deleted. A key whose deletion was cancelled meanwhile is kept.
    pub async fn purge_due(&self, now: OffsetDateTime) -> Result<usize, KmsError> {
        let mut purged = 0;
        loop {
            let due = self
                .store
                .kms_keys_due_for_deletion(now, BATCH)
                .await
                .map_err(KmsError::store("listing KMS keys due for deletion"))?;
            let mut progressed = false;
            for key in &due {
                match self.store.delete_kms_key(&key.key_id, key.revision).await {
                    Ok(()) => {
                        purged += 1;
                        progressed = true;
                        self.cache.remove(&key.key_id);
                        tracing::info!(key_id = %key.key_id, "purged KMS key");
                    }
                    // Changed (its deletion cancelled) or purged by another node since it was listed.
                    Err(StoreError::Conflict | StoreError::NotFound) => {
                        self.cache.remove(&key.key_id);
                    }
                    Err(err) => return Err(KmsError::store("purging a KMS key")(err)),
                }
            }
            if due.len() < BATCH as usize || !progressed {
                return Ok(purged);
            }
        }
    }

    /// Adds a material version to every enabled key whose automatic rotation is due at `now`, and moves its
    /// next rotation one period on. Returns how many keys were rotated.
    pub async fn rotate_due(&self, now: OffsetDateTime) -> Result<usize, KmsError> {
        let now = crate::truncate_to_millis(now);
        let mut rotated = 0;
        loop {
            let due = self
                .store
                .kms_keys_due_for_rotation(now, BATCH)
                .await
                .map_err(KmsError::store("listing KMS keys due for rotation"))?;
            let mut progressed = false;
            for key in due.iter().cloned() {
                let mut current = key;
                for _ in 0..CAS_ATTEMPTS {
                    let outcome = self
                        .apply(current.clone(), &mut |kms: &Self, k: &mut KeyRecord, _| {
                            let due = k.state == KeyState::Enabled
                                && k.rotation_enabled
                                && k.next_rotation_at.is_some_and(|at| at <= now);
                            if !due {
                                return Ok(Change::Unchanged);
                            }
                            let days = k.rotation_period_days.map_or(DEFAULT_ROTATION_DAYS, i64::from);
                            k.next_rotation_at = Some(now + Duration::days(days));
                            kms.rotate(k, now)
                        })
                        .await?;
                    match outcome {
                        Some(after) => {
                            if after.revision != current.revision {
                                rotated += 1;
                                progressed = true;
                                tracing::info!(key_id = %after.key_id, version = after.current_version, "rotated KMS key");
                            }
                            break;
                        }
                        None => match self
                            .store
                            .kms_key(&current.key_id)
                            .await
                            .map_err(KmsError::store("re-reading a KMS key"))?
                        {
                            Some(fresh) => current = fresh,
                            None => break,
                        },
                    }
                }
            }
            if due.len() < BATCH as usize || !progressed {
                return Ok(rotated);
            }
        }
    }
}

/// `len` random secret bytes, drawn as data keys so that they never sit in an unprotected buffer.
fn random_secret(material: &KeyMaterial, len: usize) -> SecretBytes {
    let mut out = Vec::with_capacity(len.div_ceil(32) * 32);
    while out.len() < len {
        let (key, _) = material.generate_data_key(&EncryptionContext::new());
        out.extend_from_slice(key.expose_secret());
    }
    out.truncate(len);
    SecretBytes::from_vec(out)
}
