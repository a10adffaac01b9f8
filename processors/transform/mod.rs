//! The `transform` processor: runs OTTL statements on every record (or scope,
//! or resource), as otelcol-contrib's transform processor does.
//!
//! `log_statements` (and `trace_statements`, `metric_statements` for traces
//! and metrics pipelines) holds statements and groups, run in order. Statements in a
//! row form one group whose context is inferred from their path prefixes
//! (`log.`, `scope.`, `resource.`; the deepest wins, unprefixed paths are log
//! paths). A group `{context, conditions, statements, error_mode}` runs its
//! statements, in its context, wherever one of its conditions holds (all of
//! them when it has none). Each group runs over the whole batch before the
//! next, and every record starts with an empty `cache`.
//!
//! Under `error_mode: propagate` a failing statement drops the whole batch and
//! rejects its acks (otelcol returns the error to the receiver and drops the
//! data); `ignore` logs and goes on with the next statement, `silent` goes on.

mod config;
pub(crate) mod metric_funcs;

#[cfg(test)]
mod signal_tests;
#[cfg(test)]
mod tests;

use std::sync::atomic::AtomicU64;

use crate::component::{Factory, ProcessorFactory, Stability};
use crate::config::FieldError;
use crate::event::ResourceLogs;
use crate::ottl::{self, ErrorMode, EvalError, Statement};
use crate::processors::ottl_config::{
    compile_conditions, compile_statement, compile_statements, group_context, infer_context, runs, BatchProgram,
    Compiled, CondGroup, Entry, Run, Walk,
};
use crate::signal::{ResourceMetrics, ResourceSpans};

pub use config::TransformConfig;

pub static FACTORY: ProcessorFactory = Factory {
    type_name: "transform",
    aliases: &[],
    stability: Stability::Beta,
    parse: |n| {
        let cfg = crate::config::de::from_node::<TransformConfig>(n)?;
        Ok(Box::new(Transform::compile(&cfg)))
    },
};

/// The compiled statements, or what is wrong with the config.
pub type Transform = Compiled<Program>;

/// Counts a transform keeps; read by the metrics endpoint once ferrocol has one.
#[derive(Debug, Default)]
pub struct Counters {
    /// Batches dropped and rejected because a statement failed under `propagate`.
    pub failed_batches: AtomicU64,
}

#[derive(Debug)]
struct Group {
    /// Where the statements run, and the conditions that gate them.
    when: CondGroup,
    statements: Vec<Statement>,
    mode: ErrorMode,
    /// `shared_cache: true`: the `cache` is the batch's shared one.
    shared: bool,
}

#[derive(Debug, Default)]
pub struct Program {
    logs: Vec<Group>,
    traces: Vec<Group>,
    metrics: Vec<Group>,
    pub counters: Counters,
}

impl Transform {
    pub fn compile(cfg: &TransformConfig) -> Transform {
        let mut errors = cfg.other_signal_errors();
        // Statements of a signal whose settings otelcol's checks refused are
        // not compiled too (the checks already placed the errors).
        let checked = |key: &str, errors: &[FieldError]| !errors.iter().any(|e| e.key.starts_with(key));
        let traces_ok = checked("trace_statements", &errors);
        let metrics_ok = checked("metric_statements", &errors);
        let logs = compile_groups::<ResourceLogs>(&cfg.log_statements, "log_statements", cfg.error_mode, &mut errors);
        let traces = match traces_ok {
            true => {
                compile_groups::<ResourceSpans>(&cfg.trace_statements, "trace_statements", cfg.error_mode, &mut errors)
            }
            false => Vec::new(),
        };
        let metrics = match metrics_ok {
            true => compile_groups::<ResourceMetrics>(
                &cfg.metric_statements,
                "metric_statements",
                cfg.error_mode,
                &mut errors,
            ),
            false => Vec::new(),
        };
        Compiled::new(Program { logs, traces, metrics, counters: Counters::default() }, errors)
    }
}

/// The groups of one signal's statement list (`log_statements`, ...).
fn compile_groups<W: Walk>(entries: &[Entry], list: &str, mode: ErrorMode, errors: &mut Vec<FieldError>) -> Vec<Group> {
    let mut groups = Vec::new();
    for run in runs(entries) {
        match run {
            Run::Texts(texts) => {
                let cx = infer_context::<W>(texts.iter().map(|(_, t)| *t).collect(), []);
                let statements = texts
                    .iter()
                    .filter_map(|(i, t)| compile_statement(t, &format!("{list}[{i}]"), cx, errors))
                    .collect();
                let when = CondGroup { context: cx, conditions: Vec::new(), mode };
                groups.push(Group { when, statements, mode, shared: false });
            }
            Run::Group(i, g) => {
                let key = format!("{list}[{i}]");
                let cx = group_context::<W>(g, &key, errors);
                let mode = g.error_mode.unwrap_or(mode);
                let conditions = compile_conditions(&g.conditions, &format!("{key}::conditions"), cx, errors);
                let statements = compile_statements(&g.statements, &format!("{key}::statements"), cx, errors);
                let shared = g.shared_cache == Some(true);
                groups.push(Group { when: CondGroup { context: cx, conditions, mode }, statements, mode, shared });
            }
        }
    }
    groups
}

/// Each group over the whole batch, in order. Groups with `shared_cache`
/// share one `cache` for the batch; the others start empty at each record.
fn run_groups<W: Walk>(groups: &[Group], data: &mut [W]) -> Result<(), EvalError> {
    let mut shared = Vec::new();
    for g in groups {
        W::for_each_ctx(data, g.when.context, |ctx| {
            if g.shared {
                ctx.cache = std::mem::take(&mut shared);
            }
            let r = match g.when.holds(ctx) {
                Ok(true) => ottl::run_statements(&g.statements, ctx, g.mode),
                r => r.map(|_| ()),
            };
            if g.shared {
                shared = std::mem::take(&mut ctx.cache);
            }
            r
        })?;
    }
    Ok(())
}

impl BatchProgram for Program {
    fn apply(&self, resource_logs: &mut Vec<ResourceLogs>) -> Result<(), EvalError> {
        run_groups(&self.logs, resource_logs)
    }

    fn apply_traces(&self, resource_spans: &mut Vec<ResourceSpans>) -> Result<(), EvalError> {
        run_groups(&self.traces, resource_spans)
    }

    fn apply_metrics(&self, resource_metrics: &mut Vec<ResourceMetrics>) -> Result<(), EvalError> {
        run_groups(&self.metrics, resource_metrics)
    }

    fn failed_batches(&self) -> &AtomicU64 {
        &self.counters.failed_batches
    }
}
