//! `transform` processor settings, with otelcol-contrib's keys for logs.

use serde::de::IgnoredAny;
use serde::Deserialize;

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
    pub trace_statements: Option<IgnoredAny>,
    pub metric_statements: Option<IgnoredAny>,
    pub profile_statements: Option<IgnoredAny>,
}
