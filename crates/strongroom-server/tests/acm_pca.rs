//! ACM Private CA through the AWS SDK for Rust against a real server (and raw signed requests for the wire
//! snapshots): root CAs with EC and RSA keys, a subordinate signed by a root, issuing from a CSR made with
//! rcgen, chains that verify, revocation seen in the CRL fetched from the unauthenticated CRL route, tags and
//! the CA life cycle, authorization of IAM users, `strongroom pca issue`, and the AWS errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::fmt::Debug;

use aws_sdk_acmpca::Client;
use aws_sdk_acmpca::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_acmpca::primitives::Blob;
use aws_sdk_acmpca::types::{
    Asn1Subject, CertificateAuthorityConfiguration, CertificateAuthorityStatus, CertificateAuthorityType,
    CrlConfiguration, KeyAlgorithm, RevocationConfiguration, RevocationReason, SigningAlgorithm, Tag,
    Validity, ValidityPeriodType,
};
use common::{ACCOUNT, TestServer};
use http_body_util::BodyExt as _;
use rcgen::PublicKeyData as _;
use serde_json::{Value, json};
use strongroom_crypto::pki;
use strongroom_server::cli::{PcaIssueArgs, PcaKeyType};
use strongroom_server::client::{Client as JsonClient, ClientSettings};

const ROOT_TEMPLATE: &str = "arn:aws:acm-pca:::template/RootCACertificate/V1";
const SUB_TEMPLATE: &str = "arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen0/V1";
const CLIENT_TEMPLATE: &str = "arn:aws:acm-pca:::template/EndEntityClientAuthCertificate/V1";

fn pca_with(server: &TestServer, id: &str, secret: &str) -> Client {
    let credentials = aws_sdk_acmpca::config::Credentials::new(id, secret, None, None, "test");
    let config = aws_sdk_acmpca::Config::builder()
        .endpoint_url(&server.endpoint)
        .region(aws_sdk_acmpca::config::Region::new("us-east-1"))
        .credentials_provider(credentials)
        .behavior_version(aws_sdk_acmpca::config::BehaviorVersion::latest())
        .build();
    Client::from_conf(config)
}

fn pca(server: &TestServer) -> Client {
    pca_with(server, &server.access_key_id, &server.secret_access_key)
}

/// The error code of a failed call.
#[track_caller]
fn code<T: Debug, E: ProvideErrorMetadata + Debug, R: Debug>(result: Result<T, SdkError<E, R>>) -> String {
    match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(err) => err.code().unwrap_or("<no code>").to_owned(),
    }
}

/// The PKIX pieces of one CA kind: key, signing algorithm.
#[derive(Clone)]
struct Kind {
    key: KeyAlgorithm,
    signing: SigningAlgorithm,
}

const EC: Kind = Kind {
    key: KeyAlgorithm::EcPrime256v1,
    signing: SigningAlgorithm::Sha256Withecdsa,
};
const RSA: Kind = Kind {
    key: KeyAlgorithm::Rsa2048,
    signing: SigningAlgorithm::Sha256Withrsa,
};

