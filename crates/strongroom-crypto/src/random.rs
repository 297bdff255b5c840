//! Random bytes, identifiers and passwords from aws-lc's CSPRNG, sampled without modulo bias.

mod password;

pub use password::{PUNCTUATION, PasswordRules, password};

use secrecy::SecretString;
use strongroom_types::AccessKeyId;
use zeroize::Zeroizing;

use crate::fatal;

/// The RFC 4648 base32 alphabet, which AWS access key ids are drawn from.
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// The alphabet of AWS secret access keys (standard base64 without padding).
const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/// The URL-safe base64 alphabet.
const BASE64_URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const ALNUM: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Fills `dest` from the CSPRNG. aws-lc aborts the process itself when its generator fails; should it ever
/// return an error instead, this aborts too, since nothing sound can continue without randomness.
pub(crate) fn fill(dest: &mut [u8]) {
    if aws_lc_rs::rand::fill(dest).is_err() {
        fatal("the system random generator failed");
    }
}

/// `N` random bytes.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    fill(&mut out);
    out
}

/// Draws uniformly from small ranges, buffering the generator's output. The buffer is zeroed on drop, as its
/// bytes become passwords and keys.
pub(crate) struct Sampler {
    buf: Zeroizing<[u8; 256]>,
    used: usize,
}

impl Sampler {
    pub(crate) fn new() -> Self {
        Self {
            buf: Zeroizing::new([0; 256]),
            used: 256,
        }
    }

    fn next_u32(&mut self) -> u32 {
        if self.used + 4 > self.buf.len() {
            fill(&mut self.buf[..]);
            self.used = 0;
        }
        let mut word = [0u8; 4];
        word.copy_from_slice(&self.buf[self.used..self.used + 4]);
        self.used += 4;
        u32::from_le_bytes(word)
    }

    /// A uniform integer in `0..n`, by rejection sampling: 32-bit draws at or above the largest multiple of
    /// `n` are thrown away, so every remainder is equally likely. `n` must be in `1..=2^32`.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        let n = n as u64;
        let range = 1u64 << 32;
        let limit = range - range % n;
        loop {
            let x = u64::from(self.next_u32());
            if x < limit {
                return (x % n) as usize;
            }
        }
    }

    /// A uniform pick from `alphabet`, which must not be empty.
    pub(crate) fn pick(&mut self, alphabet: &[u8]) -> u8 {
        alphabet[self.below(alphabet.len())]
    }

    /// `len` characters drawn uniformly from `alphabet` (ASCII), appended to `out`.
    fn push_chars(&mut self, alphabet: &[u8], len: usize, out: &mut String) {
        for _ in 0..len {
            out.push(char::from(self.pick(alphabet)));
        }
    }
}

/// `len` characters from an ASCII alphabet, built in a buffer of exactly the final size so no copy is left.
fn secret_chars(alphabet: &[u8], len: usize) -> SecretString {
    let mut out = String::with_capacity(len);
    Sampler::new().push_chars(alphabet, len, &mut out);
    SecretString::from(out)
}

fn access_key_id(prefix: &str) -> AccessKeyId {
    let mut id = String::with_capacity(20);
    id.push_str(prefix);
    Sampler::new().push_chars(BASE32, 16, &mut id);
    match id.parse() {
        Ok(id) => id,
        Err(_) => fatal("a generated access key id did not parse"),
    }
}

/// A long-term access key id: `AKIA` and 16 characters from `A`–`Z`, `2`–`7`.
pub fn access_key_id_long_term() -> AccessKeyId {
    access_key_id("AKIA")
}

/// A temporary (STS) access key id: `ASIA` and 16 characters from `A`–`Z`, `2`–`7`.
pub fn access_key_id_temporary() -> AccessKeyId {
    access_key_id("ASIA")
}

/// A secret access key as AWS issues them: 40 characters from `A`–`Z a`–`z 0`–`9 + /` (240 bits).
pub fn secret_access_key() -> SecretString {
    secret_chars(BASE64, 40)
}

/// A bearer token of `chars` characters from the URL-safe base64 alphabet (6 bits each).
pub fn token_urlsafe(chars: usize) -> SecretString {
    secret_chars(BASE64_URL, chars)
}

