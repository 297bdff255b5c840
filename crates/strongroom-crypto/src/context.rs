//! Encryption contexts: the non-secret facts a ciphertext is bound to (an ARN, a version id, a purpose).
//!
//! The context is authenticated as associated data, so a ciphertext copied to another row, whose context
//! differs, fails to open.

use std::collections::BTreeMap;

/// An ordered map of string pairs. Keys are unique; inserting a key again replaces its value. The pairs are
/// not secret, so `Debug` shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct EncryptionContext(BTreeMap<String, String>);

impl EncryptionContext {
    /// The empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// A context holding `pairs`; when a key repeats, the last value wins.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Self(pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }

    /// Sets `key` to `value`, returning the value it replaced.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) -> Option<String> {
        self.0.insert(key.into(), value.into())
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// The pairs in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The canonical encoding used as associated data: the number of pairs, then for each pair in key order
    /// the key's length, the key, the value's length and the value; every count and length is a big-endian
    /// `u64`. Two contexts encode to the same bytes exactly when they are equal.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let size = 8 + self.iter().map(|(k, v)| 16 + k.len() + v.len()).sum::<usize>();
        let mut out = Vec::with_capacity(size);
        out.extend_from_slice(&(self.len() as u64).to_be_bytes());
        for (key, value) in self.iter() {
            for part in [key, value] {
                out.extend_from_slice(&(part.len() as u64).to_be_bytes());
                out.extend_from_slice(part.as_bytes());
            }
        }
        out
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for EncryptionContext {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Self {
        Self::from_pairs(pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::EncryptionContext;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[test]
    fn encoding_is_length_prefixed() {
        let ctx = EncryptionContext::from_pairs([("a", "bc")]);
        assert_eq!(
            hex::encode(ctx.canonical_bytes()),
            "0000000000000001\
             0000000000000001 61\
             0000000000000002 6263"
                .replace(' ', "")
        );
        assert_ne!(
            ctx.canonical_bytes(),
            EncryptionContext::from_pairs([("ab", "c")]).canonical_bytes()
        );
        assert_eq!(EncryptionContext::new().canonical_bytes(), [0u8; 8]);
    }

    #[test]
    fn order_of_insertion_does_not_matter_and_last_value_wins() {
        let a = EncryptionContext::from_pairs([("x", "1"), ("y", "2")]);
        let b: EncryptionContext = [("y", "2"), ("x", "0"), ("x", "1")].into_iter().collect();
        assert_eq!(a, b);
        assert_eq!(a.canonical_bytes(), b.canonical_bytes());
        assert_eq!(a.iter().collect::<Vec<_>>(), [("x", "1"), ("y", "2")]);
    }

    #[test]
    fn map_operations() {
        let mut ctx = EncryptionContext::new();
        assert!(ctx.is_empty());
        assert_eq!(ctx.insert("arn", "arn:aws:kms:local:000000000000:key/k"), None);
        assert_eq!(
            ctx.insert("arn", "other").as_deref(),
            Some("arn:aws:kms:local:000000000000:key/k")
        );
        assert_eq!(ctx.get("arn"), Some("other"));
        assert_eq!(ctx.get("missing"), None);
        assert_eq!(ctx.len(), 1);
        assert_eq!(format!("{ctx:?}"), r#"EncryptionContext({"arn": "other"})"#);
    }

    proptest! {
        #[test]
        fn encoding_is_injective(
            a in proptest::collection::btree_map(".{0,6}", ".{0,6}", 0..4),
            b in proptest::collection::btree_map(".{0,6}", ".{0,6}", 0..4),
        ) {
            let (ea, eb) = (EncryptionContext(a.clone()), EncryptionContext(b.clone()));
            prop_assert_eq!(ea.canonical_bytes() == eb.canonical_bytes(), a == b);
        }

        #[test]
        fn splitting_a_string_differently_changes_the_encoding(s in "[a-z]{2,10}", cut in 1usize..10) {
            let cut = cut.min(s.len() - 1);
            let (k, v) = s.split_at(cut);
            let other = EncryptionContext(BTreeMap::from([(s[..cut + 1].to_owned(), s[cut + 1..].to_owned())]));
            let one = EncryptionContext::from_pairs([(k, v)]);
            prop_assume!(cut + 1 < s.len());
            prop_assert_ne!(one.canonical_bytes(), other.canonical_bytes());
        }
    }
}
