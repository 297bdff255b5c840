//! The client's settings resolution, wire parsing, and a signed round trip against a local HTTP server
//! that verifies the signature with `strongroom-sigv4`.

use std::sync::Mutex;

use http_body_util::BodyExt as _;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use strongroom_sigv4::{derive_signing_key, parse_auth, verify};

use super::*;
use crate::credentials::Credentials;

fn env(pairs: &[(&str, &str)]) -> Environment {
    // HOME points nowhere so that the machine's own ~/.aws files do not leak into the tests.
    let mut all = vec![("HOME", "/nonexistent-home-for-tests")];
    all.extend_from_slice(pairs);
    Environment::from_pairs(all)
}

fn static_credentials(id: &str, secret: &str, token: Option<&str>) -> CredentialSource {
    CredentialSource::Static(Arc::new(Credentials::new(
        id,
        SecretString::from(secret),
        token.map(SecretString::from),
        None,
    )))
}

/// Environment variables, explicit endpoint, expected Secrets Manager URL, expected STS URL.
type EndpointCase<'a> = (&'a [(&'a str, &'a str)], Option<&'a str>, &'a str, &'a str);

#[test]
fn endpoints_resolve_in_the_sdk_order() {
    let keys = [("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_SECRET_ACCESS_KEY", "s")];
    let cases: [EndpointCase<'_>; 5] = [
        (
            &[("AWS_REGION", "eu-west-1")],
            None,
            "https://secretsmanager.eu-west-1.amazonaws.com/",
            "https://sts.eu-west-1.amazonaws.com/",
        ),
        (
            &[
                ("AWS_DEFAULT_REGION", "us-east-2"),
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:9000"),
            ],
            None,
            "http://127.0.0.1:9000/",
            "http://127.0.0.1:9000/",
        ),
        (
            &[
                ("AWS_REGION", "us-east-1"),
                ("AWS_ENDPOINT_URL", "http://general:1"),
                ("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://sm:2"),
            ],
            None,
            "http://sm:2/",
            "http://general:1/",
        ),
        (
            &[
                ("AWS_REGION", "us-east-1"),
                ("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://sm:2"),
            ],
            Some("https://explicit.example"),
            "https://explicit.example/",
            "https://sts.us-east-1.amazonaws.com/",
        ),
        (
            &[
                ("AWS_REGION", "us-east-1"),
                ("AWS_ENDPOINT_URL_STS", "http://sts:3"),
            ],
            None,
            "https://secretsmanager.us-east-1.amazonaws.com/",
            "http://sts:3/",
        ),
    ];
    for (vars, explicit, sm, sts) in cases {
        let mut all: Vec<(&str, &str)> = keys.to_vec();
        all.extend_from_slice(vars);
        let overrides = Overrides {
            endpoint_url: explicit.map(str::to_owned),
            ..Overrides::default()
        };
        let settings = ClientSettings::resolve(&env(&all), &overrides).unwrap();
        assert_eq!(settings.endpoint.url(), sm, "{vars:?}");
        assert_eq!(settings.sts_endpoint.url(), sts, "{vars:?}");
    }
}

#[test]
fn region_comes_from_override_env_or_profile_and_is_required() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        "[profile p]\nregion = ap-south-1\naws_access_key_id = A\naws_secret_access_key = S\nendpoint_url = http://prof:9\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let from_profile = env(&[("AWS_CONFIG_FILE", config), ("AWS_PROFILE", "p")]);
    let settings = ClientSettings::resolve(&from_profile, &Overrides::default()).unwrap();
    assert_eq!(settings.region, "ap-south-1");
    assert_eq!(settings.endpoint.url(), "http://prof:9/");

    let overridden = Overrides {
        region: Some("us-west-1".into()),
        ..Overrides::default()
    };
    assert_eq!(
        ClientSettings::resolve(&from_profile, &overridden)
            .unwrap()
            .region,
        "us-west-1"
    );

    let nothing = env(&[("AWS_ACCESS_KEY_ID", "A"), ("AWS_SECRET_ACCESS_KEY", "S")]);
    assert!(matches!(
        ClientSettings::resolve(&nothing, &Overrides::default()),
        Err(ClientError::NoRegion)
    ));
}

#[test]
fn bad_endpoints_are_refused() {
    for url in ["ftp://x", "not a url", "http://user:pw@host", "/relative"] {
        assert!(Endpoint::parse(url).is_err(), "{url}");
    }
    let endpoint = Endpoint::parse("http://127.0.0.1:8080").unwrap();
    assert_eq!(
        (endpoint.authority.as_str(), endpoint.path.as_str()),
        ("127.0.0.1:8080", "/")
    );
}

