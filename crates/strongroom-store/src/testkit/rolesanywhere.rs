//! Conformance cases for the Roles Anywhere store, run by every backend through
//! [`rolesanywhere_conformance_suite!`](crate::rolesanywhere_conformance_suite), which works like
//! [`conformance_suite!`](crate::conformance_suite).

use super::{BoxFuture, account, account_id, boxed, join_all, root_key, ts};
use crate::rolesanywhere::{
    RaAttributeMapping, RaCrlRecord, RaInstanceProperties, RaKind, RaNotificationSetting, RaProfileRecord,
    RaSighting, RaSource, RaSubjectCredential, RaTrustAnchorRecord, SUBJECT_HISTORY, Tag,
};
use crate::testkit::kms::region;
use crate::{Store, StoreError};

/// Expands to one `#[tokio::test]` per Roles Anywhere conformance case; the arguments are those of
/// [`conformance_suite!`](crate::conformance_suite).
#[macro_export]
macro_rules! rolesanywhere_conformance_suite {
    (fixture = $make:expr $(,)?) => {
        $crate::__rolesanywhere_conformance_cases! {
            $make;
            ra_trust_anchor_round_trips_every_field,
            ra_profile_round_trips_every_field,
            ra_crl_round_trips_and_is_found_by_trust_anchor,
            ra_duplicate_ids_and_arns_change_nothing,
            ra_update_and_delete_are_compare_and_set,
            ra_concurrent_updates_have_one_winner,
            ra_lists_page_per_kind_account_and_region,
            ra_sightings_make_and_fold_subjects,
            ra_concurrent_sightings_make_one_subject,
            ra_unknown_rows_are_none,
        }
    };
    ($make:expr $(,)?) => {
        $crate::rolesanywhere_conformance_suite!(
            fixture = async { ::core::option::Option::Some($crate::testkit::Plain($make.await)) }
        );
    };
}

/// Implementation detail of [`rolesanywhere_conformance_suite!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __rolesanywhere_conformance_cases {
    ($make:expr; $($case:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let ::core::option::Option::Some(fixture) = $make.await else {
                    return;
                };
                let fixture = ::std::sync::Arc::new(fixture);
                let shared = ::std::sync::Arc::clone(&fixture);
                let outcome = ::tokio::spawn(async move {
                    $crate::testkit::rolesanywhere::$case($crate::testkit::Fixture::store(&*shared)).await;
                })
                .await;
                $crate::testkit::Fixture::teardown(&*fixture).await;
                if let ::core::result::Result::Err(err) = outcome {
                    match err.try_into_panic() {
                        ::core::result::Result::Ok(payload) => ::std::panic::resume_unwind(payload),
                        ::core::result::Result::Err(err) => panic!("conformance case did not finish: {err}"),
                    }
                }
            }
        )*
    };
}

// ---------------------------------------------------------------------------------------------------------
// Helpers.

/// A UUID that sorts by `n`.
pub fn ra_id(n: u32) -> String {
    format!("{n:08x}-0000-4000-8000-00000000000a")
}

async fn accounts(store: &dyn Store, n: u64) {
    for a in 1..=n {
        store
            .bootstrap_account(&account(a), &root_key(a, a))
            .await
            .expect("bootstrap");
    }
}

pub fn ra_trust_anchor(n: u32, account_n: u64, region_name: &str) -> RaTrustAnchorRecord {
    let id = ra_id(n);
    let account = account_id(account_n);
    RaTrustAnchorRecord {
        arn: format!("arn:aws:rolesanywhere:{region_name}:{account}:trust-anchor/{id}"),
        trust_anchor_id: id,
        account_id: account,
        region: region(region_name),
        revision: 1,
        name: format!("anchor {n}"),
        enabled: true,
        source: RaSource::CertificateBundle {
            pem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".to_owned(),
        },
        notification_settings: vec![RaNotificationSetting {
            enabled: true,
            event: "CA_CERTIFICATE_EXPIRY".to_owned(),
            threshold: 45,
            channel: "ALL".to_owned(),
            configured_by: "rolesanywhere.amazonaws.com".to_owned(),
        }],
        tags: vec![Tag {
            key: "team".to_owned(),
            value: "ünï \"x\"".to_owned(),
        }],
        created_at: ts(1_700_000_000_000 + i64::from(n)),
        updated_at: ts(1_700_000_000_500 + i64::from(n)),
    }
}

