//! pdata's typed values (`value/typed.rs`): trace, span and profile IDs as
//! `pcommon.TraceID`/`SpanID` (printed, compared and set as otelcol does),
//! and the record slices of `events`, `links`, `data_points`, `exemplars` and
//! `quantile_values`, which can be read, counted and set to a slice of their
//! own type (`ctxspan`, `ctxmetric`, `ctxdatapoint` setters).

use std::borrow::Cow;

use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::summary_data_point::ValueAtQuantile;
use opentelemetry_proto::tonic::metrics::v1::{Exemplar, Gauge, Metric, NumberDataPoint, Summary, SummaryDataPoint};
use opentelemetry_proto::tonic::trace::v1::span::{Event, Link};
use opentelemetry_proto::tonic::trace::v1::Span;
use serde_json::json;

use super::{check_cases, holds, run, transform, Case};
use crate::paths::metric::PointField;
use crate::paths::span::{set_span, SpanField};
use crate::paths::{Field, Path};
use crate::value::{Records, Value};
use crate::{ContextKind, Ctx, Functions, Statement};

fn span() -> Span {
    Span {
        trace_id: (0..16).collect(),
        span_id: vec![1, 2, 3, 4, 5, 6, 7, 8],
        parent_span_id: vec![8; 8],
        events: vec![Event { name: "e1".into(), ..Default::default() }],
        links: vec![Link { trace_id: vec![9; 16], ..Default::default() }],
        ..Default::default()
    }
}

