//! Converters: examples from `pkg/ottl/ottlfuncs/README.md` (and expressions
//! around them), each with an input record and the record otelcol produces.

use serde_json::json;

use super::{check_cases, transform, Case};

fn cases() -> Vec<Case> {
    vec![
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
                "h1": "4000000000000000", "h2": "31", "h3": "01",
                "h4": "000000000000000c", "h5": "02"
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
                // IDs print as Go's json.Marshal prints a [N]byte array; `.string` and bytes as hex.
                r#"set(log.attributes["s7"], String(log.trace_id))"#,
                r#"set(log.attributes["s8"], String(span_id.string))"#,
                r#"set(log.attributes["s9"], String(SpanID(0x0000000000000001)))"#,
                r#"set(log.attributes["s10"], String(0x0102))"#,
            ],
            json!({"attributes": {"http.method": "GET"}, "span_id": "0102030405060708", "trace_id": "000102030405060708090a0b0c0d0e0f"}),
            json!({"attributes": {"http.method": "GET", "s1": "test", "s2": "GET", "s3": "[1,2,3,4,5,6,7,8]", "s4": "[1,2,3]", "s5": "false", "s6": "1.5",
                "s7": "[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]", "s8": "0102030405060708", "s9": "[0,0,0,0,0,0,0,1]", "s10": "0102"},
                "span_id": "0102030405060708", "trace_id": "000102030405060708090a0b0c0d0e0f"}),
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
    check_cases(cases());
}

#[test]
fn now_is_a_time() {
    let got = transform(&[r#"set(attributes["now"], UnixSeconds(Now()))"#], json!({})).unwrap();
    let now = got["attributes"]["now"].as_i64().unwrap();
    assert!(now > 1_700_000_000, "{now}");
}
