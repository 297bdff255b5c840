//! The `strongroom-agent` binary: reads the TOML configuration (`--config`), the SSRF token and the AWS
//! settings, checks the credentials with STS GetCallerIdentity, and serves on 127.0.0.1 until SIGINT or
//! SIGTERM.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use clap::Parser;
use strongroom_agent::config::{AgentConfig, LogLevel};
use strongroom_agent::{SsrfToken, cache_for, server_settings, start};
use strongroom_cache::Upstream;
use strongroom_cache::client::{ClientSettings, Environment, Overrides, SecretsManagerClient};
use strongroom_types::SystemClock;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Where the AWS agent writes its log when `log_to_file` is on.
const LOG_FILE: &str = "logs/secrets_manager_agent.log";

#[derive(Debug, Parser)]
#[command(
    name = "strongroom-agent",
    version,
    about = "A local Secrets Manager caching agent, compatible with the AWS Secrets Manager Agent"
)]
struct Args {
    /// The TOML configuration file (the AWS agent's keys).
    #[arg(long)]
    config: Option<PathBuf>,
}

fn init_logging(level: LogLevel, to_file: bool) -> anyhow::Result<()> {
    let Some(directive) = level.directive() else {
        return Ok(());
    };
    let filter = tracing_subscriber::EnvFilter::new(format!(
        "warn,strongroom_agent={directive},strongroom_cache={directive}"
    ));
    if to_file {
        let path = std::path::Path::new(LOG_FILE);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("cannot open {LOG_FILE}"))?;
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .init();
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let Ok(mut terminate) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        else {
            let _ = interrupt.await;
            return;
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let config = AgentConfig::load(args.config.as_deref())?;
    init_logging(config.log_level, config.log_to_file)?;

    let env = Environment::from_process();
    let token = SsrfToken::load(&env, &config.ssrf_env_variables)?;
    let overrides = Overrides {
        region: config.region.clone(),
        credentials_file: config.credentials_file_path.clone(),
        user_agent: Some(format!(
            "strongroom-agent/{} (aws-secrets-manager-agent compatible)",
            env!("CARGO_PKG_VERSION")
        )),
        ..Overrides::default()
    };
    let settings = ClientSettings::resolve(&env, &overrides)?;
    tracing::info!(
        endpoint = settings.endpoint.url(),
        region = settings.region,
        "Secrets Manager endpoint"
    );
    let client = SecretsManagerClient::new(settings)?;

    if config.validate_credentials && config.credentials_file_path.is_none() {
        match client.get_caller_identity().await {
            Ok(arn) => tracing::info!(caller = arn, "credentials validated"),
            Err(error) if error.is_transient() && config.ignore_transient_errors => {
                tracing::warn!(%error, "could not validate credentials (transient); starting anyway");
            }
            Err(error) => bail!("credentials could not be validated with STS GetCallerIdentity: {error}"),
        }
    }

    let upstream: Arc<dyn Upstream> = Arc::new(client);
    let cache = Arc::new(cache_for(&config, upstream, Arc::new(SystemClock)));
    let mut running = start(server_settings(&config), cache, token).await?;
    // Scripts starting the agent with `http_port = 0` read the port from this line.
    println!("strongroom-agent listening on {}", running.url());
    tracing::info!(address = %running.address(), "listening");

    tokio::select! {
        () = shutdown_signal() => {
            tracing::info!("shutting down");
            running.stop().await;
        }
        () = running.wait() => {}
    }
    Ok(())
}
