//! attributes processor tests: upstream's testdata entries (valid for the
//! config, the span-only ones refused for logs), each action's semantics and
//! errors, and include / exclude on log records.

use super::*;
use crate::config::yaml::{parse, Node};
use crate::event::any_value::Value as Av;
use crate::event::{kv, str_value, AnyValue, KeyValue, Resource, ScopeLogs};

fn compile(yaml: &str) -> Attributes {
    compile_node(&parse("t", yaml).unwrap())
}

fn compile_node(n: &Node) -> Attributes {
    let cfg = crate::config::de::from_node::<AttributesConfig>(n).unwrap_or_else(|e| panic!("{}", e.message));
    Attributes::compile(&cfg)
}

fn errors(yaml: &str) -> Vec<String> {
    compile(yaml).validate().into_iter().map(|e| format!("{}: {}", e.key, e.message)).collect()
}

fn int(i: i64) -> AnyValue {
    AnyValue { value: Some(Av::IntValue(i)) }
}

fn double(d: f64) -> AnyValue {
    AnyValue { value: Some(Av::DoubleValue(d)) }
}

fn boolean(b: bool) -> AnyValue {
    AnyValue { value: Some(Av::BoolValue(b)) }
}

/// The actions of `yaml` applied to `attrs`.
fn act(yaml: &str, attrs: Vec<KeyValue>) -> Vec<KeyValue> {
    act_with(yaml, attrs, &ClientInfo::default())
}

fn act_with(yaml: &str, mut attrs: Vec<KeyValue>, client: &ClientInfo) -> Vec<KeyValue> {
    let a = compile(yaml);
    assert_eq!(a.validate(), vec![]);
    a.program().unwrap().actions.apply(&mut attrs, client);
    attrs
}

fn kvs(list: &[(&str, AnyValue)]) -> Vec<KeyValue> {
    list.iter().map(|(k, v)| kv(*k, v.clone())).collect()
}

#[test]
fn upstream_testdata_entries_validate_and_the_span_only_ones_are_refused_for_logs() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/processors/attributes/testdata/config.yaml"))
            .unwrap();
    let root = parse("config.yaml", &text).unwrap();
    let processors = root.get("processors").unwrap().entries().unwrap();
    assert_eq!(processors.len(), 19);
    let span_only = ["excludemulti", "includeservices", "selectiveprocessing", "regexp"];
    for (name, section) in processors {
        let name = name.scalar_text().unwrap();
        let a = compile_node(section);
        if name == "attributes/regex_insert" {
            // Not among the entries upstream's config test loads: its `(\?|\&)`
            // group is unnamed, which upstream's NewAttrProc refuses too.
            let e = a.validate();
            assert!(e[0].message.contains("contains at least one unnamed matcher group"), "{e:?}");
            continue;
        }
        assert_eq!(a.validate(), vec![], "{name}");
        let short = name.trim_start_matches("attributes/");
        match a.program() {
            Ok(_) => assert!(!span_only.contains(&short), "{name} should be refused for logs"),
            Err(e) => {
                assert!(span_only.contains(&short), "{name}: {e}");
                assert_eq!(e.message, "services, span_names, and span_kinds are not valid for log records");
            }
        }
    }
}

