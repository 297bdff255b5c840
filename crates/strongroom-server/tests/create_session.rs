//! Roles Anywhere's `CreateSession` against a real server: requests signed with AWS4-X509 by certificates of
//! a test PKI (good and bad), both request styles, the checks on trust anchors, profiles, roles and trust
//! policies, and the credentials it hands out used with the AWS SDK for Rust.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use aws_sdk_rolesanywhere::primitives::Blob;
use aws_sdk_rolesanywhere::types::{Source, SourceData, TrustAnchorType};
use common::{ACCOUNT, Reply, TestServer, send_raw};
use serde_json::Value;
use strongroom_crypto::x509::testpki::{TestIdentity, TestPki};
use strongroom_crypto::x509::{Certificate, pem};
use strongroom_sigv4::SignableRequest;
use strongroom_sigv4::x509::{X509SigningParams, sign_x509};
use strongroom_types::OffsetDateTime;

const REGION: &str = "us-east-1";

/// A server with a trust anchor (the test root, the intermediate's CRL imported), a profile and two roles:
/// `workload` (trusts Roles Anywhere for this anchor; reads `app/<its CN>-*` secrets) and `cn-bound` (trusts
/// only the certificate whose CN is `workload-p256`).
struct World {
    server: TestServer,
    pki: TestPki,
    anchor_arn: String,
    anchor_id: String,
    profile_arn: String,
    profile_id: String,
    role_arn: String,
    cn_bound_role_arn: String,
}

fn sdk_config<B>(server: &TestServer, builder: B) -> B
where
    B: SdkConfigBuilder,
{
    builder.configure(server)
}

/// The few builder calls every SDK client here shares.
trait SdkConfigBuilder {
    fn configure(self, server: &TestServer) -> Self;
}

macro_rules! sdk_builder {
    ($krate:ident) => {
        impl SdkConfigBuilder for $krate::config::Builder {
            fn configure(self, server: &TestServer) -> Self {
                self.endpoint_url(&server.endpoint)
                    .region($krate::config::Region::new(REGION))
                    .behavior_version($krate::config::BehaviorVersion::latest())
            }
        }
    };
}
sdk_builder!(aws_sdk_rolesanywhere);
sdk_builder!(aws_sdk_iam);
sdk_builder!(aws_sdk_secretsmanager);
sdk_builder!(aws_sdk_sts);

fn root_rolesanywhere(server: &TestServer) -> aws_sdk_rolesanywhere::Client {
    let credentials = aws_sdk_rolesanywhere::config::Credentials::new(
        &server.access_key_id,
        &server.secret_access_key,
        None,
        None,
        "t",
    );
    aws_sdk_rolesanywhere::Client::from_conf(
        sdk_config(server, aws_sdk_rolesanywhere::Config::builder())
            .credentials_provider(credentials)
            .build(),
    )
}

fn root_iam(server: &TestServer) -> aws_sdk_iam::Client {
    let credentials = aws_sdk_iam::config::Credentials::new(
        &server.access_key_id,
        &server.secret_access_key,
        None,
        None,
        "t",
    );
    aws_sdk_iam::Client::from_conf(
        sdk_config(server, aws_sdk_iam::Config::builder())
            .credentials_provider(credentials)
            .build(),
    )
}

fn secrets_as(
    server: &TestServer,
    id: &str,
    secret: &str,
    token: Option<&str>,
) -> aws_sdk_secretsmanager::Client {
    let credentials =
        aws_sdk_secretsmanager::config::Credentials::new(id, secret, token.map(str::to_owned), None, "t");
    aws_sdk_secretsmanager::Client::from_conf(
        sdk_config(server, aws_sdk_secretsmanager::Config::builder())
            .credentials_provider(credentials)
            .build(),
    )
}

fn trust_policy(anchor_arn: &str, extra_condition: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow",
            "Principal":{{"Service":"rolesanywhere.amazonaws.com"}},
            "Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"],
            "Condition":{{"ArnEquals":{{"aws:SourceArn":"{anchor_arn}"}}{extra_condition}}}}}]}}"#
    )
}

