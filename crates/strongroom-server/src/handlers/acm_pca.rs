//! ACM Private CA over awsJson1_1 (parse the operation, call the service, render the reply), and the
//! unauthenticated CRL endpoint `GET /pca/crl/{ca-id}.crl`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use strongroom_api::acm_pca::{
    Asn1Subject, CertificateAuthority as WireCa, CertificateAuthorityConfiguration, CertificateResponse,
    CreateCertificateAuthorityResponse, CrlConfiguration, CrlDistributionPointExtensionConfiguration,
    DescribeCertificateAuthorityResponse, Empty, GetCertificateAuthorityCsrResponse,
    IssueCertificateResponse, ListCertificateAuthoritiesResponse, ListTagsResponse, OcspConfiguration,
    Operation, RevocationConfiguration, Tag,
};
use strongroom_api::{Timestamp, WireError, WireResponse, json};
use strongroom_crypto::pki::{NameAttribute, SubjectName};
use strongroom_service::pca::{
    self, CaTag, CertificateAuthority, CreateCaInput, CrlSettings, IssueInput, OcspSettings, PcaError,
    RevocationSettings, ValidityInput,
};
use strongroom_service::{Caller, Services};
use strongroom_types::OffsetDateTime;

use crate::errors;
use crate::http::AppState;
use crate::http::dispatch::{Call, HandlerResult, Reply};

