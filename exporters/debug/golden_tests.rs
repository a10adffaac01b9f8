//! Golden tests for logs: the same inputs as otelcol's own tests, compared byte
//! for byte with otelcol's expected output, copied into `testdata/` from
//! open-telemetry/opentelemetry-collector, `exporter/debugexporter` (traces and
//! metrics: `golden_traces.rs`, `golden_metrics.rs`):
//!
//! - `testdata/logs/*.out`: `internal/otlptext/testdata/logs/*.out`, the detailed
//!   marshaler's goldens (`logs_test.go`). Read at these commits: `one_record.out`
//!   @21b54c94, `two_records.out` @3a545667, `log_with_event_name.out` @61e59cdd,
//!   `logs_with_entity_refs.out` @b89c473f, `embedded_maps.out` @5e55e8ff (whose
//!   `logs_test.go` gives the record the event name `my.event`). `empty.out` is
//!   the empty file that `plog.NewLogs()` must produce.
//! - `testdata/normal/logs/*.out`: the expected strings of `internal/normal/logs_test.go`
//!   @88e8256a (inline raw strings upstream), saved one file per test case;
//!   `two_scopes_under_one_resource.out` @ef63b8e2, the fix that numbers a
//!   resource's second scope `#1` (older otelcol printed the resource's index).

use super::detailed::write_detailed;
use super::normal::write_normal;
use crate::event::any_value::Value;
use crate::event::{
    kv, str_value, AnyValue, InstrumentationScope, KeyValue, KeyValueList, LogRecord, Resource, ResourceLogs, ScopeLogs,
};
use opentelemetry_proto::tonic::common::v1::EntityRef;

