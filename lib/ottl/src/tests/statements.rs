//! Editors: examples from otelcol-contrib's transform processor README and
//! `pkg/ottl/ottlfuncs/README.md`, each with an input record and the record
//! otelcol produces. Where a doc example uses a span or metric path, the log
//! equivalent is used.

use serde_json::json;

use super::{check_cases, transform, Case};

fn cases() -> Vec<Case> {
    vec![
        // --- transform processor README, basic config ---
        (
            vec![r#"set(log.severity_text, "FAIL") where log.body == "request failed""#],
            json!({"body": "request failed"}),
            json!({"body": "request failed", "severity_text": "FAIL"}),
        ),
        (
            vec![r#"set(log.severity_text, "FAIL") where log.body == "request failed""#],
            json!({"body": "ok"}),
            json!({"body": "ok"}),
        ),
        (
            vec![r#"replace_all_matches(log.attributes, "/user/*/list/*", "/user/{userId}/list/{listId}")"#],
            json!({"attributes": {"path": "/user/123/list/456", "other": "/user/1", "n": 3}}),
            json!({"attributes": {"path": "/user/{userId}/list/{listId}", "other": "/user/1", "n": 3}}),
        ),
        (
            vec![r#"replace_all_patterns(log.attributes, "value", "/account/\\d{4}", "/account/{accountId}")"#],
            json!({"attributes": {"a": "/account/1234/x", "b": "/account/12"}}),
            json!({"attributes": {"a": "/account/{accountId}/x", "b": "/account/12"}}),
        ),
        (
            vec![r#"set(log.body, log.attributes["http.route"])"#],
            json!({"body": "x", "attributes": {"http.route": "/api/v1"}}),
            json!({"body": "/api/v1", "attributes": {"http.route": "/api/v1"}}),
        ),
        (
            vec![
                r#"keep_keys(log.attributes, ["service.name", "service.namespace", "cloud.region", "process.command_line"])"#,
            ],
            json!({"attributes": {"service.name": "a", "http.method": "GET", "cloud.region": "eu"}}),
            json!({"attributes": {"service.name": "a", "cloud.region": "eu"}}),
        ),
        (
            vec![
                r#"replace_pattern(log.attributes["process.command_line"], "password\\=[^\\s]*(\\s?)", "password=***")"#,
            ],
            json!({"attributes": {"process.command_line": "app --password=hunter2 -v"}}),
            json!({"attributes": {"process.command_line": "app --password=***-v"}}),
        ),
        (
            vec![r#"limit(log.attributes, 2, ["c"])"#],
            json!({"attributes": {"a": 1, "b": 2, "c": 3, "d": 4}}),
            json!({"attributes": {"a": 1, "c": 3}}),
        ),
        (
            vec![r#"truncate_all(log.attributes, 3)"#],
            json!({"attributes": {"a": "abcdef", "n": 12345, "u": "ééé"}}),
            json!({"attributes": {"a": "abc", "n": 12345, "u": "é"}}),
        ),
        // --- ottlfuncs editors ---
        (
            vec![r#"append(log.attributes["tags"], "prod")"#],
            json!({"attributes": {"tags": "dev"}}),
            json!({"attributes": {"tags": ["dev", "prod"]}}),
        ),
        (
            vec![r#"append(log.attributes["tags"], values = ["staging", "staging:east"])"#],
            json!({"attributes": {"tags": ["a"]}}),
            json!({"attributes": {"tags": ["a", "staging", "staging:east"]}}),
        ),
        (
            vec![r#"append(log.attributes["tags_copy"], log.attributes["tags"])"#],
            json!({"attributes": {"tags": "x"}}),
            json!({"attributes": {"tags": "x", "tags_copy": ["x"]}}),
        ),
        (
            vec![r#"delete_key(log.attributes, "http.request.header.authorization")"#],
            json!({"attributes": {"http.request.header.authorization": "secret", "k": "v"}}),
            json!({"attributes": {"k": "v"}}),
        ),
        (
            vec![r#"delete_key(resource.attributes, "http.request.header.authorization")"#],
            json!({"resource": {"http.request.header.authorization": "secret"}}),
            json!({"resource": {}}),
        ),
        (
            vec![r#"delete_matching_keys(log.attributes, "(?i).*password.*")"#],
            json!({"attributes": {"db.PASSWORD": "x", "user_password_hash": "y", "user": "z"}}),
            json!({"attributes": {"user": "z"}}),
        ),
        (
            vec![r#"keep_matching_keys(log.attributes, "(?i).*version.*")"#],
            json!({"attributes": {"app.Version": "1", "os": "linux", "kernel_version": "6"}}),
            json!({"attributes": {"app.Version": "1", "kernel_version": "6"}}),
        ),
        (
            vec![r#"flatten(log.body)"#],
            json!({"body": {"name": "test", "address": {"street": "first", "house": 1234}, "occupants": ["user 1", "user 2"]}}),
            json!({"body": {"name": "test", "address.street": "first", "address.house": 1234, "occupants.0": "user 1", "occupants.1": "user 2"}}),
        ),
        (
            vec![r#"flatten(log.body, "app")"#],
            json!({"body": {"name": "test", "address": {"street": "first", "house": 1234}, "occupants": ["user 1", "user 2"]}}),
            json!({"body": {"app.name": "test", "app.address.street": "first", "app.address.house": 1234, "app.occupants.0": "user 1", "app.occupants.1": "user 2"}}),
        ),
        (
            // Maps inside slices are flattened too.
            vec![r#"flatten(log.body)"#],
            json!({"body": {"things": [{"name": "a", "tags": ["x"]}, {"name": "b"}], "n": [[1, 2]]}}),
            json!({"body": {"things.0.name": "a", "things.0.tags.0": "x", "things.1.name": "b", "n.0.0": 1, "n.0.1": 2}}),
        ),
        (
            vec![r#"flatten(log.body, depth=2)"#],
            json!({"body": {"0": {"1": {"2": {"3": {"4": "value"}}}}}}),
            json!({"body": {"0.1.2": {"3": {"4": "value"}}}}),
        ),
        (
            vec![r#"flatten(log.body, resolveConflicts=true)"#],
            json!({"body": {
                "address": {"street": {"number": "first"}, "house": "1234"},
                "address.street": {"number": ["second", "third"]},
                "address.street.number": "fourth",
                "occupants": ["user 1", "user 2"]
            }}),
            json!({"body": {
                "address.street.number": "first",
                "address.house": "1234",
                "address.street.number.0": "second",
                "address.street.number.1": "third",
                "occupants": "user 1",
                "occupants.0": "user 2",
                "address.street.number.2": "fourth"
            }}),
        ),
        (
            vec![r#"keep_keys(log.attributes, ["http.method"])"#],
            json!({"attributes": {"http.method": "GET", "http.route": "/x"}}),
            json!({"attributes": {"http.method": "GET"}}),
        ),
        (
            vec![r#"merge_maps(log.attributes, ParseJSON(log.body), "upsert")"#],
            json!({"body": "{\"a\":\"1\",\"b\":2}", "attributes": {"a": "0", "c": "x"}}),
            json!({"body": "{\"a\":\"1\",\"b\":2}", "attributes": {"a": "1", "c": "x", "b": 2.0}}),
        ),
        (
            vec![r#"merge_maps(log.attributes, resource.attributes, "insert")"#],
            json!({"attributes": {"a": "log"}, "resource": {"a": "res", "b": "res"}}),
            json!({"attributes": {"a": "log", "b": "res"}, "resource": {"a": "res", "b": "res"}}),
        ),
        (
            vec![r#"merge_maps(log.attributes, ParseJSON(log.attributes["kubernetes"]), "update")"#],
            json!({"attributes": {"pod": "old", "kubernetes": "{\"pod\":\"new\",\"ns\":\"x\"}"}}),
            json!({"attributes": {"pod": "new", "kubernetes": "{\"pod\":\"new\",\"ns\":\"x\"}"}}),
        ),
        (
            vec![r#"replace_all_patterns(resource.attributes, "key", "^kube_([0-9A-Za-z]+_)", "k8s.$1.")"#],
            json!({"resource": {"kube_pod_name": "p", "host": "h"}}),
            json!({"resource": {"k8s.pod_.name": "p", "host": "h"}}),
        ),
        (
            vec![
                r#"replace_all_patterns(resource.attributes, "key", "^kube_([0-9A-Za-z]+_)", "$1.", SHA256, "k8s.%s")"#,
            ],
            json!({"resource": {"kube_pod_name": "p"}}),
            json!({"resource": {"k8s.6d84a506bd7fb1f256ed60c44bd7cd7fb1c12b2f531231e13db610d418021420name": "p"}}),
        ),
        (
            vec![r#"replace_match(log.attributes["http.target"], "/user/*/list/*", "/user/{userId}/list/{listId}")"#],
            json!({"attributes": {"http.target": "/user/7/list/9"}}),
            json!({"attributes": {"http.target": "/user/{userId}/list/{listId}"}}),
        ),
        (
            vec![
                r#"replace_match(log.attributes["http.target"], "/user/*/list/*", "/user/{userId}/list/{listId}", SHA256, "/user/%s")"#,
            ],
            json!({"attributes": {"http.target": "/user/7/list/9"}}),
            json!({"attributes": {"http.target": "/user/00f19e6d892e0ac5c63f8b6d8371f94035603103e1aef666e22cdc5f17ee35c2"}}),
        ),
        (
            vec![r#"replace_pattern(log.attributes["metric"], "^kube_([0-9A-Za-z]+_)", "k8s.$1.")"#],
            json!({"attributes": {"metric": "kube_node_cpu"}}),
            json!({"attributes": {"metric": "k8s.node_.cpu"}}),
        ),
        (
            vec![r#"replace_pattern(log.body, "(\\d+)", "<$1>")"#],
            json!({"body": "a1b22"}),
            json!({"body": "a<1>b<22>"}),
        ),
        (
            vec![r#"set(resource.attributes["http.path"], "/foo")"#],
            json!({}),
            json!({"resource": {"http.path": "/foo"}}),
        ),
        (
            vec![r#"set(log.attributes["x"], log.attributes["missing"])"#],
            json!({"attributes": {"a": 1}}),
            json!({"attributes": {"a": 1}}),
        ),
        (vec![r#"set(log.attributes["a"]["b"][0], "deep")"#], json!({}), json!({"attributes": {"a": {"b": ["deep"]}}})),
        (
            vec![r#"set(log.body["user"]["name"], "alice")"#],
            json!({"body": {"user": {"id": 1}}}),
            json!({"body": {"user": {"id": 1, "name": "alice"}}}),
        ),
        (
            vec![r#"set(log.attributes[log.attributes["key"]], "v")"#],
            json!({"attributes": {"key": "dynamic"}}),
            json!({"attributes": {"key": "dynamic", "dynamic": "v"}}),
        ),
        (
            vec![r#"set(cache["a"], log.body)"#, r#"set(log.attributes["copy"], cache["a"])"#],
            json!({"body": "b"}),
            json!({"body": "b", "attributes": {"copy": "b"}}),
        ),
        (
            vec![r#"truncate_all(resource.attributes, 10, false, "(...)")"#],
            json!({"resource": {"a": "0123456789abc", "b": "short"}}),
            json!({"resource": {"a": "01234(...)", "b": "short"}}),
        ),
        (
            vec![r#"truncate_all(log.attributes, 5, truncation_marker = "~")"#],
            json!({"attributes": {"a": "ééé"}}),
            json!({"attributes": {"a": "éé~"}}),
        ),
    ]
}

#[test]
fn doc_examples_give_otelcols_results() {
    check_cases(cases());
}

#[test]
fn set_with_nil_or_unsupported_values_is_a_no_op() {
    let input = json!({"body": "keep", "attributes": {"a": 1}});
    for s in [r#"set(body, nil)"#, r#"set(attributes["a"], attributes["nope"])"#, r#"set(attributes, nil)"#] {
        assert_eq!(transform(&[s], input.clone()).unwrap(), input, "{s}");
    }
}

/// `ctxutil.SetMap`: a whole map takes only a map; anything else fails the
/// statement and leaves the map as it was.
#[test]
fn whole_maps_take_only_maps() {
    let input = json!({"attributes": {"a": 1}});
    for (s, ty) in [
        (r#"set(attributes, "not a map")"#, "string"),
        (r#"set(resource.attributes, 1)"#, "int64"),
        (r#"set(scope.attributes, [1])"#, "pcommon.Slice"),
        (r#"set(cache, true)"#, "bool"),
        (r#"set(attributes, Now())"#, "time.Time"),
    ] {
        let err = transform(&[s], input.clone()).unwrap_err();
        let want =
            format!("failed to execute statement: {s}, unsupported type provided for setting a pcommon.Map: {ty}");
        assert_eq!(err, want);
    }
    let got = transform(&[r#"set(attributes, {"b": 2})"#, r#"set(cache, attributes)"#], input.clone()).unwrap();
    assert_eq!(got["attributes"], json!({"b": 2}));
    // Under error_mode ignore the next statement still runs.
    let funcs = crate::Functions::standard();
    let parse = |s| crate::Statement::parse(s, crate::ContextKind::Log, &funcs).unwrap();
    let stmts = [parse(r#"set(attributes, "x")"#), parse(r#"set(attributes["b"], 2)"#)];
    let mut r = crate::testkit::rec(input);
    let mut ctx = crate::Ctx::log(&mut r.resource, &mut r.scope, &mut r.record);
    crate::run_statements(&stmts, &mut ctx, crate::ErrorMode::Ignore).unwrap();
    drop(ctx);
    assert_eq!(crate::testkit::to_json(&r)["attributes"], json!({"a": 1, "b": 2}));
}
