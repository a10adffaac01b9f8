//! Golden messages for statements and conditions that do not parse or compile:
//! the column inside the text and what was expected.

use crate::{Condition, ContextKind, Functions, Statement};

fn stmt_err(s: &str, cx: ContextKind) -> String {
    Statement::parse(s, cx, &Functions::standard()).map(|_| ()).unwrap_err().to_string()
}

fn cond_err(s: &str) -> String {
    Condition::parse(s, ContextKind::Log, &Functions::standard()).map(|_| ()).unwrap_err().to_string()
}

/// `want` is the whole message, or its start followed by `...` (function lists).
fn matches(got: &str, want: &str) -> bool {
    match want.strip_suffix("...") {
        Some(start) => got.starts_with(start),
        None => got == want,
    }
}

#[test]
fn statement_errors() {
    let log = ContextKind::Log;
    let cases: &[(&str, ContextKind, &str)] = &[
        (r#"set(attributes["x"] "y")"#, log, r#"column 21: expected "," or ")", found string "y""#),
        (r#"set(attributes["x"], "y""#, log, r#"column 25: expected "," or ")", found end of statement"#),
        (r#"set(attributes["x"], "y") where"#, log, "column 32: expected a value, found end of statement"),
        (r#"set(attributes["x"], "y") wher x"#, log, r#"column 27: expected "where" or end of statement, found "wher""#),
        (r#"Set(attributes["x"], "y")"#, log, "column 1: editor names must start with a lowercase letter but got 'Set'"),
        (r#"attributes["x"] == "y""#, log, r#"column 1: expected an editor call such as set(...), found "attributes""#),
        (r#"set(attributes["x"], concat(["a"], ""))"#, log, "column 22: converter names must start with an uppercase letter but got 'concat'"),
        (
            r#"sett(attributes["x"], "y")"#,
            log,
            r#"column 1: undefined function "sett" (editors: append, clear, delete_index, ..."#,
        ),
        (r#"set(attributes["x"], "\d")"#, log, r#"column 23: invalid escape \d in string (write \\d for a backslash)"#),
        (r#"set(attributes["x"], "abc)"#, log, r#"column 22: unterminated string: missing closing ""#),
        (
            r#"set(bodyy, "x")"#,
            log,
            r#"column 5: invalid path "bodyy": "bodyy" is not a field of the log context (body, attributes, severity_text, severity_number, time_unix_nano, observed_time_unix_nano, time, observed_time, trace_id, span_id, flags, event_name, dropped_attributes_count)"#,
        ),
        (r#"set(log.body, "x")"#, ContextKind::Resource, r#"column 5: path "log.body" is not available in the resource context (it needs the log context)"#),
        (r#"set(attributes["x"], SEVERITY_NUMBER_NOPE)"#, log, "column 22: enum symbol, SEVERITY_NUMBER_NOPE, not found"),
        (r#"keep_keys(attributes, "a")"#, log, r#"column 23: keep_keys: argument "keys" must be a list of strings such as ["a", "b"]"#),
        (r#"delete_key(attributes)"#, log, r#"column 1: delete_key needs the argument "key""#),
        (r#"set(attributes["x"], "a", "b")"#, log, "column 27: set takes at most 2 argument(s), got 3"),
        (r#"flatten(body, depht=2)"#, log, r#"column 15: flatten has no parameter named "depht" (parameters: target, prefix, depth, resolve_conflicts)"#),
        (r#"flatten(body, depth=2, "p")"#, log, "column 24: flatten: positional arguments must come before named ones"),
        (r#"limit(attributes, -1, [])"#, log, "column 19: limit: invalid limit for limit function, -1 cannot be negative"),
        (r#"merge_maps(attributes, body, "replace")"#, log, "column 30: merge_maps: invalid value for strategy, replace, must be 'insert', 'update' or 'upsert'"),
        (r#"set(attributes["x"], 1 + "a")"#, log, "column 26: math expressions (+) take numbers, paths and converters only"),
        (r#"replace_pattern(body, "(a", "b")"#, log, "column 23: replace_pattern: invalid regex \"(a\": unclosed group"),
        (
            r#"replace_pattern(body, "a(?=b)", "c")"#,
            log,
            r#"column 23: replace_pattern: invalid regex "a(?=b)": look-ahead is not supported (otelcol's RE2 syntax has no look-ahead either)"#,
        ),
        (r#"set(attributes["x"], ExtractPatterns(body, "(a)"))"#, log, "column 44: ExtractPatterns: at least 1 named capture group must be supplied in the given regex"),
        (r#"set(attributes["x"], Time(body, "%Y-00"))"#, log, "column 33: Time: format string should not contain decimals"),
        (r#"set(attributes["x"], Time(body, "%Q"))"#, log, "column 33: Time: unsupported ctimefmt.ToNative() directive: %Q"),
        (r#"set("x", body)"#, log, r#"column 5: set: argument "target" must be a path"#),
        (r#"set(severity_text["x"], "y")"#, log, r#"column 19: path "severity_text" cannot be indexed"#),
        (r#"set(attributes["x"], 0x123)"#, log, "column 22: invalid byte slice 0x123: it needs an even number of hex digits"),
        (r#"replace_pattern(body, "a", "b", SHA1)"#, log, "column 33: replace_pattern: SHA1 cannot be used as a function argument (use SHA256, MD5, ToLowerCase or ToUpperCase)"),
        (r#"set(attributes["é"], "ü" + 1)"#, log, "column 22: math expressions (+) take numbers, paths and converters only"),
    ];
    let mut failures = Vec::new();
    for (s, cx, want) in cases {
        let got = stmt_err(s, *cx);
        if !matches(&got, want) {
            failures.push(format!("{s}\n  want: {want}\n  got:  {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn condition_errors() {
    let cases: &[(&str, &str)] = &[
        (
            r#"attributes["x"]"#,
            "column 16: expected a comparison operator (==, !=, <, <=, >, >=), found end of statement",
        ),
        ("", "column 1: expected a condition, found end of statement"),
        (
            r#"resource.attributes["a"] = "b""#,
            r#"column 26: expected a comparison operator (==, !=, <, <=, >, >=), found "=""#,
        ),
        (
            r#"IsMatch(body, "a(?<!b)")"#,
            r#"column 15: IsMatch: invalid regex "a(?<!b)": negative look-behind is not supported (otelcol's RE2 syntax has no negative look-behind either)"#,
        ),
        (r#"(attributes["a"] == 1"#, r#"column 22: expected ")", found end of statement"#),
        (r#"attributes["a"] == 1 and"#, "column 25: expected a value, found end of statement"),
        (r#"attributes["a"] == 1 nand true"#, r#"column 22: expected "and", "or" or end of condition, found "nand""#),
        (r#"IsMatchh(body, "x")"#, r#"column 1: undefined function "IsMatchh" (converters: ..."#),
        (r#"IsMatch(body, attributes["p"])"#, r#"column 15: IsMatch: argument "pattern" must be a string literal"#),
    ];
    let mut failures = Vec::new();
    for (c, want) in cases {
        let got = cond_err(c);
        if !matches(&got, want) {
            failures.push(format!("{c}\n  want: {want}\n  got:  {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
