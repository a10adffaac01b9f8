//! Throughput of the `ssh_events` processor on journald-shaped records: the mix of
//! the journal benchmark (audit records and sshd lines, 25% USER_START
//! session_open), in otelcol's mapping (body = map of journal fields) and in the
//! `semantic_conventions` mapping; and real auth.log lines (loghub's OpenSSH_2k, a
//! brute-force campaign, as filelog gives them) through `ssh_events`, then
//! `ssh_alerts` on the normalised events. Single-threaded: the figure is per core.
//!
//! Run: `cargo run --release --example ssh_events_bench [records]` (default 2,000,000).

use std::time::{Duration, Instant};

use ferrocol::event::{any_value::Value, kv, str_value, AnyValue, KeyValueList, LogBatch, LogRecord};
use ferrocol::event::{ResourceLogs, ScopeLogs};
use ferrocol::processors::ssh_alerts::{SshAlerts, SshAlertsConfig};
use ferrocol::processors::ssh_events::{SshEvents, SshEventsConfig};

/// The real auth.log lines, read once.
fn real_lines() -> &'static [String] {
    static LINES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    LINES.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/processors/ssh_events/testdata/real/OpenSSH_2k.log");
        std::fs::read_to_string(path).expect("the loghub fixture").lines().map(|l| l.trim_end().to_string()).collect()
    })
}

/// A filelog record: the syslog line as the body.
fn line_record(i: usize) -> LogRecord {
    let lines = real_lines();
    LogRecord {
        observed_time_unix_nano: 1_795_165_200_000_000_000 + i as u64 * 1_000_000,
        body: Some(str_value(lines[i % lines.len()].as_str())),
        ..Default::default()
    }
}

const BATCH: usize = 8192;
const U: &str = "4294967295";

/// (SYSLOG_IDENTIFIER, audit type or "", MESSAGE) for record `i`: one cycle of 8 holds
/// 2 USER_START session_open (sshd, cron), 3 more audit records and 3 sshd lines.
fn message(i: usize) -> (&'static str, &'static str, String) {
    let user = ["alice", "bob", "carol", "dave"][i % 4];
    let ip = format!("198.51.{}.{}", (i / 256) % 256, i % 256);
    let port = 1024 + i % 60000;
    let pam = "grantors=pam_selinux,pam_loginuid,pam_keyinit,pam_permit,pam_umask,pam_unix,pam_systemd";
    let tail = format!("exe=\"/usr/sbin/sshd\" hostname={ip} addr={ip} terminal=ssh");
    match i % 8 {
        0 => ("audit", "USER_START", format!("USER_START pid={i} uid=0 auid=1000 ses={i} msg='op=PAM:session_open {pam} acct=\"{user}\" {tail} res=success'")),
        1 => ("audit", "USER_START", format!("USER_START pid={i} uid=0 auid=0 ses={i} msg='op=PAM:session_open grantors=pam_env,pam_unix acct=\"root\" exe=\"/usr/sbin/cron\" hostname=? addr=? terminal=cron res=success'")),
        2 => ("audit", "USER_AUTH", format!("USER_AUTH pid={i} uid=0 auid={U} ses={U} msg='op=pubkey grantors=? acct=\"{user}\" {tail} res=success'")),
        3 => ("audit", "CRED_ACQ", format!("CRED_ACQ pid={i} uid=0 auid={U} ses={U} msg='op=PAM:setcred grantors=pam_permit acct=\"{user}\" {tail} res=success'")),
        4 => ("audit", "USER_END", format!("USER_END pid={i} uid=0 auid=1000 ses={i} msg='op=PAM:session_close {pam} acct=\"{user}\" {tail} res=success'")),
        5 => ("sshd", "", format!("Accepted publickey for {user} from {ip} port {port} ssh2: ED25519 SHA256:Qm9vZ0F1ZGl0VGVzdEtleUZpbmdlcnByaW50MDAxMjM0")),
        6 => ("sshd-session", "", format!("Failed password for invalid user {user}x from {ip} port {port} ssh2")),
        _ => ("sshd", "", format!("Connection closed by authenticating user {user} {ip} port {port} [preauth]")),
    }
}