#[test]
fn error_bodies_are_classified() {
    let cases: [(u16, &str, UpstreamError); 5] = [
        (
            400,
            r#"{"__type":"ResourceNotFoundException","message":"not here"}"#,
            UpstreamError::Service {
                status: 400,
                code: "ResourceNotFoundException".into(),
                message: Some("not here".into()),
            },
        ),
        (
            400,
            r#"{"__type":"com.amazonaws.secretsmanager#AccessDeniedException","Message":"no"}"#,
            UpstreamError::Service {
                status: 400,
                code: "AccessDeniedException".into(),
                message: Some("no".into()),
            },
        ),
        (
            403,
            r#"{"__type":"InvalidSignatureException"}"#,
            UpstreamError::Service {
                status: 403,
                code: "InvalidSignatureException".into(),
                message: None,
            },
        ),
        (
            503,
            "<html>busy</html>",
            UpstreamError::Service {
                status: 503,
                code: "InternalFailure".into(),
                message: None,
            },
        ),
        (
            404,
            "nope",
            UpstreamError::Response("HTTP 404 without an error code".into()),
        ),
    ];
    for (status, body, expected) in cases {
        assert_eq!(json_error(status, body.as_bytes()), expected, "{body}");
    }
    assert_eq!(
        xml_error(403, b"<ErrorResponse><Error><Code>InvalidClientTokenId</Code><Message>bad</Message></Error></ErrorResponse>"),
        UpstreamError::Service {
            status: 403,
            code: "InvalidClientTokenId".into(),
            message: Some("bad".into())
        }
    );
}

#[test]
fn get_secret_value_results_are_parsed() {
    let json = serde_json::json!({
        "ARN": "arn:x", "Name": "n", "VersionId": "v", "SecretBinary": "aGk=",
        "VersionStages": ["AWSCURRENT"], "CreatedDate": 1569534789.046
    });
    let value = parse_get_secret_value(json).unwrap();
    assert_eq!(value.secret_binary(), Some(&b"hi"[..]));
    assert_eq!(value.secret_string(), None);
    assert_eq!(value.created_date_millis, Some(1_569_534_789_046));
    assert_eq!(value.version_stages, ["AWSCURRENT"]);

    let missing_arn = serde_json::json!({"Name": "n", "VersionId": "v"});
    assert!(matches!(
        parse_get_secret_value(missing_arn),
        Err(UpstreamError::Response(_))
    ));
    let bad_base64 = serde_json::json!({"ARN": "a", "Name": "n", "VersionId": "v", "SecretBinary": "!!"});
    assert!(matches!(
        parse_get_secret_value(bad_base64),
        Err(UpstreamError::Response(_))
    ));
}

/// What the local server saw.
#[derive(Debug, Default)]
struct Seen {
    targets: Vec<String>,
    bodies: Vec<String>,
    tokens: Vec<Option<String>>,
}

