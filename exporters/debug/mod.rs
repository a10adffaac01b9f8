//! The `debug` exporter: prints every batch it receives, logs, traces or
//! metrics, as otelcol's debug exporter does, byte for byte.
//!
//! - `basic`: one summary entry per batch: `Logs` (resource logs, log
//!   records), `Traces` (resource spans, spans) or `Metrics` (resource
//!   metrics, metrics, data points).
//! - `normal`: then one line per resource, scope and record, span or data
//!   point ([`normal`], [`traces`], [`metrics`]).
//! - `detailed`: then every field ([`detailed`], [`traces`], [`metrics_detailed`]).
//!
//! With `use_internal_logger: false` the entries go to `output_paths` (stdout by
//! default) as otelcol's console encoder writes them:
//! `Logs\t{"resource logs": 1, "log records": 2}`, then the text and an empty
//! line. Otherwise they are `tracing` events on ferrocol's own log (stderr).
//! Entries are sampled per message text and second (`sampling_initial`,
//! `sampling_thereafter`), as zap does.
//!
//! Delivery: a batch is delivered once its text is written (or sampled away). A
//! write error (such as a closed stdout) stops the exporter with an error and
//! leaves that batch abandoned.

mod config;
pub(crate) mod detailed;
mod exporter;
pub(crate) mod metrics;
pub(crate) mod metrics_detailed;
pub(crate) mod normal;
mod printable;
mod sampler;
pub(crate) mod traces;

#[cfg(test)]
mod golden_metrics;
#[cfg(test)]
mod golden_tests;
#[cfg(test)]
mod golden_traces;

use crate::component::{ExporterConfig, ExporterContext, ExporterFactory, Factory, Stability, StageError, StageTask};
use crate::config::FieldError;
use crate::signal::{MetricBatch, Signal, TraceBatch};

pub use config::DebugExporterConfig;

pub static FACTORY: ExporterFactory = Factory {
    type_name: "debug",
    aliases: &[],
    stability: Stability::Development,
    parse: |n| Ok(Box::new(crate::config::de::from_node::<DebugExporterConfig>(n)?)),
};

impl ExporterConfig for DebugExporterConfig {
    fn validate(&self) -> Vec<FieldError> {
        DebugExporterConfig::validate(self)
    }

    fn signals(&self) -> &'static [Signal] {
        &Signal::ALL
    }

    fn build(&self, cx: ExporterContext) -> Result<StageTask, StageError> {
        let exporter = exporter::DebugExporter::new(self)?;
        Ok(Box::pin(exporter.run(cx.input)))
    }

    fn build_traces(&self, cx: ExporterContext<TraceBatch>) -> Result<StageTask, StageError> {
        let exporter = exporter::DebugExporter::new(self)?;
        Ok(Box::pin(exporter.run(cx.input)))
    }

    fn build_metrics(&self, cx: ExporterContext<MetricBatch>) -> Result<StageTask, StageError> {
        let exporter = exporter::DebugExporter::new(self)?;
        Ok(Box::pin(exporter.run(cx.input)))
    }
}
