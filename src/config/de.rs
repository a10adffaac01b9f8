//! A serde `Deserializer` over [`Node`]: component configs are plain
//! `#[serde(default, deny_unknown_fields)]` structs, and every error comes back
//! with the position and key path of the node that caused it.

use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};

use super::yaml::{Node, Pos, Resolved, Value};

/// A deserialization error, positioned at the innermost node that failed.
#[derive(Debug, Clone)]
pub struct DeError {
    pub message: String,
    pub pos: Option<Pos>,
    /// Key path from the root of the deserialized node (`protocols::http::endpoint`).
    pub path: String,
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError { message: msg.to_string(), pos: None, path: String::new() }
    }
}

/// For `#[serde(deserialize_with = "crate::config::de::present")]` on an
/// `Option`: a key that is present is `Some`, even when its value is empty or
/// `null` (a null node reads as an empty map, i.e. the defaults), as otelcol
/// enables a section (`http:`) by naming it.
pub fn present<'de, D: de::Deserializer<'de>, T: de::Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// Deserialize a config struct from a node.
pub fn from_node<T: DeserializeOwned>(node: &Node) -> Result<T, DeError> {
    T::deserialize(NodeDe { node, path: String::new() })
}

/// Deserializes one node; `path` is its key path, for error messages.
pub struct NodeDe<'a> {
    node: &'a Node,
    path: String,
}

impl<'a> NodeDe<'a> {
    /// Stamp an error that has no position yet with this node's position and path.
    /// Values that came from `${...}` are not repeated in the message.
    fn locate(&self, mut e: DeError) -> DeError {
        if e.pos.is_none() {
            e.pos = Some(self.node.pos.clone());
            e.path = self.path.clone();
            if self.node.secret {
                let expected = e.message.split_once(", expected ").map(|(_, x)| x.to_string());
                e.message = match expected {
                    Some(x) => format!("invalid value (from an environment variable; not shown), expected {x}"),
                    None => "invalid value (from an environment variable; not shown)".to_string(),
                };
            }
        }
        e
    }

    fn child(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}::{}", self.path, key)
        }
    }
}

impl<'de> de::Deserializer<'de> for NodeDe<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let r = match &self.node.value {
            Value::Seq(items) => v.visit_seq(SeqDe { items: items.iter(), index: 0, path: &self.path }),
            Value::Map(entries) => v.visit_map(MapDe { entries: entries.iter(), value: None, de: &self }),
            Value::Scalar { .. } => match self.node.resolve() {
                Some(Resolved::Null) | None => v.visit_unit(),
                Some(Resolved::Bool(b)) => v.visit_bool(b),
                Some(Resolved::Int(i)) => v.visit_i64(i),
                Some(Resolved::Float(f)) => v.visit_f64(f),
                Some(Resolved::Str(s)) => v.visit_str(s),
            },
        };
        r.map_err(|e| self.locate(e))
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        if self.node.is_null() {
            v.visit_none().map_err(|e| self.locate(e))
        } else {
            let node = self.node;
            let path = self.path.clone();
            v.visit_some(NodeDe { node, path }).map_err(|e| self.locate(e))
        }
    }

    /// Strings accept any scalar as written (`priority: 7` is the string "7"), and
    /// an empty value is the empty string, as otelcol's decoder does.
    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Scalar { text, .. } if self.node.is_null() && text != "null" && text != "~" => {
                v.visit_str("").map_err(|e| self.locate(e))
            }
            Value::Scalar { text, .. } if !self.node.is_null() => v.visit_str(text).map_err(|e| self.locate(e)),
            _ => self.deserialize_any(v),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, v: V) -> Result<V::Value, DeError> {
        let node = self.node;
        let path = self.path.clone();
        v.visit_newtype_struct(NodeDe { node, path }).map_err(|e| self.locate(e))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Scalar { text, .. } => {
                let de: de::value::StrDeserializer<DeError> = text.as_str().into_deserializer();
                v.visit_enum(de).map_err(|e| self.locate(e))
            }
            _ => self.deserialize_any(v),
        }
    }

    /// A map or struct written as an empty value (`batch:`) is its defaults.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_map(v)
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        if self.node.is_null() {
            return v.visit_map(MapDe { entries: [].iter(), value: None, de: &self }).map_err(|e| self.locate(e));
        }
        match &self.node.value {
            Value::Map(_) => self.deserialize_any(v),
            _ => Err(self.locate(de::Error::custom(format!("invalid type: {}, expected a map", describe(self.node))))),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        if self.node.is_null() {
            return v.visit_seq(SeqDe { items: [].iter(), index: 0, path: &self.path }).map_err(|e| self.locate(e));
        }
        match &self.node.value {
            Value::Seq(_) => self.deserialize_any(v),
            _ => {
                Err(self
                    .locate(de::Error::custom(format!("invalid type: {}, expected a sequence", describe(self.node)))))
            }
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit unit_struct tuple tuple_struct
    }
}

