//! Throughput of the `filter` and `transform` processors on realistic
//! journald records (a map body of about 20 string fields, as otelcol's
//! journald receiver makes them), on HTTP server spans (10 attributes, one
//! event) and on metric data points (sums of 10 points, 3 attributes each),
//! on one core.
//!
//! ```sh
//! cargo run --release --example ottl_bench            # 1,000,000 records each
//! cargo run --release --example ottl_bench -- 5000000 # more
//! cargo run --release --example ottl_bench -- 1000000 keep  # only cases whose name has "keep"
//! ```
//!
//! Each batch of 1,000 records (spans, data points) is cloned from a template just before it is
//! processed, as a receiver hands over freshly decoded batches; the clone is
//! not timed. The timed part is the processor's own work on the batch:
//! evaluating, dropping or changing records, and freeing what it drops.

use std::time::{Duration, Instant};

/// The allocator the ferrocol binary uses.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use ferrocol::ack::Acks;
use ferrocol::config::de::from_node;
use ferrocol::config::yaml::parse;
use ferrocol::event::any_value::Value as Av;
use ferrocol::event::{kv, str_value, AnyValue, KeyValueList, LogBatch, LogRecord, ResourceLogs, ScopeLogs};
use ferrocol::processors::ottl_config::{BatchProgram, Programmable};
use ferrocol::processors::{filter, transform};
use ferrocol::signal::{
    metric, Batch, Metric, MetricBatch, ResourceMetrics, ResourceSpans, ScopeMetrics, ScopeSpans, Span, TraceBatch,
};
use opentelemetry_proto::tonic::metrics::v1::{number_data_point, NumberDataPoint, Sum};
use opentelemetry_proto::tonic::trace::v1::span::Event;

const BATCH: usize = 1_000;
/// Distinct records in the template the batches are cloned from.
const TEMPLATE: usize = 50_000;

const MESSAGES: [&str; 8] = [
    "Accepted publickey for alice from 203.0.113.7 port 51234 ssh2: ED25519 SHA256:Jx7v3c0Qm1h5Zr8Yk2pW4nB6tL9sD0fG3aH5jK7lM1o",
    "pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)",
    "USER_START pid=2101 uid=0 auid=1000 ses=7 msg='op=PAM:session_open grantors=pam_selinux,pam_loginuid,pam_keyinit,pam_permit,pam_umask,pam_unix,pam_systemd acct=\"alice\" exe=\"/usr/sbin/sshd\" hostname=203.0.113.7 addr=203.0.113.7 terminal=ssh res=success'",
    "Failed password for invalid user admin from 198.51.100.23 port 40022 ssh2",
    "Started Session 7 of User alice.",
    "CRED_ACQ pid=2101 uid=0 auid=1000 ses=7 msg='op=PAM:setcred grantors=pam_permit,pam_unix acct=\"alice\" exe=\"/usr/sbin/sshd\" hostname=203.0.113.7 addr=203.0.113.7 terminal=ssh res=success'",
    "Disconnected from user alice 203.0.113.7 port 51234",
    "Received disconnect from 198.51.100.23 port 40022:11: Bye Bye [preauth]",
];

/// A journald entry: the fields journalctl's JSON gives for an sshd or audit line.
fn record(i: usize) -> LogRecord {
    let msg = MESSAGES[i % MESSAGES.len()];
    let fields = [
        ("MESSAGE", msg.to_string()),
        ("PRIORITY", ["6", "5", "4"][i % 3].to_string()),
        ("SYSLOG_FACILITY", "10".to_string()),
        ("SYSLOG_IDENTIFIER", if msg.contains("pid=") { "audit" } else { "sshd" }.to_string()),
        ("SYSLOG_PID", (2000 + i % 500).to_string()),
        ("_PID", (2000 + i % 500).to_string()),
        ("_UID", "0".to_string()),
        ("_GID", "0".to_string()),
        ("_COMM", "sshd".to_string()),
        ("_EXE", "/usr/sbin/sshd".to_string()),
        ("_CMDLINE", "sshd: alice [priv]".to_string()),
        ("_CAP_EFFECTIVE", "1ffffffffff".to_string()),
        ("_SYSTEMD_CGROUP", "/system.slice/ssh.service".to_string()),
        ("_SYSTEMD_UNIT", "ssh.service".to_string()),
        ("_SYSTEMD_SLICE", "system.slice".to_string()),
        ("_BOOT_ID", "6f1c0d2e9a8b4c7d8e9f0a1b2c3d4e5f".to_string()),
        ("_MACHINE_ID", "0a1b2c3d4e5f60718293a4b5c6d7e8f9".to_string()),
        ("_HOSTNAME", "bastion".to_string()),
        ("_TRANSPORT", "syslog".to_string()),
        ("__MONOTONIC_TIMESTAMP", (5_000_000 + i).to_string()),
        ("__CURSOR", format!("s=002381b42f5d44298433202a562d4890;i={i:x};b=6f1c0d2e9a8b4c7d8e9f0a1b2c3d4e5f")),
    ];
    let values = fields.into_iter().map(|(k, v)| kv(k, str_value(v))).collect();
    LogRecord {
        time_unix_nano: 1_795_165_201_000_000_000 + i as u64 * 1_000,
        body: Some(AnyValue { value: Some(Av::KvlistValue(KeyValueList { values })) }),
        ..Default::default()
    }
}

