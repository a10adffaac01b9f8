//! The `transform` processor: runs OTTL statements on every record (or scope,
//! or resource), as otelcol-contrib's transform processor does.
//!
//! `log_statements` holds statements and groups, run in order. Statements in a
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

#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tracing::error;

use crate::component::{
    Factory, ProcessorConfig, ProcessorContext, ProcessorFactory, Stability, StageError, StageTask,
};
use crate::config::FieldError;
use crate::event::{LogBatch, ResourceLogs};
use crate::ottl::{self, ErrorMode, EvalError, Statement};
use crate::processors::ottl_config::{
    compile_conditions, compile_statement, compile_statements, for_each_ctx, group_context, CondGroup, Entry,
};
use crate::topology::run_function;

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
pub struct Transform(Result<Arc<Program>, Vec<FieldError>>);

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
}

#[derive(Debug, Default)]
pub struct Program {
    groups: Vec<Group>,
    pub counters: Counters,
}

impl Transform {
    pub fn compile(cfg: &TransformConfig) -> Transform {
        let mut errors = Vec::new();
        let mut groups = Vec::new();
        let entries = &cfg.log_statements;
        let mut i = 0;
        while i < entries.len() {
            match &entries[i] {
                Entry::Text(_) => {
                    let run: Vec<(usize, &str)> = entries[i..]
                        .iter()
                        .map_while(|e| match e {
                            Entry::Text(t) => Some(t.as_str()),
                            Entry::Group(_) => None,
                        })
                        .enumerate()
                        .map(|(j, t)| (i + j, t))
                        .collect();
                    let cx = ottl::infer_context(run.iter().map(|(_, t)| *t), []);
                    let statements = run
                        .iter()
                        .filter_map(|(idx, t)| compile_statement(t, &format!("log_statements[{idx}]"), cx, &mut errors))
                        .collect();
                    groups.push(Group {
                        when: CondGroup { context: cx, conditions: Vec::new(), mode: cfg.error_mode },
                        statements,
                        mode: cfg.error_mode,
                    });
                    i += run.len();
                }
                Entry::Group(g) => {
                    let key = format!("log_statements[{i}]");
                    let cx = group_context(g, &key, &mut errors);
                    let mode = g.error_mode.unwrap_or(cfg.error_mode);
                    let conditions = compile_conditions(&g.conditions, &format!("{key}::conditions"), cx, &mut errors);
                    let statements = compile_statements(&g.statements, &format!("{key}::statements"), cx, &mut errors);
                    groups.push(Group { when: CondGroup { context: cx, conditions, mode }, statements, mode });
                    i += 1;
                }
            }
        }
        Transform(if errors.is_empty() {
            Ok(Arc::new(Program { groups, counters: Counters::default() }))
        } else {
            Err(errors)
        })
    }

    pub fn program(&self) -> Option<&Arc<Program>> {
        self.0.as_ref().ok()
    }
}

impl ProcessorConfig for Transform {
    fn validate(&self) -> Vec<FieldError> {
        self.0.as_ref().err().cloned().unwrap_or_default()
    }

    fn build(&self, cx: ProcessorContext) -> Result<StageTask, StageError> {
        let program = self.0.as_ref().map_err(|_| StageError::new("invalid configuration"))?.clone();
        Ok(run_function(cx.input, cx.output, move |batch| {
            program.process(batch);
            Ok(())
        }))
    }
}

impl Program {
    /// Transform one batch in place. A failure under `propagate` empties it
    /// and rejects its acks.
    pub fn process(&self, batch: &mut LogBatch) {
        if let Err(e) = self.transform(&mut batch.resource_logs) {
            self.counters.failed_batches.fetch_add(1, Ordering::Relaxed);
            error!(error = %e, records = batch.record_count(), "failed processing logs; the batch is dropped and its acknowledgement rejected");
            batch.resource_logs.clear();
            std::mem::take(&mut batch.acks).reject();
        }
    }

    pub fn transform(&self, resource_logs: &mut [ResourceLogs]) -> Result<(), EvalError> {
        for g in &self.groups {
            for_each_ctx(resource_logs, g.when.context, |ctx| {
                if g.when.holds(ctx)? {
                    ottl::run_statements(&g.statements, ctx, g.mode)?;
                }
                Ok(())
            })?;
        }
        Ok(())
    }
}
