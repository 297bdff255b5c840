//! IAM Roles Anywhere: trust anchors, profiles, imported CRLs and subjects (who authenticated, when, with
//! which certificate).
//!
//! Every resource is one row that changes only as a whole, by compare-and-set on its `revision`, so that an
//! update racing another loses with [`StoreError::Conflict`] and is retried after a re-read. Backends store
//! the scalar columns they index (id, ARN, account, region, kind, the lookup key) and the rest as one JSON
//! document written and read by [`crate::rolesanywhere_codec`], so that both backends store alike. A CRL's
//! bytes are a separate binary column.
//!
//! Subjects are keyed by (account, region, subject DN); sightings are merged into them by
//! [`RolesAnywhereStore::record_ra_sightings`], one compare-and-set per subject.

use async_trait::async_trait;
use strongroom_types::{AccountId, OffsetDateTime, Region};

use crate::StoreError;
use crate::rolesanywhere_codec as codec;
pub use crate::secrets::Tag;

/// How many recent certificates and instance-property sets a subject keeps.
pub const SUBJECT_HISTORY: usize = 10;

/// Which kind of resource a row holds (the stored `kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RaKind {
    TrustAnchor,
    Profile,
    Crl,
    Subject,
}

impl RaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TrustAnchor => "trust-anchor",
            Self::Profile => "profile",
            Self::Crl => "crl",
            Self::Subject => "subject",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "trust-anchor" => Some(Self::TrustAnchor),
            "profile" => Some(Self::Profile),
            "crl" => Some(Self::Crl),
            "subject" => Some(Self::Subject),
            _ => None,
        }
    }
}

/// One stored resource as the backends see it: indexed columns and an opaque document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaRow {
    pub kind: RaKind,
    /// A UUID, unique across the store.
    pub id: String,
    /// Unique across the store.
    pub arn: String,
    pub account_id: AccountId,
    pub region: Region,
    /// Starts at 1 and grows by one with every committed change.
    pub revision: u64,
    /// A CRL's trust anchor ARN, a subject's DN (unique per account, region and kind); `None` otherwise.
    pub lookup: Option<String>,
    /// The rest of the record, as [`crate::rolesanywhere_codec`] writes it.
    pub document: String,
    /// A CRL's bytes.
    pub data: Option<Vec<u8>>,
}

/// Where a trust anchor's CA certificates come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RaSource {
    /// `CERTIFICATE_BUNDLE`: PEM certificates given by the user.
    CertificateBundle { pem: String },
    /// `AWS_ACM_PCA`: a Strongroom private CA, by ARN.
    AcmPca { ca_arn: String },
    /// `SELF_SIGNED_REPOSITORY`: kept as given, never trusted.
    SelfSignedRepository,
}

impl RaSource {
    /// AWS's `sourceType`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::CertificateBundle { .. } => "CERTIFICATE_BUNDLE",
            Self::AcmPca { .. } => "AWS_ACM_PCA",
            Self::SelfSignedRepository => "SELF_SIGNED_REPOSITORY",
        }
    }
}

