//! Tests of the OTLP/JSON codec.

use super::encode::write_str;
use super::*;
use crate::event::{kv, str_value};
use any_value::Value as V;

fn val(v: V) -> AnyValue {
    AnyValue { value: Some(v) }
}

/// One record per value shape, plus every other field set.
fn full_batch() -> Vec<ResourceLogs> {
    let nested = val(V::KvlistValue(KeyValueList {
        values: vec![
            kv("inner.array", val(V::ArrayValue(ArrayValue { values: vec![val(V::IntValue(-7)), str_value("x")] }))),
            kv("inner.map", val(V::KvlistValue(KeyValueList { values: vec![kv("deep", val(V::BoolValue(false)))] }))),
            kv("empty", AnyValue::default()),
        ],
    }));
    let bodies = vec![
        str_value("line \"one\"\n\ttab \\ back \u{1} ctl é ✓ 😀"),
        str_value(""),
        val(V::BoolValue(true)),
        val(V::IntValue(i64::MIN)),
        val(V::IntValue(i64::MAX)),
        val(V::DoubleValue(1.5e300)),
        val(V::DoubleValue(-0.25)),
        val(V::DoubleValue(f64::INFINITY)),
        val(V::BytesValue(vec![0, 1, 2, 254, 255])),
        val(V::BytesValue(vec![])),
        val(V::ArrayValue(ArrayValue { values: vec![] })),
        nested,
    ];
    let log_records = bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| LogRecord {
            time_unix_nano: u64::MAX - i as u64,
            observed_time_unix_nano: 1_544_712_660_300_000_000 + i as u64,
            severity_number: 9 + i as i32,
            severity_text: "INFO".into(),
            body: Some(body),
            attributes: vec![kv("a", str_value("b")), kv("i", val(V::IntValue(i as i64)))],
            dropped_attributes_count: 3,
            flags: 0x0101,
            trace_id: (1..=16).collect(),
            span_id: (1..=8).collect(),
            event_name: "ssh.login".into(),
        })
        .collect();
    vec![
        ResourceLogs {
            resource: Some(Resource {
                attributes: vec![kv("service.name", str_value("sshd")), kv("host.id", val(V::IntValue(42)))],
                dropped_attributes_count: 1,
                entity_refs: vec![EntityRef {
                    schema_url: "https://e".into(),
                    r#type: "host".into(),
                    id_keys: vec!["host.id".into()],
                    description_keys: vec!["host.name".into()],
                }],
            }),
            scope_logs: vec![
                ScopeLogs {
                    scope: Some(InstrumentationScope {
                        name: "ferrocol/journald".into(),
                        version: "1.0.0".into(),
                        attributes: vec![kv("scope.attr", val(V::DoubleValue(2.0)))],
                        dropped_attributes_count: 2,
                    }),
                    log_records,
                    schema_url: "https://opentelemetry.io/schemas/1.24.0".into(),
                },
                ScopeLogs { scope: Some(InstrumentationScope::default()), ..Default::default() },
            ],
            schema_url: "https://opentelemetry.io/schemas/1.25.0".into(),
        },
        ResourceLogs {
            scope_logs: vec![ScopeLogs {
                log_records: vec![
                    LogRecord::default(),
                    LogRecord { body: Some(AnyValue::default()), ..Default::default() },
                ],
                ..Default::default()
            }],
            ..Default::default()
        },
    ]
}

fn decode_err(json: &str) -> String {
    decode_logs_request(json.as_bytes()).unwrap_err()
}

fn first_record(req: &ExportLogsServiceRequest) -> &LogRecord {
    &req.resource_logs[0].scope_logs[0].log_records[0]
}

#[test]
fn round_trip_keeps_every_field() {
    let batch = full_batch();
    let json = encode_logs_request(&batch);
    let text = std::str::from_utf8(&json).unwrap();
    serde_json::from_slice::<Value>(&json).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    let back = decode_logs_request(&json).unwrap();
    assert_eq!(back.resource_logs, batch, "{text}");
}

