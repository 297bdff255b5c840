//! Service-level tests of the Roles Anywhere control plane on an in-memory SQLite store: regional
//! resources, compare-and-set changes, notification settings, attribute mappings, CRLs, tags, pages and
//! authorization of IAM users.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::sync::Arc;

use strongroom_crypto::RootKey;
use strongroom_policy::{Policy, PolicyKind};
use strongroom_store_sqlite::SqliteStore;
use strongroom_types::{AccessKeyId, Clock, ManualClock, OffsetDateTime};

use super::*;
use crate::pca::Pca;
use crate::{Keyring, Principal};

const ACCOUNT: &str = "123456789012";
/// A real CA certificate (tests/fixtures/README.md): bundles are parsed when stored.
const PEM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/ca.pem"
));
const CRL_PEM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/crl.pem"
));

struct Env {
    ra: RolesAnywhere,
    pca: Pca,
    authz: Authorizer,
    root: Caller,
    clock: Arc<ManualClock>,
}

fn caller_in(region: &str, principal: Principal, policies: Vec<Policy>) -> Caller {
    Caller::new(
        ACCOUNT.parse().unwrap(),
        principal,
        "AKIAIOSFODNN7EXAMPLE".parse::<AccessKeyId>().unwrap(),
        region.parse().unwrap(),
        None,
        crate::caller::Identity {
            policies: Arc::new(policies),
            ..crate::caller::Identity::default()
        },
    )
}

async fn env() -> Env {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::memory().await.unwrap());
    let clock = Arc::new(ManualClock::new(
        OffsetDateTime::from_unix_timestamp(1_750_000_000).unwrap(),
    ));
    let keyring = Keyring::load(store.as_ref(), RootKey::generate(), clock.now())
        .await
        .unwrap();
    crate::bootstrap::bootstrap_account(store.as_ref(), &keyring, &ACCOUNT.parse().unwrap(), clock.now())
        .await
        .unwrap();
    Env {
        pca: Pca::new(
            Arc::clone(&store),
            Arc::new(keyring),
            Arc::clone(&clock) as Arc<dyn Clock>,
        ),
        ra: RolesAnywhere::new(store, Arc::clone(&clock) as Arc<dyn Clock>),
        authz: Authorizer::new(Arc::new(strongroom_types::SystemClock)),
        root: caller_in("us-east-1", Principal::Root, Vec::new()),
        clock,
    }
}

fn bundle_anchor(name: &str) -> NewTrustAnchor {
    NewTrustAnchor {
        name: name.to_owned(),
        source: RaSource::CertificateBundle { pem: PEM.to_owned() },
        enabled: true,
        tags: Vec::new(),
        notification_settings: Vec::new(),
    }
}

fn profile(name: &str) -> NewProfile {
    NewProfile {
        name: name.to_owned(),
        role_arns: vec![format!("arn:aws:iam::{ACCOUNT}:role/workload")],
        managed_policy_arns: Vec::new(),
        session_policy: None,
        duration_seconds: None,
        require_instance_properties: false,
        accept_role_session_name: false,
        enabled: true,
        tags: Vec::new(),
    }
}

fn tag(key: &str, value: &str) -> Tag {
    Tag {
        key: key.to_owned(),
        value: value.to_owned(),
    }
}