#[test]
fn config_errors_are_otelcols() {
    assert_eq!(errors("{}"), [": missing required field \"actions\""]);
    assert_eq!(
        errors("actions: [{key: a, action: frob, value: 1}]"),
        ["actions[0]: error creating AttrProc due to unsupported action \"frob\" at the 0-th actions"]
    );
    assert_eq!(
        errors("actions: [{action: insert, value: 1}]"),
        ["actions[0]: error creating AttrProc due to missing required field \"key\" at the 0-th actions"]
    );
    assert_eq!(
        errors("actions: [{action: delete}]"),
        ["actions[0]: error creating AttrProc due to missing required field (at least one of \"key\" and \"pattern\" have to be used) at the 0-th actions"]
    );
    assert_eq!(
        errors("actions: [{key: a, action: upsert}]"),
        ["actions[0]: error creating AttrProc. Either field \"value\", \"from_attribute\" or \"from_context\" setting must be specified for 0-th action"]
    );
    assert_eq!(
        errors("actions: [{key: a, action: upsert, value: 1, from_attribute: b}]"),
        ["actions[0]: error creating AttrProc due to multiple value sources being set at the 0-th actions"]
    );
    assert_eq!(
        errors("actions: [{key: a, action: INSERT, value: 1, pattern: x}]"),
        ["actions[0]: error creating AttrProc. Action \"insert\" does not use the \"pattern\" field. This must not be specified for 0-th action"]
    );
    assert_eq!(
        errors("actions: [{key: a, action: hash, value: 1}]"),
        ["actions[0]: error creating AttrProc. Action \"hash\" does not use \"value\" or \"from_attribute\" field. These must not be specified for 0-th action"]
    );
    assert_eq!(
        errors("actions: [{key: a, action: extract, pattern: '^\\w+$'}]"),
        ["actions[0]: error creating AttrProc. Field \"pattern\" contains no named matcher groups at the 0-th actions"]
    );
    assert_eq!(
        errors("actions: [{key: a, action: extract, pattern: '^(?P<x>\\w+)-(\\w+)$'}]"),
        ["actions[0]: error creating AttrProc. Field \"pattern\" contains at least one unnamed matcher group at the 0-th actions"]
    );
    assert_eq!(
        errors("actions: [{key: a, action: extract}]"),
        ["actions[0]: error creating AttrProc due to missing required field \"pattern\" for action \"extract\" at the 0-th action"]
    );
    assert_eq!(
        errors("actions: [{key: a, action: delete, pattern: '('}]"),
        ["actions[0]: error creating AttrProc. Field \"pattern\" has invalid pattern: \"(\" to be set at the 0-th actions"]
    );
    assert_eq!(
        errors("actions: [{key: a, action: convert}]"),
        ["actions[0]: error creating AttrProc due to missing required field \"converted_type\" for action \"convert\" at the 0-th action"]
    );
    assert_eq!(
        errors("actions: [{key: a, action: convert, converted_type: bool}]"),
        ["actions[0]: error creating AttrProc due to invalid value \"bool\" in field \"converted_type\" for action \"convert\" at the 0-th action"]
    );
    assert_eq!(
        errors("actions: [{key: a, action: delete}]\ninclude: {match_type: fuzzy, attributes: [{key: a}]}"),
        ["include::match_type: unrecognized match_type: 'fuzzy', valid types are: [regexp strict]"]
    );
    let e = compile("actions: [{key: a, action: delete}]\ninclude: {match_type: strict}").program().unwrap_err();
    assert_eq!(e.key, "include");
    assert!(e.message.starts_with("at least one of \"attributes\", \"libraries\""), "{}", e.message);
}

#[test]
fn insert_update_upsert() {
    let attrs = || kvs(&[("a", str_value("old")), ("src", int(7))]);
    let insert = "actions: [{key: a, value: new, action: insert}, {key: b, value: 123, action: insert}]";
    assert_eq!(act(insert, attrs()), kvs(&[("a", str_value("old")), ("src", int(7)), ("b", int(123))]));
    let update = "actions: [{key: a, value: true, action: update}, {key: b, value: 1, action: update}]";
    assert_eq!(act(update, attrs()), kvs(&[("a", boolean(true)), ("src", int(7))]));
    let upsert = "actions: [{key: a, value: 1.5, action: upsert}, {key: b, from_attribute: src, action: upsert}]";
    assert_eq!(act(upsert, attrs()), kvs(&[("a", double(1.5)), ("src", int(7)), ("b", int(7))]));
    // A missing from_attribute does nothing.
    let missing = "actions: [{key: b, from_attribute: nope, action: upsert}]";
    assert_eq!(act(missing, attrs()), attrs());
}

