//! The input side of `filelog`: file attributes and configured attributes.

use std::borrow::Cow;
use std::path::Path;

use super::*;
use crate::tail::FileId;

fn mapper(yaml: &str) -> FilelogMapper {
    let node = crate::config::yaml::parse("c", yaml).unwrap();
    let cfg: FilelogConfig = from_node(&node).unwrap();
    assert!(cfg.validate().is_empty(), "{:?}", cfg.validate());
    FilelogMapper::new(&cfg, operators::parse(node.get("operators")).unwrap()).unwrap()
}

fn one(m: &mut FilelogMapper, text: &str, truncated: bool) -> (String, String) {
    let file = FileInfo {
        id: FileId(1),
        path: Path::new("/var/log/app/a.log"),
        name: "a.log",
        resolved: Some(Path::new("/data/a-1.log")),
    };
    let mut out = BatchBuilder::new();
    m.map(&file, Entry { text: Text::Str(Cow::Borrowed(text)), truncated, number: 3 }, &mut out);
    let logs = out.take();
    let show = |kvs: &[crate::event::KeyValue]| {
        let mut s = String::new();
        for kv in kvs {
            s.push_str(&format!("{}=", kv.key));
            crate::otlp::value::write_typed(&mut s, kv.value.as_ref());
            s.push(' ');
        }
        s
    };
    let r = &logs[0].scope_logs[0].log_records[0];
    (show(&r.attributes), show(&logs[0].resource.as_ref().unwrap().attributes))
}

#[test]
fn file_attributes_and_configured_ones() {
    let mut m = mapper(
        "include: [/var/log/app/*.log]\ninclude_file_path: true\ninclude_file_name_resolved: true\n\
         include_file_path_resolved: true\ninclude_file_record_number: true\n\
         attributes: {team: infra, copy: 'line EXPR(body)'}\nresource: {host.name: web-1}\n",
    );
    let (attrs, resource) = one(&mut m, "hello", true);
    assert_eq!(
        attrs,
        "log.file.name=Str(a.log) log.file.path=Str(/var/log/app/a.log) log.file.name_resolved=Str(a-1.log) \
         log.file.path_resolved=Str(/data/a-1.log) log.file.record_number=Int(3) log.record.truncated=Bool(true) \
         team=Str(infra) copy=Str(line hello) "
    );
    assert_eq!(resource, "host.name=Str(web-1) ");
}

#[test]
fn defaults_only_name_the_file() {
    let mut m = mapper("include: [/var/log/app/*.log]\n");
    assert_eq!(one(&mut m, "x", false), ("log.file.name=Str(a.log) ".to_string(), String::new()));
}

#[test]
fn config_checks() {
    let cfg = |y: &str| -> Vec<String> {
        let c: FilelogConfig = from_node(&crate::config::yaml::parse("c", y).unwrap()).unwrap();
        c.validate().into_iter().map(|e| format!("{}: {}", e.key, e.message)).collect()
    };
    assert_eq!(cfg("include: [a]\nmultiline: {line_start_pattern: a, line_end_pattern: x}\n").len(), 1);
    assert!(cfg("include: [a]\nmultiline: {line_start_pattern: '('}\n")[0]
        .starts_with("multiline::line_start_pattern: multiline: line_start_pattern: invalid regex"));
    assert_eq!(
        cfg("include: [a]\nfingerprint_size: 8\n"),
        ["fingerprint_size: 'fingerprint_size' must be at least 16 bytes"]
    );
    assert_eq!(cfg("include: [a]\nattributes: {x: 'EXPR(nope)'}\n")[0].split(": ").next().unwrap(), "attributes::x");
}
