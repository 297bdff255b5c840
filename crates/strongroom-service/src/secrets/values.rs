//! Sealing and opening secret values: a fresh KMS data key per version, bound to the secret's ARN and the
//! version id (the encryption context AWS uses: `SecretARN`, `SecretVersionId`).
//!
//! Layout of a sealed value: `1 | u32 length of the data key blob | data key blob | ciphertext`, where the
//! ciphertext is the data key's AES-256-GCM seal of `kind | bytes` (kind 0 = string, 1 = binary) with the
//! context's canonical bytes as associated data.

use strongroom_crypto::{EncryptionContext, ExposeSecret, SecretBytes, SecretString};
use strongroom_store::secrets::SecretRecord;
use strongroom_types::Sealed;
use zeroize::Zeroizing;

use super::SecretsError;
use crate::Caller;
use crate::authz::Authorizer;
use crate::kms::{Kms, ResolvedKey, ViaKey};

const FORMAT: u8 = 1;
const KIND_STRING: u8 = 0;
const KIND_BINARY: u8 = 1;

/// A secret's value: text or bytes.
pub enum SecretPayload {
    String(SecretString),
    Binary(SecretBytes),
}

impl std::fmt::Debug for SecretPayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::String(_) => f.write_str("SecretPayload::String([redacted])"),
            Self::Binary(_) => f.write_str("SecretPayload::Binary([redacted])"),
        }
    }
}

impl SecretPayload {
    fn kind_and_bytes(&self) -> (u8, &[u8]) {
        match self {
            Self::String(s) => (KIND_STRING, s.expose_secret().as_bytes()),
            Self::Binary(b) => (KIND_BINARY, b.expose_secret()),
        }
    }

    /// Whether two values are the same kind and bytes, compared in constant time.
    pub(crate) fn same_as(&self, other: &Self) -> bool {
        let (a_kind, a) = self.kind_and_bytes();
        let (b_kind, b) = other.kind_and_bytes();
        a_kind == b_kind && strongroom_crypto::ct::eq(a, b)
    }
}

pub(crate) fn context(arn: &str, version_id: &str) -> EncryptionContext {
    EncryptionContext::from_pairs([("SecretARN", arn), ("SecretVersionId", version_id)])
}

/// Seals `payload` as version `version_id` of `record`, under the record's KMS key.
pub(crate) async fn seal(
    kms: &Kms,
    record: &SecretRecord,
    version_id: &str,
    payload: &SecretPayload,
) -> Result<(Sealed, ResolvedKey), SecretsError> {
    let ctx = context(&record.arn, version_id);
    let (data_key, blob, key) = kms
        .generate_data_key(
            &record.account_id,
            &record.region,
            record.kms_key_id.as_deref(),
            &ctx,
        )
        .await
        .map_err(SecretsError::encryption)?;
    let (kind, bytes) = payload.kind_and_bytes();
    let mut plain = Zeroizing::new(Vec::with_capacity(bytes.len() + 1));
    plain.push(kind);
    plain.extend_from_slice(bytes);
    let ciphertext = data_key.seal(&plain, &ctx.canonical_bytes());
    let blob_len = u32::try_from(blob.len())
        .map_err(|_| SecretsError::EncryptionFailure("data key too large".into()))?;
    let mut sealed = Vec::with_capacity(5 + blob.len() + ciphertext.len());
    sealed.push(FORMAT);
    sealed.extend_from_slice(&blob_len.to_be_bytes());
    sealed.extend_from_slice(&blob);
    sealed.extend_from_slice(&ciphertext);
    Ok((Sealed::from_bytes(sealed), key))
}

/// Opens version `version_id` of `record`.
pub(crate) async fn open(
    kms: &Kms,
    record: &SecretRecord,
    version_id: &str,
    sealed: &Sealed,
) -> Result<SecretPayload, SecretsError> {
    open_as(kms, record, version_id, sealed, None).await
}

/// [`open`] for a caller, who (as in AWS) also needs `kms:Decrypt` through Secrets Manager on a customer
/// managed key. A secret without a key of its own is under the AWS managed key: no check, no work.
pub(crate) async fn open_as(
    kms: &Kms,
    record: &SecretRecord,
    version_id: &str,
    sealed: &Sealed,
    caller: Option<(&Authorizer, &Caller)>,
) -> Result<SecretPayload, SecretsError> {
    let corrupt = || {
        SecretsError::DecryptionFailure(
            "Secrets Manager can't decrypt the protected secret text using the provided KMS key.".to_owned(),
        )
    };
    let bytes = sealed.as_bytes();
    let (&format, rest) = bytes.split_first().ok_or_else(corrupt)?;
    if format != FORMAT || rest.len() < 4 {
        return Err(corrupt());
    }
    let (len, rest) = rest.split_at(4);
    let blob_len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
    if rest.len() < blob_len {
        return Err(corrupt());
    }
    let (blob, ciphertext) = rest.split_at(blob_len);
    let ctx = context(&record.arn, version_id);
    if let Some((authz, caller)) = caller
        && record.kms_key_id.is_some()
    {
        kms.authorize_via_service(authz, caller, ViaKey::Blob(blob), "kms:Decrypt", &ctx)
            .await
            .map_err(SecretsError::decryption)?;
    }
    let data_key = kms
        .decrypt_data_key(&record.account_id, &record.region, blob, &ctx)
        .await
        .map_err(SecretsError::decryption)?;
    let plain = data_key
        .open(ciphertext, &ctx.canonical_bytes())
        .map_err(|_| corrupt())?;
    let (&kind, value) = plain.expose_secret().split_first().ok_or_else(corrupt)?;
    match kind {
        KIND_STRING => {
            let text = std::str::from_utf8(value).map_err(|_| corrupt())?;
            Ok(SecretPayload::String(SecretString::from(text.to_owned())))
        }
        KIND_BINARY => Ok(SecretPayload::Binary(SecretBytes::from_vec(value.to_vec()))),
        _ => Err(corrupt()),
    }
}
