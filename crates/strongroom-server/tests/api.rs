//! The foundation through a real listener: SigV4 in every form and failure, the three protocols' error
//! shapes, STS with the AWS SDK for Rust, operational endpoints, audit records and wire snapshots.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed step should fail the test loudly"
)]

mod common;

use std::sync::Arc;

use aws_sdk_sts::error::ProvideErrorMetadata as _;
use common::{ACCOUNT, TestServer};
use strongroom_sigv4::{PayloadSigning, SigningSettings};
use strongroom_types::{Clock as _, ManualClock, OffsetDateTime};
use time::Duration;

const GET_CALLER_IDENTITY: &str = "Action=GetCallerIdentity&Version=2011-06-15";

#[tokio::test]
async fn sdk_get_caller_identity_names_the_root_user() {
    let mut server = TestServer::sqlite().await;
    let identity = server.sts().get_caller_identity().send().await.unwrap();
    assert_eq!(identity.account(), Some(ACCOUNT));
    assert_eq!(identity.arn(), Some("arn:aws:iam::123456789012:root"));
    assert_eq!(identity.user_id(), Some(ACCOUNT));
    server.stop().await;
}

#[tokio::test]
async fn sdk_with_a_wrong_secret_gets_signature_does_not_match() {
    let mut server = TestServer::sqlite().await;
    let err = server
        .sts_with(
            &server.access_key_id,
            "wrongwrongwrongwrongwrongwrongwrongwrong",
            None,
        )
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    let service_err = err.as_service_error().expect("a service error");
    assert_eq!(service_err.code(), Some("SignatureDoesNotMatch"));
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(403));
    server.stop().await;
}

#[tokio::test]
async fn sdk_with_an_unknown_key_gets_invalid_client_token_id() {
    let mut server = TestServer::sqlite().await;
    let err = server
        .sts_with("AKIAAAAAAAAAAAAAAAAA", &server.secret_access_key, None)
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.as_service_error().and_then(|e| e.code()),
        Some("InvalidClientTokenId")
    );
    server.stop().await;
}

#[tokio::test]
async fn sdk_session_credentials_work_and_name_the_same_principal() {
    let mut server = TestServer::sqlite().await;
    let out = server
        .sts()
        .get_session_token()
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    let creds = out.credentials().unwrap();
    assert!(creds.access_key_id().starts_with("ASIA"));
    let temp = server.sts_with(
        creds.access_key_id(),
        creds.secret_access_key(),
        Some(creds.session_token()),
    );
    let identity = temp.get_caller_identity().send().await.unwrap();
    assert_eq!(identity.arn(), Some("arn:aws:iam::123456789012:root"));
    // A session cannot mint another session.
    let err = temp.get_session_token().send().await.unwrap_err();
    assert_eq!(
        err.as_service_error().and_then(|e| e.code()),
        Some("AccessDenied")
    );
    // A token moved to another temporary key id is refused.
    let err = server
        .sts_with(
            "ASIAAAAAAAAAAAAAAAAA",
            creds.secret_access_key(),
            Some(creds.session_token()),
        )
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.as_service_error().and_then(|e| e.code()),
        Some("InvalidClientTokenId")
    );
    server.stop().await;
}

#[tokio::test]
async fn get_session_token_validates_its_duration() {
    let mut server = TestServer::sqlite().await;
    let err = server
        .sts()
        .get_session_token()
        .duration_seconds(899)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.as_service_error().and_then(|e| e.code()),
        Some("ValidationError")
    );
    let err = server
        .sts()
        .get_session_token()
        .duration_seconds(129_601)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.as_service_error().and_then(|e| e.code()),
        Some("ValidationError")
    );
    // The root user's session is capped at one hour rather than refused.
    let out = server
        .sts()
        .get_session_token()
        .duration_seconds(7200)
        .send()
        .await
        .unwrap();
    let expiration = out.credentials().unwrap().expiration().secs();
    let hour_from_now = OffsetDateTime::now_utc().unix_timestamp() + 3600;
    assert!(
        (expiration - hour_from_now).abs() < 60,
        "{expiration} vs {hour_from_now}"
    );
    server.stop().await;
}

