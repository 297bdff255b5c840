//! The `strongroom` command line. Flags and `STRONGROOM_*` variables form the top configuration layer.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{RawConfig, RawTls};

#[derive(Debug, Parser)]
#[command(
    name = "strongroom",
    version,
    about = "A self-hosted secrets manager and workload-identity broker that speaks the AWS APIs"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a development server on SQLite, initialising the data directory on first run, and print the
    /// environment that points the AWS CLI and SDKs at it.
    Dev(DevArgs),
    /// Initialise a deployment: the root key, the account and the root user's access key (printed once).
    Init(ServerArgs),
    /// Serve a deployment made by `init`.
    Serve(ServerArgs),
    /// Work with the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Check the configuration and print it (secrets redacted).
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Work with a running server's private CA (ACM PCA API), as the AWS CLI would.
    #[command(subcommand)]
    Pca(PcaCommand),
    /// Register, list, update and remove a running server's rotation functions (StrongroomRotation API).
    #[command(subcommand)]
    Function(FunctionCommand),
    /// Create, list and remove a running server's notification subscriptions, and read their dead letters.
    #[command(subcommand)]
    Subscription(SubscriptionCommand),
    /// Ask a running server's IAM policy simulator about a principal (SimulatePrincipalPolicy).
    #[command(subcommand)]
    Policy(PolicyCommand),
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Would this principal be allowed these actions on this resource? Prints one line per action:
    /// `allowed|implicitDeny|explicitDeny  ACTION  RESOURCE  by STATEMENT`, where STATEMENT names the
    /// deciding policy, its type and the statement's position (`line L column C`), or `no statement`.
    ///
    /// Exit status: 0 when every action is allowed, 1 when any is denied (implicitly or explicitly),
    /// 2 when the question could not be asked (bad arguments, no server, an AWS error).
    #[command(
        after_help = "Example:\n  strongroom policy simulate --principal arn:aws:iam::123456789012:user/alice \\\n    \
                            --action secretsmanager:GetSecretValue --resource 'arn:aws:secretsmanager:*' \\\n    \
                            --context aws:SourceIp=ip:10.0.0.1"
    )]
    Simulate(PolicySimulateArgs),
}

/// One `--context KEY=TYPE:VALUE` entry of a simulation (`ContextEntries`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextArg {
    pub key: String,
    /// One of AWS's `ContextKeyType` values (`string`, `stringList`, `numeric`, `boolean`, `ip`, `date`, …).
    pub kind: String,
    /// One value, or a list type's comma-separated values.
    pub values: Vec<String>,
}

/// The `ContextKeyType` values AWS accepts.
pub const CONTEXT_KEY_TYPES: [&str; 12] = [
    "string",
    "stringList",
    "numeric",
    "numericList",
    "boolean",
    "booleanList",
    "ip",
    "ipList",
    "binary",
    "binaryList",
    "date",
    "dateList",
];

impl std::str::FromStr for ContextArg {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        // Keys hold ':' (`aws:SourceIp`) but never '='; types never hold ':'.
        let (key, typed) = text
            .split_once('=')
            .ok_or_else(|| format!("{text:?} is not KEY=TYPE:VALUE"))?;
        let (kind, value) = typed
            .split_once(':')
            .ok_or_else(|| format!("{text:?} is not KEY=TYPE:VALUE (the type is missing)"))?;
        if key.is_empty() {
            return Err(format!("{text:?} has no context key"));
        }
        if !CONTEXT_KEY_TYPES.contains(&kind) {
            return Err(format!(
                "{kind:?} is not a context key type; one of {}",
                CONTEXT_KEY_TYPES.join(", ")
            ));
        }
        let values = if kind.ends_with("List") {
            value.split(',').map(str::to_owned).collect()
        } else {
            vec![value.to_owned()]
        };
        Ok(Self {
            key: key.to_owned(),
            kind: kind.to_owned(),
            values,
        })
    }
}

#[derive(Debug, Args)]
pub struct PolicySimulateArgs {
    /// The user, group or role whose stored policies decide (`PolicySourceArn`).
    #[arg(long)]
    pub principal: String,
    /// An action to ask about (`secretsmanager:GetSecretValue`); repeat for more.
    #[arg(long = "action", required = true)]
    pub actions: Vec<String>,
    /// The resource's ARN; `*` when absent.
    #[arg(long)]
    pub resource: Option<String>,
    /// A request context value, `KEY=TYPE:VALUE` (`aws:SourceIp=ip:10.0.0.1`,
    /// `aws:PrincipalTag/team=string:blue`, `aws:TagKeys=stringList:a,b`); repeat for more keys.
    #[arg(long = "context", value_name = "KEY=TYPE:VALUE")]
    pub context: Vec<ContextArg>,
    /// Print the simulator's whole answer as JSON (the `aws iam simulate-principal-policy` shape) instead
    /// of one line per action.
    #[arg(long)]
    pub json: bool,
    /// The server's URL; `AWS_ENDPOINT_URL` otherwise.
    #[arg(long, visible_alias = "endpoint")]
    pub endpoint_url: Option<String>,
    /// The region requests are signed for; `AWS_REGION` or `AWS_DEFAULT_REGION` otherwise.
    #[arg(long)]
    pub region: Option<String>,
}

