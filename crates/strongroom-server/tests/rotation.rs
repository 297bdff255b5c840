//! Secret rotation end to end through the real server and the AWS SDK: registering functions with the
//! Strongroom API, `rotate-secret` with the built-in random-password and IAM access-key rotators (the
//! background engine runs the steps), notifications to a webhook, and bad configurations refused.

// Test code: helpers outside `#[test]` functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use aws_sdk_secretsmanager::Client;
use common::{ACCOUNT, TestServer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
/// How long a test waits for the background engine (which looks every second) before it gives up.
const PATIENCE: Duration = Duration::from_secs(60);

fn secrets(server: &TestServer) -> Client {
    secrets_with(server, &server.access_key_id, &server.secret_access_key)
}

fn secrets_with(server: &TestServer, id: &str, secret: &str) -> Client {
    let credentials = aws_sdk_secretsmanager::config::Credentials::new(id, secret, None, None, "test");
    let config = aws_sdk_secretsmanager::Config::builder()
        .endpoint_url(&server.endpoint)
        .region(aws_sdk_secretsmanager::config::Region::new("us-east-1"))
        .credentials_provider(credentials)
        .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
        .build();
    Client::from_conf(config)
}

fn iam(server: &TestServer) -> aws_sdk_iam::Client {
    let credentials = aws_sdk_iam::config::Credentials::new(
        &server.access_key_id,
        &server.secret_access_key,
        None,
        None,
        "test",
    );
    let config = aws_sdk_iam::Config::builder()
        .endpoint_url(&server.endpoint)
        .region(aws_sdk_iam::config::Region::new("us-east-1"))
        .credentials_provider(credentials)
        .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
        .build();
    aws_sdk_iam::Client::from_conf(config)
}

/// A role the engine may act as, allowed everything.
async fn create_rotator_role(server: &TestServer) -> String {
    let client = iam(server);
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"secretsmanager.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let role = client
        .create_role()
        .role_name("rotator")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    client
        .put_role_policy()
        .role_name("rotator")
        .policy_name("all")
        .policy_document(ALLOW_ALL)
        .send()
        .await
        .unwrap();
    role.role().unwrap().arn().to_owned()
}

/// Calls the Strongroom rotation API with the root credentials.
async fn strongroom(server: &TestServer, operation: &str, body: &str) -> common::Reply {
    server
        .request("strongroom")
        .json_target(&format!("StrongroomRotation.{operation}"), body)
        .send()
        .await
}

async fn register_builtin(server: &TestServer, name: &str, rotator: &str, role: &str) -> String {
    let body = serde_json::json!({
        "FunctionName": name,
        "Kind": "builtin",
        "Configuration": serde_json::json!({ "rotator": rotator }).to_string(),
        "Role": role,
    })
    .to_string();
    let reply = strongroom(server, "CreateRotationFunction", &body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let value: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    value["Function"]["FunctionArn"].as_str().unwrap().to_owned()
}

/// Waits until the version `token` holds AWSCURRENT.
async fn wait_until_current(client: &Client, secret: &str, token: &str) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let described = client.describe_secret().secret_id(secret).send().await.unwrap();
        let stages = described
            .version_ids_to_stages()
            .and_then(|map| map.get(token).cloned())
            .unwrap_or_default();
        if stages.iter().any(|s| s == "AWSCURRENT") {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the rotation did not finish: {described:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_password_rotation_through_the_sdk() {
    let mut server = TestServer::sqlite().await;
    let role = create_rotator_role(&server).await;
    let function = register_builtin(&server, "passwords", "random-password", &role).await;
    assert_eq!(
        function,
        format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:passwords")
    );
    let client = secrets(&server);
    client
        .create_secret()
        .name("app/db")
        .secret_string(r#"{"username":"app","password":"old-password"}"#)
        .send()
        .await
        .unwrap();
    let old_version = client
        .get_secret_value()
        .secret_id("app/db")
        .send()
        .await
        .unwrap()
        .version_id()
        .unwrap()
        .to_owned();

    let rotated = client
        .rotate_secret()
        .secret_id("app/db")
        .rotation_lambda_arn(&function)
        .rotation_rules(
            aws_sdk_secretsmanager::types::RotationRulesType::builder()
                .schedule_expression("rate(4 hours)")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let token = rotated.version_id().unwrap().to_owned();
    wait_until_current(&client, "app/db", &token).await;

    let current = client
        .get_secret_value()
        .secret_id("app/db")
        .send()
        .await
        .unwrap();
    let value: serde_json::Value = serde_json::from_str(current.secret_string().unwrap()).unwrap();
    assert_eq!(value["username"], "app");
    assert_ne!(value["password"], "old-password");
    let previous = client
        .get_secret_value()
        .secret_id("app/db")
        .version_stage("AWSPREVIOUS")
        .send()
        .await
        .unwrap();
    assert_eq!(previous.version_id(), Some(old_version.as_str()));
    assert!(previous.secret_string().unwrap().contains("old-password"));

    let described = client.describe_secret().secret_id("app/db").send().await.unwrap();
    assert_eq!(described.rotation_enabled(), Some(true));
    assert_eq!(described.rotation_lambda_arn(), Some(function.as_str()));
    assert!(described.last_rotated_date().is_some());
    assert!(described.next_rotation_date().is_some());
    let stages = described.version_ids_to_stages().unwrap();
    assert_eq!(stages[&token], ["AWSCURRENT"]);
    assert_eq!(stages[&old_version], ["AWSPREVIOUS"]);

    let listed = strongroom(&server, "ListRotationFunctions", "{}").await;
    assert!(
        listed.body.contains("\"FunctionName\":\"passwords\""),
        "{}",
        listed.body
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_rotation_configuration_is_refused_and_changes_nothing() {
    let mut server = TestServer::sqlite().await;
    let role = create_rotator_role(&server).await;
    let function = register_builtin(&server, "passwords", "random-password", &role).await;
    let client = secrets(&server);
    client
        .create_secret()
        .name("s")
        .secret_string("v")
        .send()
        .await
        .unwrap();

    let unknown = client
        .rotate_secret()
        .secret_id("s")
        .rotation_lambda_arn(format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:nope"))
        .send()
        .await
        .unwrap_err();
    let unknown = unknown.into_service_error();
    assert_eq!(unknown.meta().code(), Some("AccessDeniedException"));
    assert!(
        unknown
            .meta()
            .message()
            .unwrap()
            .contains("cannot invoke the specified Lambda function")
    );

    let invalid = client
        .rotate_secret()
        .secret_id("s")
        .rotation_lambda_arn(&function)
        .rotation_rules(
            aws_sdk_secretsmanager::types::RotationRulesType::builder()
                .schedule_expression("cron(0 10 * * MON *)")
                .build(),
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(invalid.meta().code(), Some("InvalidParameterException"));

    // An IAM user allowed everything in Secrets Manager but not lambda:InvokeFunction.
    let iam = iam(&server);
    iam.create_user().user_name("dev").send().await.unwrap();
    iam.put_user_policy()
        .user_name("dev")
        .policy_name("sm")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    let key = iam.create_access_key().user_name("dev").send().await.unwrap();
    let key = key.access_key().unwrap();
    let dev = secrets_with(&server, key.access_key_id(), key.secret_access_key());
    let denied = dev
        .rotate_secret()
        .secret_id("s")
        .rotation_lambda_arn(&function)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(denied.meta().code(), Some("AccessDeniedException"));
    assert!(denied.meta().message().unwrap().contains("lambda:InvokeFunction"));

    let described = client.describe_secret().secret_id("s").send().await.unwrap();
    assert_eq!(described.rotation_enabled(), None);
    assert_eq!(described.rotation_lambda_arn(), None);
    assert_eq!(described.version_ids_to_stages().unwrap().len(), 1);
    server.stop().await;
}

/// A one-connection-at-a-time HTTP server that answers 204 and hands each request body to the test.
async fn webhook_receiver() -> (String, tokio::sync::mpsc::UnboundedReceiver<(String, String)>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let mut request = Vec::new();
            let mut buffer = [0u8; 4096];
            loop {
                let read = stream.read(&mut buffer).await.unwrap_or(0);
                if read == 0 {
                    break;
                }
                request.extend_from_slice(&buffer[..read]);
                let text = String::from_utf8_lossy(&request).to_string();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length: "))
                        .and_then(|n| n.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    if body.len() >= length {
                        let _ = sender.send((head.to_owned(), body.to_owned()));
                        break;
                    }
                }
            }
            let _ = stream
                .write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                .await;
        }
    });
    (url, receiver)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iam_access_key_rotation_with_a_notification() {
    let mut server = TestServer::sqlite().await;
    let role = create_rotator_role(&server).await;
    let function = register_builtin(&server, "iam-keys", "iam-access-keys", &role).await;
    let iam = iam(&server);
    iam.create_user().user_name("svc").send().await.unwrap();
    let first = iam.create_access_key().user_name("svc").send().await.unwrap();
    let first = first.access_key().unwrap();
    let client = secrets(&server);
    let value = serde_json::json!({
        "UserName": "svc",
        "AccessKeyId": first.access_key_id(),
        "SecretAccessKey": first.secret_access_key(),
    })
    .to_string();
    let created = client
        .create_secret()
        .name("svc/keys")
        .secret_string(value)
        .send()
        .await
        .unwrap();
    let secret_arn = created.arn().unwrap().to_owned();

    let (url, mut received) = webhook_receiver().await;
    let subscribed = strongroom(
        &server,
        "CreateSubscription",
        &serde_json::json!({"Url": url, "EventNames": ["RotationSucceeded"], "SecretId": secret_arn})
            .to_string(),
    )
    .await;
    assert_eq!(subscribed.status, 200, "{}", subscribed.body);
    let signing_key = serde_json::from_str::<serde_json::Value>(&subscribed.body).unwrap()["SigningKey"]
        .as_str()
        .unwrap()
        .to_owned();

    for round in 0..2 {
        let rotated = client
            .rotate_secret()
            .secret_id("svc/keys")
            .rotation_lambda_arn(&function)
            .send()
            .await
            .unwrap();
        let token = rotated.version_id().unwrap().to_owned();
        wait_until_current(&client, "svc/keys", &token).await;

        let current = client
            .get_secret_value()
            .secret_id("svc/keys")
            .send()
            .await
            .unwrap();
        let pair: serde_json::Value = serde_json::from_str(current.secret_string().unwrap()).unwrap();
        let new_id = pair["AccessKeyId"].as_str().unwrap();
        let new_secret = pair["SecretAccessKey"].as_str().unwrap();
        assert_ne!(new_id, first.access_key_id());
        // The new key works.
        let who = server
            .sts_with(new_id, new_secret, None)
            .get_caller_identity()
            .send()
            .await
            .unwrap();
        assert_eq!(
            who.arn(),
            Some(format!("arn:aws:iam::{ACCOUNT}:user/svc").as_str())
        );
        // The user never holds more than two keys: the new one active, the previous one inactive (finishSecret
        // deactivates it just after moving AWSCURRENT, so give it until the rotation's last step is done).
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let keys = iam.list_access_keys().user_name("svc").send().await.unwrap();
            let keys = keys.access_key_metadata();
            assert_eq!(keys.len(), 2, "round {round}: {keys:?}");
            let settled = keys.iter().all(|key| {
                let wanted = if key.access_key_id() == Some(new_id) {
                    "Active"
                } else {
                    "Inactive"
                };
                key.status().unwrap().as_str() == wanted
            });
            if settled {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "round {round}: {keys:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        let (head, body) = tokio::time::timeout(PATIENCE, received.recv())
            .await
            .unwrap()
            .unwrap();
        let event: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(event["detail"]["eventName"], "RotationSucceeded");
        assert_eq!(event["resources"][0], secret_arn.as_str());
        assert_eq!(
            event["detail"]["additionalEventData"]["VersionId"],
            token.as_str()
        );
        assert!(
            !body.contains(new_secret),
            "an event never carries a secret value"
        );
        let header = |name: &str| {
            head.lines()
                .find_map(|l| l.strip_prefix(&format!("{name}: ")))
                .unwrap()
                .to_owned()
        };
        let timestamp = header("x-strongroom-timestamp");
        assert_eq!(
            header("x-strongroom-signature"),
            strongroom_service::rotation::events::signature(signing_key.as_bytes(), &timestamp, &body)
        );
    }
    // The very first key was deleted by the second rotation.
    let keys = iam.list_access_keys().user_name("svc").send().await.unwrap();
    assert!(
        keys.access_key_metadata()
            .iter()
            .all(|k| k.access_key_id() != Some(first.access_key_id()))
    );
    server.stop().await;
}

/// The next event the receiver gets, parsed; fails after `PATIENCE`.
async fn next_event(
    received: &mut tokio::sync::mpsc::UnboundedReceiver<(String, String)>,
) -> serde_json::Value {
    let (_, body) = tokio::time::timeout(PATIENCE, received.recv())
        .await
        .expect("no event came")
        .unwrap();
    serde_json::from_str(&body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_losing_its_last_label_is_notified_as_deprecated() {
    let mut server = TestServer::sqlite().await;
    let role = create_rotator_role(&server).await;
    let function = register_builtin(&server, "passwords", "random-password", &role).await;
    let client = secrets(&server);
    let created = client
        .create_secret()
        .name("app/deprecations")
        .secret_string("v1")
        .client_request_token("00000000-0000-4000-8000-000000000001")
        .send()
        .await
        .unwrap();
    let secret_arn = created.arn().unwrap().to_owned();
    let (url, mut received) = webhook_receiver().await;
    let subscribed = strongroom(
        &server,
        "CreateSubscription",
        &serde_json::json!({"Url": url, "EventNames": ["SecretVersionDeprecated"], "SecretId": secret_arn})
            .to_string(),
    )
    .await;
    assert_eq!(subscribed.status, 200, "{}", subscribed.body);
    let version = |n: u32| format!("00000000-0000-4000-8000-{n:012}");
    let put = |n: u32| {
        client
            .put_secret_value()
            .secret_id("app/deprecations")
            .secret_string(format!("v{n}"))
            .client_request_token(version(n))
            .send()
    };
    let expect_deprecated = |event: serde_json::Value, n: u32| {
        assert_eq!(event["detail"]["eventName"], "SecretVersionDeprecated", "{event}");
        assert_eq!(event["resources"][0], secret_arn.as_str());
        assert_eq!(
            event["detail"]["additionalEventData"]["VersionId"],
            version(n).as_str(),
            "{event}"
        );
    };

    // v2 becomes current and v1 AWSPREVIOUS: nothing is deprecated, so nothing is sent. v3 takes
    // AWSPREVIOUS off v1, the first event (an event for v2's put would have come first).
    put(2).await.unwrap();
    put(3).await.unwrap();
    expect_deprecated(next_event(&mut received).await, 1);

    // A custom label keeps v2 labelled when AWSPREVIOUS leaves it; taking the label off deprecates it.
    client
        .update_secret_version_stage()
        .secret_id("app/deprecations")
        .version_stage("KEEP")
        .move_to_version_id(version(2))
        .send()
        .await
        .unwrap();
    put(4).await.unwrap();
    client
        .update_secret_version_stage()
        .secret_id("app/deprecations")
        .version_stage("KEEP")
        .remove_from_version_id(version(2))
        .send()
        .await
        .unwrap();
    expect_deprecated(next_event(&mut received).await, 2);

    // UpdateSecret with a value: v3 (AWSPREVIOUS) is deprecated.
    client
        .update_secret()
        .secret_id("app/deprecations")
        .secret_string("v5")
        .client_request_token(version(5))
        .send()
        .await
        .unwrap();
    expect_deprecated(next_event(&mut received).await, 3);

    // A rotation's finishSecret: v5 becomes AWSPREVIOUS and v4 is deprecated.
    let rotated = client
        .rotate_secret()
        .secret_id("app/deprecations")
        .rotation_lambda_arn(&function)
        .send()
        .await
        .unwrap();
    wait_until_current(&client, "app/deprecations", rotated.version_id().unwrap()).await;
    expect_deprecated(next_event(&mut received).await, 4);

    // Moving a label that deprecates nothing sends nothing.
    client
        .update_secret_version_stage()
        .secret_id("app/deprecations")
        .version_stage("KEEP")
        .move_to_version_id(version(5))
        .send()
        .await
        .unwrap();
    let extra = tokio::time::timeout(Duration::from_secs(3), received.recv()).await;
    assert!(extra.is_err(), "an unexpected event: {extra:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updating_a_function_into_a_webhook_answers_its_signing_key_once() {
    let mut server = TestServer::sqlite().await;
    let role = create_rotator_role(&server).await;
    register_builtin(&server, "flexible", "random-password", &role).await;
    let to_webhook = serde_json::json!({
        "FunctionName": "flexible",
        "Kind": "webhook",
        "Configuration": r#"{"url":"https://hooks.example/rotate"}"#,
        "Role": role,
    })
    .to_string();
    let json = |body: &str| serde_json::from_str::<serde_json::Value>(body).unwrap();

    let became = strongroom(&server, "UpdateRotationFunction", &to_webhook).await;
    assert_eq!(became.status, 200, "{}", became.body);
    let became = json(&became.body);
    assert_eq!(became["Function"]["Kind"], "webhook", "{became}");
    let key = became["SigningKey"].as_str().expect("the new signing key");
    assert_eq!(key.len(), 44, "32 bytes in base64");

    // Neither a later update nor a read shows it again.
    let again = strongroom(&server, "UpdateRotationFunction", &to_webhook).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert!(json(&again.body).get("SigningKey").is_none(), "{}", again.body);
    let read = strongroom(&server, "GetRotationFunction", r#"{"FunctionName":"flexible"}"#).await;
    assert!(json(&read.body).get("SigningKey").is_none(), "{}", read.body);
    assert!(!read.body.contains(key));
    server.stop().await;
}