fn timestamp(at: OffsetDateTime) -> Timestamp {
    Timestamp::from_unix_millis((at.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// The wire subject's attributes in the order a name lists them.
fn subject_from_wire(subject: &Asn1Subject) -> Result<SubjectName, WireError> {
    if subject.custom_attributes.as_ref().is_some_and(|a| !a.is_empty()) {
        return Err(WireError::bad_request(
            "InvalidArgsException",
            "CustomAttributes in a subject are not supported.",
        ));
    }
    let value = |attribute: NameAttribute| -> &Option<String> {
        match attribute {
            NameAttribute::Country => &subject.country,
            NameAttribute::Organization => &subject.organization,
            NameAttribute::OrganizationalUnit => &subject.organizational_unit,
            NameAttribute::DistinguishedNameQualifier => &subject.distinguished_name_qualifier,
            NameAttribute::State => &subject.state,
            NameAttribute::CommonName => &subject.common_name,
            NameAttribute::SerialNumber => &subject.serial_number,
            NameAttribute::Locality => &subject.locality,
            NameAttribute::Title => &subject.title,
            NameAttribute::Surname => &subject.surname,
            NameAttribute::GivenName => &subject.given_name,
            NameAttribute::Initials => &subject.initials,
            NameAttribute::Pseudonym => &subject.pseudonym,
            NameAttribute::GenerationQualifier => &subject.generation_qualifier,
        }
    };
    Ok(SubjectName {
        attributes: NameAttribute::ALL
            .into_iter()
            .filter_map(|attribute| {
                value(attribute)
                    .as_ref()
                    .filter(|v| !v.is_empty())
                    .map(|v| (attribute, v.clone()))
            })
            .collect(),
    })
}

fn subject_to_wire(subject: &SubjectName) -> Asn1Subject {
    let mut wire = Asn1Subject::default();
    for (attribute, value) in &subject.attributes {
        let slot = match attribute {
            NameAttribute::Country => &mut wire.country,
            NameAttribute::Organization => &mut wire.organization,
            NameAttribute::OrganizationalUnit => &mut wire.organizational_unit,
            NameAttribute::DistinguishedNameQualifier => &mut wire.distinguished_name_qualifier,
            NameAttribute::State => &mut wire.state,
            NameAttribute::CommonName => &mut wire.common_name,
            NameAttribute::SerialNumber => &mut wire.serial_number,
            NameAttribute::Locality => &mut wire.locality,
            NameAttribute::Title => &mut wire.title,
            NameAttribute::Surname => &mut wire.surname,
            NameAttribute::GivenName => &mut wire.given_name,
            NameAttribute::Initials => &mut wire.initials,
            NameAttribute::Pseudonym => &mut wire.pseudonym,
            NameAttribute::GenerationQualifier => &mut wire.generation_qualifier,
        };
        *slot = Some(value.clone());
    }
    wire
}

fn revocation_from_wire(wire: RevocationConfiguration) -> RevocationSettings {
    RevocationSettings {
        crl: wire.crl_configuration.map(|crl| CrlSettings {
            enabled: crl.enabled,
            expiration_in_days: crl.expiration_in_days.and_then(|d| u32::try_from(d).ok()),
            custom_cname: crl.custom_cname,
            s3_bucket_name: crl.s3_bucket_name,
            s3_object_acl: crl.s3_object_acl,
            omit_extension: crl
                .crl_distribution_point_extension_configuration
                .map(|c| c.omit_extension),
            crl_type: crl.crl_type,
            custom_path: crl.custom_path,
        }),
        ocsp: wire.ocsp_configuration.map(|ocsp| OcspSettings {
            enabled: ocsp.enabled,
            custom_cname: ocsp.ocsp_custom_cname,
        }),
    }
}

fn revocation_to_wire(settings: &RevocationSettings) -> RevocationConfiguration {
    RevocationConfiguration {
        crl_configuration: settings.crl.as_ref().map(|crl| CrlConfiguration {
            enabled: crl.enabled,
            expiration_in_days: crl.expiration_in_days.map(i64::from),
            custom_cname: crl.custom_cname.clone(),
            s3_bucket_name: crl.s3_bucket_name.clone(),
            s3_object_acl: crl.s3_object_acl.clone(),
            crl_distribution_point_extension_configuration: crl
                .omit_extension
                .map(|omit| CrlDistributionPointExtensionConfiguration { omit_extension: omit }),
            crl_type: crl.crl_type.clone(),
            custom_path: crl.custom_path.clone(),
        }),
        ocsp_configuration: settings.ocsp.as_ref().map(|ocsp| OcspConfiguration {
            enabled: ocsp.enabled,
            ocsp_custom_cname: ocsp.custom_cname.clone(),
        }),
    }
}

fn tags_from_wire(tags: Vec<Tag>) -> Vec<CaTag> {
    tags.into_iter()
        .map(|t| CaTag {
            key: t.key,
            value: t.value,
        })
        .collect()
}

fn tags_to_wire(tags: Vec<CaTag>) -> Vec<Tag> {
    tags.into_iter()
        .map(|t| Tag {
            key: t.key,
            value: t.value,
        })
        .collect()
}

fn ca_to_wire(ca: &CertificateAuthority) -> WireCa {
    WireCa {
        arn: ca.arn.clone(),
        owner_account: ca.owner_account.clone(),
        created_at: timestamp(ca.created_at),
        last_state_change_at: timestamp(ca.last_state_change_at),
        ca_type: ca.ca_type.as_str().to_owned(),
        serial: ca.serial.clone(),
        status: ca.status.as_str().to_owned(),
        not_before: ca.not_before.map(timestamp),
        not_after: ca.not_after.map(timestamp),
        certificate_authority_configuration: CertificateAuthorityConfiguration {
            key_algorithm: pca::model::key_algorithm_name(ca.key_algorithm).to_owned(),
            signing_algorithm: pca::model::signing_algorithm_name(ca.signing_algorithm).to_owned(),
            subject: subject_to_wire(&ca.subject),
        },
        revocation_configuration: revocation_to_wire(&ca.revocation),
        restorable_until: ca.restorable_until.map(timestamp),
        key_storage_security_standard: ca.key_storage_security_standard.clone(),
        usage_mode: ca.usage_mode.clone(),
    }
}

fn validity(wire: strongroom_api::acm_pca::Validity) -> ValidityInput {
    ValidityInput {
        value: wire.value,
        kind: wire.validity_type,
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
    if !Operation::NAMES.contains(&call.operation.as_str()) {
        return Err(call.unknown_operation());
    }
    let operation = Operation::parse(&call.operation, call.body)?;
    let (pca, authz) = (&services.pca, &services.authz);
    let fail = |err: PcaError| errors::pca_error(&err, call.spec);
    let empty = || json::render(&Empty {});
    match operation {
        Operation::CreateCertificateAuthority(request) => {
            let config = request.certificate_authority_configuration;
            let input = CreateCaInput {
                ca_type: request.certificate_authority_type,
                key_algorithm: config.key_algorithm,
                signing_algorithm: config.signing_algorithm,
                subject: subject_from_wire(&config.subject)?,
                revocation: request
                    .revocation_configuration
                    .map(revocation_from_wire)
                    .unwrap_or_default(),
                tags: tags_from_wire(request.tags.unwrap_or_default()),
                key_storage_security_standard: request.key_storage_security_standard,
                usage_mode: request.usage_mode,
            };
            let ca = pca.create_ca(authz, caller, input).await.map_err(fail)?;
            let response = json::render(&CreateCertificateAuthorityResponse {
                certificate_authority_arn: ca.arn.clone(),
            });
            reply(response, Some(ca.arn), false)
        }
        Operation::DescribeCertificateAuthority(request) => {
            let ca = pca
                .describe_ca(authz, caller, &request.certificate_authority_arn)
                .await
                .map_err(fail)?;
            let response = json::render(&DescribeCertificateAuthorityResponse {
                certificate_authority: ca_to_wire(&ca),
            });
            reply(response, Some(ca.arn), true)
        }
        Operation::ListCertificateAuthorities(request) => {
            let page = pca
                .list_cas(
                    authz,
                    caller,
                    request.max_results,
                    request.next_token.as_deref(),
                    request.resource_owner.as_deref(),
                )
                .await
                .map_err(fail)?;
            let response = json::render(&ListCertificateAuthoritiesResponse {
                certificate_authorities: page.items.iter().map(ca_to_wire).collect(),
                next_token: page.next_token,
            });
            reply(response, None, true)
        }
        Operation::GetCertificateAuthorityCertificate(request) => {
            let arn = request.certificate_authority_arn;
            let found = pca.ca_certificate(authz, caller, &arn).await.map_err(fail)?;
            let response = json::render(&CertificateResponse {
                certificate: found.certificate,
                certificate_chain: found.chain,
            });
            reply(response, Some(arn), true)
        }
        Operation::GetCertificateAuthorityCsr(request) => {
            let arn = request.certificate_authority_arn;
            let csr = pca.ca_csr(authz, caller, &arn).await.map_err(fail)?;
            reply(
                json::render(&GetCertificateAuthorityCsrResponse { csr }),
                Some(arn),
                true,
            )
        }
        Operation::ImportCertificateAuthorityCertificate(request) => {
            let arn = request.certificate_authority_arn;
            pca.import_ca_certificate(
                authz,
                caller,
                &arn,
                request.certificate.as_bytes(),
                request.certificate_chain.as_ref().map(|c| c.as_bytes()),
            )
            .await
            .map_err(fail)?;
            reply(empty(), Some(arn), false)
        }
        Operation::IssueCertificate(request) => {
            let arn = request.certificate_authority_arn;
            let input = IssueInput {
                ca_arn: arn.clone(),
                csr: request.csr.into_bytes(),
                signing_algorithm: request.signing_algorithm,
                template_arn: request.template_arn,
                validity: validity(request.validity),
                validity_not_before: request.validity_not_before.map(validity),
                idempotency_token: request.idempotency_token,
                crl_base_url: call.origin(),
            };
            let certificate_arn = pca.issue_certificate(authz, caller, input).await.map_err(fail)?;
            reply(
                json::render(&IssueCertificateResponse { certificate_arn }),
                Some(arn),
                false,
            )
        }
        Operation::GetCertificate(request) => {
            let found = pca
                .get_certificate(
                    authz,
                    caller,
                    &request.certificate_authority_arn,
                    &request.certificate_arn,
                )
                .await
                .map_err(fail)?;
            let response = json::render(&CertificateResponse {
                certificate: found.certificate,
                certificate_chain: found.chain,
            });
            reply(response, Some(request.certificate_arn), true)
        }
        Operation::RevokeCertificate(request) => {
            let arn = request.certificate_authority_arn;
            pca.revoke_certificate(
                authz,
                caller,
                &arn,
                &request.certificate_serial,
                &request.revocation_reason,
            )
            .await
            .map_err(fail)?;
            reply(empty(), Some(arn), false)
        }
        Operation::UpdateCertificateAuthority(request) => {
            let arn = request.certificate_authority_arn;
            pca.update_ca(
                authz,
                caller,
                &arn,
                request.revocation_configuration.map(revocation_from_wire),
                request.status.as_deref(),
            )
            .await
            .map_err(fail)?;
            reply(empty(), Some(arn), false)
        }
        Operation::DeleteCertificateAuthority(request) => {
            let arn = request.certificate_authority_arn;
            pca.delete_ca(authz, caller, &arn, request.permanent_deletion_time_in_days)
                .await
                .map_err(fail)?;
            reply(empty(), Some(arn), false)
        }
        Operation::RestoreCertificateAuthority(request) => {
            let arn = request.certificate_authority_arn;
            pca.restore_ca(authz, caller, &arn).await.map_err(fail)?;
            reply(empty(), Some(arn), false)
        }
        Operation::TagCertificateAuthority(request) => {
            let arn = request.certificate_authority_arn;
            pca.tag_ca(authz, caller, &arn, tags_from_wire(request.tags))
                .await
                .map_err(fail)?;
            reply(empty(), Some(arn), false)
        }
        Operation::UntagCertificateAuthority(request) => {
            let arn = request.certificate_authority_arn;
            pca.untag_ca(authz, caller, &arn, tags_from_wire(request.tags))
                .await
                .map_err(fail)?;
            reply(empty(), Some(arn), false)
        }
        Operation::ListTags(request) => {
            let arn = request.certificate_authority_arn;
            let (tags, next_token) = pca
                .list_tags(
                    authz,
                    caller,
                    &arn,
                    request.max_results,
                    request.next_token.as_deref(),
                )
                .await
                .map_err(fail)?;
            let response = json::render(&ListTagsResponse {
                tags: tags_to_wire(tags),
                next_token,
            });
            reply(response, Some(arn), true)
        }
    }
}

/// `GET /pca/crl/{ca-id}.crl`: the CA's current CRL as DER, to anyone (CRLs are public by design: they
/// are signed, and relying parties fetch them without credentials). 404 for an unknown CA or one whose
/// CRLs are off.
pub async fn crl(State(state): State<Arc<AppState>>, Path(file): Path<String>) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "no such CRL").into_response();
    let Some(id) = file.strip_suffix(".crl") else {
        return not_found();
    };
    match state.services.pca.crl(id).await {
        Ok(Some(der)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/pkix-crl")],
            der,
        )
            .into_response(),
        Ok(None) => not_found(),
        Err(err) => {
            tracing::error!(error = %err, "serving a CRL failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}
