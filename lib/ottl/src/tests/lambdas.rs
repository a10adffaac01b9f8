//! The lambda converters (otelcol's `ottl.functions.enableLambda` gate): the
//! README examples with the results they describe, arity and result-type
//! errors, nesting, and the converters being undefined with the gate off.

use serde_json::json;

use super::{check_cases, transform};
use crate::testkit::transform_with;
use crate::Functions;

fn input() -> serde_json::Value {
    json!({"attributes": {
        "tags": ["prod", "dev", "prod"],
        "http.method": "GET", "http.route": "/a", "env": "prod",
        "counts": [1, 2, 3],
        "labels": {"a": 1, "b": "x"},
        "int_value": 5
    }})
}

fn get(expr: &str) -> Result<serde_json::Value, String> {
    let out = transform(&[&format!(r#"set(log.attributes["out"], {expr})"#)], input())?;
    Ok(out["attributes"]["out"].clone())
}

#[test]
fn readme_examples() {
    let cases = [
        (r#"All(log.attributes["tags"], (_, v) => v == "prod")"#, json!(false)),
        (r#"All(log.attributes["counts"], (_, v) => v > 0)"#, json!(true)),
        (r#"All(log.attributes["labels"], (k, _) => HasPrefix(k, "http."))"#, json!(false)),
        (r#"All([], (_, v) => v == "prod")"#, json!(true)),
        (r#"Any(log.attributes["tags"], (_, v) => v == "prod")"#, json!(true)),
        (r#"Any(log.attributes, (k, _) => HasPrefix(k, "http."))"#, json!(true)),
        (r#"Any({}, (k, _) => true)"#, json!(false)),
        (r#"Filter(log.attributes["tags"], (_, v) => v == "prod")"#, json!(["prod", "prod"])),
        (
            r#"Filter(log.attributes, (k, _) => HasPrefix(k, "http."))"#,
            json!({"http.method": "GET", "http.route": "/a"}),
        ),
        (r#"Find(log.attributes["tags"], (_, v) => v == "dev")"#, json!("dev")),
        (r#"Find(log.attributes, (k, _) => k == "http.method")"#, json!("GET")),
        (r#"Find(log.attributes, (_, v) => v == "prod", (k, _) => k)"#, json!("env")),
        (r#"Find(log.attributes["counts"], (_, v) => v == 2, (_, v) => String(v))"#, json!("2")),
        (r#"Find(log.attributes["tags"], (_, v) => v == "qa")"#, serde_json::Value::Null),
        (r#"MapEach(log.attributes["counts"], (_, v) => Int(v) * 2)"#, json!([2, 4, 6])),
        (r#"MapEach(log.attributes["labels"], (_, v) => String(v))"#, json!({"a": "1", "b": "x"})),
        (r#"MapEach(log.attributes["counts"], (i, _) => i)"#, json!([0, 1, 2])),
        (
            r#"MapKeys(log.attributes["labels"], (k, _) => Concat(["http.", k], ""))"#,
            json!({"http.a": 1, "http.b": "x"}),
        ),
        (
            r#"MapKeys(log.attributes["labels"], (k, v) => Concat([k, ":", String(v)], ""))"#,
            json!({"a:1": 1, "b:x": "x"}),
        ),
        (r#"Reduce(log.attributes["counts"], 0, (acc, _, v) => acc + Int(v))"#, json!(6)),
        (
            r#"Reduce(log.attributes["labels"], "", (acc, k, v) => Concat([acc, k, "=", String(v), ";"], ""))"#,
            json!("a=1;b=x;"),
        ),
        (r#"Reduce([], 7, (acc, _, v) => acc + v)"#, json!(7)),
        (r#"When(() => IsMap(log.attributes), "map", "not map")"#, json!("map")),
        (r#"When(() => log.attributes["int_value"] > 0, "positive", "negative")"#, json!("positive")),
        (r#"When(() => IsString(log.attributes["int_value"]) and true, "yes", "no")"#, json!("no")),
        // Nested lambdas see the enclosing lambda's formals.
        (
            r#"Filter(log.attributes["tags"], (i, v) => Any(log.attributes["tags"], (j, w) => w == v and j != i))"#,
            json!(["prod", "prod"]),
        ),
    ];
    let mut failures = Vec::new();
    for (expr, want) in cases {
        match get(expr) {
            Ok(got) if got == want => {}
            other => failures.push(format!("{expr}: want {want}, got {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn in_conditions_and_statements() {
    let base = json!({"attributes": {"tags": ["prod", "dev"], "counts": [1, 2]}});
    check_cases(vec![
        (
            vec![
                r#"set(log.attributes["has_prod"], true) where Any(log.attributes["tags"], (_, v) => v == "prod")"#,
                r#"set(log.attributes["all_prod"], true) where All(log.attributes["tags"], (_, v) => v == "prod")"#,
                r#"set(log.attributes["prod_tags"], Filter(log.attributes["tags"], (_, v) => v == "prod"))"#,
                r#"set(log.attributes["total"], Reduce(log.attributes["counts"], 0, (acc, _, v) => acc + Int(v)))"#,
                r#"set(log.attributes["result"], When(() => IsMap(log.attributes), "yes", "no"))"#,
            ],
            base.clone(),
            json!({"attributes": {"tags": ["prod", "dev"], "counts": [1, 2], "has_prod": true,
                "prod_tags": ["prod"], "total": 3, "result": "yes"}}),
        ),
        (
            vec![r#"set(log.attributes["first_prod"], Find(log.attributes["tags"], (_, v) => v == "prod"))"#],
            base.clone(),
            json!({"attributes": {"tags": ["prod", "dev"], "counts": [1, 2], "first_prod": "prod"}}),
        ),
        (
            vec![r#"set(log.attributes["doubled"], MapEach(log.attributes["counts"], (_, v) => Int(v)))"#],
            base.clone(),
            json!({"attributes": {"tags": ["prod", "dev"], "counts": [1, 2], "doubled": [1, 2]}}),
        ),
    ]);
}

#[test]
fn errors() {
    let cfg = |expr: &str| get(expr).unwrap_err();
    let e = cfg(r#"Filter(log.attributes["tags"], (v) => v == "prod")"#);
    assert!(e.contains("lambda should be defined with exactly 2 formal(s), but has 1"), "{e}");
    let e = cfg(r#"Find(log.attributes["tags"], (v) => true)"#);
    assert!(e.contains("invalid predicate: lambda should be defined with exactly 2 formal(s), but has 1"), "{e}");
    let e = cfg(r#"Find(log.attributes["tags"], (_, v) => true, () => 1)"#);
    assert!(e.contains("invalid mapper: lambda should be defined with exactly 2 formal(s), but has 0"), "{e}");
    let e = cfg(r#"When((x) => true, 1, 2)"#);
    assert!(e.contains("lambda should be defined with exactly 0 formal(s), but has 1"), "{e}");
    let e = cfg(r#"Reduce([1], 0, (a, b) => a)"#);
    assert!(e.contains("lambda should be defined with exactly 3 formal(s), but has 2"), "{e}");
    let e = cfg(r#"Filter(log.attributes["tags"], "prod")"#);
    assert!(e.contains(r#"argument "predicate" must be a lambda expression"#), "{e}");
    let e = cfg(r#"Concat((a, b) => a, "")"#);
    assert!(e.contains("a lambda expression can only be the argument of a function that takes one"), "{e}");
    // Run-time errors.
    let e = cfg(r#"Filter(log.attributes["tags"], (_, v) => String(v))"#);
    assert!(
        e.contains("error while evaluating lambda function on slice item (0, prod): lambda expression must return a value of type bool, got string"),
        "{e}"
    );
    let e = cfg(r#"Any("x", (_, v) => true)"#);
    assert!(e.contains("unsupported type provided: string"), "{e}");
    let e = cfg(r#"MapKeys(log.attributes["labels"], (k, v) => 1)"#);
    assert!(e.contains("lambda expression must return a value of type string, got int64"), "{e}");
    let e = cfg(r#"When(() => 1, 1, 2)"#);
    assert!(
        e.contains(
            "error while evaluating lambda function: lambda expression must return a value of type bool, got int64"
        ),
        "{e}"
    );
}

#[test]
fn undefined_with_the_gate_off() {
    let off = Functions::standard();
    assert!(!off.converter_names().contains(&"Filter"));
    let e = transform_with(
        &off,
        &[r#"set(log.attributes["x"], Filter(log.attributes["tags"], (_, v) => v == "prod"))"#],
        input(),
    )
    .unwrap_err();
    assert!(e.contains(r#"undefined function "Filter""#), "{e}");
    let on = Functions::standard().with_lambdas(true);
    assert!(on.converter_names().contains(&"When"));
}
