//! `ParseSeverity(target, mapping)`: the name of the log level whose criteria
//! match `target`. `mapping` is `{"<level>": [criteria, ...]}`; a criterion
//! is `{"equals": ["inf", ...]}` (strings) or `{"range": {"min": 200, "max":
//! 299}}` / `{"range": "2xx"}` (ints, bounds inclusive). Levels are tried in
//! the map's order; the first level with a matching criterion wins.

use std::borrow::Cow;

use opentelemetry_proto::tonic::common::v1::any_value::Value as Av;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};

use super::{conv, Converter, Spec};
use crate::compile::{req, Args};
use crate::eval::eval;
use crate::lexer::PosError;
use crate::value::{map_get, EvalError, EvalResult, Value};

pub static SPECS: &[Spec] =
    &[Spec { name: "ParseSeverity", params: &[req("target"), req("mapping")], build: parse_severity }];

fn parse_severity(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let mapping = a.getter(1)?;
    Ok(conv(move |ctx| {
        let m =
            eval(&mapping, ctx)?.into_map().map_err(|e| EvalError::new(format!("cannot get severity mapping: {e}")))?;
        let v = eval(&target, ctx).map_err(|e| EvalError::new(format!("could not get log level: {e}")))?;
        let level = evaluate(&m, &v).map_err(|e| EvalError::new(format!("could not map log level: {e}")))?;
        Ok(Value::string(level))
    }))
}

fn evaluate(mapping: &[KeyValue], v: &Value) -> EvalResult<String> {
    for level in mapping {
        let criteria = match level.value.as_ref().and_then(|v| v.value.as_ref()) {
            Some(Av::ArrayValue(a)) => &a.values,
            _ => return Err(EvalError::new("severity mapping criteria must be []any")),
        };
        for c in criteria {
            let Some(Av::KvlistValue(c)) = &c.value else {
                return Err(EvalError::new("severity mapping criteria items must be map[string]any"));
            };
            let matched = matches(&c.values, v)
                .map_err(|e| EvalError::new(format!("could not evaluate log level of value '{}': {e}", go_value(v))))?;
            if matched {
                return Ok(level.key.clone());
            }
        }
    }
    Err(EvalError::new(format!("no matching log level found for value '{}'", go_value(v))))
}

fn matches(criterion: &[KeyValue], v: &Value) -> EvalResult<bool> {
    match v {
        Value::Str(s) => Ok(match map_get(criterion, "equals").and_then(|kv| kv.value.as_ref()) {
            Some(AnyValue { value: Some(Av::ArrayValue(a)) }) => {
                a.values.iter().any(|x| matches!(&x.value, Some(Av::StringValue(e)) if e == s))
            }
            _ => false,
        }),
        Value::Int(i) => {
            let Some(range) = map_get(criterion, "range").and_then(|kv| kv.value.as_ref()) else {
                return Ok(false);
            };
            let (min, max) = match &range.value {
                Some(Av::StringValue(s)) => match s.as_str() {
                    "2xx" => (200, 299),
                    "3xx" => (300, 399),
                    "4xx" => (400, 499),
                    "5xx" => (500, 599),
                    _ => return Err(invalid(&format!("unknown range placeholder {s}"))),
                },
                Some(Av::KvlistValue(m)) => (bound(&m.values, "min")?, bound(&m.values, "max")?),
                _ => return Err(invalid("range must be a map or a placeholder string")),
            };
            Ok(min <= *i && *i <= max)
        }
        _ => Err(EvalError::new("log level must be either string or int")),
    }
}

fn bound(range: &[KeyValue], name: &str) -> EvalResult<i64> {
    match map_get(range, name).and_then(|kv| kv.value.as_ref()).and_then(|v| v.value.as_ref()) {
        None => Err(invalid(&format!("range must have a {name} value"))),
        Some(Av::IntValue(i)) => Ok(*i),
        Some(_) => Err(invalid(&format!("{name} must be an int64"))),
    }
}

fn invalid(msg: &str) -> EvalError {
    EvalError::new(format!("invalid severity mapping criteria: {msg}"))
}

/// The value as Go's `%v` prints it, for messages.
fn go_value(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        Value::Map(m) => {
            let mut kvs: Vec<String> = m.iter().map(|kv| format!("{}:{}", kv.key, any_go(kv.value.as_ref()))).collect();
            kvs.sort();
            format!("map[{}]", kvs.join(" "))
        }
        v => v.string_like().ok().flatten().map_or_else(|| "<nil>".to_string(), Cow::into_owned),
    }
}

fn any_go(v: Option<&AnyValue>) -> String {
    let mut s = String::new();
    crate::pdata::write_as_string(&mut s, v);
    s
}
