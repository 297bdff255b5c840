//! The private CA (`acm-pca`): certificate authorities, the certificates they issue, revocation and CRLs.
//!
//! A CA follows AWS's life cycle: created `PENDING_CERTIFICATE` with a fresh key and a CSR; a root gets
//! its certificate by `IssueCertificate` with the `RootCACertificate/V1` template on its own CSR and
//! `ImportCertificateAuthorityCertificate`; a subordinate by having another CA (ours or not) sign its CSR
//! and importing the result with the chain. Then it is `ACTIVE` (or `DISABLED`, or `EXPIRED` once its
//! certificate ends) and issues certificates from CSRs by template. Deletion keeps the CA `DELETED` and
//! restorable for 7–30 days (a CA that never had a certificate goes at once).
//!
//! CA private keys are sealed under the keyring's `pca-ca-keys` key (a fresh data key per seal), bound to
//! the CA's ARN; they are opened only to sign. Every public operation authorizes `acm-pca:<Operation>` on the
//! CA's ARN (`*` for create and list). [`Pca::crl`], [`Pca::revocation`] and [`Pca::trust_certificates`] are
//! the internal API for the CRL endpoint and Roles Anywhere, and authorize nothing.

mod error;
pub mod model;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use base64::Engine as _;
use strongroom_crypto::pki::{
    self, CrlEntry, IssueRequest, Issuer, KeyAlgorithm, PrivateKey, SigningAlgorithm, SubjectName, Template,
};
use strongroom_crypto::{EncryptionContext, SecretBytes};
use strongroom_store::StoreError;
use strongroom_store::pca::{CaRecord, IssuedCertificateRecord};
use strongroom_types::{Clock, OffsetDateTime};
use time::Duration;

use crate::authz::{self, Authorizer};
use crate::keyring::Purpose;
use crate::{Caller, Keyring, Store, truncate_to_millis};

pub use error::PcaError;
pub use model::{
    CaStatus, CaTag, CaType, CertificateAuthority, CrlSettings, OcspSettings, RevocationSettings,
};

/// How many times a change is re-applied after losing a race on the CA's record.
const RETRIES: usize = 8;
/// Most tags on one CA.
const MAX_TAGS: usize = 50;
/// Certificates start this long before issuance, as AWS backdates them, so that clocks a little behind
/// accept them.
const BACKDATE: Duration = Duration::minutes(60);
/// The template ARN prefix of AWS's templates.
const TEMPLATE_PREFIX: &str = "arn:aws:acm-pca:::template/";

/// What `CreateCertificateAuthority` asks for.
#[derive(Debug, Clone)]
pub struct CreateCaInput {
    pub ca_type: String,
    pub key_algorithm: String,
    pub signing_algorithm: String,
    pub subject: SubjectName,
    pub revocation: RevocationSettings,
    pub tags: Vec<CaTag>,
    pub key_storage_security_standard: Option<String>,
    pub usage_mode: Option<String>,
}

/// `Validity` (and `ValidityNotBefore`): a value and its type (`END_DATE`, `ABSOLUTE`, `DAYS`, `MONTHS`,
/// `YEARS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidityInput {
    pub value: i64,
    pub kind: String,
}

/// What `IssueCertificate` asks for.
#[derive(Debug, Clone)]
pub struct IssueInput {
    pub ca_arn: String,
    pub csr: Vec<u8>,
    pub signing_algorithm: String,
    pub template_arn: Option<String>,
    pub validity: ValidityInput,
    pub validity_not_before: Option<ValidityInput>,
    pub idempotency_token: Option<String>,
    /// The base URL (`http://host:port`) the server is reached at, for CRL distribution points.
    pub crl_base_url: String,
}

/// A certificate with its chain up to the root, as PEM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateAndChain {
    pub certificate: String,
    pub chain: Option<String>,
}

/// A certificate's revocation, for Roles Anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    pub revoked_at: OffsetDateTime,
    /// AWS's `RevocationReason` spelling.
    pub reason: String,
}

/// A page of CAs.
#[derive(Debug)]
pub struct CaPage {
    pub items: Vec<CertificateAuthority>,
    pub next_token: Option<String>,
}

/// The private CA service.
pub struct Pca {
    store: Arc<dyn Store>,
    keyring: Arc<Keyring>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Pca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pca").finish_non_exhaustive()
    }
}

/// A CA as stored, decoded.
struct Loaded {
    record: CaRecord,
    ca: CertificateAuthority,
}

fn not_found(arn: &str) -> PcaError {
    PcaError::ResourceNotFound(format!("Could not find certificate authority {arn}."))
}

fn key_context(arn: &str) -> EncryptionContext {
    EncryptionContext::from_pairs([("purpose", "pca-ca-key"), ("CertificateAuthorityArn", arn)])
}

fn pki_error(err: &pki::PkiError) -> PcaError {
    match err {
        pki::PkiError::MalformedCsr(why) => PcaError::MalformedCsr(format!("The CSR is malformed: {why}.")),
        pki::PkiError::MalformedCertificate(why) => {
            PcaError::MalformedCertificate(format!("The certificate is malformed: {why}."))
        }
        pki::PkiError::Unsupported(why) | pki::PkiError::Invalid(why) => {
            PcaError::InvalidArgs(format!("The request is not valid: {why}."))
        }
        pki::PkiError::Key | pki::PkiError::Signing => PcaError::internal("signing with a CA key"),
    }
}

/// Checks a CA ARN's shape: `arn:aws:acm-pca:REGION:ACCOUNT:certificate-authority/ID`.
fn check_ca_arn(arn: &str) -> Result<(), PcaError> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[2] == "acm-pca"
        && parts[4].len() == 12
        && parts[5]
            .strip_prefix("certificate-authority/")
            .is_some_and(|id| !id.is_empty() && !id.contains('/'));
    if ok {
        Ok(())
    } else {
        Err(PcaError::InvalidArn(format!(
            "The ARN {arn} is not a valid certificate authority ARN."
        )))
    }
}

fn account_of(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or_default()
}

