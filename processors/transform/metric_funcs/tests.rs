//! The metric functions on upstream's test inputs: conversions, extraction,
//! copies, scaling; and where statements may call them.

use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::number_data_point::Value as Num;
use opentelemetry_proto::tonic::metrics::v1::summary_data_point::ValueAtQuantile;
use opentelemetry_proto::tonic::metrics::v1::{
    exemplar, Exemplar, ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Histogram, HistogramDataPoint,
    Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, Summary, SummaryDataPoint,
};

use super::super::tests::{errors, program};
use crate::ottl::pdata::{kv, str_value};
use crate::processors::ottl_config::BatchProgram;

/// Run `statements` (a YAML list under `metric_statements`) on `metrics`, one
/// scope; the metrics after, or the error.
pub(super) fn try_run(statements: &str, metrics: Vec<Metric>) -> Result<Vec<Metric>, String> {
    let p = program(&format!("error_mode: propagate\nmetric_statements:\n{statements}"));
    let mut rm = vec![ResourceMetrics {
        scope_metrics: vec![ScopeMetrics { metrics, ..Default::default() }],
        ..Default::default()
    }];
    p.apply_metrics(&mut rm).map_err(|e| e.0)?;
    Ok(std::mem::take(&mut rm[0].scope_metrics[0].metrics))
}

pub(super) fn run(statements: &str, metrics: Vec<Metric>) -> Vec<Metric> {
    try_run(statements, metrics).unwrap()
}

pub(super) fn metric(name: &str, data: Data) -> Metric {
    Metric { name: name.into(), description: "d".into(), unit: "s".into(), data: Some(data), ..Default::default() }
}

pub(super) fn number(v: Num, attr: &str, start: u64, time: u64) -> NumberDataPoint {
    NumberDataPoint {
        attributes: vec![kv("attr", str_value(attr))],
        start_time_unix_nano: start,
        time_unix_nano: time,
        value: Some(v),
        ..Default::default()
    }
}

pub(super) fn histogram(
    attr: &str,
    count: u64,
    sum: Option<f64>,
    bounds: &[f64],
    counts: &[u64],
) -> HistogramDataPoint {
    HistogramDataPoint {
        attributes: vec![kv("attr", str_value(attr))],
        start_time_unix_nano: 10,
        time_unix_nano: 20,
        count,
        sum,
        explicit_bounds: bounds.to_vec(),
        bucket_counts: counts.to_vec(),
        ..Default::default()
    }
}

fn summary(points: Vec<SummaryDataPoint>) -> Data {
    Data::Summary(Summary { data_points: points })
}

fn summary_point(attr: &str, count: u64, sum: f64, quantiles: &[(f64, f64)]) -> SummaryDataPoint {
    SummaryDataPoint {
        attributes: vec![kv("attr", str_value(attr))],
        start_time_unix_nano: 10,
        time_unix_nano: 20,
        count,
        sum,
        quantile_values: quantiles
            .iter()
            .map(|(quantile, value)| ValueAtQuantile { quantile: *quantile, value: *value })
            .collect(),
        ..Default::default()
    }
}

fn sum_of(m: &Metric) -> &Sum {
    match &m.data {
        Some(Data::Sum(s)) => s,
        d => panic!("not a sum: {d:?}"),
    }
}

#[test]
fn sum_and_gauge_convert_both_ways() {
    let points = vec![number(Num::AsInt(1), "a", 1, 2)];
    let sum =
        metric("s", Data::Sum(Sum { data_points: points.clone(), aggregation_temporality: 1, is_monotonic: true }));
    let gauge = metric("g", Data::Gauge(Gauge { data_points: points.clone() }));
    let out = run("  - convert_sum_to_gauge() where metric.name == \"s\"\n", vec![sum, gauge.clone()]);
    assert_eq!(out[0].data, Some(Data::Gauge(Gauge { data_points: points.clone() })));
    assert_eq!(out[1], gauge, "not a sum: left alone");

    let out = run("  - convert_gauge_to_sum(\"cumulative\", false)\n", out);
    for m in &out {
        let s = sum_of(m);
        assert_eq!((s.aggregation_temporality, s.is_monotonic, &s.data_points), (2, false, &points));
    }
    let out = run("  - convert_gauge_to_sum(\"delta\", true)\n", out.clone());
    assert_eq!(sum_of(&out[0]).aggregation_temporality, 2, "a sum is left alone");
    let e = errors("metric_statements:\n  - convert_gauge_to_sum(\"invalid\", true)\n");
    assert!(e[0].contains("unknown aggregation temporality: invalid"), "{e:?}");
}

