//! Service-level tests of the private CA on an in-memory SQLite store: the AWS life cycle of root and
//! subordinate CAs, issuance by template, revocation and CRLs, deletion and restore, tags, and errors.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::sync::Arc;

use strongroom_crypto::RootKey;
use strongroom_crypto::pki::{self, KeyAlgorithm, PrivateKey, SubjectName};
use strongroom_store_sqlite::SqliteStore;
use strongroom_types::{AccessKeyId, Clock, ManualClock, OffsetDateTime};
use time::Duration;

use super::*;
use crate::Principal;

const ACCOUNT: &str = "123456789012";
const ROOT_TEMPLATE: &str = "arn:aws:acm-pca:::template/RootCACertificate/V1";
const SUB_TEMPLATE: &str = "arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen0/V1";
const CLIENT_TEMPLATE: &str = "arn:aws:acm-pca:::template/EndEntityClientAuthCertificate/V1";

struct Env {
    pca: Pca,
    authz: Authorizer,
    caller: Caller,
    clock: Arc<ManualClock>,
    store: Arc<dyn Store>,
}

fn caller_in(account: &str, principal: Principal) -> Caller {
    Caller::new(
        account.parse().unwrap(),
        principal,
        "AKIAIOSFODNN7EXAMPLE".parse::<AccessKeyId>().unwrap(),
        "us-east-1".parse().unwrap(),
        None,
        crate::caller::Identity::default(),
    )
}

async fn env() -> Env {
    let sqlite = SqliteStore::memory().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(sqlite);
    let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
    let keyring = Arc::new(
        Keyring::load(store.as_ref(), RootKey::generate(), clock.now())
            .await
            .unwrap(),
    );
    Env {
        pca: Pca::new(Arc::clone(&store), keyring, Arc::clone(&clock) as Arc<dyn Clock>),
        authz: Authorizer::new(Arc::new(strongroom_types::SystemClock)),
        caller: caller_in(ACCOUNT, Principal::Root),
        clock,
        store,
    }
}

fn create_input(ca_type: &str, cn: &str, key: &str, signing: &str, crl: bool) -> CreateCaInput {
    CreateCaInput {
        ca_type: ca_type.into(),
        key_algorithm: key.into(),
        signing_algorithm: signing.into(),
        subject: SubjectName::common_name(cn),
        revocation: RevocationSettings {
            crl: Some(CrlSettings {
                enabled: crl,
                expiration_in_days: Some(7),
                ..CrlSettings::default()
            }),
            ocsp: None,
        },
        tags: Vec::new(),
        key_storage_security_standard: None,
        usage_mode: None,
    }
}

fn days(n: i64) -> ValidityInput {
    ValidityInput {
        value: n,
        kind: "DAYS".into(),
    }
}

fn issue_input(
    ca_arn: &str,
    csr: Vec<u8>,
    signing: &str,
    template: Option<&str>,
    validity: ValidityInput,
) -> IssueInput {
    IssueInput {
        ca_arn: ca_arn.into(),
        csr,
        signing_algorithm: signing.into(),
        template_arn: template.map(str::to_owned),
        validity,
        validity_not_before: None,
        idempotency_token: None,
        crl_base_url: "http://127.0.0.1:4566".into(),
    }
}

fn leaf_csr(algorithm: KeyAlgorithm, cn: &str) -> Vec<u8> {
    let key = PrivateKey::generate(algorithm).unwrap();
    pki::make_csr(&key, &SubjectName::common_name(cn)).unwrap()
}

fn der_of(pem: &str) -> Vec<u8> {
    pki::pem_decode_all(pem, "CERTIFICATE").unwrap().remove(0)
}

