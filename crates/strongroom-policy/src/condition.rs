//! The `Condition` element: operators, set qualifiers, `…IfExists`, and their evaluation against a request.
//!
//! Within one operator, keys are ANDed and the values of one key are ORed. A negated operator (`…Not…`,
//! `NotIpAddress`) is the negation of its positive form: it holds when the request value matches none of the
//! policy's values, and when the key is absent. Without a set qualifier a multi-valued key behaves like
//! `ForAnyValue` for positive operators and as "no request value matches" for negated ones.
//! A value whose policy variable has no value matches nothing (so a negated operator over it holds).

use std::net::IpAddr;

use serde_json::Value as Json;
use time::OffsetDateTime;

use crate::context::{Found, RequestContext, Scalar};
use crate::error::PolicyError;
use crate::glob::{Case, Tok, glob};
use crate::template::{Template, scalar_text};
use crate::values::{Cidr, date_from_epoch, decode_base64, parse_date, parse_number};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn holds<T: PartialOrd>(self, request: T, policy: T) -> bool {
        match self {
            Self::Eq => request == policy,
            Self::Lt => request < policy,
            Self::Le => request <= policy,
            Self::Gt => request > policy,
            Self::Ge => request >= policy,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Test {
    StrEq,
    StrEqIgnoreCase,
    StrLike,
    Num(Cmp),
    Date(Cmp),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Qualifier {
    None,
    ForAnyValue,
    ForAllValues,
}

#[derive(Debug, Clone, PartialEq)]
struct Operator {
    name: Box<str>,
    test: Test,
    negated: bool,
    if_exists: bool,
    qualifier: Qualifier,
}

fn base_operator(name: &str) -> Option<(Test, bool)> {
    let lower = name.to_ascii_lowercase();
    Some(match lower.as_str() {
        "stringequals" => (Test::StrEq, false),
        "stringnotequals" => (Test::StrEq, true),
        "stringequalsignorecase" => (Test::StrEqIgnoreCase, false),
        "stringnotequalsignorecase" => (Test::StrEqIgnoreCase, true),
        "stringlike" => (Test::StrLike, false),
        "stringnotlike" => (Test::StrLike, true),
        "numericequals" => (Test::Num(Cmp::Eq), false),
        "numericnotequals" => (Test::Num(Cmp::Eq), true),
        "numericlessthan" => (Test::Num(Cmp::Lt), false),
        "numericlessthanequals" => (Test::Num(Cmp::Le), false),
        "numericgreaterthan" => (Test::Num(Cmp::Gt), false),
        "numericgreaterthanequals" => (Test::Num(Cmp::Ge), false),
        "dateequals" => (Test::Date(Cmp::Eq), false),
        "datenotequals" => (Test::Date(Cmp::Eq), true),
        "datelessthan" => (Test::Date(Cmp::Lt), false),
        "datelessthanequals" => (Test::Date(Cmp::Le), false),
        "dategreaterthan" => (Test::Date(Cmp::Gt), false),
        "dategreaterthanequals" => (Test::Date(Cmp::Ge), false),
        "bool" => (Test::Bool, false),
        "binaryequals" => (Test::Binary, false),
        "ipaddress" => (Test::Ip, false),
        "notipaddress" => (Test::Ip, true),
        "arnequals" | "arnlike" => (Test::Arn, false),
        "arnnotequals" | "arnnotlike" => (Test::Arn, true),
        "null" => (Test::Null, false),
        _ => return None,
    })
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let tail = text.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &text[..cut])
}

impl Operator {
    /// Operator names are matched ignoring ASCII case.
    fn parse(name: &str) -> Result<Self, PolicyError> {
        let unknown = || PolicyError::UnknownConditionOperator(name.to_owned());
        let (qualifier, rest) = if let Some(rest) = strip_prefix_ignore_case(name, "ForAnyValue:") {
            (Qualifier::ForAnyValue, rest)
        } else if let Some(rest) = strip_prefix_ignore_case(name, "ForAllValues:") {
            (Qualifier::ForAllValues, rest)
        } else {
            (Qualifier::None, name)
        };
        let (if_exists, base) = match strip_suffix_ignore_case(rest, "IfExists") {
            Some(base) => (true, base),
            None => (false, rest),
        };
        let (test, negated) = base_operator(base).ok_or_else(unknown)?;
        if test == Test::Null && (if_exists || qualifier != Qualifier::None) {
            return Err(unknown());
        }
        Ok(Self {
            name: name.into(),
            test,
            negated,
            if_exists,
            qualifier,
        })
    }
}

/// A policy value pre-parsed for its operator when it has no variables.
#[derive(Debug, Clone, PartialEq)]
enum Typed {
    Text,
    Num(f64),
    Date(OffsetDateTime),
    Bool(bool),
    Bytes(Vec<u8>),
    Cidr(Cidr),
}

fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn typed(test: Test, text: &str) -> Option<Typed> {
    Some(match test {
        Test::StrEq | Test::StrEqIgnoreCase | Test::StrLike | Test::Arn => Typed::Text,
        Test::Num(_) => Typed::Num(parse_number(text)?),
        Test::Date(_) => Typed::Date(parse_date(text).or_else(|| date_from_epoch(parse_number(text)?))?),
        Test::Bool | Test::Null => Typed::Bool(parse_bool(text)?),
        Test::Binary => Typed::Bytes(decode_base64(text)?),
        Test::Ip => Typed::Cidr(Cidr::parse(text)?),
    })
}

#[derive(Debug, Clone, PartialEq)]
struct PolicyValue {
    template: Template,
    /// `None` when the value has variables: it is then parsed after substitution.
    typed: Option<Typed>,
}

/// One operator applied to one key: `"StringEquals": {"aws:username": ["a", "b"]}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    op: Operator,
    /// Lowercased.
    key: Box<str>,
    values: Vec<PolicyValue>,
}

/// Parses a `Condition` element into its (operator, key) pairs.
pub(crate) fn parse_conditions(json: &Json, substitute: bool) -> Result<Vec<Condition>, PolicyError> {
    let Json::Object(ops) = json else {
        return Err(PolicyError::syntax("Condition must be an object"));
    };
    let mut out = Vec::new();
    for (op_name, keys) in ops {
        let op = Operator::parse(op_name)?;
        let Json::Object(keys) = keys else {
            return Err(PolicyError::syntax(format!(
                "Condition operator {op_name} must map keys to values"
            )));
        };
        for (key, values) in keys {
            if !key.contains(':') || key.starts_with(':') {
                return Err(PolicyError::MissingVendor(key.clone()));
            }
            let texts = condition_values(values)
                .ok_or_else(|| PolicyError::syntax(format!("bad value type for condition key {key}")))?;
            let mut parsed = Vec::with_capacity(texts.len());
            for text in texts {
                let template = Template::parse(&text, substitute);
                let typed = match template.constant_text() {
                    Some(constant) => Some(typed(op.test, constant).ok_or_else(|| {
                        PolicyError::syntax(format!("{op_name}: invalid value {text:?} for {key}"))
                    })?),
                    None => None,
                };
                parsed.push(PolicyValue { template, typed });
            }
            out.push(Condition {
                op: op.clone(),
                key: key.to_ascii_lowercase().into(),
                values: parsed,
            });
        }
    }
    Ok(out)
}

fn scalar_json(json: &Json) -> Option<String> {
    match json {
        Json::String(s) => Some(s.clone()),
        Json::Bool(b) => Some(b.to_string()),
        Json::Number(n) => Some(n.to_string()),
        Json::Null | Json::Array(_) | Json::Object(_) => None,
    }
}

fn condition_values(json: &Json) -> Option<Vec<String>> {
    match json {
        Json::Array(items) => items.iter().map(scalar_json).collect(),
        other => scalar_json(other).map(|s| vec![s]),
    }
}

impl Condition {
    /// Whether the condition holds for the request.
    pub(crate) fn holds(&self, ctx: &RequestContext) -> bool {
        let found = ctx.lookup(&self.key);
        if self.op.test == Test::Null {
            let present = found.is_some();
            return self
                .values
                .iter()
                .any(|v| self.value_bool(v, ctx) == Some(!present));
        }
        let Some(found) = found else {
            return self.op.if_exists
                || match self.op.qualifier {
                    Qualifier::ForAllValues => true,
                    Qualifier::ForAnyValue => false,
                    Qualifier::None => self.op.negated,
                };
        };
        let negated = self.op.negated;
        let positive = |rv: Scalar<'_>| self.values.iter().any(|pv| self.test(rv, pv, ctx));
        match self.op.qualifier {
            Qualifier::None => found_any(found, positive) != negated,
            Qualifier::ForAnyValue => found_any(found, |rv| positive(rv) != negated),
            Qualifier::ForAllValues => found.for_each_all(|rv| positive(rv) != negated),
        }
    }

    fn value_bool(&self, pv: &PolicyValue, ctx: &RequestContext) -> Option<bool> {
        match &pv.typed {
            Some(Typed::Bool(b)) => Some(*b),
            Some(_) => None,
            None => parse_bool(&pv.template.resolve_text(ctx)?),
        }
    }

    /// The positive test of one request value against one policy value.
    fn test(&self, rv: Scalar<'_>, pv: &PolicyValue, ctx: &RequestContext) -> bool {
        self.try_test(rv, pv, ctx).unwrap_or(false)
    }

    fn try_test(&self, rv: Scalar<'_>, pv: &PolicyValue, ctx: &RequestContext) -> Option<bool> {
        let policy_typed = || -> Option<Typed> {
            match &pv.typed {
                Some(t) => Some(t.clone()),
                None => typed(self.op.test, &pv.template.resolve_text(ctx)?),
            }
        };
        Some(match self.op.test {
            Test::StrEq => *scalar_text(rv)? == *pv.template.resolve_text(ctx)?,
            Test::StrEqIgnoreCase => {
                let (r, p) = (scalar_text(rv)?, pv.template.resolve_text(ctx)?);
                r.chars()
                    .flat_map(char::to_lowercase)
                    .eq(p.chars().flat_map(char::to_lowercase))
            }
            Test::StrLike => pv.template.matches(&scalar_text(rv)?, ctx),
            Test::Arn => {
                let text = scalar_text(rv)?;
                pv.template.with_toks(ctx, |toks| arn_matches(toks, &text))?
            }
            Test::Num(cmp) => {
                let r = match rv {
                    Scalar::Num(n) => n,
                    Scalar::Str(s) => parse_number(s)?,
                    Scalar::Bool(_) | Scalar::Date(_) | Scalar::Bytes(_) => return None,
                };
                let Typed::Num(p) = policy_typed()? else {
                    return None;
                };
                cmp.holds(r, p)
            }
            Test::Date(cmp) => {
                let r = match rv {
                    Scalar::Date(d) => d,
                    Scalar::Str(s) => parse_date(s)?,
                    Scalar::Num(n) => date_from_epoch(n)?,
                    Scalar::Bool(_) | Scalar::Bytes(_) => return None,
                };
                let Typed::Date(p) = policy_typed()? else {
                    return None;
                };
                cmp.holds(r, p)
            }
            Test::Bool => {
                let r = match rv {
                    Scalar::Bool(b) => b,
                    Scalar::Str(s) => parse_bool(s)?,
                    Scalar::Num(_) | Scalar::Date(_) | Scalar::Bytes(_) => return None,
                };
                r == self.value_bool(pv, ctx)?
            }
            Test::Binary => {
                let decoded;
                let r: &[u8] = match rv {
                    Scalar::Bytes(b) => b,
                    Scalar::Str(s) => {
                        decoded = decode_base64(s)?;
                        &decoded
                    }
                    Scalar::Bool(_) | Scalar::Num(_) | Scalar::Date(_) => return None,
                };
                match &pv.typed {
                    Some(Typed::Bytes(p)) => r == p.as_slice(),
                    Some(_) => return None,
                    None => r == decode_base64(&pv.template.resolve_text(ctx)?)?.as_slice(),
                }
            }
            Test::Ip => {
                let Scalar::Str(s) = rv else { return None };
                let ip: IpAddr = s.trim().parse().ok()?;
                match &pv.typed {
                    Some(Typed::Cidr(net)) => net.contains(ip),
                    Some(_) => return None,
                    None => Cidr::parse(&pv.template.resolve_text(ctx)?)?.contains(ip),
                }
            }
            Test::Null => return None,
        })
    }
}

fn found_any<'a>(found: Found<'a>, f: impl FnMut(Scalar<'a>) -> bool) -> bool {
    found.for_each_any(f)
}

/// `ArnEquals`/`ArnLike`: each of the six colon-separated parts is matched on its own, with wildcards that
/// do not cross a colon (the last part, the resource, keeps its colons). A policy value that is not shaped
/// like an ARN is matched as a whole.
fn arn_matches(pattern: &[Tok], text: &str) -> bool {
    let segments: Vec<&[Tok]> = split_toks(pattern, 6);
    if segments.len() < 6 {
        return glob(pattern, text.as_bytes(), Case::Sensitive);
    }
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    parts.len() == 6
        && segments
            .iter()
            .zip(&parts)
            .all(|(seg, part)| glob(seg, part.as_bytes(), Case::Sensitive))
}

fn split_toks(toks: &[Tok], limit: usize) -> Vec<&[Tok]> {
    let mut out = Vec::with_capacity(limit);
    let mut rest = toks;
    while out.len() + 1 < limit {
        match rest.iter().position(|t| *t == Tok::Byte(b':')) {
            Some(i) => {
                out.push(&rest[..i]);
                rest = &rest[i + 1..];
            }
            None => break,
        }
    }
    out.push(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_names() {
        let op = Operator::parse("ForAllValues:StringNotEqualsIfExists").unwrap();
        assert_eq!(
            (op.test, op.negated, op.if_exists, op.qualifier),
            (Test::StrEq, true, true, Qualifier::ForAllValues)
        );
        assert!(Operator::parse("stringequals").is_ok());
        for bad in [
            "StringEqualz",
            "NullIfExists",
            "ForAnyValue:Null",
            "IfExists",
            "ForAnyValue:",
            "Foo:StringEquals",
        ] {
            assert!(Operator::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn arn_segments() {
        let toks = crate::glob::tokens("arn:aws:iam::*:role/*");
        assert!(arn_matches(&toks, "arn:aws:iam::123456789012:role/x"));
        assert!(!arn_matches(&toks, "arn:aws:iam::1:2:role/x"));
        assert!(arn_matches(&toks, "arn:aws:iam::123456789012:role/a:b"));
        assert!(!arn_matches(&toks, "arn:aws:iam:123456789012:role/x"));
        assert!(arn_matches(&crate::glob::tokens("*"), "anything"));
    }
}
