//! Type conversions and checks: `Int`, `Double`, `String`, `Bool`, `IsString`,
//! `IsMap`, `IsList`, `IsInt`, `IsDouble`, `IsBool`, `Len`, `IsRootSpan`.

use super::{conv, Converter, Spec};
use crate::compile::{req, Args};
use crate::eval::eval;
use crate::lexer::PosError;
use crate::value::{EvalError, EvalResult, Value};

pub static SPECS: &[Spec] = &[
    Spec { name: "Int", params: &[req("target")], build: int },
    Spec { name: "Double", params: &[req("target")], build: double },
    Spec { name: "String", params: &[req("target")], build: string },
    Spec { name: "Bool", params: &[req("target")], build: boolean },
    Spec { name: "IsString", params: &[req("target")], build: |a| is(a, |v| matches!(v, Value::Str(_))) },
    Spec { name: "IsMap", params: &[req("target")], build: |a| is(a, |v| matches!(v, Value::Map(_))) },
    Spec { name: "IsList", params: &[req("target")], build: |a| is(a, |v| matches!(v, Value::List(_))) },
    Spec { name: "IsInt", params: &[req("target")], build: |a| is(a, |v| matches!(v, Value::Int(_))) },
    Spec { name: "IsDouble", params: &[req("target")], build: |a| is(a, |v| matches!(v, Value::Double(_))) },
    Spec { name: "IsBool", params: &[req("target")], build: |a| is(a, |v| matches!(v, Value::Bool(_))) },
    Spec { name: "Len", params: &[req("target")], build: len },
    Spec { name: "IsRootSpan", params: &[], build: |_| Ok(conv(is_root_span)) },
];

/// `IsRootSpan()`: whether the span has no parent (`parent_span_id` empty). Only
/// a span (or span event) has one: anywhere else it is an error, as otelcol
/// offers it only in the span context.
fn is_root_span(ctx: &crate::paths::Ctx<'_>) -> Result<Value<'static>, EvalError> {
    match &ctx.record {
        crate::paths::Record::Span(span, _) => Ok(Value::Bool(span.parent_span_id.is_empty())),
        _ => Err(EvalError::new("IsRootSpan: only available in the span context")),
    }
}

fn unary(a: &mut Args, f: fn(Value) -> Value<'static>) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| Ok(f(eval(&target, ctx)?))))
}

fn unary_fallible(a: &mut Args, f: fn(Value) -> EvalResult<Value<'static>>) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| f(eval(&target, ctx)?)))
}

/// `IntLikeGetter`, then nil for anything it cannot convert: floats truncate,
/// strings parse as base-10 integers, bools are 0 or 1.
fn int(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    unary(a, |v| match v {
        Value::Int(i) => Value::Int(i),
        Value::Double(d) => Value::Int(d.trunc() as i64),
        Value::Bool(b) => Value::Int(b.into()),
        Value::Str(s) => parse_go_int(&s).map_or(Value::Nil, Value::Int),
        _ => Value::Nil,
    })
}

/// Go's `strconv.ParseInt(s, 10, 64)`: an optional sign and decimal digits.
fn parse_go_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `FloatLikeGetter`, nil for what it cannot convert.
fn double(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    unary(a, |v| match v {
        Value::Double(d) => Value::Double(d),
        Value::Int(i) => Value::Double(i as f64),
        Value::Bool(b) => Value::Double(if b { 1.0 } else { 0.0 }),
        Value::Str(s) => parse_go_float(&s).map_or(Value::Nil, Value::Double),
        _ => Value::Nil,
    })
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal input (and inf/nan).
pub fn parse_go_float(s: &str) -> Option<f64> {
    let t = s.strip_prefix(['+', '-']).unwrap_or(s);
    let special = ["inf", "infinity", "nan"].iter().any(|w| t.eq_ignore_ascii_case(w));
    if !special && !t.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-')) {
        return None;
    }
    s.parse().ok()
}

/// `String(target)`: the `StringLikeGetter` form ([`Value::string_like`]); nil
/// stays nil. A trace, span or profile ID prints as otelcol prints its
/// `[N]byte` array: `[1,2,3,4,5,6,7,8]`.
fn string(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    unary_fallible(a, |v| Ok(v.string_like()?.map_or(Value::Nil, |s| Value::string(s.into_owned()))))
}

/// `BoolLikeGetter`: numbers are true when non-zero, strings as Go's
/// `strconv.ParseBool`; nil for anything else.
fn boolean(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    unary(a, |v| match v {
        Value::Bool(b) => Value::Bool(b),
        Value::Int(i) => Value::Bool(i != 0),
        Value::Double(d) => Value::Bool(d != 0.0),
        Value::Str(s) => match s.as_ref() {
            "1" | "t" | "T" | "true" | "TRUE" | "True" => Value::Bool(true),
            "0" | "f" | "F" | "false" | "FALSE" | "False" => Value::Bool(false),
            _ => Value::Nil,
        },
        _ => Value::Nil,
    })
}

fn is(a: &mut Args, check: fn(&Value) -> bool) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| Ok(Value::Bool(check(&eval(&target, ctx)?)))))
}

/// `Len(target)`: bytes of a string, entries of a map or slice, records of a
/// pdata slice (`Len(span.events)`).
fn len(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| {
        let n = match eval(&target, ctx)? {
            Value::Str(s) => s.len(),
            Value::List(l) => l.len(),
            Value::Map(m) => m.len(),
            Value::Bytes(b) => b.len(),
            Value::Records(r) => r.len(),
            v => return Err(EvalError::new(format!("unsupported type for Len: {}", v.type_name()))),
        };
        Ok(Value::Int(n as i64))
    }))
}
