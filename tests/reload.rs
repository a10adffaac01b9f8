//! SIGHUP reloads the configuration: a valid one replaces the pipelines, a bad
//! one is logged and the running pipelines keep running; a receiver that
//! checkpoints resumes after the reload with no gap and no duplicate.

use std::time::{Duration, Instant};

use crate::teleport::{append, lines, stop, storage_workspace, uids, wait_records};
use crate::util::{self, http_request, write, Running};

fn config(port: u16, verbosity: &str) -> String {
    format!(
        "receivers: {{otlp: {{protocols: {{http: {{endpoint: 127.0.0.1:{port}}}}}}}}}\n\
         exporters: {{debug: {{verbosity: {verbosity}, use_internal_logger: false}}}}\n\
         service: {{pipelines: {{logs: {{receivers: [otlp], exporters: [debug]}}}}}}\n"
    )
}

fn body(tag: &str) -> Vec<u8> {
    format!(r#"{{"resourceLogs":[{{"scopeLogs":[{{"logRecords":[{{"body":{{"stringValue":"{tag}"}}}}]}}]}}]}}"#)
        .into_bytes()
}

/// Post until the receiver answers 200 (it is briefly down while pipelines are swapped).
fn post_until_accepted(port: u16, tag: &str) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if let Ok((200, _, _)) =
            http_request(port, "POST", "/v1/logs", &[("Content-Type", "application/json")], &body(tag))
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{tag} was never accepted");
}

#[test]
fn sighup_swaps_in_a_valid_config_and_keeps_running_on_a_bad_one() {
    let dir = util::tempdir();
    let port = util::free_port();
    let path = write(dir.path(), "c.yaml", &config(port, "basic"));
    let mut r = Running::start(&["--config", &path]);
    util::wait_port(port, Duration::from_secs(20));
    post_until_accepted(port, "before");
    assert!(!r.stdout().contains("before"), "basic verbosity prints no bodies");

    write(dir.path(), "c.yaml", &config(port, "normal"));
    r.signal(libc::SIGHUP);
    r.wait_stderr("configuration reloaded");
    post_until_accepted(port, "after-reload");
    r.wait_for(Duration::from_secs(10), "the new verbosity", |out, _| {
        out.lines().any(|l| l.trim_end() == "after-reload")
    });

    write(dir.path(), "c.yaml", &config(port, "loud"));
    r.signal(libc::SIGHUP);
    r.wait_stderr("the running pipelines keep running");
    assert!(r.stderr().contains("exporters::debug: verbosity"), "{}", r.stderr());
    post_until_accepted(port, "still-running");
    r.wait_for(Duration::from_secs(10), "the old pipelines", |out, _| {
        out.lines().any(|l| l.trim_end() == "still-running")
    });

    // Valid, but its port is taken by another process: the new pipelines are
    // built (ports bound) while the old ones run, so the reload fails at once,
    // with the positioned error, and the old pipelines never stop.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = busy.local_addr().unwrap().port();
    write(dir.path(), "c.yaml", &config(taken, "normal"));
    let before = r.stderr().matches("the running pipelines keep running").count();
    r.signal(libc::SIGHUP);
    let expected = format!("receivers::otlp: protocols::http::endpoint: cannot listen on 127.0.0.1:{taken}: ");
    r.wait_for(Duration::from_secs(1), "the reload refused within a second", |_, e| {
        e.matches("the running pipelines keep running").count() > before && e.contains(&expected)
    });
    let positioned =
        regex::Regex::new(&format!(r"{}:1:\d+: {}", regex::escape(&path), regex::escape(&expected))).unwrap();
    assert!(positioned.is_match(&r.stderr()), "file:line:col expected:\n{}", r.stderr());
    post_until_accepted(port, "kept-running");
    r.wait_for(Duration::from_secs(10), "the old pipelines", |out, _| {
        out.lines().any(|l| l.trim_end() == "kept-running")
    });
    drop(busy);

    r.signal(libc::SIGTERM);
    assert_eq!(r.wait_exit(Duration::from_secs(20)), 0, "{}", r.stderr());
}

#[test]
fn a_taken_port_fails_the_start_before_any_receiver_reads() {
    let dir = util::tempdir();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = busy.local_addr().unwrap().port();
    let log = write(dir.path(), "in.log", "first line\n");
    let path = write(
        dir.path(),
        "c.yaml",
        &format!(
            "receivers:\n  filelog:\n    include: [{log}]\n    start_at: beginning\n  otlp:\n    protocols:\n      http:\n        \
             endpoint: 127.0.0.1:{taken}\nexporters:\n  debug: {{verbosity: detailed, use_internal_logger: false}}\n\
             service:\n  pipelines:\n    logs: {{receivers: [filelog, otlp], exporters: [debug]}}\n"
        ),
    );
    let (code, out, err) = util::run(&["--config", &path]);
    assert_eq!(code, 1, "{err}");
    let expected =
        format!("{path}:8:19: receivers::otlp: protocols::http::endpoint: cannot listen on 127.0.0.1:{taken}: ");
    assert!(err.lines().any(|l| l.starts_with(&expected)), "{err}");
    assert!(err.contains("ferrocol: cannot start: 1 error(s)"), "{err}");
    assert!(!out.contains("first line"), "nothing was read: {out}");
    // `validate` binds nothing, so the same config passes it.
    let (code, _, err) = util::run(&["validate", "--config", &path]);
    assert_eq!(code, 0, "{err}");
}

/// Issue 8: SIGHUP swaps the pipelines without losing or duplicating records: the
/// old pipelines drain and checkpoint, the new receiver resumes from the checkpoint.
#[test]
fn sighup_reload_resumes_from_the_checkpoint_without_gap_or_duplicate() {
    let (work, log, storage, day1) = storage_workspace();
    append(&day1, lines(0, 2000).as_bytes());
    let text = |batch: &str| {
        format!(
            "extensions:\n  file_storage:\n    directory: {storage:?}\n\
             receivers:\n  teleport:\n    directory: {log:?}\n    storage: file_storage\n\
             processors:\n  batch:\n    timeout: {batch}\n\
             exporters:\n  debug:\n    verbosity: normal\n    use_internal_logger: false\n\
             service:\n  extensions: [file_storage]\n  telemetry: {{metrics: {{level: none}}}}\n  \
             pipelines:\n    logs:\n      receivers: [teleport]\n      processors: [batch]\n      exporters: [debug]\n"
        )
    };
    let cfg = write(work.path(), "config.yaml", &text("100ms"));
    let mut r = Running::start(&["--config", &cfg]);
    wait_records(&r, 2000);
    // Lines arrive around the reload; some are in flight when it starts.
    append(&day1, lines(2000, 2500).as_bytes());
    write(work.path(), "config.yaml", &text("50ms"));
    r.signal(libc::SIGHUP);
    r.wait_stderr("configuration reloaded");
    append(&day1, lines(2500, 3000).as_bytes());
    wait_records(&r, 3000);
    std::thread::sleep(std::time::Duration::from_millis(500));
    stop(&mut r);
    let seen = uids(&r.stdout());
    assert_eq!(seen.len(), 3000, "no gap");
    let dups: Vec<_> = seen.iter().filter(|(_, &n)| n != 1).collect();
    assert!(dups.is_empty(), "no duplicates: {dups:?}");
}
