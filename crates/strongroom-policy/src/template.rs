//! Policy variables: `${aws:username}`, `${ns:key, 'default'}` and the escapes `${*}`, `${?}`, `${$}`.
//!
//! A template is literal text (where `*` and `?` are wildcards when it is used as a pattern) interleaved with
//! variables. A substituted value is always literal: a `*` in a user name never becomes a wildcard. Templates
//! without variables are compiled once, so matching them allocates nothing.

use std::borrow::Cow;
use std::fmt::Write as _;

use time::format_description::well_known::Rfc3339;

use crate::context::{RequestContext, Scalar};
use crate::glob::{Case, Pattern, Tok, tokens};

#[derive(Debug, Clone, PartialEq)]
enum Part {
    /// Literal text; `toks` has `*`/`?` as wildcards except where they came from `${*}`/`${?}`.
    Lit { toks: Vec<Tok>, text: String },
    /// A context key (lowercased) and its default.
    Var {
        key: Box<str>,
        default: Option<Box<str>>,
    },
}

#[derive(Debug, Clone, PartialEq)]
struct Constant {
    toks: Vec<Tok>,
    text: String,
    pattern: Pattern,
}

/// A string from a policy that may contain policy variables.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Template {
    /// The literal bytes before the first wildcard or variable: a cheap filter before substituting.
    prefix: Vec<u8>,
    parts: Vec<Part>,
    constant: Option<Constant>,
}

impl Template {
    /// Parses `raw`; with `substitute` false (Version 2008-10-17) everything is literal text.
    pub(crate) fn parse(raw: &str, substitute: bool) -> Self {
        let mut parts = Vec::new();
        if substitute {
            parse_parts(raw, &mut parts);
        } else {
            parts.push(Part::Lit {
                toks: tokens(raw),
                text: raw.to_owned(),
            });
        }
        let constant = if parts.iter().all(|p| matches!(p, Part::Lit { .. })) {
            let mut toks = Vec::new();
            let mut text = String::new();
            for part in &parts {
                if let Part::Lit { toks: t, text: s } = part {
                    toks.extend_from_slice(t);
                    text.push_str(s);
                }
            }
            let pattern = Pattern::from_toks(&toks, Case::Sensitive);
            Some(Constant { toks, text, pattern })
        } else {
            None
        };
        let prefix = match parts.first() {
            Some(Part::Lit { toks, .. }) => toks
                .iter()
                .map_while(|t| match t {
                    Tok::Byte(b) => Some(*b),
                    Tok::One | Tok::Star => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        Self {
            prefix,
            parts,
            constant,
        }
    }

    /// The text when the template has no variables.
    pub(crate) fn constant_text(&self) -> Option<&str> {
        self.constant.as_ref().map(|c| c.text.as_str())
    }

    /// The template as plain text (wildcards are just characters), or `None` if a variable has no value.
    pub(crate) fn resolve_text<'a>(&'a self, ctx: &'a RequestContext) -> Option<Cow<'a, str>> {
        if let Some(c) = &self.constant {
            return Some(Cow::Borrowed(&c.text));
        }
        // A template that is one variable (`${aws:PrincipalTag/team}`) is its value, borrowed.
        if let [Part::Var { key, default }] = self.parts.as_slice() {
            return variable(key, default.as_deref(), ctx);
        }
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Lit { text, .. } => out.push_str(text),
                Part::Var { key, default } => out.push_str(&variable(key, default.as_deref(), ctx)?),
            }
        }
        Some(Cow::Owned(out))
    }

    /// The template as pattern tokens, or `None` if a variable has no value (the reference for
    /// [`Self::with_toks`]).
    #[cfg(test)]
    pub(crate) fn resolve_toks<'a>(&'a self, ctx: &'a RequestContext) -> Option<Cow<'a, [Tok]>> {
        if let Some(c) = &self.constant {
            return Some(Cow::Borrowed(&c.toks));
        }
        let mut out = Vec::new();
        for part in &self.parts {
            match part {
                Part::Lit { toks, .. } => out.extend_from_slice(toks),
                Part::Var { key, default } => {
                    out.extend(variable(key, default.as_deref(), ctx)?.bytes().map(Tok::Byte));
                }
            }
        }
        Some(Cow::Owned(out))
    }

    /// Calls `f` with the template as pattern tokens, built on the stack when they fit; `None` if a
    /// variable has no value. What [`Self::resolve_toks`] gives, without allocating on the common path.
    pub(crate) fn with_toks<R>(&self, ctx: &RequestContext, f: impl FnOnce(&[Tok]) -> R) -> Option<R> {
        if let Some(c) = &self.constant {
            return Some(f(&c.toks));
        }
        let mut buffer = TokBuffer::default();
        for part in &self.parts {
            match part {
                Part::Lit { toks, .. } => toks.iter().for_each(|t| buffer.push(*t)),
                Part::Var { key, default } => variable(key, default.as_deref(), ctx)?
                    .bytes()
                    .for_each(|b| buffer.push(Tok::Byte(b))),
            }
        }
        Some(f(buffer.as_slice()))
    }

    /// Whether `text` matches the template used as a case-sensitive wildcard pattern. A variable without a
    /// value (and without a default) makes the template match nothing.
    pub(crate) fn matches(&self, text: &str, ctx: &RequestContext) -> bool {
        match &self.constant {
            Some(c) => c.pattern.matches(text),
            None if !text.as_bytes().starts_with(&self.prefix) => false,
            None => self
                .with_toks(ctx, |toks| {
                    crate::glob::glob(toks, text.as_bytes(), Case::Sensitive)
                })
                .unwrap_or(false),
        }
    }
}

/// Tokens of a resolved template: on the stack up to [`STACK_TOKS`], then on the heap.
const STACK_TOKS: usize = 192;

struct TokBuffer {
    stack: [Tok; STACK_TOKS],
    len: usize,
    /// Everything, once the stack part overflowed.
    heap: Vec<Tok>,
}

impl Default for TokBuffer {
    fn default() -> Self {
        Self {
            stack: [Tok::Star; STACK_TOKS],
            len: 0,
            heap: Vec::new(),
        }
    }
}

impl TokBuffer {
    fn push(&mut self, tok: Tok) {
        if !self.heap.is_empty() {
            self.heap.push(tok);
        } else if let Some(slot) = self.stack.get_mut(self.len) {
            *slot = tok;
            self.len += 1;
        } else {
            self.heap.reserve(STACK_TOKS * 2);
            self.heap.extend_from_slice(&self.stack);
            self.heap.push(tok);
        }
    }

