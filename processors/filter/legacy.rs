//! The legacy `logs.include` / `logs.exclude` matching of otelcol's filter
//! processor (`internal/filter/filterlog`): a record matches when every
//! property given matches — any of `bodies`, any of `severity_texts`, the
//! `severity_number` minimum, all `record_attributes` and all
//! `resource_attributes`. `strict` compares exactly; `regexp` is an
//! unanchored RE2 search.

use std::borrow::Cow;

use regex::Regex;

use super::config::{Attribute, LogMatchProperties};
use crate::config::FieldError;
use crate::event::any_value::Value as Av;
use crate::event::{AnyValue, KeyValue, LogRecord};
use crate::otlp::value::write_as_string;
use crate::ottl::converters::parse::json_to_any;
use crate::ottl::regex as goregex;
use crate::ottl::value::any_equal;

/// A set of strings to match: exact, or patterns.
#[derive(Debug)]
enum StringSet {
    Strict(Vec<String>),
    Regexp(Vec<Regex>),
}

impl StringSet {
    fn matches(&self, s: &str) -> bool {
        match self {
            StringSet::Strict(v) => v.iter().any(|x| x == s),
            StringSet::Regexp(v) => v.iter().any(|r| r.is_match(s)),
        }
    }
}

#[derive(Debug)]
enum AttrValue {
    /// The key must exist.
    Any,
    Strict(AnyValue),
    Regexp(Regex),
}

#[derive(Debug)]
struct AttrMatcher {
    key: String,
    value: AttrValue,
}

/// One compiled `include` or `exclude`.
#[derive(Debug)]
pub struct Matcher {
    bodies: Option<StringSet>,
    severity_texts: Option<StringSet>,
    /// Minimum severity number and whether unset severities match.
    severity: Option<(i32, bool)>,
    record_attributes: Vec<AttrMatcher>,
    resource_attributes: Vec<AttrMatcher>,
}

#[derive(Clone, Copy, PartialEq)]
enum MatchType {
    Strict,
    Regexp,
}

/// `INFO` → 9, `warn2` → 14, `17` → 17.
fn severity_number(s: &str) -> Option<i32> {
    if let Ok(n) = s.parse::<i32>() {
        return (1..=24).contains(&n).then_some(n);
    }
    crate::ottl::compile::severity_short_name(&s.to_ascii_uppercase()).map(|n| n as i32)
}

impl Matcher {
    /// Compile the properties at `key` (`logs::include`); problems are pushed to `errors`.
    pub fn new(p: &LogMatchProperties, key: &str, errors: &mut Vec<FieldError>) -> Option<Matcher> {
        let needs_type = !p.bodies.is_empty()
            || !p.severity_texts.is_empty()
            || !p.record_attributes.is_empty()
            || !p.resource_attributes.is_empty();
        if !needs_type && p.severity_number.is_none() {
            errors.push(FieldError::new(
                key,
                "at least one of record_attributes, resource_attributes, bodies, severity_texts or severity_number must be set",
            ));
            return None;
        }
        let mt = match p.match_type.as_str() {
            "strict" => MatchType::Strict,
            "regexp" => MatchType::Regexp,
            _ if !needs_type => MatchType::Strict,
            other => {
                errors.push(FieldError::new(
                    format!("{key}::match_type"),
                    format!("unrecognized match_type: '{other}', valid types are: [regexp strict]"),
                ));
                return None;
            }
        };
        let before = errors.len();
        let set = |list: &[String], field: &str, errors: &mut Vec<FieldError>| -> Option<StringSet> {
            if list.is_empty() {
                return None;
            }
            Some(match mt {
                MatchType::Strict => StringSet::Strict(list.to_vec()),
                MatchType::Regexp => StringSet::Regexp(
                    list.iter()
                        .enumerate()
                        .filter_map(|(i, s)| compile(s, &format!("{key}::{field}[{i}]"), errors))
                        .collect(),
                ),
            })
        };
        let bodies = set(&p.bodies, "bodies", errors);
        let severity_texts = set(&p.severity_texts, "severity_texts", errors);
        let severity = match &p.severity_number {
            None => None,
            Some(sn) if sn.min.is_empty() => Some((0, sn.match_undefined)),
            Some(sn) => match severity_number(&sn.min) {
                Some(n) => Some((n, sn.match_undefined)),
                None => {
                    errors.push(FieldError::new(
                        format!("{key}::severity_number::min"),
                        format!("'{}' is not a valid severity: not a valid severity", sn.min),
                    ));
                    None
                }
            },
        };
        let record_attributes = attrs(&p.record_attributes, mt, &format!("{key}::record_attributes"), errors);
        let resource_attributes = attrs(&p.resource_attributes, mt, &format!("{key}::resource_attributes"), errors);
        (errors.len() == before).then_some(Matcher {
            bodies,
            severity_texts,
            severity,
            record_attributes,
            resource_attributes,
        })
    }

