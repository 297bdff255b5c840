//! AWS credentials and where they come from: the standard chain's environment variables, shared-file
//! profiles (static keys or `credential_process`), or a credentials file watched for changes (the AWS
//! agent's `credentials_file_path`).
//!
//! `credential_process` output is cached until five minutes before its `Expiration` (forever without one,
//! as the AWS SDKs do); a watched file is re-read when its modification time changes, checked at most every
//! five minutes, and a missing or unreadable file keeps the last good credentials.

use std::fmt;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret as _, SecretString};
use strongroom_types::{Clock, OffsetDateTime};
use time::format_description::well_known::Rfc3339;
use zeroize::Zeroize as _;

use crate::env::Environment;
use crate::profile::{self, FileKind, Profile};

/// Process credentials are refreshed this long before they expire.
const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);
/// A watched credentials file is checked for changes at most this often.
const FILE_CHECK_INTERVAL: Duration = Duration::from_secs(5 * 60);
/// How long a `credential_process` may run.
const PROCESS_TIMEOUT: Duration = Duration::from_secs(60);

/// One set of credentials. `Debug` shows only the access key id.
pub struct Credentials {
    access_key_id: String,
    secret_access_key: SecretString,
    session_token: Option<SecretString>,
    expiration: Option<OffsetDateTime>,
}

impl Credentials {
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: SecretString,
        session_token: Option<SecretString>,
        expiration: Option<OffsetDateTime>,
    ) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_access_key,
            session_token,
            expiration,
        }
    }

    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    pub fn secret_access_key(&self) -> &SecretString {
        &self.secret_access_key
    }

    pub fn session_token(&self) -> Option<&SecretString> {
        self.session_token.as_ref()
    }

    pub fn expiration(&self) -> Option<OffsetDateTime> {
        self.expiration
    }

    fn usable_at(&self, now: OffsetDateTime) -> bool {
        self.expiration
            .is_none_or(|expires| now + REFRESH_MARGIN < expires)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// Why no credentials could be had. Never carries a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    #[error(
        "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use a profile with keys or credential_process"
    )]
    NotFound,
    #[error("profile `{profile}` uses {feature}, which is not supported; use keys or credential_process")]
    Unsupported { profile: String, feature: &'static str },
    #[error("shared config: {0}")]
    Profile(String),
    #[error("credential_process failed: {0}")]
    Process(String),
    #[error("credentials file {path}: {reason}")]
    File { path: PathBuf, reason: String },
}

/// Where credentials come from.
#[derive(Clone)]
pub enum CredentialSource {
    /// Fixed credentials (environment variables or profile keys).
    Static(Arc<Credentials>),
    /// A command printing credentials JSON (version 1), run through the shell.
    Process { command: String },
    /// A credentials file (INI, like `~/.aws/credentials`), re-read when it changes.
    WatchedFile { path: PathBuf, profile: String },
}

impl fmt::Debug for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Static(credentials) => f.debug_tuple("Static").field(credentials).finish(),
            // The command line may carry secrets of its own (it is the user's to write): show only its program.
            Self::Process { command } => f
                .debug_struct("Process")
                .field("program", &command.split_whitespace().next().unwrap_or_default())
                .finish(),
            Self::WatchedFile { path, profile } => f
                .debug_struct("WatchedFile")
                .field("path", path)
                .field("profile", profile)
                .finish(),
        }
    }
}

