//! The attributes processor on spans and on metric data points.
//!
//! Spans (otelcol's `filterspan`): a span is selected by `include` / `exclude`
//! properties `services` (the resource's `service.name`, `<nil-service-name>`
//! when absent), `span_names`, `span_kinds` (`SPAN_KIND_SERVER`, ...), and the
//! shared `attributes` (of the span), `resources`, `libraries`; the log-only
//! keys are refused. Metrics (otelcol's `filtermetric`): only `metric_names`
//! selects; the actions apply to the attributes of every data point of a
//! selected metric.

use opentelemetry_proto::tonic::metrics::v1::metric::Data;

use super::config::MatchProperties;
use super::{Actions, ClientInfo};
use crate::config::FieldError;
use crate::event::{InstrumentationScope, KeyValue};
use crate::processors::legacy_match::{Matcher, NameSet};
use crate::signal::{Metric, ResourceMetrics, ResourceSpans, Span};

/// What a traces pipeline selects with, or what otelcol says is wrong.
pub type Selection<T> = Result<(Option<T>, Option<T>), (String, String)>;

/// One compiled `include` or `exclude` for spans.
#[derive(Debug)]
pub struct SpanMatcher {
    props: Option<Matcher>,
    services: Option<NameSet>,
    names: Option<NameSet>,
    kinds: Option<NameSet>,
}

impl SpanMatcher {
    fn new(m: &MatchProperties, key: &str) -> Result<SpanMatcher, (String, String)> {
        if let Some(e) = m.span_error() {
            return Err((key.to_string(), e.to_string()));
        }
        let mut errors = Vec::new();
        let mt = m.match_type.as_str();
        let spec = m.shared_spec();
        let props = if spec.is_empty() { None } else { Matcher::new(&spec, key, &mut errors) };
        let services = NameSet::new(&m.services, mt, &format!("{key}::services"), &mut errors);
        let names = NameSet::new(&m.span_names, mt, &format!("{key}::span_names"), &mut errors);
        let kinds = NameSet::new(&m.span_kinds, mt, &format!("{key}::span_kinds"), &mut errors);
        match errors.into_iter().next() {
            Some(FieldError { key, message }) => Err((key, message)),
            None => Ok(SpanMatcher { props, services, names, kinds }),
        }
    }

    fn matches(&self, span: &Span, resource: &[KeyValue], scope: Option<&InstrumentationScope>) -> bool {
        if let Some(s) = &self.services {
            let name = resource
                .iter()
                .find(|kv| kv.key == "service.name")
                .map(|kv| {
                    let mut s = String::new();
                    crate::otlp::value::write_as_string(&mut s, kv.value.as_ref());
                    s
                })
                .unwrap_or_else(|| "<nil-service-name>".into());
            if !s.matches(&name) {
                return false;
            }
        }
        if self.names.as_ref().is_some_and(|n| !n.matches(&span.name)) {
            return false;
        }
        if self.kinds.as_ref().is_some_and(|k| !k.matches(span_kind(span.kind))) {
            return false;
        }
        self.props.as_ref().is_none_or(|p| p.matches_attributes(&span.attributes, resource, scope))
    }
}

/// otelcol's `traceutil.SpanKindStr`.
fn span_kind(kind: i32) -> &'static str {
    match kind {
        0 => "SPAN_KIND_UNSPECIFIED",
        1 => "SPAN_KIND_INTERNAL",
        2 => "SPAN_KIND_SERVER",
        3 => "SPAN_KIND_CLIENT",
        4 => "SPAN_KIND_PRODUCER",
        5 => "SPAN_KIND_CONSUMER",
        _ => "",
    }
}

/// Compile `include` and `exclude` for spans.
pub fn span_selection(include: &Option<MatchProperties>, exclude: &Option<MatchProperties>) -> Selection<SpanMatcher> {
    let one = |m: &Option<MatchProperties>, key| m.as_ref().map(|m| SpanMatcher::new(m, key)).transpose();
    Ok((one(include, "include")?, one(exclude, "exclude")?))
}

