//! Operators on entries, and their config errors with positions.

use super::*;
use crate::anyvalue::{map_value, str_value};
use crate::config::yaml::parse as yaml;
use crate::event::KeyValue;

fn ops(y: &str) -> Vec<Operator> {
    let n = yaml("c.yaml", y).unwrap();
    parse(n.get("operators")).unwrap()
}

fn err(y: &str) -> String {
    let n = yaml("c.yaml", y).unwrap();
    let e = parse(n.get("operators")).err().expect("an error");
    let pos = e.pos.unwrap();
    format!("{}:{}: {}: {}", pos.line, pos.col, e.path, e.message)
}

fn line(text: &str) -> LogEntry {
    LogEntry {
        body: str_value(text),
        attributes: vec![KeyValue {
            key: "log.file.name".into(),
            value: Some(str_value("a.log")),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn run(ops: &mut [Operator], e: &mut LogEntry) -> bool {
    ops.iter_mut().all(|op| op.process(e))
}

fn show(v: &AnyValue) -> String {
    let mut s = String::new();
    crate::otlp::value::write_typed(&mut s, Some(v));
    s
}

fn attr(e: &LogEntry, k: &str) -> String {
    e.attributes.iter().find(|kv| kv.key == k).map_or("<none>".into(), |kv| show(kv.value.as_ref().unwrap()))
}

use crate::event::AnyValue;

#[test]
fn json_parser_with_timestamp_and_severity() {
    let mut o = ops(r#"
operators:
  - type: json_parser
    timestamp: {parse_from: attributes.time, layout: '%Y-%m-%dT%H:%M:%S.%LZ'}
    severity: {parse_from: attributes.level}
"#);
    let mut e = line(r#"{"time":"2024-05-01T10:00:00.250Z","level":"warning","n":3,"m":{"k":[1,true]}}"#);
    assert!(run(&mut o, &mut e));
    assert_eq!(show(&e.body), r#"Str({"time":"2024-05-01T10:00:00.250Z","level":"warning","n":3,"m":{"k":[1,true]}})"#);
    assert_eq!(attr(&e, "n"), "Double(3)", "without parse_ints numbers are doubles");
    assert_eq!(attr(&e, "m"), r#"Map({"k":[1,true]})"#);
    assert_eq!(e.timestamp, 1_714_557_600_250_000_000);
    assert_eq!((e.severity, e.severity_text.as_str()), (13, "warning"));
}

#[test]
fn json_parser_parse_to_body_and_ints() {
    let mut o = ops("operators: [{type: json_parser, parse_to: body, parse_ints: true}]\n");
    let mut e = line(r#"{"a":1,"b":1.5}"#);
    assert!(run(&mut o, &mut e));
    assert_eq!(show(&e.body), r#"Map({"a":1,"b":1.5})"#);
    assert_eq!(show(crate::anyvalue::get(crate::anyvalue::as_map(&e.body).unwrap(), "a").unwrap()), "Int(1)");
}

#[test]
fn on_error_send_and_drop() {
    let mut send = ops("operators: [{type: json_parser}]\n");
    let mut e = line("not json");
    assert!(run(&mut send, &mut e), "send keeps the entry as it was");
    assert_eq!(e, line("not json"));
    let mut drop = ops("operators: [{type: json_parser, on_error: drop_quiet}]\n");
    assert!(!run(&mut drop, &mut line("not json")));
}

#[test]
fn regex_parser() {
    let mut o = ops(r#"
operators:
  - type: regex_parser
    regex: '^(?P<user>\w+) from (?P<ip>[\d.]+)( port (?P<port>\d+))?$'
    parse_to: attributes["ssh"]
"#);
    let mut e = line("root from 10.0.0.1");
    assert!(run(&mut o, &mut e));
    assert_eq!(attr(&e, "ssh"), r#"Map({"ip":"10.0.0.1","port":"","user":"root"})"#);
}

#[test]
fn move_copy_remove_add_and_if() {
    let mut o = ops(r#"
operators:
  - {type: json_parser, parse_to: body}
  - type: move
    from: body.msg
    to: attributes["message.text"]
  - {type: copy, from: body.user, to: resource.user}
  - {type: remove, field: body.junk}
  - {type: add, field: attributes.env, value: prod}
  - {type: add, field: attributes.who, value: 'EXPR(body.user + "@" + attributes.env)'}
  - {type: add, field: attributes.never, value: x, if: 'body.user == "nobody"'}
"#);
    let mut e = line(r#"{"msg":"hello","user":"ann","junk":1}"#);
    assert!(run(&mut o, &mut e));
    assert_eq!(show(&e.body), r#"Map({"user":"ann"})"#);
    assert_eq!(attr(&e, "message.text"), "Str(hello)");
    assert_eq!(attr(&e, "env"), "Str(prod)");
    assert_eq!(attr(&e, "who"), "Str(ann@prod)");
    assert_eq!(attr(&e, "never"), "<none>");
    assert_eq!(show(&map_value(e.resource.clone())), r#"Map({"user":"ann"})"#);
}

#[test]
fn filter_drops_matches() {
    let mut o =
        ops(r#"operators: [{type: filter, expr: 'body matches "^DEBUG" or attributes["log.file.name"] == "x.log"'}]"#);
    assert!(!run(&mut o, &mut line("DEBUG noise")));
    assert!(run(&mut o, &mut line("INFO kept")));
}

#[test]
fn severity_and_time_operators() {
    let mut o = ops(r#"
operators:
  - {type: regex_parser, regex: '^(?P<ts>\d+) (?P<sev>\w+)'}
  - {type: time_parser, parse_from: attributes.ts, layout_type: epoch, layout: s}
  - {type: severity_parser, parse_from: attributes.sev, overwrite_text: true}
"#);
    let mut e = line("1700000000 err boom");
    assert!(run(&mut o, &mut e));
    assert_eq!(e.timestamp, 1_700_000_000_000_000_000);
    assert_eq!((e.severity, e.severity_text.as_str()), (17, "ERROR"));
}

#[test]
fn positioned_config_errors() {
    assert_eq!(
        err("operators:\n  - type: json_parser\n  - type: csv_parser\n"),
        "3:11: operators[1]::type: unknown operator type \"csv_parser\" (supported: add, copy, filter, json_parser, move, regex_parser, remove, severity_parser, time_parser)"
    );
    assert_eq!(
        err("operators:\n  - type: move\n    from: foo.bar\n    to: body.x\n"),
        "3:11: operators[0]::from: invalid field \"foo.bar\": unrecognized prefix (a field starts with body, attributes or resource)"
    );
    assert_eq!(
        err("operators:\n  - type: filter\n    expr: 'body.a ==== 1'\n"),
        "3:11: operators[0]::expr: unexpected `==` at column 10"
    );
    assert_eq!(
        err("operators:\n  - type: regex_parser\n    regex: '(a'\n").split(": invalid regex").next().unwrap(),
        "3:12: operators[0]::regex"
    );
    assert_eq!(err("operators:\n  - type: json_parser\n    on_error: ignore\n").split(" ").next().unwrap(), "3:15:");
    assert_eq!(
        err("operators:\n  - type: json_parser\n    prase_to: body\n").split(": unknown field").next().unwrap(),
        "3:5: operators[0]::prase_to"
    );
    assert_eq!(
        err("operators:\n  - {type: add, id: a, field: body.a, value: 1}\n  - {type: add, id: a, field: body.b, value: 2}\n"),
        "3:21: operators[1]::id: duplicate operator id \"a\": give each operator its own `id`"
    );
    assert_eq!(
        err("operators:\n  - {type: json_parser, output: elsewhere}\n").split(": ferrocol").next().unwrap(),
        "2:33: operators[0]::output"
    );
    assert_eq!(err("operators:\n  - {id: x}\n"), "2:5: operators[0]: missing required field `type`");
}
