//! Writing a path: `set`, and the maps that editors change in place.

use opentelemetry_proto::tonic::common::v1::any_value::Value as Av;
use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, KeyValue, KeyValueList};

use super::super::value::{map_put_slot, EvalError, EvalResult, Id, Value};
use super::read::{get_field, resolve_key};
use super::{Ctx, Field, Key, Path, RKey};
use crate::pdata::type_name as pdata_type;

/// Every key of a path, resolved before the record is borrowed for writing.
pub fn resolve_keys<'p>(keys: &'p [Key], ctx: &Ctx<'_>) -> EvalResult<Vec<RKey<'p>>> {
    keys.iter().map(|k| resolve_key(k, ctx)).collect()
}

/// The map a path names, to change in place (`delete_key`, `keep_keys`, ...).
/// Like otelcol's `PMapGetter`, anything but an existing map is an error.
pub fn map_mut<'c>(path: &Path, keys: &[RKey], ctx: &'c mut Ctx<'_>) -> EvalResult<&'c mut Vec<KeyValue>> {
    let root: &'c mut Vec<KeyValue> = match path.field {
        Field::Attributes => &mut ctx.record_mut()?.attributes,
        Field::ResourceAttributes => &mut ctx.resource.get_or_insert_with(Default::default).attributes,
        Field::ScopeAttributes => &mut ctx.scope_mut()?.attributes,
        Field::Cache => &mut ctx.cache,
        Field::Span(super::span::SpanField::Attributes) => super::span::span_attrs_mut(ctx)?,
        Field::Event(super::span::EventField::Attributes) => super::span::event_attrs_mut(ctx)?,
        Field::Metric(super::metric::MetricField::Metadata) => super::metric::metric_metadata_mut(ctx)?,
        Field::Point(super::metric::PointField::Attributes) => super::datapoint::point_attrs_mut(ctx)?,
        Field::Body => {
            let body = ctx.record_mut()?.body.get_or_insert(AnyValue { value: None });
            return descend(body, keys);
        }
        _ => {
            return Err(EvalError::new(format!(
                "expected pcommon.Map but got {}",
                get_field(path.field, ctx)?.type_name()
            )))
        }
    };
    let Some((first, rest)) = keys.split_first() else { return Ok(root) };
    let RKey::Str(k) = first else {
        return Err(EvalError::new("unable to resolve a string index in map: invalid key type"));
    };
    match root.iter_mut().find(|kv| kv.key == **k) {
        Some(kv) => descend(kv.value.get_or_insert(AnyValue { value: None }), rest),
        None => Err(EvalError::new("expected pcommon.Map but got nil")),
    }
}

fn descend<'c>(node: &'c mut AnyValue, keys: &[RKey]) -> EvalResult<&'c mut Vec<KeyValue>> {
    let ty = pdata_type(Some(node));
    let go_ty = Value::from_any(node).type_name();
    let Some((k, rest)) = keys.split_first() else {
        return match &mut node.value {
            Some(Av::KvlistValue(m)) => Ok(&mut m.values),
            _ => Err(EvalError::new(format!("expected pcommon.Map but got {go_ty}"))),
        };
    };
    match (&mut node.value, k) {
        (Some(Av::KvlistValue(m)), RKey::Str(s)) => match m.values.iter_mut().find(|kv| kv.key == **s) {
            Some(kv) => descend(kv.value.get_or_insert(AnyValue { value: None }), rest),
            None => Err(EvalError::new("expected pcommon.Map but got nil")),
        },
        (Some(Av::ArrayValue(a)), RKey::Int(i)) => {
            let n = a.values.len();
            match usize::try_from(*i).ok().filter(|i| *i < n) {
                Some(i) => descend(&mut a.values[i], rest),
                None => Err(EvalError::new(format!("index {i} out of bounds"))),
            }
        }
        (Some(Av::KvlistValue(_)), _) => {
            Err(EvalError::new("unable to resolve a string index in map: invalid key type"))
        }
        (Some(Av::ArrayValue(_)), _) => {
            Err(EvalError::new("unable to resolve an integer index in slice: invalid key type"))
        }
        _ => Err(EvalError::new(format!("type {ty} does not support string indexing"))),
    }
}

