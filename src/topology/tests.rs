//! Runtime tests with test components: drain order, fan-in, failures, deadline.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use serde::Deserialize;

use super::*;
use crate::ack::{Ack, Acks};
use crate::component::*;
use crate::config::{self, de, Source};
use crate::event::LogBatch;
use crate::event::{str_value, LogRecord, ResourceLogs, ScopeLogs};
use crate::registry::Registry;

/// Per-test results, keyed by the test's tag.
fn results() -> &'static Mutex<HashMap<String, Vec<String>>> {
    static R: OnceLock<Mutex<HashMap<String, Vec<String>>>> = OnceLock::new();
    R.get_or_init(Default::default)
}

fn record(tag: &str, what: String) {
    results().lock().unwrap().entry(tag.to_string()).or_default().push(what);
}

fn taken(tag: &str) -> Vec<String> {
    results().lock().unwrap().remove(tag).unwrap_or_default()
}

#[derive(Deserialize, Default, Clone)]
#[serde(default, deny_unknown_fields)]
struct T {
    tag: String,
    /// receiver: batches to emit; exporter: "ok", "panic", "stuck", "reject".
    count: usize,
    mode: String,
}

fn batch(tag: &str, i: usize) -> (LogBatch, crate::ack::AckWaiter) {
    let (ack, waiter) = Ack::new();
    let rec = LogRecord { body: Some(str_value(format!("{tag}-{i}"))), ..Default::default() };
    let rl = ResourceLogs {
        scope_logs: vec![ScopeLogs { log_records: vec![rec], ..Default::default() }],
        ..Default::default()
    };
    (LogBatch::new(vec![rl], Acks::one(ack)), waiter)
}

impl ReceiverConfig for T {
    fn build(&self, cx: ReceiverContext) -> Result<StageTask, StageError> {
        let t = self.clone();
        Ok(Box::pin(async move {
            let mut waiters = Vec::new();
            for i in 0..t.count {
                let (b, w) = batch(&t.tag, i);
                cx.output.send(b).await.map_err(|_| StageError::new("closed"))?;
                waiters.push(w);
            }
            cx.shutdown.cancelled().await;
            drop(cx.output);
            // Outcomes are known once the pipeline has drained.
            tokio::spawn(async move {
                for w in waiters {
                    let o = w.wait().await;
                    record(&t.tag, format!("ack {o:?}"));
                }
            });
            Ok(())
        }))
    }
}

impl ExporterConfig for T {
    fn build(&self, mut cx: ExporterContext) -> Result<StageTask, StageError> {
        let t = self.clone();
        Ok(Box::pin(async move {
            while let Some(b) = cx.input.recv().await {
                match t.mode.as_str() {
                    "panic" => panic!("test exporter panics"),
                    "fail" => return Err(StageError::new("backend exploded")),
                    "stuck" => std::future::pending::<()>().await,
                    "reject" => b.acks.reject(),
                    _ => {
                        // Slow enough that batches queue up in front of us.
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        record(&t.tag, format!("{} records", b.record_count()));
                        b.acks.deliver();
                    }
                }
            }
            record(&t.tag, format!("{} drained", cx.id));
            Ok(())
        }))
    }
}

static RECV: ReceiverFactory = Factory {
    type_name: "r",
    aliases: &[],
    stability: Stability::Alpha,
    parse: |n| Ok(Box::new(de::from_node::<T>(n)?)),
};
static EXP: ExporterFactory = Factory {
    type_name: "e",
    aliases: &[],
    stability: Stability::Alpha,
    parse: |n| Ok(Box::new(de::from_node::<T>(n)?)),
};

fn built(yaml: &str) -> Built {
    let registry = Registry {
        receivers: vec![&RECV],
        processors: crate::processors::factories(),
        exporters: vec![&EXP],
        extensions: vec![],
    };
    let env = |_: &str| None;
    let cfg = config::load(&[Source::Yaml(yaml.to_string())], &env, &registry).unwrap();
    build(&cfg, crate::startup::Startup::new(crate::startup::Mode::Start)).unwrap()
}

