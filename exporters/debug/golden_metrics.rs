//! Golden tests for metrics: otelcol's inputs and expected text, copied from
//! open-telemetry/opentelemetry-collector @934999fb, `exporter/debugexporter`:
//!
//! - `testdata/metrics/*.out`: `internal/otlptext/testdata/metrics/*.out`, the
//!   detailed marshaler's goldens (`metrics_test.go`); the inputs are pdata's
//!   `testdata.GenerateMetricsAllTypes()`, `GenerateMetrics(2)`,
//!   `GenerateMetricsMetricTypeInvalid()` and the test's own generators.
//! - `testdata/normal/metrics/*.out`: the expected strings of
//!   `internal/normal/metrics_test.go` (inline upstream), one file per case.
//!   Two cases upstream compute their bucket bounds with Go's `math.Exp`; here
//!   they are computed the same way with Rust's `exp` (the last digit of a
//!   bound may differ from Go's on some platforms).

use opentelemetry_proto::tonic::metrics::v1::exponential_histogram_data_point::Buckets;
use opentelemetry_proto::tonic::metrics::v1::summary_data_point::ValueAtQuantile;
use opentelemetry_proto::tonic::metrics::v1::{
    exemplar, metric::Data, number_data_point, Exemplar, ExponentialHistogram, ExponentialHistogramDataPoint, Gauge,
    Histogram, HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, Summary,
    SummaryDataPoint,
};

use super::golden_tests::{attributed_resource_and_scope, int, resource_with_entity_refs, text};
use super::metrics::write_normal;
use super::metrics_detailed::write_detailed;
use crate::event::{kv, str_value, InstrumentationScope, KeyValue, Resource};
use crate::ottl::converters::format::go_v;

const START: u64 = 1_581_452_772_000_000_321;
const EXEMPLAR_TIME: u64 = 1_581_452_773_000_000_123;
const TIME: u64 = 1_581_452_773_000_000_789;
const CUMULATIVE: i32 = 2;
const DELTA: i32 = 1;

fn detailed(m: &[ResourceMetrics]) -> String {
    text(write_detailed, m)
}

fn normal(m: &[ResourceMetrics]) -> String {
    text(write_normal, m)
}

fn single(resource: Resource, scope: InstrumentationScope, metrics: Vec<Metric>) -> Vec<ResourceMetrics> {
    vec![ResourceMetrics {
        resource: Some(resource),
        scope_metrics: vec![ScopeMetrics { scope: Some(scope), metrics, schema_url: String::new() }],
        schema_url: String::new(),
    }]
}

/// pdata's `generateMetricsOneEmptyInstrumentationScope` holding `metrics`.
fn generated(metrics: Vec<Metric>) -> Vec<ResourceMetrics> {
    let resource =
        Resource { attributes: vec![kv("resource-attr", str_value("resource-attr-val-1"))], ..Default::default() };
    single(resource, InstrumentationScope::default(), metrics)
}

fn metric(name: &str, data: Option<Data>) -> Metric {
    Metric { name: name.into(), unit: "1".into(), data, ..Default::default() }
}

fn attrs1() -> Vec<KeyValue> {
    vec![kv("label-1", str_value("label-value-1"))]
}
fn attrs2() -> Vec<KeyValue> {
    vec![kv("label-2", str_value("label-value-2"))]
}
fn attrs12() -> Vec<KeyValue> {
    vec![kv("label-1", str_value("label-value-1")), kv("label-2", str_value("label-value-2"))]
}
fn attrs13() -> Vec<KeyValue> {
    vec![kv("label-1", str_value("label-value-1")), kv("label-3", str_value("label-value-3"))]
}

fn number(attributes: Vec<KeyValue>, value: number_data_point::Value) -> NumberDataPoint {
    NumberDataPoint {
        attributes,
        start_time_unix_nano: START,
        time_unix_nano: TIME,
        value: Some(value),
        ..Default::default()
    }
}

fn int_points() -> Vec<NumberDataPoint> {
    use number_data_point::Value::AsInt;
    vec![number(attrs1(), AsInt(123)), number(attrs2(), AsInt(456))]
}

fn double_points() -> Vec<NumberDataPoint> {
    use number_data_point::Value::AsDouble;
    vec![number(attrs12(), AsDouble(1.23)), number(attrs13(), AsDouble(4.56))]
}