/// Write a path. `keys` are the path's keys, already resolved. `set` skips a
/// `nil` value; `clear` of a nil target writes one, which creates a missing
/// map entry empty.
pub fn set(path: &Path, keys: &[RKey], ctx: &mut Ctx, v: Value) -> EvalResult<()> {
    match path.field {
        Field::Body if !keys.is_empty() => {
            let r = ctx.record_mut()?;
            match r.body.as_mut().and_then(|b| b.value.as_mut()) {
                Some(Av::KvlistValue(m)) => set_map_value(&mut m.values, keys, v),
                Some(Av::ArrayValue(a)) => set_slice_value(&mut a.values, keys, v),
                _ => {
                    Err(EvalError::new(format!("log bodies of type {} cannot be indexed", pdata_type(r.body.as_ref()))))
                }
            }
        }
        Field::Body => {
            if let Some(any) = v.into_any() {
                ctx.record_mut()?.body = Some(any);
            }
            Ok(())
        }
        Field::BodyString => {
            let s = v.into_str()?.into_owned();
            ctx.record_mut()?.body = Some(AnyValue { value: Some(Av::StringValue(s)) });
            Ok(())
        }
        Field::Attributes => set_map(&mut ctx.record_mut()?.attributes, keys, v),
        Field::ResourceAttributes => {
            set_map(&mut ctx.resource.get_or_insert_with(Default::default).attributes, keys, v)
        }
        Field::ScopeAttributes => set_map(&mut ctx.scope_mut()?.attributes, keys, v),
        Field::Cache => set_map(&mut ctx.cache, keys, v),
        Field::SeverityText => set_string(&mut ctx.record_mut()?.severity_text, v),
        Field::EventName => set_string(&mut ctx.record_mut()?.event_name, v),
        Field::ScopeName => set_string(&mut ctx.scope_mut()?.name, v),
        Field::ScopeVersion => set_string(&mut ctx.scope_mut()?.version, v),
        // As otelcol: only a string is set; anything else is ignored.
        Field::ResourceSchemaUrl | Field::ScopeSchemaUrl => {
            let target = match path.field {
                Field::ResourceSchemaUrl => ctx.schema_urls.resource.as_deref_mut(),
                _ => ctx.schema_urls.scope.as_deref_mut(),
            };
            if let (Some(target), Value::Str(text)) = (target, v) {
                *target = text.into_owned();
            }
            Ok(())
        }
        Field::SeverityNumber => {
            ctx.record_mut()?.severity_number = v.expect_int()? as i32;
            Ok(())
        }
        Field::TimeUnixNano => {
            ctx.record_mut()?.time_unix_nano = v.expect_int()? as u64;
            Ok(())
        }
        Field::ObservedTimeUnixNano => {
            ctx.record_mut()?.observed_time_unix_nano = v.expect_int()? as u64;
            Ok(())
        }
        Field::Time => {
            ctx.record_mut()?.time_unix_nano = v.expect_time()?.unix_nanos as u64;
            Ok(())
        }
        Field::ObservedTime => {
            ctx.record_mut()?.observed_time_unix_nano = v.expect_time()?.unix_nanos as u64;
            Ok(())
        }
        Field::Flags => {
            ctx.record_mut()?.flags = v.expect_int()? as u32;
            Ok(())
        }
        Field::DroppedAttributesCount => {
            ctx.record_mut()?.dropped_attributes_count = v.expect_int()? as u32;
            Ok(())
        }
        Field::ResourceDroppedAttributesCount => {
            ctx.resource.get_or_insert_with(Default::default).dropped_attributes_count = v.expect_int()? as u32;
            Ok(())
        }
        Field::ScopeDroppedAttributesCount => {
            ctx.scope_mut()?.dropped_attributes_count = v.expect_int()? as u32;
            Ok(())
        }
        Field::TraceId => set_id(&mut ctx.record_mut()?.trace_id, v, Id::Trace([0; 16])),
        Field::SpanId => set_id(&mut ctx.record_mut()?.span_id, v, Id::Span([0; 8])),
        Field::TraceIdString => set_id_string(&mut ctx.record_mut()?.trace_id, v, 16, "trace"),
        Field::SpanIdString => set_id_string(&mut ctx.record_mut()?.span_id, v, 8, "span"),
        Field::Span(f) => super::span::set_span(f, keys, ctx, v),
        Field::Event(f) => super::span::set_event(f, keys, ctx, v),
        Field::Metric(f) => super::metric::set_metric(f, keys, ctx, v),
        Field::Point(f) => super::datapoint::set_point(f, keys, ctx, v),
    }
}

pub(super) fn set_string(target: &mut String, v: Value) -> EvalResult<()> {
    *target = v.into_str()?.into_owned();
    Ok(())
}

