//! Constant-time comparison for MACs, signatures and bearer secrets.

use subtle::ConstantTimeEq;

/// True when `a` and `b` are equal. The time taken depends only on the lengths, never on the contents,
/// so a caller that compares a presented signature with the expected one leaks nothing about it.
pub fn eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    #[test]
    fn compares_contents_and_lengths() {
        assert!(super::eq(b"abc", b"abc"));
        assert!(super::eq(b"", b""));
        assert!(!super::eq(b"abc", b"abd"));
        assert!(!super::eq(b"abc", b"abcd"));
    }
}
