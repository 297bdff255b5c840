//! PEM (RFC 7468) blocks: `-----BEGIN LABEL-----`, base64 lines, `-----END LABEL-----`.
//!
//! Decoded contents go into `Zeroizing` buffers because the same reader serves private keys.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use super::error::X509Error;

/// One decoded PEM block.
pub(crate) struct PemBlock {
    pub(crate) label: String,
    pub(crate) der: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for PemBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PemBlock({}, {} bytes)", self.label, self.der.len())
    }
}

/// Every PEM block in `text`, in order. Text outside blocks (comments, `Bag Attributes`) is ignored; a
/// block with headers (`Proc-Type: 4,ENCRYPTED`) is refused, since that is a legacy encrypted key.
pub(crate) fn parse_blocks(text: &[u8]) -> Result<Vec<PemBlock>, X509Error> {
    let text = std::str::from_utf8(text).map_err(|_| X509Error::malformed("PEM", "not UTF-8 text"))?;
    let mut blocks = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let line = line.trim();
        let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|rest| rest.strip_suffix("-----"))
        else {
            continue;
        };
        let end = format!("-----END {label}-----");
        let mut body = Zeroizing::new(String::new());
        let mut closed = false;
        for line in lines.by_ref() {
            let line = line.trim();
            if line == end {
                closed = true;
                break;
            }
            if line.contains(':') {
                return Err(X509Error::UnsupportedPrivateKey(
                    "legacy encrypted PEM (Proc-Type headers) is not supported",
                ));
            }
            body.push_str(line);
        }
        if !closed {
            return Err(X509Error::malformed(
                "PEM",
                "a BEGIN line has no matching END line",
            ));
        }
        let mut der = Zeroizing::new(Vec::with_capacity(body.len() / 4 * 3 + 3));
        STANDARD
            .decode_vec(body.as_bytes(), &mut der)
            .map_err(|_| X509Error::malformed("PEM", "the block is not valid base64"))?;
        blocks.push(PemBlock {
            label: label.to_owned(),
            der,
        });
    }
    Ok(blocks)
}

/// PEM text for `der` under `label`, with 64-character lines.
pub fn encode(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + label.len() * 2 + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        // base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(chunk).unwrap_or(""));
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_skips_surrounding_text() {
        let der: Vec<u8> = (0u8..=200).collect();
        let text = format!(
            "Bag Attributes\n  friendlyName: x\n{}trailing\n",
            encode("CERTIFICATE", &der)
        );
        let blocks = parse_blocks(text.as_bytes()).unwrap();
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].label, "CERTIFICATE");
        assert_eq!(&blocks[0].der[..], &der[..]);
    }

    #[test]
    fn refuses_broken_blocks() {
        for bad in [
            "-----BEGIN CERTIFICATE-----\nAAAA\n",
            "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nAAAA\n-----END RSA PRIVATE KEY-----\n",
        ] {
            assert!(parse_blocks(bad.as_bytes()).is_err(), "{bad:?}");
        }
        assert!(parse_blocks(&[0xff, 0xfe]).is_err());
        assert!(parse_blocks(b"no blocks here").unwrap().is_empty());
    }
}
