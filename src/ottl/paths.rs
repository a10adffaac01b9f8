//! The log context: what a path names, resolved once at compile time to a
//! [`Field`] plus keys, and read or written directly on the OTLP structs.
//!
//! Paths follow `pkg/ottl/contexts/ottllog` (and `ottlresource`, `ottlscope`):
//! with a context prefix (`log.body`, `resource.attributes["k"]`,
//! `scope.name` / `instrumentation_scope.name`) or without one, in which case
//! they belong to the context the statement runs in.

use std::borrow::Cow;

use opentelemetry_proto::tonic::common::v1::any_value::Value as Av;
use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::resource::v1::Resource;

use super::ast;
use super::compile::Expr;
use super::eval::eval;
use super::lexer::PosError;
use super::value::{map_get, map_put_slot, type_error, EvalError, EvalResult, Time, Value};
use crate::otlp::value::{type_name as pdata_type, write_as_string};

/// Where statements run: once per resource, per scope, or per log record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ContextKind {
    Resource,
    Scope,
    Log,
}

impl ContextKind {
    pub fn name(self) -> &'static str {
        match self {
            ContextKind::Resource => "resource",
            ContextKind::Scope => "scope",
            ContextKind::Log => "log",
        }
    }

    pub fn parse(s: &str) -> Option<ContextKind> {
        match s {
            "resource" => Some(ContextKind::Resource),
            "scope" | "instrumentation_scope" => Some(ContextKind::Scope),
            "log" => Some(ContextKind::Log),
            _ => None,
        }
    }
}

/// What statements see while they run: the record (log context), its scope
/// (log and scope contexts) and resource, and a scratch `cache` map.
pub struct Ctx<'a> {
    pub resource: &'a mut Option<Resource>,
    pub scope: Option<&'a mut Option<InstrumentationScope>>,
    pub record: Option<&'a mut LogRecord>,
    pub cache: Vec<KeyValue>,
}

impl<'a> Ctx<'a> {
    pub fn log(
        resource: &'a mut Option<Resource>,
        scope: &'a mut Option<InstrumentationScope>,
        record: &'a mut LogRecord,
    ) -> Self {
        Ctx { resource, scope: Some(scope), record: Some(record), cache: Vec::new() }
    }

    pub fn scope(resource: &'a mut Option<Resource>, scope: &'a mut Option<InstrumentationScope>) -> Self {
        Ctx { resource, scope: Some(scope), record: None, cache: Vec::new() }
    }

    pub fn resource(resource: &'a mut Option<Resource>) -> Self {
        Ctx { resource, scope: None, record: None, cache: Vec::new() }
    }

    fn record(&self) -> EvalResult<&LogRecord> {
        self.record.as_deref().ok_or_else(|| EvalError::new("no log record in this context"))
    }

    fn record_mut(&mut self) -> EvalResult<&mut LogRecord> {
        self.record.as_deref_mut().ok_or_else(|| EvalError::new("no log record in this context"))
    }

    fn scope_ref(&self) -> EvalResult<Option<&InstrumentationScope>> {
        match &self.scope {
            Some(s) => Ok(s.as_ref()),
            None => Err(EvalError::new("no instrumentation scope in this context")),
        }
    }

    fn scope_mut(&mut self) -> EvalResult<&mut InstrumentationScope> {
        match &mut self.scope {
            Some(s) => Ok(s.get_or_insert_with(Default::default)),
            None => Err(EvalError::new("no instrumentation scope in this context")),
        }
    }
}

/// A field a path resolves to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Body,
    /// `body.string`: the body as pdata's `AsString`.
    BodyString,
    Attributes,
    SeverityText,
    SeverityNumber,
    TimeUnixNano,
    ObservedTimeUnixNano,
    Time,
    ObservedTime,
    TraceId,
    TraceIdString,
    SpanId,
    SpanIdString,
    Flags,
    EventName,
    DroppedAttributesCount,
    ResourceAttributes,
    ResourceDroppedAttributesCount,
    ScopeName,
    ScopeVersion,
    ScopeAttributes,
    ScopeDroppedAttributesCount,
    Cache,
}

impl Field {
    /// The context a field needs at least.
    pub fn context(self) -> ContextKind {
        match self {
            Field::ResourceAttributes | Field::ResourceDroppedAttributesCount | Field::Cache => ContextKind::Resource,
            Field::ScopeName | Field::ScopeVersion | Field::ScopeAttributes | Field::ScopeDroppedAttributesCount => {
                ContextKind::Scope
            }
            _ => ContextKind::Log,
        }
    }

    fn indexable(self) -> bool {
        matches!(
            self,
            Field::Body | Field::Attributes | Field::ResourceAttributes | Field::ScopeAttributes | Field::Cache
        )
    }
}

