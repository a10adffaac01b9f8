//! The converters that take lambdas (`All`, `Any`, `Filter`, `Find`,
//! `MapEach`, `MapKeys`, `Reduce`, `When`). [`crate::Functions`] offers them
//! only with otelcol's `ottl.functions.enableLambda` gate on; otherwise they
//! are undefined functions, as in otelcol.
//!
//! Over a slice a lambda gets `(index, value)`, over a map `(key, value)`,
//! in the slice's or map's order.

use std::borrow::Cow;

use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};

use super::{conv, Converter, Spec};
use crate::compile::{opt, req, Args};
use crate::eval::eval;
use crate::lambda::{wrong_type, Lambda};
use crate::lexer::PosError;
use crate::paths::Ctx;
use crate::pdata;
use crate::value::{map_put, EvalError, EvalResult, Value};

pub static SPECS: &[Spec] = &[
    Spec { name: "All", params: &[req("source"), req("predicate")], build: |a| quantifier(a, true) },
    Spec { name: "Any", params: &[req("source"), req("predicate")], build: |a| quantifier(a, false) },
    Spec { name: "Filter", params: &[req("source"), req("predicate")], build: filter },
    Spec { name: "Find", params: &[req("source"), req("predicate"), opt("mapper")], build: find },
    Spec { name: "MapEach", params: &[req("source"), req("mapper")], build: map_each },
    Spec { name: "MapKeys", params: &[req("source"), req("key_mapper")], build: map_keys },
    Spec { name: "Reduce", params: &[req("source"), req("seed"), req("accumulator")], build: reduce },
    Spec { name: "When", params: &[req("condition"), req("true_value"), req("false_value")], build: when },
];

/// A slice's or map's elements as (index or key, value) pairs.
enum Items<'c> {
    Slice(Cow<'c, [AnyValue]>),
    Map(Cow<'c, [KeyValue]>),
}

impl Items<'_> {
    fn get(v: Value<'_>) -> EvalResult<Items<'_>> {
        match v {
            Value::List(l) => Ok(Items::Slice(l)),
            Value::Map(m) => Ok(Items::Map(m)),
            v => Err(EvalError::new(format!("unsupported type provided: {}", go_type(&v)))),
        }
    }

    /// Each element as lambda arguments, with the element for messages.
    fn each(&self) -> Vec<(Value<'static>, &AnyValue)> {
        static EMPTY: AnyValue = AnyValue { value: None };
        match self {
            Items::Slice(l) => l.iter().enumerate().map(|(i, v)| (Value::Int(i as i64), v)).collect(),
            Items::Map(m) => {
                m.iter().map(|kv| (Value::string(kv.key.clone()), kv.value.as_ref().unwrap_or(&EMPTY))).collect()
            }
        }
    }

    fn item_error(&self, k: &Value, v: &AnyValue, e: EvalError) -> EvalError {
        let (kind, key) = match (self, k) {
            (Items::Slice(_), Value::Int(i)) => ("slice", i.to_string()),
            (_, k) => ("map", k.string_like().ok().flatten().unwrap_or_default().into_owned()),
        };
        EvalError::new(format!(
            "error while evaluating lambda function on {kind} item ({key}, {}): {e}",
            as_string(Some(v))
        ))
    }
}

fn go_type(v: &Value) -> &'static str {
    if v.is_nil() {
        "<nil>"
    } else {
        v.type_name()
    }
}

fn as_string(v: Option<&AnyValue>) -> String {
    let mut s = String::new();
    pdata::write_as_string(&mut s, v);
    s
}

fn arg(v: &AnyValue) -> Value<'static> {
    Value::from_any(v).into_owned()
}

fn quantifier(a: &mut Args, all: bool) -> Result<Box<dyn Converter>, PosError> {
    let source = a.getter(0)?;
    let pred = a.lambda(1, 2, "")?;
    Ok(conv(move |ctx| {
        let items = Items::get(eval(&source, ctx)?)?;
        for (k, v) in items.each() {
            if pred.test(ctx, vec![k, arg(v)])? != all {
                return Ok(Value::Bool(!all));
            }
        }
        Ok(Value::Bool(all))
    }))
}

fn filter(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let source = a.getter(0)?;
    let pred = a.lambda(1, 2, "")?;
    Ok(conv(move |ctx| {
        let items = Items::get(eval(&source, ctx)?)?;
        let mut kept = Vec::new();
        for (k, v) in items.each() {
            if pred.test(ctx, vec![k.clone(), arg(v)]).map_err(|e| items.item_error(&k, v, e))? {
                kept.push((k, v.clone()));
            }
        }
        Ok(collect(&items, kept))
    }))
}