/// Serves canned Secrets Manager answers on a loopback port, verifying every signature against `secret`.
async fn fake_server(secret: &'static str) -> (String, Arc<Mutex<Seen>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let seen_by_server = Arc::clone(&seen);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let seen = Arc::clone(&seen_by_server);
            tokio::spawn(async move {
                let service = service_fn(move |request: http::Request<hyper::body::Incoming>| {
                    let seen = Arc::clone(&seen);
                    async move {
                        let (parts, body) = request.into_parts();
                        let body = body.collect().await.unwrap().to_bytes();
                        let headers: Vec<(String, String)> = parts
                            .headers
                            .iter()
                            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
                            .collect();
                        let borrowed: Vec<(&str, &str)> =
                            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
                        let signable = SignableRequest {
                            method: parts.method.as_str(),
                            path: parts.uri.path(),
                            query: parts.uri.query().unwrap_or(""),
                            headers: &borrowed,
                            body: &body,
                        };
                        let auth = parse_auth(&signable).unwrap();
                        let scope = auth.scope().clone();
                        let key =
                            derive_signing_key(secret.as_bytes(), &scope.date, &scope.region, &scope.service);
                        let verified =
                            verify(&signable, &auth, &key, time::OffsetDateTime::now_utc()).is_ok();
                        let target = parts
                            .headers
                            .get("x-amz-target")
                            .map(|v| v.to_str().unwrap().to_owned())
                            .unwrap_or_else(|| {
                                format!("{}:{}", scope.service, String::from_utf8_lossy(&body))
                            });
                        {
                            let mut seen = seen.lock().unwrap();
                            seen.targets.push(target.clone());
                            seen.bodies.push(String::from_utf8_lossy(&body).into_owned());
                            seen.tokens.push(auth.session_token().map(str::to_owned));
                        }
                        let (status, answer) = if !verified {
                            (
                                403,
                                r#"{"__type":"InvalidSignatureException","message":"bad signature"}"#
                                    .to_owned(),
                            )
                        } else if target == "secretsmanager.GetSecretValue" {
                            (
                                200,
                                r#"{"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf","Name":"db","VersionId":"v1","SecretString":"hunter2","VersionStages":["AWSCURRENT"],"CreatedDate":1.5}"#.to_owned(),
                            )
                        } else if target == "secretsmanager.DescribeSecret" {
                            (
                                200,
                                r#"{"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf","Name":"db","VersionIdsToStages":{"v1":["AWSCURRENT"],"v0":["AWSPREVIOUS"]}}"#.to_owned(),
                            )
                        } else if target.starts_with("sts:") {
                            (
                                200,
                                "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:root</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>".to_owned(),
                            )
                        } else {
                            (400, r#"{"__type":"UnknownOperationException"}"#.to_owned())
                        };
                        Ok::<_, std::convert::Infallible>(
                            http::Response::builder()
                                .status(status)
                                .body(Full::new(Bytes::from(answer)))
                                .unwrap(),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (format!("http://{address}"), seen)
}

fn client_for(endpoint: &str, credentials: CredentialSource) -> SecretsManagerClient {
    let overrides = Overrides {
        region: Some("us-east-1".into()),
        endpoint_url: Some(endpoint.to_owned()),
        sts_endpoint_url: Some(endpoint.to_owned()),
        credentials: Some(credentials),
        ..Overrides::default()
    };
    SecretsManagerClient::new(ClientSettings::resolve(&env(&[]), &overrides).unwrap()).unwrap()
}

#[tokio::test]
async fn signed_requests_round_trip() {
    let (endpoint, seen) = fake_server("right-secret").await;
    let client = client_for(
        &endpoint,
        static_credentials("AKIAIOSFODNN7EXAMPLE", "right-secret", Some("tok")),
    );

    let value = client
        .get_secret_value(&SecretRequest {
            secret_id: "db",
            version_id: None,
            version_stage: Some("AWSCURRENT"),
        })
        .await
        .unwrap();
    assert_eq!(value.secret_string(), Some("hunter2"));
    assert_eq!(value.created_date_millis, Some(1500));

    let description = client.describe_secret(&value.arn).await.unwrap();
    assert!(description.still_valid("v1", Some("AWSCURRENT")));
    assert!(description.still_valid("v0", None));

    assert_eq!(
        client.get_caller_identity().await.unwrap(),
        "arn:aws:iam::123456789012:root"
    );

    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.targets[..2],
        ["secretsmanager.GetSecretValue", "secretsmanager.DescribeSecret"]
    );
    assert!(seen.targets[2].starts_with("sts:Action=GetCallerIdentity"));
    let body: serde_json::Value = serde_json::from_str(&seen.bodies[0]).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"SecretId": "db", "VersionStage": "AWSCURRENT"})
    );
    assert!(seen.tokens.iter().all(|t| t.as_deref() == Some("tok")));
}

#[tokio::test]
async fn a_wrong_key_is_a_service_error_and_a_dead_port_is_a_connection_error() {
    let (endpoint, _) = fake_server("right-secret").await;
    let client = client_for(
        &endpoint,
        static_credentials("AKIAIOSFODNN7EXAMPLE", "wrong-secret", None),
    );
    let error = client.describe_secret("db").await.unwrap_err();
    assert_eq!(
        error,
        UpstreamError::Service {
            status: 403,
            code: "InvalidSignatureException".into(),
            message: Some("bad signature".into())
        }
    );
    assert!(!error.is_transient());

    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = client_for(&dead, static_credentials("AKIAIOSFODNN7EXAMPLE", "s", None));
    let error = client.describe_secret("db").await.unwrap_err();
    assert!(matches!(error, UpstreamError::Connection(_)), "{error:?}");
    assert!(error.is_transient());
}

#[test]
fn a_ca_bundle_without_certificates_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ca.pem");
    std::fs::write(&path, "not a certificate").unwrap();
    assert!(matches!(
        tls_config(Roots::Bundle(&path)),
        Err(ClientError::CaBundle { .. })
    ));
}