/// A resolved path.
#[derive(Debug)]
pub struct Path {
    pub field: Field,
    pub keys: Vec<Key>,
    /// As written (without keys), for messages.
    pub text: String,
}

#[derive(Debug)]
pub enum Key {
    Str(String),
    Int(i64),
    /// `attributes[attributes["name"]]`: a path or converter giving the key.
    Expr(Box<Expr>),
}

/// A key with its expression evaluated.
#[derive(Clone, Debug)]
pub enum RKey<'k> {
    Str(Cow<'k, str>),
    Int(i64),
}

const LOG_FIELDS: &str = "body, attributes, severity_text, severity_number, time_unix_nano, \
observed_time_unix_nano, time, observed_time, trace_id, span_id, flags, event_name, dropped_attributes_count";
const RESOURCE_FIELDS: &str = "attributes, dropped_attributes_count";
const SCOPE_FIELDS: &str = "name, version, attributes, dropped_attributes_count";

/// Resolve a parsed path in a context: the field, and the parsed keys to compile.
pub fn resolve(path: &ast::Path, cx: ContextKind) -> Result<(Field, &[ast::Key]), PosError> {
    let f = &path.fields;
    let dotted = path.dotted();
    let prefixed = |name: &str| f.len() > 1 && f[0].name == name && f[0].keys.is_empty();
    let (level, rest) = if f[0].name == "cache" {
        if f.len() > 1 {
            return Err(PosError::new(f[1].at, format!("invalid path \"{dotted}\": cache has no fields")));
        }
        return Ok((Field::Cache, &f[0].keys));
    } else if prefixed("log") {
        (ContextKind::Log, &f[1..])
    } else if prefixed("resource") {
        (ContextKind::Resource, &f[1..])
    } else if prefixed("scope") || prefixed("instrumentation_scope") {
        (ContextKind::Scope, &f[1..])
    } else {
        (cx, &f[..])
    };
    if level > cx {
        return Err(PosError::new(
            path.at,
            format!(
                "path \"{dotted}\" is not available in the {} context (it needs the {} context)",
                cx.name(),
                level.name()
            ),
        ));
    }
    let head = &rest[0];
    let sub = rest.get(1).map(|x| x.name.as_str());
    let unknown = |valid: &str| {
        PosError::new(
            head.at,
            format!(
                "invalid path \"{dotted}\": {:?} is not a field of the {} context ({valid})",
                head.name,
                level.name()
            ),
        )
    };
    let field = match (level, head.name.as_str(), sub) {
        (ContextKind::Log, "body", None) => Field::Body,
        (ContextKind::Log, "body", Some("string")) if head.keys.is_empty() => Field::BodyString,
        (ContextKind::Log, "attributes", None) => Field::Attributes,
        (ContextKind::Log, "severity_text", None) => Field::SeverityText,
        (ContextKind::Log, "severity_number", None) => Field::SeverityNumber,
        (ContextKind::Log, "time_unix_nano", None) => Field::TimeUnixNano,
        (ContextKind::Log, "observed_time_unix_nano", None) => Field::ObservedTimeUnixNano,
        (ContextKind::Log, "time", None) => Field::Time,
        (ContextKind::Log, "observed_time", None) => Field::ObservedTime,
        (ContextKind::Log, "trace_id", None) => Field::TraceId,
        (ContextKind::Log, "trace_id", Some("string")) => Field::TraceIdString,
        (ContextKind::Log, "span_id", None) => Field::SpanId,
        (ContextKind::Log, "span_id", Some("string")) => Field::SpanIdString,
        (ContextKind::Log, "flags", None) => Field::Flags,
        (ContextKind::Log, "event_name", None) => Field::EventName,
        (ContextKind::Log, "dropped_attributes_count", None) => Field::DroppedAttributesCount,
        (ContextKind::Resource, "attributes", None) => Field::ResourceAttributes,
        (ContextKind::Resource, "dropped_attributes_count", None) => Field::ResourceDroppedAttributesCount,
        (ContextKind::Scope, "name", None) => Field::ScopeName,
        (ContextKind::Scope, "version", None) => Field::ScopeVersion,
        (ContextKind::Scope, "attributes", None) => Field::ScopeAttributes,
        (ContextKind::Scope, "dropped_attributes_count", None) => Field::ScopeDroppedAttributesCount,
        (ContextKind::Log, _, None) => return Err(unknown(LOG_FIELDS)),
        (ContextKind::Resource, _, None) => return Err(unknown(RESOURCE_FIELDS)),
        (ContextKind::Scope, _, None) => return Err(unknown(SCOPE_FIELDS)),
        (_, _, Some(_)) => {
            return Err(PosError::new(
                rest[1].at,
                format!("invalid path \"{dotted}\": {:?} has no field {:?}", head.name, rest[1].name),
            ))
        }
    };
    if rest.len() > 2 || (rest.len() == 2 && !rest[1].keys.is_empty()) {
        let extra = &rest[rest.len() - 1];
        return Err(PosError::new(extra.at, format!("invalid path \"{dotted}\": too many fields")));
    }
    if !field.indexable() && !head.keys.is_empty() {
        return Err(PosError::new(head.keys[0].at, format!("path \"{dotted}\" cannot be indexed")));
    }
    Ok((field, &head.keys))
}

