//! Real configs no one here wrote (tests/fixtures/real-configs, sources in each
//! file's header): otelcol-contrib's packaged default config and the helm
//! chart's default agent config. `ferrocol validate` must accept everything in
//! them that ferrocol provides and name each out-of-scope part in one clear,
//! positioned error — and nothing else.

use std::process::Command;

use crate::util::{repo, BIN};

/// `ferrocol validate` on a fixture: the exit code and the error lines, with the path stripped.
fn validate(name: &str) -> (i32, Vec<String>) {
    let path = repo(&format!("tests/fixtures/real-configs/{name}"));
    let out = Command::new(BIN)
        .args(["validate", "--config", path.to_str().unwrap()])
        .env("MY_POD_IP", "127.0.0.1")
        .env_remove("FERROCOL_LOG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let prefix = format!("{}:", path.display());
    let lines = stderr.lines().filter_map(|l| l.strip_prefix(&prefix)).map(str::to_string).collect();
    (out.status.code().unwrap_or(-1), lines)
}

fn not_provided(kind: &str, name: &str, provided: &str) -> String {
    format!(
        "{kind}s::{name}: ferrocol does not provide the \"{name}\" {kind} (an otelcol-contrib component); \
         remove it and every reference to it ({kind}s ferrocol provides: [{provided}])"
    )
}

const RECEIVERS: &str = "filelog journald kafka otlp teleport";
fn assert_errors(name: &str, expected: &[(&str, String)]) {
    let (code, lines) = validate(name);
    assert_eq!(code, 1, "{lines:#?}");
    assert_eq!(lines.len(), expected.len(), "{lines:#?}");
    for ((at, message), line) in expected.iter().zip(&lines) {
        let line = line.strip_prefix(&format!("{at}: ")).unwrap_or_else(|| panic!("{line:?} is not at {at}"));
        assert!(line.starts_with(message.as_str()), "{line:?}\nexpected {message:?}");
    }
}

#[test]
fn otelcol_contrib_default_config() {
    let ext = "file_storage health_check pprof";
    assert_errors(
        "otelcol-contrib-default.yaml",
        &[
            ("12:3", not_provided("extension", "zpages", ext)),
            ("22:3", not_provided("receiver", "jaeger", RECEIVERS)),
            ("32:3", not_provided("receiver", "zipkin", RECEIVERS)),
        ],
    );
}

#[test]
fn helm_chart_default_agent_config() {
    assert_errors(
        "helm-agent-default.yaml",
        &[
            ("17:3", not_provided("receiver", "jaeger", RECEIVERS)),
            ("31:3", not_provided("receiver", "prometheus", RECEIVERS)),
            ("39:3", not_provided("receiver", "zipkin", RECEIVERS)),
        ],
    );
}

/// The opentelemetry-demo's internal telemetry: self-metrics pushed with a
/// periodic OTLP reader (accepted and pushed), its logs pushed over OTLP
/// (accepted with a warning: ferrocol's own logs go to `output_paths`).
#[test]
fn demo_internal_telemetry_validates() {
    let path = repo("tests/fixtures/real-configs/demo-telemetry.yaml");
    let out = Command::new(BIN)
        .args(["validate", "--config", path.to_str().unwrap()])
        .env("OTEL_COLLECTOR_HOST", "127.0.0.1")
        .env("OTEL_COLLECTOR_PORT_HTTP", "4318")
        .env_remove("FERROCOL_LOG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("service::telemetry::logs::processors: ferrocol does not push its own logs"), "{stderr}");
}