#[tokio::test]
async fn expired_session_tokens_are_refused() {
    let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
    let mut server =
        TestServer::sqlite_with_clock(Arc::clone(&clock) as Arc<dyn strongroom_types::Clock>).await;
    let out = server
        .sts()
        .get_session_token()
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    let creds = out.credentials().unwrap();
    let mut request = server.request("sts").query_action(GET_CALLER_IDENTITY);
    request.access_key_id = creds.access_key_id().to_owned();
    request.secret = creds.secret_access_key().to_owned();
    request.session_token = Some(creds.session_token().to_owned());
    request.time = clock.now();
    assert_eq!(request.send().await.status, 200);

    clock.advance(Duration::seconds(901));
    request.time = clock.now();
    let reply = request.send().await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert!(reply.body.contains("<Code>ExpiredToken</Code>"), "{}", reply.body);
    server.stop().await;
}

#[tokio::test]
async fn every_signature_failure_gets_the_query_protocols_error() {
    let mut server = TestServer::sqlite().await;
    let good = server.request("sts").query_action(GET_CALLER_IDENTITY);
    let reply = good.send().await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    let cases: Vec<(&str, common::RawRequest, u16, &str, &str)> = vec![
        (
            "unsigned",
            good.clone(),
            403,
            "MissingAuthenticationToken",
            "Request is missing Authentication Token",
        ),
        (
            "wrong secret",
            common::RawRequest {
                secret: "x".repeat(40),
                ..good.clone()
            },
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match",
        ),
        (
            "six minutes old",
            common::RawRequest {
                time: good.time - Duration::minutes(6),
                ..good.clone()
            },
            403,
            "SignatureDoesNotMatch",
            "Signature expired: ",
        ),
        (
            "six minutes ahead",
            common::RawRequest {
                time: good.time + Duration::minutes(6),
                ..good.clone()
            },
            403,
            "SignatureDoesNotMatch",
            "Signature not yet current: ",
        ),
        (
            "unknown region",
            common::RawRequest {
                region: "Not_A_Region".into(),
                ..good.clone()
            },
            403,
            "SignatureDoesNotMatch",
            "Credential should be scoped to a valid region.",
        ),
        (
            "unknown key",
            common::RawRequest {
                access_key_id: "AKIAAAAAAAAAAAAAAAAA".into(),
                ..good.clone()
            },
            403,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        ),
        (
            "temporary key without a token",
            common::RawRequest {
                access_key_id: "ASIAAAAAAAAAAAAAAAAA".into(),
                ..good.clone()
            },
            403,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        ),
        (
            "garbage token",
            common::RawRequest {
                access_key_id: "ASIAAAAAAAAAAAAAAAAA".into(),
                session_token: Some("bm90IGEgdG9rZW4=".into()),
                ..good.clone()
            },
            403,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        ),
    ];
    for (name, request, status, code, message) in cases {
        let reply = if name == "unsigned" {
            request.send_unsigned().await
        } else {
            request.send().await
        };
        assert_eq!(reply.status, status, "{name}: {}", reply.body);
        assert!(
            reply.body.contains(&format!("<Code>{code}</Code>")),
            "{name}: {}",
            reply.body
        );
        assert!(reply.body.contains(message), "{name}: {}", reply.body);
        assert!(
            reply.header("x-amzn-requestid").is_some(),
            "{name}: no request id"
        );
        assert_eq!(reply.header("content-type"), Some("text/xml"), "{name}");
    }
    // Four minutes of skew either way is within AWS's five.
    for skew in [-4, 4] {
        let request = common::RawRequest {
            time: good.time + Duration::minutes(skew),
            ..good.clone()
        };
        assert_eq!(request.send().await.status, 200, "skew {skew}");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_tampered_body_or_header_is_refused() {
    let mut server = TestServer::sqlite().await;
    let request = server.request("sts").query_action(GET_CALLER_IDENTITY);
    let mut headers = request.signed_headers();
    let reply = common::send_raw(
        &request.endpoint,
        "POST",
        "/",
        "",
        &headers,
        b"Action=GetCallerIdentity&Version=2011-06-16".to_vec(),
    )
    .await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert!(reply.body.contains("<Code>SignatureDoesNotMatch</Code>"));

    for (name, value) in &mut headers {
        if name == "content-type" {
            *value = "application/x-www-form-urlencoded".into();
        }
    }
    let reply = common::send_raw(&request.endpoint, "POST", "/", "", &headers, request.body.clone()).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    server.stop().await;
}

#[tokio::test]
async fn presigned_and_unsigned_payload_requests_work() {
    let mut server = TestServer::sqlite().await;
    let mut get = server.request("sts");
    get.method = "GET".into();
    get.query = GET_CALLER_IDENTITY.into();
    let reply = get.send_presigned(60).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.contains("<Account>123456789012</Account>"));

    // A presigned URL used after it expired.
    let stale = common::RawRequest {
        time: get.time - Duration::seconds(120),
        ..get.clone()
    };
    let reply = stale.send_presigned(60).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert!(
        reply.body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{}",
        reply.body
    );

    let unsigned_payload = common::RawRequest {
        settings: SigningSettings {
            payload: PayloadSigning::Unsigned,
            content_sha256_header: true,
            ..SigningSettings::default()
        },
        ..server.request("sts").query_action(GET_CALLER_IDENTITY)
    };
    assert_eq!(unsigned_payload.send().await.status, 200);

    let hashed = common::RawRequest {
        settings: SigningSettings {
            content_sha256_header: true,
            ..SigningSettings::default()
        },
        ..server.request("sts").query_action(GET_CALLER_IDENTITY)
    };
    assert_eq!(hashed.send().await.status, 200);
    let mut headers = hashed.signed_headers();
    let reply = common::send_raw(
        &hashed.endpoint,
        "POST",
        "/",
        "",
        &headers,
        b"Action=GetCallerIdentity&Version=2011-06-1".to_vec(),
    )
    .await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    headers.retain(|(n, _)| n != "authorization");
    let reply = common::send_raw(&hashed.endpoint, "POST", "/", "", &headers, hashed.body.clone()).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    server.stop().await;
}

#[tokio::test]
async fn json_services_answer_in_their_own_shape() {
    let mut server = TestServer::sqlite().await;
    let request = server
        .request("secretsmanager")
        .json_target("secretsmanager.GetSecretValue", r#"{"SecretId":"x"}"#);

    let reply = request.send_unsigned().await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/x-amz-json-1.1"));
    let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body["__type"], "MissingAuthenticationTokenException");
    assert_eq!(
        reply.header("x-amzn-errortype"),
        Some("MissingAuthenticationTokenException")
    );

    let wrong = common::RawRequest {
        secret: "y".repeat(40),
        ..request.clone()
    };
    let body: serde_json::Value = serde_json::from_str(&wrong.send().await.body).unwrap();
    assert_eq!(body["__type"], "InvalidSignatureException");
    assert!(
        body["Message"]
            .as_str()
            .unwrap()
            .starts_with("The request signature we calculated")
    );

    let unknown_key = common::RawRequest {
        access_key_id: "AKIAAAAAAAAAAAAAAAAA".into(),
        ..request.clone()
    };
    let body: serde_json::Value = serde_json::from_str(&unknown_key.send().await.body).unwrap();
    assert_eq!(body["__type"], "UnrecognizedClientException");

    // The scope names kms but the target is Secrets Manager's.
    let wrong_scope = common::RawRequest {
        service: "kms".into(),
        ..request.clone()
    };
    let reply = wrong_scope.send().await;
    let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body["__type"], "InvalidSignatureException", "{}", reply.body);
    assert_eq!(
        body["Message"],
        "Credential should be scoped to correct service: 'secretsmanager'."
    );

    let unknown = server
        .request("secretsmanager")
        .json_target("secretsmanager.NoSuchThing", "{}");
    let reply = unknown.send().await;
    assert_eq!(reply.status, 400);
    let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body["__type"], "UnknownOperationException");
    server.stop().await;
}