fn sum(data_points: Vec<NumberDataPoint>) -> Option<Data> {
    Some(Data::Sum(Sum { data_points, aggregation_temporality: CUMULATIVE, is_monotonic: true }))
}

fn exemplar(value: exemplar::Value) -> Exemplar {
    Exemplar {
        trace_id: vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
        span_id: vec![0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18],
        time_unix_nano: EXEMPLAR_TIME,
        value: Some(value),
        filtered_attributes: vec![kv("exemplar-attachment", str_value("exemplar-attachment-value"))],
    }
}

fn histogram_metric() -> Metric {
    let p0 = HistogramDataPoint {
        attributes: attrs13(),
        start_time_unix_nano: START,
        time_unix_nano: TIME,
        count: 1,
        sum: Some(15.0),
        ..Default::default()
    };
    let p1 = HistogramDataPoint {
        attributes: attrs2(),
        start_time_unix_nano: START,
        time_unix_nano: TIME,
        count: 1,
        sum: Some(15.0),
        min: Some(15.0),
        max: Some(15.0),
        bucket_counts: vec![0, 1],
        explicit_bounds: vec![1.0],
        exemplars: vec![exemplar(exemplar::Value::AsDouble(15.0))],
        ..Default::default()
    };
    let data = Histogram { data_points: vec![p0, p1], aggregation_temporality: CUMULATIVE };
    metric("histogram", Some(Data::Histogram(data)))
}

fn exp_histogram_metric() -> Metric {
    let buckets = |offset, bucket_counts| Some(Buckets { offset, bucket_counts });
    let p0 = ExponentialHistogramDataPoint {
        attributes: attrs13(),
        start_time_unix_nano: START,
        time_unix_nano: TIME,
        count: 5,
        sum: Some(0.15),
        zero_count: 1,
        scale: 1,
        positive: buckets(1, vec![1, 1]),
        negative: buckets(-1, vec![1, 1]),
        ..Default::default()
    };
    let p1 = ExponentialHistogramDataPoint {
        attributes: attrs2(),
        start_time_unix_nano: START,
        time_unix_nano: TIME,
        count: 3,
        sum: Some(1.25),
        min: Some(0.0),
        max: Some(1.0),
        zero_count: 1,
        scale: -1,
        positive: buckets(-1, vec![1, 1]),
        exemplars: vec![exemplar(exemplar::Value::AsInt(15))],
        ..Default::default()
    };
    let data = ExponentialHistogram { data_points: vec![p0, p1], aggregation_temporality: DELTA };
    metric("exponential-histogram", Some(Data::ExponentialHistogram(data)))
}

fn summary_metric() -> Metric {
    let point = |attributes, quantile_values| SummaryDataPoint {
        attributes,
        start_time_unix_nano: START,
        time_unix_nano: TIME,
        count: 1,
        sum: 15.0,
        quantile_values,
        ..Default::default()
    };
    let q = ValueAtQuantile { quantile: 0.01, value: 15.0 };
    metric(
        "summary",
        Some(Data::Summary(Summary { data_points: vec![point(attrs13(), vec![]), point(attrs2(), vec![q])] })),
    )
}

/// `testdata.GenerateMetricsAllTypes()`.
fn all_types() -> Vec<Metric> {
    vec![
        metric("gauge-int", Some(Data::Gauge(Gauge { data_points: int_points() }))),
        metric("gauge-double", Some(Data::Gauge(Gauge { data_points: double_points() }))),
        metric("sum-int", sum(int_points())),
        metric("sum-double", sum(double_points())),
        histogram_metric(),
        exp_histogram_metric(),
        summary_metric(),
    ]
}

#[test]
fn detailed_empty() {
    assert_eq!(detailed(&[]), include_str!("testdata/metrics/empty.out"));
}

#[test]
fn detailed_all_types() {
    assert_eq!(detailed(&generated(all_types())), include_str!("testdata/metrics/metrics_with_all_types.out"));
}

#[test]
fn detailed_two_metrics() {
    let two = all_types().into_iter().take(2).collect();
    assert_eq!(detailed(&generated(two)), include_str!("testdata/metrics/two_metrics.out"));
}