#[tokio::test]
async fn trust_anchor_lifecycle_is_regional() {
    let e = env().await;
    let anchor =
        e.ra.create_trust_anchor(&e.authz, &e.root, &e.pca, bundle_anchor("edge"))
            .await
            .unwrap();
    assert_eq!(
        anchor.arn,
        format!(
            "arn:aws:rolesanywhere:us-east-1:{ACCOUNT}:trust-anchor/{}",
            anchor.trust_anchor_id
        )
    );
    assert_eq!(anchor.notification_settings, default_notification_settings());
    let id = anchor.trust_anchor_id.clone();
    e.clock.advance(time::Duration::seconds(5));
    let disabled =
        e.ra.set_trust_anchor_enabled(&e.authz, &e.root, &id, false)
            .await
            .unwrap();
    assert!(!disabled.enabled);
    assert_eq!(disabled.revision, 2);
    assert!(disabled.updated_at > anchor.updated_at);
    assert_eq!(disabled.created_at, anchor.created_at);
    // Another region does not see it.
    let west = caller_in("eu-west-1", Principal::Root, Vec::new());
    assert!(matches!(
        e.ra.get_trust_anchor(&e.authz, &west, &id).await,
        Err(RolesAnywhereError::NotFound { .. })
    ));
    assert!(
        e.ra.list_trust_anchors(&e.authz, &west, None, None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let updated =
        e.ra.update_trust_anchor(
            &e.authz,
            &e.root,
            &e.pca,
            &id,
            TrustAnchorUpdate {
                name: Some("renamed".to_owned()),
                source: None,
            },
        )
        .await
        .unwrap();
    assert_eq!((updated.name.as_str(), updated.enabled), ("renamed", false));
    let deleted = e.ra.delete_trust_anchor(&e.authz, &e.root, &id).await.unwrap();
    assert_eq!(deleted.trust_anchor_id, id);
    assert!(matches!(
        e.ra.delete_trust_anchor(&e.authz, &e.root, &id).await,
        Err(RolesAnywhereError::NotFound { .. })
    ));
}

#[tokio::test]
async fn bad_sources_change_nothing() {
    let e = env().await;
    let cases = [
        RaSource::CertificateBundle {
            pem: "not pem".to_owned(),
        },
        RaSource::AcmPca {
            ca_arn: "arn:aws:s3:::bucket".to_owned(),
        },
        // A CA that does not exist, and one of another account: neither could anchor a path.
        RaSource::AcmPca {
            ca_arn: format!(
                "arn:aws:acm-pca:us-east-1:{ACCOUNT}:certificate-authority/00000000-0000-4000-8000-000000000000"
            ),
        },
        RaSource::AcmPca {
            ca_arn: "arn:aws:acm-pca:us-east-1:210987654321:certificate-authority/00000000-0000-4000-8000-000000000000"
                .to_owned(),
        },
        RaSource::SelfSignedRepository,
    ];
    for source in cases {
        let mut input = bundle_anchor("x");
        input.source = source.clone();
        assert!(
            matches!(
                e.ra.create_trust_anchor(&e.authz, &e.root, &e.pca, input).await,
                Err(RolesAnywhereError::Validation { .. })
            ),
            "{source:?}"
        );
    }
    assert!(
        e.ra.list_trust_anchors(&e.authz, &e.root, None, None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn notification_settings_put_and_reset() {
    let e = env().await;
    let anchor =
        e.ra.create_trust_anchor(&e.authz, &e.root, &e.pca, bundle_anchor("edge"))
            .await
            .unwrap();
    let id = anchor.trust_anchor_id.clone();
    let put =
        e.ra.put_notification_settings(
            &e.authz,
            &e.root,
            &id,
            vec![NotificationInput {
                enabled: false,
                event: "END_ENTITY_CERTIFICATE_EXPIRY".to_owned(),
                threshold: Some(10),
                channel: None,
            }],
        )
        .await
        .unwrap();
    let end_entity = put
        .notification_settings
        .iter()
        .find(|s| s.event == "END_ENTITY_CERTIFICATE_EXPIRY")
        .unwrap();
    assert_eq!((end_entity.enabled, end_entity.threshold), (false, 10));
    assert_eq!(end_entity.configured_by, format!("arn:aws:iam::{ACCOUNT}:root"));
    assert_eq!(put.notification_settings.len(), 2);
    let reset =
        e.ra.reset_notification_settings(
            &e.authz,
            &e.root,
            &id,
            vec![("END_ENTITY_CERTIFICATE_EXPIRY".to_owned(), None)],
        )
        .await
        .unwrap();
    assert_eq!(reset.notification_settings, default_notification_settings());
}

#[tokio::test]
async fn profiles_with_defaults_mappings_and_checks() {
    let e = env().await;
    let created =
        e.ra.create_profile(&e.authz, &e.root, profile("p"))
            .await
            .unwrap();
    assert_eq!(created.duration_seconds, DEFAULT_PROFILE_DURATION_SECONDS);
    assert_eq!(created.attribute_mappings, mapping::default_mappings());
    assert_eq!(created.created_by, format!("arn:aws:iam::{ACCOUNT}:root"));
    let id = created.profile_id.clone();
    let mapped =
        e.ra.put_attribute_mapping(&e.authz, &e.root, &id, "x509Subject", vec!["CN".to_owned()])
            .await
            .unwrap();
    assert_eq!(mapped.attribute_mappings[0].specifiers, vec!["CN".to_owned()]);
    let deleted =
        e.ra.delete_attribute_mapping(&e.authz, &e.root, &id, "x509SAN", Vec::new())
            .await
            .unwrap();
    assert_eq!(deleted.attribute_mappings.len(), 2);
    let updated = e
        .ra
        .update_profile(
            &e.authz,
            &e.root,
            &id,
            ProfileUpdate {
                duration_seconds: Some(900),
                accept_role_session_name: Some(true),
                session_policy: Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#.to_owned()),
                ..ProfileUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (updated.duration_seconds, updated.accept_role_session_name),
        (900, true)
    );
    assert!(updated.session_policy.is_some());
    // A role of another account, or a malformed session policy, is refused and changes nothing.
    let mut foreign = profile("f");
    foreign.role_arns = vec!["arn:aws:iam::999999999999:role/x".to_owned()];
    assert!(matches!(
        e.ra.create_profile(&e.authz, &e.root, foreign).await,
        Err(RolesAnywhereError::Validation { .. })
    ));
    let bad_policy = ProfileUpdate {
        session_policy: Some("{".to_owned()),
        ..ProfileUpdate::default()
    };
    assert!(matches!(
        e.ra.update_profile(&e.authz, &e.root, &id, bad_policy).await,
        Err(RolesAnywhereError::Validation { .. })
    ));
    assert_eq!(e.ra.get_profile(&e.authz, &e.root, &id).await.unwrap(), updated);
    let disabled =
        e.ra.set_profile_enabled(&e.authz, &e.root, &id, false)
            .await
            .unwrap();
    assert!(!disabled.enabled);
}

#[tokio::test]
async fn crls_need_an_anchor_of_the_account_and_region() {
    let e = env().await;
    let anchor =
        e.ra.create_trust_anchor(&e.authz, &e.root, &e.pca, bundle_anchor("edge"))
            .await
            .unwrap();
    let crl = NewCrl {
        name: "revoked".to_owned(),
        data: CRL_PEM.as_bytes().to_vec(),
        trust_anchor_arn: anchor.arn.clone(),
        enabled: true,
        tags: Vec::new(),
    };
    let imported = e.ra.import_crl(&e.authz, &e.root, crl.clone()).await.unwrap();
    assert_eq!(imported.trust_anchor_arn, anchor.arn);
    let mut unknown = crl.clone();
    unknown.trust_anchor_arn = anchor
        .arn
        .replace(&anchor.trust_anchor_id, "00000000-0000-4000-8000-000000000000");
    assert!(matches!(
        e.ra.import_crl(&e.authz, &e.root, unknown).await,
        Err(RolesAnywhereError::NotFound { .. })
    ));
    let mut other_region = crl;
    other_region.trust_anchor_arn = anchor.arn.replace("us-east-1", "eu-west-1");
    assert!(matches!(
        e.ra.import_crl(&e.authz, &e.root, other_region).await,
        Err(RolesAnywhereError::NotFound { .. })
    ));
    let disabled =
        e.ra.set_crl_enabled(&e.authz, &e.root, &imported.crl_id, false)
            .await
            .unwrap();
    assert!(!disabled.enabled);
    let renamed =
        e.ra.update_crl(
            &e.authz,
            &e.root,
            &imported.crl_id,
            CrlUpdate {
                name: Some("r2".to_owned()),
                data: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.name, "r2");
    assert_eq!(
        e.ra.list_crls(&e.authz, &e.root, None, None)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    e.ra.delete_crl(&e.authz, &e.root, &imported.crl_id)
        .await
        .unwrap();
    assert!(
        e.ra.list_crls(&e.authz, &e.root, None, None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn tags_merge_remove_and_are_capped() {
    let e = env().await;
    let created =
        e.ra.create_profile(&e.authz, &e.root, profile("p"))
            .await
            .unwrap();
    let arn = created.arn.clone();
    e.ra.tag_resource(&e.authz, &e.root, &arn, vec![tag("a", "1"), tag("b", "2")])
        .await
        .unwrap();
    e.ra.tag_resource(&e.authz, &e.root, &arn, vec![tag("a", "3")])
        .await
        .unwrap();
    assert_eq!(
        e.ra.list_tags_for_resource(&e.authz, &e.root, &arn)
            .await
            .unwrap(),
        vec![tag("a", "3"), tag("b", "2")]
    );
    e.ra.untag_resource(&e.authz, &e.root, &arn, vec!["a".to_owned(), "zz".to_owned()])
        .await
        .unwrap();
    assert_eq!(
        e.ra.list_tags_for_resource(&e.authz, &e.root, &arn)
            .await
            .unwrap(),
        vec![tag("b", "2")]
    );
    let many: Vec<Tag> = (0..200).map(|i| tag(&format!("k{i}"), "v")).collect();
    assert!(matches!(
        e.ra.tag_resource(&e.authz, &e.root, &arn, many).await,
        Err(RolesAnywhereError::TooManyTags { .. })
    ));
    assert_eq!(
        e.ra.list_tags_for_resource(&e.authz, &e.root, &arn)
            .await
            .unwrap()
            .len(),
        1
    );
    for bad in [
        "arn:aws:iam::123456789012:role/x",
        &arn.replace("us-east-1", "eu-west-1"),
    ] {
        assert!(matches!(
            e.ra.list_tags_for_resource(&e.authz, &e.root, bad).await,
            Err(RolesAnywhereError::NotFound { .. })
        ));
    }
    assert!(matches!(
        e.ra.tag_resource(&e.authz, &e.root, &arn, vec![tag("aws:x", "v")])
            .await,
        Err(RolesAnywhereError::Validation { .. })
    ));
}

#[tokio::test]
async fn lists_page_with_tokens() {
    let e = env().await;
    for i in 0..5 {
        e.ra.create_profile(&e.authz, &e.root, profile(&format!("p{i}")))
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page =
            e.ra.list_profiles(&e.authz, &e.root, token.as_deref(), Some(2))
                .await
                .unwrap();
        assert!(page.items.len() <= 2);
        seen.extend(page.items.into_iter().map(|p| p.name));
        match page.next_token {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    seen.sort();
    assert_eq!(seen, vec!["p0", "p1", "p2", "p3", "p4"]);
    assert!(matches!(
        e.ra.list_profiles(&e.authz, &e.root, Some("garbage"), None).await,
        Err(RolesAnywhereError::Validation { .. })
    ));
    assert!(matches!(
        e.ra.list_profiles(&e.authz, &e.root, None, Some(0)).await,
        Err(RolesAnywhereError::Validation { .. })
    ));
}

#[tokio::test]
async fn iam_users_need_the_action_on_the_resource() {
    let e = env().await;
    let anchor =
        e.ra.create_trust_anchor(&e.authz, &e.root, &e.pca, bundle_anchor("edge"))
            .await
            .unwrap();
    let policy = Policy::parse(
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"rolesanywhere:GetTrustAnchor","Resource":"{}"}}]}}"#,
            anchor.arn
        ),
        PolicyKind::Identity,
    )
    .unwrap();
    let alice = caller_in(
        "us-east-1",
        Principal::User {
            name: "alice".to_owned(),
            user_id: "AIDAEXAMPLE".to_owned(),
        },
        vec![policy],
    );
    assert!(
        e.ra.get_trust_anchor(&e.authz, &alice, &anchor.trust_anchor_id)
            .await
            .is_ok()
    );
    assert!(is_denied(
        e.ra.set_trust_anchor_enabled(&e.authz, &alice, &anchor.trust_anchor_id, false)
            .await
    ));
    assert!(is_denied(
        e.ra.list_trust_anchors(&e.authz, &alice, None, None)
            .await
            .map(drop)
    ));
    // Denied before anything is read: an unknown id is denied too, not "not found".
    assert!(is_denied(
        e.ra.get_profile(&e.authz, &alice, "00000000-0000-4000-8000-000000000000")
            .await
            .map(drop)
    ));
    assert!(
        e.ra.get_trust_anchor(&e.authz, &e.root, &anchor.trust_anchor_id)
            .await
            .unwrap()
            .enabled
    );
}

fn is_denied<T>(result: Result<T, RolesAnywhereError>) -> bool {
    matches!(
        result,
        Err(RolesAnywhereError::Service(
            crate::ServiceError::AccessDenied { .. }
        ))
    )
}

#[test]
fn resource_arns_round_trip() {
    let arn = resource_arn(
        &"us-east-1".parse().unwrap(),
        &ACCOUNT.parse().unwrap(),
        RaKind::Crl,
        "0a1b2c3d-0000-4000-8000-000000000001",
    );
    assert_eq!(
        parse_resource_arn(&arn),
        Some((
            "us-east-1",
            ACCOUNT,
            RaKind::Crl,
            "0a1b2c3d-0000-4000-8000-000000000001"
        ))
    );
    for bad in [
        "arn:aws:rolesanywhere:us-east-1:1:widget/x",
        "arn:aws:rolesanywhere:us-east-1:1:crl/",
        "arn:aws:rolesanywhere:us-east-1:1:crl/a/b",
        "arn:aws:iam::1:role/x",
    ] {
        assert_eq!(parse_resource_arn(bad), None, "{bad}");
    }
}