#[test]
fn extract_sum_and_count_from_histograms_and_summaries() {
    let h = metric(
        "h",
        Data::Histogram(Histogram {
            data_points: vec![histogram("a", 3, Some(5.5), &[1.0], &[1, 2]), histogram("b", 2, None, &[1.0], &[1, 1])],
            aggregation_temporality: 1,
        }),
    );
    let out = run(
        "  - extract_sum_metric(true) where metric.name == \"h\"\n  - extract_count_metric(false, \".count\") where metric.name == \"h\"\n",
        vec![h.clone()],
    );
    let names: Vec<&str> = out.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["h", "h_sum", "h.count"]);
    let s = sum_of(&out[1]);
    assert_eq!((s.aggregation_temporality, s.is_monotonic, out[1].unit.as_str()), (1, true, "s"));
    assert_eq!(s.data_points, vec![number(Num::AsDouble(5.5), "a", 10, 20)], "a point without a sum is left out");
    let c = sum_of(&out[2]);
    assert_eq!((c.is_monotonic, out[2].unit.as_str(), out[2].description.as_str()), (false, "1", "d"));
    assert_eq!(c.data_points, vec![number(Num::AsInt(3), "a", 10, 20), number(Num::AsInt(2), "b", 10, 20)]);

    let s = metric("sm", summary(vec![summary_point("a", 4, 12.5, &[])]));
    let out = run("  - extract_sum_metric(false, \".sum\") where metric.type == METRIC_DATA_TYPE_SUMMARY\n", vec![s]);
    assert_eq!(out[1].name, "sm.sum");
    assert_eq!(sum_of(&out[1]).aggregation_temporality, 2, "summaries count as cumulative");
    assert_eq!(sum_of(&out[1]).data_points, vec![number(Num::AsDouble(12.5), "a", 10, 20)]);

    let no_sums = metric(
        "h",
        Data::Histogram(Histogram {
            data_points: vec![histogram("b", 2, None, &[], &[2])],
            aggregation_temporality: 1,
        }),
    );
    assert_eq!(
        run("  - extract_sum_metric(true) where metric.name == \"h\"\n", vec![no_sums]).len(),
        1,
        "no point, no metric"
    );

    let g = metric("g", Data::Gauge(Gauge { data_points: vec![number(Num::AsInt(1), "a", 0, 0)] }));
    let e = try_run("  - extract_count_metric(true)\n", vec![g]).unwrap_err();
    assert!(e.contains("extract_count_metric requires an input metric of type Histogram, ExponentialHistogram or Summary, got Gauge"), "{e}");
}

#[test]
fn extract_from_exponential_histograms() {
    let p = ExponentialHistogramDataPoint { count: 7, sum: Some(2.5), time_unix_nano: 20, ..Default::default() };
    let m = metric(
        "e",
        Data::ExponentialHistogram(ExponentialHistogram { data_points: vec![p], aggregation_temporality: 2 }),
    );
    let out = run("  - extract_count_metric(true) where metric.name == \"e\"\n  - extract_sum_metric(true) where metric.name == \"e\"\n", vec![m]);
    assert_eq!(sum_of(&out[1]).data_points[0].value, Some(Num::AsInt(7)));
    assert_eq!(sum_of(&out[2]).data_points[0].value, Some(Num::AsDouble(2.5)));
}

#[test]
fn summary_values_become_sums_and_gauges() {
    let s = metric("s", summary(vec![summary_point("a", 4, 12.5, &[(0.5, 1.0), (0.99, 9.0), (1.0, 11.0)])]));
    let out = run(
        concat!(
            "  - convert_summary_sum_val_to_sum(\"delta\", true)\n",
            "  - convert_summary_count_val_to_sum(\"cumulative\", false, \".count\")\n",
        ),
        vec![s.clone()],
    );
    let names: Vec<&str> = out.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["s", "s_sum", "s.count"], "data point functions: the context is inferred from them");
    let (sum, count) = (sum_of(&out[1]), sum_of(&out[2]));
    assert_eq!((sum.aggregation_temporality, sum.is_monotonic), (1, true));
    assert_eq!(sum.data_points, vec![number(Num::AsDouble(12.5), "a", 10, 20)]);
    assert_eq!((count.aggregation_temporality, count.is_monotonic), (2, false));
    assert_eq!(count.data_points, vec![number(Num::AsInt(4), "a", 10, 20)]);

    let out = run("  - convert_summary_quantile_val_to_gauge()\n", vec![s.clone()]);
    assert_eq!(out[1].name, "s.quantiles");
    let Some(Data::Gauge(g)) = &out[1].data else { panic!("{:?}", out[1]) };
    let q: Vec<(String, Option<Num>)> = g
        .data_points
        .iter()
        .map(|p| (format!("{:?}", p.attributes.iter().find(|a| a.key == "quantile").unwrap().value), p.value))
        .collect();
    assert_eq!(q.len(), 3);
    assert!(q[0].0.contains("\"0.50\"") && q[1].0.contains("\"0.99\"") && q[2].0.contains("\"1\""), "{q:?}");
    assert_eq!(g.data_points[0].attributes[0], kv("attr", str_value("a")));
    let out = run("  - convert_summary_quantile_val_to_gauge(\"q\", \"_q\")\n", vec![s]);
    assert_eq!(out[1].name, "s_q");
    let Some(Data::Gauge(g)) = &out[1].data else { panic!() };
    assert!(g.data_points.iter().all(|p| p.attributes.iter().any(|a| a.key == "q")));
}

