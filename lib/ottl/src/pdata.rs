//! Attribute and body values as pdata prints them: `Value.Type().String()` and
//! `Value.AsString()`, including Go's `encoding/json` output for maps and slices
//! (sorted keys, compact, HTML-escaped, ES6-style floats). Shared by the debug
//! exporter and OTTL, which stringify values the way otelcol does.

use std::fmt::Write;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};

/// The value inside an `AnyValue`; `None` is pdata's `Empty`. The profiling-only
/// string-table reference is not a log value type, so it is `Empty` too.
fn inner(v: Option<&AnyValue>) -> Option<&Value> {
    match v.and_then(|v| v.value.as_ref()) {
        Some(Value::StringValueStrindex(_)) | None => None,
        Some(v) => Some(v),
    }
}

/// A string `AnyValue`.
pub fn str_value(s: impl Into<String>) -> AnyValue {
    AnyValue { value: Some(Value::StringValue(s.into())) }
}

/// A key/value attribute.
pub fn kv(key: impl Into<String>, value: AnyValue) -> KeyValue {
    KeyValue { key: key.into(), value: Some(value), ..Default::default() }
}

/// `ValueType.String()`: `Empty`, `Str`, `Int`, `Double`, `Bool`, `Map`, `Slice`, `Bytes`.
pub fn type_name(v: Option<&AnyValue>) -> &'static str {
    match inner(v) {
        None => "Empty",
        Some(Value::StringValue(_)) => "Str",
        Some(Value::IntValue(_)) => "Int",
        Some(Value::DoubleValue(_)) => "Double",
        Some(Value::BoolValue(_)) => "Bool",
        Some(Value::KvlistValue(_)) => "Map",
        Some(Value::ArrayValue(_)) => "Slice",
        Some(Value::BytesValue(_)) => "Bytes",
        Some(Value::StringValueStrindex(_)) => "Empty",
    }
}

/// otlptext's `valueToString`: `Str(hello)`, `Int(1)`, `Map({"a":1})`, `Empty()`.
pub fn write_typed(out: &mut String, v: Option<&AnyValue>) {
    out.push_str(type_name(v));
    out.push('(');
    write_as_string(out, v);
    out.push(')');
}

/// pdata's `Value.AsString()`: strings raw, numbers as Go prints them, maps and
/// slices as compact sorted JSON (`""` if they hold a NaN or an infinity, where
/// Go's `json.Marshal` fails), bytes as padded standard base64.
pub fn write_as_string(out: &mut String, v: Option<&AnyValue>) {
    match inner(v) {
        None | Some(Value::StringValueStrindex(_)) => {}
        Some(Value::StringValue(s)) => out.push_str(s),
        Some(Value::BoolValue(b)) => out.push_str(if *b { "true" } else { "false" }),
        Some(Value::IntValue(i)) => {
            let _ = write!(out, "{i}");
        }
        Some(Value::DoubleValue(f)) => {
            if f.is_finite() {
                write_double(out, *f);
            } else {
                out.push_str("json: unsupported value: ");
                out.push_str(go_special_float(*f));
            }
        }
        Some(Value::BytesValue(b)) => BASE64.encode_string(b, out),
        Some(v @ (Value::KvlistValue(_) | Value::ArrayValue(_))) => {
            let mut json = String::new();
            if write_json(&mut json, Some(v)).is_ok() {
                out.push_str(&json);
            }
        }
    }
}

/// `strconv.FormatFloat(f, 'g', -1, 64)` for the values JSON cannot hold.
fn go_special_float(f: f64) -> &'static str {
    if f.is_nan() {
        "NaN"
    } else if f > 0.0 {
        "+Inf"
    } else {
        "-Inf"
    }
}

/// A finite double as Go's `encoding/json` writes it: the shortest round-trip
/// digits, plain notation for `1e-6 <= |f| < 1e21`, otherwise exponent notation
/// with a signed exponent of at least one digit (`1e+21`, `1e-7`, `1.5e-10`).
pub fn write_double(out: &mut String, f: f64) {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        // Rust's `{:e}` gives the same shortest digits as Go's 'e' with
        // precision -1, but writes `1e21`/`1e-7`; Go writes `1e+21` and, after
        // encoding/json's clean-up of `e-07`, `1e-7`.
        let s = format!("{f:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        out.push_str(mantissa);
        out.push('e');
        if !exp.starts_with('-') {
            out.push('+');
        }
        out.push_str(exp);
    } else {
        // Rust's `{}` is Go's 'f' with precision -1: shortest digits, no exponent.
        let _ = write!(out, "{f}");
    }
}

/// A NaN or an infinity somewhere inside a map or slice.
#[derive(Debug)]
pub struct Unsupported;

/// `json.Marshal(value.AsRaw())` of an attribute or body value.
pub fn write_json_value(out: &mut String, v: Option<&AnyValue>) -> Result<(), Unsupported> {
    write_json(out, inner(v))
}