/// Where a rotation API command sends its calls; credentials and region come from the AWS_* environment.
#[derive(Debug, Args, Default)]
pub struct RotationTarget {
    /// The server's URL; `AWS_ENDPOINT_URL` otherwise.
    #[arg(long)]
    pub endpoint_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum FunctionCommand {
    /// Register a rotation function under `arn:aws:lambda:REGION:ACCOUNT:function:NAME`
    /// (CreateRotationFunction). A webhook function's signing key is printed by this call only.
    Register(FunctionRegisterArgs),
    /// Show one function (GetRotationFunction).
    Get(FunctionNameArgs),
    /// List the account's functions (ListRotationFunctions).
    List(RotationTarget),
    /// Change a function's kind, configuration or role; what is not given is kept (UpdateRotationFunction).
    Update(FunctionUpdateArgs),
    /// Remove a function (DeleteRotationFunction).
    Delete(FunctionNameArgs),
}

impl FunctionCommand {
    pub fn target(&self) -> &RotationTarget {
        match self {
            Self::Register(args) => &args.target,
            Self::Get(args) | Self::Delete(args) => &args.target,
            Self::List(target) => target,
            Self::Update(args) => &args.target,
        }
    }
}

/// A rotation function's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FunctionKindArg {
    Builtin,
    Command,
    Webhook,
}

/// A function's kind and configuration: `--kind` with `--configuration` (JSON), or a shortcut that
/// implies the kind (`--rotator`, `--command`, `--url`).
#[derive(Debug, Args, Default)]
pub struct FunctionConfigArgs {
    #[arg(long, value_enum)]
    pub kind: Option<FunctionKindArg>,
    /// The kind's configuration as a JSON object.
    #[arg(long)]
    pub configuration: Option<String>,
    /// A built-in rotator (`random-password`, `iam-access-keys`, `postgresql-single-user`, …): a builtin function.
    #[arg(long)]
    pub rotator: Option<String>,
    /// The program (an absolute path) and its arguments: a command function.
    #[arg(long, num_args = 1..)]
    pub command: Vec<String>,
    /// The URL rotation steps are POSTed to: a webhook function.
    #[arg(long)]
    pub url: Option<String>,
    /// How long one step may take.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=900))]
    pub timeout_seconds: Option<u64>,
}

#[derive(Debug, Args)]
pub struct FunctionRegisterArgs {
    /// The function's name: 1 to 64 letters, digits, hyphens or underscores.
    #[arg(long)]
    pub name: String,
    /// The execution role's ARN (registering needs `iam:PassRole` on it).
    #[arg(long)]
    pub role: String,
    #[command(flatten)]
    pub config: FunctionConfigArgs,
    #[command(flatten)]
    pub target: RotationTarget,
}

#[derive(Debug, Args)]
pub struct FunctionUpdateArgs {
    /// The function's name or ARN.
    pub name: String,
    /// A new execution role's ARN.
    #[arg(long)]
    pub role: Option<String>,
    #[command(flatten)]
    pub config: FunctionConfigArgs,
    #[command(flatten)]
    pub target: RotationTarget,
}

#[derive(Debug, Args)]
pub struct FunctionNameArgs {
    /// The function's name or ARN.
    pub name: String,
    #[command(flatten)]
    pub target: RotationTarget,
}

#[derive(Debug, Subcommand)]
pub enum SubscriptionCommand {
    /// Subscribe a URL to events (CreateSubscription). The signing key is printed by this call only.
    Create(SubscriptionCreateArgs),
    /// List the account's subscriptions (ListSubscriptions); signing keys are never shown.
    List(RotationTarget),
    /// Remove a subscription (DeleteSubscription).
    Delete(SubscriptionIdArgs),
    /// Deliveries that were given up after their retries (ListDeadLetters), oldest first.
    DeadLetters(DeadLettersArgs),
}

impl SubscriptionCommand {
    pub fn target(&self) -> &RotationTarget {
        match self {
            Self::Create(args) => &args.target,
            Self::List(target) => target,
            Self::Delete(args) => &args.target,
            Self::DeadLetters(args) => &args.target,
        }
    }
}

#[derive(Debug, Args)]
pub struct SubscriptionCreateArgs {
    /// The http(s) URL events are POSTed to (HMAC-SHA256 signed).
    #[arg(long)]
    pub url: String,
    /// An event wanted (`RotationSucceeded`, `SecretVersionDeprecated`, …); repeat for more; all when absent.
    #[arg(long = "event")]
    pub events: Vec<String>,
    /// Only events about this secret (its ARN).
    #[arg(long)]
    pub secret_id: Option<String>,
    #[command(flatten)]
    pub target: RotationTarget,
}

