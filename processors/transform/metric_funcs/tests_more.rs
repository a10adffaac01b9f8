//! The metric functions on upstream's test inputs: aggregation and histogram
//! buckets.

use opentelemetry_proto::tonic::metrics::v1::exponential_histogram_data_point::Buckets;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::number_data_point::Value as Num;
use opentelemetry_proto::tonic::metrics::v1::{
    ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Histogram, Metric, NumberDataPoint, Sum, Summary,
};

use super::super::tests::errors;
use super::tests::{histogram, metric, number, run, try_run};
use crate::ottl::pdata::{kv, str_value};

fn gauge(points: Vec<NumberDataPoint>) -> Metric {
    metric("g", Data::Gauge(Gauge { data_points: points }))
}

fn points(m: &Metric) -> Vec<(String, Option<Num>, u64)> {
    let ps = match &m.data {
        Some(Data::Gauge(g)) => &g.data_points,
        Some(Data::Sum(s)) => &s.data_points,
        d => panic!("{d:?}"),
    };
    ps.iter().map(|p| (format!("{:?}", p.attributes), p.value, p.start_time_unix_nano)).collect()
}

fn doubles(values: &[(f64, &str)]) -> Vec<NumberDataPoint> {
    values.iter().map(|(v, a)| number(Num::AsDouble(*v), a, 5, 100)).collect()
}

#[test]
fn aggregate_on_attributes_by_function() {
    let input = || {
        let mut ps = doubles(&[(1.0, "a"), (4.0, "b"), (3.0, "a"), (10.0, "b")]);
        ps[2].start_time_unix_nano = 1;
        ps
    };
    let cases = [("sum", 18.0), ("max", 10.0), ("min", 1.0), ("mean", 4.5), ("median", 3.5), ("count", 4.0)];
    for (f, want) in cases {
        let out = run(&format!("  - aggregate_on_attributes(\"{f}\", [])\n"), vec![gauge(input())]);
        let p = points(&out[0]);
        assert_eq!(p, [("[]".to_string(), Some(Num::AsDouble(want)), 1)], "{f}: one point, the earliest start");
    }
    // Without the list, points keep their attributes and merge by them.
    let out = run("  - aggregate_on_attributes(\"sum\")\n", vec![gauge(input())]);
    let values: Vec<Option<Num>> = points(&out[0]).into_iter().map(|p| p.1).collect();
    assert_eq!(values, [Some(Num::AsDouble(4.0)), Some(Num::AsDouble(14.0))]);
    // With a list, only those attributes stay.
    let mut ps = input();
    ps[0].attributes.push(kv("other", str_value("x")));
    let out = run("  - aggregate_on_attributes(\"max\", [\"attr\"])\n", vec![gauge(ps)]);
    assert_eq!(points(&out[0]).len(), 2);
    assert!(points(&out[0])[0].0.contains("attr") && !points(&out[0])[0].0.contains("other"));
}

#[test]
fn aggregate_keeps_int_points_int_and_splits_delta_sums_by_start() {
    let ints =
        vec![number(Num::AsInt(3), "a", 1, 9), number(Num::AsInt(4), "a", 2, 9), number(Num::AsInt(8), "a", 2, 9)];
    let delta =
        metric("s", Data::Sum(Sum { data_points: ints.clone(), aggregation_temporality: 1, is_monotonic: true }));
    let out = run("  - aggregate_on_attributes(\"sum\")\n", vec![delta]);
    let values: Vec<Option<Num>> = points(&out[0]).into_iter().map(|p| p.1).collect();
    assert_eq!(values, [Some(Num::AsInt(3)), Some(Num::AsInt(12))], "delta: start times apart");
    let out = run("  - aggregate_on_attributes(\"mean\")\n", vec![gauge(ints.clone())]);
    assert_eq!(points(&out[0])[0].1, Some(Num::AsInt(5)), "integer mean");
    let out = run("  - aggregate_on_attributes(\"median\")\n", vec![gauge(ints)]);
    assert_eq!(points(&out[0])[0].1, Some(Num::AsInt(4)));
    // One point in a group keeps its value, count included (as otelcol).
    let out = run("  - aggregate_on_attributes(\"count\")\n", vec![gauge(doubles(&[(7.0, "a")]))]);
    assert_eq!(points(&out[0])[0].1, Some(Num::AsDouble(7.0)));
}

