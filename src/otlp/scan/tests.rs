use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, ArrayValue, InstrumentationScope, KeyValueList};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{span, ResourceSpans, ScopeSpans, Span, Status};
use prost::Message as _;

use super::*;
use crate::event::{kv, str_value};
use crate::signal::Encoded;

fn nested() -> AnyValue {
    let inner = AnyValue { value: Some(any_value::Value::BytesValue(vec![0, 255, 7])) };
    let list = KeyValueList {
        values: vec![kv("k", inner), kv("d", AnyValue { value: Some(any_value::Value::DoubleValue(1.5)) })],
    };
    AnyValue {
        value: Some(any_value::Value::ArrayValue(ArrayValue {
            values: vec![
                AnyValue { value: Some(any_value::Value::KvlistValue(list)) },
                AnyValue { value: Some(any_value::Value::IntValue(-3)) },
                AnyValue { value: Some(any_value::Value::BoolValue(true)) },
            ],
        })),
    }
}

fn span(i: u8) -> Span {
    Span {
        trace_id: vec![i; 16],
        span_id: vec![i; 8],
        parent_span_id: vec![1; 8],
        trace_state: "congo=t61rcWkgMzE".into(),
        flags: 0x101,
        name: format!("GET /users/{i}"),
        kind: span::SpanKind::Server as i32,
        start_time_unix_nano: 1_700_000_000_000_000_000,
        end_time_unix_nano: 1_700_000_000_100_000_000,
        attributes: vec![kv("http.route", str_value("/users/{id}")), kv("nested", nested())],
        dropped_attributes_count: 2,
        events: vec![span::Event {
            time_unix_nano: 5,
            name: "exception".into(),
            attributes: vec![kv("n", nested())],
            dropped_attributes_count: 1,
        }],
        links: vec![span::Link {
            trace_id: vec![9; 16],
            span_id: vec![8; 8],
            trace_state: "a=b".into(),
            attributes: vec![kv("l", str_value("v"))],
            dropped_attributes_count: 0,
            flags: 1,
        }],
        status: Some(Status { message: "boom".into(), code: 2 }),
        ..Default::default()
    }
}

fn request() -> ExportTraceServiceRequest {
    let scope = |n: &str, spans: Vec<Span>| ScopeSpans {
        scope: Some(InstrumentationScope {
            name: n.into(),
            version: "1.0".into(),
            attributes: vec![kv("s", str_value("x"))],
            dropped_attributes_count: 0,
        }),
        spans,
        schema_url: "https://opentelemetry.io/schemas/1.26.0".into(),
    };
    let resource =
        |host: &str| Some(Resource { attributes: vec![kv("host.name", str_value(host))], ..Default::default() });
    ExportTraceServiceRequest {
        resource_spans: vec![
            ResourceSpans {
                resource: resource("a"),
                scope_spans: vec![scope("one", vec![span(1), span(2)]), scope("two", vec![span(3)])],
                schema_url: String::new(),
            },
            ResourceSpans {
                resource: resource("b"),
                scope_spans: vec![scope("three", vec![span(4)])],
                schema_url: "s".into(),
            },
        ],
    }
}

#[test]
fn counts_spans_and_decodes_to_what_was_encoded() {
    let req = request();
    let body = req.encode_to_vec();
    assert_eq!(scan(&body, &TRACE_REQUEST), Ok(4));
    let mut out: Vec<ResourceSpans> = Vec::new();
    Encoded::new(body.into(), 4).decode_into(&mut out);
    assert_eq!(out, req.resource_spans);
}

#[test]
fn concatenated_bodies_are_one_request() {
    let (a, b) = (request(), request());
    let mut body = a.encode_to_vec();
    body.extend(b.encode_to_vec());
    assert_eq!(scan(&body, &TRACE_REQUEST), Ok(8));
    assert_eq!(ExportTraceServiceRequest::decode(&body[..]).unwrap().resource_spans.len(), 4);
}

