use std::time::Duration;

use tokio::sync::mpsc;

use super::*;
use crate::ack::{Ack, AckWaiter, Outcome};
use crate::config::yaml::parse;
use crate::config::ComponentId;
use crate::event::Resource;
use crate::event::{kv, str_value, LogBatch, LogRecord, ResourceLogs, ScopeLogs};
use crate::otlp::json::ExportLogsServiceRequest;

fn section(id: &str) -> Result<FileExporterConfig, String> {
    let root = parse("config.yaml", include_str!("testdata/config.yaml")).unwrap();
    let node = root.get(id).unwrap();
    let node = if node.is_null() { crate::config::yaml::Node::empty_map(node.pos.clone()) } else { node.clone() };
    crate::config::de::from_node::<FileExporterConfig>(&node).map_err(|e| e.message)
}

fn first_error(id: &str) -> String {
    section(id).unwrap().validate().into_iter().map(|e| e.message).next().unwrap_or_default()
}

/// otelcol's TestLoadConfig, case by case.
#[test]
fn upstream_testdata_validates_as_otelcol() {
    let c = section("file/2").unwrap();
    let r = c.rotation.as_ref().unwrap();
    assert_eq!((r.max_megabytes, r.max_days, r.max_backups, r.localtime), (10, 3, 3, true));
    assert_eq!((c.format.as_str(), c.flush_every()), ("json", Duration::from_secs(1)));
    let c = section("file/3").unwrap();
    assert_eq!((c.format.as_str(), c.compression.as_str()), ("proto", "zstd"));
    assert!(section("file/no_rotation").unwrap().rotation.is_none());
    let r = section("file/rotation_with_default_settings").unwrap().rotation.unwrap();
    assert_eq!((r.max_megabytes, r.max_backups), (0, 100));
    let r = section("file/rotation_with_custom_settings").unwrap().rotation.unwrap();
    assert_eq!((r.max_megabytes, r.max_backups), (1234, 100));
    assert_eq!(section("file/flush_interval_5").unwrap().flush_every(), Duration::from_nanos(5));
    assert_eq!(section("file/flush_interval_5s").unwrap().flush_every(), Duration::from_secs(5));
    assert_eq!(section("file/flush_interval_500ms").unwrap().flush_every(), Duration::from_millis(500));
    for ok in ["file/2", "file/3", "file/no_rotation", "file/rotation_with_default_settings", "file/flush_interval_5"] {
        assert_eq!(first_error(ok), "", "{ok}");
    }
    assert_eq!(first_error("file/compression_error"), "compression is not supported");
    assert_eq!(first_error("file/format_error"), "format type is not supported");
    assert_eq!(first_error("file"), "path must be non-empty");
    // otelcol: "flush_interval must be larger than zero"; a negative duration does not parse here.
    assert!(section("file/flush_interval_negative_value").unwrap_err().contains("negative"));
}

#[test]
fn other_validation_messages() {
    let check = |yaml: &str| {
        let c: FileExporterConfig = crate::config::de::from_node(&parse("t.yaml", yaml).unwrap()).unwrap();
        c.validate().into_iter().map(|e| e.message).next().unwrap_or_default()
    };
    assert_eq!(
        check("path: a\nappend: true\ncompression: zstd\n"),
        "append and compression enabled at the same time is not supported"
    );
    assert_eq!(
        check("path: a\nappend: true\nrotation:\n"),
        "append and rotation enabled at the same time is not supported"
    );
    assert_eq!(
        check("path: a\ngroup_by: {enabled: true}\n"),
        "path must contain exactly one * when group_by is enabled"
    );
    assert_eq!(check("path: '*a'\ngroup_by: {enabled: true}\n"), "path must not start with * when group_by is enabled");
    assert_eq!(
        check("path: 'a/*'\ngroup_by: {enabled: true, resource_attribute: ''}\n"),
        "resource_attribute must not be empty when group_by is enabled"
    );
    assert_eq!(
        check("path: a\ndirectory_permissions: '0755'\n"),
        "directory_permissions requires create_directory to be true"
    );
    assert_eq!(
        check("path: a\ncreate_directory: true\ndirectory_permissions: '9'\n"),
        "directory_permissions value must be a valid octal representation"
    );
    assert_eq!(
        check("path: a\ncreate_directory: true\ndirectory_permissions: '7777'\n"),
        "directory_permissions contain invalid bits for file access"
    );
}

fn logs(host: &str, body: &str) -> Vec<ResourceLogs> {
    vec![ResourceLogs {
        resource: Some(Resource {
            attributes: vec![kv("fileexporter.path_segment", str_value(host))],
            ..Default::default()
        }),
        scope_logs: vec![ScopeLogs {
            log_records: vec![LogRecord { body: Some(str_value(body)), ..Default::default() }],
            ..Default::default()
        }],
        ..Default::default()
    }]
}

fn start(yaml: &str) -> (mpsc::Sender<LogBatch>, tokio::task::JoinHandle<Result<(), StageError>>) {
    let cfg: FileExporterConfig = crate::config::de::from_node(&parse("t.yaml", yaml).unwrap()).unwrap();
    assert_eq!(cfg.validate(), vec![]);
    let (tx, rx) = mpsc::channel(8);
    let task = cfg.build(ExporterContext::new(ComponentId::new("file", None), rx)).unwrap();
    (tx, tokio::spawn(task))
}

