//! What `filter` and `transform` share: list entries that are either an OTTL
//! text or a group `{context, conditions, statements, error_mode}`, compiled
//! at load time with each error placed at its entry in the YAML, and the walk
//! over a batch's resources, scopes and records.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::config::FieldError;
use crate::event::ResourceLogs;
use crate::ottl::{self, Condition, ContextKind, Ctx, ErrorMode, EvalError, Statement};

/// One entry of `log_statements` / `log_conditions`.
#[derive(Debug, Clone)]
pub enum Entry {
    /// A statement or condition; its context is inferred from its paths.
    Text(String),
    Group(Group),
}

/// A group with its own context, conditions and error mode.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Group {
    /// `log`, `scope` or `resource`; inferred from the paths when left out.
    pub context: Option<String>,
    /// Where-clause bodies, ORed: the group applies when one holds (none: always).
    pub conditions: Vec<String>,
    pub statements: Vec<String>,
    /// Overrides the processor's `error_mode` for this group.
    pub error_mode: Option<ErrorMode>,
}

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entry;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an OTTL string or a map with context, conditions, statements, error_mode")
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<Entry, E> {
                Ok(Entry::Text(s.to_string()))
            }

            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Entry, E> {
                Ok(Entry::Text(b.to_string()))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Entry, A::Error> {
                Group::deserialize(de::value::MapAccessDeserializer::new(map)).map(Entry::Group)
            }
        }
        d.deserialize_any(V)
    }
}

/// Compiled conditions of one context, ORed, with their error mode.
#[derive(Debug)]
pub struct CondGroup {
    pub context: ContextKind,
    pub conditions: Vec<Condition>,
    pub mode: ErrorMode,
}

impl CondGroup {
    /// True when a condition holds; an empty group always holds.
    pub fn holds(&self, ctx: &Ctx<'_>) -> Result<bool, EvalError> {
        if self.conditions.is_empty() {
            return Ok(true);
        }
        ottl::any_true(&self.conditions, ctx, self.mode)
    }
}

/// Compile `texts` (the list at `key`) as conditions in `cx`; errors are
/// collected with the key of each text.
pub fn compile_conditions(
    texts: &[String],
    key: &str,
    cx: ContextKind,
    errors: &mut Vec<FieldError>,
) -> Vec<Condition> {
    texts.iter().enumerate().filter_map(|(i, t)| compile_condition(t, &format!("{key}[{i}]"), cx, errors)).collect()
}

/// Compile one condition written at `key`.
pub fn compile_condition(text: &str, key: &str, cx: ContextKind, errors: &mut Vec<FieldError>) -> Option<Condition> {
    Condition::parse(text, cx)
        .map_err(|e| errors.push(FieldError::new(key, format!("invalid condition {text:?}: {e}"))))
        .ok()
}

pub fn compile_statements(
    texts: &[String],
    key: &str,
    cx: ContextKind,
    errors: &mut Vec<FieldError>,
) -> Vec<Statement> {
    texts.iter().enumerate().filter_map(|(i, t)| compile_statement(t, &format!("{key}[{i}]"), cx, errors)).collect()
}

/// Compile one statement written at `key`.
pub fn compile_statement(text: &str, key: &str, cx: ContextKind, errors: &mut Vec<FieldError>) -> Option<Statement> {
    Statement::parse(text, cx)
        .map_err(|e| errors.push(FieldError::new(key, format!("invalid statement {text:?}: {e}"))))
        .ok()
}

/// A group's context: as written, or inferred from its texts.
pub fn group_context(g: &Group, key: &str, errors: &mut Vec<FieldError>) -> ContextKind {
    match &g.context {
        Some(c) => ContextKind::parse(c).unwrap_or_else(|| {
            errors.push(FieldError::new(
                format!("{key}::context"),
                format!("unknown context {c:?} (valid values: log, scope, resource)"),
            ));
            ContextKind::Log
        }),
        None => ottl::infer_context(g.statements.iter().map(String::as_str), g.conditions.iter().map(String::as_str)),
    }
}

/// Run `f` for every context of kind `cx` in the batch: each resource, each
/// scope, or each record. Stops at the first error.
pub fn for_each_ctx(
    resource_logs: &mut [ResourceLogs],
    cx: ContextKind,
    mut f: impl FnMut(&mut Ctx<'_>) -> Result<(), EvalError>,
) -> Result<(), EvalError> {
    for rl in resource_logs {
        if cx == ContextKind::Resource {
            f(&mut Ctx::resource(&mut rl.resource))?;
            continue;
        }
        for sl in &mut rl.scope_logs {
            if cx == ContextKind::Scope {
                f(&mut Ctx::scope(&mut rl.resource, &mut sl.scope))?;
                continue;
            }
            for rec in &mut sl.log_records {
                f(&mut Ctx::log(&mut rl.resource, &mut sl.scope, rec))?;
            }
        }
    }
    Ok(())
}