impl Env {
    /// A root CA, active, with its self-signed certificate imported.
    async fn active_root(&self, crl: bool) -> CertificateAuthority {
        let ca = self
            .pca
            .create_ca(
                &self.authz,
                &self.caller,
                create_input("ROOT", "Root CA", "EC_prime256v1", "SHA256WITHECDSA", crl),
            )
            .await
            .unwrap();
        assert_eq!(ca.status, CaStatus::PendingCertificate);
        let csr = self.pca.ca_csr(&self.authz, &self.caller, &ca.arn).await.unwrap();
        let cert_arn = self
            .pca
            .issue_certificate(
                &self.authz,
                &self.caller,
                issue_input(
                    &ca.arn,
                    csr.into_bytes(),
                    "SHA256WITHECDSA",
                    Some(ROOT_TEMPLATE),
                    days(3650),
                ),
            )
            .await
            .unwrap();
        let cert = self
            .pca
            .get_certificate(&self.authz, &self.caller, &ca.arn, &cert_arn)
            .await
            .unwrap();
        assert_eq!(cert.chain, None, "a root's own certificate has no chain");
        let active = self
            .pca
            .import_ca_certificate(
                &self.authz,
                &self.caller,
                &ca.arn,
                cert.certificate.as_bytes(),
                None,
            )
            .await
            .unwrap();
        assert_eq!(active.status, CaStatus::Active);
        active
    }

