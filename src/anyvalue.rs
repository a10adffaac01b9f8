//! `AnyValue` helpers shared by receivers that parse text: JSON straight into
//! `AnyValue` in one pass (no intermediate `serde_json::Value`), YAML/JSON
//! config values into `AnyValue`, and key lookups in key/value lists.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::event::{any_value::Value, AnyValue, ArrayValue, KeyValue, KeyValueList};

/// How JSON numbers become values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Numbers {
    /// Integers (no fraction, no exponent, within `i64`) → `Int`; others → `Double`.
    IntsAndDoubles,
    /// Every number → `Double` (stanza's `json_parser` without `parse_ints`).
    Doubles,
}

/// Parse one JSON document. A JSON object becomes a `KvlistValue` whose keys
/// keep their order (a repeated key keeps its last value, in its first place,
/// as Go's and serde_json's maps do); `null` becomes an empty `AnyValue`.
pub fn parse_json(text: &str, numbers: Numbers) -> Result<AnyValue, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let v = JsonSeed(numbers).deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// Parse a JSON object into its key/value list; anything else is an error.
pub fn parse_json_object(text: &str, numbers: Numbers) -> Result<Vec<KeyValue>, String> {
    match parse_json(text, numbers) {
        Ok(AnyValue { value: Some(Value::KvlistValue(kv)) }) => Ok(kv.values),
        Ok(other) => Err(format!("expected a JSON object, found {}", json_kind(&other))),
        Err(e) => Err(e.to_string()),
    }
}

fn json_kind(v: &AnyValue) -> &'static str {
    match &v.value {
        None => "null",
        Some(Value::StringValue(_)) => "a string",
        Some(Value::BoolValue(_)) => "a boolean",
        Some(Value::IntValue(_) | Value::DoubleValue(_)) => "a number",
        Some(Value::ArrayValue(_)) => "an array",
        _ => "a value",
    }
}

/// A `DeserializeSeed` that builds an `AnyValue` directly from any serde
/// deserializer (serde_json here).
#[derive(Clone, Copy)]
pub struct JsonSeed(pub Numbers);

impl<'de> DeserializeSeed<'de> for JsonSeed {
    type Value = AnyValue;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<AnyValue, D::Error> {
        d.deserialize_any(self)
    }
}

fn value(v: Value) -> AnyValue {
    AnyValue { value: Some(v) }
}

