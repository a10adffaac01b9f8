//! The receiver against real journal files built from the shared fixture, each
//! result compared with what `journalctl --output=json` shows for the same
//! options on the same files; following, restarts from a stored cursor, and a
//! journal that goes away and comes back.

use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value as Json};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{JournaldConfig, CURSOR_KEY, FACTORY};
use crate::component::{ReceiverConfig, ReceiverContext, StageError, StorageRegistry};
use crate::config::ComponentId;
use crate::event::{any_value::Value, AnyValue, LogBatch, LogRecord};
use crate::storage::{Kind, MemStorage, StorageClient, StorageProvider};
use crate::topology::Fanout;

#[path = "../../tests/journal_util.rs"]
mod journal_util;
use journal_util::*;

/// The same store for every receiver run.
struct Shared(Arc<MemStorage>);

impl StorageProvider for Shared {
    fn client(&self, _: Kind, _: &ComponentId) -> io::Result<Arc<dyn StorageClient>> {
        Ok(self.0.clone())
    }
}

fn cursor(storage: &MemStorage) -> Option<String> {
    storage.get(CURSOR_KEY).unwrap().map(|v| String::from_utf8(v).unwrap())
}

/// A running receiver and what it has sent.
struct Run {
    rx: mpsc::Receiver<LogBatch>,
    shutdown: CancellationToken,
    task: JoinHandle<Result<(), StageError>>,
    records: Vec<LogRecord>,
    /// Settle acks (true) or drop them unsettled (abandoned batches).
    deliver: bool,
}

fn config(yaml: &str) -> JournaldConfig {
    let node = crate::config::yaml::parse("test.yaml", yaml).unwrap();
    let c = crate::config::de::from_node::<JournaldConfig>(&node).unwrap();
    assert_eq!(c.validate(), vec![], "{yaml}");
    c
}

fn start(yaml: &str, storage: Option<&Arc<MemStorage>>) -> Run {
    let (tx, rx) = mpsc::channel(4);
    let shutdown = CancellationToken::new();
    let mut registry = StorageRegistry::default();
    if let Some(s) = storage {
        registry.0.insert(ComponentId::new("file_storage", None), Arc::new(Shared(s.clone())));
    }
    let mut cx = ReceiverContext::new(ComponentId::new("journald", None), Fanout::new(vec![tx]), shutdown.clone());
    cx.storage = registry;
    let task = tokio::spawn(config(yaml).build(cx).unwrap());
    Run { rx, shutdown, task, records: Vec::new(), deliver: true }
}

impl Run {
    fn take(&mut self, batch: LogBatch) {
        for rl in batch.resource_logs.iter() {
            for sl in &rl.scope_logs {
                self.records.extend(sl.log_records.iter().cloned());
            }
        }
        if self.deliver {
            batch.acks.deliver();
        }
    }

    /// Wait until `n` records in total have arrived, then a little more to see
    /// that no others follow.
    async fn expect(&mut self, n: usize) -> &[LogRecord] {
        // Generous: on a loaded machine a reopen waits out several retry periods.
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.records.len() < n && Instant::now() < deadline {
            if let Ok(Some(b)) = tokio::time::timeout(Duration::from_millis(100), self.rx.recv()).await {
                self.take(b);
            }
            assert!(!self.task.is_finished(), "the receiver stopped: {:?}", (&mut self.task).await);
        }
        while let Ok(Some(b)) = tokio::time::timeout(Duration::from_millis(400), self.rx.recv()).await {
            self.take(b);
        }
        assert_eq!(self.records.len(), n, "records: {:#?}", self.records.iter().map(body).collect::<Vec<_>>());
        &self.records
    }

    async fn stop(mut self) -> Result<(), StageError> {
        self.shutdown.cancel();
        while let Some(b) = self.rx.recv().await {
            self.take(b);
        }
        self.task.await.unwrap()
    }
}

