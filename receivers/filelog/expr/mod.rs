//! A subset of stanza's expression language (expr-lang), for `filter`'s
//! `expr`, every operator's `if`, and `EXPR(...)` values.
//!
//! Supported: `body`, `attributes`, `resource` (and `$` for `body`) with
//! `.key` and `["key"]` access; string (`"..."`, `'...'`), number, `true`,
//! `false` and `nil` literals; list literals `[a, b]`; `env("NAME")`;
//! `==`, `!=`, `<`, `<=`, `>`, `>=`; `matches` (with a literal regex),
//! `contains`, `startsWith`, `endsWith`, `in`, and each negated with `not`
//! (`not matches`, `not in`, ...); `+` (concatenation
//! or addition); `and`/`&&`, `or`/`||`, `not`/`!`; parentheses. Anything
//! else is a config error that gives its column.

use std::borrow::Cow;

use regex::Regex;
use serde::de::{self, Deserializer};

mod parse;

use super::entry::{Field, LogEntry};
use crate::anyvalue::{bool_value, int_value, str_value};
use crate::event::{any_value::Value as Av, AnyValue};
use parse::{lex, Parser};

/// A compiled expression.
#[derive(Clone, Debug)]
pub struct Expr {
    node: Node,
}

#[derive(Clone, Debug)]
pub(super) enum Node {
    Lit(Lit),
    List(Vec<Node>),
    Path(Field),
    Env(Box<Node>),
    Not(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Cmp(CmpOp, Box<Node>, Box<Node>),
    Matches(Box<Node>, Regex),
    Add(Box<Node>, Box<Node>),
}

#[derive(Clone, Debug)]
pub(super) enum Lit {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    StartsWith,
    EndsWith,
    In,
    NotIn,
}

/// A value during evaluation.
#[derive(Clone, Debug)]
pub enum V<'a> {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, str>),
    /// Maps, lists and bytes.
    Other(Cow<'a, AnyValue>),
    List(Vec<V<'a>>),
}

impl<'a> V<'a> {
    fn from_any(v: Cow<'a, AnyValue>) -> V<'a> {
        match v {
            Cow::Borrowed(a) => match &a.value {
                None => V::Nil,
                Some(Av::BoolValue(b)) => V::Bool(*b),
                Some(Av::IntValue(i)) => V::Int(*i),
                Some(Av::DoubleValue(f)) => V::Float(*f),
                Some(Av::StringValue(s)) => V::Str(Cow::Borrowed(s)),
                Some(_) => V::Other(Cow::Borrowed(a)),
            },
            Cow::Owned(a) => match a.value {
                None => V::Nil,
                Some(Av::BoolValue(b)) => V::Bool(b),
                Some(Av::IntValue(i)) => V::Int(i),
                Some(Av::DoubleValue(f)) => V::Float(f),
                Some(Av::StringValue(s)) => V::Str(Cow::Owned(s)),
                Some(other) => V::Other(Cow::Owned(AnyValue { value: Some(other) })),
            },
        }
    }

    /// As an OTLP value (for `EXPR(...)` in `add`).
    pub fn into_any(self) -> AnyValue {
        match self {
            V::Nil => AnyValue::default(),
            V::Bool(b) => bool_value(b),
            V::Int(i) => int_value(i),
            V::Float(f) => AnyValue { value: Some(Av::DoubleValue(f)) },
            V::Str(s) => str_value(s.into_owned()),
            V::Other(o) => o.into_owned(),
            V::List(items) => AnyValue {
                value: Some(Av::ArrayValue(crate::event::ArrayValue {
                    values: items.into_iter().map(V::into_any).collect(),
                })),
            },
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            V::Nil => "nil",
            V::Bool(_) => "bool",
            V::Int(_) => "int",
            V::Float(_) => "float",
            V::Str(_) => "string",
            V::Other(_) => "map",
            V::List(_) => "list",
        }
    }
}

impl Expr {
    pub fn parse(source: &str) -> Result<Expr, String> {
        let tokens = lex(source)?;
        let mut p = Parser { tokens, at: 0, src: source };
        let node = p.or()?;
        if let Some(t) = p.peek() {
            return Err(p.error_at(t.pos, format!("unexpected {}", t.kind)));
        }
        Ok(Expr { node })
    }

    pub fn eval<'a>(&self, e: &'a LogEntry) -> Result<V<'a>, String> {
        eval(&self.node, e)
    }

    /// Evaluate as a condition: the result must be a bool.
    pub fn test(&self, e: &LogEntry) -> Result<bool, String> {
        match self.eval(e)? {
            V::Bool(b) => Ok(b),
            v => Err(format!("expected bool, but got {}", v.kind())),
        }
    }
}

impl<'de> de::Deserialize<'de> for Expr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Expr::parse(&s).map_err(de::Error::custom)
    }
}

