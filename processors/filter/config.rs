//! `filter` processor settings: otelcol-contrib's keys, plus ferrocol's
//! `logs.keep`.

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::config::FieldError;
use crate::ottl::ErrorMode;
use crate::processors::legacy_match::{Attribute, SeverityNumber, Spec};
use crate::processors::other_signals::{
    check_entries, check_one_style, check_texts, Names, Texts, METRIC_CONTEXTS, PROFILE_CONTEXTS, TRACE_CONTEXTS,
};
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
    /// Conditions for traces and metrics pipelines (and profiles, checked
    /// only); see [`crate::processors::other_signals`] and `signals.rs`.
    pub traces: TraceFilters,
    pub metrics: MetricFilters,
    pub profiles: ProfileFilters,
    /// Legacy span matching (`include` / `exclude`), accepted as written.
    pub spans: LegacyMatch,
    pub trace_conditions: Vec<Entry>,
    pub metric_conditions: Vec<Entry>,
    pub profile_conditions: Vec<Entry>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TraceFilters {
    pub resource: Option<Vec<String>>,
    pub span: Option<Vec<String>>,
    pub spanevent: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricFilters {
    /// Legacy metric matching, accepted as written.
    pub include: Option<IgnoredAny>,
    pub exclude: Option<IgnoredAny>,
    pub regexp: Option<IgnoredAny>,
    pub resource: Option<Vec<String>>,
    pub metric: Option<Vec<String>>,
    pub datapoint: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProfileFilters {
    pub resource: Option<Vec<String>>,
    pub profile: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LegacyMatch {
    pub include: Option<IgnoredAny>,
    pub exclude: Option<IgnoredAny>,
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

impl FilterConfig {
    /// What otelcol would refuse in the traces, metrics and profiles settings:
    /// mixed styles, conflicting settings, bad contexts and bad syntax.
    pub fn other_signal_errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let (t, m, p) = (&self.traces, &self.metrics, &self.profiles);
        let traces_set = t.resource.is_some() || t.span.is_some() || t.spanevent.is_some();
        let metrics_set = m.resource.is_some() || m.metric.is_some() || m.datapoint.is_some();
        let metrics_legacy = m.include.is_some() || m.exclude.is_some();
        let profiles_set = p.resource.is_some() || p.profile.is_some();
        let conflicts = [
            (
                "trace_conditions",
                !self.trace_conditions.is_empty() && traces_set,
                r#"cannot use context inferred trace conditions "trace_conditions" and the settings "traces.resource", "traces.span", "traces.spanevent" at the same time"#,
            ),
            (
                "metric_conditions",
                !self.metric_conditions.is_empty() && (metrics_set || metrics_legacy),
                r#"cannot use context inferred metric conditions "metric_conditions" and the settings "metrics.resource", "metrics.metric", "metrics.datapoint", "metrics.include", "metrics.exclude" at the same time"#,
            ),
            (
                "profile_conditions",
                !self.profile_conditions.is_empty() && profiles_set,
                r#"cannot use context inferred profile conditions "profile_conditions" and the settings "profiles.resource", "profiles.profile" at the same time"#,
            ),
            (
                "traces",
                traces_set && (self.spans.include.is_some() || self.spans.exclude.is_some()),
                r#"cannot use "traces.resource", "traces.span", "traces.spanevent" and the span settings "spans.include", "spans.exclude" at the same time"#,
            ),
            (
                "metrics",
                metrics_set && metrics_legacy,
                r#"cannot use "metrics.resource", "metrics.metric", "metrics.datapoint" and the settings "metrics.include", "metrics.exclude" at the same time"#,
            ),
        ];
        for (key, conflict, message) in conflicts {
            if conflict {
                errors.push(FieldError::new(key, message));
            }
        }
        let lists = [
            ("traces::resource", &t.resource, TRACE_CONTEXTS),
            ("traces::span", &t.span, TRACE_CONTEXTS),
            ("traces::spanevent", &t.spanevent, TRACE_CONTEXTS),
            ("metrics::resource", &m.resource, METRIC_CONTEXTS),
            ("metrics::metric", &m.metric, METRIC_CONTEXTS),
            ("metrics::datapoint", &m.datapoint, METRIC_CONTEXTS),
            ("profiles::resource", &p.resource, PROFILE_CONTEXTS),
            ("profiles::profile", &p.profile, PROFILE_CONTEXTS),
        ];
        for (key, list, contexts) in lists {
            // The key's last part names the context.
            let names = Names::of(contexts, key.rsplit("::").next());
            check_texts(list.as_deref().unwrap_or_default(), key, Texts::Conditions, &names, &mut errors);
        }
        let flat = [
            ("trace_conditions", &self.trace_conditions, TRACE_CONTEXTS),
            ("metric_conditions", &self.metric_conditions, METRIC_CONTEXTS),
            ("profile_conditions", &self.profile_conditions, PROFILE_CONTEXTS),
        ];
        for (key, entries, contexts) in flat {
            check_one_style(entries, key, &mut errors);
            check_entries(entries, key, contexts, Texts::Conditions, &mut errors);
            for (i, e) in entries.iter().enumerate() {
                if let Entry::Group(g) = e {
                    for (field, set) in
                        [("statements", !g.statements.is_empty()), ("shared_cache", g.shared_cache.is_some())]
                    {
                        if set {
                            errors.push(FieldError::new(
                                format!("{key}[{i}]::{field}"),
                                format!("has invalid keys: {field}"),
                            ));
                        }
                    }
                }
            }
        }
        errors
    }
}
