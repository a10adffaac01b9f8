//! The runtime end to end: fan-out, fan-in, and a clean shutdown under load that
//! loses nothing accepted.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::util::{self, http_request, write, Running};

/// An OTLP/JSON request with one resource and `n` records whose bodies are `{tag}-{i}`.
fn request(tag: &str, n: usize) -> Vec<u8> {
    let records: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"timeUnixNano":"1700000000000000000","body":{{"stringValue":"{tag}-{i}"}}}}"#))
        .collect();
    format!(r#"{{"resourceLogs":[{{"scopeLogs":[{{"logRecords":[{}]}}]}}]}}"#, records.join(",")).into_bytes()
}

fn post(port: u16, body: &[u8]) -> std::io::Result<u16> {
    http_request(port, "POST", "/v1/logs", &[("Content-Type", "application/json")], body).map(|(s, _, _)| s)
}

/// Start ferrocol with `body` as its config, `PORT` replaced by a free port for
/// the OTLP receiver; returns once that port listens.
fn start(body: &str) -> (tempfile::TempDir, Running, u16) {
    let dir = util::tempdir();
    let port = util::free_port();
    let cfg = write(dir.path(), "c.yaml", &body.replace("PORT", &port.to_string()));
    let r = Running::start(&["--config", &cfg]);
    util::wait_port(port, Duration::from_secs(20));
    (dir, r, port)
}

/// Sum of "log records" over the `Logs` lines the debug exporter printed.
fn printed_records(stdout: &str) -> usize {
    stdout
        .lines()
        .filter_map(|l| l.split("\"log records\": ").nth(1))
        .filter_map(|rest| rest.trim_end_matches('}').parse::<usize>().ok())
        .sum()
}

#[test]
fn clean_shutdown_under_load_loses_nothing_accepted() {
    let (_dir, mut r, port) = start(
        "\
receivers: {otlp: {protocols: {http: {endpoint: 127.0.0.1:PORT}}}}
processors: {batch: {send_batch_size: 50, timeout: 100ms}}
exporters: {debug: {verbosity: normal, use_internal_logger: false}}
service:
  pipelines: {logs: {receivers: [otlp], processors: [batch], exporters: [debug]}}
  channel_capacity: 2
",
    );

    let accepted = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let accepted = accepted.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) && i < 2000 {
                    let tag = format!("c{c}r{i}");
                    match post(port, &request(&tag, 5)) {
                        Ok(200) => accepted.lock().unwrap().extend((0..5).map(|k| format!("{tag}-{k}"))),
                        Ok(_) => std::thread::sleep(Duration::from_millis(5)), // 503: busy or stopping
                        Err(_) => break,                                       // listener closed
                    }
                    i += 1;
                }
            })
        })
        .collect();

    // Let load build up, then stop the collector while the clients still send.
    r.wait_for(Duration::from_secs(20), "records flowing", |out, _| printed_records(out) > 200);
    r.signal(libc::SIGTERM);
    let code = r.wait_exit(Duration::from_secs(30));
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    assert_eq!(code, 0, "{}", r.stderr());

    let out = r.stdout();
    let printed: HashSet<&str> = out.lines().map(|l| l.trim_end()).collect();
    let accepted = accepted.lock().unwrap();
    assert!(accepted.len() > 200, "too little load: {}", accepted.len());
    let lost: Vec<&String> = accepted.iter().filter(|b| !printed.contains(b.as_str())).collect();
    assert!(
        lost.is_empty(),
        "{} of {} accepted records were not exported, e.g. {:?}",
        lost.len(),
        accepted.len(),
        &lost[..lost.len().min(5)]
    );
}

#[test]
fn fan_out_to_pipelines_and_fan_in_to_one_exporter() {
    let (_dir, mut r, port) = start(
        "\
receivers: {otlp: {protocols: {http: {endpoint: 127.0.0.1:PORT}}}}
processors: {batch: {timeout: 10ms}}
exporters: {debug: {verbosity: normal, use_internal_logger: false}}
service:
  pipelines:
    logs/a: {receivers: [otlp], exporters: [debug]}
    logs/b: {receivers: [otlp], processors: [batch], exporters: [debug]}
",
    );
    assert_eq!(post(port, &request("fan", 3)).unwrap(), 200);
    // Printed once per pipeline (the answer comes after delivery, but this test reads
    // the output through a pipe, so it waits for it).
    let copies = |out: &str| -> Vec<usize> {
        (0..3).map(|i| out.lines().filter(|l| l.trim_end() == format!("fan-{i}")).count()).collect()
    };
    r.wait_for(Duration::from_secs(20), "both copies", |out, _| copies(out).iter().all(|&n| n >= 2));
    r.signal(libc::SIGTERM);
    assert_eq!(r.wait_exit(Duration::from_secs(20)), 0);
    assert_eq!(copies(&r.stdout()), [2, 2, 2], "each record once per pipeline");
}
