//! CreateSession: verifies an AWS4-X509-signed request and mints a role session for its certificate.
//!
//! The order follows the protocol notes (§1.5): parse the `Authorization` header; check the scope, the
//! ±5 minute skew, the signed headers, the serial and the signature (`strongroom_sigv4::x509`); find the
//! enabled trust anchor, the enabled profile and the role in the profile; validate the certificate path
//! from the leaf through `X-Amz-X509-Chain` to the anchor's CA certificates, honouring CRLs (imported
//! ones for a CERTIFICATE_BUNDLE anchor, the CA's own for a Strongroom CA); then STS assumes the role for
//! the service principal `rolesanywhere.amazonaws.com`, whose trust policy sees `aws:SourceArn` (the
//! trust anchor) and the certificate's mapped principal tags.
//!
//! The hot path reads no database rows of its own: trust anchors (with their parsed trust stores) and
//! profiles are cached for a few seconds (and dropped at once when this node changes them), and subject
//! sightings are buffered and folded into the store in batches.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use strongroom_crypto::x509::{Certificate, CertificateCache, Crl, TrustStore, X509Error};
use strongroom_sigv4::SignableRequest;
use strongroom_sigv4::x509::{self as x509_auth, X509AuthError};
use strongroom_store::rolesanywhere::{
    RaInstanceProperties, RaKind, RaProfileRecord, RaSighting, RaSource, RaSubjectCredential,
    RaTrustAnchorRecord,
};
use strongroom_types::{AccountId, Region};

use super::{
    RolesAnywhere, RolesAnywhereError, SERVICE_PRINCIPAL, mapping, parse_resource_arn, resource_arn,
};
use crate::iam::IamError;
use crate::pca::Pca;
use crate::sts::{AssumedRole, RoleSessionGrant, ServicePrincipalRequest, Sts};

/// How long a cached trust anchor or profile is used before it is read again (changes on this node drop
/// it at once).
const CACHE_TTL: Duration = Duration::from_secs(5);
/// How long a Strongroom CA's certificate and CRL are used before they are asked for again: revocations
/// take effect within this time.
const CA_TTL: Duration = Duration::from_secs(2);
/// AWS's message for every refused identity.
const UNTRUSTED: &str = "Untrusted Signing Certificate";

/// What CreateSession asks for, from the query and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRequest {
    pub profile_arn: String,
    pub role_arn: String,
    pub trust_anchor_arn: String,
    pub duration_seconds: Option<i64>,
    pub role_session_name: Option<String>,
    pub instance_properties: Option<Vec<(String, String)>>,
}

/// CreateSession's answer.
#[derive(Debug)]
pub struct Session {
    pub assumed: AssumedRole,
    pub role_arn: String,
    pub source_identity: Option<String>,
    pub subject_arn: String,
}

/// A trust anchor with its parsed trust store.
struct AnchorEntry {
    record: RaTrustAnchorRecord,
    /// `None` when the anchor's CA cannot be used (unparsable bundle, unknown CA).
    trust: Option<Arc<TrustStore>>,
    /// For an AWS_ACM_PCA anchor: the CA's ARN and subject, to ask for the live revocation state of the
    /// certificates it issued directly.
    strongroom_ca: Option<(String, String)>,
    loaded: Instant,
    ttl: Duration,
}

struct ProfileEntry {
    record: Arc<RaProfileRecord>,
    loaded: Instant,
}

/// How many parsed certificates a node keeps (workloads present the same certificate until it is renewed).
const CACHED_CERTIFICATES: usize = 4096;

/// The session side's state: caches and the sightings not yet written.
pub struct SessionState {
    anchors: Mutex<HashMap<String, Arc<AnchorEntry>>>,
    profiles: Mutex<HashMap<String, ProfileEntry>>,
    sightings: Mutex<HashMap<(String, String, String), RaSighting>>,
    certificates: CertificateCache,
}

