//! The key hierarchy: the root key seals key material, key material seals values through fresh data keys.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretBox};
use strongroom_types::Sealed;
use zeroize::Zeroizing;

use crate::aead::{Aes256Gcm, KEY_LEN, expand};
use crate::envelope::{self, FORMAT_KEY_MATERIAL, FORMAT_VALUE};
use crate::secret::SecretBytes;
use crate::{CryptoError, EncryptionContext, ct, hash, random};

/// HKDF info for the AES key a root key or key material wraps data keys with.
const INFO_WRAP: &[u8] = b"strongroom/v1/wrap";
/// HKDF info for the root key's public fingerprint.
const INFO_FINGERPRINT: &[u8] = b"strongroom/v1/root-key/fingerprint";
/// HKDF info prefix for MAC subkeys; the caller's label follows.
const INFO_MAC: &[u8] = b"strongroom/v1/mac/";

/// The prefix of a root key file, which names the format's version.
const FILE_PREFIX: &str = "strongroom-root-key-v1:";
/// The length of 32 bytes in padded base64.
const BASE64_KEY_LEN: usize = 44;

/// 32 random bytes written straight into their heap box, never through a stack copy.
fn random_key() -> SecretBox<[u8; KEY_LEN]> {
    SecretBox::init_with_mut(|key: &mut [u8; KEY_LEN]| random::fill(key))
}

fn boxed_key(bytes: &[u8; KEY_LEN]) -> SecretBox<[u8; KEY_LEN]> {
    SecretBox::init_with_mut(|key: &mut [u8; KEY_LEN]| key.copy_from_slice(bytes))
}

fn wrapping_key(secret: &SecretBox<[u8; KEY_LEN]>) -> Aes256Gcm {
    Aes256Gcm::new(&expand(secret.expose_secret(), &[INFO_WRAP]))
}

/// The key-encryption key at the top of the hierarchy: it seals [`KeyMaterial`] and nothing else. It is
/// kept outside the data store, in a file or an environment variable.
pub struct RootKey {
    secret: SecretBox<[u8; KEY_LEN]>,
    wrap: Aes256Gcm,
}

impl RootKey {
    fn from_secret(secret: SecretBox<[u8; KEY_LEN]>) -> Self {
        let wrap = wrapping_key(&secret);
        Self { secret, wrap }
    }

    /// A fresh random root key.
    pub fn generate() -> Self {
        Self::from_secret(random_key())
    }

    /// The key file's text: `strongroom-root-key-v1:<base64 of the 32 bytes>` and a newline.
    pub fn to_file_contents(&self) -> Zeroizing<String> {
        // Exact capacity up front, so that the string never reallocates and leaves a copy behind.
        let mut out = Zeroizing::new(String::with_capacity(FILE_PREFIX.len() + BASE64_KEY_LEN + 1));
        out.push_str(FILE_PREFIX);
        STANDARD.encode_string(self.secret.expose_secret(), &mut out);
        out.push('\n');
        out
    }

    /// Parses a key file written by [`to_file_contents`](Self::to_file_contents). Trailing whitespace (the
    /// final newline, or a CRLF) is ignored.
    pub fn from_file_contents(text: &str) -> Result<Self, CryptoError> {
        let encoded = text
            .trim_end()
            .strip_prefix(FILE_PREFIX)
            .ok_or(CryptoError::Malformed(
                "a root key file must start with strongroom-root-key-v1:",
            ))?;
        Self::from_base64(encoded)
    }

    /// Parses the padded standard base64 of 32 bytes: the form the root key takes in an environment variable.
    pub fn from_base64(encoded: &str) -> Result<Self, CryptoError> {
        let bad = CryptoError::Malformed("a root key must be the base64 of 32 bytes");
        if encoded.len() != BASE64_KEY_LEN {
            return Err(bad);
        }
        let mut buf = Zeroizing::new([0u8; BASE64_KEY_LEN]);
        let len = STANDARD
            .decode_slice(encoded, &mut buf[..])
            .map_err(|_| bad.clone())?;
        let key: &[u8; KEY_LEN] = buf.get(..len).and_then(|b| b.try_into().ok()).ok_or(bad)?;
        Ok(Self::from_secret(boxed_key(key)))
    }

    /// A short public identifier of this key (16 hex digits), to tell "the wrong root key" from "corrupt
    /// data" when key material fails to open. It is derived one-way and reveals nothing of the key.
    pub fn fingerprint(&self) -> String {
        let derived = expand(self.secret.expose_secret(), &[INFO_FINGERPRINT]);
        hash::to_hex(&derived[..8])
    }

