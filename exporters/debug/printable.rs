//! What the debug exporter prints for each signal: the summary entry's message
//! and counts (otelcol's `Logs`, `Traces`, `Metrics` entries, fields in
//! otelcol's order) and the text at normal and detailed verbosity.

use crate::event::LogBatch;
use crate::signal::{Batch, MetricBatch, TraceBatch};

/// A batch type the debug exporter prints.
pub(crate) trait Printable: Batch {
    /// The summary entry's message.
    const MESSAGE: &'static str;
    /// The summary entry's fields, named and ordered as otelcol's.
    fn summary(data: &[Self::Resource]) -> Vec<(&'static str, usize)>;
    fn write_normal(out: &mut String, data: &[Self::Resource]);
    fn write_detailed(out: &mut String, data: &[Self::Resource]);
    /// The summary as a `tracing` event, for `use_internal_logger: true`.
    fn log_summary(data: &[Self::Resource]);
}

impl Printable for LogBatch {
    const MESSAGE: &'static str = "Logs";
    fn summary(data: &[Self::Resource]) -> Vec<(&'static str, usize)> {
        vec![("resource logs", data.len()), ("log records", Self::count(data))]
    }
    fn write_normal(out: &mut String, data: &[Self::Resource]) {
        super::normal::write_normal(out, data)
    }
    fn write_detailed(out: &mut String, data: &[Self::Resource]) {
        super::detailed::write_detailed(out, data)
    }
    fn log_summary(data: &[Self::Resource]) {
        tracing::info!(resource_logs = data.len(), log_records = Self::count(data), "Logs");
    }
}

impl Printable for TraceBatch {
    const MESSAGE: &'static str = "Traces";
    fn summary(data: &[Self::Resource]) -> Vec<(&'static str, usize)> {
        vec![("resource spans", data.len()), ("spans", Self::count(data))]
    }
    fn write_normal(out: &mut String, data: &[Self::Resource]) {
        super::traces::write_normal(out, data)
    }
    fn write_detailed(out: &mut String, data: &[Self::Resource]) {
        super::traces::write_detailed(out, data)
    }
    fn log_summary(data: &[Self::Resource]) {
        tracing::info!(resource_spans = data.len(), spans = Self::count(data), "Traces");
    }
}

/// Metrics in all scopes of all resources (otelcol's `MetricCount`).
fn metric_count(data: &[<MetricBatch as Batch>::Resource]) -> usize {
    data.iter().flat_map(|r| &r.scope_metrics).map(|s| s.metrics.len()).sum()
}

impl Printable for MetricBatch {
    const MESSAGE: &'static str = "Metrics";
    fn summary(data: &[Self::Resource]) -> Vec<(&'static str, usize)> {
        vec![("resource metrics", data.len()), ("metrics", metric_count(data)), ("data points", Self::count(data))]
    }
    fn write_normal(out: &mut String, data: &[Self::Resource]) {
        super::metrics::write_normal(out, data)
    }
    fn write_detailed(out: &mut String, data: &[Self::Resource]) {
        super::metrics_detailed::write_detailed(out, data)
    }
    fn log_summary(data: &[Self::Resource]) {
        let (metrics, data_points) = (metric_count(data), Self::count(data));
        tracing::info!(resource_metrics = data.len(), metrics, data_points, "Metrics");
    }
}