impl CredentialSource {
    /// The standard chain: environment variables, then the profile's static keys, then its
    /// `credential_process`.
    pub fn resolve(env: &Environment, profile: &Profile) -> Result<Self, CredentialsError> {
        if let (Some(id), Some(secret)) = (env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")) {
            let expiration = env
                .get("AWS_CREDENTIAL_EXPIRATION")
                .and_then(|text| OffsetDateTime::parse(text, &Rfc3339).ok());
            return Ok(Self::Static(Arc::new(Credentials::new(
                id,
                SecretString::from(secret),
                env.get("AWS_SESSION_TOKEN").map(SecretString::from),
                expiration,
            ))));
        }
        if let (Some(id), Some(secret)) = (
            profile.get("aws_access_key_id"),
            profile.get("aws_secret_access_key"),
        ) {
            return Ok(Self::Static(Arc::new(Credentials::new(
                id,
                SecretString::from(secret),
                profile.get("aws_session_token").map(SecretString::from),
                None,
            ))));
        }
        if let Some(command) = profile.get("credential_process") {
            return Ok(Self::Process {
                command: command.to_owned(),
            });
        }
        for (key, feature) in [
            ("role_arn", "role_arn (AssumeRole)"),
            ("sso_session", "IAM Identity Center (SSO)"),
            ("sso_start_url", "IAM Identity Center (SSO)"),
            ("web_identity_token_file", "web identity"),
        ] {
            if profile.get(key).is_some() {
                return Err(CredentialsError::Unsupported {
                    profile: profile.name().to_owned(),
                    feature,
                });
            }
        }
        Err(CredentialsError::NotFound)
    }
}

#[derive(Debug, Default)]
struct State {
    current: Option<Arc<Credentials>>,
    file_modified: Option<SystemTime>,
    file_checked_at: Option<OffsetDateTime>,
}

/// Hands out credentials from a [`CredentialSource`], caching what must be cached.
#[derive(Debug)]
pub struct CredentialsProvider {
    source: CredentialSource,
    clock: Arc<dyn Clock>,
    // An async mutex: a refresh runs a process or reads a file, and concurrent callers wait for it rather
    // than starting their own.
    state: tokio::sync::Mutex<State>,
}

impl CredentialsProvider {
    pub fn new(source: CredentialSource, clock: Arc<dyn Clock>) -> Self {
        Self {
            source,
            clock,
            state: tokio::sync::Mutex::new(State::default()),
        }
    }

    /// Credentials usable now.
    pub async fn credentials(&self) -> Result<Arc<Credentials>, CredentialsError> {
        match &self.source {
            CredentialSource::Static(credentials) => Ok(Arc::clone(credentials)),
            CredentialSource::Process { command } => {
                let mut state = self.state.lock().await;
                let now = self.clock.now();
                if let Some(current) = &state.current
                    && current.usable_at(now)
                {
                    return Ok(Arc::clone(current));
                }
                let fresh = Arc::new(run_process(command).await?);
                state.current = Some(Arc::clone(&fresh));
                Ok(fresh)
            }
            CredentialSource::WatchedFile { path, profile } => {
                let mut state = self.state.lock().await;
                let now = self.clock.now();
                let due = state
                    .file_checked_at
                    .is_none_or(|checked| now >= checked + FILE_CHECK_INTERVAL);
                if due {
                    state.file_checked_at = Some(now);
                    match reload_file(path, profile, state.file_modified).await {
                        Ok(Some((credentials, modified))) => {
                            state.current = Some(Arc::new(credentials));
                            state.file_modified = Some(modified);
                        }
                        Ok(None) => {}
                        Err(error) => {
                            if state.current.is_none() {
                                return Err(error);
                            }
                            tracing::warn!(%error, "keeping the last good credentials");
                        }
                    }
                }
                state.current.clone().ok_or_else(|| CredentialsError::File {
                    path: path.clone(),
                    reason: "no credentials read yet".into(),
                })
            }
        }
    }
}

/// Reads `path` when its modification time is not `known`; `None` when unchanged.
async fn reload_file(
    path: &PathBuf,
    profile_name: &str,
    known: Option<SystemTime>,
) -> Result<Option<(Credentials, SystemTime)>, CredentialsError> {
    let file_error = |reason: String| CredentialsError::File {
        path: path.clone(),
        reason,
    };
    let modified = tokio::fs::metadata(path)
        .await
        .and_then(|m| m.modified())
        .map_err(|e| file_error(e.to_string()))?;
    if known == Some(modified) {
        return Ok(None);
    }
    let mut text = tokio::fs::read_to_string(path)
        .await
        .map_err(|e| file_error(e.to_string()))?;
    let mut profiles = profile::parse(&text, FileKind::Credentials);
    text.zeroize();
    let section = profiles
        .remove(profile_name)
        .ok_or_else(|| file_error(format!("no profile `{profile_name}`")))?;
    let get = |key: &str| section.get(key).filter(|v| !v.is_empty());
    let (Some(id), Some(secret)) = (get("aws_access_key_id"), get("aws_secret_access_key")) else {
        return Err(file_error(
            "aws_access_key_id or aws_secret_access_key missing".into(),
        ));
    };
    let credentials = Credentials::new(
        id.as_str(),
        SecretString::from(secret.as_str()),
        get("aws_session_token").map(|t| SecretString::from(t.as_str())),
        None,
    );
    Ok(Some((credentials, modified)))
}

