//! `strongroom pca issue`: makes a key and a CSR locally, has a private CA issue a certificate for it
//! through the server's ACM PCA API, and writes the key, certificate and chain as PEM files.
//!
//! The private key never leaves this process except into its file, which is created with mode 0600.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;
use strongroom_api::acm_pca::Blob;
use strongroom_crypto::pki::{self, KeyAlgorithm, PrivateKey, SubjectName};

use crate::cli::{PcaIssueArgs, PcaKeyType};
use crate::client::{Client, ClientError, ClientSettings};

/// The signing name and target prefix of ACM PCA.
const SERVICE: &str = "acm-pca";
/// The template for a workload's client certificate (the seed's Roles Anywhere use).
const CLIENT_AUTH_TEMPLATE: &str = "arn:aws:acm-pca:::template/EndEntityClientAuthCertificate/V1";
/// How often `GetCertificate` is retried while AWS says the certificate is being issued.
const ISSUE_POLLS: u32 = 30;

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum PcaIssueError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("cannot make the key or CSR: {0}")]
    Pki(#[from] pki::PkiError),
    #[error("the server's answer lacks {0}")]
    Missing(&'static str),
    #[error("the certificate was not issued in time")]
    NotIssued,
    #[error("the issued certificate is not for the key made here")]
    WrongKey,
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What `issue` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub certificate_arn: String,
}

fn key_algorithm(key_type: PcaKeyType) -> KeyAlgorithm {
    match key_type {
        PcaKeyType::EcP256 => KeyAlgorithm::EcP256,
        PcaKeyType::EcP384 => KeyAlgorithm::EcP384,
        PcaKeyType::Rsa2048 => KeyAlgorithm::Rsa2048,
    }
}

/// Runs the command with settings from the environment.
pub async fn issue(args: &PcaIssueArgs) -> Result<Issued, PcaIssueError> {
    let client = Client::new(ClientSettings::from_env(args.endpoint_url.as_deref())?)?;
    issue_with(&client, args).await
}

/// Runs the command with `client`.
pub async fn issue_with(client: &Client, args: &PcaIssueArgs) -> Result<Issued, PcaIssueError> {
    // The CA decides the signing algorithm: it must fit the CA's key, not the workload's.
    let described = client
        .call_json(
            SERVICE,
            "ACMPrivateCA.DescribeCertificateAuthority",
            &json!({ "CertificateAuthorityArn": args.ca_arn }),
        )
        .await?;
    let signing_algorithm =
        described["CertificateAuthority"]["CertificateAuthorityConfiguration"]["SigningAlgorithm"]
            .as_str()
            .ok_or(PcaIssueError::Missing("the CA's signing algorithm"))?
            .to_owned();

    let key = PrivateKey::generate(key_algorithm(args.key_type))?;
    let csr = pki::make_csr(&key, &SubjectName::common_name(&args.common_name))?;
    let csr_pem = pki::pem_encode("CERTIFICATE REQUEST", &csr);
    let issued = client
        .call_json(
            SERVICE,
            "ACMPrivateCA.IssueCertificate",
            &json!({
                "CertificateAuthorityArn": args.ca_arn,
                "Csr": Blob::new(csr_pem.into_bytes()).to_base64(),
                "SigningAlgorithm": signing_algorithm,
                "TemplateArn": CLIENT_AUTH_TEMPLATE,
                "Validity": { "Value": args.days, "Type": "DAYS" },
            }),
        )
        .await?;
    let certificate_arn = issued["CertificateArn"]
        .as_str()
        .ok_or(PcaIssueError::Missing("CertificateArn"))?
        .to_owned();

    let mut fetched = None;
    for _ in 0..ISSUE_POLLS {
        match client
            .call_json(
                SERVICE,
                "ACMPrivateCA.GetCertificate",
                &json!({ "CertificateAuthorityArn": args.ca_arn, "CertificateArn": certificate_arn }),
            )
            .await
        {
            Ok(body) => {
                fetched = Some(body);
                break;
            }
            Err(err) if err.aws_code() == Some("RequestInProgressException") => {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(err) => return Err(err.into()),
        }
    }
    let fetched = fetched.ok_or(PcaIssueError::NotIssued)?;
    let certificate = fetched["Certificate"]
        .as_str()
        .ok_or(PcaIssueError::Missing("Certificate"))?;

    let der = pki::der_from_pem_or_der(certificate.as_bytes(), "CERTIFICATE")
        .ok_or(PcaIssueError::Missing("a PEM certificate"))?;
    if pki::parse_certificate(&der)?.public_key_der != key.public_key_der() {
        return Err(PcaIssueError::WrongKey);
    }

    write_private(&args.key_out, key.pkcs8_pem().as_bytes())?;
    write_public(&args.cert_out, with_newline(certificate).as_bytes())?;
    if let Some(chain_out) = &args.chain_out {
        let chain = fetched["CertificateChain"].as_str().unwrap_or_default();
        write_public(chain_out, with_newline(chain).as_bytes())?;
    }
    Ok(Issued { certificate_arn })
}

fn with_newline(pem: &str) -> String {
    if pem.is_empty() || pem.ends_with('\n') {
        pem.to_owned()
    } else {
        format!("{pem}\n")
    }
}

fn write_error(path: &Path) -> impl FnOnce(std::io::Error) -> PcaIssueError + '_ {
    move |source| PcaIssueError::Write {
        path: path.to_owned(),
        source,
    }
}

/// Writes a private key: created with mode 0600 (and set to 0600 if it existed) before any byte lands.
fn write_private(path: &Path, contents: &[u8]) -> Result<(), PcaIssueError> {
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(write_error(path))?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(write_error(path))?;
    file.write_all(contents).map_err(write_error(path))?;
    file.sync_all().map_err(write_error(path))
}

fn write_public(path: &Path, contents: &[u8]) -> Result<(), PcaIssueError> {
    std::fs::write(path, contents).map_err(write_error(path))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn key_files_are_private_even_when_they_existed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.pem");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&path, b"new").unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let fresh = dir.path().join("fresh.pem");
        write_private(&fresh, b"k").unwrap();
        assert_eq!(
            std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(write_private(&dir.path().join("no/such/dir"), b"k").is_err());
    }

    #[test]
    fn pem_ends_with_a_newline() {
        assert_eq!(with_newline("a"), "a\n");
        assert_eq!(with_newline("a\n"), "a\n");
        assert_eq!(with_newline(""), "");
    }
}
