//! The `filter` processor: drops log records, scopes or resources, as
//! otelcol-contrib's filter processor does, plus keep-only filtering; for
//! traces and metrics pipelines, spans, span events, metrics and data points
//! (see `signals.rs`).
//!
//! - OTTL conditions: `logs.log_record` (log context), `logs.resource`
//!   (resource context) and the flat `log_conditions` (context inferred, or
//!   groups with `context`); whatever a true condition names is dropped.
//! - ferrocol's `logs.keep`: log-context conditions; a record is kept only when
//!   one of them is true. Combined with the drop conditions, a record survives
//!   when no drop condition and some keep condition holds.
//! - Legacy `logs.include` (keep only matches) and `logs.exclude` (drop
//!   matches), which cannot be mixed with OTTL conditions (as in otelcol).
//!
//! Scopes and resources left without records are removed. Dropped records
//! count as delivered for acknowledgements. When a condition fails under
//! `error_mode: propagate`, the whole batch is dropped and its acks are
//! rejected (otelcol returns the error to the receiver and drops the data).

mod config;
mod signals;

#[cfg(test)]
mod other_signal_tests;
#[cfg(test)]
mod signal_tests;
#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicU64, Ordering};

use tracing::debug;

use crate::component::{Factory, ProcessorFactory, Stability};
use crate::config::FieldError;
use crate::event::{count_records, ResourceLogs};
use crate::ottl::{ContextKind, Ctx, ErrorMode, EvalError};
use crate::processors::ottl_config::{
    compile_condition, compile_conditions, group_context, runs, BatchProgram, Compiled, CondGroup, Entry, Run, Walk,
};
use crate::signal::{ResourceMetrics, ResourceSpans};
use signals::SignalConds;

use crate::processors::legacy_match::Matcher;
pub use config::FilterConfig;

pub static FACTORY: ProcessorFactory = Factory {
    type_name: "filter",
    aliases: &[],
    stability: Stability::Alpha,
    parse: |n| {
        let cfg = crate::config::de::from_node::<FilterConfig>(n)?;
        Ok(Box::new(Filter::compile(&cfg)))
    },
};

/// The compiled filter, or what is wrong with the config.
pub type Filter = Compiled<Program>;

/// Counts a filter keeps; read by the metrics endpoint once ferrocol has one.
#[derive(Debug, Default)]
pub struct Counters {
    /// Records dropped by conditions (not counting failed batches).
    pub dropped_records: AtomicU64,
    /// Batches dropped and rejected because a condition failed under `propagate`.
    pub failed_batches: AtomicU64,
}

#[derive(Debug, Default)]
pub struct Program {
    /// A true condition drops the resource, scope or record.
    drop_resource: Vec<CondGroup>,
    drop_scope: Vec<CondGroup>,
    drop_record: Vec<CondGroup>,
    /// ferrocol's `keep`: a record stays only when this holds.
    keep_record: Option<CondGroup>,
    include: Option<Matcher>,
    exclude: Option<Matcher>,
    traces: SignalConds,
    metrics: SignalConds,
    pub counters: Counters,
}

impl Filter {
    pub fn compile(cfg: &FilterConfig) -> Filter {
        let mut errors = cfg.other_signal_errors();
        let mut p = Program::default();
        let mode = cfg.error_mode;
        let logs = &cfg.logs;
        let ottl = !logs.log_record.is_empty()
            || !logs.resource.is_empty()
            || !logs.keep.is_empty()
            || !cfg.log_conditions.is_empty();
        if ottl && (logs.include.is_some() || logs.exclude.is_some()) {
            errors.push(FieldError::new(
                "logs",
                "cannot use ottl conditions and include/exclude for logs at the same time",
            ));
        }
        if !cfg.log_conditions.is_empty() && (!logs.log_record.is_empty() || !logs.resource.is_empty()) {
            errors.push(FieldError::new(
                "log_conditions",
                "log_conditions cannot be used together with logs.log_record or logs.resource",
            ));
        }
        let group = |texts: &[String], key: &str, cx: ContextKind, errors: &mut Vec<FieldError>| {
            let conditions = compile_conditions(texts, key, cx, errors);
            (!texts.is_empty()).then_some(CondGroup { context: cx, conditions, mode })
        };
        p.push(group(&logs.log_record, "logs::log_record", ContextKind::Log, &mut errors));
        p.push(group(&logs.resource, "logs::resource", ContextKind::Resource, &mut errors));
        p.keep_record = group(&logs.keep, "logs::keep", ContextKind::Log, &mut errors);
        for g in flat_conditions::<ResourceLogs>(&cfg.log_conditions, "log_conditions", mode, &mut errors) {
            p.push(g);
        }
        p.include = logs.include.as_ref().and_then(|m| legacy(m, "logs::include", &mut errors));
        p.exclude = logs.exclude.as_ref().and_then(|m| legacy(m, "logs::exclude", &mut errors));
        signals::compile(cfg, &mut p, &mut errors);
        Compiled::new(p, errors)
    }
}