impl Default for SessionState {
    fn default() -> Self {
        Self {
            anchors: Mutex::default(),
            profiles: Mutex::default(),
            sightings: Mutex::default(),
            certificates: CertificateCache::new(CACHED_CERTIFICATES),
        }
    }
}

impl std::fmt::Debug for SessionState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionState").finish_non_exhaustive()
    }
}

impl SessionState {
    /// Forgets cached resources after a change on this node.
    pub(crate) fn forget(&self, kind: RaKind, id: &str) {
        match kind {
            RaKind::TrustAnchor => {
                if let Ok(mut anchors) = self.anchors.lock() {
                    anchors.remove(id);
                }
            }
            // A CRL belongs to an anchor; which one is not worth a lookup.
            RaKind::Crl => {
                if let Ok(mut anchors) = self.anchors.lock() {
                    anchors.clear();
                }
            }
            RaKind::Profile => {
                if let Ok(mut profiles) = self.profiles.lock() {
                    profiles.remove(id);
                }
            }
            RaKind::Subject => {}
        }
    }
}

/// A CERTIFICATE_BUNDLE source must hold at least one certificate that can anchor a path.
pub(crate) fn check_certificate_bundle(pem: &str) -> Result<(), RolesAnywhereError> {
    TrustStore::from_pem_bundle(pem.as_bytes())
        .map(drop)
        .map_err(|err| RolesAnywhereError::validation(format!("x509CertificateData: {err}")))
}

/// An imported CRL must be a CRL (PEM or DER).
pub(crate) fn check_crl(data: &[u8]) -> Result<(), RolesAnywhereError> {
    Crl::from_pem_or_der(data)
        .map(drop)
        .map_err(|err| RolesAnywhereError::validation(format!("crlData: {err}")))
}

