//! Opening a deployment: the data directory, the root key, the store and the keyring; `init` and `dev`.

use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::Path;
use std::sync::Arc;

use secrecy::ExposeSecret as _;
use strongroom_crypto::RootKey;
use strongroom_service::bootstrap::{self, RootCredentials};
use strongroom_service::{Keyring, ServiceError, Store};
use strongroom_store_postgres::PostgresStore;
use strongroom_store_sqlite::SqliteStore;
use strongroom_types::{AccessKeyId, Clock};

use crate::config::{Config, RootKeySource, Storage};

/// Why a deployment could not be opened or initialised.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot prepare {path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("the root key in {0} is not valid")]
    BadRootKey(String),
    #[error("no root key: {0} (run `strongroom init` first)")]
    NoRootKey(String),
    #[error("cannot open the store: {0}")]
    Store(#[source] strongroom_store::StoreError),
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
}

/// Creates a directory (and its parents) that only the owner can enter.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

/// Writes a new file with the given mode, replacing none: refuses when the file exists.
pub fn write_file_with_mode(path: &Path, contents: &[u8], mode: u32) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)?;
    file.write_all(contents)?;
    file.sync_all()?;
    // The process umask may have narrowed the mode further; make it exactly what was asked.
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

/// Loads the root key; with `create`, makes a new key file when there is none.
pub fn root_key(config: &Config, create: bool) -> Result<RootKey, StartupError> {
    match &config.root_key {
        RootKeySource::Env(var) => {
            let value =
                zeroize::Zeroizing::new(std::env::var(var).map_err(|_| {
                    StartupError::NoRootKey(format!("environment variable {var} is not set"))
                })?);
            RootKey::from_base64(value.trim())
                .map_err(|_| StartupError::BadRootKey(format!("environment variable {var}")))
        }
        RootKeySource::File(path) => {
            let io = |source| StartupError::Io {
                path: path.clone(),
                source,
            };
            match std::fs::read_to_string(path) {
                Ok(text) => {
                    let text = zeroize::Zeroizing::new(text);
                    let mode = std::fs::metadata(path).map_err(io)?.permissions().mode();
                    if mode & 0o077 != 0 {
                        tracing::warn!(path = %path.display(), mode = format!("{:o}", mode & 0o777), "the root key file is readable by others; chmod 600 it");
                    }
                    RootKey::from_file_contents(&text)
                        .map_err(|_| StartupError::BadRootKey(path.display().to_string()))
                }
                Err(err) if err.kind() == std::io::ErrorKind::NotFound && create => {
                    if let Some(parent) = path.parent() {
                        create_private_dir(parent).map_err(io)?;
                    }
                    let key = RootKey::generate();
                    write_file_with_mode(path, key.to_file_contents().as_bytes(), 0o600).map_err(io)?;
                    Ok(key)
                }
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => Err(StartupError::NoRootKey(
                    format!("{} does not exist", path.display()),
                )),
                Err(err) => Err(io(err)),
            }
        }
    }
}

/// Opens the configured store, creating and migrating it as needed.
pub async fn open_store(config: &Config) -> Result<Arc<dyn Store>, StartupError> {
    match &config.storage {
        Storage::Sqlite { path } => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                create_private_dir(parent).map_err(|source| StartupError::Io {
                    path: parent.to_owned(),
                    source,
                })?;
            }
            Ok(Arc::new(
                SqliteStore::open(path).await.map_err(StartupError::Store)?,
            ))
        }
        Storage::Postgres { url } => Ok(Arc::new(
            PostgresStore::connect(url.expose_secret())
                .await
                .map_err(StartupError::Store)?,
        )),
    }
}

/// A deployment opened and ready to serve.
pub struct Opened {
    pub store: Arc<dyn Store>,
    pub keyring: Keyring,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("store", &self.store.backend())
            .field("keyring", &self.keyring)
            .finish()
    }
}

/// Opens the store and the keyring. `create` makes the data directory and root key when missing.
pub async fn open(config: &Config, clock: &dyn Clock, create: bool) -> Result<Opened, StartupError> {
    if create {
        create_private_dir(&config.data_dir).map_err(|source| StartupError::Io {
            path: config.data_dir.clone(),
            source,
        })?;
    }
    let root = root_key(config, create)?;
    let store = open_store(config).await?;
    let keyring = Keyring::load(store.as_ref(), root, clock.now()).await?;
    Ok(Opened { store, keyring })
}

/// `strongroom init`: creates the account and the root user's first access key.
pub async fn init(
    config: &Config,
    opened: &Opened,
    clock: &dyn Clock,
) -> Result<RootCredentials, StartupError> {
    Ok(bootstrap::bootstrap_account(
        opened.store.as_ref(),
        &opened.keyring,
        &config.account_id,
        clock.now(),
    )
    .await?)
}

/// `strongroom dev`: the root credentials of this data directory, made on first run and read back after.
pub async fn dev_credentials(
    config: &Config,
    opened: &Opened,
    clock: &dyn Clock,
) -> Result<RootCredentials, StartupError> {
    let id_file = config.dev_root_key_id_file();
    match std::fs::read_to_string(&id_file) {
        Ok(text) => {
            let id: AccessKeyId = text.trim().parse().map_err(|_| {
                StartupError::BadRootKey(format!("{} holds no access key id", id_file.display()))
            })?;
            Ok(bootstrap::root_credentials(opened.store.as_ref(), &opened.keyring, &id).await?)
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let credentials = init(config, opened, clock).await?;
            write_file_with_mode(
                &id_file,
                format!("{}\n", credentials.access_key_id).as_bytes(),
                0o600,
            )
            .map_err(|source| StartupError::Io {
                path: id_file.clone(),
                source,
            })?;
            Ok(credentials)
        }
        Err(source) => Err(StartupError::Io {
            path: id_file,
            source,
        }),
    }
}
