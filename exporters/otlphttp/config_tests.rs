//! Config: otelcol's keys and defaults, checks, and what is never printed.

use super::config::*;
use crate::config::de::{from_node, DeError};
use crate::config::yaml::parse;
use crate::export::queue::config::DEFAULT_QUEUE_BYTES;
use crate::export::queue::{Limit, Sizer};
use crate::signal::Signal;

fn load(yaml: &str) -> Result<OtlpHttpExporterConfig, DeError> {
    from_node(&parse("c", yaml).unwrap())
}

fn errors(yaml: &str) -> Vec<(String, String)> {
    load(yaml).unwrap().validate().into_iter().map(|e| (e.key, e.message)).collect()
}

#[test]
fn defaults_are_otelcols_except_blocking() {
    let c = load("endpoint: https://otlp.example:4318").unwrap();
    assert!(c.validate().is_empty(), "{:?}", c.validate());
    assert_eq!(c.encoding, Encoding::Proto);
    assert_eq!(c.compression, Compression::Gzip);
    assert_eq!(c.timeout.0, std::time::Duration::from_secs(30));
    assert_eq!(c.max_request_size.0, 8 << 20);
    let r = &c.retry_on_failure;
    assert!(r.enabled);
    assert_eq!(
        (r.initial_interval.0.as_secs(), r.max_interval.0.as_secs(), r.max_elapsed_time.0.as_secs()),
        (5, 30, 300)
    );
    assert_eq!((r.multiplier, r.randomization_factor), (1.5, 0.5));
    assert_eq!(r.retryable_statuses(), [429, 502, 503, 504]);
    let q = &c.sending_queue;
    assert!(q.enabled);
    assert_eq!(q.num_consumers, 10);
    assert_eq!(q.limit(), Limit { sizer: Sizer::Bytes, size: DEFAULT_QUEUE_BYTES }, "bounded in bytes unless sized");
    assert!(q.blocks(), "ferrocol blocks by default");
    assert!(c.force_attempt_http2);
    assert!(c.warnings().is_empty());
}

#[test]
fn endpoint_slash_rule_and_logs_endpoint_verbatim() {
    let url = |yaml: &str| load(yaml).unwrap().signal_url(Signal::Logs);
    assert_eq!(url("endpoint: http://h:4318").unwrap(), "http://h:4318/v1/logs");
    assert_eq!(url("endpoint: http://h:4318/").unwrap(), "http://h:4318/v1/logs");
    assert_eq!(url("endpoint: http://h/prefix").unwrap(), "http://h/prefix/v1/logs");
    assert_eq!(url("endpoint: http://h/prefix/").unwrap(), "http://h/prefix/v1/logs");
    assert_eq!(url("endpoint: http://h\nlogs_endpoint: https://l/custom/path").unwrap(), "https://l/custom/path");
    assert_eq!(url("logs_endpoint: http://l/ingest/").unwrap(), "http://l/ingest/");
    assert_eq!(url("traces_endpoint: http://t").unwrap_err(), "either endpoint or logs_endpoint must be specified");
    let e = errors("");
    assert_eq!(e, [(String::new(), "at least one endpoint must be specified".to_string())]);
}

#[test]
fn each_signal_has_its_path_under_endpoint_or_its_own_url() {
    let c = load("endpoint: https://h:4318/base/\ntraces_endpoint: http://t:9/spans").unwrap();
    assert!(c.validate().is_empty(), "{:?}", c.validate());
    assert_eq!(c.signal_url(Signal::Traces).unwrap(), "http://t:9/spans");
    assert_eq!(c.signal_url(Signal::Metrics).unwrap(), "https://h:4318/base/v1/metrics");
    assert_eq!(c.signal_url(Signal::Logs).unwrap(), "https://h:4318/base/v1/logs");
    let c = load("metrics_endpoint: http://m:9/v1/metrics").unwrap();
    assert!(c.validate().is_empty(), "{:?}", c.validate());
    assert_eq!(c.signal_url(Signal::Traces).unwrap_err(), "either endpoint or traces_endpoint must be specified");
    let e = errors("metrics_endpoint: m:9/v1/metrics\ntraces_endpoint: ftp://t");
    let keys: Vec<&str> = e.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["traces_endpoint", "metrics_endpoint"]);
}

#[test]
fn both_type_names_and_every_otelcol_key_are_accepted() {
    assert!(super::FACTORY.accepts("otlphttp") && super::FACTORY.accepts("otlp_http"));
    let c = load(concat!(
        "endpoint: https://h:4318\nlogs_endpoint: https://h/l\ntraces_endpoint: https://h/t\n",
        "metrics_endpoint: https://h/m\nprofiles_endpoint: https://h/p\nencoding: json\n",
        "headers: {Authorization: Bearer s3cret, X-Scope-OrgID: team}\ntimeout: 10s\n",
        "compression: zstd\ncompression_params: {level: 3}\nproxy_url: http://proxy:3128\n",
        "tls: {insecure: false, insecure_skip_verify: false, ca_file: ca.pem, cert_file: c.pem, key_file: k.pem,\n",
        "      min_version: '1.3', max_version: '1.3', server_name_override: otlp.internal,\n",
        "      include_system_ca_certs_pool: true, reload_interval: 0s}\n",
        "read_buffer_size: 0\nwrite_buffer_size: 524288\nmax_idle_conns: 100\nmax_idle_conns_per_host: 4\n",
        "idle_conn_timeout: 90s\ndisable_keep_alives: false\nhttp2_read_idle_timeout: 10s\nhttp2_ping_timeout: 5s\n",
        "force_attempt_http2: true\ncookies: {enabled: false}\nmax_request_size: 4MiB\n",
        "retry_on_failure: {enabled: true, initial_interval: 1s, randomization_factor: 0.1, multiplier: 2,\n",
        "                   max_interval: 10s, max_elapsed_time: 0s, retryable_statuses: [500, 503]}\n",
        "sending_queue: {enabled: true, num_consumers: 2, queue_size: 5000, sizer: items, block_on_overflow: false,\n",
        "                wait_for_result: true}\n",
    ))
    .unwrap();
    assert!(c.validate().is_empty(), "{:?}", c.validate());
    assert_eq!((c.encoding, c.compression, c.compression_params.level), (Encoding::Json, Compression::Zstd, 3));
    assert_eq!(c.max_request_size.0, 4 << 20);
    assert!(c.retry_on_failure.max_elapsed_time.is_zero());
    assert_eq!(c.retry_on_failure.retryable_statuses(), [500, 503]);
    assert!(!c.sending_queue.blocks());
    assert_eq!(c.sending_queue.limit(), Limit { sizer: Sizer::Items, size: 5000 });
    assert_eq!(c.tls.server_name_override, "otlp.internal");
}

