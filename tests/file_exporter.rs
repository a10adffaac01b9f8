//! The file exporter in the real binary: filelog → file with rotation. Every
//! line read arrives exactly once across the current file and its backups,
//! each line of each file being one whole OTLP/JSON request.

use std::collections::HashSet;
use std::time::Duration;

use ferrocol::otlp::json::decode_logs_request;
use opentelemetry_proto::tonic::common::v1::any_value::Value;

use crate::util::{tempdir, write, Running};

const LINES: usize = 20_000;

/// The bodies written to `path`; `strict` once ferrocol has exited (before, the
/// last line may still be being written).
fn bodies_in(path: &std::path::Path, seen: &mut Vec<String>, strict: bool) {
    let text = String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned();
    for line in text.lines() {
        let req = match decode_logs_request(line.as_bytes()) {
            Ok(req) => req,
            Err(e) if strict => panic!("{}: {e}", path.display()),
            Err(_) => continue,
        };
        for r in req.resource_logs.iter().flat_map(|r| &r.scope_logs).flat_map(|s| &s.log_records) {
            match r.body.as_ref().and_then(|b| b.value.as_ref()) {
                Some(Value::StringValue(s)) => seen.push(s.clone()),
                other => panic!("unexpected body {other:?}"),
            }
        }
    }
}

#[test]
fn filelog_to_rotating_file_loses_and_repeats_nothing() {
    let dir = tempdir();
    let pad = "z".repeat(100);
    let input: String = (0..LINES).map(|i| format!("line-{i:06} {pad}\n")).collect();
    let file = write(dir.path(), "in.log", &input);
    let out = dir.path().join("out/logs.json");
    let config = write(
        dir.path(),
        "config.yaml",
        &format!(
            "receivers: {{filelog: {{include: [{file}], start_at: beginning}}}}\n\
             exporters: {{file: {{path: {}, create_directory: true, rotation: {{max_megabytes: 1, max_backups: 0}}}}}}\n\
             service: {{pipelines: {{logs: {{receivers: [filelog], exporters: [file]}}}}}}\n",
            out.display()
        ),
    );
    let mut running = Running::start(&["--config", &config]);
    // Wait until the output (current file and backups) holds every line.
    let count = |strict: bool| {
        let mut seen = Vec::new();
        for e in std::fs::read_dir(out.parent().unwrap()).into_iter().flatten().flatten() {
            bodies_in(&e.path(), &mut seen, strict);
        }
        seen
    };
    let start = std::time::Instant::now();
    while count(false).len() < LINES {
        assert!(start.elapsed() < Duration::from_secs(60), "only {} of {LINES} lines written", count(false).len());
        std::thread::sleep(Duration::from_millis(100));
    }
    running.signal(libc::SIGTERM);
    assert_eq!(running.wait_exit(Duration::from_secs(20)), 0, "{}", running.stderr());
    let seen = count(true);
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!((seen.len(), unique.len()), (LINES, LINES));
    let backups = std::fs::read_dir(out.parent().unwrap()).unwrap().count() - 1;
    assert!(backups >= 2, "about 2.5 MB of JSON in 1 MB files should rotate, {backups} backups");
}
