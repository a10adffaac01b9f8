//! filter tests for the traces, metrics and profiles settings: checked as
//! otelcol checks them, never run.

use super::tests::errors;
use super::*;
use crate::component::ProcessorConfig;

/// otelcol's `testdata/config_ottl.yaml`: what its config tests accept
/// validates, what they refuse is refused (syntax, paths, mixed settings).
#[test]
fn upstream_testdata_config_ottl() {
    let root = crate::config::yaml::parse("config_ottl.yaml", include_str!("testdata/config_ottl.yaml")).unwrap();
    let check = |id: &str| -> Vec<String> {
        let node = root.get(id).unwrap_or_else(|| panic!("{id} missing"));
        let cfg = crate::config::de::from_node::<FilterConfig>(node).unwrap();
        Filter::compile(&cfg).validate().into_iter().map(|e| format!("{}: {}", e.key, e.message)).collect()
    };
    for id in ["filter/ottl", "filter/multiline"] {
        assert_eq!(check(id), Vec::<String>::new(), "{id}");
    }
    let invalid = [
        (
            "filter/spans_mix_config",
            r#"traces: cannot use "traces.resource", "traces.span", "traces.spanevent" and the span settings"#,
        ),
        (
            "filter/metrics_mix_config",
            r#"metrics: cannot use "metrics.resource", "metrics.metric", "metrics.datapoint" and the settings"#,
        ),
        ("filter/logs_mix_config", "logs: cannot use ottl conditions and include/exclude for logs at the same time"),
        (
            "filter/bad_syntax_span",
            r#"traces::span[0]: invalid condition "attributes[test] == \"pass\"": column 12: invalid path "test""#,
        ),
        ("filter/bad_syntax_spanevent", "traces::spanevent[0]: invalid condition"),
        ("filter/bad_syntax_metric", "metrics::metric[0]: invalid condition"),
        ("filter/bad_syntax_datapoint", "metrics::datapoint[0]: invalid condition"),
        ("filter/bad_syntax_log", "logs::log_record[0]: invalid condition"),
    ];
    for (id, first) in invalid {
        let errors = check(id);
        assert!(errors.first().is_some_and(|e| e.starts_with(first)), "{id}: {errors:#?}");
    }
}

#[test]
fn other_signal_sections_are_checked() {
    let e = crate::config::de::from_node::<FilterConfig>(
        &crate::config::yaml::parse("f", "traces:\n  spam: ['true']\n").unwrap(),
    )
    .unwrap_err();
    assert!(e.message.contains("unknown field `spam`"), "{}", e.message);
    assert_eq!(
        errors("trace_conditions:\n  - 'span.name == \"a\"'\n  - {context: span, conditions: ['name == \"b\"']}\n"),
        ["trace_conditions: configuring multiple configuration styles is not supported, please use only Basic configuration or only Advanced configuration"]
    );
    assert_eq!(
        errors("metric_conditions:\n  - {context: log, conditions: ['true']}\n"),
        [
            r#"metric_conditions[0]::context: unknown context "log" for metric_conditions (valid values: resource, scope, metric, datapoint)"#
        ]
    );
}
