//! Building a batch: records grouped by resource, bounded in count and size.

use crate::event::{InstrumentationScope, KeyValue, LogRecord, Resource, ResourceLogs, ScopeLogs};

/// Records per batch at most.
pub const MAX_BATCH_RECORDS: usize = 256;
/// Bytes of source text per batch at most (the records take a few times more in memory).
pub const MAX_BATCH_BYTES: usize = 256 << 10;

/// The batch being filled.
#[derive(Default)]
pub struct BatchBuilder {
    logs: Vec<ResourceLogs>,
    records: usize,
    bytes: usize,
}

impl BatchBuilder {
    pub fn new() -> BatchBuilder {
        BatchBuilder::default()
    }

    /// Add a record under the resource with these attributes; `size` is the
    /// length of the text it came from.
    pub fn push(&mut self, resource: &[KeyValue], record: LogRecord, size: usize) {
        self.records += 1;
        self.bytes += size;
        // Runs of records share a resource: look at the last one first.
        let i = match self.logs.iter().rposition(|rl| rl.resource.as_ref().is_some_and(|r| r.attributes == resource)) {
            Some(i) => i,
            None => {
                self.logs.push(ResourceLogs {
                    resource: Some(Resource { attributes: resource.to_vec(), ..Default::default() }),
                    scope_logs: vec![ScopeLogs {
                        scope: Some(InstrumentationScope::default()),
                        log_records: Vec::with_capacity(64),
                        ..Default::default()
                    }],
                    ..Default::default()
                });
                self.logs.len() - 1
            }
        };
        self.logs[i].scope_logs[0].log_records.push(record);
    }

    pub fn is_full(&self) -> bool {
        self.records >= MAX_BATCH_RECORDS || self.bytes >= MAX_BATCH_BYTES
    }

    pub fn len(&self) -> usize {
        self.records
    }

    pub fn is_empty(&self) -> bool {
        self.records == 0
    }

    /// The records so far, leaving the builder empty.
    pub fn take(&mut self) -> Vec<ResourceLogs> {
        self.records = 0;
        self.bytes = 0;
        std::mem::take(&mut self.logs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{kv, str_value};

    #[test]
    fn groups_by_resource() {
        let mut b = BatchBuilder::new();
        let a = vec![kv("host", str_value("a"))];
        let c = vec![kv("host", str_value("c"))];
        b.push(&a, LogRecord::default(), 10);
        b.push(&c, LogRecord::default(), 10);
        b.push(&a, LogRecord::default(), 10);
        assert_eq!(b.len(), 3);
        let logs = b.take();
        assert_eq!(logs.len(), 2);
        assert_eq!(logs[0].scope_logs[0].log_records.len(), 2);
        assert!(b.is_empty());
    }

    #[test]
    fn full_by_count_or_size() {
        let mut b = BatchBuilder::new();
        b.push(&[], LogRecord::default(), MAX_BATCH_BYTES);
        assert!(b.is_full());
        b.take();
        for _ in 0..MAX_BATCH_RECORDS {
            assert!(!b.is_full());
            b.push(&[], LogRecord::default(), 1);
        }
        assert!(b.is_full());
    }
}
