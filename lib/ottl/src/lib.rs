//! The OpenTelemetry Transformation Language, as otelcol-contrib runs it for
//! logs, so that `filter` and `transform` statements from otelcol configs work
//! unchanged.
//!
//! Statements and conditions are parsed ([`parser`], with byte positions for
//! errors), then compiled ([`compile`]): paths become direct field accessors
//! ([`paths`]), functions are looked up in a [`Functions`] table and their
//! arguments checked ([`editors`], [`converters`]), regexes are compiled
//! ([`regex`]); times are read and printed by `ferrocol-gotime`. Evaluation
//! ([`eval`]) works on OTLP structs (the `opentelemetry-proto` types),
//! borrowing instead of copying where it can; [`pdata`] has pdata's value
//! semantics (type names, `AsString`, Go's JSON).
//!
//! Nothing here knows about a pipeline engine's batches or acks: callers build
//! a [`Ctx`] for a record, scope or resource and run [`Statement`]s or
//! [`Condition`]s. A host adds its own converters to [`Functions`].

pub mod ast;
pub mod compile;
pub mod converters;
pub mod editors;
pub mod eval;
pub mod functions;
pub mod lambda;
pub mod lexer;
pub mod parser;
pub mod paths;
pub mod pdata;
pub mod regex;
pub mod value;

#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
#[cfg(test)]
mod tests;

use std::fmt;

use serde::Deserialize;

use compile::{Cond, Env};
use editors::Editor;
pub use functions::Functions;
pub use paths::{ContextKind, Ctx, Record, SchemaUrls};
pub use value::{EvalError, Value};

/// A statement or condition that does not parse or compile: the column (1-based,
/// in characters) inside its text, and what went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OttlError {
    pub column: usize,
    pub message: String,
}

impl fmt::Display for OttlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl OttlError {
    pub fn at(text: &str, e: lexer::PosError) -> OttlError {
        let at = e.at.min(text.len());
        let column = text.get(..at).map_or(at, |s| s.chars().count()) + 1;
        OttlError { column, message: e.message }
    }
}

/// A compiled statement: an editor, run when its `where` condition holds.
pub struct Statement {
    editor: Box<dyn Editor>,
    condition: Option<Cond>,
    pub text: String,
}

impl fmt::Debug for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Statement({:?})", self.text)
    }
}

impl Statement {
    pub fn parse(text: &str, cx: ContextKind, funcs: &Functions) -> Result<Statement, OttlError> {
        let ast = parser::parse_statement(text).map_err(|e| OttlError::at(text, e))?;
        let (editor, condition) =
            compile::compile_statement(ast, Env { cx, funcs }).map_err(|e| OttlError::at(text, e))?;
        Ok(Statement { editor, condition, text: text.to_string() })
    }

    /// Run the statement; `Ok(false)` when its condition was false.
    pub fn execute(&self, ctx: &mut Ctx<'_>) -> Result<bool, EvalError> {
        if let Some(c) = &self.condition {
            if !eval::eval_cond(c, ctx)? {
                return Ok(false);
            }
        }
        self.editor.exec(ctx)?;
        Ok(true)
    }
}

/// A compiled condition.
pub struct Condition {
    cond: Cond,
    pub text: String,
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Condition({:?})", self.text)
    }
}

impl Condition {
    pub fn parse(text: &str, cx: ContextKind, funcs: &Functions) -> Result<Condition, OttlError> {
        let ast = parser::parse_condition(text).map_err(|e| OttlError::at(text, e))?;
        let cond = compile::compile_cond(ast, Env { cx, funcs }).map_err(|e| OttlError::at(text, e))?;
        Ok(Condition { cond, text: text.to_string() })
    }

    pub fn eval(&self, ctx: &Ctx<'_>) -> Result<bool, EvalError> {
        eval::eval_cond(&self.cond, ctx)
    }
}

/// The context a list of statements and conditions of a logs pipeline runs in
/// when none is given; see [`infer_context_in`].
pub fn infer_context<'a>(
    statements: impl IntoIterator<Item = &'a str>,
    conditions: impl IntoIterator<Item = &'a str>,
) -> ContextKind {
    infer_context_in(ContextKind::Log, statements, conditions)
}

/// The context a list of statements and conditions runs in when none is given:
/// the deepest their path prefixes name (`log.`, `span.`, `metric.` over
/// `scope.` over `resource.`; `spanevent.` over `span.`, `datapoint.` over
/// `metric.`). Paths without a prefix, and lists without paths, count as
/// `default` (the signal's record context). Texts that do not parse are
/// skipped here (compiling them reports the error).
pub fn infer_context_in<'a>(
    default: ContextKind,
    statements: impl IntoIterator<Item = &'a str>,
    conditions: impl IntoIterator<Item = &'a str>,
) -> ContextKind {
    let mut deepest: Option<ContextKind> = None;
    let mut see = |p: &ast::Path| {
        let f = &p.fields;
        if f[0].name == "cache" {
            return;
        }
        let kind = match ContextKind::parse(&f[0].name) {
            Some(k) if f.len() > 1 && f[0].keys.is_empty() => k,
            _ => default,
        };
        deepest = Some(deepest.map_or(kind, |d| if kind.depth() > d.depth() { kind } else { d }));
    };
    for s in statements {
        if let Ok(st) = parser::parse_statement(s) {
            ast::visit_statement_paths(&st, &mut see);
        }
    }
    for c in conditions {
        if let Ok(b) = parser::parse_condition(c) {
            ast::visit_bool_paths(&b, &mut see);
        }
    }
    deepest.unwrap_or(default)
}

/// What to do when a statement or condition fails while running (otelcol's
/// `error_mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorMode {
    /// Stop and report the error: the processor drops the whole batch.
    #[default]
    Propagate,
    /// Log the error and go on with the next statement or condition.
    Ignore,
    /// Go on without logging.
    Silent,
}

/// Conditions ORed (otelcol's `ConditionSequence`): true as soon as one is.
/// Under `ignore` and `silent` a failing condition counts as false.
pub fn any_true(conditions: &[Condition], ctx: &Ctx<'_>, mode: ErrorMode) -> Result<bool, EvalError> {
    for c in conditions {
        match c.eval(ctx) {
            Ok(true) => return Ok(true),
            Ok(false) => {}
            Err(e) => match mode {
                ErrorMode::Propagate => {
                    return Err(EvalError::new(format!("failed to eval condition: {}, {e}", c.text)))
                }
                ErrorMode::Ignore => tracing::warn!(error = %e, condition = %c.text, "failed to eval condition"),
                ErrorMode::Silent => {}
            },
        }
    }
    Ok(false)
}

/// Statements in order (otelcol's `StatementSequence`).
pub fn run_statements(statements: &[Statement], ctx: &mut Ctx<'_>, mode: ErrorMode) -> Result<(), EvalError> {
    for s in statements {
        if let Err(e) = s.execute(ctx) {
            match mode {
                ErrorMode::Propagate => {
                    return Err(EvalError::new(format!("failed to execute statement: {}, {e}", s.text)))
                }
                ErrorMode::Ignore => tracing::warn!(error = %e, statement = %s.text, "failed to execute statement"),
                ErrorMode::Silent => {}
            }
        }
    }
    Ok(())
}
