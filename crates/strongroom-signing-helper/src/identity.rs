//! The workload's identity on disk: certificate, private key and intermediates, read afresh for every
//! signature so that a rotated certificate is picked up without a restart.

use std::path::Path;

use strongroom_crypto::x509::{Certificate, PrivateKey};
use zeroize::Zeroizing;

use crate::cli::CredentialsArgs;
use crate::error::HelperError;

/// A certificate, its key, and the chain to send.
#[derive(Debug)]
pub struct Identity {
    pub certificate: Certificate,
    pub chain: Vec<Certificate>,
    pub key: PrivateKey,
}

fn read(path: &Path) -> Result<Vec<u8>, HelperError> {
    std::fs::read(path).map_err(|source| HelperError::ReadFile {
        path: path.to_owned(),
        source,
    })
}

pub fn load_certificate(path: &Path) -> Result<Certificate, HelperError> {
    Certificate::from_pem(&read(path)?).map_err(|source| HelperError::BadFile {
        what: "certificate",
        path: path.to_owned(),
        source,
    })
}

pub fn load_key(path: &Path) -> Result<PrivateKey, HelperError> {
    // The file's bytes hold the key: they are zeroed as soon as it is parsed.
    let text = Zeroizing::new(read(path)?);
    PrivateKey::from_pem(&text).map_err(|source| HelperError::BadFile {
        what: "private key",
        path: path.to_owned(),
        source,
    })
}

impl Identity {
    pub fn load(args: &CredentialsArgs) -> Result<Self, HelperError> {
        let certificate = load_certificate(&args.certificate)?;
        let key = load_key(&args.private_key)?;
        key.matches(&certificate).map_err(|source| HelperError::BadFile {
            what: "private key",
            path: args.private_key.clone(),
            source,
        })?;
        let chain = match &args.intermediates {
            Some(path) => Certificate::all_from_pem(&read(path)?).map_err(|source| HelperError::BadFile {
                what: "intermediate certificates",
                path: path.clone(),
                source,
            })?,
            None => Vec::new(),
        };
        Ok(Self {
            certificate,
            chain,
            key,
        })
    }
}