/// One notification setting of a trust anchor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaNotificationSetting {
    pub enabled: bool,
    /// `CA_CERTIFICATE_EXPIRY` or `END_ENTITY_CERTIFICATE_EXPIRY`.
    pub event: String,
    /// Days before expiry.
    pub threshold: u32,
    /// `ALL`.
    pub channel: String,
    /// `rolesanywhere.amazonaws.com` for the defaults, `CUSTOMER` once set by a user.
    pub configured_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaTrustAnchorRecord {
    pub trust_anchor_id: String,
    pub arn: String,
    pub account_id: AccountId,
    pub region: Region,
    pub revision: u64,
    pub name: String,
    pub enabled: bool,
    pub source: RaSource,
    pub notification_settings: Vec<RaNotificationSetting>,
    pub tags: Vec<Tag>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// One certificate field's mapping rules: which specifiers become session tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaAttributeMapping {
    /// `x509Subject`, `x509Issuer` or `x509SAN`.
    pub certificate_field: String,
    pub specifiers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaProfileRecord {
    pub profile_id: String,
    pub arn: String,
    pub account_id: AccountId,
    pub region: Region,
    pub revision: u64,
    pub name: String,
    pub enabled: bool,
    pub role_arns: Vec<String>,
    pub managed_policy_arns: Vec<String>,
    pub session_policy: Option<String>,
    pub duration_seconds: u32,
    pub require_instance_properties: bool,
    pub accept_role_session_name: bool,
    pub attribute_mappings: Vec<RaAttributeMapping>,
    /// The ARN of the principal that created it.
    pub created_by: String,
    pub tags: Vec<Tag>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaCrlRecord {
    pub crl_id: String,
    pub arn: String,
    pub account_id: AccountId,
    pub region: Region,
    pub revision: u64,
    pub name: String,
    pub enabled: bool,
    pub trust_anchor_arn: String,
    /// The CRL as imported (PEM or DER bytes).
    pub crl_data: Vec<u8>,
    pub tags: Vec<Tag>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A certificate a subject presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaSubjectCredential {
    pub seen_at: OffsetDateTime,
    /// Decimal.
    pub serial_number: String,
    pub issuer: String,
    pub enabled: bool,
    /// The certificate as PEM.
    pub certificate_pem: String,
    pub failed: bool,
    /// The certificate's `notAfter`, for expiry notifications.
    pub not_after: OffsetDateTime,
    /// The trust anchor it was presented against (whose notification settings apply).
    pub trust_anchor_arn: String,
}

/// Instance properties a subject sent with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaInstanceProperties {
    pub seen_at: OffsetDateTime,
    /// Sorted by key.
    pub properties: Vec<(String, String)>,
    pub failed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaSubjectRecord {
    pub subject_id: String,
    pub arn: String,
    pub account_id: AccountId,
    pub region: Region,
    pub revision: u64,
    /// The certificate subject DN, unique per (account, region).
    pub x509_subject: String,
    pub enabled: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    /// Most recent first, at most [`SUBJECT_HISTORY`], one per (serial, issuer).
    pub credentials: Vec<RaSubjectCredential>,
    /// Most recent first, at most [`SUBJECT_HISTORY`].
    pub instance_properties: Vec<RaInstanceProperties>,
}

/// One CreateSession attempt to fold into its subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaSighting {
    /// Id and ARN for the subject if it does not exist yet.
    pub new_subject_id: String,
    pub new_subject_arn: String,
    pub account_id: AccountId,
    pub region: Region,
    pub x509_subject: String,
    pub credential: RaSubjectCredential,
    pub instance_properties: Option<RaInstanceProperties>,
}

impl RaSubjectRecord {
    /// Folds a sighting in: last seen, the credential (replacing an older one of the same serial and
    /// issuer), the instance properties; histories trimmed to [`SUBJECT_HISTORY`].
    pub fn absorb(&mut self, sighting: &RaSighting) {
        let at = sighting.credential.seen_at;
        if at > self.last_seen_at {
            self.last_seen_at = at;
        }
        self.updated_at = self.updated_at.max(at);
        self.credentials.retain(|c| {
            !(c.serial_number == sighting.credential.serial_number && c.issuer == sighting.credential.issuer)
        });
        self.credentials.insert(0, sighting.credential.clone());
        self.credentials.sort_by_key(|c| std::cmp::Reverse(c.seen_at));
        self.credentials.truncate(SUBJECT_HISTORY);
        if let Some(properties) = &sighting.instance_properties {
            self.instance_properties.insert(0, properties.clone());
            self.instance_properties
                .sort_by_key(|p| std::cmp::Reverse(p.seen_at));
            self.instance_properties.truncate(SUBJECT_HISTORY);
        }
    }

    /// The subject a first sighting makes.
    pub fn first(sighting: &RaSighting) -> Self {
        let at = sighting.credential.seen_at;
        let mut subject = Self {
            subject_id: sighting.new_subject_id.clone(),
            arn: sighting.new_subject_arn.clone(),
            account_id: sighting.account_id.clone(),
            region: sighting.region.clone(),
            revision: 1,
            x509_subject: sighting.x509_subject.clone(),
            enabled: true,
            created_at: at,
            updated_at: at,
            last_seen_at: at,
            credentials: Vec::new(),
            instance_properties: Vec::new(),
        };
        subject.absorb(sighting);
        subject
    }
}

/// The rows of Roles Anywhere. Backends implement the row methods (each one atomic unit); the typed
/// methods are provided on top of them.
#[async_trait]
pub trait RolesAnywhereStore: Send + Sync {
    /// Inserts a row. `AlreadyExists` when its id or ARN is taken, or (for a kind with a unique lookup,
    /// subjects) its (account, region, kind, lookup) is.
    async fn insert_ra_row(&self, row: &RaRow) -> Result<(), StoreError>;

    async fn ra_row(&self, kind: RaKind, id: &str) -> Result<Option<RaRow>, StoreError>;

    /// The row of `kind` in (account, region) whose lookup is `lookup`, for kinds with a unique lookup.
    async fn ra_row_by_lookup(
        &self,
        kind: RaKind,
        account: &AccountId,
        region: &Region,
        lookup: &str,
    ) -> Result<Option<RaRow>, StoreError>;

    /// Every row of `kind` whose lookup is `lookup`, by id.
    async fn ra_rows_with_lookup(&self, kind: RaKind, lookup: &str) -> Result<Vec<RaRow>, StoreError>;

    /// Replaces the row whose stored revision is `expected_revision` with `row` (whose revision is one
    /// more). `NotFound` when there is none of that kind and id, `Conflict` when its revision differs.
    async fn update_ra_row(&self, row: &RaRow, expected_revision: u64) -> Result<(), StoreError>;

    /// Removes the row if its revision is still `expected_revision`.
    async fn delete_ra_row(&self, kind: RaKind, id: &str, expected_revision: u64) -> Result<(), StoreError>;

    /// (account, region)'s rows of `kind` with an id greater than `after`, by id, at most `limit`.
    async fn list_ra_rows(
        &self,
        kind: RaKind,
        account: &AccountId,
        region: &Region,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<RaRow>, StoreError>;

    /// Rows of `kind` in every account with an id greater than `after`, by id, at most `limit` (for
    /// maintenance sweeps).
    async fn scan_ra_rows(
        &self,
        kind: RaKind,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<RaRow>, StoreError>;

    // ------------------------------------------------------------------------------------------------
    // Typed access, provided.

    async fn create_ra_trust_anchor(&self, record: &RaTrustAnchorRecord) -> Result<(), StoreError> {
        self.insert_ra_row(&codec::trust_anchor_row(record)?).await
    }

    async fn ra_trust_anchor(&self, id: &str) -> Result<Option<RaTrustAnchorRecord>, StoreError> {
        self.ra_row(RaKind::TrustAnchor, id)
            .await?
            .map(|row| codec::trust_anchor_from_row(&row))
            .transpose()
    }

    async fn update_ra_trust_anchor(
        &self,
        record: &RaTrustAnchorRecord,
        expected_revision: u64,
    ) -> Result<(), StoreError> {
        self.update_ra_row(&codec::trust_anchor_row(record)?, expected_revision)
            .await
    }

    async fn list_ra_trust_anchors(
        &self,
        account: &AccountId,
        region: &Region,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<RaTrustAnchorRecord>, StoreError> {
        self.list_ra_rows(RaKind::TrustAnchor, account, region, after, limit)
            .await?
            .iter()
            .map(codec::trust_anchor_from_row)
            .collect()
    }

    async fn create_ra_profile(&self, record: &RaProfileRecord) -> Result<(), StoreError> {
        self.insert_ra_row(&codec::profile_row(record)?).await
    }

    async fn ra_profile(&self, id: &str) -> Result<Option<RaProfileRecord>, StoreError> {
        self.ra_row(RaKind::Profile, id)
            .await?
            .map(|row| codec::profile_from_row(&row))
            .transpose()
    }

    async fn update_ra_profile(
        &self,
        record: &RaProfileRecord,
        expected_revision: u64,
    ) -> Result<(), StoreError> {
        self.update_ra_row(&codec::profile_row(record)?, expected_revision)
            .await
    }

    async fn list_ra_profiles(
        &self,
        account: &AccountId,
        region: &Region,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<RaProfileRecord>, StoreError> {
        self.list_ra_rows(RaKind::Profile, account, region, after, limit)
            .await?
            .iter()
            .map(codec::profile_from_row)
            .collect()
    }

    async fn create_ra_crl(&self, record: &RaCrlRecord) -> Result<(), StoreError> {
        self.insert_ra_row(&codec::crl_row(record)?).await
    }

    async fn ra_crl(&self, id: &str) -> Result<Option<RaCrlRecord>, StoreError> {
        self.ra_row(RaKind::Crl, id)
            .await?
            .map(|row| codec::crl_from_row(&row))
            .transpose()
    }

    async fn update_ra_crl(&self, record: &RaCrlRecord, expected_revision: u64) -> Result<(), StoreError> {
        self.update_ra_row(&codec::crl_row(record)?, expected_revision)
            .await
    }

    async fn list_ra_crls(
        &self,
        account: &AccountId,
        region: &Region,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<RaCrlRecord>, StoreError> {
        self.list_ra_rows(RaKind::Crl, account, region, after, limit)
            .await?
            .iter()
            .map(codec::crl_from_row)
            .collect()
    }

    /// Every CRL imported for the trust anchor `trust_anchor_arn`, enabled or not.
    async fn ra_crls_for_trust_anchor(&self, trust_anchor_arn: &str) -> Result<Vec<RaCrlRecord>, StoreError> {
        self.ra_rows_with_lookup(RaKind::Crl, trust_anchor_arn)
            .await?
            .iter()
            .map(codec::crl_from_row)
            .collect()
    }

    async fn ra_subject(&self, id: &str) -> Result<Option<RaSubjectRecord>, StoreError> {
        self.ra_row(RaKind::Subject, id)
            .await?
            .map(|row| codec::subject_from_row(&row))
            .transpose()
    }

    async fn list_ra_subjects(
        &self,
        account: &AccountId,
        region: &Region,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<RaSubjectRecord>, StoreError> {
        self.list_ra_rows(RaKind::Subject, account, region, after, limit)
            .await?
            .iter()
            .map(codec::subject_from_row)
            .collect()
    }

    /// Subjects of every account, by id, for maintenance sweeps.
    async fn scan_ra_subjects(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<RaSubjectRecord>, StoreError> {
        self.scan_ra_rows(RaKind::Subject, after, limit)
            .await?
            .iter()
            .map(codec::subject_from_row)
            .collect()
    }

    /// Folds each sighting into its subject (made on first sight), one compare-and-set per subject,
    /// retried on a lost race. Returns the subject of each sighting, in order.
    async fn record_ra_sightings(
        &self,
        sightings: &[RaSighting],
    ) -> Result<Vec<RaSubjectRecord>, StoreError> {
        let mut subjects = Vec::with_capacity(sightings.len());
        for sighting in sightings {
            let mut attempts = 0;
            loop {
                attempts += 1;
                let existing = self
                    .ra_row_by_lookup(
                        RaKind::Subject,
                        &sighting.account_id,
                        &sighting.region,
                        &sighting.x509_subject,
                    )
                    .await?;
                let outcome = match existing {
                    None => {
                        let subject = RaSubjectRecord::first(sighting);
                        self.insert_ra_row(&codec::subject_row(&subject)?)
                            .await
                            .map(|()| subject)
                    }
                    Some(row) => {
                        let mut subject = codec::subject_from_row(&row)?;
                        subject.absorb(sighting);
                        subject.revision = row.revision + 1;
                        self.update_ra_row(&codec::subject_row(&subject)?, row.revision)
                            .await
                            .map(|()| subject)
                    }
                };
                match outcome {
                    Ok(subject) => {
                        subjects.push(subject);
                        break;
                    }
                    Err(StoreError::AlreadyExists | StoreError::Conflict) if attempts < 16 => continue,
                    Err(err) => return Err(err),
                }
            }
        }
        Ok(subjects)
    }
}
