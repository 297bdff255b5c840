//! A throw-away test PKI made with rcgen: root → intermediate → leaves of every key type, plus the bad
//! certificates Roles Anywhere must refuse, and a CRL. For tests in any crate (feature `testpki`).
//!
//! ```ignore
//! let pki = TestPki::generate()?;
//! let store = TrustStore::new(vec![pki.root.cert.clone()])?.with_crls(vec![pki.crl()?]);
//! store.validate(&pki.leaf_p256.cert, &[pki.intermediate.cert.clone()], pki.now)?;
//! ```
//!
//! Every key here is test-only; the PEM text is not treated as a secret.

use std::fmt;

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType, ExtendedKeyUsagePurpose,
    IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, RevocationReason, RevokedCertParams, RsaKeySize,
    SanType, SerialNumber,
};
use time::{Duration, OffsetDateTime};

use super::cert::{Certificate, KeyType};
use super::error::X509Error;
use super::key::PrivateKey;
use super::pem;

/// Why the test PKI could not be made (rcgen refused parameters).
#[derive(Debug, thiserror::Error)]
#[error("test PKI generation failed: {0}")]
pub struct TestPkiError(String);

impl From<rcgen::Error> for TestPkiError {
    fn from(e: rcgen::Error) -> Self {
        Self(e.to_string())
    }
}

impl From<X509Error> for TestPkiError {
    fn from(e: X509Error) -> Self {
        Self(e.to_string())
    }
}

/// Which key a generated certificate gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestKeyType {
    Rsa2048,
    EcP256,
    EcP384,
}

impl TestKeyType {
    fn generate(self) -> Result<KeyPair, rcgen::Error> {
        match self {
            Self::Rsa2048 => KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_2048),
            Self::EcP256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
            Self::EcP384 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384),
        }
    }

    pub fn key_type(self) -> KeyType {
        match self {
            Self::Rsa2048 => KeyType::Rsa { bits: 2048 },
            Self::EcP256 => KeyType::EcP256,
            Self::EcP384 => KeyType::EcP384,
        }
    }
}

/// The extended key usage a generated leaf carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestEku {
    ClientAuth,
    /// No extKeyUsage extension at all (accepted, like the Go helper's sample PKI).
    None,
    /// serverAuth only (refused).
    ServerAuthOnly,
}

/// What to put in a leaf issued by [`TestPki::issue`].
#[derive(Debug, Clone)]
pub struct LeafSpec {
    pub common_name: String,
    pub key: TestKeyType,
    pub serial: u64,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub is_ca: bool,
    pub eku: TestEku,
    /// keyUsage digitalSignature (false gives keyEncipherment only, which is refused).
    pub digital_signature: bool,
    pub dns_names: Vec<String>,
    pub uris: Vec<String>,
}

impl LeafSpec {
    /// A valid client certificate for `common_name` around `now`: 1 hour before to 30 days after.
    pub fn client(common_name: &str, key: TestKeyType, serial: u64, now: OffsetDateTime) -> Self {
        Self {
            common_name: common_name.to_owned(),
            key,
            serial,
            not_before: now - Duration::hours(1),
            not_after: now + Duration::days(30),
            is_ca: false,
            eku: TestEku::ClientAuth,
            digital_signature: true,
            dns_names: vec![format!("{common_name}.example.internal")],
            uris: vec![format!("spiffe://example.internal/ns/test/sa/{common_name}")],
        }
    }
}

/// A certificate with its private key, as the files a workload would hold.
pub struct TestIdentity {
    pub cert: Certificate,
    pub cert_pem: String,
    /// PKCS#8 PEM.
    pub key_pem: String,
    key_der: Vec<u8>,
    key_type: TestKeyType,
}

impl fmt::Debug for TestIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestIdentity")
            .field("cert", &self.cert)
            .field("key_type", &self.key_type)
            .finish_non_exhaustive()
    }
}

