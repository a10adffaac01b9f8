//! The `kafka` exporter and receiver against librdkafka's mock cluster (a
//! Kafka-protocol broker inside the test process, on loopback): in-process
//! round trips of the three signals in every encoding, broker failures, a
//! consumer group; the `ferrocol` binary as gateways (a group of two, one
//! killed with SIGKILL); and `kcat` as a peer we did not write.

mod gateway;
mod peer;
mod roundtrip;
mod volume;

use std::time::{Duration, Instant};

use ferrocol::ack::{Ack, AckWaiter, Acks, Outcome};
use ferrocol::component::{ExporterConfig, ExporterContext, ReceiverContext};
use ferrocol::config::yaml::parse;
use ferrocol::config::ComponentId;
use ferrocol::event::{kv, str_value, LogBatch, LogRecord, Resource, ResourceLogs, ScopeLogs};
use ferrocol::registry::Registry;
use ferrocol::signal::{
    metric, Batch, Metric, MetricBatch, ResourceMetrics, ResourceSpans, ScopeMetrics, ScopeSpans, Span, TraceBatch,
};
use ferrocol::topology::Fanout;
use opentelemetry_proto::tonic::metrics::v1::{number_data_point, Gauge, NumberDataPoint};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A signal the helpers can build components for and make samples of.
pub trait Sig: Batch {
    fn build(cfg: &dyn ExporterConfig, cx: ExporterContext<Self>) -> ferrocol::component::StageTask;
    fn wire(cx: &mut ReceiverContext, out: Fanout<Self>);
    /// `n` items whose ids are `first..first + n`, one resource.
    fn sample(first: usize, n: usize) -> Vec<Self::Resource>;
    /// The ids of the items of `data`, in order.
    fn ids(data: &[Self::Resource]) -> Vec<usize>;
}

fn resource() -> Option<Resource> {
    Some(Resource { attributes: vec![kv("service.name", str_value("sshd"))], ..Default::default() })
}

impl Sig for LogBatch {
    fn build(cfg: &dyn ExporterConfig, cx: ExporterContext<Self>) -> ferrocol::component::StageTask {
        cfg.build(cx).unwrap()
    }
    fn wire(cx: &mut ReceiverContext, out: Fanout<Self>) {
        cx.output = out;
    }
    fn sample(first: usize, n: usize) -> Vec<ResourceLogs> {
        let log_records = (first..first + n)
            .map(|i| LogRecord {
                body: Some(str_value(format!("rec-{i}"))),
                time_unix_nano: i as u64,
                ..Default::default()
            })
            .collect();
        vec![ResourceLogs {
            resource: resource(),
            scope_logs: vec![ScopeLogs { log_records, ..Default::default() }],
            ..Default::default()
        }]
    }
    fn ids(data: &[ResourceLogs]) -> Vec<usize> {
        let records = data.iter().flat_map(|r| &r.scope_logs).flat_map(|s| &s.log_records);
        records.map(|r| r.time_unix_nano as usize).collect()
    }
}

impl Sig for TraceBatch {
    fn build(cfg: &dyn ExporterConfig, cx: ExporterContext<Self>) -> ferrocol::component::StageTask {
        cfg.build_traces(cx).unwrap()
    }
    fn wire(cx: &mut ReceiverContext, out: Fanout<Self>) {
        cx.traces = out;
    }
    fn sample(first: usize, n: usize) -> Vec<ResourceSpans> {
        let spans = (first..first + n)
            .map(|i| Span {
                trace_id: (i as u128 % 3).to_be_bytes().to_vec(),
                span_id: (i as u64).to_be_bytes().to_vec(),
                name: "ssh.session".into(),
                start_time_unix_nano: i as u64,
                ..Default::default()
            })
            .collect();
        vec![ResourceSpans {
            resource: resource(),
            scope_spans: vec![ScopeSpans { spans, ..Default::default() }],
            ..Default::default()
        }]
    }
    fn ids(data: &[ResourceSpans]) -> Vec<usize> {
        data.iter()
            .flat_map(|r| &r.scope_spans)
            .flat_map(|s| &s.spans)
            .map(|s| s.start_time_unix_nano as usize)
            .collect()
    }
}

