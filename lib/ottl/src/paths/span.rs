//! The span and span event contexts (`pkg/ottl/contexts/ottlspan`,
//! `ottlspanevent`): their fields, read and written on the OTLP `Span` and
//! `span::Event`, and their enums `SPAN_KIND_*` and `STATUS_CODE_*`.
//!
//! `events` and `links` are pdata slices ([`Records`]): `Len(events)` counts
//! them, and `set(events, ...)` takes only a `ptrace.SpanEventSlice`; `status`
//! is the whole `ptrace.Status` ([`Struct`]), set only from another status.

use std::borrow::Cow;

use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::trace::v1::span::Event;
use opentelemetry_proto::tonic::trace::v1::{Span, Status};

use super::write::{expects, set_id, set_id_string, set_map, set_string};
use super::{Ctx, RKey, Record};
use crate::pdata::{kv, str_value};
use crate::value::{EvalError, EvalResult, Id, Records, Struct, Time, Value};

pub const SPAN_FIELDS: &str = "attributes, trace_id, span_id, parent_span_id, trace_state, status, name, kind, \
start_time_unix_nano, end_time_unix_nano, start_time, end_time, flags, dropped_attributes_count, events, \
dropped_events_count, links, dropped_links_count";
pub const EVENT_FIELDS: &str = "attributes, name, time_unix_nano, time, dropped_attributes_count, event_index";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanField {
    Attributes,
    TraceId,
    TraceIdString,
    SpanId,
    SpanIdString,
    ParentSpanId,
    ParentSpanIdString,
    TraceState,
    /// `trace_state["key"]`: one entry of the W3C trace state.
    TraceStateEntry,
    /// The whole `ptrace.Status`.
    Status,
    StatusCode,
    StatusMessage,
    Name,
    Kind,
    /// `kind.string`: pdata's `SpanKind.String()` (`Server`).
    KindString,
    /// `kind.deprecated_string`: `SPAN_KIND_SERVER`.
    KindDeprecatedString,
    StartTimeUnixNano,
    EndTimeUnixNano,
    StartTime,
    EndTime,
    Flags,
    DroppedAttributesCount,
    Events,
    DroppedEventsCount,
    Links,
    DroppedLinksCount,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventField {
    Attributes,
    Name,
    TimeUnixNano,
    Time,
    DroppedAttributesCount,
    /// The event's position in its span (read only).
    EventIndex,
}

pub fn span_field(name: &str, sub: Option<&str>, keyed: bool) -> Option<SpanField> {
    use SpanField::*;
    Some(match (name, sub) {
        ("attributes", None) => Attributes,
        ("trace_id", None) => TraceId,
        ("trace_id", Some("string")) => TraceIdString,
        ("span_id", None) => SpanId,
        ("span_id", Some("string")) => SpanIdString,
        ("parent_span_id", None) => ParentSpanId,
        ("parent_span_id", Some("string")) => ParentSpanIdString,
        ("trace_state", None) if keyed => TraceStateEntry,
        ("trace_state", None) => TraceState,
        ("status", None) => Status,
        ("status", Some("code")) => StatusCode,
        ("status", Some("message")) => StatusMessage,
        ("name", None) => Name,
        ("kind", None) => Kind,
        ("kind", Some("string")) => KindString,
        ("kind", Some("deprecated_string")) => KindDeprecatedString,
        ("start_time_unix_nano", None) => StartTimeUnixNano,
        ("end_time_unix_nano", None) => EndTimeUnixNano,
        ("start_time", None) => StartTime,
        ("end_time", None) => EndTime,
        ("flags", None) => Flags,
        ("dropped_attributes_count", None) => DroppedAttributesCount,
        ("events", None) => Events,
        ("dropped_events_count", None) => DroppedEventsCount,
        ("links", None) => Links,
        ("dropped_links_count", None) => DroppedLinksCount,
        _ => return None,
    })
}

pub fn event_field(name: &str, sub: Option<&str>) -> Option<EventField> {
    use EventField::*;
    Some(match (name, sub) {
        ("attributes", None) => Attributes,
        ("name", None) => Name,
        ("time_unix_nano", None) => TimeUnixNano,
        ("time", None) => Time,
        ("dropped_attributes_count", None) => DroppedAttributesCount,
        ("event_index", None) => EventIndex,
        _ => return None,
    })
}

/// The span kinds by number: pdata's `SpanKind.String()` and the
/// `SPAN_KIND_*` names `kind.deprecated_string` uses.
const KINDS: [(&str, &str); 6] = [
    ("Unspecified", "SPAN_KIND_UNSPECIFIED"),
    ("Internal", "SPAN_KIND_INTERNAL"),
    ("Server", "SPAN_KIND_SERVER"),
    ("Client", "SPAN_KIND_CLIENT"),
    ("Producer", "SPAN_KIND_PRODUCER"),
    ("Consumer", "SPAN_KIND_CONSUMER"),
];

/// `SPAN_KIND_*` and `STATUS_CODE_*`, as in the traces proto.
pub fn enum_value(name: &str) -> Option<i64> {
    Some(match name {
        "SPAN_KIND_UNSPECIFIED" => 0,
        "SPAN_KIND_INTERNAL" => 1,
        "SPAN_KIND_SERVER" => 2,
        "SPAN_KIND_CLIENT" => 3,
        "SPAN_KIND_PRODUCER" => 4,
        "SPAN_KIND_CONSUMER" => 5,
        "STATUS_CODE_UNSET" => 0,
        "STATUS_CODE_OK" => 1,
        "STATUS_CODE_ERROR" => 2,
        _ => return None,
    })
}

fn span<'c>(ctx: &'c Ctx<'_>) -> EvalResult<&'c Span> {
    match &ctx.record {
        Record::Span(s, _) => Ok(s),
        _ => Err(EvalError::new("no span in this context")),
    }
}

fn span_mut<'c>(ctx: &'c mut Ctx<'_>) -> EvalResult<&'c mut Span> {
    match &mut ctx.record {
        Record::Span(s, _) => Ok(s),
        _ => Err(EvalError::new("no span in this context")),
    }
}

fn event<'c>(ctx: &'c Ctx<'_>) -> EvalResult<(&'c Event, usize)> {
    match &ctx.record {
        Record::Span(s, Some(i)) => s.events.get(*i).map(|e| (e, *i)),
        _ => None,
    }
    .ok_or_else(|| EvalError::new("no span event in this context"))
}

