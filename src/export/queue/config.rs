//! `sending_queue` settings: otelcol's keys, and ferrocol's defaults where they
//! differ — a byte bound when the queue is not sized, and blocking when full.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::config::{ComponentId, FieldError};

/// The bound of a queue nobody sized: 4 MiB of protobuf, queued and in flight.
///
/// otelcol's default is 1,000 requests of any size, which is unbounded in bytes
/// (1,000 batches of 8,192 large records is gigabytes). A full queue of small
/// records costs about five times its protobuf size in RSS (the decoded
/// records, the encoded and compressed bodies of those in flight, and the
/// allocator's slack): measured on the Teleport benchmark, 8 MiB took the
/// process to 78 MB and 4 MiB to 57 MB (bench/README.md). 4 MiB still holds
/// ten in-flight requests of 256 receiver records, or five of the `batch`
/// processor's ~800 KiB. A slow backend then slows the receivers (their
/// sources are durable) instead of growing memory.
pub const DEFAULT_QUEUE_BYTES: u64 = 4 << 20;

/// otelcol's `queue_size` when `sizer` is set but `queue_size` is not.
pub const OTELCOL_QUEUE_SIZE: u64 = 1000;

/// With `storage`, the most bytes of queued batches kept in memory besides
/// their copy on disk (the rest is read back when a consumer is free), and the
/// most bytes in flight.
pub const PERSISTENT_MEMORY_BYTES: u64 = 8 << 20;

/// With `storage`: how long the input waits for room in that memory budget
/// before batches go to disk only (and are read back when a consumer is free).
/// While the exporter keeps up, consumers free room every few milliseconds
/// and nothing is read back; a backend that frees none for this long is down
/// or far slower than the input, and the disk then takes up the difference.
pub const SPILL_AFTER: std::time::Duration = std::time::Duration::from_millis(500);

/// While spilling: the most bytes of batches being written at once beyond the
/// memory budget, so that they share commits (one at a time, each would wait
/// alone for the writer's commit delay).
pub const SPILL_WRITE_BYTES: u64 = 2 << 20;

/// With `storage` and no size given: how much may wait on disk (256 MiB).
pub const DEFAULT_STORED_BYTES: u64 = 256 << 20;

/// `sending_queue`: batches waiting for a free consumer.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueConfig {
    /// When false, one request at a time, straight from the input.
    pub enabled: bool,
    /// Requests in flight at once.
    pub num_consumers: usize,
    /// Capacity, in `sizer` units, of what is queued and in flight. *Default
    /// differs from otelcol:* unset (with `sizer` unset too), 4 MiB of protobuf
    /// ([`DEFAULT_QUEUE_BYTES`]); otelcol's 1,000 when only `sizer` is set.
    pub queue_size: Option<u64>,
    /// What `queue_size` counts: `requests` (batches), `items` (records) or `bytes`
    /// (encoded protobuf size). otelcol's default `requests` when only
    /// `queue_size` is set.
    pub sizer: Option<Sizer>,
    /// *Default differs from otelcol.* When full, stop reading the input (the
    /// pipeline and its receivers slow down) instead of dropping the batch.
    pub block_on_overflow: bool,
    /// Deprecated otelcol name of `block_on_overflow`; wins when set.
    pub blocking: Option<bool>,
    /// Accepted; no effect: a batch's ack already waits for its delivery (or,
    /// with `storage`, for its copy on disk).
    pub wait_for_result: bool,
    /// A storage extension (`file_storage/<name>`): batches are written to it
    /// before they are acknowledged upstream, and sent after a restart.
    pub storage: Option<String>,
    /// Accepted with a warning: use the `batch` processor.
    pub batch: Option<BTreeMap<String, serde_json::Value>>,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            enabled: true,
            num_consumers: 10,
            queue_size: None,
            sizer: None,
            block_on_overflow: true,
            blocking: None,
            wait_for_result: false,
            storage: None,
            batch: None,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sizer {
    #[default]
    Requests,
    Items,
    Bytes,
}

/// A queue's capacity: `size` in `sizer` units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub sizer: Sizer,
    pub size: u64,
}

impl QueueConfig {
    /// Whether a full queue blocks the input (ferrocol's default) or drops.
    pub fn blocks(&self) -> bool {
        self.blocking.unwrap_or(self.block_on_overflow)
    }

    /// The capacity: as configured, otelcol's defaults filling in what is
    /// missing, or ferrocol's byte bound when neither key is set.
    pub fn limit(&self) -> Limit {
        match (self.sizer, self.queue_size) {
            (None, None) if self.storage.is_some() => Limit { sizer: Sizer::Bytes, size: DEFAULT_STORED_BYTES },
            (None, None) => Limit { sizer: Sizer::Bytes, size: DEFAULT_QUEUE_BYTES },
            (sizer, size) => Limit { sizer: sizer.unwrap_or_default(), size: size.unwrap_or(OTELCOL_QUEUE_SIZE) },
        }
    }

    /// The storage extension's id, if one is named.
    pub fn storage_id(&self) -> Option<Result<ComponentId, FieldError>> {
        let s = self.storage.as_deref()?;
        Some(ComponentId::parse(s).map_err(|e| FieldError::new("sending_queue::storage", e)))
    }

    /// otelcol's checks; keys are `sending_queue::...`.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if !self.enabled {
            return errors;
        }
        if self.num_consumers == 0 {
            errors.push(FieldError::new("sending_queue::num_consumers", "`num_consumers` must be positive"));
        }
        if self.queue_size == Some(0) {
            errors.push(FieldError::new("sending_queue::queue_size", "`queue_size` must be positive"));
        }
        if let Some(Err(e)) = self.storage_id() {
            errors.push(e);
        }
        errors
    }

    /// Settings accepted that change nothing.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.storage.is_some() && !self.enabled {
            w.push("sending_queue::storage is ignored: the sending queue is disabled".into());
        }
        if self.batch.is_some() {
            w.push("sending_queue::batch is ignored: use the batch processor".into());
        }
        if self.blocking.is_some() {
            w.push("sending_queue::blocking is deprecated: use block_on_overflow".into());
        }
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(sizer: Option<Sizer>, size: Option<u64>, storage: bool) -> Limit {
        let c = QueueConfig {
            sizer,
            queue_size: size,
            storage: storage.then(|| "file_storage".into()),
            ..Default::default()
        };
        c.limit()
    }

    #[test]
    fn unsized_queues_are_bounded_in_bytes_sized_ones_keep_otelcol_meaning() {
        assert_eq!(limit(None, None, false), Limit { sizer: Sizer::Bytes, size: DEFAULT_QUEUE_BYTES });
        assert_eq!(limit(None, None, true), Limit { sizer: Sizer::Bytes, size: DEFAULT_STORED_BYTES });
        assert_eq!(limit(None, Some(5), false), Limit { sizer: Sizer::Requests, size: 5 });
        assert_eq!(limit(Some(Sizer::Items), None, false), Limit { sizer: Sizer::Items, size: 1000 });
        assert_eq!(limit(Some(Sizer::Bytes), Some(1 << 20), true), Limit { sizer: Sizer::Bytes, size: 1 << 20 });
    }

    #[test]
    fn storage_must_be_a_component_id() {
        let c = QueueConfig { storage: Some("file_storage/a b".into()), ..Default::default() };
        let e = c.validate();
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].key, "sending_queue::storage");
        let c = QueueConfig { storage: Some("file_storage/q".into()), ..Default::default() };
        assert!(c.validate().is_empty());
        assert!(c.warnings().is_empty(), "storage is supported");
    }
}
