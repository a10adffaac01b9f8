//! otelcol's attribute actions (`internal/coreinternal/attraction`), shared by
//! the attributes processor (`actions`, on record attributes) and the resource
//! processor (`attributes`, on resource attributes): `insert`, `update`,
//! `upsert`, `delete`, `hash`, `extract` and `convert`, applied in order to one
//! attribute list. Compiled once, with otelcol's error for each bad action.

use regex::Regex;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::config::FieldError;
use crate::event::any_value::Value as Av;
use crate::event::{str_value, AnyValue, KeyValue};
use crate::otlp::value::write_as_string;
use crate::ottl::converters::parse::json_to_any;
use crate::ottl::regex as goregex;

/// One entry of `actions` (attributes) or `attributes` (resource).
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActionConfig {
    /// The attribute acted on (required but for `delete` / `hash` with `pattern`).
    pub key: String,
    /// The value to set; its YAML type is kept (`123` is an int).
    pub value: Option<serde_json::Value>,
    /// `extract`: named groups become attributes; `delete` / `hash`: keys to match.
    pub pattern: String,
    /// Take the value from this attribute (no action when it is missing).
    pub from_attribute: String,
    /// Take the value from the request's client info: `client.address`,
    /// `metadata.<key>`, `auth.<attr>`, or a bare metadata key.
    pub from_context: String,
    /// `convert`: `int`, `double` or `string`.
    pub converted_type: String,
    /// Used when the value source yields nothing (a missing attribute or
    /// context key, or an empty `value` such as an unset `${ENV}`).
    pub default_value: Option<serde_json::Value>,
    /// insert, update, upsert, delete, hash, extract, convert (any case).
    pub action: String,
}

impl ActionConfig {
    fn value_sources(&self) -> usize {
        usize::from(self.value.as_ref().is_some_and(|v| !v.is_null()))
            + usize::from(!self.from_attribute.is_empty())
            + usize::from(!self.from_context.is_empty())
    }
}

/// Where a set action's value comes from.
#[derive(Debug)]
enum Source {
    Value(AnyValue),
    Attribute(String),
    Context(String),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum SetMode {
    Insert,
    Update,
    Upsert,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    Int,
    Double,
    Str,
}

#[derive(Debug)]
enum Op {
    Set {
        mode: SetMode,
        source: Source,
        default: Option<AnyValue>,
    },
    Delete(Option<Regex>),
    Hash(Option<Regex>),
    /// The pattern and the name of each of its groups (all named).
    Extract(Regex, Vec<String>),
    Convert(Target),
}

#[derive(Debug)]
struct Action {
    key: String,
    op: Op,
}

/// What a request brought beside its data, for `from_context`: client
/// metadata (headers), auth attributes and the peer address. A batch carries
/// none of it today, so `from_context` finds nothing and `default_value`
/// applies.
#[derive(Debug, Default)]
pub struct ClientInfo {
    pub address: Option<String>,
    pub metadata: Vec<(String, Vec<String>)>,
    pub auth: Vec<(String, Vec<String>)>,
}

impl ClientInfo {
    /// otelcol's lookup: several values are joined with `;`.
    fn get(&self, key: &str) -> Option<AnyValue> {
        let find = |list: &[(String, Vec<String>)], k: &str| {
            list.iter().find(|(n, _)| n.eq_ignore_ascii_case(k)).map(|(_, v)| v.join(";"))
        };
        let v = if key == "client.address" {
            self.address.clone()
        } else if let Some(k) = key.strip_prefix("metadata.") {
            find(&self.metadata, k)
        } else if let Some(k) = key.strip_prefix("auth.") {
            find(&self.auth, k)
        } else {
            find(&self.metadata, key)
        };
        v.filter(|s| !s.is_empty()).map(str_value)
    }
}

/// The compiled list of actions.
#[derive(Debug, Default)]
pub struct Actions(Vec<Action>);

impl Actions {
    /// Compile the list written at `key`; otelcol's error for each bad entry.
    pub fn compile(list: &[ActionConfig], key: &str, errors: &mut Vec<FieldError>) -> Actions {
        let mut out = Vec::new();
        for (i, a) in list.iter().enumerate() {
            match compile_one(a, i) {
                Ok(op) => out.push(Action { key: a.key.clone(), op }),
                Err(e) => errors.push(FieldError::new(format!("{key}[{i}]"), e)),
            }
        }
        Actions(out)
    }

