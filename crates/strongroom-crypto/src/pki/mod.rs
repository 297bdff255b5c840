//! The private CA's cryptography: CA and workload keys, certificate signing requests, certificate issuance
//! by template, CRLs, and the parsing of certificates, CSRs and CRLs (RFC 5280, RFC 2986).
//!
//! Building uses `rcgen`, parsing and signature checks `x509-parser`, both on aws-lc-rs. Private keys leave
//! this module only as [`SecretBytes`] (PKCS#8 DER) or zeroizing PEM text.

mod certs;
mod keys;
mod names;

pub use certs::{
    CertificateInfo, CrlEntry, CrlInfo, CsrInfo, IssueRequest, Issuer, RevocationReason, Template, issue,
    make_crl, make_csr, parse_certificate, parse_crl, parse_csr, verify_issued_by,
};
pub use keys::{KeyAlgorithm, PrivateKey, SigningAlgorithm};
pub use names::{NameAttribute, SubjectName};

/// Why a PKI operation failed. No variant carries key material; parse errors name the part, not the bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PkiError {
    /// A CSR that does not parse, is not signed by its own key, or uses an unsupported key.
    #[error("malformed certificate signing request: {0}")]
    MalformedCsr(&'static str),
    /// A certificate, chain or CRL that does not parse.
    #[error("malformed certificate: {0}")]
    MalformedCertificate(&'static str),
    /// A combination this CA does not support (say, a P-256 key with SHA-384).
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// Parameters that cannot make a valid certificate (an empty name, validity that ends before it starts).
    #[error("invalid: {0}")]
    Invalid(&'static str),
    /// A stored private key that does not load.
    #[error("the private key does not load")]
    Key,
    /// Building or signing failed inside the library.
    #[error("signing failed")]
    Signing,
}

/// PEM armour for DER bytes (`label` such as `CERTIFICATE` or `X509 CRL`), lines of 64 characters.
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::with_capacity(body.len() + body.len() / 64 + 64);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for line in body.as_bytes().chunks(64) {
        // Base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

/// Every PEM block of `text` with the given label, decoded, in order; `None` when a block is malformed.
/// Text outside the blocks is ignored, as OpenSSL does.
pub fn pem_decode_all(text: &str, label: &str) -> Option<Vec<Vec<u8>>> {
    use base64::Engine as _;
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&begin) {
        let after = &rest[start + begin.len()..];
        let stop = after.find(&end)?;
        let body: String = after[..stop]
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        blocks.push(base64::engine::general_purpose::STANDARD.decode(body).ok()?);
        rest = &after[stop + end.len()..];
    }
    Some(blocks)
}

/// The DER of `input`: the first PEM block with `label` when it is PEM text, else the bytes themselves.
pub fn der_from_pem_or_der(input: &[u8], label: &str) -> Option<Vec<u8>> {
    match std::str::from_utf8(input) {
        Ok(text) if text.contains("-----BEGIN") => pem_decode_all(text, label)?.into_iter().next(),
        _ => Some(input.to_vec()),
    }
}

/// A serial number for a new certificate: 16 random bytes (128 bits, well over RFC 5280's and the CA/B
/// Forum's 64), the top bit cleared so the INTEGER is positive and the top byte non-zero so its length
/// is fixed.
pub fn random_serial() -> [u8; 16] {
    let mut serial = crate::random::bytes::<16>();
    serial[0] = (serial[0] & 0x7f) | 0x01;
    serial
}

/// Lowercase hex of a serial number without leading zero bytes (how Strongroom names certificates).
pub fn serial_hex(serial: &[u8]) -> String {
    let start = serial.iter().position(|b| *b != 0).unwrap_or(serial.len());
    let trimmed = &serial[start..];
    if trimmed.is_empty() {
        return "0".to_owned();
    }
    let hex: String = trimmed.iter().map(|b| format!("{b:02x}")).collect();
    hex.trim_start_matches('0').to_owned()
}

/// A serial number as a caller writes it (hex, any case, optionally with `:` between bytes) in
/// [`serial_hex`] form; `None` when it is not hex or longer than 20 bytes.
pub fn normalize_serial(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(|c| *c != ':').collect();
    if digits.is_empty() || digits.len() > 40 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let trimmed = digits.trim_start_matches('0').to_ascii_lowercase();
    Some(if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn serial_forms() {
        let cases = [
            (&[0x00, 0x00, 0x0a, 0xbc][..], "abc"),
            (&[0x7f, 0x01][..], "7f01"),
            (&[0x00][..], "0"),
            (&[][..], "0"),
        ];
        for (bytes, hex) in cases {
            assert_eq!(serial_hex(bytes), hex, "{bytes:?}");
        }
        let texts = [
            ("0A:BC", Some("abc")),
            ("00000abc", Some("abc")),
            ("7F01", Some("7f01")),
            ("0", Some("0")),
            ("", None),
            ("xyz", None),
            (&"a".repeat(41), None),
        ];
        for (text, expected) in texts {
            assert_eq!(normalize_serial(text).as_deref(), expected, "{text}");
        }
    }

    #[test]
    fn random_serials_are_positive_and_full_length() {
        for _ in 0..64 {
            let serial = random_serial();
            assert!(serial[0] & 0x80 == 0 && serial[0] != 0);
            assert!(serial_hex(&serial).len() >= 31);
        }
        assert_ne!(random_serial(), random_serial());
    }

    proptest! {
        #[test]
        fn pem_round_trips(der in proptest::collection::vec(any::<u8>(), 0..300)) {
            let pem = pem_encode("CERTIFICATE", &der);
            prop_assert_eq!(pem_decode_all(&pem, "CERTIFICATE"), Some(vec![der.clone()]));
            let two = format!("junk\n{pem}between\n{pem}");
            prop_assert_eq!(pem_decode_all(&two, "CERTIFICATE"), Some(vec![der.clone(), der.clone()]));
            prop_assert_eq!(der_from_pem_or_der(pem.as_bytes(), "CERTIFICATE"), Some(der));
        }

        #[test]
        fn serial_text_matches_bytes(bytes in proptest::collection::vec(any::<u8>(), 1..20)) {
            let hex = serial_hex(&bytes);
            let colons: Vec<String> = bytes.iter().map(|b| format!("{b:02X}")).collect();
            prop_assert_eq!(normalize_serial(&colons.join(":")), Some(hex));
        }
    }
}
