//! The sealed binary formats: envelope encryption under a key-encryption key.
//!
//! Every sealed byte string starts with a format byte, which names both what it holds and the version of its
//! layout; a later layout gets a new byte. Each AES-256-GCM operation authenticates, as associated data,
//! `format byte || step byte || payload`, where the step byte is `K` for wrapping a data key and `D` for
//! encrypting data, and the payload is the encryption context's canonical encoding (or, for a
//! [`DataKey`](crate::DataKey) ciphertext, the caller's associated data). So a ciphertext of one kind never
//! opens as another, and one sealed under one context never opens under another.
//!
//! ```text
//! 0x01 value under key material        0x01 | nonce(12) | wrapped data key(32) | tag(16) | nonce(12) | data | tag(16)
//! 0x02 key material under the root key 0x02 | same layout as 0x01, data = the 32 bytes of key material
//! 0x03 wrapped data key                0x03 | nonce(12) | wrapped data key(32) | tag(16)
//! 0x04 data under a data key           0x04 | nonce(12) | data | tag(16)
//! ```

use strongroom_types::Sealed;
use zeroize::Zeroizing;

use crate::aead::{Aes256Gcm, KEY_LEN, SEAL_OVERHEAD};
use crate::{CryptoError, DataKey, EncryptionContext};

/// A value sealed under a KMS key version or a system key.
pub(crate) const FORMAT_VALUE: u8 = 0x01;
/// Key material sealed under the root key.
pub(crate) const FORMAT_KEY_MATERIAL: u8 = 0x02;
/// A data key wrapped under key material, on its own (KMS `GenerateDataKey`).
pub(crate) const FORMAT_WRAPPED_DATA_KEY: u8 = 0x03;
/// Data sealed directly under a data key.
pub(crate) const FORMAT_DATA_KEY_CIPHERTEXT: u8 = 0x04;

const STEP_WRAP: u8 = b'K';
const STEP_DATA: u8 = b'D';

/// The length of a wrapped data key: nonce, key and tag.
const WRAPPED_KEY_LEN: usize = SEAL_OVERHEAD + KEY_LEN;
/// What an envelope adds to its plaintext.
pub(crate) const ENVELOPE_OVERHEAD: usize = 1 + WRAPPED_KEY_LEN + SEAL_OVERHEAD;

fn aad(format: u8, step: u8, payload: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(2 + payload.len());
    aad.extend_from_slice(&[format, step]);
    aad.extend_from_slice(payload);
    aad
}

/// Splits off the format byte; a different one reads as a failed decryption, since a flipped bit there is
/// indistinguishable from any other.
fn body(bytes: &[u8], format: u8, min_len: usize) -> Result<&[u8], CryptoError> {
    if bytes.len() < min_len {
        return Err(CryptoError::Malformed("sealed bytes shorter than their header"));
    }
    match bytes.split_first() {
        Some((&found, body)) if found == format => Ok(body),
        _ => Err(CryptoError::Decrypt),
    }
}

/// Seals `plaintext` under a fresh data key, and the data key under `kek`.
pub(crate) fn seal(kek: &Aes256Gcm, format: u8, plaintext: &[u8], ctx: &EncryptionContext) -> Sealed {
    let ctx = ctx.canonical_bytes();
    let data_key = DataKey::generate();
    let mut out = Vec::with_capacity(ENVELOPE_OVERHEAD + plaintext.len());
    out.push(format);
    kek.seal_append(&aad(format, STEP_WRAP, &ctx), data_key.expose_secret(), &mut out);
    data_key
        .aead()
        .seal_append(&aad(format, STEP_DATA, &ctx), plaintext, &mut out);
    Sealed::from_bytes(out)
}

/// Opens what [`seal`] made with the same `kek`, `format` and context.
pub(crate) fn open(
    kek: &Aes256Gcm,
    format: u8,
    sealed: &Sealed,
    ctx: &EncryptionContext,
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let body = body(sealed.as_bytes(), format, ENVELOPE_OVERHEAD)?;
    let (wrapped, data) = body.split_at(WRAPPED_KEY_LEN);
    let ctx = ctx.canonical_bytes();
    let data_key = unwrap_key(kek, &aad(format, STEP_WRAP, &ctx), wrapped)?;
    data_key.aead().open(&aad(format, STEP_DATA, &ctx), data)
}

/// Wraps `data_key` under `kek` on its own.
pub(crate) fn wrap_data_key(kek: &Aes256Gcm, data_key: &DataKey, ctx: &EncryptionContext) -> Sealed {
    let mut out = Vec::with_capacity(1 + WRAPPED_KEY_LEN);
    out.push(FORMAT_WRAPPED_DATA_KEY);
    kek.seal_append(
        &aad(FORMAT_WRAPPED_DATA_KEY, STEP_WRAP, &ctx.canonical_bytes()),
        data_key.expose_secret(),
        &mut out,
    );
    Sealed::from_bytes(out)
}

