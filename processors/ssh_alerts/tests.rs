//! The rules on events normalised by `ssh_events` from sshd messages.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::event::{any_value::Value, str_value, LogBatch, LogRecord, ResourceLogs, ScopeLogs};
use crate::processors::ssh_events::{SshEvents, SshEventsConfig};
use crate::storage::StorageClient;

use super::{SshAlerts, SshAlertsConfig};

const SEC: u64 = 1_000_000_000;

/// `msg` (an sshd message) at second `t`, normalised.
fn event(msg: &str, t: u64) -> LogRecord {
    let mut r = LogRecord { time_unix_nano: t * SEC, body: Some(str_value(msg)), ..Default::default() };
    assert!(SshEvents::new(&SshEventsConfig::default()).process_record(&mut r), "{msg}");
    r
}

/// Runs `records` through `alerts` as one batch; the alert records, as
/// `(event_name, severity, body)`.
fn run(alerts: &mut SshAlerts, records: Vec<LogRecord>) -> Vec<(String, String, String)> {
    let n = records.len();
    let scope = ScopeLogs { log_records: records, ..Default::default() };
    let mut batch =
        LogBatch::new(vec![ResourceLogs { scope_logs: vec![scope], ..Default::default() }], Default::default());
    alerts.process(&mut batch);
    let out = &batch.resource_logs[0].scope_logs[0].log_records;
    out[n..]
        .iter()
        .map(|r| {
            let body = match r.body.as_ref().and_then(|b| b.value.as_ref()) {
                Some(Value::StringValue(s)) => s.clone(),
                _ => String::new(),
            };
            (r.event_name.clone(), r.severity_text.clone(), body)
        })
        .collect()
}

fn names(alerts: &[(String, String, String)]) -> Vec<&str> {
    alerts.iter().map(|(n, _, _)| n.as_str()).collect()
}

fn failed(user: &str, ip: &str, t: u64) -> LogRecord {
    event(&format!("Failed password for {user} from {ip} port 4{t:04} ssh2"), t)
}

fn defaults() -> SshAlerts {
    SshAlerts::new(&SshAlertsConfig::default(), None)
}

#[test]
fn brute_force_once_per_window() {
    let mut a = defaults();
    let nine: Vec<LogRecord> = (0..9).map(|t| failed("root", "192.0.2.1", t)).collect();
    assert!(run(&mut a, nine).is_empty(), "9 failures are below the default 10");
    let got = run(&mut a, vec![failed("root", "192.0.2.1", 9)]);
    assert_eq!(
        got,
        vec![(
            "ssh.alert.brute_force".into(),
            "WARN".into(),
            "brute force: 10 failed attempts from 192.0.2.1 within 5m".into()
        )]
    );
    // The burst goes on: no second alert within the window; another source is apart.
    let more: Vec<LogRecord> = (10..40).map(|t| failed("root", "192.0.2.1", t)).collect();
    assert!(run(&mut a, more).is_empty());
    assert!(run(&mut a, (0..9).map(|t| failed("root", "192.0.2.2", t)).collect()).is_empty());
    // After the window, a new burst alerts again.
    let later: Vec<LogRecord> = (400..410).map(|t| failed("root", "192.0.2.1", t)).collect();
    assert_eq!(names(&run(&mut a, later)), ["ssh.alert.brute_force"]);
}

#[test]
fn failures_spread_wider_than_the_window_do_not_alert() {
    let mut a = defaults();
    let slow: Vec<LogRecord> = (0..30).map(|i| failed("root", "192.0.2.1", i * 40)).collect();
    assert!(run(&mut a, slow).is_empty(), "one failure every 40s is 8 per 5m");
}

#[test]
fn counts_weigh_and_duplicates_do_not() {
    let mut a = defaults();
    let mut records = vec![failed("root", "5.36.59.76", 0)];
    records.push(event("message repeated 5 times: [ Failed password for root from 5.36.59.76 port 42393 ssh2]", 1));
    // PAM's views of the same attempts: not counted again.
    for t in 2..8 {
        records.push(event(
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=5.36.59.76  user=root",
            t,
        ));
    }
    records.push(event(
        "PAM 5 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=5.36.59.76  user=root",
        8,
    ));
    assert!(run(&mut a, records).is_empty(), "6 attempts");
    let got = run(&mut a, (9..13).map(|t| failed("root", "5.36.59.76", t)).collect());
    assert_eq!(names(&got), ["ssh.alert.brute_force"]);
}

#[test]
fn password_spraying_names_the_users() {
    let mut a = defaults();
    let users = ["admin", "oracle", "test", "guest", "ubuntu"];
    let records =
        users.iter().enumerate().map(|(i, u)| event(&format!("Invalid user {u} from 198.51.100.9"), i as u64));
    let got = run(&mut a, records.collect());
    assert_eq!(names(&got), ["ssh.alert.password_spraying"]);
    assert_eq!(got[0].2, "password spraying: 5 users tried from 198.51.100.9 within 10m");
}