impl TestIdentity {
    fn new(cert_der: &[u8], key: &KeyPair, key_type: TestKeyType) -> Result<Self, TestPkiError> {
        let cert = Certificate::from_der(cert_der)?;
        Ok(Self {
            cert_pem: cert.to_pem(),
            cert,
            key_pem: key.serialize_pem(),
            key_der: key.serialize_der(),
            key_type,
        })
    }

    pub fn private_key(&self) -> Result<PrivateKey, X509Error> {
        PrivateKey::from_pem(self.key_pem.as_bytes())
    }

    /// The key in its algorithm-specific PEM form: `RSA PRIVATE KEY` (PKCS#1) or `EC PRIVATE KEY` (SEC1),
    /// taken from inside the PKCS#8 structure.
    pub fn key_pem_traditional(&self) -> Result<String, X509Error> {
        let inner = pkcs8_inner_key(&self.key_der)
            .ok_or(X509Error::malformed("private key", "not a PKCS#8 PrivateKeyInfo"))?;
        let label = match self.key_type {
            TestKeyType::Rsa2048 => "RSA PRIVATE KEY",
            TestKeyType::EcP256 | TestKeyType::EcP384 => "EC PRIVATE KEY",
        };
        Ok(pem::encode(label, inner))
    }
}

/// The contents of the `privateKey` OCTET STRING of a PKCS#8 `PrivateKeyInfo`.
fn pkcs8_inner_key(der: &[u8]) -> Option<&[u8]> {
    /// Splits one DER TLV off `input`: (tag, contents, rest).
    fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let (&tag, rest) = input.split_first()?;
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            let bytes = rest.get(..n)?;
            let len = bytes.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            (len, rest.get(n..)?)
        };
        Some((tag, rest.get(..len)?, rest.get(len..)?))
    }
    let (0x30, body, _) = tlv(der)? else { return None };
    let (0x02, _, rest) = tlv(body)? else { return None };
    let (0x30, _, rest) = tlv(rest)? else { return None };
    let (0x04, key, _) = tlv(rest)? else { return None };
    Some(key)
}

/// A CA: its certificate, key and rcgen issuer.
pub struct TestCa {
    pub identity: TestIdentity,
    issuer: Issuer<'static, KeyPair>,
}