fn ids(bytes: &[u8], len: usize) -> Cow<'_, [u8]> {
    // An unset id is all zeros in pdata, and OTLP leaves it empty.
    if bytes.len() == len {
        Cow::Borrowed(bytes)
    } else {
        Cow::Owned(vec![0; len])
    }
}

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
        Value::Duration(_) => "time.Duration",
    }
}

const EMPTY: &[KeyValue] = &[];

fn get_field<'c>(field: Field, ctx: &'c Ctx<'_>) -> EvalResult<Value<'c>> {
    Ok(match field {
        Field::ResourceAttributes => {
            Value::Map(Cow::Borrowed(ctx.resource.as_ref().map_or(EMPTY, |r| &r.attributes[..])))
        }
        Field::ResourceDroppedAttributesCount => {
            Value::Int(ctx.resource.as_ref().map_or(0, |r| r.dropped_attributes_count.into()))
        }
        Field::ScopeName => Value::str(ctx.scope_ref()?.map_or("", |s| &s.name)),
        Field::ScopeVersion => Value::str(ctx.scope_ref()?.map_or("", |s| &s.version)),
        Field::ScopeAttributes => Value::Map(Cow::Borrowed(ctx.scope_ref()?.map_or(EMPTY, |s| &s.attributes[..]))),
        Field::ScopeDroppedAttributesCount => {
            Value::Int(ctx.scope_ref()?.map_or(0, |s| s.dropped_attributes_count.into()))
        }
        Field::Cache => Value::Map(Cow::Borrowed(&ctx.cache)),
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
                Field::TraceId => Value::Bytes(ids(&r.trace_id, 16)),
                Field::TraceIdString => Value::string(hex::encode(ids(&r.trace_id, 16))),
                Field::SpanId => Value::Bytes(ids(&r.span_id, 8)),
                Field::SpanIdString => Value::string(hex::encode(ids(&r.span_id, 8))),
                Field::Flags => Value::Int(r.flags.into()),
                Field::EventName => Value::str(&r.event_name),
                Field::DroppedAttributesCount => Value::Int(r.dropped_attributes_count.into()),
                _ => unreachable!("resource, scope and cache fields are handled above"),
            }
        }
    })
}

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

/// Write a path. `keys` are the path's keys, already resolved. A `nil` value
/// never reaches here (`set` skips it).
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
        Field::TraceId => set_id(&mut ctx.record_mut()?.trace_id, v, 16, "pcommon.TraceID"),
        Field::SpanId => set_id(&mut ctx.record_mut()?.span_id, v, 8, "pcommon.SpanID"),
        Field::TraceIdString => set_id_string(&mut ctx.record_mut()?.trace_id, v, 16, "trace"),
        Field::SpanIdString => set_id_string(&mut ctx.record_mut()?.span_id, v, 8, "span"),
    }
}

fn set_string(target: &mut String, v: Value) -> EvalResult<()> {
    *target = v.into_str()?.into_owned();
    Ok(())
}

fn set_id(target: &mut Vec<u8>, v: Value, len: usize, ty: &str) -> EvalResult<()> {
    match v {
        Value::Bytes(b) if b.len() == len => {
            *target = if b.iter().all(|x| *x == 0) { Vec::new() } else { b.into_owned() };
            Ok(())
        }
        v => Err(type_error(ty, &v)),
    }
}

fn set_id_string(target: &mut Vec<u8>, v: Value, len: usize, what: &str) -> EvalResult<()> {
    let s = v.into_str()?;
    match hex::decode(s.as_bytes()) {
        Ok(b) if b.len() == len => {
            *target = if b.iter().all(|x| *x == 0) { Vec::new() } else { b };
            Ok(())
        }
        _ => Err(EvalError::new(format!("{what} ids must be {} hex characters, got {s:?}", len * 2))),
    }
}

/// A whole map (`set(attributes, {...})` replaces it; other values are ignored,
/// as in otelcol) or an entry of it.
fn set_map(kvs: &mut Vec<KeyValue>, keys: &[RKey], v: Value) -> EvalResult<()> {
    if keys.is_empty() {
        if let Value::Map(m) = v {
            *kvs = m.into_owned();
        }
        return Ok(());
    }
    set_map_value(kvs, keys, v)
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
