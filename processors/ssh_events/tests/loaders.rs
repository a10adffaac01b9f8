//! Test-only loaders: fixture files → records shaped as the receivers shape them.

use crate::event::{any_value::Value, kv, str_value, AnyValue, ArrayValue, KeyValue, KeyValueList, LogRecord};

pub fn testdata(name: &str) -> String {
    format!("{}/processors/ssh_events/testdata/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn val(v: Value) -> AnyValue {
    AnyValue { value: Some(v) }
}

/// One entry of a journal export file: fields in order, values as bytes.
pub type Entry = Vec<(String, Vec<u8>)>;

/// Parses the journal export format: `KEY=value` lines, a binary field as `KEY\n`,
/// a little-endian u64 length, the bytes and `\n`; entries end with a blank line.
pub fn read_export(bytes: &[u8]) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut cur = Entry::new();
    let mut i = 0;
    while i < bytes.len() {
        let end = i + bytes[i..].iter().position(|&b| b == b'\n').expect("export lines end with \\n");
        let line = &bytes[i..end];
        if line.is_empty() {
            entries.push(std::mem::take(&mut cur));
            i = end + 1;
        } else if let Some(eq) = line.iter().position(|&b| b == b'=') {
            cur.push((String::from_utf8(line[..eq].to_vec()).unwrap(), line[eq + 1..].to_vec()));
            i = end + 1;
        } else {
            let len = u64::from_le_bytes(bytes[end + 1..end + 9].try_into().unwrap()) as usize;
            let start = end + 9;
            cur.push((String::from_utf8(line.to_vec()).unwrap(), bytes[start..start + len].to_vec()));
            i = start + len + 1;
        }
    }
    if !cur.is_empty() {
        entries.push(cur);
    }
    entries
}

pub fn journal_entries() -> Vec<Entry> {
    read_export(&std::fs::read(testdata("ssh-logins.export")).unwrap())
}

fn timestamp(e: &Entry) -> u64 {
    let us = e.iter().find(|(k, _)| k == "__REALTIME_TIMESTAMP").unwrap();
    std::str::from_utf8(&us.1).unwrap().parse::<u64>().unwrap() * 1000
}

/// otelcol's mapping: body = map of every field but `__REALTIME_TIMESTAMP` (strings;
/// non-UTF-8 values as journalctl's JSON shows them, an array of byte numbers), plus
/// `__CURSOR`.
pub fn journal_record(e: &Entry, index: usize) -> LogRecord {
    let mut fields: Vec<KeyValue> = e
        .iter()
        .filter(|(k, _)| k != "__REALTIME_TIMESTAMP")
        .map(|(k, v)| {
            let value = match std::str::from_utf8(v) {
                Ok(s) => str_value(s),
                Err(_) => val(Value::ArrayValue(ArrayValue {
                    values: v.iter().map(|b| val(Value::IntValue(*b as i64))).collect(),
                })),
            };
            kv(k.clone(), value)
        })
        .collect();
    fields.push(kv("__CURSOR", str_value(format!("s=6f1c;i={index:x};b=6f1c0d2e"))));
    LogRecord {
        time_unix_nano: timestamp(e),
        observed_time_unix_nano: 1_800_000_000_000_000_000,
        body: Some(val(Value::KvlistValue(KeyValueList { values: fields }))),
        ..Default::default()
    }
}

/// syslog PRIORITY → OTel severity (number, text).
fn priority(p: &str) -> (i32, &'static str) {
    match p {
        "0" => (21, "FATAL"),
        "1" => (19, "ERROR3"),
        "2" => (18, "ERROR2"),
        "3" => (17, "ERROR"),
        "4" => (13, "WARN"),
        "5" => (10, "INFO2"),
        "6" => (9, "INFO"),
        _ => (5, "DEBUG"),
    }
}

