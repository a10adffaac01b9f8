//! The `filelog` receiver: otelcol-contrib's file log receiver, the subset
//! listed in the README. Each entry (a line, or a multiline group) becomes a
//! record whose body is its text, with `log.file.name` (and the other
//! `include_file_*` attributes), then goes through the `operators`.
//!
//! Reading, rotation and checkpoints are the shared engine's
//! ([`crate::tail`]): at least once with `storage`, positions in memory without.

mod config;
pub(crate) mod entry;
pub(crate) mod expr;
pub(crate) mod operators;

#[cfg(test)]
mod tests;

use crate::anyvalue::{bool_value, bytes_value, from_json_value, int_value, str_value};
use crate::component::{Factory, ReceiverConfig, ReceiverContext, ReceiverFactory, Stability, StageError, StageTask};
use crate::config::de::from_node;
use crate::config::FieldError;
use crate::event::{AnyValue, LogRecord};
use crate::receivers::file_source::{self, BatchBuilder, Mapper};
use crate::tail::{Entry, FileInfo, Text};

pub use config::FilelogConfig;
use entry::{insert, LogEntry};
use expr::ExprString;
use operators::Operator;

pub static FACTORY: ReceiverFactory = Factory {
    type_name: "filelog",
    aliases: &[],
    stability: Stability::Beta,
    parse: |n| {
        let mut cfg: FilelogConfig = from_node(n)?;
        // Operators are checked here, with positions; each build parses them again.
        operators::parse(n.get("operators"))?;
        cfg.operators_node = n.get("operators").cloned();
        Ok(Box::new(cfg))
    },
};

impl ReceiverConfig for FilelogConfig {
    fn validate(&self) -> Vec<FieldError> {
        FilelogConfig::validate(self)
    }

    fn build(&self, cx: ReceiverContext) -> Result<StageTask, StageError> {
        let storage = file_source::storage_id(&self.storage).map_err(StageError::new)?;
        let ops = operators::parse(self.operators_node.as_ref()).map_err(|e| StageError::new(e.message))?;
        let mapper = FilelogMapper::new(self, ops).map_err(StageError::new)?;
        file_source::build(cx, self.tail_options(), storage, mapper)
    }
}

/// A configured attribute: a constant, or a string with `EXPR(...)` parts.
enum Attr {
    Const(AnyValue),
    Expr(ExprString),
}

fn attrs(map: &crate::anyvalue::OrderedMap) -> Result<Vec<(String, Attr)>, String> {
    map.0
        .iter()
        .map(|(k, v)| {
            let a = match v {
                serde_json::Value::String(s) => {
                    let x = ExprString::parse(s)?;
                    if x.is_static() {
                        Attr::Const(str_value(s.clone()))
                    } else {
                        Attr::Expr(x)
                    }
                }
                v => Attr::Const(from_json_value(v)),
            };
            Ok((k.clone(), a))
        })
        .collect()
}

struct FilelogMapper {
    file_name: bool,
    file_path: bool,
    name_resolved: bool,
    path_resolved: bool,
    record_number: bool,
    attributes: Vec<(String, Attr)>,
    resource: Vec<(String, Attr)>,
    ops: Vec<Operator>,
}

impl FilelogMapper {
    fn new(cfg: &FilelogConfig, ops: Vec<Operator>) -> Result<FilelogMapper, String> {
        Ok(FilelogMapper {
            file_name: cfg.include_file_name,
            file_path: cfg.include_file_path,
            name_resolved: cfg.include_file_name_resolved,
            path_resolved: cfg.include_file_path_resolved,
            record_number: cfg.include_file_record_number,
            attributes: attrs(&cfg.attributes)?,
            resource: attrs(&cfg.resource)?,
            ops,
        })
    }

    /// The entry as the input operator makes it, before any operator.
    fn entry(&self, file: &FileInfo<'_>, entry: &Entry<'_>) -> LogEntry {
        let body = match &entry.text {
            Text::Str(s) => str_value(s.as_ref()),
            Text::Bytes(b) => bytes_value(b.to_vec()),
        };
        let mut e = LogEntry { body, ..Default::default() };
        let a = &mut e.attributes;
        if self.file_name {
            insert(a, "log.file.name".into(), str_value(file.name));
        }
        if self.file_path {
            insert(a, "log.file.path".into(), str_value(file.path.to_string_lossy()));
        }
        if self.name_resolved || self.path_resolved {
            let resolved = file.resolved.unwrap_or(file.path);
            if self.name_resolved {
                let name = resolved.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                insert(a, "log.file.name_resolved".into(), str_value(name));
            }
            if self.path_resolved {
                insert(a, "log.file.path_resolved".into(), str_value(resolved.to_string_lossy()));
            }
        }
        if self.record_number {
            insert(a, "log.file.record_number".into(), int_value(entry.number as i64));
        }
        if entry.truncated {
            insert(a, "log.record.truncated".into(), bool_value(true));
        }
        for (list, to_resource) in [(&self.attributes, false), (&self.resource, true)] {
            for (k, v) in list {
                let value = match v {
                    Attr::Const(c) => c.clone(),
                    Attr::Expr(x) => match x.render(&e) {
                        Ok(s) => str_value(s),
                        Err(err) => {
                            tracing::debug!(key = %k, error = %err, "cannot evaluate attribute expression");
                            continue;
                        }
                    },
                };
                let target = if to_resource { &mut e.resource } else { &mut e.attributes };
                insert(target, k.clone(), value);
            }
        }
        e
    }
}

impl Mapper for FilelogMapper {
    fn map(&mut self, file: &FileInfo<'_>, entry: Entry<'_>, out: &mut BatchBuilder) {
        let observed = crate::time::now_unix_nanos();
        let size = match &entry.text {
            Text::Str(s) => s.len(),
            Text::Bytes(b) => b.len(),
        };
        let mut e = self.entry(file, &entry);
        for op in &mut self.ops {
            if !op.process(&mut e) {
                return;
            }
        }
        let record = LogRecord {
            time_unix_nano: e.timestamp,
            observed_time_unix_nano: observed,
            severity_number: e.severity,
            severity_text: e.severity_text,
            body: Some(e.body),
            attributes: e.attributes,
            ..Default::default()
        };
        out.push(&e.resource, record, size);
    }
}
