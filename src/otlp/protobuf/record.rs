//! `LogRecord` in two passes: [`Item::measure`] computes every nested length
//! once, in pre-order (an array or map value's length before those of its
//! elements), and [`Item::write`] reads them back in the same order.
//!
//! prost measures a map inside a map inside a body once for each level above
//! it while writing; a Teleport event's body is such a tree. The bytes are
//! prost's: fields in tag order, proto3 defaults omitted outside a oneof, every
//! set oneof variant written (an empty string value included), `int32`s
//! sign-extended to ten bytes when negative.

use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use prost::encoding::{encode_key, encode_varint, encoded_len_varint, key_len, WireType};

use super::{delimited, field_len, string, string_if_set, string_len, Item};

impl Item for LogRecord {
    fn measure(&self, nested: &mut Vec<usize>) -> usize {
        let r = self;
        let mut n = fixed64_len(1, r.time_unix_nano) + int32_len(2, r.severity_number);
        n += string_len(3, &r.severity_text);
        if let Some(body) = &r.body {
            n += field_len(5, measure_any(body, nested));
        }
        for kv in &r.attributes {
            n += field_len(6, measure_kv(kv, nested));
        }
        if r.dropped_attributes_count != 0 {
            n += key_len(7) + encoded_len_varint(u64::from(r.dropped_attributes_count));
        }
        if r.flags != 0 {
            n += key_len(8) + 4;
        }
        n += string_len(9, &r.trace_id) + string_len(10, &r.span_id);
        n + fixed64_len(11, r.observed_time_unix_nano) + string_len(12, &r.event_name)
    }

    fn write(&self, nested: &mut std::slice::Iter<'_, usize>, buf: &mut Vec<u8>) {
        let r = self;
        fixed64(buf, 1, r.time_unix_nano);
        int32(buf, 2, r.severity_number);
        string_if_set(buf, 3, &r.severity_text);
        if let Some(body) = &r.body {
            write_any(buf, 5, body, nested);
        }
        for kv in &r.attributes {
            write_kv(buf, 6, kv, nested);
        }
        if r.dropped_attributes_count != 0 {
            encode_key(7, WireType::Varint, buf);
            encode_varint(u64::from(r.dropped_attributes_count), buf);
        }
        if r.flags != 0 {
            encode_key(8, WireType::ThirtyTwoBit, buf);
            buf.extend_from_slice(&r.flags.to_le_bytes());
        }
        string_if_set(buf, 9, &r.trace_id);
        string_if_set(buf, 10, &r.span_id);
        fixed64(buf, 11, r.observed_time_unix_nano);
        string_if_set(buf, 12, &r.event_name);
    }
}

fn fixed64_len(tag: u32, v: u64) -> usize {
    if v == 0 {
        0
    } else {
        key_len(tag) + 8
    }
}

fn fixed64(buf: &mut Vec<u8>, tag: u32, v: u64) {
    if v != 0 {
        encode_key(tag, WireType::SixtyFourBit, buf);
        buf.extend_from_slice(&v.to_le_bytes());
    }
}

/// An `int32` (or enum) field, omitted when 0; negative values take ten bytes.
fn int32_len(tag: u32, v: i32) -> usize {
    if v == 0 {
        0
    } else {
        key_len(tag) + encoded_len_varint(v as u64)
    }
}

fn int32(buf: &mut Vec<u8>, tag: u32, v: i32) {
    if v != 0 {
        encode_key(tag, WireType::Varint, buf);
        encode_varint(v as u64, buf);
    }
}

/// The length of an `AnyValue`'s encoding. An array or map pushes its inner
/// message's length, then its elements push theirs.
fn measure_any(v: &AnyValue, nested: &mut Vec<usize>) -> usize {
    match &v.value {
        Some(Value::ArrayValue(a)) => {
            let slot = reserve(nested);
            let n = a.values.iter().map(|x| field_len(1, measure_any(x, nested))).sum();
            nested[slot] = n;
            field_len(5, n)
        }
        Some(Value::KvlistValue(l)) => {
            let slot = reserve(nested);
            let n = l.values.iter().map(|kv| field_len(1, measure_kv(kv, nested))).sum();
            nested[slot] = n;
            field_len(6, n)
        }
        value => scalar_len(value),
    }
}

