//! Editors and converters: examples from otelcol-contrib's transform processor
//! README and `pkg/ottl/ottlfuncs/README.md`, each with an input record and the
//! record otelcol produces. Where a doc example uses a span or metric path, the
//! log equivalent is used.

use serde_json::json;

use super::transform;

/// (statements, input record, expected record)
fn cases() -> Vec<(Vec<&'static str>, serde_json::Value, serde_json::Value)> {
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
        // --- ottlfuncs converters ---
        (
            vec![
                r#"set(log.attributes["c"], Concat([log.attributes["http.method"], log.attributes["http.path"]], ": "))"#,
            ],
            json!({"attributes": {"http.method": "GET", "http.path": "/x"}}),
            json!({"attributes": {"http.method": "GET", "http.path": "/x", "c": "GET: /x"}}),
        ),
        (
            vec![r#"set(log.body, Concat(["a", 1, 2.5, 3.0, true, nil, 0x0a0b], "-"))"#],
            json!({}),
            json!({"body": "a-1-2.5-3-true-<nil>-0a0b"}),
        ),
        (
            vec![r#"set(log.body, Concat(["HTTP method is: ", log.attributes["m"]], ""))"#],
            json!({"attributes": {"m": {"x": [1, "<"]}}}),
            json!({"attributes": {"m": {"x": [1, "<"]}}, "body": "HTTP method is: {\"x\":[1,\"\\u003c\"]}"}),
        ),
        (
            vec![
                r#"set(log.attributes["a"], ContainsValue([1, 2, 3, 4, 5], 3))"#,
                r#"set(log.attributes["b"], ContainsValue([1.1, 2.2, 3.3, 4.4], 4.4))"#,
                r#"set(log.attributes["c"], ContainsValue(["GET", "PUT", "POST"], "GET"))"#,
                r#"set(log.attributes["d"], ContainsValue(log.attributes["tags"], "staging"))"#,
            ],
            json!({"attributes": {"tags": ["prod", "staging"]}}),
            json!({"attributes": {"tags": ["prod", "staging"], "a": true, "b": true, "c": true, "d": true}}),
        ),
        (
            vec![
                r#"set(log.attributes["d"], Double("2.0"))"#,
                r#"set(log.attributes["i"], Int("2.0"))"#,
                r#"set(log.attributes["j"], Int(2.9))"#,
                r#"set(log.attributes["k"], Int(log.attributes["status"]))"#,
                r#"set(log.attributes["b1"], Bool("true"))"#,
                r#"set(log.attributes["b2"], Bool("0"))"#,
                r#"set(log.attributes["b3"], Bool(log.attributes["truthy_attribute"]))"#,
            ],
            json!({"attributes": {"status": "404", "truthy_attribute": 1}}),
            json!({"attributes": {"status": "404", "truthy_attribute": 1, "d": 2.0, "j": 2, "k": 404, "b1": true, "b2": false, "b3": true}}),
        ),
        (
            vec![
                r#"set(log.attributes, ExtractPatterns(log.body, "^(?P<timestamp>\\w+ \\w+ [0-9]+:[0-9]+:[0-9]+) (?P<hostname>([A-Za-z0-9-_]+)) (?P<process>\\w+)(\\[(?P<pid>\\d+)\\])?: (?P<message>.*)$"))"#,
            ],
            json!({"body": "Mon Mar 17:04:05 bastion sshd[812]: Accepted publickey for alice"}),
            json!({"body": "Mon Mar 17:04:05 bastion sshd[812]: Accepted publickey for alice",
                   "attributes": {"timestamp": "Mon Mar 17:04:05", "hostname": "bastion", "process": "sshd", "pid": "812", "message": "Accepted publickey for alice"}}),
        ),
        (
            vec![
                r#"merge_maps(log.attributes, ExtractPatterns(log.attributes["k8s.change_cause"], "GIT_SHA=(?P<git.sha>\\w+)"), "upsert")"#,
            ],
            json!({"attributes": {"k8s.change_cause": "deploy GIT_SHA=abc123 by ci"}}),
            json!({"attributes": {"k8s.change_cause": "deploy GIT_SHA=abc123 by ci", "git.sha": "abc123"}}),
        ),
        (
            vec![
                r#"set(log.attributes["a"], Format("%02d", [log.attributes["priority"]]))"#,
                r#"set(log.attributes["b"], Format("%s/%s/%04d-%02d-%02d.log", [resource.attributes["hostname"], log.body["program"], 2024, 3, 9]))"#,
            ],
            json!({"attributes": {"priority": 5}, "body": {"program": "sshd"}, "resource": {"hostname": "bastion"}}),
            json!({"attributes": {"priority": 5, "a": "05", "b": "bastion/sshd/2024-03-09.log"}, "body": {"program": "sshd"}, "resource": {"hostname": "bastion"}}),
        ),
        (
            vec![
                r#"set(log.attributes["p"], HasPrefix(resource.attributes["service.name"], "ingest_"))"#,
                r#"set(log.attributes["s"], HasSuffix("ingest_service", "_service"))"#,
            ],
            json!({"resource": {"service.name": "ingest_logs"}}),
            json!({"resource": {"service.name": "ingest_logs"}, "attributes": {"p": true, "s": true}}),
        ),
        (
            vec![
                r#"set(log.attributes["h1"], Hex(2.0))"#,
                r#"set(log.attributes["h2"], Hex("1"))"#,
                r#"set(log.attributes["h3"], Hex(true))"#,
                r#"set(log.attributes["h4"], Hex(12))"#,
                r#"set(log.attributes["h5"], Hex(0x02))"#,
            ],
            json!({}),
            json!({"attributes": {
                "h1": {"$bytes": "4000000000000000"}, "h2": {"$bytes": "31"}, "h3": {"$bytes": "01"},
                "h4": {"$bytes": "000000000000000c"}, "h5": {"$bytes": "02"}
            }}),
        ),
        (
            vec![
                r#"set(log.attributes["i1"], Index("hello world", "world"))"#,
                r#"set(log.attributes["i2"], Index(log.attributes["tags"], "error"))"#,
                r#"set(log.attributes["i3"], Index(log.attributes["scores"], 95))"#,
                r#"set(log.attributes["i4"], Index("hello", "x"))"#,
            ],
            json!({"attributes": {"tags": ["info", "error"], "scores": [80, 95.0]}}),
            json!({"attributes": {"tags": ["info", "error"], "scores": [80, 95.0], "i1": 6, "i2": 1, "i3": 1, "i4": -1}}),
        ),
        (
            vec![
                r#"set(log.attributes["b"], IsBool(false))"#,
                r#"set(log.attributes["d"], IsDouble(log.body))"#,
                r#"set(log.attributes["i"], IsInt(log.attributes["maybe a int"]))"#,
                r#"set(log.attributes["m"], IsMap(log.body))"#,
                r#"set(log.attributes["l"], IsList(log.attributes["list"]))"#,
                r#"set(log.attributes["s"], IsString(log.body))"#,
                r#"set(log.attributes["r"], IsMatch("string", ".*ring"))"#,
            ],
            json!({"body": 1.5, "attributes": {"maybe a int": 3, "list": [1]}}),
            json!({"body": 1.5, "attributes": {"maybe a int": 3, "list": [1], "b": true, "d": true, "i": true, "m": false, "l": true, "s": false, "r": true}}),
        ),
        (
            vec![
                r#"set(log.attributes["k"], Keys({"k1": "v1", "k2": "v2"}))"#,
                r#"set(log.attributes["v"], Values({"key1": "value1", "key2": 5, "key3": [1, 2], "key4": {"b1": "c"}}))"#,
            ],
            json!({}),
            json!({"attributes": {"k": ["k1", "k2"], "v": ["value1", 5, [1, 2], {"b1": "c"}]}}),
        ),
        (
            vec![
                r#"set(log.attributes["n"], Len(log.body))"#,
                r#"set(log.attributes["m"], Len(log.attributes["list"]))"#,
            ],
            json!({"body": "héllo", "attributes": {"list": [1, 2, 3]}}),
            json!({"body": "héllo", "attributes": {"list": [1, 2, 3], "n": 6, "m": 3}}),
        ),
        (
            vec![
                r#"set(log.attributes["md5"], MD5("name"))"#,
                r#"set(log.attributes["sha"], SHA256(resource.attributes["device.name"]))"#,
            ],
            json!({"resource": {"device.name": "name"}}),
            json!({"resource": {"device.name": "name"}, "attributes": {
                "md5": "b068931cc450442b63f5b3d276ea4297",
                "sha": "82a3537ff0dbce7eec35d69edc3a189ee6f17d82f353a553f9aa96cb0be3ce89"
            }}),
        ),
        (
            vec![
                r#"set(log.attributes["o"], ParseJSON("{\"attr\":true}"))"#,
                r#"set(log.attributes["l"], ParseJSON("[\"attr1\",\"attr2\"]"))"#,
            ],
            json!({}),
            json!({"attributes": {"o": {"attr": true}, "l": ["attr1", "attr2"]}}),
        ),
        (
            vec![r#"set(log.attributes, ParseJSON(log.body))"#],
            json!({"body": "{\"user\":\"alice\",\"n\":3,\"ok\":null,\"tags\":[1,\"x\"]}"}),
            json!({"body": "{\"user\":\"alice\",\"n\":3,\"ok\":null,\"tags\":[1,\"x\"]}", "attributes": {"user": "alice", "n": 3.0, "ok": null, "tags": [1.0, "x"]}}),
        ),
        (
            vec![
                r#"set(log.attributes["a"], ParseKeyValue("k1=v1 k2=v2 k3=v3"))"#,
                r#"set(log.attributes["b"], ParseKeyValue("k1!v1_k2!v2_k3!v3", "!", "_"))"#,
                r#"set(log.attributes["c"], ParseKeyValue(log.attributes["pairs"]))"#,
            ],
            json!({"attributes": {"pairs": "user=\"alice smith\" id=7 "}}),
            json!({"attributes": {"pairs": "user=\"alice smith\" id=7 ",
                "a": {"k1": "v1", "k2": "v2", "k3": "v3"}, "b": {"k1": "v1", "k2": "v2", "k3": "v3"},
                "c": {"user": "alice smith", "id": "7"}}}),
        ),
        (
            // ferrocol's ParseLinuxAudit, on journald's form of an audit record.
            vec![
                r#"set(log.attributes["audit"], ParseLinuxAudit(log.body))"#,
                r#"set(log.attributes["who"], log.attributes["audit"]["msg"]["acct"]) where log.attributes["audit"]["type"] == "USER_START""#,
            ],
            json!({"body": "USER_START pid=2101 uid=0 auid=1000 ses=7 msg='op=PAM:session_open grantors=pam_unix acct=616C696365 exe=\"/usr/sbin/sshd\" hostname=203.0.113.7 addr=203.0.113.7 terminal=ssh res=success'"}),
            json!({"body": "USER_START pid=2101 uid=0 auid=1000 ses=7 msg='op=PAM:session_open grantors=pam_unix acct=616C696365 exe=\"/usr/sbin/sshd\" hostname=203.0.113.7 addr=203.0.113.7 terminal=ssh res=success'",
                "attributes": {"who": "alice", "audit": {"type": "USER_START", "pid": "2101", "uid": "0", "auid": "1000", "ses": "7",
                    "msg": {"op": "PAM:session_open", "grantors": "pam_unix", "acct": "alice", "exe": "/usr/sbin/sshd",
                        "hostname": "203.0.113.7", "addr": "203.0.113.7", "terminal": "ssh", "res": "success"}}}}),
        ),
        (
            vec![
                r#"set(resource.attributes["thingsMap"], SliceToMap(resource.attributes["things"], ["name"]))"#,
                r#"set(resource.attributes["byIndex"], SliceToMap(resource.attributes["things"]))"#,
                r#"set(resource.attributes["values"], SliceToMap(resource.attributes["things"], ["name"], ["value"]))"#,
                r#"set(resource.attributes["element_1"], resource.attributes["thingsMap"]["foo"])"#,
            ],
            json!({"resource": {"things": [{"name": "foo", "value": 2}, {"name": "bar", "value": 5}]}}),
            json!({"resource": {
                "things": [{"name": "foo", "value": 2}, {"name": "bar", "value": 5}],
                "thingsMap": {"foo": {"name": "foo", "value": 2}, "bar": {"name": "bar", "value": 5}},
                "byIndex": {"0": {"name": "foo", "value": 2}, "1": {"name": "bar", "value": 5}},
                "values": {"foo": 2, "bar": 5},
                "element_1": {"name": "foo", "value": 2}
            }}),
        ),
        (
            vec![
                r#"set(log.attributes["parts"], Split(log.body, ","))"#,
                r#"set(log.attributes["second"], Split(log.body, ",")[1])"#,
            ],
            json!({"body": "a,b,,c"}),
            json!({"body": "a,b,,c", "attributes": {"parts": ["a", "b", "", "c"], "second": "b"}}),
        ),
        (
            vec![
                r#"set(log.attributes["s1"], String("test"))"#,
                r#"set(log.attributes["s2"], String(log.attributes["http.method"]))"#,
                r#"set(log.attributes["s3"], String(span_id))"#,
                r#"set(log.attributes["s4"], String([1,2,3]))"#,
                r#"set(log.attributes["s5"], String(false))"#,
                r#"set(log.attributes["s6"], String(1.5))"#,
            ],
            json!({"attributes": {"http.method": "GET"}, "span_id": "0102030405060708"}),
            json!({"attributes": {"http.method": "GET", "s1": "test", "s2": "GET", "s3": "0102030405060708", "s4": "[1,2,3]", "s5": "false", "s6": "1.5"}, "span_id": "0102030405060708"}),
        ),
        (
            vec![
                r#"set(log.attributes["a"], Substring("123456789", 0, 3))"#,
                r#"set(log.attributes["b"], Substring("一二三", 0, 4, true))"#,
                r#"set(log.attributes["c"], Substring(log.body, 2, 3))"#,
            ],
            json!({"body": "abcdef"}),
            json!({"body": "abcdef", "attributes": {"a": "123", "b": "一", "c": "cde"}}),
        ),
        (
            vec![
                r#"set(log.attributes["t1"], Trim(" this is a test ", " "))"#,
                r#"set(log.attributes["t2"], Trim("!!this is a test!!", "!!"))"#,
                r#"set(log.attributes["t3"], Trim("  x  "))"#,
            ],
            json!({}),
            json!({"attributes": {"t1": "this is a test", "t2": "this is a test", "t3": "x"}}),
        ),
        (
            vec![
                r#"set(log.attributes["l"], ToLowerCase(log.body))"#,
                r#"set(log.attributes["u"], ToUpperCase(log.body))"#,
            ],
            json!({"body": "MyMetricName"}),
            json!({"body": "MyMetricName", "attributes": {"l": "mymetricname", "u": "MYMETRICNAME"}}),
        ),
        (
            vec![
                r#"set(log.attributes["ns"], UnixNano(Time("02/04/2023", "%m/%d/%Y", "UTC")))"#,
                r#"set(log.attributes["s"], UnixSeconds(Time("Feb 15, 2023", "%b %d, %Y", "UTC")))"#,
                r#"set(log.time, Time("2023-05-26 12:34:56 HST", "%Y-%m-%d %H:%M:%S %Z"))"#,
            ],
            json!({}),
            json!({"attributes": {"ns": 1675468800000000000_i64, "s": 1676419200}, "time_unix_nano": 1685140496000000000_u64}),
        ),
        (
            vec![
                r#"set(log.observed_time_unix_nano, log.time_unix_nano + 1000)"#,
                r#"set(log.severity_number, SEVERITY_NUMBER_WARN)"#,
            ],
            json!({"time_unix_nano": 5000}),
            json!({"time_unix_nano": 5000, "observed_time_unix_nano": 6000, "severity_number": 13}),
        ),
        (
            vec![
                r#"set(log.attributes["age"], log.time - Time("2023-05-26 12:00:00", "%Y-%m-%d %H:%M:%S", "UTC"))"#,
                r#"set(log.attributes["later"], UnixSeconds(log.time + (log.time - log.time)))"#,
            ],
            json!({"time_unix_nano": 1685102460000000000_u64}),
            json!({"time_unix_nano": 1685102460000000000_u64, "attributes": {"age": null, "later": 1685102460}}),
        ),
        (
            vec![
                r#"set(log.trace_id.string, "a389023abaa839283293ed323892389d")"#,
                r#"set(log.span_id, SpanID(0x0102030405060708))"#,
                r#"set(log.attributes["t"], log.trace_id.string)"#,
                r#"set(log.body.string, "plain")"#,
                r#"set(log.event_name, "login")"#,
                r#"set(log.flags, 1)"#,
                r#"set(instrumentation_scope.name, "ferrocol")"#,
                r#"set(scope.version, "1")"#,
            ],
            json!({"body": {"a": 1}}),
            json!({"body": "plain", "trace_id": "a389023abaa839283293ed323892389d", "span_id": "0102030405060708",
                   "attributes": {"t": "a389023abaa839283293ed323892389d"}, "event_name": "login", "flags": 1,
                   "scope": {"name": "ferrocol", "version": "1"}}),
        ),
        (
            vec![r#"set(log.attributes["b"], log.body.string)"#],
            json!({"body": {"z": 1, "a": "x"}}),
            json!({"body": {"z": 1, "a": "x"}, "attributes": {"b": "{\"a\":\"x\",\"z\":1}"}}),
        ),
        (
            vec![
                r#"set(log.attributes["x"], 10 / 3 * 3 + 10 - 2)"#,
                r#"set(log.attributes["y"], 1.5 * 2.0)"#,
                r#"set(log.attributes["z"], -7 / 2)"#,
            ],
            json!({}),
            json!({"attributes": {"x": 17, "y": 3.0, "z": -3}}),
        ),
        // Unprefixed paths (the pre-0.120 log context) mean the same as prefixed ones.
        (
            vec![
                r#"set(attributes["user"], body["user"]) where IsMap(body)"#,
                r#"set(severity_text, "INFO") where severity_number == SEVERITY_NUMBER_INFO"#,
            ],
            json!({"body": {"user": "alice"}, "severity_number": 9}),
            json!({"body": {"user": "alice"}, "severity_number": 9, "severity_text": "INFO", "attributes": {"user": "alice"}}),
        ),
    ]
}

#[test]
fn doc_examples_give_otelcols_results() {
    let mut failures = Vec::new();
    for (stmts, input, want) in cases() {
        match transform(&stmts, input.clone()) {
            Ok(got) if got == want => {}
            Ok(got) => failures.push(format!("{stmts:?}\n  input: {input}\n  want:  {want}\n  got:   {got}")),
            Err(e) => failures.push(format!("{stmts:?}\n  error: {e}")),
        }
    }
    assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn now_is_a_time() {
    let got = transform(&[r#"set(attributes["now"], UnixSeconds(Now()))"#], json!({})).unwrap();
    let now = got["attributes"]["now"].as_i64().unwrap();
    assert!(now > 1_700_000_000, "{now}");
}

#[test]
fn set_with_nil_or_unsupported_values_is_a_no_op() {
    let input = json!({"body": "keep", "attributes": {"a": 1}});
    for s in [r#"set(body, nil)"#, r#"set(attributes["a"], attributes["nope"])"#, r#"set(attributes, "not a map")"#] {
        assert_eq!(transform(&[s], input.clone()).unwrap(), input, "{s}");
    }
}
