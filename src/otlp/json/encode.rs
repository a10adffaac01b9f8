//! prost types → spec-exact OTLP/JSON, written straight into a `Vec<u8>`.

use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;

use super::*;

/// Bytes per record of the last request encoded: the next one's buffer is
/// sized from it (up to 4 KiB a record: larger ones grow it), so that it is
/// not grown and copied several times.
static BYTES_PER_RECORD: AtomicUsize = AtomicUsize::new(256);

/// Encode `resource_logs` as an OTLP/JSON `ExportLogsServiceRequest`.
pub fn encode_logs_request(resource_logs: &[ResourceLogs]) -> Vec<u8> {
    let records = crate::event::count_records(resource_logs);
    let per_record = BYTES_PER_RECORD.load(Ordering::Relaxed);
    let mut out = Vec::with_capacity(64 + records * (per_record + per_record / 8));
    let mut o = Obj::open(&mut out);
    if !resource_logs.is_empty() {
        o.key("resourceLogs");
        write_list(o.out, resource_logs, write_resource_logs);
    }
    o.close();
    if let Some(per_record) = out.len().checked_div(records) {
        BYTES_PER_RECORD.store(per_record.clamp(64, 4096), Ordering::Relaxed);
    }
    out
}
// ---------------------------------------------------------------------------
// Encoding

/// An object being written: puts the commas between fields.
pub(super) struct Obj<'a> {
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

pub(super) fn write_list<T>(out: &mut Vec<u8>, items: &[T], f: fn(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        f(out, item);
    }
    out.push(b']');
}

pub(super) fn write_resource_logs(out: &mut Vec<u8>, rl: &ResourceLogs) {
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

pub(super) fn write_resource(out: &mut Vec<u8>, r: &Resource) {
    let mut o = Obj::open(out);
    o.key_values("attributes", &r.attributes);
    o.int32("droppedAttributesCount", r.dropped_attributes_count.into());
    if !r.entity_refs.is_empty() {
        o.key("entityRefs");
        write_list(o.out, &r.entity_refs, write_entity_ref);
    }
    o.close();
}

pub(super) fn write_entity_ref(out: &mut Vec<u8>, e: &EntityRef) {
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

pub(super) fn write_scope_logs(out: &mut Vec<u8>, sl: &ScopeLogs) {
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

pub(super) fn write_log_record(out: &mut Vec<u8>, r: &LogRecord) {
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

pub(super) fn write_key_value(out: &mut Vec<u8>, kv: &KeyValue) {
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
pub(super) fn write_any_value(out: &mut Vec<u8>, v: &AnyValue) {
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

/// Bytes a JSON string must escape: `"`, `\\` and the control characters.
const ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Whether any of the 8 bytes in `x` is one [`ESCAPE`] marks (exact, not a guess):
/// below 0x20, `"` or `\\`.
fn needs_escape(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    below_space | zero_byte(x ^ (ONES * u64::from(b'"'))) | zero_byte(x ^ (ONES * u64::from(b'\\'))) != 0
}

/// A JSON string with the escapes JSON requires; other characters are written as UTF-8.
/// Plain runs are found 8 bytes at a time and copied whole.
pub(super) fn write_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(chunk) = bytes.get(i..i + 8) {
            let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
            if !needs_escape(word) {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        i += 1;
        if !ESCAPE[usize::from(b)] {
            continue;
        }
        out.extend_from_slice(&bytes[start..i - 1]);
        start = i;
        let short: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            _ => {
                out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]]);
                continue;
            }
        };
        out.extend_from_slice(short);
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

pub(super) fn write_uint(out: &mut Vec<u8>, mut n: u64) {
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

pub(super) fn write_int(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    write_uint(out, n.unsigned_abs());
}

pub(super) fn write_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.extend_from_slice(&[HEX[(b >> 4) as usize], HEX[(b & 0xf) as usize]]);
    }
}

/// Finite doubles as JSON numbers (shortest form that reads back the same);
/// the others as the strings proto3 JSON uses.
pub(super) fn write_double(out: &mut Vec<u8>, d: f64) {
    if d.is_nan() {
        out.extend_from_slice(b"\"NaN\"");
    } else if d.is_infinite() {
        out.extend_from_slice(if d > 0.0 { b"\"Infinity\"" } else { b"\"-Infinity\"" });
    } else {
        // serde_json writes finite floats with ryu; writing to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, &d);
    }
}
