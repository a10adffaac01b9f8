//! Whole pdata structs (`ctxspan` `status`, `ctxdatapoint` `positive` and
//! `negative`): read as a typed value, set only from a value of their type;
//! and the `clear` editor, which sets a target to its type's zero value.

use opentelemetry_proto::tonic::metrics::v1::exponential_histogram_data_point::Buckets;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::{
    ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Metric, NumberDataPoint,
};
use opentelemetry_proto::tonic::trace::v1::span::Event;
use opentelemetry_proto::tonic::trace::v1::{Span, Status};
use serde_json::json;

use super::{holds, run, transform};
use crate::paths::metric::PointField;
use crate::paths::span::SpanField;
use crate::paths::{get, set, Field, Path};
use crate::value::{Struct, Time, Value};
use crate::{ContextKind, Ctx};

fn path(field: Field, text: &str) -> Path {
    Path { field, keys: Vec::new(), text: text.into() }
}

fn failed_span() -> Span {
    let status = Status { code: 2, message: "boom".into() };
    Span { status: Some(status), events: vec![Event::default()], ..Default::default() }
}

#[test]
fn span_status_is_read_and_set_whole() {
    let (mut res, mut scope, mut a) = (None, None, failed_span());
    let mut ctx = Ctx::span(&mut res, &mut scope, &mut a, None);
    let cx = ContextKind::Span;
    assert!(holds(r#"status == span.status and String(status) == "{}" and not IsEmpty(status)"#, cx, &ctx));
    assert!(holds("status.code == STATUS_CODE_ERROR and status != nil", cx, &ctx));
    run("set(status, status)", cx, &mut ctx).unwrap();
    assert_eq!(run(r#"set(status, "x")"#, cx, &mut ctx).unwrap_err(), "expects ptrace.Status but got string");
    assert_eq!(run("set(status, status.code)", cx, &mut ctx).unwrap_err(), "expects ptrace.Status but got int64");
    let len = run(r#"set(attributes["n"], Len(status))"#, cx, &mut ctx).unwrap_err();
    assert_eq!(len, "unsupported type for Len: ptrace.Status");
    // The span event context sees its span's status.
    let mut ctx = Ctx::span(&mut res, &mut scope, &mut a, Some(0));
    run("set(span.status, span.status)", ContextKind::SpanEvent, &mut ctx).unwrap();
    let status = path(Field::Span(SpanField::Status), "status");
    let copied = get(&status, &ctx).unwrap().into_owned();
    assert_eq!(copied.type_name(), "ptrace.Status");

    // Copied to a span without a status (which reads as pdata's empty one).
    let mut b = Span::default();
    let mut ctx = Ctx::span(&mut res, &mut scope, &mut b, None);
    assert!(holds(r#"status.code == STATUS_CODE_UNSET and status.message == "" and status != nil"#, cx, &ctx));
    let empty = get(&status, &ctx).unwrap().into_owned();
    assert!(!crate::value::compare(&empty, &copied, crate::ast::CmpOp::Eq));
    set(&status, &[], &mut ctx, copied).unwrap();
    assert_eq!(b.status, a.status);
}

fn exp_histogram() -> Metric {
    let point = ExponentialHistogramDataPoint {
        positive: Some(Buckets { offset: 1, bucket_counts: vec![1, 2] }),
        ..Default::default()
    };
    let data = ExponentialHistogram { data_points: vec![point], ..Default::default() };
    Metric { data: Some(Data::ExponentialHistogram(data)), ..Default::default() }
}

#[test]
fn exponential_buckets_are_read_and_set_whole() {
    let (mut res, mut scope, mut m) = (None, None, exp_histogram());
    let mut ctx = Ctx::metric(&mut res, &mut scope, &mut m, Some(0));
    let dp = ContextKind::DataPoint;
    assert!(holds(r#"positive != negative and String(positive) == "{}" and positive.offset == 1"#, dp, &ctx));
    run("set(negative, positive)", dp, &mut ctx).unwrap();
    assert!(holds("negative == positive and Len(negative.bucket_counts) == 2", dp, &ctx));
    assert_eq!(
        run("set(positive, [1])", dp, &mut ctx).unwrap_err(),
        "expects pmetric.ExponentialHistogramDataPointBuckets but got pcommon.Slice"
    );
    let Some(Data::ExponentialHistogram(e)) = &m.data else { panic!("exponential histogram") };
    assert_eq!(e.data_points[0].negative, Some(Buckets { offset: 1, bucket_counts: vec![1, 2] }));

    // Another kind of point has no buckets: nil, and setting them changes
    // nothing, once the value's type is checked.
    let positive = path(Field::Point(PointField::Positive), "positive");
    let buckets = Value::Struct(Struct::Buckets(std::borrow::Cow::Owned(Buckets::default())));
    let mut g = Metric {
        data: Some(Data::Gauge(Gauge { data_points: vec![NumberDataPoint::default()] })),
        ..Default::default()
    };
    let mut ctx = Ctx::metric(&mut res, &mut scope, &mut g, Some(0));
    assert!(holds("positive == nil and negative == nil", dp, &ctx));
    assert_eq!(
        run("set(positive, 1)", dp, &mut ctx).unwrap_err(),
        "expects pmetric.ExponentialHistogramDataPointBuckets but got int64"
    );
    set(&positive, &[], &mut ctx, buckets).unwrap();
    assert_eq!(g.data, Some(Data::Gauge(Gauge { data_points: vec![NumberDataPoint::default()] })));
}

#[test]
fn clear_sets_the_zero_value_of_the_targets_type() {
    let input = json!({
        "body": "text",
        "severity_number": 9,
        "time_unix_nano": 5,
        "span_id": "0102030405060708",
        "attributes": {"s": "x", "i": 3, "d": 1.5, "b": true, "m": {"k": 1}, "l": [1, 2], "keep": "y"},
    });
    let got = transform(
        &[
            "set(attributes[\"bytes\"], 0x0102)",
            "clear(attributes[\"s\"])",
            "clear(attributes[\"i\"])",
            "clear(attributes[\"d\"])",
            "clear(attributes[\"b\"])",
            "clear(attributes[\"m\"])",
            "clear(attributes[\"l\"])",
            "clear(attributes[\"bytes\"])",
            "set(attributes[\"bytes_len\"], Len(attributes[\"bytes\"]))",
            "clear(attributes[\"missing\"])",
            "clear(body)",
            "clear(severity_number)",
            "clear(span_id)",
            "clear(time)",
        ],
        input,
    )
    .unwrap();
    let attrs = json!({"s": "", "i": 0, "d": 0.0, "b": false, "m": {}, "l": [], "keep": "y", "bytes": {"$bytes": ""},
        "bytes_len": 0, "missing": null});
    assert_eq!(got["attributes"], attrs, "{got}");
    assert_eq!(got["body"], json!(""));
    assert_eq!(got.get("severity_number"), None);
    assert_eq!(got.get("span_id"), None, "an all-zero span id is unset in OTLP");
    // Go's zero time, stored as pdata stores it (its UnixNano wraps).
    assert_eq!(got["time_unix_nano"], json!(Time::GO_ZERO.unix_nanos as u64));
    let all = transform(&["clear(attributes)"], json!({"attributes": {"a": 1}})).unwrap();
    assert_eq!(all.get("attributes"), None);
}

#[test]
fn clear_empties_record_slices_and_structs() {
    let (mut res, mut scope, mut s) = (None, None, failed_span());
    s.span_id = vec![1; 8];
    let mut ctx = Ctx::span(&mut res, &mut scope, &mut s, None);
    let cx = ContextKind::Span;
    for stmt in ["clear(events)", "clear(status)", "clear(span_id)", "clear(end_time)"] {
        run(stmt, cx, &mut ctx).unwrap();
    }
    assert!(holds("Len(events) == 0 and status.code == 0 and span_id == SpanID(0x0000000000000000)", cx, &ctx));
    assert_eq!(s.status, Some(Status::default()));
    assert!(s.span_id.is_empty());
    assert_eq!(s.end_time_unix_nano, Time::GO_ZERO.unix_nanos as u64);
}

/// `resource.schema_url` and `scope.schema_url` (ctxresource, ctxscope): the
/// containers' fields; only a string is set.
#[test]
fn schema_urls_of_resource_and_scope() {
    let mut span = Span::default();
    let (mut resource, mut scope) = (None, None);
    let (mut resource_url, mut scope_url) = (String::from("https://opentelemetry.io/schemas/1.21.0"), String::new());
    let mut ctx =
        Ctx::span(&mut resource, &mut scope, &mut span, None).with_schema_urls(&mut resource_url, Some(&mut scope_url));
    let cx = ContextKind::Span;
    assert!(holds(
        r#"resource.schema_url == "https://opentelemetry.io/schemas/1.21.0" and scope.schema_url == """#,
        cx,
        &ctx
    ));
    run(r#"set(instrumentation_scope.schema_url, "https://opentelemetry.io/schemas/1.26.0")"#, cx, &mut ctx).unwrap();
    run(r#"set(resource.schema_url, 5)"#, cx, &mut ctx).unwrap();
    drop(ctx);
    assert_eq!(scope_url, "https://opentelemetry.io/schemas/1.26.0");
    assert_eq!(resource_url, "https://opentelemetry.io/schemas/1.21.0", "a non-string is ignored");

    // In the resource context, and where the walk gives no container: "" and nothing set.
    let mut ctx = Ctx::resource(&mut resource).with_schema_urls(&mut resource_url, None);
    run(r#"set(schema_url, "x")"#, ContextKind::Resource, &mut ctx).unwrap();
    drop(ctx);
    assert_eq!(resource_url, "x");
    let mut ctx = Ctx::resource(&mut resource);
    assert!(holds(r#"schema_url == """#, ContextKind::Resource, &ctx));
    run(r#"set(schema_url, "y")"#, ContextKind::Resource, &mut ctx).unwrap();
}
