//! OTTL's run-time values and how they map to OTLP `AnyValue`s, compare and
//! turn into strings, following otelcol's Go implementation.
//!
//! Values read from a record borrow from it (`Cow::Borrowed`), so conditions
//! such as `IsMatch(body["MESSAGE"], "...")` or `attributes["k"] == "v"` never
//! copy the record's data.

use std::borrow::Cow;
use std::fmt;

use opentelemetry_proto::tonic::common::v1::any_value::Value as Av;
use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, KeyValue, KeyValueList};

use crate::pdata;

mod compare;
mod typed;
pub use compare::{any_equal, compare, list_equal, map_equal};
pub use typed::{Id, Records, Struct};

/// A value during evaluation. `Map` and `List` are pdata's `pcommon.Map` and
/// `pcommon.Slice` (OTTL's list and map literals become the same).
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    Nil,
    Bool(bool),
    Int(i64),
    Double(f64),
    Str(Cow<'a, str>),
    Bytes(Cow<'a, [u8]>),
    Map(Cow<'a, [KeyValue]>),
    List(Cow<'a, [AnyValue]>),
    Time(Time),
    /// Nanoseconds, as Go's `time.Duration`.
    Duration(i64),
    /// A trace, span or profile ID (see [`typed`]).
    Id(Id),
    /// Span events, links, data points, exemplars or quantile values.
    Records(Records<'a>),
    /// A span's status, or an exponential histogram point's buckets.
    Struct(Struct<'a>),
}

pub use ferrocol_gotime::Time;

/// An error while evaluating a statement or condition; the processor's
/// `error_mode` decides what happens next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvalError(pub String);

impl EvalError {
    pub fn new(msg: impl Into<String>) -> Self {
        EvalError(msg.into())
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EvalError {}

pub type EvalResult<T> = Result<T, EvalError>;

impl<'a> Value<'a> {
    pub fn str(s: &'a str) -> Value<'a> {
        Value::Str(Cow::Borrowed(s))
    }

    pub fn string(s: String) -> Value<'static> {
        Value::Str(Cow::Owned(s))
    }

    /// The value inside an attribute or body; pdata's `Empty` is `nil`.
    pub fn from_any(v: &'a AnyValue) -> Value<'a> {
        match &v.value {
            None | Some(Av::StringValueStrindex(_)) => Value::Nil,
            Some(Av::StringValue(s)) => Value::Str(Cow::Borrowed(s)),
            Some(Av::BoolValue(b)) => Value::Bool(*b),
            Some(Av::IntValue(i)) => Value::Int(*i),
            Some(Av::DoubleValue(d)) => Value::Double(*d),
            Some(Av::BytesValue(b)) => Value::Bytes(Cow::Borrowed(b)),
            Some(Av::KvlistValue(kv)) => Value::Map(Cow::Borrowed(&kv.values)),
            Some(Av::ArrayValue(a)) => Value::List(Cow::Borrowed(&a.values)),
        }
    }

    pub fn from_opt_any(v: Option<&'a AnyValue>) -> Value<'a> {
        v.map_or(Value::Nil, Value::from_any)
    }

    /// A copy that borrows nothing.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Nil => Value::Nil,
            Value::Bool(b) => Value::Bool(b),
            Value::Int(i) => Value::Int(i),
            Value::Double(d) => Value::Double(d),
            Value::Str(s) => Value::Str(Cow::Owned(s.into_owned())),
            Value::Bytes(b) => Value::Bytes(Cow::Owned(b.into_owned())),
            Value::Map(m) => Value::Map(Cow::Owned(m.into_owned())),
            Value::List(l) => Value::List(Cow::Owned(l.into_owned())),
            Value::Time(t) => Value::Time(t),
            Value::Duration(d) => Value::Duration(d),
            Value::Id(id) => Value::Id(id),
            Value::Records(r) => Value::Records(r.into_owned()),
            Value::Struct(s) => Value::Struct(s.into_owned()),
        }
    }

    /// The value to store in an attribute or body. `None` for `nil`, and for
    /// times, durations, IDs, record slices and structs, which pdata values cannot
    /// hold (otelcol then leaves a field as it is, and creates a map entry empty).
    pub fn into_any(self) -> Option<AnyValue> {
        let v = match self {
            Value::Nil | Value::Time(_) | Value::Duration(_) | Value::Id(_) | Value::Records(_) | Value::Struct(_) => {
                return None
            }
            Value::Bool(b) => Av::BoolValue(b),
            Value::Int(i) => Av::IntValue(i),
            Value::Double(d) => Av::DoubleValue(d),
            Value::Str(s) => Av::StringValue(s.into_owned()),
            Value::Bytes(b) => Av::BytesValue(b.into_owned()),
            Value::Map(m) => Av::KvlistValue(KeyValueList { values: m.into_owned() }),
            Value::List(l) => Av::ArrayValue(ArrayValue { values: l.into_owned() }),
        };
        Some(AnyValue { value: Some(v) })
    }

    /// As an element of a list or map: `nil` (and times) become pdata's `Empty`.
    pub fn into_any_or_empty(self) -> AnyValue {
        self.into_any().unwrap_or(AnyValue { value: None })
    }

    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// The Go type name otelcol's messages use (`%T`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int64",
            Value::Double(_) => "float64",
            Value::Str(_) => "string",
            Value::Bytes(_) => "[]uint8",
            Value::Map(_) => "pcommon.Map",
            Value::List(_) => "pcommon.Slice",
            Value::Time(_) => "time.Time",
            Value::Duration(_) => "time.Duration",
            Value::Id(id) => id.type_name(),
            Value::Records(r) => r.type_name(),
            Value::Struct(s) => s.type_name(),
        }
    }

    /// A `StringGetter`: only strings.
    pub fn expect_str(&self) -> EvalResult<&str> {
        match self {
            Value::Str(s) => Ok(s),
            v => Err(type_error("string", v)),
        }
    }

    /// Like [`Value::expect_str`], keeping a borrowed string borrowed.
    pub fn into_str(self) -> EvalResult<Cow<'a, str>> {
        match self {
            Value::Str(s) => Ok(s),
            v => Err(type_error("string", &v)),
        }
    }

    pub fn expect_int(&self) -> EvalResult<i64> {
        match self {
            Value::Int(i) => Ok(*i),
            v => Err(type_error("int64", v)),
        }
    }

    pub fn expect_time(&self) -> EvalResult<Time> {
        match self {
            Value::Time(t) => Ok(*t),
            v => Err(type_error("time.Time", v)),
        }
    }

    /// A `PMapGetter`.
    pub fn into_map(self) -> EvalResult<Cow<'a, [KeyValue]>> {
        match self {
            Value::Map(m) => Ok(m),
            v => Err(type_error("pcommon.Map", &v)),
        }
    }

    /// A slice getter.
    pub fn into_list(self) -> EvalResult<Cow<'a, [AnyValue]>> {
        match self {
            Value::List(l) => Ok(l),
            v => Err(type_error("pcommon.Slice", &v)),
        }
    }

    /// A `StringLikeGetter`: `None` for nil, otherwise the value as a string:
    /// bytes in hex, maps and slices as JSON, other values (IDs too) as
    /// `json.Marshal` writes them.
    pub fn string_like(&self) -> EvalResult<Option<Cow<'_, str>>> {
        let s = match self {
            Value::Nil => return Ok(None),
            Value::Str(s) => return Ok(Some(Cow::Borrowed(s))),
            Value::Bytes(b) => hex::encode(b),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Double(d) => {
                if !d.is_finite() {
                    return Err(EvalError::new(format!("json: unsupported value: {}", go_special_float(*d))));
                }
                let mut s = String::new();
                pdata::write_double(&mut s, *d);
                s
            }
            Value::Map(m) => {
                let mut s = String::new();
                pdata::write_json_map(&mut s, m).map_err(|_| EvalError::new("json: unsupported value: NaN"))?;
                s
            }
            Value::List(l) => {
                let mut s = String::new();
                pdata::write_json_list(&mut s, l).map_err(|_| EvalError::new("json: unsupported value: NaN"))?;
                s
            }
            Value::Time(t) => format!("\"{}\"", ferrocol_gotime::gofmt::rfc3339_nano(&t.to_chrono())),
            Value::Duration(d) => d.to_string(),
            Value::Id(id) => id.json(),
            // A pdata slice or struct is a struct of unexported fields to `json.Marshal`.
            Value::Records(_) | Value::Struct(_) => "{}".to_string(),
        };
        Ok(Some(Cow::Owned(s)))
    }
}

fn go_special_float(d: f64) -> &'static str {
    if d.is_nan() {
        "NaN"
    } else if d > 0.0 {
        "+Inf"
    } else {
        "-Inf"
    }
}

