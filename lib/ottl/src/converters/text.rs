//! More string converters: `ConvertCase`, `ToSnakeCase`, `ToCamelCase`,
//! `TrimPrefix`, `TrimSuffix`, `Base64Encode`, `Base64Decode`,
//! `ToKeyValueString`, `ParseInt` (and the `Decode` entry; see `decode.rs`).

use std::borrow::Cow;

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;

use super::{conv, Converter, Spec};
use crate::compile::{opt, req, Args};
use crate::eval::eval;
use crate::lexer::PosError;
use crate::value::{EvalError, Value};

pub static SPECS: &[Spec] = &[
    Spec { name: "ConvertCase", params: &[req("target"), req("to_case")], build: convert_case },
    Spec { name: "ToSnakeCase", params: &[req("target")], build: |a| string_fn(a, to_snake) },
    Spec { name: "ToCamelCase", params: &[req("target")], build: |a| string_fn(a, to_camel) },
    Spec { name: "TrimPrefix", params: &[req("target"), req("prefix")], build: |a| trim_affix(a, true) },
    Spec { name: "TrimSuffix", params: &[req("target"), req("suffix")], build: |a| trim_affix(a, false) },
    Spec { name: "Base64Encode", params: &[req("target"), opt("variant")], build: base64_encode },
    Spec { name: "Base64Decode", params: &[req("target")], build: base64_decode },
    Spec { name: "Decode", params: &[req("target"), req("encoding")], build: super::decode::decode },
    Spec {
        name: "ToKeyValueString",
        params: &[req("target"), opt("delimiter"), opt("pair_delimiter"), opt("sort_output")],
        build: to_key_value_string,
    },
    Spec { name: "ParseInt", params: &[req("target"), req("base")], build: parse_int },
];

fn string_fn(a: &mut Args, f: fn(&str) -> String) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| Ok(Value::string(f(eval(&target, ctx)?.expect_str()?)))))
}

/// `ConvertCase(target, toCase)`: `lower`, `upper`, `snake` or `camel`; a
/// target that is not a string gives nil.
fn convert_case(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let at = a.at_of(1);
    let f: fn(&str) -> String = match a.str_lit(1)?.as_str() {
        "lower" => |s| s.to_lowercase(),
        "upper" => |s| s.to_uppercase(),
        "snake" => to_snake,
        "camel" => to_camel,
        other => return Err(a.err(at, format!("invalid case: {other}, allowed cases are: lower, upper, snake, camel"))),
    };
    Ok(conv(move |ctx| {
        Ok(match eval(&target, ctx)? {
            Value::Str(s) => Value::string(f(&s)),
            _ => Value::Nil,
        })
    }))
}

/// `strcase.ToSnake` (iancoleman/strcase, which otelcol uses): words split at
/// case changes, digits and `_ - . space`, joined by `_`, lowercase; an
/// acronym is one word (`JSONData` → `json_data`).
pub fn to_snake(s: &str) -> String {
    let b = s.trim().as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len() + 2);
    let (cap, low, num) = (|c: u8| c.is_ascii_uppercase(), |c: u8| c.is_ascii_lowercase(), |c: u8| c.is_ascii_digit());
    for (i, &c) in b.iter().enumerate() {
        let v = c.to_ascii_lowercase();
        if let Some(&next) = b.get(i + 1) {
            let change = (cap(c) && (low(next) || num(next)))
                || (low(c) && (cap(next) || num(next)))
                || (num(c) && (cap(next) || low(next)));
            if change {
                if cap(c) && low(next) && i > 0 && cap(b[i - 1]) {
                    out.push(b'_');
                }
                out.push(v);
                if low(c) || num(c) || num(next) {
                    out.push(b'_');
                }
                continue;
            }
        }
        out.push(if matches!(c, b' ' | b'_' | b'-' | b'.') { b'_' } else { v });
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `strcase.ToCamel`: words capitalized and joined (`my_metric_name` → `MyMetricName`).
pub fn to_camel(s: &str) -> String {
    let t = s.trim();
    let mut out = String::with_capacity(t.len());
    let mut cap_next = true;
    let mut prev_cap = false;
    for c in t.chars() {
        let (is_cap, is_low) = (c.is_ascii_uppercase(), c.is_ascii_lowercase());
        let v = if cap_next {
            c.to_ascii_uppercase()
        } else if prev_cap && is_cap {
            c.to_ascii_lowercase()
        } else {
            c
        };
        prev_cap = is_cap;
        if is_cap || is_low {
            out.push(v);
            cap_next = false;
        } else if c.is_ascii_digit() {
            out.push(c);
            cap_next = true;
        } else {
            cap_next = matches!(c, '_' | ' ' | '-' | '.');
        }
    }
    out
}

fn trim_affix(a: &mut Args, prefix: bool) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let affix = a.getter(1)?;
    Ok(conv(move |ctx| {
        let v = eval(&target, ctx)?;
        let s = v.expect_str()?;
        let x = eval(&affix, ctx)?;
        let x = x.expect_str()?;
        let out = if prefix { s.strip_prefix(x) } else { s.strip_suffix(x) };
        Ok(Value::string(out.unwrap_or(s).to_string()))
    }))
}

fn engine(variant: &str) -> Option<&'static base64::engine::GeneralPurpose> {
    match variant {
        "base64" => Some(&STANDARD),
        "base64-raw" => Some(&STANDARD_NO_PAD),
        "base64-url" => Some(&URL_SAFE),
        "base64-raw-url" => Some(&URL_SAFE_NO_PAD),
        _ => None,
    }
}

