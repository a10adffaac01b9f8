//! Parsing converters: `ParseJSON`, `ParseKeyValue`, `ExtractPatterns`.

use std::borrow::Cow;

use opentelemetry_proto::tonic::common::v1::any_value::Value as Av;
use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, KeyValue, KeyValueList};

use super::strings::regex_arg;
use super::{conv, Converter, Spec};
use crate::compile::{opt, req, Args};
use crate::eval::eval;
use crate::lexer::PosError;
use crate::pdata::str_value;
use crate::value::{map_put, EvalError, EvalResult, Value};

pub static SPECS: &[Spec] = &[
    Spec { name: "ParseJSON", params: &[req("target")], build: parse_json },
    Spec {
        name: "ParseKeyValue",
        params: &[req("target"), opt("delimiter"), opt("pair_delimiter")],
        build: parse_key_value,
    },
    Spec { name: "ExtractPatterns", params: &[req("target"), req("pattern")], build: extract_patterns },
];

/// `ParseJSON(target)`: an object becomes a map, an array a slice; numbers are
/// doubles and `null` is empty, as Go's decoder gives them.
fn parse_json(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| {
        let v = eval(&target, ctx)?;
        let parsed: serde_json::Value =
            serde_json::from_str(v.expect_str()?).map_err(|e| EvalError::new(format!("ParseJSON: {e}")))?;
        match json_to_any(parsed, false).value {
            Some(Av::KvlistValue(m)) => Ok(Value::Map(Cow::Owned(m.values))),
            Some(Av::ArrayValue(l)) => Ok(Value::List(Cow::Owned(l.values))),
            _ => Err(EvalError::new("ParseJSON: the JSON document is neither an object nor an array")),
        }
    }))
}

/// A JSON value as a pdata value. Go's decoder gives every number as a
/// float64; with `ints`, integral numbers are ints instead (as pdata's
/// `FromRaw` stores values written in a config).
pub fn json_to_any(v: serde_json::Value, ints: bool) -> AnyValue {
    let inner = match v {
        serde_json::Value::Null => None,
        serde_json::Value::Bool(b) => Some(Av::BoolValue(b)),
        serde_json::Value::Number(n) => Some(match n.as_i64().filter(|_| ints) {
            Some(i) => Av::IntValue(i),
            None => Av::DoubleValue(n.as_f64().unwrap_or(f64::NAN)),
        }),
        serde_json::Value::String(s) => Some(Av::StringValue(s)),
        serde_json::Value::Array(items) => {
            Some(Av::ArrayValue(ArrayValue { values: items.into_iter().map(|i| json_to_any(i, ints)).collect() }))
        }
        serde_json::Value::Object(m) => {
            let mut values: Vec<KeyValue> = Vec::with_capacity(m.len());
            for (k, v) in m {
                map_put(&mut values, &k, json_to_any(v, ints));
            }
            Some(Av::KvlistValue(KeyValueList { values }))
        }
    };
    AnyValue { value: inner }
}

/// `ParseKeyValue(target, delimiter = "=", pair_delimiter = " ")`: pairs split
/// outside quotes, outer quotes removed, keys and values trimmed; every value a string.
fn parse_key_value(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let at = a.at;
    let delim = a.opt_str_lit(1)?.filter(|d| !d.is_empty()).unwrap_or_else(|| "=".to_string());
    let pair_delim = a.opt_str_lit(2)?.filter(|d| !d.is_empty()).unwrap_or_else(|| " ".to_string());
    if pair_delim == delim {
        return Err(a.err(at, format!("pair delimiter {pair_delim:?} cannot be equal to delimiter {delim:?}")));
    }
    Ok(conv(move |ctx| {
        let v = eval(&target, ctx)?;
        let source = v.expect_str()?;
        if source.is_empty() {
            return Err(EvalError::new("cannot parse from empty target"));
        }
        let pairs = split_quoted(source, &pair_delim)
            .map_err(|e| EvalError::new(format!("splitting source {source:?} into pairs failed: {e}")))?;
        let mut out = Vec::with_capacity(pairs.len());
        for p in pairs {
            let Some((k, v)) = p.split_once(delim.as_str()) else {
                return Err(EvalError::new(format!("cannot split {p:?} into 2 items, got 1 item(s)")));
            };
            map_put(&mut out, k.trim(), str_value(v.trim()));
        }
        Ok(Value::Map(Cow::Owned(out)))
    }))
}

/// otelcol's `parseutils.SplitString`: split on `delimiter` outside single or
/// double quotes; outer quotes are removed, a backslash keeps the next quote;
/// empty pieces are skipped.
pub fn split_quoted(input: &str, delimiter: &str) -> EvalResult<Vec<String>> {
    let b = input.as_bytes();
    let d = delimiter.as_bytes();
    let mut out = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let mut quote: Option<u8> = None;
    let mut escaped = false;
    let mut i = 0;
    while i < b.len() {
        if quote.is_none() && b[i..].starts_with(d) {
            if !cur.is_empty() {
                out.push(String::from_utf8_lossy(&cur).into_owned());
                cur.clear();
            }
            i += d.len();
            continue;
        }
        let c = b[i];
        if !escaped {
            if quote.is_none() && (c == b'"' || c == b'\'') {
                quote = Some(c);
                i += 1;
                continue;
            }
            if quote == Some(c) {
                quote = None;
                i += 1;
                continue;
            }
            escaped = c == b'\\';
        } else {
            escaped = false;
        }
        cur.push(c);
        i += 1;
    }
    if quote.is_some() {
        return Err(EvalError::new("never reached the end of a quoted value"));
    }
    if !cur.is_empty() {
        out.push(String::from_utf8_lossy(&cur).into_owned());
    }
    Ok(out)
}

/// `ExtractPatterns(target, pattern)`: the named groups of the first match
/// (an empty map when nothing matches).
fn extract_patterns(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let at = a.at_of(1);
    let re = regex_arg(a, 1)?;
    if re.capture_names().flatten().next().is_none() {
        return Err(a.err(at, "at least 1 named capture group must be supplied in the given regex"));
    }
    Ok(conv(move |ctx| {
        let v = eval(&target, ctx)?;
        let s = v.expect_str()?;
        let mut out = Vec::new();
        if let Some(caps) = re.captures(s) {
            for (i, name) in re.capture_names().enumerate() {
                if let Some(name) = name {
                    let m = caps.get(i).map_or("", |m| m.as_str());
                    map_put(&mut out, name, str_value(m));
                }
            }
        }
        Ok(Value::Map(Cow::Owned(out)))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_quoted_like_parseutils() {
        assert_eq!(split_quoted("k1=v1 k2=v2", " ").unwrap(), ["k1=v1", "k2=v2"]);
        assert_eq!(split_quoted("a=\"x y\"  b='1 2'", " ").unwrap(), ["a=x y", "b=1 2"]);
        assert_eq!(split_quoted("k1!v1_k2!v2", "_").unwrap(), ["k1!v1", "k2!v2"]);
        assert_eq!(split_quoted("a=\"x\\\"y\"", " ").unwrap(), ["a=x\\\"y"]);
        assert!(split_quoted("a=\"x", " ").is_err());
    }
}
