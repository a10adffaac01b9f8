//! The log context: what a path names, resolved once at compile time to a
//! [`Field`] plus keys, and read or written directly on the OTLP structs.
//!
//! Paths follow `pkg/ottl/contexts/ottllog` (and `ottlresource`, `ottlscope`):
//! with a context prefix (`log.body`, `resource.attributes["k"]`,
//! `scope.name` / `instrumentation_scope.name`) or without one, in which case
//! they belong to the context the statement runs in.

mod read;
mod write;

pub use read::{get, index, resolve_key};
pub use write::{map_mut, resolve_keys, set, set_map_value};

use std::borrow::Cow;

use opentelemetry_proto::tonic::common::v1::{InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::resource::v1::Resource;

use super::ast;
use super::compile::Expr;
use super::lexer::PosError;
use super::value::{EvalError, EvalResult};

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