#[test]
fn detailed_invalid_metric_type() {
    let metrics = generated(vec![metric("sum-int", None)]);
    assert_eq!(detailed(&metrics), include_str!("testdata/metrics/invalid_metric_type.out"));
}

#[test]
fn detailed_metrics_with_entity_refs() {
    let point = NumberDataPoint {
        attributes: vec![kv("test.attribute", str_value("test-value"))],
        value: Some(number_data_point::Value::AsDouble(123.45)),
        ..Default::default()
    };
    let m = Metric {
        name: "test-metric".into(),
        description: "A test metric".into(),
        unit: "1".into(),
        data: Some(Data::Gauge(Gauge { data_points: vec![point] })),
        ..Default::default()
    };
    let scope = InstrumentationScope { name: "test-scope".into(), ..Default::default() };
    let metrics = single(resource_with_entity_refs(), scope, vec![m]);
    assert_eq!(detailed(&metrics), include_str!("testdata/metrics/metrics_with_entity_refs.out"));
}

#[test]
fn detailed_metrics_with_metadata() {
    let point = NumberDataPoint { value: Some(number_data_point::Value::AsInt(1)), ..Default::default() };
    let m = Metric {
        name: "test-metric-metadata".into(),
        description: "A test metric with metadata".into(),
        unit: "1".into(),
        metadata: vec![kv("meta.key", str_value("meta-value")), kv("meta.id", int(101))],
        data: Some(Data::Gauge(Gauge { data_points: vec![point] })),
    };
    let resource = Resource { attributes: vec![kv("service.name", str_value("test-service"))], ..Default::default() };
    let scope = InstrumentationScope { name: "test-scope".into(), ..Default::default() };
    let metrics = single(resource, scope, vec![m]);
    assert_eq!(detailed(&metrics), include_str!("testdata/metrics/metrics_with_metadata.out"));
}

/// One metric in an empty resource and scope, as most normal tests build it.
fn one(m: Metric) -> Vec<ResourceMetrics> {
    single(Resource::default(), InstrumentationScope::default(), vec![m])
}

fn cpu_time() -> Metric {
    let point = NumberDataPoint {
        value: Some(number_data_point::Value::AsDouble(123.456)),
        attributes: vec![kv("state", str_value("user")), kv("cpu", str_value("0"))],
        ..Default::default()
    };
    metric("system.cpu.time", Some(Data::Sum(Sum { data_points: vec![point], ..Default::default() })))
}

/// The attributes and count, sum, min and max the histogram cases share.
fn http_attrs() -> Vec<KeyValue> {
    vec![kv("http.response.status_code", int(200)), kv("http.request.method", str_value("GET"))]
}

fn http_exp_histogram(f: impl FnOnce(&mut ExponentialHistogramDataPoint)) -> Metric {
    let mut p = ExponentialHistogramDataPoint {
        attributes: http_attrs(),
        count: 1340,
        sum: Some(99.573),
        min: Some(0.017),
        max: Some(8.13),
        ..Default::default()
    };
    f(&mut p);
    let data = ExponentialHistogram { data_points: vec![p], ..Default::default() };
    Metric {
        name: "http.server.request.duration".into(),
        data: Some(Data::ExponentialHistogram(data)),
        ..Default::default()
    }
}