fn reserve(nested: &mut Vec<usize>) -> usize {
    nested.push(0);
    nested.len() - 1
}

/// The length of an `AnyValue` that holds no array or map (or nothing).
fn scalar_len(value: &Option<Value>) -> usize {
    match value {
        None => 0,
        Some(Value::StringValue(s)) => field_len(1, s.len()),
        Some(Value::BoolValue(_)) => key_len(2) + 1,
        Some(Value::IntValue(i)) => key_len(3) + encoded_len_varint(*i as u64),
        Some(Value::DoubleValue(_)) => key_len(4) + 8,
        Some(Value::BytesValue(b)) => field_len(7, b.len()),
        Some(Value::StringValueStrindex(i)) => key_len(8) + encoded_len_varint(*i as u64),
        Some(Value::ArrayValue(_) | Value::KvlistValue(_)) => unreachable!("measured by measure_any"),
    }
}

fn measure_kv(kv: &KeyValue, nested: &mut Vec<usize>) -> usize {
    let value = kv.value.as_ref().map_or(0, |v| field_len(2, measure_any(v, nested)));
    string_len(1, &kv.key) + value + int32_len(3, kv.key_strindex)
}

/// An array or map value's inner length, read back (the value's first
/// pushed length); `None` for any other value, which is not pushed.
fn inner_len(v: &AnyValue, nested: &mut std::slice::Iter<'_, usize>) -> Option<usize> {
    match v.value {
        Some(Value::ArrayValue(_) | Value::KvlistValue(_)) => Some(*nested.next().expect("measured")),
        _ => None,
    }
}

/// The length of `v`'s encoding given its inner length.
fn any_len(v: &AnyValue, inner: Option<usize>) -> usize {
    match (&v.value, inner) {
        (Some(Value::ArrayValue(_)), Some(n)) => field_len(5, n),
        (Some(Value::KvlistValue(_)), Some(n)) => field_len(6, n),
        (value, _) => scalar_len(value),
    }
}

/// `v` as field `tag`.
fn write_any(buf: &mut Vec<u8>, tag: u32, v: &AnyValue, nested: &mut std::slice::Iter<'_, usize>) {
    let inner = inner_len(v, nested);
    delimited(buf, tag, any_len(v, inner));
    write_any_fields(buf, v, inner, nested);
}

fn write_any_fields(buf: &mut Vec<u8>, v: &AnyValue, inner: Option<usize>, nested: &mut std::slice::Iter<'_, usize>) {
    match &v.value {
        None => {}
        Some(Value::StringValue(s)) => string(buf, 1, s),
        Some(Value::BoolValue(b)) => {
            encode_key(2, WireType::Varint, buf);
            buf.push(u8::from(*b));
        }
        Some(Value::IntValue(i)) => {
            encode_key(3, WireType::Varint, buf);
            encode_varint(*i as u64, buf);
        }
        Some(Value::DoubleValue(d)) => {
            encode_key(4, WireType::SixtyFourBit, buf);
            buf.extend_from_slice(&d.to_le_bytes());
        }
        Some(Value::ArrayValue(a)) => {
            delimited(buf, 5, inner.expect("measured"));
            for x in &a.values {
                write_any(buf, 1, x, nested);
            }
        }
        Some(Value::KvlistValue(l)) => {
            delimited(buf, 6, inner.expect("measured"));
            for kv in &l.values {
                write_kv(buf, 1, kv, nested);
            }
        }
        Some(Value::BytesValue(b)) => string(buf, 7, b),
        Some(Value::StringValueStrindex(i)) => {
            encode_key(8, WireType::Varint, buf);
            encode_varint(*i as u64, buf);
        }
    }
}

