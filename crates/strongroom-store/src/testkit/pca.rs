//! Conformance cases for the private CA store, run by every backend through
//! [`pca_conformance_suite!`](crate::pca_conformance_suite), which works like
//! [`conformance_suite!`](crate::conformance_suite):
//!
//! ```ignore
//! strongroom_store::pca_conformance_suite!(fixture = my_fixture());
//! ```

use super::kms::region;
use super::{BoxFuture, account_id, boxed, join_all, sealed, ts};
use crate::pca::{CaRecord, IssuedCertificateRecord};
use crate::{Store, StoreError};

/// Expands to one `#[tokio::test]` per private CA conformance case; the arguments are those of
/// [`conformance_suite!`](crate::conformance_suite).
#[macro_export]
macro_rules! pca_conformance_suite {
    (fixture = $make:expr $(,)?) => {
        $crate::__pca_conformance_cases! {
            $make;
            pca_ca_round_trips_every_field,
            pca_duplicate_ca_changes_nothing,
            pca_update_is_compare_and_set,
            pca_concurrent_updates_have_one_winner,
            pca_cas_list_in_pages_per_account_and_region,
            pca_certificates_round_trip_and_are_unique,
            pca_idempotency_tokens_are_unique_per_ca,
            pca_revocation_is_atomic_with_the_ca_record,
            pca_delete_removes_certificates,
        }
    };
    ($make:expr $(,)?) => {
        $crate::pca_conformance_suite!(
            fixture = async { ::core::option::Option::Some($crate::testkit::Plain($make.await)) }
        );
    };
}

/// Implementation detail of [`pca_conformance_suite!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __pca_conformance_cases {
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
                    $crate::testkit::pca::$case($crate::testkit::Fixture::store(&*shared)).await;
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