#[test]
fn encodes_spec_exact_json() {
    let rl = vec![ResourceLogs {
        scope_logs: vec![ScopeLogs {
            log_records: vec![LogRecord {
                time_unix_nano: 1_544_712_660_300_000_000,
                severity_number: 9,
                body: Some(str_value("hi")),
                attributes: vec![kv("n", val(V::IntValue(10))), kv("d", val(V::DoubleValue(0.5)))],
                trace_id: vec![0x5b; 16],
                span_id: vec![0xee; 8],
                flags: 1,
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }];
    let json = String::from_utf8(encode_logs_request(&rl)).unwrap();
    assert_eq!(
        json,
        concat!(
            r#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"1544712660300000000","#,
            r#""severityNumber":9,"body":{"stringValue":"hi"},"attributes":[{"key":"n","value":{"intValue":"10"}},"#,
            r#"{"key":"d","value":{"doubleValue":0.5}}],"flags":1,"traceId":"5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b","#,
            r#""spanId":"eeeeeeeeeeeeeeee"}]}]}]}"#
        )
    );
    assert_eq!(encode_logs_request(&[]), b"{}");
}

#[test]
fn escapes_strings_as_json_requires() {
    let s = "q\" b\\ nl\n cr\r tab\t bs\u{8} ff\u{c} nul\u{0} us\u{1f} del\u{7f} é 😀";
    let mut out = Vec::new();
    write_str(&mut out, s);
    assert_eq!(
        std::str::from_utf8(&out).unwrap(),
        "\"q\\\" b\\\\ nl\\n cr\\r tab\\t bs\\b ff\\f nul\\u0000 us\\u001f del\u{7f} é 😀\""
    );
    assert_eq!(serde_json::from_slice::<String>(&out).unwrap(), s);
}

/// Escapes at every offset of the 8-byte chunks `write_str` skips through,
/// in strings of every length up to 40: the same bytes as serde_json writes.
#[test]
fn escapes_at_every_chunk_offset() {
    let specials = ["\"", "\\", "\n", "\u{1}", "\u{1f}", "\u{7f}", " ", "~", "é", "😀"];
    for len in 0..40 {
        for at in 0..len {
            for sp in specials {
                let s: String = (0..len).map(|i| if i == at { sp.to_string() } else { "a".into() }).collect();
                let mut out = Vec::new();
                write_str(&mut out, &s);
                assert_eq!(out, serde_json::to_vec(&s).unwrap(), "{s:?}");
            }
        }
    }
}

#[test]
fn non_finite_doubles_are_strings() {
    let rl = |d| {
        vec![ResourceLogs {
            scope_logs: vec![ScopeLogs {
                log_records: vec![LogRecord { body: Some(val(V::DoubleValue(d))), ..Default::default() }],
                ..Default::default()
            }],
            ..Default::default()
        }]
    };
    let json = encode_logs_request(&rl(f64::NAN));
    assert!(std::str::from_utf8(&json).unwrap().contains(r#"{"doubleValue":"NaN"}"#));
    let back = decode_logs_request(&json).unwrap();
    assert!(matches!(first_record(&back).body, Some(AnyValue { value: Some(V::DoubleValue(d)) }) if d.is_nan()));
    let json = encode_logs_request(&rl(f64::NEG_INFINITY));
    assert!(std::str::from_utf8(&json).unwrap().contains(r#""-Infinity""#));
    assert_eq!(decode_logs_request(&json).unwrap().resource_logs, rl(f64::NEG_INFINITY));
}

/// `otelcol-compat.md` §9, from opentelemetry-proto's `examples/logs.json`.
#[test]
fn decodes_spec_example() {
    let json = r#"{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"my.service"}}]},
 "scopeLogs":[{"scope":{"name":"my.library","version":"1.0.0"},
  "logRecords":[{"timeUnixNano":"1544712660300000000","observedTimeUnixNano":"1544712660300000000",
   "severityNumber":10,"severityText":"Information",
   "traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174",
   "body":{"stringValue":"Example log record"},
   "attributes":[{"key":"int.attribute","value":{"intValue":"10"}},
{"key":"map.attribute","value":{"kvlistValue":{"values":[{"key":"some.map.key","value":{"stringValue":"some value"}}]}}}]}]}]}]}"#;
    let req = decode_logs_request(json.as_bytes()).unwrap();
    let rl = &req.resource_logs[0];
    assert_eq!(rl.resource.as_ref().unwrap().attributes, vec![kv("service.name", str_value("my.service"))]);
    let scope = rl.scope_logs[0].scope.as_ref().unwrap();
    assert_eq!((scope.name.as_str(), scope.version.as_str()), ("my.library", "1.0.0"));
    let expected = LogRecord {
        time_unix_nano: 1_544_712_660_300_000_000,
        observed_time_unix_nano: 1_544_712_660_300_000_000,
        severity_number: 10,
        severity_text: "Information".into(),
        trace_id: hex::decode("5b8efff798038103d269b633813fc60c").unwrap(),
        span_id: hex::decode("eee19b7ec3c1b174").unwrap(),
        body: Some(str_value("Example log record")),
        attributes: vec![
            kv("int.attribute", val(V::IntValue(10))),
            kv(
                "map.attribute",
                val(V::KvlistValue(KeyValueList { values: vec![kv("some.map.key", str_value("some value"))] })),
            ),
        ],
        ..Default::default()
    };
    assert_eq!(first_record(&req), &expected);
}

#[test]
fn accepts_snake_case_keys() {
    let json = r#"{"resource_logs":[{"schema_url":"s","resource":{"dropped_attributes_count":1},
        "scope_logs":[{"scope":{"name":"n","dropped_attributes_count":2},"schema_url":"t",
        "log_records":[{"time_unix_nano":"5","observed_time_unix_nano":"6","severity_number":"SEVERITY_NUMBER_WARN",
          "severity_text":"W","dropped_attributes_count":3,"trace_id":"0102030405060708090a0b0c0d0e0f10",
          "span_id":"0102030405060708","event_name":"e","body":{"kvlist_value":{"values":[
            {"key":"a","value":{"array_value":{"values":[{"int_value":1},{"double_value":2.5},
            {"bool_value":true},{"bytes_value":"AQI="},{"string_value":"s"}]}}}]}}}]}]}]}"#;
    let req = decode_logs_request(json.as_bytes()).unwrap();
    let rl = &req.resource_logs[0];
    assert_eq!(rl.schema_url, "s");
    assert_eq!(rl.resource.as_ref().unwrap().dropped_attributes_count, 1);
    assert_eq!(rl.scope_logs[0].schema_url, "t");
    assert_eq!(rl.scope_logs[0].scope.as_ref().unwrap().dropped_attributes_count, 2);
    let r = first_record(&req);
    assert_eq!((r.time_unix_nano, r.observed_time_unix_nano, r.severity_number), (5, 6, 13));
    assert_eq!((r.severity_text.as_str(), r.event_name.as_str(), r.dropped_attributes_count), ("W", "e", 3));
    assert_eq!(r.trace_id, (1..=16).collect::<Vec<u8>>());
    assert_eq!(r.span_id, (1..=8).collect::<Vec<u8>>());
    let array = val(V::ArrayValue(ArrayValue {
        values: vec![
            val(V::IntValue(1)),
            val(V::DoubleValue(2.5)),
            val(V::BoolValue(true)),
            val(V::BytesValue(vec![1, 2])),
            str_value("s"),
        ],
    }));
    assert_eq!(r.body, Some(val(V::KvlistValue(KeyValueList { values: vec![kv("a", array)] }))));
}

#[test]
fn accepts_numbers_names_nulls_and_unknown_fields() {
    let json = r#"{"resourceLogs":[{"resource":null,"futureField":{"x":[1]},"scopeLogs":[{"scope":null,
        "logRecords":[{"timeUnixNano":1544712660300000000,"observedTimeUnixNano":1.5e3,"severityNumber":"SEVERITY_NUMBER_INFO",
          "flags":"257","droppedAttributesCount":"4","traceId":"","spanId":null,"severityText":null,"body":null,
          "attributes":[{"key":"n","value":{"intValue":-3}},{"key":"d","value":{"doubleValue":"Infinity"}},
            {"key":"s","value":{"doubleValue":"-2.5"}},{"key":"nul","value":null},{"key":"e","value":{}},
            {"key":"unk","value":{"someNewValue":1}}],"newThing":true}]}]}]}"#;
    let req = decode_logs_request(json.as_bytes()).unwrap();
    assert_eq!(req.resource_logs[0].resource, None);
    assert_eq!(req.resource_logs[0].scope_logs[0].scope, None);
    let r = first_record(&req);
    assert_eq!((r.time_unix_nano, r.observed_time_unix_nano), (1_544_712_660_300_000_000, 1500));
    assert_eq!((r.severity_number, r.flags, r.dropped_attributes_count), (9, 257, 4));
    assert!(r.trace_id.is_empty() && r.span_id.is_empty() && r.severity_text.is_empty() && r.body.is_none());
    let expected = vec![
        kv("n", val(V::IntValue(-3))),
        kv("d", val(V::DoubleValue(f64::INFINITY))),
        kv("s", val(V::DoubleValue(-2.5))),
        KeyValue { key: "nul".into(), ..Default::default() },
        kv("e", AnyValue::default()),
        kv("unk", AnyValue::default()),
    ];
    assert_eq!(r.attributes, expected);
    assert_eq!(decode_logs_request(b"{}").unwrap(), ExportLogsServiceRequest::default());
    assert_eq!(decode_logs_request(b" {\"resourceLogs\":null} ").unwrap(), ExportLogsServiceRequest::default());
}

