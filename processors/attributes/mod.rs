//! The `attributes` processor: changes log record attributes with otelcol's
//! actions (`insert`, `update`, `upsert`, `delete`, `hash`, `extract`,
//! `convert`), on the records its `include` / `exclude` properties select, as
//! otelcol-contrib's attributes processor does.
//!
//! Match properties follow `internal/filter/filterlog`: a record is acted on
//! when it matches `include` (if given) and does not match `exclude` (if
//! given). The span-only keys (`services`, `span_names`, `span_kinds`) are
//! accepted by the config and refused when the processor is built for logs, as
//! otelcol refuses them when it creates a logs processor.
//!
//! Records are changed in place and never dropped: every record received is
//! passed on (delivery is the next stage's).

pub mod actions;
mod config;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use crate::component::{
    Factory, ProcessorConfig, ProcessorContext, ProcessorFactory, Stability, StageError, StageTask,
};
use crate::config::FieldError;
use crate::event::{InstrumentationScope, LogRecord, ResourceLogs};
use crate::processors::legacy_match::Matcher;
use crate::topology::run_function;

pub use actions::{ActionConfig, Actions, ClientInfo};
pub use config::AttributesConfig;
use config::MatchProperties;

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
        Attributes { program: Arc::new(Program { actions, include, exclude }), errors, log_error }
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
    fn validate(&self) -> Vec<FieldError> {
        self.errors.clone()
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