/// Compile `include` and `exclude` for metrics: their `metric_names` (none: no selection).
pub fn metric_selection(include: &Option<MatchProperties>, exclude: &Option<MatchProperties>) -> Selection<NameSet> {
    let one = |m: &Option<MatchProperties>, key: &str| {
        let Some(m) = m else { return Ok(None) };
        let mut errors = Vec::new();
        let set = NameSet::new(&m.metric_names, &m.match_type, &format!("{key}::metric_names"), &mut errors);
        match errors.into_iter().next() {
            Some(e) => Err((e.key, e.message)),
            None => Ok(set),
        }
    };
    Ok((one(include, "include")?, one(exclude, "exclude")?))
}

/// Apply the actions to every selected span.
pub fn apply_spans(
    actions: &Actions,
    (include, exclude): &(Option<SpanMatcher>, Option<SpanMatcher>),
    data: &mut [ResourceSpans],
    client: &ClientInfo,
) {
    for rs in data {
        let resource = rs.resource.as_ref().map_or(&[][..], |r| &r.attributes[..]);
        for ss in &mut rs.scope_spans {
            for span in &mut ss.spans {
                let selected = include.as_ref().is_none_or(|m| m.matches(span, resource, ss.scope.as_ref()))
                    && !exclude.as_ref().is_some_and(|m| m.matches(span, resource, ss.scope.as_ref()));
                if selected {
                    actions.apply(&mut span.attributes, client);
                }
            }
        }
    }
}

/// Apply the actions to the data points of every selected metric.
pub fn apply_metrics(
    actions: &Actions,
    (include, exclude): &(Option<NameSet>, Option<NameSet>),
    data: &mut [ResourceMetrics],
    client: &ClientInfo,
) {
    for m in data.iter_mut().flat_map(|r| &mut r.scope_metrics).flat_map(|s| &mut s.metrics) {
        let selected = include.as_ref().is_none_or(|i| i.matches(&m.name))
            && !exclude.as_ref().is_some_and(|e| e.matches(&m.name));
        if selected {
            for attrs in point_attributes(m) {
                actions.apply(attrs, client);
            }
        }
    }
}