fn json(v: &AnyValue) -> Json {
    match v.value.as_ref() {
        Some(Value::StringValue(s)) => Json::String(s.clone()),
        Some(Value::DoubleValue(d)) if d.fract() == 0.0 => Json::from(*d as i64),
        Some(Value::DoubleValue(d)) => Json::from(*d),
        Some(Value::IntValue(i)) => Json::from(*i),
        Some(Value::BoolValue(b)) => Json::Bool(*b),
        Some(Value::ArrayValue(a)) => Json::Array(a.values.iter().map(json).collect()),
        Some(Value::KvlistValue(l)) => Json::Object(
            l.values.iter().map(|kv| (kv.key.clone(), kv.value.as_ref().map_or(Json::Null, json))).collect(),
        ),
        Some(Value::BytesValue(b)) => Json::Array(b.iter().map(|x| Json::from(*x)).collect()),
        other => panic!("unexpected value {other:?}"),
    }
}

/// The body map as JSON.
fn body(r: &LogRecord) -> Json {
    r.body.as_ref().map_or(Json::Null, json)
}

/// Records equal journalctl's entries: same order, body = the entry without
/// `__REALTIME_TIMESTAMP`, which is the record's time.
fn assert_same(records: &[LogRecord], entries: Vec<Json>, what: &str) {
    assert_eq!(records.len(), entries.len(), "{what}: record count");
    for (r, e) in records.iter().zip(entries) {
        let Json::Object(mut e) = e else { panic!("not an object") };
        let realtime: u64 = e.remove("__REALTIME_TIMESTAMP").unwrap().as_str().unwrap().parse().unwrap();
        assert_eq!(r.time_unix_nano, realtime * 1000, "{what}: timestamp");
        assert!(r.observed_time_unix_nano > 0);
        assert_eq!(body(r), Json::Object(e), "{what}");
    }
}

fn cursors(records: &[LogRecord]) -> Vec<String> {
    records.iter().map(|r| body(r)["__CURSOR"].as_str().unwrap().to_string()).collect()
}