#[test]
fn success_after_failures_and_root_login() {
    let mut a = defaults();
    let mut records: Vec<LogRecord> = (0..5).map(|t| failed("root", "203.0.113.5", t)).collect();
    records.push(event("Accepted password for root from 203.0.113.5 port 40000 ssh2", 6));
    let got = run(&mut a, records);
    assert_eq!(names(&got), ["ssh.alert.success_after_failures", "ssh.alert.root_login"]);
    assert_eq!(got[0].1, "ERROR");
    assert_eq!(got[0].2, "successful login as root from 203.0.113.5 after 5 failed attempts within 10m");
    // A second view of the same login: the failures were consumed, root_login is quiet for its window.
    let again = run(&mut a, vec![event("Accepted password for root from 203.0.113.5 port 40000 ssh2", 7)]);
    assert!(again.is_empty(), "{again:?}");
}

/// An in-memory storage client standing in for file_storage.
#[derive(Default)]
struct Memory(Mutex<HashMap<String, Vec<u8>>>);

impl StorageClient for Memory {
    fn get(&self, key: &str) -> std::io::Result<Option<Vec<u8>>> {
        Ok(self.0.lock().unwrap().get(key).cloned())
    }
    fn set(&self, key: &str, value: &[u8]) -> std::io::Result<()> {
        self.0.lock().unwrap().insert(key.to_string(), value.to_vec());
        Ok(())
    }
    fn delete(&self, key: &str) -> std::io::Result<()> {
        self.0.lock().unwrap().remove(key);
        Ok(())
    }
}

#[test]
fn new_source_survives_a_restart_through_storage() {
    let store = Arc::new(Memory::default());
    let login =
        |ip: &str, t| event(&format!("Accepted publickey for alice from {ip} port 5000 ssh2: ED25519 SHA256:x"), t);
    let mut a = SshAlerts::new(&SshAlertsConfig::default(), Some(store.clone()));
    assert!(run(&mut a, vec![login("10.0.0.1", 0)]).is_empty(), "the first login ever only teaches");
    assert!(run(&mut a, vec![login("10.0.0.1", 1)]).is_empty());
    drop(a);
    let mut a = SshAlerts::new(&SshAlertsConfig::default(), Some(store.clone()));
    assert!(run(&mut a, vec![login("10.0.0.1", 2)]).is_empty(), "known after the restart");
    let got = run(&mut a, vec![login("10.0.0.2", 3)]);
    assert_eq!(
        got,
        vec![(
            "ssh.alert.new_source".into(),
            "WARN".into(),
            "alice logged in from 10.0.0.2, new after 1 known source(s)".into()
        )]
    );
    assert_eq!(store.get("new_source/alice").unwrap().unwrap(), b"10.0.0.1\n10.0.0.2");
}

#[test]
fn tracked_sources_are_bounded() {
    let cfg = SshAlertsConfig { max_sources: 64, ..Default::default() };
    let mut a = SshAlerts::new(&cfg, None);
    for i in 0..2000u64 {
        run(&mut a, vec![failed("root", &format!("10.{}.{}.{}", i / 65536, i / 256 % 256, i % 256), i)]);
        assert!(a.rules.tracked() <= 64);
    }
}

#[test]
fn alert_record_attributes() {
    let mut a = defaults();
    let mut r: Vec<LogRecord> = (0..10).map(|t| failed("root", "192.0.2.1", t)).collect();
    r[9].attributes.push(crate::event::kv("host.name", str_value("bastion")));
    let scope = ScopeLogs { log_records: r, ..Default::default() };
    let mut batch =
        LogBatch::new(vec![ResourceLogs { scope_logs: vec![scope], ..Default::default() }], Default::default());
    a.process(&mut batch);
    let alert = batch.resource_logs[0].scope_logs[0].log_records.last().unwrap();
    let attrs: Vec<String> = alert
        .attributes
        .iter()
        .map(|kv| format!("{}={:?}", kv.key, kv.value.as_ref().unwrap().value.as_ref().unwrap()))
        .collect();
    assert_eq!(
        attrs,
        [
            "ssh.alert.rule=StringValue(\"brute_force\")",
            "ssh.alert.count=IntValue(10)",
            "ssh.alert.threshold=IntValue(10)",
            "ssh.alert.window=StringValue(\"5m\")",
            "client.address=StringValue(\"192.0.2.1\")",
            "user.name=StringValue(\"root\")",
            "host.name=StringValue(\"bastion\")",
        ]
    );
    assert_eq!((alert.time_unix_nano, alert.severity_number), (9 * SEC, 13));
}

#[test]
fn config_defaults_overrides_and_errors() {
    let parse = |y: &str| {
        crate::config::de::from_node::<SshAlertsConfig>(&crate::config::yaml::parse("t", y).unwrap()).unwrap()
    };
    let c = parse("brute_force: {threshold: 3}\nroot_login: {enabled: false}\n");
    let l = c.brute_force.resolve(10, 300);
    assert_eq!((l.enabled, l.threshold, l.window), (true, 3, 300 * SEC), "window keeps its default");
    assert!(!c.root_login.resolve(1, 60).enabled);
    assert!(c.validate().is_empty());
    let bad = parse("max_sources: 0\npassword_spraying: {threshold: 0, window: 0s}\nstorage: 'x/'\n").validate();
    let keys: Vec<&str> = bad.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["max_sources", "password_spraying::threshold", "password_spraying::window", "storage"]);
}