/// What was found, for "invalid type" messages: `string "sshd"`, `integer 7`, `a map`.
fn describe(node: &Node) -> String {
    match node.resolve() {
        Some(Resolved::Str(s)) => format!("string {s:?}"),
        Some(Resolved::Int(i)) => format!("integer {i}"),
        Some(Resolved::Float(f)) => format!("floating point {f}"),
        Some(Resolved::Bool(b)) => format!("boolean {b}"),
        _ => node.kind_name().to_string(),
    }
}

struct SeqDe<'a, 'p> {
    items: std::slice::Iter<'a, Node>,
    index: usize,
    path: &'p str,
}

impl<'de> de::SeqAccess<'de> for SeqDe<'_, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DeError> {
        let Some(node) = self.items.next() else { return Ok(None) };
        let path = format!("{}[{}]", self.path, self.index);
        self.index += 1;
        seed.deserialize(NodeDe { node, path }).map(Some)
    }
}

struct MapDe<'a, 'd> {
    entries: std::slice::Iter<'a, (Node, Node)>,
    value: Option<(&'a Node, String)>,
    de: &'d NodeDe<'a>,
}

impl<'de> de::MapAccess<'de> for MapDe<'_, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        let Some((k, v)) = self.entries.next() else { return Ok(None) };
        let path = self.de.child(k.scalar_text().unwrap_or("?"));
        self.value = Some((v, path.clone()));
        // Unknown-key errors are raised here and so point at the key itself.
        seed.deserialize(NodeDe { node: k, path }).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let (node, path) = self.value.take().ok_or_else(|| de::Error::custom("value without a key"))?;
        seed.deserialize(NodeDe { node, path })
    }
}

#[cfg(test)]
mod tests {
    use super::super::yaml::parse;
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Deserialize, Default, Debug)]
    #[serde(default, deny_unknown_fields)]
    struct Inner {
        endpoint: String,
        limit: u64,
    }

    #[derive(Deserialize, Default, Debug)]
    #[serde(default, deny_unknown_fields)]
    struct Cfg {
        verbosity: String,
        units: Vec<String>,
        inner: Inner,
        headers: BTreeMap<String, String>,
        opt: Option<u32>,
    }

    #[test]
    fn reads_values_and_defaults() {
        let n = parse("c", "verbosity: 7\nunits: [a, b]\ninner: {endpoint: x}\nheaders: {A: b}\n").unwrap();
        let c: Cfg = from_node(&n).unwrap();
        assert_eq!(c.verbosity, "7");
        assert_eq!(c.units, ["a", "b"]);
        assert_eq!(c.inner.endpoint, "x");
        assert_eq!(c.inner.limit, 0);
        assert_eq!(c.opt, None);
        let empty: Cfg = from_node(&parse("c", "").unwrap()).unwrap();
        assert!(empty.units.is_empty());
        let null_inner: Cfg = from_node(&parse("c", "inner:\n").unwrap()).unwrap();
        assert_eq!(null_inner.inner.limit, 0);
    }

    #[test]
    fn unknown_key_points_at_key() {
        let n = parse("c", "verbosity: x\ninner:\n  endpiont: y\n").unwrap();
        let e = from_node::<Cfg>(&n).unwrap_err();
        assert_eq!(e.path, "inner::endpiont");
        let pos = e.pos.unwrap();
        assert_eq!((pos.line, pos.col), (3, 3));
        assert!(e.message.contains("unknown field `endpiont`"), "{}", e.message);
    }

    #[test]
    fn type_error_says_expected_and_found() {
        let n = parse("c", "units: sshd\n").unwrap();
        let e = from_node::<Cfg>(&n).unwrap_err();
        assert_eq!(e.path, "units");
        assert_eq!(e.message, "invalid type: string \"sshd\", expected a sequence");
        let n = parse("c", "inner: {limit: lots}\n").unwrap();
        let e = from_node::<Cfg>(&n).unwrap_err();
        assert_eq!(e.path, "inner::limit");
        assert!(e.message.contains("expected u64"), "{}", e.message);
    }

    #[test]
    fn secret_values_are_not_echoed() {
        let mut n = parse("c", "inner: {limit: x}\n").unwrap();
        if let Value::Map(entries) = &mut n.value {
            if let Value::Map(inner) = &mut entries[0].1.value {
                inner[0].1.value = Value::Scalar { text: "hunter2".into(), quoted: true };
                inner[0].1.secret = true;
            }
        }
        let e = from_node::<Cfg>(&n).unwrap_err();
        assert!(!e.message.contains("hunter2"), "{}", e.message);
        assert!(e.message.contains("expected u64"));
    }
}