impl World {
    async fn new() -> Self {
        let server = TestServer::sqlite().await;
        let pki = TestPki::generate().unwrap();
        let ra = root_rolesanywhere(&server);
        let anchor = ra
            .create_trust_anchor()
            .name("test-root")
            .enabled(true)
            .source(
                Source::builder()
                    .source_type(TrustAnchorType::CertificateBundle)
                    .source_data(SourceData::X509CertificateData(
                        pki.root.identity.cert_pem.clone(),
                    ))
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let anchor = anchor.trust_anchor().unwrap();
        let anchor_arn = anchor.trust_anchor_arn().unwrap().to_owned();
        let anchor_id = anchor.trust_anchor_id().unwrap().to_owned();
        let crl_pem = pem::encode("X509 CRL", &pki.crl_der().unwrap());
        ra.import_crl()
            .name("intermediate")
            .crl_data(Blob::new(crl_pem.into_bytes()))
            .trust_anchor_arn(&anchor_arn)
            .enabled(true)
            .send()
            .await
            .unwrap();

        let iam = root_iam(&server);
        let permissions = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"secretsmanager:GetSecretValue",
                "Resource":"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:app/${{aws:PrincipalTag/x509Subject/CN}}-*"}}]}}"#
        );
        let mut role_arns = Vec::new();
        for (name, extra) in [
            ("workload", String::new()),
            (
                "cn-bound",
                r#","StringEquals":{"aws:PrincipalTag/x509Subject/CN":"workload-p256"}"#.to_owned(),
            ),
        ] {
            let role = iam
                .create_role()
                .role_name(name)
                .assume_role_policy_document(trust_policy(&anchor_arn, &extra))
                .send()
                .await
                .unwrap();
            iam.put_role_policy()
                .role_name(name)
                .policy_name("read-own-secrets")
                .policy_document(&permissions)
                .send()
                .await
                .unwrap();
            role_arns.push(role.role().unwrap().arn().to_owned());
        }
        let profile = ra
            .create_profile()
            .name("workloads")
            .enabled(true)
            .set_role_arns(Some(role_arns.clone()))
            .send()
            .await
            .unwrap();
        let profile = profile.profile().unwrap();

        let root_secrets = secrets_as(&server, &server.access_key_id, &server.secret_access_key, None);
        for cn in ["workload-p256", "workload-rsa"] {
            root_secrets
                .create_secret()
                .name(format!("app/{cn}"))
                .secret_string(format!("password of {cn}"))
                .send()
                .await
                .unwrap();
        }
        Self {
            anchor_arn,
            anchor_id,
            profile_arn: profile.profile_arn().unwrap().to_owned(),
            profile_id: profile.profile_id().unwrap().to_owned(),
            role_arn: role_arns[0].clone(),
            cn_bound_role_arn: role_arns[1].clone(),
            server,
            pki,
        }
    }

    /// The Go helper's request: ARNs in the query, `durationSeconds` in the body.
    fn query_style(&self, role_arn: &str) -> Attempt<'_> {
        Attempt {
            world: self,
            query: format!(
                "profileArn={}&roleArn={}&trustAnchorArn={}",
                encode(&self.profile_arn),
                encode(role_arn),
                encode(&self.anchor_arn)
            ),
            body: r#"{"durationSeconds":3600}"#.to_owned(),
            content_type: "application/json",
            chain: vec![self.pki.intermediate.cert().clone()],
            time: OffsetDateTime::now_utc(),
            region: REGION,
        }
    }

    /// The PyPI client's request: everything in the body.
    fn body_style(&self, role_arn: &str, extra: &str) -> Attempt<'_> {
        Attempt {
            world: self,
            query: String::new(),
            body: format!(
                r#"{{"durationSeconds": 3600, "profileArn": "{}", "roleArn": "{role_arn}", "trustAnchorArn": "{}"{extra}}}"#,
                self.profile_arn, self.anchor_arn
            ),
            content_type: "application/x-amz-json-1.0",
            chain: vec![self.pki.intermediate.cert().clone()],
            time: OffsetDateTime::now_utc(),
            region: REGION,
        }
    }
}

/// One CreateSession request before it is signed.
struct Attempt<'a> {
    world: &'a World,
    query: String,
    body: String,
    content_type: &'static str,
    chain: Vec<Certificate>,
    time: OffsetDateTime,
    region: &'static str,
}

