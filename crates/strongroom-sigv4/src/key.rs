//! The SigV4 signing key, derived from a secret access key for one day, region and service.

use std::fmt;

use strongroom_crypto::hash::{hmac_sha256, to_hex};
use zeroize::Zeroizing;

/// A derived signing key (kSigning). Zeroed on drop; `Debug` never shows it.
pub struct SigningKey(Zeroizing<[u8; 32]>);

impl SigningKey {
    /// The hex signature of a string to sign: HMAC-SHA256 under this key.
    pub fn sign(&self, string_to_sign: &str) -> String {
        self.sign_hex(string_to_sign.as_bytes())
    }

    pub(crate) fn sign_hex(&self, message: &[u8]) -> String {
        to_hex(&hmac_sha256(&self.0[..], message)[..])
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
    SigningKey(hmac_sha256(&k_service[..], b"aws4_request"))
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
        assert_eq!(
            to_hex(&key.0[..]),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
        assert_eq!(format!("{key:?}"), "SigningKey(<redacted>)");
    }
}
