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

fn fold(b: u8, case: Case) -> u8 {
    if case == Case::AsciiInsensitive {
        b.to_ascii_lowercase()
    } else {
        b
    }
}

/// Matches star-free `seg` at `at`; returns where the match ends.
fn match_at(seg: &[Tok], text: &[u8], at: usize, case: Case) -> Option<usize> {
    let mut j = at;
    for tok in seg {
        match tok {
            Tok::Byte(b) => {
                if fold(*text.get(j)?, case) != *b {
                    return None;
                }
                j += 1;
            }
            Tok::One => {
                if j >= text.len() {
                    return None;
                }
                j += char_len(text, j);
            }
            Tok::Star => return None,
        }
    }
    Some(j)
}

/// Matches star-free `seg` so that it ends at `end`; returns where the match starts.
fn match_back(seg: &[Tok], text: &[u8], end: usize, case: Case) -> Option<usize> {
    let mut j = end;
    for tok in seg.iter().rev() {
        match tok {
            Tok::Byte(b) => {
                j = j.checked_sub(1)?;
                if fold(text[j], case) != *b {
                    return None;
                }
            }
            Tok::One => {
                j = j.checked_sub(1)?;
                while j > 0 && (0x80..0xC0).contains(&text[j]) {
                    j -= 1;
                }
            }
            Tok::Star => return None,
        }
    }
    Some(j)
}

/// Wildcard matching without backtracking: the pattern is `HEAD*MID*…*MID*TAIL` where the pieces have no
/// star; HEAD is anchored at the start, TAIL at the end, and each MID placed leftmost in between (which is
/// optimal because each piece has a fixed number of characters). Allocates nothing.
pub(crate) fn glob(toks: &[Tok], text: &[u8], case: Case) -> bool {
    let head_len = toks.iter().position(|t| *t == Tok::Star).unwrap_or(toks.len());
    let head = &toks[..head_len];
    if head_len == toks.len() {
        return match_at(head, text, 0, case) == Some(text.len());
    }
    let tail_len = toks.iter().rev().position(|t| *t == Tok::Star).unwrap_or(0);
    let tail = &toks[toks.len() - tail_len..];
    let Some(mut pos) = match_at(head, text, 0, case) else {
        return false;
    };
    let Some(limit) = match_back(tail, text, text.len(), case) else {
        return false;
    };
    if limit < pos {
        return false;
    }
    let (lo, hi) = (head_len + 1, toks.len() - tail_len);
    let middle = if hi > lo { &toks[lo..hi - 1] } else { &[][..] };
    let window = &text[..limit];
    for seg in middle.split(|t| *t == Tok::Star).filter(|seg| !seg.is_empty()) {
        let mut found = None;
        let mut i = pos;
        while i <= window.len() {
            if let Some(Tok::Byte(first)) = seg.first() {
                // Skip ahead to the next occurrence of the first byte.
                match window[i..].iter().position(|c| fold(*c, case) == *first) {
                    Some(skip) => i += skip,
                    None => break,
                }
            } else if i < window.len() && (0x80..0xC0).contains(&window[i]) {
                i += 1;
                continue;
            }
            if let Some(end) = match_at(seg, window, i, case) {
                found = Some(end);
                break;
            }
            i += 1;
        }
        match found {
            Some(end) => pos = end,
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Obviously-correct exponential reference over characters.
    fn reference(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|i| reference(rest, &t[i..])),
            Some(('?', rest)) => !t.is_empty() && reference(rest, &t[1..]),
            Some((c, rest)) => t.first() == Some(c) && reference(rest, &t[1..]),
        }
    }

    proptest! {
        #[test]
        fn agrees_with_the_reference(pattern in "[ab*?é:]{0,8}", text in "[abé:]{0,10}") {
            let p: Vec<char> = pattern.chars().collect();
            let t: Vec<char> = text.chars().collect();
            prop_assert_eq!(Pattern::parse(&pattern, Case::Sensitive).matches(&text), reference(&p, &t));
            prop_assert_eq!(glob(&tokens(&pattern), text.as_bytes(), Case::Sensitive), reference(&p, &t));
        }
    }

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
        assert!(m("a*b?d*", "axbcdbyd"));
        assert!(m("*a*a*a", "aaa"));
        assert!(!m("*a*a*a", "aa"));
        assert!(m("?*?", "ab"));
        assert!(!m("?*?", "a"));
        assert!(m("*?é", "xyé"));
        assert!(!m("*?é", "é"));
        assert!(m("a*?b", "aéb"));
        assert!(!m("ab*ba", "aba"));
        assert!(m(
            "arn:aws:secretsmanager:*:111122223333:secret:team9/*",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:team9/db"
        ));
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
