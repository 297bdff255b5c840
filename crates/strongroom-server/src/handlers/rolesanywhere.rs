//! Roles Anywhere's control plane over restJson1: route and parse the request, call the service, render
//! the reply. (`CreateSession` is not SigV4-signed and comes in through `dispatch`, see
//! [`create_session`].)

use strongroom_api::rest_json::render;
use strongroom_api::rolesanywhere::{
    self as wire, AttributeMapping, CredentialSummary, CrlDetail, CrlResponse, Empty, InstanceProperty,
    IsoTimestamp, ListCrlsResponse, ListProfilesResponse, ListSubjectsResponse, ListTagsForResourceResponse,
    ListTrustAnchorsResponse, MappingRule, NotificationSettingDetail, Operation, ProfileDetail,
    ProfileResponse, Source, SourceData, SubjectDetail, SubjectResponse, SubjectSummary, TrustAnchorDetail,
    TrustAnchorResponse,
};
use strongroom_api::{Timestamp, WireResponse};
use strongroom_service::rolesanywhere::Tag;
use strongroom_service::rolesanywhere::{
    CrlUpdate, NewCrl, NewProfile, NewTrustAnchor, NotificationInput, ProfileUpdate, RolesAnywhereError,
    TrustAnchorUpdate,
};
use strongroom_service::{Caller, Services};
use strongroom_store::rolesanywhere::{
    RaCrlRecord, RaProfileRecord, RaSource, RaSubjectRecord, RaTrustAnchorRecord,
};
use strongroom_types::OffsetDateTime;

use crate::errors;
use crate::http::dispatch::{Call, HandlerResult, Reply};

pub(crate) fn iso(at: OffsetDateTime) -> IsoTimestamp {
    IsoTimestamp(Timestamp::from_unix_millis(
        i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX),
    ))
}

fn tags_in(tags: Option<Vec<wire::Tag>>) -> Vec<Tag> {
    tags.unwrap_or_default()
        .into_iter()
        .map(|t| Tag {
            key: t.key,
            value: t.value,
        })
        .collect()
}

fn source_in(source: Source) -> Result<RaSource, RolesAnywhereError> {
    let data = source.source_data.unwrap_or(SourceData {
        x509_certificate_data: None,
        acm_pca_arn: None,
    });
    let missing = |member: &str| RolesAnywhereError::Validation {
        message: format!("source.sourceData.{member} is required for this source type"),
    };
    match source.source_type.as_deref() {
        Some("CERTIFICATE_BUNDLE") => Ok(RaSource::CertificateBundle {
            pem: data
                .x509_certificate_data
                .ok_or_else(|| missing("x509CertificateData"))?,
        }),
        Some("AWS_ACM_PCA") => Ok(RaSource::AcmPca {
            ca_arn: data.acm_pca_arn.ok_or_else(|| missing("acmPcaArn"))?,
        }),
        Some("SELF_SIGNED_REPOSITORY") => Ok(RaSource::SelfSignedRepository),
        _ => Err(RolesAnywhereError::Validation {
            message: "source.sourceType is required".to_owned(),
        }),
    }
}

fn source_out(source: &RaSource) -> Source {
    let data = match source {
        RaSource::CertificateBundle { pem } => Some(SourceData {
            x509_certificate_data: Some(pem.clone()),
            acm_pca_arn: None,
        }),
        RaSource::AcmPca { ca_arn } => Some(SourceData {
            x509_certificate_data: None,
            acm_pca_arn: Some(ca_arn.clone()),
        }),
        RaSource::SelfSignedRepository => None,
    };
    Source {
        source_type: Some(source.type_name().to_owned()),
        source_data: data,
    }
}

fn notifications_in(settings: Vec<wire::NotificationSetting>) -> Vec<NotificationInput> {
    settings
        .into_iter()
        .map(|s| NotificationInput {
            enabled: s.enabled,
            event: s.event,
            threshold: s.threshold.and_then(|t| u32::try_from(t).ok()),
            channel: s.channel,
        })
        .collect()
}

