//! Certificate path validation with rustls-webpki: leaf → unordered intermediates → a trust anchor, at a
//! given time, with CRL revocation and the Roles Anywhere key-usage rules.
//!
//! webpki checks validity windows, basic constraints (CA as leaf, leaf as issuer, path length), name
//! constraints, signature algorithms (SHA-256 or stronger, RSA ≥ 2048 bits, P-256/P-384), extended key
//! usage (clientAuth when an EKU extension is present) and CRLs. This module adds what webpki leaves
//! out: keyUsage (digitalSignature on the leaf, keyCertSign on issuers), the anchors' own validity
//! window and CA-ness, and the public key types AWS4-X509 can sign with.

use std::collections::HashSet;
use std::fmt;
use std::sync::Mutex;

use rustls_pki_types::{
    AlgorithmIdentifier, CertificateDer, InvalidSignature, SignatureVerificationAlgorithm, TrustAnchor,
    UnixTime,
};
use time::OffsetDateTime;
use webpki::{
    CertRevocationList, EndEntityCert, ExpirationPolicy, KeyUsage, OwnedCertRevocationList,
    RevocationCheckDepth, RevocationOptionsBuilder, UnknownStatusPolicy,
};

use super::cert::{Certificate, MAX_CHAIN_CERTIFICATES};
use super::error::X509Error;
use super::pem;

/// Signature algorithms accepted on certificates and CRLs: no SHA-1, no MD5, RSA from 2048 bits.
static SIGNATURE_ALGORITHMS: &[&dyn SignatureVerificationAlgorithm] = &[
    webpki::aws_lc_rs::ECDSA_P256_SHA256,
    webpki::aws_lc_rs::ECDSA_P256_SHA384,
    webpki::aws_lc_rs::ECDSA_P384_SHA256,
    webpki::aws_lc_rs::ECDSA_P384_SHA384,
    webpki::aws_lc_rs::ECDSA_P384_SHA512,
    webpki::aws_lc_rs::ECDSA_P256_SHA512,
    webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA256,
    webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA384,
    webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA512,
    webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
    webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
    webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
    webpki::aws_lc_rs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
    webpki::aws_lc_rs::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
    webpki::aws_lc_rs::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
];

/// How many verified certificate and CRL signatures a [`TrustStore`] remembers before it starts over.
const VERIFIED_SIGNATURES_CAPACITY: usize = 8192;

/// Certificate and CRL signatures that verified, by a SHA-256 of (algorithm, public key, signed bytes,
/// signature). Whether a signature verifies is a pure function of those four, so a hit is as good as a
/// verification; every other check (validity, constraints, revocation, usage) still runs every time.
/// This makes the intermediate's signature (and a returning workload's leaf) cost one hash instead of
/// one public-key operation per request.
#[derive(Default)]
struct VerifiedSignatures(Mutex<HashSet<[u8; 32]>>);

impl VerifiedSignatures {
    fn key(algorithm: usize, public_key: &[u8], message: &[u8], signature: &[u8]) -> [u8; 32] {
        let mut hasher = crate::hash::Sha256::new();
        // Length prefixes keep the fields apart: no two inputs hash the same sequence.
        for part in [public_key, message, signature] {
            hasher.update(&(part.len() as u64).to_be_bytes());
            hasher.update(part);
        }
        hasher.update(&(algorithm as u64).to_be_bytes());
        hasher.finish()
    }

    fn contains(&self, key: &[u8; 32]) -> bool {
        self.0.lock().is_ok_and(|set| set.contains(key))
    }

    fn insert(&self, key: [u8; 32]) {
        if let Ok(mut set) = self.0.lock() {
            if set.len() >= VERIFIED_SIGNATURES_CAPACITY {
                set.clear();
            }
            set.insert(key);
        }
    }
}

/// One of [`SIGNATURE_ALGORITHMS`] that consults and fills a [`VerifiedSignatures`].
struct CachingAlgorithm<'a> {
    index: usize,
    inner: &'static dyn SignatureVerificationAlgorithm,
    verified: &'a VerifiedSignatures,
}

impl fmt::Debug for CachingAlgorithm<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CachingAlgorithm({:?})", self.inner)
    }
}

impl SignatureVerificationAlgorithm for CachingAlgorithm<'_> {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let key = VerifiedSignatures::key(self.index, public_key, message, signature);
        if self.verified.contains(&key) {
            return Ok(());
        }
        self.inner.verify_signature(public_key, message, signature)?;
        self.verified.insert(key);
        Ok(())
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.inner.public_key_alg_id()
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.inner.signature_alg_id()
    }

    fn fips(&self) -> bool {
        self.inner.fips()
    }
}

/// A certificate revocation list, parsed (DER or PEM). Its signature is checked against the issuer
/// found in the path when it is used, so a CRL signed by anyone else revokes nothing.
pub struct Crl {
    der: Vec<u8>,
    parsed: CertRevocationList<'static>,
}

impl fmt::Debug for Crl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Crl({} bytes)", self.der.len())
    }
}

