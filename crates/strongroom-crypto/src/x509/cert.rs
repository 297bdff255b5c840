//! A parsed X.509 certificate: the DER plus every field Roles Anywhere reads, extracted once.

use std::fmt;

use aws_lc_rs::signature::{self, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::FromDer;
use x509_parser::x509::{X509Name, X509Version};

use super::error::X509Error;
use super::pem;

/// The most certificates accepted in one `X-Amz-X509-Chain` header or bundle; longer chains are refused
/// before any is parsed, so a request cannot make the server parse an unbounded list.
pub const MAX_CHAIN_CERTIFICATES: usize = 16;

/// The kind of public key a certificate carries, among those AWS4-X509 signatures use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// RSA with a modulus of `bits` bits (2048..=8192 verify).
    Rsa { bits: usize },
    /// ECDSA on NIST P-256.
    EcP256,
    /// ECDSA on NIST P-384.
    EcP384,
}

impl KeyType {
    /// `RSA` or `EC`, as `aws_signing_helper read-certificate-data` prints `keyType`.
    pub fn family(self) -> &'static str {
        match self {
            Self::Rsa { .. } => "RSA",
            Self::EcP256 | Self::EcP384 => "EC",
        }
    }
}

/// Which key usages a certificate's keyUsage extension allows (all true when it has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyUsageBits {
    pub present: bool,
    pub digital_signature: bool,
    pub key_cert_sign: bool,
    pub crl_sign: bool,
}

/// A distinguished name as its attributes in certificate order: `(short name or dotted OID, value)`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DistinguishedName {
    attributes: Vec<(String, String)>,
}

impl DistinguishedName {
    fn from_x509(name: &X509Name<'_>) -> Self {
        let mut attributes = Vec::new();
        for attribute in name.iter_attributes() {
            let oid = attribute.attr_type().to_id_string();
            let key = short_name(&oid).map_or(oid, str::to_owned);
            // Values that are not strings (BMPString, raw bytes) cannot become tags; they are skipped.
            if let Ok(value) = attribute.as_str() {
                attributes.push((key, value.to_owned()));
            }
        }
        Self { attributes }
    }

    /// `(short name, value)` in certificate order; an OID without a short name appears dotted.
    pub fn attributes(&self) -> &[(String, String)] {
        &self.attributes
    }

    /// The first value of attribute `short_name` (`CN`, `OU`, ...).
    pub fn get(&self, short_name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == short_name)
            .map(|(_, v)| v.as_str())
    }

    /// The first common name.
    pub fn common_name(&self) -> Option<&str> {
        self.get("CN")
    }
}

/// RFC 4514 form, most specific attribute first: `CN=workload,OU=Ops,O=Example,C=US`.
impl fmt::Display for DistinguishedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (key, value)) in self.attributes.iter().rev().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{key}=")?;
            let last = value.chars().count().saturating_sub(1);
            for (j, c) in value.chars().enumerate() {
                let escape = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
                    || (j == 0 && (c == '#' || c == ' '))
                    || (j == last && c == ' ');
                if escape {
                    f.write_str("\\")?;
                }
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

/// The RDN attribute types Roles Anywhere maps to principal tags, by dotted OID.
const SHORT_NAMES: [(&str, &str); 11] = [
    ("2.5.4.3", "CN"),
    ("2.5.4.11", "OU"),
    ("2.5.4.10", "O"),
    ("2.5.4.7", "L"),
    ("2.5.4.8", "ST"),
    ("2.5.4.6", "C"),
    ("2.5.4.9", "STREET"),
    ("2.5.4.5", "SERIALNUMBER"),
    ("0.9.2342.19200300.100.1.1", "UID"),
    ("0.9.2342.19200300.100.1.25", "DC"),
    ("1.2.840.113549.1.9.1", "emailAddress"),
];

fn short_name(oid: &str) -> Option<&'static str> {
    SHORT_NAMES.iter().find(|(o, _)| *o == oid).map(|(_, n)| *n)
}

/// The subject alternative names of a certificate, by kind, in certificate order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SubjectAltNames {
    pub dns: Vec<String>,
    pub uri: Vec<String>,
    pub email: Vec<String>,
    pub directory_names: Vec<DistinguishedName>,
}

