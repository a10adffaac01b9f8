//! stanza's operators, the otelcol-compatible subset: `json_parser`,
//! `regex_parser`, `time_parser`, `severity_parser`, `move`, `remove`, `add`,
//! `copy` and `filter`. They run in the order written (`output` may only name
//! the next operator). Every operator takes `id`, `if` (an expression; the
//! operator is skipped when false) and `on_error` (`send`, `send_quiet`,
//! `drop`, `drop_quiet`).
//!
//! Config errors are positioned: an unknown operator type points at its
//! `type`, a bad field, regex or expression at its key.

/// An operator's config struct: the five keys every operator takes (`type`,
/// `id`, `output`, `on_error`, `if`) followed by its own, and the
/// [`TakeCommon`] impl that hands the shared ones to [`build_one`]. For use in
/// the operator modules (paths are relative to them).
macro_rules! operator_config {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            #[serde(rename = "type")]
            _type: String,
            id: Option<String>,
            output: Option<serde_json::Value>,
            on_error: Option<String>,
            #[serde(rename = "if")]
            cond: Option<super::super::expr::Expr>,
            $($(#[$fmeta])* $field: $ty,)*
        }

        impl super::TakeCommon for $name {
            fn common(&mut self) -> super::CommonKeys {
                (self.id.take(), self.output.take(), self.on_error.take(), self.cond.take())
            }
        }
    };
}

mod filter;
mod parsers;
mod severity;
mod time;
mod transform;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use tracing::{debug, error};

use super::entry::LogEntry;
use super::expr::Expr;
use crate::config::de::{from_node, DeError};
use crate::config::yaml::{Node, Value};
use crate::event::{any_value::Value as AnyValueKind, AnyValue};

/// The operator types ferrocol implements.
pub const TYPES: [&str; 9] =
    ["add", "copy", "filter", "json_parser", "move", "regex_parser", "remove", "severity_parser", "time_parser"];

/// What to do with an entry an operator failed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnError {
    Send,
    SendQuiet,
    Drop,
    DropQuiet,
}

impl OnError {
    fn parse(s: Option<&str>) -> Result<OnError, String> {
        match s.unwrap_or("send") {
            "send" => Ok(OnError::Send),
            "send_quiet" => Ok(OnError::SendQuiet),
            "drop" => Ok(OnError::Drop),
            "drop_quiet" => Ok(OnError::DropQuiet),
            other => Err(format!(
                "invalid on_error {other:?}: ensure that the `on_error` field is set to one of `send`, `send_quiet`, `drop`, `drop_quiet`"
            )),
        }
    }
}

/// The keys every operator accepts.
#[derive(Debug)]
pub struct Common {
    pub id: String,
    pub output: Option<serde_json::Value>,
    pub on_error: OnError,
    pub cond: Option<Expr>,
}

/// What an operator does.
pub enum Kind {
    Parser(parsers::Parser),
    Time(time::TimeParser),
    Severity(severity::SeverityParser),
    Transform(transform::Transform),
    Filter(filter::Filter),
}

/// One configured operator.
pub struct Operator {
    common: Common,
    kind: Kind,
    errors: ErrorLog,
}

/// Error logging for one operator: the first error, then at most one line per
/// interval with the count of those not logged.
#[derive(Default)]
struct ErrorLog {
    last: Option<Instant>,
    suppressed: u64,
}

const ERROR_LOG_INTERVAL: Duration = Duration::from_secs(10);

impl Operator {
    /// Run on one entry; false when the entry is dropped.
    pub fn process(&mut self, e: &mut LogEntry) -> bool {
        if let Kind::Filter(f) = &mut self.kind {
            return match f.keep(e) {
                Ok(keep) => keep,
                Err(err) => {
                    // stanza drops the entry when the expression fails.
                    let id = self.common.id.clone();
                    self.errors.log(&id, &format!("running filter expression: {err}"), false);
                    false
                }
            };
        }
        if let Some(c) = &self.common.cond {
            match c.test(e) {
                Ok(true) => {}
                Ok(false) => return true,
                Err(err) => return self.failed(format!("running if expr: {err}")),
            }
        }
        let result = match &self.kind {
            Kind::Parser(p) => p.process(e),
            Kind::Time(t) => t.parse(e),
            Kind::Severity(s) => s.parse(e),
            Kind::Transform(t) => t.apply(e),
            Kind::Filter(_) => Ok(()),
        };
        match result {
            Ok(()) => true,
            Err(err) => self.failed(err),
        }
    }

    fn failed(&mut self, err: String) -> bool {
        let quiet = matches!(self.common.on_error, OnError::SendQuiet | OnError::DropQuiet);
        let id = self.common.id.clone();
        self.errors.log(&id, &err, quiet);
        matches!(self.common.on_error, OnError::Send | OnError::SendQuiet)
    }
}

impl ErrorLog {
    fn log(&mut self, id: &str, err: &str, quiet: bool) {
        if quiet {
            debug!(operator = id, error = err, "failed to process entry");
            return;
        }
        let now = Instant::now();
        if self.last.is_some_and(|t| now.duration_since(t) < ERROR_LOG_INTERVAL) {
            self.suppressed += 1;
            return;
        }
        error!(operator = id, error = err, similar_errors_not_logged = self.suppressed, "failed to process entry");
        self.last = Some(now);
        self.suppressed = 0;
    }
}

