//! Reading a path: a field of the record, scope, resource or cache, then its keys.

use std::borrow::Cow;

use opentelemetry_proto::tonic::common::v1::KeyValue;

use super::super::eval::eval;
use super::super::value::{map_get, EvalError, EvalResult, Id, Time, Value};
use super::{Ctx, Field, Key, Path, RKey};
use crate::pdata::{type_name as pdata_type, write_as_string};

/// Read a path.
pub fn get<'c>(path: &'c Path, ctx: &'c Ctx<'_>) -> EvalResult<Value<'c>> {
    let base = get_field(path.field, ctx)?;
    if path.keys.is_empty() {
        return Ok(base);
    }
    if path.field == Field::Body && !matches!(base, Value::Map(_) | Value::List(_)) {
        let body = ctx.record()?.body.as_ref();
        return Err(EvalError::new(format!("log bodies of type {} cannot be indexed", pdata_type(body))));
    }
    let mut v = base;
    for key in &path.keys {
        let k = resolve_key(key, ctx)?;
        v = index(v, &k, false)?;
        if v.is_nil() {
            break;
        }
    }
    Ok(v)
}

/// The value of a key expression: a string or an int.
pub fn resolve_key<'p>(key: &'p Key, ctx: &Ctx<'_>) -> EvalResult<RKey<'p>> {
    Ok(match key {
        Key::Str(s) => RKey::Str(Cow::Borrowed(s)),
        Key::Int(i) => RKey::Int(*i),
        Key::Expr(e) => match eval(e, ctx)? {
            Value::Str(s) => RKey::Str(Cow::Owned(s.into_owned())),
            Value::Int(i) => RKey::Int(i),
            v => {
                return Err(EvalError::new(format!(
                    "could not resolve key for map/slice, expecting 'string' or 'int64' but got '{}'",
                    v.type_name()
                )))
            }
        },
    })
}

/// One step of indexing: a map by a string, a slice by an int. A missing map
/// key is nil for paths; converters (`missing_is_error`) fail instead, as in otelcol.
pub fn index<'c>(v: Value<'c>, key: &RKey, missing_is_error: bool) -> EvalResult<Value<'c>> {
    match (v, key) {
        (Value::Map(m), RKey::Str(k)) => match m {
            Cow::Borrowed(kvs) => match map_get(kvs, k) {
                Some(kv) => Ok(Value::from_opt_any(kv.value.as_ref())),
                None if missing_is_error => Err(EvalError::new(format!("key {k:?} not found in map"))),
                None => Ok(Value::Nil),
            },
            Cow::Owned(mut kvs) => match kvs.iter().position(|kv| kv.key == **k) {
                Some(i) => Ok(Value::from_opt_any(kvs.swap_remove(i).value.as_ref()).into_owned()),
                None if missing_is_error => Err(EvalError::new(format!("key {k:?} not found in map"))),
                None => Ok(Value::Nil),
            },
        },
        (Value::List(l), RKey::Int(i)) => {
            if *i < 0 || *i as usize >= l.len() {
                return Err(EvalError::new(format!("index {i} out of bounds")));
            }
            Ok(match l {
                Cow::Borrowed(items) => Value::from_any(&items[*i as usize]),
                Cow::Owned(mut items) => Value::from_any(&items.swap_remove(*i as usize)).into_owned(),
            })
        }
        (Value::Map(_), RKey::Int(_)) => {
            Err(EvalError::new("unable to resolve a string index in map: invalid key type"))
        }
        (Value::List(_), RKey::Str(_)) => {
            Err(EvalError::new("unable to resolve an integer index in slice: invalid key type"))
        }
        (v, _) => Err(EvalError::new(format!("type {} does not support string indexing", value_type_name(&v)))),
    }
}

/// pdata's `ValueType.String()` for a value read from telemetry.
fn value_type_name(v: &Value) -> &'static str {
    match v {
        Value::Nil => "Empty",
        Value::Bool(_) => "Bool",
        Value::Int(_) => "Int",
        Value::Double(_) => "Double",
        Value::Str(_) => "Str",
        Value::Bytes(_) => "Bytes",
        Value::Map(_) => "Map",
        Value::List(_) => "Slice",
        Value::Time(_) => "time.Time",
        v => v.type_name(),
    }
}

const EMPTY: &[KeyValue] = &[];

pub(super) fn get_field<'c>(field: Field, ctx: &'c Ctx<'_>) -> EvalResult<Value<'c>> {
    Ok(match field {
        Field::ResourceAttributes => {
            Value::Map(Cow::Borrowed(ctx.resource.as_ref().map_or(EMPTY, |r| &r.attributes[..])))
        }
        Field::ResourceDroppedAttributesCount => {
            Value::Int(ctx.resource.as_ref().map_or(0, |r| r.dropped_attributes_count.into()))
        }
        Field::ResourceSchemaUrl => Value::str(ctx.schema_urls.resource.as_deref().map_or("", |s| s.as_str())),
        Field::ScopeSchemaUrl => Value::str(ctx.schema_urls.scope.as_deref().map_or("", |s| s.as_str())),
        Field::ScopeName => Value::str(ctx.scope_ref()?.map_or("", |s| &s.name)),
        Field::ScopeVersion => Value::str(ctx.scope_ref()?.map_or("", |s| &s.version)),
        Field::ScopeAttributes => Value::Map(Cow::Borrowed(ctx.scope_ref()?.map_or(EMPTY, |s| &s.attributes[..]))),
        Field::ScopeDroppedAttributesCount => {
            Value::Int(ctx.scope_ref()?.map_or(0, |s| s.dropped_attributes_count.into()))
        }
        Field::Cache => Value::Map(Cow::Borrowed(&ctx.cache)),
        Field::Span(f) => return super::span::get_span(f, ctx),
        Field::Event(f) => return super::span::get_event(f, ctx),
        Field::Metric(f) => return super::metric::get_metric(f, ctx),
        Field::Point(f) => return super::datapoint::get_point(f, ctx),
        _ => {
            let r = ctx.record()?;
            match field {
                Field::Body => Value::from_opt_any(r.body.as_ref()),
                Field::BodyString => {
                    let mut s = String::new();
                    write_as_string(&mut s, r.body.as_ref());
                    Value::string(s)
                }
                Field::Attributes => Value::Map(Cow::Borrowed(&r.attributes)),
                Field::SeverityText => Value::str(&r.severity_text),
                Field::SeverityNumber => Value::Int(r.severity_number.into()),
                Field::TimeUnixNano => Value::Int(r.time_unix_nano as i64),
                Field::ObservedTimeUnixNano => Value::Int(r.observed_time_unix_nano as i64),
                Field::Time => Value::Time(Time::utc(r.time_unix_nano.into())),
                Field::ObservedTime => Value::Time(Time::utc(r.observed_time_unix_nano.into())),
                Field::TraceId => Value::Id(Id::trace(&r.trace_id)),
                Field::TraceIdString => Value::string(hex::encode(Id::trace(&r.trace_id).bytes())),
                Field::SpanId => Value::Id(Id::span(&r.span_id)),
                Field::SpanIdString => Value::string(hex::encode(Id::span(&r.span_id).bytes())),
                Field::Flags => Value::Int(r.flags.into()),
                Field::EventName => Value::str(&r.event_name),
                Field::DroppedAttributesCount => Value::Int(r.dropped_attributes_count.into()),
                _ => unreachable!("resource, scope, cache, span and metric fields are handled above"),
            }
        }
    })
}