/// An X.509 certificate, parsed once. Cheap to read; cloning copies the DER.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    serial: Vec<u8>,
    serial_decimal: String,
    version3: bool,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    subject: DistinguishedName,
    issuer: DistinguishedName,
    sans: SubjectAltNames,
    key_type: Option<KeyType>,
    public_key: Vec<u8>,
    is_ca: bool,
    key_usage: KeyUsageBits,
    eku_allows_client_auth: bool,
    signature_algorithm_oid: String,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("serial", &self.serial_decimal)
            .field("subject", &self.subject.to_string())
            .field("issuer", &self.issuer.to_string())
            .field("not_after", &self.not_after)
            .field("key_type", &self.key_type)
            .finish_non_exhaustive()
    }
}

impl Certificate {
    /// Parses one DER certificate; trailing bytes are refused.
    pub fn from_der(der: &[u8]) -> Result<Self, X509Error> {
        let (rest, cert) = X509Certificate::from_der(der)
            .map_err(|_| X509Error::malformed("certificate", "not a DER X.509 certificate"))?;
        if !rest.is_empty() {
            return Err(X509Error::malformed(
                "certificate",
                "trailing bytes after the certificate",
            ));
        }
        let tbs = &cert.tbs_certificate;
        let serial = tbs.raw_serial().to_vec();
        if serial.is_empty() {
            return Err(X509Error::malformed("certificate", "empty serial number"));
        }
        let basic_constraints = cert
            .basic_constraints()
            .map_err(|_| X509Error::malformed("certificate", "duplicate or invalid basicConstraints"))?;
        let key_usage = match cert
            .key_usage()
            .map_err(|_| X509Error::malformed("certificate", "duplicate or invalid keyUsage"))?
        {
            Some(ku) => KeyUsageBits {
                present: true,
                digital_signature: ku.value.digital_signature(),
                key_cert_sign: ku.value.key_cert_sign(),
                crl_sign: ku.value.crl_sign(),
            },
            None => KeyUsageBits {
                present: false,
                digital_signature: true,
                key_cert_sign: true,
                crl_sign: true,
            },
        };
        let eku_allows_client_auth = cert
            .extended_key_usage()
            .map_err(|_| X509Error::malformed("certificate", "duplicate or invalid extKeyUsage"))?
            .is_none_or(|eku| eku.value.client_auth || eku.value.any);
        let mut sans = SubjectAltNames::default();
        if let Some(san) = cert
            .subject_alternative_name()
            .map_err(|_| X509Error::malformed("certificate", "duplicate or invalid subjectAltName"))?
        {
            for name in &san.value.general_names {
                match name {
                    GeneralName::DNSName(dns) => sans.dns.push((*dns).to_owned()),
                    GeneralName::URI(uri) => sans.uri.push((*uri).to_owned()),
                    GeneralName::RFC822Name(email) => sans.email.push((*email).to_owned()),
                    GeneralName::DirectoryName(dn) => {
                        sans.directory_names.push(DistinguishedName::from_x509(dn))
                    }
                    _ => {}
                }
            }
        }
        let spki = cert.public_key();
        let key_type = key_type_of(spki);
        let to_time = |t: &x509_parser::time::ASN1Time| {
            OffsetDateTime::from_unix_timestamp(t.timestamp())
                .map_err(|_| X509Error::malformed("certificate", "validity out of range"))
        };
        Ok(Self {
            serial_decimal: serial_to_decimal(&serial),
            serial,
            version3: tbs.version() == X509Version::V3,
            not_before: to_time(&tbs.validity().not_before)?,
            not_after: to_time(&tbs.validity().not_after)?,
            subject: DistinguishedName::from_x509(tbs.subject()),
            issuer: DistinguishedName::from_x509(tbs.issuer()),
            sans,
            key_type,
            public_key: spki.subject_public_key.data.to_vec(),
            is_ca: basic_constraints.is_some_and(|bc| bc.value.ca),
            key_usage,
            eku_allows_client_auth,
            signature_algorithm_oid: cert.signature_algorithm.algorithm.to_id_string(),
            der: der.to_vec(),
        })
    }