/// The template an ARN names.
fn template(arn: Option<&str>) -> Result<Template, PcaError> {
    let Some(arn) = arn else {
        return Ok(Template::EndEntity);
    };
    let name = arn.strip_prefix(TEMPLATE_PREFIX).ok_or_else(|| {
        PcaError::InvalidArgs(format!(
            "The template ARN {arn} is not a template Strongroom offers."
        ))
    })?;
    Ok(match name {
        "EndEntityCertificate/V1" => Template::EndEntity,
        "EndEntityClientAuthCertificate/V1" => Template::EndEntityClientAuth,
        "EndEntityServerAuthCertificate/V1" => Template::EndEntityServerAuth,
        "SubordinateCACertificate_PathLen0/V1" => Template::SubordinateCa { path_len: Some(0) },
        "SubordinateCACertificate_PathLen1/V1" => Template::SubordinateCa { path_len: Some(1) },
        "SubordinateCACertificate_PathLen2/V1" => Template::SubordinateCa { path_len: Some(2) },
        "SubordinateCACertificate_PathLen3/V1" => Template::SubordinateCa { path_len: Some(3) },
        "RootCACertificate/V1" => Template::RootCa,
        _ => {
            return Err(PcaError::InvalidArgs(format!(
                "The template ARN {arn} is not a template Strongroom offers."
            )));
        }
    })
}

/// `date` plus `months` calendar months, the day clamped to the month's end.
fn add_months(at: OffsetDateTime, months: i64) -> Option<OffsetDateTime> {
    let total = i64::from(at.year()) * 12 + i64::from(u8::from(at.month())) - 1 + months;
    let year = i32::try_from(total.div_euclid(12)).ok()?;
    let month = time::Month::try_from(u8::try_from(total.rem_euclid(12) + 1).ok()?).ok()?;
    let last_day = time::util::days_in_month(month, year);
    let date = time::Date::from_calendar_date(year, month, at.day().min(last_day)).ok()?;
    Some(at.replace_date(date))
}

/// The instant a `Validity` names, counted from `now` for the relative kinds.
fn validity_instant(validity: &ValidityInput, now: OffsetDateTime) -> Option<OffsetDateTime> {
    match validity.kind.as_str() {
        "DAYS" => now.checked_add(Duration::seconds(validity.value.checked_mul(86_400)?)),
        "MONTHS" => add_months(now, validity.value),
        "YEARS" => add_months(now, validity.value.checked_mul(12)?),
        "ABSOLUTE" => OffsetDateTime::from_unix_timestamp(validity.value).ok(),
        "END_DATE" => {
            // YYYYMMDDHHMMSS as a number.
            let text = validity.value.to_string();
            if text.len() != 14 {
                return None;
            }
            let part = |range: std::ops::Range<usize>| text.get(range)?.parse::<u32>().ok();
            let date = time::Date::from_calendar_date(
                i32::try_from(part(0..4)?).ok()?,
                time::Month::try_from(u8::try_from(part(4..6)?).ok()?).ok()?,
                u8::try_from(part(6..8)?).ok()?,
            )
            .ok()?;
            let clock = time::Time::from_hms(
                u8::try_from(part(8..10)?).ok()?,
                u8::try_from(part(10..12)?).ok()?,
                u8::try_from(part(12..14)?).ok()?,
            )
            .ok()?;
            Some(time::PrimitiveDateTime::new(date, clock).assume_utc())
        }
        _ => None,
    }
}

