//! Why a certificate, key, CRL or signature was refused: one typed reason per check, safe to log.

/// What can go wrong reading X.509 material, verifying a signature with it, or validating a path.
///
/// No variant carries key material or a whole certificate; reasons are fixed phrases. The Roles Anywhere
/// handler maps these to AWS errors: [`X509Error::is_client_input`] says which are malformed input
/// (`ValidationException`) rather than a refused identity (`AccessDeniedException`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum X509Error {
    /// Bytes that are not a certificate (or CRL, or key) in a form this module reads.
    #[error("malformed {what}: {reason}")]
    Malformed {
        what: &'static str,
        reason: &'static str,
    },
    /// The certificate's public key is not RSA (2048..=8192 bits), EC P-256 or EC P-384.
    #[error("unsupported public key type")]
    UnsupportedKeyType,
    /// The private key is encrypted, or of a type other than RSA, P-256 or P-384.
    #[error("unsupported private key: {0}")]
    UnsupportedPrivateKey(&'static str),
    /// A signature does not verify under the certificate's public key.
    #[error("signature does not verify under the certificate's public key")]
    BadSignature,
    /// Signing failed inside the crypto library.
    #[error("signing failed")]
    SigningFailed,
    /// The certificate (leaf or a certificate in the path) is past its `notAfter`.
    #[error("certificate expired")]
    Expired,
    /// The certificate (leaf or a certificate in the path) is before its `notBefore`.
    #[error("certificate not yet valid")]
    NotYetValid,
    /// No path from the leaf through the given intermediates to any trust anchor.
    #[error("no path to a trust anchor (untrusted signing certificate)")]
    UntrustedIssuer,
    /// The leaf is a CA certificate (basicConstraints CA=TRUE).
    #[error("a CA certificate cannot be used as the signing certificate")]
    CaUsedAsLeaf,
    /// An end-entity certificate appears as an issuer in the path.
    #[error("an end-entity certificate cannot issue certificates")]
    LeafUsedAsCa,
    /// The certificate or a certificate in its path is listed as revoked by a CRL of its issuer.
    #[error("certificate revoked")]
    Revoked,
    /// Key usage or extended key usage does not allow client authentication / certificate signing.
    #[error("key usage does not allow this use: {0}")]
    KeyUsage(&'static str),
    /// A certificate in the path is signed with an algorithm this module does not accept (MD5, SHA-1,
    /// RSA below 2048 bits, ...).
    #[error("unsupported or weak signature algorithm in the certificate path")]
    UnsupportedSignatureAlgorithm,
    /// A path length or name constraint is violated, or the path is too long.
    #[error("certificate path constraint violated: {0}")]
    PathConstraint(&'static str),
    /// A CRL does not parse, is not signed by its issuer, or uses features not supported.
    #[error("invalid CRL: {0}")]
    InvalidCrl(&'static str),
    /// The certificate is not X.509 v3, or has an unknown critical extension.
    #[error("unsupported certificate: {0}")]
    UnsupportedCertificate(&'static str),
    /// The private key does not belong to the certificate.
    #[error("the private key does not match the certificate")]
    KeyMismatch,
}

impl X509Error {
    pub(crate) fn malformed(what: &'static str, reason: &'static str) -> Self {
        Self::Malformed { what, reason }
    }

    /// True when the error is about the shape of the input (bad base64, bad DER) rather than about a
    /// well-formed identity being refused.
    pub fn is_client_input(&self) -> bool {
        matches!(self, Self::Malformed { .. })
    }

    /// Maps a rustls-webpki error to our reasons.
    pub(crate) fn from_webpki(error: &webpki::Error) -> Self {
        use webpki::Error as E;
        match error {
            E::CertExpired { .. } => Self::Expired,
            E::CertNotValidYet { .. } => Self::NotYetValid,
            E::UnknownIssuer => Self::UntrustedIssuer,
            E::CaUsedAsEndEntity => Self::CaUsedAsLeaf,
            E::EndEntityUsedAsCa => Self::LeafUsedAsCa,
            E::CertRevoked => Self::Revoked,
            E::RequiredEkuNotFoundContext(_) | E::EmptyEkuExtension => {
                Self::KeyUsage("extended key usage does not include client authentication")
            }
            E::IssuerNotCrlSigner => Self::InvalidCrl("the CRL issuer may not sign CRLs"),
            E::InvalidCrlSignatureForPublicKey | E::UnsupportedCrlSignatureAlgorithmContext(_) => {
                Self::InvalidCrl("the CRL signature does not verify")
            }
            E::CrlExpired { .. } => Self::InvalidCrl("the CRL is past its nextUpdate"),
            E::UnsupportedCrlVersion
            | E::UnsupportedDeltaCrl
            | E::UnsupportedIndirectCrl
            | E::UnsupportedRevocationReason
            | E::UnsupportedRevocationReasonsPartitioning
            | E::UnsupportedCrlIssuingDistributionPoint
            | E::InvalidCrlNumber => Self::InvalidCrl("unsupported CRL features"),
            E::UnknownRevocationStatus => Self::InvalidCrl("no CRL covers a certificate in the path"),
            E::InvalidSignatureForPublicKey => Self::UntrustedIssuer,
            E::UnsupportedSignatureAlgorithmContext(_)
            | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_)
            | E::SignatureAlgorithmMismatch => Self::UnsupportedSignatureAlgorithm,
            E::PathLenConstraintViolated => Self::PathConstraint("path length constraint"),
            E::NameConstraintViolation
            | E::MaximumNameConstraintComparisonsExceeded
            | E::InvalidNetworkMaskConstraint
            | E::MalformedNameConstraint => Self::PathConstraint("name constraints"),
            E::MaximumPathDepthExceeded
            | E::MaximumPathBuildCallsExceeded
            | E::MaximumSignatureChecksExceeded => {
                Self::PathConstraint("the path is too long or too costly to build")
            }
            E::UnsupportedCertVersion => {
                Self::UnsupportedCertificate("only X.509 v3 certificates are accepted")
            }
            E::UnsupportedCriticalExtension => {
                Self::UnsupportedCertificate("an unknown extension is marked critical")
            }
            E::InvalidCertValidity => Self::UnsupportedCertificate("notBefore is after notAfter"),
            _ => Self::malformed("certificate", "rejected by the path validator"),
        }
    }
}
