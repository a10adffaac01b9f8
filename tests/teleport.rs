//! The `teleport` receiver end to end: the real fixture through the debug
//! exporter, rotation, partial and oversized lines, bad lines, restarts.
//! Nothing here is timed: each test waits (generously) for what it expects.

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::util::{self, strip_ansi, write, Running};

const HOST: &str = "4b1c7a2e-5d3f-4e6a-9b8c-1d2e3f405162";
const WAIT: Duration = Duration::from_secs(30);

/// Sum of "log records" over the debug exporter's `Logs` lines.
pub(crate) fn printed_records(stdout: &str) -> usize {
    stdout
        .lines()
        .filter_map(|l| l.split("\"log records\": ").nth(1))
        .filter_map(|rest| rest.trim_end_matches('}').parse::<usize>().ok())
        .sum()
}

/// How many times each `"uid":"..."` appears in the output, by uid.
pub(crate) fn uids(stdout: &str) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for part in stdout.split("\"uid\":\"").skip(1) {
        let uid = part.split('"').next().unwrap_or_default().to_string();
        *m.entry(uid).or_default() += 1;
    }
    m
}

fn config(dir: &Path, receiver_extra: &str, verbosity: &str) -> String {
    let text = format!(
        "receivers:\n  teleport:\n    directory: {:?}\n{receiver_extra}\
         exporters:\n  debug:\n    verbosity: {verbosity}\n    use_internal_logger: false\n\
         service:\n  telemetry: {{metrics: {{level: none}}}}\n  pipelines:\n    logs:\n      receivers: [teleport]\n      exporters: [debug]\n",
        dir.to_string_lossy()
    );
    write(dir.parent().unwrap(), "config.yaml", &text)
}

fn event(uid: &str, event: &str, time: &str) -> String {
    format!(
        r#"{{"ei":0,"event":"{event}","uid":"{uid}","code":"T1000I","time":"{time}","user":"alice","success":true,"addr.remote":"10.0.0.9:5555"}}"#
    )
}

pub(crate) fn append(path: &Path, text: &[u8]) {
    OpenOptions::new().create(true).append(true).open(path).unwrap().write_all(text).unwrap();
}

/// Append one event line (`event(uid, name, time)`) to `path`.
fn append_event(path: &Path, uid: &str, name: &str, time: &str) {
    append(path, (event(uid, name, time) + "\n").as_bytes());
}

/// An empty `log` directory in `work`.
fn log_dir(work: &Path) -> PathBuf {
    let log = work.join("log");
    fs::create_dir_all(&log).unwrap();
    log
}

/// SIGTERM, and a clean exit.
pub(crate) fn stop(r: &mut Running) {
    r.signal(libc::SIGTERM);
    assert_eq!(r.wait_exit(WAIT), 0, "{}", r.stderr());
}

pub(crate) fn wait_records(r: &Running, n: usize) {
    r.wait_for(WAIT, &format!("{n} records"), |out, _| printed_records(out) >= n);
}

#[test]
fn fixture_through_the_debug_exporter_matches_the_golden_output() {
    let work = util::tempdir();
    let cfg = write(
        work.path(),
        "config.yaml",
        &fs::read_to_string(util::repo("tests/golden/teleport_fixture/config.yaml"))
            .unwrap()
            .replace("FIXTURE", &util::teleport_fixture().to_string_lossy()),
    );
    let started = std::time::SystemTime::now();
    let mut r = Running::start(&["--config", &cfg]);
    wait_records(&r, 10);
    stop(&mut r);
    let out = r.stdout();
    // The observed time is the read time: masked, and checked to be recent.
    let mut normalized = String::new();
    for line in out.lines() {
        match line.strip_prefix("ObservedTimestamp: ") {
            Some(ts) => {
                let since = chrono::DateTime::<chrono::Utc>::from(started).format("%Y-%m-%d %H:%M:%S").to_string();
                assert!(ts >= since.as_str(), "observed {ts} before the start {since}");
                normalized.push_str("ObservedTimestamp: <read time>\n");
            }
            None => {
                normalized.push_str(line);
                normalized.push('\n');
            }
        }
    }
    let expected = fs::read_to_string(util::repo("tests/golden/teleport_fixture/expected.out")).unwrap();
    util::assert_text_eq(&expected, &normalized);
    let err = strip_ansi(&r.stderr());
    assert!(!err.contains("WARN") && !err.contains("ERROR"), "{err}");
}

