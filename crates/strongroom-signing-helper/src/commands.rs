//! One function per command; outputs byte-compatible with `aws_signing_helper` where it is documented.

use std::io::Write as _;

use strongroom_crypto::hash::{sha256, to_hex};
use time::OffsetDateTime;

use crate::cli::{Cli, Command, Digest, Format, ReadCertificateArgs, SignStringArgs, UpdateArgs};
use crate::error::HelperError;
use crate::identity::{load_certificate, load_key};
use crate::session::{SessionTarget, create_session, json_string};
use crate::{serve, update};

/// The fixed text `sign-string` signs before the key-dependent part.
const SELF_TEST_PREFIX: &[u8] = b"AWS Roles Anywhere Credential Helper Signing Test1";
/// How long before expiry `update` rewrites the credentials.
const UPDATE_LEAD_SECS: i64 = 300;

pub async fn run(cli: Cli) -> Result<(), HelperError> {
    match cli.command {
        Command::CredentialProcess(args) => {
            let target = SessionTarget::resolve(&args)?;
            let credentials = create_session(&args, &target).await?;
            print_stdout(credentials.process_json().as_bytes())
        }
        Command::Serve(args) => serve::run(args).await,
        Command::Update(args) => run_update(args).await,
        Command::SignString(args) => sign_string(&args),
        Command::ReadCertificateData(args) => read_certificate_data(&args),
        Command::Version => print_stdout(format!("{}\n", env!("CARGO_PKG_VERSION")).as_bytes()),
    }
}

fn print_stdout(bytes: &[u8]) -> Result<(), HelperError> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|source| HelperError::WriteFile {
            path: "<stdout>".into(),
            source,
        })
}

async fn run_update(args: UpdateArgs) -> Result<(), HelperError> {
    let target = SessionTarget::resolve(&args.credentials)?;
    let path = update::credentials_path()?;
    loop {
        let credentials = create_session(&args.credentials, &target).await?;
        update::write_credentials(&path, &args.profile, &credentials)?;
        if args.once {
            return Ok(());
        }
        let wait =
            credentials.expires_at - OffsetDateTime::now_utc() - time::Duration::seconds(UPDATE_LEAD_SECS);
        // At least a second between refreshes, whatever the service says about expiry.
        let wait = std::time::Duration::try_from(wait)
            .unwrap_or_default()
            .max(std::time::Duration::from_secs(1));
        tokio::time::sleep(wait).await;
    }
}

fn sign_string(args: &SignStringArgs) -> Result<(), HelperError> {
    if args.digest != Digest::Sha256 {
        return Err(HelperError::Usage(
            "only --digest SHA256 is supported (the digest AWS4-X509 signatures use)".to_owned(),
        ));
    }
    let key = load_key(&args.private_key)?;
    let mut keyed = b"IAM RA".to_vec();
    keyed.extend_from_slice(key.public_key_bytes());
    let mut message = SELF_TEST_PREFIX.to_vec();
    message.extend_from_slice(&sha256(&keyed));
    let signature = key
        .sign_sha256(&message)
        .map_err(|e| HelperError::Signing(strongroom_sigv4::x509::X509AuthError::Signing(e)))?;
    match args.format {
        Format::Bin => print_stdout(&signature),
        Format::Text => print_stdout(format!("{}\n", to_hex(&signature)).as_bytes()),
        Format::Json => print_stdout(json_string(&to_hex(&signature)).as_bytes()),
    }
}

fn read_certificate_data(args: &ReadCertificateArgs) -> Result<(), HelperError> {
    let cert = load_certificate(&args.certificate)?;
    let key_type = cert
        .key_type()
        .map_err(|source| HelperError::BadFile {
            what: "certificate",
            path: args.certificate.clone(),
            source,
        })?
        .family();
    let algorithms = ["SHA256", "SHA384", "SHA512"]
        .iter()
        .map(|h| json_string(&format!("{key_type}{h}")))
        .collect::<Vec<_>>()
        .join(",");
    print_stdout(
        format!(
            "{{\"keyType\":{},\"certificateData\":{},\"serialNumber\":{},\"supportedAlgorithms\":[{algorithms}]}}\n",
            json_string(key_type),
            json_string(&cert.to_base64_der()),
            cert.serial_decimal(),
        )
        .as_bytes(),
    )
}