/// `testdata.logTimestamp`: 2020-02-11 20:26:13.000000789 UTC.
pub(super) const LOG_TIMESTAMP: u64 = 1_581_452_773_000_000_789;
/// 2024-01-23 17:54:41.000000153 UTC, the normal tests' timestamp (not printed).
const NORMAL_TIMESTAMP: u64 = 1_706_032_481_000_000_153;
const SEVERITY_INFO: i32 = 9;
const TRACE_ID: [u8; 16] = [0x08, 0x04, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const SPAN_ID: [u8; 8] = [0x01, 0x02, 0x04, 0x08, 0, 0, 0, 0];

/// What a marshaler writes for `data`.
pub(super) fn text<R>(marshal: fn(&mut String, &[R]), data: &[R]) -> String {
    let mut out = String::new();
    marshal(&mut out, data);
    out
}

fn detailed(logs: &[ResourceLogs]) -> String {
    text(write_detailed, logs)
}

fn normal(logs: &[ResourceLogs]) -> String {
    text(write_normal, logs)
}

pub(super) fn int(i: i64) -> AnyValue {
    AnyValue { value: Some(Value::IntValue(i)) }
}

pub(super) fn boolean(b: bool) -> AnyValue {
    AnyValue { value: Some(Value::BoolValue(b)) }
}

pub(super) fn double(f: f64) -> AnyValue {
    AnyValue { value: Some(Value::DoubleValue(f)) }
}

fn map(entries: Vec<KeyValue>) -> AnyValue {
    AnyValue { value: Some(Value::KvlistValue(KeyValueList { values: entries })) }
}

/// One resource with one scope holding `records`.
fn single(resource: Resource, scope: InstrumentationScope, records: Vec<LogRecord>) -> Vec<ResourceLogs> {
    vec![ResourceLogs {
        resource: Some(resource),
        scope_logs: vec![ScopeLogs { scope: Some(scope), log_records: records, schema_url: String::new() }],
        schema_url: String::new(),
    }]
}

/// `testdata.GenerateLogs(count)`: alternately `fillLogOne` and `fillLogTwo`.
fn generate_logs(count: usize) -> Vec<ResourceLogs> {
    let resource =
        Resource { attributes: vec![kv("resource-attr", str_value("resource-attr-val-1"))], ..Default::default() };
    let records = (0..count).map(|i| if i % 2 == 0 { fill_log_one() } else { fill_log_two() }).collect();
    single(resource, InstrumentationScope::default(), records)
}

fn fill_log_one() -> LogRecord {
    LogRecord {
        time_unix_nano: LOG_TIMESTAMP,
        dropped_attributes_count: 1,
        severity_number: SEVERITY_INFO,
        severity_text: "Info".into(),
        span_id: SPAN_ID.to_vec(),
        trace_id: TRACE_ID.to_vec(),
        attributes: vec![kv("app", str_value("server")), kv("instance_num", int(1))],
        body: Some(str_value("This is a log message")),
        ..Default::default()
    }
}

fn fill_log_two() -> LogRecord {
    LogRecord {
        time_unix_nano: LOG_TIMESTAMP,
        dropped_attributes_count: 1,
        severity_number: SEVERITY_INFO,
        severity_text: "Info".into(),
        attributes: vec![kv("customer", str_value("acme")), kv("env", str_value("dev"))],
        body: Some(str_value("something happened")),
        ..Default::default()
    }
}

#[test]
fn detailed_empty() {
    assert_eq!(detailed(&[]), include_str!("testdata/logs/empty.out"));
}

#[test]
fn detailed_one_record() {
    assert_eq!(detailed(&generate_logs(1)), include_str!("testdata/logs/one_record.out"));
}

#[test]
fn detailed_two_records() {
    assert_eq!(detailed(&generate_logs(2)), include_str!("testdata/logs/two_records.out"));
}

#[test]
fn detailed_log_with_event_name() {
    let record = LogRecord {
        time_unix_nano: LOG_TIMESTAMP,
        severity_number: SEVERITY_INFO,
        severity_text: "Info".into(),
        event_name: "event_name".into(),
        body: Some(str_value("This is a log message")),
        attributes: vec![kv("app", str_value("server")), kv("instance_num", int(1))],
        span_id: SPAN_ID.to_vec(),
        trace_id: TRACE_ID.to_vec(),
        ..Default::default()
    };
    let logs = single(Resource::default(), InstrumentationScope::default(), vec![record]);
    assert_eq!(detailed(&logs), include_str!("testdata/logs/log_with_event_name.out"));
}

/// The resource and scope of the normal marshalers' "with resource and scope
/// attributes" cases (their schema URLs are set on the containers).
pub(super) fn attributed_resource_and_scope() -> (Resource, InstrumentationScope) {
    let resource = Resource {
        attributes: vec![kv("resourceKey1", str_value("resourceValue1")), kv("resourceKey2", boolean(false))],
        ..Default::default()
    };
    let scope = InstrumentationScope {
        name: "scope-name".into(),
        version: "1.2.3".into(),
        attributes: vec![kv("scopeKey1", str_value("scopeValue1")), kv("scopeKey2", boolean(true))],
        ..Default::default()
    };
    (resource, scope)
}

/// Upstream's `setupResourceWithEntityRefs`: three attributes and two entity refs.
pub(super) fn resource_with_entity_refs() -> Resource {
    Resource {
        attributes: vec![
            kv("service.name", str_value("my-service")),
            kv("service.version", str_value("1.0.0")),
            kv("host.name", str_value("server-01")),
        ],
        entity_refs: vec![
            EntityRef {
                r#type: "service".into(),
                schema_url: "https://opentelemetry.io/schemas/1.21.0".into(),
                id_keys: vec!["service.name".into()],
                description_keys: vec!["service.version".into()],
            },
            EntityRef { r#type: "host".into(), id_keys: vec!["host.name".into()], ..Default::default() },
        ],
        ..Default::default()
    }
}

#[test]
fn detailed_logs_with_entity_refs() {
    let resource = resource_with_entity_refs();
    let scope = InstrumentationScope { name: "test-scope".into(), ..Default::default() };
    let record = LogRecord {
        time_unix_nano: LOG_TIMESTAMP,
        severity_number: SEVERITY_INFO,
        severity_text: "Info".into(),
        body: Some(str_value("This is a test log message")),
        attributes: vec![kv("test.attribute", str_value("test-value"))],
        ..Default::default()
    };
    let logs = single(resource, scope, vec![record]);
    assert_eq!(detailed(&logs), include_str!("testdata/logs/logs_with_entity_refs.out"));
}

#[test]
fn detailed_embedded_maps() {
    let body = map(vec![
        kv("key1", str_value("val1")),
        kv("key2", map(vec![kv("key21", str_value("val21")), kv("key22", str_value("val22"))])),
    ]);
    let key1 = map(vec![
        kv("key11", str_value("val11")),
        kv("key12", str_value("val12")),
        kv("key13", map(vec![kv("key131", str_value("val131"))])),
    ]);
    let record = LogRecord {
        time_unix_nano: LOG_TIMESTAMP,
        severity_number: SEVERITY_INFO,
        severity_text: "INFO".into(),
        event_name: "my.event".into(),
        body: Some(body),
        attributes: vec![kv("key1", key1), kv("key2", str_value("val2"))],
        ..Default::default()
    };
    let logs = single(Resource::default(), InstrumentationScope::default(), vec![record]);
    assert_eq!(detailed(&logs), include_str!("testdata/logs/embedded_maps.out"));
}

/// The record most normal tests share: `Single line log message key1=value1 key2=value2`.
fn normal_record(body: &str) -> LogRecord {
    LogRecord {
        time_unix_nano: NORMAL_TIMESTAMP,
        severity_number: SEVERITY_INFO,
        severity_text: "INFO".into(),
        body: Some(str_value(body)),
        attributes: vec![kv("key1", str_value("value1")), kv("key2", str_value("value2"))],
        ..Default::default()
    }
}

#[test]
fn normal_empty_logs() {
    assert_eq!(normal(&[]), include_str!("testdata/normal/logs/empty_logs.out"));
}

#[test]
fn normal_one_log_record() {
    let logs =
        single(Resource::default(), InstrumentationScope::default(), vec![normal_record("Single line log message")]);
    assert_eq!(normal(&logs), include_str!("testdata/normal/logs/one_log_record.out"));
}

#[test]
fn normal_one_log_record_with_resource_and_scope_attributes() {
    let (resource, scope) = attributed_resource_and_scope();
    let mut logs = single(resource, scope, vec![normal_record("Single line log message")]);
    logs[0].schema_url = "https://opentelemetry.io/resource-schema-url".into();
    logs[0].scope_logs[0].schema_url = "http://opentelemetry.io/scope-schema-url".into();
    assert_eq!(
        normal(&logs),
        include_str!("testdata/normal/logs/one_log_record_with_resource_and_scope_attributes.out")
    );
}

#[test]
fn normal_multiline_log() {
    let record = normal_record("First line of the log message\n  second line of the log message");
    let logs = single(Resource::default(), InstrumentationScope::default(), vec![record]);
    assert_eq!(normal(&logs), include_str!("testdata/normal/logs/multiline_log.out"));
}

#[test]
fn normal_two_log_records() {
    let second = LogRecord {
        body: Some(str_value("Multi-line\nlog message")),
        attributes: vec![kv("mykey2", str_value("myvalue2")), kv("mykey1", str_value("myvalue1"))],
        ..Default::default()
    };
    let records = vec![normal_record("Single line log message"), second];
    let logs = single(Resource::default(), InstrumentationScope::default(), records);
    assert_eq!(normal(&logs), include_str!("testdata/normal/logs/two_log_records.out"));
}

#[test]
fn normal_log_with_maps_in_body_and_attributes() {
    let body = map(vec![
        kv("app", str_value("CurrencyConverter")),
        kv("event", map(vec![kv("operation", str_value("convert")), kv("result", str_value("success"))])),
    ]);
    let conversion = map(vec![
        kv("source", map(vec![kv("currency", str_value("USD")), kv("amount", double(34.22))])),
        kv("destination", map(vec![kv("currency", str_value("EUR"))])),
    ]);
    let record = LogRecord {
        time_unix_nano: NORMAL_TIMESTAMP,
        severity_number: SEVERITY_INFO,
        severity_text: "INFO".into(),
        body: Some(body),
        attributes: vec![kv("conversion", conversion), kv("service", str_value("payments"))],
        ..Default::default()
    };
    let logs = single(Resource::default(), InstrumentationScope::default(), vec![record]);
    assert_eq!(normal(&logs), include_str!("testdata/normal/logs/log_with_maps_in_body_and_attributes.out"));
}

/// `GenerateLogs(1)` at normal verbosity: derived from the rules, not an upstream golden.
#[test]
fn normal_generate_logs() {
    assert_eq!(
        normal(&generate_logs(1)),
        "ResourceLog #0 resource-attr=resource-attr-val-1\nScopeLog #0\nThis is a log message app=server instance_num=1\n"
    );
}

#[test]
fn normal_two_scopes_under_one_resource() {
    let scope_logs = |name: &str, body: &str| ScopeLogs {
        scope: Some(InstrumentationScope { name: name.into(), ..Default::default() }),
        log_records: vec![LogRecord {
            body: Some(str_value(body)),
            attributes: vec![kv("key", str_value("value"))],
            ..Default::default()
        }],
        schema_url: String::new(),
    };
    let logs = vec![ResourceLogs {
        resource: Some(Resource::default()),
        scope_logs: vec![scope_logs("scope-zero", "first message"), scope_logs("scope-one", "second message")],
        schema_url: String::new(),
    }];
    assert_eq!(normal(&logs), include_str!("testdata/normal/logs/two_scopes_under_one_resource.out"));
}
