//! `ParseCSV`, `ParseSeverity`, `CommunityID` and `URL`: the examples of
//! otelcol-contrib's `ottlfuncs` README with their documented results, and
//! the cases and messages of upstream's unit tests.

use serde_json::json;

use super::{check_cases, transform};

fn set(expr: &str) -> String {
    format!(r#"set(log.attributes["out"], {expr})"#)
}

fn run(expr: &str, input: serde_json::Value) -> Result<serde_json::Value, String> {
    let out = transform(&[&set(expr)], input)?;
    Ok(out["attributes"]["out"].clone())
}

#[test]
fn parse_csv_readme_examples() {
    let person = json!({"phone": "999-999-9999", "name": "Joe Smith", "email": "joe.smith@example.com"});
    assert_eq!(
        run(r#"ParseCSV("999-999-9999,Joe Smith,joe.smith@example.com", "phone,name,email")"#, json!({})).unwrap(),
        person
    );
    assert_eq!(
        run(
            r#"ParseCSV(log.body, "phone|name|email", delimiter="|")"#,
            json!({"body": "999-999-9999|Joe Smith|joe.smith@example.com"})
        )
        .unwrap(),
        person
    );
    assert_eq!(
        run(
            r#"ParseCSV(log.attributes["csv_line"], log.attributes["csv_headers"], delimiter="|", headerDelimiter=",", mode="lazyQuotes")"#,
            json!({"attributes": {"csv_line": "999-999-9999|Joe \"Joey\" Smith|joe.smith@example.com", "csv_headers": "phone,name,email"}})
        )
        .unwrap(),
        json!({"phone": "999-999-9999", "name": "Joe \"Joey\" Smith", "email": "joe.smith@example.com"})
    );
    assert_eq!(
        run(
            r#"ParseCSV("\"555-555-5556,Joe Smith\",joe.smith@example.com", "phone,name,email", mode="ignoreQuotes")"#,
            json!({})
        )
        .unwrap(),
        json!({"phone": "\"555-555-5556", "name": "Joe Smith\"", "email": "joe.smith@example.com"})
    );
}

#[test]
fn parse_csv_errors() {
    let e = run(r#"ParseCSV("a,b", "x,y,z")"#, json!({})).unwrap_err();
    assert!(e.contains("wrong number of fields: expected 3, found 2"), "{e}");
    let e = run(r#"ParseCSV("a,b", "")"#, json!({})).unwrap_err();
    assert!(e.contains("headers must not be an empty string"), "{e}");
    let e = run(r#"ParseCSV("a\"b,c", "x,y")"#, json!({})).unwrap_err();
    assert!(e.contains("bare \" in non-quoted-field"), "{e}");
    let e = run(r#"ParseCSV("a,b", "x,y", delimiter="||")"#, json!({})).unwrap_err();
    assert!(e.contains("invalid arguments: delimiter must be a single character"), "{e}");
    let e = run(r#"ParseCSV("a,b", "x,y", mode="loose")"#, json!({})).unwrap_err();
    assert!(e.contains("unknown mode: loose"), "{e}");
    // A newline outside quotes stays in its field; leading and trailing ones go.
    assert_eq!(
        run(r#"ParseCSV("\nAA,B\nB,CC\n", "a,b,c")"#, json!({})).unwrap(),
        json!({"a": "AA", "b": "B\nB", "c": "CC"})
    );
}

const SEVERITY_MAP: &str = r#"{"error":[{"range":{"min":400, "max":499}}], "debug":[{"range":{"min":100, "max":199}}], "info":[{"equals":["inf", "info"]}, {"range":"2xx"}], "warn":[{"range":{"min":300, "max":399}}], "fatal":[{"range":{"min":500, "max":599}}]}"#;

#[test]
fn parse_severity() {
    let readme = r#"{"info":[{"equals": ["inf"]}, {"range":{"min":200, "max":299}}]}"#;
    let with_error = r#"{"info":[{"equals": ["inf"]}, {"range":{"min":200, "max":299}}], "error":[{"range":{"min":400, "max":499}}]}"#;
    let level = |target: serde_json::Value, map: &str| {
        run(
            &format!(r#"ParseSeverity(log.attributes["log-level"], {map})"#),
            json!({"attributes": {"log-level": target}}),
        )
    };
    assert_eq!(level(json!("inf"), readme).unwrap(), json!("info"));
    assert_eq!(level(json!(250), readme).unwrap(), json!("info"));
    assert_eq!(level(json!(200), r#"{"info":[{"range":"2xx"}]}"#).unwrap(), json!("info"));
    assert_eq!(level(json!(404), with_error).unwrap(), json!("error"));
    assert_eq!(level(json!(400), SEVERITY_MAP).unwrap(), json!("error"));
    assert_eq!(level(json!(100), SEVERITY_MAP).unwrap(), json!("debug"));
    assert_eq!(level(json!(200), SEVERITY_MAP).unwrap(), json!("info"));
    assert_eq!(level(json!("inf"), SEVERITY_MAP).unwrap(), json!("info"));
    assert_eq!(
        transform(
            &[&format!("set(log.attributes[\"out\"], ParseSeverity(log.severity_number, {with_error}))")],
            json!({"severity_number": 250})
        )
        .unwrap()["attributes"]["out"],
        json!("info")
    );
    let cases = [
        (json!("foo"), r#"{"info":["info", "inf"]}"#, "severity mapping criteria items must be map[string]any"),
        (json!(400), r#"{"error":"invalid"}"#, "severity mapping criteria must be []any"),
        (
            json!(400),
            r#"{"error":[{"range":{"min":"foo", "max":599}}]}"#,
            "invalid severity mapping criteria: min must be an int64",
        ),
        (
            json!(400),
            r#"{"error":[{"range":{"min":400, "max":"foo"}}]}"#,
            "invalid severity mapping criteria: max must be an int64",
        ),
        (
            json!(400),
            r#"{"error":[{"range":{"max":599}}]}"#,
            "invalid severity mapping criteria: range must have a min value",
        ),
        (
            json!(400),
            r#"{"error":[{"range":{"min":400}}]}"#,
            "invalid severity mapping criteria: range must have a max value",
        ),
        (
            json!({"foo": "bar"}),
            r#"{"warn":[{"range":{"min":400, "max":499}}]}"#,
            "could not map log level: could not evaluate log level of value 'map[foo:bar]'",
        ),
        (json!(999), SEVERITY_MAP, "no matching log level found for value '999'"),
    ];
    for (target, map, msg) in cases {
        let e = level(target, map).unwrap_err();
        assert!(e.contains(msg), "{e} / {msg}");
    }
}

#[test]
fn community_id() {
    let id = |src: &str, dst: &str, sp: i64, dp: i64, proto: &str, seed: i64| {
        run(&format!(r#"CommunityID("{src}", {sp}, "{dst}", {dp}, "{proto}", {seed})"#), json!({}))
    };
    let cases = [
        ("1.2.3.4", "5.6.7.8", 12345, 80, "TCP", 0, "1:0by3b/tE95hcOzccyt6d4kjgbZc="),
        ("5.6.7.8", "1.2.3.4", 80, 12345, "TCP", 0, "1:0by3b/tE95hcOzccyt6d4kjgbZc="),
        ("192.168.1.1", "10.10.10.10", 53, 53000, "UDP", 0, "1:gQ05/45srnixHs8V/2ejpkxhBwg="),
        ("10.10.10.10", "192.168.1.1", 53000, 53, "ICMP", 0, "1:9TGPWejPFuBlKrHuVcM3iaA8hf8="),
        ("10.10.10.10", "192.168.1.1", 53, 53000, "RSVP", 0, "1:rkXhRghBvx2yf3zgDnSHuJ35XaY="),
        ("192.168.1.1", "10.10.10.10", 53, 53000, "ICMP6", 0, "1:bchQ2SAoVf2Iq1XdGBXObLJ2i64="),
        ("192.168.1.1", "10.10.10.10", 53, 53000, "SCTP", 0, "1:zo1kfEyhghMaeU7tQDCE2G+ITQc="),
        ("2001:db8::1", "2001:db8::2", 8080, 443, "TCP", 0, "1:c5m26SNBLmvfaBQJNWKXZwUGGcM="),
        ("192.168.1.1", "192.168.1.2", 12345, 80, "TCP", 1234, "1:v1n8p4IZW9jXIJnFANLbRU2ahdU="),
        ("10.0.0.2", "10.0.0.1", 80, 12345, "TCP", 0, "1:CpuULklTENbGdRpvp7gNcQd5ZqA="),
        ("127.0.0.1", "127.0.0.1", 8080, 8080, "TCP", 0, "1:sG2vk7rcZ12ZxPg+nnwljgdVEGw="),
        ("2001:db8::1", "10.1.1.1", 8080, 443, "TCP", 0, "1:T1e3va6jTSWaSKkG3k4dnZq5VM8="),
        ("10.1.1.1", "10.1.1.2", 8080, 8079, "TCP", 0, "1:1fjNfFLjLTsO2WE9AY0TbTeSaBs="),
        ("10.1.1.2", "10.1.1.1", 8079, 8080, "TCP", 0, "1:1fjNfFLjLTsO2WE9AY0TbTeSaBs="),
        ("10.1.1.2", "10.1.1.2", 8081, 8080, "TCP", 0, "1:3byUvmBpOu8KHoTRr4eN5AjTQEU="),
        ("10.1.1.2", "10.1.1.2", 8080, 8081, "TCP", 0, "1:3byUvmBpOu8KHoTRr4eN5AjTQEU="),
    ];
    for (s, d, sp, dp, proto, seed, want) in cases {
        assert_eq!(id(s, d, sp, dp, proto, seed).unwrap(), json!(want), "{s} {d} {proto}");
    }
    assert!(id("invalid-ip", "10.0.0.1", 80, 1, "TCP", 0).unwrap_err().contains("invalid source IP: invalid-ip"));
    assert!(id("10.0.0.1", "10.0.0.2", 80, 1, "UNKNOWN", 0).unwrap_err().contains("unsupported protocol: UNKNOWN"));
    // Port 0 is refused, as otelcol's validateAndExtractParams does (1..65535).
    assert!(id("10.0.0.1", "10.0.0.2", 0, 1, "TCP", 0)
        .unwrap_err()
        .contains("source port must be between 1 and 65535, got 0"));
    assert!(id("10.0.0.1", "10.0.0.2", 1, 0, "ICMP", 0)
        .unwrap_err()
        .contains("destination port must be between 1 and 65535, got 0"));
    assert!(id("10.0.0.1", "10.0.0.2", 65536, 1, "TCP", 0).unwrap_err().contains("got 65536"));
    assert!(id("10.0.0.1", "10.0.0.2", 1, 1, "tcp", 0).unwrap_err().contains("unsupported protocol: tcp"));
    assert!(id("10.0.0.1", "10.0.0.2", 1, 1, "TCP", 70000).unwrap_err().contains("seed must be between 0 and 65535"));
    // README examples: defaults (TCP, seed 0) and attributes as arguments.
    check_cases(vec![(
        vec![
            r#"set(log.attributes["a"], CommunityID(log.attributes["source.ip"], log.attributes["source.port"], log.attributes["destination.ip"], log.attributes["destination.port"], "TCP", 1))"#,
            r#"set(log.attributes["b"], CommunityID("192.168.1.1", 54321, "10.0.0.1", 90, "UDP", 2))"#,
            r#"set(log.attributes["c"], CommunityID("1.2.3.4", 12345, "5.6.7.8", 80))"#,
        ],
        json!({"attributes": {"source.ip": "1.2.3.4", "source.port": 12345, "destination.ip": "5.6.7.8", "destination.port": 80}}),
        json!({"attributes": {"source.ip": "1.2.3.4", "source.port": 12345, "destination.ip": "5.6.7.8", "destination.port": 80,
            "a": id("1.2.3.4", "5.6.7.8", 12345, 80, "TCP", 1).unwrap(),
            "b": id("192.168.1.1", "10.0.0.1", 54321, 90, "UDP", 2).unwrap(),
            "c": "1:0by3b/tE95hcOzccyt6d4kjgbZc="}}),
    )]);
}

#[test]
fn url_readme_examples() {
    assert_eq!(
        run(r#"URL("http://www.example.com")"#, json!({})).unwrap(),
        json!({"url.original": "http://www.example.com", "url.scheme": "http", "url.domain": "www.example.com", "url.path": ""})
    );
    let full = "http://myusername:mypassword@www.example.com:80/foo.gif?key1=val1&key2=val2#fragment";
    assert_eq!(
        run(&format!("URL(\"{full}\")"), json!({})).unwrap(),
        json!({
            "url.path": "/foo.gif", "url.fragment": "fragment", "url.extension": "gif", "url.password": "mypassword",
            "url.original": full, "url.scheme": "http", "url.port": 80, "url.user_info": "myusername:mypassword",
            "url.domain": "www.example.com", "url.query": "key1=val1&key2=val2", "url.username": "myusername"
        })
    );
    assert_eq!(
        run(r#"URL("https://[::1]:8443/a%20b")"#, json!({})).unwrap(),
        json!({"url.original": "https://[::1]:8443/a%20b", "url.scheme": "https", "url.domain": "::1", "url.path": "/a b", "url.port": 8443})
    );
    assert_eq!(run(r#"URL("?a=1&a=2&b")"#, json!({})).unwrap(), json!({"query": {"a": ["1", "2"], "b": [""]}}));
    assert!(run(r#"URL("")"#, json!({})).unwrap_err().contains("url cannot be empty"));
    let e = run(r#"URL("http://host:port/x")"#, json!({})).unwrap_err();
    assert!(e.contains(r#"parse "http://host:port/x": invalid port ":port" after host"#), "{e}");
    let e = run(r#"URL("://x")"#, json!({})).unwrap_err();
    assert!(e.contains("missing protocol scheme"), "{e}");
    let e = run(r#"URL("http://x/%zz")"#, json!({})).unwrap_err();
    assert!(e.contains(r#"invalid URL escape "%zz""#), "{e}");
}

#[test]
fn user_agent_readme_examples() {
    let ua = |s: &str| run(&format!("UserAgent(\"{s}\")"), json!({})).unwrap();
    assert_eq!(
        ua("curl/7.81.0"),
        json!({"user_agent.name": "curl", "user_agent.version": "7.81.0", "user_agent.original": "curl/7.81.0", "os.name": "Other"})
    );
    let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0";
    assert_eq!(
        ua(firefox),
        json!({"user_agent.name": "Firefox", "user_agent.version": "126.0", "user_agent.original": firefox, "os.name": "Linux"})
    );
    let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.124 Safari/537.36 Edg/91.0.864.59";
    assert_eq!(
        ua(edge),
        json!({"user_agent.name": "Edge", "user_agent.version": "91.0.864", "user_agent.original": edge, "os.name": "Windows", "os.version": "10"})
    );
    let android = "Mozilla/5.0 (Linux; Android 4.1.1; SPH-L710 Build/JRO03L) AppleWebKit/535.19 (KHTML, like Gecko) Chrome/18.0.1025.166 Mobile Safari/535.19";
    assert_eq!(
        ua(android),
        json!({"user_agent.name": "Chrome Mobile", "user_agent.version": "18.0.1025", "user_agent.original": android, "os.name": "Android", "os.version": "4.1.1"})
    );
    let e = run("UserAgent(1)", json!({})).unwrap_err();
    assert!(e.contains("expected string but got int64"), "{e}");
}

#[test]
fn extract_grok_patterns_readme_examples() {
    let grok = |body: &str, expr: &str| run(expr, json!({"body": body}));
    assert_eq!(
        run(
            r#"ExtractGrokPatterns(log.attributes["cause"], "GIT_SHA=(?P<git.sha>\\w+)")"#,
            json!({"attributes": {"cause": "deploy GIT_SHA=abc123 done"}})
        )
        .unwrap(),
        json!({"git.sha": "abc123"})
    );
    assert_eq!(
        grok(
            "Mar 12 10:01:02 web-1 sshd[42]: Accepted key",
            r#"ExtractGrokPatterns(log.body, "^(?P<timestamp>\\w+ \\w+ [0-9]+:[0-9]+:[0-9]+) (?P<hostname>([A-Za-z0-9-_]+)) (?P<process>\\w+)(\\[(?P<pid>\\d+)\\])?: (?P<message>.*)$")"#
        )
        .unwrap(),
        json!({"timestamp": "Mar 12 10:01:02", "hostname": "web-1", "process": "sshd", "pid": "42", "message": "Accepted key"})
    );
    // The README's `ExtractGrokPatterns(log.body, "%{URI}", true)`: URI and the
    // patterns inside it have no IDs, so otelcol (go-grok) refuses it too.
    let e = grok("https://example.com", r#"ExtractGrokPatterns(log.body, "%{URI}", true)"#).unwrap_err();
    assert!(e.contains("at least 1 named capture group must be supplied in the given regex"), "{e}");
    let uri = grok("see https://example.com:8080/a/b?x=1 now", r#"ExtractGrokPatterns(log.body, "%{URI:url}", true)"#)
        .unwrap();
    assert_eq!(uri, json!({"url": "https://example.com:8080/a/b?x=1"}));
    let all = grok("https://example.com/a", r#"ExtractGrokPatterns(log.body, "%{URI}")"#).unwrap();
    assert_eq!(all["URI"], json!("https://example.com/a"));
    assert_eq!(all["URIPROTO"], json!("https"));
    let pg = "2024-01-02 10:11:12.123 UTC john 65a1b2c3.4d5e 1234";
    let want = json!({"timestamp": "24-01-02 10:11:12.123", "event.timezone": "UTC", "user.name": "john", "postgresql.log.connection_id": "65a1b2c3.4d5e", "process.pid": 1234});
    let got = grok(pg, r#"ExtractGrokPatterns(log.body, "%{DATESTAMP:timestamp} %{TZ:event.timezone} %{DATA:user.name} %{GREEDYDATA:postgresql.log.connection_id} %{POSINT:process.pid:int}", true)"#).unwrap();
    assert_eq!(got, want);
    let got = grok(pg, r#"ExtractGrokPatterns(log.body, "%{LOGLINE}", true, ["LOGLINE=%{DATESTAMP:timestamp} %{TZ:event.timezone} %{DATA:user.name} %{GREEDYDATA:postgresql.log.connection_id} %{POSINT:process.pid:int}"])"#).unwrap();
    assert_eq!(got, want);
    let passwd = "smith:pass123:1001:1000:J Smith,1234,(234)567-8910,(234)567-1098,email:/home/smith:/bin/sh";
    assert_eq!(
        grok(passwd, r#"ExtractGrokPatterns(log.body, "%{USERNAME:user.name}:%{PASSWORD:user.password}:%{USERINFO}", true, ["PASSWORD=%{WORD}", "USERINFO=%{GREEDYDATA}"])"#).unwrap(),
        json!({"user.name": "smith", "user.password": "pass123"})
    );
    let e = grok("x", r#"ExtractGrokPatterns(log.body, "%{NOPE:x}")"#).unwrap_err();
    assert!(e.contains(r#"pattern definition "NOPE" unknown"#), "{e}");
    let e = grok("x", r#"ExtractGrokPatterns(log.body, "%{WORD}", true)"#).unwrap_err();
    assert!(e.contains("at least 1 named capture group must be supplied in the given regex"), "{e}");
    let e =
        grok("x", r#"ExtractGrokPatterns(log.body, "%{WORD:w}", true, ["NOEQUALSSIGNINTHISDEFINITION"])"#).unwrap_err();
    assert!(
        e.contains(r#"pattern "NOEQUALSSIGNINTHI..." supplied to ExtractGrokPatterns at index 0 has incorrect format"#),
        "{e}"
    );
    let e = grok("abc", r#"ExtractGrokPatterns(log.body, "%{WORD:w:int}")"#).unwrap_err();
    assert!(e.contains(r#"strconv.Atoi: parsing "abc": invalid syntax"#), "{e}");
}

#[test]
fn every_shipped_grok_pattern_compiles() {
    use crate::Functions;
    let funcs = Functions::standard();
    let names: Vec<&str> = include_str!("../../data/grok-patterns.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.split(' ').next())
        .collect();
    let mut bad = Vec::new();
    for n in names {
        let stmt = format!(r#"set(log.attributes["x"], ExtractGrokPatterns(log.body, "%{{{n}}}"))"#);
        let r = crate::Statement::parse(&stmt, crate::paths::ContextKind::Log, &funcs);
        // Its `%{DATA:[...}` opens a bracket class that swallows the rest:
        // go-grok's own definition does not compile with Go's regexp either.
        match (n, r) {
            ("CISCOFW733100", Ok(_)) => bad.push(format!("{n} compiles, but does not in Go")),
            ("CISCOFW733100", Err(_)) | (_, Ok(_)) => {}
            (_, Err(e)) => bad.push(format!("{n}: {e}")),
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Every editor and converter in otelcol-contrib's `ottlfuncs` README list
/// exists (lambdas on).
#[test]
fn every_upstream_function_exists() {
    let f = crate::Functions::standard().with_lambdas(true);
    let editors = "append clear delete_index delete_key delete_matching_keys keep_matching_keys flatten keep_keys limit \
        merge_maps replace_all_matches replace_all_patterns replace_match replace_pattern set stringify_all truncate_all";
    let converters = "All Any Base64Decode Base64Encode Bool Decode Coalesce CommunityID Concat ContainsValue ConvertCase \
        ConvertAttributesToElementsXML ConvertTextToElementsXML Day Double Duration ExtractPatterns ExtractGrokPatterns \
        Filter Find FNV Format FormatTime GetXML HasPrefix HasSuffix Hex Hour Hours Index InsertXML Int IsBool IsDouble \
        IsEmpty IsInCIDR IsInt IsMap IsMatch IsList IsRootSpan IsString Keys Len Log IsValidLuhn MapEach MapKeys MD5 Microseconds \
        Milliseconds Minute Minutes Month Murmur3Hash Murmur3Hash128 Nanosecond Nanoseconds Now ParseCSV ParseInt \
        ParseJSON ParseKeyValue ParseSeverity ParseSimplifiedXML ParseXML ProfileID Reduce RemoveXML Second Seconds SHA1 \
        SHA256 SHA512 SliceToMap Sort SpanID Split String Substring Time ToCamelCase ToKeyValueString ToLowerCase \
        ToSnakeCase ToUpperCase TraceID Trim TrimPrefix TrimSuffix TruncateTime Unix UnixMicro UnixMilli UnixNano \
        UnixSeconds URL UserAgent UUID UUIDv7 Values Weekday When XXH3 XXH128 Year";
    let missing: Vec<&str> = editors
        .split_whitespace()
        .filter(|n| f.editor(n).is_none())
        .chain(converters.split_whitespace().filter(|n| f.converter(n).is_none()))
        .collect();
    assert!(missing.is_empty(), "missing: {missing:?}");
}
