//! transform processor tests: flat and grouped statements, contexts, group
//! conditions, error modes and acks, config errors.

use std::sync::atomic::Ordering;

use std::sync::Arc;

use super::*;
use crate::ack::{Ack, Acks, Outcome};
use crate::component::ProcessorConfig;
use crate::config::yaml::parse;
use crate::event::LogBatch;
use crate::event::{kv, str_value, LogRecord, Resource, ScopeLogs};
use crate::processors::ottl_config::BatchProgram;
use ferrocol_ottl::testkit::to_json_records;

pub(super) fn program(yaml: &str) -> Arc<Program> {
    let cfg = crate::config::de::from_node::<TransformConfig>(&parse("t", yaml).unwrap()).unwrap();
    match Transform::compile(&cfg).0 {
        Ok(p) => p,
        Err(e) => panic!("{e:?}"),
    }
}

pub(super) fn errors(yaml: &str) -> Vec<String> {
    let cfg = crate::config::de::from_node::<TransformConfig>(&parse("t", yaml).unwrap()).unwrap();
    Transform::compile(&cfg).validate().into_iter().map(|e| format!("{}: {}", e.key, e.message)).collect()
}

/// Two resources: one with two records, one with a map body.
fn sample() -> Vec<ResourceLogs> {
    let map_body = ferrocol_ottl::testkit::any(&serde_json::json!({"object": {"a": 1}, "user": "bob"}));
    vec![
        ResourceLogs {
            resource: Some(Resource { attributes: vec![kv("host.name", str_value("bastion"))], ..Default::default() }),
            scope_logs: vec![ScopeLogs {
                log_records: vec![
                    LogRecord { body: Some(str_value("request failed")), ..Default::default() },
                    LogRecord {
                        body: Some(str_value("ok")),
                        attributes: vec![kv("http.route", str_value("/login"))],
                        ..Default::default()
                    },
                ],
                ..Default::default()
            }],
            ..Default::default()
        },
        ResourceLogs {
            scope_logs: vec![ScopeLogs {
                log_records: vec![LogRecord {
                    body: Some(map_body),
                    attributes: vec![kv("http.route", str_value("/api"))],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        },
    ]
}

fn run(yaml: &str) -> serde_json::Value {
    let mut rls = sample();
    program(yaml).apply(&mut rls).unwrap();
    to_json_records(&rls)
}

#[test]
fn flat_statements_run_in_order_with_inferred_context() {
    // The transform README's basic config, log part.
    let out = run(r#"
log_statements:
  - set(log.severity_text, "FAIL") where log.body == "request failed"
  - set(log.attributes["route_upper"], ToUpperCase(log.attributes["http.route"])) where log.attributes["http.route"] != nil
  - set(log.attributes["route_copy"], log.attributes["route_upper"])
  - set(resource.attributes["seen"], true)
"#);
    assert_eq!(out[0]["records"][0]["severity_text"], "FAIL");
    assert_eq!(out[0]["records"][1].get("severity_text"), None);
    assert_eq!(out[0]["records"][1]["attributes"]["route_copy"], "/LOGIN");
    assert_eq!(out[1]["records"][0]["attributes"]["route_copy"], "/API");
    assert_eq!(out[0]["resource"]["seen"], true);
    assert_eq!(out[1]["resource"]["seen"], true);
}

#[test]
fn groups_with_conditions() {
    // The transform README's advanced config.
    let out = run(r#"
log_statements:
  - conditions:
      - IsMap(log.body) and log.body["object"] != nil
    statements:
      - set(log.body, log.attributes["http.route"])
"#);
    assert_eq!(out[0]["records"][0]["body"], "request failed");
    assert_eq!(out[1]["records"][0]["body"], "/api");
    // Conditions are ORed.
    let out = run(r#"
log_statements:
  - context: log
    conditions: ['body == "ok"', 'body == "request failed"']
    statements: ['set(attributes["hit"], true)']
"#);
    assert_eq!(out[0]["records"][0]["attributes"]["hit"], true);
    assert_eq!(out[0]["records"][1]["attributes"]["hit"], true);
    assert_eq!(out[1]["records"][0]["attributes"].get("hit"), None);
}

#[test]
fn resource_and_scope_contexts_run_once_per_resource_and_scope() {
    let out = run(r#"
log_statements:
  - context: resource
    statements: ['append(attributes["visits"], "r")']
  - context: scope
    statements: ['set(name, "ferrocol")', 'append(resource.attributes["visits"], "s")']
  - context: log
    statements: ['append(resource.attributes["visits"], "l")']
"#);
    assert_eq!(out[0]["resource"]["visits"], serde_json::json!(["r", "s", "l", "l"]));
    assert_eq!(out[1]["resource"]["visits"], serde_json::json!(["r", "s", "l"]));
    assert_eq!(out[0]["scope"]["name"], "ferrocol");
    // Inferred from prefixes: only resource paths → resource context.
    let out = run("log_statements:\n  - 'append(resource.attributes[\"visits\"], \"r\")'\n");
    assert_eq!(out[0]["resource"]["visits"], serde_json::json!(["r"]));
}

#[test]
fn cache_is_per_record() {
    let out = run(r#"
log_statements:
  - set(cache["n"], log.attributes["http.route"]) where log.attributes["http.route"] != nil
  - set(log.attributes["from_cache"], cache["n"])
"#);
    assert_eq!(out[0]["records"][0]["attributes"].get("from_cache"), None);
    assert_eq!(out[0]["records"][1]["attributes"]["from_cache"], "/login");
}

fn acked(rls: Vec<ResourceLogs>) -> (LogBatch, crate::ack::AckWaiter) {
    let (ack, waiter) = Ack::new();
    (LogBatch::new(rls, Acks::one(ack)), waiter)
}

#[tokio::test]
async fn error_modes() {
    // ParseJSON of a non-JSON body fails on every record with a string body.
    let statements =
        "log_statements:\n  - 'set(attributes[\"parsed\"], ParseJSON(body))'\n  - 'set(attributes[\"after\"], true)'\n";
    for (mode, records, after, outcome) in [
        ("propagate", 0, false, Outcome::Rejected),
        ("ignore", 3, true, Outcome::Delivered),
        ("silent", 3, true, Outcome::Delivered),
    ] {
        let p = program(&format!("error_mode: {mode}\n{statements}"));
        let (mut batch, waiter) = acked(sample());
        p.process(&mut batch);
        assert_eq!(batch.record_count(), records, "{mode}");
        if after {
            let out = to_json_records(&batch.resource_logs);
            assert_eq!(out[0]["records"][0]["attributes"]["after"], true, "{mode}: later statements still run");
        }
        batch.acks.deliver();
        assert_eq!(waiter.wait().await, outcome, "{mode}");
        assert_eq!(p.counters.failed_batches.load(Ordering::Relaxed), u64::from(mode == "propagate"));
    }
    // A group's error_mode overrides the processor's (otelcol's own test case).
    let p = program(
        r#"
error_mode: propagate
log_statements:
  - error_mode: ignore
    statements: ['set(log.attributes["pass"], ParseJSON(1))']
  - statements: ['set(log.attributes["test"], "pass") where log.body == "request failed"']
"#,
    );
    let mut rls = sample();
    p.apply(&mut rls).unwrap();
    let out = to_json_records(&rls);
    assert_eq!(out[0]["records"][0]["attributes"]["test"], "pass");
    // A failing group condition under propagate fails the batch.
    let p = program("log_statements:\n  - conditions: ['ParseJSON(body)[\"a\"] == 1']\n    statements: ['set(attributes[\"x\"], 1)']\n");
    let err = p.apply(&mut sample()).unwrap_err();
    assert!(
        err.0.starts_with("failed to eval condition: ParseJSON(body)[\"a\"] == 1, ParseJSON: expected value"),
        "{err}"
    );
}

#[test]
fn config_errors_name_the_entry() {
    assert_eq!(
        errors("log_statements:\n  - 'set(attributes[\"a\"], 1)'\n  - 'set(attributes[\"b\"] 2)'\n"),
        [
            r#"log_statements[1]: invalid statement "set(attributes[\"b\"] 2)": column 21: expected "," or ")", found "2""#
        ]
    );
    assert_eq!(
        errors("log_statements:\n  - context: resource\n    statements: ['set(log.body, \"x\")']\n    conditions: ['body == 1']\n"),
        [
            r#"log_statements[0]::conditions[0]: invalid condition "body == 1": column 1: invalid path "body": "body" is not a field of the resource context (attributes, dropped_attributes_count, schema_url)"#,
            r#"log_statements[0]::statements[0]: invalid statement "set(log.body, \"x\")": column 5: path "log.body" is not available in the resource context (it needs the log context)"#,
        ]
    );
}

#[test]
fn unknown_error_mode_is_a_parse_error() {
    let e = crate::config::de::from_node::<TransformConfig>(&parse("t", "error_mode: loud\n").unwrap()).unwrap_err();
    assert_eq!(e.path, "error_mode");
    assert!(
        e.message.contains("unknown variant `loud`, expected one of `propagate`, `ignore`, `silent`"),
        "{}",
        e.message
    );
}

#[test]
fn other_signals_group_contexts_are_checked_as_otelcol_does() {
    let ok = "trace_statements:\n  - context: Span\n    statements: ['set(attributes[\"a\"], 1)']\n  - 'set(span.name, \"x\")'\n\
              metric_statements:\n  - {context: datapoint, statements: []}\nprofile_statements:\n  - {context: profile, statements: []}\n";
    assert_eq!(errors(ok), Vec::<String>::new());
    assert_eq!(
        errors("trace_statements:\n  - {context: spam, statements: ['set(name, \"x\")']}\n"),
        ["trace_statements[0]::context: unknown context spam"]
    );
    assert_eq!(
        errors("trace_statements:\n  - {context: resource, statements: []}\n  - {context: log, statements: []}\n"),
        ["trace_statements[1]::context: unknown context \"log\" for trace_statements (valid values: resource, scope, span, spanevent)"]
    );
    assert_eq!(
        errors("metric_statements:\n  - {context: span, statements: []}\n"),
        ["metric_statements[0]::context: unknown context \"span\" for metric_statements (valid values: resource, scope, metric, datapoint)"]
    );
}

/// Every entry of otelcol's own `testdata/config.yaml`: the ones its config
/// tests accept validate, the ones they refuse are refused.
#[test]
fn upstream_testdata_config() {
    let root = parse("config.yaml", include_str!("testdata/config.yaml")).unwrap();
    let check = |id: &str| -> Vec<String> {
        let node = root.get(id).unwrap_or_else(|| panic!("{id} missing"));
        match crate::config::de::from_node::<TransformConfig>(node) {
            Err(e) => vec![format!("{}: {}", e.path, e.message)],
            Ok(cfg) => {
                Transform::compile(&cfg).validate().into_iter().map(|e| format!("{}: {}", e.key, e.message)).collect()
            }
        }
    };
    let valid = [
        "transform",
        "transform/with_conditions",
        "transform/ignore_errors",
        "transform/structured_configuration_with_path_context",
        "transform/structured_configuration_with_inferred_context",
        "transform/flat_configuration",
        "transform/mixed_configuration_styles",
        "transform/with_shared_cache_key",
        "transform/context_statements_error_mode",
    ];
    for id in valid {
        assert_eq!(check(id), Vec::<String>::new(), "{id}");
    }
    let invalid = [
        ("transform/bad_syntax_log", "log_statements[0]::statements[0]: invalid statement"),
        ("transform/bad_syntax_metric", "metric_statements[0]::statements[0]: invalid statement"),
        ("transform/bad_syntax_trace", "trace_statements[0]::statements[0]: invalid statement"),
        ("transform/unknown_function_log", "log_statements[0]::statements[1]: invalid statement"),
        ("transform/unknown_function_metric", "metric_statements[0]::statements[1]: invalid statement \"not_a_function(attributes, [\\\"http.method\\\", \\\"http.path\\\"])\": column 1: undefined function \"not_a_function\""),
        ("transform/unknown_function_trace", "trace_statements[0]::statements[1]: invalid statement"),
        ("transform/unknown_context", "trace_statements[0]::context: unknown context test"),
        ("transform/unknown_error_mode", "error_mode: unknown variant `test`"),
    ];
    for (id, first) in invalid {
        let errors = check(id);
        assert!(errors.first().is_some_and(|e| e.starts_with(first)), "{id}: {errors:#?}");
    }
    let multi = check("transform/bad_syntax_multi_signal");
    assert_eq!(multi.len(), 3, "{multi:#?}");
}

#[test]
fn other_signals_paths_and_shared_cache() {
    assert_eq!(
        errors("trace_statements:\n  - context: span\n    statements: ['set(nmae, \"x\")']\n"),
        [
            r#"trace_statements[0]::statements[0]: invalid statement "set(nmae, \"x\")": column 5: invalid path "nmae": "nmae" is not a known field"#
        ]
    );
}
