//! Certificate-expiry notices: subjects whose most recent certificate expires within the threshold of
//! their trust anchor's `END_ENTITY_CERTIFICATE_EXPIRY` setting. The server records each notice once per
//! process as an `EndEntityCertificateExpiry` service event (audit trail and notification subscriptions).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use strongroom_store::rolesanywhere::{RaSubjectRecord, RaTrustAnchorRecord};
use strongroom_types::OffsetDateTime;

use super::{RolesAnywhere, RolesAnywhereError, parse_resource_arn};

/// How many subjects one sweep reads per page.
const PAGE: u32 = 200;

/// A certificate that is about to expire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiryNotice {
    pub subject_arn: String,
    pub x509_subject: String,
    pub serial_number: String,
    pub issuer: String,
    pub trust_anchor_arn: String,
    pub not_after: OffsetDateTime,
    pub threshold_days: u32,
}

/// The notices already given in this process, so each is given once.
#[derive(Debug, Default)]
pub struct NoticeLog {
    given: Mutex<HashSet<(String, String)>>,
}

/// The end-entity expiry threshold of an anchor, in days, when that notification is enabled.
fn end_entity_threshold(anchor: &RaTrustAnchorRecord) -> Option<u32> {
    anchor
        .notification_settings
        .iter()
        .find(|s| s.event == "END_ENTITY_CERTIFICATE_EXPIRY" && s.enabled)
        .map(|s| s.threshold)
}

/// The notice for `subject`'s most recent certificate, if it expires within its anchor's threshold (and has
/// not expired yet).
pub fn notice_for(
    subject: &RaSubjectRecord,
    threshold_of: impl Fn(&str) -> Option<u32>,
    now: OffsetDateTime,
) -> Option<ExpiryNotice> {
    let latest = subject
        .credentials
        .iter()
        .filter(|c| !c.failed)
        .max_by_key(|c| c.seen_at)?;
    let threshold = threshold_of(&latest.trust_anchor_arn)?;
    let remaining = latest.not_after - now;
    if remaining <= time::Duration::ZERO || remaining > time::Duration::days(i64::from(threshold)) {
        return None;
    }
    Some(ExpiryNotice {
        subject_arn: subject.arn.clone(),
        x509_subject: subject.x509_subject.clone(),
        serial_number: latest.serial_number.clone(),
        issuer: latest.issuer.clone(),
        trust_anchor_arn: latest.trust_anchor_arn.clone(),
        not_after: latest.not_after,
        threshold_days: threshold,
    })
}

impl RolesAnywhere {
    /// Every new notice: subjects of every account whose latest certificate nears expiry, each notice
    /// once per process.
    pub async fn expiry_notices(&self, now: OffsetDateTime) -> Result<Vec<ExpiryNotice>, RolesAnywhereError> {
        let mut thresholds: HashMap<String, Option<u32>> = HashMap::new();
        let mut notices = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let subjects = self
                .store
                .scan_ra_subjects(after.as_deref(), PAGE)
                .await
                .map_err(RolesAnywhereError::store("scanning subjects"))?;
            for subject in &subjects {
                let anchors: Vec<String> = subject
                    .credentials
                    .iter()
                    .map(|c| c.trust_anchor_arn.clone())
                    .filter(|arn| !thresholds.contains_key(arn))
                    .collect();
                for arn in anchors {
                    let threshold = match parse_resource_arn(&arn) {
                        Some((_, _, _, id)) => self
                            .store
                            .ra_trust_anchor(id)
                            .await
                            .map_err(RolesAnywhereError::store("reading a trust anchor"))?
                            .and_then(|a| end_entity_threshold(&a)),
                        None => None,
                    };
                    thresholds.insert(arn, threshold);
                }
                if let Some(notice) = notice_for(subject, |arn| thresholds.get(arn).copied().flatten(), now) {
                    let key = (notice.serial_number.clone(), notice.issuer.clone());
                    let fresh = self
                        .notices
                        .given
                        .lock()
                        .map(|mut g| g.insert(key))
                        .unwrap_or(false);
                    if fresh {
                        notices.push(notice);
                    }
                }
            }
            match subjects.last() {
                Some(last) if subjects.len() == PAGE as usize => after = Some(last.subject_id.clone()),
                _ => break,
            }
        }
        Ok(notices)
    }
}

#[cfg(test)]
mod tests {
    use strongroom_store::rolesanywhere::RaSubjectCredential;

    use super::*;

    fn at(days: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_750_000_000).unwrap() + time::Duration::days(days)
    }

    fn subject(credentials: Vec<(i64, i64, bool)>) -> RaSubjectRecord {
        RaSubjectRecord {
            subject_id: "s".to_owned(),
            arn: "arn:s".to_owned(),
            account_id: "123456789012".parse().unwrap(),
            region: "us-east-1".parse().unwrap(),
            revision: 1,
            x509_subject: "CN=w".to_owned(),
            enabled: true,
            created_at: at(0),
            updated_at: at(0),
            last_seen_at: at(0),
            credentials: credentials
                .into_iter()
                .enumerate()
                .map(|(i, (seen, not_after, failed))| RaSubjectCredential {
                    seen_at: at(seen),
                    serial_number: i.to_string(),
                    issuer: "CN=CA".to_owned(),
                    enabled: true,
                    certificate_pem: String::new(),
                    failed,
                    not_after: at(not_after),
                    trust_anchor_arn: "arn:ta".to_owned(),
                })
                .collect(),
            instance_properties: Vec::new(),
        }
    }

    #[test]
    fn notices_only_inside_the_threshold_for_the_latest_good_certificate() {
        let threshold = |_: &str| Some(45);
        let cases = [
            (vec![(0, 30, false)], Some("0")),
            (vec![(0, 46, false)], None),
            (vec![(0, -1, false)], None),
            // A renewed certificate seen later replaces the expiring one.
            (vec![(0, 30, false), (1, 400, false)], None),
            // A failed attempt does not count as the subject's certificate.
            (vec![(0, 30, false), (1, 400, true)], Some("0")),
            (Vec::new(), None),
        ];
        for (credentials, expected) in cases {
            let s = subject(credentials.clone());
            let notice = notice_for(&s, threshold, at(0));
            assert_eq!(
                notice.as_ref().map(|n| n.serial_number.as_str()),
                expected,
                "{credentials:?}"
            );
        }
        assert_eq!(notice_for(&subject(vec![(0, 30, false)]), |_| None, at(0)), None);
    }
}
