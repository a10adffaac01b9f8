//! `batch` processor settings, with otelcol's keys and defaults.

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::config::{Duration, FieldError};

pub const DEFAULT_SEND_BATCH_SIZE: usize = 8192;
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(200);
pub const DEFAULT_METADATA_CARDINALITY_LIMIT: u32 = 1000;

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BatchConfig {
    /// Records that trigger a send as soon as they are buffered.
    pub send_batch_size: usize,
    /// Longest time a record waits in the buffer; 0 sends every input at once.
    pub timeout: Duration,
    /// Upper bound on records per outgoing batch (larger ones are split); 0 = no bound.
    pub send_batch_max_size: usize,
    /// otelcol batches per client metadata key; ferrocol's receivers carry no client
    /// metadata, so this must stay empty.
    pub metadata_keys: Vec<String>,
    /// Accepted for compatibility (meaningful only with `metadata_keys`).
    pub metadata_cardinality_limit: u32,
    /// Accepted for compatibility; ferrocol never drops batches on the floor.
    pub sending_queue: Option<IgnoredAny>,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            send_batch_size: DEFAULT_SEND_BATCH_SIZE,
            timeout: DEFAULT_TIMEOUT,
            send_batch_max_size: 0,
            metadata_keys: Vec::new(),
            metadata_cardinality_limit: DEFAULT_METADATA_CARDINALITY_LIMIT,
            sending_queue: None,
        }
    }
}

impl BatchConfig {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.send_batch_max_size > 0 && self.send_batch_max_size < self.send_batch_size {
            errors.push(FieldError::new(
                "send_batch_max_size",
                "send_batch_max_size must be greater or equal to send_batch_size",
            ));
        }
        if !self.metadata_keys.is_empty() {
            errors.push(FieldError::new(
                "metadata_keys",
                "ferrocol's receivers carry no client metadata, so metadata_keys must be empty",
            ));
        }
        errors
    }
}