/// `json.Marshal(value.AsRaw())`.
fn write_json(out: &mut String, v: Option<&Value>) -> Result<(), Unsupported> {
    match v {
        None | Some(Value::StringValueStrindex(_)) => out.push_str("null"),
        Some(Value::StringValue(s)) => write_json_string(out, s),
        Some(Value::BoolValue(b)) => out.push_str(if *b { "true" } else { "false" }),
        Some(Value::IntValue(i)) => {
            let _ = write!(out, "{i}");
        }
        Some(Value::DoubleValue(f)) => {
            if !f.is_finite() {
                return Err(Unsupported);
            }
            write_double(out, *f);
        }
        // `AsRaw` copies bytes into a nil slice, so empty bytes are a nil
        // `[]byte`, which Go encodes as `null`.
        Some(Value::BytesValue(b)) if b.is_empty() => out.push_str("null"),
        Some(Value::BytesValue(b)) => {
            // Base64's alphabet needs no JSON escaping.
            out.push('"');
            BASE64.encode_string(b, out);
            out.push('"');
        }
        Some(Value::ArrayValue(a)) => write_json_list(out, &a.values)?,
        Some(Value::KvlistValue(kvs)) => write_json_map(out, &kvs.values)?,
    }
    Ok(())
}

/// `json.Marshal` of a slice's raw values.
pub fn write_json_list(out: &mut String, items: &[AnyValue]) -> Result<(), Unsupported> {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_json(out, inner(Some(item)))?;
    }
    out.push(']');
    Ok(())
}

