//! The SSRF token, read as the AWS agent reads it: the first of `ssrf_env_variables` that is set (default
//! `AWS_TOKEN`, `AWS_SESSION_TOKEN`, `AWS_CONTAINER_AUTHORIZATION_TOKEN`); a value starting with `file://`
//! names a file whose trimmed contents are the token. Requests present it in one of `ssrf_headers`, and
//! it is compared in constant time.

use std::fmt;

use secrecy::{ExposeSecret as _, SecretString};
use strongroom_cache::client::Environment;
use zeroize::Zeroize as _;

/// The token requests must carry. `Debug` never shows it.
pub struct SsrfToken(SecretString);

impl fmt::Debug for SsrfToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SsrfToken(<redacted>)")
    }
}

/// Why no token could be had.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("no SSRF token: set one of {0} (a value or file:///path)")]
    NotSet(String),
    #[error("SSRF token file {path} from {variable}: {reason}")]
    File {
        variable: String,
        path: String,
        reason: String,
    },
    #[error("the SSRF token from {0} is empty")]
    Empty(String),
}

impl SsrfToken {
    /// A token from a known value (tests, embedding).
    pub fn new(value: SecretString) -> Self {
        Self(value)
    }

    /// Reads the token as the AWS agent does.
    pub fn load(env: &Environment, variables: &[String]) -> Result<Self, TokenError> {
        let (variable, value) = variables
            .iter()
            .find_map(|name| env.get(name).map(|value| (name.as_str(), value)))
            .ok_or_else(|| TokenError::NotSet(variables.join(", ")))?;
        let token = match value.strip_prefix("file://") {
            Some(path) => {
                let mut text = std::fs::read_to_string(path).map_err(|e| TokenError::File {
                    variable: variable.to_owned(),
                    path: path.to_owned(),
                    reason: e.to_string(),
                })?;
                let token = text.trim().to_owned();
                text.zeroize();
                token
            }
            None => value.to_owned(),
        };
        if token.is_empty() {
            return Err(TokenError::Empty(variable.to_owned()));
        }
        Ok(Self(SecretString::from(token)))
    }

    /// Whether `presented` is the token, in time independent of the contents.
    pub fn matches(&self, presented: &[u8]) -> bool {
        strongroom_crypto::ct::eq(presented, self.0.expose_secret().as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_first_set_variable_wins() {
        let env = Environment::from_pairs([("AWS_SESSION_TOKEN", "second"), ("AWS_TOKEN", "first")]);
        let token = SsrfToken::load(&env, &names(&["AWS_TOKEN", "AWS_SESSION_TOKEN"])).unwrap();
        assert!(token.matches(b"first"));
        assert!(!token.matches(b"second"));
        assert!(!token.matches(b"firs"));
        assert!(!format!("{token:?}").contains("first"));

        let env = Environment::from_pairs([("AWS_SESSION_TOKEN", "second")]);
        let token = SsrfToken::load(&env, &names(&["AWS_TOKEN", "AWS_SESSION_TOKEN"])).unwrap();
        assert!(token.matches(b"second"));
    }

    #[test]
    fn a_file_url_is_read_and_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("awssmatoken");
        std::fs::write(&path, "  from-file\n").unwrap();
        let value = format!("file://{}", path.display());
        let env = Environment::from_pairs([("AWS_TOKEN", value.as_str())]);
        let token = SsrfToken::load(&env, &names(&["AWS_TOKEN"])).unwrap();
        assert!(token.matches(b"from-file"));

        let env = Environment::from_pairs([("AWS_TOKEN", "file:///nonexistent/token")]);
        assert!(matches!(
            SsrfToken::load(&env, &names(&["AWS_TOKEN"])),
            Err(TokenError::File { .. })
        ));
    }

    #[test]
    fn no_token_or_an_empty_file_is_an_error() {
        assert!(matches!(
            SsrfToken::load(&Environment::default(), &names(&["AWS_TOKEN"])),
            Err(TokenError::NotSet(_))
        ));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty");
        std::fs::write(&path, "\n").unwrap();
        let value = format!("file://{}", path.display());
        let env = Environment::from_pairs([("AWS_TOKEN", value.as_str())]);
        assert!(matches!(
            SsrfToken::load(&env, &names(&["AWS_TOKEN"])),
            Err(TokenError::Empty(_))
        ));
    }
}