fn eval<'a>(node: &Node, e: &'a LogEntry) -> Result<V<'a>, String> {
    Ok(match node {
        Node::Lit(l) => match l {
            Lit::Nil => V::Nil,
            Lit::Bool(b) => V::Bool(*b),
            Lit::Int(i) => V::Int(*i),
            Lit::Float(f) => V::Float(*f),
            Lit::Str(s) => V::Str(Cow::Owned(s.clone())),
        },
        Node::List(items) => V::List(items.iter().map(|n| eval(n, e)).collect::<Result<_, _>>()?),
        Node::Path(f) => f.get(e).map_or(V::Nil, V::from_any),
        Node::Env(arg) => match eval(arg, e)? {
            V::Str(name) => V::Str(Cow::Owned(std::env::var(name.as_ref()).unwrap_or_default())),
            v => return Err(format!("env() expects a string, got {}", v.kind())),
        },
        Node::Not(x) => V::Bool(!as_bool(eval(x, e)?)?),
        Node::And(a, b) => V::Bool(as_bool(eval(a, e)?)? && as_bool(eval(b, e)?)?),
        Node::Or(a, b) => V::Bool(as_bool(eval(a, e)?)? || as_bool(eval(b, e)?)?),
        Node::Matches(x, re) => match eval(x, e)? {
            V::Str(s) => V::Bool(re.is_match(&s)),
            v => return Err(format!("`matches` expects a string, got {}", v.kind())),
        },
        Node::Add(a, b) => match (eval(a, e)?, eval(b, e)?) {
            (V::Str(x), V::Str(y)) => V::Str(Cow::Owned(format!("{x}{y}"))),
            (V::Int(x), V::Int(y)) => V::Int(x.wrapping_add(y)),
            (x, y) => match (num(&x), num(&y)) {
                (Some(x), Some(y)) => V::Float(x + y),
                _ => return Err(format!("invalid operation: {} + {}", x.kind(), y.kind())),
            },
        },
        Node::Cmp(op, a, b) => V::Bool(compare(*op, eval(a, e)?, eval(b, e)?)?),
    })
}

fn as_bool(v: V<'_>) -> Result<bool, String> {
    match v {
        V::Bool(b) => Ok(b),
        v => Err(format!("expected bool, but got {}", v.kind())),
    }
}

fn num(v: &V<'_>) -> Option<f64> {
    match v {
        V::Int(i) => Some(*i as f64),
        V::Float(f) => Some(*f),
        _ => None,
    }
}