impl Pca {
    pub fn new(store: Arc<dyn Store>, keyring: Arc<Keyring>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            keyring,
            clock,
        }
    }

    fn now(&self) -> OffsetDateTime {
        truncate_to_millis(self.clock.now())
    }

    fn authorize(
        authz: &Authorizer,
        caller: &Caller,
        operation: &str,
        resource: &str,
    ) -> Result<authz::Allowed, PcaError> {
        let action = format!("acm-pca:{operation}");
        let resource_account = if resource == "*" {
            caller.account().as_str()
        } else {
            account_of(resource)
        };
        Ok(authz.authorize(
            caller,
            &authz::Request {
                action: &action,
                resource,
                resource_account,
            },
        )?)
    }

    /// Loads a CA; a deleted CA past its restore window is gone (and purged on the way).
    async fn load(&self, arn: &str) -> Result<Loaded, PcaError> {
        let record = self
            .store
            .ca(arn)
            .await
            .map_err(PcaError::store("reading a certificate authority"))?
            .ok_or_else(|| not_found(arn))?;
        let ca = model::decode(
            &record.document,
            &record.arn,
            record.account_id.as_str(),
            &record.status,
            record.created_at,
        )
        .ok_or_else(|| PcaError::internal("a stored certificate authority does not decode"))?;
        if ca.status == CaStatus::Deleted && ca.restorable_until.is_some_and(|end| end <= self.now()) {
            // Best effort: a purge that loses a race is retried by the next reader.
            let _ = self.store.delete_ca(&record.arn, record.revision).await;
            return Err(not_found(arn));
        }
        Ok(Loaded { record, ca })
    }

    /// Checks the ARN, authorizes `operation` on it, and loads the CA.
    async fn authorized_load(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        operation: &str,
        arn: &str,
    ) -> Result<Loaded, PcaError> {
        check_ca_arn(arn)?;
        Self::authorize(authz, caller, operation, arn)?;
        self.load(arn).await
    }

    /// Applies `change` to the CA by compare-and-set, re-reading after a lost race.
    async fn change<F>(&self, arn: &str, mut change: F) -> Result<CertificateAuthority, PcaError>
    where
        F: FnMut(&mut Loaded, OffsetDateTime) -> Result<(), PcaError>,
    {
        for _ in 0..RETRIES {
            let mut loaded = self.load(arn).await?;
            let expected = loaded.record.revision;
            let now = self.now();
            change(&mut loaded, now)?;
            let record = self.record_of(&loaded, expected + 1);
            match self.store.update_ca(&record, expected).await {
                Ok(()) => return Ok(loaded.ca),
                Err(StoreError::Conflict) => continue,
                Err(StoreError::NotFound) => return Err(not_found(arn)),
                Err(err) => return Err(PcaError::store("updating a certificate authority")(err)),
            }
        }
        Err(PcaError::ConcurrentModification(
            "A previous update to your private CA is still ongoing.".into(),
        ))
    }

    fn record_of(&self, loaded: &Loaded, revision: u64) -> CaRecord {
        CaRecord {
            revision,
            status: loaded.ca.status.as_str().to_owned(),
            document: model::encode(&loaded.ca),
            ..loaded.record.clone()
        }
    }

    fn open_key(&self, record: &CaRecord, ca: &CertificateAuthority) -> Result<PrivateKey, PcaError> {
        self.open_key_with(record, ca.key_algorithm, ca.signing_algorithm)
    }

    fn open_key_with(
        &self,
        record: &CaRecord,
        algorithm: KeyAlgorithm,
        signing: SigningAlgorithm,
    ) -> Result<PrivateKey, PcaError> {
        let pkcs8: SecretBytes = self
            .keyring
            .key(Purpose::CaKeys)
            .open(&record.sealed_key, &key_context(&record.arn))
            .map_err(|_| PcaError::internal("opening a CA key"))?;
        PrivateKey::from_pkcs8(&pkcs8, algorithm, signing).map_err(|err| pki_error(&err))
    }

    // -----------------------------------------------------------------------------------------------------
    // Operations.

    pub async fn create_ca(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        input: CreateCaInput,
    ) -> Result<CertificateAuthority, PcaError> {
        Self::authorize(authz, caller, "CreateCertificateAuthority", "*")?;
        let ca_type = CaType::parse(&input.ca_type)
            .ok_or_else(|| PcaError::InvalidArgs("The certificate authority type is not valid.".into()))?;
        let key_algorithm = model::key_algorithm(&input.key_algorithm).ok_or_else(|| {
            PcaError::InvalidArgs(format!(
                "The key algorithm {} is not supported; use RSA_2048, RSA_4096, EC_prime256v1 or EC_secp384r1.",
                input.key_algorithm
            ))
        })?;
        let signing_algorithm = model::signing_algorithm(&input.signing_algorithm)
            .filter(|s| s.fits(key_algorithm))
            .ok_or_else(|| {
                PcaError::InvalidArgs(format!(
                    "The signing algorithm {} is not supported with key algorithm {}.",
                    input.signing_algorithm, input.key_algorithm
                ))
            })?;
        if input.subject.attributes.is_empty() {
            return Err(PcaError::InvalidArgs(
                "The subject must have at least one attribute.".into(),
            ));
        }
        check_revocation(&input.revocation)?;
        check_tags(&input.tags)?;
        if input.tags.len() > MAX_TAGS {
            return Err(PcaError::TooManyTags(
                "A certificate authority can have at most 50 tags.".into(),
            ));
        }

        let key = PrivateKey::generate(key_algorithm).map_err(|err| pki_error(&err))?;
        let key = key
            .with_signing(signing_algorithm)
            .map_err(|err| pki_error(&err))?;
        let csr_der = pki::make_csr(&key, &input.subject).map_err(|err| pki_error(&err))?;
        let id = strongroom_crypto::random::uuid_v4();
        let arn = format!(
            "arn:aws:acm-pca:{}:{}:certificate-authority/{id}",
            caller.region(),
            caller.account()
        );
        let sealed_key = self
            .keyring
            .key(Purpose::CaKeys)
            .seal(key.pkcs8().expose_secret(), &key_context(&arn));
        let now = self.now();
        let ca = CertificateAuthority {
            arn: arn.clone(),
            owner_account: caller.account().to_string(),
            ca_type,
            status: CaStatus::PendingCertificate,
            created_at: now,
            last_state_change_at: now,
            key_algorithm,
            signing_algorithm,
            subject: input.subject,
            revocation: input.revocation,
            tags: input.tags,
            serial: None,
            not_before: None,
            not_after: None,
            restorable_until: None,
            key_storage_security_standard: input
                .key_storage_security_standard
                .unwrap_or_else(|| "FIPS_140_2_LEVEL_3_OR_HIGHER".to_owned()),
            usage_mode: input.usage_mode.unwrap_or_else(|| "GENERAL_PURPOSE".to_owned()),
            crl_number: 0,
            crl_next_update: None,
        };
        let record = CaRecord {
            arn,
            account_id: caller.account().clone(),
            region: caller.region().clone(),
            revision: 1,
            created_at: now,
            status: ca.status.as_str().to_owned(),
            document: model::encode(&ca),
            sealed_key,
            csr_der,
            certificate_der: None,
            chain_pem: None,
            crl_der: None,
        };
        self.store
            .create_ca(&record)
            .await
            .map_err(PcaError::store("creating a certificate authority"))?;
        Ok(ca)
    }

    pub async fn describe_ca(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        arn: &str,
    ) -> Result<CertificateAuthority, PcaError> {
        let loaded = self
            .authorized_load(authz, caller, "DescribeCertificateAuthority", arn)
            .await?;
        Ok(self.shown(loaded.ca))
    }

    /// The CA as a caller sees it (with `EXPIRED` computed).
    fn shown(&self, mut ca: CertificateAuthority) -> CertificateAuthority {
        ca.status = ca.effective_status(self.now());
        ca
    }

    pub async fn list_cas(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        max_results: Option<i64>,
        next_token: Option<&str>,
        resource_owner: Option<&str>,
    ) -> Result<CaPage, PcaError> {
        Self::authorize(authz, caller, "ListCertificateAuthorities", "*")?;
        if resource_owner == Some("OTHER_ACCOUNTS") {
            // No CA is shared across accounts (resource policies are not supported).
            return Ok(CaPage {
                items: Vec::new(),
                next_token: None,
            });
        }
        let after = match next_token {
            Some(token) => Some(decode_token(token)?),
            None => None,
        };
        let limit = max_results.map_or(100, |m| m.clamp(1, 1000)) as u32;
        let now = self.now();
        let records = self
            .store
            .list_cas(caller.account(), caller.region(), after.as_deref(), limit + 1)
            .await
            .map_err(PcaError::store("listing certificate authorities"))?;
        let more = records.len() > limit as usize;
        let mut items = Vec::new();
        let mut last = None;
        for record in records.into_iter().take(limit as usize) {
            last = Some(record.arn.clone());
            let Some(ca) = model::decode(
                &record.document,
                &record.arn,
                record.account_id.as_str(),
                &record.status,
                record.created_at,
            ) else {
                return Err(PcaError::internal(
                    "a stored certificate authority does not decode",
                ));
            };
            if ca.status == CaStatus::Deleted && ca.restorable_until.is_some_and(|end| end <= now) {
                continue;
            }
            items.push(self.shown(ca));
        }
        Ok(CaPage {
            items,
            next_token: if more {
                last.map(|arn| encode_token(&arn))
            } else {
                None
            },
        })
    }

    pub async fn ca_csr(&self, authz: &Authorizer, caller: &Caller, arn: &str) -> Result<String, PcaError> {
        let loaded = self
            .authorized_load(authz, caller, "GetCertificateAuthorityCsr", arn)
            .await?;
        if loaded.ca.status == CaStatus::Deleted {
            return Err(invalid_state(&loaded.ca));
        }
        Ok(pki::pem_encode("CERTIFICATE REQUEST", &loaded.record.csr_der))
    }

    pub async fn ca_certificate(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        arn: &str,
    ) -> Result<CertificateAndChain, PcaError> {
        let loaded = self
            .authorized_load(authz, caller, "GetCertificateAuthorityCertificate", arn)
            .await?;
        let Some(der) = &loaded.record.certificate_der else {
            return Err(invalid_state(&loaded.ca));
        };
        if loaded.ca.status == CaStatus::Deleted {
            return Err(invalid_state(&loaded.ca));
        }
        Ok(CertificateAndChain {
            certificate: pki::pem_encode("CERTIFICATE", der),
            chain: loaded.record.chain_pem.clone(),
        })
    }

    pub async fn import_ca_certificate(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        arn: &str,
        certificate: &[u8],
        chain: Option<&[u8]>,
    ) -> Result<CertificateAuthority, PcaError> {
        self.authorized_load(authz, caller, "ImportCertificateAuthorityCertificate", arn)
            .await?;
        let malformed =
            |why: &str| PcaError::MalformedCertificate(format!("The certificate is malformed: {why}."));
        let cert_der = pki::der_from_pem_or_der(certificate, "CERTIFICATE")
            .ok_or_else(|| malformed("the PEM does not decode"))?;
        let info = pki::parse_certificate(&cert_der).map_err(|err| pki_error(&err))?;
        let chain_ders = match chain {
            Some(bytes) => {
                let text = std::str::from_utf8(bytes).map_err(|_| malformed("the chain is not PEM"))?;
                let blocks = pki::pem_decode_all(text, "CERTIFICATE")
                    .ok_or_else(|| malformed("the chain's PEM does not decode"))?;
                for block in &blocks {
                    pki::parse_certificate(block).map_err(|err| pki_error(&err))?;
                }
                blocks
            }
            None => Vec::new(),
        };
        let now = self.now();
        if info.not_after <= now {
            return Err(PcaError::InvalidRequest("The certificate has expired.".into()));
        }
        if !info.is_ca {
            return Err(PcaError::InvalidRequest(
                "The certificate is not a CA certificate (basic constraints CA:TRUE).".into(),
            ));
        }
        let loaded = self.load(arn).await?;
        let ca_public_key = {
            let key = self.open_key(&loaded.record, &loaded.ca)?;
            key.public_key_der()
        };
        if info.public_key_der != ca_public_key {
            return Err(PcaError::CertificateMismatch(
                "The certificate's public key is not the certificate authority's.".into(),
            ));
        }
        match loaded.ca.ca_type {
            CaType::Root => {
                if !chain_ders.is_empty() {
                    return Err(PcaError::InvalidRequest(
                        "A root certificate authority's certificate takes no chain.".into(),
                    ));
                }
                pki::verify_issued_by(&cert_der, &cert_der).map_err(|_| {
                    PcaError::CertificateMismatch(
                        "A root certificate authority's certificate must be self-signed.".into(),
                    )
                })?;
            }
            CaType::Subordinate => {
                if chain_ders.is_empty() {
                    return Err(PcaError::InvalidRequest(
                        "A subordinate certificate authority's certificate needs its chain.".into(),
                    ));
                }
                let mut child = &cert_der;
                for parent in &chain_ders {
                    pki::verify_issued_by(child, parent).map_err(|_| {
                        PcaError::CertificateMismatch(
                            "The certificate chain does not sign the certificate in order.".into(),
                        )
                    })?;
                    child = parent;
                }
            }
        }
        let chain_pem = (!chain_ders.is_empty()).then(|| {
            chain_ders
                .iter()
                .map(|der| pki::pem_encode("CERTIFICATE", der))
                .collect::<String>()
        });
        let serial = pki::serial_hex(&info.serial);
        // A replaced certificate (renewal) keeps the CA's revocations in the CRL it signs anew.
        let revoked = self
            .store
            .revoked_certificates(arn)
            .await
            .map_err(PcaError::store("reading revoked certificates"))?;
        let entries = crl_entries(&revoked);
        let updated = self
            .change(arn, |loaded, now| {
                match loaded.ca.effective_status(now) {
                    CaStatus::PendingCertificate
                    | CaStatus::Active
                    | CaStatus::Disabled
                    | CaStatus::Expired => {}
                    CaStatus::Deleted => return Err(invalid_state(&loaded.ca)),
                }
                if loaded.ca.status == CaStatus::PendingCertificate {
                    loaded.ca.status = CaStatus::Active;
                    loaded.ca.last_state_change_at = now;
                }
                loaded.ca.serial = Some(serial.clone());
                loaded.ca.not_before = Some(info.not_before);
                loaded.ca.not_after = Some(info.not_after);
                loaded.record.certificate_der = Some(cert_der.clone());
                loaded.record.chain_pem = chain_pem.clone();
                self.refresh_crl(loaded, now, &entries)?;
                Ok(())
            })
            .await?;
        Ok(updated)
    }

    pub async fn issue_certificate(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        input: IssueInput,
    ) -> Result<String, PcaError> {
        let loaded = self
            .authorized_load(authz, caller, "IssueCertificate", &input.ca_arn)
            .await?;
        let template = template(input.template_arn.as_deref())?;
        let signing = model::signing_algorithm(&input.signing_algorithm)
            .filter(|s| s.fits(loaded.ca.key_algorithm))
            .ok_or_else(|| {
                PcaError::InvalidArgs(format!(
                    "The signing algorithm {} does not fit the certificate authority's key algorithm {}.",
                    input.signing_algorithm,
                    model::key_algorithm_name(loaded.ca.key_algorithm)
                ))
            })?;
        let now = self.now();
        match (loaded.ca.effective_status(now), template) {
            (CaStatus::Active, Template::RootCa) | (CaStatus::PendingCertificate, Template::RootCa)
                if loaded.ca.ca_type == CaType::Root => {}
            (_, Template::RootCa) => {
                return Err(PcaError::InvalidArgs(
                    "The RootCACertificate template is only for a root certificate authority's own certificate."
                        .into(),
                ));
            }
            (CaStatus::Active, _) => {}
            _ => return Err(invalid_state(&loaded.ca)),
        }
        if let Some(token) = &input.idempotency_token
            && let Some(existing) = self
                .store
                .certificate_by_token(&loaded.record.arn, token)
                .await
                .map_err(PcaError::store("reading an issued certificate"))?
        {
            return Ok(certificate_arn(&loaded.record.arn, &existing.serial));
        }

        let csr = pki::parse_csr(&input.csr).map_err(|err| pki_error(&err))?;
        if template == Template::RootCa
            && csr.public_key_der != self.open_key(&loaded.record, &loaded.ca)?.public_key_der()
        {
            return Err(PcaError::InvalidArgs(
                "A root certificate authority's certificate must be for the certificate authority's own key."
                    .into(),
            ));
        }
        let not_after = validity_instant(&input.validity, now)
            .ok_or_else(|| PcaError::InvalidArgs("The validity is out of range.".into()))?;
        let not_before = match &input.validity_not_before {
            Some(validity) => validity_instant(validity, now)
                .ok_or_else(|| PcaError::InvalidArgs("The validity start is out of range.".into()))?,
            None => now - BACKDATE,
        };
        if not_after <= now || not_after <= not_before {
            return Err(PcaError::InvalidArgs(
                "The certificate's validity must end in the future and after it starts.".into(),
            ));
        }
        if let Some(ca_end) = loaded.ca.not_after
            && template != Template::RootCa
            && not_after > ca_end
        {
            return Err(PcaError::InvalidArgs(
                "The certificate's validity cannot end after the certificate authority's certificate.".into(),
            ));
        }
        let crl_urls = match loaded.ca.revocation.enabled_crl() {
            Some(crl) if crl.omit_extension != Some(true) && template != Template::RootCa => {
                vec![crl_url(&loaded.ca, crl, &input.crl_base_url)]
            }
            _ => Vec::new(),
        };
        let key = self.open_key_with(&loaded.record, loaded.ca.key_algorithm, signing)?;
        let serial = pki::random_serial();
        let request = IssueRequest {
            csr: &csr,
            template,
            serial,
            not_before,
            not_after,
            crl_urls,
        };
        let der = match (&loaded.record.certificate_der, template) {
            (_, Template::RootCa) => pki::issue(
                Issuer::SelfSigned {
                    key: &key,
                    subject: &loaded.ca.subject,
                },
                &request,
            ),
            (Some(ca_cert), _) => pki::issue(
                Issuer::Ca {
                    key: &key,
                    certificate_der: ca_cert,
                },
                &request,
            ),
            (None, _) => return Err(invalid_state(&loaded.ca)),
        }
        .map_err(|err| pki_error(&err))?;
        let serial_hex = pki::serial_hex(&serial);
        let record = IssuedCertificateRecord {
            ca_arn: loaded.record.arn.clone(),
            serial: serial_hex.clone(),
            certificate_der: der,
            issued_at: now,
            not_after: truncate_to_millis(not_after),
            idempotency_token: input.idempotency_token.clone(),
            revoked_at: None,
            revocation_reason: None,
        };
        match self.store.add_certificate(&record).await {
            Ok(()) => Ok(certificate_arn(&loaded.record.arn, &serial_hex)),
            Err(StoreError::AlreadyExists) if input.idempotency_token.is_some() => {
                // A concurrent request with the same token won; answer with its certificate.
                let token = input.idempotency_token.as_deref().unwrap_or_default();
                let existing = self
                    .store
                    .certificate_by_token(&loaded.record.arn, token)
                    .await
                    .map_err(PcaError::store("reading an issued certificate"))?
                    .ok_or_else(|| PcaError::internal("a conflicting idempotent issue vanished"))?;
                Ok(certificate_arn(&loaded.record.arn, &existing.serial))
            }
            Err(StoreError::NotFound) => Err(not_found(&loaded.record.arn)),
            Err(err) => Err(PcaError::store("keeping an issued certificate")(err)),
        }
    }

    pub async fn get_certificate(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        ca_arn: &str,
        certificate_arn: &str,
    ) -> Result<CertificateAndChain, PcaError> {
        let loaded = self
            .authorized_load(authz, caller, "GetCertificate", ca_arn)
            .await?;
        let serial = certificate_arn
            .strip_prefix(ca_arn)
            .and_then(|rest| rest.strip_prefix("/certificate/"))
            .and_then(pki::normalize_serial)
            .ok_or_else(|| {
                PcaError::InvalidArn(format!(
                    "The ARN {certificate_arn} is not a certificate of certificate authority {ca_arn}."
                ))
            })?;
        let issued = self
            .store
            .certificate(ca_arn, &serial)
            .await
            .map_err(PcaError::store("reading an issued certificate"))?
            .ok_or_else(|| {
                PcaError::ResourceNotFound(format!("Could not find certificate {certificate_arn}."))
            })?;
        // The chain is the issuer's certificate and its chain; a root's own certificate has none.
        let chain = match &loaded.record.certificate_der {
            Some(ca_der) if *ca_der != issued.certificate_der => {
                let mut chain = pki::pem_encode("CERTIFICATE", ca_der);
                if let Some(rest) = &loaded.record.chain_pem {
                    chain.push_str(rest);
                }
                Some(chain)
            }
            _ => None,
        };
        Ok(CertificateAndChain {
            certificate: pki::pem_encode("CERTIFICATE", &issued.certificate_der),
            chain,
        })
    }

    pub async fn revoke_certificate(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        ca_arn: &str,
        serial: &str,
        reason: &str,
    ) -> Result<(), PcaError> {
        self.authorized_load(authz, caller, "RevokeCertificate", ca_arn)
            .await?;
        let reason_code = model::revocation_reason(reason)
            .ok_or_else(|| PcaError::InvalidArgs(format!("The revocation reason {reason} is not valid.")))?;
        let serial = pki::normalize_serial(serial).ok_or_else(|| {
            PcaError::InvalidRequest(format!(
                "The certificate serial {serial} is not a hexadecimal serial number."
            ))
        })?;
        for _ in 0..RETRIES {
            let mut loaded = self.load(ca_arn).await?;
            let now = self.now();
            match loaded.ca.effective_status(now) {
                CaStatus::Active | CaStatus::Disabled | CaStatus::Expired => {}
                _ => return Err(invalid_state(&loaded.ca)),
            }
            let issued = self
                .store
                .certificate(ca_arn, &serial)
                .await
                .map_err(PcaError::store("reading an issued certificate"))?
                .ok_or_else(|| {
                    PcaError::ResourceNotFound(format!(
                        "Could not find certificate with serial {serial} issued by {ca_arn}."
                    ))
                })?;
            if issued.revoked_at.is_some() {
                return Err(already_revoked(&serial));
            }
            let expected = loaded.record.revision;
            let new_entry = CrlEntry {
                serial: serial_bytes(&serial),
                revoked_at: now,
                reason: Some(reason_code),
            };
            self.refresh_crl_with_store(&mut loaded, now, new_entry).await?;
            let record = self.record_of(&loaded, expected + 1);
            match self
                .store
                .revoke_certificate(&record, expected, &serial, now, reason)
                .await
            {
                Ok(()) => return Ok(()),
                Err(StoreError::Conflict) => continue,
                Err(StoreError::AlreadyExists) => return Err(already_revoked(&serial)),
                Err(StoreError::NotFound) => {
                    return Err(PcaError::ResourceNotFound(format!(
                        "Could not find certificate with serial {serial} issued by {ca_arn}."
                    )));
                }
                Err(err) => return Err(PcaError::store("revoking a certificate")(err)),
            }
        }
        Err(PcaError::ConcurrentModification(
            "A previous update to your private CA is still ongoing.".into(),
        ))
    }

    pub async fn update_ca(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        arn: &str,
        revocation: Option<RevocationSettings>,
        status: Option<&str>,
    ) -> Result<CertificateAuthority, PcaError> {
        self.authorized_load(authz, caller, "UpdateCertificateAuthority", arn)
            .await?;
        if let Some(revocation) = &revocation {
            check_revocation(revocation)?;
        }
        let status = match status {
            None => None,
            Some("ACTIVE") => Some(CaStatus::Active),
            Some("DISABLED") => Some(CaStatus::Disabled),
            Some(other) => {
                return Err(PcaError::InvalidArgs(format!(
                    "The status {other} cannot be set; use ACTIVE or DISABLED."
                )));
            }
        };
        let revoked = self
            .store
            .revoked_certificates(arn)
            .await
            .map_err(PcaError::store("reading revoked certificates"))?;
        let entries = crl_entries(&revoked);
        self.change(arn, |loaded, now| {
            if let Some(status) = status {
                match loaded.ca.effective_status(now) {
                    CaStatus::Active | CaStatus::Disabled => {}
                    _ => return Err(invalid_state(&loaded.ca)),
                }
                if loaded.ca.status != status {
                    loaded.ca.status = status;
                    loaded.ca.last_state_change_at = now;
                }
            } else if loaded.ca.status == CaStatus::Deleted {
                return Err(invalid_state(&loaded.ca));
            }
            if let Some(revocation) = &revocation {
                let was_enabled = loaded.ca.revocation.enabled_crl().is_some();
                loaded.ca.revocation = revocation.clone();
                if !was_enabled && loaded.ca.revocation.enabled_crl().is_some() {
                    self.refresh_crl(loaded, now, &entries)?;
                }
                if loaded.ca.revocation.enabled_crl().is_none() {
                    loaded.record.crl_der = None;
                    loaded.ca.crl_next_update = None;
                }
            }
            Ok(())
        })
        .await
    }

    pub async fn delete_ca(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        arn: &str,
        permanent_deletion_days: Option<i64>,
    ) -> Result<(), PcaError> {
        self.authorized_load(authz, caller, "DeleteCertificateAuthority", arn)
            .await?;
        let days = permanent_deletion_days.unwrap_or(30);
        if !(7..=30).contains(&days) {
            return Err(PcaError::InvalidArgs(
                "PermanentDeletionTimeInDays must be between 7 and 30.".into(),
            ));
        }
        for _ in 0..RETRIES {
            let mut loaded = self.load(arn).await?;
            let now = self.now();
            let expected = loaded.record.revision;
            match loaded.ca.effective_status(now) {
                CaStatus::PendingCertificate => {
                    // A CA that never had a certificate goes at once, as in AWS.
                    match self.store.delete_ca(arn, expected).await {
                        Ok(()) => return Ok(()),
                        Err(StoreError::Conflict) => continue,
                        Err(StoreError::NotFound) => return Err(not_found(arn)),
                        Err(err) => return Err(PcaError::store("deleting a certificate authority")(err)),
                    }
                }
                CaStatus::Active => {
                    return Err(PcaError::InvalidState(
                        "The certificate authority must be disabled before it can be deleted.".into(),
                    ));
                }
                CaStatus::Deleted => return Err(invalid_state(&loaded.ca)),
                CaStatus::Disabled | CaStatus::Expired => {}
            }
            loaded.ca.status = CaStatus::Deleted;
            loaded.ca.last_state_change_at = now;
            loaded.ca.restorable_until = Some(now + Duration::days(days));
            let record = self.record_of(&loaded, expected + 1);
            match self.store.update_ca(&record, expected).await {
                Ok(()) => return Ok(()),
                Err(StoreError::Conflict) => continue,
                Err(StoreError::NotFound) => return Err(not_found(arn)),
                Err(err) => return Err(PcaError::store("deleting a certificate authority")(err)),
            }
        }
        Err(PcaError::ConcurrentModification(
            "A previous update to your private CA is still ongoing.".into(),
        ))
    }

    pub async fn restore_ca(&self, authz: &Authorizer, caller: &Caller, arn: &str) -> Result<(), PcaError> {
        self.authorized_load(authz, caller, "RestoreCertificateAuthority", arn)
            .await?;
        self.change(arn, |loaded, now| {
            if loaded.ca.status != CaStatus::Deleted {
                return Err(invalid_state(&loaded.ca));
            }
            // A restored CA comes back disabled (it had a certificate: only those wait to be purged).
            loaded.ca.status = if loaded.record.certificate_der.is_some() {
                CaStatus::Disabled
            } else {
                CaStatus::PendingCertificate
            };
            loaded.ca.restorable_until = None;
            loaded.ca.last_state_change_at = now;
            Ok(())
        })
        .await?;
        Ok(())
    }

    pub async fn tag_ca(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        arn: &str,
        tags: Vec<CaTag>,
    ) -> Result<(), PcaError> {
        self.authorized_load(authz, caller, "TagCertificateAuthority", arn)
            .await?;
        check_tags(&tags)?;
        self.change(arn, |loaded, _| {
            if loaded.ca.status == CaStatus::Deleted {
                return Err(invalid_state(&loaded.ca));
            }
            let mut merged = loaded.ca.tags.clone();
            for tag in &tags {
                match merged.iter_mut().find(|t| t.key == tag.key) {
                    Some(existing) => existing.value = tag.value.clone(),
                    None => merged.push(tag.clone()),
                }
            }
            if merged.len() > MAX_TAGS {
                return Err(PcaError::TooManyTags(
                    "A certificate authority can have at most 50 tags.".into(),
                ));
            }
            loaded.ca.tags = merged;
            Ok(())
        })
        .await?;
        Ok(())
    }

    pub async fn untag_ca(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        arn: &str,
        tags: Vec<CaTag>,
    ) -> Result<(), PcaError> {
        self.authorized_load(authz, caller, "UntagCertificateAuthority", arn)
            .await?;
        check_tags(&tags)?;
        self.change(arn, |loaded, _| {
            if loaded.ca.status == CaStatus::Deleted {
                return Err(invalid_state(&loaded.ca));
            }
            // A tag named with a value goes only when the value matches, as in AWS.
            loaded.ca.tags.retain(|existing| {
                !tags.iter().any(|gone| {
                    gone.key == existing.key && (gone.value.is_none() || gone.value == existing.value)
                })
            });
            Ok(())
        })
        .await?;
        Ok(())
    }

    pub async fn list_tags(
        &self,
        authz: &Authorizer,
        caller: &Caller,
        arn: &str,
        max_results: Option<i64>,
        next_token: Option<&str>,
    ) -> Result<(Vec<CaTag>, Option<String>), PcaError> {
        let loaded = self.authorized_load(authz, caller, "ListTags", arn).await?;
        let start = match next_token {
            Some(token) => decode_token(token)?
                .parse::<usize>()
                .map_err(|_| invalid_token())?,
            None => 0,
        };
        let limit = max_results.map_or(50, |m| m.clamp(1, 1000)) as usize;
        let tags = &loaded.ca.tags;
        if start > tags.len() {
            return Err(invalid_token());
        }
        let end = (start + limit).min(tags.len());
        let next = (end < tags.len()).then(|| encode_token(&end.to_string()));
        Ok((tags[start..end].to_vec(), next))
    }

    // -----------------------------------------------------------------------------------------------------
    // The internal API: the CRL endpoint and Roles Anywhere. No authorization here.

    /// The CA's current CRL (DER) by the CA's id (the ARN's last part), for the unauthenticated CRL
    /// endpoint; `None` when there is no such CA or its CRLs are off. A CRL past half its validity is
    /// renewed first.
    pub async fn crl(&self, ca_id: &str) -> Result<Option<Vec<u8>>, PcaError> {
        let Some(record) = self
            .store
            .ca_by_id(ca_id)
            .await
            .map_err(PcaError::store("reading a certificate authority"))?
        else {
            return Ok(None);
        };
        let ca_arn = record.arn.as_str();
        let loaded = match self.load(ca_arn).await {
            Ok(loaded) => loaded,
            Err(PcaError::ResourceNotFound(_)) => return Ok(None),
            Err(err) => return Err(err),
        };
        let Some(crl) = loaded.ca.revocation.enabled_crl() else {
            return Ok(None);
        };
        let now = self.now();
        let half = Duration::days(i64::from(crl.validity_days())) / 2;
        let fresh = loaded.ca.crl_next_update.is_some_and(|next| now + half < next);
        if fresh || loaded.record.certificate_der.is_none() || loaded.ca.status == CaStatus::Deleted {
            return Ok(loaded.record.crl_der);
        }
        let revoked = self
            .store
            .revoked_certificates(ca_arn)
            .await
            .map_err(PcaError::store("reading revoked certificates"))?;
        let entries = crl_entries(&revoked);
        let updated = self
            .change(ca_arn, |loaded, now| self.refresh_crl(loaded, now, &entries))
            .await;
        match updated {
            Ok(_) => Ok(self.load(ca_arn).await?.record.crl_der),
            // Another node renewed it meanwhile, or the CA changed: the stored CRL is still valid.
            Err(PcaError::ConcurrentModification(_)) => Ok(loaded.record.crl_der),
            Err(err) => Err(err),
        }
    }

    /// Whether certificate `serial` (its content bytes, as in the certificate) of CA `ca_arn` is revoked,
    /// read from the store at call time: a revocation counts from the moment `RevokeCertificate`
    /// answered. `Ok(None)` for a certificate that is not revoked or that this CA did not issue.
    pub async fn revocation(&self, ca_arn: &str, serial: &[u8]) -> Result<Option<Revocation>, PcaError> {
        let serial = pki::serial_hex(serial);
        let issued = self
            .store
            .certificate(ca_arn, &serial)
            .await
            .map_err(PcaError::store("reading an issued certificate"))?;
        Ok(issued.and_then(|cert| {
            Some(Revocation {
                revoked_at: cert.revoked_at?,
                reason: cert.revocation_reason.unwrap_or_else(|| "UNSPECIFIED".to_owned()),
            })
        }))
    }

    /// The CA's certificate (DER) and its chain up to the root (DER, nearest first), for a trust anchor
    /// whose source is this CA; `None` while the CA has no certificate or is deleted.
    pub async fn trust_certificates(
        &self,
        ca_arn: &str,
    ) -> Result<Option<(Vec<u8>, Vec<Vec<u8>>)>, PcaError> {
        let loaded = match self.load(ca_arn).await {
            Ok(loaded) => loaded,
            Err(PcaError::ResourceNotFound(_)) => return Ok(None),
            Err(err) => return Err(err),
        };
        if loaded.ca.status == CaStatus::Deleted {
            return Ok(None);
        }
        let Some(certificate) = loaded.record.certificate_der else {
            return Ok(None);
        };
        let chain = match &loaded.record.chain_pem {
            Some(pem) => pki::pem_decode_all(pem, "CERTIFICATE")
                .ok_or_else(|| PcaError::internal("a stored chain does not decode"))?,
            None => Vec::new(),
        };
        Ok(Some((certificate, chain)))
    }

    // -----------------------------------------------------------------------------------------------------
    // CRLs.

    /// Makes a new CRL listing `entries` into `loaded` (a no-op when CRLs are off or the CA has no
    /// certificate yet).
    fn refresh_crl(
        &self,
        loaded: &mut Loaded,
        now: OffsetDateTime,
        entries: &[CrlEntry],
    ) -> Result<(), PcaError> {
        let Some(settings) = loaded.ca.revocation.enabled_crl().cloned() else {
            return Ok(());
        };
        let Some(ca_cert) = loaded.record.certificate_der.clone() else {
            return Ok(());
        };
        let key = self.open_key(&loaded.record, &loaded.ca)?;
        let number = loaded.ca.crl_number + 1;
        let next_update = now + Duration::days(i64::from(settings.validity_days()));
        let der = pki::make_crl(&key, &ca_cert, number, now, next_update, entries)
            .map_err(|err| pki_error(&err))?;
        loaded.record.crl_der = Some(der);
        loaded.ca.crl_number = number;
        loaded.ca.crl_next_update = Some(next_update);
        Ok(())
    }

    /// [`Self::refresh_crl`] with every stored revocation plus `new_entry`.
    async fn refresh_crl_with_store(
        &self,
        loaded: &mut Loaded,
        now: OffsetDateTime,
        new_entry: CrlEntry,
    ) -> Result<(), PcaError> {
        if loaded.ca.revocation.enabled_crl().is_none() {
            return Ok(());
        }
        let revoked = self
            .store
            .revoked_certificates(&loaded.record.arn)
            .await
            .map_err(PcaError::store("reading revoked certificates"))?;
        let mut entries = crl_entries(&revoked);
        entries.push(new_entry);
        self.refresh_crl(loaded, now, &entries)
    }
}

