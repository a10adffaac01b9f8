//! OTLP/JSON → prost types, lenient like otelcol's pdata decoder.

use serde_json::Value;

use base64::Engine as _;

use super::*;
// ---------------------------------------------------------------------------
// Decoding

/// A decoding problem and the path to it, innermost segment first.
#[derive(Debug)]
pub(super) struct DecodeError {
    rev_path: Vec<Seg>,
    message: String,
}

#[derive(Debug)]
enum Seg {
    Key(String),
    Index(usize),
}

impl DecodeError {
    fn new(message: impl Into<String>) -> Self {
        DecodeError { rev_path: Vec::new(), message: message.into() }
    }

    fn at(mut self, key: &str) -> Self {
        self.rev_path.push(Seg::Key(key.to_string()));
        self
    }

    fn at_index(mut self, i: usize) -> Self {
        self.rev_path.push(Seg::Index(i));
        self
    }
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (n, seg) in self.rev_path.iter().rev().enumerate() {
            match seg {
                Seg::Key(k) if n == 0 => f.write_str(k)?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(i) => write!(f, "[{i}]")?,
            }
        }
        if !self.rev_path.is_empty() {
            f.write_str(": ")?;
        }
        f.write_str(&self.message)
    }
}

pub(super) type R<T> = Result<T, DecodeError>;

/// `a string`, `a number`, ... for "expected X, found Y".
pub(super) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub(super) fn mismatch(expected: &str, v: &Value) -> DecodeError {
    DecodeError::new(format!("expected {expected}, found {}", kind(v)))
}

/// The setter of a message type: sets the field named by `key` (either
/// spelling) and leaves unknown keys alone.
pub(super) type Setter<T> = fn(&mut T, &str, Value) -> R<()>;

/// A message: each field of the object handed to `set`; `null` is the default.
pub(super) fn message<T: Default>(v: Value, set: Setter<T>) -> R<T> {
    let mut t = T::default();
    match v {
        Value::Null => {}
        Value::Object(m) => {
            for (k, v) in m {
                set(&mut t, &k, v).map_err(|e| e.at(&k))?;
            }
        }
        _ => return Err(mismatch("an object", &v)),
    }
    Ok(t)
}

/// A message-typed field: present (even if `{}`) or absent (`null`).
pub(super) fn optional<T: Default>(v: Value, set: Setter<T>) -> R<Option<T>> {
    if v.is_null() {
        return Ok(None);
    }
    message(v, set).map(Some)
}

/// A repeated field; `null` is empty.
pub(super) fn list<T>(v: Value, item: fn(Value) -> R<T>) -> R<Vec<T>> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items.into_iter().enumerate().map(|(i, x)| item(x).map_err(|e| e.at_index(i))).collect(),
        _ => Err(mismatch("an array", &v)),
    }
}

pub(super) fn string(v: Value) -> R<String> {
    match v {
        Value::Null => Ok(String::new()),
        Value::String(s) => Ok(s),
        _ => Err(mismatch("a string", &v)),
    }
}

pub(super) fn boolean(v: Value) -> R<bool> {
    match v {
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(b),
        _ => Err(mismatch("a boolean", &v)),
    }
}

/// Any integer field: a JSON number (exponents allowed if the value is whole) or
/// a decimal string, checked against the field's range.
pub(super) fn integer<T: TryFrom<i128>>(v: Value) -> R<T> {
    let wide: i128 = match &v {
        Value::Null => 0,
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                u.into()
            } else if let Some(i) = n.as_i64() {
                i.into()
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                if f.fract() != 0.0 || f.abs() > 1.9e19 {
                    return Err(DecodeError::new(format!("invalid integer {n}")));
                }
                f as i128
            }
        }
        Value::String(s) => s.trim().parse().map_err(|_| DecodeError::new(format!("invalid integer {s:?}")))?,
        _ => return Err(mismatch("an integer", &v)),
    };
    T::try_from(wide).map_err(|_| DecodeError::new(format!("integer {wide} out of range")))
}

/// A double: a JSON number, or a string (`"NaN"`, `"Infinity"`, `"-Infinity"`, `"1.5"`).
pub(super) fn double(v: Value) -> R<f64> {
    match &v {
        Value::Null => Ok(0.0),
        Value::Number(n) => Ok(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => match s.as_str() {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            _ => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .ok_or_else(|| DecodeError::new(format!("invalid number {s:?}"))),
        },
        _ => Err(mismatch("a number", &v)),
    }
}

/// Trace and span ids: hex (either case); the empty string is an empty id.
pub(super) fn hex_id(v: Value, len: usize) -> R<Vec<u8>> {
    let s = string(v)?;
    if s.is_empty() {
        return Ok(Vec::new());
    }
    match hex::decode(&s) {
        Ok(b) if b.len() == len => Ok(b),
        Ok(b) => Err(DecodeError::new(format!("invalid id {s:?}: {} bytes, expected {len}", b.len()))),
        Err(_) => Err(DecodeError::new(format!("invalid hex id {s:?}"))),
    }
}

/// `bytes` fields: base64, standard or URL-safe alphabet, padded or not.
pub(super) fn base64_bytes(v: Value) -> R<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let s = string(v)?;
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|e| e.decode(&s).ok())
        .ok_or_else(|| DecodeError::new(format!("invalid base64 {s:?}")))
}

/// An integer, or the enum value's name (`SEVERITY_NUMBER_INFO`).
pub(super) fn severity(v: Value) -> R<i32> {
    if let Value::String(s) = &v {
        if let Some(n) = SeverityNumber::from_str_name(s) {
            return Ok(n as i32);
        }
        if s.trim().parse::<i32>().is_err() {
            return Err(DecodeError::new(format!("invalid severity number {s:?}")));
        }
    }
    integer(v)
}

