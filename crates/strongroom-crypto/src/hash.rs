//! SHA-256 and HMAC-SHA256, the primitives SigV4 and the audit chain are built from.

use aws_lc_rs::{digest, hmac};
use zeroize::Zeroizing;

/// The length of a SHA-256 digest and of an HMAC-SHA256 tag.
pub const SHA256_LEN: usize = 32;

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; SHA256_LEN] {
    let digest = digest::digest(&digest::SHA256, data);
    let mut out = [0u8; SHA256_LEN];
    out.copy_from_slice(digest.as_ref());
    out
}

/// SHA-256 of `data`, as lowercase hex (the form SigV4 uses for payload hashes).
pub fn sha256_hex(data: &[u8]) -> String {
    to_hex(&sha256(data))
}

/// An incremental SHA-256, for inputs built in pieces (a canonical request, a streamed body).
pub struct Sha256(digest::Context);

impl Sha256 {
    pub fn new() -> Self {
        Self(digest::Context::new(&digest::SHA256))
    }

    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    pub fn finish(self) -> [u8; SHA256_LEN] {
        let digest = self.0.finish();
        let mut out = [0u8; SHA256_LEN];
        out.copy_from_slice(digest.as_ref());
        out
    }
}

impl Default for Sha256 {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sha256")
    }
}

/// HMAC-SHA256 of `message` under `key`. The tag is wrapped in `Zeroizing` because in SigV4's key chain
/// every intermediate tag is itself a key.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> Zeroizing<[u8; SHA256_LEN]> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let tag = hmac::sign(&key, message);
    let mut out = Zeroizing::new([0u8; SHA256_LEN]);
    out.copy_from_slice(tag.as_ref());
    out
}

/// An HMAC-SHA256 key prepared once (its inner and outer pads hashed) for many messages: a hot path that
/// MACs with the same key on every request (a SigV4 signing key, the audit chain key) saves half the work
/// of [`hmac_sha256`] on short messages. aws-lc cleanses the prepared state when it is dropped.
pub struct HmacKey(hmac::Key);

impl HmacKey {
    pub fn new(key: &[u8]) -> Self {
        Self(hmac::Key::new(hmac::HMAC_SHA256, key))
    }

    /// HMAC-SHA256 of `message` under this key.
    pub fn sign(&self, message: &[u8]) -> Zeroizing<[u8; SHA256_LEN]> {
        self.sign_parts(&[message])
    }

    /// HMAC-SHA256 of the concatenation of `parts`, without building it.
    pub fn sign_parts(&self, parts: &[&[u8]]) -> Zeroizing<[u8; SHA256_LEN]> {
        let mut context = hmac::Context::with_key(&self.0);
        for part in parts {
            context.update(part);
        }
        let tag = context.sign();
        let mut out = Zeroizing::new([0u8; SHA256_LEN]);
        out.copy_from_slice(tag.as_ref());
        out
    }
}

impl std::fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HmacKey([redacted])")
    }
}

/// Lowercase hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_empty_input() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn incremental_matches_one_shot() {
        let mut h = Sha256::new();
        h.update(b"hello ");
        h.update(b"world");
        assert_eq!(h.finish(), sha256(b"hello world"));
    }

    #[test]
    fn hmac_rfc4231_case_2() {
        let tag = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            *HmacKey::new(b"Jefe").sign(b"what do ya want for nothing?"),
            *tag,
            "a prepared key gives the same tag"
        );
        assert_eq!(
            *HmacKey::new(b"Jefe").sign_parts(&[b"what do ya ", b"", b"want for nothing?"]),
            *tag,
            "parts are MACed as their concatenation"
        );
        assert_eq!(
            to_hex(&tag[..]),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
