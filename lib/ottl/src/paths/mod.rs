//! The contexts: what a path names, resolved once at compile time to a
//! [`Field`] plus keys, and read or written directly on the OTLP structs.
//!
//! Paths follow `pkg/ottl/contexts` (`ottllog`, `ottlspan`, `ottlspanevent`,
//! `ottlmetric`, `ottldatapoint`, `ottlresource`, `ottlscope`): with a context
//! prefix (`log.body`, `span.name`, `metric.unit`, `resource.attributes["k"]`,
//! `scope.name` / `instrumentation_scope.name`) or without one, in which case
//! they belong to the context the statement runs in. The span and metric
//! fields live in [`span`] and [`metric`].

mod datapoint;
pub mod metric;
mod read;
pub mod span;
mod write;

pub use read::{get, index, resolve_key};
pub use write::{map_mut, resolve_keys, set, set_map_value};

use std::borrow::Cow;

use opentelemetry_proto::tonic::common::v1::{InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::metrics::v1::Metric;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::Span;

use super::ast;
use super::compile::Expr;
use super::lexer::PosError;
use super::value::{EvalError, EvalResult};

/// Where statements run: once per resource, per scope, or per record (log
/// record, span, span event, metric, data point).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ContextKind {
    Resource,
    Scope,
    Log,
    Span,
    SpanEvent,
    Metric,
    DataPoint,
}

impl ContextKind {
    pub fn name(self) -> &'static str {
        match self {
            ContextKind::Resource => "resource",
            ContextKind::Scope => "scope",
            ContextKind::Log => "log",
            ContextKind::Span => "span",
            ContextKind::SpanEvent => "spanevent",
            ContextKind::Metric => "metric",
            ContextKind::DataPoint => "datapoint",
        }
    }

    pub fn parse(s: &str) -> Option<ContextKind> {
        match s {
            "resource" => Some(ContextKind::Resource),
            "scope" | "instrumentation_scope" => Some(ContextKind::Scope),
            "log" => Some(ContextKind::Log),
            "span" => Some(ContextKind::Span),
            "spanevent" => Some(ContextKind::SpanEvent),
            "metric" => Some(ContextKind::Metric),
            "datapoint" => Some(ContextKind::DataPoint),
            _ => None,
        }
    }

    /// How deep in the OTLP tree the context sits (resource 0 .. data point 3).
    pub fn depth(self) -> u8 {
        match self {
            ContextKind::Resource => 0,
            ContextKind::Scope => 1,
            ContextKind::Log | ContextKind::Span | ContextKind::Metric => 2,
            ContextKind::SpanEvent | ContextKind::DataPoint => 3,
        }
    }

    /// Whether paths of context `level` can be used in this context: those of
    /// this context and of the ones that enclose it.
    pub fn sees(self, level: ContextKind) -> bool {
        use ContextKind::*;
        match level {
            Resource => true,
            Scope => self != Resource,
            Span => matches!(self, Span | SpanEvent),
            Metric => matches!(self, Metric | DataPoint),
            Log | SpanEvent | DataPoint => self == level,
        }
    }
}

/// The record a context is about: none (resource and scope contexts), a log
/// record, a span (with the index of one of its events in the span event
/// context) or a metric (with the index of one of its data points in the data
/// point context).
pub enum Record<'a> {
    None,
    Log(&'a mut LogRecord),
    Span(&'a mut Span, Option<usize>),
    Metric(&'a mut Metric, Option<usize>),
}

/// What statements see while they run: the record, its scope and resource,
/// a scratch `cache` map, and the metrics a statement added to the scope
/// (`copy_metric`, `extract_sum_metric`, ...), which the walk appends to the
/// scope's metrics once the current metric is done.
pub struct Ctx<'a> {
    pub resource: &'a mut Option<Resource>,
    pub scope: Option<&'a mut Option<InstrumentationScope>>,
    pub record: Record<'a>,
    pub cache: Vec<KeyValue>,
    pub new_metrics: Vec<Metric>,
    /// The `schema_url` of the resource's and the scope's container
    /// (`ResourceLogs`, `ScopeSpans`, ...), where the walk provides them.
    pub schema_urls: SchemaUrls<'a>,
}

/// Where `resource.schema_url` and `scope.schema_url` live: beside the
/// resource and the scope, in their containers. Without them the paths read
/// `""` and setting them does nothing.
#[derive(Debug, Default)]
pub struct SchemaUrls<'a> {
    pub resource: Option<&'a mut String>,
    pub scope: Option<&'a mut String>,
}

