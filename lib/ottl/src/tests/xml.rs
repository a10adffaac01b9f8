//! The XML converters: otelcol-contrib's README examples with their
//! documented results, and the documents and results of upstream's unit
//! tests for `GetXML`, `InsertXML`, `ConvertTextToElementsXML`.

use serde_json::json;

use super::transform;

fn run(expr: &str) -> Result<serde_json::Value, String> {
    let out = transform(&[&format!(r#"set(log.attributes["out"], {expr})"#)], json!({}))?;
    Ok(out["attributes"]["out"].clone())
}

fn run_on(expr: &str, body: &str) -> Result<serde_json::Value, String> {
    let out = transform(&[&format!(r#"set(log.attributes["out"], {expr})"#)], json!({"body": body}))?;
    Ok(out["attributes"]["out"].clone())
}

fn check(cases: &[(&str, &str, &str)], f: &str) {
    let mut failures = Vec::new();
    for (doc, xpath, want) in cases {
        let expr = f.replace("$X", xpath);
        match run_on(&expr, doc) {
            Ok(got) if got == json!(want) => {}
            other => failures.push(format!("{expr} on {doc}: want {want}, got {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn parse_xml_readme_example() {
    let doc = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<Log>\n  <User>\n    <ID>00001</ID>\n    <Name type=\"first\">Joe</Name>\n    <Email>joe.smith@example.com</Email>\n  </User>\n  <Text>User fired alert A</Text>\n</Log>";
    assert_eq!(
        run_on("ParseXML(log.body)", doc).unwrap(),
        json!({"tag": "Log", "children": [
            {"tag": "User", "children": [
                {"tag": "ID", "content": "00001"},
                {"tag": "Name", "content": "Joe", "attributes": {"type": "first"}},
                {"tag": "Email", "content": "joe.smith@example.com"}
            ]},
            {"tag": "Text", "content": "User fired alert A"}
        ]})
    );
    assert_eq!(
        run(r#"ParseXML("<HostInfo hostname=\"example.com\" zone=\"east-1\" cloudprovider=\"aws\" />")"#).unwrap(),
        json!({"tag": "HostInfo", "attributes": {"hostname": "example.com", "zone": "east-1", "cloudprovider": "aws"}})
    );
    assert!(run(r#"ParseXML("<a><b></a>")"#).unwrap_err().contains("unmarshal xml:"));
}

#[test]
fn parse_simplified_xml_readme_examples() {
    let cases = [
        (
            "<event>\n    <id>1</id>\n    <user>jane</user>\n    <details>\n      <time>2021-10-01T12:00:00Z</time>\n      <description>Something happened</description>\n      <cause>unknown</cause>\n    </details>\n</event>",
            json!({"event": {"id": "1", "user": "jane", "details": {"time": "2021-10-01T12:00:00Z", "description": "Something happened", "cause": "unknown"}}}),
        ),
        ("<x>\n  <y>1</y>\n  <z>2</z>\n</x>", json!({"x": {"y": "1", "z": "2"}})),
        ("<a>\n  <b>1</b>\n  <b>2</b>\n</a>", json!({"a": {"b": ["1", "2"]}})),
        ("<a>\n  <b>1</b>\n  <b><![CDATA[2]]></b>\n</a>", json!({"a": {"b": ["1", "2"]}})),
        ("<a> <b>1</b> <c>2</c> <c>3</c> </a>", json!({"a": {"b": "1", "c": ["2", "3"]}})),
        ("<a> <b>1</b> <b/> </a>", json!({"a": {"b": ["1"]}})),
        ("<foo attr=\"x\">\n    bar <!-- extraneous -->\n    <hello>world</hello>\n</foo>", json!({"foo": {"hello": "world"}})),
        ("<foo>bar</foo>", json!({"foo": "bar"})),
    ];
    for (doc, want) in cases {
        assert_eq!(run_on("ParseSimplifiedXML(log.body)", doc).unwrap(), want, "{doc}");
    }
}

#[test]
fn get_xml() {
    check(
        &[
            ("<a><b/></a>", "/a/b", "<b></b>"),
            ("<a foo=\"bar\"><b>hello</b></a>", "/a", "<a foo=\"bar\"><b>hello</b></a>"),
            ("<a><b>hello</b><b>world</b></a>", "/a/b", "<b>hello</b><b>world</b>"),
            ("<a><b>hello</b><b><c>world</c></b><d/></a>", "/a/*", "<b>hello</b><b><c>world</c></b><d></d>"),
            ("<a><x>1</x><b><x>2</x></b><d><e><f><x>3</x></f></e></d></a>", "/a//x", "<x>1</x><x>2</x><x>3</x>"),
            (
                "<a><x env=\"prod\">1</x><b><x env=\"dev\">2</x></b><d><e><f><x env=\"prod\">3</x></f></e></d></a>",
                "/a//x[@env='prod']",
                "<x env=\"prod\">1</x><x env=\"prod\">3</x>",
            ),
            ("", "/", ""),
            ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><a></a>", "/*", "<a></a>"),
            ("<!-- comment --><a></a><!-- comment -->", "/*", "<a></a>"),
            ("<a foo=\"bar\"></a>", "/a/@foo", "bar"),
            ("<a>hello</a>", "/a/text()", "hello"),
            ("<a><![CDATA[hello]]></a>", "/a/text()", "hello"),
            // README: "//a", "/a[1]", "//a[@b='c']".
            ("<a>1</a><z><a>2</a></z>", "//a", "<a>1</a><a>2</a>"),
            ("<a>1</a><a>2</a>", "/a[1]", "<a>1</a>"),
            (
                "<a b=\"c\">1</a><z><a b=\"d\">2</a><a b=\"c\">3</a></z>",
                "//a[@b='c']",
                "<a b=\"c\">1</a><a b=\"c\">3</a>",
            ),
        ],
        r#"GetXML(log.body, "$X")"#,
    );
    let e = run(r#"GetXML("<a/>", "!")"#).unwrap_err();
    assert!(e.contains("invalid xpath expression"), "{e}");
    assert!(run(r#"GetXML("<a>", "/")"#).is_err());
}

#[test]
fn insert_xml() {
    let cases = [
        ("<a></a>", "/a", "<b/>", "<a><b></b></a>"),
        ("<a></a><a></a>", "/a", "<b/>", "<a><b></b></a><a><b></b></a>"),
        ("<a></a><z><a></a></z>", "//a", "<b/>", "<a><b></b></a><z><a><b></b></a></z>"),
        ("<a></a>", "/", "<b/><c/>", "<a></a><b></b><c></c>"),
        ("<a></a>", "/a", "<b/><c/>", "<a><b></b><c></c></a>"),
        ("<a></a><z><a></a></z>", "//a", "<b/><c/>", "<a><b></b><c></c></a><z><a><b></b><c></c></a></z>"),
        (
            "<a></a>",
            "/a",
            "<x foo=\"bar\"><b>text</b><c><d><e>1</e><e><![CDATA[two]]></e></d></c></x>",
            "<a><x foo=\"bar\"><b>text</b><c><d><e>1</e><e><![CDATA[two]]></e></d></c></x></a>",
        ),
        ("", "/", "<a/>", "<a></a>"),
        ("<a></a>", "/", "<a/>", "<a></a><a></a>"),
        (
            "<a><b>has b</b></a><a></a><a><b>also has b</b></a>",
            "//a[not(b)]",
            "<b></b>",
            "<a><b>has b</b></a><a><b></b></a><a><b>also has b</b></a>",
        ),
    ];
    for (doc, xpath, sub, want) in cases {
        let out = transform(
            &[&format!(r#"set(log.attributes["out"], InsertXML(log.body, "{xpath}", log.attributes["sub"]))"#)],
            json!({"body": doc, "attributes": {"sub": sub}}),
        )
        .unwrap();
        assert_eq!(out["attributes"]["out"], json!(want), "{doc} {xpath} {sub}");
    }
    let e = run(r#"InsertXML("<a foo=\"bar\"></a>", "/a/@foo", "<b/>")"#).unwrap_err();
    assert!(e.ends_with(r#"InsertXML XPath selected non-element: "foo""#), "{e}");
    let e = run(r#"InsertXML("<a>foo</a>", "/a/text()", "<b/>")"#).unwrap_err();
    assert!(e.ends_with(r#"InsertXML XPath selected non-element: "foo""#), "{e}");
}

#[test]
fn remove_xml() {
    let log = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?><Log><Record><ID>00001</ID><Name type=\"archive\"></Name><Data>Some data</Data></Record><Record><ID>00002</ID><Name type=\"user\"></Name><Data>Some data</Data></Record></Log>";
    check(
        &[
            (
                log,
                "/Log/Record[./Name/@type='archive']",
                "<?xml version=\"1.0\" encoding=\"UTF-8\" ?><Log><Record><ID>00002</ID><Name type=\"user\"></Name><Data>Some data</Data></Record></Log>",
            ),
            ("<a foo=\"bar\" x=\"y\"></a>", "/a/@foo", "<a x=\"y\"></a>"),
            ("<a><b>1</b><c/><b>2</b></a>", "/a/b", "<a><c></c></a>"),
            ("<a><b foo=\"bar\"/><b foo=\"baz\"/></a>", "/a/b[@foo='bar']", "<a><b foo=\"baz\"></b></a>"),
            ("<a><!-- x --><b><!-- y --></b></a>", "//comment()", "<a><b></b></a>"),
            ("<a><b>sensitive data</b><c>ok</c></a>", "//*[contains(text(), 'sensitive')]", "<a><c>ok</c></a>"),
        ],
        r#"RemoveXML(log.body, "$X")"#,
    );
}

#[test]
fn convert_xml() {
    check(
        &[
            ("<a foo=\"bar\"><b>baz</b></a>", "", "<a><b>baz</b><foo>bar</foo></a>"),
            (
                "<Log><Record id=\"1\"/></Log><Other k=\"v\"/>",
                "/Log/Record",
                "<Log><Record><id>1</id></Record></Log><Other k=\"v\"></Other>",
            ),
        ],
        r#"ConvertAttributesToElementsXML(log.body, "$X")"#,
    );
    assert_eq!(
        run_on("ConvertAttributesToElementsXML(log.body)", "<a x=\"1\"><b y=\"2\"/></a>").unwrap(),
        json!("<a><b><y>2</y></b><x>1</x></a>")
    );
    let cases = [
        ("<a><b/></a>", "", "", "<a><b></b></a>"),
        (
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a><b/></a>",
            "",
            "",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a><b></b></a>",
        ),
        ("<a foo=\"bar\" hello=\"world\"/>", "", "", "<a foo=\"bar\" hello=\"world\"></a>"),
        ("<a>hello world</a>", "", "", "<a>hello world</a>"),
        ("<a><b/>foo</a>", "", "", "<a><b></b><value>foo</value></a>"),
        ("<a><b/>foo</a>", "", "bar", "<a><b></b><bar>foo</bar></a>"),
        ("<a>foo<b/>bar</a>", "", "", "<a><value>foo</value><b></b><value>bar</value></a>"),
        (
            "<a>foo<b/>bar<c/>1<d>not</d>2<e><f/><f/></e></a>",
            "",
            "v",
            "<a><v>foo</v><b></b><v>bar</v><c></c><v>1</v><d>not</d><v>2</v><e><f></f><f></f></e></a>",
        ),
        (
            "<a><b><c/>foo</b><d><c/>bar</d><b><c/>baz</b></a>",
            "/a/b",
            "",
            "<a><b><c></c><value>foo</value></b><d><c></c>bar</d><b><c></c><value>baz</value></b></a>",
        ),
        (
            "<a><b><c/>foo</b><d><c/>bar</d><b><c/>baz</b></a>",
            "/a/b",
            "V",
            "<a><b><c></c><V>foo</V></b><d><c></c>bar</d><b><c></c><V>baz</V></b></a>",
        ),
    ];
    for (doc, xpath, name, want) in cases {
        let expr = format!(r#"ConvertTextToElementsXML(log.body, "{xpath}", "{name}")"#);
        assert_eq!(run_on(&expr, doc).unwrap(), json!(want), "{expr} {doc}");
    }
    assert_eq!(
        run_on(r#"ConvertTextToElementsXML(log.body, elementName = "custom")"#, "<a><b/>x</a>").unwrap(),
        json!("<a><b></b><custom>x</custom></a>")
    );
    let deep = "<a>".repeat(10_002) + &"</a>".repeat(10_002);
    assert!(run_on("ConvertTextToElementsXML(log.body)", &deep)
        .unwrap_err()
        .contains("exceeded maximum XML nesting depth"));
}