pub(crate) fn trust_anchor(record: &RaTrustAnchorRecord) -> TrustAnchorDetail {
    TrustAnchorDetail {
        trust_anchor_id: record.trust_anchor_id.clone(),
        trust_anchor_arn: record.arn.clone(),
        name: record.name.clone(),
        source: source_out(&record.source),
        enabled: record.enabled,
        created_at: iso(record.created_at),
        updated_at: iso(record.updated_at),
        notification_settings: record
            .notification_settings
            .iter()
            .map(|n| NotificationSettingDetail {
                enabled: n.enabled,
                event: n.event.clone(),
                threshold: n.threshold,
                channel: n.channel.clone(),
                configured_by: n.configured_by.clone(),
            })
            .collect(),
    }
}

pub(crate) fn profile(record: &RaProfileRecord) -> ProfileDetail {
    ProfileDetail {
        profile_id: record.profile_id.clone(),
        profile_arn: record.arn.clone(),
        name: record.name.clone(),
        require_instance_properties: record.require_instance_properties,
        enabled: record.enabled,
        created_by: record.created_by.clone(),
        session_policy: record.session_policy.clone(),
        role_arns: record.role_arns.clone(),
        managed_policy_arns: record.managed_policy_arns.clone(),
        created_at: iso(record.created_at),
        updated_at: iso(record.updated_at),
        duration_seconds: record.duration_seconds,
        accept_role_session_name: record.accept_role_session_name,
        attribute_mappings: record
            .attribute_mappings
            .iter()
            .map(|m| AttributeMapping {
                certificate_field: m.certificate_field.clone(),
                mapping_rules: m
                    .specifiers
                    .iter()
                    .map(|s| MappingRule { specifier: s.clone() })
                    .collect(),
            })
            .collect(),
    }
}

fn crl(record: &RaCrlRecord) -> CrlDetail {
    CrlDetail {
        crl_id: record.crl_id.clone(),
        crl_arn: record.arn.clone(),
        name: record.name.clone(),
        enabled: record.enabled,
        crl_data: wire::Blob::new(record.crl_data.clone()),
        trust_anchor_arn: record.trust_anchor_arn.clone(),
        created_at: iso(record.created_at),
        updated_at: iso(record.updated_at),
    }
}

fn subject_summary(record: &RaSubjectRecord) -> SubjectSummary {
    SubjectSummary {
        subject_arn: record.arn.clone(),
        subject_id: record.subject_id.clone(),
        enabled: record.enabled,
        x509_subject: record.x509_subject.clone(),
        last_seen_at: iso(record.last_seen_at),
        created_at: iso(record.created_at),
        updated_at: iso(record.updated_at),
    }
}

fn subject(record: &RaSubjectRecord) -> SubjectDetail {
    SubjectDetail {
        subject_arn: record.arn.clone(),
        subject_id: record.subject_id.clone(),
        enabled: record.enabled,
        x509_subject: record.x509_subject.clone(),
        last_seen_at: iso(record.last_seen_at),
        created_at: iso(record.created_at),
        updated_at: iso(record.updated_at),
        credentials: record
            .credentials
            .iter()
            .map(|c| CredentialSummary {
                seen_at: iso(c.seen_at),
                serial_number: c.serial_number.clone(),
                issuer: c.issuer.clone(),
                enabled: c.enabled,
                x509_certificate_data: c.certificate_pem.clone(),
                failed: c.failed,
            })
            .collect(),
        instance_properties: record
            .instance_properties
            .iter()
            .map(|p| InstanceProperty {
                seen_at: iso(p.seen_at),
                properties: p.properties.iter().cloned().collect(),
                failed: p.failed,
            })
            .collect(),
    }
}

fn reply(response: WireResponse, resource: Option<String>, read_only: bool) -> HandlerResult {
    Ok(Reply {
        response,
        resource,
        read_only,
    })
}