/// The opt-in `semantic_conventions: true` mapping: body = MESSAGE, severity from
/// PRIORITY, `host.name`, `process.pid`, `process.*`, and `journald.<FIELD>` attributes.
pub fn journal_semantic_record(e: &Entry) -> LogRecord {
    let mut r = LogRecord { time_unix_nano: timestamp(e), ..Default::default() };
    for (k, v) in e {
        let s = String::from_utf8_lossy(v).into_owned();
        match k.as_str() {
            "MESSAGE" => {
                r.body = Some(match std::str::from_utf8(v) {
                    Ok(_) => str_value(s),
                    Err(_) => val(Value::BytesValue(v.clone())),
                })
            }
            "PRIORITY" => (r.severity_number, r.severity_text) = priority(&s).map_text(),
            "_HOSTNAME" => r.attributes.push(kv("host.name", str_value(s))),
            "_PID" => r.attributes.push(kv("process.pid", val(Value::IntValue(s.parse().unwrap())))),
            "_COMM" => r.attributes.push(kv("process.executable.name", str_value(s))),
            "_EXE" => r.attributes.push(kv("process.executable.path", str_value(s))),
            "_SYSTEMD_UNIT" | "SYSLOG_IDENTIFIER" | "_TRANSPORT" => {
                r.attributes.push(kv(format!("journald.{k}"), str_value(s)))
            }
            k if k.starts_with("_AUDIT_") => r.attributes.push(kv(format!("journald.{k}"), str_value(s))),
            _ => {}
        }
    }
    r
}

trait MapText {
    fn map_text(self) -> (i32, String);
}

impl MapText for (i32, &'static str) {
    fn map_text(self) -> (i32, String) {
        (self.0, self.1.to_string())
    }
}

fn json_value(v: &serde_json::Value) -> AnyValue {
    use serde_json::Value as J;
    match v {
        J::Null => AnyValue { value: None },
        J::Bool(b) => val(Value::BoolValue(*b)),
        J::Number(n) => match n.as_i64() {
            Some(i) => val(Value::IntValue(i)),
            None => val(Value::DoubleValue(n.as_f64().unwrap())),
        },
        J::String(s) => str_value(s.as_str()),
        J::Array(a) => val(Value::ArrayValue(ArrayValue { values: a.iter().map(json_value).collect() })),
        J::Object(o) => val(Value::KvlistValue(KeyValueList {
            values: o.iter().map(|(k, v)| kv(k.clone(), json_value(v))).collect(),
        })),
    }
}

fn split_addr(a: &str) -> (String, i64) {
    let (h, p) = a.rsplit_once(':').unwrap();
    (h.trim_start_matches('[').trim_end_matches(']').to_string(), p.parse().unwrap())
}

/// Issue 4's mapping of one Teleport audit log line.
pub fn teleport_record(line: &str) -> LogRecord {
    let ev: serde_json::Value = serde_json::from_str(line).unwrap();
    let s = |k: &str| ev.get(k).and_then(|v| v.as_str());
    let mut attrs = vec![kv("teleport.event", str_value(s("event").unwrap()))];
    let code = s("code").unwrap();
    attrs.push(kv("teleport.code", str_value(code)));
    let user = ev.get("identity").and_then(|i| i.get("user")).and_then(|u| u.as_str()).or(s("user"));
    let mut push = |k: &str, v: Option<&str>| {
        if let Some(v) = v {
            attrs.push(kv(k, str_value(v)));
        }
    };
    push("user.name", user);
    push("teleport.login", s("login"));
    push("session.id", s("sid"));
    for (key, prefix) in [("addr.remote", "client"), ("addr.local", "server")] {
        if let Some(a) = s(key) {
            let (host, port) = split_addr(a);
            attrs.push(kv(format!("{prefix}.address"), str_value(host)));
            attrs.push(kv(format!("{prefix}.port"), val(Value::IntValue(port))));
        }
    }
    let mut push = |k: &str, v: Option<&str>| {
        if let Some(v) = v {
            attrs.push(kv(k, str_value(v)));
        }
    };
    push("teleport.server_id", s("server_id"));
    push("host.name", s("server_hostname"));
    push("teleport.cluster_name", s("cluster_name"));
    let success = ev.get("success").and_then(|v| v.as_bool());
    push("event.outcome", success.map(|ok| if ok { "success" } else { "failure" }));
    push("teleport.event_id", s("uid"));
    let (mut number, mut text) = match code.chars().last() {
        Some('W') => (13, "WARN"),
        Some('E') => (17, "ERROR"),
        _ => (9, "INFO"),
    };
    if success == Some(false) && number < 13 {
        (number, text) = (13, "WARN");
    }
    LogRecord {
        time_unix_nano: 1,
        event_name: s("event").unwrap().to_string(),
        severity_number: number,
        severity_text: text.to_string(),
        body: Some(json_value(&ev)),
        attributes: attrs,
        ..Default::default()
    }
}

pub fn teleport_records() -> Vec<LogRecord> {
    let text = std::fs::read_to_string(testdata("teleport-events.log")).unwrap();
    text.lines().map(teleport_record).collect()
}
