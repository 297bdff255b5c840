//! AES-256-GCM (NIST SP 800-38D) with random 96-bit nonces, and HKDF-Expand (RFC 5869) for subkeys.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use zeroize::Zeroizing;

use crate::{CryptoError, fatal, hash, random};

/// The length of every symmetric key in the crate.
pub(crate) const KEY_LEN: usize = 32;
pub(crate) const NONCE_LEN: usize = 12;
pub(crate) const TAG_LEN: usize = 16;
/// What sealing adds to a plaintext: the nonce before it and the tag after it.
pub(crate) const SEAL_OVERHEAD: usize = NONCE_LEN + TAG_LEN;

/// An AES-256-GCM key. aws-lc frees (and cleanses) the key schedule on drop.
pub(crate) struct Aes256Gcm(LessSafeKey);

impl Aes256Gcm {
    pub(crate) fn new(key: &[u8; KEY_LEN]) -> Self {
        match UnboundKey::new(&AES_256_GCM, key) {
            Ok(key) => Self(LessSafeKey::new(key)),
            Err(_) => fatal("AES-256-GCM refused a 32-byte key"),
        }
    }

    /// Appends `nonce || ciphertext || tag` to `out`, with a fresh random nonce. Room is reserved before the
    /// plaintext is copied in to be encrypted in place, so no reallocation leaves a plaintext copy behind.
    pub(crate) fn seal_append(&self, aad: &[u8], plaintext: &[u8], out: &mut Vec<u8>) {
        let nonce = random::bytes::<NONCE_LEN>();
        out.reserve(SEAL_OVERHEAD + plaintext.len());
        out.extend_from_slice(&nonce);
        let start = out.len();
        out.extend_from_slice(plaintext);
        let Some(in_out) = out.get_mut(start..) else {
            fatal("sealed buffer shorter than its plaintext")
        };
        match self
            .0
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad), in_out)
        {
            Ok(tag) => out.extend_from_slice(tag.as_ref()),
            // Only a plaintext over 64 GiB is refused; nothing in Strongroom comes near.
            Err(_) => fatal("AES-256-GCM refused to seal"),
        }
    }

    /// Opens `nonce || ciphertext || tag` into a buffer that is zeroed when dropped.
    pub(crate) fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if sealed.len() < SEAL_OVERHEAD {
            return Err(CryptoError::Malformed(
                "ciphertext shorter than its nonce and tag",
            ));
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::Decrypt)?;
        // Zeroizing from the start: on failure the buffer may hold unauthenticated plaintext.
        let mut buf = Zeroizing::new(body.to_vec());
        let plain_len = self
            .0
            .open_in_place(nonce, Aad::from(aad), &mut buf)
            .map_err(|_| CryptoError::Decrypt)?
            .len();
        buf.truncate(plain_len);
        Ok(buf)
    }
}

/// HKDF-Expand (RFC 5869 section 2.3) of one 32-byte block: `HMAC-SHA256(prk, info || 0x01)`. Every key in
/// Strongroom is 32 uniformly random bytes, so it serves as the PRK without an extract step.
pub(crate) fn expand(prk: &[u8; KEY_LEN], info: &[&[u8]]) -> Zeroizing<[u8; KEY_LEN]> {
    let mut input = info.concat();
    input.push(0x01);
    hash::hmac_sha256(prk, &input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expand_matches_rfc5869_test_case_1() {
        let prk: [u8; 32] = hex::decode("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")
            .unwrap()
            .try_into()
            .unwrap();
        let okm = expand(
            &prk,
            &[
                &hex::decode("f0f1f2f3f4").unwrap(),
                &hex::decode("f5f6f7f8f9").unwrap(),
            ],
        );
        assert_eq!(
            hex::encode(*okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
        );
    }

    #[test]
    fn expand_matches_aws_lc_hkdf() {
        use aws_lc_rs::hkdf::{HKDF_SHA256, Prk};
        let prk = random::bytes::<32>();
        let mut expected = [0u8; 32];
        Prk::new_less_safe(HKDF_SHA256, &prk)
            .expand(&[b"label"], HKDF_SHA256)
            .unwrap()
            .fill(&mut expected)
            .unwrap();
        assert_eq!(*expand(&prk, &[b"label"]), expected);
    }

    #[test]
    fn seal_then_open() {
        let key = Aes256Gcm::new(&random::bytes());
        let mut out = vec![7];
        key.seal_append(b"aad", b"plaintext", &mut out);
        assert_eq!(out.len(), 1 + SEAL_OVERHEAD + 9);
        assert_eq!(key.open(b"aad", &out[1..]).unwrap().as_slice(), b"plaintext");
        assert_eq!(key.open(b"other", &out[1..]), Err(CryptoError::Decrypt));
        assert_eq!(
            key.open(b"aad", &out[1..SEAL_OVERHEAD]),
            Err(CryptoError::Malformed(
                "ciphertext shorter than its nonce and tag"
            ))
        );
    }

    #[test]
    fn known_answer_nist_gcm_test_case_16() {
        // The GCM specification's test case 16 (AES-256, 96-bit IV, with AAD), checked against aws-lc through
        // `open`, which reads the nonce from the front.
        let key: [u8; 32] = hex::decode("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
            .unwrap()
            .try_into()
            .unwrap();
        let sealed = hex::decode(concat!(
            "cafebabefacedbaddecaf888",
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            "76fc6ece0f4e1768cddf8853bb2d551b",
        ))
        .unwrap();
        let aad = hex::decode("feedfacedeadbeeffeedfacedeadbeefabaddad2").unwrap();
        let plain = Aes256Gcm::new(&key).open(&aad, &sealed).unwrap();
        assert_eq!(
            hex::encode(plain.as_slice()),
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
        );
    }
}
