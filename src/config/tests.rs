//! Config loader tests over a registry of test components.

use serde::Deserialize;

use super::*;
use crate::component::{
    ExporterContext, ExporterFactory, ProcessorContext, ProcessorFactory, ReceiverContext, ReceiverFactory, Stability,
    StageError, StageTask,
};
use crate::registry::Registry;

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct TestConfig {
    endpoint: String,
    count: u32,
    timeout: Duration,
    nested: Nested,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct Nested {
    level: String,
}

impl TestConfig {
    fn check(&self) -> Vec<FieldError> {
        match self.nested.level.as_str() {
            "" | "ok" => vec![],
            other => vec![FieldError::new("nested::level", format!("invalid level {other:?}"))],
        }
    }
}

impl ReceiverConfig for TestConfig {
    fn validate(&self) -> Vec<FieldError> {
        self.check()
    }
    fn build(&self, _cx: ReceiverContext) -> Result<StageTask, StageError> {
        Ok(Box::pin(async { Ok(()) }))
    }
}
impl ProcessorConfig for TestConfig {
    fn build(&self, _cx: ProcessorContext) -> Result<StageTask, StageError> {
        Ok(Box::pin(async { Ok(()) }))
    }
}
impl ExporterConfig for TestConfig {
    fn build(&self, _cx: ExporterContext) -> Result<StageTask, StageError> {
        Ok(Box::pin(async { Ok(()) }))
    }
}

static RECV: ReceiverFactory = Factory {
    type_name: "testrecv",
    aliases: &[],
    stability: Stability::Alpha,
    parse: |n| Ok(Box::new(de::from_node::<TestConfig>(n)?)),
};
static PROC: ProcessorFactory = Factory {
    type_name: "testproc",
    aliases: &[],
    stability: Stability::Alpha,
    parse: |n| Ok(Box::new(de::from_node::<TestConfig>(n)?)),
};
static EXP: ExporterFactory = Factory {
    type_name: "testexp",
    aliases: &["test_exp"],
    stability: Stability::Alpha,
    parse: |n| Ok(Box::new(de::from_node::<TestConfig>(n)?)),
};

fn registry() -> Registry {
    Registry { receivers: vec![&RECV], processors: vec![&PROC], exporters: vec![&EXP], extensions: vec![] }
}

fn env(name: &str) -> Option<String> {
    match name {
        "SECRET" => Some("s3cr3t-value".into()),
        "COUNT" => Some("12".into()),
        _ => None,
    }
}

fn load_str(yaml: &str) -> Result<Config, Vec<ConfigError>> {
    load(&[Source::Yaml(String::new()), Source::Yaml(yaml.into())], &env, &registry())
}

fn load_file(yaml: &str) -> Result<Config, Vec<ConfigError>> {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.yaml");
    std::fs::write(&p, yaml).unwrap();
    load(&[Source::File(p.to_string_lossy().into())], &env, &registry())
}

fn messages(errs: &[ConfigError]) -> Vec<String> {
    errs.iter().map(|e| e.to_string().split_once(": ").unwrap().1.to_string()).collect()
}

const GOOD: &str = "\
receivers:
  testrecv:
  testrecv/two: {endpoint: x}
processors:
  testproc:
exporters:
  testexp:
  test_exp/alias:
service:
  pipelines:
    logs:
      receivers: [testrecv]
      processors: [testproc]
      exporters: [testexp]
    logs/two:
      receivers: [testrecv/two, testrecv]
      exporters: [testexp, test_exp/alias]
";

#[test]
fn loads_a_good_config() {
    let c = load_file(GOOD).unwrap();
    assert_eq!(c.receivers.len(), 2);
    assert_eq!(c.exporters.len(), 2);
    assert_eq!(c.service.pipelines.len(), 2);
    assert_eq!(c.service.pipelines[1].name, "logs/two");
    assert_eq!(c.service.pipelines[1].receivers[0].to_string(), "testrecv/two");
    assert_eq!(c.service.telemetry.log_level, "info");
    assert_eq!(c.service.channel_capacity, service::DEFAULT_CHANNEL_CAPACITY);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn three_mistakes_three_positioned_errors_sorted() {
    let yaml = "\
receivers:
  testrecv:
    endpiont: x
exporters:
  testexp:
    count: many
  bogus:
service:
  pipelines:
    logs:
      receivers: [testrecv]
      exporters: [testexp]
";
    let errs = load_file(yaml).unwrap_err();
    let lines: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(lines[0].ends_with("c.yaml:3:5: receivers::testrecv: endpiont: unknown field `endpiont`, expected one of `endpoint`, `count`, `timeout`, `nested`"), "{}", lines[0]);
    assert!(
        lines[1].contains("c.yaml:6:12: exporters::testexp: count: invalid type: string \"many\", expected u32"),
        "{}",
        lines[1]
    );
    assert!(lines[2].contains("c.yaml:7:3: exporters::bogus: unknown type: \"bogus\" for id: \"bogus\" (valid values: [test_exp testexp])"), "{}", lines[2]);
}

#[test]
fn graph_errors_name_the_pipeline() {
    let yaml = "\
receivers: {testrecv: }
exporters: {testexp: }
service:
  pipelines:
    logs:
      receivers: [testrecv, nope]
      processors: [testproc/x]
      exporters: []
    traces:
      receivers: [testrecv]
      exporters: [testexp]
    logs/empty: {}
";
    let errs = load_file(yaml).unwrap_err();
    let m = messages(&errs);
    assert!(
        m.contains(
            &"service::pipelines::logs: receivers[1]: references receiver \"nope\" which is not configured".to_string()
        ),
        "{m:#?}"
    );
    assert!(
        m.contains(
            &"service::pipelines::logs: processors[0]: references processor \"testproc/x\" which is not configured"
                .to_string()
        ),
        "{m:#?}"
    );
    assert!(m.contains(&"service::pipelines::logs: must have at least one exporter".to_string()), "{m:#?}");
    // A traces pipeline is fine; components that do not carry traces are named, each at its list item.
    assert!(m.contains(
        &"service::pipelines::traces: receivers[0]: receiver \"testrecv\" does not support traces (telemetry type is not supported); it handles logs".to_string()
    ), "{m:#?}");
    assert!(
        m.iter()
            .any(|x| x
                .starts_with("service::pipelines::traces: exporters[0]: exporter \"testexp\" does not support traces")),
        "{m:#?}"
    );
    assert!(m.contains(&"service::pipelines::logs/empty: must have at least one receiver".to_string()), "{m:#?}");
    // Each points at its own line.
    let nope = errs.iter().find(|e| e.message.contains("\"nope\"")).unwrap();
    assert_eq!((nope.pos.line, nope.pos.col), (6, 29));
}

#[test]
fn missing_pipelines_and_connectors() {
    let errs = load_file("receivers: {testrecv: }\n").unwrap_err();
    assert!(messages(&errs).iter().any(|m| m.contains("service must have at least one pipeline")));
    let yaml = "\
receivers: {testrecv: }
exporters: {testexp: }
connectors: {forward: }
service:
  pipelines:
    logs: {receivers: [testrecv], exporters: [forward, testexp]}
";
    let errs = load_file(yaml).unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert!(errs[0].message.contains("\"forward\" is a connector"), "{}", errs[0]);
}

#[test]
fn validate_errors_point_at_the_key() {
    let yaml = "\
receivers:
  testrecv:
    nested:
      level: loud
exporters: {testexp: }
service: {pipelines: {logs: {receivers: [testrecv], exporters: [testexp]}}}
";
    let errs = load_file(yaml).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!((errs[0].pos.line, errs[0].pos.col), (4, 14));
    assert_eq!(errs[0].key, "nested::level");
}

#[test]
fn unknown_top_level_and_service_keys() {
    let errs = load_str("recievers: {}\nservice: {pipelines: {}, extra: 1}\n").unwrap_err();
    let m = messages(&errs);
    assert!(m.iter().any(|x| x.contains("unknown top-level key \"recievers\"")), "{m:#?}");
    assert!(m.iter().any(|x| x.contains("extra: unknown field `extra`")), "{m:#?}");
}

#[test]
fn unused_components_only_warn() {
    let yaml = format!("{GOOD}\nextensions: {{}}\n");
    let c = load_file(&yaml.replace("  testexp:\n", "  testexp:\n  testexp/unused:\n")).unwrap();
    assert_eq!(c.warnings.len(), 1);
    assert!(c.warnings[0].contains("exporters::testexp/unused"));
}

#[test]
fn later_sources_merge_over_earlier_and_set_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.yaml");
    let b = dir.path().join("b.yaml");
    std::fs::write(&a, GOOD).unwrap();
    std::fs::write(
        &b,
        "receivers:\n  testrecv:\n    count: 3\nservice:\n  pipelines:\n    logs/two:\n      receivers: [testrecv]\n",
    )
    .unwrap();
    let sources = [
        Source::File(a.to_string_lossy().into()),
        Source::File(b.to_string_lossy().into()),
        Source::from_set("service::telemetry::logs::level=debug").unwrap(),
    ];
    let c = load(&sources, &env, &registry()).unwrap();
    let two = c.service.pipelines.iter().find(|p| p.name == "logs/two").unwrap();
    assert_eq!(two.receivers.len(), 1, "lists are replaced, not appended");
    assert_eq!(two.exporters.len(), 2, "maps are merged");
    assert_eq!(c.service.telemetry.log_level, "debug");
    // testrecv/two became unused once logs/two was overridden.
    assert!(c.warnings.iter().any(|w| w.contains("testrecv/two")));
}

#[test]
fn env_values_are_expanded_and_never_shown() {
    let yaml = "\
receivers:
  testrecv: {endpoint: \"${env:SECRET}\", count: \"${COUNT}\"}
exporters:
  testexp: {count: \"${env:SECRET}\"}
service: {pipelines: {logs: {receivers: [testrecv], exporters: [testexp]}}}
";
    let errs = load_file(yaml).unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:#?}");
    let text = errs[0].to_string();
    assert!(!text.contains("s3cr3t"), "{text}");
    assert!(
        text.contains(
            "exporters::testexp: count: invalid value (from an environment variable; not shown), expected u32"
        ),
        "{text}"
    );
}

#[test]
fn syntax_errors_and_missing_files_are_positioned() {
    let errs = load_file("receivers: [a\nb: c\n").unwrap_err();
    assert_eq!(errs.len(), 1);
    assert!(errs[0].message.starts_with("invalid YAML"), "{}", errs[0]);
    let errs = load(&[Source::File("/nonexistent/x.yaml".into())], &env, &registry()).unwrap_err();
    assert!(errs[0].to_string().starts_with("/nonexistent/x.yaml:1:1: cannot read config file"), "{}", errs[0]);
}

#[test]
fn invalid_ids_and_durations() {
    let yaml = "\
receivers:
  testrecv/: {}
  testrecv/ok: {timeout: 5x}
exporters: {testexp: }
service: {pipelines: {logs: {receivers: [testrecv/ok], exporters: [testexp]}}}
";
    let errs = load_file(yaml).unwrap_err();
    let m = messages(&errs);
    assert_eq!(m.len(), 2, "{m:#?}");
    assert!(m[0].contains("must not be empty"), "{m:#?}");
    assert!(m[1].contains("timeout: invalid duration \"5x\""), "{m:#?}");
}

#[test]
fn telemetry_level_and_encoding_are_checked() {
    let yaml = GOOD.to_string() + "  telemetry: {logs: {level: loud, encoding: xml}}\n";
    let errs = load_file(&yaml).unwrap_err();
    let m = messages(&errs);
    assert_eq!(m.len(), 2, "{m:#?}");
    assert!(
        m[0].ends_with("telemetry::logs::level: unknown level \"loud\" (valid: debug, info, warn, error)"),
        "{m:#?}"
    );
    assert!(m[1].ends_with("telemetry::logs::encoding: unknown encoding \"xml\" (valid: console, json)"), "{m:#?}");
}

#[test]
fn a_repeated_reference_points_at_its_second_mention() {
    let yaml = "\
receivers: {testrecv: }
exporters: {testexp: }
service: {pipelines: {logs: {receivers: [testrecv], exporters: [testexp, testexp]}}}
";
    let errs = load_file(yaml).unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert_eq!(errs[0].key, "exporters[1]");
    assert_eq!((errs[0].pos.line, errs[0].pos.col), (3, 74));
    assert!(errs[0].message.contains("multiple times"));
}
