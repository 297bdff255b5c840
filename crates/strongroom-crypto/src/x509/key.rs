//! Private keys for signing AWS4-X509 requests: PKCS#8, PKCS#1 (RSA) and SEC1 (EC) PEM, kept inside
//! aws-lc (the PEM text and DER pass through `Zeroizing` buffers only).

use std::fmt;

use aws_lc_rs::digest;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair as _, RsaKeyPair};

use super::cert::{Certificate, KeyType};
use super::error::X509Error;
use super::pem;

enum Inner {
    Rsa(RsaKeyPair),
    EcP256(EcdsaKeyPair),
    EcP384(EcdsaKeyPair),
}

/// A private key that signs with SHA-256 as AWS4-X509 requires: RSASSA-PKCS1-v1_5 for RSA, DER ECDSA for
/// P-256 and P-384. `Debug` shows only the key type; there is no way to read the key back out.
pub struct PrivateKey {
    inner: Inner,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({:?}, <redacted>)", self.key_type())
    }
}

impl PrivateKey {
    /// Reads the first private key of a PEM text: `PRIVATE KEY` (PKCS#8), `RSA PRIVATE KEY` (PKCS#1) or
    /// `EC PRIVATE KEY` (SEC1; an `EC PARAMETERS` block before it is skipped). Encrypted keys are refused.
    pub fn from_pem(text: &[u8]) -> Result<Self, X509Error> {
        let blocks = pem::parse_blocks(text)?;
        for block in &blocks {
            match block.label.as_str() {
                "PRIVATE KEY" => return Self::from_pkcs8_der(&block.der),
                "RSA PRIVATE KEY" => return Self::from_pkcs1_der(&block.der),
                "EC PRIVATE KEY" => return Self::from_sec1_der(&block.der),
                "ENCRYPTED PRIVATE KEY" => {
                    return Err(X509Error::UnsupportedPrivateKey(
                        "encrypted PKCS#8 keys are not supported",
                    ));
                }
                _ => {}
            }
        }
        Err(X509Error::malformed(
            "private key",
            "no PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block",
        ))
    }

    /// A DER PKCS#8 `PrivateKeyInfo` holding an RSA, P-256 or P-384 key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, X509Error> {
        if let Ok(key) = RsaKeyPair::from_pkcs8(der) {
            return Ok(Self {
                inner: Inner::Rsa(key),
            });
        }
        if let Ok(key) = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, der) {
            return Ok(Self {
                inner: Inner::EcP256(key),
            });
        }
        if let Ok(key) = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P384_SHA384_ASN1_SIGNING, der) {
            return Ok(Self {
                inner: Inner::EcP384(key),
            });
        }
        Err(X509Error::UnsupportedPrivateKey(
            "PKCS#8 key is not RSA, P-256 or P-384",
        ))
    }

    /// A DER PKCS#1 `RSAPrivateKey`.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, X509Error> {
        RsaKeyPair::from_der(der)
            .map(|key| Self {
                inner: Inner::Rsa(key),
            })
            .map_err(|_| X509Error::malformed("private key", "not a PKCS#1 RSA private key"))
    }

    /// A DER SEC1 (RFC 5915) `ECPrivateKey` on P-256 or P-384.
    pub fn from_sec1_der(der: &[u8]) -> Result<Self, X509Error> {
        if let Ok(key) = EcdsaKeyPair::from_private_key_der(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, der) {
            return Ok(Self {
                inner: Inner::EcP256(key),
            });
        }
        EcdsaKeyPair::from_private_key_der(&signature::ECDSA_P384_SHA384_ASN1_SIGNING, der)
            .map(|key| Self {
                inner: Inner::EcP384(key),
            })
            .map_err(|_| X509Error::UnsupportedPrivateKey("SEC1 key is not on P-256 or P-384"))
    }

    pub fn key_type(&self) -> KeyType {
        match &self.inner {
            Inner::Rsa(key) => KeyType::Rsa {
                bits: key.public_modulus_len() * 8,
            },
            Inner::EcP256(_) => KeyType::EcP256,
            Inner::EcP384(_) => KeyType::EcP384,
        }
    }

    /// The public key in the form a certificate's SPKI carries it (PKCS#1 `RSAPublicKey`, or an
    /// uncompressed EC point).
    pub fn public_key_bytes(&self) -> &[u8] {
        match &self.inner {
            Inner::Rsa(key) => key.public_key().as_ref(),
            Inner::EcP256(key) | Inner::EcP384(key) => key.public_key().as_ref(),
        }
    }

    /// `Ok` when `certificate` carries this key's public key.
    pub fn matches(&self, certificate: &Certificate) -> Result<(), X509Error> {
        if crate::ct::eq(self.public_key_bytes(), certificate.public_key_bytes()) {
            Ok(())
        } else {
            Err(X509Error::KeyMismatch)
        }
    }

    /// Signs SHA-256(`message`): RSASSA-PKCS1-v1_5 (deterministic) or ECDSA with a DER `Ecdsa-Sig-Value`,
    /// on P-384 too (AWS4-X509-ECDSA-SHA256 hashes with SHA-256 for every curve).
    pub fn sign_sha256(&self, message: &[u8]) -> Result<Vec<u8>, X509Error> {
        let rng = SystemRandom::new();
        match &self.inner {
            Inner::Rsa(key) => {
                let mut out = vec![0u8; key.public_modulus_len()];
                key.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut out)
                    .map_err(|_| X509Error::SigningFailed)?;
                Ok(out)
            }
            Inner::EcP256(key) => key
                .sign(&rng, message)
                .map(|sig| sig.as_ref().to_vec())
                .map_err(|_| X509Error::SigningFailed),
            Inner::EcP384(key) => {
                // ECDSA uses the hash as an integer, truncated to the curve's 384 bits; a 256-bit hash
                // left-padded with zeros to 48 bytes is the same integer. aws-lc only signs a P-384
                // digest labelled SHA-384, so the padded SHA-256 digest is passed under that label.
                let mut padded = [0u8; 48];
                padded
                    .get_mut(16..)
                    .ok_or(X509Error::SigningFailed)?
                    .copy_from_slice(digest::digest(&digest::SHA256, message).as_ref());
                let prehashed = digest::Digest::import_less_safe(&padded, &digest::SHA384)
                    .map_err(|_| X509Error::SigningFailed)?;
                key.sign_digest(&prehashed)
                    .map(|sig| sig.as_ref().to_vec())
                    .map_err(|_| X509Error::SigningFailed)
            }
        }
    }
}