fn map_record(i: usize) -> LogRecord {
    let (ident, audit_type, msg) = message(i);
    let mut f = vec![
        kv("__MONOTONIC_TIMESTAMP", str_value(format!("{}", 5_000_000 + i))),
        kv("_BOOT_ID", str_value("6f1c0d2e9a8b4c7d8e9f0a1b2c3d4e5f")),
        kv("_MACHINE_ID", str_value("0a1b2c3d4e5f60718293a4b5c6d7e8f9")),
        kv("_HOSTNAME", str_value("bastion")),
        kv("_TRANSPORT", str_value(if audit_type.is_empty() { "syslog" } else { "audit" })),
        kv("PRIORITY", str_value(if audit_type.is_empty() { "6" } else { "5" })),
        kv("SYSLOG_FACILITY", str_value("4")),
        kv("SYSLOG_IDENTIFIER", str_value(ident)),
        kv("_PID", str_value(i.to_string())),
        kv("_UID", str_value("0")),
    ];
    if audit_type.is_empty() {
        f.push(kv("_COMM", str_value(ident)));
        f.push(kv("_SYSTEMD_UNIT", str_value("ssh.service")));
    } else {
        f.push(kv("_AUDIT_TYPE_NAME", str_value(audit_type)));
        f.push(kv("_AUDIT_ID", str_value(i.to_string())));
        f.push(kv("_AUDIT_SESSION", str_value(i.to_string())));
    }
    f.push(kv("MESSAGE", str_value(msg)));
    f.push(kv("__CURSOR", str_value(format!("s=6f1c0d2e;i={i:x};b=6f1c0d2e;m={i:x};t=5f1;x=9a8b"))));
    let body = AnyValue { value: Some(Value::KvlistValue(KeyValueList { values: f })) };
    LogRecord { time_unix_nano: 1_795_165_200_000_000_000 + i as u64, body: Some(body), ..Default::default() }
}

fn semantic_record(i: usize) -> LogRecord {
    let (ident, audit_type, msg) = message(i);
    let mut attrs = vec![
        kv("host.name", str_value("bastion")),
        kv("process.pid", AnyValue { value: Some(Value::IntValue(i as i64)) }),
        kv("journald.SYSLOG_IDENTIFIER", str_value(ident)),
        kv("journald._TRANSPORT", str_value(if audit_type.is_empty() { "syslog" } else { "audit" })),
    ];
    if !audit_type.is_empty() {
        attrs.push(kv("journald._AUDIT_TYPE_NAME", str_value(audit_type)));
    }
    LogRecord { body: Some(str_value(msg)), attributes: attrs, severity_number: 9, ..Default::default() }
}

fn template(make: fn(usize) -> LogRecord) -> LogBatch {
    let log_records = (0..BATCH).map(make).collect();
    let scope = ScopeLogs { log_records, ..Default::default() };
    LogBatch::new(vec![ResourceLogs { scope_logs: vec![scope], ..Default::default() }], Default::default())
}

/// CPU time of this thread: the per-core figure, whatever else the machine runs.
fn cpu_time() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid timespec for the call to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Records per CPU-second through `process`, timing only the processor (the batch
/// copy each round needs is made outside the clock). Wall time is shown too.
fn measure(name: &str, make: fn(usize) -> LogRecord, cfg: SshEventsConfig, total: usize) -> f64 {
    let p = SshEvents::new(&cfg);
    let t = template(make);
    let (mut busy, mut wall, mut done, mut kept) = (Duration::ZERO, Duration::ZERO, 0, 0);
    while done < total {
        let mut b = t.clone();
        let (start, cpu) = (Instant::now(), cpu_time());
        p.process(&mut b);
        busy += cpu_time() - cpu;
        wall += start.elapsed();
        kept += b.record_count();
        done += BATCH;
    }
    let rate = done as f64 / busy.as_secs_f64();
    println!(
        "{name:<34} {done:>8} records  cpu {:>6.3} s  wall {:>6.3} s  {:>8.0} records/s per core  ({kept} out)",
        busy.as_secs_f64(),
        wall.as_secs_f64(),
        rate
    );
    rate
}

/// `ssh_alerts` alone, on batches `ssh_events` normalised beforehand (outside the clock).
fn measure_alerts(total: usize) -> f64 {
    let events = SshEvents::new(&SshEventsConfig { keep_only_ssh: true, ..Default::default() });
    let mut alerts = SshAlerts::new(&SshAlertsConfig::default(), None);
    let mut t = template(line_record);
    events.process(&mut t);
    let (mut busy, mut done, mut out) = (Duration::ZERO, 0, 0);
    while done < total {
        let mut b = t.clone();
        let n = b.record_count();
        let cpu = cpu_time();
        alerts.process(&mut b);
        busy += cpu_time() - cpu;
        out += b.record_count() - n;
        done += n;
    }
    let rate = done as f64 / busy.as_secs_f64();
    println!(
        "{:<34} {done:>8} records  cpu {:>6.3} s  {:>8.0} records/s per core  ({out} alerts)",
        "ssh_alerts on those events",
        busy.as_secs_f64(),
        rate
    );
    rate
}

fn main() {
    let total: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(2_000_000);
    println!("ssh_events throughput, one core, batches of {BATCH}");
    let rates = [
        measure("journald map (otelcol mapping)", map_record, SshEventsConfig::default(), total),
        measure(
            "journald map, keep_only_ssh",
            map_record,
            SshEventsConfig { keep_only_ssh: true, ..Default::default() },
            total,
        ),
        measure("journald semantic_conventions", semantic_record, SshEventsConfig::default(), total),
        measure("auth.log lines (loghub OpenSSH_2k)", line_record, SshEventsConfig::default(), total),
        measure_alerts(total),
    ];
    let min = rates.iter().cloned().fold(f64::INFINITY, f64::min);
    println!("slowest: {min:.0} records/s (target 500000): {}", if min >= 500_000.0 { "ok" } else { "BELOW TARGET" });
}
