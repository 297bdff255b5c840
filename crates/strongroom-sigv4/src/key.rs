//! The SigV4 signing key, derived from a secret access key for one day, region and service.

use std::fmt;

use strongroom_crypto::hash::{HmacKey, hmac_sha256, to_hex};
use zeroize::Zeroizing;

/// A derived signing key (kSigning), prepared for HMAC once: a cached key signs every request of its
/// access key for a day. Cleansed on drop; `Debug` never shows it.
pub struct SigningKey(HmacKey);

impl SigningKey {
    /// The hex signature of a string to sign: HMAC-SHA256 under this key.
    pub fn sign(&self, string_to_sign: &str) -> String {
        self.sign_hex(string_to_sign.as_bytes())
    }

    pub(crate) fn sign_hex(&self, message: &[u8]) -> String {
        to_hex(&self.0.sign(message)[..])
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

/// Derives the signing key for `date` (`yyyymmdd`), `region` and `service`:
///
/// ```text
/// kSecret  = "AWS4" + secret_access_key
/// kDate    = HMAC-SHA256(kSecret,  date)
/// kRegion  = HMAC-SHA256(kDate,    region)
/// kService = HMAC-SHA256(kRegion,  service)
/// kSigning = HMAC-SHA256(kService, "aws4_request")
/// ```
///
/// Every intermediate is a key too, so each lives in `Zeroizing`.
pub fn derive_signing_key(secret_access_key: &[u8], date: &str, region: &str, service: &str) -> SigningKey {
    let mut k_secret = Zeroizing::new(Vec::with_capacity(4 + secret_access_key.len()));
    k_secret.extend_from_slice(b"AWS4");
    k_secret.extend_from_slice(secret_access_key);
    let k_date = hmac_sha256(&k_secret, date.as_bytes());
    let k_region = hmac_sha256(&k_date[..], region.as_bytes());
    let k_service = hmac_sha256(&k_region[..], service.as_bytes());
    SigningKey(HmacKey::new(&hmac_sha256(&k_service[..], b"aws4_request")[..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_the_documented_example_key() {
        // AWS's documented derivation example (IAM, us-east-1, 2015-08-30).
        let key = derive_signing_key(
            b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20150830",
            "us-east-1",
            "iam",
        );
        // The key is kept prepared, not as bytes: it signs exactly as the documented bytes do.
        let documented: Vec<u8> = (0..32)
            .map(|i| {
                u8::from_str_radix(
                    &"c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"[2 * i..2 * i + 2],
                    16,
                )
                .unwrap()
            })
            .collect();
        for message in ["", "AWS4-HMAC-SHA256\n20150830T123600Z"] {
            assert_eq!(
                key.sign(message),
                to_hex(&hmac_sha256(&documented, message.as_bytes())[..])
            );
        }
        assert_eq!(format!("{key:?}"), "SigningKey(<redacted>)");
    }
}