#[test]
fn the_complex_example_of_upstream() {
    let yaml = "actions:\n- {key: operation, value: default, action: insert}\n- {key: svc.operation, from_attribute: operation, action: upsert}\n- {key: operation, action: delete}\n";
    let out = act(yaml, kvs(&[("operation", str_value("subtract")), ("math_value", int(123))]));
    assert_eq!(out, kvs(&[("math_value", int(123)), ("svc.operation", str_value("subtract"))]));
    let out = act(yaml, kvs(&[("timeout", int(10))]));
    assert_eq!(out, kvs(&[("timeout", int(10)), ("svc.operation", str_value("default"))]));
}

#[test]
fn delete_and_hash_by_key_and_pattern() {
    let attrs = || {
        kvs(&[
            ("user.email", str_value("alice@example.com")),
            ("token.a", int(123)),
            ("token.b", boolean(true)),
            ("keep", double(1.5)),
        ])
    };
    let out = act("actions: [{key: keep, pattern: '^token\\.', action: delete}]", attrs());
    assert_eq!(out, kvs(&[("user.email", str_value("alice@example.com"))]));
    let out = act("actions: [{key: user.email, pattern: '^(token|keep)', action: hash}]", attrs());
    assert_eq!(
        out,
        kvs(&[
            ("user.email", str_value("ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976")),
            ("token.a", str_value("4f319987a786107dc63b2b70115b3734cb9880b099b70c463c5e1b05521ab764")),
            ("token.b", str_value("4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a")),
            ("keep", str_value("e163f8cb0f7067a7fc78ca859a77f849aea3214f38fb75b884e4a16be725c905")),
        ])
    );
}

#[test]
fn extract_sets_every_named_group_and_skips_non_strings() {
    let yaml = r#"actions: [{key: http.url, action: extract, pattern: '^(?P<http_protocol>.*):\/\/(?P<http_domain>.*)\/(?P<http_path>.*)(\?|\&)(?P<http_query_params>.*)'}]"#;
    let err = errors(yaml);
    assert_eq!(err.len(), 1, "the upstream example has an unnamed group: {err:?}");
    let yaml = r#"actions: [{key: url, action: extract, pattern: '^(?P<proto>\w+)://(?P<host>[^/]+)(?P<path>/.*)?$'}]"#;
    let out = act(yaml, kvs(&[("url", str_value("http://example.com")), ("host", str_value("x"))]));
    assert_eq!(
        out,
        kvs(&[
            ("url", str_value("http://example.com")),
            ("host", str_value("example.com")),
            ("proto", str_value("http")),
            ("path", str_value(""))
        ])
    );
    assert_eq!(act(yaml, kvs(&[("url", int(1))])), kvs(&[("url", int(1))]));
    assert_eq!(act(yaml, kvs(&[("url", str_value("nope"))])), kvs(&[("url", str_value("nope"))]));
}

#[test]
fn convert_leaves_what_it_cannot_convert() {
    let to = |t: &str, v: AnyValue| {
        act(&format!("actions: [{{key: v, action: convert, converted_type: {t}}}]"), kvs(&[("v", v)]))[0]
            .value
            .clone()
            .unwrap()
    };
    assert_eq!(to("int", str_value("200")), int(200));
    assert_eq!(to("int", str_value("2x")), str_value("2x"));
    assert_eq!(to("int", double(3.9)), int(3));
    assert_eq!(to("int", boolean(true)), int(1));
    assert_eq!(to("double", str_value("2.5")), double(2.5));
    assert_eq!(to("double", int(2)), double(2.0));
    assert_eq!(to("string", int(42)), str_value("42"));
    assert_eq!(to("string", boolean(false)), str_value("false"));
}

#[test]
fn from_context_and_default_value() {
    let yaml = "actions:\n- {key: origin, from_context: metadata.origin, action: insert}\n- {key: addr, from_context: client.address, action: insert}\n- {key: who, from_context: auth.subject, default_value: nobody, action: insert}\n- {key: tenant, from_context: X-Tenant, action: insert}\n";
    let client = ClientInfo {
        address: Some("10.0.0.1".into()),
        metadata: vec![("origin".into(), vec!["a".into(), "b".into()]), ("x-tenant".into(), vec!["t1".into()])],
        auth: Vec::new(),
    };
    let out = act_with(yaml, Vec::new(), &client);
    assert_eq!(
        out,
        kvs(&[
            ("origin", str_value("a;b")),
            ("addr", str_value("10.0.0.1")),
            ("who", str_value("nobody")),
            ("tenant", str_value("t1"))
        ])
    );
    assert_eq!(act(yaml, Vec::new()), kvs(&[("who", str_value("nobody"))]));
    let env = "actions:\n- {key: env, value: '', default_value: development, action: upsert}\n- {key: ns, from_attribute: namespace, default_value: default, action: insert}\n";
    assert_eq!(act(env, Vec::new()), kvs(&[("env", str_value("development")), ("ns", str_value("default"))]));
}