#[test]
fn normal_cases() {
    let scopes = vec![ResourceMetrics {
        resource: Some(Resource::default()),
        scope_metrics: ["scope-zero", "scope-one"]
            .map(|name| ScopeMetrics {
                scope: Some(InstrumentationScope { name: name.into(), ..Default::default() }),
                ..Default::default()
            })
            .to_vec(),
        schema_url: String::new(),
    }];
    let (resource, scope) = attributed_resource_and_scope();
    let mut with_attrs = single(resource, scope, vec![cpu_time()]);
    with_attrs[0].schema_url = "https://opentelemetry.io/resource-schema-url".into();
    with_attrs[0].scope_metrics[0].schema_url = "http://opentelemetry.io/scope-schema-url".into();
    let gauge_point = NumberDataPoint {
        value: Some(number_data_point::Value::AsDouble(78.901234567)),
        attributes: vec![kv("state", str_value("free")), kv("cpu", str_value("8"))],
        ..Default::default()
    };
    let gauge = metric("system.cpu.utilization", Some(Data::Gauge(Gauge { data_points: vec![gauge_point] })));
    let histogram_point = HistogramDataPoint {
        attributes: http_attrs(),
        explicit_bounds: vec![0.125, 0.5, 1.0, 3.0],
        bucket_counts: vec![1324, 13, 0, 2, 1],
        count: 1340,
        sum: Some(99.573),
        min: Some(0.017),
        max: Some(8.13),
        ..Default::default()
    };
    let histogram = Metric {
        name: "http.server.request.duration".into(),
        data: Some(Data::Histogram(Histogram { data_points: vec![histogram_point], ..Default::default() })),
        ..Default::default()
    };
    let summary_point = SummaryDataPoint {
        attributes: http_attrs(),
        count: 1340,
        sum: 99.573,
        quantile_values: vec![ValueAtQuantile { quantile: 0.01, value: 15.0 }],
        ..Default::default()
    };
    let summary = metric("summary", Some(Data::Summary(Summary { data_points: vec![summary_point] })));
    let cases: [(&str, Vec<ResourceMetrics>, &str); 8] = [
        ("empty metrics", vec![], include_str!("testdata/normal/metrics/empty_metrics.out")),
        ("two scopes", scopes, include_str!("testdata/normal/metrics/two_scopes_under_one_resource.out")),
        ("sum", one(cpu_time()), include_str!("testdata/normal/metrics/sum_data_point.out")),
        (
            "resource and scope attributes",
            with_attrs,
            include_str!("testdata/normal/metrics/data_point_with_resource_and_scope_attributes.out"),
        ),
        ("gauge", one(gauge), include_str!("testdata/normal/metrics/gauge_data_point.out")),
        ("histogram", one(histogram), include_str!("testdata/normal/metrics/histogram.out")),
        (
            "exponential histogram without buckets",
            one(http_exp_histogram(|_| {})),
            include_str!("testdata/normal/metrics/exponential_histogram_without_buckets.out"),
        ),
        ("summary", one(summary), include_str!("testdata/normal/metrics/summary.out")),
    ];
    for (name, input, expected) in cases {
        assert_eq!(normal(&input), expected, "{name}");
    }
}

#[test]
fn normal_exponential_histogram_with_buckets() {
    let m = http_exp_histogram(|p| {
        p.scale = 3;
        p.zero_count = 3;
        p.negative = Some(Buckets { offset: -2, bucket_counts: vec![10, 20] });
        p.positive = Some(Buckets { offset: 1, bucket_counts: vec![40, 50, 60] });
    });
    let f = std::f64::consts::LN_2 / 8.0;
    let [n1, n2, p2, p3, p4] =
        [-(-f).exp(), -(-2.0 * f).exp(), (2.0 * f).exp(), (3.0 * f).exp(), (4.0 * f).exp()].map(go_v);
    let expected = format!(
        "ResourceMetrics #0\nScopeMetrics #0\nhttp.server.request.duration{{http.response.status_code=200,http.request.method=GET}} \
         count=1340 sum=99.573 min=0.017 max=8.13 le{n1}=20 le{n2}=10 zero=3 le{p2}=40 le{p3}=50 le{p4}=60\n"
    );
    assert_eq!(normal(&one(m)), expected);
    // The bounds themselves, as Go prints them (Python's repr agrees on these).
    assert_eq!(n1, "-0.9170040432046712");
    assert_eq!(p4, "1.414213562373095");
}

#[test]
fn normal_exponential_histogram_with_positive_buckets_only() {
    let point = ExponentialHistogramDataPoint {
        count: 2,
        scale: 1,
        positive: Some(Buckets { offset: 1, bucket_counts: vec![1, 1] }),
        ..Default::default()
    };
    let data = ExponentialHistogram { data_points: vec![point], ..Default::default() };
    let m = metric("latency", Some(Data::ExponentialHistogram(data)));
    let f = std::f64::consts::LN_2 / 2.0;
    let expected = format!(
        "ResourceMetrics #0\nScopeMetrics #0\nlatency{{}} count=2 le{}=1 le{}=1\n",
        go_v((2.0 * f).exp()),
        go_v((3.0 * f).exp())
    );
    assert_eq!(normal(&one(m)), expected);
}
