//! Golden tests for traces: otelcol's inputs and expected text, copied from
//! open-telemetry/opentelemetry-collector @934999fb, `exporter/debugexporter`:
//!
//! - `testdata/traces/*.out`: `internal/otlptext/testdata/traces/*.out`, the
//!   detailed marshaler's goldens (`traces_test.go`); the inputs are pdata's
//!   `testdata.GenerateTraces(2)` and the test's `generateTracesWithEntityRefs`.
//! - `testdata/normal/traces/*.out`: the expected strings of
//!   `internal/normal/traces_test.go` (inline upstream), one file per case.

use opentelemetry_proto::tonic::trace::v1::span::{Event, Link};
use opentelemetry_proto::tonic::trace::v1::{status::StatusCode, ResourceSpans, ScopeSpans, Span, Status};

use super::golden_tests::{attributed_resource_and_scope, resource_with_entity_refs, text};
use super::traces::{write_detailed, write_normal};
use crate::event::{kv, str_value, InstrumentationScope, Resource};

/// 2020-02-11 20:26:12.000000321 UTC, pdata's `spanStartTimestamp`.
const SPAN_START: u64 = 1_581_452_772_000_000_321;
/// 2020-02-11 20:26:13.000000123 UTC.
const SPAN_EVENT: u64 = 1_581_452_773_000_000_123;
/// 2020-02-11 20:26:13.000000789 UTC.
const SPAN_END: u64 = 1_581_452_773_000_000_789;
const TRACE_ID: [u8; 16] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
const SPAN_ID: [u8; 8] = [0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18];

fn detailed(traces: &[ResourceSpans]) -> String {
    text(write_detailed, traces)
}

fn normal(traces: &[ResourceSpans]) -> String {
    text(write_normal, traces)
}

fn single(resource: Resource, scope: InstrumentationScope, spans: Vec<Span>) -> Vec<ResourceSpans> {
    vec![ResourceSpans {
        resource: Some(resource),
        scope_spans: vec![ScopeSpans { scope: Some(scope), spans, schema_url: String::new() }],
        schema_url: String::new(),
    }]
}

/// `testdata.GenerateTraces(count)`: alternately `fillSpanOne` and `fillSpanTwo`.
fn generate_traces(count: usize) -> Vec<ResourceSpans> {
    let resource =
        Resource { attributes: vec![kv("resource-attr", str_value("resource-attr-val-1"))], ..Default::default() };
    let spans = (0..count).map(|i| if i % 2 == 0 { fill_span_one() } else { fill_span_two() }).collect();
    single(resource, InstrumentationScope::default(), spans)
}

fn fill_span_one() -> Span {
    let event = |name: &str, attributes| Event {
        time_unix_nano: SPAN_EVENT,
        name: name.into(),
        attributes,
        dropped_attributes_count: 2,
    };
    Span {
        name: "operationA".into(),
        start_time_unix_nano: SPAN_START,
        end_time_unix_nano: SPAN_END,
        dropped_attributes_count: 1,
        trace_state: "ot=th:0".into(),
        trace_id: TRACE_ID.to_vec(),
        span_id: SPAN_ID.to_vec(),
        events: vec![
            event("event-with-attr", vec![kv("span-event-attr", str_value("span-event-attr-val"))]),
            event("event", vec![]),
        ],
        dropped_events_count: 1,
        status: Some(Status { code: StatusCode::Error as i32, message: "status-cancelled".into() }),
        ..Default::default()
    }
}

fn fill_span_two() -> Span {
    let link = |attributes| Link { attributes, dropped_attributes_count: 4, ..Default::default() };
    Span {
        name: "operationB".into(),
        start_time_unix_nano: SPAN_START,
        end_time_unix_nano: SPAN_END,
        links: vec![link(vec![kv("span-link-attr", str_value("span-link-attr-val"))]), link(vec![])],
        dropped_links_count: 3,
        ..Default::default()
    }
}

#[test]
fn detailed_empty() {
    assert_eq!(detailed(&[]), include_str!("testdata/traces/empty.out"));
}

#[test]
fn detailed_two_spans() {
    assert_eq!(detailed(&generate_traces(2)), include_str!("testdata/traces/two_spans.out"));
}

#[test]
fn detailed_traces_with_entity_refs() {
    let scope = InstrumentationScope { name: "test-scope".into(), ..Default::default() };
    let span = Span {
        name: "test-span".into(),
        span_id: vec![1, 2, 3, 4, 5, 6, 7, 8],
        trace_id: TRACE_ID.to_vec(),
        ..Default::default()
    };
    let traces = single(resource_with_entity_refs(), scope, vec![span]);
    assert_eq!(detailed(&traces), include_str!("testdata/traces/traces_with_entity_refs.out"));
}

/// The span `normal_test.go` uses: a name, ids and two attributes.
fn normal_span() -> Span {
    Span {
        name: "span-name".into(),
        trace_id: TRACE_ID.to_vec(),
        span_id: SPAN_ID.to_vec(),
        attributes: vec![kv("key1", str_value("value1")), kv("key2", str_value("value2"))],
        ..Default::default()
    }
}

#[test]
fn normal_empty_traces() {
    assert_eq!(normal(&[]), include_str!("testdata/normal/traces/empty_traces.out"));
}

#[test]
fn normal_two_scopes_under_one_resource() {
    let scope = |name: &str| ScopeSpans {
        scope: Some(InstrumentationScope { name: name.into(), ..Default::default() }),
        ..Default::default()
    };
    let traces = vec![ResourceSpans {
        resource: Some(Resource::default()),
        scope_spans: vec![scope("scope-zero"), scope("scope-one")],
        schema_url: String::new(),
    }];
    assert_eq!(normal(&traces), include_str!("testdata/normal/traces/two_scopes_under_one_resource.out"));
}

#[test]
fn normal_one_span_with_resource_and_scope_attributes() {
    let (resource, scope) = attributed_resource_and_scope();
    let mut traces = single(resource, scope, vec![normal_span()]);
    traces[0].schema_url = "https://opentelemetry.io/resource-schema-url".into();
    traces[0].scope_spans[0].schema_url = "http://opentelemetry.io/scope-schema-url".into();
    assert_eq!(normal(&traces), include_str!("testdata/normal/traces/one_span_with_resource_and_scope_attributes.out"));
}

#[test]
fn normal_one_span() {
    let traces = single(Resource::default(), InstrumentationScope::default(), vec![normal_span()]);
    assert_eq!(normal(&traces), include_str!("testdata/normal/traces/one_span.out"));
}

/// Not an upstream case: a span with no attributes ends right after its span
/// id, and unset ids print as nothing (derived from the marshaler's rules).
#[test]
fn normal_span_without_attributes() {
    let span = Span { name: "s".into(), ..Default::default() };
    let traces = single(Resource::default(), InstrumentationScope::default(), vec![span]);
    assert_eq!(normal(&traces), "ResourceTraces #0\nScopeTraces #0\ns  \n");
}