    /// Every `CERTIFICATE` block of a PEM text, in order (other blocks are skipped). At least one.
    pub fn all_from_pem(text: &[u8]) -> Result<Vec<Self>, X509Error> {
        let certs = pem::parse_blocks(text)?
            .iter()
            .filter(|b| b.label == "CERTIFICATE")
            .map(|b| Self::from_der(&b.der))
            .collect::<Result<Vec<_>, _>>()?;
        if certs.is_empty() {
            return Err(X509Error::malformed("PEM", "no CERTIFICATE block"));
        }
        if certs.len() > MAX_CHAIN_CERTIFICATES {
            return Err(X509Error::malformed("PEM", "too many certificates"));
        }
        Ok(certs)
    }

    /// The first `CERTIFICATE` block of a PEM text.
    pub fn from_pem(text: &[u8]) -> Result<Self, X509Error> {
        Self::all_from_pem(text)?
            .into_iter()
            .next()
            .ok_or(X509Error::malformed("PEM", "no CERTIFICATE block"))
    }

    /// The `X-Amz-X509` header form: standard base64 (padded) of the DER.
    pub fn from_base64_der(value: &str) -> Result<Self, X509Error> {
        let der = STANDARD
            .decode(value.trim())
            .map_err(|_| X509Error::malformed("certificate", "not standard base64"))?;
        Self::from_der(&der)
    }

    /// The `X-Amz-X509` header value for this certificate.
    pub fn to_base64_der(&self) -> String {
        STANDARD.encode(&self.der)
    }

    /// PEM text of this certificate.
    pub fn to_pem(&self) -> String {
        pem::encode("CERTIFICATE", &self.der)
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The serial as its DER INTEGER content bytes (two's complement, possibly with a leading 0x00).
    pub fn serial_bytes(&self) -> &[u8] {
        &self.serial
    }

    /// The serial in decimal, as the AWS4-X509 `Credential` carries it (`12345`).
    pub fn serial_decimal(&self) -> &str {
        &self.serial_decimal
    }

    /// The serial as lowercase hex without leading zeros: Roles Anywhere's default role session name.
    pub fn serial_hex(&self) -> String {
        let trimmed: &[u8] = match self.serial.iter().position(|b| *b != 0) {
            Some(first) => self.serial.get(first..).unwrap_or(&[]),
            None => &[0],
        };
        let hex = crate::hash::to_hex(trimmed);
        match hex.strip_prefix('0') {
            Some(rest) if !rest.is_empty() => rest.to_owned(),
            _ => hex,
        }
    }

    /// True for an X.509 v3 certificate (the only version Roles Anywhere accepts).
    pub fn is_v3(&self) -> bool {
        self.version3
    }

    pub fn not_before(&self) -> OffsetDateTime {
        self.not_before
    }

    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    pub fn subject(&self) -> &DistinguishedName {
        &self.subject
    }

    pub fn issuer(&self) -> &DistinguishedName {
        &self.issuer
    }

    pub fn subject_alt_names(&self) -> &SubjectAltNames {
        &self.sans
    }

    /// The public key type; `UnsupportedKeyType` for anything but RSA, P-256 and P-384.
    pub fn key_type(&self) -> Result<KeyType, X509Error> {
        self.key_type.ok_or(X509Error::UnsupportedKeyType)
    }

    /// basicConstraints CA=TRUE.
    pub fn is_ca(&self) -> bool {
        self.is_ca
    }

    pub fn key_usage(&self) -> KeyUsageBits {
        self.key_usage
    }

    /// False only when an extKeyUsage extension is present without clientAuth or anyExtendedKeyUsage.
    pub fn eku_allows_client_auth(&self) -> bool {
        self.eku_allows_client_auth
    }

    /// The hash of the issuer's signature on this certificate (`SHA256`, `SHA384`, `SHA512`), when known.
    /// The PyPI client puts it in its algorithm label.
    pub fn signature_hash_name(&self) -> Option<&'static str> {
        match self.signature_algorithm_oid.as_str() {
            "1.2.840.113549.1.1.11" | "1.2.840.10045.4.3.2" => Some("SHA256"),
            "1.2.840.113549.1.1.12" | "1.2.840.10045.4.3.3" => Some("SHA384"),
            "1.2.840.113549.1.1.13" | "1.2.840.10045.4.3.4" => Some("SHA512"),
            _ => None,
        }
    }

    /// The raw public key (the SPKI's BIT STRING: PKCS#1 `RSAPublicKey`, or an uncompressed EC point).
    pub fn public_key_bytes(&self) -> &[u8] {
        &self.public_key
    }

    /// The principal tags Roles Anywhere's default attribute mapping derives from this certificate, as
    /// `(key, value)` without the `aws:PrincipalTag/` prefix, in this order: `x509Subject/<RDN>` for each
    /// supported subject attribute, `x509Issuer/<RDN>` likewise, `x509SAN/DNS` (first DNS name),
    /// `x509SAN/URI` (first URI), `x509SAN/Name/<RDN>` (attributes of the first directory name).
    ///
    /// When an attribute occurs more than once (two `OU`s) the first one wins. Attributes without a
    /// short name (an unknown OID) are left out. Values are unmodified; tag length and character limits
    /// are the caller's to apply, as are profile mapping rules (filter on the key).
    pub fn principal_tags(&self) -> Vec<(String, String)> {
        let mut tags = Vec::new();
        push_rdn_tags(&mut tags, "x509Subject/", &self.subject);
        push_rdn_tags(&mut tags, "x509Issuer/", &self.issuer);
        if let Some(dns) = self.sans.dns.first() {
            tags.push(("x509SAN/DNS".to_owned(), dns.clone()));
        }
        if let Some(uri) = self.sans.uri.first() {
            tags.push(("x509SAN/URI".to_owned(), uri.clone()));
        }
        if let Some(dn) = self.sans.directory_names.first() {
            push_rdn_tags(&mut tags, "x509SAN/Name/", dn);
        }
        tags
    }

    /// Verifies `signature` over `message` with this certificate's key, hashing with SHA-256 whatever the
    /// key: RSASSA-PKCS1-v1_5 for RSA (2048..=8192 bits), DER `Ecdsa-Sig-Value` for P-256 and P-384.
    /// This is the AWS4-X509-{RSA,ECDSA}-SHA256 signature primitive.
    pub fn verify_sha256_signature(&self, message: &[u8], signature: &[u8]) -> Result<(), X509Error> {
        let algorithm: &'static dyn signature::VerificationAlgorithm = match self.key_type()? {
            KeyType::Rsa { .. } => &signature::RSA_PKCS1_2048_8192_SHA256,
            KeyType::EcP256 => &signature::ECDSA_P256_SHA256_ASN1,
            KeyType::EcP384 => &signature::ECDSA_P384_SHA256_ASN1,
        };
        UnparsedPublicKey::new(algorithm, &self.public_key)
            .verify(message, signature)
            .map_err(|_| X509Error::BadSignature)
    }
}