#[derive(Debug, Args)]
pub struct SubscriptionIdArgs {
    pub subscription_id: String,
    #[command(flatten)]
    pub target: RotationTarget,
}

#[derive(Debug, Args)]
pub struct DeadLettersArgs {
    /// At most this many (1 to 100).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_results: Option<u32>,
    #[command(flatten)]
    pub target: RotationTarget,
}

#[derive(Debug, Subcommand)]
pub enum PcaCommand {
    /// Make a key pair and CSR here, have the CA issue a client certificate for it, and write the key,
    /// certificate and chain as PEM files. Credentials, region and endpoint come from the AWS_* environment.
    Issue(PcaIssueArgs),
}

/// The key a workload gets from `strongroom pca issue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PcaKeyType {
    EcP256,
    EcP384,
    Rsa2048,
}

#[derive(Debug, Args)]
pub struct PcaIssueArgs {
    /// The issuing CA's ARN.
    #[arg(long)]
    pub ca_arn: String,
    /// The certificate subject's common name.
    #[arg(long)]
    pub common_name: String,
    #[arg(long, value_enum, default_value = "ec-p256")]
    pub key_type: PcaKeyType,
    /// Days the certificate is valid.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=36500))]
    pub days: u32,
    /// Where to write the certificate (PEM).
    #[arg(long)]
    pub cert_out: PathBuf,
    /// Where to write the private key (PKCS#8 PEM, mode 0600).
    #[arg(long)]
    pub key_out: PathBuf,
    /// Where to write the CA chain (PEM).
    #[arg(long)]
    pub chain_out: Option<PathBuf>,
    /// The server's URL; `AWS_ENDPOINT_URL` otherwise.
    #[arg(long)]
    pub endpoint_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute every audit chain; exits non-zero when a record was edited or removed.
    Verify(ServerArgs),
    /// Print every audit record, one CloudTrail-shaped JSON event per line, chain by chain in sequence.
    Export(ServerArgs),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    Check(ServerArgs),
}

#[derive(Debug, Args)]
pub struct DevArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Serve HTTPS with a self-signed certificate kept in the data directory.
    #[arg(long)]
    pub tls: bool,
}

/// The options shared by every command that opens a deployment.
#[derive(Debug, Args, Default)]
pub struct ServerArgs {
    /// A TOML configuration file.
    #[arg(long, env = "STRONGROOM_CONFIG")]
    pub config: Option<PathBuf>,
    /// The address and port to listen on.
    #[arg(long, env = "STRONGROOM_LISTEN")]
    pub listen: Option<String>,
    /// The data directory (root key file, SQLite database, TLS material).
    #[arg(long, env = "STRONGROOM_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// The account id of a new deployment.
    #[arg(long, env = "STRONGROOM_ACCOUNT_ID")]
    pub account_id: Option<String>,
    /// `postgres://…` for PostgreSQL; SQLite in the data directory when absent.
    #[arg(long, env = "STRONGROOM_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// The root key file.
    #[arg(long, env = "STRONGROOM_ROOT_KEY_FILE")]
    pub root_key_file: Option<PathBuf>,
    /// The name of an environment variable that holds the root key (base64) instead of a file.
    #[arg(long, env = "STRONGROOM_ROOT_KEY_ENV")]
    pub root_key_env: Option<String>,
    /// `text` or `json`.
    #[arg(long, env = "STRONGROOM_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// The TLS certificate chain (PEM).
    #[arg(long, env = "STRONGROOM_TLS_CERT_FILE")]
    pub tls_cert_file: Option<PathBuf>,
    /// The TLS private key (PEM).
    #[arg(long, env = "STRONGROOM_TLS_KEY_FILE")]
    pub tls_key_file: Option<PathBuf>,
    /// Serve plain HTTP on a non-loopback address. Anyone on the network can read secrets in transit.
    #[arg(long, env = "STRONGROOM_DANGEROUS_ALLOW_PLAINTEXT_HTTP")]
    pub dangerous_allow_plaintext_http: bool,
}

impl ServerArgs {
    /// The flag (and environment) layer of the configuration.
    pub fn raw_layer(&self) -> RawConfig {
        let tls = (self.tls_cert_file.is_some() || self.tls_key_file.is_some()).then(|| RawTls {
            cert_file: self.tls_cert_file.clone(),
            key_file: self.tls_key_file.clone(),
            self_signed: None,
        });
        RawConfig {
            listen: self.listen.clone(),
            data_dir: self.data_dir.clone(),
            account_id: self.account_id.clone(),
            database_url: self.database_url.clone(),
            root_key_file: self.root_key_file.clone(),
            root_key_env: self.root_key_env.clone(),
            log_format: self.log_format.clone(),
            max_body_bytes: None,
            tls,
            dangerous_allow_plaintext_http: self.dangerous_allow_plaintext_http.then_some(true),
            rotation: None,
        }
    }
}