fn event_mut<'c>(ctx: &'c mut Ctx<'_>) -> EvalResult<&'c mut Event> {
    match &mut ctx.record {
        Record::Span(s, Some(i)) => s.events.get_mut(*i),
        _ => None,
    }
    .ok_or_else(|| EvalError::new("no span event in this context"))
}

/// A W3C `tracestate` as a map of its entries.
fn trace_state_map(s: &str) -> Vec<KeyValue> {
    s.split(',').filter_map(|m| m.trim().split_once('=')).map(|(k, v)| kv(k, str_value(v))).collect()
}

pub fn get_span<'c>(field: SpanField, ctx: &'c Ctx<'_>) -> EvalResult<Value<'c>> {
    use SpanField::*;
    let s = span(ctx)?;
    let status = s.status.as_ref();
    Ok(match field {
        Attributes => Value::Map(Cow::Borrowed(&s.attributes)),
        TraceId => Value::Id(Id::trace(&s.trace_id)),
        TraceIdString => Value::string(hex::encode(Id::trace(&s.trace_id).bytes())),
        SpanId => Value::Id(Id::span(&s.span_id)),
        SpanIdString => Value::string(hex::encode(Id::span(&s.span_id).bytes())),
        ParentSpanId => Value::Id(Id::span(&s.parent_span_id)),
        ParentSpanIdString => Value::string(hex::encode(Id::span(&s.parent_span_id).bytes())),
        TraceState => Value::str(&s.trace_state),
        TraceStateEntry => Value::Map(Cow::Owned(trace_state_map(&s.trace_state))),
        Status => Value::Struct(Struct::Status(status.map_or_else(Default::default, Cow::Borrowed))),
        StatusCode => Value::Int(status.map_or(0, |st| st.code.into())),
        StatusMessage => Value::str(status.map_or("", |st| &st.message)),
        Name => Value::str(&s.name),
        Kind => Value::Int(s.kind.into()),
        KindString => Value::str(KINDS.get(s.kind as usize).map_or("", |k| k.0)),
        KindDeprecatedString => Value::str(KINDS.get(s.kind as usize).map_or("", |k| k.1)),
        StartTimeUnixNano => Value::Int(s.start_time_unix_nano as i64),
        EndTimeUnixNano => Value::Int(s.end_time_unix_nano as i64),
        StartTime => Value::Time(Time::utc(s.start_time_unix_nano.into())),
        EndTime => Value::Time(Time::utc(s.end_time_unix_nano.into())),
        Flags => Value::Int(s.flags.into()),
        DroppedAttributesCount => Value::Int(s.dropped_attributes_count.into()),
        DroppedEventsCount => Value::Int(s.dropped_events_count.into()),
        DroppedLinksCount => Value::Int(s.dropped_links_count.into()),
        Events => Value::Records(Records::Events(Cow::Borrowed(&s.events))),
        Links => Value::Records(Records::Links(Cow::Borrowed(&s.links))),
    })
}

pub fn get_event<'c>(field: EventField, ctx: &'c Ctx<'_>) -> EvalResult<Value<'c>> {
    let (e, i) = event(ctx)?;
    Ok(match field {
        EventField::Attributes => Value::Map(Cow::Borrowed(&e.attributes)),
        EventField::Name => Value::str(&e.name),
        EventField::TimeUnixNano => Value::Int(e.time_unix_nano as i64),
        EventField::Time => Value::Time(Time::utc(e.time_unix_nano.into())),
        EventField::DroppedAttributesCount => Value::Int(e.dropped_attributes_count.into()),
        EventField::EventIndex => Value::Int(i as i64),
    })
}

