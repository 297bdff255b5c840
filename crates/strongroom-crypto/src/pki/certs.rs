//! Certificates, CSRs and CRLs: issuing by template, making CRLs, and parsing with signature checks.

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CrlDistributionPoint,
    DistinguishedName, DnType, DnValue, ExtendedKeyUsagePurpose, IsCa, KeyIdMethod, KeyUsagePurpose,
    RevokedCertParams, SanType, SerialNumber,
};
use rustls_pki_types::CertificateDer;
use strongroom_types::OffsetDateTime;
use x509_parser::prelude::{
    FromDer as _, GeneralName, ParsedExtension, X509Certificate, X509CertificationRequest,
};
use x509_parser::revocation_list::CertificateRevocationList;
use x509_parser::x509::X509Name;

use super::PkiError;
use super::keys::PrivateKey;
use super::names::SubjectName;

/// The certificate profiles ACM PCA's templates describe (key usage, extended key usage, basic
/// constraints).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    /// `EndEntityCertificate/V1`: TLS server and client authentication.
    EndEntity,
    /// `EndEntityClientAuthCertificate/V1`: client authentication only.
    EndEntityClientAuth,
    /// `EndEntityServerAuthCertificate/V1`: server authentication only.
    EndEntityServerAuth,
    /// `SubordinateCACertificate_PathLenN/V1`: a CA certificate, constrained to `path_len` intermediates
    /// below it (`None`: unconstrained).
    SubordinateCa { path_len: Option<u8> },
    /// `RootCACertificate/V1`: a root's self-signed certificate.
    RootCa,
}

impl Template {
    pub fn is_ca(self) -> bool {
        matches!(self, Self::SubordinateCa { .. } | Self::RootCa)
    }

    fn apply(self, params: &mut CertificateParams) {
        match self {
            Self::EndEntity | Self::EndEntityClientAuth | Self::EndEntityServerAuth => {
                params.is_ca = IsCa::ExplicitNoCa;
                params.key_usages = if self == Self::EndEntityClientAuth {
                    vec![KeyUsagePurpose::DigitalSignature]
                } else {
                    vec![
                        KeyUsagePurpose::DigitalSignature,
                        KeyUsagePurpose::KeyEncipherment,
                    ]
                };
                params.extended_key_usages = match self {
                    Self::EndEntityClientAuth => vec![ExtendedKeyUsagePurpose::ClientAuth],
                    Self::EndEntityServerAuth => vec![ExtendedKeyUsagePurpose::ServerAuth],
                    _ => vec![
                        ExtendedKeyUsagePurpose::ServerAuth,
                        ExtendedKeyUsagePurpose::ClientAuth,
                    ],
                };
            }
            Self::SubordinateCa { path_len } => {
                params.is_ca = IsCa::Ca(match path_len {
                    Some(n) => BasicConstraints::Constrained(n),
                    None => BasicConstraints::Unconstrained,
                });
                params.key_usages = ca_key_usages();
            }
            Self::RootCa => {
                params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
                params.key_usages = ca_key_usages();
            }
        }
    }
}

fn ca_key_usages() -> Vec<KeyUsagePurpose> {
    vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
    ]
}

/// A parsed certificate signing request whose signature checked out.
#[derive(Debug, Clone)]
pub struct CsrInfo {
    subject: DistinguishedName,
    /// The subject name as encoded (DER).
    pub subject_der: Vec<u8>,
    /// The public key's SubjectPublicKeyInfo (DER).
    pub public_key_der: Vec<u8>,
    sans: Vec<SanType>,
}

