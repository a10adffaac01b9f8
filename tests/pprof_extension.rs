//! The pprof extension in the real binary: a CPU profile taken while a
//! pipeline is busy is pprof's gzip-compressed protobuf, with samples whose
//! functions are ferrocol's own.

use std::io::Read;
use std::time::Duration;

use ::pprof::protos::{Message, Profile};

use crate::util::{free_port, http_request, tempdir, wait_port, write, Running};

#[test]
fn cpu_profile_of_a_busy_pipeline() {
    let dir = tempdir();
    let line = format!("{}\n", "y".repeat(200));
    let file = write(dir.path(), "big.log", &line.repeat(400_000));
    let port = free_port();
    let config = write(
        dir.path(),
        "config.yaml",
        &format!(
            "extensions: {{pprof: {{endpoint: '127.0.0.1:{port}'}}}}\n\
             receivers: {{filelog: {{include: [{file}], start_at: beginning}}}}\n\
             processors: {{transform: {{log_statements: ['set(attributes[\"x\"], Concat([body, \"a\"], \"-\"))']}}}}\n\
             exporters: {{debug: {{verbosity: basic}}}}\n\
             service: {{extensions: [pprof], pipelines: {{logs: {{receivers: [filelog], processors: [transform], exporters: [debug]}}}}}}\n"
        ),
    );
    let mut running = Running::start(&["--config", &config]);
    wait_port(port, Duration::from_secs(20));
    let resp = http_request(port, "GET", "/debug/pprof/profile?seconds=2", &[], b"").unwrap();
    assert_eq!(resp.0, 200, "{}", String::from_utf8_lossy(&resp.2));
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(resp.2.as_slice()).read_to_end(&mut raw).unwrap();
    let profile = Profile::decode(raw.as_slice()).unwrap();
    let name = |i: i64| profile.string_table[i as usize].as_str();
    let kinds: Vec<(&str, &str)> = profile.sample_type.iter().map(|t| (name(t.ty), name(t.unit))).collect();
    assert!(kinds.contains(&("cpu", "nanoseconds")), "{kinds:?}");
    assert!(!profile.sample.is_empty(), "no samples while the pipeline was busy");
    assert!(profile.function.iter().any(|f| name(f.name).contains("ferrocol")), "no ferrocol function sampled");
    running.signal(libc::SIGTERM);
    assert_eq!(running.wait_exit(Duration::from_secs(30)), 0, "{}", running.stderr());
}