/// An ID field takes only an ID of its type (`pcommon.TraceID` for
/// `trace_id`), as otelcol's setters: `expects pcommon.SpanID but got []uint8`.
pub(super) fn set_id(target: &mut Vec<u8>, v: Value, kind: Id) -> EvalResult<()> {
    match v {
        Value::Id(id) if std::mem::discriminant(&id) == std::mem::discriminant(&kind) => {
            *target = id.to_otlp();
            Ok(())
        }
        v => Err(expects(kind.type_name(), &v)),
    }
}

/// A context setter's type error (`ctxutil.ExpectType`).
pub(super) fn expects(ty: &str, got: &Value) -> EvalError {
    EvalError::new(format!("expects {ty} but got {}", got.type_name()))
}

pub(super) fn set_id_string(target: &mut Vec<u8>, v: Value, len: usize, what: &str) -> EvalResult<()> {
    let s = v.into_str()?;
    match hex::decode(s.as_bytes()) {
        Ok(b) if b.len() == len => {
            *target = if b.iter().all(|x| *x == 0) { Vec::new() } else { b };
            Ok(())
        }
        _ => Err(EvalError::new(format!("{what} ids must be {} hex characters, got {s:?}", len * 2))),
    }
}

/// A whole map or an entry of it. As otelcol's `ctxutil.SetMap`, only a map
/// replaces a whole map (`set(attributes, {...})`); any other value is an
/// error that leaves the map as it was (`error_mode` decides what follows).
pub(super) fn set_map(kvs: &mut Vec<KeyValue>, keys: &[RKey], v: Value) -> EvalResult<()> {
    if !keys.is_empty() {
        return set_map_value(kvs, keys, v);
    }
    match v {
        Value::Map(m) => {
            *kvs = m.into_owned();
            Ok(())
        }
        v => Err(EvalError::new(format!("unsupported type provided for setting a pcommon.Map: {}", v.type_name()))),
    }
}

/// `ctxutil.SetMapValue`: the first key names an entry (created empty when
/// missing); the rest index into it, creating maps and slices inside empty values.
pub fn set_map_value(kvs: &mut Vec<KeyValue>, keys: &[RKey], v: Value) -> EvalResult<()> {
    let RKey::Str(k) = &keys[0] else {
        return Err(EvalError::new("unable to resolve a string index in map: invalid key type"));
    };
    let slot = map_put_slot(kvs, k);
    set_indexable(slot, &keys[1..], v)
}

fn set_slice_value(items: &mut [AnyValue], keys: &[RKey], v: Value) -> EvalResult<()> {
    let RKey::Int(i) = keys[0] else {
        return Err(EvalError::new("unable to resolve an integer index in slice: invalid key type"));
    };
    if i < 0 || i as usize >= items.len() {
        return Err(EvalError::new(format!("index {i} out of bounds")));
    }
    set_indexable(&mut items[i as usize], &keys[1..], v)
}

fn set_indexable(cur: &mut AnyValue, keys: &[RKey], v: Value) -> EvalResult<()> {
    let Some(key) = keys.first() else {
        if let Some(any) = v.into_any() {
            *cur = any;
        }
        return Ok(());
    };
    match (&mut cur.value, key) {
        (Some(Av::KvlistValue(m)), RKey::Str(k)) => set_indexable(map_put_slot(&mut m.values, k), &keys[1..], v),
        (Some(Av::KvlistValue(_)), RKey::Int(_)) => {
            Err(EvalError::new("unable to resolve a string index in map: invalid key type"))
        }
        (Some(Av::ArrayValue(a)), _) => set_slice_value(&mut a.values, keys, v),
        (None | Some(Av::StringValueStrindex(_)), RKey::Str(k)) => {
            let mut m = KeyValueList::default();
            let r = set_indexable(map_put_slot(&mut m.values, k), &keys[1..], v);
            cur.value = Some(Av::KvlistValue(m));
            r
        }
        (None | Some(Av::StringValueStrindex(_)), RKey::Int(i)) => {
            let n = (*i).max(0) as usize;
            let mut a = ArrayValue { values: vec![AnyValue { value: None }; n + 1] };
            let r = set_indexable(&mut a.values[n], &keys[1..], v);
            cur.value = Some(Av::ArrayValue(a));
            r
        }
        _ => Err(EvalError::new(format!("type {} does not support string indexing", pdata_type(Some(cur))))),
    }
}