#[test]
fn aggregate_histograms_and_refuse_summaries() {
    let mut a = histogram("a", 2, Some(3.0), &[1.0], &[1, 1]);
    (a.min, a.max) = (Some(0.5), Some(2.5));
    let mut b = histogram("b", 3, Some(9.0), &[1.0], &[0, 3]);
    (b.min, b.max) = (Some(1.5), Some(4.0));
    let mut empty = histogram("c", 0, Some(0.0), &[1.0], &[0, 0]);
    (empty.min, empty.max) = (Some(0.0), Some(100.0));
    let h = metric("h", Data::Histogram(Histogram { data_points: vec![a, b, empty], aggregation_temporality: 2 }));
    let out = run("  - aggregate_on_attributes(\"sum\", [])\n", vec![h]);
    let Some(Data::Histogram(h)) = &out[0].data else { panic!() };
    assert_eq!(h.data_points.len(), 1);
    let p = &h.data_points[0];
    assert_eq!((p.count, p.sum, p.min, p.max, &p.bucket_counts), (5, Some(12.0), Some(0.5), Some(4.0), &vec![1, 4]));

    let e = |pos: Vec<u64>, offset: i32| ExponentialHistogramDataPoint {
        count: pos.iter().sum::<u64>() + 1,
        zero_count: 1,
        sum: Some(1.0),
        positive: Some(Buckets { offset, bucket_counts: pos }),
        ..Default::default()
    };
    let m = metric(
        "e",
        Data::ExponentialHistogram(ExponentialHistogram {
            data_points: vec![e(vec![1, 2], 0), e(vec![1, 1, 5], 0), e(vec![4], 3)],
            aggregation_temporality: 2,
        }),
    );
    let out = run("  - aggregate_on_attributes(\"sum\")\n", vec![m]);
    let Some(Data::ExponentialHistogram(h)) = &out[0].data else { panic!() };
    assert_eq!(h.data_points.len(), 2, "another offset, another group");
    let p = &h.data_points[0];
    assert_eq!((p.count, p.zero_count, p.sum), (12, 2, Some(2.0)));
    assert_eq!(p.positive.as_ref().unwrap().bucket_counts, [2, 3, 5]);

    let s = metric("s", Data::Summary(Summary::default()));
    let err = try_run("  - aggregate_on_attributes(\"sum\")\n", vec![s]).unwrap_err();
    assert!(err.contains("aggregate_on_attributes does not support aggregating Summary metrics"), "{err}");
    let e = errors("metric_statements:\n  - aggregate_on_attributes(\"avg\")\n");
    assert!(
        e[0].contains("invalid aggregation function: 'unsupported function: 'avg'', valid options: sum, mean, min, max, median, count"),
        "{e:?}"
    );
}

#[test]
fn aggregate_on_attribute_value_renames_then_merges() {
    let ps = doubles(&[(1.0, "a"), (2.0, "b"), (4.0, "c")]);
    let out = run("  - aggregate_on_attribute_value(\"sum\", \"attr\", [\"a\", \"b\"], \"ab\")\n", vec![gauge(ps)]);
    let p = points(&out[0]);
    assert_eq!(p.len(), 2);
    assert!(p[0].0.contains("\"ab\"") && p[1].0.contains("\"c\""), "{p:?}");
    assert_eq!((p[0].1, p[1].1), (Some(Num::AsDouble(3.0)), Some(Num::AsDouble(4.0))));
    let ps = doubles(&[(1.0, "a"), (2.0, "b")]);
    let out = run("  - aggregate_on_attribute_value(\"max\", \"missing\", [\"a\"], \"x\")\n", vec![gauge(ps)]);
    assert_eq!(points(&out[0]).len(), 2, "no such attribute: nothing merges");
}

