//! Routing, parsing and model checks of the Roles Anywhere shapes, and snapshots of their wire form.

use super::*;
use crate::rest_json::render;
use crate::test_support::wire_text;

const ID: &str = "0a1b2c3d-0000-4000-8000-000000000001";
const TA: &str =
    "arn:aws:rolesanywhere:us-east-1:111122223333:trust-anchor/0a1b2c3d-0000-4000-8000-000000000003";
const PROFILE: &str =
    "arn:aws:rolesanywhere:us-east-1:111122223333:profile/0a1b2c3d-0000-4000-8000-000000000001";
const ROLE: &str = "arn:aws:iam::111122223333:role/workload";

fn parse(method: &str, path: &str, query: &str, body: &str) -> Result<Operation, WireError> {
    Operation::parse(method, path, query, body.as_bytes()).expect("a route")
}

fn invalid(method: &str, path: &str, query: &str, body: &str) -> String {
    let err = parse(method, path, query, body).unwrap_err();
    assert_eq!(
        (err.status, err.code.as_str()),
        (400, "ValidationException"),
        "{err}"
    );
    err.message
}

#[test]
fn every_route_of_the_model_parses_to_its_operation() {
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        (
            "POST",
            "/profiles",
            "",
            r#"{"name":"p","roleArns":[]}"#,
            "CreateProfile",
        ),
        (
            "POST",
            "/trustanchors",
            "",
            r#"{"name":"t","source":{"sourceType":"CERTIFICATE_BUNDLE","sourceData":{"x509CertificateData":"x"}}}"#,
            "CreateTrustAnchor",
        ),
        (
            "DELETE",
            "/profiles/{id}/mappings",
            "certificateField=x509SAN&specifiers=DNS&specifiers=URI",
            "",
            "DeleteAttributeMapping",
        ),
        ("DELETE", "/crl/{id}", "", "", "DeleteCrl"),
        ("DELETE", "/profile/{id}", "", "", "DeleteProfile"),
        ("DELETE", "/trustanchor/{id}", "", "", "DeleteTrustAnchor"),
        ("POST", "/crl/{id}/disable", "", "", "DisableCrl"),
        ("POST", "/profile/{id}/disable", "", "", "DisableProfile"),
        ("POST", "/trustanchor/{id}/disable", "", "", "DisableTrustAnchor"),
        ("POST", "/crl/{id}/enable", "", "", "EnableCrl"),
        ("POST", "/profile/{id}/enable", "", "", "EnableProfile"),
        ("POST", "/trustanchor/{id}/enable", "", "", "EnableTrustAnchor"),
        ("GET", "/crl/{id}", "", "", "GetCrl"),
        ("GET", "/profile/{id}", "", "", "GetProfile"),
        ("GET", "/subject/{id}", "", "", "GetSubject"),
        ("GET", "/trustanchor/{id}", "", "", "GetTrustAnchor"),
        (
            "POST",
            "/crls",
            "",
            r#"{"name":"c","crlData":"AAEC","trustAnchorArn":"TA"}"#,
            "ImportCrl",
        ),
        ("GET", "/crls", "pageSize=2&nextToken=abc", "", "ListCrls"),
        ("GET", "/profiles", "", "", "ListProfiles"),
        ("GET", "/subjects", "", "", "ListSubjects"),
        (
            "GET",
            "/ListTagsForResource",
            "resourceArn=TA",
            "",
            "ListTagsForResource",
        ),
        ("GET", "/trustanchors", "", "", "ListTrustAnchors"),
        (
            "PUT",
            "/profiles/{id}/mappings",
            "",
            r#"{"certificateField":"x509Subject","mappingRules":[{"specifier":"CN"}]}"#,
            "PutAttributeMapping",
        ),
        (
            "PATCH",
            "/put-notifications-settings",
            "",
            r#"{"trustAnchorId":"{id}","notificationSettings":[{"enabled":true,"event":"CA_CERTIFICATE_EXPIRY","threshold":30}]}"#,
            "PutNotificationSettings",
        ),
        (
            "PATCH",
            "/reset-notifications-settings",
            "",
            r#"{"trustAnchorId":"{id}","notificationSettingKeys":[{"event":"CA_CERTIFICATE_EXPIRY"}]}"#,
            "ResetNotificationSettings",
        ),
        (
            "POST",
            "/TagResource",
            "",
            r#"{"resourceArn":"TA","tags":[{"key":"k","value":""}]}"#,
            "TagResource",
        ),
        (
            "POST",
            "/UntagResource",
            "",
            r#"{"resourceArn":"TA","tagKeys":["k"]}"#,
            "UntagResource",
        ),
        ("PATCH", "/crl/{id}", "", r#"{"name":"n"}"#, "UpdateCrl"),
        (
            "PATCH",
            "/profile/{id}",
            "",
            r#"{"durationSeconds":900}"#,
            "UpdateProfile",
        ),
        ("PATCH", "/trustanchor/{id}", "", "", "UpdateTrustAnchor"),
    ];
    let mut seen: Vec<&str> = Vec::new();
    for (method, path, query, body, name) in cases {
        let path = path.replace("{id}", ID);
        let body = body.replace("{id}", ID).replace("\"TA\"", &format!("\"{TA}\""));
        let query = query.replace("TA", &TA.replace(':', "%3A").replace('/', "%2F"));
        let op = parse(method, &path, &query, &body).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(op.name(), *name);
        seen.push(name);
    }
    seen.push("CreateSession");
    let all: Vec<&str> = Operation::names().collect();
    seen.sort_unstable();
    let mut expected = all.clone();
    expected.sort_unstable();
    assert_eq!(seen, expected);
}

