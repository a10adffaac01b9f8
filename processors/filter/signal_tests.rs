//! filter on traces and metrics: upstream's `filter/ottl` settings and the
//! removal rules (events, data points, emptied metrics, scopes, resources).

use super::*;
use crate::component::ProcessorConfig;
use crate::config::yaml::parse;
use crate::processors::signal_samples::{metrics, spans};
use crate::signal::metric::Data;
use crate::signal::Batch;

fn program(yaml: &str) -> std::sync::Arc<Program> {
    let cfg = crate::config::de::from_node::<FilterConfig>(&parse("f", yaml).unwrap()).unwrap();
    match Filter::compile(&cfg).0 {
        Ok(p) => p,
        Err(e) => panic!("{e:?}"),
    }
}

fn names<T>(items: &[T], name: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|i| name(i).to_string()).collect()
}

/// otelcol's `testdata/config_ottl.yaml` `filter/ottl`, run.
#[test]
fn upstream_filter_ottl_on_spans_and_metrics() {
    let root = parse("config_ottl.yaml", include_str!("testdata/config_ottl.yaml")).unwrap();
    let cfg = crate::config::de::from_node::<FilterConfig>(root.get("filter/ottl").unwrap()).unwrap();
    let p = Filter::compile(&cfg).0.unwrap();

    let mut s = spans();
    p.apply_traces(&mut s).unwrap();
    let kept = &s[0].scope_spans[0].spans;
    assert_eq!(names(kept, |s| &s.name), ["operationA"], "the span with test=pass is dropped");
    assert_eq!(names(&kept[0].events, |e| &e.name), ["e2"], "the event with test=pass is dropped");

    let mut m = metrics();
    p.apply_metrics(&mut m).unwrap();
    let kept = &m[0].scope_metrics[0].metrics;
    // `pass` is dropped by name; operationB lost its only point, so it goes too.
    assert_eq!(names(kept, |m| &m.name), ["operationA"]);
    let Some(Data::Sum(sum)) = &kept[0].data else { panic!("sum") };
    assert_eq!(sum.data_points.len(), 1);
    assert_eq!(p.counters.dropped_records.load(Ordering::Relaxed), 1 + 3);
}

#[test]
fn emptied_scopes_and_resources_go() {
    let p = program("traces:\n  span: ['true']\nmetrics:\n  datapoint: ['true']\n");
    let (mut s, mut m) = (spans(), metrics());
    p.apply_traces(&mut s).unwrap();
    p.apply_metrics(&mut m).unwrap();
    assert!(s.is_empty() && m.is_empty());
}

#[test]
fn flat_conditions_infer_their_context() {
    let p = program(concat!(
        "trace_conditions:\n  - 'span.kind == SPAN_KIND_CLIENT'\n",
        "metric_conditions:\n  - 'metric.type == METRIC_DATA_TYPE_HISTOGRAM'\n",
        "  - 'datapoint.value_int == 1 and metric.name == \"operationA\"'\n",
    ));
    let (mut s, mut m) = (spans(), metrics());
    p.apply_traces(&mut s).unwrap();
    p.apply_metrics(&mut m).unwrap();
    let kept = &s[0].scope_spans[0].spans;
    assert_eq!(names(kept, |s| &s.name), ["operationA"]);
    assert_eq!(kept[0].events.len(), 2);
    assert_eq!(names(&m[0].scope_metrics[0].metrics, |m| &m.name), ["operationA", "pass"]);
    assert_eq!(<crate::signal::MetricBatch as Batch>::count(&m), 2);
}

#[test]
fn resource_conditions_drop_the_resource() {
    let p = program("traces:\n  resource: ['resource.attributes[\"host.name\"] == \"h1\"']\n");
    let mut s = spans();
    p.apply_traces(&mut s).unwrap();
    assert!(s.is_empty());
}

#[test]
fn failures_follow_error_mode() {
    let cond = "traces:\n  span: ['attributes[\"http.path\"][\"a\"] == \"b\"']\n";
    let err = program(cond).apply_traces(&mut spans()).unwrap_err();
    assert!(err.to_string().contains("failed to eval condition"), "{err}");
    let mut s = spans();
    program(&format!("error_mode: ignore\n{cond}")).apply_traces(&mut s).unwrap();
    assert_eq!(s[0].scope_spans[0].spans.len(), 2, "a failing condition counts as false");
}

#[test]
fn legacy_span_and_metric_matching_is_refused() {
    let cfg = crate::config::de::from_node::<FilterConfig>(
        &parse("f", "spans:\n  include:\n    match_type: strict\n    services: [a]\n").unwrap(),
    )
    .unwrap();
    let errors: Vec<String> = Filter::compile(&cfg).validate().into_iter().map(|e| e.key).collect();
    assert_eq!(errors, ["spans::include"]);
}

#[test]
fn bad_paths_are_positioned() {
    let cfg = crate::config::de::from_node::<FilterConfig>(
        &parse("f", "metrics:\n  datapoint: ['IsMatch(attributes[\"a\"])']\n").unwrap(),
    )
    .unwrap();
    let errors: Vec<String> =
        Filter::compile(&cfg).validate().into_iter().map(|e| format!("{}: {}", e.key, e.message)).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("metrics::datapoint[0]: invalid condition"), "{errors:?}");
}