    fn as_slice(&self) -> &[Tok] {
        if self.heap.is_empty() {
            &self.stack[..self.len]
        } else {
            &self.heap
        }
    }
}

/// The value of a variable: the context key if present and single-valued, else the default.
fn variable<'a>(key: &str, default: Option<&'a str>, ctx: &'a RequestContext) -> Option<Cow<'a, str>> {
    let value = ctx
        .lookup(key)
        .and_then(|found| found.single())
        .and_then(scalar_text);
    value.or_else(|| default.map(Cow::Borrowed))
}

/// A context value as text, the way it is substituted into a policy or compared by string operators.
pub(crate) fn scalar_text(scalar: Scalar<'_>) -> Option<Cow<'_, str>> {
    match scalar {
        Scalar::Str(s) => Some(Cow::Borrowed(s)),
        Scalar::Bool(true) => Some(Cow::Borrowed("true")),
        Scalar::Bool(false) => Some(Cow::Borrowed("false")),
        Scalar::Num(n) => {
            let mut s = String::new();
            // Integral values print without a fractional part, as AWS prints aws:EpochTime.
            if n.fract() == 0.0 && n.abs() < 1e15 {
                #[allow(clippy::cast_possible_truncation)]
                let _ = write!(s, "{}", n as i64);
            } else {
                let _ = write!(s, "{n}");
            }
            Some(Cow::Owned(s))
        }
        Scalar::Date(d) => d.format(&Rfc3339).ok().map(Cow::Owned),
        Scalar::Bytes(_) => None,
    }
}

fn push_lit(parts: &mut Vec<Part>, text: &str, wildcards: bool) {
    let toks = if wildcards {
        tokens(text)
    } else {
        text.bytes().map(Tok::Byte).collect()
    };
    if let Some(Part::Lit { toks: t, text: s }) = parts.last_mut() {
        t.extend(toks);
        s.push_str(text);
    } else {
        parts.push(Part::Lit {
            toks,
            text: text.to_owned(),
        });
    }
}

fn parse_parts(raw: &str, parts: &mut Vec<Part>) {
    let mut rest = raw;
    while let Some(start) = rest.find("${") {
        push_lit(parts, &rest[..start], true);
        let after = &rest[start + 2..];
        match variable_body(after) {
            Some((body, consumed)) => {
                match body.trim() {
                    "*" => push_lit(parts, "*", false),
                    "?" => push_lit(parts, "?", false),
                    "$" => push_lit(parts, "$", false),
                    inner => match parse_variable(inner) {
                        Some(var) => parts.push(var),
                        None => push_lit(parts, &rest[start..start + 2 + consumed], true),
                    },
                }
                rest = &after[consumed..];
            }
            None => {
                // An unterminated `${` is literal text.
                push_lit(parts, &rest[start..start + 2], true);
                rest = after;
            }
        }
    }
    push_lit(parts, rest, true);
}

/// Finds the `}` closing a variable (skipping a quoted default); returns the body and the bytes consumed
/// including the brace.
fn variable_body(after: &str) -> Option<(&str, usize)> {
    let mut in_quote = false;
    for (i, c) in after.char_indices() {
        match c {
            '\'' => in_quote = !in_quote,
            '}' if !in_quote => return Some((&after[..i], i + 1)),
            _ => {}
        }
    }
    None
}

fn parse_variable(body: &str) -> Option<Part> {
    let (key, default) = match body.split_once(',') {
        Some((key, default)) => {
            let default = default.trim();
            let quoted = default.strip_prefix('\'')?.strip_suffix('\'')?;
            (key.trim(), Some(quoted.into()))
        }
        None => (body, None),
    };
    let well_formed = !key.is_empty()
        && key.contains(':')
        && !key
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '\'' | '$' | '{' | '}'));
    well_formed.then(|| Part::Var {
        key: key.to_ascii_lowercase().into(),
        default,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Principal;

    fn ctx() -> RequestContext {
        RequestContext::new(
            Principal::user("111122223333", "Alice"),
            "s3:GetObject",
            "x",
            time::macros::datetime!(2024-01-01 0:00 UTC),
        )
        .with("aws:SourceIdentity", "src*")
    }

    #[test]
    fn substitution() {
        let c = ctx();
        let t = Template::parse("home/${aws:username}/*", true);
        assert!(t.matches("home/Alice/x", &c));
        assert!(!t.matches("home/Bob/x", &c));
        assert_eq!(t.resolve_text(&c).as_deref(), Some("home/Alice/*"));
        let missing = Template::parse("${aws:userid}", true);
        assert_eq!(missing.resolve_text(&c), None);
        assert!(!missing.matches("", &c));
        let dflt = Template::parse("${aws:userid, 'none'}", true);
        assert_eq!(dflt.resolve_text(&c).as_deref(), Some("none"));
        let esc = Template::parse("a${*}b${?}c${$}", true);
        assert!(esc.matches("a*b?c$", &c));
        assert!(!esc.matches("axb?c$", &c));
        // Substituted values are literal.
        let lit = Template::parse("${aws:SourceIdentity}", true);
        assert!(lit.matches("src*", &c));
        assert!(!lit.matches("srcX", &c));
        // Values longer than the stack buffer spill to the heap and match the same.
        let long = "x".repeat(STACK_TOKS * 2 + 3);
        let c_long = ctx().with("aws:SourceIdentity", long.as_str());
        let t = Template::parse("a/${aws:SourceIdentity}/*", true);
        assert!(t.matches(&format!("a/{long}/z"), &c_long));
        assert!(!t.matches(&format!("a/{long}y/z"), &c_long));
        assert_eq!(
            t.with_toks(&c_long, <[Tok]>::to_vec),
            t.resolve_toks(&c_long).map(|c| c.into_owned())
        );
        // 2008: no substitution.
        let old = Template::parse("${aws:username}", false);
        assert!(old.matches("${aws:username}", &c));
        assert!(!old.matches("Alice", &c));
        // Malformed or unterminated: literal.
        assert!(Template::parse("${oops", true).matches("${oops", &c));
        assert!(Template::parse("${no key}", true).matches("${no key}", &c));
        assert!(Template::parse("${aws:userid, 'a}b'}", true).matches("a}b", &c));
    }
}
