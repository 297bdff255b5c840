//! The only crate in Strongroom that names crypto primitives.
//!
//! Every other crate uses the types and functions here, so that a reviewer finds every use of a primitive in
//! one place. Secrets live in `secrecy`/`zeroize` types with redacted `Debug`; comparisons of MACs,
//! signatures and tokens go through [`ct::eq`].
//!
//! The key hierarchy is: the [`RootKey`] (kept outside the store) seals [`KeyMaterial`] (KMS key versions
//! and Strongroom's system keys), which seals each value under a fresh data key. Every layer is AES-256-GCM
//! with the [`EncryptionContext`] bound as associated data; the byte formats are described in `envelope.rs`.
//!
//! [`x509`] reads certificates, validates paths (rustls-webpki) and signs with certificate keys for IAM
//! Roles Anywhere.

mod aead;
mod context;
pub mod ct;
mod envelope;
mod error;
pub mod hash;
mod keys;
pub mod pki;
pub mod random;
pub mod secret;
pub mod x509;

pub use context::EncryptionContext;
pub use error::CryptoError;
pub use keys::{DataKey, KeyMaterial, RootKey};
pub use secret::{ExposeSecret, SecretBox, SecretBytes, SecretString};
pub use strongroom_types::Sealed;

/// Stops the process after a failure that cannot happen while the crypto library works: a 32-byte key
/// refused, the random generator failing, a generated id not parsing. Continuing could mean sealing with a
/// bad key or a repeated nonce, so the crate fails closed rather than return an error nobody can handle.
#[cold]
pub(crate) fn fatal(what: &str) -> ! {
    eprintln!("strongroom-crypto: fatal: {what}");
    std::process::abort()
}