/// Batches of `BATCH` log records.
fn log_batches(template: &[LogRecord]) -> Vec<LogBatch> {
    template
        .chunks(BATCH)
        .map(|records| {
            let rl = ResourceLogs {
                scope_logs: vec![ScopeLogs { log_records: records.to_vec(), ..Default::default() }],
                ..Default::default()
            };
            LogBatch::new(vec![rl], Acks::none())
        })
        .collect()
}

const ROUTES: [&str; 5] = ["/login", "/health", "/api/users", "/api/orders", "/static/app.js"];

/// An HTTP span: 10 attributes and one event.
fn span(i: usize) -> Span {
    let route = ROUTES[i % ROUTES.len()];
    let attrs = [
        ("http.request.method", if i % 3 == 0 { "POST" } else { "GET" }.to_string()),
        ("http.route", route.to_string()),
        ("url.path", format!("{route}/{i}")),
        ("http.response.status_code", ["200", "404", "500"][i % 3].to_string()),
        ("server.address", "shop.example.com".to_string()),
        ("server.port", "443".to_string()),
        ("client.address", format!("203.0.113.{}", i % 250)),
        ("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64)".to_string()),
        ("network.protocol.version", "1.1".to_string()),
        ("user.id", format!("u{}", i % 977)),
    ];
    Span {
        trace_id: (0..16).map(|b| (i + b) as u8).collect(),
        span_id: (0..8).map(|b| (i * 7 + b) as u8).collect(),
        name: format!("GET {route}"),
        kind: 2,
        start_time_unix_nano: 1_795_165_201_000_000_000 + i as u64 * 1_000,
        end_time_unix_nano: 1_795_165_201_000_500_000 + i as u64 * 1_000,
        attributes: attrs.into_iter().map(|(k, v)| kv(k, str_value(v))).collect(),
        events: vec![Event { name: "request.read".into(), time_unix_nano: 1, ..Default::default() }],
        ..Default::default()
    }
}

fn span_batches() -> Vec<TraceBatch> {
    (0..TEMPLATE / BATCH)
        .map(|b| {
            let spans = (b * BATCH..(b + 1) * BATCH).map(span).collect();
            let rs =
                ResourceSpans { scope_spans: vec![ScopeSpans { spans, ..Default::default() }], ..Default::default() };
            TraceBatch::from_parts(vec![rs], Acks::none())
        })
        .collect()
}

/// A sum of 10 points, each with 3 attributes.
fn sum_metric(i: usize) -> Metric {
    let point = |p: usize| NumberDataPoint {
        attributes: vec![
            kv("user", str_value(["root", "alice", "bob", "www-data"][(i + p) % 4])),
            kv("route", str_value(ROUTES[p % ROUTES.len()])),
            kv("host", str_value("bastion")),
        ],
        value: Some(number_data_point::Value::AsInt((i * 10 + p) as i64)),
        time_unix_nano: 1_795_165_201_000_000_000,
        ..Default::default()
    };
    Metric {
        name: ["http.server.requests", "http.server.errors", "process.cpu.time"][i % 3].into(),
        unit: "1".into(),
        data: Some(metric::Data::Sum(Sum {
            data_points: (0..10).map(point).collect(),
            aggregation_temporality: 2,
            is_monotonic: true,
        })),
        ..Default::default()
    }
}

fn metric_batches() -> Vec<MetricBatch> {
    (0..TEMPLATE / BATCH)
        .map(|b| {
            let metrics = (b * BATCH / 10..(b + 1) * BATCH / 10).map(sum_metric).collect();
            let rm = ResourceMetrics {
                scope_metrics: vec![ScopeMetrics { metrics, ..Default::default() }],
                ..Default::default()
            };
            MetricBatch::from_parts(vec![rm], Acks::none())
        })
        .collect()
}

