//! Conditions: examples from otelcol-contrib's filter processor README and
//! OTTL's LANGUAGE.md, with the comparison rules for nil and mixed types.

use serde_json::json;

use super::cond;

#[test]
fn doc_conditions() {
    let rec = json!({
        "body": "user password=hunter2",
        "severity_number": 9,
        "severity_text": "INFO",
        "attributes": {"custom-attr": "x", "int": 2, "double": 2.0, "s": "1", "list": [1, 2], "map": {"a": 1}, "empty": {"$bytes": ""}},
        "resource": {"host.name": "pod-7"},
        "scope": {"name": "sshd", "version": "9.6"},
        "time_unix_nano": 1_700_000_000_000_000_000_u64,
    });
    let cases: &[(&str, bool)] = &[
        // filter processor README
        (r#"IsMatch(body, ".*password.*")"#, true),
        ("severity_number < SEVERITY_NUMBER_WARN", true),
        (r#"attributes["custom-attr"] != nil"#, true),
        (r#"IsMatch(resource.attributes["host.name"], "pod-*")"#, true),
        (r#"not (IsMatch(body, "x") and severity_number > 0)"#, true),
        // LANGUAGE.md: `not` > `and` > `or`
        (r#"true or false and false"#, true),
        (r#"(true or false) and false"#, false),
        (r#"not true or true"#, true),
        (r#"not false and false"#, false),
        ("1 < 2", true),
        ("1 + 1 == 2", true),
        ("(1 + 2) * 3 == 9", true),
        ("10 / 4 == 2", true),
        // mixed numbers compare as float64
        (r#"attributes["int"] == attributes["double"]"#, true),
        (r#"attributes["int"] < 2.5"#, true),
        (r#"attributes["double"] >= 2"#, true),
        // other mixes are "not equal": only != holds
        (r#"attributes["s"] == 1"#, false),
        (r#"attributes["s"] != 1"#, true),
        (r#"attributes["s"] < 2"#, false),
        // nil equals only nil (and an empty byte slice)
        (r#"attributes["missing"] == nil"#, true),
        (r#"attributes["missing"] <= nil"#, true),
        (r#"attributes["missing"] < nil"#, false),
        (r#"attributes["missing"] < 1"#, false),
        (r#"attributes["missing"] != 1"#, true),
        (r#"nil == attributes["missing"]"#, true),
        (r#"attributes["empty"] == nil"#, true),
        (r#"attributes["missing"]["deeper"] == nil"#, true),
        // maps and slices: equality only
        (r#"attributes["list"] == [1, 2]"#, true),
        (r#"attributes["list"] == [2, 1]"#, false),
        (r#"attributes["map"] == {"a": 1}"#, true),
        (r#"attributes["map"] <= {"a": 1}"#, false),
        // strings compare bytewise, bools false < true
        (r#""abc" < "abd""#, true),
        ("false < true", true),
        // paths of the log context, prefixed or not
        (r#"log.severity_text == "INFO""#, true),
        (r#"instrumentation_scope.name == "sshd" and scope.version == "9.6""#, true),
        (r#"resource.attributes["host.name"] == "pod-7""#, true),
        ("time_unix_nano > 0", true),
        (r#"log.time > Time("2023-01-01", "%Y-%m-%d", "UTC")"#, true),
        ("trace_id == TraceID(0x00000000000000000000000000000000)", true),
        (r#"span_id.string == "0000000000000000""#, true),
        (r#"IsMatch(body.string, "^user")"#, true),
        (r#"Len(body) > 3 and HasPrefix(body, "user")"#, true),
        (r#"IsMatch(attributes["list"], "^\\[1,2\\]$")"#, true),
        (r#"IsMatch(attributes["missing"], ".*")"#, false),
        (r#"IsMatch(attributes["int"], "^2$")"#, true),
        (r#"Split(body, " ")[1] == "password=hunter2""#, true),
    ];
    let mut failures = Vec::new();
    for (c, want) in cases {
        match cond(c, rec.clone()) {
            Ok(got) if got == *want => {}
            Ok(got) => failures.push(format!("{c}: want {want}, got {got}")),
            Err(e) => failures.push(format!("{c}: error {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn evaluation_errors() {
    let rec = json!({"body": "plain", "attributes": {"n": 1, "f": 1.5, "list": [1]}});
    let cases: &[(&str, &str)] = &[
        (r#"body["k"] == 1"#, "log bodies of type Str cannot be indexed"),
        (r#"attributes["n"] + attributes["f"] > 0"#, "unsupported math operation + between int64 and float64"),
        ("1 / 0 == 1", "attempted to divide by zero"),
        (r#"attributes["list"][3] == 1"#, "index 3 out of bounds"),
        (r#"attributes["n"]["x"] == 1"#, "type Int does not support string indexing"),
        (r#"Len(attributes["n"]) > 0"#, "unsupported type for Len: int64"),
        (r#"HasPrefix(attributes["n"], "x")"#, "expected string but got int64"),
        (r#"Int(body)"#, "value returned from Converter in constant expression must be bool but got nil"),
        (r#"ParseKeyValue(body)["password"] == "x""#, "cannot split \"plain\" into 2 items, got 1 item(s)"),
    ];
    for (c, want) in cases {
        assert_eq!(cond(c, rec.clone()).unwrap_err(), *want, "{c}");
    }
}
