//! OTLP/JSON for logs (`opentelemetry-proto/docs/specification.md`, "JSON Protobuf
//! Encoding"), for the otlp receiver and the otlphttp exporter.
//!
//! Decoding is lenient the way otelcol's pdata decoder is: lowerCamelCase and
//! snake_case keys, 64-bit integers as strings or numbers, enums as integers or
//! names, `null` as absent, unknown keys ignored. Errors name the JSON path of
//! the bad value: `resourceLogs[0].scopeLogs[1].logRecords[3].timeUnixNano: ...`.
//!
//! Encoding is spec-exact: lowerCamelCase keys, hex trace and span ids, 64-bit
//! integers as decimal strings, enums as integers, base64 bytes, and fields at
//! their default value left out. It writes straight into one `Vec<u8>`.

use base64::Engine as _;
use serde_json::Value;

pub use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceRequest, ExportLogsServiceResponse,
};

use crate::event::{any_value, AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList};
use crate::event::{LogRecord, Resource, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::common::v1::EntityRef;
use opentelemetry_proto::tonic::logs::v1::SeverityNumber;

/// Decode an OTLP/JSON `ExportLogsServiceRequest`.
pub fn decode_logs_request(bytes: &[u8]) -> Result<ExportLogsServiceRequest, String> {
    let root: Value = serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
    message(root, |req: &mut ExportLogsServiceRequest, k, v| {
        if let "resourceLogs" | "resource_logs" = k {
            req.resource_logs = list(v, resource_logs)?;
        }
        Ok(())
    })
    .map_err(|e| e.to_string())
}

/// Decode an OTLP/JSON `ExportLogsServiceResponse` (what an OTLP/HTTP server
/// answers); an empty body is an empty response.
pub fn decode_logs_response(bytes: &[u8]) -> Result<ExportLogsServiceResponse, String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(ExportLogsServiceResponse::default());
    }
    let root: Value = serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
    message(root, |resp: &mut ExportLogsServiceResponse, k, v| {
        if let "partialSuccess" | "partial_success" = k {
            resp.partial_success = optional(v, partial_success)?;
        }
        Ok(())
    })
    .map_err(|e| e.to_string())
}

/// Encode `resource_logs` as an OTLP/JSON `ExportLogsServiceRequest`.
pub fn encode_logs_request(resource_logs: &[ResourceLogs]) -> Vec<u8> {
    let records = crate::event::count_records(resource_logs);
    let mut out = Vec::with_capacity(64 + records * 256);
    let mut o = Obj::open(&mut out);
    if !resource_logs.is_empty() {
        o.key("resourceLogs");
        write_list(o.out, resource_logs, write_resource_logs);
    }
    o.close();
    out
}

// ---------------------------------------------------------------------------
// Decoding

/// A decoding problem and the path to it, innermost segment first.
#[derive(Debug)]
struct DecodeError {
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

type R<T> = Result<T, DecodeError>;

/// `a string`, `a number`, ... for "expected X, found Y".
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn mismatch(expected: &str, v: &Value) -> DecodeError {
    DecodeError::new(format!("expected {expected}, found {}", kind(v)))
}

/// The setter of a message type: sets the field named by `key` (either
/// spelling) and leaves unknown keys alone.
type Setter<T> = fn(&mut T, &str, Value) -> R<()>;

/// A message: each field of the object handed to `set`; `null` is the default.
fn message<T: Default>(v: Value, set: Setter<T>) -> R<T> {
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
fn optional<T: Default>(v: Value, set: Setter<T>) -> R<Option<T>> {
    if v.is_null() {
        return Ok(None);
    }
    message(v, set).map(Some)
}

/// A repeated field; `null` is empty.
fn list<T>(v: Value, item: fn(Value) -> R<T>) -> R<Vec<T>> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items.into_iter().enumerate().map(|(i, x)| item(x).map_err(|e| e.at_index(i))).collect(),
        _ => Err(mismatch("an array", &v)),
    }
}

fn string(v: Value) -> R<String> {
    match v {
        Value::Null => Ok(String::new()),
        Value::String(s) => Ok(s),
        _ => Err(mismatch("a string", &v)),
    }
}

fn boolean(v: Value) -> R<bool> {
    match v {
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(b),
        _ => Err(mismatch("a boolean", &v)),
    }
}