    async fn issue_leaf(&self, ca_arn: &str) -> String {
        self.pca
            .issue_certificate(
                &self.authz,
                &self.caller,
                issue_input(
                    ca_arn,
                    leaf_csr(KeyAlgorithm::EcP256, "workload"),
                    "SHA256WITHECDSA",
                    Some(CLIENT_TEMPLATE),
                    days(30),
                ),
            )
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn root_ca_issues_revokes_and_publishes_a_crl() {
    let env = env().await;
    let root = env.active_root(true).await;
    let root_cert = env
        .pca
        .ca_certificate(&env.authz, &env.caller, &root.arn)
        .await
        .unwrap();
    assert_eq!(root_cert.chain, None);
    let root_der = der_of(&root_cert.certificate);
    let root_info = pki::parse_certificate(&root_der).unwrap();
    assert!(root_info.is_ca);

    let leaf_arn = env.issue_leaf(&root.arn).await;
    let leaf = env
        .pca
        .get_certificate(&env.authz, &env.caller, &root.arn, &leaf_arn)
        .await
        .unwrap();
    assert_eq!(leaf.chain.as_deref(), Some(root_cert.certificate.as_str()));
    let leaf_der = der_of(&leaf.certificate);
    pki::verify_issued_by(&leaf_der, &root_der).unwrap();
    let info = pki::parse_certificate(&leaf_der).unwrap();
    assert!(!info.is_ca);
    assert!(info.serial.len() >= 8, "serials carry at least 64 bits");
    let id = root.arn.rsplit('/').next().unwrap();
    assert_eq!(info.crl_urls, [format!("http://127.0.0.1:4566/pca/crl/{id}.crl")]);
    assert!(info.not_before < env.clock.now(), "backdated for skew");

    // Before revocation: an empty CRL, and no revocation for Roles Anywhere.
    let crl = env.pca.crl(id).await.unwrap().unwrap();
    assert!(pki::parse_crl(&crl, Some(&root_der)).unwrap().revoked.is_empty());
    assert_eq!(env.pca.revocation(&root.arn, &info.serial).await.unwrap(), None);

    let serial_text: Vec<String> = info.serial.iter().map(|b| format!("{b:02X}")).collect();
    env.pca
        .revoke_certificate(
            &env.authz,
            &env.caller,
            &root.arn,
            &serial_text.join(":"),
            "KEY_COMPROMISE",
        )
        .await
        .unwrap();
    let revocation = env
        .pca
        .revocation(&root.arn, &info.serial)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(revocation.reason, "KEY_COMPROMISE");
    let crl = pki::parse_crl(&env.pca.crl(id).await.unwrap().unwrap(), Some(&root_der)).unwrap();
    assert_eq!(crl.revoked.len(), 1);
    assert_eq!(pki::serial_hex(&crl.revoked[0].0), pki::serial_hex(&info.serial));
    assert_eq!(crl.revoked[0].2, Some(1));

    let again = env
        .pca
        .revoke_certificate(
            &env.authz,
            &env.caller,
            &root.arn,
            &pki::serial_hex(&info.serial),
            "SUPERSEDED",
        )
        .await
        .unwrap_err();
    assert!(matches!(again, PcaError::RequestAlreadyProcessed(_)), "{again:?}");
    let unknown = env
        .pca
        .revoke_certificate(&env.authz, &env.caller, &root.arn, "abcdef", "SUPERSEDED")
        .await
        .unwrap_err();
    assert!(matches!(unknown, PcaError::ResourceNotFound(_)), "{unknown:?}");

    // Trust anchors read the certificate directly.
    let (anchor, chain) = env.pca.trust_certificates(&root.arn).await.unwrap().unwrap();
    assert_eq!(anchor, root_der);
    assert!(chain.is_empty());
    assert_eq!(
        env.pca.crl("00000000-0000-4000-8000-000000000000").await.unwrap(),
        None
    );
}

#[tokio::test]
async fn subordinate_ca_chains_to_its_root() {
    let env = env().await;
    let root = env.active_root(false).await;
    let sub = env
        .pca
        .create_ca(
            &env.authz,
            &env.caller,
            create_input("SUBORDINATE", "Issuing CA", "RSA_2048", "SHA256WITHRSA", true),
        )
        .await
        .unwrap();
    let sub_csr = env.pca.ca_csr(&env.authz, &env.caller, &sub.arn).await.unwrap();
    let sub_cert_arn = env
        .pca
        .issue_certificate(
            &env.authz,
            &env.caller,
            issue_input(
                &root.arn,
                sub_csr.into_bytes(),
                "SHA256WITHECDSA",
                Some(SUB_TEMPLATE),
                days(365),
            ),
        )
        .await
        .unwrap();
    let sub_cert = env
        .pca
        .get_certificate(&env.authz, &env.caller, &root.arn, &sub_cert_arn)
        .await
        .unwrap();
    let sub_info = pki::parse_certificate(&der_of(&sub_cert.certificate)).unwrap();
    assert_eq!((sub_info.is_ca, sub_info.path_len), (true, Some(0)));
    let chain = sub_cert.chain.clone().unwrap();

    // Without the chain, with a wrong chain, and with the root's certificate: refused, nothing changes.
    let no_chain = env
        .pca
        .import_ca_certificate(
            &env.authz,
            &env.caller,
            &sub.arn,
            sub_cert.certificate.as_bytes(),
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(no_chain, PcaError::InvalidRequest(_)), "{no_chain:?}");
    let other_root = env.active_root(false).await;
    let other_chain = env
        .pca
        .ca_certificate(&env.authz, &env.caller, &other_root.arn)
        .await
        .unwrap();
    let wrong = env
        .pca
        .import_ca_certificate(
            &env.authz,
            &env.caller,
            &sub.arn,
            sub_cert.certificate.as_bytes(),
            Some(other_chain.certificate.as_bytes()),
        )
        .await
        .unwrap_err();
    assert!(matches!(wrong, PcaError::CertificateMismatch(_)), "{wrong:?}");
    let not_ours = env
        .pca
        .import_ca_certificate(
            &env.authz,
            &env.caller,
            &sub.arn,
            chain.as_bytes(),
            Some(chain.as_bytes()),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(not_ours, PcaError::CertificateMismatch(_)),
        "{not_ours:?}"
    );
    let still = env
        .pca
        .describe_ca(&env.authz, &env.caller, &sub.arn)
        .await
        .unwrap();
    assert_eq!(still.status, CaStatus::PendingCertificate);

    env.pca
        .import_ca_certificate(
            &env.authz,
            &env.caller,
            &sub.arn,
            sub_cert.certificate.as_bytes(),
            Some(chain.as_bytes()),
        )
        .await
        .unwrap();
    let leaf_arn = env
        .pca
        .issue_certificate(
            &env.authz,
            &env.caller,
            issue_input(
                &sub.arn,
                leaf_csr(KeyAlgorithm::Rsa2048, "app"),
                "SHA384WITHRSA",
                None,
                days(10),
            ),
        )
        .await
        .unwrap();
    let leaf = env
        .pca
        .get_certificate(&env.authz, &env.caller, &sub.arn, &leaf_arn)
        .await
        .unwrap();
    let chain = pki::pem_decode_all(leaf.chain.as_deref().unwrap(), "CERTIFICATE").unwrap();
    assert_eq!(chain.len(), 2, "issuing CA, then root");
    pki::verify_issued_by(&der_of(&leaf.certificate), &chain[0]).unwrap();
    pki::verify_issued_by(&chain[0], &chain[1]).unwrap();
    let (_, anchor_chain) = env.pca.trust_certificates(&sub.arn).await.unwrap().unwrap();
    assert_eq!(anchor_chain.len(), 1);

    // A certificate outliving its CA is refused.
    let too_long = env
        .pca
        .issue_certificate(
            &env.authz,
            &env.caller,
            issue_input(
                &sub.arn,
                leaf_csr(KeyAlgorithm::EcP256, "x"),
                "SHA256WITHRSA",
                None,
                days(4000),
            ),
        )
        .await
        .unwrap_err();
    assert!(matches!(too_long, PcaError::InvalidArgs(_)), "{too_long:?}");
}

#[tokio::test]
async fn the_status_machine_follows_aws() {
    let env = env().await;
    let pending = env
        .pca
        .create_ca(
            &env.authz,
            &env.caller,
            create_input("ROOT", "Pending", "EC_secp384r1", "SHA384WITHECDSA", false),
        )
        .await
        .unwrap();
    let early = env
        .pca
        .issue_certificate(
            &env.authz,
            &env.caller,
            issue_input(
                &pending.arn,
                leaf_csr(KeyAlgorithm::EcP256, "early"),
                "SHA384WITHECDSA",
                None,
                days(1),
            ),
        )
        .await
        .unwrap_err();
    assert!(matches!(early, PcaError::InvalidState(_)), "{early:?}");
    let no_cert = env
        .pca
        .ca_certificate(&env.authz, &env.caller, &pending.arn)
        .await
        .unwrap_err();
    assert!(matches!(no_cert, PcaError::InvalidState(_)), "{no_cert:?}");
    // The root template is for the CA's own key only.
    let foreign = env
        .pca
        .issue_certificate(
            &env.authz,
            &env.caller,
            issue_input(
                &pending.arn,
                leaf_csr(KeyAlgorithm::EcP384, "x"),
                "SHA384WITHECDSA",
                Some(ROOT_TEMPLATE),
                days(1),
            ),
        )
        .await
        .unwrap_err();
    assert!(matches!(foreign, PcaError::InvalidArgs(_)), "{foreign:?}");
    // A CA that never had a certificate is deleted at once.
    env.pca
        .delete_ca(&env.authz, &env.caller, &pending.arn, None)
        .await
        .unwrap();
    let gone = env
        .pca
        .describe_ca(&env.authz, &env.caller, &pending.arn)
        .await
        .unwrap_err();
    assert!(matches!(gone, PcaError::ResourceNotFound(_)), "{gone:?}");

    let root = env.active_root(false).await;
    let active = env
        .pca
        .delete_ca(&env.authz, &env.caller, &root.arn, Some(7))
        .await
        .unwrap_err();
    assert!(matches!(active, PcaError::InvalidState(_)), "{active:?}");
    env.pca
        .update_ca(&env.authz, &env.caller, &root.arn, None, Some("DISABLED"))
        .await
        .unwrap();
    let disabled = env
        .pca
        .issue_certificate(
            &env.authz,
            &env.caller,
            issue_input(
                &root.arn,
                leaf_csr(KeyAlgorithm::EcP256, "x"),
                "SHA256WITHECDSA",
                None,
                days(1),
            ),
        )
        .await
        .unwrap_err();
    assert!(matches!(disabled, PcaError::InvalidState(_)), "{disabled:?}");
    env.pca
        .delete_ca(&env.authz, &env.caller, &root.arn, Some(7))
        .await
        .unwrap();
    let deleted = env
        .pca
        .describe_ca(&env.authz, &env.caller, &root.arn)
        .await
        .unwrap();
    assert_eq!(deleted.status, CaStatus::Deleted);
    assert_eq!(
        deleted.restorable_until,
        Some(deleted.last_state_change_at + Duration::days(7))
    );
    let bad_status = env
        .pca
        .update_ca(&env.authz, &env.caller, &root.arn, None, Some("ACTIVE"))
        .await
        .unwrap_err();
    assert!(matches!(bad_status, PcaError::InvalidState(_)), "{bad_status:?}");
    env.pca
        .restore_ca(&env.authz, &env.caller, &root.arn)
        .await
        .unwrap();
    assert_eq!(
        env.pca
            .describe_ca(&env.authz, &env.caller, &root.arn)
            .await
            .unwrap()
            .status,
        CaStatus::Disabled
    );
    let not_deleted = env
        .pca
        .restore_ca(&env.authz, &env.caller, &root.arn)
        .await
        .unwrap_err();
    assert!(
        matches!(not_deleted, PcaError::InvalidState(_)),
        "{not_deleted:?}"
    );

    // Past the restore window the CA is gone for good.
    env.pca
        .delete_ca(&env.authz, &env.caller, &root.arn, Some(7))
        .await
        .unwrap();
    env.clock.advance(Duration::days(8));
    let purged = env
        .pca
        .describe_ca(&env.authz, &env.caller, &root.arn)
        .await
        .unwrap_err();
    assert!(matches!(purged, PcaError::ResourceNotFound(_)), "{purged:?}");
    assert!(env.store.ca(&root.arn).await.unwrap().is_none());
}

#[tokio::test]
async fn bad_input_is_refused_with_aws_errors() {
    let env = env().await;
    let root = env.active_root(false).await;
    let cases: Vec<(IssueInput, &str)> = vec![
        (
            issue_input(&root.arn, b"not a csr".to_vec(), "SHA256WITHECDSA", None, days(1)),
            "MalformedCsr",
        ),
        (
            issue_input(
                &root.arn,
                leaf_csr(KeyAlgorithm::EcP256, "x"),
                "SHA256WITHRSA",
                None,
                days(1),
            ),
            "InvalidArgs",
        ),
        (
            issue_input(
                &root.arn,
                leaf_csr(KeyAlgorithm::EcP256, "x"),
                "SHA256WITHECDSA",
                Some("arn:aws:acm-pca:::template/Nope/V1"),
                days(1),
            ),
            "InvalidArgs",
        ),
        (
            issue_input(
                &root.arn,
                leaf_csr(KeyAlgorithm::EcP256, "x"),
                "SHA256WITHECDSA",
                None,
                ValidityInput {
                    value: 20_000_101_000_000,
                    kind: "END_DATE".into(),
                },
            ),
            "InvalidArgs",
        ),
        (
            issue_input(
                "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/00000000-0000-4000-8000-000000000000",
                leaf_csr(KeyAlgorithm::EcP256, "x"),
                "SHA256WITHECDSA",
                None,
                days(1),
            ),
            "ResourceNotFound",
        ),
        (
            issue_input(
                "arn:aws:acm-pca:us-east-1:123456789012:template/x",
                Vec::new(),
                "SHA256WITHECDSA",
                None,
                days(1),
            ),
            "InvalidArn",
        ),
    ];
    for (input, expected) in cases {
        let err = env
            .pca
            .issue_certificate(&env.authz, &env.caller, input)
            .await
            .unwrap_err();
        let name = format!("{err:?}");
        assert!(name.starts_with(expected), "expected {expected}, got {name}");
    }
    // A CSR whose signature does not match its key.
    let mut tampered = leaf_csr(KeyAlgorithm::EcP256, "tampered");
    let last = tampered.len() - 3;
    tampered[last] ^= 0x55;
    let err = env
        .pca
        .issue_certificate(
            &env.authz,
            &env.caller,
            issue_input(&root.arn, tampered, "SHA256WITHECDSA", None, days(1)),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, PcaError::MalformedCsr(_)), "{err:?}");

    let unsupported = env
        .pca
        .create_ca(
            &env.authz,
            &env.caller,
            create_input("ROOT", "x", "EC_prime256v1", "SHA384WITHECDSA", false),
        )
        .await
        .unwrap_err();
    assert!(matches!(unsupported, PcaError::InvalidArgs(_)), "{unsupported:?}");
    let other_account = caller_in("210987654321", Principal::Root);
    let denied = env
        .pca
        .describe_ca(&env.authz, &other_account, &root.arn)
        .await
        .unwrap_err();
    assert!(
        matches!(
            denied,
            PcaError::Service(crate::ServiceError::AccessDenied { .. })
        ),
        "{denied:?}"
    );
}

#[tokio::test]
async fn idempotency_tokens_return_the_first_certificate() {
    let env = env().await;
    let root = env.active_root(false).await;
    let mut input = issue_input(
        &root.arn,
        leaf_csr(KeyAlgorithm::EcP256, "x"),
        "SHA256WITHECDSA",
        None,
        days(1),
    );
    input.idempotency_token = Some("token-1".into());
    let first = env
        .pca
        .issue_certificate(&env.authz, &env.caller, input.clone())
        .await
        .unwrap();
    input.csr = leaf_csr(KeyAlgorithm::EcP256, "y");
    let second = env
        .pca
        .issue_certificate(&env.authz, &env.caller, input.clone())
        .await
        .unwrap();
    assert_eq!(first, second);
    input.idempotency_token = Some("token-2".into());
    let third = env
        .pca
        .issue_certificate(&env.authz, &env.caller, input)
        .await
        .unwrap();
    assert_ne!(first, third);
}

#[tokio::test]
async fn tags_list_in_pages_and_refuse_reserved_keys() {
    let env = env().await;
    let root = env.active_root(false).await;
    let tags: Vec<CaTag> = (0..5)
        .map(|i| CaTag {
            key: format!("k{i}"),
            value: Some(format!("v{i}")),
        })
        .collect();
    env.pca
        .tag_ca(&env.authz, &env.caller, &root.arn, tags.clone())
        .await
        .unwrap();
    let (page, next) = env
        .pca
        .list_tags(&env.authz, &env.caller, &root.arn, Some(3), None)
        .await
        .unwrap();
    assert_eq!(page, tags[..3]);
    let (rest, end) = env
        .pca
        .list_tags(&env.authz, &env.caller, &root.arn, Some(3), next.as_deref())
        .await
        .unwrap();
    assert_eq!((rest.as_slice(), end), (&tags[3..], None));
    env.pca
        .untag_ca(
            &env.authz,
            &env.caller,
            &root.arn,
            vec![
                CaTag {
                    key: "k0".into(),
                    value: None,
                },
                CaTag {
                    key: "k1".into(),
                    value: Some("other".into()),
                },
            ],
        )
        .await
        .unwrap();
    let (left, _) = env
        .pca
        .list_tags(&env.authz, &env.caller, &root.arn, None, None)
        .await
        .unwrap();
    assert_eq!(left.len(), 4, "k1 stays: its value did not match");
    let reserved = env
        .pca
        .tag_ca(
            &env.authz,
            &env.caller,
            &root.arn,
            vec![CaTag {
                key: "aws:x".into(),
                value: None,
            }],
        )
        .await
        .unwrap_err();
    assert!(matches!(reserved, PcaError::InvalidTag(_)), "{reserved:?}");
    let many: Vec<CaTag> = (0..47)
        .map(|i| CaTag {
            key: format!("m{i}"),
            value: None,
        })
        .collect();
    let too_many = env
        .pca
        .tag_ca(&env.authz, &env.caller, &root.arn, many)
        .await
        .unwrap_err();
    assert!(matches!(too_many, PcaError::TooManyTags(_)), "{too_many:?}");
    let bad_token = env
        .pca
        .list_tags(&env.authz, &env.caller, &root.arn, None, Some("!!"))
        .await
        .unwrap_err();
    assert!(
        matches!(bad_token, PcaError::InvalidNextToken(_)),
        "{bad_token:?}"
    );
}

#[tokio::test]
async fn cas_list_in_pages() {
    let env = env().await;
    let mut arns = Vec::new();
    for i in 0..3 {
        let ca = env
            .pca
            .create_ca(
                &env.authz,
                &env.caller,
                create_input(
                    "ROOT",
                    &format!("CA {i}"),
                    "EC_prime256v1",
                    "SHA256WITHECDSA",
                    false,
                ),
            )
            .await
            .unwrap();
        arns.push(ca.arn);
    }
    arns.sort();
    let first = env
        .pca
        .list_cas(&env.authz, &env.caller, Some(2), None, None)
        .await
        .unwrap();
    let second = env
        .pca
        .list_cas(
            &env.authz,
            &env.caller,
            Some(2),
            first.next_token.as_deref(),
            None,
        )
        .await
        .unwrap();
    let seen: Vec<String> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|c| c.arn.clone())
        .collect();
    assert_eq!(seen, arns);
    assert_eq!(second.next_token, None);
    let others = env
        .pca
        .list_cas(&env.authz, &env.caller, None, None, Some("OTHER_ACCOUNTS"))
        .await
        .unwrap();
    assert!(others.items.is_empty());
}