impl Crl {
    /// Parses a DER `CertificateList`. Delta CRLs and indirect CRLs are refused.
    pub fn from_der(der: &[u8]) -> Result<Self, X509Error> {
        let parsed =
            OwnedCertRevocationList::from_der(der).map_err(|e| match X509Error::from_webpki(&e) {
                X509Error::Malformed { .. } => X509Error::InvalidCrl("not a DER CRL"),
                other => other,
            })?;
        Ok(Self {
            der: der.to_vec(),
            parsed: CertRevocationList::from(parsed),
        })
    }

    /// Parses the first `X509 CRL` block of a PEM text (the form Roles Anywhere's ImportCrl takes).
    pub fn from_pem(text: &[u8]) -> Result<Self, X509Error> {
        let blocks = pem::parse_blocks(text).map_err(|_| X509Error::InvalidCrl("not PEM"))?;
        let block = blocks
            .iter()
            .find(|b| b.label == "X509 CRL")
            .ok_or(X509Error::InvalidCrl("no X509 CRL block"))?;
        Self::from_der(&block.der)
    }

    /// PEM or DER, whichever `bytes` is: PEM when it starts (after whitespace) with `-----BEGIN`.
    pub fn from_pem_or_der(bytes: &[u8]) -> Result<Self, X509Error> {
        let start = bytes
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(bytes.len());
        if bytes
            .get(start..)
            .is_some_and(|rest| rest.starts_with(b"-----BEGIN"))
        {
            Self::from_pem(bytes)
        } else {
            Self::from_der(bytes)
        }
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// True when the CRL lists `serial` (DER INTEGER content bytes, as [`Certificate::serial_bytes`]).
    /// This does not check who signed the CRL; path validation does.
    pub fn lists_serial(&self, serial: &[u8]) -> bool {
        matches!(self.parsed.find_serial(serial), Ok(Some(_)))
    }
}

/// The trust anchors of one Roles Anywhere trust anchor (a CA bundle, or a Strongroom CA's certificate)
/// with the CRLs that apply to them. Build it once per anchor configuration and reuse it (it is
/// `Send + Sync`): it holds the parsed anchors and CRLs, so a validation parses nothing but the
/// request's certificates, and it remembers which certificate signatures already verified.
pub struct TrustStore {
    anchor_certs: Vec<Certificate>,
    anchors: Vec<TrustAnchor<'static>>,
    crls: Vec<Crl>,
    verified: VerifiedSignatures,
}

impl fmt::Debug for TrustStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustStore")
            .field("anchors", &self.anchor_certs)
            .field("crls", &self.crls.len())
            .finish()
    }
}

impl TrustStore {
    /// A store trusting `anchors` (root or intermediate CA certificates). Each must be a v3 CA
    /// certificate (basicConstraints CA=TRUE) whose keyUsage, if present, allows keyCertSign.
    pub fn new(anchors: Vec<Certificate>) -> Result<Self, X509Error> {
        if anchors.is_empty() {
            return Err(X509Error::malformed("trust anchor", "no certificates"));
        }
        let mut parsed = Vec::with_capacity(anchors.len());
        for cert in &anchors {
            if !cert.is_ca() {
                return Err(X509Error::LeafUsedAsCa);
            }
            if !cert.key_usage().key_cert_sign {
                return Err(X509Error::KeyUsage("a trust anchor must allow keyCertSign"));
            }
            let der = CertificateDer::from(cert.der());
            let anchor = webpki::anchor_from_trusted_cert(&der).map_err(|e| X509Error::from_webpki(&e))?;
            parsed.push(anchor.to_owned());
        }
        Ok(Self {
            anchor_certs: anchors,
            anchors: parsed,
            crls: Vec::new(),
            verified: VerifiedSignatures::default(),
        })
    }

    /// A store from a PEM bundle (CERTIFICATE_BUNDLE trust anchor source data).
    pub fn from_pem_bundle(text: &[u8]) -> Result<Self, X509Error> {
        Self::new(Certificate::all_from_pem(text)?)
    }

    /// The same anchors with `crls` applied: a certificate in a path listed in a CRL signed by its issuer
    /// is revoked. CRLs past their nextUpdate still count (an old CRL never un-revokes anything), and a
    /// certificate whose issuer has no CRL here is not revoked.
    pub fn with_crls(mut self, crls: Vec<Crl>) -> Self {
        self.crls = crls;
        self
    }

    /// How many certificate and CRL signatures this store remembers as verified (for tests and metrics).
    pub fn remembered_signatures(&self) -> usize {
        self.verified.0.lock().map_or(0, |set| set.len())
    }

    pub fn anchors(&self) -> &[Certificate] {
        &self.anchor_certs
    }

