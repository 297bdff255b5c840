//! Wildcard patterns as IAM uses them: `*` matches any run of characters (none included, `:` and `/` included),
//! `?` exactly one character. Patterns are compiled once; matching allocates nothing.

/// One element of a compiled pattern. Literal text is kept as UTF-8 bytes: because UTF-8 is self-synchronising,
/// comparing a pattern's bytes against a text's bytes at a character boundary compares whole characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    Byte(u8),
    One,
    Star,
}

/// Whether literal text compares exactly or ignoring ASCII case (action names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    Sensitive,
    AsciiInsensitive,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    /// `*`, or any run of stars.
    Any,
    /// No wildcard at all.
    Exact(Vec<u8>),
    /// Literal text followed by a single trailing `*`.
    Prefix(Vec<u8>),
    General(Vec<Tok>),
}

/// A compiled wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    shape: Shape,
    case: Case,
}

impl Pattern {
    /// Compiles `text`, where every `*` and `?` is a wildcard.
    pub(crate) fn parse(text: &str, case: Case) -> Self {
        Self::from_toks(&tokens(text), case)
    }

    pub(crate) fn from_toks(toks: &[Tok], case: Case) -> Self {
        let fold = |b: u8| {
            if case == Case::AsciiInsensitive {
                b.to_ascii_lowercase()
            } else {
                b
            }
        };
        let literal = |toks: &[Tok]| -> Option<Vec<u8>> {
            toks.iter()
                .map(|t| match t {
                    Tok::Byte(b) => Some(fold(*b)),
                    Tok::One | Tok::Star => None,
                })
                .collect()
        };
        let shape = if toks.iter().all(|t| *t == Tok::Star) && !toks.is_empty() {
            Shape::Any
        } else if let Some(bytes) = literal(toks) {
            Shape::Exact(bytes)
        } else if let Some((Tok::Star, head)) = toks.split_last().map(|(l, h)| (*l, h))
            && let Some(bytes) = literal(head)
        {
            Shape::Prefix(bytes)
        } else {
            Shape::General(
                toks.iter()
                    .map(|t| match t {
                        Tok::Byte(b) => Tok::Byte(fold(*b)),
                        other => *other,
                    })
                    .collect(),
            )
        };
        Self { shape, case }
    }

    pub(crate) fn matches(&self, text: &str) -> bool {
        let text = text.as_bytes();
        match &self.shape {
            Shape::Any => true,
            Shape::Exact(lit) => bytes_eq(lit, text, self.case),
            Shape::Prefix(lit) => text.len() >= lit.len() && bytes_eq(lit, &text[..lit.len()], self.case),
            Shape::General(toks) => glob(toks, text, self.case),
        }
    }
}

/// Splits text into tokens, `*` and `?` being wildcards.
pub(crate) fn tokens(text: &str) -> Vec<Tok> {
    text.bytes()
        .map(|b| match b {
            b'*' => Tok::Star,
            b'?' => Tok::One,
            other => Tok::Byte(other),
        })
        .collect()
}

fn bytes_eq(pattern: &[u8], text: &[u8], case: Case) -> bool {
    match case {
        Case::Sensitive => pattern == text,
        // The pattern is already lowercased.
        Case::AsciiInsensitive => {
            pattern.len() == text.len()
                && pattern
                    .iter()
                    .zip(text)
                    .all(|(p, t)| *p == t.to_ascii_lowercase())
        }
    }
}

/// Length of the UTF-8 character starting at `at` (which is a character boundary).
fn char_len(text: &[u8], at: usize) -> usize {
    let width = match text.get(at) {
        Some(b) if *b < 0x80 => 1,
        Some(b) if *b < 0xE0 => 2,
        Some(b) if *b < 0xF0 => 3,
        Some(_) => 4,
        None => 1,
    };
    width.min(text.len().saturating_sub(at)).max(1)
}

/// Iterative wildcard matching with single-star backtracking: linear in the common cases, O(n·m) at worst.
pub(crate) fn glob(toks: &[Tok], text: &[u8], case: Case) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    // Position of the last star in the pattern and where in the text it currently stops.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match toks.get(p) {
            Some(Tok::Star) => {
                star = Some((p, t));
                p += 1;
                continue;
            }
            Some(Tok::One) => {
                t += char_len(text, t);
                p += 1;
                continue;
            }
            Some(Tok::Byte(b)) => {
                let c = text[t];
                let c = if case == Case::AsciiInsensitive {
                    c.to_ascii_lowercase()
                } else {
                    c
                };
                if *b == c {
                    p += 1;
                    t += 1;
                    continue;
                }
            }
            None => {}
        }
        match star {
            Some((sp, st)) => {
                let next = st + char_len(text, st);
                star = Some((sp, next));
                p = sp + 1;
                t = next;
            }
            None => return false,
        }
    }
    toks[p.min(toks.len())..].iter().all(|tok| *tok == Tok::Star)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, text: &str) -> bool {
        Pattern::parse(pattern, Case::Sensitive).matches(text)
    }

    #[test]
    fn wildcards() {
        assert!(m("*", ""));
        assert!(m("*", "anything:at/all"));
        assert!(m("a*", "a"));
        assert!(m("a*", "abc"));
        assert!(!m("a*", "ba"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m("a?c", "aéc"));
        assert!(m("*c", "abc"));
        assert!(m("a*b*c", "axxbyyc"));
        assert!(!m("a*b*c", "axxbyy"));
        assert!(m("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b/c"));
        assert!(m("arn:*:iam::*:user/*", "arn:aws:iam::1:user/x"));
        assert!(!m("abc", "abd"));
        assert!(!m("abc", "ab"));
        assert!(m("a**", "a"));
        assert!(m("??", "éé"));
        assert!(!m("???", "éé"));
        assert!(m("*é", "aé"));
    }

    #[test]
    fn case() {
        let p = Pattern::parse("IAM:Get*", Case::AsciiInsensitive);
        assert!(p.matches("iam:getuser"));
        assert!(p.matches("IAM:GETUSER"));
        assert!(!p.matches("iam:listusers"));
        assert!(!m("IAM:Get*", "iam:GetUser"));
        let g = Pattern::parse("iam:*User?", Case::AsciiInsensitive);
        assert!(g.matches("IAM:GetUserS"));
    }
}
