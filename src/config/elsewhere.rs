//! otelcol components ferrocol does not provide, so that a config written for
//! otelcol-contrib that names one gets "ferrocol does not provide the jaeger
//! receiver" instead of an unknown-type error that reads like a typo.

/// Well-known otelcol-contrib type names, by kind (`receiver`, `processor`, ...).
const OTELCOL: &[(&str, &[&str])] = &[
    (
        "receiver",
        &[
            "awscloudwatch",
            "awsxray",
            "carbon",
            "collectd",
            "docker_stats",
            "filestats",
            "fluentforward",
            "hostmetrics",
            "httpcheck",
            "jaeger",
            "k8s_cluster",
            "k8s_events",
            "k8sobjects",
            "kafka",
            "kafkametrics",
            "kubeletstats",
            "loki",
            "nop",
            "opencensus",
            "prometheus",
            "prometheus_simple",
            "receiver_creator",
            "redis",
            "sqlquery",
            "statsd",
            "syslog",
            "tcplog",
            "udplog",
            "windowseventlog",
            "zipkin",
        ],
    ),
    (
        "processor",
        &[
            "attributes",
            "cumulativetodelta",
            "deltatorate",
            "groupbyattrs",
            "groupbytrace",
            "k8sattributes",
            "logdedup",
            "metricstransform",
            "probabilistic_sampler",
            "redaction",
            "resource",
            "resourcedetection",
            "routing",
            "span",
            "tail_sampling",
        ],
    ),
    (
        "exporter",
        &[
            "awss3",
            "clickhouse",
            "elasticsearch",
            "googlecloud",
            "kafka",
            "loadbalancing",
            "logging",
            "loki",
            "nop",
            "opensearch",
            "otlp",
            "prometheus",
            "prometheusremotewrite",
            "splunk_hec",
            "syslog",
            "zipkin",
        ],
    ),
    (
        "extension",
        &[
            "basicauth",
            "bearertokenauth",
            "headers_setter",
            "memory_ballast",
            "oauth2client",
            "oidc",
            "pprof",
            "zpages",
        ],
    ),
    ("connector", &["count", "forward", "routing", "servicegraph", "spanmetrics"]),
];

/// The message for a type name ferrocol has no factory for, when otelcol knows it.
/// `kind` is the config section's kind in the singular; `provided` lists ferrocol's.
pub fn not_provided(kind: &str, type_name: &str, provided: &[&str]) -> Option<String> {
    let (_, names) = OTELCOL.iter().find(|(k, _)| *k == kind)?;
    names.contains(&type_name).then(|| {
        format!(
            "ferrocol does not provide the {type_name:?} {kind} (an otelcol-contrib component); \
             remove it and every reference to it ({kind}s ferrocol provides: [{}])",
            provided.join(" ")
        )
    })
}
