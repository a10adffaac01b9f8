//! `transform` processor settings, with otelcol-contrib's keys.

use serde::Deserialize;

use crate::config::FieldError;
use crate::ottl::ErrorMode;
use crate::processors::other_signals::{check_entries, Texts, METRIC_CONTEXTS, PROFILE_CONTEXTS, TRACE_CONTEXTS};
use crate::processors::ottl_config::Entry;

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TransformConfig {
    /// What a statement that fails does: `propagate` (the batch is dropped and
    /// reported rejected), `ignore` (logged, next statement) or `silent`.
    /// Groups may override it.
    pub error_mode: ErrorMode,
    /// Statements (context inferred from path prefixes) and groups
    /// `{context, conditions, statements, error_mode}`, run in order.
    pub log_statements: Vec<Entry>,
    /// Statements for traces and metrics pipelines, as `log_statements`
    /// (profiles: checked only, see [`crate::processors::other_signals`]).
    pub trace_statements: Vec<Entry>,
    pub metric_statements: Vec<Entry>,
    pub profile_statements: Vec<Entry>,
}

impl TransformConfig {
    /// What otelcol would refuse in `trace_statements`, `metric_statements`
    /// and `profile_statements`.
    pub fn other_signal_errors(&self) -> Vec<FieldError> {
        let signals = [
            ("trace_statements", &self.trace_statements, TRACE_CONTEXTS),
            ("metric_statements", &self.metric_statements, METRIC_CONTEXTS),
            ("profile_statements", &self.profile_statements, PROFILE_CONTEXTS),
        ];
        let mut errors = Vec::new();
        for (key, entries, contexts) in signals {
            check_entries(entries, key, contexts, Texts::Statements, &mut errors);
        }
        errors
    }
}
