//! The CLI's JSON client against a real server: signing, success bodies and typed AWS errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use common::TestServer;
use serde_json::json;
use strongroom_server::client::{Client, ClientError, ClientSettings};

fn client_for(server: &TestServer, secret: &str) -> Client {
    let vars = [
        ("AWS_ACCESS_KEY_ID", server.access_key_id.clone()),
        ("AWS_SECRET_ACCESS_KEY", secret.to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
    ];
    let settings = ClientSettings::from_lookup(Some(&server.endpoint), |name| {
        vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
    })
    .unwrap();
    Client::new(settings).unwrap()
}

#[tokio::test]
async fn calls_a_json_api_and_maps_errors() {
    let mut server = TestServer::sqlite().await;
    let client = client_for(&server, &server.secret_access_key.clone());

    let created = client
        .call_json(
            "kms",
            "TrentService.CreateKey",
            &json!({"Description": "client test"}),
        )
        .await
        .unwrap();
    let key_id = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let described = client
        .call_json("kms", "TrentService.DescribeKey", &json!({ "KeyId": key_id }))
        .await
        .unwrap();
    assert_eq!(described["KeyMetadata"]["Description"], "client test");

    let err = client
        .call_json(
            "kms",
            "TrentService.DescribeKey",
            &json!({"KeyId": "00000000-0000-0000-0000-000000000000"}),
        )
        .await
        .unwrap_err();
    assert_eq!(err.aws_code(), Some("NotFoundException"), "{err:?}");

    let wrong = client_for(&server, "not-the-secret");
    let err = wrong
        .call_json("kms", "TrentService.ListKeys", &json!({}))
        .await
        .unwrap_err();
    match err {
        ClientError::Aws { status, code, .. } => {
            assert_eq!((status, code.as_str()), (400, "InvalidSignatureException"));
        }
        other => panic!("{other:?}"),
    }
    server.stop().await;
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_connect_error() {
    let vars = [
        ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("AWS_REGION", "us-east-1"),
    ];
    let settings = ClientSettings::from_lookup(Some("http://127.0.0.1:1"), |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    })
    .unwrap();
    let err = Client::new(settings)
        .unwrap()
        .call_json("kms", "TrentService.ListKeys", &json!({}))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Connect { .. }), "{err:?}");
}
