//! The span, span event, metric and data point contexts: paths read and
//! written as `pkg/ottl/contexts` documents them, their enums, and inference.

use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::number_data_point::Value as Num;
use opentelemetry_proto::tonic::metrics::v1::{Histogram, HistogramDataPoint, Metric, NumberDataPoint, Sum};
use opentelemetry_proto::tonic::trace::v1::span::Event;
use opentelemetry_proto::tonic::trace::v1::{Span, Status};

use crate::pdata::{kv, str_value};
use crate::{infer_context_in, Condition, ContextKind, Ctx, Functions, Statement};

fn run(texts: &[&str], cx: ContextKind, ctx: &mut Ctx<'_>) {
    for t in texts {
        let s = Statement::parse(t, cx, &Functions::standard()).unwrap_or_else(|e| panic!("{t}: {e}"));
        s.execute(ctx).unwrap_or_else(|e| panic!("{t}: {e}"));
    }
}

fn holds(text: &str, cx: ContextKind, ctx: &Ctx<'_>) -> bool {
    let c = Condition::parse(text, cx, &Functions::standard()).unwrap_or_else(|e| panic!("{text}: {e}"));
    c.eval(ctx).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn span() -> Span {
    Span {
        trace_id: vec![1; 16],
        span_id: vec![2; 8],
        name: "GET /users".into(),
        kind: 2,
        start_time_unix_nano: 1_000,
        end_time_unix_nano: 5_000,
        trace_state: "a=1,b=2".into(),
        attributes: vec![kv("http.method", str_value("GET"))],
        events: vec![Event { name: "retry".into(), time_unix_nano: 2_000, ..Default::default() }],
        status: Some(Status { code: 2, message: "boom".into() }),
        ..Default::default()
    }
}

#[test]
fn span_paths_read_and_enums() {
    let (mut res, mut scope, mut s) = (None, None, span());
    let ctx = Ctx::span(&mut res, &mut scope, &mut s, None);
    let span = ContextKind::Span;
    for c in [
        "kind == SPAN_KIND_SERVER",
        "status.code == STATUS_CODE_ERROR",
        r#"status.message == "boom""#,
        r#"span.name == "GET /users""#,
        r#"attributes["http.method"] == "GET""#,
        r#"trace_id.string == "01010101010101010101010101010101""#,
        r#"span_id.string == "0202020202020202""#,
        r#"parent_span_id.string == "0000000000000000""#,
        "end_time_unix_nano - start_time_unix_nano == 4000",
        r#"trace_state["b"] == "2""#,
        "Len(events) == 1",
        "dropped_events_count == 0",
    ] {
        assert!(holds(c, span, &ctx), "{c}");
    }
    assert!(!holds("kind == SPAN_KIND_CLIENT", span, &ctx));
}

#[test]
fn span_paths_written() {
    let (mut res, mut scope, mut s) = (None, None, span());
    let mut ctx = Ctx::span(&mut res, &mut scope, &mut s, None);
    run(
        &[
            r#"set(name, "renamed")"#,
            "set(kind, SPAN_KIND_CLIENT)",
            "set(status.code, STATUS_CODE_OK)",
            r#"set(status.message, "fine")"#,
            r#"set(attributes["new"], span.name)"#,
            r#"set(trace_state["c"], "3")"#,
            r#"set(span_id.string, "0a0b0c0d0e0f0102")"#,
            r#"delete_key(attributes, "http.method")"#,
            "set(end_time_unix_nano, 9000)",
        ],
        ContextKind::Span,
        &mut ctx,
    );
    assert_eq!(s.name, "renamed");
    assert_eq!(s.kind, 3);
    assert_eq!(s.status.as_ref().map(|x| (x.code, x.message.as_str())), Some((1, "fine")));
    assert_eq!(s.attributes, vec![kv("new", str_value("renamed"))]);
    assert_eq!(s.trace_state, "a=1,b=2,c=3");
    assert_eq!(s.span_id, vec![10, 11, 12, 13, 14, 15, 1, 2]);
    assert_eq!(s.end_time_unix_nano, 9000);
}

#[test]
fn span_event_sees_its_span() {
    let (mut res, mut scope, mut s) = (None, None, span());
    let mut ctx = Ctx::span(&mut res, &mut scope, &mut s, Some(0));
    let cx = ContextKind::SpanEvent;
    assert!(holds(r#"name == "retry" and span.name == "GET /users" and event_index == 0"#, cx, &ctx));
    run(&[r#"set(attributes["span"], span.name)"#, r#"set(spanevent.name, "again")"#], cx, &mut ctx);
    assert_eq!(s.events[0].name, "again");
    assert_eq!(s.events[0].attributes, vec![kv("span", str_value("GET /users"))]);
}

fn sum() -> Metric {
    let point = |v: i64, k: &str| NumberDataPoint {
        attributes: vec![kv("k", str_value(k))],
        value: Some(Num::AsInt(v)),
        time_unix_nano: 7,
        ..Default::default()
    };
    Metric {
        name: "requests".into(),
        unit: "1".into(),
        data: Some(Data::Sum(Sum {
            data_points: vec![point(3, "a"), point(4, "b")],
            aggregation_temporality: 2,
            is_monotonic: true,
        })),
        ..Default::default()
    }
}

#[test]
fn metric_paths_and_enums() {
    let (mut res, mut scope, mut m) = (None, None, sum());
    let mut ctx = Ctx::metric(&mut res, &mut scope, &mut m, None);
    let cx = ContextKind::Metric;
    for c in [
        "type == METRIC_DATA_TYPE_SUM",
        "aggregation_temporality == AGGREGATION_TEMPORALITY_CUMULATIVE",
        "is_monotonic == true",
        r#"metric.name == "requests""#,
        "Len(data_points) == 2",
    ] {
        assert!(holds(c, cx, &ctx), "{c}");
    }
    run(
        &[
            r#"set(description, "all requests")"#,
            "set(aggregation_temporality, AGGREGATION_TEMPORALITY_DELTA)",
            "set(is_monotonic, false)",
            r#"set(unit, "{request}")"#,
        ],
        cx,
        &mut ctx,
    );
    assert_eq!((m.description.as_str(), m.unit.as_str()), ("all requests", "{request}"));
    let Some(Data::Sum(s)) = &m.data else { panic!("sum") };
    assert_eq!((s.aggregation_temporality, s.is_monotonic), (1, false));
    // FLAG_* belongs to the data point context only.
    assert!(Condition::parse("FLAG_NONE == 0", cx, &Functions::standard()).is_err());
}

#[test]
fn datapoint_paths() {
    let (mut res, mut scope, mut m) = (None, None, sum());
    let mut ctx = Ctx::metric(&mut res, &mut scope, &mut m, Some(1));
    let cx = ContextKind::DataPoint;
    assert!(holds(r#"value_int == 4 and attributes["k"] == "b" and metric.name == "requests""#, cx, &ctx));
    assert!(holds("value_double == 0.0 and count == nil and flags == FLAG_NONE", cx, &ctx));
    run(&["set(value_double, Double(value_int) * 1.5)", r#"set(attributes["m"], metric.unit)"#], cx, &mut ctx);
    let Some(Data::Sum(s)) = &m.data else { panic!("sum") };
    assert_eq!(s.data_points[1].value, Some(Num::AsDouble(6.0)));
    assert_eq!(s.data_points[1].attributes[1], kv("m", str_value("1")));
    assert_eq!(s.data_points[0].value, Some(Num::AsInt(3)), "only the point in context changes");

    let mut h = Metric {
        name: "latency".into(),
        data: Some(Data::Histogram(Histogram {
            data_points: vec![HistogramDataPoint {
                count: 5,
                sum: Some(2.5),
                bucket_counts: vec![1, 4],
                explicit_bounds: vec![0.5],
                ..Default::default()
            }],
            aggregation_temporality: 1,
        })),
        ..Default::default()
    };
    let mut ctx = Ctx::metric(&mut res, &mut scope, &mut h, Some(0));
    assert!(holds("count == 5 and sum == 2.5 and bucket_counts == [1, 4] and explicit_bounds == [0.5]", cx, &ctx));
    assert!(holds("value_int == nil and metric.type == METRIC_DATA_TYPE_HISTOGRAM", cx, &ctx));
    run(&["set(explicit_bounds, [0.1, 1.0])", "set(bucket_counts, [1, 1, 3])", "set(count, 5)"], cx, &mut ctx);
    let Some(Data::Histogram(hd)) = &h.data else { panic!("histogram") };
    assert_eq!(hd.data_points[0].explicit_bounds, vec![0.1, 1.0]);
    assert_eq!(hd.data_points[0].bucket_counts, vec![1, 1, 3]);
}

#[test]
fn paths_outside_their_context_are_refused() {
    let funcs = Functions::standard();
    let err = |t: &str, cx| Statement::parse(t, cx, &funcs).unwrap_err().to_string();
    assert_eq!(
        err(r#"set(spanevent.name, "x")"#, ContextKind::Span),
        r#"column 5: path "spanevent.name" is not available in the span context (it needs the spanevent context)"#
    );
    assert!(err(r#"set(log.body, "x")"#, ContextKind::Span).contains("not available in the span context"));
    assert!(err(r#"set(datapoint.value_int, 1)"#, ContextKind::Metric).contains("needs the datapoint context"));
    assert!(err(r#"set(span.nope, 1)"#, ContextKind::Span).contains(r#""nope" is not a field of the span context"#));
    assert!(err("set(attributes[\"a\"], SEVERITY_NUMBER_INFO)", ContextKind::Span).contains("not found"));
}

#[test]
fn inference_takes_the_deepest_prefix() {
    let infer = |d, s: &[&str]| infer_context_in(d, s.iter().copied(), []);
    assert_eq!(infer(ContextKind::Span, &[r#"set(span.name, "x")"#]), ContextKind::Span);
    assert_eq!(
        infer(ContextKind::Span, &[r#"set(resource.attributes["a"], "b")"#, r#"set(spanevent.name, "x")"#]),
        ContextKind::SpanEvent
    );
    assert_eq!(infer(ContextKind::Metric, &[r#"set(datapoint.attributes["a"], metric.name)"#]), ContextKind::DataPoint);
    assert_eq!(infer(ContextKind::Metric, &[r#"set(resource.attributes["a"], "b")"#]), ContextKind::Resource);
    assert_eq!(infer(ContextKind::Metric, &[r#"set(description, "x")"#]), ContextKind::Metric);
}

#[test]
fn is_root_span_looks_at_the_parent() {
    let (mut res, mut scope, mut s) = (None, None, span());
    assert!(holds("IsRootSpan()", ContextKind::Span, &Ctx::span(&mut res, &mut scope, &mut s, None)));
    s.parent_span_id = vec![3; 8];
    assert!(holds("not IsRootSpan()", ContextKind::Span, &Ctx::span(&mut res, &mut scope, &mut s, None)));
    let mut log = Default::default();
    let c = Condition::parse("IsRootSpan()", ContextKind::Log, &Functions::standard()).unwrap();
    assert!(c.eval(&Ctx::log(&mut res, &mut scope, &mut log)).is_err());
}

/// `kind.string` and `kind.deprecated_string` (`ctxspan`), read and written.
#[test]
fn span_kind_as_strings() {
    let (mut res, mut scope, mut s) = (None, None, span());
    let mut ctx = Ctx::span(&mut res, &mut scope, &mut s, None);
    let cx = ContextKind::Span;
    assert!(holds(r#"kind.string == "Server" and kind.deprecated_string == "SPAN_KIND_SERVER""#, cx, &ctx));
    run(&[r#"set(kind.string, "Consumer")"#], cx, &mut ctx);
    assert!(holds("kind == SPAN_KIND_CONSUMER", cx, &ctx));
    run(&[r#"set(kind.deprecated_string, "SPAN_KIND_INTERNAL")"#], cx, &mut ctx);
    assert!(holds(r#"kind.string == "Internal""#, cx, &ctx));
    let st = Statement::parse(r#"set(kind.string, "SPAN_KIND_CLIENT")"#, cx, &Functions::standard()).unwrap();
    assert_eq!(st.execute(&mut ctx).unwrap_err().to_string(), "unknown span kind string, SPAN_KIND_CLIENT");
    let st = Statement::parse(r#"set(kind.deprecated_string, "Client")"#, cx, &Functions::standard()).unwrap();
    assert_eq!(st.execute(&mut ctx).unwrap_err().to_string(), "unknown span kind deprecated string, Client");
}
