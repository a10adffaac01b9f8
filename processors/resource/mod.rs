//! The `resource` processor: changes the resource attributes of logs, traces
//! and metrics with otelcol's attribute actions (`insert`, `update`, `upsert`,
//! `delete`, `hash`, `extract`, `convert`), as otelcol-contrib's resource
//! processor does. The actions are the attributes processor's
//! ([`crate::processors::attributes::actions`]), applied to each resource of a
//! batch.
//!
//! Resources are changed in place; every record received is passed on
//! (delivery is the next stage's).

#[cfg(test)]
mod tests;

use std::sync::Arc;

use serde::Deserialize;

use crate::component::{
    Factory, ProcessorConfig, ProcessorContext, ProcessorFactory, Stability, StageError, StageTask,
};
use crate::config::FieldError;
use crate::event::Resource;
use crate::processors::attributes::{ActionConfig, Actions, ClientInfo};
use crate::signal::{Batch, HasResource, MetricBatch, Signal, TraceBatch};
use crate::topology::run_function;

pub static FACTORY: ProcessorFactory = Factory {
    type_name: "resource",
    aliases: &[],
    stability: Stability::Beta,
    parse: |n| {
        let cfg = crate::config::de::from_node::<ResourceConfig>(n)?;
        Ok(Box::new(ResourceProcessor::compile(&cfg)))
    },
};

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResourceConfig {
    /// The actions, applied in order to each resource's attributes. Required.
    pub attributes: Vec<ActionConfig>,
}

/// The compiled actions, or what is wrong with the config.
#[derive(Debug)]
pub struct ResourceProcessor {
    actions: Arc<Actions>,
    errors: Vec<FieldError>,
}

impl ResourceProcessor {
    pub fn compile(cfg: &ResourceConfig) -> ResourceProcessor {
        let mut errors = Vec::new();
        if cfg.attributes.is_empty() {
            errors.push(FieldError::new("", "missing required field \"attributes\""));
        }
        let actions = Arc::new(Actions::compile(&cfg.attributes, "attributes", &mut errors));
        ResourceProcessor { actions, errors }
    }
}

/// Apply the actions to every resource of the batch (a missing resource is
/// created empty first, as pdata always has one).
pub fn apply<R: HasResource>(actions: &Actions, data: &mut [R], client: &ClientInfo) {
    for r in data {
        let resource = r.resource_mut().get_or_insert_with(Resource::default);
        actions.apply(&mut resource.attributes, client);
    }
}

impl ResourceProcessor {
    fn run<B: Batch>(&self, cx: ProcessorContext<B>) -> Result<StageTask, StageError> {
        if !self.errors.is_empty() {
            return Err(StageError::new("invalid configuration"));
        }
        let actions = self.actions.clone();
        let client = ClientInfo::default();
        Ok(run_function(cx.input, cx.output, move |batch: &mut B| {
            apply(&actions, batch.data_mut(), &client);
            Ok(())
        }))
    }
}

impl ProcessorConfig for ResourceProcessor {
    fn signals(&self) -> &'static [Signal] {
        &Signal::ALL
    }

    fn validate(&self) -> Vec<FieldError> {
        self.errors.clone()
    }

    fn build(&self, cx: ProcessorContext) -> Result<StageTask, StageError> {
        self.run(cx)
    }

    fn build_traces(&self, cx: ProcessorContext<TraceBatch>) -> Result<StageTask, StageError> {
        self.run(cx)
    }

    fn build_metrics(&self, cx: ProcessorContext<MetricBatch>) -> Result<StageTask, StageError> {
        self.run(cx)
    }
}