/// A copy of the fixture with a real `events.log` symlink, and files where
/// Teleport keeps no audit events.
fn fixture_copy(dir: &Path) -> PathBuf {
    let log = dir.join("log");
    fs::create_dir_all(log.join(HOST)).unwrap();
    for e in fs::read_dir(util::teleport_fixture().join(HOST)).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), log.join(HOST).join(e.file_name())).unwrap();
    }
    std::os::unix::fs::symlink(format!("{HOST}/2020-04-23.00:00:00.log"), log.join("events.log")).unwrap();
    for d in ["records", "upload", "playbacks", "sessions"] {
        fs::create_dir_all(log.join(d)).unwrap();
        fs::write(
            log.join(d).join("2020-04-23.00:00:00.log"),
            event(&format!("in-{d}"), "x", "2020-04-23T00:00:00Z") + "\n",
        )
        .unwrap();
    }
    fs::create_dir_all(log.join(HOST).join("sessions/default")).unwrap();
    log
}

#[test]
fn every_fixture_event_is_read_exactly_once() {
    let work = util::tempdir();
    let log = fixture_copy(work.path());
    // One more server writing straight into the directory (audit_events_uri: file://).
    fs::write(log.join("2021-01-01.00:00:00.log"), event("top-level", "user.login", "2021-01-01T00:00:00Z") + "\n")
        .unwrap();
    let mut r = Running::start(&["--config", &config(&log, "", "detailed")]);
    wait_records(&r, 11);
    // Two more polls' worth of time would show a second read; wait for a later event instead.
    fs::write(
        log.join(HOST).join("2021-01-02.00:00:00.log"),
        event("marker", "user.login", "2021-01-02T00:00:00Z") + "\n",
    )
    .unwrap();
    wait_records(&r, 12);
    stop(&mut r);
    let out = r.stdout();
    let seen = uids(&out);
    assert_eq!(seen.len(), 12, "{seen:?}");
    assert!(seen.values().all(|&n| n == 1), "{seen:?}");
    assert!(!seen.keys().any(|u| u.starts_with("in-")), "folders without audit events are not read: {seen:?}");
    assert_eq!(printed_records(&out), 12);
    // The top-level file has no auth server folder.
    let top = out.split("ResourceLog #").find(|b| b.contains("top-level")).unwrap();
    assert!(!top.contains("teleport.auth_server_id"), "{top}");
}

#[test]
fn midnight_rotation_picks_up_the_new_daily_file() {
    let work = util::tempdir();
    let log = work.path().join("log");
    let host = log.join("auth-1");
    fs::create_dir_all(&host).unwrap();
    let day1 = host.join("2024-03-01.00:00:00.log");
    append_event(&day1, "d1-a", "user.login", "2024-03-01T10:00:00Z");
    append_event(&day1, "d1-b", "exec", "2024-03-01T23:59:59.999Z");
    std::os::unix::fs::symlink("auth-1/2024-03-01.00:00:00.log", log.join("events.log")).unwrap();
    let mut r = Running::start(&["--config", &config(&log, "", "normal")]);
    wait_records(&r, 2);
    // Midnight UTC: Teleport opens the next daily file and re-points the symlink.
    let day2 = host.join("2024-03-02.00:00:00.log");
    append_event(&day2, "d2-a", "session.start", "2024-03-02T00:00:00.5Z");
    fs::remove_file(log.join("events.log")).unwrap();
    std::os::unix::fs::symlink("auth-1/2024-03-02.00:00:00.log", log.join("events.log")).unwrap();
    wait_records(&r, 3);
    append_event(&day2, "d2-b", "session.end", "2024-03-02T00:10:00Z");
    wait_records(&r, 4);
    stop(&mut r);
    let seen = uids(&r.stdout());
    assert_eq!(seen.keys().collect::<Vec<_>>(), ["d1-a", "d1-b", "d2-a", "d2-b"]);
    assert!(seen.values().all(|&n| n == 1), "{seen:?}");
}

