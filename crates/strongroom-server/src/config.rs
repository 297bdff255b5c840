//! Configuration in two stages: raw layers (defaults < TOML file < `STRONGROOM_*` environment < flags),
//! then one validation into typed values that the rest of the server takes by value.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::Deserialize;
use strongroom_types::AccountId;

/// The port `strongroom dev` listens on unless told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:4510";
/// The account id a fresh deployment uses unless told otherwise (the one moto and many suites assume).
pub const DEFAULT_ACCOUNT_ID: &str = "123456789012";
/// The largest request body accepted, in bytes: well above Secrets Manager's 64 KiB values once
/// base64-encoded, and small enough that a flood of large bodies cannot exhaust memory.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the configuration file {path} is not valid: {source}")]
    Parse {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error("`{field}` is not valid: {reason}")]
    Invalid { field: &'static str, reason: String },
}

/// One layer of configuration, as written in the TOML file or given by the environment and flags.
/// Every field is optional; a later layer's value replaces an earlier one's.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub account_id: Option<String>,
    pub database_url: Option<String>,
    pub root_key_file: Option<PathBuf>,
    pub root_key_env: Option<String>,
    pub log_format: Option<String>,
    pub max_body_bytes: Option<usize>,
    pub tls: Option<RawTls>,
    pub dangerous_allow_plaintext_http: Option<bool>,
    pub rotation: Option<RawRotation>,
}

/// The `[rotation]` table.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRotation {
    /// Programs (absolute paths) or directories (ending in `/`) that `command` rotation functions may run.
    /// Empty (the default): no command function runs.
    pub allowed_commands: Option<Vec<PathBuf>>,
    /// The URL command functions reach this server at (`AWS_ENDPOINT_URL`); defaults to the listener's.
    pub endpoint_url: Option<String>,
    /// The longest one step of a command or webhook function may take (default 60 s). A claimed rotation
    /// stays leased for this long plus a margin, so a dead server's rotation resumes that much later.
    pub step_timeout_seconds: Option<u64>,
    /// The most rotations this server starts per second (default 25; 0: no limit), so that many secrets
    /// due at once leave the API its share of the CPU.
    pub max_rotations_per_second: Option<u32>,
}

/// The `[tls]` table.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTls {
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    /// Make and keep a self-signed certificate in the data directory (for development).
    pub self_signed: Option<bool>,
}

impl RawConfig {
    /// Reads a TOML file.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source: Box::new(source),
        })
    }

    /// `self` with every field that `over` sets replaced by `over`'s value.
    pub fn overlay(self, over: Self) -> Self {
        let tls = match (self.tls, over.tls) {
            (Some(base), Some(top)) => Some(RawTls {
                cert_file: top.cert_file.or(base.cert_file),
                key_file: top.key_file.or(base.key_file),
                self_signed: top.self_signed.or(base.self_signed),
            }),
            (base, top) => top.or(base),
        };
        Self {
            listen: over.listen.or(self.listen),
            data_dir: over.data_dir.or(self.data_dir),
            account_id: over.account_id.or(self.account_id),
            database_url: over.database_url.or(self.database_url),
            root_key_file: over.root_key_file.or(self.root_key_file),
            root_key_env: over.root_key_env.or(self.root_key_env),
            log_format: over.log_format.or(self.log_format),
            max_body_bytes: over.max_body_bytes.or(self.max_body_bytes),
            tls,
            dangerous_allow_plaintext_http: over
                .dangerous_allow_plaintext_http
                .or(self.dangerous_allow_plaintext_http),
            rotation: over.rotation.or(self.rotation),
        }
    }
}

/// Where the data lives.
#[derive(Debug, Clone)]
pub enum Storage {
    Sqlite {
        path: PathBuf,
    },
    /// The URL may hold a password, so it is kept as a secret and never printed.
    Postgres {
        url: SecretString,
    },
}

/// Where the root key comes from.
#[derive(Debug, Clone)]
pub enum RootKeySource {
    /// A key file made by `strongroom init` (mode 0600).
    File(PathBuf),
    /// The named environment variable holds the key in base64.
    Env(String),
}