impl Sig for MetricBatch {
    fn build(cfg: &dyn ExporterConfig, cx: ExporterContext<Self>) -> ferrocol::component::StageTask {
        cfg.build_metrics(cx).unwrap()
    }
    fn wire(cx: &mut ReceiverContext, out: Fanout<Self>) {
        cx.metrics = out;
    }
    fn sample(first: usize, n: usize) -> Vec<ResourceMetrics> {
        let data_points = (first..first + n)
            .map(|i| NumberDataPoint {
                time_unix_nano: i as u64,
                value: Some(number_data_point::Value::AsInt(i as i64)),
                ..Default::default()
            })
            .collect();
        let m = Metric {
            name: "ssh.logins".into(),
            data: Some(metric::Data::Gauge(Gauge { data_points })),
            ..Default::default()
        };
        vec![ResourceMetrics {
            resource: resource(),
            scope_metrics: vec![ScopeMetrics { metrics: vec![m], ..Default::default() }],
            ..Default::default()
        }]
    }
    fn ids(data: &[ResourceMetrics]) -> Vec<usize> {
        let metrics = data.iter().flat_map(|r| &r.scope_metrics).flat_map(|s| &s.metrics);
        metrics
            .flat_map(|m| match &m.data {
                Some(metric::Data::Gauge(g)) => g.data_points.iter().map(|p| p.time_unix_nano as usize).collect(),
                _ => Vec::new(),
            })
            .collect()
    }
}

/// A running `kafka` exporter of signal `B`, configured by `yaml`.
pub fn exporter<B: Sig>(yaml: &str) -> (mpsc::Sender<B>, JoinHandle<()>) {
    let registry = Registry::builtin();
    let factory = registry.exporters.iter().find(|f| f.type_name == "kafka").unwrap();
    let cfg = (factory.parse)(&parse("exporter.yaml", yaml).unwrap()).unwrap_or_else(|e| panic!("{}", e.message));
    assert_eq!(cfg.validate(), vec![]);
    let (tx, rx) = mpsc::channel(16);
    let task = B::build(cfg.as_ref(), ExporterContext::new(ComponentId::new("kafka", None), rx));
    (tx, tokio::spawn(async move { task.await.unwrap() }))
}

/// A running `kafka` receiver feeding a channel of signal `B`.
pub fn receiver<B: Sig>(yaml: &str) -> (mpsc::Receiver<B>, CancellationToken, JoinHandle<()>) {
    let registry = Registry::builtin();
    let factory = registry.receivers.iter().find(|f| f.type_name == "kafka").unwrap();
    let cfg = (factory.parse)(&parse("receiver.yaml", yaml).unwrap()).unwrap_or_else(|e| panic!("{}", e.message));
    assert_eq!(cfg.validate(), vec![]);
    let (tx, rx) = mpsc::channel(16);
    let token = CancellationToken::new();
    let mut cx = ReceiverContext::new(ComponentId::new("kafka", None), Fanout::default(), token.clone());
    B::wire(&mut cx, Fanout::new(vec![tx]));
    let task = cfg.build(cx).unwrap();
    (rx, token, tokio::spawn(async move { task.await.unwrap() }))
}

/// Send `data` through the exporter; the ack's waiter.
pub async fn send<B: Sig>(tx: &mpsc::Sender<B>, data: Vec<B::Resource>) -> AckWaiter {
    let (ack, waiter) = Ack::new();
    tx.send(B::from_parts(data, Acks::one(ack))).await.unwrap();
    waiter
}

pub async fn delivered(waiter: AckWaiter) {
    let outcome = tokio::time::timeout(Duration::from_secs(60), waiter.wait()).await.expect("delivery within 60 s");
    assert_eq!(outcome, Outcome::Delivered);
}

/// Receive until `want` ids were seen (each batch's ack delivered); the ids in
/// arrival order.
pub async fn collect<B: Sig>(rx: &mut mpsc::Receiver<B>, want: usize) -> Vec<usize> {
    let mut ids = Vec::new();
    let start = Instant::now();
    while ids.len() < want {
        let left = Duration::from_secs(60).saturating_sub(start.elapsed());
        let batch =
            tokio::time::timeout(left, rx.recv()).await.unwrap_or_else(|_| panic!("{} of {want} received", ids.len()));
        let (data, acks) = batch.expect("receiver open").into_parts();
        ids.extend(B::ids(&data));
        acks.deliver();
    }
    ids
}
