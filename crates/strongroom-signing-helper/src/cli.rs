//! The command line, flag for flag as `aws_signing_helper` 1.8 spells it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "strongroom-signing-helper",
    version,
    about = "IAM Roles Anywhere credential helper"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Prints one set of temporary credentials as `credential_process` JSON.
    CredentialProcess(CredentialsArgs),
    /// Serves credentials on an EC2 instance-metadata (IMDSv2) emulation on 127.0.0.1.
    Serve(ServeArgs),
    /// Writes credentials into a profile of the shared credentials file, and keeps them fresh.
    Update(UpdateArgs),
    /// Signs the fixed self-test string with the private key, to check a key without a server.
    SignString(SignStringArgs),
    /// Prints what the certificate says about itself.
    ReadCertificateData(ReadCertificateArgs),
    /// Prints the version.
    Version,
}

/// The flags every credential-producing command shares.
#[derive(Debug, Clone, Args)]
pub struct CredentialsArgs {
    /// PEM file with the end-entity certificate.
    #[arg(long)]
    pub certificate: PathBuf,
    /// PEM file with the private key (PKCS#8, PKCS#1 or SEC1).
    #[arg(long = "private-key")]
    pub private_key: PathBuf,
    /// PEM bundle of intermediate CA certificates, sent as X-Amz-X509-Chain.
    #[arg(long)]
    pub intermediates: Option<PathBuf>,
    #[arg(long = "trust-anchor-arn")]
    pub trust_anchor_arn: String,
    #[arg(long = "profile-arn")]
    pub profile_arn: String,
    #[arg(long = "role-arn")]
    pub role_arn: String,
    /// Base URL of the Roles Anywhere endpoint (https://host[:port]).
    #[arg(long)]
    pub endpoint: Option<String>,
    /// Signing region; defaults to the trust anchor ARN's region.
    #[arg(long)]
    pub region: Option<String>,
    /// Requested session duration in seconds (900..=43200).
    #[arg(long = "session-duration", default_value_t = 3600, value_parser = clap::value_parser!(u32).range(900..=43200))]
    pub session_duration: u32,
    #[arg(long = "role-session-name")]
    pub role_session_name: Option<String>,
    /// DANGEROUS: do not verify the endpoint's TLS certificate.
    #[arg(long = "no-verify-ssl")]
    pub no_verify_ssl: bool,
    /// Use HTTPS_PROXY/HTTP_PROXY. Not supported by this helper: refused rather than ignored.
    #[arg(long = "with-proxy")]
    pub with_proxy: bool,
    /// Log the request and response status to stderr (never credentials).
    #[arg(long)]
    pub debug: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub credentials: CredentialsArgs,
    #[arg(long, default_value_t = 9911)]
    pub port: u16,
    /// IP TTL of responses; 1 keeps them on this host as on EC2.
    #[arg(long = "hop-limit", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=255))]
    pub hop_limit: u32,
}

#[derive(Debug, Clone, Args)]
pub struct UpdateArgs {
    #[command(flatten)]
    pub credentials: CredentialsArgs,
    /// The profile to write in the shared credentials file.
    #[arg(long, default_value = "default")]
    pub profile: String,
    /// Write once and exit instead of refreshing before expiry.
    #[arg(long)]
    pub once: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Digest {
    #[value(name = "SHA256")]
    Sha256,
    #[value(name = "SHA384")]
    Sha384,
    #[value(name = "SHA512")]
    Sha512,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Json,
    Text,
    Bin,
}

#[derive(Debug, Clone, Args)]
pub struct SignStringArgs {
    #[arg(long = "private-key")]
    pub private_key: PathBuf,
    /// Accepted for compatibility; the certificate is not needed to sign.
    #[arg(long)]
    pub certificate: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "SHA256")]
    pub digest: Digest,
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
}

#[derive(Debug, Clone, Args)]
pub struct ReadCertificateArgs {
    #[arg(long)]
    pub certificate: PathBuf,
}