fn push_rdn_tags(tags: &mut Vec<(String, String)>, prefix: &str, dn: &DistinguishedName) {
    let start = tags.len();
    for (key, value) in dn.attributes() {
        if !SHORT_NAMES.iter().any(|(_, n)| n == key) {
            continue;
        }
        let tag = format!("{prefix}{key}");
        if tags
            .get(start..)
            .is_some_and(|seen| seen.iter().any(|(k, _)| *k == tag))
        {
            continue;
        }
        tags.push((tag, value.clone()));
    }
}

fn key_type_of(spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>) -> Option<KeyType> {
    match spki.algorithm.algorithm.to_id_string().as_str() {
        "1.2.840.113549.1.1.1" => match spki.parsed() {
            Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => Some(KeyType::Rsa { bits: rsa.key_size() }),
            _ => None,
        },
        "1.2.840.10045.2.1" => {
            let curve = spki.algorithm.parameters.as_ref()?.as_oid().ok()?.to_id_string();
            match curve.as_str() {
                "1.2.840.10045.3.1.7" => Some(KeyType::EcP256),
                "1.3.132.0.34" => Some(KeyType::EcP384),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The decimal form of a DER INTEGER's content bytes (two's complement, big-endian), as Go's
/// `big.Int.String()` and Python's `"%d"` print a serial.
pub fn serial_to_decimal(bytes: &[u8]) -> String {
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let mut magnitude: Vec<u8> = if negative {
        // Two's complement: invert and add one.
        let mut m: Vec<u8> = bytes.iter().map(|b| !b).collect();
        for byte in m.iter_mut().rev() {
            let (sum, carry) = byte.overflowing_add(1);
            *byte = sum;
            if !carry {
                break;
            }
        }
        m
    } else {
        bytes.to_vec()
    };
    // Base 10^9 limbs, least significant first: one pass over the bytes per nine digits, not per digit.
    const LIMB: u64 = 1_000_000_000;
    let mut limbs: Vec<u64> = Vec::new();
    while magnitude.iter().any(|b| *b != 0) {
        let mut remainder = 0u64;
        for byte in &mut magnitude {
            let value = (remainder << 8) | u64::from(*byte);
            // value / LIMB < 256 because remainder < LIMB.
            *byte = u8::try_from(value / LIMB).unwrap_or(0);
            remainder = value % LIMB;
        }
        limbs.push(remainder);
    }
    let Some((most, rest)) = limbs.split_last() else {
        return "0".to_owned();
    };
    let mut text = String::with_capacity(limbs.len() * 9 + 1);
    if negative {
        text.push('-');
    }
    text.push_str(&most.to_string());
    for limb in rest.iter().rev() {
        text.push_str(&format!("{limb:09}"));
    }
    text
}

/// Parses the `X-Amz-X509-Chain` header: comma-separated standard-base64 DER certificates, any order.
/// Empty entries (a trailing comma) are skipped; more than [`MAX_CHAIN_CERTIFICATES`] are refused.
pub fn parse_chain_header(value: &str) -> Result<Vec<Certificate>, X509Error> {
    chain_header_entries(value)?
        .into_iter()
        .map(Certificate::from_base64_der)
        .collect()
}

/// The base64 entries of an `X-Amz-X509-Chain` header, checked against [`MAX_CHAIN_CERTIFICATES`].
pub(crate) fn chain_header_entries(value: &str) -> Result<Vec<&str>, X509Error> {
    let entries: Vec<&str> = value
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    if entries.len() > MAX_CHAIN_CERTIFICATES {
        return Err(X509Error::malformed("X-Amz-X509-Chain", "too many certificates"));
    }
    Ok(entries)
}

/// The `X-Amz-X509-Chain` header value for `chain`.
pub fn chain_header_value(chain: &[Certificate]) -> String {
    chain
        .iter()
        .map(Certificate::to_base64_der)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_in_decimal() {
        for (bytes, want) in [
            (&[0x30, 0x39][..], "12345"),
            (&[0x00][..], "0"),
            (&[0x01][..], "1"),
            (
                &[
                    0x00, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18, 0x29, 0x3a, 0x4b, 0x5c, 0x6d, 0x7e,
                    0x8f, 0x90,
                ][..],
                "214933908099603316458134831733103562640",
            ),
            (&[0xff][..], "-1"),
            (&[0x80][..], "-128"),
            (&[0xff, 0x00][..], "-256"),
            (&[0x3b, 0x9a, 0xca, 0x00][..], "1000000000"),
            (&[0x3b, 0x9a, 0xc9, 0xff][..], "999999999"),
            (
                &[0x0d, 0xe0, 0xb6, 0xb3, 0xa7, 0x64, 0x00, 0x01][..],
                "1000000000000000001",
            ),
            (&[0xc4, 0x65, 0x36, 0x00][..], "-1000000000"),
        ] {
            assert_eq!(serial_to_decimal(bytes), want, "{bytes:02x?}");
        }
    }

    #[test]
    fn distinguished_names_print_rfc4514() {
        let dn = DistinguishedName {
            attributes: vec![
                ("C".to_owned(), "US".to_owned()),
                ("O".to_owned(), "Acme, Inc.".to_owned()),
                ("CN".to_owned(), " lead".to_owned()),
            ],
        };
        assert_eq!(dn.to_string(), "CN=\\ lead,O=Acme\\, Inc.,C=US");
        assert_eq!(dn.common_name(), Some(" lead"));
        assert_eq!(dn.get("OU"), None);
    }

    #[test]
    fn refuses_garbage() {
        assert!(matches!(
            Certificate::from_der(b""),
            Err(X509Error::Malformed { .. })
        ));
        assert!(matches!(
            Certificate::from_der(&[0x30, 0x03, 1, 2, 3]),
            Err(X509Error::Malformed { .. })
        ));
        assert!(Certificate::from_base64_der("not base64!").is_err());
        assert!(parse_chain_header("AAAA").is_err());
        assert!(parse_chain_header(&vec!["AAAA"; MAX_CHAIN_CERTIFICATES + 1].join(",")).is_err());
        assert!(parse_chain_header("").unwrap().is_empty());
        assert!(Certificate::all_from_pem(b"nothing").is_err());
    }
}