/// CA `n` of account `account_n` in `region_name`, pending its certificate.
pub fn pca_ca(n: u32, account_n: u64, region_name: &str) -> CaRecord {
    let account = account_id(account_n);
    CaRecord {
        arn: format!(
            "arn:aws:acm-pca:{region_name}:{account}:certificate-authority/{n:08x}-0000-4000-8000-000000000000"
        ),
        account_id: account,
        region: region(region_name),
        revision: 1,
        created_at: ts(1_700_000_000_000 + i64::from(n)),
        status: "PENDING_CERTIFICATE".to_owned(),
        document: format!(r#"{{"n":{n},"text":"ünïcødé ✓"}}"#),
        sealed_key: sealed(n as u8),
        csr_der: vec![0x30, 0x00, n as u8, 0xff],
        certificate_der: None,
        chain_pem: None,
        crl_der: None,
    }
}

/// Certificate `serial` issued by `ca`.
pub fn pca_certificate(ca: &CaRecord, serial: &str) -> IssuedCertificateRecord {
    IssuedCertificateRecord {
        ca_arn: ca.arn.clone(),
        serial: serial.to_owned(),
        certificate_der: serial.as_bytes().iter().copied().chain([0, 0xff]).collect(),
        issued_at: ts(1_700_000_300_000),
        not_after: ts(1_800_000_300_000),
        idempotency_token: None,
        revoked_at: None,
        revocation_reason: None,
    }
}

async fn read(store: &dyn Store, arn: &str) -> Option<CaRecord> {
    store.ca(arn).await.expect("ca")
}

// ---------------------------------------------------------------------------------------------------------
// Cases.

pub async fn pca_ca_round_trips_every_field(store: &dyn Store) {
    let mut ca = pca_ca(1, 1, "us-east-1");
    store.create_ca(&ca).await.unwrap();
    assert_eq!(read(store, &ca.arn).await, Some(ca.clone()));

    let before = ca.revision;
    ca.revision += 1;
    ca.status = "ACTIVE".to_owned();
    ca.certificate_der = Some(vec![1, 2, 3, 0]);
    ca.chain_pem = Some("-----BEGIN CERTIFICATE-----\n…\n".to_owned());
    ca.crl_der = Some(vec![0x30, 0x82, 0, 0]);
    ca.document = "{}".to_owned();
    store.update_ca(&ca, before).await.unwrap();
    assert_eq!(read(store, &ca.arn).await, Some(ca.clone()));
    assert_eq!(
        read(
            store,
            "arn:aws:acm-pca:us-east-1:000000000001:certificate-authority/none"
        )
        .await,
        None
    );

    let id = ca.arn.rsplit('/').next().unwrap();
    assert_eq!(store.ca_by_id(id).await.unwrap(), Some(ca.clone()));
    assert_eq!(
        store
            .ca_by_id("00000000-0000-4000-8000-000000000000")
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.ca_by_id("%").await.unwrap(), None);
    assert_eq!(store.ca_by_id(&id[1..]).await.unwrap(), None);
}

pub async fn pca_duplicate_ca_changes_nothing(store: &dyn Store) {
    let ca = pca_ca(1, 1, "us-east-1");
    store.create_ca(&ca).await.unwrap();
    let mut other = ca.clone();
    other.document = "other".to_owned();
    assert!(matches!(
        store.create_ca(&other).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(read(store, &ca.arn).await, Some(ca));
}

pub async fn pca_update_is_compare_and_set(store: &dyn Store) {
    let ca = pca_ca(1, 1, "us-east-1");
    store.create_ca(&ca).await.unwrap();
    let mut stale = ca.clone();
    stale.revision = 3;
    stale.status = "DISABLED".to_owned();
    assert!(matches!(
        store.update_ca(&stale, 2).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(read(store, &ca.arn).await, Some(ca.clone()));
    let missing = pca_ca(2, 1, "us-east-1");
    assert!(matches!(
        store.update_ca(&missing, 1).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.delete_ca(&ca.arn, 7).await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        store.delete_ca(&missing.arn, 1).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(read(store, &ca.arn).await, Some(ca));
}

pub async fn pca_concurrent_updates_have_one_winner(store: &dyn Store) {
    let ca = pca_ca(1, 1, "us-east-1");
    store.create_ca(&ca).await.unwrap();
    let futures: Vec<BoxFuture<'_, Result<(), StoreError>>> = (0..4)
        .map(|i| {
            let mut next = ca.clone();
            next.revision = 2;
            next.document = format!("writer {i}");
            boxed(async move { store.update_ca(&next, 1).await })
        })
        .collect();
    let outcomes = join_all(futures).await;
    let wins = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(wins, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|o| o.is_ok() || matches!(o, Err(StoreError::Conflict))),
        "{outcomes:?}"
    );
    assert_eq!(read(store, &ca.arn).await.unwrap().revision, 2);
}

pub async fn pca_cas_list_in_pages_per_account_and_region(store: &dyn Store) {
    for n in [3, 1, 2] {
        store.create_ca(&pca_ca(n, 1, "us-east-1")).await.unwrap();
    }
    store.create_ca(&pca_ca(4, 2, "us-east-1")).await.unwrap();
    store.create_ca(&pca_ca(5, 1, "eu-west-1")).await.unwrap();
    let account = account_id(1);
    let region = region("us-east-1");
    let first = store.list_cas(&account, &region, None, 2).await.unwrap();
    let arns: Vec<&str> = first.iter().map(|c| c.arn.as_str()).collect();
    assert_eq!(
        arns,
        [pca_ca(1, 1, "us-east-1").arn, pca_ca(2, 1, "us-east-1").arn]
    );
    let rest = store
        .list_cas(&account, &region, Some(&first[1].arn), 2)
        .await
        .unwrap();
    assert_eq!(rest, [pca_ca(3, 1, "us-east-1")]);
}

pub async fn pca_certificates_round_trip_and_are_unique(store: &dyn Store) {
    let ca = pca_ca(1, 1, "us-east-1");
    store.create_ca(&ca).await.unwrap();
    let certificate = pca_certificate(&ca, "7f01");
    store.add_certificate(&certificate).await.unwrap();
    assert_eq!(
        store.certificate(&ca.arn, "7f01").await.unwrap(),
        Some(certificate.clone())
    );
    assert_eq!(store.certificate(&ca.arn, "7f02").await.unwrap(), None);
    let mut again = certificate.clone();
    again.certificate_der = vec![9];
    assert!(matches!(
        store.add_certificate(&again).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(
        store.certificate(&ca.arn, "7f01").await.unwrap(),
        Some(certificate)
    );
    let orphan = pca_certificate(&pca_ca(9, 1, "us-east-1"), "01");
    assert!(matches!(
        store.add_certificate(&orphan).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn pca_idempotency_tokens_are_unique_per_ca(store: &dyn Store) {
    let ca = pca_ca(1, 1, "us-east-1");
    let other_ca = pca_ca(2, 1, "us-east-1");
    store.create_ca(&ca).await.unwrap();
    store.create_ca(&other_ca).await.unwrap();
    let mut first = pca_certificate(&ca, "01");
    first.idempotency_token = Some("token".to_owned());
    store.add_certificate(&first).await.unwrap();
    let mut second = pca_certificate(&ca, "02");
    second.idempotency_token = Some("token".to_owned());
    assert!(matches!(
        store.add_certificate(&second).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(store.certificate(&ca.arn, "02").await.unwrap(), None);
    let mut elsewhere = pca_certificate(&other_ca, "02");
    elsewhere.idempotency_token = Some("token".to_owned());
    store.add_certificate(&elsewhere).await.unwrap();
    assert_eq!(
        store.certificate_by_token(&ca.arn, "token").await.unwrap(),
        Some(first)
    );
    assert_eq!(store.certificate_by_token(&ca.arn, "other").await.unwrap(), None);
    // Certificates without a token never collide.
    store.add_certificate(&pca_certificate(&ca, "03")).await.unwrap();
    store.add_certificate(&pca_certificate(&ca, "04")).await.unwrap();
}

pub async fn pca_revocation_is_atomic_with_the_ca_record(store: &dyn Store) {
    let ca = pca_ca(1, 1, "us-east-1");
    store.create_ca(&ca).await.unwrap();
    for serial in ["0a", "0b", "0c"] {
        store
            .add_certificate(&pca_certificate(&ca, serial))
            .await
            .unwrap();
    }
    let mut next = ca.clone();
    next.revision = 2;
    next.crl_der = Some(vec![1]);
    store
        .revoke_certificate(&next, 1, "0b", ts(1_700_000_400_000), "KEY_COMPROMISE")
        .await
        .unwrap();
    assert_eq!(read(store, &ca.arn).await, Some(next.clone()));
    let revoked = store.revoked_certificates(&ca.arn).await.unwrap();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].serial, "0b");
    assert_eq!(revoked[0].revoked_at, Some(ts(1_700_000_400_000)));
    assert_eq!(revoked[0].revocation_reason.as_deref(), Some("KEY_COMPROMISE"));

    // Each failure changes neither the CA nor the certificates.
    let mut later = next.clone();
    later.revision = 3;
    later.crl_der = Some(vec![2]);
    let cases = [
        (2, "0b", "already revoked"),
        (2, "ff", "unknown serial"),
        (1, "0c", "stale revision"),
    ];
    for (expected, serial, why) in cases {
        let outcome = store
            .revoke_certificate(&later, expected, serial, ts(1_700_000_500_000), "SUPERSEDED")
            .await;
        match why {
            "already revoked" => assert!(
                matches!(outcome, Err(StoreError::AlreadyExists)),
                "{why}: {outcome:?}"
            ),
            "unknown serial" => assert!(matches!(outcome, Err(StoreError::NotFound)), "{why}: {outcome:?}"),
            _ => assert!(matches!(outcome, Err(StoreError::Conflict)), "{why}: {outcome:?}"),
        }
        assert_eq!(read(store, &ca.arn).await, Some(next.clone()), "{why}");
    }
    let revoked = store.revoked_certificates(&ca.arn).await.unwrap();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].revocation_reason.as_deref(), Some("KEY_COMPROMISE"));
    store
        .revoke_certificate(&later, 2, "0a", ts(1_700_000_600_000), "SUPERSEDED")
        .await
        .unwrap();
    let serials: Vec<String> = store
        .revoked_certificates(&ca.arn)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.serial)
        .collect();
    assert_eq!(serials, ["0a", "0b"]);
}

pub async fn pca_delete_removes_certificates(store: &dyn Store) {
    let ca = pca_ca(1, 1, "us-east-1");
    store.create_ca(&ca).await.unwrap();
    store.add_certificate(&pca_certificate(&ca, "01")).await.unwrap();
    store.delete_ca(&ca.arn, 1).await.unwrap();
    assert_eq!(read(store, &ca.arn).await, None);
    assert_eq!(store.certificate(&ca.arn, "01").await.unwrap(), None);
    // The ARN can be used again, with no certificate left behind.
    store.create_ca(&ca).await.unwrap();
    store.add_certificate(&pca_certificate(&ca, "01")).await.unwrap();
}