/// How the listener speaks.
#[derive(Debug, Clone)]
pub enum Transport {
    Plaintext,
    /// HTTPS with a self-signed CA and certificate kept in this directory.
    SelfSignedTls {
        dir: PathBuf,
    },
    Tls {
        cert_file: PathBuf,
        key_file: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub account_id: AccountId,
    pub storage: Storage,
    pub root_key: RootKeySource,
    pub transport: Transport,
    pub log_format: LogFormat,
    pub max_body_bytes: usize,
    pub dangerous_allow_plaintext_http: bool,
    pub rotation: RotationConfig,
}

/// How rotation functions may run on this server.
#[derive(Debug, Clone)]
pub struct RotationConfig {
    /// Programs or directories `command` functions may run; deny by default.
    pub allowed_commands: Vec<PathBuf>,
    pub endpoint_url: Option<String>,
    pub step_timeout: std::time::Duration,
    /// `None`: no limit.
    pub max_rotations_per_second: Option<u32>,
}

impl Config {
    /// Validates a raw configuration. `default_data_dir` is used when none is given.
    pub fn from_raw(raw: RawConfig, default_data_dir: &Path) -> Result<Self, ConfigError> {
        let listen_text = raw.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
        let listen: SocketAddr = listen_text.parse().map_err(|_| ConfigError::Invalid {
            field: "listen",
            reason: format!("{listen_text:?} is not an address:port"),
        })?;
        let data_dir = raw.data_dir.unwrap_or_else(|| default_data_dir.to_owned());
        let account_text = raw.account_id.as_deref().unwrap_or(DEFAULT_ACCOUNT_ID);
        let account_id = account_text.parse().map_err(|err| ConfigError::Invalid {
            field: "account_id",
            reason: format!("{account_text:?}: {err}"),
        })?;
        let storage = match raw.database_url {
            None => Storage::Sqlite {
                path: data_dir.join("strongroom.db"),
            },
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Storage::Postgres {
                    url: SecretString::from(url),
                }
            }
            Some(url) if url.starts_with("sqlite:") => {
                let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
                Storage::Sqlite {
                    path: PathBuf::from(path),
                }
            }
            Some(_) => {
                return Err(ConfigError::Invalid {
                    field: "database_url",
                    reason: "must start with postgres://, postgresql:// or sqlite:".to_owned(),
                });
            }
        };
        let root_key = match (raw.root_key_env, raw.root_key_file) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::Invalid {
                    field: "root_key_env",
                    reason: "give either root_key_env or root_key_file, not both".to_owned(),
                });
            }
            (Some(var), None) => RootKeySource::Env(var),
            (None, Some(file)) => RootKeySource::File(file),
            (None, None) => RootKeySource::File(data_dir.join("root.key")),
        };
        let tls = raw.tls.unwrap_or_default();
        let transport = match (tls.cert_file, tls.key_file, tls.self_signed.unwrap_or(false)) {
            (Some(cert_file), Some(key_file), false) => Transport::Tls { cert_file, key_file },
            (None, None, true) => Transport::SelfSignedTls {
                dir: data_dir.join("tls"),
            },
            (None, None, false) => Transport::Plaintext,
            _ => {
                return Err(ConfigError::Invalid {
                    field: "tls",
                    reason: "set both cert_file and key_file, or self_signed = true, not a mix".to_owned(),
                });
            }
        };
        let dangerous_allow_plaintext_http = raw.dangerous_allow_plaintext_http.unwrap_or(false);
        if matches!(transport, Transport::Plaintext)
            && !listen.ip().is_loopback()
            && !dangerous_allow_plaintext_http
        {
            return Err(ConfigError::Invalid {
                field: "listen",
                reason: format!(
                    "{listen} is not a loopback address: serve HTTPS ([tls]) or set dangerous_allow_plaintext_http = true"
                ),
            });
        }
        let log_format = match raw.log_format.as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    field: "log_format",
                    reason: format!("{other:?}: use text or json"),
                });
            }
        };
        let max_body_bytes = raw.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES);
        if max_body_bytes < 64 * 1024 {
            return Err(ConfigError::Invalid {
                field: "max_body_bytes",
                reason: "must be at least 65536 so that any valid request fits".to_owned(),
            });
        }
        let raw_rotation = raw.rotation.unwrap_or_default();
        let allowed_commands = raw_rotation.allowed_commands.unwrap_or_default();
        if let Some(relative) = allowed_commands.iter().find(|p| !p.is_absolute()) {
            return Err(ConfigError::Invalid {
                field: "rotation.allowed_commands",
                reason: format!("{} is not an absolute path", relative.display()),
            });
        }
        let step_timeout_seconds = raw_rotation.step_timeout_seconds.unwrap_or(60);
        if !(1..=900).contains(&step_timeout_seconds) {
            return Err(ConfigError::Invalid {
                field: "rotation.step_timeout_seconds",
                reason: "must be between 1 and 900".to_owned(),
            });
        }
        let max_rotations_per_second = match raw_rotation.max_rotations_per_second {
            None => Some(strongroom_service::rotation::DEFAULT_ROTATIONS_PER_SECOND),
            Some(0) => None,
            Some(rate) if rate > 100_000 => {
                return Err(ConfigError::Invalid {
                    field: "rotation.max_rotations_per_second",
                    reason: "must be at most 100000 (0 for no limit)".to_owned(),
                });
            }
            Some(rate) => Some(rate),
        };
        let rotation = RotationConfig {
            allowed_commands,
            endpoint_url: raw_rotation.endpoint_url,
            step_timeout: std::time::Duration::from_secs(step_timeout_seconds),
            max_rotations_per_second,
        };
        Ok(Self {
            listen,
            data_dir,
            account_id,
            storage,
            root_key,
            transport,
            log_format,
            max_body_bytes,
            dangerous_allow_plaintext_http,
            rotation,
        })
    }

    /// The options that weaken security and are on, for the start-up warning.
    pub fn dangerous_options(&self) -> Vec<&'static str> {
        let mut on = Vec::new();
        if self.dangerous_allow_plaintext_http && !self.listen.ip().is_loopback() {
            on.push("dangerous_allow_plaintext_http");
        }
        on
    }

    /// The file holding the access key id of the root key that `strongroom dev` prints on each start.
    /// It holds an identifier only; the secret stays sealed in the store.
    pub fn dev_root_key_id_file(&self) -> PathBuf {
        self.data_dir.join("dev-root-access-key-id")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(raw: RawConfig) -> Config {
        Config::from_raw(raw, Path::new("/tmp/sr")).unwrap()
    }

    fn invalid(raw: RawConfig) -> String {
        Config::from_raw(raw, Path::new("/tmp/sr"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn defaults_are_sqlite_on_loopback() {
        let config = valid(RawConfig::default());
        assert_eq!(config.listen.to_string(), DEFAULT_LISTEN);
        assert!(
            matches!(config.storage, Storage::Sqlite { ref path } if path == Path::new("/tmp/sr/strongroom.db"))
        );
        assert!(matches!(config.root_key, RootKeySource::File(ref p) if p == Path::new("/tmp/sr/root.key")));
        assert!(matches!(config.transport, Transport::Plaintext));
        assert_eq!(config.account_id.as_str(), DEFAULT_ACCOUNT_ID);
        assert!(config.dangerous_options().is_empty());
    }

    #[test]
    fn later_layers_win() {
        let file = RawConfig {
            listen: Some("127.0.0.1:1".into()),
            account_id: Some("111122223333".into()),
            ..Default::default()
        };
        let flags = RawConfig {
            listen: Some("127.0.0.1:2".into()),
            ..Default::default()
        };
        let config = valid(file.overlay(flags));
        assert_eq!(config.listen.port(), 2);
        assert_eq!(config.account_id.as_str(), "111122223333");
    }

    #[test]
    fn plaintext_off_loopback_needs_the_dangerous_option() {
        let raw = RawConfig {
            listen: Some("0.0.0.0:4510".into()),
            ..Default::default()
        };
        assert!(invalid(raw.clone()).contains("dangerous_allow_plaintext_http"));
        let config = valid(RawConfig {
            dangerous_allow_plaintext_http: Some(true),
            ..raw
        });
        assert_eq!(config.dangerous_options(), ["dangerous_allow_plaintext_http"]);
    }

    #[test]
    fn refuses_bad_values() {
        for (raw, field) in [
            (
                RawConfig {
                    listen: Some("nowhere".into()),
                    ..Default::default()
                },
                "listen",
            ),
            (
                RawConfig {
                    account_id: Some("12".into()),
                    ..Default::default()
                },
                "account_id",
            ),
            (
                RawConfig {
                    database_url: Some("mysql://x".into()),
                    ..Default::default()
                },
                "database_url",
            ),
            (
                RawConfig {
                    log_format: Some("xml".into()),
                    ..Default::default()
                },
                "log_format",
            ),
            (
                RawConfig {
                    max_body_bytes: Some(10),
                    ..Default::default()
                },
                "max_body_bytes",
            ),
            (
                RawConfig {
                    rotation: Some(RawRotation {
                        max_rotations_per_second: Some(1_000_000),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                "rotation.max_rotations_per_second",
            ),
            (
                RawConfig {
                    tls: Some(RawTls {
                        cert_file: Some("c".into()),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                "tls",
            ),
            (
                RawConfig {
                    root_key_env: Some("K".into()),
                    root_key_file: Some("f".into()),
                    ..Default::default()
                },
                "root_key_env",
            ),
        ] {
            assert!(invalid(raw).contains(field), "{field}");
        }
    }

    #[test]
    fn unknown_toml_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:1\"\nlisten_port = 3\n").unwrap();
        assert!(matches!(
            RawConfig::from_file(&path),
            Err(ConfigError::Parse { .. })
        ));
        std::fs::write(&path, "listen = \"127.0.0.1:1\"\n[tls]\nself_signed = true\n").unwrap();
        let config = valid(RawConfig::from_file(&path).unwrap());
        assert!(matches!(config.transport, Transport::SelfSignedTls { .. }));
    }

    #[test]
    fn rotations_are_paced_unless_told_otherwise() {
        for (given, want) in [
            (
                None,
                Some(strongroom_service::rotation::DEFAULT_ROTATIONS_PER_SECOND),
            ),
            (Some(0), None),
            (Some(40), Some(40)),
        ] {
            let config = valid(RawConfig {
                rotation: Some(RawRotation {
                    max_rotations_per_second: given,
                    ..Default::default()
                }),
                ..Default::default()
            });
            assert_eq!(config.rotation.max_rotations_per_second, want, "{given:?}");
        }
    }
}
