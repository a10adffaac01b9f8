//! Integration tests: extensions.
//! `health_check` and `file_storage` in the real binary: readiness over HTTP
//! while pipelines run, a clean SIGTERM, and `validate` reporting a missing
//! storage directory without binding any port.

use std::time::{Duration, Instant};

use crate::util::{self, http_request, write, Running};

/// A config with both extensions and one otlp → debug pipeline.
fn config(dir: &std::path::Path, health_port: u16, otlp_port: u16, storage: &std::path::Path) -> String {
    let text = format!(
        "\
extensions:
  health_check: {{endpoint: 127.0.0.1:{health_port}}}
  file_storage: {{directory: '{}'}}
receivers:
  otlp: {{protocols: {{http: {{endpoint: 127.0.0.1:{otlp_port}}}}}}}
exporters:
  debug: {{}}
service:
  extensions: [health_check, file_storage]
  pipelines:
    logs: {{receivers: [otlp], exporters: [debug]}}
",
        storage.display()
    );
    write(dir, "config.yaml", &text)
}

/// GET / until the answer is 200 (the pipelines may still be starting); returns it.
fn wait_healthy(r: &Running, port: u16) -> (u16, Vec<(String, String)>, String) {
    let start = Instant::now();
    loop {
        if let Ok((status, headers, body)) = http_request(port, "GET", "/", &[], b"") {
            if status == 200 || start.elapsed() > Duration::from_secs(20) {
                return (status, headers, String::from_utf8(body).unwrap());
            }
        }
        if start.elapsed() > Duration::from_secs(20) {
            panic!("health_check never answered\n--- stderr ---\n{}", r.stderr());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn health_check_answers_while_running_and_sigterm_exits_0() {
    let dir = util::tempdir();
    let storage = dir.path().join("storage");
    std::fs::create_dir(&storage).unwrap();
    let (health_port, otlp_port) = (util::free_port(), util::free_port());
    let cfg = config(dir.path(), health_port, otlp_port, &storage);

    let mut r = Running::start(&["--config", &cfg]);
    util::wait_port(health_port, Duration::from_secs(20));
    let (status, headers, body) = wait_healthy(&r, health_port);
    assert_eq!(status, 200, "{body}\n--- stderr ---\n{}", r.stderr());
    assert!(headers.iter().any(|(k, v)| k == "content-type" && v == "application/json"), "{headers:?}");
    assert!(body.starts_with(r#"{"status":"Server available","upSince":""#), "{body}");
    assert!(body.contains(r#"","uptime":""#) && body.ends_with(r#"s"}"#), "{body}");

    // The pipeline runs behind it.
    util::wait_port(otlp_port, Duration::from_secs(20));

    r.signal(libc::SIGTERM);
    let code = r.wait_exit(Duration::from_secs(30));
    assert_eq!(code, 0, "--- stderr ---\n{}", r.stderr());
    assert!(std::net::TcpStream::connect(("127.0.0.1", health_port)).is_err(), "health_check stopped with the process");
}

#[test]
fn validate_reports_a_missing_storage_directory() {
    let dir = util::tempdir();
    let missing = dir.path().join("does/not/exist");
    let cfg = config(dir.path(), util::free_port(), util::free_port(), &missing);
    let (code, _out, err) = util::run(&["validate", "--config", &cfg]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("extensions::file_storage"), "{err}");
    assert!(err.contains(&missing.display().to_string()), "{err}");
    assert!(err.contains("create_directory"), "{err}");
    assert!(!missing.exists(), "validate creates nothing without create_directory");
}

#[test]
fn validate_does_not_bind_health_check() {
    let dir = util::tempdir();
    // The health_check port is taken: `validate` must still pass, as
    // health_check binds only once it runs.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let cfg = config(dir.path(), taken.local_addr().unwrap().port(), util::free_port(), dir.path());
    let (code, _out, err) = util::run(&["validate", "--config", &cfg]);
    assert_eq!(code, 0, "{err}");
}