fn hist(bounds: &[f64], counts: &[u64]) -> Metric {
    let n = counts.iter().sum();
    metric(
        "h",
        Data::Histogram(Histogram {
            data_points: vec![histogram("a", n, Some(7.0), bounds, counts)],
            aggregation_temporality: 2,
        }),
    )
}

fn buckets(m: &Metric) -> (Vec<f64>, Vec<u64>, u64, Option<f64>) {
    let Some(Data::Histogram(h)) = &m.data else { panic!() };
    let p = &h.data_points[0];
    (p.explicit_bounds.clone(), p.bucket_counts.clone(), p.count, p.sum)
}

#[test]
fn merge_histogram_buckets_removes_a_bound() {
    let out = run("  - merge_histogram_buckets(0.5)\n", vec![hist(&[0.1, 0.5, 1.0], &[5, 8, 3, 1])]);
    assert_eq!(buckets(&out[0]), (vec![0.1, 1.0], vec![5, 11, 1], 17, Some(7.0)));
    let out = run("  - merge_histogram_buckets(1.0)\n", vec![hist(&[0.1, 0.5, 1.0], &[5, 8, 3, 1])]);
    assert_eq!(buckets(&out[0]).1, [5, 8, 4], "the last bound merges into the overflow bucket");
    for (stmt, bounds, counts) in [
        ("merge_histogram_buckets(0.7)", &[0.1, 0.5][..], &[1, 2, 3][..]),
        ("merge_histogram_buckets(0.5)", &[0.1, 0.5][..], &[1, 2][..]),
    ] {
        let out = run(&format!("  - {stmt}\n"), vec![hist(bounds, counts)]);
        assert_eq!((buckets(&out[0]).0, buckets(&out[0]).1), (bounds.to_vec(), counts.to_vec()), "{stmt}: unchanged");
    }
    let g = gauge(doubles(&[(1.0, "a")]));
    assert_eq!(run("  - merge_histogram_buckets(0.5)\n", vec![g.clone()]), vec![g]);
}

#[test]
fn merge_histogram_buckets_limits_buckets() {
    let input = || hist(&[0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0], &[80, 4, 6, 120, 3, 2, 40, 10, 1]);
    let out = run("  - merge_histogram_buckets(5, method=\"limit_buckets\")\n", vec![input()]);
    assert_eq!((buckets(&out[0]).0, buckets(&out[0]).1), (vec![0.2, 1.0, 5.0, 30.0], vec![84, 126, 5, 50, 1]));
    let out = run("  - merge_histogram_buckets(9, method=\"limit_buckets\")\n", vec![input()]);
    assert_eq!(buckets(&out[0]).1.len(), 9, "already within the limit");
    let out = run("  - merge_histogram_buckets(1, \"limit_buckets\")\n", vec![input()]);
    assert_eq!((buckets(&out[0]).0, buckets(&out[0]).1), (vec![], vec![266]));
    let out = run("  - merge_histogram_buckets(2, \"limit_buckets\")\n", vec![hist(&[2.0, 1.0], &[1, 1, 1])]);
    assert_eq!(buckets(&out[0]).1, [1, 1, 1], "unordered bounds: left alone");
    let e = errors("metric_statements:\n  - merge_histogram_buckets(0, \"limit_buckets\")\n");
    assert!(e[0].contains("target_value must be a positive integer when method is \"limit_buckets\", got 0"), "{e:?}");
    let e = errors("metric_statements:\n  - merge_histogram_buckets(1.5, method=\"invalid\")\n");
    assert!(
        e[0].contains("unsupported method \"invalid\", expected \"remove_explicit_bound\" or \"limit_buckets\""),
        "{e:?}"
    );
    let out = run(
        "  - merge_histogram_buckets(datapoint.attributes[\"n\"], \"limit_buckets\")\n",
        vec![{
            let mut m = input();
            let Some(Data::Histogram(h)) = &mut m.data else { panic!() };
            h.data_points[0].attributes.push(kv("n", str_value("3")));
            m
        }],
    );
    assert_eq!(buckets(&out[0]).1, [90, 125, 51], "a target read from the point");
}

