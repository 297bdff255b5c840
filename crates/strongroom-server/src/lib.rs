//! The composition root: configuration, HTTP, protocol dispatch and the `strongroom` binary's commands.
//!
//! This is the only crate that reads configuration and the environment, picks a storage backend, installs
//! the tracing subscriber, and meets both the wire shapes (`strongroom-api`) and the services.

pub mod cli;
pub mod client;
pub mod config;
pub mod errors;
mod handlers;
pub mod http;
pub mod metrics;
pub mod pca_issue;
pub mod policy_cli;
pub mod protocol;
pub mod query_xml;
pub mod rotation_cli;
pub mod rotation_db;
pub mod rotation_io;
pub mod startup;
pub mod tasks;
pub mod telemetry;
pub mod tls;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use strongroom_service::Services;
use strongroom_types::Clock;
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use crate::config::{Config, Transport};
use crate::startup::{Opened, StartupError};

/// A server that is listening.
#[derive(Debug)]
pub struct Running {
    /// The address it listens on (the real port when the configuration asked for port 0).
    pub addr: SocketAddr,
    /// Whether it speaks HTTPS.
    pub tls: bool,
    /// For a self-signed development setup, the CA certificate clients should trust.
    pub ca_bundle: Option<PathBuf>,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// The endpoint URL clients use.
    pub fn endpoint(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        let host = if self.addr.ip().is_loopback() && self.tls {
            "localhost".to_owned()
        } else {
            self.addr.ip().to_string()
        };
        let host = if self.addr.is_ipv6() && host != "localhost" {
            format!("[{host}]")
        } else {
            host
        };
        format!("{scheme}://{host}:{}", self.addr.port())
    }

    /// Stops accepting, lets open requests finish, and waits until every audit record is written.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }

    /// Waits until the server ends by itself (it does not, unless its task fails).
    pub async fn wait(&mut self) {
        let _ = (&mut self.task).await;
    }
}

/// Binds the listener and starts serving in the background.
pub async fn start(config: &Config, opened: Opened, clock: Arc<dyn Clock>) -> Result<Running, StartupError> {
    let (acceptor, ca_bundle) = match &config.transport {
        Transport::Plaintext => (None, None),
        Transport::SelfSignedTls { dir } => {
            let files = tls::ensure_self_signed(dir)?;
            (
                Some(TlsAcceptor::from(tls::server_config(
                    &files.cert_file,
                    &files.key_file,
                )?)),
                Some(files.ca_file),
            )
        }
        Transport::Tls { cert_file, key_file } => (
            Some(TlsAcceptor::from(tls::server_config(cert_file, key_file)?)),
            None,
        ),
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartupError::Io {
            path: PathBuf::from(config.listen.to_string()),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartupError::Io {
        path: PathBuf::from(config.listen.to_string()),
        source,
    })?;

    let (services, audit_task) = Services::start(opened.store, opened.keyring, clock);
    configure_rotation(&services, config, addr, acceptor.is_some());
    let state = Arc::new(http::AppState {
        services,
        metrics: metrics::Metrics::new(),
        max_body_bytes: config.max_body_bytes,
    });
    let router = http::router(Arc::clone(&state));
    let tls = acceptor.is_some();
    let (stop, stopped) = oneshot::channel::<()>();
    let (stop_maintenance, maintenance_stopped) = tokio::sync::watch::channel(false);
    let key_usage = tokio::spawn(tasks::flush_key_usage(
        Arc::clone(&state),
        tasks::KEY_USAGE_FLUSH_INTERVAL,
        maintenance_stopped.clone(),
    ));
    let maintenance = tokio::spawn(tasks::maintenance(
        Arc::clone(&state),
        tasks::MAINTENANCE_INTERVAL,
        maintenance_stopped,
    ));
    let rotation = tokio::spawn(tasks::rotation(
        Arc::clone(&state),
        tasks::ROTATION_INTERVAL,
        stop_maintenance.subscribe(),
    ));
    let task = tokio::spawn(async move {
        http::serve(listener, router, acceptor, async {
            let _ = stopped.await;
        })
        .await;
        let _ = stop_maintenance.send(true);
        let _ = maintenance.await;
        let _ = rotation.await;
        let _ = key_usage.await;
        // Every request has finished; dropping the last handle lets the audit writer drain and end.
        state.services.audit.flush().await;
        drop(state);
        let _ = audit_task.await;
    });
    Ok(Running {
        addr,
        tls,
        ca_bundle,
        stop,
        task,
    })
}

/// Gives the rotation engine its settings and I/O: command functions may run only what the configuration
/// allows, and reach this server at the configured endpoint or the listener's own address; the built-in
/// database rotators reach their databases through [`rotation_db`].
fn configure_rotation(services: &Services, config: &Config, addr: SocketAddr, tls: bool) {
    let endpoint = config.rotation.endpoint_url.clone().unwrap_or_else(|| {
        let scheme = if tls { "https" } else { "http" };
        format!("{scheme}://{addr}")
    });
    services
        .rotation
        .configure(strongroom_service::rotation::RotationSettings {
            endpoint_url: Some(endpoint),
            step_timeout: config.rotation.step_timeout,
            max_rotations_per_second: config.rotation.max_rotations_per_second,
            lease: time::Duration::try_from(config.rotation.step_timeout).unwrap_or(time::Duration::MINUTE)
                + time::Duration::seconds(5),
            ..Default::default()
        });
    services
        .rotation
        .install_io(Arc::new(rotation_io::ServerFunctionIo::new(
            config.rotation.allowed_commands.clone(),
        )));
    services
        .rotation
        .install_database(Arc::new(rotation_db::SqlxDatabaseAdmin::new()));
}
