//! Config: otelcol's defaults, upstream's testdata/config.yaml and its invalid
//! configs (with otelcol's messages), and what ferrocol refuses on top.

use std::time::Duration as StdDuration;

use super::config::*;
use crate::config::de::{from_node, DeError};
use crate::config::yaml::parse;
use crate::export::queue::config::DEFAULT_QUEUE_BYTES;
use crate::export::queue::{Limit, Sizer};

fn load(yaml: &str) -> Result<OtlpExporterConfig, DeError> {
    from_node(&parse("c", yaml).unwrap())
}

fn errors(yaml: &str) -> Vec<(String, String)> {
    load(yaml).unwrap().validate().into_iter().map(|e| (e.key, e.message)).collect()
}

#[test]
fn defaults_are_otelcols_except_blocking() {
    let c = load("endpoint: otelcol2:4317").unwrap();
    assert!(c.validate().is_empty(), "{:?}", c.validate());
    assert_eq!(c.compression, Compression::Gzip);
    assert_eq!(c.timeout.0, StdDuration::from_secs(5));
    assert_eq!(c.write_buffer_size.0, 512 * 1024);
    assert!(c.keepalive.is_none() && c.balancer_name.is_empty() && !c.wait_for_ready);
    assert!(c.uses_tls(), "TLS unless told otherwise");
    let r = &c.retry_on_failure;
    assert!(r.enabled);
    assert_eq!(
        (r.initial_interval.0.as_secs(), r.max_interval.0.as_secs(), r.max_elapsed_time.0.as_secs()),
        (5, 30, 300)
    );
    assert_eq!((r.multiplier, r.randomization_factor), (1.5, 0.5));
    let q = &c.sending_queue;
    assert_eq!((q.enabled, q.num_consumers), (true, 10));
    assert_eq!(q.limit(), Limit { sizer: Sizer::Bytes, size: DEFAULT_QUEUE_BYTES }, "bounded in bytes unless sized");
    assert!(q.blocks(), "ferrocol blocks by default");
    assert!(c.warnings().is_empty());
    assert!(super::FACTORY.accepts("otlp") && super::FACTORY.accepts("otlp_grpc"));
}

/// Upstream's testdata/config.yaml: every value as upstream's TestUnmarshalConfig
/// expects it; ferrocol refuses `auth` (an extension) and a header name gRPC
/// cannot send.
#[test]
fn upstream_testdata_config() {
    let c = load(include_str!("testdata/config.yaml")).unwrap();
    assert_eq!(c.endpoint, "1.2.3.4:1234");
    assert_eq!(c.target(), Ok(Target::Tcp { host: "1.2.3.4".into(), port: 1234 }));
    assert_eq!(c.compression, Compression::Gzip);
    assert_eq!(c.tls.ca_file, "/var/lib/mycert.pem");
    assert!(!c.tls.insecure && c.uses_tls());
    assert_eq!(c.timeout.0, StdDuration::from_secs(10));
    let q = &c.sending_queue;
    assert_eq!((q.enabled, q.num_consumers, q.limit()), (true, 2, Limit { sizer: Sizer::Requests, size: 10 }));
    let r = &c.retry_on_failure;
    assert!(r.enabled);
    assert_eq!((r.initial_interval.0, r.max_interval.0), (StdDuration::from_secs(10), StdDuration::from_secs(60)));
    assert_eq!(r.max_elapsed_time.0, StdDuration::from_secs(600));
    assert_eq!((r.randomization_factor, r.multiplier), (0.7, 1.3));
    let names: Vec<&str> = c.headers.0.keys().map(String::as_str).collect();
    assert_eq!(names, ["another", "can you have a . here?", "header1"]);
    assert_eq!(c.headers.0["header1"], "234");
    let k = c.keepalive.as_ref().unwrap();
    assert_eq!((k.time.0.as_secs(), k.timeout.0.as_secs(), k.permit_without_stream), (20, 30, true));
    assert_eq!(c.balancer_name, "round_robin");
    assert_eq!(c.write_buffer_size.0, 512 * 1024);
    assert!(c.batcher.is_some() && c.auth.is_some());
    let e: Vec<(String, String)> = c.validate().into_iter().map(|e| (e.key, e.message)).collect();
    let keys: Vec<&str> = e.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["headers", "auth"], "{e:#?}");
    assert_eq!(e[0].1, "invalid header name \"can you have a . here?\"");
    let w = c.warnings();
    assert!(w.iter().any(|w| w.starts_with("batcher is deprecated")), "{w:?}");
    assert!(w.iter().any(|w| w.starts_with("balancer_name round_robin")), "{w:?}");
}

