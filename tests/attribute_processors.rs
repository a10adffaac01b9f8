//! resource, attributes and resourcedetection end to end: OTLP/JSON in
//! through the otlp receiver, the debug exporter's normal text out.

use std::time::Duration;

use crate::util::{self, http_request, write, Running};

const BODY: &[u8] = br#"{"resourceLogs":[{"resource":{"attributes":[
  {"key":"k8s-cluster","value":{"stringValue":"prod"}},
  {"key":"redundant-attribute","value":{"stringValue":"x"}}]},
 "scopeLogs":[{"scope":{"name":"auth"},"logRecords":[
  {"body":{"stringValue":"AUTH ok"},"severityText":"INFO","attributes":[
    {"key":"password","value":{"stringValue":"hunter2"}},
    {"key":"user.email","value":{"stringValue":"alice@example.com"}},
    {"key":"http.status_code","value":{"stringValue":"200"}}]},
  {"body":{"stringValue":"other"},"attributes":[
    {"key":"password","value":{"stringValue":"hunter2"}}]}]}]}]}"#;

/// Run `processors` (YAML of the `processors:` section, and their names in
/// order) between the otlp receiver and the debug exporter, post BODY, and
/// return the debug text once `until` shows up.
pub(crate) fn through(processors: &str, names: &str, env: &[(&str, &str)], until: &str) -> String {
    let dir = util::tempdir();
    let port = util::free_port();
    let cfg = format!(
        "receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: \"127.0.0.1:{port}\"\n\
         processors:\n{processors}\
         exporters:\n  debug:\n    verbosity: normal\n    use_internal_logger: false\n\
         service:\n  pipelines:\n    logs:\n      receivers: [otlp]\n      processors: [{names}]\n      exporters: [debug]\n"
    );
    let path = write(dir.path(), "c.yaml", &cfg);
    let (code, _, stderr) = util::run(&["validate", "--config", &path]);
    assert_eq!(code, 0, "config rejected:\n{stderr}");
    let mut running = Running::start_with_env(&["--config", &path], env);
    util::wait_port(port, Duration::from_secs(20));
    let (status, _, resp) =
        http_request(port, "POST", "/v1/logs", &[("Content-Type", "application/json")], BODY).unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&resp));
    running.wait_for(Duration::from_secs(20), until, |out, _| out.contains(until));
    running.signal(libc::SIGTERM);
    assert_eq!(running.wait_exit(Duration::from_secs(20)), 0, "stderr: {}", running.stderr());
    running.stdout()
}

#[test]
fn resource_processor_changes_resource_attributes() {
    let processors = r#"  resource:
    attributes:
      - {key: cloud.availability_zone, value: zone-1, action: upsert}
      - {key: k8s.cluster.name, from_attribute: k8s-cluster, action: insert}
      - {key: redundant-attribute, action: delete}
"#;
    let out = through(processors, "resource", &[], "ResourceLog #0");
    assert!(
        out.contains(
            "ResourceLog #0 k8s-cluster=prod cloud.availability_zone=zone-1 k8s.cluster.name=prod\nScopeLog #0 auth\n"
        ),
        "{out}"
    );
}

#[test]
fn attributes_processor_acts_on_the_included_records() {
    let processors = r#"  attributes:
    include:
      match_type: regexp
      log_bodies: ['^AUTH']
    actions:
      - {key: password, action: update, value: obfuscated}
      - {key: user.email, action: hash}
      - {key: http.status_code, action: convert, converted_type: int}
      - {key: env, action: insert, value: prod}
"#;
    let out = through(processors, "attributes", &[], "other ");
    let expected = "AUTH ok password=obfuscated \
        user.email=ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976 http.status_code=200 env=prod\n\
        other password=hunter2\n";
    assert!(out.contains(expected), "{out}");
}

#[test]
fn span_only_match_properties_are_refused_for_logs() {
    let dir = util::tempdir();
    let cfg = "receivers:\n  otlp:\n    protocols:\n      http:\n\
        processors:\n  attributes:\n    include:\n      match_type: strict\n      services: [svcA]\n    actions:\n      - {key: a, action: delete}\n\
        exporters:\n  debug:\n\
        service:\n  pipelines:\n    logs:\n      receivers: [otlp]\n      processors: [attributes]\n      exporters: [debug]\n";
    let path = write(dir.path(), "c.yaml", cfg);
    let (code, _, stderr) = util::run(&["validate", "--config", &path]);
    assert_ne!(code, 0);
    assert!(stderr.contains("services, span_names, and span_kinds are not valid for log records"), "{stderr}");
}

#[test]
fn resourcedetection_adds_env_and_system_attributes() {
    let processors = r#"  resourcedetection:
    detectors: [env, system]
    timeout: 2s
    override: false
    system:
      hostname_sources: [os]
      resource_attributes:
        host.id: {enabled: true}
"#;
    let env = [("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test,k8s-cluster=from-env")];
    let out = through(processors, "resourcedetection", &env, "ResourceLog #0");
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let mut expected = format!(
        "ResourceLog #0 k8s-cluster=prod redundant-attribute=x deployment.environment=test host.name={}",
        hostname.trim()
    );
    if let Ok(id) = std::fs::read_to_string("/etc/machine-id") {
        expected.push_str(&format!(" host.id={}", id.trim()));
    }
    expected.push_str(" os.type=linux\n");
    assert!(out.contains(&expected), "expected {expected:?} in:\n{out}");
}

#[test]
fn a_silent_metadata_endpoint_does_not_hold_up_the_pipeline() {
    // Accepts connections and never answers: ec2 must give up at `timeout`.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", silent.local_addr().unwrap());
    let processors = "  resourcedetection:\n    detectors: [ec2, env]\n    timeout: 500ms\n";
    let env = [("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint.as_str()), ("OTEL_RESOURCE_ATTRIBUTES", "team=core")];
    let out = through(processors, "resourcedetection", &env, "ResourceLog #0");
    assert!(out.contains("ResourceLog #0 k8s-cluster=prod redundant-attribute=x team=core\n"), "{out}");
    drop(silent);
}
