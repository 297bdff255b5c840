//! `update`: writes credentials into one profile of the shared credentials file, keeping every other
//! section and key, and rewrites it 5 minutes before they expire.

use std::path::{Path, PathBuf};

use secrecy::ExposeSecret as _;

use crate::error::HelperError;
use crate::session::Credentials;

/// `$AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`.
pub fn credentials_path() -> Result<PathBuf, HelperError> {
    if let Some(path) = std::env::var_os("AWS_SHARED_CREDENTIALS_FILE").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .ok_or_else(|| HelperError::Usage("HOME is not set".to_owned()))?;
    Ok(PathBuf::from(home).join(".aws").join("credentials"))
}

const KEYS: [&str; 3] = ["aws_access_key_id", "aws_secret_access_key", "aws_session_token"];

/// `text` with profile `profile` holding `values` for [`KEYS`]: other keys of the profile and every other
/// section are kept in place; the section is appended when missing.
pub fn rewrite_profile(text: &str, profile: &str, values: [&str; 3]) -> String {
    let mut out = String::with_capacity(text.len() + 512);
    let mut in_profile = false;
    let mut found = false;
    let write_values = |out: &mut String| {
        for (key, value) in KEYS.iter().zip(values) {
            out.push_str(key);
            out.push_str(" = ");
            out.push_str(value);
            out.push('\n');
        }
    };
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(name) = trimmed.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            in_profile = name.trim() == profile;
            out.push_str(line);
            out.push('\n');
            if in_profile {
                found = true;
                write_values(&mut out);
            }
            continue;
        }
        if in_profile {
            let key = trimmed.split(['=', ' ', '\t']).next().unwrap_or("");
            if KEYS.contains(&key) {
                continue;
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    if !found {
        if !out.is_empty() && !out.ends_with("\n\n") {
            out.push('\n');
        }
        out.push('[');
        out.push_str(profile);
        out.push_str("]\n");
        write_values(&mut out);
    }
    out
}

/// Rewrites `path` atomically (a 0600 temporary file renamed over it), creating its directory.
pub fn write_credentials(path: &Path, profile: &str, credentials: &Credentials) -> Result<(), HelperError> {
    let write_error = |source| HelperError::WriteFile {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(write_error)?;
    }
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(HelperError::ReadFile {
                path: path.to_owned(),
                source,
            });
        }
    };
    let text = zeroize::Zeroizing::new(rewrite_profile(
        &existing,
        profile,
        [
            &credentials.access_key_id,
            credentials.secret_access_key.expose_secret(),
            credentials.session_token.expose_secret(),
        ],
    ));
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    {
        use std::io::Write as _;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options.open(&temporary).map_err(write_error)?;
        file.write_all(text.as_bytes()).map_err(write_error)?;
        file.sync_all().map_err(write_error)?;
    }
    std::fs::rename(&temporary, path).map_err(write_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_its_profile() {
        let before = "[default]\naws_access_key_id = OLD\nregion = eu-west-1\naws_session_token=OLDTOKEN\n\n[other]\naws_access_key_id = KEEP\n";
        let after = rewrite_profile(before, "default", ["AK", "SK", "TOK"]);
        assert_eq!(
            after,
            "[default]\naws_access_key_id = AK\naws_secret_access_key = SK\naws_session_token = TOK\nregion = eu-west-1\n\n[other]\naws_access_key_id = KEEP\n"
        );
        let added = rewrite_profile(before, "ra", ["AK", "SK", "TOK"]);
        assert!(added.starts_with(before));
        assert!(added.ends_with(
            "\n[ra]\naws_access_key_id = AK\naws_secret_access_key = SK\naws_session_token = TOK\n"
        ));
        assert_eq!(
            rewrite_profile("", "default", ["A", "S", "T"]),
            "[default]\naws_access_key_id = A\naws_secret_access_key = S\naws_session_token = T\n"
        );
        // Idempotent.
        assert_eq!(rewrite_profile(&after, "default", ["AK", "SK", "TOK"]), after);
    }
}