pub async fn handle(services: &Services, caller: &Caller, call: &Call<'_>) -> HandlerResult {
    let Some(parsed) = Operation::parse(call.method, call.path, call.query, call.body) else {
        return Err(call.unknown_operation());
    };
    let operation = parsed?;
    let (ra, authz) = (&services.rolesanywhere, &services.authz);
    let fail = |err: RolesAnywhereError| errors::rolesanywhere_error(&err, call.spec);
    let anchor_reply = |status: u16, record: RaTrustAnchorRecord, read_only: bool| {
        let response = render(
            status,
            &TrustAnchorResponse {
                trust_anchor: trust_anchor(&record),
            },
        );
        reply(response, Some(record.arn), read_only)
    };
    let profile_reply = |status: u16, record: RaProfileRecord, read_only: bool| {
        let response = render(
            status,
            &ProfileResponse {
                profile: profile(&record),
            },
        );
        reply(response, Some(record.arn), read_only)
    };
    let crl_reply = |status: u16, record: RaCrlRecord, read_only: bool| {
        let response = render(status, &CrlResponse { crl: crl(&record) });
        reply(response, Some(record.arn), read_only)
    };
    match operation {
        Operation::CreateTrustAnchor(r) => {
            let input = NewTrustAnchor {
                name: r.name,
                source: source_in(r.source).map_err(fail)?,
                enabled: r.enabled.unwrap_or(false),
                tags: tags_in(r.tags),
                notification_settings: notifications_in(r.notification_settings.unwrap_or_default()),
            };
            let record = ra
                .create_trust_anchor(authz, caller, &services.pca, input)
                .await
                .map_err(fail)?;
            anchor_reply(201, record, false)
        }
        Operation::GetTrustAnchor(id) => anchor_reply(
            200,
            ra.get_trust_anchor(authz, caller, &id).await.map_err(fail)?,
            true,
        ),
        Operation::ListTrustAnchors(r) => {
            let page = ra
                .list_trust_anchors(authz, caller, r.next_token.as_deref(), r.page_size)
                .await
                .map_err(fail)?;
            let response = render(
                200,
                &ListTrustAnchorsResponse {
                    trust_anchors: page.items.iter().map(trust_anchor).collect(),
                    next_token: page.next_token,
                },
            );
            reply(response, None, true)
        }
        Operation::UpdateTrustAnchor(r) => {
            let update = TrustAnchorUpdate {
                name: r.name,
                source: r.source.map(source_in).transpose().map_err(fail)?,
            };
            let record = ra
                .update_trust_anchor(authz, caller, &services.pca, &r.trust_anchor_id, update)
                .await
                .map_err(fail)?;
            anchor_reply(200, record, false)
        }
        Operation::EnableTrustAnchor(id) | Operation::DisableTrustAnchor(id) => {
            let enable = call.path.ends_with("/enable");
            let record = ra
                .set_trust_anchor_enabled(authz, caller, &id, enable)
                .await
                .map_err(fail)?;
            anchor_reply(200, record, false)
        }
        Operation::DeleteTrustAnchor(id) => anchor_reply(
            200,
            ra.delete_trust_anchor(authz, caller, &id).await.map_err(fail)?,
            false,
        ),
        Operation::PutNotificationSettings(r) => {
            let record = ra
                .put_notification_settings(
                    authz,
                    caller,
                    &r.trust_anchor_id,
                    notifications_in(r.notification_settings),
                )
                .await
                .map_err(fail)?;
            anchor_reply(200, record, false)
        }
        Operation::ResetNotificationSettings(r) => {
            let keys = r
                .notification_setting_keys
                .into_iter()
                .map(|k| (k.event, k.channel))
                .collect();
            let record = ra
                .reset_notification_settings(authz, caller, &r.trust_anchor_id, keys)
                .await
                .map_err(fail)?;
            anchor_reply(200, record, false)
        }
        Operation::CreateProfile(r) => {
            let input = NewProfile {
                name: r.name,
                role_arns: r.role_arns,
                managed_policy_arns: r.managed_policy_arns.unwrap_or_default(),
                session_policy: r.session_policy,
                duration_seconds: r.duration_seconds.and_then(|d| u32::try_from(d).ok()),
                require_instance_properties: r.require_instance_properties.unwrap_or(false),
                accept_role_session_name: r.accept_role_session_name.unwrap_or(false),
                enabled: r.enabled.unwrap_or(false),
                tags: tags_in(r.tags),
            };
            profile_reply(
                201,
                ra.create_profile(authz, caller, input).await.map_err(fail)?,
                false,
            )
        }
        Operation::GetProfile(id) => {
            profile_reply(200, ra.get_profile(authz, caller, &id).await.map_err(fail)?, true)
        }
        Operation::ListProfiles(r) => {
            let page = ra
                .list_profiles(authz, caller, r.next_token.as_deref(), r.page_size)
                .await
                .map_err(fail)?;
            let response = render(
                200,
                &ListProfilesResponse {
                    profiles: page.items.iter().map(profile).collect(),
                    next_token: page.next_token,
                },
            );
            reply(response, None, true)
        }
        Operation::UpdateProfile(r) => {
            let update = ProfileUpdate {
                name: r.name,
                session_policy: r.session_policy,
                role_arns: r.role_arns,
                managed_policy_arns: r.managed_policy_arns,
                duration_seconds: r.duration_seconds.and_then(|d| u32::try_from(d).ok()),
                accept_role_session_name: r.accept_role_session_name,
            };
            let record = ra
                .update_profile(authz, caller, &r.profile_id, update)
                .await
                .map_err(fail)?;
            profile_reply(200, record, false)
        }
        Operation::EnableProfile(id) | Operation::DisableProfile(id) => {
            let enable = call.path.ends_with("/enable");
            let record = ra
                .set_profile_enabled(authz, caller, &id, enable)
                .await
                .map_err(fail)?;
            profile_reply(200, record, false)
        }
        Operation::DeleteProfile(id) => profile_reply(
            200,
            ra.delete_profile(authz, caller, &id).await.map_err(fail)?,
            false,
        ),
        Operation::PutAttributeMapping(r) => {
            let specifiers = r.mapping_rules.into_iter().map(|m| m.specifier).collect();
            let record = ra
                .put_attribute_mapping(authz, caller, &r.profile_id, &r.certificate_field, specifiers)
                .await
                .map_err(fail)?;
            profile_reply(200, record, false)
        }
        Operation::DeleteAttributeMapping(r) => {
            let record = ra
                .delete_attribute_mapping(authz, caller, &r.profile_id, &r.certificate_field, r.specifiers)
                .await
                .map_err(fail)?;
            profile_reply(200, record, false)
        }
        Operation::ImportCrl(r) => {
            let input = NewCrl {
                name: r.name,
                data: r.crl_data.into_bytes(),
                trust_anchor_arn: r.trust_anchor_arn,
                enabled: r.enabled.unwrap_or(false),
                tags: tags_in(r.tags),
            };
            crl_reply(
                201,
                ra.import_crl(authz, caller, input).await.map_err(fail)?,
                false,
            )
        }
        Operation::GetCrl(id) => crl_reply(200, ra.get_crl(authz, caller, &id).await.map_err(fail)?, true),
        Operation::ListCrls(r) => {
            let page = ra
                .list_crls(authz, caller, r.next_token.as_deref(), r.page_size)
                .await
                .map_err(fail)?;
            let response = render(
                200,
                &ListCrlsResponse {
                    crls: page.items.iter().map(crl).collect(),
                    next_token: page.next_token,
                },
            );
            reply(response, None, true)
        }
        Operation::UpdateCrl(r) => {
            let update = CrlUpdate {
                name: r.name,
                data: r.crl_data.map(wire::Blob::into_bytes),
            };
            crl_reply(
                200,
                ra.update_crl(authz, caller, &r.crl_id, update)
                    .await
                    .map_err(fail)?,
                false,
            )
        }
        Operation::EnableCrl(id) | Operation::DisableCrl(id) => {
            let enable = call.path.ends_with("/enable");
            crl_reply(
                200,
                ra.set_crl_enabled(authz, caller, &id, enable)
                    .await
                    .map_err(fail)?,
                false,
            )
        }
        Operation::DeleteCrl(id) => {
            crl_reply(200, ra.delete_crl(authz, caller, &id).await.map_err(fail)?, false)
        }
        Operation::GetSubject(id) => {
            let record = ra.get_subject(authz, caller, &id).await.map_err(fail)?;
            let response = render(
                200,
                &SubjectResponse {
                    subject: subject(&record),
                },
            );
            reply(response, Some(record.arn), true)
        }
        Operation::ListSubjects(r) => {
            let page = ra
                .list_subjects(authz, caller, r.next_token.as_deref(), r.page_size)
                .await
                .map_err(fail)?;
            let response = render(
                200,
                &ListSubjectsResponse {
                    subjects: page.items.iter().map(subject_summary).collect(),
                    next_token: page.next_token,
                },
            );
            reply(response, None, true)
        }
        Operation::TagResource(r) => {
            let tags = tags_in(Some(r.tags));
            ra.tag_resource(authz, caller, &r.resource_arn, tags)
                .await
                .map_err(fail)?;
            reply(render(201, &Empty {}), Some(r.resource_arn), false)
        }
        Operation::UntagResource(r) => {
            ra.untag_resource(authz, caller, &r.resource_arn, r.tag_keys)
                .await
                .map_err(fail)?;
            reply(render(200, &Empty {}), Some(r.resource_arn), false)
        }
        Operation::ListTagsForResource(arn) => {
            let tags = ra
                .list_tags_for_resource(authz, caller, &arn)
                .await
                .map_err(fail)?;
            let response = render(
                200,
                &ListTagsForResourceResponse {
                    tags: tags
                        .into_iter()
                        .map(|t| wire::Tag {
                            key: t.key,
                            value: t.value,
                        })
                        .collect(),
                },
            );
            reply(response, Some(arn), true)
        }
        // SigV4-signed CreateSession requests are not how CreateSession works: it is signed with the
        // certificate's key (AWS4-X509-*), which dispatch routes before SigV4 authentication.
        Operation::CreateSession(_) => Err(errors::rolesanywhere_error(
            &RolesAnywhereError::AccessDenied {
                message: "CreateSession must be signed with AWS4-X509-RSA-SHA256 or AWS4-X509-ECDSA-SHA256"
                    .to_owned(),
            },
            call.spec,
        )),
    }
}