    /// Apply every action, in order, to `attrs`.
    pub fn apply(&self, attrs: &mut Vec<KeyValue>, client: &ClientInfo) {
        for a in &self.0 {
            match &a.op {
                Op::Set { mode, source, default } => {
                    let value = match source {
                        Source::Value(v) if is_empty_str(v) => default.clone().or_else(|| Some(v.clone())),
                        Source::Value(v) => Some(v.clone()),
                        Source::Attribute(k) => get(attrs, k).cloned().or_else(|| default.clone()),
                        Source::Context(k) => client.get(k).or_else(|| default.clone()),
                    };
                    let Some(value) = value else { continue };
                    match (attrs.iter_mut().find(|kv| kv.key == a.key), mode) {
                        (Some(kv), SetMode::Update | SetMode::Upsert) => kv.value = Some(value),
                        (None, SetMode::Insert | SetMode::Upsert) => attrs.push(crate::event::kv(&a.key, value)),
                        _ => {}
                    }
                }
                Op::Delete(re) => {
                    attrs.retain(|kv| kv.key != a.key && !re.as_ref().is_some_and(|r| r.is_match(&kv.key)));
                }
                Op::Hash(re) => {
                    for kv in attrs.iter_mut() {
                        if kv.key == a.key || re.as_ref().is_some_and(|r| r.is_match(&kv.key)) {
                            kv.value = Some(str_value(hash(kv.value.as_ref())));
                        }
                    }
                }
                Op::Extract(re, names) => {
                    let Some(Av::StringValue(s)) = get(attrs, &a.key).and_then(|v| v.value.clone()) else { continue };
                    let Some(caps) = re.captures(&s) else { continue };
                    for (i, name) in names.iter().enumerate() {
                        let v = caps.get(i + 1).map_or("", |m| m.as_str());
                        upsert(attrs, name, str_value(v));
                    }
                }
                Op::Convert(target) => {
                    if let Some(kv) = attrs.iter_mut().find(|kv| kv.key == a.key) {
                        if let Some(v) = convert(kv.value.as_ref(), *target) {
                            kv.value = Some(v);
                        }
                    }
                }
            }
        }
    }
}

fn compile_one(a: &ActionConfig, i: usize) -> Result<Op, String> {
    let action = a.action.to_ascii_lowercase();
    let keyless = matches!(action.as_str(), "delete" | "hash");
    if keyless && a.key.is_empty() && a.pattern.is_empty() {
        return Err(format!("error creating AttrProc due to missing required field (at least one of \"key\" and \"pattern\" have to be used) at the {i}-th actions"));
    }
    if !keyless && a.key.is_empty() {
        return Err(format!("error creating AttrProc due to missing required field \"key\" at the {i}-th actions"));
    }
    let no_converted_type = || -> Result<(), String> {
        if a.converted_type.is_empty() {
            return Ok(());
        }
        Err(format!("error creating AttrProc. Action \"{action}\" does not use the \"converted_type\" field. This must not be specified for {i}-th action"))
    };
    let regex = |p: &str| {
        goregex::compile(p).map_err(|_| {
            format!("error creating AttrProc. Field \"pattern\" has invalid pattern: \"{p}\" to be set at the {i}-th actions")
        })
    };
    let sources = a.value_sources();
    Ok(match action.as_str() {
        "insert" | "update" | "upsert" => {
            if sources == 0 {
                return Err(format!("error creating AttrProc. Either field \"value\", \"from_attribute\" or \"from_context\" setting must be specified for {i}-th action"));
            }
            if sources > 1 {
                return Err(format!(
                    "error creating AttrProc due to multiple value sources being set at the {i}-th actions"
                ));
            }
            if !a.pattern.is_empty() {
                return Err(format!("error creating AttrProc. Action \"{action}\" does not use the \"pattern\" field. This must not be specified for {i}-th action"));
            }
            no_converted_type()?;
            let mode = match action.as_str() {
                "insert" => SetMode::Insert,
                "update" => SetMode::Update,
                _ => SetMode::Upsert,
            };
            let source = match &a.value {
                Some(v) if !v.is_null() => Source::Value(json_to_any(v.clone(), true)),
                _ if !a.from_context.is_empty() => Source::Context(a.from_context.clone()),
                _ => Source::Attribute(a.from_attribute.clone()),
            };
            let default = a.default_value.clone().filter(|v| !v.is_null()).map(|v| json_to_any(v, true));
            Op::Set { mode, source, default }
        }
        "delete" | "hash" => {
            if a.value.as_ref().is_some_and(|v| !v.is_null()) || !a.from_attribute.is_empty() {
                return Err(format!("error creating AttrProc. Action \"{action}\" does not use \"value\" or \"from_attribute\" field. These must not be specified for {i}-th action"));
            }
            let re = if a.pattern.is_empty() { None } else { Some(regex(&a.pattern)?) };
            no_converted_type()?;
            if action == "delete" {
                Op::Delete(re)
            } else {
                Op::Hash(re)
            }
        }
        "extract" => {
            if sources > 0 {
                return Err(format!("error creating AttrProc. Action \"{action}\" does not use a value source field. These must not be specified for {i}-th action"));
            }
            if a.pattern.is_empty() {
                return Err(format!("error creating AttrProc due to missing required field \"pattern\" for action \"{action}\" at the {i}-th action"));
            }
            no_converted_type()?;
            let re = regex(&a.pattern)?;
            let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
            if names.is_empty() {
                return Err(format!(
                    "error creating AttrProc. Field \"pattern\" contains no named matcher groups at the {i}-th actions"
                ));
            }
            if names.iter().any(Option::is_none) {
                return Err(format!("error creating AttrProc. Field \"pattern\" contains at least one unnamed matcher group at the {i}-th actions"));
            }
            let names = names.into_iter().flatten().map(str::to_string).collect();
            Op::Extract(re, names)
        }
        "convert" => {
            if sources > 0 || !a.pattern.is_empty() {
                return Err(format!("error creating AttrProc. Action \"{action}\" does not use value sources or \"pattern\" field. These must not be specified for {i}-th action"));
            }
            Op::Convert(match a.converted_type.as_str() {
                "int" => Target::Int,
                "double" => Target::Double,
                "string" => Target::Str,
                "" => return Err(format!("error creating AttrProc due to missing required field \"converted_type\" for action \"{action}\" at the {i}-th action")),
                other => return Err(format!("error creating AttrProc due to invalid value \"{other}\" in field \"converted_type\" for action \"{action}\" at the {i}-th action")),
            })
        }
        _ => {
            return Err(format!("error creating AttrProc due to unsupported action {:?} at the {i}-th actions", action))
        }
    })
}

fn is_empty_str(v: &AnyValue) -> bool {
    matches!(&v.value, Some(Av::StringValue(s)) if s.is_empty())
}

fn get<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a AnyValue> {
    attrs.iter().find(|kv| kv.key == key).and_then(|kv| kv.value.as_ref())
}

fn upsert(attrs: &mut Vec<KeyValue>, key: &str, v: AnyValue) {
    match attrs.iter_mut().find(|kv| kv.key == key) {
        Some(kv) => kv.value = Some(v),
        None => attrs.push(crate::event::kv(key, v)),
    }
}

/// SHA-256 of the value's bytes, hex: a string's UTF-8, a bool as one byte,
/// an int or double as 8 little-endian bytes; other types hash to "".
fn hash(v: Option<&AnyValue>) -> String {
    let bytes: Vec<u8> = match v.and_then(|v| v.value.as_ref()) {
        Some(Av::StringValue(s)) => s.as_bytes().to_vec(),
        Some(Av::BoolValue(b)) => vec![u8::from(*b)],
        Some(Av::IntValue(i)) => i.to_le_bytes().to_vec(),
        Some(Av::DoubleValue(d)) => d.to_bits().to_le_bytes().to_vec(),
        _ => Vec::new(),
    };
    if bytes.is_empty() {
        return String::new();
    }
    hex::encode(Sha256::digest(&bytes))
}

/// The converted value, or None when it cannot be converted (left as it is).
fn convert(v: Option<&AnyValue>, target: Target) -> Option<AnyValue> {
    let inner = v.and_then(|v| v.value.as_ref());
    let out = match (target, inner) {
        (Target::Str, _) => {
            let mut s = String::new();
            write_as_string(&mut s, v);
            Av::StringValue(s)
        }
        (Target::Int, Some(Av::IntValue(i))) => Av::IntValue(*i),
        (Target::Int, Some(Av::DoubleValue(d))) => Av::IntValue(*d as i64),
        (Target::Int, Some(Av::BoolValue(b))) => Av::IntValue(i64::from(*b)),
        (Target::Int, Some(Av::StringValue(s))) => Av::IntValue(s.parse().ok()?),
        (Target::Double, Some(Av::DoubleValue(d))) => Av::DoubleValue(*d),
        (Target::Double, Some(Av::IntValue(i))) => Av::DoubleValue(*i as f64),
        (Target::Double, Some(Av::BoolValue(b))) => Av::DoubleValue(if *b { 1.0 } else { 0.0 }),
        (Target::Double, Some(Av::StringValue(s))) => Av::DoubleValue(s.parse().ok()?),
        _ => return None,
    };
    Some(AnyValue { value: Some(out) })
}