#[tokio::test]
async fn unknown_actions_services_and_oversized_bodies() {
    let mut server = TestServer::sqlite().await;
    let reply = server
        .request("sts")
        .query_action("Action=DoesNotExist&Version=2011-06-15")
        .send()
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(
        reply.body.contains("<Code>InvalidAction</Code>"),
        "{}",
        reply.body
    );

    let reply = server
        .request("sts")
        .query_action("Version=2011-06-15")
        .send()
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(
        reply.body.contains("<Code>MissingAction</Code>"),
        "{}",
        reply.body
    );

    let reply = server
        .request("s3")
        .json_target("s3.ListBuckets", "{}")
        .send()
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(
        reply.body.contains("UnrecognizedServiceException"),
        "{}",
        reply.body
    );

    let mut big = server.request("sts").query_action(GET_CALLER_IDENTITY);
    big.body = vec![b'a'; 2 * 1024 * 1024];
    let reply = big.send_unsigned().await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert!(reply.header("x-amzn-requestid").is_some());
    server.stop().await;
}

#[tokio::test]
async fn health_ready_and_metrics() {
    let mut server = TestServer::sqlite().await;
    for path in ["/health", "/ready"] {
        let reply = common::send_raw(&server.endpoint, "GET", path, "", &[], Vec::new()).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    }
    server.sts().get_caller_identity().send().await.unwrap();
    server
        .request("sts")
        .query_action(GET_CALLER_IDENTITY)
        .send_unsigned()
        .await;
    let reply = common::send_raw(&server.endpoint, "GET", "/metrics", "", &[], Vec::new()).await;
    assert_eq!(reply.status, 200);
    assert!(
        reply.body.contains(
            r#"strongroom_requests_total{service="sts",operation="GetCallerIdentity",outcome="success"} 1"#
        ),
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains(r#"outcome="MissingAuthenticationToken"} 1"#),
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains("strongroom_request_duration_seconds_bucket"),
        "{}",
        reply.body
    );
    server.stop().await;
}

#[tokio::test]
async fn every_call_leaves_one_chained_audit_record() {
    let mut server = TestServer::sqlite().await;
    server.sts().get_caller_identity().send().await.unwrap();
    server
        .request("sts")
        .query_action(GET_CALLER_IDENTITY)
        .send_unsigned()
        .await;
    let wrong = common::RawRequest {
        secret: "z".repeat(40),
        ..server.request("sts").query_action(GET_CALLER_IDENTITY)
    };
    wrong.send().await;
    server.stop().await;

    let clock = strongroom_types::SystemClock;
    let opened = strongroom_server::startup::open(&server.config, &clock, false)
        .await
        .unwrap();
    let report = strongroom_service::audit::verify(opened.store.as_ref(), &opened.keyring)
        .await
        .unwrap();
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!(report.records, 3);
    let chains = opened.store.audit_chains().await.unwrap();
    let records = opened.store.audit_records(&chains[0], 0, 10).await.unwrap();
    let bodies: Vec<serde_json::Value> = records
        .iter()
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    assert_eq!(bodies[0]["eventName"], "GetCallerIdentity");
    assert_eq!(bodies[0]["eventSource"], "sts.amazonaws.com");
    assert_eq!(bodies[0]["userIdentity"]["arn"], "arn:aws:iam::123456789012:root");
    assert_eq!(bodies[0]["sourceIPAddress"], "127.0.0.1");
    assert!(bodies[0].get("errorCode").is_none());
    assert_eq!(bodies[1]["errorCode"], "MissingAuthenticationToken");
    assert_eq!(bodies[2]["errorCode"], "SignatureDoesNotMatch");
    assert_eq!(bodies[2]["userIdentity"]["accessKeyId"], server.access_key_id);
}

#[tokio::test]
async fn wire_snapshots() {
    let mut server = TestServer::sqlite().await;
    let ok = server
        .request("sts")
        .query_action(GET_CALLER_IDENTITY)
        .send()
        .await;
    insta::assert_snapshot!("get_caller_identity", common::redact(&ok.body, &server));
    let session = server
        .request("sts")
        .query_action("Action=GetSessionToken&Version=2011-06-15&DurationSeconds=900")
        .send()
        .await;
    insta::assert_snapshot!("get_session_token", common::redact(&session.body, &server));
    let denied = common::RawRequest {
        secret: "x".repeat(40),
        ..server.request("sts").query_action(GET_CALLER_IDENTITY)
    }
    .send()
    .await;
    insta::assert_snapshot!("signature_does_not_match", common::redact(&denied.body, &server));
    let json_missing = server
        .request("secretsmanager")
        .json_target("secretsmanager.ListSecrets", "{}")
        .send_unsigned()
        .await;
    insta::assert_snapshot!("json_missing_authentication", json_missing.body);
    server.stop().await;
}
