//! otelcol's legacy matching of log records (`internal/filter/filterlog`,
//! `filtermatcher`), shared by the filter processor's `logs.include` /
//! `logs.exclude` and the attributes processor's `include` / `exclude`: a
//! record matches when every property given matches — any of the bodies, any
//! of the severity texts, the severity number minimum, every library, all
//! record attributes and all resource attributes. `strict` compares exactly;
//! `regexp` is an unanchored RE2 search. The two processors spell the keys
//! differently, so a [`Spec`] names each list with its key.

use std::borrow::Cow;

use regex::Regex;
use serde::Deserialize;

use crate::config::FieldError;
use crate::event::any_value::Value as Av;
use crate::event::{AnyValue, InstrumentationScope, KeyValue, LogRecord};
use crate::otlp::value::write_as_string;
use crate::ottl::converters::parse::json_to_any;
use crate::ottl::regex as goregex;
use crate::ottl::value::any_equal;

/// `{key, value}`: the key must exist and, when a value is given, match it.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Attribute {
    pub key: String,
    /// Without a value, the key only has to exist.
    pub value: Option<serde_json::Value>,
}

/// `{min, match_undefined}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeverityNumber {
    /// Lowest matching severity: a short name (`INFO`, `warn2`) or a number 1-24.
    pub min: String,
    /// Whether records without a severity number match.
    pub match_undefined: bool,
}

/// An instrumentation scope `{name, version}`: without a version any version
/// matches; an empty version matches only a scope without one.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Library {
    pub name: String,
    pub version: Option<String>,
}

/// The properties to compile, each list with the key it is written under.
#[derive(Default)]
pub struct Spec<'a> {
    pub match_type: &'a str,
    pub bodies: (&'a str, &'a [String]),
    pub severity_texts: (&'a str, &'a [String]),
    pub severity_number: Option<(&'a str, &'a SeverityNumber)>,
    pub record_attributes: (&'a str, &'a [Attribute]),
    pub resource_attributes: (&'a str, &'a [Attribute]),
    pub libraries: &'a [Library],
}

impl Spec<'_> {
    /// Nothing to match on (otelcol refuses that, each processor in its words).
    pub fn is_empty(&self) -> bool {
        !self.needs_type() && self.severity_number.is_none()
    }

    fn needs_type(&self) -> bool {
        !self.bodies.1.is_empty()
            || !self.severity_texts.1.is_empty()
            || !self.record_attributes.1.is_empty()
            || !self.resource_attributes.1.is_empty()
            || !self.libraries.is_empty()
    }
}

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
    /// Name, and version when given.
    libraries: Vec<(StringSet, Option<StringSet>)>,
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
    /// Compile the properties at `key` (`logs::include`); problems are pushed
    /// to `errors`. The caller checks first that the spec is not empty.
    pub fn new(p: &Spec<'_>, key: &str, errors: &mut Vec<FieldError>) -> Option<Matcher> {
        let mt = match p.match_type {
            "strict" => MatchType::Strict,
            "regexp" => MatchType::Regexp,
            _ if !p.needs_type() => MatchType::Strict,
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
        let bodies = set(p.bodies.1, p.bodies.0, errors);
        let severity_texts = set(p.severity_texts.1, p.severity_texts.0, errors);
        let severity = match p.severity_number {
            None => None,
            Some((_, sn)) if sn.min.is_empty() => Some((0, sn.match_undefined)),
            Some((field, sn)) => match severity_number(&sn.min) {
                Some(n) => Some((n, sn.match_undefined)),
                None => {
                    errors.push(FieldError::new(
                        format!("{key}::{field}::min"),
                        format!("'{}' is not a valid severity: not a valid severity", sn.min),
                    ));
                    None
                }
            },
        };
        let libraries = p
            .libraries
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let name = set(std::slice::from_ref(&l.name), &format!("libraries[{i}]::name"), errors);
                let version = l
                    .version
                    .as_ref()
                    .and_then(|v| set(std::slice::from_ref(v), &format!("libraries[{i}]::version"), errors));
                (name.unwrap_or(StringSet::Strict(Vec::new())), version)
            })
            .collect();
        let (rk, rl) = p.record_attributes;
        let record_attributes = attrs(rl, mt, &format!("{key}::{rk}"), errors);
        let (sk, sl) = p.resource_attributes;
        let resource_attributes = attrs(sl, mt, &format!("{key}::{sk}"), errors);
        (errors.len() == before).then_some(Matcher {
            bodies,
            severity_texts,
            severity,
            record_attributes,
            resource_attributes,
            libraries,
        })
    }

    /// Does the record (with its resource's attributes) match?
    pub fn matches(&self, rec: &LogRecord, resource_attrs: &[KeyValue], scope: Option<&InstrumentationScope>) -> bool {
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
        self.matches_attributes(&rec.attributes, resource_attrs, scope)
    }

    /// The properties every signal shares: libraries, resource attributes and
    /// the item's own attributes (otelcol's `filtermatcher.PropertiesMatcher`).
    pub fn matches_attributes(
        &self,
        attributes: &[KeyValue],
        resource_attrs: &[KeyValue],
        scope: Option<&InstrumentationScope>,
    ) -> bool {
        let (name, version) = scope.map_or(("", ""), |s| (s.name.as_str(), s.version.as_str()));
        if !self.libraries.iter().all(|(n, v)| n.matches(name) && v.as_ref().is_none_or(|v| v.matches(version))) {
            return false;
        }
        attrs_match(&self.resource_attributes, resource_attrs) && attrs_match(&self.record_attributes, attributes)
    }
}

/// A list of names matched exactly (`strict`) or as unanchored patterns
/// (`regexp`): `services`, `span_names`, `span_kinds`, `metric_names`.
#[derive(Debug)]
pub struct NameSet(StringSet);

impl NameSet {
    /// `None` for an empty list, or when something is wrong (pushed to `errors`).
    pub fn new(list: &[String], match_type: &str, key: &str, errors: &mut Vec<FieldError>) -> Option<NameSet> {
        if list.is_empty() {
            return None;
        }
        match match_type {
            "strict" => Some(NameSet(StringSet::Strict(list.to_vec()))),
            "regexp" => {
                let before = errors.len();
                let set: Vec<Regex> =
                    list.iter().enumerate().filter_map(|(i, s)| compile(s, &format!("{key}[{i}]"), errors)).collect();
                (errors.len() == before).then_some(NameSet(StringSet::Regexp(set)))
            }
            other => {
                let at = key.rsplit_once("::").map_or(String::new(), |(parent, _)| format!("{parent}::"));
                errors.push(FieldError::new(
                    format!("{at}match_type"),
                    format!("unrecognized match_type: '{other}', valid types are: [regexp strict]"),
                ));
                None
            }
        }
    }

    pub fn matches(&self, s: &str) -> bool {
        self.0.matches(s)
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