impl Attempt<'_> {
    fn signed_headers(&self, identity: &TestIdentity) -> Vec<(String, String)> {
        let host = self.world.server.host();
        let headers = [("host", host.as_str()), ("content-type", self.content_type)];
        let signable = SignableRequest {
            method: "POST",
            path: "/sessions",
            query: &self.query,
            headers: &headers,
            body: self.body.as_bytes(),
        };
        let key = identity.private_key().unwrap();
        let signed = sign_x509(
            &signable,
            &X509SigningParams {
                certificate: &identity.cert,
                chain: &self.chain,
                key: &key,
                region: self.region,
                time: self.time,
            },
        )
        .unwrap();
        headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .chain(signed.headers().iter().map(|(n, v)| ((*n).to_owned(), v.clone())))
            .collect()
    }

    async fn send(&self, identity: &TestIdentity) -> Reply {
        let headers = self.signed_headers(identity);
        self.send_with(&headers, self.body.clone()).await
    }

    async fn send_with(&self, headers: &[(String, String)], body: String) -> Reply {
        send_raw(
            &self.world.server.endpoint,
            "POST",
            "/sessions",
            &self.query,
            headers,
            body.into_bytes(),
        )
        .await
    }
}

/// Percent-encodes a query value the way Go's `url.Values.Encode` does for ARNs.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn json(reply: &Reply) -> Value {
    serde_json::from_str(&reply.body).unwrap_or_else(|err| panic!("{err}: {}", reply.body))
}

#[track_caller]
fn assert_refused(reply: &Reply, status: u16, code: &str, case: &str) {
    assert_eq!(reply.status, status, "{case}: {}", reply.body);
    assert_eq!(
        reply.header("x-amzn-errortype"),
        Some(code),
        "{case}: {}",
        reply.body
    );
    assert!(json(reply)["message"].is_string(), "{case}: {}", reply.body);
}