/// Any integer field: a JSON number (exponents allowed if the value is whole) or
/// a decimal string, checked against the field's range.
fn integer<T: TryFrom<i128>>(v: Value) -> R<T> {
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
fn double(v: Value) -> R<f64> {
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
fn hex_id(v: Value, len: usize) -> R<Vec<u8>> {
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
fn base64_bytes(v: Value) -> R<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let s = string(v)?;
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|e| e.decode(&s).ok())
        .ok_or_else(|| DecodeError::new(format!("invalid base64 {s:?}")))
}

/// An integer, or the enum value's name (`SEVERITY_NUMBER_INFO`).
fn severity(v: Value) -> R<i32> {
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

fn resource_logs(v: Value) -> R<ResourceLogs> {
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

fn resource(r: &mut Resource, k: &str, v: Value) -> R<()> {
    match k {
        "attributes" => r.attributes = list(v, key_value)?,
        "droppedAttributesCount" | "dropped_attributes_count" => r.dropped_attributes_count = integer(v)?,
        "entityRefs" | "entity_refs" => r.entity_refs = list(v, entity_ref)?,
        _ => {}
    }
    Ok(())
}

fn entity_ref(v: Value) -> R<EntityRef> {
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

fn scope_logs(v: Value) -> R<ScopeLogs> {
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

fn scope(s: &mut InstrumentationScope, k: &str, v: Value) -> R<()> {
    match k {
        "name" => s.name = string(v)?,
        "version" => s.version = string(v)?,
        "attributes" => s.attributes = list(v, key_value)?,
        "droppedAttributesCount" | "dropped_attributes_count" => s.dropped_attributes_count = integer(v)?,
        _ => {}
    }
    Ok(())
}

fn log_record(v: Value) -> R<LogRecord> {
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

fn key_value(v: Value) -> R<KeyValue> {
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
fn any_value(out: &mut AnyValue, k: &str, v: Value) -> R<()> {
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

fn partial_success(p: &mut ExportLogsPartialSuccess, k: &str, v: Value) -> R<()> {
    match k {
        "rejectedLogRecords" | "rejected_log_records" => p.rejected_log_records = integer(v)?,
        "errorMessage" | "error_message" => p.error_message = string(v)?,
        _ => {}
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Encoding

/// An object being written: puts the commas between fields.
struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    fn open(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Obj { out, first: true }
    }

    /// Start a field; `name` is one of our own keys, which need no escaping.
    fn key(&mut self, name: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    fn str(&mut self, name: &str, s: &str) {
        if !s.is_empty() {
            self.key(name);
            write_str(self.out, s);
        }
    }

    /// A 32-bit integer: a JSON number.
    fn int32(&mut self, name: &str, n: i64) {
        if n != 0 {
            self.key(name);
            write_int(self.out, n);
        }
    }

    /// A 64-bit unsigned integer: a decimal string.
    fn uint64(&mut self, name: &str, n: u64) {
        if n != 0 {
            self.key(name);
            self.out.push(b'"');
            write_uint(self.out, n);
            self.out.push(b'"');
        }
    }

    fn hex(&mut self, name: &str, id: &[u8]) {
        if !id.is_empty() {
            self.key(name);
            self.out.push(b'"');
            write_hex(self.out, id);
            self.out.push(b'"');
        }
    }

    fn key_values(&mut self, name: &str, kvs: &[KeyValue]) {
        if !kvs.is_empty() {
            self.key(name);
            write_list(self.out, kvs, write_key_value);
        }
    }

    fn close(self) {
        self.out.push(b'}');
    }
}

fn write_list<T>(out: &mut Vec<u8>, items: &[T], f: fn(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        f(out, item);
    }
    out.push(b']');
}

fn write_resource_logs(out: &mut Vec<u8>, rl: &ResourceLogs) {
    let mut o = Obj::open(out);
    if let Some(r) = &rl.resource {
        o.key("resource");
        write_resource(o.out, r);
    }
    if !rl.scope_logs.is_empty() {
        o.key("scopeLogs");
        write_list(o.out, &rl.scope_logs, write_scope_logs);
    }
    o.str("schemaUrl", &rl.schema_url);
    o.close();
}

fn write_resource(out: &mut Vec<u8>, r: &Resource) {
    let mut o = Obj::open(out);
    o.key_values("attributes", &r.attributes);
    o.int32("droppedAttributesCount", r.dropped_attributes_count.into());
    if !r.entity_refs.is_empty() {
        o.key("entityRefs");
        write_list(o.out, &r.entity_refs, write_entity_ref);
    }
    o.close();
}

fn write_entity_ref(out: &mut Vec<u8>, e: &EntityRef) {
    let mut o = Obj::open(out);
    o.str("schemaUrl", &e.schema_url);
    o.str("type", &e.r#type);
    for (name, keys) in [("idKeys", &e.id_keys), ("descriptionKeys", &e.description_keys)] {
        if !keys.is_empty() {
            o.key(name);
            write_list(o.out, keys, |out, s| write_str(out, s));
        }
    }
    o.close();
}

fn write_scope_logs(out: &mut Vec<u8>, sl: &ScopeLogs) {
    let mut o = Obj::open(out);
    if let Some(s) = &sl.scope {
        o.key("scope");
        let mut so = Obj::open(o.out);
        so.str("name", &s.name);
        so.str("version", &s.version);
        so.key_values("attributes", &s.attributes);
        so.int32("droppedAttributesCount", s.dropped_attributes_count.into());
        so.close();
    }
    if !sl.log_records.is_empty() {
        o.key("logRecords");
        write_list(o.out, &sl.log_records, write_log_record);
    }
    o.str("schemaUrl", &sl.schema_url);
    o.close();
}

fn write_log_record(out: &mut Vec<u8>, r: &LogRecord) {
    let mut o = Obj::open(out);
    o.uint64("timeUnixNano", r.time_unix_nano);
    o.uint64("observedTimeUnixNano", r.observed_time_unix_nano);
    o.int32("severityNumber", r.severity_number.into());
    o.str("severityText", &r.severity_text);
    if let Some(body) = &r.body {
        o.key("body");
        write_any_value(o.out, body);
    }
    o.key_values("attributes", &r.attributes);
    o.int32("droppedAttributesCount", r.dropped_attributes_count.into());
    o.int32("flags", r.flags.into());
    o.hex("traceId", &r.trace_id);
    o.hex("spanId", &r.span_id);
    o.str("eventName", &r.event_name);
    o.close();
}

fn write_key_value(out: &mut Vec<u8>, kv: &KeyValue) {
    let mut o = Obj::open(out);
    o.str("key", &kv.key);
    if let Some(v) = &kv.value {
        o.key("value");
        write_any_value(o.out, v);
    }
    o.int32("keyStrindex", kv.key_strindex.into());
    o.close();
}

/// A set oneof field is always written, even at its default (`{"stringValue":""}`).
fn write_any_value(out: &mut Vec<u8>, v: &AnyValue) {
    use any_value::Value as V;
    let mut o = Obj::open(out);
    match &v.value {
        None => {}
        Some(V::StringValue(s)) => {
            o.key("stringValue");
            write_str(o.out, s);
        }
        Some(V::BoolValue(b)) => {
            o.key("boolValue");
            o.out.extend_from_slice(if *b { b"true" } else { b"false" });
        }
        Some(V::IntValue(i)) => {
            o.key("intValue");
            o.out.push(b'"');
            write_int(o.out, *i);
            o.out.push(b'"');
        }
        Some(V::DoubleValue(d)) => {
            o.key("doubleValue");
            write_double(o.out, *d);
        }
        Some(V::ArrayValue(a)) => {
            o.key("arrayValue");
            let mut ao = Obj::open(o.out);
            if !a.values.is_empty() {
                ao.key("values");
                write_list(ao.out, &a.values, write_any_value);
            }
            ao.close();
        }
        Some(V::KvlistValue(l)) => {
            o.key("kvlistValue");
            let mut lo = Obj::open(o.out);
            lo.key_values("values", &l.values);
            lo.close();
        }
        Some(V::BytesValue(b)) => {
            o.key("bytesValue");
            o.out.push(b'"');
            let start = o.out.len();
            o.out.resize(start + base64::encoded_len(b.len(), true).unwrap_or(0), 0);
            let n = base64::engine::general_purpose::STANDARD.encode_slice(b, &mut o.out[start..]).unwrap_or(0);
            o.out.truncate(start + n);
            o.out.push(b'"');
        }
        Some(V::StringValueStrindex(i)) => {
            o.key("stringValueStrindex");
            write_int(o.out, (*i).into());
        }
    }
    o.close();
}

/// A JSON string with the escapes JSON requires; other characters are written as UTF-8.
fn write_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        start = i + 1;
        if short.is_empty() {
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 0xf) as usize]]);
        } else {
            out.extend_from_slice(short);
        }
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

fn write_uint(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

fn write_int(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    write_uint(out, n.unsigned_abs());
}

fn write_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.extend_from_slice(&[HEX[(b >> 4) as usize], HEX[(b & 0xf) as usize]]);
    }
}

/// Finite doubles as JSON numbers (shortest form that reads back the same);
/// the others as the strings proto3 JSON uses.
fn write_double(out: &mut Vec<u8>, d: f64) {
    if d.is_nan() {
        out.extend_from_slice(b"\"NaN\"");
    } else if d.is_infinite() {
        out.extend_from_slice(if d > 0.0 { b"\"Infinity\"" } else { b"\"-Infinity\"" });
    } else {
        // serde_json writes finite floats with ryu; writing to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, &d);
    }
}

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;