impl<'de> Visitor<'de> for JsonSeed {
    type Value = AnyValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<AnyValue, E> {
        Ok(value(Value::BoolValue(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<AnyValue, E> {
        Ok(match self.0 {
            Numbers::IntsAndDoubles => value(Value::IntValue(v)),
            Numbers::Doubles => value(Value::DoubleValue(v as f64)),
        })
    }

    fn visit_u64<E>(self, v: u64) -> Result<AnyValue, E> {
        Ok(match (self.0, i64::try_from(v)) {
            (Numbers::IntsAndDoubles, Ok(i)) => value(Value::IntValue(i)),
            _ => value(Value::DoubleValue(v as f64)),
        })
    }

    fn visit_f64<E>(self, v: f64) -> Result<AnyValue, E> {
        Ok(value(Value::DoubleValue(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<AnyValue, E> {
        Ok(value(Value::StringValue(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<AnyValue, E> {
        Ok(value(Value::StringValue(v)))
    }

    fn visit_unit<E>(self) -> Result<AnyValue, E> {
        Ok(AnyValue { value: None })
    }

    fn visit_none<E>(self) -> Result<AnyValue, E> {
        Ok(AnyValue { value: None })
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<AnyValue, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<AnyValue, A::Error> {
        let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(4));
        while let Some(v) = seq.next_element_seed(self)? {
            values.push(v);
        }
        Ok(value(Value::ArrayValue(ArrayValue { values })))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AnyValue, A::Error> {
        // serde_json gives no size hint; audit events have 10 to 30 fields, and
        // growing the list (copying it) per event is measurable.
        let mut values: Vec<KeyValue> = Vec::with_capacity(map.size_hint().unwrap_or(24));
        while let Some(key) = map.next_key::<String>()? {
            let v = map.next_value_seed(self)?;
            // Keys are unique in a map: a repeated key replaces the earlier value.
            match values.iter_mut().find(|kv| kv.key == key) {
                Some(kv) => kv.value = Some(v),
                None => values.push(KeyValue { key, value: Some(v), ..Default::default() }),
            }
        }
        Ok(value(Value::KvlistValue(KeyValueList { values })))
    }
}

/// A config value (YAML scalar, map or list) as an `AnyValue`: integers → `Int`,
/// other numbers → `Double`, maps → `Map` in their written order.
pub fn from_json_value(v: &serde_json::Value) -> AnyValue {
    match v {
        serde_json::Value::Null => AnyValue { value: None },
        serde_json::Value::Bool(b) => value(Value::BoolValue(*b)),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => value(Value::IntValue(i)),
            None => value(Value::DoubleValue(n.as_f64().unwrap_or(f64::NAN))),
        },
        serde_json::Value::String(s) => value(Value::StringValue(s.clone())),
        serde_json::Value::Array(a) => {
            value(Value::ArrayValue(ArrayValue { values: a.iter().map(from_json_value).collect() }))
        }
        serde_json::Value::Object(m) => value(Value::KvlistValue(KeyValueList {
            values: m
                .iter()
                .map(|(k, v)| KeyValue { key: k.clone(), value: Some(from_json_value(v)), ..Default::default() })
                .collect(),
        })),
    }
}

/// A config map of name → value, in written order.
#[derive(Clone, Debug, Default)]
pub struct OrderedMap(pub Vec<(String, serde_json::Value)>);

impl<'de> de::Deserialize<'de> for OrderedMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OrderedMap;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_unit<E>(self) -> Result<OrderedMap, E> {
                Ok(OrderedMap::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedMap, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                    out.retain(|(key, _): &(String, serde_json::Value)| key != &k);
                    out.push((k, v));
                }
                Ok(OrderedMap(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl OrderedMap {
    /// As attributes.
    pub fn to_key_values(&self) -> Vec<KeyValue> {
        self.0
            .iter()
            .map(|(k, v)| KeyValue { key: k.clone(), value: Some(from_json_value(v)), ..Default::default() })
            .collect()
    }
}

/// The value under `key` in a key/value list.
pub fn get<'a>(kvs: &'a [KeyValue], key: &str) -> Option<&'a AnyValue> {
    kvs.iter().find(|kv| kv.key == key).and_then(|kv| kv.value.as_ref())
}

/// The string under `key`, if it is a string.
pub fn get_str<'a>(kvs: &'a [KeyValue], key: &str) -> Option<&'a str> {
    as_str(get(kvs, key)?)
}

pub fn as_str(v: &AnyValue) -> Option<&str> {
    match &v.value {
        Some(Value::StringValue(s)) => Some(s),
        _ => None,
    }
}

/// The key/value list inside a `Map` value.
pub fn as_map(v: &AnyValue) -> Option<&[KeyValue]> {
    match &v.value {
        Some(Value::KvlistValue(kv)) => Some(&kv.values),
        _ => None,
    }
}

pub fn str_value(s: impl Into<String>) -> AnyValue {
    value(Value::StringValue(s.into()))
}

pub fn int_value(i: i64) -> AnyValue {
    value(Value::IntValue(i))
}

pub fn bool_value(b: bool) -> AnyValue {
    value(Value::BoolValue(b))
}

pub fn map_value(values: Vec<KeyValue>) -> AnyValue {
    value(Value::KvlistValue(KeyValueList { values }))
}

pub fn bytes_value(b: Vec<u8>) -> AnyValue {
    value(Value::BytesValue(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str, numbers: Numbers) -> String {
        let mut out = String::new();
        crate::otlp::value::write_typed(&mut out, Some(&parse_json(text, numbers).unwrap()));
        out
    }

    #[test]
    fn json_types_are_kept() {
        assert_eq!(kinds("7", Numbers::IntsAndDoubles), "Int(7)");
        assert_eq!(kinds("7", Numbers::Doubles), "Double(7)");
        assert_eq!(kinds("7.5", Numbers::IntsAndDoubles), "Double(7.5)");
        assert_eq!(kinds("1e3", Numbers::IntsAndDoubles), "Double(1000)");
        assert_eq!(kinds("18446744073709551615", Numbers::IntsAndDoubles), "Double(18446744073709552000)");
        assert_eq!(kinds("-3", Numbers::IntsAndDoubles), "Int(-3)");
        assert_eq!(kinds("true", Numbers::IntsAndDoubles), "Bool(true)");
        assert_eq!(kinds("null", Numbers::IntsAndDoubles), "Empty()");
        assert_eq!(kinds(r#""a\"b""#, Numbers::IntsAndDoubles), "Str(a\"b)");
        assert_eq!(
            kinds(r#"{"b":[1,"x",{"c":null}],"a":{"d":false}}"#, Numbers::IntsAndDoubles),
            r#"Map({"a":{"d":false},"b":[1,"x",{"c":null}]})"#
        );
    }

    #[test]
    fn repeated_keys_keep_the_last_value() {
        let kv = parse_json_object(r#"{"a":1,"b":2,"a":3}"#, Numbers::IntsAndDoubles).unwrap();
        assert_eq!(kv.len(), 2);
        assert_eq!(kv[0].key, "a");
        assert_eq!(kv[0].value, Some(int_value(3)));
    }

    #[test]
    fn objects_only() {
        assert_eq!(
            parse_json_object("[1]", Numbers::IntsAndDoubles).unwrap_err(),
            "expected a JSON object, found an array"
        );
        assert!(parse_json_object("{\"a\":1} x", Numbers::IntsAndDoubles).unwrap_err().contains("trailing characters"));
        assert!(parse_json_object("not json", Numbers::IntsAndDoubles).is_err());
    }
}