impl fmt::Debug for TestCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestCa")
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl TestCa {
    pub fn cert(&self) -> &Certificate {
        &self.identity.cert
    }

    /// A CRL signed by this CA listing `serials`, issued an hour before `now`, next update in a week.
    pub fn crl(&self, serials: &[u64], now: OffsetDateTime) -> Result<Vec<u8>, TestPkiError> {
        let params = CertificateRevocationListParams {
            this_update: now - Duration::hours(1),
            next_update: now + Duration::days(7),
            crl_number: SerialNumber::from(1u64),
            issuing_distribution_point: None,
            revoked_certs: serials
                .iter()
                .map(|serial| RevokedCertParams {
                    serial_number: SerialNumber::from(*serial),
                    revocation_time: now - Duration::hours(1),
                    reason_code: Some(RevocationReason::KeyCompromise),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        Ok(params.signed_by(&self.issuer)?.der().to_vec())
    }

    /// Issues a certificate under this CA.
    pub fn issue(&self, spec: &LeafSpec) -> Result<TestIdentity, TestPkiError> {
        let key = spec.key.generate()?;
        let mut params = CertificateParams::default();
        params.distinguished_name.push(DnType::CountryName, "US");
        params
            .distinguished_name
            .push(DnType::OrganizationName, "Strongroom Test");
        params
            .distinguished_name
            .push(DnType::OrganizationalUnitName, "Workloads");
        params
            .distinguished_name
            .push(DnType::CommonName, spec.common_name.as_str());
        params.serial_number = Some(SerialNumber::from(spec.serial));
        params.not_before = spec.not_before;
        params.not_after = spec.not_after;
        params.use_authority_key_identifier_extension = true;
        if spec.is_ca {
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.key_usages = vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::KeyCertSign,
                KeyUsagePurpose::CrlSign,
            ];
        } else {
            params.is_ca = IsCa::ExplicitNoCa;
            params.key_usages = if spec.digital_signature {
                vec![KeyUsagePurpose::DigitalSignature]
            } else {
                vec![KeyUsagePurpose::KeyEncipherment]
            };
        }
        params.extended_key_usages = match spec.eku {
            TestEku::ClientAuth => vec![ExtendedKeyUsagePurpose::ClientAuth],
            TestEku::None => Vec::new(),
            TestEku::ServerAuthOnly => vec![ExtendedKeyUsagePurpose::ServerAuth],
        };
        for dns in &spec.dns_names {
            params
                .subject_alt_names
                .push(SanType::DnsName(dns.as_str().try_into()?));
        }
        for uri in &spec.uris {
            params
                .subject_alt_names
                .push(SanType::URI(uri.as_str().try_into()?));
        }
        let cert = params.signed_by(&key, &self.issuer)?;
        TestIdentity::new(cert.der(), &key, spec.key)
    }

    /// A subordinate CA under this one.
    pub fn subordinate(
        &self,
        common_name: &str,
        key_type: TestKeyType,
        serial: u64,
        now: OffsetDateTime,
    ) -> Result<TestCa, TestPkiError> {
        let key = key_type.generate()?;
        let params = ca_params(common_name, serial, now);
        let cert = params.signed_by(&key, &self.issuer)?;
        let identity = TestIdentity::new(cert.der(), &key, key_type)?;
        Ok(TestCa {
            identity,
            issuer: Issuer::new(params, key),
        })
    }

    /// A self-signed root CA valid from a day before `now` for ten years.
    pub fn root(
        common_name: &str,
        key_type: TestKeyType,
        now: OffsetDateTime,
    ) -> Result<TestCa, TestPkiError> {
        let key = key_type.generate()?;
        let params = ca_params(common_name, 1, now);
        let cert = params.self_signed(&key)?;
        let identity = TestIdentity::new(cert.der(), &key, key_type)?;
        Ok(TestCa {
            identity,
            issuer: Issuer::new(params, key),
        })
    }
}

fn ca_params(common_name: &str, serial: u64, now: OffsetDateTime) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CountryName, "US");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "Strongroom Test");
    params.distinguished_name.push(DnType::CommonName, common_name);
    params.serial_number = Some(SerialNumber::from(serial));
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(3650);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
    ];
    params.use_authority_key_identifier_extension = true;
    params
}

/// Serials of the generated leaves, so tests can name them.
pub mod serials {
    pub const LEAF_RSA: u64 = 0x1001;
    pub const LEAF_P256: u64 = 0x1002;
    pub const LEAF_P384: u64 = 0x1003;
    pub const NO_EKU: u64 = 0x1004;
    pub const EXPIRED: u64 = 0x2001;
    pub const NOT_YET_VALID: u64 = 0x2002;
    pub const CA_AS_LEAF: u64 = 0x2003;
    pub const WRONG_EKU: u64 = 0x2004;
    pub const REVOKED: u64 = 0x2005;
    pub const NO_DIGITAL_SIGNATURE: u64 = 0x2006;
    pub const UNTRUSTED: u64 = 0x2007;
}

/// A complete test PKI. `now` is the time every "valid" certificate is valid at.
#[derive(Debug)]
pub struct TestPki {
    pub now: OffsetDateTime,
    pub root: TestCa,
    pub intermediate: TestCa,
    pub leaf_rsa: TestIdentity,
    pub leaf_p256: TestIdentity,
    pub leaf_p384: TestIdentity,
    /// Client certificate without an extKeyUsage extension (accepted).
    pub leaf_no_eku: TestIdentity,
    pub expired: TestIdentity,
    pub not_yet_valid: TestIdentity,
    /// A CA certificate (basicConstraints CA=TRUE) under the intermediate, presented as a leaf.
    pub ca_as_leaf: TestIdentity,
    /// serverAuth-only extKeyUsage.
    pub wrong_eku: TestIdentity,
    /// Listed in [`TestPki::crl`].
    pub revoked: TestIdentity,
    /// keyUsage without digitalSignature.
    pub no_digital_signature: TestIdentity,
    /// A root nobody trusts, and a leaf under it.
    pub untrusted_root: TestCa,
    pub untrusted_leaf: TestIdentity,
}