/// Upstream's testdata/invalid_configs.yaml, case by case, with its messages.
#[test]
fn upstream_invalid_configs() {
    let retry = "\nretry_on_failure: {enabled: true, initial_interval: 10s, randomization_factor: 0.7, multiplier: 1.3, \
                 max_interval: 60s, max_elapsed_time: 10m}\nsending_queue: {enabled: true, num_consumers: 2, queue_size: 10}\n";
    let cases = [
        ("timeout: 10s", r#"requires a non-empty "endpoint""#),
        ("endpoint: https://", r#"requires a non-empty "endpoint""#),
        ("endpoint: http://\ntimeout: 10s", r#"requires a non-empty "endpoint""#),
        ("endpoint: example.com\ntimeout: 10s", "address example.com: missing port in address"),
        ("endpoint: example.com:port\ntimeout: 10s", r#"invalid port "port""#),
        ("endpoint: unix://\ntimeout: 10s", "unix socket path cannot be empty"),
        (
            "endpoint: example.com:443\ntls: {min_version: asd}",
            r#"invalid TLS min_version: unsupported TLS version: "asd""#,
        ),
    ];
    for (yaml, message) in cases {
        let e = errors(&format!("{yaml}{retry}"));
        assert_eq!(e.len(), 1, "{yaml}: {e:?}");
        assert_eq!(e[0].1, message, "{yaml}");
    }
    let e = errors("endpoint: example.com:443\nretry_on_failure: {randomization_factor: -5}");
    assert_eq!(
        e[0],
        ("retry_on_failure::randomization_factor".into(), "'randomization_factor' must be within [0, 1]".into())
    );
    // A negative timeout is not a duration at all.
    assert!(load("endpoint: example.com:443\ntimeout: -5s").is_err());
}

#[test]
fn endpoint_forms_and_tls_choice() {
    let target = |e: &str| load(&format!("endpoint: {e:?}")).unwrap().target();
    let tcp = |h: &str, p: u16| Ok(Target::Tcp { host: h.into(), port: p });
    assert_eq!(target("h:4317"), tcp("h", 4317));
    assert_eq!(target("http://h:4317"), tcp("h", 4317));
    assert_eq!(target("https://h:4317"), tcp("h", 4317));
    assert_eq!(target("dns:///backend.example.com:4317"), tcp("backend.example.com", 4317));
    assert_eq!(target("dns://authority/backend.example.com:4317"), tcp("backend.example.com", 4317));
    assert_eq!(target("[::1]:4317"), tcp("::1", 4317));
    assert_eq!(target("unix:///my/unix/socket.sock"), Ok(Target::Unix("/my/unix/socket.sock".into())));
    assert!(target("::1:4317").unwrap_err().contains("too many colons"));
    assert_eq!(tcp("::1", 4317).unwrap().authority(), "[::1]:4317");
    let tls = |yaml: &str| load(yaml).unwrap().uses_tls();
    assert!(tls("endpoint: h:1"));
    assert!(!tls("endpoint: h:1\ntls: {insecure: true}"));
    assert!(!tls("endpoint: http://h:1\ntls: {insecure: true}"));
    assert!(tls("endpoint: https://h:1\ntls: {insecure: true}"), "https:// wins over insecure");
    assert!(tls("endpoint: h:1\ntls: {insecure: true, ca_pem: x}"), "a CA wins over insecure");
}

#[test]
fn ferrocol_refusals_and_typos() {
    let e = errors(concat!(
        "endpoint: h:1\ncompression: snappy\nbalancer_name: grpclb\nauthority: 'a b'\n",
        "retry_on_failure: {retryable_statuses: [503]}\nsending_queue: {num_consumers: 0}\n",
        "middlewares: [{id: m}]\nheaders: {x-token: \"bad\\nvalue s3cret\"}\n",
    ));
    let keys: Vec<&str> = e.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "headers::x-token",
            "balancer_name",
            "authority",
            "retry_on_failure::retryable_statuses",
            "sending_queue::num_consumers",
            "middlewares"
        ],
        "{e:#?}"
    );
    assert_eq!(e[1].1, "invalid balancer_name: grpclb");
    assert!(!format!("{e:?}").contains("s3cret"));
    assert!(errors("endpoint: h:1\nbalancer_name: pick_first\ncompression: none").is_empty());
    assert!(errors("endpoint: h:1\ncompression: snappy").is_empty(), "snappy is spoken");
    assert!(errors("endpoint: h:1\ncompression: ''\nheaders: {x-trace-bin: raw}").is_empty());
    let e = load("endpoint: h:1\ncompression: zlib").unwrap_err();
    assert!(e.message.contains("unknown variant `zlib`"), "{}", e.message);
    let e = load("endpoint: h:1\nkeepalive: {tme: 1s}").unwrap_err();
    assert_eq!(e.path, "keepalive::tme");
    let c = load("endpoint: h:1\nheaders: {Authorization: Bearer s3cret}").unwrap();
    assert!(!format!("{c:?}").contains("s3cret"));
}