    /// Seals `material` under this root key, bound to `ctx`.
    pub fn seal_key(&self, material: &KeyMaterial, ctx: &EncryptionContext) -> Sealed {
        envelope::seal(
            &self.wrap,
            FORMAT_KEY_MATERIAL,
            material.secret.expose_secret(),
            ctx,
        )
    }

    /// Opens key material sealed by [`seal_key`](Self::seal_key) under this root key and the same `ctx`.
    pub fn open_key(&self, sealed: &Sealed, ctx: &EncryptionContext) -> Result<KeyMaterial, CryptoError> {
        let plain = envelope::open(&self.wrap, FORMAT_KEY_MATERIAL, sealed, ctx)?;
        let key: &[u8; KEY_LEN] = plain
            .as_slice()
            .try_into()
            .map_err(|_| CryptoError::Malformed("sealed key material is not 32 bytes"))?;
        Ok(KeyMaterial::from_secret(boxed_key(key)))
    }
}

impl fmt::Debug for RootKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RootKey {{ fingerprint: {}, key: [redacted] }}",
            self.fingerprint()
        )
    }
}

/// 32 bytes of key material: one KMS key version, or one of Strongroom's system keys. Stored sealed under
/// the [`RootKey`].
pub struct KeyMaterial {
    secret: SecretBox<[u8; KEY_LEN]>,
    wrap: Aes256Gcm,
}

impl KeyMaterial {
    fn from_secret(secret: SecretBox<[u8; KEY_LEN]>) -> Self {
        let wrap = wrapping_key(&secret);
        Self { secret, wrap }
    }

    /// Fresh random key material.
    pub fn generate() -> Self {
        Self::from_secret(random_key())
    }

    /// Envelope-encrypts `plaintext`: a fresh data key encrypts it, and this material wraps the data key;
    /// both steps are bound to `ctx`. Two seals of the same input differ.
    pub fn seal(&self, plaintext: &[u8], ctx: &EncryptionContext) -> Sealed {
        envelope::seal(&self.wrap, FORMAT_VALUE, plaintext, ctx)
    }

    /// Opens what [`seal`](Self::seal) made under this material and the same `ctx`.
    pub fn open(&self, sealed: &Sealed, ctx: &EncryptionContext) -> Result<SecretBytes, CryptoError> {
        envelope::open(&self.wrap, FORMAT_VALUE, sealed, ctx).map(SecretBytes::from_zeroizing)
    }

    /// A fresh data key, and the same key wrapped under this material and bound to `ctx` (KMS
    /// `GenerateDataKey`).
    pub fn generate_data_key(&self, ctx: &EncryptionContext) -> (DataKey, Sealed) {
        let key = DataKey::generate();
        let wrapped = envelope::wrap_data_key(&self.wrap, &key, ctx);
        (key, wrapped)
    }

    /// Unwraps a data key made by [`generate_data_key`](Self::generate_data_key) with the same `ctx`.
    pub fn unwrap_data_key(&self, wrapped: &Sealed, ctx: &EncryptionContext) -> Result<DataKey, CryptoError> {
        envelope::unwrap_data_key(&self.wrap, wrapped, ctx)
    }

    /// HMAC-SHA256 of `message` under a subkey derived from this material and `label`, so that MACs made for
    /// one purpose (say, the audit chain) are never valid for another.
    pub fn mac(&self, label: &str, message: &[u8]) -> [u8; hash::SHA256_LEN] {
        *self.mac_key(label).sign(message)
    }

    /// The key [`mac`](Self::mac) uses for `label`, prepared once for a writer that MACs many messages.
    pub fn mac_key(&self, label: &str) -> hash::HmacKey {
        let subkey = expand(self.secret.expose_secret(), &[INFO_MAC, label.as_bytes()]);
        hash::HmacKey::new(&subkey[..])
    }

    /// Whether `tag` is [`mac`](Self::mac) of `message` under `label`, compared in constant time.
    pub fn verify_mac(&self, label: &str, message: &[u8], tag: &[u8]) -> bool {
        ct::eq(&self.mac(label, message), tag)
    }
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyMaterial([redacted])")
    }
}

