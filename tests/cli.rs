//! The command line: --version, components, validate, config errors and exit codes.

use std::time::Duration;

use crate::util::{self, run, run_with_env, write};

/// `c.yaml` with `text` in a fresh directory (kept while the guard lives).
fn config(text: &str) -> (tempfile::TempDir, String) {
    let dir = util::tempdir();
    let path = write(dir.path(), "c.yaml", text);
    (dir, path)
}

/// OTLP on `otlp` to debug, with a health_check on `health` when given.
fn otlp_to_debug(otlp: &str, health: Option<&str>) -> String {
    let mut text =
        format!("receivers: {{otlp: {{protocols: {{http: {{endpoint: {otlp}}}}}}}}}\nexporters: {{debug: }}\n");
    let extensions = match health {
        Some(endpoint) => {
            text.push_str(&format!("extensions: {{health_check: {{endpoint: \"{endpoint}\"}}}}\n"));
            "extensions: [health_check], "
        }
        None => "",
    };
    text.push_str(&format!(
        "service: {{{extensions}pipelines: {{logs: {{receivers: [otlp], exporters: [debug]}}}}}}\n"
    ));
    text
}

/// The process started with `cfg` exits 1 and names `what`; its stderr.
fn fails_at_start_naming(cfg: &str, what: &str) -> String {
    let mut r = util::Running::start(&["--config", cfg]);
    let code = r.wait_exit(Duration::from_secs(20));
    let err = r.stderr();
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(what), "{err}");
    err
}