/// Runs `command` through the shell and parses its output (the `credential_process` contract).
async fn run_process(command: &str) -> Result<Credentials, CredentialsError> {
    let mut shell = if cfg!(windows) {
        let mut c = tokio::process::Command::new("cmd");
        c.arg("/C");
        c
    } else {
        let mut c = tokio::process::Command::new("sh");
        c.arg("-c");
        c
    };
    shell
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    let output = tokio::time::timeout(PROCESS_TIMEOUT, shell.output())
        .await
        .map_err(|_| CredentialsError::Process("timed out".into()))?
        .map_err(|e| CredentialsError::Process(format!("cannot start: {e}")))?;
    let mut stdout = output.stdout;
    if !output.status.success() {
        stdout.zeroize();
        return Err(CredentialsError::Process(format!(
            "exited with {}",
            output.status
        )));
    }
    let parsed = parse_process_output(&stdout);
    stdout.zeroize();
    parsed
}

/// Parses `credential_process` JSON: `Version` 1, `AccessKeyId`, `SecretAccessKey`, optional
/// `SessionToken` and RFC 3339 `Expiration`.
pub fn parse_process_output(output: &[u8]) -> Result<Credentials, CredentialsError> {
    let bad = |reason: &str| CredentialsError::Process(reason.to_owned());
    let mut json: serde_json::Value =
        serde_json::from_slice(output).map_err(|_| bad("output is not JSON"))?;
    if json.get("Version").and_then(serde_json::Value::as_i64) != Some(1) {
        return Err(bad("output must have \"Version\": 1"));
    }
    let mut take = |key: &str| match json.get_mut(key).map(serde_json::Value::take) {
        Some(serde_json::Value::String(s)) => Some(s),
        _ => None,
    };
    let id = take("AccessKeyId").ok_or_else(|| bad("AccessKeyId missing"))?;
    let secret = SecretString::from(take("SecretAccessKey").ok_or_else(|| bad("SecretAccessKey missing"))?);
    let token = take("SessionToken").map(SecretString::from);
    let expiration = match take("Expiration") {
        Some(text) => {
            Some(OffsetDateTime::parse(&text, &Rfc3339).map_err(|_| bad("Expiration is not RFC 3339"))?)
        }
        None => None,
    };
    Ok(Credentials::new(id, secret, token, expiration))
}

