//! The `attributes` processor: changes the attributes of log records, spans
//! and metric data points with otelcol's actions (`insert`, `update`,
//! `upsert`, `delete`, `hash`, `extract`, `convert`), on the items its
//! `include` / `exclude` properties select, as otelcol-contrib's attributes
//! processor does.
//!
//! Match properties follow otelcol's `internal/filter`: an item is acted on
//! when it matches `include` (if given) and does not match `exclude` (if
//! given). Each signal refuses the keys of the others when the processor is
//! built for it, as otelcol refuses them when it creates that processor: the
//! span-only keys (`services`, `span_names`, `span_kinds`) for logs, the log
//! keys for spans; metrics select by `metric_names` only (see [`signals`]).
//!
//! Items are changed in place and never dropped: everything received is
//! passed on (delivery is the next stage's).

pub mod actions;
mod config;
mod signals;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use crate::component::{
    Factory, ProcessorConfig, ProcessorContext, ProcessorFactory, Stability, StageError, StageTask,
};
use crate::config::FieldError;
use crate::event::{InstrumentationScope, LogRecord, ResourceLogs};
use crate::processors::legacy_match::{Matcher, NameSet};
use crate::signal::{MetricBatch, Signal, TraceBatch};
use crate::topology::run_function;

pub use actions::{ActionConfig, Actions, ClientInfo};
pub use config::AttributesConfig;
use config::MatchProperties;
use signals::{Selection, SpanMatcher};

pub static FACTORY: ProcessorFactory = Factory {
    type_name: "attributes",
    aliases: &[],
    stability: Stability::Beta,
    parse: |n| {
        let cfg = crate::config::de::from_node::<AttributesConfig>(n)?;
        Ok(Box::new(Attributes::compile(&cfg)))
    },
};

/// The compiled processor, or what is wrong with its config.
#[derive(Debug)]
pub struct Attributes {
    program: Arc<Program>,
    /// Config errors (`ferrocol validate` reports them).
    errors: Vec<FieldError>,
    /// What otelcol refuses when it creates the processor for logs.
    log_error: Option<(String, &'static str)>,
    /// The selections for spans and metrics, or what otelcol refuses when it
    /// creates the processor for that signal.
    spans: Arc<Selection<SpanMatcher>>,
    metrics: Arc<Selection<NameSet>>,
}

#[derive(Debug, Default)]
pub struct Program {
    actions: Actions,
    include: Option<Matcher>,
    exclude: Option<Matcher>,
}

impl Attributes {
    pub fn compile(cfg: &AttributesConfig) -> Attributes {
        let mut errors = Vec::new();
        if cfg.actions.is_empty() {
            errors.push(FieldError::new("", "missing required field \"actions\""));
        }
        let actions = Actions::compile(&cfg.actions, "actions", &mut errors);
        let mut log_error = None;
        let mut matcher = |m: &Option<MatchProperties>, key: &str| {
            let m = m.as_ref()?;
            if let Some(e) = m.log_error() {
                log_error.get_or_insert((key.to_string(), e));
            }
            Matcher::new(&m.spec(), key, &mut errors)
        };
        let include = matcher(&cfg.include, "include");
        let exclude = matcher(&cfg.exclude, "exclude");
        Attributes {
            program: Arc::new(Program { actions, include, exclude }),
            errors,
            log_error,
            spans: Arc::new(signals::span_selection(&cfg.include, &cfg.exclude)),
            metrics: Arc::new(signals::metric_selection(&cfg.include, &cfg.exclude)),
        }
    }

    /// The program and the selection for spans or metrics, when valid for that signal.
    fn for_signal<T>(&self, selection: &Arc<Selection<T>>) -> Result<Arc<Program>, StageError> {
        if !self.errors.is_empty() {
            return Err(StageError::new("invalid configuration"));
        }
        match &**selection {
            Err((key, e)) => Err(StageError::new(e.clone()).at(key)),
            Ok(_) => Ok(self.program.clone()),
        }
    }

    /// The program, when the config is valid for logs.
    pub fn program(&self) -> Result<&Arc<Program>, StageError> {
        if !self.errors.is_empty() {
            return Err(StageError::new("invalid configuration"));
        }
        match &self.log_error {
            Some((key, e)) => Err(StageError::new(*e).at(key)),
            None => Ok(&self.program),
        }
    }
}

impl Program {
    /// Is this record one the actions apply to?
    fn selects(
        &self,
        rec: &LogRecord,
        resource: &[crate::event::KeyValue],
        scope: Option<&InstrumentationScope>,
    ) -> bool {
        self.include.as_ref().is_none_or(|m| m.matches(rec, resource, scope))
            && !self.exclude.as_ref().is_some_and(|m| m.matches(rec, resource, scope))
    }

    /// Apply the actions to every selected record.
    pub fn apply(&self, resource_logs: &mut [ResourceLogs], client: &ClientInfo) {
        for rl in resource_logs {
            let resource = rl.resource.as_ref().map_or(&[][..], |r| &r.attributes[..]);
            for sl in &mut rl.scope_logs {
                for rec in &mut sl.log_records {
                    if self.selects(rec, resource, sl.scope.as_ref()) {
                        self.actions.apply(&mut rec.attributes, client);
                    }
                }
            }
        }
    }
}

impl ProcessorConfig for Attributes {
    fn signals(&self) -> &'static [Signal] {
        &Signal::ALL
    }

    fn validate(&self) -> Vec<FieldError> {
        self.errors.clone()
    }

    fn build_traces(&self, cx: ProcessorContext<TraceBatch>) -> Result<StageTask, StageError> {
        let program = self.for_signal(&self.spans)?;
        let selection = self.spans.clone();
        let client = ClientInfo::default();
        Ok(run_function(cx.input, cx.output, move |batch: &mut TraceBatch| {
            if let Ok(s) = &*selection {
                signals::apply_spans(&program.actions, s, crate::signal::Batch::data_mut(batch), &client);
            }
            Ok(())
        }))
    }

    fn build_metrics(&self, cx: ProcessorContext<MetricBatch>) -> Result<StageTask, StageError> {
        let program = self.for_signal(&self.metrics)?;
        let selection = self.metrics.clone();
        let client = ClientInfo::default();
        Ok(run_function(cx.input, cx.output, move |batch: &mut MetricBatch| {
            if let Ok(s) = &*selection {
                signals::apply_metrics(&program.actions, s, &mut batch.resource_metrics, &client);
            }
            Ok(())
        }))
    }

    fn build(&self, cx: ProcessorContext) -> Result<StageTask, StageError> {
        let program = self.program()?.clone();
        let client = ClientInfo::default();
        Ok(run_function(cx.input, cx.output, move |batch| {
            program.apply(&mut batch.resource_logs, &client);
            Ok(())
        }))
    }
}
