//! The entry operators work on (stanza's `entry.Entry`), held as OTLP values,
//! and stanza's field syntax: `body`, `body.k.n`, `attributes.k`,
//! `attributes["k.with.dots"]`, `resource.k`.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer};

use crate::anyvalue::map_value;
use crate::event::{any_value::Value, AnyValue, KeyValue, KeyValueList};

/// One log entry on its way through the operators.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LogEntry {
    pub body: AnyValue,
    pub attributes: Vec<KeyValue>,
    pub resource: Vec<KeyValue>,
    /// Nanoseconds since the epoch; 0 when unset.
    pub timestamp: u64,
    pub severity: i32,
    pub severity_text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Root {
    Body,
    Attributes,
    Resource,
}

/// A place in an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub root: Root,
    pub keys: Vec<String>,
}

impl fmt::Display for Field {
    /// stanza's `toJSONDot`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.root {
            Root::Body => "body",
            Root::Attributes => "attributes",
            Root::Resource => "resource",
        })?;
        if self.keys.iter().any(|k| k.contains('.')) {
            for k in &self.keys {
                write!(f, "['{k}']")?;
            }
        } else {
            for k in &self.keys {
                write!(f, ".{k}")?;
            }
        }
        Ok(())
    }
}

/// Split stanza's dot/bracket notation into keys (`fromJSONDot`).
fn split_keys(s: &str) -> Result<Vec<String>, String> {
    #[derive(PartialEq)]
    enum St {
        Begin,
        InBracket,
        InQuote(char),
        OutQuote,
        OutBracket,
        InToken,
    }
    let mut keys = Vec::new();
    let mut st = St::Begin;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match st {
            St::Begin => {
                if c == '[' {
                    st = St::InBracket;
                } else {
                    start = i;
                    st = St::InToken;
                }
            }
            St::InBracket => {
                if c != '\'' && c != '"' {
                    return Err("strings in brackets must be surrounded by quotes".into());
                }
                st = St::InQuote(c);
                start = i + 1;
            }
            St::InQuote(q) => {
                if c == q {
                    keys.push(s[start..i].to_string());
                    st = St::OutQuote;
                }
            }
            St::OutQuote => {
                if c != ']' {
                    return Err("found characters between closed quote and closing bracket".into());
                }
                st = St::OutBracket;
            }
            St::OutBracket => match c {
                '.' => {
                    st = St::InToken;
                    start = i + 1;
                }
                '[' => st = St::InBracket,
                _ => return Err("bracketed access must be followed by a dot or another bracketed access".into()),
            },
            St::InToken => {
                if c == '.' {
                    keys.push(s[start..i].to_string());
                    start = i + 1;
                } else if c == '[' {
                    keys.push(s[start..i].to_string());
                    st = St::InBracket;
                }
            }
        }
    }
    match st {
        St::InBracket | St::OutQuote => return Err("found unclosed left bracket".into()),
        St::InQuote('"') => return Err("found unclosed double quote".into()),
        St::InQuote(_) => return Err("found unclosed single quote".into()),
        St::InToken => keys.push(s[start..].to_string()),
        _ => {}
    }
    if keys.is_empty() {
        return Err("fields size is 0".into());
    }
    Ok(keys)
}

impl Field {
    pub fn body() -> Field {
        Field { root: Root::Body, keys: Vec::new() }
    }

    pub fn attributes() -> Field {
        Field { root: Root::Attributes, keys: Vec::new() }
    }

    /// Parse a field; `rootable` allows bare `attributes` and `resource`.
    pub fn parse(s: &str, rootable: bool) -> Result<Field, String> {
        let keys = split_keys(s).map_err(|e| format!("invalid field {s:?}: {e}"))?;
        let root = match keys[0].as_str() {
            "body" => Root::Body,
            "attributes" => Root::Attributes,
            "resource" => Root::Resource,
            _ => {
                return Err(format!(
                    "invalid field {s:?}: unrecognized prefix (a field starts with body, attributes or resource)"
                ))
            }
        };
        if !rootable && keys.len() == 1 && root != Root::Body {
            return Err(format!("invalid field {s:?}: {} cannot be referenced without subfield", keys[0]));
        }
        Ok(Field { root, keys: keys[1..].to_vec() })
    }

