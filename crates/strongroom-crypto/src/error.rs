//! The one error type of the crate. No variant carries secret material, and `Decrypt` says nothing about why.

/// What can go wrong in `strongroom-crypto`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// A ciphertext did not open: the wrong key, the wrong encryption context, or changed bytes. The three
    /// are deliberately indistinguishable.
    #[error("decryption failed")]
    Decrypt,
    /// Input that is not in a format this crate writes: a sealed value too short to hold its header, or a
    /// root key file or variable that does not parse. The reason is a fixed phrase, never the input.
    #[error("malformed input: {0}")]
    Malformed(&'static str),
    /// `GetRandomPassword` rules that cannot be satisfied or are out of range.
    #[error("invalid password rules: {0}")]
    InvalidRules(String),
}

#[cfg(test)]
mod tests {
    use super::CryptoError;

    #[test]
    fn messages_are_fixed_phrases() {
        assert_eq!(CryptoError::Decrypt.to_string(), "decryption failed");
        assert_eq!(
            CryptoError::Malformed("too short").to_string(),
            "malformed input: too short"
        );
        assert_eq!(
            CryptoError::InvalidRules("no characters".to_owned()).to_string(),
            "invalid password rules: no characters"
        );
    }
}