impl<'a> Ctx<'a> {
    fn new(
        resource: &'a mut Option<Resource>,
        scope: Option<&'a mut Option<InstrumentationScope>>,
        record: Record<'a>,
    ) -> Self {
        Ctx { resource, scope, record, cache: Vec::new(), new_metrics: Vec::new(), schema_urls: SchemaUrls::default() }
    }

    pub fn log(
        resource: &'a mut Option<Resource>,
        scope: &'a mut Option<InstrumentationScope>,
        record: &'a mut LogRecord,
    ) -> Self {
        Ctx::new(resource, Some(scope), Record::Log(record))
    }

    /// The span context, or with `event` the span event context.
    pub fn span(
        resource: &'a mut Option<Resource>,
        scope: &'a mut Option<InstrumentationScope>,
        span: &'a mut Span,
        event: Option<usize>,
    ) -> Self {
        Ctx::new(resource, Some(scope), Record::Span(span, event))
    }

    /// The metric context, or with `point` the data point context.
    pub fn metric(
        resource: &'a mut Option<Resource>,
        scope: &'a mut Option<InstrumentationScope>,
        metric: &'a mut Metric,
        point: Option<usize>,
    ) -> Self {
        Ctx::new(resource, Some(scope), Record::Metric(metric, point))
    }

    pub fn scope(resource: &'a mut Option<Resource>, scope: &'a mut Option<InstrumentationScope>) -> Self {
        Ctx::new(resource, Some(scope), Record::None)
    }

    pub fn resource(resource: &'a mut Option<Resource>) -> Self {
        Ctx::new(resource, None, Record::None)
    }

    /// The same context with its containers' `schema_url`s (the scope's
    /// only where the context has a scope).
    pub fn with_schema_urls(mut self, resource: &'a mut String, scope: Option<&'a mut String>) -> Self {
        self.schema_urls = SchemaUrls { resource: Some(resource), scope };
        self
    }

    fn record(&self) -> EvalResult<&LogRecord> {
        match &self.record {
            Record::Log(r) => Ok(r),
            _ => Err(EvalError::new("no log record in this context")),
        }
    }

    fn record_mut(&mut self) -> EvalResult<&mut LogRecord> {
        match &mut self.record {
            Record::Log(r) => Ok(r),
            _ => Err(EvalError::new("no log record in this context")),
        }
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
    ResourceSchemaUrl,
    ScopeName,
    ScopeVersion,
    ScopeAttributes,
    ScopeDroppedAttributesCount,
    ScopeSchemaUrl,
    Cache,
    Span(span::SpanField),
    Event(span::EventField),
    Metric(metric::MetricField),
    Point(metric::PointField),
}

impl Field {
    /// The context a field needs at least.
    pub fn context(self) -> ContextKind {
        match self {
            Field::ResourceAttributes
            | Field::ResourceDroppedAttributesCount
            | Field::ResourceSchemaUrl
            | Field::Cache => ContextKind::Resource,
            Field::ScopeName
            | Field::ScopeVersion
            | Field::ScopeAttributes
            | Field::ScopeDroppedAttributesCount
            | Field::ScopeSchemaUrl => ContextKind::Scope,
            Field::Span(_) => ContextKind::Span,
            Field::Event(_) => ContextKind::SpanEvent,
            Field::Metric(_) => ContextKind::Metric,
            Field::Point(_) => ContextKind::DataPoint,
            _ => ContextKind::Log,
        }
    }