#[test]
fn version() {
    let (code, out, _) = run(&["--version"]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), format!("ferrocol {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn components_lists_builtins_as_yaml() {
    let (code, out, _) = run(&["components"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("buildinfo:\n    command: ferrocol\n"), "{out}");
    for (section, name) in [
        ("receivers", "otlp"),
        ("processors", "batch"),
        ("exporters", "debug"),
        ("extensions", "health_check"),
        ("extensions", "file_storage"),
    ] {
        let body = out.split(&format!("\n{section}:\n")).nth(1).unwrap_or_else(|| panic!("no {section} in {out}"));
        assert!(body.contains(&format!("    - name: {name}\n")), "{name} missing under {section}:\n{out}");
    }
    assert!(out.contains("        logs: "), "{out}");
}

#[test]
fn validate_accepts_the_example_config() {
    let example = util::repo("config.example.yaml");
    let (code, _, err) = run(&["validate", "--config", example.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
}

/// Issue 2's "done when": three different mistakes give three positioned errors.
#[test]
fn validate_reports_three_mistakes_at_once() {
    let dir = util::tempdir();
    let cfg = write(
        dir.path(),
        "bad.yaml",
        "\
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:4318
processors:
  batch:
    send_batch_size: lots
exporters:
  debug:
    verbosty: detailed
service:
  pipelines:
    logs:
      receivers: [otlp]
      processors: [batch]
      exporters: [debug, otlphttp/missing]
",
    );
    let (code, _, err) = run(&["validate", "--config", &cfg]);
    assert_eq!(code, 1, "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with(&cfg)).collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert_eq!(
        lines[0],
        format!("{cfg}:8:22: processors::batch: send_batch_size: invalid type: string \"lots\", expected usize")
    );
    assert!(
        lines[1].starts_with(&format!("{cfg}:11:5: exporters::debug: verbosty: unknown field `verbosty`")),
        "{}",
        lines[1]
    );
    assert_eq!(
        lines[2],
        format!(
            "{cfg}:17:26: service::pipelines::logs: exporters[1]: references exporter \"otlphttp/missing\" which is not configured"
        )
    );
    assert!(err.contains("invalid configuration: 3 error(s)"), "{err}");
}

#[test]
fn a_run_with_a_bad_config_exits_1_without_starting() {
    let (_dir, cfg) = config("receivers: {}\nservice: {pipelines: {traces: {receivers: [x], exporters: [y]}}}\n");
    let (code, out, err) = run(&["--config", &cfg]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(
        err.contains("service::pipelines::traces: receivers[0]: references receiver \"x\" which is not configured"),
        "{err}"
    );
}

#[test]
fn secrets_from_env_never_appear_in_errors() {
    let (_dir, cfg) = config(
        "\
receivers: {otlp: {protocols: {http: {endpoint: 127.0.0.1:0}}}}
processors: {batch: {send_batch_size: \"${env:FERRO_SECRET}\"}}
exporters: {debug: }
service: {pipelines: {logs: {receivers: [otlp], processors: [batch], exporters: [debug]}}}
",
    );
    let (code, _, err) = run_with_env(&["validate", "--config", &cfg], &[("FERRO_SECRET", "hunter2-token")]);
    assert_eq!(code, 1);
    assert!(
        err.contains("processors::batch: send_batch_size: invalid value (from an environment variable; not shown)"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn set_flag_and_repeated_configs_merge() {
    let example = util::repo("config.example.yaml");
    let dir = util::tempdir();
    let over = write(dir.path(), "over.yaml", "exporters:\n  debug:\n    verbosity: loud\n");
    let (code, _, err) = run(&["validate", "--config", example.to_str().unwrap(), "--config", &over]);
    assert_eq!(code, 1);
    assert!(err.contains(&format!("{over}:3:16: exporters::debug: verbosity:")), "{err}");
    let (code, _, err) = run(&[
        "validate",
        "--config",
        example.to_str().unwrap(),
        "--config",
        &over,
        "--set=exporters::debug::verbosity=basic",
    ]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_component_failing_at_start_stops_the_process_naming_it() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let (_dir, cfg) = config(&otlp_to_debug(&format!("127.0.0.1:{port}"), None));
    let err = fails_at_start_naming(&cfg, "receivers::otlp");
    assert!(err.contains(&port.to_string()), "{err}");
}

#[test]
fn an_extension_failing_at_start_stops_the_process_naming_it() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let otlp = format!("127.0.0.1:{}", util::free_port());
    let (_dir, cfg) = config(&otlp_to_debug(&otlp, Some(&format!("127.0.0.1:{port}"))));
    fails_at_start_naming(&cfg, "extensions::health_check");
}

#[test]
fn health_subcommand_probes_the_health_check() {
    let (otlp, health) = (util::free_port(), util::free_port());
    let endpoint = format!("127.0.0.1:{health}");
    let (code, _, err) = run(&["health", "--endpoint", &endpoint]);
    assert_eq!(code, 1, "nothing listens yet");
    assert!(err.contains("health check at"), "{err}");
    let (_dir, cfg) = config(&otlp_to_debug(&format!("127.0.0.1:{otlp}"), Some(&endpoint)));
    let mut r = util::Running::start(&["--config", &cfg]);
    util::wait_port(health, Duration::from_secs(20));
    let (code, out, _) = run(&["health", "--endpoint", &endpoint]);
    assert_eq!(code, 0);
    assert!(out.contains("Server available"), "{out}");
    r.stop();
}

#[test]
fn secrets_in_validate_messages_and_nested_env_values_are_not_shown() {
    let (_dir, cfg) = config(
        "\
receivers: {otlp: {protocols: {http: {endpoint: 127.0.0.1:0}}}}
exporters: {debug: }
extensions:
  health_check:
    endpoint: \"${env:FERRO_EP}\"
    check_collector_pipeline: ${env:FERRO_MAP}
service: {extensions: [health_check], pipelines: {logs: {receivers: [otlp], exporters: [debug]}}}
",
    );
    let validate = |map: &str| {
        let (code, _, err) =
            run_with_env(&["validate", "--config", &cfg], &[("FERRO_EP", "hunter2-endpoint"), ("FERRO_MAP", map)]);
        assert_eq!(code, 1);
        err
    };
    // A nested value of an expanded map.
    let err = validate("{enabled: hunter3-secret}");
    assert!(err.contains("extensions::health_check: check_collector_pipeline::enabled: invalid value"), "{err}");
    assert!(!err.contains("hunter3"), "{err}");
    // A component's own validation message that quotes the value.
    let err = validate("{enabled: false}");
    assert!(err.contains("extensions::health_check: endpoint:"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}

/// The configs shipped in examples/ (issue 7) are valid as written.
#[test]
fn the_shipped_examples_validate() {
    let storage = util::tempdir();
    for name in [
        "journald-ssh-logins.yaml",
        "teleport-to-http.yaml",
        "ssh-audit.yaml",
        "ssh-alerts.yaml",
        "kafka-agent.yaml",
        "kafka-gateway.yaml",
    ] {
        let path = util::repo(&format!("examples/{name}"));
        let text = std::fs::read_to_string(&path).unwrap();
        let mut args = vec!["validate".to_string(), "--config".to_string(), path.to_string_lossy().into_owned()];
        if text.contains("file_storage:") {
            // Not /var/lib/ferrocol on the test machine: create_directory would make it.
            args.push(format!("--set=extensions::file_storage::directory={}", storage.path().display()));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env = [
            ("OTLP_LOGS_ENDPOINT", "https://otlp.example.com/v1/logs"),
            ("OTLP_TOKEN", "t"),
            ("EVENTS_TOKEN", "t"),
            ("KAFKA_BROKERS", "kafka-1.example.com:9092"),
        ];
        let (code, _, err) = run_with_env(&args, &env);
        assert_eq!(code, 0, "{name}: {err}");
    }
}

/// Issue 16: a "billion laughs" alias bomb is refused with a positioned error,
/// in `validate` and in a run, before it is expanded. The process runs under a
/// 2 GiB address-space limit, so a regression fails here (allocation failure)
/// instead of taking the machine's memory.
#[test]
fn an_alias_bomb_is_refused_without_growing_memory() {
    let bomb = util::repo("tests/fixtures/billion-laughs.yaml");
    let bomb = bomb.to_str().unwrap();
    for args in [format!("validate --config {bomb}"), format!("--config {bomb}")] {
        let out = std::process::Command::new("sh")
            .args(["-c", &format!("ulimit -v 2097152; exec \"$0\" {args}"), util::BIN])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args}: {err}");
        assert!(err.contains(&format!("{bomb}:6:11: invalid YAML: document contains excessive aliasing")), "{err}");
    }
}