/// CreateSession: a request signed with AWS4-X509-* (dispatch sends every such request here, without
/// SigV4 authentication). Returns the reply and, for the audit record, the role the session is for.
pub async fn create_session(
    services: &Services,
    request: &strongroom_sigv4::SignableRequest<'_>,
    spec: crate::protocol::ServiceSpec,
    _request_id: &str,
) -> (Result<WireResponse, strongroom_api::WireError>, Option<String>) {
    use secrecy::ExposeSecret as _;
    use strongroom_api::rolesanywhere::{
        AssumedRoleUser, CreateSessionResponse, CredentialResponse, SessionCredentials,
    };
    use strongroom_service::rolesanywhere::session::SessionRequest;

    let refused = |message: &str| {
        errors::rolesanywhere_error(
            &RolesAnywhereError::AccessDenied {
                message: message.to_owned(),
            },
            spec,
        )
    };
    if request.method != "POST" || request.path.trim_end_matches('/') != "/sessions" {
        return (
            Err(refused("Only CreateSession may be signed with AWS4-X509")),
            None,
        );
    }
    let parsed = match Operation::parse("POST", "/sessions", request.query, request.body) {
        Some(Ok(Operation::CreateSession(parsed))) => parsed,
        Some(Err(err)) => return (Err(err), None),
        _ => {
            return (
                Err(refused("Only CreateSession may be signed with AWS4-X509")),
                None,
            );
        }
    };
    let role_arn = parsed.role_arn.clone();
    let input = SessionRequest {
        profile_arn: parsed.profile_arn,
        role_arn: parsed.role_arn,
        trust_anchor_arn: parsed.trust_anchor_arn,
        duration_seconds: parsed.duration_seconds,
        role_session_name: parsed.role_session_name,
        instance_properties: parsed.instance_properties.map(|m| m.into_iter().collect()),
    };
    let session = match services
        .rolesanywhere
        .create_session(&services.sts, &services.pca, request, input)
        .await
    {
        Ok(session) => session,
        Err(err) => return (Err(errors::rolesanywhere_error(&err, spec)), Some(role_arn)),
    };
    let credentials = &session.assumed.credentials;
    let body = CreateSessionResponse {
        credential_set: vec![CredentialResponse {
            assumed_role_user: AssumedRoleUser {
                arn: &session.assumed.arn,
                assumed_role_id: &session.assumed.assumed_role_id,
            },
            credentials: SessionCredentials {
                access_key_id: &credentials.access_key_id,
                secret_access_key: credentials.secret_access_key.expose_secret(),
                session_token: credentials.session_token.expose_secret(),
                expiration: iso(credentials.expiration),
            },
            packed_policy_size: session.assumed.packed_policy_size.unwrap_or(0),
            role_arn: &session.role_arn,
            source_identity: session.source_identity.as_deref(),
        }],
        subject_arn: &session.subject_arn,
    };
    (Ok(render(201, &body)), Some(role_arn))
}