fn base64_encode(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let variant = a.opt_getter(1)?;
    Ok(conv(move |ctx| {
        let v = eval(&target, ctx)?;
        let name = match &variant {
            Some(e) => eval(e, ctx)?.into_str()?.into_owned(),
            None => "base64".to_string(),
        };
        let eng = engine(&name).ok_or_else(|| EvalError::new(format!("unsupported base64 variant: {name}")))?;
        Ok(Value::string(eng.encode(v.expect_str()?)))
    }))
}

fn base64_decode(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| {
        let v = eval(&target, ctx)?;
        let bytes = STANDARD.decode(v.expect_str()?).map_err(|e| EvalError::new(e.to_string()))?;
        Ok(Value::string(String::from_utf8_lossy(&bytes).into_owned()))
    }))
}

/// `ToKeyValueString(target, delimiter?, pair_delimiter?, sort_output?)`:
/// `k=v` pairs; keys and values holding a delimiter are quoted (inner quotes
/// escaped); maps and slices as JSON.
fn to_key_value_string(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let at = a.at_of(1);
    let delim = a.opt_str_lit(1)?.unwrap_or_else(|| "=".into());
    let pair = a.opt_str_lit(2)?.unwrap_or_else(|| " ".into());
    let sort = a.opt_bool_lit(3)?.unwrap_or(false);
    if delim == pair {
        return Err(a.err(at, "pair delimiter cannot be equal to delimiter"));
    }
    Ok(conv(move |ctx| {
        let m = eval(&target, ctx)?.into_map()?;
        let mut pairs: Vec<(String, String)> = Vec::with_capacity(m.len());
        for kv in m.iter() {
            let v = Value::from_opt_any(kv.value.as_ref());
            let s = v.string_like()?.map(Cow::into_owned).unwrap_or_default();
            pairs.push((quote(&kv.key, &delim, &pair), quote(&s, &delim, &pair)));
        }
        if sort {
            pairs.sort();
        }
        let parts: Vec<String> = pairs.into_iter().map(|(k, v)| format!("{k}{delim}{v}")).collect();
        Ok(Value::string(parts.join(&pair)))
    }))
}

fn quote(s: &str, delim: &str, pair: &str) -> String {
    if s.contains(delim) || s.contains(pair) {
        format!("\"{}\"", s.replace('"', "\\\""))
    } else {
        s.to_string()
    }
}

/// `ParseInt(target, base)`: Go's `strconv.ParseInt(target, base, 64)`.
fn parse_int(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let base = a.getter(1)?;
    Ok(conv(move |ctx| {
        let v = eval(&target, ctx)?;
        let s = v.expect_str()?;
        let b = eval(&base, ctx)?.expect_int()?;
        go_parse_int(s, b).map(Value::Int).map_err(EvalError::new)
    }))
}

pub fn go_parse_int(s: &str, base: i64) -> Result<i64, String> {
    let syntax = || format!("strconv.ParseInt: parsing {s:?}: invalid syntax");
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits, underscores) = match base {
        0 => {
            let lower = body.to_ascii_lowercase();
            if lower.starts_with("0x") {
                (16, &body[2..], true)
            } else if lower.starts_with("0b") {
                (2, &body[2..], true)
            } else if lower.starts_with("0o") {
                (8, &body[2..], true)
            } else if body.len() > 1 && body.starts_with('0') {
                (8, &body[1..], true)
            } else {
                (10, body, true)
            }
        }
        2..=36 => (base as u32, body, false),
        _ => return Err(format!("strconv.ParseInt: parsing {s:?}: invalid base {base}")),
    };
    let cleaned: String = if underscores { digits.replace('_', "") } else { digits.to_string() };
    if cleaned.is_empty() || cleaned.starts_with(['+', '-']) {
        return Err(syntax());
    }
    let n = u64::from_str_radix(&cleaned, radix).map_err(|e| match e.kind() {
        std::num::IntErrorKind::PosOverflow => format!("strconv.ParseInt: parsing {s:?}: value out of range"),
        _ => syntax(),
    })?;
    let out = if neg { 0i64.checked_sub_unsigned(n) } else { i64::try_from(n).ok() };
    out.ok_or_else(|| format!("strconv.ParseInt: parsing {s:?}: value out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strcase_forms() {
        assert_eq!(to_snake("myMetric"), "my_metric");
        assert_eq!(to_snake("MyMetricName"), "my_metric_name");
        assert_eq!(to_snake("JSONData"), "json_data");
        assert_eq!(to_snake("http.server.duration"), "http_server_duration");
        assert_eq!(to_camel("my_metric_name"), "MyMetricName");
        assert_eq!(to_camel("http.server"), "HttpServer");
    }

    #[test]
    fn go_parse_int_forms() {
        assert_eq!(go_parse_int("0b1111_0000", 0), Ok(240));
        assert_eq!(go_parse_int("-0xFF", 0), Ok(-255));
        assert_eq!(go_parse_int("-0o123", 0), Ok(-83));
        assert_eq!(go_parse_int("AA", 16), Ok(170));
        assert_eq!(go_parse_int("-20", 8), Ok(-16));
        assert_eq!(go_parse_int("0xAA", 0), Ok(170));
        assert!(go_parse_int("1_0", 10).is_err());
        assert!(go_parse_int("x", 10).is_err());
    }
}
