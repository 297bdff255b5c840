//! Roles Anywhere's control plane through the AWS SDK for Rust (and raw signed requests for the wire
//! snapshots), against a real server.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::fmt::Debug;

use aws_sdk_rolesanywhere::Client;
use aws_sdk_rolesanywhere::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_rolesanywhere::primitives::Blob;
use aws_sdk_rolesanywhere::types::{
    CertificateField, MappingRule, NotificationChannel, NotificationEvent, NotificationSetting,
    NotificationSettingKey, Source, SourceData, Tag, TrustAnchorType,
};
use common::{ACCOUNT, TestServer};

/// A real CA certificate (tests/fixtures/README.md): bundles are parsed when stored.
const PEM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/ca.pem"
));
const CRL_PEM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/crl.pem"
));

fn client(server: &TestServer) -> Client {
    let credentials = aws_sdk_rolesanywhere::config::Credentials::new(
        &server.access_key_id,
        &server.secret_access_key,
        None,
        None,
        "test",
    );
    let config = aws_sdk_rolesanywhere::Config::builder()
        .endpoint_url(&server.endpoint)
        .region(aws_sdk_rolesanywhere::config::Region::new("us-east-1"))
        .credentials_provider(credentials)
        .behavior_version(aws_sdk_rolesanywhere::config::BehaviorVersion::latest())
        .build();
    Client::from_conf(config)
}

/// The error code of a failed call.
#[track_caller]
fn code<T: Debug, E: ProvideErrorMetadata + Debug, R: Debug>(result: Result<T, SdkError<E, R>>) -> String {
    match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(err) => err.code().unwrap_or("<no code>").to_owned(),
    }
}