#[test]
fn validity_kinds() {
    let now = OffsetDateTime::from_unix_timestamp(1_706_659_200).unwrap(); // 2024-01-31T00:00:00Z
    let at = |value: i64, kind: &str| {
        validity_instant(
            &ValidityInput {
                value,
                kind: kind.into(),
            },
            now,
        )
        .map(|t| t.unix_timestamp())
    };
    assert_eq!(at(2, "DAYS"), Some(1_706_659_200 + 2 * 86_400));
    assert_eq!(
        at(1, "MONTHS"),
        Some(1_709_164_800),
        "2024-02-29: the day is clamped"
    );
    assert_eq!(at(1, "YEARS"), Some(1_738_281_600), "2025-01-31");
    assert_eq!(at(1_800_000_000, "ABSOLUTE"), Some(1_800_000_000));
    assert_eq!(
        at(20_300_101_120_000, "END_DATE"),
        Some(1_893_499_200),
        "2030-01-01T12:00:00Z"
    );
    assert_eq!(at(20_301_301_000_000, "END_DATE"), None);
    assert_eq!(at(2030, "END_DATE"), None);
    assert_eq!(at(i64::MAX, "DAYS"), None);
    assert_eq!(at(1, "WEEKS"), None);
}

#[test]
fn serials_round_trip_between_hex_and_bytes() {
    for (hex, bytes) in [
        ("7f01", vec![0x7f, 0x01]),
        ("abc", vec![0x0a, 0xbc]),
        ("80", vec![0x00, 0x80]),
    ] {
        assert_eq!(serial_bytes(hex), bytes, "{hex}");
        assert_eq!(pki::serial_hex(&bytes), hex);
    }
}
