use std::sync::atomic::AtomicBool;

use tokio::sync::mpsc;

use super::*;
use crate::config::yaml::parse;
use crate::config::ComponentId;
use crate::event::{str_value, LogBatch, LogRecord, ResourceLogs, ScopeLogs};

fn cfg(yaml: &str) -> Result<MemoryLimiterConfig, String> {
    let node = parse("test.yaml", yaml).unwrap();
    crate::config::de::from_node(&node).map_err(|e| format!("{}: {}", e.path, e.message))
}

fn first_error(yaml: &str) -> String {
    cfg(yaml).unwrap().validate().into_iter().map(|e| e.message).next().unwrap_or_default()
}

#[test]
fn upstream_testdata_parses_and_validates() {
    let c = cfg(include_str!("testdata/config.yaml")).unwrap();
    assert_eq!(c.check_interval.0, Duration::from_secs(5));
    assert_eq!((c.limit_mib, c.spike_limit_mib, c.disable_gc), (4000, 500, true));
    assert_eq!(c.validate(), vec![]);
    let err = cfg(include_str!("testdata/negative_unsigned_limits_config.yaml")).unwrap_err();
    assert!(err.starts_with("limit_mib"), "{err}");
}

/// otelcol's TestConfigValidate cases, with its messages.
#[test]
fn validation_matches_otelcol() {
    assert_eq!(first_error("check_interval: 100ms\nlimit_mib: 5722\nspike_limit_mib: 1907\n"), "");
    assert_eq!(first_error("{}"), "'check_interval' must be greater than zero");
    assert_eq!(first_error("check_interval: 1s\n"), "'limit_mib' or 'limit_percentage' must be greater than zero");
    assert_eq!(
        first_error("check_interval: 1s\nlimit_mib: 10\nspike_limit_mib: 10\n"),
        "'spike_limit_mib' must be smaller than 'limit_mib'"
    );
    assert_eq!(
        first_error("check_interval: 1s\nlimit_percentage: 101\n"),
        "'limit_percentage' and 'spike_limit_percentage' must be greater than zero and less than or equal to hundred"
    );
    assert_eq!(
        first_error("check_interval: 1s\nlimit_percentage: 50\nspike_limit_percentage: 60\n"),
        "'spike_limit_percentage' must be smaller than 'limit_percentage'"
    );
    assert_eq!(
        first_error(
            "check_interval: 100ms\nmin_gc_interval_when_soft_limited: 50ms\n\
             min_gc_interval_when_hard_limited: 100ms\nlimit_mib: 5722\nspike_limit_mib: 1907\n"
        ),
        "'min_gc_interval_when_soft_limited' should be larger than 'min_gc_interval_when_hard_limited'"
    );
    assert!(cfg("check_interval: 1s\nlimit_mib: 10\nbogus: 1\n").is_err());
}

#[test]
fn limits_default_spike_and_percentages() {
    const MIB: u64 = 1 << 20;
    let never = || -> Result<u64, String> { panic!("total asked for a fixed limit") };
    let l = cfg("check_interval: 1s\nlimit_mib: 100\n").unwrap().limits(never).unwrap();
    assert_eq!(l, Limits { hard: 100 * MIB, soft: 80 * MIB });
    let l = cfg("check_interval: 1s\nlimit_mib: 100\nspike_limit_mib: 30\n").unwrap().limits(never).unwrap();
    assert_eq!(l, Limits { hard: 100 * MIB, soft: 70 * MIB });
    let c = cfg("check_interval: 1s\nlimit_percentage: 50\nspike_limit_percentage: 10\n").unwrap();
    assert_eq!(c.limits(|| Ok(1000 * MIB)).unwrap(), Limits { hard: 500 * MIB, soft: 400 * MIB });
    let err = c.limits(|| Err("no /proc".into())).unwrap_err();
    assert_eq!(err, "failed to get total memory, use fixed memory settings (limit_mib): no /proc");
}

#[test]
fn cgroup_limits_v2_and_v1() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("app.slice")).unwrap();
    std::fs::write(root.join("app.slice/memory.max"), "268435456\n").unwrap();
    assert_eq!(memory::cgroup_limit(root, "0::/app.slice\n"), Some(268435456));
    std::fs::write(root.join("app.slice/memory.max"), "max\n").unwrap();
    assert_eq!(memory::cgroup_limit(root, "0::/app.slice\n"), None);
    // Inside a container: the own cgroup's path is not visible, the root file is.
    std::fs::write(root.join("memory.max"), "1048576\n").unwrap();
    assert_eq!(memory::cgroup_limit(root, "0::/kubepods/pod1\n"), Some(1048576));
    std::fs::create_dir_all(root.join("memory/docker/abc")).unwrap();
    std::fs::write(root.join("memory/docker/abc/memory.limit_in_bytes"), "536870912\n").unwrap();
    let v1 = "12:cpu,cpuacct:/docker/abc\n11:memory:/docker/abc\n";
    assert_eq!(memory::cgroup_limit(root, v1), Some(536870912));
    assert!(memory::total_bytes().unwrap() > 0);
}