#[test]
fn ids_compare_as_their_pdata_type() {
    let (mut res, mut scope, mut s) = (None, None, span());
    let ctx = Ctx::span(&mut res, &mut scope, &mut s, None);
    let cx = ContextKind::Span;
    for (c, want) in [
        ("span_id == SpanID(0x0102030405060708)", true),
        ("span.span_id != SpanID(0x0102030405060708)", false),
        ("parent_span_id == SpanID(0x0808080808080808)", true),
        ("trace_id == TraceID(0x000102030405060708090a0b0c0d0e0f)", true),
        (r#"trace_id == TraceID("000102030405060708090a0b0c0d0e0f")"#, true),
        // An ID is no byte slice, and a span ID no trace ID (Go's `==` on `any`).
        ("span_id == 0x0102030405060708", false),
        ("span_id != 0x0102030405060708", true),
        ("parent_span_id == span_id", false),
        ("SpanID(0x0000000000000000) == TraceID(0x00000000000000000000000000000000)", false),
        // Only == and != apply.
        ("span_id < SpanID(0x0202030405060708)", false),
        (r#"span_id.string == "0102030405060708""#, true),
        (r#"parent_span_id.string == "0808080808080808""#, true),
        ("IsEmpty(SpanID(0x0000000000000000)) and not IsEmpty(span_id)", true),
    ] {
        assert_eq!(holds(c, cx, &ctx), want, "{c}");
    }
}

#[test]
fn ids_print_as_go_byte_arrays() {
    let cases: Vec<Case> = vec![(
        vec![
            r#"set(log.attributes["string"], String(span_id))"#,
            r#"set(log.attributes["concat"], Concat([span_id, "x"], "-"))"#,
            r#"set(log.attributes["hex"], Concat([span_id.string, trace_id.string], "/"))"#,
            r#"set(log.attributes["format"], Format("%v", [SpanID(0x0102030405060708)]))"#,
            r#"set(log.attributes["match"], IsMatch(span_id, "^\\[1,2,3"))"#,
            r#"set(log.attributes["profile"], String(ProfileID(0x0102030405060708090a0b0c0d0e0f10)))"#,
            // A pdata value cannot hold an ID: the entry is created empty, as otelcol's SetMapValue does.
            r#"set(log.attributes["raw"], span_id)"#,
        ],
        json!({"span_id": "0102030405060708", "trace_id": "0f0e0d0c0b0a09080706050403020100"}),
        json!({"span_id": "0102030405060708", "trace_id": "0f0e0d0c0b0a09080706050403020100", "attributes": {
            "string": "[1,2,3,4,5,6,7,8]",
            "concat": "[1,2,3,4,5,6,7,8]-x",
            "hex": "0102030405060708/0f0e0d0c0b0a09080706050403020100",
            "format": "[1 2 3 4 5 6 7 8]",
            "match": true,
            "profile": "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]",
            "raw": null
        }}),
    )];
    check_cases(cases);
}

#[test]
fn id_fields_take_only_their_id_type() {
    let (mut res, mut scope, mut s) = (None, None, span());
    let mut ctx = Ctx::span(&mut res, &mut scope, &mut s, None);
    let cx = ContextKind::Span;
    run("set(parent_span_id, span_id)", cx, &mut ctx).unwrap();
    run("set(trace_id, TraceID(0x00000000000000000000000000000000))", cx, &mut ctx).unwrap();
    let err = |t| run(t, ContextKind::Span, &mut Ctx::span(&mut None, &mut None, &mut span(), None)).unwrap_err();
    assert_eq!(err("set(span_id, 0x0102030405060708)"), "expects pcommon.SpanID but got []uint8");
    assert_eq!(
        err("set(span_id, TraceID(0x000102030405060708090a0b0c0d0e0f))"),
        "expects pcommon.SpanID but got pcommon.TraceID"
    );
    assert_eq!(err(r#"set(trace_id, "x")"#), "expects pcommon.TraceID but got string");
    assert_eq!(s.parent_span_id, vec![1, 2, 3, 4, 5, 6, 7, 8]);
    assert!(s.trace_id.is_empty(), "an all-zero trace id is unset in OTLP");
    let log = transform(&["set(log.span_id, 0x0102030405060708)"], json!({})).unwrap_err();
    assert!(log.contains("expects pcommon.SpanID but got []uint8"), "{log}");
}

#[test]
fn span_events_and_links_are_set_from_slices_of_their_type() {
    let (mut res, mut scope, mut s) = (None, None, span());
    let mut ctx = Ctx::span(&mut res, &mut scope, &mut s, None);
    let cx = ContextKind::Span;
    assert!(holds("Len(events) == 1 and Len(links) == 1 and events == events and events != links", cx, &ctx));
    run("set(events, events)", cx, &mut ctx).unwrap();
    run("set(links, span.links)", cx, &mut ctx).unwrap();
    assert_eq!(
        run("set(events, links)", cx, &mut ctx).unwrap_err(),
        "expects ptrace.SpanEventSlice but got ptrace.SpanLinkSlice"
    );
    assert_eq!(run("set(links, [1])", cx, &mut ctx).unwrap_err(), "expects ptrace.SpanLinkSlice but got pcommon.Slice");
    let new = vec![Event { name: "a".into(), ..Default::default() }, Event { name: "b".into(), ..Default::default() }];
    set_span(SpanField::Events, &[], &mut ctx, Value::Records(Records::Events(Cow::Owned(new)))).unwrap();
    assert!(holds("Len(events) == 2", cx, &ctx));
    assert_eq!(s.events.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(s.links.len(), 1);
    // From a span event, its span's events are the span's slice.
    let mut ctx = Ctx::span(&mut res, &mut scope, &mut s, Some(1));
    assert!(holds(r#"Len(span.events) == 2 and String(span.events) == "{}""#, ContextKind::SpanEvent, &ctx));
    run("set(span.events, span.events)", ContextKind::SpanEvent, &mut ctx).unwrap();
}

fn gauge_with_exemplars() -> Metric {
    let ex = |v: i64| Exemplar { value: Some(exemplar_int(v)), span_id: vec![1; 8], ..Default::default() };
    Metric {
        name: "g".into(),
        data: Some(Data::Gauge(Gauge {
            data_points: vec![
                NumberDataPoint { exemplars: vec![ex(1), ex(2)], ..Default::default() },
                NumberDataPoint::default(),
            ],
        })),
        ..Default::default()
    }
}

fn exemplar_int(v: i64) -> opentelemetry_proto::tonic::metrics::v1::exemplar::Value {
    opentelemetry_proto::tonic::metrics::v1::exemplar::Value::AsInt(v)
}

#[test]
fn data_points_and_exemplars_are_pdata_slices() {
    let (mut res, mut scope, mut m) = (None, None, gauge_with_exemplars());
    let mut ctx = Ctx::metric(&mut res, &mut scope, &mut m, None);
    let cx = ContextKind::Metric;
    assert!(holds("Len(data_points) == 2", cx, &ctx));
    run("set(data_points, data_points)", cx, &mut ctx).unwrap();
    assert_eq!(
        run("set(data_points, [1, 2])", cx, &mut ctx).unwrap_err(),
        "expects pmetric.NumberDataPointSlice but got pcommon.Slice"
    );
    let mut ctx = Ctx::metric(&mut res, &mut scope, &mut m, Some(0));
    let dp = ContextKind::DataPoint;
    assert!(holds("Len(exemplars) == 2 and not IsEmpty(exemplars)", dp, &ctx));
    assert_eq!(
        run(r#"set(exemplars, attributes)"#, dp, &mut ctx).unwrap_err(),
        "expects pmetric.ExemplarSlice but got pcommon.Map"
    );
    run("set(exemplars, exemplars)", dp, &mut ctx).unwrap();
    let Some(Data::Gauge(g)) = &m.data else { panic!("gauge") };
    assert_eq!(g.data_points[0].exemplars.len(), 2);
    // The second point has no exemplars: its slice is empty, not nil.
    let ctx = Ctx::metric(&mut res, &mut scope, &mut m, Some(1));
    // As otelcol: a pdata slice is a struct that reflect never finds zero.
    assert!(holds("Len(exemplars) == 0 and not IsEmpty(exemplars) and exemplars != nil", dp, &ctx));
}

#[test]
fn summary_quantiles_and_missing_fields() {
    let q = |quantile: f64, value: f64| ValueAtQuantile { quantile, value };
    let mut m = Metric {
        data: Some(Data::Summary(Summary {
            data_points: vec![SummaryDataPoint {
                quantile_values: vec![q(0.5, 1.0), q(0.9, 2.0)],
                ..Default::default()
            }],
        })),
        ..Default::default()
    };
    let (mut res, mut scope) = (None, None);
    let mut ctx = Ctx::metric(&mut res, &mut scope, &mut m, Some(0));
    let dp = ContextKind::DataPoint;
    assert!(holds("Len(quantile_values) == 2 and exemplars == nil", dp, &ctx));
    run("set(quantile_values, quantile_values)", dp, &mut ctx).unwrap();
    assert_eq!(
        run("set(quantile_values, [0.5])", dp, &mut ctx).unwrap_err(),
        "expects pmetric.SummaryDataPointValueAtQuantileSlice but got pcommon.Slice"
    );
    // A summary point has no exemplars; setting them changes nothing, as in otelcol.
    let exemplars = Path { field: Field::Point(PointField::Exemplars), keys: Vec::new(), text: "exemplars".into() };
    let ex = Records::Exemplars(Cow::Owned(vec![Exemplar::default()]));
    crate::paths::set(&exemplars, &[], &mut ctx, Value::Records(ex)).unwrap();
    assert!(holds("exemplars == nil", dp, &ctx));
    // otelcol's data point context has no min or max.
    let e = Statement::parse("set(min, 1.0)", dp, &Functions::standard()).unwrap_err().to_string();
    assert!(e.contains(r#""min" is not a field of the datapoint context"#), "{e}");
}