fn equal(a: &V<'_>, b: &V<'_>) -> bool {
    match (a, b) {
        (V::Nil, V::Nil) => true,
        (V::Bool(x), V::Bool(y)) => x == y,
        (V::Str(x), V::Str(y)) => x == y,
        (V::Int(x), V::Int(y)) => x == y,
        (V::Other(x), V::Other(y)) => x == y,
        (V::List(x), V::List(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(a, b)),
        _ => matches!((num(a), num(b)), (Some(x), Some(y)) if x == y),
    }
}

fn compare(op: CmpOp, a: V<'_>, b: V<'_>) -> Result<bool, String> {
    let strs = |what: &str| -> Result<(String, String), String> {
        match (&a, &b) {
            (V::Str(x), V::Str(y)) => Ok((x.to_string(), y.to_string())),
            _ => Err(format!("`{what}` expects strings, got {} and {}", a.kind(), b.kind())),
        }
    };
    Ok(match op {
        CmpOp::Eq => equal(&a, &b),
        CmpOp::Ne => !equal(&a, &b),
        CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge => {
            let ord = match (&a, &b) {
                (V::Str(x), V::Str(y)) => x.cmp(y),
                (V::Int(x), V::Int(y)) => x.cmp(y),
                _ => match (num(&a), num(&b)) {
                    (Some(x), Some(y)) => x.partial_cmp(&y).ok_or("cannot compare NaN")?,
                    _ => return Err(format!("invalid operation: {} compared with {}", a.kind(), b.kind())),
                },
            };
            match op {
                CmpOp::Lt => ord.is_lt(),
                CmpOp::Le => ord.is_le(),
                CmpOp::Gt => ord.is_gt(),
                _ => ord.is_ge(),
            }
        }
        CmpOp::Contains => {
            let (x, y) = strs("contains")?;
            x.contains(&y)
        }
        CmpOp::StartsWith => {
            let (x, y) = strs("startsWith")?;
            x.starts_with(&y)
        }
        CmpOp::EndsWith => {
            let (x, y) = strs("endsWith")?;
            x.ends_with(&y)
        }
        CmpOp::In | CmpOp::NotIn => {
            let found = match &b {
                V::List(items) => items.iter().any(|i| equal(&a, i)),
                V::Other(m) => match (&m.value, &a) {
                    (Some(Av::KvlistValue(kv)), V::Str(k)) => kv.values.iter().any(|e| e.key == *k),
                    (Some(Av::ArrayValue(arr)), _) => {
                        arr.values.iter().any(|v| equal(&a, &V::from_any(Cow::Borrowed(v))))
                    }
                    _ => false,
                },
                V::Nil => false,
                _ => return Err(format!("`in` expects a list or a map, got {}", b.kind())),
            };
            found == (op == CmpOp::In)
        }
    })
}

/// `EXPR(...)` inside a string (stanza's `ExprString`): literal parts and expressions.
#[derive(Clone, Debug)]
pub struct ExprString {
    parts: Vec<String>,
    exprs: Vec<Expr>,
}

impl ExprString {
    pub fn parse(s: &str) -> Result<ExprString, String> {
        const START: &str = "EXPR(";
        let (mut parts, mut exprs) = (Vec::new(), Vec::new());
        let mut rest = s;
        loop {
            let Some(i) = rest.find(START) else {
                parts.push(rest.to_string());
                break;
            };
            // The expression ends at the last `)` before the next `EXPR(`.
            let after = &rest[i + START.len()..];
            let window = after.find(START).map_or(after, |n| &after[..n]);
            let Some(j) = window.rfind(')') else {
                parts.push(rest.to_string());
                break;
            };
            parts.push(rest[..i].to_string());
            exprs.push(Expr::parse(&after[..j]).map_err(|e| format!("in EXPR({}): {e}", &after[..j]))?);
            rest = &after[j + 1..];
        }
        Ok(ExprString { parts, exprs })
    }

    pub fn is_static(&self) -> bool {
        self.exprs.is_empty()
    }

    pub fn render(&self, e: &LogEntry) -> Result<String, String> {
        let mut out = String::new();
        for (i, ex) in self.exprs.iter().enumerate() {
            out.push_str(&self.parts[i]);
            match ex.eval(e)? {
                V::Str(s) => out.push_str(&s),
                v => return Err(format!("embedded expression returned non-string {}", v.kind())),
            }
        }
        out.push_str(self.parts.last().map(String::as_str).unwrap_or(""));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anyvalue::map_value;
    use crate::event::KeyValue;

    fn entry() -> LogEntry {
        let kv = |k: &str, v: AnyValue| KeyValue { key: k.into(), value: Some(v), ..Default::default() };
        LogEntry {
            body: map_value(vec![kv("msg", str_value("Failed password for root")), kv("code", int_value(500))]),
            attributes: vec![
                kv("log.file.name", str_value("auth.log")),
                kv("n", AnyValue { value: Some(Av::DoubleValue(2.5)) }),
            ],
            ..Default::default()
        }
    }

    fn t(src: &str) -> Result<bool, String> {
        Expr::parse(src).unwrap().test(&entry())
    }

    #[test]
    fn evaluates() {
        assert_eq!(t(r#"body.msg matches "^Failed""#), Ok(true));
        assert_eq!(t(r#"attributes["log.file.name"] == 'auth.log' and body.code >= 500"#), Ok(true));
        assert_eq!(t(r#"not (body.code == 500) || attributes.n < 3"#), Ok(true));
        assert_eq!(t(r#"body.missing == nil && body.missing != "x""#), Ok(true));
        assert_eq!(
            t(r#"body.msg contains "root" and body.msg startsWith "Failed" and body.msg endsWith "root""#),
            Ok(true)
        );
        assert_eq!(t(r#"body.code in [400, 500] && "msg" in body && "zzz" not in body"#), Ok(true));
        assert_eq!(t(r#"body.code == 500.0"#), Ok(true));
        assert_eq!(t(r#"body.msg not matches "^WARN:""#), Ok(true));
        assert_eq!(t(r#"body.msg not matches "^Failed""#), Ok(false));
        assert_eq!(t(r#"body.msg not contains "root" or body.msg not startsWith "F""#), Ok(false));
        assert_eq!(t(r#"body.msg not endsWith "x" and body.code not in [400]"#), Ok(true));
        assert_eq!(t(r#"not body.msg not contains "zzz""#), Ok(false));
        assert_eq!(t(r#"body.msg + "!" == "Failed password for root!""#), Ok(true));
        assert!(t(r#"body.msg > 5"#).unwrap_err().contains("invalid operation"));
        assert!(t(r#"body.code"#).unwrap_err().contains("expected bool"));
    }

    #[test]
    fn outside_the_subset_is_a_positioned_error() {
        assert_eq!(Expr::parse("body.a == 1 ?? 2").unwrap_err(), "unexpected character '?' at column 13");
        assert_eq!(
            Expr::parse("len(body) > 1").unwrap_err(),
            "unknown name `len` (supported: body, attributes, resource, env(), true, false, nil) at column 1"
        );
        assert_eq!(Expr::parse(r#"body matches "(""#).unwrap_err().split(':').next().unwrap(), "invalid regex");
        assert!(Expr::parse("body.a ==").unwrap_err().contains("unexpected end of expression at column 10"));
        assert!(Expr::parse("(body.a == 1").unwrap_err().contains("expected `)`"));
        assert!(Expr::parse("body.a * 2").unwrap_err().contains("unexpected `*` at column 8"));
        assert!(Expr::parse("'open").unwrap_err().contains("unterminated string at column 1"));
    }

    #[test]
    fn expr_strings() {
        std::env::set_var("FERROCOL_EXPR_TEST", "prod");
        let s = ExprString::parse(r#"env-EXPR(env("FERROCOL_EXPR_TEST"))-EXPR(attributes["log.file.name"])"#).unwrap();
        assert_eq!(s.render(&entry()).unwrap(), "env-prod-auth.log");
        assert!(ExprString::parse("plain").unwrap().is_static());
    }
}
