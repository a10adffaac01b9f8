//! Golden tests on the fixtures, and one test per record form.
//!
//! Golden format (`testdata/*.golden`, written by hand): one line per record,
//! `#<n> <label> | untouched` or `#<n> <label> | event_name=… <attributes> severity=…`,
//! listing the schema attributes present, in a fixed order.

mod forms;
mod loaders;
mod real;

use crate::event::{any_value::Value, KeyValue, LogBatch, LogRecord, ResourceLogs, ScopeLogs};

use super::{SshEvents, SshEventsConfig};
use loaders::*;

const ORDER: &[&str] = &[
    "user.name",
    "user.id",
    "ssh.login",
    "ssh.auth.method",
    "ssh.key.type",
    "ssh.key.fingerprint",
    "client.address",
    "client.port",
    "server.address",
    "server.port",
    "host.name",
    "session.id",
    "event.outcome",
    "ssh.source",
];

fn attr<'a>(r: &'a LogRecord, key: &str) -> Option<&'a Value> {
    r.attributes.iter().find(|kv| kv.key == key).and_then(|kv| kv.value.as_ref()?.value.as_ref())
}

fn show(v: &Value) -> String {
    match v {
        Value::StringValue(s) => s.clone(),
        Value::IntValue(i) => i.to_string(),
        other => format!("{other:?}"),
    }
}

/// The golden text of one processed record.
pub fn render(r: &LogRecord, severity: bool) -> String {
    let Some(event) = attr(r, "ssh.event") else { return "untouched".into() };
    assert_eq!(show(event), r.event_name, "event_name and ssh.event agree");
    let mut out = format!("event_name={}", r.event_name);
    for key in ORDER {
        if let Some(v) = attr(r, key) {
            out.push_str(&format!(" {key}={}", show(v)));
        }
    }
    if severity {
        out.push_str(&format!(" severity={}", r.severity_text));
    }
    out
}

fn processor(keep_only_ssh: bool) -> SshEvents {
    SshEvents::new(&SshEventsConfig { keep_only_ssh, ..Default::default() })
}

/// The golden lines, without comments, and the labels they start with.
fn golden(name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(testdata(name)).unwrap();
    text.lines().filter(|l| !l.starts_with("# ") && !l.is_empty()).map(str::to_string).collect()
}

fn field(e: &Entry, key: &str) -> String {
    e.iter().find(|(k, _)| k == key).map(|(_, v)| String::from_utf8_lossy(v).into_owned()).unwrap_or_default()
}

fn journal_label(i: usize, e: &Entry) -> String {
    let audit_type = field(e, "_AUDIT_TYPE_NAME");
    let ident = field(e, "SYSLOG_IDENTIFIER");
    if audit_type.is_empty() {
        format!("#{} {ident}", i + 1)
    } else {
        format!("#{} {ident} {audit_type}", i + 1)
    }
}

/// Processes `records` one by one, checks that nothing already there was changed or
/// removed, and returns the golden lines (severity included when `severity`).
fn run(records: Vec<LogRecord>, labels: &[String], severity: bool) -> Vec<String> {
    let p = processor(false);
    records
        .into_iter()
        .zip(labels)
        .map(|(before, label)| {
            let mut after = before.clone();
            let ssh = p.process_record(&mut after);
            if ssh {
                assert_eq!(after.body, before.body, "{label}: body kept");
                assert_eq!(after.time_unix_nano, before.time_unix_nano);
                kept(&before.attributes, &after.attributes, label);
            } else {
                assert_eq!(after, before, "{label}: not SSH, so untouched");
            }
            format!("{label} | {}", render(&after, severity))
        })
        .collect()
}

/// Every attribute of `before` is in `after` with the same value, except `ssh.*` ones.
fn kept(before: &[KeyValue], after: &[KeyValue], label: &str) {
    for kv in before.iter().filter(|kv| !kv.key.starts_with("ssh.")) {
        assert!(after.contains(kv), "{label}: attribute {} kept", kv.key);
    }
}

fn assert_lines(got: &[String], want: &[String]) {
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g, w);
    }
    assert_eq!(got.len(), want.len(), "record count");
}