    pub fn is_root(&self) -> bool {
        self.keys.is_empty()
    }

    /// The value at this field.
    pub fn get<'a>(&self, e: &'a LogEntry) -> Option<Cow<'a, AnyValue>> {
        match self.root {
            Root::Body => {
                let mut v = &e.body;
                for k in &self.keys {
                    v = get_in(map_of(v)?, k)?;
                }
                Some(Cow::Borrowed(v))
            }
            Root::Attributes | Root::Resource => {
                let kvs = if self.root == Root::Attributes { &e.attributes } else { &e.resource };
                let Some((first, rest)) = self.keys.split_first() else {
                    return Some(Cow::Owned(map_value(kvs.clone())));
                };
                let mut v = get_in(kvs, first)?;
                for k in rest {
                    v = get_in(map_of(v)?, k)?;
                }
                Some(Cow::Borrowed(v))
            }
        }
    }

    /// Set the value; a map is merged into the map at the field (as stanza does).
    pub fn set(&self, e: &mut LogEntry, value: AnyValue) -> Result<(), String> {
        let (kvs, keys): (&mut Vec<KeyValue>, &[String]) = match self.root {
            Root::Body => {
                if self.keys.is_empty() && !is_map(&value) {
                    e.body = value;
                    return Ok(());
                }
                if !is_map(&e.body) {
                    e.body = map_value(Vec::new());
                }
                (map_of_mut(&mut e.body).expect("body is a map"), &self.keys)
            }
            Root::Attributes => (&mut e.attributes, &self.keys),
            Root::Resource => (&mut e.resource, &self.keys),
        };
        match value.value {
            Some(Value::KvlistValue(m)) => {
                let target = nested(kvs, keys);
                for kv in m.values {
                    insert(target, kv.key, kv.value.unwrap_or_default());
                }
                Ok(())
            }
            _ => {
                let Some((last, parents)) = keys.split_last() else {
                    return Err(format!("cannot set {} root to a value that is not a map", self));
                };
                insert(nested(kvs, parents), last.clone(), value);
                Ok(())
            }
        }
    }

    /// Remove and return the value at this field.
    pub fn delete(&self, e: &mut LogEntry) -> Option<AnyValue> {
        let kvs = match self.root {
            Root::Body => {
                if self.keys.is_empty() {
                    return Some(std::mem::take(&mut e.body));
                }
                map_of_mut(&mut e.body)?
            }
            Root::Attributes => &mut e.attributes,
            Root::Resource => &mut e.resource,
        };
        let Some((last, parents)) = self.keys.split_last() else {
            return Some(map_value(std::mem::take(kvs)));
        };
        let mut m = kvs;
        for k in parents {
            m = map_of_mut(m.iter_mut().find(|kv| kv.key == *k)?.value.as_mut()?)?;
        }
        let i = m.iter().position(|kv| kv.key == *last)?;
        Some(m.remove(i).value.unwrap_or_default())
    }
}

impl<'de> de::Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Field::parse(&s, false).map_err(de::Error::custom)
    }
}

/// A field that may be bare `attributes` or `resource` (`parse_to`, `remove`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootableField(pub Field);

impl<'de> de::Deserialize<'de> for RootableField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Field::parse(&s, true).map(RootableField).map_err(de::Error::custom)
    }
}

pub fn is_map(v: &AnyValue) -> bool {
    matches!(v.value, Some(Value::KvlistValue(_)))
}

fn map_of(v: &AnyValue) -> Option<&[KeyValue]> {
    match &v.value {
        Some(Value::KvlistValue(m)) => Some(&m.values),
        _ => None,
    }
}

fn map_of_mut(v: &mut AnyValue) -> Option<&mut Vec<KeyValue>> {
    match &mut v.value {
        Some(Value::KvlistValue(m)) => Some(&mut m.values),
        _ => None,
    }
}

