//! `IsEmpty`, `Coalesce`, `Log`, `IsValidLuhn`, `Sort`, `IsInCIDR`.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::net::IpAddr;

use opentelemetry_proto::tonic::common::v1::AnyValue;

use super::types::parse_go_float;
use super::{conv, Converter, Spec};
use crate::compile::{opt, req, Args};
use crate::eval::{eval, eval_list};
use crate::lexer::PosError;
use crate::value::{EvalError, EvalResult, Value};

pub static SPECS: &[Spec] = &[
    Spec { name: "IsEmpty", params: &[req("target")], build: is_empty },
    Spec { name: "Coalesce", params: &[req("values")], build: coalesce },
    Spec { name: "Log", params: &[req("target")], build: log },
    Spec { name: "IsValidLuhn", params: &[req("target")], build: is_valid_luhn },
    Spec { name: "Sort", params: &[req("target"), opt("order")], build: sort },
    Spec { name: "IsInCIDR", params: &[req("target"), req("networks")], build: is_in_cidr },
];

fn is_empty(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| {
        Ok(Value::Bool(match eval(&target, ctx)? {
            Value::Nil => true,
            Value::Str(s) => s.is_empty(),
            Value::Bytes(b) => b.is_empty() || b.iter().all(|x| *x == 0),
            Value::Map(m) => m.is_empty(),
            Value::List(l) => l.is_empty(),
            Value::Int(i) => i == 0,
            Value::Double(d) => d == 0.0,
            Value::Bool(b) => !b,
            Value::Duration(d) => d == 0,
            Value::Time(_) => false,
            Value::Id(id) => id.bytes().iter().all(|x| *x == 0),
            // `reflect.Value.IsZero` of a pdata struct (a slice such as
            // `ptrace.SpanEventSlice` too), which holds pointers: never zero, so
            // `IsEmpty(span.events)` is false even without events, as in otelcol.
            Value::Records(_) | Value::Struct(_) => false,
        }))
    }))
}

fn coalesce(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let at = a.at_of(0);
    let values = a.list(0)?;
    if let crate::compile::ListArg::Items(items) = &values {
        if items.is_empty() {
            return Err(a.err(at, "at least one value is required"));
        }
    }
    Ok(conv(move |ctx| {
        let items = eval_list(&values, ctx)?;
        Ok(items.into_iter().find(|v| !v.is_nil()).map_or(Value::Nil, Value::into_owned))
    }))
}

/// A `FloatLikeGetter`: nil for nil, an error for what cannot convert.
fn float_like(v: &Value) -> EvalResult<Option<f64>> {
    Ok(match v {
        Value::Nil => None,
        Value::Double(d) => Some(*d),
        Value::Int(i) => Some(*i as f64),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::Str(s) => Some(
            parse_go_float(s)
                .ok_or_else(|| EvalError::new(format!("strconv.ParseFloat: parsing {s:?}: invalid syntax")))?,
        ),
        v => return Err(EvalError::new(format!("unsupported type: {}", v.type_name()))),
    })
}

fn log(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| {
        let x = float_like(&eval(&target, ctx)?)?.ok_or_else(|| EvalError::new("expected float64 but got nil"))?;
        if x <= 0.0 {
            return Err(EvalError::new("value must be greater than zero"));
        }
        Ok(Value::Double(x.ln()))
    }))
}

fn is_valid_luhn(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| {
        let digits = match eval(&target, ctx)? {
            Value::Int(i) if i >= 0 => i.to_string(),
            Value::Str(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.into_owned(),
            Value::Str(_) => return Err(EvalError::new("invalid characters, only numbers are allowed")),
            v => return Err(EvalError::new(format!("unsupported type: {}", v.type_name()))),
        };
        let sum: u32 = digits
            .bytes()
            .rev()
            .enumerate()
            .map(|(i, b)| {
                let d = u32::from(b - b'0');
                if i % 2 == 1 {
                    let x = d * 2;
                    if x > 9 {
                        x - 9
                    } else {
                        x
                    }
                } else {
                    d
                }
            })
            .sum();
        Ok(Value::Bool(sum % 10 == 0))
    }))
}

