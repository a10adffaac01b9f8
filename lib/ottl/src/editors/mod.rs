//! Editors: the functions of `pkg/ottl/ottlfuncs` that change telemetry
//! (lowercase names): `set`, `clear`, `delete_key`, `delete_matching_keys`, `keep_keys`,
//! `keep_matching_keys`, `merge_maps`, `replace_pattern`, `replace_all_patterns`,
//! `replace_match`, `replace_all_matches`, `limit`, `truncate_all`, `flatten`,
//! `append`, `delete_index`, `stringify_all`. The map editors are here; [`replace`] has the `replace_*` ones
//! and [`shape`] those that reshape a value.

mod replace;
mod shape;

use opentelemetry_proto::tonic::common::v1::any_value::Value as Av;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};

use super::compile::{opt, req, Args};
use super::converters::strings::regex_arg;
use super::eval::eval;
use super::lexer::PosError;
use super::paths::{self, resolve_keys, Ctx, Path};
use super::value::{map_put, EvalError, EvalResult, Id, Time, Value};
use replace::{replace_all_patterns, replace_match, replace_pattern};
use shape::{append, delete_index, flatten, limit, truncate_all};

/// An editor ready to run.
pub trait Editor: Send + Sync {
    fn exec(&self, ctx: &mut Ctx<'_>) -> EvalResult<()>;
}

pub type Spec = super::compile::Spec<dyn Editor>;

pub(crate) static SPECS: &[Spec] = &[
    Spec { name: "set", params: &[req("target"), req("value")], build: set },
    Spec { name: "clear", params: &[req("target")], build: clear },
    Spec { name: "delete_key", params: &[req("target"), req("key")], build: delete_key },
    Spec { name: "delete_matching_keys", params: &[req("target"), req("pattern")], build: |a| matching_keys(a, false) },
    Spec { name: "keep_keys", params: &[req("target"), req("keys")], build: keep_keys },
    Spec { name: "keep_matching_keys", params: &[req("target"), req("pattern")], build: |a| matching_keys(a, true) },
    Spec { name: "merge_maps", params: &[req("target"), req("source"), req("strategy")], build: merge_maps },
    Spec {
        name: "replace_pattern",
        params: &[req("target"), req("regex"), req("replacement"), opt("function"), opt("replacement_format")],
        build: replace_pattern,
    },
    Spec {
        name: "replace_all_patterns",
        params: &[
            req("target"),
            req("mode"),
            req("regex"),
            req("replacement"),
            opt("function"),
            opt("replacement_format"),
        ],
        build: replace_all_patterns,
    },
    Spec {
        name: "replace_match",
        params: &[req("target"), req("pattern"), req("replacement"), opt("function"), opt("replacement_format")],
        build: |a| replace_match(a, false),
    },
    Spec {
        name: "replace_all_matches",
        params: &[req("target"), req("pattern"), req("replacement"), opt("function"), opt("replacement_format")],
        build: |a| replace_match(a, true),
    },
    Spec { name: "limit", params: &[req("target"), req("limit"), req("priority_keys")], build: limit },
    Spec {
        name: "truncate_all",
        params: &[req("target"), req("limit"), opt("utf8_safe"), opt("truncation_marker")],
        build: truncate_all,
    },
    Spec {
        name: "flatten",
        params: &[req("target"), opt("prefix"), opt("depth"), opt("resolve_conflicts")],
        build: flatten,
    },
    Spec { name: "append", params: &[req("target"), opt("value"), opt("values")], build: append },
    Spec { name: "delete_index", params: &[req("target"), req("start_index"), opt("end_index")], build: delete_index },
    Spec { name: "stringify_all", params: &[req("target")], build: stringify_all },
];

/// An editor made of a closure.
struct FnEditor<F>(F);

impl<F: Fn(&mut Ctx<'_>) -> EvalResult<()> + Send + Sync> Editor for FnEditor<F> {
    fn exec(&self, ctx: &mut Ctx<'_>) -> EvalResult<()> {
        (self.0)(ctx)
    }
}

/// An editor that runs `f` (for hosts' editors too).
pub fn editor<F: Fn(&mut Ctx<'_>) -> EvalResult<()> + Send + Sync + 'static>(f: F) -> Box<dyn Editor> {
    Box::new(FnEditor(f))
}

/// Run `f` on the map `path` names, in place.
fn with_map<R>(path: &Path, ctx: &mut Ctx<'_>, f: impl FnOnce(&mut Vec<KeyValue>) -> R) -> EvalResult<R> {
    let keys = resolve_keys(&path.keys, ctx)?;
    Ok(f(paths::map_mut(path, &keys, ctx)?))
}

/// Write `v` to `path`.
fn write(path: &Path, ctx: &mut Ctx<'_>, v: Value) -> EvalResult<()> {
    let keys = resolve_keys(&path.keys, ctx)?;
    paths::set(path, &keys, ctx, v)
}

/// `set(target, value)`: a nil value changes nothing.
fn set(a: &mut Args) -> Result<Box<dyn Editor>, PosError> {
    let target = a.path(0)?;
    let value = a.getter(1)?;
    Ok(editor(move |ctx| {
        let v = eval(&value, ctx)?.into_owned();
        if v.is_nil() {
            return Ok(());
        }
        write(&target, ctx, v)
    }))
}

/// `clear(target)`: set the target to the zero value of the type it holds,
/// as otelcol infers it: an empty map or slice, `""`, `0`, `false`, an
/// all-zero ID, Go's zero time, an empty record slice or struct. A nil target
/// is set to nil (a missing map entry is created empty).
fn clear(a: &mut Args) -> Result<Box<dyn Editor>, PosError> {
    let target = a.path(0)?;
    Ok(editor(move |ctx| {
        let current = paths::get(&target, ctx)
            .map_err(|e| EvalError::new(format!("error getting target value to infer zero value in clear: {e}")))?;
        let zero = zero_of(&current);
        write(&target, ctx, zero)
    }))
}

fn zero_of(v: &Value) -> Value<'static> {
    use std::borrow::Cow;
    match v {
        Value::Nil => Value::Nil,
        Value::Bool(_) => Value::Bool(false),
        Value::Int(_) => Value::Int(0),
        Value::Double(_) => Value::Double(0.0),
        Value::Str(_) => Value::string(String::new()),
        Value::Bytes(_) => Value::Bytes(Cow::Owned(Vec::new())),
        Value::Map(_) => Value::Map(Cow::Owned(Vec::new())),
        Value::List(_) => Value::List(Cow::Owned(Vec::new())),
        Value::Time(_) => Value::Time(Time::GO_ZERO),
        Value::Duration(_) => Value::Duration(0),
        Value::Id(Id::Trace(_)) => Value::Id(Id::Trace([0; 16])),
        Value::Id(Id::Span(_)) => Value::Id(Id::Span([0; 8])),
        Value::Id(Id::Profile(_)) => Value::Id(Id::Profile([0; 16])),
        Value::Records(r) => Value::Records(r.empty()),
        Value::Struct(s) => Value::Struct(s.zero()),
    }
}

fn delete_key(a: &mut Args) -> Result<Box<dyn Editor>, PosError> {
    let target = a.path(0)?;
    let key = a.getter(1)?;
    Ok(editor(move |ctx| {
        let k = eval(&key, ctx)?.into_str()?.into_owned();
        with_map(&target, ctx, |m| {
            if let Some(i) = m.iter().position(|kv| kv.key == k) {
                m.remove(i);
            }
        })
    }))
}

/// `delete_matching_keys` (`keep` false) and `keep_matching_keys` (`keep` true).
fn matching_keys(a: &mut Args, keep: bool) -> Result<Box<dyn Editor>, PosError> {
    let target = a.path(0)?;
    let re = regex_arg(a, 1)?;
    Ok(editor(move |ctx| with_map(&target, ctx, |m| m.retain(|kv| re.is_match(&kv.key) == keep))))
}

fn keep_keys(a: &mut Args) -> Result<Box<dyn Editor>, PosError> {
    let target = a.path(0)?;
    let keys = a.str_list_lit(1)?;
    Ok(editor(move |ctx| with_map(&target, ctx, |m| m.retain(|kv| keys.contains(&kv.key)))))
}

/// `stringify_all(target)`: every value of the map as pdata's `AsString`
/// (bytes in base64, maps and slices as JSON, empty as `""`).
fn stringify_all(a: &mut Args) -> Result<Box<dyn Editor>, PosError> {
    let target = a.path(0)?;
    Ok(editor(move |ctx| {
        with_map(&target, ctx, |m| {
            for kv in m.iter_mut() {
                if !matches!(kv.value.as_ref().and_then(|v| v.value.as_ref()), Some(Av::StringValue(_))) {
                    let mut s = String::new();
                    crate::pdata::write_as_string(&mut s, kv.value.as_ref());
                    kv.value = Some(crate::pdata::str_value(s));
                }
            }
        })
    }))
}

#[derive(Clone, Copy, PartialEq)]
enum Strategy {
    Insert,
    Update,
    Upsert,
}

/// `merge_maps(target, source, "insert" | "update" | "upsert")`.
fn merge_maps(a: &mut Args) -> Result<Box<dyn Editor>, PosError> {
    let target = a.path(0)?;
    let source = a.getter(1)?;
    let at = a.at_of(2);
    let strategy = match a.str_lit(2)?.as_str() {
        "insert" => Strategy::Insert,
        "update" => Strategy::Update,
        "upsert" => Strategy::Upsert,
        other => {
            return Err(
                a.err(at, format!("invalid value for strategy, {other}, must be 'insert', 'update' or 'upsert'"))
            )
        }
    };
    Ok(editor(move |ctx| {
        let src = eval(&source, ctx)?.into_map()?.into_owned();
        with_map(&target, ctx, |m| {
            for kv in src {
                let exists = m.iter().any(|t| t.key == kv.key);
                let put = match strategy {
                    Strategy::Insert => !exists,
                    Strategy::Update => exists,
                    Strategy::Upsert => true,
                };
                if put {
                    map_put(m, &kv.key, kv.value.unwrap_or(AnyValue { value: None }));
                }
            }
        })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_editor_has_a_distinct_name() {
        assert_eq!(crate::Functions::standard().editor_names(crate::ContextKind::Log).len(), SPECS.len());
    }
}
