//! The shared AWS configuration files (`~/.aws/config` and `~/.aws/credentials`): INI parsing and the
//! merged settings of one profile.
//!
//! In the config file a profile is `[default]` or `[profile NAME]`; in the credentials file it is `[NAME]`.
//! Keys from the credentials file win over the config file's. Other section kinds (`[sso-session …]`,
//! `[services …]`) and indented sub-properties are skipped.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use zeroize::Zeroize as _;

use crate::env::Environment;

/// Keys whose values are secret.
const SECRET_KEYS: [&str; 2] = ["aws_secret_access_key", "aws_session_token"];

/// The merged keys of one profile (names lowercased).
#[derive(Default, Clone, PartialEq, Eq)]
pub struct Profile {
    name: String,
    values: BTreeMap<String, String>,
}

impl Profile {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }

    fn merge(&mut self, section: BTreeMap<String, String>) {
        self.values.extend(section);
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        for value in self.values.values_mut() {
            value.zeroize();
        }
    }
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (key, value) in &self.values {
            if SECRET_KEYS.contains(&key.as_str()) {
                map.entry(key, &"<redacted>");
            } else {
                map.entry(key, value);
            }
        }
        map.finish()
    }
}

/// Why the shared files could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("profile `{0}` is not in the shared config or credentials file")]
    Missing(String),
}

/// Which file a text came from: the section headers differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Config,
    Credentials,
}

/// Parses one file into profile name → keys.
pub fn parse(text: &str, kind: FileKind) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut profiles: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for raw in text.lines() {
        if raw.starts_with([' ', '\t']) {
            // A sub-property of the previous key (e.g. under `s3 =`): not used here.
            continue;
        }
        let line = raw.trim();
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if let Some(header) = line.strip_prefix('[') {
            let header = header.split(']').next().unwrap_or_default().trim();
            current = section_profile(header, kind);
            if let Some(name) = &current {
                profiles.entry(name.clone()).or_default();
            }
            continue;
        }
        let (Some(name), Some((key, value))) = (&current, line.split_once('=')) else {
            continue;
        };
        let value = strip_inline_comment(value.trim());
        if let Some(section) = profiles.get_mut(name) {
            section.insert(key.trim().to_ascii_lowercase(), value.to_owned());
        }
    }
    profiles
}

fn section_profile(header: &str, kind: FileKind) -> Option<String> {
    match kind {
        FileKind::Credentials => Some(header.to_owned()),
        FileKind::Config if header == "default" => Some(header.to_owned()),
        FileKind::Config => header
            .strip_prefix("profile")
            .filter(|rest| rest.starts_with([' ', '\t']))
            .map(|rest| rest.trim().to_owned()),
    }
}

/// `value ; comment` and `value # comment` (a comment needs whitespace before it).
fn strip_inline_comment(value: &str) -> &str {
    let cut = value
        .char_indices()
        .find(|&(i, c)| (c == '#' || c == ';') && i > 0 && value[..i].ends_with([' ', '\t']))
        .map_or(value.len(), |(i, _)| i);
    value[..cut].trim_end()
}

/// The shared config and credentials file paths: `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`, else
/// `~/.aws/config` and `~/.aws/credentials`.
pub fn shared_file_paths(env: &Environment) -> (PathBuf, PathBuf) {
    let config = env
        .get("AWS_CONFIG_FILE")
        .map_or_else(|| env.expand("~/.aws/config"), |p| env.expand(p));
    let credentials = env
        .get("AWS_SHARED_CREDENTIALS_FILE")
        .map_or_else(|| env.expand("~/.aws/credentials"), |p| env.expand(p));
    (config, credentials)
}

/// The profile name in use: `AWS_PROFILE`, else `AWS_DEFAULT_PROFILE`, else `default`.
pub fn profile_name(env: &Environment) -> String {
    env.get("AWS_PROFILE")
        .or_else(|| env.get("AWS_DEFAULT_PROFILE"))
        .unwrap_or("default")
        .to_owned()
}

fn read_optional(path: &Path) -> Result<Option<String>, ProfileError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ProfileError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Loads profile `name` from the shared files. A missing file is empty; a named profile (other than
/// `default`) found in neither file is an error, as in the AWS SDKs.
pub fn load(env: &Environment, name: &str) -> Result<Profile, ProfileError> {
    let (config_path, credentials_path) = shared_file_paths(env);
    let mut profile = Profile {
        name: name.to_owned(),
        values: BTreeMap::new(),
    };
    let mut found = false;
    for (path, kind) in [
        (config_path, FileKind::Config),
        (credentials_path, FileKind::Credentials),
    ] {
        if let Some(mut text) = read_optional(&path)? {
            let mut profiles = parse(&text, kind);
            text.zeroize();
            if let Some(section) = profiles.remove(name) {
                found = true;
                profile.merge(section);
            }
            for section in profiles.values_mut() {
                for value in section.values_mut() {
                    value.zeroize();
                }
            }
        }
    }
    if !found && name != "default" {
        return Err(ProfileError::Missing(name.to_owned()));
    }
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_config_and_credentials_sections() {
        let config = "\
# comment
[default]
region = us-west-2
[profile dev]
region=eu-west-1 ; trailing comment
credential_process = /bin/helper --profile dev
s3 =
  max_concurrent_requests = 10
[sso-session x]
sso_region = us-east-1
[profilex]
region = nope
";
        let parsed = parse(config, FileKind::Config);
        assert_eq!(parsed.keys().collect::<Vec<_>>(), ["default", "dev"]);
        assert_eq!(parsed["dev"]["region"], "eu-west-1");
        assert_eq!(parsed["dev"]["credential_process"], "/bin/helper --profile dev");
        assert_eq!(parsed["dev"]["s3"], "");
        assert!(!parsed["dev"].contains_key("max_concurrent_requests"));

        let credentials = "[dev]\naws_access_key_id = AKIA1\naws_secret_access_key = abc#def\n";
        let parsed = parse(credentials, FileKind::Credentials);
        assert_eq!(parsed["dev"]["aws_secret_access_key"], "abc#def");
    }

    #[test]
    fn load_merges_with_credentials_winning() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        let credentials = dir.path().join("credentials");
        std::fs::write(
            &config,
            "[profile dev]\nregion = eu-west-1\naws_access_key_id = FROMCONFIG\n",
        )
        .unwrap();
        std::fs::write(
            &credentials,
            "[dev]\naws_access_key_id = FROMCREDS\naws_secret_access_key = s3cr3t\n",
        )
        .unwrap();
        let env = Environment::from_pairs([
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
            ("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().unwrap()),
        ]);
        let profile = load(&env, "dev").unwrap();
        assert_eq!(profile.get("region"), Some("eu-west-1"));
        assert_eq!(profile.get("aws_access_key_id"), Some("FROMCREDS"));
        assert!(!format!("{profile:?}").contains("s3cr3t"));

        assert!(matches!(load(&env, "other"), Err(ProfileError::Missing(_))));
        assert_eq!(load(&env, "default").unwrap().get("region"), None);
    }

    #[test]
    fn profile_name_and_paths_follow_the_environment() {
        let env = Environment::from_pairs([("HOME", "/h"), ("AWS_PROFILE", "p")]);
        assert_eq!(profile_name(&env), "p");
        assert_eq!(
            shared_file_paths(&env),
            (
                PathBuf::from("/h/.aws/config"),
                PathBuf::from("/h/.aws/credentials")
            )
        );
        assert_eq!(profile_name(&Environment::default()), "default");
    }
}