fn get_in<'a>(kvs: &'a [KeyValue], key: &str) -> Option<&'a AnyValue> {
    kvs.iter().find(|kv| kv.key == key).map(|kv| kv.value.as_ref().unwrap_or(&EMPTY))
}

static EMPTY: AnyValue = AnyValue { value: None };

/// The map at `keys`, created (replacing anything that is not a map) as needed.
fn nested<'a>(mut kvs: &'a mut Vec<KeyValue>, keys: &[String]) -> &'a mut Vec<KeyValue> {
    for k in keys {
        let i = match kvs.iter().position(|kv| kv.key == *k) {
            Some(i) => i,
            None => {
                kvs.push(KeyValue { key: k.clone(), value: None, ..Default::default() });
                kvs.len() - 1
            }
        };
        let slot = kvs[i].value.get_or_insert_with(AnyValue::default);
        if !is_map(slot) {
            *slot = AnyValue { value: Some(Value::KvlistValue(KeyValueList { values: Vec::new() })) };
        }
        kvs = map_of_mut(slot).expect("just made a map");
    }
    kvs
}

/// Set `key` in a map, replacing an existing value in place.
pub fn insert(kvs: &mut Vec<KeyValue>, key: String, value: AnyValue) {
    match kvs.iter_mut().find(|kv| kv.key == key) {
        Some(kv) => kv.value = Some(value),
        None => kvs.push(KeyValue { key, value: Some(value), ..Default::default() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anyvalue::{int_value, str_value};

    fn entry() -> LogEntry {
        LogEntry {
            body: map_value(vec![
                KeyValue { key: "a".into(), value: Some(str_value("x")), ..Default::default() },
                KeyValue {
                    key: "n".into(),
                    value: Some(map_value(vec![KeyValue {
                        key: "k.dot".into(),
                        value: Some(int_value(1)),
                        ..Default::default()
                    }])),
                    ..Default::default()
                },
            ]),
            ..Default::default()
        }
    }

    #[test]
    fn parses_stanza_syntax() {
        let f = Field::parse(r#"attributes["k.with.dots"]"#, false).unwrap();
        assert_eq!((f.root, f.keys.as_slice()), (Root::Attributes, &["k.with.dots".to_string()][..]));
        assert_eq!(f.to_string(), "attributes['k.with.dots']");
        let f = Field::parse("body.a.b", false).unwrap();
        assert_eq!(f.keys, ["a", "b"]);
        assert_eq!(f.to_string(), "body.a.b");
        assert!(Field::parse("body", false).unwrap().is_root());
        assert!(Field::parse("attributes", false).unwrap_err().contains("cannot be referenced without subfield"));
        assert!(Field::parse("attributes", true).is_ok());
        assert!(Field::parse("foo.bar", false).unwrap_err().contains("unrecognized prefix"));
        assert!(Field::parse("body[a]", false).unwrap_err().contains("surrounded by quotes"));
        assert!(Field::parse("body['a'", false).unwrap_err().contains("unclosed left bracket"));
    }

    #[test]
    fn get_set_delete() {
        let mut e = entry();
        let f = Field::parse(r#"body.n["k.dot"]"#, false).unwrap();
        assert_eq!(f.get(&e).unwrap().into_owned(), int_value(1));
        let to = Field::parse("attributes.x.y", false).unwrap();
        to.set(&mut e, str_value("v")).unwrap();
        assert_eq!(to.get(&e).unwrap().into_owned(), str_value("v"));
        assert_eq!(f.delete(&mut e), Some(int_value(1)));
        assert!(f.get(&e).is_none());
        assert_eq!(Field::body().delete(&mut e).map(|b| is_map(&b)), Some(true));
        assert_eq!(e.body, AnyValue::default());
        // A map merges into the target.
        let attrs = Field::attributes();
        attrs
            .set(&mut e, map_value(vec![KeyValue { key: "z".into(), value: Some(int_value(2)), ..Default::default() }]))
            .unwrap();
        assert_eq!(e.attributes.iter().map(|kv| kv.key.as_str()).collect::<Vec<_>>(), ["x", "z"]);
        assert!(attrs.set(&mut e, int_value(3)).is_err());
    }
}