/// A flat `*_conditions` list: runs of conditions (context inferred) and
/// groups `{context, conditions, error_mode}`.
fn flat_conditions<W: Walk>(
    entries: &[Entry],
    list: &str,
    mode: ErrorMode,
    errors: &mut Vec<FieldError>,
) -> Vec<CondGroup> {
    let mut out = Vec::new();
    for run in runs(entries) {
        match run {
            Run::Texts(texts) => {
                let cx = crate::ottl::infer_context_in(W::RECORD, [], texts.iter().map(|(_, t)| *t));
                let conditions = texts
                    .iter()
                    .filter_map(|(i, t)| compile_condition(t, &format!("{list}[{i}]"), cx, errors))
                    .collect();
                out.push(CondGroup { context: cx, conditions, mode });
            }
            Run::Group(i, g) => {
                let key = format!("{list}[{i}]");
                if g.shared_cache.is_some() {
                    errors.push(FieldError::new(format!("{key}::shared_cache"), "has invalid keys: shared_cache"));
                }
                if !g.statements.is_empty() {
                    errors.push(FieldError::new(
                        format!("{key}::statements"),
                        "filter groups take conditions, not statements",
                    ));
                }
                if g.conditions.is_empty() {
                    errors.push(FieldError::new(&key, "a filter group needs conditions"));
                }
                let cx = group_context::<W>(g, &key, errors);
                let conditions = compile_conditions(&g.conditions, &format!("{key}::conditions"), cx, errors);
                out.push(CondGroup { context: cx, conditions, mode: g.error_mode.unwrap_or(mode) });
            }
        }
    }
    out
}

impl BatchProgram for Program {
    fn apply(&self, resource_logs: &mut Vec<ResourceLogs>) -> Result<(), EvalError> {
        let before = count_records(resource_logs);
        self.filter(resource_logs)?;
        let dropped = before - count_records(resource_logs);
        if dropped > 0 {
            self.counters.dropped_records.fetch_add(dropped as u64, Ordering::Relaxed);
            debug!(dropped, kept = before - dropped, "filter dropped log records");
        }
        Ok(())
    }

    fn apply_traces(&self, resource_spans: &mut Vec<ResourceSpans>) -> Result<(), EvalError> {
        self.traces.apply_spans(resource_spans, &self.counters)
    }

    fn apply_metrics(&self, resource_metrics: &mut Vec<ResourceMetrics>) -> Result<(), EvalError> {
        self.metrics.apply_metrics(resource_metrics, &self.counters)
    }

    fn failed_batches(&self) -> &AtomicU64 {
        &self.counters.failed_batches
    }
}

/// A legacy `include` / `exclude`, compiled.
fn legacy(m: &config::LogMatchProperties, key: &str, errors: &mut Vec<FieldError>) -> Option<Matcher> {
    let spec = m.spec();
    if spec.is_empty() {
        errors.push(FieldError::new(
            key,
            "at least one of record_attributes, resource_attributes, bodies, severity_texts or severity_number must be set",
        ));
        return None;
    }
    Matcher::new(&spec, key, errors)
}

fn any_holds(groups: &[CondGroup], ctx: &Ctx<'_>) -> Result<bool, EvalError> {
    for g in groups {
        if g.holds(ctx)? {
            return Ok(true);
        }
    }
    Ok(false)
}

impl Program {
    fn push(&mut self, g: impl Into<Option<CondGroup>>) {
        let Some(g) = g.into() else { return };
        match g.context {
            ContextKind::Resource => self.drop_resource.push(g),
            ContextKind::Scope => self.drop_scope.push(g),
            _ => self.drop_record.push(g),
        }
    }

    /// Remove what the conditions drop; empty scopes and resources go too.
    /// After a failure the rest is left as it is: the batch is dropped anyway.
    pub fn filter(&self, resource_logs: &mut Vec<ResourceLogs>) -> Result<(), EvalError> {
        let mut failure: Option<EvalError> = None;
        // A condition's answer; a failure is kept and answers false.
        fn answer(r: Result<bool, EvalError>, failure: &mut Option<EvalError>) -> bool {
            r.unwrap_or_else(|e| {
                failure.get_or_insert(e);
                false
            })
        }
        resource_logs.retain_mut(|rl| {
            if failure.is_some() {
                return true;
            }
            if !self.drop_resource.is_empty()
                && answer(
                    any_holds(
                        &self.drop_resource,
                        &Ctx::resource(&mut rl.resource).with_schema_urls(&mut rl.schema_url, None),
                    ),
                    &mut failure,
                )
            {
                return false;
            }
            let resource = &mut rl.resource;
            let resource_url = &mut rl.schema_url;
            rl.scope_logs.retain_mut(|sl| {
                if failure.is_some() {
                    return true;
                }
                if !self.drop_scope.is_empty()
                    && answer(
                        any_holds(
                            &self.drop_scope,
                            &Ctx::scope(resource, &mut sl.scope)
                                .with_schema_urls(&mut *resource_url, Some(&mut sl.schema_url)),
                        ),
                        &mut failure,
                    )
                {
                    return false;
                }
                let scope = &mut sl.scope;
                let scope_url = &mut sl.schema_url;
                sl.log_records.retain_mut(|rec| {
                    if failure.is_some() {
                        return true;
                    }
                    let attrs = || resource.as_ref().map_or(&[][..], |r| &r.attributes[..]);
                    let lib = scope.as_ref();
                    if self.include.as_ref().is_some_and(|inc| !inc.matches(rec, attrs(), lib)) {
                        return false;
                    }
                    if self.exclude.as_ref().is_some_and(|exc| exc.matches(rec, attrs(), lib)) {
                        return false;
                    }
                    if self.drop_record.is_empty() && self.keep_record.is_none() {
                        return true;
                    }
                    let ctx =
                        Ctx::log(resource, scope, rec).with_schema_urls(&mut *resource_url, Some(&mut *scope_url));
                    if !self.drop_record.is_empty() && answer(any_holds(&self.drop_record, &ctx), &mut failure) {
                        return false;
                    }
                    match &self.keep_record {
                        Some(k) => answer(k.holds(&ctx), &mut failure) || failure.is_some(),
                        None => true,
                    }
                });
                !sl.log_records.is_empty()
            });
            !rl.scope_logs.is_empty()
        });
        failure.map_or(Ok(()), Err)
    }
}