pub(super) fn resource_logs(v: Value) -> R<ResourceLogs> {
    message(v, |rl: &mut ResourceLogs, k, v| {
        match k {
            "resource" => rl.resource = optional(v, resource)?,
            "scopeLogs" | "scope_logs" => rl.scope_logs = list(v, scope_logs)?,
            "schemaUrl" | "schema_url" => rl.schema_url = string(v)?,
            _ => {}
        }
        Ok(())
    })
}

pub(super) fn resource(r: &mut Resource, k: &str, v: Value) -> R<()> {
    match k {
        "attributes" => r.attributes = list(v, key_value)?,
        "droppedAttributesCount" | "dropped_attributes_count" => r.dropped_attributes_count = integer(v)?,
        "entityRefs" | "entity_refs" => r.entity_refs = list(v, entity_ref)?,
        _ => {}
    }
    Ok(())
}

pub(super) fn entity_ref(v: Value) -> R<EntityRef> {
    message(v, |e: &mut EntityRef, k, v| {
        match k {
            "schemaUrl" | "schema_url" => e.schema_url = string(v)?,
            "type" => e.r#type = string(v)?,
            "idKeys" | "id_keys" => e.id_keys = list(v, string)?,
            "descriptionKeys" | "description_keys" => e.description_keys = list(v, string)?,
            _ => {}
        }
        Ok(())
    })
}

pub(super) fn scope_logs(v: Value) -> R<ScopeLogs> {
    message(v, |sl: &mut ScopeLogs, k, v| {
        match k {
            "scope" => sl.scope = optional(v, scope)?,
            "logRecords" | "log_records" => sl.log_records = list(v, log_record)?,
            "schemaUrl" | "schema_url" => sl.schema_url = string(v)?,
            _ => {}
        }
        Ok(())
    })
}

pub(super) fn scope(s: &mut InstrumentationScope, k: &str, v: Value) -> R<()> {
    match k {
        "name" => s.name = string(v)?,
        "version" => s.version = string(v)?,
        "attributes" => s.attributes = list(v, key_value)?,
        "droppedAttributesCount" | "dropped_attributes_count" => s.dropped_attributes_count = integer(v)?,
        _ => {}
    }
    Ok(())
}

pub(super) fn log_record(v: Value) -> R<LogRecord> {
    message(v, |r: &mut LogRecord, k, v| {
        match k {
            "timeUnixNano" | "time_unix_nano" => r.time_unix_nano = integer(v)?,
            "observedTimeUnixNano" | "observed_time_unix_nano" => r.observed_time_unix_nano = integer(v)?,
            "severityNumber" | "severity_number" => r.severity_number = severity(v)?,
            "severityText" | "severity_text" => r.severity_text = string(v)?,
            "body" => r.body = optional(v, any_value)?,
            "attributes" => r.attributes = list(v, key_value)?,
            "droppedAttributesCount" | "dropped_attributes_count" => r.dropped_attributes_count = integer(v)?,
            "flags" => r.flags = integer(v)?,
            "traceId" | "trace_id" => r.trace_id = hex_id(v, 16)?,
            "spanId" | "span_id" => r.span_id = hex_id(v, 8)?,
            "eventName" | "event_name" => r.event_name = string(v)?,
            _ => {}
        }
        Ok(())
    })
}

pub(super) fn key_value(v: Value) -> R<KeyValue> {
    message(v, |kv: &mut KeyValue, k, v| {
        match k {
            "key" => kv.key = string(v)?,
            "value" => kv.value = optional(v, any_value)?,
            "keyStrindex" | "key_strindex" => kv.key_strindex = integer(v)?,
            _ => {}
        }
        Ok(())
    })
}

/// One of the `AnyValue` shapes; `{}` is an empty value. A value that gives
/// several shapes is malformed; one of them is kept (serde_json's map does not
/// keep the key order, so which one is not specified).
pub(super) fn any_value(out: &mut AnyValue, k: &str, v: Value) -> R<()> {
    use any_value::Value as V;
    if v.is_null() {
        return Ok(());
    }
    out.value = Some(match k {
        "stringValue" | "string_value" => V::StringValue(string(v)?),
        "boolValue" | "bool_value" => V::BoolValue(boolean(v)?),
        "intValue" | "int_value" => V::IntValue(integer(v)?),
        "doubleValue" | "double_value" => V::DoubleValue(double(v)?),
        "bytesValue" | "bytes_value" => V::BytesValue(base64_bytes(v)?),
        "arrayValue" | "array_value" => V::ArrayValue(message(v, |a: &mut ArrayValue, k, v| {
            if k == "values" {
                a.values = list(v, |x| message(x, any_value))?;
            }
            Ok(())
        })?),
        "kvlistValue" | "kvlist_value" => V::KvlistValue(message(v, |l: &mut KeyValueList, k, v| {
            if k == "values" {
                l.values = list(v, key_value)?;
            }
            Ok(())
        })?),
        "stringValueStrindex" | "string_value_strindex" => V::StringValueStrindex(integer(v)?),
        _ => return Ok(()),
    });
    Ok(())
}

pub(super) fn partial_success(p: &mut ExportLogsPartialSuccess, k: &str, v: Value) -> R<()> {
    match k {
        "rejectedLogRecords" | "rejected_log_records" => p.rejected_log_records = integer(v)?,
        "errorMessage" | "error_message" => p.error_message = string(v)?,
        _ => {}
    }
    Ok(())
}
