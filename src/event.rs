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
}

impl LogBatch {
    pub fn new(resource_logs: Vec<ResourceLogs>, acks: Acks) -> Self {
        LogBatch { resource_logs, acks }
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

/// A string `AnyValue`.
pub fn str_value(s: impl Into<String>) -> AnyValue {
    AnyValue { value: Some(any_value::Value::StringValue(s.into())) }
}

/// A key/value attribute.
pub fn kv(key: impl Into<String>, value: AnyValue) -> KeyValue {
    KeyValue { key: key.into(), value: Some(value), ..Default::default() }
}

/// Remove and return the first `n` records of `buf`, each keeping its resource
/// and scope; what remains stays in `buf`.
pub fn take_records(buf: &mut Vec<ResourceLogs>, mut n: usize) -> Vec<ResourceLogs> {
    let mut out = Vec::new();
    while n > 0 && !buf.is_empty() {
        let rl_count: usize = buf[0].scope_logs.iter().map(|s| s.log_records.len()).sum();
        if rl_count <= n {
            n -= rl_count;
            out.push(buf.remove(0));
            continue;
        }
        // Split inside this resource.
        let rl = &mut buf[0];
        let mut head =
            ResourceLogs { resource: rl.resource.clone(), scope_logs: Vec::new(), schema_url: rl.schema_url.clone() };
        while n > 0 {
            let sl = &mut rl.scope_logs[0];
            if sl.log_records.len() <= n {
                n -= sl.log_records.len();
                head.scope_logs.push(rl.scope_logs.remove(0));
            } else {
                let records: Vec<_> = sl.log_records.drain(..n).collect();
                head.scope_logs.push(ScopeLogs {
                    scope: sl.scope.clone(),
                    log_records: records,
                    schema_url: sl.schema_url.clone(),
                });
                n = 0;
            }
        }
        out.push(head);
    }
    out
}
