//! The agent's configuration: the AWS Secrets Manager Agent's TOML keys with its defaults and ranges
//! (unknown keys are an error; numbers and booleans may be quoted strings), plus `max_stale_seconds`, the
//! bound on serving a stale value through upstream failures.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// Log verbosity (`NONE` turns logging off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
    None,
}

impl LogLevel {
    /// The `tracing` filter directive, `None` when logging is off.
    pub fn directive(self) -> Option<&'static str> {
        match self {
            Self::Debug => Some("debug"),
            Self::Info => Some("info"),
            Self::Warn => Some("warn"),
            Self::Error => Some("error"),
            Self::None => None,
        }
    }
}

/// The validated configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentConfig {
    pub log_level: LogLevel,
    pub log_to_file: bool,
    /// 0 means any free port.
    pub http_port: u16,
    pub region: Option<String>,
    /// Zero disables caching.
    pub ttl: Duration,
    pub cache_size: usize,
    pub max_conn: usize,
    pub ssrf_headers: Vec<String>,
    pub ssrf_env_variables: Vec<String>,
    pub path_prefix: String,
    pub ignore_transient_errors: bool,
    pub validate_credentials: bool,
    pub credentials_file_path: Option<PathBuf>,
    pub max_stale: Duration,
}

impl Default for AgentConfig {
    fn default() -> Self {
        Self {
            log_level: LogLevel::Info,
            log_to_file: true,
            http_port: 2773,
            region: None,
            ttl: Duration::from_secs(300),
            cache_size: 1000,
            max_conn: 800,
            ssrf_headers: vec!["X-Aws-Parameters-Secrets-Token".into(), "X-Vault-Token".into()],
            ssrf_env_variables: vec![
                "AWS_TOKEN".into(),
                "AWS_SESSION_TOKEN".into(),
                "AWS_CONTAINER_AUTHORIZATION_TOKEN".into(),
            ],
            path_prefix: "/v1/".into(),
            ignore_transient_errors: true,
            validate_credentials: true,
            credentials_file_path: None,
            max_stale: Duration::from_secs(3600),
        }
    }
}

/// Why the configuration is unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid configuration file: {0}")]
    Syntax(String),
    #[error("invalid value for {key}: {reason}")]
    Invalid { key: &'static str, reason: String },
}

/// A number, possibly quoted.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Number {
    Int(i64),
    Text(String),
}

/// A boolean, possibly quoted.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Flag {
    Bool(bool),
    Text(String),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    log_level: Option<String>,
    log_to_file: Option<Flag>,
    http_port: Option<Number>,
    region: Option<String>,
    ttl_seconds: Option<Number>,
    cache_size: Option<Number>,
    max_conn: Option<Number>,
    ssrf_headers: Option<Vec<String>>,
    ssrf_env_variables: Option<Vec<String>>,
    path_prefix: Option<String>,
    ignore_transient_errors: Option<Flag>,
    validate_credentials: Option<Flag>,
    credentials_file_path: Option<PathBuf>,
    max_stale_seconds: Option<Number>,
}

fn number(
    key: &'static str,
    value: Option<Number>,
    default: i64,
    range: (i64, i64),
) -> Result<i64, ConfigError> {
    let parsed = match value {
        None => return Ok(default),
        Some(Number::Int(n)) => n,
        Some(Number::Text(text)) => text.trim().parse().map_err(|_| ConfigError::Invalid {
            key,
            reason: format!("{text:?} is not a whole number"),
        })?,
    };
    if parsed < range.0 || parsed > range.1 {
        return Err(ConfigError::Invalid {
            key,
            reason: format!("{parsed} is outside {}..={}", range.0, range.1),
        });
    }
    Ok(parsed)
}

fn flag(key: &'static str, value: Option<Flag>, default: bool) -> Result<bool, ConfigError> {
    match value {
        None => Ok(default),
        Some(Flag::Bool(b)) => Ok(b),
        Some(Flag::Text(text)) => match text.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(ConfigError::Invalid {
                key,
                reason: format!("{text:?} is not true or false"),
            }),
        },
    }
}

fn non_empty_list(
    key: &'static str,
    value: Option<Vec<String>>,
    default: Vec<String>,
) -> Result<Vec<String>, ConfigError> {
    let list = value.unwrap_or(default);
    if list.is_empty() || list.iter().any(|item| item.trim().is_empty()) {
        return Err(ConfigError::Invalid {
            key,
            reason: "must be a non-empty list of non-empty names".into(),
        });
    }
    Ok(list)
}