/// Parses a CSR (PEM or DER) and checks that it is signed by its own key.
pub fn parse_csr(input: &[u8]) -> Result<CsrInfo, PkiError> {
    let der = super::der_from_pem_or_der(input, "CERTIFICATE REQUEST")
        .ok_or(PkiError::MalformedCsr("the PEM does not decode"))?;
    let (rest, csr) = X509CertificationRequest::from_der(&der)
        .map_err(|_| PkiError::MalformedCsr("it is not a DER certification request"))?;
    if !rest.is_empty() {
        return Err(PkiError::MalformedCsr("bytes follow the request"));
    }
    csr.verify_signature()
        .map_err(|_| PkiError::MalformedCsr("its signature does not verify with its own key"))?;
    let info = &csr.certification_request_info;
    let subject = subject_name(&info.subject)?;
    let mut sans = Vec::new();
    if let Some(extensions) = csr.requested_extensions() {
        for extension in extensions {
            if let ParsedExtension::SubjectAlternativeName(san) = extension {
                for name in &san.general_names {
                    sans.push(san_type(name)?);
                }
            }
        }
    }
    // The key must be one a certificate can carry.
    rcgen::SubjectPublicKeyInfo::from_der(info.subject_pki.raw)
        .map_err(|_| PkiError::MalformedCsr("the public key type is not supported"))?;
    Ok(CsrInfo {
        subject,
        subject_der: info.subject.as_raw().to_vec(),
        public_key_der: info.subject_pki.raw.to_vec(),
        sans,
    })
}

/// The CSR's subject as rcgen writes names: single-valued RDNs of PrintableString, UTF8String or
/// IA5String, kept in their order and string types so the certificate repeats them as requested.
fn subject_name(name: &X509Name<'_>) -> Result<DistinguishedName, PkiError> {
    use x509_parser::der_parser::asn1_rs::Tag;
    const UNSUPPORTED: PkiError =
        PkiError::MalformedCsr("the subject uses an unsupported attribute or string type");
    let mut dn = DistinguishedName::new();
    for rdn in name.iter() {
        let mut attributes = rdn.iter();
        let (Some(attribute), None) = (attributes.next(), attributes.next()) else {
            return Err(PkiError::MalformedCsr(
                "multi-valued or empty name components are not supported",
            ));
        };
        let oid: Vec<u64> = attribute.attr_type().iter().ok_or(UNSUPPORTED)?.collect();
        let value = attribute.attr_value();
        let data: &[u8] = value.data;
        let text = std::str::from_utf8(data).map_err(|_| UNSUPPORTED)?;
        let dn_value = match value.header.tag() {
            Tag::PrintableString => DnValue::PrintableString(text.try_into().map_err(|_| UNSUPPORTED)?),
            Tag::Utf8String => DnValue::Utf8String(text.to_owned()),
            Tag::Ia5String => DnValue::Ia5String(text.try_into().map_err(|_| UNSUPPORTED)?),
            _ => return Err(UNSUPPORTED),
        };
        dn.push(DnType::from_oid(&oid), dn_value);
    }
    Ok(dn)
}

fn san_type(name: &GeneralName<'_>) -> Result<SanType, PkiError> {
    let invalid = |_| PkiError::MalformedCsr("a subject alternative name is not valid");
    Ok(match name {
        GeneralName::DNSName(dns) => SanType::DnsName((*dns).try_into().map_err(invalid)?),
        GeneralName::RFC822Name(mail) => SanType::Rfc822Name((*mail).try_into().map_err(invalid)?),
        GeneralName::URI(uri) => SanType::URI((*uri).try_into().map_err(invalid)?),
        GeneralName::IPAddress(bytes) => match bytes.len() {
            4 => {
                let octets: [u8; 4] = (*bytes)
                    .try_into()
                    .map_err(|_| PkiError::MalformedCsr("an IP address is not 4 or 16 bytes"))?;
                SanType::IpAddress(octets.into())
            }
            16 => {
                let octets: [u8; 16] = (*bytes)
                    .try_into()
                    .map_err(|_| PkiError::MalformedCsr("an IP address is not 4 or 16 bytes"))?;
                SanType::IpAddress(octets.into())
            }
            _ => return Err(PkiError::MalformedCsr("an IP address is not 4 or 16 bytes")),
        },
        _ => {
            return Err(PkiError::MalformedCsr(
                "a subject alternative name type is not supported",
            ));
        }
    })
}