/// Every truncation and every single-byte change of a valid request: the scan
/// accepts exactly what prost's decoder accepts, and counts what it decodes.
fn agrees_with_prost<M: prost::Message + Default>(body: &[u8], schema: &Schema, count: fn(&M) -> usize) {
    let mut variants: Vec<Vec<u8>> = (0..body.len()).map(|n| body[..n].to_vec()).collect();
    for i in 0..body.len() {
        for b in [0x00, 0x02, 0x08, 0x0a, 0x7f, 0x80, 0xc3, 0xff] {
            let mut v = body.to_vec();
            v[i] = b;
            variants.push(v);
        }
    }
    let mut refused = 0;
    for v in &variants {
        let ours = scan(v, schema);
        match M::decode(&v[..]) {
            Ok(req) => assert_eq!(ours, Ok(count(&req)), "prost decodes {v:02x?}"),
            Err(e) => {
                refused += 1;
                // Groups (wire types 3 and 4) prost may skip where we refuse; anything else must agree.
                assert!(ours.is_err(), "prost refuses ({e}) but the scan accepts {v:02x?}");
            }
        }
    }
    assert!(refused > 100, "the variants exercise refusals ({refused})");
}

#[test]
fn accepts_exactly_what_prost_decodes() {
    agrees_with_prost(&request().encode_to_vec(), &TRACE_REQUEST, |req: &ExportTraceServiceRequest| {
        req.resource_spans.iter().flat_map(|r| &r.scope_spans).map(|s| s.spans.len()).sum()
    });
}

#[test]
fn logs_accepted_exactly_as_prost_decodes_them() {
    use crate::event::{LogRecord, ResourceLogs, ScopeLogs};
    use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
    let record = |i: u8| LogRecord {
        time_unix_nano: 1_700_000_000_000_000_000,
        observed_time_unix_nano: 1_700_000_000_000_000_001,
        severity_number: 9,
        severity_text: "INFO".into(),
        body: Some(nested()),
        attributes: vec![kv("user", str_value("alice")), kv("n", nested())],
        dropped_attributes_count: 1,
        flags: 1,
        trace_id: vec![i; 16],
        span_id: vec![i; 8],
        event_name: "ssh.login".into(),
    };
    let req = ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource { attributes: vec![kv("host.name", str_value("h"))], ..Default::default() }),
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope { name: "s".into(), ..Default::default() }),
                log_records: vec![record(1), record(2)],
                schema_url: "u".into(),
            }],
            schema_url: "v".into(),
        }],
    };
    let body = req.encode_to_vec();
    assert_eq!(scan(&body, &LOGS_REQUEST), Ok(2));
    agrees_with_prost(&body, &LOGS_REQUEST, |req: &ExportLogsServiceRequest| {
        req.resource_logs.iter().flat_map(|r| &r.scope_logs).map(|s| s.log_records.len()).sum()
    });
}

#[test]
fn refuses_invalid_utf8_deep_inside() {
    let mut req = request();
    req.resource_spans[1].scope_spans[0].spans[0].events[0].name = "ZZZZ".into();
    let mut body = req.encode_to_vec();
    let at = body.windows(4).position(|w| w == b"ZZZZ").unwrap();
    body[at + 1] = 0xff;
    let err = scan(&body, &TRACE_REQUEST).unwrap_err();
    assert!(err.contains("not UTF-8"), "{err}");
    assert!(ExportTraceServiceRequest::decode(&body[..]).is_err());
}

#[test]
fn refuses_nesting_beyond_prosts_limit() {
    let mut value = AnyValue { value: Some(any_value::Value::IntValue(1)) };
    for _ in 0..120 {
        value = AnyValue { value: Some(any_value::Value::ArrayValue(ArrayValue { values: vec![value] })) };
    }
    let mut req = request();
    req.resource_spans[0].scope_spans[0].spans[0].attributes.push(kv("deep", value));
    let body = req.encode_to_vec();
    assert!(ExportTraceServiceRequest::decode(&body[..]).is_err());
    assert_eq!(scan(&body, &TRACE_REQUEST), Err("failed to decode Protobuf message: recursion limit reached".into()));
}