async fn run_briefly(b: Built, timeout: Duration) -> RunResult {
    run(b, tokio::time::sleep(Duration::from_millis(100)), timeout).await.0
}

fn count(results: &[String], what: &str) -> usize {
    results.iter().filter(|r| r.as_str() == what).count()
}

#[tokio::test]
async fn shutdown_drains_every_stage_and_acks_are_delivered() {
    let b = built(
        "receivers: {r: {tag: drain, count: 20}}
processors: {batch: {send_batch_size: 7, timeout: 1h}}
exporters: {e: {tag: drain}, e/2: {tag: drain}}
service:
  channel_capacity: 1
  pipelines:
    logs: {receivers: [r], processors: [batch], exporters: [e]}
    logs/b: {receivers: [r], exporters: [e, e/2]}",
    );
    assert_eq!(run_briefly(b, Duration::from_secs(10)).await, RunResult::Clean);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let r = taken("drain");
    // e gets the batched copy (7+7+6, the last flushed at shutdown) and the direct one (20×1): fan-in.
    let records: usize = r.iter().filter_map(|s| s.strip_suffix(" records")).map(|n| n.parse::<usize>().unwrap()).sum();
    assert_eq!(records, 60, "{r:?}");
    assert_eq!(count(&r, "ack Delivered"), 20, "{r:?}");
    assert_eq!(count(&r, "e drained"), 1);
    assert_eq!(count(&r, "e/2 drained"), 1);
}

#[tokio::test]
async fn a_rejecting_exporter_settles_acks_as_rejected() {
    let b = built(
        "receivers: {r: {tag: rej, count: 3}}
exporters: {e: {tag: rej, mode: reject}}
service: {pipelines: {logs: {receivers: [r], exporters: [e]}}}",
    );
    assert_eq!(run_briefly(b, Duration::from_secs(10)).await, RunResult::Clean);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(count(&taken("rej"), "ack Rejected"), 3);
}

#[tokio::test]
async fn a_failing_stage_stops_everything_with_its_name() {
    let b = built(
        "receivers: {r: {tag: fail, count: 1}}
exporters: {e/bad: {tag: fail, mode: fail}}
service: {pipelines: {logs: {receivers: [r], exporters: [e/bad]}}}",
    );
    // No shutdown signal: the failure alone must end the run.
    let result = run(b, std::future::pending::<()>(), Duration::from_secs(5)).await.0;
    assert_eq!(result, RunResult::Failed("exporters::e/bad: backend exploded".into()));
}

#[tokio::test]
async fn a_panicking_stage_is_reported() {
    let b = built(
        "receivers: {r: {tag: panic, count: 1}}
exporters: {e: {tag: panic, mode: panic}}
service: {pipelines: {logs: {receivers: [r], exporters: [e]}}}",
    );
    let result = run(b, std::future::pending::<()>(), Duration::from_secs(5)).await.0;
    assert_eq!(result, RunResult::Failed("exporters::e: panicked".into()));
}

#[tokio::test]
async fn a_stuck_exporter_is_aborted_at_the_deadline_and_its_batches_abandoned() {
    let b = built(
        "receivers: {r: {tag: stuck, count: 2}}
exporters: {e: {tag: stuck, mode: stuck}}
service: {pipelines: {logs: {receivers: [r], exporters: [e]}}}",
    );
    let started = std::time::Instant::now();
    let result = run_briefly(b, Duration::from_millis(300)).await;
    assert_eq!(result, RunResult::DeadlineExceeded(vec!["exporters::e".into()]));
    assert!(started.elapsed() < Duration::from_secs(3));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(count(&taken("stuck"), "ack Abandoned"), 2, "never checkpointed");
}