/// `Sort(target, order?)`: ints as ints, doubles (or ints and doubles) as
/// numbers, strings as strings, anything else scalar as strings; the items
/// keep their types. Maps, slices and bytes are an error.
fn sort(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let at = a.at_of(1);
    let desc = match a.opt_str_lit(1)?.as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(o) => return Err(a.err(at, format!("invalid sort order {o:?}, valid values are 'asc' and 'desc'"))),
    };
    Ok(conv(move |ctx| {
        let items: Vec<AnyValue> = match eval(&target, ctx)? {
            Value::List(l) => l.into_owned(),
            Value::Nil => return Ok(Value::Nil),
            v => return Err(EvalError::new(format!("sort with unsupported type: '{}'", v.type_name()))),
        };
        let vals: Vec<Value> = items.iter().map(Value::from_any).collect();
        let numeric = vals.iter().all(|v| matches!(v, Value::Int(_) | Value::Double(_)));
        let mut keyed: Vec<(SortKey, usize)> = Vec::with_capacity(vals.len());
        for (i, v) in vals.iter().enumerate() {
            let key = match v {
                Value::Int(x) if numeric => SortKey::Num(*x as f64),
                Value::Double(x) if numeric => SortKey::Num(*x),
                Value::Str(s) => SortKey::Str(s.to_string()),
                Value::Int(_) | Value::Double(_) | Value::Bool(_) => {
                    SortKey::Str(v.string_like()?.map(Cow::into_owned).unwrap_or_default())
                }
                v => return Err(EvalError::new(format!("sort with unsupported type: '{}'", v.type_name()))),
            };
            keyed.push((key, i));
        }
        keyed.sort_by(|x, y| if desc { y.0.cmp_to(&x.0) } else { x.0.cmp_to(&y.0) });
        Ok(Value::List(Cow::Owned(keyed.into_iter().map(|(_, i)| items[i].clone()).collect())))
    }))
}

enum SortKey {
    Num(f64),
    Str(String),
}

impl SortKey {
    fn cmp_to(&self, o: &SortKey) -> Ordering {
        match (self, o) {
            (SortKey::Num(a), SortKey::Num(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
            (SortKey::Str(a), SortKey::Str(b)) => a.cmp(b),
            (SortKey::Num(_), SortKey::Str(_)) => Ordering::Less,
            (SortKey::Str(_), SortKey::Num(_)) => Ordering::Greater,
        }
    }
}

/// `IsInCIDR(target, networks)`: whether the address is in one of the networks.
fn is_in_cidr(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let networks = a.list(1)?;
    Ok(conv(move |ctx| {
        let v = eval(&target, ctx)?;
        let Ok(ip) = v.expect_str()?.parse::<IpAddr>() else { return Ok(Value::Bool(false)) };
        for n in eval_list(&networks, ctx)? {
            let n = n.expect_str()?.to_string();
            let (net, bits) = parse_cidr(&n).ok_or_else(|| EvalError::new(format!("invalid CIDR address: {n}")))?;
            if in_network(ip, net, bits) {
                return Ok(Value::Bool(true));
            }
        }
        Ok(Value::Bool(false))
    }))
}

fn parse_cidr(s: &str) -> Option<(IpAddr, u32)> {
    let (addr, bits) = s.split_once('/')?;
    let ip: IpAddr = addr.parse().ok()?;
    let bits: u32 = bits.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((ip, bits))
}

fn in_network(ip: IpAddr, net: IpAddr, bits: u32) -> bool {
    let (a, b, width) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(u32::from(a)), u128::from(u32::from(b)), 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        (IpAddr::V6(a), IpAddr::V4(b)) => match a.to_ipv4_mapped() {
            Some(a) => (u128::from(u32::from(a)), u128::from(u32::from(b)), 32),
            None => return false,
        },
        _ => return false,
    };
    if bits == 0 {
        return true;
    }
    let shift = width - bits;
    (a >> shift) == (b >> shift)
}
