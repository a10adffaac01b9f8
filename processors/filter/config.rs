//! `filter` processor settings: otelcol-contrib's keys for logs, plus
//! ferrocol's `logs.keep`.

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::ottl::ErrorMode;
use crate::processors::legacy_match::{Attribute, SeverityNumber, Spec};
use crate::processors::ottl_config::Entry;

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FilterConfig {
    /// What a condition that fails to evaluate does: `propagate` (the batch is
    /// dropped and reported rejected), `ignore` (logged, counts as false) or
    /// `silent` (counts as false).
    pub error_mode: ErrorMode,
    pub logs: LogFilters,
    /// The flat form: conditions (context inferred from path prefixes) or
    /// groups `{context, conditions, error_mode}`. A true condition drops the
    /// record, scope or resource of its context.
    pub log_conditions: Vec<Entry>,
    /// Accepted for compatibility with otelcol configs that filter other
    /// signals too; ferrocol pipelines carry logs only, so they never apply.
    pub traces: Option<IgnoredAny>,
    pub metrics: Option<IgnoredAny>,
    pub spans: Option<IgnoredAny>,
    pub profiles: Option<IgnoredAny>,
    pub trace_conditions: Option<IgnoredAny>,
    pub metric_conditions: Option<IgnoredAny>,
    pub profile_conditions: Option<IgnoredAny>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogFilters {
    /// Legacy: keep only records that match.
    pub include: Option<LogMatchProperties>,
    /// Legacy: drop records that match.
    pub exclude: Option<LogMatchProperties>,
    /// OTTL conditions in the log context: a record is dropped when any is true.
    pub log_record: Vec<String>,
    /// OTTL conditions in the resource context: a resource (with all its
    /// records) is dropped when any is true.
    pub resource: Vec<String>,
    /// ferrocol's extension: OTTL conditions in the log context; a record is
    /// kept only when one of them is true.
    pub keep: Vec<String>,
}

/// The legacy `include` / `exclude` properties.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogMatchProperties {
    /// `strict` (exact) or `regexp` (RE2, unanchored).
    pub match_type: String,
    /// Every listed resource attribute must match.
    pub resource_attributes: Vec<Attribute>,
    /// Every listed record attribute must match.
    pub record_attributes: Vec<Attribute>,
    /// Any entry matching the severity text is a match.
    pub severity_texts: Vec<String>,
    pub severity_number: Option<SeverityNumber>,
    /// Any entry matching the body (as text; maps as JSON) is a match.
    pub bodies: Vec<String>,
}

impl LogMatchProperties {
    /// The properties under the filter processor's key names.
    pub fn spec(&self) -> Spec<'_> {
        Spec {
            match_type: &self.match_type,
            bodies: ("bodies", &self.bodies),
            severity_texts: ("severity_texts", &self.severity_texts),
            severity_number: self.severity_number.as_ref().map(|s| ("severity_number", s)),
            record_attributes: ("record_attributes", &self.record_attributes),
            resource_attributes: ("resource_attributes", &self.resource_attributes),
            libraries: &[],
        }
    }
}