fn crl_entries(revoked: &[IssuedCertificateRecord]) -> Vec<CrlEntry> {
    revoked
        .iter()
        .filter_map(|cert| {
            Some(CrlEntry {
                serial: serial_bytes(&cert.serial),
                revoked_at: cert.revoked_at?,
                reason: cert
                    .revocation_reason
                    .as_deref()
                    .and_then(model::revocation_reason),
            })
        })
        .collect()
}

/// The bytes of a serial kept as hex (a leading zero byte added when the top bit is set, so the INTEGER
/// stays positive).
fn serial_bytes(hex: &str) -> Vec<u8> {
    let padded = if hex.len() % 2 == 1 {
        format!("0{hex}")
    } else {
        hex.to_owned()
    };
    let mut bytes: Vec<u8> = (0..padded.len())
        .step_by(2)
        .filter_map(|i| u8::from_str_radix(padded.get(i..i + 2)?, 16).ok())
        .collect();
    if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        bytes.insert(0, 0);
    }
    bytes
}

fn certificate_arn(ca_arn: &str, serial: &str) -> String {
    format!("{ca_arn}/certificate/{serial}")
}

/// The URL issued certificates name for the CA's CRL: the server's own `/pca/crl/{id}.crl`, on the CRL
/// configuration's `CustomCname` host when it has one.
fn crl_url(ca: &CertificateAuthority, crl: &CrlSettings, base_url: &str) -> String {
    match crl.custom_cname.as_deref().filter(|c| !c.is_empty()) {
        Some(cname) => format!("http://{cname}/pca/crl/{}.crl", ca.id()),
        None => format!("{}/pca/crl/{}.crl", base_url.trim_end_matches('/'), ca.id()),
    }
}