/// Unwraps what [`wrap_data_key`] made with the same `kek` and context.
pub(crate) fn unwrap_data_key(
    kek: &Aes256Gcm,
    wrapped: &Sealed,
    ctx: &EncryptionContext,
) -> Result<DataKey, CryptoError> {
    let bytes = wrapped.as_bytes();
    if bytes.len() != 1 + WRAPPED_KEY_LEN {
        return Err(CryptoError::Malformed("a wrapped data key has the wrong length"));
    }
    let body = body(bytes, FORMAT_WRAPPED_DATA_KEY, 1 + WRAPPED_KEY_LEN)?;
    unwrap_key(
        kek,
        &aad(FORMAT_WRAPPED_DATA_KEY, STEP_WRAP, &ctx.canonical_bytes()),
        body,
    )
}

fn unwrap_key(kek: &Aes256Gcm, aad: &[u8], wrapped: &[u8]) -> Result<DataKey, CryptoError> {
    let key = kek.open(aad, wrapped)?;
    let key: &[u8; KEY_LEN] = key.as_slice().try_into().map_err(|_| CryptoError::Decrypt)?;
    Ok(DataKey::from_bytes(key))
}

/// Seals `plaintext` directly under `key`, binding `caller_aad`.
pub(crate) fn seal_with_data_key(key: &Aes256Gcm, plaintext: &[u8], caller_aad: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + SEAL_OVERHEAD + plaintext.len());
    out.push(FORMAT_DATA_KEY_CIPHERTEXT);
    key.seal_append(
        &aad(FORMAT_DATA_KEY_CIPHERTEXT, STEP_DATA, caller_aad),
        plaintext,
        &mut out,
    );
    out
}

/// Opens what [`seal_with_data_key`] made with the same key and associated data.
pub(crate) fn open_with_data_key(
    key: &Aes256Gcm,
    ciphertext: &[u8],
    caller_aad: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let body = body(ciphertext, FORMAT_DATA_KEY_CIPHERTEXT, 1 + SEAL_OVERHEAD)?;
    key.open(&aad(FORMAT_DATA_KEY_CIPHERTEXT, STEP_DATA, caller_aad), body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KeyMaterial;

    #[test]
    fn layout_of_a_sealed_value() {
        let key = KeyMaterial::generate();
        let sealed = key.seal(b"0123456789", &EncryptionContext::new());
        let bytes = sealed.as_bytes();
        assert_eq!(bytes.len(), ENVELOPE_OVERHEAD + 10);
        assert_eq!(ENVELOPE_OVERHEAD, 89);
        assert_eq!(bytes[0], FORMAT_VALUE);
        // The plaintext appears nowhere in the output.
        assert!(!bytes.windows(10).any(|w| w == b"0123456789"));
    }

    #[test]
    fn short_input_is_malformed_and_a_foreign_format_byte_does_not_open() {
        let key = KeyMaterial::generate();
        let ctx = EncryptionContext::new();
        let sealed = key.seal(b"", &ctx);
        assert_eq!(sealed.as_bytes().len(), ENVELOPE_OVERHEAD);
        let short = Sealed::from_bytes(sealed.as_bytes()[..ENVELOPE_OVERHEAD - 1].to_vec());
        assert!(matches!(key.open(&short, &ctx), Err(CryptoError::Malformed(_))));
        assert!(matches!(
            key.open(&Sealed::from_bytes(Vec::new()), &ctx),
            Err(CryptoError::Malformed(_))
        ));
        let mut relabelled = sealed.into_bytes();
        relabelled[0] = FORMAT_KEY_MATERIAL;
        assert_eq!(
            key.open(&Sealed::from_bytes(relabelled), &ctx).unwrap_err(),
            CryptoError::Decrypt
        );
    }

    #[test]
    fn a_data_key_cut_from_an_envelope_does_not_unwrap_on_its_own() {
        let key = KeyMaterial::generate();
        let ctx = EncryptionContext::from_pairs([("k", "v")]);
        let sealed = key.seal(b"value", &ctx);
        let mut cut = sealed.as_bytes()[..1 + WRAPPED_KEY_LEN].to_vec();
        cut[0] = FORMAT_WRAPPED_DATA_KEY;
        assert_eq!(
            key.unwrap_data_key(&Sealed::from_bytes(cut), &ctx).unwrap_err(),
            CryptoError::Decrypt
        );
    }
}