/// `expected string but got int64`, as otelcol's typed getters say.
pub fn type_error(expected: &str, got: &Value) -> EvalError {
    EvalError::new(format!("expected {expected} but got {}", got.type_name()))
}

/// The first entry with `key` (pcommon's `Map.Get`).
pub fn map_get<'m>(kvs: &'m [KeyValue], key: &str) -> Option<&'m KeyValue> {
    kvs.iter().find(|kv| kv.key == key)
}

pub fn map_get_mut<'m>(kvs: &'m mut [KeyValue], key: &str) -> Option<&'m mut KeyValue> {
    kvs.iter_mut().find(|kv| kv.key == key)
}

/// pcommon's `Map.PutEmpty` then return the value slot: an existing key is reused.
pub fn map_put_slot<'m>(kvs: &'m mut Vec<KeyValue>, key: &str) -> &'m mut AnyValue {
    let i = match kvs.iter().position(|kv| kv.key == key) {
        Some(i) => i,
        None => {
            kvs.push(KeyValue { key: key.to_string(), value: None, ..Default::default() });
            kvs.len() - 1
        }
    };
    kvs[i].value.get_or_insert(AnyValue { value: None })
}

/// `map.Put(key, value)`: replace the first entry with `key`, or append.
pub fn map_put(kvs: &mut Vec<KeyValue>, key: &str, value: AnyValue) {
    *map_put_slot(kvs, key) = value;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdata::{kv, str_value};

    #[test]
    fn string_like_forms() {
        let f = |v: Value| v.string_like().unwrap().map(|c| c.into_owned());
        assert_eq!(f(Value::Nil), None);
        assert_eq!(f(Value::Int(-3)).as_deref(), Some("-3"));
        assert_eq!(f(Value::Double(1.0)).as_deref(), Some("1"));
        assert_eq!(f(Value::Double(1e21)).as_deref(), Some("1e+21"));
        assert_eq!(f(Value::Bytes(Cow::Owned(vec![0xab, 1]))).as_deref(), Some("ab01"));
        let m = vec![kv("b", str_value("<")), kv("a", AnyValue { value: Some(Av::IntValue(1)) })];
        assert_eq!(f(Value::Map(Cow::Owned(m))).as_deref(), Some(r#"{"a":1,"b":"\u003c"}"#));
        assert!(Value::Double(f64::NAN).string_like().is_err());
    }
}