fn days(value: i64) -> Validity {
    Validity::builder()
        .value(value)
        .r#type(ValidityPeriodType::Days)
        .build()
        .unwrap()
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

/// Creates a CA (CRLs on, one tag) and returns its ARN.
async fn create(client: &Client, ca_type: CertificateAuthorityType, cn: &str, kind: &Kind) -> String {
    let configuration = CertificateAuthorityConfiguration::builder()
        .key_algorithm(kind.key.clone())
        .signing_algorithm(kind.signing.clone())
        .subject(
            Asn1Subject::builder()
                .common_name(cn)
                .organization("Strongroom Tests")
                .country("DE")
                .build(),
        )
        .build()
        .unwrap();
    let revocation = RevocationConfiguration::builder()
        .crl_configuration(
            CrlConfiguration::builder()
                .enabled(true)
                .expiration_in_days(7)
                .build()
                .unwrap(),
        )
        .build();
    client
        .create_certificate_authority()
        .certificate_authority_type(ca_type)
        .certificate_authority_configuration(configuration)
        .revocation_configuration(revocation)
        .tags(tag("team", "platform"))
        .send()
        .await
        .unwrap()
        .certificate_authority_arn
        .unwrap()
}

async fn status(client: &Client, arn: &str) -> CertificateAuthorityStatus {
    client
        .describe_certificate_authority()
        .certificate_authority_arn(arn)
        .send()
        .await
        .unwrap()
        .certificate_authority
        .unwrap()
        .status
        .unwrap()
}

/// `IssueCertificate` then `GetCertificate`: the certificate and chain PEM.
async fn issue(
    client: &Client,
    ca_arn: &str,
    csr_pem: &str,
    signing: SigningAlgorithm,
    template: &str,
    validity: Validity,
) -> (String, String, Option<String>) {
    let certificate_arn = client
        .issue_certificate()
        .certificate_authority_arn(ca_arn)
        .csr(Blob::new(csr_pem.as_bytes()))
        .signing_algorithm(signing)
        .template_arn(template)
        .validity(validity)
        .send()
        .await
        .unwrap()
        .certificate_arn
        .unwrap();
    let got = client
        .get_certificate()
        .certificate_authority_arn(ca_arn)
        .certificate_arn(&certificate_arn)
        .send()
        .await
        .unwrap();
    (certificate_arn, got.certificate.unwrap(), got.certificate_chain)
}

/// AWS's root flow: create, fetch the CSR, issue it with the root template, import. Returns the ARN and
/// the certificate's PEM.
async fn active_root(client: &Client, kind: &Kind) -> (String, String) {
    let arn = create(client, CertificateAuthorityType::Root, "Test Root", kind).await;
    let csr = client
        .get_certificate_authority_csr()
        .certificate_authority_arn(&arn)
        .send()
        .await
        .unwrap()
        .csr
        .unwrap();
    assert!(csr.starts_with("-----BEGIN CERTIFICATE REQUEST-----"), "{csr}");
    let years = Validity::builder()
        .value(10)
        .r#type(ValidityPeriodType::Years)
        .build()
        .unwrap();
    let (_, certificate, chain) = issue(client, &arn, &csr, kind.signing.clone(), ROOT_TEMPLATE, years).await;
    assert_eq!(chain, None, "a root's own certificate has no chain");
    client
        .import_certificate_authority_certificate()
        .certificate_authority_arn(&arn)
        .certificate(Blob::new(certificate.as_bytes()))
        .send()
        .await
        .unwrap();
    (arn, certificate)
}

fn der(pem: &str) -> Vec<u8> {
    pki::pem_decode_all(pem, "CERTIFICATE").unwrap().remove(0)
}

/// A workload's key and CSR, made with rcgen as a client would.
fn workload_csr(cn: &str) -> (rcgen::KeyPair, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec![format!("{cn}.example")]).unwrap();
    params.distinguished_name.push(rcgen::DnType::CommonName, cn);
    let csr = params.serialize_request(&key).unwrap().pem().unwrap();
    (key, csr)
}

/// GETs `url` without credentials: the status, content type and body.
async fn fetch(url: &str) -> (u16, Option<String>, Vec<u8>) {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Empty<bytes::Bytes>>();
    let response = client.get(url.parse().unwrap()).await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, content_type, body)
}