fn base(dir: &Path) -> String {
    format!("directory: {}\nstart_at: beginning\n", dir.display())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_filter_kind_alone_and_combined_matches_journalctl() {
    let dir = fixture_journal();
    let d = dir.path();
    let cases: &[(&str, &[&str])] = &[
        ("", &["-p", "info"]),
        ("priority: \"7\"\n", &["-p", "7"]),
        ("priority: notice\n", &["-p", "notice"]),
        ("priority: warning..err\n", &["-p", "warning..err"]),
        ("units: [ssh]\n", &["-p", "info", "--unit", "ssh"]),
        ("units: ['ssh*', init.scope]\npriority: debug\n", &["-p", "debug", "--unit", "ssh*", "--unit", "init.scope"]),
        ("identifiers: [sshd, sshd-session]\n", &["-p", "info", "-t", "sshd", "-t", "sshd-session"]),
        (
            "matches: [{_TRANSPORT: audit, _AUDIT_TYPE_NAME: USER_LOGIN}, {SYSLOG_IDENTIFIER: sshd-session}]\n",
            &["-p", "info", "_AUDIT_TYPE_NAME=USER_LOGIN", "_TRANSPORT=audit", "+", "SYSLOG_IDENTIFIER=sshd-session"],
        ),
        ("grep: 'failed password'\n", &["-p", "info", "--grep", "failed password"]),
        ("grep: 'Failed|failed'\npriority: \"7\"\n", &["-p", "7", "--grep", "Failed|failed"]),
        ("grep: 'Failed'\n", &["-p", "info", "--grep", "Failed"]),
        ("dmesg: true\npriority: \"7\"\n", &["-p", "7", "--dmesg"]),
        ("identifiers: [myapp]\npriority: \"7\"\n", &["-p", "7", "-t", "myapp"]),
        (
            "units: [ssh]\nidentifiers: [sshd-session, sshd]\nmatches: [{_UID: 0}]\ngrep: invalid\n",
            &["-p", "info", "--unit", "ssh", "-t", "sshd-session", "-t", "sshd", "_UID=0", "--grep", "invalid"],
        ),
    ];
    for (extra, args) in cases {
        let expected = journalctl_json(d, args);
        assert!(!expected.is_empty(), "{extra}: pick options that match something");
        let mut run = start(&format!("{}{extra}", base(d)), None);
        let records = run.expect(expected.len()).await.to_vec();
        assert_same(&records, expected, extra);
        run.stop().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_config_yields_the_two_session_opens() {
    let dir = fixture_journal();
    let yaml = format!(
        "{}priority: \"7\"\nmatches:\n  - _TRANSPORT: audit\ngrep: \"USER_START.*op=PAM:session_open\"\n",
        base(dir.path())
    );
    let expected =
        journalctl_json(dir.path(), &["-p", "7", "_TRANSPORT=audit", "--grep", "USER_START.*op=PAM:session_open"]);
    let mut run = start(&yaml, None);
    let records = run.expect(2).await.to_vec();
    assert_same(&records, expected, "seed");
    let accounts: Vec<String> = records.iter().map(|r| body(r)["MESSAGE"].as_str().unwrap().to_string()).collect();
    assert!(accounts[0].contains("acct=\"alice\" exe=\"/usr/sbin/sshd\""), "{}", accounts[0]);
    assert!(accounts[1].contains("acct=\"root\" exe=\"/usr/sbin/cron\""), "{}", accounts[1]);
    run.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_globs_and_unusual_values_match_journalctl() {
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(5000);
    let mut export = export_entry(1, &[("MESSAGE", "multi"), ("FOO", "a"), ("FOO", "b"), ("TAB", "a\tb")]);
    export.extend(export_entry(2, &[("MESSAGE", "long"), ("LONG", &long), ("NBSP", "\u{a0}")]));
    // Binary fields: control characters, C1, a noncharacter, a newline.
    export.extend_from_slice(&export_entry(3, &[("MESSAGE", "binary")])[..]);
    export.pop(); // reopen the last entry to add binary-encoded fields
    for (k, v) in [("CTRL", &b"x\x1by"[..]), ("C1", b"\xc2\x85"), ("NONCHAR", b"\xef\xbf\xbe"), ("NL", b"a\nb")] {
        export.extend_from_slice(k.as_bytes());
        export.push(b'\n');
        export.extend_from_slice(&(v.len() as u64).to_le_bytes());
        export.extend_from_slice(v);
        export.push(b'\n');
    }
    export.push(b'\n');
    export.extend(export_entry(4, &[("PRIORITY", "6"), ("NOTE", "no MESSAGE")]));
    write_journal_file(dir.path(), "a.journal", &export);
    let pattern = format!("{}/*.journal", dir.path().display());
    // `--all`: journalctl shows long values whole only then; ferrocol always does.
    let expected = journalctl(&["--file", &pattern, "-p", "7", "--all"]);
    assert_eq!(expected.len(), 4);
    let mut run = start(&format!("files: ['{pattern}']\nstart_at: beginning\npriority: \"7\"\n"), None);
    let records = run.expect(4).await.to_vec();
    assert_same(&records, expected, "files");
    assert_eq!(body(&records[0])["FOO"], serde_json::json!(["a", "b"]));
    assert_eq!(body(&records[2])["CTRL"], serde_json::json!([120, 27, 121]));
    run.stop().await.unwrap();

    // Without --all journalctl shows `null` for the long value: the one difference.
    let short = journalctl(&["--file", &pattern, "-p", "7"]);
    assert_eq!(short[1]["LONG"], Json::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn convert_message_bytes_and_semantic_conventions() {
    let dir = fixture_journal();
    let yaml = format!("{}identifiers: [myapp]\npriority: \"7\"\nconvert_message_bytes: true\n", base(dir.path()));
    let mut run = start(&yaml, None);
    let records = run.expect(2).await.to_vec();
    assert_eq!(body(&records[1])["MESSAGE"], "raw \u{fffd}\u{fffd} bytes\u{0} from myapp");
    run.stop().await.unwrap();

    let yaml = format!(
        "{}units: [ssh]\nsemantic_conventions: true\nattributes: {{site: bastion-1}}\nresource: {{service.name: sshd}}\n",
        base(dir.path())
    );
    let mut run = start(&yaml, None);
    let records = run.expect(journalctl_json(dir.path(), &["-p", "info", "-u", "ssh"]).len()).await.to_vec();
    let r = &records[0];
    assert_eq!(body(r), "Accepted publickey for alice from 203.0.113.7 port 51234 ssh2: ED25519 SHA256:Qm9vZ0F1ZGl0VGVzdEtleUZpbmdlcnByaW50MDAxMjM0");
    assert_eq!((r.severity_number, r.severity_text.as_str()), (9, "info"));
    let attrs: Map<String, Json> =
        r.attributes.iter().map(|kv| (kv.key.clone(), kv.value.as_ref().map_or(Json::Null, json))).collect();
    assert_eq!(attrs["host.name"], "bastion");
    assert_eq!(attrs["process.pid"], 2101);
    assert_eq!(attrs["process.executable.name"], "sshd");
    assert_eq!(attrs["journald._SYSTEMD_UNIT"], "ssh.service");
    assert_eq!(attrs["journald.SYSLOG_IDENTIFIER"], "sshd");
    assert_eq!(attrs["site"], "bastion-1");
    run.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_appends_and_new_files() {
    let dir = fixture_journal();
    let d = dir.path();
    let mut run = start(&format!("{}priority: \"7\"\n", base(d)), None);
    run.expect(37).await;
    append_journal(d, &sshd_entries(0, 5));
    run.expect(42).await;
    write_journal_file(d, "second.journal", &sshd_entries(5, 5));
    let records = run.expect(47).await.to_vec();
    assert_same(&records, journalctl_json(d, &["-p", "7"]), "all, in journal order");
    // Vacuumed: the oldest file goes; reading goes on with the next one.
    std::fs::remove_file(d.join("remote.journal")).unwrap();
    write_journal_file(d, "third.journal", &sshd_entries(10, 2));
    let records = run.expect(49).await.to_vec();
    assert_same(&records[47..], journalctl_json(d, &["-p", "7"])[5..].to_vec(), "after the vacuum");
    run.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_at_end_emits_nothing_old() {
    let dir = fixture_journal();
    let mut run = start(&format!("directory: {}\npriority: \"7\"\n", dir.path().display()), None);
    run.expect(0).await;
    append_journal(dir.path(), &sshd_entries(0, 3));
    let records = run.expect(3).await.to_vec();
    assert!(body(&records[0])["MESSAGE"].as_str().unwrap().contains("user0 "));
    run.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_at_end_on_an_empty_journal_reads_every_file_that_comes() {
    let dir = tempfile::tempdir().unwrap();
    let mut run = start(&format!("directory: {}\npriority: \"7\"\n", dir.path().display()), None);
    run.expect(0).await;
    build_journal(&fixture_export(), dir.path());
    let records = run.expect(37).await.to_vec();
    assert_same(&records, journalctl_json(dir.path(), &["-p", "7"]), "the whole new file");
    run.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_resumes_after_the_stored_cursor_without_gap_or_duplicate() {
    let dir = fixture_journal();
    let storage = Arc::new(MemStorage::default());
    let yaml = format!("{}priority: \"7\"\nstorage: file_storage\n", base(dir.path()));

    let mut run = start(&yaml, Some(&storage));
    let first = run.expect(37).await.to_vec();
    run.stop().await.unwrap();
    assert_eq!(cursor(&storage).as_deref(), Some(cursors(&first)[36].as_str()), "saved after delivery");

    append_journal(dir.path(), &sshd_entries(0, 4));
    let mut run = start(&yaml, Some(&storage));
    let second = run.expect(4).await.to_vec();
    run.stop().await.unwrap();

    let all: Vec<String> = cursors(&first).into_iter().chain(cursors(&second)).collect();
    let expected: Vec<String> =
        journalctl_json(dir.path(), &["-p", "7"]).iter().map(|e| e["__CURSOR"].as_str().unwrap().to_string()).collect();
    assert_eq!(all, expected, "every entry exactly once");

    // Nothing new: nothing read, although start_at is `beginning`.
    let mut run = start(&yaml, Some(&storage));
    run.expect(0).await;
    run.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undelivered_batches_are_not_checkpointed() {
    let dir = fixture_journal();
    let storage = Arc::new(MemStorage::default());
    let yaml = format!("{}priority: \"7\"\nstorage: file_storage\n", base(dir.path()));
    let mut run = start(&yaml, Some(&storage));
    run.deliver = false;
    run.expect(37).await;
    run.stop().await.unwrap();
    assert_eq!(cursor(&storage), None);
    let mut run = start(&yaml, Some(&storage));
    run.expect(37).await;
    run.stop().await.unwrap();
}

/// 16 KiB binary fields: each record is ~180 KB of protobuf (an AnyValue per
/// byte), so the raw cap alone would let a batch reach megabytes; every batch
/// stays within the encoded bound, and all entries arrive, in order, checkpointed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_are_capped_by_their_encoded_size() {
    use crate::signal::Batch;
    let dir = tempfile::tempdir().unwrap();
    let blob: Vec<u8> = (0..16384u32).map(|i| (i % 251) as u8 | 0x80).collect();
    let mut export = Vec::new();
    for i in 0..120 {
        export.extend(export_entry(i, &[("MESSAGE", &format!("entry {i}"))]));
        export.pop(); // reopen the entry to add a binary field
        export.extend_from_slice(b"BLOB\n");
        export.extend_from_slice(&(blob.len() as u64).to_le_bytes());
        export.extend_from_slice(&blob);
        export.extend_from_slice(b"\n\n");
    }
    write_journal_file(dir.path(), "a.journal", &export);
    let storage = Arc::new(MemStorage::default());
    let yaml = format!("{}priority: \"7\"\nstorage: file_storage\n", base(dir.path()));
    let mut run = start(&yaml, Some(&storage));
    let (mut batches, mut sizes) = (0, Vec::new());
    while run.records.len() < 120 {
        let b = tokio::time::timeout(Duration::from_secs(30), run.rx.recv()).await.unwrap().unwrap();
        sizes.push(b.byte_size());
        batches += 1;
        run.take(b);
    }
    let bound = super::batch::MAX_BATCH_ENCODED;
    assert!(sizes.iter().all(|&s| s <= bound), "bound {bound}, batches {sizes:?}");
    assert!(batches >= 120 * 180_000 / bound, "{batches} batches: {sizes:?}");
    let messages: Vec<Json> = run.records.iter().map(|r| body(r)["MESSAGE"].clone()).collect();
    assert_eq!(messages, (0..120).map(|i| Json::from(format!("entry {i}"))).collect::<Vec<_>>());
    let last = cursors(&run.records).pop();
    run.stop().await.unwrap();
    assert_eq!(cursor(&storage), last);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_that_disappears_is_reopened_where_reading_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("journal");
    build_journal(&fixture_export(), &d);
    let mut run = start(&format!("{}priority: \"7\"\n", base(&d)), None);
    run.expect(37).await;
    // Keep a copy, remove the directory, and bring it back (new inodes) with more entries.
    let aside = dir.path().join("aside");
    std::fs::create_dir(&aside).unwrap();
    std::fs::copy(d.join("remote.journal"), aside.join("remote.journal")).unwrap();
    std::fs::remove_dir_all(&d).unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    append_journal(&aside, &sshd_entries(0, 2));
    // Bring it back whole (a rename), so the reader never sees a half-copied file.
    let staged = dir.path().join("staged");
    std::fs::create_dir(&staged).unwrap();
    std::fs::copy(aside.join("remote.journal"), staged.join("remote.journal")).unwrap();
    std::fs::rename(&staged, &d).unwrap();
    let records = run.expect(39).await.to_vec();
    assert_same(&records, journalctl_json(&d, &["-p", "7"]), "no gap, no duplicate");
    run.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_directory_fails_the_start_with_path_and_errno() {
    let (tx, _rx) = mpsc::channel(4);
    let cx = ReceiverContext::new(ComponentId::new("journald", None), Fanout::new(vec![tx]), CancellationToken::new());
    let Err(e) = config("directory: /nonexistent/journal\n").build(cx) else { panic!("the directory is missing") };
    assert_eq!(e.key, "directory");
    assert_eq!(e.message, "cannot open journal directory /nonexistent/journal: No such file or directory (os error 2)");
}

#[test]
fn the_fixture_is_required() {
    // The bundled sample the journal tests build their journal from.
    assert!(fixture_export().is_file());
    assert!(FACTORY.type_name == "journald");
}