fn bundle() -> Source {
    Source::builder()
        .source_type(TrustAnchorType::CertificateBundle)
        .source_data(SourceData::X509CertificateData(PEM.to_owned()))
        .build()
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

#[tokio::test]
async fn trust_anchors_through_the_sdk() {
    let server = TestServer::sqlite().await;
    let ra = client(&server);
    let created = ra
        .create_trust_anchor()
        .name("edge fleet")
        .source(bundle())
        .enabled(true)
        .tags(tag("team", "ops"))
        .send()
        .await
        .unwrap();
    let anchor = created.trust_anchor.unwrap();
    let id = anchor.trust_anchor_id.clone().unwrap();
    assert_eq!(
        anchor.trust_anchor_arn.as_deref(),
        Some(format!("arn:aws:rolesanywhere:us-east-1:{ACCOUNT}:trust-anchor/{id}").as_str())
    );
    assert_eq!(anchor.enabled, Some(true));
    assert!(anchor.created_at.is_some());
    assert_eq!(anchor.notification_settings().len(), 2);
    match anchor.source.unwrap().source_data.unwrap() {
        SourceData::X509CertificateData(pem) => assert_eq!(pem, PEM),
        other => panic!("{other:?}"),
    }

    let disabled = ra
        .disable_trust_anchor()
        .trust_anchor_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(disabled.trust_anchor.unwrap().enabled, Some(false));
    let enabled = ra
        .enable_trust_anchor()
        .trust_anchor_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(enabled.trust_anchor.unwrap().enabled, Some(true));
    let updated = ra
        .update_trust_anchor()
        .trust_anchor_id(&id)
        .name("renamed")
        .send()
        .await
        .unwrap();
    assert_eq!(updated.trust_anchor.unwrap().name.as_deref(), Some("renamed"));

    let put = ra
        .put_notification_settings()
        .trust_anchor_id(&id)
        .notification_settings(
            NotificationSetting::builder()
                .enabled(false)
                .event(NotificationEvent::EndEntityCertificateExpiry)
                .threshold(7)
                .channel(NotificationChannel::All)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let anchor_after = put.trust_anchor.unwrap();
    let end_entity = anchor_after
        .notification_settings()
        .iter()
        .find(|s| s.event == NotificationEvent::EndEntityCertificateExpiry)
        .unwrap();
    assert_eq!((end_entity.enabled, end_entity.threshold), (false, Some(7)));
    let reset = ra
        .reset_notification_settings()
        .trust_anchor_id(&id)
        .notification_setting_keys(
            NotificationSettingKey::builder()
                .event(NotificationEvent::EndEntityCertificateExpiry)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert!(
        reset
            .trust_anchor
            .unwrap()
            .notification_settings()
            .iter()
            .all(|s| s.enabled)
    );

    let listed = ra.list_trust_anchors().send().await.unwrap();
    assert_eq!(listed.trust_anchors().len(), 1);
    let got = ra.get_trust_anchor().trust_anchor_id(&id).send().await.unwrap();
    assert_eq!(got.trust_anchor.unwrap().name.as_deref(), Some("renamed"));
    ra.delete_trust_anchor()
        .trust_anchor_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(ra.get_trust_anchor().trust_anchor_id(&id).send().await),
        "ResourceNotFoundException"
    );
    assert_eq!(
        code(ra.get_trust_anchor().trust_anchor_id("not-a-uuid").send().await),
        "ValidationException"
    );
    assert_eq!(
        code(
            ra.create_trust_anchor()
                .name("bad")
                .source(
                    Source::builder()
                        .source_type(TrustAnchorType::CertificateBundle)
                        .source_data(SourceData::X509CertificateData("nope".to_owned()))
                        .build()
                )
                .send()
                .await
        ),
        "ValidationException"
    );
}

#[tokio::test]
async fn profiles_mappings_crls_subjects_and_tags_through_the_sdk() {
    let server = TestServer::sqlite().await;
    let ra = client(&server);
    let role = format!("arn:aws:iam::{ACCOUNT}:role/workload");
    let profile = ra
        .create_profile()
        .name("workloads")
        .role_arns(&role)
        .duration_seconds(1800)
        .accept_role_session_name(true)
        .enabled(true)
        .send()
        .await
        .unwrap()
        .profile
        .unwrap();
    let id = profile.profile_id.clone().unwrap();
    assert_eq!(profile.duration_seconds, Some(1800));
    assert_eq!(profile.role_arns(), std::slice::from_ref(&role));
    assert_eq!(profile.attribute_mappings().len(), 3);
    assert_eq!(
        profile.created_by.as_deref(),
        Some(format!("arn:aws:iam::{ACCOUNT}:root").as_str())
    );

    let mapped = ra
        .put_attribute_mapping()
        .profile_id(&id)
        .certificate_field(CertificateField::X509Subject)
        .mapping_rules(MappingRule::builder().specifier("CN").build().unwrap())
        .send()
        .await
        .unwrap()
        .profile
        .unwrap();
    let subject_rules = mapped
        .attribute_mappings()
        .iter()
        .find(|m| m.certificate_field == Some(CertificateField::X509Subject))
        .unwrap();
    assert_eq!(subject_rules.mapping_rules().len(), 1);
    let deleted = ra
        .delete_attribute_mapping()
        .profile_id(&id)
        .certificate_field(CertificateField::X509San)
        .specifiers("DNS")
        .send()
        .await
        .unwrap()
        .profile
        .unwrap();
    let san = deleted
        .attribute_mappings()
        .iter()
        .find(|m| m.certificate_field == Some(CertificateField::X509San))
        .unwrap();
    assert_eq!(san.mapping_rules().len(), 2);

    let updated = ra
        .update_profile()
        .profile_id(&id)
        .session_policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap()
        .profile
        .unwrap();
    assert!(updated.session_policy.is_some());
    assert_eq!(
        ra.disable_profile()
            .profile_id(&id)
            .send()
            .await
            .unwrap()
            .profile
            .unwrap()
            .enabled,
        Some(false)
    );
    assert_eq!(
        code(
            ra.create_profile()
                .name("p")
                .role_arns(&role)
                .duration_seconds(60)
                .send()
                .await
        ),
        "ValidationException"
    );

    // Tags on the profile.
    let arn = updated.profile_arn.unwrap();
    ra.tag_resource()
        .resource_arn(&arn)
        .tags(tag("a", "1"))
        .tags(tag("b", "2"))
        .send()
        .await
        .unwrap();
    ra.untag_resource()
        .resource_arn(&arn)
        .tag_keys("a")
        .send()
        .await
        .unwrap();
    let tags = ra
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags(), [tag("b", "2")]);
    let too_many: Vec<Tag> = (0..200).map(|i| tag(&format!("k{i}"), "v")).collect();
    assert_eq!(
        code(
            ra.tag_resource()
                .resource_arn(&arn)
                .set_tags(Some(too_many))
                .send()
                .await
        ),
        "TooManyTagsException"
    );

    // A CRL for a trust anchor.
    let anchor = ra
        .create_trust_anchor()
        .name("a")
        .source(bundle())
        .send()
        .await
        .unwrap()
        .trust_anchor
        .unwrap();
    let crl_pem = CRL_PEM.as_bytes().to_vec();
    let crl = ra
        .import_crl()
        .name("revoked")
        .crl_data(Blob::new(crl_pem.clone()))
        .trust_anchor_arn(anchor.trust_anchor_arn.clone().unwrap())
        .enabled(true)
        .send()
        .await
        .unwrap()
        .crl
        .unwrap();
    assert_eq!(crl.crl_data.unwrap().into_inner(), crl_pem);
    let crl_id = crl.crl_id.unwrap();
    assert_eq!(
        ra.disable_crl()
            .crl_id(&crl_id)
            .send()
            .await
            .unwrap()
            .crl
            .unwrap()
            .enabled,
        Some(false)
    );
    assert_eq!(ra.list_crls().send().await.unwrap().crls().len(), 1);
    ra.delete_crl().crl_id(&crl_id).send().await.unwrap();
    assert_eq!(
        code(ra.get_crl().crl_id(&crl_id).send().await),
        "ResourceNotFoundException"
    );

    // No one has authenticated yet.
    assert!(ra.list_subjects().send().await.unwrap().subjects().is_empty());
    assert_eq!(
        code(
            ra.get_subject()
                .subject_id("00000000-0000-4000-8000-000000000000")
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
    ra.delete_profile().profile_id(&id).send().await.unwrap();
    assert!(ra.list_profiles().send().await.unwrap().profiles().is_empty());
}

#[tokio::test]
async fn paginators_walk_every_page() {
    let server = TestServer::sqlite().await;
    let ra = client(&server);
    for i in 0..5 {
        ra.create_trust_anchor()
            .name(format!("a{i}"))
            .source(bundle())
            .send()
            .await
            .unwrap();
    }
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let page = ra
            .list_trust_anchors()
            .page_size(2)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        names.extend(page.trust_anchors().iter().filter_map(|a| a.name.clone()));
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    names.sort();
    assert_eq!(names, ["a0", "a1", "a2", "a3", "a4"]);
}

#[tokio::test]
async fn wire_shapes_of_the_control_plane() {
    let server = TestServer::sqlite().await;
    let mut request = server.request("rolesanywhere");
    request.method = "POST".into();
    request.path = "/profiles".into();
    request
        .headers
        .push(("content-type".into(), "application/json".into()));
    request.body = br#"{"name":"p","roleArns":[]}"#.to_vec();
    let created = request.send().await;
    assert_eq!(created.status, 201, "{}", created.body);
    let body: serde_json::Value = serde_json::from_str(&created.body).unwrap();
    let profile = &body["profile"];
    assert!(profile["createdAt"].as_str().unwrap().ends_with('Z'));
    let mut shape = profile.clone();
    for field in ["profileId", "profileArn", "createdAt", "updatedAt"] {
        shape[field] = serde_json::Value::String(format!("[{field}]"));
    }
    insta::assert_json_snapshot!(shape);

    // An unknown route, a bad id and malformed JSON.
    request.path = "/nope".into();
    let unknown = request.send().await;
    assert_eq!(unknown.status, 404);
    request.method = "GET".into();
    request.path = "/profile/xyz".into();
    request.body = Vec::new();
    let bad_id = request.send().await;
    assert_eq!(
        (bad_id.status, bad_id.header("x-amzn-errortype")),
        (400, Some("ValidationException"))
    );
    insta::assert_snapshot!(bad_id.body);
    request.method = "POST".into();
    request.path = "/profiles".into();
    request.body = b"{".to_vec();
    let malformed = request.send().await;
    assert_eq!(
        malformed.header("x-amzn-errortype"),
        Some("SerializationException")
    );
}
