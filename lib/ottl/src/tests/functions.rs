//! The examples of otelcol-contrib's `ottlfuncs` README for the editors and
//! converters added with the crate (time parts and durations, case and
//! encoding conversions, hashes, checks, `delete_index`, `stringify_all`),
//! each with the result the README documents, plus index keys computed by
//! math and the run-time error for a float index.

use serde_json::json;

use super::{check_cases, transform, Case};

/// `set(attributes["<k>"], <expr>)` for each pair, on an empty record.
fn sets(pairs: &[(&'static str, &'static str)]) -> Vec<&'static str> {
    pairs.iter().map(|(k, e)| &*Box::leak(format!(r#"set(log.attributes["{k}"], {e})"#).into_boxed_str())).collect()
}

const T: &str = r#"Time("2023-02-04 15:04:05.250", "%Y-%m-%d %H:%M:%S.%L", "UTC")"#;

#[test]
fn time_and_duration_converters() {
    let e = |f: &str| &*Box::leak(f.replace("$T", T).into_boxed_str());
    let cases: Vec<Case> = vec![(
        sets(&[
            ("year", e("Year($T)")),
            ("month", e("Month($T)")),
            ("day", e("Day($T)")),
            ("hour", e("Hour($T)")),
            ("minute", e("Minute($T)")),
            ("second", e("Second($T)")),
            ("nanosecond", e("Nanosecond($T)")),
            ("weekday", e("Weekday($T)")),
            ("hours", r#"Hours(Duration("1h"))"#),
            ("minutes", r#"Minutes(Duration("1h"))"#),
            ("seconds", r#"Seconds(Duration("1h"))"#),
            ("millis", r#"Milliseconds(Duration("1h"))"#),
            ("micros", r#"Microseconds(Duration("1h"))"#),
            ("nanos", r#"Nanoseconds(Duration("1h"))"#),
            ("big", r#"Hours(Duration("1000000h"))"#),
            ("short", r#"Milliseconds(Duration("333ms"))"#),
            ("formatted", r#"FormatTime(Time("02/04/2023", "%m/%d/%Y", "UTC"), "%A %h %e %Y")"#),
            ("truncated", e(r#"FormatTime(TruncateTime($T, Duration("1h")), "%Y-%m-%d %H:%M:%S")"#)),
            ("unix", "UnixSeconds(Unix(1672527600))"),
            ("unix_ns", "UnixNano(Unix(1672527600, 5))"),
            ("milli", r#"UnixMilli(Time("02/04/2023", "%m/%d/%Y", "UTC"))"#),
            ("micro", r#"UnixMicro(Time("02/04/2023", "%m/%d/%Y", "UTC"))"#),
        ]),
        json!({}),
        json!({"attributes": {
            "year": 2023, "month": 2, "day": 4, "hour": 15, "minute": 4, "second": 5,
            "nanosecond": 250_000_000, "weekday": 6,
            "hours": 1.0, "minutes": 60.0, "seconds": 3600.0, "millis": 3_600_000,
            "micros": 3_600_000_000_i64, "nanos": 3_600_000_000_000_i64, "big": 1_000_000.0, "short": 333,
            "formatted": "Saturday Feb  4 2023", "truncated": "2023-02-04 15:00:00",
            "unix": 1_672_527_600, "unix_ns": 1_672_527_600_000_000_005_i64,
            "milli": 1_675_468_800_000_i64, "micro": 1_675_468_800_000_000_i64
        }}),
    )];
    check_cases(cases);
    let err = transform(&[r#"set(log.attributes["x"], Duration("10h 20m"))"#], json!({})).unwrap_err();
    assert!(err.contains(r#"time: unknown unit "h " in duration "10h 20m""#), "{err}");
}

#[test]
fn string_converters() {
    check_cases(vec![(
        sets(&[
            ("lower", r#"ConvertCase("MY_METRIC", "lower")"#),
            ("upper", r#"ConvertCase("my_metric", "upper")"#),
            ("snake", r#"ConvertCase("myMetric", "snake")"#),
            ("camel", r#"ConvertCase("my_metric", "camel")"#),
            ("to_camel", r#"ToCamelCase("my_metric_name")"#),
            ("to_snake", r#"ToSnakeCase("MyMetricName")"#),
            ("trim_prefix", r#"TrimPrefix("ingest_service", "ingest_")"#),
            ("trim_suffix", r#"TrimSuffix("ingest_service", "_service")"#),
            ("untouched", r#"TrimPrefix("service", "ingest_")"#),
            ("b64_decode", r#"Base64Decode("aGVsbG8gd29ybGQ=")"#),
            ("decode", r#"Decode("aGVsbG8gd29ybGQ=", "base64")"#),
            ("ascii", r#"Decode("plain", "us-ascii")"#),
            ("b64", r#"Base64Encode("test string")"#),
            ("b64_raw", r#"Base64Encode("test string", "base64-raw")"#),
            ("kv", r#"ToKeyValueString({"k1": "v1", "k2": "v=2", "k3": "\"v=3\""}, sort_output = true)"#),
            ("kv2", r#"ToKeyValueString({"k1": "v1", "k2": "v2"}, ":", ",", true)"#),
            ("i1", r#"ParseInt("12345", 10)"#),
            ("i2", r#"ParseInt("0xAA", 0)"#),
            ("i3", r#"ParseInt("AA", 16)"#),
            ("i4", r#"ParseInt("-20", 8)"#),
            ("i5", r#"ParseInt("0b1111_0000", 0)"#),
            ("i6", r#"ParseInt("-0o123", 0)"#),
        ]),
        json!({}),
        json!({"attributes": {
            "lower": "my_metric", "upper": "MY_METRIC", "snake": "my_metric", "camel": "MyMetric",
            "to_camel": "MyMetricName", "to_snake": "my_metric_name",
            "trim_prefix": "service", "trim_suffix": "ingest", "untouched": "service",
            "b64_decode": "hello world", "decode": "hello world", "ascii": "plain",
            "b64": "dGVzdCBzdHJpbmc=", "b64_raw": "dGVzdCBzdHJpbmc",
            "kv": r#"k1=v1 k2="v=2" k3="\"v=3\"""#, "kv2": "k1:v1,k2:v2",
            "i1": 12345, "i2": 170, "i3": 170, "i4": -16, "i5": 240, "i6": -83
        }}),
    )]);
}

#[test]
fn hashes_and_checks() {
    check_cases(vec![(
        sets(&[
            ("sha1", r#"SHA1("name")"#),
            ("sha512", r#"SHA512("name")"#),
            ("fnv", r#"FNV("name")"#),
            ("hex", "Hex(2.0)"),
            ("luhn", r#"IsValidLuhn("17893729974")"#),
            ("luhn_bad", r#"IsValidLuhn("17893729975")"#),
            ("cidr", r#"IsInCIDR("192.168.1.5", ["192.168.0.0/16"])"#),
            ("cidr2", r#"IsInCIDR("10.1.2.3", ["192.168.0.0/16", "10.0.0.0/8"])"#),
            ("cidr_no", r#"IsInCIDR("172.16.0.1", ["192.168.0.0/16", "10.0.0.0/8"])"#),
            ("coalesce", r#"Coalesce([log.attributes["user.id"], log.attributes["enduser.id"], "unknown"])"#),
            ("empty", r#"IsEmpty("")"#),
            ("not_empty", r#"IsEmpty("x")"#),
            ("empty_map", "IsEmpty({})"),
            ("log", "Log(100)"),
            ("sorted", "Sort([3, 1, 2])"),
            ("desc", r#"Sort(["a", "c", "b"], "desc")"#),
            ("mixed", r#"Sort([true, "a", 1])"#),
            ("numbers", "Sort([2.5, 1, 2])"),
            ("uuid", "IsMatch(UUID(), \"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$\")"),
            ("uuid7", "IsMatch(UUIDv7(), \"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-\")"),
        ]),
        json!({}),
        json!({"attributes": {
            "sha1": "6ae999552a0d2dca14d62e2bc8b764d377b1dd6c",
            "sha512": "b114f311db0e009ca2a88a9b97b1d7b362ddb27dc3dd214c6d20327a1fc3add8cc488cca4cc3565a876f6040f8b73a7b92475be1d0b1bc453f6140fba7183b9a",
            "fnv": -4_270_347_329_889_690_746_i64, "hex": "4000000000000000",
            "luhn": true, "luhn_bad": false, "cidr": true, "cidr2": true, "cidr_no": false,
            "coalesce": "unknown", "empty": true, "not_empty": false, "empty_map": true,
            "log": 4.605_170_185_988_092, "sorted": [1, 2, 3], "desc": ["c", "b", "a"],
            "mixed": [1, "a", true], "numbers": [1, 2, 2.5], "uuid": true, "uuid7": true
        }}),
    )]);
}

#[test]
fn new_editors() {
    let tags = json!({"attributes": {"tags": ["a", "b", "c", "d", "unparsed"]}});
    check_cases(vec![
        (
            vec![r#"delete_index(log.attributes["tags"], 0)"#],
            tags.clone(),
            json!({"attributes": {"tags": ["b", "c", "d", "unparsed"]}}),
        ),
        (
            vec![r#"delete_index(log.attributes["tags"], Len(log.attributes["tags"]) - 1)"#],
            tags.clone(),
            json!({"attributes": {"tags": ["a", "b", "c", "d"]}}),
        ),
        (
            vec![r#"delete_index(log.attributes["tags"], 0, 3)"#],
            tags.clone(),
            json!({"attributes": {"tags": ["d", "unparsed"]}}),
        ),
        (
            vec![r#"delete_index(log.attributes["tags"], Index(log.attributes["tags"], "unparsed"))"#],
            tags.clone(),
            json!({"attributes": {"tags": ["a", "b", "c", "d"]}}),
        ),
        (
            vec!["stringify_all(log.attributes)"],
            json!({"attributes": {"i": 42, "d": 2.5, "b": true, "bytes": {"$bytes": "0102"}, "m": {"a": 1}, "s": [1, 2], "str": "x", "nil": null}}),
            json!({"attributes": {"i": "42", "d": "2.5", "b": "true", "bytes": "AQI=", "m": "{\"a\":1}", "s": "[1,2]", "str": "x", "nil": ""}}),
        ),
    ]);
}

#[test]
fn computed_index_keys() {
    check_cases(vec![(
        vec![
            r#"set(log.attributes["last"], log.attributes["things"][Len(log.attributes["things"]) - 1])"#,
            r#"set(log.attributes["second"], log.attributes["things"][0 + 1])"#,
            r#"set(log.attributes["by_name"], log.attributes["m"][Concat(["a", "b"], "")])"#,
        ],
        json!({"attributes": {"things": ["x", "y", "z"], "m": {"ab": 1}}}),
        json!({"attributes": {"things": ["x", "y", "z"], "m": {"ab": 1}, "last": "z", "second": "y", "by_name": 1}}),
    )]);
    // A float index parses, and fails when it runs (error_mode decides).
    let err = transform(
        &[r#"set(log.attributes["x"], log.attributes["things"][1.5])"#],
        json!({"attributes": {"things": [1, 2]}}),
    )
    .unwrap_err();
    assert!(
        err.ends_with("could not resolve key for map/slice, expecting 'string' or 'int64' but got 'float64'"),
        "{err}"
    );
}