/// The subject id of a certificate subject in (account, region): derived from them, so that the subject
/// ARN is known without a database round trip and two nodes agree on it.
pub fn subject_id(account: &AccountId, region: &Region, x509_subject: &str) -> String {
    let digest = strongroom_crypto::hash::sha256(
        format!("rolesanywhere-subject\0{account}\0{region}\0{x509_subject}").as_bytes(),
    );
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    // Shaped as a version 4, variant 1 UUID so that the model's pattern holds.
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

fn refused(err: &X509AuthError) -> RolesAnywhereError {
    if err.is_client_input() {
        RolesAnywhereError::validation(err.to_string())
    } else {
        RolesAnywhereError::denied(match err {
            X509AuthError::Expired { .. } => "Signature expired".to_owned(),
            X509AuthError::NotYetValid { .. } => "Signature not yet current".to_owned(),
            X509AuthError::SignatureMismatch => "Signature does not match".to_owned(),
            _ => err.to_string(),
        })
    }
}

fn path_refused(err: &X509Error) -> RolesAnywhereError {
    if err.is_client_input() {
        RolesAnywhereError::validation(err.to_string())
    } else {
        tracing::info!(reason = %err, "certificate path refused");
        RolesAnywhereError::denied(UNTRUSTED)
    }
}

impl RolesAnywhere {
    async fn anchor(&self, pca: &Pca, id: &str) -> Result<Option<Arc<AnchorEntry>>, RolesAnywhereError> {
        if let Ok(anchors) = self.session.anchors.lock()
            && let Some(entry) = anchors.get(id)
            && entry.loaded.elapsed() < entry.ttl
        {
            return Ok(Some(Arc::clone(entry)));
        }
        let Some(record) = self
            .store
            .ra_trust_anchor(id)
            .await
            .map_err(RolesAnywhereError::store("reading a trust anchor"))?
        else {
            return Ok(None);
        };
        let (trust, strongroom_ca, ttl) = match &record.source {
            RaSource::CertificateBundle { pem } => {
                let crls = self
                    .store
                    .ra_crls_for_trust_anchor(&record.arn)
                    .await
                    .map_err(RolesAnywhereError::store("reading CRLs"))?
                    .into_iter()
                    .filter(|c| c.enabled)
                    .filter_map(|c| Crl::from_pem_or_der(&c.crl_data).ok())
                    .collect();
                let trust = TrustStore::from_pem_bundle(pem.as_bytes())
                    .ok()
                    .map(|t| Arc::new(t.with_crls(crls)));
                (trust, None, CACHE_TTL)
            }
            RaSource::AcmPca { ca_arn } => {
                let (trust, ca) = strongroom_ca_trust(pca, &record.account_id, ca_arn).await;
                (trust, ca, CA_TTL)
            }
            RaSource::SelfSignedRepository => (None, None, CACHE_TTL),
        };
        let entry = Arc::new(AnchorEntry {
            record,
            trust,
            strongroom_ca,
            loaded: Instant::now(),
            ttl,
        });
        if let Ok(mut anchors) = self.session.anchors.lock() {
            anchors.insert(id.to_owned(), Arc::clone(&entry));
        }
        Ok(Some(entry))
    }

    async fn profile_cached(&self, id: &str) -> Result<Option<Arc<RaProfileRecord>>, RolesAnywhereError> {
        if let Ok(profiles) = self.session.profiles.lock()
            && let Some(entry) = profiles.get(id)
            && entry.loaded.elapsed() < CACHE_TTL
        {
            return Ok(Some(Arc::clone(&entry.record)));
        }
        let Some(record) = self
            .store
            .ra_profile(id)
            .await
            .map_err(RolesAnywhereError::store("reading a profile"))?
        else {
            return Ok(None);
        };
        let record = Arc::new(record);
        if let Ok(mut profiles) = self.session.profiles.lock() {
            profiles.insert(
                id.to_owned(),
                ProfileEntry {
                    record: Arc::clone(&record),
                    loaded: Instant::now(),
                },
            );
        }
        Ok(Some(record))
    }

    /// Verifies a CreateSession request and mints the session.
    pub async fn create_session(
        &self,
        sts: &Sts,
        pca: &Pca,
        request: &SignableRequest<'_>,
        input: SessionRequest,
    ) -> Result<Session, RolesAnywhereError> {
        let now = self.clock.now();
        // 1–4: the signature, with the skew, the signed headers and the serial.
        let auth = x509_auth::parse_x509_auth(request).map_err(|e| refused(&e))?;
        let verified = x509_auth::verify_x509_cached(request, &auth, now, &self.session.certificates)
            .map_err(|e| refused(&e))?;

        // 5: the trust anchor, the profile and the role.
        let Some((anchor_region, anchor_account, RaKind::TrustAnchor, anchor_id)) =
            parse_resource_arn(&input.trust_anchor_arn)
        else {
            return Err(RolesAnywhereError::validation(
                "trustAnchorArn is not a trust anchor ARN",
            ));
        };
        let Some((profile_region, profile_account, RaKind::Profile, profile_id)) =
            parse_resource_arn(&input.profile_arn)
        else {
            return Err(RolesAnywhereError::validation("profileArn is not a profile ARN"));
        };
        if profile_region != anchor_region || profile_account != anchor_account {
            return Err(RolesAnywhereError::validation(
                "The trust anchor and the profile must be in the same account and region",
            ));
        }
        if auth.scope().region != anchor_region {
            return Err(RolesAnywhereError::denied(
                "Credential should be scoped to the region of the trust anchor",
            ));
        }
        let anchor = self
            .anchor(pca, anchor_id)
            .await?
            .filter(|a| a.record.arn == input.trust_anchor_arn)
            .ok_or_else(RolesAnywhereError::not_found)?;
        let profile = self
            .profile_cached(profile_id)
            .await?
            .filter(|p| p.arn == input.profile_arn)
            .ok_or_else(RolesAnywhereError::not_found)?;
        if !anchor.record.enabled {
            return Err(RolesAnywhereError::denied("Trust anchor is disabled"));
        }
        if !profile.enabled {
            return Err(RolesAnywhereError::denied("Profile is disabled"));
        }
        if !profile.role_arns.iter().any(|r| r == &input.role_arn) {
            return Err(RolesAnywhereError::denied("Role is not in the profile"));
        }
        if input.role_session_name.is_some() && !profile.accept_role_session_name {
            return Err(RolesAnywhereError::validation(
                "The profile does not accept a custom role session name",
            ));
        }
        if profile.require_instance_properties && input.instance_properties.is_none() {
            return Err(RolesAnywhereError::validation(
                "The profile requires instance properties",
            ));
        }
        let duration = match input.duration_seconds {
            None => i64::from(profile.duration_seconds),
            Some(requested) if requested > i64::from(profile.duration_seconds) => {
                return Err(RolesAnywhereError::validation(format!(
                    "durationSeconds {requested} exceeds the profile's durationSeconds {}",
                    profile.duration_seconds
                )));
            }
            Some(requested) => requested,
        };

        let leaf = verified.leaf();
        let account: AccountId = anchor.record.account_id.clone();
        let x509_subject = leaf.subject().to_string();
        let new_subject_id = subject_id(&account, &anchor.record.region, &x509_subject);
        let new_subject_arn = resource_arn(&anchor.record.region, &account, RaKind::Subject, &new_subject_id);
        let sighting = |failed: bool| RaSighting {
            new_subject_id: new_subject_id.clone(),
            new_subject_arn: new_subject_arn.clone(),
            account_id: account.clone(),
            region: anchor.record.region.clone(),
            x509_subject: x509_subject.clone(),
            credential: RaSubjectCredential {
                seen_at: crate::truncate_to_millis(now),
                serial_number: leaf.serial_decimal().to_owned(),
                issuer: leaf.issuer().to_string(),
                enabled: true,
                certificate_pem: leaf.to_pem(),
                failed,
                not_after: leaf.not_after(),
                trust_anchor_arn: anchor.record.arn.clone(),
            },
            instance_properties: input
                .instance_properties
                .as_ref()
                .map(|pairs| RaInstanceProperties {
                    seen_at: crate::truncate_to_millis(now),
                    properties: pairs.clone(),
                    failed,
                }),
        };

        // Path validation to the anchor, with its CRLs.
        let Some(trust) = &anchor.trust else {
            return Err(RolesAnywhereError::denied(UNTRUSTED));
        };
        if let Err(err) = trust.validate(leaf, verified.chain(), now) {
            self.remember(sighting(true));
            return Err(path_refused(&err));
        }
        // A Strongroom CA's revocations count from the moment RevokeCertificate answered, not from its
        // next CRL.
        if let Some((ca_arn, ca_subject)) = &anchor.strongroom_ca
            && leaf.issuer().to_string() == *ca_subject
        {
            match pca.revocation(ca_arn, leaf.serial_bytes()).await {
                Ok(None) => {}
                Ok(Some(_)) => {
                    self.remember(sighting(true));
                    tracing::info!(serial = leaf.serial_decimal(), "certificate revoked by its CA");
                    return Err(RolesAnywhereError::denied(UNTRUSTED));
                }
                Err(err) => {
                    return Err(RolesAnywhereError::Service(crate::ServiceError::Internal {
                        context: "reading a certificate's revocation",
                        source: Some(Box::new(err)),
                    }));
                }
            }
        }

        // 6: the role's trust policy, the session.
        let session_name = input
            .role_session_name
            .clone()
            .unwrap_or_else(|| leaf.serial_hex());
        let source_identity = leaf.subject().common_name().map(str::to_owned);
        let session_tags = mapping::session_tags(&profile.attribute_mappings, &leaf.principal_tags());
        let assumed = sts
            .assume_role_as_service(
                &account,
                ServicePrincipalRequest {
                    service: SERVICE_PRINCIPAL,
                    source_arn: &anchor.record.arn,
                    principal_tags: &session_tags,
                },
                RoleSessionGrant {
                    role_arn: &input.role_arn,
                    session_name: &session_name,
                    duration_seconds: duration,
                    source_identity: source_identity.as_deref(),
                    session_tags: &session_tags,
                    session_policy: profile.session_policy.as_deref(),
                    managed_policy_arns: &profile.managed_policy_arns,
                },
            )
            .await;
        let assumed = match assumed {
            Ok(assumed) => assumed,
            Err(err) => {
                self.remember(sighting(true));
                return Err(match err {
                    IamError::Service(inner) => match inner {
                        crate::ServiceError::AccessDenied { .. } => {
                            RolesAnywhereError::denied("Unable to assume role")
                        }
                        other => RolesAnywhereError::Service(other),
                    },
                    IamError::Validation { message } | IamError::InvalidInput { message } => {
                        RolesAnywhereError::Validation { message }
                    }
                    IamError::NoSuchEntity { .. } => RolesAnywhereError::denied("Unable to assume role"),
                    other => RolesAnywhereError::validation(other.to_string()),
                });
            }
        };
        let subject = sighting(false);
        let subject_arn = subject.new_subject_arn.clone();
        self.remember(subject);
        Ok(Session {
            assumed,
            role_arn: input.role_arn,
            source_identity,
            subject_arn,
        })
    }

    /// Buffers a sighting (the latest per subject and certificate wins); `flush_sightings` writes them.
    fn remember(&self, sighting: RaSighting) {
        let key = (
            sighting.new_subject_id.clone(),
            sighting.credential.serial_number.clone(),
            sighting.credential.issuer.clone(),
        );
        if let Ok(mut pending) = self.session.sightings.lock() {
            pending.insert(key, sighting);
        }
    }

    /// Writes the buffered sightings into their subjects. Called on a timer and before subjects are read.
    pub async fn flush_sightings(&self) -> Result<(), RolesAnywhereError> {
        let batch: Vec<RaSighting> = match self.session.sightings.lock() {
            Ok(mut pending) => pending.drain().map(|(_, s)| s).collect(),
            Err(_) => return Ok(()),
        };
        if batch.is_empty() {
            return Ok(());
        }
        self.store
            .record_ra_sightings(&batch)
            .await
            .map(drop)
            .map_err(RolesAnywhereError::store("recording subjects"))
    }
}

/// The trust store of an AWS_ACM_PCA anchor: the Strongroom CA's certificate with its current CRL, and the
/// CA's ARN and subject for live revocation checks. A CA of another account, or one without a
/// certificate, anchors nothing.
async fn strongroom_ca_trust(
    pca: &Pca,
    account: &AccountId,
    ca_arn: &str,
) -> (Option<Arc<TrustStore>>, Option<(String, String)>) {
    let owned = ca_arn
        .split(':')
        .nth(4)
        .is_some_and(|ca_account| ca_account == account.as_str());
    if !owned {
        return (None, None);
    }
    let certificate = match pca.trust_certificates(ca_arn).await {
        Ok(Some((der, _chain))) => Certificate::from_der(&der).ok(),
        Ok(None) => None,
        Err(err) => {
            tracing::warn!(error = %err, "reading a trust anchor's CA failed");
            None
        }
    };
    let Some(certificate) = certificate else {
        return (None, None);
    };
    let ca_id = ca_arn.rsplit('/').next().unwrap_or_default();
    let crls = match pca.crl(ca_id).await {
        Ok(Some(der)) => Crl::from_der(&der).ok().into_iter().collect(),
        Ok(None) => Vec::new(),
        Err(err) => {
            tracing::warn!(error = %err, "reading a trust anchor's CA's CRL failed");
            Vec::new()
        }
    };
    let subject = certificate.subject().to_string();
    let trust = TrustStore::new(vec![certificate])
        .ok()
        .map(|store| Arc::new(store.with_crls(crls)));
    (trust, Some((ca_arn.to_owned(), subject)))
}