/// The attributes of each data point of `m`.
pub fn point_attributes(m: &mut Metric) -> Vec<&mut Vec<KeyValue>> {
    match &mut m.data {
        Some(Data::Gauge(g)) => g.data_points.iter_mut().map(|p| &mut p.attributes).collect(),
        Some(Data::Sum(s)) => s.data_points.iter_mut().map(|p| &mut p.attributes).collect(),
        Some(Data::Histogram(h)) => h.data_points.iter_mut().map(|p| &mut p.attributes).collect(),
        Some(Data::ExponentialHistogram(h)) => h.data_points.iter_mut().map(|p| &mut p.attributes).collect(),
        Some(Data::Summary(s)) => s.data_points.iter_mut().map(|p| &mut p.attributes).collect(),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Attributes, AttributesConfig};
    use super::*;
    use crate::config::yaml::parse;
    use crate::event::{kv, str_value, Resource};
    use crate::signal::ScopeSpans;
    use opentelemetry_proto::tonic::metrics::v1::{Gauge, NumberDataPoint, ScopeMetrics};

    fn compile(yaml: &str) -> Attributes {
        let cfg = crate::config::de::from_node::<AttributesConfig>(&parse("t", yaml).unwrap()).unwrap();
        Attributes::compile(&cfg)
    }

    /// Upstream's testdata entries with log-only keys are refused for spans;
    /// the span-only ones are accepted for spans; every entry builds for metrics.
    #[test]
    fn upstream_testdata_entries_per_signal() {
        let text = include_str!("testdata/config.yaml");
        let root = parse("config.yaml", text).unwrap();
        for (name, section) in root.get("processors").unwrap().entries().unwrap() {
            let name = name.scalar_text().unwrap();
            if name == "attributes/regex_insert" {
                continue;
            }
            let cfg = crate::config::de::from_node::<AttributesConfig>(section).unwrap();
            let a = Attributes::compile(&cfg);
            let log_only = ["attributes/log_body_regexp", "attributes/log_severity_regexp"];
            match a.for_signal(&a.spans) {
                Ok(_) => assert!(!log_only.contains(&name), "{name} should be refused for spans"),
                Err(e) => {
                    assert!(log_only.contains(&name), "{name}: {e}");
                    assert!(e.message.ends_with("should not be specified for trace spans"), "{e}");
                }
            }
            assert!(a.for_signal(&a.metrics).is_ok(), "{name}");
        }
    }

    fn span(name: &str, kind: i32) -> Span {
        Span { name: name.into(), kind, attributes: vec![kv("a", str_value("1"))], ..Default::default() }
    }

    fn spans_changed(yaml: &str, service: Option<&str>) -> Vec<bool> {
        let a = compile(yaml);
        let sel = a.spans.as_ref().as_ref().unwrap();
        let resource =
            service.map(|s| Resource { attributes: vec![kv("service.name", str_value(s))], ..Default::default() });
        let mut data = vec![ResourceSpans {
            resource,
            scope_spans: vec![ScopeSpans {
                spans: vec![span("login", 2), span("login", 3), span("health", 2)],
                ..Default::default()
            }],
            ..Default::default()
        }];
        apply_spans(&a.program.actions, sel, &mut data, &ClientInfo::default());
        data[0].scope_spans[0].spans.iter().map(|s| s.attributes.is_empty()).collect()
    }

    #[test]
    fn spans_are_selected_by_service_name_kind_and_exclude() {
        let del = "actions: [{key: a, action: delete}]\n";
        let y = format!("{del}include: {{match_type: strict, services: [svc]}}");
        assert_eq!(spans_changed(&y, Some("svc")), [true, true, true]);
        assert_eq!(spans_changed(&y, None), [false, false, false]);
        let y = format!("{del}include: {{match_type: strict, services: ['<nil-service-name>']}}");
        assert_eq!(spans_changed(&y, None), [true, true, true]);
        let y = format!("{del}include: {{match_type: regexp, span_names: ['^log'], span_kinds: [SERVER]}}");
        assert_eq!(spans_changed(&y, None), [true, false, false]);
        let y = format!("{del}exclude: {{match_type: strict, span_names: [health]}}");
        assert_eq!(spans_changed(&y, None), [true, true, false]);
        let a = compile(&format!("{del}include: {{span_names: [x]}}"));
        let e = a.for_signal(&a.spans).unwrap_err();
        assert_eq!(
            (e.key.as_str(), e.message.as_str()),
            ("include::match_type", "unrecognized match_type: '', valid types are: [regexp strict]")
        );
        let e = compile(&format!("{del}include: {{match_type: strict}}"));
        assert_eq!(e.for_signal(&e.spans).unwrap_err().message, super::super::config::MISSING_SPAN_FIELD);
    }

    #[test]
    fn metrics_are_selected_by_name_and_every_point_changes() {
        let a = compile("actions: [{key: a, action: delete}]\ninclude: {match_type: regexp, metric_names: ['^http']}");
        let sel = a.metrics.as_ref().as_ref().unwrap();
        let gauge = |name: &str| Metric {
            name: name.into(),
            data: Some(Data::Gauge(Gauge {
                data_points: vec![
                    NumberDataPoint { attributes: vec![kv("a", str_value("1"))], ..Default::default() },
                    NumberDataPoint { attributes: vec![kv("a", str_value("2"))], ..Default::default() },
                ],
            })),
            ..Default::default()
        };
        let mut data = vec![ResourceMetrics {
            scope_metrics: vec![ScopeMetrics { metrics: vec![gauge("http.x"), gauge("cpu")], ..Default::default() }],
            ..Default::default()
        }];
        apply_metrics(&a.program.actions, sel, &mut data, &ClientInfo::default());
        let left: Vec<usize> = data[0].scope_metrics[0]
            .metrics
            .iter_mut()
            .map(|m| point_attributes(m).iter().map(|a| a.len()).sum())
            .collect();
        assert_eq!(left, [0, 2]);
    }
}
