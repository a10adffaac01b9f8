//! Throughput of the `filter` and `transform` processors on realistic
//! journald records (a map body of about 20 string fields, as otelcol's
//! journald receiver makes them), on one core.
//!
//! ```sh
//! cargo run --release --example ottl_bench            # 1,000,000 records each
//! cargo run --release --example ottl_bench -- 5000000 # more
//! cargo run --release --example ottl_bench -- 1000000 keep  # only cases whose name has "keep"
//! ```
//!
//! Each batch of 1,000 records is cloned from a template just before it is
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
use ferrocol::processors::ottl_config::BatchProgram;
use ferrocol::processors::{filter, transform};

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

/// One batch of the given records (cloned outside the timed part).
fn batch(records: &[LogRecord]) -> LogBatch {
    let rl = ResourceLogs {
        scope_logs: vec![ScopeLogs { log_records: records.to_vec(), ..Default::default() }],
        ..Default::default()
    };
    LogBatch::new(vec![rl], Acks::none())
}

/// CPU time this thread has used: the rate per core, even on a busy machine
/// where the thread does not get a whole core.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes into the timespec we pass.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Run `process` over `total` records, a fresh batch of `BATCH` at a time, as
/// a receiver hands them over; (records per CPU second, per wall second,
/// records left).
fn measure(total: usize, template: &[LogRecord], mut process: impl FnMut(&mut LogBatch)) -> (f64, f64, usize) {
    let (mut cpu, mut wall) = (Duration::ZERO, Duration::ZERO);
    let mut done = 0;
    let mut left = 0;
    let chunks: Vec<&[LogRecord]> = template.chunks(BATCH).collect();
    while done < total {
        let chunk = chunks[(done / BATCH) % chunks.len()];
        let mut b = batch(chunk);
        let (c0, w0) = (thread_cpu(), Instant::now());
        process(&mut b);
        wall += w0.elapsed();
        cpu += thread_cpu() - c0;
        left += b.record_count();
        done += chunk.len();
    }
    (done as f64 / cpu.as_secs_f64(), done as f64 / wall.as_secs_f64(), left)
}

/// (name, processor, config)
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
];

fn main() {
    let mut args = std::env::args().skip(1);
    let total: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let only = args.next();
    let template: Vec<LogRecord> = (0..TEMPLATE).map(record).collect();
    println!(
        "{total} journald records per case, batches of {BATCH}, one thread; rate per CPU second (and per wall second)"
    );
    for (name, kind, yaml) in CASES {
        if only.as_ref().is_some_and(|o| !name.contains(o.as_str())) {
            continue;
        }
        let node = parse("bench", yaml).expect("yaml");
        let (per_core, per_wall, left) = if *kind == "filter" {
            let cfg = from_node::<filter::FilterConfig>(&node).expect("filter config");
            let f = filter::Filter::compile(&cfg);
            let p = f.program().expect("valid filter").clone();
            measure(total, &template, |b| p.process(b))
        } else {
            let cfg = from_node::<transform::TransformConfig>(&node).expect("transform config");
            let t = transform::Transform::compile(&cfg);
            let p = t.program().expect("valid transform").clone();
            measure(total, &template, |b| p.process(b))
        };
        println!("{per_core:>10.0} records/s per core  ({per_wall:>9.0} wall)  {name}  ({left} kept)");
    }
}
