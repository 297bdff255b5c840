//! A snapshot of environment variables, so that resolution is a pure function of it and tests need not
//! change the process environment.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// Variables whose values are secret: kept, but never shown by `Debug`.
const SECRET_VARIABLES: [&str; 3] = [
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
];

/// Environment variables by name.
#[derive(Clone, Default)]
pub struct Environment {
    variables: BTreeMap<String, String>,
}

impl Environment {
    /// The process's environment (variables that are not valid Unicode are skipped).
    pub fn from_process() -> Self {
        Self {
            variables: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        }
    }

    /// Exactly these variables.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self {
            variables: pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }
    }

    /// The value of `name` when it is set and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.variables
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Whether `name` is set at all (even to the empty string).
    pub fn is_set(&self, name: &str) -> bool {
        self.variables.contains_key(name)
    }

    /// The home directory (`HOME`, else `USERPROFILE`).
    pub fn home(&self) -> Option<PathBuf> {
        self.get("HOME")
            .or_else(|| self.get("USERPROFILE"))
            .map(PathBuf::from)
    }

    /// `~/`-expanded path.
    pub fn expand(&self, path: &str) -> PathBuf {
        match (path.strip_prefix("~/"), self.home()) {
            (Some(rest), Some(home)) => home.join(rest),
            _ => PathBuf::from(path),
        }
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in &self.variables {
            if SECRET_VARIABLES.contains(&name.as_str()) || name.contains("TOKEN") || name.contains("SECRET")
            {
                map.entry(name, &"<redacted>");
            } else {
                map.entry(name, value);
            }
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_count_as_unset_for_get() {
        let env = Environment::from_pairs([("A", ""), ("B", "x"), ("HOME", "/home/me")]);
        assert_eq!(env.get("A"), None);
        assert!(env.is_set("A"));
        assert_eq!(env.get("B"), Some("x"));
        assert_eq!(env.expand("~/.aws/config"), PathBuf::from("/home/me/.aws/config"));
        assert_eq!(env.expand("/etc/x"), PathBuf::from("/etc/x"));
    }

    #[test]
    fn debug_redacts_secret_variables() {
        let env = Environment::from_pairs([
            ("AWS_SECRET_ACCESS_KEY", "canary-secret"),
            ("AWS_TOKEN", "canary-token"),
        ]);
        let shown = format!("{env:?}");
        assert!(!shown.contains("canary"), "{shown}");
    }
}