#[test]
fn path_labels_and_query_members_reach_the_request() {
    let Operation::DeleteAttributeMapping(r) = parse(
        "DELETE",
        &format!("/profiles/{ID}/mappings/"),
        "certificateField=x509SAN&specifiers=DNS&specifiers=URI",
        "",
    )
    .unwrap() else {
        panic!("wrong operation")
    };
    assert_eq!(r.profile_id, ID);
    assert_eq!(r.specifiers, vec!["DNS", "URI"]);
    let Operation::ListTagsForResource(arn) =
        parse("GET", "/ListTagsForResource", "resourceArn=arn%3Aaws%3Ax", "").unwrap()
    else {
        panic!("wrong operation")
    };
    assert_eq!(arn, "arn:aws:x");
    assert!(Operation::parse("GET", "/nope", "", b"").is_none());
    assert!(Operation::parse("PUT", "/profiles", "", b"").is_none());
    assert!(Operation::parse("GET", "/profile/", "", b"").is_none());
}

#[test]
fn model_constraints_are_validation_exceptions() {
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        (
            "POST",
            "/profiles",
            "",
            r#"{"name":"bad/name","roleArns":[]}"#,
            "at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern",
        ),
        (
            "POST",
            "/profiles",
            "",
            r#"{"name":"p","roleArns":["arn:aws:s3:::bucket"]}"#,
            "at 'roleArns.1.member'",
        ),
        (
            "POST",
            "/profiles",
            "",
            r#"{"name":"p","roleArns":[],"durationSeconds":899}"#,
            "greater than or equal to 900",
        ),
        (
            "POST",
            "/profiles",
            "",
            r#"{"name":"p","roleArns":[],"durationSeconds":43201}"#,
            "less than or equal to 43200",
        ),
        (
            "POST",
            "/profiles",
            "",
            r#"{"name":"","roleArns":[]}"#,
            "length greater than or equal to 1",
        ),
        (
            "POST",
            "/profiles",
            "",
            r#"{"name":"p","roleArns":[],"tags":[{"key":"","value":"v"}]}"#,
            "tags.1.member.key",
        ),
        (
            "POST",
            "/profiles",
            "",
            r#"{"name":"p","roleArns":[],"tags":[{"key":"k","value":"é"}]}"#,
            "tags.1.member.value",
        ),
        (
            "POST",
            "/trustanchors",
            "",
            r#"{"name":"t","source":{"sourceType":"NOPE"}}"#,
            "enum value set",
        ),
        (
            "POST",
            "/trustanchors",
            "",
            r#"{"name":"t","source":{},"notificationSettings":[{"enabled":true,"event":"CA_CERTIFICATE_EXPIRY","threshold":0}]}"#,
            "notificationSettings.1.member.threshold",
        ),
        ("GET", "/profile/not-a-uuid", "", "", "at 'profileId'"),
        (
            "GET",
            "/trustanchor/0A1B2C3D-0000-4000-8000-000000000001",
            "",
            "",
            "regular expression pattern",
        ),
        (
            "DELETE",
            "/profiles/{id}/mappings",
            "certificateField=x509Nope",
            "",
            "enum value set",
        ),
        (
            "POST",
            "/crls",
            "",
            r#"{"name":"c","crlData":"","trustAnchorArn":"TA"}"#,
            "at 'crlData'",
        ),
        (
            "POST",
            "/crls",
            "",
            r#"{"name":"c","crlData":"AA==","trustAnchorArn":"PROFILE"}"#,
            "at 'trustAnchorArn'",
        ),
        (
            "POST",
            "/sessions",
            "",
            r#"{"profileArn":"PROFILE","roleArn":"ROLE","trustAnchorArn":"TA","durationSeconds":60}"#,
            "durationSeconds",
        ),
        (
            "POST",
            "/sessions",
            "",
            r#"{"profileArn":"PROFILE","roleArn":"ROLE","trustAnchorArn":"TA","roleSessionName":"a b"}"#,
            "roleSessionName",
        ),
        (
            "POST",
            "/sessions",
            "",
            r#"{"profileArn":"TA","roleArn":"ROLE","trustAnchorArn":"TA"}"#,
            "profileArn",
        ),
        (
            "POST",
            "/sessions",
            "",
            r#"{"roleArn":"ROLE","trustAnchorArn":"TA"}"#,
            "Value null at 'profileArn'",
        ),
    ];
    for (method, path, query, body, expected) in cases {
        let path = path.replace("{id}", ID);
        let body = body
            .replace("\"TA\"", &format!("\"{TA}\""))
            .replace("\"PROFILE\"", &format!("\"{PROFILE}\""))
            .replace("\"ROLE\"", &format!("\"{ROLE}\""));
        let message = invalid(method, &path, query, &body);
        assert!(message.contains(expected), "{path} {body}: {message}");
    }
    // Malformed JSON is a serialization error, not a validation one.
    let err = parse("POST", "/profiles", "", "{").unwrap_err();
    assert_eq!(err.code, "SerializationException");
}