    /// Validates `leaf` at `now` through any of `intermediates` (any order; copies of the leaf or of an
    /// anchor are ignored) to one of this store's anchors.
    ///
    /// Checks, in webpki's order plus ours: leaf is v3 with an RSA/P-256/P-384 key, not a CA, keyUsage
    /// (if present) has digitalSignature, extKeyUsage (if present) has clientAuth; every certificate in
    /// the path (anchor included) is within its validity at `now`; issuers are CAs with keyCertSign;
    /// signatures use accepted algorithms; path length and name constraints; no certificate in the
    /// path is revoked by the store's CRLs.
    pub fn validate(
        &self,
        leaf: &Certificate,
        intermediates: &[Certificate],
        now: OffsetDateTime,
    ) -> Result<ValidatedPath, X509Error> {
        if !leaf.is_v3() {
            return Err(X509Error::UnsupportedCertificate(
                "only X.509 v3 certificates are accepted",
            ));
        }
        leaf.key_type()?;
        if leaf.is_ca() {
            return Err(X509Error::CaUsedAsLeaf);
        }
        if !leaf.key_usage().digital_signature {
            return Err(X509Error::KeyUsage(
                "the signing certificate's keyUsage lacks digitalSignature",
            ));
        }
        if intermediates.len() > MAX_CHAIN_CERTIFICATES {
            return Err(X509Error::malformed("X-Amz-X509-Chain", "too many certificates"));
        }
        let timestamp = u64::try_from(now.unix_timestamp()).map_err(|_| X509Error::NotYetValid)?;
        let time = UnixTime::since_unix_epoch(std::time::Duration::from_secs(timestamp));

        let leaf_der = CertificateDer::from(leaf.der());
        let end_entity = EndEntityCert::try_from(&leaf_der).map_err(|e| X509Error::from_webpki(&e))?;
        let pool: Vec<CertificateDer<'_>> = intermediates
            .iter()
            .filter(|c| c.der() != leaf.der() && !self.anchor_certs.iter().any(|a| a.der() == c.der()))
            .map(|c| CertificateDer::from(c.der()))
            .collect();
        let crl_refs: Vec<&CertRevocationList<'_>> = self.crls.iter().map(|c| &c.parsed).collect();
        let revocation = RevocationOptionsBuilder::new(&crl_refs).ok().map(|builder| {
            builder
                .with_depth(RevocationCheckDepth::Chain)
                .with_status_policy(UnknownStatusPolicy::Allow)
                .with_expiration_policy(ExpirationPolicy::Ignore)
                .build()
        });

        // Our extra checks on the path webpki found; a failure makes webpki try another path.
        let extra_failure = std::cell::Cell::new(None);
        let check_path = |path: &webpki::VerifiedPath<'_>| -> Result<(), webpki::Error> {
            for intermediate in path.intermediate_certificates() {
                let der = intermediate.der();
                let allowed = intermediates
                    .iter()
                    .find(|c| c.der() == der.as_ref())
                    .is_some_and(|c| c.key_usage().key_cert_sign);
                if !allowed {
                    extra_failure.set(Some(X509Error::KeyUsage(
                        "an issuing certificate's keyUsage lacks keyCertSign",
                    )));
                    return Err(webpki::Error::UnknownIssuer);
                }
            }
            let anchor = path.anchor();
            let anchor_cert = self
                .anchors
                .iter()
                .position(|a| a == anchor)
                .and_then(|i| self.anchor_certs.get(i));
            match anchor_cert {
                Some(cert) if now > cert.not_after() => {
                    extra_failure.set(Some(X509Error::Expired));
                    Err(webpki::Error::UnknownIssuer)
                }
                Some(cert) if now < cert.not_before() => {
                    extra_failure.set(Some(X509Error::NotYetValid));
                    Err(webpki::Error::UnknownIssuer)
                }
                Some(_) => Ok(()),
                None => Err(webpki::Error::UnknownIssuer),
            }
        };
        let caching: Vec<CachingAlgorithm<'_>> = SIGNATURE_ALGORITHMS
            .iter()
            .enumerate()
            .map(|(index, inner)| CachingAlgorithm {
                index,
                inner: *inner,
                verified: &self.verified,
            })
            .collect();
        let algorithms: Vec<&dyn SignatureVerificationAlgorithm> = caching
            .iter()
            .map(|a| a as &dyn SignatureVerificationAlgorithm)
            .collect();
        let verified = end_entity.verify_for_usage(
            &algorithms,
            &self.anchors,
            &pool,
            time,
            KeyUsage::client_auth(),
            revocation,
            Some(&check_path),
        );
        match verified {
            Ok(path) => {
                let depth = path.intermediate_certificates().count();
                let anchor_index = self.anchors.iter().position(|a| a == path.anchor()).unwrap_or(0);
                Ok(ValidatedPath {
                    intermediates: depth,
                    anchor_index,
                })
            }
            Err(webpki::Error::UnknownIssuer) => {
                Err(extra_failure.take().unwrap_or(X509Error::UntrustedIssuer))
            }
            Err(e) => Err(X509Error::from_webpki(&e)),
        }
    }
}

/// What a successful [`TrustStore::validate`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidatedPath {
    intermediates: usize,
    anchor_index: usize,
}

impl ValidatedPath {
    /// How many intermediates the path went through.
    pub fn intermediate_count(&self) -> usize {
        self.intermediates
    }

    /// The index in [`TrustStore::anchors`] of the anchor the path ends at.
    pub fn anchor_index(&self) -> usize {
        self.anchor_index
    }
}