impl TestPki {
    /// Root (P-384) → intermediate (P-256) → leaves, valid at the current time.
    pub fn generate() -> Result<Self, TestPkiError> {
        Self::generate_with(
            TestKeyType::EcP384,
            TestKeyType::EcP256,
            OffsetDateTime::now_utc(),
        )
    }

    /// The same shape with the CAs' key types and the reference time chosen.
    pub fn generate_with(
        root_key: TestKeyType,
        intermediate_key: TestKeyType,
        now: OffsetDateTime,
    ) -> Result<Self, TestPkiError> {
        let now = now.replace_nanosecond(0).unwrap_or(now);
        let root = TestCa::root("Strongroom Test Root CA", root_key, now)?;
        let intermediate = root.subordinate("Strongroom Test Issuing CA", intermediate_key, 2, now)?;
        let issue = |cn: &str, key: TestKeyType, serial: u64, edit: &dyn Fn(&mut LeafSpec)| {
            let mut spec = LeafSpec::client(cn, key, serial, now);
            edit(&mut spec);
            intermediate.issue(&spec)
        };
        let untrusted_root = TestCa::root("Somebody Else's Root", TestKeyType::EcP256, now)?;
        let untrusted_leaf = untrusted_root.issue(&LeafSpec::client(
            "untrusted",
            TestKeyType::EcP256,
            serials::UNTRUSTED,
            now,
        ))?;
        Ok(Self {
            leaf_rsa: issue("workload-rsa", TestKeyType::Rsa2048, serials::LEAF_RSA, &|_| {})?,
            leaf_p256: issue("workload-p256", TestKeyType::EcP256, serials::LEAF_P256, &|_| {})?,
            leaf_p384: issue("workload-p384", TestKeyType::EcP384, serials::LEAF_P384, &|_| {})?,
            leaf_no_eku: issue("workload-no-eku", TestKeyType::EcP256, serials::NO_EKU, &|s| {
                s.eku = TestEku::None;
            })?,
            expired: issue("expired", TestKeyType::EcP256, serials::EXPIRED, &|s| {
                s.not_before = now - Duration::days(30);
                s.not_after = now - Duration::days(1);
            })?,
            not_yet_valid: issue(
                "not-yet-valid",
                TestKeyType::EcP256,
                serials::NOT_YET_VALID,
                &|s| {
                    s.not_before = now + Duration::days(1);
                    s.not_after = now + Duration::days(30);
                },
            )?,
            ca_as_leaf: issue("ca-as-leaf", TestKeyType::EcP256, serials::CA_AS_LEAF, &|s| {
                s.is_ca = true;
            })?,
            wrong_eku: issue("wrong-eku", TestKeyType::EcP256, serials::WRONG_EKU, &|s| {
                s.eku = TestEku::ServerAuthOnly;
            })?,
            revoked: issue("revoked", TestKeyType::EcP256, serials::REVOKED, &|_| {})?,
            no_digital_signature: issue(
                "no-digital-signature",
                TestKeyType::EcP256,
                serials::NO_DIGITAL_SIGNATURE,
                &|s| {
                    s.digital_signature = false;
                },
            )?,
            untrusted_root,
            untrusted_leaf,
            root,
            intermediate,
            now,
        })
    }

    /// The intermediate's CRL listing [`TestPki::revoked`].
    pub fn crl_der(&self) -> Result<Vec<u8>, TestPkiError> {
        self.intermediate.crl(&[serials::REVOKED], self.now)
    }

    /// The root alone as the trust anchor, the intermediate's CRL applied.
    pub fn trust_store(&self) -> Result<super::TrustStore, TestPkiError> {
        let crl = super::Crl::from_der(&self.crl_der()?)?;
        Ok(super::TrustStore::new(vec![self.root.cert().clone()])?.with_crls(vec![crl]))
    }

    /// The chain a client sends: the intermediate.
    pub fn chain(&self) -> Vec<Certificate> {
        vec![self.intermediate.cert().clone()]
    }
}
