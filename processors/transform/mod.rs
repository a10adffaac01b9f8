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

use std::sync::atomic::AtomicU64;

use crate::component::{Factory, ProcessorFactory, Stability};
use crate::config::FieldError;
use crate::event::ResourceLogs;
use crate::ottl::{self, ErrorMode, EvalError, Statement};
use crate::processors::ottl_config::{
    compile_conditions, compile_statement, compile_statements, for_each_ctx, group_context, runs, BatchProgram,
    Compiled, CondGroup, Run,
};

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
}

#[derive(Debug, Default)]
pub struct Program {
    groups: Vec<Group>,
    pub counters: Counters,
}

impl Transform {
    pub fn compile(cfg: &TransformConfig) -> Transform {
        let mut errors = cfg.other_signal_errors();
        let mut groups = Vec::new();
        for run in runs(&cfg.log_statements) {
            match run {
                Run::Texts(texts) => {
                    let cx = ottl::infer_context(texts.iter().map(|(_, t)| *t), []);
                    let statements = texts
                        .iter()
                        .filter_map(|(i, t)| compile_statement(t, &format!("log_statements[{i}]"), cx, &mut errors))
                        .collect();
                    let when = CondGroup { context: cx, conditions: Vec::new(), mode: cfg.error_mode };
                    groups.push(Group { when, statements, mode: cfg.error_mode });
                }
                Run::Group(i, g) => {
                    let key = format!("log_statements[{i}]");
                    if g.shared_cache == Some(true) {
                        errors.push(FieldError::new(
                            format!("{key}::shared_cache"),
                            "ferrocol's transform does not share the cache between groups (each record starts with an empty cache)",
                        ));
                    }
                    let cx = group_context(g, &key, &mut errors);
                    let mode = g.error_mode.unwrap_or(cfg.error_mode);
                    let conditions = compile_conditions(&g.conditions, &format!("{key}::conditions"), cx, &mut errors);
                    let statements = compile_statements(&g.statements, &format!("{key}::statements"), cx, &mut errors);
                    groups.push(Group { when: CondGroup { context: cx, conditions, mode }, statements, mode });
                }
            }
        }
        Compiled::new(Program { groups, counters: Counters::default() }, errors)
    }
}

impl BatchProgram for Program {
    /// Each group over the whole batch, in order.
    fn apply(&self, resource_logs: &mut Vec<ResourceLogs>) -> Result<(), EvalError> {
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

    fn failed_batches(&self) -> &AtomicU64 {
        &self.counters.failed_batches
    }
}