/// A random (version 4) UUID in lowercase hyphenated form, `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`.
///
/// Every API call takes two (its request id and its audit event id), so the CSPRNG's output is drawn a
/// few hundred bytes at a time into a per-thread pool: one generator call, with its reseeding checks, per
/// 32 ids instead of per id. UUIDs name things and are public, so the pool needs no zeroizing.
pub fn uuid_v4() -> String {
    let mut b = UUID_POOL.with(|pool| pool.borrow_mut().take());
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// How many UUIDs' worth of random bytes one refill of the pool draws.
const UUIDS_PER_REFILL: usize = 32;

struct UuidPool {
    bytes: [u8; 16 * UUIDS_PER_REFILL],
    used: usize,
}

impl UuidPool {
    fn take(&mut self) -> [u8; 16] {
        if self.used == self.bytes.len() {
            fill(&mut self.bytes);
            self.used = 0;
        }
        let mut out = [0u8; 16];
        out.copy_from_slice(&self.bytes[self.used..self.used + 16]);
        self.used += 16;
        out
    }
}

thread_local! {
    static UUID_POOL: std::cell::RefCell<UuidPool> = const {
        std::cell::RefCell::new(UuidPool {
            bytes: [0; 16 * UUIDS_PER_REFILL],
            used: 16 * UUIDS_PER_REFILL,
        })
    };
}

/// `len` characters from `A`–`Z a`–`z 0`–`9`, such as the 6-character suffix of a secret's ARN.
pub fn alnum_suffix(len: usize) -> String {
    let mut out = String::with_capacity(len);
    Sampler::new().push_chars(ALNUM, len, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use secrecy::ExposeSecret;
    use strongroom_types::AccessKeyKind;

    #[test]
    fn bytes_are_not_constant() {
        assert_ne!(bytes::<32>(), bytes::<32>());
        assert_ne!(bytes::<16>(), [0; 16]);
    }

    #[test]
    fn access_key_ids_have_the_right_kind_and_alphabet() {
        for _ in 0..200 {
            let long = access_key_id_long_term();
            let temp = access_key_id_temporary();
            assert_eq!(long.kind(), AccessKeyKind::LongTerm);
            assert_eq!(temp.kind(), AccessKeyKind::Temporary);
            for id in [&long, &temp] {
                let reparsed: AccessKeyId = id.as_str().parse().unwrap();
                assert_eq!(reparsed.as_str(), id.as_str());
                assert_eq!(id.as_str().len(), 20);
                assert!(id.as_str()[4..].bytes().all(|b| BASE32.contains(&b)), "{id}");
            }
        }
        assert_ne!(
            access_key_id_long_term().as_str(),
            access_key_id_long_term().as_str()
        );
    }

    #[test]
    fn secret_access_keys_look_like_aws() {
        let key = secret_access_key();
        assert_eq!(key.expose_secret().len(), 40);
        assert!(
            key.expose_secret()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        );
        assert_ne!(key.expose_secret(), secret_access_key().expose_secret());
    }

    #[test]
    fn tokens_are_url_safe() {
        let token = token_urlsafe(64);
        assert_eq!(token.expose_secret().len(), 64);
        assert!(
            token
                .expose_secret()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(token_urlsafe(0).expose_secret(), "");
    }

    #[test]
    fn uuids_are_version_4() {
        let id = uuid_v4();
        assert_eq!(id.len(), 36);
        let groups: Vec<&str> = id.split('-').collect();
        assert_eq!(
            groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(
            id.bytes()
                .all(|b| b == b'-' || b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert!(groups[2].starts_with('4'));
        assert!(matches!(groups[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
        assert_ne!(id, uuid_v4());
        // Past a refill of the per-thread pool, ids stay well formed and distinct.
        let many: std::collections::HashSet<String> =
            (0..3 * UUIDS_PER_REFILL + 5).map(|_| uuid_v4()).collect();
        assert_eq!(many.len(), 3 * UUIDS_PER_REFILL + 5);
        assert!(many.iter().all(|id| id.len() == 36 && id.as_bytes()[14] == b'4'));
    }

    #[test]
    fn alnum_suffixes() {
        let suffix = alnum_suffix(6);
        assert_eq!(suffix.len(), 6);
        assert!(suffix.bytes().all(|b| b.is_ascii_alphanumeric()));
    }

    #[test]
    fn every_character_of_an_alphabet_is_reached_about_equally() {
        // 62 is not a power of two: modulo reduction of a byte would favour the first 8 characters by
        // 5/4. With rejection sampling each count stays near 62_000 / 62 = 1000.
        let mut counts = [0u32; 62];
        let mut sampler = Sampler::new();
        for _ in 0..62_000 {
            counts[sampler.below(62)] += 1;
        }
        let first: u32 = counts[..8].iter().sum();
        let rest: u32 = counts[8..16].iter().sum();
        assert!(counts.iter().all(|&c| (800..1200).contains(&c)), "{counts:?}");
        assert!(first.abs_diff(rest) < 700, "{first} vs {rest}");
    }

    proptest! {
        #[test]
        fn below_stays_in_range(n in 1usize..=5000) {
            let mut sampler = Sampler::new();
            for _ in 0..20 {
                prop_assert!(sampler.below(n) < n);
            }
        }
    }
}