#[test]
fn create_session_takes_arns_from_the_query_or_the_body() {
    let enc = |s: &str| s.replace(':', "%3A").replace('/', "%2F");
    let query = format!(
        "profileArn={}&roleArn={}&trustAnchorArn={}",
        enc(PROFILE),
        enc(ROLE),
        enc(TA)
    );
    let expected = CreateSessionRequest {
        profile_arn: PROFILE.to_owned(),
        role_arn: ROLE.to_owned(),
        trust_anchor_arn: TA.to_owned(),
        duration_seconds: Some(3600),
        role_session_name: None,
        instance_properties: None,
    };
    let from_query = parse("POST", "/sessions", &query, r#"{"durationSeconds":3600}"#).unwrap();
    assert_eq!(from_query, Operation::CreateSession(expected.clone()));
    let body = format!(
        r#"{{"durationSeconds": 3600, "profileArn": "{PROFILE}", "roleArn": "{ROLE}", "trustAnchorArn": "{TA}", "sessionName": "ignored"}}"#
    );
    assert_eq!(
        parse("POST", "/sessions", "", &body).unwrap(),
        Operation::CreateSession(expected)
    );
    // Both places, agreeing, is fine; disagreeing is not.
    assert!(parse("POST", "/sessions", &query, &body).is_ok());
    let other = body.replace("role/workload", "role/other");
    assert!(invalid("POST", "/sessions", &query, &other).contains("'roleArn'"));
    // An empty body is `{}`.
    let Operation::CreateSession(r) = parse("POST", "/sessions", &query, "").unwrap() else {
        panic!("wrong operation")
    };
    assert_eq!(r.duration_seconds, None);
}

fn ts(ms: i64) -> IsoTimestamp {
    IsoTimestamp(Timestamp::from_unix_millis(ms))
}

#[test]
fn trust_anchor_response_snapshot() {
    let response = render(
        201,
        &TrustAnchorResponse {
            trust_anchor: TrustAnchorDetail {
                trust_anchor_id: ID.to_owned(),
                trust_anchor_arn: TA.to_owned(),
                name: "edge \"fleet\"".to_owned(),
                source: Source {
                    source_type: Some("CERTIFICATE_BUNDLE".to_owned()),
                    source_data: Some(SourceData {
                        x509_certificate_data: Some(
                            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".to_owned(),
                        ),
                        acm_pca_arn: None,
                    }),
                },
                enabled: true,
                created_at: ts(1_764_345_600_000),
                updated_at: ts(1_764_345_600_123),
                notification_settings: vec![NotificationSettingDetail {
                    enabled: true,
                    event: "CA_CERTIFICATE_EXPIRY".to_owned(),
                    threshold: 45,
                    channel: "ALL".to_owned(),
                    configured_by: "rolesanywhere.amazonaws.com".to_owned(),
                }],
            },
        },
    );
    insta::assert_snapshot!(wire_text(&response));
}

#[test]
fn create_session_response_snapshot_and_redacted_debug() {
    let credentials = SessionCredentials {
        access_key_id: "ASIAEXAMPLE",
        secret_access_key: "SECRET-EXAMPLE",
        session_token: "TOKEN-EXAMPLE",
        expiration: ts(1_764_349_200_000),
    };
    assert!(!format!("{credentials:?}").contains("SECRET-EXAMPLE"));
    assert!(!format!("{credentials:?}").contains("TOKEN-EXAMPLE"));
    let response = render(
        201,
        &CreateSessionResponse {
            credential_set: vec![CredentialResponse {
                assumed_role_user: AssumedRoleUser {
                    arn: "arn:aws:sts::111122223333:assumed-role/workload/3039",
                    assumed_role_id: "AROAEXAMPLE:3039",
                },
                credentials,
                packed_policy_size: 12,
                role_arn: ROLE,
                source_identity: Some("workload-1"),
            }],
            subject_arn: "arn:aws:rolesanywhere:us-east-1:111122223333:subject/0a1b2c3d-0000-4000-8000-000000000009",
        },
    );
    insta::assert_snapshot!(wire_text(&response));
}