#[test]
fn header_values_are_never_printed() {
    let c = load("endpoint: http://h\nheaders: {Authorization: Bearer s3cret}\n").unwrap();
    let debug = format!("{c:?}");
    assert!(!debug.contains("s3cret") && debug.contains("Authorization"), "{debug}");
    // As in otelcol, names and values are not checked in the config (the
    // request fails instead: client.rs), so its own test config is valid.
    assert_eq!(errors("endpoint: http://h\nheaders: {\"can you have a . here?\": F0, X-Token: \"a\\nb\"}\n"), []);
    let c =
        load("endpoint: http://h\ntls: {key_pem: PRIVATE-s3cret}\nproxy_url: http://u:s3cret@proxy:3128\n").unwrap();
    let debug = format!("{c:?}");
    assert!(!debug.contains("s3cret") && debug.contains("<credentials>@proxy:3128"), "{debug}");
}

#[test]
fn bad_values_are_errors_naming_the_key() {
    let e = errors(concat!(
        "endpoint: ftp://h\ncompression: snappy\nproxy_url: socks5://p:1080\nmax_request_size: 0\n",
        "retry_on_failure: {randomization_factor: 2, max_elapsed_time: 1s, retryable_statuses: [42]}\n",
        "sending_queue: {num_consumers: 0, queue_size: 0}\nauth: {authenticator: oauth2client}\n",
        "tls: {ca_file: a, ca_pem: b, cert_file: c, min_version: '1.4', max_version: '1.1', cipher_suites: [NOPE]}\n",
    ));
    let keys: Vec<&str> = e.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "endpoint",
            "proxy_url",
            "compression",
            "tls::ca_file",
            "tls::cert_file",
            "tls::min_version",
            "tls::max_version",
            "tls::cipher_suites",
            "retry_on_failure::retryable_statuses[0]",
            "retry_on_failure::randomization_factor",
            "retry_on_failure::max_elapsed_time",
            "retry_on_failure::max_elapsed_time",
            "sending_queue::num_consumers",
            "sending_queue::queue_size",
            "max_request_size",
            "auth"
        ],
        "{e:#?}"
    );
    assert!(e[0].1.contains("unsupported scheme \"ftp\""), "{}", e[0].1);
    assert!(e[2].1.starts_with("compression \"snappy\" is not supported by ferrocol"), "{}", e[2].1);
    assert_eq!(
        e[4].1,
        "TLS configuration must include both certificate and key (cert_file/cert_pem and key_file/key_pem)"
    );
    assert!(e[15].1.contains("headers"), "{}", e[15].1);
}

#[test]
fn levels_and_typos() {
    assert!(errors("endpoint: http://h\ncompression: gzip\ncompression_params: {level: 9}").is_empty());
    assert!(errors("endpoint: http://h\ncompression: zstd\ncompression_params: {level: 19}").is_empty());
    let e = errors("endpoint: http://h\ncompression: gzip\ncompression_params: {level: 12}");
    assert_eq!(e[0].0, "compression_params::level");
    assert!(errors("endpoint: http://h\ncompression: none\n").is_empty());
    assert_eq!(load("endpoint: http://h\ncompression: ''\n").unwrap().compression, Compression::None);
    let e = load("endpoint: http://h\ncompression: brotli\n").unwrap_err();
    assert!(e.message.contains("unknown variant `brotli`"), "{}", e.message);
    let e = load("endpoint: http://h\nencoding: xml\n").unwrap_err();
    assert_eq!(e.path, "encoding");
    let e = load("endpoint: http://h\nsending_queue: {num_consumer: 3}\n").unwrap_err();
    assert_eq!(e.path, "sending_queue::num_consumer");
}

#[test]
fn accepted_but_ineffective_settings_warn() {
    let c = load(concat!(
        "endpoint: http://h\nsending_queue: {storage: file_storage, blocking: false, batch: {min_size: 10}}\n",
        "cookies: {enabled: true}\nmax_conns_per_host: 5\n",
        "tls: {curve_preferences: [X25519], reload_interval: 1h, insecure_skip_verify: true}\n",
    ))
    .unwrap();
    assert!(c.validate().is_empty(), "{:?}", c.validate());
    assert!(!c.sending_queue.blocks(), "the deprecated `blocking` is honoured");
    // `storage` is supported now: no warning for it.
    assert_eq!(c.warnings().len(), 7, "{:#?}", c.warnings());
    let c = load("endpoint: https://h\ntls: {insecure: true}\n").unwrap();
    assert!(c.warnings()[0].starts_with("tls::insecure has no effect on an https:// endpoint"), "{:?}", c.warnings());
    assert!(load("endpoint: http://h\ntls: {insecure: true}\n").unwrap().warnings().is_empty());
}