/// Records with the given bodies, severity texts and attributes, under one
/// resource and one scope.
fn batch(resource: &[(&str, &str)], scope: (&str, &str), records: &[(&str, &str, i32)]) -> Vec<ResourceLogs> {
    vec![ResourceLogs {
        resource: Some(Resource {
            attributes: resource.iter().map(|(k, v)| kv(*k, str_value(*v))).collect(),
            ..Default::default()
        }),
        scope_logs: vec![ScopeLogs {
            scope: Some(InstrumentationScope { name: scope.0.into(), version: scope.1.into(), ..Default::default() }),
            log_records: records
                .iter()
                .map(|(body, sev, n)| LogRecord {
                    body: Some(str_value(*body)),
                    severity_text: sev.to_string(),
                    severity_number: *n,
                    attributes: vec![kv("password", str_value("hunter2"))],
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }],
        ..Default::default()
    }]
}

/// Which records (by body) the processor changed.
fn changed(yaml: &str, mut rls: Vec<ResourceLogs>) -> Vec<String> {
    let a = compile(&format!("{yaml}\nactions: [{{key: password, action: update, value: obfuscated}}]"));
    a.program().unwrap().apply(&mut rls, &ClientInfo::default());
    rls[0].scope_logs[0]
        .log_records
        .iter()
        .filter(|r| r.attributes[0].value == Some(str_value("obfuscated")))
        .map(|r| match &r.body.as_ref().unwrap().value {
            Some(Av::StringValue(s)) => s.clone(),
            _ => unreachable!(),
        })
        .collect()
}

#[test]
fn include_and_exclude_select_records() {
    let recs = [("AUTH ok", "debug", 5), ("AUTH failed", "WARN", 13), ("other", "debug2", 0)];
    let rls = || batch(&[("host.type", "n1-standard-1")], ("mongo-java-driver", "3.8.0"), &recs);
    assert_eq!(changed("include: {match_type: regexp, log_bodies: ['^AUTH']}", rls()), ["AUTH ok", "AUTH failed"]);
    assert_eq!(changed("include: {match_type: regexp, log_severity_texts: ['debug.*']}", rls()), ["AUTH ok", "other"]);
    assert_eq!(changed("include: {log_severity_number: {min: WARN}}", rls()), ["AUTH failed"]);
    assert_eq!(
        changed("include: {log_severity_number: {min: INFO, match_undefined: true}}", rls()),
        ["AUTH failed", "other"]
    );
    assert_eq!(changed("exclude: {match_type: strict, log_bodies: [other]}", rls()), ["AUTH ok", "AUTH failed"]);
    // Resources, then include and exclude together.
    assert!(
        changed("exclude: {match_type: strict, resources: [{key: host.type, value: n1-standard-1}]}", rls()).is_empty()
    );
    assert_eq!(
        changed("include: {match_type: strict, resources: [{key: host.type}]}\nexclude: {match_type: regexp, log_bodies: [failed]}", rls()),
        ["AUTH ok", "other"]
    );
    // Libraries: without a version any version matches; a blank one only no version.
    let lib = |l: &str| changed(&format!("include: {{match_type: strict, libraries: [{l}]}}"), rls()).len();
    assert_eq!(lib("{name: mongo-java-driver}"), 3);
    assert_eq!(lib("{name: mongo-java-driver, version: 3.8.0}"), 3);
    assert_eq!(lib("{name: mongo-java-driver, version: ''}"), 0);
    assert_eq!(lib("{name: other}"), 0);
}
