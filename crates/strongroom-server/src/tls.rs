//! TLS for the listener: certificates from files, or a self-signed CA and certificate for development.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("{path} holds no {what}")]
    Empty { path: PathBuf, what: &'static str },
    #[error("cannot make a certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("the certificate and key do not work together: {0}")]
    Rustls(#[from] rustls::Error),
}

/// The files of a self-signed development setup.
#[derive(Debug, Clone)]
pub struct SelfSigned {
    /// The CA certificate clients should trust (`AWS_CA_BUNDLE`).
    pub ca_file: PathBuf,
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

/// Makes (once) a private CA and a server certificate for localhost, 127.0.0.1 and ::1 in `dir`. The CA's
/// key is not kept: nothing more is ever signed with it. A separate CA certificate is used because strict
/// TLS clients refuse a self-signed leaf as a trust anchor.
pub fn ensure_self_signed(dir: &Path) -> Result<SelfSigned, TlsError> {
    let files = SelfSigned {
        ca_file: dir.join("ca.pem"),
        cert_file: dir.join("cert.pem"),
        key_file: dir.join("key.pem"),
    };
    if files.ca_file.exists() && files.cert_file.exists() && files.key_file.exists() {
        return Ok(files);
    }
    crate::startup::create_private_dir(dir).map_err(|source| TlsError::Write {
        path: dir.to_owned(),
        source,
    })?;

    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Strongroom development CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key)?;

    let leaf_key = KeyPair::generate()?;
    let mut leaf_params = CertificateParams::new(vec!["localhost".to_owned()])?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf_params
        .subject_alt_names
        .push(SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()));
    leaf_params
        .subject_alt_names
        .push(SanType::IpAddress(std::net::Ipv6Addr::LOCALHOST.into()));
    leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_cert = leaf_params.signed_by(&leaf_key, &issuer)?;

    write(&files.ca_file, ca_cert.pem().as_bytes(), 0o644)?;
    write(
        &files.cert_file,
        format!("{}{}", leaf_cert.pem(), ca_cert.pem()).as_bytes(),
        0o644,
    )?;
    write(&files.key_file, leaf_key.serialize_pem().as_bytes(), 0o600)?;
    Ok(files)
}

fn write(path: &Path, contents: &[u8], mode: u32) -> Result<(), TlsError> {
    crate::startup::write_file_with_mode(path, contents, mode).map_err(|source| TlsError::Write {
        path: path.to_owned(),
        source,
    })
}

/// A rustls server configuration from PEM files.
pub fn server_config(cert_file: &Path, key_file: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| TlsError::Read {
            path: path.to_owned(),
            source,
        })
    };
    let cert_pem = read(cert_file)?;
    let certs: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut cert_pem.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|source| TlsError::Read {
            path: cert_file.to_owned(),
            source,
        })?;
    if certs.is_empty() {
        return Err(TlsError::Empty {
            path: cert_file.to_owned(),
            what: "certificate",
        });
    }
    let key_pem = zeroize::Zeroizing::new(read(key_file)?);
    let key: PrivateKeyDer<'static> = rustls_pemfile::private_key(&mut key_pem.as_slice())
        .map_err(|source| TlsError::Read {
            path: key_file.to_owned(),
            source,
        })?
        .ok_or_else(|| TlsError::Empty {
            path: key_file.to_owned(),
            what: "private key",
        })?;
    let mut config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