/// The secret access key's bytes, for signing.
pub(crate) fn secret_bytes(credentials: &Credentials) -> &[u8] {
    credentials.secret_access_key.expose_secret().as_bytes()
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use strongroom_types::ManualClock;

    use super::*;

    fn clock() -> Arc<ManualClock> {
        Arc::new(ManualClock::new(OffsetDateTime::now_utc()))
    }

    #[test]
    fn environment_wins_over_the_profile() {
        let env = Environment::from_pairs([
            ("AWS_ACCESS_KEY_ID", "AKIDENV"),
            ("AWS_SECRET_ACCESS_KEY", "envsecret"),
            ("AWS_SESSION_TOKEN", "envtoken"),
        ]);
        let CredentialSource::Static(credentials) =
            CredentialSource::resolve(&env, &Profile::default()).unwrap()
        else {
            panic!("expected static credentials");
        };
        assert_eq!(credentials.access_key_id(), "AKIDENV");
        assert_eq!(
            credentials.session_token().map(|t| t.expose_secret()),
            Some("envtoken")
        );
        let shown = format!("{credentials:?}");
        assert!(
            !shown.contains("envsecret") && !shown.contains("envtoken"),
            "{shown}"
        );
    }

    #[test]
    fn nothing_configured_is_not_found() {
        assert_eq!(
            CredentialSource::resolve(&Environment::default(), &Profile::default()).unwrap_err(),
            CredentialsError::NotFound
        );
    }

    #[test]
    fn process_output_is_parsed_and_checked() {
        let good = br#"{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"s","SessionToken":"t","Expiration":"2030-01-01T00:00:00Z"}"#;
        let credentials = parse_process_output(good).unwrap();
        assert_eq!(credentials.access_key_id(), "AKID");
        assert_eq!(credentials.expiration().map(|e| e.year()), Some(2030));
        let cases: [&[u8]; 4] = [
            b"not json",
            br#"{"Version":2,"AccessKeyId":"a","SecretAccessKey":"s"}"#,
            br#"{"Version":1,"SecretAccessKey":"s"}"#,
            br#"{"Version":1,"AccessKeyId":"a","SecretAccessKey":"s","Expiration":"tomorrow"}"#,
        ];
        for case in cases {
            assert!(matches!(
                parse_process_output(case),
                Err(CredentialsError::Process(_))
            ));
        }
    }

    #[tokio::test]
    async fn process_credentials_are_cached_until_shortly_before_expiry() {
        let dir = tempfile::tempdir().unwrap();
        let counter = dir.path().join("count");
        let clock = clock();
        let expiration = (clock.now() + Duration::from_secs(3600))
            .format(&Rfc3339)
            .unwrap();
        // Each run appends a line to `count` and prints credentials naming the run.
        let script = format!(
            "echo x >> {counter}; n=$(wc -l < {counter} | tr -d ' '); \
             printf '{{\"Version\":1,\"AccessKeyId\":\"AKID%s\",\"SecretAccessKey\":\"s\",\"Expiration\":\"{expiration}\"}}' \"$n\"",
            counter = counter.display()
        );
        let provider = CredentialsProvider::new(
            CredentialSource::Process { command: script },
            Arc::clone(&clock) as Arc<dyn Clock>,
        );
        assert_eq!(provider.credentials().await.unwrap().access_key_id(), "AKID1");
        clock.advance(time::Duration::minutes(54));
        assert_eq!(provider.credentials().await.unwrap().access_key_id(), "AKID1");
        clock.advance(time::Duration::minutes(2)); // within five minutes of expiry
        assert_eq!(provider.credentials().await.unwrap().access_key_id(), "AKID2");
    }

    #[tokio::test]
    async fn a_failing_process_is_an_error() {
        let provider = CredentialsProvider::new(
            CredentialSource::Process {
                command: "exit 3".into(),
            },
            clock(),
        );
        assert!(matches!(
            provider.credentials().await,
            Err(CredentialsError::Process(_))
        ));
    }

    #[tokio::test]
    async fn a_watched_file_is_reread_when_it_changes_and_kept_when_it_breaks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        std::fs::write(
            &path,
            "[default]\naws_access_key_id = AKID1\naws_secret_access_key = s1\n",
        )
        .unwrap();
        let clock = clock();
        let provider = CredentialsProvider::new(
            CredentialSource::WatchedFile {
                path: path.clone(),
                profile: "default".into(),
            },
            Arc::clone(&clock) as Arc<dyn Clock>,
        );
        assert_eq!(provider.credentials().await.unwrap().access_key_id(), "AKID1");

        // Rewrite with a different modification time.
        let mut file = std::fs::File::create(&path).unwrap();
        file.write_all(b"[default]\naws_access_key_id = AKID2\naws_secret_access_key = s2\n")
            .unwrap();
        file.set_modified(SystemTime::now() + Duration::from_secs(10))
            .unwrap();
        drop(file);
        // Not yet due for a check.
        assert_eq!(provider.credentials().await.unwrap().access_key_id(), "AKID1");
        clock.advance(time::Duration::minutes(5));
        assert_eq!(provider.credentials().await.unwrap().access_key_id(), "AKID2");

        std::fs::remove_file(&path).unwrap();
        clock.advance(time::Duration::minutes(5));
        assert_eq!(provider.credentials().await.unwrap().access_key_id(), "AKID2");
    }
}