#[test]
fn exponential_histograms_become_histograms() {
    let input = || {
        let p = ExponentialHistogramDataPoint {
            attributes: vec![kv("attr", str_value("a"))],
            count: 20,
            zero_count: 3,
            sum: Some(99.0),
            scale: 0,
            positive: Some(Buckets { offset: 0, bucket_counts: vec![4, 6, 5, 0, 2] }),
            negative: Some(Buckets { offset: 0, bucket_counts: vec![7] }),
            ..Default::default()
        };
        metric(
            "e",
            Data::ExponentialHistogram(ExponentialHistogram { data_points: vec![p], aggregation_temporality: 1 }),
        )
    };
    let convert = |dist: &str| {
        let out = run(
            &format!("  - convert_exponential_histogram_to_histogram(\"{dist}\", [0.0, 1.2, 3.3, 10])\n"),
            vec![input()],
        );
        let Some(Data::Histogram(h)) = &out[0].data else { panic!("{:?}", out[0]) };
        assert_eq!((out[0].name.as_str(), out[0].unit.as_str(), h.aggregation_temporality), ("e", "s", 1));
        let p = &h.data_points[0];
        assert_eq!(
            (p.count, p.sum, p.min, &p.explicit_bounds),
            (20, Some(99.0), Some(0.0), &vec![0.0, 1.2, 3.3, 10.0])
        );
        assert_eq!(p.attributes, [kv("attr", str_value("a"))]);
        p.bucket_counts.clone()
    };
    // Buckets (1,2], (2,4], (4,8], (8,16], (16,32]: the third lies between two
    // bounds, the last above them all, the zero count goes to bound 0.
    assert_eq!(convert("upper"), [3, 0, 9, 8]);
    assert_eq!(convert("midpoint"), [3, 10, 5, 2]);
    assert_eq!(convert("uniform"), [3, 2, 10, 5]);
    for dist in ["random", ""] {
        let counts = convert(dist);
        assert_eq!(counts.iter().sum::<u64>(), 20, "{dist}: every positive count placed once: {counts:?}");
        assert!(counts[0] >= 3 && counts[3] >= 2, "{counts:?}");
    }
    let g = gauge(doubles(&[(1.0, "a")]));
    assert_eq!(run("  - convert_exponential_histogram_to_histogram(\"upper\", [1.0])\n", vec![g.clone()]), vec![g]);
    let e = errors("metric_statements:\n  - convert_exponential_histogram_to_histogram(\"foo\", [1.0])\n");
    assert!(
        e[0].contains("invalid conversion function: foo, must be one of [upper, midpoint, random, uniform]"),
        "{e:?}"
    );
    let e = errors("metric_statements:\n  - convert_exponential_histogram_to_histogram(\"upper\", [])\n");
    assert!(e[0].contains("explicit bounds cannot be empty"), "{e:?}");
}

