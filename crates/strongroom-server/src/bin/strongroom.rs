//! The `strongroom` binary: parses the command line and runs one command. `anyhow` lives only here.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Parser as _;
use secrecy::ExposeSecret as _;
use strongroom_server::cli::{
    AuditCommand, Cli, Command, ConfigCommand, PcaCommand, PolicyCommand, PolicySimulateArgs, ServerArgs,
};
use strongroom_server::config::{Config, RawConfig, RawTls};
use strongroom_server::policy_cli;
use strongroom_server::rotation_cli::{self, RotationCliError};
use strongroom_server::{startup, telemetry};
use strongroom_service::bootstrap::RootCredentials;
use strongroom_types::{Clock, SystemClock};

/// mimalloc instead of the system allocator: a request makes dozens of small allocations, and glibc's
/// malloc and free were close to a fifth of the server's CPU under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("strongroom: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("strongroom: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    match cli.command {
        Command::Dev(args) => {
            let tls = args.tls.then(|| RawTls {
                self_signed: Some(true),
                ..RawTls::default()
            });
            let config = load(
                &args.server,
                RawConfig {
                    tls,
                    ..RawConfig::default()
                },
                ".strongroom-dev",
            )?;
            telemetry::init(config.log_format);
            warn_dangerous(&config);
            let opened = startup::open(&config, clock.as_ref(), true).await?;
            let credentials = startup::dev_credentials(&config, &opened, clock.as_ref()).await?;
            let running = strongroom_server::start(&config, opened, Arc::clone(&clock)).await?;
            print_exports(&running.endpoint(), &credentials, running.ca_bundle.as_deref())?;
            tracing::info!(endpoint = %running.endpoint(), data_dir = %config.data_dir.display(), "strongroom dev is serving");
            serve_until_signal(running).await?;
        }
        Command::Init(args) => {
            let config = load(&args, RawConfig::default(), "strongroom-data")?;
            telemetry::init(config.log_format);
            let opened = startup::open(&config, clock.as_ref(), true).await?;
            let credentials = startup::init(&config, &opened, clock.as_ref()).await?;
            eprintln!(
                "Initialised account {}. The root user's access key is shown once; keep it safe:",
                config.account_id
            );
            print_credentials(&credentials)?;
        }
        Command::Serve(args) => {
            let config = load(&args, RawConfig::default(), "strongroom-data")?;
            telemetry::init(config.log_format);
            warn_dangerous(&config);
            let opened = startup::open(&config, clock.as_ref(), false).await?;
            let running = strongroom_server::start(&config, opened, Arc::clone(&clock)).await?;
            tracing::info!(endpoint = %running.endpoint(), "strongroom is serving");
            serve_until_signal(running).await?;
        }
        Command::Audit(AuditCommand::Verify(args)) => {
            let config = load(&args, RawConfig::default(), "strongroom-data")?;
            telemetry::init(config.log_format);
            let opened = startup::open(&config, clock.as_ref(), false).await?;
            let report = strongroom_service::audit::verify(opened.store.as_ref(), &opened.keyring).await?;
            println!("{} chains, {} records checked", report.chains, report.records);
            for problem in &report.problems {
                println!("BROKEN: {problem}");
            }
            if !report.is_intact() {
                return Ok(ExitCode::FAILURE);
            }
            println!("the audit trail is intact");
        }
        Command::Audit(AuditCommand::Export(args)) => {
            let config = load(&args, RawConfig::default(), "strongroom-data")?;
            telemetry::init(config.log_format);
            let opened = startup::open(&config, clock.as_ref(), false).await?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            // The first failed write (a closed pipe, say) ends the output; it is reported once.
            let mut written = Ok(());
            strongroom_service::audit::each_record(opened.store.as_ref(), |_, record| {
                if written.is_ok() {
                    written = writeln!(out, "{}", record.body);
                }
            })
            .await?;
            written?;
            out.flush()?;
        }
        Command::Config(ConfigCommand::Check(args)) => {
            let config = load(&args, RawConfig::default(), "strongroom-data")?;
            println!("{config:#?}");
        }
        Command::Pca(PcaCommand::Issue(args)) => {
            let issued = strongroom_server::pca_issue::issue(&args).await?;
            println!("{}", issued.certificate_arn);
        }
        Command::Function(command) => return print_answer(rotation_cli::function(&command).await),
        Command::Subscription(command) => return print_answer(rotation_cli::subscription(&command).await),
        Command::Policy(PolicyCommand::Simulate(args)) => return simulate(&args).await,
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints a rotation API answer as pretty JSON, or its error as `error: <Code>: <message>` on stderr.
fn print_answer(answer: Result<serde_json::Value, RotationCliError>) -> anyhow::Result<ExitCode> {
    match answer {
        Ok(value) => {
            let mut out = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &value)?;
            writeln!(out)?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            eprintln!("{}", err.render());
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Runs `policy simulate` and prints its lines (or `--json`); the exit status is documented in its `--help`:
/// 0 all allowed, 1 any denied, 2 the question could not be asked.
async fn simulate(args: &PolicySimulateArgs) -> anyhow::Result<ExitCode> {
    let evaluations = match policy_cli::simulate(args).await {
        Ok(evaluations) => evaluations,
        Err(err) => {
            eprintln!("{}", err.render());
            return Ok(ExitCode::from(2));
        }
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &policy_cli::results_json(&evaluations))?;
        writeln!(out)?;
    } else {
        for evaluation in &evaluations {
            writeln!(out, "{}", evaluation.line())?;
        }
    }
    out.flush()?;
    let all_allowed = evaluations.iter().all(policy_cli::Evaluation::is_allowed);
    Ok(if all_allowed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Builds the configuration: `defaults` < the TOML file < environment and flags.
fn load(args: &ServerArgs, defaults: RawConfig, default_data_dir: &str) -> anyhow::Result<Config> {
    let file = match &args.config {
        Some(path) => RawConfig::from_file(path)?,
        None => RawConfig::default(),
    };
    let raw = defaults.overlay(file).overlay(args.raw_layer());
    Ok(Config::from_raw(raw, Path::new(default_data_dir))?)
}

fn warn_dangerous(config: &Config) {
    for option in config.dangerous_options() {
        tracing::warn!(option, "a dangerous option weakens security: {option} is on");
    }
}

/// The lines `eval "$(strongroom dev)"`-style scripts read, exactly in this form.
fn print_exports(
    endpoint: &str,
    credentials: &RootCredentials,
    ca_bundle: Option<&Path>,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "export AWS_ENDPOINT_URL={endpoint}")?;
    writeln!(out, "export AWS_ACCESS_KEY_ID={}", credentials.access_key_id)?;
    writeln!(
        out,
        "export AWS_SECRET_ACCESS_KEY={}",
        credentials.secret_access_key.expose_secret()
    )?;
    writeln!(out, "export AWS_REGION=us-east-1")?;
    if let Some(path) = ca_bundle {
        let absolute =
            std::fs::canonicalize(path).with_context(|| format!("resolving {}", path.display()))?;
        writeln!(out, "export AWS_CA_BUNDLE={}", absolute.display())?;
    }
    out.flush()?;
    Ok(())
}

fn print_credentials(credentials: &RootCredentials) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "export AWS_ACCESS_KEY_ID={}", credentials.access_key_id)?;
    writeln!(
        out,
        "export AWS_SECRET_ACCESS_KEY={}",
        credentials.secret_access_key.expose_secret()
    )?;
    out.flush()?;
    Ok(())
}

async fn serve_until_signal(running: strongroom_server::Running) -> anyhow::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result?,
        _ = terminate.recv() => {}
    }
    tracing::info!("shutting down");
    running.stop().await;
    Ok(())
}
