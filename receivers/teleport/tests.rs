//! The mapping of single events (the fixture's golden test covers the rest).

use std::borrow::Cow;
use std::path::Path;

use super::mapping::TeleportMapper;
use crate::event::{KeyValue, LogRecord, ResourceLogs};
use crate::receivers::file_source::{BatchBuilder, Mapper};
use crate::tail::{Entry, FileId, FileInfo, Text};

fn map(mapper: &mut TeleportMapper, path: &str, line: &str, truncated: bool) -> Vec<ResourceLogs> {
    let mut out = BatchBuilder::new();
    let file = FileInfo { id: FileId(1), path: Path::new(path), name: "x", resolved: None };
    mapper.map(&file, Entry { text: Text::Str(Cow::Borrowed(line)), truncated, number: 7 }, &mut out);
    out.take()
}

fn mapper() -> TeleportMapper {
    TeleportMapper::new("/log".into(), &[], &[], Vec::new(), Vec::new())
}

fn record(logs: &[ResourceLogs]) -> &LogRecord {
    &logs[0].scope_logs[0].log_records[0]
}

fn attrs(kvs: &[KeyValue]) -> String {
    let mut s = String::new();
    for kv in kvs {
        s.push_str(&kv.key);
        s.push('=');
        crate::otlp::value::write_typed(&mut s, kv.value.as_ref());
        s.push(' ');
    }
    s
}

#[test]
fn cert_create_names_the_identity() {
    let mut m = mapper();
    let logs = map(
        &mut m,
        "/log/2024-02-23.00:00:00.log",
        r#"{"ei":0,"event":"cert.create","uid":"efd3","code":"TC000I","time":"2024-02-23T18:56:50.653Z","cluster_name":"c","cert_type":"user","identity":{"user":"teleport-admin","roles":["editor"]}}"#,
        false,
    );
    let r = record(&logs);
    assert_eq!(
        attrs(&r.attributes),
        "teleport.event=Str(cert.create) teleport.code=Str(TC000I) user.name=Str(teleport-admin) \
         teleport.cluster_name=Str(c) teleport.event_id=Str(efd3) "
    );
    assert_eq!(r.time_unix_nano, 1_708_714_610_653_000_000);
    // Directly in the directory: no auth server folder.
    assert_eq!(attrs(&logs[0].resource.as_ref().unwrap().attributes), "service.name=Str(teleport) ");
}

#[test]
fn failures_are_at_least_warnings() {
    let mut m = mapper();
    let logs = map(&mut m, "/log/h/d.log", r#"{"event":"user.login","code":"T1000I","success":false}"#, false);
    assert_eq!((record(&logs).severity_number, record(&logs).severity_text.as_str()), (13, "WARN"));
    let logs = map(&mut m, "/log/h/d.log", r#"{"event":"exec","code":"T3002E","success":false}"#, false);
    assert_eq!((record(&logs).severity_number, record(&logs).severity_text.as_str()), (17, "ERROR"));
    assert!(attrs(&record(&logs).attributes).contains("event.outcome=Str(failure)"));
}

#[test]
fn truncated_and_broken_lines() {
    let mut m = mapper();
    let logs = map(&mut m, "/log/h/d.log", r#"{"event":"x","pad":"aaa"#, true);
    let r = record(&logs);
    assert_eq!(
        attrs(&r.attributes),
        "teleport.parse_error=Str(EOF while parsing a string at line 1 column 23) log.record.truncated=Bool(true) "
    );
    assert_eq!(m.parse_errors.load(std::sync::atomic::Ordering::Relaxed), 1);
    assert_eq!(
        attrs(&logs[0].resource.as_ref().unwrap().attributes),
        "service.name=Str(teleport) teleport.auth_server_id=Str(h) "
    );
}

#[test]
fn event_filters() {
    let mut m =
        TeleportMapper::new("/log".into(), &["exec".into(), "auth".into()], &["auth".into()], Vec::new(), Vec::new());
    assert!(map(&mut m, "/log/d.log", r#"{"event":"exec"}"#, false).len() == 1);
    assert!(map(&mut m, "/log/d.log", r#"{"event":"auth"}"#, false).is_empty());
    assert!(map(&mut m, "/log/d.log", r#"{"event":"user.login"}"#, false).is_empty());
    // Not JSON: never filtered out.
    assert!(map(&mut m, "/log/d.log", "garbage", false).len() == 1);
}