fn invalid_state(ca: &CertificateAuthority) -> PcaError {
    PcaError::InvalidState(format!(
        "The certificate authority {} is in the {} state, which does not allow this operation.",
        ca.arn,
        ca.status.as_str()
    ))
}

fn already_revoked(serial: &str) -> PcaError {
    PcaError::RequestAlreadyProcessed(format!(
        "The certificate with serial {serial} is already revoked."
    ))
}

fn invalid_token() -> PcaError {
    PcaError::InvalidNextToken("The token is not valid.".into())
}

fn encode_token(text: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

fn decode_token(token: &str) -> Result<String, PcaError> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| invalid_token())?;
    String::from_utf8(bytes).map_err(|_| invalid_token())
}

fn check_tags(tags: &[CaTag]) -> Result<(), PcaError> {
    for tag in tags {
        if tag.key.to_ascii_lowercase().starts_with("aws:") {
            return Err(PcaError::InvalidTag(format!(
                "The tag key {} is reserved: keys may not start with aws:.",
                tag.key
            )));
        }
        let allowed = |c: char| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c);
        if tag.key.is_empty()
            || !tag.key.chars().all(allowed)
            || !tag.value.as_deref().unwrap_or_default().chars().all(allowed)
        {
            return Err(PcaError::InvalidTag(format!("The tag {} is not valid.", tag.key)));
        }
    }
    Ok(())
}

fn check_revocation(revocation: &RevocationSettings) -> Result<(), PcaError> {
    if let Some(crl) = &revocation.crl {
        if crl.crl_type.as_deref() == Some("PARTITIONED") {
            return Err(PcaError::InvalidArgs(
                "Partitioned CRLs are not supported.".into(),
            ));
        }
        if let Some(cname) = &crl.custom_cname
            && (cname.starts_with("http://") || cname.starts_with("https://"))
        {
            return Err(PcaError::InvalidArgs(
                "CustomCname must be a host name without a scheme.".into(),
            ));
        }
    }
    Ok(())
}