/// The Go type stanza names in "cannot be parsed" errors for a value.
pub(super) fn go_type(v: &AnyValue) -> &'static str {
    match &v.value {
        None => "<nil>",
        Some(AnyValueKind::StringValue(_)) => "string",
        Some(AnyValueKind::IntValue(_)) => "int",
        Some(AnyValueKind::DoubleValue(_)) => "float64",
        Some(AnyValueKind::BoolValue(_)) => "bool",
        Some(AnyValueKind::KvlistValue(_)) => "map[string]interface {}",
        Some(AnyValueKind::ArrayValue(_)) => "[]interface {}",
        _ => "[]uint8",
    }
}

fn at(node: &Node, path: &str, message: impl Into<String>) -> DeError {
    DeError { message: message.into(), pos: Some(node.pos.clone()), path: path.to_string() }
}

/// The common keys of an operator: `id`, `output`, `on_error`, `if`.
pub type CommonKeys = (Option<String>, Option<serde_json::Value>, Option<String>, Option<Expr>);

/// A result whose error names the key at fault (relative to the operator).
pub type KeyResult<T> = Result<T, (&'static str, String)>;

/// Hands over the common keys (implemented by [`operator_config!`]).
pub trait TakeCommon {
    fn common(&mut self) -> CommonKeys;
}

/// A config struct for one operator, declared with [`operator_config!`].
pub trait OperatorConfig: DeserializeOwned + TakeCommon {
    /// Compile.
    fn build(self) -> KeyResult<Kind>;
}

fn build_one<C: OperatorConfig>(item: &Node, path: &str, type_name: &str) -> Result<Operator, DeError> {
    let mut cfg: C = from_node(item).map_err(|mut e| {
        e.path = if e.path.is_empty() { path.to_string() } else { format!("{path}::{}", e.path) };
        e
    })?;
    let (id, output, on_error, cond) = cfg.common();
    let on_error = OnError::parse(on_error.as_deref())
        .map_err(|m| at(item.lookup("on_error"), &format!("{path}::on_error"), m))?;
    let kind = cfg.build().map_err(|(key, m)| at(item.lookup(key), &format!("{path}::{key}"), m))?;
    Ok(Operator {
        common: Common { id: id.unwrap_or_else(|| type_name.to_string()), output, on_error, cond },
        kind,
        errors: ErrorLog::default(),
    })
}

/// Parse the `operators` list of a receiver section.
pub fn parse(node: Option<&Node>) -> Result<Vec<Operator>, DeError> {
    let Some(node) = node.filter(|n| !n.is_null()) else { return Ok(Vec::new()) };
    let Value::Seq(items) = &node.value else {
        return Err(at(node, "operators", format!("invalid type: {}, expected a sequence", node.kind_name())));
    };
    let mut ops = Vec::with_capacity(items.len());
    let mut ids = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("operators[{i}]");
        let Some(type_node) = item.get("type") else {
            return Err(at(item, &path, "missing required field `type`"));
        };
        let t = type_node.scalar_text().unwrap_or_default();
        let op = match t {
            "json_parser" => build_one::<parsers::JsonParserConfig>(item, &path, t)?,
            "regex_parser" => build_one::<parsers::RegexParserConfig>(item, &path, t)?,
            "time_parser" => build_one::<time::TimeParserConfig>(item, &path, t)?,
            "severity_parser" => build_one::<severity::SeverityParserConfig>(item, &path, t)?,
            "move" => build_one::<transform::MoveConfig>(item, &path, t)?,
            "copy" => build_one::<transform::CopyConfig>(item, &path, t)?,
            "remove" => build_one::<transform::RemoveConfig>(item, &path, t)?,
            "add" => build_one::<transform::AddConfig>(item, &path, t)?,
            "filter" => build_one::<filter::FilterConfig>(item, &path, t)?,
            _ => {
                return Err(at(
                    type_node,
                    &format!("{path}::type"),
                    format!("unknown operator type {t:?} (supported: {})", TYPES.join(", ")),
                ))
            }
        };
        let mut op = op;
        if item.get("id").is_none() {
            // Like stanza, default ids (the type) are made unique: add, add1, add2...
            let mut n = 0;
            while ids.contains(&op.common.id) {
                n += 1;
                op.common.id = format!("{t}{n}");
            }
        }
        if !ids.insert(op.common.id.clone()) {
            let n = item.get("id").unwrap_or(type_node);
            let msg = format!("duplicate operator id {:?}: give each operator its own `id`", op.common.id);
            return Err(at(n, &format!("{path}::id"), msg));
        }
        ops.push(op);
    }
    // Operators run in order; `output` may only say so.
    for (i, op) in ops.iter().enumerate() {
        let Some(out) = &op.common.output else { continue };
        let next = ops.get(i + 1).map(|n| n.common.id.as_str());
        let ok = match out {
            serde_json::Value::String(s) => Some(s.as_str()) == next,
            serde_json::Value::Array(a) => a.len() == 1 && a[0].as_str() == next,
            _ => false,
        };
        if !ok {
            let n = items[i].lookup("output");
            return Err(at(
                n,
                &format!("operators[{i}]::output"),
                "ferrocol runs operators in the order written: `output` may only name the next operator",
            ));
        }
    }
    Ok(ops)
}

#[cfg(test)]
mod tests;
