//! The data that flows between stages: OTLP log records (the `opentelemetry-proto`
//! prost types), grouped by resource and scope, plus the batch's delivery acks.

pub use opentelemetry_proto::tonic::common::v1::{
    any_value, AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList,
};
pub use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
pub use opentelemetry_proto::tonic::resource::v1::Resource;

use crate::ack::Acks;

/// A batch of log records on its way through a pipeline.
#[derive(Clone, Debug, Default)]
pub struct LogBatch {
    pub resource_logs: Vec<ResourceLogs>,
    /// Settled by whoever ends this batch's journey (see [`crate::ack`]).
    pub acks: Acks,
    /// See [`crate::signal::Batch::carried_size`].
    pub(crate) carried_size: Option<u64>,
}

impl LogBatch {
    pub fn new(resource_logs: Vec<ResourceLogs>, acks: Acks) -> Self {
        LogBatch { resource_logs, acks, carried_size: None }
    }

    /// Number of log records in the batch.
    pub fn record_count(&self) -> usize {
        count_records(&self.resource_logs)
    }

    pub fn is_empty(&self) -> bool {
        self.record_count() == 0
    }
}

pub fn count_records(resource_logs: &[ResourceLogs]) -> usize {
    resource_logs.iter().flat_map(|r| &r.scope_logs).map(|s| s.log_records.len()).sum()
}

pub use ferrocol_ottl::pdata::{kv, str_value};

/// Remove and return the first `n` records of `buf`, each keeping its resource
/// and scope; what remains stays in `buf`.
pub fn take_records(buf: &mut Vec<ResourceLogs>, n: usize) -> Vec<ResourceLogs> {
    const LOG_TREE: crate::signal::Tree<ResourceLogs, ScopeLogs, LogRecord> = crate::signal::Tree {
        scopes: |r| &mut r.scope_logs,
        items: |s| &mut s.log_records,
        empty_resource: |r| ResourceLogs {
            resource: r.resource.clone(),
            scope_logs: Vec::new(),
            schema_url: r.schema_url.clone(),
        },
        scope_with: |s, log_records| ScopeLogs {
            scope: s.scope.clone(),
            log_records,
            schema_url: s.schema_url.clone(),
        },
    };
    LOG_TREE.take(buf, n)
}