/// Who signs a certificate.
#[derive(Debug, Clone, Copy)]
pub enum Issuer<'a> {
    /// A root CA signing its own certificate: issuer name and subject are the CA's subject.
    SelfSigned {
        key: &'a PrivateKey,
        subject: &'a SubjectName,
    },
    /// A CA that holds its certificate (DER).
    Ca {
        key: &'a PrivateKey,
        certificate_der: &'a [u8],
    },
}

/// What to put in a new certificate besides the CSR's subject, key and names.
#[derive(Debug, Clone)]
pub struct IssueRequest<'a> {
    pub csr: &'a CsrInfo,
    pub template: Template,
    pub serial: [u8; 16],
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// CRL distribution point URLs (empty when CRLs are off).
    pub crl_urls: Vec<String>,
}

/// Issues a certificate (DER) for `request`, signed by `issuer`.
pub fn issue(issuer: Issuer<'_>, request: &IssueRequest<'_>) -> Result<Vec<u8>, PkiError> {
    if request.not_after <= request.not_before {
        return Err(PkiError::Invalid("the validity ends before it starts"));
    }
    let mut params = CertificateParams::default();
    params.not_before = request.not_before;
    params.not_after = request.not_after;
    params.serial_number = Some(SerialNumber::from_slice(&request.serial));
    params.distinguished_name = request.csr.subject.clone();
    params.subject_alt_names = if request.template.is_ca() {
        Vec::new()
    } else {
        request.csr.sans.clone()
    };
    params.use_authority_key_identifier_extension = true;
    if !request.crl_urls.is_empty() {
        params.crl_distribution_points = vec![CrlDistributionPoint {
            uris: request.crl_urls.clone(),
        }];
    }
    request.template.apply(&mut params);
    let public_key = rcgen::SubjectPublicKeyInfo::from_der(&request.csr.public_key_der)
        .map_err(|_| PkiError::MalformedCsr("the public key type is not supported"))?;
    let certificate = match issuer {
        Issuer::SelfSigned { key, subject } => {
            params.distinguished_name = subject.to_rcgen()?;
            let issuer = rcgen::Issuer::from_params(&params, key.pair());
            params.signed_by(&public_key, &issuer)
        }
        Issuer::Ca { key, certificate_der } => {
            let issuer = ca_issuer(key, certificate_der)?;
            params.signed_by(&public_key, &issuer)
        }
    }
    .map_err(|_| PkiError::Signing)?;
    Ok(certificate.der().to_vec())
}

fn ca_issuer<'k>(
    key: &'k PrivateKey,
    certificate_der: &[u8],
) -> Result<rcgen::Issuer<'static, &'k rcgen::KeyPair>, PkiError> {
    rcgen::Issuer::from_ca_cert_der(&CertificateDer::from(certificate_der), key.pair())
        .map_err(|_| PkiError::MalformedCertificate("the CA certificate does not parse"))
}

/// Makes a certificate signing request (DER) for `key` with `subject`.
pub fn make_csr(key: &PrivateKey, subject: &SubjectName) -> Result<Vec<u8>, PkiError> {
    let mut params = CertificateParams::default();
    params.distinguished_name = subject.to_rcgen()?;
    let csr = params
        .serialize_request(key.pair())
        .map_err(|_| PkiError::Signing)?;
    Ok(csr.der().to_vec())
}

/// Why a certificate was revoked (RFC 5280 `CRLReason`, as ACM PCA names them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RevocationReason {
    Unspecified,
    KeyCompromise,
    CaCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    PrivilegeWithdrawn,
    AaCompromise,
}