async fn send(tx: &mpsc::Sender<LogBatch>, logs: Vec<ResourceLogs>) -> AckWaiter {
    let (ack, waiter) = Ack::new();
    tx.send(LogBatch::new(logs, Acks::one(ack))).await.unwrap();
    waiter
}

#[tokio::test]
async fn json_lines_are_otlp_json_requests_delivered_after_the_flush() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.json");
    let (tx, task) = start(&format!("path: {}\nflush_interval: 200ms\n", path.display()));
    let mut w1 = send(&tx, logs("a", "one")).await;
    let w2 = send(&tx, logs("b", "two")).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(w1.try_outcome(), None, "delivered before the flush");
    assert_eq!(w2.wait().await, Outcome::Delivered);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].as_bytes(), crate::otlp::json::encode_logs_request(&logs("a", "one")).as_slice());
    let decoded = crate::otlp::json::decode_logs_request(lines[1].as_bytes()).unwrap();
    assert_eq!(decoded.resource_logs, logs("b", "two"));
    drop(tx);
    task.await.unwrap().unwrap();
}

/// Length-prefixed frames: protobuf, and zstd-compressed JSON.
fn frames(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let n = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
        out.push(rest[4..4 + n].to_vec());
        rest = &rest[4 + n..];
    }
    out
}

#[tokio::test]
async fn proto_and_zstd_are_length_prefixed() {
    let dir = tempfile::tempdir().unwrap();
    let proto = dir.path().join("out.pb");
    let (tx, task) = start(&format!("path: {}\nformat: proto\n", proto.display()));
    send(&tx, logs("a", "one")).await;
    drop(tx);
    task.await.unwrap().unwrap();
    let f = frames(&std::fs::read(&proto).unwrap());
    assert_eq!(ExportLogsServiceRequest::decode(f[0].as_slice()).unwrap().resource_logs, logs("a", "one"));

    let zst = dir.path().join("out.json.zst");
    let (tx, task) = start(&format!("path: {}\ncompression: zstd\n", zst.display()));
    send(&tx, logs("a", "one")).await;
    send(&tx, logs("a", "two")).await;
    drop(tx);
    task.await.unwrap().unwrap();
    let f = frames(&std::fs::read(&zst).unwrap());
    assert_eq!(f.len(), 2);
    let json = zstd::decode_all(f[1].as_slice()).unwrap();
    assert_eq!(crate::otlp::json::decode_logs_request(&json).unwrap().resource_logs, logs("a", "two"));
}

#[tokio::test]
async fn rotation_names_backups_and_keeps_max_backups() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.json");
    let (tx, task) = start(&format!("path: {}\nrotation: {{max_megabytes: 1, max_backups: 2}}\n", path.display()));
    let big = "x".repeat(400 * 1024);
    for i in 0..8 {
        // Rotating writes are not buffered: delivered as soon as written.
        assert_eq!(send(&tx, logs("a", &format!("{i}{big}"))).await.wait().await, Outcome::Delivered);
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    drop(tx);
    task.await.unwrap().unwrap();
    let backups = writer::backups(&path).unwrap();
    assert_eq!(backups.len(), 2, "{backups:?}");
    let name = backups[0].1.file_name().unwrap().to_string_lossy().into_owned();
    let re = regex::Regex::new(r"^out-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}-size\.json$").unwrap();
    assert!(re.is_match(&name), "{name}");
    assert!(std::fs::metadata(&path).unwrap().len() <= 1024 * 1024);
    // Every line of every file is a whole request.
    for p in backups.iter().map(|b| &b.1).chain([&path]) {
        for line in std::fs::read_to_string(p).unwrap().lines() {
            crate::otlp::json::decode_logs_request(line.as_bytes()).unwrap();
        }
    }
}

#[tokio::test]
async fn group_by_writes_one_file_per_attribute_value_and_stays_inside() {
    let dir = tempfile::tempdir().unwrap();
    let pattern = dir.path().join("by-host/*.json");
    let (tx, task) = start(&format!("path: {}\ngroup_by: {{enabled: true, max_open_files: 1}}\n", pattern.display()));
    let mut batch = logs("web", "w1");
    batch.extend(logs("db", "d1"));
    batch.extend(logs("../../escape", "e1"));
    let mut no_attr = logs("x", "dropped");
    no_attr[0].resource = None;
    batch.extend(no_attr);
    let w = send(&tx, batch).await;
    send(&tx, logs("web", "w2")).await;
    drop(tx);
    task.await.unwrap().unwrap();
    assert_eq!(w.wait().await, Outcome::Delivered);
    let read = |rel: &str| std::fs::read_to_string(dir.path().join(rel)).unwrap();
    // web.json was closed (max_open_files: 1) and reopened: appended to, not truncated.
    assert_eq!(read("by-host/web.json").lines().count(), 2);
    assert_eq!(read("by-host/db.json").lines().count(), 1);
    assert!(dir.path().join("by-host/escape.json").exists());
}