/// `json.Marshal` of a map's raw values: a Go map, so duplicate keys collapse
/// (the last wins), and keys are sorted byte-wise, which is how `str` orders.
pub fn write_json_map(out: &mut String, kvs: &[KeyValue]) -> Result<(), Unsupported> {
    // A stable sort keeps equal keys in order, so the last of each run is the one Go keeps.
    let mut order: Vec<usize> = (0..kvs.len()).collect();
    order.sort_by(|a, b| kvs[*a].key.cmp(&kvs[*b].key));
    out.push('{');
    let mut first = true;
    for (n, &i) in order.iter().enumerate() {
        if order.get(n + 1).is_some_and(|&next| kvs[next].key == kvs[i].key) {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        write_json_string(out, &kvs[i].key);
        out.push(':');
        write_json(out, inner(kvs[i].value.as_ref()))?;
    }
    out.push('}');
    Ok(())
}

/// A JSON string as Go's `encoding/json` writes it with HTML escaping on.
pub fn write_json_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(s.len() + 2);
    out.push('"');
    let b = s.as_bytes();
    // Copy runs of bytes that need no escaping in one go.
    let mut run = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let line_sep = c == 0xe2 && b.get(i + 1) == Some(&0x80) && matches!(b.get(i + 2), Some(0xa8 | 0xa9));
        if !(c < 0x20 || matches!(c, b'"' | b'\\' | b'<' | b'>' | b'&') || line_sep) {
            i += 1;
            continue;
        }
        out.push_str(&s[run..i]);
        match c {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            0xe2 => {
                out.push_str(if b[i + 2] == 0xa8 { "\\u2028" } else { "\\u2029" });
                i += 2;
            }
            _ => {
                out.push_str("\\u00");
                out.push(HEX[usize::from(c >> 4)] as char);
                out.push(HEX[usize::from(c & 0xf)] as char);
            }
        }
        i += 1;
        run = i;
    }
    out.push_str(&s[run..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::{ArrayValue, KeyValueList};

    fn val(v: Value) -> AnyValue {
        AnyValue { value: Some(v) }
    }

    fn map(kvs: Vec<(&str, AnyValue)>) -> AnyValue {
        val(Value::KvlistValue(KeyValueList { values: kvs.into_iter().map(|(k, v)| kv(k, v)).collect() }))
    }

    fn slice(items: Vec<AnyValue>) -> AnyValue {
        val(Value::ArrayValue(ArrayValue { values: items }))
    }

    fn typed(v: Option<&AnyValue>) -> String {
        let mut s = String::new();
        write_typed(&mut s, v);
        s
    }

    fn double(f: f64) -> String {
        typed(Some(&val(Value::DoubleValue(f))))
    }

    #[test]
    fn doubles_like_go_encoding_json() {
        assert_eq!(double(1.0), "Double(1)");
        assert_eq!(double(34.22), "Double(34.22)");
        assert_eq!(double(0.1), "Double(0.1)");
        assert_eq!(double(-2.5), "Double(-2.5)");
        assert_eq!(double(1e20), "Double(100000000000000000000)");
        assert_eq!(double(1e21), "Double(1e+21)");
        assert_eq!(double(1.234e300), "Double(1.234e+300)");
        assert_eq!(double(1e-6), "Double(0.000001)");
        assert_eq!(double(1e-7), "Double(1e-7)");
        assert_eq!(double(1.5e-10), "Double(1.5e-10)");
        assert_eq!(double(-1.5e-10), "Double(-1.5e-10)");
        assert_eq!(double(5e-324), "Double(5e-324)");
        assert_eq!(double(0.0), "Double(0)");
        assert_eq!(double(-0.0), "Double(-0)");
        assert_eq!(double(f64::NAN), "Double(json: unsupported value: NaN)");
        assert_eq!(double(f64::INFINITY), "Double(json: unsupported value: +Inf)");
        assert_eq!(double(f64::NEG_INFINITY), "Double(json: unsupported value: -Inf)");
    }

    #[test]
    fn scalars() {
        assert_eq!(typed(Some(&str_value("a b\nc"))), "Str(a b\nc)");
        assert_eq!(typed(Some(&val(Value::IntValue(-42)))), "Int(-42)");
        assert_eq!(typed(Some(&val(Value::BoolValue(false)))), "Bool(false)");
        assert_eq!(typed(None), "Empty()");
        assert_eq!(typed(Some(&AnyValue { value: None })), "Empty()");
        assert_eq!(typed(Some(&val(Value::StringValueStrindex(3)))), "Empty()");
        assert_eq!(typed(Some(&val(Value::BytesValue(vec![1, 2, 3])))), "Bytes(AQID)");
        assert_eq!(typed(Some(&val(Value::BytesValue(vec![0xff, 0xfe])))), "Bytes(//4=)");
        assert_eq!(typed(Some(&val(Value::BytesValue(vec![])))), "Bytes()");
    }

    #[test]
    fn maps_are_sorted_compact_json() {
        let nested = map(vec![
            ("b", map(vec![("z", str_value("1")), ("a", val(Value::IntValue(2)))])),
            ("a", slice(vec![str_value("x"), val(Value::DoubleValue(1.0)), val(Value::BoolValue(true))])),
            ("B", AnyValue { value: None }),
        ]);
        assert_eq!(typed(Some(&nested)), r#"Map({"B":null,"a":["x",1,true],"b":{"a":2,"z":"1"}})"#);
        assert_eq!(typed(Some(&map(vec![]))), "Map({})");
        assert_eq!(typed(Some(&slice(vec![]))), "Slice([])");
        assert_eq!(typed(Some(&slice(vec![map(vec![]), slice(vec![])]))), "Slice([{},[]])");
    }

    #[test]
    fn duplicate_map_keys_keep_the_last() {
        let m = map(vec![("k", str_value("first")), ("k", str_value("last"))]);
        assert_eq!(typed(Some(&m)), r#"Map({"k":"last"})"#);
    }

    #[test]
    fn bytes_inside_json_are_base64_strings() {
        let s = slice(vec![val(Value::BytesValue(vec![1, 2, 3])), val(Value::BytesValue(vec![]))]);
        assert_eq!(typed(Some(&s)), r#"Slice(["AQID",null])"#);
    }

    #[test]
    fn floats_inside_json() {
        let s = slice(vec![val(Value::DoubleValue(1e21)), val(Value::DoubleValue(1e-7)), val(Value::DoubleValue(2.5))]);
        assert_eq!(typed(Some(&s)), "Slice([1e+21,1e-7,2.5])");
    }

    #[test]
    fn nan_anywhere_in_json_gives_empty_string() {
        let m = map(vec![("a", str_value("x")), ("b", slice(vec![val(Value::DoubleValue(f64::NAN))]))]);
        assert_eq!(typed(Some(&m)), "Map()");
        let s = slice(vec![val(Value::DoubleValue(f64::INFINITY))]);
        assert_eq!(typed(Some(&s)), "Slice()");
    }

    #[test]
    fn json_strings_escape_like_go() {
        let s = slice(vec![str_value("q\"b\\n\nr\rt\tb\u{8}f\u{c}\u{1}\u{1f}<>&\u{2028}\u{2029}é\u{7f}")]);
        assert_eq!(
            typed(Some(&s)),
            "Slice([\"q\\\"b\\\\n\\nr\\rt\\tb\\bf\\f\\u0001\\u001f\\u003c\\u003e\\u0026\\u2028\\u2029é\u{7f}\"])"
        );
        // Keys are escaped the same way, and sorted before escaping.
        let m = map(vec![("b<", val(Value::IntValue(1))), ("a\"", val(Value::IntValue(2)))]);
        assert_eq!(typed(Some(&m)), r#"Map({"a\"":2,"b\u003c":1})"#);
    }

    #[test]
    fn as_string_has_no_type_wrapper() {
        let mut s = String::new();
        write_as_string(&mut s, Some(&map(vec![("x", str_value("y"))])));
        assert_eq!(s, r#"{"x":"y"}"#);
    }
}