/// CPU time this thread has used: the rate per core, even on a busy machine
/// where the thread does not get a whole core.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes into the timespec we pass.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Run `process` over `total` items, a fresh clone of a template batch at a
/// time, as a receiver hands them over; (items per CPU second, per wall
/// second, items left).
fn measure<B: Batch>(total: usize, templates: &[B], mut process: impl FnMut(&mut B)) -> (f64, f64, usize) {
    let (mut cpu, mut wall) = (Duration::ZERO, Duration::ZERO);
    let mut done = 0;
    let mut left = 0;
    let mut i = 0;
    while done < total {
        let mut b = templates[i % templates.len()].clone();
        i += 1;
        let n = b.item_count();
        let (c0, w0) = (thread_cpu(), Instant::now());
        process(&mut b);
        wall += w0.elapsed();
        cpu += thread_cpu() - c0;
        left += b.item_count();
        done += n;
    }
    (done as f64 / cpu.as_secs_f64(), done as f64 / wall.as_secs_f64(), left)
}

/// Compile `yaml` as `kind` and measure it on `templates`.
fn run<B: Programmable>(kind: &str, yaml: &str, total: usize, templates: &[B]) -> (f64, f64, usize) {
    let node = parse("bench", yaml).expect("yaml");
    if kind == "filter" {
        let cfg = from_node::<filter::FilterConfig>(&node).expect("filter config");
        let p = filter::Filter::compile(&cfg).program().expect("valid filter").clone();
        measure(total, templates, |b| p.process(b))
    } else {
        let cfg = from_node::<transform::TransformConfig>(&node).expect("transform config");
        let p = transform::Transform::compile(&cfg).program().expect("valid transform").clone();
        measure(total, templates, |b| p.process(b))
    }
}

/// (name, processor, config); the signal is in the name.
const CASES: &[(&str, &str, &str)] = &[
    (
        "filter keep: IsMatch(body[\"MESSAGE\"], \"USER_START.*op=PAM:session_open\")",
        "filter",
        "logs:\n  keep:\n    - 'IsMatch(body[\"MESSAGE\"], \"USER_START.*op=PAM:session_open\")'\n",
    ),
    (
        "filter drop: IsMatch(body[\"MESSAGE\"], \".*password.*\")",
        "filter",
        "logs:\n  log_record:\n    - 'IsMatch(body[\"MESSAGE\"], \".*password.*\")'\n",
    ),
    (
        "filter, nothing matches (evaluation only)",
        "filter",
        "logs:\n  log_record:\n    - 'IsMatch(body[\"MESSAGE\"], \"no such text\")'\n",
    ),
    (
        "filter legacy include: bodies regexp (map body as JSON)",
        "filter",
        "logs:\n  include:\n    match_type: regexp\n    bodies: ['USER_START.*op=PAM:session_open']\n",
    ),
    (
        "transform: 3 x set",
        "transform",
        "log_statements:\n  - set(log.attributes[\"host.name\"], log.body[\"_HOSTNAME\"])\n  - set(log.attributes[\"service.name\"], log.body[\"SYSLOG_IDENTIFIER\"])\n  - set(log.severity_text, \"INFO\") where log.body[\"PRIORITY\"] == \"6\"\n",
    ),
    (
        "spans: filter span: attributes[\"http.route\"] == \"/health\"",
        "filter",
        "traces:\n  span:\n    - 'attributes[\"http.route\"] == \"/health\"'\n",
    ),
    (
        "spans: transform: 2 x set (span, span event)",
        "transform",
        "trace_statements:\n  - set(span.attributes[\"route\"], span.attributes[\"http.route\"]) where span.kind == SPAN_KIND_SERVER\n  - context: spanevent\n    statements: ['set(attributes[\"span\"], span.name)']\n",
    ),
    (
        "metrics: filter datapoint: attributes[\"user\"] == \"root\"",
        "filter",
        "metrics:\n  datapoint:\n    - 'attributes[\"user\"] == \"root\"'\n",
    ),
    (
        "metrics: transform datapoint: set(datapoint.attributes[\"metric\"], metric.name)",
        "transform",
        "metric_statements:\n  - set(datapoint.attributes[\"metric\"], metric.name) where metric.type == METRIC_DATA_TYPE_SUM\n",
    ),
];

fn main() {
    let mut args = std::env::args().skip(1);
    let total: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let only = args.next();
    let template: Vec<LogRecord> = (0..TEMPLATE).map(record).collect();
    let (logs, spans, metrics) = (log_batches(&template), span_batches(), metric_batches());
    println!(
        "{total} journald records (spans, data points) per case, batches of {BATCH}, one thread; rate per CPU second (and per wall second)"
    );
    for (name, kind, yaml) in CASES {
        if only.as_ref().is_some_and(|o| !name.contains(o.as_str())) {
            continue;
        }
        let (per_core, per_wall, left) = if name.starts_with("spans:") {
            run(kind, yaml, total, &spans)
        } else if name.starts_with("metrics:") {
            run(kind, yaml, total, &metrics)
        } else {
            run(kind, yaml, total, &logs)
        };
        println!("{per_core:>10.0} items/s per core  ({per_wall:>9.0} wall)  {name}  ({left} kept)");
    }
}