#[test]
fn journal_fixture_matches_golden() {
    let entries = journal_entries();
    let labels: Vec<String> = entries.iter().enumerate().map(|(i, e)| journal_label(i, e)).collect();
    let records = entries.iter().enumerate().map(|(i, e)| journal_record(e, i)).collect();
    assert_lines(&run(records, &labels, true), &golden("journal.golden"));
}

/// The `semantic_conventions: true` shape gives the same events; its severity comes
/// from PRIORITY, so it is checked by rule rather than against the golden text.
#[test]
fn journal_semantic_shape_matches_golden() {
    let entries = journal_entries();
    let labels: Vec<String> = entries.iter().enumerate().map(|(i, e)| journal_label(i, e)).collect();
    let records: Vec<LogRecord> = entries.iter().map(journal_semantic_record).collect();
    let want: Vec<String> = golden("journal.golden")
        .iter()
        .map(|l| l.rsplit_once(" severity=").map_or(l.as_str(), |(a, _)| a).into())
        .collect();
    assert_lines(&run(records.clone(), &labels, false), &want);
    let p = processor(false);
    for mut r in records {
        let before = r.severity_number;
        if p.process_record(&mut r) {
            let floor = if attr(&r, "event.outcome").map(show).as_deref() == Some("failure") { 13 } else { 9 };
            assert_eq!(r.severity_number, before.max(floor));
        }
    }
}

#[test]
fn teleport_fixture_matches_golden() {
    let records = teleport_records();
    let labels: Vec<String> = records.iter().enumerate().map(|(i, r)| format!("#{} {}", i + 1, r.event_name)).collect();
    assert_lines(&run(records, &labels, true), &golden("teleport.golden"));
}

fn batch(records: Vec<LogRecord>) -> LogBatch {
    let scope = |records| ScopeLogs { log_records: records, ..Default::default() };
    let resource = |scopes| ResourceLogs { scope_logs: scopes, ..Default::default() };
    let half = records.len() / 2;
    let (a, b) = records.split_at(half);
    // Two resources; a third holding only a non-SSH record, which must disappear.
    let noise = journal_record(&journal_entries()[0], 0);
    LogBatch::new(
        vec![resource(vec![scope(a.to_vec())]), resource(vec![scope(vec![noise]), scope(b.to_vec())])],
        Default::default(),
    )
}

#[test]
fn keep_only_ssh_drops_exactly_the_untouched_records() {
    let entries = journal_entries();
    let records: Vec<LogRecord> = entries.iter().enumerate().map(|(i, e)| journal_record(e, i)).collect();
    let want: Vec<String> = golden("journal.golden")
        .iter()
        .filter(|l| !l.ends_with("| untouched"))
        .map(|l| l.split_once(" | ").unwrap().1.to_string())
        .collect();
    let mut b = batch(records);
    processor(true).process(&mut b);
    let got: Vec<String> = b
        .resource_logs
        .iter()
        .flat_map(|r| &r.scope_logs)
        .flat_map(|s| &s.log_records)
        .map(|r| render(r, true))
        .collect();
    assert_eq!(got, want);
    assert_eq!(b.resource_logs[1].scope_logs.len(), 1, "the scope left empty is removed");
}

#[test]
fn without_keep_only_ssh_nothing_is_dropped() {
    let records: Vec<LogRecord> = teleport_records();
    let n = records.len();
    let mut b = batch(records);
    processor(false).process(&mut b);
    assert_eq!(b.record_count(), n + 1);
}

#[test]
fn a_batch_of_only_noise_becomes_empty() {
    let entries = journal_entries();
    let noise: Vec<LogRecord> = [0, 1, 14, 26, 27, 31, 32].iter().map(|&i| journal_record(&entries[i], i)).collect();
    let mut b = LogBatch::new(
        vec![ResourceLogs {
            scope_logs: vec![ScopeLogs { log_records: noise, ..Default::default() }],
            ..Default::default()
        }],
        Default::default(),
    );
    processor(true).process(&mut b);
    assert!(b.resource_logs.is_empty());
}