/// A 256-bit data key. Inside an envelope it is never seen; from [`KeyMaterial::generate_data_key`] it is
/// handed out, as KMS `GenerateDataKey` does.
pub struct DataKey {
    secret: SecretBox<[u8; KEY_LEN]>,
    aead: Aes256Gcm,
}

impl DataKey {
    pub(crate) fn generate() -> Self {
        Self::from_secret(random_key())
    }

    pub(crate) fn from_bytes(bytes: &[u8; KEY_LEN]) -> Self {
        Self::from_secret(boxed_key(bytes))
    }

    fn from_secret(secret: SecretBox<[u8; KEY_LEN]>) -> Self {
        let aead = Aes256Gcm::new(secret.expose_secret());
        Self { secret, aead }
    }

    pub(crate) fn aead(&self) -> &Aes256Gcm {
        &self.aead
    }

    /// The 32 key bytes, for the `Plaintext` field of a `GenerateDataKey` response.
    pub fn expose_secret(&self) -> &[u8] {
        self.secret.expose_secret()
    }

    /// AES-256-GCM of `plaintext` under this key with a random nonce, binding `aad`.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        envelope::seal_with_data_key(&self.aead, plaintext, aad)
    }

    /// Opens what [`seal`](Self::seal) made under this key with the same `aad`.
    pub fn open(&self, ciphertext: &[u8], aad: &[u8]) -> Result<SecretBytes, CryptoError> {
        envelope::open_with_data_key(&self.aead, ciphertext, aad).map(SecretBytes::from_zeroizing)
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretString;
    use proptest::prelude::*;

    fn ctx(pairs: &[(&str, &str)]) -> EncryptionContext {
        EncryptionContext::from_pairs(pairs.iter().copied())
    }

    fn flip(sealed: &Sealed, index: usize, mask: u8) -> Sealed {
        let mut bytes = sealed.as_bytes().to_vec();
        let index = index % bytes.len();
        bytes[index] ^= mask;
        Sealed::from_bytes(bytes)
    }

    fn contexts() -> impl Strategy<Value = EncryptionContext> {
        proptest::collection::btree_map(".{0,8}", ".{0,8}", 0..4).prop_map(EncryptionContext::from_pairs)
    }

    #[test]
    fn root_key_file_round_trip() {
        let root = RootKey::generate();
        let text = root.to_file_contents();
        assert!(text.starts_with("strongroom-root-key-v1:"));
        assert!(text.ends_with('\n'));
        assert_eq!(text.len(), FILE_PREFIX.len() + BASE64_KEY_LEN + 1);
        assert_eq!(text.capacity(), text.len());
        for variant in [
            text.to_string(),
            text.trim_end().to_owned(),
            text.replace('\n', "\r\n"),
        ] {
            let back = RootKey::from_file_contents(&variant).unwrap();
            assert_eq!(back.secret.expose_secret(), root.secret.expose_secret());
            assert_eq!(back.fingerprint(), root.fingerprint());
        }
        let encoded = text.trim_end().strip_prefix(FILE_PREFIX).unwrap();
        let from_env = RootKey::from_base64(encoded).unwrap();
        assert_eq!(from_env.secret.expose_secret(), root.secret.expose_secret());
    }

    #[test]
    fn bad_root_keys_are_malformed() {
        let good = RootKey::generate().to_file_contents();
        let encoded = good.trim_end().strip_prefix(FILE_PREFIX).unwrap().to_owned();
        let short = STANDARD.encode([7u8; 31]);
        let long = STANDARD.encode([7u8; 33]);
        let bad_files = [
            String::new(),
            encoded.clone(),
            format!("strongroom-root-key-v2:{encoded}"),
            format!(" {}", good.as_str()),
            format!("{FILE_PREFIX}{short}"),
            format!("{FILE_PREFIX}{long}"),
            format!("{FILE_PREFIX}{}", &encoded[..43]),
            format!("{FILE_PREFIX}{}!", &encoded[..43]),
            format!("{FILE_PREFIX}{}", encoded.replace('=', "A")),
        ];
        for bad in bad_files {
            assert!(
                matches!(RootKey::from_file_contents(&bad), Err(CryptoError::Malformed(_))),
                "{bad:?}"
            );
        }
        // The 43rd character holds the last 4 key bits and 2 padding bits; setting a padding bit gives
        // non-canonical base64, which is refused rather than read as the same key.
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut noncanonical = encoded.clone().into_bytes();
        let sextet = ALPHABET.iter().position(|&c| c == noncanonical[42]).unwrap();
        assert_eq!(sextet & 0b11, 0);
        noncanonical[42] = ALPHABET[sextet | 1];
        let noncanonical = String::from_utf8(noncanonical).unwrap();
        assert!(matches!(
            RootKey::from_base64(&noncanonical),
            Err(CryptoError::Malformed(_))
        ));
        for bad in ["", "AAAA", &short, &long, &format!("{encoded}\n")] {
            assert!(
                matches!(RootKey::from_base64(bad), Err(CryptoError::Malformed(_))),
                "{bad:?}"
            );
        }
        let errors = format!(
            "{:?}",
            RootKey::from_file_contents(&format!("{FILE_PREFIX}{short}"))
        );
        assert!(!errors.contains(&short));
    }

    #[test]
    fn fingerprints_are_short_stable_and_distinct() {
        let root = RootKey::generate();
        let fp = root.fingerprint();
        assert_eq!(fp.len(), 16);
        assert!(fp.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(fp, root.fingerprint());
        assert_ne!(fp, RootKey::generate().fingerprint());
        assert!(!hash::to_hex(root.secret.expose_secret()).contains(&fp));
    }

    #[test]
    fn key_material_round_trips_through_the_root_key() {
        let root = RootKey::generate();
        let material = KeyMaterial::generate();
        let c = ctx(&[("purpose", "system-key"), ("name", "audit")]);
        let sealed = root.seal_key(&material, &c);
        assert_eq!(sealed.as_bytes()[0], FORMAT_KEY_MATERIAL);
        let opened = root.open_key(&sealed, &c).unwrap();
        assert_eq!(opened.secret.expose_secret(), material.secret.expose_secret());
        // The reopened material opens what the original sealed.
        let value = material.seal(b"v", &c);
        assert_eq!(opened.open(&value, &c).unwrap().expose_secret(), b"v");

        let other = ctx(&[("purpose", "system-key"), ("name", "sessions")]);
        assert_eq!(root.open_key(&sealed, &other).unwrap_err(), CryptoError::Decrypt);
        assert_eq!(
            RootKey::generate().open_key(&sealed, &c).unwrap_err(),
            CryptoError::Decrypt
        );
        // Material sealed by the root key is not a value sealed under anything, and vice versa.
        assert_eq!(root.open_key(&value, &c).unwrap_err(), CryptoError::Decrypt);
    }

    #[test]
    fn root_and_material_seal_differently_with_the_same_bytes() {
        // The same 32 bytes as a root key and as key material: the format byte keeps their outputs apart.
        let root = RootKey::generate();
        let twin = KeyMaterial::from_secret(boxed_key(root.secret.expose_secret()));
        let c = EncryptionContext::new();
        let as_material = root.seal_key(&KeyMaterial::generate(), &c);
        assert_eq!(twin.open(&as_material, &c).unwrap_err(), CryptoError::Decrypt);
    }

    #[test]
    fn macs_depend_on_key_label_and_message() {
        let key = KeyMaterial::generate();
        let tag = key.mac("audit", b"record");
        assert_eq!(tag, key.mac("audit", b"record"));
        assert_ne!(tag, key.mac("session", b"record"));
        assert_ne!(tag, key.mac("audit", b"record!"));
        assert_ne!(tag, KeyMaterial::generate().mac("audit", b"record"));
        // A subkey, not the material itself, is the HMAC key.
        assert_ne!(tag, *hash::hmac_sha256(key.secret.expose_secret(), b"record"));
        let subkey = expand(key.secret.expose_secret(), &[b"strongroom/v1/mac/audit"]);
        assert_eq!(tag, *hash::hmac_sha256(&subkey[..], b"record"));

        assert!(key.verify_mac("audit", b"record", &tag));
        assert!(!key.verify_mac("audit", b"record", &tag[..31]));
        assert!(!key.verify_mac("audit", b"other", &tag));
        assert!(!key.verify_mac("other", b"record", &tag));
        let mut bad = tag;
        bad[31] ^= 1;
        assert!(!key.verify_mac("audit", b"record", &bad));
    }

    #[test]
    fn data_keys() {
        let material = KeyMaterial::generate();
        let c = ctx(&[(
            "aws:secretsmanager:arn",
            "arn:aws:secretsmanager:local:000000000000:secret:x-AbCdEf",
        )]);
        let (key, wrapped) = material.generate_data_key(&c);
        assert_eq!(key.expose_secret().len(), 32);
        assert_eq!(wrapped.as_bytes().len(), 61);
        assert_eq!(wrapped.as_bytes()[0], envelope::FORMAT_WRAPPED_DATA_KEY);
        let unwrapped = material.unwrap_data_key(&wrapped, &c).unwrap();
        assert_eq!(unwrapped.expose_secret(), key.expose_secret());
        assert_eq!(
            material
                .unwrap_data_key(&wrapped, &EncryptionContext::new())
                .unwrap_err(),
            CryptoError::Decrypt
        );
        assert_eq!(
            KeyMaterial::generate().unwrap_data_key(&wrapped, &c).unwrap_err(),
            CryptoError::Decrypt
        );
        for i in 0..wrapped.as_bytes().len() {
            assert_eq!(
                material
                    .unwrap_data_key(&flip(&wrapped, i, 0x80), &c)
                    .unwrap_err(),
                CryptoError::Decrypt
            );
        }
        let mut longer = wrapped.as_bytes().to_vec();
        longer.push(0);
        assert!(matches!(
            material.unwrap_data_key(&Sealed::from_bytes(longer), &c),
            Err(CryptoError::Malformed(_))
        ));
        // A wrapped data key does not open as a sealed value, nor a sealed value as a wrapped data key.
        assert!(material.open(&wrapped, &c).is_err());
        assert!(material.unwrap_data_key(&material.seal(b"", &c), &c).is_err());

        let ct = key.seal(b"payload", b"aad");
        assert_eq!(ct.len(), 1 + 12 + 7 + 16);
        assert_eq!(unwrapped.open(&ct, b"aad").unwrap().expose_secret(), b"payload");
        assert_eq!(key.open(&ct, b"other").unwrap_err(), CryptoError::Decrypt);
        assert!(matches!(
            key.open(&ct[..28], b"aad"),
            Err(CryptoError::Malformed(_))
        ));
        assert_ne!(ct, key.seal(b"payload", b"aad"));
    }

    #[test]
    fn no_secret_type_shows_its_secret_in_debug() {
        fn assert_hidden(debug: &str, secret: &[u8]) {
            assert!(
                debug.contains("redacted") || debug.contains("REDACTED"),
                "{debug}"
            );
            assert!(!debug.contains(&hash::to_hex(secret)), "{debug}");
            assert!(!debug.contains(&STANDARD.encode(secret)), "{debug}");
            for window in secret.windows(4) {
                assert!(!debug.contains(&hash::to_hex(window)), "{debug}");
                let decimal = format!("{window:?}");
                assert!(!debug.contains(&decimal[1..decimal.len() - 1]), "{debug}");
                if let Ok(text) = std::str::from_utf8(window) {
                    assert!(!debug.contains(text), "{debug}");
                }
            }
        }

        let root = RootKey::generate();
        let root_debug = format!("{root:?}");
        assert_hidden(&root_debug, root.secret.expose_secret());
        assert_eq!(
            root_debug,
            format!(
                "RootKey {{ fingerprint: {}, key: [redacted] }}",
                root.fingerprint()
            )
        );

        let material = KeyMaterial::generate();
        assert_hidden(&format!("{material:?}"), material.secret.expose_secret());

        let (data_key, _) = material.generate_data_key(&EncryptionContext::new());
        assert_hidden(&format!("{data_key:?}"), data_key.expose_secret());

        let value = b"correct horse battery staple";
        let opened = material
            .open(
                &material.seal(value, &EncryptionContext::new()),
                &EncryptionContext::new(),
            )
            .unwrap();
        assert_hidden(&format!("{opened:?}"), value);
        assert_hidden(&format!("{:?}", SecretBytes::from_vec(value.to_vec())), value);

        let password = random::password(&random::PasswordRules::default()).unwrap();
        assert_hidden(&format!("{password:?}"), password.expose_secret().as_bytes());
        let secret_access_key: SecretString = random::secret_access_key();
        assert_hidden(
            &format!("{secret_access_key:?}"),
            secret_access_key.expose_secret().as_bytes(),
        );
        let token = random::token_urlsafe(43);
        assert_hidden(&format!("{token:?}"), token.expose_secret().as_bytes());
    }

    proptest! {
        #[test]
        fn seal_open_round_trip(plaintext in proptest::collection::vec(any::<u8>(), 0..300), c in contexts()) {
            let key = KeyMaterial::generate();
            let sealed = key.seal(&plaintext, &c);
            prop_assert_eq!(sealed.as_bytes().len(), envelope::ENVELOPE_OVERHEAD + plaintext.len());
            let opened = key.open(&sealed, &c).unwrap();
            prop_assert_eq!(opened.expose_secret(), plaintext.as_slice());
        }

        #[test]
        fn two_seals_differ(plaintext in proptest::collection::vec(any::<u8>(), 0..64), c in contexts()) {
            let key = KeyMaterial::generate();
            prop_assert_ne!(key.seal(&plaintext, &c), key.seal(&plaintext, &c));
        }

        #[test]
        fn another_context_does_not_open(
            plaintext in proptest::collection::vec(any::<u8>(), 0..64),
            c in contexts(),
            d in contexts(),
        ) {
            prop_assume!(c != d);
            let key = KeyMaterial::generate();
            prop_assert_eq!(key.open(&key.seal(&plaintext, &c), &d).unwrap_err(), CryptoError::Decrypt);
            let root = RootKey::generate();
            prop_assert_eq!(root.open_key(&root.seal_key(&key, &c), &d).unwrap_err(), CryptoError::Decrypt);
            let (_, wrapped) = key.generate_data_key(&c);
            prop_assert_eq!(key.unwrap_data_key(&wrapped, &d).unwrap_err(), CryptoError::Decrypt);
        }

        #[test]
        fn another_key_does_not_open(plaintext in proptest::collection::vec(any::<u8>(), 0..64), c in contexts()) {
            let sealed = KeyMaterial::generate().seal(&plaintext, &c);
            prop_assert_eq!(KeyMaterial::generate().open(&sealed, &c).unwrap_err(), CryptoError::Decrypt);
            let sealed_key = RootKey::generate().seal_key(&KeyMaterial::generate(), &c);
            prop_assert_eq!(RootKey::generate().open_key(&sealed_key, &c).unwrap_err(), CryptoError::Decrypt);
        }

        #[test]
        fn any_flipped_byte_does_not_open(
            plaintext in proptest::collection::vec(any::<u8>(), 0..64),
            c in contexts(),
            index in any::<usize>(),
            mask in 1u8..=255,
        ) {
            let key = KeyMaterial::generate();
            let sealed = key.seal(&plaintext, &c);
            prop_assert_eq!(key.open(&flip(&sealed, index, mask), &c).unwrap_err(), CryptoError::Decrypt);
            let root = RootKey::generate();
            let sealed_key = root.seal_key(&key, &c);
            prop_assert_eq!(root.open_key(&flip(&sealed_key, index, mask), &c).unwrap_err(), CryptoError::Decrypt);
            let (data_key, wrapped) = key.generate_data_key(&c);
            prop_assert_eq!(key.unwrap_data_key(&flip(&wrapped, index, mask), &c).unwrap_err(), CryptoError::Decrypt);
            let ct = Sealed::from_bytes(data_key.seal(&plaintext, b"aad"));
            prop_assert_eq!(data_key.open(flip(&ct, index, mask).as_bytes(), b"aad").unwrap_err(), CryptoError::Decrypt);
        }

        #[test]
        fn data_key_seal_open_round_trip(
            plaintext in proptest::collection::vec(any::<u8>(), 0..300),
            aad in proptest::collection::vec(any::<u8>(), 0..40),
            other_aad in proptest::collection::vec(any::<u8>(), 0..40),
            c in contexts(),
        ) {
            let material = KeyMaterial::generate();
            let (key, wrapped) = material.generate_data_key(&c);
            let ct = key.seal(&plaintext, &aad);
            let unwrapped = material.unwrap_data_key(&wrapped, &c).unwrap();
            let opened = unwrapped.open(&ct, &aad).unwrap();
            prop_assert_eq!(opened.expose_secret(), plaintext.as_slice());
            if other_aad != aad {
                prop_assert_eq!(unwrapped.open(&ct, &other_aad).unwrap_err(), CryptoError::Decrypt);
            }
            prop_assert_eq!(DataKey::generate().open(&ct, &aad).unwrap_err(), CryptoError::Decrypt);
        }

        #[test]
        fn root_key_file_round_trips(trailing in "[ \t\r\n]{0,3}") {
            let root = RootKey::generate();
            let text = format!("{}{trailing}", root.to_file_contents().trim_end());
            let back = RootKey::from_file_contents(&text).unwrap();
            prop_assert_eq!(back.secret.expose_secret(), root.secret.expose_secret());
        }
    }
}