#[test]
fn a_line_written_in_two_parts_is_one_event() {
    let work = util::tempdir();
    let log = log_dir(work.path());
    let day = log.join("2024-03-01.00:00:00.log");
    let line = event("split-line", "user.login", "2024-03-01T10:00:00Z");
    let (head, tail) = line.split_at(40);
    append(&day, head.as_bytes());
    // force_flush_period 0: an unterminated line waits for its end however long it takes.
    let mut r = Running::start(&["--config", &config(&log, "    force_flush_period: 0s\n", "normal")]);
    // A later event in another file proves the head has been seen and held.
    append_event(&log.join("2024-03-02.00:00:00.log"), "marker", "exec", "2024-03-02T00:00:00Z");
    wait_records(&r, 1);
    assert!(r.stdout().contains("marker"));
    append(&day, format!("{tail}\n").as_bytes());
    wait_records(&r, 2);
    stop(&mut r);
    let out = r.stdout();
    assert_eq!(uids(&out).get("split-line"), Some(&1), "{out}");
    assert!(!out.contains("teleport.parse_error"), "{out}");
}

#[test]
fn oversized_invalid_and_non_json_lines_are_kept_and_marked() {
    let work = util::tempdir();
    let log = log_dir(work.path());
    let day = log.join("2024-03-01.00:00:00.log");
    let mut data = Vec::new();
    data.extend(event("first", "user.login", "2024-03-01T10:00:00Z").bytes());
    data.extend(b"\ngarbage, not json\n");
    data.extend(format!(r#"{{"event":"huge","uid":"huge","pad":"{}"}}"#, "x".repeat(10 << 20)).bytes());
    data.extend(b"\n");
    data.extend(r#"{"event":"user.login","uid":"utf8","user":"b"#.bytes());
    data.extend(b"\xff\xfe");
    data.extend(br#"ob","time":"2024-03-01T10:00:01Z"}"#);
    data.extend(b"\n{broken json\n");
    data.extend(event("last", "user.login", "2024-03-01T10:00:02Z").bytes());
    data.extend(b"\n");
    append(&day, &data);
    let mut r = Running::start(&["--config", &config(&log, "", "detailed")]);
    wait_records(&r, 6);
    stop(&mut r);
    let out = r.stdout();
    let records: Vec<&str> = out.split("LogRecord #").skip(1).collect();
    assert_eq!(records.len(), 6);
    // Non-JSON: raw body, flagged, WARN.
    assert!(records[1].contains("Body: Str(garbage, not json)"), "{}", records[1]);
    assert!(records[1].contains("teleport.parse_error: Str(expected value at line 1 column 1)"), "{}", records[1]);
    assert!(records[1].contains("SeverityNumber: Warn(13)"));
    // 10 MiB: the first 1 MiB, marked; it is no longer valid JSON.
    let huge = records[2];
    assert!(huge.contains("log.record.truncated: Bool(true)"), "truncated marker");
    assert!(huge.contains("teleport.parse_error"));
    let body = huge.split("Body: Str(").nth(1).unwrap().split(")\nAttributes:").next().unwrap();
    assert_eq!(body.len(), 1 << 20);
    assert!(body.starts_with(r#"{"event":"huge","uid":"huge","pad":"xxx"#));
    // Invalid UTF-8 is replaced, the event still parses.
    assert!(records[3].contains("user.name: Str(b\u{fffd}\u{fffd}ob)"), "{}", records[3]);
    assert!(!records[3].contains("parse_error"));
    assert!(records[4].contains("Body: Str({broken json)"));
    assert!(records[5].contains("teleport.event_id: Str(last)"));
    // Logged once for the file, with the first bad line's number.
    let err = strip_ansi(&r.stderr());
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("not a valid JSON event")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(warnings[0].contains("line=2"), "{}", warnings[0]);
    assert!(err.contains("lines=3"), "the count is reported at shutdown: {err}");
}

/// A Teleport log dir with one auth server folder and a storage dir, in a temp
/// dir: (the temp dir, log dir, storage dir, the first daily file).
pub(crate) fn storage_workspace() -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
    let work = util::tempdir();
    let log = work.path().join("log");
    let storage = work.path().join("storage");
    fs::create_dir_all(log.join("auth-1")).unwrap();
    fs::create_dir_all(&storage).unwrap();
    let day1 = log.join("auth-1/2024-03-01.00:00:00.log");
    (work, log, storage, day1)
}

/// Exec events with uids `e-{from}` .. `e-{to - 1}`, one per line.
pub(crate) fn lines(from: usize, to: usize) -> String {
    (from..to).map(|i| event(&format!("e-{i}"), "exec", "2024-03-01T10:00:00Z") + "\n").collect()
}

#[test]
fn restart_with_file_storage_has_no_gap_and_no_duplicate() {
    let (work, log, storage, day1) = storage_workspace();
    append(&day1, lines(0, 3000).as_bytes());
    let text = format!(
        "extensions:\n  file_storage:\n    directory: {storage:?}\n\
         receivers:\n  teleport:\n    directory: {log:?}\n    storage: file_storage\n\
         exporters:\n  debug:\n    verbosity: normal\n    use_internal_logger: false\n\
         service:\n  extensions: [file_storage]\n  pipelines:\n    logs:\n      receivers: [teleport]\n      exporters: [debug]\n"
    );
    let cfg = write(work.path(), "config.yaml", &text);

    let mut r = Running::start(&["--config", &cfg]);
    wait_records(&r, 3000);
    // Written while running, read before the stop.
    append(&day1, lines(3000, 3500).as_bytes());
    wait_records(&r, 3500);
    stop(&mut r);
    let first = uids(&r.stdout());
    assert_eq!(first.len(), 3500);

    // While stopped: more lines, and the next day's file.
    append(&day1, lines(3500, 4000).as_bytes());
    append(&log.join("auth-1/2024-03-02.00:00:00.log"), lines(4000, 4200).as_bytes());
    let mut r = Running::start(&["--config", &cfg]);
    wait_records(&r, 700);
    append(&day1, lines(4200, 4300).as_bytes());
    wait_records(&r, 800);
    stop(&mut r);
    let second = uids(&r.stdout());
    let mut expected: Vec<String> = (3500..4300).map(|i| format!("e-{i}")).collect();
    expected.sort();
    assert_eq!(second.keys().cloned().collect::<Vec<_>>(), expected, "exactly the lines written after the stop");
    assert!(second.values().all(|&n| n == 1));
    assert!(strip_ansi(&r.stderr()).contains("resuming from the stored checkpoint"));
}

#[test]
fn a_daily_file_deleted_while_being_read() {
    let work = util::tempdir();
    let log = log_dir(work.path());
    let day = log.join("2024-03-01.00:00:00.log");
    let n = 100_000;
    let text: String = (0..n).map(|i| event(&format!("del-{i}"), "exec", "2024-03-01T10:00:00Z") + "\n").collect();
    append(&day, text.as_bytes());
    let mut r = Running::start(&["--config", &config(&log, "", "basic")]);
    wait_records(&r, 1);
    fs::remove_file(&day).unwrap();
    // Everything written before the deletion is still delivered, through the open handle.
    wait_records(&r, n);
    append_event(&log.join("2024-03-02.00:00:00.log"), "after", "exec", "2024-03-02T00:00:00Z");
    wait_records(&r, n + 1);
    stop(&mut r);
    assert_eq!(printed_records(&r.stdout()), n + 1);
}

#[test]
fn events_filters_and_extra_attributes() {
    let work = util::tempdir();
    let log = log_dir(work.path());
    let day = log.join("2024-03-01.00:00:00.log");
    let text = [
        event("keep-login", "user.login", "2024-03-01T10:00:00Z"),
        event("skip-exec", "exec", "2024-03-01T10:00:00Z"),
        event("keep-start", "session.start", "2024-03-01T10:00:00Z"),
        event("skip-data", "session.data", "2024-03-01T10:00:00Z"),
        event("last", "user.login", "2024-03-01T10:00:00Z"),
    ]
    .join("\n")
        + "\n";
    append(&day, text.as_bytes());
    let extra = "    events: [user.login, session.start, session.data]\n    exclude_events: [session.data]\n\
                 \x20   attributes: {env: prod}\n    resource: {deployment.environment: prod}\n";
    let mut r = Running::start(&["--config", &config(&log, extra, "detailed")]);
    wait_records(&r, 3);
    stop(&mut r);
    let out = r.stdout();
    let seen = uids(&out);
    assert_eq!(seen.keys().collect::<Vec<_>>(), ["keep-login", "keep-start", "last"]);
    assert!(out.contains("     -> env: Str(prod)\n"));
    assert!(out.contains("     -> deployment.environment: Str(prod)\n"));
}

#[test]
fn config_errors_are_positioned() {
    let work = util::tempdir();
    let cfg = write(
        work.path(),
        "bad.yaml",
        "receivers:\n  teleport:\n    directroy: /x\n  teleport/2:\n    start_at: middle\nexporters: {debug: {}}\n\
         service: {pipelines: {logs: {receivers: [teleport, teleport/2], exporters: [debug]}}}\n",
    );
    let (code, _, err) = util::run(&["validate", "--config", &cfg]);
    assert_eq!(code, 1);
    assert!(err.contains("bad.yaml:3:5: receivers::teleport: directroy: unknown field `directroy`"), "{err}");
    assert!(
        err.contains("bad.yaml:5:15: receivers::teleport/2: start_at: invalid value 'middle' for parameter 'start_at'"),
        "{err}"
    );
}

#[test]
fn inotify_finds_new_lines_and_files_between_polls() {
    let work = util::tempdir();
    let log = work.path().join("log");
    fs::create_dir_all(log.join("auth-1")).unwrap();
    let day1 = log.join("auth-1/2024-03-01.00:00:00.log");
    append_event(&day1, "n-1", "exec", "2024-03-01T10:00:00Z");
    // Polls an hour apart: only inotify can make the later lines show up.
    let mut r = Running::start(&["--config", &config(&log, "    poll_interval: 1h\n", "normal")]);
    wait_records(&r, 1);
    append_event(&day1, "n-2", "exec", "2024-03-01T10:00:01Z");
    wait_records(&r, 2);
    append_event(&log.join("auth-1/2024-03-02.00:00:00.log"), "n-3", "exec", "2024-03-02T00:00:00Z");
    wait_records(&r, 3);
    // A new auth server folder: its directory is not watched yet, the top level is.
    fs::create_dir_all(log.join("auth-2")).unwrap();
    append_event(&log.join("auth-2/2024-03-02.00:00:00.log"), "n-4", "exec", "2024-03-02T00:00:00Z");
    wait_records(&r, 4);
    stop(&mut r);
    let seen = uids(&r.stdout());
    assert_eq!(seen.len(), 4, "{seen:?}");
}