    /// Does the record (with its resource's attributes) match?
    pub fn matches(&self, rec: &LogRecord, resource_attrs: &[KeyValue]) -> bool {
        if let Some(b) = &self.bodies {
            let body: Cow<str> = match rec.body.as_ref().and_then(|v| v.value.as_ref()) {
                Some(Av::StringValue(s)) => Cow::Borrowed(s),
                _ => {
                    let mut s = String::new();
                    write_as_string(&mut s, rec.body.as_ref());
                    Cow::Owned(s)
                }
            };
            if !b.matches(&body) {
                return false;
            }
        }
        if let Some(t) = &self.severity_texts {
            if !t.matches(&rec.severity_text) {
                return false;
            }
        }
        if let Some((min, undefined)) = self.severity {
            let ok = if rec.severity_number == 0 { undefined } else { rec.severity_number >= min };
            if !ok {
                return false;
            }
        }
        attrs_match(&self.resource_attributes, resource_attrs) && attrs_match(&self.record_attributes, &rec.attributes)
    }
}

fn compile(pattern: &str, key: &str, errors: &mut Vec<FieldError>) -> Option<Regex> {
    match goregex::compile(pattern) {
        Ok(r) => Some(r),
        Err(e) => {
            errors.push(FieldError::new(key, format!("invalid regex {pattern:?}: {e}")));
            None
        }
    }
}

fn attrs(list: &[Attribute], mt: MatchType, key: &str, errors: &mut Vec<FieldError>) -> Vec<AttrMatcher> {
    let mut out = Vec::new();
    for (i, a) in list.iter().enumerate() {
        let k = format!("{key}[{i}]");
        if a.key.is_empty() {
            errors.push(FieldError::new(&k, "can't have empty key in the list of attributes"));
            continue;
        }
        let value = match (&a.value, mt) {
            (None, _) => AttrValue::Any,
            (Some(serde_json::Value::String(s)), MatchType::Regexp) => match compile(s, &format!("{k}::value"), errors)
            {
                Some(r) => AttrValue::Regexp(r),
                None => continue,
            },
            (Some(v), MatchType::Regexp) => {
                errors.push(FieldError::new(
                    format!("{k}::value"),
                    format!("match_type=regexp for {:?} only supports Str, but found {}", a.key, json_type(v)),
                ));
                continue;
            }
            (Some(v), MatchType::Strict) => AttrValue::Strict(json_to_any(v.clone(), true)),
        };
        out.push(AttrMatcher { key: a.key.clone(), value });
    }
    out
}

fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "Empty",
        serde_json::Value::Bool(_) => "Bool",
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => "Int",
        serde_json::Value::Number(_) => "Double",
        serde_json::Value::String(_) => "Str",
        serde_json::Value::Array(_) => "Slice",
        serde_json::Value::Object(_) => "Map",
    }
}

/// Every matcher finds its key with a matching value. With matchers, a record
/// without attributes never matches.
fn attrs_match(matchers: &[AttrMatcher], kvs: &[KeyValue]) -> bool {
    matchers.iter().all(|m| {
        let Some(kv) = kvs.iter().find(|kv| kv.key == m.key) else { return false };
        match &m.value {
            AttrValue::Any => true,
            AttrValue::Strict(want) => any_equal(Some(want), kv.value.as_ref()),
            AttrValue::Regexp(re) => match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
                Some(Av::StringValue(s)) => re.is_match(s),
                Some(Av::BoolValue(b)) => re.is_match(if *b { "true" } else { "false" }),
                Some(Av::IntValue(i)) => re.is_match(&i.to_string()),
                Some(Av::DoubleValue(d)) => re.is_match(&d.to_string()),
                _ => false,
            },
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_names_and_numbers() {
        assert_eq!(severity_number("INFO"), Some(9));
        assert_eq!(severity_number("info"), Some(9));
        assert_eq!(severity_number("Warn2"), Some(14));
        assert_eq!(severity_number("FATAL4"), Some(24));
        assert_eq!(severity_number("17"), Some(17));
        assert_eq!(severity_number("25"), None);
        assert_eq!(severity_number("LOUD"), None);
        assert_eq!(severity_number("INFO5"), None);
    }
}
