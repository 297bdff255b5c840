//! Containers for secret values: redacted `Debug`, no `Display`, no `Clone`, zeroed when dropped.

use std::fmt;

pub use secrecy::{ExposeSecret, SecretBox, SecretString};
use zeroize::Zeroizing;

/// Secret bytes of any length, such as an opened secret value. The buffer (its spare capacity included)
/// is zeroed when dropped.
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    /// Takes ownership of `bytes` without copying them.
    pub fn from_vec(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    pub(crate) fn from_zeroizing(bytes: Zeroizing<Vec<u8>>) -> Self {
        Self(bytes)
    }

    /// The secret bytes. Every call site is a place a reviewer should look at.
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBytes([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::SecretBytes;

    #[test]
    fn holds_and_redacts() {
        let secret = SecretBytes::from_vec(b"hunter2".to_vec());
        assert_eq!(secret.expose_secret(), b"hunter2");
        assert_eq!(secret.len(), 7);
        assert!(!secret.is_empty());
        assert!(SecretBytes::from_vec(Vec::new()).is_empty());
        assert_eq!(format!("{secret:?}"), "SecretBytes([redacted])");
    }
}
