//! Map and slice converters: `Keys`, `Values`, `Index`, `ContainsValue`, `SliceToMap`.

use std::borrow::Cow;

use opentelemetry_proto::tonic::common::v1::any_value::Value as Av;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};

use super::{conv, Converter, Spec};
use crate::ast::CmpOp;
use crate::compile::{opt, req, Args};
use crate::eval::eval;
use crate::lexer::PosError;
use crate::pdata::str_value;
use crate::value::{compare, map_get, map_put, EvalError, Value};

pub static SPECS: &[Spec] = &[
    Spec { name: "Keys", params: &[req("target")], build: keys },
    Spec { name: "Values", params: &[req("target")], build: values },
    Spec { name: "Index", params: &[req("target"), req("value")], build: index },
    Spec { name: "ContainsValue", params: &[req("target"), req("item")], build: contains_value },
    Spec { name: "SliceToMap", params: &[req("target"), opt("key_path"), opt("value_path")], build: slice_to_map },
];

fn keys(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| {
        let m = eval(&target, ctx)?.into_map()?;
        Ok(Value::List(Cow::Owned(m.iter().map(|kv| str_value(kv.key.clone())).collect())))
    }))
}

fn values(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| {
        let m = eval(&target, ctx)?.into_map()?;
        Ok(Value::List(Cow::Owned(m.iter().map(|kv| kv.value.clone().unwrap_or(AnyValue { value: None })).collect())))
    }))
}

/// `Index(target, value)`: the byte index of a substring, or the index of the
/// first equal element of a slice (OTTL comparison rules); -1 when absent.
fn index(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let value = a.getter(1)?;
    Ok(conv(move |ctx| {
        let t = eval(&target, ctx)?;
        let v = eval(&value, ctx)?;
        let i = match &t {
            Value::Str(s) => s.find(v.expect_str()?).map_or(-1, |i| i as i64),
            Value::List(items) => {
                items.iter().position(|item| compare(&Value::from_any(item), &v, CmpOp::Eq)).map_or(-1, |i| i as i64)
            }
            t => return Err(EvalError::new(format!("Index: unsupported target type {}", t.type_name()))),
        };
        Ok(Value::Int(i))
    }))
}

fn contains_value(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let item = a.getter(1)?;
    Ok(conv(move |ctx| {
        let items = eval(&target, ctx)?.into_list()?;
        let v = eval(&item, ctx)?;
        Ok(Value::Bool(items.iter().any(|i| compare(&Value::from_any(i), &v, CmpOp::Eq))))
    }))
}

/// Follow `path` (map keys) inside a map value.
fn at_path<'v>(kvs: &'v [KeyValue], path: &[String]) -> Option<&'v AnyValue> {
    let (first, rest) = path.split_first()?;
    let v = map_get(kvs, first)?.value.as_ref()?;
    if rest.is_empty() {
        return Some(v);
    }
    match &v.value {
        Some(Av::KvlistValue(m)) => at_path(&m.values, rest),
        _ => None,
    }
}

/// `SliceToMap(target, key_path?, value_path?)`: a slice of maps to a map keyed
/// by the string at `key_path` (or the index), holding the value at
/// `value_path` (or the whole element).
fn slice_to_map(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let key_path = a.opt_str_list_lit(1)?.unwrap_or_default();
    let value_path = a.opt_str_list_lit(2)?.unwrap_or_default();
    Ok(conv(move |ctx| {
        let items = eval(&target, ctx)?.into_list()?;
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let Some(Av::KvlistValue(m)) = &item.value else {
                return Err(EvalError::new(format!(
                    "could not cast element '{}' to map[string]any",
                    Value::from_any(item).string_like()?.unwrap_or_default()
                )));
            };
            let key = if key_path.is_empty() {
                i.to_string()
            } else {
                match at_path(&m.values, &key_path).and_then(|v| v.value.as_ref()) {
                    Some(Av::StringValue(s)) => s.clone(),
                    _ => {
                        return Err(EvalError::new(
                            "provided object does not contain a string value at the specified path",
                        ))
                    }
                }
            };
            let value = if value_path.is_empty() {
                item.clone()
            } else {
                at_path(&m.values, &value_path)
                    .cloned()
                    .ok_or_else(|| EvalError::new("provided object does not contain a value at the specified path"))?
            };
            map_put(&mut out, &key, value);
        }
        Ok(Value::Map(Cow::Owned(out)))
    }))
}
