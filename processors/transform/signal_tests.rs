//! transform on traces and metrics: statements from upstream's processor
//! tests (span and data point contexts, enums, conditions), inference, groups.

use super::tests::{errors, program};
use super::*;
use crate::processors::signal_samples::{metrics, spans};
use crate::signal::metric::Data;
use ferrocol_ottl::pdata::{kv, str_value};

#[test]
fn span_statements_from_upstream() {
    let p = program(concat!(
        "trace_statements:\n",
        "  - context: span\n    statements:\n",
        "      - 'set(attributes[\"test\"], \"pass\") where name == \"operationA\"'\n",
        "      - 'set(status.code, STATUS_CODE_ERROR) where attributes[\"http.path\"] == \"/health\"'\n",
        "      - 'set(name, \"renamed\") where kind == SPAN_KIND_CLIENT'\n",
        "  - context: spanevent\n    statements:\n",
        "      - 'set(attributes[\"span\"], span.name) where name == \"e1\"'\n",
    ));
    let mut s = spans();
    p.apply_traces(&mut s).unwrap();
    let spans = &s[0].scope_spans[0].spans;
    assert!(spans[0].attributes.contains(&kv("test", str_value("pass"))));
    assert_eq!(spans[0].status.as_ref().map(|s| s.code), Some(2));
    assert_eq!((spans[0].name.as_str(), spans[1].name.as_str()), ("operationA", "renamed"));
    assert!(spans[0].events[0].attributes.contains(&kv("span", str_value("operationA"))));
    assert_eq!(spans[0].events[1].attributes.len(), 1, "the where clause holds for e1 only");
}

#[test]
fn flat_statements_infer_span_and_datapoint() {
    let p = program(concat!(
        "trace_statements:\n  - 'set(span.attributes[\"id\"], span.span_id.string)'\n",
        "metric_statements:\n  - 'set(datapoint.attributes[\"metric\"], metric.name)'\n",
        "  - 'set(metric.description, \"described\")'\n",
    ));
    let (mut s, mut m) = (spans(), metrics());
    p.apply_traces(&mut s).unwrap();
    p.apply_metrics(&mut m).unwrap();
    assert!(s[0].scope_spans[0].spans[0].attributes.contains(&kv("id", str_value("0202020202020202"))));
    let metrics = &m[0].scope_metrics[0].metrics;
    let Some(Data::Sum(sum)) = &metrics[0].data else { panic!("sum") };
    assert!(sum.data_points.iter().all(|p| p.attributes.contains(&kv("metric", str_value("operationA")))));
    // The run of texts is inferred as datapoint: the description is set once per point.
    assert!(metrics.iter().all(|m| m.description == "described"));
}

#[test]
fn metric_statements_change_temporality_and_values() {
    let p = program(concat!(
        "metric_statements:\n",
        "  - context: metric\n    statements:\n",
        "      - 'set(aggregation_temporality, AGGREGATION_TEMPORALITY_DELTA) where type == METRIC_DATA_TYPE_SUM'\n",
        "      - 'set(unit, \"ms\") where name == \"operationB\"'\n",
        "  - context: datapoint\n    statements:\n",
        "      - 'set(value_int, value_int * 10) where attributes[\"test\"] == \"pass\" and metric.type == METRIC_DATA_TYPE_SUM'\n",
        "      - 'set(count, count + 1) where metric.type == METRIC_DATA_TYPE_HISTOGRAM'\n",
    ));
    let mut m = metrics();
    p.apply_metrics(&mut m).unwrap();
    let metrics = &m[0].scope_metrics[0].metrics;
    let Some(Data::Sum(sum)) = &metrics[0].data else { panic!("sum") };
    assert_eq!(sum.aggregation_temporality, 1);
    let values: Vec<_> = sum.data_points.iter().map(|p| p.value).collect();
    use opentelemetry_proto::tonic::metrics::v1::number_data_point::Value as Num;
    assert_eq!(values, [Some(Num::AsInt(10)), Some(Num::AsInt(2))]);
    assert_eq!(metrics[2].unit, "ms");
    let Some(Data::Histogram(h)) = &metrics[2].data else { panic!("histogram") };
    assert_eq!(h.data_points[0].count, 3);
}

#[test]
fn shared_cache_carries_across_groups() {
    let p = program(concat!(
        "trace_statements:\n",
        "  - context: resource\n    shared_cache: true\n    statements:\n",
        "      - 'set(cache[\"host\"], resource.attributes[\"host.name\"])'\n",
        "  - context: span\n    shared_cache: true\n    statements:\n",
        "      - 'set(attributes[\"host\"], cache[\"host\"])'\n",
        "  - context: span\n    statements:\n",
        "      - 'set(attributes[\"unshared\"], cache[\"host\"])'\n",
    ));
    let mut s = spans();
    p.apply_traces(&mut s).unwrap();
    let span = &s[0].scope_spans[0].spans[1];
    assert!(span.attributes.contains(&kv("host", str_value("h1"))));
    assert!(!span.attributes.iter().any(|a| a.key == "unshared"), "a group without shared_cache starts empty");
}

#[test]
fn unsupported_metric_editors_are_refused() {
    let e =
        errors("metric_statements:\n  - context: metric\n    statements: ['clear(attributes) where name == \"a\"']\n");
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].starts_with("metric_statements[0]::statements[0]: invalid statement"), "{e:?}");
}

/// `schema_url` of the resource and the scope, from the span, data point and
/// scope contexts, and read by `filter`: the walks hand the containers' fields in.
#[test]
fn schema_urls_are_read_and_set_from_every_context() {
    let p = program(concat!(
        "trace_statements:\n",
        "  - 'set(span.attributes[\"schema\"], resource.schema_url)'\n",
        "  - 'set(scope.schema_url, \"https://opentelemetry.io/schemas/1.26.0\")'\n",
        "metric_statements:\n",
        "  - 'set(resource.schema_url, \"https://opentelemetry.io/schemas/1.27.0\") where datapoint.attributes != nil'\n",
    ));
    let (mut s, mut m) = (spans(), metrics());
    s[0].schema_url = "https://opentelemetry.io/schemas/1.21.0".into();
    p.apply_traces(&mut s).unwrap();
    p.apply_metrics(&mut m).unwrap();
    let span = &s[0].scope_spans[0].spans[0];
    assert!(span.attributes.contains(&kv("schema", str_value("https://opentelemetry.io/schemas/1.21.0"))));
    assert_eq!(s[0].scope_spans[0].schema_url, "https://opentelemetry.io/schemas/1.26.0");
    assert_eq!(m[0].schema_url, "https://opentelemetry.io/schemas/1.27.0");
}