impl RevocationReason {
    fn rcgen(self) -> rcgen::RevocationReason {
        match self {
            Self::Unspecified => rcgen::RevocationReason::Unspecified,
            Self::KeyCompromise => rcgen::RevocationReason::KeyCompromise,
            Self::CaCompromise => rcgen::RevocationReason::CaCompromise,
            Self::AffiliationChanged => rcgen::RevocationReason::AffiliationChanged,
            Self::Superseded => rcgen::RevocationReason::Superseded,
            Self::CessationOfOperation => rcgen::RevocationReason::CessationOfOperation,
            Self::PrivilegeWithdrawn => rcgen::RevocationReason::PrivilegeWithdrawn,
            Self::AaCompromise => rcgen::RevocationReason::AaCompromise,
        }
    }

    /// The RFC 5280 `CRLReason` code.
    pub fn code(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::KeyCompromise => 1,
            Self::CaCompromise => 2,
            Self::AffiliationChanged => 3,
            Self::Superseded => 4,
            Self::CessationOfOperation => 5,
            Self::PrivilegeWithdrawn => 9,
            Self::AaCompromise => 10,
        }
    }
}

/// One revoked certificate in a CRL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlEntry {
    pub serial: Vec<u8>,
    pub revoked_at: OffsetDateTime,
    pub reason: Option<RevocationReason>,
}

/// Makes a CRL (DER) signed by the CA with `key` and certificate `ca_certificate_der`.
pub fn make_crl(
    key: &PrivateKey,
    ca_certificate_der: &[u8],
    crl_number: u64,
    this_update: OffsetDateTime,
    next_update: OffsetDateTime,
    entries: &[CrlEntry],
) -> Result<Vec<u8>, PkiError> {
    let issuer = ca_issuer(key, ca_certificate_der)?;
    let ca = parse_certificate(ca_certificate_der)?;
    let params = CertificateRevocationListParams {
        this_update,
        next_update,
        crl_number: SerialNumber::from_slice(&crl_number.to_be_bytes()),
        issuing_distribution_point: None,
        revoked_certs: entries
            .iter()
            .map(|entry| RevokedCertParams {
                serial_number: SerialNumber::from_slice(&entry.serial),
                revocation_time: entry.revoked_at,
                reason_code: entry.reason.map(RevocationReason::rcgen),
                invalidity_date: None,
            })
            .collect(),
        key_identifier_method: match ca.subject_key_id {
            Some(id) => KeyIdMethod::PreSpecified(id),
            None => KeyIdMethod::Sha256,
        },
    };
    let crl = params.signed_by(&issuer).map_err(|_| PkiError::Signing)?;
    Ok(crl.der().to_vec())
}

/// What Strongroom reads from a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// The serial number's content bytes as encoded (a leading zero byte kept).
    pub serial: Vec<u8>,
    pub subject_der: Vec<u8>,
    pub issuer_der: Vec<u8>,
    /// The subject as text (RFC 4514-like), for display.
    pub subject_text: String,
    pub public_key_der: Vec<u8>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub is_ca: bool,
    pub path_len: Option<u32>,
    pub subject_key_id: Option<Vec<u8>>,
    /// CRL distribution point URIs.
    pub crl_urls: Vec<String>,
}