/// `kv` as field `tag`.
fn write_kv(buf: &mut Vec<u8>, tag: u32, kv: &KeyValue, nested: &mut std::slice::Iter<'_, usize>) {
    let value = kv.value.as_ref().map(|v| {
        let inner = inner_len(v, nested);
        (v, inner, any_len(v, inner))
    });
    let len = string_len(1, &kv.key) + value.map_or(0, |(_, _, n)| field_len(2, n)) + int32_len(3, kv.key_strindex);
    delimited(buf, tag, len);
    string_if_set(buf, 1, &kv.key);
    if let Some((v, inner, n)) = value {
        delimited(buf, 2, n);
        write_any_fields(buf, v, inner, nested);
    }
    int32(buf, 3, kv.key_strindex);
}

#[cfg(test)]
mod tests {
    use opentelemetry_proto::tonic::common::v1::{ArrayValue, KeyValueList};
    use prost::Message as _;

    use super::*;

    fn any(v: Value) -> AnyValue {
        AnyValue { value: Some(v) }
    }

    fn kv(key: &str, v: Option<AnyValue>) -> KeyValue {
        KeyValue { key: key.into(), value: v, key_strindex: 0 }
    }

    /// Every kind of value, nested three deep, with the defaults prost omits
    /// and the oneof values it writes anyway.
    fn values() -> Vec<AnyValue> {
        let scalars = vec![
            any(Value::StringValue(String::new())),
            any(Value::StringValue("x".repeat(300))),
            any(Value::BoolValue(false)),
            any(Value::BoolValue(true)),
            any(Value::IntValue(0)),
            any(Value::IntValue(-1)),
            any(Value::IntValue(i64::MAX)),
            any(Value::DoubleValue(0.0)),
            any(Value::DoubleValue(-2.5)),
            any(Value::BytesValue(vec![])),
            any(Value::BytesValue(vec![0xff; 200])),
            any(Value::StringValueStrindex(-3)),
            any(Value::StringValueStrindex(0)),
            AnyValue { value: None },
        ];
        let map = |vals: &[AnyValue]| {
            let mut kvs: Vec<KeyValue> =
                vals.iter().enumerate().map(|(i, v)| kv(&format!("k{i}"), Some(v.clone()))).collect();
            kvs.push(kv("", None));
            kvs.push(KeyValue { key: String::new(), value: Some(AnyValue::default()), key_strindex: -7 });
            any(Value::KvlistValue(KeyValueList { values: kvs }))
        };
        let array = |vals: &[AnyValue]| any(Value::ArrayValue(ArrayValue { values: vals.to_vec() }));
        let level1 = vec![map(&scalars), array(&scalars), map(&[]), array(&[])];
        let level2 = vec![map(&level1), array(&level1)];
        let mut all = scalars;
        all.extend(level1);
        all.push(map(&level2));
        all.push(array(&level2));
        all
    }

    fn written(r: &LogRecord) -> Vec<u8> {
        let mut nested = Vec::new();
        let len = r.measure(&mut nested);
        let mut buf = Vec::new();
        let mut it = nested.iter();
        r.write(&mut it, &mut buf);
        assert!(it.next().is_none(), "every measured length read back");
        assert_eq!(len, buf.len());
        buf
    }

    #[test]
    fn same_bytes_as_prost_for_every_value() {
        let values = values();
        let mut records = vec![LogRecord::default()];
        for v in &values {
            records.push(LogRecord { body: Some(v.clone()), ..Default::default() });
            records.push(LogRecord { attributes: vec![kv("a", Some(v.clone())), kv("b", None)], ..Default::default() });
        }
        records.push(LogRecord {
            time_unix_nano: 1,
            observed_time_unix_nano: u64::MAX,
            severity_number: -1,
            severity_text: "INFO".into(),
            body: Some(values[values.len() - 1].clone()),
            attributes: values.iter().enumerate().map(|(i, v)| kv(&i.to_string(), Some(v.clone()))).collect(),
            dropped_attributes_count: 300,
            flags: 1,
            trace_id: vec![1; 16],
            span_id: vec![2; 8],
            event_name: "ssh.login".into(),
        });
        records.push(LogRecord { severity_number: 9, flags: u32::MAX, ..Default::default() });
        for r in &records {
            assert_eq!(written(r), r.encode_to_vec(), "{r:?}");
        }
    }
}
