//! `attributes` processor settings: otelcol-contrib's keys (`actions`,
//! `include`, `exclude` with `internal/filter/filterconfig`'s match properties).

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::actions::ActionConfig;
use crate::processors::legacy_match::{Attribute, Library, SeverityNumber, Spec};

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AttributesConfig {
    /// Only records matching these are changed.
    pub include: Option<MatchProperties>,
    /// Records matching these are left alone (checked after `include`).
    pub exclude: Option<MatchProperties>,
    /// Applied in order to each record's attributes. Required.
    pub actions: Vec<ActionConfig>,
}

/// otelcol's `MatchProperties`: the span and metric keys are accepted in the
/// config (as otelcol's config loader does) and refused when the processor is
/// built for logs, with otelcol's error.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MatchProperties {
    /// `strict` or `regexp`.
    pub match_type: String,
    /// The regexp cache options of otelcol (`cacheenabled`, `cachemaxnumentries`).
    pub regexp: Option<IgnoredAny>,
    /// Spans only.
    pub services: Vec<String>,
    pub span_names: Vec<String>,
    pub span_kinds: Vec<String>,
    /// Metrics only.
    pub metric_names: Vec<String>,
    /// Any entry matching the body (as text) is a match.
    pub log_bodies: Vec<String>,
    /// Any entry matching the severity text is a match.
    pub log_severity_texts: Vec<String>,
    pub log_severity_number: Option<SeverityNumber>,
    /// Every listed record attribute must match.
    pub attributes: Vec<Attribute>,
    /// Every listed resource attribute must match.
    pub resources: Vec<Attribute>,
    /// Every listed instrumentation scope must match.
    pub libraries: Vec<Library>,
}

/// otelcol's `ErrMissingRequiredLogField`.
pub const MISSING_LOG_FIELD: &str = "at least one of \"attributes\", \"libraries\", \"span_kinds\", \"resources\", \"log_bodies\", \"log_severity_texts\" or \"log_severity_number\" field must be specified";

/// otelcol's `errMissingRequiredSpanField`.
pub const MISSING_SPAN_FIELD: &str = "at least one of \"services\", \"span_names\", \"span_kinds\", \"attributes\", \"libraries\" or \"resources\" field must be specified";

impl MatchProperties {
    /// What is wrong with these properties for spans (`ValidateForSpans`).
    pub fn span_error(&self) -> Option<&'static str> {
        if !self.log_bodies.is_empty() {
            return Some("log_bodies should not be specified for trace spans");
        }
        if !self.log_severity_texts.is_empty() {
            return Some("log_severity_texts should not be specified for trace spans");
        }
        if self.log_severity_number.is_some() {
            return Some("log_severity_number should not be specified for trace spans");
        }
        let none = self.services.is_empty()
            && self.span_names.is_empty()
            && self.attributes.is_empty()
            && self.libraries.is_empty()
            && self.resources.is_empty()
            && self.span_kinds.is_empty();
        none.then_some(MISSING_SPAN_FIELD)
    }

    /// The properties spans share with log records (attributes, resources, libraries).
    pub fn shared_spec(&self) -> Spec<'_> {
        Spec {
            match_type: &self.match_type,
            record_attributes: ("attributes", &self.attributes),
            resource_attributes: ("resources", &self.resources),
            libraries: &self.libraries,
            ..Spec::default()
        }
    }

    /// What is wrong with these properties for log records (`ValidateForLogs`).
    pub fn log_error(&self) -> Option<&'static str> {
        if !self.span_names.is_empty() || !self.services.is_empty() || !self.span_kinds.is_empty() {
            return Some("services, span_names, and span_kinds are not valid for log records");
        }
        self.spec().is_empty().then_some(MISSING_LOG_FIELD)
    }

    /// The log properties under the attributes processor's key names.
    pub fn spec(&self) -> Spec<'_> {
        Spec {
            match_type: &self.match_type,
            bodies: ("log_bodies", &self.log_bodies),
            severity_texts: ("log_severity_texts", &self.log_severity_texts),
            severity_number: self.log_severity_number.as_ref().map(|s| ("log_severity_number", s)),
            record_attributes: ("attributes", &self.attributes),
            resource_attributes: ("resources", &self.resources),
            libraries: &self.libraries,
        }
    }
}