/// Parses a certificate (DER).
pub fn parse_certificate(der: &[u8]) -> Result<CertificateInfo, PkiError> {
    let (rest, cert) = X509Certificate::from_der(der)
        .map_err(|_| PkiError::MalformedCertificate("it is not a DER certificate"))?;
    if !rest.is_empty() {
        return Err(PkiError::MalformedCertificate("bytes follow the certificate"));
    }
    let constraints = cert
        .basic_constraints()
        .map_err(|_| PkiError::MalformedCertificate("basic constraints are malformed"))?
        .map(|ext| ext.value.clone());
    let mut subject_key_id = None;
    let mut crl_urls = Vec::new();
    for extension in cert.extensions() {
        match extension.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(id) => subject_key_id = Some(id.0.to_vec()),
            ParsedExtension::CRLDistributionPoints(points) => {
                for point in points.points.iter() {
                    if let Some(x509_parser::extensions::DistributionPointName::FullName(names)) =
                        &point.distribution_point
                    {
                        for name in names {
                            if let GeneralName::URI(uri) = name {
                                crl_urls.push((*uri).to_owned());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(CertificateInfo {
        serial: cert.raw_serial().to_vec(),
        subject_der: cert.subject().as_raw().to_vec(),
        issuer_der: cert.issuer().as_raw().to_vec(),
        subject_text: cert.subject().to_string(),
        public_key_der: cert.public_key().raw.to_vec(),
        not_before: cert.validity().not_before.to_datetime(),
        not_after: cert.validity().not_after.to_datetime(),
        is_ca: constraints.as_ref().is_some_and(|c| c.ca),
        path_len: constraints.and_then(|c| c.path_len_constraint),
        subject_key_id,
        crl_urls,
    })
}

/// Checks that `certificate_der` names `issuer_der`'s subject as its issuer and carries a signature by
/// its key.
pub fn verify_issued_by(certificate_der: &[u8], issuer_der: &[u8]) -> Result<(), PkiError> {
    let (_, cert) = X509Certificate::from_der(certificate_der)
        .map_err(|_| PkiError::MalformedCertificate("it is not a DER certificate"))?;
    let (_, issuer) = X509Certificate::from_der(issuer_der)
        .map_err(|_| PkiError::MalformedCertificate("the issuer is not a DER certificate"))?;
    if cert.issuer().as_raw() != issuer.subject().as_raw() {
        return Err(PkiError::Invalid(
            "the certificate's issuer is not the next certificate's subject",
        ));
    }
    cert.verify_signature(Some(issuer.public_key()))
        .map_err(|_| PkiError::Invalid("the certificate's signature does not verify"))
}

/// What Strongroom reads from a CRL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlInfo {
    pub issuer_der: Vec<u8>,
    pub this_update: OffsetDateTime,
    pub next_update: Option<OffsetDateTime>,
    /// The CRL number's bytes (big-endian), when present.
    pub crl_number: Option<Vec<u8>>,
    /// Revoked serials (content bytes as encoded) with their revocation times and reason codes.
    pub revoked: Vec<(Vec<u8>, OffsetDateTime, Option<u8>)>,
}

/// Parses a CRL (DER), checking its signature against `issuer_certificate_der` when given.
pub fn parse_crl(der: &[u8], issuer_certificate_der: Option<&[u8]>) -> Result<CrlInfo, PkiError> {
    let (rest, crl) = CertificateRevocationList::from_der(der)
        .map_err(|_| PkiError::MalformedCertificate("it is not a DER CRL"))?;
    if !rest.is_empty() {
        return Err(PkiError::MalformedCertificate("bytes follow the CRL"));
    }
    if let Some(issuer_der) = issuer_certificate_der {
        let (_, issuer) = X509Certificate::from_der(issuer_der)
            .map_err(|_| PkiError::MalformedCertificate("the issuer is not a DER certificate"))?;
        if crl.issuer().as_raw() != issuer.subject().as_raw() {
            return Err(PkiError::Invalid(
                "the CRL's issuer is not the certificate's subject",
            ));
        }
        crl.verify_signature(issuer.public_key())
            .map_err(|_| PkiError::Invalid("the CRL's signature does not verify"))?;
    }
    Ok(CrlInfo {
        issuer_der: crl.issuer().as_raw().to_vec(),
        this_update: crl.last_update().to_datetime(),
        next_update: crl.next_update().map(|t| t.to_datetime()),
        crl_number: crl.crl_number().map(|n| n.to_bytes_be()),
        revoked: crl
            .iter_revoked_certificates()
            .map(|entry| {
                (
                    entry.raw_serial().to_vec(),
                    entry.revocation_date.to_datetime(),
                    entry.reason_code().map(|(_, code)| code.0),
                )
            })
            .collect(),
    })
}