#[test]
fn copy_metric_appends_and_later_statements_see_the_copy() {
    let g = metric("g", Data::Gauge(Gauge { data_points: vec![number(Num::AsInt(1), "a", 0, 0)] }));
    let out = run(
        concat!(
            "  - copy_metric(name=\"g2\", unit=\"ms\") where metric.name == \"g\"\n",
            "  - set(metric.description, \"copied\") where metric.name == \"g2\"\n",
        ),
        vec![g.clone()],
    );
    assert_eq!(out.len(), 2);
    assert_eq!(out[0], g);
    assert_eq!((out[1].name.as_str(), out[1].unit.as_str(), out[1].description.as_str()), ("g2", "ms", "copied"));
    assert_eq!(out[1].data, g.data);
    let out = run("  - copy_metric(description=metric.name) where metric.description == \"d\"\n", vec![g.clone()]);
    assert_eq!((out[1].name.as_str(), out[1].description.as_str()), ("g", "g"));
    let e = try_run("  - copy_metric()\n", vec![g]).unwrap_err();
    assert!(e.contains("is a where clause missing"), "a copy that matches again stops with an error: {e}");
}

#[test]
fn scale_metric_scales_every_value() {
    let sum = metric(
        "s",
        Data::Sum(Sum {
            data_points: vec![number(Num::AsInt(5), "a", 0, 0), number(Num::AsDouble(1.5), "b", 0, 0)],
            aggregation_temporality: 2,
            is_monotonic: true,
        }),
    );
    let mut hp = histogram("a", 3, Some(6.0), &[1.0, 2.0], &[1, 1, 1]);
    (hp.min, hp.max) = (Some(0.5), Some(3.0));
    hp.exemplars = vec![Exemplar { value: Some(exemplar::Value::AsInt(2)), ..Default::default() }];
    let h = metric("h", Data::Histogram(Histogram { data_points: vec![hp], aggregation_temporality: 2 }));
    let s = metric("q", summary(vec![summary_point("a", 2, 4.0, &[(0.5, 1.0)])]));
    let out = run("  - scale_metric(10.0, \"kWh\")\n", vec![sum, h, s]);
    assert!(out.iter().all(|m| m.unit == "kWh"));
    let values: Vec<Option<Num>> = sum_of(&out[0]).data_points.iter().map(|p| p.value).collect();
    assert_eq!(values, [Some(Num::AsInt(50)), Some(Num::AsDouble(15.0))]);
    let Some(Data::Histogram(h)) = &out[1].data else { panic!() };
    let p = &h.data_points[0];
    assert_eq!((p.sum, p.min, p.max, &p.explicit_bounds), (Some(60.0), Some(5.0), Some(30.0), &vec![10.0, 20.0]));
    assert_eq!(p.exemplars[0].value, Some(exemplar::Value::AsInt(20)));
    assert_eq!(p.bucket_counts, [1, 1, 1], "counts are not values");
    let Some(Data::Summary(s)) = &out[2].data else { panic!() };
    assert_eq!((s.data_points[0].sum, s.data_points[0].quantile_values[0].value), (40.0, 10.0));

    let g = metric("g", Data::Gauge(Gauge { data_points: vec![number(Num::AsInt(3), "a", 0, 0)] }));
    let out = run("  - scale_metric(0.5)\n", vec![g]);
    assert_eq!(
        (out[0].unit.as_str(), &out[0].data),
        ("s", &Some(Data::Gauge(Gauge { data_points: vec![number(Num::AsInt(1), "a", 0, 0)] })))
    );
    let e = metric("e", Data::ExponentialHistogram(ExponentialHistogram::default()));
    let err = try_run("  - scale_metric(2.0)\n", vec![e]).unwrap_err();
    assert!(err.contains("exponential histograms are not supported by the 'scale_metric' function"), "{err}");
}

#[test]
fn metric_functions_only_in_their_context() {
    let e = errors("metric_statements:\n  - context: datapoint\n    statements: ['convert_sum_to_gauge()']\n");
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].starts_with("metric_statements[0]::statements[0]: invalid statement"), "{e:?}");
    assert!(
        e[0].contains("undefined function \"convert_sum_to_gauge\" in the datapoint context (only in metric)"),
        "{e:?}"
    );
    let e = errors("metric_statements:\n  - context: metric\n    statements: ['merge_histogram_buckets(1.0)']\n");
    assert!(e[0].contains("only in datapoint"), "{e:?}");
    let e = errors("metric_statements:\n  - 'convert_sum_to_gauge() where datapoint.attributes[\"a\"] == \"b\"'\n");
    assert!(e[0].starts_with("metric_statements[0]: invalid statement"), "{e:?}");
    let e = errors("log_statements:\n  - 'copy_metric()'\n");
    assert!(e[0].contains("undefined function \"copy_metric\" in the log context"), "{e:?}");
    let e = errors("trace_statements:\n  - 'scale_metric(2.0)'\n");
    assert!(e[0].starts_with("trace_statements[0]: invalid statement"), "{e:?}");
    assert!(errors("metric_statements:\n  - 'convert_sum_to_gauge() where resource.attributes[\"a\"] == \"b\"'\n")
        .is_empty());
}
