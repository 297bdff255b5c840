//! The private CA (`acm-pca`): certificate authorities and the certificates they issued.
//!
//! A CA's record changes only as a whole, by compare-and-set on its `revision`; a revocation marks the
//! certificate and replaces the CA record (with its new CRL) in one atomic unit, so a CRL never misses a
//! revocation that was acknowledged. Issued certificates are kept for `GetCertificate`, revocation and
//! CRLs, and go with their CA.

use async_trait::async_trait;
use strongroom_types::{AccountId, OffsetDateTime, Region, Sealed};

use crate::StoreError;

/// A certificate authority. The fields the store must index are columns; the rest of its description
/// (configuration, revocation configuration, tags, timestamps) is the service's `document`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaRecord {
    /// `arn:aws:acm-pca:REGION:ACCOUNT:certificate-authority/ID`, unique.
    pub arn: String,
    pub account_id: AccountId,
    pub region: Region,
    /// Starts at 1 and grows by one with every committed change.
    pub revision: u64,
    pub created_at: OffsetDateTime,
    /// AWS's `CertificateAuthorityStatus` spelling.
    pub status: String,
    /// The service's encoding of everything else it keeps about the CA.
    pub document: String,
    /// The CA's private key (PKCS#8), sealed under a key of the keyring bound to the CA's ARN.
    pub sealed_key: Sealed,
    /// The CA's certificate signing request (DER).
    pub csr_der: Vec<u8>,
    /// The CA's own certificate (DER) once imported.
    pub certificate_der: Option<Vec<u8>>,
    /// The CA certificate's chain up to a root (PEM), for a subordinate CA.
    pub chain_pem: Option<String>,
    /// The latest CRL (DER), when CRLs are enabled and one has been made.
    pub crl_der: Option<Vec<u8>>,
}

/// A certificate a CA issued, and whether it was revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCertificateRecord {
    pub ca_arn: String,
    /// The serial number as lowercase hex without leading zeros; unique per CA.
    pub serial: String,
    pub certificate_der: Vec<u8>,
    pub issued_at: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// The caller's `IdempotencyToken`, if it sent one.
    pub idempotency_token: Option<String>,
    pub revoked_at: Option<OffsetDateTime>,
    /// AWS's `RevocationReason` spelling.
    pub revocation_reason: Option<String>,
}

#[async_trait]
pub trait PcaStore: Send + Sync {
    /// Stores a new CA. Fails with [`StoreError::AlreadyExists`] when its ARN is taken.
    async fn create_ca(&self, ca: &CaRecord) -> Result<(), StoreError>;

    async fn ca(&self, arn: &str) -> Result<Option<CaRecord>, StoreError>;

    /// The CA whose ARN ends in `certificate-authority/{id}` (ids are UUIDs, unique across regions and
    /// accounts), for the CRL endpoint, which names a CA by id alone. `id` holds only hex digits and `-`.
    async fn ca_by_id(&self, id: &str) -> Result<Option<CaRecord>, StoreError>;

    /// CAs of an account and region with `arn > after`, in ARN order, at most `limit`.
    async fn list_cas(
        &self,
        account: &AccountId,
        region: &Region,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<CaRecord>, StoreError>;

    /// Replaces the CA's record when its stored revision is `expected_revision`: [`StoreError::NotFound`]
    /// when it does not exist, [`StoreError::Conflict`] when the revision differs.
    async fn update_ca(&self, ca: &CaRecord, expected_revision: u64) -> Result<(), StoreError>;

    /// Removes the CA and every certificate it issued, with the same revision check as `update_ca`.
    async fn delete_ca(&self, arn: &str, expected_revision: u64) -> Result<(), StoreError>;

    /// Keeps an issued certificate. [`StoreError::AlreadyExists`] when the CA already has that serial or
    /// that idempotency token; [`StoreError::NotFound`] when the CA does not exist.
    async fn add_certificate(&self, certificate: &IssuedCertificateRecord) -> Result<(), StoreError>;

    async fn certificate(
        &self,
        ca_arn: &str,
        serial: &str,
    ) -> Result<Option<IssuedCertificateRecord>, StoreError>;

    /// The certificate the CA issued for `token`, if any.
    async fn certificate_by_token(
        &self,
        ca_arn: &str,
        token: &str,
    ) -> Result<Option<IssuedCertificateRecord>, StoreError>;

    /// Marks certificate `serial` revoked and replaces the CA's record (with its new CRL) in one unit.
    /// [`StoreError::NotFound`] when the CA or certificate does not exist, [`StoreError::Conflict`] when
    /// the CA's revision is not `expected_revision`, [`StoreError::AlreadyExists`] when the certificate
    /// is revoked already; each changes nothing.
    async fn revoke_certificate(
        &self,
        ca: &CaRecord,
        expected_revision: u64,
        serial: &str,
        revoked_at: OffsetDateTime,
        reason: &str,
    ) -> Result<(), StoreError>;

    /// Every revoked certificate of the CA, in serial order.
    async fn revoked_certificates(&self, ca_arn: &str) -> Result<Vec<IssuedCertificateRecord>, StoreError>;
}