#[test]
fn errors_name_the_json_path() {
    let rec = |field: &str| {
        format!(r#"{{"resourceLogs":[{{"scopeLogs":[{{}},{{"logRecords":[{{}},{{}},{{}},{{{field}}}]}}]}}]}}"#)
    };
    let at = "resourceLogs[0].scopeLogs[1].logRecords[3]";
    assert_eq!(decode_err(&rec(r#""timeUnixNano":"abc""#)), format!(r#"{at}.timeUnixNano: invalid integer "abc""#));
    assert_eq!(decode_err(&rec(r#""time_unix_nano":-1"#)), format!("{at}.time_unix_nano: integer -1 out of range"));
    assert_eq!(decode_err(&rec(r#""flags":1.5"#)), format!("{at}.flags: invalid integer 1.5"));
    assert_eq!(decode_err(&rec(r#""traceId":"xyz""#)), format!(r#"{at}.traceId: invalid hex id "xyz""#));
    assert_eq!(
        decode_err(&rec(r#""spanId":"0102""#)),
        format!(r#"{at}.spanId: invalid id "0102": 2 bytes, expected 8"#)
    );
    assert_eq!(
        decode_err(&rec(r#""severityNumber":"LOUD""#)),
        format!(r#"{at}.severityNumber: invalid severity number "LOUD""#)
    );
    assert_eq!(decode_err(&rec(r#""body":"text""#)), format!("{at}.body: expected an object, found a string"));
    assert_eq!(
        decode_err(&rec(r#""attributes":[{"key":"k","value":{"arrayValue":{"values":[{"intValue":true}]}}}]"#)),
        format!("{at}.attributes[0].value.arrayValue.values[0].intValue: expected an integer, found a boolean")
    );
    assert_eq!(
        decode_err(&rec(r#""body":{"bytesValue":"!!"}"#)),
        format!(r#"{at}.body.bytesValue: invalid base64 "!!""#)
    );
    assert_eq!(decode_err(r#"{"resourceLogs":{}}"#), "resourceLogs: expected an array, found an object");
    assert_eq!(decode_err("[]"), "expected an object, found an array");
    assert!(decode_err("{\"resourceLogs\":[").starts_with("invalid JSON: EOF"), "{}", decode_err("{"));
}

#[test]
fn decodes_responses() {
    assert_eq!(decode_logs_response(b"").unwrap(), ExportLogsServiceResponse::default());
    assert_eq!(decode_logs_response(b"{}").unwrap(), ExportLogsServiceResponse::default());
    let r = decode_logs_response(br#"{"partialSuccess":{"rejectedLogRecords":"2","errorMessage":"bad"}}"#).unwrap();
    assert_eq!(
        r.partial_success,
        Some(ExportLogsPartialSuccess { rejected_log_records: 2, error_message: "bad".into() })
    );
    assert_eq!(
        decode_logs_response(br#"{"partialSuccess":{"rejectedLogRecords":"x"}}"#).unwrap_err(),
        r#"partialSuccess.rejectedLogRecords: invalid integer "x""#
    );
}
