//! `transform` processor settings, with otelcol-contrib's keys for logs.

use serde::Deserialize;

use crate::config::FieldError;
use crate::ottl::ErrorMode;
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
    /// Accepted for compatibility with otelcol configs that transform other
    /// signals too; ferrocol pipelines carry logs only, so they never apply.
    /// A group's `context` is checked as otelcol checks it.
    pub trace_statements: OtherSignal,
    pub metric_statements: OtherSignal,
    pub profile_statements: OtherSignal,
}

/// The entries of another signal's statements, as written.
type OtherSignal = Option<Vec<serde_json::Value>>;

/// otelcol's context ids (`common.ContextID`), any case.
const CONTEXTS: [&str; 9] =
    ["resource", "scope", "span", "spanevent", "metric", "datapoint", "exemplar", "log", "profile"];

impl TransformConfig {
    /// The contexts of the groups in `trace_statements`, `metric_statements`
    /// and `profile_statements`: an unknown one, or one another signal's, is
    /// refused as otelcol refuses it.
    pub fn other_signal_errors(&self) -> Vec<FieldError> {
        let signals: [(&str, &OtherSignal, &[&str]); 3] = [
            ("trace_statements", &self.trace_statements, &["resource", "scope", "span", "spanevent"]),
            ("metric_statements", &self.metric_statements, &["resource", "scope", "metric", "datapoint"]),
            ("profile_statements", &self.profile_statements, &["resource", "scope", "profile"]),
        ];
        let mut errors = Vec::new();
        for (key, entries, valid) in signals {
            for (i, e) in entries.iter().flatten().enumerate() {
                let Some(context) = e.get("context").and_then(|c| c.as_str()) else { continue };
                let context = context.to_lowercase();
                let message = if !CONTEXTS.contains(&context.as_str()) {
                    format!("unknown context {context}")
                } else if !valid.contains(&context.as_str()) {
                    format!("unknown context \"{context}\" for {key} (valid values: {})", valid.join(", "))
                } else {
                    continue;
                };
                errors.push(FieldError::new(format!("{key}[{i}]::context"), message));
            }
        }
        errors
    }
}