fn batch(n: usize) -> (LogBatch, AckWaiter) {
    let log_records = (0..n).map(|i| LogRecord { body: Some(str_value(format!("r{i}"))), ..Default::default() });
    let rl = ResourceLogs {
        scope_logs: vec![ScopeLogs { log_records: log_records.collect(), ..Default::default() }],
        ..Default::default()
    };
    let (ack, waiter) = Ack::new();
    (LogBatch::new(vec![rl], Acks::one(ack)), waiter)
}

/// A limiter whose "memory usage" is above the soft limit while `high` is set.
fn start(high: Arc<AtomicBool>) -> (mpsc::Sender<LogBatch>, mpsc::Receiver<LogBatch>, Arc<AtomicU64>) {
    let (in_tx, in_rx) = mpsc::channel(1);
    let (out_tx, out_rx) = mpsc::channel(8);
    let refused = Arc::new(AtomicU64::new(0));
    let limiter = Limiter {
        limits: Limits { hard: 100, soft: 80 },
        check_interval: Duration::from_millis(5),
        gc: None,
        last_gc: None,
        measure: Box::new(move || if high.load(Ordering::SeqCst) { 90 } else { 10 }),
        in_flight: VecDeque::new(),
        last_used: 0,
        limited: false,
        refused: refused.clone(),
        out: Fanout::new(vec![out_tx]),
    };
    tokio::spawn(limiter.run(in_rx.into()));
    (in_tx, out_rx, refused)
}

async fn nothing_for_a_while(rx: &mut mpsc::Receiver<LogBatch>) {
    assert!(tokio::time::timeout(Duration::from_millis(100), rx.recv()).await.is_err(), "a batch was let through");
}

#[tokio::test]
async fn holds_data_above_the_soft_limit_until_downstream_delivers() {
    let high = Arc::new(AtomicBool::new(false));
    let (tx, mut rx, refused) = start(high.clone());
    let (b1, w1) = batch(2);
    tx.send(b1).await.unwrap();
    let first = rx.recv().await.unwrap();

    // Usage is high while the first batch is still in flight: the second is held.
    high.store(true, Ordering::SeqCst);
    let (b2, w2) = batch(3);
    tx.send(b2).await.unwrap();
    nothing_for_a_while(&mut rx).await;
    assert_eq!(refused.load(Ordering::Relaxed), 3);
    // ... and its input channel (capacity 1) fills: senders wait.
    let (b3, w3) = batch(1);
    tx.send(b3).await.unwrap();
    let (b4, _w4) = batch(1);
    assert!(tx.try_send(b4).is_err(), "the input channel should be full");

    // Usage falls: the held batch goes on, then the next.
    high.store(false, Ordering::SeqCst);
    let second = rx.recv().await.unwrap();
    assert_eq!(second.record_count(), 3);
    let third = rx.recv().await.unwrap();
    for b in [first, second, third] {
        b.acks.deliver();
    }
    for w in [w1, w2, w3] {
        assert_eq!(w.wait().await, crate::ack::Outcome::Delivered);
    }
}

#[tokio::test]
async fn a_hold_ends_when_nothing_is_left_in_flight() {
    let high = Arc::new(AtomicBool::new(false));
    let (tx, mut rx, _) = start(high.clone());
    let (b1, _w1) = batch(1);
    tx.send(b1).await.unwrap();
    let first = rx.recv().await.unwrap();
    high.store(true, Ordering::SeqCst);
    let (b2, _w2) = batch(1);
    tx.send(b2).await.unwrap();
    nothing_for_a_while(&mut rx).await;
    // Delivering what was downstream is all holding can achieve: the next batch goes on
    // even though usage stays high.
    first.acks.deliver();
    let second = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.unwrap().unwrap();
    assert_eq!(second.record_count(), 1);
    second.acks.deliver();
}

#[tokio::test]
async fn builds_from_its_config() {
    let c = cfg("check_interval: 1s\nlimit_percentage: 80\nspike_limit_percentage: 20\n").unwrap();
    let (_tx, rx) = mpsc::channel(1);
    let cx = ProcessorContext::new(ComponentId::new("memory_limiter", None), rx, Fanout::new(Vec::new()));
    assert!(c.build(cx).is_ok());
}
