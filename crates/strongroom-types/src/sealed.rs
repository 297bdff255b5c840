//! Opaque ciphertext: what the store keeps instead of any secret.

use std::fmt;

/// Bytes produced by `strongroom-crypto`'s envelope: ciphertext plus whatever header it needs to open them.
/// The store persists and returns these unchanged; nothing outside the crypto crate looks inside.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed(Vec<u8>);

impl Sealed {
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sealed({} bytes)", self.0.len())
    }
}