/// The first credential set of a 201 reply.
fn credentials(reply: &Reply) -> (String, String, String) {
    assert_eq!(reply.status, 201, "{}", reply.body);
    let body = json(reply);
    let c = &body["credentialSet"][0]["credentials"];
    (
        c["accessKeyId"].as_str().unwrap().to_owned(),
        c["secretAccessKey"].as_str().unwrap().to_owned(),
        c["sessionToken"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn every_key_type_gets_a_session_that_reaches_what_its_role_allows() {
    let world = World::new().await;
    for (identity, style) in [
        (&world.pki.leaf_p256, "query"),
        (&world.pki.leaf_rsa, "body"),
        (&world.pki.leaf_p384, "query"),
        (&world.pki.leaf_no_eku, "body"),
    ] {
        let attempt = match style {
            "query" => world.query_style(&world.role_arn),
            _ => world.body_style(&world.role_arn, ""),
        };
        let reply = attempt.send(identity).await;
        let cn = identity.cert.subject().common_name().unwrap().to_owned();
        let (id, secret, token) = credentials(&reply);
        assert!(id.starts_with("ASIA"), "{id}");
        let body = json(&reply);
        let set = &body["credentialSet"][0];
        let serial = identity.cert.serial_hex();
        assert_eq!(
            set["assumedRoleUser"]["arn"],
            format!("arn:aws:sts::{ACCOUNT}:assumed-role/workload/{serial}"),
            "the session is named after the certificate's serial"
        );
        assert_eq!(set["roleArn"], world.role_arn.as_str());
        assert_eq!(set["sourceIdentity"], cn.as_str());
        assert!(
            body["subjectArn"]
                .as_str()
                .unwrap()
                .starts_with(&format!("arn:aws:rolesanywhere:{REGION}:{ACCOUNT}:subject/")),
            "{body}"
        );
        let expiration = set["credentials"]["expiration"].as_str().unwrap();
        let expires =
            OffsetDateTime::parse(expiration, &time::format_description::well_known::Rfc3339).unwrap();
        let left = (expires - OffsetDateTime::now_utc()).whole_seconds();
        assert!((3_500..=3_600).contains(&left), "{expiration}");

        let sts = world.server.sts_with(&id, &secret, Some(&token));
        let me = sts.get_caller_identity().send().await.unwrap();
        assert_eq!(
            me.arn(),
            Some(format!("arn:aws:sts::{ACCOUNT}:assumed-role/workload/{serial}").as_str())
        );

        // The role's policy names the secret after the session's principal tag x509Subject/CN.
        let secrets = secrets_as(&world.server, &id, &secret, Some(&token));
        let own = secrets
            .get_secret_value()
            .secret_id(format!("app/{cn}"))
            .send()
            .await;
        let other_cn = if cn == "workload-p256" {
            "workload-rsa"
        } else {
            "workload-p256"
        };
        let other = secrets
            .get_secret_value()
            .secret_id(format!("app/{other_cn}"))
            .send()
            .await;
        use aws_sdk_secretsmanager::error::ProvideErrorMetadata as _;
        match cn.as_str() {
            "workload-p256" | "workload-rsa" => {
                assert_eq!(
                    own.unwrap().secret_string(),
                    Some(format!("password of {cn}").as_str())
                );
            }
            _ => assert!(own.is_err(), "{cn} has no secret"),
        }
        assert_eq!(other.unwrap_err().code(), Some("AccessDeniedException"), "{cn}");
    }
}

#[tokio::test]
async fn refused_certificates_and_requests_get_aws_errors() {
    let world = World::new().await;
    let pki = &world.pki;
    let good = world.query_style(&world.role_arn);
    let no_chain = Attempt {
        chain: Vec::new(),
        ..world.query_style(&world.role_arn)
    };
    let cases: Vec<(&str, &Attempt<'_>, &TestIdentity)> = vec![
        ("expired", &good, &pki.expired),
        ("not yet valid", &good, &pki.not_yet_valid),
        ("a CA as the leaf", &good, &pki.ca_as_leaf),
        ("serverAuth only", &good, &pki.wrong_eku),
        ("no digitalSignature", &good, &pki.no_digital_signature),
        ("revoked by the imported CRL", &good, &pki.revoked),
        ("an untrusted root", &no_chain, &pki.untrusted_leaf),
        ("the intermediate missing", &no_chain, &pki.leaf_p256),
    ];
    for (case, attempt, identity) in cases {
        let reply = attempt.send(identity).await;
        assert_refused(&reply, 403, "AccessDeniedException", case);
        assert_eq!(json(&reply)["message"], "Untrusted Signing Certificate", "{case}");
    }

    // The signature covers the body, the time and the region.
    let headers = good.signed_headers(&pki.leaf_p256);
    let tampered = good
        .send_with(&headers, r#"{"durationSeconds":3601}"#.to_owned())
        .await;
    assert_refused(&tampered, 403, "AccessDeniedException", "a changed body");
    let stale = Attempt {
        time: OffsetDateTime::now_utc() - time::Duration::minutes(10),
        ..world.query_style(&world.role_arn)
    };
    assert_refused(
        &stale.send(&pki.leaf_p256).await,
        403,
        "AccessDeniedException",
        "10 minutes old",
    );
    let elsewhere = Attempt {
        region: "eu-west-1",
        ..world.query_style(&world.role_arn)
    };
    assert_refused(
        &elsewhere.send(&pki.leaf_p256).await,
        403,
        "AccessDeniedException",
        "scoped to another region",
    );

    // Input the model or the profile does not allow.
    let too_long = Attempt {
        body: r#"{"durationSeconds":7200}"#.to_owned(),
        ..world.query_style(&world.role_arn)
    };
    assert_refused(
        &too_long.send(&pki.leaf_p256).await,
        400,
        "ValidationException",
        "over the profile",
    );
    let named = world.body_style(&world.role_arn, r#", "roleSessionName": "mine""#);
    assert_refused(
        &named.send(&pki.leaf_p256).await,
        400,
        "ValidationException",
        "a session name",
    );
    let mismatched = Attempt {
        body: format!(r#"{{"roleArn":"{}"}}"#, world.cn_bound_role_arn),
        ..world.query_style(&world.role_arn)
    };
    assert_refused(
        &mismatched.send(&pki.leaf_p256).await,
        400,
        "ValidationException",
        "query and body disagree",
    );
    let foreign_role = world.query_style(&format!("arn:aws:iam::{ACCOUNT}:role/not-in-profile"));
    assert_refused(
        &foreign_role.send(&pki.leaf_p256).await,
        403,
        "AccessDeniedException",
        "a role the profile does not name",
    );
    let unknown_profile = Attempt {
        query: good
            .query
            .replace(&world.profile_id, "00000000-0000-4000-8000-000000000000"),
        ..world.query_style(&world.role_arn)
    };
    assert_refused(
        &unknown_profile.send(&pki.leaf_p256).await,
        404,
        "ResourceNotFoundException",
        "an unknown profile",
    );

    // Not one of these became a session, and the good request still works.
    credentials(&good.send(&pki.leaf_p256).await);
}

#[tokio::test]
async fn trust_policy_conditions_see_the_certificate() {
    let world = World::new().await;
    let attempt = world.query_style(&world.cn_bound_role_arn);
    credentials(&attempt.send(&world.pki.leaf_p256).await);
    let reply = attempt.send(&world.pki.leaf_rsa).await;
    assert_refused(&reply, 403, "AccessDeniedException", "another CN");
    assert_eq!(json(&reply)["message"], "Unable to assume role");

    // The role (and its parsed trust policy) is cached between sessions: a changed trust policy counts at once.
    let iam = root_iam(&world.server);
    iam.update_assume_role_policy()
        .role_name("cn-bound")
        .policy_document(trust_policy(
            &world.anchor_arn,
            r#","StringEquals":{"aws:PrincipalTag/x509Subject/CN":"workload-rsa"}"#,
        ))
        .send()
        .await
        .unwrap();
    credentials(&attempt.send(&world.pki.leaf_rsa).await);
    assert_refused(
        &attempt.send(&world.pki.leaf_p256).await,
        403,
        "AccessDeniedException",
        "the CN the new trust policy no longer names",
    );
    // So does a deleted role.
    iam.delete_role_policy()
        .role_name("cn-bound")
        .policy_name("read-own-secrets")
        .send()
        .await
        .unwrap();
    iam.delete_role().role_name("cn-bound").send().await.unwrap();
    assert_refused(
        &attempt.send(&world.pki.leaf_rsa).await,
        403,
        "AccessDeniedException",
        "a deleted role",
    );
}

#[tokio::test]
async fn the_duration_is_capped_by_the_profile_and_the_role() {
    let world = World::new().await;
    let ra = root_rolesanywhere(&world.server);
    ra.update_profile()
        .profile_id(&world.profile_id)
        .duration_seconds(43_200)
        .send()
        .await
        .unwrap();
    // The role's MaxSessionDuration is IAM's default, one hour.
    let long = Attempt {
        body: r#"{"durationSeconds":7200}"#.to_owned(),
        ..world.query_style(&world.role_arn)
    };
    assert_refused(
        &long.send(&world.pki.leaf_p256).await,
        400,
        "ValidationException",
        "over the role's maximum",
    );
    root_iam(&world.server)
        .update_role()
        .role_name("workload")
        .max_session_duration(7200)
        .send()
        .await
        .unwrap();
    let reply = long.send(&world.pki.leaf_p256).await;
    credentials(&reply);
    let expires = OffsetDateTime::parse(
        json(&reply)["credentialSet"][0]["credentials"]["expiration"]
            .as_str()
            .unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let left = (expires - OffsetDateTime::now_utc()).whole_seconds();
    assert!((7_100..=7_200).contains(&left), "{left}");
}

#[tokio::test]
async fn disabling_and_changing_resources_takes_effect_at_once() {
    let world = World::new().await;
    let ra = root_rolesanywhere(&world.server);
    let attempt = world.query_style(&world.role_arn);
    let leaf = &world.pki.leaf_p256;
    credentials(&attempt.send(leaf).await);

    ra.disable_trust_anchor()
        .trust_anchor_id(&world.anchor_id)
        .send()
        .await
        .unwrap();
    assert_refused(
        &attempt.send(leaf).await,
        403,
        "AccessDeniedException",
        "anchor disabled",
    );
    ra.enable_trust_anchor()
        .trust_anchor_id(&world.anchor_id)
        .send()
        .await
        .unwrap();
    credentials(&attempt.send(leaf).await);

    ra.disable_profile()
        .profile_id(&world.profile_id)
        .send()
        .await
        .unwrap();
    assert_refused(
        &attempt.send(leaf).await,
        403,
        "AccessDeniedException",
        "profile disabled",
    );
    ra.enable_profile()
        .profile_id(&world.profile_id)
        .send()
        .await
        .unwrap();

    // A custom session name once the profile accepts one; a shorter profile duration caps requests.
    ra.update_profile()
        .profile_id(&world.profile_id)
        .accept_role_session_name(true)
        .duration_seconds(1800)
        .send()
        .await
        .unwrap();
    let named = Attempt {
        body: r#"{"roleSessionName":"batch-job-7"}"#.to_owned(),
        ..world.query_style(&world.role_arn)
    };
    let reply = named.send(leaf).await;
    credentials(&reply);
    let body = json(&reply);
    assert_eq!(
        body["credentialSet"][0]["assumedRoleUser"]["arn"],
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/workload/batch-job-7")
    );
    let expires = OffsetDateTime::parse(
        body["credentialSet"][0]["credentials"]["expiration"]
            .as_str()
            .unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!((expires - OffsetDateTime::now_utc()).whole_seconds() <= 1_800);
    assert_refused(
        &attempt.send(leaf).await,
        400,
        "ValidationException",
        "3600 over 1800",
    );

    // The trust anchor's bundle replaced by another root: the old chain is no longer trusted.
    ra.update_trust_anchor()
        .trust_anchor_id(&world.anchor_id)
        .source(
            Source::builder()
                .source_type(TrustAnchorType::CertificateBundle)
                .source_data(SourceData::X509CertificateData(
                    world.pki.untrusted_root.identity.cert_pem.clone(),
                ))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let short = Attempt {
        body: r#"{"durationSeconds":900}"#.to_owned(),
        ..world.query_style(&world.role_arn)
    };
    assert_refused(
        &short.send(leaf).await,
        403,
        "AccessDeniedException",
        "bundle replaced",
    );
    let untrusted_no_chain = Attempt {
        chain: Vec::new(),
        ..short
    };
    credentials(&untrusted_no_chain.send(&world.pki.untrusted_leaf).await);
}

#[tokio::test]
async fn the_chain_header_may_hold_the_leaf_and_root_in_any_order() {
    let world = World::new().await;
    let pki = &world.pki;
    let attempt = Attempt {
        chain: vec![
            pki.root.cert().clone(),
            pki.leaf_p256.cert.clone(),
            pki.intermediate.cert().clone(),
        ],
        ..world.query_style(&world.role_arn)
    };
    credentials(&attempt.send(&pki.leaf_p256).await);
}

#[tokio::test]
async fn subjects_record_who_asked() {
    let world = World::new().await;
    let ra = root_rolesanywhere(&world.server);
    let attempt = world.query_style(&world.role_arn);
    let reply = attempt.send(&world.pki.leaf_p256).await;
    credentials(&reply);
    let subject_arn = json(&reply)["subjectArn"].as_str().unwrap().to_owned();
    assert_refused(
        &attempt.send(&world.pki.expired).await,
        403,
        "AccessDeniedException",
        "expired",
    );

    let subjects = ra.list_subjects().send().await.unwrap();
    let listed = subjects.subjects();
    assert_eq!(listed.len(), 2, "{listed:?}");
    let good = listed
        .iter()
        .find(|s| s.subject_arn() == Some(subject_arn.as_str()))
        .expect("the subject of the session is listed");
    assert!(
        good.x509_subject().unwrap().contains("CN=workload-p256"),
        "{good:?}"
    );
    let id = subject_arn.rsplit('/').next().unwrap();
    let detail = ra.get_subject().subject_id(id).send().await.unwrap();
    let detail = detail.subject().unwrap();
    let credential = &detail.credentials()[0];
    assert_eq!(
        credential.serial_number(),
        Some(world.pki.leaf_p256.cert.serial_decimal())
    );
    assert_eq!(credential.failed(), Some(false));
    let failed = listed
        .iter()
        .find(|s| s.x509_subject().unwrap().contains("CN=expired"))
        .expect("a failed attempt is recorded too");
    let failed = ra
        .get_subject()
        .subject_id(failed.subject_id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(failed.subject().unwrap().credentials()[0].failed(), Some(true));
}

#[tokio::test]
async fn wire_shape_of_a_session() {
    let world = World::new().await;
    let reply = world
        .query_style(&world.role_arn)
        .send(&world.pki.leaf_p256)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let mut body = json(&reply);
    let set = &mut body["credentialSet"][0];
    for field in ["accessKeyId", "secretAccessKey", "sessionToken", "expiration"] {
        set["credentials"][field] = Value::String(format!("[{field}]"));
    }
    set["assumedRoleUser"]["assumedRoleId"] = Value::String("[ROLE_ID]:[SERIAL]".into());
    set["assumedRoleUser"]["arn"] = Value::String(
        set["assumedRoleUser"]["arn"]
            .as_str()
            .unwrap()
            .replace(&world.pki.leaf_p256.cert.serial_hex(), "[SERIAL]"),
    );
    let subject = body["subjectArn"].as_str().unwrap();
    body["subjectArn"] = Value::String(format!("{}/[SUBJECT_ID]", subject.rsplit_once('/').unwrap().0));
    insta::assert_snapshot!(serde_json::to_string_pretty(&body).unwrap());

    let refused = world.query_style(&world.role_arn).send(&world.pki.expired).await;
    insta::assert_snapshot!(format!(
        "{} {}\n{}",
        refused.status,
        refused.header("x-amzn-errortype").unwrap_or_default(),
        refused.body
    ));
}