impl AgentConfig {
    /// The defaults when `path` is `None`, else the file's settings over them.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        match path {
            None => Ok(Self::default()),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                Self::from_toml(&text)
            }
        }
    }

    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax(e.message().to_owned()))?;
        let defaults = Self::default();
        let log_level = match raw.log_level.as_deref().map(str::to_ascii_uppercase).as_deref() {
            None | Some("INFO") => LogLevel::Info,
            Some("DEBUG") => LogLevel::Debug,
            Some("WARN") => LogLevel::Warn,
            Some("ERROR") => LogLevel::Error,
            Some("NONE") => LogLevel::None,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    key: "log_level",
                    reason: format!("{other:?} is not one of DEBUG, INFO, WARN, ERROR, NONE"),
                });
            }
        };
        let http_port = number("http_port", raw.http_port, 2773, (0, 65535))?;
        if (1..1024).contains(&http_port) {
            return Err(ConfigError::Invalid {
                key: "http_port",
                reason: format!("{http_port} is a reserved port (1-1023)"),
            });
        }
        let path_prefix = raw.path_prefix.unwrap_or(defaults.path_prefix);
        if !path_prefix.starts_with('/') {
            return Err(ConfigError::Invalid {
                key: "path_prefix",
                reason: "must start with /".into(),
            });
        }
        let region = raw.region.filter(|r| !r.trim().is_empty());
        Ok(Self {
            log_level,
            log_to_file: flag("log_to_file", raw.log_to_file, defaults.log_to_file)?,
            http_port: u16::try_from(http_port).unwrap_or(defaults.http_port),
            region,
            ttl: Duration::from_secs(number("ttl_seconds", raw.ttl_seconds, 300, (0, 3600))?.unsigned_abs()),
            cache_size: usize::try_from(number("cache_size", raw.cache_size, 1000, (1, 1000))?)
                .unwrap_or(1000),
            max_conn: usize::try_from(number("max_conn", raw.max_conn, 800, (1, 1000))?).unwrap_or(800),
            ssrf_headers: non_empty_list("ssrf_headers", raw.ssrf_headers, defaults.ssrf_headers)?,
            ssrf_env_variables: non_empty_list(
                "ssrf_env_variables",
                raw.ssrf_env_variables,
                defaults.ssrf_env_variables,
            )?,
            path_prefix,
            ignore_transient_errors: flag("ignore_transient_errors", raw.ignore_transient_errors, true)?,
            validate_credentials: flag("validate_credentials", raw.validate_credentials, true)?,
            credentials_file_path: raw.credentials_file_path,
            max_stale: Duration::from_secs(
                number(
                    "max_stale_seconds",
                    raw.max_stale_seconds,
                    3600,
                    (0, 7 * 24 * 3600),
                )?
                .unsigned_abs(),
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_is_the_defaults() {
        assert_eq!(AgentConfig::from_toml("").unwrap(), AgentConfig::default());
    }

    #[test]
    fn every_aws_key_is_read_and_numbers_may_be_quoted() {
        let text = r#"
log_level = "debug"
log_to_file = "false"
http_port = "2775"
region = "eu-west-1"
ttl_seconds = 60
cache_size = "10"
max_conn = 5
ssrf_headers = ["X-Custom"]
ssrf_env_variables = ["MY_TOKEN"]
path_prefix = "/secrets/"
ignore_transient_errors = false
validate_credentials = "FALSE"
credentials_file_path = "/etc/creds"
max_stale_seconds = 30
"#;
        let config = AgentConfig::from_toml(text).unwrap();
        assert_eq!(
            config,
            AgentConfig {
                log_level: LogLevel::Debug,
                log_to_file: false,
                http_port: 2775,
                region: Some("eu-west-1".into()),
                ttl: Duration::from_secs(60),
                cache_size: 10,
                max_conn: 5,
                ssrf_headers: vec!["X-Custom".into()],
                ssrf_env_variables: vec!["MY_TOKEN".into()],
                path_prefix: "/secrets/".into(),
                ignore_transient_errors: false,
                validate_credentials: false,
                credentials_file_path: Some("/etc/creds".into()),
                max_stale: Duration::from_secs(30),
            }
        );
    }

    #[test]
    fn bad_values_are_refused() {
        let cases = [
            ("unknown_key = 1", "unknown"),
            ("http_port = 80", "http_port"),
            ("http_port = 70000", "http_port"),
            ("ttl_seconds = 3601", "ttl_seconds"),
            ("ttl_seconds = \"soon\"", "ttl_seconds"),
            ("cache_size = 0", "cache_size"),
            ("cache_size = 1001", "cache_size"),
            ("max_conn = 0", "max_conn"),
            ("path_prefix = \"v1/\"", "path_prefix"),
            ("log_level = \"LOUD\"", "log_level"),
            ("ssrf_headers = []", "ssrf_headers"),
            ("log_to_file = \"maybe\"", "log_to_file"),
        ];
        for (text, mention) in cases {
            let error = AgentConfig::from_toml(text).unwrap_err().to_string();
            assert!(error.contains(mention), "{text}: {error}");
        }
    }

    #[test]
    fn port_zero_and_ttl_zero_are_allowed() {
        let config = AgentConfig::from_toml("http_port = 0\nttl_seconds = 0").unwrap();
        assert_eq!((config.http_port, config.ttl), (0, Duration::ZERO));
    }
}
