//! The exporter in-process: built from YAML through the registry, fed batches
//! whose acks the tests wait on, and sample records covering every field.

use std::time::Duration;

use ferrocol::ack::{Ack, AckWaiter, Acks, Outcome};
use ferrocol::component::{ExporterContext, StageError};
use ferrocol::config::ComponentId;
use ferrocol::event::*;
use ferrocol::registry::Registry;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub struct Exporter {
    tx: Option<mpsc::Sender<LogBatch>>,
    task: JoinHandle<Result<(), StageError>>,
}

/// Parse, validate and build an `otlp_http` exporter, and run it.
pub fn start(yaml: &str) -> Exporter {
    start_with_capacity(yaml, 16)
}

/// The same with an input channel of `capacity` batches.
pub fn start_with_capacity(yaml: &str, capacity: usize) -> Exporter {
    start_type("otlp_http", yaml, capacity)
}

/// An exporter of type `type_name` (`otlp_http`, `otlp`), input channel of `capacity` batches.
pub fn start_type(type_name: &str, yaml: &str, capacity: usize) -> Exporter {
    let node = ferrocol::config::yaml::parse("test.yaml", yaml).unwrap();
    let registry = Registry::builtin();
    let factory = registry.exporters.iter().find(|f| f.accepts(type_name)).expect("the exporter is registered");
    let config = (factory.parse)(&node).unwrap_or_else(|e| panic!("{}: {}", e.path, e.message));
    let errors = config.validate();
    assert!(errors.is_empty(), "{errors:?}");
    let (tx, input) = mpsc::channel(capacity);
    let id = ComponentId::new(type_name, None);
    let task = config.build(ExporterContext::new(id, input)).unwrap();
    Exporter { tx: Some(tx), task: tokio::spawn(task) }
}

/// Build errors (after parse and validate).
pub fn build_error(yaml: &str) -> String {
    let node = ferrocol::config::yaml::parse("test.yaml", yaml).unwrap();
    let config =
        (ferrocol::registry::Registry::builtin().exporters.iter().find(|f| f.accepts("otlphttp")).unwrap().parse)(
            &node,
        )
        .unwrap();
    let (_tx, input) = mpsc::channel(1);
    let id = ComponentId::new("otlphttp", None);
    match config.build(ExporterContext::new(id, input)) {
        Ok(_) => panic!("build succeeded"),
        Err(e) => e.message,
    }
}

impl Exporter {
    /// Send a batch; the waiter resolves once the exporter settled it.
    pub async fn send(&self, logs: Vec<ResourceLogs>) -> AckWaiter {
        let (ack, waiter) = Ack::new();
        self.tx.as_ref().unwrap().send(LogBatch::new(logs, Acks::one(ack))).await.expect("exporter running");
        waiter
    }

    /// Send without waiting for room: `false` when the input channel is full.
    pub fn try_send(&self, logs: Vec<ResourceLogs>) -> Option<AckWaiter> {
        let (ack, waiter) = Ack::new();
        self.tx.as_ref().unwrap().try_send(LogBatch::new(logs, Acks::one(ack))).ok().map(|_| waiter)
    }

    /// End the input and wait for the exporter to return.
    pub async fn finish(mut self, timeout: Duration) {
        self.tx.take();
        tokio::time::timeout(timeout, self.task).await.expect("exporter stops").unwrap().unwrap();
    }
}

/// Wait for an ack, at most `timeout`.
pub async fn outcome(waiter: AckWaiter, timeout: Duration) -> Outcome {
    tokio::time::timeout(timeout, waiter.wait()).await.expect("the batch was settled in time")
}

fn any(v: any_value::Value) -> AnyValue {
    AnyValue { value: Some(v) }
}

/// One resource, one scope, `n` simple records whose bodies are `"<prefix><i>"`.
pub fn simple(prefix: &str, n: usize) -> Vec<ResourceLogs> {
    let log_records = (0..n)
        .map(|i| LogRecord {
            time_unix_nano: 1_700_000_000_000_000_000 + i as u64,
            body: Some(str_value(format!("{prefix}{i}"))),
            ..Default::default()
        })
        .collect();
    vec![ResourceLogs {
        resource: Some(Resource { attributes: vec![kv("service.name", str_value("sshd"))], ..Default::default() }),
        scope_logs: vec![ScopeLogs { log_records, ..Default::default() }],
        ..Default::default()
    }]
}

/// Two resources, scopes with versions and attributes, records with every
/// field set and every AnyValue type, nested maps and arrays included.
pub fn rich() -> Vec<ResourceLogs> {
    use any_value::Value::*;
    let nested = any(KvlistValue(KeyValueList {
        values: vec![
            kv("user", str_value("alice")),
            kv(
                "ids",
                any(ArrayValue(ferrocol::event::ArrayValue {
                    values: vec![any(IntValue(1)), any(IntValue(-2)), str_value("three")],
                })),
            ),
            kv("deep", any(KvlistValue(KeyValueList { values: vec![kv("ok", any(BoolValue(true)))] }))),
            kv("empty_map", any(KvlistValue(KeyValueList::default()))),
            kv("empty_array", any(ArrayValue(ferrocol::event::ArrayValue::default()))),
        ],
    }));
    let full = LogRecord {
        time_unix_nano: 1_700_000_000_123_456_789,
        observed_time_unix_nano: 1_700_000_001_000_000_000,
        severity_number: 17,
        severity_text: "ERROR".into(),
        body: Some(nested),
        attributes: vec![
            kv("string", str_value("s \"quoted\" \u{e9}\u{1F600}\n")),
            kv("int", any(IntValue(i64::MAX))),
            kv("negative", any(IntValue(i64::MIN))),
            kv("double", any(DoubleValue(3.25))),
            kv("bool", any(BoolValue(false))),
            kv("bytes", any(BytesValue(vec![0, 1, 2, 254, 255]))),
            kv("unset", AnyValue { value: None }),
        ],
        dropped_attributes_count: 3,
        flags: 1,
        trace_id: (1..=16).collect(),
        span_id: (1..=8).collect(),
        event_name: "ssh.login".into(),
    };
    let minimal = LogRecord { body: Some(any(DoubleValue(-0.5))), ..Default::default() };
    let bytes_body =
        LogRecord { body: Some(any(BytesValue(b"\x00raw".to_vec()))), severity_number: 9, ..Default::default() };
    vec![
        ResourceLogs {
            resource: Some(Resource {
                attributes: vec![kv("service.name", str_value("sshd")), kv("host.name", str_value("bastion-1"))],
                dropped_attributes_count: 1,
                ..Default::default()
            }),
            scope_logs: vec![
                ScopeLogs {
                    scope: Some(InstrumentationScope {
                        name: "ferrocol/journald".into(),
                        version: "0.1.0".into(),
                        attributes: vec![kv("scope.attr", any(IntValue(7)))],
                        dropped_attributes_count: 2,
                    }),
                    log_records: vec![full, minimal],
                    schema_url: "https://opentelemetry.io/schemas/1.26.0".into(),
                },
                ScopeLogs { log_records: vec![bytes_body], ..Default::default() },
            ],
            schema_url: "https://opentelemetry.io/schemas/1.25.0".into(),
        },
        ResourceLogs {
            resource: Some(Resource::default()),
            scope_logs: vec![ScopeLogs {
                log_records: simple("second-", 2).remove(0).scope_logs.remove(0).log_records,
                ..Default::default()
            }],
            ..Default::default()
        },
    ]
}