#[test]
fn extract_percentile_metric_interpolates_in_buckets() {
    let h = |min: Option<f64>, max: Option<f64>| {
        let mut p = histogram("a", 10, Some(30.0), &[1.0, 2.0, 5.0], &[2, 2, 4, 2]);
        (p.min, p.max) = (min, max);
        let empty = histogram("b", 0, None, &[1.0], &[0, 0]);
        metric("h", Data::Histogram(Histogram { data_points: vec![p, empty], aggregation_temporality: 2 }))
    };
    let values = |stmt: &str, m: Metric| -> (String, String, Vec<f64>) {
        let out = run(&format!("  - {stmt} where metric.name == \"h\"\n"), vec![m]);
        let Some(Data::Gauge(g)) = &out[1].data else { panic!("{out:?}") };
        let v = g.data_points.iter().map(|p| if let Some(Num::AsDouble(d)) = p.value { d } else { panic!() }).collect();
        (out[1].name.clone(), out[1].description.clone(), v)
    };
    let (name, description, v) = values("extract_percentile_metric(50)", h(None, None));
    assert_eq!((name.as_str(), description.as_str(), v[0]), ("h_p50", "d (p50)", 2.75));
    assert!(v[1].is_nan(), "no observations: NaN");
    assert_eq!(values("extract_percentile_metric(10.0)", h(None, None)).2[0], 0.5, "lowest bucket from 0");
    let from_min = values("extract_percentile_metric(10.0)", h(Some(0.2), None)).2[0];
    assert!((from_min - 0.6).abs() < 1e-12, "lowest bucket from min: {from_min}");
    assert_eq!(values("extract_percentile_metric(95.0)", h(None, None)).2[0], 5.0, "overflow without max");
    assert_eq!(values("extract_percentile_metric(95.0, \".p95\")", h(None, Some(9.0))).2[0], 9.0);
    assert_eq!(values("extract_percentile_metric(99.9)", h(None, None)).0, "h_p99.9");

    let e = ExponentialHistogramDataPoint {
        count: 4,
        scale: 0,
        positive: Some(Buckets { offset: 0, bucket_counts: vec![2, 2] }),
        ..Default::default()
    };
    let m = metric(
        "h",
        Data::ExponentialHistogram(ExponentialHistogram { data_points: vec![e], aggregation_temporality: 2 }),
    );
    assert_eq!(values("extract_percentile_metric(50)", m.clone()).2[0], 2.0);
    assert!((values("extract_percentile_metric(75)", m).2[0] - 2f64.powf(1.5)).abs() < 1e-9);
    let g = gauge(doubles(&[(1.0, "a")]));
    assert_eq!(run("  - extract_percentile_metric(50)\n", vec![g]).len(), 1, "other types: no metric");
    let e = errors("metric_statements:\n  - extract_percentile_metric(101.0)\n");
    assert!(e[0].contains("percentile must be between 0 and 100, got 101.000000"), "{e:?}");
}

#[test]
fn aggregate_on_attributes_upstream_cases() {
    let sum = |points: &[(f64, &str, &str)]| {
        let data_points = points
            .iter()
            .map(|(v, k, val)| NumberDataPoint {
                attributes: vec![kv(*k, str_value(*val))],
                value: Some(Num::AsDouble(*v)),
                ..Default::default()
            })
            .collect();
        metric("sum_metric", Data::Sum(Sum { data_points, aggregation_temporality: 0, is_monotonic: false }))
    };
    let input = || sum(&[(100.0, "key1", "val1"), (50.0, "key1", "val1"), (20.0, "key2", "val1")]);
    let out = run("  - aggregate_on_attributes(\"sum\", [\"non-existing\"])\n", vec![input()]);
    assert_eq!(points(&out[0]), [("[]".to_string(), Some(Num::AsDouble(170.0)), 0)]);
    for stmt in
        ["aggregate_on_attributes(\"sum\", [\"key1\"])", "aggregate_on_attributes(\"sum\", [\"key1\", \"key1\"])"]
    {
        let out = run(&format!("  - {stmt}\n"), vec![input()]);
        let p = points(&out[0]);
        assert_eq!((p[0].1, p[1].1), (Some(Num::AsDouble(150.0)), Some(Num::AsDouble(20.0))), "{stmt}");
        assert!(p[0].0.contains("key1") && p[1].0 == "[]", "{stmt}: {p:?}");
    }
    let ints = || gauge(vec![number(Num::AsInt(12), "a", 0, 0), number(Num::AsInt(5), "a", 0, 0)]);
    for (f, want) in [("sum", 17), ("min", 5), ("max", 12), ("mean", 8), ("count", 2), ("median", 8)] {
        let out = run(&format!("  - aggregate_on_attributes(\"{f}\")\n"), vec![ints()]);
        assert_eq!(points(&out[0])[0].1, Some(Num::AsInt(want)), "{f}");
    }
}