#[tokio::test]
async fn root_cas_with_ec_and_rsa_keys_get_their_certificates() {
    let mut server = TestServer::sqlite().await;
    let client = pca(&server);
    for kind in [&EC, &RSA] {
        let arn = create(&client, CertificateAuthorityType::Root, "Pending Root", kind).await;
        assert!(
            arn.starts_with(&format!(
                "arn:aws:acm-pca:us-east-1:{ACCOUNT}:certificate-authority/"
            )),
            "{arn}"
        );
        assert_eq!(
            status(&client, &arn).await,
            CertificateAuthorityStatus::PendingCertificate
        );
        // A pending CA has no certificate yet.
        assert_eq!(
            code(
                client
                    .get_certificate_authority_certificate()
                    .certificate_authority_arn(&arn)
                    .send()
                    .await
            ),
            "InvalidStateException"
        );

        let (arn, certificate) = active_root(&client, kind).await;
        let described = client
            .describe_certificate_authority()
            .certificate_authority_arn(&arn)
            .send()
            .await
            .unwrap()
            .certificate_authority
            .unwrap();
        assert_eq!(described.status, Some(CertificateAuthorityStatus::Active));
        assert_eq!(described.r#type, Some(CertificateAuthorityType::Root));
        assert_eq!(described.owner_account.as_deref(), Some(ACCOUNT));
        assert!(described.serial.is_some());
        assert!(described.not_after.is_some());
        let configuration = described.certificate_authority_configuration.unwrap();
        assert_eq!(configuration.key_algorithm, kind.key);
        assert_eq!(configuration.signing_algorithm, kind.signing);
        assert_eq!(
            configuration.subject.unwrap().common_name.as_deref(),
            Some("Test Root")
        );

        let root_der = der(&certificate);
        pki::verify_issued_by(&root_der, &root_der).unwrap();
        let info = pki::parse_certificate(&root_der).unwrap();
        assert!(info.is_ca);
        let got = client
            .get_certificate_authority_certificate()
            .certificate_authority_arn(&arn)
            .send()
            .await
            .unwrap();
        assert_eq!(der(got.certificate().unwrap()), root_der);
        assert_eq!(got.certificate_chain(), None);
    }
    let listed = client
        .list_certificate_authorities()
        .send()
        .await
        .unwrap()
        .certificate_authorities
        .unwrap();
    assert_eq!(listed.len(), 4);
    server.stop().await;
}

#[tokio::test]
async fn a_subordinate_issues_a_leaf_whose_revocation_reaches_the_crl() {
    let mut server = TestServer::sqlite().await;
    let client = pca(&server);
    let (root_arn, root_pem) = active_root(&client, &EC).await;

    // A subordinate with an RSA key, its CSR signed by the root and imported with the chain.
    let sub_arn = create(
        &client,
        CertificateAuthorityType::Subordinate,
        "Test Issuing CA",
        &RSA,
    )
    .await;
    let sub_csr = client
        .get_certificate_authority_csr()
        .certificate_authority_arn(&sub_arn)
        .send()
        .await
        .unwrap()
        .csr
        .unwrap();
    let (_, sub_pem, sub_chain) =
        issue(&client, &root_arn, &sub_csr, EC.signing, SUB_TEMPLATE, days(365)).await;
    assert_eq!(der(&sub_chain.unwrap()), der(&root_pem));
    // Without its chain a subordinate's certificate is refused.
    assert_eq!(
        code(
            client
                .import_certificate_authority_certificate()
                .certificate_authority_arn(&sub_arn)
                .certificate(Blob::new(sub_pem.as_bytes()))
                .send()
                .await
        ),
        "InvalidRequestException"
    );
    client
        .import_certificate_authority_certificate()
        .certificate_authority_arn(&sub_arn)
        .certificate(Blob::new(sub_pem.as_bytes()))
        .certificate_chain(Blob::new(root_pem.as_bytes()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        status(&client, &sub_arn).await,
        CertificateAuthorityStatus::Active
    );

    // A client-auth leaf from a CSR made with rcgen; its chain verifies up to the root.
    let (key, csr) = workload_csr("workload-1");
    let (leaf_arn, leaf_pem, chain) =
        issue(&client, &sub_arn, &csr, RSA.signing, CLIENT_TEMPLATE, days(30)).await;
    assert!(
        leaf_arn.starts_with(&format!("{sub_arn}/certificate/")),
        "{leaf_arn}"
    );
    let leaf = der(&leaf_pem);
    let chain = pki::pem_decode_all(&chain.unwrap(), "CERTIFICATE").unwrap();
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[0], der(&sub_pem));
    assert_eq!(chain[1], der(&root_pem));
    pki::verify_issued_by(&leaf, &chain[0]).unwrap();
    pki::verify_issued_by(&chain[0], &chain[1]).unwrap();
    pki::verify_issued_by(&chain[1], &chain[1]).unwrap();
    let info = pki::parse_certificate(&leaf).unwrap();
    assert_eq!(info.public_key_der, key.subject_public_key_info());
    assert!(!info.is_ca);
    assert!(info.subject_text.contains("workload-1"), "{}", info.subject_text);

    // The CRL the certificate names is this server's public route, served without credentials.
    let sub_id = sub_arn.rsplit('/').next().unwrap();
    assert_eq!(
        info.crl_urls,
        [format!("{}/pca/crl/{sub_id}.crl", server.endpoint)]
    );
    let url = &info.crl_urls[0];
    let (status_code, content_type, body) = fetch(url).await;
    assert_eq!(status_code, 200);
    assert_eq!(content_type.as_deref(), Some("application/pkix-crl"));
    let crl = pki::parse_crl(&body, Some(&chain[0])).unwrap();
    assert!(crl.revoked.is_empty());

    let serial = pki::serial_hex(&info.serial);
    client
        .revoke_certificate()
        .certificate_authority_arn(&sub_arn)
        .certificate_serial(&serial)
        .revocation_reason(RevocationReason::KeyCompromise)
        .send()
        .await
        .unwrap();
    let (status_code, _, body) = fetch(url).await;
    assert_eq!(status_code, 200);
    let crl = pki::parse_crl(&body, Some(&chain[0])).unwrap();
    assert_eq!(crl.revoked.len(), 1);
    assert_eq!(pki::serial_hex(&crl.revoked[0].0), serial);
    assert_eq!(crl.revoked[0].2, Some(1), "reason keyCompromise");
    assert_eq!(
        code(
            client
                .revoke_certificate()
                .certificate_authority_arn(&sub_arn)
                .certificate_serial(&serial)
                .revocation_reason(RevocationReason::KeyCompromise)
                .send()
                .await
        ),
        "RequestAlreadyProcessedException"
    );

    // Unknown CAs and malformed names have no CRL.
    for missing in [
        format!(
            "{}/pca/crl/00000000-0000-4000-8000-000000000000.crl",
            server.endpoint
        ),
        format!("{}/pca/crl/{sub_id}", server.endpoint),
    ] {
        assert_eq!(fetch(&missing).await.0, 404, "{missing}");
    }
    server.stop().await;
}

#[tokio::test]
async fn errors_are_aws_shaped() {
    let mut server = TestServer::sqlite().await;
    let client = pca(&server);
    let (root_arn, _) = active_root(&client, &EC).await;
    let unknown = format!(
        "arn:aws:acm-pca:us-east-1:{ACCOUNT}:certificate-authority/00000000-0000-4000-8000-000000000000"
    );
    assert_eq!(
        code(
            client
                .describe_certificate_authority()
                .certificate_authority_arn(&unknown)
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
    assert_eq!(
        code(
            client
                .get_certificate_authority_csr()
                .certificate_authority_arn(&unknown)
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
    assert_eq!(
        code(
            client
                .describe_certificate_authority()
                .certificate_authority_arn(format!("arn:aws:acm-pca:us-east-1:{ACCOUNT}:template/x"))
                .send()
                .await
        ),
        "InvalidArnException"
    );
    assert_eq!(
        code(
            client
                .describe_certificate_authority()
                .certificate_authority_arn("not an arn")
                .send()
                .await
        ),
        "ValidationException"
    );
    let (_, csr) = workload_csr("x");
    for bad in [
        b"not a csr".to_vec(),
        b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n".to_vec(),
    ] {
        assert_eq!(
            code(
                client
                    .issue_certificate()
                    .certificate_authority_arn(&root_arn)
                    .csr(Blob::new(bad))
                    .signing_algorithm(EC.signing)
                    .validity(days(1))
                    .send()
                    .await
            ),
            "MalformedCSRException"
        );
    }
    // A signing algorithm that does not fit the CA's key, and an unknown template.
    assert_eq!(
        code(
            client
                .issue_certificate()
                .certificate_authority_arn(&root_arn)
                .csr(Blob::new(csr.as_bytes()))
                .signing_algorithm(RSA.signing)
                .validity(days(1))
                .send()
                .await
        ),
        "InvalidArgsException"
    );
    assert_eq!(
        code(
            client
                .issue_certificate()
                .certificate_authority_arn(&root_arn)
                .csr(Blob::new(csr.as_bytes()))
                .signing_algorithm(EC.signing)
                .template_arn("arn:aws:acm-pca:::template/NoSuchTemplate/V1")
                .validity(days(1))
                .send()
                .await
        ),
        "InvalidArgsException"
    );
    // Invalid states: an active CA cannot be deleted, a pending one issues nothing but its own root.
    assert_eq!(
        code(
            client
                .delete_certificate_authority()
                .certificate_authority_arn(&root_arn)
                .send()
                .await
        ),
        "InvalidStateException"
    );
    let pending = create(&client, CertificateAuthorityType::Root, "Pending", &EC).await;
    assert_eq!(
        code(
            client
                .issue_certificate()
                .certificate_authority_arn(&pending)
                .csr(Blob::new(csr.as_bytes()))
                .signing_algorithm(EC.signing)
                .validity(days(1))
                .send()
                .await
        ),
        "InvalidStateException"
    );
    assert_eq!(
        code(
            client
                .revoke_certificate()
                .certificate_authority_arn(&root_arn)
                .certificate_serial("0badc0ffee")
                .revocation_reason(RevocationReason::Superseded)
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
    assert_eq!(
        code(
            client
                .get_certificate()
                .certificate_authority_arn(&root_arn)
                .certificate_arn(format!("{root_arn}/certificate/0badc0ffee"))
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
    assert_eq!(
        code(
            client
                .list_tags()
                .certificate_authority_arn(&root_arn)
                .next_token("%%%")
                .send()
                .await
        ),
        "InvalidNextTokenException"
    );
    assert_eq!(
        code(
            client
                .tag_certificate_authority()
                .certificate_authority_arn(&root_arn)
                .tags(tag("aws:reserved", "x"))
                .send()
                .await
        ),
        "InvalidTagException"
    );

    // An operation ACM PCA has but Strongroom does not serve.
    let reply = server
        .request("acm-pca")
        .json_target(
            "ACMPrivateCA.CreatePermission",
            &json!({"CertificateAuthorityArn": root_arn}).to_string(),
        )
        .send()
        .await;
    assert_eq!(reply.status, 400);
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body["__type"], "UnknownOperationException");
    server.stop().await;
}

#[tokio::test]
async fn tags_and_the_ca_life_cycle() {
    let mut server = TestServer::sqlite().await;
    let client = pca(&server);
    let (arn, _) = active_root(&client, &EC).await;
    let tags = |client: Client, arn: String| async move {
        let mut tags: Vec<(String, Option<String>)> = client
            .list_tags()
            .certificate_authority_arn(arn)
            .send()
            .await
            .unwrap()
            .tags
            .unwrap_or_default()
            .into_iter()
            .map(|t| (t.key, t.value))
            .collect();
        tags.sort();
        tags
    };
    assert_eq!(
        tags(client.clone(), arn.clone()).await,
        [("team".to_owned(), Some("platform".to_owned()))]
    );
    client
        .tag_certificate_authority()
        .certificate_authority_arn(&arn)
        .tags(tag("env", "test"))
        .tags(tag("team", "security"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags(client.clone(), arn.clone()).await,
        [
            ("env".to_owned(), Some("test".to_owned())),
            ("team".to_owned(), Some("security".to_owned()))
        ]
    );
    client
        .untag_certificate_authority()
        .certificate_authority_arn(&arn)
        .tags(Tag::builder().key("team").build().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags(client.clone(), arn.clone()).await,
        [("env".to_owned(), Some("test".to_owned()))]
    );

    // Disable, delete (restorable), restore: back disabled, then active again.
    client
        .update_certificate_authority()
        .certificate_authority_arn(&arn)
        .status(CertificateAuthorityStatus::Disabled)
        .send()
        .await
        .unwrap();
    assert_eq!(status(&client, &arn).await, CertificateAuthorityStatus::Disabled);
    let (_, csr) = workload_csr("y");
    assert_eq!(
        code(
            client
                .issue_certificate()
                .certificate_authority_arn(&arn)
                .csr(Blob::new(csr.as_bytes()))
                .signing_algorithm(EC.signing)
                .validity(days(1))
                .send()
                .await
        ),
        "InvalidStateException"
    );
    client
        .delete_certificate_authority()
        .certificate_authority_arn(&arn)
        .permanent_deletion_time_in_days(7)
        .send()
        .await
        .unwrap();
    let deleted = client
        .describe_certificate_authority()
        .certificate_authority_arn(&arn)
        .send()
        .await
        .unwrap()
        .certificate_authority
        .unwrap();
    assert_eq!(deleted.status, Some(CertificateAuthorityStatus::Deleted));
    assert!(deleted.restorable_until.is_some());
    client
        .restore_certificate_authority()
        .certificate_authority_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(status(&client, &arn).await, CertificateAuthorityStatus::Disabled);
    client
        .update_certificate_authority()
        .certificate_authority_arn(&arn)
        .status(CertificateAuthorityStatus::Active)
        .send()
        .await
        .unwrap();
    assert_eq!(status(&client, &arn).await, CertificateAuthorityStatus::Active);

    // A CA that never had a certificate goes at once.
    let pending = create(&client, CertificateAuthorityType::Root, "Short-lived", &EC).await;
    client
        .delete_certificate_authority()
        .certificate_authority_arn(&pending)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            client
                .describe_certificate_authority()
                .certificate_authority_arn(&pending)
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
    server.stop().await;
}

#[tokio::test]
async fn iam_users_need_acm_pca_permissions_on_the_ca() {
    let mut server = TestServer::sqlite().await;
    let root = pca(&server);
    let (arn, _) = active_root(&root, &EC).await;
    let iam = aws_sdk_iam::Client::from_conf(
        aws_sdk_iam::Config::builder()
            .endpoint_url(&server.endpoint)
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_iam::config::Credentials::new(
                &server.access_key_id,
                &server.secret_access_key,
                None,
                None,
                "t",
            ))
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .build(),
    );
    iam.create_user().user_name("issuer").send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name("issuer")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let user = pca_with(&server, &key.access_key_id, &key.secret_access_key);
    let describe = || {
        user.describe_certificate_authority()
            .certificate_authority_arn(&arn)
            .send()
    };
    assert_eq!(code(describe().await), "AccessDeniedException");
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["acm-pca:DescribeCertificateAuthority", "acm-pca:IssueCertificate"],
            "Resource": arn,
        }]
    });
    iam.put_user_policy()
        .user_name("issuer")
        .policy_name("pca")
        .policy_document(policy.to_string())
        .send()
        .await
        .unwrap();
    // Policies are cached for a few seconds; the change is seen at once on this node.
    let mut allowed = false;
    for _ in 0..50 {
        if describe().await.is_ok() {
            allowed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(allowed, "the user's policy never took effect");
    assert_eq!(
        code(user.list_tags().certificate_authority_arn(&arn).send().await),
        "AccessDeniedException"
    );
    assert_eq!(
        code(user.list_certificate_authorities().send().await),
        "AccessDeniedException"
    );
    server.stop().await;
}

/// A JSON client for `strongroom pca issue`, with the server's root credentials.
fn json_client(server: &TestServer) -> JsonClient {
    let vars = [
        ("AWS_ACCESS_KEY_ID", server.access_key_id.clone()),
        ("AWS_SECRET_ACCESS_KEY", server.secret_access_key.clone()),
        ("AWS_REGION", "us-east-1".to_owned()),
    ];
    let settings = ClientSettings::from_lookup(Some(&server.endpoint), |name| {
        vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
    })
    .unwrap();
    JsonClient::new(settings).unwrap()
}

#[tokio::test]
async fn pca_issue_writes_a_private_key_a_certificate_and_its_chain() {
    let mut server = TestServer::sqlite().await;
    let (root_arn, root_pem) = active_root(&pca(&server), &EC).await;
    let dir = tempfile::tempdir().unwrap();
    let key_out = dir.path().join("key.pem");
    // An existing key file loses its looser mode.
    std::fs::write(&key_out, "old").unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&key_out, std::fs::Permissions::from_mode(0o644)).unwrap();
    let args = PcaIssueArgs {
        ca_arn: root_arn.clone(),
        common_name: "batch-job".into(),
        key_type: PcaKeyType::EcP384,
        days: 7,
        cert_out: dir.path().join("cert.pem"),
        key_out: key_out.clone(),
        chain_out: Some(dir.path().join("chain.pem")),
        endpoint_url: None,
    };
    let issued = strongroom_server::pca_issue::issue_with(&json_client(&server), &args)
        .await
        .unwrap();
    assert!(
        issued
            .certificate_arn
            .starts_with(&format!("{root_arn}/certificate/")),
        "{}",
        issued.certificate_arn
    );
    let cert = std::fs::read_to_string(&args.cert_out).unwrap();
    let chain = std::fs::read_to_string(args.chain_out.as_ref().unwrap()).unwrap();
    assert_eq!(der(&chain), der(&root_pem));
    pki::verify_issued_by(&der(&cert), &der(&chain)).unwrap();
    let key_pem = std::fs::read_to_string(&key_out).unwrap();
    assert!(key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert_eq!(
        std::fs::metadata(&key_out).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let key = rcgen::KeyPair::from_pem(&key_pem).unwrap();
    let info = pki::parse_certificate(&der(&cert)).unwrap();
    assert_eq!(info.public_key_der, key.subject_public_key_info());
    assert!(info.subject_text.contains("batch-job"), "{}", info.subject_text);

    // An unknown CA is the server's error, and no file is written.
    let missing = PcaIssueArgs {
        ca_arn: format!(
            "arn:aws:acm-pca:us-east-1:{ACCOUNT}:certificate-authority/00000000-0000-4000-8000-000000000000"
        ),
        cert_out: dir.path().join("none.pem"),
        key_out: dir.path().join("none.key"),
        chain_out: None,
        ..args
    };
    let err = strongroom_server::pca_issue::issue_with(&json_client(&server), &missing)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("ResourceNotFoundException"), "{err}");
    assert!(!missing.key_out.exists());
    server.stop().await;
}

/// Replaces the CA's id and the times in an ACM PCA body so that it can be snapshotted.
fn redact(body: &str, arn: &str) -> String {
    let id = arn.rsplit('/').next().unwrap();
    let mut value: Value = serde_json::from_str(body).unwrap();
    if let Some(ca) = value.get_mut("CertificateAuthority") {
        for key in ["CreatedAt", "LastStateChangeAt"] {
            if ca.get(key).is_some() {
                ca[key] = json!("[TIME]");
            }
        }
    }
    serde_json::to_string_pretty(&value)
        .unwrap()
        .replace(id, "[CA_ID]")
}

#[tokio::test]
async fn wire_shapes() {
    let mut server = TestServer::sqlite().await;
    let send = |target: &str, body: Value| {
        server
            .request("acm-pca")
            .json_target(&format!("ACMPrivateCA.{target}"), &body.to_string())
    };
    let created = send(
        "CreateCertificateAuthority",
        json!({
            "CertificateAuthorityType": "ROOT",
            "CertificateAuthorityConfiguration": {
                "KeyAlgorithm": "EC_prime256v1",
                "SigningAlgorithm": "SHA256WITHECDSA",
                "Subject": {"CommonName": "Snapshot Root", "Organization": "Strongroom", "Country": "DE"}
            },
            "RevocationConfiguration": {"CrlConfiguration": {"Enabled": true, "ExpirationInDays": 7}},
            "Tags": [{"Key": "team", "Value": "platform"}]
        }),
    )
    .send()
    .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.header("content-type"), Some("application/x-amz-json-1.1"));
    let arn = serde_json::from_str::<Value>(&created.body).unwrap()["CertificateAuthorityArn"]
        .as_str()
        .unwrap()
        .to_owned();
    insta::assert_snapshot!("pca_create", redact(&created.body, &arn));

    let described = send(
        "DescribeCertificateAuthority",
        json!({"CertificateAuthorityArn": arn}),
    )
    .send()
    .await;
    assert_eq!(described.status, 200, "{}", described.body);
    insta::assert_snapshot!("pca_describe_pending", redact(&described.body, &arn));

    let missing = send(
        "GetCertificateAuthorityCertificate",
        json!({"CertificateAuthorityArn": arn}),
    )
    .send()
    .await;
    assert_eq!(missing.status, 400);
    insta::assert_snapshot!("pca_invalid_state", redact(&missing.body, &arn));

    let invalid = send(
        "DescribeCertificateAuthority",
        json!({"CertificateAuthorityArn": "nope"}),
    )
    .send()
    .await;
    assert_eq!(invalid.status, 400);
    insta::assert_snapshot!("pca_validation", redact(&invalid.body, &arn));
    server.stop().await;
}