    fn indexable(self) -> bool {
        matches!(
            self,
            Field::Body
                | Field::Attributes
                | Field::ResourceAttributes
                | Field::ScopeAttributes
                | Field::Cache
                | Field::Span(span::SpanField::Attributes | span::SpanField::TraceStateEntry)
                | Field::Event(span::EventField::Attributes)
                | Field::Metric(metric::MetricField::Metadata)
                | Field::Point(metric::PointField::Attributes)
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
const RESOURCE_FIELDS: &str = "attributes, dropped_attributes_count, schema_url";
const SCOPE_FIELDS: &str = "name, version, attributes, dropped_attributes_count, schema_url";

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
    } else {
        match ContextKind::parse(&f[0].name) {
            Some(level) if prefixed(&f[0].name) => (level, &f[1..]),
            _ => (cx, &f[..]),
        }
    };
    if !cx.sees(level) {
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
    let name = head.name.as_str();
    let keyed = !head.keys.is_empty();
    let found = match level {
        ContextKind::Log => log_field(name, sub, keyed),
        ContextKind::Resource => match (name, sub) {
            ("attributes", None) => Some(Field::ResourceAttributes),
            ("dropped_attributes_count", None) => Some(Field::ResourceDroppedAttributesCount),
            ("schema_url", None) => Some(Field::ResourceSchemaUrl),
            _ => None,
        },
        ContextKind::Scope => match (name, sub) {
            ("name", None) => Some(Field::ScopeName),
            ("version", None) => Some(Field::ScopeVersion),
            ("attributes", None) => Some(Field::ScopeAttributes),
            ("dropped_attributes_count", None) => Some(Field::ScopeDroppedAttributesCount),
            ("schema_url", None) => Some(Field::ScopeSchemaUrl),
            _ => None,
        },
        ContextKind::Span => span::span_field(name, sub, keyed).map(Field::Span),
        ContextKind::SpanEvent => span::event_field(name, sub).map(Field::Event),
        ContextKind::Metric => metric::metric_field(name, sub).map(Field::Metric),
        ContextKind::DataPoint => metric::point_field(name, sub).map(Field::Point),
    };
    let field = match (found, sub) {
        (Some(f), _) => f,
        (None, Some(_)) => {
            return Err(PosError::new(
                rest[1].at,
                format!("invalid path \"{dotted}\": {:?} has no field {:?}", head.name, rest[1].name),
            ))
        }
        (None, None) => {
            let valid = match level {
                ContextKind::Log => LOG_FIELDS,
                ContextKind::Resource => RESOURCE_FIELDS,
                ContextKind::Scope => SCOPE_FIELDS,
                ContextKind::Span => span::SPAN_FIELDS,
                ContextKind::SpanEvent => span::EVENT_FIELDS,
                ContextKind::Metric => metric::METRIC_FIELDS,
                ContextKind::DataPoint => metric::POINT_FIELDS,
            };
            return Err(PosError::new(
                head.at,
                format!(
                    "invalid path \"{dotted}\": {:?} is not a field of the {} context ({valid})",
                    head.name,
                    level.name()
                ),
            ));
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

fn log_field(name: &str, sub: Option<&str>, keyed: bool) -> Option<Field> {
    Some(match (name, sub) {
        ("body", None) => Field::Body,
        ("body", Some("string")) if !keyed => Field::BodyString,
        ("attributes", None) => Field::Attributes,
        ("severity_text", None) => Field::SeverityText,
        ("severity_number", None) => Field::SeverityNumber,
        ("time_unix_nano", None) => Field::TimeUnixNano,
        ("observed_time_unix_nano", None) => Field::ObservedTimeUnixNano,
        ("time", None) => Field::Time,
        ("observed_time", None) => Field::ObservedTime,
        ("trace_id", None) => Field::TraceId,
        ("trace_id", Some("string")) => Field::TraceIdString,
        ("span_id", None) => Field::SpanId,
        ("span_id", Some("string")) => Field::SpanIdString,
        ("flags", None) => Field::Flags,
        ("event_name", None) => Field::EventName,
        ("dropped_attributes_count", None) => Field::DroppedAttributesCount,
        _ => return None,
    })
}

/// The enum symbols a context knows (otelcol's per-context enum parsers).
pub fn enum_value(name: &str, cx: ContextKind) -> Option<i64> {
    match cx {
        ContextKind::Log => super::compile::severity_enum(name),
        ContextKind::Span | ContextKind::SpanEvent => span::enum_value(name),
        ContextKind::Metric | ContextKind::DataPoint => metric::enum_value(name, cx == ContextKind::DataPoint),
        ContextKind::Resource | ContextKind::Scope => None,
    }
}
