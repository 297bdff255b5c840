//! The ciphertext blob KMS hands out: opaque to clients, versioned, naming the key and material version.
//!
//! ```text
//! 'S' 'K' | format 0x01 | kind (1 value, 2 data key) | key id length (1) | key id (ASCII) | version (u32 BE) | sealed
//! ```
//!
//! `sealed` is `strongroom-crypto`'s own format: a value sealed under the key material
//! ([`KeyMaterial::seal`](strongroom_crypto::KeyMaterial::seal)) or a wrapped data key
//! ([`KeyMaterial::generate_data_key`](strongroom_crypto::KeyMaterial::generate_data_key)), bound to the
//! caller's encryption context. The header needs no authentication of its own: it only picks the material
//! that must open the sealed part, and any other material (or kind) fails to open it.

const MAGIC: [u8; 2] = *b"SK";
const FORMAT_V1: u8 = 0x01;
const MAX_KEY_ID_LEN: usize = 64;
const HEADER_FIXED: usize = MAGIC.len() + 1 + 1 + 1;

/// What the sealed part holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A plaintext sealed with `KeyMaterial::seal` (Encrypt, and data keys of other sizes than 32 bytes).
    Value,
    /// A 32-byte data key wrapped with `KeyMaterial::generate_data_key`.
    DataKey,
}

impl Kind {
    fn byte(self) -> u8 {
        match self {
            Self::Value => 1,
            Self::DataKey => 2,
        }
    }

    fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            1 => Some(Self::Value),
            2 => Some(Self::DataKey),
            _ => None,
        }
    }
}

/// A parsed blob, borrowing the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Blob<'a> {
    pub(crate) kind: Kind,
    pub(crate) key_id: &'a str,
    pub(crate) version: u32,
    pub(crate) sealed: &'a [u8],
}

/// Writes a blob. Key ids are ours (UUIDs), so they always fit.
pub(crate) fn encode(kind: Kind, key_id: &str, version: u32, sealed: &[u8]) -> Vec<u8> {
    let id = key_id.as_bytes();
    let id = id.get(..MAX_KEY_ID_LEN).unwrap_or(id);
    let mut out = Vec::with_capacity(HEADER_FIXED + id.len() + 4 + sealed.len());
    out.extend_from_slice(&MAGIC);
    out.push(FORMAT_V1);
    out.push(kind.byte());
    out.push(id.len() as u8);
    out.extend_from_slice(id);
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(sealed);
    out
}

/// Reads a blob's header; `None` for anything this module did not write.
pub(crate) fn decode(bytes: &[u8]) -> Option<Blob<'_>> {
    let (magic, rest) = bytes.split_at_checked(MAGIC.len())?;
    if magic != MAGIC {
        return None;
    }
    let (&format, rest) = rest.split_first()?;
    if format != FORMAT_V1 {
        return None;
    }
    let (&kind, rest) = rest.split_first()?;
    let kind = Kind::from_byte(kind)?;
    let (&id_len, rest) = rest.split_first()?;
    let id_len = usize::from(id_len);
    if id_len == 0 || id_len > MAX_KEY_ID_LEN {
        return None;
    }
    let (id, rest) = rest.split_at_checked(id_len)?;
    if !id.iter().all(|b| b.is_ascii_hexdigit() || *b == b'-') {
        return None;
    }
    let key_id = std::str::from_utf8(id).ok()?;
    let (version, sealed) = rest.split_at_checked(4)?;
    let version = u32::from_be_bytes(version.try_into().ok()?);
    if version == 0 || sealed.is_empty() {
        return None;
    }
    Some(Blob {
        kind,
        key_id,
        version,
        sealed,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    const ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

    #[test]
    fn round_trip() {
        let bytes = encode(Kind::DataKey, ID, 7, b"sealed");
        assert_eq!(&bytes[..5], b"SK\x01\x02\x24");
        assert_eq!(
            decode(&bytes),
            Some(Blob {
                kind: Kind::DataKey,
                key_id: ID,
                version: 7,
                sealed: b"sealed",
            })
        );
        let value = encode(Kind::Value, ID, 1, b"x");
        assert_eq!(decode(&value).unwrap().kind, Kind::Value);
    }

    #[test]
    fn foreign_bytes_do_not_parse() {
        let good = encode(Kind::Value, ID, 1, b"sealed");
        for cut in 0..good.len() - b"sealed".len() + 1 {
            assert_eq!(decode(&good[..cut]), None, "cut at {cut}");
        }
        for (index, value) in [(0, b'X'), (2, 2), (3, 0), (3, 3), (4, 0), (4, 65), (5, b'g')] {
            let mut bad = good.clone();
            bad[index] = value;
            assert_eq!(decode(&bad), None, "byte {index} = {value}");
        }
        let zero_version = encode(Kind::Value, ID, 0, b"sealed");
        assert_eq!(decode(&zero_version), None);
        assert_eq!(decode(b""), None);
    }
}