/// The attribute map of the span or event, for editors that change it in place.
pub fn span_attrs_mut<'c>(ctx: &'c mut Ctx<'_>) -> EvalResult<&'c mut Vec<KeyValue>> {
    Ok(&mut span_mut(ctx)?.attributes)
}

pub fn event_attrs_mut<'c>(ctx: &'c mut Ctx<'_>) -> EvalResult<&'c mut Vec<KeyValue>> {
    Ok(&mut event_mut(ctx)?.attributes)
}

fn status(s: &mut Span) -> &mut Status {
    s.status.get_or_insert_with(Default::default)
}

pub fn set_span(field: SpanField, keys: &[RKey], ctx: &mut Ctx, v: Value) -> EvalResult<()> {
    use SpanField::*;
    let s = span_mut(ctx)?;
    match field {
        Attributes => return set_map(&mut s.attributes, keys, v),
        TraceId => return set_id(&mut s.trace_id, v, Id::Trace([0; 16])),
        SpanId => return set_id(&mut s.span_id, v, Id::Span([0; 8])),
        ParentSpanId => return set_id(&mut s.parent_span_id, v, Id::Span([0; 8])),
        TraceIdString => return set_id_string(&mut s.trace_id, v, 16, "trace"),
        SpanIdString => return set_id_string(&mut s.span_id, v, 8, "span"),
        ParentSpanIdString => return set_id_string(&mut s.parent_span_id, v, 8, "span"),
        TraceState => return set_string(&mut s.trace_state, v),
        TraceStateEntry => {
            let Some(RKey::Str(k)) = keys.first() else {
                return Err(EvalError::new("trace_state takes a string key"));
            };
            let value = v.into_str()?;
            let mut entries: Vec<(String, String)> = trace_state_map(&s.trace_state)
                .into_iter()
                .map(|e| {
                    (
                        e.key,
                        crate::value::Value::from_opt_any(e.value.as_ref()).into_str().unwrap_or_default().into_owned(),
                    )
                })
                .collect();
            match entries.iter_mut().find(|(ek, _)| ek == k) {
                Some(e) => e.1 = value.into_owned(),
                None => entries.push((k.to_string(), value.into_owned())),
            }
            s.trace_state = entries.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",");
        }
        Status => match v {
            Value::Struct(Struct::Status(st)) => s.status = Some(st.into_owned()),
            v => return Err(expects("ptrace.Status", &v)),
        },
        StatusCode => status(s).code = v.expect_int()? as i32,
        StatusMessage => return set_string(&mut status(s).message, v),
        Name => return set_string(&mut s.name, v),
        Kind => s.kind = v.expect_int()? as i32,
        KindString | KindDeprecatedString => {
            let name = v.into_str()?;
            let deprecated = field == KindDeprecatedString;
            let found = KINDS.iter().position(|k| if deprecated { k.1 == name } else { k.0 == name });
            let what = if deprecated { "deprecated string" } else { "string" };
            s.kind = found.ok_or_else(|| EvalError::new(format!("unknown span kind {what}, {name}")))? as i32;
        }
        StartTimeUnixNano => s.start_time_unix_nano = v.expect_int()? as u64,
        EndTimeUnixNano => s.end_time_unix_nano = v.expect_int()? as u64,
        StartTime => s.start_time_unix_nano = v.expect_time()?.unix_nanos as u64,
        EndTime => s.end_time_unix_nano = v.expect_time()?.unix_nanos as u64,
        Flags => s.flags = v.expect_int()? as u32,
        DroppedAttributesCount => s.dropped_attributes_count = v.expect_int()? as u32,
        DroppedEventsCount => s.dropped_events_count = v.expect_int()? as u32,
        DroppedLinksCount => s.dropped_links_count = v.expect_int()? as u32,
        // As otelcol: only a slice of the same type replaces them.
        Events => match v {
            Value::Records(Records::Events(e)) => s.events = e.into_owned(),
            v => return Err(expects("ptrace.SpanEventSlice", &v)),
        },
        Links => match v {
            Value::Records(Records::Links(l)) => s.links = l.into_owned(),
            v => return Err(expects("ptrace.SpanLinkSlice", &v)),
        },
    }
    Ok(())
}

pub fn set_event(field: EventField, keys: &[RKey], ctx: &mut Ctx, v: Value) -> EvalResult<()> {
    let e = event_mut(ctx)?;
    match field {
        EventField::Attributes => return set_map(&mut e.attributes, keys, v),
        EventField::Name => return set_string(&mut e.name, v),
        EventField::TimeUnixNano => e.time_unix_nano = v.expect_int()? as u64,
        EventField::Time => e.time_unix_nano = v.expect_time()?.unix_nanos as u64,
        EventField::DroppedAttributesCount => e.dropped_attributes_count = v.expect_int()? as u32,
        EventField::EventIndex => return Err(EvalError::new("event_index cannot be set")),
    }
    Ok(())
}