pub fn ra_profile(n: u32, account_n: u64, region_name: &str) -> RaProfileRecord {
    let id = ra_id(n);
    let account = account_id(account_n);
    RaProfileRecord {
        arn: format!("arn:aws:rolesanywhere:{region_name}:{account}:profile/{id}"),
        profile_id: id,
        role_arns: vec![format!("arn:aws:iam::{account}:role/r{n}")],
        account_id: account,
        region: region(region_name),
        revision: 1,
        name: format!("profile {n}"),
        enabled: true,
        managed_policy_arns: vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".to_owned()],
        session_policy: Some(r#"{"Version":"2012-10-17","Statement":[]}"#.to_owned()),
        duration_seconds: 3600,
        require_instance_properties: false,
        accept_role_session_name: true,
        attribute_mappings: vec![RaAttributeMapping {
            certificate_field: "x509Subject".to_owned(),
            specifiers: vec!["CN".to_owned(), "OU".to_owned()],
        }],
        created_by: "arn:aws:iam::000000000001:root".to_owned(),
        tags: Vec::new(),
        created_at: ts(1_700_000_000_000),
        updated_at: ts(1_700_000_000_001),
    }
}

pub fn ra_crl(n: u32, anchor: &RaTrustAnchorRecord) -> RaCrlRecord {
    let id = ra_id(n);
    RaCrlRecord {
        arn: format!(
            "arn:aws:rolesanywhere:{}:{}:crl/{id}",
            anchor.region, anchor.account_id
        ),
        crl_id: id,
        account_id: anchor.account_id.clone(),
        region: anchor.region.clone(),
        revision: 1,
        name: format!("crl {n}"),
        enabled: false,
        trust_anchor_arn: anchor.arn.clone(),
        crl_data: vec![0, 1, 2, 255, n as u8],
        tags: Vec::new(),
        created_at: ts(1_700_000_000_000),
        updated_at: ts(1_700_000_000_000),
    }
}

pub fn ra_sighting(subject_n: u32, serial: u32, at_ms: i64) -> RaSighting {
    let id = ra_id(1000 + subject_n * 100 + serial);
    RaSighting {
        new_subject_arn: format!("arn:aws:rolesanywhere:us-east-1:000000000001:subject/{id}"),
        new_subject_id: id,
        account_id: account_id(1),
        region: region("us-east-1"),
        x509_subject: format!("CN=workload-{subject_n},O=Example"),
        credential: RaSubjectCredential {
            seen_at: ts(at_ms),
            serial_number: serial.to_string(),
            issuer: "CN=Issuing CA".to_owned(),
            enabled: true,
            certificate_pem: "-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----\n".to_owned(),
            failed: serial.is_multiple_of(2),
            not_after: ts(1_800_000_000_000),
            trust_anchor_arn: "arn:aws:rolesanywhere:us-east-1:000000000001:trust-anchor/x".to_owned(),
        },
        instance_properties: Some(RaInstanceProperties {
            seen_at: ts(at_ms),
            properties: vec![("host".to_owned(), format!("h{serial}"))],
            failed: false,
        }),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Cases.

pub async fn ra_trust_anchor_round_trips_every_field(store: &dyn Store) {
    accounts(store, 1).await;
    let mut anchor = ra_trust_anchor(1, 1, "us-east-1");
    store.create_ra_trust_anchor(&anchor).await.unwrap();
    assert_eq!(
        store.ra_trust_anchor(&anchor.trust_anchor_id).await.unwrap(),
        Some(anchor.clone())
    );
    for source in [
        RaSource::AcmPca {
            ca_arn: "arn:aws:acm-pca:us-east-1:000000000001:certificate-authority/x".to_owned(),
        },
        RaSource::SelfSignedRepository,
    ] {
        let mut next = anchor.clone();
        next.source = source;
        next.revision += 1;
        next.notification_settings.clear();
        store
            .update_ra_trust_anchor(&next, anchor.revision)
            .await
            .unwrap();
        assert_eq!(
            store.ra_trust_anchor(&next.trust_anchor_id).await.unwrap(),
            Some(next.clone())
        );
        anchor = next;
    }
    // A trust anchor is not a profile.
    assert_eq!(store.ra_profile(&anchor.trust_anchor_id).await.unwrap(), None);
}

pub async fn ra_profile_round_trips_every_field(store: &dyn Store) {
    accounts(store, 1).await;
    let mut profile = ra_profile(1, 1, "eu-west-1");
    store.create_ra_profile(&profile).await.unwrap();
    assert_eq!(
        store.ra_profile(&profile.profile_id).await.unwrap(),
        Some(profile.clone())
    );
    let mut next = profile.clone();
    next.revision = 2;
    next.session_policy = None;
    next.attribute_mappings.clear();
    next.enabled = false;
    next.role_arns.clear();
    store.update_ra_profile(&next, 1).await.unwrap();
    profile = next;
    assert_eq!(
        store.ra_profile(&profile.profile_id).await.unwrap(),
        Some(profile)
    );
}

pub async fn ra_crl_round_trips_and_is_found_by_trust_anchor(store: &dyn Store) {
    accounts(store, 1).await;
    let anchor = ra_trust_anchor(1, 1, "us-east-1");
    let other = ra_trust_anchor(2, 1, "us-east-1");
    store.create_ra_trust_anchor(&anchor).await.unwrap();
    store.create_ra_trust_anchor(&other).await.unwrap();
    let crls = [ra_crl(10, &anchor), ra_crl(11, &other), ra_crl(12, &anchor)];
    for crl in &crls {
        store.create_ra_crl(crl).await.unwrap();
    }
    assert_eq!(
        store.ra_crl(&crls[0].crl_id).await.unwrap(),
        Some(crls[0].clone())
    );
    assert_eq!(
        store.ra_crls_for_trust_anchor(&anchor.arn).await.unwrap(),
        vec![crls[0].clone(), crls[2].clone()]
    );
    let mut next = crls[2].clone();
    next.revision = 2;
    next.enabled = true;
    next.crl_data = vec![9; 300_000];
    store.update_ra_crl(&next, 1).await.unwrap();
    assert_eq!(store.ra_crl(&next.crl_id).await.unwrap(), Some(next.clone()));
    store
        .delete_ra_row(RaKind::Crl, &crls[0].crl_id, 1)
        .await
        .unwrap();
    assert_eq!(
        store.ra_crls_for_trust_anchor(&anchor.arn).await.unwrap(),
        vec![next]
    );
}

pub async fn ra_duplicate_ids_and_arns_change_nothing(store: &dyn Store) {
    accounts(store, 1).await;
    let anchor = ra_trust_anchor(1, 1, "us-east-1");
    store.create_ra_trust_anchor(&anchor).await.unwrap();
    let mut same_id = ra_trust_anchor(2, 1, "us-east-1");
    same_id.trust_anchor_id = anchor.trust_anchor_id.clone();
    assert!(matches!(
        store.create_ra_trust_anchor(&same_id).await,
        Err(StoreError::AlreadyExists)
    ));
    let mut same_arn = ra_profile(3, 1, "us-east-1");
    same_arn.arn = anchor.arn.clone();
    assert!(matches!(
        store.create_ra_profile(&same_arn).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(
        store.ra_trust_anchor(&anchor.trust_anchor_id).await.unwrap(),
        Some(anchor)
    );
    assert_eq!(store.ra_profile(&same_arn.profile_id).await.unwrap(), None);
}

pub async fn ra_update_and_delete_are_compare_and_set(store: &dyn Store) {
    accounts(store, 1).await;
    let profile = ra_profile(1, 1, "us-east-1");
    store.create_ra_profile(&profile).await.unwrap();
    let mut next = profile.clone();
    next.revision = 2;
    next.name = "renamed".to_owned();
    assert!(matches!(
        store.update_ra_profile(&next, 5).await,
        Err(StoreError::Conflict)
    ));
    let mut missing = ra_profile(2, 1, "us-east-1");
    missing.revision = 2;
    assert!(matches!(
        store.update_ra_profile(&missing, 1).await,
        Err(StoreError::NotFound)
    ));
    // The same id under another kind is not the row.
    assert!(matches!(
        store
            .delete_ra_row(RaKind::TrustAnchor, &profile.profile_id, 1)
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store.ra_profile(&profile.profile_id).await.unwrap(),
        Some(profile.clone())
    );
    store.update_ra_profile(&next, 1).await.unwrap();
    assert!(matches!(
        store.delete_ra_row(RaKind::Profile, &profile.profile_id, 1).await,
        Err(StoreError::Conflict)
    ));
    store
        .delete_ra_row(RaKind::Profile, &profile.profile_id, 2)
        .await
        .unwrap();
    assert_eq!(store.ra_profile(&profile.profile_id).await.unwrap(), None);
    assert!(matches!(
        store.delete_ra_row(RaKind::Profile, &profile.profile_id, 2).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn ra_concurrent_updates_have_one_winner(store: &dyn Store) {
    accounts(store, 1).await;
    let anchor = ra_trust_anchor(1, 1, "us-east-1");
    store.create_ra_trust_anchor(&anchor).await.unwrap();
    let futures: Vec<BoxFuture<'_, Result<(), StoreError>>> = (0..8)
        .map(|i| {
            let mut next = anchor.clone();
            next.revision = 2;
            next.name = format!("writer {i}");
            boxed(async move { store.update_ra_trust_anchor(&next, 1).await })
        })
        .collect();
    let outcomes = join_all(futures).await;
    let wins = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(wins, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Ok(()) | Err(StoreError::Conflict)))
    );
    let stored = store
        .ra_trust_anchor(&anchor.trust_anchor_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.revision, 2);
}

pub async fn ra_lists_page_per_kind_account_and_region(store: &dyn Store) {
    accounts(store, 2).await;
    for n in [5, 1, 3, 2, 4] {
        store
            .create_ra_trust_anchor(&ra_trust_anchor(n, 1, "us-east-1"))
            .await
            .unwrap();
    }
    store
        .create_ra_trust_anchor(&ra_trust_anchor(6, 2, "us-east-1"))
        .await
        .unwrap();
    store
        .create_ra_trust_anchor(&ra_trust_anchor(7, 1, "eu-west-1"))
        .await
        .unwrap();
    store
        .create_ra_profile(&ra_profile(8, 1, "us-east-1"))
        .await
        .unwrap();
    let (a1, r1) = (account_id(1), region("us-east-1"));
    let first = store.list_ra_trust_anchors(&a1, &r1, None, 2).await.unwrap();
    let ids: Vec<_> = first.iter().map(|a| a.trust_anchor_id.clone()).collect();
    assert_eq!(ids, vec![ra_id(1), ra_id(2)]);
    let rest = store
        .list_ra_trust_anchors(&a1, &r1, Some(&ra_id(2)), 10)
        .await
        .unwrap();
    let ids: Vec<_> = rest.iter().map(|a| a.trust_anchor_id.clone()).collect();
    assert_eq!(ids, vec![ra_id(3), ra_id(4), ra_id(5)]);
    assert_eq!(store.list_ra_profiles(&a1, &r1, None, 10).await.unwrap().len(), 1);
    assert!(store.list_ra_crls(&a1, &r1, None, 10).await.unwrap().is_empty());
    let all = store.scan_ra_rows(RaKind::TrustAnchor, None, 100).await.unwrap();
    assert_eq!(all.len(), 7);
}

pub async fn ra_sightings_make_and_fold_subjects(store: &dyn Store) {
    accounts(store, 1).await;
    let base = 1_700_000_000_000;
    let mut sightings: Vec<RaSighting> = (0..12)
        .map(|i| ra_sighting(1, i + 1, base + i64::from(i)))
        .collect();
    // A second subject, and an older sighting of a known serial that must not move last-seen back.
    sightings.push(ra_sighting(2, 1, base));
    let mut old = ra_sighting(1, 12, base - 50);
    old.instance_properties = None;
    sightings.push(old);
    let subjects = store.record_ra_sightings(&sightings).await.unwrap();
    assert_eq!(subjects.len(), sightings.len());
    let first = &subjects[0];
    let subject = store.ra_subject(&first.subject_id).await.unwrap().unwrap();
    assert_eq!(subject.subject_id, ra_sighting(1, 1, 0).new_subject_id);
    assert_eq!(subject.x509_subject, "CN=workload-1,O=Example");
    assert_eq!(subject.last_seen_at, ts(base + 11));
    assert_eq!(subject.created_at, ts(base));
    assert_eq!(subject.credentials.len(), SUBJECT_HISTORY);
    assert_eq!(subject.credentials[0].serial_number, "11");
    assert!(
        subject
            .credentials
            .iter()
            .all(|c| c.serial_number != "1" && c.serial_number != "2")
    );
    assert_eq!(subject.instance_properties.len(), SUBJECT_HISTORY);
    assert_eq!(
        subject.instance_properties[0].properties,
        vec![("host".to_owned(), "h12".to_owned())]
    );
    assert_eq!(subject.revision, 13);
    let listed = store
        .list_ra_subjects(&account_id(1), &region("us-east-1"), None, 10)
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(store.scan_ra_subjects(None, 10).await.unwrap(), listed);
}

pub async fn ra_concurrent_sightings_make_one_subject(store: &dyn Store) {
    accounts(store, 1).await;
    let futures: Vec<BoxFuture<'_, Result<(), StoreError>>> = (0..6u32)
        .map(|i| {
            boxed(async move {
                store
                    .record_ra_sightings(&[ra_sighting(1, i + 1, 1_700_000_000_000 + i64::from(i))])
                    .await
                    .map(drop)
            })
        })
        .collect();
    for outcome in join_all(futures).await {
        outcome.unwrap();
    }
    let subjects = store
        .list_ra_subjects(&account_id(1), &region("us-east-1"), None, 10)
        .await
        .unwrap();
    assert_eq!(subjects.len(), 1);
    assert_eq!(subjects[0].credentials.len(), 6);
}

pub async fn ra_unknown_rows_are_none(store: &dyn Store) {
    assert_eq!(store.ra_trust_anchor(&ra_id(1)).await.unwrap(), None);
    assert_eq!(store.ra_profile(&ra_id(1)).await.unwrap(), None);
    assert_eq!(store.ra_crl(&ra_id(1)).await.unwrap(), None);
    assert_eq!(store.ra_subject(&ra_id(1)).await.unwrap(), None);
    assert!(store.ra_crls_for_trust_anchor("arn:x").await.unwrap().is_empty());
}
