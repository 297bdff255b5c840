//! A bounded cache of certificates parsed from their header form (`X-Amz-X509`, `X-Amz-X509-Chain`), so that a
//! workload presenting the same certificate on every CreateSession has it parsed once.
//!
//! Parsing is a pure function of the bytes, so a hit is exactly what parsing would return: the key is the whole
//! base64 text (compared in full, not by a digest), and malformed input is never cached. Everything that depends
//! on the time or on trust (validity, path validation, revocation) is still checked on every request.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use super::cert::{Certificate, chain_header_entries};
use super::error::X509Error;

/// Parsed certificates by their standard-base64 DER text. When full it starts over, which bounds its memory
/// and costs a flood of distinct certificates no more than parsing them.
pub struct CertificateCache {
    parsed: Mutex<HashMap<Box<str>, Certificate>>,
    capacity: usize,
}

impl std::fmt::Debug for CertificateCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateCache")
            .field("entries", &self.lock().len())
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl CertificateCache {
    /// A cache holding at most `capacity` certificates (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            parsed: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Box<str>, Certificate>> {
        self.parsed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// [`Certificate::from_base64_der`], remembered.
    pub fn from_base64_der(&self, value: &str) -> Result<Certificate, X509Error> {
        let value = value.trim();
        if let Some(hit) = self.lock().get(value) {
            return Ok(hit.clone());
        }
        let certificate = Certificate::from_base64_der(value)?;
        let mut parsed = self.lock();
        if parsed.len() >= self.capacity {
            parsed.clear();
        }
        parsed.insert(value.into(), certificate.clone());
        Ok(certificate)
    }

    /// [`super::parse_chain_header`], each entry remembered.
    pub fn parse_chain_header(&self, value: &str) -> Result<Vec<Certificate>, X509Error> {
        chain_header_entries(value)?
            .into_iter()
            .map(|entry| self.from_base64_der(entry))
            .collect()
    }

    /// How many certificates it holds now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::x509::testpki::TestPki;

    #[test]
    fn a_hit_is_what_parsing_returns() {
        let pki = TestPki::generate().expect("test PKI");
        let header = pki.leaf_p256.cert.to_base64_der();
        let cache = CertificateCache::new(8);
        let first = cache.from_base64_der(&header).expect("parses");
        let again = cache.from_base64_der(&format!(" {header} ")).expect("cached");
        assert_eq!(first, again);
        assert_eq!(first, Certificate::from_base64_der(&header).expect("parses"));
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn malformed_input_is_refused_every_time_and_not_kept() {
        let cache = CertificateCache::new(8);
        for _ in 0..2 {
            assert!(cache.from_base64_der("bm90IGEgY2VydGlmaWNhdGU=").is_err());
            assert!(cache.from_base64_der("***").is_err());
        }
        assert!(cache.is_empty());
    }

    #[test]
    fn it_never_holds_more_than_its_capacity() {
        let pki = TestPki::generate().expect("test PKI");
        let headers = [
            pki.leaf_p256.cert.to_base64_der(),
            pki.leaf_rsa.cert.to_base64_der(),
            pki.intermediate.cert().to_base64_der(),
        ];
        let cache = CertificateCache::new(2);
        for header in headers.iter().chain(headers.iter()) {
            cache.from_base64_der(header).expect("parses");
            assert!(cache.len() <= 2);
        }
    }

    #[test]
    fn chains_parse_like_the_uncached_parser() {
        let pki = TestPki::generate().expect("test PKI");
        let header = format!(
            "{},{},",
            pki.intermediate.cert().to_base64_der(),
            pki.root.cert().to_base64_der()
        );
        let cache = CertificateCache::new(8);
        let want = crate::x509::parse_chain_header(&header).expect("parses");
        assert_eq!(cache.parse_chain_header(&header).expect("parses"), want);
        assert_eq!(cache.parse_chain_header(&header).expect("cached"), want);
        let too_many = vec![pki.root.cert().to_base64_der(); crate::x509::MAX_CHAIN_CERTIFICATES + 1];
        assert!(cache.parse_chain_header(&too_many.join(",")).is_err());
    }
}
