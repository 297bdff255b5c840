//! Key pairs for CAs and workloads (RSA 2048/4096, ECDSA P-256/P-384) and the signature algorithms they
//! sign with.

use std::fmt;

use rcgen::{KeyPair, PublicKeyData as _, RsaKeySize, SignatureAlgorithm as RcgenAlgorithm};
use rustls_pki_types::PrivatePkcs8KeyDer;
use zeroize::Zeroizing;

use super::PkiError;
use crate::secret::SecretBytes;

/// The key types a CA (or a workload key made by `strongroom pca issue`) may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    Rsa2048,
    Rsa4096,
    EcP256,
    EcP384,
}

impl KeyAlgorithm {
    /// The signature algorithm a key of this type signs with unless told otherwise.
    pub fn default_signing(self) -> SigningAlgorithm {
        match self {
            Self::Rsa2048 | Self::Rsa4096 => SigningAlgorithm::Sha256WithRsa,
            Self::EcP256 => SigningAlgorithm::Sha256WithEcdsa,
            Self::EcP384 => SigningAlgorithm::Sha384WithEcdsa,
        }
    }

    fn is_rsa(self) -> bool {
        matches!(self, Self::Rsa2048 | Self::Rsa4096)
    }
}

/// Signature algorithms for certificates, CSRs and CRLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SigningAlgorithm {
    Sha256WithRsa,
    Sha384WithRsa,
    Sha512WithRsa,
    Sha256WithEcdsa,
    Sha384WithEcdsa,
}

impl SigningAlgorithm {
    /// Whether a key of type `key` can sign with this algorithm here. ECDSA keys sign with the hash that
    /// matches their curve (P-256 with SHA-256, P-384 with SHA-384), as aws-lc-rs pairs them.
    pub fn fits(self, key: KeyAlgorithm) -> bool {
        match self {
            Self::Sha256WithRsa | Self::Sha384WithRsa | Self::Sha512WithRsa => key.is_rsa(),
            Self::Sha256WithEcdsa => key == KeyAlgorithm::EcP256,
            Self::Sha384WithEcdsa => key == KeyAlgorithm::EcP384,
        }
    }

    fn rcgen(self) -> &'static RcgenAlgorithm {
        match self {
            Self::Sha256WithRsa => &rcgen::PKCS_RSA_SHA256,
            Self::Sha384WithRsa => &rcgen::PKCS_RSA_SHA384,
            Self::Sha512WithRsa => &rcgen::PKCS_RSA_SHA512,
            Self::Sha256WithEcdsa => &rcgen::PKCS_ECDSA_P256_SHA256,
            Self::Sha384WithEcdsa => &rcgen::PKCS_ECDSA_P384_SHA384,
        }
    }
}

/// A private key with the algorithm it signs with. Its PKCS#8 bytes leave only as [`SecretBytes`] or
/// zeroizing PEM; `Debug` shows the algorithm alone.
pub struct PrivateKey {
    pair: KeyPair,
    algorithm: KeyAlgorithm,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// A fresh key of type `algorithm`.
    pub fn generate(algorithm: KeyAlgorithm) -> Result<Self, PkiError> {
        let signing = algorithm.default_signing().rcgen();
        let pair = match algorithm {
            KeyAlgorithm::Rsa2048 => KeyPair::generate_rsa_for(signing, RsaKeySize::_2048),
            KeyAlgorithm::Rsa4096 => KeyPair::generate_rsa_for(signing, RsaKeySize::_4096),
            KeyAlgorithm::EcP256 | KeyAlgorithm::EcP384 => KeyPair::generate_for(signing),
        }
        .map_err(|_| PkiError::Signing)?;
        Ok(Self { pair, algorithm })
    }

    /// Loads a key kept as PKCS#8 DER, to sign with `signing` (which must fit the key).
    pub fn from_pkcs8(
        pkcs8: &SecretBytes,
        algorithm: KeyAlgorithm,
        signing: SigningAlgorithm,
    ) -> Result<Self, PkiError> {
        if !signing.fits(algorithm) {
            return Err(PkiError::Unsupported(
                "the signing algorithm does not fit the key",
            ));
        }
        let der = PrivatePkcs8KeyDer::from(pkcs8.expose_secret());
        let pair = KeyPair::from_pkcs8_der_and_sign_algo(&der, signing.rcgen()).map_err(|_| PkiError::Key)?;
        Ok(Self { pair, algorithm })
    }

    /// The same key, signing with `signing`.
    pub fn with_signing(&self, signing: SigningAlgorithm) -> Result<Self, PkiError> {
        Self::from_pkcs8(&self.pkcs8(), self.algorithm, signing)
    }

    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The PKCS#8 DER of the private key, for sealing.
    pub fn pkcs8(&self) -> SecretBytes {
        SecretBytes::from_vec(self.pair.serialize_der())
    }

    /// The private key as PKCS#8 PEM (`PRIVATE KEY`), for a key file.
    pub fn pkcs8_pem(&self) -> Zeroizing<String> {
        let der = Zeroizing::new(self.pair.serialize_der());
        Zeroizing::new(super::pem_encode("PRIVATE KEY", &der))
    }

    /// The public key's SubjectPublicKeyInfo (DER).
    pub fn public_key_der(&self) -> Vec<u8> {
        self.pair.subject_public_key_info()
    }

    pub(super) fn pair(&self) -> &KeyPair {
        &self.pair
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    #[test]
    fn signing_algorithms_fit_their_keys() {
        use KeyAlgorithm::*;
        use SigningAlgorithm::*;
        let cases = [
            (Sha256WithRsa, Rsa2048, true),
            (Sha512WithRsa, Rsa4096, true),
            (Sha256WithRsa, EcP256, false),
            (Sha256WithEcdsa, EcP256, true),
            (Sha384WithEcdsa, EcP256, false),
            (Sha384WithEcdsa, EcP384, true),
            (Sha256WithEcdsa, Rsa2048, false),
        ];
        for (signing, key, fits) in cases {
            assert_eq!(signing.fits(key), fits, "{signing:?} {key:?}");
        }
    }

    #[test]
    fn keys_round_trip_through_pkcs8() {
        for algorithm in [KeyAlgorithm::EcP256, KeyAlgorithm::EcP384, KeyAlgorithm::Rsa2048] {
            let key = PrivateKey::generate(algorithm).unwrap();
            let again = PrivateKey::from_pkcs8(&key.pkcs8(), algorithm, algorithm.default_signing()).unwrap();
            assert_eq!(key.public_key_der(), again.public_key_der());
            assert!(key.pkcs8_pem().starts_with("-----BEGIN PRIVATE KEY-----\n"));
            let debug = format!("{key:?}");
            assert!(!debug.contains("pair"), "{debug}");
        }
        let ec = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
        assert!(
            PrivateKey::from_pkcs8(&ec.pkcs8(), KeyAlgorithm::EcP256, SigningAlgorithm::Sha256WithRsa)
                .is_err()
        );
        assert_eq!(
            PrivateKey::from_pkcs8(
                &SecretBytes::from_vec(vec![1, 2, 3]),
                KeyAlgorithm::EcP256,
                SigningAlgorithm::Sha256WithEcdsa
            )
            .unwrap_err(),
            PkiError::Key
        );
    }
}