/// A slice or map (as the source was) of these elements.
fn collect(items: &Items, elems: Vec<(Value<'static>, AnyValue)>) -> Value<'static> {
    match items {
        Items::Slice(_) => Value::List(Cow::Owned(elems.into_iter().map(|(_, v)| v).collect())),
        Items::Map(_) => {
            let mut kvs: Vec<KeyValue> = Vec::with_capacity(elems.len());
            for (k, v) in elems {
                if let Value::Str(k) = k {
                    map_put(&mut kvs, &k, v);
                }
            }
            Value::Map(Cow::Owned(kvs))
        }
    }
}

fn find(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let source = a.getter(0)?;
    let pred = a.lambda(1, 2, "invalid predicate: ")?;
    let mapper = a.opt_lambda(2, 2, "invalid mapper: ")?;
    Ok(conv(move |ctx| {
        let items = Items::get(eval(&source, ctx)?)?;
        for (k, v) in items.each() {
            if pred.test(ctx, vec![k.clone(), arg(v)]).map_err(|e| items.item_error(&k, v, e))? {
                return match &mapper {
                    None => Ok(arg(v)),
                    Some(m) => m.call(ctx, vec![k.clone(), arg(v)]).map_err(|e| {
                        let key = k.string_like().ok().flatten().unwrap_or_default().into_owned();
                        EvalError::new(format!(
                            "error while evaluating mapper lambda function on item ({key}, {}): {e}",
                            as_string(Some(v))
                        ))
                    }),
                };
            }
        }
        Ok(Value::Nil)
    }))
}

fn map_each(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let source = a.getter(0)?;
    let mapper = a.lambda(1, 2, "")?;
    Ok(conv(move |ctx| {
        let items = Items::get(eval(&source, ctx)?)?;
        let mut out = Vec::new();
        for (k, v) in items.each() {
            let r = mapper.call(ctx, vec![k.clone(), arg(v)]).map_err(|e| items.item_error(&k, v, e))?;
            out.push((k, result_value(r)?));
        }
        Ok(collect(&items, out))
    }))
}

/// A lambda's result as an element; times and durations cannot be one.
fn result_value(v: Value<'static>) -> EvalResult<AnyValue> {
    match v {
        Value::Time(_) | Value::Duration(_) | Value::Id(_) | Value::Records(_) | Value::Struct(_) => {
            Err(EvalError::new(format!(
                "error while converting lambda function result: unsupported type {}",
                v.type_name()
            )))
        }
        v => Ok(v.into_any_or_empty()),
    }
}

fn map_keys(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let source = a.getter(0)?;
    let mapper = a.lambda(1, 2, "")?;
    Ok(conv(move |ctx| {
        let m = eval(&source, ctx)?.into_map()?;
        let mut out: Vec<KeyValue> = Vec::with_capacity(m.len());
        for kv in m.iter() {
            let v = kv.value.clone().unwrap_or_default();
            let key = match mapper.call(ctx, vec![Value::string(kv.key.clone()), arg(&v)]) {
                Ok(Value::Str(s)) => Ok(s.into_owned()),
                Ok(other) => Err(wrong_type("string", &other)),
                Err(e) => Err(e),
            }
            .map_err(|e| {
                EvalError::new(format!(
                    "error while evaluating lambda function on map item ({}, {}): {e}",
                    kv.key,
                    as_string(Some(&v))
                ))
            })?;
            map_put(&mut out, &key, v);
        }
        Ok(Value::Map(Cow::Owned(out)))
    }))
}

fn reduce(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let source = a.getter(0)?;
    let seed = a.getter(1)?;
    let acc_fn = a.lambda(2, 3, "")?;
    Ok(conv(move |ctx| {
        let items = Items::get(eval(&source, ctx)?)?;
        let mut acc = eval(&seed, ctx)?.into_owned();
        for (k, v) in items.each() {
            acc = acc_fn.call(ctx, vec![acc, k, arg(v)])?;
        }
        Ok(acc)
    }))
}

fn when(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let cond: Lambda = a.lambda(0, 0, "")?;
    let yes = a.getter(1)?;
    let no = a.getter(2)?;
    Ok(conv(move |ctx: &Ctx<'_>| {
        let pick = cond
            .test(ctx, Vec::new())
            .map_err(|e| EvalError::new(format!("error while evaluating lambda function: {e}")))?;
        Ok(eval(if pick { &yes } else { &no }, ctx)?.into_owned())
    }))
}
